// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The "aegisray" generic netlink family: policies, operations, and the
 * device lookup shared by every command.
 *
 * Every attribute the family accepts is described by a policy below, nests
 * included; the core validates strictly (unknown attributes, wrong types,
 * lengths and ranges, and reply-only attributes are refused with an extack
 * message) before any handler runs. Handlers check what a policy cannot:
 * required attributes and combinations of attributes.
 */
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "device.h"
#include "key.h"
#include "netlink.h"
#include "node.h"

#define AEGIS_REPLY_ONLY { \
	.type = NLA_REJECT, \
	.reject_message = "reply-only attribute: not accepted in requests", \
}

static int aegis_validate_via(const struct nlattr *attr,
			      struct netlink_ext_ack *extack)
{
	if (nla_len(attr) == 0 || nla_len(attr) == AEGIS_NODE_ID_LEN)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "the next hop must be a 32-byte node id, or empty to clear it");
	return -EINVAL;
}

static struct netlink_range_validation aegis_packets_range = {
	.min = 0,
	.max = AEGIS_COUNTER_REJECT_AFTER,
};

const struct nla_policy aegis_dev_policy[AEGIS_DEV_A_MAX + 1] = {
	[AEGIS_DEV_A_IFINDEX]		= AEGIS_REPLY_ONLY,
	[AEGIS_DEV_A_IFNAME]		= AEGIS_REPLY_ONLY,
	[AEGIS_DEV_A_NODE_ID]		= NLA_POLICY_EXACT_LEN(AEGIS_NODE_ID_LEN),
	[AEGIS_DEV_A_SOCK_FD]		= NLA_POLICY_MIN(NLA_S32, -1),
	[AEGIS_DEV_A_LISTEN_PORT]	= AEGIS_REPLY_ONLY,
	[AEGIS_DEV_A_NODES]		= AEGIS_REPLY_ONLY,
	[AEGIS_DEV_A_PREFIXES]		= AEGIS_REPLY_ONLY,
	[AEGIS_DEV_A_IDLE_TIMEOUT]	= { .type = NLA_U32 },
	[AEGIS_DEV_A_HOP_LIMIT]		= NLA_POLICY_RANGE(NLA_U8, 1, 64),
	[AEGIS_DEV_A_PAD]		= { .type = NLA_REJECT },
};

