// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Relay packets, in the receive softirq (cut-through forwarding).
 *
 * The hop layer of a relay packet covers only the 47-byte relay block
 * (messages.h), so it is opened at once, on arrival, with the key's
 * synchronous transform and this CPU's atomic scratch, and the packet is
 * forwarded from here as well: relay checks, hop limit, then out on the
 * socket, to the destination as the bare inner packet (the last hop), or
 * to the next relay under a new hop layer. It never waits in a crypto
 * worker's or a node's ring, so relaying costs no hand-off between CPUs,
 * and one flow stays on the CPU it arrived on, in order.
 *
 * Counters: the replay check of a forwarded packet's hop counter is made
 * here, under the window's lock (the same key's direct packets are checked
 * in the node's NAPI poll). A next relay's hop counter is taken here, when
 * the packet leaves; this node's own packets to that relay take theirs when
 * they are queued, so the two may interleave at the next relay by up to a
 * ring's depth, which its replay window absorbs. A packet handed to its
 * destination carries the origin's counter, checked there.
 */
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <net/sock.h>

#include "crypto.h"
#include "device.h"
#include "key.h"
#include "messages.h"
#include "node.h"
#include "receive.h"
#include "relay.h"
#include "send.h"

/* Used with BH disabled only: a CPU's scratch is never in use twice. */
static DEFINE_PER_CPU(struct aegis_crypt_scratch *, aegis_relay_scratch);

int __init aegis_relay_module_init(void)
{
	struct aegis_crypt_scratch *s;
	int cpu;

	for_each_possible_cpu(cpu) {
		s = aegis_crypt_scratch_alloc(true);
		if (!s) {
			aegis_relay_module_exit();
			return -ENOMEM;
		}
		per_cpu(aegis_relay_scratch, cpu) = s;
	}
	return 0;
}

void aegis_relay_module_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		aegis_crypt_scratch_free(per_cpu(aegis_relay_scratch, cpu));
		per_cpu(aegis_relay_scratch, cpu) = NULL;
	}
}

/*
 * Hand a relay packet on towards its destination. @skb: relay header +
 * inner packet, both checked (aegis_relay_check()). Consumes @skb.
 *
 * When our route reaches the destination itself (the last hop, and with
 * one relay on the way the only one), the inner packet goes out as it is:
 * a data packet the origin sealed end to end, which the destination opens
 * like one off the wire. The last hop has no hop layer, so it costs
 * neither a seal here nor an open there. When our route puts the
 * destination behind another relay, the hop layer is redone for that one.
 * Either way the packet leaves with the ECN field it arrived with: a relay
 * is a router on the path of the origin's outer header, and hands on the
 * congestion marks it got (RFC 6040).
 */
static void aegis_relay_send(struct aegis_device *aegis,
			     struct aegis_crypt_scratch *s, struct sk_buff *skb,
			     u8 ecn)
{
	const struct aegis_relay_hdr *rh = (const void *)skb->data;
	struct aegis_node *dst, *hop;
	struct aegis_key *key = NULL;
	enum aegis_drop_attr why;
	u64 counter;

	rcu_read_lock_bh();
	dst = aegis_node_lookup_rcu(aegis, rh->dst);
	if (unlikely(!dst)) {
		net_dbg_ratelimited("%s: relay frame for an unknown node\n",
				    aegis->dev->name);
		DEV_STATS_INC(aegis->dev, tx_dropped);
		kfree_skb(skb);
		goto out;
	}
	why = AEGIS_DROP_A_MALFORMED;
	if (unlikely(skb_cow_head(skb, AEGIS_HDR_LEN + AEGIS_OUTER_V6 +
				       LL_MAX_HEADER)))
		goto err_drop;
	hop = rcu_dereference_bh(dst->via);
	if (!hop) {
		__skb_pull(skb, AEGIS_RELAY_HDR_LEN);
		aegis_tx_xmit(aegis, dst, dst, skb, ecn);
		goto out;
	}
	why = AEGIS_DROP_A_NO_ROUTE;
	/* One level of indirection: a relay reaches the destination itself. */
	if (unlikely(rcu_access_pointer(hop->via)))
		goto err_drop;
	why = AEGIS_DROP_A_NO_KEY;
	key = aegis_tx_key(hop);
	if (unlikely(!key))
		goto err_drop;
	why = AEGIS_DROP_A_KEY_EXPIRED;
	if (unlikely(!aegis_key_next_counters(key, 1, &counter)))
		goto err_drop;
	aegis_tx_push_hdr(skb, key, counter, AEGIS_RELAY_BIT);
	why = AEGIS_DROP_A_MALFORMED;
	if (unlikely(aegis_seal_relay(s, key, skb, counter)))
		goto err_drop;
	/* Not our traffic for @dst: only the hop counts it. */
	aegis_tx_xmit(aegis, hop, hop, skb, ecn);
	goto out;

err_drop:
	aegis_node_count_drop(dst, why);
	DEV_STATS_INC(aegis->dev, tx_dropped);
	kfree_skb(skb);
out:
	aegis_key_put(key);
	rcu_read_unlock_bh();
}

