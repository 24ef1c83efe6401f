package dev.tally.core.message;

import dev.tally.core.TallyException;
import java.util.List;

/** A bus did not accept some messages after retrying; the caller must try again or dead-letter. */
public final class PublishFailed extends TallyException {
    private final transient List<Message> failed;

    public PublishFailed(String message, List<? extends Message> failed, Throwable cause) {
        super(message, cause);
        this.failed = List.copyOf(failed);
    }

    public List<Message> failed() {
        return failed;
    }
}
