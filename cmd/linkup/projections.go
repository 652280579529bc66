package main

import (
	"context"
	"errors"
	"io"

	"github.com/peterbourgon/ff/v3/ffcli"
)

// projectionsCommand is `linkup projections`: status and rebuild.
func projectionsCommand(stdout, stderr io.Writer) *ffcli.Command {
	return &ffcli.Command{
		Name:       "projections",
		ShortUsage: "linkup projections <status|rebuild> [flags]",
		ShortHelp:  "inspect and rebuild the read model",
		FlagSet:    newFlagSet("projections", stderr),
		Exec: func(context.Context, []string) error {
			return errors.New("projections: not built yet")
		},
	}
}
