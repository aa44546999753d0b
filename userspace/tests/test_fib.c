// SPDX-License-Identifier: MIT
/*
 * Unit tests: userspace/agent/fib/fib.c, against a fake kernel that logs
 * every call ("set A ep=1000 via=- ka=25 fl=0", "padd A 10.0.0.1/32", ...)
 * and models the module's rules (kernel/netlink_node.c, node.c, prefix.c):
 * a next hop must exist and be direct, a next hop of others cannot get
 * one (-EBUSY), deleting a node drops its prefixes and makes the nodes
 * through it direct, a prefix has one owner and adding it moves it, a
 * prefix_del for another owner is -ENOENT. A call the model refuses
 * fails the test unless it was injected.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fib/fib.h"
#include "netaddr.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_LOG		64
#define MAX_MODEL	64
#define CALL_SIZE	128

struct mnode {
	bool used;
	uint8_t id[AEGIS_NODE_ID_LEN];
	bool has_via;
	uint8_t via[AEGIS_NODE_ID_LEN];
	bool has_ep;
	uint16_t port;
	uint16_t keepalive;
	uint32_t flags;
};

struct mpfx {
	bool used;
	struct aegis_prefix p;
	uint8_t owner[AEGIS_NODE_ID_LEN];
};

struct fake {
	bool model;		/* check the calls against the model */
	bool quiet;		/* count only */
	char log[MAX_LOG][CALL_SIZE];
	unsigned int n_log;
	unsigned long calls[FIB_OP_MAX];
	unsigned long total;
	unsigned int failed_told;	/* fib_ops.failed */
	unsigned int refused;		/* by the model */
	/* Injection: fail calls starting with fail_match, fail_left times. */
	const char *fail_match;
	int fail_err;
	int fail_left;
	struct mnode nodes[MAX_MODEL];
	struct mpfx pfxs[MAX_MODEL];
	struct mpfx routes[MAX_MODEL];
};

struct fixture {
	struct fake fk;
	struct fib *f;
};

/* ---- ids, endpoints, prefixes ------------------------------------------ */

/* Node 'A': 32 bytes of 'A'. */
static const uint8_t *ID(char c)
{
	static uint8_t ids[26][AEGIS_NODE_ID_LEN];
	uint8_t *id = ids[c - 'A'];

	memset(id, c, AEGIS_NODE_ID_LEN);
	return id;
}

/* Node number i (the scale test): "#i". */
static void num_id(uint8_t *id, unsigned int i)
{
	memset(id, 0x01, AEGIS_NODE_ID_LEN);
	id[0] = (uint8_t)(i >> 24);
	id[1] = (uint8_t)(i >> 16);
	id[2] = (uint8_t)(i >> 8);
	id[3] = (uint8_t)i;
}

static void id_name(const uint8_t *id, char *buf, size_t size)
{
	unsigned int i;

	for (i = 1; i < AEGIS_NODE_ID_LEN && id[i] == id[0]; i++)
		;
	if (i == AEGIS_NODE_ID_LEN)
		snprintf(buf, size, "%c", id[0]);
	else
		snprintf(buf, size, "#%u", (unsigned int)id[0] << 24 |
			 (unsigned int)id[1] << 16 | (unsigned int)id[2] << 8 |
			 id[3]);
}

static struct aegis_udp_endpoint EP(uint16_t port)
{
	struct aegis_udp_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	assert_int_equal(aegis_addr_parse("192.0.2.1", &ep.addr), 0);
	ep.port = port;
	return ep;
}

static struct aegis_prefix P(const char *s)
{
	struct aegis_prefix p;

	assert_int_equal(aegis_prefix_parse(s, &p, NULL, 0), 0);
	return p;
}

static struct fib_prefix FP(const char *s, bool os_route)
{
	struct fib_prefix fp;

	memset(&fp, 0, sizeof(fp));
	fp.prefix = P(s);
	fp.os_route = os_route;
	return fp;
}

static bool same_prefix(const struct aegis_prefix *a,
			const struct aegis_prefix *b)
{
	size_t len = aegis_addr_len(a->addr.family);

	return a->addr.family == b->addr.family && a->len == b->len &&
	       !memcmp(a->addr.u.bytes, b->addr.u.bytes, len);
}

/* ---- the model --------------------------------------------------------- */

static struct mnode *m_node_find(struct fake *fk, const uint8_t *id)
{
	unsigned int i;

	for (i = 0; i < MAX_MODEL; i++) {
		if (fk->nodes[i].used &&
		    !memcmp(fk->nodes[i].id, id, AEGIS_NODE_ID_LEN))
			return &fk->nodes[i];
	}
	return NULL;
}

static struct mpfx *m_pfx_find(struct mpfx *tab, const struct aegis_prefix *p)
{
	unsigned int i;

	for (i = 0; i < MAX_MODEL; i++) {
		if (tab[i].used && same_prefix(&tab[i].p, p))
			return &tab[i];
	}
	return NULL;
}

static struct mpfx *m_pfx_new(struct mpfx *tab, const struct aegis_prefix *p)
{
	unsigned int i;

	for (i = 0; i < MAX_MODEL; i++) {
		if (!tab[i].used) {
			memset(&tab[i], 0, sizeof(tab[i]));
			tab[i].used = true;
			tab[i].p = *p;
			return &tab[i];
		}
	}
	fail_msg("model full");
	return NULL;
}

static bool m_is_next_hop(const struct fake *fk, const uint8_t *id)
{
	unsigned int i;

	for (i = 0; i < MAX_MODEL; i++) {
		if (fk->nodes[i].used && fk->nodes[i].has_via &&
		    !memcmp(fk->nodes[i].via, id, AEGIS_NODE_ID_LEN))
			return true;
	}
	return false;
}

