#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# selftest: no-load
# selftest: timeout=900
# Join through one (issue 19): twelve agents on one routed network, each
# told of a single, different member (a chain: node N knows node N-1
# only, half of them as static_peers, half as coordinators). Gossip makes
# every node list all twelve members within 30 s and hold standing
# sessions with the neighbours it chose (XOR buckets); every pair then
# pings over the IPv4 and IPv6 overlay, the first packet to a member
# without a session starting one (on demand). Then node 1, the first
# bootstrap member, stops: its signed LEAVE reaches every member, and a
# 13th node joins through node 7 and meets every live member. Forged MESH packets are refused and
# counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent.sh"

N=12
ag_setup testnet
for n in $(seq 1 $((N + 1))); do ag_node "$n"; done
# shellcheck disable=SC2046 # a list of numbers
ag_lan $(seq 1 $((N + 1)))
ag_config 1
for n in $(seq 2 $N); do
	if [ $((n % 2)) = 0 ]; then
		ag_config "$n" "lan=$((n - 1))"
	else
		ag_config "$n" "bootstrap=$((n - 1))"
	fi
done
modprobe aegisray || fail "modprobe aegisray"
for n in $(seq 1 $N); do ag_start "$n"; done
t0=$SECONDS

members() { ag_json "$1" "len([m for m in s['mesh']['members'] if not m['leaving']])"; }
knows_all() {
	# shellcheck disable=SC2046 # a list of numbers
	ag_json_all "len([m for m in s['mesh']['members'] if not m['leaving']])" \
		$(seq 1 $N) | awk -v want=$((N - 1)) -v n=$N '$1 >= want { ok++ } END { exit ok != n }'
}
wait_until 30 knows_all
log "all $N nodes list all $N members $((SECONDS - t0)) s after the last one started"

have_neighbours() {
	# shellcheck disable=SC2046 # a list of numbers
	ag_json_all "s['mesh']['neighbours']" $(seq 1 $N) |
		awk -v n=$N '$1 >= 2 { ok++ } END { exit ok != n }'
}
wait_until 30 have_neighbours
# shellcheck disable=SC2046 # a list of numbers
log "neighbours: $(ag_json_all "s['mesh']['neighbours']" $(seq 1 $N) | tr '\n' ' ')"
sessions() { ag_json "$1" "len([p for p in s['peers'] if p['state'] == 'established'])"; }

# Every pair, both families: each node pings all others, nodes in parallel.
pings() {
	local a=$1 b bad=0
	for b in $(seq 1 $N); do
		[ "$a" = "$b" ] && continue
		ip netns exec "n$a" ping -c 1 -w 20 "100.64.0.$b" >/dev/null || {
			echo "$a -> $b (IPv4)"
			bad=1
		}
		ip netns exec "n$a" ping -c 1 -w 20 "fd61:6567:6973::$b" >/dev/null || {
			echo "$a -> $b (IPv6)"
			bad=1
		}
	done
	return "$bad"
}
pids=()
for n in $(seq 1 $N); do
	pings "$n" >"$AG_DIR/ping$n.out" 2>&1 &
	pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=1; done
[ "$bad" = 0 ] || fail "pings failed: $(cat "$AG_DIR"/ping*.out | tr '\n' ';')"
log "all $((N * (N - 1))) ordered pairs ping over IPv4 and IPv6"
for n in $(seq 1 $N); do
	[ "$(sessions "$n")" -ge $((N - 1)) ] ||
		fail "node $n holds $(sessions "$n") sessions after pinging everyone"
done
log "and every node now holds a session with every other (on demand)"

grep -q "mesh (discovery on): $((N - 1)) other member(s)" <<<"$(ag_status 5)" ||
	fail "status text of node 5 lacks the mesh line: $(ag_status 5 | tail -n 20)"
[ "$(ag_json 5 "s['mesh']['counters']['channel']['bad_tag']")" = 0 ] ||
	fail "node 5 counted a MESH packet that did not authenticate"
log "node 5: $(ag_json 5 "s['mesh']['counters']['rx_packets']") mesh packets in, $(ag_json 5 "s['mesh']['counters']['tx_bytes']") bytes out"

# What the control plane costs a node with no traffic to carry (a figure
# for docs/performance.md, not judged here).
b0=$(ag_json 5 "s['mesh']['counters']['tx_bytes']")
sleep 20
b1=$(ag_json 5 "s['mesh']['counters']['tx_bytes']")
log "node 5, no traffic: $(((b1 - b0) / 20)) bytes/s of mesh messages out, $(ag_json 5 "s['mesh']['neighbours']") neighbours"

# Node 1 (the first bootstrap) leaves cleanly: its LEAVE spreads.
ag_stop 1
left() { [ "$(ag_json "$1" "[m['leaving'] for m in s['mesh']['members'] if m['id'] == '$id1'][0]")" = True ]; }
id1=$(aegis-agent id --key "$AG_DIR/n1.key")
for n in $(seq 2 $N); do wait_until 10 left "$n"; done
log "node 1's LEAVE reached every member"

# A 13th node joins through node 7 and meets every live member.
M=$((N + 1))
ag_config "$M" "bootstrap=7"
t0=$SECONDS
ag_start "$M"
knows_live() { [ "$(members "$M")" -ge $((N - 1)) ]; }
wait_until 30 knows_live
log "node $M knows all $((N - 1)) live members through node 7 in $((SECONDS - t0)) s"
for b in 2 6 12; do
	ip netns exec "n$M" ping -c 1 -w 20 "100.64.0.$b" >/dev/null ||
		fail "node $M cannot ping node $b"
	ip netns exec "n$M" ping -c 1 -w 20 "fd61:6567:6973::$b" >/dev/null ||
		fail "node $M cannot ping node $b over IPv6"
done

# Garbage and a replay on the mesh channel: refused, counted, harmless.
before=$(ag_json 3 "s['mesh']['counters']['channel']['no_key']")
ip netns exec n2 python3 - 10.30.3.2 5103 <<'EOF'
import os, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dst = (sys.argv[1], int(sys.argv[2]))
for i in range(50):
    # A MESH long header (qtype 2, message 7) naming a key nobody holds.
    body = struct.pack(">Q", i) + os.urandom(40)
    hdr = bytes([0xe0]) + struct.pack(">I", 1) + bytes([8]) + os.urandom(8) + \
        bytes([8]) + os.urandom(8) + bytes([7]) + struct.pack(">H", len(body))
    s.sendto(hdr + body, dst)
EOF
counted() { [ "$(ag_json 3 "s['mesh']['counters']['channel']['no_key']")" -ge $((before + 50)) ]; }
wait_until 5 counted
ag_pair_up 2 3 || fail "2 and 3 lost their session to garbage"
log "50 forged MESH packets refused and counted (no_key)"
