#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A reaches C through B with no direct path: end-to-end AEAD inside hop
# AEAD from A to B, so B sees no plaintext; B hands C the bare end-to-end
# packet (no hop layer on the last hop), which C neither roams on nor takes
# from anyone without the end-to-end key; the path MTU through the relay
# leaves room for the relay layer, so the underlay never fragments; B
# relays only for neighbours allowed to relay; a routing loop dies at the
# hop limit and is counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"
tmp=$(mktemp -d)

dp_relay_line

dp_capture 2 v21 udp "$tmp/b.pcap"
tpid=$DP_CAPTURE_PID
marker=72656c6179706c61696e746578746d6b # "relayplaintextmk"
ip netns exec n1 ping -c 5 -i 0.1 -W 2 -p "$marker" 100.64.0.3 >/dev/null || fail "ping 1 -> 3 via 2"
ip netns exec n3 ping -c 3 -i 0.1 -W 2 fd00:64::1 >/dev/null || fail "ping6 3 -> 1 via 2"
ip netns exec n3 iperf3 -s -D -p 5201 >/dev/null
wait_until 5 ip netns exec n3 ss -ltn 'sport = 5201' | grep -q 5201
# Ip ReasmReqds: fragments of outer datagrams that arrived in namespace $1.
reasm() { ip netns exec "$1" awk '$1 == "Ip:" && !h { for (i = 2; i <= NF; i++) if ($i == "ReasmReqds") c = i; h = 1; next } $1 == "Ip:" { print $c }' /proc/net/snmp; }
r2=$(reasm n2) r3=$(reasm n3)
ip netns exec n1 iperf3 -c 100.64.0.3 -p 5201 -t 2 >/dev/null || fail "iperf3 through the relay"
# Relayed frames carry 63 bytes more than direct ones: the path MTU to a
# relayed node is 1420 - 63 = 1357, so full-size TCP segments through the
# relay fit the 1500-byte underlay and are never fragmented.
d2=$(($(reasm n2) - r2)) d3=$(($(reasm n3) - r3))
[ "$d2" = 0 ] && [ "$d3" = 0 ] || fail "relayed TCP was fragmented on the underlay ($d2 fragments at the relay, $d3 at 3)"
out=$(ip netns exec n1 ping -c 2 -i 0.3 -W 2 -M "do" -s 1392 100.64.0.3 2>&1 || true)
grep -Eq 'mtu ?= ?1357' <<<"$out" || fail "no frag-needed with the relayed path MTU 1357: $out"
out=$(ip netns exec n1 ping -c 2 -i 0.3 -W 2 -M "do" -s 1372 fd00:64::3 2>&1 || true)
grep -Eq 'mtu ?= ?1357' <<<"$out" || fail "no packet-too-big with the relayed path MTU 1357: $out"
ip netns exec n1 ping -c 2 -i 0.3 -W 2 -M "do" -s 1329 100.64.0.3 >/dev/null || fail "a 1357-byte packet through the relay"
ip netns exec n1 ping -c 2 -i 0.3 -W 2 -M "do" -s 1309 fd00:64::3 >/dev/null || fail "a 1357-byte IPv6 packet through the relay"
ip netns exec n1 ping -c 1 -W 2 -M "do" -s 1392 100.64.0.2 >/dev/null || fail "a 1420-byte packet to the direct neighbour"
log "path MTU through the relay 1357 (direct 1420); no underlay fragments"
sleep 0.5
kill $tpid; wait $tpid 2>/dev/null || true
if tcpdump -n -r "$tmp/b.pcap" -x 2>/dev/null | tr -d ' \n\t' | grep -q "${marker:0:16}"; then
	fail "the relay saw plaintext"
fi
# The relay has no end-to-end key: it never decrypted anything for 3 from 1.
[ "$(dp_stat 3 1 rx_packets)" -gt 0 ] || fail "3 counted nothing from 1"
log "relay ok, no plaintext at the relay"

