// SPDX-License-Identifier: MIT
/*
 * aegisctl bind: create a UDP socket, hand it to the device (DEV_SET with
 * AEGIS_DEV_A_SOCK_FD) and keep it open until SIGTERM/SIGINT/SIGHUP; the
 * kernel detaches the socket when its owner closes it.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ctl.h"

/* Bind a UDP socket to the wildcard address and port. Returns fd or -errno. */
static int open_udp(int family, uint16_t port, uint16_t *bound_port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_any;
		len = sizeof(*sin6);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		goto fail;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		goto fail;
	*bound_port = ntohs(family == AF_INET ?
			    ((struct sockaddr_in *)&ss)->sin_port :
			    ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;

fail:
	{
		int err = -errno;

		close(fd);
		return err;
	}
}

int ctl_cmd_bind(struct aegis_genl *g, const struct ctl_req *req)
{
	struct ctl_req set = *req;
	struct nl_msg *msg;
	sigset_t sigs;
	uint16_t port = 0;
	char what[64];
	int fd, ret, sig;

	snprintf(what, sizeof(what), "bind %s", req->dev_arg);
	/* Blocked from the start: a signal during setup is taken afterwards. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL))
		return ctl_fail(what, "sigprocmask: %s", strerror(errno));

	fd = open_udp(req->bind_family, req->bind_port, &port);
	if (fd < 0)
		return ctl_fail(what, "cannot bind a UDP%s socket to port %u: %s",
				req->bind_family == AF_INET ? "v4" : "v6",
				req->bind_port, strerror(-fd));

	set.op = CTL_OP_DEV_SET;
	memset(&set.devset, 0, sizeof(set.devset));
	set.devset.sock_fd = fd;
	AEGIS_SET(&set.devset, AEGIS_DEV_A_SOCK_FD);
	msg = ctl_build_change(&set, g->family, &ret);
	if (!msg) {
		close(fd);
		return ctl_fail(what, "cannot build the request: %s", strerror(-ret));
	}
	ret = aegis_genl_request(g, msg, NULL, NULL);
	nlmsg_free(msg);
	if (ret) {
		close(fd);
		return ctl_fail(what, "%s", g->errmsg);
	}
	if (g->ack.msg[0])
		ctl_warn("%s: kernel: %s", what, g->ack.msg);
	aegis_genl_close(g);	/* only the UDP socket is held from now on */

	printf("bound %s port %u\n", req->dev_arg, port);
	if (fflush(stdout) || ferror(stdout)) {
		close(fd);
		return ctl_fail(what, "cannot write to standard output");
	}
	if (!req->fd_only) {
		do {
			ret = sigwait(&sigs, &sig);
		} while (ret == EINTR);
	}
	close(fd);
	return CTL_EXIT_OK;
}
