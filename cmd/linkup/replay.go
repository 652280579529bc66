package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/linkup-chat/linkup/replay"
	"github.com/peterbourgon/ff/v3/ffcli"
)

// replayCommand is `linkup replay`: read-only reconstruction from the log.
func replayCommand(stdout, stderr io.Writer) *ffcli.Command {
	return &ffcli.Command{
		Name:       "replay",
		ShortUsage: "linkup replay <timeline|chain|state|diff|audit> [flags]",
		ShortHelp:  "rebuild what happened from the event log (read-only)",
		FlagSet:    newFlagSet("replay", stderr),
		Subcommands: []*ffcli.Command{
			replayTimelineCommand(stdout, stderr),
			replayChainCommand(stdout, stderr),
			replayStateCommand(stdout, stderr),
			replayDiffCommand(stdout, stderr),
			replayAuditCommand(stdout, stderr),
		},
		Exec: func(context.Context, []string) error {
			return errors.New("replay: choose timeline, chain, state, diff or audit (linkup replay -h)")
		},
	}
}

// withReplayer opens the store read-only, runs fn with a Replayer over it
// and closes the store.
func withReplayer(sf storeFlags, fn func(*replay.Replayer) error) error {
	st, ordered, err := openReadOnlyStore(sf)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer st.Close()
	r, err := replay.New(replay.Config{Store: st, TimeOrdered: ordered})
	if err != nil {
		return err
	}
	return fn(r)
}

// timeFlag is an optional RFC3339 time flag. It is parsed in Exec, not by
// the flag package, so that a bad time is one line, not a usage page.
type timeFlag struct {
	name, raw string
}

func (f *timeFlag) String() string     { return f.raw }
func (f *timeFlag) Set(s string) error { f.raw = strings.TrimSpace(s); return nil }

// value parses the flag; unset gives the zero time.
func (f *timeFlag) value() (time.Time, error) {
	if f.raw == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, f.raw)
	if err != nil {
		return time.Time{}, fmt.Errorf("replay: --%s %q is not an RFC3339 time such as 2025-03-04T10:30:00Z", f.name, f.raw)
	}
	return t, nil
}

func timeVar(fs *flag.FlagSet, name, usage string) *timeFlag {
	f := &timeFlag{name: name}
	fs.Var(f, name, usage+" (RFC3339, e.g. 2025-03-04T10:30:00Z)")
	return f
}

