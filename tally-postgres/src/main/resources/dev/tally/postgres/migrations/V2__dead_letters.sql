-- Dead letters of the consumers of the change feed (projection runners, subscriptions): what still
-- failed after the failure policy's last attempt, kept until someone redrives or removes it.
-- ${schema} and ${prefix} are replaced by PostgresSchema (defaults: public, tally_).
--
-- source_kind/source_name say who gave up ('feed' for a projection runner, 'target' for a
-- subscription), and so where a redrive sends the letter. ref_* name the ledger event the letter is
-- about and are always kept. message is the message in Tally's wire format (MessageCodec) exactly as
-- written, or NULL when only the reference was kept (a body over the store's size limit, or an event
-- whose message could not be built); a redrive then reads it back from the ledger.
CREATE TABLE ${schema}.${prefix}dead_letters (
    id               text        COLLATE "C" NOT NULL,
    source_kind      text        NOT NULL,
    source_name      text        NOT NULL,
    ref_kind         text        NOT NULL,
    ref_store        text        NOT NULL,
    ref_aggregate_id text        NOT NULL,
    ref_version      bigint      NOT NULL,
    message          text,
    error            text        NOT NULL,
    attempts         integer     NOT NULL,
    failed_at        timestamptz NOT NULL,
    CONSTRAINT ${prefix}dead_letters_pkey PRIMARY KEY (id)
);

-- pages are read in (failed_at, id) order with a keyset cursor
CREATE INDEX ${prefix}dead_letters_order ON ${schema}.${prefix}dead_letters (failed_at, id);
