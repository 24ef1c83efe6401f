-- Archival (dev.tally.core.archive.Archiver, `tally archive`): versions 1..H of an idle stream move
-- to an archive store, the marker tally.StreamArchived stays at H+1, and PostgresLedger.deleteThrough
-- deletes the archived rows. ${schema} and ${prefix} are replaced by PostgresSchema.
--
-- Three rules leaned on "events are never deleted"; these tables keep them true:
-- * the aggregate listing read the version-1 rows: an archived stream is listed from here instead;
-- * an append at version 1 could not meet an existing stream without a primary-key conflict: a
--   stream listed here refuses a new version 1 (SQLSTATE TLARC, reported as a VersionConflict);
-- * command ids were unique through the index on the event rows: the ids of deleted rows are kept
--   here and a second append of one is refused (SQLSTATE TLCMD, reported as a DuplicateCommand).
-- deleteThrough fills both tables in the statement that deletes the rows, so they are never apart.
CREATE TABLE ${schema}.${prefix}archived_streams (
    store           text        COLLATE "C" NOT NULL,
    aggregate_id    text        COLLATE "C" NOT NULL,
    through_version bigint      NOT NULL CHECK (through_version >= 1),
    archived_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ${prefix}archived_streams_pkey PRIMARY KEY (store, aggregate_id)
);

CREATE TABLE ${schema}.${prefix}archived_commands (
    store         text    COLLATE "C" NOT NULL,
    aggregate_id  text    COLLATE "C" NOT NULL,
    command_id    text    NOT NULL,
    first_version bigint  NOT NULL,
    event_count   integer NOT NULL,
    CONSTRAINT ${prefix}archived_commands_pkey PRIMARY KEY (store, aggregate_id, command_id)
);

-- Called by an append whose events include a version 1 or a command id (appends without either
-- never call it): refuses a new version 1 of an archived stream (SQLSTATE TLARC) and a command id
-- whose event was archived (SQLSTATE TLCMD), failing the whole statement like refuse_version_gap.
-- A PL/pgSQL function rather than subqueries in the append statement: its plans are cached, while
-- the subqueries made every such append cost about a third more (docs/benchmarks.md).
CREATE FUNCTION ${schema}.${prefix}archive_guard(p_store text, p_aggregate_id text, p_version bigint,
                                                 p_command_id text)
    RETURNS boolean
    LANGUAGE plpgsql
AS $$
BEGIN
    IF p_version = 1 AND EXISTS (SELECT 1 FROM ${schema}.${prefix}archived_streams a
                                 WHERE a.store = p_store AND a.aggregate_id = p_aggregate_id) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'TLARC',
            MESSAGE = format('%s/%s was archived, so version 1 cannot be appended again', p_store, p_aggregate_id),
            DETAIL = json_build_object('store', p_store, 'aggregateId', p_aggregate_id)::text,
            HINT = 'load the aggregate again (through ArchiveReadingLedger) and append after its head';
    END IF;
    IF p_command_id IS NOT NULL AND EXISTS (SELECT 1 FROM ${schema}.${prefix}archived_commands c
                                            WHERE c.store = p_store AND c.aggregate_id = p_aggregate_id
                                              AND c.command_id = p_command_id) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'TLCMD',
            MESSAGE = format('command %s already applied to %s/%s (its events are archived)', p_command_id,
                             p_store, p_aggregate_id),
            DETAIL = json_build_object('store', p_store, 'aggregateId', p_aggregate_id,
                                       'commandId', p_command_id)::text;
    END IF;
    RETURN true;
END
$$;
