#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reverse-path check: an authenticated packet whose inner source does not
# route back to its sender is dropped and counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"

dp_two_nodes
ip -n n1 addr add 100.64.9.9/16 dev aegis0
# 2 routes only 100.64.0.1 to node 1; 100.64.9.9 is not node 1's.
ip netns exec n1 ping -c 3 -i 0.1 -W 1 -I 100.64.9.9 100.64.0.2 >/dev/null &&
	fail "spoofed inner source got through"
rpf=$(dp_stat 2 1 drops.rpf)
[ "$rpf" -ge 3 ] || fail "rpf drops: $rpf"
ip netns exec n1 ping -c 2 -i 0.1 100.64.0.2 >/dev/null || fail "legitimate traffic broken"
log "reverse-path violations dropped: $rpf"
