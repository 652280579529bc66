package cluster

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/cluster"
)

// healthPath is the automanaged protocol's one endpoint.
const healthPath = "/_health"

// maxHealthBody bounds a peer's answer to a health poll.
const maxHealthBody = 64 << 10

// nodeModel is what GET /_health answers: the automanaged provider's
// NodeModel, field for field, so that members of this package and of the
// library's provider understand each other over plain HTTP.
type nodeModel struct {
	ID             string   `json:"id"`
	Address        string   `json:"address"`
	AutoManagePort int      `json:"auto_manage_port"`
	Port           int      `json:"port"`
	Kinds          []string `json:"kinds"`
	ClusterName    string   `json:"cluster_name"`
}

// healthProvider is the automanaged provider's protocol: every member
// serves GET /_health with its id, remote address and kinds, and polls
// every endpoint of the static list each Refresh; the members that answer
// with this cluster's name are the topology. It is the library's
// provider rewritten because that one cannot be secured or bound: it
// serves plain HTTP on every interface (through echo v3) and polls over
// plain HTTP with a client no caller can configure, so anyone able to
// answer on a listed endpoint could put a member in the topology (and the
// watchdogs, hearing no gossip from it, would end the real members).
// Here the server listens on Bind's host, and with TLS both the server
// and the polls use the member's mutual TLS: a peer without a
// certificate of the cluster's CA neither reads a member's health nor
// enters a topology.
//
// Semantics kept from the library: all endpoints polled at once, each
// bounded by automanagedHealthTimeout; when none answers, the topology
// is left as it was; otherwise it is exactly the members that answered.
type healthProvider struct {
	refresh   time.Duration
	endpoints []string
	port      int
	log       *slog.Logger
	refused   *refusals
	ln        net.Listener
	srv       *http.Server
	client    *http.Client
	scheme    string

	c        *cluster.Cluster
	stop     chan struct{}
	stopOnce sync.Once
	cancel   context.CancelFunc
	ctx      context.Context
	failing  map[string]string // endpoint -> last error, for logging changes only
}

var _ cluster.ClusterProvider = (*healthProvider)(nil)

// newHealthProvider listens at once, so that a port in use fails Start
// (the library's provider only logged it).
func newHealthProvider(cfg Config, tp *tlsPair, r *refusals) (*healthProvider, error) {
	host, _, _ := splitHostPort(cfg.Bind)
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(cfg.ProviderPort)))
	if err != nil {
		return nil, fmt.Errorf("%w: health endpoint: %v", ErrStart, err)
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: automanagedHealthTimeout, KeepAlive: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: automanagedHealthTimeout,
	}
	p := &healthProvider{refresh: cfg.Refresh, endpoints: cfg.Endpoints, port: cfg.ProviderPort, log: cfg.Logger,
		refused: r, scheme: "http", client: &http.Client{Transport: tr, Timeout: automanagedHealthTimeout},
		stop: make(chan struct{}), failing: map[string]string{}}
	if tp != nil {
		ln = tls.NewListener(ln, tp.server)
		tr.TLSClientConfig = tp.client
		p.scheme = "https"
	}
	p.ln = ln
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p, nil
}

// StartMember serves this member's health and starts polling.
func (p *healthProvider) StartMember(c *cluster.Cluster) error {
	p.c = c
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+healthPath, p.serveHealth)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second,
		WriteTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 8 << 10,
		ErrorLog: log.New(healthErrorLog{p.refused}, "", 0)}
	go func() { _ = p.srv.Serve(p.ln) }()
	go p.loop()
	return nil
}

// StartClient is not supported: every linkup node is a member.
func (p *healthProvider) StartClient(*cluster.Cluster) error {
	return errors.New("cluster: the health provider runs members only")
}

// Shutdown stops the polls and closes the health endpoint. Safe to call
// more than once.
func (p *healthProvider) Shutdown(bool) error {
	p.stopOnce.Do(func() {
		close(p.stop)
		p.cancel()
		if p.srv != nil {
			_ = p.srv.Close()
		} else {
			_ = p.ln.Close()
		}
	})
	return nil
}

func (p *healthProvider) self() nodeModel {
	host, port, _ := p.c.ActorSystem.GetHostPort()
	return nodeModel{ID: p.c.ActorSystem.ID, Address: host, Port: port, AutoManagePort: p.port,
		Kinds: p.c.GetClusterKinds(), ClusterName: p.c.Config.Name}
}

func (p *healthProvider) serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(p.self())
}

func (p *healthProvider) loop() {
	for {
		p.pollOnce()
		select {
		case <-p.stop:
			return
		case <-time.After(p.refresh):
		}
	}
}

// pollOnce polls every endpoint at once and publishes the topology.
func (p *healthProvider) pollOnce() {
	nodes := make([]*nodeModel, len(p.endpoints))
	errs := make([]error, len(p.endpoints))
	var wg sync.WaitGroup
	for i, ep := range p.endpoints {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nodes[i], errs[i] = p.fetch(ep)
		}()
	}
	wg.Wait()
	var members []*cluster.Member
	for i, n := range nodes {
		p.noteError(p.endpoints[i], errs[i])
		if n != nil && n.ClusterName == p.c.Config.Name {
			members = append(members, &cluster.Member{Id: n.ID, Host: n.Address, Port: int32(n.Port), Kinds: n.Kinds})
		}
	}
	select {
	case <-p.stop:
		return
	default:
	}
	if len(members) == 0 && errors.Join(errs...) != nil {
		return // the library's rule: nobody answered, keep the topology
	}
	p.c.MemberList.UpdateClusterTopology(members)
}

// fetch asks one endpoint for its node.
func (p *healthProvider) fetch(endpoint string) (*nodeModel, error) {
	req, err := http.NewRequestWithContext(p.ctx, http.MethodGet, p.scheme+"://"+endpoint+healthPath, nil)
	if err != nil {
		return nil, err
	}
	res, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", res.StatusCode)
	}
	var n nodeModel
	if err := json.NewDecoder(io.LimitReader(res.Body, maxHealthBody)).Decode(&n); err != nil {
		return nil, fmt.Errorf("bad health answer: %v", err)
	}
	return &n, nil
}

// noteError logs an endpoint's failure when it starts or changes, and
// its recovery, not every poll.
func (p *healthProvider) noteError(endpoint string, err error) {
	prev, was := p.failing[endpoint]
	switch {
	case err == nil && was:
		delete(p.failing, endpoint)
		p.log.Info("cluster health endpoint answers again", "endpoint", endpoint)
	case err != nil && prev != err.Error():
		p.failing[endpoint] = err.Error()
		p.log.Warn("cluster health endpoint does not answer", "endpoint", endpoint, "error", err)
	}
}

// selfURL is this member's own health endpoint, on loopback when it
// listens on every interface.
func (p *healthProvider) selfURL() string {
	host, port, _ := net.SplitHostPort(p.ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return p.scheme + "://" + net.JoinHostPort(host, port) + healthPath
}
