#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# selftest: no-load
# selftest: timeout=600
# Relay chain (issue 19): four agents wired as a line only, 1 - 2 - 3 - 4
# (a veth per link, no forwarding in any namespace), 2 and 3 with the
# relay role. Each knows its left neighbour only. Gossip brings every
# member to every node; the routes (probed links, signed seqnos) put 4
# behind 2 at node 1 and 1 behind 3 at node 4; the handshake of 1 and 4
# goes through 2 and 3 as RELAYED_HANDSHAKE pieces, and their traffic
# through the kernel's relay path. 1 pings 4 over IPv4 and IPv6; captures
# at 2 and 3 never show the pings' payload; no hop-limit drop anywhere.
# Last, the link 2 - 3 goes down: the routes through it go, and come back
# with it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent.sh"

ag_setup testnet
ag_node 1
ag_node 2 --role relay
ag_node 3 --role relay
ag_node 4
ag_wire 1 2
ag_wire 2 3
ag_wire 3 4
ag_config 1
ag_config 2 peers=1
ag_config 3 peers=2
ag_config 4 peers=3
modprobe aegisray || fail "modprobe aegisray"
for n in 1 2 3 4; do ag_start "$n"; done
t0=$SECONDS

# route N DEST: "next-hop-name metric" of node N's route to nodeDEST.
route() {
	ag_json "$1" "' '.join('%s %d' % (r['next_hop_name'], r['metric']) for r in s['mesh']['routing']['routes'] if r['name'] == 'node$2' and r['reachable']) or '-'"
}
routed() { [ "$(ag_via 1 4)" = node2 ] && [ "$(ag_via 4 1)" = node3 ]; }
wait_until 60 routed || fail "no route 1 -> 4 via 2 and 4 -> 1 via 3: $(route 1 4) / $(route 4 1)"
log "routes after $((SECONDS - t0)) s: 1 -> 4 via $(route 1 4), 4 -> 1 via $(route 4 1)"

# Captures at the relays, of everything they carry.
caps=()
for n in 2 3; do
	ip netns exec "n$n" tcpdump -U -n -i any -w "$AG_DIR/relay$n.pcap" udp 2>"$AG_DIR/relay$n.err" &
	caps+=($!)
	wait_until 10 grep -q "listening on" "$AG_DIR/relay$n.err" || fail "tcpdump in n$n did not start"
done
marker=a3e1c0ffee5eed
ip netns exec n1 ping -c 1 -w 30 100.64.0.4 >/dev/null ||
	fail "1 -> 4 does not ping: $(ag_json 1 "[(p['name'], p['state']) for p in s['peers']]")"
log "1 -> 4 pings $((SECONDS - t0)) s after the start (the handshake went through 2 and 3)"
ip netns exec n1 ping -c 20 -i 0.05 -p "$marker" 100.64.0.4 >"$AG_DIR/ping4.out" ||
	fail "1 -> 4 IPv4: $(tail -n 3 "$AG_DIR/ping4.out")"
ip netns exec n1 ping -c 5 -i 0.1 -p "$marker" fd61:6567:6973::4 >/dev/null ||
	fail "1 -> 4 IPv6"
ip netns exec n4 ping -c 5 -i 0.1 -p "$marker" 100.64.0.1 >/dev/null ||
	fail "4 -> 1 IPv4"
sleep 1
kill "${caps[@]}" 2>/dev/null || true
wait "${caps[@]}" 2>/dev/null || true

st=$(ag_json 1 "[p['state'] for p in s['peers'] if p['name'] == 'node4']")
case $st in *established*) ;; *) fail "1 has no session with 4: $st" ;; esac
grep -Eq '^  node4 +via node2 +metric [0-9]+' <<<"$(ag_status 1)" ||
	fail "status text of node 1 shows no route to node4 via node2: $(ag_status 1 | tail -n 12)"
grep -Eq '^  node2 +up +rtt' <<<"$(ag_status 1)" ||
	fail "status text of node 1 shows no live link to node2: $(ag_status 1 | tail -n 12)"
relayed=$(ag_json 1 "[r['kernel_via'] for r in s['mesh']['routing']['routes'] if r['name'] == 'node4'][0]")
[ "$relayed" = True ] || fail "1's kernel node 4 is not routed through a relay"

for n in 2 3; do
	pkts=$(tcpdump -n -r "$AG_DIR/relay$n.pcap" udp 2>/dev/null | wc -l)
	[ "$pkts" -ge 30 ] || fail "relay $n carried $pkts UDP packets: not on the path"
	if tcpdump -n -r "$AG_DIR/relay$n.pcap" -x 2>/dev/null | tr -d ' \n\t' | grep -q "$marker$marker"; then
		fail "relay $n saw the pings' payload in clear"
	fi
	log "relay $n: $pkts UDP packets, none with the payload in clear"
done

# Relays forwarded the handshake; nobody else did.
fwd2=$(ag_json 2 "s['mesh']['relay']['forwarded']")
fwd3=$(ag_json 3 "s['mesh']['relay']['forwarded']")
log "relayed handshake packets forwarded: $fwd2 by node 2, $fwd3 by node 3"
{ [ "$fwd2" -ge 1 ] && [ "$fwd3" -ge 1 ]; } || fail "the relays forwarded no handshake"

# hop_limit drops, over every node of every namespace.
[ "$(ag_hop_drops 1 2 3 4)" = 0 ] || fail "hop-limit drops: $(ag_hop_drops 1 2 3 4)"

# The middle link goes: routes through it are withdrawn; with it back,
# 1 and 4 reach each other again.
ip -n n2 link set v23 down
gone() { [ "$(route 1 4)" = - ]; }
wait_until 20 gone || fail "1 still routes to 4 with the link 2 - 3 down: $(route 1 4)"
log "link 2 - 3 down: 1 has no route to 4"
ip -n n2 link set v23 up
wait_until 60 routed || fail "routes did not come back: $(route 1 4) / $(route 4 1)"
ip netns exec n1 ping -c 1 -w 20 100.64.0.4 >/dev/null || fail "1 -> 4 after the link came back"
log "link 2 - 3 back: 1 -> 4 via $(route 1 4) pings again"
[ "$(ag_hop_drops 1 2 3 4)" = 0 ] || fail "hop-limit drops: $(ag_hop_drops 1 2 3 4)"
log "relay chain: 1 - 2 - 3 - 4 pings end to end through two relays"
