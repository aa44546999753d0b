#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The owner closing the socket detaches the device cleanly (and says so);
# a new socket can then be bound; a socket already in use is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"
tmp=$(mktemp -d)

dp_two_nodes
ip netns exec n1 ping -c 2 -i 0.2 100.64.0.2 >/dev/null || fail "ping before"
ip netns exec n2 aegisctl monitor >"$tmp/ntf" 2>&1 &
on_exit "kill $! 2>/dev/null"
sleep 0.5
# DP_PIDS[1] holds node 2's socket.
kill "${DP_PIDS[1]}"
wait "${DP_PIDS[1]}" 2>/dev/null || true
wait_until 5 grep -q sock-closed "$tmp/ntf"
ip netns exec n2 aegisctl show aegis0 | grep -q 'listening port' &&
	fail "device still reports a socket"
ip netns exec n1 ping -c 1 -W 1 100.64.0.2 >/dev/null && fail "ping without a socket"
ip netns exec n2 aegisctl bind aegis0 udp4 5102 >"$tmp/bind" 2>&1 &
DP_PIDS+=($!)
wait_until 5 grep -q '^bound' "$tmp/bind"
ip netns exec n1 ping -c 2 -i 0.2 -W 2 100.64.0.2 >/dev/null || fail "ping after rebinding"
log "socket close detaches, rebinding works"
