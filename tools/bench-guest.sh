#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The benchmark, inside the VM (see tools/bench, which boots the guest and
# then writes docs/performance.md). Also run by selftests/90-bench-smoke.sh
# in BENCH_QUICK mode inside its own guest.
#
# Builds every tunnel at once, each in its own network namespaces joined by
# veth (the relay case has three), then measures them back to back,
# interleaved run by run so that a slow phase of a loaded host hits every
# tunnel alike:
#   veth           plain veth, no tunnel (the ceiling)
#   wireguard      the kernel's WireGuard (ChaCha20-Poly1305)
#   ipsec-gcm      ESP in UDP (port 4500), tunnel mode, rfc4106(gcm(aes)), 256-bit key
#   aegis-gcm      aegis0, AES-256-GCM, direct
#   aegis-chacha   aegis0, ChaCha20-Poly1305, direct
#   aegis-relay    aegis0, A -> B -> C, AES-256-GCM hop and end-to-end keys
# For each: iperf3 TCP 1 and 4 streams, UDP packets/s with 64-byte payloads,
# ping RTT (average, p99) and guest CPU-seconds per Gbit during the 1-stream
# TCP run. Each figure is the median of the runs.
#
# Environment:
#   BENCH_RUNS=N     runs per figure (default 3)
#   BENCH_TIME=S     seconds per iperf3 run (default 5)
#   BENCH_PINGS=N    pings per RTT figure, 10 ms apart (default 200)
#   BENCH_QUICK=1    1 run of 1 s, 50 pings (smoke test)
#   BENCH_OUT=FILE   results (default build/bench/results.json)
#   BENCH_CASES="a b"  only these tunnels (default: all six)
# Output: a table, the ratios and, last, the line
#   aegis-gcm/ipsec-gcm=R1 aegis-chacha/wireguard=R2 relay/direct=R3
# A slow figure never fails the run; a tunnel that cannot be set up does.
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=SCRIPTDIR/../selftests/lib.sh
. selftests/lib.sh
# shellcheck source=SCRIPTDIR/../selftests/dp.sh
. selftests/dp.sh

RUNS=${BENCH_RUNS:-3}
TIME=${BENCH_TIME:-5}
PINGS=${BENCH_PINGS:-200}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	RUNS=1 TIME=1 PINGS=${BENCH_PINGS:-50}
fi
OUT=${BENCH_OUT:-build/bench/results.json}
CASES=${BENCH_CASES:-veth wireguard ipsec-gcm aegis-gcm aegis-chacha aegis-relay}
for v in RUNS TIME PINGS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || fail "BENCH_$v must be a positive integer, not '${!v}'"
done

work=$(mktemp -d)
on_exit "rm -rf '$work'"
PIDS=()
# shellcheck disable=SC2016 # expanded at exit
on_exit 'for p in ${PIDS[@]+"${PIDS[@]}"}; do kill "$p" 2>/dev/null || true; done'

# Per tunnel: client netns, server netns, server address, tunnel device.
declare -A C_NS S_NS ADDR DEV

# A background process in a netns that prints READY once it is set up.
bg_ready() {
	local ns=$1 what=$2 out
	shift 2
	out=$(mktemp -p "$work")
	ip netns exec "$ns" "$@" >"$out" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 100); do
		grep -q READY "$out" && return 0
		sleep 0.1
	done
	fail "setup: $what in $ns did not start: $(cat "$out")"
}

setup_veth() {
	ns_create bv1 bv2
	ns_veth bv1 veth0 10.30.0.1/24 bv2 veth0 10.30.0.2/24
	C_NS[veth]=bv1 S_NS[veth]=bv2 ADDR[veth]=10.30.0.2 DEV[veth]=veth0
}

