// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Transmit: overlay packet -> LPM lookup -> (end-to-end layer for relayed
 * nodes) -> hop layer -> UDP.
 *
 * A node reached through another ("via") gets two layers: the end-to-end
 * AEAD with the destination's keys, wrapped in a relay frame, then the hop
 * AEAD with the next hop's keys. Relays (aegis_send_relay) only ever add
 * the hop layer, so they never see plaintext.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "crypto.h"
#include "device.h"
#include "key.h"
#include "messages.h"
#include "node.h"
#include "notify.h"
#include "send.h"
#include "socket.h"

/* State of a packet while its encryption is in flight. */
struct aegis_tx_cb {
	struct aegis_key *key;		/* reference held */
	struct aegis_node *dst;		/* relay: final destination, ref held */
};

static inline struct aegis_tx_cb *aegis_tx_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct aegis_tx_cb) > sizeof(skb->cb));
	return (struct aegis_tx_cb *)skb->cb;
}

static void aegis_tx_drop(struct aegis_device *aegis, struct aegis_node *node,
			  struct sk_buff *skb, enum aegis_drop_attr why)
{
	if (node)
		aegis_node_count_drop(node, why);
	DEV_STATS_INC(aegis->dev, tx_dropped);
	kfree_skb(skb);
}

/* The hop layer is on: put the packet on the wire to the key's node. */
static void aegis_tx_hop_done(struct sk_buff *skb, int err)
{
	struct aegis_key *key = aegis_tx_cb(skb)->key;
	struct aegis_node *node = key->node;
	struct aegis_device *aegis = node->aegis;
	unsigned int len = skb->len;

	if (unlikely(err)) {
		net_dbg_ratelimited("%s: encryption failed: %d\n",
				    aegis->dev->name, err);
		aegis_tx_drop(aegis, node, skb, AEGIS_DROP_A_MALFORMED);
		goto out;
	}
	memset(skb->cb, 0, sizeof(skb->cb));
	rcu_read_lock_bh();
	err = aegis_sock_send(aegis, node, skb);
	rcu_read_unlock_bh();
	if (unlikely(err)) {
		aegis_node_count_drop(node, AEGIS_DROP_A_NO_ROUTE);
		DEV_STATS_INC(aegis->dev, tx_carrier_errors);
	} else {
		aegis_node_count_tx(node, len);
		WRITE_ONCE(node->last_tx_ns, ktime_get_boottime_ns());
	}
out:
	aegis_key_put(key);
}

/*
 * Put the data header in front of @skb, encrypt it with @key and hand it
 * to @done. Consumes the skb and the key reference.
 */
static void aegis_tx_seal(struct aegis_device *aegis, struct aegis_key *key,
			  struct sk_buff *skb, aegis_crypt_done_t done)
{
	struct aegis_data_hdr *hdr;
	u64 counter;
	int ret;

	if (unlikely(!aegis_key_next_counter(key, &counter))) {
		aegis_tx_drop(aegis, key->node, skb, AEGIS_DROP_A_KEY_EXPIRED);
		aegis_key_put(key);
		return;
	}
	if (unlikely(skb_cow_head(skb, AEGIS_HDR_LEN + AEGIS_OUTER_V6 + LL_MAX_HEADER))) {
		aegis_tx_drop(aegis, key->node, skb, AEGIS_DROP_A_MALFORMED);
		aegis_key_put(key);
		return;
	}
	hdr = skb_push(skb, AEGIS_HDR_LEN);
	hdr->flags = AEGIS_FORM_SHORT | (key->key_id & AEGIS_KEY_ID_MASK) |
		     ((u8)counter & AEGIS_SPIN_BIT);
	hdr->cid = key->tx_cid;
	hdr->pn = cpu_to_be32((u32)counter);

	aegis_tx_cb(skb)->key = key;
	ret = aegis_encrypt(key, skb, counter, done);
	if (ret == -EINPROGRESS)
		return;
	done(skb, ret);
}

/* Primary key of @node, with a reference, or NULL (and "no key" noise). */
static struct aegis_key *aegis_tx_key(struct aegis_node *node)
{
	struct aegis_key *key;

