#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# selftest: no-load
# selftest: timeout=900
# Three aegis-agents from configs and CA-signed certificates form a full
# mesh by themselves (aegis0 autoloads the module): every pair pings over
# the IPv4 and IPv6 overlay. Then the refusals: a node of a foreign CA, a
# replayed initiation, a signed initiation naming another responder, and
# garbage control packets; SIGHUP reloads without dropping sessions, a bad
# reload is refused, and SIGTERM leaves no device or route behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent.sh"

ag_setup testnet
ag_node 1 --role relay --prefix 192.168.10.0/24
ag_node 2
ag_node 3
ag_wire 1 2
ag_wire 1 3
ag_wire 2 3
# Everyone lists everyone: the crossing initiations must resolve.
ag_config 1 peers=2,3 "advertise_routes=[192.168.10.0/24]"
ag_config 2 peers=1,3
ag_config 3 peers=1,2 cipher=chacha20-poly1305
for n in 1 2 3; do
	aegis-agent check-config "$AG_DIR/n$n.yaml" >/dev/null ||
		fail "check-config refused node $n's config"
done
lsmod | grep -q '^aegisray' && fail "module loaded before the agents ran"

for n in 1 2 3; do ag_start "$n"; done
ag_wait_up 30 1 2 3
log "three sessions up"

for a in 1 2 3; do
	for b in 1 2 3; do
		[ "$a" = "$b" ] && continue
		ag_ping "$a" "$b" || fail "ping $a -> $b (IPv4 overlay)"
		ag_ping "$a" "$b" v6 || fail "ping $a -> $b (IPv6 overlay)"
	done
done
log "every pair pings over IPv4 and IPv6"

# The agent configured the device and the routes.
ip -n n2 addr show aegis0 | grep -q 'inet 100.64.0.2/16' || fail "n2: no mesh address"
ip -n n2 -6 addr show aegis0 | grep -q 'fd61:6567:6973::2/48' || fail "n2: no mesh IPv6"
ip -n n2 link show aegis0 | grep -q 'mtu 1420' || fail "n2: mtu"
ip -n n2 route show 192.168.10.0/24 | grep -q aegis0 ||
	fail "n2: no route to node 1's advertised prefix"
# Cipher negotiation: node 3 prefers ChaCha20-Poly1305.
[ "$(ag_json 1 "[p['cipher'] for p in s['peers'] if p['name']=='node3'][0]")" = chacha20-poly1305 ] ||
	fail "1<->3 did not negotiate chacha20-poly1305"
[ "$(ag_json 1 "[p['cipher'] for p in s['peers'] if p['name']=='node2'][0]")" = aes-256-gcm ] ||
	fail "1<->2 is not aes-256-gcm"
grep -q 'node3' <<<"$(ag_status 1)" || fail "text status lacks node3"
[ "$(ag_json 2 "s['node']['name']")" = node2 ] || fail "status: node name"
[ "$(ag_json 2 "len(s['node']['id'])")" = 64 ] || fail "status: node id"
rx=$(ag_json 1 "[p['rx_bytes'] for p in s['peers'] if p['name']=='node2'][0]")
[ "$rx" -gt 0 ] || fail "status shows no rx bytes from node2"
log "device, addresses, routes, cipher and status are right"

# --- A foreign CA ---------------------------------------------------------
mkdir "$AG_DIR/evil"
aegis-agent ca init --dir "$AG_DIR/evil" --network testnet >/dev/null
ag_ns 4
aegis-agent keygen --out "$AG_DIR/n4.key" >/dev/null 2>&1
aegis-agent ca sign --dir "$AG_DIR/evil" --pubkey "$AG_DIR/n4.key.pub" \
	--name node4 --ip 100.64.0.4 --out "$AG_DIR/n4.crt" >/dev/null
ag_wire 1 4
id1=$(aegis-agent id --key "$AG_DIR/n1.key")
# A properly signed initiation, but from a certificate of another CA.
out=$(ip netns exec n4 hsprobe init --key "$AG_DIR/n4.key" --cert "$AG_DIR/n4.crt" \
	--ca "$AG_DIR/evil/ca.crt" --to "$id1" --wait 1500 10.201.4.1 5101)
