package dev.tally.core.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals personal fields on append and reveals them where they are read.
 *
 * <p>A sealed field is a string: {@code tally:pii:1:<subject>:<keyId>:<iv+ciphertext>} (subject in
 * base64url, the rest AES-256-GCM under the subject's data key, the subject as associated data).
 * Events are decoded, folded and projected with the sealed strings in place of the values, so every
 * copy made downstream (aggregate states, snapshots, state-carrying messages, views, dead letters,
 * logs) carries only the sealed form. The plain value exists only where a reader asks for it with
 * {@link #reveal}; once the subject's key is forgotten, reveal gives the placeholder instead.
 */
public final class PersonalData {
    public static final String PREFIX = "tally:pii:1:";
    /** What readers of events show in place of a value whose key was destroyed. */
    public static final String FORGOTTEN = "(forgotten)";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final SubjectKeys keys;

    public PersonalData(SubjectKeys keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    public SubjectKeys keys() {
        return keys;
    }

    /** A revealed tree, and whether any sealed value in it could not be opened (its key was forgotten). */
    public record Revealed(JsonNode value, boolean forgotten) {
    }

    /**
     * The payload with its personal fields sealed. A null or missing field stays as it is; a field
     * already sealed (an event appended again, e.g. by a copy tool) is kept.
     *
     * @param where the event's coordinates, for error messages
     */
    public ObjectNode seal(String aggregateId, PersonalFields fields, ObjectNode payload, String where) {
        String subject = aggregateId;
        if (fields.subjectField() != null) {
            JsonNode s = payload.get(fields.subjectField());
            if (s == null || !s.isTextual() || s.asText().isEmpty()) {
                throw new IllegalArgumentException(where + ": the subject field '" + fields.subjectField()
                        + "' must be a non-empty string naming whose personal data this is, got " + s);
            }
            subject = s.asText();
        }
        ObjectNode out = null;
        SubjectKeys.DataKey key = null;
        for (String f : fields.fields()) {
            JsonNode v = payload.get(f);
            if (v == null || v.isNull() || isSealed(v)) {
                continue;
            }
            if (!v.isTextual()) {
                throw new IllegalArgumentException(where + ": personal field '" + f + "' must be a string, got "
                        + v.getNodeType() + "; declare only String components as personal");
            }
            if (key == null) {
                key = keys.keyFor(subject);
                out = payload.deepCopy();
            }
            out.put(f, seal(key, v.asText()));
        }
        return out == null ? payload : out;
    }

    /** Seals one value with the subject's key. */
    public String seal(String subject, String plain) {
        return seal(keys.keyFor(subject), plain);
    }

    private static String seal(SubjectKeys.DataKey key, String plain) {
        try {
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key.key(), new GCMParameterSpec(128, iv));
            c.updateAAD(key.subject().getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            byte[] body = Arrays.copyOf(iv, iv.length + ct.length);
            System.arraycopy(ct, 0, body, iv.length, ct.length);
            return PREFIX + B64.encodeToString(key.subject().getBytes(StandardCharsets.UTF_8)) + ":" + key.keyId()
                    + ":" + B64.encodeToString(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed: " + e.getMessage(), e);
        }
    }

    /** The plain value of one sealed string; empty when its key was forgotten. */
    public Optional<String> open(String sealed) {
        Token t = Token.parse(sealed);
        Optional<SubjectKeys.DataKey> key = keys.find(t.subject());
        if (key.isEmpty() || !key.get().keyId().equals(t.keyId())) {
            return Optional.empty();
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key.get().key(), new GCMParameterSpec(128, t.body(), 0, 12));
            c.updateAAD(t.subject().getBytes(StandardCharsets.UTF_8));
            return Optional.of(new String(c.doFinal(t.body(), 12, t.body().length - 12), StandardCharsets.UTF_8));
        } catch (AEADBadTagException e) {
            throw new IllegalStateException("a sealed value of subject '" + t.subject() + "' does not open with its key "
                    + t.keyId() + ": it was altered", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed: " + e.getMessage(), e);
        }
    }

    /**
     * The tree with every sealed string replaced by its plain value, or by {@code placeholder} when
     * its key was forgotten (a JSON null when {@code placeholder} is null).
     */
    public Revealed reveal(JsonNode tree, JsonNode placeholder) {
        if (subjectsIn(tree).isEmpty()) {
            return new Revealed(tree, false); // nothing sealed: the tree as it is
        }
        JsonNode p = placeholder == null ? JsonNodeFactory.instance.nullNode() : placeholder;
        boolean[] forgotten = {false};
        JsonNode out = reveal(tree, p, forgotten);
        return new Revealed(out, forgotten[0]);
    }

    private JsonNode reveal(JsonNode n, JsonNode placeholder, boolean[] forgotten) {
        if (n == null) {
            return null;
        }
        if (isSealed(n)) {
            Optional<String> plain = open(n.asText());
            if (plain.isEmpty()) {
                forgotten[0] = true;
                return placeholder;
            }
            return JsonNodeFactory.instance.textNode(plain.get());
        }
        if (n.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                copy.set(f.getKey(), reveal(f.getValue(), placeholder, forgotten));
            }
            return copy;
        }
        if (n.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            n.forEach(e -> copy.add(reveal(e, placeholder, forgotten)));
            return copy;
        }
        return n;
    }

    /** Whether a value is a sealed string. */
    public static boolean isSealed(JsonNode n) {
        return n != null && n.isTextual() && isSealed(n.asText());
    }

    public static boolean isSealed(String s) {
        return s != null && s.startsWith(PREFIX);
    }

    /** The subjects whose sealed values a tree holds. */
    public static Set<String> subjectsIn(JsonNode tree) {
        Set<String> out = new TreeSet<>();
        collect(tree, out);
        return out;
    }

    /** The subject a sealed string belongs to. */
    public static String subjectOf(String sealed) {
        return Token.parse(sealed).subject();
    }

    private static void collect(JsonNode n, Set<String> out) {
        if (n == null) {
            return;
        }
        if (isSealed(n)) {
            out.add(Token.parse(n.asText()).subject());
        } else if (n.isContainerNode()) {
            n.forEach(c -> collect(c, out));
        }
    }

    private record Token(String subject, String keyId, byte[] body) {
        static Token parse(String s) {
            String[] parts = s.substring(PREFIX.length()).split(":", -1);
            try {
                if (parts.length == 3) {
                    byte[] body = B64D.decode(parts[2]);
                    if (body.length >= 12 + 16) {
                        return new Token(new String(B64D.decode(parts[0]), StandardCharsets.UTF_8), parts[1], body);
                    }
                }
            } catch (IllegalArgumentException notBase64) {
                // fall through
            }
            throw new IllegalArgumentException("malformed sealed value '" + (s.length() > 60 ? s.substring(0, 60)
                    + "..." : s) + "': expected " + PREFIX + "<subject>:<keyId>:<ciphertext>");
        }
    }
}
