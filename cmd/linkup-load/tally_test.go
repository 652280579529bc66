package main

import "testing"

func TestTallyCountsMissingAndDuplicates(t *testing.T) {
	var c chatTally
	c.acked(2) // the receiver's own message
	for _, s := range []uint64{1, 3, 3, 5, 200} {
		c.deliver(s)
	}
	exp, miss := c.account(200)
	if exp != 199 || miss != 199-4 {
		t.Fatalf("expected %d missing %d, want 199 and 195", exp, miss)
	}
	if c.dups != 1 || c.delivered != 5 {
		t.Fatalf("dups %d delivered %d", c.dups, c.delivered)
	}
	if c.position() != 3 {
		t.Fatalf("position %d, want 3", c.position())
	}
	if c.complete(3) != true || c.complete(4) != false {
		t.Fatal("complete wrong")
	}
	if !c.deliver(2) {
		t.Fatal("a delivery of an own seq is not counted as a repeat")
	}
}

func TestTallyEmptyChat(t *testing.T) {
	var c chatTally
	if exp, miss := c.account(0); exp != 0 || miss != 0 {
		t.Fatalf("%d %d", exp, miss)
	}
	if c.position() != 0 {
		t.Fatal("position of an empty chat")
	}
}
