package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	_ "github.com/linkup-chat/linkup/internal/protoconflict" // before any protobuf registers: see its doc
	"github.com/peterbourgon/ff/v3/ffcli"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args and runs the chosen subcommand, returning the exit code.
// Errors are printed as one line, never as a stack trace.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := rootCommand(stdout, stderr)
	err := root.ParseAndRun(ctx, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, root.UsageFunc(root))
		return 2
	default:
		fmt.Fprintf(stderr, "linkup: %v\n", err)
		return 1
	}
}

var errUsage = errors.New("usage")

func rootCommand(stdout, stderr io.Writer) *ffcli.Command {
	fs := flag.NewFlagSet("linkup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &ffcli.Command{
		Name:       "linkup",
		ShortUsage: "linkup <serve|token|replay|projections|cluster> [flags]",
		FlagSet:    fs,
		Subcommands: []*ffcli.Command{
			serveCommand(stdout, stderr),
			tokenCommand(stdout, stderr),
			replayCommand(stdout, stderr),
			projectionsCommand(stdout, stderr),
			clusterCommand(stdout, stderr),
		},
		Exec: func(context.Context, []string) error { return errUsage },
	}
}
