package dev.tally.core.message;

import dev.tally.core.RecordedEvent;
import java.util.Objects;

/** A message that only says which event was stored. */
public record NotificationMessage(RecordedEvent event) implements Message {
    public NotificationMessage {
        Objects.requireNonNull(event, "event");
    }

    @Override
    public MessageKind kind() {
        return MessageKind.NOTIFICATION;
    }
}
