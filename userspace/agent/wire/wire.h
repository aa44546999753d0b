/* SPDX-License-Identifier: MIT */
/*
 * Control packets: the long-header form (first byte 1xxxxxxx) on the same
 * UDP socket as data. The kernel leaves these on the socket for the agent
 * (kernel/messages.h). Every size and offset of the control wire format is
 * here.
 *
 * Header (QUIC v1 long-header shaped, RFC 9000 17.2), 26 bytes:
 *
 *   0      first byte: 0xc0 | qtype << 4 | 4 random bits
 *   1..4   version 0x00000001
 *   5      DCID length (8)      6..13  DCID
 *   14     SCID length (8)      15..22 SCID
 *   23     message type (WIRE_MSG_*)
 *   24..25 body length, big endian (bytes after the header)
 *
 * qtype is 0 (Initial) for PROBE and INIT, 2 (Handshake) for HELLO, RESP,
 * CONFIRM and MESH, 3 (Retry) for COOKIE. The SCID is the sender's handshake
 * index; the DCID echoes the peer's SCID (random on a first packet).
 * Integers are big endian.
 *
 * Bodies:
 *   PROBE   zero padding; the whole datagram is at least WIRE_MIN_INITIAL.
 *   HELLO   u16 cert_len, cert (DER): "this is who answers here".
 *   INIT    u64 sender_index | u64 timestamp_ns | responder_id[32] |
 *           eph_pub[32] | u8 cipher_pref | u8 flags | routes |
 *           u16 cert_len, cert | u16 pad_len, zero pad |
 *           u16 sig_len, sig | mac1[16] | mac2[16]
 *           sig: RSA-PSS-SHA256 over bytes [0, offset of sig_len).
 *           pad makes the datagram at least WIRE_MIN_INITIAL bytes.
 *   RESP    u64 sender_index | u64 receiver_index | eph_pub[32] |
 *           u8 cipher | u8 flags | routes | u16 oaep_len, oaep |
 *           u16 cert_len, cert | u16 sig_len, sig | mac1[16] | mac2[16]
 *           oaep: 32-byte secret, RSA-OAEP-SHA256 to the initiator's key.
 *           sig: RSA-PSS-SHA256 over INIT[0, its mac1) || RESP[0, offset
 *           of sig_len).
 *   CONFIRM u64 sender_index (initiator's) | u64 receiver_index
 *           (responder's) | tag[32] = HMAC-SHA256(confirm_key,
 *           "aegisray confirm" || transcript hash)
 *   COOKIE  u64 receiver_index (the INIT's sender_index) | echo[16] (the
 *           INIT's mac1) | cookie[16]
 *   MESH    u64 packet_number | ciphertext | tag[16]: a bundle of mesh
 *           messages (wire_mesh.h) sealed with the session's mesh keys
 *           (chan/chan.h). DCID: the receiver's index of that session's
 *           key (its rx index), SCID: the sender's. The AEAD's associated
 *           data is the datagram's first WIRE_SEALED_AD_LEN bytes (header
 *           and packet number), its nonce the direction's 4-byte salt and
 *           the packet number.
 *
 *   routes: u8 count, then count x (u8 family 4|6, u8 prefix length,
 *           4 or 16 address bytes).
 *
 * mac1 = HMAC-SHA256(SHA-256("aegisray mac1" || receiver node id),
 *        bytes [0, mac1))[0..16]: cheap proof that the sender knows whom it
 *        talks to. mac2 = HMAC-SHA256(cookie, bytes [0, mac2))[0..16], or
 *        zero without a cookie.
 */
#ifndef AGENT_WIRE_H
#define AGENT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/aegisray.h>

#include "netaddr.h"

#define WIRE_HDR_LEN		26
#define WIRE_VERSION		0x00000001u
#define WIRE_CID_LEN		8
#define WIRE_MIN_INITIAL	1200	/* PROBE and INIT datagrams */
#define WIRE_MAX_DATAGRAM	4096
#define WIRE_MAC_LEN		16
#define WIRE_X25519_LEN		32
#define WIRE_SECRET_LEN		32	/* the OAEP-wrapped secret */
#define WIRE_TAG_LEN		32	/* CONFIRM */
#define WIRE_COOKIE_LEN		16
#define WIRE_AEAD_TAG_LEN	16	/* MESH */
#define WIRE_SEALED_AD_LEN	(WIRE_HDR_LEN + 8)
#define WIRE_SEALED_OVERHEAD	(WIRE_SEALED_AD_LEN + WIRE_AEAD_TAG_LEN)
#define WIRE_SEALED_MAX_PLAIN	(WIRE_MAX_DATAGRAM - WIRE_SEALED_OVERHEAD)
#define WIRE_MAX_ROUTES		64
#define WIRE_MAX_CERT		2048
#define WIRE_MAX_SIG		512	/* RSA-4096 */

#define WIRE_QTYPE_INITIAL	0
#define WIRE_QTYPE_HANDSHAKE	2
#define WIRE_QTYPE_RETRY	3

enum wire_msg {
	WIRE_MSG_PROBE = 1,
	WIRE_MSG_HELLO,
	WIRE_MSG_INIT,
	WIRE_MSG_RESP,
	WIRE_MSG_CONFIRM,
	WIRE_MSG_COOKIE,
	WIRE_MSG_MESH,
};

const char *wire_msg_name(unsigned int type);

struct wire_hdr {
	uint8_t msg;			/* enum wire_msg */
	uint8_t dcid[WIRE_CID_LEN];
	uint8_t scid[WIRE_CID_LEN];
	uint16_t body_len;
};

/* Parsed views point into the datagram; nothing is copied. */
struct wire_routes {
	unsigned int n;
	struct aegis_prefix p[WIRE_MAX_ROUTES];
};

