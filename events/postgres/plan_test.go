package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/linkup-chat/linkup/events/eventstest"
	"github.com/linkup-chat/linkup/events/postgres"
	"github.com/linkup-chat/linkup/internal/pgtest"
)

// TestReadAllWalksThePrimaryKey checks the plan of the global log's page
// query on a young log that autovacuum has not analyzed yet (the case
// right after a fill or a restore): it must walk the primary key in
// order, not fetch everything after the cursor and sort it (which made
// ReadAll 12 times slower when the query also had an upper bound).
func TestReadAllWalksThePrimaryKey(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	st := open(t, postgres.Config{URL: url})
	eventstest.Fill(t, st, 20_000)
	c := connect(t, url)
	ctx := context.Background()
	for _, mode := range []string{"auto", "force_generic_plan", "force_custom_plan"} {
		if _, err := c.Exec(ctx, "SET plan_cache_mode = "+mode); err != nil {
			t.Fatal(err)
		}
		var plan []string
		rows, err := c.Query(ctx, "EXPLAIN "+postgres.AllSQL, 100, 512, []string(nil), []string(nil))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			rows.Scan(&line)
			plan = append(plan, line)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		if strings.Contains(text, "Sort") || !strings.Contains(text, "linkup_events_pkey") {
			t.Fatalf("%s: page query does not walk the primary key:\n%s", mode, text)
		}
	}
}
