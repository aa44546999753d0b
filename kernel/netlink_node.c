// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * AEGIS_CMD_NODE_{NEW,SET,DEL,GET}: the peers of the mesh, their endpoint,
 * next hop, keepalive and flags, and (GET) their statistics.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "device.h"
#include "netlink.h"
#include "node.h"
#include "socket.h"

#define node_deref(aegis, p) \
	rcu_dereference_protected(p, lockdep_is_held(&(aegis)->conf_lock))

/* What a NODE_NEW or NODE_SET asks to change, checked before any change. */
struct aegis_node_cfg {
	union aegis_sockaddr endpoint;
	struct aegis_node *via;
	u32 flags;
	u16 keepalive;
	bool set_endpoint;
	bool set_via;
	bool set_keepalive;
	bool set_flags;
};

int aegis_nl_put_endpoint(struct sk_buff *skb, struct aegis_node *node)
{
	union aegis_sockaddr remote;
	unsigned int seq;
	bool has;

	do {
		seq = read_seqbegin(&node->endpoint_lock);
		remote = node->endpoint.remote;
		has = node->has_endpoint;
	} while (read_seqretry(&node->endpoint_lock, seq));
	if (!has)
		return 0;

	if (remote.addr.sa_family == AF_INET) {
		if (nla_put_in_addr(skb, AEGIS_NODE_A_ENDPOINT_IP4,
				    remote.in4.sin_addr.s_addr) ||
		    nla_put_u16(skb, AEGIS_NODE_A_ENDPOINT_PORT,
				ntohs(remote.in4.sin_port)))
			return -EMSGSIZE;
	} else {
		if (nla_put_in6_addr(skb, AEGIS_NODE_A_ENDPOINT_IP6,
				     &remote.in6.sin6_addr) ||
		    nla_put_u16(skb, AEGIS_NODE_A_ENDPOINT_PORT,
				ntohs(remote.in6.sin6_port)) ||
		    (remote.in6.sin6_scope_id &&
		     nla_put_u32(skb, AEGIS_NODE_A_ENDPOINT_SCOPE,
				 remote.in6.sin6_scope_id)))
			return -EMSGSIZE;
	}
	return 0;
}

