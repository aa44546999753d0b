/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Wire format constants: every byte layout and size the data plane puts on
 * or reads off the wire is defined here and nowhere else.
 *
 * A datagram on the shared UDP socket is classified by its first byte,
 * shaped like QUIC (RFC 9000, section 17):
 *
 *   1xxxxxxx  long header   -> control traffic, left to the agent
 *   01xxxxxx  short header  -> data packet, consumed by the kernel
 *   00xxxxxx  STUN (RFC 5389 message type has its top two bits clear)
 *                           -> left to the agent
 *
 * Data packet (short header):
 *
 *   0                   1                   2                   3
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |0|1|S|L R|K K K|  connection id = receiver index (64 bit) ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            ... connection id  |   packet number (low 32 bits) ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  ...  |  AEAD ciphertext ...                   | 16-byte tag   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  S: spin bit, random.  L: relay packet (below).  R: reserved, zero.
 *  K: key id (0..7).
 *  The 13 header bytes are the AEAD's associated data. The packet number is
 *  the low 32 bits of the 64-bit per-key counter; the receiver recovers the
 *  full value from the highest counter it has seen (RFC 9000, A.3).
 *  Nonce (96 bit) = 4-byte per-direction salt || 64-bit counter (big endian).
 *
 * The decrypted payload is one of:
 *   - empty: a keepalive;
 *   - an IPv4 or IPv6 packet (first nibble 4 or 6).
 *
 * Relay packet (L set): a hop-by-hop packet that carries an end-to-end data
 * packet (sealed with the final destination's key) to a relay. The hop
 * layer encrypts only the relay block; the inner packet's payload is never
 * encrypted twice, and relays never touch it:
 *
 *  | hdr (13) | relay block (47) | inner ciphertext ... | inner tag | hop tag |
 *              relay hdr (34): type, hop limit, destination node id
 *              inner hdr (13): the end-to-end data header
 *
 *  hop tag = AEAD(hop key, nonce(counter), AD = hdr || inner tag,
 *                 plaintext = relay block)
 *  The inner tag authenticates the inner packet end to end; binding it into
 *  the hop tag ties the whole frame to the hop key, so a relay forwards only
 *  frames a neighbour it trusts sealed for it.
 *
 * The relay that reaches the destination itself sends it the inner packet
 * alone (hdr | inner ciphertext | inner tag: a plain data packet), so the
 * last hop has no hop layer. A relay packet is never addressed to the node
 * it is sent to, and its inner header is always a plain data header (short
 * form, L and R clear).
 */
#ifndef _AEGIS_MESSAGES_H
#define _AEGIS_MESSAGES_H

#include <linux/types.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <uapi/linux/aegisray.h>

#define AEGIS_FORM_MASK		0xc0
#define AEGIS_FORM_SHORT	0x40	/* data */
#define AEGIS_SPIN_BIT		0x20
#define AEGIS_RELAY_BIT		0x10
#define AEGIS_RESERVED_MASK	0x08
#define AEGIS_KEY_ID_MASK	0x07

#define AEGIS_CID_LEN		8
#define AEGIS_PN_LEN		4
#define AEGIS_PN_WINDOW		(1ULL << (8 * AEGIS_PN_LEN))

struct aegis_data_hdr {
	u8 flags;
	__be64 cid;
	__be32 pn;
} __packed;

#define AEGIS_HDR_LEN		sizeof(struct aegis_data_hdr)	/* 13 */
#define AEGIS_TAG_LEN		16
#define AEGIS_NONCE_LEN		12
#define AEGIS_DATA_OVERHEAD	(AEGIS_HDR_LEN + AEGIS_TAG_LEN)	/* 29 */

/* Relay header: the start of a relay packet's relay block. */
#define AEGIS_RELAY_TYPE	0x01
struct aegis_relay_hdr {
	u8 type;
	u8 hop_limit;
	u8 dst[AEGIS_NODE_ID_LEN];
} __packed;

#define AEGIS_RELAY_HDR_LEN	sizeof(struct aegis_relay_hdr)	/* 34 */
#define AEGIS_RELAY_BLOCK_LEN	(AEGIS_RELAY_HDR_LEN + AEGIS_HDR_LEN)	/* 47 */
#define AEGIS_DEFAULT_HOP_LIMIT	8

/* Outer headers: IPv4 20 + UDP 8 = 28, IPv6 40 + UDP 8 = 48. */
#define AEGIS_OUTER_V4		(sizeof(struct iphdr) + sizeof(struct udphdr))
#define AEGIS_OUTER_V6		(sizeof(struct ipv6hdr) + sizeof(struct udphdr))

/*
 * MTU arithmetic, for a 1500-byte underlay:
 *   direct over IPv6:  1500 - 48 - 29 = 1423
 *   direct over IPv4:  1500 - 28 - 29 = 1443
 * The default 1420 fits a direct path over either family. A relayed frame
 * carries a second header, tag and the relay header (13 + 16 + 34 = 63
 * more, AEGIS_RELAY_OVERHEAD): the path MTU towards a node reached through
 * a relay is that much lower than the device MTU (send.c), so relayed
 * frames fit the same underlay (see docs/architecture.md).
 */
#define AEGIS_RELAY_OVERHEAD	(AEGIS_DATA_OVERHEAD + AEGIS_RELAY_HDR_LEN)	/* 63 */
#define AEGIS_DEFAULT_MTU	1420
#define AEGIS_MIN_MTU		576
#define AEGIS_MAX_MTU		(IP_MAX_MTU - AEGIS_OUTER_V6 - \
				 2 * AEGIS_DATA_OVERHEAD - AEGIS_RELAY_HDR_LEN)

#endif /* _AEGIS_MESSAGES_H */
