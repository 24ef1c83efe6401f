package dev.tally.core.ops;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Fills one projection from history: walks the aggregate ids of its store a page at a time and
 * sends exactly one state-carrying message per aggregate (its head state) to that projection only,
 * never one per event and never to the other subscribers (a replay event reaches every subscriber).
 *
 * <p>After each page it saves its place ({@link Position}: the cursor of the next page and the
 * counts so far) through a {@link Checkpoint}; a run killed at any instant resumes from the last
 * saved page, so it re-sends at most the one page it was in. Re-sending is harmless: a projection
 * writes a view only when the carried version is newer than the stored one.
 *
 * <pre>{@code
 * Rebuild.Result r = Rebuild.builder(ids, sender)
 *     .pageSize(100).rate(RateLimit.perSecond(500)).checkpoint(RebuildCheckpointFile.at(path))
 *     .progress(p -> System.out.println(p.aggregates() + " of " + p.total()))
 *     .build().run();
 * }</pre>
 */
public final class Rebuild {

    /** The aggregate ids of the projection's store, a page at a time, in a stable order. */
    @FunctionalInterface
    public interface Ids {
        Page<String> page(PageRequest request);
    }

    /**
     * Sends the head state-carrying message of each aggregate to the one projection. Aggregates
     * that have no events (any more) send nothing.
     */
    @FunctionalInterface
    public interface Sender {
        Sent send(List<String> aggregateIds);
    }

    /** What one send did: messages sent and the events their states cover (the aggregates' versions). */
    public record Sent(int messages, long events) {
    }

    /** Where a rebuild keeps its place between runs. */
    public interface Checkpoint {
        Optional<Position> load();

        void save(Position position);

        /** Forgets the place once the rebuild is complete. */
        void clear();

        Checkpoint NONE = new Checkpoint() {
            @Override
            public Optional<Position> load() {
                return Optional.empty();
            }

            @Override
            public void save(Position position) {
            }

            @Override
            public void clear() {
            }
        };
    }

    /**
     * A rebuild's place: the cursor of the next page to send ({@code null} for the first page) and
     * what was done before it.
     */
    public record Position(String nextCursor, long aggregates, long messages, long events) {
        public static final Position START = new Position(null, 0, 0, 0);
    }

