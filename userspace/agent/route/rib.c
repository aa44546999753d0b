// SPDX-License-Identifier: MIT
/*
 * The routing information base (rib.h): neighbours, destinations with
 * their feasibility distances and prefixes, routes, seqno requests, and
 * the time lists (expiry, resends, forgetting).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "route/probe.h"
#include "route/rib.h"

#define RIB_MIN_BUCKETS		64

_Static_assert(RIB_METRIC_INF == PROBE_COST_INF &&
	       RIB_METRIC_MAX == PROBE_COST_MAX,
	       "a link cost is a metric");

/* ---- seqnos, feasibility, metrics ---------------------------------------- */

bool rib_seqno_newer(uint16_t a, uint16_t b)
{
	uint16_t d = (uint16_t)(a - b);

	return d != 0 && d < 0x8000;
}

int rib_seqno_cmp(uint16_t a, uint16_t b)
{
	if (rib_seqno_newer(a, b))
		return 1;
	if (rib_seqno_newer(b, a))
		return -1;
	return 0;
}

bool rib_feasible(const struct rib_fd *fd, uint16_t seqno, uint16_t metric)
{
	if (metric == RIB_METRIC_INF)
		return true;		/* a retraction */
	if (!fd->valid)
		return true;		/* we never advertised this source */
	if (rib_seqno_newer(seqno, fd->seqno))
		return true;		/* newer: resets feasibility */
	return seqno == fd->seqno && metric < fd->metric;
}

void rib_fd_update(struct rib_fd *fd, uint16_t seqno, uint16_t metric)
{
	if (metric == RIB_METRIC_INF)
		return;
	if (!fd->valid || rib_seqno_newer(seqno, fd->seqno)) {
		fd->valid = true;
		fd->seqno = seqno;
		fd->metric = metric;
	} else if (seqno == fd->seqno && metric < fd->metric) {
		fd->metric = metric;
	}
}

uint16_t rib_metric_add(uint16_t a, uint16_t b)
{
	uint32_t s;

	if (a == RIB_METRIC_INF || b == RIB_METRIC_INF)
		return RIB_METRIC_INF;
	s = (uint32_t)a + b;
	return s > RIB_METRIC_MAX ? RIB_METRIC_MAX : (uint16_t)s;
}

/*
 * s moved towards m for dt ms with half-life half: the gap halves every
 * half ms. Within a half-life 2^-x is taken as 1 - x/2 (exact at both
 * ends, 4% off in the middle), which needs no libm.
 */
static uint16_t smooth(uint16_t s, uint16_t m, uint64_t dt, uint32_t half)
{
	int64_t gap = (int64_t)s - m;
	uint64_t k;

	if (!half || s == RIB_METRIC_INF || m == RIB_METRIC_INF)
		return m;
	k = dt / half;
	if (k >= 17)
		return m;
	gap /= (int64_t)1 << k;
	gap -= gap * (int64_t)(dt % half) / (2 * (int64_t)half);
	return (uint16_t)(m + gap);
}

/* ---- hash tables --------------------------------------------------------- */

/* Ids are SHA-256 hashes, uniform already; mix anyway for structured keys. */
static size_t mix(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ULL;
	key ^= key >> 33;
	return (size_t)key;
}

static uint64_t id_key(const uint8_t *id)
{
	uint64_t k;

	memcpy(&k, id, sizeof(k));
	return k;
}

