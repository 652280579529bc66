package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	protocluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/remote"
	"github.com/linkup-chat/linkup/cluster"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// probeResult is what -probe prints: whether any member answered a
// GrainRequest from this stranger, and what each member did.
type probeResult struct {
	OK     bool     `json:"ok"`
	Node   string   `json:"node,omitempty"`
	Errors []string `json:"errors,omitempty"`
}

// probe acts as a stranger on the network: a bare actor system with a
// remote, no cluster membership, that asks each member's partition
// activator (the disthash lookup's well-known actor) for identity and
// sends the activation a demo GrainRequest. With useTLS it speaks TLS and
// skips checking the server (an attacker does not care who answers),
// presenting the certificate in cert/key if given (and serving it to the
// members that dial back with the answer); otherwise plain gRPC,
// as the library dials by default. It exits 0 when a member answered,
// 4 when none did.
func probe(addrs, identity string, useTLS bool, cert, key string) {
	opts := []remote.ConfigOption{}
	if useTLS {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true}
		if cert != "" {
			c, err := tls.LoadX509KeyPair(cert, key)
			if err != nil {
				fmt.Fprintln(os.Stderr, "probe:", err)
				os.Exit(2)
			}
			cfg.Certificates = []tls.Certificate{c}
			// the members dial back to answer: serve the same certificate
			srv := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: cfg.Certificates}
			opts = append(opts, remote.WithServerOptions(grpc.Creds(credentials.NewTLS(srv))))
		}
		opts = append(opts, remote.WithDialOptions(grpc.WithTransportCredentials(credentials.NewTLS(cfg))))
	}
	system := actor.NewActorSystem()
	r := remote.NewRemote(system, remote.Configure("127.0.0.1", 0, opts...))
	r.Start()
	var res probeResult
	for _, addr := range strings.Split(addrs, ",") {
		node, err := probeOne(system, addr, identity)
		if err == nil {
			res.OK, res.Node = true, node
			break
		}
		res.Errors = append(res.Errors, addr+": "+err.Error())
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	if !res.OK {
		os.Exit(4)
	}
	os.Exit(0)
}

func probeOne(system *actor.ActorSystem, addr, identity string) (string, error) {
	activator := actor.NewPID(addr, "partition-activator")
	a, err := system.Root.RequestFuture(activator, &protocluster.ActivationRequest{
		ClusterIdentity: protocluster.NewClusterIdentity(identity, cluster.DemoKindName), RequestId: "probe"}, 3*time.Second).Result()
	if err != nil {
		return "", fmt.Errorf("activation: %v", err)
	}
	act, ok := a.(*protocluster.ActivationResponse)
	if !ok || act.Pid == nil {
		return "", fmt.Errorf("activation answered %T", a)
	}
	msg, _ := cluster.JSONRequest(cluster.DemoMethod, cluster.DemoRequest{ID: "probe"})
	g, err := system.Root.RequestFuture(act.Pid, msg, 3*time.Second).Result()
	if err != nil {
		return "", fmt.Errorf("grain request: %v", err)
	}
	gr, ok := g.(*protocluster.GrainResponse)
	if !ok {
		return "", fmt.Errorf("grain answered %T", g)
	}
	var out cluster.DemoReply
	if err := json.Unmarshal(gr.MessageData, &out); err != nil {
		return "", err
	}
	return out.Node, nil
}