const struct nla_policy aegis_node_policy[AEGIS_NODE_A_MAX + 1] = {
	[AEGIS_NODE_A_ID]		= NLA_POLICY_EXACT_LEN(AEGIS_NODE_ID_LEN),
	[AEGIS_NODE_A_ENDPOINT_IP4]	= NLA_POLICY_EXACT_LEN(4),
	[AEGIS_NODE_A_ENDPOINT_IP6]	= NLA_POLICY_EXACT_LEN(16),
	[AEGIS_NODE_A_ENDPOINT_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	/* Empty or a node id: NLA_BINARY up to 32 bytes, then the function. */
	[AEGIS_NODE_A_VIA]		=
		NLA_POLICY_VALIDATE_FN(NLA_BINARY, aegis_validate_via, AEGIS_NODE_ID_LEN),
	[AEGIS_NODE_A_KEEPALIVE]	= { .type = NLA_U16 },
	[AEGIS_NODE_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32, AEGIS_NODE_F_RELAY),
	[AEGIS_NODE_A_RX_BYTES]		= AEGIS_REPLY_ONLY,
	[AEGIS_NODE_A_RX_PACKETS]	= AEGIS_REPLY_ONLY,
	[AEGIS_NODE_A_TX_BYTES]		= AEGIS_REPLY_ONLY,
	[AEGIS_NODE_A_TX_PACKETS]	= AEGIS_REPLY_ONLY,
	[AEGIS_NODE_A_LAST_RX]		= AEGIS_REPLY_ONLY,
	[AEGIS_NODE_A_DROPS]		= AEGIS_REPLY_ONLY,
	[AEGIS_NODE_A_PAD]		= { .type = NLA_REJECT },
	[AEGIS_NODE_A_ENDPOINT_SCOPE]	= NLA_POLICY_MIN(NLA_U32, 1),
};

const struct nla_policy aegis_keydir_policy[AEGIS_KEYDIR_A_MAX + 1] = {
	[AEGIS_KEYDIR_A_KEY]		= NLA_POLICY_EXACT_LEN(AEGIS_KEY_LEN),
	[AEGIS_KEYDIR_A_SALT]		= NLA_POLICY_EXACT_LEN(AEGIS_NONCE_SALT_LEN),
};

const struct nla_policy aegis_key_policy[AEGIS_KEY_A_MAX + 1] = {
	[AEGIS_KEY_A_NODE_ID]		= NLA_POLICY_EXACT_LEN(AEGIS_NODE_ID_LEN),
	[AEGIS_KEY_A_SLOT]		= NLA_POLICY_MAX(NLA_U8, AEGIS_KEY_SLOT_SECONDARY),
	[AEGIS_KEY_A_KEY_ID]		= NLA_POLICY_MAX(NLA_U8, AEGIS_KEY_ID_MAX),
	[AEGIS_KEY_A_CIPHER]		= NLA_POLICY_RANGE(NLA_U8, AEGIS_CIPHER_AES_GCM,
							   AEGIS_CIPHER_CHACHA20POLY1305),
	[AEGIS_KEY_A_RX_INDEX]		= { .type = NLA_U64 },
	[AEGIS_KEY_A_TX_INDEX]		= { .type = NLA_U64 },
	[AEGIS_KEY_A_ENCRYPT]		= NLA_POLICY_NESTED(aegis_keydir_policy),
	[AEGIS_KEY_A_DECRYPT]		= NLA_POLICY_NESTED(aegis_keydir_policy),
	[AEGIS_KEY_A_SOFT_LIFETIME]	= { .type = NLA_U32 },
	[AEGIS_KEY_A_HARD_LIFETIME]	= { .type = NLA_U32 },
	[AEGIS_KEY_A_SOFT_PACKETS]	= NLA_POLICY_FULL_RANGE(NLA_U64, &aegis_packets_range),
	[AEGIS_KEY_A_HARD_PACKETS]	= NLA_POLICY_FULL_RANGE(NLA_U64, &aegis_packets_range),
	[AEGIS_KEY_A_AGE]		= AEGIS_REPLY_ONLY,
	[AEGIS_KEY_A_CONFIRMED]		= AEGIS_REPLY_ONLY,
	[AEGIS_KEY_A_TX_PACKETS]	= AEGIS_REPLY_ONLY,
	[AEGIS_KEY_A_RX_PACKETS]	= AEGIS_REPLY_ONLY,
	[AEGIS_KEY_A_PAD]		= { .type = NLA_REJECT },
};

const struct nla_policy aegis_prefix_policy[AEGIS_PREFIX_A_MAX + 1] = {
	[AEGIS_PREFIX_A_NODE_ID]	= NLA_POLICY_EXACT_LEN(AEGIS_NODE_ID_LEN),
	[AEGIS_PREFIX_A_IP4]		= NLA_POLICY_EXACT_LEN(4),
	[AEGIS_PREFIX_A_IP6]		= NLA_POLICY_EXACT_LEN(16),
	[AEGIS_PREFIX_A_LEN]		= NLA_POLICY_MAX(NLA_U8, 128),
};

static const struct nla_policy aegis_policy[AEGIS_A_MAX + 1] = {
	[AEGIS_A_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[AEGIS_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[AEGIS_A_DEV]		= NLA_POLICY_NESTED(aegis_dev_policy),
	[AEGIS_A_NODE]		= NLA_POLICY_NESTED(aegis_node_policy),
	[AEGIS_A_KEY]		= NLA_POLICY_NESTED(aegis_key_policy),
	[AEGIS_A_PREFIX]	= NLA_POLICY_NESTED(aegis_prefix_policy),
	[AEGIS_A_GENERATION]	= AEGIS_REPLY_ONLY,
	[AEGIS_A_PAD]		= { .type = NLA_REJECT },
};

/*
 * Resolve the device a request names, and hold it. Returns it, or an
 * ERR_PTR with extack set.
 */
static struct net_device *aegis_nl_get_device(struct net *net,
					      struct nlattr **attrs,
					      netdevice_tracker *tracker,
					      struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	struct nlattr *attr;
	int ret = 0;

	if (attrs[AEGIS_A_IFINDEX] && attrs[AEGIS_A_IFNAME]) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[AEGIS_A_IFNAME],
				    "give either the ifindex or the ifname, not both");
		return ERR_PTR(-EINVAL);
	}
	attr = attrs[AEGIS_A_IFINDEX] ?: attrs[AEGIS_A_IFNAME];
	if (!attr) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, AEGIS_A_IFINDEX);
		NL_SET_ERR_MSG(extack,
			       "the device is missing: give AEGIS_A_IFINDEX or AEGIS_A_IFNAME");
		return ERR_PTR(-EINVAL);
	}

	rcu_read_lock();
	if (attrs[AEGIS_A_IFINDEX])
		dev = dev_get_by_index_rcu(net, nla_get_u32(attr));
	else
		dev = dev_get_by_name_rcu(net, nla_data(attr));
	if (!dev)
		ret = -ENODEV;
	else if (!aegis_is_device(dev))
		ret = -EOPNOTSUPP;
	else
		netdev_hold(dev, tracker, GFP_ATOMIC);
	rcu_read_unlock();

	switch (ret) {
	case 0:
		return dev;
	case -ENODEV:
		NL_SET_ERR_MSG_ATTR(extack, attr, "no such device in this netns");
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, attr, "the device is not an aegisray device");
		break;
	}
	return ERR_PTR(ret);
}

