#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Data-plane topology helpers for the selftests, built on aegisctl only (no
# agent): namespaces joined by veth, an aegis0 in each, keys made here.
#
# Node n (1..9) lives in netns "n$n", has node id "$n" x 64 (hex), overlay
# addresses 100.64.0.$n/16 and fd00:64::$n/64, and its socket on port 5100+n.

DP_NODES=()
DP_PIDS=()
on_exit dp_cleanup

dp_id() { printf "%064d" 0 | tr 0 "$1"; }

dp_cleanup() {
	local pid ns
	for pid in "${DP_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${DP_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	for ns in "${DP_NODES[@]}"; do ip netns del "n$ns" 2>/dev/null || true; done
	DP_NODES=() DP_PIDS=()
}

# dp_node N FAMILY: namespace, aegis0 and a bound socket (udp4 or udp6).
dp_node() {
	local n=$1 fam=${2:-udp4} ns="n$1" out
	ip netns add "$ns"
	DP_NODES+=("$n")
	ip -n "$ns" link set lo up
	ip -n "$ns" link add aegis0 type aegisray
	ip -n "$ns" addr add "100.64.0.$n/16" dev aegis0
	ip -n "$ns" addr add "fd00:64::$n/64" dev aegis0 nodad
	ip -n "$ns" link set aegis0 up
	ip netns exec "$ns" aegisctl dev set aegis0 node-id "$(dp_id "$n")"
	out=$(mktemp)
	ip netns exec "$ns" aegisctl bind aegis0 "$fam" $((5100 + n)) >"$out" 2>&1 &
	DP_PIDS+=($!)
	for _ in $(seq 50); do
		grep -q '^bound' "$out" && break
		sleep 0.1
	done
	grep -q '^bound' "$out" || fail "aegisctl bind in $ns: $(cat "$out")"
}

# dp_wire A B: veth between nA and nB, 10.20A.B.x and fd20:A:B::x.
dp_wire() {
	local a=$1 b=$2
	ip link add "v$a$b" netns "n$a" type veth peer name "v$b$a" netns "n$b"
	ip -n "n$a" addr add "10.20$a.$b.$a/24" dev "v$a$b"
	ip -n "n$b" addr add "10.20$a.$b.$b/24" dev "v$b$a"
	ip -n "n$a" addr add "fd20:$a:$b::$a/64" dev "v$a$b" nodad
	ip -n "n$b" addr add "fd20:$a:$b::$b/64" dev "v$b$a" nodad
	ip -n "n$a" link set "v$a$b" up
	ip -n "n$b" link set "v$b$a" up
}

# dp_endpoint A B FAM: B's underlay address as seen from A, with B's port.
dp_endpoint() {
	local a=$1 b=$2 fam=${3:-4} lo=$1 hi=$2
	[ "$a" -lt "$b" ] || { lo=$2 hi=$1; }
	if [ "$fam" = 6 ]; then
		echo "[fd20:$lo:$hi::$b]:$((5100 + b))"
	else
		echo "10.20$lo.$hi.$b:$((5100 + b))"
	fi
}

