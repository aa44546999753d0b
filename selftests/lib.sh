# SPDX-License-Identifier: MIT
# Helpers for the selftests. Each test is selftests/NN-name.sh, runs as root
# inside a throw-away VM (tools/run-selftests or tools/vm-run) and starts with:
#
#   #!/usr/bin/env bash
#   # SPDX-License-Identifier: MIT
#   . "$(dirname "$0")/lib.sh"
#
# Sourcing this enables `set -euo pipefail` and an EXIT trap that runs the
# cleanups (on_exit, namespaces). A test passes when it exits 0 and the
# kernel log stays clean (checked by tools/vm-run).
#
# Functions:
#   log MSG...                   print "[test] MSG" (stdout)
#   fail MSG...                  print "[test] FAIL: MSG" and exit 1
#   on_exit CMD                  run CMD (a string, eval'd) at exit, LIFO
#   ns_create NS...              new netns with lo up, deleted at exit
#   ns_veth NS1 IF1 ADDR1 NS2 IF2 ADDR2
#                                veth pair NS1/IF1 <-> NS2/IF2, up, with
#                                addresses (CIDR, or "-" for none)
#   ns_pair NS1 NS2 [PREFIX]     ns_create NS1 NS2 + veth0 in each, with
#                                PREFIX.1/24 and PREFIX.2/24 (default 10.99.0)
#   ns_cleanup                   kill processes in and delete our netns (also at exit)
#   expect_fail [[-m] MSG] CMD...  CMD must fail (exit non-zero) and, if MSG
#                                is given, print MSG (a substring) on stderr or
#                                stdout. Without -m, $1 is taken as MSG when it
#                                is not a command name (type -t) and more follow.
#   wait_until SECS CMD...       retry CMD every 0.2 s until it succeeds
#   check_module_refcnt [N [MODULE]]  print the refcount of MODULE (aegisray),
#                                or wait up to 10 s for it to equal N
#   wait_module_idle [MODULE]    if MODULE (aegisray) is loaded, wait up to 20 s
#                                for its refcnt to drop to 0
# shellcheck shell=bash

set -euo pipefail

if [ "${AEGIS_VM:-}" != 1 ] && [ "${AEGIS_ALLOW_HOST:-}" != 1 ]; then
	echo "${0##*/}: selftests run inside the test VM: tools/run-selftests ${0##*/}" >&2
	echo "  (or tools/vm-run $0; AEGIS_ALLOW_HOST=1 to force)" >&2
	exit 1
fi

TEST_NAME=$(basename "$0" .sh)
# The project's own tools (aegisctl, nlprobe, udpprobe, aegis-agent).
PATH="$PWD/build/bin:$PATH"

log() { printf '[%s] %s\n' "$TEST_NAME" "$*"; }

fail() {
	printf '[%s] FAIL: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}

# --- cleanup stack -------------------------------------------------------

_lib_cleanups=()
on_exit() { _lib_cleanups+=("$1"); }

_lib_exit() {
	local rc=$? i
	set +e
	for ((i = ${#_lib_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_lib_cleanups[i]}"
	done
	ns_cleanup
	if [ "$rc" -ne 0 ]; then
		printf '[%s] exiting with status %d\n' "$TEST_NAME" "$rc" >&2
	fi
	exit "$rc"
}
trap _lib_exit EXIT

# --- network namespaces --------------------------------------------------

_lib_netns=()

ns_create() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns"
		_lib_netns+=("$ns")
		ip -n "$ns" link set lo up
	done
}

ns_veth() {
	local ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6
	ip link add "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2"
	[ "$a1" = - ] || ip -n "$ns1" addr add "$a1" dev "$if1"
	[ "$a2" = - ] || ip -n "$ns2" addr add "$a2" dev "$if2"
	ip -n "$ns1" link set "$if1" up
	ip -n "$ns2" link set "$if2" up
}

ns_pair() {
	local prefix=${3:-10.99.0}
	ns_create "$1" "$2"
	ns_veth "$1" veth0 "$prefix.1/24" "$2" veth0 "$prefix.2/24"
}

# Idempotent: kills what runs in our namespaces, then deletes them.
ns_cleanup() {
	local ns pids
	for ns in ${_lib_netns[@]+"${_lib_netns[@]}"}; do
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		# shellcheck disable=SC2086 # a list of pids
		[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	_lib_netns=()
}

# --- kernel crypto ---------------------------------------------------------

# aead_top NAME: "driver refcnt" of the highest-priority AEAD called NAME,
# the one a new crypto_alloc_aead(NAME) gets.
aead_top() {
	awk -v want="$1" -F' *: ' '
		$1 == "name" { n = $2 } $1 == "driver" { d = $2 } $1 == "priority" { p = $2 }
		$1 == "refcnt" { r = $2 }
		$1 == "type" && $2 == "aead" && n == want && (best == "" || p + 0 > bp) { best = d; bp = p + 0; br = r }
		END { if (best != "") print best, br }' /proc/crypto
}

# --- assertions ----------------------------------------------------------

expect_fail() {
	local msg='' out rc=0
	if [ "${1:-}" = -m ]; then
		msg=$2
		shift 2
	elif [ $# -ge 2 ] && ! type -t "$1" >/dev/null; then
		msg=$1 # expect_fail "message" CMD...: $1 is not a command
		shift
	fi
	[ $# -gt 0 ] || fail "expect_fail: no command"
	out=$("$@" 2>&1) || rc=$?
	[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/    > /'
	[ "$rc" -ne 0 ] || fail "expected failure, but succeeded: $*"
	case $out in
	*"$msg"*) ;;
	*) fail "failed as expected (status $rc), but the output lacks '$msg': $*" ;;
	esac
	log "failed as expected (status $rc): $*"
}

wait_until() {
	local secs=$1 end
	shift
	end=$((SECONDS + secs))
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || fail "timed out after ${secs}s waiting for: $*"
		sleep 0.2
	done
}

# Netdevice and netns teardown is asynchronous (RCU, netns cleanup work), so
# a refcount check waits for the expected value instead of reading it once.
check_module_refcnt() {
	local want=${1:-} mod=${2:-aegisray} f got end
	f=/sys/module/$mod/refcnt
	[ -r "$f" ] || fail "module $mod is not loaded ($f missing)"
	if [ -z "$want" ]; then
		cat "$f"
		return
	fi
	end=$((SECONDS + 10))
	while got=$(cat "$f") && [ "$got" != "$want" ]; do
		[ "$SECONDS" -lt "$end" ] || fail "module $mod refcnt is $got, expected $want"
		sleep 0.2
	done
	log "module $mod refcnt is $want"
}

# After deleting devices/netns/sockets: teardown is asynchronous, wait for
# the module to be released (it may still hold devices in dying netns that
# no refcount shows: `modprobe -r` at the end of a test catches those).
wait_module_idle() {
	local mod=${1:-aegisray} f got end
	f=/sys/module/$mod/refcnt
	end=$((SECONDS + 20))
	while [ -r "$f" ] && got=$(cat "$f") && [ "$got" != 0 ]; do
		[ "$SECONDS" -lt "$end" ] || fail "module $mod still in use after 20 s (refcnt $got)"
		sleep 0.2
	done
}
