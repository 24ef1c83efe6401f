package dev.tally.postgres;

import dev.tally.core.Page;
import dev.tally.core.projection.Versioned;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Keyset paging: read one row more than the page holds; if it came, the page's last key is where
 * the next page starts. The cursor given out is that key, opaque ({@code k} and the key's UTF-8 in
 * unpadded base64url): a cursor this code did not give out is refused, as by the other engines.
 */
final class KeysetPage {
    private static final String PREFIX = "k";

    private KeysetPage() {
    }

    static <V> Page<Versioned<V>> of(List<Versioned<V>> readOneMore, int size) {
        if (readOneMore.size() > size) {
            List<Versioned<V>> page = readOneMore.subList(0, size);
            return new Page<>(page, cursor(page.get(page.size() - 1).key()));
        }
        return new Page<>(readOneMore, null);
    }

    static String cursor(String key) {
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    /** The key a cursor of {@link #of} stands for ("" for none: the first page). */
    static String key(String cursor) {
        if (cursor == null) {
            return "";
        }
        try {
            if (cursor.startsWith(PREFIX)) {
                String key = new String(Base64.getUrlDecoder().decode(cursor.substring(PREFIX.length())),
                        StandardCharsets.UTF_8);
                if (cursor(key).equals(cursor)) {
                    return key;
                }
            }
        } catch (IllegalArgumentException notBase64) {
            // refused below
        }
        throw new IllegalArgumentException("invalid page cursor '" + cursor + "': pass back the nextCursor of the"
                + " previous page unchanged, or leave it out for the first page");
    }
}
