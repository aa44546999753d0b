// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Receive: UDP encap_rcv -> classify by first byte -> key by receiver index
 * -> decrypt -> replay check -> payload: keepalive, IP packet (reverse-path
 * check, then GRO delivery) or relay frame (forward, or unwrap if it is for
 * us).
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/gro_cells.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/udp.h>

#include "crypto.h"
#include "device.h"
#include "key.h"
#include "messages.h"
#include "node.h"
#include "receive.h"
#include "replay.h"
#include "send.h"

/*
 * State of a packet while its decryption is in flight.
 * @depth:	0 for a packet off the wire, 1 for the end-to-end packet
 *		inside a relay frame addressed to us.
 */
struct aegis_rx_cb {
	struct aegis_key *key;		/* reference held */
	u64 counter;
	u8 depth;
};

static inline struct aegis_rx_cb *aegis_rx_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct aegis_rx_cb) > sizeof(skb->cb));
	return (struct aegis_rx_cb *)skb->cb;
}

static void aegis_rx_drop(struct aegis_device *aegis, struct aegis_node *node,
			  struct sk_buff *skb, enum aegis_drop_attr why)
{
	if (node)
		aegis_node_count_drop(node, why);
	DEV_STATS_INC(aegis->dev, rx_dropped);
	kfree_skb(skb);
}

static int aegis_rx_data(struct aegis_device *aegis, struct sk_buff *skb,
			 u8 depth);

/* Where the outer packet came from (for roaming). */
static bool aegis_rx_source(struct sk_buff *skb, union aegis_sockaddr *from)
{
	struct udphdr *uh = udp_hdr(skb);

	memset(from, 0, sizeof(*from));
	if (ip_hdr(skb)->version == 4) {
		from->in4.sin_family = AF_INET;
		from->in4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		from->in4.sin_port = uh->source;
		return true;
	}
	if (ip_hdr(skb)->version == 6) {
		from->in6.sin6_family = AF_INET6;
		from->in6.sin6_addr = ipv6_hdr(skb)->saddr;
		from->in6.sin6_port = uh->source;
		if (ipv6_addr_type(&from->in6.sin6_addr) & IPV6_ADDR_LINKLOCAL)
			from->in6.sin6_scope_id = skb->skb_iif;
		return true;
	}
	return false;
}

/*
 * Check an inner IP packet and trim any padding. Returns its source
 * address and family, or NULL if it is not a well-formed IP packet.
 */
static const void *aegis_rx_inner_saddr(struct sk_buff *skb, int *family)
{
	unsigned int len;

	skb_reset_network_header(skb);
	if (skb->len >= sizeof(struct iphdr) && ip_hdr(skb)->version == 4) {
		if (!pskb_may_pull(skb, sizeof(struct iphdr)))
			return NULL;
		len = ntohs(ip_hdr(skb)->tot_len);
		if (len < ip_hdr(skb)->ihl * 4 || len > skb->len ||
		    pskb_trim(skb, len))
			return NULL;
		skb->protocol = htons(ETH_P_IP);
		*family = AF_INET;
		return &ip_hdr(skb)->saddr;
	}
	if (skb->len >= sizeof(struct ipv6hdr) && ip_hdr(skb)->version == 6) {
		if (!pskb_may_pull(skb, sizeof(struct ipv6hdr)))
			return NULL;
		len = ntohs(ipv6_hdr(skb)->payload_len) + sizeof(struct ipv6hdr);
		if (len > skb->len || pskb_trim(skb, len))
			return NULL;
		skb->protocol = htons(ETH_P_IPV6);
		*family = AF_INET6;
		return &ipv6_hdr(skb)->saddr;
	}
	return NULL;
}

static void aegis_rx_deliver(struct aegis_device *aegis,
			     struct aegis_node *node, struct sk_buff *skb)
{
	struct net_device *dev = aegis->dev;
	const void *saddr;
	unsigned int len;
	int family;

