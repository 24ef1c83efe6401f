-- Tally ledger, snapshots, checkpoints and generic views.
-- ${schema} and ${prefix} are replaced by PostgresSchema (defaults: public, tally_).

-- The ledger. One row per event; the key (store, aggregate_id, version) makes a second writer of
-- the same version fail (SQLSTATE 23505), which the adapter reports as a VersionConflict.
--
-- position is the global order read by the change feed: the writing transaction's id (xid8) times
-- 2^20, plus the event's index in its append. Every transaction that can still commit has an id
-- at or above the oldest running one (pg_snapshot_xmin), so a reader that stops below
-- pg_snapshot_xmin * 2^20 never passes an event that becomes visible later. See docs/postgres.md.
CREATE TABLE ${schema}.${prefix}events (
    position       bigint      NOT NULL CHECK (position > 0),
    store          text        COLLATE "C" NOT NULL,
    aggregate_id   text        COLLATE "C" NOT NULL,
    version        bigint      NOT NULL CHECK (version >= 1),
    type           text        NOT NULL,
    schema_version integer     NOT NULL CHECK (schema_version >= 1),
    recorded_at    timestamptz NOT NULL,
    payload        jsonb       NOT NULL,
    metadata       jsonb       NOT NULL DEFAULT '{}',
    CONSTRAINT ${prefix}events_pkey PRIMARY KEY (store, aggregate_id, version)
);

-- the change feed reads in position order
CREATE UNIQUE INDEX ${prefix}events_position ON ${schema}.${prefix}events (position);
-- one entry per stream (every stream has a version 1): listAggregateIds pages through it
CREATE INDEX ${prefix}events_streams ON ${schema}.${prefix}events (store, aggregate_id) WHERE version = 1;
-- "every Credited of bank-account, in order"
CREATE INDEX ${prefix}events_type ON ${schema}.${prefix}events (store, type, position);
-- "everything one request caused"
CREATE INDEX ${prefix}events_correlation ON ${schema}.${prefix}events ((metadata ->> 'correlationId'), position)
    WHERE (metadata ->> 'correlationId') IS NOT NULL;

-- Called from the append statement when version N-1 of a stream is missing: it fails the whole
-- statement (so nothing of the append is written) with SQLSTATE TLGAP, which the adapter reports
-- as a VersionGap. DETAIL carries the stream as JSON.
CREATE FUNCTION ${schema}.${prefix}refuse_version_gap(p_store text, p_aggregate_id text, p_version bigint)
    RETURNS boolean
    LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'TLGAP',
        MESSAGE = format('version gap on %s/%s: version %s is not stored, so version %s cannot be appended',
                         p_store, p_aggregate_id, p_version - 1, p_version),
        DETAIL = json_build_object('store', p_store, 'aggregateId', p_aggregate_id, 'version', p_version)::text,
        HINT = 'versions are contiguous: append at head + 1';
END
$$;

-- Snapshots: an optimisation, keyed by reducer version so a new reducer never sees old states.
CREATE TABLE ${schema}.${prefix}snapshots (
    store           text        COLLATE "C" NOT NULL,
    aggregate_id    text        COLLATE "C" NOT NULL,
    reducer_version integer     NOT NULL,
    version         bigint      NOT NULL,
    state           jsonb       NOT NULL,
    taken_at        timestamptz NOT NULL,
    CONSTRAINT ${prefix}snapshots_pkey PRIMARY KEY (store, aggregate_id, reducer_version, version)
);

-- How far each named subscription of the change feed has read.
CREATE TABLE ${schema}.${prefix}checkpoints (
    subscription text        NOT NULL,
    position     bigint      NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ${prefix}checkpoints_pkey PRIMARY KEY (subscription)
);

-- Generic read models: one JSON view per (projection, key), with the aggregate version it reflects.
CREATE TABLE ${schema}.${prefix}views (
    projection text        NOT NULL,
    key        text        COLLATE "C" NOT NULL,
    version    bigint      NOT NULL,
    view       jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ${prefix}views_pkey PRIMARY KEY (projection, key)
);
