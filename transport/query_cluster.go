package transport

import (
	"context"
	"net/http"
)

// ClusterBackend answers GET /v1/cluster: this node's view of the cluster
// (PROTOCOL.md section 1, "Cluster"; docs/CLUSTER.md). Without one the
// route answers 404.
//
// Contract: ClusterStatus is safe for concurrent use, answers from memory
// (no store read) and returns at most MaxClusterChatIDs chat ids.
type ClusterBackend interface {
	ClusterStatus(ctx context.Context) (ClusterStatus, error)
}

// MaxClusterChatIDs bounds the chat ids an answer lists (the count in
// Hosted is exact).
const MaxClusterChatIDs = 1000

// ClusterStatus is one node's view of the cluster. Enabled is false on a
// node that runs alone (no members, nothing hosted).
type ClusterStatus struct {
	Enabled  bool            `json:"enabled"`
	Node     string          `json:"node"`
	MemberID string          `json:"member_id"`
	Address  string          `json:"address"`
	Members  []ClusterMember `json:"members"`
	// Hosted counts the identities active on this node, by kind ("chat").
	Hosted map[string]int `json:"hosted"`
	// ChatIDs are the chat identities active here, sorted, at most
	// MaxClusterChatIDs.
	ChatIDs []string `json:"chat_ids"`
}

// ClusterMember is a member as this node sees it: alive while in its
// topology, blocked once it left it (a blocked member is never let back;
// its restart joins as a new member).
type ClusterMember struct {
	ID      string `json:"id"`
	Node    string `json:"node"`
	Address string `json:"address"`
	Self    bool   `json:"self"`
	Alive   bool   `json:"alive"`
	Blocked bool   `json:"blocked"`
}

func (h *queryHandler) cluster(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Cluster == nil {
		http.NotFound(w, r)
		return
	}
	if h.refuse(w, newQueryParams(r.URL.Query()).result()) {
		return
	}
	st, err := h.cfg.Cluster.ClusterStatus(r.Context())
	if h.failed(w, r, err) {
		return
	}
	writeQueryJSON(w, http.StatusOK, st)
}
