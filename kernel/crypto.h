/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * AEAD of data packets through the kernel crypto API.
 *
 * Each crypto worker owns one struct aegis_crypt_scratch and reuses its
 * AEAD request, nonce and scatterlist for every packet, so the data path
 * makes no allocation for its crypto. A worker's scratch is not atomic: it
 * may sleep, and an asynchronous implementation (cryptd) is waited for; the
 * worker's CPU is free meanwhile.
 *
 * An atomic scratch (one per CPU, relay.c) is for the receive softirq. It
 * only ever runs the relay block, with the keys' synchronous transforms
 * (relay_enc, relay_dec), so nothing waits.
 *
 * aegis_seal/aegis_open: the skb starts at the data header (the associated
 * data). Sealing appends the tag; opening verifies it and leaves
 * header || plaintext || tag in place (the caller trims).
 *
 * aegis_seal_relay/aegis_open_relay: the hop layer of a relay packet (see
 * messages.h). Only the relay block (relay header and inner data header)
 * is encrypted; the inner packet, already sealed end to end, is bound by
 * its tag, which is associated data. The cost does not grow with the
 * packet: relays never touch the payload.
 */
#ifndef _AEGIS_CRYPTO_H
#define _AEGIS_CRYPTO_H

#include <linux/skbuff.h>

struct aegis_key;
struct aegis_crypt_scratch;

struct aegis_crypt_scratch *aegis_crypt_scratch_alloc(bool atomic);
void aegis_crypt_scratch_free(struct aegis_crypt_scratch *s);

int aegis_seal(struct aegis_crypt_scratch *s, struct aegis_key *key,
	       struct sk_buff *skb, u64 counter);
int aegis_open(struct aegis_crypt_scratch *s, struct aegis_key *key,
	       struct sk_buff *skb, u64 counter);
int aegis_seal_relay(struct aegis_crypt_scratch *s, struct aegis_key *key,
		     struct sk_buff *skb, u64 counter);
int aegis_open_relay(struct aegis_crypt_scratch *s, struct aegis_key *key,
		     struct sk_buff *skb, u64 counter);

#endif /* _AEGIS_CRYPTO_H */
