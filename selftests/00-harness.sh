#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# selftest: no-load
# Sanity check of the VM test harness itself (needs no aegisray module):
# right kernel, writable /lib/modules, modules load, lib.sh helpers work.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

log "kernel $(uname -r)"
[ "$(uname -r)" = "$AEGIS_KVER" ] || fail "guest runs $(uname -r), expected $AEGIS_KVER"
[ -f tools/vm-run ] || fail "cwd $PWD is not the project root"
[ "$(id -u)" = 0 ] || fail "not root"

# /lib/modules is a writable overlay.
f=/lib/modules/$(uname -r)/.harness-write-test
touch "$f" || fail "/lib/modules is not writable"
rm -f "$f"

# Modules from the read-only host tree load (and autoload: veth below).
# The debug kernel (make check-debug) has veth built in: modprobe finds it
# in modules.builtin and loads nothing.
modprobe veth || fail "modprobe veth failed"
if grep -q '/veth.ko$' "/lib/modules/$(uname -r)/modules.builtin"; then
	log "veth is built in"
else
	grep -q '^veth ' /proc/modules || fail "veth not in /proc/modules"
fi

# If the aegisray module is built, it is installed and indexed by depmod.
if [ -f "/lib/modules/$(uname -r)/updates/aegisray.ko" ]; then
	modinfo -F filename aegisray | grep -q updates/aegisray.ko ||
		fail "aegisray installed but not found by modinfo (depmod?)"
	log "aegisray.ko installed in updates/"
fi

# Netns + veth helpers, with traffic.
ns_pair h1 h2
ip netns exec h1 ping -c 1 -W 5 10.99.0.2 >/dev/null || fail "no ping over veth"
log "ping over veth between netns works"

expect_fail "does not exist" ip link show dev nosuchdev0
expect_fail -m "Cannot find device" ip link set dev nosuchdev0 up
expect_fail false
wait_until 5 test -d /sys/class/net/lo
log "ok"
