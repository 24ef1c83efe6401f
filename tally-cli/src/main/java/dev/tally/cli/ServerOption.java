package dev.tally.cli;

import picocli.CommandLine.Option;

/** The running server a command reads from or acts through ({@code --url}); TALLY_TOKEN is sent when set. */
final class ServerOption {
    @Option(names = "--url", defaultValue = ConnectionOptions.DEFAULT_URL, description = "the server (default:"
            + " ${DEFAULT-VALUE}); TALLY_TOKEN is sent when set")
    String url;

    ApiClient api() {
        return new ApiClient(url, System.getenv("TALLY_TOKEN"));
    }
}