static int htab_init(struct rib_htab *t)
{
	t->v = calloc(RIB_MIN_BUCKETS, sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;
	t->mask = RIB_MIN_BUCKETS - 1;
	t->n = 0;
	return 0;
}

static struct rib_hnode *htab_first(const struct rib_htab *t, uint64_t key)
{
	return t->v[mix(key) & t->mask];
}

/* Double the buckets when the chains average more than one node. */
static void htab_grow(struct rib_htab *t)
{
	size_t i, size = (t->mask + 1) * 2;
	struct rib_hnode **v;

	if (t->n <= t->mask + 1)
		return;
	v = calloc(size, sizeof(*v));
	if (!v)
		return;		/* longer chains, still correct */
	for (i = 0; i <= t->mask; i++) {
		struct rib_hnode *h = t->v[i], *next;

		for (; h; h = next) {
			size_t j = mix(h->key) & (size - 1);

			next = h->next;
			h->next = v[j];
			v[j] = h;
		}
	}
	free(t->v);
	t->v = v;
	t->mask = size - 1;
}

static void htab_add(struct rib_htab *t, struct rib_hnode *h, uint64_t key)
{
	struct rib_hnode **b = &t->v[mix(key) & t->mask];

	h->key = key;
	h->next = *b;
	*b = h;
	t->n++;
	htab_grow(t);
}

static void htab_del(struct rib_htab *t, struct rib_hnode *h)
{
	struct rib_hnode **pp;

	for (pp = &t->v[mix(h->key) & t->mask]; *pp; pp = &(*pp)->next) {
		if (*pp == h) {
			*pp = h->next;
			t->n--;
			break;
		}
	}
	h->next = NULL;
}

static uint64_t route_key(const struct rib_dest *d, const struct rib_nbr *n)
{
	return d->h.key ^ (n->serial * 0x9e3779b97f4a7c15ULL);
}

/* ---- lookups ------------------------------------------------------------- */

struct rib_dest *rib_dest_find(const struct rib *r, const uint8_t *id)
{
	uint64_t key = id_key(id);
	struct rib_hnode *h;

	for (h = htab_first(&r->dests, key); h; h = h->next) {
		struct rib_dest *d = container_of(h, struct rib_dest, h);

		if (h->key == key && !memcmp(d->id, id, RIB_ID_LEN))
			return d;
	}
	return NULL;
}

struct rib_nbr *rib_neighbour_find(const struct rib *r, const uint8_t *id)
{
	uint64_t key = id_key(id);
	struct rib_hnode *h;

	for (h = htab_first(&r->nbrs, key); h; h = h->next) {
		struct rib_nbr *n = container_of(h, struct rib_nbr, h);

		if (h->key == key && !memcmp(n->id, id, RIB_ID_LEN))
			return n;
	}
	return NULL;
}

static struct rib_route *route_lookup(const struct rib *r,
				      const struct rib_dest *d,
				      const struct rib_nbr *n)
{
	uint64_t key = route_key(d, n);
	struct rib_hnode *h;

	for (h = htab_first(&r->routes, key); h; h = h->next) {
		struct rib_route *rt = container_of(h, struct rib_route, h);

		if (h->key == key && rt->dest == d && rt->nbr == n)
			return rt;
	}
	return NULL;
}

struct rib_route *rib_route_find(const struct rib *r, const uint8_t *dest,
				 const uint8_t *nbr)
{
	struct rib_dest *d = rib_dest_find(r, dest);
	struct rib_nbr *n = rib_neighbour_find(r, nbr);

	return d && n ? route_lookup(r, d, n) : NULL;
}

/* ---- destinations and routes --------------------------------------------- */

void rib_dirty(struct rib *r, struct rib_dest *d)
{
	if (d->dirty)
		return;
	d->dirty = true;
	rib_list_add_tail(&r->dirty, &d->dirty_link);
}

struct rib_dest *rib_dirty_pop(struct rib *r)
{
	struct rib_dest *d;

	if (rib_list_empty(&r->dirty))
		return NULL;
	d = container_of(r->dirty.next, struct rib_dest, dirty_link);
	rib_list_del(&d->dirty_link);
	d->dirty = false;
	return d;
}

static struct rib_dest *dest_new(struct rib *r, const uint8_t *id,
				 uint64_t now)
{
	struct rib_dest *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	memcpy(d->id, id, RIB_ID_LEN);
	rib_list_init(&d->routes);
	rib_list_init(&d->req_link);
	rib_list_init(&d->dirty_link);
	rib_list_init(&d->watch);
	htab_add(&r->dests, &d->h, id_key(id));
	rib_list_add_tail(&r->all, &d->all);
	/* No routes yet: idle, so that a destination that never gets one
	 * is forgotten too. */
	d->idle_since = now;
	rib_list_add_tail(&r->idle, &d->idle);
	r->n_dests++;
	return d;
}

static void dest_free(struct rib *r, struct rib_dest *d)
{
	htab_del(&r->dests, &d->h);
	rib_list_del(&d->all);
	rib_list_del(&d->idle);
	rib_list_del(&d->req_link);
	rib_list_del(&d->dirty_link);
	rib_list_del(&d->watch);
	free(d->pfx);
	free(d);
	r->n_dests--;
}

/* Set what nbr advertised and our metric; the smoothed one follows. */
static void route_set(struct rib *r, struct rib_route *rt, uint16_t seqno,
		      uint16_t adv_metric, uint64_t now)
{
	uint16_t m = rib_metric_add(rt->nbr->link_cost, adv_metric);

	rt->seqno = seqno;
	rt->adv_metric = adv_metric;
	if (m == rt->metric)
		return;
	if (rt->metric == RIB_METRIC_INF || m == RIB_METRIC_INF) {
		rt->smoothed = m;
	} else {
		uint64_t dt = now > rt->smoothed_at ? now - rt->smoothed_at : 0;

		rt->smoothed = smooth(rt->smoothed, rt->metric, dt,
				      r->cfg.smooth_half_life_ms);
	}
	rt->smoothed_at = now;
	rt->metric = m;
}

static struct rib_route *route_new(struct rib *r, struct rib_dest *d,
				   struct rib_nbr *n)
{
	struct rib_route *rt = calloc(1, sizeof(*rt));

	if (!rt)
		return NULL;
	rt->dest = d;
	rt->nbr = n;
	rt->direct = !memcmp(d->id, n->id, RIB_ID_LEN);
	rt->metric = RIB_METRIC_INF;
	rt->smoothed = RIB_METRIC_INF;
	htab_add(&r->routes, &rt->h, route_key(d, n));
	rib_list_add_tail(&d->routes, &rt->by_dest);
	rib_list_add_tail(&n->routes, &rt->by_nbr);
	rib_list_init(&rt->age);
	if (!d->n_routes++)
		rib_list_del(&d->idle);
	n->n_routes++;
	r->n_routes++;
	return rt;
}

static void route_del(struct rib *r, struct rib_route *rt, uint64_t now)
{
	struct rib_dest *d = rt->dest;

	htab_del(&r->routes, &rt->h);
	rib_list_del(&rt->by_dest);
	rib_list_del(&rt->by_nbr);
	rib_list_del(&rt->age);
	if (d->selected == rt)
		d->selected = NULL;
	rt->nbr->n_routes--;
	r->n_routes--;
	if (!--d->n_routes) {
		d->idle_since = now;
		rib_list_add_tail(&r->idle, &d->idle);
	}
	rib_dirty(r, d);
	free(rt);
}

uint16_t rib_route_smoothed(const struct rib *r, const struct rib_route *rt,
			    uint64_t now)
{
	uint64_t dt = now > rt->smoothed_at ? now - rt->smoothed_at : 0;

	return smooth(rt->smoothed, rt->metric, dt, r->cfg.smooth_half_life_ms);
}

bool rib_route_usable(const struct rib_route *rt)
{
	return rt->metric != RIB_METRIC_INF &&
	       (rt->direct || rt->nbr->may_relay);
}

bool rib_route_feasible(const struct rib_route *rt)
{
	return rib_feasible(&rt->dest->fd, rt->seqno, rt->adv_metric);
}

/* ---- the table ----------------------------------------------------------- */

void rib_config_default(struct rib_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->route_hold_ms = 56000;
	cfg->source_gc_ms = 180000;
	cfg->request_timeout_ms = 500;
	cfg->request_resends = 3;
	cfg->request_hops = RIB_REQUEST_HOPS;
	cfg->request_dup_ms = 250;
	cfg->smooth_half_life_ms = 4000;
}

struct rib *rib_new(const uint8_t *self, uint16_t seqno,
		    const struct rib_config *cfg)
{
	struct rib *r;

	if (!cfg->route_hold_ms || !cfg->source_gc_ms ||
	    !cfg->request_timeout_ms || cfg->request_hops < 1)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->cfg = *cfg;
	memcpy(r->self, self, RIB_ID_LEN);
	r->seqno = seqno;
	r->self_dirty = true;
	rib_list_init(&r->all);
	rib_list_init(&r->nbr_list);
	rib_list_init(&r->ages);
	rib_list_init(&r->idle);
	rib_list_init(&r->reqs);
	rib_list_init(&r->dirty);
	rib_list_init(&r->watch);
	if (htab_init(&r->dests) || htab_init(&r->nbrs) ||
	    htab_init(&r->routes)) {
		free(r->dests.v);
		free(r->nbrs.v);
		free(r->routes.v);
		free(r);
		return NULL;
	}
	return r;
}

static void nbr_free(struct rib *r, struct rib_nbr *n, uint64_t now)
{
	while (!rib_list_empty(&n->routes))
		route_del(r, container_of(n->routes.next, struct rib_route,
					  by_nbr), now);
	htab_del(&r->nbrs, &n->h);
	rib_list_del(&n->all);
	r->n_nbrs--;
	free(n);
}

void rib_free(struct rib *r)
{
	if (!r)
		return;
	while (!rib_list_empty(&r->nbr_list))
		nbr_free(r, container_of(r->nbr_list.next, struct rib_nbr, all),
			 0);
	while (!rib_list_empty(&r->all))
		dest_free(r, container_of(r->all.next, struct rib_dest, all));
	free(r->dests.v);
	free(r->nbrs.v);
	free(r->routes.v);
	free(r->self_pfx);
	free(r);
}

int rib_neighbour_set(struct rib *r, const uint8_t *id, uint16_t link_cost,
		      bool may_relay, uint64_t now)
{
	struct rib_nbr *n;
	struct rib_list *l;
	bool relay_changed;

	if (!memcmp(id, r->self, RIB_ID_LEN))
		return -EINVAL;
	if (!link_cost)
		link_cost = 1;
	n = rib_neighbour_find(r, id);
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		memcpy(n->id, id, RIB_ID_LEN);
		n->serial = ++r->nbr_serial;
		n->link_cost = link_cost;
		n->may_relay = may_relay;
		rib_list_init(&n->routes);
		htab_add(&r->nbrs, &n->h, id_key(id));
		rib_list_add_tail(&r->nbr_list, &n->all);
		r->n_nbrs++;
		return 0;
	}
	relay_changed = n->may_relay != may_relay;
	n->may_relay = may_relay;
	if (n->link_cost == link_cost && !relay_changed)
		return 0;
	n->link_cost = link_cost;
	for (l = n->routes.next; l != &n->routes; l = l->next) {
		struct rib_route *rt = container_of(l, struct rib_route,
						    by_nbr);
		uint16_t was = rt->metric;

		route_set(r, rt, rt->seqno, rt->adv_metric, now);
		if (rt->metric != was || (relay_changed && !rt->direct))
			rib_dirty(r, rt->dest);
	}
	return 0;
}

