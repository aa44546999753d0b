#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The soak (tools/soak; not a selftest: it runs for an hour): cycles until
# AEGIS_SOAK_SECONDS (default 3600) have passed, each cycle mixing
#   A. relayed traffic: 1 - 2 - 3 with 2 relaying, TCP 1 -> 3 through the
#      relay and a ping flood 1 -> 2, while another process dumps the
#      device, nodes, keys and prefixes over generic netlink in a loop and
#      1 <-> 2 rekeys (secondary key, swap) every second; then the relay's
#      namespace is deleted under that traffic, then the others;
#   B. agents: four aegis-agents in a full mesh rekeying every 5 s, TCP
#      1 -> 2 and 3 -> 4, while one agent at a time is killed (SIGKILL) and
#      restarted every 6 s; then all stop and their namespaces go;
#   C. every third cycle the module is removed and loaded again.
# Figures (relayed/direct packets, rekeys, agent restarts, netlink dumps)
# go to the output and to $AEGIS_RUN_DIR/soak.json. tools/vm-run fails the
# run on any kernel report, as in the selftests; with the debug kernel
# (tools/soak's default) that covers lockdep, KASAN, UBSAN and kmemleak.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"
. "$(dirname "$0")/agent.sh"

# A command that fails silently under errexit says where (the first
# hour-long run ended at cycle 2 without a word).
set -E
trap 'echo "[soak] FAIL: line $LINENO: $BASH_COMMAND (status $?)" >&2' ERR

soak_secs=${AEGIS_SOAK_SECONDS:-3600}
cycles=0 relayed_pkts=0 direct_pkts=0 dp_rekeys=0 dumps=0
agent_restarts=0 agent_rekeys=0 agent_pkts=0 netns_deleted=0 reloads=0
start=$SECONDS

# tx packets of aegis0 in netns $1.
tx_packets() {
	ip -n "$1" -s -j link show aegis0 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])' 2>/dev/null || echo 0
}

# Part A: kernel-driven relay, dumps, rekeys, netns deletion under load.
soak_relay() {
	local dumper rekeyer t0 n
	dp_relay_line
	ip netns exec n3 iperf3 -s -D -p 5201 >/dev/null
	wait_until 5 ip netns exec n3 ss -ltn 'sport = 5201' | grep -q 5201 ||
		fail "iperf3 server in n3"
	ip netns exec n1 iperf3 -c 100.64.0.3 -p 5201 -t 25 >/dev/null 2>&1 &
	local iperf=$!
	ip netns exec n1 ping -f -W 1 -s 600 -w 25 100.64.0.2 >/dev/null 2>&1 &
	local pinger=$!
	# genl dumps in a loop (their count comes back through a file).
	(
		local i=0
		while :; do
			for n in 1 2 3; do
				ip netns exec "n$n" aegisctl show --json >/dev/null 2>&1 || true
				ip netns exec "n$n" aegisctl prefix show aegis0 --json >/dev/null 2>&1 || true
				i=$((i + 2))
			done
			echo "$i" >"$AG_DIR/dumps"
		done
	) &
	dumper=$!
	# 1 <-> 2 rekeys: a new secondary key on both sides, then both swap.
	(
		local i=0 kid
		while :; do
			kid=$(((i % 7) + 1))
			dp_keys 1 2 aes-gcm secondary "$kid" >/dev/null 2>&1 || true
			ip netns exec n1 aegisctl key swap aegis0 "$(dp_id 2)" >/dev/null 2>&1 || true
			ip netns exec n2 aegisctl key swap aegis0 "$(dp_id 1)" >/dev/null 2>&1 || true
			i=$((i + 1))
			echo "$i" >"$AG_DIR/rekeys"
			sleep 1
		done
	) &
	rekeyer=$!
	t0=$SECONDS
	while [ $((SECONDS - t0)) -lt 20 ]; do sleep 1; done
	relayed_pkts=$((relayed_pkts + $(dp_stat 3 1 rx_packets)))
	direct_pkts=$((direct_pkts + $(tx_packets n1)))
	# The relay's namespace goes while traffic still flows through it: its
	# processes (the socket holder, a dump in flight) first, or they would
	# keep it alive.
	ip netns pids n2 | xargs -r kill -9 2>/dev/null || true
	ip netns del n2
	netns_deleted=$((netns_deleted + 1))
	sleep 2
	kill "$dumper" "$rekeyer" 2>/dev/null || true
	wait "$dumper" "$rekeyer" 2>/dev/null || true
	kill "$iperf" "$pinger" 2>/dev/null || true
	wait "$iperf" "$pinger" 2>/dev/null || true
	dumps=$((dumps + $(cat "$AG_DIR/dumps" 2>/dev/null || echo 0)))
	dp_rekeys=$((dp_rekeys + $(cat "$AG_DIR/rekeys" 2>/dev/null || echo 0)))
	for n in 1 3; do ip netns pids "n$n" | xargs -r kill 2>/dev/null || true; done
	dp_cleanup
	netns_deleted=$((netns_deleted + 2))
}

