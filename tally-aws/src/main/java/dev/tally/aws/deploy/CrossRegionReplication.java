package dev.tally.aws.deploy;

import static dev.tally.aws.deploy.Cfn.allow;
import static dev.tally.aws.deploy.Cfn.getAtt;
import static dev.tally.aws.deploy.Cfn.ref;
import static dev.tally.aws.deploy.Cfn.sub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Disaster recovery for the app's bus: an EventBridge rule on the app's bus that forwards every event
 * to the bus of the same name in another region (EventBridge's cross-region targets), and the role
 * EventBridge assumes to do it, allowed {@code events:PutEvents} on that one bus only.
 *
 * <p>The replica region needs the bus to exist (deploy the same template there first): events sent
 * to a missing bus are failed deliveries, counted by the rule's {@code FailedInvocations} metric,
 * which the alarm of this class watches.
 */
final class CrossRegionReplication {
    /** A region name: e.g. eu-west-1, us-gov-west-1, ap-southeast-4. */
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");

    private CrossRegionReplication() {
    }

    static String checkedRegion(String region) {
        if (region == null || !REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("replication region '" + region + "' is not an AWS region name:"
                    + " give one like eu-west-1 (the region events are copied to, for disaster recovery)");
        }
        return region;
    }

    /** The same-named bus in the replica region, in this account. */
    static ObjectNode replicaBusArn(String busName, String region) {
        return sub("arn:${AWS::Partition}:events:" + region + ":${AWS::AccountId}:event-bus/" + busName);
    }

    static void addTo(ObjectNode resources, String busName, String region) {
        ObjectNode role = resources.putObject("ReplicationRole");
        role.put("Type", "AWS::IAM::Role");
        ObjectNode rp = role.putObject("Properties");
        ObjectNode trust = rp.putObject("AssumeRolePolicyDocument");
        trust.put("Version", "2012-10-17");
        ObjectNode assume = trust.putArray("Statement").addObject();
        assume.put("Effect", "Allow");
        assume.putObject("Principal").put("Service", "events.amazonaws.com");
        assume.put("Action", "sts:AssumeRole");
        ObjectNode policy = rp.putArray("Policies").addObject();
        policy.put("PolicyName", busName + "-replication");
        ObjectNode document = policy.putObject("PolicyDocument");
        document.put("Version", "2012-10-17");
        document.putArray("Statement").add(allow(List.of("events:PutEvents"), replicaBusArn(busName, region)));

        ObjectNode rule = resources.putObject("ReplicationRule");
        rule.put("Type", "AWS::Events::Rule");
        ObjectNode p = rule.putObject("Properties");
        p.put("Description", "every event of " + busName + " to the bus of the same name in " + region
                + " (disaster recovery)");
        p.set("EventBusName", ref("EventBus"));
        // an empty prefix matches every source: every event the bus carries
        p.putObject("EventPattern").putArray("source").addObject().put("prefix", "");
        p.put("State", "ENABLED");
        ObjectNode target = p.putArray("Targets").addObject();
        target.put("Id", "replica-bus");
        target.set("Arn", replicaBusArn(busName, region));
        target.set("RoleArn", getAtt("ReplicationRole", "Arn"));

        ObjectNode alarm = TemplateResources.alarm("events of " + busName + " could not be copied to " + region
                        + " (does the replica bus exist there?)", "AWS/Events", "FailedInvocations", "RuleName",
                ref("ReplicationRule"), "Sum", 60, 1, 0);
        resources.set("ReplicationFailuresAlarm", alarm);
    }
}
