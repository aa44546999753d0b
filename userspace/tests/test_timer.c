// SPDX-License-Identifier: MIT
/* Unit tests: userspace/agent/core/timer.c */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/timer.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A timer that records its firing in a log and then, optionally, cancels
 * one timer and arms another (itself included).
 */
struct rec {
	struct timer t;
	int id;
	unsigned int fired;
	uint64_t fired_at;
	struct timer_heap *h;
	struct rec *cancel;
	struct rec *arm;
	uint64_t arm_at;
};

static int fire_log[2048];
static unsigned int nlog;

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: fixed seed, so a failure is reproducible. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static bool key_before(const struct timer *a, const struct timer *b)
{
	return a->deadline < b->deadline ||
	       (a->deadline == b->deadline && a->seq < b->seq);
}

/* Every slot matches its index and no child sorts before its parent. */
static void check_heap(const struct timer_heap *h)
{
	unsigned int i;

	assert_true(h->n <= h->cap);
	for (i = 0; i < h->n; i++) {
		assert_non_null(h->v[i]);
		assert_int_equal(h->v[i]->slot, i + 1);
		if (i > 0)
			assert_false(key_before(h->v[i], h->v[(i - 1) / 2]));
	}
}

static void rec_fn(struct timer *t, uint64_t now)
{
	struct rec *r = container_of(t, struct rec, t);

	assert_false(timer_armed(t));
	assert_true(t->deadline <= now);
	r->fired++;
	r->fired_at = now;
	assert_true(nlog < ARRAY_SIZE(fire_log));
	fire_log[nlog++] = r->id;
	if (r->cancel)
		timer_cancel(r->h, &r->cancel->t);
	if (r->arm)
		assert_int_equal(timer_arm(r->h, &r->arm->t, r->arm_at), 0);
}

static void rec_init(struct rec *r, struct timer_heap *h, int id)
{
	memset(r, 0, sizeof(*r));
	timer_init(&r->t, rec_fn);
	r->id = id;
	r->h = h;
}

/* r's callback arms target for at (NULL: arms nothing). */
static void arm_on_fire(struct rec *r, struct rec *target, uint64_t at)
{
	r->arm = target;
	r->arm_at = at;
}

static void arm(struct timer_heap *h, struct rec *r, uint64_t deadline)
{
	assert_int_equal(timer_arm(h, &r->t, deadline), 0);
	assert_true(timer_armed(&r->t));
	assert_int_equal(r->t.deadline, deadline);
}

static void expect_log(const int *want, unsigned int n)
{
	unsigned int i;

	assert_int_equal(nlog, n);
	for (i = 0; i < n; i++)
		assert_int_equal(fire_log[i], want[i]);
	nlog = 0;
}

static int setup(void **state)
{
	(void)state;
	nlog = 0;
	rng_state = 0x9e3779b97f4a7c15ULL;
	return 0;
}

/* Random deadlines, many of them equal: deadline order, FIFO on ties. */
static void test_order_random(void **state)
{
	enum { N = 1000 };
	struct timer_heap h;
	struct rec *r = calloc(N, sizeof(*r));
	unsigned int i;

	(void)state;
	assert_non_null(r);
	timer_heap_init(&h);
	for (i = 0; i < N; i++) {
		rec_init(&r[i], &h, (int)i);
		arm(&h, &r[i], rnd() % 100);
	}
	check_heap(&h);
	assert_int_equal(timer_count(&h), N);
	assert_int_equal(timer_run(&h, 1000), N);
	assert_int_equal(timer_count(&h), 0);
	assert_int_equal(nlog, N);
	for (i = 1; i < N; i++) {
		const struct rec *a = &r[fire_log[i - 1]];
		const struct rec *b = &r[fire_log[i]];

		assert_true(a->t.deadline <= b->t.deadline);
		/* Armed in id order, so equal deadlines fire in id order. */
		if (a->t.deadline == b->t.deadline)
			assert_true(a->id < b->id);
	}
	for (i = 0; i < N; i++)
		assert_int_equal(r[i].fired, 1);
	timer_heap_free(&h);
	free(r);
}

