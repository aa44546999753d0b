// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Nodes (peers): creation, lookup, removal, endpoints and statistics.
 *
 * The node table (aegis->node_hash, by id, and aegis->node_list, in
 * insertion order) is written under conf_lock and read under RCU. It owns
 * one reference on each node. A node holds its netdevice, so the device's
 * memory outlives every node, including those kept alive by packets in
 * flight after the device was unregistered.
 */
#include <linux/jiffies.h>
#include <linux/netdevice.h>
#include <linux/once.h>
#include <linux/rculist.h>
#include <linux/siphash.h>
#include <linux/slab.h>

#include "device.h"
#include "key.h"
#include "node.h"
#include "notify.h"
#include "prefix.h"
#include "queue.h"
#include "receive.h"
#include "send.h"

/*
 * Node ids are SHA-256 digests, but they come from configuration that may
 * be fed by a remote coordinator: key the bucket hash anyway.
 */
static siphash_key_t aegis_node_hash_key __read_mostly;

static u64 aegis_node_hash(const u8 *id)
{
	return siphash(id, AEGIS_NODE_ID_LEN, &aegis_node_hash_key);
}

#define node_deref(aegis, p) \
	rcu_dereference_protected(p, lockdep_is_held(&(aegis)->conf_lock))

struct aegis_node *aegis_node_create(struct aegis_device *aegis, const u8 *id)
{
	struct aegis_node *node;
	int ret;

	lockdep_assert_held(&aegis->conf_lock);

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return ERR_PTR(-ENOMEM);
	node->stats = netdev_alloc_pcpu_stats(struct aegis_node_stats);
	if (!node->stats) {
		ret = -ENOMEM;
		goto err_free_node;
	}
	ret = dst_cache_init(&node->dst_cache, GFP_KERNEL);
	if (ret)
		goto err_free_stats;
	ret = ptr_ring_init(&node->tx_ring, AEGIS_NODE_RING_SIZE, GFP_KERNEL);
	if (ret)
		goto err_free_dst_cache;
	ret = ptr_ring_init(&node->rx_ring, AEGIS_NODE_RING_SIZE, GFP_KERNEL);
	if (ret)
		goto err_free_tx_ring;

	node->aegis = aegis;
	memcpy(node->id, id, AEGIS_NODE_ID_LEN);
	INIT_LIST_HEAD(&node->prefixes);
	seqlock_init(&node->endpoint_lock);
	node->no_key_ntf_at = jiffies - HZ;
	kref_init(&node->refcount);
	dev_hold(aegis->dev);	/* dropped by aegis_node_free_rcu() */
	INIT_WORK(&node->tx_work, aegis_tx_work);
	netif_napi_add(aegis->dev, &node->napi, aegis_rx_poll);
	napi_enable(&node->napi);

	get_random_once(&aegis_node_hash_key, sizeof(aegis_node_hash_key));
	node->tx_cpu_hash = (u32)aegis_node_hash(id);
	hash_add_rcu(aegis->node_hash, &node->id_hash, aegis_node_hash(id));
	list_add_tail(&node->list, &aegis->node_list);
	aegis->node_count++;
	aegis_bump_generation(aegis);
	return node;

err_free_tx_ring:
	ptr_ring_cleanup(&node->tx_ring, NULL);
err_free_dst_cache:
	dst_cache_destroy(&node->dst_cache);
err_free_stats:
	free_percpu(node->stats);
err_free_node:
	kfree(node);
	return ERR_PTR(ret);
}

static struct aegis_node *aegis_node_hash_find(struct aegis_device *aegis,
					       const u8 *id)
{
	struct aegis_node *node;

	hash_for_each_possible_rcu(aegis->node_hash, node, id_hash,
				   aegis_node_hash(id),
				   lockdep_is_held(&aegis->conf_lock)) {
		if (!memcmp(node->id, id, AEGIS_NODE_ID_LEN))
			return node;
	}
	return NULL;
}

