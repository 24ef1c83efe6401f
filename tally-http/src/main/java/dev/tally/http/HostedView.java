package dev.tally.http;

import dev.tally.core.projection.ViewReader;

/** A projection a host serves: its name, the store it reads and where its views are read. */
public record HostedView(String name, String store, ViewReader<?> reader) {
}
