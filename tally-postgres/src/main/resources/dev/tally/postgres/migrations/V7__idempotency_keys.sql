-- Idempotency keys of the HTTP API (PostgresIdempotencyKeys, `tally serve --engine postgres`): a
-- request's key is claimed (state 'running', until claimed_until) before it runs, and its answer
-- replaces the claim when it is done. A claim whose holder died expires at claimed_until; an
-- answer is kept until expires_at, then the key may be claimed again and prune() deletes the row.
-- ${schema} and ${prefix} are replaced by PostgresSchema.
CREATE TABLE ${schema}.${prefix}idempotency_keys (
    key           text        COLLATE "C" PRIMARY KEY,
    state         text        NOT NULL CHECK (state IN ('running', 'done')),
    claim_id      text        NOT NULL,
    claimed_until timestamptz NOT NULL,
    request_hash  text        NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    status        integer,
    content_type  text,
    body          text
);
CREATE INDEX ${prefix}idempotency_keys_expiry ON ${schema}.${prefix}idempotency_keys (expires_at);
