#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Malformed link and genl requests get an error with an extack message that
# says what was wrong; none of them hurts the kernel.
. "$(dirname "$0")/lib.sh"

ip link add aegis0 type aegisray

# rtnetlink
expect_fail "no link-layer address" ip link add aegis1 address 00:11:22:33:44:55 type aegisray
expect_fail "takes no link attributes" nlprobe link-add aegis1 aegisray --info-data
expect_fail "mtu less than device minimum" ip link set aegis0 mtu 100
expect_fail "mtu greater than device maximum" ip link set aegis0 mtu 70000
! ip link show aegis1 2>/dev/null || fail "a refused device exists"

# genl, AEGIS_CMD_DEV_GET (1): AEGIS_A_IFINDEX is 1, AEGIS_A_IFNAME is 2.
expect_fail "no such device in this netns" nlprobe genl 1 1:u32:99999
expect_fail "no such device in this netns" nlprobe genl 1 2:str:nosuchdev
expect_fail "not an aegisray device" nlprobe genl 1 2:str:lo
expect_fail "either the ifindex or the ifname" nlprobe genl 1 1:u32:1 2:str:aegis0
# Dumps of one device (NODE_GET 6, PREFIX_GET 13) say what was wrong too,
# in the NLMSG_DONE that ends them.
expect_fail "no such device in this netns" nlprobe genl --dump 6 2:str:nosuchdev
expect_fail "not an aegisray device" nlprobe genl --dump 13 2:str:lo
expect_fail "the device is missing" nlprobe genl --dump 13
expect_fail "either the ifindex or the ifname" nlprobe genl --dump 6 1:u32:1 2:str:aegis0
expect_fail "no such device" aegisctl prefix show nosuchdev
expect_fail "the device is missing" nlprobe genl 1
expect_fail "invalid attribute length" nlprobe genl 1 1:u8:1    # wrong size
expect_fail "integer out of range" nlprobe genl 1 1:u32:0       # below minimum
expect_fail "Invalid argument" nlprobe genl 1 2:raw:aegis0      # not NUL terminated
expect_fail "Invalid argument" nlprobe genl 1 2:str:aaaaaaaaaaaaaaaaaaaaaaaa
expect_fail "Unknown attribute type" nlprobe genl 1 2:str:aegis0 200:u32:1
expect_fail "Operation not supported" nlprobe genl 250 2:str:aegis0
# Only an admin may use the family.
expect_fail "Operation not permitted" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$(command -v nlprobe)" genl 1 2:str:aegis0

# Random and truncated requests: the kernel must stay clean.
nlprobe fuzz-genl 3000 1
nlprobe genl 1 2:str:aegis0 | grep -qx 'ok 1 messages' || fail "device unusable after fuzzing"
ip link del aegis0
wait_module_idle
log "bad input ok"