	key = rcu_dereference_bh(node->keys[AEGIS_KEY_SLOT_PRIMARY]);
	if (key)
		key = aegis_key_get_rcu(key);
	if (unlikely(!key)) {
		aegis_node_count_drop(node, AEGIS_DROP_A_NO_KEY);
		aegis_notify_no_key(node);
	}
	return key;
}

/* Send a plaintext payload (IP packet, keepalive or relay frame) to @hop. */
static void aegis_tx_to_hop(struct aegis_device *aegis, struct aegis_node *hop,
			    struct sk_buff *skb)
{
	struct aegis_key *key = aegis_tx_key(hop);

	if (unlikely(!key)) {
		DEV_STATS_INC(aegis->dev, tx_dropped);
		kfree_skb(skb);
		return;
	}
	aegis_tx_seal(aegis, key, skb, aegis_tx_hop_done);
}

void aegis_send_relay(struct aegis_device *aegis, struct sk_buff *skb)
{
	struct aegis_relay_hdr *rh = (struct aegis_relay_hdr *)skb->data;
	struct aegis_node *dst, *hop;

	rcu_read_lock_bh();
	dst = aegis_node_lookup_rcu(aegis, rh->dst);
	if (unlikely(!dst)) {
		DEV_STATS_INC(aegis->dev, tx_dropped);
		kfree_skb(skb);
		goto out;
	}
	hop = rcu_dereference_bh(dst->via);
	if (hop == NULL)
		hop = dst;
	else if (unlikely(rcu_access_pointer(hop->via))) {
		aegis_tx_drop(aegis, dst, skb, AEGIS_DROP_A_NO_ROUTE);
		goto out;
	}
	aegis_tx_to_hop(aegis, hop, skb);
out:
	rcu_read_unlock_bh();
}

/* The end-to-end layer is on: wrap it in a relay frame for the next hop. */
static void aegis_tx_e2e_done(struct sk_buff *skb, int err)
{
	struct aegis_key *key = aegis_tx_cb(skb)->key;
	struct aegis_node *dst = key->node;
	struct aegis_device *aegis = dst->aegis;
	struct aegis_relay_hdr *rh;

	if (unlikely(err)) {
		aegis_tx_drop(aegis, dst, skb, AEGIS_DROP_A_MALFORMED);
		goto out;
	}
	if (unlikely(skb_cow_head(skb, AEGIS_RELAY_HDR_LEN + AEGIS_HDR_LEN +
				       AEGIS_OUTER_V6 + LL_MAX_HEADER))) {
		aegis_tx_drop(aegis, dst, skb, AEGIS_DROP_A_MALFORMED);
		goto out;
	}
	aegis_node_count_tx(dst, skb->len);
	rh = skb_push(skb, AEGIS_RELAY_HDR_LEN);
	rh->type = AEGIS_RELAY_TYPE;
	rh->hop_limit = READ_ONCE(aegis->hop_limit);
	memcpy(rh->dst, dst->id, AEGIS_NODE_ID_LEN);
	aegis_send_relay(aegis, skb);
out:
	aegis_key_put(key);
}

/* One packet (a GSO segment or a whole packet) to @node. */
static void aegis_tx_one(struct aegis_device *aegis, struct aegis_node *node,
			 struct sk_buff *skb)
{
	struct aegis_node *via = rcu_dereference_bh(node->via);
	struct aegis_key *key;

	if (unlikely(skb->ip_summed == CHECKSUM_PARTIAL &&
		     skb_checksum_help(skb))) {
		aegis_tx_drop(aegis, node, skb, AEGIS_DROP_A_MALFORMED);
		return;
	}
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	if (!via) {
		aegis_tx_to_hop(aegis, node, skb);
		return;
	}
	key = aegis_tx_key(node);
	if (unlikely(!key)) {
		DEV_STATS_INC(aegis->dev, tx_dropped);
		kfree_skb(skb);
		return;
	}
	aegis_tx_seal(aegis, key, skb, aegis_tx_e2e_done);
}

