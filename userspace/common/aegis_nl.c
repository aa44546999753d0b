// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <netlink/attr.h>

#include "aegis_nl.h"

#define seterr(err, errsz, ...) \
	do { if ((errsz) > 0) snprintf((err), (errsz), __VA_ARGS__); } while (0)

/* --- names ---------------------------------------------------------------- */

#define N(x) [x] = #x

static const char *const top_names[AEGIS_A_MAX + 1] = {
	N(AEGIS_A_IFINDEX), N(AEGIS_A_IFNAME), N(AEGIS_A_DEV), N(AEGIS_A_NODE),
	N(AEGIS_A_KEY), N(AEGIS_A_PREFIX), N(AEGIS_A_GENERATION), N(AEGIS_A_PAD),
};

static const char *const dev_names[AEGIS_DEV_A_MAX + 1] = {
	N(AEGIS_DEV_A_IFINDEX), N(AEGIS_DEV_A_IFNAME), N(AEGIS_DEV_A_NODE_ID),
	N(AEGIS_DEV_A_SOCK_FD), N(AEGIS_DEV_A_LISTEN_PORT), N(AEGIS_DEV_A_NODES),
	N(AEGIS_DEV_A_PREFIXES), N(AEGIS_DEV_A_IDLE_TIMEOUT),
	N(AEGIS_DEV_A_HOP_LIMIT), N(AEGIS_DEV_A_PAD),
};

static const char *const node_names[AEGIS_NODE_A_MAX + 1] = {
	N(AEGIS_NODE_A_ID), N(AEGIS_NODE_A_ENDPOINT_IP4),
	N(AEGIS_NODE_A_ENDPOINT_IP6), N(AEGIS_NODE_A_ENDPOINT_PORT),
	N(AEGIS_NODE_A_VIA), N(AEGIS_NODE_A_KEEPALIVE), N(AEGIS_NODE_A_FLAGS),
	N(AEGIS_NODE_A_RX_BYTES), N(AEGIS_NODE_A_RX_PACKETS),
	N(AEGIS_NODE_A_TX_BYTES), N(AEGIS_NODE_A_TX_PACKETS),
	N(AEGIS_NODE_A_LAST_RX), N(AEGIS_NODE_A_DROPS), N(AEGIS_NODE_A_PAD),
	N(AEGIS_NODE_A_ENDPOINT_SCOPE),
};

static const char *const drop_attr_names[AEGIS_DROP_A_MAX + 1] = {
	N(AEGIS_DROP_A_REPLAY), N(AEGIS_DROP_A_AUTH), N(AEGIS_DROP_A_NO_KEY),
	N(AEGIS_DROP_A_NO_ROUTE), N(AEGIS_DROP_A_RPF), N(AEGIS_DROP_A_HOP_LIMIT),
	N(AEGIS_DROP_A_MALFORMED), N(AEGIS_DROP_A_KEY_EXPIRED),
	N(AEGIS_DROP_A_RELAY_DENIED), N(AEGIS_DROP_A_QUEUE_FULL),
	N(AEGIS_DROP_A_PAD), N(AEGIS_DROP_A_ECN),
};

static const char *const key_names[AEGIS_KEY_A_MAX + 1] = {
	N(AEGIS_KEY_A_NODE_ID), N(AEGIS_KEY_A_SLOT), N(AEGIS_KEY_A_KEY_ID),
	N(AEGIS_KEY_A_CIPHER), N(AEGIS_KEY_A_RX_INDEX), N(AEGIS_KEY_A_TX_INDEX),
	N(AEGIS_KEY_A_ENCRYPT), N(AEGIS_KEY_A_DECRYPT),
	N(AEGIS_KEY_A_SOFT_LIFETIME), N(AEGIS_KEY_A_HARD_LIFETIME),
	N(AEGIS_KEY_A_SOFT_PACKETS), N(AEGIS_KEY_A_HARD_PACKETS),
	N(AEGIS_KEY_A_AGE), N(AEGIS_KEY_A_CONFIRMED), N(AEGIS_KEY_A_TX_PACKETS),
	N(AEGIS_KEY_A_RX_PACKETS), N(AEGIS_KEY_A_PAD),
};

