#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The agent's kernel interface (userspace/agent/fib/kernel_genl.c and kernel_rtnl.c), driven end to end
# by kernelprobe in a netns: module loading on demand (also when only the
# rtnl alias may load it, so the genl family appears after kernel_open),
# device, MTU, addresses, routes, sockets, nodes, keys, prefixes and
# notifications, checked with ip and aegisctl; repeated runs, on a device
# made by kernelprobe or one that was there, leave the same state; and the
# refusals say why.
# selftest: no-load
# selftest: timeout=300
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"

# request_module() runs /proc/sys/kernel/modprobe: a wrapper that refuses
# some aegisray aliases stands in for a module that cannot be loaded.
orig_modprobe=$(cat /proc/sys/kernel/modprobe)
on_exit "echo '$orig_modprobe' >/proc/sys/kernel/modprobe"
refuse_modprobe() {
	cat >"$tmp/modprobe" <<EOF
#!/bin/sh
for a in "\$@"; do
	case \$a in $1) exit 1 ;; esac
done
exec $orig_modprobe "\$@"
EOF
	chmod 755 "$tmp/modprobe"
	echo "$tmp/modprobe" >/proc/sys/kernel/modprobe
}

probe() { ip netns exec a kernelprobe "$@"; }

# kp0's state while kernelprobe holds it (see tools/kernelprobe/main.c).
check_held() {
	ip -n a -d link show kp0 | grep -q 'aegisray' || fail "kp0 is not an aegisray device"
	ip -n a link show kp0 | grep -q 'mtu 1380' || fail "kp0 MTU is not 1380"
	ip -n a link show kp0 | grep -q '<[^>]*\bUP\b' || fail "kp0 is not up"
	ip -n a -4 addr show dev kp0 | grep -q 'inet 100.64.0.1/24' || fail "no 100.64.0.1/24"
	ip -n a -6 addr show dev kp0 | grep -q 'inet6 fd64::1/64' || fail "no fd64::1/64"
	ip -n a -4 route show 100.65.0.0/16 | grep -q 'dev kp0 proto static scope link' ||
		fail "no route 100.65.0.0/16"
	ip -n a -4 route show 100.64.3.0/24 | grep -q 'dev kp0 proto static scope link' ||
		fail "no route 100.64.3.0/24"
	ip -n a -6 route show fd65::/48 | grep -q 'dev kp0 proto static' || fail "no route fd65::/48"
	[ -z "$(ip -n a -4 route show 100.66.0.0/16)" ] || fail "deleted route 100.66.0.0/16 is there"
	[ -z "$(ip -n a -6 route show fd66::/48)" ] || fail "deleted route fd66::/48 is there"
	ip -n a -4 route show 100.64.4.0/24 | grep -q 'dev kp1' || fail "no route 100.64.4.0/24 on kp1"
	ip netns exec a aegisctl show kp0 >"$tmp/show"
	grep -q "node id: $(printf '01%.0s' {1..32})" "$tmp/show" || fail "node id not set"
	grep -q 'listening port: ' "$tmp/show" || fail "no socket bound"
	grep -q 'nodes: 3' "$tmp/show" || fail "not 3 nodes: $(cat "$tmp/show")"
	grep -q 'prefixes: 1' "$tmp/show" || fail "not 1 prefix: $(cat "$tmp/show")"
	log "held state ok"
}

# Nothing of a run is left on kp0 (if it is there) and kp1 is gone.
check_clean() {
	! ip -n a link show kp1 >/dev/null 2>&1 || fail "kp1 still exists"
	[ -z "$(ip -n a route show proto static)" ] || fail "IPv4 routes left: $(ip -n a route show proto static)"
	[ -z "$(ip -n a -6 route show proto static)" ] || fail "IPv6 routes left"
	! ip -n a addr show 2>/dev/null | grep -qE '100\.64\.0\.1|fd64::1' || fail "addresses left"
}

