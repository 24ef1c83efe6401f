package dev.tally.core.app;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.projection.Projection;
import java.util.List;

/**
 * An application that {@code tally serve} (or any host) can run: its event stores, its
 * projections and, if it wants them, HTTP routes of its own. Found with {@link java.util.ServiceLoader}:
 * list the implementing class in {@code META-INF/services/dev.tally.core.app.TallyApp} of the app's jar.
 *
 * <pre>{@code
 * public final class ShopApp implements TallyApp {
 *     public String name() { return "shop"; }
 *     public List<AggregateDefinition<?>> stores() { return List.of(Cart.DEFINITION); }
 *     public List<Projection<?, ?>> projections() { return List.of(Cart.TOTALS); }
 * }
 * }</pre>
 *
 * Every store gets the generic HTTP API ({@code POST /api/stores/{store}/{id}/commands/{Command}}
 * with the command record as JSON, {@code GET /api/stores/{store}/{id}/aggregate}, {@code .../events})
 * and every projection {@code GET /api/views/{projection}/{id}}.
 */
public interface TallyApp {

    /** A short name: letters, digits and '-' (it prefixes the app's tables). */
    String name();

    List<AggregateDefinition<?>> stores();

    List<Projection<?, ?>> projections();

    /**
     * Projections whose views the app wants as rows of a SQL table with typed columns (default none):
     * {@code tally serve --engine postgres} creates and fills each table; other engines keep those
     * views as any other. See {@link dev.tally.core.projection.SqlTable}.
     */
    default List<dev.tally.core.projection.SqlTable<?>> sqlTables() {
        return List.of();
    }

    /**
     * Sagas (process managers) the host runs (default none): each keeps its instances in a store of
     * its name, observes the messages of its filter and sends commands to the stores of any app the
     * host serves, with durable timers.
     */
    default List<dev.tally.core.saga.Saga<?, ?>> sagas() {
        return List.of();
    }

    /**
     * The rejection codes its stores' commands may answer with (default none declared): optional, read
     * only by what describes the app (the OpenAPI document, the console), never by the pipeline.
     */
    default List<RejectionCode> rejectionCodes() {
        return List.of();
    }

    /** Panels of the app's own in the console of {@code tally serve}, each reading one of its routes (default none). */
    default List<ConsolePanel> consolePanels() {
        return List.of();
    }

    /** Routes of the app's own, served beside the generic ones (default none). */
    default List<AppRoute> routes(AppContext context) {
        return List.of();
    }
}
