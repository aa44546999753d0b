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
 * Wrap @skb (a relay frame: struct aegis_relay_hdr + inner data packet) for
 * the next hop towards its destination and send it. Consumes the skb.
 */
void aegis_send_relay(struct aegis_device *aegis, struct sk_buff *skb);

#endif /* _AEGIS_SEND_H */