/* Reply to a packet that cannot go out; consumes it. */
static void aegis_tx_icmp(struct sk_buff *skb, bool too_big, u32 mtu)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		if (too_big)
			icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
				      htonl(mtu));
		else
			icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		if (too_big)
			icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
		else
			icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH,
					ICMPV6_ADDR_UNREACH, 0);
	}
	kfree_skb(skb);
}

/* The overlay destination of an IP packet, or NULL if it is not one. */
static const void *aegis_tx_daddr(struct sk_buff *skb, int *family)
{
	if (skb->protocol == htons(ETH_P_IP) &&
	    pskb_network_may_pull(skb, sizeof(struct iphdr)) &&
	    ip_hdr(skb)->version == 4) {
		*family = AF_INET;
		return &ip_hdr(skb)->daddr;
	}
	if (skb->protocol == htons(ETH_P_IPV6) &&
	    pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) &&
	    ipv6_hdr(skb)->version == 6) {
		*family = AF_INET6;
		return &ipv6_hdr(skb)->daddr;
	}
	return NULL;
}

static bool aegis_tx_too_big(struct sk_buff *skb, unsigned int mtu)
{
	if (skb_is_gso(skb) || skb->len <= mtu)
		return false;
	if (skb->protocol == htons(ETH_P_IP))
		return ip_hdr(skb)->frag_off & htons(IP_DF);
	return true;	/* IPv6 routers never fragment */
}

netdev_tx_t aegis_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct aegis_device *aegis = netdev_priv(dev);
	struct sk_buff *segs, *next;
	struct aegis_node *node;
	const void *daddr;
	unsigned int mtu;
	int family;

	skb_reset_network_header(skb);
	daddr = aegis_tx_daddr(skb, &family);
	if (unlikely(!daddr)) {
		DEV_STATS_INC(dev, tx_errors);
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}

	rcu_read_lock_bh();
	node = aegis_prefix_lookup(&aegis->prefixes, family, daddr);
	if (unlikely(!node)) {
		rcu_read_unlock_bh();
		if (family == AF_INET)
			net_dbg_ratelimited("%s: no route to %pI4\n", dev->name, daddr);
		else
			net_dbg_ratelimited("%s: no route to %pI6c\n", dev->name, daddr);
		DEV_STATS_INC(dev, tx_dropped);
		aegis_tx_icmp(skb, false, 0);
		/* Consumed; a local sender also gets the error from sendmsg(). */
		return (__force netdev_tx_t)-EHOSTUNREACH;
	}
	mtu = READ_ONCE(dev->mtu);
	if (unlikely(aegis_tx_too_big(skb, mtu))) {
		rcu_read_unlock_bh();
		DEV_STATS_INC(dev, tx_dropped);
		aegis_tx_icmp(skb, true, mtu);
		return NETDEV_TX_OK;
	}

	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			aegis_tx_drop(aegis, node, skb, AEGIS_DROP_A_MALFORMED);
			goto out;
		}
		consume_skb(skb);
	} else {
		segs = skb;
		skb_mark_not_on_list(skb);
	}
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		aegis_tx_one(aegis, node, skb);
	}
out:
	rcu_read_unlock_bh();
	return NETDEV_TX_OK;
}

void aegis_send_keepalive(struct aegis_node *node)
{
	struct aegis_device *aegis = node->aegis;
	struct sk_buff *skb;

	if (rcu_access_pointer(node->via))
		return;	/* keepalives keep NAT mappings: direct paths only */
	skb = alloc_skb(AEGIS_HDR_LEN + AEGIS_TAG_LEN + AEGIS_OUTER_V6 +
			LL_MAX_HEADER, GFP_ATOMIC);
	if (!skb)
		return;
	skb_reserve(skb, AEGIS_HDR_LEN + AEGIS_OUTER_V6 + LL_MAX_HEADER);
	skb->dev = aegis->dev;
	rcu_read_lock_bh();
	aegis_tx_to_hop(aegis, node, skb);
	rcu_read_unlock_bh();
}
