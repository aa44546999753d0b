// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * AEGIS_CMD_DEV_GET and AEGIS_CMD_DEV_SET: device settings and state.
 */
#include <net/genetlink.h>
#include <net/sock.h>

#include "device.h"
#include "netlink.h"
#include "node.h"
#include "socket.h"

static int aegis_dev_fill(struct sk_buff *skb, struct aegis_device *aegis,
			  u32 portid, u32 seq, int flags)
{
	struct net_device *dev = aegis->dev;
	struct nlattr *nest;
	void *hdr;

	lockdep_assert_held(&aegis->conf_lock);

	hdr = aegis_nl_put_header(skb, aegis, portid, seq, flags,
				  AEGIS_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, AEGIS_A_DEV);
	if (!nest)
		goto err_cancel;
	if (nla_put_u32(skb, AEGIS_DEV_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, AEGIS_DEV_A_IFNAME, dev->name) ||
	    nla_put_u16(skb, AEGIS_DEV_A_LISTEN_PORT, aegis_sock_port(aegis)) ||
	    nla_put_u32(skb, AEGIS_DEV_A_NODES, aegis->node_count) ||
	    nla_put_u32(skb, AEGIS_DEV_A_PREFIXES, aegis->prefixes.count) ||
	    nla_put_u32(skb, AEGIS_DEV_A_IDLE_TIMEOUT, aegis->idle_timeout) ||
	    nla_put_u8(skb, AEGIS_DEV_A_HOP_LIMIT, aegis->hop_limit))
		goto err_cancel;
	if (aegis->has_node_id &&
	    nla_put(skb, AEGIS_DEV_A_NODE_ID, AEGIS_NODE_ID_LEN, aegis->node_id))
		goto err_cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int aegis_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct aegis_device *aegis = aegis_nl_dev(info);
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&aegis->conf_lock);
	ret = aegis_dev_fill(msg, aegis, info->snd_portid, info->snd_seq, 0);
	mutex_unlock(&aegis->conf_lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/* The @n-th aegisray device of @net (0-based), held; NULL past the end. */
static struct net_device *aegis_nth_device(struct net *net, unsigned long n,
					   netdevice_tracker *tracker)
{
	struct net_device *dev, *found = NULL;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (!aegis_is_device(dev))
			continue;
		if (!n--) {
			found = dev;
			netdev_hold(found, tracker, GFP_ATOMIC);
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/*
 * Every device of the netns, one message each. Devices are filled under
 * their conf_lock, so each is found by position (under RCU), held, and
 * released again; a device added or removed meanwhile may shift the
 * positions, as in any netdev dump.
 */
int aegis_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct aegis_dump_ctx *ctx = aegis_dump_ctx(cb);
	struct net *net = sock_net(skb->sk);
	netdevice_tracker tracker;
	struct aegis_device *aegis;
	struct net_device *dev;
	int ret = 0;

	while ((dev = aegis_nth_device(net, ctx->dev_pos, &tracker))) {
		aegis = netdev_priv(dev);
		mutex_lock(&aegis->conf_lock);
		ret = aegis_dev_fill(skb, aegis, NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI);
		mutex_unlock(&aegis->conf_lock);
		netdev_put(dev, &tracker);
		if (ret)
			break;
		ctx->dev_pos++;
	}
	/* A full skb goes out; the next call resumes at dev_pos. */
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

int aegis_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct aegis_device *aegis = aegis_nl_dev(info);
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AEGIS_DEV_A_MAX + 1];
	int ret;

	if (AEGIS_NL_REQ_ATTR(extack, NULL, info->attrs, AEGIS_A_DEV,
			      "the settings are missing: give an AEGIS_A_DEV nest"))
		return -EINVAL;
	ret = nla_parse_nested(tb, AEGIS_DEV_A_MAX, info->attrs[AEGIS_A_DEV],
			       aegis_dev_policy, extack);
	if (ret)
		return ret;

	mutex_lock(&aegis->conf_lock);
	ret = aegis_nl_check_alive(aegis, extack);
	if (ret)
		goto out_unlock;
	if (tb[AEGIS_DEV_A_NODE_ID] &&
	    aegis_node_find(aegis, nla_data(tb[AEGIS_DEV_A_NODE_ID]))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_DEV_A_NODE_ID],
				    "a peer node has this id: delete it before taking the id");
		ret = -EEXIST;
		goto out_unlock;
	}
	/* The only step that can fail: first, so a refusal changes nothing. */
	if (tb[AEGIS_DEV_A_SOCK_FD]) {
		int fd = nla_get_s32(tb[AEGIS_DEV_A_SOCK_FD]);

		if (fd >= 0) {
			ret = aegis_sock_attach(aegis, fd, extack);
			if (ret) {
				NL_SET_BAD_ATTR(extack, tb[AEGIS_DEV_A_SOCK_FD]);
				goto out_unlock;
			}
		} else {
			aegis_sock_detach(aegis);
		}
	}
	if (tb[AEGIS_DEV_A_NODE_ID]) {
		nla_memcpy(aegis->node_id, tb[AEGIS_DEV_A_NODE_ID],
			   AEGIS_NODE_ID_LEN);
		aegis->has_node_id = true;
	}
	if (tb[AEGIS_DEV_A_IDLE_TIMEOUT])
		WRITE_ONCE(aegis->idle_timeout,
			   nla_get_u32(tb[AEGIS_DEV_A_IDLE_TIMEOUT]));
	if (tb[AEGIS_DEV_A_HOP_LIMIT])
		WRITE_ONCE(aegis->hop_limit,
			   nla_get_u8(tb[AEGIS_DEV_A_HOP_LIMIT]));
	aegis_bump_generation(aegis);

out_unlock:
	mutex_unlock(&aegis->conf_lock);
	return ret;
}
