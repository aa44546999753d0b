// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * AEGIS_CMD_KEY_{NEW,SWAP,DEL,GET}: the two session key slots of a node.
 * Key material is write-only: it goes from the request into the AEAD
 * transforms, the on-stack copy is wiped, and GET returns metadata only.
 */
#include <linux/string.h>
#include <linux/ktime.h>
#include <net/genetlink.h>

#include "device.h"
#include "key.h"
#include "netlink.h"
#include "node.h"

#define key_deref(aegis, p) \
	rcu_dereference_protected(p, lockdep_is_held(&(aegis)->conf_lock))

/* AEGIS_A_KEY, parsed into @tb, with its required AEGIS_KEY_A_NODE_ID. */
static int aegis_nl_parse_key(struct genl_info *info, struct nlattr **tb)
{
	struct netlink_ext_ack *extack = info->extack;
	int ret;

	if (AEGIS_NL_REQ_ATTR(extack, NULL, info->attrs, AEGIS_A_KEY,
			      "the key is missing: give an AEGIS_A_KEY nest"))
		return -EINVAL;
	ret = nla_parse_nested(tb, AEGIS_KEY_A_MAX, info->attrs[AEGIS_A_KEY],
			       aegis_key_policy, extack);
	if (ret)
		return ret;
	if (AEGIS_NL_REQ_ATTR(extack, info->attrs[AEGIS_A_KEY], tb,
			      AEGIS_KEY_A_NODE_ID,
			      "the key's node is missing: give AEGIS_KEY_A_NODE_ID"))
		return -EINVAL;
	return 0;
}

/* Under conf_lock: the node @tb names, or NULL with extack set. */
static struct aegis_node *aegis_nl_key_node(struct aegis_device *aegis,
					    struct nlattr **tb,
					    struct netlink_ext_ack *extack)
{
	struct aegis_node *node;

	node = aegis_node_find(aegis, nla_data(tb[AEGIS_KEY_A_NODE_ID]));
	if (!node)
		NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_KEY_A_NODE_ID],
				    "no node with this id");
	return node;
}

/* AEGIS_KEY_A_ENCRYPT or _DECRYPT: both members are required. */
static int aegis_nl_parse_keydir(struct nlattr *attr, u8 *key, u8 *salt,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[AEGIS_KEYDIR_A_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, AEGIS_KEYDIR_A_MAX, attr,
			       aegis_keydir_policy, extack);
	if (ret)
		return ret;
	if (AEGIS_NL_REQ_ATTR(extack, attr, tb, AEGIS_KEYDIR_A_KEY,
			      "the key direction has no key: give AEGIS_KEYDIR_A_KEY") ||
	    AEGIS_NL_REQ_ATTR(extack, attr, tb, AEGIS_KEYDIR_A_SALT,
			      "the key direction has no salt: give AEGIS_KEYDIR_A_SALT"))
		return -EINVAL;
	nla_memcpy(key, tb[AEGIS_KEYDIR_A_KEY], AEGIS_KEY_LEN);
	nla_memcpy(salt, tb[AEGIS_KEYDIR_A_SALT], AEGIS_NONCE_SALT_LEN);
	return 0;
}

static int aegis_nl_parse_key_params(struct nlattr *nest, struct nlattr **tb,
				     struct aegis_key_params *p,
				     struct netlink_ext_ack *extack)
{
	int ret;

