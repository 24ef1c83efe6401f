package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DynamoDB Local answers only requests addressed to loopback: DNS rebinding gets a 403. */
class LocalDynamoDbTest {
    private static LocalDynamoDb db;

    @BeforeAll
    static void start() {
        db = LocalDynamoDb.inMemory();
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void listensOnLoopback() {
        assertThat(db.endpoint().getHost()).isEqualTo("127.0.0.1");
        assertThat(db.client().listTables().tableNames()).isNotNull();
    }

    @Test
    void aRequestForAnotherHostNameIsRefused() throws Exception {
        int port = db.endpoint().getPort();
        assertThat(statusLine("127.0.0.1:" + port)).contains(" 200 ");
        assertThat(statusLine("localhost:" + port)).contains(" 200 ");
        assertThat(statusLine("rebound.evil.example:" + port)).contains(" 403 ");
        assertThat(statusLine("127.0.0.1.evil.example")).contains(" 403 ");
    }

    /** ListTables over a raw socket, so that the Host header is ours to choose. */
    private static String statusLine(String host) throws Exception {
        String body = "{}";
        String request = "POST / HTTP/1.1\r\n"
                + "Host: " + host + "\r\n"
                + "X-Amz-Target: DynamoDB_20120810.ListTables\r\n"
                + "Content-Type: application/x-amz-json-1.0\r\n"
                + "Authorization: AWS4-HMAC-SHA256 Credential=tallyLocal/20260101/us-east-1/dynamodb/aws4_request,"
                + " SignedHeaders=host, Signature=0\r\n"
                + "Content-Length: " + body.length() + "\r\n"
                + "Connection: close\r\n\r\n" + body;
        try (Socket s = new Socket("127.0.0.1", db.endpoint().getPort())) {
            s.setSoTimeout(60_000); // a guard against a hang, not a bound: a loaded machine answers late
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return answer.lines().findFirst().orElse("");
        }
    }
}