static const char *const keydir_names[AEGIS_KEYDIR_A_MAX + 1] = {
	N(AEGIS_KEYDIR_A_KEY), N(AEGIS_KEYDIR_A_SALT),
};

static const char *const prefix_names[AEGIS_PREFIX_A_MAX + 1] = {
	N(AEGIS_PREFIX_A_NODE_ID), N(AEGIS_PREFIX_A_IP4), N(AEGIS_PREFIX_A_IP6),
	N(AEGIS_PREFIX_A_LEN),
};

#undef N

struct space {
	const char *const *names;
	unsigned int count;
};

#define SPACE(a) { a, sizeof(a) / sizeof((a)[0]) }
static const struct space top_space = SPACE(top_names);
static const struct space dev_space = SPACE(dev_names);
static const struct space node_space = SPACE(node_names);
static const struct space drop_space = SPACE(drop_attr_names);
static const struct space key_space = SPACE(key_names);
static const struct space keydir_space = SPACE(keydir_names);
static const struct space prefix_space = SPACE(prefix_names);
#undef SPACE

static const char *space_name(const struct space *s, unsigned int type)
{
	return type < s->count ? s->names[type] : NULL;
}

/* The attribute space inside nest type of space s, or NULL. */
static const struct space *inner_space(const struct space *s, unsigned int type)
{
	if (s == &top_space) {
		switch (type) {
		case AEGIS_A_DEV:
			return &dev_space;
		case AEGIS_A_NODE:
			return &node_space;
		case AEGIS_A_KEY:
			return &key_space;
		case AEGIS_A_PREFIX:
			return &prefix_space;
		default:
			return NULL;
		}
	}
	if (s == &node_space && type == AEGIS_NODE_A_DROPS)
		return &drop_space;
	if (s == &key_space &&
	    (type == AEGIS_KEY_A_ENCRYPT || type == AEGIS_KEY_A_DECRYPT))
		return &keydir_space;
	return NULL;
}

int aegis_attr_path_name(const uint16_t *path, unsigned int depth, char *buf,
			 size_t size)
{
	const struct space *s = &top_space;
	size_t used = 0;
	unsigned int i;

	if (!depth || !size)
		return -ENOENT;
	for (i = 0; i < depth; i++) {
		const char *name = s ? space_name(s, path[i]) : NULL;
		int n;

		if (!name)
			return -ENOENT;
		n = snprintf(buf + used, size - used, "%s%s", i ? "/" : "", name);
		if (n < 0 || (size_t)n >= size - used)
			return -ENOENT;
		used += (size_t)n;
		s = inner_space(s, path[i]);
	}
	return 0;
}

const char *aegis_cmd_name(unsigned int cmd)
{
	static const char *const names[AEGIS_CMD_MAX + 1] = {
		[AEGIS_CMD_DEV_GET] = "dev-get",
		[AEGIS_CMD_DEV_SET] = "dev-set",
		[AEGIS_CMD_NODE_NEW] = "node-new",
		[AEGIS_CMD_NODE_SET] = "node-set",
		[AEGIS_CMD_NODE_DEL] = "node-del",
		[AEGIS_CMD_NODE_GET] = "node-get",
		[AEGIS_CMD_KEY_NEW] = "key-new",
		[AEGIS_CMD_KEY_SWAP] = "key-swap",
		[AEGIS_CMD_KEY_DEL] = "key-del",
		[AEGIS_CMD_KEY_GET] = "key-get",
		[AEGIS_CMD_PREFIX_ADD] = "prefix-add",
		[AEGIS_CMD_PREFIX_DEL] = "prefix-del",
		[AEGIS_CMD_PREFIX_GET] = "prefix-get",
		[AEGIS_CMD_NTF_REKEY] = "rekey",
		[AEGIS_CMD_NTF_KEY_EXPIRED] = "key-expired",
		[AEGIS_CMD_NTF_NO_KEY] = "no-key",
		[AEGIS_CMD_NTF_ENDPOINT] = "endpoint",
		[AEGIS_CMD_NTF_PEER_IDLE] = "peer-idle",
		[AEGIS_CMD_NTF_SOCK_CLOSED] = "sock-closed",
		[AEGIS_CMD_NTF_KEY_CONFIRMED] = "key-confirmed",
	};

	return cmd < sizeof(names) / sizeof(names[0]) ? names[cmd] : NULL;
}