struct aegis_node *aegis_node_find(struct aegis_device *aegis, const u8 *id)
{
	lockdep_assert_held(&aegis->conf_lock);
	return aegis_node_hash_find(aegis, id);
}

struct aegis_node *aegis_node_lookup_rcu(struct aegis_device *aegis,
					 const u8 *id)
{
	return aegis_node_hash_find(aegis, id);
}

struct aegis_node *aegis_node_get(struct aegis_node *node)
{
	kref_get(&node->refcount);
	return node;
}

struct aegis_node *aegis_node_get_rcu(struct aegis_node *node)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_any_held(),
			 "taking a reference outside an RCU read-side section");
	if (unlikely(!node || !kref_get_unless_zero(&node->refcount)))
		return NULL;
	return node;
}

static void aegis_node_free_rcu(struct rcu_head *rcu)
{
	struct aegis_node *node = container_of(rcu, struct aegis_node, rcu);

	/* Every unit holds the node: its rings are empty by now. A test-only
	 * build (make check-debug's kmemleak canary) forgets the receive
	 * ring, to prove that the lane's kmemleak scan reports a lost free.
	 */
	if (!IS_ENABLED(CONFIG_AEGISRAY_LEAK_CANARY))
		ptr_ring_cleanup(&node->rx_ring, NULL);
	ptr_ring_cleanup(&node->tx_ring, NULL);
	dst_cache_destroy(&node->dst_cache);
	free_percpu(node->stats);
	dev_put(node->aegis->dev);
	kfree(node);
}

static void aegis_node_release(struct kref *kref)
{
	struct aegis_node *node = container_of(kref, struct aegis_node, refcount);

	/* Readers that found it under RCU may still be looking at it. */
	call_rcu(&node->rcu, aegis_node_free_rcu);
}

void aegis_node_put(struct aegis_node *node)
{
	if (node)
		kref_put(&node->refcount, aegis_node_release);
}

/*
 * Unlink @node and drop the table's reference. @clear_via: also clear the
 * next hop of every node that is routed through @node (remove_all clears
 * them all at once instead, to stay linear).
 */
static void __aegis_node_remove(struct aegis_node *node, bool clear_via)
{
	struct aegis_device *aegis = node->aegis;
	struct aegis_node *other;

	lockdep_assert_held(&aegis->conf_lock);

	WRITE_ONCE(node->dead, 1);
	/*
	 * Pairs with aegis_rx_kick(): a worker that finishes a unit
	 * either sees @dead and purges, or scheduled the poll before it was
	 * disabled and the purge below sees the unit finished.
	 */
	smp_mb();
	napi_disable(&node->napi);
	/* Freed after a grace period (aegis_node_release), as this needs. */
	__netif_napi_del(&node->napi);
	aegis_rx_purge(node);
	hash_del_rcu(&node->id_hash);
	list_del(&node->list);
	aegis_key_delete_all(node);
	aegis_prefix_remove_by_node(&aegis->prefixes, &node->prefixes,
				    &aegis->conf_lock);
	if (clear_via) {
		list_for_each_entry(other, &aegis->node_list, list) {
			if (rcu_access_pointer(other->via) == node)
				RCU_INIT_POINTER(other->via, NULL);
		}
	}
	RCU_INIT_POINTER(node->via, NULL);
	aegis->node_count--;
	aegis_bump_generation(aegis);
	aegis_node_put(node);
}

void aegis_node_remove(struct aegis_node *node)
{
	__aegis_node_remove(node, true);
}

void aegis_node_remove_all(struct aegis_device *aegis)
{
	struct aegis_node *node, *tmp;

	lockdep_assert_held(&aegis->conf_lock);

	list_for_each_entry(node, &aegis->node_list, list)
		RCU_INIT_POINTER(node->via, NULL);
	list_for_each_entry_safe(node, tmp, &aegis->node_list, list)
		__aegis_node_remove(node, false);
}

