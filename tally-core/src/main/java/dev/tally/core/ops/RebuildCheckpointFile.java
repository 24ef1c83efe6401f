package dev.tally.core.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;

/**
 * A rebuild's place in a small JSON file, replaced atomically (written beside it, forced to disk,
 * renamed over it), so a kill at any instant leaves either the old place or the new one. The file
 * names what it belongs to ({@code job}); a file of another job is refused rather than reused.
 */
public final class RebuildCheckpointFile implements Rebuild.Checkpoint {
    private final Path file;
    private final String job;

    public RebuildCheckpointFile(Path file, String job) {
        this.file = Objects.requireNonNull(file, "file");
        this.job = Objects.requireNonNull(job, "job");
    }

    public Path file() {
        return file;
    }

    @Override
    public Optional<Rebuild.Position> load() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        JsonNode n;
        try {
            n = JsonCodec.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the rebuild checkpoint " + file + " cannot be read (" + e.getMessage()
                    + "); delete it to start the rebuild from the beginning", e);
        }
        if (!job.equals(n.path("job").asText())) {
            throw new IllegalStateException("the checkpoint " + file + " belongs to the rebuild '"
                    + n.path("job").asText() + "', not '" + job + "': pass another --checkpoint file, or delete it");
        }
        return Optional.of(new Rebuild.Position(n.path("nextCursor").isTextual() ? n.get("nextCursor").asText() : null,
                n.path("aggregates").asLong(), n.path("messages").asLong(), n.path("events").asLong()));
    }

    @Override
    public void save(Rebuild.Position p) {
        ObjectNode n = JsonCodec.object();
        n.put("job", job);
        if (p.nextCursor() == null) {
            n.putNull("nextCursor");
        } else {
            n.put("nextCursor", p.nextCursor());
        }
        n.put("aggregates", p.aggregates());
        n.put("messages", p.messages());
        n.put("events", p.events());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(n.toString().getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the rebuild checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void clear() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the finished rebuild's checkpoint " + file, e);
        }
    }
}
