// SPDX-License-Identifier: MIT
/*
 * Unit tests: the peer table (userspace/agent/peer/peer.c). It must hold
 * 10,000 peers with lookups whose cost does not grow with the count: the
 * table counts the chain steps its lookups take, and the tests compare
 * that per lookup at 100 and at 10,000 peers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/rand.h>

#include "peer/peer.h"

#define MANY	10000

static void nop(struct timer *t, uint64_t now)
{
	(void)t, (void)now;
}

static const timer_fn fns[6] = { nop, nop, nop, nop, nop, nop };

struct fixture {
	struct timer_heap th;
	struct peer_table t;
	struct peer **p;
	uint8_t (*ids)[AEGIS_NODE_ID_LEN];
	uint64_t *idx;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	timer_heap_init(&f->th);
	f->p = calloc(MANY, sizeof(*f->p));
	f->ids = calloc(MANY, sizeof(*f->ids));
	f->idx = calloc(MANY, sizeof(*f->idx));
	if (!f->p || !f->ids || !f->idx ||
	    peer_table_init(&f->t, MANY, &f->th))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	peer_table_free(&f->t);
	timer_heap_free(&f->th);
	free(f->p);
	free(f->ids);
	free(f->idx);
	free(f);
	return 0;
}

/* Add peers [from, to) with random ids and indices. */
static void fill(struct fixture *f, unsigned int from, unsigned int to)
{
	unsigned int i;

	for (i = from; i < to; i++) {
		f->p[i] = peer_alloc(&f->t, NULL, fns);
		assert_non_null(f->p[i]);
		assert_int_equal(RAND_bytes(f->ids[i], AEGIS_NODE_ID_LEN), 1);
		assert_int_equal(RAND_bytes((unsigned char *)&f->idx[i],
					    sizeof(f->idx[i])), 1);
		f->idx[i] |= 1;
		assert_int_equal(peer_set_id(&f->t, f->p[i], f->ids[i]), 0);
		assert_int_equal(peer_set_pending_index(&f->t, f->p[i],
							f->idx[i]), 0);
	}
}

/* Chain steps per successful lookup of every peer in [0, n), by id and
 * by index. */
static double probes_per_lookup(struct fixture *f, unsigned int n)
{
	uint64_t before = f->t.probes;
	unsigned int i;

	for (i = 0; i < n; i++) {
		assert_ptr_equal(peer_find_id(&f->t, f->ids[i]), f->p[i]);
		assert_ptr_equal(peer_find_pending_index(&f->t, f->idx[i]),
				 f->p[i]);
	}
	return (double)(f->t.probes - before) / (2.0 * n);
}

static void test_ten_thousand(void **state)
{
	struct fixture *f = *state;
	double small, big;
	uint8_t none[AEGIS_NODE_ID_LEN] = { 0 };

	fill(f, 0, 100);
	small = probes_per_lookup(f, 100);
	fill(f, 100, MANY);
	assert_int_equal(f->t.count, MANY);
	big = probes_per_lookup(f, MANY);
	print_message("chain steps per lookup: %.3f at 100 peers, %.3f at %u\n",
		      small, big, MANY);
	/* A hash table that doubles keeps chains about 1.5 links long. */
	assert_true(small < 2.0);
	assert_true(big < 2.0);
	assert_true(big < small * 1.5 + 0.5);
	assert_null(peer_find_id(&f->t, none));
	assert_null(peer_find_pending_index(&f->t, 12345));
	/* The limit holds: a 10,001st peer is refused. */
	assert_null(peer_alloc(&f->t, NULL, fns));
}

static void test_remove_and_reindex(void **state)
{
	struct fixture *f = *state;
	unsigned int i;

	fill(f, 0, 1000);
	for (i = 0; i < 1000; i += 2) {
		peer_free(&f->t, f->p[i]);
		f->p[i] = NULL;
	}
	assert_int_equal(f->t.count, 500);
	for (i = 0; i < 1000; i++) {
		if (i % 2 == 0) {
			assert_null(peer_find_id(&f->t, f->ids[i]));
			assert_null(peer_find_pending_index(&f->t, f->idx[i]));
			continue;
		}
		assert_ptr_equal(peer_find_id(&f->t, f->ids[i]), f->p[i]);
		/* A new index replaces the old one. */
		assert_int_equal(peer_set_pending_index(&f->t, f->p[i],
							f->idx[i] + 2), 0);
		assert_null(peer_find_pending_index(&f->t, f->idx[i]));
		assert_ptr_equal(peer_find_pending_index(&f->t, f->idx[i] + 2),
				 f->p[i]);
		assert_int_equal(peer_set_pending_index(&f->t, f->p[i], 0), 0);
		assert_null(peer_find_pending_index(&f->t, f->idx[i] + 2));
	}
	/* An id belongs to one peer. */
	assert_int_equal(peer_set_id(&f->t, f->p[1], f->ids[3]), -EEXIST);
}

