package transport

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/linkup-chat/linkup/protocol"
)

// DeliveriesBackend answers GET /v1/deliveries (PROTOCOL.md section 6,
// v1.1) from the deliveries projection. A QueryBackend that also
// implements it serves the route; one that does not answers 404, as a v1
// server does.
//
// Contract: as QueryBackend's; Deliveries returns at most
// protocol.MaxDeliveryItems items, by user, and an error wrapping
// protocol.ErrUnknownItem when the chat has no such item in the read
// model.
type DeliveriesBackend interface {
	Deliveries(ctx context.Context, q protocol.DeliveriesQuery) (protocol.Deliveries, error)
}

// parseDeliveriesQuery reads /v1/deliveries' parameters: chat and a
// positive seq, both required.
func parseDeliveriesQuery(v url.Values) (protocol.DeliveriesQuery, error) {
	p := newQueryParams(v, "chat", "seq")
	q := protocol.DeliveriesQuery{Chat: p.str("chat"), Seq: p.positive("seq")}
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
	if errors.Is(err, protocol.ErrUnknownItem) {
		writeQueryError(w, http.StatusNotFound, protocol.APIErrorBody{Code: "not_found",
			Message: "no such timeline item in this chat (or not projected yet)"})
		return
	}
	if h.failed(w, r, err) {
		return
	}
	if d.Items == nil {
		d.Items = []protocol.DeliveryItem{}
	}
	writeQueryJSON(w, http.StatusOK, d)
}
