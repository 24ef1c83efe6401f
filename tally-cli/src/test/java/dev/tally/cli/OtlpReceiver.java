package dev.tally.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver for tests: accepts {@code POST /v1/traces} in protobuf (what the SDK's
 * {@code http/protobuf} exporter sends) and decodes the spans' trace ids, parents, names and the
 * resource's {@code service.name} with a minimal protobuf reader (the fields of
 * {@code ExportTraceServiceRequest} it needs, nothing else).
 */
final class OtlpReceiver implements AutoCloseable {
    /** One received span. */
    record Span(String service, String traceId, String spanId, String parentSpanId, String name) {
    }

    private final HttpServer server;
    final List<Span> spans = new CopyOnWriteArrayList<>();
    final List<String> contentTypes = new CopyOnWriteArrayList<>();

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", x -> {
            byte[] body;
            try (InputStream in = "gzip".equalsIgnoreCase(x.getRequestHeaders().getFirst("Content-Encoding"))
                    ? new GZIPInputStream(x.getRequestBody()) : x.getRequestBody()) {
                body = in.readAllBytes();
            }
            contentTypes.add(String.valueOf(x.getRequestHeaders().getFirst("Content-Type")));
            int status = 200;
            try {
                spans.addAll(decode(body));
            } catch (RuntimeException e) {
                status = 400;
            }
            x.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            x.sendResponseHeaders(status, -1);
            x.close();
        });
        server.start();
    }

    /** The base URL, for {@code OTEL_EXPORTER_OTLP_ENDPOINT}. */
    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** ExportTraceServiceRequest: 1 resource_spans; ResourceSpans: 1 resource, 2 scope_spans; ScopeSpans: 2 spans. */
    static List<Span> decode(byte[] request) {
        List<Span> out = new ArrayList<>();
        for (Field resourceSpans : fields(request)) {
            if (resourceSpans.number != 1) {
                continue;
            }
            String service = null;
            List<byte[]> scopes = new ArrayList<>();
            for (Field f : fields(resourceSpans.bytes)) {
                if (f.number == 1) {
                    service = serviceName(f.bytes);
                } else if (f.number == 2) {
                    scopes.add(f.bytes);
                }
            }
            for (byte[] scope : scopes) {
                for (Field span : fields(scope)) {
                    if (span.number == 2) {
                        out.add(span(service, span.bytes));
                    }
                }
            }
        }
        return out;
    }

    /** Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name. */
    private static Span span(String service, byte[] bytes) {
        String trace = null;
        String id = null;
        String parent = "";
        String name = null;
        for (Field f : fields(bytes)) {
            switch (f.number) {
                case 1 -> trace = HexFormat.of().formatHex(f.bytes);
                case 2 -> id = HexFormat.of().formatHex(f.bytes);
                case 4 -> parent = HexFormat.of().formatHex(f.bytes);
                case 5 -> name = new String(f.bytes, java.nio.charset.StandardCharsets.UTF_8);
                default -> { }
            }
        }
        return new Span(service, trace, id, parent, name);
    }

    /** Resource: 1 attributes (KeyValue: 1 key, 2 value; AnyValue: 1 string_value). */
    private static String serviceName(byte[] resource) {
        for (Field attribute : fields(resource)) {
            if (attribute.number != 1) {
                continue;
            }
            String key = null;
            String value = null;
            for (Field f : fields(attribute.bytes)) {
                if (f.number == 1) {
                    key = new String(f.bytes, java.nio.charset.StandardCharsets.UTF_8);
                } else if (f.number == 2) {
                    for (Field v : fields(f.bytes)) {
                        if (v.number == 1) {
                            value = new String(v.bytes, java.nio.charset.StandardCharsets.UTF_8);
                        }
                    }
                }
            }
            if ("service.name".equals(key)) {
                return value;
            }
        }
        return null;
    }

    private record Field(int number, byte[] bytes) {
    }

    /** The length-delimited fields of a message (varints and fixed fields are skipped). */
    private static List<Field> fields(byte[] message) {
        List<Field> out = new ArrayList<>();
        int[] at = {0};
        while (at[0] < message.length) {
            long tag = varint(message, at);
            int number = (int) (tag >>> 3);
            switch ((int) (tag & 7)) {
                case 0 -> varint(message, at);
                case 1 -> at[0] += 8;
                case 5 -> at[0] += 4;
                case 2 -> {
                    int length = (int) varint(message, at);
                    if (length < 0 || at[0] + length > message.length) {
                        throw new IllegalArgumentException("truncated protobuf field " + number);
                    }
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    b.write(message, at[0], length);
                    out.add(new Field(number, b.toByteArray()));
                    at[0] += length;
                }
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + (tag & 7));
            }
        }
        return out;
    }

    private static long varint(byte[] b, int[] at) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at[0] >= b.length) {
                throw new IllegalArgumentException("truncated protobuf varint");
            }
            int x = b[at[0]++];
            value |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("protobuf varint too long");
    }
}
