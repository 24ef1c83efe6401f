package dev.tally.core.app;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ViewReader;

/** What a host gives an app's own routes: its running stores and the views of its projections. */
public interface AppContext {
    <S> EventStore<S> store(AggregateDefinition<S> definition);

    <V> ViewReader<V> views(Projection<?, V> projection);
}
