package transport

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"
)

// DeliveriesBackend answers GET /v1/deliveries (PROTOCOL.md section 6,
// v1.1) from the deliveries projection. A QueryBackend that also
// implements it serves the route; one that does not answers 404, as a v1
// server does.
//
// Contract: as QueryBackend's; Deliveries returns at most MaxDeliveryItems
// items, by user, and an error wrapping ErrUnknownItem when the chat has
// no such item in the read model.
type DeliveriesBackend interface {
	Deliveries(ctx context.Context, q DeliveriesQuery) (Deliveries, error)
}

// DeliveriesQuery names one timeline item.
type DeliveriesQuery struct {
	Chat string
	Seq  uint64
}

// Deliveries is the delivery audit of one timeline item: one item per
// member at that seq.
type Deliveries struct {
	ChatID   string         `json:"chat_id"`
	Seq      uint64         `json:"seq"`
	PostedAt time.Time      `json:"posted_at"`
	Items    []DeliveryItem `json:"items"`
}

// DeliveryItem is what happened to the item for one member; null where it
// never happened.
type DeliveryItem struct {
	User                  string     `json:"user"`
	DeliveredAt           *time.Time `json:"delivered_at"`
	DeliveredConnectionID *string    `json:"delivered_connection_id"`
	ReadAt                *time.Time `json:"read_at"`
}

// MaxDeliveryItems bounds an answer: the chat member cap.
const MaxDeliveryItems = 1000

// parseDeliveriesQuery reads /v1/deliveries' parameters: chat and a
// positive seq, both required.
func parseDeliveriesQuery(v url.Values) (DeliveriesQuery, error) {
	p := newQueryParams(v, "chat", "seq")
	q := DeliveriesQuery{Chat: p.str("chat"), Seq: p.positive("seq")}
	if v.Get("seq") == "" {
		p.fail(badQueryParam("seq", "required"))
	}
	if v.Get("chat") == "" {
		p.fail(badQueryParam("chat", "required"))
	}
	return q, p.result()
}

func (h *queryHandler) deliveries(w http.ResponseWriter, r *http.Request) {
	b, ok := h.cfg.Backend.(DeliveriesBackend)
	if !ok {
		http.NotFound(w, r)
		return
	}
	q, err := parseDeliveriesQuery(r.URL.Query())
	if h.refuse(w, err) {
		return
	}
	d, err := b.Deliveries(r.Context(), q)
	if errors.Is(err, ErrUnknownItem) {
		writeQueryError(w, http.StatusNotFound, queryAPIError{Code: "not_found",
			Message: "no such timeline item in this chat (or not projected yet)"})
		return
	}
	if h.failed(w, r, err) {
		return
	}
	if d.Items == nil {
		d.Items = []DeliveryItem{}
	}
	writeQueryJSON(w, http.StatusOK, d)
}
