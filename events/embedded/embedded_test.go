package embedded_test

import (
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/events/eventstest"
)

func TestContract(t *testing.T) {
	eventstest.Run(t, func(t *testing.T) events.Store {
		return open(t, embedded.Config{Dir: t.TempDir()})
	})
}

func open(t *testing.T, cfg embedded.Config) *embedded.Store {
	t.Helper()
	st, err := embedded.Open(cfg)
	if err != nil {
		t.Fatalf("open %+v: %v", cfg, err)
	}
	return st
}
