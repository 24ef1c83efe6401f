package dev.tally.examples.bank.aws;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.deploy.AppTemplate;
import dev.tally.examples.bank.BankApp;

/**
 * Renders {@code deploy/template.json}, the AWS SAM template of the bank, with the generator every
 * app uses ({@link AppTemplate}): from the app's stores and projections, so the deployment cannot
 * drift from them ({@code BankTemplateTest} fails when the committed file differs from this rendering).
 *
 * <pre>
 * java -cp examples/bank-aws/target/tally-bank-lambda.jar dev.tally.examples.bank.aws.BankTemplate \
 *      > deploy/template.json
 * </pre>
 */
public final class BankTemplate {
    /** The Lambda jar, relative to deploy/. */
    public static final String CODE = "../examples/bank-aws/target/tally-bank-lambda.jar";
    public static final String STREAM_FILTER = AppTemplate.STREAM_FILTER;

    private BankTemplate() {
    }

    public static void main(String[] args) {
        System.out.print(generator().json());
    }

    public static AppTemplate generator() {
        return new AppTemplate(new BankApp(), CODE);
    }

    public static ObjectNode render() {
        return generator().render();
    }
}
