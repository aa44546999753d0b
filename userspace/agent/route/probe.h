/* SPDX-License-Identifier: MIT */
/*
 * The link estimator of one neighbour: what a link costs, and whether it
 * is dead. Pure: no I/O and no clock reads; the caller sends the probes,
 * passes the time in (monotonic milliseconds) and hands the result to the
 * rib (rib_neighbour_set(), rib_neighbour_lost()).
 *
 * The model. The caller sends numbered probes to the neighbour (every
 * 100-200 ms while traffic flows, less often when idle), and the
 * neighbour echoes each one at once. probe_sent() and probe_echo() record
 * both ends; an echo gives an RTT sample. A probe that has no echo after
 * the retransmission timeout (RTO) counts as lost; one answered later
 * counts as answered after all.
 *
 *  - RTT: RFC 6298's estimator (SRTT gain 1/8, RTTVAR gain 1/4), kept in
 *    microseconds so that whole-millisecond samples average out below a
 *    millisecond on a LAN. RTO = SRTT + max(1 ms, 4 RTTVAR), clamped to
 *    [rto_min_ms, rto_max_ms]; rto_init_ms before the first sample.
 *  - Loss: over the last `window` probes sent (at most PROBE_RING), the
 *    share of those resolved (answered, or unanswered past the RTO) that
 *    went unanswered. Probes still within their RTO are not counted yet.
 *  - Cost, in route metric units of 100 us (PROBE_COST_UNIT_US):
 *
 *	ETX  = resolved / answered		(= 1 / (1 - loss))
 *	cost = (SRTT + hop_cost + loss_penalty) * ETX - loss_penalty
 *
 *    i.e. the expected time to get one packet through when every attempt
 *    costs a round trip (plus the per-hop cost) and every failed attempt
 *    costs loss_penalty more, the time to notice the loss. ETX (De Couto
 *    et al.) is the expected number of transmissions per delivery, 1 /
 *    (df * dr) for the delivery ratios of the two directions; a probe's
 *    round trip crosses both, so the measured answered / resolved ratio
 *    already is df * dr and is not squared again. The penalty (default
 *    50 ms: a reliable transport notices a loss a round trip later at
 *    best, TCP's tail-loss probe and RTO floor take longer; real-time
 *    traffic just loses quality) keeps loss expensive on short links,
 *    where RTT x ETX alone would make 30% loss on a 2 ms LAN link cost
 *    less than 1 ms. With the defaults, on a 20 ms link: clean 21 ms,
 *    5% loss 24.7 ms (within the selection margin of a clean path:
 *    no flapping), 30% loss 51 ms (moves), and +80 ms moves too.
 *    The hop cost (default 1 ms) makes fewer hops win between paths of
 *    equal RTT and keeps every link cost above zero, so metrics grow
 *    strictly along a path. Babeld's RTT scheme (96 per hop plus a
 *    penalty capped at rtt-max, 120 ms) was not chosen: its cap hides the
 *    difference between a 150 ms and a 300 ms path, which matters for an
 *    overlay spanning continents.
 *    The cost saturates at PROBE_COST_MAX (a link that is up, however
 *    bad, stays finite: 1.5 s RTT at 75% loss still fits) and is
 *    PROBE_COST_INF for a dead link or one without an RTT sample yet.
 *  - Dead: probe_dead() when the last `dead_probes` (K) probes resolved
 *    went unanswered and nothing was heard for `quiet_ms` (Q), or nothing
 *    was heard for `dead_ms` (T). Q keeps a burst of late echoes (a
 *    loaded host's jitter) from killing a link whose other packets still
 *    arrive: a real cut silences everything. Probing
 *    every 100 ms with K = 3, a silent cut right after an echo is seen
 *    when the third probe after it passes its RTO: 300 ms + RTO (>= 50
 *    ms) after the last echo. T covers idle links, where the caller
 *    probes rarely: it must exceed the idle probe interval, and
 *    probe_heard() should be told of every authenticated packet from the
 *    neighbour.
 *
 * Smoothing is in the estimator (SRTT, the loss window); hysteresis is the
 * route selection's (select.h). probe_cost_changed() tells whether a new
 * cost differs enough from the one last given to the rib to be worth
 * re-computing the routes through the link.
 */
