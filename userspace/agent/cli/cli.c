// SPDX-License-Identifier: MIT
/* What the subcommands of aegis-agent share (cli.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli/cli.h"
#include "hex.h"
#include "numparse.h"

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "aegis-agent: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int cli_parse_uint(const char *opt, const char *s, uint32_t max,
			  uint32_t *out)
{
	if (aegis_parse_u32(s, max, out)) {
		fprintf(stderr, "aegis-agent: %s: '%s' is not a number up to %u\n",
			opt, s, max);
		return -EINVAL;
	}
	return 0;
}

void cli_print_id(const uint8_t *id)
{
	char hex[AEGIS_NODE_ID_HEX_SIZE];

	printf("%s\n", aegis_node_id_format(id, hex));
}
