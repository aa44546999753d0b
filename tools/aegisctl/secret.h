/* SPDX-License-Identifier: MIT */
/*
 * Key material from the command line without putting it there: a hex
 * argument is either the hex itself (wiped from argv after use), "@FILE"
 * (the file holds the hex, surrounding whitespace ignored) or "@-" (one
 * line of standard input; several "@-" read successive lines).
 */
#ifndef AEGISCTL_SECRET_H
#define AEGISCTL_SECRET_H

#include <stddef.h>

/*
 * Decode the hex secret arg names into len bytes at out. what names the
 * argument in messages ("enc-key"); the secret itself never appears in
 * them. Every intermediate copy is wiped, and a literal arg is wiped too.
 * Returns 0; -EINVAL (malformed: usage error) or another negative errno
 * (cannot read the file) with a one-line reason in err.
 */
int ctl_secret_hex(char *arg, const char *what, void *out, size_t len,
		   char *err, size_t errsz);

#endif /* AEGISCTL_SECRET_H */
