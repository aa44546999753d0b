// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The userspace-owned UDP socket: attach, detach, and transmission of
 * finished data packets to a node's endpoint.
 *
 * One socket carries everything on one local port: the module consumes the
 * short-header data packets in encap_rcv and leaves every other datagram on
 * the socket for the agent, so NAT mappings made by control traffic also
 * serve data. The socket stays in the netns where it was created even if
 * the device moves; routing of outer packets happens there.
 */
#include <linux/file.h>
#include <linux/net.h>
#include <net/dst_cache.h>
#include <net/ip6_route.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "device.h"
#include "node.h"
#include "notify.h"
#include "receive.h"
#include "socket.h"

static void aegis_sock_free_rcu(struct rcu_head *rcu)
{
	struct aegis_sock *as = container_of(rcu, struct aegis_sock, rcu);

	sock_put(as->sk);
	kfree(as);
}

/* Undo setup_udp_tunnel_sock(): the socket goes back to plain UDP. */
static void aegis_sock_unhook(struct sock *sk)
{
	struct udp_sock *up = udp_sk(sk);

	write_lock_bh(&sk->sk_callback_lock);
	WRITE_ONCE(up->encap_type, 0);
	WRITE_ONCE(up->encap_rcv, NULL);
	WRITE_ONCE(up->encap_destroy, NULL);
	rcu_assign_sk_user_data(sk, NULL);
	write_unlock_bh(&sk->sk_callback_lock);
}

/* Take the socket out of the device. Returns it, or NULL. */
static struct aegis_sock *aegis_sock_take(struct aegis_device *aegis)
{
	struct aegis_sock *as;

	spin_lock_bh(&aegis->sock_lock);
	as = rcu_dereference_protected(aegis->sock,
				       lockdep_is_held(&aegis->sock_lock));
	RCU_INIT_POINTER(aegis->sock, NULL);
	spin_unlock_bh(&aegis->sock_lock);
	return as;
}

/*
 * The owner closed the socket (udp_destroy_sock). Process context; the
 * socket is being torn down, so only drop our hooks and reference.
 */
static void aegis_encap_destroy(struct sock *sk)
{
	struct aegis_device *aegis;
	struct aegis_sock *as;

	rcu_read_lock();
	aegis = rcu_dereference_sk_user_data(sk);
	if (aegis)
		dev_hold(aegis->dev);
	rcu_read_unlock();
	if (!aegis)
		return;

	as = aegis_sock_take(aegis);
	if (as) {
		aegis_sock_unhook(as->sk);
		netdev_info(aegis->dev, "socket closed by its owner: detached\n");
		aegis_notify_sock_closed(aegis);
		call_rcu(&as->rcu, aegis_sock_free_rcu);
	}
	dev_put(aegis->dev);
}

void aegis_sock_detach(struct aegis_device *aegis)
{
	struct aegis_sock *as = aegis_sock_take(aegis);

	if (!as)
		return;
	aegis_sock_unhook(as->sk);
	/* Receivers that saw the hook are done after a grace period. */
	call_rcu(&as->rcu, aegis_sock_free_rcu);
}

int aegis_sock_attach(struct aegis_device *aegis, int fd,
		      struct netlink_ext_ack *extack)
{
	struct udp_tunnel_sock_cfg cfg = {
		.sk_user_data	= aegis,
		.encap_type	= UDP_ENCAP_ESPINUDP,
		.encap_rcv	= aegis_encap_rcv,
		.encap_destroy	= aegis_encap_destroy,
	};
	struct aegis_sock *as;
	struct socket *sock;
	struct sock *sk;
	int ret;

	lockdep_assert_held(&aegis->conf_lock);

	sock = sockfd_lookup(fd, &ret);
	if (!sock) {
		NL_SET_ERR_MSG_MOD(extack, "AEGIS_DEV_A_SOCK_FD is not a socket");
		return ret;
	}
	sk = sock->sk;
	if (sk->sk_protocol != IPPROTO_UDP || sk->sk_type != SOCK_DGRAM ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG_MOD(extack, "the socket must be a UDP socket (IPv4 or IPv6)");
		ret = -EPROTOTYPE;
		goto err_put;
	}
	if (!inet_sk(sk)->inet_sport) {
		NL_SET_ERR_MSG_MOD(extack, "the socket must be bound to a port first");
		ret = -EDESTADDRREQ;
		goto err_put;
	}
	as = kzalloc(sizeof(*as), GFP_KERNEL);
	if (!as) {
		ret = -ENOMEM;
		goto err_put;
	}
	/* lock_sock: two devices must not both claim the same socket. */
	lock_sock(sk);
	if (READ_ONCE(udp_sk(sk)->encap_type) || READ_ONCE(sk->sk_user_data)) {
		release_sock(sk);
		NL_SET_ERR_MSG_MOD(extack, "the socket is already in use by a UDP tunnel");
		ret = -EBUSY;
		goto err_free;
	}
	sock_hold(sk);
	as->sk = sk;
	as->aegis = aegis;
	aegis_sock_detach(aegis);
	setup_udp_tunnel_sock(sock_net(sk), sock, &cfg);
	release_sock(sk);

