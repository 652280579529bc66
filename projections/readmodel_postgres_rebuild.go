package projections

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgConn is what the rebuild's statements run on: a pgx.Tx, or the
// connection of a pgTx.
type pgConn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var (
	_ pgConn = pgx.Tx(nil)
	_ pgConn = (*pgxpool.Conn)(nil)
)

// pgViews lists the views over each projection's tables; a swap points
// them at the new tables.
var pgViews = map[string][]string{NameReadStates: {"read_state_view"}}

// PrepareRebuild drops what an earlier, unfinished rebuild of name left
// behind and creates a fresh table set shaped like the live tables
// (CREATE TABLE ... LIKE: columns, defaults, checks, comments) with only
// their primary keys; the other indexes are built in Swap, once.
func (p *Postgres) PrepareRebuild(ctx context.Context, name string) (string, error) {
	if p.cfg.ReadOnly {
		return "", ErrReadOnly
	}
	specs, ok := pgTables[name]
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownProjection, name)
	}
	set := "__r" + strconv.FormatInt(time.Now().UnixNano(), 10)
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if err := dropStalePgSets(ctx, tx, name); err != nil {
			return err
		}
		for _, t := range specs {
			if err := createPgSetTable(ctx, tx, t.name, set); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("projections: prepare rebuild %s: %w", name, err)
	}
	return set, nil
}

// createPgSetTable creates base+set like base, with base's comment and
// primary key (the idempotent inserts need it).
func createPgSetTable(ctx context.Context, tx pgConn, base, set string) error {
	if _, err := tx.Exec(ctx, `CREATE TABLE `+ident(base+set)+` (LIKE `+ident(base)+` INCLUDING ALL EXCLUDING INDEXES)`); err != nil {
		return err
	}
	var comment string
	if err := tx.QueryRow(ctx, `SELECT format('COMMENT ON TABLE %I IS %L', $2::text, obj_description($1::regclass, 'pg_class'))`,
		base, base+set).Scan(&comment); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, comment); err != nil {
		return err
	}
	var pkName, pkDef string
	err := tx.QueryRow(ctx, `SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = $1::regclass AND contype = 'p'`, base).Scan(&pkName, &pkDef)
	if err != nil {
		return fmt.Errorf("primary key of %s: %w", base, err)
	}
	_, err = tx.Exec(ctx, `ALTER TABLE `+ident(base+set)+` ADD CONSTRAINT `+ident(pkName+set)+` `+pkDef)
	return err
}

// dropStalePgSets removes every rebuild table set of name, with their
// checkpoint and poison rows.
func dropStalePgSets(ctx context.Context, tx pgConn, name string) error {
	for _, t := range pgTables[name] {
		rows, err := tx.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1`,
			likePrefix(t.name+"__r"))
		if err != nil {
			return err
		}
		stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, n := range stale {
			if _, err := tx.Exec(ctx, `DROP TABLE `+ident(n)); err != nil {
				return err
			}
		}
	}
	return deletePgSetRows(ctx, tx, `LIKE $1`, likePrefix(name+"__r"))
}

// likePrefix is a LIKE pattern matching strings that start with s.
func likePrefix(s string) string {
	return strings.NewReplacer(`\`, `\\`, `_`, `\_`, `%`, `\%`).Replace(s) + "%"
}

func deletePgSetRows(ctx context.Context, tx pgConn, match string, arg any) error {
	if _, err := tx.Exec(ctx, `DELETE FROM projection_checkpoints WHERE name `+match, arg); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM projection_poison WHERE name `+match, arg)
	return err
}

// DropRebuild removes a rebuild's tables and rows (an abandoned rebuild).
func (p *Postgres) DropRebuild(ctx context.Context, name, set string) error {
	if p.cfg.ReadOnly {
		return ErrReadOnly
	}
	if !validSet(set) || set == "" {
		return fmt.Errorf("%w: set %q", ErrInvalidConfig, set)
	}
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		for _, t := range pgTables[name] {
			if _, err := tx.Exec(ctx, `DROP TABLE IF EXISTS `+ident(t.name+set)); err != nil {
				return err
			}
		}
		return deletePgSetRows(ctx, tx, `= $1`, name+set)
	})
}

