#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# selftest: no-load
# selftest: timeout=1200
# Loss and delay (issue 19): the diamond of 50 (1 - 2 - 4, 1 - 3 - 4,
# relays 2 and 3), 1 pinging 4 every 100 ms throughout.
#  1. netem 30% loss on the link 1 uses: the route moves to the clean one.
#  2. 5% loss on the link in use for AEGIS_FLAP_SECONDS (120): the route
#     moves at most once (no flapping).
#  3. +80 ms on the link in use: the route moves to the faster one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent.sh"

FLAP=${AEGIS_FLAP_SECONDS:-120}
ag_diamond
via() { ag_via "$@"; }
ip netns exec n1 ping -i 0.1 100.64.0.4 >/dev/null 2>&1 &
pinger=$!
on_exit "kill $pinger 2>/dev/null || true"

# shape R ARGS...: netem on 1's side of the link 1 - R (none: cleared),
# so that the loss or delay of a round trip is what ARGS say.
shape() {
	local r=$1
	shift
	ip netns exec n1 tc qdisc del dev "v1$r" root 2>/dev/null || true
	[ $# -gt 0 ] || return 0
	ip netns exec n1 tc qdisc add dev "v1$r" root netem "$@"
}
other() { [ "$1" = 2 ] && echo 3 || echo 2; }
cost() { ag_json 1 "[l['cost'] for l in s['mesh']['routing']['links'] if l['name'] == 'node$1'][0]"; }

# 1. 30% loss moves the route.
r=$(via 1 4)
r=${r#node}
shape "$r" loss 30%
moved() { [ "$(via 1 4)" = "node$(other "$r")" ]; }
t0=$SECONDS
wait_until 60 moved || fail "30% loss on 1 - $r: still via $(via 1 4) (costs: 2 $(cost 2), 3 $(cost 3))"
log "30% loss on 1 - $r: the route moved to node$(other "$r") after $((SECONDS - t0)) s (link costs: 2 $(cost 2), 3 $(cost 3))"
shape "$r"

# 2. 5% loss on the link in use: one move at most.
sleep 10
r=$(via 1 4)
r=${r#node}
shape "$r" loss 5%
read -r moves prev <<<"$(ag_route_moves 1 4 "node$r" "$FLAP" 1)"
log "5% loss on 1 - $r for $FLAP s: $moves route change(s), now via $prev (link costs: 2 $(cost 2), 3 $(cost 3); links found dead: $(ag_json 1 "s['mesh']['routing']['counters']['links_dead']"))"
[ "$moves" -le 1 ] || fail "5% loss: the route flapped ($moves changes in $FLAP s)"
shape "$r"

# 3. +80 ms moves it.
sleep 10
r=$(via 1 4)
r=${r#node}
shape "$r" delay 80ms
t0=$SECONDS
wait_until 60 moved || fail "+80 ms on 1 - $r: still via $(via 1 4) (costs: 2 $(cost 2), 3 $(cost 3))"
log "+80 ms round trip on 1 - $r: the route moved to node$(other "$r") after $((SECONDS - t0)) s (link costs: 2 $(cost 2), 3 $(cost 3))"
shape "$r"
[ "$(ag_hop_drops 1 2 3 4)" = 0 ] || fail "hop-limit drops: $(ag_hop_drops 1 2 3 4)"
ip netns exec n1 ping -c 1 -w 10 100.64.0.4 >/dev/null || fail "1 -> 4 at the end"
log "loss and delay move the route; 5% loss does not make it flap"
