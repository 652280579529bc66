-- linkup read model, PostgreSQL schema version 2: the deliveries
-- projection (v1.1, GET /v1/deliveries). Same rows as the SQLite read
-- model's delivery_* tables; times are timestamptz plus the nanoseconds
-- below the microsecond (*_ns), so answers match `linkup replay audit`
-- exactly.

CREATE TABLE delivery_chats (
    chat_id text COLLATE "C" PRIMARY KEY
);
COMMENT ON TABLE delivery_chats IS 'Every chat created (projection deliveries).';

CREATE TABLE delivery_items (
    chat_id      text COLLATE "C" NOT NULL,
    seq          bigint      NOT NULL,
    posted_at    timestamptz NOT NULL,
    posted_at_ns smallint    NOT NULL DEFAULT 0 CHECK (posted_at_ns BETWEEN 0 AND 999),
    PRIMARY KEY (chat_id, seq)
);
COMMENT ON TABLE delivery_items IS 'Every timeline item of a chat (message, edit, deletion, membership change) and its time (sent_at, else at).';

CREATE TABLE delivery_members (
    chat_id    text COLLATE "C" NOT NULL,
    user_id    text COLLATE "C" NOT NULL,
    joined_seq bigint NOT NULL,
    left_seq   bigint,
    PRIMARY KEY (chat_id, user_id, joined_seq)
);
COMMENT ON TABLE delivery_members IS 'Memberships: user_id is a member at seq N when joined_seq <= N and (left_seq IS NULL OR left_seq > N); joined_seq 0 from ChatCreated.';

CREATE TABLE delivery_marks (
    chat_id       text COLLATE "C" NOT NULL,
    user_id       text COLLATE "C" NOT NULL,
    kind          text COLLATE "C" NOT NULL CHECK (kind IN ('delivered', 'read')),
    up_to         bigint      NOT NULL,
    at            timestamptz NOT NULL,
    at_ns         smallint    NOT NULL DEFAULT 0 CHECK (at_ns BETWEEN 0 AND 999),
    connection_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (chat_id, user_id, kind, up_to)
);
COMMENT ON TABLE delivery_marks IS 'The events that raised a user''s highest delivered (MessagesDelivered) or read (ChatRead, own message) seq in a chat: the first mark with up_to >= N is the first event covering item N.';
COMMENT ON COLUMN delivery_marks.connection_id IS 'The connection that confirmed the delivery; empty for a read.';
