package dev.tally.bench;

import java.util.HashMap;
import java.util.Map;

/** "--name value" pairs for the benchmark mains, with defaults. */
public final class Args {
    private final Map<String, String> values = new HashMap<>();

    public Args(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'");
            }
            values.put(args[i].substring(2), args[++i]);
        }
    }

    /** A comma-separated list option, e.g. "--parts a,b". */
    public java.util.Set<String> set(String name, String fallback) {
        return new java.util.HashSet<>(java.util.List.of(values.getOrDefault(name, fallback).split(",")));
    }

    public String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public int integer(String name, int fallback) {
        String v = values.get(name);
        try {
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, got '" + v + "'");
        }
    }
}
