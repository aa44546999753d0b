/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef _AEGIS_SEND_H
#define _AEGIS_SEND_H

#include <linux/netdevice.h>

struct aegis_device;
struct aegis_node;

netdev_tx_t aegis_xmit(struct sk_buff *skb, struct net_device *dev);
/* An empty authenticated packet: keeps NAT mappings open. */
void aegis_send_keepalive(struct aegis_node *node);
/*
 * Forward @skb (struct aegis_relay_hdr + inner data packet, hop limit
 * already lowered) to the next hop towards its destination. Consumes it.
 */
void aegis_send_relay(struct aegis_device *aegis, struct sk_buff *skb);
/* A node's transmit drain, on its transmit CPU. */
void aegis_tx_work(struct work_struct *work);
/* The encrypt workers' work function (queue.h). */
void aegis_tx_worker(struct work_struct *work);

#endif /* _AEGIS_SEND_H */
