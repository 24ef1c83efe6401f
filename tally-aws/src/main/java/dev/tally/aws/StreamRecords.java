package dev.tally.aws;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamViewType;
import dev.tally.core.RecordedEvent;
import dev.tally.dynamodb.LedgerItems;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * DynamoDB Streams records in their two Java shapes: the Lambda event model
 * ({@code aws-lambda-java-events}, its own AttributeValue class) and the SDK v2 model (what the
 * Streams API returns). Converts between them and reads ledger events out of either.
 */
public final class StreamRecords {
    private StreamRecords() {
    }

    /** True for an INSERT of a ledger item: the only records the dispatcher acts on. */
    public static boolean isLedgerInsert(DynamodbEvent.DynamodbStreamRecord r) {
        return "INSERT".equals(r.getEventName()) && r.getDynamodb() != null && r.getDynamodb().getNewImage() != null
                && LedgerItems.isEvent(toSdk(r.getDynamodb().getNewImage()));
    }

    public static RecordedEvent toEvent(DynamodbEvent.DynamodbStreamRecord r) {
        return LedgerItems.fromItem(toSdk(r.getDynamodb().getNewImage()));
    }

    // --- attribute values --------------------------------------------------------------------

    public static Map<String, AttributeValue> toSdk(
            Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> image) {
        Map<String, AttributeValue> out = new LinkedHashMap<>();
        image.forEach((k, v) -> out.put(k, toSdk(v)));
        return out;
    }

    public static AttributeValue toSdk(com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue v) {
        if (v.getS() != null) {
            return AttributeValue.fromS(v.getS());
        }
        if (v.getN() != null) {
            return AttributeValue.fromN(v.getN());
        }
        if (v.getBOOL() != null) {
            return AttributeValue.fromBool(v.getBOOL());
        }
        if (Boolean.TRUE.equals(v.getNULL())) {
            return AttributeValue.fromNul(true);
        }
        if (v.getM() != null) {
            return AttributeValue.fromM(toSdk(v.getM()));
        }
        if (v.getL() != null) {
            List<AttributeValue> list = new ArrayList<>();
            v.getL().forEach(e -> list.add(toSdk(e)));
            return AttributeValue.fromL(list);
        }
        if (v.getB() != null) {
            return AttributeValue.fromB(SdkBytes.fromByteBuffer(v.getB()));
        }
        if (v.getSS() != null) {
            return AttributeValue.fromSs(v.getSS());
        }
        if (v.getNS() != null) {
            return AttributeValue.fromNs(v.getNS());
        }
        if (v.getBS() != null) {
            List<SdkBytes> bytes = new ArrayList<>();
            v.getBS().forEach(b -> bytes.add(SdkBytes.fromByteBuffer(b)));
            return AttributeValue.fromBs(bytes);
        }
        return AttributeValue.fromM(Map.of());
    }

    public static Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> toLambda(
            Map<String, AttributeValue> item) {
        Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> out =
                new LinkedHashMap<>();
        item.forEach((k, v) -> out.put(k, toLambda(v)));
        return out;
    }

    public static com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue toLambda(AttributeValue v) {
        var out = new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue();
        if (v.s() != null) {
            return out.withS(v.s());
        }
        if (v.n() != null) {
            return out.withN(v.n());
        }
        if (v.bool() != null) {
            return out.withBOOL(v.bool());
        }
        if (Boolean.TRUE.equals(v.nul())) {
            return out.withNULL(true);
        }
        if (v.hasM()) {
            return out.withM(toLambda(v.m()));
        }
        if (v.hasL()) {
            List<com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> list = new ArrayList<>();
            v.l().forEach(e -> list.add(toLambda(e)));
            return out.withL(list);
        }
        if (v.b() != null) {
            return out.withB(ByteBuffer.wrap(v.b().asByteArray()));
        }
        if (v.hasSs()) {
            return out.withSS(v.ss());
        }
        if (v.hasNs()) {
            return out.withNS(v.ns());
        }
        return out.withM(Map.of());
    }

    // --- whole records -----------------------------------------------------------------------

