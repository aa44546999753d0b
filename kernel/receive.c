// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Receive: UDP encap_rcv -> classify by first byte -> key by receiver index
 * -> (relay packets: hop layer opened at once, and forwarded from there:
 * relay.c) -> queued in order on the sending node's ring ->
 * opened by the crypto workers (any CPU) -> the node's NAPI poll takes them
 * off the ring in order: replay check, then the payload: keepalive or IP
 * packet (reverse-path check, then GRO). See queue.h.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/udp.h>

#include "crypto.h"
#include "device.h"
#include "key.h"
#include "messages.h"
#include "node.h"
#include "queue.h"
#include "receive.h"
#include "relay.h"
#include "replay.h"

/*
 * A receive unit: one data packet.
 * @key:	the key its receiver index named (ref held).
 * @err:	the result of opening it.
 * @ecn:	the ECN field of its outer header.
 */
struct aegis_rx_cb {
	struct aegis_key *key;
	u64 counter;
	atomic_t state;
	int err;
	u8 ecn;
#ifdef DEBUG
	unsigned long tag;	/* aegis_rx_unit_tag() */
#endif
};

static inline struct aegis_rx_cb *aegis_rx_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct aegis_rx_cb) > sizeof(skb->cb));
	return (struct aegis_rx_cb *)skb->cb;
}

#ifdef DEBUG
/*
 * Debug builds check that a unit is still ours where a stage takes it: an
 * sk_buff freed and reused while on our rings has had its cb cleared, and
 * one that someone else queued is on their list (skb->next, which
 * aegis_encap_rcv() cleared).
 */
static unsigned long aegis_rx_unit_tag(struct sk_buff *skb)
{
	return (unsigned long)skb ^ 0xae615a7aae615a7aUL;
}

static void aegis_rx_unit_mark(struct sk_buff *skb)
{
	aegis_rx_cb(skb)->tag = aegis_rx_unit_tag(skb);
}

static void aegis_rx_unit_check(struct sk_buff *skb)
{
	WARN_ONCE(aegis_rx_cb(skb)->tag != aegis_rx_unit_tag(skb) || skb->next,
		  "aegisray: receive unit %p reused while queued (tag %lx, next %p)\n",
		  skb, aegis_rx_cb(skb)->tag, skb->next);
}
#else
static inline void aegis_rx_unit_mark(struct sk_buff *skb) { }
static inline void aegis_rx_unit_check(struct sk_buff *skb) { }
#endif

void aegis_rx_drop(struct aegis_device *aegis, struct aegis_node *node,
		   struct sk_buff *skb, enum aegis_drop_attr why)
{
	if (node)
		aegis_node_count_drop(node, why);
	DEV_STATS_INC(aegis->dev, rx_dropped);
	kfree_skb(skb);
}

bool aegis_rx_source(struct sk_buff *skb, union aegis_sockaddr *from)
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

	/* No link-layer header: the outer one is not this packet's. */
	skb_reset_mac_header(skb);
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

/*
 * Combine the outer header's ECN field @outer with the inner packet's
 * (RFC 6040): a congestion mark on the way is kept, by marking the inner
 * packet CE. A packet marked CE whose sender does not do ECN cannot carry
 * the mark: it is dropped, as the congested router would have. Returns
 * false then (@skb not consumed).
 */
static bool aegis_rx_ecn(struct sk_buff *skb, u8 outer)
{
	return INET_ECN_decapsulate(skb, outer,
				    ip_tunnel_get_dsfield(ip_hdr(skb), skb)) <= 1;
}

