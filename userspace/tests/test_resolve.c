// SPDX-License-Identifier: MIT
/*
 * Unit tests: userspace/agent/core/resolve.c
 *
 * Every lookup goes to a DNS server of the test's own on 127.0.0.1: one
 * that never answers, one that answers A queries with 192.0.2.7, or one
 * that says NXDOMAIN. The system's servers are never asked. A mini event
 * loop, like the agent's, polls resolve_fd(), the test server and an
 * optional "handshake" socket, and runs the timer heap.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/clock.h"
#include "core/resolve.h"
#include "core/timer.h"
#include "transport/addr.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum dns_mode {
	DNS_SILENT,	/* reads and discards */
	DNS_ANSWER,	/* A: 192.0.2.7; any other type: no data */
	DNS_NXDOMAIN,
};

struct result {
	unsigned int calls;
	int err;
	struct sockaddr_storage sa;
	socklen_t len;
	char msg[128];
	uint64_t at;
	/* For the callback-side tests. */
	struct resolver *r;
	struct resolve_query *cancel;
};

struct env {
	struct timer_heap th;
	struct resolver r;
	bool r_up;
	int dns;
	char servers[32];
	enum dns_mode mode;
	unsigned int dns_queries;
	int other;		/* the "handshake" socket, or -1 */
	unsigned int nother;
	uint64_t max_latency_ns;
	uint64_t lat_ns[4096];	/* of the first packets on it */
	/* The peer that sends on it, a thread: stopped by teardown() too,
	 * should a test fail with it running. */
	int writer_fd;
	atomic_bool writer_stop;
	bool writer_up;
	pthread_t writer;
};

/* The bound on "at once": 20 ms, times AEGIS_TEST_TIME_SCALE (for runs
 * under valgrind, which slows everything down some 20 times). */
