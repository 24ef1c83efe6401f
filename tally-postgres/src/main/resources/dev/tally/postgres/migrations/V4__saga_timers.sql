-- Saga timers the runtime polls (dev.tally.core.saga.TimerStore): one row per timer until it
-- fired or was cancelled. The id is deterministic, so scheduling again inserts nothing
-- (ON CONFLICT DO NOTHING); the poller reads due rows earliest first through the index.
CREATE TABLE ${schema}.${prefix}saga_timers (
    id         text PRIMARY KEY,
    saga       text NOT NULL,
    saga_id    text NOT NULL,
    name       text NOT NULL,
    due_at     timestamptz NOT NULL,
    payload    text NOT NULL
);
CREATE INDEX ${prefix}saga_timers_due ON ${schema}.${prefix}saga_timers (due_at, id);
