#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 1,000 nodes and 100,000 prefixes: installed, dumped back completely over
# many messages with one generation, a concurrent change flagged
# (NLM_F_DUMP_INTR), lookups still right, and torn down without leaks.
. "$(dirname "$0")/lib.sh"

ip link add aegis0 type aegisray
ip addr add 100.64.0.1/16 dev aegis0
ip link set aegis0 up
nlprobe scale aegis0 1000 100000 || fail "scale"
n=$(aegisctl show aegis0 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; d=d.get("devices",[d])[0] if "devices" in d else d; print(d.get("prefix_count", -1))')
[ "$n" = 100001 ] || fail "device reports $n prefixes"
ip link del aegis0
wait_module_idle
modprobe -r aegisray || fail "rmmod after the scale test"
log "scale ok"
