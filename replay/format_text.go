package replay

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/linkup-chat/linkup/events"
)

// Column widths of FormatText; longer values push the row right.
const (
	posWidth    = 8
	streamWidth = 47 // "connection-" and a UUID
	typeWidth   = 20
	bodyPreview = 40
)

// TextHeader is the first line of FormatText output.
var TextHeader = fmt.Sprintf("%-24s %*s  %-*s %-*s %s", "AT", posWidth, "POS", streamWidth, "STREAM", typeWidth, "TYPE", "DETAILS")

// textWriter returns a writer of text rows that writes TextHeader first.
func textWriter() func(*bufio.Writer, Entry) error {
	header := false
	return func(bw *bufio.Writer, e Entry) error {
		if !header {
			bw.WriteString(TextHeader + "\n")
			header = true
		}
		return writeText(bw, e)
	}
}

func writeText(bw *bufio.Writer, e Entry) error {
	_, err := fmt.Fprintf(bw, "%-24s %*d  %-*s %-*s %s\n", stamp(e.At), posWidth, e.Rec.Position,
		streamWidth, word(e.Rec.Stream), typeWidth, word(e.Rec.Type), Summary(&e))
	return err
}

// Summary is the one-line gist of an event: the few fields that matter,
// then its correlation id when it has one.
func Summary(e *Entry) string {
	s := details(e)
	if c := e.Rec.Metadata.CorrelationID; c != "" {
		s += " corr=" + word(c)
	}
	return s
}

func details(e *Entry) string {
	switch ev := e.Decode().(type) {
	case events.ConnectionOpened:
		return fmt.Sprintf("user=%s node=%s remote=%s proto=%s", word(ev.UserID), word(ev.Node), dash(ev.RemoteAddr), word(ev.Protocol))
	case events.ConnectionClosed:
		return fmt.Sprintf("user=%s reason=%s in=%d out=%d", word(ev.UserID), word(ev.Reason), ev.MessagesIn, ev.MessagesOut)
	case events.ForceReconnectIssued:
		return fmt.Sprintf("user=%s reason=%s retry_after_ms=%d", word(ev.UserID), word(ev.Reason), ev.RetryAfterMs)
	case events.ChatCreated:
		return fmt.Sprintf("by=%s title=%s members=%s", word(ev.CreatedBy), strconv.Quote(ev.Title), words(ev.Members))
	case events.MessagePosted:
		return fmt.Sprintf("seq=%d from=%s client_msg_id=%s msg=%s body=%s", ev.Seq, word(ev.Sender), word(ev.ClientMsgID), word(ev.MessageID), preview(ev.Body))
	case events.ChatRead:
		return fmt.Sprintf("user=%s last_read_seq=%d", word(ev.User), ev.LastReadSeq)
	case events.ErrorRecorded:
		return fmt.Sprintf("%s %s user=%s %s", word(ev.Severity), word(ev.ErrorType), dash(ev.User), strconv.Quote(ev.Message))
	case events.MembersAdded:
		return fmt.Sprintf("seq=%d by=%s added=%s members=%s", ev.Seq, word(ev.By), words(ev.Users), words(ev.Members))
	case events.MemberRemoved:
		return fmt.Sprintf("seq=%d by=%s removed=%s members=%s", ev.Seq, word(ev.By), word(ev.User), words(ev.Members))
	case events.MessageEdited:
		return fmt.Sprintf("seq=%d by=%s target_seq=%d body=%s", ev.Seq, word(ev.By), ev.TargetSeq, preview(ev.Body))
	case events.MessageDeleted:
		return fmt.Sprintf("seq=%d by=%s target_seq=%d", ev.Seq, word(ev.By), ev.TargetSeq)
	case events.MessagesDelivered:
		return fmt.Sprintf("user=%s delivered_seq=%d connection=%s node=%s", word(ev.User), ev.DeliveredSeq, word(ev.ConnectionID), word(ev.Node))
	}
	if e.DecodeErr() != nil {
		return "undecodable: " + preview(string(e.Rec.Data))
	}
	return preview(string(e.Rec.Data))
}

// dash is word, with "-" for an empty string.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return word(s)
}

// words joins ids with commas, each made safe by word.
func words(ids []string) string {
	safe := make([]string, len(ids))
	for i, id := range ids {
		safe[i] = word(id)
	}
	return strings.Join(safe, ",")
}

// preview quotes s, cut to bodyPreview runes.
func preview(s string) string {
	if utf8.RuneCountInString(s) <= bodyPreview {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:bodyPreview])) + "…"
}
