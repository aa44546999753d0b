#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Move a device between netns; it is visible (and configurable over genl)
# only where it lives.
. "$(dirname "$0")/lib.sh"

ip netns add a
ip netns add b
trap 'ip netns del a 2>/dev/null; ip netns del b 2>/dev/null' EXIT

ip -n a link add aegis0 type aegisray
ip -n a link set aegis0 netns b
! ip -n a link show aegis0 2>/dev/null || fail "aegis0 still in netns a"
ip -n b -d link show aegis0 | grep -q aegisray || fail "aegis0 not in netns b"
ip netns exec a nlprobe genl --dump 1 | grep -qx 'ok 0 messages' || fail "dump in a"
ip netns exec b nlprobe genl 1 2:str:aegis0 | grep -qx 'ok 1 messages' || fail "get in b"
expect_fail "no such device in this netns" ip netns exec a nlprobe genl 1 2:str:aegis0

# And back to the initial netns, under a new name.
ip -n b link set aegis0 netns 1 name aegis9
ip -d link show aegis9 | grep -q aegisray || fail "aegis9 not in init_net"
ip link del aegis9
ip netns del a
ip netns del b
trap - EXIT
wait_module_idle
log "netns move ok"
