package embedded

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for the zero values of Config.
const (
	DefaultMaxBatch      = 1000
	DefaultQueueSize     = 16384
	DefaultMaxEventBytes = 1<<20 + 64<<10
	DefaultPollInterval  = 100 * time.Millisecond
	DefaultReadConns     = 4
	DefaultPageSize      = 512
	DefaultLiveEvents    = 16384
	DefaultLiveBytes     = 8 << 20
	// DefaultCheckpointPages is 16 MiB of WAL at SQLite's 4 KiB pages.
	DefaultCheckpointPages = 4096
	// DefaultCommitWindow and DefaultCommitWindowAppends are the group-commit
	// window's defaults (window.go); MaxCommitWindow bounds CommitWindow.
	DefaultCommitWindow        = 500 * time.Microsecond
	DefaultCommitWindowAppends = 16
	MaxCommitWindow            = 10 * time.Millisecond
)

// Config says where the store lives and how it is bounded. The zero value
// of every field but Dir means its default.
type Config struct {
	// Dir is the data directory; the database is Path(Dir). It is created
	// if absent, unless ReadOnly.
	Dir string
	// ReadOnly opens an existing database for reading only (replay, tools,
	// a second process beside a running server). Append returns
	// events.ErrReadOnly; a missing database is ErrNoStore.
	ReadOnly bool
	// MaxBatch is the most appends gathered into one transaction.
	MaxBatch int
	// QueueSize bounds the appends waiting for the writer; when it is full
	// Append returns events.ErrOverloaded at once.
	QueueSize int
	// MaxEventBytes bounds one event's data plus metadata; larger events
	// are refused with events.ErrTooLarge.
	MaxEventBytes int
	// PollInterval is how often a read-only store's subscriptions look for
	// events appended by another process.
	PollInterval time.Duration
	// ReadConns bounds the read connections (reads and subscriptions share
	// them, holding one only while fetching a page).
	ReadConns int
	// PageSize is the most events fetched per read query.
	PageSize int
	// LiveEvents and LiveBytes bound the feed of recently committed events
	// kept in memory for subscriptions (events, and bytes of their data):
	// a subscription reads new events from it instead of from SQLite, and
	// one that has fallen further behind reads the store until it is back
	// within the feed. The projections took a transaction every 250 ms
	// (now every second, reading the feed into their batch meanwhile)
	// and the node's follower yields to chats under load, so at 10,000
	// events/s 4,096 events (0.4 s) were overrun and both read SQLite
	// (7 % and 2.6 % of server CPU in a chats run at 10 msg/s per
	// client); 16,384 hold 1.6 s there, within the 8 MiB of LiveBytes.
	LiveEvents int
	LiveBytes  int
	// CheckpointPages is how many pages the writer's commits may add to
	// the WAL before the checkpointer copies them into the database file
	// (a PASSIVE checkpoint on its own connection, off the append path);
	// MaxWALPages (default 8 x CheckpointPages) is how many the WAL may
	// hold before the writer checkpoints itself, appends waiting meanwhile.
	// The WAL file stays about CheckpointPages long while the checkpointer
	// keeps up and finds quiet moments between commits, up to about twice
	// that under continuous commits (the writer copies the last pages
	// itself only when no append waits, or once the WAL is that long:
	// checkpoint.go), and below MaxWALPages plus one batch whatever
	// happens.
	CheckpointPages int
	MaxWALPages     int
	// PreallocateWAL makes Open write the WAL file, zeros for twice
	// CheckpointPages (the length the WAL reaches under continuous
	// commits, checkpoint.go) plus a quarter of CheckpointPages, when there
	// is none (a new store, or after a clean Close), so that commits
	// overwrite blocks already on disk instead of growing the file: a sync
	// then needs no file system journal commit (prealloc.go). It costs one
	// write of about 37 MiB at Open, so it is for servers rather than for
	// tests and tools.
	PreallocateWAL bool
	// SyncWithFsync makes commits reach the disk with fsync(2) instead of
	// fdatasync(2), the default. Both make a commit equally durable;
	// fdatasync skips the file timestamps, whose update fsync forces
	// through the file system's journal on every commit (ext4), often the
	// larger part of a commit's wait. fsync is for a sandbox (a seccomp
	// allowlist) that forbids fdatasync. The choice is process-wide in the
	// SQLite library: the last writable store opened sets it, and it
	// applies to every SQLite database of the process.
	SyncWithFsync bool
	// CommitWindow is the longest the writer holds a batch open for more
	// appends before it begins the batch's transaction, and only while
	// appends arrive at least three per CommitWindow (a busy store): each
	// commit then carries more appends, so the store spends less CPU per
	// append, for at most CommitWindow more latency. A lone append, or one
	// caller appending after each commit, never waits. The wait also ends
	// once the batch holds CommitWindowAppends appends. Zero means
	// DefaultCommitWindow; a negative CommitWindow turns the window off;
	// above MaxCommitWindow is invalid. Every append is still answered
	// only after its commit's sync.
	CommitWindow        time.Duration
	CommitWindowAppends int
	// Metrics receives the store's collectors; nil registers nowhere.
	Metrics prometheus.Registerer
	// Logger receives the store's rare log lines; nil discards them.
	Logger *slog.Logger
}

