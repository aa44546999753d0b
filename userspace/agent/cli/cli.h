/* SPDX-License-Identifier: MIT */
/*
 * What the subcommands of aegis-agent (main.c, ca/ca_cli.c) share.
 */
#ifndef AGENT_CLI_CLI_H
#define AGENT_CLI_CLI_H

#include <stdint.h>

/* Buffers for one-line error reasons. */
#define ERR_SIZE 512

/* "aegis-agent: <message>" on stderr; returns 1 (the exit status). */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse option opt's value s (0..max) into out; -EINVAL with a message. */
int cli_parse_uint(const char *opt, const char *s, uint32_t max,
		   uint32_t *out);
/* A node id on a line of its own, in full. */
void cli_print_id(const uint8_t *id);

/* ca/ca_cli.c: `aegis-agent ca init|sign ...` (argv[0] is "ca"). */
int ca_cli_main(int argc, char **argv);

#endif /* AGENT_CLI_CLI_H */
