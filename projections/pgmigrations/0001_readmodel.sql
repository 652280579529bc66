-- linkup read model, PostgreSQL schema version 1.
--
-- Identifiers (types, users, chat ids) are COLLATE "C": equality is exact
-- and ORDER BY is byte order, as in the SQLite read model. Times are
-- timestamptz (microseconds); error_log.at_ns keeps the nanoseconds below
-- the microsecond so that the API returns an event's time exactly.
-- Rebuilds copy these tables (CREATE TABLE ... LIKE) and their indexes, so
-- a later migration that adds an index is carried into every rebuild.

CREATE TABLE projection_checkpoints (
    name       text COLLATE "C" PRIMARY KEY,
    position   bigint      NOT NULL,
    updated_at timestamptz NOT NULL
);
COMMENT ON TABLE projection_checkpoints IS 'Global position of the event log each projection has committed, in the same transaction as its rows.';
COMMENT ON COLUMN projection_checkpoints.name IS 'Projection: errors or read_states (a rebuild in progress adds name__r<nanos>).';
COMMENT ON COLUMN projection_checkpoints.position IS 'Last global position projected (events of other types included).';

CREATE TABLE projection_poison (
    name        text COLLATE "C" NOT NULL,
    position    bigint      NOT NULL,
    stream      text        NOT NULL,
    event_type  text        NOT NULL,
    reason      text        NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (name, position)
);
COMMENT ON TABLE projection_poison IS 'Events a projection could not apply: recorded, counted and skipped.';

CREATE TABLE error_log (
    id            bigint PRIMARY KEY,
    error_type    text COLLATE "C" NOT NULL,
    message       text        NOT NULL,
    severity      text COLLATE "C" NOT NULL,
    user_id       text COLLATE "C" NOT NULL,
    connection_id text COLLATE "C" NOT NULL,
    context       jsonb       NOT NULL,
    at            timestamptz NOT NULL,
    at_ns         smallint    NOT NULL DEFAULT 0 CHECK (at_ns BETWEEN 0 AND 999)
);
CREATE INDEX error_log_type ON error_log (error_type, id);
CREATE INDEX error_log_severity ON error_log (severity, id);
CREATE INDEX error_log_user ON error_log (user_id, id);
CREATE INDEX error_log_connection ON error_log (connection_id, id);
CREATE INDEX error_log_at ON error_log (at);
CREATE INDEX error_log_type_at ON error_log (error_type, at);
CREATE INDEX error_log_user_at ON error_log (user_id, at);
COMMENT ON TABLE error_log IS 'One row per ErrorRecorded event (projection errors).';
COMMENT ON COLUMN error_log.id IS 'Global position of the ErrorRecorded in the event log; the API cursor.';
COMMENT ON COLUMN error_log.user_id IS 'User the error is about; empty when unknown.';
COMMENT ON COLUMN error_log.connection_id IS 'Connection the error is about; empty when unknown.';
COMMENT ON COLUMN error_log.context IS 'Free-form details of the error (JSON object).';
COMMENT ON COLUMN error_log.at IS 'When the error happened (the event''s at, else its append time), to the microsecond.';
COMMENT ON COLUMN error_log.at_ns IS 'Nanoseconds of at below the microsecond (0-999).';

CREATE TABLE error_hourly (
    error_type text COLLATE "C" NOT NULL,
    hour       timestamptz NOT NULL,
    count      bigint      NOT NULL,
    PRIMARY KEY (error_type, hour)
);
CREATE INDEX error_hourly_hour ON error_hourly (hour);
COMMENT ON TABLE error_hourly IS 'Errors per type per hour (error_log.at truncated to the UTC hour).';

CREATE TABLE chats (
    chat_id    text COLLATE "C" PRIMARY KEY,
    latest_seq bigint NOT NULL
);
COMMENT ON TABLE chats IS 'Every chat created, with its highest MessagePosted seq (projection read_states).';

CREATE TABLE read_states (
    chat_id       text COLLATE "C" NOT NULL,
    user_id       text COLLATE "C" NOT NULL,
    last_read_seq bigint NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX read_states_user ON read_states (user_id, chat_id);
COMMENT ON TABLE read_states IS 'One row per chat member (ChatCreated.members, MembersAdded; MemberRemoved deletes it): the highest seq the member has read or sent.';

CREATE TABLE uncounted (
    chat_id text COLLATE "C" NOT NULL,
    seq     bigint NOT NULL,
    PRIMARY KEY (chat_id, seq)
);
COMMENT ON TABLE uncounted IS 'Timeline items that do not count as unread (v1.1: items other than messages, deleted messages).';

CREATE VIEW read_state_view AS
    SELECT r.user_id, r.chat_id, r.last_read_seq, c.latest_seq,
           GREATEST(c.latest_seq - r.last_read_seq
               - (SELECT count(*) FROM uncounted u
                  WHERE u.chat_id = r.chat_id AND u.seq > r.last_read_seq AND u.seq <= c.latest_seq), 0) AS unread
    FROM read_states r JOIN chats c ON c.chat_id = r.chat_id;
COMMENT ON VIEW read_state_view IS 'Read states with the chat''s latest seq and the unread count (uncounted items left out).';
