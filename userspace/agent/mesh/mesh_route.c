// SPDX-License-Identifier: MIT
/*
 * Routing in the mesh (mesh.h): the link probes of each neighbour, the
 * distance vector exchanged over the neighbours' mesh channels, and each
 * member's next hop in the kernel. It drives the pure modules route/probe
 * (what a link costs, whether it is dead), route/rib (the routes, the
 * feasibility condition, seqno requests) and route/select (the best route
 * with hysteresis, what to advertise to whom), and hands every next hop
 * to the session layer, which states it to the fib.
 *
 * What a route's seqno means. A route's origin does not sign each update:
 * its signed node record (member.h) carries its id, its prefixes and a
 * 64-bit seq, and the route seqno is bits 16..31 of that seq. An update
 * for origin O with a seqno newer than the one O's record we hold signs is
 * refused (a neighbour cannot invent a newer seqno than the origin gave,
 * which is what the feasibility condition trusts); its metric and next
 * hop are authenticated by the session it came over, and it cannot claim
 * less than the link's measured cost (rib.h). The origin raises its seqno
 * by re-signing its record (mesh_self_route_seqno()).
 *
 * Probing. Every neighbour gets a PROBE every MESH_PROBE_FAST_MS while
 * traffic flows over its link (the kernel's counters of the nodes routed
 * through it moved, or it probes us fast), else every MESH_PROBE_IDLE_MS,
 * and echoes ours at once. A link the estimator calls dead loses its
 * routes at once (rib_neighbour_lost()); probing goes on, and the first
 * echo brings the neighbour back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "core/agent.h"
#include "core/log.h"
#include "fib/fib.h"
#include "fib/kernel.h"
#include "hex.h"
#include "mesh/mesh.h"
#include "peer/peer.h"
#include "session/session.h"

#define ROUTE_TICK_MS		50	/* probes, dead links, the rib's clock */
#define ACTIVE_HOLD_MS		3000	/* traffic seen: fast probes that long */
#define POLL_MS			1000	/* the kernel's counters, read */

static uint64_t rand_below(uint64_t n)
{
	uint32_t r = 0;

	if (RAND_bytes((uint8_t *)&r, sizeof(r)) != 1)
		r = 0;
	return n ? r % n : 0;
}

static struct mesh_link *live_link(const struct peer *p)
{
	return mesh_is_neighbour(p) && p->mesh->rt_up ? p->mesh : NULL;
}

static bool may_relay(const struct peer *p)
{
	return p->cert.roles & CERT_ROLE_RELAY;
}

/* ---- out: adverts and requests ------------------------------------------ */

static int adv_cmp(const void *x, const void *y)
{
	const struct select_advert *a = x, *b = y;

	return memcmp(a->to, b->to, RIB_ID_LEN);
}

/* The adverts of one neighbour, as ROUTE_UPDATEs. */
static void send_adverts(struct agent *a, struct peer *p,
			 const struct select_advert *v, size_t n)
{
	struct wire_mesh_route_update u;
	struct mesh_out o;
	size_t i;

	mesh_out_begin(&o, a, p);
	memset(&u, 0, sizeof(u));
	u.interval = MESH_DUMP_MS / 10;
	for (i = 0; i < n; i++) {
		u.e[u.n].origin = v[i].dest;
		u.e[u.n].seqno = v[i].seqno;
		u.e[u.n].metric = v[i].metric;
		u.n++;
		if (u.n == WIRE_MESH_MAX_ROUTE_ENTRIES || i + 1 == n) {
			mesh_out_put(&o, wire_mesh_put_route_update, &u);
			a->mesh->rstats.updates_sent++;
			u.n = 0;
		}
	}
	a->mesh->rstats.adverts_sent += n;
	mesh_out_flush(&o);
}

static void send_request(struct agent *a, const struct rib_request *rq,
			 const uint8_t *requester)
{
	struct wire_mesh_seqno_request s;
	struct peer *p = peer_find_id(&a->peers, rq->to);
	struct mesh_out o;

	if (!p || !live_link(p))
		return;
	s.origin = rq->dest;
	s.seqno = rq->seqno;
	s.hop_count = rq->hops;
	s.requester = requester;
	mesh_out_begin(&o, a, p);
	mesh_out_put(&o, wire_mesh_put_seqno_request, &s);
	mesh_out_flush(&o);
	a->mesh->rstats.requests_sent++;
}

