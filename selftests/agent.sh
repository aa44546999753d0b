# SPDX-License-Identifier: MIT
# Helpers for the aegis-agent selftests: a CA, node identities and
# certificates, configs, and agents running in network namespaces.
# Source after lib.sh. Node N lives in netns nN, with mesh addresses
# 100.64.0.N and fd61:6567:6973::N, UDP port 5100+N, and underlay links made
# by ag_wire (the same addressing as dp.sh: 10.20A.B.x between A < B).
#
#   ag_setup [NETWORK]          CA in $AG_DIR (a temp dir), network name
#   ag_ns N                     the netns nN (once)
#   ag_node N [ca sign args]    netns, key, certificate (extra args go to
#                               `aegis-agent ca sign`, e.g. --role relay)
#   ag_wire A B                 veth between nA and nB
#   ag_lan N...                 nN joins one routed network (netns lan
#                               forwards): eth0 with 10.30.N.2/24, a route
#                               to 10.30.0.0/16 via 10.30.N.1
#   ag_config N KEY=VALUE...    write $AG_DIR/nN.yaml; peers=A,B lists the
#                               static peers by node number (lan=A,B: by
#                               their LAN address; bootstrap=A,B: as
#                               coordinators, on the LAN); any other KEY
#                               is copied as a YAML line "KEY: VALUE"
#   ag_start N                  run the agent in nN (log: $AG_DIR/nN.log)
#   ag_stop N [SIGNAL]          stop it (default TERM) and wait
#   ag_status N [--json]        aegis-agent status of node N
#   ag_json N EXPR              evaluate a Python expression on the status
#                               JSON (as `s`); prints the result
#   ag_json_all EXPR N...       one Python process asks each node's control
#                               socket and prints EXPR (on `s`) per node,
#                               one line each: cheaper than N ag_json calls
#   ag_peer_state N M           state of node M as seen by N ("" if unknown)
#   ag_wait_up SECS A B...      wait until every pair among the nodes is
#                               established both ways
#   ag_ping A B [v6]            one ping round from nA to node B's mesh IP
#   ag_via N DEST               the name of node N's next hop to node DEST
#                               in its routing table ("-": none)
#   ag_route_moves N DEST FROM SECS STEP
#                               sample N's next hop to DEST every STEP s
#                               for SECS s, starting from FROM; print
#                               "MOVES LAST" (how often it changed)
#   ag_diamond                  nodes 1 - 2 - 4 and 1 - 3 - 4 (veth only),
#                               relays 2 and 3, agents started, 1 routing
#                               to 4 through a relay and pinging it
#   ag_hop_drops N...           the kernel's hop-limit drops, summed over
#                               every node of the aegis0 of nN...
# shellcheck shell=bash

AG_DIR=$(mktemp -d /tmp/aegis-agent.XXXXXX)
AG_NET=testnet
declare -A AG_PID=()
declare -A AG_NS=()

ag_cleanup() {
	local n
	for n in "${!AG_PID[@]}"; do
		kill -TERM "${AG_PID[$n]}" 2>/dev/null || true
	done
	for n in "${!AG_PID[@]}"; do
		wait "${AG_PID[$n]}" 2>/dev/null || true
	done
	AG_PID=()
}
on_exit ag_cleanup

# Print the agents' logs when a test fails: they say why.
ag_dump_logs() {
	local f n
	for n in "${!AG_PID[@]}"; do
		echo "---- agent $n: $(ps -o pid=,stat=,wchan:32= -p "${AG_PID[$n]}" 2>&1)"
	done
	for f in "$AG_DIR"/n*.log; do
		[ -f "$f" ] || continue
		echo "---- $f (last 40 lines)"
		tail -n 40 "$f"
	done
}
on_exit '[ "$rc" -eq 0 ] || ag_dump_logs >&2' # rc: lib.sh's exit status

ag_setup() {
	AG_NET=${1:-testnet}
	aegis-agent ca init --dir "$AG_DIR" --network "$AG_NET" >/dev/null
}