static netdevice_tracker *aegis_nl_tracker(struct genl_info *info)
{
	BUILD_BUG_ON(sizeof(netdevice_tracker) > sizeof(info->user_ptr[1]));
	return (netdevice_tracker *)&info->user_ptr[1];
}

static int aegis_nl_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			     struct genl_info *info)
{
	struct net_device *dev;

	dev = aegis_nl_get_device(genl_info_net(info), info->attrs,
				  aegis_nl_tracker(info), info->extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	info->user_ptr[0] = netdev_priv(dev);
	return 0;
}

static void aegis_nl_post_doit(const struct genl_ops *ops, struct sk_buff *skb,
			       struct genl_info *info)
{
	struct aegis_device *aegis = aegis_nl_dev(info);

	netdev_put(aegis->dev, aegis_nl_tracker(info));
}

int aegis_nl_check_alive(struct aegis_device *aegis,
			 struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&aegis->conf_lock);

	if (READ_ONCE(aegis->dev->reg_state) != NETREG_REGISTERED) {
		NL_SET_ERR_MSG(extack, "the device is being deleted");
		return -ENODEV;
	}
	return 0;
}

/*
 * Not a .start callback: before Linux 6.7 .start has no extack, and an
 * error there reaches userspace as a bare errno. The first dumpit call has
 * one, and its error ends the dump in NLMSG_DONE with the message.
 */
