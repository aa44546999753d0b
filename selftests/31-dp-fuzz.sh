#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hostile input: 100,000 random and truncated datagrams at the port and
# 10,000 random genl messages; the kernel stays clean and the device still
# forwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dp.sh"

dp_two_nodes
ip netns exec n1 ping -c 2 -i 0.2 100.64.0.2 >/dev/null || fail "ping before"
ip netns exec n1 udpprobe fuzz 10.201.2.2 5102 50000 1 >/dev/null
ip netns exec n1 udpprobe fuzz fd20:1:2::2 5102 50000 2 >/dev/null 2>&1 || true
ip netns exec n2 nlprobe fuzz-genl 10000 3
ip netns exec n1 ping -c 2 -i 0.2 -W 2 100.64.0.2 >/dev/null || fail "forwarding broken after fuzzing"
log "device forwards after fuzzing"
