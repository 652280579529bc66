package poll

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestWithinSeesALaterChange(t *testing.T) {
	var n atomic.Int32
	if !Within(5*time.Second, func() bool { return n.Add(1) >= 3 }) {
		t.Fatal("the third check held, Within said no")
	}
}

func TestWithinGivesUp(t *testing.T) {
	checks := 0
	if Within(30*time.Millisecond, func() bool { checks++; return false }) {
		t.Fatal("a condition that never holds held")
	}
	if checks < 2 {
		t.Fatalf("checked %d times, want a check at once and at least one more", checks)
	}
}
