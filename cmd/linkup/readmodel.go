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
// the query backend and a stop function that lets the projections reach
// the log's head (up to maxProjectionDrain), cancels the runner, waits for
// it and closes the read model.
func startProjections(ctx context.Context, store events.Store, dataDir, rmURL string, logger *slog.Logger, reg prometheus.Registerer) (transport.QueryBackend, func() error, error) {
	return startProjectionsDrain(ctx, store, dataDir, rmURL, logger, reg, maxProjectionDrain)
}

// startProjectionsDrain is startProjections whose stop gives the
// projections up to drain to reach the head.
func startProjectionsDrain(ctx context.Context, store events.Store, dataDir, rmURL string, logger *slog.Logger, reg prometheus.Registerer, drain time.Duration) (transport.QueryBackend, func() error, error) {
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
			drainProjections(store, rm, drain, logger)
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

// maxProjectionDrain bounds how long a stop waits for the projections to
// reach the head.
const maxProjectionDrain = 8 * time.Second

// headProbe bounds the one read of the head a drain starts with.
const headProbe = time.Second

// projectionDrain is the part of the close grace the projections get to
// reach the head: half, so that the read model and the event store close
// in the rest.
func projectionDrain(closeGrace time.Duration) time.Duration {
	return min(closeGrace/2, maxProjectionDrain)
}

// drainProjections gives the projections up to limit to reach the head of
// the log as it stood when the drain began: at a graceful shutdown the
// writer has just flushed the last events, and a stopped server should
// read as caught up with them. It does not chase a head that other
// processes keep moving (a shared PostgreSQL log), and does not wait at all
// when the head cannot be read (the store is unreachable).
func drainProjections(store events.Store, rm projections.ReadModel, limit time.Duration, log *slog.Logger) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	hctx, hcancel := context.WithTimeout(ctx, min(headProbe, limit))
	head, err := store.Head(hctx)
	hcancel()
	if err != nil {
		log.Warn("projections stop without draining: the event log's head cannot be read", "err", err)
		return
	}
	for {
		cps, err := rm.Checkpoints(ctx)
		if err == nil && reached(cps, head) {
			log.Info("projections drained", "head", head, "after", time.Since(start).Round(time.Millisecond))
			return
		}
		select {
		case <-ctx.Done():
			log.Warn("projections stop behind the head", "head", head, "limit", limit, "err", err)
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// reached reports whether every checkpoint is at head or past it.
func reached(cps []projections.Checkpoint, head uint64) bool {
	for _, c := range cps {
		if c.Position < head {
			return false
		}
	}
	return true
}
