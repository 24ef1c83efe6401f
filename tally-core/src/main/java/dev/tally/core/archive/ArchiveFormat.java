package dev.tally.core.archive;

import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** One archived stream as gzip-compressed JSON lines, one recorded event a line (the ledger's wire format). */
public final class ArchiveFormat {
    private ArchiveFormat() {
    }

    public static byte[] encode(List<RecordedEvent> events) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (RecordedEvent e : events) {
                gz.write(JsonCodec.eventToJson(e).toString().getBytes(StandardCharsets.UTF_8));
                gz.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static List<RecordedEvent> decode(byte[] object, String where) {
        List<RecordedEvent> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(new ByteArrayInputStream(object)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isEmpty()) {
                    out.add(JsonCodec.eventFromJson(JsonCodec.parse(line)));
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the archive object " + where + " cannot be read (" + e.getMessage()
                    + "): it is not gzip-compressed JSON lines of recorded events", e);
        }
        return out;
    }
}
