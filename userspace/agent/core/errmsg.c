// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "core/errmsg.h"

static void vset_err(char *err, size_t errsz, bool ssl, const char *fmt,
		     va_list ap) __attribute__((format(printf, 4, 0)));

/*
 * Format a reason into err; with ssl, append OpenSSL's most recent error
 * if there is one. The OpenSSL error queue is left empty either way.
 */
static void vset_err(char *err, size_t errsz, bool ssl, const char *fmt,
		     va_list ap)
{
	unsigned long e = ssl ? ERR_peek_last_error() : 0;

	if (err && errsz) {
		size_t n;

		vsnprintf(err, errsz, fmt, ap);
		n = strlen(err);
		if (e && n + 3 < errsz) {
			memcpy(err + n, ": ", 3);
			ERR_error_string_n(e, err + n + 2, errsz - n - 2);
		}
	}
	ERR_clear_error();
}

void errmsg_set(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset_err(err, errsz, false, fmt, ap);
	va_end(ap);
}

void errmsg_set_ssl(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset_err(err, errsz, true, fmt, ap);
	va_end(ap);
}
