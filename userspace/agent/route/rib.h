/* SPDX-License-Identifier: MIT */
/*
 * The routing information base of the mesh: a loop-free distance vector
 * in the manner of Babel (RFC 8966), over node ids. Pure: no I/O, no
 * clock reads (time is passed in as monotonic milliseconds), no struct
 * agent. What is to be sent is returned as data.
 *
 * The model.
 *
 *  - Destinations are nodes (32-byte ids). Each node originates exactly
 *    one route, to itself, so a destination is also its own source
 *    (Babel's router-id): the source table (feasibility distances) and
 *    the destination table are one table. A node's prefixes ride with it
 *    (rib_dest_prefixes()), versioned by its sequence number, so the fib
 *    programs prefix -> node and node -> via.
 *  - Neighbours (rib_neighbour_set()) carry the measured cost of the link
 *    to them (route/probe.h) and whether they may relay: a route through
 *    neighbour N is used only for destination N itself, or if N may relay.
 *  - A route is (destination, neighbour): the (seqno, metric) the
 *    neighbour advertised, and our metric, the link cost plus the
 *    advertised metric (saturating at RIB_METRIC_MAX). A neighbour cannot
 *    advertise itself below the cost we measure to it: with unsigned
 *    metrics the worst it can claim is 0, which still gives the link cost.
 *  - Sequence numbers are per origin, 16-bit, compared modulo 2^16
 *    (rib_seqno_newer()). Only the origin increases its own.
 *  - Feasibility distance (FD) per destination: the best (seqno, metric)
 *    we advertised for it. An update (s, m) is feasible iff it is a
 *    retraction, or there is no FD, or s is newer than FD.seqno, or
 *    s == FD.seqno and m < FD.metric (rib_feasible()). A new next hop
 *    is selected only through a feasible route (select.h), which is what
 *    keeps the routing loop-free whatever the order messages arrive in;
 *    split horizon is an optimisation on top. The FD is updated when
 *    something is advertised (select.c, rib_fd_update()), and kept after
 *    the routes are gone, until the destination is forgotten
 *    (cfg.source_gc_ms idle).
 *  - Starvation: no feasible route while unfeasible ones exist (or an
 *    unfeasible one clearly better than the selected). Then the node asks
 *    the origin for a new seqno with a seqno request (FD.seqno + 1, a hop
 *    count), sent to the neighbour of the best unfeasible route and
 *    resent after cfg.request_timeout_ms, cfg.request_resends times. The
 *    origin, asked for a newer seqno than its own, takes it, and its
 *    update, being newer, is feasible everywhere (rib_request_recv()).
 *    A node that cannot answer forwards the request towards the origin
 *    (hop count - 1, never back to the requester, not twice to the same
 *    neighbour within cfg.request_dup_ms; a request for what we asked
 *    ourselves is not forwarded).
 *  - Retractions (metric RIB_METRIC_INF) remove the route. A lost
 *    neighbour takes all its routes with it at once
 *    (rib_neighbour_lost()); a route not refreshed for cfg.route_hold_ms
 *    expires (rib_tick()). Nothing here delays a withdrawal.
 *  - Each route also keeps a smoothed metric (exponential, half-life
 *    cfg.smooth_half_life_ms, evaluated lazily at a given time), for the
 *    hysteresis of the selection.
 *
 * Cost: hash tables by id (destinations, neighbours) and by (destination,
 * neighbour) (routes) double as they fill, so an update costs O(1) at 10
 * or 10,000 destinations. A changed link cost visits the routes through
 * that neighbour only. Expiry, request resends and forgetting are lists in
 * time order, so rib_tick() visits only what is due. Every change marks
 * its destination dirty; select_run() (select.h) visits the dirty ones.
 *
 * The structures are visible for select.c, which shares them (the rib
 * owns the entries; the fields marked "select.c" are the selection's);
 * other callers read them only.
 *
 * Not thread-safe: the agent's loop owns it.
 */
#ifndef AGENT_ROUTE_RIB_H
#define AGENT_ROUTE_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/aegisray.h>

#include "netaddr.h"

#define RIB_ID_LEN		AEGIS_NODE_ID_LEN
#define RIB_METRIC_INF		0xFFFFu	/* unreachable, retraction */
#define RIB_METRIC_MAX		0xFFFEu	/* the largest finite metric */
#define RIB_REQUEST_HOPS	127	/* hop count of the requests we start */

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

/* ---- intrusive lists and hash chains (rib.c and select.c) ---------- */

/* A circular doubly linked list; a head is an entry of its own list. */
struct rib_list {
	struct rib_list *prev, *next;
};

static inline void rib_list_init(struct rib_list *l)
{
	l->prev = l;
	l->next = l;
}

static inline bool rib_list_empty(const struct rib_list *head)
{
	return head->next == head;
}