#ifndef AGENT_ROUTE_PROBE_H
#define AGENT_ROUTE_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#define PROBE_RING		64	/* probes remembered; max window */
#define PROBE_COST_UNIT_US	100	/* one unit of cost (= route metric) */
#define PROBE_COST_MAX		0xFFFEu	/* the largest finite cost */
#define PROBE_COST_INF		0xFFFFu	/* dead or not measured */

struct probe_config {
	unsigned int window;	/* N: loss over the last N, 1..PROBE_RING */
	unsigned int dead_probes;	/* K unanswered in a row: dead */
	uint32_t dead_ms;	/* T: nothing heard for that long: dead */
	uint32_t quiet_ms;	/* K unanswered count only after this long
				 * without hearing anything (default 0) */
	uint32_t rto_min_ms;
	uint32_t rto_max_ms;
	uint32_t rto_init_ms;	/* before the first RTT sample */
	uint32_t hop_cost;	/* added to the RTT, in cost units */
	uint32_t loss_penalty;	/* cost of noticing a loss, in cost units */
};

enum probe_slot_state {
	PROBE_SLOT_EMPTY,
	PROBE_SLOT_PENDING,
	PROBE_SLOT_ANSWERED,
};

struct probe_slot {
	uint32_t seq;
	uint8_t state;		/* enum probe_slot_state */
	uint64_t sent;		/* ms */
};

struct probe {
	struct probe_config cfg;
	struct probe_slot ring[PROBE_RING];	/* slot seq % PROBE_RING */
	bool has_sent;
	uint32_t last_seq;	/* the newest probe sent */
	uint64_t last_heard;	/* ms: last echo or probe_heard() */
	bool has_rtt;
	uint32_t srtt_us;
	uint32_t rttvar_us;
	/* Counters, for status. */
	uint64_t n_sent;
	uint64_t n_answered;	/* echoes matched (late ones included) */
	uint64_t n_stray;	/* echoes of unknown or repeated probes */
};

/*
 * window 32, K 3, T 2000 ms, RTO 50..1000 ms (1000 initially), hop 1 ms,
 * loss penalty 50 ms.
 */
void probe_config_default(struct probe_config *cfg);

/*
 * Start estimating; now counts as heard (the link is not dead before T
 * passes). Returns 0 or -EINVAL (window or K out of range, T or RTO 0,
 * rto_min > rto_max).
 */
int probe_init(struct probe *p, const struct probe_config *cfg, uint64_t now);

/* Probe seq was sent at now. seqs should increase by one per probe. */
void probe_sent(struct probe *p, uint32_t seq, uint64_t now);

/*
 * The echo of probe seq arrived at now: counts as heard. Returns the RTT
 * sample in ms (>= 0), -ENOENT if seq is not among the last PROBE_RING
 * probes sent, -EALREADY if it was answered already (a duplicate).
 */
int probe_echo(struct probe *p, uint32_t seq, uint64_t now);

/* Any authenticated packet from the neighbour arrived at now (Q, T). */
void probe_heard(struct probe *p, uint64_t now);

/* The current retransmission timeout in ms. */
uint32_t probe_rto(const struct probe *p);

/* Smoothed RTT in microseconds; false before the first sample. */
bool probe_srtt_us(const struct probe *p, uint32_t *srtt, uint32_t *rttvar);

/* Over the window: probes resolved (answered or timed out) and lost. */
void probe_loss(const struct probe *p, uint64_t now, unsigned int *lost,
		unsigned int *resolved);

/* Probes unanswered past their RTO in a row, the newest resolved first. */
unsigned int probe_unanswered(const struct probe *p, uint64_t now);

/* K unanswered in a row, or nothing heard for T. */
bool probe_dead(const struct probe *p, uint64_t now);

/* The link's cost (see the top of this file): 1..PROBE_COST_MAX or INF. */
uint16_t probe_cost(const struct probe *p, uint64_t now);

/*
 * Is cost now different enough from cost was (the one the rib has) to
 * be given to the rib? True when either is INF and they differ, or they
 * differ by at least 1/16 of was and 0.5 ms. Smaller changes are below
 * the route selection's margin and would only cost work.
 */
bool probe_cost_changed(uint16_t was, uint16_t now);

#endif /* AGENT_ROUTE_PROBE_H */
