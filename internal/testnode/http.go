package testnode

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// maxBody is the most of an HTTP answer Do reads.
const maxBody = 4 << 20

// Do sends an HTTP request (with a bearer token unless token is empty, and
// body unless it is empty) and returns the status, the Content-Type and at
// most 4 MiB of the body; a failed request fails the test.
func Do(t testing.TB, method, url, token, body string) (status int, contentType string, b []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// Get is Do for a GET: the status and the body.
func Get(t testing.TB, url, token string) (int, []byte) {
	t.Helper()
	status, _, b := Do(t, http.MethodGet, url, token, "")
	return status, b
}
