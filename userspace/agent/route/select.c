// SPDX-License-Identifier: MIT
/*
 * Route selection (select.h): the best feasible route per destination with
 * hysteresis, the changes for the fib, and the adverts per neighbour with
 * split horizon.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "route/select.h"

void select_config_default(struct select_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->margin_abs = 50;		/* 5 ms */
	cfg->margin_pct = 10;
	cfg->relay = true;
}

/* ---- output -------------------------------------------------------------- */

void select_out_init(struct select_out *o)
{
	memset(o, 0, sizeof(*o));
}

void select_out_clear(struct select_out *o)
{
	o->n_chg = 0;
	o->n_adv = 0;
	o->req.n = 0;
}

void select_out_free(struct select_out *o)
{
	free(o->chg);
	free(o->adv);
	rib_requests_free(&o->req);
	memset(o, 0, sizeof(*o));
}

/* Room for need more elements of size in *v (n used, *cap held). */
static int reserve(void **v, size_t *cap, size_t n, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *nv;

	if (n + need <= *cap)
		return 0;
	while (c < n + need)
		c *= 2;
	nv = realloc(*v, c * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

static int reserve_all(struct select_out *o, size_t chg, size_t adv,
		       size_t req)
{
	if (reserve((void **)&o->chg, &o->cap_chg, o->n_chg, chg,
		    sizeof(*o->chg)) ||
	    reserve((void **)&o->adv, &o->cap_adv, o->n_adv, adv,
		    sizeof(*o->adv)) ||
	    reserve((void **)&o->req.v, &o->req.cap, o->req.n, req,
		    sizeof(*o->req.v)))
		return -ENOMEM;
	return 0;
}

/* Space was reserved. */
static void push_adv(struct select_out *o, const uint8_t *to,
		     const uint8_t *dest, uint16_t seqno, uint16_t metric)
{
	struct select_advert *a = &o->adv[o->n_adv++];

	memcpy(a->to, to, RIB_ID_LEN);
	memcpy(a->dest, dest, RIB_ID_LEN);
	a->seqno = seqno;
	a->metric = metric;
}

static void push_chg(struct select_out *o, enum select_change_kind kind,
		     const uint8_t *dest, const uint8_t *via, uint16_t metric)
{
	struct select_change *c = &o->chg[o->n_chg++];

	memset(c, 0, sizeof(*c));
	c->kind = kind;
	memcpy(c->dest, dest, RIB_ID_LEN);
	if (via)
		memcpy(c->via, via, RIB_ID_LEN);
	c->metric = metric;
}

/* ---- the rule ------------------------------------------------------------ */

static uint32_t margin(const struct select_config *cfg, uint16_t cur)
{
	uint32_t rel = (uint32_t)cur * cfg->margin_pct / 100;

	return rel > cfg->margin_abs ? rel : cfg->margin_abs;
}

bool select_better(const struct select_config *cfg, uint16_t cand,
		   uint16_t cur)
{
	if (cand == RIB_METRIC_INF)
		return false;
	if (cur == RIB_METRIC_INF)
		return true;
	return (uint32_t)cand + margin(cfg, cur) <= cur;
}

static bool candidate(const struct rib_route *rt)
{
	return rib_route_usable(rt) && rib_route_feasible(rt);
}

/* Ties go to the route we have, then to the lower neighbour id. */
static bool lower(const struct rib_route *a, const struct rib_route *b,
		  const struct rib_route *cur)
{
	if (a->metric != b->metric)
		return a->metric < b->metric;
	if (a == cur || b == cur)
		return a == cur;
	return memcmp(a->nbr->id, b->nbr->id, RIB_ID_LEN) < 0;
}

static void watch(struct rib *r, struct rib_dest *d, bool on)
{
	if (on && !rib_list_linked(&d->watch))
		rib_list_add_tail(&r->watch, &d->watch);
	else if (!on)
		rib_list_del(&d->watch);
}

/* The usable, unfeasible route of d with the lowest metric, but skip. */
static struct rib_route *best_unfeasible(const struct rib_dest *d,
					 const struct rib_route *skip)
{
	struct rib_route *unf = NULL;
	struct rib_list *l;

	for (l = d->routes.next; l != &d->routes; l = l->next) {
		struct rib_route *rt = container_of(l, struct rib_route,
						    by_dest);

		if (rt != skip && rib_route_usable(rt) &&
		    !rib_route_feasible(rt) && (!unf || lower(rt, unf, NULL)))
			unf = rt;
	}
	return unf;
}

/* ---- adverts ------------------------------------------------------------- */

/* What neighbour n is told about d's selected route: poison to its hop. */
static uint16_t metric_for(const struct rib_route *sel, const struct rib_nbr *n)
{
	return sel->nbr == n ? RIB_METRIC_INF : sel->metric;
}

static void advertise_all(struct rib *r, struct rib_dest *d,
			  const struct rib_route *sel, uint16_t seqno,
			  uint16_t metric, struct select_out *o)
{
	struct rib_list *l;

	for (l = r->nbr_list.next; l != &r->nbr_list; l = l->next) {
		const struct rib_nbr *n = container_of(l, struct rib_nbr, all);

		if (!memcmp(n->id, d->id, RIB_ID_LEN))
			continue;
		push_adv(o, n->id, d->id, seqno,
			 sel ? metric_for(sel, n) : metric);
	}
}

static void advertise_self(struct rib *r, struct select_out *o)
{
	struct rib_list *l;

	for (l = r->nbr_list.next; l != &r->nbr_list; l = l->next) {
		const struct rib_nbr *n = container_of(l, struct rib_nbr, all);

		push_adv(o, n->id, r->self, r->seqno, 0);
	}
	r->self_dirty = false;
}

/* Triggered adverts for d after a selection, and the FD they imply. */
static void trigger(struct rib *r, const struct select_config *cfg,
		    struct rib_dest *d, uint64_t now, struct select_out *o)
{
	const struct rib_route *sel = d->selected;
	uint16_t seqno, metric;
	bool due;

	if (!cfg->relay)
		return;
	if (sel) {
		seqno = sel->seqno;
		metric = sel->metric;
		due = !d->adv_valid || d->adv_metric == RIB_METRIC_INF ||
		      d->adv_seqno != seqno || d->adv_nbr != sel->nbr->serial ||
		      select_better(cfg, metric, d->adv_metric) ||
		      select_better(cfg, d->adv_metric, metric);
	} else {
		seqno = d->adv_seqno;
		metric = RIB_METRIC_INF;
		due = d->adv_valid && d->adv_metric != RIB_METRIC_INF;
	}
	if (!due)
		return;
	advertise_all(r, d, sel, seqno, metric, o);
	d->adv_valid = true;
	d->adv_seqno = seqno;
	d->adv_metric = metric;
	d->adv_nbr = sel ? sel->nbr->serial : 0;
	d->adv_at = now;
	rib_fd_update(&d->fd, seqno, metric);
}

/* ---- selection ----------------------------------------------------------- */

static int select_dest(struct rib *r, const struct select_config *cfg,
		       struct rib_dest *d, uint64_t now, struct select_out *o)
{
	struct rib_route *cur = d->selected, *best = NULL, *unf, *sel;
	struct rib_list *l;
	bool reach;

	for (l = d->routes.next; l != &d->routes; l = l->next) {
		struct rib_route *rt = container_of(l, struct rib_route,
						    by_dest);

		if (candidate(rt) && (!best || lower(rt, best, cur)))
			best = rt;
	}

	/*
	 * The selected route stays while usable, even if its last update
	 * was unfeasible (a higher metric from the same next hop): only a
	 * new next hop must be feasible. No loop can form: our next hop's FD
	 * was below ours when we chose it, FDs only decrease, and all we
	 * advertise is its current metric plus a link cost >= 1. Dropping it
	 * instead would make every rise of an upstream metric above our
	 * first hop's cost a blackhole and a network-wide seqno bump.
	 */
	if (!cur || !rib_route_usable(cur)) {
		sel = best;		/* forced: at once */
		watch(r, d, false);
	} else if (best && best != cur &&
		   select_better(cfg, best->metric, cur->metric)) {
		bool smoothed = select_better(cfg,
					      rib_route_smoothed(r, best, now),
					      rib_route_smoothed(r, cur, now));

		sel = smoothed ? best : cur;
		watch(r, d, !smoothed);
	} else {
		sel = cur;
		watch(r, d, false);
	}
	d->selected = sel;

	/* The fib's view. */
	reach = sel != NULL;
	if (reach != d->inst_reach ||
	    (reach && sel->nbr->serial != d->inst_nbr)) {
		if (reach) {
			push_chg(o, SELECT_VIA, d->id, sel->nbr->id,
				 sel->metric);
			memcpy(d->inst_via, sel->nbr->id, RIB_ID_LEN);
			d->inst_nbr = sel->nbr->serial;
		} else {
			push_chg(o, SELECT_UNREACHABLE, d->id, NULL,
				 RIB_METRIC_INF);
			d->inst_nbr = 0;
		}
		d->inst_reach = reach;
		d->pfx_changed = false;
	} else if (reach && d->pfx_changed) {
		push_chg(o, SELECT_PREFIXES, d->id, sel->nbr->id, sel->metric);
		d->pfx_changed = false;
	}

	trigger(r, cfg, d, now, o);

	/* Starving, or a clearly better route only a new seqno would make
	 * feasible (at the current seqno only: after the origin's bump an
	 * old route is older, and asking again would never end). Judged
	 * against the FD as just advertised. */
	unf = best_unfeasible(d, sel);
	if (unf && (!sel || (unf->seqno == d->fd.seqno &&
			     select_better(cfg, unf->metric, sel->metric))))
		return rib_request_want(r, d, unf->nbr, now, &o->req);
	if (d->req_pending)
		rib_request_cancel(r, d);
	return 0;
}

int select_run(struct rib *r, const struct select_config *cfg, uint64_t now,
	       struct select_out *out)
{
	struct rib_list *l;
	int visited = 0;

	if (r->self_dirty) {
		if (reserve_all(out, 0, r->n_nbrs, 0))
			return -ENOMEM;
		advertise_self(r, out);
	}
	/* Waiting for the smoothed metric to agree: look again. */
	for (l = r->watch.next; l != &r->watch; l = l->next)
		rib_dirty(r, container_of(l, struct rib_dest, watch));

	while (!rib_list_empty(&r->dirty)) {
		struct rib_dest *d;

		if (reserve_all(out, 1, r->n_nbrs, 1))
			return -ENOMEM;
		d = rib_dirty_pop(r);
		if (select_dest(r, cfg, d, now, out)) {
			rib_dirty(r, d);	/* the request: next time */
			return -ENOMEM;
		}
		visited++;
	}
	return visited;
}

int select_dump(struct rib *r, const struct select_config *cfg,
		const uint8_t *to, uint64_t now, struct select_out *out)
{
	const struct rib_nbr *n = rib_neighbour_find(r, to);
	size_t before = out->n_adv;
	struct rib_list *l;

	if (!n)
		return -ENOENT;
	if (reserve_all(out, 0, 1 + (cfg->relay ? r->n_dests : 0), 0))
		return -ENOMEM;
	push_adv(out, n->id, r->self, r->seqno, 0);
	if (!cfg->relay)
		return 1;
	for (l = r->all.next; l != &r->all; l = l->next) {
		struct rib_dest *d = container_of(l, struct rib_dest, all);
		const struct rib_route *sel = d->selected;

		if (!memcmp(d->id, n->id, RIB_ID_LEN))
			continue;
		if (sel) {
			uint16_t m = metric_for(sel, n);

			push_adv(out, n->id, d->id, sel->seqno, m);
			rib_fd_update(&d->fd, sel->seqno, m);
		} else if (d->adv_valid && d->adv_metric == RIB_METRIC_INF &&
			   now - d->adv_at < r->cfg.route_hold_ms) {
			push_adv(out, n->id, d->id, d->adv_seqno,
				 RIB_METRIC_INF);
		}
	}
	return (int)(out->n_adv - before);
}

bool select_advert_for(struct rib *r, const struct select_config *cfg,
		       const uint8_t *dest, const uint8_t *to,
		       struct select_advert *a)
{
	const struct rib_nbr *n = rib_neighbour_find(r, to);
	struct rib_dest *d;

	memset(a, 0, sizeof(*a));
	if (!n)
		return false;
	memcpy(a->to, to, RIB_ID_LEN);
	memcpy(a->dest, dest, RIB_ID_LEN);
	if (!memcmp(dest, r->self, RIB_ID_LEN)) {
		a->seqno = r->seqno;
		a->metric = 0;
		return true;
	}
	d = rib_dest_find(r, dest);
	if (!cfg->relay || !d)
		return false;
	if (d->selected) {
		a->seqno = d->selected->seqno;
		a->metric = metric_for(d->selected, n);
		rib_fd_update(&d->fd, a->seqno, a->metric);
		return true;
	}
	if (!d->adv_valid)
		return false;
	a->seqno = d->adv_seqno;
	a->metric = RIB_METRIC_INF;
	return true;
}
