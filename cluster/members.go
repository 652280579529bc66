package cluster

import (
	"regexp"
	"slices"
	"strings"
)

// MemberInfo is one member as this member sees it.
type MemberInfo struct {
	// ID is the member id: the node name, a dash, and a random part
	// fresh at every start.
	ID string
	// Node is the node name the member was started with (the ID's part
	// before its last dash).
	Node string
	// Address is the member's advertised remote host:port ("" for a
	// blocked member no longer in the topology).
	Address string
	// Self marks this member; Blocked one this member blocks (it has
	// left the topology and will never be let back).
	Self, Blocked bool
}

// Topology returns the members of this member's latest topology, then the
// blocked members not in it, each sorted by id.
func (m *Member) Topology() []MemberInfo {
	addrs := m.view.addresses()
	blocked := m.Blocked()
	out := make([]MemberInfo, 0, len(addrs)+len(blocked))
	for _, id := range m.Members() {
		out = append(out, MemberInfo{ID: id, Node: NodeOf(id), Address: addrs[id], Self: id == m.ID(), Blocked: slices.Contains(blocked, id)})
	}
	for _, id := range blocked {
		if _, ok := addrs[id]; !ok {
			out = append(out, MemberInfo{ID: id, Node: NodeOf(id), Self: id == m.ID(), Blocked: true})
		}
	}
	return out
}

// NodeOf is the node name in a member id ("" when it has none).
func NodeOf(id string) string {
	i := strings.LastIndexByte(id, '-')
	if i < 0 {
		return ""
	}
	return id[:i]
}

// nodeNameRE is what a node name in a member id may be.
var nodeNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// memberID prefixes the library's random id with node when node is a
// plain name (letters, digits, dots, dashes, underscores), so members can be told
// apart by name; the random part keeps every start a new member.
func memberID(node, random string) string {
	if !nodeNameRE.MatchString(node) {
		return random
	}
	return node + "-" + random
}