// Path returns the database file of data directory dir.
func Path(dir string) string { return filepath.Join(dir, "events.db") }

// Validate reports a Config that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Dir == "":
		return errors.New("embedded: config: Dir is empty")
	case negativeLimit(c) != "":
		return fmt.Errorf("embedded: config: %s is negative", negativeLimit(c))
	case c.MaxWALPages > 0 && c.MaxWALPages < orDefault(c.CheckpointPages, DefaultCheckpointPages):
		return fmt.Errorf("embedded: config: MaxWALPages %d below CheckpointPages %d", c.MaxWALPages, c.CheckpointPages)
	case c.CommitWindow > MaxCommitWindow:
		return fmt.Errorf("embedded: config: CommitWindow %s above %s", c.CommitWindow, MaxCommitWindow)
	case c.PollInterval < 0:
		return fmt.Errorf("embedded: config: negative PollInterval %s", c.PollInterval)
	}
	return nil
}

// negativeLimit names the first limit of c below zero, or "".
func negativeLimit(c Config) string {
	for _, l := range []struct {
		name string
		v    int
	}{{"MaxBatch", c.MaxBatch}, {"QueueSize", c.QueueSize}, {"MaxEventBytes", c.MaxEventBytes},
		{"ReadConns", c.ReadConns}, {"PageSize", c.PageSize}, {"LiveEvents", c.LiveEvents},
		{"LiveBytes", c.LiveBytes}, {"CheckpointPages", c.CheckpointPages}, {"MaxWALPages", c.MaxWALPages},
		{"CommitWindowAppends", c.CommitWindowAppends}} {
		if l.v < 0 {
			return l.name
		}
	}
	return ""
}

func (c Config) withDefaults() Config {
	c.MaxBatch = orDefault(c.MaxBatch, DefaultMaxBatch)
	c.QueueSize = orDefault(c.QueueSize, DefaultQueueSize)
	c.MaxEventBytes = orDefault(c.MaxEventBytes, DefaultMaxEventBytes)
	c.ReadConns = orDefault(c.ReadConns, DefaultReadConns)
	c.PageSize = orDefault(c.PageSize, DefaultPageSize)
	c.LiveEvents = orDefault(c.LiveEvents, DefaultLiveEvents)
	c.LiveBytes = orDefault(c.LiveBytes, DefaultLiveBytes)
	c.CheckpointPages = orDefault(c.CheckpointPages, DefaultCheckpointPages)
	c.MaxWALPages = orDefault(c.MaxWALPages, 8*c.CheckpointPages)
	c.CommitWindowAppends = orDefault(c.CommitWindowAppends, DefaultCommitWindowAppends)
	if c.CommitWindow == 0 {
		c.CommitWindow = DefaultCommitWindow
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func orDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}
