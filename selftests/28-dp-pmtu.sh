#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# MTU: oversized DF packets routed into aegis0 get "fragmentation needed"
# (IPv4) or "packet too big" (IPv6) with the tunnel MTU; a smaller underlay
# MTU still carries full-size tunnel packets (the outer layer fragments);
# packets with no route get an ICMP unreachable.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"

dp_two_nodes
# A LAN host (9) behind node 1, which routes for it.
ip netns add n9
DP_NODES+=(9)
ip link add v19 netns n1 type veth peer name v91 netns n9
ip -n n1 addr add 192.168.77.1/24 dev v19
ip -n n9 addr add 192.168.77.9/24 dev v91
ip -n n1 addr add fd77::1/64 dev v19 nodad
ip -n n9 addr add fd77::9/64 dev v91 nodad
ip -n n1 link set v19 up
ip -n n9 link set v91 up
ip -n n9 route add default via 192.168.77.1
ip -n n9 -6 route add default via fd77::1
ip netns exec n1 sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip netns exec n2 aegisctl prefix add aegis0 "$(dp_id 1)" 192.168.77.0/24
ip netns exec n2 aegisctl prefix add aegis0 "$(dp_id 1)" fd77::/64
ip -n n2 route add 192.168.77.0/24 dev aegis0
ip -n n2 -6 route add fd77::/64 dev aegis0

ip netns exec n9 ping -c 2 -i 0.2 -W 2 100.64.0.2 >/dev/null || fail "routed ping"
out=$(ip netns exec n9 ping -c 1 -W 2 -M "do" -s 1450 100.64.0.2 2>&1 || true)
grep -q 'mtu = 1420' <<<"$out" || fail "no frag-needed with mtu 1420: $out"
out=$(ip netns exec n9 ping -c 2 -i 0.5 -W 2 -M "do" -s 1450 fd00:64::2 2>&1 || true)
grep -qi 'mtu' <<<"$out" || fail "no packet-too-big: $out"
ip netns exec n9 ping -c 2 -W 2 -M "do" -s 1392 100.64.0.2 >/dev/null || fail "a full 1420 packet"
log "frag-needed and packet-too-big with the tunnel MTU"

# Underlay MTU below what full-size tunnel packets need.
ip -n n1 link set v12 mtu 1400
ip -n n2 link set v21 mtu 1400
ip netns exec n1 ping -c 3 -i 0.2 -W 2 -s 1392 -M "do" 100.64.0.2 >/dev/null ||
	fail "full-size packets over a 1400-byte underlay"
log "full-size tunnel packets cross a 1400-byte underlay"

# No route in the tunnel: a routed sender gets ICMP unreachable, a local
# one an error from sendmsg().
out=$(ip netns exec n9 ping -c 1 -W 2 100.64.5.5 2>&1 || true)
grep -qi 'unreachable' <<<"$out" || fail "no ICMP unreachable for an unrouted address: $out"
out=$(ip netns exec n9 ping -c 1 -W 2 fd00:64::55 2>&1 || true)
grep -qi 'unreachable' <<<"$out" || fail "no ICMPv6 unreachable for an unrouted address: $out"
out=$(ip netns exec n1 ping -c 1 -W 2 100.64.5.5 2>&1 || true)
grep -qi 'no route to host' <<<"$out" || fail "no error for a local sender: $out"
log "unrouted destination: unreachable"
