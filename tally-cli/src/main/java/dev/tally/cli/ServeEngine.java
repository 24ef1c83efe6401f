package dev.tally.cli;

import dev.tally.core.archive.ArchiveStore;
import dev.tally.core.privacy.LocalMasterKey;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.core.privacy.WrappedKeyStore;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.runtime.Chaos;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.runtime.Settling;
import dev.tally.core.saga.TimerStore;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * What {@code tally serve} runs on ({@code --engine}): a {@link Pipeline} and the stores beside it
 * that the host needs, all on one storage engine: the views of each projection, the saga timers,
 * the personal-data keys. The host adds the apps' stores, projections and sagas to
 * {@link #pipeline()}, then starts it; {@link #close()} stops the pipeline and the engine.
 */
interface ServeEngine extends AutoCloseable, Settling {

    /** The engines {@code --engine} offers. */
    enum Kind {
        DYNAMODB_LOCAL("dynamodb-local"), POSTGRES("postgres");

        final String option;

        Kind(String option) {
            this.option = option;
        }

        /** The engine named by an {@code --engine} value, or a message listing the names. */
        static Kind of(String option) {
            return Arrays.stream(values()).filter(k -> k.option.equals(option)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--engine must be one of " + Arrays.stream(values())
                            .map(k -> k.option).toList() + ", got '" + option + "'"));
        }
    }

    /** Where an engine keeps things and how it behaves; {@code dataDir} null means nothing is kept. */
    record Options(Path dataDir, String jdbcUrl, String schema, Chaos chaos, ArchiveStore archive,
                   java.util.Map<String, String> env) {
    }

    /** Starts the engine (the embedded database included) with its pipeline built, not started. */
    static ServeEngine open(Kind kind, Options options, Consumer<String> progress) {
        return switch (kind) {
            case DYNAMODB_LOCAL -> DynamoDbLocalServeEngine.open(options, progress);
            case POSTGRES -> PostgresServeEngine.open(options, progress);
        };
    }

    Kind kind();

    Pipeline pipeline();

    /** Where the views of an app's projection are kept on this engine (created when missing). */
    <V> ProjectionWriter<V> views(String app, Projection<?, V> projection);

    /** The saga timers (created when missing). */
    TimerStore timers();

    /** For people: the engine and where its data is. */
    String describe();

    @Override
    void close();

    /**
     * The personal-data keys of serve: the master key from {@code TALLY_MASTER_KEY} (base64) when set,
     * else from {@code <data>/master.key}, else (in memory) a fresh one per run; the wrapped keys in
     * the engine's {@code wrapped} store.
     */
    static PersonalData personalData(Path dataDir, WrappedKeyStore wrapped) {
        LocalMasterKey master = LocalMasterKey.fromEnvironment().orElseGet(() -> dataDir == null
                ? LocalMasterKey.generate() : LocalMasterKey.fromFile(dataDir.resolve(ServerKeys.MASTER_KEY_FILE)));
        return new PersonalData(SubjectKeys.builder(master, wrapped).build());
    }
}
