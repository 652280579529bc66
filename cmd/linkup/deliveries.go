package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/linkup-chat/linkup/projections"
	"github.com/linkup-chat/linkup/transport"
)

var _ transport.DeliveriesBackend = (*queryBackend)(nil)

// Deliveries answers GET /v1/deliveries from the deliveries projection.
func (b *queryBackend) Deliveries(ctx context.Context, q transport.DeliveriesQuery) (transport.Deliveries, error) {
	a, err := b.rm.Deliveries(ctx, projections.DeliveryQuery{Chat: q.Chat, Seq: q.Seq})
	if errors.Is(err, projections.ErrUnknownItem) {
		return transport.Deliveries{}, fmt.Errorf("%w: %v", transport.ErrUnknownItem, err)
	}
	if err != nil {
		return transport.Deliveries{}, err
	}
	out := transport.Deliveries{ChatID: a.ChatID, Seq: a.Seq, PostedAt: a.PostedAt, Items: make([]transport.DeliveryItem, len(a.Items))}
	for i, it := range a.Items {
		out.Items[i] = transport.DeliveryItem{User: it.User, DeliveredAt: it.DeliveredAt,
			DeliveredConnectionID: it.DeliveredConnectionID, ReadAt: it.ReadAt}
	}
	return out, nil
}
