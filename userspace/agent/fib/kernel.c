// SPDX-License-Identifier: MIT
/*
 * The agent's only path to the kernel: rtnetlink through libnl-route-3 for
 * the device, its addresses and routes; the aegisray generic netlink family
 * through common/genl.c and common/aegis_nl.c for everything else.
 *
 * Loading the module: kernel_open() resolves the family, which makes the
 * kernel load the module through its genl alias when it is installed. If
 * the family is still missing, kernel_open() succeeds with the genl sockets
 * closed, and kernel_dev_ensure() creates the device (the rtnl alias loads
 * the module) and opens them then. So "open, ensure, bind" works whether
 * the module was loaded beforehand or not.
 *
 * Errors: libnl reduces the kernel's errno to its own NLE_* codes, and
 * several errnos to one code. The rtnl socket therefore has an error
 * callback armed around each request that records the kernel's errno and
 * extended-ack message; the NLE_* code is only translated (nlerr_to_errno)
 * for failures that libnl itself produced.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <net/if.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "hex.h"
#include "fib/kernel.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Notification datagrams read per kernel_events_read() call at most. */
#define EVENTS_BUDGET 256

static int kerr(struct kernel *k, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write the reason for a failure to k->err; returns ret. */
static int kerr(struct kernel *k, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->err, sizeof(k->err), fmt, ap);
	va_end(ap);
	return ret;
}

/* First bytes of a node id in hex, for messages. */
static const char *short_id(const uint8_t *id, char buf[9])
{
	if (aegis_hex_encode(id, 4, buf, 9))
		buf[0] = '\0';
	return buf;
}

/* --- rtnetlink ------------------------------------------------------------ */

/* libnl's own error codes (not the kernel's, see rtnl_err) to errno. */
static int nlerr_to_errno(int nlerr)
{
	static const struct {
		int nle;
		int err;
	} map[] = {
		{ NLE_INTR, EINTR },
		{ NLE_BAD_SOCK, EBADF },
		{ NLE_AGAIN, EAGAIN },
		{ NLE_NOMEM, ENOMEM },
		{ NLE_EXIST, EEXIST },
		{ NLE_INVAL, EINVAL },
		{ NLE_RANGE, ERANGE },
		{ NLE_MSGSIZE, EMSGSIZE },
		{ NLE_OPNOTSUPP, EOPNOTSUPP },
		{ NLE_AF_NOSUPPORT, EAFNOSUPPORT },
		{ NLE_OBJ_NOTFOUND, ENOENT },
		{ NLE_MISSING_ATTR, EINVAL },
		{ NLE_AF_MISMATCH, EINVAL },
		{ NLE_SEQ_MISMATCH, EPROTO },
		{ NLE_MSG_OVERFLOW, EOVERFLOW },
		{ NLE_MSG_TRUNC, EMSGSIZE },
		{ NLE_NOADDR, EADDRNOTAVAIL },
		{ NLE_MSG_TOOSHORT, EBADMSG },
		{ NLE_BUSY, EBUSY },
		{ NLE_PROTO_MISMATCH, EPROTONOSUPPORT },
		{ NLE_NOACCESS, EACCES },
		{ NLE_PERM, EPERM },
		{ NLE_PARSE_ERR, EBADMSG },
		{ NLE_NODEV, ENODEV },
		{ NLE_DUMP_INTR, EINTR },
	};
	unsigned int i;

	if (nlerr < 0)
		nlerr = -nlerr;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].nle == nlerr)
			return -map[i].err;
	return -EIO;
}

/* What the kernel answered to the last rtnl request, if it was an error. */
struct rtnl_err {
	int error;			/* negative errno, 0 if none seen */
	struct aegis_genl_ack ack;	/* its extended ack */
};

static int rtnl_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	/* libnl hands over the payload of the NLMSG_ERROR message. */
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)
		((const unsigned char *)e - NLMSG_HDRLEN);
	struct rtnl_err *re = arg;

	(void)nla;
	re->error = e->error;
	if (aegis_genl_parse_ack(nlh, &re->ack))
		memset(&re->ack, 0, sizeof(re->ack));
	return NL_STOP;		/* libnl returns its code for e->error */
}

