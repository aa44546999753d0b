#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Replayed packets are refused (replay counter), bit-flipped ones fail
# authentication (auth counter); neither reaches the overlay.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"

dp_two_nodes
pcap=$(mktemp)
dp_capture 2 v21 'udp and dst port 5102' "$pcap" || fail "tcpdump did not start"
tpid=$DP_CAPTURE_PID
on_exit "kill $tpid 2>/dev/null"
ip netns exec n1 ping -c 10 -i 0.05 100.64.0.2 >/dev/null || fail ping
sleep 0.5
kill $tpid; wait $tpid 2>/dev/null || true
n=$(tcpdump -n -r "$pcap" 2>/dev/null | wc -l)
[ "$n" -ge 10 ] || fail "captured $n packets"

rx_before=$(dp_stat 2 1 rx_packets)
ip netns exec n1 udpprobe replay "$pcap" 10.201.2.2 5102
sleep 0.5
replay=$(dp_stat 2 1 drops.replay)
[ "$replay" -ge "$n" ] || fail "replayed $n packets, replay counter $replay"
[ "$(dp_stat 2 1 rx_packets)" = "$rx_before" ] || fail "a replayed packet was accepted"

ip netns exec n1 udpprobe replay "$pcap" 10.201.2.2 5102 --flip
sleep 0.5
auth=$(dp_stat 2 1 drops.auth)
[ "$auth" -ge "$n" ] || fail "flipped $n packets, auth counter $auth"
[ "$(dp_stat 2 1 rx_packets)" = "$rx_before" ] || fail "a tampered packet was accepted"
# A replay from another source address must not move the endpoint.
ip netns exec n2 aegisctl node show aegis0 "$(dp_id 1)" | grep -q 'endpoint: 10.201.2.1:5101' ||
	fail "endpoint changed by replayed packets"
ip netns exec n1 ping -c 2 -i 0.2 100.64.0.2 >/dev/null || fail "link broken afterwards"
log "replay $replay, auth $auth"
