// SPDX-License-Identifier: MIT
/*
 * The control socket's non-blocking server (server.h): the listening
 * socket and one small state machine per client, driven by the loop's
 * events and by one deadline timer per client.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "ctl/server.h"

/* Sent, if the socket takes it at once, to a client over the limit. */
static const char ctl_busy_answer[] = "{\"error\": \"busy\"}\n";
static const char ctl_toolong_answer[] = "{\"error\": \"request too long\"}\n";

enum ctl_conn_state {
	CTL_READING,
	CTL_WRITING,
};

struct ctl_conn {
	struct loop_source src;
	struct timer deadline;
	struct ctl_server *srv;
	struct ctl_conn *prev, *next;
	int fd;
	enum ctl_conn_state state;
	char req[CTL_REQ_MAX + 1];
	size_t req_len;
	char *resp;			/* malloc'd by the memstream */
	size_t resp_len, resp_off;
};

/* ---- one client -------------------------------------------------------- */

/*
 * Read and drop what the client sent beyond its request (a bounded,
 * non-blocking read): closing a Unix socket with unread input makes the
 * client's read fail with ECONNRESET instead of seeing the answer's EOF.
 */
static void conn_drain(struct ctl_conn *c)
{
	char buf[1024];
	unsigned int i;

	for (i = 0; i < CTL_DRAIN_MAX / sizeof(buf); i++)
		if (recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
}

static void conn_close(struct ctl_conn *c)
{
	struct ctl_server *s = c->srv;

	if (c->state == CTL_WRITING)
		conn_drain(c);
	s->ops->unwatch(s->ctx, c->fd, &c->src);
	timer_cancel(s->timers, &c->deadline);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_conns--;
	free(c->resp);
	free(c);
}

static void conn_fail(struct ctl_conn *c, const char *what, int err)
{
	log_debug("control socket: client closed: %s: %s", what, strerror(err));
	c->srv->stats.errors++;
	conn_close(c);
}

static int conn_arm(struct ctl_conn *c, uint64_t ms)
{
	return timer_arm(c->srv->timers, &c->deadline, clock_ms() + ms);
}

static void conn_on_deadline(struct timer *t, uint64_t now)
{
	struct ctl_conn *c = container_of(t, struct ctl_conn, deadline);

	(void)now;
	log_debug("control socket: client %s in time: closed",
		  c->state == CTL_READING ? "sent no request" :
		  "did not read the answer");
	c->srv->stats.timeouts++;
	conn_close(c);
}

/*
 * Write what the socket takes. Returns 1 when all is written, 0 when the
 * rest waits for EPOLLOUT, -errno on a socket error.
 */
static int conn_write(struct ctl_conn *c)
{
	bool progress = false;

	while (c->resp_off < c->resp_len) {
		ssize_t n = send(c->fd, c->resp + c->resp_off,
				 c->resp_len - c->resp_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			break;
		}
		c->resp_off += (size_t)n;
		progress = true;
	}
	if (c->resp_off == c->resp_len)
		return 1;
	if (progress && conn_arm(c, c->srv->write_timeout_ms))
		return -ENOMEM;
	return 0;
}

/* After conn_write(): close when done or failed. */
static void conn_wrote(struct ctl_conn *c, int ret)
{
	if (ret < 0) {
		conn_fail(c, "write", -ret);
	} else if (ret) {
		c->srv->stats.answered++;
		conn_close(c);
	}
}

static void conn_writable(struct ctl_conn *c)
{
	conn_wrote(c, conn_write(c));
}

/* The request is in c->req: build the answer and start writing it. */
static void conn_answer(struct ctl_conn *c, bool too_long)
{
	struct ctl_server *s = c->srv;
	FILE *out;
	int ret;

	out = open_memstream(&c->resp, &c->resp_len);
	if (!out) {
		conn_fail(c, "answer", errno);
		return;
	}
	if (too_long)
		fputs(ctl_toolong_answer, out);
	else
		s->ops->respond(s->ctx, c->req, out);
	if (fclose(out) || !c->resp) {
		conn_fail(c, "answer", ENOMEM);
		return;
	}
	c->state = CTL_WRITING;
	c->resp_off = 0;
	ret = conn_write(c);
	if (ret) {
		conn_wrote(c, ret);	/* all written at once, or an error */
		return;
	}
	/* The rest when the socket drains; the input is not read anymore. */
	ret = s->ops->modify(s->ctx, c->fd, EPOLLOUT, &c->src);
	if (!ret)
		ret = conn_arm(c, s->write_timeout_ms);
	if (ret)
		conn_fail(c, "wait for the reader", -ret);
}

/* Cut the request at its end of line (LF, or CR LF). */
static bool request_line(struct ctl_conn *c)
{
	char *nl = memchr(c->req, '\n', c->req_len);

	if (!nl)
		return false;
	*nl = '\0';
	c->req_len = (size_t)(nl - c->req);
	if (c->req_len && c->req[c->req_len - 1] == '\r')
		c->req[--c->req_len] = '\0';
	return true;
}

static void conn_readable(struct ctl_conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->req + c->req_len,
				 CTL_REQ_MAX - c->req_len, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_fail(c, "read", errno);
			return;
		}
		if (n == 0) {
			/* EOF: what came is the request, if anything. */
			c->req[c->req_len] = '\0';
			if (!c->req_len) {
				conn_close(c);
				return;
			}
			request_line(c);
			conn_answer(c, false);
			return;
		}
		c->req_len += (size_t)n;
		c->req[c->req_len] = '\0';
		if (request_line(c)) {
			conn_answer(c, false);
			return;
		}
		if (c->req_len == CTL_REQ_MAX) {
			conn_answer(c, true);
			return;
		}
	}
}