/* A member's next hop, to the session layer (which tells the fib). */
static void set_next_hop(struct agent *a, const uint8_t *dest,
			 const uint8_t *via)
{
	struct peer *p = peer_find_id(&a->peers, dest);
	struct mesh_link *l;

	if (!p)
		return;
	/* A neighbour whose link is alive is reached directly: it may be the
	 * next hop of others, and a next hop must be direct. */
	l = live_link(p);
	if (via && (!memcmp(via, dest, RIB_ID_LEN) || (l && l->rt_alive)))
		via = NULL;
	if (session_set_via(a, p, via) > 0)
		a->mesh->rstats.next_hop_changes++;
}

void mesh_route_peer_new(struct agent *a, struct peer *p)
{
	const struct rib_dest *d;

	if (!a->mesh || !a->mesh->rib || !p->has_id)
		return;
	d = rib_dest_find(a->mesh->rib, p->id);
	if (!d || !d->selected ||
	    !memcmp(d->selected->nbr->id, p->id, RIB_ID_LEN))
		return;
	/* Not in the kernel yet: its install takes the via. */
	p->has_via = true;
	memcpy(p->via, d->selected->nbr->id, sizeof(p->via));
}

/* Everything select_run() or select_dump() left in m->out. */
static void flush_out(struct agent *a)
{
	struct mesh *m = a->mesh;
	struct select_out *o = &m->out;
	size_t i, j;

	for (i = 0; i < o->n_chg; i++) {
		const struct select_change *c = &o->chg[i];
		char d[AEGIS_NODE_ID_SHORT_SIZE];

		if (c->kind == SELECT_VIA) {
			char v[AEGIS_NODE_ID_SHORT_SIZE];

			log_debug("mesh: route to %s via %s, metric %u",
				  aegis_node_id_short(c->dest, d),
				  aegis_node_id_short(c->via, v), c->metric);
			set_next_hop(a, c->dest, c->via);
		} else if (c->kind == SELECT_UNREACHABLE) {
			log_debug("mesh: route to %s: unreachable",
				  aegis_node_id_short(c->dest, d));
			set_next_hop(a, c->dest, NULL);
		}
		m->rstats.route_changes++;
	}
	if (o->n_chg)
		session_fib_sync(a, "routes");
	qsort(o->adv, o->n_adv, sizeof(o->adv[0]), adv_cmp);
	for (i = 0; i < o->n_adv; i = j) {
		struct peer *p = peer_find_id(&a->peers, o->adv[i].to);

		for (j = i + 1; j < o->n_adv && !adv_cmp(&o->adv[i], &o->adv[j]);
		     j++)
			;
		if (p && live_link(p))
			send_adverts(a, p, &o->adv[i], j - i);
	}
	for (i = 0; i < o->req.n; i++) {
		char d[AEGIS_NODE_ID_SHORT_SIZE];

		log_debug("mesh: route to %s starves: seqno %u asked for",
			  aegis_node_id_short(o->req.v[i].dest, d),
			  (unsigned int)o->req.v[i].seqno);
		send_request(a, &o->req.v[i], a->id.node_id);
	}
	select_out_clear(o);
}

void mesh_route_run(struct agent *a)
{
	struct mesh *m = a->mesh;

	if (!m || !m->rib)
		return;
	if (select_run(m->rib, &m->sel, a->now, &m->out) < 0)
		m->rstats.no_memory++;
	flush_out(a);
}

/* ---- neighbours ----------------------------------------------------------- */

static void send_probe(struct agent *a, struct peer *p, struct mesh_link *l)
{
	struct wire_mesh_probe pr = { .seq = ++l->probe_seq,
				      .timestamp = a->now };
	struct mesh_out o;

	mesh_out_begin(&o, a, p);
	mesh_out_put(&o, wire_mesh_put_probe, &pr);
	mesh_out_flush(&o);
	probe_sent(&l->probe, pr.seq, a->now);
	a->mesh->rstats.probes_sent++;
}

