package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
)

// TLS names the PEM files of mutual TLS on both cluster ports (the
// remote's gRPC and the provider's health endpoint). All three or none.
//
// Each member presents CertFile (with KeyFile) as server and as client,
// and accepts a peer only if the peer's certificate chains to a
// certificate in CAFile; TLS 1.3 at least. Host names are not checked:
// any certificate the CA signed is a member of the cluster (a member can
// already send anything to any identity), so the CA must be dedicated to
// the cluster. A node's certificate therefore needs the extended key
// usages serverAuth and clientAuth (or none).
type TLS struct {
	CertFile string
	KeyFile  string
	CAFile   string
}

// Enabled reports whether any file is named.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" || t.CAFile != "" }

// Load reads the files and returns the server and the client side of
// the member's mutual TLS, as Start uses them (for tools that speak to
// members).
func (t TLS) Load() (server, client *tls.Config, err error) {
	p, err := t.load()
	if err != nil {
		return nil, nil, err
	}
	return p.server, p.client, nil
}

// tlsPair is the server and client side of one member's mutual TLS.
type tlsPair struct {
	server, client *tls.Config
}

// load reads the files and builds both sides. The member's own
// certificate must chain to the CA: a member whose peers would refuse it
// is refused here, at start.
func (t TLS) load() (*tlsPair, error) {
	if t.CertFile == "" || t.KeyFile == "" || t.CAFile == "" {
		return nil, errors.New("TLS: give the certificate, its key and the CA, all three")
	}
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s / key %s: %v", t.CertFile, t.KeyFile, err)
	}
	pem, err := os.ReadFile(t.CAFile)
	if err != nil {
		return nil, fmt.Errorf("TLS CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("TLS CA %s: no PEM certificate in it", t.CAFile)
	}
	if err := verifyChain(pool, cert.Certificate, x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth); err != nil {
		return nil, fmt.Errorf("TLS certificate %s: %v", t.CertFile, err)
	}
	return &tlsPair{server: serverTLS(cert, pool), client: clientTLS(cert, pool)}, nil
}

func serverTLS(cert tls.Certificate, pool *x509.CertPool) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	}
}

// clientTLS verifies the server's chain against the CA but not its host
// name (see TLS): the standard verification is turned off and
// VerifyConnection does the chain, as crypto/tls documents for this case.
func clientTLS(cert tls.Certificate, pool *x509.CertPool) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		Certificates:       []tls.Certificate{cert},
		InsecureSkipVerify: true, // the chain is verified in VerifyConnection
		VerifyConnection: func(cs tls.ConnectionState) error {
			raw := make([][]byte, len(cs.PeerCertificates))
			for i, c := range cs.PeerCertificates {
				raw[i] = c.Raw
			}
			return verifyChain(pool, raw, x509.ExtKeyUsageServerAuth)
		},
	}
}

// verifyChain checks that the first certificate of chain (DER, leaf
// first, then intermediates) chains to pool for every usage.
func verifyChain(pool *x509.CertPool, chain [][]byte, usages ...x509.ExtKeyUsage) error {
	if len(chain) == 0 {
		return errors.New("no certificate")
	}
	certs := make([]*x509.Certificate, len(chain))
	for i, der := range chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return err
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	for _, u := range usages {
		opts := x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{u}}
		if _, err := certs[0].Verify(opts); err != nil {
			return fmt.Errorf("not accepted by the cluster CA: %v", err)
		}
	}
	return nil
}

// isLoopback reports whether host (of a bind address) only listens on
// this machine: localhost or a loopback IP. An empty host or 0.0.0.0
// listens on every interface.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func parseIP(h string) net.IP { return net.ParseIP(h) }
