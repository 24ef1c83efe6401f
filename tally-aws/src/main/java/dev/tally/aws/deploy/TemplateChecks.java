package dev.tally.aws.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checks of a rendered template that {@code cfn-lint} does not make: least privilege and the
 * alarms every deployment must have. Each check returns what is wrong, one sentence per finding
 * (empty: nothing). Run them in your app's tests on its rendered template.
 */
public final class TemplateChecks {
    private TemplateChecks() {
    }

    /**
     * Every function runs under a role of this template (no SAM policy templates, no managed
     * policies), and no statement allows a wildcard action, a wildcard resource or a DynamoDB Scan
     * (Tally's functions read by key or Query only).
     */
    public static List<String> leastPrivilege(JsonNode template) {
        List<String> findings = new ArrayList<>();
        JsonNode resources = template.path("Resources");
        for (Iterator<Map.Entry<String, JsonNode>> it = resources.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String type = e.getValue().path("Type").asText();
            JsonNode props = e.getValue().path("Properties");
            if (type.equals("AWS::Serverless::Function")) {
                if (props.has("Policies")) {
                    findings.add(e.getKey() + " has SAM Policies: give it a role of its own with the exact actions");
                }
                JsonNode role = props.path("Role").path("Fn::GetAtt");
                if (!role.isArray() || !resources.path(role.path(0).asText()).path("Type").asText()
                        .equals("AWS::IAM::Role")) {
                    findings.add(e.getKey() + " does not run under a role of this template");
                }
            }
            if (type.equals("AWS::IAM::Role")) {
                if (props.has("ManagedPolicyArns")) {
                    findings.add(e.getKey() + " has managed policies, whose actions and resources are not its own");
                }
                for (JsonNode policy : props.path("Policies")) {
                    for (JsonNode statement : policy.path("PolicyDocument").path("Statement")) {
                        checkStatement(e.getKey(), statement, findings);
                    }
                }
            }
        }
        return findings;
    }

    private static void checkStatement(String role, JsonNode s, List<String> findings) {
        for (JsonNode action : list(s.path("Action"))) {
            String a = action.asText();
            if (a.contains("*")) {
                findings.add(role + " allows the wildcard action '" + a + "'");
            }
            if (a.equalsIgnoreCase("dynamodb:Scan")) {
                findings.add(role + " allows dynamodb:Scan: Tally's functions Query or read by key");
            }
        }
        if (s.has("NotAction") || s.has("NotResource")) {
            findings.add(role + " has a NotAction/NotResource statement, which allows everything else");
        }
        for (JsonNode resource : list(s.path("Resource"))) {
            if (resource.isTextual() && resource.asText().contains("*")) {
                findings.add(role + " allows '" + resource.asText() + "' as a resource");
            }
        }
    }

    private static List<JsonNode> list(JsonNode n) {
        List<JsonNode> out = new ArrayList<>();
        if (n.isArray()) {
            n.forEach(out::add);
        } else if (!n.isMissingNode()) {
            out.add(n);
        }
        return out;
    }

    /**
     * Every queue has an alarm on visible messages above 0, every function an alarm on errors and
     * a log group with a retention, and every function on a DynamoDB stream an alarm on its
     * iterator age.
     */
    public static List<String> observability(JsonNode template) {
        List<String> findings = new ArrayList<>();
        JsonNode resources = template.path("Resources");
        List<JsonNode> alarms = new ArrayList<>();
        resources.forEach(r -> {
            if (r.path("Type").asText().equals("AWS::CloudWatch::Alarm")) {
                alarms.add(r.path("Properties"));
            }
        });
        for (Iterator<Map.Entry<String, JsonNode>> it = resources.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String type = e.getValue().path("Type").asText();
            if (type.equals("AWS::SQS::Queue") && !hasAlarm(alarms, "ApproximateNumberOfMessagesVisible",
                    "Fn::GetAtt", e.getKey())) {
                findings.add("queue " + e.getKey() + " has no alarm on ApproximateNumberOfMessagesVisible > 0");
            }
            if (type.equals("AWS::Serverless::Function")) {
                if (!hasAlarm(alarms, "Errors", "Ref", e.getKey())) {
                    findings.add("function " + e.getKey() + " has no alarm on Errors > 0");
                }
                String logGroup = e.getValue().path("Properties").path("LoggingConfig").path("LogGroup")
                        .path("Ref").asText();
                if (!resources.path(logGroup).path("Properties").has("RetentionInDays")) {
                    findings.add("function " + e.getKey() + " has no log group of this template with a retention");
                }
                boolean onStream = false;
                for (JsonNode event : e.getValue().path("Properties").path("Events")) {
                    onStream |= event.path("Type").asText().equals("DynamoDB");
                }
                if (onStream && !hasAlarm(alarms, "IteratorAge", "Ref", e.getKey())) {
                    findings.add("function " + e.getKey() + " reads a stream but has no alarm on IteratorAge");
                }
            }
        }
        return findings;
    }

    private static boolean hasAlarm(List<JsonNode> alarms, String metric, String intrinsic, String logical) {
        for (JsonNode a : alarms) {
            if (!a.path("MetricName").asText().equals(metric) || a.path("AlarmActions").isEmpty()) {
                continue;
            }
            if (!a.path("ComparisonOperator").asText().startsWith("GreaterThan")) {
                continue;
            }
            for (JsonNode d : a.path("Dimensions")) {
                JsonNode v = d.path("Value").path(intrinsic);
                String target = v.isArray() ? v.path(0).asText() : v.asText();
                if (target.equals(logical)) {
                    return true;
                }
            }
        }
        return false;
    }
}
