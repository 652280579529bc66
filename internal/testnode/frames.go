package testnode

import (
	"testing"

	"github.com/linkup-chat/linkup/client"
)

// MustType fails the test unless f has type want, and returns f.
func MustType(t testing.TB, f client.Frame, want string) client.Frame {
	t.Helper()
	if f.Type != want {
		t.Fatalf("got %s frame %s, want %s", f.Type, f.Raw, want)
	}
	return f
}

// ExpectError fails the test unless f is an error frame with code and a
// message (every error the server sends carries both).
func ExpectError(t testing.TB, f client.Frame, code string) {
	t.Helper()
	MustType(t, f, "error")
	if f.Str("code") != code {
		t.Fatalf("error code %q (%s), want %q", f.Str("code"), f.Raw, code)
	}
	if f.Str("message") == "" {
		t.Fatalf("error without message: %s", f.Raw)
	}
}
