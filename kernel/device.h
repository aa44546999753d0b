/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The aegis0 netdevice: private state and the rtnl link type.
 */
#ifndef _AEGIS_DEVICE_H
#define _AEGIS_DEVICE_H

#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/workqueue.h>
#include <uapi/linux/aegisray.h>

#include "prefix.h"
#include "queue.h"

#define AEGIS_NODE_HASH_BITS	10
#define AEGIS_INDEX_HASH_BITS	11
#define AEGIS_DEFAULT_IDLE_TIMEOUT 180	/* seconds */

struct aegis_sock;

/*
 * struct aegis_device - per-netdevice state, netdev_priv() of an aegis0.
 * @dev:	back pointer to the netdevice.
 * @conf_lock:	serialises every configuration change (genl, rtnl, the
 *		housekeeping work); writers of every table below hold it. The
 *		data path never takes it: it reads the tables under RCU.
 * @sock:	the UDP socket userspace handed over, or NULL. Written under
 *		@sock_lock (also from the socket's encap_destroy).
 * @node_hash:	nodes by id (RCU readers, @conf_lock writers).
 * @node_list:	nodes in insertion order, for dumps (@conf_lock).
 * @index_hash:	installed keys by receiver index (RCU readers).
 * @prefixes:	the LPM table of overlay prefixes.
 * @node_id:	this node's id, valid when @has_node_id is set.
 * @generation:	bumped on every table change, reported in dumps.
 * @changes:	the same, as a count that never wraps: a dump resumes at a
 *		saved entry only while it is unchanged (netlink.h).
 * @encrypt_q, @decrypt_q: units waiting for a crypto worker (queue.h).
 * @housekeeping: once a second: key lifetimes, idle peers.
 */
struct aegis_device {
	struct net_device *dev;
	struct mutex conf_lock;		/* tables and settings */
	spinlock_t sock_lock;		/* @sock changes */
	struct aegis_sock __rcu *sock;

	DECLARE_HASHTABLE(node_hash, AEGIS_NODE_HASH_BITS);
	struct list_head node_list;
	u32 node_count;
	DECLARE_HASHTABLE(index_hash, AEGIS_INDEX_HASH_BITS);
	struct aegis_prefix_table prefixes;

	u8 node_id[AEGIS_NODE_ID_LEN];
	bool has_node_id;
	u8 hop_limit;
	u32 idle_timeout;
	u32 generation;
	u64 changes;

	struct aegis_crypt_queue encrypt_q;
	struct aegis_crypt_queue decrypt_q;
	struct delayed_work housekeeping;
	/* Rate limit of "unknown receiver index" logging. */
	atomic64_t rx_unknown_index;
};

extern struct rtnl_link_ops aegis_link_ops;

int aegis_device_init(void);
void aegis_device_uninit(void);

static inline bool aegis_is_device(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &aegis_link_ops;
}

/* A table changed: dumps in progress must report NLM_F_DUMP_INTR. */
static inline void aegis_bump_generation(struct aegis_device *aegis)
{
	lockdep_assert_held(&aegis->conf_lock);
	/* Never 0: a dump sequence of 0 disables the consistency check. */
	WRITE_ONCE(aegis->generation, aegis->generation + 1 ?: 1);
	aegis->changes++;
}

#endif /* _AEGIS_DEVICE_H */