static void test_order_fifo(void **state)
{
	static const int arm_order[] = { 3, 1, 4, 0, 2 };
	static const int want[] = { 3, 4, 0, 2, 1 };
	struct timer_heap h;
	struct rec r[5];
	unsigned int i;

	(void)state;
	timer_heap_init(&h);
	for (i = 0; i < ARRAY_SIZE(r); i++)
		rec_init(&r[i], &h, (int)i);
	for (i = 0; i < ARRAY_SIZE(arm_order); i++)
		arm(&h, &r[arm_order[i]], 7);
	/* Re-arming for the same deadline goes to the back of the line. */
	arm(&h, &r[1], 7);
	assert_int_equal(timer_count(&h), 5);
	check_heap(&h);
	assert_int_equal(timer_run(&h, 7), 5);
	expect_log(want, ARRAY_SIZE(want));
	timer_heap_free(&h);
}

/* Only what is due fires; a deadline equal to now is due. */
static void test_run_due_only(void **state)
{
	struct timer_heap h;
	struct rec r[3];
	unsigned int i;

	(void)state;
	timer_heap_init(&h);
	assert_int_equal(timer_run(&h, 100), 0);
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		rec_init(&r[i], &h, (int)i);
		arm(&h, &r[i], 10 * (i + 1));
	}
	assert_int_equal(timer_run(&h, 9), 0);
	assert_int_equal(timer_run(&h, 10), 1);
	assert_false(timer_armed(&r[0].t));
	assert_int_equal(r[0].fired_at, 10);
	assert_int_equal(timer_run(&h, 29), 1);
	assert_int_equal(timer_run(&h, 29), 0);
	assert_int_equal(timer_run(&h, 1000), 1);
	expect_log((const int[]){ 0, 1, 2 }, 3);
	assert_int_equal(timer_count(&h), 0);
	timer_heap_free(&h);
}

static void test_cancel(void **state)
{
	struct timer_heap h;
	struct rec r[8];
	unsigned int i;

	(void)state;
	timer_heap_init(&h);
	for (i = 0; i < ARRAY_SIZE(r); i++)
		rec_init(&r[i], &h, (int)i);

	/* Never armed, and an empty heap. */
	timer_cancel(&h, &r[0].t);
	assert_false(timer_armed(&r[0].t));
	assert_int_equal(timer_count(&h), 0);

	for (i = 0; i < ARRAY_SIZE(r); i++)
		arm(&h, &r[i], 100 - 10 * i);
	/* The top (r[7]), the last slot, and one in the middle. */
	timer_cancel(&h, &r[7].t);
	check_heap(&h);
	timer_cancel(&h, h.v[h.n - 1]);
	check_heap(&h);
	timer_cancel(&h, &r[3].t);
	check_heap(&h);
	assert_int_equal(timer_count(&h), 5);
	assert_false(timer_armed(&r[7].t));
	assert_false(timer_armed(&r[3].t));
	/* Twice is fine. */
	timer_cancel(&h, &r[3].t);
	assert_int_equal(timer_count(&h), 5);

	assert_int_equal(timer_run(&h, 1000), 5);
	assert_int_equal(r[7].fired, 0);
	assert_int_equal(r[3].fired, 0);
	for (i = 0; i < ARRAY_SIZE(r); i++)
		if (r[i].fired)
			assert_false(timer_armed(&r[i].t));
	/* Cancelling one that has fired is fine too. */
	timer_cancel(&h, &r[0].t);
	assert_int_equal(timer_count(&h), 0);
	nlog = 0;
	timer_heap_free(&h);
}

