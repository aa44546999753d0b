#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# modprobe, autoload through the rtnl alias, create, show, genl get,
# delete, unload.
. "$(dirname "$0")/lib.sh"

modprobe -r aegisray 2>/dev/null || true
[ ! -d /sys/module/aegisray ] || fail "module still loaded after modprobe -r"

# ip autoloads the module through MODULE_ALIAS_RTNL_LINK.
ip link add aegis0 type aegisray
[ -d /sys/module/aegisray ] || fail "ip link add did not autoload aegisray"
ip -d link show aegis0 | grep -q 'aegisray' || fail "ip -d link does not show the kind"
ip link show aegis0 | grep -q 'mtu 1420' || fail "default MTU is not 1420"
ip link set aegis0 up
ip link show aegis0 | grep -q 'UP' || fail "link did not come up"

# One device through genl: AEGIS_CMD_DEV_GET (1) with AEGIS_A_IFNAME (2).
nlprobe genl 1 2:str:aegis0 | grep -qx 'ok 1 messages' || fail "genl DEV_GET aegis0"
aegisctl show aegis0 | grep -q 'aegis0' || fail "aegisctl show aegis0"

ip link del aegis0
! ip link show aegis0 2>/dev/null || fail "aegis0 still exists after delete"
[ "$(cat /sys/module/aegisray/refcnt)" = 0 ] || fail "module refcount not 0"
modprobe -r aegisray || fail "rmmod after delete"
modprobe aegisray || fail "modprobe aegisray"
[ -d /sys/module/aegisray ] || fail "module not loaded by modprobe"
log "lifecycle ok"
