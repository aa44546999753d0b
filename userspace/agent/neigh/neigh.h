/* SPDX-License-Identifier: MIT */
/*
 * Overlay neighbour selection (issue 19, "who keeps sessions with whom"):
 * which members a node keeps a standing session with, so that no node
 * needs a session with every member of a large mesh while gossip and
 * routing still reach every member in a few hops. Pure: the caller passes
 * the candidates in and gets a verdict per candidate; the session layer
 * opens and closes sessions to match (on-demand sessions for traffic are
 * not decided here).
 *
 * Kademlia's buckets over node ids. Bucket b of a node holds the members
 * whose id shares exactly b leading bits with its own: half the mesh falls
 * in bucket 0, a quarter in bucket 1, and so on, so about log2(N) buckets
 * are not empty. Taking a few neighbours from every bucket gives each node
 * many links near it in id space and a few far away, which keeps the
 * overlay connected with a diameter of O(log N) whatever N is, with
 * O(log N) sessions per node instead of N - 1.
 *
 * The rules, in order:
 *  1. Static peers are always neighbours (the operator asked for them);
 *     they count toward their bucket's k but are kept past max.
 *  2. Only members we can reach directly are candidates (an endpoint to
 *     send to); a member behind a NAT that we cannot reach is reached
 *     through the routes instead.
 *  3. Within a bucket, Kademlia's preference for the long-lived: a current
 *     neighbour first (a live session is not dropped for a newcomer: no
 *     churn when members join), then the one up longest, then the lower
 *     RTT, then the smaller XOR distance (a deterministic tie-break, so
 *     that both ends tend to pick each other).
 *  4. Up to k per bucket, taken round by round (every bucket's best, then
 *     every bucket's second, ...), nearest bucket first within a round,
 *     until max neighbours are chosen: when the bound bites, every bucket
 *     still has one before any has two.
 */
#ifndef AEGIS_NEIGH_H
#define AEGIS_NEIGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NEIGH_ID_LEN 32
#define NEIGH_BUCKETS (NEIGH_ID_LEN * 8)

/* Defaults; config keys come with the agent's integration. */
#define NEIGH_DEFAULT_K 2
#define NEIGH_DEFAULT_MAX 16

struct neigh_cand {
	uint8_t id[NEIGH_ID_LEN];
	bool is_static;		/* a static peer of ours */
	bool reachable;		/* we have an endpoint to send to */
	bool is_neighbour;	/* a neighbour now (session up) */
	uint64_t up_since_ms;	/* when that session came up (monotonic) */
	uint32_t rtt_us;	/* smoothed RTT, 0 if unknown */
};

enum neigh_verdict {
	NEIGH_NO = 0,		/* not a neighbour */
	NEIGH_STATIC,		/* a static peer */
	NEIGH_BUCKET,		/* chosen from its bucket */
};

struct neigh_conf {
	unsigned int k;		/* neighbours per bucket, >= 1 */
	unsigned int max;	/* bound on all but static peers' excess */
};

/* Common leading bits of @a and @b: 0..NEIGH_BUCKETS (equal ids). */
unsigned int neigh_bucket(const uint8_t *a, const uint8_t *b);

/* -1, 0 or 1 as (@a XOR @self) is below, equal to or above (@b XOR @self). */
int neigh_xor_cmp(const uint8_t *self, const uint8_t *a, const uint8_t *b);

/*
 * Decide every candidate: @verdict[i] for @cand[i]. A candidate with our
 * own id is never chosen. Returns the number of neighbours chosen, or -1
 * if @n is too big for the scratch space (more than NEIGH_MAX_CANDIDATES)
 * or @conf is invalid, or if memory for the sort runs out.
 */
#define NEIGH_MAX_CANDIDATES 65536
int neigh_select(const uint8_t *self, const struct neigh_cand *cand, size_t n,
		 const struct neigh_conf *conf, enum neigh_verdict *verdict);

#endif
