package dev.tally.aws.deploy;

import static dev.tally.aws.deploy.Cfn.allow;
import static dev.tally.aws.deploy.Cfn.getAtt;
import static dev.tally.aws.deploy.Cfn.ref;
import static dev.tally.aws.deploy.Cfn.sub;
import static dev.tally.aws.deploy.TemplateResources.alarm;
import static dev.tally.aws.deploy.TemplateResources.eventBridgeMaySend;
import static dev.tally.aws.deploy.TemplateResources.function;
import static dev.tally.aws.deploy.TemplateResources.httpEvents;
import static dev.tally.aws.deploy.TemplateResources.logGroup;
import static dev.tally.aws.deploy.TemplateResources.ordered;
import static dev.tally.aws.deploy.TemplateResources.queue;
import static dev.tally.aws.deploy.TemplateResources.queueAlarm;
import static dev.tally.aws.deploy.TemplateResources.rebuildable;
import static dev.tally.aws.deploy.TemplateResources.ruleEvent;
import static dev.tally.aws.deploy.TemplateResources.streamEvent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.EventBridgeEvents;
import dev.tally.aws.app.AppDispatcherFunction;
import dev.tally.aws.app.AppFunctions;
import dev.tally.aws.app.AppProjectorFunction;
import dev.tally.aws.app.CommandFunction;
import dev.tally.aws.app.QueryFunction;
import dev.tally.core.app.TallyApp;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.projection.Projection;
import dev.tally.dynamodb.TableDefinitions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * Renders the AWS SAM template of any {@link TallyApp} from the app itself: the ledger (retained,
 * deletion-protected), snapshots, the EventBridge bus, an HTTP API with IAM authorisation in front
 * of the {@link CommandFunction} and the {@link QueryFunction}, the {@link AppDispatcherFunction}
 * on the ledger's stream, one {@link AppProjectorFunction} per projection behind an EventBridge
 * rule with the projection's own filter, dead-letter queues, alarms and log groups with a retention.
 *
 * <p>Every function has a role of its own that allows only the calls its code makes, on its own
 * resources ({@link TemplateChecks#leastPrivilege} checks it): the command function is the only
 * one that writes the ledger or snapshots; the dispatcher reads both (Query) and puts events on the
 * bus; a projector writes its own view table only.
 *
 * <p>A consumer of the bus is a {@link BusTarget}: the projectors and the app's sagas
 * ({@link SagaTargets}: the saga function, its schedule group and the role the scheduler uses to
 * invoke it) are built as targets, and any other consumer is added with {@link #withTarget}; all are
 * rendered the same way: function, role, rule with retries and dead-letter queue,
 * asynchronous-invoke failure destination, log group and errors alarm.
 */
public final class AppTemplate {
    /** How long function and API logs are kept. */
    public static final int LOG_RETENTION_DAYS = 30;
    /** The dispatcher's stream iterator age (ms) above which its alarm fires: views are a minute behind. */
    public static final int ITERATOR_AGE_ALARM_MS = 60_000;
    /** The stream filter: INSERTs of ledger items only (snapshots live elsewhere; updates never happen). */
    public static final String STREAM_FILTER =
            "{\"eventName\":[\"INSERT\"],\"dynamodb\":{\"NewImage\":{\"itemKind\":{\"S\":[\"event\"]}}}}";
    public static final String COMMAND_ROUTE = "/api/stores/{store}/{id}/commands/{command}";
    public static final String VIEW_ROUTE = "/api/views/{projection}/{id}";
    public static final String AGGREGATE_ROUTE = "/api/stores/{store}/{id}/aggregate";

    /**
     * A consumer of the bus rendered as a Lambda target of an EventBridge rule.
     *
     * @param logicalName  the prefix of its resources' logical ids (e.g. "BalanceProjector")
     * @param functionName the function's name (its log group is /aws/lambda/{functionName})
     * @param handler      the handler, e.g. {@code dev.tally.aws.app.AppProjectorFunction::handleRequest}
     * @param pattern      the rule's event pattern
     * @param environment  its own environment variables
     * @param statements   what its code calls beyond reading the ledger and snapshots (which every target may)
     * @param resources    resources of its own (a view table; a saga's schedule group and scheduler role)
     * @param properties   further properties of its function (a saga's {@code ReservedConcurrentExecutions})
     */
    public record BusTarget(String logicalName, String functionName, String handler, JsonNode pattern,
                            Map<String, JsonNode> environment, List<ObjectNode> statements,
                            Map<String, ObjectNode> resources, Map<String, JsonNode> properties) {
        public BusTarget {
            Objects.requireNonNull(logicalName, "logicalName");
            Objects.requireNonNull(functionName, "functionName");
            Objects.requireNonNull(handler, "handler");
            Objects.requireNonNull(pattern, "pattern");
            environment = new LinkedHashMap<>(environment);
            statements = List.copyOf(statements);
            resources = new LinkedHashMap<>(resources);
            properties = new LinkedHashMap<>(properties);
        }

        /** A target whose function needs no further properties. */
        public BusTarget(String logicalName, String functionName, String handler, JsonNode pattern,
                         Map<String, JsonNode> environment, List<ObjectNode> statements,
                         Map<String, ObjectNode> resources) {
            this(logicalName, functionName, handler, pattern, environment, statements, resources, Map.of());
        }
    }

    private final TallyApp app;
    private final String codeUri;
    private final List<BusTarget> extraTargets;
    /** The region events are replicated to (null: none). */
    private final String replicaRegion;

    /**
     * @param app     the app whose stores and projections are deployed
     * @param codeUri the Lambda jar holding the app and tally-aws, relative to the template's folder
     */
    public AppTemplate(TallyApp app, String codeUri) {
        this(app, codeUri, List.of(), null);
    }

    private AppTemplate(TallyApp app, String codeUri, List<BusTarget> extraTargets, String replicaRegion) {
        this.app = Objects.requireNonNull(app, "app");
        this.codeUri = Objects.requireNonNull(codeUri, "codeUri");
        this.extraTargets = List.copyOf(extraTargets);
        this.replicaRegion = replicaRegion;
        if (!app.name().matches("[a-z0-9][a-z0-9-]{0,30}")) {
            throw new IllegalArgumentException("app name '" + app.name() + "' cannot name AWS resources: use 1-31"
                    + " lower-case letters, digits and '-' (it prefixes table, bus and function names)");
        }
    }

    /** The same template with one more consumer of the bus (a saga, for instance). */
    public AppTemplate withTarget(BusTarget target) {
        List<BusTarget> more = new ArrayList<>(extraTargets);
        more.add(target);
        return new AppTemplate(app, codeUri, more, replicaRegion);
    }

    /**
     * The same template with every event of the app's bus forwarded to the bus of the same name in
     * {@code region} (disaster recovery: see {@link CrossRegionReplication}).
     */
    public AppTemplate withReplicationTo(String region) {
        return new AppTemplate(app, codeUri, extraTargets, CrossRegionReplication.checkedRegion(region));
    }

    public String ledgerTable() {
        return app.name() + "-ledger";
    }

    public String snapshotTable() {
        return app.name() + "-snapshots";
    }

    public String busName() {
        return app.name() + "-bus";
    }

    /** A projection's view table: the name {@code tally serve} gives it too. */
    public String viewTable(String projection) {
        return app.name() + "-" + projection;
    }

    /** The template as indented JSON (what is committed under deploy/). */
    public String json() {
        try {
            return JsonCodec.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(render()) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The projectors of the app, as bus targets. */
    public List<BusTarget> projectorTargets() {
        List<BusTarget> targets = new ArrayList<>();
        for (Projection<?, ?> p : app.projections()) {
            String logical = Cfn.logicalName(p.name()) + "Projector";
            String viewTable = Cfn.logicalName(p.name()) + "ViewTable";
            Map<String, JsonNode> env = new LinkedHashMap<>();
            env.put("TALLY_PROJECTION", JsonCodec.mapper().getNodeFactory().textNode(p.name()));
            env.put("TALLY_VIEW_TABLE", ref(viewTable));
            // one conditional PutItem per view (DynamoDbProjectionWriter.write), on its own table
            List<ObjectNode> statements = List.of(allow(List.of("dynamodb:PutItem"), getAtt(viewTable, "Arn")));
            targets.add(new BusTarget(logical, app.name() + "-" + p.name() + "-projector",
                    AppProjectorFunction.class.getName() + "::handleRequest", EventBridgeEvents.pattern(p.filter()),
                    env, statements, Map.of(viewTable, rebuildable(TableDefinitions.views(viewTable(p.name()))
                            .cloudFormationResource()))));
        }
        return targets;
    }

    public ObjectNode render() {
        ObjectNode t = JsonCodec.object();
        t.put("AWSTemplateFormatVersion", "2010-09-09");
        t.put("Transform", "AWS::Serverless-2016-10-31");
        t.put("Description", "Tally app '" + app.name() + "': HTTP API, command and query functions, DynamoDB"
                + " ledger, stream dispatcher, EventBridge, projectors, dead-letter queues, alarms. Generated by "
                + AppTemplate.class.getName() + "; do not edit by hand.");
        ObjectNode globals = t.putObject("Globals").putObject("Function");
        globals.put("Runtime", "java21");
        globals.put("MemorySize", 1024);
        globals.put("Timeout", 30);
        globals.put("CodeUri", codeUri);
        globals.putArray("Architectures").add("arm64");
        globals.putObject("SnapStart").put("ApplyOn", "PublishedVersions");
        globals.put("AutoPublishAlias", "live");
        ObjectNode env = globals.putObject("Environment").putObject("Variables");
        env.put("TALLY_APP", app.name());
        env.set("TALLY_LEDGER_TABLE", ref("LedgerTable"));
        env.set("TALLY_SNAPSHOT_TABLE", ref("SnapshotTable"));
        env.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");

        ObjectNode r = t.putObject("Resources");
        ObjectNode ledger = TableDefinitions.ledger(ledgerTable()).cloudFormationResource();
        // the ledger is the source of truth: it survives a stack deletion, a replacement and a careless delete
        ledger.put("DeletionPolicy", "Retain");
        ledger.put("UpdateReplacePolicy", "Retain");
        ((ObjectNode) ledger.get("Properties")).put("DeletionProtectionEnabled", true);
        r.set("LedgerTable", ledger);
        r.set("SnapshotTable", rebuildable(TableDefinitions.snapshots(snapshotTable()).cloudFormationResource()));
        boolean personal = AppFunctions.hasPersonalData(app);
        if (personal) {
            PersonalDataResources.keys(r, app.name(), dataKeysTable());
        }
        ObjectNode bus = r.putObject("EventBus");
        bus.put("Type", "AWS::Events::EventBus");
        bus.putObject("Properties").put("Name", busName());
        r.set("DispatcherDeadLetters", queue());
        r.set("TargetDeadLetters", queue());
        r.set("TargetDeadLettersPolicy", eventBridgeMaySend(busName(), "TargetDeadLetters"));
        ObjectNode topic = r.putObject("AlarmTopic");
        topic.put("Type", "AWS::SNS::Topic");
        topic.putObject("Properties").put("KmsMasterKeyId", "alias/aws/sns");
        r.set("DispatcherDeadLettersAlarm", queueAlarm("DispatcherDeadLetters",
                "records the dispatcher could not publish wait in the queue (redrive them once the cause is fixed)"));
        r.set("TargetDeadLettersAlarm", queueAlarm("TargetDeadLetters",
                "messages a bus target (projector) could not take wait in the queue (redrive them once fixed)"));

        // the HTTP API: commands and reads, signed requests only (AWS_IAM)
        ObjectNode api = r.putObject("HttpApi");
        api.put("Type", "AWS::Serverless::HttpApi");
        ObjectNode apiProps = api.putObject("Properties");
        apiProps.putObject("Auth").put("EnableIamAuthorizer", true).put("DefaultAuthorizer", "AWS_IAM");
        ObjectNode access = apiProps.putObject("AccessLogSettings");
        access.set("DestinationArn", getAtt("ApiAccessLogs", "Arn"));
        access.put("Format", "{\"requestId\":\"$context.requestId\",\"routeKey\":\"$context.routeKey\","
                + "\"status\":\"$context.status\",\"latency\":\"$context.integrationLatency\","
                + "\"caller\":\"$context.identity.caller\"}");
        r.set("ApiAccessLogs", logGroup("/aws/http-api/" + app.name()));

        // command function: the only writer of the ledger and of snapshots
        List<ObjectNode> commandStatements = new ArrayList<>(List.of(
                // append: a conditional PutItem, or TransactWriteItems of Puts and ConditionChecks;
                // GetItem to tell a lost response from a conflict; Query to load and to find a command's events
                allow(List.of("dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem",
                        "dynamodb:Query"), getAtt("LedgerTable", "Arn")),
                allow(List.of("dynamodb:Query", "dynamodb:PutItem"), getAtt("SnapshotTable", "Arn"))));
        if (personal) {
            // the only function that seals (it appends); the query function reveals, every other one folds and projects the sealed values
            commandStatements.addAll(PersonalDataResources.sealGrants());
        }
        function(r, "Command", app.name() + "-command", CommandFunction.class.getName() + "::handleRequest",
                personal ? PersonalDataResources.environment() : Map.of(), commandStatements,
                httpEvents(Map.of("Command", new String[] {"POST", COMMAND_ROUTE})));

        // query function: reads only
        List<ObjectNode> queryStatements = new ArrayList<>();
        queryStatements.add(allow(List.of("dynamodb:Query"), getAtt("LedgerTable", "Arn")));
        // events by type, correlation id and time (DynamoDbEventQueries): its indexes, then the items
        queryStatements.add(allow(List.of("dynamodb:Query"), sub("${LedgerTable.Arn}/index/types"),
                sub("${LedgerTable.Arn}/index/correlations"), sub("${LedgerTable.Arn}/index/days")));
        queryStatements.add(allow(List.of("dynamodb:BatchGetItem"), getAtt("LedgerTable", "Arn")));
        queryStatements.add(allow(List.of("dynamodb:Query"), getAtt("SnapshotTable", "Arn")));
        StringJoiner viewTables = new StringJoiner(",");
        List<JsonNode> viewArns = new ArrayList<>();
        for (Projection<?, ?> p : app.projections()) {
            String logical = Cfn.logicalName(p.name()) + "ViewTable";
            viewTables.add(p.name() + "=${" + logical + "}");
            viewArns.add(getAtt(logical, "Arn"));
        }
        if (!viewArns.isEmpty()) {
            queryStatements.add(allow(List.of("dynamodb:GetItem"), viewArns.toArray(JsonNode[]::new)));
        }
        Map<String, JsonNode> queryEnvironment = new LinkedHashMap<>();
        if (!viewArns.isEmpty()) {
            queryEnvironment.put("TALLY_VIEW_TABLES", sub(viewTables.toString()));
        }
        if (personal) {
            // it reveals sealed values for the reader: opens stored data keys, never makes one
            queryStatements.addAll(PersonalDataResources.revealGrants());
            queryEnvironment.putAll(PersonalDataResources.environment());
        }
        Map<String, String[]> queryRoutes = new LinkedHashMap<>();
        queryRoutes.put("View", new String[] {"GET", VIEW_ROUTE});
        queryRoutes.put("Aggregate", new String[] {"GET", AGGREGATE_ROUTE});
        queryRoutes.put("Events", new String[] {"GET", "/api/events"});
        queryRoutes.put("Trace", new String[] {"GET", "/api/trace/{correlationId}"});
        function(r, "Query", app.name() + "-query", QueryFunction.class.getName() + "::handleRequest",
                queryEnvironment, queryStatements, httpEvents(queryRoutes));

        // dispatcher: reads the ledger and snapshots (never writes one), publishes to the bus
        ObjectNode dispatcher = function(r, "Dispatcher", app.name() + "-dispatcher",
                AppDispatcherFunction.class.getName() + "::handleRequest",
                // the dispatcher writes events it cannot dispatch to its own queue, with their full records
                ordered("TALLY_EVENT_BUS", ref("EventBus"), "TALLY_DISPATCHER_DLQ_URL", ref("DispatcherDeadLetters")),
                List.of(
                        allow(List.of("dynamodb:Query"), getAtt("LedgerTable", "Arn")),
                        allow(List.of("dynamodb:Query"), getAtt("SnapshotTable", "Arn")),
                        // the event source mapping reads the stream with the function's role
                        allow(List.of("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"),
                                getAtt("LedgerTable", "StreamArn")),
                        allow(List.of("events:PutEvents"), getAtt("EventBus", "Arn")),
                        // SqsDeadLetterSink (full records), and the event source mapping's on-failure
                        // destination (metadata of records that failed otherwise), both sent with this role
                        allow(List.of("sqs:SendMessage"), getAtt("DispatcherDeadLetters", "Arn"))),
                streamEvent());
        r.set("DispatcherIteratorAgeAlarm", alarm("the dispatcher is more than " + ITERATOR_AGE_ALARM_MS / 1000
                        + " s behind the ledger's stream: views are stale", "AWS/Lambda", "IteratorAge", "FunctionName",
                ref("DispatcherFunction"), "Maximum", 60, 5, ITERATOR_AGE_ALARM_MS));
        Objects.requireNonNull(dispatcher);

        List<BusTarget> targets = new ArrayList<>(projectorTargets());
        targets.addAll(SagaTargets.of(app));
        targets.addAll(extraTargets);
        for (BusTarget target : targets) {
            target.resources().forEach(r::set);
            List<ObjectNode> statements = new ArrayList<>(target.statements());
            // claim checks are resolved by reading the aggregate from the ledger
            statements.add(allow(List.of("dynamodb:Query"), getAtt("LedgerTable", "Arn")));
            statements.add(allow(List.of("dynamodb:Query"), getAtt("SnapshotTable", "Arn")));
            // Lambda's asynchronous-invoke failure destination is sent with the function's role
            statements.add(allow(List.of("sqs:SendMessage"), getAtt("TargetDeadLetters", "Arn")));
            ObjectNode f = function(r, target.logicalName(), target.functionName(), target.handler(),
                    target.environment(), statements, ruleEvent(target.pattern()));
            target.properties().forEach(((ObjectNode) f.get("Properties"))::set);
            ObjectNode invoke = ((ObjectNode) f.get("Properties")).putObject("EventInvokeConfig");
            invoke.put("MaximumRetryAttempts", 2);
            invoke.put("MaximumEventAgeInSeconds", 3600);
            ObjectNode failure = invoke.putObject("DestinationConfig").putObject("OnFailure");
            failure.put("Type", "SQS");
            failure.set("Destination", getAtt("TargetDeadLetters", "Arn"));
        }

        if (replicaRegion != null) {
            CrossRegionReplication.addTo(r, busName(), replicaRegion);
        }

        ObjectNode out = t.putObject("Outputs");
        out.putObject("ApiUrl").set("Value", sub("https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"));
        out.putObject("LedgerTableName").set("Value", ref("LedgerTable"));
        out.putObject("EventBusName").set("Value", ref("EventBus"));
        out.putObject("DispatcherDeadLetterQueue").set("Value", ref("DispatcherDeadLetters"));
        out.putObject("TargetDeadLetterQueue").set("Value", ref("TargetDeadLetters"));
        out.putObject("AlarmTopicArn").set("Value", ref("AlarmTopic"));
        if (personal) {
            out.putObject("DataKeysTableName").set("Value", ref("DataKeysTable"));
            out.putObject("MasterKeyArn").set("Value", getAtt("DataKeysMasterKey", "Arn"));
        }
        if (replicaRegion != null) {
            out.putObject("ReplicaEventBusArn").set("Value", CrossRegionReplication.replicaBusArn(busName(), replicaRegion));
        }
        return t;
    }

    /** The table of personal data's wrapped data keys. */
    public String dataKeysTable() {
        return app.name() + "-data-keys";
    }

}