int rib_neighbour_lost(struct rib *r, const uint8_t *id, uint64_t now)
{
	struct rib_nbr *n = rib_neighbour_find(r, id);
	size_t count;

	if (!n)
		return -ENOENT;
	count = n->n_routes;
	r->stats.lost += count;
	nbr_free(r, n, now);
	return (int)count;
}

int rib_update(struct rib *r, const uint8_t *from, const uint8_t *dest,
	       uint16_t seqno, uint16_t metric, uint64_t now, bool *feasible)
{
	struct rib_nbr *n = rib_neighbour_find(r, from);
	struct rib_dest *d;
	struct rib_route *rt;
	int res;

	if (feasible)
		*feasible = true;
	if (!n)
		return -ENOENT;
	if (!memcmp(dest, r->self, RIB_ID_LEN))
		return RIB_UPD_IGNORED;
	d = rib_dest_find(r, dest);
	if (metric == RIB_METRIC_INF) {
		rt = d ? route_lookup(r, d, n) : NULL;
		if (!rt)
			return RIB_UPD_IGNORED;
		route_del(r, rt, now);
		r->stats.retractions++;
		r->stats.updates++;
		return RIB_UPD_RETRACTED;
	}
	if (!d) {
		d = dest_new(r, dest, now);
		if (!d)
			return -ENOMEM;
	}
	rt = route_lookup(r, d, n);
	if (!rt) {
		rt = route_new(r, d, n);
		if (!rt)
			return -ENOMEM;
		route_set(r, rt, seqno, metric, now);
		res = RIB_UPD_NEW;
	} else if (rt->seqno != seqno || rt->adv_metric != metric) {
		route_set(r, rt, seqno, metric, now);
		res = RIB_UPD_CHANGED;
	} else {
		res = RIB_UPD_REFRESHED;
	}
	rt->refreshed = now;
	rib_list_del(&rt->age);
	rib_list_add_tail(&r->ages, &rt->age);
	if (res != RIB_UPD_REFRESHED)
		rib_dirty(r, d);
	r->stats.updates++;
	if (!rib_feasible(&d->fd, seqno, metric)) {
		r->stats.unfeasible++;
		if (feasible)
			*feasible = false;
	}
	if (d->req_pending && !rib_seqno_newer(d->req_seqno, seqno)) {
		rib_request_cancel(r, d);
		r->stats.requests_answered++;
		rib_dirty(r, d);
	}
	return res;
}

