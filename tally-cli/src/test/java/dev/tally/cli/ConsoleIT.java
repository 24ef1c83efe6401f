package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.tally.core.json.JsonCodec;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The console and the OpenAPI document on an app that is not the bank: the shopping cart that
 * {@code tally new} makes, built with its own (offline) Maven build and served with
 * {@code tally serve --app}. The document parses in an independent OpenAPI parser, lists the cart's
 * commands with their fields and its example bodies validate; in headless Chromium, a command sent
 * through the form generated from its schema shows its event in the timeline and the view updated,
 * a rejection shows its code next to the form, a mistyped field the server's 400 next to that field,
 * and a hold's saga instance shows its timer waiting.
 *
 * <p>Screenshots go to {@code target/console-*.png}; with {@code -Dtally.docsScreenshots=true} they
 * also replace those of {@code docs/images/} (the command is in docs/console.md).
 */
class ConsoleIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void theScaffoldedCartThroughItsDescriptionAndTheConsole() throws Exception {
        Optional<Path> mvn = NewShop.mavenOnPath();
        Assumptions.assumeTrue(mvn.isPresent(), "ConsoleIT builds the project 'tally new' makes with Maven: install"
                + " Maven 3.8+ (e.g. apt-get install maven) to run it");
        // made and packaged once for this class and NewProjectIT (which checks that build)
        NewShop.Made shop = NewShop.packaged(mvn.get());
        assertThat(shop.created().exitCode()).as(shop.created().output()).isZero();
        assertThat(shop.packaged().exitCode()).as(shop.packaged().failure()).isZero();
        Path jar = shop.jar();