static void test_cancel_in_callback(void **state)
{
	struct timer_heap h;
	struct rec a, b, c, d, e;

	(void)state;
	timer_heap_init(&h);
	rec_init(&a, &h, 0);
	rec_init(&b, &h, 1);
	rec_init(&c, &h, 2);
	rec_init(&d, &h, 3);
	rec_init(&e, &h, 4);
	/* a cancels b, due in the same run; c cancels d, not due yet. */
	a.cancel = &b;
	c.cancel = &d;
	/* e cancels itself, already disarmed: nothing to do. */
	e.cancel = &e;
	arm(&h, &a, 1);
	arm(&h, &b, 2);
	arm(&h, &c, 3);
	arm(&h, &d, 50);
	arm(&h, &e, 4);
	assert_int_equal(timer_run(&h, 10), 3);
	expect_log((const int[]){ 0, 2, 4 }, 3);
	assert_false(timer_armed(&b.t));
	assert_false(timer_armed(&d.t));
	assert_int_equal(timer_count(&h), 0);
	assert_int_equal(timer_run(&h, 1000), 0);
	assert_int_equal(b.fired + d.fired, 0);
	timer_heap_free(&h);
}

static void test_rearm(void **state)
{
	struct timer_heap h;
	struct rec r[4];
	unsigned int i;

	(void)state;
	timer_heap_init(&h);
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		rec_init(&r[i], &h, (int)i);
		arm(&h, &r[i], 10 * (i + 1));
	}
	/* Earlier: r[3] from 40 to 5. Later: r[0] from 10 to 35. */
	arm(&h, &r[3], 5);
	check_heap(&h);
	assert_int_equal(timer_next(&h), 5);
	arm(&h, &r[0], 35);
	check_heap(&h);
	assert_int_equal(timer_count(&h), 4);
	assert_int_equal(timer_run(&h, 34), 3);
	expect_log((const int[]){ 3, 1, 2 }, 3);
	assert_int_equal(timer_next(&h), 35);
	/* Re-armed for the deadline it already has: still armed once. */
	arm(&h, &r[0], 35);
	assert_int_equal(timer_count(&h), 1);
	assert_int_equal(timer_run(&h, 35), 1);
	expect_log((const int[]){ 0 }, 1);
	/* Armed again after firing. */
	arm(&h, &r[0], 36);
	assert_int_equal(timer_run(&h, 36), 1);
	assert_int_equal(r[0].fired, 2);
	nlog = 0;
	timer_heap_free(&h);
}

/* A timer re-arming itself for now fires once per run, not forever. */
static void test_rearm_self_now(void **state)
{
	struct timer_heap h;
	struct rec a, b;

	(void)state;
	timer_heap_init(&h);
	rec_init(&a, &h, 0);
	rec_init(&b, &h, 1);
	arm_on_fire(&a, &a, 10);
	arm(&h, &a, 10);
	arm(&h, &b, 10);
	/* b was armed before the run: it still fires, after a. */
	assert_int_equal(timer_run(&h, 10), 2);
	expect_log((const int[]){ 0, 1 }, 2);
	assert_true(timer_armed(&a.t));
	assert_int_equal(timer_timeout(&h, 10), 0);
	assert_int_equal(timer_run(&h, 10), 1);
	assert_int_equal(timer_run(&h, 10), 1);
	expect_log((const int[]){ 0, 0 }, 2);
	/* Re-arming for a deadline behind now does not spin either. */
	arm_on_fire(&a, &a, 3);
	assert_int_equal(timer_run(&h, 10), 1);
	assert_int_equal(a.t.deadline, 3);
	assert_int_equal(timer_run(&h, 10), 1);
	arm_on_fire(&a, NULL, 0);
	assert_int_equal(timer_run(&h, 10), 1);
	assert_int_equal(timer_run(&h, 10), 0);
	assert_int_equal(a.fired, 6);
	assert_int_equal(b.fired, 1);
	assert_int_equal(timer_count(&h), 0);
	nlog = 0;
	timer_heap_free(&h);
}

/*
 * One callback re-arms or arms other timers during the run. Before the run:
 * a at 3, x at 5, b at 7, c at 9; the run is at 10.
 */