static int m_node_set(struct fake *fk, const uint8_t *id,
		      const struct aegis_udp_endpoint *ep, const uint8_t *via,
		      uint16_t keepalive, uint32_t flags)
{
	struct mnode *m = m_node_find(fk, id);

	if (via) {
		const struct mnode *v;

		if (!memcmp(via, id, AEGIS_NODE_ID_LEN))
			return -EINVAL;
		v = m_node_find(fk, via);
		if (!v)
			return -ENOENT;
		if (v->has_via)
			return -EINVAL;
		if (m && m_is_next_hop(fk, id))
			return -EBUSY;
	}
	if (!m) {
		unsigned int i;

		for (i = 0; i < MAX_MODEL && fk->nodes[i].used; i++)
			;
		assert_true(i < MAX_MODEL);
		m = &fk->nodes[i];
		memset(m, 0, sizeof(*m));
		m->used = true;
		memcpy(m->id, id, AEGIS_NODE_ID_LEN);
	}
	if (ep) {
		m->has_ep = true;
		m->port = ep->port;
	}
	m->has_via = via != NULL;
	if (via)
		memcpy(m->via, via, AEGIS_NODE_ID_LEN);
	m->keepalive = keepalive;
	m->flags = flags;
	return 0;
}

static int m_node_del(struct fake *fk, const uint8_t *id)
{
	struct mnode *m = m_node_find(fk, id);
	unsigned int i;

	if (!m)
		return -ENOENT;
	for (i = 0; i < MAX_MODEL; i++) {
		if (fk->pfxs[i].used &&
		    !memcmp(fk->pfxs[i].owner, id, AEGIS_NODE_ID_LEN))
			fk->pfxs[i].used = false;
		if (fk->nodes[i].used && fk->nodes[i].has_via &&
		    !memcmp(fk->nodes[i].via, id, AEGIS_NODE_ID_LEN))
			fk->nodes[i].has_via = false;
	}
	m->used = false;
	return 0;
}

static int m_prefix_add(struct fake *fk, const uint8_t *id,
			const struct aegis_prefix *p)
{
	struct mpfx *x;

	if (!m_node_find(fk, id))
		return -ENOENT;
	x = m_pfx_find(fk->pfxs, p);
	if (!x)
		x = m_pfx_new(fk->pfxs, p);
	memcpy(x->owner, id, AEGIS_NODE_ID_LEN);	/* moves it */
	return 0;
}

static int m_prefix_del(struct fake *fk, const uint8_t *id,
			const struct aegis_prefix *p)
{
	struct mpfx *x = m_pfx_find(fk->pfxs, p);

	if (!x || memcmp(x->owner, id, AEGIS_NODE_ID_LEN))
		return -ENOENT;
	x->used = false;
	return 0;
}

/* ---- the fake ops ------------------------------------------------------ */

/* Log the call; fail it if injected. */
static int fake_call(struct fake *fk, enum fib_op op, const char *call)
{
	fk->calls[op]++;
	fk->total++;
	if (!fk->quiet) {
		assert_true(fk->n_log < MAX_LOG);
		snprintf(fk->log[fk->n_log++], CALL_SIZE, "%s", call);
	}
	if (fk->fail_left > 0 &&
	    !strncmp(call, fk->fail_match, strlen(fk->fail_match))) {
		fk->fail_left--;
		return fk->fail_err;
	}
	return 0;
}

/* A refusal of the model: the fib broke a rule of the kernel. */
static int model_ret(struct fake *fk, const char *call, int ret)
{
	if (ret) {
		fk->refused++;
		print_message("model refused \"%s\": %s\n", call,
			      strerror(-ret));
	}
	return ret;
}

static int fake_node_set(void *ctx, const uint8_t *id,
			 const struct aegis_udp_endpoint *ep, const uint8_t *via,
			 uint16_t keepalive, uint32_t flags)
{
	struct fake *fk = ctx;
	char call[CALL_SIZE], s[16], v[16], e[8];
	int ret;

	id_name(id, s, sizeof(s));
	if (via)
		id_name(via, v, sizeof(v));
	else
		snprintf(v, sizeof(v), "-");
	if (ep)
		snprintf(e, sizeof(e), "%u", ep->port);
	else
		snprintf(e, sizeof(e), "-");
	snprintf(call, sizeof(call), "set %s ep=%s via=%s ka=%u fl=%u", s, e,
		 v, keepalive, flags);
	ret = fake_call(fk, FIB_OP_NODE_SET, call);
	if (ret || !fk->model)
		return ret;
	return model_ret(fk, call, m_node_set(fk, id, ep, via, keepalive,
					      flags));
}

static int fake_node_del(void *ctx, const uint8_t *id)
{
	struct fake *fk = ctx;
	char call[CALL_SIZE], s[16];
	int ret;

	id_name(id, s, sizeof(s));
	snprintf(call, sizeof(call), "del %s", s);
	ret = fake_call(fk, FIB_OP_NODE_DEL, call);
	if (ret || !fk->model)
		return ret;
	return model_ret(fk, call, m_node_del(fk, id));
}

static void prefix_call(char *call, const char *what, const uint8_t *id,
			const struct aegis_prefix *p)
{
	char ps[AEGIS_PREFIX_STRSIZE];

	assert_int_equal(aegis_prefix_format(p, ps, sizeof(ps)), 0);
	if (id) {
		char s[16];

		id_name(id, s, sizeof(s));
		snprintf(call, CALL_SIZE, "%s %s %s", what, s, ps);
	} else {
		snprintf(call, CALL_SIZE, "%s %s", what, ps);
	}
}

static int fake_prefix_add(void *ctx, const uint8_t *id,
			   const struct aegis_prefix *p)
{
	struct fake *fk = ctx;
	char call[CALL_SIZE];
	int ret;

	prefix_call(call, "padd", id, p);
	ret = fake_call(fk, FIB_OP_PREFIX_ADD, call);
	if (ret || !fk->model)
		return ret;
	return model_ret(fk, call, m_prefix_add(fk, id, p));
}