static bool pfx_equal(const struct aegis_prefix *a,
		      const struct aegis_prefix *b)
{
	size_t len = a->addr.family == AF_INET ? 4 : 16;

	return a->addr.family == b->addr.family && a->len == b->len &&
	       !memcmp(a->addr.u.bytes, b->addr.u.bytes, len);
}

static bool pfx_set_equal(const struct aegis_prefix *a, unsigned int na,
			  const struct aegis_prefix *b, unsigned int nb)
{
	unsigned int i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!pfx_equal(&a[i], &b[i]))
			return false;
	return true;
}

/* A copy of p[0..n) in *out (NULL for none). 0 or -ENOMEM. */
static int pfx_dup(const struct aegis_prefix *p, unsigned int n,
		   struct aegis_prefix **out)
{
	*out = NULL;
	if (!n)
		return 0;
	*out = malloc(n * sizeof(*p));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, p, n * sizeof(*p));
	return 0;
}

int rib_dest_prefixes(struct rib *r, const uint8_t *dest, uint16_t seqno,
		      const struct aegis_prefix *p, unsigned int n,
		      uint64_t now)
{
	struct rib_dest *d;
	struct aegis_prefix *copy;
	bool same;

	if (!memcmp(dest, r->self, RIB_ID_LEN))
		return -EINVAL;
	d = rib_dest_find(r, dest);
	if (d && d->pfx_valid && rib_seqno_newer(d->pfx_seqno, seqno))
		return -ESTALE;
	if (!d) {
		d = dest_new(r, dest, now);
		if (!d)
			return -ENOMEM;
	}
	d->pfx_seqno = seqno;
	same = d->pfx_valid && pfx_set_equal(d->pfx, d->n_pfx, p, n);
	d->pfx_valid = true;
	if (same)
		return 0;
	if (pfx_dup(p, n, &copy))
		return -ENOMEM;
	free(d->pfx);
	d->pfx = copy;
	d->n_pfx = n;
	d->pfx_changed = true;
	rib_dirty(r, d);
	return 0;
}