# The wire, both legs of one ping (1028-byte inner ICMP packet): 1 -> 2 is
# a relay packet (L bit) of 13 + 47 + 1028 + 16 + 16 = 1120 bytes; 2 -> 3
# is the bare end-to-end data packet, 13 + 1028 + 16 = 1057 bytes, L clear.
dp_capture 2 v21 "udp and dst port 5102" "$tmp/leg1.pcap"
tpid=$DP_CAPTURE_PID
dp_capture 3 v32 "udp and dst port 5103" "$tmp/leg2.pcap"
tpid2=$DP_CAPTURE_PID
last2=$(dp_stat 3 2 last_rx_ns)
ip netns exec n1 ping -c 5 -i 0.1 -W 2 -s 1000 100.64.0.3 >/dev/null || fail "ping -s 1000 1 -> 3"
sleep 0.5
kill $tpid $tpid2; wait $tpid $tpid2 2>/dev/null || true
leg() { tcpdump -n -r "$tmp/$1.pcap" "$2" 2>/dev/null | wc -l; }
n=$(leg leg1 'udp[4:2] = 1128 and udp[8] & 0xd0 = 0x50')
[ "$n" = 5 ] || fail "1 -> 2: $n of 5 relay packets of 1120 bytes with the L bit ($(leg leg1 udp) frames)"
n=$(leg leg2 'udp[4:2] = 1065 and udp[8] & 0xd8 = 0x40')
[ "$n" = 5 ] || fail "2 -> 3: $n of 5 bare data packets of 1057 bytes ($(leg leg2 udp) frames)"
[ "$(leg leg2 'udp[8] & 0x10 = 0x10')" = 0 ] || fail "2 sent relay packets to their destination 3"
# 3 does not move 1's endpoint to the relay's address (1 is behind 2)...
[ "$(dp_stat 3 1 endpoint)" = 0 ] || fail "3 roamed 1 to $(dp_stat 3 1 endpoint)"
# ... and counts the relay alive: 2 sent nothing of its own to 3.
[ "$(dp_stat 3 2 last_rx_ns)" -gt "$last2" ] || fail "3 did not count relay 2 alive for the frames it handed on"
log "last hop: bare end-to-end packets, 63 bytes smaller; no roaming to the relay"

# replay_frames AT FROM IF ADDR OWNER: capture the frames (1 -> 3) that
# node AT receives from neighbour FROM on veth IF, then send them to AT
# (ADDR, AT's port) again from FROM's namespace, as they were and with a
# bit flipped (the relay block at 2, the ciphertext at 3). They are
# refused (replay, auth: counted at AT against OWNER, whose key they
# carry: 1's hop key at 2, 1's end-to-end key at 3) and 3 delivers nothing
# more from 1.
replay_frames() {
	local at=$1 from=$2 ifc=$3 addr=$4 owner=$5 pcap=$tmp/replay-$1.pcap tpid n rx3 rp au drp dau
	dp_capture "$at" "$ifc" "udp and dst port $((5100 + at))" "$pcap"
	tpid=$DP_CAPTURE_PID
	ip netns exec n1 ping -c 10 -i 0.05 100.64.0.3 >/dev/null || fail "ping 1 -> 3 for the capture at $at"
	sleep 0.5
	kill $tpid; wait $tpid 2>/dev/null || true
	n=$(tcpdump -n -r "$pcap" 2>/dev/null | wc -l)
	[ "$n" -ge 5 ] || fail "captured only $n relay frames at $at"
	rx3=$(dp_stat 3 1 rx_packets) rp=$(dp_stat "$at" "$owner" drops.replay) au=$(dp_stat "$at" "$owner" drops.auth)
	ip netns exec "n$from" udpprobe replay "$pcap" "$addr" $((5100 + at)) >/dev/null
	ip netns exec "n$from" udpprobe replay "$pcap" "$addr" $((5100 + at)) --flip >/dev/null
	sleep 0.5
	drp=$(($(dp_stat "$at" "$owner" drops.replay) - rp)) dau=$(($(dp_stat "$at" "$owner" drops.auth) - au))
	[ "$drp" -ge "$n" ] || fail "$n frames replayed to $at, replay counter +$drp"
	[ "$dau" -ge "$n" ] || fail "$n frames tampered to $at, auth counter +$dau"
	[ "$(dp_stat 3 1 rx_packets)" = "$rx3" ] || fail "a replayed or tampered frame sent to $at reached 3"
	ip netns exec n1 ping -c 2 -i 0.1 -W 2 100.64.0.3 >/dev/null || fail "ping 1 -> 3 after the replays to $at"
	log "frames replayed ($drp) or tampered ($dau) to $at: dropped there"
}
# At the relay, in its receive softirq, and at the destination.
replay_frames 2 1 v21 10.201.2.2 1
replay_frames 3 2 v32 10.202.3.3 1