	if (AEGIS_NL_REQ_ATTR(extack, nest, tb, AEGIS_KEY_A_SLOT,
			      "the key's slot is missing: give AEGIS_KEY_A_SLOT") ||
	    AEGIS_NL_REQ_ATTR(extack, nest, tb, AEGIS_KEY_A_KEY_ID,
			      "the key's wire id is missing: give AEGIS_KEY_A_KEY_ID") ||
	    AEGIS_NL_REQ_ATTR(extack, nest, tb, AEGIS_KEY_A_CIPHER,
			      "the key's cipher is missing: give AEGIS_KEY_A_CIPHER") ||
	    AEGIS_NL_REQ_ATTR(extack, nest, tb, AEGIS_KEY_A_RX_INDEX,
			      "our receiver index is missing: give AEGIS_KEY_A_RX_INDEX") ||
	    AEGIS_NL_REQ_ATTR(extack, nest, tb, AEGIS_KEY_A_TX_INDEX,
			      "the peer's receiver index is missing: give AEGIS_KEY_A_TX_INDEX") ||
	    AEGIS_NL_REQ_ATTR(extack, nest, tb, AEGIS_KEY_A_ENCRYPT,
			      "the encryption key is missing: give an AEGIS_KEY_A_ENCRYPT nest") ||
	    AEGIS_NL_REQ_ATTR(extack, nest, tb, AEGIS_KEY_A_DECRYPT,
			      "the decryption key is missing: give an AEGIS_KEY_A_DECRYPT nest"))
		return -EINVAL;

	p->slot = nla_get_u8(tb[AEGIS_KEY_A_SLOT]);
	p->key_id = nla_get_u8(tb[AEGIS_KEY_A_KEY_ID]);
	p->cipher = nla_get_u8(tb[AEGIS_KEY_A_CIPHER]);
	p->rx_index = nla_get_u64(tb[AEGIS_KEY_A_RX_INDEX]);
	p->tx_index = nla_get_u64(tb[AEGIS_KEY_A_TX_INDEX]);
	ret = aegis_nl_parse_keydir(tb[AEGIS_KEY_A_ENCRYPT], p->enc_key,
				    p->enc_salt, extack);
	if (ret)
		return ret;
	ret = aegis_nl_parse_keydir(tb[AEGIS_KEY_A_DECRYPT], p->dec_key,
				    p->dec_salt, extack);
	if (ret)
		return ret;

	/* Optional; 0 means none (lifetimes) or the default (packets). */
	if (tb[AEGIS_KEY_A_SOFT_LIFETIME])
		p->soft_lifetime = nla_get_u32(tb[AEGIS_KEY_A_SOFT_LIFETIME]);
	if (tb[AEGIS_KEY_A_HARD_LIFETIME])
		p->hard_lifetime = nla_get_u32(tb[AEGIS_KEY_A_HARD_LIFETIME]);
	if (tb[AEGIS_KEY_A_SOFT_PACKETS])
		p->soft_packets = nla_get_u64(tb[AEGIS_KEY_A_SOFT_PACKETS]);
	if (tb[AEGIS_KEY_A_HARD_PACKETS])
		p->hard_packets = nla_get_u64(tb[AEGIS_KEY_A_HARD_PACKETS]);
	if (p->soft_lifetime && p->hard_lifetime &&
	    p->soft_lifetime > p->hard_lifetime) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_KEY_A_SOFT_LIFETIME],
				    "the soft lifetime is longer than the hard lifetime");
		return -EINVAL;
	}
	if (p->soft_packets && p->hard_packets &&
	    p->soft_packets > p->hard_packets) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_KEY_A_SOFT_PACKETS],
				    "the soft packet limit is above the hard packet limit");
		return -EINVAL;
	}
	return 0;
}

/* Create the key and install it; @p is wiped by the caller. */
static int aegis_nl_key_add(struct aegis_node *node, struct nlattr **tb,
			    const struct aegis_key_params *p,
			    struct netlink_ext_ack *extack)
{
	struct aegis_key *key;
	int ret;

	key = aegis_key_create(node, p);
	if (IS_ERR(key)) {
		ret = PTR_ERR(key);
		if (ret == -ENOENT)
			NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_KEY_A_CIPHER],
					    "this cipher is not available in the kernel");
		else if (ret != -ENOMEM)
			NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_KEY_A_CIPHER],
					    "the cipher refused the key");
		return ret;
	}
	ret = aegis_key_install(node, key, p->slot);
	if (ret) {
		aegis_key_put(key);
		if (ret == -EBUSY)
			NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_KEY_A_SLOT],
					    "slot in use, delete or swap first");
		else if (ret == -EEXIST)
			NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_KEY_A_RX_INDEX],
					    "another key of this device has this receiver index");
		return ret;
	}
	return 0;
}

