package projections

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/linkup-chat/linkup/replay"
)

// TestDeliveriesAgreeWithReplayAudit projects the scripted log and asks
// each read model and `linkup replay audit` (replay.Audit, from the log
// alone) about every timeline item of every chat: the answers must be
// the same, member for member, to the nanosecond.
func TestDeliveriesAgreeWithReplayAudit(t *testing.T) {
	forEachBackend(t, testDeliveriesAgreeWithReplayAudit)
}

func testDeliveriesAgreeWithReplayAudit(t *testing.T, b backend) {
	st, rm := openStore(t, t.TempDir()), b.openNew(t)
	writeScript(t, st)
	startRunner(t, st, rm, nil)
	waitCaughtUp(t, st, rm)
	items := map[string]uint64{"c1": 5, "c2": 1, "c3": 5}
	checkDeliveriesAgree(t, st, rm, items)

	// Rebuilt from zero, the answers stay the same.
	if _, err := Rebuild(context.Background(), RebuildConfig{Store: st, ReadModel: rm, Projection: Deliveries{}, BatchSize: 3}); err != nil {
		t.Fatal(err)
	}
	checkDeliveriesAgree(t, st, rm, items)
}

// TestDeliveriesAnswerTheScript pins the c3 story by hand: the first of
// two deliveries counts, a member added later and one removed.
func TestDeliveriesAnswerTheScript(t *testing.T) {
	forEachBackend(t, testDeliveriesAnswerTheScript)
}

func testDeliveriesAnswerTheScript(t *testing.T, b backend) {
	st, rm := openStore(t, t.TempDir()), b.openNew(t)
	writeScript(t, st)
	startRunner(t, st, rm, nil)
	waitCaughtUp(t, st, rm)
	ctx := context.Background()
	for _, c := range []struct {
		seq  uint64
		want string
	}{
		{1, "erin - - 09:32 | frank 09:33 k7 09:36 | gus - - 09:37"},
		{2, "erin - - - | frank - - 09:36 | gus - - 09:37 | hal 09:38 k9 -"},
		{4, "erin - - - | frank - - - | hal - - -"},
	} {
		a, err := rm.Deliveries(ctx, protocol.DeliveriesQuery{Chat: "c3", Seq: c.seq})
		if err != nil {
			t.Fatal(err)
		}
		if got := renderDeliveries(a); got != c.want {
			t.Errorf("seq %d:\n got %s\nwant %s", c.seq, got, c.want)
		}
	}
	for _, q := range []protocol.DeliveriesQuery{{Chat: "c3", Seq: 6}, {Chat: "nope", Seq: 1}, {Chat: "ghost", Seq: 1}} {
		if _, err := rm.Deliveries(ctx, q); !errors.Is(err, ErrUnknownItem) {
			t.Errorf("%+v: %v, want ErrUnknownItem", q, err)
		}
	}
}

func renderDeliveries(a protocol.Deliveries) string {
	hm := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Format("15:04")
	}
	var parts []string
	for _, it := range a.Items {
		conn := "-"
		if it.DeliveredConnectionID != nil {
			conn = *it.DeliveredConnectionID
		}
		parts = append(parts, fmt.Sprintf("%s %s %s %s", it.User, hm(it.DeliveredAt), conn, hm(it.ReadAt)))
	}
	return strings.Join(parts, " | ")
}

// checkDeliveriesAgree compares the read model with replay.Audit for
// seqs 1..last of each chat.
func checkDeliveriesAgree(t *testing.T, st events.Store, rm ReadModel, last map[string]uint64) {
	t.Helper()
	r, err := replay.New(replay.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for chatID, n := range last {
		for seq := uint64(1); seq <= n; seq = nextAudited(seq, n) {
			want, err := r.Audit(ctx, replay.AuditQuery{Chat: chatID, Seq: seq})
			if err != nil {
				t.Fatal(err)
			}
			got, err := rm.Deliveries(ctx, protocol.DeliveriesQuery{Chat: chatID, Seq: seq})
			if err != nil {
				t.Fatal(err)
			}
			if g, w := auditString(got), replayAuditString(want); g != w {
				t.Errorf("chat %s seq %d:\nread model %s\nreplay     %s", chatID, seq, g, w)
			}
		}
	}
}

// raceAuditStride: under the race detector every replay audit re-reads
// the log, so comparing each of 800 items took 250 s of the race run;
// there every 7th item and the last are compared (the plain run compares
// every one).
const raceAuditStride = 7

// nextAudited is the seq compared after seq, up to last.
func nextAudited(seq, last uint64) uint64 {
	if !raceEnabled || seq == last {
		return seq + 1
	}
	return min(seq+raceAuditStride, last)
}

func auditString(a protocol.Deliveries) string {
	s := fmt.Sprintf("%s/%d %s:", a.ChatID, a.Seq, a.PostedAt.UTC().Format(time.RFC3339Nano))
	for _, it := range a.Items {
		s += fmt.Sprintf(" [%s %s %s %s]", it.User, stamp(it.DeliveredAt), str(it.DeliveredConnectionID), stamp(it.ReadAt))
	}
	return s
}

func replayAuditString(a replay.Audit) string {
	s := fmt.Sprintf("%s/%d %s:", a.ChatID, a.Seq, a.PostedAt.UTC().Format(time.RFC3339Nano))
	for _, it := range a.Items {
		s += fmt.Sprintf(" [%s %s %s %s]", it.User, stamp(it.DeliveredAt), str(it.DeliveredConnectionID), stamp(it.ReadAt))
	}
	return s
}

func stamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func str(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}
