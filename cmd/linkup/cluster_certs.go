package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/linkup-chat/linkup/cluster"
	"github.com/peterbourgon/ff/v3/ffcli"
)

// clusterCommand is `linkup cluster`, the cluster's tools.
func clusterCommand(stdout, stderr io.Writer) *ffcli.Command {
	fs := newFlagSet("cluster", stderr)
	return &ffcli.Command{
		Name:        "cluster",
		ShortUsage:  "linkup cluster certs [flags]",
		ShortHelp:   "cluster tools: certificates for the cluster ports' mutual TLS",
		FlagSet:     fs,
		Subcommands: []*ffcli.Command{clusterCertsCommand(stdout, stderr)},
		Exec:        func(context.Context, []string) error { return errUsage },
	}
}

// nodeNameRE is what a node name may be here: it names files.
var nodeNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// clusterCertsCommand is `linkup cluster certs`: a CA dedicated to the
// cluster (or an existing one) and a certificate per node, for
// --cluster-tls-cert/key/ca (docs/CLUSTER.md, "Securing the cluster").
func clusterCertsCommand(stdout, stderr io.Writer) *ffcli.Command {
	fs := newFlagSet("certs", stderr)
	dir := fs.String("dir", "./linkup-cluster-certs", "directory to write into (made with mode 0700; existing files are never overwritten)")
	nodes := fs.String("nodes", "", "comma list of node names: one certificate each, <node>.pem and <node>-key.pem")
	caCert := fs.String("ca-cert", "", "an existing CA certificate to issue with (default: make a new CA, ca.pem and ca-key.pem)")
	caKey := fs.String("ca-key", "", "the private key of --ca-cert")
	validFor := fs.Duration("valid-for", 825*24*time.Hour, "how long the node certificates are valid (a new CA: ten years)")
	return &ffcli.Command{
		Name:       "certs",
		ShortUsage: "linkup cluster certs --nodes n1,n2,n3 [--dir DIR] [--ca-cert ca.pem --ca-key ca-key.pem] [--valid-for 19800h]",
		ShortHelp:  "write a cluster CA and one certificate per node for the cluster ports' mutual TLS",
		FlagSet:    fs,
		Exec: func(context.Context, []string) error {
			names, err := certNodes(*nodes)
			if err != nil {
				return err
			}
			if (*caCert == "") != (*caKey == "") {
				return errors.New("cluster certs: --ca-cert and --ca-key go together")
			}
			return writeClusterCerts(stdout, *dir, names, *caCert, *caKey, *validFor)
		},
	}
}

func certNodes(list string) ([]string, error) {
	var names []string
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if !nodeNameRE.MatchString(n) || n == "ca" {
			return nil, fmt.Errorf("cluster certs: node name %q: want letters, digits, '.', '_' or '-' (at most 63, not \"ca\")", n)
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return nil, errors.New("cluster certs: --nodes is required (for example --nodes n1,n2,n3)")
	}
	return names, nil
}

func writeClusterCerts(stdout io.Writer, dir string, names []string, caCert, caKey string, validFor time.Duration) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cluster certs: %w", err)
	}
	paths := []string{filepath.Join(dir, "ca.pem")}
	for _, n := range names {
		paths = append(paths, filepath.Join(dir, n+".pem"), filepath.Join(dir, n+"-key.pem"))
	}
	if caCert == "" {
		paths = append(paths, filepath.Join(dir, "ca-key.pem"))
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("cluster certs: %s exists: nothing written (to add nodes to an existing CA, give --ca-cert and --ca-key and a new --dir)", p)
		}
	}
	ca, err := loadOrMakeCA(dir, caCert, caKey)
	if err != nil {
		return err
	}
	for _, n := range names {
		f, err := ca.WriteNode(dir, n, validFor, n)
		if err != nil {
			return fmt.Errorf("cluster certs: %w", err)
		}
		fmt.Fprintf(stdout, "%s: --cluster-tls-cert %s --cluster-tls-key %s --cluster-tls-ca %s\n", n, f.CertFile, f.KeyFile, f.CAFile)
	}
	return nil
}

// loadOrMakeCA loads the given CA, or makes one and writes its key to
// dir/ca-key.pem (0600): keep it off the nodes.
func loadOrMakeCA(dir, caCert, caKey string) (*cluster.CA, error) {
	if caCert != "" {
		ca, err := cluster.LoadCA(caCert, caKey)
		if err != nil {
			return nil, fmt.Errorf("cluster certs: %w", err)
		}
		return ca, nil
	}
	ca, err := cluster.NewCA("linkup cluster CA", 10*365*24*time.Hour)
	if err != nil {
		return nil, fmt.Errorf("cluster certs: %w", err)
	}
	key, err := ca.KeyPEM()
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "ca-key.pem"), key, 0o600)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster certs: %w", err)
	}
	return ca, nil
}