	spin_lock_bh(&aegis->sock_lock);
	rcu_assign_pointer(aegis->sock, as);
	spin_unlock_bh(&aegis->sock_lock);
	sockfd_put(sock);
	return 0;

err_free:
	kfree(as);
err_put:
	sockfd_put(sock);
	return ret;
}

u16 aegis_sock_port(struct aegis_device *aegis)
{
	struct aegis_sock *as;
	u16 port = 0;

	rcu_read_lock();
	as = rcu_dereference(aegis->sock);
	if (as)
		port = ntohs(inet_sk(as->sk)->inet_sport);
	rcu_read_unlock();
	return port;
}

bool aegis_sock_has_ifindex(struct aegis_device *aegis, int ifindex)
{
	struct aegis_sock *as;
	struct net *net;
	bool found;

	rcu_read_lock();
	as = rcu_dereference(aegis->sock);
	net = as ? sock_net(as->sk) : dev_net(aegis->dev);
	found = dev_get_by_index_rcu(net, ifindex);
	rcu_read_unlock();
	return found;
}

static int aegis_send4(struct aegis_node *node, struct sock *sk,
		       struct sk_buff *skb, const struct aegis_endpoint *ep,
		       u8 ecn)
{
	struct flowi4 fl4 = {
		.daddr		= ep->remote.in4.sin_addr.s_addr,
		.saddr		= ep->src4,
		.fl4_dport	= ep->remote.in4.sin_port,
		.fl4_sport	= inet_sk(sk)->inet_sport,
		.flowi4_proto	= IPPROTO_UDP,
		.flowi4_mark	= sk->sk_mark,
	};
	struct rtable *rt;

	rt = dst_cache_get_ip4(&node->dst_cache, &fl4.saddr);
	if (!rt) {
		rt = ip_route_output_flow(sock_net(sk), &fl4, sk);
		if (IS_ERR(rt)) {
			kfree_skb(skb);
			return PTR_ERR(rt);
		}
		dst_cache_set_ip4(&node->dst_cache, &rt->dst, fl4.saddr);
	}
	udp_tunnel_xmit_skb(rt, sk, skb, fl4.saddr, fl4.daddr, ecn,
			    ip4_dst_hoplimit(&rt->dst), 0, fl4.fl4_sport,
			    fl4.fl4_dport, false, false);
	return 0;
}

static int aegis_send6(struct aegis_node *node, struct sock *sk,
		       struct sk_buff *skb, const struct aegis_endpoint *ep,
		       u8 ecn)
{
#if IS_ENABLED(CONFIG_IPV6)
	struct flowi6 fl6 = {
		.daddr		= ep->remote.in6.sin6_addr,
		.saddr		= ep->src6,
		.fl6_dport	= ep->remote.in6.sin6_port,
		.fl6_sport	= inet_sk(sk)->inet_sport,
		.flowi6_proto	= IPPROTO_UDP,
		.flowi6_mark	= sk->sk_mark,
		.flowi6_oif	= ep->remote.in6.sin6_scope_id,
	};
	struct dst_entry *dst;

	if (sk->sk_family != AF_INET6) {
		kfree_skb(skb);
		return -EAFNOSUPPORT;
	}
	dst = dst_cache_get_ip6(&node->dst_cache, &fl6.saddr);
	if (!dst) {
		dst = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sk), sk, &fl6, NULL);
		if (IS_ERR(dst)) {
			kfree_skb(skb);
			return PTR_ERR(dst);
		}
		dst_cache_set_ip6(&node->dst_cache, dst, &fl6.saddr);
	}
	udp_tunnel6_xmit_skb(dst, sk, skb, skb->dev, &fl6.saddr, &fl6.daddr, ecn,
			     ip6_dst_hoplimit(dst), 0, fl6.fl6_sport,
			     fl6.fl6_dport, false);
	return 0;
#else
	kfree_skb(skb);
	return -EAFNOSUPPORT;
#endif
}

int aegis_sock_send(struct aegis_device *aegis, struct aegis_node *node,
		    struct sk_buff *skb, u8 ecn)
{
	struct aegis_endpoint ep;
	struct aegis_sock *as;
	unsigned int seq;
	bool has_ep;

	as = rcu_dereference_bh(aegis->sock);
	do {
		seq = read_seqbegin(&node->endpoint_lock);
		ep = node->endpoint;
		has_ep = node->has_endpoint;
	} while (read_seqretry(&node->endpoint_lock, seq));

	if (unlikely(!as || !has_ep)) {
		kfree_skb(skb);
		return -ENOTCONN;
	}
	skb->dev = aegis->dev;
	skb->mark = 0;
	if (ep.remote.addr.sa_family == AF_INET)
		return aegis_send4(node, as->sk, skb, &ep, ecn);
	return aegis_send6(node, as->sk, skb, &ep, ecn);
}
