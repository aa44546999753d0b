#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The benchmark, inside the VM (see tools/bench, which boots the guest and
# then writes docs/performance.md). Also run by selftests/90-bench-smoke.sh
# in BENCH_QUICK mode inside its own guest.
#
# Sets every tunnel up at once, each in its own network namespaces joined by
# veth (the relay case has three), then measures them back to back,
# interleaved run by run so that a busy phase of a loaded host hits every
# tunnel alike:
#   veth           plain veth, no tunnel (the ceiling)
#   wireguard      the kernel's WireGuard (ChaCha20-Poly1305)
#   ipsec-gcm      ESP in UDP (port 4500), tunnel mode, rfc4106(gcm(aes)), 256-bit key
#   aegis-gcm      aegis0, AES-256-GCM, direct
#   aegis-chacha   aegis0, ChaCha20-Poly1305, direct
#   aegis-chacha-api  the same with chacha_impl=priority: the crypto API's
#                  highest-priority ChaCha20 and Poly1305, the code WireGuard
#                  runs (aegis0 otherwise uses the fastest it measured at load)
#   aegis-relay    aegis0, A -> B -> C, AES-256-GCM hop and end-to-end keys
# For each: iperf3 TCP 1 and 4 streams, UDP packets/s with 64-byte payloads,
# ping RTT (average, p99; and the median under the 4-stream load) and guest
# CPU-seconds per Gbit during the 1-stream TCP run. Each figure is the
# median of the runs (tools/bench-report.py).
#
# Environment:
#   BENCH_RUNS=N     runs per figure (default 3)
#   BENCH_TIME=S     seconds per iperf3 run (default 5)
#   BENCH_PINGS=N    pings per RTT figure, 10 ms apart (default 200)
#   BENCH_QUICK=1    1 run of 1 s, 50 pings (smoke test)
#   BENCH_OUT=FILE   results (default build/bench/results.json)
#   BENCH_CASES="a b"  only these tunnels (default: all seven)
#   BENCH_PROFILE=S  profile instead of measure: for each tunnel, a
#                  function_graph trace (ftrace) of S seconds in the middle
#                  of one TCP stream, with the packets sent in that window,
#                  into $(dirname BENCH_OUT)/profile/ (tools/profile reports)
# Output: a table, the ratios and, last, the line
#   aegis-gcm/ipsec-gcm=R1 aegis-chacha/wireguard=R2 relay/direct=R3
# A slow figure never fails the run; a tunnel that cannot be set up does.
#
# Every process start costs up to a second or two under TCG (binaries and
# libraries come over 9p), so the setup is batched: one `ip -batch` per
# namespace, one shell per aegis node for its aegisctl commands, and bash
# builtins instead of sleep/grep/head in the loops.
# shellcheck disable=SC2317 # functions called through on_exit and declare -f
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=SCRIPTDIR/../selftests/lib.sh
. selftests/lib.sh

