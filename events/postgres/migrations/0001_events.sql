-- Version 1: the event log.
CREATE TABLE linkup_events (
    position bigint      PRIMARY KEY,  -- global position: 1, 2, 3, ... (assigned under the append lock)
    stream   text        NOT NULL,     -- "chat-<id>", "connection-<id>", "errors", ...
    revision bigint      NOT NULL,     -- 0-based, gap-free within the stream
    id       uuid        NOT NULL,     -- event id (not unique: the contract does not make appends idempotent)
    type     text        NOT NULL,     -- "MessagePosted", ...
    time     timestamptz NOT NULL,     -- append time
    data     text        NOT NULL,     -- the event as a JSON object, byte for byte as appended
    metadata text        NOT NULL,     -- events.Metadata as JSON ({} when empty)
    CONSTRAINT linkup_events_stream_revision UNIQUE (stream, revision)
);

-- Filtered reads and subscriptions by event type.
CREATE INDEX linkup_events_type_position ON linkup_events (type, position);
