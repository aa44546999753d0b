#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The debug build runs the in-module selftests (LPM trie against a naive
# list, replay window) at load, and refuses to load if they fail.
. "$(dirname "$0")/lib.sh"

# make check-debug passes the same build made for its kernel.
ko=${AEGIS_KO_SELFTEST:-build/debug/kernel/aegisray.ko}
[ -f "$ko" ] || fail "$ko missing: run make module-debug"
modprobe -r aegisray 2>/dev/null || true
dmesg -C
modprobe -a udp_tunnel ip6_udp_tunnel
insmod "$ko" || fail "debug module refused to load: $(dmesg | grep -i aegisray | tail -5)"
log=$(dmesg)
grep -q 'aegisray: prefix selftest: pass' <<<"$log" || fail "prefix selftest did not pass"
grep -q 'aegisray: replay selftest: pass' <<<"$log" || fail "replay selftest did not pass"
grep 'aegisray: .* selftest' <<<"$log" | sed 's/^/  /'
ip link add aegis0 type aegisray
ip link del aegis0
rmmod aegisray
log "in-module selftests pass"