# run_probe LOG [--hold]: kernelprobe run kp0 kp1, all ok.
run_probe() {
	local log=$1 pid
	if [ "${2:-}" = --hold ]; then
		rm -f "$tmp/go"
		probe run kp0 kp1 --hold "$tmp/go" >"$log" 2>&1 &
		pid=$!
		until grep -q '^ready' "$log"; do
			kill -0 "$pid" 2>/dev/null || { cat "$log"; fail "kernelprobe ended before ready"; }
			sleep 0.2
		done
		check_held
		touch "$tmp/go"
		wait "$pid" || { cat "$log"; fail "kernelprobe run (held) failed"; }
	else
		probe run kp0 kp1 >"$log" 2>&1 || { cat "$log"; fail "kernelprobe run failed"; }
	fi
	grep -q 'kernelprobe: all ok' "$log" || { cat "$log"; fail "kernelprobe did not finish"; }
	grep -q '^ok event no-key$' "$log" || fail "no no-key notification"
	grep -q '^ok event sock-closed$' "$log" || fail "no sock-closed notification"
	check_clean
}

if [ -d /sys/module/aegisray ]; then modprobe -r aegisray; fi
ns_create a

# 1. The module cannot be loaded at all: the reason, and nothing left.
refuse_modprobe '*aegisray*'
expect_fail "Operation not supported (kernel: Unknown device type; is the aegisray module available?)" \
	probe ensure kp0 1380
[ ! -d /sys/module/aegisray ] || fail "aegisray got loaded"
! ip -n a link show kp0 >/dev/null 2>&1 || fail "kp0 exists"

# 2. Only the rtnl alias loads it: kernel_open finds no family and
# kernel_dev_ensure opens it after creating the device.
refuse_modprobe '*family-aegisray*'
run_probe "$tmp/run1" --hold
grep -q 'deferred to kernel_dev_ensure' "$tmp/run1" || fail "the family was there at open"
grep -q 'kp0 ifindex [0-9]* created' "$tmp/run1" || fail "kp0 not created by kernelprobe"
[ -d /sys/module/aegisray ] || fail "aegisray not loaded"
! ip -n a link show kp0 >/dev/null 2>&1 || fail "kp0 created by kernelprobe is still there"
echo "$orig_modprobe" >/proc/sys/kernel/modprobe
sed 's/^/    | /' "$tmp/run1"
log "module loaded through the rtnl alias, genl opened late"

# 3. Again, module loaded: same result.
run_probe "$tmp/run2"
grep -q 'kp0 ifindex [0-9]* created' "$tmp/run2" || fail "kp0 not created by kernelprobe"
! ip -n a link show kp0 >/dev/null 2>&1 || fail "kp0 is still there"
log "second run ok"

# 4. A device that was there stays, twice, and is left as it was.
ip -n a link add kp0 type aegisray
run_probe "$tmp/run3" --hold
run_probe "$tmp/run4"
for f in run3 run4; do
	grep -q 'kp0 ifindex [0-9]* existing' "$tmp/$f" || fail "$f: kp0 not reported as existing"
done
ip -n a -d link show kp0 | grep -q aegisray || fail "the existing kp0 was removed"
[ "$(ip netns exec a aegisctl show kp0 | sed -n 's/^  nodes: //p')" = 0 ] || fail "nodes left on kp0"
log "existing device kept, runs repeatable"

# 5. Refusals.
ip -n a link add kpv type veth peer name kpv1
expect_fail "kpv exists and is not an aegisray device (kind veth)" probe ensure kpv 1380
expect_fail "mtu less than device minimum" probe ensure kp2 100
! ip -n a link show kp2 >/dev/null 2>&1 || fail "kp2 left behind after a failed ensure"
expect_fail "mtu less than device minimum" probe ensure kp0 100
ip -n a link show kp0 >/dev/null || fail "a failed ensure removed an existing kp0"
probe ensure kp0 1400 | grep -qx existing || fail "ensure of the existing kp0"
ip -n a link show kp0 | grep -q 'mtu 1400' || fail "kp0 MTU not changed to 1400"

ip -n a link del kp0
ns_cleanup
wait_module_idle
modprobe -r aegisray || fail "cannot unload aegisray"
log "ok"
