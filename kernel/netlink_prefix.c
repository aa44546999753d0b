// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * AEGIS_CMD_PREFIX_{ADD,DEL,GET}: overlay prefixes routed to nodes.
 *
 * A prefix must be given in canonical form: an address with host bits set
 * past the length (10.0.0.1/24) is refused rather than masked, so what is
 * deleted, dumped and routed is always exactly what was added.
 */
#include <linux/socket.h>
#include <net/genetlink.h>

#include "device.h"
#include "netlink.h"
#include "node.h"
#include "prefix.h"

struct aegis_nl_prefix {
	int family;
	u8 addr[16];
	u8 cidr;
};

static bool aegis_host_bits_set(const u8 *addr, unsigned int len, u8 cidr)
{
	unsigned int i, net_bits;

	for (i = 0; i < len; i++) {
		net_bits = cidr > i * 8 ? min(cidr - i * 8, 8U) : 0;
		if (addr[i] & (0xff >> net_bits))
			return true;
	}
	return false;
}

/*
 * AEGIS_A_PREFIX into @tb and @p. NODE_ID is required when @need_node.
 */
static int aegis_nl_parse_prefix(struct genl_info *info, struct nlattr **tb,
				 struct aegis_nl_prefix *p, bool need_node)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[AEGIS_A_PREFIX];
	struct nlattr *addr;
	unsigned int len;
	int ret;

	if (AEGIS_NL_REQ_ATTR(extack, NULL, info->attrs, AEGIS_A_PREFIX,
			      "the prefix is missing: give an AEGIS_A_PREFIX nest"))
		return -EINVAL;
	ret = nla_parse_nested(tb, AEGIS_PREFIX_A_MAX, nest,
			       aegis_prefix_policy, extack);
	if (ret)
		return ret;
	if (need_node &&
	    AEGIS_NL_REQ_ATTR(extack, nest, tb, AEGIS_PREFIX_A_NODE_ID,
			      "the prefix's node is missing: give AEGIS_PREFIX_A_NODE_ID"))
		return -EINVAL;
	if (tb[AEGIS_PREFIX_A_IP4] && tb[AEGIS_PREFIX_A_IP6]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_PREFIX_A_IP6],
				    "give an IPv4 or an IPv6 prefix, not both");
		return -EINVAL;
	}
	if (!tb[AEGIS_PREFIX_A_IP4] && !tb[AEGIS_PREFIX_A_IP6]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, AEGIS_PREFIX_A_IP4);
		NL_SET_ERR_MSG(extack,
			       "the prefix address is missing: give AEGIS_PREFIX_A_IP4 or AEGIS_PREFIX_A_IP6");
		return -EINVAL;
	}
	if (AEGIS_NL_REQ_ATTR(extack, nest, tb, AEGIS_PREFIX_A_LEN,
			      "the prefix length is missing: give AEGIS_PREFIX_A_LEN"))
		return -EINVAL;

	p->cidr = nla_get_u8(tb[AEGIS_PREFIX_A_LEN]);
	if (tb[AEGIS_PREFIX_A_IP4]) {
		addr = tb[AEGIS_PREFIX_A_IP4];
		p->family = AF_INET;
		len = 4;
		if (p->cidr > 32) {
			NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_PREFIX_A_LEN],
					    "prefix length is longer than 32, the IPv4 maximum");
			return -EINVAL;
		}
	} else {
		/* The policy caps the length at 128. */
		addr = tb[AEGIS_PREFIX_A_IP6];
		p->family = AF_INET6;
		len = 16;
	}
	nla_memcpy(p->addr, addr, len);
	if (aegis_host_bits_set(p->addr, len, p->cidr)) {
		NL_SET_ERR_MSG_ATTR(extack, addr,
				    "the address has bits set past the prefix length: clear the host bits");
		return -EINVAL;
	}
	return 0;
}

int aegis_nl_prefix_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct aegis_device *aegis = aegis_nl_dev(info);
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AEGIS_PREFIX_A_MAX + 1];
	struct aegis_nl_prefix p = {};
	struct aegis_node *node;
	int ret;

	ret = aegis_nl_parse_prefix(info, tb, &p, true);
	if (ret)
		return ret;

	mutex_lock(&aegis->conf_lock);
	ret = aegis_nl_check_alive(aegis, extack);
	if (ret)
		goto out_unlock;
	node = aegis_node_find(aegis, nla_data(tb[AEGIS_PREFIX_A_NODE_ID]));
	if (!node) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_PREFIX_A_NODE_ID],
				    "no node with this id");
		ret = -ENOENT;
		goto out_unlock;
	}
	/* An existing prefix moves to @node. */
	ret = aegis_prefix_insert(&aegis->prefixes, p.family, p.addr, p.cidr,
				  node, &node->prefixes, &aegis->conf_lock);
	if (ret)
		goto out_unlock;
	aegis_bump_generation(aegis);