# ag_ns N: the namespace of node N (once).
ag_ns() {
	if [ -z "${AG_NS[$1]:-}" ]; then
		ns_create "n$1"
		AG_NS[$1]=1
	fi
}

ag_node() {
	local n=$1
	shift
	ag_ns "$n"
	aegis-agent keygen --out "$AG_DIR/n$n.key" >/dev/null 2>&1
	aegis-agent ca sign --dir "$AG_DIR" --pubkey "$AG_DIR/n$n.key.pub" \
		--name "node$n" --ip "100.64.0.$n" --ip "fd61:6567:6973::$n" \
		--out "$AG_DIR/n$n.crt" "$@" >/dev/null
}

ag_wire() {
	local a=$1 b=$2
	ip link add "v$a$b" netns "n$a" type veth peer name "v$b$a" netns "n$b"
	ip -n "n$a" addr add "10.20$a.$b.$a/24" dev "v$a$b"
	ip -n "n$b" addr add "10.20$a.$b.$b/24" dev "v$b$a"
	ip -n "n$a" link set "v$a$b" up
	ip -n "n$b" link set "v$b$a" up
}

ag_lan() {
	local n
	if [ -z "${AG_NS[lan]:-}" ]; then
		ns_create lan
		AG_NS[lan]=1
		ip netns exec lan sysctl -qw net.ipv4.ip_forward=1
	fi
	for n in "$@"; do
		ag_ns "$n"
		ip link add eth0 netns "n$n" type veth peer name "l$n" netns lan
		ip -n lan addr add "10.30.$n.1/24" dev "l$n"
		ip -n lan link set "l$n" up
		ip -n "n$n" addr add "10.30.$n.2/24" dev eth0
		ip -n "n$n" link set eth0 up
		ip -n "n$n" route add 10.30.0.0/16 via "10.30.$n.1"
	done
}

# B's underlay endpoint as seen from A.
ag_endpoint() {
	local a=$1 b=$2 lo=$1 hi=$2
	[ "$a" -lt "$b" ] || { lo=$2 hi=$1; }
	echo "10.20$lo.$hi.$b:$((5100 + b))"
}

