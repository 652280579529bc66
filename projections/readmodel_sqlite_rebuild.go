package projections

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"
)

// PrepareRebuild drops what an earlier, unfinished rebuild of name left
// behind and creates a fresh table set without secondary indexes (they are
// built once, in Swap, which is faster than keeping them up to date).
func (s *SQLite) PrepareRebuild(ctx context.Context, name string) (string, error) {
	if s.writer == nil {
		return "", ErrReadOnly
	}
	specs, ok := projectionTables[name]
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownProjection, name)
	}
	set := "__r" + strconv.FormatInt(time.Now().UnixNano(), 10)
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("projections: prepare rebuild %s: %w", name, err)
	}
	defer tx.Rollback()
	if err := dropStaleSets(ctx, tx, name); err != nil {
		return "", fmt.Errorf("projections: prepare rebuild %s: %w", name, err)
	}
	s.dropCaches(name, false)
	for _, t := range specs {
		if err := createTable(ctx, tx, t, set, false); err != nil {
			return "", fmt.Errorf("projections: prepare rebuild %s: %w", name, err)
		}
	}
	return set, tx.Commit()
}

// dropStaleSets removes every rebuild table set of name, with their
// checkpoint and poison rows.
func dropStaleSets(ctx context.Context, tx *sql.Tx, name string) error {
	for _, t := range projectionTables[name] {
		rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type='table' AND name GLOB ?`, t.name+"__r*")
		if err != nil {
			return err
		}
		var stale []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err == nil {
				stale = append(stale, n)
			}
		}
		rows.Close()
		for _, n := range stale {
			if _, err := tx.ExecContext(ctx, `DROP TABLE "`+n+`"`); err != nil {
				return err
			}
		}
	}
	return deleteSetRows(ctx, tx, name+"__r*")
}

func deleteSetRows(ctx context.Context, tx *sql.Tx, glob string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM projection_checkpoints WHERE name GLOB ?`, glob); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM projection_poison WHERE name GLOB ?`, glob)
	return err
}

// DropRebuild removes a rebuild's tables and rows (an abandoned rebuild).
func (s *SQLite) DropRebuild(ctx context.Context, name, set string) error {
	if s.writer == nil {
		return ErrReadOnly
	}
	if !validSet(set) || set == "" {
		return fmt.Errorf("%w: set %q", ErrInvalidConfig, set)
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range projectionTables[name] {
		if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS "`+t.name+set+`"`); err != nil {
			return err
		}
	}
	if err := deleteSetRows(ctx, tx, name+set); err != nil {
		return err
	}
	s.forgetStmts(set)
	s.dropCaches(name, false)
	return tx.Commit()
}

// Swap builds set's indexes, then in one transaction lets catchUp bring the
// set up to the live checkpoint, and replaces the live tables, checkpoint
// and poison records of name with the set's. Readers in WAL mode keep
// answering from the old tables until the commit.
func (s *SQLite) Swap(ctx context.Context, name, set string, catchUp func(tx Tx, live uint64) error) error {
	if s.writer == nil {
		return ErrReadOnly
	}
	if !validSet(set) || set == "" {
		return fmt.Errorf("%w: set %q", ErrInvalidConfig, set)
	}
	if err := s.buildIndexes(ctx, name, set); err != nil {
		return fmt.Errorf("projections: swap %s: %w", name, err)
	}
	err := s.swapTx(ctx, name, set, catchUp)
	s.forgetStmts(set)
	if err != nil {
		return fmt.Errorf("projections: swap %s: %w", name, err)
	}
	return nil
}

func (s *SQLite) buildIndexes(ctx context.Context, name, set string) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range projectionTables[name] {
		if err := createIndexes(ctx, tx, t, set); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (s *SQLite) swapTx(ctx context.Context, name, set string, catchUp func(tx Tx, live uint64) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st := &sqliteTx{s: s, ctx: context.WithoutCancel(ctx), parent: ctx, tx: tx, name: name, set: "", cpName: name}
	live, err := st.Checkpoint()
	if err != nil {
		return err
	}
	st.set, st.cpName = set, name+set
	if err := catchUp(st, live); err != nil {
		return err
	}
	if err := st.flush(); err != nil {
		return err
	}
	for _, q := range swapStatements(name, set) {
		if _, err := tx.ExecContext(ctx, q.query, q.args...); err != nil {
			return fmt.Errorf("%s: %w", q.query, err)
		}
	}
	s.dropCaches(name, true) // the live tables change; the writer is ours
	return tx.Commit()
}

type swapStep struct {
	query string
	args  []any
}

// swapStatements replaces the live tables, checkpoint and poison rows of
// name by set's. The views over read states and delivery item runs are
// dropped and made again, since SQLite refuses to rename a table while a
// view names a missing one.
func swapStatements(name, set string) []swapStep {
	var qs []swapStep
	view := map[string][2]string{
		NameReadStates: {`DROP VIEW IF EXISTS read_state_view`, readStateView},
		NameDeliveries: {`DROP VIEW IF EXISTS delivery_items`, deliveryItemsView},
	}[name]
	if view[0] != "" {
		qs = append(qs, swapStep{query: view[0]})
	}
	for _, t := range projectionTables[name] {
		qs = append(qs,
			swapStep{query: `DROP TABLE IF EXISTS ` + t.name},
			swapStep{query: `ALTER TABLE ` + t.name + set + ` RENAME TO ` + t.name})
	}
	both := []any{name, name + set}
	qs = append(qs,
		swapStep{`DELETE FROM projection_checkpoints WHERE name = ?`, both[:1]},
		swapStep{`UPDATE projection_checkpoints SET name = ? WHERE name = ?`, both},
		swapStep{`DELETE FROM projection_poison WHERE name = ?`, both[:1]},
		swapStep{`UPDATE projection_poison SET name = ? WHERE name = ?`, both})
	if view[1] != "" {
		qs = append(qs, swapStep{query: view[1]})
	}
	return qs
}