/* Writer side of @node->endpoint_lock held. */
static void aegis_node_write_endpoint(struct aegis_node *node,
				      const union aegis_sockaddr *remote)
{
	struct aegis_endpoint *ep = &node->endpoint;

	memset(ep, 0, sizeof(*ep));
	if (remote->addr.sa_family == AF_INET)
		ep->remote.in4 = remote->in4;
	else
		ep->remote.in6 = remote->in6;
	node->has_endpoint = true;
}

void aegis_node_set_endpoint(struct aegis_node *node,
			     const union aegis_sockaddr *remote)
{
	lockdep_assert_held(&node->aegis->conf_lock);

	write_seqlock_bh(&node->endpoint_lock);
	aegis_node_write_endpoint(node, remote);
	write_sequnlock_bh(&node->endpoint_lock);
	/* Routes cached for the old address (and source) are stale. */
	dst_cache_reset(&node->dst_cache);
}

static bool aegis_sockaddr_equal(const union aegis_sockaddr *a,
				 const union aegis_sockaddr *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->in4.sin_port == b->in4.sin_port &&
		       a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
	return a->in6.sin6_port == b->in6.sin6_port &&
	       ipv6_addr_equal(&a->in6.sin6_addr, &b->in6.sin6_addr) &&
	       a->in6.sin6_scope_id == b->in6.sin6_scope_id;
}

/* Is @remote @node's endpoint? */
static bool aegis_node_at(struct aegis_node *node,
			  const union aegis_sockaddr *remote)
{
	unsigned int seq;
	bool same;

	do {
		seq = read_seqbegin(&node->endpoint_lock);
		same = node->has_endpoint &&
		       aegis_sockaddr_equal(&node->endpoint.remote, remote);
	} while (read_seqretry(&node->endpoint_lock, seq));
	return same;
}

static void aegis_node_update_endpoint(struct aegis_node *node,
				       const union aegis_sockaddr *remote)
{
	if (unlikely(READ_ONCE(node->dead) ||
		     (remote->addr.sa_family != AF_INET &&
		      remote->addr.sa_family != AF_INET6)))
		return;
	if (likely(aegis_node_at(node, remote)))
		return;

	write_seqlock_bh(&node->endpoint_lock);
	aegis_node_write_endpoint(node, remote);
	write_sequnlock_bh(&node->endpoint_lock);
	dst_cache_reset(&node->dst_cache);
	aegis_notify_endpoint(node);
}

void aegis_node_rx_from(struct aegis_node *node,
			const union aegis_sockaddr *remote)
{
	/* BH is off: the NAPI poll, or a relay's receive softirq. */
	struct aegis_node *via = rcu_dereference_bh(node->via);

	if (!via)
		aegis_node_update_endpoint(node, remote);
	else if (aegis_node_at(via, remote))
		/* Set by aegis_rx_accept() for this very packet. */
		WRITE_ONCE(via->last_rx_ns, READ_ONCE(node->last_rx_ns));
}

void aegis_node_count_drop(struct aegis_node *node, enum aegis_drop_attr why)
{
	if (likely(aegis_drop_reason_valid(why)))
		atomic64_inc(&node->drops[why]);
}

/* Both run with BH disabled (the data path), on the local CPU's stats. */
void aegis_node_count_rx(struct aegis_node *node, unsigned int len)
{
	struct aegis_node_stats *stats = this_cpu_ptr(node->stats);

	u64_stats_update_begin(&stats->syncp);
	u64_stats_add(&stats->rx_bytes, len);
	u64_stats_inc(&stats->rx_packets);
	u64_stats_update_end(&stats->syncp);
}

void aegis_node_count_tx(struct aegis_node *node, unsigned int len)
{
	struct aegis_node_stats *stats = this_cpu_ptr(node->stats);

	u64_stats_update_begin(&stats->syncp);
	u64_stats_add(&stats->tx_bytes, len);
	u64_stats_inc(&stats->tx_packets);
	u64_stats_update_end(&stats->syncp);
}