    /** An SDK Streams record as Lambda would deliver it. */
    public static DynamodbEvent.DynamodbStreamRecord toLambda(Record r, String streamArn) {
        DynamodbEvent.DynamodbStreamRecord out = new DynamodbEvent.DynamodbStreamRecord();
        out.setEventID(r.eventID());
        out.setEventName(r.eventNameAsString());
        out.setEventVersion(r.eventVersion());
        out.setEventSource("aws:dynamodb");
        out.setAwsRegion(r.awsRegion());
        out.setEventSourceARN(streamArn);
        var s = r.dynamodb();
        StreamRecord sr = new StreamRecord();
        sr.setSequenceNumber(s.sequenceNumber());
        sr.setSizeBytes(s.sizeBytes());
        if (s.approximateCreationDateTime() != null) {
            sr.setApproximateCreationDateTime(Date.from(s.approximateCreationDateTime()));
        }
        if (s.hasKeys()) {
            sr.setKeys(toLambda(s.keys()));
        }
        if (s.hasNewImage()) {
            sr.setNewImage(toLambda(s.newImage()));
        }
        if (s.hasOldImage()) {
            sr.setOldImage(toLambda(s.oldImage()));
        }
        if (s.streamViewTypeAsString() != null) {
            sr.setStreamViewType(StreamViewType.fromValue(s.streamViewTypeAsString()));
        }
        out.setDynamodb(sr);
        return out;
    }

    /** A ledger event as the INSERT record Lambda would deliver for it (for redrives and tests). */
    public static DynamodbEvent.DynamodbStreamRecord insertOf(RecordedEvent e, String sequenceNumber,
                                                               String streamArn) {
        Map<String, AttributeValue> item = LedgerItems.toItem(e);
        DynamodbEvent.DynamodbStreamRecord out = new DynamodbEvent.DynamodbStreamRecord();
        out.setEventID(sequenceNumber);
        out.setEventName("INSERT");
        out.setEventSource("aws:dynamodb");
        out.setEventSourceARN(streamArn);
        StreamRecord sr = new StreamRecord();
        sr.setSequenceNumber(sequenceNumber);
        sr.setKeys(toLambda(LedgerItems.key(e.store(), e.aggregateId(), e.version())));
        sr.setNewImage(toLambda(item));
        sr.setStreamViewType(StreamViewType.NEW_IMAGE);
        sr.setApproximateCreationDateTime(Date.from(e.timestamp()));
        out.setDynamodb(sr);
        return out;
    }

    // --- items as DynamoDB JSON (an unreadable item's dead letter) ------------------------------

    /** The item as DynamoDB JSON ({@code {"name": {"S": "..."}}}), as the console and the CLI show items. */
    public static com.fasterxml.jackson.databind.node.ObjectNode itemJson(Map<String, AttributeValue> item) {
        com.fasterxml.jackson.databind.node.ObjectNode out = dev.tally.core.json.JsonCodec.object();
        new java.util.TreeMap<>(item).forEach((name, v) -> out.set(name, attributeJson(v)));
        return out;
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode attributeJson(AttributeValue v) {
        com.fasterxml.jackson.databind.node.ObjectNode n = dev.tally.core.json.JsonCodec.object();
        if (v.s() != null) {
            n.put("S", v.s());
        } else if (v.n() != null) {
            n.put("N", v.n());
        } else if (v.bool() != null) {
            n.put("BOOL", v.bool());
        } else if (Boolean.TRUE.equals(v.nul())) {
            n.put("NULL", true);
        } else if (v.hasM()) {
            n.set("M", itemJson(v.m()));
        } else if (v.hasL()) {
            var list = n.putArray("L");
            v.l().forEach(e -> list.add(attributeJson(e)));
        } else if (v.b() != null) {
            n.put("B", java.util.Base64.getEncoder().encodeToString(v.b().asByteArray()));
        } else if (v.hasSs()) {
            var list = n.putArray("SS");
            v.ss().forEach(list::add);
        } else if (v.hasNs()) {
            var list = n.putArray("NS");
            v.ns().forEach(list::add);
        }
        return n;
    }
}
