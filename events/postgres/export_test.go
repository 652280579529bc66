package postgres

// AppendLockKey lets tests play an appender by hand.
const AppendLockKey = appendLockKey
