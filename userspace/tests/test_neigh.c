// SPDX-License-Identifier: MIT
/*
 * Unit tests: userspace/agent/neigh/neigh.c, overlay neighbour selection.
 *
 * Rules one by one on small hand-made sets (static peers, reachability,
 * the bucket arithmetic, the preference for live sessions, the bound
 * spreading over buckets), then the property the selection is for: in a
 * mesh of 1,000 members where every member picks its neighbours from all
 * others, the resulting session graph is connected with a small diameter
 * while no member holds more than its bound of sessions it chose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "neigh/neigh.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const uint8_t zero_id[NEIGH_ID_LEN];

/* An id equal to zero_id except that bit @bit (0 = most significant) is set,
 * and bit @bit2 too if it is above @bit (a second member of that bucket).
 */
static void id_bit(uint8_t *id, unsigned int bit, int bit2)
{
	memset(id, 0, NEIGH_ID_LEN);
	id[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	if (bit2 > (int)bit)
		id[bit2 / 8] |= (uint8_t)(0x80 >> (bit2 % 8));
}

static void test_bucket(void **state)
{
	uint8_t a[NEIGH_ID_LEN], b[NEIGH_ID_LEN];

	(void)state;
	assert_int_equal(neigh_bucket(zero_id, zero_id), NEIGH_BUCKETS);
	id_bit(a, 0, -1);
	assert_int_equal(neigh_bucket(zero_id, a), 0);
	id_bit(a, 11, -1);
	assert_int_equal(neigh_bucket(zero_id, a), 11);
	id_bit(a, 255, -1);
	assert_int_equal(neigh_bucket(zero_id, a), 255);
	/* Symmetric, and only the first differing bit counts. */
	id_bit(a, 7, 200);
	id_bit(b, 7, -1);
	assert_int_equal(neigh_bucket(a, zero_id), 7);
	assert_int_equal(neigh_bucket(a, b), 200);
	/* XOR order: b is nearer to zero than a (a has one more bit set). */
	assert_int_equal(neigh_xor_cmp(zero_id, b, a), -1);
	assert_int_equal(neigh_xor_cmp(zero_id, a, b), 1);
	assert_int_equal(neigh_xor_cmp(zero_id, a, a), 0);
}

static void test_invalid(void **state)
{
	struct neigh_conf conf = { .k = 0, .max = 4 };
	struct neigh_cand c = { .reachable = true };
	enum neigh_verdict v;

	(void)state;
	c.id[0] = 1;
	assert_int_equal(neigh_select(zero_id, &c, 1, &conf, &v), -1);
	assert_int_equal(neigh_select(zero_id, &c, 1, NULL, &v), -1);
	conf.k = 1;
	assert_int_equal(neigh_select(zero_id, &c, NEIGH_MAX_CANDIDATES + 1,
				      &conf, &v), -1);
	assert_int_equal(neigh_select(zero_id, NULL, 0, &conf, NULL), 0);
}

/* Up to k per bucket, nearest buckets first, static peers first. */
static void test_per_bucket(void **state)
{
	struct neigh_cand c[9] = { 0 };
	enum neigh_verdict v[9];
	struct neigh_conf conf = { .k = 2, .max = 100 };
	size_t i;

	(void)state;
	/* Bucket 3: four members (bits 3+10, 3+11, 3+12, 3+13). */
	for (i = 0; i < 4; i++) {
		id_bit(c[i].id, 3, 10 + (int)i);
		c[i].reachable = true;
		c[i].rtt_us = 1000 * (uint32_t)(4 - i); /* the last is fastest */
	}
	/* Bucket 0: two members, one static, one unreachable. */
	id_bit(c[4].id, 0, 20);
	c[4].is_static = true;
	id_bit(c[5].id, 0, 21);
	/* Bucket 100: one reachable member with no RTT yet. */
	id_bit(c[6].id, 100, -1);
	c[6].reachable = true;
	/* Ourselves (a record of our own may be in the table). */
	c[7].reachable = true;
	/* Bucket 0 again, reachable: fills its second place. */
	id_bit(c[8].id, 0, 22);
	c[8].reachable = true;

	assert_int_equal(neigh_select(zero_id, c, 9, &conf, v), 5);
	/* Bucket 3: the two lowest RTTs. */
	assert_int_equal(v[0], NEIGH_NO);
	assert_int_equal(v[1], NEIGH_NO);
	assert_int_equal(v[2], NEIGH_BUCKET);
	assert_int_equal(v[3], NEIGH_BUCKET);
	assert_int_equal(v[4], NEIGH_STATIC);
	assert_int_equal(v[5], NEIGH_NO);	/* unreachable */
	assert_int_equal(v[6], NEIGH_BUCKET);	/* alone in its bucket */
	assert_int_equal(v[7], NEIGH_NO);	/* ourselves */
	assert_int_equal(v[8], NEIGH_BUCKET);	/* with the static peer */

	/* k = 1: the static peer takes bucket 0's only place. */
	conf.k = 1;
	assert_int_equal(neigh_select(zero_id, c, 9, &conf, v), 3);
	assert_int_equal(v[3], NEIGH_BUCKET);
	assert_int_equal(v[2], NEIGH_NO);
	assert_int_equal(v[4], NEIGH_STATIC);
	assert_int_equal(v[8], NEIGH_NO);
}

/* A live session is kept for a newcomer with a better RTT; among live
 * ones the older wins.
 */
static void test_stability(void **state)
{
	struct neigh_cand c[3] = { 0 };
	enum neigh_verdict v[3];
	struct neigh_conf conf = { .k = 1, .max = 16 };

	(void)state;
	id_bit(c[0].id, 5, 30);
	c[0].reachable = true;
	c[0].is_neighbour = true;
	c[0].up_since_ms = 5000;
	c[0].rtt_us = 90000;
	id_bit(c[1].id, 5, 31);
	c[1].reachable = true;
	c[1].rtt_us = 1000;
	id_bit(c[2].id, 5, 32);
	c[2].reachable = true;
	c[2].is_neighbour = true;
	c[2].up_since_ms = 4000;
	c[2].rtt_us = 95000;
	assert_int_equal(neigh_select(zero_id, c, 3, &conf, v), 1);
	assert_int_equal(v[2], NEIGH_BUCKET);
	/* Once the older session goes, the other live one stays. */
	c[2].reachable = false;
	assert_int_equal(neigh_select(zero_id, c, 3, &conf, v), 1);
	assert_int_equal(v[0], NEIGH_BUCKET);
	assert_int_equal(v[1], NEIGH_NO);
	/* Equal in everything else: the nearer id (XOR) wins; c[1] differs
	 * from ours at bit 31, c[0] already at bit 30.
	 */
	c[0].is_neighbour = false;
	c[1].rtt_us = 90000;
	assert_int_equal(neigh_select(zero_id, c, 3, &conf, v), 1);
	assert_int_equal(v[1], NEIGH_BUCKET);
}

/* The bound spreads over buckets: each gets one before any gets two;
 * static peers stay past it.
 */
static void test_bound(void **state)
{
	struct neigh_cand c[40] = { 0 };
	enum neigh_verdict v[40];
	struct neigh_conf conf = { .k = 3, .max = 10 };
	unsigned int per[NEIGH_BUCKETS + 1] = { 0 };
	size_t i;

	(void)state;
	/* Buckets 0..9, four members each. */
	for (i = 0; i < 40; i++) {
		id_bit(c[i].id, (unsigned int)(i / 4), 50 + (int)(i % 4));
		c[i].reachable = true;
	}
	assert_int_equal(neigh_select(zero_id, c, 40, &conf, v), 10);
	for (i = 0; i < 40; i++) {
		if (v[i] != NEIGH_NO)
			per[neigh_bucket(zero_id, c[i].id)]++;
	}
	for (i = 0; i < 10; i++)
		assert_int_equal(per[i], 1);

	/* max 13: the three nearest buckets (9, 8, 7) get a second. */
	conf.max = 13;
	memset(per, 0, sizeof(per));
	assert_int_equal(neigh_select(zero_id, c, 40, &conf, v), 13);
	for (i = 0; i < 40; i++) {
		if (v[i] != NEIGH_NO)
			per[neigh_bucket(zero_id, c[i].id)]++;
	}
	for (i = 0; i < 10; i++)
		assert_int_equal(per[i], i >= 7 ? 2 : 1);

	/* Twelve static peers and max 10: all twelve, nothing else. */
	conf.max = 10;
	for (i = 0; i < 12; i++)
		c[i].is_static = true;
	assert_int_equal(neigh_select(zero_id, c, 40, &conf, v), 12);
	for (i = 0; i < 40; i++)
		assert_int_equal(v[i], i < 12 ? NEIGH_STATIC : NEIGH_NO);
}

/* ---- the property: a connected overlay with a small diameter ---- */

#define MESH_N 1000

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_mesh_graph(void **state)
{
	static struct neigh_cand cand[MESH_N];
	static enum neigh_verdict v[MESH_N];
	static uint8_t ids[MESH_N][NEIGH_ID_LEN];
	static uint8_t adj[MESH_N][MESH_N];
	static int dist[MESH_N], queue[MESH_N];
	struct neigh_conf conf = { .k = NEIGH_DEFAULT_K, .max = NEIGH_DEFAULT_MAX };
	unsigned int max_deg = 0, max_chosen = 0, diameter = 0;
	size_t a, b, j;

	(void)state;
	for (a = 0; a < MESH_N; a++) {
		for (j = 0; j < NEIGH_ID_LEN; j += 8) {
			uint64_t r = rng();

			memcpy(&ids[a][j], &r, 8);
		}
	}
	for (a = 0; a < MESH_N; a++) {
		int n;

		for (b = 0; b < MESH_N; b++) {
			memset(&cand[b], 0, sizeof(cand[b]));
			memcpy(cand[b].id, ids[b], NEIGH_ID_LEN);
			cand[b].reachable = true;
			cand[b].rtt_us = 1000 + (uint32_t)(rng() % 50000);
		}
		n = neigh_select(ids[a], cand, MESH_N, &conf, v);
		assert_true(n > 0 && (unsigned int)n <= conf.max);
		if ((unsigned int)n > max_chosen)
			max_chosen = (unsigned int)n;
		assert_int_equal(v[a], NEIGH_NO);
		for (b = 0; b < MESH_N; b++) {
			if (v[b] != NEIGH_NO)
				adj[a][b] = adj[b][a] = 1;
		}
	}
	/* Sessions per node (chosen both ways) stay small. */
	for (a = 0; a < MESH_N; a++) {
		unsigned int deg = 0;

		for (b = 0; b < MESH_N; b++)
			deg += adj[a][b];
		if (deg > max_deg)
			max_deg = deg;
	}
	/* Connected, and every member within a few hops of every other. */
	for (a = 0; a < MESH_N; a++) {
		int head = 0, tail = 0;

		for (b = 0; b < MESH_N; b++)
			dist[b] = -1;
		dist[a] = 0;
		queue[tail++] = (int)a;
		while (head < tail) {
			int u = queue[head++];

			for (b = 0; b < MESH_N; b++) {
				if (adj[u][b] && dist[b] < 0) {
					dist[b] = dist[u] + 1;
					queue[tail++] = (int)b;
				}
			}
		}
		assert_int_equal(tail, MESH_N);
		for (b = 0; b < MESH_N; b++) {
			if ((unsigned int)dist[b] > diameter)
				diameter = (unsigned int)dist[b];
		}
	}
	printf("[ neigh ] %d members, k %u, max %u: at most %u chosen, at most %u sessions, diameter %u\n",
	       MESH_N, conf.k, conf.max, max_chosen, max_deg, diameter);
	assert_true(diameter <= 6);
	assert_true(max_deg < 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_per_bucket),
		cmocka_unit_test(test_stability),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_mesh_graph),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
