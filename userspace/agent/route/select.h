/* SPDX-License-Identifier: MIT */
/*
 * Route selection over the rib (rib.h): for each destination the best
 * feasible route, with hysteresis; what changed, for the fib; and what to
 * advertise to each neighbour, with split horizon. Pure: everything is
 * returned as data in a struct select_out, which a caller turns into
 * fib_node_want() / fib_node_unwant() / fib_prefixes_want() calls and
 * packets.
 *
 * Selection, per destination (only the dirty ones, and those waiting for
 * a switch):
 *  - Candidates are the routes that are usable (finite metric; through a
 *    neighbour that may relay, unless the destination is that neighbour)
 *    and feasible (rib_feasible() against the destination's FD).
 *  - Forced change: when the selected route is gone (retracted, expired,
 *    its neighbour lost) or no longer usable (infinite metric or link,
 *    relay right withdrawn), the best candidate by metric is taken at
 *    once, or none: withdrawals are never delayed.
 *  - The selected route stays selected when its neighbour's update turns
 *    unfeasible (its metric rose above our FD): as in babeld, a change of
 *    next hop needs feasibility, keeping one does not. It is loop-free:
 *    the next hop's FD was below ours when it was chosen, FDs only
 *    decrease, and what we advertise is its current metric plus a link
 *    cost >= 1, so ours stays above its. (RFC 8966 lets the update be
 *    ignored; keeping the higher metric is the honest variant.) Each
 *    destination here is its own single source, so a successor cannot
 *    switch sources, the case where babeld does drop the route.
 *  - Voluntary change (the selected route is still usable): another
 *    candidate replaces it only if it is better by the margin in its
 *    metric AND in its smoothed metric (babeld's rule: the order is not
 *    total, which is what gives hysteresis), where "better by the margin"
 *    is
 *
 *	cand + max(margin_abs, cur * margin_pct / 100) <= cur
 *
 *    (select_better()). The absolute part (default 5 ms) absorbs the
 *    noise of short paths, the relative part (default 10%) that of long
 *    ones. With probe.h's link cost, 5% loss on a 20 ms link adds 3.7 ms:
 *    a 5% lossy path and a clean one of similar RTT do not displace each
 *    other back and forth; 30% loss (+30 ms) or +80 ms moves the route. The smoothed metric (half-life 4 s, rib.h) limits how
 *    often RTT's own feedback (traffic moves, RTT follows) can move a
 *    route: a transient spike does not, a lasting change does within a
 *    few half-lives. A destination where the instantaneous metric says
 *    "switch" and the smoothed one not yet is watched: select_run()
 *    looks at it again each time, so the caller must call it
 *    periodically (every few hundred ms, after rib_tick()).
 *  - Starvation: nothing selected but usable unfeasible routes exist, or
 *    another route, unfeasible at the FD's seqno, is better by the margin
 *    than the selected one: a seqno request (rib_request_want());
 *    otherwise any request in flight is cancelled. A kept unfeasible
 *    successor asks for nothing by itself: requests (and the origin's
 *    network-wide update) only when they buy a route.
 *
 * Output:
 *  - changes: SELECT_VIA "dest now via neighbour via (== dest: direct)
 *    with metric", SELECT_UNREACHABLE "dest unreachable", SELECT_PREFIXES
 *    "dest (reachable, same via) has a new prefix set" (rib_dest_find()
 *    ->pfx). Only what differs from the last change reported.
 *  - adverts: (to, dest, seqno, metric) per neighbour. Triggered when the
 *    selection changes: reachability, next hop (split horizon moves),
 *    seqno, or the metric by the margin (smaller moves wait for the
 *    periodic dump); our own route when our seqno changed. A retraction
 *    is sent at once to every neighbour. Split horizon with poisoned
 *    reverse: the route's next hop gets metric RIB_METRIC_INF. A node
 *    does not tell a neighbour about the neighbour itself. Unless
 *    cfg.relay, only our own route is advertised (a node that may not
 *    relay must not attract transit traffic). Each finite advert updates
 *    the FD (rib_fd_update()).
 *  - requests: seqno requests to send (struct rib_request).
 *
 * Not thread-safe: the agent's loop owns it.
 */
#ifndef AGENT_ROUTE_SELECT_H
#define AGENT_ROUTE_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "route/rib.h"

struct select_config {
	uint16_t margin_abs;	/* metric units (100 us) */
	unsigned int margin_pct;	/* percent of the current metric */
	bool relay;		/* we may relay: advertise other nodes */
};

enum select_change_kind {
	SELECT_VIA,
	SELECT_UNREACHABLE,
	SELECT_PREFIXES,
};

struct select_change {
	enum select_change_kind kind;
	uint8_t dest[RIB_ID_LEN];
	uint8_t via[RIB_ID_LEN];	/* SELECT_VIA: the neighbour */
	uint16_t metric;		/* SELECT_VIA, SELECT_PREFIXES */
};

struct select_advert {
	uint8_t to[RIB_ID_LEN];		/* the neighbour */
	uint8_t dest[RIB_ID_LEN];
	uint16_t seqno;
	uint16_t metric;		/* RIB_METRIC_INF: retraction, poison */
};

/* Growing arrays, reused: select_out_clear() empties them. */
struct select_out {
	struct select_change *chg;
	size_t n_chg, cap_chg;
	struct select_advert *adv;
	size_t n_adv, cap_adv;
	struct rib_requests req;
};

/* Margin 5 ms + 10%, relay on. */
void select_config_default(struct select_config *cfg);

void select_out_init(struct select_out *o);
void select_out_clear(struct select_out *o);
void select_out_free(struct select_out *o);

/* The hysteresis rule: is metric cand better than cur by the margin? */
bool select_better(const struct select_config *cfg, uint16_t cand,
		   uint16_t cur);

/*
 * Select for every dirty or watched destination at now, and for our own
 * route if it changed; append the changes, adverts and requests to out.
 * Returns the number of destinations visited, or -ENOMEM (what was not
 * visited stays dirty for the next call).
 */
int select_run(struct rib *r, const struct select_config *cfg, uint64_t now,
	       struct select_out *out);

/*
 * The full dump for neighbour to (periodic, and when it comes up): our own
 * route and every selected one (split horizon applied), and retractions
 * decided less than the rib's hold time ago. Returns the number of
 * adverts appended, -ENOENT (to is not a neighbour) or -ENOMEM.
 */
int select_dump(struct rib *r, const struct select_config *cfg,
		const uint8_t *to, uint64_t now, struct select_out *out);

/*
 * What to tell neighbour to about dest now (e.g. the answer to a seqno
 * request, RIB_REQ_UPDATE): false if nothing (unknown, never advertised,
 * or we do not relay).
 */
bool select_advert_for(struct rib *r, const struct select_config *cfg,
		       const uint8_t *dest, const uint8_t *to,
		       struct select_advert *a);

#endif /* AGENT_ROUTE_SELECT_H */