// Swap builds set's indexes (those of the live tables), then in one
// transaction, under the live set's writer lock, lets catchUp bring the
// set up to the live checkpoint, takes the live tables' locks (bounded
// attempts of SwapLockTimeout, so a long analyst transaction cannot stall
// queries behind the swap) and replaces tables, views, checkpoint and
// poison records. Queries answer from the old tables until the commit.
func (p *Postgres) Swap(ctx context.Context, name, set string, catchUp func(tx Tx, live uint64) error) error {
	if p.cfg.ReadOnly {
		return ErrReadOnly
	}
	if !validSet(set) || set == "" {
		return fmt.Errorf("%w: set %q", ErrInvalidConfig, set)
	}
	if err := p.buildPgIndexes(ctx, name, set); err != nil {
		return fmt.Errorf("projections: swap %s: %w", name, err)
	}
	if err := p.vacuumSet(ctx, name, set); err != nil {
		return fmt.Errorf("projections: swap %s: %w", name, err)
	}
	if err := p.swapTx(ctx, name, set, catchUp); err != nil {
		return fmt.Errorf("projections: swap %s: %w", name, err)
	}
	return nil
}

// buildPgIndexes creates on each set table the live table's secondary
// indexes, named index name + set.
func (p *Postgres) buildPgIndexes(ctx context.Context, name, set string) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '64MB'`); err != nil {
			return err
		}
		for _, t := range pgTables[name] {
			rows, err := tx.Query(ctx, `SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
				JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass AND NOT i.indisprimary ORDER BY c.relname`, t.name)
			if err != nil {
				return err
			}
			defs, err := pgx.CollectRows(rows, rowPair)
			if err != nil {
				return err
			}
			for _, d := range defs {
				if _, err := tx.Exec(ctx, setIndexDef(d[0], d[1], t.name, set)); err != nil {
					return fmt.Errorf("index %s%s: %w", d[0], set, err)
				}
			}
		}
		return nil
	})
}

// vacuumSet runs VACUUM (ANALYZE) on the set's tables before they go live:
// queries get statistics (good plans) and the visibility map (index-only
// scans) at once, and autovacuum has no freshly loaded table to work on
// that would hold up the swap's lock.
func (p *Postgres) vacuumSet(ctx context.Context, name, set string) error {
	var tables []string
	for _, t := range pgTables[name] {
		tables = append(tables, ident(t.name+set))
	}
	_, err := p.pool.Exec(ctx, `VACUUM (ANALYZE) `+strings.Join(tables, ", "))
	return err
}

// setIndexDef turns "CREATE [UNIQUE] INDEX name ON schema.table USING ..."
// into the same index named name+set on table+set.
func setIndexDef(index, def, table, set string) string {
	head, tail, _ := strings.Cut(def, " USING ")
	create := "CREATE INDEX "
	if strings.HasPrefix(head, "CREATE UNIQUE INDEX ") {
		create = "CREATE UNIQUE INDEX "
	}
	return create + ident(index+set) + " ON " + ident(table+set) + " USING " + tail
}

func (p *Postgres) swapTx(ctx context.Context, name, set string, catchUp func(tx Tx, live uint64) error) error {
	st, err := p.begin(ctx, name, "")
	if err != nil {
		return err
	}
	defer st.Rollback()
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
	if err := p.lockLive(ctx, st.conn, name); err != nil {
		return err
	}
	if err := replacePgTables(ctx, st.conn, name, set); err != nil {
		return err
	}
	return st.Commit()
}

// lockLive takes ACCESS EXCLUSIVE on name's live tables and views, in
// attempts of SwapLockTimeout: while an attempt waits, new queries queue
// behind it, so no attempt may wait long.
func (p *Postgres) lockLive(ctx context.Context, tx pgConn, name string) error {
	var rels []string
	for _, t := range pgTables[name] {
		rels = append(rels, ident(t.name))
	}
	for _, v := range pgViews[name] {
		rels = append(rels, ident(v))
	}
	lock := `LOCK TABLE ` + strings.Join(rels, ", ") + ` IN ACCESS EXCLUSIVE MODE`
	timeout := `SET LOCAL lock_timeout = ` + strconv.FormatInt(p.cfg.SwapLockTimeout.Milliseconds(), 10)
	for range p.cfg.SwapLockAttempts {
		if _, err := tx.Exec(ctx, `SAVEPOINT swap_lock`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, timeout); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, lock)
		if err == nil {
			_, err = tx.Exec(ctx, `RELEASE SAVEPOINT swap_lock`)
			return err
		}
		if !isCode(err, "55P03") { // lock_not_available
			return err
		}
		if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT swap_lock`); err != nil {
			return err
		}
	}
	return fmt.Errorf("live tables of %s still locked by another transaction after %d attempts of %s (an open psql transaction?); the live tables are unchanged",
		name, p.cfg.SwapLockAttempts, p.cfg.SwapLockTimeout)
}