# Part B: agents with fast rekeys, killed and restarted under traffic.
soak_agents() {
	local n a b t0 victim=1 iperfs=()
	# shellcheck disable=SC2034 # read by agent.sh (ag_ns)
	AG_NS=()
	# New identities each cycle: keygen will not overwrite last cycle's.
	rm -f "$AG_DIR"/n[1-4].key "$AG_DIR"/n[1-4].key.pub "$AG_DIR"/n[1-4].crt
	rm -rf "$AG_DIR"/n[1-4].state
	for n in 1 2 3 4; do ag_node "$n"; done
	for a in 1 2 3 4; do
		for b in 1 2 3 4; do
			[ "$a" -lt "$b" ] && ag_wire "$a" "$b"
		done
	done
	ag_config 1 peers=2,3,4 rekey_interval=5
	ag_config 2 peers=1,3,4 rekey_interval=5
	ag_config 3 peers=1,2,4 rekey_interval=5 cipher=chacha20-poly1305
	ag_config 4 peers=1,2,3 rekey_interval=5
	for n in 1 2 3 4; do ag_start "$n"; done
	ag_wait_up 60 1 2 3 4
	for n in 2 4; do ip netns exec "n$n" iperf3 -s -D -p 5201 >/dev/null; done
	sleep 1
	ip netns exec n1 iperf3 -c 100.64.0.2 -p 5201 -t 40 >/dev/null 2>&1 &
	iperfs+=($!)
	ip netns exec n3 iperf3 -c 100.64.0.4 -p 5201 -t 40 >/dev/null 2>&1 &
	iperfs+=($!)
	t0=$SECONDS
	while [ $((SECONDS - t0)) -lt 36 ]; do
		sleep 6
		# The killed agent's rekey count is lost with it: take it first.
		agent_rekeys=$((agent_rekeys + $(ag_json "$victim" "s['counters']['rotations']" 2>/dev/null || echo 0)))
		ag_stop "$victim" KILL || true
		ag_start "$victim"
		agent_restarts=$((agent_restarts + 1))
		victim=$((victim % 4 + 1))
	done
	for n in 1 2 3 4; do
		agent_pkts=$((agent_pkts + $(tx_packets "n$n")))
		agent_rekeys=$((agent_rekeys + $(ag_json "$n" "s['counters']['rotations']" 2>/dev/null || echo 0)))
	done
	for p in "${iperfs[@]}"; do wait "$p" 2>/dev/null || true; done
	ag_cleanup
	for n in 1 2 3 4; do ip netns pids "n$n" | xargs -r kill 2>/dev/null || true; done
	ns_cleanup
	# shellcheck disable=SC2034 # read by agent.sh (ag_ns)
	AG_NS=()
	netns_deleted=$((netns_deleted + 4))
}

ag_setup soaknet
while [ $((SECONDS - start)) -lt "$soak_secs" ]; do
	cycles=$((cycles + 1))
	soak_relay
	soak_agents
	if [ $((cycles % 3)) = 0 ]; then
		wait_module_idle
		modprobe -r aegisray || fail "modprobe -r aegisray after cycle $cycles"
		modprobe aegisray || fail "modprobe aegisray after cycle $cycles"
		reloads=$((reloads + 1))
	fi
	log "cycle $cycles at $((SECONDS - start)) s: relayed $relayed_pkts, sent by 1 $direct_pkts, agent tx $agent_pkts packets; rekeys $dp_rekeys + $agent_rekeys; agent restarts $agent_restarts; dumps $dumps; netns deleted $netns_deleted; module reloads $reloads"
done

cat >"${AEGIS_RUN_DIR:-/tmp}/soak.json" <<EOF
{"seconds": $((SECONDS - start)), "cycles": $cycles,
 "relayed_packets": $relayed_pkts, "sent_by_1_packets": $direct_pkts,
 "agent_packets": $agent_pkts, "kernel_rekeys": $dp_rekeys,
 "agent_rekeys": $agent_rekeys, "agent_restarts": $agent_restarts,
 "genl_dumps": $dumps, "netns_deleted": $netns_deleted,
 "module_reloads": $reloads}
EOF
[ "$relayed_pkts" -gt 0 ] || fail "no packet was relayed"
[ "$agent_rekeys" -gt 0 ] || fail "the agents never rekeyed"
log "soak done: $(tr -d '\n' <"${AEGIS_RUN_DIR:-/tmp}/soak.json")"
