package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/linkup-chat/linkup/events"
)

// batchPlan says which appends of a batch are written: ok[i] for batch[i].
type batchPlan struct {
	ok   []bool
	rows int
}

// plan checks each append's expected revision against the stream heads
// (as read under the append lock, plus the batch's own earlier appends)
// and numbers the accepted ones' events: positions after last, revisions
// after their stream's head. A conflicting append gets its error in
// results and is left out.
func plan(batch []*appendReq, results []appendResp, last int64, heads map[string]int64) batchPlan {
	p := batchPlan{ok: make([]bool, len(batch))}
	for i, req := range batch {
		head, exists := heads[req.stream]
		if !req.expected.Check(uint64(head), exists) {
			results[i].err = fmt.Errorf("postgres: append %s: expected %s, stream at %s: %w",
				req.stream, req.expected, describeHead(head, exists), events.ErrWrongExpectedRevision)
			continue
		}
		rev := head + 1
		if !exists {
			rev = 0
		}
		for j := range req.rows {
			last++
			req.rows[j].position, req.rows[j].revision = last, rev
			rev++
		}
		heads[req.stream] = rev - 1
		results[i].res = events.AppendResult{NextExpectedRevision: uint64(rev - 1), Position: uint64(last)}
		p.ok[i] = true
		p.rows += len(req.rows)
	}
	return p
}

func describeHead(head int64, exists bool) string {
	if !exists {
		return "no stream"
	}
	return fmt.Sprintf("revision %d", head)
}

// insertCommit inserts the planned rows (one multi-row INSERT per chunk of
// at most MaxBatch rows or maxChunkBytes), notifies listeners and commits,
// in one round trip. The NOTIFY is delivered only if the COMMIT succeeds.
func (w *writer) insertCommit(ctx context.Context, conn *pgxpool.Conn, batch []*appendReq, results []appendResp, p batchPlan) error {
	b := &pgx.Batch{}
	var c chunk
	for i, req := range batch {
		if !p.ok[i] {
			continue
		}
		for j := range req.rows {
			if c.n > 0 && (c.n >= w.s.cfg.MaxBatch || c.bytes+rowBytes(&req.rows[j]) > maxChunkBytes) {
				c.queue(b)
				c = chunk{}
			}
			c.add(req.stream, &req.rows[j])
		}
	}
	c.queue(b)
	b.Queue("SELECT pg_notify($1, '')", channel)
	b.Queue("COMMIT")
	br := conn.SendBatch(ctx, b)
	defer br.Close()
	for range b.Len() - 1 {
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	tag, err := br.Exec()
	if err != nil {
		return err
	}
	if tag.String() != "COMMIT" {
		return fmt.Errorf("COMMIT answered %q", tag.String())
	}
	return br.Close()
}

// chunk is the column arrays of one INSERT.
type chunk struct {
	n, bytes    int
	pos, rev    []int64
	stream, typ []string
	id          []uuid.UUID
	data, md    []string
}

func (c *chunk) add(stream string, r *row) {
	c.n++
	c.bytes += rowBytes(r)
	c.pos, c.rev = append(c.pos, r.position), append(c.rev, r.revision)
	c.stream, c.typ = append(c.stream, stream), append(c.typ, r.typ)
	c.id = append(c.id, r.id)
	c.data, c.md = append(c.data, r.data), append(c.md, r.metadata)
}

func (c *chunk) queue(b *pgx.Batch) {
	if c.n == 0 {
		return
	}
	b.Queue(insertSQL, c.pos, c.stream, c.rev, c.id, c.typ, c.data, c.md)
}

func rowBytes(r *row) int { return len(r.data) + len(r.metadata) + len(r.typ) + 64 }
