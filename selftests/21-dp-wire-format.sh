#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# On the underlay: no plaintext, and every data packet starts 01xxxxxx
# (QUIC short header), with none of WireGuard's tell-tale shapes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"

dp_two_nodes
pcap=$(mktemp)
dp_capture 2 v21 udp "$pcap" || fail "tcpdump did not start"
tpid=$DP_CAPTURE_PID
on_exit "kill $tpid 2>/dev/null"
marker=6165676973706c61696e746578746d61726b6572 # "aegisplaintextmarker"
ip netns exec n1 ping -c 20 -i 0.05 -p "${marker:0:32}" 100.64.0.2 >/dev/null || fail ping
ip netns exec n1 ping -c 5 -i 0.05 -s 1300 -p "${marker:0:32}" fd00:64::2 >/dev/null || fail ping6
sleep 1
kill $tpid 2>/dev/null || true
wait $tpid 2>/dev/null || true

total=$(tcpdump -n -r "$pcap" udp 2>/dev/null | wc -l)
short=$(tcpdump -n -r "$pcap" 'udp[8] & 0xc0 = 0x40' 2>/dev/null | wc -l)
[ "$total" -ge 50 ] || fail "captured only $total packets"
[ "$short" = "$total" ] || fail "$((total - short)) of $total packets are not 01xxxxxx"
# WireGuard shape: type 1-4 then three zero bytes.
wg=$(tcpdump -n -r "$pcap" 'udp[8] < 5 and udp[9] = 0 and udp[10] = 0 and udp[11] = 0' 2>/dev/null | wc -l)
[ "$wg" = 0 ] || fail "$wg packets look like WireGuard"
if tcpdump -n -r "$pcap" -x 2>/dev/null | tr -d ' \n\t' | grep -q "${marker:0:16}"; then
	fail "plaintext marker visible on the wire"
fi
log "$total packets, all short-header, no plaintext"