static void conn_on_event(struct loop_source *src, uint32_t events)
{
	struct ctl_conn *c = container_of(src, struct ctl_conn, src);

	/* HUP and ERR come with either state; read or write tells. */
	(void)events;
	if (c->state == CTL_READING)
		conn_readable(c);
	else
		conn_writable(c);
}

int ctl_server_adopt(struct ctl_server *s, int fd)
{
	struct ctl_conn *c;
	int flags, ret;

	if (s->n_conns >= s->max_clients) {
		if (send(fd, ctl_busy_answer, sizeof(ctl_busy_answer) - 1,
			 MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("control socket: busy: %s", strerror(errno));
		s->stats.busy++;
		close(fd);
		return -EBUSY;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		ret = -errno;
		goto err_close;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		ret = -ENOMEM;
		goto err_close;
	}
	c->src.fn = conn_on_event;
	c->srv = s;
	c->fd = fd;
	c->state = CTL_READING;
	timer_init(&c->deadline, conn_on_deadline);
	ret = conn_arm(c, s->request_timeout_ms);
	if (ret)
		goto err_free;
	ret = s->ops->watch(s->ctx, fd, EPOLLIN, &c->src);
	if (ret) {
		timer_cancel(s->timers, &c->deadline);
		goto err_free;
	}
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n_conns++;
	s->stats.accepted++;
	return 0;

err_free:
	free(c);
err_close:
	s->stats.errors++;
	close(fd);
	return ret;
}

/* ---- the listening socket ---------------------------------------------- */

/* Root or our own user only. */
static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

static int listen_watch(struct ctl_server *s)
{
	int ret = s->ops->watch(s->ctx, s->fd, EPOLLIN, &s->src);

	s->watching = !ret;
	return ret;
}

/* Out of fds (or memory): stop accepting for a while, not spin. */
static void listen_pause(struct ctl_server *s, int err)
{
	log_warn("control socket: accept: %s; pausing %u ms", strerror(err),
		 CTL_ACCEPT_RETRY_MS);
	if (timer_arm(s->timers, &s->t_accept,
		      clock_ms() + CTL_ACCEPT_RETRY_MS))
		return;		/* keep watching: better spin than go deaf */
	s->ops->unwatch(s->ctx, s->fd, &s->src);
	s->watching = false;
}

static void listen_on_resume(struct timer *t, uint64_t now)
{
	struct ctl_server *s = container_of(t, struct ctl_server, t_accept);
	int ret;

	(void)now;
	if (s->fd < 0 || s->watching)
		return;
	ret = listen_watch(s);
	if (ret) {
		log_warn("control socket: watch: %s; retrying", strerror(-ret));
		timer_arm(s->timers, &s->t_accept,
			  clock_ms() + CTL_ACCEPT_RETRY_MS);
	}
}

static void listen_on_event(struct loop_source *src, uint32_t events)
{
	struct ctl_server *s = container_of(src, struct ctl_server, src);
	unsigned int budget = CTL_ACCEPT_BUDGET;

	(void)events;
	while (budget--) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			switch (errno) {
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
				return;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				listen_pause(s, errno);
				return;
			default:	/* the client went: ECONNABORTED... */
				continue;
			}
		}
		if (!peer_allowed(fd)) {
			log_warn("control socket: connection from another user refused");
			s->stats.refused++;
			close(fd);
			continue;
		}
		ctl_server_adopt(s, fd);
	}
}