const char *aegis_cipher_name(unsigned int cipher)
{
	switch (cipher) {
	case AEGIS_CIPHER_NONE:
		return "none";
	case AEGIS_CIPHER_AES_GCM:
		return "aes-gcm";
	case AEGIS_CIPHER_CHACHA20POLY1305:
		return "chacha20poly1305";
	default:
		return NULL;
	}
}

const char *aegis_slot_name(unsigned int slot)
{
	switch (slot) {
	case AEGIS_KEY_SLOT_PRIMARY:
		return "primary";
	case AEGIS_KEY_SLOT_SECONDARY:
		return "secondary";
	default:
		return NULL;
	}
}

const char *aegis_drop_name(unsigned int drop)
{
	static const char *const names[AEGIS_DROP_A_MAX + 1] = {
		[AEGIS_DROP_A_REPLAY] = "replay",
		[AEGIS_DROP_A_AUTH] = "auth",
		[AEGIS_DROP_A_NO_KEY] = "no-key",
		[AEGIS_DROP_A_NO_ROUTE] = "no-route",
		[AEGIS_DROP_A_RPF] = "rpf",
		[AEGIS_DROP_A_HOP_LIMIT] = "hop-limit",
		[AEGIS_DROP_A_MALFORMED] = "malformed",
		[AEGIS_DROP_A_KEY_EXPIRED] = "key-expired",
		[AEGIS_DROP_A_RELAY_DENIED] = "relay-denied",
		[AEGIS_DROP_A_QUEUE_FULL] = "queue-full",
		[AEGIS_DROP_A_ECN] = "ecn",
	};

	return drop < sizeof(names) / sizeof(names[0]) ? names[drop] : NULL;
}

void aegis_key_wipe(struct aegis_nl_key *k)
{
	explicit_bzero(k, sizeof(*k));
}

/* --- request builders ------------------------------------------------------ */

/* libnl reports a full message as -NLE_NOMEM: make it one errno. */
#define PUT(call) do { if ((call) < 0) return -EMSGSIZE; } while (0)

int aegis_put_devref(struct nl_msg *msg, const struct aegis_devref *d)
{
	if (d->ifindex) {
		PUT(nla_put_u32(msg, AEGIS_A_IFINDEX, d->ifindex));
		return 0;
	}
	if (!d->ifname[0] || strnlen(d->ifname, IFNAMSIZ) >= IFNAMSIZ)
		return -EINVAL;
	PUT(nla_put_string(msg, AEGIS_A_IFNAME, d->ifname));
	return 0;
}

int aegis_put_dev(struct nl_msg *msg, const struct aegis_nl_dev *d)
{
	struct nlattr *nest = nla_nest_start(msg, AEGIS_A_DEV | NLA_F_NESTED);

	if (!nest)
		return -EMSGSIZE;
	if (AEGIS_HAS(d, AEGIS_DEV_A_NODE_ID))
		PUT(nla_put(msg, AEGIS_DEV_A_NODE_ID, AEGIS_NODE_ID_LEN, d->node_id));
	if (AEGIS_HAS(d, AEGIS_DEV_A_SOCK_FD))
		PUT(nla_put_u32(msg, AEGIS_DEV_A_SOCK_FD, (uint32_t)d->sock_fd));
	if (AEGIS_HAS(d, AEGIS_DEV_A_IDLE_TIMEOUT))
		PUT(nla_put_u32(msg, AEGIS_DEV_A_IDLE_TIMEOUT, d->idle_timeout));
	if (AEGIS_HAS(d, AEGIS_DEV_A_HOP_LIMIT))
		PUT(nla_put_u8(msg, AEGIS_DEV_A_HOP_LIMIT, d->hop_limit));
	PUT(nla_nest_end(msg, nest));
	return 0;
}

