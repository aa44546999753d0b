/* SPDX-License-Identifier: MIT */
/*
 * Demultiplexing by first byte. The kernel keeps data packets (short
 * header) for itself; what reaches the agent is
 *   1xxxxxxx  a control packet (QUIC long-header shaped): the session;
 *   00xxxxxx  with the STUN magic cookie: STUN (RFC 8489), not used yet;
 *   anything else: garbage, counted.
 */
#ifndef AGENT_TRANSPORT_DEMUX_H
#define AGENT_TRANSPORT_DEMUX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct agent;

enum demux_kind {
	DEMUX_CONTROL,
	DEMUX_STUN,
	DEMUX_GARBAGE,
};

/* Which family a datagram belongs to (pure: bytes only). */
enum demux_kind demux_classify(const uint8_t *buf, size_t len);
/* Hand it to its handler. */
void demux_datagram(struct agent *a, const uint8_t *buf, size_t len,
		    const struct sockaddr *src, socklen_t srclen);

#endif /* AGENT_TRANSPORT_DEMUX_H */
