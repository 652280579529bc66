// Package replay rebuilds what happened from linkup's event log, for the
// people on call after an incident: a filtered timeline in store order, the
// chain of events one client command caused, and the state of a chat or a
// user at a moment, folded by the very apply functions the live actors use
// (chat.Fold, (*chat.State).ApplyRecorded). It only ever reads
// the store it is given; the command opens that store read-only.
//
// Usage:
//
//	r, err := replay.New(replay.Config{Store: store, TimeOrdered: true})
//	if err != nil { ... }
//	q := replay.Query{Chat: "c1", Since: t0, Until: t1}
//	n, err := replay.Print(os.Stdout, replay.FormatText, r.Timeline(ctx, q))
//
//	view, err := r.ChatAt(ctx, "c1", replay.Point{At: t})
//	json.NewEncoder(os.Stdout).Encode(view)
//
// Times: an event's time ("at") is the time carried in its data (at, or
// sent_at for MessagePosted), the moment the node decided it; events without
// one fall back to the store's append time. Windows and --at compare against
// that time. A stream's state "at T" is its fold up to, not including, the
// first of its events later than T.
package replay
