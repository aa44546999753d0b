/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Relay packets on arrival: the hop layer is opened in the receive
 * softirq, and the packet is forwarded from there.
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
 * hop counter, @ecn its outer header's ECN field. Opens the hop layer and
 * forwards the packet, or drops it and counts why. Consumes @skb and the
 * reference on @key.
 */
void aegis_relay_rcv(struct aegis_device *aegis, struct aegis_key *key,
		     u64 counter, u8 ecn, struct sk_buff *skb);

#endif /* _AEGIS_RELAY_H */