out_unlock:
	mutex_unlock(&aegis->conf_lock);
	return ret;
}

int aegis_nl_prefix_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct aegis_device *aegis = aegis_nl_dev(info);
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AEGIS_PREFIX_A_MAX + 1];
	struct aegis_nl_prefix p = {};
	struct aegis_node *node = NULL;
	int ret;

	ret = aegis_nl_parse_prefix(info, tb, &p, false);
	if (ret)
		return ret;

	mutex_lock(&aegis->conf_lock);
	if (tb[AEGIS_PREFIX_A_NODE_ID]) {
		node = aegis_node_find(aegis,
				       nla_data(tb[AEGIS_PREFIX_A_NODE_ID]));
		if (!node) {
			NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_PREFIX_A_NODE_ID],
					    "no node with this id");
			ret = -ENOENT;
			goto out_unlock;
		}
	}
	ret = aegis_prefix_remove(&aegis->prefixes, p.family, p.addr, p.cidr,
				  node, &aegis->conf_lock);
	if (ret == -ENOENT) {
		if (node)
			NL_SET_ERR_MSG(extack, "this node has no such prefix");
		else
			NL_SET_ERR_MSG(extack, "no such prefix");
	}
	if (ret)
		goto out_unlock;
	aegis_bump_generation(aegis);

out_unlock:
	mutex_unlock(&aegis->conf_lock);
	return ret;
}

struct aegis_prefix_put_ctx {
	struct sk_buff *skb;
	const u8 *node_id;
};

static int aegis_nl_put_prefix(void *data, int family, const u8 *addr, u8 cidr)
{
	struct aegis_prefix_put_ctx *pc = data;
	struct sk_buff *skb = pc->skb;
	struct nlattr *nest;
	int ret;

	nest = nla_nest_start(skb, AEGIS_A_PREFIX);
	if (!nest)
		return -EMSGSIZE;
	if (family == AF_INET)
		ret = nla_put(skb, AEGIS_PREFIX_A_IP4, 4, addr);
	else
		ret = nla_put(skb, AEGIS_PREFIX_A_IP6, 16, addr);
	if (ret ||
	    nla_put(skb, AEGIS_PREFIX_A_NODE_ID, AEGIS_NODE_ID_LEN, pc->node_id) ||
	    nla_put_u8(skb, AEGIS_PREFIX_A_LEN, cidr)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Every prefix of every node, as many AEGIS_A_PREFIX nests per message as
 * fit. Resumes at the prefix the last message had no room for, or, after a
 * table change, at node ctx->node_pos (in node_list order) after its first
 * ctx->prefix_skip prefixes.
 */
int aegis_nl_prefix_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct aegis_dump_ctx *ctx = aegis_dump_ctx(cb);
	struct aegis_prefix_put_ctx pc = { .skb = skb };
	struct aegis_prefix_pos pos = { .index = ctx->prefix_skip };
	struct aegis_device *aegis;
	struct aegis_node *node;
	unsigned long before;
	void *hdr;
	int ret;

	ret = aegis_nl_dump_device(cb);
	if (ret)
		return ret;
	aegis = netdev_priv(ctx->dev);
	mutex_lock(&aegis->conf_lock);
	aegis_nl_dump_seq(cb, aegis);
	hdr = aegis_nl_put_header(skb, aegis, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, NLM_F_MULTI,
				  AEGIS_CMD_PREFIX_GET);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto out_unlock;
	}
	genl_dump_check_consistent(cb, hdr);
	before = skb->len;

	if (aegis_nl_dump_at_valid(ctx, aegis)) {
		pos.at = ctx->at.prefix;
		node = aegis_prefix_owner(pos.at, &aegis->conf_lock);
	} else {
		node = aegis_nl_dump_node(aegis, ctx->node_pos);
	}
	ctx->at.prefix = NULL;
	if (!node)
		goto end;	/* past the last node */

	list_for_each_entry_from(node, &aegis->node_list, list) {
		pc.node_id = node->id;
		ret = aegis_prefix_walk_node(&node->prefixes, &pos,
					     aegis_nl_put_prefix, &pc);
		ctx->prefix_skip = pos.index;
		if (ret) {
			ctx->at.prefix = pos.at;
			aegis_nl_dump_save_at(ctx, aegis);
			break;
		}
		ctx->node_pos++;
		ctx->prefix_skip = 0;
		pos.at = NULL;
		pos.index = 0;
	}
end:
	if (skb->len == before) {
		/* Nothing left (the end), or not even one prefix fitted. */
		genlmsg_cancel(skb, hdr);
	} else {
		/* A full message goes out; the next call resumes. */
		genlmsg_end(skb, hdr);
		ret = 0;
	}

out_unlock:
	mutex_unlock(&aegis->conf_lock);
	if (ret && !skb->len)
		return ret;
	return skb->len;
}
