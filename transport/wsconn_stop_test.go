package transport

import "testing"

// TestStopOnAFrameReadAllocatesNothing: every frame read ends in stopOn;
// a read without error goes on reading without an allocation (the
// errors.As target used to be moved to the heap for every frame).
func TestStopOnAFrameReadAllocatesNothing(t *testing.T) {
	c := &wsConn{}
	allocs := testing.AllocsPerRun(100, func() {
		if !c.stopOn(nil) {
			t.Fatal("a read without error stopped the reading")
		}
	})
	if allocs != 0 {
		t.Fatalf("stopOn(nil) made %.0f allocations, want 0", allocs)
	}
}
