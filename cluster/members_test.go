package cluster

import "testing"

func TestMemberIDCarriesNodeName(t *testing.T) {
	for _, c := range []struct{ node, id, back string }{
		{"n1", "n1-Ab3", "n1"},
		{"node-1.eu", "node-1.eu-Ab3", "node-1.eu"},
		{"", "Ab3", ""},
		{"has space", "Ab3", ""},
	} {
		id := memberID(c.node, "Ab3")
		if id != c.id || NodeOf(id) != c.back {
			t.Errorf("memberID(%q) = %q (node %q), want %q (node %q)", c.node, id, NodeOf(id), c.id, c.back)
		}
	}
}
