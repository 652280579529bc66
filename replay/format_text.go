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
		streamWidth, e.Rec.Stream, typeWidth, e.Rec.Type, Summary(&e))
	return err
}

// Summary is the one-line gist of an event: the few fields that matter,
// then its correlation id when it has one.
func Summary(e *Entry) string {
	s := details(e)
	if c := e.Rec.Metadata.CorrelationID; c != "" {
		s += " corr=" + c
	}
	return s
}

func details(e *Entry) string {
	switch ev := e.Decode().(type) {
	case events.ConnectionOpened:
		return fmt.Sprintf("user=%s node=%s remote=%s proto=%s", ev.UserID, ev.Node, dash(ev.RemoteAddr), ev.Protocol)
	case events.ConnectionClosed:
		return fmt.Sprintf("user=%s reason=%s in=%d out=%d", ev.UserID, word(ev.Reason), ev.MessagesIn, ev.MessagesOut)
	case events.ForceReconnectIssued:
		return fmt.Sprintf("user=%s reason=%s retry_after_ms=%d", ev.UserID, word(ev.Reason), ev.RetryAfterMs)
	case events.ChatCreated:
		return fmt.Sprintf("by=%s title=%s members=%s", ev.CreatedBy, strconv.Quote(ev.Title), strings.Join(ev.Members, ","))
	case events.MessagePosted:
		return fmt.Sprintf("seq=%d from=%s client_msg_id=%s msg=%s body=%s", ev.Seq, ev.Sender, ev.ClientMsgID, ev.MessageID, preview(ev.Body))
	case events.ChatRead:
		return fmt.Sprintf("user=%s last_read_seq=%d", ev.User, ev.LastReadSeq)
	case events.ErrorRecorded:
		return fmt.Sprintf("%s %s user=%s %s", ev.Severity, ev.ErrorType, dash(ev.User), strconv.Quote(ev.Message))
	}
	if e.DecodeErr() != nil {
		return "undecodable: " + preview(string(e.Rec.Data))
	}
	return preview(string(e.Rec.Data))
}

// word quotes s when it would not read as one word.
func word(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\"=") {
		return strconv.Quote(s)
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// preview quotes s, cut to bodyPreview runes.
func preview(s string) string {
	if utf8.RuneCountInString(s) <= bodyPreview {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:bodyPreview])) + "…"
}
