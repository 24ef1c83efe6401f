package dev.tally.core.command;

/**
 * A command for aggregates whose state is {@code S}: data, usually a record that implements the
 * aggregate's sealed command interface. It can be logged, serialised, routed over HTTP, sent by a
 * saga and deduplicated; the aggregate's {@link dev.tally.core.Decider} decides it.
 *
 * <pre>{@code
 * public sealed interface AccountCommand extends Command<Account> permits Credit, Debit {}
 * public record Credit(long amount) implements AccountCommand {}
 * }</pre>
 *
 * @param <S> the state of the aggregates it applies to (so {@code EventStore<S>.execute} accepts only them)
 */
public interface Command<S> {
}