static void run_with_rearm(uint64_t x_at, const int *want, unsigned int nwant,
			   const int *want_next, unsigned int nnext)
{
	struct timer_heap h;
	struct rec a, x, b, c;

	timer_heap_init(&h);
	rec_init(&a, &h, 0);
	rec_init(&x, &h, 1);
	rec_init(&b, &h, 2);
	rec_init(&c, &h, 3);
	arm_on_fire(&a, &x, x_at);
	arm(&h, &a, 3);
	arm(&h, &x, 5);
	arm(&h, &b, 7);
	arm(&h, &c, 9);
	assert_int_equal(timer_run(&h, 10), nwant);
	expect_log(want, nwant);
	check_heap(&h);
	/* x was re-armed during the run, so it has not fired yet. */
	assert_int_equal(x.fired, 0);
	assert_true(timer_armed(&x.t));
	assert_int_equal(timer_run(&h, 10), nnext);
	expect_log(want_next, nnext);
	assert_int_equal(a.fired + b.fired + c.fired, 3);
	timer_heap_free(&h);
}

static void test_rearm_during_run(void **state)
{
	(void)state;
	/* Later, but not due: everything armed before the run fires. */
	run_with_rearm(12, (const int[]){ 0, 2, 3 }, 3, NULL, 0);
	/* For now: it sorts after every due timer armed before the run. */
	run_with_rearm(10, (const int[]){ 0, 2, 3 }, 3,
		       (const int[]){ 1 }, 1);
	/*
	 * Later than it was but before now (8): b, earlier than it, fires;
	 * c, after it, keeps deadline order and waits for the next run.
	 */
	run_with_rearm(8, (const int[]){ 0, 2 }, 2, (const int[]){ 1, 3 }, 2);
	/* Earlier than it was (4): the run stops at it. */
	run_with_rearm(4, (const int[]){ 0 }, 1, (const int[]){ 1, 2, 3 }, 3);
}

/* A timer armed (not re-armed) in a callback for now waits a run too. */
static void test_arm_in_callback(void **state)
{
	struct timer_heap h;
	struct rec a, n, z;

	(void)state;
	timer_heap_init(&h);
	rec_init(&a, &h, 0);
	rec_init(&n, &h, 1);
	rec_init(&z, &h, 2);
	arm_on_fire(&a, &n, 20);
	arm(&h, &a, 20);
	arm(&h, &z, 20);
	assert_int_equal(timer_run(&h, 20), 2);
	expect_log((const int[]){ 0, 2 }, 2);
	assert_int_equal(timer_count(&h), 1);
	assert_int_equal(timer_next(&h), 20);
	assert_int_equal(timer_run(&h, 20), 1);
	expect_log((const int[]){ 1 }, 1);
	timer_heap_free(&h);
}

static void test_timeout_next(void **state)
{
	struct timer_heap h;
	struct rec a, b;

	(void)state;
	timer_heap_init(&h);
	rec_init(&a, &h, 0);
	rec_init(&b, &h, 1);
	assert_int_equal(timer_next(&h), TIMER_NEVER);
	assert_int_equal(timer_timeout(&h, 0), -1);
	assert_int_equal(timer_timeout(&h, UINT64_MAX), -1);

	arm(&h, &a, 100);
	assert_int_equal(timer_next(&h), 100);
	assert_int_equal(timer_timeout(&h, 0), 100);
	assert_int_equal(timer_timeout(&h, 40), 60);
	assert_int_equal(timer_timeout(&h, 99), 1);
	assert_int_equal(timer_timeout(&h, 100), 0);
	assert_int_equal(timer_timeout(&h, 150), 0);
	arm(&h, &b, 70);
	assert_int_equal(timer_next(&h), 70);
	assert_int_equal(timer_timeout(&h, 40), 30);
	timer_cancel(&h, &b.t);
	assert_int_equal(timer_next(&h), 100);

	/* Capped at INT_MAX. */
	arm(&h, &a, 1000 + (uint64_t)INT_MAX - 1);
	assert_int_equal(timer_timeout(&h, 1000), INT_MAX - 1);
	arm(&h, &a, 1000 + (uint64_t)INT_MAX);
	assert_int_equal(timer_timeout(&h, 1000), INT_MAX);
	arm(&h, &a, 1000 + (uint64_t)INT_MAX + 1);
	assert_int_equal(timer_timeout(&h, 1000), INT_MAX);
	arm(&h, &a, UINT64_MAX - 1);
	assert_int_equal(timer_timeout(&h, 0), INT_MAX);
	assert_int_equal(timer_next(&h), UINT64_MAX - 1);

	timer_cancel(&h, &a.t);
	assert_int_equal(timer_next(&h), TIMER_NEVER);
	assert_int_equal(timer_timeout(&h, 5), -1);
	timer_heap_free(&h);
}

