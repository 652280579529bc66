-- linkup read model, PostgreSQL schema version 3: read_state_view no
-- longer computes unread. Version 1 restated package chat's rule in SQL
-- (GREATEST(latest_seq - last_read_seq - uncounted items, 0)); the rule
-- now lives only in chat.UnreadItems, which GET /v1/read-states applies
-- in Go. The view keeps the rule's inputs, as the SQLite read model's
-- view does: uncounted_above is the number of items in
-- last_read_seq+1..latest_seq that do not count as unread.
--
-- The column is renamed and the view replaced (not dropped), so that the
-- privileges granted on it stay.

ALTER TABLE read_state_view RENAME COLUMN unread TO uncounted_above;

CREATE OR REPLACE VIEW read_state_view AS
    SELECT r.user_id, r.chat_id, r.last_read_seq, c.latest_seq,
           (SELECT count(*) FROM uncounted u
            WHERE u.chat_id = r.chat_id AND u.seq > r.last_read_seq AND u.seq <= c.latest_seq) AS uncounted_above
    FROM read_states r JOIN chats c ON c.chat_id = r.chat_id;
COMMENT ON VIEW read_state_view IS 'Read states with the chat''s latest seq and uncounted_above: the inputs of unread, which linkup computes with package chat''s rule (GET /v1/read-states).';
COMMENT ON COLUMN read_state_view.uncounted_above IS 'Items in last_read_seq+1..latest_seq that do not count as unread (see the uncounted table).';