static int fake_prefix_del(void *ctx, const uint8_t *id,
			   const struct aegis_prefix *p)
{
	struct fake *fk = ctx;
	char call[CALL_SIZE];
	int ret;

	prefix_call(call, "pdel", id, p);
	ret = fake_call(fk, FIB_OP_PREFIX_DEL, call);
	if (ret || !fk->model)
		return ret;
	return model_ret(fk, call, m_prefix_del(fk, id, p));
}

static int fake_route_add(void *ctx, const struct aegis_prefix *p)
{
	struct fake *fk = ctx;
	char call[CALL_SIZE];
	int ret;

	prefix_call(call, "radd", NULL, p);
	ret = fake_call(fk, FIB_OP_ROUTE_ADD, call);
	if (ret || !fk->model)
		return ret;
	/* kernel_route_add: EEXIST is fine. */
	if (!m_pfx_find(fk->routes, p))
		m_pfx_new(fk->routes, p);
	return 0;
}

static int fake_route_del(void *ctx, const struct aegis_prefix *p)
{
	struct fake *fk = ctx;
	char call[CALL_SIZE];
	struct mpfx *x;
	int ret;

	prefix_call(call, "rdel", NULL, p);
	ret = fake_call(fk, FIB_OP_ROUTE_DEL, call);
	if (ret || !fk->model)
		return ret;
	/* kernel_route_del: ENOENT is fine. */
	x = m_pfx_find(fk->routes, p);
	if (x)
		x->used = false;
	return 0;
}

static void fake_failed(void *ctx, enum fib_op op, const uint8_t *id,
			const struct aegis_prefix *p, int err)
{
	struct fake *fk = ctx;

	(void)op;
	(void)id;
	(void)p;
	assert_true(err < 0);
	fk->failed_told++;
}

static const struct fib_ops fake_ops = {
	.node_set = fake_node_set,
	.node_del = fake_node_del,
	.prefix_add = fake_prefix_add,
	.prefix_del = fake_prefix_del,
	.route_add = fake_route_add,
	.route_del = fake_route_del,
	.failed = fake_failed,
};

/* ---- checks ------------------------------------------------------------ */

static void expect_calls(struct fake *fk, const char *const *want,
			 unsigned int n)
{
	bool ok = fk->n_log == n;
	unsigned int i;

	for (i = 0; ok && i < n; i++)
		ok = !strcmp(fk->log[i], want[i]);
	if (!ok) {
		print_message("calls made:\n");
		for (i = 0; i < fk->n_log; i++)
			print_message("  %s\n", fk->log[i]);
		print_message("calls expected:\n");
		for (i = 0; i < n; i++)
			print_message("  %s\n", want[i]);
		fail();
	}
	assert_int_equal(fk->refused, 0);
	fk->n_log = 0;
}

#define EXPECT_CALLS(fk, ...) \
	expect_calls(fk, (const char *const []){ __VA_ARGS__ }, \
		     ARRAY_SIZE(((const char *const []){ __VA_ARGS__ })))
#define EXPECT_NO_CALLS(fk)	expect_calls(fk, NULL, 0)

/* The model's node c, NULL if absent. */
static const struct mnode *m_node(struct fake *fk, char c)
{
	return m_node_find(fk, ID(c));
}

/* The model's owner of prefix s: 'A'.., or 0. */
static char m_owner(struct fake *fk, const char *s)
{
	struct aegis_prefix p = P(s);
	const struct mpfx *x = m_pfx_find(fk->pfxs, &p);

	return x ? (char)x->owner[0] : 0;
}

static bool m_route(struct fake *fk, const char *s)
{
	struct aegis_prefix p = P(s);

	return m_pfx_find(fk->routes, &p) != NULL;
}

static int sync_ok(struct fixture *fx)
{
	struct fib_sync_result res;
	int ret = fib_sync(fx->f, &res);

	if (!ret) {
		assert_int_equal(res.errors, 0);
		assert_int_equal(res.pending, 0);
		assert_false(fib_pending(fx->f));
	}
	return ret;
}

static void want(struct fixture *fx, char c, uint16_t port, char via,
		 uint16_t keepalive, uint32_t flags)
{
	struct aegis_udp_endpoint ep = EP(port);

	assert_int_equal(fib_node_want(fx->f, ID(c), port ? &ep : NULL,
				       via ? ID(via) : NULL, keepalive, flags),
			 0);
}

static void want_prefixes(struct fixture *fx, char c,
			  const struct fib_prefix *p, unsigned int n)
{
	assert_int_equal(fib_prefixes_want(fx->f, ID(c), p, n), 0);
}

#define WANT_PREFIXES(fx, c, ...) \
	want_prefixes(fx, c, (const struct fib_prefix []){ __VA_ARGS__ }, \
		      ARRAY_SIZE(((const struct fib_prefix []){ __VA_ARGS__ })))

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->fk.model = true;
	fx->f = fib_new(&fake_ops, &fx->fk);
	assert_non_null(fx->f);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	fib_free(fx->f);
	free(fx);
	return 0;
}

/* ---- tests ------------------------------------------------------------- */

