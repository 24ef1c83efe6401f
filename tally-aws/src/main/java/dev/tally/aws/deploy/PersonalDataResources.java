package dev.tally.aws.deploy;

import static dev.tally.aws.deploy.Cfn.allow;
import static dev.tally.aws.deploy.Cfn.getAtt;
import static dev.tally.aws.deploy.Cfn.ref;
import static dev.tally.aws.deploy.Cfn.sub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.dynamodb.TableDefinitions;
import java.util.List;
import java.util.Map;

/** The personal-data part of {@link AppTemplate}: the master key, the wrapped keys' table, and the grants on them. */
final class PersonalDataResources {
    private PersonalDataResources() {
    }

    /**
     * Crypto-shredding on AWS: the KMS key that wraps each subject's data key, and the table of wrapped
     * keys. Both outlive the stack: deleting either makes every sealed value unreadable, which only
     * {@code tally forget} (one subject at a time) may do.
     */
    static void keys(ObjectNode r, String appName, String dataKeysTable) {
        ObjectNode key = r.putObject("DataKeysMasterKey");
        key.put("Type", "AWS::KMS::Key");
        key.put("DeletionPolicy", "Retain");
        key.put("UpdateReplacePolicy", "Retain");
        ObjectNode kp = key.putObject("Properties");
        kp.put("Description", "Tally app '" + appName + "': wraps the data keys of personal data");
        kp.put("EnableKeyRotation", true);
        kp.put("PendingWindowInDays", 30);
        ObjectNode policy = kp.putObject("KeyPolicy");
        policy.put("Version", "2012-10-17");
        // the account administers the key, so that IAM policies (the command and query roles') can grant its use
        ObjectNode admin = policy.putArray("Statement").addObject();
        admin.put("Sid", "TheAccountAdministersTheKeyAndIamPoliciesGrantItsUse");
        admin.put("Effect", "Allow");
        admin.putObject("Principal").set("AWS", sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root"));
        admin.put("Action", "kms:*");
        admin.put("Resource", "*");
        ObjectNode table = TableDefinitions.keyValue(dataKeysTable).cloudFormationResource();
        table.put("DeletionPolicy", "Retain");
        table.put("UpdateReplacePolicy", "Retain");
        ((ObjectNode) table.get("Properties")).put("DeletionProtectionEnabled", true);
        r.set("DataKeysTable", table);
    }

    /** What sealing calls (KmsMasterKey, DynamoDbWrappedKeyStore via SubjectKeys.keyFor), on the app's key and table only. */
    static List<ObjectNode> sealGrants() {
        return List.of(
                // a subject's first data key: GenerateDataKey; a stored one: Decrypt (never Encrypt: rotation is an operator's job)
                allow(List.of("kms:GenerateDataKey", "kms:Decrypt"), getAtt("DataKeysMasterKey", "Arn")),
                // look the subject's wrapped key up, or store a new one (conditional PutItem)
                allow(List.of("dynamodb:GetItem", "dynamodb:PutItem"), getAtt("DataKeysTable", "Arn")));
    }

    /** What revealing calls (SubjectKeys.find): look a subject's wrapped key up and unwrap it; nothing else. */
    static List<ObjectNode> revealGrants() {
        return List.of(
                allow(List.of("kms:Decrypt"), getAtt("DataKeysMasterKey", "Arn")),
                allow(List.of("dynamodb:GetItem"), getAtt("DataKeysTable", "Arn")));
    }

    static Map<String, JsonNode> environment() {
        return TemplateResources.ordered("TALLY_MASTER_KEY_ARN", getAtt("DataKeysMasterKey", "Arn"),
                "TALLY_DATA_KEYS_TABLE", ref("DataKeysTable"));
    }
}
