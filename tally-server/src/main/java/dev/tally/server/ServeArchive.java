package dev.tally.server;

import dev.tally.core.spi.ArchiveStore;
import dev.tally.core.archive.DirectoryArchiveStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The archive of {@code tally serve}: {@code archive/} in its {@code --data} directory (one
 * gzip-compressed JSON-lines file per archived stream, see docs/operations.md), or a fresh
 * temporary directory for a server in memory, whose ledger is gone at exit anyway. The stores read
 * archived history from it, and {@code tally archive STORE --idle-days N --url ...} archives into it.
 */
final class ServeArchive {
    private ServeArchive() {
    }

    static ArchiveStore open(TallyServer.Settings settings) {
        if (settings.dataDir() != null) {
            return new DirectoryArchiveStore(settings.dataDir().resolve("archive"));
        }
        try {
            Path dir = Files.createTempDirectory("tally-archive-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir), "tally-archive-cleanup"));
            return new DirectoryArchiveStore(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary archive directory for a server in memory: "
                    + e.getMessage(), e);
        }
    }

    private static void delete(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // the JVM is going away; a leftover temporary directory is harmless
        }
    }
}
