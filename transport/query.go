package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/linkup-chat/linkup/protocol"
)

// QueryConfig configures NewQueryHandler. Backend and Secret are required;
// a nil Logger discards. Timeout bounds each query (default 10s).
type QueryConfig struct {
	Backend QueryBackend
	Secret  []byte
	Logger  *slog.Logger
	Timeout time.Duration
	// Timeline serves /v1/timeline and /v1/timeline/chain; nil leaves
	// them out (404).
	Timeline TimelineBackend
	// Cluster serves /v1/cluster (query_cluster.go); nil answers 404.
	Cluster ClusterBackend
}

// Validate reports a missing backend or secret.
func (c QueryConfig) Validate() error {
	if c.Backend == nil || len(c.Secret) == 0 {
		return errors.New("transport: query handler needs a Backend and a Secret")
	}
	if c.Timeout < 0 {
		return errors.New("transport: query handler Timeout must not be negative")
	}
	return nil
}

// NewQueryHandler serves the analyst query API: GET /v1/errors,
// /v1/errors/hourly (extension), /v1/read-states, /v1/projections and,
// with a Timeline backend, /v1/timeline and /v1/timeline/chain. Every
// request needs a token with the analyst role: 401 without a valid token,
// 403 without the role. Bad parameters get 400 with code invalid_parameter
// naming the parameter. Mount it on the server's mux under /v1/.
//
// Beyond PROTOCOL.md section 6 (extensions):
//   - GET /v1/errors/hourly?error_type=&since=&until= answers
//     {"items":[{"hour":"2026-11-25T10:00:00Z","error_type":"invalid_payload","count":12}]},
//     ordered by hour then type, at most 10,000 items;
//   - /v1/errors also filters by connection_id; since is inclusive, until
//     exclusive; limit defaults to 100 and is capped at 1000; next_cursor is
//     the id of the page's last item (null at the end);
//   - /v1/projections items also carry lag_seconds (age of the oldest
//     unprojected event) and poisoned (events skipped as poison);
//   - unknown or repeated parameters are refused with 400; the token may
//     also come as ?token=.
func NewQueryHandler(cfg QueryConfig) (http.Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	h := &queryHandler{cfg: cfg}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/errors", h.errors)
	mux.HandleFunc("GET /v1/errors/hourly", h.errorCounts)
	mux.HandleFunc("GET /v1/read-states", h.readStates)
	mux.HandleFunc("GET /v1/projections", h.projections)
	mux.HandleFunc("GET /v1/deliveries", h.deliveries) // query_deliveries.go
	mux.HandleFunc("GET /v1/cluster", h.cluster)       // query_cluster.go
	if cfg.Timeline != nil {
		mux.HandleFunc("GET /v1/timeline", h.timeline)
		mux.HandleFunc("GET /v1/timeline/chain", h.chain)
	}
	return h.authorize(mux), nil
}

type queryHandler struct{ cfg QueryConfig }