// parseTimes parses several time flags, stopping at the first bad one.
func parseTimes(flags ...*timeFlag) ([]time.Time, error) {
	out := make([]time.Time, len(flags))
	for i, f := range flags {
		t, err := f.value()
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

func replayTimelineCommand(stdout, stderr io.Writer) *ffcli.Command {
	fs := newFlagSet("replay timeline", stderr)
	var sf storeFlags
	sf.register(fs)
	since, until := timeVar(fs, "since", "first moment shown"), timeVar(fs, "until", "last moment shown")
	var q replay.Query
	fs.StringVar(&q.User, "user", "", "only events concerning this user")
	fs.StringVar(&q.Chat, "chat", "", "only this chat's events (and errors naming it)")
	fs.StringVar(&q.Connection, "connection", "", "only this connection's events")
	fs.StringVar(&q.Correlation, "correlation", "", "only events of this correlation id")
	types := fs.String("type", "", "only these event types, comma-separated")
	format := fs.String("format", "text", "text or jsonl")
	return &ffcli.Command{
		Name:       "timeline",
		ShortUsage: "linkup replay timeline [--data DIR] [--since T] [--until T] [--user ID] [--chat ID] [--connection ID] [--type T] [--correlation ID] [--format text|jsonl]",
		ShortHelp:  "the events that match, in store order",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(ctx context.Context, _ []string) error {
			ts, err := parseTimes(since, until)
			if err != nil {
				return err
			}
			q.Since, q.Until, q.Types = ts[0], ts[1], splitList(*types)
			f := replay.Format(*format)
			if err := f.Validate(); err != nil {
				return err
			}
			return withReplayer(sf, func(r *replay.Replayer) error {
				n, err := replay.Print(stdout, f, r.Timeline(ctx, q))
				if err == nil && n == 0 {
					fmt.Fprintln(stderr, "replay: no events matched")
				}
				return err
			})
		},
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func replayChainCommand(stdout, stderr io.Writer) *ffcli.Command {
	fs := newFlagSet("replay chain", stderr)
	var sf storeFlags
	sf.register(fs)
	var q replay.ChainQuery
	fs.StringVar(&q.EventID, "event", "", "start from this event id")
	fs.Uint64Var(&q.Position, "position", 0, "start from the event at this log position")
	fs.StringVar(&q.Correlation, "correlation", "", "follow this correlation id")
	return &ffcli.Command{
		Name:       "chain",
		ShortUsage: "linkup replay chain [--data DIR] (--event ID | --position P | --correlation ID)",
		ShortHelp:  "the client command behind an event, and everything it caused",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(ctx context.Context, _ []string) error {
			if err := q.Validate(); err != nil {
				return err
			}
			return withReplayer(sf, func(r *replay.Replayer) error {
				c, err := r.Chain(ctx, q)
				if err != nil {
					return err
				}
				return replay.WriteChain(stdout, c)
			})
		},
	}
}

// pointFlags are --at and --position.
type pointFlags struct {
	at  *timeFlag
	pos *uint64
}

func registerPoint(fs *flag.FlagSet) pointFlags {
	return pointFlags{at: timeVar(fs, "at", "the moment to rebuild"), pos: fs.Uint64("position", 0, "rebuild as of this log position")}
}

func (p pointFlags) point() (replay.Point, error) {
	t, err := p.at.value()
	return replay.Point{At: t, Position: *p.pos}, err
}

func replayStateCommand(stdout, stderr io.Writer) *ffcli.Command {
	fs := newFlagSet("replay state", stderr)
	var sf storeFlags
	sf.register(fs)
	chat := fs.String("chat", "", "the chat to rebuild")
	user := fs.String("user", "", "the user to rebuild (chats, read pointers, open connections)")
	pf := registerPoint(fs)
	return &ffcli.Command{
		Name:       "state",
		ShortUsage: "linkup replay state [--data DIR] (--chat ID | --user ID) [--at T | --position P]",
		ShortHelp:  "a chat or a user as they stood at a moment, as JSON",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(ctx context.Context, _ []string) error {
			if (*chat == "") == (*user == "") {
				return errors.New("replay state: give exactly one of --chat or --user")
			}
			p, err := pf.point()
			if err != nil {
				return err
			}
			return withReplayer(sf, func(r *replay.Replayer) error {
				v, err := stateOf(ctx, r, *chat, *user, p)
				if err != nil {
					return err
				}
				return writeJSON(stdout, v)
			})
		},
	}
}

func stateOf(ctx context.Context, r *replay.Replayer, chat, user string, p replay.Point) (any, error) {
	if chat != "" {
		return r.ChatAt(ctx, chat, p)
	}
	return r.UserAt(ctx, user, p)
}

// writeJSON writes v as indented JSON, with replay.SafeJSON's escapes.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(replay.SafeJSON(b), '\n'))
	return err
}

func replayDiffCommand(stdout, stderr io.Writer) *ffcli.Command {
	fs := newFlagSet("replay diff", stderr)
	var sf storeFlags
	sf.register(fs)
	chat := fs.String("chat", "", "the chat to compare")
	from, to := timeVar(fs, "from", "the earlier moment"), timeVar(fs, "to", "the later moment")
	fromPos := fs.Uint64("from-position", 0, "the earlier log position (instead of --from)")
	toPos := fs.Uint64("to-position", 0, "the later log position (instead of --to)")
	return &ffcli.Command{
		Name:       "diff",
		ShortUsage: "linkup replay diff [--data DIR] --chat ID --from T --to T",
		ShortHelp:  "what changed in a chat between two moments",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(ctx context.Context, _ []string) error {
			if *chat == "" {
				return errors.New("replay diff: --chat is required")
			}
			ts, err := parseTimes(from, to)
			if err != nil {
				return err
			}
			a, b := replay.Point{At: ts[0], Position: *fromPos}, replay.Point{At: ts[1], Position: *toPos}
			return withReplayer(sf, func(r *replay.Replayer) error {
				d, err := r.DiffChat(ctx, *chat, a, b)
				if err != nil {
					return err
				}
				return replay.WriteDiff(stdout, d)
			})
		},
	}
}