setup_wireguard() {
	local i o
	modprobe wireguard || fail "setup: no wireguard module"
	ns_create bw1 bw2
	ns_veth bw1 veth0 10.40.0.1/24 bw2 veth0 10.40.0.2/24
	for i in 1 2; do
		(umask 077 && wg genkey >"$work/wg$i.key")
		wg pubkey <"$work/wg$i.key" >"$work/wg$i.pub"
	done
	for i in 1 2; do
		o=$((3 - i))
		ip -n "bw$i" link add wg0 type wireguard
		ip netns exec "bw$i" wg set wg0 private-key "$work/wg$i.key" listen-port 51820 \
			peer "$(cat "$work/wg$o.pub")" allowed-ips "10.41.0.$o/32" endpoint "10.40.0.$o:51820"
		ip -n "bw$i" addr add "10.41.0.$i/24" dev wg0
		ip -n "bw$i" link set wg0 up
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
	modprobe esp4 || fail "setup: no esp4 module"
	ns_create bi1 bi2
	ns_veth bi1 veth0 10.50.0.1/24 bi2 veth0 10.50.0.2/24
	# 256-bit AES key + 32-bit salt, 128-bit ICV; one SA per direction.
	k12=$(openssl rand -hex 36) k21=$(openssl rand -hex 36)
	for i in 1 2; do
		o=$((3 - i))
		# Inner (tunnelled) addresses on lo, reached through the veth.
		ip -n "bi$i" addr add "10.51.0.$i/32" dev lo
		ip -n "bi$i" route add "10.51.0.$o/32" via "10.50.0.$o" dev veth0 src "10.51.0.$i"
		ip -n "bi$i" xfrm state add src 10.50.0.1 dst 10.50.0.2 proto esp spi 0x1012 reqid 12 \
			mode tunnel aead "$aead" "0x$k12" 128 encap espinudp 4500 4500 0.0.0.0
		ip -n "bi$i" xfrm state add src 10.50.0.2 dst 10.50.0.1 proto esp spi 0x2021 reqid 21 \
			mode tunnel aead "$aead" "0x$k21" 128 encap espinudp 4500 4500 0.0.0.0
		ip -n "bi$i" xfrm policy add src "10.51.0.$i/32" dst "10.51.0.$o/32" dir out \
			tmpl src "10.50.0.$i" dst "10.50.0.$o" proto esp reqid "$i$o" mode tunnel
		ip -n "bi$i" xfrm policy add src "10.51.0.$o/32" dst "10.51.0.$i/32" dir in \
			tmpl src "10.50.0.$o" dst "10.50.0.$i" proto esp reqid "$o$i" mode tunnel
		bg_ready "bi$i" "the UDP_ENCAP socket" python3 -c "$ESP_HOLDER"
	done
	C_NS[ipsec-gcm]=bi1 S_NS[ipsec-gcm]=bi2 ADDR[ipsec-gcm]=10.51.0.2 DEV[ipsec-gcm]=veth0
}

setup_aegis_gcm() {
	dp_node 1
	dp_node 2
	dp_wire 1 2
	dp_pair 1 2 4 aes-gcm
	C_NS[aegis-gcm]=n1 S_NS[aegis-gcm]=n2 ADDR[aegis-gcm]=100.64.0.2 DEV[aegis-gcm]=aegis0
}

setup_aegis_chacha() {
	dp_node 3
	dp_node 4
	dp_wire 3 4
	dp_pair 3 4 4 chacha20poly1305
	C_NS[aegis-chacha]=n3 S_NS[aegis-chacha]=n4 ADDR[aegis-chacha]=100.64.0.4 DEV[aegis-chacha]=aegis0
}

# 5 -> 6 -> 7: no underlay path between 5 and 7; 6 relays for both.
setup_aegis_relay() {
	dp_node 5
	dp_node 6
	dp_node 7
	dp_wire 5 6
	dp_wire 6 7
	dp_peer 5 6
	dp_peer 6 5 4 relay on
	dp_peer 6 7 4 relay on
	dp_peer 7 6
	dp_keys 5 6 aes-gcm
	dp_keys 6 7 aes-gcm
	ip netns exec n5 aegisctl node add aegis0 "$(dp_id 7)" via "$(dp_id 6)"
	ip netns exec n7 aegisctl node add aegis0 "$(dp_id 5)" via "$(dp_id 6)"
	dp_route 5 7 7
	dp_route 7 5 5
	dp_keys 5 7 aes-gcm
	C_NS[aegis-relay]=n5 S_NS[aegis-relay]=n7 ADDR[aegis-relay]=100.64.0.7 DEV[aegis-relay]=aegis0
}

