package chat

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/linkup-chat/linkup/events"
)

// TestScripts runs the scripts in testdata: commands in, events, replies,
// deliveries and states out, with no actor and no I/O. Rewrite the
// expectations after a deliberate change with
// `go test ./chat/ -run TestScripts -rewrite`.
//
// Directives:
//
//	new chat=<id>            a chat with no events
//	decide [at=<seconds>]    decide the command lines below (one batch)
//	advance                  apply the last decided Ready, as after a durable append
//	fail                     drop the last decided Ready, as after a failed append
//	apply                    apply the event lines below as stored facts
//	state                    print the state
//
// Command lines: create by= title= members=(a, b) | post sender= cmid= body=
// id= | read user= seq= | read user= latest | typing user= on | add by=
// users=(...) | remove by= user= | leave user= | edit by= seq= body= |
// delete by= seq= | deliver user= conn= seq=. Event lines: created by= members=(...) | posted seq=
// sender= cmid= | read user= seq= | added seq= users=(...) by= | removed
// seq= user= by= | edited seq= target= body= by= | deleted seq= target= by=
// | delivered user= conn= seq=.
// A value "-" stands for the empty string, "x*<n>" for n x's.
func TestScripts(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		r := &runner{}
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			out, err := r.run(td)
			if err != nil {
				t.Fatalf("%s: %v", td.Pos, err)
			}
			return out
		})
	})
}

var scriptT0 = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

type runner struct {
	s    *State
	rd   *Ready
	next uint64 // stream revision of the next event
}

func (r *runner) run(td *datadriven.TestData) (string, error) {
	if td.Cmd != "new" && r.s == nil {
		return "", fmt.Errorf("%s before new", td.Cmd)
	}
	switch td.Cmd {
	case "new":
		r.s, r.rd, r.next = NewState(argOf(td.CmdArgs, "chat")), nil, 0
		return "ok\n", nil
	case "decide":
		return r.decide(td)
	case "advance", "fail":
		return r.finish(td.Cmd == "advance")
	case "apply":
		return r.apply(td.Input)
	case "state":
		return stateString(r.s), nil
	}
	return "", fmt.Errorf("unknown directive %q", td.Cmd)
}

func (r *runner) decide(td *datadriven.TestData) (string, error) {
	var cmds []Command
	for _, line := range lines(td.Input) {
		c, err := parseCommand(line)
		if err != nil {
			return "", err
		}
		cmds = append(cmds, c)
	}
	at, _ := strconv.Atoi(argOf(td.CmdArgs, "at"))
	rd := Decide(r.s, scriptT0.Add(time.Duration(at)*time.Second), cmds)
	r.rd = &rd
	return readyString(rd), nil
}

func (r *runner) finish(durable bool) (string, error) {
	if r.rd == nil {
		return "", fmt.Errorf("no Ready to finish")
	}
	if durable {
		r.s.Advance(*r.rd, r.next)
		r.next += uint64(len(r.rd.Events))
	}
	r.rd = nil
	return stateString(r.s), nil
}

func (r *runner) apply(input string) (string, error) {
	for _, line := range lines(input) {
		ev, err := parseEvent(r.s.ChatID, line)
		if err != nil {
			return "", err
		}
		r.s.Apply(ev, r.next)
		r.next++
	}
	return stateString(r.s), nil
}

