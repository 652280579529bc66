package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed static
var static embed.FS

// pages maps each page's path to its file under static/.
var pages = map[string]string{
	"/":         "chat.html",
	"/console":  "console.html",
	"/incident": "incident.html",
}

// asset is one embedded file, ready to serve.
type asset struct {
	name        string
	body        []byte
	contentType string
	etag        string
}

var (
	assetsOnce sync.Once
	assets     map[string]*asset // by path under static/
)

// loadAssets reads every embedded file once.
func loadAssets() map[string]*asset {
	assetsOnce.Do(func() {
		assets = map[string]*asset{}
		_ = fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			body, err := static.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(body)
			assets[strings.TrimPrefix(p, "static/")] = &asset{name: path.Base(p), body: body,
				contentType: contentType(p), etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
			return nil
		})
	})
	return assets
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// Handler serves the pages (/, /console, /incident) and their assets
// (/static/...): GET and HEAD only (else 405), unknown paths 404, every
// answer with the headers of securityHeaders. It is safe for concurrent use.
func Handler() http.Handler {
	all := loadAssets()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header())
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		a := lookup(all, r.URL.Path)
		if a == nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", a.contentType)
		w.Header().Set("ETag", a.etag)
		http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body))
	})
}

// lookup finds the asset for a request path.
func lookup(all map[string]*asset, p string) *asset {
	if name, ok := pages[p]; ok {
		return all[name]
	}
	rest, ok := strings.CutPrefix(p, "/static/")
	if !ok || strings.HasSuffix(rest, ".html") {
		return nil // pages only under their own paths
	}
	return all[rest]
}

// Compose serves the pages and their assets with Handler and passes every
// other request to api unchanged.
func Compose(api http.Handler) http.Handler {
	pages := Handler()
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", pages)
	mux.Handle("GET /console", pages)
	mux.Handle("GET /incident", pages)
	mux.Handle("GET /static/", pages)
	mux.Handle("/", api)
	return mux
}