// replacePgTables moves the live tables aside, renames the set's in,
// points the views at them (CREATE OR REPLACE keeps the views' grants),
// copies the tables' grants, drops the old tables, gives the new indexes
// the live names, and moves checkpoint and poison rows.
func replacePgTables(ctx context.Context, tx pgConn, name, set string) error {
	views := map[string]string{}
	for _, v := range pgViews[name] {
		var def string
		if err := tx.QueryRow(ctx, `SELECT pg_get_viewdef($1::regclass, true)`, v).Scan(&def); err != nil {
			return fmt.Errorf("view %s: %w", v, err)
		}
		views[v] = strings.TrimSuffix(strings.TrimSpace(def), ";")
	}
	var stmts []string
	for _, t := range pgTables[name] {
		grants, err := tableGrants(ctx, tx, t.name)
		if err != nil {
			return err
		}
		stmts = append(stmts,
			`ALTER TABLE `+ident(t.name)+` RENAME TO `+ident(t.name+"__old"+set),
			`ALTER TABLE `+ident(t.name+set)+` RENAME TO `+ident(t.name))
		for _, g := range grants {
			stmts = append(stmts, `GRANT `+g[0]+` ON `+ident(t.name)+` TO `+g[1])
		}
	}
	for _, v := range pgViews[name] {
		stmts = append(stmts, `CREATE OR REPLACE VIEW `+ident(v)+` AS `+views[v])
	}
	for _, t := range pgTables[name] {
		stmts = append(stmts, `DROP TABLE `+ident(t.name+"__old"+set))
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	if err := renameSetIndexes(ctx, tx, name, set); err != nil {
		return err
	}
	return movePgSetRows(ctx, tx, name, set)
}

// tableGrants returns table's privileges granted to roles other than its
// owner, as (privilege, grantee) pairs ready for GRANT.
func tableGrants(ctx context.Context, tx pgConn, table string) ([][2]string, error) {
	rows, err := tx.Query(ctx, `SELECT a.privilege_type,
		CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END
		FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = $1::regclass AND a.grantee <> c.relowner`, table)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, rowPair)
}

// renameSetIndexes strips the set suffix from the new tables' indexes
// (the primary key's constraint follows its index).
func renameSetIndexes(ctx context.Context, tx pgConn, name, set string) error {
	for _, t := range pgTables[name] {
		rows, err := tx.Query(ctx, `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
			WHERE i.indrelid = $1::regclass`, t.name)
		if err != nil {
			return err
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, n := range names {
			if live, ok := strings.CutSuffix(n, set); ok {
				if _, err := tx.Exec(ctx, `ALTER INDEX `+ident(n)+` RENAME TO `+ident(live)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func movePgSetRows(ctx context.Context, tx pgConn, name, set string) error {
	for _, q := range []string{
		`DELETE FROM projection_checkpoints WHERE name = $1`,
		`UPDATE projection_checkpoints SET name = $1 WHERE name = $2`,
		`DELETE FROM projection_poison WHERE name = $1`,
		`UPDATE projection_poison SET name = $1 WHERE name = $2`,
	} {
		args := []any{name, name + set}
		if strings.HasPrefix(q, "DELETE") {
			args = args[:1]
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// rowPair scans a row of two text columns.
func rowPair(row pgx.CollectableRow) ([2]string, error) {
	var p [2]string
	err := row.Scan(&p[0], &p[1])
	return p, err
}

// pgTables is projectionTables with PostgreSQL's own table of items,
// delivery_items (SQLite keeps items in runs: delivery_item_runs).
var pgTables = func() map[string][]tableSpec {
	out := map[string][]tableSpec{}
	for name, specs := range projectionTables {
		for _, t := range specs {
			if t.name == itemRunsTable.name {
				t = tableSpec{name: "delivery_items"}
			}
			out[name] = append(out[name], t)
		}
	}
	return out
}()
