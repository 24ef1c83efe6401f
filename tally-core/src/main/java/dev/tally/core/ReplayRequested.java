package dev.tally.core;

/**
 * The replay event. Appending it to an aggregate's stream advances the version without changing
 * the state (reducers never see it), so the dispatcher sends the current aggregate with a newer
 * version and every projector refreshes its view.
 *
 * @param reason why the replay was asked for, for the audit trail
 */
public record ReplayRequested(String reason) {
    public static final String TYPE_NAME = "tally.ReplayRequested";
    public static final EventType<ReplayRequested> TYPE = EventType.reserved(TYPE_NAME, ReplayRequested.class);
}
