package postgres

import "context"

// AppendLockKey lets tests play an appender by hand.
const AppendLockKey = appendLockKey

// AllSQL is the global log page query.
const AllSQL = allSQL

// StallAfterLock makes st's writer run f while each batch holds the append
// lock, between its two round trips; call it before st's first append.
func StallAfterLock(st *Store, f func()) { st.w.afterLock = f }

// Setting returns a run-time parameter as one of st's pooled sessions sees
// it.
func Setting(ctx context.Context, st *Store, name string) (string, error) {
	var v string
	err := st.pool.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v)
	return v, err
}
