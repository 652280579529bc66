package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/projections"
	"github.com/peterbourgon/ff/v3/ffcli"
)

// projectionsCommand is `linkup projections`: status and rebuild.
func projectionsCommand(stdout, stderr io.Writer) *ffcli.Command {
	return &ffcli.Command{
		Name:        "projections",
		ShortUsage:  "linkup projections <status|rebuild> [flags]",
		ShortHelp:   "inspect and rebuild the read model",
		FlagSet:     newFlagSet("projections", stderr),
		Subcommands: []*ffcli.Command{projectionsStatusCommand(stdout, stderr), projectionsRebuildCommand(stdout, stderr)},
		Exec:        func(context.Context, []string) error { return errUsage },
	}
}

// projectionsStatusCommand prints name, checkpoint, head and lag of every
// projection. It reads only; it works while the server runs.
func projectionsStatusCommand(stdout, stderr io.Writer) *ffcli.Command {
	fs := newFlagSet("projections status", stderr)
	var sf storeFlags
	var rf readModelFlags
	sf.register(fs)
	rf.register(fs)
	return &ffcli.Command{
		Name:       "status",
		ShortUsage: "linkup projections status [--data DIR] [--readmodel postgres://...]",
		ShortHelp:  "show each projection's checkpoint, the log's head and the lag",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("projections status: unexpected argument %q", args[0])
			}
			return withStoreAndReadModel(ctx, sf, rf, true, func(st events.Store, rm projections.ReadModel) error {
				sts, err := projections.Statuses(ctx, st, rm)
				if err != nil {
					return err
				}
				return printStatuses(stdout, sts)
			})
		},
	}
}

func printStatuses(w io.Writer, sts []projections.Status) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCHECKPOINT\tHEAD\tLAG_EVENTS\tLAG_SECONDS\tPOISONED\tUPDATED_AT")
	for _, s := range sts {
		updated := "-"
		if s.UpdatedAt != nil {
			updated = s.UpdatedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.3f\t%d\t%s\n", s.Name, s.Checkpoint, s.Head, s.LagEvents, s.LagSeconds, s.Poisoned, updated)
	}
	return tw.Flush()
}

// projectionsRebuildCommand rebuilds one projection (or all) from position
// zero into fresh tables and swaps them in. The event store is opened
// read-only, so it runs beside a live server.
func projectionsRebuildCommand(stdout, stderr io.Writer) *ffcli.Command {
	fs := newFlagSet("projections rebuild", stderr)
	var sf storeFlags
	var rf readModelFlags
	sf.register(fs)
	rf.register(fs)
	name := fs.String("name", "", "projection to rebuild ("+projections.NameErrors+" or "+projections.NameReadStates+"); empty rebuilds all")
	return &ffcli.Command{
		Name:       "rebuild",
		ShortUsage: "linkup projections rebuild [--data DIR] [--readmodel postgres://...] [--name NAME]",
		ShortHelp:  "rebuild projections from the start of the log and swap them in",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("projections rebuild: unexpected argument %q", args[0])
			}
			ps, err := chosenProjections(*name)
			if err != nil {
				return err
			}
			return withStoreAndReadModel(ctx, sf, rf, false, func(st events.Store, rm projections.ReadModel) error {
				return rebuildAll(ctx, stdout, st, rm, ps)
			})
		},
	}
}

func chosenProjections(name string) ([]projections.Projection, error) {
	if name == "" {
		return projections.Default(), nil
	}
	p, err := projections.ByName(name)
	if err != nil {
		return nil, fmt.Errorf("projections rebuild: --name: %w", err)
	}
	return []projections.Projection{p}, nil
}

func rebuildAll(ctx context.Context, w io.Writer, st events.Store, rm projections.ReadModel, ps []projections.Projection) error {
	for _, p := range ps {
		res, err := projections.Rebuild(ctx, projections.RebuildConfig{Store: st, ReadModel: rm, Projection: p})
		if err != nil {
			return err
		}
		rate := float64(res.Events) / max(res.Duration.Seconds(), 1e-9)
		fmt.Fprintf(w, "rebuilt %s: %d events in %s (%.0f events/s), checkpoint %d, %d poison\n",
			p.Name(), res.Events, res.Duration.Round(time.Millisecond), rate, res.Position, res.Poisoned)
	}
	return nil
}

// withStoreAndReadModel opens the event log read-only and the read model
// (--readmodel, or the SQLite file in --data), runs fn and closes both.
func withStoreAndReadModel(ctx context.Context, sf storeFlags, rf readModelFlags, readOnlyModel bool, fn func(events.Store, projections.ReadModel) error) error {
	st, _, err := openReadOnlyStore(sf)
	if err != nil {
		return err
	}
	defer st.Close()
	rm, err := openReadModel(ctx, sf.data, rf.url, readOnlyModel)
	if err != nil {
		return err
	}
	defer rm.Close()
	return fn(st, rm)
}
