package events

import (
	"testing"
)

func TestExpectedRevisionCheck(t *testing.T) {
	tests := []struct {
		exp    ExpectedRevision
		last   uint64
		exists bool
		want   bool
	}{
		{Any(), 0, false, true},
		{Any(), 5, true, true},
		{NoStream(), 0, false, true},
		{NoStream(), 0, true, false},
		{StreamExists(), 0, false, false},
		{StreamExists(), 0, true, true},
		{Exact(0), 0, false, false},
		{Exact(0), 0, true, true},
		{Exact(4), 5, true, false},
	}
	for _, tc := range tests {
		if got := tc.exp.Check(tc.last, tc.exists); got != tc.want {
			t.Errorf("%s.Check(%d, %v) = %v, want %v", tc.exp, tc.last, tc.exists, got, tc.want)
		}
	}
	if r, ok := Exact(3).Revision(); r != 3 || !ok || !Any().IsAny() || !NoStream().IsNoStream() || !StreamExists().IsStreamExists() {
		t.Fatal("kind accessors disagree")
	}
}

func TestFilterMatches(t *testing.T) {
	f := Filter{StreamPrefixes: []string{"chat-", "errors"}, EventTypes: []string{TypeMessagePosted}}
	tests := []struct {
		stream, typ string
		want        bool
	}{
		{"chat-1", TypeMessagePosted, true},
		{"errors", TypeMessagePosted, true},
		{"chat-1", TypeChatCreated, false},
		{"connection-1", TypeMessagePosted, false},
		{"chat", TypeMessagePosted, false},
	}
	for _, tc := range tests {
		if got := f.Matches(tc.stream, tc.typ); got != tc.want {
			t.Errorf("Matches(%q, %q) = %v", tc.stream, tc.typ, got)
		}
	}
	if !(Filter{}).Matches("anything", "Any") {
		t.Fatal("empty filter must match everything")
	}
}

func TestStreamNames(t *testing.T) {
	if ChatStream("c1") != "chat-c1" || ConnectionStream("k") != "connection-k" {
		t.Fatal("stream names")
	}
	if ErrorStream("") != ErrorsStream || ErrorStream("k") != "connection-k" {
		t.Fatal("error stream names")
	}
	if id, ok := ChatIDFromStream("chat-c1"); !ok || id != "c1" {
		t.Fatalf("ChatIDFromStream = %q, %v", id, ok)
	}
	if _, ok := ChatIDFromStream("connection-1"); ok {
		t.Fatal("connection stream taken for a chat")
	}
}
