package projections

import "time"

// errorBuffer holds a transaction's error-log rows as columns, for one
// INSERT ... SELECT FROM unnest(...) per round trip.
type errorBuffer struct {
	seen                                     map[uint64]bool
	ids                                      []int64
	types, messages, severities, users, cons []string
	contexts                                 []string
	ats, hours                               []time.Time
	atNanos                                  []int16
}

// add appends r (context already JSON); false when the buffer has its ID.
func (b *errorBuffer) add(r ErrorRow, contextJSON string) bool {
	if b.seen == nil {
		b.seen = map[uint64]bool{}
	}
	if b.seen[r.ID] {
		return false
	}
	b.seen[r.ID] = true
	at := r.At.UTC()
	b.ids = append(b.ids, int64(r.ID))
	b.types = append(b.types, storable(r.ErrorType))
	b.messages = append(b.messages, storable(r.Message))
	b.severities = append(b.severities, storable(r.Severity))
	b.users = append(b.users, storable(r.User))
	b.cons = append(b.cons, storable(r.ConnectionID))
	b.contexts = append(b.contexts, contextJSON)
	b.ats = append(b.ats, at.Truncate(time.Microsecond))
	b.atNanos = append(b.atNanos, int16(at.Nanosecond()%1000))
	b.hours = append(b.hours, at.Truncate(time.Hour))
	return true
}

func (b *errorBuffer) len() int { return len(b.ids) }

// statement inserts the rows into errorLog, skipping IDs already there,
// and adds the inserted rows to errorHourly's counts, in one statement.
func (b *errorBuffer) statement(errorLog, errorHourly string) string {
	return `WITH src AS (
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
			$8::timestamptz[], $9::smallint[], $10::timestamptz[])
			AS u(id, error_type, message, severity, user_id, connection_id, context, at, at_ns, hour)
	), ins AS (
		INSERT INTO ` + errorLog + ` (id, error_type, message, severity, user_id, connection_id, context, at, at_ns)
		SELECT id, error_type, message, severity, user_id, connection_id, context::jsonb, at, at_ns FROM src
		ON CONFLICT (id) DO NOTHING RETURNING id
	)
	INSERT INTO ` + errorHourly + ` AS h (error_type, hour, count)
	SELECT src.error_type, src.hour, count(*) FROM src JOIN ins USING (id) GROUP BY src.error_type, src.hour
	ON CONFLICT (error_type, hour) DO UPDATE SET count = h.count + excluded.count`
}

func (b *errorBuffer) args() []any {
	return []any{b.ids, b.types, b.messages, b.severities, b.users, b.cons, b.contexts, b.ats, b.atNanos, b.hours}
}
