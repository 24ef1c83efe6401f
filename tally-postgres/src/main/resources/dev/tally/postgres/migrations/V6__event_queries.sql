-- Event queries (PostgresEventQueries: GET /api/events, tally events, tally trace). Every query
-- answers in one order, timestamp then (store, aggregate_id, version), and pages by keyset on it,
-- so each index ends with those columns. ${schema} and ${prefix} are replaced by PostgresSchema.
--
-- Each index costs one more index entry per appended event. CREATE INDEX takes a lock that blocks
-- appends while it builds; on a large ledger create them first by hand with CREATE INDEX
-- CONCURRENTLY and the same names, and this migration keeps them (IF NOT EXISTS).

-- "every Credited, whatever the store"
CREATE INDEX IF NOT EXISTS ${prefix}events_type_time
    ON ${schema}.${prefix}events (type, recorded_at, store, aggregate_id, version);
-- "everything one request caused", in the order it happened (only events with a correlation id)
CREATE INDEX IF NOT EXISTS ${prefix}events_correlation_time
    ON ${schema}.${prefix}events ((metadata ->> 'correlationId'), recorded_at, store, aggregate_id, version)
    WHERE (metadata ->> 'correlationId') IS NOT NULL;
-- "what happened between 10:00 and 10:05"
CREATE INDEX IF NOT EXISTS ${prefix}events_time
    ON ${schema}.${prefix}events (recorded_at, store, aggregate_id, version);