static uint64_t at_once_ns(void)
{
	const char *s = getenv("AEGIS_TEST_TIME_SCALE");
	unsigned long scale = s ? strtoul(s, NULL, 10) : 1;

	return 20 * 1000000ULL * (scale ? scale : 1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void on_result(void *arg, int err, const struct sockaddr *sa,
		      socklen_t len, const char *msg)
{
	struct result *res = arg;

	res->calls++;
	res->err = err;
	res->at = clock_ms();
	res->len = len;
	if (sa) {
		assert_null(msg);
		assert_true(len <= sizeof(res->sa));
		memcpy(&res->sa, sa, len);
	} else {
		assert_non_null(msg);
		snprintf(res->msg, sizeof(res->msg), "%s", msg);
	}
	if (res->cancel)
		resolve_cancel(res->r, res->cancel);
}

/* ---- the test's DNS server ----------------------------------------- */

static int dns_open(char *servers, size_t size)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(servers, size, "127.0.0.1:%u", ntohs(sin.sin_port));
	return fd;
}

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The answer to query q: its header and question, then for an A query in
 * DNS_ANSWER mode one A record, 192.0.2.7. 0 if q is no query. */
static size_t dns_answer(enum dns_mode mode, const uint8_t *q, size_t qlen,
			 uint8_t *out, size_t size)
{
	static const uint8_t a_rr[] = {
		0xc0, 0x0c,		/* the name: the question's */
		0x00, 0x01, 0x00, 0x01,	/* A, IN */
		0x00, 0x00, 0x00, 0x3c,	/* TTL 60 */
		0x00, 0x04, 192, 0, 2, 7,
	};
	size_t i = 12, end;
	unsigned int qtype, n;

	if (qlen < 12 || (q[2] & 0x80) || q[4] != 0 || q[5] != 1)
		return 0;
	while (i < qlen && q[i]) {
		if (q[i] & 0xc0)
			return 0;
		i += 1 + q[i];
	}
	end = i + 1 + 4;
	if (end > qlen || end + sizeof(a_rr) > size)
		return 0;
	qtype = (unsigned int)q[i + 1] << 8 | q[i + 2];
	memcpy(out, q, end);
	out[2] = 0x80 | (q[2] & 0x01);		/* QR, RD as asked */
	out[3] = 0x80;				/* RA, NOERROR */
	if (mode == DNS_NXDOMAIN)
		out[3] |= 3;
	n = mode == DNS_ANSWER && qtype == 1;
	put16(out + 6, n);			/* ANCOUNT */
	put16(out + 8, 0);			/* NSCOUNT */
	put16(out + 10, 0);			/* ARCOUNT */
	if (!n)
		return end;
	memcpy(out + end, a_rr, sizeof(a_rr));
	return end + sizeof(a_rr);
}

static void dns_serve(struct env *e)
{
	uint8_t q[512], a[600];
	struct sockaddr_storage from;
	socklen_t flen;
	size_t alen;

	for (;;) {
		ssize_t n;

		flen = sizeof(from);
		n = recvfrom(e->dns, q, sizeof(q), 0, (struct sockaddr *)&from,
			     &flen);
		if (n < 0)
			return;
		e->dns_queries++;
		if (e->mode == DNS_SILENT)
			continue;
		alen = dns_answer(e->mode, q, (size_t)n, a, sizeof(a));
		if (alen)
			sendto(e->dns, a, alen, 0, (struct sockaddr *)&from,
			       flen);
	}
}

/* ---- the mini event loop ------------------------------------------- */

enum { EV_RESOLVE = 1, EV_DNS, EV_OTHER };

static void ep_add(int ep, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
}

static void other_read(struct env *e)
{
	uint64_t ts;

	while (recv(e->other, &ts, sizeof(ts), MSG_DONTWAIT) ==
	       (ssize_t)sizeof(ts)) {
		uint64_t lat = mono_ns() - ts;

		if (lat > e->max_latency_ns)
			e->max_latency_ns = lat;
		if (e->nother < ARRAY_SIZE(e->lat_ns))
			e->lat_ns[e->nother] = lat;
		e->nother++;
	}
}

/* Run the loop until done() or for max_ms at most; true if done(). */
static bool run_loop(struct env *e, uint64_t max_ms,
		     bool (*done)(const struct env *e, const void *arg),
		     const void *arg)
{
	struct epoll_event ev[8];
	uint64_t now = clock_ms(), end = now + max_ms;
	int ep;
	bool ok = false;

	ep = epoll_create1(EPOLL_CLOEXEC);
	assert_true(ep >= 0);
	ep_add(ep, resolve_fd(&e->r), EV_RESOLVE);
	ep_add(ep, e->dns, EV_DNS);
	if (e->other >= 0)
		ep_add(ep, e->other, EV_OTHER);
	for (;;) {
		int i, n, tmo;

		if (done && done(e, arg)) {
			ok = true;
			break;
		}
		now = clock_ms();
		if (now >= end)
			break;
		tmo = timer_timeout(&e->th, now);
		if (tmo < 0 || (uint64_t)tmo > end - now)
			tmo = (int)(end - now);
		n = epoll_wait(ep, ev, 8, tmo);
		now = clock_ms();
		for (i = 0; i < n; i++) {
			switch (ev[i].data.u64) {
			case EV_RESOLVE:
				resolve_process(&e->r, now);
				break;
			case EV_DNS:
				dns_serve(e);
				break;
			case EV_OTHER:
				other_read(e);
				break;
			}
		}
		timer_run(&e->th, clock_ms());
	}
	close(ep);
	return ok;
}

static bool got_call(const struct env *e, const void *arg)
{
	const struct result *res = arg;

	(void)e;
	return res->calls > 0;
}

static bool none_pending(const struct env *e, const void *arg)
{
	(void)arg;
	return resolve_pending(&e->r) == 0;
}

/* The peer sending "handshake" packets every 5 ms: each carries the time
 * it was sent. */
static void *writer_main(void *arg)
{
	struct env *e = arg;
	const struct timespec gap = { 0, 5 * 1000 * 1000 };
	uint64_t ts;

	while (!atomic_load(&e->writer_stop)) {
		ts = mono_ns();
		if (send(e->writer_fd, &ts, sizeof(ts), 0) < 0)
			break;
		nanosleep(&gap, NULL);
	}
	return NULL;
}

static void writer_start(struct env *e)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv),
			 0);
	e->other = sv[0];
	e->writer_fd = sv[1];
	atomic_store(&e->writer_stop, false);
	assert_int_equal(pthread_create(&e->writer, NULL, writer_main, e), 0);
	e->writer_up = true;
}

