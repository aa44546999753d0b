/* SPDX-License-Identifier: MIT */
/*
 * The one UDP socket (IPv6 with v4-mapped addresses, shared with the
 * kernel's data path: it takes data packets and leaves control packets to
 * us). udp_read() drains it with recvmmsg and hands each datagram to the
 * demultiplexer; udp_send() is the only way anything leaves.
 */
#ifndef AGENT_TRANSPORT_UDP_H
#define AGENT_TRANSPORT_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct agent;

/* Bind a->cfg.listen_port; sets a->udp_fd and a->port. 0 or -errno. */
int udp_open(struct agent *a);
/* Read what is queued (a bounded batch) and demultiplex it. */
void udp_read(struct agent *a);
/* Send one datagram to dst (IPv4 is mapped). 0 or -errno. */
int udp_send(struct agent *a, const struct sockaddr *dst, const uint8_t *buf,
	     size_t n);

#endif /* AGENT_TRANSPORT_UDP_H */
