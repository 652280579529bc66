package postgres

// AppendLockKey lets tests play an appender by hand.
const AppendLockKey = appendLockKey

// AllSQL is the global log page query.
const AllSQL = allSQL
