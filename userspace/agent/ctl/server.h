/* SPDX-License-Identifier: MIT */
/*
 * A non-blocking server of one-line requests on a Unix stream socket, for
 * the control socket (ctl/control.c gives it the loop and the answers).
 *
 * Each client is a small object: a request buffer, the answer and how
 * much of it is written, a deadline (struct timer on the agent's heap)
 * and its struct loop_source. Level-triggered events drive it:
 *
 *   READING  EPOLLIN: read what is there. A full line (or EOF after some
 *            bytes) is the request: the answer is built at once into
 *            memory (ops->respond into a memstream) and written as far as
 *            the socket takes it; the rest waits for EPOLLOUT.
 *   WRITING  EPOLLOUT: write what the socket takes. All written: close
 *            (input beyond the request is read and dropped first, up to
 *            CTL_DRAIN_MAX, so that the client sees EOF, not ECONNRESET).
 *
 * Deadlines: the request must be complete request_timeout_ms after the
 * accept; while the answer is written, each write that makes progress
 * grants write_timeout_ms more. A client past its deadline is closed, so
 * a silent client or one that stops reading holds a slot for a bounded
 * time and never the loop. At most max_clients at a time: one more is
 * told {"error": "busy"} (if its socket takes it at once) and closed.
 * EMFILE and the like pause accepting for CTL_ACCEPT_RETRY_MS instead of
 * spinning on a level-triggered listener.
 *
 * The loop is reached through ops, so that tests can drive the server
 * without one. Single-threaded: the agent's loop owns it.
 */
#ifndef AGENT_CTL_SERVER_H
#define AGENT_CTL_SERVER_H

#include <stdint.h>
#include <stdio.h>
#include <sys/un.h>

#include "core/timer.h"
#include "ctl/control.h"

#define CTL_MAX_CLIENTS		16
#define CTL_REQ_MAX		64	/* bytes of a request line */
#define CTL_REQUEST_TIMEOUT_MS	2000
#define CTL_WRITE_TIMEOUT_MS	5000
#define CTL_ACCEPT_RETRY_MS	100
#define CTL_ACCEPT_BUDGET	32	/* accepts per listener event */
#define CTL_DRAIN_MAX		16384	/* bytes after a request dropped */

struct ctl_conn;

struct ctl_server_ops {
	/* The loop contract of ctl/control.h, with ctx for the agent. */
	int (*watch)(void *ctx, int fd, uint32_t events,
		     struct loop_source *src);
	int (*modify)(void *ctx, int fd, uint32_t events,
		      struct loop_source *src);
	void (*unwatch)(void *ctx, int fd, struct loop_source *src);
	/*
	 * Write the answer to req (the line without its end of line, at
	 * most CTL_REQ_MAX bytes, NUL-terminated) to out. It runs inside the
	 * loop: it must not block.
	 */
	void (*respond)(void *ctx, const char *req, FILE *out);
};

struct ctl_server_stats {
	uint64_t accepted;		/* clients taken on */
	uint64_t answered;		/* answers written in full */
	uint64_t timeouts;		/* closed at their deadline */
	uint64_t busy;			/* refused: max_clients reached */
	uint64_t refused;		/* refused: another user */
	uint64_t errors;		/* closed on a socket error or ENOMEM */
};

struct ctl_server {
	struct loop_source src;		/* the listening socket */
	int fd;				/* -1: not listening */
	bool watching;			/* fd is in the epoll set */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const struct ctl_server_ops *ops;
	void *ctx;
	struct timer_heap *timers;
	struct timer t_accept;		/* accepting paused (EMFILE...) */
	struct ctl_conn *conns;		/* the clients, newest first */
	unsigned int n_conns;
	unsigned int max_clients;
	uint64_t request_timeout_ms;
	uint64_t write_timeout_ms;
	struct ctl_server_stats stats;
};

/* A server with no socket and no clients, the CTL_* limits. */
void ctl_server_init(struct ctl_server *s, const struct ctl_server_ops *ops,
		     void *ctx, struct timer_heap *timers);

/*
 * Listen at path: create its directory (0700) if missing, refuse with
 * -EADDRINUSE if a server answers there, replace a stale socket, bind
 * (mode 0600), listen and watch. 0 or -errno, with the reason in err.
 */
int ctl_server_listen(struct ctl_server *s, const char *path, char *err,
		      size_t errsz);

/*
 * Take on a connected stream socket fd as a client (made non-blocking
 * here): 0, or -EBUSY (max_clients reached), -ENOMEM or the loop's error,
 * and fd is closed. fd is the server's either way.
 */
int ctl_server_adopt(struct ctl_server *s, int fd);

/* Close every client and the listening socket; remove the socket file. */
void ctl_server_close(struct ctl_server *s);

#endif /* AGENT_CTL_SERVER_H */
