// SPDX-License-Identifier: MIT
/*
 * The agent's only path to the kernel, in three files: kernel_rtnl.c
 * (rtnetlink through libnl-route-3: the device, its addresses, OS routes),
 * kernel_genl.c (the aegisray generic netlink family through common/genl.c
 * and common/aegis_nl.c: the socket, nodes, keys, prefixes, notifications)
 * and this one (opening both, and the error helpers they share).
 *
 * Loading the module: kernel_open() resolves the family, which makes the
 * kernel load the module through its genl alias when it is installed. If
 * the family is still missing, kernel_open() succeeds with the genl sockets
 * closed, and kernel_dev_ensure() creates the device (the rtnl alias loads
 * the module) and opens them then. So "open, ensure, bind" works whether
 * the module was loaded beforehand or not.
 *
 * Only the fib reconciler (fib.c) and the session's key slots call these.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/socket.h>

#include "fib/kernel.h"
#include "fib/kernel_priv.h"

/* Write the reason for a failure to k->err; returns ret. */
int kernel_errf(struct kernel *k, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->err, sizeof(k->err), fmt, ap);
	va_end(ap);
	return ret;
}


/* libnl's own error codes (not the kernel's, see rtnl_err) to errno. */
int kernel_nlerr_to_errno(int nlerr)
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

int kernel_open(struct kernel *k)
{
	int ret;

	memset(k, 0, sizeof(*k));
	ret = kernel_rtnl_open(k);
	if (ret)
		return ret;
	ret = kernel_genl_open(k);
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
	kernel_genl_close(k);
	if (k->rtnl)
		nl_socket_free(k->rtnl);
	k->rtnl = NULL;
}
