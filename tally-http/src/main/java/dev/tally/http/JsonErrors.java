package dev.tally.http;

import com.fasterxml.jackson.core.JsonProcessingException;

/** A parse error in the client's terms: what was wrong and where, without the parser's own vocabulary. */
final class JsonErrors {
    private JsonErrors() {
    }

    static String describe(Exception e) {
        String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        String first = String.valueOf(message).split("\n")[0];
        // the parser names its own types and features ("(class ...)", "JsonReadFeature..."): keep what the client can act on
        first = first.replaceAll("\\s*\\(start marker at .*$", "").replaceAll("\\[Source:[^\\]]*\\]", "")
                .replaceAll("`?\\w+Feature\\.\\w+`?", "").replaceAll("\\s*\\(for [^)]*\\)", "").replaceAll("\\s*\\(class [^)]*\\)", "")
                .replaceAll("\\s*\\(?JsonReadFeature\\.[A-Z_]+[^)]*\\)?", "")
                .replaceAll("com\\.fasterxml\\.[\\w.$]+", "").replaceAll("\\s*\\(code [0-9]+\\)", "");
        if (e instanceof JsonProcessingException j && j.getLocation() != null && j.getLocation().getLineNr() > 0) {
            first += " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr();
        }
        return first.trim();
    }
}
