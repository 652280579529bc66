#!/usr/bin/env bash
# bench/cluster3.sh: one linkup-load run against N `linkup serve --store
# postgres` nodes sharing one fresh PostgreSQL, on loopback (issue #15).
#
#   bench/cluster3.sh NODES LINKUP LINKUP_LOAD SCENARIO [linkup-load flags...]
#
# NODES is 1 (a node alone on the PostgreSQL log) or 3 (three cluster
# members: automanaged provider, each other's health endpoints). The
# script starts PostgreSQL 15 (initdb in a temporary directory, run as the
# postgres user, since postgres refuses root), starts the nodes with one
# JWT secret, waits until each answers /readyz (and, for 3, until each
# /v1/cluster lists 3 members), runs
#
#   LINKUP_LOAD SCENARIO --url ws://n0/ws,ws://n1/ws,... --secret S
#       --server-pid <n0> [flags...]
#
# (clients spread over the nodes round-robin; the tool samples the first
# node's /metrics and process), and prints the tool's report followed by
# one line:
#
#   cluster3: nodes=N server_cpu_s=<user+system of every node over the run>
#     delivered=<from the report> us_per_delivery=<cpu/delivered>
#
# The CPU is read from /proc/PID/stat before the tool starts and after it
# ends (connection setup and drain included, the same for both NODES), so
# only the comparison between NODES=1 and NODES=3 means something; the
# tool's own server_cpu_percent covers the first node only. Everything it
# started is stopped and removed on exit. Loopback ports only. The nodes
# get the rate limits linkup-load --spawn gives its server.
set -euo pipefail

nodes=${1:?NODES (1 or 3)}
linkup=$(realpath "${2:?LINKUP binary}")
load=$(realpath "${3:?LINKUP_LOAD binary}")
scenario=${4:?SCENARIO}
shift 4
case $nodes in 1 | 3) ;; *) echo "NODES must be 1 or 3" >&2; exit 2 ;; esac

pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
work=$(mktemp -d /tmp/cluster3.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# free loopback ports, 20000-32000 (below the ephemeral range)
port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

pgport=$(port)
mkdir -p "$work/pg"
chown postgres "$work/pg"
runuser -u postgres -- "$pgbin/initdb" -D "$work/pg" -U postgres -A trust >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w \
	-o "-h 127.0.0.1 -p $pgport -k $work/pg -c max_connections=200" start >/dev/null
pgurl="postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable"

secret=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
declare -a http remote prov
for i in $(seq 0 $((nodes - 1))); do
	http[i]=$(port)
	remote[i]=$(port)
	prov[i]=$(port)
done
eps=""
for i in $(seq 0 $((nodes - 1))); do eps+="${eps:+,}127.0.0.1:${prov[i]}"; done

urls=""
for i in $(seq 0 $((nodes - 1))); do
	# the limits linkup-load --spawn gives its server, so that one load client may send at the scenario's rate
	args=(serve --addr "127.0.0.1:${http[i]}" --data "$work/n$i" --store postgres --node "n$i"
		--rate-messages 1000000 --rate-frames 1000000 --rate-typing 1000000 --rate-chats 1000000 --max-chats-per-user 1000000)
	if [ "$nodes" -gt 1 ]; then
		args+=(--cluster-node "n$i" --cluster-name "bench$$" --cluster-bind "127.0.0.1:${remote[i]}"
			--cluster-advertise "127.0.0.1:${remote[i]}" --cluster-provider-port "${prov[i]}"
			--cluster-endpoints "$eps")
	fi
	mkdir -p "$work/n$i"
	LINKUP_POSTGRES_URL=$pgurl LINKUP_JWT_SECRET=$secret "$linkup" "${args[@]}" >"$work/n$i.log" 2>&1 &
	pids+=($!)
	urls+="${urls:+,}ws://127.0.0.1:${http[i]}/ws"
done

for i in $(seq 0 $((nodes - 1))); do
	for _ in $(seq 1 300); do
		curl -fs "http://127.0.0.1:${http[i]}/readyz" >/dev/null 2>&1 && break
		sleep 0.1
	done
	curl -fs "http://127.0.0.1:${http[i]}/readyz" >/dev/null || {
		echo "n$i not ready:" >&2
		tail -20 "$work/n$i.log" >&2
		exit 1
	}
done
if [ "$nodes" -gt 1 ]; then
	tok=$(LINKUP_JWT_SECRET=$secret "$linkup" token --user bench --role analyst 2>/dev/null || true)
	if [ -n "$tok" ]; then
		for _ in $(seq 1 100); do
			n=$(curl -fs -H "Authorization: Bearer $tok" "http://127.0.0.1:${http[0]}/v1/cluster" | grep -o '"alive":true' | wc -l || true)
			[ "$n" -eq "$nodes" ] && break
			sleep 0.2
		done
		echo "cluster3: n0 sees $n members alive" >&2
	fi
fi

cpu() { # user+system clock ticks of every node
	local t=0 p f
	for p in "${pids[@]}"; do
		read -ra f <"/proc/$p/stat"
		t=$((t + f[13] + f[14]))
	done
	echo "$t"
}

before=$(cpu)
"$load" "$scenario" --url "$urls" --secret "$secret" --server-pid "${pids[0]}" "$@" | tee "$work/report.json"
after=$(cpu)
for p in "${pids[@]}"; do
	kill -0 "$p" 2>/dev/null || { echo "a node exited during the run" >&2; exit 1; }
done
hz=$(getconf CLK_TCK)
python3 - "$nodes" "$before" "$after" "$hz" "$work/report.json" <<'EOF'
import json, sys
nodes, before, after, hz, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rep = None
for line in open(path):
    line = line.strip()
    if line.startswith("{"):
        try:
            rep = json.loads(line)
        except ValueError:
            pass
cpu = (after - before) / hz
res = (rep or {}).get("result", {})
delivered = res.get("delivered") or res.get("deliveries") or 0
per = cpu / delivered * 1e6 if delivered else float("nan")
print(f"cluster3: nodes={nodes} server_cpu_s={cpu:.2f} delivered={delivered} us_per_delivery={per:.2f}")
EOF