/* Is entry l on a list (it was rib_list_init()ed when taken off)? */
static inline bool rib_list_linked(const struct rib_list *l)
{
	return l->next != l;
}

static inline void rib_list_add_tail(struct rib_list *head, struct rib_list *l)
{
	l->prev = head->prev;
	l->next = head;
	head->prev->next = l;
	head->prev = l;
}

static inline void rib_list_del(struct rib_list *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	rib_list_init(l);
}

struct rib_hnode {
	struct rib_hnode *next;
	uint64_t key;
};

struct rib_htab {
	struct rib_hnode **v;
	size_t mask;		/* buckets - 1 (a power of two minus one) */
	size_t n;
};

/* ---- configuration, counters ---------------------------------------- */

struct rib_config {
	uint32_t route_hold_ms;		/* not refreshed that long: expires */
	uint32_t source_gc_ms;		/* no routes that long: forgotten */
	uint32_t request_timeout_ms;	/* our request unanswered: resend */
	unsigned int request_resends;	/* ... at most that many times */
	uint8_t request_hops;		/* hop count of the requests we start */
	uint32_t request_dup_ms;	/* a request goes to a nbr once per */
	uint32_t smooth_half_life_ms;	/* of the smoothed metric (0: none) */
};

struct rib_stats {
	uint64_t updates;	/* rib_update() calls accepted */
	uint64_t unfeasible;	/* of which unfeasible */
	uint64_t retractions;	/* routes removed by a retraction */
	uint64_t expired;	/* routes removed by the hold time */
	uint64_t lost;		/* routes removed by rib_neighbour_lost() */
	uint64_t requests_sent;	/* seqno requests we started (resends too) */
	uint64_t requests_forwarded;
	uint64_t requests_duplicate;
	uint64_t requests_answered;	/* by an update (ours or our route's) */
	uint64_t seqno_bumps;	/* our seqno raised by a request */
	uint64_t forgotten;	/* destinations dropped by the gc */
};

/* ---- entries ---------------------------------------------------------- */

/* A feasibility distance: the best (seqno, metric) we advertised. */
struct rib_fd {
	bool valid;
	uint16_t seqno;
	uint16_t metric;
};

struct rib_nbr {
	struct rib_hnode h;
	struct rib_list all;		/* rib.nbrs */
	struct rib_list routes;		/* rib_route.by_nbr */
	uint8_t id[RIB_ID_LEN];
	uint64_t serial;		/* unique for the rib's lifetime */
	uint16_t link_cost;		/* 1..RIB_METRIC_MAX, or INF */
	bool may_relay;
	size_t n_routes;
};

struct rib_dest;

struct rib_route {
	struct rib_hnode h;		/* rib.routes, by (dest, nbr) */
	struct rib_list by_dest;	/* rib_dest.routes */
	struct rib_list by_nbr;		/* rib_nbr.routes */
	struct rib_list age;		/* rib.ages: oldest refresh first */
	struct rib_dest *dest;
	struct rib_nbr *nbr;
	uint16_t seqno;			/* as advertised */
	uint16_t adv_metric;		/* as advertised (finite) */
	uint16_t metric;		/* link cost + adv_metric, or INF */
	bool direct;			/* dest is nbr */
	uint16_t smoothed;		/* the smoothed metric at smoothed_at */
	uint64_t smoothed_at;
	uint64_t refreshed;		/* ms: last update received */
};

struct rib_request {
	uint8_t to[RIB_ID_LEN];		/* the neighbour to send it to */
	uint8_t dest[RIB_ID_LEN];	/* the origin asked */
	uint16_t seqno;			/* asked for at least this */
	uint8_t hops;			/* hop count to put in it */
};

/* A growing array of requests to send. */
struct rib_requests {
	struct rib_request *v;
	size_t n, cap;
};

struct rib_dest {
	struct rib_hnode h;		/* rib.dests */
	struct rib_list all;		/* rib.all */
	struct rib_list routes;		/* rib_route.by_dest */
	unsigned int n_routes;
	uint8_t id[RIB_ID_LEN];
	struct rib_fd fd;

	/* The node's prefixes, as of its seqno pfx_seqno. */
	struct aegis_prefix *pfx;
	unsigned int n_pfx;
	bool pfx_valid;
	bool pfx_changed;		/* since select.c last looked */
	uint16_t pfx_seqno;

	/* Our seqno request in flight, if any. */
	bool req_pending;
	uint16_t req_seqno;
	unsigned int req_resends;
	uint64_t req_sent;
	struct rib_list req_link;	/* rib.reqs, by req_sent */

	/* The last request forwarded (duplicate suppression). */
	bool fwd_valid;
	uint16_t fwd_seqno;
	uint64_t fwd_nbr;		/* serial of the neighbour it went to */
	uint64_t fwd_at;

