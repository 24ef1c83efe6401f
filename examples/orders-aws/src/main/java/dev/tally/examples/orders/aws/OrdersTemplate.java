package dev.tally.examples.orders.aws;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.deploy.AppTemplate;

/**
 * Renders {@code deploy/orders.template.json}, the AWS SAM template of the orders app with its saga
 * (function, rule, schedule group and scheduler role), with the generator every app uses.
 *
 * <pre>
 * java -cp examples/orders-aws/target/tally-orders-lambda.jar dev.tally.examples.orders.aws.OrdersTemplate \
 *      > deploy/orders.template.json
 * </pre>
 */
public final class OrdersTemplate {
    /** The Lambda jar, relative to deploy/. */
    public static final String CODE = "../examples/orders-aws/target/tally-orders-lambda.jar";

    private OrdersTemplate() {
    }

    public static void main(String[] args) {
        System.out.print(generator().json());
    }

    public static AppTemplate generator() {
        return new AppTemplate(new OrdersOnAws(), CODE);
    }

    public static ObjectNode render() {
        return generator().render();
    }
}
