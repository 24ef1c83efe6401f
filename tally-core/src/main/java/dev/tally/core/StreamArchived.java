package dev.tally.core;

/**
 * The archive marker. Appended at version H+1 when versions 1..H of a stream were moved to an
 * archive store; like the replay event it leaves the state as it is (reducers never see it). It
 * stays in the ledger for good, so the stream's head, and with it every append's expected
 * version, is unchanged by the move.
 *
 * @param throughVersion the last version the archive holds
 * @param archive        where (the archive store's description, e.g. "s3://bucket/prefix")
 */
public record StreamArchived(long throughVersion, String archive) {
    public static final String TYPE_NAME = "tally.StreamArchived";
    public static final EventType<StreamArchived> TYPE = EventType.reserved(TYPE_NAME, StreamArchived.class);
}