case $out in *"resp 0 "*) ;; *) fail "foreign-CA initiation was answered: $out" ;; esac
wrong_ca() { [ "$(ag_json 1 "s['counters']['refused']['wrong_ca']")" -ge 1 ]; }
wait_until 5 wrong_ca ||
	fail "node 1 did not count the foreign CA"
grep -q "refused initiation from 10.201.4.4.*not signed by this network" "$AG_DIR/n1.log" ||
	grep -q "refused initiation.*CA" "$AG_DIR/n1.log" ||
	fail "no log line for the foreign CA"
log "foreign CA refused, counted and logged"

# --- Replay and wrong responder ------------------------------------------
ag_node 5
ag_wire 1 5
out=$(ip netns exec n5 hsprobe init --key "$AG_DIR/n5.key" --cert "$AG_DIR/n5.crt" \
	--ca "$AG_DIR/ca.crt" --to "$id1" --count 2 --rate 2 --repeat --wait 1500 10.201.5.1 5101)
case $out in *"resp 1 "*) ;; *) fail "a replayed initiation was answered (or none was): $out" ;; esac
[ "$(ag_json 1 "s['counters']['refused']['replay']")" -ge 1 ] || fail "replay not counted"
id2=$(aegis-agent id --key "$AG_DIR/n2.key")
# Signed for node 2, sent to node 1: mac1 does not match, nothing answers.
out=$(ip netns exec n5 hsprobe init --key "$AG_DIR/n5.key" --cert "$AG_DIR/n5.crt" \
	--ca "$AG_DIR/ca.crt" --to "$id2" --wait 1000 10.201.5.1 5101)
case $out in *"resp 0 "*) ;; *) fail "initiation for another node was answered: $out" ;; esac
[ "$(ag_json 1 "s['counters']['refused']['bad_mac1']")" -ge 1 ] || fail "bad mac1 not counted"
log "replayed and misdirected initiations refused"

# --- Garbage -------------------------------------------------------------
ip netns exec n5 hsprobe garbage --count 20000 --seed 7 --to "$id1" --wait 500 \
	10.201.5.1 5101 >/dev/null
kill -0 "${AG_PID[1]}" || fail "agent 1 died on garbage"
[ "$(ag_json 1 "s['counters']['garbage'] + s['counters']['refused']['malformed'] + s['counters']['refused']['bad_mac1']")" -ge 1000 ] ||
	fail "garbage not counted"
ag_ping 2 1 || fail "ping after garbage"
log "20000 garbage datagrams: agent alive, mesh fine"

# --- SIGHUP --------------------------------------------------------------
hs_before=$(ag_json 2 "s['counters']['handshakes']")
sed -i 's/^log_level: debug/log_level: info/' "$AG_DIR/n2.yaml"
kill -HUP "${AG_PID[2]}"
wait_until 5 grep -q "configuration reloaded" "$AG_DIR/n2.log" || fail "no reload"
ag_pair_up 1 2 || fail "reload dropped the session"
[ "$(ag_json 2 "s['counters']['handshakes']")" = "$hs_before" ] ||
	fail "reload renegotiated sessions that were valid"
cp "$AG_DIR/n2.yaml" "$AG_DIR/n2.good"
echo "mtu: [oops" >>"$AG_DIR/n2.yaml"
kill -HUP "${AG_PID[2]}"
wait_until 5 grep -q "reload refused" "$AG_DIR/n2.log" || fail "bad reload not refused"
cp "$AG_DIR/n2.good" "$AG_DIR/n2.yaml"
kill -0 "${AG_PID[2]}" || fail "agent 2 died on a bad reload"
ag_ping 1 2 || fail "ping after reloads"
log "SIGHUP reloads; a broken file is refused and the agent keeps running"

# --- SIGTERM -------------------------------------------------------------
ag_stop 1 || fail "agent 1 exited non-zero on SIGTERM"
ip -n n1 link show aegis0 >/dev/null 2>&1 && fail "n1: aegis0 left behind"
ip -n n2 route show 192.168.10.0/24 | grep -q . || fail "n2 lost the route early"
ag_stop 2 || fail "agent 2 exited non-zero"
ip -n n2 route show 192.168.10.0/24 | grep -q . && fail "n2: route left behind"
ip -n n2 link show aegis0 >/dev/null 2>&1 && fail "n2: aegis0 left behind"
log "SIGTERM: devices and routes removed"
