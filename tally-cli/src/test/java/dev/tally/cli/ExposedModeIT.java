package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token on every API route, reads included (beyond loopback, and on loopback when TALLY_TOKEN is
 * set), and HTTPS from PEM files made here with the JDK's keytool.
 */
class ExposedModeIT {
    private static final String TOKEN = "t0ken-for-tests";

    @Test
    void exposedEveryApiRouteNeedsTheTokenReadsIncludedButTheDashboardPageLoads() throws Exception {
        try (TallyProcess tally = TallyProcess.serveWith(Map.of("TALLY_TOKEN", TOKEN), "--host", "0.0.0.0",
                "--in-memory", "--port", "0")) {
            URI base = URI.create("http://127.0.0.1:" + tally.url().getPort());
            Http anonymous = new Http(base);
            Http withToken = new Http(base, TOKEN, null);
            for (String read : List.of("/api/stores", "/api/pipeline", "/api/dead-letters", "/api/accounts",
                    "/api/stores/bank-account/x/events", "/api/nothing-here")) {
                Http.Answer a = anonymous.get(read);
                assertThat(a.status()).as(read).isEqualTo(401);
                assertThat(a.message()).contains("Authorization: Bearer").contains("reads included");
            }
            assertThat(new Http(base, "wrong", null).get("/api/stores").status()).isEqualTo(401);
            assertThat(withToken.get("/api/stores").status()).isEqualTo(200);
            assertThat(anonymous.post("/api/accounts/x/credit", "{\"amount\": 1}").status()).isEqualTo(401);
            assertThat(withToken.post("/api/accounts/x/credit", "{\"amount\": 1}").status()).isEqualTo(200);
            // the page holds no data; it asks for the token and sends it on every call
            assertThat(RawHttp.send(base, "GET", "/", RawHttp.own(base), null).status()).isEqualTo(200);
        }
    }

    @Test
    void onLoopbackASetTokenIsNeededToo() throws Exception {
        try (TallyProcess tally = TallyProcess.serveWith(Map.of("TALLY_TOKEN", TOKEN), "--in-memory", "--port",
                "0")) {
            assertThat(new Http(tally.url()).get("/api/stores").status()).isEqualTo(401);
            assertThat(new Http(tally.url(), TOKEN, null).get("/api/stores").status()).isEqualTo(200);
            // the metrics need the token too
            assertThat(new Http(tally.url()).get("/metrics").status()).isEqualTo(401);
            java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(tally.url().resolve("/metrics"))
                            .header("Authorization", "Bearer " + TOKEN).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("# TYPE jvm_threads_live_threads gauge");
        }
    }

    @Test
    void httpsFromPemFilesRoundTrips(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "tally", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit").redirectErrorStream(true).start();
        String keytoolOut = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(keytoolOut).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(keystore.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        Certificate cert = ks.getCertificate("tally");
        Path certPem = dir.resolve("cert.pem");
        Path keyPem = dir.resolve("key.pem");
        Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", ks.getKey("tally", "changeit".toCharArray()).getEncoded()));

        try (TallyProcess tally = TallyProcess.serve("--in-memory", "--port", "0", "--tls-cert", certPem.toString(),
                "--tls-key", keyPem.toString())) {
            assertThat(tally.url().getScheme()).as("the printed URL").isEqualTo("https");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("tally", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            Http https = new Http(tally.url(), null, ssl);
            assertThat(https.post("/api/accounts/tls/credit", "{\"amount\": 42}").status()).isEqualTo(200);
            assertThat(https.get("/api/accounts/tls/events").json().get("events").get(0).get("payload")
                    .get("amount").asLong()).isEqualTo(42);
            // plain HTTP on the HTTPS port gets no answer a client could take for one
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            URI http = URI.create("http://127.0.0.1:" + tally.url().getPort() + "/api/stores");
            boolean refused;
            try {
                HttpResponse<String> r = plain.send(HttpRequest.newBuilder(http).timeout(Duration.ofSeconds(15)).GET()
                        .build(), HttpResponse.BodyHandlers.ofString());
                refused = r.statusCode() != 200;
            } catch (java.io.IOException e) {
                refused = true;
            }
            assertThat(refused).isTrue();
        }

        Path traditional = dir.resolve("rsa.pem");
        Files.writeString(traditional, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        TallyProcess.Finished refused = TallyProcess.run(Map.of(), "serve", "--in-memory", "--port", "0",
                "--tls-cert", certPem.toString(), "--tls-key", traditional.toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.output()).contains("PKCS#8").contains("openssl pkcs8 -topk8 -nocrypt");
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
