/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Nodes (peers) of the mesh and their next hops.
 *
 * Lifetime: a node is created and unlinked by genl under conf_lock. It is
 * reference counted: the node table holds one reference; the data path
 * takes temporary ones with aegis_node_get_rcu() (kref_get_unless_zero)
 * while it holds RCU, and drops them with aegis_node_put(). The last put
 * frees the node after an RCU grace period. Keys hold a reference on their
 * node, so a key found by receiver index always has a live owner.
 */
#ifndef _AEGIS_NODE_H
#define _AEGIS_NODE_H

#include <linux/cpumask.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/ptr_ring.h>
#include <linux/seqlock.h>
#include <linux/workqueue.h>
#include <linux/u64_stats_sync.h>
#include <net/dst_cache.h>
#include <uapi/linux/aegisray.h>

struct aegis_device;
struct aegis_key;

union aegis_sockaddr {
	/* Not struct sockaddr: it ends in a flexible array (sparse warns). */
	struct {
		sa_family_t sa_family;
	} addr;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

/* Where a node's packets go: its address, and the source address we use. */
struct aegis_endpoint {
	union aegis_sockaddr remote;
	union {
		__be32 src4;
		struct in6_addr src6;
	};
};

struct aegis_node_stats {
	u64_stats_t rx_bytes;
	u64_stats_t rx_packets;
	u64_stats_t tx_bytes;
	u64_stats_t tx_packets;
	struct u64_stats_sync syncp;
};

/*
 * struct aegis_node
 * @keys:	[AEGIS_KEY_SLOT_PRIMARY] transmits; both slots receive.
 *		Written under conf_lock, read under RCU.
 * @via:	next hop when the node is not reached directly, else NULL.
 *		No reference is held: deleting a node clears every @via
 *		that points at it (under conf_lock) before it is freed.
 * @endpoint:	protected by @endpoint_lock (seqlock: the data path reads
 *		it on every packet, roaming writes it rarely).
 * @prefixes:	this node's entries in the prefix table (conf_lock).
 * @tx_ring, @rx_ring: units in flight to and from this node, in order
 *		(queue.h); each unit holds a reference on the node.
 * @tx_work:	the serial transmit stage when it must move to the node's
 *		transmit CPU; queued with a node reference, which it drops.
 * @tx_cpu_hash: picks the node's transmit CPU among the online ones.
 * @napi:	the serial receive stage: takes finished units off @rx_ring in
 *		order and delivers them with GRO. Disabled when the node dies.
 * @drops:	drop counters by enum aegis_drop_attr.
 * @dead:	set (under conf_lock) when the node leaves the tables; read
 *		by the workers to purge instead of scheduling @napi.
 */
struct aegis_node {
	struct aegis_device *aegis;
	u8 id[AEGIS_NODE_ID_LEN];
	struct hlist_node id_hash;
	struct list_head list;
	struct list_head prefixes;

	struct aegis_key __rcu *keys[2];
	struct aegis_node __rcu *via;

	seqlock_t endpoint_lock;
	struct aegis_endpoint endpoint;
	bool has_endpoint;
	struct dst_cache dst_cache;

	struct ptr_ring tx_ring;
	struct ptr_ring rx_ring;
	struct napi_struct napi;
	struct work_struct tx_work;
	u32 tx_cpu_hash;

	u16 keepalive;
	u32 flags;

	struct aegis_node_stats __percpu *stats;
	atomic64_t drops[__AEGIS_DROP_A_MAX];
	u64 last_rx_ns;		/* boottime ns, WRITE_ONCE/READ_ONCE */
	u64 last_tx_ns;
	unsigned long no_key_ntf_at;	/* jiffies of the last NTF_NO_KEY */
	/* Housekeeping (conf_lock): PEER_IDLE sent, at this last_rx_ns. */
	bool idle_notified;
	u64 idle_rx_ns;
	u32 dead;

	struct kref refcount;
	struct rcu_head rcu;
};

/* Control path (conf_lock held). create returns an ERR_PTR on failure. */
struct aegis_node *aegis_node_create(struct aegis_device *aegis, const u8 *id);
struct aegis_node *aegis_node_get(struct aegis_node *node);
void aegis_node_remove(struct aegis_node *node);
void aegis_node_remove_all(struct aegis_device *aegis);
struct aegis_node *aegis_node_find(struct aegis_device *aegis, const u8 *id);
void aegis_node_set_endpoint(struct aegis_node *node,
			     const union aegis_sockaddr *remote);

/* Data path. */
/* The CPU that sends @node's packets: one flow, one CPU, in order. */
static inline int aegis_node_tx_cpu(const struct aegis_node *node)
{
	return cpumask_nth(node->tx_cpu_hash % num_online_cpus(),
			   cpu_online_mask);
}

struct aegis_node *aegis_node_lookup_rcu(struct aegis_device *aegis,
					 const u8 *id);
struct aegis_node *aegis_node_get_rcu(struct aegis_node *node);
void aegis_node_put(struct aegis_node *node);
/* A drop reason with a counter (every attribute but UNSPEC and PAD). */
static inline bool aegis_drop_reason_valid(int why)
{
	return why > AEGIS_DROP_A_UNSPEC && why <= AEGIS_DROP_A_MAX &&
	       why != AEGIS_DROP_A_PAD;
}

void aegis_node_count_drop(struct aegis_node *node, enum aegis_drop_attr why);
void aegis_node_count_rx(struct aegis_node *node, unsigned int len);
void aegis_node_count_tx(struct aegis_node *node, unsigned int len);
/*
 * An authenticated, fresh packet of @node's came from @remote. A node
 * reached directly roams there (its endpoint moves; userspace is told). A
 * node behind a relay does not: its packets arrive from the relay, which
 * hands them on without a layer of its own (relay.c), and the relay is
 * counted alive (last_rx_ns) when @remote is the relay's endpoint.
 * Called with BH disabled, after aegis_rx_accept().
 */
void aegis_node_rx_from(struct aegis_node *node,
			const union aegis_sockaddr *remote);

#endif /* _AEGIS_NODE_H */
