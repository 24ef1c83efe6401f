package dev.tally.aws.deploy;

import static dev.tally.aws.deploy.Cfn.allow;
import static dev.tally.aws.deploy.Cfn.getAtt;
import static dev.tally.aws.deploy.Cfn.ref;
import static dev.tally.aws.deploy.Cfn.sub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.EventBridgeEvents;
import dev.tally.aws.app.SagaFunction;
import dev.tally.core.app.TallyApp;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.message.MessageKind;
import dev.tally.core.saga.Saga;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sagas of an app as {@link AppTemplate.BusTarget}s: each one a {@link SagaFunction} with
 *
 * <ul>
 *   <li>one rule whose pattern is {@code $or} of what the saga observes and the state-carrying
 *       messages of its own store (its instances' events, which move it to its next step);</li>
 *   <li>an {@code AWS::Scheduler::ScheduleGroup} for its timers and the role EventBridge Scheduler
 *       assumes (trusted by {@code scheduler.amazonaws.com} from this account only), allowed
 *       {@code lambda:InvokeFunction} on the saga function (and its versions and aliases) and
 *       {@code sqs:SendMessage} to the target dead-letter queue, where an invocation that keeps
 *       failing ends;</li>
 *   <li>its own grants: append to the ledger (its instances and the commands it sends, as the command
 *       function does: {@code PutItem}, {@code ConditionCheckItem}, {@code GetItem}, {@code Query}),
 *       {@code scheduler:CreateSchedule}/{@code DeleteSchedule} on schedules of its group only, and
 *       {@code iam:PassRole} on the scheduler role, to Scheduler only.</li>
 * </ul>
 *
 * The saga function has {@code ReservedConcurrentExecutions: 1}: one invocation at a time, so two
 * messages of one instance are never handled at once. EventBridge invokes it asynchronously; what
 * arrives while it runs waits in Lambda's asynchronous queue (throttled invocations are retried for up
 * to {@code MaximumEventAgeInSeconds}, then go to the target dead-letter queue).
 *
 * <p>The schedules' target ARN is built with {@code Fn::Sub} from the function's explicit name (its
 * {@code live} alias, since functions are published with {@code AutoPublishAlias: live}): a
 * {@code GetAtt} of the function would make a cycle (function -> environment -> role -> function).
 */
public final class SagaTargets {
    /** The alias every function is published under (Globals.Function.AutoPublishAlias). */
    static final String ALIAS = "live";
    /** The saga function's property that bounds it to one invocation at a time. */
    public static final String RESERVED_CONCURRENCY = "ReservedConcurrentExecutions";

    private SagaTargets() {
    }

    /** One bus target per saga of the app, in the app's order. */
    public static List<AppTemplate.BusTarget> of(TallyApp app) {
        List<AppTemplate.BusTarget> targets = new ArrayList<>();
        for (Saga<?, ?> saga : app.sagas()) {
            targets.add(target(app, saga));
        }
        return targets;
    }

    /** The rule's pattern: what the saga observes, or a state-carrying message of its own store. */
    public static ObjectNode pattern(Saga<?, ?> saga) {
        ObjectNode p = JsonCodec.object();
        p.putArray("$or")
                .add(EventBridgeEvents.pattern(saga.observes()))
                .add(EventBridgeEvents.pattern(new MessageFilter(Set.of(saga.name()), Set.of(),
                        Set.of(MessageKind.STATE_CARRYING))));
        return p;
    }

    /** The function's name: {app}-{saga}, with "-saga" added when the saga's name does not say it. */
    public static String functionName(TallyApp app, Saga<?, ?> saga) {
        return app.name() + "-" + saga.name() + (saga.name().endsWith("saga") ? "" : "-saga");
    }

    /** The schedule group of the saga's timers. */
    public static String scheduleGroup(TallyApp app, Saga<?, ?> saga) {
        return functionName(app, saga) + "-timers";
    }

