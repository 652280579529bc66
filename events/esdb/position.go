package esdb

import "github.com/EventStore/EventStore-Client-Go/v4/esdb"

// Positions in $all. linkup's global position is an event's commit
// position. Internally the store keeps the full {commit, prepare} pair of
// the last event it examined, so that it can resume a read exactly there.
// For events written by current servers (each event its own implicit
// commit) both halves are equal; events of a legacy multi-event
// transaction share one commit position and differ by prepare position.

// after returns the internal cursor for linkup's "after global position
// p": every event with commit position <= p is already seen.
func after(p uint64) esdb.Position {
	return esdb.Position{Commit: p, Prepare: p}
}

// allFrom returns where a forward read or subscription of $all starts so
// that it includes every event after cursor last. The server includes an
// event at exactly last, which seen() then drops.
func allFrom(last esdb.Position) esdb.AllPosition {
	if last == (esdb.Position{}) {
		return esdb.Start{}
	}
	return last
}

// seen reports whether an event at p is at or before cursor last, in $all
// order (commit position, then prepare position). With last = after(P) it
// means "commit position <= P", since a prepare position never exceeds its
// commit position.
func seen(p, last esdb.Position) bool {
	if p.Commit != last.Commit {
		return p.Commit < last.Commit
	}
	return p.Prepare <= last.Prepare
}

// before reports whether p comes strictly before cursor c in $all order.
func before(p, c esdb.Position) bool {
	return p != c && seen(p, c)
}