	saddr = aegis_rx_inner_saddr(skb, &family);
	if (unlikely(!saddr)) {
		DEV_STATS_INC(dev, rx_length_errors);
		aegis_rx_drop(aegis, node, skb, AEGIS_DROP_A_MALFORMED);
		return;
	}
	/* Reverse path: the inner source must route back to the sender. */
	if (unlikely(aegis_prefix_lookup(&aegis->prefixes, family, saddr) != node)) {
		if (family == AF_INET)
			net_dbg_ratelimited("%s: %pI4 is not allowed from this node\n",
					    dev->name, saddr);
		else
			net_dbg_ratelimited("%s: %pI6c is not allowed from this node\n",
					    dev->name, saddr);
		aegis_rx_drop(aegis, node, skb, AEGIS_DROP_A_RPF);
		return;
	}
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = ~0;
	skb_reset_transport_header(skb);
	skb_probe_transport_header(skb);
	len = skb->len;
	if (likely(gro_cells_receive(&aegis->gro_cells, skb) == NET_RX_SUCCESS))
		dev_sw_netstats_rx_add(dev, len);
	else
		DEV_STATS_INC(dev, rx_dropped);
}

/* A relay frame from neighbour @from: unwrap if ours, else forward. */
static void aegis_rx_relay(struct aegis_device *aegis, struct aegis_node *from,
			   struct sk_buff *skb, u8 depth)
{
	struct aegis_relay_hdr *rh;

	if (unlikely(depth || !pskb_may_pull(skb, AEGIS_RELAY_HDR_LEN + AEGIS_HDR_LEN))) {
		aegis_rx_drop(aegis, from, skb, AEGIS_DROP_A_MALFORMED);
		return;
	}
	rh = (struct aegis_relay_hdr *)skb->data;
	/* For us: the inner layer authenticates its origin end to end. */
	if (aegis->has_node_id &&
	    !memcmp(rh->dst, aegis->node_id, AEGIS_NODE_ID_LEN)) {
		__skb_pull(skb, AEGIS_RELAY_HDR_LEN);
		aegis_rx_data(aegis, skb, depth + 1);
		return;
	}
	/* For another node: only neighbours we relay for may ask. */
	if (unlikely(!(READ_ONCE(from->flags) & AEGIS_NODE_F_RELAY))) {
		net_dbg_ratelimited("%s: relay frame from a node not allowed to relay\n",
				    aegis->dev->name);
		aegis_rx_drop(aegis, from, skb, AEGIS_DROP_A_RELAY_DENIED);
		return;
	}
	if (unlikely(rh->hop_limit <= 1)) {
		net_dbg_ratelimited("%s: relay frame ran out of hops\n",
				    aegis->dev->name);
		aegis_rx_drop(aegis, from, skb, AEGIS_DROP_A_HOP_LIMIT);
		return;
	}
	rh->hop_limit--;
	skb_scrub_packet(skb, true);
	memset(skb->cb, 0, sizeof(skb->cb));
	aegis_send_relay(aegis, skb);
}

static void aegis_rx_decrypted(struct sk_buff *skb, int err)
{
	struct aegis_rx_cb *cb = aegis_rx_cb(skb);
	struct aegis_key *key = cb->key;
	struct aegis_node *node = key->node;
	struct aegis_device *aegis = node->aegis;
	union aegis_sockaddr from;
	u8 depth = cb->depth;

	if (unlikely(err)) {
		net_dbg_ratelimited("%s: packet failed authentication\n",
				    aegis->dev->name);
		DEV_STATS_INC(aegis->dev, rx_errors);
		aegis_rx_drop(aegis, node, skb, AEGIS_DROP_A_AUTH);
		goto out;
	}
	if (unlikely(!aegis_replay_accept(&key->replay, cb->counter))) {
		aegis_rx_drop(aegis, node, skb, AEGIS_DROP_A_REPLAY);
		goto out;
	}
	if (unlikely(!READ_ONCE(key->confirmed)))
		WRITE_ONCE(key->confirmed, 1);
	atomic64_inc(&key->rx_packets);
	aegis_node_count_rx(node, skb->len);
	WRITE_ONCE(node->last_rx_ns, ktime_get_boottime_ns());
	if (depth == 0 && aegis_rx_source(skb, &from))
		aegis_node_update_endpoint(node, &from);

	/* Strip header and tag: what is left is the plaintext. */
	__skb_pull(skb, AEGIS_HDR_LEN);
	if (unlikely(pskb_trim(skb, skb->len - AEGIS_TAG_LEN))) {
		aegis_rx_drop(aegis, node, skb, AEGIS_DROP_A_MALFORMED);
		goto out;
	}
	if (skb->len == 0) {
		consume_skb(skb);	/* keepalive */
		goto out;
	}
	if (!pskb_may_pull(skb, 1)) {
		aegis_rx_drop(aegis, node, skb, AEGIS_DROP_A_MALFORMED);
		goto out;
	}
	if (skb->data[0] == AEGIS_RELAY_TYPE)
		aegis_rx_relay(aegis, node, skb, depth);
	else
		aegis_rx_deliver(aegis, node, skb);
out:
	aegis_key_put(key);
}

