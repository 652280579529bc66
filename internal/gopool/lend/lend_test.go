package lend

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/petermattis/goid"
)

// TestBorrowedRunsOnTheLenderAfterItsWork: a function borrowed during
// the lender's work runs on the lender, after that work, when it settles.
func TestBorrowedRunsOnTheLenderAfterItsWork(t *testing.T) {
	var order []string
	var ranOn int64
	func() {
		loan := Offer()
		defer loan.Settle()
		if !Borrow(func() { order = append(order, "borrowed"); ranOn = goid.Get() }) {
			t.Fatal("Borrow refused on the lending goroutine")
		}
		order = append(order, "own work")
	}()
	if len(order) != 2 || order[0] != "own work" || order[1] != "borrowed" {
		t.Fatalf("ran %v, want own work then borrowed", order)
	}
	if ranOn != goid.Get() {
		t.Fatalf("the borrowed function ran on goroutine %d, not the lender %d", ranOn, goid.Get())
	}
}

// TestBorrowOnlyOnALender: outside an offer, or on another goroutine
// than the lender's, Borrow refuses.
func TestBorrowOnlyOnALender(t *testing.T) {
	if Borrow(func() {}) {
		t.Fatal("Borrow took a function with no offer open")
	}
	loan := Offer()
	defer loan.Settle()
	other := make(chan bool)
	go func() { other <- Borrow(func() {}) }()
	if <-other {
		t.Fatal("Borrow on another goroutine took a function offered by this one")
	}
}

// TestOneBorrowPerOffer: an offer lends its goroutine to one function;
// a second Borrow, and one made by the borrowed function itself, refuse,
// so a lender's extra work is bounded and never nested.
func TestOneBorrowPerOffer(t *testing.T) {
	var second, inside bool
	func() {
		loan := Offer()
		defer loan.Settle()
		Borrow(func() { inside = Borrow(func() {}) })
		second = Borrow(func() {})
	}()
	if second || inside {
		t.Fatalf("second Borrow took: %v; Borrow inside the borrowed function took: %v", second, inside)
	}
	if Borrow(func() {}) {
		t.Fatal("Borrow took a function after Settle")
	}
}

// TestConcurrentLenders: lenders on many goroutines each run exactly
// their own borrowed function (run with -race).
func TestConcurrentLenders(t *testing.T) {
	const n, rounds = 64, 200
	var wg sync.WaitGroup
	var ran, taken atomic.Int64
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			me := goid.Get()
			for range rounds {
				loan := Offer()
				if Borrow(func() {
					if goid.Get() != me {
						t.Error("a borrowed function ran on another goroutine")
					}
					ran.Add(1)
				}) {
					taken.Add(1)
				}
				loan.Settle()
			}
		}()
	}
	wg.Wait()
	if ran.Load() != taken.Load() || taken.Load() == 0 {
		t.Fatalf("%d functions borrowed, %d ran", taken.Load(), ran.Load())
	}
}