# 2 stops relaying for 1: frames from 1 are refused and counted.
ip netns exec n2 aegisctl node set aegis0 "$(dp_id 1)" relay off
ip netns exec n1 ping -c 3 -i 0.1 -W 1 100.64.0.3 >/dev/null && fail "relay for a denied neighbour"
[ "$(dp_stat 2 1 drops.relay_denied)" -ge 3 ] || fail "relay_denied not counted"
ip netns exec n2 aegisctl node set aegis0 "$(dp_id 1)" relay on

# Forged frames (not from an authenticated neighbour) are never forwarded.
dp_capture 2 v23 "udp and dst port 5103" "$tmp/forged.pcap"
tpid=$DP_CAPTURE_PID
ip netns exec n1 udpprobe fuzz 10.201.2.2 5102 2000 7 >/dev/null
sleep 0.5
kill $tpid; wait $tpid 2>/dev/null || true
n=$(tcpdump -n -r "$tmp/forged.pcap" 2>/dev/null | wc -l)
[ "$n" = 0 ] || fail "forged frames were forwarded to 3 ($n datagrams from 2 to 3)"
log "no forwarding of forged frames"

# A loop: 2 thinks 3 is behind 1, 1 thinks 3 is behind 2.
ip netns exec n2 aegisctl node set aegis0 "$(dp_id 3)" via "$(dp_id 1)"
ip netns exec n1 aegisctl node set aegis0 "$(dp_id 2)" relay on
ip netns exec n1 ping -c 2 -i 0.2 -W 1 100.64.0.3 >/dev/null && fail "ping through a loop"
hops=$(( $(dp_stat 1 2 drops.hop_limit) + $(dp_stat 2 1 drops.hop_limit) ))
[ "$hops" -ge 2 ] || fail "hop-limit drops: $hops"
log "loop killed by the hop limit ($hops)"

# What a relay hands on to a destination, under its own address, is only
# ever a data packet for another node. Relay packets sealed with a hop key
# 2 holds for 1 (installed here, so that the test can seal them):
# addressed to the relay itself, or carrying a control (long header) or
# relay header inside, are refused as malformed; a well-formed one is
# handed on to 3.
ip netns exec n2 aegisctl node set aegis0 "$(dp_id 3)" via direct
hk=$(openssl rand -hex 32) hs=$(openssl rand -hex 4) hi=$(openssl rand -hex 8)
ip netns exec n2 aegisctl key add aegis0 "$(dp_id 1)" slot secondary key-id 1 \
	cipher aes-gcm rx-index "$hi" tx-index "$(openssl rand -hex 8)" \
	enc-key "$(openssl rand -hex 32)" enc-salt "$(openssl rand -hex 4)" \
	dec-key "$hk" dec-salt "$hs"
craft() { ip netns exec n1 python3 "$(dirname "$0")/relay_craft.py" 10.201.2.2 5102 "$hk" 1 "$hs" "$hi" "$@" >/dev/null; }
mal=$(dp_stat 2 1 drops.malformed) tx3=$(dp_stat 2 3 tx_packets)
craft 0 "$(dp_id 2)" 0x40 || fail "relay_craft.py"
craft 1 "$(dp_id 3)" 0xc0
craft 2 "$(dp_id 3)" 0x50
craft 3 "$(dp_id 3)" 0x48
sleep 0.5
[ "$(($(dp_stat 2 1 drops.malformed) - mal))" = 4 ] ||
	fail "crafted bad relay packets: malformed +$(($(dp_stat 2 1 drops.malformed) - mal)), want 4"
[ "$(dp_stat 2 3 tx_packets)" = "$tx3" ] || fail "2 handed a bad relay packet on to 3"
craft 4 "$(dp_id 3)" 0x40
handed_on() { [ "$(dp_stat 2 3 tx_packets)" -gt "$tx3" ]; }
wait_until 5 handed_on
[ "$(($(dp_stat 2 1 drops.malformed) - mal))" = 4 ] || fail "the well-formed crafted packet was counted malformed"
log "relay packets for the relay itself, or with a control or relay header inside: refused"