static void test_add_remove(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;
	struct fib_sync_result res;
	struct fib_stats st;

	want(fx, 'A', 1000, 0, 25, 0);
	want(fx, 'B', 2000, 0, 0, 1);
	WANT_PREFIXES(fx, 'A', FP("10.0.0.1/32", false),
		      FP("192.168.1.0/24", true));
	WANT_PREFIXES(fx, 'B', FP("10.0.0.2/32", false));
	assert_true(fib_pending(fx->f));
	assert_int_equal(fib_sync(fx->f, &res), 0);
	assert_int_equal(res.calls, 6);
	assert_int_equal(res.errors, 0);
	EXPECT_CALLS(fk, "set A ep=1000 via=- ka=25 fl=0",
		     "set B ep=2000 via=- ka=0 fl=1",
		     "padd A 10.0.0.1/32", "padd A 192.168.1.0/24",
		     "padd B 10.0.0.2/32", "radd 192.168.1.0/24");
	fib_get_stats(fx->f, &st);
	assert_int_equal(st.nodes, 2);
	assert_int_equal(st.prefixes, 3);
	assert_int_equal(st.routes, 1);
	assert_true(fib_node_installed(fx->f, ID('A')));

	/* The route goes first; the prefixes go with the node. */
	assert_int_equal(fib_node_unwant(fx->f, ID('A')), 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "rdel 192.168.1.0/24", "del A");
	assert_null(m_node(fk, 'A'));
	assert_int_equal(m_owner(fk, "10.0.0.1/32"), 0);
	assert_int_equal(m_owner(fk, "192.168.1.0/24"), 0);
	assert_int_equal(m_owner(fk, "10.0.0.2/32"), 'B');
	assert_false(m_route(fk, "192.168.1.0/24"));
	assert_false(fib_node_installed(fx->f, ID('A')));

	assert_int_equal(fib_node_unwant(fx->f, ID('B')), 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "del B");
	fib_get_stats(fx->f, &st);
	assert_int_equal(st.nodes, 0);
	assert_int_equal(st.prefixes, 0);
	assert_int_equal(st.routes, 0);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.calls, 9);
	assert_int_equal(st.syncs, 3);
}

/* Several kinds of change in one sync: each pass in its place. */
static void test_mixed_diff(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;

	want(fx, 'A', 1000, 0, 0, 0);
	want(fx, 'B', 2000, 0, 0, 0);
	WANT_PREFIXES(fx, 'A', FP("10.0.0.1/32", false),
		      FP("192.168.1.0/24", true));
	WANT_PREFIXES(fx, 'B', FP("10.0.0.2/32", false));
	assert_int_equal(sync_ok(fx), 0);
	fk->n_log = 0;

	/* B leaves, C takes its address, A drops its network. */
	assert_int_equal(fib_node_unwant(fx->f, ID('B')), 0);
	want(fx, 'C', 3000, 0, 0, 0);
	WANT_PREFIXES(fx, 'C', FP("10.0.0.2/32", false));
	WANT_PREFIXES(fx, 'A', FP("10.0.0.1/32", false));
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "rdel 192.168.1.0/24",
		     "set C ep=3000 via=- ka=0 fl=0",
		     "padd C 10.0.0.2/32",	/* moved, before B goes */
		     "pdel A 192.168.1.0/24",
		     "del B");
	assert_int_equal(m_owner(fk, "10.0.0.2/32"), 'C');
	assert_int_equal(m_owner(fk, "10.0.0.1/32"), 'A');
	assert_null(m_node(fk, 'B'));
}

static void test_rerun_is_noop(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;
	struct fib_sync_result res;

	want(fx, 'A', 1000, 0, 25, 0);
	want(fx, 'B', 2000, 'A', 25, 0);
	WANT_PREFIXES(fx, 'A', FP("10.0.0.1/32", false),
		      FP("192.168.1.0/24", true));
	assert_int_equal(sync_ok(fx), 0);
	fk->n_log = 0;

	assert_int_equal(fib_sync(fx->f, &res), 0);
	assert_int_equal(res.calls, 0);
	EXPECT_NO_CALLS(fk);

	/* Saying the same again: another order, a duplicate. */
	want(fx, 'B', 2000, 'A', 25, 0);
	want(fx, 'A', 1000, 0, 25, 0);
	WANT_PREFIXES(fx, 'A', FP("192.168.1.0/24", true),
		      FP("10.0.0.1/32", false), FP("192.168.1.0/24", false));
	assert_false(fib_pending(fx->f));
	/* No endpoint: no opinion, the kernel's is kept. */
	want(fx, 'A', 0, 0, 25, 0);
	assert_false(fib_pending(fx->f));
	assert_int_equal(fib_sync(fx->f, &res), 0);
	assert_int_equal(res.calls, 0);
	EXPECT_NO_CALLS(fk);

	/* A change and its undo before the sync: nothing to do. */
	want(fx, 'A', 1001, 0, 25, 0);
	want(fx, 'A', 1000, 0, 25, 0);
	WANT_PREFIXES(fx, 'A', FP("10.0.0.1/32", false));
	WANT_PREFIXES(fx, 'A', FP("10.0.0.1/32", false),
		      FP("192.168.1.0/24", true));
	assert_int_equal(fib_sync(fx->f, &res), 0);
	assert_int_equal(res.calls, 0);
	EXPECT_NO_CALLS(fk);
}

/* A change of endpoint, keepalive, flags or next hop: one node_set. */
static void test_node_change_one_call(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;

	want(fx, 'R', 500, 0, 0, 0);
	want(fx, 'A', 1000, 0, 25, 0);
	WANT_PREFIXES(fx, 'A', FP("10.0.0.1/32", false));
	assert_int_equal(sync_ok(fx), 0);
	fk->n_log = 0;

	want(fx, 'A', 1001, 0, 25, 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set A ep=1001 via=- ka=25 fl=0");
	assert_int_equal(m_node(fk, 'A')->port, 1001);

	want(fx, 'A', 1001, 0, 10, 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set A ep=1001 via=- ka=10 fl=0");

	want(fx, 'A', 1001, 0, 10, 1);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set A ep=1001 via=- ka=10 fl=1");

	want(fx, 'A', 1001, 'R', 10, 1);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set A ep=1001 via=R ka=10 fl=1");
	assert_true(m_node(fk, 'A')->has_via);

	/* All at once: still one call; the prefix is not touched. */
	want(fx, 'A', 1002, 0, 5, 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set A ep=1002 via=- ka=5 fl=0");
	assert_false(m_node(fk, 'A')->has_via);
	assert_int_equal(m_owner(fk, "10.0.0.1/32"), 'A');
}

static void test_prefix_set_diff(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;

	want(fx, 'A', 1000, 0, 0, 0);
	WANT_PREFIXES(fx, 'A', FP("10.0.0.1/32", false),
		      FP("10.1.0.0/16", false), FP("fd00:1::/64", false));
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set A ep=1000 via=- ka=0 fl=0",
		     "padd A 10.0.0.1/32", "padd A 10.1.0.0/16",
		     "padd A fd00:1::/64");

	WANT_PREFIXES(fx, 'A', FP("10.1.0.0/16", false),
		      FP("fd00:1::/64", false), FP("10.2.0.0/16", false));
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "pdel A 10.0.0.1/32", "padd A 10.2.0.0/16");

	/* Only the OS route flag changes: only the route. */
	WANT_PREFIXES(fx, 'A', FP("10.1.0.0/16", true),
		      FP("fd00:1::/64", false), FP("10.2.0.0/16", false));
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "radd 10.1.0.0/16");
	assert_true(m_route(fk, "10.1.0.0/16"));

	WANT_PREFIXES(fx, 'A', FP("10.1.0.0/16", false),
		      FP("fd00:1::/64", false), FP("10.2.0.0/16", false));
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "rdel 10.1.0.0/16");

	/* The empty set. */
	assert_int_equal(fib_prefixes_want(fx->f, ID('A'), NULL, 0), 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "pdel A 10.1.0.0/16", "pdel A fd00:1::/64",
		     "pdel A 10.2.0.0/16");
	assert_true(m_node(fk, 'A') != NULL);
}

