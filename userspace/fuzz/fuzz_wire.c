// SPDX-License-Identifier: MIT
/*
 * Fuzzes the control packet decoders of wire/wire.c with whole datagrams:
 * wire_parse_hdr() and every message parser (INIT, RESP, CONFIRM, COOKIE,
 * HELLO) on the same bytes.
 *
 * Checks: at most one message parser accepts a datagram, the one its
 * header names; what a parser accepted lies within the datagram (views,
 * signed span, mac offsets) and holds only valid routes; and it encodes
 * back with the wire_put_*() encoder to the very same bytes (the low four
 * bits of the first byte are random by design and not compared).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "harness.h"
#include "wire/cursor.h"
#include "wire/wire.h"

static const uint8_t *g_buf;
static size_t g_len;

/* p[0, n) lies inside the datagram. */
static bool inside(const uint8_t *p, size_t n)
{
	return p && p >= g_buf && n <= g_len && (size_t)(p - g_buf) <= g_len - n;
}

static void check_routes(const struct wire_routes *r)
{
	unsigned int i;

	FUZZ_CHECK(r->n <= WIRE_MAX_ROUTES);
	for (i = 0; i < r->n; i++)
		FUZZ_CHECK(aegis_prefix_valid(&r->p[i]));
}

/* The encoder's datagram against the input, random header bits aside. */
static void check_same(struct wire_buf *w)
{
	FUZZ_CHECK(wire_finish(w) == 0);
	FUZZ_CHECK(w->len == g_len);
	FUZZ_CHECK((w->data[0] & 0xf0) == (g_buf[0] & 0xf0));
	FUZZ_CHECK(!memcmp(w->data + 1, g_buf + 1, g_len - 1));
}

static void check_init(const struct wire_hdr *h, const struct wire_init *m)
{
	static struct wire_buf w;
	const uint8_t *pad_field;
	size_t pad_len;

	FUZZ_CHECK(g_len >= WIRE_MIN_INITIAL);
	FUZZ_CHECK(inside(m->responder_id, AEGIS_NODE_ID_LEN));
	FUZZ_CHECK(inside(m->eph_pub, WIRE_X25519_LEN));
	FUZZ_CHECK(m->cert_len >= 1 && m->cert_len <= WIRE_MAX_CERT);
	FUZZ_CHECK(inside(m->cert, m->cert_len));
	FUZZ_CHECK(m->sig_len >= 1 && m->sig_len <= WIRE_MAX_SIG);
	FUZZ_CHECK(inside(m->sig, m->sig_len));
	FUZZ_CHECK(m->sig == g_buf + m->signed_len + 2);
	FUZZ_CHECK(m->mac1_off == m->signed_len + 2 + m->sig_len);
	FUZZ_CHECK(m->mac1 == g_buf + m->mac1_off);
	FUZZ_CHECK(m->mac2 == m->mac1 + WIRE_MAC_LEN);
	FUZZ_CHECK(m->mac1_off + 2 * WIRE_MAC_LEN == g_len);
	check_routes(&m->routes);

	/* The padding runs from after the certificate to the signed end. */
	pad_field = m->cert + m->cert_len;
	pad_len = (size_t)(g_buf + m->signed_len - pad_field) - 2;
	FUZZ_CHECK(cursor_get_be16(pad_field) == pad_len);

	wire_begin(&w, WIRE_MSG_INIT, h->dcid, h->scid);
	wire_put_u64(&w, m->sender_index);
	wire_put_u64(&w, m->timestamp);
	wire_put_bytes(&w, m->responder_id, AEGIS_NODE_ID_LEN);
	wire_put_bytes(&w, m->eph_pub, WIRE_X25519_LEN);
	wire_put_u8(&w, m->cipher_pref);
	wire_put_u8(&w, m->flags);
	wire_put_routes(&w, m->routes.p, m->routes.n);
	wire_put_u16(&w, (uint16_t)m->cert_len);
	wire_put_bytes(&w, m->cert, m->cert_len);
	wire_put_u16(&w, (uint16_t)pad_len);
	wire_put_zeros(&w, pad_len);
	FUZZ_CHECK(w.len == m->signed_len);
	wire_put_u16(&w, (uint16_t)m->sig_len);
	wire_put_bytes(&w, m->sig, m->sig_len);
	wire_put_bytes(&w, m->mac1, WIRE_MAC_LEN);
	wire_put_bytes(&w, m->mac2, WIRE_MAC_LEN);
	check_same(&w);
}

