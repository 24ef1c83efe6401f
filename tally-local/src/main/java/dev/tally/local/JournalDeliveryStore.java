package dev.tally.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageCodec;
import dev.tally.core.message.MessageKind;
import dev.tally.core.spi.DeliveryStore;
import dev.tally.core.runtime.MessageRef;
import dev.tally.core.internal.PendingDelivery;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepted deliveries in an append-only journal file in the data directory: how the local
 * EventBridge keeps AWS's promise that a successful PutEvents is durable, at the cost of one
 * buffered file write instead of a database round trip. {@link #add} returns once its lines are
 * written to the file (in the operating system's hands: they survive a crash of this process,
 * {@code kill -9} included; with {@code fsync} on, also a crash of the machine). Finished deliveries
 * are journaled as removals in batches (a removal lost in a crash only means one more delivery of a
 * message its target already handled). Opening the journal replays it, ignores a line torn by a
 * crash, and compacts it to the live deliveries; it is compacted again when it grows.
 *
 * <p>Lines: {@code A <delivery JSON>} (accepted or rescheduled; the last one of an id wins) and
 * {@code R <id>} (finished).
 */
public final class JournalDeliveryStore implements DeliveryStore {
    private static final Logger LOG = LoggerFactory.getLogger(JournalDeliveryStore.class);
    private static final long COMPACT_AT_BYTES = 32L * 1024 * 1024;

    private final Path file;
    private final boolean fsync;
    private final TreeMap<String, PendingDelivery> live = new TreeMap<>();
    private final Set<String> removals = new LinkedHashSet<>();
    private final ScheduledExecutorService flusher;
    private FileChannel channel;
    private OutputStream out;
    private long bytes;
    private boolean closed;

    /**
     * Opens (or creates) the journal {@code file}.
     *
     * @param fsync      force every acceptance to the disk (survives a machine crash; slower)
     * @param flushEvery how often finished deliveries are journaled
     */
    public JournalDeliveryStore(Path file, boolean fsync, java.time.Duration flushEvery) {
        this.file = Objects.requireNonNull(file, "file");
        this.fsync = fsync;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            replay();
            compact();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the delivery journal " + file + ": " + e.getMessage()
                    + " (is the data directory writable?)", e);
        }
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tally-journal-flusher");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, flushEvery.toMillis());
        flusher.scheduleWithFixedDelay(this::flushQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void replay() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        int lineNumber = 0;
        int torn = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                lineNumber++;
                if (line.isEmpty()) {
                    continue;
                }
                try {
                    if (line.startsWith("R ")) {
                        live.remove(line.substring(2));
                    } else if (line.startsWith("A ")) {
                        PendingDelivery d = decode(JsonCodec.parse(line.substring(2)));
                        live.put(d.id(), d);
                    } else {
                        throw new IllegalArgumentException("unknown line kind");
                    }
                } catch (RuntimeException bad) {
                    // only the last line can be torn by a crash mid-write, and it was never acknowledged
                    torn++;
                    LOG.warn("delivery journal {}: line {} cannot be read ({}); skipped", file, lineNumber,
                            bad.getMessage());
                }
            }
        }
        if (torn > 1) {
            LOG.error("delivery journal {}: {} unreadable lines (a crash tears at most the last one): the file was"
                    + " changed by something else; run `tally verify --repair` after the start", file, torn);
        }
    }

    /** Rewrites the journal as the live deliveries only, atomically (a temporary file, then a rename). */
    private void compact() throws IOException {
        if (out != null) {
            out.close();
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING); OutputStream o = java.nio.channels.Channels.newOutputStream(c)) {
            StringBuilder sb = new StringBuilder();
            for (PendingDelivery d : live.values()) {
                sb.append("A ").append(encode(d)).append('\n');
                if (sb.length() > 1 << 16) {
                    o.write(sb.toString().getBytes(StandardCharsets.UTF_8));
                    sb.setLength(0);
                }
            }
            o.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            o.flush();
            c.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        out = java.nio.channels.Channels.newOutputStream(channel);
        bytes = channel.size();
    }

    @Override
    public void add(List<PendingDelivery> deliveries) {
        StringBuilder sb = new StringBuilder();
        for (PendingDelivery d : deliveries) {
            sb.append("A ").append(encode(d)).append('\n');
        }
        synchronized (this) {
            requireOpen();
            for (PendingDelivery d : deliveries) {
                removals.remove(d.id()); // accepted again: a queued removal of an earlier copy must not apply
            }
            write(sb.toString(), fsync);
            deliveries.forEach(d -> live.put(d.id(), d));
        }
    }

    @Override
    public void reschedule(PendingDelivery delivery) {
        add(List.of(delivery));
    }

    @Override
    public void remove(Collection<String> ids) {
        synchronized (this) {
            removals.addAll(ids);
        }
    }

    @Override
    public synchronized Page<PendingDelivery> page(PageRequest request) {
        List<PendingDelivery> items = new ArrayList<>();
        Map<String, PendingDelivery> view = request.cursor() == null ? live : live.tailMap(request.cursor(), false);
        for (PendingDelivery d : view.values()) {
            if (items.size() == request.size()) {
                return new Page<>(items, items.get(items.size() - 1).id());
            }
            items.add(d);
        }
        return new Page<>(items, null);
    }

    /** Journals the finished deliveries now (and compacts a journal that grew large). */
    @Override
    public synchronized void flush() {
        if (closed || removals.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (String id : removals) {
            sb.append("R ").append(id).append('\n');
            live.remove(id);
        }
        removals.clear();
        write(sb.toString(), false);
        if (bytes > COMPACT_AT_BYTES && bytes > 4L * 1024 * live.size()) {
            try {
                compact();
            } catch (IOException e) {
                LOG.warn("compacting the delivery journal {} failed ({}); it keeps growing until the next start", file,
                        e.getMessage());
            }
        }
    }

    private void write(String lines, boolean force) {
        byte[] data = lines.getBytes(StandardCharsets.UTF_8);
        try {
            out.write(data);
            out.flush();
            if (force) {
                channel.force(false);
            }
            bytes += data.length;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the delivery journal " + file + ": " + e.getMessage()
                    + " (disk full?)", e);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the delivery journal " + file + " is closed");
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.warn("journaling finished deliveries failed ({}); trying again", e.toString());
        }
    }

    public synchronized int size() {
        return live.size();
    }

    /** Journals what finished, then closes the file. */
    @Override
    public void close() {
        flusher.shutdownNow();
        synchronized (this) {
            flush();
            closeFile();
        }
    }

    /** Closes the file without journaling what finished, as a crash would (for crash tests). */
    public void halt() {
        flusher.shutdownNow();
        synchronized (this) {
            removals.clear();
            closeFile();
        }
    }

    private void closeFile() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            LOG.warn("closing the delivery journal {}: {}", file, e.getMessage());
        }
    }

    private static String encode(PendingDelivery d) {
        ObjectNode n = JsonCodec.object();
        n.put("id", d.id()).put("target", d.target());
        n.putObject("ref").put("kind", d.ref().kind().wireName()).put("store", d.ref().store())
                .put("aggregateId", d.ref().aggregateId()).put("version", d.ref().version());
        if (d.message() != null) {
            n.set("message", MessageCodec.toJson(d.message()));
        }
        n.put("failedAttempts", d.failedAttempts()).put("dueAt", d.dueAt().toString());
        if (d.lastError() != null) {
            n.put("lastError", d.lastError().length() > 2000 ? d.lastError().substring(0, 2000) + "..." : d.lastError());
        }
        return n.toString();
    }

    private static PendingDelivery decode(JsonNode n) {
        JsonNode r = n.get("ref");
        MessageRef ref = new MessageRef(MessageKind.fromWire(r.get("kind").asText()), r.get("store").asText(),
                r.get("aggregateId").asText(), r.get("version").asLong());
        Message m = null;
        if (n.hasNonNull("message")) {
            try {
                m = MessageCodec.fromJson(n.get("message"));
            } catch (RuntimeException unreadable) {
                LOG.warn("a journaled delivery of {} no longer decodes ({}); it is read back from the ledger", ref,
                        unreadable.getMessage());
            }
        }
        return new PendingDelivery(n.get("id").asText(), n.get("target").asText(), m, ref,
                n.get("failedAttempts").asInt(), Instant.parse(n.get("dueAt").asText()),
                n.hasNonNull("lastError") ? n.get("lastError").asText() : null);
    }
}
