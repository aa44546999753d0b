/* SPDX-License-Identifier: MIT */
/*
 * One-line error reasons for functions that return -errno and fill a
 * caller's err buffer (identity.c, cert.c).
 */
#ifndef AGENT_ERRMSG_H
#define AGENT_ERRMSG_H

#include <stddef.h>

/* Format a reason into err (err may be NULL). Clears OpenSSL's queue. */
void errmsg_set(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, with OpenSSL's most recent error appended if there is one. */
void errmsg_set_ssl(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* AGENT_ERRMSG_H */
