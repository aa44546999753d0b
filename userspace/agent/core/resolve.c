// SPDX-License-Identifier: MIT
/*
 * Non-blocking name resolution on c-ares (resolve.h has the design).
 *
 * A query is on exactly one list from start to end:
 *
 *   pending  c-ares holds it (the getaddrinfo callback has not run yet).
 *            Cancelling only marks it: c-ares cannot drop one query, so it
 *            is freed, silently, when c-ares ends it (answer, time-out or
 *            ares_destroy()).
 *   ready    the outcome is in the query, its callback not yet run.
 *            Cancelling frees it at once.
 *   (batch)  a local list in deliver(): being delivered. A query whose
 *            callback runs is on no list; it is freed when it returns.
 *
 * c-ares may end a query from inside ares_getaddrinfo() (/etc/hosts, a bad
 * name, no server) and always from inside ares_process_fd(); its callback
 * here only files the outcome, so the caller's callback always runs from
 * deliver(), outside c-ares and outside resolve_start().
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <ares.h>

#include "core/clock.h"
#include "core/resolve.h"
#include "transport/addr.h"

/* A host longer than this is no name nor address: refused at the start. */
#define RESOLVE_HOST_MAX	1024
/* c-ares sockets looked at per resolve_process(); the fd stays readable
 * for the rest. */
#define RESOLVE_EVENTS		16

enum rq_state {
	RQ_PENDING,
	RQ_READY,
	RQ_FIRING,
};

struct resolve_query {
	struct resolve_link link;
	struct resolver *r;
	resolve_cb cb;
	void *arg;
	enum rq_state state;
	bool cancelled;
	uint16_t port;
	int family;
	int err;
	const char *errmsg;	/* static strings only */
	socklen_t len;
	struct sockaddr_storage sa;
	char host[];
};

/* ---- lists ----------------------------------------------------------- */

static void link_init(struct resolve_link *h)
{
	h->prev = h;
	h->next = h;
}

static bool link_empty(const struct resolve_link *h)
{
	return h->next == h;
}

static void link_add_tail(struct resolve_link *h, struct resolve_link *l)
{
	l->prev = h->prev;
	l->next = h;
	h->prev->next = l;
	h->prev = l;
}

static void link_del(struct resolve_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	link_init(l);
}

/* Move every entry of from to the empty list to. */
static void link_splice(struct resolve_link *from, struct resolve_link *to)
{
	link_init(to);
	if (link_empty(from))
		return;
	to->next = from->next;
	to->prev = from->prev;
	to->next->prev = to;
	to->prev->next = to;
	link_init(from);
}

static struct resolve_query *link_query(struct resolve_link *l)
{
	return container_of(l, struct resolve_query, link);
}

static void query_free(struct resolver *r, struct resolve_query *q)
{
	link_del(&q->link);
	r->nqueries--;
	free(q);
}

/* ---- outcomes -------------------------------------------------------- */

static void query_fail(struct resolve_query *q, int err, const char *msg)
{
	q->err = err;
	q->errmsg = msg;
}

/* c-ares status to -errno and the words for the log line. */
static int ares_to_err(int status, const char **msg)
{
	switch (status) {
	case ARES_ENOTFOUND:
		*msg = "name not found";
		return -EHOSTUNREACH;
	case ARES_ENODATA:
		*msg = "no address for this name";
		return -EHOSTUNREACH;
	case ARES_ETIMEOUT:
		*msg = "no answer from the DNS servers";
		return -ETIMEDOUT;
	case ARES_ECONNREFUSED:
		*msg = "DNS servers unreachable";
		return -ECONNREFUSED;
	case ARES_ESERVFAIL:
		*msg = "DNS server failure";
		return -EAGAIN;
	case ARES_EREFUSED:
		*msg = "DNS server refused the query";
		return -EAGAIN;
	case ARES_EBADNAME:
		*msg = "not a valid host name";
		return -EINVAL;
	case ARES_EFORMERR:
	case ARES_EBADRESP:
	case ARES_EBADQUERY:
		*msg = "bad answer from the DNS server";
		return -EPROTO;
	case ARES_ENOMEM:
		*msg = "out of memory";
		return -ENOMEM;
	case ARES_EFILE:
		*msg = "cannot read the hosts file";
		return -EIO;
	default:
		*msg = ares_strerror(status);
		return -EHOSTUNREACH;
	}
}

