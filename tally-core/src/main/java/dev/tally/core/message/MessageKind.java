package dev.tally.core.message;

/** The two message shapes. */
public enum MessageKind {
    /** Just the event. */
    NOTIFICATION("notification"),
    /** The event and the aggregate as of its version. */
    STATE_CARRYING("state-carrying");

    private final String wireName;

    MessageKind(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static MessageKind fromWire(String name) {
        for (MessageKind k : values()) {
            if (k.wireName.equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown message kind '" + name + "': expected 'notification' or"
                + " 'state-carrying'");
    }
}
