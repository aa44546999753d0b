#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Roaming: when a node's address changes, its first authenticated packet
# from the new address moves the endpoint, and the agent is told.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"
tmp=$(mktemp -d)

dp_two_nodes
ip netns exec n1 ping -c 2 -i 0.2 100.64.0.2 >/dev/null || fail "ping before roaming"
ip netns exec n1 aegisctl monitor >"$tmp/ntf" 2>&1 &
on_exit "kill $! 2>/dev/null"
sleep 0.5

# Node 2 moves to a new address; 1 still sends to the old one.
ip -n n2 addr del 10.201.2.2/24 dev v21
ip -n n2 addr add 10.201.2.22/24 dev v21
ip netns exec n1 ping -c 1 -W 1 100.64.0.2 >/dev/null && fail "old endpoint still answers"
# 2 speaks first from its new address: 1 learns it.
ip netns exec n2 ping -c 2 -i 0.2 -W 2 100.64.0.1 >/dev/null || fail "ping from the roamed node"
ip netns exec n1 aegisctl node show aegis0 "$(dp_id 2)" | grep -q 'endpoint: 10.201.2.22:5102' ||
	fail "endpoint not updated: $(ip netns exec n1 aegisctl node show aegis0 "$(dp_id 2)" | grep endpoint)"
wait_until 5 grep -q endpoint "$tmp/ntf"
ip netns exec n1 ping -c 2 -i 0.2 100.64.0.2 >/dev/null || fail "ping after roaming"
log "roamed: $(grep endpoint "$tmp/ntf" | head -1)"

# Persistent keepalive: node 1 keeps sending with no traffic of its own.
before=$(dp_stat 2 1 rx_packets)
ip netns exec n1 aegisctl node set aegis0 "$(dp_id 2)" keepalive 1
sleep 3.5
after=$(dp_stat 2 1 rx_packets)
[ "$((after - before))" -ge 2 ] || fail "keepalives: $before -> $after"
log "keepalives: $((after - before)) in 3.5 s"
