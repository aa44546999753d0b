#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Ping and iperf3 (TCP and UDP), inner IPv4 and IPv6, over an IPv4 and an
# IPv6 underlay, with both ciphers; exact counters afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"

run_pair() {
	local fam=$1 cipher=$2 sock=udp4
	[ "$fam" = 6 ] && sock=udp6
	dp_node 1 "$sock"
	dp_node 2 "$sock"
	dp_wire 1 2
	dp_pair 1 2 "$fam" "$cipher"
	log "underlay IPv$fam, $cipher"
	ip netns exec n1 ping -c 3 -i 0.2 -W 2 100.64.0.2 >/dev/null || fail "ping v4 over v$fam"
	ip netns exec n1 ping -c 3 -i 0.2 -W 2 fd00:64::2 >/dev/null || fail "ping v6 over v$fam"
	ip netns exec n2 iperf3 -s -D -p 5201 >/dev/null
	wait_until 5 ip netns exec n2 ss -ltn 'sport = 5201' | grep -q 5201
	ip netns exec n1 iperf3 -c 100.64.0.2 -p 5201 -t 2 -J >"$tmp/tcp4.json" || fail "iperf3 TCP v4"
	ip netns exec n1 iperf3 -c fd00:64::2 -p 5201 -t 2 -J >"$tmp/tcp6.json" || fail "iperf3 TCP v6"
	ip netns exec n1 iperf3 -c 100.64.0.2 -p 5201 -t 2 -u -b 5M -J >"$tmp/udp4.json" || fail "iperf3 UDP v4"
	python3 - "$tmp" <<'PY' || fail "iperf3 results"
import json, sys
d = sys.argv[1]
for f in ("tcp4", "tcp6"):
    r = json.load(open(f"{d}/{f}.json"))["end"]["sum_received"]
    assert r["bytes"] > 100000, (f, r)
    print(f"  {f}: {r['bits_per_second'] / 1e6:.1f} Mbit/s")
u = json.load(open(f"{d}/udp4.json"))["end"]["sum"]
assert u["packets"] > 100 and u["lost_percent"] < 5, u
print(f"  udp4: {u['packets']} packets, {u['lost_percent']:.2f}% lost")
PY
	# Exact accounting: what 1 sent, 2 received (no traffic in flight now).
	sleep 0.5
	local tx rx
	tx=$(dp_stat 1 2 tx_bytes) rx=$(dp_stat 2 1 rx_bytes)
	[ "$tx" = "$rx" ] || fail "node 1 sent $tx bytes, node 2 received $rx"
	[ "$(dp_stat 2 1 drops.auth)" = 0 ] || fail "auth failures in clean traffic"
	dp_cleanup
}

tmp=$(mktemp -d)
run_pair 4 aes-gcm
run_pair 6 aes-gcm
run_pair 4 chacha20poly1305
log "traffic ok"
