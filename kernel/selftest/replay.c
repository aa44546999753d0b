// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Selftest of the replay window and packet number recovery (kernel/replay.c):
 *   1. fixed sequences: counter 0 first, in order, out of order, duplicates,
 *      the window's edge, ring wrap around multiples of the window, large
 *      jumps, the reject-after limit, aegis_replay_max();
 *   2. random sequences checked against a naive model (a plain bitmap of
 *      every counter ever accepted);
 *   3. two threads racing over the same counters: each accepted exactly once;
 *   4. aegis_pn_expand(): RFC 9000's example, wraps at 8, 16 and 32 bits, the
 *      ends of the 64-bit space, and a randomised round-trip property.
 */
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../replay.h"
#include "selftest.h"

#define RT_MAX_ERRORS	20

static unsigned int rt_errors;

static __printf(2, 3) void rt_fail(int line, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (rt_errors++ >= RT_MAX_ERRORS)
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("aegisray: replay selftest line %d: %pV\n", line, &vaf);
	va_end(args);
}

#define EXPECT(cond, fmt, ...)						\
	do {								\
		if (!(cond))						\
			rt_fail(__LINE__, fmt, ##__VA_ARGS__);		\
	} while (0)

#define W	((u64)AEGIS_REPLAY_WINDOW)
#define LIMIT	AEGIS_COUNTER_REJECT_AFTER

/* accept(r, c) must return want. */
#define T(c, want)							\
	do {								\
		u64 c_ = (c);						\
		bool r_ = aegis_replay_accept(r, c_);			\
		EXPECT(r_ == (want), "accept(%llu) = %d, want %d", c_,	\
		       r_, want);					\
	} while (0)

#define MAX_IS(want)							\
	do {								\
		u64 m_ = aegis_replay_max(r);				\
		EXPECT(m_ == (want), "max %llu, want %llu", m_,	\
		       (u64)(want));					\
	} while (0)

static void rt_fixed(struct aegis_replay *r)
{
	u64 i, base;

	aegis_replay_init(r);
	MAX_IS(0);
	T(0, true);
	T(0, false);
	MAX_IS(0);
	T(1, true);
	T(1, false);
	T(9, true);
	T(8, true);
	T(7, true);
	T(7, false);
	T(9, false);
	MAX_IS(9);
	T(W - 1, true);
	T(W, true);
	MAX_IS(W);
	T(0, false);		/* W behind: too old */
	T(1, false);		/* W - 1 behind: in the window, seen */
	T(2, true);		/* in the window, fresh */
	T(2, false);
	T(W + 1, true);
	T(1, false);
	T(2, false);
	T(3, true);
	T(W - 2, true);
	T(W - 1, false);

	/* Counter 0 is only ever fresh once, even when it comes late. */
	aegis_replay_init(r);
	T(5, true);
	T(0, true);
	T(0, false);
	MAX_IS(5);

	/* The exact edge of the window. */
	aegis_replay_init(r);
	T(100000, true);
	T(100000 - W + 1, true);
	T(100000 - W, false);
	T(100000 - W + 1, false);
	T(99999, true);
	T(100001, true);
	T(100000 - W + 1, false);
	T(100000 - W + 2, true);

	/* A whole window backwards, then a jump that retires all of it. */
	aegis_replay_init(r);
	T(W - 1, true);
	for (i = W - 1; i-- > 0;)
		T(i, true);
	for (i = 0; i < W; i++)
		T(i, false);
	T(2 * W - 1, true);
	for (i = W; i < 2 * W - 1; i++)
		T(i, true);
	T(W - 1, false);
	T(3 * W + 63, true);
	for (i = 2 * W + 64; i < 3 * W + 63; i += 61)
		T(i, true);
	T(2 * W + 63, false);

	/*
	 * Jumps of exactly as many words as the ring keeps besides the top
	 * one: the old top word stays inside the window and must survive.
	 */
	aegis_replay_init(r);
	base = 5 * BITS_PER_LONG;
	T(base + 3, true);
	T(base + 60, true);
	T(base + 3 + (AEGIS_REPLAY_WORDS - 1) * BITS_PER_LONG, true);
	T(base + 3, false);
	T(base + 4, true);
	T(base + 60, false);
	T(base + 2, false);	/* exactly W behind */
	T(base + 3 + (2 * AEGIS_REPLAY_WORDS - 2) * BITS_PER_LONG, true);
	T(base + 3 + (AEGIS_REPLAY_WORDS - 1) * BITS_PER_LONG, false);
	T(base + 4 + (AEGIS_REPLAY_WORDS - 1) * BITS_PER_LONG, true);

	/* Around every multiple of the window, many times round the ring. */
	aegis_replay_init(r);
	for (i = 1; i <= 200; i++) {
		base = i * W;
		T(base - 1, true);
		T(base + 1, true);
		T(base, true);
		T(base, false);
		T(base - 1, false);
		T(base + 1 - W, false);		/* W behind */
		T(base + 2 - W, true);		/* W - 1 behind, fresh */
		T(base + 63 - W, i == 1);	/* seen last time round */
		T(base + 64 - W, i == 1);
		T(base + 63, true);
		T(base + 64, true);
		T(base + 65, true);
	}

	/* Large jumps. */
	aegis_replay_init(r);
	T(3, true);
	T(1ULL << 40, true);
	T((1ULL << 40) - 1, true);
	T((1ULL << 40) - W + 1, true);
	T((1ULL << 40) - W, false);
	T(3, false);
	T(4, false);
	T((1ULL << 40) + W * 1000 + 17, true);
	T((1ULL << 40) + W * 1000 + 16, true);
	T(1ULL << 40, false);
	MAX_IS((1ULL << 40) + W * 1000 + 17);

	/* The hard limit. */
	aegis_replay_init(r);
	T(LIMIT, false);
	T(U64_MAX, false);
	T(U64_MAX - 1, false);
	MAX_IS(0);
	T(0, true);
	T(LIMIT - 1, true);
	T(LIMIT - 1, false);
	T(LIMIT, false);
	T(LIMIT - 2, true);
	T(LIMIT - W, true);
	T(LIMIT - W - 1, false);
	T(0, false);
	MAX_IS(LIMIT - 1);
	BUILD_BUG_ON(U64_MAX - W - 1 != AEGIS_COUNTER_REJECT_AFTER);
}

/* Random sequences against a plain bitmap of every accepted counter. */
static void rt_model(struct aegis_replay *r)
{
	const u64 space = 1 << 24;
	unsigned long *seen;
	struct rnd_state rnd;
	u64 max = 0, c;
	bool any = false, want, got;
	unsigned int i, round;
	s64 delta;

	seen = vzalloc(BITS_TO_LONGS(space) * sizeof(long));
	if (!seen) {
		EXPECT(0, "out of memory");
		return;
	}
	prandom_seed_state(&rnd, 0x5265706c6179ULL);
	for (round = 0; round < 3 && !rt_errors; round++) {
		aegis_replay_init(r);
		bitmap_zero(seen, space);
		max = 0;
		any = false;
		for (i = 0; i < 40000 && !rt_errors; i++) {
			u32 x = prandom_u32_state(&rnd);

			/* Mostly near max, sometimes far behind or ahead. */
			if (x % 100 < 70)
				delta = (s64)(x >> 8) % 300 - 200;
			else if (x % 100 < 99)
				delta = -(s64)((x >> 8) % (W + 200));
			else
				delta = (x >> 8) % (3 * W);
			if (delta < 0 && (u64)-delta > max)
				c = (x >> 8) % 16;
			else
				c = max + delta;
			if (c >= space)
				c = space - 1 - (x % 16);
			want = !any || c > max ||
			       (max - c < W && !test_bit(c, seen));
			got = aegis_replay_accept(r, c);
			EXPECT(got == want,
			       "round %u op %u: accept(%llu) = %d, want %d (max %llu)",
			       round, i, c, got, want, max);
			if (want) {
				__set_bit(c, seen);
				if (!any || c > max)
					max = c;
				any = true;
			}
			if (aegis_replay_max(r) != max)
				EXPECT(0, "max %llu, want %llu",
				       aegis_replay_max(r), max);
		}
	}
	vfree(seen);
}

/* Two threads race over the same counters: each must be accepted once. */
#define RT_RACE_BLOCK		4096	/* <= the window: see below */
#define RT_RACE_COUNTERS	(16 * RT_RACE_BLOCK)

struct rt_racer {
	struct aegis_replay *r;
	unsigned int seed, stride;
	unsigned long accepted;
	atomic_t *ready;
	struct completion done;
};

static int rt_racer_fn(void *arg)
{
	struct rt_racer *t = arg;
	u64 c, j;

	/* Start together: both threads spin until both are here. */
	atomic_inc(t->ready);
	while (atomic_read(t->ready) < 2)
		cond_resched();
	/*
	 * Block after block, each in a different order per thread. Every
	 * counter is accepted exactly once: the first thread to reach counter
	 * c finds it inside the window, since a counter W or more above c is
	 * in a later block, and whoever handled it has handled c before.
	 */
	for (c = 0; c < RT_RACE_COUNTERS; c += RT_RACE_BLOCK) {
		for (j = 0; j < RT_RACE_BLOCK; j++) {
			u64 k = c + ((j * t->stride + t->seed) %
				     RT_RACE_BLOCK);

			t->accepted += aegis_replay_accept(t->r, k);
			if (j % 256 == 255)
				cond_resched();
		}
	}
	complete(&t->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void rt_race(struct aegis_replay *r)
{
	struct rt_racer t[2] = {};
	struct task_struct *task[2];
	atomic_t ready = ATOMIC_INIT(0);
	int i;

	aegis_replay_init(r);
	for (i = 0; i < 2; i++) {
		t[i].r = r;
		t[i].seed = i * 1001;
		t[i].stride = i ? 2731 : 1;	/* odd: a permutation */
		t[i].ready = &ready;
		init_completion(&t[i].done);
		task[i] = kthread_create(rt_racer_fn, &t[i],
					 "aegis-st-replay%d", i);
		if (IS_ERR(task[i])) {
			EXPECT(0, "kthread_create: %ld", PTR_ERR(task[i]));
			atomic_inc(&ready);
			if (i)
				kthread_stop(task[0]);
			return;
		}
		/* On two CPUs if there are two, to really race. */
		kthread_bind(task[i], cpumask_nth(i % num_online_cpus(),
						  cpu_online_mask));
		wake_up_process(task[i]);
	}
	for (i = 0; i < 2; i++) {
		wait_for_completion(&t[i].done);
		kthread_stop(task[i]);
	}
	EXPECT(t[0].accepted + t[1].accepted == RT_RACE_COUNTERS,
	       "accepted %lu + %lu, want %u", t[0].accepted, t[1].accepted,
	       RT_RACE_COUNTERS);
	EXPECT(aegis_replay_max(r) == RT_RACE_COUNTERS - 1, "max %llu",
	       aegis_replay_max(r));
	pr_debug("aegisray: replay selftest: race split %lu/%lu\n",
		 t[0].accepted, t[1].accepted);
}

/* ---- packet number recovery ---- */

#define PN(largest, trunc, bits, want)					\
	do {								\
		u64 p_ = aegis_pn_expand(largest, trunc, bits);		\
		EXPECT(p_ == (u64)(want),				\
		       "pn_expand(%#llx, %#x, %u) = %#llx, want %#llx",	\
		       (u64)(largest), (u32)(trunc), bits, p_,		\
		       (u64)(want));					\
	} while (0)

static void rt_pn(void)
{
	const u64 top = U64_MAX;
	struct rnd_state rnd;
	unsigned int i, bits;
	u64 largest, actual, win, expected;
	s64 off;

	/* RFC 9000, appendix A.3. */
	PN(0xa82f30ea, 0x9b32, 16, 0xa82f9b32);

	/* Nothing received yet (largest reported as 0). */
	PN(0, 0, 32, 0);
	PN(0, 1, 32, 1);
	PN(0, 0x7fffffff, 32, 0x7fffffff);
	PN(0, 0x80000000, 32, 0x80000000);	/* cannot go below 0 */
	PN(0, 0xffffffff, 32, 0xffffffff);

	/* Across the 32-bit wrap, forwards and backwards. */
	PN(0xfffffffe, 0xffffffff, 32, 0xffffffff);
	PN(0xffffffff, 0, 32, 0x100000000ULL);
	PN(0xfffffffe, 5, 32, 0x100000005ULL);
	PN(0x100000005ULL, 0xfffffffe, 32, 0xfffffffe);
	PN(0x100000000ULL, 0xffffffff, 32, 0xffffffff);
	PN(0x1fffffff0ULL, 0x10, 32, 0x200000010ULL);
	PN(0x200000010ULL, 0xfffffff0, 32, 0x1fffffff0ULL);
	/* Exactly half a window: the RFC rounds towards the future. */
	PN(0x17fffffffULL, 0, 32, 0x200000000ULL);	/* exp. 0x180000000 */
	PN(0x17fffffffULL, 1, 32, 0x100000001ULL);
	PN(0x180000000ULL, 0x00000001, 32, 0x200000001ULL);
	PN(0x180000000ULL, 0x00000002, 32, 0x100000002ULL);
	PN(0x100000000ULL, 0x80000001, 32, 0x180000001ULL);
	PN(0x100000000ULL, 0x80000002, 32, 0x80000002);
	PN(0x0000beef00000000ULL, 0x12345678, 32, 0x0000beef12345678ULL);

	/* Small widths. */
	PN(0xff, 0x00, 8, 0x100);
	PN(0x100, 0xff, 8, 0xff);
	PN(0x17f, 0x00, 8, 0x200);
	PN(0xabcd, 0xcd, 8, 0xabcd);
	PN(0xffff, 0x0000, 16, 0x10000);
	PN(0x10000, 0xffff, 16, 0xffff);

	/* The top of the 64-bit space: never wraps past U64_MAX. */
	PN(top - 1, 0xffffffff, 32, top);
	PN(top - 1, 0, 32, top - 0xffffffff);
	PN(top, 0, 32, top - 0xffffffff);
	PN(top - 0x80000000, 0x7fffffff, 32, top - 0x80000000);
	PN(LIMIT - 1, (u32)LIMIT, 32, LIMIT);

	/* Round trip: any value within half a window of largest + 1. */
	prandom_seed_state(&rnd, 9000);
	for (i = 0; i < 20000 && !rt_errors; i++) {
		static const unsigned int widths[] = { 8, 16, 24, 32 };

		bits = widths[i % 4];
		win = 1ULL << bits;
		largest = ((u64)prandom_u32_state(&rnd) << 32) |
			  prandom_u32_state(&rnd);
		if (i % 3 == 0)
			largest >>= 20;
		if (i % 7 == 0)
			largest &= win * 4 - 1;
		if (i % 11 == 0)
			largest = top - 1 - (largest & (win * 4 - 1));
		expected = largest + 1;
		/* off in (-win/2, win/2] */
		off = (s64)(prandom_u32_state(&rnd) % win) - (s64)(win / 2) + 1;
		if (off < 0 && (u64)-off > expected)
			continue;	/* would be below 0 */
		if (off > 0 && expected > top - off)
			continue;	/* would be above U64_MAX */
		actual = expected + off;
		PN(largest, (u32)actual, bits, actual);
	}
}

bool aegis_replay_selftest(void)
{
	struct aegis_replay *r;
	u64 t0 = ktime_get_ns();

	rt_errors = 0;
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return false;
	rt_fixed(r);
	if (!rt_errors)
		rt_model(r);
	if (!rt_errors)
		rt_race(r);
	rt_pn();
	kfree(r);

	if (rt_errors) {
		pr_err("aegisray: replay selftest: FAIL (%u errors)\n",
		       rt_errors);
		return false;
	}
	pr_info("aegisray: replay selftest: pass (%llu ms)\n",
		(ktime_get_ns() - t0) / NSEC_PER_MSEC);
	return true;
}