static int aegis_nl_put_stats(struct sk_buff *skb, struct aegis_node *node)
{
	u64 rx_bytes = 0, rx_packets = 0, tx_bytes = 0, tx_packets = 0;
	struct nlattr *nest;
	int cpu, i;

	for_each_possible_cpu(cpu) {
		const struct aegis_node_stats *s = per_cpu_ptr(node->stats, cpu);
		u64 rb, rp, tb, tp;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			rb = u64_stats_read(&s->rx_bytes);
			rp = u64_stats_read(&s->rx_packets);
			tb = u64_stats_read(&s->tx_bytes);
			tp = u64_stats_read(&s->tx_packets);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		rx_bytes += rb;
		rx_packets += rp;
		tx_bytes += tb;
		tx_packets += tp;
	}
	if (nla_put_u64_64bit(skb, AEGIS_NODE_A_RX_BYTES, rx_bytes,
			      AEGIS_NODE_A_PAD) ||
	    nla_put_u64_64bit(skb, AEGIS_NODE_A_RX_PACKETS, rx_packets,
			      AEGIS_NODE_A_PAD) ||
	    nla_put_u64_64bit(skb, AEGIS_NODE_A_TX_BYTES, tx_bytes,
			      AEGIS_NODE_A_PAD) ||
	    nla_put_u64_64bit(skb, AEGIS_NODE_A_TX_PACKETS, tx_packets,
			      AEGIS_NODE_A_PAD) ||
	    nla_put_u64_64bit(skb, AEGIS_NODE_A_LAST_RX,
			      READ_ONCE(node->last_rx_ns), AEGIS_NODE_A_PAD))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, AEGIS_NODE_A_DROPS);
	if (!nest)
		return -EMSGSIZE;
	for (i = AEGIS_DROP_A_UNSPEC + 1; i <= AEGIS_DROP_A_MAX; i++) {
		if (!aegis_drop_reason_valid(i))
			continue;
		if (nla_put_u64_64bit(skb, i, atomic64_read(&node->drops[i]),
				      AEGIS_DROP_A_PAD))
			return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* One NODE_GET message; @cb for dumps (consistency check), else NULL. */
static int aegis_node_fill(struct sk_buff *skb, struct aegis_node *node,
			   u32 portid, u32 seq, int flags,
			   struct netlink_callback *cb)
{
	struct aegis_device *aegis = node->aegis;
	struct aegis_node *via;
	struct nlattr *nest;
	void *hdr;

	lockdep_assert_held(&aegis->conf_lock);

	hdr = aegis_nl_put_header(skb, aegis, portid, seq, flags,
				  AEGIS_CMD_NODE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	nest = nla_nest_start(skb, AEGIS_A_NODE);
	if (!nest)
		goto err_cancel;
	if (nla_put(skb, AEGIS_NODE_A_ID, AEGIS_NODE_ID_LEN, node->id) ||
	    aegis_nl_put_endpoint(skb, node) ||
	    nla_put_u16(skb, AEGIS_NODE_A_KEEPALIVE, node->keepalive) ||
	    nla_put_u32(skb, AEGIS_NODE_A_FLAGS, node->flags))
		goto err_cancel;
	via = node_deref(aegis, node->via);
	if (via && nla_put(skb, AEGIS_NODE_A_VIA, AEGIS_NODE_ID_LEN, via->id))
		goto err_cancel;
	if (aegis_nl_put_stats(skb, node))
		goto err_cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* AEGIS_A_NODE, parsed into @tb, with its required AEGIS_NODE_A_ID. */
static int aegis_nl_parse_node(struct genl_info *info, struct nlattr **tb)
{
	struct netlink_ext_ack *extack = info->extack;
	int ret;

	if (AEGIS_NL_REQ_ATTR(extack, NULL, info->attrs, AEGIS_A_NODE,
			      "the node is missing: give an AEGIS_A_NODE nest"))
		return -EINVAL;
	ret = nla_parse_nested(tb, AEGIS_NODE_A_MAX, info->attrs[AEGIS_A_NODE],
			       aegis_node_policy, extack);
	if (ret)
		return ret;
	if (AEGIS_NL_REQ_ATTR(extack, info->attrs[AEGIS_A_NODE], tb,
			      AEGIS_NODE_A_ID,
			      "the node id is missing: give AEGIS_NODE_A_ID"))
		return -EINVAL;
	return 0;
}

static int aegis_nl_parse_endpoint(struct aegis_device *aegis,
				   struct nlattr *nest, struct nlattr **tb,
				   struct aegis_node_cfg *cfg,
				   struct netlink_ext_ack *extack)
{
	struct nlattr *ip4 = tb[AEGIS_NODE_A_ENDPOINT_IP4];
	struct nlattr *ip6 = tb[AEGIS_NODE_A_ENDPOINT_IP6];
	struct nlattr *port = tb[AEGIS_NODE_A_ENDPOINT_PORT];
	struct nlattr *scope = tb[AEGIS_NODE_A_ENDPOINT_SCOPE];
	union aegis_sockaddr *sa = &cfg->endpoint;

	if (ip4 && ip6) {
		NL_SET_ERR_MSG_ATTR(extack, ip6,
				    "give an IPv4 or an IPv6 endpoint, not both");
		return -EINVAL;
	}
	if (scope && !ip6) {
		NL_SET_ERR_MSG_ATTR(extack, scope,
				    "an endpoint scope is only for a link-local IPv6 endpoint");
		return -EINVAL;
	}
	if (!ip4 && !ip6) {
		if (!port)
			return 0;
		NL_SET_ERR_ATTR_MISS(extack, nest, AEGIS_NODE_A_ENDPOINT_IP4);
		NL_SET_ERR_MSG_ATTR(extack, port,
				    "the endpoint port needs an address: give AEGIS_NODE_A_ENDPOINT_IP4 or _IP6");
		return -EINVAL;
	}
	if (AEGIS_NL_REQ_ATTR(extack, nest, tb, AEGIS_NODE_A_ENDPOINT_PORT,
			      "endpoint needs a port: give AEGIS_NODE_A_ENDPOINT_PORT"))
		return -EINVAL;

	memset(sa, 0, sizeof(*sa));
	if (ip4) {
		__be32 addr = nla_get_in_addr(ip4);

		if (ipv4_is_zeronet(addr) || ipv4_is_multicast(addr) ||
		    ipv4_is_lbcast(addr)) {
			NL_SET_ERR_MSG_ATTR(extack, ip4,
					    "the endpoint must be a unicast address");
			return -EINVAL;
		}
		sa->in4.sin_family = AF_INET;
		sa->in4.sin_addr.s_addr = addr;
		sa->in4.sin_port = htons(nla_get_u16(port));
	} else {
		struct in6_addr addr = nla_get_in6_addr(ip6);
		int type = ipv6_addr_type(&addr);

		if (type & (IPV6_ADDR_ANY | IPV6_ADDR_MULTICAST)) {
			NL_SET_ERR_MSG_ATTR(extack, ip6,
					    "the endpoint must be a unicast address");
			return -EINVAL;
		}
		if ((type & IPV6_ADDR_LINKLOCAL) && !scope) {
			NL_SET_ERR_ATTR_MISS(extack, nest,
					     AEGIS_NODE_A_ENDPOINT_SCOPE);
			NL_SET_ERR_MSG_ATTR(extack, ip6,
					    "a link-local endpoint needs the interface it is on: give AEGIS_NODE_A_ENDPOINT_SCOPE");
			return -EINVAL;
		}
		if (!(type & IPV6_ADDR_LINKLOCAL) && scope) {
			NL_SET_ERR_MSG_ATTR(extack, scope,
					    "an endpoint scope is only for a link-local IPv6 endpoint");
			return -EINVAL;
		}
		sa->in6.sin6_family = AF_INET6;
		sa->in6.sin6_addr = addr;
		sa->in6.sin6_port = htons(nla_get_u16(port));
		if (scope)
			sa->in6.sin6_scope_id = nla_get_u32(scope);
		if (scope && !aegis_sock_has_ifindex(aegis, sa->in6.sin6_scope_id)) {
			NL_SET_ERR_MSG_ATTR(extack, scope,
					    "the endpoint scope names no interface where the socket is (no such ifindex)");
			return -ENODEV;
		}
	}
	cfg->set_endpoint = true;
	return 0;
}

/* Is @node the next hop of any other node? */
static bool aegis_node_is_next_hop(struct aegis_node *node)
{
	struct aegis_device *aegis = node->aegis;
	struct aegis_node *other;

	list_for_each_entry(other, &aegis->node_list, list) {
		if (rcu_access_pointer(other->via) == node)
			return true;
	}
	return false;
}

/*
 * Next hops are one level deep: a node's next hop must itself be reached
 * directly, so a node that is a next hop must stay direct.
 */
static int aegis_nl_parse_via(struct aegis_device *aegis,
			      struct aegis_node *self, const u8 *self_id,
			      struct nlattr *attr, struct aegis_node_cfg *cfg,
			      struct netlink_ext_ack *extack)
{
	struct aegis_node *via;

	cfg->set_via = true;
	cfg->via = NULL;
	if (!nla_len(attr))
		return 0;	/* empty: direct */

	if (!memcmp(nla_data(attr), self_id, AEGIS_NODE_ID_LEN)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a node cannot be its own next hop");
		return -EINVAL;
	}
	via = aegis_node_find(aegis, nla_data(attr));
	if (!via) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the next hop is not a known node: add it first");
		return -ENOENT;
	}
	if (rcu_access_pointer(via->via)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the next hop must be a direct node, but it has a next hop itself");
		return -EINVAL;
	}
	if (self && aegis_node_is_next_hop(self)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "this node is the next hop of other nodes, so it must stay direct");
		return -EBUSY;
	}
	cfg->via = via;
	return 0;
}

/*
 * Everything of NEW/SET but the id. @self is the node being changed, or
 * NULL for NODE_NEW (then @self_id is the id being added).
 */
static int aegis_nl_parse_node_cfg(struct aegis_device *aegis,
				   struct aegis_node *self, const u8 *self_id,
				   struct nlattr *nest, struct nlattr **tb,
				   struct aegis_node_cfg *cfg,
				   struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&aegis->conf_lock);

	ret = aegis_nl_parse_endpoint(aegis, nest, tb, cfg, extack);
	if (ret)
		return ret;
	if (tb[AEGIS_NODE_A_VIA]) {
		ret = aegis_nl_parse_via(aegis, self, self_id,
					 tb[AEGIS_NODE_A_VIA], cfg, extack);
		if (ret)
			return ret;
	}
	if (tb[AEGIS_NODE_A_KEEPALIVE]) {
		cfg->keepalive = nla_get_u16(tb[AEGIS_NODE_A_KEEPALIVE]);
		cfg->set_keepalive = true;
	}
	if (tb[AEGIS_NODE_A_FLAGS]) {
		cfg->flags = nla_get_u32(tb[AEGIS_NODE_A_FLAGS]);
		cfg->set_flags = true;
	}
	return 0;
}

