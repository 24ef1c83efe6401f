package dev.tally.dynamodb;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.ledger.DuplicateCommand;
import dev.tally.core.ledger.EventTooLarge;
import dev.tally.core.ledger.GroupTooLarge;
import dev.tally.core.spi.KnownVersions;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.ledger.OutcomeUnknown;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.ledger.VersionGap;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;

/**
 * The event ledger on a DynamoDB table (item layout in {@link LedgerItems}, table in
 * {@link TableDefinitions#ledger}).
 *
 * <p><b>Appends.</b> A version that exists is refused by a conditional write
 * ({@code attribute_not_exists(pk)}), with {@code ReturnValuesOnConditionCheckFailure} so the
 * {@link VersionConflict} reports what is stored. A gap (version N while N-1 is missing) is refused
 * too, and the hot path stays one PutItem: events are never deleted, so once this ledger has seen
 * version N-1 of a stream (it read or wrote it) N-1 exists for good. Only when it has not seen it
 * does the append become a TransactWriteItems of the Put plus a ConditionCheck that N-1 exists.
 * A command loads before it appends, so commands always take the one-PutItem path.
 *
 * <p><b>Groups</b> (several events, or several aggregates) are one TransactWriteItems: at most 100
 * actions and 4 MB, refused beforehand with {@link GroupTooLarge}. An event over 400 KB is refused
 * beforehand with {@link EventTooLarge}. <b>Reads</b> are strongly consistent Queries, paged over
 * LastEvaluatedKey. <b>Aggregate ids</b> come from the sparse "aggregates" index (eventually
 * consistent, ordered by id).
 */
public final class DynamoDbLedger implements LedgerAdapter, dev.tally.core.spi.PrunableLedger {
    /** DynamoDB's item size limit. */
    public static final long MAX_ITEM_BYTES = 400 * 1024;
    /** DynamoDB's limit of actions in one TransactWriteItems. */
    public static final int MAX_TRANSACTION_ITEMS = 100;
    private static final long MAX_TRANSACTION_BYTES = 4L * 1024 * 1024;
    /** A random id per single-item append, so an SDK retry of our own write is not taken for a conflict. */
    static final String WRITE_ID = "writeId";
    private static final int WRITE_ID_BYTES = WRITE_ID.length() + 36;

    private final DynamoDbClient client;
    private final String table;
    private final KnownVersions known = new KnownVersions(100_000);
    private final DynamoDbLedgerReads reads;