static void writer_stop(struct env *e)
{
	if (!e->writer_up)
		return;
	atomic_store(&e->writer_stop, true);
	pthread_join(e->writer, NULL);
	e->writer_up = false;
	close(e->writer_fd);
	e->writer_fd = -1;
}

/* ---- fixtures ------------------------------------------------------ */

static int env_up(void **state, enum dns_mode mode, unsigned int timeout_ms,
		  unsigned int tries)
{
	struct env *e = calloc(1, sizeof(*e));
	struct resolve_opts o;

	assert_non_null(e);
	timer_heap_init(&e->th);
	e->other = -1;
	e->writer_fd = -1;
	e->mode = mode;
	e->dns = dns_open(e->servers, sizeof(e->servers));
	memset(&o, 0, sizeof(o));
	o.servers = e->servers;
	o.timeout_ms = timeout_ms;
	o.tries = tries;
	assert_int_equal(resolve_init(&e->r, &e->th, &o), 0);
	e->r_up = true;
	assert_true(resolve_fd(&e->r) >= 0);
	*state = e;
	return 0;
}

static int setup_silent(void **state)
{
	return env_up(state, DNS_SILENT, 200, 2);
}

static int setup_answer(void **state)
{
	return env_up(state, DNS_ANSWER, 200, 2);
}

static int setup_nxdomain(void **state)
{
	return env_up(state, DNS_NXDOMAIN, 200, 2);
}

static int teardown(void **state)
{
	struct env *e = *state;

	writer_stop(e);
	/* Twice on purpose for the tests that freed already. */
	resolve_free(&e->r);
	assert_int_equal(timer_count(&e->th), 0);
	timer_heap_free(&e->th);
	close(e->dns);
	if (e->other >= 0)
		close(e->other);
	free(e);
	return 0;
}

/* ---- helpers ------------------------------------------------------- */

static void check_v4(const struct result *res, const char *addr,
		     unsigned int port)
{
	struct aegis_udp_endpoint ep;
	struct in_addr want;

	assert_int_equal(res->err, 0);
	/* The agent's socket form: v4-mapped IPv6. */
	assert_int_equal(res->sa.ss_family, AF_INET6);
	assert_int_equal(res->len, sizeof(struct sockaddr_in6));
	assert_int_equal(addr_to_endpoint((const struct sockaddr *)&res->sa,
					  &ep), 0);
	assert_int_equal(ep.addr.family, AF_INET);
	assert_int_equal(inet_pton(AF_INET, addr, &want), 1);
	assert_memory_equal(&ep.addr.u.v4, &want, 4);
	assert_int_equal(ep.port, port);
}

/* Resolve a numeric host and check it against addr_resolve(), which for a
 * numeric host never leaves the process either. */
static void numeric_case(struct env *e, const char *host, const char *plain,
			 uint16_t port)
{
	struct result res;
	struct sockaddr_storage want;
	socklen_t wlen;
	char err[128];

	memset(&res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, host, port, AF_UNSPEC,
				       on_result, &res, NULL), 0);
	/* Never from inside resolve_start(). */
	assert_int_equal(res.calls, 0);
	assert_true(run_loop(e, 1000, got_call, &res));
	assert_int_equal(res.calls, 1);
	assert_int_equal(res.err, 0);
	assert_int_equal(addr_resolve(plain, port, &want, &wlen, err,
				      sizeof(err)), 0);
	assert_int_equal(res.len, wlen);
	assert_memory_equal(&res.sa, &want, wlen);
}

/* ---- 1: no DNS needed ---------------------------------------------- */

