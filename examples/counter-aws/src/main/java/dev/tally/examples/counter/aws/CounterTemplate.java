package dev.tally.examples.counter.aws;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.deploy.AppTemplate;
import dev.tally.examples.counter.CounterApp;

/**
 * Renders {@code deploy/counter.template.json}, the AWS SAM template of the counter, with the
 * generator every app uses. Its functions are tally-aws's generic ones; the jar holds the counter app.
 *
 * <pre>
 * java -cp examples/counter-aws/target/tally-counter-lambda.jar dev.tally.examples.counter.aws.CounterTemplate \
 *      > deploy/counter.template.json
 * </pre>
 */
public final class CounterTemplate {
    /** The Lambda jar, relative to deploy/. */
    public static final String CODE = "../examples/counter-aws/target/tally-counter-lambda.jar";

    private CounterTemplate() {
    }

    public static void main(String[] args) {
        System.out.print(generator().json());
    }

    public static AppTemplate generator() {
        return new AppTemplate(new CounterApp(), CODE);
    }

    public static ObjectNode render() {
        return generator().render();
    }
}