static void test_api_errors(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;
	struct fib_prefix bad = FP("10.0.0.0/24", false);
	struct aegis_udp_endpoint ep = EP(1);

	bad.prefix.addr.u.bytes[3] = 1;		/* host bits */
	assert_int_equal(fib_prefixes_want(fx->f, ID('A'), &bad, 1), -ENOENT);
	assert_int_equal(fib_node_want(fx->f, ID('A'), NULL, ID('A'), 0, 0),
			 -EINVAL);
	ep.addr.family = 0;
	assert_int_equal(fib_node_want(fx->f, ID('A'), &ep, NULL, 0, 0),
			 -EAFNOSUPPORT);
	assert_int_equal(fib_node_unwant(fx->f, ID('A')), -ENOENT);
	assert_false(fib_pending(fx->f));

	want(fx, 'A', 1000, 0, 0, 0);
	WANT_PREFIXES(fx, 'A', FP("10.0.0.1/32", false));
	assert_int_equal(fib_prefixes_want(fx->f, ID('A'), &bad, 1), -EINVAL);
	bad.prefix.len = 33;
	assert_int_equal(fib_prefixes_want(fx->f, ID('A'), &bad, 1), -EINVAL);
	assert_int_equal(fib_prefixes_want(fx->f, ID('A'), NULL, 1), -EINVAL);
	assert_int_equal(sync_ok(fx), 0);
	/* The refused sets changed nothing. */
	EXPECT_CALLS(fk, "set A ep=1000 via=- ka=0 fl=0",
		     "padd A 10.0.0.1/32");

	/* Unwanted before any sync: no calls at all. */
	want(fx, 'Z', 1, 0, 0, 0);
	WANT_PREFIXES(fx, 'Z', FP("10.9.0.0/16", true));
	assert_int_equal(fib_node_unwant(fx->f, ID('Z')), 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_NO_CALLS(fk);
}

/*
 * Two nodes claim one prefix: the kernel has it for one of them (it keeps
 * one owner); the OS route is counted by the claims that want it.
 */
static void test_shared_prefix_and_route(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;
	const char *S = "192.168.0.0/16";
	struct fib_stats st;

	want(fx, 'A', 1000, 0, 0, 0);
	want(fx, 'B', 2000, 0, 0, 0);
	WANT_PREFIXES(fx, 'A', FP("10.0.0.1/32", false), FP(S, true));
	WANT_PREFIXES(fx, 'B', FP("10.0.0.2/32", false), FP(S, true));
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set A ep=1000 via=- ka=0 fl=0",
		     "set B ep=2000 via=- ka=0 fl=0",
		     "padd A 10.0.0.1/32", "padd A 192.168.0.0/16",
		     "padd B 10.0.0.2/32", "radd 192.168.0.0/16");
	fib_get_stats(fx->f, &st);
	assert_int_equal(st.prefixes, 3);
	assert_int_equal(st.routes, 1);

	/* A lets go: the prefix moves to B (one call), the route stays. */
	WANT_PREFIXES(fx, 'A', FP("10.0.0.1/32", false));
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "padd B 192.168.0.0/16");
	assert_int_equal(m_owner(fk, S), 'B');
	assert_true(m_route(fk, S));

	/* The last claim wanting the route drops it: the route goes. */
	WANT_PREFIXES(fx, 'B', FP("10.0.0.2/32", false), FP(S, false));
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "rdel 192.168.0.0/16");
	assert_int_equal(m_owner(fk, S), 'B');

	/* A claims it again: B keeps it (no move), the route comes back. */
	WANT_PREFIXES(fx, 'A', FP("10.0.0.1/32", false), FP(S, true));
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "radd 192.168.0.0/16");
	assert_int_equal(m_owner(fk, S), 'B');

	/* B goes: the prefix is handed to A before B is deleted. */
	assert_int_equal(fib_node_unwant(fx->f, ID('B')), 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "padd A 192.168.0.0/16", "del B");
	assert_int_equal(m_owner(fk, S), 'A');
	assert_int_equal(m_owner(fk, "10.0.0.2/32"), 0);
	assert_true(m_route(fk, S));

	/* The last one goes: route first, then the node (and its prefixes). */
	assert_int_equal(fib_node_unwant(fx->f, ID('A')), 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "rdel 192.168.0.0/16", "del A");
	assert_false(m_route(fk, S));
	fib_get_stats(fx->f, &st);
	assert_int_equal(st.nodes, 0);
	assert_int_equal(st.prefixes, 0);
	assert_int_equal(st.routes, 0);
}

