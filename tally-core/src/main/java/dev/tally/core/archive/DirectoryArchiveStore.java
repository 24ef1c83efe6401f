package dev.tally.core.archive;

import dev.tally.core.RecordedEvent;
import dev.tally.core.spi.ArchiveStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;

/**
 * Archived streams as files, {@code DIR/{store}/{id}.jsonl.gz}, each written beside its place,
 * forced to disk and renamed over it: a reader sees the old object or the new one, never half.
 */
public final class DirectoryArchiveStore implements ArchiveStore {
    private final Path dir;

    public DirectoryArchiveStore(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath();
    }

    private Path file(String store, String aggregateId) {
        // ids are letters, digits, '_' and '-' (Names): safe as file names; hex keeps any other id safe too
        String safe = aggregateId.matches("[A-Za-z0-9_-]+") ? aggregateId
                : "x" + java.util.HexFormat.of().formatHex(aggregateId.getBytes(StandardCharsets.UTF_8));
        return dir.resolve(store).resolve(safe + ".jsonl.gz");
    }

    @Override
    public void put(String store, String aggregateId, List<RecordedEvent> events) {
        Path target = file(store, aggregateId);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.createDirectories(target.getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(ArchiveFormat.encode(events)));
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the archive of " + store + "/" + aggregateId + " to " + target
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<RecordedEvent> get(String store, String aggregateId) {
        Path f = file(store, aggregateId);
        if (!Files.exists(f)) {
            return List.of();
        }
        try {
            return ArchiveFormat.decode(Files.readAllBytes(f), f.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the archive " + f + ": " + e.getMessage(), e);
        }
    }

    /** One file-system lookup: cheaper than the ledger read it saves a new stream's first append. */
    @Override
    public boolean mayHold(String store, String aggregateId) {
        return Files.exists(file(store, aggregateId));
    }

    @Override
    public String describe() {
        return "dir:" + dir;
    }
}
