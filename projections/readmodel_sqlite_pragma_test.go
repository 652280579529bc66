package projections

import (
	"context"
	"path/filepath"
	"testing"
)

// The read model's writer runs with the settings its large transactions
// need (writerDSN), and stays at synchronous=NORMAL: the read model is
// rebuildable from the log, so its commits need no fsync each.
func TestSQLiteWriterPragmas(t *testing.T) {
	s, err := OpenSQLite(SQLiteConfig{Path: filepath.Join(t.TempDir(), "rm.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, c := range []struct {
		query string
		want  int64
	}{
		{"SELECT (SELECT journal_mode FROM pragma_journal_mode) = 'wal'", 1},
		{"PRAGMA synchronous", 1}, // NORMAL
		{"PRAGMA temp_store", 2},  // MEMORY
		{"PRAGMA cache_size", -65536},
		{"PRAGMA wal_autocheckpoint", 8192},
	} {
		var got int64
		if err := conn.QueryRowContext(ctx, c.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if got != c.want {
			t.Errorf("%s = %d, want %d", c.query, got, c.want)
		}
	}
}
