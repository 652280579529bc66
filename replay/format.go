package replay

import (
	"bufio"
	"fmt"
	"io"
	"iter"
)

// Format is how Print writes a timeline.
type Format string

// The formats of `linkup replay timeline --format`.
const (
	// FormatText is an aligned table for people: time, position, stream,
	// type, the few fields that matter.
	FormatText Format = "text"
	// FormatJSONL is one JSON object per line for tools (PROTOCOL.md
	// section 7): position, at, stream, type, data, plus id, revision,
	// metadata and stored_at.
	FormatJSONL Format = "jsonl"
)

// Validate reports an unknown format.
func (f Format) Validate() error {
	if f != FormatText && f != FormatJSONL {
		return fmt.Errorf("replay: format %q: %w (want text or jsonl)", string(f), ErrBadQuery)
	}
	return nil
}

// Print writes entries to w in format f as they arrive (buffered, flushed
// at the end) and returns how many it wrote; text starts with TextHeader
// (written with the first entry: nothing matched, nothing written). It stops at the first error of
// the sequence or of w.
func Print(w io.Writer, f Format, entries iter.Seq2[Entry, error]) (int, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	write := writeJSONL
	if f == FormatText {
		write = textWriter()
	}
	n, err := printAll(bw, write, entries)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return n, err
}

func printAll(bw *bufio.Writer, write func(*bufio.Writer, Entry) error, entries iter.Seq2[Entry, error]) (int, error) {
	n := 0
	for e, err := range entries {
		if err != nil {
			return n, err
		}
		if err := write(bw, e); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
