/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Relay packets on arrival: the hop layer is opened in the receive
 * softirq, and packets for other nodes are forwarded from there.
 */
#ifndef _AEGIS_RELAY_H
#define _AEGIS_RELAY_H

#include <linux/types.h>

struct aegis_device;
struct aegis_key;
struct sk_buff;

int aegis_relay_module_init(void);
void aegis_relay_module_exit(void);

/*
 * A relay packet from @key's node, @skb at its data header, @counter its
 * hop counter. Opens the hop layer. Returns true if it consumed @skb and
 * the reference on @key: forwarded, or dropped (and counted). Returns
 * false for a packet to us: its hop layer is open, its relay header
 * checked, and the caller queues it for the inner packet (the hop
 * counter's replay check is the caller's, in order).
 */
bool aegis_relay_rcv(struct aegis_device *aegis, struct aegis_key *key,
		     u64 counter, struct sk_buff *skb);

#endif /* _AEGIS_RELAY_H */