/* Mesh channel keys are found by the rx index of either generation; a
 * swap of the two slots and a wipe follow at once; a freed peer is gone. */
static void test_chan_index(void **state)
{
	struct fixture *f = *state;
	struct chan_keys *k, t;
	unsigned int i;

	fill(f, 0, 200);
	for (i = 0; i < 200; i++) {
		struct peer *p = f->p[i];

		p->chan[PEER_CHAN_CUR].valid = true;
		p->chan[PEER_CHAN_CUR].rx_index = 1000 + i;
		p->chan[PEER_CHAN_ALT].valid = i % 2;
		p->chan[PEER_CHAN_ALT].rx_index = 5000 + i;
		peer_index_chans(&f->t, p);
	}
	for (i = 0; i < 200; i++) {
		assert_ptr_equal(peer_find_chan(&f->t, 1000 + i, &k), f->p[i]);
		assert_ptr_equal(k, &f->p[i]->chan[PEER_CHAN_CUR]);
		if (i % 2) {
			assert_ptr_equal(peer_find_chan(&f->t, 5000 + i, &k),
					 f->p[i]);
			assert_ptr_equal(k, &f->p[i]->chan[PEER_CHAN_ALT]);
		} else {
			assert_null(peer_find_chan(&f->t, 5000 + i, &k));
			assert_null(k);
		}
	}
	/* Swap the slots of peer 1: the indices follow the keys. */
	t = f->p[1]->chan[0];
	f->p[1]->chan[0] = f->p[1]->chan[1];
	f->p[1]->chan[1] = t;
	peer_index_chans(&f->t, f->p[1]);
	assert_ptr_equal(peer_find_chan(&f->t, 5001, &k), f->p[1]);
	assert_ptr_equal(k, &f->p[1]->chan[PEER_CHAN_CUR]);
	assert_ptr_equal(peer_find_chan(&f->t, 1001, &k), f->p[1]);
	assert_ptr_equal(k, &f->p[1]->chan[PEER_CHAN_ALT]);
	/* Wiped: not found; freed: not found. */
	f->p[3]->chan[PEER_CHAN_ALT].valid = false;
	peer_index_chans(&f->t, f->p[3]);
	assert_null(peer_find_chan(&f->t, 5003, &k));
	peer_free(&f->t, f->p[5]);
	assert_null(peer_find_chan(&f->t, 1005, &k));
	assert_null(peer_find_chan(&f->t, 5005, &k));
	assert_ptr_equal(peer_find_chan(&f->t, 1007, &k), f->p[7]);
}

static void test_iterate_and_static(void **state)
{
	struct fixture *f = *state;
	unsigned int n = 0;
	struct peer *p;

	fill(f, 0, 50);
	for (p = peer_first(&f->t); p; p = peer_next(p))
		n++;
	assert_int_equal(n, 50);
	peer_set_static(&f->t, f->p[7], 3);
	assert_ptr_equal(peer_find_static(&f->t, 3), f->p[7]);
	peer_set_static(&f->t, f->p[7], 5);
	assert_null(peer_find_static(&f->t, 3));
	assert_ptr_equal(peer_find_static(&f->t, 5), f->p[7]);
	peer_free(&f->t, f->p[7]);
	assert_null(peer_find_static(&f->t, 5));
}

/* Timers a peer owns are cancelled when it goes. */
static void test_free_cancels_timers(void **state)
{
	struct fixture *f = *state;

	fill(f, 0, 2);
	assert_int_equal(timer_arm(&f->th, &f->p[0]->t_retry, 10), 0);
	assert_int_equal(timer_arm(&f->th, &f->p[0]->t_grace, 20), 0);
	assert_int_equal(timer_arm(&f->th, &f->p[1]->t_rekey, 30), 0);
	assert_int_equal(timer_count(&f->th), 3);
	peer_free(&f->t, f->p[0]);
	assert_int_equal(timer_count(&f->th), 1);
	peer_schedule_retry(&f->t, f->p[1], 1000);
	assert_true(timer_armed(&f->p[1]->t_retry));
	assert_true(f->p[1]->t_retry.deadline >= 1000 + RETRY_BASE_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ten_thousand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_and_reindex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chan_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iterate_and_static, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_cancels_timers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
