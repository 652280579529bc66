package projections

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// commonSchema holds the tables every projection shares.
var commonSchema = []string{
	`CREATE TABLE IF NOT EXISTS projection_checkpoints (
		name       TEXT PRIMARY KEY,
		position   INTEGER NOT NULL,
		updated_at TEXT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS projection_poison (
		name        TEXT NOT NULL,
		position    INTEGER NOT NULL,
		stream      TEXT NOT NULL,
		event_type  TEXT NOT NULL,
		reason      TEXT NOT NULL,
		recorded_at TEXT NOT NULL,
		PRIMARY KEY (name, position)
	)`,
}

// tableSpec is one table of a projection: its DDL, its keys and its secondary
// indexes, with %[1]s standing for the table set's suffix, and the
// columns added after the table was first made (nullable, so that the
// rows already there keep their meaning), which open adds to an older
// database's live table.
type tableSpec struct {
	name    string
	create  string
	indexes []string
	added   []addedColumn
	// keys are indexes the projection's own statements need: made with
	// the table, a rebuild's set too.
	keys []string
}

// addedColumn is a column added to a live table: its name and its
// definition in ALTER TABLE ... ADD COLUMN.
type addedColumn struct{ name, def string }

// projectionTables lists each projection's tables.
var projectionTables = map[string][]tableSpec{
	NameErrors: {
		{name: "error_log", create: `CREATE TABLE error_log%[1]s (
			id            INTEGER PRIMARY KEY,
			error_type    TEXT NOT NULL,
			message       TEXT NOT NULL,
			severity      TEXT NOT NULL,
			user          TEXT NOT NULL,
			connection_id TEXT NOT NULL,
			context       TEXT NOT NULL,
			at            TEXT NOT NULL
		)`, indexes: []string{
			`CREATE INDEX error_log%[1]s_type ON error_log%[1]s (error_type, id)`,
			`CREATE INDEX error_log%[1]s_severity ON error_log%[1]s (severity, id)`,
			`CREATE INDEX error_log%[1]s_user ON error_log%[1]s (user, id)`,
			`CREATE INDEX error_log%[1]s_connection ON error_log%[1]s (connection_id, id)`,
			`CREATE INDEX error_log%[1]s_at ON error_log%[1]s (at)`,
			`CREATE INDEX error_log%[1]s_type_at ON error_log%[1]s (error_type, at)`,
			`CREATE INDEX error_log%[1]s_user_at ON error_log%[1]s (user, at)`,
		}},
		{name: "error_hourly", create: `CREATE TABLE error_hourly%[1]s (
			error_type TEXT NOT NULL,
			hour       TEXT NOT NULL,
			count      INTEGER NOT NULL,
			PRIMARY KEY (error_type, hour)
		) WITHOUT ROWID`, indexes: []string{
			`CREATE INDEX error_hourly%[1]s_hour ON error_hourly%[1]s (hour)`,
		}},
	},
	NameReadStates: {
		{name: "chats", create: `CREATE TABLE chats%[1]s (
			chat_id    TEXT PRIMARY KEY,
			latest_seq INTEGER NOT NULL
		) WITHOUT ROWID`},
		{name: "read_states", create: `CREATE TABLE read_states%[1]s (
			chat_id       TEXT NOT NULL,
			user          TEXT NOT NULL,
			last_read_seq INTEGER NOT NULL,
			PRIMARY KEY (chat_id, user)
		) WITHOUT ROWID`, indexes: []string{
			`CREATE INDEX read_states%[1]s_user ON read_states%[1]s (user, chat_id)`,
		}},
		// v1.1: the timeline items that do not count as unread.
		{name: "uncounted", create: `CREATE TABLE uncounted%[1]s (
			chat_id TEXT NOT NULL,
			seq     INTEGER NOT NULL,
			PRIMARY KEY (chat_id, seq)
		) WITHOUT ROWID`},
	},
	NameDeliveries: deliveryTables, // readmodel_sqlite_deliveries.go
}

// readStateView is the analyst's view of read states: each member's
// pointer, the chat's latest seq and uncounted_above, the items in
// last_read_seq+1..latest_seq that do not count as unread. It holds the
// inputs of package chat's UnreadItems, not its result: unread is computed
// in Go (ReadStates), so that no SQL restates the rule. (An older
// database's view, which computed unread, is replaced at open.)
const readStateView = `CREATE VIEW read_state_view AS
	SELECT r.user, r.chat_id, r.last_read_seq, c.latest_seq,
	       (SELECT count(*) FROM uncounted u WHERE u.chat_id = r.chat_id
	        AND u.seq > r.last_read_seq AND u.seq <= c.latest_seq) AS uncounted_above
	FROM read_states r JOIN chats c ON c.chat_id = r.chat_id`

// createSchema creates the shared tables and, for each projection whose
// live tables are missing, its live table set.
func (s *SQLite) createSchema(ctx context.Context) error {
	for _, ddl := range commonSchema {
		if _, err := s.writer.ExecContext(ctx, ddl); err != nil {
			return err
		}
	}
	for name := range projectionTables {
		if err := s.ensureLive(ctx, name); err != nil {
			return err
		}
	}
	for _, q := range []string{`DROP VIEW IF EXISTS read_state_view`, readStateView,
		`DROP VIEW IF EXISTS delivery_items`, deliveryItemsView} {
		if _, err := s.writer.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (s *SQLite) ensureLive(ctx context.Context, name string) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range projectionTables[name] {
		exists, err := tableExists(ctx, tx, t.name)
		if err != nil {
			return err
		}
		if !exists {
			if err := createTable(ctx, tx, t, "", true); err != nil {
				return err
			}
		} else if err := addColumns(ctx, tx, t); err != nil {
			return err
		}
	}
	if name == NameDeliveries {
		if err := migrateItems(ctx, tx); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// addColumns adds the columns of t that its live table lacks.
func addColumns(ctx context.Context, tx *sql.Tx, t tableSpec) error {
	for _, c := range t.added {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`, t.name, c.name).Scan(&n)
		if err != nil {
			return err
		}
		if n == 0 {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE `+t.name+` ADD COLUMN `+c.name+` `+c.def); err != nil {
				return fmt.Errorf("add %s.%s: %w", t.name, c.name, err)
			}
		}
	}
	return nil
}

func tableExists(ctx context.Context, tx *sql.Tx, name string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?`, name).Scan(&n)
	return n > 0, err
}

// createTable creates t with suffix, and its indexes when withIndexes.
func createTable(ctx context.Context, tx *sql.Tx, t tableSpec, suffix string, withIndexes bool) error {
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(t.create, suffix)); err != nil {
		return fmt.Errorf("create %s%s: %w", t.name, suffix, err)
	}
	for _, k := range t.keys {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(k, suffix)); err != nil {
			return fmt.Errorf("index %s%s: %w", t.name, suffix, err)
		}
	}
	if !withIndexes {
		return nil
	}
	return createIndexes(ctx, tx, t, suffix)
}

func createIndexes(ctx context.Context, tx *sql.Tx, t tableSpec, suffix string) error {
	for _, ix := range t.indexes {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(ix, suffix)); err != nil {
			return fmt.Errorf("index %s%s: %w", t.name, suffix, err)
		}
	}
	return nil
}

// validSet reports whether set is "" or a rebuild suffix made here, so that
// it can go into SQL text.
func validSet(set string) bool {
	if set == "" {
		return true
	}
	rest, ok := strings.CutPrefix(set, "__r")
	if !ok || rest == "" {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
