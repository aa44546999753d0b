/* SPDX-License-Identifier: MIT */
/*
 * Non-blocking name resolution for the event loop, on c-ares.
 *
 * The loop sees one fd and one timer. c-ares opens and closes its own UDP
 * (and, for truncated answers, TCP) sockets; its socket-state callback
 * (ARES_OPT_SOCK_STATE_CB) adds each to an inner epoll set, whose fd is
 * resolve_fd(): the loop polls it for EPOLLIN and calls resolve_process()
 * when it is readable. The retransmit and give-up deadlines of c-ares
 * (ares_timeout()) are one struct timer embedded in the resolver, armed on
 * the agent's timer heap; when it fires it lets c-ares expire what is due
 * and re-arms for the next deadline, or stays disarmed when nothing is
 * pending. Nothing here ever waits.
 *
 * A host that is a numeric address (192.0.2.1, 2001:db8::1, [2001:db8::1],
 * fe80::1%eth0) is parsed at once with AI_NUMERICHOST and sends no DNS
 * query. A name goes to c-ares: /etc/hosts first, then the DNS servers, in
 * the order /etc/nsswitch.conf gives. As with getaddrinfo() in addr.c, the
 * first address of the RFC 6724 sorted list is taken, IPv4 or IPv6, and it
 * comes back in the form addr_resolve() gives: IPv4 as v4-mapped IPv6
 * (addr_to_socket()), ready for the agent's dual-stack socket.
 *
 * Callbacks are deferred: a callback never runs inside resolve_start() or
 * resolve_cancel(), not even for a numeric host or a name found in
 * /etc/hosts, and never inside c-ares. Results are queued and delivered
 * from resolve_process() or from the resolver's timer (armed for "now"
 * when something is queued), so a callback may start, cancel or drop
 * lookups freely; it must not call resolve_free().
 */
#ifndef AGENT_CORE_RESOLVE_H
#define AGENT_CORE_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/timer.h"

struct ares_channeldata;	/* c-ares's ares_channel, kept opaque here */
struct resolve_query;

/*
 * The outcome of a lookup, called exactly once per resolve_start() that
 * returned 0, unless the query was cancelled or the resolver freed first.
 * err is 0 and sa/len the address (port set), or err is a negative errno
 * (-EHOSTUNREACH: no such name or no address; -ETIMEDOUT: no server
 * answered; -EAGAIN: server failure or refusal; -ECONNREFUSED: no server
 * reachable; -EINVAL: not a valid host; -EAFNOSUPPORT: a numeric address
 * not of family_hint; -EPROTO: bad answer; -ENOMEM; -EIO: /etc/hosts),
 * sa is NULL and errmsg says why in a few words fit for the end of a
 * log line ("name not found"). errmsg is NULL on success. sa and
 * errmsg are valid during the call only.
 */
typedef void (*resolve_cb)(void *arg, int err, const struct sockaddr *sa,
			   socklen_t len, const char *errmsg);

struct resolve_opts {
	/* "127.0.0.1:5353,[::1]:53" (ares_set_servers_ports_csv()); NULL
	 * for the servers of /etc/resolv.conf. */
	const char *servers;
	unsigned int timeout_ms;	/* first try's; 0: c-ares's default */
	unsigned int tries;		/* per server; 0: c-ares's default */
};

/* A circular list of queries; the head is a bare link. */
struct resolve_link {
	struct resolve_link *prev, *next;
};

struct resolver {
	struct ares_channeldata *ch;
	int epfd;			/* inner epoll: c-ares's sockets */
	struct timer_heap *th;
	struct timer timer;		/* c-ares's next deadline */
	struct resolve_link pending;	/* inside c-ares (cancelled too) */
	struct resolve_link ready;	/* done, callback not yet run */
	unsigned int nqueries;		/* on either list */
	bool lib_init;
	bool closing;
};

/* 0 or -errno (-ENOMEM, -EINVAL for bad servers, -EIO for a c-ares
 * failure). o may be NULL. On failure r is left freed. */
int resolve_init(struct resolver *r, struct timer_heap *th,
		 const struct resolve_opts *o);
/* Drops every query without calling its callback, closes every socket,
 * disarms the timer. Safe on a resolver whose init failed, and twice. */
void resolve_free(struct resolver *r);

/* The one fd for the loop's epoll set (EPOLLIN), or -1 before init. */
int resolve_fd(const struct resolver *r);
/* Call when resolve_fd() is readable: reads c-ares's sockets, runs the
 * callbacks of finished lookups, re-arms the timer. now: the timer heap's
 * clock (CLOCK_MONOTONIC ms). */
void resolve_process(struct resolver *r, uint64_t now);

/*
 * Look up host (a name, or a numeric IPv4/IPv6 address, brackets and
 * %scope allowed) for port. family_hint: AF_UNSPEC, AF_INET or AF_INET6.
 * 0: the lookup is under way, cb will be called later with arg, and if
 * q_out is not NULL *q_out is a handle for resolve_cancel(), valid until
 * cb returns. -EINVAL (empty host, bad family hint) or -ENOMEM: nothing
 * was started and cb will not be called.
 */
int resolve_start(struct resolver *r, const char *host, uint16_t port,
		  int family_hint, resolve_cb cb, void *arg,
		  struct resolve_query **q_out);
/* Forget a lookup: its callback will not be called. q may be NULL. Not
 * for a handle whose callback has returned (the query is gone then); a
 * query cancelled from inside its own callback is left alone. */
void resolve_cancel(struct resolver *r, struct resolve_query *q);
/* Lookups started and not yet finished, cancelled ones still in c-ares
 * included: for status output and tests. */
unsigned int resolve_pending(const struct resolver *r);

/* Parse a numeric host alone, at once and without DNS (the fast path of
 * resolve_start()): 0, or -EINVAL if host is not a numeric address. */
int resolve_numeric(const char *host, uint16_t port, int family_hint,
		    struct sockaddr_storage *out, socklen_t *len);

#endif /* AGENT_CORE_RESOLVE_H */
