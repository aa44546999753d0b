#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo, inside the VM (see tools/demo): a live mesh of four
# aegis-agents in network namespaces, started from the shipped template
# config (configs/templates/basic-peer.yaml) with certificates made by
# `aegis-agent ca`. Each node is told of one other only (a chain); they
# find the rest by gossip. Shows `aegis-agent status` on every node and a
# ping between every pair over the IPv4 and IPv6 overlay.
. selftests/lib.sh
. selftests/agent.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() {
	printf '$ %s\n' "$*"
	"$@"
}

# A template with some top-level keys replaced: the key's line and its
# indented continuation lines go, the new values are appended.
from_template() {
	local tpl=$1 out=$2
	shift 2
	local keys=() kv
	for kv in "$@"; do keys+=("${kv%%:*}"); done
	awk -v keys="${keys[*]}" '
		BEGIN { n = split(keys, k, " "); for (i = 1; i <= n; i++) drop[k[i]] = 1 }
		/^[A-Za-z_]+:/ { key = $0; sub(/:.*/, "", key); skip = (key in drop) }
		/^[^ \t#-]/ && !/^[A-Za-z_]+:/ { skip = 0 }
		!skip { print }
	' "$tpl" >"$out"
	printf '%s\n' "" "# set by the demo" "$@" >>"$out"
}

step "1. A network CA, and an identity and certificate for each node"
run aegis-agent ca init --dir "$AG_DIR" --network demo-mesh
for n in 1 2 3 4; do
	ag_ns "$n"
	run aegis-agent keygen --out "$AG_DIR/n$n.key"
	run aegis-agent ca sign --dir "$AG_DIR" --pubkey "$AG_DIR/n$n.key.pub" \
		--name "node$n" --ip "100.64.0.$n" --ip "fd61:6567:6973::$n" \
		--out "$AG_DIR/n$n.crt"
done
openssl x509 -in "$AG_DIR/n1.crt" -noout -subject -ext subjectAltName,subjectKeyIdentifier

step "2. Four hosts on one routed network (network namespaces, veth, a router)"
ag_lan 1 2 3 4
ip -n n1 -br addr show

step "3. Configs from configs/templates/basic-peer.yaml: each knows one other"
for n in 1 2 3 4; do
	peers=("static_peers: []")
	[ "$n" = 1 ] || peers=("static_peers:"$'\n'"  - 10.30.$((n - 1)).2:$((5100 + n - 1))")
	from_template configs/templates/basic-peer.yaml "$AG_DIR/n$n.yaml" \
		"node_name: node$n" "network_name: demo-mesh" \
		"mesh_ip: 100.64.0.$n" "mesh_ip6: fd61:6567:6973::$n" \
		"listen_port: $((5100 + n))" "ca_file: ca.crt" \
		"cert_file: n$n.crt" "key_file: n$n.key" \
		"control_socket: $AG_DIR/n$n.sock" "log_level: info" \
		"${peers[@]}"
	run aegis-agent check-config "$AG_DIR/n$n.yaml"
done
sed -n '/# set by the demo/,$p' "$AG_DIR/n4.yaml"

step "4. Start the agents (aegis0 and the module come up by themselves)"
for n in 1 2 3 4; do ag_start "$n"; done
all_known() {
	ag_json_all "len(s['mesh']['members'])" 1 2 3 4 |
		awk '$1 >= 3 { ok++ } END { exit ok != 4 }'
}
wait_until 30 all_known
echo "every node knows the other three (gossip through one bootstrap member)"
sed 's/^/  node4 log: /' "$AG_DIR/n4.log"

step "5. Ping every pair (IPv4 and IPv6 overlay; a session starts on the first packet)"
for a in 1 2 3 4; do
	for b in 1 2 3 4; do
		[ "$a" = "$b" ] && continue
		r4=$(ip netns exec "n$a" ping -c 3 -i 0.2 -w 15 "100.64.0.$b" | tail -1)
		r6=$(ip netns exec "n$a" ping -c 3 -i 0.2 -w 15 "fd61:6567:6973::$b" | tail -1)
		printf 'node %s -> node %s  v4: %s\n                   v6: %s\n' "$a" "$b" "$r4" "$r6"
	done
done

step "6. aegis-agent status on each node"
for n in 1 2 3 4; do
	printf '\n-- node %s --\n' "$n"
	ag_status "$n"
done

step "7. What the wire carries: QUIC-shaped packets, no plaintext"
ip netns exec n1 timeout 5 tcpdump -c 2 -nn -i eth0 -X udp 2>/dev/null &
dump=$!
sleep 1
ip netns exec n1 ping -c 1 100.64.0.4 >/dev/null
wait "$dump" || true
step "8. Shut down: SIGTERM removes devices and routes"
for n in 1 2 3 4; do ag_stop "$n"; done
ip -n n1 link show aegis0 2>&1 | head -1 || true
printf '\nDemo done: four agents, CA-authorised, found each other through one member each, full mesh over IPv4 and IPv6.\n'
