/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Anti-replay window for 64-bit packet counters, and recovery of a full
 * counter from the truncated packet number carried on the wire.
 */
#ifndef _AEGIS_REPLAY_H
#define _AEGIS_REPLAY_H

#include <linux/types.h>
#include <linux/limits.h>
#include <linux/bitops.h>
#include <linux/spinlock.h>

/*
 * Window: with max the highest counter accepted so far, a counter c is
 * accepted once if c > max, or if max - c < AEGIS_REPLAY_WINDOW and c was not
 * seen before. Anything older is rejected.
 *
 * The bitmap is a ring of AEGIS_REPLAY_WORDS words (RFC 6479): one word
 * more than the window needs, so that advancing max only ever clears whole
 * words that hold nothing inside the window.
 */
#define AEGIS_REPLAY_WINDOW	8192U
#define AEGIS_REPLAY_WORDS	(AEGIS_REPLAY_WINDOW / BITS_PER_LONG + 1)

/*
 * Counters >= AEGIS_COUNTER_REJECT_AFTER are never accepted. The value is
 * WireGuard's convention: it leaves a window's worth of headroom below
 * U64_MAX, so neither max + 1 nor c + AEGIS_REPLAY_WINDOW (for an accepted
 * c) can overflow. A sender must stop using a key before its counter gets
 * here (in practice, it rekeys long before).
 */
#define AEGIS_COUNTER_REJECT_AFTER	(U64_MAX - AEGIS_REPLAY_WINDOW - 1)

/*
 * struct aegis_replay - receive-side replay state of one key.
 * @lock:	serialises aegis_replay_accept(); taken with spin_lock_bh(),
 *		so callers may be in process or softirq context (not hardirq).
 * @next:	highest accepted counter + 1; 0 when nothing has been
 *		accepted yet (so that counter 0 is acceptable first). Written
 *		under @lock with WRITE_ONCE(), read locklessly by
 *		aegis_replay_max().
 * @bitmap:	ring of seen bits; counter c is bit c % BITS_PER_LONG of word
 *		(c / BITS_PER_LONG) % AEGIS_REPLAY_WORDS.
 */
struct aegis_replay {
	spinlock_t lock;	/* @next and @bitmap */
	u64 next;
	unsigned long bitmap[AEGIS_REPLAY_WORDS];
};

/* Reset to "nothing seen". Not concurrently with aegis_replay_accept(). */
void aegis_replay_init(struct aegis_replay *r);

/*
 * Call only once the packet has authenticated. Returns true if @counter is
 * fresh (it is now marked as seen), false for a replay, a counter too old
 * for the window, or one >= AEGIS_COUNTER_REJECT_AFTER. Any context but
 * hardirq; concurrent callers are serialised.
 */
bool aegis_replay_accept(struct aegis_replay *r, u64 counter);

/*
 * Highest counter accepted so far, or 0 if none was: the "largest packet
 * number" input of aegis_pn_expand() (0 decodes a first packet number p as p,
 * as a largest of -1 would). Lockless; may be stale by the time it returns.
 */
static inline u64 aegis_replay_max(const struct aegis_replay *r)
{
	u64 next = READ_ONCE(r->next);

	return next ? next - 1 : 0;
}

/*
 * RFC 9000, appendix A.3: the full counter closest to @largest + 1 whose low
 * @bits bits (1..32) are @truncated. Never wraps below 0 or above U64_MAX.
 */
u64 aegis_pn_expand(u64 largest, u32 truncated, unsigned int bits);

#endif /* _AEGIS_REPLAY_H */
