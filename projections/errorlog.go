package projections

import "github.com/linkup-chat/linkup/events"

// ErrorLog projects every ErrorRecorded into error_log (one row per event,
// id = global position) and error_hourly (counts per type per hour).
type ErrorLog struct{}

var _ Projection = ErrorLog{}

func (ErrorLog) Name() string { return NameErrors }

func (ErrorLog) Handles(t string) bool { return t == events.TypeErrorRecorded }

func (ErrorLog) EventTypes() []string { return []string{events.TypeErrorRecorded} }

// Apply inserts the error. An event that does not decode or has no
// error_type is poison. A missing at falls back to the store's time.
func (ErrorLog) Apply(tx Tx, rec events.RecordedEvent) error {
	ev, err := decode[events.ErrorRecorded](rec)
	if err != nil {
		return err
	}
	if ev.ErrorType == "" {
		return poison("ErrorRecorded without error_type")
	}
	at := ev.At
	if at.IsZero() {
		at = rec.Time
	}
	return tx.InsertError(ErrorRow{
		ID: rec.Position, ErrorType: ev.ErrorType, Message: ev.Message, Severity: ev.Severity,
		User: ev.User, ConnectionID: ev.ConnectionID, Context: ev.Context, At: at,
	})
}
