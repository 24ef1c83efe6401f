package dev.tally.server.openapi;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.Event;
import dev.tally.core.app.ConsolePanel;
import dev.tally.core.app.RejectionCode;
import dev.tally.core.app.TallyApp;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.projection.Projection;
import dev.tally.core.saga.ProcessManager;
import dev.tally.core.saga.Saga;
import dev.tally.core.saga.SagaAction;
import dev.tally.core.saga.SagaInput;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** A library-lending app whose records use every kind of field the schemas derive. */
final class LibraryApp implements TallyApp {
    enum Format { HARDCOVER, PAPERBACK, EBOOK }

    record Member(String name, String email) {
    }

    record Tag(String label, List<Tag> children) {
    }

    sealed interface BookCommand extends Command<Book>
            permits Acquire, Lend, Return, Fine, Reserve {
    }

    record Acquire(String title, Format format, long priceCents, Set<String> authors, Tag shelf) implements BookCommand {
    }

    record Lend(Member member, Instant due, int days, boolean renewable, Map<String, Integer> notes)
            implements BookCommand {
    }

    record Return(Instant at, String condition, double rating) implements BookCommand {
    }

    record Fine(long amountCents, UUID reference, List<Member> witnesses, char grade, short shelf, byte floor)
            implements BookCommand {
    }

    /** Internal: the reservation saga's own command. */
    record Reserve(String member) implements BookCommand {
    }

    sealed interface BookEvent permits Acquired, Lent, Returned {
    }

    record Acquired(String title, Format format, long priceCents) implements BookEvent {
    }

    record Lent(Member member, Instant due) implements BookEvent {
    }

    record Returned(Instant at) implements BookEvent {
    }

    record Book(String title, boolean lent, List<Member> history) {
    }

    record Shelf(String title, boolean available) {
    }

    record Reminder(String bookId, boolean sent) {
    }

    sealed interface ReminderEvent permits ReminderSent {
    }

    record ReminderSent(String bookId, Instant at) implements ReminderEvent {
    }

    static final AggregateDefinition<Book> BOOKS = AggregateDefinition.builder("book", Book.class,
                    BookCommand.class, BookEvent.class, Decider.<BookCommand, BookEvent, Book>of(
                            new Book("", false, List.of()), (c, s) -> Decision.nothing(), (s, e) -> s))
            .internalCommands(Reserve.class).build();

    static final Projection<Book, Shelf> SHELF = Projection.of("shelf", BOOKS, Shelf.class,
            a -> new Shelf(a.state().title(), !a.state().lent()));

    static final Saga<ReminderEvent, Reminder> REMINDERS = Saga.of("reminders", Reminder.class, ReminderEvent.class,
            MessageFilter.stateOf("book"), new ProcessManager<>() {
                @Override
                public Reminder initialState() {
                    return new Reminder("", false);
                }

                @Override
                public Optional<String> instanceOf(SagaInput.Observed message) {
                    return Optional.empty();
                }

                @Override
                public Decision<ReminderEvent> react(SagaInput input, Reminder state) {
                    return Decision.nothing();
                }

                @Override
                public Reminder evolve(Reminder state, Event<ReminderEvent> event) {
                    return state;
                }

                @Override
                public List<SagaAction> todo(Reminder state) {
                    return List.of();
                }
            });

    @Override
    public String name() {
        return "library";
    }

    @Override
    public List<AggregateDefinition<?>> stores() {
        return List.of(BOOKS);
    }

    @Override
    public List<Projection<?, ?>> projections() {
        return List.of(SHELF);
    }

    @Override
    public List<Saga<?, ?>> sagas() {
        return List.of(REMINDERS);
    }

    @Override
    public List<ConsolePanel> consolePanels() {
        return List.of(new ConsolePanel("Loans", "/api/loans", "books out"));
    }

    @Override
    public List<RejectionCode> rejectionCodes() {
        return List.of(new RejectionCode("book", "already_lent", "the book is out"),
                new RejectionCode("book", "not_lent", "nothing to return"));
    }
}
