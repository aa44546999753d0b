// SPDX-License-Identifier: MIT
/*
 * The aegisray generic netlink family (common/genl.c, common/aegis_nl.c):
 * binding the socket, nodes, keys, prefixes and the notifications.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "hex.h"
#include "fib/kernel.h"
#include "fib/kernel_priv.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Notification datagrams read per kernel_events_read() call at most. */
#define EVENTS_BUDGET 256

void kernel_genl_close(struct kernel *k)
{
	aegis_genl_close(&k->genl);
	aegis_genl_close(&k->events);
}

/*
 * Open the request and the notification sockets. -ENOENT if the family is
 * not registered (the module is not loaded and could not be), with err set.
 */
int kernel_genl_open(struct kernel *k)
{
	int ret;

	ret = aegis_genl_open(&k->genl, AEGIS_GENL_NAME, AEGIS_GENL_VERSION);
	if (ret == -ENOENT)
		return kernel_errf(k, ret, "module aegisray is not loaded: %s",
			    k->genl.errmsg);
	if (ret)
		return kernel_errf(k, ret, "%s", k->genl.errmsg);
	k->genl.namer = aegis_attr_path_name;

	ret = aegis_genl_open(&k->events, AEGIS_GENL_NAME, AEGIS_GENL_VERSION);
	if (!ret)
		ret = aegis_genl_subscribe(&k->events, AEGIS_GENL_MCGRP_NOTIFY);
	if (!ret) {
		ret = nl_socket_set_nonblocking(k->events.sk);
		if (ret < 0) {
			ret = kernel_nlerr_to_errno(ret);
			snprintf(k->events.errmsg, sizeof(k->events.errmsg),
				 "cannot make the socket non-blocking: %s",
				 strerror(-ret));
		}
	}
	if (ret) {
		kernel_errf(k, ret, "notifications: %s", k->events.errmsg);
		kernel_genl_close(k);
		return ret;
	}
	return 0;
}

/* Can requests about our device be made? */
static int genl_ready(struct kernel *k, const char *what)
{
	if (!k->genl.sk)
		return kernel_errf(k, -ENOENT, "%s: module aegisray is not loaded", what);
	if (!k->ifindex)
		return kernel_errf(k, -ENODEV, "%s: no aegisray device (kernel_dev_ensure first)",
			    what);
	return 0;
}

/* Free a request, wiping it first: it may carry key material. */
static void msg_free(struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	explicit_bzero(nlh, nlh->nlmsg_len);
	nlmsg_free(msg);
}

/* A request cmd about our device. NULL with *ret and err set on failure. */
static struct nl_msg *genl_msg(struct kernel *k, uint8_t cmd, const char *what,
			       int *ret)
{
	struct aegis_devref ref = { .ifindex = k->ifindex };
	struct nl_msg *msg;

	*ret = genl_ready(k, what);
	if (*ret)
		return NULL;
	msg = aegis_genl_msg_new(&k->genl, cmd, 0);
	if (!msg) {
		*ret = kernel_errf(k, -ENOMEM, "%s: out of memory", what);
		return NULL;
	}
	*ret = aegis_put_devref(msg, &ref);
	if (*ret) {
		msg_free(msg);
		kernel_errf(k, *ret, "%s: cannot build the request: %s", what,
		     strerror(-*ret));
		return NULL;
	}
	return msg;
}

/* The object nest was put with error ret: free msg and report. */
static int genl_put_failed(struct kernel *k, struct nl_msg *msg, int ret,
			   const char *what)
{
	msg_free(msg);
	return kernel_errf(k, ret, "%s: cannot build the request: %s", what,
		    strerror(-ret));
}

/* Send msg, read the answer (replies to cb), free msg. */
static int genl_run(struct kernel *k, struct nl_msg *msg, aegis_genl_msg_fn cb,
		    void *arg, const char *what)
{
	int ret = aegis_genl_request(&k->genl, msg, cb, arg);

	msg_free(msg);
	if (ret)
		return kernel_errf(k, ret, "%s: %s", what, k->genl.errmsg);
	return 0;
}

/* A NODE_GET or KEY_GET reply: the first nest of type `type`. */
struct reply {
	int type;		/* AEGIS_A_NODE or AEGIS_A_KEY */
	bool found;
	struct aegis_nl_node *node;
	struct aegis_nl_key *key;
};