static void test_localhost(void **state)
{
	struct env *e = *state;
	struct result res;
	struct aegis_udp_endpoint ep;
	static const uint8_t v6_lo[16] = { [15] = 1 };

	memset(&res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, "localhost", 5101, AF_UNSPEC,
				       on_result, &res, NULL), 0);
	assert_int_equal(res.calls, 0);
	assert_true(run_loop(e, 2000, got_call, &res));
	assert_int_equal(res.calls, 1);
	assert_int_equal(res.err, 0);
	assert_int_equal(addr_to_endpoint((struct sockaddr *)&res.sa, &ep), 0);
	assert_int_equal(ep.port, 5101);
	if (ep.addr.family == AF_INET)
		assert_int_equal(ntohl(ep.addr.u.v4.s_addr) >> 24, 127);
	else
		assert_memory_equal(&ep.addr.u.v6, v6_lo, 16);
	/* /etc/hosts (or RFC 6761) only. */
	run_loop(e, 20, NULL, NULL);
	assert_int_equal(e->dns_queries, 0);
	assert_int_equal(resolve_pending(&e->r), 0);
	assert_int_equal(timer_count(&e->th), 0);
}

static void test_numeric(void **state)
{
	struct env *e = *state;
	struct result res;
	struct sockaddr_in6 *s6;
	unsigned int lo = if_nametoindex("lo");

	numeric_case(e, "192.0.2.1", "192.0.2.1", 443);
	numeric_case(e, "2001:db8::5", "2001:db8::5", 7);
	numeric_case(e, "[2001:db8::5]", "2001:db8::5", 7);
	numeric_case(e, "::ffff:192.0.2.9", "::ffff:192.0.2.9", 1);
	numeric_case(e, "198.51.100.3", "198.51.100.3", 0);
	assert_true(lo > 0);
	numeric_case(e, "fe80::1%lo", "fe80::1%lo", 5101);
	numeric_case(e, "fe80::1%1", "fe80::1%1", 5101);

	/* The scope form keeps its interface. */
	memset(&res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, "fe80::1%lo", 9, AF_INET6,
				       on_result, &res, NULL), 0);
	assert_true(run_loop(e, 1000, got_call, &res));
	s6 = (struct sockaddr_in6 *)&res.sa;
	assert_int_equal(s6->sin6_family, AF_INET6);
	assert_int_equal(s6->sin6_scope_id, lo);
	assert_int_equal(ntohs(s6->sin6_port), 9);

	/* An address of the other family than the one asked for. */
	memset(&res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, "192.0.2.1", 9, AF_INET6,
				       on_result, &res, NULL), 0);
	assert_true(run_loop(e, 1000, got_call, &res));
	assert_int_equal(res.err, -EAFNOSUPPORT);
	assert_string_equal(res.msg, "not an IPv6 address");

	/* Not an address, and no name either: no query for it. */
	memset(&res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, "fe80::1%nosuchif0", 9,
				       AF_UNSPEC, on_result, &res, NULL), 0);
	assert_true(run_loop(e, 1000, got_call, &res));
	assert_int_equal(res.calls, 1);
	assert_int_equal(res.err, -EINVAL);
	assert_string_equal(res.msg, "not a valid address");

	run_loop(e, 20, NULL, NULL);
	assert_int_equal(e->dns_queries, 0);
	assert_int_equal(timer_count(&e->th), 0);
}