static void aegis_rx_deliver(struct aegis_device *aegis,
			     struct aegis_node *node, struct napi_struct *napi,
			     struct sk_buff *skb, u8 ecn)
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
	if (unlikely(!aegis_rx_ecn(skb, ecn))) {
		net_dbg_ratelimited("%s: congestion mark on a packet that is not ECN-capable\n",
				    dev->name);
		aegis_rx_drop(aegis, node, skb, AEGIS_DROP_A_ECN);
		return;
	}
	memset(skb->cb, 0, sizeof(skb->cb));
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	/* Authenticated end to end: nothing left for a checksum to catch. */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = ~0;
	skb_reset_transport_header(skb);
	skb_probe_transport_header(skb);
	len = skb->len;
	napi_gro_receive(napi, skb);
	dev_sw_netstats_rx_add(dev, len);
}

bool aegis_rx_accept(struct aegis_device *aegis, struct aegis_key *key,
		     u64 counter, int err, struct sk_buff *skb)
{
	struct aegis_node *node = key->node;

	if (unlikely(err == -EBADMSG)) {
		net_dbg_ratelimited("%s: packet failed authentication\n",
				    aegis->dev->name);
		DEV_STATS_INC(aegis->dev, rx_errors);
		aegis_rx_drop(aegis, node, skb, AEGIS_DROP_A_AUTH);
		return false;
	}
	if (unlikely(err)) {	/* malformed relay block, or out of memory */
		aegis_rx_drop(aegis, node, skb, AEGIS_DROP_A_MALFORMED);
		return false;
	}
	if (unlikely(!aegis_replay_accept(&key->replay, counter))) {
		aegis_rx_drop(aegis, node, skb, AEGIS_DROP_A_REPLAY);
		return false;
	}
	if (unlikely(!READ_ONCE(key->confirmed)))
		aegis_key_confirm(key);	/* the first time: notifies */
	atomic64_inc(&key->rx_packets);
	aegis_node_count_rx(node, skb->len);
	WRITE_ONCE(node->last_rx_ns, ktime_get_boottime_ns());
	return true;
}

/* Strip header and tag of an opened data packet; deliver what is left. */
static void aegis_rx_payload(struct aegis_device *aegis,
			     struct aegis_node *node, struct napi_struct *napi,
			     struct sk_buff *skb, u8 ecn)
{
	__skb_pull(skb, AEGIS_HDR_LEN);
	if (unlikely(pskb_trim(skb, skb->len - AEGIS_TAG_LEN))) {
		aegis_rx_drop(aegis, node, skb, AEGIS_DROP_A_MALFORMED);
		return;
	}
	if (skb->len == 0) {
		consume_skb(skb);	/* keepalive */
		return;
	}
	aegis_rx_deliver(aegis, node, napi, skb, ecn);
}

/* Serial stage of one unit, in ring order. Consumes it. */
static void aegis_rx_finish(struct aegis_device *aegis, struct napi_struct *napi,
			    struct sk_buff *skb)
{
	struct aegis_rx_cb cb = *aegis_rx_cb(skb);
	struct aegis_node *node = cb.key->node;
	union aegis_sockaddr from;

	if (unlikely(atomic_read(&cb.state) == AEGIS_UNIT_DROP)) {
		aegis_rx_drop(aegis, node, skb, AEGIS_DROP_A_QUEUE_FULL);
		goto out;
	}
	if (!aegis_rx_accept(aegis, cb.key, cb.counter, cb.err, skb))
		goto out;
	if (aegis_rx_source(skb, &from))
		aegis_node_rx_from(node, &from);
	aegis_rx_payload(aegis, node, napi, skb, cb.ecn);
out:
	aegis_key_put(cb.key);
}

/* Unit freed without its serial stage (dead node). */
static void aegis_rx_unit_free(struct sk_buff *skb)
{
	aegis_key_put(aegis_rx_cb(skb)->key);
	kfree_skb(skb);
}

static bool aegis_rx_head_ready(struct ptr_ring *ring, struct sk_buff **skb)
{
	*skb = __ptr_ring_peek(ring);
	return *skb && atomic_read_acquire(&aegis_rx_cb(*skb)->state) !=
		       AEGIS_UNIT_PENDING;
}