int aegis_put_node(struct nl_msg *msg, const struct aegis_nl_node *n)
{
	struct nlattr *nest;
	bool ip4 = AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP4);
	bool ip6 = AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP6);

	if ((ip4 && n->endpoint.addr.family != AF_INET) ||
	    (ip6 && n->endpoint.addr.family != AF_INET6) || (ip4 && ip6))
		return -EINVAL;
	nest = nla_nest_start(msg, AEGIS_A_NODE | NLA_F_NESTED);
	if (!nest)
		return -EMSGSIZE;
	PUT(nla_put(msg, AEGIS_NODE_A_ID, AEGIS_NODE_ID_LEN, n->id));
	if (ip4)
		PUT(nla_put(msg, AEGIS_NODE_A_ENDPOINT_IP4, 4, &n->endpoint.addr.u.v4));
	if (ip6)
		PUT(nla_put(msg, AEGIS_NODE_A_ENDPOINT_IP6, 16, &n->endpoint.addr.u.v6));
	if (ip6 && n->endpoint.scope)
		PUT(nla_put_u32(msg, AEGIS_NODE_A_ENDPOINT_SCOPE, n->endpoint.scope));
	if (AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_PORT))
		PUT(nla_put_u16(msg, AEGIS_NODE_A_ENDPOINT_PORT, n->endpoint.port));
	if (AEGIS_HAS(n, AEGIS_NODE_A_VIA)) {
		if (n->via_direct)
			PUT(nla_put(msg, AEGIS_NODE_A_VIA, 0, NULL));
		else
			PUT(nla_put(msg, AEGIS_NODE_A_VIA, AEGIS_NODE_ID_LEN, n->via));
	}
	if (AEGIS_HAS(n, AEGIS_NODE_A_KEEPALIVE))
		PUT(nla_put_u16(msg, AEGIS_NODE_A_KEEPALIVE, n->keepalive));
	if (AEGIS_HAS(n, AEGIS_NODE_A_FLAGS))
		PUT(nla_put_u32(msg, AEGIS_NODE_A_FLAGS, n->flags));
	PUT(nla_nest_end(msg, nest));
	return 0;
}

static int put_keydir(struct nl_msg *msg, int type, const struct aegis_nl_keydir *kd)
{
	struct nlattr *nest = nla_nest_start(msg, type | NLA_F_NESTED);

	if (!nest)
		return -EMSGSIZE;
	PUT(nla_put(msg, AEGIS_KEYDIR_A_KEY, AEGIS_KEY_LEN, kd->key));
	PUT(nla_put(msg, AEGIS_KEYDIR_A_SALT, AEGIS_NONCE_SALT_LEN, kd->salt));
	PUT(nla_nest_end(msg, nest));
	return 0;
}

int aegis_put_key(struct nl_msg *msg, const struct aegis_nl_key *k)
{
	struct nlattr *nest = nla_nest_start(msg, AEGIS_A_KEY | NLA_F_NESTED);

	if (!nest)
		return -EMSGSIZE;
	PUT(nla_put(msg, AEGIS_KEY_A_NODE_ID, AEGIS_NODE_ID_LEN, k->node_id));
	if (AEGIS_HAS(k, AEGIS_KEY_A_SLOT))
		PUT(nla_put_u8(msg, AEGIS_KEY_A_SLOT, k->slot));
	if (AEGIS_HAS(k, AEGIS_KEY_A_KEY_ID))
		PUT(nla_put_u8(msg, AEGIS_KEY_A_KEY_ID, k->key_id));
	if (AEGIS_HAS(k, AEGIS_KEY_A_CIPHER))
		PUT(nla_put_u8(msg, AEGIS_KEY_A_CIPHER, k->cipher));
	if (AEGIS_HAS(k, AEGIS_KEY_A_RX_INDEX))
		PUT(nla_put_u64(msg, AEGIS_KEY_A_RX_INDEX, k->rx_index));
	if (AEGIS_HAS(k, AEGIS_KEY_A_TX_INDEX))
		PUT(nla_put_u64(msg, AEGIS_KEY_A_TX_INDEX, k->tx_index));
	if (AEGIS_HAS(k, AEGIS_KEY_A_ENCRYPT))
		PUT(put_keydir(msg, AEGIS_KEY_A_ENCRYPT, &k->enc));
	if (AEGIS_HAS(k, AEGIS_KEY_A_DECRYPT))
		PUT(put_keydir(msg, AEGIS_KEY_A_DECRYPT, &k->dec));
	if (AEGIS_HAS(k, AEGIS_KEY_A_SOFT_LIFETIME))
		PUT(nla_put_u32(msg, AEGIS_KEY_A_SOFT_LIFETIME, k->soft_lifetime));
	if (AEGIS_HAS(k, AEGIS_KEY_A_HARD_LIFETIME))
		PUT(nla_put_u32(msg, AEGIS_KEY_A_HARD_LIFETIME, k->hard_lifetime));
	if (AEGIS_HAS(k, AEGIS_KEY_A_SOFT_PACKETS))
		PUT(nla_put_u64(msg, AEGIS_KEY_A_SOFT_PACKETS, k->soft_packets));
	if (AEGIS_HAS(k, AEGIS_KEY_A_HARD_PACKETS))
		PUT(nla_put_u64(msg, AEGIS_KEY_A_HARD_PACKETS, k->hard_packets));
	PUT(nla_nest_end(msg, nest));
	return 0;
}