static void aegis_node_apply_cfg(struct aegis_node *node,
				 const struct aegis_node_cfg *cfg)
{
	if (cfg->set_endpoint)
		aegis_node_set_endpoint(node, &cfg->endpoint);
	if (cfg->set_via)
		rcu_assign_pointer(node->via, cfg->via);
	if (cfg->set_keepalive)
		WRITE_ONCE(node->keepalive, cfg->keepalive);
	if (cfg->set_flags)
		WRITE_ONCE(node->flags, cfg->flags);
}

int aegis_nl_node_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct aegis_device *aegis = aegis_nl_dev(info);
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AEGIS_NODE_A_MAX + 1];
	struct aegis_node_cfg cfg = {};
	struct aegis_node *node;
	const u8 *id;
	int ret;

	ret = aegis_nl_parse_node(info, tb);
	if (ret)
		return ret;
	id = nla_data(tb[AEGIS_NODE_A_ID]);

	/* A test-only build (make check-debug's canary) leaves this lock out,
	 * to prove that the debug kernel's lockdep catches a missing lock.
	 */
	if (!IS_ENABLED(CONFIG_AEGISRAY_BROKEN_LOCK))
		mutex_lock(&aegis->conf_lock);
	ret = aegis_nl_check_alive(aegis, extack);
	if (ret)
		goto out_unlock;
	if (aegis->has_node_id &&
	    !memcmp(id, aegis->node_id, AEGIS_NODE_ID_LEN)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_NODE_A_ID],
				    "this is the local node's id: it cannot be a peer");
		ret = -EINVAL;
		goto out_unlock;
	}
	if (aegis_node_find(aegis, id)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_NODE_A_ID],
				    "a node with this id exists already");
		ret = -EEXIST;
		goto out_unlock;
	}
	ret = aegis_nl_parse_node_cfg(aegis, NULL, id, info->attrs[AEGIS_A_NODE],
				      tb, &cfg, extack);
	if (ret)
		goto out_unlock;
	node = aegis_node_create(aegis, id);
	if (IS_ERR(node)) {
		ret = PTR_ERR(node);
		goto out_unlock;
	}
	aegis_node_apply_cfg(node, &cfg);

