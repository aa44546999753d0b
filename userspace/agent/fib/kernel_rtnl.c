// SPDX-License-Identifier: MIT
/*
 * rtnetlink through libnl-route-3: the aegisray device (create, MTU, up,
 * delete), its addresses and the OS routes through it.
 *
 * Errors: libnl reduces the kernel's errno to its own NLE_* codes, and
 * several errnos to one code. The rtnl socket therefore has an error
 * callback armed around each request that records the kernel's errno and
 * extended-ack message; the NLE_* code is only translated
 * (kernel_nlerr_to_errno) for failures that libnl itself produced.
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

#include "fib/kernel.h"
#include "fib/kernel_priv.h"

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
	return kernel_nlerr_to_errno(nlerr);
}

/* "WHAT: strerror (kernel: extack; HINT)", the parts in () as available. */
static int rtnl_fail(struct kernel *k, int ret, const struct rtnl_err *re,
		     const char *what, const char *hint)
{
	const char *msg = re && re->error == ret && re->ack.msg[0] ?
			  re->ack.msg : NULL;

	if (msg && hint)
		return kernel_errf(k, ret, "%s: %s (kernel: %s; %s)", what,
			    strerror(-ret), msg, hint);
	if (msg)
		return kernel_errf(k, ret, "%s: %s (kernel: %s)", what, strerror(-ret),
			    msg);
	if (hint)
		return kernel_errf(k, ret, "%s: %s (%s)", what, strerror(-ret), hint);
	return kernel_errf(k, ret, "%s: %s", what, strerror(-ret));
}

int kernel_rtnl_open(struct kernel *k)
{
	int one = 1;
	int ret;

	k->rtnl = nl_socket_alloc();
	if (!k->rtnl)
		return kernel_errf(k, -ENOMEM, "cannot allocate a netlink socket");
	ret = nl_connect(k->rtnl, NETLINK_ROUTE);
	if (ret < 0) {
		ret = kernel_nlerr_to_errno(ret);
		nl_socket_free(k->rtnl);
		k->rtnl = NULL;
		return kernel_errf(k, ret, "cannot open an rtnetlink socket: %s",
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
		return kernel_nlerr_to_errno(ret);
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
		return kernel_errf(k, -ENOMEM, "%s: out of memory", what);
	rtnl_link_set_name(link, name);
	ret = rtnl_link_set_type(link, AEGIS_LINK_KIND);
	if (ret < 0) {
		rtnl_link_put(link);
		return rtnl_fail(k, kernel_nlerr_to_errno(ret), NULL, what, NULL);
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
		return kernel_errf(k, -ENOMEM, "%s: out of memory", what);
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
		return kernel_errf(k, -ENOMEM, "%s: out of memory", what);
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


/* --- the device ------------------------------------------------------------ */

int kernel_dev_ensure(struct kernel *k, const char *ifname, uint32_t mtu)
{
	struct rtnl_link *link = NULL;
	bool created = false;
	const char *kind;
	uint32_t ifindex;
	int ret;

	if (!k->rtnl)
		return kernel_errf(k, -ENOTCONN, "kernel_open() first");
	if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ ||
	    strpbrk(ifname, "/: \t\n"))
		return kernel_errf(k, -EINVAL, "invalid interface name '%s'",
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
			return kernel_errf(k, ret, "%s: created, but gone again", ifname);
	}
	if (ret)
		return kernel_errf(k, ret, "look up %s: %s", ifname, strerror(-ret));

	ifindex = (uint32_t)rtnl_link_get_ifindex(link);
	kind = rtnl_link_get_type(link);
	if (!kind || strcmp(kind, AEGIS_LINK_KIND)) {
		kernel_errf(k, -EEXIST, "%s exists and is not an aegisray device (%s%s)",
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
		ret = kernel_genl_open(k);
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
		return kernel_errf(k, -ENOTCONN, "delete %s: kernel_open() first",
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
		return kernel_errf(k, -EAFNOSUPPORT, "%s address: not an IPv4 or IPv6 address",
			    add ? "add" : "delete");
	snprintf(what, sizeof(what), "%s address %s/%u %s %s",
		 add ? "add" : "delete", buf, plen, add ? "to" : "from",
		 k->ifname);
	if (plen > alen * 8)
		return kernel_errf(k, -EINVAL, "%s: prefix length too long", what);
	if (!k->rtnl || !k->ifindex)
		return kernel_errf(k, -ENODEV, "%s: no device (kernel_dev_ensure first)",
			    what);

	local = nl_addr_build(a->family, a->u.bytes, alen);
	addr = rtnl_addr_alloc();
	if (!local || !addr) {
		ret = kernel_errf(k, -ENOMEM, "%s: out of memory", what);
		goto out;
	}
	nl_addr_set_prefixlen(local, plen);
	rtnl_addr_set_ifindex(addr, (int)k->ifindex);
	ret = rtnl_addr_set_local(addr, local);	/* family and prefixlen too */
	if (ret < 0) {
		ret = rtnl_fail(k, kernel_nlerr_to_errno(ret), NULL, what, NULL);
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
		return kernel_errf(k, -EINVAL, "%s route: not an IPv4 or IPv6 prefix",
			    add ? "add" : "delete");
	snprintf(what, sizeof(what), "%s route %s dev %s", add ? "add" : "delete",
		 buf, k->ifname);
	if (!k->rtnl || !k->ifindex)
		return kernel_errf(k, -ENODEV, "%s: no device (kernel_dev_ensure first)",
			    what);

	dst = nl_addr_build(p->addr.family, p->addr.u.bytes, alen);
	route = rtnl_route_alloc();
	if (route)
		nh = rtnl_route_nh_alloc();
	if (!dst || !route || !nh) {
		ret = kernel_errf(k, -ENOMEM, "%s: out of memory", what);
		goto out;
	}
	nl_addr_set_prefixlen(dst, p->len);
	ret = rtnl_route_set_dst(route, dst);	/* and the family */
	if (ret < 0) {
		ret = rtnl_fail(k, kernel_nlerr_to_errno(ret), NULL, what, NULL);
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