/*
 * Every MESH_PROBE_FAST_MS while the link carries traffic; after that the
 * interval doubles up to MESH_PROBE_IDLE_MS, so that a neighbour watching
 * our probes (below) can tell slowing down from falling silent.
 */
static uint64_t probe_interval(struct mesh_link *l, uint64_t now)
{
	if (now < l->active_until)
		l->interval = MESH_PROBE_FAST_MS;
	else if (l->interval < MESH_PROBE_IDLE_MS)
		l->interval = l->interval ? l->interval * 2 : MESH_PROBE_IDLE_MS;
	if (l->interval > MESH_PROBE_IDLE_MS)
		l->interval = MESH_PROBE_IDLE_MS;
	return l->interval;
}

/*
 * A neighbour probing us fast (its traffic crosses this link; we may be
 * its relay, which our kernel's counters do not show) and then silent for
 * three of its recent intervals (at least MESH_PROBE_SILENT_MS): the link
 * died. Its intervals at most double (probe_interval()), so slowing down
 * never looks like silence.
 */
static bool went_silent(const struct mesh_link *l, uint64_t now)
{
	uint64_t limit = 3 * l->rx_gap;

	if (!l->last_probe_rx || l->rx_gap >= MESH_PROBE_IDLE_MS / 2)
		return false;
	if (limit < MESH_PROBE_SILENT_MS)
		limit = MESH_PROBE_SILENT_MS;
	return now - l->probe.last_heard >= limit &&
	       now - l->last_probe_rx >= limit;
}

/* The neighbour's link: to the rib when it is alive, out when it dies. */
static void link_alive(struct agent *a, struct peer *p, struct mesh_link *l,
		       bool alive)
{
	struct mesh *m = a->mesh;

	if (alive == l->rt_alive)
		return;
	l->rt_alive = alive;
	if (!alive) {
		char name[AEGIS_NODE_ID_SHORT_SIZE];

		l->dead_at = a->now;
		m->rstats.links_dead++;
		log_info("mesh: link to %s (%s) is dead: its routes withdrawn",
			 p->cert.name, aegis_node_id_short(p->id, name));
		rib_neighbour_lost(m->rib, p->id, a->now);
		l->cost = PROBE_COST_INF;
		return;
	}
	m->rstats.links_alive++;
	if (p->has_via) {
		/* Back: reached directly again, at once. */
		set_next_hop(a, p->id, NULL);
		session_fib_sync(a, "link back");
	}
	l->cost = probe_cost(&l->probe, a->now);
	if (rib_neighbour_set(m->rib, p->id, l->cost, may_relay(p), a->now))
		m->rstats.no_memory++;
	l->dump_next = a->now;		/* our routes, at the next tick */
}

void mesh_route_peer_up(struct agent *a, struct peer *p)
{
	struct mesh *m = a->mesh;
	struct mesh_link *l = p->mesh;
	struct probe_config pc;

	if (!m->rib || !l || l->rt_up)
		return;
	probe_config_default(&pc);
	pc.dead_ms = MESH_PROBE_DEAD_MS;
	pc.quiet_ms = MESH_PROBE_QUIET_MS;
	/* The quiet rule keeps late echoes from killing a long link, so the
	 * RTO need not grow with a loaded host's jitter. */
	pc.rto_max_ms = MESH_PROBE_RTO_MAX_MS;
	probe_init(&l->probe, &pc, a->now);
	l->rt_up = true;
	l->rt_alive = false;
	l->probe_seq = 0;
	l->cost = PROBE_COST_INF;
	link_alive(a, p, l, true);
	send_probe(a, p, l);
	l->probe_next = a->now + MESH_PROBE_FAST_MS;
	/* A few fast probes learn the RTT; more only if traffic flows. */
	l->active_until = a->now + 3 * MESH_PROBE_FAST_MS;
}

void mesh_route_peer_down(struct agent *a, struct peer *p)
{
	struct mesh *m = a->mesh;
	struct mesh_link *l = p->mesh;

	if (!m || !m->rib || !l || !l->rt_up)
		return;
	if (l->rt_alive)
		rib_neighbour_lost(m->rib, p->id, a->now);
	l->rt_up = false;
	l->rt_alive = false;
	/* The selection runs at the next tick, when p is settled (gone, or
	 * idle with its node in the kernel). */
}

