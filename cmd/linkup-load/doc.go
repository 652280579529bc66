// Command linkup-load is linkup's load generator. It speaks PROTOCOL.md like
// a real client over loopback WebSockets and reports sent, acked and
// delivered messages, missing and duplicated deliveries, ack and delivery
// latency, and the server's RSS, CPU (with its kernel share), read and
// write system calls per second, and goroutines.
//
//	linkup-load fanout --spawn /tmp/linkup --members 1000 --rate 500 --duration 10s
//	linkup-load idle --url ws://127.0.0.1:8080/ws --server-pid 1234 --conns 19000
//	linkup-load chats --url ws://127.0.0.1:8080/ws,ws://127.0.0.1:8081/ws --data DIR   (clients round-robin over the nodes)
//	linkup-load soak --spawn /tmp/linkup --client-rate 0.9 --churn 10 --duration 30m
//
// Scenarios: idle, fanout, chats, churn, mixed, soak (see `linkup-load -h`).
// soak is mixed plus churn for up to 2 h; it samples the server's RSS,
// goroutines, open fds and CPU every --sample-every (at most 1,000 samples)
// and judges them flat (soak.go: last third against middle third).
// Clients are spread over worker processes (the binary re-executed as
// `linkup-load worker`), each bound to its own loopback source address.
//
// Peer mode: --target centrifugo runs idle, fanout and chats with the same
// clients against Centrifugo v6 (its JSON protocol; peer_*.go), so the two
// servers are measured by one instrument; --spawn then starts a Centrifugo
// binary on a generated config (peer_spawn.go). `summarize` groups runs by
// target and prints linkup's medians over the peer's.
//
//	linkup-load fanout --target centrifugo --spawn /tmp/peers/centrifugo --members 1000 --rate 200
package main
