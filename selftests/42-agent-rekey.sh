#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# selftest: timeout=900
# Key rotation under load and recovery after a restart.
# - rekey_interval 5 while iperf3 runs for 30 s: a ping every 10 ms loses
#   nothing, and each side counts at least 5 rotations.
# - An agent restarted (SIGTERM, then started again): its peers carry
#   traffic again within 5 s of it coming back, without any help.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent.sh"

ag_setup testnet
for n in 1 2 3; do ag_node "$n"; done
ag_wire 1 2
ag_wire 1 3
ag_wire 2 3
ag_config 1 peers=2,3 rekey_interval=5
ag_config 2 peers=1,3 rekey_interval=5
ag_config 3 peers=1,2 rekey_interval=5
for n in 1 2 3; do ag_start "$n"; done
ag_wait_up 30 1 2 3

r0=$(ag_json 1 "[p['rotations'] for p in s['peers'] if p['name']=='node2'][0]")
ip netns exec n2 iperf3 -s -1 -D -p 5201 >/dev/null
sleep 0.5
ip netns exec n1 iperf3 -c 100.64.0.2 -p 5201 -t 30 >"$AG_DIR/iperf" 2>&1 &
iperf_pid=$!
ip netns exec n1 ping -i 0.01 -c 3000 -W 1 100.64.0.2 >"$AG_DIR/ping" 2>&1 || true
wait "$iperf_pid" || fail "iperf3 failed: $(tail -n 3 "$AG_DIR/iperf")"
r1=$(ag_json 1 "[p['rotations'] for p in s['peers'] if p['name']=='node2'][0]")
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$AG_DIR/ping")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$AG_DIR/ping")
log "ping: $sent sent, $recv received; rotations 1<->2: $((r1 - r0)); iperf3: $(grep receiver "$AG_DIR/iperf" | awk '{print $7, $8}')"
[ "${sent:-0}" -ge 2900 ] || fail "ping sent only ${sent:-0}"
[ "$sent" = "$recv" ] || fail "lost $((sent - recv)) pings across rotations"
[ $((r1 - r0)) -ge 5 ] || fail "only $((r1 - r0)) rotations in 30 s"
for n in 1 2; do
	ip netns exec "n$n" aegisctl show aegis0 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "drops" and isinstance(v, dict):
                bad = {r: c for r, c in v.items() if c and r not in ("no_key", "no-key")}
                if bad:
                    print("drops:", bad); sys.exit(1)
            walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(d)' || fail "node $n counted tunnel drops during rotations"
done
log "no ping lost and no tunnel drop across $((r1 - r0)) rotations"

# Restart node 2.
ag_stop 2 || fail "agent 2 exit status"
ip netns exec n1 ping -c 1 -W 1 100.64.0.2 >/dev/null && fail "node 2 answers while stopped"
ag_start 2
t0=$(date +%s%N)
wait_until 5 ip netns exec n1 ping -c 1 -W 1 100.64.0.2 ||
	fail "1 -> 2 not back within 5 s of the restart"
wait_until 5 ip netns exec n3 ping -c 1 -W 1 100.64.0.2 ||
	fail "3 -> 2 not back within 5 s of the restart"
t1=$(date +%s%N)
log "after the restart, node 2 was reachable again in $(((t1 - t0) / 1000000)) ms"
ag_ping 2 1 v6 || fail "2 -> 1 over IPv6 after the restart"