RUNS=${BENCH_RUNS:-3}
TIME=${BENCH_TIME:-5}
PINGS=${BENCH_PINGS:-200}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	RUNS=1 TIME=1 PINGS=${BENCH_PINGS:-50}
fi
OUT=${BENCH_OUT:-build/bench/results.json}
CASES=${BENCH_CASES:-veth wireguard ipsec-gcm aegis-gcm aegis-chacha aegis-chacha-api aegis-relay}
PROFILE=${BENCH_PROFILE:-}
[ -z "$PROFILE" ] || [[ $PROFILE =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "BENCH_PROFILE must be a number of seconds, not '$PROFILE'"
for v in RUNS TIME PINGS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || fail "BENCH_$v must be a positive integer, not '${!v}'"
done

work=$(mktemp -d)
NSES=() # namespaces made here
PIDS=() # background processes started here
declare -A C_NS S_NS ADDR DEV MTU
declare -A NS_IP  # netns -> ip -batch commands
declare -A NS_CTL # netns -> shell commands (aegisctl) run in it

bench_cleanup() {
	local p
	for p in ${PIDS[@]+"${PIDS[@]}"}; do kill "$p" 2>/dev/null || true; done
	for p in ${PIDS[@]+"${PIDS[@]}"}; do wait "$p" 2>/dev/null || true; done
	if [ ${#NSES[@]} -gt 0 ]; then
		printf 'netns del %s\n' "${NSES[@]}" | ip -force -batch - 2>/dev/null || true
	fi
	rm -rf "$work"
}
on_exit bench_cleanup

# nap SECS: sleep without starting a process (read on a fifo nobody writes).
mkfifo "$work/nap"
exec {NAP_FD}<>"$work/nap"
nap() { read -rt "$1" -u "$NAP_FD" || true; }

# Elapsed guest time, for the log.
T0=${EPOCHREALTIME/./}
elapsed() { printf '%d.%ds' $(((${EPOCHREALTIME/./} - T0) / 1000000)) $(((${EPOCHREALTIME/./} - T0) / 100000 % 10)); }

# Random hex for the keys: one read of /dev/urandom, consumed by take().
RAND=$(od -An -vtx1 -N 1024 /dev/urandom | tr -d ' \n')
take() { # take N: the next N hex digits in $R
	R=${RAND:0:$1}
	RAND=${RAND:$1}
	[ ${#R} = "$1" ] || fail "out of random bytes"
}

newns() {
	local ns
	for ns in "$@"; do
		ROOT_IP+="netns add $ns"$'\n'
		NSES+=("$ns")
		NS_IP[$ns]+="link set lo up"$'\n'
	done
}

# veth NS1 IF1 ADDR1 NS2 IF2 ADDR2
veth() {
	ROOT_IP+="link add $2 netns $1 type veth peer name $5 netns $4"$'\n'
	NS_IP[$1]+="addr add $3 dev $2"$'\n'"link set $2 up"$'\n'
	NS_IP[$4]+="addr add $6 dev $5"$'\n'"link set $5 up"$'\n'
}

# bg NS PATTERN WHAT CMD...: start CMD in NS, wait until its output has PATTERN.
bg() {
	local ns=$1 pat=$2 what=$3 out i
	shift 3
	out=$work/bg.${#PIDS[@]}
	: >"$out"
	ip netns exec "$ns" "$@" >"$out" 2>&1 &
	PIDS+=($!)
	for ((i = 0; i < 300; i++)); do
		[[ $(<"$out") == *"$pat"* ]] && return 0
		nap 0.1
	done
	fail "setup: $what in $ns did not start: $(<"$out")"
}

# --- the tunnels ------------------------------------------------------------

setup_veth() {
	newns bv1 bv2
	veth bv1 veth0 10.30.0.1/24 bv2 veth0 10.30.0.2/24
	C_NS[veth]=bv1 S_NS[veth]=bv2 ADDR[veth]=10.30.0.2 DEV[veth]=veth0
}

setup_wireguard() {
	local i o
	newns bw1 bw2
	veth bw1 veth0 10.40.0.1/24 bw2 veth0 10.40.0.2/24
	for i in 1 2; do
		NS_IP[bw$i]+="link add wg0 type wireguard"$'\n'"addr add 10.41.0.$i/24 dev wg0"$'\n'
	done
	(umask 077 && wg genkey >"$work/wg1.key" && wg genkey >"$work/wg2.key")
	for i in 1 2; do
		o=$((3 - i))
		wg pubkey <"$work/wg$o.key" >"$work/wg$o.pub"
		NS_CTL[bw$i]+="wg set wg0 private-key $work/wg$i.key listen-port 51820 peer $(<"$work/wg$o.pub") allowed-ips 10.41.0.$o/32 endpoint 10.40.0.$o:51820 && ip link set wg0 up"$'\n'
	done
	C_NS[wireguard]=bw1 S_NS[wireguard]=bw2 ADDR[wireguard]=10.41.0.2 DEV[wireguard]=wg0
}

# ESP in UDP needs, in each namespace, a UDP socket on port 4500 with
# UDP_ENCAP (100) = UDP_ENCAP_ESPINUDP (2): that is what hands the
# datagrams arriving on 4500 to xfrm. A python3 process holds it.
ESP_HOLDER='
import socket, signal
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4500))
s.setsockopt(socket.IPPROTO_UDP, 100, 2)
print("READY", flush=True)
signal.pause()
'

setup_ipsec() {
	local i o k12 k21 aead='rfc4106(gcm(aes))'
	newns bi1 bi2
	veth bi1 veth0 10.50.0.1/24 bi2 veth0 10.50.0.2/24
	# 256-bit AES key + 32-bit salt, 128-bit ICV; one SA per direction.
	take 72 && k12=$R
	take 72 && k21=$R
	for i in 1 2; do
		o=$((3 - i))
		# Inner (tunnelled) addresses: /32s on lo, routed over the veth.
		NS_IP[bi$i]+="addr add 10.51.0.$i/32 dev lo
route add 10.51.0.$o/32 via 10.50.0.$o dev veth0 src 10.51.0.$i
xfrm state add src 10.50.0.1 dst 10.50.0.2 proto esp spi 0x1012 reqid 12 mode tunnel aead $aead 0x$k12 128 encap espinudp 4500 4500 0.0.0.0
xfrm state add src 10.50.0.2 dst 10.50.0.1 proto esp spi 0x2021 reqid 21 mode tunnel aead $aead 0x$k21 128 encap espinudp 4500 4500 0.0.0.0
xfrm policy add src 10.51.0.$i/32 dst 10.51.0.$o/32 dir out tmpl src 10.50.0.$i dst 10.50.0.$o proto esp reqid $i$o mode tunnel
xfrm policy add src 10.51.0.$o/32 dst 10.51.0.$i/32 dir in tmpl src 10.50.0.$o dst 10.50.0.$i proto esp reqid $o$i mode tunnel
"
	done
	C_NS[ipsec-gcm]=bi1 S_NS[ipsec-gcm]=bi2 ADDR[ipsec-gcm]=10.51.0.2 DEV[ipsec-gcm]=veth0
}

# The aegis nodes follow selftests/dp.sh: node n in netns "n$n", node id
# "$n" x 64, overlay 100.64.0.$n/16, UDP port 5100+n, wire a-b 10.20a.b.x/24.
nid() { printf -v R '%064d' 0 && R=${R//0/$1}; }
anode() {
	newns "n$1"
	nid "$1"
	NS_IP[n$1]+="link add aegis0 type aegisray
addr add 100.64.0.$1/16 dev aegis0
link set aegis0 up
"
	NS_CTL[n$1]+="aegisctl dev set aegis0 node-id $R"$'\n'
}
awire() { veth "n$1" "v$1$2" "10.20$1.$2.$1/24" "n$2" "v$2$1" "10.20$1.$2.$2/24"; }
# apeer A B [extra]: A knows B directly at B's wire address, routes B's /32.
apeer() {
	local a=$1 b=$2 lo=$1 hi=$2
	shift 2
	[ "$a" -lt "$b" ] || { lo=$b hi=$a; }
	nid "$b"
	NS_CTL[n$a]+="aegisctl node add aegis0 $R endpoint 10.20$lo.$hi.$b:$((5100 + b)) $*
aegisctl prefix add aegis0 $R 100.64.0.$b/32
"
}
# avia A B VIA: A reaches B through VIA, with B's /32.
avia() {
	local via
	nid "$3" && via=$R
	nid "$2"
	NS_CTL[n$1]+="aegisctl node add aegis0 $R via $via
aegisctl prefix add aegis0 $R 100.64.0.$2/32
"
}
# akeys A B CIPHER: a fresh session between A and B on both sides.
akeys() {
	local a=$1 b=$2 c=$3 k1 k2 s1 s2 i1 i2 ida idb
	take 64 && k1=$R
	take 64 && k2=$R
	take 8 && s1=$R
	take 8 && s2=$R
	take 16 && i1=$R
	take 16 && i2=$R
	nid "$a" && ida=$R
	nid "$b" && idb=$R
	NS_CTL[n$a]+="aegisctl key add aegis0 $idb slot primary key-id 0 cipher $c rx-index $i1 tx-index $i2 enc-key $k1 enc-salt $s1 dec-key $k2 dec-salt $s2"$'\n'
	NS_CTL[n$b]+="aegisctl key add aegis0 $ida slot primary key-id 0 cipher $c rx-index $i2 tx-index $i1 enc-key $k2 enc-salt $s2 dec-key $k1 dec-salt $s1"$'\n'
}

setup_aegis_gcm() {
	anode 1 && anode 2 && awire 1 2
	apeer 1 2 && apeer 2 1 && akeys 1 2 aes-gcm
	C_NS[aegis-gcm]=n1 S_NS[aegis-gcm]=n2 ADDR[aegis-gcm]=100.64.0.2 DEV[aegis-gcm]=aegis0
}

setup_aegis_chacha() {
	anode 3 && anode 4 && awire 3 4
	apeer 3 4 && apeer 4 3 && akeys 3 4 chacha20poly1305
	C_NS[aegis-chacha]=n3 S_NS[aegis-chacha]=n4 ADDR[aegis-chacha]=100.64.0.4 DEV[aegis-chacha]=aegis0
}

# Keys made with chacha_impl=priority (aead_impl.c): the implementation the
# crypto API ranks highest, which runs the same arch code as WireGuard's
# library calls. The parameter goes back to what it was (the name read back
# pins the same implementation) before anything else makes a key.
setup_aegis_chacha_api() {
	local n p=/sys/module/aegisray/parameters/chacha_impl
	anode 8 && anode 9 && awire 8 9
	apeer 8 9 && apeer 9 8
	for n in 8 9; do NS_CTL[n$n]+="old=\$(<$p); echo priority >$p"$'\n'; done
	akeys 8 9 chacha20poly1305
	for n in 8 9; do NS_CTL[n$n]+="echo \"\$old\" >$p"$'\n'; done
	C_NS[aegis-chacha-api]=n8 S_NS[aegis-chacha-api]=n9 ADDR[aegis-chacha-api]=100.64.0.9 DEV[aegis-chacha-api]=aegis0
}

# 5 -> 6 -> 7: no underlay path between 5 and 7; 6 relays for both. AES-GCM
# hop keys 5-6 and 6-7, and AES-GCM end-to-end keys 5-7 that 6 never has.
setup_aegis_relay() {
	anode 5 && anode 6 && anode 7 && awire 5 6 && awire 6 7
	apeer 5 6 && apeer 6 5 relay on && apeer 6 7 relay on && apeer 7 6
	akeys 5 6 aes-gcm && akeys 6 7 aes-gcm
	avia 5 7 6 && avia 7 5 6
	akeys 5 7 aes-gcm
	C_NS[aegis-relay]=n5 S_NS[aegis-relay]=n7 ADDR[aegis-relay]=100.64.0.7 DEV[aegis-relay]=aegis0
}

# --- measurements -----------------------------------------------------------

# Runs in the client's netns (one process start for all of a run's figures):
# client ADDR DEV DIR TIME PINGS NAP_FD [SERVER_NS]. Failures are recorded,
# never fatal. With SERVER_NS (aegis0 cases), aegis0's drop counters on both
# ends are taken around the 1-stream TCP run.
# During the 1-stream TCP run, a sampler (builtins only) records every
# 0.25 s the time, DEV's tx_packets and the /proc/stat "cpu" line, so that
# the CPU cost is taken over the seconds when traffic flowed, leaving out
# the start of iperf3 (expensive under TCG) and its closing exchange.
client() {
	local addr=$1 dev=$2 d=$3 t=$4 pings=$5 nap_fd=$6 sns=${7:-} line spid
	mkdir -p "$d"
	sample() {
		local tx cpu
		while :; do
			read -r tx <"/sys/class/net/$dev/statistics/tx_packets"
			read -r cpu </proc/stat
			echo "$EPOCHREALTIME $tx $cpu"
			read -rt 0.25 -u "$nap_fd" || true
		done
	}
	# The client netns' TCP counters (retransmits, reordering, DSACKs).
	snap() {
		local l f
		for f in /proc/net/netstat /proc/net/snmp; do
			while IFS= read -r l; do echo "$l"; done <"$f"
		done >"$d/$1"
	}
	one() { # one TEST IPERF-ARGS...
		local name=$1 rc=0
		shift
		read -r line </proc/stat && echo "$line" >"$d/$name.cpu"
		timeout $((t + 60)) iperf3 -c "$addr" -p 5201 -t "$t" --connect-timeout 10000 -J "$@" \
			>"$d/$name.json" 2>"$d/$name.err" || rc=$?
		read -r line </proc/stat && echo "$line" >>"$d/$name.cpu"
		[ "$rc" = 0 ] || echo "iperf3 $name failed (status $rc): $(<"$d/$name.err")"
	}
	# aegis0's drop counters (all nodes, JSON) here and at the server.
	drops() {
		[ -n "$sns" ] || return 0
		aegisctl node show aegis0 --json >"$d/$1.client" 2>&1 || true
		ip netns exec "$sns" aegisctl node show aegis0 --json >"$d/$1.server" 2>&1 || true
	}
	# RTT first, on an idle path.
	timeout $((pings / 20 + 60)) ping -n -c "$pings" -i 0.01 -W 2 "$addr" >"$d/ping.txt" 2>&1 ||
		echo "ping incomplete: $(tail -n 2 "$d/ping.txt")"
	snap tcp1.mib0
	drops tcp1.drops0
	sample >"$d/tcp1.samples" &
	spid=$!
	one tcp1
	kill "$spid"
	wait "$spid" 2>/dev/null || true
	snap tcp1.mib1
	drops tcp1.drops1
	# RTT under load: pings 100 ms apart during the 4-stream run, from
	# 1.5 s in (iperf3 takes a while to start under TCG) to 0.5 s before
	# its end. Runs shorter than 3 s (quick mode) leave it out.
	local lpid=
	if [ "$t" -ge 3 ]; then
		{
			read -rt 1.5 -u "$nap_fd" || true
			timeout $((t + 30)) ping -n -c $(((t - 2) * 10)) -i 0.1 -W 2 "$addr" \
				>"$d/ping-load.txt" 2>&1 || true
		} &
		lpid=$!
	fi
	one tcp4 -P 4
	[ -z "$lpid" ] || wait "$lpid"
	one udp -u -l 64 -b 0
	# Let the UDP flood drain (queues, workers) before the next tunnel.
	read -rt 1 -u "$nap_fd" || true
}

measure() {
	local c=$1 r=$2 out
	out=$(ip netns exec "${C_NS[$c]}" bash -c "$(declare -f client); client \"\$@\"" client \
		"${ADDR[$c]}" "${DEV[$c]}" "$work/$c/$r" "$TIME" "$PINGS" "$NAP_FD" \
		"$([ "${DEV[$c]}" = aegis0 ] && echo "${S_NS[$c]}")" 2>&1) || true
	[ -z "$out" ] || printf '%s\n' "$out" | while IFS= read -r l; do log "  $c run $r: $l"; done
}

# --- profile (BENCH_PROFILE) --------------------------------------------------
# perf's cpu-clock sampling is useless under TCG (its samples land in the
# idle loop), but function_graph times each call of the functions below
# with the clock, wherever it runs. Names missing from this kernel or
# module are skipped. Each traced call costs a microsecond or two, so the
# list is the data path's stages, not every helper.
PROFILE_FUNCS="aegis_xmit aegis_tx_worker aegis_seal aegis_seal_relay aegis_tx_drain
 aegis_tx_xmit aegis_encap_rcv aegis_relay_rcv aegis_open_relay aegis_rx_worker
 aegis_open aegis_rx_poll aegis_aead
 wg_xmit wg_packet_encrypt_worker wg_packet_tx_worker wg_packet_receive
 wg_packet_decrypt_worker wg_packet_rx_poll chacha20poly1305_encrypt_sg_inplace
 chacha20poly1305_decrypt_sg_inplace
 xfrm_output esp_output esp_input xfrm_input
 tcp_sendmsg __skb_gso_segment udp_tunnel_xmit_skb ip_rcv udp_rcv veth_xmit
 napi_gro_receive tcp_v4_rcv skb_copy_datagram_iter crypto_aead_encrypt
 crypto_aead_decrypt net_rx_action"
TRACEFS=/sys/kernel/tracing

profile_setup() {
	local f
	mountpoint -q "$TRACEFS" || mount -t tracefs nodev "$TRACEFS" || fail "profile: cannot mount tracefs"
	echo nop >"$TRACEFS/current_tracer"
	: >"$TRACEFS/set_ftrace_filter"
	for f in $PROFILE_FUNCS; do
		echo "$f" >>"$TRACEFS/set_ftrace_filter" 2>/dev/null || log "profile: no function $f here"
	done
	echo 0 >"$TRACEFS/tracing_on"
	echo 32768 >"$TRACEFS/buffer_size_kb"
	echo function_graph >"$TRACEFS/current_tracer" || fail "profile: no function_graph tracer"
	echo 1 >"$TRACEFS/options/funcgraph-tail"
	echo 0 >"$TRACEFS/options/funcgraph-irqs"
	# The client shell runs in its netns, where /sys has no tracefs: it
	# switches tracing through this descriptor.
	exec {TRACE_ON_FD}>"$TRACEFS/tracing_on"
}

# In the client netns: one TCP stream; tracing on for S seconds once it runs.
profile_client() {
	local addr=$1 dev=$2 d=$3 s=$4 nap_fd=$5 on_fd=$6 p0 p1 t0 t1 ipid
	timeout $((${s%.*} + 60)) iperf3 -c "$addr" -p 5201 -t $((${s%.*} + 4)) -J >"$d/iperf.json" 2>&1 &
	ipid=$!
	read -rt 2 -u "$nap_fd" || true
	read -r p0 <"/sys/class/net/$dev/statistics/tx_packets"
	t0=$EPOCHREALTIME
	echo 1 >&"$on_fd"
	read -rt "$s" -u "$nap_fd" || true
	echo 0 >&"$on_fd"
	t1=$EPOCHREALTIME
	read -r p1 <"/sys/class/net/$dev/statistics/tx_packets"
	wait "$ipid" || echo "iperf3 failed: $(<"$d/iperf.json")"
	echo "packets $((p1 - p0)) seconds $t0 $t1 vcpus $(nproc)" >"$d/window"
}

profile() {
	local c d out
	d=$(dirname "$OUT")/profile
	rm -rf "$d" && mkdir -p "$d" || fail "profile: cannot make $d"
	profile_setup
	for c in $CASES; do
		log "profile: $c ($(elapsed))"
		mkdir -p "$d/$c"
		: >"$TRACEFS/trace"
		out=$(ip netns exec "${C_NS[$c]}" bash -c "$(declare -f profile_client); profile_client \"\$@\"" \
			profile_client "${ADDR[$c]}" "${DEV[$c]}" "$d/$c" "$PROFILE" "$NAP_FD" "$TRACE_ON_FD" 2>&1) || true
		[ -z "$out" ] || log "  $c: $out"
		cp "$TRACEFS/trace" "$d/$c/trace.txt" || fail "profile: cannot copy the trace"
	done
	echo nop >"$TRACEFS/current_tracer"
	: >"$TRACEFS/set_ftrace_filter"
	log "profiled ($(elapsed)): $d"
}

# --- main -------------------------------------------------------------------

main() {
	local c ns r mtu_re='mtu ([0-9]+)'
	log "tunnels: $CASES; $RUNS run(s) of ${TIME}s, $PINGS pings"
	ROOT_IP=''
	for c in $CASES; do
		case $c in
		veth) setup_veth ;;
		wireguard) setup_wireguard ;;
		ipsec-gcm) setup_ipsec ;;
		aegis-gcm) setup_aegis_gcm ;;
		aegis-chacha) setup_aegis_chacha ;;
		aegis-chacha-api) setup_aegis_chacha_api ;;
		aegis-relay) setup_aegis_relay ;;
		*) fail "unknown tunnel '$c' (BENCH_CASES)" ;;
		esac
	done
	modprobe -a wireguard esp4 || fail "setup: modprobe wireguard esp4"
	printf '%s' "$ROOT_IP" | ip -batch - || fail "setup: namespaces and veths"
	for ns in "${NSES[@]}"; do
		printf '%s' "${NS_IP[$ns]}" | ip -n "$ns" -batch - || fail "setup: ip in $ns"
	done
	log "setup: namespaces, links, addresses, xfrm ($(elapsed))"
	for ns in "${NSES[@]}"; do
		[ -z "${NS_CTL[$ns]:-}" ] && continue
		ip netns exec "$ns" bash -ec "${NS_CTL[$ns]}" || fail "setup: commands in $ns:"$'\n'"${NS_CTL[$ns]}"
	done
	log "setup: wg and aegisctl configuration ($(elapsed))"
	# Which AEAD implementations aegis0's keys use, and what the module
	# measured when it loaded (kernel/aead_impl.c), for the report.
	{
		for p in gcm_impl chacha_impl; do
			echo "$p=$(</sys/module/aegisray/parameters/$p)"
		done
		dmesg | grep -o 'aegisray: [^ ]*: .*MB/s.*' || true
	} >"$work/aead_impl.txt"
	# Long-lived helpers: aegis sockets, the ESP-in-UDP sockets, iperf3 servers.
	for ns in "${NSES[@]}"; do
		if [[ $ns == n[0-9] ]]; then
			bg "$ns" bound "aegisctl bind" aegisctl bind aegis0 udp4 $((5100 + ${ns#n}))
		elif [[ $ns == bi[0-9] ]]; then
			bg "$ns" READY "the UDP_ENCAP socket" python3 -c "$ESP_HOLDER"
		fi
	done
	for c in $CASES; do
		bg "${S_NS[$c]}" "listening" "iperf3 -s" iperf3 -s -p 5201 --forceflush
	done
	log "setup done ($(elapsed))"
	# Every tunnel carries a ping before anything is timed.
	for c in $CASES; do
		ping_ok() { ip netns exec "${C_NS[$c]}" ping -n -c 1 -W 1 "${ADDR[$c]}" >/dev/null 2>&1; }
		wait_until 30 ping_ok
		[[ $(ip -n "${C_NS[$c]}" -o link show dev "${DEV[$c]}") =~ $mtu_re ]] && MTU[$c]=${BASH_REMATCH[1]}
		log "$c: ${C_NS[$c]} -> ${S_NS[$c]} ${ADDR[$c]} via ${DEV[$c]} (mtu ${MTU[$c]:-?}) works"
	done
	# The AEAD drivers the tunnels instantiated (IPsec's states, aegis0's
	# keys; WireGuard calls its library directly), for the report.
	awk -F' *: ' '$1 == "name" { n = $2 } $1 == "driver" { d = $2 } $1 == "internal" { i = $2 }
		$1 == "type" && $2 == "aead" && i == "no" && n ~ /gcm|rfc4106|rfc7539/ { print "driver=" n " " d }' \
		/proc/crypto | sort -u >>"$work/aead_impl.txt"

	if [ -n "$PROFILE" ]; then
		profile
		return
	fi
	for r in $(seq "$RUNS"); do
		for c in $CASES; do
			log "run $r/$RUNS: $c ($(elapsed))"
			measure "$c" "$r"
		done
	done

	for c in $CASES; do
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "${C_NS[$c]}" "${S_NS[$c]}" "${ADDR[$c]}" \
			"${DEV[$c]}" "${MTU[$c]:-0}"
	done >"$work/cases.tsv"
	log "measured ($(elapsed))"
	python3 tools/bench-report.py summarize "$work" "$OUT" \
		--runs "$RUNS" --time "$TIME" --pings "$PINGS" --quick "${BENCH_QUICK:-0}"
}

# All of the script is read before main runs: editing it during a run is harmless.
main "$@"
exit