static void test_bad_args(void **state)
{
	struct env *e = *state;
	struct resolve_query *q = NULL;
	struct result res;
	struct resolver r2;
	struct resolve_opts o = { .servers = "not a server list" };
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, "", 1, AF_UNSPEC, on_result,
				       &res, &q), -EINVAL);
	assert_null(q);
	assert_int_equal(resolve_start(&e->r, NULL, 1, AF_UNSPEC, on_result,
				       &res, &q), -EINVAL);
	assert_int_equal(resolve_start(&e->r, "x", 1, AF_PACKET, on_result,
				       &res, NULL), -EINVAL);
	assert_int_equal(resolve_pending(&e->r), 0);
	assert_int_equal(resolve_init(&r2, &e->th, &o), -EINVAL);
	assert_int_equal(resolve_fd(&r2), -1);
	resolve_free(&r2);

	assert_int_equal(resolve_numeric("192.0.2.1", 80, AF_INET, &ss, &len),
			 0);
	assert_int_equal(resolve_numeric("peer.invalid", 80, AF_UNSPEC, &ss,
					 &len), -EINVAL);
	assert_int_equal(resolve_numeric("2001:db8::1", 80, AF_INET, &ss,
					 &len), -EAFNOSUPPORT);
	assert_int_equal(resolve_numeric("[]", 80, AF_UNSPEC, &ss, &len),
			 -EINVAL);
	run_loop(e, 10, NULL, NULL);
	assert_int_equal(res.calls, 0);
	assert_int_equal(e->dns_queries, 0);
}

/* ---- 2: a server that never answers does not stall the loop --------- */

static void test_silent_server(void **state)
{
	struct env *e = *state;
	struct result res;
	struct resolve_query *q = NULL;
	uint64_t t0, start_ns, p95;
	size_t n;

	writer_start(e);
	memset(&res, 0, sizeof(res));
	t0 = clock_ms();
	start_ns = mono_ns();
	assert_int_equal(resolve_start(&e->r, "peer.invalid", 443, AF_UNSPEC,
				       on_result, &res, &q), 0);
	start_ns = mono_ns() - start_ns;
	assert_non_null(q);
	assert_int_equal(resolve_pending(&e->r), 1);
	assert_true(run_loop(e, 5000, got_call, &res));
	writer_stop(e);

	/* Starting it took no time either. */
	assert_true(start_ns < at_once_ns());

	/* Ended by c-ares's own time-out: 200 ms, then 400 ms. */
	assert_int_equal(res.calls, 1);
	assert_int_equal(res.err, -ETIMEDOUT);
	assert_string_equal(res.msg, "no answer from the DNS servers");
	assert_true(res.at - t0 >= 200);
	assert_true(res.at - t0 < 3000);
	/* Both tries of both families reached the server. */
	assert_true(e->dns_queries >= 2);
	/*
	 * Meanwhile the other socket was served at once: 95 packets in 100
	 * within 20 ms of being sent, the rest as the scheduler allows on a
	 * busy machine. A resolver that blocked would have held them all
	 * for a whole try (200 ms or more).
	 */
	n = e->nother < ARRAY_SIZE(e->lat_ns) ? e->nother :
		ARRAY_SIZE(e->lat_ns);
	assert_true(n >= 10);
	qsort(e->lat_ns, n, sizeof(e->lat_ns[0]), cmp_u64);
	p95 = e->lat_ns[n * 95 / 100];
	print_message("%u handshake packets while pending: 95%% within "
		      "%.2f ms, all within %.2f ms\n", e->nother,
		      (double)p95 / 1e6, (double)e->max_latency_ns / 1e6);
	assert_true(p95 < at_once_ns());
	/* 140 ms: less than one try. */
	assert_true(e->max_latency_ns < 7 * at_once_ns());

	/* Exactly once, and nothing left behind. */
	run_loop(e, 300, NULL, NULL);
	assert_int_equal(res.calls, 1);
	assert_int_equal(resolve_pending(&e->r), 0);
	assert_int_equal(timer_count(&e->th), 0);
}

/* ---- 3: a server that answers ------------------------------------- */