/* The first address c-ares gives (RFC 6724 order), as addr_resolve()
 * gives it. */
static void query_take(struct resolve_query *q,
		       const struct ares_addrinfo_node *n)
{
	struct sockaddr_storage ss;

	for (; n; n = n->ai_next) {
		if (n->ai_family != AF_INET && n->ai_family != AF_INET6)
			continue;
		if (q->family != AF_UNSPEC && n->ai_family != q->family)
			continue;
		if (!n->ai_addr || n->ai_addrlen > sizeof(ss))
			continue;
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, n->ai_addr, n->ai_addrlen);
		if (n->ai_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons(q->port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port =
				htons(q->port);
		addr_to_socket((struct sockaddr *)&ss, &q->sa, &q->len);
		q->err = 0;
		return;
	}
	query_fail(q, -EHOSTUNREACH, "no address for this name");
}

static void query_ready(struct resolver *r, struct resolve_query *q)
{
	link_del(&q->link);
	link_add_tail(&r->ready, &q->link);
	q->state = RQ_READY;
}

/* c-ares's getaddrinfo callback: file the outcome, call nobody. */
static void on_ares(void *arg, int status, int timeouts,
		    struct ares_addrinfo *ai)
{
	struct resolve_query *q = arg;
	struct resolver *r = q->r;

	(void)timeouts;
	if (q->cancelled || r->closing || status == ARES_EDESTRUCTION ||
	    status == ARES_ECANCELLED) {
		if (ai)
			ares_freeaddrinfo(ai);
		query_free(r, q);
		return;
	}
	if (status == ARES_SUCCESS && ai)
		query_take(q, ai->nodes);
	else if (status == ARES_SUCCESS)
		query_fail(q, -EHOSTUNREACH, "no address for this name");
	else
		q->err = ares_to_err(status, &q->errmsg);
	if (ai)
		ares_freeaddrinfo(ai);
	query_ready(r, q);
}

/* Run the callbacks of the queries ready now; those that become ready
 * meanwhile wait for the next round (the timer, armed for now). */
static void deliver(struct resolver *r)
{
	struct resolve_link batch;
	struct resolve_query *q;

	link_splice(&r->ready, &batch);
	while (!link_empty(&batch)) {
		q = link_query(batch.next);
		link_del(&q->link);
		q->state = RQ_FIRING;
		if (q->err)
			q->cb(q->arg, q->err, NULL, 0, q->errmsg);
		else
			q->cb(q->arg, 0, (const struct sockaddr *)&q->sa,
			      q->len, NULL);
		query_free(r, q);
	}
}

/* ---- the loop's side ------------------------------------------------- */

/* The timer: now if callbacks wait, else c-ares's next deadline, else
 * disarmed. */
static int rearm(struct resolver *r, uint64_t now)
{
	struct timeval tv, *tvp;
	uint64_t ms;

	if (!link_empty(&r->ready))
		return timer_arm(r->th, &r->timer, now);
	tvp = ares_timeout(r->ch, NULL, &tv);
	if (!tvp) {
		timer_cancel(r->th, &r->timer);
		return 0;
	}
	/* Rounded up: a timer that fires before c-ares's deadline would
	 * find nothing due and be armed again for the same moment. */
	ms = (uint64_t)tvp->tv_sec * 1000 +
	     ((uint64_t)tvp->tv_usec + 999) / 1000;
	return timer_arm(r->th, &r->timer, now + ms);
}

static void on_timer(struct timer *t, uint64_t now)
{
	struct resolver *r = container_of(t, struct resolver, timer);

	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	deliver(r);
	/* -ENOMEM only on a first arm: the timer was armed until now. */
	rearm(r, now);
}

void resolve_process(struct resolver *r, uint64_t now)
{
	struct epoll_event ev[RESOLVE_EVENTS];
	int i, n;

	if (!r->ch)
		return;
	n = epoll_wait(r->epfd, ev, RESOLVE_EVENTS, 0);
	for (i = 0; i < n; i++) {
		ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

		/* Errors and hang-ups go to c-ares as readable: its read
		 * finds them and moves on to the next server. */
		if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
			rfd = ev[i].data.fd;
		if (ev[i].events & EPOLLOUT)
			wfd = ev[i].data.fd;
		ares_process_fd(r->ch, rfd, wfd);
	}
	deliver(r);
	rearm(r, now);
}

int resolve_fd(const struct resolver *r)
{
	return r->epfd;
}

unsigned int resolve_pending(const struct resolver *r)
{
	return r->nqueries;
}

/* c-ares opens, watches or closes one of its sockets. */
static void on_sock_state(void *data, ares_socket_t fd, int readable,
			  int writable)
{
	struct resolver *r = data;
	struct epoll_event ev;

	if (r->epfd < 0)
		return;
	if (!readable && !writable) {
		epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	ev.data.fd = fd;
	if (epoll_ctl(r->epfd, EPOLL_CTL_MOD, fd, &ev) && errno == ENOENT)
		epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev);
	/* Should both fail, the query still ends on its time-out. */
}

/* c-ares's sockets stay out of the hook scripts the agent runs. */
static int on_sock_config(ares_socket_t fd, int type, void *data)
{
	int flags = fcntl(fd, F_GETFD);

	(void)type;
	(void)data;
	if (flags >= 0)
		fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
	return 0;
}

/* ---- setup ----------------------------------------------------------- */

static int ares_init_err(int status)
{
	switch (status) {
	case ARES_ENOMEM:
		return -ENOMEM;
	case ARES_EBADSTR:
	case ARES_ENODATA:
		return -EINVAL;
	default:
		return -EIO;
	}
}

int resolve_init(struct resolver *r, struct timer_heap *th,
		 const struct resolve_opts *o)
{
	struct ares_options opts;
	ares_channel ch;
	int mask, status, err;

	memset(r, 0, sizeof(*r));
	r->epfd = -1;
	r->th = th;
	timer_init(&r->timer, on_timer);
	link_init(&r->pending);
	link_init(&r->ready);
	if (!th)
		return -EINVAL;

	status = ares_library_init(ARES_LIB_INIT_ALL);
	if (status != ARES_SUCCESS)
		return ares_init_err(status);
	r->lib_init = true;

	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0) {
		err = -errno;
		goto fail;
	}

	memset(&opts, 0, sizeof(opts));
	mask = ARES_OPT_SOCK_STATE_CB;
	opts.sock_state_cb = on_sock_state;
	opts.sock_state_cb_data = r;
	if (o && o->timeout_ms) {
		mask |= ARES_OPT_TIMEOUTMS;
		opts.timeout = (int)o->timeout_ms;
	}
	if (o && o->tries) {
		mask |= ARES_OPT_TRIES;
		opts.tries = (int)o->tries;
	}
	status = ares_init_options(&ch, &opts, mask);
	if (status != ARES_SUCCESS) {
		err = ares_init_err(status);
		goto fail;
	}
	r->ch = ch;
	ares_set_socket_configure_callback(ch, on_sock_config, NULL);
	if (o && o->servers) {
		status = ares_set_servers_ports_csv(ch, o->servers);
		if (status != ARES_SUCCESS) {
			err = ares_init_err(status);
			goto fail;
		}
	}
	return 0;

fail:
	resolve_free(r);
	return err;
}

