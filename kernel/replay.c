// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Anti-replay window (RFC 6479 style ring of bitmap words) and packet number
 * recovery (RFC 9000, appendix A.3).
 */
#include <linux/kernel.h>
#include <linux/bug.h>
#include <linux/math64.h>
#include <linux/string.h>

#include "replay.h"

void aegis_replay_init(struct aegis_replay *r)
{
	spin_lock_init(&r->lock);
	r->next = 0;
	memset(r->bitmap, 0, sizeof(r->bitmap));
}

/* Ring slot of the word that holds counter @c. */
static unsigned int replay_slot(u64 c)
{
	u32 slot;

	div_u64_rem(c / BITS_PER_LONG, AEGIS_REPLAY_WORDS, &slot);
	return slot;
}

bool aegis_replay_accept(struct aegis_replay *r, u64 counter)
{
	unsigned long *word;
	bool fresh = false;
	u64 next, top, words;
	unsigned int slot;

	if (unlikely(counter >= AEGIS_COUNTER_REJECT_AFTER))
		return false;

	spin_lock_bh(&r->lock);
	next = r->next;
	if (likely(counter >= next)) {
		/*
		 * Advance: the words after the one holding the old maximum, up
		 * to and including counter's, start empty. When nothing was
		 * seen yet (next == 0) the ring is empty anyway.
		 */
		top = next ? (next - 1) / BITS_PER_LONG : 0;
		words = counter / BITS_PER_LONG - top;
		if (words > AEGIS_REPLAY_WORDS)
			words = AEGIS_REPLAY_WORDS;
		slot = replay_slot(next ? next - 1 : 0);
		while (words--) {
			if (++slot == AEGIS_REPLAY_WORDS)
				slot = 0;
			r->bitmap[slot] = 0;
		}
		WRITE_ONCE(r->next, counter + 1);
	} else if (next - 1 - counter >= AEGIS_REPLAY_WINDOW) {
		goto out;	/* too old */
	}
	word = &r->bitmap[replay_slot(counter)];
	fresh = !__test_and_set_bit(counter % BITS_PER_LONG, word);
out:
	spin_unlock_bh(&r->lock);
	return fresh;
}

u64 aegis_pn_expand(u64 largest, u32 truncated, unsigned int bits)
{
	u64 expected, win, hwin, mask, cand;

	if (WARN_ON_ONCE(!bits || bits > 32))
		return truncated;
	/* largest < AEGIS_COUNTER_REJECT_AFTER in use; saturate regardless. */
	expected = largest == U64_MAX ? U64_MAX : largest + 1;
	win = 1ULL << bits;
	hwin = win / 2;
	mask = win - 1;
	cand = (expected & ~mask) | (truncated & mask);

	/*
	 * The RFC's arithmetic is on unbounded integers; here every
	 * subtraction and addition is guarded so it cannot wrap.
	 */
	if (expected >= hwin && cand <= expected - hwin &&
	    cand <= U64_MAX - win)
		return cand + win;
	if (expected <= U64_MAX - hwin && cand > expected + hwin &&
	    cand >= win)
		return cand - win;
	return cand;
}