static void test_answer(void **state)
{
	struct env *e = *state;
	struct result res;

	memset(&res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, "peer.test", 5101, AF_UNSPEC,
				       on_result, &res, NULL), 0);
	assert_true(run_loop(e, 2000, got_call, &res));
	assert_int_equal(res.calls, 1);
	check_v4(&res, "192.0.2.7", 5101);
	/* A and AAAA. */
	assert_int_equal(e->dns_queries, 2);

	memset(&res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, "peer.test", 443, AF_INET,
				       on_result, &res, NULL), 0);
	assert_true(run_loop(e, 2000, got_call, &res));
	check_v4(&res, "192.0.2.7", 443);
	assert_int_equal(e->dns_queries, 3);

	/* AAAA only: the server has none. */
	memset(&res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, "peer.test", 443, AF_INET6,
				       on_result, &res, NULL), 0);
	assert_true(run_loop(e, 2000, got_call, &res));
	assert_int_equal(res.err, -EHOSTUNREACH);
	assert_string_equal(res.msg, "no address for this name");

	run_loop(e, 20, NULL, NULL);
	assert_int_equal(resolve_pending(&e->r), 0);
	assert_int_equal(timer_count(&e->th), 0);
}

static void test_nxdomain(void **state)
{
	struct env *e = *state;
	struct result res;
	char line[256];

	memset(&res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, "foo.example", 443, AF_UNSPEC,
				       on_result, &res, NULL), 0);
	assert_true(run_loop(e, 2000, got_call, &res));
	assert_int_equal(res.calls, 1);
	assert_int_equal(res.err, -EHOSTUNREACH);
	snprintf(line, sizeof(line), "static peer %s:%u: %s", "foo.example",
		 443u, res.msg);
	assert_string_equal(line,
			    "static peer foo.example:443: name not found");
}

/* ---- 4: cancel and free ------------------------------------------- */

static void test_cancel_pending(void **state)
{
	struct env *e = *state;
	struct result res;
	struct resolve_query *q = NULL;

	memset(&res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, "peer.invalid", 443, AF_UNSPEC,
				       on_result, &res, &q), 0);
	run_loop(e, 50, NULL, NULL);
	assert_true(e->dns_queries >= 1);
	resolve_cancel(&e->r, q);
	/* c-ares lets go of it on its time-out; the callback never runs. */
	assert_int_equal(resolve_pending(&e->r), 1);
	assert_true(run_loop(e, 5000, none_pending, NULL));
	run_loop(e, 50, NULL, NULL);
	assert_int_equal(res.calls, 0);
	assert_int_equal(timer_count(&e->th), 0);
}

static void test_cancel_ready(void **state)
{
	struct env *e = *state;
	struct result res;
	struct resolve_query *q = NULL;

	/* Resolved at once, callback pending: cancel frees it now. */
	memset(&res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, "192.0.2.1", 443, AF_UNSPEC,
				       on_result, &res, &q), 0);
	assert_int_equal(resolve_pending(&e->r), 1);
	resolve_cancel(&e->r, q);
	assert_int_equal(resolve_pending(&e->r), 0);
	resolve_cancel(&e->r, NULL);
	run_loop(e, 50, NULL, NULL);
	assert_int_equal(res.calls, 0);
}

/* A callback cancels a lookup delivered in the same round, and its own. */
static void test_cancel_from_callback(void **state)
{
	struct env *e = *state;
	struct result a, b;
	struct resolve_query *qa = NULL, *qb = NULL;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(resolve_start(&e->r, "192.0.2.1", 1, AF_UNSPEC,
				       on_result, &a, &qa), 0);
	assert_int_equal(resolve_start(&e->r, "192.0.2.2", 2, AF_UNSPEC,
				       on_result, &b, &qb), 0);
	a.r = &e->r;
	a.cancel = qb;
	b.r = &e->r;
	b.cancel = qb;
	run_loop(e, 50, NULL, NULL);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 0);
	assert_int_equal(resolve_pending(&e->r), 0);

	/* Cancelling itself from its own callback is harmless. */
	memset(&a, 0, sizeof(a));
	assert_int_equal(resolve_start(&e->r, "192.0.2.3", 3, AF_UNSPEC,
				       on_result, &a, &qa), 0);
	a.r = &e->r;
	a.cancel = qa;
	run_loop(e, 50, NULL, NULL);
	assert_int_equal(a.calls, 1);
	assert_int_equal(resolve_pending(&e->r), 0);
}

struct chain {
	struct resolver *r;
	struct result next;
	unsigned int calls;
	int start_ret;
};