func lines(input string) []string {
	var out []string
	for l := range strings.SplitSeq(input, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func parseCommand(line string) (Command, error) {
	cmd, args, err := datadriven.ParseLine(line)
	if err != nil {
		return nil, err
	}
	a := func(k string) string { return argOf(args, k) }
	switch cmd {
	case "create":
		return Create{By: a("by"), Title: a("title"), Members: valsOf(args, "members")}, nil
	case "post":
		return Post{Sender: a("sender"), ClientMsgID: a("cmid"), Body: a("body"), MessageID: a("id")}, nil
	case "read":
		return Read{User: a("user"), Seq: uintOf(a("seq")), ToLatest: hasArg(args, "latest")}, nil
	case "typing":
		return Typing{User: a("user"), IsTyping: hasArg(args, "on")}, nil
	case "add":
		return AddMembers{By: a("by"), Users: valsOf(args, "users")}, nil
	case "remove":
		return RemoveMember{By: a("by"), User: a("user")}, nil
	case "leave":
		return RemoveMember{By: a("user"), User: a("user")}, nil
	case "edit":
		return Edit{By: a("by"), Seq: uintOf(a("seq")), Body: a("body")}, nil
	case "delete":
		return Delete{By: a("by"), Seq: uintOf(a("seq"))}, nil
	case "deliver":
		return Deliver{User: a("user"), Conn: a("conn"), Node: "n1", Seq: uintOf(a("seq"))}, nil
	}
	return nil, fmt.Errorf("unknown command %q", cmd)
}

func parseEvent(chatID, line string) (events.Event, error) {
	cmd, args, err := datadriven.ParseLine(line)
	if err != nil {
		return nil, err
	}
	a := func(k string) string { return argOf(args, k) }
	switch cmd {
	case "created":
		return events.ChatCreated{ChatID: chatID, Title: a("title"), Members: valsOf(args, "members"), CreatedBy: a("by"), At: scriptT0}, nil
	case "posted":
		return events.MessagePosted{ChatID: chatID, Seq: uintOf(a("seq")), MessageID: "m" + a("seq"), Sender: a("sender"),
			Body: "b", ClientMsgID: a("cmid"), SentAt: scriptT0}, nil
	case "read":
		return events.ChatRead{ChatID: chatID, User: a("user"), LastReadSeq: uintOf(a("seq")), At: scriptT0}, nil
	case "added":
		return events.MembersAdded{ChatID: chatID, Seq: uintOf(a("seq")), Users: valsOf(args, "users"), By: a("by"), At: scriptT0}, nil
	case "removed":
		return events.MemberRemoved{ChatID: chatID, Seq: uintOf(a("seq")), User: a("user"), By: a("by"), At: scriptT0}, nil
	case "edited":
		return events.MessageEdited{ChatID: chatID, Seq: uintOf(a("seq")), TargetSeq: uintOf(a("target")), Body: a("body"), By: a("by"), At: scriptT0}, nil
	case "delivered":
		return events.MessagesDelivered{ChatID: chatID, User: a("user"), ConnectionID: a("conn"), DeliveredSeq: uintOf(a("seq")), At: scriptT0}, nil
	case "deleted":
		return events.MessageDeleted{ChatID: chatID, Seq: uintOf(a("seq")), TargetSeq: uintOf(a("target")), By: a("by"), At: scriptT0}, nil
	}
	return nil, fmt.Errorf("unknown event %q", cmd)
}

func argOf(args []datadriven.CmdArg, key string) string {
	if v := valsOf(args, key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// valsOf returns key's values, with "-" for the empty string and "x*<n>"
// for n x's.
func valsOf(args []datadriven.CmdArg, key string) []string {
	for _, a := range args {
		if a.Key != key {
			continue
		}
		out := make([]string, len(a.Vals))
		for i, v := range a.Vals {
			out[i] = expand(v)
		}
		return out
	}
	return nil
}

func expand(v string) string {
	if v == "-" {
		return ""
	}
	if n, ok := strings.CutPrefix(v, "x*"); ok {
		k, _ := strconv.Atoi(n)
		return strings.Repeat("x", k)
	}
	return v
}

func hasArg(args []datadriven.CmdArg, key string) bool {
	return slices.ContainsFunc(args, func(a datadriven.CmdArg) bool { return a.Key == key })
}

func uintOf(s string) uint64 {
	n, _ := strconv.ParseUint(s, 10, 64)
	return n
}

func readyString(rd Ready) string {
	var b strings.Builder
	for _, e := range rd.Events {
		fmt.Fprintf(&b, "event <- cmd %d: %s\n", e.Cmd, eventString(e.Event))
	}
	for _, r := range rd.Replies {
		fmt.Fprintf(&b, "reply cmd %d %s: %s\n", r.Cmd, when(r), replyString(r))
	}
	for _, d := range rd.Deliveries {
		fmt.Fprintf(&b, "deliver <- cmd %d: %s\n", d.Cmd, deliveryString(d))
	}
	if b.Len() == 0 {
		return "nothing\n"
	}
	return b.String()
}

func when(r Reply) string {
	switch {
	case r.Stored:
		return "after append (stored)"
	case r.Waits:
		return "after append"
	}
	return "now"
}

func eventString(ev events.Event) string {
	switch e := ev.(type) {
	case events.ChatCreated:
		return fmt.Sprintf("ChatCreated by=%s title=%s members=%s at=%s", e.CreatedBy, short(e.Title), strings.Join(e.Members, ","), stamp(e.At))
	case events.MessagePosted:
		return fmt.Sprintf("MessagePosted seq=%d id=%s sender=%s cmid=%s body=%s at=%s", e.Seq, e.MessageID, e.Sender, e.ClientMsgID, short(e.Body), stamp(e.SentAt))
	case events.ChatRead:
		return fmt.Sprintf("ChatRead user=%s last_read=%d at=%s", e.User, e.LastReadSeq, stamp(e.At))
	case events.MembersAdded:
		return fmt.Sprintf("MembersAdded seq=%d users=%s members=%s by=%s at=%s", e.Seq, strings.Join(e.Users, ","), strings.Join(e.Members, ","), e.By, stamp(e.At))
	case events.MemberRemoved:
		return fmt.Sprintf("MemberRemoved seq=%d user=%s members=%s by=%s at=%s", e.Seq, e.User, strings.Join(e.Members, ","), e.By, stamp(e.At))
	case events.MessageEdited:
		return fmt.Sprintf("MessageEdited seq=%d target=%d body=%s by=%s at=%s", e.Seq, e.TargetSeq, short(e.Body), e.By, stamp(e.At))
	case events.MessageDeleted:
		return fmt.Sprintf("MessageDeleted seq=%d target=%d by=%s at=%s", e.Seq, e.TargetSeq, e.By, stamp(e.At))
	case events.MessagesDelivered:
		return fmt.Sprintf("MessagesDelivered user=%s conn=%s delivered=%d at=%s", e.User, e.ConnectionID, e.DeliveredSeq, stamp(e.At))
	}
	return ev.EventType()
}

// short quotes s, or gives its length when it is long.
func short(s string) string {
	if len(s) > 24 {
		return fmt.Sprintf("<%d bytes>", len(s))
	}
	return strconv.Quote(s)
}

func stamp(t time.Time) string { return "+" + t.Sub(scriptT0).String() }

func replyString(r Reply) string {
	switch {
	case r.Err != nil:
		return "error " + r.Err.Error()
	case r.Created.ChatID != "":
		return "created"
	case r.Original != 0:
		return fmt.Sprintf("repeat of stored seq=%d", r.Original)
	case r.Posted.Seq != 0 && !r.Stored:
		return fmt.Sprintf("repeat of seq=%d id=%s", r.Posted.Seq, r.Posted.MessageID)
	case r.Posted.Seq != 0:
		return fmt.Sprintf("posted seq=%d id=%s", r.Posted.Seq, r.Posted.MessageID)
	case r.Members != nil:
		return "members=" + strings.Join(r.Members, ",")
	case r.Seq != 0:
		return fmt.Sprintf("seq=%d", r.Seq)
	case r.Delivered != 0:
		return fmt.Sprintf("delivered=%d", r.Delivered)
	}
	return fmt.Sprintf("last_read=%d", r.LastRead)
}

func deliveryString(d Delivery) string {
	switch d.Kind {
	case DeliverJoined:
		return "joined " + strings.Join(d.Created.Members, ",")
	case DeliverItem:
		if d.Item.Kind != KindMessage {
			return fmt.Sprintf("item %s seq=%d", d.Item.Kind, d.Item.Seq)
		}
		return fmt.Sprintf("item %s seq=%d sender=%s", d.Item.Kind, d.Item.Seq, d.Item.Message.Sender)
	case DeliverRead:
		return fmt.Sprintf("read %s=%d", d.User, d.LastRead)
	case DeliverTyping:
		return fmt.Sprintf("typing %s=%v", d.User, d.IsTyping)
	case DeliverDelivered:
		return fmt.Sprintf("delivered %s=%d", d.User, d.LastRead)
	}
	return "unknown"
}

func stateString(s *State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "chat %s created=%v", s.ChatID, s.Created)
	if s.Created {
		fmt.Fprintf(&b, " title=%q members=%s", s.Title, strings.Join(s.Members, ","))
	}
	fmt.Fprintf(&b, " latest=%d revision=%d\n", s.LatestSeq, s.Revision)
	for _, u := range slices.Sorted(func(yield func(string) bool) {
		for u := range s.Read {
			if !yield(u) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "read %s=%d unread=%d\n", u, s.Read[u], s.Unread(u))
		if d := s.Delivered[u]; d > 0 {
			fmt.Fprintf(&b, "delivered %s=%d\n", u, d)
		}
	}
	for seq := uint64(1); seq <= s.LatestSeq; seq++ {
		if d, ok := s.Deleted(seq); ok {
			fmt.Fprintf(&b, "deleted %d by seq=%d\n", seq, d)
		} else if e, ok := s.items.edits[seq]; ok {
			fmt.Fprintf(&b, "edited %d by seq=%d body=%s\n", seq, e.seq, short(e.body))
		}
	}
	return b.String()
}