ag_config() {
	local n=$1 kv key val p f="$AG_DIR/n$1.yaml"
	shift
	{
		echo "# node $n, written by selftests/agent.sh"
		echo "node_name: node$n"
		echo "network_name: $AG_NET"
		echo "mesh_ip: 100.64.0.$n"
		echo "mesh_ip6: fd61:6567:6973::$n"
		echo "listen_port: $((5100 + n))"
		echo "ca_file: ca.crt"
		echo "cert_file: n$n.crt"
		echo "key_file: n$n.key"
		echo "control_socket: $AG_DIR/n$n.sock"
		echo "state_directory: n$n.state"
		echo "log_level: debug"
		for kv in "$@"; do
			key=${kv%%=*} val=${kv#*=}
			if [ "$key" = peers ]; then
				echo "static_peers:"
				for p in ${val//,/ }; do
					echo "  - \"$(ag_endpoint "$n" "$p")\""
				done
			elif [ "$key" = lan ] || [ "$key" = bootstrap ]; then
				[ "$key" = lan ] && echo "static_peers:"
				[ "$key" = bootstrap ] && echo "coordinators:"
				for p in ${val//,/ }; do
					echo "  - \"10.30.$p.2:$((5100 + p))\""
				done
			else
				echo "$key: $val"
			fi
		done
	} >"$f"
}

ag_start() {
	local n=$1
	ip netns exec "n$n" aegis-agent run --config "$AG_DIR/n$n.yaml" \
		>>"$AG_DIR/n$n.log" 2>&1 &
	AG_PID[$n]=$!
	wait_until 60 test -S "$AG_DIR/n$n.sock" ||
		fail "agent $n did not start: $(tail -n 5 "$AG_DIR/n$n.log")"
}

ag_stop() {
	local n=$1 sig=${2:-TERM} rc=0
	kill "-$sig" "${AG_PID[$n]}"
	wait "${AG_PID[$n]}" || rc=$?
	unset "AG_PID[$n]"
	return "$rc"
}

ag_status() {
	local n=$1
	shift
	ip netns exec "n$n" aegis-agent status --socket "$AG_DIR/n$n.sock" "$@"
}

ag_json() {
	ag_status "$1" --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$2"
}

ag_json_all() {
	local expr=$1
	shift
	python3 - "$AG_DIR" "$expr" "$@" <<'EOF'
import json, socket, sys
d, expr = sys.argv[1], sys.argv[2]
for n in sys.argv[3:]:
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(10)
    c.connect("%s/n%s.sock" % (d, n))
    c.sendall(b"status json\n")
    buf = b""
    while True:
        b = c.recv(65536)
        if not b:
            break
        buf += b
    c.close()
    s = json.loads(buf)
    print(eval(expr))
EOF
}

ag_peer_state() {
	ag_json "$1" "next((p['state'] for p in s['peers'] if p['name'] == 'node$2'), '')"
}

ag_pair_up() {
	[ "$(ag_peer_state "$1" "$2")" = established ] &&
		[ "$(ag_peer_state "$2" "$1")" = established ]
}

ag_wait_up() {
	local secs=$1 a b
	shift
	for a in "$@"; do
		for b in "$@"; do
			[ "$a" -lt "$b" ] || continue
			wait_until "$secs" ag_pair_up "$a" "$b" ||
				fail "nodes $a and $b did not establish a session within ${secs}s"
		done
	done
}

ag_ping() {
	local a=$1 b=$2 addr="100.64.0.$2"
	[ "${3:-}" = v6 ] && addr="fd61:6567:6973::$b"
	ip netns exec "n$a" ping -c 3 -i 0.2 -W 2 "$addr" >/dev/null
}

ag_hop_drops() {
	local n total=0 d
	for n in "$@"; do
		d=$(ip netns exec "n$n" aegisctl show aegis0 --json | python3 -c '
import json, sys
t = 0
def walk(o):
    global t
    if isinstance(o, dict):
        d = o.get("drops")
        if isinstance(d, dict):
            t += d.get("hop_limit", 0)
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(json.load(sys.stdin))
print(t)')
		total=$((total + d))
	done
	echo "$total"
}

ag_via() {
	ag_json "$1" "([r['next_hop_name'] for r in s['mesh']['routing']['routes'] if r['name'] == 'node$2' and r['reachable']] or ['-'])[0]"
}

ag_route_moves() {
	local n=$1 dest=$2 prev=$3 step=$5 v moves=0 end=$((SECONDS + $4))
	while [ "$SECONDS" -lt "$end" ]; do
		v=$(ag_via "$n" "$dest")
		[ "$v" = "$prev" ] || moves=$((moves + 1))
		prev=$v
		sleep "$step"
	done
	echo "$moves $prev"
}

_ag_diamond_routed() { case $(ag_via 1 4) in node2|node3) ;; *) return 1 ;; esac; }

ag_diamond() {
	local n
	ag_setup testnet
	ag_node 1
	ag_node 2 --role relay
	ag_node 3 --role relay
	ag_node 4
	ag_wire 1 2
	ag_wire 1 3
	ag_wire 2 4
	ag_wire 3 4
	ag_config 1
	ag_config 2 peers=1
	ag_config 3 peers=1
	ag_config 4 peers=2,3
	modprobe aegisray || fail "modprobe aegisray"
	for n in 1 2 3 4; do ag_start "$n"; done
	wait_until 60 _ag_diamond_routed || fail "1 has no route to 4 through a relay: $(ag_via 1 4)"
	ip netns exec n1 ping -c 1 -w 30 100.64.0.4 >/dev/null || fail "1 -> 4 does not ping"
}
