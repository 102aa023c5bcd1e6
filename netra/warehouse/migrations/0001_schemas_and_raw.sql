-- Schemas, roles and the landing tables of the sink (DESIGN.md §5).
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS mart;
CREATE SCHEMA IF NOT EXISTS ref;

-- Landed events: exactly once per event_id (the idempotency key of the contract).
CREATE TABLE raw.events (
    event_id        uuid PRIMARY KEY,
    event_type      text        NOT NULL,
    schema_version  int         NOT NULL,
    source          text        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    payload         jsonb       NOT NULL,
    enrichment      jsonb       NOT NULL,
    body_sha256     text        NOT NULL,  -- of the normalised event without enrichment
    kafka_topic     text        NOT NULL,
    kafka_partition int         NOT NULL,
    kafka_offset    bigint      NOT NULL,
    ingested_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_type_idx ON raw.events (event_type);

-- Sink offsets, committed in the same transaction as the rows they cover.
CREATE TABLE raw.consumer_offsets (
    group_id    text   NOT NULL,
    topic       text   NOT NULL,
    partition   int    NOT NULL,
    next_offset bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);

-- Everything the validator or enricher refused, with the original bytes.
CREATE TABLE raw.rejected_events (
    reject_id        bigserial PRIMARY KEY,
    source_topic     text    NOT NULL,
    source_partition int     NOT NULL,
    source_offset    bigint  NOT NULL,
    stage            text    NOT NULL,
    reasons          text[]  NOT NULL,
    event_id         text,           -- when the bytes were JSON with an event_id
    event_type       text,
    source           text,
    message_key      bytea,
    message_value    bytea   NOT NULL,
    headers          jsonb   NOT NULL DEFAULT '{}'::jsonb,
    rejected_at      timestamptz NOT NULL,
    dlq_partition    int     NOT NULL,
    dlq_offset       bigint  NOT NULL,
    landed_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source_topic, source_partition, source_offset, stage)
);
CREATE INDEX rejected_events_reasons_idx ON raw.rejected_events USING gin (reasons);
