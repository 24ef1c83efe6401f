package dev.tally.bench.aws;

import static dev.tally.bench.Measurements.say;

import dev.tally.bench.Args;
import dev.tally.core.EventStore;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.examples.bank.Account;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.Credited;
import dev.tally.local.LocalDynamoDb;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * Cold start per HTTP client and JVM configuration: the wall time from starting a fresh JVM to
 * the first stream batch dispatched by the dispatcher handler class against DynamoDB Local
 * (it loads the aggregate with a Query), against a bare SDK program doing one GetItem with the same
 * client. The child JVMs run on the Lambda jar (examples/bank-aws) plus the measured client's jars
 * and a small jar of the probe: a lean classpath, as on Lambda. DynamoDB Local runs in this JVM.
 *
 * <pre>
 * java -cp bench/target/tally-bench.jar dev.tally.bench.aws.ColdStartBenchmark \
 *      --lambda-jar examples/bank-aws/target/tally-bank-lambda.jar [--runs 5] [--phases true]
 * </pre>
 */
public final class ColdStartBenchmark {
    /** --phases true: print where each dispatch run's time went (the probe's "phases" line). */
    private static boolean PHASES;

    private static final String LEDGER = "cold-ledger";

    record Config(String jvm, List<String> flags) {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int runs = args.integer("runs", 5);
        PHASES = Boolean.parseBoolean(args.string("phases", "false"));
        Path lambdaJar = Path.of(args.string("lambda-jar", "examples/bank-aws/target/tally-bank-lambda.jar"));
        if (!Files.isRegularFile(lambdaJar)) {
            throw new IllegalArgumentException(lambdaJar + " is missing: build it with"
                    + " mvn -B -q package -DskipTests -pl examples/bank-aws -am");
        }
        Path benchJar = Path.of(ColdStartBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path lib = benchJar.getParent().resolve("lib");
        Path work = Files.createDirectories(benchJar.getParent().resolve("cold-start"));
        Path probeJar = probeJar(benchJar, work.resolve("probe.jar"));

        Map<HttpClients, List<Path>> extra = new LinkedHashMap<>();
        extra.put(HttpClients.URL_CONNECTION, List.of());
        extra.put(HttpClients.APACHE5, jars(lib, "apache5-client-", "httpclient5-", "httpcore5-"));
        extra.put(HttpClients.CRT, jars(lib, "aws-crt-client-", "aws-crt-0", "crt-core-"));
        say("Lambda jar " + mb(Files.size(lambdaJar)) + " MB (url-connection client only)");
        for (var e : extra.entrySet()) {
            long bytes = Files.size(lambdaJar);
            for (Path p : e.getValue()) {
                bytes += Files.size(p);
            }
            say(String.format("  with %-14s %s MB (jars added: %s)", e.getKey().label, mb(bytes),
                    e.getValue().stream().map(p -> p.getFileName().toString()).toList()));
        }

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        say("starting DynamoDB Local (in memory, this JVM)...");
        try (LocalDynamoDb db = LocalDynamoDb.inMemory()) {
            // DynamoDB Local keeps one database per access key: use the probes' credentials
            var setup = HttpClients.URL_CONNECTION.dynamoDb(db.endpoint());
            DynamoDbTables.createIfMissing(setup, TableDefinitions.ledger(LEDGER));
            EventStore<Account> store = EventStore.builder(BankAccount.DEFINITION,
                    new DynamoDbLedger(setup, LEDGER)).build();
            RecordedEvent event = store.append("cold", 0, new Credited(100));
            String eventJson = JsonCodec.eventToJson(event).toString();
            String pk = "bank-account#cold";
            String endpoint = db.endpoint().toString();

            List<Config> configs = List.of(new Config("default", List.of()),
                    new Config("C1", List.of("-XX:TieredStopAtLevel=1")),
                    new Config("C1+AppCDS", List.of("-XX:TieredStopAtLevel=1")),
                    // what the JVM picks by itself on a one-vCPU Lambda (serial GC), and no perf-data file
                    new Config("C1+AppCDS+SerialGC", List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                            "-XX:-UsePerfData")));
            Map<String, List<Long>> times = new LinkedHashMap<>();
            // the AppCDS archives: one training run per client and mode
            for (HttpClients c : HttpClients.values()) {
                for (String mode : List.of("bare", "dispatch")) {
                    Path jsa = work.resolve(mode + "-" + c.label + ".jsa");
                    Files.deleteIfExists(jsa);
                    run(java, List.of("-XX:TieredStopAtLevel=1", "-XX:ArchiveClassesAtExit=" + jsa),
                            classpath(lambdaJar, probeJar, extra.get(c)), mode, c, endpoint, pk, eventJson);
                }
            }
            List<String> keys = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                int k = 0;
                for (Config cfg : configs) {
                    for (HttpClients c : HttpClients.values()) {
                        for (String mode : List.of("bare", "dispatch")) {
                            List<String> flags = new ArrayList<>(cfg.flags());
                            if (cfg.jvm().contains("AppCDS")) {
                                flags.add("-XX:SharedArchiveFile=" + work.resolve(mode + "-" + c.label + ".jsa"));
                            }
                            long ms = run(java, flags, classpath(lambdaJar, probeJar, extra.get(c)), mode, c, endpoint,
                                    pk, eventJson);
                            String key = cfg.jvm() + "|" + c.label + "|" + mode;
                            times.computeIfAbsent(key, x -> new ArrayList<>()).add(ms);
                            if (r == 0) {
                                keys.add(key);
                            }
                            k++;
                        }
                    }
                }
                say("run " + (r + 1) + "/" + runs + " done (" + k + " JVMs)");
            }
            say("");
            say("| JVM | client | bare GetItem ms (median) | dispatch ms (median) | dispatch / bare |");
            say("| --- | --- | ---: | ---: | ---: |");
            for (Config cfg : configs) {
                for (HttpClients c : HttpClients.values()) {
                    long bare = median(times.get(cfg.jvm() + "|" + c.label + "|bare"));
                    long dispatch = median(times.get(cfg.jvm() + "|" + c.label + "|dispatch"));
                    say(String.format("| %s | %s | %d | %d | %.2f |", cfg.jvm(), c.label, bare, dispatch,
                            (double) dispatch / bare));
                }
            }
            say("");
            say("every run (ms): " + times);
        }
        System.exit(0); // DynamoDB Local leaves non-daemon threads behind
    }

    /** Starts a JVM and returns the ms until it printed "done". */
    private static long run(String java, List<String> flags, String classpath, String mode, HttpClients c,
                            String endpoint, String pk, String eventJson) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", classpath, ColdStartProbe.class.getName(), mode, c.label, endpoint, LEDGER,
                mode.equals("bare") ? pk : eventJson));
        Path log = Files.createTempFile("cold-start-", ".log");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        long elapsed = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.equals("done")) {
                    elapsed = (System.nanoTime() - start) / 1_000_000;
                } else if (line.startsWith("phases ") && PHASES) {
                    say("  " + String.join(" ", flags).replaceAll("-XX:SharedArchiveFile=\\S+", "-XX:SharedArchiveFile")
                            + " " + c.label + ": " + line);
                }
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        int exit = p.exitValue();
        String err = Files.readString(log);
        Files.delete(log);
        if (exit != 0 || elapsed < 0) {
            throw new IllegalStateException("probe " + mode + " " + c.label + " " + flags + " exited with " + exit
                    + "; its stderr:\n" + err + "\nrun it by hand: " + String.join(" ", cmd));
        }
        return elapsed;
    }

    private static String classpath(Path lambdaJar, Path probeJar, List<Path> extra) {
        List<String> parts = new ArrayList<>();
        parts.add(lambdaJar.toAbsolutePath().toString());
        parts.add(probeJar.toAbsolutePath().toString());
        extra.forEach(p -> parts.add(p.toAbsolutePath().toString()));
        return String.join(File.pathSeparator, parts);
    }

    /** The bench's own classes without its manifest (whose Class-Path would drag every bench dependency in). */
    private static Path probeJar(Path benchJar, Path out) throws IOException {
        try (JarFile in = new JarFile(benchJar.toFile());
             JarOutputStream jar = new JarOutputStream(Files.newOutputStream(out))) {
            for (JarEntry e : java.util.Collections.list(in.entries())) {
                if (!e.getName().startsWith("dev/tally/bench/") || e.isDirectory()) {
                    continue;
                }
                jar.putNextEntry(new JarEntry(e.getName()));
                try (InputStream s = in.getInputStream(e)) {
                    s.transferTo(jar);
                }
                jar.closeEntry();
            }
        }
        return out;
    }

    private static List<Path> jars(Path lib, String... prefixes) throws IOException {
        List<Path> out = new ArrayList<>();
        try (var files = Files.list(lib)) {
            for (Path p : files.sorted().toList()) {
                String name = p.getFileName().toString();
                if (Arrays.stream(prefixes).anyMatch(name::startsWith)) {
                    out.add(p);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no jar starting with " + Arrays.toString(prefixes) + " in " + lib
                    + ": build the bench with mvn -B -q package -DskipTests -pl bench -am");
        }
        return out;
    }

    private static String mb(long bytes) {
        return String.format("%.1f", bytes / 1024.0 / 1024.0);
    }

    private static long median(List<Long> values) {
        long[] a = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return a[a.length / 2];
    }

}