static int reply_cb(const struct nlmsghdr *nlh, void *arg, char *err,
		    size_t errsz)
{
	struct reply *r = arg;
	struct aegis_msg_info info;
	const struct nlattr *a;
	int len, rem, ret;

	ret = aegis_parse_info(nlh, &info, err, errsz);
	if (ret)
		return ret;
	for (a = aegis_msg_attrs(nlh, &len), rem = len; nla_ok(a, rem);
	     a = nla_next(a, &rem)) {
		if (r->found || nla_type(a) != r->type)
			continue;
		if (r->type == AEGIS_A_NODE)
			ret = aegis_parse_node(a, r->node, err, errsz);
		else
			ret = aegis_parse_key(a, r->key, err, errsz);
		if (ret)
			return ret;
		r->found = true;
	}
	return 0;
}

/* --- open / close ---------------------------------------------------------- */


/* AEGIS_CMD_DEV_SET with the attributes marked present in dev. */
static int dev_set(struct kernel *k, const struct aegis_nl_dev *dev,
		   const char *what)
{
	struct nl_msg *msg;
	int ret;

	msg = genl_msg(k, AEGIS_CMD_DEV_SET, what, &ret);
	if (!msg)
		return ret;
	ret = aegis_put_dev(msg, dev);
	if (ret)
		return genl_put_failed(k, msg, ret, what);
	return genl_run(k, msg, NULL, NULL, what);
}

int kernel_bind(struct kernel *k, int sock_fd, const uint8_t *node_id)
{
	struct aegis_nl_dev dev;
	char what[64];

	snprintf(what, sizeof(what), "bind %s", k->ifname);
	memset(&dev, 0, sizeof(dev));
	dev.sock_fd = sock_fd;
	AEGIS_SET(&dev, AEGIS_DEV_A_SOCK_FD);
	if (node_id) {
		memcpy(dev.node_id, node_id, AEGIS_NODE_ID_LEN);
		AEGIS_SET(&dev, AEGIS_DEV_A_NODE_ID);
	}
	return dev_set(k, &dev, what);
}

int kernel_dev_set_idle(struct kernel *k, uint32_t seconds)
{
	struct aegis_nl_dev dev;
	char what[64];

	snprintf(what, sizeof(what), "set idle timeout of %s", k->ifname);
	memset(&dev, 0, sizeof(dev));
	dev.idle_timeout = seconds;
	AEGIS_SET(&dev, AEGIS_DEV_A_IDLE_TIMEOUT);
	return dev_set(k, &dev, what);
}

static int node_request(struct kernel *k, uint8_t cmd, const struct aegis_nl_node *n,
			const char *what)
{
	struct nl_msg *msg;
	int ret;

	msg = genl_msg(k, cmd, what, &ret);
	if (!msg)
		return ret;
	ret = aegis_put_node(msg, n);
	if (ret)
		return genl_put_failed(k, msg, ret, what);
	return genl_run(k, msg, NULL, NULL, what);
}

int kernel_node_set(struct kernel *k, const uint8_t *id,
		    const struct aegis_udp_endpoint *endpoint, const uint8_t *via,
		    uint16_t keepalive, uint32_t flags)
{
	struct aegis_nl_node n;
	char what[64], sid[AEGIS_NODE_ID_SHORT_SIZE];
	int ret;

	memset(&n, 0, sizeof(n));
	memcpy(n.id, id, AEGIS_NODE_ID_LEN);
	if (endpoint) {
		if (endpoint->addr.family == AF_INET)
			AEGIS_SET(&n, AEGIS_NODE_A_ENDPOINT_IP4);
		else if (endpoint->addr.family == AF_INET6)
			AEGIS_SET(&n, AEGIS_NODE_A_ENDPOINT_IP6);
		else
			return kernel_errf(k, -EAFNOSUPPORT,
				    "node %s: the endpoint is not an IPv4 or IPv6 address",
				    aegis_node_id_short(id, sid));
		n.endpoint = *endpoint;
		AEGIS_SET(&n, AEGIS_NODE_A_ENDPOINT_PORT);
	}
	/* VIA always: NULL makes the node direct again. */
	AEGIS_SET(&n, AEGIS_NODE_A_VIA);
	if (via)
		memcpy(n.via, via, AEGIS_NODE_ID_LEN);
	else
		n.via_direct = true;
	n.keepalive = keepalive;
	AEGIS_SET(&n, AEGIS_NODE_A_KEEPALIVE);
	n.flags = flags;
	AEGIS_SET(&n, AEGIS_NODE_A_FLAGS);

	snprintf(what, sizeof(what), "node add %s", aegis_node_id_short(id, sid));
	ret = node_request(k, AEGIS_CMD_NODE_NEW, &n, what);
	if (ret != -EEXIST)
		return ret;
	snprintf(what, sizeof(what), "node set %s", sid);
	return node_request(k, AEGIS_CMD_NODE_SET, &n, what);
}