/* The kernel keeps the owner it has while that one still claims it. */
static void test_shared_prefix_sticky(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;

	want(fx, 'A', 1000, 0, 0, 0);
	want(fx, 'B', 2000, 0, 0, 0);
	WANT_PREFIXES(fx, 'A', FP("192.168.0.0/16", true));
	WANT_PREFIXES(fx, 'B', FP("192.168.0.0/16", true));
	fk->fail_match = "set A";
	fk->fail_err = -EIO;
	fk->fail_left = 1;
	assert_int_equal(fib_sync(fx->f, NULL), -EIO);
	EXPECT_CALLS(fk, "set A ep=1000 via=- ka=0 fl=0",
		     "set B ep=2000 via=- ka=0 fl=0",
		     "padd B 192.168.0.0/16", "radd 192.168.0.0/16");
	/* A, the older claim, is installed now: the prefix stays with B. */
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set A ep=1000 via=- ka=0 fl=0");
	assert_int_equal(m_owner(fk, "192.168.0.0/16"), 'B');
	/* Nor does it move when its claims change otherwise. */
	WANT_PREFIXES(fx, 'B', FP("192.168.0.0/16", false));
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_NO_CALLS(fk);
	assert_int_equal(m_owner(fk, "192.168.0.0/16"), 'B');

	/*
	 * B goes and the hand-over fails: it is tried once a sync, so B
	 * goes with the prefix and A gets it at the next sync.
	 */
	assert_int_equal(fib_node_unwant(fx->f, ID('B')), 0);
	fk->fail_match = "padd A";
	fk->fail_left = 1;
	assert_int_equal(fib_sync(fx->f, NULL), -EIO);
	EXPECT_CALLS(fk, "padd A 192.168.0.0/16", "del B");
	assert_int_equal(m_owner(fk, "192.168.0.0/16"), 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "padd A 192.168.0.0/16");
	assert_int_equal(m_owner(fk, "192.168.0.0/16"), 'A');
	assert_true(m_route(fk, "192.168.0.0/16"));
}

/*
 * A node removed early, because a node it goes through stops being
 * direct, hands its shared prefix over before it is deleted.
 */
static void test_dependent_removed_hands_over(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;

	want(fx, 'R', 1000, 0, 0, 0);
	want(fx, 'C', 3000, 'R', 0, 0);
	want(fx, 'D', 4000, 0, 0, 0);
	WANT_PREFIXES(fx, 'C', FP("192.168.0.0/16", false));
	WANT_PREFIXES(fx, 'D', FP("192.168.0.0/16", false));
	assert_int_equal(sync_ok(fx), 0);
	assert_int_equal(m_owner(fk, "192.168.0.0/16"), 'C');
	fk->n_log = 0;

	want(fx, 'Q', 2000, 0, 0, 0);
	want(fx, 'R', 1000, 'Q', 0, 0);
	assert_int_equal(fib_node_unwant(fx->f, ID('C')), 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set Q ep=2000 via=- ka=0 fl=0",
		     "padd D 192.168.0.0/16", "del C",
		     "set R ep=1000 via=Q ka=0 fl=0");
	assert_int_equal(m_owner(fk, "192.168.0.0/16"), 'D');
}

static void test_via_order_add(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;

	/* Wanted in the wrong order: the next hop is installed first. */
	want(fx, 'C', 3000, 'R', 0, 0);
	WANT_PREFIXES(fx, 'C', FP("10.0.0.3/32", false));
	want(fx, 'R', 1000, 0, 0, 1);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set R ep=1000 via=- ka=0 fl=1",
		     "set C ep=3000 via=R ka=0 fl=0",
		     "padd C 10.0.0.3/32");

	/*
	 * R is to go through S, but C still goes through R: the kernel
	 * would refuse (-EBUSY), so R waits, and S is installed.
	 */
	want(fx, 'S', 2000, 0, 0, 1);
	want(fx, 'R', 1000, 'S', 0, 1);
	assert_int_equal(fib_sync(fx->f, NULL), -EAGAIN);
	EXPECT_CALLS(fk, "set S ep=2000 via=- ka=0 fl=1");
	assert_int_equal(fib_sync(fx->f, NULL), -EAGAIN);
	EXPECT_NO_CALLS(fk);

	/* C is re-pointed to S: C moves first, then R. */
	want(fx, 'C', 3000, 'S', 0, 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set C ep=3000 via=S ka=0 fl=0",
		     "set R ep=1000 via=S ka=0 fl=1");

	/* A next hop that is not wanted: the node waits for it. */
	want(fx, 'D', 4000, 'T', 0, 0);
	assert_int_equal(fib_sync(fx->f, NULL), -EAGAIN);
	EXPECT_NO_CALLS(fk);
	want(fx, 'T', 5000, 0, 0, 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set T ep=5000 via=- ka=0 fl=0",
		     "set D ep=4000 via=T ka=0 fl=0");

	/* Two nodes swap roles: the new next hop goes direct first. */
	want(fx, 'T', 5000, 'D', 0, 0);
	want(fx, 'D', 4000, 0, 0, 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set D ep=4000 via=- ka=0 fl=0",
		     "set T ep=5000 via=D ka=0 fl=0");

	/*
	 * Next hops are one level deep: a node cannot go through T, which
	 * has one, nor through R, which wants one. It waits, without a call
	 * the kernel would refuse.
	 */
	want(fx, 'E', 6000, 'T', 0, 0);
	want(fx, 'F', 7000, 'R', 0, 0);
	want(fx, 'R', 1000, 'D', 0, 1);
	fk->fail_match = "set R";
	fk->fail_err = -EIO;
	fk->fail_left = 1;
	assert_int_equal(fib_sync(fx->f, NULL), -EIO);
	EXPECT_CALLS(fk, "set R ep=1000 via=D ka=0 fl=1");
	assert_null(m_node(fk, 'E'));
	assert_null(m_node(fk, 'F'));
	assert_int_equal(fib_sync(fx->f, NULL), -EAGAIN);
	EXPECT_CALLS(fk, "set R ep=1000 via=D ka=0 fl=1");
}

