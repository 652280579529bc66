package lend

import (
	"sync/atomic"

	"github.com/petermattis/goid"
)

// slots is the size of the offer table: far more than the goroutines
// lending at once (about one per core), so that collisions, which only
// cost a wake-up, stay rare.
const slots = 256

// slot is one open offer: owner is the lending goroutine's id (0: free);
// fn is read and written only by that goroutine while it owns the slot,
// so it needs no lock (ownership passes through owner's atomic CAS and
// store).
type slot struct {
	owner atomic.Int64
	fn    func()
	_     [48]byte // one cache line per slot: lenders on different cores do not share one
}

var table [slots]slot

// Loan is an open offer, or none (its zero value): Settle on it runs
// nothing.
type Loan struct{ s *slot }

// Offer opens an offer of the calling goroutine. The Loan's Settle must
// be called on the same goroutine (defer it, so a recovered panic cannot
// leave the offer open).
func Offer() Loan {
	id := goid.Get()
	s := slotOf(id)
	if !s.owner.CompareAndSwap(0, id) {
		return Loan{}
	}
	return Loan{s}
}

// Settle closes the offer, then runs the function borrowed during it, if
// any.
func (l Loan) Settle() {
	if l.s == nil {
		return
	}
	fn := l.s.fn
	l.s.fn = nil
	l.s.owner.Store(0)
	if fn != nil {
		fn()
	}
}

// Borrow keeps fn for the calling goroutine's Settle when that goroutine
// has an open offer with nothing borrowed yet, and reports whether it did.
func Borrow(fn func()) bool {
	id := goid.Get()
	s := slotOf(id)
	if s.owner.Load() != id || s.fn != nil {
		return false
	}
	s.fn = fn
	return true
}

func slotOf(id int64) *slot { return &table[uint64(id)%slots] }