int aegis_put_prefix(struct nl_msg *msg, const struct aegis_prefix_entry *p)
{
	const struct aegis_prefix *pf = &p->prefix;
	size_t alen = aegis_addr_len(pf->addr.family);
	struct nlattr *nest;

	if (!alen || pf->len > alen * 8)
		return -EINVAL;
	nest = nla_nest_start(msg, AEGIS_A_PREFIX | NLA_F_NESTED);
	if (!nest)
		return -EMSGSIZE;
	if (AEGIS_HAS(p, AEGIS_PREFIX_A_NODE_ID))
		PUT(nla_put(msg, AEGIS_PREFIX_A_NODE_ID, AEGIS_NODE_ID_LEN, p->node_id));
	PUT(nla_put(msg, pf->addr.family == AF_INET ? AEGIS_PREFIX_A_IP4 :
		    AEGIS_PREFIX_A_IP6, (int)alen, pf->addr.u.bytes));
	PUT(nla_put_u8(msg, AEGIS_PREFIX_A_LEN, pf->len));
	PUT(nla_nest_end(msg, nest));
	return 0;
}

#undef PUT

/* --- reply parsers --------------------------------------------------------- */

#define for_each_attr(pos, head, len, rem) \
	for ((pos) = (head), (rem) = (len); nla_ok((pos), (rem)); \
	     (pos) = nla_next((pos), &(rem)))

static const char *attr_name(const struct space *s, unsigned int type)
{
	const char *name = space_name(s, type);

	return name ? name : "attribute";
}

/* The attribute must be exactly len bytes long. */
static int want_len(const struct nlattr *a, const struct space *s, int len,
		    char *err, size_t errsz)
{
	if (nla_len(a) == len)
		return 0;
	seterr(err, errsz, "malformed message: %s is %d bytes, expected %d",
	       attr_name(s, (unsigned int)nla_type(a)), nla_len(a), len);
	return -EBADMSG;
}

/* Copy a fixed-size attribute of exactly len bytes into dst. */
static int get_fixed(const struct nlattr *a, const struct space *s, void *dst,
		     int len, char *err, size_t errsz)
{
	int ret = want_len(a, s, len, err, errsz);

	if (!ret)
		memcpy(dst, nla_data(a), (size_t)len);
	return ret;
}

/* A NUL-terminated string that fits size bytes. */
static int get_string(const struct nlattr *a, const struct space *s, char *dst,
		      size_t size, char *err, size_t errsz)
{
	int len = nla_len(a);
	size_t n;

	n = len > 0 ? strnlen(nla_data(a), (size_t)len) : 0;
	if (len <= 0 || n == (size_t)len || n >= size) {
		seterr(err, errsz, "malformed message: %s is not a string of at most %zu bytes",
		       attr_name(s, (unsigned int)nla_type(a)), size - 1);
		return -EBADMSG;
	}
	memcpy(dst, nla_data(a), n + 1);
	return 0;
}

/* The nest's attributes must fill it exactly. */
static int check_nest(const struct nlattr *nest, const struct space *s,
		      char *err, size_t errsz)
{
	const struct nlattr *pos;
	int rem;

	for_each_attr(pos, nla_data(nest), nla_len(nest), rem)
		;
	if (rem == 0)
		return 0;
	seterr(err, errsz, "malformed message: %d stray bytes in %s", rem,
	       attr_name(s, (unsigned int)nla_type(nest)));
	return -EBADMSG;
}