/* ---- the kernel's counters: which links carry traffic --------------------- */

static void mark_active(struct agent *a, struct peer *p)
{
	struct peer *hop = p->has_via ? peer_find_id(&a->peers, p->via) : p;

	if (hop && hop->mesh)
		hop->mesh->active_until = a->now + ACTIVE_HOLD_MS;
}

static void poll_counters(struct agent *a)
{
	struct aegis_nl_node kn;
	struct peer *p;

	for (p = peer_first(&a->peers); p; p = peer_next(p)) {
		uint64_t seen;

		if (!p->has_primary || !p->mesh ||
		    !fib_node_installed(a->fib, p->id) ||
		    kernel_node_get(&a->k, p->id, &kn))
			continue;
		seen = kn.tx_packets + kn.rx_packets;
		if (seen != p->mesh->pkts_seen)
			mark_active(a, p);
		p->mesh->pkts_seen = seen;
	}
}

/* ---- the tick -------------------------------------------------------------- */

static void tick_link(struct agent *a, struct peer *p, struct mesh_link *l)
{
	struct mesh *m = a->mesh;
	uint16_t cost;

	if (a->now >= l->probe_next) {
		uint64_t every = probe_interval(l, a->now);

		send_probe(a, p, l);
		l->probe_next = a->now + every;
		/*
		 * Silence that makes lost probes a dead link: a few fast
		 * intervals while probing fast; while idle, more than two idle
		 * intervals (the neighbour's own probes come that seldom).
		 */
		l->probe.cfg.quiet_ms = every == MESH_PROBE_FAST_MS ?
			MESH_PROBE_QUIET_MS : MESH_PROBE_IDLE_MS * 5 / 2;
	}
	/*
	 * Dead: our probes go unanswered (probe.h), or a neighbour that was
	 * probing us fast (its traffic crosses this link: we may be the
	 * relay, which the kernel's counters do not show) fell silent.
	 */
	if (probe_dead(&l->probe, a->now) || went_silent(l, a->now)) {
		link_alive(a, p, l, false);
		return;
	}
	if (!l->rt_alive) {
		if (l->probe.last_heard > l->dead_at)
			link_alive(a, p, l, true);	/* heard again */
		return;
	}
	cost = probe_cost(&l->probe, a->now);
	if (probe_cost_changed(l->cost, cost)) {
		l->cost = cost;
		if (rib_neighbour_set(m->rib, p->id, cost, may_relay(p), a->now))
			m->rstats.no_memory++;
	}
	if (a->now >= l->dump_next) {
		if (select_dump(m->rib, &m->sel, p->id, a->now, &m->out) < 0)
			m->rstats.no_memory++;
		m->rstats.dumps++;
		l->dump_next = a->now + MESH_DUMP_MS - MESH_DUMP_MS / 8 +
			       rand_below(MESH_DUMP_MS / 4);
	}
}

static void on_tick(struct timer *t, uint64_t now)
{
	struct mesh *m = container_of(t, struct mesh, t_route);
	struct agent *a = m->a;
	struct peer *p;

	a->now = now;
	if (now >= m->poll_next) {
		poll_counters(a);
		m->poll_next = now + POLL_MS;
	}
	for (p = peer_first(&a->peers); p; p = peer_next(p)) {
		if (!p->mesh || !p->mesh->rt_up)
			continue;
		if (mesh_is_neighbour(p))
			tick_link(a, p, p->mesh);
		else
			mesh_route_peer_down(a, p);	/* session gone */
	}
	if (rib_tick(m->rib, now, &m->out.req) < 0)
		m->rstats.no_memory++;
	mesh_route_run(a);
	timer_arm(&a->timers, t, now + ROUTE_TICK_MS);
}

/* ---- in ---------------------------------------------------------------------- */