# dp_keys A B [cipher] [slot] [keyid] [extra key args...]: a fresh session
# between nodes A and B, installed on both sides in SLOT. With
# DP_KEYS_BETWEEN set, that command runs after A's side is installed and
# before B's.
dp_keys() {
	local a=$1 b=$2 cipher=${3:-aes-gcm} slot=${4:-primary} kid=${5:-0}
	shift $(($# < 5 ? $# : 5))
	local k1 k2 s1 s2 i1 i2
	k1=$(openssl rand -hex 32) k2=$(openssl rand -hex 32)
	s1=$(openssl rand -hex 4) s2=$(openssl rand -hex 4)
	i1=$(openssl rand -hex 8) i2=$(openssl rand -hex 8)
	ip netns exec "n$a" aegisctl key add aegis0 "$(dp_id "$b")" slot "$slot" \
		key-id "$kid" cipher "$cipher" rx-index "$i1" tx-index "$i2" \
		enc-key "$k1" enc-salt "$s1" dec-key "$k2" dec-salt "$s2" "$@"
	[ -z "${DP_KEYS_BETWEEN:-}" ] || eval "$DP_KEYS_BETWEEN"
	ip netns exec "n$b" aegisctl key add aegis0 "$(dp_id "$a")" slot "$slot" \
		key-id "$kid" cipher "$cipher" rx-index "$i2" tx-index "$i1" \
		enc-key "$k2" enc-salt "$s2" dec-key "$k1" dec-salt "$s1" "$@"
}

# dp_peer A B [FAM] [extra node args]: A knows B directly, routes B's /32 and /128.
dp_peer() {
	local a=$1 b=$2 fam=${3:-4}
	shift $(($# < 3 ? $# : 3))
	ip netns exec "n$a" aegisctl node add aegis0 "$(dp_id "$b")" \
		endpoint "$(dp_endpoint "$a" "$b" "$fam")" "$@"
	dp_route "$a" "$b" "$b"
}

# dp_route A DST NODE: at A, DST's overlay addresses go to node NODE's entry.
dp_route() {
	ip netns exec "n$1" aegisctl prefix add aegis0 "$(dp_id "$3")" "100.64.0.$2/32"
	ip netns exec "n$1" aegisctl prefix add aegis0 "$(dp_id "$3")" "fd00:64::$2/128"
}

# dp_pair A B FAM CIPHER: a complete direct link.
dp_pair() {
	local a=$1 b=$2 fam=${3:-4} cipher=${4:-aes-gcm}
	dp_peer "$a" "$b" "$fam"
	dp_peer "$b" "$a" "$fam"
	dp_keys "$a" "$b" "$cipher"
}

# dp_drops NS NODE REASON: one drop counter from aegisctl's JSON.
dp_drops() {
	ip netns exec "n$1" aegisctl node show aegis0 "$(dp_id "$2")" --json |
		python3 -c 'import json,sys; d=json.load(sys.stdin); n=d if isinstance(d,dict) else d[0]
n=n.get("nodes",[n])[0] if "nodes" in n else n
print(n["drops"][sys.argv[1]])' "$3"
}

# dp_stat A B FIELD: a counter of node B as seen from A (FIELD: rx_bytes,
# tx_packets, drops.replay, ...), from aegisctl's JSON.
dp_stat() {
	ip netns exec "n$1" aegisctl node show aegis0 "$(dp_id "$2")" --json |
		python3 -c '
import json, sys
d = json.load(sys.stdin)
def find(o):
    if isinstance(o, dict):
        if "drops" in o or "rx_bytes" in o:
            return o
        for v in o.values():
            r = find(v)
            if r: return r
    if isinstance(o, list):
        for v in o:
            r = find(v)
            if r: return r
n = find(d)
for part in sys.argv[1].split("."):
    n = n.get(part, 0) if isinstance(n, dict) else 0
print(n)' "$3"
}

# dp_capture NODE IF FILTER PCAP: start tcpdump on NODE's veth IF, writing
# PCAP, and return once it is capturing; its pid is left in DP_CAPTURE_PID.
dp_capture() {
	local err=$4.err
	ip netns exec "n$1" tcpdump --immediate-mode -U -n -i "$2" -w "$4" "$3" 2>"$err" &
	# shellcheck disable=SC2034 # for the caller
	DP_CAPTURE_PID=$!
	wait_until 10 grep -q "listening on" "$err"
}

# dp_two_nodes: the common topology, nodes 1 and 2 on one veth with keys.
dp_two_nodes() {
	dp_node 1
	dp_node 2
	dp_wire 1 2
	dp_pair 1 2
}

# dp_relay_line [CIPHER]: nodes 1 - 2 - 3 on two veths (no path between 1 and 3);
# 2 relays for both; 1 and 3 reach each other via 2 with end-to-end keys
# (CIPHER, default chacha20poly1305).
dp_relay_line() {
	local n
	for n in 1 2 3; do dp_node "$n"; done
	dp_wire 1 2
	dp_wire 2 3
	dp_peer 1 2
	dp_peer 2 1 4 relay on
	dp_peer 2 3 4 relay on
	dp_peer 3 2
	dp_keys 1 2
	dp_keys 2 3
	dp_via 1 2 3 "${1:-chacha20poly1305}"
}

# dp_via A R C CIPHER: A and C (both neighbours of the relay R) reach each
# other through R, with routes and end-to-end keys.
dp_via() {
	ip netns exec "n$1" aegisctl node add aegis0 "$(dp_id "$3")" via "$(dp_id "$2")"
	ip netns exec "n$3" aegisctl node add aegis0 "$(dp_id "$1")" via "$(dp_id "$2")"
	dp_route "$1" "$3" "$3"
	dp_route "$3" "$1" "$1"
	dp_keys "$1" "$3" "$4"
}