/* An authenticated relay packet from neighbour @from. */
static void aegis_relay_forward(struct aegis_device *aegis,
				struct aegis_crypt_scratch *s,
				struct aegis_node *from, struct sk_buff *skb,
				u8 ecn)
{
	struct aegis_relay_hdr *rh;

	/* Only neighbours we relay for may ask. */
	if (unlikely(!(READ_ONCE(from->flags) & AEGIS_NODE_F_RELAY))) {
		net_dbg_ratelimited("%s: relay frame from a node not allowed to relay\n",
				    aegis->dev->name);
		aegis_rx_drop(aegis, from, skb, AEGIS_DROP_A_RELAY_DENIED);
		return;
	}
	rh = (struct aegis_relay_hdr *)(skb->data + AEGIS_HDR_LEN);
	if (unlikely(rh->hop_limit <= 1)) {
		net_dbg_ratelimited("%s: relay frame ran out of hops\n",
				    aegis->dev->name);
		aegis_rx_drop(aegis, from, skb, AEGIS_DROP_A_HOP_LIMIT);
		return;
	}
	rh->hop_limit--;
	/* Keep relay header + inner packet; the hop layer is done with. */
	__skb_pull(skb, AEGIS_HDR_LEN);
	if (unlikely(pskb_trim(skb, skb->len - AEGIS_TAG_LEN))) {
		aegis_rx_drop(aegis, from, skb, AEGIS_DROP_A_MALFORMED);
		return;
	}
	skb_scrub_packet(skb, true);
	/* Not an IP packet: any checksum offload state is the old datagram's. */
	skb->ip_summed = CHECKSUM_NONE;
	aegis_relay_send(aegis, s, skb, ecn);
}

/*
 * Is the open relay block of @skb well formed, and for another node? A
 * relay packet is never addressed to its receiver: the last relay hands
 * the destination the inner packet alone. The inner header must be a
 * plain data header, so that what a relay sends on, with its own address
 * on it, is only ever a data packet (never control traffic, never a relay
 * packet again without a hop layer).
 */
static int aegis_relay_check(struct aegis_device *aegis, struct sk_buff *skb)
{
	const struct aegis_relay_hdr *rh;
	u8 inner;

	if (unlikely(!pskb_may_pull(skb, AEGIS_HDR_LEN + AEGIS_RELAY_BLOCK_LEN)))
		return -EINVAL;
	rh = (const struct aegis_relay_hdr *)(skb->data + AEGIS_HDR_LEN);
	inner = skb->data[AEGIS_HDR_LEN + AEGIS_RELAY_HDR_LEN];
	if (unlikely(rh->type != AEGIS_RELAY_TYPE ||
		     (inner & (AEGIS_FORM_MASK | AEGIS_RELAY_BIT |
			       AEGIS_RESERVED_MASK)) != AEGIS_FORM_SHORT)) {
		net_dbg_ratelimited("%s: malformed relay block\n",
				    aegis->dev->name);
		return -EINVAL;
	}
	if (unlikely(aegis->has_node_id &&
		     !memcmp(rh->dst, aegis->node_id, AEGIS_NODE_ID_LEN))) {
		net_dbg_ratelimited("%s: relay frame addressed to this node\n",
				    aegis->dev->name);
		return -EINVAL;
	}
	return 0;
}

void aegis_relay_rcv(struct aegis_device *aegis, struct aegis_key *key,
		     u64 counter, u8 ecn, struct sk_buff *skb)
{
	struct aegis_crypt_scratch *s;
	union aegis_sockaddr from;
	int err;

	local_bh_disable();
	s = this_cpu_read(aegis_relay_scratch);
	err = aegis_open_relay(s, key, skb, counter) ?:
	      aegis_relay_check(aegis, skb);
	if (aegis_rx_accept(aegis, key, counter, err, skb)) {
		if (aegis_rx_source(skb, &from))
			aegis_node_rx_from(key->node, &from);
		aegis_relay_forward(aegis, s, key->node, skb, ecn);
	}
	local_bh_enable();
	aegis_key_put(key);
}