        try (TallyProcess tally = TallyProcess.serve("--app", jar.toString(), "--in-memory", "--port", "0")) {
            describedByItsOpenApiDocument(new Http(tally.url()).get("/api/openapi.json").json());
            if (Boolean.getBoolean("tally.skipBrowser")) {
                System.out.println("browser part of ConsoleIT skipped: -Dtally.skipBrowser=true");
                return;
            }
            try (HeadlessChromium chromium = HeadlessChromium.start()) {
                throughTheConsole(chromium, tally);
            }
        }
    }

    private static void describedByItsOpenApiDocument(JsonNode doc) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIParser().readContents(doc.toString(), null, options);
        assertThat(parsed.getMessages()).isEmpty();
        assertThat(parsed.getOpenAPI().getPaths()).containsKeys("/api/stores/cart/{id}/commands/AddItem",
                "/api/stores/cart/{id}/commands/RemoveItem", "/api/views/cart-summary/{key}");
        JsonNode addItem = doc.at("/components/schemas").get("cart.AddItem");
        assertThat(addItem.at("/properties/sku/type").asText()).isEqualTo("string");
        assertThat(addItem.at("/properties/quantity/type").asText()).isEqualTo("integer");
        assertThat(addItem.get("required")).extracting(JsonNode::asText).containsExactly("sku", "quantity");
        assertThat(doc.at("/components/schemas").get("cart.Hold").at("/properties/until/format").asText())
                .isEqualTo("date-time");
        JsonNode app = doc.at("/x-tally/apps/0");
        assertThat(app.get("stores")).extracting(s -> s.get("name").asText()).containsExactly("cart");
        assertThat(app.get("sagas")).extracting(s -> s.get("name").asText()).containsExactly("cart-hold");
        doc.get("paths").fieldNames().forEachRemaining(p -> assertThat(p).as("the saga is no command target")
                .doesNotContain("cart-hold/{id}/commands"));
        List<String> open = new ArrayList<>();
        for (JsonNode command : app.at("/stores/0/commands")) {
            if (command.get("internal").asBoolean()) {
                assertThat(doc.at("/paths").get(command.get("path").asText()).at("/post/x-tally-internal").asBoolean())
                        .isTrue();
                continue;
            }
            String name = command.get("name").asText();
            open.add(name);
            JsonNode example = doc.at("/paths").get(command.get("path").asText())
                    .at("/post/requestBody/content/application~1json/example");
            ObjectNode root = JsonCodec.object().put("$ref", "#/components/schemas/" + command.get("schema").asText());
            root.set("components", doc.get("components"));
            var schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                    .getSchema(root.toString(), InputFormat.JSON);
            assertThat(schema.validate(example.toString(), InputFormat.JSON)).as(name + " " + example).isEmpty();
            assertThat(schema.validate("{}", InputFormat.JSON)).as(name + " without its fields").isNotEmpty();
        }
        assertThat(open).containsExactly("AddItem", "RemoveItem", "Hold", "GiveContact");
    }

    private void throughTheConsole(HeadlessChromium chromium, TallyProcess tally) throws Exception {
        chromium.navigate(tally.url());
        chromium.waitFor("document.getElementById('health').textContent === 'pipeline healthy'", WAIT);
        chromium.waitFor("document.querySelector('.pick[data-kind=store][data-name=cart]') !== null", WAIT);
        String page = chromium.eval("document.body.innerText").asText();
        assertThat(page).doesNotContainIgnoringCase("account").doesNotContainIgnoringCase("counter");
        chromium.eval("document.querySelector('.pick[data-kind=store][data-name=cart]').click()");
        chromium.waitFor("document.getElementById('command-AddItem') !== null", WAIT);

        send(chromium, "AddItem", "c1", "apple", "2");
        chromium.waitFor(result("AddItem") + ".includes('c1 is now at version 1')", WAIT);
        chromium.waitFor("document.querySelector('#timeline tr.event[data-version=\"1\"][data-type=ItemAdded]') !== null",
                WAIT);
        chromium.waitFor("document.querySelector('.view[data-view=cart-summary][data-version=\"1\"]') !== null", WAIT);
        assertThat(chromium.eval("document.querySelector('.view[data-view=cart-summary] pre').textContent").asText())
                .contains("\"items\": 2");
        assertThat(chromium.eval("document.getElementById('state').textContent").asText()).contains("\"apple\": 2");

        send(chromium, "AddItem", "c1", "pear", "1");
        chromium.waitFor("document.querySelector('#timeline tr.event[data-version=\"2\"]') !== null", WAIT);
        chromium.waitFor("document.querySelector('#diff tr.change') !== null"
                + " && document.getElementById('diff').textContent.includes('items.pear')", WAIT);
        chromium.eval("document.querySelector('#aggregates tr.row[data-id=c1]') && window.scrollTo(0, 0)");
        screenshot(chromium, "console-cart.png");

        send(chromium, "RemoveItem", "c1", "apple", "5");
        chromium.waitFor(result("RemoveItem") + ".includes('not_in_cart')", WAIT);
        assertThat(chromium.eval(result("RemoveItem")).asText()).startsWith("Rejected: not_in_cart")
                .contains("the cart holds 2");
        assertThat(chromium.eval("document.querySelector('#command-RemoveItem .result').className").asText())
                .contains("error");

        send(chromium, "AddItem", "c1", "plum", "two");
        String quantity = "document.querySelector('#command-AddItem .field[data-field=quantity]')";
        chromium.waitFor(quantity + ".classList.contains('invalid')", WAIT);
        assertThat(chromium.eval(quantity + ".querySelector('.field-error').textContent").asText())
                .contains("quantity");
        assertThat(chromium.eval("document.querySelector('#command-AddItem .field[data-field=sku] .field-error')"
                + ".textContent").asText()).as("only the mistyped field shows the error").isEmpty();
        assertThat(chromium.eval("document.querySelectorAll('#timeline tr.event').length").asInt())
                .as("neither the rejection nor the 400 appended").isEqualTo(2);
        chromium.eval("document.getElementById('command-AddItem').scrollIntoView()");
        screenshot(chromium, "console-errors.png");

        // a hold: the cart-hold saga follows it and waits for its timer
        String until = java.time.Instant.now().plus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString();
        chromium.eval("document.querySelector('#command-Hold [data-path=until]').value = '" + until + "';"
                + "document.querySelector('#command-Hold button[type=submit]').click();");
        chromium.waitFor(result("Hold") + ".includes('c1 is now at version 3')", WAIT);
        chromium.eval("document.querySelector('.pick[data-kind=saga][data-name=\"cart-hold\"]').click()");
        chromium.waitFor("document.getElementById('commands-box').classList.contains('hidden')", WAIT);
        chromium.eval("document.getElementById('search-id').value = 'c1';"
                + "document.querySelector('#search button[type=submit]').click();");
        chromium.waitFor("document.getElementById('inspect-id').textContent === 'cart-hold/c1'", WAIT);
        chromium.waitFor("[...document.querySelectorAll('#pending li.pending')].some(li =>"
                + " li.dataset.kind.startsWith('timer') && li.textContent.includes('hold-'))", WAIT);
        chromium.waitFor("document.querySelector('#timeline tr.event[data-type=HoldSeen]') !== null", WAIT);
        chromium.eval("document.getElementById('inspector').scrollIntoView()");
        screenshot(chromium, "console-saga.png");
    }

    private static void send(HeadlessChromium chromium, String command, String id, String sku, String quantity)
            throws Exception {
        String form = "document.getElementById('command-" + command + "')";
        chromium.eval("document.getElementById('command-id').value = '" + id + "';"
                + form + ".querySelector('[data-path=sku]').value = '" + sku + "';"
                + form + ".querySelector('[data-path=quantity]').value = '" + quantity + "';"
                + form + ".querySelector('.result').textContent = '';"
                + form + ".querySelector('button[type=submit]').click();");
    }

    private static String result(String command) {
        return "document.querySelector('#command-" + command + " .result').textContent";
    }

    private static void screenshot(HeadlessChromium chromium, String name) throws Exception {
        Path shot = Path.of("target", name);
        chromium.screenshot(shot);
        assertThat(Files.size(shot)).isGreaterThan(10_000);
        if (Boolean.getBoolean("tally.docsScreenshots")) {
            Path docs = Path.of("..", "docs", "images", name);
            Files.createDirectories(docs.getParent());
            Files.copy(shot, docs, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
