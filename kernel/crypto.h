/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * In-place AEAD of a data packet through the kernel crypto API.
 *
 * The skb starts at the data header (struct aegis_data_hdr), which is the
 * associated data. Encryption appends the tag; decryption verifies it and
 * leaves header || plaintext || tag in place (the caller trims). Either may
 * complete asynchronously (the AES-NI GCM defers to cryptd when the FPU is
 * unusable): then it returns -EINPROGRESS and @done runs later, in BH
 * context, with the result. Otherwise @done is not called and the result is
 * returned directly.
 */
#ifndef _AEGIS_CRYPTO_H
#define _AEGIS_CRYPTO_H

#include <linux/skbuff.h>

struct aegis_key;

typedef void (*aegis_crypt_done_t)(struct sk_buff *skb, int err);

int aegis_encrypt(struct aegis_key *key, struct sk_buff *skb, u64 counter,
		  aegis_crypt_done_t done);
int aegis_decrypt(struct aegis_key *key, struct sk_buff *skb, u64 counter,
		  aegis_crypt_done_t done);

#endif /* _AEGIS_CRYPTO_H */
