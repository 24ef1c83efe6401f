package dev.tally.cli;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.app.TallyApp;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.privacy.PersonalFields;
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
 * A small app with personal data, for {@code tally forget} on a deployed app's tables: members whose
 * name and email are sealed. Not listed on the test classpath; {@link #jar} writes a jar that lists it.
 */
public final class MembersTestApp implements TallyApp {
    public sealed interface MemberEvent permits Joined {
    }

    public record Joined(String name, String email) implements MemberEvent {
    }

    public record Member(boolean joined) {
    }

    public sealed interface MemberCommand extends Command<Member> permits Join {
    }

    public record Join(String name, String email) implements MemberCommand {
    }

    public static final AggregateDefinition<Member> MEMBERS = AggregateDefinition.builder("member", Member.class,
                    MemberCommand.class, MemberEvent.class, Decider.<MemberCommand, MemberEvent, Member>of(
                            new Member(false),
                            (c, s) -> Decision.emit(new Joined(((Join) c).name(), ((Join) c).email())),
                            (s, e) -> new Member(true)))
            .personalData(Joined.class, PersonalFields.of("name", "email"))
            .build();

    @Override
    public String name() {
        return "members";
    }

    @Override
    public List<AggregateDefinition<?>> stores() {
        return List.of(MEMBERS);
    }

    @Override
    public List<Projection<?, ?>> projections() {
        return List.of();
    }

    static Path jar(Path dir) {
        Path jar = dir.resolve("members-app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new ZipEntry("META-INF/services/dev.tally.core.app.TallyApp"));
            out.write((MembersTestApp.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }
}