out_unlock:
	if (!IS_ENABLED(CONFIG_AEGISRAY_BROKEN_LOCK))
		mutex_unlock(&aegis->conf_lock);
	return ret;
}

/* Under conf_lock: the node @tb names, or NULL with extack set. */
static struct aegis_node *aegis_nl_find_node(struct aegis_device *aegis,
					     struct nlattr **tb,
					     struct netlink_ext_ack *extack)
{
	struct aegis_node *node;

	node = aegis_node_find(aegis, nla_data(tb[AEGIS_NODE_A_ID]));
	if (!node)
		NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_NODE_A_ID],
				    "no node with this id");
	return node;
}

int aegis_nl_node_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct aegis_device *aegis = aegis_nl_dev(info);
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AEGIS_NODE_A_MAX + 1];
	struct aegis_node_cfg cfg = {};
	struct aegis_node *node;
	int ret;

	ret = aegis_nl_parse_node(info, tb);
	if (ret)
		return ret;

	mutex_lock(&aegis->conf_lock);
	ret = aegis_nl_check_alive(aegis, extack);
	if (ret)
		goto out_unlock;
	node = aegis_nl_find_node(aegis, tb, extack);
	if (!node) {
		ret = -ENOENT;
		goto out_unlock;
	}
	ret = aegis_nl_parse_node_cfg(aegis, node, node->id,
				      info->attrs[AEGIS_A_NODE], tb, &cfg,
				      extack);
	if (ret)
		goto out_unlock;
	aegis_node_apply_cfg(node, &cfg);
	aegis_bump_generation(aegis);

