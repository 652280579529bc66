package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/projections"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/linkup-chat/linkup/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// readModelFile is the read model's file inside the data directory.
const readModelFile = "readmodel.db"

// queryBackend serves the query API: the read model answers in the
// wire's types itself, and /v1/projections adds the log's head.
type queryBackend struct {
	projections.ReadModel
	store events.Store
}

var (
	_ transport.QueryBackend      = queryBackend{}
	_ transport.DeliveriesBackend = queryBackend{}
)

// Projections answers GET /v1/projections.
func (b queryBackend) Projections(ctx context.Context) ([]protocol.ProjectionStatus, error) {
	return projections.Statuses(ctx, b.store, b.ReadModel)
}

// readModelFlags selects the read model: <data>/readmodel.db (SQLite) by
// default, or a PostgreSQL database.
type readModelFlags struct {
	url string
}

func (f *readModelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "readmodel", "", "read model: empty for <data>/readmodel.db (SQLite), or a PostgreSQL URL postgres://user:password@host:5432/db")
}

// startProjections opens the read model (rmURL, or <dataDir>/readmodel.db
// when empty), runs the projection runner in the background and returns
// the query backend and a stop function that cancels the runner, waits for
// it and closes the read model.
func startProjections(ctx context.Context, store events.Store, dataDir, rmURL string, logger *slog.Logger, reg prometheus.Registerer) (transport.QueryBackend, func() error, error) {
	rm, err := openReadModel(ctx, dataDir, rmURL, false)
	if err != nil {
		return nil, nil, err
	}
	logger.Info("read model open", "readmodel", readModelName(dataDir, rmURL))
	runner, err := projections.NewRunner(projections.Config{Store: store, ReadModel: rm, Logger: logger, Registerer: reg})
	if err != nil {
		rm.Close()
		return nil, nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { runner.Run(rctx) })
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			drainProjections(runner, 8*time.Second)
			cancel()
			wg.Wait()
			stopErr = rm.Close()
		})
		return stopErr
	}
	return queryBackend{ReadModel: rm, store: store}, stop, nil
}

// openReadModel opens the read model: the PostgreSQL database at rmURL,
// or <dataDir>/readmodel.db when rmURL is empty. Read-only fails clearly
// when no server ever ran there. Errors are one line without the password.
func openReadModel(ctx context.Context, dataDir, rmURL string, readOnly bool) (projections.ReadModel, error) {
	if rmURL != "" {
		return openPostgresReadModel(ctx, rmURL, readOnly)
	}
	path := filepath.Join(dataDir, readModelFile)
	rm, err := projections.OpenSQLite(projections.SQLiteConfig{Path: path, ReadOnly: readOnly})
	if err != nil {
		if readOnly && errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no read model at %s (run `linkup serve --data %s` first)", path, dataDir)
		}
		return nil, err
	}
	return rm, nil
}

func openPostgresReadModel(ctx context.Context, rmURL string, readOnly bool) (projections.ReadModel, error) {
	if !strings.HasPrefix(rmURL, "postgres://") && !strings.HasPrefix(rmURL, "postgresql://") {
		return nil, fmt.Errorf("--readmodel %s: want a postgres:// URL, or nothing for <data>/%s", projections.RedactURL(rmURL), readModelFile)
	}
	rm, err := projections.OpenPostgres(ctx, projections.PostgresConfig{URL: rmURL, ReadOnly: readOnly})
	if errors.Is(err, projections.ErrNoSchema) {
		return nil, fmt.Errorf("no read model in %s (run `linkup serve --readmodel ...` against it first)", projections.RedactURL(rmURL))
	}
	return rm, err
}

// readModelName says which read model is in use, fit for logs.
func readModelName(dataDir, rmURL string) string {
	if rmURL != "" {
		return projections.RedactURL(rmURL)
	}
	return filepath.Join(dataDir, readModelFile)
}

// drainProjections gives the projections up to limit to reach the head of
// the log before they stop: at a graceful shutdown the writer has just
// flushed the last events, and a stopped server should read as caught up.
func drainProjections(r *projections.Runner, limit time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for ctx.Err() == nil {
		sts, err := r.Status(ctx)
		if err == nil && caughtUp(sts) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func caughtUp(sts []projections.Status) bool {
	for _, s := range sts {
		if s.Checkpoint < s.Head {
			return false
		}
	}
	return true
}
