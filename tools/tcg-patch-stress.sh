#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reproduce, in the test guest, the emulator fault behind the soft lockups
# docs/testing.md describes under "Known problems": qemu's multi-threaded
# TCG keeps running a stale translation of kernel text that the kernel has
# live-patched, and a vCPU traps on an int3 that is no longer in memory,
# forever. Guest side; run it with the guest's netstamp pin off and the
# host busy, e.g.:
#
#   for i in 1 2; do timeout 700 sh -c 'while :; do :; done' & done
#   AEGIS_VM_NETSTAMP_PIN=0 AEGIS_VM_APPEND=ftrace_dump_on_oops \
#       tools/vm-run --timeout 950 "T=600 TRACE_INT3=1 bash tools/tcg-patch-stress.sh"
#
# It loads a relayed aegis0 path (selftests/dp.sh: 1 -> 2 -> 3) with TCP
# and a UDP flood on both vCPUs, while a socket with SO_TIMESTAMP is opened
# and closed every GAP seconds: each open and close flips
# netstamp_needed_key, whose jump labels sit in the receive path. With
# TRACE_INT3=1 the kernel's int3 handling is traced, and the trace is
# printed when the guest panics (boot with ftrace_dump_on_oops): the stuck
# vCPU shows kprobe_int3_handler <- exc_int3 about once a microsecond.
# With the pin on (the default), nothing is patched and the run passes.
#
#   T=SECS     how long (default 600)
#   GAP=SECS   between two flips (default 0.01)
. "$(dirname "$0")/../selftests/lib.sh"
. "$(dirname "$0")/../selftests/dp.sh"
T=${T:-600}
GAP=${GAP:-0.01}

if [ "${TRACE_INT3:-0}" = 1 ]; then
	tr=/sys/kernel/tracing
	mountpoint -q $tr || mount -t tracefs nodev $tr
	for f in kprobe_int3_handler netstamp_clear text_poke_bp_batch; do
		grep -qx "$f" $tr/available_filter_functions && echo "$f" >>$tr/set_ftrace_filter
	done
	echo 8 >$tr/buffer_size_kb
	echo function >$tr/current_tracer
fi

dp_relay_line aes-gcm
ip netns exec n3 iperf3 -s -D -p 5201
ip netns exec n3 iperf3 -s -D -p 5202
sleep 1
ip netns exec n1 ping -c 3 -q 100.64.0.3 >/dev/null || fail "no ping through the relay"

"$(dirname "$0")/vm/so-timestamp" flip "$T" "$GAP" &
flipper=$!
end=$((SECONDS + T))
while [ $SECONDS -lt $end ]; do
	ip netns exec n1 iperf3 -c 100.64.0.3 -p 5201 -t 10 -P 4 >/dev/null 2>&1 &
	tcp=$!
	ip netns exec n1 iperf3 -c 100.64.0.3 -p 5202 -t 10 -u -l 64 -b 0 >/dev/null 2>&1
	wait $tcp
	echo "t=$SECONDS s"
done
wait $flipper
log "$T s of traffic while the receive path's jump labels flipped: the guest survived"
