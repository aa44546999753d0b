/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The "aegisray" generic netlink family. netlink.c holds the family, its
 * policies and the device lookup shared by every command; the commands
 * live in netlink_dev.c, netlink_node.c, netlink_key.c, netlink_prefix.c.
 */
#ifndef _AEGIS_NETLINK_H
#define _AEGIS_NETLINK_H

#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <uapi/linux/aegisray.h>

struct aegis_device;
struct aegis_node;

extern struct genl_family aegis_genl_family;

/* Index of AEGIS_GENL_MCGRP_NOTIFY in the family's multicast groups. */
#define AEGIS_MCGRP_NOTIFY	0

int aegis_genl_init(void);
void aegis_genl_uninit(void);

/* Policies, for nla_parse_nested() of the object nests. */
extern const struct nla_policy aegis_dev_policy[AEGIS_DEV_A_MAX + 1];
extern const struct nla_policy aegis_node_policy[AEGIS_NODE_A_MAX + 1];
extern const struct nla_policy aegis_key_policy[AEGIS_KEY_A_MAX + 1];
extern const struct nla_policy aegis_keydir_policy[AEGIS_KEYDIR_A_MAX + 1];
extern const struct nla_policy aegis_prefix_policy[AEGIS_PREFIX_A_MAX + 1];

/*
 * A required attribute @type of @nest (NULL: top level) is missing: report
 * it (NLMSGERR_ATTR_MISS_TYPE/_NEST) with the message @msg, and be true.
 */
#define AEGIS_NL_REQ_ATTR(extack, nest, tb, type, msg) ({		\
	bool __missing = NL_REQ_ATTR_CHECK(extack, nest, tb, type);	\
									\
	if (__missing)							\
		NL_SET_ERR_MSG(extack, msg);				\
	__missing;							\
})

/* The device of a doit request: pre_doit holds it until post_doit. */
static inline struct aegis_device *aegis_nl_dev(struct genl_info *info)
{
	return info->user_ptr[0];
}

/*
 * Under conf_lock, before changing a table: refuse once the device is
 * being unregistered (ndo_uninit empties the tables for the last time).
 */
int aegis_nl_check_alive(struct aegis_device *aegis,
			 struct netlink_ext_ack *extack);

/*
 * Dumps of one device's tables. The first dumpit call resolves and holds
 * the device (aegis_nl_dump_device()), .done releases it; the rest of the
 * state is the position to resume at.
 *
 * The position is kept twice: as counts, and as the entry the last message
 * had no room for (@at), with the device's change count at that moment.
 * While that count is unchanged nothing was added or removed, so @at is
 * still in its list and the next message starts there at once; after a
 * change (the dump is flagged NLM_F_DUMP_INTR anyway) it starts from the
 * counts, walking the lists. A dump of N entries thus costs O(N), not
 * O(N^2 / entries per message).
 */
struct aegis_dump_ctx {
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	union {
		struct aegis_node *node;	/* NODE_GET */
		struct aegis_trie_node *prefix;	/* PREFIX_GET */
	} at;
	u64 changes;			/* aegis->changes when @at was saved */
	u32 node_pos;			/* nodes of node_list done */
	u32 prefix_skip;		/* prefixes of that node done */
	unsigned long dev_pos;		/* DEV_GET dump: devices done */
};

static inline struct aegis_dump_ctx *aegis_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct aegis_dump_ctx) > sizeof(cb->ctx));
	return (struct aegis_dump_ctx *)cb->ctx;
}

/* At the top of every dumpit: ctx->dev, resolved the first time. */
int aegis_nl_dump_device(struct netlink_callback *cb);
int aegis_nl_dump_done(struct netlink_callback *cb);
/* Under conf_lock: let genl_dump_check_consistent() see table changes. */
void aegis_nl_dump_seq(struct netlink_callback *cb, struct aegis_device *aegis);
/*
 * Under conf_lock: may the dump resume at ctx->at (see struct
 * aegis_dump_ctx)? Else it resumes at the node ctx->node_pos, which
 * aegis_nl_dump_node() finds.
 */
bool aegis_nl_dump_at_valid(struct aegis_dump_ctx *ctx,
			    struct aegis_device *aegis);
/* Under conf_lock: remember ctx->at, just set. */
void aegis_nl_dump_save_at(struct aegis_dump_ctx *ctx,
			   struct aegis_device *aegis);
/* Under conf_lock: node @pos of node_list, or NULL past the last. */
struct aegis_node *aegis_nl_dump_node(struct aegis_device *aegis, u32 pos);

/* Message header, AEGIS_A_IFINDEX and AEGIS_A_GENERATION. Any context. */
void *aegis_nl_put_header(struct sk_buff *skb, struct aegis_device *aegis,
			  u32 portid, u32 seq, int flags, u8 cmd);
/* ENDPOINT_IP4/IP6 and ENDPOINT_PORT of @node, if it has one. Any context. */
int aegis_nl_put_endpoint(struct sk_buff *skb, struct aegis_node *node);

/* Commands. */
int aegis_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int aegis_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int aegis_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info);

int aegis_nl_node_new_doit(struct sk_buff *skb, struct genl_info *info);
int aegis_nl_node_set_doit(struct sk_buff *skb, struct genl_info *info);
int aegis_nl_node_del_doit(struct sk_buff *skb, struct genl_info *info);
int aegis_nl_node_get_doit(struct sk_buff *skb, struct genl_info *info);
int aegis_nl_node_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

int aegis_nl_key_new_doit(struct sk_buff *skb, struct genl_info *info);
int aegis_nl_key_swap_doit(struct sk_buff *skb, struct genl_info *info);
int aegis_nl_key_del_doit(struct sk_buff *skb, struct genl_info *info);
int aegis_nl_key_get_doit(struct sk_buff *skb, struct genl_info *info);

int aegis_nl_prefix_add_doit(struct sk_buff *skb, struct genl_info *info);
int aegis_nl_prefix_del_doit(struct sk_buff *skb, struct genl_info *info);
int aegis_nl_prefix_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);

#endif /* _AEGIS_NETLINK_H */
