#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Deleting a netns that holds devices deletes them; nothing leaks.
. "$(dirname "$0")/lib.sh"

ip netns add a
for i in 0 1 2; do
	ip -n a link add "aegis$i" type aegisray
	ip -n a link set "aegis$i" up
done
# Also one that moved in from elsewhere.
ip link add aegis7 type aegisray
ip link set aegis7 netns a
[ "$(cat /sys/module/aegisray/refcnt)" = 0 ] || fail "refcount should be 0 with idle devices"
ip netns del a
wait_module_idle
[ -z "$(ip -o link show type aegisray)" ] || fail "a device came back to init_net"
modprobe -r aegisray || fail "rmmod after netns delete"
log "netns delete ok"