/* State for test_many's callback. */
static struct {
	uint64_t now, prev_now;
	uint64_t last_deadline, last_seq;
	bool any;
	unsigned int fired;
} many;

static void many_fn(struct timer *t, uint64_t now)
{
	struct rec *r = container_of(t, struct rec, t);

	assert_false(timer_armed(t));
	assert_int_equal(now, many.now);
	/* Due, and not late: it was not yet due at the previous run. */
	assert_true(t->deadline <= now);
	assert_true(!many.prev_now || t->deadline > many.prev_now);
	/* (deadline, seq) strictly increasing over the whole test. */
	if (many.any) {
		assert_true(t->deadline >= many.last_deadline);
		if (t->deadline == many.last_deadline)
			assert_true(t->seq > many.last_seq);
	}
	many.any = true;
	many.last_deadline = t->deadline;
	many.last_seq = t->seq;
	r->fired++;
	many.fired++;
}

static void test_many(void **state)
{
	enum { N = 100000, SPAN = 1000000 };
	struct timer_heap h;
	struct rec *r = calloc(N, sizeof(*r));
	unsigned int *perm = calloc(N, sizeof(*perm));
	unsigned char *want = calloc(N, 1);
	unsigned int i, runs = 0, live;

	(void)state;
	assert_non_null(r);
	assert_non_null(perm);
	assert_non_null(want);
	memset(&many, 0, sizeof(many));
	timer_heap_init(&h);
	for (i = 0; i < N; i++) {
		timer_init(&r[i].t, many_fn);
		r[i].id = (int)i;
		assert_int_equal(timer_arm(&h, &r[i].t, 1 + rnd() % SPAN), 0);
		perm[i] = i;
		want[i] = 1;
	}
	assert_int_equal(timer_count(&h), N);
	check_heap(&h);

	/* Fisher-Yates: the first third is cancelled, the second re-armed. */
	for (i = N - 1; i > 0; i--) {
		unsigned int j = (unsigned int)(rnd() % (i + 1));
		unsigned int tmp = perm[i];

		perm[i] = perm[j];
		perm[j] = tmp;
	}
	for (i = 0; i < N / 3; i++) {
		timer_cancel(&h, &r[perm[i]].t);
		assert_false(timer_armed(&r[perm[i]].t));
		want[perm[i]] = 0;
	}
	/* Cancelling some of them again changes nothing. */
	for (i = 0; i < N / 3; i += 7)
		timer_cancel(&h, &r[perm[i]].t);
	live = N - N / 3;
	assert_int_equal(timer_count(&h), live);
	check_heap(&h);
	for (i = N / 3; i < 2 * (N / 3); i++)
		assert_int_equal(timer_arm(&h, &r[perm[i]].t,
					   1 + rnd() % SPAN), 0);
	assert_int_equal(timer_count(&h), live);
	check_heap(&h);

	while (timer_count(&h)) {
		unsigned int before = many.fired, n;

		many.prev_now = many.now;
		many.now += 1 + rnd() % 2000;
		n = timer_run(&h, many.now);
		assert_int_equal(n, many.fired - before);
		assert_int_equal(timer_count(&h), live - many.fired);
		/* Everything due has fired. */
		assert_true(timer_next(&h) > many.now);
		if (++runs % 64 == 0)
			check_heap(&h);
	}
	check_heap(&h);
	assert_int_equal(many.fired, live);
	for (i = 0; i < N; i++) {
		assert_int_equal(r[i].fired, want[i]);
		assert_false(timer_armed(&r[i].t));
	}
	timer_heap_free(&h);
	free(want);
	free(perm);
	free(r);
}

