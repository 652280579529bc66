package projections

import (
	"context"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/pgtest"
)

var sqlBlock = regexp.MustCompile("(?s)```sql\n(.*?)```")

// scriptDay moves the doc's dates and now() to the day writeScript's
// events happened (2026-11-25).
var scriptDay = strings.NewReplacer("2026-11-24", "2026-11-25", "2026-11-25", "2026-11-26", "now()", "timestamptz '2026-11-25T23:00:00Z'")

// TestReadModelDocQueries runs every sql block of docs/READMODEL.md against
// a PostgreSQL read model holding the scripted log: the analyst role recipe
// (then connects as that role: it reads, and cannot write), and each
// sample query (each must return rows).
func TestReadModelDocQueries(t *testing.T) {
	doc, err := os.ReadFile("../docs/READMODEL.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := sqlBlock.FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 10 {
		t.Fatalf("%d sql blocks in docs/READMODEL.md", len(blocks))
	}
	dbURL := pgtest.Shared(t).NewDatabase(t)
	rm := openPg(t, dbURL, PostgresConfig{})
	st := openStore(t, t.TempDir())
	writeScript(t, st)
	appendEv(t, st, events.ChatStream("c1"), events.MessageDeleted{ChatID: "c1", Seq: 6, TargetSeq: 2, By: "alice", At: t0})
	startRunner(t, st, rm, nil)
	waitCaughtUp(t, st, rm)

	ctx := context.Background()
	u, _ := url.Parse(dbURL)
	owner, db := u.User.Username(), strings.TrimPrefix(u.Path, "/")
	role := "analyst_" + strings.TrimPrefix(db, "linkup_")
	for _, b := range blocks {
		q := strings.TrimSpace(b[1])
		if !strings.HasPrefix(q, "CREATE ROLE") {
			rows, err := rm.pool.Query(ctx, scriptDay.Replace(q))
			if err != nil {
				t.Fatalf("%s\n%v", q, err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			if rows.Close(); rows.Err() != nil || n == 0 {
				t.Errorf("%s\n%d rows, %v", q, n, rows.Err())
			}
			continue
		}
		q = strings.NewReplacer("ROLE analyst", "ROLE "+role, "TO analyst", "TO "+role,
			"DATABASE linkup", "DATABASE "+db, "FOR ROLE linkup", "FOR ROLE "+owner).Replace(q)
		t.Cleanup(func() { pgExec(t, dbURL, `DROP OWNED BY `+role, `DROP ROLE `+role) })
		pgExec(t, dbURL, q)
		u.User = url.UserPassword(role, "change-me")
		conn, err := pgx.Connect(ctx, u.String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM read_state_view`).Scan(&n); err != nil || n == 0 {
			t.Fatalf("analyst reads %d rows: %v", n, err)
		}
		if _, err := conn.Exec(ctx, `DELETE FROM chats`); err == nil {
			t.Fatal("the analyst role could delete")
		}
	}
}
