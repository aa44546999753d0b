#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# selftest: timeout=420
# Which AEAD implementation aegis0's keys use (kernel/aead_impl.c, module
# parameters gcm_impl and chacha_impl):
# - at load (auto) each parameter names an implementation of its algorithm,
#   and the module logged what it measured;
# - keys allocate that implementation (the /proc/crypto reference counts
#   move for it) and carry traffic;
# - priority makes new keys take the crypto API's highest-priority one, a
#   driver name pins that driver; keys made before keep theirs and work;
# - bad values, at run time and at load, are refused with a message that
#   says what was wrong, and a refused run-time value keeps the old one.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/dp.sh
. "$(dirname "$0")/dp.sh"

P=/sys/module/aegisray/parameters
GCM='gcm(aes)'
CHACHA='rfc7539(chacha20,poly1305)'
CHACHA_GENERIC='rfc7539(chacha20-generic,poly1305-generic)'

# crypto_field DRIVER FIELD: a field of the AEAD with that driver name.
crypto_field() {
	awk -v want="$1" -v field="$2" -F' *: ' '
		$1 == "driver" { d = $2 } $1 == "type" { t = $2 }
		$1 == field { v = $2 }
		$0 == "" { if (d == want && t == "aead") { found = v } d = t = v = "" }
		END { if (d == want && t == "aead") found = v; if (found != "") print found }' /proc/crypto
}
# top_driver NAME: the driver a crypto_alloc_aead(NAME) gets now.
top_driver() {
	local top
	top=$(aead_top "$1")
	echo "${top% *}"
}
# driver_of PARAM ALG: the driver that new keys get for the parameter's value.
driver_of() {
	local v
	v=$(<"$P/$1")
	if [ "$v" = "$2" ]; then top_driver "$2"; else echo "$v"; fi
}
refs() { crypto_field "$1" refcnt; }
# keys_del DRIVER REFS: delete session 1-2 and wait until the transforms
# are gone (freed after an RCU grace period): DRIVER back at REFS.
keys_del() {
	ip netns exec n1 aegisctl key del aegis0 "$(dp_id 2)" slot primary
	ip netns exec n2 aegisctl key del aegis0 "$(dp_id 1)" slot primary
	settled() { [ "$(refs "$1")" = "$2" ]; }
	wait_until 10 settled "$1" "$2"
}
# keys_use CIPHER DRIVER: a new session 1-2 takes at least 4 references on
# DRIVER (enc and dec of both keys; each key's relay pair must be
# synchronous and takes another driver when DRIVER is asynchronous, as
# ghash-clmulni makes gcm(aes)) and carries pings; then it is deleted.
keys_use() {
	local cipher=$1 drv=$2 before after
	before=$(refs "$drv")
	[ -n "$before" ] || fail "$drv is not in /proc/crypto"
	dp_keys 1 2 "$cipher"
	after=$(refs "$drv")
	[ $((after - before)) -ge 4 ] ||
		fail "$cipher keys did not allocate $drv (refcnt $before -> $after)"
	ip netns exec n1 ping -c 2 -i 0.2 -W 2 100.64.0.2 >/dev/null ||
		fail "no ping over aegis0 with $cipher keys on $drv"
	log "$cipher keys use $drv (refcnt $before -> $after) and carry pings"
	keys_del "$drv" "$before"
}
# Nodes 1 and 2 on a veth, without keys.
two_nodes() {
	dp_node 1
	dp_node 2
	dp_wire 1 2
	dp_peer 1 2
	dp_peer 2 1
}

# --- auto, at load ----------------------------------------------------------
for p in gcm_impl chacha_impl; do
	alg=$GCM
	[ "$p" = gcm_impl ] || alg=$CHACHA
	drv=$(driver_of "$p" "$alg")
	[ -n "$drv" ] || fail "$p: no implementation of $alg in /proc/crypto ($(<"$P/$p"))"
	name=$(crypto_field "$drv" name)
	[ "$name" = "$alg" ] || fail "$p=$(<"$P/$p") is $name, not $alg"
	dmesg | grep -F "aegisray: $alg: " | grep -q 'MB/s' ||
		fail "no measurement of $alg logged at load: $(dmesg | grep aegisray)"
	log "$p=$(<"$P/$p") ($drv); load: $(dmesg | grep -F "aegisray: $alg: " | tail -n 1 | sed 's/^\[[^]]*\] //')"
done

two_nodes
keys_use aes-gcm "$(driver_of gcm_impl "$GCM")"
keys_use chacha20poly1305 "$(driver_of chacha_impl "$CHACHA")"
auto_chacha=$(<"$P/chacha_impl")