int aegis_nl_key_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct aegis_device *aegis = aegis_nl_dev(info);
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AEGIS_KEY_A_MAX + 1];
	struct aegis_key_params p = {};
	struct aegis_node *node;
	int ret;

	ret = aegis_nl_parse_key(info, tb);
	if (ret)
		return ret;
	ret = aegis_nl_parse_key_params(info->attrs[AEGIS_A_KEY], tb, &p,
					extack);
	if (ret)
		goto out_wipe;

	mutex_lock(&aegis->conf_lock);
	ret = aegis_nl_check_alive(aegis, extack);
	if (ret)
		goto out_unlock;
	node = aegis_nl_key_node(aegis, tb, extack);
	if (!node) {
		ret = -ENOENT;
		goto out_unlock;
	}
	ret = aegis_nl_key_add(node, tb, &p, extack);
	if (ret)
		goto out_unlock;
	aegis_bump_generation(aegis);

out_unlock:
	mutex_unlock(&aegis->conf_lock);
out_wipe:
	memzero_explicit(&p, sizeof(p));
	return ret;
}

int aegis_nl_key_swap_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct aegis_device *aegis = aegis_nl_dev(info);
	struct nlattr *tb[AEGIS_KEY_A_MAX + 1];
	struct aegis_node *node;
	int ret;

	ret = aegis_nl_parse_key(info, tb);
	if (ret)
		return ret;

	mutex_lock(&aegis->conf_lock);
	node = aegis_nl_key_node(aegis, tb, info->extack);
	if (!node) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (!rcu_access_pointer(node->keys[AEGIS_KEY_SLOT_PRIMARY]) &&
	    !rcu_access_pointer(node->keys[AEGIS_KEY_SLOT_SECONDARY])) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[AEGIS_KEY_A_NODE_ID],
				    "the node has no keys to swap");
		ret = -ENOENT;
		goto out_unlock;
	}
	aegis_key_swap(node);
	aegis_bump_generation(aegis);

out_unlock:
	mutex_unlock(&aegis->conf_lock);
	return ret;
}

int aegis_nl_key_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct aegis_device *aegis = aegis_nl_dev(info);
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AEGIS_KEY_A_MAX + 1];
	struct aegis_node *node;
	int ret;

	ret = aegis_nl_parse_key(info, tb);
	if (ret)
		return ret;
	if (AEGIS_NL_REQ_ATTR(extack, info->attrs[AEGIS_A_KEY], tb,
			      AEGIS_KEY_A_SLOT,
			      "the slot to delete is missing: give AEGIS_KEY_A_SLOT"))
		return -EINVAL;

	mutex_lock(&aegis->conf_lock);
	node = aegis_nl_key_node(aegis, tb, extack);
	if (!node) {
		ret = -ENOENT;
		goto out_unlock;
	}
	ret = aegis_key_delete(node, nla_get_u8(tb[AEGIS_KEY_A_SLOT]));
	if (ret) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_KEY_A_SLOT],
				    "the slot is empty");
		goto out_unlock;
	}
	aegis_bump_generation(aegis);

out_unlock:
	mutex_unlock(&aegis->conf_lock);
	return ret;
}

static int aegis_nl_put_key(struct sk_buff *skb, struct aegis_node *node,
			    struct aegis_key *key, u8 slot, u64 now)
{
	u64 age = now > key->created_ns ? now - key->created_ns : 0;
	u64 tx = min_t(u64, atomic64_read(&key->tx_counter), key->hard_packets);
	struct nlattr *nest;