	/* Without routes since idle_since: on rib.idle, forgotten later. */
	struct rib_list idle;
	uint64_t idle_since;

	bool dirty;
	struct rib_list dirty_link;	/* rib.dirty */

	/* select.c: the selection, what the fib was told, what we said. */
	struct rib_route *selected;	/* NULL: unreachable (rib.c clears) */
	bool inst_reach;
	uint8_t inst_via[RIB_ID_LEN];
	uint64_t inst_nbr;		/* serial of the neighbour inst_via */
	bool adv_valid;
	uint16_t adv_seqno;
	uint16_t adv_metric;
	uint64_t adv_nbr;		/* serial of the next hop advertised */
	uint64_t adv_at;		/* ms: when that was decided */
	struct rib_list watch;		/* rib.watch: a switch is waited for */
};

struct rib {
	struct rib_config cfg;
	uint8_t self[RIB_ID_LEN];
	uint16_t seqno;			/* ours */
	struct aegis_prefix *self_pfx;
	unsigned int n_self_pfx;
	bool self_dirty;		/* our own route is to be advertised */

	struct rib_htab dests, nbrs, routes;
	struct rib_list all;		/* destinations */
	struct rib_list nbr_list;
	struct rib_list ages;		/* routes, oldest refresh first */
	struct rib_list idle;		/* destinations without routes */
	struct rib_list reqs;		/* destinations with a request out */
	struct rib_list dirty;		/* destinations changed */
	struct rib_list watch;		/* select.c */
	size_t n_dests, n_nbrs, n_routes;
	uint64_t nbr_serial;
	struct rib_stats stats;
};

/* ---- sequence numbers, feasibility, metrics --------------------------- */

/*
 * Is a newer than b, modulo 2^16 (RFC 8966 3.2.1): 0 < (a - b) mod 2^16 <
 * 2^15. Two numbers 2^15 apart are not ordered: neither is newer.
 */
bool rib_seqno_newer(uint16_t a, uint16_t b);
/* 1 if a is newer than b, -1 if older, 0 if equal or not ordered. */
int rib_seqno_cmp(uint16_t a, uint16_t b);

/* The feasibility condition: is the update (seqno, metric) feasible? */
bool rib_feasible(const struct rib_fd *fd, uint16_t seqno, uint16_t metric);

/* Note (seqno, metric) as advertised: FD becomes the better of the two. */
void rib_fd_update(struct rib_fd *fd, uint16_t seqno, uint16_t metric);

/* a + b, INF if either is, else at most RIB_METRIC_MAX. */
uint16_t rib_metric_add(uint16_t a, uint16_t b);

/* ---- the table -------------------------------------------------------- */

/*
 * Hold 56 s (3.5 x a 16 s dump), forget after 180 s, requests resent
 * every 500 ms up to 3 times with 127 hops, the same request forwarded
 * to the same neighbour once per 250 ms (a request that loops back is
 * dropped; a resend, 500 ms later, is not), half-life 4 s.
 */
void rib_config_default(struct rib_config *cfg);

/* A rib for node self, starting at seqno. NULL: -ENOMEM or bad config. */
struct rib *rib_new(const uint8_t *self, uint16_t seqno,
		    const struct rib_config *cfg);
void rib_free(struct rib *r);

/*
 * Add neighbour id or change it: the measured cost of the link (0 counts
 * as 1; RIB_METRIC_INF: not usable, routes kept) and whether it may
 * relay. The routes through it are re-computed and their destinations
 * marked dirty when something changed. Returns 0, -EINVAL (id is self) or
 * -ENOMEM.
 */
int rib_neighbour_set(struct rib *r, const uint8_t *id, uint16_t link_cost,
		      bool may_relay, uint64_t now);

/*
 * Neighbour id is gone (dead link, session closed): every route through it
 * is retracted at once and the neighbour forgotten. Returns the number of
 * routes retracted, or -ENOENT.
 */
int rib_neighbour_lost(struct rib *r, const uint8_t *id, uint64_t now);

struct rib_nbr *rib_neighbour_find(const struct rib *r, const uint8_t *id);

enum rib_update_result {
	RIB_UPD_IGNORED,	/* about ourselves, or retracts nothing */
	RIB_UPD_NEW,		/* a route we did not have */
	RIB_UPD_CHANGED,	/* seqno or metric changed */
	RIB_UPD_REFRESHED,	/* the same again: only the hold time renewed */
	RIB_UPD_RETRACTED,	/* the route is gone */
};

/*
 * Neighbour from advertised destination dest with (seqno, metric) at now
 * (metric RIB_METRIC_INF: a retraction). Unfeasible routes are kept too
 * (they show starvation); the selection skips them. *feasible (may be
 * NULL) tells whether it was feasible. An update with a seqno at least
 * that of our request for dest answers it. Returns an enum
 * rib_update_result, -ENOENT (from is not a neighbour) or -ENOMEM.
 */