/* Record the kernel's answer to the next request in re. */
static void rtnl_arm(struct kernel *k, struct rtnl_err *re)
{
	memset(re, 0, sizeof(*re));
	nl_socket_modify_err_cb(k->rtnl, NL_CB_CUSTOM, rtnl_err_cb, re);
}

/* Stop recording (re goes out of scope); the errno for libnl's nlerr. */
static int rtnl_done(struct kernel *k, int nlerr, const struct rtnl_err *re)
{
	nl_socket_modify_err_cb(k->rtnl, NL_CB_DEFAULT, NULL, NULL);
	if (nlerr >= 0)
		return 0;
	if (re->error < 0 && re->error >= -4095)
		return re->error;
	return nlerr_to_errno(nlerr);
}

/* "WHAT: strerror (kernel: extack; HINT)", the parts in () as available. */
static int rtnl_fail(struct kernel *k, int ret, const struct rtnl_err *re,
		     const char *what, const char *hint)
{
	const char *msg = re && re->error == ret && re->ack.msg[0] ?
			  re->ack.msg : NULL;

	if (msg && hint)
		return kerr(k, ret, "%s: %s (kernel: %s; %s)", what,
			    strerror(-ret), msg, hint);
	if (msg)
		return kerr(k, ret, "%s: %s (kernel: %s)", what, strerror(-ret),
			    msg);
	if (hint)
		return kerr(k, ret, "%s: %s (%s)", what, strerror(-ret), hint);
	return kerr(k, ret, "%s: %s", what, strerror(-ret));
}

