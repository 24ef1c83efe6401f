package dev.tally.testing.http;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.app.TallyApp;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.projection.Projection;
import java.time.Instant;
import java.util.List;

/**
 * The small app the host contract suite ({@link HostContract}) runs on every host: a store of
 * books whose commands use every kind of field a command record may have (string, whole number,
 * true or false, instant, enum, nested record, list), a command that can be rejected (422), an
 * internal command (403), and a projection.
 */
public final class LibraryApp implements TallyApp {
    public enum Genre { NOVEL, POETRY, HISTORY }

    /** Where a book stands: a nested record. */
    public record Place(String room, long row) {
    }

    public record Book(String title, long copies, long lent) {
    }

    public sealed interface BookEvent permits Shelved, Lent, Retired {
    }

    public record Shelved(String title, long copies) implements BookEvent {
    }

    public record Lent(String memberId, Instant dueDate) implements BookEvent {
    }

    public record Retired() implements BookEvent {
    }

    public sealed interface BookCommand extends Command<Book> permits Shelve, Lend, Retire {
    }

    public record Shelve(String title, long copies, Genre genre, Instant since, Place place, List<String> tags,
                         boolean signed) implements BookCommand {
    }

    public record Lend(String memberId, Instant dueDate) implements BookCommand {
    }

    /** Internal: only the app's own process may retire a book. */
    public record Retire() implements BookCommand {
    }

    public record Availability(String title, long available) {
    }

    public static final AggregateDefinition<Book> BOOK = AggregateDefinition.builder("book", Book.class,
                    BookCommand.class, BookEvent.class, Decider.<BookCommand, BookEvent, Book>of(new Book("", 0, 0),
                            LibraryApp::decide, LibraryApp::evolve))
            .internalCommands(Retire.class).build();

    public static final Projection<Book, Availability> AVAILABILITY = Projection.of("availability", BOOK,
            Availability.class, a -> new Availability(a.state().title(), a.state().copies() - a.state().lent()));

    private static Decision<BookEvent> decide(BookCommand c, Book b) {
        if (c instanceof Shelve s) {
            return Decision.emit(new Shelved(s.title(), s.copies()));
        }
        if (c instanceof Lend l) {
            return b.lent() >= b.copies() ? Decision.reject("no_copy_left", "every copy of '" + b.title()
                    + "' is lent; wait for a return") : Decision.emit(new Lent(l.memberId(), l.dueDate()));
        }
        return Decision.emit(new Retired());
    }

    private static Book evolve(Book b, dev.tally.core.Event<BookEvent> e) {
        BookEvent event = e.payload();
        if (event instanceof Shelved s) {
            return new Book(s.title(), b.copies() + s.copies(), b.lent());
        }
        if (event instanceof Lent) {
            return new Book(b.title(), b.copies(), b.lent() + 1);
        }
        return new Book(b.title(), 0, b.lent());
    }

    @Override
    public String name() {
        return "library";
    }

    @Override
    public List<AggregateDefinition<?>> stores() {
        return List.of(BOOK);
    }

    @Override
    public List<dev.tally.core.projection.Projection<?, ?>> projections() {
        return List.of(AVAILABILITY);
    }
}