void resolve_free(struct resolver *r)
{
	r->closing = true;
	while (!link_empty(&r->ready))
		query_free(r, link_query(r->ready.next));
	if (r->ch) {
		/* Ends every query: on_ares() frees each, silently. */
		ares_destroy(r->ch);
		r->ch = NULL;
	}
	/* None is left; should one be, c-ares no longer knows it. */
	while (!link_empty(&r->pending))
		query_free(r, link_query(r->pending.next));
	if (r->th)
		timer_cancel(r->th, &r->timer);
	if (r->epfd >= 0) {
		close(r->epfd);
		r->epfd = -1;
	}
	if (r->lib_init) {
		ares_library_cleanup();
		r->lib_init = false;
	}
	r->closing = false;
}

/* ---- lookups --------------------------------------------------------- */

static bool family_ok(int family)
{
	return family == AF_UNSPEC || family == AF_INET || family == AF_INET6;
}

int resolve_numeric(const char *host, uint16_t port, int family_hint,
		    struct sockaddr_storage *out, socklen_t *len)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	size_t n = strlen(host);

	if (!family_ok(family_hint))
		return -EINVAL;
	/* [2001:db8::1] as in a URL or "host:port" string. */
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, host, n);
	buf[n] = '\0';

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	/* No NSS, no DNS: inet_aton()/inet_pton() and if_nametoindex(). */
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(buf, NULL, &hints, &res) || !res)
		return -EINVAL;
	if ((res->ai_family != AF_INET && res->ai_family != AF_INET6) ||
	    res->ai_addrlen > sizeof(ss)) {
		freeaddrinfo(res);
		return -EINVAL;
	}
	if (family_hint != AF_UNSPEC && res->ai_family != family_hint) {
		freeaddrinfo(res);
		return -EAFNOSUPPORT;
	}
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	addr_to_socket((struct sockaddr *)&ss, out, len);
	return 0;
}