int rib_self_prefixes(struct rib *r, const struct aegis_prefix *p,
		      unsigned int n)
{
	struct aegis_prefix *copy;

	if (pfx_dup(p, n, &copy))
		return -ENOMEM;
	free(r->self_pfx);
	r->self_pfx = copy;
	r->n_self_pfx = n;
	rib_self_bump(r);
	return 0;
}

void rib_self_bump(struct rib *r)
{
	r->seqno++;
	r->self_dirty = true;
}

bool rib_self_seqno(struct rib *r, uint16_t seqno)
{
	if (!rib_seqno_newer(seqno, r->seqno))
		return false;
	r->seqno = seqno;
	r->self_dirty = true;
	return true;
}

/* ---- seqno requests ------------------------------------------------------ */

int rib_requests_push(struct rib_requests *q, const struct rib_request *rq)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		struct rib_request *v = realloc(q->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		q->v = v;
		q->cap = cap;
	}
	q->v[q->n++] = *rq;
	return 0;
}

void rib_requests_free(struct rib_requests *q)
{
	free(q->v);
	memset(q, 0, sizeof(*q));
}

/* The usable route of d with the lowest metric, not through skip. */
static struct rib_route *best_usable(const struct rib_dest *d,
				     const struct rib_nbr *skip)
{
	struct rib_route *best = NULL;
	struct rib_list *l;

	for (l = d->routes.next; l != &d->routes; l = l->next) {
		struct rib_route *rt = container_of(l, struct rib_route,
						    by_dest);

		if (rt->nbr == skip || !rib_route_usable(rt))
			continue;
		if (!best || rt->metric < best->metric)
			best = rt;
	}
	return best;
}