// authorize lets through requests whose token carries the analyst role.
func (h *queryHandler) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, err := VerifyToken(h.cfg.Secret, requestToken(r))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="linkup"`)
			writeQueryError(w, http.StatusUnauthorized, protocol.APIErrorBody{Code: "unauthorized", Message: err.Error()})
			return
		}
		if !claims.HasRole(RoleAnalyst) {
			writeQueryError(w, http.StatusForbidden, protocol.APIErrorBody{Code: "forbidden", Message: fmt.Sprintf("%v: the query API needs the %s role", ErrForbidden, RoleAnalyst)})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requestToken takes the first well-formed "Bearer" Authorization value
// (repeated or comma-joined headers are tolerated), else ?token=.
func requestToken(r *http.Request) string {
	for _, h := range r.Header.Values("Authorization") {
		for _, v := range strings.Split(h, ",") {
			scheme, tok, ok := strings.Cut(strings.TrimSpace(v), " ")
			if ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(tok) != "" {
				return strings.TrimSpace(tok)
			}
		}
	}
	return r.URL.Query().Get("token")
}

func (h *queryHandler) errors(w http.ResponseWriter, r *http.Request) {
	q, err := parseErrorQuery(r.URL.Query())
	if h.refuse(w, err) {
		return
	}
	page, err := h.cfg.Backend.Errors(r.Context(), q)
	if h.failed(w, r, err) {
		return
	}
	if page.Items == nil {
		page.Items = []protocol.ErrorItem{}
	}
	writeQueryJSON(w, http.StatusOK, page)
}

func (h *queryHandler) errorCounts(w http.ResponseWriter, r *http.Request) {
	q, err := parseErrorCountQuery(r.URL.Query())
	if h.refuse(w, err) {
		return
	}
	items, err := h.cfg.Backend.ErrorCounts(r.Context(), q)
	if h.failed(w, r, err) {
		return
	}
	writeQueryJSON(w, http.StatusOK, protocol.NewItemList(items))
}

func (h *queryHandler) readStates(w http.ResponseWriter, r *http.Request) {
	q, err := parseReadStateQuery(r.URL.Query())
	if h.refuse(w, err) {
		return
	}
	items, err := h.cfg.Backend.ReadStates(r.Context(), q)
	if h.failed(w, r, err) {
		return
	}
	writeQueryJSON(w, http.StatusOK, protocol.NewItemList(items))
}

func (h *queryHandler) projections(w http.ResponseWriter, r *http.Request) {
	if h.refuse(w, newQueryParams(r.URL.Query()).result()) {
		return
	}
	items, err := h.cfg.Backend.Projections(r.Context())
	if h.failed(w, r, err) {
		return
	}
	writeQueryJSON(w, http.StatusOK, protocol.NewItemList(items))
}

func (h *queryHandler) timeline(w http.ResponseWriter, r *http.Request) {
	q, err := parseTimelineQuery(r.URL.Query())
	if h.refuse(w, err) {
		return
	}
	page, err := h.cfg.Timeline.Timeline(r.Context(), q)
	if h.refuse(w, err) || h.failed(w, r, err) {
		return
	}
	if page.Items == nil {
		page.Items = []json.RawMessage{}
	}
	writeQueryJSON(w, http.StatusOK, page)
}

func (h *queryHandler) chain(w http.ResponseWriter, r *http.Request) {
	q, err := parseChainQuery(r.URL.Query())
	if h.refuse(w, err) {
		return
	}
	c, err := h.cfg.Timeline.Chain(r.Context(), q)
	if h.refuse(w, err) || h.failed(w, r, err) {
		return
	}
	if c.Items == nil {
		c.Items = []protocol.ChainItem{}
	}
	writeQueryJSON(w, http.StatusOK, c)
}

// refuse answers 400 for a parameter error (404 for an unknown one).
func (h *queryHandler) refuse(w http.ResponseWriter, err error) bool {
	var pe *queryParamError
	if !errors.As(err, &pe) {
		return false
	}
	if pe.Status == http.StatusNotFound {
		writeQueryError(w, http.StatusNotFound, protocol.APIErrorBody{Code: "not_found", Parameter: pe.Parameter, Message: pe.Message})
		return true
	}
	writeQueryError(w, http.StatusBadRequest, protocol.APIErrorBody{Code: "invalid_parameter", Parameter: pe.Parameter, Message: pe.Message})
	return true
}

// failed answers 500 (or 503 on timeout) for a backend error.
func (h *queryHandler) failed(w http.ResponseWriter, r *http.Request, err error) bool {
	if err == nil {
		return false
	}
	h.cfg.Logger.Error("query failed", "path", r.URL.Path, "err", err)
	if errors.Is(err, context.DeadlineExceeded) {
		writeQueryError(w, http.StatusServiceUnavailable, protocol.APIErrorBody{Code: "unavailable", Message: "query timed out"})
		return true
	}
	writeQueryError(w, http.StatusInternalServerError, protocol.APIErrorBody{Code: "internal", Message: "query failed"})
	return true
}

func writeQueryError(w http.ResponseWriter, status int, e protocol.APIErrorBody) {
	writeQueryJSON(w, status, protocol.APIError{Error: e})
}

func writeQueryJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