const struct nlattr *aegis_msg_attrs(const struct nlmsghdr *nlh, int *len)
{
	*len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	if (*len < 0)
		*len = 0;
	return (const struct nlattr *)((const unsigned char *)nlh + NLMSG_HDRLEN +
				       GENL_HDRLEN);
}

int aegis_parse_info(const struct nlmsghdr *nlh, struct aegis_msg_info *info,
		     char *err, size_t errsz)
{
	const struct genlmsghdr *gnlh = NLMSG_DATA(nlh);
	const struct nlattr *a, *head;
	int len, rem, ret = 0;

	memset(info, 0, sizeof(*info));
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
		seterr(err, errsz, "malformed message: too short for a genl header");
		return -EBADMSG;
	}
	info->cmd = gnlh->cmd;
	head = aegis_msg_attrs(nlh, &len);
	for_each_attr(a, head, len, rem) {
		unsigned int type = (unsigned int)nla_type(a);

		switch (type) {
		case AEGIS_A_IFINDEX:
			ret = get_fixed(a, &top_space, &info->ifindex, 4, err, errsz);
			break;
		case AEGIS_A_IFNAME:
			ret = get_string(a, &top_space, info->ifname,
					 sizeof(info->ifname), err, errsz);
			break;
		case AEGIS_A_GENERATION:
			ret = get_fixed(a, &top_space, &info->generation, 4, err, errsz);
			break;
		case AEGIS_A_DEV:
		case AEGIS_A_NODE:
		case AEGIS_A_KEY:
		case AEGIS_A_PREFIX:
			ret = check_nest(a, &top_space, err, errsz);
			break;
		default:
			continue;
		}
		if (ret)
			return ret;
		info->present |= AEGIS_BIT(type);
	}
	if (rem != 0) {
		seterr(err, errsz, "malformed message: %d stray bytes after the attributes", rem);
		return -EBADMSG;
	}
	return 0;
}

int aegis_parse_dev(const struct nlattr *nest, struct aegis_nl_dev *d, char *err,
		    size_t errsz)
{
	const struct space *s = &dev_space;
	const struct nlattr *a;
	int rem, ret;

	memset(d, 0, sizeof(*d));
	for_each_attr(a, nla_data(nest), nla_len(nest), rem) {
		unsigned int type = (unsigned int)nla_type(a);

		switch (type) {
		case AEGIS_DEV_A_IFINDEX:
			ret = get_fixed(a, s, &d->ifindex, 4, err, errsz);
			break;
		case AEGIS_DEV_A_IFNAME:
			ret = get_string(a, s, d->ifname, sizeof(d->ifname), err, errsz);
			break;
		case AEGIS_DEV_A_NODE_ID:
			ret = get_fixed(a, s, d->node_id, AEGIS_NODE_ID_LEN, err, errsz);
			break;
		case AEGIS_DEV_A_SOCK_FD:
			ret = get_fixed(a, s, &d->sock_fd, 4, err, errsz);
			break;
		case AEGIS_DEV_A_LISTEN_PORT:
			ret = get_fixed(a, s, &d->listen_port, 2, err, errsz);
			break;
		case AEGIS_DEV_A_NODES:
			ret = get_fixed(a, s, &d->nodes, 4, err, errsz);
			break;
		case AEGIS_DEV_A_PREFIXES:
			ret = get_fixed(a, s, &d->prefixes, 4, err, errsz);
			break;
		case AEGIS_DEV_A_IDLE_TIMEOUT:
			ret = get_fixed(a, s, &d->idle_timeout, 4, err, errsz);
			break;
		case AEGIS_DEV_A_HOP_LIMIT:
			ret = get_fixed(a, s, &d->hop_limit, 1, err, errsz);
			break;
		default:
			continue;
		}
		if (ret)
			return ret;
		d->present |= AEGIS_BIT(type);
	}
	return 0;
}

static int parse_drops(const struct nlattr *nest, struct aegis_nl_node *n,
		       char *err, size_t errsz)
{
	const struct nlattr *a;
	int rem, ret;

	for_each_attr(a, nla_data(nest), nla_len(nest), rem) {
		unsigned int type = (unsigned int)nla_type(a);

		if (type == AEGIS_DROP_A_UNSPEC || type == AEGIS_DROP_A_PAD ||
		    type > AEGIS_DROP_A_MAX)
			continue;
		ret = get_fixed(a, &drop_space, &n->drops[type], 8, err, errsz);
		if (ret)
			return ret;
		n->drops_present |= AEGIS_BIT(type);
	}
	return 0;
}

