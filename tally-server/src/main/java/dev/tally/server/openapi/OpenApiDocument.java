package dev.tally.server.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.app.RejectionCode;
import dev.tally.core.app.TallyApp;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.projection.Projection;
import dev.tally.core.saga.Saga;
import dev.tally.core.saga.SagaInput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 document of what a host serves, derived from the hosted apps: for each store a
 * path per command with the JSON Schema of its record and an example body, its aggregate and events
 * with the state and event schemas, each projection's views, each saga's instances (read only, never
 * a command target), the pipeline's routes, every error body, and a bearer scheme when the server
 * needs a token. {@code x-tally} summarises the apps for the console.
 *
 * <pre>{@code
 * ObjectNode doc = OpenApiDocument.of(apps, new OpenApiDocument.Options("tally", "0.1.0", false));
 * }</pre>
 */
public final class OpenApiDocument {

    /**
     * @param title         the document's title (e.g. the served apps' names)
     * @param version       the API's version
     * @param tokenRequired whether every /api route needs {@code Authorization: Bearer <token>}
     */
    public record Options(String title, String version, boolean tokenRequired) {
        public Options {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(version, "version");
        }
    }

    /** The routes of the HTTP API on AWS (tally-aws's AppTemplate): a command, an aggregate, a view. */
    private static final Pattern AWS_ROUTES = Pattern.compile(
            "/api/stores/[^/]+/\\{id}/(commands/[^/]+|aggregate)|/api/views/[^/]+/\\{key}");

    private OpenApiDocument() {
    }

    /** The document of {@code apps} as served with {@code options}. */
    public static ObjectNode of(List<TallyApp> apps, Options options) {
        ObjectNode doc = JsonCodec.object().put("openapi", "3.1.0");
        doc.putObject("info").put("title", options.title()).put("version", options.version()).put("description",
                "Derived from the command, event, state and view records of the apps this server hosts. Every"
                        + " command is POSTed as a JSON object of its record's fields; every error is"
                        + " {\"error\": code, \"message\": text}.");
        ObjectNode paths = doc.putObject("paths");
        ObjectNode components = doc.putObject("components");
        RecordSchemas schemas = new RecordSchemas();
        components.set("schemas", schemas.components());
        ObjectNode responses = components.putObject("responses");
        ErrorBodies.addTo(schemas.components(), responses, options.tokenRequired());
        SharedSchemas.addTo(schemas.components());
        StorePaths stores = new StorePaths(paths, schemas, options.tokenRequired());
        ArrayNode tags = doc.putArray("tags");
        ArrayNode summaries = doc.putObject("x-tally").put("tokenRequired", options.tokenRequired())
                .putArray("apps");
        for (TallyApp app : apps) {
            summaries.add(app(app, stores, schemas, tags));
        }
        PipelinePaths.addTo(paths, options.tokenRequired());
        if (options.tokenRequired()) {
            components.putObject("securitySchemes").putObject("bearer").put("type", "http").put("scheme", "bearer")
                    .put("description", "the token the server was started with (tally serve --token-file)");
            doc.putArray("security").addObject().putArray("bearer");
        }
        return doc;
    }

    /** The document as pretty-printed JSON, e.g. to write it beside a template. */
    public static String toJson(List<TallyApp> apps, Options options) {
        try {
            return JsonCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(of(apps, options));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the OpenAPI document could not be written", e);
        }
    }

    /**
     * The document of the HTTP API {@code tally aws template} deploys for {@code app}: the same schemas,
     * but only the routes the command and query functions answer there (a command, an aggregate, a view).
     */
    public static ObjectNode ofAwsApi(TallyApp app) {
        ObjectNode doc = of(List.of(app), new Options(app.name() + " on AWS", "0.1.0", false));
        ObjectNode paths = (ObjectNode) doc.get("paths");
        List<String> served = new ArrayList<>();
        paths.fieldNames().forEachRemaining(p -> {
            if (AWS_ROUTES.matcher(p).matches()) {
                served.add(p);
            }
        });
        paths.retain(served);
        return doc;
    }

    /**
     * Writes {@link #ofAwsApi} as {@code openapi.json} in the folder of {@code template} (the file
     * {@code tally aws template --out} writes); returns the file written.
     */
    public static Path writeBesideTemplate(Path template, TallyApp app) throws IOException {
        Path folder = template.toAbsolutePath().normalize().getParent();
        Path file = folder.resolve("openapi.json");
        Files.writeString(file, JsonCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(ofAwsApi(app)),
                StandardCharsets.UTF_8);
        return file;
    }

    private static ObjectNode app(TallyApp app, StorePaths stores, RecordSchemas schemas, ArrayNode tags) {
        ObjectNode summary = JsonCodec.object().put("name", app.name());
        ArrayNode storeList = summary.putArray("stores");
        for (AggregateDefinition<?> store : app.stores()) {
            if (store.commandType() == SagaInput.class) {
                continue; // a saga's store: listed with the sagas below
            }
            tags.addObject().put("name", store.name()).put("description", "store '" + store.name() + "' of app '"
                    + app.name() + "'");
            String rejection = rejection(app, store.name(), schemas);
            List<String> views = new ArrayList<>();
            app.projections().stream().filter(p -> p.store().equals(store.name())).forEach(p -> views.add(p.name()));
            storeList.add(stores.store(store, rejection, views));
        }
        ArrayNode projections = summary.putArray("projections");
        for (Projection<?, ?> p : app.projections()) {
            projections.add(stores.projection(p));
        }
        ArrayNode panels = summary.putArray("panels");
        app.consolePanels().forEach(p -> panels.addObject().put("title", p.title()).put("path", p.path())
                .put("description", p.description()));
        ArrayNode sagas = summary.putArray("sagas");
        for (Saga<?, ?> saga : app.sagas()) {
            tags.addObject().put("name", "saga " + saga.name()).put("description", "instances of saga '"
                    + saga.name() + "' of app '" + app.name() + "': read only, its inputs come from its runner");
            sagas.add(stores.saga(saga.definition()));
        }
        return summary;
    }

    private static String rejection(TallyApp app, String store, RecordSchemas schemas) {
        Set<String> codes = new LinkedHashSet<>();
        StringBuilder meanings = new StringBuilder();
        for (RejectionCode c : app.rejectionCodes()) {
            if (c.store().equals(store) && codes.add(c.code()) && !c.meaning().isEmpty()) {
                meanings.append(" '").append(c.code()).append("': ").append(c.meaning()).append('.');
            }
        }
        return ErrorBodies.rejection(schemas.components(), store, codes, meanings.toString());
    }
}