static int request_send(struct rib *r, struct rib_dest *d,
			const struct rib_nbr *via, uint64_t now,
			struct rib_requests *out)
{
	struct rib_request rq;
	int err;

	memcpy(rq.to, via->id, RIB_ID_LEN);
	memcpy(rq.dest, d->id, RIB_ID_LEN);
	rq.seqno = d->req_seqno;
	rq.hops = r->cfg.request_hops;
	err = rib_requests_push(out, &rq);
	if (err)
		return err;
	d->req_sent = now;
	rib_list_del(&d->req_link);
	rib_list_add_tail(&r->reqs, &d->req_link);
	r->stats.requests_sent++;
	return 0;
}

int rib_request_want(struct rib *r, struct rib_dest *d,
		     const struct rib_nbr *via, uint64_t now,
		     struct rib_requests *out)
{
	uint16_t seqno;
	int err;

	if (!d->fd.valid)
		return 0;	/* nothing is unfeasible without an FD */
	seqno = (uint16_t)(d->fd.seqno + 1);
	if (d->req_pending && !rib_seqno_newer(seqno, d->req_seqno))
		return 0;	/* asked already; rib_tick() resends */
	d->req_seqno = seqno;
	d->req_resends = 0;
	err = request_send(r, d, via, now, out);
	if (!err)
		d->req_pending = true;
	return err;
}

void rib_request_cancel(struct rib *r, struct rib_dest *d)
{
	(void)r;
	d->req_pending = false;
	rib_list_del(&d->req_link);
}

int rib_request_recv(struct rib *r, const uint8_t *from, const uint8_t *dest,
		     uint16_t seqno, uint8_t hops, uint64_t now,
		     struct rib_req_action *act)
{
	struct rib_nbr *n = rib_neighbour_find(r, from);
	struct rib_route *sel, *to;
	struct rib_dest *d;

