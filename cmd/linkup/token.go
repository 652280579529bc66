package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/linkup-chat/linkup/transport"
	"github.com/peterbourgon/ff/v3/ffcli"
)

// tokenCommand is `linkup token`: sign a JWT for a user. The token is the
// last line printed.
func tokenCommand(stdout, stderr io.Writer) *ffcli.Command {
	fs := newFlagSet("token", stderr)
	data := fs.String("data", "./linkup-data", "data directory holding the JWT secret")
	user := fs.String("user", "", "user id (the token's sub)")
	role := fs.String("role", "", "comma-separated roles, e.g. analyst")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	return &ffcli.Command{
		Name:       "token",
		ShortUsage: "linkup token [--data DIR] --user ID [--role analyst] [--ttl 24h]",
		ShortHelp:  "sign an HS256 token for a user",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(context.Context, []string) error {
			if *user == "" {
				return errors.New("token: --user is required")
			}
			secret, err := jwtSecret(*data, false)
			if err != nil {
				return err
			}
			tok, err := transport.IssueToken(secret, *user, splitRoles(*role), *ttl)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(stdout, tok)
			return err
		},
	}
}

func splitRoles(s string) []string {
	var roles []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			roles = append(roles, r)
		}
	}
	return roles
}
