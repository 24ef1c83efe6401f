package dev.tally.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One server per data directory: an OS file lock on {@code DIR/tally.lock}, held as long as the
 * server runs. The file says who holds it (pid, URL, start time) so that a second server can name
 * the first. The lock, not the file, decides: the OS releases it when its process ends, however it
 * ends (a kill -9 included), so a file left behind by a dead server never blocks a start.
 */
public final class DataDirectoryLock implements AutoCloseable {
    public static final String FILE_NAME = "tally.lock";

    /**
     * The locks this JVM holds, by real path. Checked before a second channel is opened on a held
     * file: on Linux, closing any channel of a file releases every lock the process has on it.
     */
    private static final java.util.Map<Path, DataDirectoryLock> HELD = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Instant started = Instant.now();
    private volatile String url;

    private final Path key;

    private DataDirectoryLock(Path key, Path file, FileChannel channel, FileLock lock) {
        this.key = key;
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code dataDir} (created if missing), or fails with a message that names the
     * server holding it.
     */
    static synchronized DataDirectoryLock acquire(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        Path key;
        try {
            Files.createDirectories(dataDir);
            key = dataDir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + dataDir.toAbsolutePath() + ": "
                    + e.getMessage(), e);
        }
        DataDirectoryLock inThisJvm = HELD.get(key);
        if (inThisJvm != null) {
            // checked before opening a channel: closing it would release the holder's lock
            throw inUse(dataDir, "pid " + ProcessHandle.current().pid() + " (this process)"
                    + (inThisJvm.url == null ? ", still starting" : ", serving on " + inThisJvm.url));
        }
        FileChannel channel;
        try {
            // no TRUNCATE_EXISTING: the content belongs to the holder until the lock is ours
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the lock file " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM holds it already (another server in the same process)
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            String holder = holder(channel);
            closeQuietly(channel);
            throw inUse(dataDir, holder);
        }
        DataDirectoryLock held = new DataDirectoryLock(key, file, channel, lock);
        HELD.put(key, held);
        held.describe(null);
        return held;
    }

    private static IllegalStateException inUse(Path dataDir, String holder) {
        return new IllegalStateException("the data directory " + dataDir.toAbsolutePath() + " is in use by another"
                + " tally serve (" + holder + "). Stop that server first, or pass another --data DIR"
                + " (or --in-memory).");
    }

    /** Records who holds the lock; {@code url} null while the HTTP API is not up yet. */
    synchronized void describe(String url) {
        this.url = url;
        String content = "pid=" + ProcessHandle.current().pid() + "\n"
                + "url=" + (url == null ? "" : url) + "\n"
                + "started=" + started + "\n";
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the lock file " + file.toAbsolutePath() + ": "
                    + e.getMessage(), e);
        }
    }

    /** "pid 123, serving on http://..." from the holder's lock file, as far as it says. */
    private static String holder(FileChannel channel) {
        String content = "";
        // the holder writes its file right after taking the lock: give it a moment when it is empty
        for (int attempt = 0; attempt < 20 && content.isBlank(); attempt++) {
            content = read(channel);
            if (content.isBlank()) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        String pid = field(content, "pid");
        String url = field(content, "url");
        return (pid.isEmpty() ? "pid unknown" : "pid " + pid)
                + (url.isEmpty() ? ", still starting" : ", serving on " + url);
    }

    private static String read(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            int n = channel.read(buffer, 0);
            return n <= 0 ? "" : new String(buffer.array(), 0, n, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String field(String content, String name) {
        for (String line : content.split("\n")) {
            if (line.startsWith(name + "=")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return "";
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing held
        }
    }

    /**
     * Releases the lock. The file stays (deleting it would race a server that just opened it to
     * take the lock); the next server overwrites it.
     */
    @Override
    public synchronized void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        } finally {
            closeQuietly(channel);
            HELD.remove(key, this);
        }
    }
}