struct wire_init {
	uint64_t sender_index;
	uint64_t timestamp;
	const uint8_t *responder_id;	/* 32 */
	const uint8_t *eph_pub;		/* 32 */
	uint8_t cipher_pref;
	uint8_t flags;
	struct wire_routes routes;
	const uint8_t *cert;
	size_t cert_len;
	const uint8_t *sig;
	size_t sig_len;
	size_t signed_len;		/* bytes [0, signed_len) are signed */
	size_t mac1_off;		/* offset of mac1 in the datagram */
	const uint8_t *mac1;
	const uint8_t *mac2;
};

struct wire_resp {
	uint64_t sender_index;
	uint64_t receiver_index;
	const uint8_t *eph_pub;
	uint8_t cipher;
	uint8_t flags;
	struct wire_routes routes;
	const uint8_t *oaep;
	size_t oaep_len;
	const uint8_t *cert;
	size_t cert_len;
	const uint8_t *sig;
	size_t sig_len;
	size_t signed_len;
	size_t mac1_off;
	const uint8_t *mac1;
	const uint8_t *mac2;
};

struct wire_confirm {
	uint64_t sender_index;
	uint64_t receiver_index;
	const uint8_t *tag;		/* 32 */
};

struct wire_cookie {
	uint64_t receiver_index;
	const uint8_t *echo;		/* 16 */
	const uint8_t *cookie;		/* 16 */
};

struct wire_hello {
	const uint8_t *cert;
	size_t cert_len;
};

struct wire_sealed {
	uint64_t dcid_index;		/* the receiver's rx index */
	uint64_t scid_index;		/* the sender's */
	uint64_t pn;
	const uint8_t *ct;		/* ciphertext and tag */
	size_t ct_len;			/* at least WIRE_AEAD_TAG_LEN */
};

/* Is this datagram a control packet (long header)? */
static inline bool wire_is_control(const uint8_t *buf, size_t len)
{
	return len >= 1 && (buf[0] & 0x80);
}

/*
 * Decoders: 0, or -EBADMSG for anything truncated, oversized, with
 * trailing bytes, a wrong version, wrong CID lengths or counts out of range.
 * Also refused: a body length other than the datagram's, a datagram over
 * WIRE_MAX_DATAGRAM, a qtype that does not go with the message type, an
 * unknown message type (wire_parse_hdr) or another one than the parser's,
 * routes of a family other than 4/6, with a prefix length over the
 * address size or host bits set, empty cert/oaep/sig fields, non-zero INIT
 * padding and an INIT datagram shorter than WIRE_MIN_INITIAL. The 4 low
 * bits of the first byte are ignored. A PROBE has only wire_parse_hdr().
 */
int wire_parse_hdr(const uint8_t *buf, size_t len, struct wire_hdr *hdr);
int wire_parse_init(const uint8_t *buf, size_t len, struct wire_init *m);
int wire_parse_resp(const uint8_t *buf, size_t len, struct wire_resp *m);
int wire_parse_confirm(const uint8_t *buf, size_t len, struct wire_confirm *m);
int wire_parse_cookie(const uint8_t *buf, size_t len, struct wire_cookie *m);
int wire_parse_hello(const uint8_t *buf, size_t len, struct wire_hello *m);
/* MESH: the header fields and a view of the ciphertext; the caller opens
 * it (chan_open). A ciphertext shorter than the tag is refused. */
int wire_parse_sealed(const uint8_t *buf, size_t len, struct wire_sealed *m);

/*
 * Encoder: a growing buffer. Functions append; on overflow they set
 * w->overflow and do nothing, so that callers check once at the end.
 */
struct wire_buf {
	uint8_t data[WIRE_MAX_DATAGRAM];
	size_t len;
	bool overflow;
};

/*
 * Writes the header with body length 0; wire_finish() fixes it up.
 * dcid or scid NULL: random. The low bits of the first byte are random
 * (RAND_bytes). An unknown msg sets overflow.
 */
void wire_begin(struct wire_buf *w, enum wire_msg msg, const uint8_t *dcid,
		const uint8_t *scid);
void wire_put_u8(struct wire_buf *w, uint8_t v);
void wire_put_u16(struct wire_buf *w, uint16_t v);
void wire_put_u64(struct wire_buf *w, uint64_t v);
void wire_put_bytes(struct wire_buf *w, const void *p, size_t n);
void wire_put_zeros(struct wire_buf *w, size_t n);
/* More than WIRE_MAX_ROUTES, or a prefix that does not encode (family,
 * length, host bits), sets overflow. */
void wire_put_routes(struct wire_buf *w, const struct aegis_prefix *p,
		     unsigned int n);
/* Sets the body length. 0, or -EMSGSIZE after an overflow. */
int wire_finish(struct wire_buf *w);

/* A PROBE datagram (padded; random DCID). */
int wire_build_probe(struct wire_buf *w, const uint8_t *scid);
/* A HELLO carrying cert. */
int wire_build_hello(struct wire_buf *w, const uint8_t *dcid,
		     const uint8_t *scid, const uint8_t *cert, size_t cert_len);
/*
 * A MESH datagram with room for plain_len bytes of plaintext and the tag:
 * *body points at that room (the datagram's first WIRE_SEALED_AD_LEN bytes
 * are the associated data). The caller seals in place. -EMSGSIZE if
 * plain_len is over WIRE_SEALED_MAX_PLAIN.
 */
int wire_build_sealed(struct wire_buf *w, uint64_t dcid_index,
		      uint64_t scid_index, uint64_t pn, size_t plain_len,
		      uint8_t **body);

#endif /* AGENT_WIRE_H */