int aegis_nl_dump_device(struct netlink_callback *cb)
{
	struct aegis_dump_ctx *ctx = aegis_dump_ctx(cb);
	struct net_device *dev;

	if (ctx->dev)
		return 0;
	dev = aegis_nl_get_device(sock_net(cb->skb->sk),
				  genl_dumpit_info(cb)->attrs,
				  &ctx->dev_tracker, cb->extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	ctx->dev = dev;
	return 0;
}

int aegis_nl_dump_done(struct netlink_callback *cb)
{
	struct aegis_dump_ctx *ctx = aegis_dump_ctx(cb);

	if (ctx->dev)
		netdev_put(ctx->dev, &ctx->dev_tracker);
	return 0;
}

void aegis_nl_dump_seq(struct netlink_callback *cb, struct aegis_device *aegis)
{
	lockdep_assert_held(&aegis->conf_lock);

	/* 0 would disable the check (see nl_dump_check_consistent()). */
	cb->seq = aegis->generation ?: 1;
}

bool aegis_nl_dump_at_valid(struct aegis_dump_ctx *ctx,
			    struct aegis_device *aegis)
{
	lockdep_assert_held(&aegis->conf_lock);
	return ctx->at.node && ctx->changes == aegis->changes;
}

void aegis_nl_dump_save_at(struct aegis_dump_ctx *ctx,
			   struct aegis_device *aegis)
{
	lockdep_assert_held(&aegis->conf_lock);
	ctx->changes = aegis->changes;
}

struct aegis_node *aegis_nl_dump_node(struct aegis_device *aegis, u32 pos)
{
	struct aegis_node *node;

	lockdep_assert_held(&aegis->conf_lock);
	list_for_each_entry(node, &aegis->node_list, list) {
		if (!pos--)
			return node;
	}
	return NULL;
}

void *aegis_nl_put_header(struct sk_buff *skb, struct aegis_device *aegis,
			  u32 portid, u32 seq, int flags, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &aegis_genl_family, flags, cmd);
	if (!hdr)
		return NULL;
	if (nla_put_u32(skb, AEGIS_A_IFINDEX, aegis->dev->ifindex) ||
	    nla_put_u32(skb, AEGIS_A_GENERATION, READ_ONCE(aegis->generation))) {
		genlmsg_cancel(skb, hdr);
		return NULL;
	}
	return hdr;
}

static const struct genl_ops aegis_genl_ops[] = {
	{
		.cmd	= AEGIS_CMD_DEV_GET,
		.doit	= aegis_nl_dev_get_doit,
		.dumpit	= aegis_nl_dev_get_dumpit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= AEGIS_CMD_DEV_SET,
		.doit	= aegis_nl_dev_set_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= AEGIS_CMD_NODE_NEW,
		.doit	= aegis_nl_node_new_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= AEGIS_CMD_NODE_SET,
		.doit	= aegis_nl_node_set_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= AEGIS_CMD_NODE_DEL,
		.doit	= aegis_nl_node_del_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= AEGIS_CMD_NODE_GET,
		.doit	= aegis_nl_node_get_doit,
		.dumpit	= aegis_nl_node_get_dumpit,
		.done	= aegis_nl_dump_done,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= AEGIS_CMD_KEY_NEW,
		.doit	= aegis_nl_key_new_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= AEGIS_CMD_KEY_SWAP,
		.doit	= aegis_nl_key_swap_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= AEGIS_CMD_KEY_DEL,
		.doit	= aegis_nl_key_del_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= AEGIS_CMD_KEY_GET,
		.doit	= aegis_nl_key_get_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= AEGIS_CMD_PREFIX_ADD,
		.doit	= aegis_nl_prefix_add_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= AEGIS_CMD_PREFIX_DEL,
		.doit	= aegis_nl_prefix_del_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= AEGIS_CMD_PREFIX_GET,
		.dumpit	= aegis_nl_prefix_get_dumpit,
		.done	= aegis_nl_dump_done,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

/*
 * Notifications name nodes and their addresses: subscribing needs
 * CAP_NET_ADMIN in the user namespace that owns the netns.
 */
static const struct genl_multicast_group aegis_mcgrps[] = {
	[AEGIS_MCGRP_NOTIFY] = {
		.name	= AEGIS_GENL_MCGRP_NOTIFY,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
};

struct genl_family aegis_genl_family __ro_after_init = {
	.name		= AEGIS_GENL_NAME,
	.version	= AEGIS_GENL_VERSION,
	.maxattr	= AEGIS_A_MAX,
	.policy		= aegis_policy,
	.netnsok	= true,
	.pre_doit	= aegis_nl_pre_doit,
	.post_doit	= aegis_nl_post_doit,
	.module		= THIS_MODULE,
	.ops		= aegis_genl_ops,
	.n_ops		= ARRAY_SIZE(aegis_genl_ops),
	.resv_start_op	= AEGIS_CMD_MAX + 1,
	.mcgrps		= aegis_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(aegis_mcgrps),
};

int __init aegis_genl_init(void)
{
	return genl_register_family(&aegis_genl_family);
}

void aegis_genl_uninit(void)
{
	genl_unregister_family(&aegis_genl_family);
}
