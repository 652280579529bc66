package transport

import (
	"net/http"
	"net/url"
	"testing"
)

// FuzzFindToken: header and query parsing never panics, and whatever it
// returns is a well-formed token.
func FuzzFindToken(f *testing.F) {
	f.Add("Bearer a.b.c", "a.b.c", "linkup.v1, bearer.a.b.c")
	f.Add("Bearer , bearer x.y.z,,", "", "bearer.")
	f.Add("basic abc", "%zz", ",,,")
	f.Fuzz(func(t *testing.T, auth, query, proto string) {
		r := &http.Request{Header: http.Header{}, URL: &url.URL{RawQuery: "token=" + url.QueryEscape(query)}}
		r.Header.Add("Authorization", auth)
		r.Header.Add("Authorization", auth+","+auth)
		r.Header.Add("Sec-WebSocket-Protocol", proto)
		tok, _, ok := findToken(r)
		if ok && !wellFormed(tok) {
			t.Fatalf("returned a malformed token %q", tok)
		}
		_ = presented(r)
	})
}

// FuzzVerifyToken: any string is refused or accepted without panicking,
// and refusals wrap ErrUnauthorized.
func FuzzVerifyToken(f *testing.F) {
	good, _ := IssueToken([]byte("k"), "u", []string{"analyst"}, 3600e9)
	f.Add(good)
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := VerifyToken([]byte("k"), tok)
		if err == nil && c.Subject == "" {
			t.Fatal("accepted a token without sub")
		}
	})
}
