package dev.tally.core.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.internal.Names;
import dev.tally.core.json.JsonCodec;
import java.time.Instant;
import java.util.Objects;

/**
 * The state of one aggregate as of {@code version}, computed by the reducer whose version is
 * {@code reducerVersion}. An optimisation, never a source of truth: a store ignores it once the
 * reducer version moves on, and {@link SnapshotVerifier} can check it against a full fold.
 */
public record Snapshot(String store, String aggregateId, long version, int reducerVersion, JsonNode state,
                       Instant takenAt) {
    public Snapshot {
        Names.requireStoreName(store);
        Names.requireAggregateId(aggregateId);
        if (version < 1) {
            throw new IllegalArgumentException("snapshot version must be >= 1, got " + version);
        }
        if (reducerVersion < 1) {
            throw new IllegalArgumentException("reducerVersion must be >= 1, got " + reducerVersion);
        }
        state = JsonCodec.canonical(Objects.requireNonNull(state, "state"));
        Objects.requireNonNull(takenAt, "takenAt");
    }
}
