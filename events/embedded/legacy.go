package embedded

// Schema version 2 found a stream's newest events in stream_tail, filled
// by a trigger, and events by type through an index on events(type,
// position), which the plain query of allQuery uses by itself. A writable
// Open migrates such a database (schema.go); a read-only one reads it as
// it is, with these queries, so that a tool of this version reads a data
// directory no writer of this version has opened yet. Their arguments are
// readStream's: stream name, revision cursor, an unused watermark, limit.
const (
	legacyForwards = selectEvents + `WHERE position IN (
	SELECT position FROM (SELECT position FROM stream_index
		WHERE stream_id = ` + streamIDSQL + ` AND revision >= ?2 ORDER BY revision LIMIT ?4)
	UNION ALL
	SELECT position FROM stream_tail
		WHERE stream_id = ` + streamIDSQL + ` AND revision >= ?2)
ORDER BY position LIMIT ?4`
	legacyBackwards = selectEvents + `WHERE position IN (
	SELECT position FROM (SELECT position FROM stream_index
		WHERE stream_id = ` + streamIDSQL + ` AND revision <= ?2 ORDER BY revision DESC LIMIT ?4)
	UNION ALL
	SELECT position FROM stream_tail
		WHERE stream_id = ` + streamIDSQL + ` AND revision <= ?2)
ORDER BY position DESC LIMIT ?4`
)
