package gctarget

import (
	"errors"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want error
	}{
		{"zero", Config{}, nil},
		{"own bounds", Config{Min: 10, Max: 300}, nil},
		{"Max only, below the default Min", Config{Max: 20}, nil},
		{"Min only, above the default Max", Config{Min: 200}, nil},
		{"Min above Max", Config{Min: 80, Max: 50}, ErrBounds},
		{"negative Min", Config{Min: -1}, ErrBounds},
		{"negative price", Config{BytesPerCore: -1}, ErrPrice},
		{"negative interval", Config{Interval: -1}, ErrInterval},
		{"window too long", Config{Window: MaxWindow + 1}, ErrWindow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Validate() = %v, want %v", err, tc.want)
			}
			if _, nerr := New(tc.cfg); (nerr == nil) != (err == nil) {
				t.Fatalf("New: %v, Validate: %v", nerr, err)
			}
		})
	}
}

// TestConfigDefaults: the zero value is 25–100; a lone bound moves the
// other only as far as it must.
func TestConfigDefaults(t *testing.T) {
	cases := []struct {
		cfg      Config
		min, max int
	}{
		{Config{}, 25, 100},
		{Config{Max: 20}, 20, 20},
		{Config{Min: 200}, 200, 200},
		{Config{Min: 50}, 50, 100},
		{Config{Max: 400}, 25, 400},
	}
	for _, tc := range cases {
		d := tc.cfg.withDefaults()
		if d.Min != tc.min || d.Max != tc.max {
			t.Fatalf("%+v: Min %d Max %d, want %d %d", tc.cfg, d.Min, d.Max, tc.min, tc.max)
		}
	}
}