/* The array doubles as needed, and nothing is lost on the way. */
static void test_growth(void **state)
{
	enum { N = 1000 };
	struct timer_heap h;
	struct rec *r = calloc(N, sizeof(*r));
	unsigned int i, first_cap, grows = 0, cap;

	(void)state;
	assert_non_null(r);
	timer_heap_init(&h);
	assert_int_equal(h.cap, 0);
	assert_null(h.v);
	rec_init(&r[0], &h, 0);
	arm(&h, &r[0], N);
	first_cap = cap = h.cap;
	assert_true(first_cap >= 1);
	for (i = 1; i < N; i++) {
		rec_init(&r[i], &h, (int)i);
		/* Falling deadlines: every insert climbs to the top. */
		arm(&h, &r[i], N - i);
		assert_int_equal(timer_count(&h), i + 1);
		if (h.cap != cap) {
			assert_int_equal(h.cap, 2 * cap);
			cap = h.cap;
			grows++;
		}
	}
	assert_true(timer_count(&h) > first_cap);
	assert_true(grows >= 1);
	check_heap(&h);
	assert_int_equal(timer_next(&h), 1);
	assert_int_equal(timer_run(&h, N), N);
	for (i = 0; i < N; i++)
		assert_int_equal(fire_log[i], N - 1 - (int)i);
	nlog = 0;
	/* The array is kept for reuse. */
	assert_int_equal(h.cap, cap);
	timer_heap_free(&h);
	free(r);
}

/* Out of room: -ENOMEM, and neither the timer nor the heap changes. */
static void test_arm_enomem(void **state)
{
	struct timer_heap h;
	struct rec a;

	(void)state;
	/* A heap that claims to be full at the largest size it can have. */
	timer_heap_init(&h);
	h.n = UINT_MAX;
	h.cap = UINT_MAX;
	h.seq = 42;
	rec_init(&a, &h, 0);
	a.t.deadline = 7;
	a.t.seq = 3;
	assert_int_equal(timer_arm(&h, &a.t, 100), -ENOMEM);
	assert_false(timer_armed(&a.t));
	assert_int_equal(a.t.deadline, 7);
	assert_int_equal(a.t.seq, 3);
	assert_int_equal(h.seq, 42);
	assert_int_equal(h.n, UINT_MAX);
	assert_null(h.v);
}

/* Freeing the heap disarms what is still armed; it can be used again. */
static void test_heap_free(void **state)
{
	struct timer_heap h;
	struct rec r[20];
	unsigned int i;

	(void)state;
	timer_heap_init(&h);
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		rec_init(&r[i], &h, (int)i);
		arm(&h, &r[i], i);
	}
	timer_heap_free(&h);
	assert_int_equal(timer_count(&h), 0);
	assert_null(h.v);
	for (i = 0; i < ARRAY_SIZE(r); i++)
		assert_false(timer_armed(&r[i].t));
	timer_cancel(&h, &r[0].t);
	arm(&h, &r[0], 1);
	assert_int_equal(timer_run(&h, 1), 1);
	expect_log((const int[]){ 0 }, 1);
	timer_heap_free(&h);
	/* An empty heap, twice. */
	timer_heap_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_order_random, setup),
		cmocka_unit_test_setup(test_order_fifo, setup),
		cmocka_unit_test_setup(test_run_due_only, setup),
		cmocka_unit_test_setup(test_cancel, setup),
		cmocka_unit_test_setup(test_cancel_in_callback, setup),
		cmocka_unit_test_setup(test_rearm, setup),
		cmocka_unit_test_setup(test_rearm_self_now, setup),
		cmocka_unit_test_setup(test_rearm_during_run, setup),
		cmocka_unit_test_setup(test_arm_in_callback, setup),
		cmocka_unit_test_setup(test_timeout_next, setup),
		cmocka_unit_test_setup(test_many, setup),
		cmocka_unit_test_setup(test_growth, setup),
		cmocka_unit_test_setup(test_arm_enomem, setup),
		cmocka_unit_test_setup(test_heap_free, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
