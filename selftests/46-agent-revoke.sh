#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# selftest: no-load
# selftest: timeout=600
# Revocation by the CA. Three agents in a full mesh; 1 and 2 read the CA's
# revocation list (revocation_file), empty at first. The CA revokes node 3
# (`aegis-agent ca revoke --cert`); 1 and 2 get the new list on SIGHUP and
# end their sessions with 3 at once; 3 keeps trying and every handshake is
# refused and counted; 1 and 2 still talk. An older list, a tampered one
# and a missing one are refused on reload and the list stays in force; an
# agent restarted with the list never lets 3 in; one given a broken list
# does not start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent.sh"

ag_setup testnet
for n in 1 2 3; do ag_node "$n"; done
ag_wire 1 2
ag_wire 1 3
ag_wire 2 3
list=$AG_DIR/revoked.pem
out=$(aegis-agent ca revoke --dir "$AG_DIR") || fail "an empty revocation list: $out"
grep -q 'version 1: 0 nodes revoked' <<<"$out" || fail "ca revoke said: $out"
cp "$list" "$AG_DIR/v1.pem"
ag_config 1 peers=2,3 "revocation_file=$list"
ag_config 2 peers=1,3 "revocation_file=$list"
ag_config 3 peers=1,2
for n in 1 2 3; do ag_start "$n"; done
ag_wait_up 30 1 2 3
[ "$(ag_json 1 "s['counters']['revocation_version']")" = 1 ] || fail "node 1 does not show list version 1"
log "three sessions up under an empty revocation list"

# The CA revokes 3; 1 and 2 reload.
out=$(aegis-agent ca revoke --dir "$AG_DIR" --cert "$AG_DIR/n3.crt") || fail "ca revoke: $out"
grep -q 'version 2: 1 node revoked' <<<"$out" || fail "ca revoke said: $out"
cp "$list" "$AG_DIR/v2.pem"
t0=$SECONDS
kill -HUP "${AG_PID[1]}" "${AG_PID[2]}"
gone() { [ -z "$(ag_peer_state "$1" 3)" ] || [ "$(ag_peer_state "$1" 3)" != established ]; }
wait_until 5 gone 1
wait_until 5 gone 2
log "1 and 2 ended their sessions with 3 within $((SECONDS - t0)) s of the reload"
grep -q 'is revoked by the CA: session ended' "$AG_DIR/n1.log" || fail "node 1 did not log the revocation"
[ "$(ag_json 2 "s['counters']['revoked_nodes']")" = 1 ] || fail "node 2 does not show one revoked node"
grep -q 'revocation list version 2, 1 node(s) revoked' <<<"$(ag_status 1)" || fail "status text lacks the list"

# 3 keeps trying: refused and counted, never up again.
refused() { [ "$(ag_json "$1" "s['counters']['refused']['revoked']")" -gt 0 ]; }
wait_until 20 refused 1
wait_until 20 refused 2
ip netns exec n1 ping -c 2 -W 1 100.64.0.3 >/dev/null 2>&1 && fail "1 still reaches 3"
ag_pair_up 1 2 || fail "1 and 2 lost their session"
ag_ping 1 2 || fail "1 no longer reaches 2"
log "3's handshakes are refused ($(ag_json 1 "s['counters']['refused']['revoked']") at 1); 1 and 2 still talk"

# An older list, a tampered one and a missing one: refused, v2 stays.
cp "$AG_DIR/v1.pem" "$list"
kill -HUP "${AG_PID[1]}"
wait_until 5 grep -q 'older than the list in force' "$AG_DIR/n1.log"
sed '3s/./X/' "$AG_DIR/v2.pem" >"$list"
kill -HUP "${AG_PID[1]}"
wait_until 5 grep -q 'revocation list: ' "$AG_DIR/n1.log"
rm -f "$list"
kill -HUP "${AG_PID[1]}"
wait_until 5 grep -q "cannot open $list" "$AG_DIR/n1.log"
sleep 1
[ "$(ag_json 1 "s['counters']['revocation_version']")" = 2 ] || fail "a refused list replaced version 2"
gone 1 || fail "3 came back after a refused reload"
log "older, tampered and missing lists refused; version 2 stays in force"

# Restarted with the list, 1 never lets 3 in.
cp "$AG_DIR/v2.pem" "$list"
ag_stop 1
ag_start 1
wait_until 30 ag_pair_up 1 2
wait_until 20 refused 1
gone 1 || fail "3 got a session with the restarted node 1"
log "restarted node 1 refuses 3 from the start"

# A broken list: the agent does not start, and says why.
echo garbage >"$AG_DIR/bad.pem"
ag_config 4 "revocation_file=$AG_DIR/bad.pem"
ag_node 4
expect_fail "AEGIS REVOCATION LIST" ip netns exec n4 aegis-agent run --config "$AG_DIR/n4.yaml"
log "ok"