/* Remember an update refused for want of origin's record (ring). */
static void route_wait(struct mesh *m, const uint8_t *origin,
		       const uint8_t *from, uint16_t seqno)
{
	unsigned int i = m->route_wait_next++ % MESH_MAX_ROUTE_WAIT;

	m->route_wait[i].used = true;
	memcpy(m->route_wait[i].origin, origin, WIRE_MESH_ID_LEN);
	memcpy(m->route_wait[i].from, from, WIRE_MESH_ID_LEN);
	m->route_wait[i].seqno = seqno;
}

void mesh_route_record_came(struct agent *a, const uint8_t *origin)
{
	struct mesh *m = a->mesh;
	unsigned int i;

	if (!m || !m->rib)
		return;
	for (i = 0; i < MESH_MAX_ROUTE_WAIT; i++) {
		struct rib_request rq;

		if (!m->route_wait[i].used ||
		    memcmp(m->route_wait[i].origin, origin, WIRE_MESH_ID_LEN))
			continue;
		m->route_wait[i].used = false;
		/* Hop count 1: the neighbour answers with its route if it
		 * has one that new, and asks nobody else. */
		memcpy(rq.to, m->route_wait[i].from, RIB_ID_LEN);
		memcpy(rq.dest, origin, RIB_ID_LEN);
		rq.seqno = m->route_wait[i].seqno;
		rq.hops = 1;
		send_request(a, &rq, a->id.node_id);
	}
}

/* Is an update for origin about what its signed record allows? */
static bool origin_ok(struct agent *a, struct peer *from, const uint8_t *origin,
		      uint16_t seqno, uint16_t metric,
		      struct wire_mesh_record_request *rr)
{
	struct mesh *m = a->mesh;
	const struct member *mm = member_find(&m->members, origin);
	enum mesh_route_refusal why;

	if (!mm || !mm->rec || !mm->cert || member_leaving(mm)) {
		if (metric == WIRE_MESH_METRIC_INF)
			return true;	/* a retraction asserts nothing */
		why = MESH_RT_UNKNOWN_ORIGIN;
	} else if (revoke_contains(&a->revoked, origin)) {
		why = MESH_RT_REVOKED;
	} else if (metric != WIRE_MESH_METRIC_INF &&
		   rib_seqno_newer(seqno, mesh_route_seqno(mm->rec->seq))) {
		why = MESH_RT_SEQNO_UNSIGNED;
	} else {
		return true;
	}
	m->rstats.refused[why]++;
	if (why != MESH_RT_REVOKED)
		route_wait(m, origin, from->id, seqno);
	if (why != MESH_RT_REVOKED && rr->n < WIRE_MESH_MAX_REQUESTS) {
		/* The record that would allow it: the sender must hold it. */
		rr->e[rr->n].origin = origin;
		rr->e[rr->n].have_seq = mm && mm->rec ? mm->rec->seq : 0;
		rr->e[rr->n].want = WIRE_MESH_WANT_RECORD | WIRE_MESH_WANT_CERT;
		rr->n++;
	}
	return false;
}

static void on_update(struct agent *a, struct peer *from,
		      const struct wire_mesh_route_update *u)
{
	struct mesh *m = a->mesh;
	struct wire_mesh_record_request rr;
	unsigned int i;

	memset(&rr, 0, sizeof(rr));
	m->rstats.updates_rx++;
	for (i = 0; i < u->n; i++) {
		int ret;

		if (!origin_ok(a, from, u->e[i].origin, u->e[i].seqno,
			       u->e[i].metric, &rr))
			continue;
		ret = rib_update(m->rib, from->id, u->e[i].origin,
				 u->e[i].seqno, u->e[i].metric, a->now, NULL);
		if (ret == -ENOENT)
			m->rstats.refused[MESH_RT_NOT_NEIGHBOUR]++;
		else if (ret < 0)
			m->rstats.no_memory++;
	}
	if (rr.n) {
		struct mesh_out o;

		mesh_out_begin(&o, a, from);
		mesh_out_put(&o, wire_mesh_put_record_request, &rr);
		mesh_out_flush(&o);
		m->stats.requests_sent += rr.n;
	}
}