out_unlock:
	mutex_unlock(&aegis->conf_lock);
	return ret;
}

int aegis_nl_node_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct aegis_device *aegis = aegis_nl_dev(info);
	struct nlattr *tb[AEGIS_NODE_A_MAX + 1];
	struct aegis_node *node;
	int ret;

	ret = aegis_nl_parse_node(info, tb);
	if (ret)
		return ret;

	mutex_lock(&aegis->conf_lock);
	node = aegis_nl_find_node(aegis, tb, info->extack);
	if (node)
		aegis_node_remove(node);
	else
		ret = -ENOENT;
	mutex_unlock(&aegis->conf_lock);
	return ret;
}

int aegis_nl_node_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct aegis_device *aegis = aegis_nl_dev(info);
	struct nlattr *tb[AEGIS_NODE_A_MAX + 1];
	struct aegis_node *node;
	struct sk_buff *msg;
	int ret;

	ret = aegis_nl_parse_node(info, tb);
	if (ret)
		return ret;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&aegis->conf_lock);
	node = aegis_nl_find_node(aegis, tb, info->extack);
	if (node)
		ret = aegis_node_fill(msg, node, info->snd_portid,
				      info->snd_seq, 0, NULL);
	else
		ret = -ENOENT;
	mutex_unlock(&aegis->conf_lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/*
 * One message per node, resuming at the node the last skb had no room
 * for, or, after a table change, at node ctx->node_pos.
 */
int aegis_nl_node_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct aegis_dump_ctx *ctx = aegis_dump_ctx(cb);
	struct aegis_device *aegis;
	struct aegis_node *node;
	int ret;

	ret = aegis_nl_dump_device(cb);
	if (ret)
		return ret;
	aegis = netdev_priv(ctx->dev);
	mutex_lock(&aegis->conf_lock);
	aegis_nl_dump_seq(cb, aegis);
	if (aegis_nl_dump_at_valid(ctx, aegis))
		node = ctx->at.node;
	else
		node = aegis_nl_dump_node(aegis, ctx->node_pos);
	ctx->at.node = NULL;
	if (!node)
		goto out_unlock;	/* past the last node */

	list_for_each_entry_from(node, &aegis->node_list, list) {
		ret = aegis_node_fill(skb, node, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (ret) {
			ctx->at.node = node;
			aegis_nl_dump_save_at(ctx, aegis);
			break;
		}
		ctx->node_pos++;
	}
out_unlock:
	mutex_unlock(&aegis->conf_lock);
	/* A full skb goes out and the next call resumes at node_pos. */
	if (ret && !skb->len)
		return ret;
	return skb->len;
}
