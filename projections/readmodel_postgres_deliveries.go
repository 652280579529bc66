package projections

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/linkup-chat/linkup/protocol"
)

// dcache is the transaction's deliveryCache (reads cost a round trip;
// writes are pipelined).
func (t *pgTx) dcache() *deliveryCache {
	t.deliv.init()
	return &t.deliv
}

func (t *pgTx) AddDeliveryChat(chatID string, members []string) error {
	chatID = storable(chatID)
	known, err := t.DeliveryChatKnown(chatID)
	if err != nil || known {
		return err
	}
	t.dcache().chats[chatID] = true
	if err := t.enqueue(`INSERT INTO `+t.table("delivery_chats")+` (chat_id) VALUES ($1) ON CONFLICT DO NOTHING`, chatID); err != nil {
		return err
	}
	return t.enqueue(`INSERT INTO `+t.table("delivery_members")+` (chat_id, user_id, joined_seq, left_seq)
		SELECT DISTINCT $1::text, m, 0::bigint, NULL::bigint FROM unnest($2::text[]) AS m ON CONFLICT DO NOTHING`, chatID, storableAll(members))
}

func (t *pgTx) DeliveryChatKnown(chatID string) (bool, error) {
	chatID = storable(chatID)
	c := t.dcache()
	if known, ok := c.chats[chatID]; ok {
		return known, nil
	}
	if err := t.send(); err != nil {
		return false, err
	}
	var known bool
	err := t.conn.QueryRow(t.ctx, `SELECT EXISTS (SELECT 1 FROM `+t.table("delivery_chats")+` WHERE chat_id = $1)`, chatID).Scan(&known)
	if err == nil {
		c.chats[chatID] = known
	}
	return known, err
}

