package replay

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteChain writes a chain for a person: the command it follows, then
// its events in store order, each indented by its causation depth.
func WriteChain(w io.Writer, c Chain) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "command %s (correlation id): %d event(s)\n", word(c.Root), len(c.Entries))
	for _, e := range c.Entries {
		fmt.Fprintf(bw, "%-24s %*d  %s%s %s %s id=%s",
			stamp(e.At), posWidth, e.Rec.Position, strings.Repeat("  ", e.Depth), word(e.Rec.Stream), word(e.Rec.Type), details(&e.Entry), word(e.Rec.ID))
		if cause := e.Rec.Metadata.CausationID; cause != "" {
			fmt.Fprintf(bw, " caused_by=%s", word(cause))
		}
		bw.WriteByte('\n')
	}
	if c.Truncated {
		fmt.Fprintln(bw, "... truncated: the chain has more events than replay keeps")
	}
	return bw.Flush()
}

// WriteDiff writes a diff for a person: the two points, then one change
// per line.
func WriteDiff(w io.Writer, d ChatDiff) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "chat %s\n  from %s\n  to   %s\n", word(d.ChatID), describe(d.From), describe(d.To))
	changes := d.Changes()
	if len(changes) == 0 {
		fmt.Fprintln(bw, "no changes")
	}
	for _, c := range changes {
		fmt.Fprintf(bw, "- %s\n", line(c))
	}
	return bw.Flush()
}

func describe(v ChatView) string {
	if v.Position == 0 {
		return "(chat not yet created)"
	}
	return fmt.Sprintf("position %d (%s), latest_seq %d", v.Position, stamp(v.At), v.LatestSeq)
}
