package main

import (
	"context"
	"errors"
	"io"

	"github.com/peterbourgon/ff/v3/ffcli"
)

// replayCommand is `linkup replay`: read-only reconstruction from the log.
func replayCommand(stdout, stderr io.Writer) *ffcli.Command {
	return &ffcli.Command{
		Name:       "replay",
		ShortUsage: "linkup replay <timeline|state|diff> [flags]",
		ShortHelp:  "rebuild what happened from the event log (read-only)",
		FlagSet:    newFlagSet("replay", stderr),
		Exec: func(context.Context, []string) error {
			return errors.New("replay: not built yet")
		},
	}
}
