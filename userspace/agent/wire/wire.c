// SPDX-License-Identifier: MIT
/*
 * Control packet wire format (wire.h): strict decoders over a bounds
 * checked cursor, and the append-only encoder.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/rand.h>

#include "wire/cursor.h"
#include "wire/wire.h"

#define HDR_FORM_MASK	0xc0	/* long header, fixed bit */
#define HDR_QTYPE_SHIFT	4
#define HDR_QTYPE_MASK	0x03
#define HDR_RAND_MASK	0x0f

#define OFF_VERSION	1
#define OFF_DCID_LEN	5
#define OFF_DCID	6
#define OFF_SCID_LEN	14
#define OFF_SCID	15
#define OFF_MSG		23
#define OFF_BODY_LEN	24

_Static_assert(OFF_BODY_LEN + 2 == WIRE_HDR_LEN, "header layout");

const char *wire_msg_name(unsigned int type)
{
	switch (type) {
	case WIRE_MSG_PROBE:
		return "probe";
	case WIRE_MSG_HELLO:
		return "hello";
	case WIRE_MSG_INIT:
		return "init";
	case WIRE_MSG_RESP:
		return "resp";
	case WIRE_MSG_CONFIRM:
		return "confirm";
	case WIRE_MSG_COOKIE:
		return "cookie";
	case WIRE_MSG_MESH:
		return "mesh";
	default:
		return "unknown";
	}
}

/* The long-header packet type a message travels in; -1 if unknown. */
static int msg_qtype(unsigned int msg)
{
	switch (msg) {
	case WIRE_MSG_PROBE:
	case WIRE_MSG_INIT:
		return WIRE_QTYPE_INITIAL;
	case WIRE_MSG_HELLO:
	case WIRE_MSG_RESP:
	case WIRE_MSG_CONFIRM:
	case WIRE_MSG_MESH:
		return WIRE_QTYPE_HANDSHAKE;
	case WIRE_MSG_COOKIE:
		return WIRE_QTYPE_RETRY;
	default:
		return -1;
	}
}

/* ---- decoding ---------------------------------------------------------- */

int wire_parse_hdr(const uint8_t *buf, size_t len, struct wire_hdr *hdr)
{
	unsigned int qtype;
	int want_qtype;

	if (len < WIRE_HDR_LEN || len > WIRE_MAX_DATAGRAM)
		return -EBADMSG;
	if ((buf[0] & HDR_FORM_MASK) != HDR_FORM_MASK)
		return -EBADMSG;
	if (cursor_get_be32(buf + OFF_VERSION) != WIRE_VERSION)
		return -EBADMSG;
	if (buf[OFF_DCID_LEN] != WIRE_CID_LEN ||
	    buf[OFF_SCID_LEN] != WIRE_CID_LEN)
		return -EBADMSG;
	want_qtype = msg_qtype(buf[OFF_MSG]);
	qtype = (buf[0] >> HDR_QTYPE_SHIFT) & HDR_QTYPE_MASK;
	if (want_qtype < 0 || qtype != (unsigned int)want_qtype)
		return -EBADMSG;
	if (cursor_get_be16(buf + OFF_BODY_LEN) != len - WIRE_HDR_LEN)
		return -EBADMSG;

	hdr->msg = buf[OFF_MSG];
	memcpy(hdr->dcid, buf + OFF_DCID, WIRE_CID_LEN);
	memcpy(hdr->scid, buf + OFF_SCID, WIRE_CID_LEN);
	hdr->body_len = cursor_get_be16(buf + OFF_BODY_LEN);
	return 0;
}

/* Header of the expected type; the cursor is then at the body. */
static int cur_start(struct cursor *c, const uint8_t *buf, size_t len,
		     enum wire_msg msg)
{
	struct wire_hdr hdr;

	if (wire_parse_hdr(buf, len, &hdr) || hdr.msg != msg)
		return -EBADMSG;
	cursor_init(c, buf, len, WIRE_MAX_DATAGRAM);
	c->off = WIRE_HDR_LEN;
	return 0;
}

int wire_parse_init(const uint8_t *buf, size_t len, struct wire_init *m)
{
	struct cursor c;
	const uint8_t *pad;
	size_t pad_len;

	if (len < WIRE_MIN_INITIAL || cur_start(&c, buf, len, WIRE_MSG_INIT))
		return -EBADMSG;
	m->sender_index = cursor_u64(&c);
	m->timestamp = cursor_u64(&c);
	m->responder_id = cursor_take(&c, AEGIS_NODE_ID_LEN);
	m->eph_pub = cursor_take(&c, WIRE_X25519_LEN);
	m->cipher_pref = cursor_u8(&c);
	m->flags = cursor_u8(&c);
	cursor_routes(&c, &m->routes);
	m->cert = cursor_blob(&c, WIRE_MAX_CERT, &m->cert_len);
	pad_len = cursor_u16(&c);
	pad = cursor_take(&c, pad_len);
	if (c.bad || !cursor_all_zero(pad, pad_len))
		return -EBADMSG;
	m->signed_len = c.off;
	m->sig = cursor_blob(&c, WIRE_MAX_SIG, &m->sig_len);
	m->mac1_off = c.off;
	m->mac1 = cursor_take(&c, WIRE_MAC_LEN);
	m->mac2 = cursor_take(&c, WIRE_MAC_LEN);
	return cursor_end(&c);
}

