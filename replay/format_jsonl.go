package replay

import (
	"bufio"
	"encoding/json"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// jsonlLine is one line of FormatJSONL.
type jsonlLine struct {
	Position uint64          `json:"position"`
	At       time.Time       `json:"at"`
	Stream   string          `json:"stream"`
	Type     string          `json:"type"`
	Data     json.RawMessage `json:"data"`
	ID       string          `json:"id"`
	Revision uint64          `json:"revision"`
	Metadata events.Metadata `json:"metadata"`
	StoredAt time.Time       `json:"stored_at"`
}

func writeJSONL(bw *bufio.Writer, e Entry) error {
	b, err := json.Marshal(jsonlLine{
		Position: e.Rec.Position, At: e.At.UTC(), Stream: e.Rec.Stream, Type: e.Rec.Type,
		Data: e.Rec.Data, ID: e.Rec.ID, Revision: e.Rec.Revision, Metadata: e.Rec.Metadata,
		StoredAt: e.Rec.Time.UTC(),
	})
	if err != nil {
		return err
	}
	bw.Write(b)
	return bw.WriteByte('\n')
}
