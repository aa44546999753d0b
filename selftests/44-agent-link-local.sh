#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# selftest: no-load
# Two aegis-agents on one cable with only link-local IPv6 addresses, each
# listing the other as a static peer "[fe80::N%IFACE]:PORT": the agent
# resolves the zone, handshakes over it and hands the kernel the endpoint
# with its interface; both overlays carry pings, and the status shows the
# endpoint with its interface.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent.sh"

ag_setup testnet
ag_node 1
ag_node 2
ip link add v12 netns n1 type veth peer name v21 netns n2
for x in "1 v12" "2 v21"; do
	set -- $x
	ip -n "n$1" link set "$2" addrgenmode none
	ip -n "n$1" addr add "fe80::$1/64" dev "$2" nodad
	ip -n "n$1" link set "$2" up
done
ag_config 1 'static_peers=["[fe80::2%v12]:5102"]'
ag_config 2 'static_peers=["[fe80::1%v21]:5101"]'
aegis-agent check-config "$AG_DIR/n1.yaml" >/dev/null || fail "check-config refused a link-local peer"
for n in 1 2; do ag_start "$n"; done
ag_wait_up 30 1 2
ag_ping 1 2 || fail "ping 1 -> 2 (IPv4 overlay)"
ag_ping 2 1 v6 || fail "ping 2 -> 1 (IPv6 overlay)"

ep=$(ag_json 1 "next(p['endpoint'] for p in s['peers'] if p['name'] == 'node2')")
[ "$ep" = "[fe80::2%v12]:5102" ] || fail "node 1's status shows node 2 at '$ep'"
kep=$(ip netns exec n1 aegisctl node show aegis0 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d[0] if isinstance(d, list) else d
print(" ".join(n["endpoint"] for n in d.get("nodes", [d])))')
[ "$kep" = "[fe80::2%v12]:5102" ] || fail "node 1's kernel has node 2 at '$kep'"
log "sessions up over link-local endpoints: $ep"
