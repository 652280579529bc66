package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, path string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestPagesAndAssetsCarryStrictHeaders(t *testing.T) {
	h := Handler()
	for path, wantType := range map[string]string{
		"/": "text/html", "/console": "text/html", "/incident": "text/html",
		"/static/js/chat.js": "text/javascript", "/static/css/app.css": "text/css",
	} {
		resp := get(t, h, "GET", path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "default-src 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline or eval: %q", path, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", path, k, got, v)
			}
		}
		if resp.Header.Get("ETag") == "" {
			t.Errorf("%s: no ETag", path)
		}
	}
}

func TestRevalidationAnswers304(t *testing.T) {
	h := Handler()
	etag := get(t, h, "GET", "/static/js/chat.js").Header.Get("ETag")
	if resp := get(t, h, "GET", "/static/js/chat.js", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d, want 304", resp.StatusCode)
	}
}

func TestUnknownPathsAndMethodsAreRefused(t *testing.T) {
	h := Handler()
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/static/nope.js", 404},
		{"GET", "/static/chat.html", 404}, // pages only under their own paths
		{"GET", "/static/../handler.go", 404},
		{"GET", "/consolex", 404},
		{"POST", "/", 405},
		{"DELETE", "/static/js/chat.js", 405},
		{"HEAD", "/console", 200},
	} {
		if resp := get(t, h, c.method, c.path); resp.StatusCode != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
	}
}

func TestComposePassesTheRestToTheAPI(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "api "+r.URL.Path) })
	h := Compose(api)
	for path, want := range map[string]string{"/ws": "api /ws", "/v1/errors": "api /v1/errors", "/healthz": "api /healthz", "/metrics": "api /metrics", "/nope": "api /nope"} {
		body, _ := io.ReadAll(get(t, h, "GET", path).Body)
		if string(body) != want {
			t.Errorf("GET %s: %q, want %q", path, body, want)
		}
	}
	if resp := get(t, h, "GET", "/console"); resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("/console not served by the pages")
	}
	if body, _ := io.ReadAll(get(t, h, "POST", "/v1/admin/revoke").Body); string(body) != "api /v1/admin/revoke" {
		t.Errorf("POST /v1/admin/revoke: %q", body)
	}
}

// The pages put server data into the DOM only as text: no innerHTML,
// outerHTML, insertAdjacentHTML, document.write or eval anywhere, and the
// HTML has no inline script, handler or style (the CSP would block them).
func TestNoMarkupFromStringsAndNoInlineCode(t *testing.T) {
	banned := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\('style'`)
	inline := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>[^<]|\son[a-z]+\s*=|\sstyle\s*=|javascript:`)
	n := 0
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := static.ReadFile(p)
		switch {
		case strings.HasSuffix(p, ".js"):
			n++
			if m := banned.Find(b); m != nil {
				t.Errorf("%s uses %q", p, m)
			}
		case strings.HasSuffix(p, ".html"):
			if m := inline.Find(b); m != nil {
				t.Errorf("%s has inline code %q", p, m)
			}
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("walk: %v, %d scripts", err, n)
	}
}

// Every script, style and icon a page names, and every module a script
// imports, is an embedded asset that Handler serves.
func TestEveryReferenceResolves(t *testing.T) {
	h := Handler()
	htmlRef := regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)
	jsImport := regexp.MustCompile(`(?m)^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'`)
	checked := 0
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := static.ReadFile(p)
		var refs []string
		switch {
		case strings.HasSuffix(p, ".html"):
			for _, m := range htmlRef.FindAllSubmatch(b, -1) {
				refs = append(refs, string(m[1]))
			}
		case strings.HasSuffix(p, ".js"):
			for _, m := range jsImport.FindAllSubmatch(b, -1) {
				ref := string(m[1]) + string(m[2])
				refs = append(refs, "/"+path.Join(path.Dir(p), ref))
			}
		}
		for _, ref := range refs {
			checked++
			if resp := get(t, h, "GET", ref); resp.StatusCode != 200 {
				t.Errorf("%s names %s: %d", p, ref, resp.StatusCode)
			}
		}
		return nil
	})
	if err != nil || checked < 10 {
		t.Fatalf("walk: %v, %d references checked", err, checked)
	}
}
