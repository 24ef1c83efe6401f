package dev.tally.core.internal;

import dev.tally.core.Aggregate;
import dev.tally.core.Event;
import dev.tally.core.InvalidEventException;
import dev.tally.core.ReplayRequested;
import java.util.regex.Pattern;

/** The rules for store names, aggregate ids and event type names, in one place. */
public final class Names {
    /** Event type names starting with this prefix belong to Tally (the replay event). */
    public static final String RESERVED_PREFIX = "tally.";

    private static final Pattern STORE = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
    private static final Pattern TYPE = Pattern.compile("[A-Za-z][A-Za-z0-9_.:-]{0,127}");
    /** Aggregate ids: 1 to 512 characters, no control characters and no '#'(our key separator). */
    private static final int MAX_ID = 512;

    private Names() {
    }

    public static String requireStoreName(String name) {
        if (name == null || !STORE.matcher(name).matches()) {
            throw new InvalidEventException("event store name '" + name + "' is invalid: use 1-64 characters of"
                    + " letters, digits, '_', '.' or '-', starting with a letter (e.g. 'bank-account')");
        }
        return name;
    }

    public static String requireEventTypeName(String name) {
        if (name == null || !TYPE.matcher(name).matches()) {
            throw new InvalidEventException("event type name '" + name + "' is invalid: use 1-128 characters of"
                    + " letters, digits, '_', '.', ':' or '-', starting with a letter (e.g. 'AccountCredited')");
        }
        return name;
    }

    public static String requireUserEventTypeName(String name) {
        requireEventTypeName(name);
        if (isReserved(name)) {
            throw new InvalidEventException("event type name '" + name + "' is reserved: names starting with '"
                    + RESERVED_PREFIX + "' belong to Tally (e.g. " + ReplayRequested.TYPE_NAME
                    + "); pick another name for your event type");
        }
        return name;
    }

    public static boolean isReserved(String typeName) {
        return typeName.startsWith(RESERVED_PREFIX);
    }

    public static String requireAggregateId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID) {
            throw new InvalidEventException("aggregate id must be 1-" + MAX_ID + " characters, got "
                    + (id == null ? "null" : id.length() + " characters"));
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isISOControl(c) || c == '#') {
                throw new InvalidEventException("aggregate id '" + id.replaceAll("\\p{Cntrl}", "?")
                        + "' contains a control character or '#': use printable characters other than '#'");
            }
        }
        return id;
    }
}
