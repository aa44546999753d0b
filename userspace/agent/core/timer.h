/* SPDX-License-Identifier: MIT */
/*
 * Timers as objects: one binary min-heap of deadlines (CLOCK_MONOTONIC
 * milliseconds) per agent. Each object embeds the timers it owns (a peer's
 * retry, rekey, confirm and grace timers, later probes and suspicion
 * timeouts) and gets back to itself with container_of() in the callback.
 * The event loop sleeps until timer_next() and then calls timer_run().
 *
 * Arm, re-arm and cancel are O(log n); a timer knows its heap slot, so
 * cancel needs no search. A callback may arm, re-arm or cancel any timer,
 * itself included. Nothing here allocates except the heap array, which
 * grows by doubling.
 */
#ifndef AGENT_CORE_TIMER_H
#define AGENT_CORE_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMER_NEVER	UINT64_MAX

struct timer;
typedef void (*timer_fn)(struct timer *t, uint64_t now);

struct timer {
	uint64_t deadline;	/* ms; meaningful while armed */
	uint64_t seq;		/* arm order: equal deadlines fire FIFO */
	unsigned int slot;	/* heap index + 1; 0 = not armed */
	timer_fn fn;
};

struct timer_heap {
	struct timer **v;
	unsigned int n, cap;
	uint64_t seq;
};

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

void timer_heap_init(struct timer_heap *h);
/* Every timer still armed is left disarmed. */
void timer_heap_free(struct timer_heap *h);

void timer_init(struct timer *t, timer_fn fn);
/* Arm t for deadline (re-arm if armed). 0, or -ENOMEM (t left as it was). */
int timer_arm(struct timer_heap *h, struct timer *t, uint64_t deadline);
/* Disarm t; a timer that is not armed is fine. */
void timer_cancel(struct timer_heap *h, struct timer *t);
static inline bool timer_armed(const struct timer *t)
{
	return t->slot != 0;
}

/* The earliest deadline, or TIMER_NEVER. */
uint64_t timer_next(const struct timer_heap *h);
/* Milliseconds from now to the earliest deadline for epoll_wait: -1 if
 * none, 0 if due, capped at INT_MAX. */
int timer_timeout(const struct timer_heap *h, uint64_t now);
/* Fire every timer due at now, earliest first (FIFO among equal
 * deadlines); each is disarmed before its callback runs. A timer armed or
 * re-armed by a callback during this call fires at the next call at the
 * earliest, so a callback that re-arms itself for now cannot spin.
 * Timers never fire out of (deadline, seq) order: should a callback arm a
 * timer for a deadline before now, the call stops when that timer reaches
 * the top, and the due timers after it fire at the next call (for which
 * timer_timeout() says 0). Returns how many fired. */
unsigned int timer_run(struct timer_heap *h, uint64_t now);
/* Number of armed timers. */
static inline unsigned int timer_count(const struct timer_heap *h)
{
	return h->n;
}

#endif /* AGENT_CORE_TIMER_H */