int aegis_parse_node(const struct nlattr *nest, struct aegis_nl_node *n,
		     char *err, size_t errsz)
{
	const struct space *s = &node_space;
	const struct nlattr *a;
	uint8_t ip[16];
	int rem, ret;

	memset(n, 0, sizeof(*n));
	for_each_attr(a, nla_data(nest), nla_len(nest), rem) {
		unsigned int type = (unsigned int)nla_type(a);

		switch (type) {
		case AEGIS_NODE_A_ID:
			ret = get_fixed(a, s, n->id, AEGIS_NODE_ID_LEN, err, errsz);
			break;
		case AEGIS_NODE_A_ENDPOINT_IP4:
			ret = get_fixed(a, s, ip, 4, err, errsz);
			if (!ret)
				ret = aegis_addr_from_bytes(&n->endpoint.addr, AF_INET, ip, 4);
			break;
		case AEGIS_NODE_A_ENDPOINT_IP6:
			ret = get_fixed(a, s, ip, 16, err, errsz);
			if (!ret)
				ret = aegis_addr_from_bytes(&n->endpoint.addr, AF_INET6, ip, 16);
			break;
		case AEGIS_NODE_A_ENDPOINT_PORT:
			ret = get_fixed(a, s, &n->endpoint.port, 2, err, errsz);
			break;
		case AEGIS_NODE_A_ENDPOINT_SCOPE:
			ret = get_fixed(a, s, &n->endpoint.scope, 4, err, errsz);
			break;
		case AEGIS_NODE_A_VIA:
			if (nla_len(a) == 0) {
				n->via_direct = true;
				ret = 0;
			} else {
				ret = get_fixed(a, s, n->via, AEGIS_NODE_ID_LEN, err, errsz);
			}
			break;
		case AEGIS_NODE_A_KEEPALIVE:
			ret = get_fixed(a, s, &n->keepalive, 2, err, errsz);
			break;
		case AEGIS_NODE_A_FLAGS:
			ret = get_fixed(a, s, &n->flags, 4, err, errsz);
			break;
		case AEGIS_NODE_A_RX_BYTES:
			ret = get_fixed(a, s, &n->rx_bytes, 8, err, errsz);
			break;
		case AEGIS_NODE_A_RX_PACKETS:
			ret = get_fixed(a, s, &n->rx_packets, 8, err, errsz);
			break;
		case AEGIS_NODE_A_TX_BYTES:
			ret = get_fixed(a, s, &n->tx_bytes, 8, err, errsz);
			break;
		case AEGIS_NODE_A_TX_PACKETS:
			ret = get_fixed(a, s, &n->tx_packets, 8, err, errsz);
			break;
		case AEGIS_NODE_A_LAST_RX:
			ret = get_fixed(a, s, &n->last_rx, 8, err, errsz);
			break;
		case AEGIS_NODE_A_DROPS:
			ret = check_nest(a, s, err, errsz);
			if (!ret)
				ret = parse_drops(a, n, err, errsz);
			break;
		default:
			continue;
		}
		if (ret)
			return ret;
		n->present |= AEGIS_BIT(type);
	}
	if (AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP4) &&
	    AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP6)) {
		seterr(err, errsz, "malformed message: a node with both an IPv4 and an IPv6 endpoint");
		return -EBADMSG;
	}
	if (!AEGIS_HAS(n, AEGIS_NODE_A_ID)) {
		seterr(err, errsz, "malformed message: a node without AEGIS_NODE_A_ID");
		return -EBADMSG;
	}
	return 0;
}

