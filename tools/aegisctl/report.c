// SPDX-License-Identifier: MIT
/* aegisctl: error and warning lines, and opening the family. */
#include <stdarg.h>
#include <stdio.h>

#include "ctl.h"

int ctl_fail(const char *what, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("aegisctl: ", stderr);
	if (what && *what)
		fprintf(stderr, "%s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CTL_EXIT_ERROR;
}

void ctl_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("aegisctl: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ctl_open(struct aegis_genl *g, const char *what)
{
	int ret = aegis_genl_open(g, AEGIS_GENL_NAME, AEGIS_GENL_VERSION);

	if (ret)
		return ctl_fail(what, "%s", g->errmsg);
	g->namer = aegis_attr_path_name;
	return CTL_EXIT_OK;
}
