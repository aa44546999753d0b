// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Transmit: overlay packet -> LPM lookup -> segments queued in order on
 * the destination's ring -> sealed by the crypto workers (any CPU) ->
 * drained from the ring in order -> UDP. See queue.h.
 *
 * A node reached through another ("via") gets the end-to-end AEAD with the
 * destination's keys, then the relay hop layer with the next hop's keys,
 * which encrypts only the relay block (messages.h). Relays forward in the
 * receive softirq (relay.c) and only ever redo the hop layer, so they never
 * see plaintext and never touch the payload.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>

#include "crypto.h"
#include "device.h"
#include "key.h"
#include "messages.h"
#include "node.h"
#include "notify.h"
#include "queue.h"
#include "send.h"
#include "socket.h"

/*
 * sk_pacing_shift of local sockets sending into aegis0: 2^-8 s of data,
 * and 2^-7 s towards a node behind a relay, whose pipeline is longer.
 */
#define AEGIS_PACING_SHIFT		8
#define AEGIS_PACING_SHIFT_RELAYED	7

/*
 * A transmit unit: the first skb of a list of segments (skb->next) carries
 * the unit's state; every segment carries its own result.
 * @node:	the destination, whose ordered ring holds the unit (ref held).
 * @key:	end-to-end key, @node's (ref held).
 * @hop_key:	the next hop's key when the unit goes through a relay, else
 *		NULL (ref held).
 * @counter, @hop_counter: counters of the first segment; segment i uses
 *		counter + i.
 * @err, @ecn:	each segment's own: the result of sealing it (0 or a
 *		negative errno), and the ECN field of its outer header.
 */
struct aegis_tx_cb {
	struct aegis_node *node;
	struct aegis_key *key;
	struct aegis_key *hop_key;
	u64 counter;
	u64 hop_counter;
	atomic_t state;
	s16 err;	/* the skb's cb has no room for an int and @ecn */
	u8 ecn;
};

static inline struct aegis_tx_cb *aegis_tx_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct aegis_tx_cb) > sizeof(skb->cb));
	return (struct aegis_tx_cb *)skb->cb;
}

static void aegis_tx_drop_list(struct aegis_device *aegis,
			       struct aegis_node *node, struct sk_buff *first,
			       enum aegis_drop_attr why)
{
	struct sk_buff *skb, *next;

	skb_list_walk_safe(first, skb, next) {
		if (node)
			aegis_node_count_drop(node, why);
		DEV_STATS_INC(aegis->dev, tx_dropped);
		kfree_skb(skb);
	}
}

struct aegis_key *aegis_tx_key(struct aegis_node *node)
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

static void aegis_tx_complete(struct sk_buff *first,
			      enum aegis_unit_state state);

/*
 * Put @first (a list of segments for @dst) on @dst's ordered ring with its
 * counters, then on the encrypt ring. Consumes the list. Under
 * rcu_read_lock_bh().
 */
static void aegis_tx_queue(struct aegis_device *aegis, struct aegis_node *dst,
			   struct sk_buff *first)
{
	struct aegis_tx_cb *cb = aegis_tx_cb(first);
	struct aegis_node *hop = rcu_dereference_bh(dst->via);
	struct ptr_ring *ring = &dst->tx_ring;
	enum aegis_drop_attr why;
	struct sk_buff *skb;
	unsigned int n = 0;
	bool ok;
	int ret;

	aegis_for_each_seg(first, skb)
		n++;
	memset(cb, 0, sizeof(*cb));
	why = AEGIS_DROP_A_NO_ROUTE;
	/* One level of indirection: a relay reaches the destination itself. */
	if (unlikely(hop && rcu_access_pointer(hop->via)))
		goto err_drop;
	why = AEGIS_DROP_A_NO_KEY;
	cb->key = aegis_tx_key(dst);
	if (unlikely(!cb->key))
		goto err_drop;
	if (hop) {
		cb->hop_key = aegis_tx_key(hop);
		if (unlikely(!cb->hop_key))
			goto err_put;
	}
	cb->node = aegis_node_get_rcu(dst);
	if (unlikely(!cb->node))
		goto err_put;
	atomic_set(&cb->state, AEGIS_UNIT_PENDING);

