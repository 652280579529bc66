package main

import "time"

// ChatSpec is one chat the run creates.
type ChatSpec struct {
	ID      string   `json:"id"`
	Members []string `json:"members"` // the creator first
}

// ClientSpec is one simulated user with one connection and its behaviour.
// Rates are per second; zero means never.
type ClientSpec struct {
	User string `json:"user"`
	// URL is the server this client dials when --url names several;
	// empty: Job.URL.
	URL         string        `json:"url,omitempty"`
	Chats       []string      `json:"chats,omitempty"`
	Creates     []ChatSpec    `json:"creates,omitempty"`
	MsgRate     float64       `json:"msg_rate,omitempty"`
	TypingRate  float64       `json:"typing_rate,omitempty"`
	ReceiptRate float64       `json:"receipt_rate,omitempty"`
	SyncRate    float64       `json:"sync_rate,omitempty"`
	ChurnEvery  time.Duration `json:"churn_every,omitempty"`
	// DeliveryReceipts: the client confirms what it received with
	// delivery_receipt, at most once a second per chat (mixed).
	DeliveryReceipts bool `json:"delivery_receipts,omitempty"`
	// Expect names the tallies of a peer-mode client: one per sender of
	// each of its chats (peerKey), since peers number messages per sender.
	Expect []string `json:"expect,omitempty"`
}

// Job is what the parent hands one worker: first line on its stdin.
type Job struct {
	Target    string        `json:"target,omitempty"` // linkup (empty) or centrifugo
	URL       string        `json:"url"`
	Secret    string        `json:"secret"`
	LocalAddr string        `json:"local_addr,omitempty"`
	Duration  time.Duration `json:"duration"`
	BodyBytes int           `json:"body_bytes"`
	Window    int           `json:"window"`
	Dialers   int           `json:"dialers"`
	Drain     time.Duration `json:"drain"`
	Clients   []ClientSpec  `json:"clients"`
}

// Command is a parent-to-worker line after the job.
type Command struct {
	Cmd  string            `json:"cmd"` // create, go, drain
	Last map[string]uint64 `json:"last,omitempty"`
}

// Report is a worker-to-parent line on stdout.
type Report struct {
	Phase  string            `json:"phase"` // connected, subscribed, sent, done
	Count  int               `json:"count"`
	Failed int               `json:"failed"`
	Last   map[string]uint64 `json:"last,omitempty"`
	Result *Result           `json:"result,omitempty"`
	Err    string            `json:"err,omitempty"`
}
