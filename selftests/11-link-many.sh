#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Many devices per netns and in several netns; genl dumps list exactly the
# devices of the caller's netns.
. "$(dirname "$0")/lib.sh"

for i in $(seq 0 15); do
	ip link add "aegis$i" type aegisray
done
for ns in a b c; do
	ip netns add "$ns"
	for i in 0 1 2 3; do
		ip -n "$ns" link add "aegis$i" type aegisray
	done
done
trap 'for ns in a b c; do ip netns del $ns 2>/dev/null; done' EXIT

n=$(ip -o link show type aegisray | wc -l)
[ "$n" = 16 ] || fail "expected 16 devices in init_net, found $n"
# Dump of AEGIS_CMD_DEV_GET: one message per device of this netns.
nlprobe genl --dump 1 | grep -qx 'ok 16 messages' || fail "dump in init_net"
for ns in a b c; do
	ip netns exec "$ns" nlprobe genl --dump 1 | grep -qx 'ok 4 messages' ||
		fail "dump in netns $ns"
done
aegisctl show | grep -c '^interface: aegis' | grep -qx 16 || fail "aegisctl show lists 16"

for i in $(seq 0 15); do
	ip link del "aegis$i"
done
for ns in a b c; do ip netns del "$ns"; done
trap - EXIT
wait_module_idle
log "many devices ok"