int kernel_node_del(struct kernel *k, const uint8_t *id)
{
	struct aegis_nl_node n;
	char what[64], sid[AEGIS_NODE_ID_SHORT_SIZE];

	memset(&n, 0, sizeof(n));
	memcpy(n.id, id, AEGIS_NODE_ID_LEN);
	snprintf(what, sizeof(what), "node del %s", aegis_node_id_short(id, sid));
	return node_request(k, AEGIS_CMD_NODE_DEL, &n, what);
}

int kernel_node_get(struct kernel *k, const uint8_t *id, struct aegis_nl_node *out)
{
	struct reply r = { .type = AEGIS_A_NODE, .node = out };
	struct aegis_nl_node n;
	struct nl_msg *msg;
	char what[64], sid[AEGIS_NODE_ID_SHORT_SIZE];
	int ret;

	memset(&n, 0, sizeof(n));
	memcpy(n.id, id, AEGIS_NODE_ID_LEN);
	snprintf(what, sizeof(what), "node get %s", aegis_node_id_short(id, sid));
	msg = genl_msg(k, AEGIS_CMD_NODE_GET, what, &ret);
	if (!msg)
		return ret;
	ret = aegis_put_node(msg, &n);
	if (ret)
		return genl_put_failed(k, msg, ret, what);
	ret = genl_run(k, msg, reply_cb, &r, what);
	if (ret)
		return ret;
	if (!r.found)
		return kernel_errf(k, -EBADMSG, "%s: the reply has no node", what);
	return 0;
}

static int key_request(struct kernel *k, uint8_t cmd, const struct aegis_nl_key *key,
		       struct reply *r, const char *what)
{
	struct nl_msg *msg;
	int ret;

	msg = genl_msg(k, cmd, what, &ret);
	if (!msg)
		return ret;
	ret = aegis_put_key(msg, key);
	if (ret)
		return genl_put_failed(k, msg, ret, what);
	return genl_run(k, msg, r ? reply_cb : NULL, r, what);
}

int kernel_key_new(struct kernel *k, const struct aegis_nl_key *key)
{
	char what[64], sid[AEGIS_NODE_ID_SHORT_SIZE];

	snprintf(what, sizeof(what), "key add %s", aegis_node_id_short(key->node_id, sid));
	return key_request(k, AEGIS_CMD_KEY_NEW, key, NULL, what);
}

int kernel_key_swap(struct kernel *k, const uint8_t *id)
{
	struct aegis_nl_key key;
	char what[64], sid[AEGIS_NODE_ID_SHORT_SIZE];

	memset(&key, 0, sizeof(key));
	memcpy(key.node_id, id, AEGIS_NODE_ID_LEN);
	snprintf(what, sizeof(what), "key swap %s", aegis_node_id_short(id, sid));
	return key_request(k, AEGIS_CMD_KEY_SWAP, &key, NULL, what);
}

int kernel_key_del(struct kernel *k, const uint8_t *id, uint8_t slot)
{
	struct aegis_nl_key key;
	char what[64], sid[AEGIS_NODE_ID_SHORT_SIZE];

	memset(&key, 0, sizeof(key));
	memcpy(key.node_id, id, AEGIS_NODE_ID_LEN);
	key.slot = slot;
	AEGIS_SET(&key, AEGIS_KEY_A_SLOT);
	snprintf(what, sizeof(what), "key del %s slot %u", aegis_node_id_short(id, sid), slot);
	return key_request(k, AEGIS_CMD_KEY_DEL, &key, NULL, what);
}

int kernel_key_get(struct kernel *k, const uint8_t *id, uint8_t slot,
		   struct aegis_nl_key *out)
{
	struct reply r = { .type = AEGIS_A_KEY, .key = out };
	struct aegis_nl_key key;
	char what[64], sid[AEGIS_NODE_ID_SHORT_SIZE];
	int ret;

	memset(&key, 0, sizeof(key));
	memcpy(key.node_id, id, AEGIS_NODE_ID_LEN);
	key.slot = slot;
	AEGIS_SET(&key, AEGIS_KEY_A_SLOT);
	snprintf(what, sizeof(what), "key get %s slot %u", aegis_node_id_short(id, sid), slot);
	/* An empty slot: -ENOENT from the kernel ("the slot is empty"). */
	ret = key_request(k, AEGIS_CMD_KEY_GET, &key, &r, what);
	if (ret)
		return ret;
	if (!r.found)
		return kernel_errf(k, -ENOENT, "%s: the slot is empty", what);
	return 0;
}

