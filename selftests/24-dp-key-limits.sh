#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Soft limits (packets, age) notify "rekey needed"; hard limits retire the
# key: transmission with it stops, with a "key expired" notification.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"
tmp=$(mktemp -d)

dp_node 1
dp_node 2
dp_wire 1 2
dp_peer 1 2
dp_peer 2 1
ip netns exec n1 aegisctl monitor >"$tmp/ntf" 2>&1 &
on_exit "kill $! 2>/dev/null"
sleep 0.5

# Traffic for a node without keys: dropped, counted, and the agent is asked
# (once a second at most) to start a handshake.
ip netns exec n1 ping -c 3 -i 0.1 -W 1 100.64.0.2 >/dev/null && fail "ping without keys"
wait_until 5 grep -q no-key "$tmp/ntf"
[ "$(dp_stat 1 2 drops.no_key)" -ge 3 ] || fail "no_key drops not counted"
[ "$(grep -c no-key "$tmp/ntf")" -le 2 ] || fail "no-key notifications are not rate limited"
log "no key: $(grep no-key "$tmp/ntf" | head -1)"

# By packet count.
dp_keys 1 2 aes-gcm primary 0 soft-packets 5 hard-packets 12
ip netns exec n1 ping -c 8 -i 0.1 100.64.0.2 >/dev/null || fail "ping under the soft limit"
wait_until 5 grep -q rekey "$tmp/ntf"
log "soft packet limit: $(grep rekey "$tmp/ntf" | head -1)"
# Packets 9-12 still go out, then the key is retired.
ip netns exec n1 ping -c 8 -i 0.1 -W 1 100.64.0.2 >/dev/null || true
wait_until 5 grep -q key-expired "$tmp/ntf"
ip netns exec n1 ping -c 2 -i 0.1 -W 1 100.64.0.2 >/dev/null && fail "ping past the hard limit worked"
[ "$(dp_stat 1 2 drops.key_expired)" -gt 0 ] || fail "no key_expired drops"
sent=$(dp_stat 1 2 tx_packets)
[ "$sent" -le 12 ] || fail "sent $sent packets with a key limited to 12"
log "hard packet limit: tx stopped after $sent packets"

# By age.
ip netns exec n1 aegisctl key del aegis0 "$(dp_id 2)" slot primary
ip netns exec n2 aegisctl key del aegis0 "$(dp_id 1)" slot primary
: >"$tmp/ntf"
dp_keys 1 2 aes-gcm primary 1 soft-lifetime 2 hard-lifetime 4
ip netns exec n1 ping -c 2 -i 0.2 100.64.0.2 >/dev/null || fail "ping with a fresh key"
wait_until 6 grep -q rekey "$tmp/ntf"
wait_until 8 grep -q key-expired "$tmp/ntf"
ip netns exec n1 ping -c 2 -i 0.2 -W 1 100.64.0.2 >/dev/null && fail "ping with an expired key worked"
log "lifetimes: $(tr '\n' ';' <"$tmp/ntf")"

# Idle peers: nothing received for idle-timeout seconds.
ip netns exec n1 aegisctl dev set aegis0 idle-timeout 2
wait_until 8 grep -q peer-idle "$tmp/ntf"
log "idle: $(grep peer-idle "$tmp/ntf" | head -1)"
