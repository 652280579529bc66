package cluster

import (
	"errors"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	ok := Config{Endpoints: []string{"127.0.0.1:6331", "127.0.0.1:6332", "127.0.0.1:6333"}}
	for _, tc := range []struct {
		name   string
		change func(*Config)
		valid  bool
	}{
		{"zero values but endpoints", func(*Config) {}, true},
		{"no endpoints", func(c *Config) { c.Endpoints = nil }, false},
		{"unknown provider", func(c *Config) { c.Provider = "etcd" }, false},
		{"endpoint without port", func(c *Config) { c.Endpoints = []string{"127.0.0.1"} }, false},
		{"bad bind", func(c *Config) { c.Bind = "nohost" }, false},
		{"advertise without port", func(c *Config) { c.Advertise = "10.0.0.1:0" }, false},
		{"provider port out of range", func(c *Config) { c.ProviderPort = 70000 }, false},
		{"peer silence below detection", func(c *Config) { c.PeerSilence = 2 * time.Second }, false},
		{"quorum above endpoints", func(c *Config) { c.MinMembers = 4 }, false},
		{"quorum off", func(c *Config) { c.MinMembers = 1 }, true},
		{"negative timeout", func(c *Config) { c.RequestTimeout = -time.Second }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.change(&c)
			err := c.Validate()
			if tc.valid != (err == nil) || (err != nil && !errors.Is(err, ErrConfig)) {
				t.Fatalf("Validate() = %v, want valid=%v (ErrConfig when invalid)", err, tc.valid)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{Endpoints: []string{"a:1", "b:2", "c:3"}}
	c.defaults()
	if c.MinMembers != 2 || c.RequestTimeout != time.Second || c.RequestAttempts != 4 || c.Cluster != "linkup" || c.Provider != ProviderAutomanaged {
		t.Fatalf("defaults: %+v", c)
	}
}
