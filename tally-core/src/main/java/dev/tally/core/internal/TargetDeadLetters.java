package dev.tally.core.internal;

import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.runtime.Target;
import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.spi.DeadLetterStore;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead letters of a bus's targets, and their redrive: the letter's message (read back through
 * the claim resolver when only its reference was kept) is handed to the target that failed, on
 * the caller's thread, and the letter is removed when it succeeds.
 */
final class TargetDeadLetters extends StoredDeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(TargetDeadLetters.class);

    private final DeadLetterStore store;
    private final Function<String, Target> targets;
    private final Supplier<ClaimResolver> claims;
    private final Consumer<String> redriven;

    TargetDeadLetters(DeadLetterStore store, Function<String, Target> targets, Supplier<ClaimResolver> claims,
                      Consumer<String> redriven) {
        super(store);
        this.store = store;
        this.targets = targets;
        this.claims = claims;
        this.redriven = redriven;
    }

    @Override
    public boolean redrive(String deadLetterId) {
        DeadLetter letter = store.get(deadLetterId).orElse(null);
        if (letter == null || !(letter.source() instanceof DeadLetterSource.BusTarget source)) {
            return false;
        }
        Target target = targets.apply(source.name());
        if (target == null) {
            LOG.warn("cannot redrive {}: target {} is not subscribed", deadLetterId, source.name());
            return false;
        }
        try {
            target.handler().handle(letter.resolve(claims.get()));
        } catch (Exception e) {
            LOG.warn("redrive of {} to {} failed again: {}", deadLetterId, source.name(), e.toString());
            return false;
        }
        if (store.remove(deadLetterId)) {
            redriven.accept(source.name());
        }
        return true;
    }
}
