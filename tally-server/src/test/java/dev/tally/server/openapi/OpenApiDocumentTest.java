package dev.tally.server.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.tally.core.app.TallyApp;
import dev.tally.core.json.JsonCodec;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenApiDocumentTest {
    private static final List<TallyApp> APPS = List.of(new LibraryApp());
    private final ObjectNode doc = OpenApiDocument.of(APPS, new OpenApiDocument.Options("library", "1", false));

    @Test
    void an_independent_parser_reads_the_document_without_a_message() {
        SwaggerParseResult result = parse(doc);
        assertThat(result.getMessages()).isEmpty();
        OpenAPI api = result.getOpenAPI();
        assertThat(api.getOpenapi()).isEqualTo("3.1.0");
        assertThat(api.getPaths()).containsKeys("/api/stores/book/{id}/commands/Acquire",
                "/api/stores/book/{id}/aggregate", "/api/stores/book/{id}/events", "/api/views/shelf/{key}",
                "/api/stores/reminders/{id}/aggregate", "/api/openapi.json", "/api/dead-letters/{id}/redrive");
        assertThat(api.getComponents().getSchemas()).containsKeys("book.Acquire", "book.Lend", "Member", "Format",
                "Tag", "Book", "Shelf", "Reminder", "book.Rejection", "InvalidCommand", "Error");

        ObjectNode broken = doc.deepCopy(); // the parser does check: a dangling reference is reported
        ((ObjectNode) broken.at("/components/schemas")).remove("Member");
        ((ObjectNode) broken.at("/paths/~1api~1stores/get")).remove("responses");
        assertThat(parse(broken).getMessages()).isNotEmpty();
    }

    @Test
    void a_command_schema_has_every_component_typed_and_required_and_nothing_else() {
        JsonNode acquire = schema("book.Acquire");
        assertThat(acquire.get("required")).extracting(JsonNode::asText)
                .containsExactly("title", "format", "priceCents", "authors", "shelf");
        assertThat(acquire.get("additionalProperties").asBoolean(true)).isFalse();
        JsonNode p = acquire.get("properties");
        assertThat(p.at("/title/type").asText()).isEqualTo("string");
        assertThat(p.at("/format/$ref").asText()).isEqualTo("#/components/schemas/Format");
        assertThat(p.at("/priceCents/type").asText()).isEqualTo("integer");
        assertThat(p.at("/authors/uniqueItems").asBoolean()).isTrue();
        assertThat(p.at("/shelf/$ref").asText()).isEqualTo("#/components/schemas/Tag");
        assertThat(schema("Format").get("enum")).extracting(JsonNode::asText)
                .containsExactly("HARDCOVER", "PAPERBACK", "EBOOK");
        assertThat(schema("Tag").at("/properties/children/items/$ref").asText()).isEqualTo("#/components/schemas/Tag");
        JsonNode lend = schema("book.Lend").get("properties");
        assertThat(lend.at("/due/format").asText()).isEqualTo("date-time");
        assertThat(lend.at("/member/$ref").asText()).isEqualTo("#/components/schemas/Member");
        assertThat(lend.at("/notes/additionalProperties/type").asText()).isEqualTo("integer");
        assertThat(schema("book.Return").at("/properties/rating/type").asText()).isEqualTo("number");
        JsonNode fine = schema("book.Fine").get("properties");
        assertThat(fine.at("/reference/format").asText()).isEqualTo("uuid");
        assertThat(fine.at("/witnesses/items/$ref").asText()).isEqualTo("#/components/schemas/Member");
    }

    @Test
    void every_open_command_has_an_example_that_validates_and_that_the_command_record_binds() {
        JsonNode commands = doc.at("/x-tally/apps/0/stores/0/commands");
        List<String> checked = new ArrayList<>();
        for (JsonNode c : commands) {
            if (c.get("internal").asBoolean()) {
                continue;
            }
            JsonNode body = doc.at("/paths").get(c.get("path").asText()).at("/post/requestBody/content/application~1json");
            assertThat(body.at("/schema/$ref").asText()).isEqualTo("#/components/schemas/" + c.get("schema").asText());
            JsonNode example = body.get("example");
            assertThat(errors(c.get("schema").asText(), example)).as(c + " example " + example).isEmpty();
            Class<?> record = LibraryApp.BOOKS.commandTypes().get(c.get("name").asText());
            assertThat(JsonCodec.fromTree(example, record)).isInstanceOf(record);
            checked.add(c.get("name").asText());
        }
        assertThat(checked).containsExactly("Acquire", "Lend", "Return", "Fine");
    }

    @Test
    void the_schemas_refuse_what_the_binding_refuses() {
        ObjectNode example = (ObjectNode) doc.at("/paths").get("/api/stores/book/{id}/commands/Lend")
                .at("/post/requestBody/content/application~1json/example").deepCopy();
        assertThat(errors("book.Lend", example)).isEmpty();
        assertThat(errors("book.Lend", example.deepCopy().put("days", "three"))).isNotEmpty();
        assertThat(errors("book.Lend", example.deepCopy().put("due", "next tuesday"))).isNotEmpty();
        assertThat(errors("book.Lend", example.deepCopy().put("extra", 1))).isNotEmpty();
        ObjectNode missing = example.deepCopy();
        missing.remove("member");
        assertThat(errors("book.Lend", missing)).isNotEmpty();
        ObjectNode badMember = example.deepCopy();
        ((ObjectNode) badMember.get("member")).put("name", 5);
        assertThat(errors("book.Lend", badMember)).isNotEmpty();
        assertThat(errors("book.Acquire", JsonCodec.object().put("title", "t").put("format", "SCROLL")
                .put("priceCents", 100).set("shelf", JsonCodec.object()))).isNotEmpty();
        assertThat(errors("book.Acquire", JsonCodec.object().put("title", "t").put("format", "EBOOK")
                .put("priceCents", 1.5).set("authors", JsonCodec.mapper().createArrayNode()))).isNotEmpty();
    }

    @Test
    void an_internal_command_is_marked_and_refused_and_a_saga_is_no_command_target() {
        JsonNode reserve = doc.at("/paths").get("/api/stores/book/{id}/commands/Reserve").get("post");
        assertThat(reserve.get("x-tally-internal").asBoolean()).isTrue();
        assertThat(reserve.has("requestBody")).isFalse();
        assertThat(reserve.get("responses").fieldNames()).toIterable().containsExactly("403");
        List<String> paths = new ArrayList<>();
        doc.get("paths").fieldNames().forEachRemaining(paths::add);
        assertThat(paths).filteredOn(p -> p.startsWith("/api/stores/reminders/")).containsExactlyInAnyOrder(
                "/api/stores/reminders/{id}/aggregate", "/api/stores/reminders/{id}/events");
        JsonNode app = doc.at("/x-tally/apps/0");
        assertThat(app.get("stores")).extracting(s -> s.get("name").asText()).containsExactly("book");
        assertThat(app.at("/sagas/0/name").asText()).isEqualTo("reminders");
        assertThat(app.at("/sagas/0/state").asText()).isEqualTo("Reminder");
        assertThat(app.at("/stores/0/views/0").asText()).isEqualTo("shelf");
        assertThat(app.at("/panels/0/path").asText()).isEqualTo("/api/loans");
    }

    @Test
    void the_declared_rejection_codes_and_every_error_body_are_described() {
        assertThat(schema("book.Rejection").at("/properties/error/enum")).extracting(JsonNode::asText)
                .containsExactly("already_lent", "not_lent", "idempotency_key_reused");
        JsonNode responses = doc.at("/paths").get("/api/stores/book/{id}/commands/Lend").at("/post/responses");
        assertThat(responses.fieldNames()).toIterable()
                .contains("200", "400", "403", "404", "409", "422", "503").doesNotContain("401", "412");
        assertThat(responses.at("/400/$ref").asText()).isEqualTo("#/components/responses/InvalidCommand");
        assertThat(errors("InvalidCommand", JsonCodec.object().put("error", "invalid_command")
                .put("message", "field 'days' must be a whole number"))).isEmpty();
        assertThat(errors("InvalidCommand", JsonCodec.object().put("error", "not_found").put("message", "m")))
                .isNotEmpty();
        assertThat(doc.has("security")).isFalse();
    }

    @Test
    void a_server_with_a_token_says_so_in_a_security_scheme() {
        ObjectNode guarded = OpenApiDocument.of(APPS, new OpenApiDocument.Options("library", "1", true));
        assertThat(parse(guarded).getMessages()).isEmpty();
        assertThat(guarded.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        assertThat(guarded.at("/security/0").has("bearer")).isTrue();
        assertThat(guarded.at("/paths").get("/api/stores/book/{id}/commands/Lend").at("/post/responses").has("401"))
                .isTrue();
    }

    @Test
    void the_aws_document_has_only_the_routes_the_functions_answer_and_is_written_beside_the_template(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path written = OpenApiDocument.writeBesideTemplate(dir.resolve("template.json"), new LibraryApp());
        assertThat(written).isEqualTo(dir.resolve("openapi.json"));
        JsonNode aws = JsonCodec.parse(java.nio.file.Files.readString(written));
        assertThat(parse(aws).getMessages()).isEmpty();
        List<String> paths = new ArrayList<>();
        aws.get("paths").fieldNames().forEachRemaining(paths::add);
        assertThat(paths).containsExactlyInAnyOrder("/api/stores/book/{id}/commands/Acquire",
                "/api/stores/book/{id}/commands/Lend", "/api/stores/book/{id}/commands/Return",
                "/api/stores/book/{id}/commands/Fine", "/api/stores/book/{id}/commands/Reserve",
                "/api/stores/book/{id}/aggregate", "/api/stores/reminders/{id}/aggregate", "/api/views/shelf/{key}");
    }

    private JsonNode schema(String name) {
        return doc.at("/components/schemas").get(name);
    }

    /** Validates {@code instance} against component {@code name}, resolving references inside the document. */
    private List<Error> errors(String name, JsonNode instance) {
        ObjectNode root = JsonCodec.object().put("$schema", "https://json-schema.org/draft/2020-12/schema")
                .put("$ref", "#/components/schemas/" + name);
        root.set("components", doc.get("components"));
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(root.toString(), InputFormat.JSON);
        return schema.validate(instance.toString(), InputFormat.JSON, ctx -> ctx.executionConfig(c -> c.formatAssertionsEnabled(true)));
    }

    private static SwaggerParseResult parse(JsonNode document) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        return new OpenAPIParser().readContents(document.toString(), null, options);
    }

}
