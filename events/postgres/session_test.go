package postgres_test

import (
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events/postgres"
	"github.com/linkup-chat/linkup/internal/pgtest"
)

// TestSessionSettings checks the settings the store's sessions start with
// (over TCP, where the keepalives apply): the defaults, a Config value,
// and a value in the URL, which takes precedence.
func TestSessionSettings(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	ctx := testCtx(t)
	cases := []struct {
		name string
		cfg  postgres.Config
		want map[string]string
	}{
		{"defaults", postgres.Config{URL: url}, map[string]string{
			"idle_in_transaction_session_timeout": "5s",
			"tcp_keepalives_idle":                 "30",
			"tcp_keepalives_interval":             "10",
			"tcp_keepalives_count":                "3",
		}},
		{"config", postgres.Config{URL: url, IdleInTransactionTimeout: 1500 * time.Millisecond}, map[string]string{
			"idle_in_transaction_session_timeout": "1500ms",
		}},
		{"url", postgres.Config{URL: url + "&idle_in_transaction_session_timeout=60000&tcp_keepalives_idle=7", IdleInTransactionTimeout: time.Second},
			map[string]string{
				"idle_in_transaction_session_timeout": "1min",
				"tcp_keepalives_idle":                 "7",
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := open(t, c.cfg)
			for name, want := range c.want {
				got, err := postgres.Setting(ctx, st, name)
				if err != nil || got != want {
					t.Errorf("%s = %q, %v; want %q", name, got, err, want)
				}
			}
		})
	}
}

func TestValidateRefusesNegativeTimeouts(t *testing.T) {
	for _, cfg := range []postgres.Config{
		{URL: "postgres://h/db", IdleInTransactionTimeout: -time.Second},
		{URL: "postgres://h/db", LockTimeout: -time.Second},
	} {
		if err := cfg.Validate(); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}