	/* Counters in ring order: packets leave with increasing counters. */
	spin_lock_bh(&ring->producer_lock);
	ok = aegis_key_next_counters(cb->key, n, &cb->counter) &&
	     (!cb->hop_key ||
	      aegis_key_next_counters(cb->hop_key, n, &cb->hop_counter));
	/*
	 * A full-ish ring marks ECN-capable packets CE (queue.h), in a header
	 * of their own: a packet tap may share this one.
	 */
	if (ok && aegis_ring_congested(ring))
		aegis_for_each_seg(first, skb)
			if (!skb_cow_head(skb, 0))
				INET_ECN_set_ce(skb);
	ret = ok ? __ptr_ring_produce(ring, first) : 0;
	spin_unlock_bh(&ring->producer_lock);
	if (unlikely(!ok)) {
		why = AEGIS_DROP_A_KEY_EXPIRED;
		goto err_put;
	}
	if (unlikely(ret)) {
		why = AEGIS_DROP_A_QUEUE_FULL;
		goto err_put;
	}
	if (unlikely(!aegis_crypt_queue_push(&aegis->encrypt_q, first)))
		aegis_tx_complete(first, AEGIS_UNIT_DROP);
	return;

err_put:
	aegis_node_put(cb->node);
	aegis_key_put(cb->hop_key);
	aegis_key_put(cb->key);
err_drop:
	aegis_tx_drop_list(aegis, dst, first, why);
}

struct aegis_data_hdr *aegis_tx_push_hdr(struct sk_buff *skb,
					 struct aegis_key *key, u64 counter,
					 u8 flags)
{
	struct aegis_data_hdr *hdr = skb_push(skb, AEGIS_HDR_LEN);

	hdr->flags = AEGIS_FORM_SHORT | flags | (key->key_id & AEGIS_KEY_ID_MASK) |
		     ((u8)counter & AEGIS_SPIN_BIT);
	hdr->cid = key->tx_cid;
	hdr->pn = cpu_to_be32((u32)counter);
	return hdr;
}

/* Worker: seal segment @i of a unit. Returns 0 or a negative errno. */
static int aegis_tx_seal_one(struct aegis_crypt_scratch *s,
			     const struct aegis_tx_cb *cb, struct sk_buff *skb,
			     unsigned int i)
{
	struct aegis_relay_hdr *rh;
	int ret;

	/*
	 * The outer header carries the inner packet's ECN field, so that a
	 * congested router on the way can mark it instead of dropping it
	 * (RFC 6040), never its DSCP. As in Linux's own tunnels, an inner CE
	 * goes out as ECT(0): the mark stays on the inner packet.
	 */
	aegis_tx_cb(skb)->ecn = ip_tunnel_ecn_encap(0, ip_hdr(skb), skb);
	/* Resolve the checksum before the packet is sealed. */
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		return -EINVAL;
	/* Room for every header we may add, and the outer IP/UDP. */
	if (skb_cow_head(skb, 2 * AEGIS_HDR_LEN + AEGIS_RELAY_HDR_LEN +
			      AEGIS_OUTER_V6 + LL_MAX_HEADER))
		return -ENOMEM;
	aegis_tx_push_hdr(skb, cb->key, cb->counter + i, 0);
	ret = aegis_seal(s, cb->key, skb, cb->counter + i);
	if (ret || !cb->hop_key)
		return ret;
	/* skb_cow_data() in aegis_seal() kept the headroom made above. */
	rh = skb_push(skb, AEGIS_RELAY_HDR_LEN);
	rh->type = AEGIS_RELAY_TYPE;
	rh->hop_limit = READ_ONCE(cb->node->aegis->hop_limit);
	memcpy(rh->dst, cb->node->id, AEGIS_NODE_ID_LEN);
	aegis_tx_push_hdr(skb, cb->hop_key, cb->hop_counter + i, AEGIS_RELAY_BIT);
	return aegis_seal_relay(s, cb->hop_key, skb, cb->hop_counter + i);
}

