package dev.tally.aws.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import java.util.List;

/** CloudFormation intrinsic functions and IAM statements as JSON. */
public final class Cfn {
    private Cfn() {
    }

    public static ObjectNode ref(String logical) {
        return JsonCodec.object().put("Ref", logical);
    }

    public static ObjectNode getAtt(String logical, String attribute) {
        ObjectNode n = JsonCodec.object();
        n.putArray("Fn::GetAtt").add(logical).add(attribute);
        return n;
    }

    public static ObjectNode sub(String text) {
        return JsonCodec.object().put("Fn::Sub", text);
    }

    /** One Allow statement: these actions on these resources. */
    public static ObjectNode allow(List<String> actions, JsonNode... resources) {
        ObjectNode s = JsonCodec.object();
        s.put("Effect", "Allow");
        ArrayNode a = s.putArray("Action");
        actions.forEach(a::add);
        ArrayNode r = s.putArray("Resource");
        for (JsonNode resource : resources) {
            r.add(resource);
        }
        return s;
    }

    /** "last-month-balance" -> "LastMonthBalance". */
    public static String logicalName(String name) {
        StringBuilder b = new StringBuilder();
        for (String part : name.split("[^A-Za-z0-9]+")) {
            if (!part.isEmpty()) {
                b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return b.toString();
    }
}
