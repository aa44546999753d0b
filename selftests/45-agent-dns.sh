#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# selftest: no-load
# selftest: timeout=300
# A static peer whose name the DNS never answers for must not hold up the
# agent: its other static peer gets a session at once, `aegis-agent status`
# answers at once while the lookup hangs, and the lookup ends later with a
# warning. (With a blocking getaddrinfo in the loop, every one of these
# waited for the DNS timeouts.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent.sh"

ag_setup testnet
ag_node 1
ag_node 2
ag_wire 1 2

# A DNS server in n1 that reads queries, counts them and never answers.
cat >"$AG_DIR/blackhole.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
n = 0
while True:
    s.recvfrom(4096)
    n += 1
    with open(sys.argv[1], "w") as f:
        f.write("%d\n" % n)
PY
ip netns exec n1 python3 "$AG_DIR/blackhole.py" "$AG_DIR/queries" &
dns_pid=$!
on_exit "kill $dns_pid 2>/dev/null || true"
printf 'nameserver 127.0.0.1\n' >"$AG_DIR/resolv.conf"

# Node 1 lists the unanswerable name first, then node 2 by address.
ag_config 1
{
	echo "static_peers:"
	echo "  - \"peer.blackhole.test:5199\""
	echo "  - \"$(ag_endpoint 1 2)\""
} >>"$AG_DIR/n1.yaml"
ag_config 2
aegis-agent check-config "$AG_DIR/n1.yaml" >/dev/null ||
	fail "check-config refused node 1's config"

# Node 1 sees the black hole as its resolver (a private mount namespace).
ip netns exec n1 unshare -m sh -c \
	"mount --bind '$AG_DIR/resolv.conf' /etc/resolv.conf &&
	 exec aegis-agent run --config '$AG_DIR/n1.yaml'" \
	>>"$AG_DIR/n1.log" 2>&1 &
# shellcheck disable=SC2034 # ag_stop and ag_cleanup (agent.sh) read it
AG_PID[1]=$!
ag_start 2
start=$SECONDS
wait_until 20 test -S "$AG_DIR/n1.sock"

# The lookup is under way: the black hole has had a query (the host's
# resolv.conf is out of reach: no traffic leaves the guest).
wait_until 5 test -s "$AG_DIR/queries"
log "the DNS server got $(cat "$AG_DIR/queries") quer(y/ies) and answers none"

# Status answers at once while the lookup hangs: as fast as node 2's,
# whose loop waits for nothing (a slow guest, like the debug kernel's,
# makes both slower; a blocked loop adds the DNS timeout, 3 s or more).
t0=$(date +%s%N)
ag_status 1 >"$AG_DIR/status.txt" || fail "status failed during the lookup"
ms=$((($(date +%s%N) - t0) / 1000000))
t0=$(date +%s%N)
ag_status 2 >/dev/null || fail "status of node 2 failed"
base=$((($(date +%s%N) - t0) / 1000000))
log "status answered in ${ms} ms during the lookup (node 2's: ${base} ms)"
[ "$ms" -lt $((base + 2500)) ] ||
	fail "status took ${ms} ms while DNS hung, node 2's ${base} ms (a blocked loop: 3 s more)"
grep -q '^node node1' "$AG_DIR/status.txt" || fail "status printed no node line"

# The other static peer is up before the agent gives the name up (3 s,
# then 6 s without an answer).
wait_until 8 ag_pair_up 1 2
took=$((SECONDS - start))
log "session with node 2 up after ${took}s"
ag_ping 1 2 || fail "ping 1 -> 2"

# The lookup ends with a warning, and the agent goes on.
wait_until 60 grep -q 'static peer peer.blackhole.test:5199: ' "$AG_DIR/n1.log"
# In that order: a blocking lookup would have held the session up until
# it failed.
up=$(grep -n 'session up with node2' "$AG_DIR/n1.log" | head -n1 | cut -d: -f1)
gaveup=$(grep -n 'static peer peer.blackhole.test:5199: ' "$AG_DIR/n1.log" | head -n1 | cut -d: -f1)
[ -n "$up" ] && [ "$up" -lt "$gaveup" ] ||
	fail "the session came up only after the lookup failed (lines $up, $gaveup)"
log "after $(cat "$AG_DIR/queries") queries: $(grep -m1 'static peer peer.blackhole.test:5199: ' "$AG_DIR/n1.log" | sed 's/^.*static peer/static peer/')"
ag_ping 1 2 || fail "ping 1 -> 2 after the lookup failed"
ag_stop 1 || fail "agent 1 did not exit cleanly"
ag_stop 2 || fail "agent 2 did not exit cleanly"
log "ok"