void aegis_tx_worker(struct work_struct *work)
{
	struct aegis_worker *w = aegis_worker(work);
	struct sk_buff *first, *skb;
	unsigned int i;

	while ((first = aegis_crypt_queue_pop(&w->aegis->encrypt_q))) {
		i = 0;
		aegis_for_each_seg(first, skb)
			aegis_tx_cb(skb)->err =
				aegis_tx_seal_one(w->scratch, aegis_tx_cb(first),
						  skb, i++);
		aegis_tx_complete(first, AEGIS_UNIT_DONE);
		cond_resched();
	}
}

void aegis_tx_xmit(struct aegis_device *aegis, struct aegis_node *hop,
		   struct aegis_node *node, struct sk_buff *skb, u8 ecn)
{
	unsigned int len = skb->len;

	memset(skb->cb, 0, sizeof(skb->cb));
	if (unlikely(aegis_sock_send(aegis, hop, skb, ecn))) {
		aegis_node_count_drop(hop, AEGIS_DROP_A_NO_ROUTE);
		DEV_STATS_INC(aegis->dev, tx_carrier_errors);
		return;
	}
	aegis_node_count_tx(hop, len);
	if (hop != node)
		aegis_node_count_tx(node, len);
	WRITE_ONCE(hop->last_tx_ns, ktime_get_boottime_ns());
}

/* Serial stage: put a finished unit's segments on the wire, in order. */
static void aegis_tx_send(struct aegis_device *aegis, struct sk_buff *first)
{
	struct aegis_tx_cb cb = *aegis_tx_cb(first);
	struct aegis_node *hop = cb.hop_key ? cb.hop_key->node : cb.node;
	bool dropped = atomic_read(&cb.state) == AEGIS_UNIT_DROP;
	struct sk_buff *skb, *next;
	int err;

	skb_list_walk_safe(first, skb, next) {
		skb_mark_not_on_list(skb);
		err = dropped ? -ENOBUFS : aegis_tx_cb(skb)->err;
		if (unlikely(err)) {
			net_dbg_ratelimited("%s: encryption failed: %d\n",
					    aegis->dev->name, err);
			aegis_node_count_drop(cb.node, dropped ? AEGIS_DROP_A_QUEUE_FULL :
							AEGIS_DROP_A_MALFORMED);
			DEV_STATS_INC(aegis->dev, tx_dropped);
			kfree_skb(skb);
			continue;
		}
		aegis_tx_xmit(aegis, hop, cb.node, skb, aegis_tx_cb(skb)->ecn);
	}
	aegis_key_put(cb.hop_key);
	aegis_key_put(cb.key);
	aegis_node_put(cb.node);
}

/*
 * Send the finished units at the head of @node's ring. Drains of a node
 * run on its transmit CPU only (aegis_node_tx_cpu()): the underlay then
 * sees one flow from one CPU, and keeps it in order (a veth, or a NIC's
 * per-CPU queues, would not otherwise). Whoever finishes a unit while
 * another drain runs leaves it to that drain, which looks at the head once
 * more after it lets go (the smp_mb() pairs with aegis_tx_complete()'s).
 */
static void aegis_tx_drain(struct aegis_node *node)
{
	struct ptr_ring *ring = &node->tx_ring;
	struct sk_buff *first;
	bool again;

	do {
		if (!spin_trylock_bh(&ring->consumer_lock))
			return;
		rcu_read_lock_bh();
		while ((first = __ptr_ring_peek(ring)) &&
		       atomic_read_acquire(&aegis_tx_cb(first)->state) !=
		       AEGIS_UNIT_PENDING) {
			__ptr_ring_discard_one(ring);
			aegis_tx_send(node->aegis, first);
		}
		rcu_read_unlock_bh();
		spin_unlock_bh(&ring->consumer_lock);
		/*
		 * Order the unlock before the second look at the head; pairs
		 * with aegis_tx_complete(): it sets a state and then tries the
		 * lock, we drop the lock and then read the state, so one of
		 * us sees the other's finished unit.
		 */
		smp_mb();
		spin_lock_bh(&ring->consumer_lock);
		first = __ptr_ring_peek(ring);
		again = first && atomic_read_acquire(&aegis_tx_cb(first)->state) !=
				 AEGIS_UNIT_PENDING;
		spin_unlock_bh(&ring->consumer_lock);
	} while (again);
}

