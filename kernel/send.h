/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef _AEGIS_SEND_H
#define _AEGIS_SEND_H

#include <linux/netdevice.h>

struct aegis_data_hdr;
struct aegis_device;
struct aegis_key;
struct aegis_node;

netdev_tx_t aegis_xmit(struct sk_buff *skb, struct net_device *dev);
/* An empty authenticated packet: keeps NAT mappings open. */
void aegis_send_keepalive(struct aegis_node *node);
/* Primary key of @node, with a reference, or NULL (and "no key" noise). */
struct aegis_key *aegis_tx_key(struct aegis_node *node);
/* Push the short data header of a packet sealed with @key at @counter. */
struct aegis_data_hdr *aegis_tx_push_hdr(struct sk_buff *skb,
					 struct aegis_key *key, u64 counter,
					 u8 flags);
/*
 * Put one sealed packet for @node on the wire to @hop (@node itself, or
 * the relay it goes through), with @ecn in the outer header's ECN field,
 * and count it. Consumes @skb.
 */
void aegis_tx_xmit(struct aegis_device *aegis, struct aegis_node *hop,
		   struct aegis_node *node, struct sk_buff *skb, u8 ecn);
/* A node's transmit drain, on its transmit CPU. */
void aegis_tx_work(struct work_struct *work);
/* The encrypt workers' work function (queue.h). */
void aegis_tx_worker(struct work_struct *work);

#endif /* _AEGIS_SEND_H */