# --- priority, and a pinned driver ------------------------------------------
echo priority >"$P/chacha_impl"
[ "$(<"$P/chacha_impl")" = "$CHACHA" ] || fail "chacha_impl=priority reads back as $(<"$P/chacha_impl")"
keys_use chacha20poly1305 "$(top_driver "$CHACHA")"
echo "$CHACHA_GENERIC" >"$P/chacha_impl"
[ "$(<"$P/chacha_impl")" = "$CHACHA_GENERIC" ] || fail "chacha_impl reads back $(<"$P/chacha_impl")"
keys_use chacha20poly1305 "$CHACHA_GENERIC"
# Keys of one cipher do not follow the other's parameter.
keys_use aes-gcm "$(driver_of gcm_impl "$GCM")"

# A key made before a change keeps its implementation, and works.
r0=$(refs "$CHACHA_GENERIC")
dp_keys 1 2 chacha20poly1305
echo priority >"$P/chacha_impl"
ip netns exec n1 ping -c 2 -i 0.2 -W 2 100.64.0.2 >/dev/null ||
	fail "a key made before chacha_impl changed stopped working"
[ "$(refs "$CHACHA_GENERIC")" -ge $((r0 + 4)) ] || fail "a key made before chacha_impl changed let go of $CHACHA_GENERIC"
keys_del "$CHACHA_GENERIC" "$r0"
log "a key made on $CHACHA_GENERIC keeps it after chacha_impl=priority"

# --- bad values at run time: refused, old value kept ------------------------
setp() { echo "$2" >"$P/$1"; }
before=$(<"$P/chacha_impl")
expect_fail setp chacha_impl "$GCM"
dmesg | tail -n 5 | grep -qF "chacha_impl=$GCM: that is $GCM, not $CHACHA" ||
	fail "no message for chacha_impl=$GCM: $(dmesg | tail -n 3)"
expect_fail setp gcm_impl 'nosuch(aes)'
dmesg | tail -n 5 | grep -qF "gcm_impl=nosuch(aes): no usable implementation by that name" ||
	fail "no message for gcm_impl=nosuch(aes): $(dmesg | tail -n 3)"
expect_fail setp gcm_impl ''
long=$(printf 'x%.0s' $(seq 200))
expect_fail setp gcm_impl "$long"
dmesg | tail -n 5 | grep -qF "gcm_impl: expected auto, priority or the name of an implementation of $GCM" ||
	fail "no message for an empty or too long gcm_impl: $(dmesg | tail -n 3)"
[ "$(<"$P/chacha_impl")" = "$before" ] || fail "a refused value changed chacha_impl to $(<"$P/chacha_impl")"
keys_use chacha20poly1305 "$(top_driver "$CHACHA")"

# auto again measures again.
n=$(dmesg | grep -cF "aegisray: $CHACHA: ")
echo auto >"$P/chacha_impl"
[ "$(dmesg | grep -cF "aegisray: $CHACHA: ")" -gt "$n" ] || fail "chacha_impl=auto did not measure again"
[ "$(<"$P/chacha_impl")" = "$auto_chacha" ] ||
	log "note: auto chose $(<"$P/chacha_impl") this time (at load: $auto_chacha)"

# --- at load ----------------------------------------------------------------
dp_cleanup
wait_module_idle
modprobe -r aegisray || fail "modprobe -r aegisray"
expect_fail "Invalid argument" modprobe aegisray "chacha_impl=$GCM"
dmesg | tail -n 5 | grep -qF "chacha_impl=$GCM: that is $GCM, not $CHACHA" ||
	fail "no message for a bad chacha_impl at load: $(dmesg | tail -n 3)"
[ ! -e /sys/module/aegisray ] || fail "the module stayed loaded with a bad chacha_impl"
expect_fail "Invalid argument" modprobe aegisray gcm_impl=bogus
modprobe aegisray gcm_impl=priority "chacha_impl=$CHACHA_GENERIC" || fail "modprobe with good values"
[ "$(<"$P/gcm_impl")" = "$GCM" ] || fail "gcm_impl=priority at load reads back $(<"$P/gcm_impl")"
[ "$(<"$P/chacha_impl")" = "$CHACHA_GENERIC" ] || fail "chacha_impl at load reads back $(<"$P/chacha_impl")"
two_nodes
keys_use aes-gcm "$(top_driver "$GCM")"
keys_use chacha20poly1305 "$CHACHA_GENERIC"
log "implementation selection works at load and at run time; bad values are refused"
