#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Link-local IPv6 endpoints: an underlay with no addresses but fe80::/64
# (two routers on one cable, a mesh over bare Ethernet). A link-local
# endpoint names the interface it is on (AEGIS_NODE_A_ENDPOINT_SCOPE, in
# aegisctl "[fe80::2%eth0]:PORT"), and that interface is what the packets
# leave by: node 1 reaches nodes 2 and 3 at the same address fe80::9, one
# behind each of its two links. Roaming learns the scope from the interface
# a packet came in on. Bad input gets a precise error from aegisctl and from
# the kernel.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"
tmp=$(mktemp -d)
on_exit "rm -rf $tmp"

# wire A B ADDR_A ADDR_B: veth between nA and nB with only these link-local
# addresses (no automatic ones, no DAD).
ll_wire() {
	local a=$1 b=$2
	ip link add "v$a$b" netns "n$a" type veth peer name "v$b$a" netns "n$b"
	ip -n "n$a" link set "v$a$b" addrgenmode none
	ip -n "n$b" link set "v$b$a" addrgenmode none
	ip -n "n$a" addr add "$3/64" dev "v$a$b" nodad
	ip -n "n$b" addr add "$4/64" dev "v$b$a" nodad
	ip -n "n$a" link set "v$a$b" up
	ip -n "n$b" link set "v$b$a" up
}

# ll_peer A B EP: A knows B at endpoint EP, routes B's overlay addresses.
ll_peer() {
	ip netns exec "n$1" aegisctl node add aegis0 "$(dp_id "$2")" endpoint "$3"
	dp_route "$1" "$2" "$2"
}

endpoint_of() {
	ip netns exec "n$1" aegisctl node show aegis0 "$(dp_id "$2")" |
		awk '$1 == "endpoint:" { print $2 }'
}

for n in 1 2 3; do dp_node "$n" udp6; done
ll_wire 1 2 fe80::1 fe80::9
ll_wire 1 3 fe80::1 fe80::9
ll_peer 1 2 "[fe80::9%v12]:5102"
ll_peer 1 3 "[fe80::9%v13]:5103"
ll_peer 2 1 "[fe80::1%v21]:5101"
ll_peer 3 1 "[fe80::1%v31]:5101"
dp_keys 1 2
dp_keys 1 3

# --- traffic, and the scope picks the link --------------------------------
for n in 2 3; do
	ip netns exec n1 ping -c 3 -i 0.2 -W 2 "100.64.0.$n" >/dev/null ||
		fail "ping 100.64.0.$n over a link-local underlay"
	ip netns exec n1 ping -6 -c 3 -i 0.2 -W 2 "fd00:64::$n" >/dev/null ||
		fail "ping fd00:64::$n over a link-local underlay"
done
for n in 2 3; do
	rx=$(ip netns exec "n$n" cat "/sys/class/net/v${n}1/statistics/rx_packets")
	[ "$rx" -ge 6 ] || fail "node $n's link got $rx packets: the scope did not pick it"
	tx=$(dp_stat 1 "$n" tx_packets)
	[ "$tx" -ge 6 ] || fail "node 1 counted $tx packets to node $n"
done
log "node 1 reached two nodes at fe80::9, one behind each link"

[ "$(endpoint_of 1 2)" = "[fe80::9%v12]:5102" ] || fail "node show: '$(endpoint_of 1 2)'"
ip netns exec n1 aegisctl node show aegis0 "$(dp_id 3)" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
n = d[0] if isinstance(d, list) else d
n = n.get("nodes", [n])[0]
assert n["endpoint"] == "[fe80::9%v13]:5103", n["endpoint"]' || fail "JSON endpoint with its scope"

# --- roaming: the scope comes from the interface the packet came in on ------
ip -n n2 addr del fe80::9/64 dev v21
ip -n n2 addr add fe80::22/64 dev v21 nodad
ip netns exec n1 aegisctl monitor >"$tmp/ntf" 2>&1 &
on_exit "kill $! 2>/dev/null"
sleep 0.5
ip netns exec n2 ping -c 2 -i 0.2 -W 2 100.64.0.1 >/dev/null || fail "ping from the roamed node"
[ "$(endpoint_of 1 2)" = "[fe80::22%v12]:5102" ] || fail "roamed endpoint: '$(endpoint_of 1 2)'"
wait_until 5 grep -q 'fe80::22%v12' "$tmp/ntf"
ip netns exec n1 ping -c 2 -i 0.2 -W 2 100.64.0.2 >/dev/null || fail "ping after roaming"
log "roamed to $(endpoint_of 1 2); notified: $(grep -m1 endpoint "$tmp/ntf")"

# --- bad input ----------------------------------------------------------
id2=$(dp_id 2)
ctl() { ip netns exec n1 aegisctl "$@"; }
expect_fail "name its interface" ctl node set aegis0 "$id2" endpoint "[fe80::9]:5102"
expect_fail "only a link-local address" ctl node set aegis0 "$id2" endpoint "[fd20::9%v12]:5102"
expect_fail "no interface 'nosuch0'" ctl node set aegis0 "$id2" endpoint "[fe80::9%nosuch0]:5102"
# The kernel itself, with raw requests (NODE_SET = 4; node attributes:
# ID 1, ENDPOINT_IP4 2, ENDPOINT_IP6 3, PORT 4, SCOPE 15).
nl() { ip netns exec n1 nlprobe genl 4 2:str:aegis0 nest:4 "1:hex:$id2" "$@" end; }
expect_fail "a link-local endpoint needs the interface it is on" \
	nl 3:hex:fe800000000000000000000000000009 4:u16:5102
expect_fail "an endpoint scope is only for a link-local IPv6 endpoint" \
	nl 3:hex:fd000000000000000000000000000009 4:u16:5102 15:u32:2
expect_fail "an endpoint scope is only for a link-local IPv6 endpoint" \
	nl 2:hex:0a000009 4:u16:5102 15:u32:2
expect_fail "an endpoint scope is only for a link-local IPv6 endpoint" nl 15:u32:2
expect_fail "integer out of range" nl 3:hex:fe800000000000000000000000000009 4:u16:5102 15:u32:0
expect_fail "invalid attribute length" nl 3:hex:fe800000000000000000000000000009 4:u16:5102 15:u16:2
expect_fail "names no interface where the socket is" nl 3:hex:fe800000000000000000000000000009 4:u16:5102 15:u32:999999
[ "$(endpoint_of 1 2)" = "[fe80::22%v12]:5102" ] || fail "a refused request changed the endpoint"
ip netns exec n1 ping -c 1 -W 2 100.64.0.2 >/dev/null || fail "ping after the refused requests"
log "bad scopes refused, with the endpoint unchanged"