# --- measurements ----------------------------------------------------------

# One /proc/stat "cpu" line (aggregate of all CPUs, in USER_HZ ticks).
cpu_line() { head -n 1 /proc/stat; }

# iperf3 CASE RUN TEST ARGS...: a client run, JSON in $work/CASE/RUN/TEST.json.
# A failed run is kept (iperf3 writes its error into the JSON) and reported,
# never fatal.
run_iperf() {
	local c=$1 r=$2 t=$3 d
	shift 3
	d=$work/$c/$r
	mkdir -p "$d"
	cpu_line >"$d/$t.cpu"
	timeout $((TIME + 60)) ip netns exec "${C_NS[$c]}" iperf3 -c "${ADDR[$c]}" -p 5201 \
		-t "$TIME" --connect-timeout 10000 -J "$@" >"$d/$t.json" 2>"$d/$t.err" ||
		log "  $c run $r $t: iperf3 failed (status $?): $(head -c 300 "$d/$t.err")"
	cpu_line >>"$d/$t.cpu"
}

run_ping() {
	local c=$1 r=$2 d=$work/$1/$2
	mkdir -p "$d"
	timeout $((PINGS / 20 + 60)) ip netns exec "${C_NS[$c]}" ping -n -c "$PINGS" -i 0.01 -W 2 \
		"${ADDR[$c]}" >"$d/ping.txt" 2>&1 ||
		log "  $c run $r: ping incomplete: $(tail -n 2 "$d/ping.txt" | tr '\n' ' ')"
}

measure() {
	local c=$1 r=$2
	run_iperf "$c" "$r" tcp1
	run_iperf "$c" "$r" tcp4 -P 4
	run_iperf "$c" "$r" udp -u -l 64 -b 0
	sleep 0.5 # let the UDP flood drain before timing pings
	run_ping "$c" "$r"
}

ping_ok() { ip netns exec "${C_NS[$1]}" ping -n -c 1 -W 1 "${ADDR[$1]}" >/dev/null 2>&1; }
listening() { ip netns exec "${S_NS[$1]}" ss -Hltn 'sport = 5201' | grep -q 5201; }
mtu() { ip netns exec "${C_NS[$1]}" cat "/sys/class/net/${DEV[$1]}/mtu"; }

# --- main ------------------------------------------------------------------

log "tunnels: $CASES; $RUNS run(s) of ${TIME}s, $PINGS pings"
for c in $CASES; do
	case $c in
	veth) setup_veth ;;
	wireguard) setup_wireguard ;;
	ipsec-gcm) setup_ipsec ;;
	aegis-gcm) setup_aegis_gcm ;;
	aegis-chacha) setup_aegis_chacha ;;
	aegis-relay) setup_aegis_relay ;;
	*) fail "unknown tunnel '$c'" ;;
	esac
	bg_ready "${S_NS[$c]}" "iperf3 -s" bash -c 'echo READY; exec iperf3 -s -p 5201'
	# The tunnel works end to end, and the server listens, before anything is timed.
	wait_until 20 ping_ok "$c"
	wait_until 10 listening "$c"
	log "set up $c: ${C_NS[$c]} -> ${S_NS[$c]} ${ADDR[$c]} via ${DEV[$c]}, mtu $(mtu "$c")"
done

for r in $(seq "$RUNS"); do
	for c in $CASES; do
		log "run $r/$RUNS: $c"
		measure "$c" "$r"
	done
done

mkdir -p "$(dirname "$OUT")"
{
	for c in $CASES; do
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "${C_NS[$c]}" "${S_NS[$c]}" "${ADDR[$c]}" \
			"${DEV[$c]}" "$(mtu "$c")"
	done
} >"$work/cases.tsv"
python3 tools/bench-report.py summarize "$work" "$OUT" \
	--runs "$RUNS" --time "$TIME" --pings "$PINGS" --quick "${BENCH_QUICK:-0}"