int aegis_parse_key(const struct nlattr *nest, struct aegis_nl_key *k, char *err,
		    size_t errsz)
{
	const struct space *s = &key_space;
	const struct nlattr *a;
	int rem, ret;

	memset(k, 0, sizeof(*k));
	for_each_attr(a, nla_data(nest), nla_len(nest), rem) {
		unsigned int type = (unsigned int)nla_type(a);

		switch (type) {
		case AEGIS_KEY_A_NODE_ID:
			ret = get_fixed(a, s, k->node_id, AEGIS_NODE_ID_LEN, err, errsz);
			break;
		case AEGIS_KEY_A_SLOT:
			ret = get_fixed(a, s, &k->slot, 1, err, errsz);
			break;
		case AEGIS_KEY_A_KEY_ID:
			ret = get_fixed(a, s, &k->key_id, 1, err, errsz);
			break;
		case AEGIS_KEY_A_CIPHER:
			ret = get_fixed(a, s, &k->cipher, 1, err, errsz);
			break;
		case AEGIS_KEY_A_RX_INDEX:
			ret = get_fixed(a, s, &k->rx_index, 8, err, errsz);
			break;
		case AEGIS_KEY_A_TX_INDEX:
			ret = get_fixed(a, s, &k->tx_index, 8, err, errsz);
			break;
		case AEGIS_KEY_A_SOFT_LIFETIME:
			ret = get_fixed(a, s, &k->soft_lifetime, 4, err, errsz);
			break;
		case AEGIS_KEY_A_HARD_LIFETIME:
			ret = get_fixed(a, s, &k->hard_lifetime, 4, err, errsz);
			break;
		case AEGIS_KEY_A_SOFT_PACKETS:
			ret = get_fixed(a, s, &k->soft_packets, 8, err, errsz);
			break;
		case AEGIS_KEY_A_HARD_PACKETS:
			ret = get_fixed(a, s, &k->hard_packets, 8, err, errsz);
			break;
		case AEGIS_KEY_A_AGE:
			ret = get_fixed(a, s, &k->age, 4, err, errsz);
			break;
		case AEGIS_KEY_A_CONFIRMED:
			ret = want_len(a, s, 0, err, errsz);
			break;
		case AEGIS_KEY_A_TX_PACKETS:
			ret = get_fixed(a, s, &k->tx_packets, 8, err, errsz);
			break;
		case AEGIS_KEY_A_RX_PACKETS:
			ret = get_fixed(a, s, &k->rx_packets, 8, err, errsz);
			break;
		default:
			/* Including ENCRYPT/DECRYPT: key material stays out. */
			continue;
		}
		if (ret)
			return ret;
		k->present |= AEGIS_BIT(type);
	}
	return 0;
}

int aegis_parse_prefix(const struct nlattr *nest, struct aegis_prefix_entry *p,
		       char *err, size_t errsz)
{
	const struct space *s = &prefix_space;
	const struct nlattr *a;
	uint8_t ip[16];
	int rem, ret;

	memset(p, 0, sizeof(*p));
	for_each_attr(a, nla_data(nest), nla_len(nest), rem) {
		unsigned int type = (unsigned int)nla_type(a);

		switch (type) {
		case AEGIS_PREFIX_A_NODE_ID:
			ret = get_fixed(a, s, p->node_id, AEGIS_NODE_ID_LEN, err, errsz);
			break;
		case AEGIS_PREFIX_A_IP4:
			ret = get_fixed(a, s, ip, 4, err, errsz);
			if (!ret)
				ret = aegis_addr_from_bytes(&p->prefix.addr, AF_INET, ip, 4);
			break;
		case AEGIS_PREFIX_A_IP6:
			ret = get_fixed(a, s, ip, 16, err, errsz);
			if (!ret)
				ret = aegis_addr_from_bytes(&p->prefix.addr, AF_INET6, ip, 16);
			break;
		case AEGIS_PREFIX_A_LEN:
			ret = get_fixed(a, s, &p->prefix.len, 1, err, errsz);
			break;
		default:
			continue;
		}
		if (ret)
			return ret;
		p->present |= AEGIS_BIT(type);
	}
	if (AEGIS_HAS(p, AEGIS_PREFIX_A_IP4) == AEGIS_HAS(p, AEGIS_PREFIX_A_IP6) ||
	    !AEGIS_HAS(p, AEGIS_PREFIX_A_LEN) ||
	    p->prefix.len > aegis_addr_len(p->prefix.addr.family) * 8) {
		seterr(err, errsz, "malformed message: a prefix needs one address and a length that fits it");
		return -EBADMSG;
	}
	return 0;
}
