package dev.tally.cli;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.app.TallyApp;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.projection.Projection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;

/**
 * A small app for the operations commands' tests: a counter store and two projections of it (one
 * to rebuild, one that must hear nothing of that rebuild). Not listed on the test classpath (other
 * tests serve the classpath's apps); {@link #jar} writes a jar that lists it, for {@code --app}.
 */
public final class OpsTestApp implements TallyApp {
    public sealed interface CounterEvent permits Counted {
    }

    public record Counted(long by) implements CounterEvent {
    }

    public record Count(long value) {
    }

    public sealed interface CounterCommand extends Command<Count> permits Add {
    }

    public record Add(long by) implements CounterCommand {
    }

    public record Total(long value) {
    }

    public static final AggregateDefinition<Count> COUNTER = AggregateDefinition.builder("ops-counter", Count.class,
            CounterCommand.class, CounterEvent.class, Decider.<CounterCommand, CounterEvent, Count>of(new Count(0),
                    (c, s) -> Decision.emit(new Counted(((Add) c).by())),
                    (s, e) -> new Count(s.value() + ((Counted) e.payload()).by()))).build();

    public static final Projection<Count, Total> TOTAL = Projection.of("ops-total", COUNTER, Total.class,
            a -> new Total(a.state().value()));
    public static final Projection<Count, Total> OTHER = Projection.of("ops-other", COUNTER, Total.class,
            a -> new Total(-a.state().value()));

    @Override
    public String name() {
        return "ops";
    }

    @Override
    public List<AggregateDefinition<?>> stores() {
        return List.of(COUNTER);
    }

    @Override
    public List<Projection<?, ?>> projections() {
        return List.of(TOTAL, OTHER);
    }

    /** A jar holding only the service entry for this app (its classes are on the classpath already). */
    static Path jar(Path dir) {
        Path jar = dir.resolve("ops-app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new ZipEntry("META-INF/services/dev.tally.core.app.TallyApp"));
            out.write((OpsTestApp.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }
}