func (t *pgTx) AddDeliveryItem(chatID string, seq uint64, at time.Time) error {
	if seq > math.MaxInt64 {
		return poison("seq %d out of range", seq)
	}
	us, ns := splitNanos(at)
	return t.enqueue(`INSERT INTO `+t.table("delivery_items")+` (chat_id, seq, posted_at, posted_at_ns) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, storable(chatID), int64(seq), us, int16(ns))
}

func (t *pgTx) JoinDeliveryMember(chatID, user string, seq uint64) error {
	if seq > math.MaxInt64 {
		return poison("seq %d out of range", seq)
	}
	members := t.table("delivery_members")
	return t.enqueue(`INSERT INTO `+members+` (chat_id, user_id, joined_seq, left_seq)
		SELECT $1::text, $2::text, $3::bigint, NULL::bigint WHERE NOT EXISTS (SELECT 1 FROM `+members+`
		WHERE chat_id = $1 AND user_id = $2 AND left_seq IS NULL) ON CONFLICT DO NOTHING`, storable(chatID), storable(user), int64(seq))
}

func (t *pgTx) LeaveDeliveryMember(chatID, user string, seq uint64) error {
	if seq > math.MaxInt64 {
		return poison("seq %d out of range", seq)
	}
	return t.enqueue(`UPDATE `+t.table("delivery_members")+` SET left_seq = $1 WHERE chat_id = $2 AND user_id = $3 AND left_seq IS NULL`,
		int64(seq), storable(chatID), storable(user))
}

func (t *pgTx) LastDeliveryMark(kind MarkKind, chatID, user string) (uint64, error) {
	key := [3]string{string(kind), storable(chatID), storable(user)}
	c := t.dcache()
	if v, ok := c.marks[key]; ok {
		return v.high, nil
	}
	if err := t.send(); err != nil {
		return 0, err
	}
	var upTo int64
	err := t.conn.QueryRow(t.ctx, `SELECT coalesce(max(up_to), 0) FROM `+t.table("delivery_marks")+`
		WHERE chat_id = $1 AND user_id = $2 AND kind = $3`, key[1], key[2], key[0]).Scan(&upTo)
	if err == nil {
		c.marks[key] = markHigh{high: uint64(upTo), row: uint64(upTo)}
	}
	return uint64(upTo), err
}

func (t *pgTx) AddDeliveryMark(m DeliveryMark) error {
	if m.UpTo > math.MaxInt64 {
		return poison("seq %d out of range", m.UpTo)
	}
	key := [3]string{string(m.Kind), storable(m.ChatID), storable(m.User)}
	t.dcache().marks[key] = markHigh{high: max(t.dcache().marks[key].high, m.UpTo), row: max(t.dcache().marks[key].row, m.UpTo)}
	us, ns := splitNanos(m.At)
	return t.enqueue(`INSERT INTO `+t.table("delivery_marks")+` (chat_id, user_id, kind, up_to, at, at_ns, connection_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		key[1], key[2], key[0], int64(m.UpTo), us, int16(ns), storable(m.ConnectionID))
}

// pgDeliveryItemsQuery is deliveryItemsQuery over the PostgreSQL tables.
const pgDeliveryItemsQuery = `SELECT m.user_id, d.at, d.at_ns, d.connection_id, r.at, r.at_ns
	FROM delivery_members m
	LEFT JOIN LATERAL (SELECT at, at_ns, connection_id FROM delivery_marks x WHERE x.chat_id = m.chat_id AND x.user_id = m.user_id
		AND x.kind = 'delivered' AND x.up_to >= $1 ORDER BY x.up_to LIMIT 1) d ON true
	LEFT JOIN LATERAL (SELECT at, at_ns FROM delivery_marks x WHERE x.chat_id = m.chat_id AND x.user_id = m.user_id
		AND x.kind = 'read' AND x.up_to >= $1 ORDER BY x.up_to LIMIT 1) r ON true
	WHERE m.chat_id = $2 AND m.joined_seq <= $1 AND (m.left_seq IS NULL OR m.left_seq > $1)
	ORDER BY m.user_id LIMIT `

// Deliveries answers the delivery audit of one item from the live tables,
// in one read-only, repeatable-read transaction.
func (p *Postgres) Deliveries(ctx context.Context, q protocol.DeliveriesQuery) (protocol.Deliveries, error) {
	a := protocol.Deliveries{ChatID: q.Chat, Seq: q.Seq, Items: []protocol.DeliveryItem{}}
	if q.Seq > math.MaxInt64 {
		return a, fmt.Errorf("chat %q seq %d: %w", q.Chat, q.Seq, ErrUnknownItem)
	}
	chatID := storable(q.Chat)
	err := pgx.BeginTxFunc(ctx, p.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var ns int16
		err := tx.QueryRow(ctx, `SELECT posted_at, posted_at_ns FROM delivery_items WHERE chat_id = $1 AND seq = $2`,
			chatID, int64(q.Seq)).Scan(&a.PostedAt, &ns)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("chat %q seq %d: %w", q.Chat, q.Seq, ErrUnknownItem)
		}
		if err != nil {
			return err
		}
		a.PostedAt = a.PostedAt.UTC().Add(time.Duration(ns))
		rows, err := tx.Query(ctx, pgDeliveryItemsQuery+strconv.Itoa(protocol.MaxDeliveryItems), int64(q.Seq), chatID)
		if err != nil {
			return err
		}
		a.Items, err = pgx.CollectRows(rows, scanPgDeliveryItem)
		return err
	})
	if err != nil && !errors.Is(err, ErrUnknownItem) {
		err = fmt.Errorf("projections: query deliveries: %w", err)
	}
	if a.Items == nil {
		a.Items = []protocol.DeliveryItem{}
	}
	return a, err
}

func scanPgDeliveryItem(row pgx.CollectableRow) (protocol.DeliveryItem, error) {
	var it protocol.DeliveryItem
	var dAt, rAt *time.Time
	var dNs, rNs *int16
	if err := row.Scan(&it.User, &dAt, &dNs, &it.DeliveredConnectionID, &rAt, &rNs); err != nil {
		return it, err
	}
	it.DeliveredAt, it.ReadAt = withNanos(dAt, dNs), withNanos(rAt, rNs)
	return it, nil
}

// withNanos is t (UTC) plus the nanoseconds below its microsecond; nil
// stays nil.
func withNanos(t *time.Time, ns *int16) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	if ns != nil {
		v = v.Add(time.Duration(*ns))
	}
	return &v
}
