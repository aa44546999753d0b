#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# rmmod while devices exist (in several netns) removes them all.
. "$(dirname "$0")/lib.sh"

ip netns add a
trap 'ip netns del a 2>/dev/null' EXIT
for i in 0 1 2; do
	ip link add "aegis$i" type aegisray
	ip -n a link add "aegis$i" type aegisray
done
ip link set aegis0 up
modprobe -r aegisray || fail "rmmod with devices present"
[ ! -d /sys/module/aegisray ] || fail "module still loaded"
[ -z "$(ip -o link show type aegisray 2>/dev/null)" ] || fail "devices left in init_net"
[ -z "$(ip -n a -o link show 2>/dev/null | grep aegis)" ] || fail "devices left in netns a"
modprobe aegisray
ip link add aegis0 type aegisray || fail "create after reload"
ip link del aegis0
log "rmmod with devices ok"