static void test_via_order_remove(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;
	struct fib_sync_result res;

	want(fx, 'R', 1000, 0, 0, 1);
	want(fx, 'C', 3000, 'R', 0, 0);
	want(fx, 'D', 4000, 'R', 0, 0);
	WANT_PREFIXES(fx, 'C', FP("10.0.0.3/32", false));
	assert_int_equal(sync_ok(fx), 0);
	fk->n_log = 0;

	/* Next hop and a node through it go: that node first. */
	assert_int_equal(fib_node_unwant(fx->f, ID('R')), 0);
	assert_int_equal(fib_node_unwant(fx->f, ID('C')), 0);
	/*
	 * D still wants R: the kernel does not refuse deleting R, it makes
	 * D direct. The fib records that, and D waits for R.
	 */
	assert_int_equal(fib_sync(fx->f, &res), -EAGAIN);
	assert_int_equal(res.errors, 0);
	assert_int_equal(res.pending, 1);
	EXPECT_CALLS(fk, "del C", "del R");
	assert_null(m_node(fk, 'R'));
	assert_false(m_node(fk, 'D')->has_via);
	assert_true(fib_node_installed(fx->f, ID('D')));

	/* R is back: D goes through it again. */
	want(fx, 'R', 1000, 0, 0, 1);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set R ep=1000 via=- ka=0 fl=1",
		     "set D ep=4000 via=R ka=0 fl=0");

	/* D is re-pointed to a new node Q before R goes. */
	want(fx, 'D', 4000, 'Q', 0, 0);
	want(fx, 'Q', 2000, 0, 0, 1);
	assert_int_equal(fib_node_unwant(fx->f, ID('R')), 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set Q ep=2000 via=- ka=0 fl=1",
		     "set D ep=4000 via=Q ka=0 fl=0", "del R");

	/* D made direct by a delete, then wanted direct: nothing to do. */
	assert_int_equal(fib_node_unwant(fx->f, ID('Q')), 0);
	assert_int_equal(fib_sync(fx->f, NULL), -EAGAIN);
	EXPECT_CALLS(fk, "del Q");
	want(fx, 'D', 4000, 0, 0, 0);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_NO_CALLS(fk);
}

static void test_error_then_retry(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;
	struct fib_sync_result res;
	struct fib_stats st;

	/* A prefix fails: it alone is retried, then its route follows. */
	want(fx, 'A', 1000, 0, 0, 0);
	WANT_PREFIXES(fx, 'A', FP("10.1.0.0/16", true),
		      FP("10.0.0.1/32", false));
	fk->fail_match = "padd A 10.1.0.0/16";
	fk->fail_err = -ENOMEM;
	fk->fail_left = 1;
	assert_int_equal(fib_sync(fx->f, &res), -ENOMEM);
	assert_int_equal(res.calls, 3);
	assert_int_equal(res.errors, 1);
	assert_int_equal(res.first_err, -ENOMEM);
	assert_int_equal(res.pending, 1);
	assert_int_equal(fk->failed_told, 1);
	EXPECT_CALLS(fk, "set A ep=1000 via=- ka=0 fl=0",
		     "padd A 10.1.0.0/16", "padd A 10.0.0.1/32");
	assert_false(m_route(fk, "10.1.0.0/16"));
	assert_true(fib_pending(fx->f));
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "padd A 10.1.0.0/16", "radd 10.1.0.0/16");

	/* A node fails: its prefixes wait without calls. */
	want(fx, 'B', 2000, 0, 0, 0);
	WANT_PREFIXES(fx, 'B', FP("10.0.0.2/32", false));
	fk->fail_match = "set B";
	fk->fail_err = -EIO;
	fk->fail_left = 1;
	assert_int_equal(fib_sync(fx->f, &res), -EIO);
	assert_int_equal(res.pending, 2);
	EXPECT_CALLS(fk, "set B ep=2000 via=- ka=0 fl=0");
	assert_false(fib_node_installed(fx->f, ID('B')));
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set B ep=2000 via=- ka=0 fl=0",
		     "padd B 10.0.0.2/32");

	/* A change that fails is still wanted: retried, not lost. */
	want(fx, 'B', 2001, 0, 0, 0);
	fk->fail_match = "set B";
	fk->fail_left = 2;
	assert_int_equal(fib_sync(fx->f, NULL), -EIO);
	assert_int_equal(fib_sync(fx->f, NULL), -EIO);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set B ep=2001 via=- ka=0 fl=0",
		     "set B ep=2001 via=- ka=0 fl=0",
		     "set B ep=2001 via=- ka=0 fl=0");

	/*
	 * A failed route_del does not hold the prefix back (the kernel has
	 * no such rule); the route is retried.
	 */
	WANT_PREFIXES(fx, 'A', FP("10.0.0.1/32", false));
	fk->fail_match = "rdel";
	fk->fail_left = 1;
	assert_int_equal(fib_sync(fx->f, NULL), -EIO);
	EXPECT_CALLS(fk, "rdel 10.1.0.0/16", "pdel A 10.1.0.0/16");
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "rdel 10.1.0.0/16");

	/* A failed node_del is retried. */
	assert_int_equal(fib_node_unwant(fx->f, ID('B')), 0);
	fk->fail_match = "del B";
	fk->fail_left = 1;
	assert_int_equal(fib_sync(fx->f, NULL), -EIO);
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "del B", "del B");
	assert_null(m_node(fk, 'B'));

	/* -ENOENT from a delete: gone already, which is what was wanted. */
	assert_int_equal(fib_node_unwant(fx->f, ID('A')), 0);
	fk->fail_match = "del A";
	fk->fail_err = -ENOENT;
	fk->fail_left = 1;
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "del A");

	fib_get_stats(fx->f, &st);
	assert_int_equal(st.errors, 6);
	assert_int_equal(st.op_errors[FIB_OP_NODE_SET], 3);
	assert_int_equal(st.op_errors[FIB_OP_PREFIX_ADD], 1);
	assert_int_equal(st.op_errors[FIB_OP_ROUTE_DEL], 1);
	assert_int_equal(st.op_errors[FIB_OP_NODE_DEL], 1);
	assert_int_equal(st.op_errors[FIB_OP_ROUTE_ADD], 0);
	assert_int_equal(st.nodes, 0);
	assert_int_equal(fk->failed_told, 6);
}