    /**
     * How far a run is.
     *
     * @param total        the aggregates in the store when counted first, -1 when not counted
     * @param resumedAfter aggregates done by earlier runs (from the checkpoint)
     */
    public record Progress(long aggregates, long total, long messages, long events, long resumedAfter,
                           Duration elapsed, boolean finished) {
        /** Aggregates per second in this run. */
        public double perSecond() {
            double s = elapsed.toNanos() / 1e9;
            return s <= 0 ? 0 : (aggregates - resumedAfter) / s;
        }

        /** Events covered per second in this run. */
        public double eventsPerSecond(long eventsBefore) {
            double s = elapsed.toNanos() / 1e9;
            return s <= 0 ? 0 : (events - eventsBefore) / s;
        }

        /** The time left at this run's rate, when the total is known and the rate is not zero. */
        public Optional<Duration> left() {
            double rate = perSecond();
            if (total < 0 || rate <= 0) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofMillis((long) (Math.max(0, total - aggregates) / rate * 1000)));
        }
    }

    /** What a run did, its earlier runs' share included. */
    public record Result(long aggregates, long messages, long events, long resumedAfter, Duration took) {
    }

    private final Ids ids;
    private final Sender sender;
    private final Checkpoint checkpoint;
    private final int pageSize;
    private final RateLimit rate;
    private final Consumer<Progress> progress;
    private final LongSupplier nanoTime;
    private final long total;

    private Rebuild(Builder b) {
        this.ids = b.ids;
        this.sender = b.sender;
        this.checkpoint = b.checkpoint;
        this.pageSize = b.pageSize;
        this.rate = b.rate;
        this.progress = b.progress;
        this.nanoTime = b.nanoTime;
        this.total = b.total;
    }

    public static Builder builder(Ids ids, Sender sender) {
        return new Builder(ids, sender);
    }

    /** Counts the aggregate ids (what {@code --dry-run} reports): reads ids only, sends nothing. */
    public static long count(Ids ids, int pageSize, Consumer<Long> progress) {
        long n = 0;
        PageRequest request = PageRequest.first(pageSize);
        while (true) {
            Page<String> page = ids.page(request);
            n += page.items().size();
            progress.accept(n);
            if (page.isLast()) {
                return n;
            }
            request = request.next(page.nextCursor());
        }
    }

    /** Runs from the saved place (or the start), page by page, and clears the place when done. */
    public Result run() {
        Position at = checkpoint.load().orElse(Position.START);
        long resumedAfter = at.aggregates();
        long started = nanoTime.getAsLong();
        long aggregates = at.aggregates();
        long messages = at.messages();
        long events = at.events();
        if (at.nextCursor() == null && at.aggregates() > 0) {
            // the saved place is past the last page: only the clearing was left to do
            checkpoint.clear();
            return new Result(aggregates, messages, events, resumedAfter, Duration.ZERO);
        }
        PageRequest request = new PageRequest(at.nextCursor(), pageSize);
        int chunk = rate == null ? pageSize : (int) Math.max(1, Math.min(pageSize, Math.round(rate.perSecond() / 4)));
        while (true) {
            Page<String> page = ids.page(request);
            List<String> items = page.items();
            for (int from = 0; from < items.size(); from += chunk) {
                List<String> part = items.subList(from, Math.min(items.size(), from + chunk));
                if (rate != null) {
                    rate.acquire(part.size());
                }
                Sent sent = sender.send(part);
                aggregates += part.size();
                messages += sent.messages();
                events += sent.events();
                boolean last = page.isLast() && from + chunk >= items.size();
                progress.accept(new Progress(aggregates, total, messages, events, resumedAfter,
                        Duration.ofNanos(nanoTime.getAsLong() - started), last));
            }
            if (items.isEmpty() && page.isLast()) {
                progress.accept(new Progress(aggregates, total, messages, events, resumedAfter,
                        Duration.ofNanos(nanoTime.getAsLong() - started), true));
            }
            // the page is sent: a run killed from here on resumes at the next one
            checkpoint.save(new Position(page.nextCursor(), aggregates, messages, events));
            if (page.isLast()) {
                checkpoint.clear();
                return new Result(aggregates, messages, events, resumedAfter,
                        Duration.ofNanos(nanoTime.getAsLong() - started));
            }
            request = request.next(page.nextCursor());
        }
    }

    public static final class Builder {
        private final Ids ids;
        private final Sender sender;
        private Checkpoint checkpoint = Checkpoint.NONE;
        private int pageSize = 100;
        private RateLimit rate;
        private Consumer<Progress> progress = p -> { };
        private LongSupplier nanoTime = System::nanoTime;
        private long total = -1;

        private Builder(Ids ids, Sender sender) {
            this.ids = Objects.requireNonNull(ids, "ids");
            this.sender = Objects.requireNonNull(sender, "sender");
        }

        public Builder checkpoint(Checkpoint checkpoint) {
            this.checkpoint = Objects.requireNonNull(checkpoint, "checkpoint");
            return this;
        }

        /** Aggregates per page (1-10000, default 100): also the most a resumed run sends again. */
        public Builder pageSize(int size) {
            PageRequest.first(size); // the same bounds as a listing
            this.pageSize = size;
            return this;
        }

        /** At most this many aggregates a second; null for no limit. */
        public Builder rate(RateLimit rate) {
            this.rate = rate;
            return this;
        }

        public Builder progress(Consumer<Progress> progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /** The aggregate count, when known (for the time left). */
        public Builder total(long total) {
            this.total = total;
            return this;
        }

        public Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
            return this;
        }

        public Rebuild build() {
            return new Rebuild(this);
        }
    }
}