static void on_request(struct agent *a, struct peer *from,
		       const struct wire_mesh_seqno_request *s)
{
	struct mesh *m = a->mesh;
	struct rib_req_action act;
	struct select_advert adv;

	m->rstats.requests_rx++;
	if (rib_request_recv(m->rib, from->id, s->origin, s->seqno,
			     s->hop_count, a->now, &act))
		return;
	switch (act.verdict) {
	case RIB_REQ_UPDATE:
		if (select_advert_for(m->rib, &m->sel, s->origin, from->id,
				      &adv))
			send_adverts(a, from, &adv, 1);
		break;
	case RIB_REQ_BUMPED:
		m->rstats.seqno_bumps++;
		log_debug("mesh: seqno %u asked for: our record signed again",
			  (unsigned int)s->seqno);
		mesh_self_route_seqno(a, m->rib->seqno);
		break;
	case RIB_REQ_FORWARD:
		m->rstats.requests_forwarded++;
		send_request(a, &act.fwd, s->requester);
		break;
	default:
		break;
	}
}

static void on_probe(struct agent *a, struct peer *from,
		     const struct wire_mesh_probe *pr)
{
	struct mesh_link *l = from->mesh;
	struct wire_mesh_probe echo = *pr;
	struct mesh_out o;

	echo.held_us = 0;
	mesh_out_begin(&o, a, from);
	mesh_out_put(&o, wire_mesh_put_echo, &echo);
	mesh_out_flush(&o);
	/* How often it probes us (went_silent()). We do not probe faster
	 * for it: two neighbours following each other never slow down. */
	l->rx_gap = l->last_probe_rx ? a->now - l->last_probe_rx :
				       MESH_PROBE_IDLE_MS;
	l->last_probe_rx = a->now;
	probe_heard(&l->probe, a->now);
}

static void on_echo(struct agent *a, struct peer *from,
		    const struct wire_mesh_probe *pr)
{
	if (probe_echo(&from->mesh->probe, pr->seq, a->now) < 0)
		a->mesh->rstats.stray_echoes++;
}

void mesh_route_on_msg(struct agent *a, struct peer *from,
		       const struct wire_mesh_tlv *t)
{
	union {
		struct wire_mesh_route_update u;
		struct wire_mesh_seqno_request s;
		struct wire_mesh_probe pr;
	} u;

	if (!a->mesh->rib || !from->mesh->rt_up)
		return;
	switch (t->type) {
	case WIRE_MESH_ROUTE_UPDATE:
		if (!wire_mesh_parse_route_update(t->body, t->len, &u.u))
			on_update(a, from, &u.u);
		break;
	case WIRE_MESH_ROUTE_SEQNO_REQUEST:
		if (!wire_mesh_parse_seqno_request(t->body, t->len, &u.s))
			on_request(a, from, &u.s);
		break;
	case WIRE_MESH_PROBE:
		if (!wire_mesh_parse_probe(t->body, t->len, &u.pr))
			on_probe(a, from, &u.pr);
		break;
	case WIRE_MESH_ECHO:
		if (!wire_mesh_parse_echo(t->body, t->len, &u.pr))
			on_echo(a, from, &u.pr);
		break;
	default:
		break;
	}
}

/* ---- life cycle --------------------------------------------------------------- */

int mesh_route_start(struct agent *a)
{
	struct mesh *m = a->mesh;
	struct rib_config rc;

	rib_config_default(&rc);
	select_config_default(&m->sel);
	m->sel.relay = (a->me.roles & CERT_ROLE_RELAY) != 0;
	m->rib = rib_new(a->id.node_id, mesh_route_seqno(m->self_seq), &rc);
	if (!m->rib)
		return -ENOMEM;
	select_out_init(&m->out);
	timer_init(&m->t_route, on_tick);
	timer_arm(&a->timers, &m->t_route, a->now + ROUTE_TICK_MS);
	return 0;
}

void mesh_route_self_signed(struct agent *a)
{
	struct mesh *m = a->mesh;

	if (m && m->rib)
		rib_self_seqno(m->rib, mesh_route_seqno(m->self_seq));
}

void mesh_route_free(struct agent *a)
{
	struct mesh *m = a->mesh;

	if (!m->rib)
		return;
	timer_cancel(&a->timers, &m->t_route);
	select_out_free(&m->out);
	rib_free(m->rib);
	m->rib = NULL;
}