int wire_parse_resp(const uint8_t *buf, size_t len, struct wire_resp *m)
{
	struct cursor c;

	if (cur_start(&c, buf, len, WIRE_MSG_RESP))
		return -EBADMSG;
	m->sender_index = cursor_u64(&c);
	m->receiver_index = cursor_u64(&c);
	m->eph_pub = cursor_take(&c, WIRE_X25519_LEN);
	m->cipher = cursor_u8(&c);
	m->flags = cursor_u8(&c);
	cursor_routes(&c, &m->routes);
	m->oaep = cursor_blob(&c, WIRE_MAX_SIG, &m->oaep_len);
	m->cert = cursor_blob(&c, WIRE_MAX_CERT, &m->cert_len);
	if (c.bad)
		return -EBADMSG;
	m->signed_len = c.off;
	m->sig = cursor_blob(&c, WIRE_MAX_SIG, &m->sig_len);
	m->mac1_off = c.off;
	m->mac1 = cursor_take(&c, WIRE_MAC_LEN);
	m->mac2 = cursor_take(&c, WIRE_MAC_LEN);
	return cursor_end(&c);
}

int wire_parse_confirm(const uint8_t *buf, size_t len, struct wire_confirm *m)
{
	struct cursor c;

	if (cur_start(&c, buf, len, WIRE_MSG_CONFIRM))
		return -EBADMSG;
	m->sender_index = cursor_u64(&c);
	m->receiver_index = cursor_u64(&c);
	m->tag = cursor_take(&c, WIRE_TAG_LEN);
	return cursor_end(&c);
}

int wire_parse_cookie(const uint8_t *buf, size_t len, struct wire_cookie *m)
{
	struct cursor c;

	if (cur_start(&c, buf, len, WIRE_MSG_COOKIE))
		return -EBADMSG;
	m->receiver_index = cursor_u64(&c);
	m->echo = cursor_take(&c, WIRE_MAC_LEN);
	m->cookie = cursor_take(&c, WIRE_COOKIE_LEN);
	return cursor_end(&c);
}

int wire_parse_hello(const uint8_t *buf, size_t len, struct wire_hello *m)
{
	struct cursor c;

	if (cur_start(&c, buf, len, WIRE_MSG_HELLO))
		return -EBADMSG;
	m->cert = cursor_blob(&c, WIRE_MAX_CERT, &m->cert_len);
	return cursor_end(&c);
}

int wire_parse_sealed(const uint8_t *buf, size_t len, struct wire_sealed *m)
{
	struct cursor c;

	if (cur_start(&c, buf, len, WIRE_MSG_MESH))
		return -EBADMSG;
	m->dcid_index = cursor_get_be64(buf + OFF_DCID);
	m->scid_index = cursor_get_be64(buf + OFF_SCID);
	m->pn = cursor_u64(&c);
	cursor_require(&c, len >= WIRE_SEALED_OVERHEAD);
	m->ct_len = len >= WIRE_SEALED_AD_LEN ? len - WIRE_SEALED_AD_LEN : 0;
	m->ct = cursor_take(&c, m->ct_len);
	return cursor_end(&c);
}

/* ---- encoding ---------------------------------------------------------- */

static uint8_t *put_reserve(struct wire_buf *w, size_t n)
{
	uint8_t *p;

	if (w->overflow || n > sizeof(w->data) - w->len) {
		w->overflow = true;
		return NULL;
	}
	p = w->data + w->len;
	w->len += n;
	return p;
}