    public DynamoDbLedger(DynamoDbClient client, String table) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(table, "table");
        this.reads = new DynamoDbLedgerReads(client, table, known);
    }

    public String table() {
        return table;
    }

    /** The client it writes with (to query the same table: {@link DynamoDbEventQueries}). */
    public DynamoDbClient client() {
        return client;
    }

    @Override
    public String describe() {
        return "dynamodb:" + table;
    }

    // --- append ------------------------------------------------------------------------------

    @Override
    public void append(List<RecordedEvent> events) {
        LedgerAdapter.checkAppendShape(events);
        List<Map<String, AttributeValue>> items = new ArrayList<>(events.size());
        long total = 0;
        boolean commands = false;
        for (RecordedEvent e : events) {
            Map<String, AttributeValue> item = LedgerItems.toItem(e);
            long size = JsonAttributes.itemSize(item) + WRITE_ID_BYTES;
            if (size > MAX_ITEM_BYTES) {
                throw new EventTooLarge(e.store(), e.aggregateId(), e.version(), size, MAX_ITEM_BYTES);
            }
            total += size;
            items.add(item);
            commands |= e.metadata().commandId().isPresent();
        }
        if (events.size() == 1 && !commands) {
            appendOne(events.get(0), items.get(0));
        } else {
            appendTransaction(events, items, total);
        }
        for (RecordedEvent e : events) {
            known.noteExists(LedgerItems.pk(e.store(), e.aggregateId()), e.version());
        }
    }

    /**
     * An append whose answer was ambiguous is sent 3 times in all (same write id) before it is
     * settled. Between tries a short jittered pause (up to 20 ms, then up to 40 ms): the usual
     * ambiguous answer is a TransactionConflict with another writer's transaction in flight on one
     * of our items, and sent again at once it meets that same transaction again.
     */
    private static final FailurePolicy RESUBMIT = FailurePolicy.of(new RetryPolicy(3, Duration.ofMillis(20),
            Duration.ofMillis(100)));

    /**
     * The pause between resubmits never stops the retry: an interrupted caller (a server closing
     * its workers) still gets the settled answer, {@link OutcomeUnknown} when nothing clear came
     * back, and not "stopped", which says nothing of a write that may have gone out. The interrupt
     * stays set, so the remaining tries and reads end at once.
     */
    private static final FailurePolicy.Pause RESUBMIT_PAUSE = d -> {
        if (!Thread.currentThread().isInterrupted()) {
            FailurePolicy.Pause.THREAD.sleep(d); // restores the interrupt if it comes during the pause
        }
        return true;
    };

    private void appendOne(RecordedEvent e, Map<String, AttributeValue> item) {
        String pk = LedgerItems.pk(e.store(), e.aggregateId());
        if (e.version() > 1 && !known.exists(pk, e.version() - 1)) {
            appendTransaction(List.of(e), List.of(item), 0);
            return;
        }
        // A PutItem is not idempotent: if its response is lost, the SDK retries it and the retry
        // fails the condition against the item the first try wrote. The write id tells that case
        // apart from a real conflict. A retry may also be answered by an error that says nothing
        // of the first try (TransactionConflict, 500, throttling): then the put is sent again with
        // the same write id until the answer is clear, and reported as unknown if it never is.
        String writeId = java.util.UUID.randomUUID().toString();
        Map<String, AttributeValue> withWriteId = new java.util.HashMap<>(item);
        withWriteId.put(WRITE_ID, AttributeValue.fromS(writeId));
        resubmit(List.of(e), writeId, () -> {
            try {
                client.putItem(PutItemRequest.builder()
                        .tableName(table)
                        .item(withWriteId)
                        .conditionExpression("attribute_not_exists(pk)")
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                        .build());
            } catch (ConditionalCheckFailedException failed) {
                Map<String, AttributeValue> stored = failed.hasItem() && !failed.item().isEmpty() ? failed.item()
                        : getConsistent(LedgerItems.key(e.store(), e.aggregateId(), e.version()));
                if (!isOurs(stored, writeId)) { // else our own write, answered twice
                    throw new VersionConflict(e.store(), e.aggregateId(), e.version(), existing(stored, e));
                }
            }
        });
    }

    /**
     * Sends a write (same write id) again while its answer is ambiguous, on the one retry
     * executor ({@link #RESUBMIT}); after the last try, {@link #settle} reads what is stored.
     */
    private void resubmit(List<RecordedEvent> events, String writeId, Runnable write) {
        RESUBMIT.retry((attempt, previous) -> {
            write.run();
            return null;
        }, DynamoDbLedger::isAmbiguous, (ambiguous, attempts) -> {
            RuntimeException outcome = settle(events, writeId, ambiguous);
            if (outcome != null) {
                throw outcome;
            }
            return null;
        }, RESUBMIT_PAUSE, java.util.concurrent.ThreadLocalRandom.current());
    }

    /**
     * Puts every event, plus a ConditionCheck that version N-1 exists for each stream whose first
     * event in the group is N > 1 and whose N-1 this ledger has not seen, plus a command item for
     * each event that carries a command id (refused when that command id is already stored).
     * Every item carries the write id, which is also the request token: a resubmission after an
     * ambiguous answer is recognised, by DynamoDB (token) or by us (the write id on the item).
     */
    private void appendTransaction(List<RecordedEvent> events, List<Map<String, AttributeValue>> items,
                                   long totalBytes) {
        String writeId = java.util.UUID.randomUUID().toString();
        List<TransactWriteItem> actions = new ArrayList<>();
        List<RecordedEvent> subjects = new ArrayList<>(); // the event each action is about
        List<ActionKind> kinds = new ArrayList<>();
        Map<String, Long> firstVersion = new LinkedHashMap<>();
        for (RecordedEvent e : events) {
            firstVersion.putIfAbsent(LedgerItems.pk(e.store(), e.aggregateId()), e.version());
        }
        for (int i = 0; i < events.size(); i++) {
            RecordedEvent e = events.get(i);
            Map<String, AttributeValue> item = new HashMap<>(items.get(i));
            item.put(WRITE_ID, AttributeValue.fromS(writeId));
            actions.add(TransactWriteItem.builder().put(Put.builder()
                    .tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(pk)")
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build()).build());
            subjects.add(e);
            kinds.add(ActionKind.EVENT);
            String pk = LedgerItems.pk(e.store(), e.aggregateId());
            if (firstVersion.get(pk) == e.version() && e.version() > 1 && !known.exists(pk, e.version() - 1)) {
                actions.add(TransactWriteItem.builder().conditionCheck(ConditionCheck.builder()
                        .tableName(table)
                        .key(LedgerItems.key(e.store(), e.aggregateId(), e.version() - 1))
                        .conditionExpression("attribute_exists(pk)")
                        .build()).build());
                subjects.add(e);
                kinds.add(ActionKind.GAP_CHECK);
            }
            if (e.metadata().commandId().isPresent()) {
                Map<String, AttributeValue> command = LedgerItems.commandItem(e);
                command.put(WRITE_ID, AttributeValue.fromS(writeId));
                actions.add(TransactWriteItem.builder().put(Put.builder()
                        .tableName(table).item(command)
                        .conditionExpression("attribute_not_exists(pk)")
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                        .build()).build());
                subjects.add(e);
                kinds.add(ActionKind.COMMAND);
            }
        }
        if (actions.size() > MAX_TRANSACTION_ITEMS) {
            throw new GroupTooLarge("event group needs " + actions.size() + " DynamoDB transaction actions ("
                    + events.size() + " events plus checks that the preceding versions exist and command ids), over"
                    + " DynamoDB's limit of " + MAX_TRANSACTION_ITEMS + "; nothing was written. Split it into smaller"
                    + " groups");
        }
        if (totalBytes > MAX_TRANSACTION_BYTES) {
            throw new GroupTooLarge("event group is " + totalBytes + " bytes, over DynamoDB's transaction limit of "
                    + MAX_TRANSACTION_BYTES + " bytes; nothing was written. Split it into smaller groups");
        }
        TransactWriteItemsRequest request = TransactWriteItemsRequest.builder().transactItems(actions)
                .clientRequestToken(writeId).build();
        resubmit(events, writeId, () -> {
            try {
                client.transactWriteItems(request);
            } catch (TransactionCanceledException cancelled) {
                RuntimeException refusal = refusal(cancelled, subjects, kinds, writeId);
                if (refusal != null) { // else refused only by items our own earlier try wrote: it committed
                    throw refusal;
                }
            }
        });
    }

    private enum ActionKind { EVENT, GAP_CHECK, COMMAND }

    /**
     * The refusal a cancelled transaction stands for; null when every failed condition is on an
     * item that carries our write id (an earlier try of this very transaction committed).
     */
    private RuntimeException refusal(TransactionCanceledException cancelled, List<RecordedEvent> subjects,
                                     List<ActionKind> kinds, String writeId) {
        List<CancellationReason> reasons = cancelled.hasCancellationReasons() ? cancelled.cancellationReasons()
                : List.of();
        boolean ours = false;
        for (int i = 0; i < reasons.size() && i < subjects.size(); i++) {
            CancellationReason r = reasons.get(i);
            RecordedEvent e = subjects.get(i);
            if (!"ConditionalCheckFailed".equals(r.code())) {
                continue;
            }
            if (kinds.get(i) == ActionKind.GAP_CHECK) {
                return new VersionGap(e.store(), e.aggregateId(), e.version());
            }
            if (isOurs(r.item(), writeId)) {
                ours = true;
                continue;
            }
            if (kinds.get(i) == ActionKind.COMMAND) {
                return new DuplicateCommand(e.store(), e.aggregateId(), e.metadata().commandId().orElseThrow());
            }
            return new VersionConflict(e.store(), e.aggregateId(), e.version(), existing(r.item(), e));
        }
        if (ours) {
            return null;
        }
        for (int i = 0; i < reasons.size() && i < subjects.size(); i++) {
            if ("TransactionConflict".equals(reasons.get(i).code())) {
                return TransactionConflictException.builder().message("cancelled: another write on "
                        + subjects.get(i).coordinates() + " was in flight").build();
            }
        }
        return cancelled;
    }

    /**
     * After answers that said nothing about our write: consistent reads of its event items decide.
     * The write is one PutItem or one all-or-nothing transaction whose puts are conditional on the
     * item being absent, so the first item found stored decides for all: with our write id, the
     * write committed; of another writer, ours never can, a {@link VersionConflict} on that item
     * (e.g. a transfer a-to-b whose conflict was on b, while a is still free). None stored: an
     * earlier try may still be in flight, so the outcome is unknown; so it is when a read fails.
     * One GetItem per item (the writer's IAM role has GetItem, not BatchGetItem); a group of up to
     * {@link #MAX_TRANSACTION_ITEMS} reads them all only in that last, rare case.
     */
    private RuntimeException settle(List<RecordedEvent> events, String writeId, RuntimeException ambiguous) {
        for (RecordedEvent e : events) {
            Map<String, AttributeValue> stored;
            try {
                stored = getConsistent(LedgerItems.key(e.store(), e.aggregateId(), e.version()));
            } catch (RuntimeException readFailed) {
                ambiguous.addSuppressed(readFailed);
                return unknown(events, ambiguous);
            }
            if (isOurs(stored, writeId)) {
                return null;
            }
            if (stored != null && !stored.isEmpty()) {
                return new VersionConflict(e.store(), e.aggregateId(), e.version(), LedgerItems.fromItem(stored));
            }
        }
        return unknown(events, ambiguous);
    }

    /** Reported on the first event of the write, as before. */
    private static OutcomeUnknown unknown(List<RecordedEvent> events, RuntimeException ambiguous) {
        RecordedEvent first = events.get(0);
        return new OutcomeUnknown(first.store(), first.aggregateId(), "an append at v" + first.version(), ambiguous);
    }

    /**
     * Errors after which a write may or may not have been applied (the SDK has retried them
     * already): no answer, a server error, throttling, or a conflict with a transaction in flight
     * that may be our own first try.
     */
    static boolean isAmbiguous(RuntimeException e) {
        if (e instanceof TransactionConflictException
                || e instanceof software.amazon.awssdk.services.dynamodb.model.TransactionInProgressException
                || e instanceof software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException
                || e instanceof software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException) {
            return true;
        }
        if (e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException service) {
            return service.statusCode() >= 500 || service.isThrottlingException();
        }
        return e instanceof software.amazon.awssdk.core.exception.SdkClientException;
    }

    private static boolean isOurs(Map<String, AttributeValue> item, String writeId) {
        return item != null && item.containsKey(WRITE_ID) && writeId.equals(item.get(WRITE_ID).s());
    }

    private Map<String, AttributeValue> getConsistent(Map<String, AttributeValue> key) {
        return client.getItem(GetItemRequest.builder().tableName(table).consistentRead(true).key(key).build()).item();
    }

    /**
     * The command item (see {@link LedgerItems#commandItem}) says where the command's events start
     * and how many there are: one GetItem and one Query.
     */
    @Override
    public List<RecordedEvent> commandEvents(String store, String aggregateId, String commandId) {
        Map<String, AttributeValue> command = getConsistent(LedgerItems.commandKey(store, aggregateId, commandId));
        if (command == null || command.isEmpty()) {
            return List.of();
        }
        long from = Long.parseLong(command.get(LedgerItems.FIRST_VERSION).n());
        int count = Integer.parseInt(command.get(LedgerItems.EVENT_COUNT).n());
        return read(store, aggregateId, new ReadOptions(from, from + count - 1, false, count));
    }

    /** The stored event a conflict reports: from the failed condition's item, else a consistent read. */
    private RecordedEvent existing(Map<String, AttributeValue> returned, RecordedEvent attempted) {
        Map<String, AttributeValue> item = returned;
        if (item == null || item.isEmpty()) {
            item = client.getItem(GetItemRequest.builder().tableName(table).consistentRead(true)
                    .key(LedgerItems.key(attempted.store(), attempted.aggregateId(), attempted.version()))
                    .build()).item();
        }
        return item == null || item.isEmpty() ? null : LedgerItems.fromItem(item);
    }

    /** Drops archived versions 1..version; the item after them takes over the aggregate index (see {@link LedgerPruning}). */
    @Override
    public void deleteThrough(String store, String aggregateId, long version) {
        LedgerPruning.deleteThrough(client, table, store, aggregateId, version);
    }

    // --- read --------------------------------------------------------------------------------

    @Override
    public List<RecordedEvent> read(String store, String aggregateId, ReadOptions o) {
        return reads.read(store, aggregateId, o);
    }

    @Override
    public Page<String> listAggregateIds(String store, PageRequest request) {
        return reads.listAggregateIds(store, request);
    }

    static String encodeCursor(Map<String, AttributeValue> key) {
        return DynamoDbLedgerReads.encodeCursor(key);
    }

    static Map<String, AttributeValue> decodeCursor(String cursor) {
        return DynamoDbLedgerReads.decodeCursor(cursor);
    }
}
