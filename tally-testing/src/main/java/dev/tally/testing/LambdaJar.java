package dev.tally.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Checks of a packaged Lambda jar against the template that deploys it: its size, and that every
 * function of the template can be built from that jar alone, in a fresh JVM with the function's
 * environment (tally-aws's {@code HandlerProbe}). The environment is read from the template (Globals
 * and the function's own variables); references to the template's resources become placeholders,
 * since building a handler calls no AWS service. Each handler also primes ({@code TALLY_PRIMING=on}),
 * as it does when Lambda initialises it for a SnapStart snapshot.
 */
public final class LambdaJar {
    /** The bound on a Lambda jar (issue 16: at most 15 MB, counted as 15,000,000 bytes). */
    public static final long MAX_BYTES = 15_000_000L;

    private LambdaJar() {
    }

    /** The jar a test names with the system property {@code name}; fails clearly when it was not built. */
    public static Path fromProperty(String name) {
        String p = System.getProperty(name);
        if (p == null || !Files.isRegularFile(Path.of(p))) {
            throw new IllegalStateException("system property " + name + " must name the packaged Lambda jar (got " + p
                    + "); run this test with `mvn verify` so the jar is built first");
        }
        return Path.of(p);
    }

    /** One function of a template: its logical id, handler and environment. */
    public record Function(String logicalId, String handler, Map<String, String> environment) {
    }

    public static List<Function> functions(Path template) throws IOException {
        JsonNode t = JsonCodec.parse(Files.readString(template));
        List<Function> out = new ArrayList<>();
        JsonNode global = t.path("Globals").path("Function").path("Environment").path("Variables");
        for (Iterator<Map.Entry<String, JsonNode>> it = t.path("Resources").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> r = it.next();
            if (!r.getValue().path("Type").asText().equals("AWS::Serverless::Function")) {
                continue;
            }
            JsonNode p = r.getValue().path("Properties");
            Map<String, String> env = new LinkedHashMap<>();
            for (JsonNode vars : List.of(global, p.path("Environment").path("Variables"))) {
                vars.fields().forEachRemaining(e -> env.put(e.getKey(), placeholder(e.getValue())));
            }
            out.add(new Function(r.getKey(), p.path("Handler").asText(), env));
        }
        return out;
    }

    private static String placeholder(JsonNode v) {
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.has("Ref")) {
            String ref = v.get("Ref").asText();
            // a queue's Ref is its URL; anything else a name
            return ref.contains("DeadLetters") ? "https://sqs.us-east-1.amazonaws.com/123456789012/" + ref : ref;
        }
        if (v.has("Fn::GetAtt")) {
            return "arn:aws:placeholder:us-east-1:123456789012:" + v.get("Fn::GetAtt").get(0).asText();
        }
        if (v.has("Fn::Sub")) {
            String s = v.get("Fn::Sub").isArray() ? v.get("Fn::Sub").get(0).asText() : v.get("Fn::Sub").asText();
            return s.replace("${AWS::Partition}", "aws").replace("${AWS::Region}", "us-east-1")
                    .replace("${AWS::AccountId}", "123456789012").replaceAll("\\$\\{([^}]+)}", "$1");
        }
        return v.toString();
    }

    /**
     * Builds every function of the template from the jar alone, each in a fresh JVM with its own
     * environment. Returns what failed (empty: all built).
     */
    public static List<String> buildEveryFunction(Path jar, Path template) throws IOException, InterruptedException {
        List<String> failures = new ArrayList<>();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (Function f : functions(template)) {
            ProcessBuilder pb = new ProcessBuilder(java, "-cp", jar.toAbsolutePath().toString(),
                    "dev.tally.aws.app.HandlerProbe", f.handler()).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("TALLY_") || k.startsWith("AWS_") || k.equals("JAVA_TOOL_OPTIONS"));
            // the template's JAVA_TOOL_OPTIONS (C1 only) comes with the function's environment, as on Lambda
            env.putAll(f.environment());
            env.put("AWS_REGION", "us-east-1");
            // prime as for a SnapStart snapshot: the codec and the SDK's request path, nothing sent
            env.put("TALLY_PRIMING", "on");
            Process process = pb.start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                failures.add(f.logicalId() + ": did not finish in 120 s");
            } else if (process.exitValue() != 0) {
                failures.add(f.logicalId() + " (" + f.handler() + "):\n" + new String(output, StandardCharsets.UTF_8));
            }
        }
        return failures;
    }
}
