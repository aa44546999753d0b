// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Session keys: creation, the two slots of a node, the receiver-index
 * table, and the limits (packets and lifetimes) after which a key asks to
 * be replaced and then retires.
 *
 * Key material goes into the AEAD transforms at creation and is never
 * stored anywhere else: the key struct holds only the nonce salts, and is
 * wiped when freed (the transforms wipe their own contexts).
 */
#include <linux/hashtable.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/ktime.h>
#include <crypto/aead.h>

#include "aead_impl.h"
#include "device.h"
#include "key.h"
#include "messages.h"
#include "node.h"
#include "notify.h"

#define key_deref(aegis, p) \
	rcu_dereference_protected(p, lockdep_is_held(&(aegis)->conf_lock))

/*
 * One direction. @mask CRYPTO_ALG_ASYNC asks for a synchronous
 * implementation; without it, asynchronous ones are fine (crypto.h).
 */
static struct crypto_aead *aegis_key_tfm(const char *alg, const u8 *key,
					 u32 mask)
{
	struct crypto_aead *tfm;
	int ret;

	tfm = crypto_alloc_aead(alg, 0, mask);
	if (IS_ERR(tfm))
		return tfm;
	ret = crypto_aead_setkey(tfm, key, AEGIS_KEY_LEN);
	if (ret)
		goto err_free;
	ret = crypto_aead_setauthsize(tfm, AEGIS_TAG_LEN);
	if (ret)
		goto err_free;
	return tfm;

err_free:
	crypto_free_aead(tfm);
	return ERR_PTR(ret);
}

struct aegis_key *aegis_key_create(struct aegis_node *node,
				   const struct aegis_key_params *p)
{
	char alg[CRYPTO_MAX_ALG_NAME];
	struct aegis_key *key;
	int ret;

	lockdep_assert_held(&node->aegis->conf_lock);

	if (p->key_id > AEGIS_KEY_ID_MAX ||
	    aegis_impl_name(p->cipher, alg, sizeof(alg)))
		return ERR_PTR(-EINVAL);
	key = kzalloc(sizeof(*key), GFP_KERNEL);
	if (!key)
		return ERR_PTR(-ENOMEM);
	key->enc = aegis_key_tfm(alg, p->enc_key, 0);
	if (IS_ERR(key->enc)) {
		ret = PTR_ERR(key->enc);
		goto err_free_key;
	}
	key->dec = aegis_key_tfm(alg, p->dec_key, 0);
	if (IS_ERR(key->dec)) {
		ret = PTR_ERR(key->dec);
		goto err_free_enc;
	}
	/* The hop layer of relay packets is sealed and opened in softirq. */
	key->relay_enc = aegis_key_tfm(alg, p->enc_key, CRYPTO_ALG_ASYNC);
	if (IS_ERR(key->relay_enc)) {
		ret = PTR_ERR(key->relay_enc);
		goto err_free_dec;
	}
	key->relay_dec = aegis_key_tfm(alg, p->dec_key, CRYPTO_ALG_ASYNC);
	if (IS_ERR(key->relay_dec)) {
		ret = PTR_ERR(key->relay_dec);
		goto err_free_relay_enc;
	}

	memcpy(key->enc_salt, p->enc_salt, AEGIS_NONCE_SALT_LEN);
	memcpy(key->dec_salt, p->dec_salt, AEGIS_NONCE_SALT_LEN);
	key->key_id = p->key_id;
	key->cipher = p->cipher;
	key->rx_index = p->rx_index;
	key->tx_cid = cpu_to_be64(p->tx_index);
	aegis_replay_init(&key->replay);

	key->hard_packets = p->hard_packets ?: AEGIS_HARD_PACKETS_DEFAULT;
	key->soft_packets = min(p->soft_packets ?: AEGIS_SOFT_PACKETS_DEFAULT,
				key->hard_packets);
	key->soft_lifetime = p->soft_lifetime;
	key->hard_lifetime = p->hard_lifetime;
	key->created_ns = ktime_get_boottime_ns();

	INIT_HLIST_NODE(&key->index_hash);
	kref_init(&key->refcount);
	key->node = aegis_node_get(node);
	return key;

err_free_relay_enc:
	crypto_free_aead(key->relay_enc);
err_free_dec:
	crypto_free_aead(key->dec);
err_free_enc:
	crypto_free_aead(key->enc);
err_free_key:
	kfree_sensitive(key);
	return ERR_PTR(ret);
}

static struct aegis_key *aegis_key_index_find(struct aegis_device *aegis,
					      u64 index)
{
	struct aegis_key *key;

	hash_for_each_possible_rcu(aegis->index_hash, key, index_hash, index,
				   lockdep_is_held(&aegis->conf_lock)) {
		if (key->rx_index == index)
			return key;
	}
	return NULL;
}

/*
 * Takes over the caller's reference. -EBUSY: @slot holds a key (delete or
 * swap it first); -EEXIST: another key of the device has this rx_index.
 */