static void test_invalidate(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;

	want(fx, 'R', 1000, 0, 0, 0);
	want(fx, 'A', 2000, 'R', 0, 0);
	WANT_PREFIXES(fx, 'A', FP("10.1.0.0/16", true));
	assert_int_equal(sync_ok(fx), 0);
	fk->n_log = 0;

	/* The device was re-created: everything again, in order. */
	memset(fk->nodes, 0, sizeof(fk->nodes));
	memset(fk->pfxs, 0, sizeof(fk->pfxs));
	memset(fk->routes, 0, sizeof(fk->routes));
	fib_invalidate(fx->f);
	assert_true(fib_pending(fx->f));
	assert_int_equal(sync_ok(fx), 0);
	EXPECT_CALLS(fk, "set R ep=1000 via=- ka=0 fl=0",
		     "set A ep=2000 via=R ka=0 fl=0",
		     "padd A 10.1.0.0/16", "radd 10.1.0.0/16");
}

/* 10,000 nodes, 2 prefixes each; then a change costs a handful of calls. */
#define SCALE_NODES	10000

static void scale_prefixes(struct fib_prefix *fp, unsigned int i,
			   unsigned int v)
{
	char s[64];

	snprintf(s, sizeof(s), "10.%u.%u.1/32", i >> 8 & 0xff, i & 0xff);
	fp[0] = FP(s, false);
	snprintf(s, sizeof(s), "fd%02x:%x:%x::/64", v, i >> 8, i & 0xff);
	fp[1] = FP(s, true);
}

static void test_scale(void **state)
{
	struct fixture *fx = *state;
	struct fake *fk = &fx->fk;
	struct aegis_udp_endpoint ep = EP(51820);
	struct fib_prefix fp[2];
	struct fib_sync_result res;
	uint8_t id[AEGIS_NODE_ID_LEN];
	struct fib_stats st;
	unsigned int i;

	fk->model = false;
	fk->quiet = true;
	for (i = 0; i < SCALE_NODES; i++) {
		num_id(id, i);
		assert_int_equal(fib_node_want(fx->f, id, &ep, NULL, 25, 0), 0);
		scale_prefixes(fp, i, 0);
		assert_int_equal(fib_prefixes_want(fx->f, id, fp, 2), 0);
	}
	assert_int_equal(fib_sync(fx->f, &res), 0);
	assert_int_equal(res.calls, 4 * SCALE_NODES);
	assert_int_equal(fk->calls[FIB_OP_NODE_SET], SCALE_NODES);
	assert_int_equal(fk->calls[FIB_OP_PREFIX_ADD], 2 * SCALE_NODES);
	assert_int_equal(fk->calls[FIB_OP_ROUTE_ADD], SCALE_NODES);
	fib_get_stats(fx->f, &st);
	assert_int_equal(st.nodes, SCALE_NODES);
	assert_int_equal(st.prefixes, 2 * SCALE_NODES);
	assert_int_equal(st.routes, SCALE_NODES);

	assert_int_equal(fib_sync(fx->f, &res), 0);
	assert_int_equal(res.calls, 0);

	fk->quiet = false;
	/* One endpoint. */
	num_id(id, 4242);
	ep.port = 4242;
	assert_int_equal(fib_node_want(fx->f, id, &ep, NULL, 25, 0), 0);
	assert_int_equal(fib_sync(fx->f, &res), 0);
	assert_int_equal(res.calls, 1);
	EXPECT_CALLS(fk, "set #4242 ep=4242 via=- ka=25 fl=0");

	/* One node's routed prefix replaced. */
	num_id(id, 777);
	scale_prefixes(fp, 777, 1);
	assert_int_equal(fib_prefixes_want(fx->f, id, fp, 2), 0);
	assert_int_equal(fib_sync(fx->f, &res), 0);
	assert_int_equal(res.calls, 4);
	EXPECT_CALLS(fk, "rdel fd00:3:9::/64", "pdel #777 fd00:3:9::/64",
		     "padd #777 fd01:3:9::/64", "radd fd01:3:9::/64");

	/* One node gone, one new, one through a next hop. */
	num_id(id, 9999);
	assert_int_equal(fib_node_unwant(fx->f, id), 0);
	num_id(id, SCALE_NODES);
	assert_int_equal(fib_node_want(fx->f, id, &ep, NULL, 25, 0), 0);
	scale_prefixes(fp, SCALE_NODES, 0);
	assert_int_equal(fib_prefixes_want(fx->f, id, fp, 2), 0);
	num_id(id, 5);
	{
		uint8_t via[AEGIS_NODE_ID_LEN];

		num_id(via, 6);
		assert_int_equal(fib_node_want(fx->f, id, &ep, via, 25, 0), 0);
	}
	assert_int_equal(fib_sync(fx->f, &res), 0);
	assert_int_equal(res.calls, 7);
	EXPECT_CALLS(fk, "rdel fd00:27:f::/64",
		     "set #10000 ep=4242 via=- ka=25 fl=0",
		     "set #5 ep=4242 via=#6 ka=25 fl=0",
		     "padd #10000 10.39.16.1/32", "padd #10000 fd00:27:10::/64",
		     "del #9999", "radd fd00:27:10::/64");

	fib_get_stats(fx->f, &st);
	assert_int_equal(st.nodes, SCALE_NODES);
	assert_int_equal(st.prefixes, 2 * SCALE_NODES);
	assert_int_equal(st.routes, SCALE_NODES);
	assert_int_equal(st.pending, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_remove, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mixed_diff, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rerun_is_noop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_node_change_one_call,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_set_diff, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_api_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shared_prefix_and_route,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_prefix_sticky,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dependent_removed_hands_over,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_via_order_add, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_via_order_remove, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_error_then_retry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_invalidate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scale, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
