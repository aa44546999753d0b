// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Notifications to the AEGIS_GENL_MCGRP_NOTIFY multicast group.
 *
 * Callers are the data path (softirq, or BH disabled), the housekeeping
 * work and genl handlers, so everything here is atomic-safe: GFP_ATOMIC,
 * no locks, node and key state read with RCU or READ_ONCE. A notification
 * that cannot be built or delivered is dropped: listeners that must not
 * miss state re-read it with the GET commands.
 */
#include <linux/jiffies.h>
#include <net/genetlink.h>

#include "device.h"
#include "key.h"
#include "netlink.h"
#include "node.h"
#include "notify.h"

/* Largest notification: header, ifindex, generation and one nest. */
#define AEGIS_NTF_SIZE	512

static struct sk_buff *aegis_ntf_new(struct aegis_device *aegis, u8 cmd,
				     void **hdr)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&aegis_genl_family, dev_net(aegis->dev),
				AEGIS_MCGRP_NOTIFY))
		return NULL;
	skb = genlmsg_new(AEGIS_NTF_SIZE, GFP_ATOMIC);
	if (!skb)
		return NULL;
	*hdr = aegis_nl_put_header(skb, aegis, 0, 0, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void aegis_ntf_send(struct aegis_device *aegis, struct sk_buff *skb,
			   void *hdr)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&aegis_genl_family, dev_net(aegis->dev), skb,
				0, AEGIS_MCGRP_NOTIFY, GFP_ATOMIC);
}

static int aegis_slot_of(struct aegis_key *key)
{
	struct aegis_node *node = key->node;
	int slot;

	for (slot = 0; slot < ARRAY_SIZE(node->keys); slot++)
		if (rcu_access_pointer(node->keys[slot]) == key)
			return slot;
	return -1;	/* deleted meanwhile */
}

static void aegis_notify_key(struct aegis_key *key, u8 cmd)
{
	struct aegis_node *node = key->node;
	struct aegis_device *aegis = node->aegis;
	struct nlattr *nest;
	struct sk_buff *skb;
	int slot;
	void *hdr;

	skb = aegis_ntf_new(aegis, cmd, &hdr);
	if (!skb)
		return;
	nest = nla_nest_start(skb, AEGIS_A_KEY);
	if (!nest)
		goto err_free;
	if (nla_put(skb, AEGIS_KEY_A_NODE_ID, AEGIS_NODE_ID_LEN, node->id) ||
	    nla_put_u8(skb, AEGIS_KEY_A_KEY_ID, key->key_id) ||
	    nla_put_u64_64bit(skb, AEGIS_KEY_A_RX_INDEX, key->rx_index,
			      AEGIS_KEY_A_PAD))
		goto err_free;
	slot = aegis_slot_of(key);
	if (slot >= 0 && nla_put_u8(skb, AEGIS_KEY_A_SLOT, slot))
		goto err_free;
	if (cmd == AEGIS_CMD_NTF_KEY_CONFIRMED &&
	    nla_put_flag(skb, AEGIS_KEY_A_CONFIRMED))
		goto err_free;
	nla_nest_end(skb, nest);
	aegis_ntf_send(aegis, skb, hdr);
	return;

err_free:
	nlmsg_free(skb);
}

void aegis_notify_rekey(struct aegis_key *key)
{
	aegis_notify_key(key, AEGIS_CMD_NTF_REKEY);
}

void aegis_notify_key_expired(struct aegis_key *key)
{
	aegis_notify_key(key, AEGIS_CMD_NTF_KEY_EXPIRED);
}

void aegis_notify_key_confirmed(struct aegis_key *key)
{
	aegis_notify_key(key, AEGIS_CMD_NTF_KEY_CONFIRMED);
}

enum aegis_ntf_node_extra {
	AEGIS_NTF_NODE_ID,
	AEGIS_NTF_NODE_ENDPOINT,
	AEGIS_NTF_NODE_LAST_RX,
};

static void aegis_notify_node(struct aegis_node *node, u8 cmd,
			      enum aegis_ntf_node_extra extra)
{
	struct aegis_device *aegis = node->aegis;
	struct nlattr *nest;
	struct sk_buff *skb;
	void *hdr;

	skb = aegis_ntf_new(aegis, cmd, &hdr);
	if (!skb)
		return;
	nest = nla_nest_start(skb, AEGIS_A_NODE);
	if (!nest)
		goto err_free;
	if (nla_put(skb, AEGIS_NODE_A_ID, AEGIS_NODE_ID_LEN, node->id))
		goto err_free;
	switch (extra) {
	case AEGIS_NTF_NODE_ENDPOINT:
		if (aegis_nl_put_endpoint(skb, node))
			goto err_free;
		break;
	case AEGIS_NTF_NODE_LAST_RX:
		if (nla_put_u64_64bit(skb, AEGIS_NODE_A_LAST_RX,
				      READ_ONCE(node->last_rx_ns),
				      AEGIS_NODE_A_PAD))
			goto err_free;
		break;
	case AEGIS_NTF_NODE_ID:
		break;
	}
	nla_nest_end(skb, nest);
	aegis_ntf_send(aegis, skb, hdr);
	return;

err_free:
	nlmsg_free(skb);
}

void aegis_notify_no_key(struct aegis_node *node)
{
	unsigned long last = READ_ONCE(node->no_key_ntf_at);
	unsigned long now = jiffies;

	/* One a second per node; of racing CPUs, the cmpxchg winner sends. */
	if (time_before(now, last + HZ) ||
	    cmpxchg(&node->no_key_ntf_at, last, now) != last)
		return;
	aegis_notify_node(node, AEGIS_CMD_NTF_NO_KEY, AEGIS_NTF_NODE_ID);
}

void aegis_notify_endpoint(struct aegis_node *node)
{
	aegis_notify_node(node, AEGIS_CMD_NTF_ENDPOINT, AEGIS_NTF_NODE_ENDPOINT);
}

void aegis_notify_peer_idle(struct aegis_node *node)
{
	aegis_notify_node(node, AEGIS_CMD_NTF_PEER_IDLE, AEGIS_NTF_NODE_LAST_RX);
}

void aegis_notify_sock_closed(struct aegis_device *aegis)
{
	struct sk_buff *skb;
	void *hdr;

	skb = aegis_ntf_new(aegis, AEGIS_CMD_NTF_SOCK_CLOSED, &hdr);
	if (skb)
		aegis_ntf_send(aegis, skb, hdr);
}