	memset(act, 0, sizeof(*act));
	act->verdict = RIB_REQ_IGNORE;
	if (!n)
		return -ENOENT;
	if (!memcmp(dest, r->self, RIB_ID_LEN)) {
		if (rib_seqno_newer(seqno, r->seqno)) {
			/* Take the number asked for (not just + 1): a node
			 * that restarted with an old seqno catches up at
			 * once. */
			r->seqno = seqno;
			r->self_dirty = true;
			r->stats.seqno_bumps++;
			act->verdict = RIB_REQ_BUMPED;
		} else {
			act->verdict = RIB_REQ_UPDATE;
		}
		return 0;
	}
	d = rib_dest_find(r, dest);
	if (!d)
		return 0;
	sel = d->selected;
	if (sel && sel->metric != RIB_METRIC_INF &&
	    !rib_seqno_newer(seqno, sel->seqno)) {
		act->verdict = RIB_REQ_UPDATE;
		return 0;
	}
	if (hops < 2)
		return 0;
	if (sel && sel->nbr != n && rib_route_usable(sel))
		to = sel;
	else
		to = best_usable(d, n);
	if (!to)
		return 0;
	if ((d->fwd_valid && d->fwd_nbr == to->nbr->serial &&
	     now - d->fwd_at < r->cfg.request_dup_ms &&
	     !rib_seqno_newer(seqno, d->fwd_seqno)) ||
	    (d->req_pending && !rib_seqno_newer(seqno, d->req_seqno))) {
		r->stats.requests_duplicate++;
		act->verdict = RIB_REQ_DUPLICATE;
		return 0;
	}
	d->fwd_valid = true;
	d->fwd_seqno = seqno;
	d->fwd_nbr = to->nbr->serial;
	d->fwd_at = now;
	act->verdict = RIB_REQ_FORWARD;
	memcpy(act->fwd.to, to->nbr->id, RIB_ID_LEN);
	memcpy(act->fwd.dest, d->id, RIB_ID_LEN);
	act->fwd.seqno = seqno;
	act->fwd.hops = (uint8_t)(hops - 1);
	r->stats.requests_forwarded++;
	return 0;
}

/* ---- time ---------------------------------------------------------------- */

int rib_tick(struct rib *r, uint64_t now, struct rib_requests *out)
{
	int err;

	/* Routes not refreshed for the hold time: as if retracted. */
	while (!rib_list_empty(&r->ages)) {
		struct rib_route *rt = container_of(r->ages.next,
						    struct rib_route, age);

		if (now < rt->refreshed ||
		    now - rt->refreshed < r->cfg.route_hold_ms)
			break;
		route_del(r, rt, now);
		r->stats.expired++;
	}

	/* Our requests unanswered: resend, to the best neighbour that
	 * still has a route, or give up. */
	while (!rib_list_empty(&r->reqs)) {
		struct rib_dest *d = container_of(r->reqs.next,
						  struct rib_dest, req_link);
		struct rib_route *via;

		if (now < d->req_sent ||
		    now - d->req_sent < r->cfg.request_timeout_ms)
			break;
		via = best_usable(d, NULL);
		if (d->req_resends >= r->cfg.request_resends || !via) {
			rib_request_cancel(r, d);
			continue;
		}
		err = request_send(r, d, via->nbr, now, out);
		if (err)
			return err;
		d->req_resends++;
	}

	/* Destinations without routes for the gc time: forgotten, FD too. */
	while (!rib_list_empty(&r->idle)) {
		struct rib_dest *d = container_of(r->idle.next,
						  struct rib_dest, idle);

		if (now < d->idle_since ||
		    now - d->idle_since < r->cfg.source_gc_ms)
			break;
		if (d->dirty || d->inst_reach || d->req_pending) {
			/* select_run() has not seen it yet: later. */
			rib_list_del(&d->idle);
			d->idle_since = now;
			rib_list_add_tail(&r->idle, &d->idle);
			continue;
		}
		dest_free(r, d);
		r->stats.forgotten++;
	}
	return 0;
}
