#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo, inside the VM (see tools/demo). Uses the selftest helpers to
# build the topology with aegisctl.
. selftests/lib.sh
. selftests/dp.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "The module"
modinfo -F description aegisray
modinfo -F version aegisray
ip link add aegis0 type aegisray
ip -d link show aegis0
ip link del aegis0

step "Three nodes: 1 <-> 2 <-> 3 (no underlay path between 1 and 3)"
dp_relay_line

step "Ping every pair (IPv4 and IPv6 overlay)"
for a in 1 2 3; do
	for b in 1 2 3; do
		[ "$a" = "$b" ] && continue
		r4=$(ip netns exec "n$a" ping -c 3 -i 0.2 -W 2 "100.64.0.$b" | tail -1)
		r6=$(ip netns exec "n$a" ping -c 3 -i 0.2 -W 2 "fd00:64::$b" | tail -1)
		printf 'node %s -> node %s  v4: %s\n                   v6: %s\n' "$a" "$b" "$r4" "$r6"
	done
done

step "What node 1 sees"
ip netns exec n1 aegisctl show
step "What the relay (node 2) sees"
ip netns exec n2 aegisctl show
step "Interface counters on node 3"
ip -n n3 -s link show aegis0
dp_cleanup
printf '\nDemo done: the mesh carried IPv4 and IPv6 directly and through a relay.\n'
