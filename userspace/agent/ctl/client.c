// SPDX-License-Identifier: MIT
/*
 * `aegis-agent status`: the control socket's client (control.h). It asks
 * with "status json", which an agent of any version answers with the JSON
 * document (older agents answered plain "status" with text), reads the
 * answer to EOF and prints it as received (--json) or as text
 * (render.c). A command line tool may block, but not forever: the agent
 * has CTL_CLIENT_TIMEOUT_S to answer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/control.h"
#include "ctl/render.h"

#define CTL_CLIENT_TIMEOUT_S	10
#define CTL_ANSWER_MAX		(64U << 20)	/* bytes */

static const char ctl_request[] = "status json\n";

static int connect_agent(const char *path, char *err, size_t errsz)
{
	struct timeval tv = { .tv_sec = CTL_CLIENT_TIMEOUT_S };
	struct sockaddr_un sun;
	int fd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsz, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errsz, "socket: %s", strerror(e));
		return -e;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		e = errno;
		snprintf(err, errsz, "socket options: %s", strerror(e));
		close(fd);
		return -e;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		e = errno;
		snprintf(err, errsz, "cannot reach the agent at %s: %s%s", path,
			 strerror(e), e == ENOENT || e == ECONNREFUSED ?
			 " (is aegis-agent running?)" : "");
		close(fd);
		return -e;
	}
	return fd;
}

static int send_request(int fd, const char *path, char *err, size_t errsz)
{
	const char *p = ctl_request;
	size_t left = sizeof(ctl_request) - 1;

	while (left) {
		ssize_t n = send(fd, p, left, MSG_NOSIGNAL);

		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			snprintf(err, errsz, "write to %s: %s", path,
				 e == EAGAIN ? "the agent does not read" :
				 strerror(e));
			return -e;
		}
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

/* Read to EOF into a growing buffer, NUL-terminated. */
static int read_answer(int fd, const char *path, char **doc, size_t *len,
		       char *err, size_t errsz)
{
	size_t cap = 16384, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		goto nomem;
	for (;;) {
		ssize_t got;

		if (cap - n < 2) {
			char *bigger;

			if (cap >= CTL_ANSWER_MAX) {
				snprintf(err, errsz, "%s: the answer is larger than %u MiB",
					 path, CTL_ANSWER_MAX >> 20);
				free(buf);
				return -EFBIG;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger)
				goto nomem;
			buf = bigger;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			snprintf(err, errsz, "read from %s: %s", path,
				 e == EAGAIN ? "no answer in time" : strerror(e));
			free(buf);
			return -e;
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	if (!n) {
		snprintf(err, errsz,
			 "the agent at %s closed the connection without an answer",
			 path);
		free(buf);
		return -ECONNRESET;
	}
	buf[n] = '\0';
	*doc = buf;
	*len = n;
	return 0;
nomem:
	snprintf(err, errsz, "out of memory");
	free(buf);
	return -ENOMEM;
}

int control_fetch(const char *path, char **doc, size_t *len, char *err,
		  size_t errsz)
{
	int fd, ret;

	fd = connect_agent(path, err, errsz);
	if (fd < 0)
		return fd;
	ret = send_request(fd, path, err, errsz);
	if (!ret) {
		/* All asked: the agent sees EOF if it wants more. */
		shutdown(fd, SHUT_WR);
		ret = read_answer(fd, path, doc, len, err, errsz);
	}
	close(fd);
	return ret;
}

int control_query(const char *path, bool json, char *err, size_t errsz)
{
	char *doc = NULL;
	size_t len = 0;
	int ret;

	ret = control_fetch(path, &doc, &len, err, errsz);
	if (ret)
		return ret;
	if (!json) {
		ret = ctl_render_status(doc, len, stdout, err, errsz);
	} else if (fwrite(doc, 1, len, stdout) != len) {
		snprintf(err, errsz, "write: %s", strerror(errno));
		ret = -EIO;
	}
	if (!ret && fflush(stdout)) {
		snprintf(err, errsz, "write: %s", strerror(errno));
		ret = -EIO;
	}
	free(doc);
	return ret;
}