/*
 * @skb starts at a data header. Consumes it. Returns 0, or a negative errno
 * when it was dropped before any key was involved.
 */
static int aegis_rx_data(struct aegis_device *aegis, struct sk_buff *skb,
			 u8 depth)
{
	const struct aegis_data_hdr *hdr;
	struct aegis_key *key;
	u64 counter;
	int ret;

	if (unlikely(!pskb_may_pull(skb, AEGIS_HDR_LEN) ||
		     skb->len < AEGIS_HDR_LEN + AEGIS_TAG_LEN)) {
		DEV_STATS_INC(aegis->dev, rx_length_errors);
		kfree_skb(skb);
		return -EBADMSG;
	}
	hdr = (const struct aegis_data_hdr *)skb->data;
	key = aegis_key_lookup_rcu(aegis, be64_to_cpu(hdr->cid));
	if (key)
		key = aegis_key_get_rcu(key);
	if (unlikely(!key)) {
		net_dbg_ratelimited("%s: data packet for an unknown receiver index\n",
				    aegis->dev->name);
		DEV_STATS_INC(aegis->dev, rx_dropped);
		kfree_skb(skb);
		return -ENOKEY;
	}
	if (unlikely((hdr->flags & AEGIS_KEY_ID_MASK) != key->key_id ||
		     (hdr->flags & AEGIS_RESERVED_MASK))) {
		aegis_rx_drop(aegis, key->node, skb, AEGIS_DROP_A_MALFORMED);
		aegis_key_put(key);
		return -EBADMSG;
	}
	counter = aegis_pn_expand(aegis_replay_max(&key->replay),
				  be32_to_cpu(hdr->pn), 8 * AEGIS_PN_LEN);
	if (unlikely(counter >= AEGIS_COUNTER_REJECT_AFTER)) {
		aegis_rx_drop(aegis, key->node, skb, AEGIS_DROP_A_REPLAY);
		aegis_key_put(key);
		return -EBADMSG;
	}

	aegis_rx_cb(skb)->key = key;
	aegis_rx_cb(skb)->counter = counter;
	aegis_rx_cb(skb)->depth = depth;
	ret = aegis_decrypt(key, skb, counter, aegis_rx_decrypted);
	if (ret != -EINPROGRESS)
		aegis_rx_decrypted(skb, ret);
	return 0;
}

int aegis_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct aegis_device *aegis;
	unsigned int offset;
	u8 first;

	aegis = rcu_dereference_sk_user_data(sk);
	if (unlikely(!aegis))
		return 1;
	offset = skb_transport_offset(skb) + sizeof(struct udphdr);
	if (!pskb_may_pull(skb, offset + 1))
		return 1;
	first = skb->data[offset];
	/* Long header (control) and STUN belong to the agent. */
	if ((first & AEGIS_FORM_MASK) != AEGIS_FORM_SHORT)
		return 1;

	__skb_pull(skb, offset);
	skb_orphan(skb);
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	local_bh_disable();
	aegis_rx_data(aegis, skb, 0);
	local_bh_enable();
	return 0;
}
