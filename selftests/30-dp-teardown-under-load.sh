#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Device delete, rmmod and netns delete, each while traffic flows both
# ways: no WARN, no leak (the module unloads afterwards).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"

load() {
	ip netns exec n2 iperf3 -s -D -p 5201 >/dev/null
	wait_until 5 ip netns exec n2 ss -ltn 'sport = 5201' | grep -q 5201
	ip netns exec n1 iperf3 -c 100.64.0.2 -p 5201 -t 30 -P 2 >/dev/null 2>&1 &
	ip netns exec n2 ping -f -W 1 100.64.0.1 >/dev/null 2>&1 &
	sleep 2
	[ "$(dp_stat 2 1 rx_packets)" -gt 100 ] || fail "no load"
}


dp_two_nodes
load
ip -n n2 link del aegis0
ip -n n1 link del aegis0
log "device delete under load"
dp_cleanup
wait_module_idle

dp_two_nodes
load
modprobe -r aegisray || fail "rmmod under load"
log "rmmod under load"
dp_cleanup
modprobe aegisray

dp_two_nodes
load
# Kill everything in the namespaces and delete them while packets fly.
dp_cleanup
wait_module_idle
modprobe -r aegisray || fail "rmmod after netns delete under load"
log "netns delete under load"