static int prefix_request(struct kernel *k, uint8_t cmd, const uint8_t *id,
			  const struct aegis_prefix *p)
{
	struct aegis_prefix_entry e;
	struct nl_msg *msg;
	char what[96], buf[AEGIS_PREFIX_STRSIZE];
	int ret;

	if (aegis_prefix_format(p, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "?");
	if (id) {
		char sid[AEGIS_NODE_ID_SHORT_SIZE];

		snprintf(what, sizeof(what), "prefix %s %s node %s",
			 cmd == AEGIS_CMD_PREFIX_ADD ? "add" : "del", buf,
			 aegis_node_id_short(id, sid));
	} else {
		snprintf(what, sizeof(what), "prefix del %s", buf);
	}
	memset(&e, 0, sizeof(e));
	e.prefix = *p;
	if (id) {
		memcpy(e.node_id, id, AEGIS_NODE_ID_LEN);
		AEGIS_SET(&e, AEGIS_PREFIX_A_NODE_ID);
	}
	msg = genl_msg(k, cmd, what, &ret);
	if (!msg)
		return ret;
	ret = aegis_put_prefix(msg, &e);
	if (ret)
		return genl_put_failed(k, msg, ret, what);
	return genl_run(k, msg, NULL, NULL, what);
}

int kernel_prefix_add(struct kernel *k, const uint8_t *id,
		      const struct aegis_prefix *p)
{
	if (!id)
		return kernel_errf(k, -EINVAL, "prefix add: no node");
	return prefix_request(k, AEGIS_CMD_PREFIX_ADD, id, p);
}

int kernel_prefix_del(struct kernel *k, const uint8_t *id,
		      const struct aegis_prefix *p)
{
	return prefix_request(k, AEGIS_CMD_PREFIX_DEL, id, p);
}

/* --- notifications --------------------------------------------------------- */

struct events_ctx {
	const struct kernel *k;
	kernel_event_fn fn;
	void *arg;
};

static int event_cb(const struct nlmsghdr *nlh, void *arg, char *err,
		    size_t errsz)
{
	struct events_ctx *ctx = arg;
	struct aegis_msg_info info;
	struct kernel_event ev;
	const struct nlattr *a;
	int len, rem, ret;

	ret = aegis_parse_info(nlh, &info, err, errsz);
	if (ret)
		return ret;
	if (info.cmd < AEGIS_CMD_NTF_REKEY || info.cmd > AEGIS_CMD_MAX)
		return 0;	/* not a notification we know */
	if (!AEGIS_HAS(&info, AEGIS_A_IFINDEX) || !ctx->k->ifindex ||
	    info.ifindex != ctx->k->ifindex)
		return 0;	/* another device of the netns */

	memset(&ev, 0, sizeof(ev));
	ev.cmd = info.cmd;
	ev.ifindex = info.ifindex;
	for (a = aegis_msg_attrs(nlh, &len), rem = len; nla_ok(a, rem);
	     a = nla_next(a, &rem)) {
		if (nla_type(a) == AEGIS_A_NODE && !ev.has_node) {
			ret = aegis_parse_node(a, &ev.node, err, errsz);
			ev.has_node = !ret;
		} else if (nla_type(a) == AEGIS_A_KEY && !ev.has_key) {
			ret = aegis_parse_key(a, &ev.key, err, errsz);
			ev.has_key = !ret;
		}
		if (ret)
			return ret;
	}
	ctx->fn(&ev, ctx->arg);
	return 0;
}

int kernel_events_fd(const struct kernel *k)
{
	return aegis_genl_fd(&k->events);
}

int kernel_events_read(struct kernel *k, kernel_event_fn fn, void *arg)
{
	struct events_ctx ctx = { .k = k, .fn = fn, .arg = arg };
	bool lost = false;
	int first_err = 0;
	int i;

	if (!k->events.sk)
		return kernel_errf(k, -ENOENT, "notifications: module aegisray is not loaded");
	for (i = 0; i < EVENTS_BUDGET; i++) {
		int ret = aegis_genl_receive(&k->events, event_cb, &ctx);

		if (ret == -EAGAIN || ret == -EWOULDBLOCK)
			break;		/* drained */
		if (ret == -ENOBUFS) {
			lost = true;	/* the socket is still usable */
			continue;
		}
		if (ret && !first_err) {
			/* A bad notification: the rest still counts. */
			first_err = ret;
			kernel_errf(k, ret, "notifications: %s", k->events.errmsg);
		}
		if (ret && ret != -EBADMSG)
			break;		/* the socket itself is in trouble */
	}
	if (lost)
		return kernel_errf(k, -ENOBUFS,
			    "notifications lost: the socket receive buffer overflowed");
	return first_err;
}
