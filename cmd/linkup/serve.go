package main

import (
	"context"
	"errors"
	"io"

	"github.com/peterbourgon/ff/v3/ffcli"
)

// serveCommand is `linkup serve`: run a node.
func serveCommand(stdout, stderr io.Writer) *ffcli.Command {
	fs := newFlagSet("serve", stderr)
	var sf storeFlags
	sf.register(fs)
	fs.String("addr", "127.0.0.1:8080", "address to listen on")
	return &ffcli.Command{
		Name:       "serve",
		ShortUsage: "linkup serve [--addr 127.0.0.1:8080] [--data ./linkup-data] [--store embedded|esdb] [--esdb-url esdb://...]",
		ShortHelp:  "run a linkup node",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(context.Context, []string) error {
			return errors.New("serve: the chat core is not built yet")
		},
	}
}
