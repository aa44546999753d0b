// SPDX-License-Identifier: MIT
/* Overlay neighbour selection by XOR buckets: see neigh.h. */
#include "neigh/neigh.h"

#include <stdlib.h>
#include <string.h>

unsigned int neigh_bucket(const uint8_t *a, const uint8_t *b)
{
	unsigned int i;

	for (i = 0; i < NEIGH_ID_LEN; i++) {
		uint8_t x = a[i] ^ b[i];

		if (x)
			return i * 8 + (unsigned int)__builtin_clz(x) - 24;
	}
	return NEIGH_BUCKETS;
}

int neigh_xor_cmp(const uint8_t *self, const uint8_t *a, const uint8_t *b)
{
	unsigned int i;

	for (i = 0; i < NEIGH_ID_LEN; i++) {
		uint8_t da = a[i] ^ self[i], db = b[i] ^ self[i];

		if (da != db)
			return da < db ? -1 : 1;
	}
	return 0;
}

struct neigh_sort {
	const uint8_t *self;
	const struct neigh_cand *cand;
	const unsigned int *bucket;
};

/* Nearest bucket first; within one, the preference of rule 3. */
static int neigh_order(const void *pa, const void *pb, void *arg)
{
	const struct neigh_sort *s = arg;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const struct neigh_cand *a = &s->cand[ia], *b = &s->cand[ib];

	if (s->bucket[ia] != s->bucket[ib])
		return s->bucket[ia] > s->bucket[ib] ? -1 : 1;
	if (a->is_neighbour != b->is_neighbour)
		return a->is_neighbour ? -1 : 1;
	if (a->is_neighbour && a->up_since_ms != b->up_since_ms)
		return a->up_since_ms < b->up_since_ms ? -1 : 1;
	/* An unknown RTT (0) ranks after every measured one. */
	if (a->rtt_us != b->rtt_us) {
		if (!a->rtt_us || !b->rtt_us)
			return a->rtt_us ? -1 : 1;
		return a->rtt_us < b->rtt_us ? -1 : 1;
	}
	return neigh_xor_cmp(s->self, a->id, b->id);
}

int neigh_select(const uint8_t *self, const struct neigh_cand *cand, size_t n,
		 const struct neigh_conf *conf, enum neigh_verdict *verdict)
{
	unsigned int per_bucket[NEIGH_BUCKETS + 1] = { 0 };
	struct neigh_sort s = { .self = self, .cand = cand };
	size_t *order = NULL, count = 0, i, start, end;
	unsigned int *bucket = NULL, round;
	int chosen = 0;

	if (!conf || !conf->k || n > NEIGH_MAX_CANDIDATES)
		return -1;
	bucket = calloc(n ? n : 1, sizeof(*bucket));
	order = calloc(n ? n : 1, sizeof(*order));
	if (!bucket || !order) {
		free(bucket);
		free(order);
		return -1;
	}

	/* Rules 1 and 2: static peers in, the unreachable and ourselves out. */
	for (i = 0; i < n; i++) {
		bucket[i] = neigh_bucket(self, cand[i].id);
		verdict[i] = NEIGH_NO;
		if (bucket[i] == NEIGH_BUCKETS)
			continue;
		if (cand[i].is_static) {
			verdict[i] = NEIGH_STATIC;
			per_bucket[bucket[i]]++;
			chosen++;
		} else if (cand[i].reachable) {
			order[count++] = i;
		}
	}

	/* Rule 3: each bucket's candidates in order of preference. */
	s.bucket = bucket;
	qsort_r(order, count, sizeof(*order), neigh_order, &s);

	/*
	 * Rule 4: round r takes the r-th choice of every bucket that still
	 * has room, nearest bucket first, until max. Static peers filled
	 * their buckets' first places already.
	 */
	for (round = 1; round <= conf->k; round++) {
		for (start = 0; start < count; start = end) {
			unsigned int b = bucket[order[start]];

			for (end = start; end < count && bucket[order[end]] == b; end++)
				;
			if (per_bucket[b] >= round)
				continue;
			/* The best of this bucket not taken yet. */
			for (i = start; i < end; i++) {
				if (verdict[order[i]] == NEIGH_NO)
					break;
			}
			if (i == end)
				continue;
			if ((unsigned int)chosen >= conf->max)
				goto out;
			verdict[order[i]] = NEIGH_BUCKET;
			per_bucket[b]++;
			chosen++;
		}
	}
out:
	free(bucket);
	free(order);
	return chosen;
}
