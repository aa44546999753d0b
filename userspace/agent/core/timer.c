// SPDX-License-Identifier: MIT
/*
 * The timer heap: a binary min-heap of struct timer pointers ordered by
 * (deadline, seq). Every timer in the heap knows its index (slot - 1), so
 * a timer is removed or moved where it stands, without a search.
 *
 * timer_run() notes h->seq when it starts: every timer armed from then on
 * has a seq at least that large. It pops the top while the top is due and
 * older than that, and stops at the first top that is not; as the top is
 * always the earliest pending timer, nothing fires out of (deadline, seq)
 * order. A timer a callback arms for now or later sorts after every due
 * timer armed before the call, so those all still fire in this call; one
 * armed for a deadline before now ends the call when it reaches the top.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/timer.h"

/* Slots in the first heap array; it doubles from there. */
#define TIMER_HEAP_MIN_CAP	16

static bool timer_before(const struct timer *a, const struct timer *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

static void heap_put(struct timer_heap *h, unsigned int i, struct timer *t)
{
	h->v[i] = t;
	t->slot = i + 1;
}

static void sift_up(struct timer_heap *h, unsigned int i)
{
	struct timer *t = h->v[i];

	while (i > 0) {
		unsigned int parent = (i - 1) / 2;

		if (!timer_before(t, h->v[parent]))
			break;
		heap_put(h, i, h->v[parent]);
		i = parent;
	}
	heap_put(h, i, t);
}

static void sift_down(struct timer_heap *h, unsigned int i)
{
	struct timer *t = h->v[i];

	/* i has a left child, 2 * i + 1 < n, exactly when i < n / 2. */
	while (i < h->n / 2) {
		unsigned int child = 2 * i + 1;

		if (child + 1 < h->n &&
		    timer_before(h->v[child + 1], h->v[child]))
			child++;
		if (!timer_before(h->v[child], t))
			break;
		heap_put(h, i, h->v[child]);
		i = child;
	}
	heap_put(h, i, t);
}

/* Move the timer at i up or down to where its key now belongs. */
static void heap_fix(struct timer_heap *h, unsigned int i)
{
	if (i > 0 && timer_before(h->v[i], h->v[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

static void heap_remove(struct timer_heap *h, unsigned int i)
{
	struct timer *t = h->v[i];
	struct timer *last = h->v[--h->n];

	h->v[h->n] = NULL;
	t->slot = 0;
	if (i == h->n)
		return;
	heap_put(h, i, last);
	heap_fix(h, i);
}

/* Room for one more timer: 0 or -ENOMEM, with the heap unchanged. */
static int heap_reserve(struct timer_heap *h)
{
	struct timer **v;
	unsigned int cap;
	size_t size;

	if (h->n < h->cap)
		return 0;
	if (h->cap == UINT_MAX)
		return -ENOMEM;
	if (!h->cap)
		cap = TIMER_HEAP_MIN_CAP;
	else if (h->cap > UINT_MAX / 2)
		cap = UINT_MAX;
	else
		cap = h->cap * 2;
	if (__builtin_mul_overflow(cap, sizeof(*v), &size))
		return -ENOMEM;
	v = realloc(h->v, size);
	if (!v)
		return -ENOMEM;
	h->v = v;
	h->cap = cap;
	return 0;
}

void timer_heap_init(struct timer_heap *h)
{
	h->v = NULL;
	h->n = 0;
	h->cap = 0;
	h->seq = 0;
}

void timer_heap_free(struct timer_heap *h)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		h->v[i]->slot = 0;
	free(h->v);
	timer_heap_init(h);
}

void timer_init(struct timer *t, timer_fn fn)
{
	t->deadline = 0;
	t->seq = 0;
	t->slot = 0;
	t->fn = fn;
}

int timer_arm(struct timer_heap *h, struct timer *t, uint64_t deadline)
{
	if (!t->slot) {
		int err = heap_reserve(h);

		if (err)
			return err;
	}
	t->deadline = deadline;
	t->seq = h->seq++;
	if (t->slot) {
		heap_fix(h, t->slot - 1);
	} else {
		heap_put(h, h->n++, t);
		sift_up(h, h->n - 1);
	}
	return 0;
}

void timer_cancel(struct timer_heap *h, struct timer *t)
{
	if (t->slot)
		heap_remove(h, t->slot - 1);
}

uint64_t timer_next(const struct timer_heap *h)
{
	return h->n ? h->v[0]->deadline : TIMER_NEVER;
}

int timer_timeout(const struct timer_heap *h, uint64_t now)
{
	uint64_t deadline;

	if (!h->n)
		return -1;
	deadline = h->v[0]->deadline;
	if (deadline <= now)
		return 0;
	if (deadline - now > INT_MAX)
		return INT_MAX;
	return (int)(deadline - now);
}

unsigned int timer_run(struct timer_heap *h, uint64_t now)
{
	uint64_t start = h->seq;
	unsigned int fired = 0;

	while (h->n) {
		struct timer *t = h->v[0];

		/*
		 * Not due, or armed during this call: stop either way, as
		 * nothing may fire ahead of an earlier (deadline, seq).
		 */
		if (t->deadline > now || t->seq >= start)
			break;
		heap_remove(h, 0);
		t->fn(t, now);
		fired++;
	}
	return fired;
}
