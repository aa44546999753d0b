/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The UDP socket userspace hands over (AEGIS_DEV_A_SOCK_FD). The module
 * attaches to it as UDP encapsulation: data packets (short header) are
 * consumed, every other datagram stays on the socket for the agent.
 */
#ifndef _AEGIS_SOCKET_H
#define _AEGIS_SOCKET_H

#include <linux/netlink.h>
#include <linux/skbuff.h>

struct aegis_device;
struct aegis_node;

/*
 * struct aegis_sock - an attached socket. We hold a reference on the sock
 * (not the file): when its owner closes it, encap_destroy detaches us.
 */
struct aegis_sock {
	struct sock *sk;
	struct aegis_device *aegis;
	struct rcu_head rcu;
};

int aegis_sock_attach(struct aegis_device *aegis, int fd,
		      struct netlink_ext_ack *extack);
void aegis_sock_detach(struct aegis_device *aegis);
/* Local port of the attached socket, 0 if none. Under conf_lock or RCU. */
u16 aegis_sock_port(struct aegis_device *aegis);
/*
 * Is there an interface @ifindex where the socket's packets are routed (the
 * socket's netns, or the device's while it has no socket)?
 */
bool aegis_sock_has_ifindex(struct aegis_device *aegis, int ifindex);
/*
 * Send @skb (which starts at our data header) to @node's endpoint, with
 * @ecn as the outer header's ECN field (its DSCP is always 0). Consumes
 * the skb. Called under rcu_read_lock_bh().
 */
int aegis_sock_send(struct aegis_device *aegis, struct aegis_node *node,
		    struct sk_buff *skb, u8 ecn);

#endif /* _AEGIS_SOCKET_H */