    static AppTemplate.BusTarget target(TallyApp app, Saga<?, ?> saga) {
        String logical = Cfn.logicalName(saga.name()) + (saga.name().endsWith("saga") ? "" : "Saga");
        String function = functionName(app, saga);
        String group = scheduleGroup(app, saga);
        if (group.length() > 64) {
            throw new IllegalArgumentException("saga '" + saga.name() + "' of app " + app.name() + ": the schedule"
                    + " group name '" + group + "' is longer than EventBridge Scheduler's 64 characters; use a"
                    + " shorter app or saga name");
        }
        String groupLogical = logical + "ScheduleGroup";
        String roleLogical = logical + "SchedulerRole";
        String functionArn = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:" + function;

        Map<String, JsonNode> env = new LinkedHashMap<>();
        env.put("TALLY_SAGA", JsonCodec.mapper().getNodeFactory().textNode(saga.name()));
        env.put("TALLY_TIMER_GROUP", ref(groupLogical));
        env.put("TALLY_TIMER_TARGET_ARN", sub(functionArn + ":" + ALIAS));
        env.put("TALLY_TIMER_ROLE_ARN", getAtt(roleLogical, "Arn"));
        env.put("TALLY_TIMER_DLQ_ARN", getAtt("TargetDeadLetters", "Arn"));

        ObjectNode passRole = allow(List.of("iam:PassRole"), getAtt(roleLogical, "Arn"));
        passRole.putObject("Condition").putObject("StringEquals").put("iam:PassedToService", "scheduler.amazonaws.com");
        List<ObjectNode> statements = List.of(
                // its instances and the commands it sends are appended like the command function's
                allow(List.of("dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query"),
                        getAtt("LedgerTable", "Arn")),
                allow(List.of("scheduler:CreateSchedule", "scheduler:DeleteSchedule"),
                        sub("arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/" + group + "/*")),
                passRole);

        Map<String, ObjectNode> resources = new LinkedHashMap<>();
        ObjectNode groupResource = JsonCodec.object();
        groupResource.put("Type", "AWS::Scheduler::ScheduleGroup");
        groupResource.putObject("Properties").put("Name", group);
        resources.put(groupLogical, groupResource);
        resources.put(roleLogical, schedulerRole(function, functionArn));
        // one invocation at a time: two running at once could race on one instance (a command refused by
        // one and accepted on the other's retry, see docs/sagas.md); the rest wait in Lambda's async queue
        Map<String, JsonNode> properties = Map.of(RESERVED_CONCURRENCY,
                JsonCodec.mapper().getNodeFactory().numberNode(1));
        return new AppTemplate.BusTarget(logical, function, SagaFunction.class.getName() + "::handleRequest",
                pattern(saga), env, statements, resources, properties);
    }

    /** The role Scheduler assumes: invoke the saga function, send what keeps failing to the dead letters. */
    private static ObjectNode schedulerRole(String function, String functionArn) {
        ObjectNode role = JsonCodec.object();
        role.put("Type", "AWS::IAM::Role");
        ObjectNode rp = role.putObject("Properties");
        ObjectNode trust = rp.putObject("AssumeRolePolicyDocument");
        trust.put("Version", "2012-10-17");
        ObjectNode assume = trust.putArray("Statement").addObject();
        assume.put("Effect", "Allow");
        assume.putObject("Principal").put("Service", "scheduler.amazonaws.com");
        assume.put("Action", "sts:AssumeRole");
        assume.putObject("Condition").putObject("StringEquals").set("aws:SourceAccount", ref("AWS::AccountId"));
        ObjectNode policy = rp.putArray("Policies").addObject();
        policy.put("PolicyName", function + "-scheduler");
        ObjectNode document = policy.putObject("PolicyDocument");
        document.put("Version", "2012-10-17");
        document.putArray("Statement")
                .add(allow(List.of("lambda:InvokeFunction"), sub(functionArn), sub(functionArn + ":" + ALIAS)))
                .add(allow(List.of("sqs:SendMessage"), getAtt("TargetDeadLetters", "Arn")));
        return role;
    }
}
