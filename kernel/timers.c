// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Housekeeping, once a second while the device is up: key lifetimes, idle
 * peers and persistent keepalives. Packet limits are enforced by the data
 * path itself (aegis_key_next_counter()); only time is checked here.
 */
#include <linux/netdevice.h>
#include <linux/ktime.h>
#include <linux/workqueue.h>

#include "device.h"
#include "key.h"
#include "node.h"
#include "notify.h"
#include "send.h"
#include "timers.h"

#define AEGIS_HOUSEKEEPING_INTERVAL	HZ

static void aegis_check_keys(struct aegis_device *aegis,
			     struct aegis_node *node, u64 now)
{
	struct aegis_key *key;
	int slot;

	for (slot = 0; slot < ARRAY_SIZE(node->keys); slot++) {
		key = rcu_dereference_protected(node->keys[slot],
						lockdep_is_held(&aegis->conf_lock));
		if (key)
			aegis_key_age(key, now);
	}
}

/*
 * NTF_PEER_IDLE once per silence: the data path only writes last_rx_ns, so
 * a silence ends when last_rx_ns differs from the value we notified at.
 */
static void aegis_check_idle(struct aegis_device *aegis,
			     struct aegis_node *node, u64 now)
{
	u64 timeout = (u64)READ_ONCE(aegis->idle_timeout) * NSEC_PER_SEC;
	u64 last_rx = READ_ONCE(node->last_rx_ns);

	if (node->idle_notified) {
		if (last_rx == node->idle_rx_ns)
			return;
		node->idle_notified = false;
	}
	if (!timeout || !last_rx || now <= last_rx || now - last_rx <= timeout)
		return;
	node->idle_notified = true;
	node->idle_rx_ns = last_rx;
	aegis_notify_peer_idle(node);
}

/*
 * Keep NAT mappings open: an empty authenticated packet when nothing was
 * sent for @node->keepalive seconds. Only with a usable key to send it
 * under, or every pass would count a drop (and notify NO_KEY) instead.
 */
static void aegis_check_keepalive(struct aegis_device *aegis,
				  struct aegis_node *node, u64 now)
{
	u64 interval = (u64)READ_ONCE(node->keepalive) * NSEC_PER_SEC;
	u64 last_tx = READ_ONCE(node->last_tx_ns);
	struct aegis_key *key;

	key = rcu_dereference_protected(node->keys[AEGIS_KEY_SLOT_PRIMARY],
					lockdep_is_held(&aegis->conf_lock));
	if (!interval || !key || READ_ONCE(key->expired))
		return;
	if (now > last_tx && now - last_tx < interval)
		return;
	rcu_read_lock_bh();
	aegis_send_keepalive(node);
	rcu_read_unlock_bh();
}

void aegis_housekeeping(struct work_struct *work)
{
	struct aegis_device *aegis = container_of(to_delayed_work(work),
						  struct aegis_device,
						  housekeeping);
	struct aegis_node *node;
	u64 now;

	mutex_lock(&aegis->conf_lock);
	now = ktime_get_boottime_ns();
	list_for_each_entry(node, &aegis->node_list, list) {
		aegis_check_keys(aegis, node, now);
		aegis_check_idle(aegis, node, now);
		aegis_check_keepalive(aegis, node, now);
	}
	mutex_unlock(&aegis->conf_lock);

	/* ndo_stop clears the running bit before it cancels us. */
	if (netif_running(aegis->dev))
		queue_delayed_work(system_power_efficient_wq,
				   &aegis->housekeeping,
				   AEGIS_HOUSEKEEPING_INTERVAL);
}

void aegis_housekeeping_start(struct aegis_device *aegis)
{
	queue_delayed_work(system_power_efficient_wq, &aegis->housekeeping,
			   AEGIS_HOUSEKEEPING_INTERVAL);
}

void aegis_housekeeping_stop(struct aegis_device *aegis)
{
	cancel_delayed_work_sync(&aegis->housekeeping);
}
