package postgres

import (
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Server-side TCP keepalive for the store's sessions: PostgreSQL drops a
// session whose client stopped answering (host down, network cut) after
// about keepaliveIdle + keepaliveCount*keepaliveInterval, not the system's
// default of over two hours, so a vanished process does not keep holding
// connection slots. Keepalives cannot see a frozen process (its kernel
// still answers them): IdleInTransactionTimeout is what frees the append
// lock. Ignored by PostgreSQL on unix-socket connections.
const (
	keepaliveIdle     = 30 // seconds
	keepaliveInterval = 10 // seconds
	keepaliveCount    = 3
)

// setSessionParams adds the store's session settings to the parameters
// sent when each connection starts (pool and LISTEN connections alike).
// A parameter the URL already sets is left as the URL says.
func setSessionParams(cc *pgconn.Config, cfg Config) {
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	params := map[string]string{
		"idle_in_transaction_session_timeout": millis(cfg.IdleInTransactionTimeout),
		"tcp_keepalives_idle":                 strconv.Itoa(keepaliveIdle),
		"tcp_keepalives_interval":             strconv.Itoa(keepaliveInterval),
		"tcp_keepalives_count":                strconv.Itoa(keepaliveCount),
	}
	for k, v := range params {
		if _, ok := cc.RuntimeParams[k]; !ok {
			cc.RuntimeParams[k] = v
		}
	}
}

// millis formats d in whole milliseconds, PostgreSQL's unit for timeouts,
// rounding up so that a positive duration never becomes 0 (no timeout).
func millis(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Millisecond-1)/time.Millisecond), 10)
}
