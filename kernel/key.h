/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Session keys: one direction pair per slot, two slots per node.
 *
 * Lifetime: a key is created by genl and owned by its node's slot (one
 * reference) and by the receiver-index table (no extra reference: it is
 * unhashed before the slot reference is dropped). The data path takes
 * temporary references with aegis_key_get_rcu(). The last put frees the
 * key after an RCU grace period, and wipes it.
 */
#ifndef _AEGIS_KEY_H
#define _AEGIS_KEY_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/kref.h>
#include <crypto/aead.h>
#include <uapi/linux/aegisray.h>

#include "replay.h"

/* Tx packets before "rekey needed" and before retirement, by default. */
#define AEGIS_SOFT_PACKETS_DEFAULT	BIT_ULL(60)
#define AEGIS_HARD_PACKETS_DEFAULT	(AEGIS_COUNTER_REJECT_AFTER)

struct aegis_device;
struct aegis_node;

struct aegis_key_params {
	u8 slot;
	u8 key_id;
	u8 cipher;
	u64 rx_index;
	u64 tx_index;
	u8 enc_key[AEGIS_KEY_LEN];
	u8 enc_salt[AEGIS_NONCE_SALT_LEN];
	u8 dec_key[AEGIS_KEY_LEN];
	u8 dec_salt[AEGIS_NONCE_SALT_LEN];
	u32 soft_lifetime;
	u32 hard_lifetime;
	u64 soft_packets;
	u64 hard_packets;
};

struct aegis_key {
	struct aegis_node *node;	/* holds a reference */
	struct crypto_aead *enc;
	struct crypto_aead *dec;
	/* Same keys, synchronous: the relay block, in softirq (relay.c). */
	struct crypto_aead *relay_enc;
	struct crypto_aead *relay_dec;
	u8 enc_salt[AEGIS_NONCE_SALT_LEN];
	u8 dec_salt[AEGIS_NONCE_SALT_LEN];
	u8 key_id;
	u8 cipher;
	u64 rx_index;
	__be64 tx_cid;

	atomic64_t tx_counter;		/* next counter to use */
	struct aegis_replay replay;
	atomic64_t rx_packets;

	u64 created_ns;
	u32 soft_lifetime;
	u32 hard_lifetime;
	u64 soft_packets;
	u64 hard_packets;
	/*
	 * Set once, 0 -> 1 with cmpxchg(): the data path and housekeeping
	 * race, and so do a node's NAPI poll and a relay's softirq.
	 */
	u32 confirmed;			/* a packet decrypted with it (0/1) */
	u32 soft_notified;		/* NTF_REKEY sent */
	u32 expired;			/* hard limit: no more tx */

	struct hlist_node index_hash;
	struct kref refcount;
	struct rcu_head rcu;
};

/* Control path (conf_lock held). create returns an ERR_PTR on failure. */
struct aegis_key *aegis_key_create(struct aegis_node *node,
				   const struct aegis_key_params *p);
int aegis_key_install(struct aegis_node *node, struct aegis_key *key, u8 slot);
void aegis_key_swap(struct aegis_node *node);
int aegis_key_delete(struct aegis_node *node, u8 slot);
void aegis_key_delete_all(struct aegis_node *node);
/* Housekeeping: apply the soft and hard lifetimes at boottime @now_ns. */
void aegis_key_age(struct aegis_key *key, u64 now_ns);

/* Data path. */
struct aegis_key *aegis_key_lookup_rcu(struct aegis_device *aegis, u64 index);
struct aegis_key *aegis_key_get_rcu(struct aegis_key *key);
void aegis_key_put(struct aegis_key *key);
/*
 * Reserve @n consecutive tx counters (one per segment of a packet), or
 * return false when the key is retired or would pass its hard limit (the
 * caller drops the packet). Signals the soft limit.
 */
bool aegis_key_next_counters(struct aegis_key *key, unsigned int n,
			     u64 *first);
/*
 * A packet decrypted with @key and passed the replay check: mark it
 * confirmed and notify, the first time only. Callers test
 * READ_ONCE(key->confirmed) first, so that later packets cost no atomic.
 */
void aegis_key_confirm(struct aegis_key *key);

#endif /* _AEGIS_KEY_H */
