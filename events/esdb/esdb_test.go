package esdb_test

import (
	"os"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/esdb"
	"github.com/linkup-chat/linkup/events/eventstest"
)

// TestContract runs the shared events.Store suite against the server named
// by LINKUP_ESDB_URL. The suite appends a 1 MiB event together with a
// second one, so the server must allow appends above its default 1 MiB
// (--max-append-size=4194304).
func TestContract(t *testing.T) {
	url := os.Getenv("LINKUP_ESDB_URL")
	if url == "" {
		t.Skip("LINKUP_ESDB_URL not set: start EventStoreDB/KurrentDB with --insecure and set LINKUP_ESDB_URL=esdb://127.0.0.1:2113?tls=false to run the contract suite against it")
	}
	eventstest.Run(t, func(t *testing.T) events.Store {
		s, err := esdb.New(esdb.Config{URL: url, MaxAppendBytes: 4 << 20, ResubscribeBackoff: 50 * time.Millisecond})
		if err != nil {
			t.Fatalf("new store: %v", err)
		}
		return s
	})
}