static int rtnl_open(struct kernel *k)
{
	int one = 1;
	int ret;

	k->rtnl = nl_socket_alloc();
	if (!k->rtnl)
		return kerr(k, -ENOMEM, "cannot allocate a netlink socket");
	ret = nl_connect(k->rtnl, NETLINK_ROUTE);
	if (ret < 0) {
		ret = nlerr_to_errno(ret);
		nl_socket_free(k->rtnl);
		k->rtnl = NULL;
		return kerr(k, ret, "cannot open an rtnetlink socket: %s",
			    strerror(-ret));
	}
	/* Extended acks explain refusals; errors need not echo requests. */
	(void)setsockopt(nl_socket_get_fd(k->rtnl), SOL_NETLINK,
			 NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(nl_socket_get_fd(k->rtnl), SOL_NETLINK,
			 NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

/*
 * Look the device up by name (ifindex 0) or index. Returns 0 with *out
 * (put it), -ENODEV if there is none, or another -errno.
 */
static int link_get(struct kernel *k, uint32_t ifindex, const char *name,
		    struct rtnl_link **out)
{
	int ret;

	*out = NULL;
	/* libnl uses an error handler of its own here: codes only. */
	ret = rtnl_link_get_kernel(k->rtnl, (int)ifindex, ifindex ? NULL : name,
				   out);
	if (ret == -NLE_NODEV || ret == -NLE_OBJ_NOTFOUND ||
	    (ret >= 0 && !*out))
		return -ENODEV;
	if (ret < 0)
		return nlerr_to_errno(ret);
	return 0;
}

static int link_create(struct kernel *k, const char *name)
{
	struct rtnl_link *link;
	struct rtnl_err re;
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "create %s", name);
	link = rtnl_link_alloc();
	if (!link)
		return kerr(k, -ENOMEM, "%s: out of memory", what);
	rtnl_link_set_name(link, name);
	ret = rtnl_link_set_type(link, AEGIS_LINK_KIND);
	if (ret < 0) {
		rtnl_link_put(link);
		return rtnl_fail(k, nlerr_to_errno(ret), NULL, what, NULL);
	}
	/* An unknown kind makes the kernel load the module (rtnl alias). */
	rtnl_arm(k, &re);
	ret = rtnl_done(k, rtnl_link_add(k->rtnl, link,
					 NLM_F_CREATE | NLM_F_EXCL), &re);
	rtnl_link_put(link);
	if (ret == -EOPNOTSUPP)
		return rtnl_fail(k, ret, &re, what,
				 "is the aegisray module available?");
	if (ret && ret != -EEXIST)
		return rtnl_fail(k, ret, &re, what, NULL);
	return ret;
}

static int link_delete(struct kernel *k, uint32_t ifindex)
{
	struct rtnl_link *link;
	struct rtnl_err re;
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "delete %s", k->ifname);
	link = rtnl_link_alloc();
	if (!link)
		return kerr(k, -ENOMEM, "%s: out of memory", what);
	rtnl_link_set_ifindex(link, (int)ifindex);
	rtnl_arm(k, &re);
	ret = rtnl_done(k, rtnl_link_delete(k->rtnl, link), &re);
	rtnl_link_put(link);
	if (ret == -ENODEV)
		return 0;	/* gone already */
	if (ret)
		return rtnl_fail(k, ret, &re, what, NULL);
	return 0;
}

/* MTU (unless 0) and IFF_UP. */
static int link_setup(struct kernel *k, struct rtnl_link *link, uint32_t mtu)
{
	struct rtnl_link *changes;
	struct rtnl_err re;
	char what[64];
	int ret;

	if (mtu)
		snprintf(what, sizeof(what), "set %s mtu %u up", k->ifname, mtu);
	else
		snprintf(what, sizeof(what), "set %s up", k->ifname);
	changes = rtnl_link_alloc();
	if (!changes)
		return kerr(k, -ENOMEM, "%s: out of memory", what);
	if (mtu)
		rtnl_link_set_mtu(changes, mtu);
	rtnl_link_set_flags(changes, IFF_UP);
	rtnl_arm(k, &re);
	ret = rtnl_done(k, rtnl_link_change(k->rtnl, link, changes, 0), &re);
	rtnl_link_put(changes);
	if (ret)
		return rtnl_fail(k, ret, &re, what, NULL);
	return 0;
}

/* --- generic netlink ------------------------------------------------------- */

static void genl_close_all(struct kernel *k)
{
	aegis_genl_close(&k->genl);
	aegis_genl_close(&k->events);
}

/*
 * Open the request and the notification sockets. -ENOENT if the family is
 * not registered (the module is not loaded and could not be), with err set.
 */
static int genl_open_all(struct kernel *k)
{
	int ret;

	ret = aegis_genl_open(&k->genl, AEGIS_GENL_NAME, AEGIS_GENL_VERSION);
	if (ret == -ENOENT)
		return kerr(k, ret, "module aegisray is not loaded: %s",
			    k->genl.errmsg);
	if (ret)
		return kerr(k, ret, "%s", k->genl.errmsg);
	k->genl.namer = aegis_attr_path_name;

	ret = aegis_genl_open(&k->events, AEGIS_GENL_NAME, AEGIS_GENL_VERSION);
	if (!ret)
		ret = aegis_genl_subscribe(&k->events, AEGIS_GENL_MCGRP_NOTIFY);
	if (!ret) {
		ret = nl_socket_set_nonblocking(k->events.sk);
		if (ret < 0) {
			ret = nlerr_to_errno(ret);
			snprintf(k->events.errmsg, sizeof(k->events.errmsg),
				 "cannot make the socket non-blocking: %s",
				 strerror(-ret));
		}
	}
	if (ret) {
		kerr(k, ret, "notifications: %s", k->events.errmsg);
		genl_close_all(k);
		return ret;
	}
	return 0;
}

/* Can requests about our device be made? */
static int genl_ready(struct kernel *k, const char *what)
{
	if (!k->genl.sk)
		return kerr(k, -ENOENT, "%s: module aegisray is not loaded", what);
	if (!k->ifindex)
		return kerr(k, -ENODEV, "%s: no aegisray device (kernel_dev_ensure first)",
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
		*ret = kerr(k, -ENOMEM, "%s: out of memory", what);
		return NULL;
	}
	*ret = aegis_put_devref(msg, &ref);
	if (*ret) {
		msg_free(msg);
		kerr(k, *ret, "%s: cannot build the request: %s", what,
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
	return kerr(k, ret, "%s: cannot build the request: %s", what,
		    strerror(-ret));
}

/* Send msg, read the answer (replies to cb), free msg. */
static int genl_run(struct kernel *k, struct nl_msg *msg, aegis_genl_msg_fn cb,
		    void *arg, const char *what)
{
	int ret = aegis_genl_request(&k->genl, msg, cb, arg);

	msg_free(msg);
	if (ret)
		return kerr(k, ret, "%s: %s", what, k->genl.errmsg);
	return 0;
}

/* A NODE_GET or KEY_GET reply: the first nest of type `type`. */
struct reply {
	int type;		/* AEGIS_A_NODE or AEGIS_A_KEY */
	bool found;
	struct aegis_node *node;
	struct aegis_key *key;
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

int kernel_open(struct kernel *k)
{
	int ret;

	memset(k, 0, sizeof(*k));
	ret = rtnl_open(k);
	if (ret)
		return ret;
	ret = genl_open_all(k);
	/* -ENOENT: kernel_dev_ensure() loads the module and tries again. */
	if (ret && ret != -ENOENT) {
		kernel_close(k);
		return ret;
	}
	k->err[0] = '\0';
	return 0;
}

void kernel_close(struct kernel *k)
{
	genl_close_all(k);
	if (k->rtnl)
		nl_socket_free(k->rtnl);
	k->rtnl = NULL;
}

/* --- the device ------------------------------------------------------------ */

int kernel_dev_ensure(struct kernel *k, const char *ifname, uint32_t mtu)
{
	struct rtnl_link *link = NULL;
	bool created = false;
	const char *kind;
	uint32_t ifindex;
	int ret;

	if (!k->rtnl)
		return kerr(k, -ENOTCONN, "kernel_open() first");
	if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ ||
	    strpbrk(ifname, "/: \t\n"))
		return kerr(k, -EINVAL, "invalid interface name '%s'",
			    ifname ? ifname : "");
	if (strcmp(k->ifname, ifname)) {
		k->ifindex = 0;
		k->created = false;
	}
	snprintf(k->ifname, sizeof(k->ifname), "%s", ifname);

	ret = link_get(k, 0, ifname, &link);
	if (ret == -ENODEV) {
		ret = link_create(k, ifname);
		if (ret && ret != -EEXIST)
			return ret;	/* err set */
		/* -EEXIST: made meanwhile by someone else; use it. */
		created = !ret;
		ret = link_get(k, 0, ifname, &link);
		if (ret == -ENODEV)
			return kerr(k, ret, "%s: created, but gone again", ifname);
	}
	if (ret)
		return kerr(k, ret, "look up %s: %s", ifname, strerror(-ret));

	ifindex = (uint32_t)rtnl_link_get_ifindex(link);
	kind = rtnl_link_get_type(link);
	if (!kind || strcmp(kind, AEGIS_LINK_KIND)) {
		kerr(k, -EEXIST, "%s exists and is not an aegisray device (%s%s)",
		     ifname, kind ? "kind " : "no kind", kind ? kind : "");
		rtnl_link_put(link);
		return -EEXIST;
	}
	if (k->ifindex != ifindex)
		k->created = false;
	k->ifindex = ifindex;
	if (created)
		k->created = true;

	/* The device exists, so the module is loaded: the family too. */
	if (!k->genl.sk) {
		ret = genl_open_all(k);
		if (ret)
			goto fail;
	}
	ret = link_setup(k, link, mtu);
	if (ret)
		goto fail;
	rtnl_link_put(link);
	k->err[0] = '\0';
	return 0;

fail:
	rtnl_link_put(link);
	/* Leave nothing half set up behind: a device we made goes again. */
	if (created) {
		char why[KERNEL_ERR_SIZE];

		memcpy(why, k->err, sizeof(why));
		if (!link_delete(k, ifindex)) {
			k->created = false;
			k->ifindex = 0;
		}
		memcpy(k->err, why, sizeof(k->err));
	}
	return ret;
}

int kernel_dev_remove_if_created(struct kernel *k)
{
	int ret;

	if (!k->created)
		return 0;
	if (!k->rtnl)
		return kerr(k, -ENOTCONN, "delete %s: kernel_open() first",
			    k->ifname);
	ret = link_delete(k, k->ifindex);
	if (ret)
		return ret;
	k->created = false;
	k->ifindex = 0;
	return 0;
}

bool kernel_dev_exists(struct kernel *k)
{
	struct rtnl_link *link;
	bool ours;

	if (!k->rtnl || !k->ifindex)
		return false;
	if (link_get(k, k->ifindex, NULL, &link))
		return false;
	/* The index could have been reused by a new device. */
	ours = rtnl_link_get_type(link) &&
	       !strcmp(rtnl_link_get_type(link), AEGIS_LINK_KIND);
	rtnl_link_put(link);
	return ours;
}

/* --- addresses and routes -------------------------------------------------- */

static int addr_change(struct kernel *k, const struct aegis_addr *a,
		       uint8_t plen, bool add)
{
	char what[96], buf[AEGIS_ADDR_STRSIZE];
	size_t alen = aegis_addr_len(a->family);
	struct rtnl_addr *addr;
	struct nl_addr *local;
	struct rtnl_err re;
	int ret;

	if (!alen || aegis_addr_format(a, buf, sizeof(buf)))
		return kerr(k, -EAFNOSUPPORT, "%s address: not an IPv4 or IPv6 address",
			    add ? "add" : "delete");
	snprintf(what, sizeof(what), "%s address %s/%u %s %s",
		 add ? "add" : "delete", buf, plen, add ? "to" : "from",
		 k->ifname);
	if (plen > alen * 8)
		return kerr(k, -EINVAL, "%s: prefix length too long", what);
	if (!k->rtnl || !k->ifindex)
		return kerr(k, -ENODEV, "%s: no device (kernel_dev_ensure first)",
			    what);

	local = nl_addr_build(a->family, a->u.bytes, alen);
	addr = rtnl_addr_alloc();
	if (!local || !addr) {
		ret = kerr(k, -ENOMEM, "%s: out of memory", what);
		goto out;
	}
	nl_addr_set_prefixlen(local, plen);
	rtnl_addr_set_ifindex(addr, (int)k->ifindex);
	ret = rtnl_addr_set_local(addr, local);	/* family and prefixlen too */
	if (ret < 0) {
		ret = rtnl_fail(k, nlerr_to_errno(ret), NULL, what, NULL);
		goto out;
	}
	/* No DAD on a point-to-point overlay (the kernel skips it for NOARP). */
	if (add && a->family == AF_INET6)
		rtnl_addr_set_flags(addr, IFA_F_NODAD);
	rtnl_arm(k, &re);
	if (add)
		ret = rtnl_addr_add(k->rtnl, addr, NLM_F_EXCL);
	else
		ret = rtnl_addr_delete(k->rtnl, addr, 0);
	ret = rtnl_done(k, ret, &re);
	/* Deleting: an address (or device) that is gone already is fine. */
	if ((add && ret == -EEXIST) ||
	    (!add && (ret == -EADDRNOTAVAIL || ret == -ENODEV)))
		ret = 0;
	if (ret)
		rtnl_fail(k, ret, &re, what, NULL);
out:
	if (addr)
		rtnl_addr_put(addr);
	if (local)
		nl_addr_put(local);
	return ret;
}

int kernel_addr_add(struct kernel *k, const struct aegis_addr *a, uint8_t plen)
{
	return addr_change(k, a, plen, true);
}

int kernel_addr_del(struct kernel *k, const struct aegis_addr *a, uint8_t plen)
{
	return addr_change(k, a, plen, false);
}

static int route_change(struct kernel *k, const struct aegis_prefix *p,
			bool add)
{
	char what[96], buf[AEGIS_PREFIX_STRSIZE];
	size_t alen = aegis_addr_len(p->addr.family);
	struct rtnl_nexthop *nh = NULL;
	struct rtnl_route *route;
	struct nl_addr *dst;
	struct rtnl_err re;
	int ret;

	if (!alen || p->len > alen * 8 ||
	    aegis_prefix_format(p, buf, sizeof(buf)))
		return kerr(k, -EINVAL, "%s route: not an IPv4 or IPv6 prefix",
			    add ? "add" : "delete");
	snprintf(what, sizeof(what), "%s route %s dev %s", add ? "add" : "delete",
		 buf, k->ifname);
	if (!k->rtnl || !k->ifindex)
		return kerr(k, -ENODEV, "%s: no device (kernel_dev_ensure first)",
			    what);

	dst = nl_addr_build(p->addr.family, p->addr.u.bytes, alen);
	route = rtnl_route_alloc();
	if (route)
		nh = rtnl_route_nh_alloc();
	if (!dst || !route || !nh) {
		ret = kerr(k, -ENOMEM, "%s: out of memory", what);
		goto out;
	}
	nl_addr_set_prefixlen(dst, p->len);
	ret = rtnl_route_set_dst(route, dst);	/* and the family */
	if (ret < 0) {
		ret = rtnl_fail(k, nlerr_to_errno(ret), NULL, what, NULL);
		goto out;
	}
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_scope(route, RT_SCOPE_LINK);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_type(route, RTN_UNICAST);
	rtnl_route_nh_set_ifindex(nh, (int)k->ifindex);
	rtnl_route_add_nexthop(route, nh);	/* the route owns it now */
	nh = NULL;

	rtnl_arm(k, &re);
	if (add)
		ret = rtnl_route_add(k->rtnl, route, NLM_F_EXCL);
	else
		ret = rtnl_route_delete(k->rtnl, route, 0);
	ret = rtnl_done(k, ret, &re);
	/* IPv4 and IPv6 both say ESRCH for a route that is not there. */
	if ((add && ret == -EEXIST) ||
	    (!add && (ret == -ESRCH || ret == -ENOENT)))
		ret = 0;
	if (ret)
		rtnl_fail(k, ret, &re, what, NULL);
out:
	if (nh)
		rtnl_route_nh_free(nh);
	if (route)
		rtnl_route_put(route);
	if (dst)
		nl_addr_put(dst);
	return ret;
}

int kernel_route_add(struct kernel *k, const struct aegis_prefix *p)
{
	return route_change(k, p, true);
}

int kernel_route_del(struct kernel *k, const struct aegis_prefix *p)
{
	return route_change(k, p, false);
}

/* --- the genl family ------------------------------------------------------- */

/* AEGIS_CMD_DEV_SET with the attributes marked present in dev. */
static int dev_set(struct kernel *k, const struct aegis_dev *dev,
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
	struct aegis_dev dev;
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
	struct aegis_dev dev;
	char what[64];

	snprintf(what, sizeof(what), "set idle timeout of %s", k->ifname);
	memset(&dev, 0, sizeof(dev));
	dev.idle_timeout = seconds;
	AEGIS_SET(&dev, AEGIS_DEV_A_IDLE_TIMEOUT);
	return dev_set(k, &dev, what);
}

static int node_request(struct kernel *k, uint8_t cmd, const struct aegis_node *n,
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
		    const struct aegis_endpoint *endpoint, const uint8_t *via,
		    uint16_t keepalive, uint32_t flags)
{
	struct aegis_node n;
	char what[64], sid[9];
	int ret;

	memset(&n, 0, sizeof(n));
	memcpy(n.id, id, AEGIS_NODE_ID_LEN);
	if (endpoint) {
		if (endpoint->addr.family == AF_INET)
			AEGIS_SET(&n, AEGIS_NODE_A_ENDPOINT_IP4);
		else if (endpoint->addr.family == AF_INET6)
			AEGIS_SET(&n, AEGIS_NODE_A_ENDPOINT_IP6);
		else
			return kerr(k, -EAFNOSUPPORT,
				    "node %s: the endpoint is not an IPv4 or IPv6 address",
				    short_id(id, sid));
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

	snprintf(what, sizeof(what), "node add %s", short_id(id, sid));
	ret = node_request(k, AEGIS_CMD_NODE_NEW, &n, what);
	if (ret != -EEXIST)
		return ret;
	snprintf(what, sizeof(what), "node set %s", sid);
	return node_request(k, AEGIS_CMD_NODE_SET, &n, what);
}

int kernel_node_del(struct kernel *k, const uint8_t *id)
{
	struct aegis_node n;
	char what[64], sid[9];

	memset(&n, 0, sizeof(n));
	memcpy(n.id, id, AEGIS_NODE_ID_LEN);
	snprintf(what, sizeof(what), "node del %s", short_id(id, sid));
	return node_request(k, AEGIS_CMD_NODE_DEL, &n, what);
}

int kernel_node_get(struct kernel *k, const uint8_t *id, struct aegis_node *out)
{
	struct reply r = { .type = AEGIS_A_NODE, .node = out };
	struct aegis_node n;
	struct nl_msg *msg;
	char what[64], sid[9];
	int ret;

	memset(&n, 0, sizeof(n));
	memcpy(n.id, id, AEGIS_NODE_ID_LEN);
	snprintf(what, sizeof(what), "node get %s", short_id(id, sid));
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
		return kerr(k, -EBADMSG, "%s: the reply has no node", what);
	return 0;
}

static int key_request(struct kernel *k, uint8_t cmd, const struct aegis_key *key,
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

int kernel_key_new(struct kernel *k, const struct aegis_key *key)
{
	char what[64], sid[9];

	snprintf(what, sizeof(what), "key add %s", short_id(key->node_id, sid));
	return key_request(k, AEGIS_CMD_KEY_NEW, key, NULL, what);
}

int kernel_key_swap(struct kernel *k, const uint8_t *id)
{
	struct aegis_key key;
	char what[64], sid[9];

	memset(&key, 0, sizeof(key));
	memcpy(key.node_id, id, AEGIS_NODE_ID_LEN);
	snprintf(what, sizeof(what), "key swap %s", short_id(id, sid));
	return key_request(k, AEGIS_CMD_KEY_SWAP, &key, NULL, what);
}

int kernel_key_del(struct kernel *k, const uint8_t *id, uint8_t slot)
{
	struct aegis_key key;
	char what[64], sid[9];

	memset(&key, 0, sizeof(key));
	memcpy(key.node_id, id, AEGIS_NODE_ID_LEN);
	key.slot = slot;
	AEGIS_SET(&key, AEGIS_KEY_A_SLOT);
	snprintf(what, sizeof(what), "key del %s slot %u", short_id(id, sid), slot);
	return key_request(k, AEGIS_CMD_KEY_DEL, &key, NULL, what);
}

int kernel_key_get(struct kernel *k, const uint8_t *id, uint8_t slot,
		   struct aegis_key *out)
{
	struct reply r = { .type = AEGIS_A_KEY, .key = out };
	struct aegis_key key;
	char what[64], sid[9];
	int ret;

	memset(&key, 0, sizeof(key));
	memcpy(key.node_id, id, AEGIS_NODE_ID_LEN);
	key.slot = slot;
	AEGIS_SET(&key, AEGIS_KEY_A_SLOT);
	snprintf(what, sizeof(what), "key get %s slot %u", short_id(id, sid), slot);
	/* An empty slot: -ENOENT from the kernel ("the slot is empty"). */
	ret = key_request(k, AEGIS_CMD_KEY_GET, &key, &r, what);
	if (ret)
		return ret;
	if (!r.found)
		return kerr(k, -ENOENT, "%s: the slot is empty", what);
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
		char sid[9];

		snprintf(what, sizeof(what), "prefix %s %s node %s",
			 cmd == AEGIS_CMD_PREFIX_ADD ? "add" : "del", buf,
			 short_id(id, sid));
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
		return kerr(k, -EINVAL, "prefix add: no node");
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
	if (info.cmd < AEGIS_CMD_NTF_REKEY || info.cmd > AEGIS_CMD_NTF_SOCK_CLOSED)
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
		return kerr(k, -ENOENT, "notifications: module aegisray is not loaded");
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
			kerr(k, ret, "notifications: %s", k->events.errmsg);
		}
		if (ret && ret != -EBADMSG)
			break;		/* the socket itself is in trouble */
	}
	if (lost)
		return kerr(k, -ENOBUFS,
			    "notifications lost: the socket receive buffer overflowed");
	return first_err;
}