int rib_update(struct rib *r, const uint8_t *from, const uint8_t *dest,
	       uint16_t seqno, uint16_t metric, uint64_t now, bool *feasible);

/*
 * The prefixes of node dest as of its seqno (the complete set; n 0:
 * none). Kept unless an equal or newer seqno's set is known; a changed set
 * marks dest dirty (select reports it). Returns 0, -ESTALE (an older
 * seqno than the set held), -EINVAL (dest is self) or -ENOMEM.
 */
int rib_dest_prefixes(struct rib *r, const uint8_t *dest, uint16_t seqno,
		      const struct aegis_prefix *p, unsigned int n,
		      uint64_t now);

/* Our own prefixes (xroutes): replaced, our seqno raised, advertised. */
int rib_self_prefixes(struct rib *r, const struct aegis_prefix *p,
		      unsigned int n);

/* Raise our seqno (e.g. periodically), so that our update is advertised. */
void rib_self_bump(struct rib *r);
/* Take seqno as ours if it is newer (the caller signed a record that
 * carries it); then our update is advertised. True if it was taken. */
bool rib_self_seqno(struct rib *r, uint16_t seqno);

struct rib_dest *rib_dest_find(const struct rib *r, const uint8_t *id);
struct rib_route *rib_route_find(const struct rib *r, const uint8_t *dest,
				 const uint8_t *nbr);

/* The metric of route rt smoothed up to now. */
uint16_t rib_route_smoothed(const struct rib *r, const struct rib_route *rt,
			    uint64_t now);

/* Can rt be used at all: finite metric, and dest is nbr or nbr relays. */
bool rib_route_usable(const struct rib_route *rt);
/* Is rt feasible against its destination's FD? */
bool rib_route_feasible(const struct rib_route *rt);

/* ---- seqno requests ---------------------------------------------------- */

enum rib_req_verdict {
	RIB_REQ_IGNORE,		/* no route to ask along, or hop count spent */
	RIB_REQ_DUPLICATE,	/* forwarded (or asked ourselves) already */
	RIB_REQ_UPDATE,		/* answer: send our update for dest to from */
	RIB_REQ_BUMPED,		/* we are the origin and took the seqno */
	RIB_REQ_FORWARD,	/* send act->fwd */
};

struct rib_req_action {
	enum rib_req_verdict verdict;
	struct rib_request fwd;		/* RIB_REQ_FORWARD */
};

/*
 * Neighbour from asks for dest's seqno to be at least seqno, with hop
 * count hops. We are dest: if seqno is newer than ours we take it (our
 * update goes to every neighbour at the next select_run()), else we just
 * answer. We have a finite selected route with seqno at least that: we
 * answer with our update (select_advert_for()). Else, with hops >= 2,
 * the request goes on, hop count - 1, to the neighbour of our selected
 * route or of another usable route, never back to from, and to the same
 * neighbour once only per cfg.request_dup_ms (nor at all when our own
 * request for as much is in flight). Returns 0 (see act) or -ENOENT (from
 * is not a neighbour).
 */
int rib_request_recv(struct rib *r, const uint8_t *from, const uint8_t *dest,
		     uint16_t seqno, uint8_t hops, uint64_t now,
		     struct rib_req_action *act);

/*
 * For select.c: dest d starves; ask (FD.seqno + 1) through neighbour via
 * unless a request at least as new is in flight. Returns 0 or -ENOMEM.
 */
int rib_request_want(struct rib *r, struct rib_dest *d,
		     const struct rib_nbr *via, uint64_t now,
		     struct rib_requests *out);
/* For select.c: d no longer starves; stop asking. */
void rib_request_cancel(struct rib *r, struct rib_dest *d);

/* Append a request; 0 or -ENOMEM. */
int rib_requests_push(struct rib_requests *q, const struct rib_request *rq);
void rib_requests_free(struct rib_requests *q);

/* ---- time, dirt ------------------------------------------------------- */

/*
 * What is due at now: routes past the hold time expire (their
 * destinations dirty), unanswered requests are resent into out (or given
 * up), destinations idle for cfg.source_gc_ms are forgotten with their
 * FD. Call it every few hundred ms. Returns 0 or -ENOMEM (a resend not
 * made is made at the next tick).
 */
int rib_tick(struct rib *r, uint64_t now, struct rib_requests *out);

/* Mark d as changed (for select_run()). */
void rib_dirty(struct rib *r, struct rib_dest *d);
/* Take the oldest dirty destination off the list (NULL: none). */
struct rib_dest *rib_dirty_pop(struct rib *r);

#endif /* AGENT_ROUTE_RIB_H */
