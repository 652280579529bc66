package cluster

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConfigRefusesOpenPortsWithoutTLS: a Bind another machine can reach
// needs TLS or an explicit Insecure; loopback needs neither.
func TestConfigRefusesOpenPortsWithoutTLS(t *testing.T) {
	dir := t.TempDir()
	ca, err := NewCA("test-ca", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	good, err := ca.WriteNode(dir, "n1", time.Hour, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewCA("other-ca", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.WriteNode(t.TempDir(), "n9", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := Config{Endpoints: []string{"127.0.0.1:6331"}}
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string // "" = valid
	}{
		{"loopback without TLS", func(c *Config) { c.Bind = "127.0.0.1:7000" }, ""},
		{"localhost without TLS", func(c *Config) { c.Bind = "localhost:7000" }, ""},
		{"ipv6 loopback without TLS", func(c *Config) { c.Bind = "[::1]:7000" }, ""},
		{"every interface without TLS", func(c *Config) { c.Bind = "0.0.0.0:7000" }, "not loopback"},
		{"empty host without TLS", func(c *Config) { c.Bind = ":7000" }, "not loopback"},
		{"a LAN address without TLS", func(c *Config) { c.Bind = "10.0.0.5:7000" }, "not loopback"},
		{"every interface, insecure on purpose", func(c *Config) { c.Bind = "0.0.0.0:7000"; c.Insecure = true }, ""},
		{"every interface with TLS", func(c *Config) { c.Bind = "0.0.0.0:7000"; c.TLS = good }, ""},
		{"TLS without the CA", func(c *Config) { c.TLS = TLS{CertFile: good.CertFile, KeyFile: good.KeyFile} }, "all three"},
		{"TLS with a missing file", func(c *Config) { c.TLS = good; c.TLS.KeyFile = filepath.Join(dir, "nope") }, "no such file"},
		{"TLS with a CA file without a certificate", func(c *Config) { c.TLS = good; c.TLS.CAFile = notPEM }, "no PEM certificate"},
		{"TLS with a certificate of another CA", func(c *Config) { c.TLS = foreign; c.TLS.CAFile = good.CAFile }, "not accepted by the cluster CA"},
		{"TLS key of another certificate", func(c *Config) { c.TLS = good; c.TLS.KeyFile = foreign.KeyFile }, "private key does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.change(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want valid", err)
			case tc.want != "" && (err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate() = %v, want ErrConfig naming %q", err, tc.want)
			case tc.want == "not loopback" && !errors.Is(err, ErrInsecure):
				t.Fatalf("Validate() = %v, want ErrInsecure", err)
			}
		})
	}
}

// TestTLSConfigsAreMutualAndModern: the server requires a client
// certificate of the CA, both sides refuse below TLS 1.3.
func TestTLSConfigsAreMutualAndModern(t *testing.T) {
	ca, err := NewCA("test-ca", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	files, err := ca.WriteNode(t.TempDir(), "n1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	server, client, err := files.Load()
	if err != nil {
		t.Fatal(err)
	}
	if server.ClientAuth.String() != "RequireAndVerifyClientCert" || server.ClientCAs == nil {
		t.Fatalf("server ClientAuth = %v, want RequireAndVerifyClientCert with the CA", server.ClientAuth)
	}
	if server.MinVersion != 0x0304 || client.MinVersion != 0x0304 {
		t.Fatalf("MinVersion server %x client %x, want TLS 1.3 (0x0304)", server.MinVersion, client.MinVersion)
	}
	if len(client.Certificates) != 1 || client.VerifyConnection == nil {
		t.Fatal("client presents no certificate or does not verify the server's chain")
	}
}
