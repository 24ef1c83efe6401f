package dev.tally.http;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A route: method, a pattern on the raw path, whether it writes, and what answers it. */
public record Route(String method, Pattern path, boolean write, Handler handler) {

    public static Route of(String method, String path, boolean write, Handler handler) {
        return new Route(method, Pattern.compile(path), write, handler);
    }

    /** Answers a request whose raw path matched; groups are still %-encoded. */
    @FunctionalInterface
    public interface Handler {
        HttpResponse handle(HttpRequest request, Matcher path) throws Exception;
    }
}
