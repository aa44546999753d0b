// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hex.h"
#include "secret.h"

/* Longest secret text accepted: a 32-byte key in hex with some slack. */
#define SECRET_TEXT_MAX 256

/*
 * Read fd into buf until EOF (whole file) or, if line, the first newline.
 * Returns the number of bytes, or -EFBIG if it does not fit, or -errno.
 */
static ssize_t read_text(int fd, char *buf, size_t size, int line)
{
	size_t used = 0;

	for (;;) {
		ssize_t n;

		if (used == size)
			return -EFBIG;
		/* One byte at a time for a line: leave the rest of stdin unread. */
		n = read(fd, buf + used, line ? 1 : size - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return (ssize_t)used;
		if (line && buf[used] == '\n')
			return (ssize_t)used;
		used += (size_t)n;
	}
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int decode(const char *hex, const char *what, void *out, size_t len,
		  char *err, size_t errsz)
{
	int ret = aegis_hex_decode(hex, out, len);

	if (ret == -ERANGE)
		snprintf(err, errsz, "%s must be %zu hex characters (%zu bytes), got %zu",
			 what, 2 * len, len, strlen(hex));
	else if (ret)
		snprintf(err, errsz, "%s must be %zu hex characters: it has a character that is not a hex digit",
			 what, 2 * len);
	return ret ? -EINVAL : 0;
}

int ctl_secret_hex(char *arg, const char *what, void *out, size_t len,
		   char *err, size_t errsz)
{
	char buf[SECRET_TEXT_MAX + 1];
	const char *path, *src;
	char srcbuf[80];
	char *start;
	ssize_t n;
	int fd, ret;

	if (arg[0] != '@') {
		ret = decode(arg, what, out, len, err, errsz);
		/* Best effort: hide it from /proc/PID/cmdline from now on. */
		explicit_bzero(arg, strlen(arg));
		return ret;
	}
	path = arg + 1;
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			ret = -errno;
			snprintf(err, errsz, "%s: cannot open '%s': %s", what, path,
				 strerror(-ret));
			return ret;
		}
	}
	if (fd == STDIN_FILENO) {
		src = "standard input";
	} else {
		snprintf(srcbuf, sizeof(srcbuf), "'%s'", path);
		src = srcbuf;
	}
	n = read_text(fd, buf, SECRET_TEXT_MAX, fd == STDIN_FILENO);
	if (fd != STDIN_FILENO)
		close(fd);
	if (n < 0) {
		explicit_bzero(buf, sizeof(buf));
		if (n == -EFBIG) {
			snprintf(err, errsz, "%s: %s holds more than %d bytes: expected %zu hex characters",
				 what, src, SECRET_TEXT_MAX, 2 * len);
			return -EINVAL;
		}
		snprintf(err, errsz, "%s: cannot read %s: %s", what, src,
			 strerror((int)-n));
		return (int)n;
	}
	buf[n] = '\0';
	while (n > 0 && is_space(buf[n - 1]))
		buf[--n] = '\0';
	start = buf;
	while (is_space(*start))
		start++;
	if (!*start) {
		snprintf(err, errsz, "%s: %s is empty: expected %zu hex characters",
			 what, src, 2 * len);
		ret = -EINVAL;
	} else {
		ret = decode(start, what, out, len, err, errsz);
	}
	explicit_bzero(buf, sizeof(buf));
	return ret;
}
