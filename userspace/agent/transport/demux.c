// SPDX-License-Identifier: MIT
/* Demultiplexing of what the UDP socket gives the agent (demux.h). */
#include <string.h>

#include "core/agent.h"
#include "session/session.h"
#include "transport/demux.h"
#include "wire/wire.h"

/* RFC 8489 6: first two bits zero, magic cookie at bytes 4..7. */
#define STUN_HDR_LEN		20
#define STUN_MAGIC		0x2112a442u

enum demux_kind demux_classify(const uint8_t *buf, size_t len)
{
	if (wire_is_control(buf, len))
		return DEMUX_CONTROL;
	if (len >= STUN_HDR_LEN && !(buf[0] & 0xc0) &&
	    ((uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 |
	     (uint32_t)buf[6] << 8 | buf[7]) == STUN_MAGIC)
		return DEMUX_STUN;
	return DEMUX_GARBAGE;
}

void demux_datagram(struct agent *a, const uint8_t *buf, size_t len,
		    const struct sockaddr *src, socklen_t srclen)
{
	switch (demux_classify(buf, len)) {
	case DEMUX_CONTROL:
		session_on_datagram(a, buf, len, src, srclen);
		break;
	case DEMUX_STUN:
		a->stats.stun++;	/* no STUN client or server yet */
		break;
	case DEMUX_GARBAGE:
		a->stats.garbage++;
		break;
	}
}