static void on_chain(void *arg, int err, const struct sockaddr *sa,
		     socklen_t len, const char *msg)
{
	struct chain *c = arg;

	(void)sa;
	(void)len;
	(void)msg;
	assert_int_equal(err, 0);
	c->calls++;
	c->start_ret = resolve_start(c->r, "localhost", 9, AF_UNSPEC,
				     on_result, &c->next, NULL);
	/* Not from inside resolve_start(), even when called back. */
	assert_int_equal(c->next.calls, 0);
}

/* A callback starts the next lookup: it is delivered in a later round. */
static void test_start_from_callback(void **state)
{
	struct env *e = *state;
	struct chain c;

	memset(&c, 0, sizeof(c));
	c.r = &e->r;
	assert_int_equal(resolve_start(&e->r, "192.0.2.1", 1, AF_UNSPEC,
				       on_chain, &c, NULL), 0);
	assert_true(run_loop(e, 2000, got_call, &c.next));
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.start_ret, 0);
	assert_int_equal(c.next.calls, 1);
	assert_int_equal(c.next.err, 0);
	assert_int_equal(resolve_pending(&e->r), 0);
	assert_int_equal(timer_count(&e->th), 0);
}

static void test_free_pending(void **state)
{
	struct env *e = *state;
	struct result res[4];
	struct resolve_opts o;
	unsigned int i;

	memset(res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, "peer.invalid", 1, AF_UNSPEC,
				       on_result, &res[0], NULL), 0);
	assert_int_equal(resolve_start(&e->r, "other.invalid", 2, AF_INET,
				       on_result, &res[1], NULL), 0);
	assert_int_equal(resolve_start(&e->r, "192.0.2.1", 3, AF_UNSPEC,
				       on_result, &res[2], NULL), 0);
	assert_int_equal(resolve_start(&e->r, "localhost", 4, AF_UNSPEC,
				       on_result, &res[3], NULL), 0);
	run_loop(e, 30, NULL, NULL);
	assert_true(e->dns_queries >= 1);
	/* The last two may have been delivered by now; the first two not. */
	assert_int_equal(res[0].calls + res[1].calls, 0);
	resolve_free(&e->r);
	assert_int_equal(timer_count(&e->th), 0);
	assert_int_equal(resolve_pending(&e->r), 0);
	assert_int_equal(resolve_fd(&e->r), -1);
	for (i = 0; i < 2; i++)
		assert_int_equal(res[i].calls, 0);

	/* Freed while results wait for delivery: none runs either. */
	memset(&o, 0, sizeof(o));
	o.servers = e->servers;
	assert_int_equal(resolve_init(&e->r, &e->th, &o), 0);
	memset(res, 0, sizeof(res));
	assert_int_equal(resolve_start(&e->r, "192.0.2.1", 3, AF_UNSPEC,
				       on_result, &res[0], NULL), 0);
	assert_int_equal(resolve_start(&e->r, "2001:db8::1", 3, AF_UNSPEC,
				       on_result, &res[1], NULL), 0);
	resolve_free(&e->r);
	assert_int_equal(res[0].calls + res[1].calls, 0);
	assert_int_equal(timer_count(&e->th), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_localhost, setup_silent,
						teardown),
		cmocka_unit_test_setup_teardown(test_numeric, setup_silent,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup_silent,
						teardown),
		cmocka_unit_test_setup_teardown(test_silent_server,
						setup_silent, teardown),
		cmocka_unit_test_setup_teardown(test_answer, setup_answer,
						teardown),
		cmocka_unit_test_setup_teardown(test_nxdomain, setup_nxdomain,
						teardown),
		cmocka_unit_test_setup_teardown(test_cancel_pending,
						setup_silent, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_ready, setup_silent,
						teardown),
		cmocka_unit_test_setup_teardown(test_cancel_from_callback,
						setup_silent, teardown),
		cmocka_unit_test_setup_teardown(test_start_from_callback,
						setup_silent, teardown),
		cmocka_unit_test_setup_teardown(test_free_pending, setup_silent,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
