package dev.tally.dynamodb;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * An SDK HTTP client for tests that sends requests to a real DynamoDB (Local) and injects the
 * faults of a real network and a real service, for the operations it is told to:
 * <ul>
 *   <li>{@link Fault#LOSE_RESPONSE}: the request is executed (the server commits), the answer is
 *       lost (a reset connection), so the SDK retries a write that already happened;</li>
 *   <li>{@link Fault#DROP_REQUEST}: the connection fails before the request is sent;</li>
 *   <li>{@link Fault#THROTTLE}, {@link Fault#SERVER_ERROR}, {@link Fault#TRANSACTION_CONFLICT}: the
 *       request is not executed and answered with a 400 ProvisionedThroughputExceeded, a 500, or a
 *       400 TransactionConflictException.</li>
 * </ul>
 * After a lost response, the next request of the same operation (the SDK's retry) is answered
 * with one of the error answers half of the time: the case where the retry's answer says nothing
 * about the first try. Seeded, so a failing run can be replayed.
 */
final class FaultInjectingHttpClient implements SdkHttpClient {
    enum Fault { LOSE_RESPONSE, DROP_REQUEST, THROTTLE, SERVER_ERROR, TRANSACTION_CONFLICT }

    private static final Fault[] ANSWERS = {Fault.THROTTLE, Fault.SERVER_ERROR, Fault.TRANSACTION_CONFLICT};

    private final SdkHttpClient delegate = UrlConnectionHttpClient.create();
    private final Random random;
    private final double rate;
    private final Set<String> operations;
    private final Map<Fault, AtomicInteger> injected = new EnumMap<>(Fault.class);
    private volatile String lastLost;
    private volatile boolean enabled = true;

    /**
     * @param rate       the chance that a request of one of {@code operations} gets a fault
     * @param operations DynamoDB operation names, e.g. "PutItem", "TransactWriteItems", "Query"
     */
    FaultInjectingHttpClient(long seed, double rate, Set<String> operations) {
        this.random = new Random(seed);
        this.rate = rate;
        this.operations = Set.copyOf(operations);
        for (Fault f : Fault.values()) {
            injected.put(f, new AtomicInteger());
        }
    }

    /** Turns the faults on or off (off: a plain client, e.g. to check what is stored). */
    void enabled(boolean on) {
        this.enabled = on;
    }

    int injected(Fault fault) {
        return injected.get(fault).get();
    }

    int injectedTotal() {
        return injected.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        String operation = request.httpRequest().firstMatchingHeader("X-Amz-Target")
                .map(t -> t.substring(t.indexOf('.') + 1)).orElse("");
        Fault fault = pick(operation);
        ExecutableHttpRequest real = fault == null || fault == Fault.LOSE_RESPONSE ? delegate.prepareRequest(request)
                : null;
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() throws IOException {
                if (fault == null) {
                    return real.call();
                }
                injected.get(fault).incrementAndGet();
                switch (fault) {
                    case LOSE_RESPONSE -> {
                        HttpExecuteResponse response = real.call();
                        response.responseBody().ifPresent(FaultInjectingHttpClient::discard);
                        lastLost = operation;
                        throw new IOException("connection reset (injected: " + operation + " executed, answer lost)");
                    }
                    case DROP_REQUEST -> throw new IOException("connection refused (injected: " + operation
                            + " not sent)");
                    case THROTTLE -> {
                        return answer(400, "ProvisionedThroughputExceededException", "injected throttling");
                    }
                    case SERVER_ERROR -> {
                        return answer(500, "InternalServerError", "injected server error");
                    }
                    default -> {
                        return answer(400, "TransactionConflictException",
                                "Transaction is ongoing for the item (injected)");
                    }
                }
            }

            @Override
            public void abort() {
                if (real != null) {
                    real.abort();
                }
            }
        };
    }

    private synchronized Fault pick(String operation) {
        if (!enabled || !operations.contains(operation)) {
            return null;
        }
        if (operation.equals(lastLost)) {
            lastLost = null;
            if (random.nextBoolean()) {
                return ANSWERS[random.nextInt(ANSWERS.length)];
            }
        }
        if (random.nextDouble() >= rate) {
            return null;
        }
        Fault[] all = Fault.values();
        return all[random.nextInt(all.length)];
    }

    private static HttpExecuteResponse answer(int status, String type, String message) {
        return answer(status, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#" + type + "\",\"message\":\""
                + message + "\"}");
    }

    /** An answer of DynamoDB's JSON protocol with this status and body, as the service would send it. */
    static HttpExecuteResponse answer(int status, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return HttpExecuteResponse.builder()
                .response(SdkHttpResponse.builder().statusCode(status)
                        .putHeader("Content-Type", "application/x-amz-json-1.0")
                        .putHeader("x-amzn-RequestId", "injected-fault")
                        .putHeader("Content-Length", Integer.toString(body.length))
                        .build())
                .responseBody(AbortableInputStream.create(new ByteArrayInputStream(body)))
                .build();
    }

    /** Closes an answer's body that is thrown away. */
    static void discard(AbortableInputStream body) {
        try {
            body.close();
        } catch (IOException ignored) {
            // thrown away anyway
        }
    }

    @Override
    public void close() {
        delegate.close();
    }
}
