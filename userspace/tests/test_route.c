// SPDX-License-Identifier: MIT
/*
 * Unit tests: userspace/agent/route/ (probe.c, rib.c, select.c).
 *
 * The routing scenarios run several ribs as a small simulated network:
 * each node's select_run() output becomes messages on a FIFO (adverts and
 * seqno requests), delivered one at a time, to the rib at the other end
 * of a link that is up. After every delivery the next hops of every node
 * are followed from every node: a loop fails the test at once. The fib's
 * view (the SELECT_VIA / SELECT_UNREACHABLE stream) is replayed too and
 * must always match the selection.
 *
 * The link-quality scenarios drive probe estimators with simulated probes
 * (RTT with jitter, random loss from a fixed-seed generator) and feed
 * their costs to a rib, as the agent will.
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
#include <time.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "route/probe.h"
#include "route/rib.h"
#include "route/select.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define INF		RIB_METRIC_INF

/* ---- ids ----------------------------------------------------------------- */

/* Node 'A': 32 bytes of 'A'. */
static const uint8_t *ID(char c)
{
	static uint8_t ids[26][RIB_ID_LEN];
	uint8_t *id = ids[c - 'A'];

	memset(id, c, RIB_ID_LEN);
	return id;
}

/* Node number i (the scale test). */
static void num_id(uint8_t *id, unsigned int i)
{
	memset(id, 0x01, RIB_ID_LEN);
	id[0] = (uint8_t)(i >> 24);
	id[1] = (uint8_t)(i >> 16);
	id[2] = (uint8_t)(i >> 8);
	id[3] = (uint8_t)i;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: fixed seed, so a failure is reproducible. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* True with probability pct / 1000. */
static bool chance(unsigned int permille)
{
	return rnd() % 1000 < permille;
}

static int setup(void **state)
{
	(void)state;
	rng_state = 0x9e3779b97f4a7c15ULL;
	return 0;
}

static struct rib *new_rib(const uint8_t *self, uint16_t seqno)
{
	struct rib_config cfg;
	struct rib *r;

	rib_config_default(&cfg);
	r = rib_new(self, seqno, &cfg);
	assert_non_null(r);
	return r;
}

static const struct rib_route *selected(const struct rib *r, const uint8_t *d)
{
	const struct rib_dest *dd = rib_dest_find(r, d);

	return dd ? dd->selected : NULL;
}

/* The selected next hop of r for d is node via ('\0': none). */
static void assert_via(const struct rib *r, char d, char via)
{
	const struct rib_route *sel = selected(r, ID(d));

	if (!via) {
		assert_null(sel);
		return;
	}
	assert_non_null(sel);
	assert_memory_equal(sel->nbr->id, ID(via), RIB_ID_LEN);
}

/* rib_request_recv() from node from about node dest: the verdict. */
static enum rib_req_verdict req(struct rib *r, char from, char dest,
				uint16_t seqno, uint8_t hops, uint64_t now,
				struct rib_req_action *act)
{
	assert_int_equal(rib_request_recv(r, ID(from), ID(dest), seqno, hops,
					  now, act), 0);
	return act->verdict;
}

/* The adverts in out to neighbour to about dest: how many; the last. */
static unsigned int find_adv(const struct select_out *o, char to, char dest,
			     struct select_advert *last)
{
	unsigned int i, n = 0;

	for (i = 0; i < o->n_adv; i++) {
		if (memcmp(o->adv[i].to, ID(to), RIB_ID_LEN) ||
		    memcmp(o->adv[i].dest, ID(dest), RIB_ID_LEN))
			continue;
		n++;
		if (last)
			*last = o->adv[i];
	}
	return n;
}

/* ---- sequence numbers, feasibility, metrics ------------------------------ */

static void test_seqno_compare(void **state)
{
	(void)state;
	assert_true(rib_seqno_newer(1, 0));
	assert_false(rib_seqno_newer(0, 1));
	assert_false(rib_seqno_newer(7, 7));
	/* Across the wrap. */
	assert_true(rib_seqno_newer(0, 0xFFFF));
	assert_true(rib_seqno_newer(5, 0xFFF0));
	assert_false(rib_seqno_newer(0xFFF0, 5));
	/* Up to 2^15 - 1 ahead is newer... */
	assert_true(rib_seqno_newer(0x7FFF, 0));
	assert_true(rib_seqno_newer(0x7FFF + 100, 100));
	/* ... 2^15 apart is not ordered either way ... */
	assert_false(rib_seqno_newer(0x8000, 0));
	assert_false(rib_seqno_newer(0, 0x8000));
	/* ... and more is older. */
	assert_false(rib_seqno_newer(0x8001, 0));
	assert_true(rib_seqno_newer(0, 0x8001));

	assert_int_equal(rib_seqno_cmp(3, 2), 1);
	assert_int_equal(rib_seqno_cmp(2, 3), -1);
	assert_int_equal(rib_seqno_cmp(2, 2), 0);
	assert_int_equal(rib_seqno_cmp(0xFFFF, 0), -1);
	assert_int_equal(rib_seqno_cmp(0x8000, 0), 0);
}

static void test_feasibility(void **state)
{
	struct rib_fd none = { .valid = false };
	struct rib_fd fd = { .valid = true, .seqno = 100, .metric = 500 };

	(void)state;
	/* A retraction is always feasible. */
	assert_true(rib_feasible(&fd, 50, INF));
	assert_true(rib_feasible(&fd, 100, INF));
	/* No FD recorded: anything is. */
	assert_true(rib_feasible(&none, 0, 60000));
	/* A newer seqno: feasible whatever the metric. */
	assert_true(rib_feasible(&fd, 101, 60000));
	assert_true(rib_feasible(&fd, 100 + 0x7FFF, 60000));
	/* The same seqno: only a strictly smaller metric. */
	assert_true(rib_feasible(&fd, 100, 499));
	assert_false(rib_feasible(&fd, 100, 500));
	assert_false(rib_feasible(&fd, 100, 501));
	/* An older seqno: never, even with a smaller metric. */
	assert_false(rib_feasible(&fd, 99, 0));
	assert_false(rib_feasible(&fd, 100 + 0x8000, 0));

	/* The FD only gets better: smaller metric, newer seqno. */
	rib_fd_update(&fd, 100, 600);
	assert_int_equal(fd.metric, 500);
	rib_fd_update(&fd, 100, 400);
	assert_int_equal(fd.metric, 400);
	rib_fd_update(&fd, 99, 10);
	assert_int_equal(fd.seqno, 100);
	assert_int_equal(fd.metric, 400);
	rib_fd_update(&fd, 100, INF);
	assert_int_equal(fd.metric, 400);
	rib_fd_update(&fd, 101, 900);
	assert_int_equal(fd.seqno, 101);
	assert_int_equal(fd.metric, 900);
	rib_fd_update(&none, 7, 70);
	assert_true(none.valid);
	assert_int_equal(none.seqno, 7);
	assert_int_equal(none.metric, 70);
}

static void test_metric_add(void **state)
{
	(void)state;
	assert_int_equal(rib_metric_add(10, 0), 10);
	assert_int_equal(rib_metric_add(10, 20), 30);
	assert_int_equal(rib_metric_add(0xFF00, 0xFF00), RIB_METRIC_MAX);
	assert_int_equal(rib_metric_add(RIB_METRIC_MAX, 1), RIB_METRIC_MAX);
	assert_int_equal(rib_metric_add(INF, 0), INF);
	assert_int_equal(rib_metric_add(0, INF), INF);
}

/* ---- the simulated network ----------------------------------------------- */

#define NET_MAX		8
#define NET_QUEUE	4096

struct msg {
	int from, to;
	bool request;
	uint8_t dest[RIB_ID_LEN];
	uint16_t seqno, metric;
	uint8_t hops;
};

struct net {
	unsigned int n;
	char name[NET_MAX];
	struct rib *r[NET_MAX];
	bool relay[NET_MAX];
	uint16_t cost[NET_MAX][NET_MAX];	/* 0: no link */
	bool up[NET_MAX][NET_MAX];
	/* The fib's view, from the changes: next hop index per (node, dest). */
	int fib[NET_MAX][NET_MAX];
	struct msg q[NET_QUEUE];
	unsigned int head, tail;
	uint64_t now;
	struct select_config scfg;
	struct select_out out;
	unsigned int delivered, dropped;
	unsigned int requests_seen;
};

static int net_index(const struct net *net, const uint8_t *id)
{
	unsigned int i;

	for (i = 0; i < net->n; i++)
		if (!memcmp(ID(net->name[i]), id, RIB_ID_LEN))
			return (int)i;
	fail_msg("unknown node %c", id[0]);
	return -1;
}

static int idx(const struct net *net, char c)
{
	return net_index(net, ID(c));
}

static void net_init(struct net *net, const char *names)
{
	unsigned int i, j;

	memset(net, 0, sizeof(*net));
	select_config_default(&net->scfg);
	select_out_init(&net->out);
	net->now = 1000;
	for (i = 0; names[i]; i++) {
		net->name[i] = names[i];
		net->r[i] = new_rib(ID(names[i]), 100);
		net->relay[i] = true;
	}
	net->n = i;
	for (i = 0; i < NET_MAX; i++)
		for (j = 0; j < NET_MAX; j++)
			net->fib[i][j] = -1;
}

static void net_free(struct net *net)
{
	unsigned int i;

	for (i = 0; i < net->n; i++)
		rib_free(net->r[i]);
	select_out_free(&net->out);
}

static void push_msg(struct net *net, const struct msg *m)
{
	assert_true(net->tail - net->head < NET_QUEUE);
	net->q[net->tail++ % NET_QUEUE] = *m;
}

static void push_request(struct net *net, int from,
			 const struct rib_request *rq)
{
	struct msg m;

	memset(&m, 0, sizeof(m));
	m.from = from;
	m.to = net_index(net, rq->to);
	m.request = true;
	memcpy(m.dest, rq->dest, RIB_ID_LEN);
	m.seqno = rq->seqno;
	m.hops = rq->hops;
	push_msg(net, &m);
	net->requests_seen++;
}

/* Turn node i's output into messages; replay its changes on net->fib. */
static void net_collect(struct net *net, int i)
{
	struct select_out *o = &net->out;
	size_t k;

	for (k = 0; k < o->n_chg; k++) {
		const struct select_change *c = &o->chg[k];
		int d = net_index(net, c->dest);

		if (c->kind == SELECT_VIA)
			net->fib[i][d] = net_index(net, c->via);
		else if (c->kind == SELECT_UNREACHABLE)
			net->fib[i][d] = -1;
	}
	for (k = 0; k < o->n_adv; k++) {
		struct msg m;

		memset(&m, 0, sizeof(m));
		m.from = i;
		m.to = net_index(net, o->adv[k].to);
		memcpy(m.dest, o->adv[k].dest, RIB_ID_LEN);
		m.seqno = o->adv[k].seqno;
		m.metric = o->adv[k].metric;
		push_msg(net, &m);
	}
	for (k = 0; k < o->req.n; k++)
		push_request(net, i, &o->req.v[k]);
	select_out_clear(o);
}

/* Node i's selection config: the net's, with its own relay right. */
static struct select_config node_cfg(const struct net *net, int i)
{
	struct select_config cfg = net->scfg;

	cfg.relay = net->relay[i];
	return cfg;
}

static void net_run(struct net *net, int i)
{
	struct select_config cfg = node_cfg(net, i);

	assert_true(select_run(net->r[i], &cfg, net->now, &net->out) >= 0);
	net_collect(net, i);
}

/* The index of node s's next hop towards node d, or -1. */
static int next_hop(const struct net *net, unsigned int s, unsigned int d)
{
	const struct rib_route *sel = selected(net->r[s], ID(net->name[d]));

	return sel ? net_index(net, sel->nbr->id) : -1;
}

/*
 * Follow next hops from every node to every destination: each walk must
 * end at the destination or at a node without a route, within n hops.
 * Also the fib's view must match each selection.
 */
static void net_check(const struct net *net)
{
	unsigned int s, d, hops;

	for (d = 0; d < net->n; d++) {
		for (s = 0; s < net->n; s++) {
			unsigned int x = s;

			if (s == d)
				continue;
			assert_int_equal(net->fib[s][d], next_hop(net, s, d));
			for (hops = 0; x != d; hops++) {
				int nh = next_hop(net, x, d);

				if (nh < 0)
					break;
				if (hops > net->n)
					fail_msg("loop towards %c from %c",
						 net->name[d], net->name[s]);
				x = (unsigned int)nh;
			}
		}
	}
}

static void net_link(struct net *net, char a, char b, uint16_t cost)
{
	int i = idx(net, a), j = idx(net, b);

	net->cost[i][j] = net->cost[j][i] = cost;
	net->up[i][j] = net->up[j][i] = true;
	assert_int_equal(rib_neighbour_set(net->r[i], ID(b), cost,
					   net->relay[j], net->now), 0);
	assert_int_equal(rib_neighbour_set(net->r[j], ID(a), cost,
					   net->relay[i], net->now), 0);
}

/* Send both ends their full dumps (a link coming up). */
static void net_dumps(struct net *net, char a, char b)
{
	int i = idx(net, a), j = idx(net, b);
	struct select_config ci = node_cfg(net, i), cj = node_cfg(net, j);

	assert_true(select_dump(net->r[i], &ci, ID(b), net->now,
				&net->out) >= 1);
	net_collect(net, i);
	assert_true(select_dump(net->r[j], &cj, ID(a), net->now,
				&net->out) >= 1);
	net_collect(net, j);
}

/* A silent cut, detected at both ends: the neighbour is lost. */
static void net_cut(struct net *net, char a, char b)
{
	int i = idx(net, a), j = idx(net, b);

	net->up[i][j] = net->up[j][i] = false;
	assert_true(rib_neighbour_lost(net->r[i], ID(b), net->now) >= 0);
	assert_true(rib_neighbour_lost(net->r[j], ID(a), net->now) >= 0);
	net_run(net, i);
	net_run(net, j);
	net_check(net);
}

static bool net_deliver(struct net *net)
{
	struct rib_req_action act;
	struct msg m;
	int to;

	if (net->head == net->tail)
		return false;
	m = net->q[net->head++ % NET_QUEUE];
	to = m.to;
	net->now += 1;
	if (!net->up[m.from][to]) {
		net->dropped++;
		return true;
	}
	net->delivered++;
	if (!m.request) {
		assert_true(rib_update(net->r[to], ID(net->name[m.from]),
				       m.dest, m.seqno, m.metric, net->now,
				       NULL) >= 0);
	} else {
		assert_int_equal(rib_request_recv(net->r[to],
						  ID(net->name[m.from]), m.dest,
						  m.seqno, m.hops, net->now,
						  &act), 0);
		if (act.verdict == RIB_REQ_FORWARD) {
			push_request(net, to, &act.fwd);
		} else if (act.verdict == RIB_REQ_UPDATE) {
			struct select_config cfg = node_cfg(net, to);
			struct select_advert a;

			if (select_advert_for(net->r[to], &cfg, m.dest,
					      ID(net->name[m.from]), &a)) {
				struct msg u;

				memset(&u, 0, sizeof(u));
				u.from = to;
				u.to = m.from;
				memcpy(u.dest, a.dest, RIB_ID_LEN);
				u.seqno = a.seqno;
				u.metric = a.metric;
				push_msg(net, &u);
			}
		}
	}
	net_run(net, to);
	net_check(net);
	return true;
}

static void net_settle(struct net *net)
{
	unsigned int guard = 0;

	while (net_deliver(net))
		assert_true(++guard < 100000);
}

/* Let time pass: rib_tick() and select_run() everywhere, then settle. */
static void net_tick(struct net *net, uint64_t ms)
{
	unsigned int i;

	net->now += ms;
	for (i = 0; i < net->n; i++) {
		assert_int_equal(rib_tick(net->r[i], net->now,
					  &net->out.req), 0);
		net_run(net, (int)i);
	}
	net_check(net);
	net_settle(net);
}

static void net_start(struct net *net)
{
	unsigned int i;

	for (i = 0; i < net->n; i++)
		net_run(net, (int)i);
	net_check(net);
	net_settle(net);
}

/* ---- loop-freedom -------------------------------------------------------- */

/*
 * The research notes' case (mesh.md 1.1): A, B, C all reach D through A;
 * B-C are neighbours; C also has an expensive link to D. A-D dies. B
 * hears A's retraction first and still holds "D via C" (C learnt it from
 * A, so split horizon did not stop it): selecting it would make the loop
 * A-B-C-A. The feasibility condition refuses it, B starves and asks for a
 * new seqno; the request reaches D through C, D raises its seqno, and the
 * routes come back through C-D. No loop at any step (net_check()).
 */
static void test_three_node_loop(void **state)
{
	struct net net;
	const struct rib_route *rt;
	const struct rib_dest *bd;
	struct select_advert a;
	int a_i, b_i, c_i, d_i;

	(void)state;
	net_init(&net, "ABCD");
	a_i = idx(&net, 'A');
	b_i = idx(&net, 'B');
	c_i = idx(&net, 'C');
	d_i = idx(&net, 'D');
	net_link(&net, 'A', 'D', 10);
	net_link(&net, 'B', 'A', 10);
	net_link(&net, 'C', 'A', 10);
	net_link(&net, 'B', 'C', 10);
	net_link(&net, 'C', 'D', 100);
	net_start(&net);

	assert_via(net.r[a_i], 'D', 'D');
	assert_via(net.r[b_i], 'D', 'A');
	assert_via(net.r[c_i], 'D', 'A');
	assert_int_equal(selected(net.r[b_i], ID('D'))->metric, 20);
	assert_int_equal(selected(net.r[c_i], ID('D'))->metric, 20);
	/* B also holds C's route (C advertises 20 to B): unfeasible for B
	 * (FD 20, not < 20), so never a candidate. */
	rt = rib_route_find(net.r[b_i], ID('D'), ID('C'));
	assert_non_null(rt);
	assert_int_equal(rt->adv_metric, 20);
	assert_false(rib_route_feasible(rt));
	assert_int_equal(net.r[d_i]->seqno, 100);

	/* A-D dies. A has nothing else (B and C poison D towards A). */
	net.up[a_i][d_i] = net.up[d_i][a_i] = false;
	assert_int_equal(rib_neighbour_lost(net.r[a_i], ID('D'), net.now), 1);
	assert_int_equal(rib_neighbour_lost(net.r[d_i], ID('A'), net.now), 3);
	net_run(&net, a_i);
	net_run(&net, d_i);
	net_check(&net);
	assert_via(net.r[a_i], 'D', 0);

	/* Deliver until B has processed A's retraction. */
	while (rib_route_find(net.r[b_i], ID('D'), ID('A')))
		assert_true(net_deliver(&net));
	/* B did not take C's stale route, and asked C for a new seqno. */
	assert_via(net.r[b_i], 'D', 0);
	bd = rib_dest_find(net.r[b_i], ID('D'));
	assert_true(bd->req_pending);
	assert_int_equal(bd->req_seqno, 101);
	assert_true(net.requests_seen >= 1);
	/* B retracted D (to A and C). */
	assert_true(select_advert_for(net.r[b_i], &net.scfg, ID('D'), ID('C'),
				      &a));
	assert_int_equal(a.metric, INF);

	net_settle(&net);
	/* The origin took the seqno asked for, and everything came back
	 * through C-D. */
	assert_true(net.r[d_i]->stats.seqno_bumps >= 1);
	assert_int_equal(net.r[d_i]->seqno, 101);
	assert_via(net.r[c_i], 'D', 'D');
	assert_via(net.r[b_i], 'D', 'C');
	assert_via(net.r[a_i], 'D', 'C');
	assert_int_equal(selected(net.r[c_i], ID('D'))->metric, 100);
	assert_int_equal(selected(net.r[b_i], ID('D'))->metric, 110);
	assert_int_equal(selected(net.r[a_i], ID('D'))->metric, 110);
	assert_false(rib_dest_find(net.r[b_i], ID('D'))->req_pending);
	net_free(&net);
}

/*
 * After settling, node i has a route to j exactly when a path of links
 * that are up joins them through nodes that may relay.
 */
static void assert_reach_matches(const struct net *net)
{
	bool reach[NET_MAX][NET_MAX];
	unsigned int i, j, k;

	for (i = 0; i < net->n; i++)
		for (j = 0; j < net->n; j++)
			reach[i][j] = i == j || net->up[i][j];
	for (k = 0; k < net->n; k++) {
		if (!net->relay[k])
			continue;
		for (i = 0; i < net->n; i++)
			for (j = 0; j < net->n; j++)
				if (reach[i][k] && reach[k][j])
					reach[i][j] = true;
	}
	for (i = 0; i < net->n; i++)
		for (j = 0; j < net->n; j++)
			if (i != j && reach[i][j] != (next_hop(net, i, j) >= 0))
				fail_msg("%c to %c: connected %d",
					 net->name[i], net->name[j],
					 reach[i][j]);
}

/*
 * Random topologies and random link failures and recoveries, messages
 * delivered in FIFO order with per-link loss of nothing: after every
 * delivery no loop exists; after settling, every node reaches every node
 * of its connected component along existing links.
 */
static void test_random_no_loops(void **state)
{
	unsigned int round;

	(void)state;
	for (round = 0; round < 30; round++) {
		struct net net;
		unsigned int i, j, k;

		net_init(&net, "ABCDEFGH");
		for (i = 0; i < net.n; i++)
			for (j = i + 1; j < net.n; j++)
				if (chance(450))
					net_link(&net, net.name[i], net.name[j],
						 (uint16_t)(5 + rnd() % 100));
		net_start(&net);
		for (k = 0; k < 12; k++) {
			i = (unsigned int)(rnd() % net.n);
			j = (unsigned int)(rnd() % net.n);
			if (i == j)
				continue;
			if (net.up[i][j]) {
				net_cut(&net, net.name[i], net.name[j]);
			} else {
				net_link(&net, net.name[i], net.name[j],
					 (uint16_t)(5 + rnd() % 100));
				net_dumps(&net, net.name[i], net.name[j]);
			}
			/* Partly deliver, then change something else. */
			for (j = 0; j < 5 && net_deliver(&net); j++)
				;
			if (chance(500))
				net_tick(&net, 600);
		}
		net_settle(&net);
		for (k = 0; k < 6; k++)
			net_tick(&net, 600);

		assert_reach_matches(&net);
		net_free(&net);
	}
}

/* ---- failover ------------------------------------------------------------ */

/*
 * Diamond A-B-D (10+10) and A-C-D (15+15). The cheaper path dies: A
 * switches to C in the same select_run(), with no message exchanged
 * (C's advertised 15 < A's FD 20: feasible). Both for the first hop
 * (A loses B) and for the far link (B-D: B's retraction reaches A).
 */
static void test_diamond_failover(void **state)
{
	struct net net;
	int a_i;

	(void)state;
	net_init(&net, "ABCD");
	a_i = idx(&net, 'A');
	net_link(&net, 'A', 'B', 10);
	net_link(&net, 'B', 'D', 10);
	net_link(&net, 'A', 'C', 15);
	net_link(&net, 'C', 'D', 15);
	net_start(&net);
	assert_via(net.r[a_i], 'D', 'B');
	assert_int_equal(selected(net.r[a_i], ID('D'))->metric, 20);

	/* The first hop: detected by A's probes. */
	net.up[a_i][idx(&net, 'B')] = net.up[idx(&net, 'B')][a_i] = false;
	assert_true(rib_neighbour_lost(net.r[a_i], ID('B'), net.now) > 0);
	assert_int_equal(select_run(net.r[a_i], &net.scfg, net.now, &net.out),
			 2);	/* B and D */
	assert_via(net.r[a_i], 'D', 'C');
	assert_int_equal(selected(net.r[a_i], ID('D'))->metric, 30);
	assert_int_equal(net.out.req.n, 0);	/* no request was needed */
	net_collect(&net, a_i);
	assert_int_equal(net.fib[a_i][idx(&net, 'D')], idx(&net, 'C'));
	assert_true(rib_neighbour_lost(net.r[idx(&net, 'B')], ID('A'),
				       net.now) > 0);
	net_run(&net, idx(&net, 'B'));
	net_settle(&net);
	assert_via(net.r[a_i], 'D', 'C');
	assert_via(net.r[a_i], 'B', 'C');
	net_free(&net);

	/* The far link. */
	net_init(&net, "ABCD");
	a_i = idx(&net, 'A');
	net_link(&net, 'A', 'B', 10);
	net_link(&net, 'B', 'D', 10);
	net_link(&net, 'A', 'C', 15);
	net_link(&net, 'C', 'D', 15);
	net_start(&net);
	net_cut(&net, 'B', 'D');
	while (rib_route_find(net.r[a_i], ID('D'), ID('B')))
		assert_true(net_deliver(&net));
	assert_via(net.r[a_i], 'D', 'C');
	net_settle(&net);
	assert_via(net.r[a_i], 'D', 'C');
	/* A never needed to ask (B did: its FD for D was the direct 10). */
	assert_int_equal(net.r[a_i]->stats.requests_sent, 0);
	assert_via(net.r[idx(&net, 'B')], 'D', 'A');
	net_free(&net);
}

/*
 * The same diamond with the backup's advertised metric above A's FD
 * (C-D 30 >= 20): unfeasible. A must not take it blindly; it asks for a
 * seqno, D raises it, and A switches as soon as the answer arrives.
 */
static void test_diamond_unfeasible_backup(void **state)
{
	struct net net;
	int a_i;

	(void)state;
	net_init(&net, "ABCD");
	a_i = idx(&net, 'A');
	net_link(&net, 'A', 'B', 10);
	net_link(&net, 'B', 'D', 10);
	net_link(&net, 'A', 'C', 10);
	net_link(&net, 'C', 'D', 30);
	net_start(&net);
	assert_via(net.r[a_i], 'D', 'B');

	net.up[a_i][idx(&net, 'B')] = net.up[idx(&net, 'B')][a_i] = false;
	assert_true(rib_neighbour_lost(net.r[a_i], ID('B'), net.now) > 0);
	assert_true(select_run(net.r[a_i], &net.scfg, net.now, &net.out) > 0);
	assert_via(net.r[a_i], 'D', 0);
	assert_int_equal(net.out.req.n, 1);
	assert_memory_equal(net.out.req.v[0].to, ID('C'), RIB_ID_LEN);
	assert_memory_equal(net.out.req.v[0].dest, ID('D'), RIB_ID_LEN);
	assert_int_equal(net.out.req.v[0].seqno, 101);
	assert_int_equal(net.out.req.v[0].hops, RIB_REQUEST_HOPS);
	net_collect(&net, a_i);
	assert_true(rib_neighbour_lost(net.r[idx(&net, 'B')], ID('A'),
				       net.now) > 0);
	net_run(&net, idx(&net, 'B'));
	net_settle(&net);
	assert_via(net.r[a_i], 'D', 'C');
	assert_int_equal(selected(net.r[a_i], ID('D'))->metric, 40);
	assert_int_equal(net.r[idx(&net, 'D')]->seqno, 101);
	net_free(&net);
}

/* ---- the rules of one rib ------------------------------------------------ */

/* A neighbour claiming metric 0 for a far node still costs its link. */
static void test_metric_floor(void **state)
{
	struct select_config scfg;
	struct select_out out;
	struct rib *r = new_rib(ID('S'), 1);
	const struct rib_route *rt;
	bool feas;

	(void)state;
	select_config_default(&scfg);
	select_out_init(&out);
	assert_int_equal(rib_neighbour_set(r, ID('N'), 250, true, 0), 0);
	assert_int_equal(rib_update(r, ID('N'), ID('Z'), 7, 0, 0, &feas),
			 RIB_UPD_NEW);
	assert_true(feas);
	assert_true(select_run(r, &scfg, 0, &out) > 0);
	rt = selected(r, ID('Z'));
	assert_non_null(rt);
	assert_int_equal(rt->metric, 250);
	assert_true(rt->metric >= rt->nbr->link_cost);
	/* A link cost of 0 counts as 1: metrics grow along a path. */
	assert_int_equal(rib_neighbour_set(r, ID('N'), 0, true, 1), 0);
	assert_int_equal(rib_route_find(r, ID('Z'), ID('N'))->metric, 1);
	/* A near-infinite claim saturates, finite. */
	assert_int_equal(rib_neighbour_set(r, ID('N'), 250, true, 2), 0);
	assert_int_equal(rib_update(r, ID('N'), ID('Z'), 8, 0xFFF0, 2, NULL),
			 RIB_UPD_CHANGED);
	assert_int_equal(rib_route_find(r, ID('Z'), ID('N'))->metric,
			 RIB_METRIC_MAX);
	/* Updates from strangers and about ourselves are refused. */
	assert_int_equal(rib_update(r, ID('X'), ID('Z'), 8, 0, 2, NULL),
			 -ENOENT);
	assert_int_equal(rib_update(r, ID('N'), ID('S'), 8, 0, 2, NULL),
			 RIB_UPD_IGNORED);
	assert_int_equal(rib_neighbour_set(r, ID('S'), 1, true, 2), -EINVAL);
	select_out_free(&out);
	rib_free(r);
}

/* A neighbour that may not relay is a next hop for itself only. */
static void test_non_relay(void **state)
{
	struct select_config scfg;
	struct select_out out;
	struct rib_req_action act;
	struct rib *r = new_rib(ID('S'), 1);

	(void)state;
	select_config_default(&scfg);
	select_out_init(&out);
	assert_int_equal(rib_neighbour_set(r, ID('N'), 10, false, 0), 0);
	assert_int_equal(rib_neighbour_set(r, ID('R'), 50, true, 0), 0);
	/* N (cheap, no relay) claims D; R (relay) too. */
	assert_true(rib_update(r, ID('N'), ID('N'), 1, 0, 0, NULL) >= 0);
	assert_true(rib_update(r, ID('N'), ID('D'), 1, 10, 0, NULL) >= 0);
	assert_true(rib_update(r, ID('R'), ID('D'), 1, 100, 0, NULL) >= 0);
	assert_true(select_run(r, &scfg, 0, &out) > 0);
	assert_via(r, 'N', 'N');		/* direct: fine */
	assert_via(r, 'D', 'R');		/* 150, not 20 through N */

	/* A request for D is never forwarded to N either. */
	assert_int_equal(req(r, 'R', 'D', 9, 10, 0, &act), RIB_REQ_IGNORE);

	/* R lost: D is unreachable, not through N. */
	assert_int_equal(rib_neighbour_lost(r, ID('R'), 1), 1);
	select_out_clear(&out);
	assert_true(select_run(r, &scfg, 1, &out) > 0);
	assert_via(r, 'D', 0);
	assert_int_equal(out.n_chg, 1);
	assert_int_equal(out.chg[0].kind, SELECT_UNREACHABLE);
	assert_int_equal(out.req.n, 0);	/* N's route is not a starving one */

	/* N becomes a relay (its certificate changed): used at once. */
	assert_int_equal(rib_neighbour_set(r, ID('N'), 10, true, 2), 0);
	select_out_clear(&out);
	assert_true(select_run(r, &scfg, 2, &out) > 0);
	assert_via(r, 'D', 'N');
	/* ... and withdrawn at once when it no longer is. */
	assert_int_equal(rib_neighbour_set(r, ID('N'), 10, false, 3), 0);
	select_out_clear(&out);
	assert_true(select_run(r, &scfg, 3, &out) > 0);
	assert_via(r, 'D', 0);
	assert_via(r, 'N', 'N');
	select_out_free(&out);
	rib_free(r);
}

/*
 * Split horizon with poisoned reverse: a route learnt from A is advertised
 * to A as a retraction, to the others with its metric; no node is told
 * about itself; the poison moves with the next hop; a non-relay node
 * advertises only itself.
 */
static void test_split_horizon(void **state)
{
	struct select_config scfg;
	struct select_out out;
	struct select_advert a;
	struct rib *r = new_rib(ID('S'), 1);

	(void)state;
	select_config_default(&scfg);
	select_out_init(&out);
	assert_int_equal(rib_neighbour_set(r, ID('A'), 10, true, 0), 0);
	assert_int_equal(rib_neighbour_set(r, ID('B'), 10, true, 0), 0);
	assert_int_equal(rib_neighbour_set(r, ID('D'), 500, true, 0), 0);
	assert_true(rib_update(r, ID('A'), ID('D'), 5, 20, 0, NULL) >= 0);
	assert_true(rib_update(r, ID('D'), ID('D'), 5, 0, 0, NULL) >= 0);
	assert_true(select_run(r, &scfg, 0, &out) > 0);
	assert_via(r, 'D', 'A');
	/* Our own route went to everyone. */
	assert_int_equal(find_adv(&out, 'A', 'S', &a), 1);
	assert_int_equal(a.metric, 0);
	assert_int_equal(find_adv(&out, 'D', 'S', NULL), 1);
	/* D: poison to A, 30 to B, nothing to D itself. */
	assert_int_equal(find_adv(&out, 'A', 'D', &a), 1);
	assert_int_equal(a.metric, INF);
	assert_int_equal(a.seqno, 5);
	assert_int_equal(find_adv(&out, 'B', 'D', &a), 1);
	assert_int_equal(a.metric, 30);
	assert_int_equal(find_adv(&out, 'D', 'D', NULL), 0);

	/* The same in a full dump. */
	select_out_clear(&out);
	assert_int_equal(select_dump(r, &scfg, ID('A'), 0, &out), 2);
	assert_int_equal(find_adv(&out, 'A', 'D', &a), 1);
	assert_int_equal(a.metric, INF);
	select_out_clear(&out);
	assert_int_equal(select_dump(r, &scfg, ID('B'), 0, &out), 2);
	assert_int_equal(find_adv(&out, 'B', 'D', &a), 1);
	assert_int_equal(a.metric, 30);
	assert_int_equal(select_dump(r, &scfg, ID('X'), 0, &out), -ENOENT);

	/* A goes: D via D direct; the poison moves to D (not sent: D is
	 * not told about itself), A gets nothing (lost), B the new metric. */
	assert_int_equal(rib_neighbour_lost(r, ID('A'), 1), 1);
	select_out_clear(&out);
	assert_true(select_run(r, &scfg, 1, &out) > 0);
	assert_via(r, 'D', 'D');
	assert_int_equal(find_adv(&out, 'B', 'D', &a), 1);
	assert_int_equal(a.metric, 500);
	assert_int_equal(find_adv(&out, 'D', 'D', NULL), 0);

	/* Not a relay: only ourselves. */
	scfg.relay = false;
	select_out_clear(&out);
	assert_int_equal(select_dump(r, &scfg, ID('B'), 1, &out), 1);
	assert_memory_equal(out.adv[0].dest, ID('S'), RIB_ID_LEN);
	assert_false(select_advert_for(r, &scfg, ID('D'), ID('B'), &a));
	select_out_free(&out);
	rib_free(r);
}

/*
 * The selected route's next hop raises its metric above our FD (its own
 * upstream got worse): the route is kept, not dropped, and nothing is
 * asked for by itself; another neighbour's route, unfeasible but clearly
 * better, gets a seqno request; once answered it wins.
 */
static void test_unfeasible_successor_kept(void **state)
{
	struct select_config scfg;
	struct select_out out;
	struct rib *r = new_rib(ID('S'), 1);
	const struct rib_dest *d;
	bool feas;

	(void)state;
	select_config_default(&scfg);
	select_out_init(&out);
	assert_int_equal(rib_neighbour_set(r, ID('B'), 10, true, 0), 0);
	assert_int_equal(rib_neighbour_set(r, ID('C'), 10, true, 0), 0);
	assert_true(rib_update(r, ID('B'), ID('D'), 5, 100, 0, NULL) >= 0);
	assert_true(select_run(r, &scfg, 0, &out) > 0);
	d = rib_dest_find(r, ID('D'));
	assert_int_equal(d->fd.metric, 110);

	/* B's metric rises to 300 (>= 110: unfeasible): kept, at 310. */
	assert_int_equal(rib_update(r, ID('B'), ID('D'), 5, 300, 10, &feas),
			 RIB_UPD_CHANGED);
	assert_false(feas);
	select_out_clear(&out);
	assert_int_equal(select_run(r, &scfg, 10, &out), 1);
	assert_via(r, 'D', 'B');
	assert_int_equal(selected(r, ID('D'))->metric, 310);
	assert_int_equal(out.n_chg, 0);		/* the fib keeps it */
	assert_int_equal(out.req.n, 0);
	/* The worse metric is advertised (FD stays at its best, 110). */
	assert_int_equal(find_adv(&out, 'C', 'D', NULL), 1);
	assert_int_equal(out.adv[out.n_adv - 1].metric, 310);
	assert_int_equal(d->fd.metric, 110);

	/* C offers 150 (160 for us): unfeasible (>= 110), but clearly better
	 * than 310: ask C for a new seqno rather than switch. */
	assert_true(rib_update(r, ID('C'), ID('D'), 5, 150, 20, NULL) >= 0);
	select_out_clear(&out);
	assert_int_equal(select_run(r, &scfg, 20, &out), 1);
	assert_via(r, 'D', 'B');
	assert_int_equal(out.req.n, 1);
	assert_memory_equal(out.req.v[0].to, ID('C'), RIB_ID_LEN);
	assert_int_equal(out.req.v[0].seqno, 6);
	/* The answer (seqno 6) through C: feasible, better by the margin in
	 * both metrics once the smoothed one agrees. */
	assert_true(rib_update(r, ID('C'), ID('D'), 6, 150, 30, NULL) >= 0);
	assert_false(d->req_pending);
	select_out_clear(&out);
	assert_int_equal(select_run(r, &scfg, 30, &out), 1);
	/* B rose 20 ms ago: its smoothed metric is still ~110. Watched. */
	assert_via(r, 'D', 'B');
	assert_int_equal(out.n_chg, 0);
	assert_int_equal(out.req.n, 0);
	assert_true(rib_list_linked(&d->watch));
	select_out_clear(&out);
	assert_int_equal(select_run(r, &scfg, 2010, &out), 1);
	assert_via(r, 'D', 'B');		/* half a half-life: ~160 */
	select_out_clear(&out);
	assert_int_equal(select_run(r, &scfg, 8010, &out), 1);
	assert_via(r, 'D', 'C');		/* ~260 >= 160 + 50 */
	assert_false(rib_list_linked(&d->watch));
	assert_int_equal(out.n_chg, 1);
	assert_int_equal(d->fd.seqno, 6);
	assert_int_equal(d->fd.metric, 160);
	select_out_free(&out);
	rib_free(r);
}

/* Seqno requests: the origin, an answer, forwarding, duplicates. */
static void test_seqno_requests(void **state)
{
	struct select_config scfg;
	struct select_out out;
	struct rib_req_action act;
	struct rib *r = new_rib(ID('S'), 10);

	(void)state;
	select_config_default(&scfg);
	select_out_init(&out);
	assert_int_equal(rib_neighbour_set(r, ID('A'), 10, true, 0), 0);
	assert_int_equal(rib_neighbour_set(r, ID('B'), 10, true, 0), 0);
	assert_int_equal(rib_neighbour_set(r, ID('C'), 10, true, 0), 0);
	assert_true(select_run(r, &scfg, 0, &out) >= 0);
	select_out_clear(&out);

	/* To the origin: an old seqno is just answered... */
	assert_int_equal(req(r, 'A', 'S', 10, 5, 0, &act), RIB_REQ_UPDATE);
	assert_int_equal(r->seqno, 10);
	/* ... a newer one is taken, however far ahead, and advertised. */
	assert_int_equal(req(r, 'A', 'S', 40, 5, 0, &act), RIB_REQ_BUMPED);
	assert_int_equal(r->seqno, 40);
	assert_int_equal(select_run(r, &scfg, 0, &out), 0);
	assert_int_equal(out.n_adv, 3);
	assert_int_equal(out.adv[0].seqno, 40);
	select_out_clear(&out);
	/* From a stranger: refused. */
	assert_int_equal(rib_request_recv(r, ID('X'), ID('S'), 50, 5, 0, &act),
			 -ENOENT);
	/* For an unknown destination: nothing to do. */
	assert_int_equal(req(r, 'A', 'Z', 1, 5, 0, &act), RIB_REQ_IGNORE);

	/* D selected via B at seqno 7. */
	assert_true(rib_update(r, ID('B'), ID('D'), 7, 20, 0, NULL) >= 0);
	assert_true(rib_update(r, ID('C'), ID('D'), 7, 30, 0, NULL) >= 0);
	assert_true(select_run(r, &scfg, 0, &out) > 0);
	assert_via(r, 'D', 'B');
	/* Asked for 7 or less: we answer. */
	assert_int_equal(req(r, 'A', 'D', 7, 5, 0, &act), RIB_REQ_UPDATE);
	/* Asked for 8: forwarded to our next hop, hop count - 1. */
	assert_int_equal(req(r, 'A', 'D', 8, 5, 10, &act), RIB_REQ_FORWARD);
	assert_memory_equal(act.fwd.to, ID('B'), RIB_ID_LEN);
	assert_memory_equal(act.fwd.dest, ID('D'), RIB_ID_LEN);
	assert_int_equal(act.fwd.seqno, 8);
	assert_int_equal(act.fwd.hops, 4);
	/* The same again soon (from anyone): a duplicate. */
	assert_int_equal(req(r, 'C', 'D', 8, 5, 20, &act), RIB_REQ_DUPLICATE);
	/* A resend after the window: forwarded again. */
	assert_int_equal(req(r, 'A', 'D', 8, 5, 600, &act), RIB_REQ_FORWARD);
	/* From our next hop itself: never back to it; to C instead. */
	assert_int_equal(req(r, 'B', 'D', 9, 5, 700, &act), RIB_REQ_FORWARD);
	assert_memory_equal(act.fwd.to, ID('C'), RIB_ID_LEN);
	/* The hop count spent: dropped. */
	assert_int_equal(req(r, 'A', 'D', 10, 1, 800, &act), RIB_REQ_IGNORE);
	select_out_free(&out);
	rib_free(r);
}

/* Our requests: resent on timeout, given up, answered by an update. */
static void test_request_resend(void **state)
{
	struct select_config scfg;
	struct select_out out;
	struct rib *r = new_rib(ID('S'), 1);
	struct rib_dest *d;
	uint64_t t;
	unsigned int sent = 0;

	(void)state;
	select_config_default(&scfg);
	select_out_init(&out);
	assert_int_equal(rib_neighbour_set(r, ID('A'), 10, true, 0), 0);
	assert_int_equal(rib_neighbour_set(r, ID('B'), 10, true, 0), 0);
	assert_true(rib_update(r, ID('A'), ID('D'), 7, 20, 0, NULL) >= 0);
	assert_true(rib_update(r, ID('B'), ID('D'), 7, 50, 0, NULL) >= 0);
	assert_true(select_run(r, &scfg, 0, &out) > 0);
	assert_via(r, 'D', 'A');
	d = rib_dest_find(r, ID('D'));
	assert_int_equal(d->fd.metric, 30);	/* as advertised */
	select_out_clear(&out);

	assert_int_equal(rib_update(r, ID('A'), ID('D'), 7, INF, 100, NULL),
			 RIB_UPD_RETRACTED);
	assert_true(select_run(r, &scfg, 100, &out) > 0);
	assert_via(r, 'D', 0);			/* B's 50 >= 30 */
	assert_int_equal(out.req.n, 1);
	assert_memory_equal(out.req.v[0].to, ID('B'), RIB_ID_LEN);
	assert_int_equal(out.req.v[0].seqno, 8);
	sent++;
	select_out_clear(&out);
	/* Nothing more while it is in flight. */
	assert_true(select_run(r, &scfg, 150, &out) >= 0);
	assert_int_equal(rib_tick(r, 150, &out.req), 0);
	assert_int_equal(out.req.n, 0);
	for (t = 200; t < 5000; t += 100) {
		assert_int_equal(rib_tick(r, t, &out.req), 0);
		sent += (unsigned int)out.req.n;
		select_out_clear(&out);
	}
	assert_int_equal(sent, 4);		/* 1 + 3 resends */
	assert_false(d->req_pending);

	/* Asked again, and answered by an update at the new seqno. */
	assert_true(rib_update(r, ID('B'), ID('D'), 7, 51, 5000, NULL) >= 0);
	assert_true(select_run(r, &scfg, 5000, &out) > 0);
	assert_int_equal(out.req.n, 1);
	assert_true(d->req_pending);
	assert_true(rib_update(r, ID('B'), ID('D'), 8, 50, 5100, NULL) >= 0);
	assert_false(d->req_pending);
	assert_true(select_run(r, &scfg, 5100, &out) > 0);
	assert_via(r, 'D', 'B');
	assert_int_equal(r->stats.requests_answered, 1);
	select_out_free(&out);
	rib_free(r);
}

/* Routes expire after the hold time; idle destinations are forgotten. */
static void test_expiry_and_gc(void **state)
{
	struct select_config scfg;
	struct select_out out;
	struct rib_config cfg;
	struct rib *r;

	(void)state;
	rib_config_default(&cfg);
	cfg.route_hold_ms = 1000;
	cfg.source_gc_ms = 5000;
	r = rib_new(ID('S'), 1, &cfg);
	assert_non_null(r);
	select_config_default(&scfg);
	select_out_init(&out);
	assert_int_equal(rib_neighbour_set(r, ID('A'), 10, true, 0), 0);
	assert_true(rib_update(r, ID('A'), ID('D'), 7, 20, 0, NULL) >= 0);
	assert_true(rib_update(r, ID('A'), ID('E'), 7, 20, 0, NULL) >= 0);
	assert_true(select_run(r, &scfg, 0, &out) > 0);
	/* E is refreshed, D is not. */
	assert_int_equal(rib_update(r, ID('A'), ID('E'), 7, 20, 600, NULL),
			 RIB_UPD_REFRESHED);
	assert_int_equal(r->n_routes, 2);
	assert_int_equal(rib_tick(r, 999, &out.req), 0);
	assert_non_null(rib_route_find(r, ID('D'), ID('A')));
	assert_int_equal(rib_tick(r, 1000, &out.req), 0);
	assert_null(rib_route_find(r, ID('D'), ID('A')));
	assert_non_null(rib_route_find(r, ID('E'), ID('A')));
	select_out_clear(&out);
	assert_int_equal(select_run(r, &scfg, 1000, &out), 1);
	assert_int_equal(out.n_chg, 1);
	assert_int_equal(out.chg[0].kind, SELECT_UNREACHABLE);
	assert_memory_equal(out.chg[0].dest, ID('D'), RIB_ID_LEN);
	/* The retraction went out at once, and is repeated in dumps for a
	 * hold time. */
	assert_int_equal(find_adv(&out, 'A', 'D', NULL), 1);
	assert_int_equal(r->stats.expired, 1);
	/* E expires at 1600. */
	assert_int_equal(rib_tick(r, 1600, &out.req), 0);
	assert_null(rib_route_find(r, ID('E'), ID('A')));
	select_out_clear(&out);
	assert_int_equal(select_run(r, &scfg, 1600, &out), 1);
	/* D's FD is kept for the gc time, then D is forgotten. */
	assert_int_equal(rib_tick(r, 5999, &out.req), 0);
	assert_non_null(rib_dest_find(r, ID('D')));
	assert_true(rib_dest_find(r, ID('D'))->fd.valid);
	assert_int_equal(rib_tick(r, 6000, &out.req), 0);
	assert_null(rib_dest_find(r, ID('D')));
	assert_int_equal(r->stats.forgotten, 1);
	/* E, idle since 1600, is forgotten at 6600. */
	assert_int_equal(rib_tick(r, 6599, &out.req), 0);
	assert_non_null(rib_dest_find(r, ID('E')));
	assert_int_equal(rib_tick(r, 6600, &out.req), 0);
	assert_null(rib_dest_find(r, ID('E')));
	assert_int_equal(r->n_dests, 0);
	assert_int_equal(r->n_routes, 0);
	select_out_free(&out);
	rib_free(r);
}

/* Prefixes ride with their node, versioned by its seqno. */
static void test_prefixes(void **state)
{
	struct select_config scfg;
	struct select_out out;
	struct aegis_prefix p[2];
	struct rib *r = new_rib(ID('S'), 1);
	const struct rib_dest *d;
	uint16_t seq0;

	(void)state;
	memset(p, 0, sizeof(p));
	p[0].addr.family = AF_INET;
	p[0].addr.u.bytes[0] = 10;
	p[0].len = 8;
	p[1].addr.family = AF_INET6;
	p[1].addr.u.bytes[0] = 0xfd;
	p[1].len = 64;
	select_config_default(&scfg);
	select_out_init(&out);
	assert_int_equal(rib_neighbour_set(r, ID('A'), 10, true, 0), 0);
	/* Known before the node is reachable: no change reported yet. */
	assert_int_equal(rib_dest_prefixes(r, ID('D'), 5, p, 1, 0), 0);
	assert_int_equal(select_run(r, &scfg, 0, &out), 1);
	assert_int_equal(out.n_chg, 0);
	/* Reachable: SELECT_VIA; the prefixes are read with it. */
	assert_true(rib_update(r, ID('A'), ID('D'), 5, 20, 0, NULL) >= 0);
	select_out_clear(&out);
	assert_int_equal(select_run(r, &scfg, 0, &out), 1);
	assert_int_equal(out.n_chg, 1);
	assert_int_equal(out.chg[0].kind, SELECT_VIA);
	d = rib_dest_find(r, ID('D'));
	assert_int_equal(d->n_pfx, 1);
	/* The same set again: nothing. */
	assert_int_equal(rib_dest_prefixes(r, ID('D'), 5, p, 1, 0), 0);
	select_out_clear(&out);
	assert_int_equal(select_run(r, &scfg, 0, &out), 0);
	/* A new set with a newer seqno: SELECT_PREFIXES. */
	assert_int_equal(rib_dest_prefixes(r, ID('D'), 6, p, 2, 0), 0);
	assert_int_equal(select_run(r, &scfg, 0, &out), 1);
	assert_int_equal(out.n_chg, 1);
	assert_int_equal(out.chg[0].kind, SELECT_PREFIXES);
	assert_memory_equal(out.chg[0].via, ID('A'), RIB_ID_LEN);
	assert_int_equal(d->n_pfx, 2);
	/* An older one: refused. */
	assert_int_equal(rib_dest_prefixes(r, ID('D'), 5, p, 1, 0), -ESTALE);
	assert_int_equal(d->n_pfx, 2);
	assert_int_equal(rib_dest_prefixes(r, ID('S'), 5, p, 1, 0), -EINVAL);

	/* Ours: a new set raises our seqno and is advertised. */
	seq0 = r->seqno;
	assert_int_equal(rib_self_prefixes(r, p, 2), 0);
	assert_true(rib_seqno_newer(r->seqno, seq0));
	assert_int_equal(r->n_self_pfx, 2);
	select_out_clear(&out);
	assert_int_equal(select_run(r, &scfg, 0, &out), 0);
	assert_int_equal(find_adv(&out, 'A', 'S', NULL), 1);
	select_out_free(&out);
	rib_free(r);
}

/* ---- hysteresis ---------------------------------------------------------- */

static void test_select_better(void **state)
{
	struct select_config cfg;

	(void)state;
	select_config_default(&cfg);
	/* Short paths: the absolute margin (5 ms = 50). */
	assert_false(select_better(&cfg, 200, 240));
	assert_true(select_better(&cfg, 190, 240));
	/* Long paths: the relative one (10%). */
	assert_false(select_better(&cfg, 2000, 2150));
	assert_true(select_better(&cfg, 2000, 2250));
	/* Anything finite beats infinity; infinity nothing. */
	assert_true(select_better(&cfg, RIB_METRIC_MAX, INF));
	assert_false(select_better(&cfg, INF, 10));
	assert_false(select_better(&cfg, INF, INF));
}

/*
 * S reaches D through X or Y (each advertising D at 100 = 10 ms); the
 * links S-X and S-Y are measured by probes every 100 ms. The simulated
 * links have a base RTT, +/- 2 ms of jitter and random loss, changeable
 * at a given time. Returns the number of next-hop switches after the
 * first selection; *via_at_end is the final next hop.
 */
struct simlink {
	uint32_t rtt_ms;
	unsigned int loss_permille;
	bool cut;
};

struct echo {
	uint64_t at;
	uint32_t seq;
	int link;
};

struct hyst {
	struct rib *r;
	struct select_config scfg;
	struct select_out out;
	struct probe p[2];
	uint16_t applied[2];
	struct simlink link[2];
	struct echo echoes[256];
	unsigned int n_echoes;
	uint32_t seq;
	uint64_t now;
	unsigned int switches;
	unsigned int vias;
	char via;
	uint64_t last_switch;
};

static const char hyst_name[2] = { 'X', 'Y' };

static void hyst_init(struct hyst *h, unsigned int margin_abs,
		      unsigned int margin_pct, uint32_t half_life)
{
	struct probe_config pcfg;
	struct rib_config rcfg;
	int i;

	memset(h, 0, sizeof(*h));
	rib_config_default(&rcfg);
	rcfg.smooth_half_life_ms = half_life;
	rcfg.route_hold_ms = 1000000;
	h->r = rib_new(ID('S'), 1, &rcfg);
	assert_non_null(h->r);
	select_config_default(&h->scfg);
	h->scfg.margin_abs = (uint16_t)margin_abs;
	h->scfg.margin_pct = margin_pct;
	select_out_init(&h->out);
	probe_config_default(&pcfg);
	for (i = 0; i < 2; i++) {
		assert_int_equal(probe_init(&h->p[i], &pcfg, 0), 0);
		h->applied[i] = INF;
		assert_int_equal(rib_neighbour_set(h->r, ID(hyst_name[i]), INF,
						   true, 0), 0);
		assert_true(rib_update(h->r, ID(hyst_name[i]), ID('D'), 1, 100,
				       0, NULL) >= 0);
		h->link[i].rtt_ms = 20;
	}
}

static void hyst_free(struct hyst *h)
{
	select_out_free(&h->out);
	rib_free(h->r);
}

static void hyst_select(struct hyst *h)
{
	size_t k;

	assert_true(select_run(h->r, &h->scfg, h->now, &h->out) >= 0);
	for (k = 0; k < h->out.n_chg; k++) {
		const struct select_change *c = &h->out.chg[k];

		if (memcmp(c->dest, ID('D'), RIB_ID_LEN))
			continue;
		if (c->kind == SELECT_VIA) {
			if (h->vias++)
				h->switches++;
			h->via = (char)c->via[0];
			h->last_switch = h->now;
		} else if (c->kind == SELECT_UNREACHABLE) {
			h->via = 0;
			h->last_switch = h->now;
		}
	}
	select_out_clear(&h->out);
}

/* Run for ms, 1 ms steps: probes every 100 ms, echoes, costs, selection. */
static void hyst_run(struct hyst *h, uint64_t ms)
{
	uint64_t end = h->now + ms;
	unsigned int k;
	int i;

	for (; h->now < end; h->now++) {
		bool changed = false;

		if (h->now % 100 == 0) {
			h->seq++;
			for (i = 0; i < 2; i++) {
				const struct simlink *l = &h->link[i];
				struct echo *e;

				if (!rib_neighbour_find(h->r, ID(hyst_name[i])))
					continue;	/* lost */
				probe_sent(&h->p[i], h->seq, h->now);
				if (l->cut || chance(l->loss_permille))
					continue;
				assert_true(h->n_echoes <
					    ARRAY_SIZE(h->echoes));
				e = &h->echoes[h->n_echoes++];
				e->at = h->now + l->rtt_ms - 2 + rnd() % 5;
				e->seq = h->seq;
				e->link = i;
			}
		}
		for (k = 0; k < h->n_echoes;) {
			if (h->echoes[k].at > h->now) {
				k++;
				continue;
			}
			probe_echo(&h->p[h->echoes[k].link], h->echoes[k].seq,
				   h->now);
			h->echoes[k] = h->echoes[--h->n_echoes];
			changed = true;
		}
		if (!changed && h->now % 100 != 50)
			continue;
		for (i = 0; i < 2; i++) {
			uint16_t c;

			if (!rib_neighbour_find(h->r, ID(hyst_name[i])))
				continue;
			if (probe_dead(&h->p[i], h->now)) {
				assert_true(rib_neighbour_lost(h->r,
					ID(hyst_name[i]), h->now) >= 0);
				continue;
			}
			c = probe_cost(&h->p[i], h->now);
			if (probe_cost_changed(h->applied[i], c)) {
				h->applied[i] = c;
				assert_int_equal(rib_neighbour_set(h->r,
					ID(hyst_name[i]), c, true, h->now), 0);
			}
		}
		hyst_select(h);
	}
}

/* 5% loss against a clean path of the same RTT: no flapping in 10 min. */
static void test_hysteresis_lossy_no_flap(void **state)
{
	struct hyst h;

	(void)state;
	hyst_init(&h, 50, 10, 4000);
	h.link[1].loss_permille = 50;
	hyst_run(&h, 600000);
	assert_true(h.switches <= 1);
	assert_true(h.via == 'X' || h.via == 'Y');
	hyst_free(&h);

	/* Started on the lossy one (the clean one comes up 5 s later): it
	 * may stay there (5% is within the margin), but must not flap. */
	hyst_init(&h, 50, 10, 4000);
	h.link[1].loss_permille = 50;
	h.link[0].cut = true;
	hyst_run(&h, 1000);
	assert_int_equal(h.via, 'Y');
	assert_int_equal(rib_neighbour_lost(h.r, ID('X'), h.now), 1);
	h.link[0].cut = false;
	hyst_run(&h, 4000);
	/* X is back (its probes resume when it is a neighbour again). */
	assert_int_equal(rib_neighbour_set(h.r, ID('X'), INF, true, h.now), 0);
	assert_true(rib_update(h.r, ID('X'), ID('D'), 1, 100, h.now,
			       NULL) >= 0);
	h.applied[0] = INF;
	hyst_run(&h, 600000);
	assert_true(h.switches <= 1);
	hyst_free(&h);

	/* Without hysteresis the same links flap: the test has teeth. */
	hyst_init(&h, 0, 0, 0);
	h.link[1].loss_permille = 50;
	hyst_run(&h, 600000);
	assert_true(h.switches >= 5);
	hyst_free(&h);
}

/*
 * 30% loss on the path in use moves traffic, once, within seconds, even
 * to a path 10 ms longer.
 */
static void test_hysteresis_heavy_loss_moves(void **state)
{
	struct hyst h;
	char was;

	(void)state;
	hyst_init(&h, 50, 10, 4000);
	h.link[1].rtt_ms = 30;
	hyst_run(&h, 60000);
	assert_int_equal(h.via, 'X');
	assert_int_equal(h.switches, 0);
	was = h.via;
	h.link[0].loss_permille = 300;
	hyst_run(&h, 60000);
	assert_int_equal(h.via, 'Y');
	assert_int_equal(h.switches, 1);
	assert_true(h.last_switch - 60000 < 20000);
	assert_true(was != h.via);
	hyst_free(&h);
}

/* +80 ms on the path in use moves traffic, once, within seconds. */
static void test_hysteresis_rtt_moves(void **state)
{
	struct hyst h;

	(void)state;
	hyst_init(&h, 50, 10, 4000);
	h.link[1].rtt_ms = 25;
	hyst_run(&h, 60000);
	assert_int_equal(h.via, 'X');
	h.link[0].rtt_ms = 100;
	hyst_run(&h, 60000);
	assert_int_equal(h.via, 'Y');
	assert_int_equal(h.switches, 1);
	assert_true(h.last_switch - 60000 < 20000);
	/* X recovers partly (60 ms: still worse). A spike on Y (+80 ms
	 * for 1 s) makes X better for a moment in the instantaneous
	 * metric, not in the smoothed one: no move. */
	h.link[0].rtt_ms = 60;
	hyst_run(&h, 60000);
	h.link[1].rtt_ms = 105;
	hyst_run(&h, 1000);
	h.link[1].rtt_ms = 25;
	hyst_run(&h, 60000);
	assert_int_equal(h.via, 'Y');
	assert_int_equal(h.switches, 1);
	hyst_free(&h);
}

/*
 * A silent cut of the path in use while traffic flows (probes every
 * 100 ms, K = 3): rerouted well under a second after the cut.
 */
static void test_silent_cut_reroute(void **state)
{
	struct hyst h;
	unsigned int run;

	(void)state;
	for (run = 0; run < 20; run++) {
		uint64_t cut_at;

		hyst_init(&h, 50, 10, 4000);
		h.link[1].rtt_ms = 30;
		hyst_run(&h, 20000 + run * 37);
		assert_int_equal(h.via, 'X');
		cut_at = h.now;
		h.link[0].cut = true;
		/* Echoes in flight are lost too. */
		h.n_echoes = 0;
		hyst_run(&h, 2000);
		assert_int_equal(h.via, 'Y');
		assert_true(h.last_switch - cut_at < 500);
		hyst_free(&h);
	}
}

/* ---- probe estimator ----------------------------------------------------- */

static void test_probe_rtt(void **state)
{
	struct probe_config cfg;
	struct probe p;
	uint32_t srtt, var;

	(void)state;
	probe_config_default(&cfg);
	assert_int_equal(probe_init(&p, &cfg, 0), 0);
	assert_false(probe_srtt_us(&p, &srtt, &var));
	assert_int_equal(probe_rto(&p), 1000);
	assert_int_equal(probe_cost(&p, 0), PROBE_COST_INF);	/* unmeasured */

	probe_sent(&p, 1, 0);
	assert_int_equal(probe_echo(&p, 1, 20), 20);
	assert_true(probe_srtt_us(&p, &srtt, &var));
	assert_int_equal(srtt, 20000);
	assert_int_equal(var, 10000);
	/* RFC 6298: RTTVAR = 3/4 10 + 1/4 |20 - 40| = 12.5; SRTT = 22.5. */
	probe_sent(&p, 2, 100);
	assert_int_equal(probe_echo(&p, 2, 140), 40);
	assert_true(probe_srtt_us(&p, &srtt, &var));
	assert_int_equal(srtt, 22500);
	assert_int_equal(var, 12500);
	assert_int_equal(probe_rto(&p), 73);	/* 22.5 + 50 */
	/* Duplicates and strangers. */
	assert_int_equal(probe_echo(&p, 2, 150), -EALREADY);
	assert_int_equal(probe_echo(&p, 77, 150), -ENOENT);
	assert_int_equal(p.n_stray, 2);

	/* Many samples of 20 ms: SRTT converges, RTO floors at rto_min. */
	{
		uint32_t s;
		uint64_t t = 200;

		for (s = 3; s < 200; s++, t += 100) {
			probe_sent(&p, s, t);
			assert_int_equal(probe_echo(&p, s, t + 20), 20);
		}
		assert_true(probe_srtt_us(&p, &srtt, &var));
		assert_true(srtt > 19900 && srtt < 20100);
		assert_int_equal(probe_rto(&p), 50);
		/* Cost: (20 ms + 1 ms hop) = 210 units, no loss. */
		assert_int_equal(probe_cost(&p, t), 210);
	}
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(probe_init(&p, &cfg, 0), -EINVAL);
}

static void test_probe_loss_cost(void **state)
{
	struct probe_config cfg;
	struct probe p;
	unsigned int lost, resolved;
	uint64_t t = 0;
	uint32_t s;

	(void)state;
	probe_config_default(&cfg);
	assert_int_equal(probe_init(&p, &cfg, 0), 0);
	/* 64 probes, every 4th lost: over the window of 32, 8 lost. */
	for (s = 1; s <= 64; s++, t += 100) {
		probe_sent(&p, s, t);
		if (s % 4)
			assert_int_equal(probe_echo(&p, s, t + 20), 20);
	}
	/* The last one (64) is lost, but within its RTO at t - 100 + 30. */
	probe_loss(&p, t - 100 + 30, &lost, &resolved);
	assert_int_equal(resolved, 31);
	assert_int_equal(lost, 7);
	probe_loss(&p, t, &lost, &resolved);
	assert_int_equal(resolved, 32);
	assert_int_equal(lost, 8);
	/* ETX = 32 / 24: (210 + 500) * 4/3 - 500 = 446.7. */
	assert_int_equal(probe_cost(&p, t), 447);
	assert_false(probe_dead(&p, t));
	assert_int_equal(probe_unanswered(&p, t), 1);

	/* A late echo turns a loss into an answer. */
	assert_int_equal(probe_echo(&p, 64, t + 5), 105);
	probe_loss(&p, t + 5, &lost, &resolved);
	assert_int_equal(lost, 7);
	assert_int_equal(probe_unanswered(&p, t + 5), 0);

	/* Significance of a change, for the rib. */
	assert_false(probe_cost_changed(200, 200));
	assert_false(probe_cost_changed(200, 210));	/* < 1/16 */
	assert_true(probe_cost_changed(200, 213));
	assert_false(probe_cost_changed(20, 24));	/* < 0.5 ms */
	assert_true(probe_cost_changed(20, 25));
	assert_true(probe_cost_changed(200, PROBE_COST_INF));
	assert_true(probe_cost_changed(PROBE_COST_INF, 200));
}

/*
 * Dead-link detection: probes every 100 ms, RTT 10 ms, K = 3. Cut right
 * after an echo: dead 300 ms (three probes) + the RTO (50 ms floor)
 * later; never before K probes went unanswered.
 */
static void test_probe_dead_timing(void **state)
{
	struct probe_config cfg;
	struct probe p;
	uint64_t t, last_echo = 0, dead_at = 0;
	uint32_t s = 0;

	(void)state;
	probe_config_default(&cfg);
	assert_int_equal(probe_init(&p, &cfg, 0), 0);
	for (t = 0; t < 10000; t++) {
		if (t % 100 == 0)
			probe_sent(&p, ++s, t);
		if (t % 100 == 10 && t < 5000) {
			assert_int_equal(probe_echo(&p, s, t), 10);
			last_echo = t;
		}
		assert_true(probe_cost(&p, t) == PROBE_COST_INF ||
			    !probe_dead(&p, t));
		if (probe_dead(&p, t)) {
			dead_at = t;
			break;
		}
	}
	assert_int_equal(last_echo, 4910);
	assert_true(dead_at >= last_echo + 300);
	assert_true(dead_at <= last_echo + 400);
	assert_int_equal(probe_unanswered(&p, dead_at), 3);
	assert_int_equal(probe_cost(&p, dead_at), PROBE_COST_INF);
	/* An echo brings it back. */
	assert_int_equal(probe_echo(&p, s, dead_at + 1),
			 (int)(dead_at + 1 - (s - 1) * 100));
	assert_false(probe_dead(&p, dead_at + 1));

	/* Idle (no probes): dead after T without hearing anything. */
	assert_int_equal(probe_init(&p, &cfg, 1000), 0);
	probe_heard(&p, 1500);
	assert_false(probe_dead(&p, 3499));
	assert_true(probe_dead(&p, 3500));
	probe_heard(&p, 3500);
	assert_false(probe_dead(&p, 3500));

	/*
	 * With quiet_ms Q: echoes late but the neighbour's own packets still
	 * heard is not dead; Q of silence after K losses is.
	 */
	cfg.quiet_ms = 250;
	assert_int_equal(probe_init(&p, &cfg, 0), 0);
	s = 0;
	for (t = 0; t < 1000; t += 100) {
		probe_sent(&p, ++s, t);
		assert_int_equal(probe_echo(&p, s, t + 10), 10);
	}
	for (; t < 1500; t += 100) {
		probe_sent(&p, ++s, t);
		probe_heard(&p, t + 50);	/* its probes, not our echoes */
	}
	assert_true(probe_unanswered(&p, 1500) >= 3);
	assert_false(probe_dead(&p, 1500));
	/* Silence from 1450: dead once 250 ms have passed, not before. */
	assert_false(probe_dead(&p, 1699));
	assert_true(probe_dead(&p, 1700));
}

/* ---- scale --------------------------------------------------------------- */

/* Neighbour k of the scale test: 'A', 'B', ... */
#define NB_ID(k)	ID((char)('A' + (k)))

static double elapsed(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) +
	       (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

/*
 * 10,000 destinations through 4 neighbours: the tables grow (load <= 1),
 * one update makes one destination dirty and select_run() visits that one
 * only; a lost neighbour costs its own routes. The times are generous
 * bounds (sanitizers included), not benchmarks.
 */
static void test_scale(void **state)
{
	enum { N = 10000, NB = 4 };
	struct select_config scfg;
	struct select_out out;
	struct rib *r = new_rib(ID('S'), 1);
	uint8_t id[RIB_ID_LEN];
	struct timespec t0;
	unsigned int i, k;

	(void)state;
	select_config_default(&scfg);
	select_out_init(&out);
	for (k = 0; k < NB; k++)
		assert_int_equal(rib_neighbour_set(r, NB_ID(k),
						   (uint16_t)(10 + k), true, 0),
				 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < N; i++) {
		num_id(id, i);
		for (k = 0; k < NB; k++)
			assert_int_equal(rib_update(r, NB_ID(k), id, 1,
						    (uint16_t)(100 + k), 0,
						    NULL), RIB_UPD_NEW);
	}
	assert_int_equal(r->n_dests, N);
	assert_int_equal(r->n_routes, N * NB);
	assert_true(r->dests.n <= r->dests.mask + 1);
	assert_true(r->routes.n <= r->routes.mask + 1);
	assert_true(select_run(r, &scfg, 0, &out) == N);
	assert_int_equal(out.n_chg, N);
	assert_int_equal(out.n_adv, (N + 1) * NB);
	select_out_clear(&out);

	/* Refreshes (a neighbour's periodic dump): nothing dirty. */
	for (i = 0; i < N; i++) {
		num_id(id, i);
		assert_int_equal(rib_update(r, ID('A'), id, 1, 100, 10, NULL),
				 RIB_UPD_REFRESHED);
	}
	assert_int_equal(select_run(r, &scfg, 10, &out), 0);

	/* One change (a retraction of the route in use): one destination
	 * visited, switched to the next best at once. */
	num_id(id, 4242);
	assert_int_equal(rib_update(r, ID('A'), id, 1, INF, 20, NULL),
			 RIB_UPD_RETRACTED);
	assert_int_equal(select_run(r, &scfg, 20, &out), 1);
	assert_int_equal(out.n_chg, 1);
	assert_memory_equal(out.chg[0].via, ID('B'), RIB_ID_LEN);
	select_out_clear(&out);

	/* 100,000 more updates. */
	for (i = 0; i < 100000; i++) {
		num_id(id, (unsigned int)(rnd() % N));
		assert_true(rib_update(r, NB_ID(rnd() % NB), id, 1,
				       (uint16_t)(100 + rnd() % 3), 30,
				       NULL) >= 0);
	}
	assert_true(select_run(r, &scfg, 30, &out) >= 0);
	select_out_clear(&out);
	assert_true(elapsed(&t0) < 5.0);

	/* A's loss: all of its routes go at once, the others take over. */
	k = (unsigned int)rib_neighbour_find(r, ID('A'))->n_routes;
	assert_true(k >= N - 1);
	assert_int_equal(rib_neighbour_lost(r, ID('A'), 40), k);
	assert_int_equal(r->n_routes, N * (NB - 1));
	assert_int_equal(select_run(r, &scfg, 40, &out), k);
	for (i = 0; i < N; i += 997) {
		num_id(id, i);
		assert_non_null(selected(r, id));
	}
	select_out_free(&out);
	rib_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_seqno_compare, setup),
		cmocka_unit_test_setup(test_feasibility, setup),
		cmocka_unit_test_setup(test_metric_add, setup),
		cmocka_unit_test_setup(test_three_node_loop, setup),
		cmocka_unit_test_setup(test_random_no_loops, setup),
		cmocka_unit_test_setup(test_diamond_failover, setup),
		cmocka_unit_test_setup(test_diamond_unfeasible_backup, setup),
		cmocka_unit_test_setup(test_metric_floor, setup),
		cmocka_unit_test_setup(test_non_relay, setup),
		cmocka_unit_test_setup(test_split_horizon, setup),
		cmocka_unit_test_setup(test_unfeasible_successor_kept, setup),
		cmocka_unit_test_setup(test_seqno_requests, setup),
		cmocka_unit_test_setup(test_request_resend, setup),
		cmocka_unit_test_setup(test_expiry_and_gc, setup),
		cmocka_unit_test_setup(test_prefixes, setup),
		cmocka_unit_test_setup(test_select_better, setup),
		cmocka_unit_test_setup(test_hysteresis_lossy_no_flap, setup),
		cmocka_unit_test_setup(test_hysteresis_heavy_loss_moves, setup),
		cmocka_unit_test_setup(test_hysteresis_rtt_moves, setup),
		cmocka_unit_test_setup(test_silent_cut_reroute, setup),
		cmocka_unit_test_setup(test_probe_rtt, setup),
		cmocka_unit_test_setup(test_probe_loss_cost, setup),
		cmocka_unit_test_setup(test_probe_dead_timing, setup),
		cmocka_unit_test_setup(test_scale, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
