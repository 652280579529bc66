package events

import "fmt"

// ExpectedRevision states what the appender believes about a stream before
// its append: anything (Any), that it does not exist yet (NoStream), that it
// exists (StreamExists) or that its last event has an exact revision.
type ExpectedRevision struct {
	kind expectedKind
	rev  uint64
}

type expectedKind uint8

const (
	expectAny expectedKind = iota
	expectNoStream
	expectExists
	expectExact
)

// Any accepts the append whatever the stream holds.
func Any() ExpectedRevision { return ExpectedRevision{kind: expectAny} }

// NoStream accepts the append only if the stream has no events.
func NoStream() ExpectedRevision { return ExpectedRevision{kind: expectNoStream} }

// StreamExists accepts the append only if the stream has at least one event.
func StreamExists() ExpectedRevision { return ExpectedRevision{kind: expectExists} }

// Exact accepts the append only if the stream's last event has revision rev.
func Exact(rev uint64) ExpectedRevision { return ExpectedRevision{kind: expectExact, rev: rev} }

// IsAny, IsNoStream, IsStreamExists report the kind; Revision reports the
// exact revision and whether the kind is Exact.
func (e ExpectedRevision) IsAny() bool          { return e.kind == expectAny }
func (e ExpectedRevision) IsNoStream() bool     { return e.kind == expectNoStream }
func (e ExpectedRevision) IsStreamExists() bool { return e.kind == expectExists }
func (e ExpectedRevision) Revision() (uint64, bool) {
	return e.rev, e.kind == expectExact
}

// Check reports whether a stream whose last revision is last (exists false
// when the stream is empty) satisfies e. Stores use it so that both mean the
// same thing by a conflict.
func (e ExpectedRevision) Check(last uint64, exists bool) bool {
	switch e.kind {
	case expectNoStream:
		return !exists
	case expectExists:
		return exists
	case expectExact:
		return exists && last == e.rev
	default:
		return true
	}
}

func (e ExpectedRevision) String() string {
	switch e.kind {
	case expectNoStream:
		return "no-stream"
	case expectExists:
		return "stream-exists"
	case expectExact:
		return fmt.Sprintf("revision %d", e.rev)
	default:
		return "any"
	}
}
