// SPDX-License-Identifier: MIT
/*
 * aegis-agent: the AegisRay control-plane daemon.
 *
 * This is the command dispatcher. The daemon itself (identity, handshakes,
 * discovery, routing) lands with the agent work; until then every command
 * but help and version says plainly that it is not available.
 */
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: aegis-agent COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  version            print the version\n"
		"  help               this text\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("aegis-agent %s\n", AEGIS_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "aegis-agent: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
