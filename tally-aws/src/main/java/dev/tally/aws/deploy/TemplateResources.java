package dev.tally.aws.deploy;

import static dev.tally.aws.deploy.Cfn.allow;
import static dev.tally.aws.deploy.Cfn.getAtt;
import static dev.tally.aws.deploy.Cfn.ref;
import static dev.tally.aws.deploy.Cfn.sub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resources {@link AppTemplate} is made of, one builder each: a function with its own role, log
 * group and errors alarm; its events (HTTP routes, the ledger's stream, an EventBridge rule); queues,
 * tables' deletion policies, alarms.
 */
final class TemplateResources {
    private TemplateResources() {
    }

    /**
     * A function with its own role, log group (with retention) and errors alarm. Returns the function.
     */
    static ObjectNode function(ObjectNode resources, String prefix, String name, String handler,
                                Map<String, JsonNode> environment, List<ObjectNode> statements, ObjectNode events) {
        String logGroup = prefix + "LogGroup";
        resources.set(logGroup, logGroup("/aws/lambda/" + name));

        ObjectNode role = resources.putObject(prefix + "Role");
        role.put("Type", "AWS::IAM::Role");
        ObjectNode rp = role.putObject("Properties");
        ObjectNode trust = rp.putObject("AssumeRolePolicyDocument");
        trust.put("Version", "2012-10-17");
        ObjectNode assume = trust.putArray("Statement").addObject();
        assume.put("Effect", "Allow");
        assume.putObject("Principal").put("Service", "lambda.amazonaws.com");
        assume.put("Action", "sts:AssumeRole");
        ObjectNode policy = rp.putArray("Policies").addObject();
        policy.put("PolicyName", name);
        ObjectNode document = policy.putObject("PolicyDocument");
        document.put("Version", "2012-10-17");
        ArrayNode list = document.putArray("Statement");
        list.add(allow(List.of("logs:CreateLogStream", "logs:PutLogEvents"), getAtt(logGroup, "Arn")));
        statements.forEach(list::add);

        ObjectNode f = resources.putObject(prefix + "Function");
        f.put("Type", "AWS::Serverless::Function");
        ObjectNode p = f.putObject("Properties");
        p.put("FunctionName", name);
        p.put("Handler", handler);
        p.set("Role", getAtt(prefix + "Role", "Arn"));
        p.putObject("LoggingConfig").set("LogGroup", ref(logGroup));
        if (!environment.isEmpty()) {
            ObjectNode vars = p.putObject("Environment").putObject("Variables");
            environment.forEach(vars::set);
        }
        p.set("Events", events);
        resources.set(prefix + "ErrorsAlarm", alarm("function " + name + " failed (see its log group)",
                "AWS/Lambda", "Errors", "FunctionName", ref(prefix + "Function"), "Sum", 60, 1, 0));
        return f;
    }

    /** Environment variables in the order given (Map.of's order changes from one JVM to the next). */
    static Map<String, JsonNode> ordered(Object... namesAndValues) {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.put((String) namesAndValues[i], (JsonNode) namesAndValues[i + 1]);
        }
        return m;
    }

    static ObjectNode httpEvents(Map<String, String[]> routes) {
        ObjectNode events = JsonCodec.object();
        routes.forEach((name, route) -> {
            ObjectNode e = events.putObject(name);
            e.put("Type", "HttpApi");
            ObjectNode p = e.putObject("Properties");
            p.set("ApiId", ref("HttpApi"));
            p.put("Method", route[0]);
            p.put("Path", route[1]);
        });
        return events;
    }

    static ObjectNode streamEvent() {
        ObjectNode events = JsonCodec.object();
        ObjectNode stream = events.putObject("LedgerStream");
        stream.put("Type", "DynamoDB");
        ObjectNode s = stream.putObject("Properties");
        s.set("Stream", getAtt("LedgerTable", "StreamArn"));
        s.put("StartingPosition", "TRIM_HORIZON");
        s.put("BatchSize", 100);
        s.put("MaximumBatchingWindowInSeconds", 0);
        s.put("MaximumRetryAttempts", 3);
        s.put("BisectBatchOnFunctionError", true);
        s.put("MaximumRecordAgeInSeconds", 86400);
        s.putArray("FunctionResponseTypes").add("ReportBatchItemFailures");
        s.putObject("FilterCriteria").putArray("Filters").addObject().put("Pattern", AppTemplate.STREAM_FILTER);
        s.putObject("DestinationConfig").putObject("OnFailure").set("Destination",
                getAtt("DispatcherDeadLetters", "Arn"));
        return events;
    }

    static ObjectNode ruleEvent(JsonNode pattern) {
        ObjectNode events = JsonCodec.object();
        ObjectNode rule = events.putObject("Rule");
        rule.put("Type", "EventBridgeRule");
        ObjectNode rp = rule.putObject("Properties");
        rp.set("EventBusName", ref("EventBus"));
        rp.set("Pattern", pattern);
        // EventBridge could not invoke the function: its retries, then the dead-letter queue
        rp.putObject("RetryPolicy").put("MaximumRetryAttempts", 4).put("MaximumEventAgeInSeconds", 3600);
        rp.putObject("DeadLetterConfig").set("Arn", getAtt("TargetDeadLetters", "Arn"));
        return events;
    }

    /** Snapshots and views: deleted with the stack, since the ledger rebuilds them. */
    static ObjectNode rebuildable(ObjectNode table) {
        table.put("DeletionPolicy", "Delete");
        table.put("UpdateReplacePolicy", "Delete");
        return table;
    }

    /** A dead-letter queue: what it holds was not processed, so it outlives the stack. */
    static ObjectNode queue() {
        ObjectNode q = JsonCodec.object();
        q.put("Type", "AWS::SQS::Queue");
        q.put("DeletionPolicy", "Retain");
        q.put("UpdateReplacePolicy", "Retain");
        q.putObject("Properties").put("MessageRetentionPeriod", 1209600).put("SqsManagedSseEnabled", true);
        return q;
    }

    /** EventBridge may send to the queue, from this account's rules on this app's bus only. */
    static ObjectNode eventBridgeMaySend(String busName, String queue) {
        ObjectNode qp = JsonCodec.object();
        qp.put("Type", "AWS::SQS::QueuePolicy");
        ObjectNode p = qp.putObject("Properties");
        p.putArray("Queues").add(ref(queue));
        ObjectNode doc = p.putObject("PolicyDocument");
        doc.put("Version", "2012-10-17");
        ObjectNode s = doc.putArray("Statement").addObject();
        s.put("Effect", "Allow");
        s.putObject("Principal").put("Service", "events.amazonaws.com");
        s.put("Action", "sqs:SendMessage");
        s.set("Resource", getAtt(queue, "Arn"));
        s.putObject("Condition").putObject("ArnLike").set("aws:SourceArn",
                sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/" + busName + "/*"));
        return qp;
    }

    static ObjectNode logGroup(String name) {
        ObjectNode g = JsonCodec.object();
        g.put("Type", "AWS::Logs::LogGroup");
        g.putObject("Properties").put("LogGroupName", name).put("RetentionInDays", AppTemplate.LOG_RETENTION_DAYS);
        return g;
    }

    static ObjectNode queueAlarm(String queue, String what) {
        return alarm("dead letters: " + what, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName",
                getAtt(queue, "QueueName"), "Maximum", 60, 1, 0);
    }

    static ObjectNode alarm(String description, String namespace, String metric, String dimension,
                                    JsonNode dimensionValue, String statistic, int period, int periods, int threshold) {
        ObjectNode a = JsonCodec.object();
        a.put("Type", "AWS::CloudWatch::Alarm");
        ObjectNode p = a.putObject("Properties");
        p.put("AlarmDescription", description);
        p.put("Namespace", namespace);
        p.put("MetricName", metric);
        ObjectNode d = p.putArray("Dimensions").addObject();
        d.put("Name", dimension);
        d.set("Value", dimensionValue);
        p.put("Statistic", statistic);
        p.put("Period", period);
        p.put("EvaluationPeriods", periods);
        p.put("Threshold", threshold);
        p.put("ComparisonOperator", "GreaterThanThreshold");
        p.put("TreatMissingData", "notBreaching");
        p.putArray("AlarmActions").add(ref("AlarmTopic"));
        p.putArray("OKActions").add(ref("AlarmTopic"));
        return a;
    }}