/* No DNS name has these: a host with one is a bad address, not a name to
 * send to the servers. */
static bool not_a_name(const char *host)
{
	return strpbrk(host, ":%[]") != NULL;
}

int resolve_start(struct resolver *r, const char *host, uint16_t port,
		  int family_hint, resolve_cb cb, void *arg,
		  struct resolve_query **q_out)
{
	struct ares_addrinfo_hints hints;
	struct resolve_query *q;
	size_t n;
	int ret;

	if (q_out)
		*q_out = NULL;
	if (!r->ch || r->closing || !host || !cb || !family_ok(family_hint))
		return -EINVAL;
	n = strlen(host);
	if (!n || n > RESOLVE_HOST_MAX)
		return -EINVAL;
	q = calloc(1, sizeof(*q) + n + 1);
	if (!q)
		return -ENOMEM;
	q->r = r;
	q->cb = cb;
	q->arg = arg;
	q->port = port;
	q->family = family_hint;
	memcpy(q->host, host, n + 1);
	link_init(&q->link);
	r->nqueries++;

	ret = resolve_numeric(host, port, family_hint, &q->sa, &q->len);
	if (ret == -EAFNOSUPPORT) {
		query_fail(q, ret, family_hint == AF_INET ?
			   "not an IPv4 address" : "not an IPv6 address");
		query_ready(r, q);
	} else if (ret == 0) {
		query_ready(r, q);
	} else if (not_a_name(host)) {
		query_fail(q, -EINVAL, "not a valid address");
		query_ready(r, q);
	} else {
		link_add_tail(&r->pending, &q->link);
		q->state = RQ_PENDING;
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = family_hint;
		hints.ai_socktype = SOCK_DGRAM;
		/* No service: c-ares refuses port 0 as one. The port is set
		 * on the result. */
		ares_getaddrinfo(r->ch, q->host, NULL, &hints, on_ares, q);
		/* It may be ready already: /etc/hosts, a bad name. */
	}

	ret = rearm(r, clock_ms());
	if (ret) {
		/* Timer heap full and out of memory: c-ares's time-outs
		 * would never run. Give the query up, silently. */
		resolve_cancel(r, q);
		return ret;
	}
	if (q_out)
		*q_out = q;
	return 0;
}

void resolve_cancel(struct resolver *r, struct resolve_query *q)
{
	if (!q || q->r != r)
		return;
	switch (q->state) {
	case RQ_PENDING:
		/* c-ares still points at it: on_ares() frees it. */
		q->cancelled = true;
		q->cb = NULL;
		break;
	case RQ_READY:
		query_free(r, q);
		break;
	case RQ_FIRING:
		/* Its callback is running: it is freed when that returns. */
		break;
	}
}