static void check_resp(const struct wire_hdr *h, const struct wire_resp *m)
{
	static struct wire_buf w;

	FUZZ_CHECK(inside(m->eph_pub, WIRE_X25519_LEN));
	FUZZ_CHECK(m->oaep_len >= 1 && m->oaep_len <= WIRE_MAX_SIG);
	FUZZ_CHECK(inside(m->oaep, m->oaep_len));
	FUZZ_CHECK(m->cert_len >= 1 && m->cert_len <= WIRE_MAX_CERT);
	FUZZ_CHECK(inside(m->cert, m->cert_len));
	FUZZ_CHECK(m->cert + m->cert_len == g_buf + m->signed_len);
	FUZZ_CHECK(m->sig_len >= 1 && m->sig_len <= WIRE_MAX_SIG);
	FUZZ_CHECK(inside(m->sig, m->sig_len));
	FUZZ_CHECK(m->mac1_off == m->signed_len + 2 + m->sig_len);
	FUZZ_CHECK(m->mac1 == g_buf + m->mac1_off);
	FUZZ_CHECK(m->mac1_off + 2 * WIRE_MAC_LEN == g_len);
	check_routes(&m->routes);

	wire_begin(&w, WIRE_MSG_RESP, h->dcid, h->scid);
	wire_put_u64(&w, m->sender_index);
	wire_put_u64(&w, m->receiver_index);
	wire_put_bytes(&w, m->eph_pub, WIRE_X25519_LEN);
	wire_put_u8(&w, m->cipher);
	wire_put_u8(&w, m->flags);
	wire_put_routes(&w, m->routes.p, m->routes.n);
	wire_put_u16(&w, (uint16_t)m->oaep_len);
	wire_put_bytes(&w, m->oaep, m->oaep_len);
	wire_put_u16(&w, (uint16_t)m->cert_len);
	wire_put_bytes(&w, m->cert, m->cert_len);
	FUZZ_CHECK(w.len == m->signed_len);
	wire_put_u16(&w, (uint16_t)m->sig_len);
	wire_put_bytes(&w, m->sig, m->sig_len);
	wire_put_bytes(&w, m->mac1, WIRE_MAC_LEN);
	wire_put_bytes(&w, m->mac2, WIRE_MAC_LEN);
	check_same(&w);
}

static void check_confirm(const struct wire_hdr *h,
			  const struct wire_confirm *m)
{
	static struct wire_buf w;

	FUZZ_CHECK(inside(m->tag, WIRE_TAG_LEN));
	wire_begin(&w, WIRE_MSG_CONFIRM, h->dcid, h->scid);
	wire_put_u64(&w, m->sender_index);
	wire_put_u64(&w, m->receiver_index);
	wire_put_bytes(&w, m->tag, WIRE_TAG_LEN);
	check_same(&w);
}

static void check_cookie(const struct wire_hdr *h, const struct wire_cookie *m)
{
	static struct wire_buf w;

	FUZZ_CHECK(inside(m->echo, WIRE_MAC_LEN));
	FUZZ_CHECK(inside(m->cookie, WIRE_COOKIE_LEN));
	wire_begin(&w, WIRE_MSG_COOKIE, h->dcid, h->scid);
	wire_put_u64(&w, m->receiver_index);
	wire_put_bytes(&w, m->echo, WIRE_MAC_LEN);
	wire_put_bytes(&w, m->cookie, WIRE_COOKIE_LEN);
	check_same(&w);
}

static void check_hello(const struct wire_hdr *h, const struct wire_hello *m)
{
	static struct wire_buf w;

	FUZZ_CHECK(m->cert_len >= 1 && m->cert_len <= WIRE_MAX_CERT);
	FUZZ_CHECK(inside(m->cert, m->cert_len));
	FUZZ_CHECK(wire_build_hello(&w, h->dcid, h->scid, m->cert,
				    m->cert_len) == 0);
	check_same(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_confirm confirm;
	struct wire_cookie cookie;
	struct wire_hello hello;
	struct wire_init init;
	struct wire_resp resp;
	struct wire_hdr h;
	unsigned int ok = 0;
	int hdr_ret;

	g_buf = data;
	g_len = size;
	hdr_ret = wire_parse_hdr(data, size, &h);
	FUZZ_CHECK(hdr_ret == 0 || hdr_ret == -EBADMSG);
	if (!hdr_ret) {
		FUZZ_CHECK(wire_is_control(data, size));
		FUZZ_CHECK((size_t)h.body_len + WIRE_HDR_LEN == size);
		FUZZ_CHECK(size <= WIRE_MAX_DATAGRAM);
		FUZZ_CHECK(strcmp(wire_msg_name(h.msg), "unknown"));
	}

	if (!wire_parse_init(data, size, &init)) {
		FUZZ_CHECK(!hdr_ret && h.msg == WIRE_MSG_INIT);
		check_init(&h, &init);
		ok++;
	}
	if (!wire_parse_resp(data, size, &resp)) {
		FUZZ_CHECK(!hdr_ret && h.msg == WIRE_MSG_RESP);
		check_resp(&h, &resp);
		ok++;
	}
	if (!wire_parse_confirm(data, size, &confirm)) {
		FUZZ_CHECK(!hdr_ret && h.msg == WIRE_MSG_CONFIRM);
		check_confirm(&h, &confirm);
		ok++;
	}
	if (!wire_parse_cookie(data, size, &cookie)) {
		FUZZ_CHECK(!hdr_ret && h.msg == WIRE_MSG_COOKIE);
		check_cookie(&h, &cookie);
		ok++;
	}
	if (!wire_parse_hello(data, size, &hello)) {
		FUZZ_CHECK(!hdr_ret && h.msg == WIRE_MSG_HELLO);
		check_hello(&h, &hello);
		ok++;
	}
	FUZZ_CHECK(ok <= 1);
	return 0;
}