static int sun_fill(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

void ctl_server_init(struct ctl_server *s, const struct ctl_server_ops *ops,
		     void *ctx, struct timer_heap *timers)
{
	memset(s, 0, sizeof(*s));
	s->src.fn = listen_on_event;
	s->fd = -1;
	s->ops = ops;
	s->ctx = ctx;
	s->timers = timers;
	timer_init(&s->t_accept, listen_on_resume);
	s->max_clients = CTL_MAX_CLIENTS;
	s->request_timeout_ms = CTL_REQUEST_TIMEOUT_MS;
	s->write_timeout_ms = CTL_WRITE_TIMEOUT_MS;
}

int ctl_server_listen(struct ctl_server *s, const char *path, char *err,
		      size_t errsz)
{
	struct sockaddr_un sun;
	char dir[sizeof(sun.sun_path)];
	int fd, probe, ret;

	if (sun_fill(&sun, path)) {
		snprintf(err, errsz, "control_socket %s: path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(dir, sun.sun_path, sizeof(dir));
	if (mkdir(dirname(dir), 0700) < 0 && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errsz, "control socket directory %s: %s", dir,
			   strerror(-ret));
		return ret;
	}
	/* A live socket means another agent: refuse. A stale one goes. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0) {
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			snprintf(err, errsz,
				   "another agent is running (control socket %s answers)",
				   path);
			return -EADDRINUSE;
		}
		close(probe);
	}
	unlink(path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		goto err;
	}
	if (chmod(path, 0600) < 0 || listen(fd, CTL_MAX_CLIENTS) < 0) {
		ret = -errno;
		close(fd);
		unlink(path);
		goto err_ret;
	}
	s->fd = fd;
	memcpy(s->path, sun.sun_path, sizeof(s->path));
	ret = listen_watch(s);
	if (ret) {
		snprintf(err, errsz, "control socket %s: watch: %s", path,
			   strerror(-ret));
		ctl_server_close(s);
		return ret;
	}
	return 0;
err:
	ret = -errno;
err_ret:
	snprintf(err, errsz, "control socket %s: %s", path, strerror(-ret));
	return ret;
}

void ctl_server_close(struct ctl_server *s)
{
	while (s->conns)
		conn_close(s->conns);
	timer_cancel(s->timers, &s->t_accept);
	if (s->fd < 0)
		return;
	if (s->watching)
		s->ops->unwatch(s->ctx, s->fd, &s->src);
	s->watching = false;
	close(s->fd);
	s->fd = -1;
	if (s->path[0])
		unlink(s->path);
	s->path[0] = '\0';
}
