package main

import (
	"context"
	"errors"
	"io"

	"github.com/linkup-chat/linkup/replay"
	"github.com/peterbourgon/ff/v3/ffcli"
)

// replayAuditCommand is `linkup replay audit`: did the members of a chat
// (or one user) get one of its timeline items, and when, from the log
// alone (PROTOCOL.md section 7).
func replayAuditCommand(stdout, stderr io.Writer) *ffcli.Command {
	fs := newFlagSet("replay audit", stderr)
	var sf storeFlags
	sf.register(fs)
	chat := fs.String("chat", "", "the chat")
	seq := fs.Uint64("seq", 0, "the timeline item's seq")
	user := fs.String("user", "", "only this user")
	format := fs.String("format", "text", "text or jsonl")
	return &ffcli.Command{
		Name:       "audit",
		ShortUsage: "linkup replay audit [--data DIR] --chat ID --seq N [--user ID] [--format text|jsonl]",
		ShortHelp:  "did a user get a message: posted, open connections, delivered, read",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(ctx context.Context, _ []string) error {
			if *chat == "" || *seq == 0 {
				return errors.New("replay audit: give --chat and --seq")
			}
			f := replay.Format(*format)
			if err := f.Validate(); err != nil {
				return err
			}
			return withReplayer(sf, func(r *replay.Replayer) error {
				a, err := r.Audit(ctx, replay.AuditQuery{Chat: *chat, Seq: *seq, User: *user})
				if err != nil {
					return err
				}
				return replay.WriteAudit(stdout, f, a)
			})
		},
	}
}
