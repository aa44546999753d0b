#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A relay whose underlay aggregates UDP (GRO; here the veth from 1 with
# rx-gro-list on) gets the tunnel's datagrams as one GSO packet. UDP splits
# it again before encap_rcv, but each segment still points at the next
# (skb->next): a relay that sent one on as it came would send the rest of
# the list with it, and the same sk_buffs again when UDP hands them over,
# so the same memory would be in two paths at once. Each must be relayed
# once, alone: node 2 relays a UDP flood 1 -> 3 with GRO on its link from
# 1, the capture at 2 shows aggregated datagrams, 3 gets the flood with no
# duplicate (its replay window would count one), and the kernel log stays
# clean (vm-run fails the test on any warning).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"
tmp=$(mktemp -d)

dp_relay_line
ip netns exec n2 ethtool -K v21 gro on rx-gro-list on >/dev/null ||
	fail "ethtool: GRO with frag lists on the relay's link from 1"
# veth aggregates only what its sender does not offload segmentation for.
ip netns exec n1 ethtool -K v12 tso off >/dev/null || fail "ethtool: TSO off on 1's link"
ip netns exec n1 ping -c 2 -W 2 100.64.0.3 >/dev/null || fail "ping 1 -> 3 via 2"
ip netns exec n3 iperf3 -s -D -p 5201 >/dev/null
wait_until 5 ip netns exec n3 ss -ltn 'sport = 5201' | grep -q 5201

dp_capture 2 v21 "udp and ip[2:2] > 1500" "$tmp/gro.pcap"
tpid=$DP_CAPTURE_PID
rx0=$(dp_stat 3 1 rx_packets) rp0=$(dp_stat 3 1 drops.replay)
ip netns exec n1 iperf3 -c 100.64.0.3 -p 5201 -u -b 0 -l 200 -t 3 >"$tmp/flood.txt" 2>&1 ||
	fail "UDP flood through the relay: $(tail -n 3 "$tmp/flood.txt")"
sleep 1
kill "$tpid"; wait "$tpid" 2>/dev/null || true
gro=$(tcpdump -n -r "$tmp/gro.pcap" 2>/dev/null | wc -l)
rx=$(($(dp_stat 3 1 rx_packets) - rx0)) rp=$(($(dp_stat 3 1 drops.replay) - rp0))
log "relay with GRO on its underlay: $gro aggregated datagrams at 2; 3 got $rx packets of the flood, $rp replayed"
[ "$gro" -gt 0 ] || fail "the relay's link aggregated nothing: the test did not test"
[ "$rx" -ge 1000 ] || fail "only $rx packets of the flood reached 3"
[ "$rp" = 0 ] || fail "$rp packets reached 3 twice (replay drops): a GRO segment was relayed with the rest of its list"
ip netns exec n1 ping -c 3 -i 0.2 -W 2 100.64.0.3 >/dev/null || fail "ping 1 -> 3 after the flood"