int aegis_rx_poll(struct napi_struct *napi, int budget)
{
	struct aegis_node *node = container_of(napi, struct aegis_node, napi);
	struct ptr_ring *ring = &node->rx_ring;
	struct sk_buff *skb;
	int done = 0;

	while (done < budget) {
		/* A worker may purge concurrently once the node is dead. */
		spin_lock(&ring->consumer_lock);
		if (!aegis_rx_head_ready(ring, &skb)) {
			spin_unlock(&ring->consumer_lock);
			break;
		}
		__ptr_ring_discard_one(ring);
		spin_unlock(&ring->consumer_lock);
		aegis_rx_unit_check(skb);
		aegis_rx_finish(node->aegis, napi, skb);
		done++;
	}
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

void aegis_rx_purge(struct aegis_node *node)
{
	struct ptr_ring *ring = &node->rx_ring;
	struct sk_buff *skb;

	spin_lock_bh(&ring->consumer_lock);
	while (aegis_rx_head_ready(ring, &skb)) {
		__ptr_ring_discard_one(ring);
		aegis_rx_unit_free(skb);
	}
	spin_unlock_bh(&ring->consumer_lock);
}

/*
 * Let @node's poll take what was published. Drops the caller's reference,
 * which it took before publishing: once a unit's state is out, the unit
 * (and the reference its key holds) may be gone.
 */
static void aegis_rx_kick(struct aegis_node *node)
{
	/* Pairs with the one after node->dead is set in node removal. */
	smp_mb();
	if (unlikely(READ_ONCE(node->dead))) {
		aegis_rx_purge(node);
	} else {
		local_bh_disable();
		napi_schedule(&node->napi);
		local_bh_enable();	/* the poll runs here, on this CPU */
	}
	aegis_node_put(node);
}

/* The worker is done with @skb: publish its state, kick its node's poll. */
static void aegis_rx_complete(struct sk_buff *skb, enum aegis_unit_state state)
{
	struct aegis_node *node = aegis_node_get(aegis_rx_cb(skb)->key->node);

	atomic_set_release(&aegis_rx_cb(skb)->state, state);
	aegis_rx_kick(node);
}

/*
 * The header of the data packet at @skb->data names a key of ours: its
 * counter, and a reference. NULL if not (the caller drops the packet).
 */
static struct aegis_key *aegis_rx_key(struct aegis_device *aegis,
				      struct sk_buff *skb, u64 *counter)
{
	const struct aegis_data_hdr *hdr;
	struct aegis_key *key;

	if (unlikely(!pskb_may_pull(skb, AEGIS_HDR_LEN)))
		return NULL;
	hdr = (const struct aegis_data_hdr *)skb->data;
	rcu_read_lock_bh();
	key = aegis_key_lookup_rcu(aegis, be64_to_cpu(hdr->cid));
	if (key)
		key = aegis_key_get_rcu(key);
	rcu_read_unlock_bh();
	if (unlikely(!key)) {
		net_dbg_ratelimited("%s: data packet for an unknown receiver index\n",
				    aegis->dev->name);
		return NULL;
	}
	if (unlikely((hdr->flags & AEGIS_KEY_ID_MASK) != key->key_id ||
		     (hdr->flags & AEGIS_RESERVED_MASK)))
		goto err_put;
	*counter = aegis_pn_expand(aegis_replay_max(&key->replay),
				   be32_to_cpu(hdr->pn), 8 * AEGIS_PN_LEN);
	if (unlikely(*counter >= AEGIS_COUNTER_REJECT_AFTER))
		goto err_put;
	return key;

err_put:
	aegis_node_count_drop(key->node, AEGIS_DROP_A_MALFORMED);
	aegis_key_put(key);
	return NULL;
}

/*
 * A worker kicks a node's poll once per batch of that node's units (up to
 * one poll's budget), not once per unit: the kick runs the poll at once,
 * on this CPU, when bottom halves come back on, and one kick per unit had
 * it deliver one packet at a time, with nothing for GRO to merge and a
 * TCP ACK for every other segment. A lone packet is kicked as soon as the
 * ring is empty, so an idle tunnel keeps its latency.
 */
#define AEGIS_RX_KICK_BATCH	NAPI_POLL_WEIGHT

void aegis_rx_worker(struct work_struct *work)
{
	struct aegis_worker *w = aegis_worker(work);
	struct aegis_node *node, *pending = NULL;
	unsigned int batch = 0;
	struct aegis_rx_cb *cb;
	struct sk_buff *skb;

	while ((skb = aegis_crypt_queue_pop(&w->aegis->decrypt_q))) {
		cb = aegis_rx_cb(skb);
		aegis_rx_unit_check(skb);
		cb->err = aegis_open(w->scratch, cb->key, skb, cb->counter);
		/*
		 * One reference per batch, taken before the state is out. While
		 * @pending holds it, no other node can have its address.
		 */
		node = cb->key->node;
		if (node != pending) {
			if (pending)
				aegis_rx_kick(pending);
			pending = aegis_node_get(node);
			batch = 0;
		}
		atomic_set_release(&cb->state, AEGIS_UNIT_DONE);
		if (++batch == AEGIS_RX_KICK_BATCH) {
			aegis_rx_kick(pending);
			pending = NULL;
		}
		cond_resched();
	}
	if (pending)
		aegis_rx_kick(pending);
}

/* @skb starts at a data header. Queue it in order. Consumes it. */
static void aegis_rx_queue(struct aegis_device *aegis, struct sk_buff *skb)
{
	struct aegis_rx_cb *cb = aegis_rx_cb(skb);
	struct ptr_ring *ring;
	struct aegis_key *key;
	u64 counter;
	int ret;
	u8 ecn;

	key = aegis_rx_key(aegis, skb, &counter);
	if (unlikely(!key)) {
		DEV_STATS_INC(aegis->dev, rx_dropped);
		kfree_skb(skb);
		return;
	}
	/* The outer IP header is still where the network header points. */
	ecn = ip_tunnel_get_dsfield(ip_hdr(skb), skb) & INET_ECN_MASK;
	/* Relay packets are forwarded (or dropped) right there. */
	if (skb->data[0] & AEGIS_RELAY_BIT) {
		aegis_relay_rcv(aegis, key, counter, ecn, skb);
		return;
	}
	memset(cb, 0, sizeof(*cb));
	cb->key = key;
	cb->counter = counter;
	cb->ecn = ecn;
	aegis_rx_unit_mark(skb);
	atomic_set(&cb->state, AEGIS_UNIT_PENDING);

	ring = &key->node->rx_ring;
	spin_lock_bh(&ring->producer_lock);
	/* A full-ish ring marks (queue.h); the inner packet gets it on delivery. */
	if (INET_ECN_is_capable(ecn) && aegis_ring_congested(ring))
		cb->ecn = INET_ECN_CE;
	ret = __ptr_ring_produce(ring, skb);
	spin_unlock_bh(&ring->producer_lock);
	if (unlikely(ret)) {
		aegis_rx_drop(aegis, key->node, skb, AEGIS_DROP_A_QUEUE_FULL);
		aegis_key_put(key);
		return;
	}
	if (unlikely(!aegis_crypt_queue_push(&aegis->decrypt_q, skb)))
		aegis_rx_complete(skb, AEGIS_UNIT_DROP);
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
	/*
	 * A segment of a GRO'd datagram still points at the next one, which
	 * UDP delivers separately: a relay must not send that one on too.
	 */
	skb_mark_not_on_list(skb);
	skb_orphan(skb);
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	if (unlikely(skb->len < AEGIS_HDR_LEN + AEGIS_TAG_LEN)) {
		DEV_STATS_INC(aegis->dev, rx_length_errors);
		kfree_skb(skb);
		return 0;
	}
	aegis_rx_queue(aegis, skb);
	return 0;
}
