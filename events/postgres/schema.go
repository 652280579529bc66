package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations holds the schema, one file per version: NNNN_name.sql.
//
//go:embed migrations/*.sql
var migrations embed.FS

// versionTable records the schema version of the event log (one row). It
// has its own name so that the read model may keep its own version table
// in the same database.
const versionTable = "linkup_event_log_schema"

// migrationLockKey is the advisory lock that serializes migrations of
// several linkup processes starting at once.
const migrationLockKey = 0x6c696e6b7570_01

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations in version order.
func loadMigrations() ([]migration, error) {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, f := range files {
		base := strings.TrimPrefix(f, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("postgres: migration %s: name must start with its version number", f)
		}
		b, err := migrations.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("postgres: migration %s: want version %d", m.name, i+1)
		}
	}
	return out, nil
}

// SchemaVersion is the schema version this linkup writes.
func SchemaVersion() int {
	ms, _ := loadMigrations()
	return len(ms)
}

// migrate brings the schema up to date in one transaction, under an
// advisory lock so that concurrent starts do not race.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLockKey)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+versionTable+" (version int NOT NULL)")
		if err != nil {
			return err
		}
		v, err := currentVersion(ctx, tx)
		if err != nil {
			return err
		}
		if err := checkVersion(v, len(ms)); err != nil {
			return err
		}
		for _, m := range ms[v:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("postgres: migration %s: %w", m.name, err)
			}
		}
		return setVersion(ctx, tx, v, len(ms))
	})
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func currentVersion(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM "+versionTable).Scan(&v)
	return v, err
}

func setVersion(ctx context.Context, tx pgx.Tx, from, to int) error {
	if from == to {
		return nil
	}
	if _, err := tx.Exec(ctx, "DELETE FROM "+versionTable); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "INSERT INTO "+versionTable+" (version) VALUES ($1)", to)
	return err
}

func checkVersion(have, know int) error {
	if have > know {
		return fmt.Errorf("%w: the event log is at schema version %d, this linkup knows versions up to %d: run a newer linkup", ErrSchemaTooNew, have, know)
	}
	return nil
}

// checkReadOnly checks, without writing, that the database holds a log of
// a schema version this linkup can read.
func checkReadOnly(ctx context.Context, pool *pgxpool.Pool) error {
	v, err := currentVersion(ctx, pool)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		return ErrNoStore
	}
	if err != nil {
		return err
	}
	know := SchemaVersion()
	if v == 0 || v < know {
		return fmt.Errorf("%w (schema version %d, this linkup writes %d: start linkup serve once to migrate it)", ErrNoStore, v, know)
	}
	return checkVersion(v, know)
}