void wire_begin(struct wire_buf *w, enum wire_msg msg, const uint8_t *dcid,
		const uint8_t *scid)
{
	int qtype = msg_qtype(msg);
	uint8_t cids[2 * WIRE_CID_LEN];
	uint8_t rnd = 0;

	w->len = 0;
	w->overflow = false;
	if (qtype < 0) {
		w->overflow = true;
		return;
	}
	/* Random low bits and CIDs: not secret, a failure is harmless. */
	if (RAND_bytes(&rnd, 1) != 1)
		rnd = 0;
	if ((!dcid || !scid) && RAND_bytes(cids, sizeof(cids)) != 1)
		memset(cids, 0, sizeof(cids));

	wire_put_u8(w, (uint8_t)(HDR_FORM_MASK | qtype << HDR_QTYPE_SHIFT |
				 (rnd & HDR_RAND_MASK)));
	wire_put_u8(w, (uint8_t)(WIRE_VERSION >> 24));
	wire_put_u8(w, (uint8_t)(WIRE_VERSION >> 16));
	wire_put_u8(w, (uint8_t)(WIRE_VERSION >> 8));
	wire_put_u8(w, (uint8_t)WIRE_VERSION);
	wire_put_u8(w, WIRE_CID_LEN);
	wire_put_bytes(w, dcid ? dcid : cids, WIRE_CID_LEN);
	wire_put_u8(w, WIRE_CID_LEN);
	wire_put_bytes(w, scid ? scid : cids + WIRE_CID_LEN, WIRE_CID_LEN);
	wire_put_u8(w, (uint8_t)msg);
	wire_put_u16(w, 0);
}

void wire_put_u8(struct wire_buf *w, uint8_t v)
{
	uint8_t *p = put_reserve(w, 1);

	if (p)
		p[0] = v;
}

void wire_put_u16(struct wire_buf *w, uint16_t v)
{
	uint8_t *p = put_reserve(w, 2);

	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

void wire_put_u64(struct wire_buf *w, uint64_t v)
{
	uint8_t *p = put_reserve(w, 8);
	int i;

	if (!p)
		return;
	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

void wire_put_bytes(struct wire_buf *w, const void *src, size_t n)
{
	uint8_t *p = put_reserve(w, n);

	if (p && n)
		memcpy(p, src, n);
}

void wire_put_zeros(struct wire_buf *w, size_t n)
{
	uint8_t *p = put_reserve(w, n);

	if (p && n)
		memset(p, 0, n);
}

void wire_put_routes(struct wire_buf *w, const struct aegis_prefix *p,
		     unsigned int n)
{
	unsigned int i;

	if (n > WIRE_MAX_ROUTES) {
		w->overflow = true;
		return;
	}
	wire_put_u8(w, (uint8_t)n);
	for (i = 0; i < n; i++) {
		size_t alen = aegis_addr_len(p[i].addr.family);

		/* Not encodable: refuse rather than send what peers reject. */
		if (!aegis_prefix_valid(&p[i])) {
			w->overflow = true;
			return;
		}
		wire_put_u8(w, p[i].addr.family == AF_INET ? 4 : 6);
		wire_put_u8(w, p[i].len);
		wire_put_bytes(w, p[i].addr.u.bytes, alen);
	}
}

int wire_finish(struct wire_buf *w)
{
	size_t body;

	if (w->overflow || w->len < WIRE_HDR_LEN)
		return -EMSGSIZE;
	body = w->len - WIRE_HDR_LEN;
	w->data[OFF_BODY_LEN] = (uint8_t)(body >> 8);
	w->data[OFF_BODY_LEN + 1] = (uint8_t)body;
	return 0;
}

int wire_build_probe(struct wire_buf *w, const uint8_t *scid)
{
	wire_begin(w, WIRE_MSG_PROBE, NULL, scid);
	wire_put_zeros(w, WIRE_MIN_INITIAL - WIRE_HDR_LEN);
	return wire_finish(w);
}

int wire_build_sealed(struct wire_buf *w, uint64_t dcid_index,
		      uint64_t scid_index, uint64_t pn, size_t plain_len,
		      uint8_t **body)
{
	uint8_t dcid[WIRE_CID_LEN], scid[WIRE_CID_LEN];
	int i;

	*body = NULL;
	if (plain_len > WIRE_SEALED_MAX_PLAIN)
		return -EMSGSIZE;
	for (i = 0; i < WIRE_CID_LEN; i++) {
		dcid[i] = (uint8_t)(dcid_index >> (56 - 8 * i));
		scid[i] = (uint8_t)(scid_index >> (56 - 8 * i));
	}
	wire_begin(w, WIRE_MSG_MESH, dcid, scid);
	wire_put_u64(w, pn);
	*body = put_reserve(w, plain_len + WIRE_AEAD_TAG_LEN);
	if (wire_finish(w)) {
		*body = NULL;
		return -EMSGSIZE;
	}
	return 0;
}

int wire_build_hello(struct wire_buf *w, const uint8_t *dcid,
		     const uint8_t *scid, const uint8_t *cert, size_t cert_len)
{
	if (!cert_len || cert_len > WIRE_MAX_CERT)
		return -EMSGSIZE;
	wire_begin(w, WIRE_MSG_HELLO, dcid, scid);
	wire_put_u16(w, (uint16_t)cert_len);
	wire_put_bytes(w, cert, cert_len);
	return wire_finish(w);
}
