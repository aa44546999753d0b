#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# selftest: no-load
# selftest: timeout=600
# Revocation that spreads by itself (issue 19): five agents on one routed
# network, met through gossip (a chain of bootstrap members). The CA
# revokes node 5 and only node 1 is given the new list (its
# revocation_file, SIGHUP): within 5 s no member holds a session with 5,
# every member shows the list's version, and 5 cannot come back, not even
# after a restart. A tampered list is refused and the mesh keeps the
# one in force.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent.sh"

N=5
ag_setup testnet
for n in $(seq 1 $N); do ag_node "$n"; done
# shellcheck disable=SC2046 # a list of numbers
ag_lan $(seq 1 $N)
list=$AG_DIR/revoked.pem
aegis-agent ca revoke --dir "$AG_DIR" >/dev/null || fail "an empty list"
ag_config 1 "revocation_file=$list"
for n in $(seq 2 $N); do ag_config "$n" "bootstrap=$((n - 1))"; done
modprobe aegisray || fail "modprobe aegisray"
for n in $(seq 1 $N); do ag_start "$n"; done

knows_all() {
	# shellcheck disable=SC2046 # a list of numbers
	ag_json_all "len(s['mesh']['members'])" $(seq 1 $N) |
		awk -v want=$((N - 1)) -v n=$N '$1 >= want { ok++ } END { exit ok != n }'
}
wait_until 30 knows_all
# Traffic to 5 from everyone: sessions on demand.
for n in $(seq 1 $((N - 1))); do
	ip netns exec "n$n" ping -c 1 -w 20 "100.64.0.$N" >/dev/null ||
		fail "node $n cannot reach node $N"
done
id5=$(aegis-agent id --key "$AG_DIR/n$N.key")
with5() { ag_json "$1" "len([p for p in s['peers'] if p['id'] == '$id5' and p['state'] == 'established'])"; }
for n in $(seq 1 $((N - 1))); do
	[ "$(with5 "$n")" = 1 ] || fail "node $n holds no session with node $N"
done
log "every member holds a session with node $N"

# The CA revokes 5; only node 1 is told.
aegis-agent ca revoke --dir "$AG_DIR" --cert "$AG_DIR/n$N.crt" >/dev/null || fail "ca revoke"
t0=$SECONDS
kill -HUP "${AG_PID[1]}"
none_with5() {
	# shellcheck disable=SC2046 # a list of numbers
	ag_json_all "len([p for p in s['peers'] if p['id'] == '$id5' and p['state'] == 'established'])" \
		$(seq 1 $((N - 1))) | awk -v n=$((N - 1)) '$1 == 0 { ok++ } END { exit ok != n }'
}
wait_until 5 none_with5
log "no member holds a session with node $N $((SECONDS - t0)) s after node 1 got the list"
# shellcheck disable=SC2046 # a list of numbers
versions=$(ag_json_all "s['counters']['revocation_version']" $(seq 1 $((N - 1))) | sort -u | tr '\n' ' ')
[ "$versions" = "2 " ] || fail "members hold list versions: $versions"
for n in 2 3 4; do
	[ "$(ag_json "$n" "s['mesh']['counters']['crl_adopted']")" -ge 1 ] ||
		fail "node $n did not take the list from the mesh"
done
ip netns exec n2 ping -c 2 -W 1 "100.64.0.$N" >/dev/null 2>&1 && fail "node 2 still reaches node $N"

# Node 3 keeps what it learnt: restarted, it puts the list in force from
# its state directory before any neighbour could tell it again.
ag_stop 3
[ -f "$AG_DIR/n3.state/revoked.pem" ] || fail "node 3 did not keep the list it learnt"
ag_start 3
grep -q "revocation list version 2 learnt from the mesh before" "$AG_DIR/n3.log" ||
	fail "node 3 did not load the list it kept: $(grep -i revocation "$AG_DIR/n3.log" | tail -n 3)"
log "node 3, restarted, put the list it had learnt in force from its state directory"

# 5 cannot come back: restarted, its handshakes are refused.
ag_stop "$N" KILL || true
ag_start "$N"
refused() { [ "$(ag_json "$1" "s['counters']['refused']['revoked']")" -gt 0 ]; }
wait_until 30 refused 4
sleep 3
none_with5 || fail "node $N got a session back after its restart"
log "node $N, restarted, is refused (revoked: $(ag_json 4 "s['counters']['refused']['revoked']") at node 4)"

# A tampered list given to node 1 is refused there (SIGHUP): the mesh
# keeps version 2.
sed '3s/./X/' "$list" >"$AG_DIR/bad.pem"
cp "$AG_DIR/bad.pem" "$list"
kill -HUP "${AG_PID[1]}"
wait_until 5 grep -q 'keeping the revocation list in force' "$AG_DIR/n1.log"
[ "$(ag_json 3 "s['counters']['revocation_version']")" = 2 ] || fail "node 3 left version 2"
log "a tampered list is refused; the mesh keeps version 2"
