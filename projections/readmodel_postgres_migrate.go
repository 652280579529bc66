package projections

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// pgMigrations are the PostgreSQL schema's versions, applied in order:
// NNNN_name.sql, version NNNN. A file, once released, never changes; a
// change is a new file.
//
//go:embed pgmigrations/*.sql
var pgMigrations embed.FS

// migrationsTable records the versions applied to a database.
const migrationsTable = `CREATE TABLE IF NOT EXISTS readmodel_schema_migrations (
	version    integer PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// migrateLock is the advisory-lock key under which migrations run, so that
// two processes opening one database apply each version once.
var migrateLock = lockKey("migrate")

type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded versions in order.
func migrations() ([]migration, error) {
	files, err := fs.Glob(pgMigrations, "pgmigrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, f := range files {
		base := path.Base(f)
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its version", base)
		}
		b, err := pgMigrations.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(base, ".sql"), sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	return out, nil
}

// SchemaVersion is the newest PostgreSQL schema version this build knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate applies the versions the database lacks, each in its own
// transaction with its version row, under an advisory lock.
func (p *Postgres) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	// Under the lock: two processes opening a fresh database at once would
	// otherwise both create the table, and one fails (23505 or 42710).
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, migrationsTable)
		return err
	})
	if err != nil {
		return fmt.Errorf("create readmodel_schema_migrations: %w", err)
	}
	for _, m := range ms {
		if err := p.apply(ctx, m, ms[len(ms)-1].version); err != nil {
			return err
		}
	}
	return nil
}

func (p *Postgres) apply(ctx context.Context, m migration, latest int) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return err
		}
		current, err := schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if current > latest {
			return tooNew(current, latest)
		}
		if current >= m.version {
			return nil
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO readmodel_schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
		return err
	})
}

// checkVersion is the read-only open: the schema must exist and not be
// newer than this build.
func (p *Postgres) checkVersion(ctx context.Context) error {
	var exists bool
	if err := p.pool.QueryRow(ctx, `SELECT to_regclass('readmodel_schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return ErrNoSchema
	}
	current, err := schemaVersion(ctx, p.pool)
	if err != nil {
		return err
	}
	switch latest := SchemaVersion(); {
	case current == 0:
		return ErrNoSchema
	case current > latest:
		return tooNew(current, latest)
	}
	return nil
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func schemaVersion(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM readmodel_schema_migrations`).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

func tooNew(current, latest int) error {
	return fmt.Errorf("%w: the database is at version %d, this linkup knows up to %d (upgrade linkup, or use another database)", ErrSchemaTooNew, current, latest)
}