	nest = nla_nest_start(skb, AEGIS_A_KEY);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, AEGIS_KEY_A_NODE_ID, AEGIS_NODE_ID_LEN, node->id) ||
	    nla_put_u8(skb, AEGIS_KEY_A_SLOT, slot) ||
	    nla_put_u8(skb, AEGIS_KEY_A_KEY_ID, key->key_id) ||
	    nla_put_u8(skb, AEGIS_KEY_A_CIPHER, key->cipher) ||
	    nla_put_u64_64bit(skb, AEGIS_KEY_A_RX_INDEX, key->rx_index,
			      AEGIS_KEY_A_PAD) ||
	    nla_put_u64_64bit(skb, AEGIS_KEY_A_TX_INDEX,
			      be64_to_cpu(key->tx_cid), AEGIS_KEY_A_PAD) ||
	    nla_put_u32(skb, AEGIS_KEY_A_AGE,
			min_t(u64, div_u64(age, NSEC_PER_SEC), U32_MAX)) ||
	    (READ_ONCE(key->confirmed) &&
	     nla_put_flag(skb, AEGIS_KEY_A_CONFIRMED)) ||
	    nla_put_u64_64bit(skb, AEGIS_KEY_A_TX_PACKETS, tx,
			      AEGIS_KEY_A_PAD) ||
	    nla_put_u64_64bit(skb, AEGIS_KEY_A_RX_PACKETS,
			      atomic64_read(&key->rx_packets), AEGIS_KEY_A_PAD) ||
	    nla_put_u32(skb, AEGIS_KEY_A_SOFT_LIFETIME, key->soft_lifetime) ||
	    nla_put_u32(skb, AEGIS_KEY_A_HARD_LIFETIME, key->hard_lifetime) ||
	    nla_put_u64_64bit(skb, AEGIS_KEY_A_SOFT_PACKETS, key->soft_packets,
			      AEGIS_KEY_A_PAD) ||
	    nla_put_u64_64bit(skb, AEGIS_KEY_A_HARD_PACKETS, key->hard_packets,
			      AEGIS_KEY_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* One message: an AEGIS_A_KEY nest per installed slot (or the one asked). */
static int aegis_nl_key_fill(struct sk_buff *skb, struct aegis_node *node,
			     int only_slot, struct genl_info *info)
{
	struct aegis_device *aegis = node->aegis;
	u64 now = ktime_get_boottime_ns();
	struct aegis_key *key;
	void *hdr;
	int slot;

	hdr = aegis_nl_put_header(skb, aegis, info->snd_portid, info->snd_seq,
				  0, AEGIS_CMD_KEY_GET);
	if (!hdr)
		return -EMSGSIZE;
	for (slot = 0; slot < ARRAY_SIZE(node->keys); slot++) {
		if (only_slot >= 0 && slot != only_slot)
			continue;
		key = key_deref(aegis, node->keys[slot]);
		if (key && aegis_nl_put_key(skb, node, key, slot, now)) {
			genlmsg_cancel(skb, hdr);
			return -EMSGSIZE;
		}
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int aegis_nl_key_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct aegis_device *aegis = aegis_nl_dev(info);
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AEGIS_KEY_A_MAX + 1];
	struct aegis_node *node;
	struct sk_buff *msg;
	int slot = -1;
	int ret;

	ret = aegis_nl_parse_key(info, tb);
	if (ret)
		return ret;
	if (tb[AEGIS_KEY_A_SLOT])
		slot = nla_get_u8(tb[AEGIS_KEY_A_SLOT]);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&aegis->conf_lock);
	node = aegis_nl_key_node(aegis, tb, extack);
	if (!node) {
		ret = -ENOENT;
		goto err_unlock;
	}
	if (slot >= 0 && !rcu_access_pointer(node->keys[slot])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AEGIS_KEY_A_SLOT],
				    "the slot is empty");
		ret = -ENOENT;
		goto err_unlock;
	}
	ret = aegis_nl_key_fill(msg, node, slot, info);
	if (ret)
		goto err_unlock;
	mutex_unlock(&aegis->conf_lock);
	return genlmsg_reply(msg, info);

err_unlock:
	mutex_unlock(&aegis->conf_lock);
	nlmsg_free(msg);
	return ret;
}
