// SPDX-License-Identifier: MIT
/*
 * aegisctl: the low-level AegisRay tool. One subcommand per generic
 * netlink command of the "aegisray" family; see docs/aegisctl.md.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

#ifndef AEGIS_VERSION
#define AEGIS_VERSION "unknown"
#endif

void ctl_usage(FILE *f)
{
	fputs(
"Usage: aegisctl COMMAND [ARGS] [--json]\n"
"\n"
"  show [DEV] [--json]\n"
"      Devices with their nodes, keys and prefixes (all devices if no DEV).\n"
"  dev set DEV [node-id HEX64] [idle-timeout SECS] [hop-limit N]\n"
"  bind DEV udp4|udp6 PORT [--fd-only]\n"
"      Bind a UDP socket to PORT (0: any) on all addresses, attach it to DEV,\n"
"      print \"bound DEV port N\" and hold it until SIGTERM/SIGINT/SIGHUP.\n"
"      --fd-only: attach and exit at once, closing the socket.\n"
"  unbind DEV\n"
"      Detach the device's socket.\n"
"  node add DEV NODEID [endpoint IP:PORT] [via NODEID|direct] [keepalive SECS|off]\n"
"           [relay on|off]\n"
"  node set DEV NODEID [endpoint IP:PORT] [via NODEID|direct] [keepalive SECS|off]\n"
"           [relay on|off]\n"
"  node del DEV NODEID\n"
"  node show DEV [NODEID] [--json]\n"
"  key add DEV NODEID slot primary|secondary key-id 0-7\n"
"          cipher aes-gcm|chacha20poly1305 rx-index INDEX tx-index INDEX\n"
"          enc-key HEX64 enc-salt HEX8 dec-key HEX64 dec-salt HEX8\n"
"          [soft-lifetime SECS] [hard-lifetime SECS]\n"
"          [soft-packets N] [hard-packets N]\n"
"      The key and salt values may be @FILE (hex read from FILE) or @- (one\n"
"      line of stdin each).\n"
"  key swap DEV NODEID\n"
"  key del DEV NODEID slot primary|secondary\n"
"  key show DEV NODEID [slot primary|secondary] [--json]\n"
"  prefix add DEV NODEID PREFIX\n"
"  prefix del DEV NODEID PREFIX\n"
"  prefix show DEV [NODEID] [--json]\n"
"  monitor [--json] [--count N] [--timeout SECS]\n"
"      Print each notification on one line until killed, N were seen or\n"
"      SECS passed.\n"
"  help | version\n"
"\n"
"  DEV     interface name, or ifindex if all digits\n"
"  NODEID  64 hex characters\n"
"  INDEX   16 hex digits, 0x and 1-16 hex digits, or a decimal number\n"
"  PREFIX  10.0.0.0/24, fd00::/64 (an address alone is a host prefix)\n"
"  IP:PORT 192.0.2.1:51820 or [2001:db8::1]:51820\n"
"\n"
"Exit status: 0 ok, 1 error, 2 usage error, 3 dump interrupted (retry).\n",
	      f);
}

int main(int argc, char **argv)
{
	struct aegis_genl g;
	struct ctl_req req;
	char err[512];
	int status;

	status = ctl_parse_args(argc, argv, &req, err, sizeof(err));
	if (status != CTL_EXIT_OK) {
		fprintf(stderr, "aegisctl: %s%s\n", err,
			status == CTL_EXIT_USAGE ? " (see 'aegisctl help')" : "");
		return status;
	}
	switch (req.op) {
	case CTL_OP_HELP:
		ctl_usage(stdout);
		return fflush(stdout) ? CTL_EXIT_ERROR : CTL_EXIT_OK;
	case CTL_OP_VERSION:
		printf("aegisctl %s\n", AEGIS_VERSION);
		return fflush(stdout) ? CTL_EXIT_ERROR : CTL_EXIT_OK;
	default:
		break;
	}

	status = ctl_open(&g, req.name);
	if (status != CTL_EXIT_OK) {
		ctl_req_wipe(&req);
		return status;
	}
	switch (req.op) {
	case CTL_OP_SHOW:
		status = ctl_cmd_show(&g, &req);
		break;
	case CTL_OP_NODE_SHOW:
		status = ctl_cmd_node_show(&g, &req);
		break;
	case CTL_OP_KEY_SHOW:
		status = ctl_cmd_key_show(&g, &req);
		break;
	case CTL_OP_PREFIX_SHOW:
		status = ctl_cmd_prefix_show(&g, &req);
		break;
	case CTL_OP_BIND:
		status = ctl_cmd_bind(&g, &req);
		break;
	case CTL_OP_MONITOR:
		status = ctl_cmd_monitor(&g, &req);
		break;
	default:
		status = ctl_cmd_change(&g, &req);
		break;
	}
	aegis_genl_close(&g);
	ctl_req_wipe(&req);
	return status;
}
