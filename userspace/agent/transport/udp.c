// SPDX-License-Identifier: MIT
/* The one UDP socket (udp.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/agent.h"
#include "core/log.h"
#include "transport/addr.h"
#include "transport/demux.h"
#include "transport/udp.h"
#include "wire/wire.h"

/* Datagrams per recvmmsg call, and calls per readiness event. */
#define UDP_BATCH	16
#define UDP_BUDGET	16

int udp_open(struct agent *a)
{
	struct sockaddr_in6 sin6;
	socklen_t len = sizeof(sin6);
	int off = 0, fd, err;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("UDP socket: %s", strerror(errno));
		return -errno;
	}
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) {
		log_err("UDP socket: IPV6_V6ONLY: %s", strerror(errno));
		goto err_close;
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_any;
	sin6.sin6_port = htons(a->cfg.listen_port);
	if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		log_err("bind UDP port %u: %s", a->cfg.listen_port,
			strerror(errno));
		goto err_close;
	}
	if (getsockname(fd, (struct sockaddr *)&sin6, &len) == 0)
		a->port = ntohs(sin6.sin6_port);
	a->udp_fd = fd;
	return 0;

err_close:
	err = -errno;
	close(fd);
	return err;
}

void udp_read(struct agent *a)
{
	static uint8_t bufs[UDP_BATCH][WIRE_MAX_DATAGRAM];
	struct sockaddr_storage src[UDP_BATCH];
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	unsigned int round, i;

	for (round = 0; round < UDP_BUDGET; round++) {
		int n;

		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < UDP_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &src[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(src[i]);
		}
		n = recvmmsg(a->udp_fd, msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("receive: %s", strerror(errno));
			return;
		}
		for (i = 0; i < (unsigned int)n; i++) {
			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				a->stats.garbage++;
				continue;
			}
			demux_datagram(a, bufs[i], msgs[i].msg_len,
				       (struct sockaddr *)&src[i],
				       msgs[i].msg_hdr.msg_namelen);
		}
		if (n < UDP_BATCH)
			return;
	}
}

int udp_send(struct agent *a, const struct sockaddr *dst, const uint8_t *buf,
	     size_t n)
{
	struct sockaddr_storage ss;
	socklen_t sslen;

	addr_to_socket(dst, &ss, &sslen);
	if (sendto(a->udp_fd, buf, n, 0, (struct sockaddr *)&ss, sslen) < 0) {
		char s[AEGIS_ENDPOINT_STRSIZE];
		int err = -errno;

		a->stats.send_errors++;
		log_debug("send to %s: %s", addr_str(dst, s, sizeof(s)),
			  strerror(errno));
		return err;
	}
	return 0;
}