/* The node's transmit work: a drain on its transmit CPU. Holds a ref. */
void aegis_tx_work(struct work_struct *work)
{
	struct aegis_node *node = container_of(work, struct aegis_node, tx_work);

	aegis_tx_drain(node);
	aegis_node_put(node);
}

static void aegis_tx_complete(struct sk_buff *first,
			      enum aegis_unit_state state)
{
	/* Once the state is out, the unit (and its reference) may be gone. */
	struct aegis_node *node = aegis_node_get(aegis_tx_cb(first)->node);
	int cpu = aegis_node_tx_cpu(node);

	atomic_set_release(&aegis_tx_cb(first)->state, state);
	/* The state before the drain's trylock; see aegis_tx_drain(). */
	smp_mb();
	/* Crypto workers are bound to their CPU: this cannot migrate. */
	if (raw_smp_processor_id() == cpu) {
		aegis_tx_drain(node);
		aegis_node_put(node);
	} else if (!queue_work_on(cpu, aegis_crypt_wq, &node->tx_work)) {
		aegis_node_put(node);	/* already queued, with its own ref */
	}
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

/*
 * The path MTU towards @node: the device MTU, less the relay layer for a
 * node reached through a relay, so that its frames fit the underlay the
 * device MTU was chosen for (as a router would, senders learn it from
 * ICMP). Never below the IPv6 minimum for IPv6: such packets rather get
 * fragmented by the outer layer.
 */
static unsigned int aegis_tx_mtu(const struct net_device *dev,
				 const struct aegis_node *node, int family)
{
	unsigned int mtu = READ_ONCE(dev->mtu);

	if (rcu_access_pointer(node->via)) {
		mtu -= AEGIS_RELAY_OVERHEAD;
		if (family == AF_INET6)
			mtu = max_t(unsigned int, mtu, IPV6_MIN_MTU);
	}
	return mtu;
}

static bool aegis_tx_too_big(struct sk_buff *skb, unsigned int mtu)
{
	if (skb_is_gso(skb) ? skb_gso_validate_network_len(skb, mtu) :
			      skb->len <= mtu)
		return false;
	if (skb->protocol == htons(ETH_P_IP))
		return ip_hdr(skb)->frag_off & htons(IP_DF);
	return true;	/* IPv6 routers never fragment */
}

netdev_tx_t aegis_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct aegis_device *aegis = netdev_priv(dev);
	struct sk_buff *segs;
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
	mtu = aegis_tx_mtu(dev, node, family);
	if (unlikely(aegis_tx_too_big(skb, mtu))) {
		rcu_read_unlock_bh();
		DEV_STATS_INC(dev, tx_dropped);
		aegis_tx_icmp(skb, true, mtu);
		return NETDEV_TX_OK;
	}

	/*
	 * A local TCP sender keeps only ~1 ms worth of data (at its pacing
	 * rate) below it, and sizes its GSO packets to that (TSQ and TSO
	 * autosizing, sk_pacing_shift 10). A packet can spend longer than
	 * that in the crypto pipeline, and the CPUs then idle: allow ~4 ms,
	 * as mac80211 does for aggregation (docs/performance.md). A relayed
	 * packet also crosses the relay's receive and send paths on its way
	 * (and its ACK the same back): ~8 ms.
	 */
	sk_pacing_shift_update(skb->sk, rcu_access_pointer(node->via) ?
					AEGIS_PACING_SHIFT_RELAYED :
					AEGIS_PACING_SHIFT);
	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			aegis_tx_drop_list(aegis, node, skb, AEGIS_DROP_A_MALFORMED);
			goto out;
		}
		consume_skb(skb);
	} else {
		segs = skb;
		skb_mark_not_on_list(skb);
	}
	aegis_for_each_seg(segs, skb) {
		skb_dst_drop(skb);
		nf_reset_ct(skb);
	}
	/* One node lookup and one set of key references for all segments. */
	aegis_tx_queue(aegis, node, segs);
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
	aegis_tx_queue(aegis, node, skb);
	rcu_read_unlock_bh();
}