int aegis_key_install(struct aegis_node *node, struct aegis_key *key, u8 slot)
{
	struct aegis_device *aegis = node->aegis;

	lockdep_assert_held(&aegis->conf_lock);

	if (slot > AEGIS_KEY_SLOT_SECONDARY || key->node != node)
		return -EINVAL;
	if (key_deref(aegis, node->keys[slot]))
		return -EBUSY;
	if (aegis_key_index_find(aegis, key->rx_index))
		return -EEXIST;

	hash_add_rcu(aegis->index_hash, &key->index_hash, key->rx_index);
	rcu_assign_pointer(node->keys[slot], key);
	return 0;
}

/* The transmitting key changes; readers may briefly see either order. */
void aegis_key_swap(struct aegis_node *node)
{
	struct aegis_device *aegis = node->aegis;
	struct aegis_key *primary, *secondary;

	lockdep_assert_held(&aegis->conf_lock);

	primary = key_deref(aegis, node->keys[AEGIS_KEY_SLOT_PRIMARY]);
	secondary = key_deref(aegis, node->keys[AEGIS_KEY_SLOT_SECONDARY]);
	rcu_assign_pointer(node->keys[AEGIS_KEY_SLOT_PRIMARY], secondary);
	rcu_assign_pointer(node->keys[AEGIS_KEY_SLOT_SECONDARY], primary);
}

int aegis_key_delete(struct aegis_node *node, u8 slot)
{
	struct aegis_device *aegis = node->aegis;
	struct aegis_key *key;

	lockdep_assert_held(&aegis->conf_lock);

	if (slot > AEGIS_KEY_SLOT_SECONDARY)
		return -EINVAL;
	key = key_deref(aegis, node->keys[slot]);
	if (!key)
		return -ENOENT;
	hash_del_rcu(&key->index_hash);
	RCU_INIT_POINTER(node->keys[slot], NULL);
	aegis_key_put(key);
	return 0;
}

void aegis_key_delete_all(struct aegis_node *node)
{
	aegis_key_delete(node, AEGIS_KEY_SLOT_PRIMARY);
	aegis_key_delete(node, AEGIS_KEY_SLOT_SECONDARY);
}

struct aegis_key *aegis_key_lookup_rcu(struct aegis_device *aegis, u64 index)
{
	return aegis_key_index_find(aegis, index);
}

struct aegis_key *aegis_key_get_rcu(struct aegis_key *key)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_any_held(),
			 "taking a reference outside an RCU read-side section");
	if (unlikely(!key || !kref_get_unless_zero(&key->refcount)))
		return NULL;
	return key;
}

static void aegis_key_free_rcu(struct rcu_head *rcu)
{
	struct aegis_key *key = container_of(rcu, struct aegis_key, rcu);

	crypto_free_aead(key->relay_dec);
	crypto_free_aead(key->relay_enc);
	crypto_free_aead(key->dec);
	crypto_free_aead(key->enc);
	kfree_sensitive(key);
}

/*
 * The node reference goes now, not in the RCU callback: the node is itself
 * freed a grace period after its last put, so readers that reach it through
 * this key are covered, and module unload needs only one rcu_barrier().
 */
static void aegis_key_release(struct kref *kref)
{
	struct aegis_key *key = container_of(kref, struct aegis_key, refcount);

	aegis_node_put(key->node);
	call_rcu(&key->rcu, aegis_key_free_rcu);
}

void aegis_key_put(struct aegis_key *key)
{
	if (key)
		kref_put(&key->refcount, aegis_key_release);
}

/* Hard limit: no more tx. Notifies once, whoever gets there first. */
static void aegis_key_expire(struct aegis_key *key)
{
	if (!READ_ONCE(key->expired) && !cmpxchg(&key->expired, 0, 1))
		aegis_notify_key_expired(key);
}

/* Soft limit: ask userspace for a new key, once. */
static void aegis_key_soft_limit(struct aegis_key *key)
{
	if (!READ_ONCE(key->soft_notified) && !cmpxchg(&key->soft_notified, 0, 1))
		aegis_notify_rekey(key);
}

void aegis_key_confirm(struct aegis_key *key)
{
	if (!READ_ONCE(key->confirmed) && !cmpxchg(&key->confirmed, 0, 1))
		aegis_notify_key_confirmed(key);
}

bool aegis_key_next_counters(struct aegis_key *key, unsigned int n,
			     u64 *first)
{
	u64 c;

	if (unlikely(READ_ONCE(key->expired)))
		return false;
	c = (u64)atomic64_fetch_add(n, &key->tx_counter);
	if (unlikely(c + n > key->hard_packets)) {
		aegis_key_expire(key);
		return false;
	}
	if (unlikely(c + n > key->soft_packets))
		aegis_key_soft_limit(key);
	*first = c;
	return true;
}

void aegis_key_age(struct aegis_key *key, u64 now_ns)
{
	u64 age = now_ns > key->created_ns ? now_ns - key->created_ns : 0;

	lockdep_assert_held(&key->node->aegis->conf_lock);

	if (key->hard_lifetime &&
	    age >= (u64)key->hard_lifetime * NSEC_PER_SEC)
		aegis_key_expire(key);
	else if (key->soft_lifetime &&
		 age >= (u64)key->soft_lifetime * NSEC_PER_SEC)
		aegis_key_soft_limit(key);
}
