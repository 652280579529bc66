package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/linkup-chat/linkup/cluster"
)

// clusterTLSFlags are serve's flags for securing the cluster's ports
// (docs/CLUSTER.md, "Securing the cluster").
type clusterTLSFlags struct {
	cert, key, ca string
	insecure      bool
}

func (c *clusterTLSFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.cert, "cluster-tls-cert", "", "PEM certificate this node presents on the cluster ports, as server and client (signed by --cluster-tls-ca)")
	fs.StringVar(&c.key, "cluster-tls-key", "", "PEM private key of --cluster-tls-cert")
	fs.StringVar(&c.ca, "cluster-tls-ca", "", "PEM CA dedicated to the cluster: a peer is accepted only with a certificate it signed (mutual TLS 1.3)")
	fs.BoolVar(&c.insecure, "cluster-insecure", false, "allow cluster ports reachable from other machines without TLS (anyone who reaches them can act as any user)")
}

// apply puts the TLS files and the insecure choice into cfg, refusing a
// partial set of files and TLS with --cluster-insecure.
func (c *clusterTLSFlags) apply(cfg *cluster.Config) error {
	files := cluster.TLS{CertFile: c.cert, KeyFile: c.key, CAFile: c.ca}
	if files.Enabled() && (c.cert == "" || c.key == "" || c.ca == "") {
		return fmt.Errorf("%w: --cluster-tls-cert, --cluster-tls-key and --cluster-tls-ca go together (mutual TLS needs this node's certificate, its key and the cluster's CA)", errClusterFlags)
	}
	if files.Enabled() && c.insecure {
		return fmt.Errorf("%w: --cluster-insecure with --cluster-tls-*: choose one", errClusterFlags)
	}
	cfg.TLS, cfg.Insecure = files, c.insecure
	return nil
}

// insecureRefusal turns the wrapper's refusal of an open port without TLS
// into one line that names the flags.
func insecureRefusal(err error, bind string) error {
	if !errors.Is(err, cluster.ErrInsecure) {
		return err
	}
	return fmt.Errorf("%w: --cluster-bind %q is reachable from other machines and the cluster ports have no TLS: anyone who reaches them could post as any user; give --cluster-tls-cert, --cluster-tls-key and --cluster-tls-ca (docs/CLUSTER.md, \"Securing the cluster\"), or --cluster-insecure on a network only the nodes can reach", errClusterFlags, bind)
}
