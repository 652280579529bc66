// Package cluster runs one linkup node as a Proto.Actor cluster member:
// identities (virtual actors) placed by the library's distributed-hash
// identity lookup over a static list of members (the automanaged
// provider), with the parts of the library that are unsafe on their own
// wrapped here. See docs/CLUSTER.md for the decision and the guarantees.
//
// What this package adds to protoactor-go's cluster:
//   - Config with zero-value defaults and Validate (node name, bind and
//     advertised address, provider endpoints, cluster name);
//   - a watchdog that ends a member the rest of the cluster has dropped
//     or blocked (the library keeps such a member serving forever, so the
//     same identity lives on two nodes): after a stall past the failure
//     detection, when it is blocked, when its peers fall silent, or
//     without a quorum. Done is closed and Err names the reason; the
//     process exits and its supervisor starts a fresh member, which joins
//     with a new member id;
//   - Start fails when its health endpoint cannot listen (the library
//     only logs it, and the member runs unseen);
//   - Request: a grain request with a per-try timeout (default 1 s, not
//     the identity lookup's fixed 5 s) retried a bounded number of times
//     with the same payload, so the receiver must treat it idempotently
//     (at most Config.MaxInFlight library calls at once);
//   - JSON payloads in the library's registered GrainRequest and
//     GrainResponse envelopes, so messages cross processes without
//     generated protobuf code;
//   - a tiny demo kind (DemoKind) that proves messages cross processes;
//   - mutual TLS on both cluster ports (Config.TLS: TLS 1.3, a peer only
//     with a certificate of the cluster's CA), and a refusal of a Bind
//     other machines can reach without it (unless Config.Insecure); the
//     automanaged provider's protocol is served and polled here
//     (provider.go), because the library's provider can be neither bound
//     nor secured; NewCA, LoadCA and CA.WriteNode make the certificates.
//
// This package imports only protoactor-go (actor, cluster, remote and the
// disthash lookup), gRPC's credentials for the remote, and the standard
// library.
//
// Usage:
//
//	m, err := cluster.Start(cluster.Config{
//		Node:         "n1",
//		Bind:         "10.0.0.1:7000",
//		Endpoints:    []string{"10.0.0.1:6330", "10.0.0.2:6330", "10.0.0.3:6330"},
//		ProviderPort: 6330,
//	}, cluster.DemoKind("n1"))
//	if err != nil {
//		return err
//	}
//	defer m.Stop()
//	var out cluster.DemoReply
//	err = m.RequestJSON(ctx, "chat-1", cluster.DemoKindName, cluster.DemoMethod,
//		cluster.DemoRequest{ID: "r1"}, &out)
//	...
//	<-m.Done() // the watchdog ended the member: exit non-zero, the
//	           // supervisor starts a fresh one
//	return m.Err()
package cluster
