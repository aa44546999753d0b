#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# selftest: timeout=420
# The benchmark (make bench) still works: runs its guest script,
# tools/bench-guest.sh, in BENCH_QUICK mode (1 run of 1 s) in this guest,
# and checks that it prints the ratio line with numbers and that every
# tunnel (veth, WireGuard, IPsec ESP-in-UDP, aegis0 AES-GCM, ChaCha20 with
# both implementations, and relayed) carried data; then make profile's mode
# (BENCH_PROFILE) on aegis0. Figures are not judged: it is a smoke test.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"

rc=0
BENCH_QUICK=1 BENCH_OUT="$tmp/results.json" bash tools/bench-guest.sh >"$tmp/out" 2>&1 || rc=$?
cat "$tmp/out"
[ "$rc" = 0 ] || fail "tools/bench-guest.sh exited with status $rc"

last=$(grep -v '^[[:space:]]*$' "$tmp/out" | tail -n 1)
num='[0-9]+\.[0-9]{2}'
[[ $last =~ ^aegis-gcm/ipsec-gcm=$num\ aegis-chacha/wireguard=$num\ relay/direct=$num$ ]] ||
	fail "the last line is not the ratio line with numbers: '$last'"

python3 - "$tmp/results.json" <<'PY' || fail "a tunnel moved no data"
import json, sys
res = json.load(open(sys.argv[1]))
want = ["veth", "wireguard", "ipsec-gcm", "aegis-gcm", "aegis-chacha", "aegis-chacha-api", "aegis-relay"]
bad = []
for c in want:
    case = res["cases"].get(c)
    if case is None:
        bad.append(f"{c}: not measured")
        continue
    run = case["runs"][0]
    for key in ("tcp1_bytes", "tcp4_bytes", "udp_packets_received", "replies"):
        if not run.get(key, 0) > 0:
            bad.append(f"{c}: {key}={run.get(key)} {run.get('errors', '')}")
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PY

# make profile's mode: a short trace of aegis0, in which every packet sent
# was sealed once (aegis_seal is among the traced functions, so a renamed
# stage shows up here), and a report that lists it.
rc=0
BENCH_PROFILE=0.3 BENCH_CASES=aegis-gcm BENCH_OUT="$tmp/profile.json" bash tools/bench-guest.sh \
	>"$tmp/pout" 2>&1 || rc=$?
cat "$tmp/pout"
[ "$rc" = 0 ] || fail "tools/bench-guest.sh BENCH_PROFILE=0.3 exited with status $rc"
python3 tools/profile-report.py "$tmp/profile" >"$tmp/report" || fail "profile-report.py failed: $(cat "$tmp/report")"
cat "$tmp/report"
seal=$(awk '$1 == "aegis_seal" { print $3 }' "$tmp/report")
python3 -c "import sys; sys.exit(0 if 0.8 <= float(sys.argv[1]) <= 1.2 else 1)" "${seal:-0}" ||
	fail "profile: aegis_seal calls per packet sent should be about 1, not '${seal:-missing}'"
log "bench smoke ok: $last; profile: aegis_seal $seal calls per packet"
