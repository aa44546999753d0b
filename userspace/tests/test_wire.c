// SPDX-License-Identifier: MIT
/* Unit tests: userspace/agent/wire/wire.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "wire/wire.h"

#define FUZZ_ROUNDS	10000

static const uint8_t dcid[WIRE_CID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t scid[WIRE_CID_LEN] = { 9, 10, 11, 12, 13, 14, 15, 16 };

/* Deterministic generator (xorshift64*): the fuzz runs are repeatable. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void set_prefix(struct aegis_prefix *p, int family, const char *bytes,
		       uint8_t len)
{
	memset(p, 0, sizeof(*p));
	p->addr.family = family;
	memcpy(p->addr.u.bytes, bytes, family == AF_INET ? 4 : 16);
	p->len = len;
}

static void sample_routes(struct aegis_prefix r[3])
{
	set_prefix(&r[0], AF_INET, "\x0a\x01\x00\x00", 16);
	set_prefix(&r[1], AF_INET6,
		   "\xfd\x00\x00\x01\x00\x00\x00\x00"
		   "\x00\x00\x00\x00\x00\x00\x00\x00", 64);
	set_prefix(&r[2], AF_INET, "\xc0\xa8\x01\x07", 32);
}

struct init_opts {
	size_t cert_len;
	size_t sig_len;
	unsigned int n_routes;
};

/* An INIT as hs_init_create lays it out, with made-up contents. */
static void build_init(struct wire_buf *w, const struct init_opts *o)
{
	uint8_t blob[WIRE_MAX_CERT + 64], id[32], eph[32];
	struct aegis_prefix r[3];
	size_t fixed;

	fill(blob, sizeof(blob), 0x40);
	fill(id, sizeof(id), 0x11);
	fill(eph, sizeof(eph), 0x22);
	sample_routes(r);
	wire_begin(w, WIRE_MSG_INIT, dcid, scid);
	wire_put_u64(w, 0x0102030405060708ULL);
	wire_put_u64(w, 0x1122334455667788ULL);
	wire_put_bytes(w, id, sizeof(id));
	wire_put_bytes(w, eph, sizeof(eph));
	wire_put_u8(w, AEGIS_CIPHER_CHACHA20POLY1305);
	wire_put_u8(w, 0x5a);
	wire_put_routes(w, r, o->n_routes);
	wire_put_u16(w, (uint16_t)o->cert_len);
	wire_put_bytes(w, blob, o->cert_len);
	fixed = w->len + 4 + o->sig_len + 2 * WIRE_MAC_LEN;
	if (fixed < WIRE_MIN_INITIAL) {
		wire_put_u16(w, (uint16_t)(WIRE_MIN_INITIAL - fixed));
		wire_put_zeros(w, WIRE_MIN_INITIAL - fixed);
	} else {
		wire_put_u16(w, 0);
	}
	wire_put_u16(w, (uint16_t)o->sig_len);
	wire_put_bytes(w, blob + 100, o->sig_len);
	wire_put_bytes(w, blob + 1, WIRE_MAC_LEN);
	wire_put_bytes(w, blob + 2, WIRE_MAC_LEN);
	assert_int_equal(wire_finish(w), 0);
}

static const struct init_opts small_init = { 300, 256, 3 };
/* Over WIRE_MIN_INITIAL without padding: truncations exercise the body. */
static const struct init_opts big_init = { 1400, 512, 3 };

static void build_resp(struct wire_buf *w, unsigned int n_routes)
{
	uint8_t blob[WIRE_MAX_CERT], eph[32];
	struct aegis_prefix r[3];

	fill(blob, sizeof(blob), 0x60);
	fill(eph, sizeof(eph), 0x33);
	sample_routes(r);
	wire_begin(w, WIRE_MSG_RESP, dcid, scid);
	wire_put_u64(w, 0xa1a2a3a4a5a6a7a8ULL);
	wire_put_u64(w, 0xb1b2b3b4b5b6b7b8ULL);
	wire_put_bytes(w, eph, sizeof(eph));
	wire_put_u8(w, AEGIS_CIPHER_AES_GCM);
	wire_put_u8(w, 0);
	wire_put_routes(w, r, n_routes);
	wire_put_u16(w, 256);
	wire_put_bytes(w, blob, 256);
	wire_put_u16(w, 700);
	wire_put_bytes(w, blob + 256, 700);
	wire_put_u16(w, 384);
	wire_put_bytes(w, blob + 3, 384);
	wire_put_bytes(w, blob + 4, WIRE_MAC_LEN);
	wire_put_bytes(w, blob + 5, WIRE_MAC_LEN);
	assert_int_equal(wire_finish(w), 0);
}

static void build_confirm(struct wire_buf *w)
{
	uint8_t tag[WIRE_TAG_LEN];

	fill(tag, sizeof(tag), 0x70);
	wire_begin(w, WIRE_MSG_CONFIRM, dcid, scid);
	wire_put_u64(w, 42);
	wire_put_u64(w, 0xffffffffffffffffULL);
	wire_put_bytes(w, tag, sizeof(tag));
	assert_int_equal(wire_finish(w), 0);
}

static void build_cookie(struct wire_buf *w)
{
	uint8_t b[32];

	fill(b, sizeof(b), 0x80);
	wire_begin(w, WIRE_MSG_COOKIE, dcid, scid);
	wire_put_u64(w, 7);
	wire_put_bytes(w, b, WIRE_MAC_LEN);
	wire_put_bytes(w, b + 16, WIRE_COOKIE_LEN);
	assert_int_equal(wire_finish(w), 0);
}

static void build_hello(struct wire_buf *w)
{
	uint8_t cert[900];

	fill(cert, sizeof(cert), 0x90);
	assert_int_equal(wire_build_hello(w, dcid, scid, cert, sizeof(cert)),
			 0);
}

static void set_body_len(uint8_t *buf, size_t len)
{
	buf[24] = (uint8_t)((len - WIRE_HDR_LEN) >> 8);
	buf[25] = (uint8_t)(len - WIRE_HDR_LEN);
}

/* Every parser on buf; the number that accepted it. */
static int parse_all(const uint8_t *buf, size_t len)
{
	struct wire_hdr h;
	struct wire_init i;
	struct wire_resp r;
	struct wire_confirm c;
	struct wire_cookie k;
	struct wire_hello e;
	int n = 0, ret;

	ret = wire_parse_hdr(buf, len, &h);
	assert_true(ret == 0 || ret == -EBADMSG);
	ret = wire_parse_init(buf, len, &i);
	assert_true(ret == 0 || ret == -EBADMSG);
	if (!ret) {
		n++;
		assert_true(i.signed_len < i.mac1_off);
		assert_int_equal(i.mac1_off + 2 * WIRE_MAC_LEN, len);
		assert_ptr_equal(i.sig + i.sig_len, buf + i.mac1_off);
		assert_true(i.routes.n <= WIRE_MAX_ROUTES);
	}
	ret = wire_parse_resp(buf, len, &r);
	assert_true(ret == 0 || ret == -EBADMSG);
	if (!ret) {
		n++;
		assert_int_equal(r.mac1_off + 2 * WIRE_MAC_LEN, len);
		assert_ptr_equal(r.sig + r.sig_len, buf + r.mac1_off);
	}
	ret = wire_parse_confirm(buf, len, &c);
	assert_true(ret == 0 || ret == -EBADMSG);
	n += !ret;
	ret = wire_parse_cookie(buf, len, &k);
	assert_true(ret == 0 || ret == -EBADMSG);
	n += !ret;
	ret = wire_parse_hello(buf, len, &e);
	assert_true(ret == 0 || ret == -EBADMSG);
	if (!ret) {
		n++;
		assert_ptr_equal(e.cert + e.cert_len, buf + len);
	}
	return n;
}

/* ---- round trips ------------------------------------------------------- */

static void test_hdr(void **state)
{
	static const enum wire_msg msgs[] = {
		WIRE_MSG_PROBE, WIRE_MSG_HELLO, WIRE_MSG_INIT, WIRE_MSG_RESP,
		WIRE_MSG_CONFIRM, WIRE_MSG_COOKIE,
	};
	static const unsigned int qtypes[] = { 0, 2, 0, 2, 2, 3 };
	struct wire_buf w;
	struct wire_hdr h;
	unsigned int i, low;

	(void)state;
	for (i = 0; i < 6; i++) {
		wire_begin(&w, msgs[i], dcid, scid);
		wire_put_zeros(&w, 5);
		assert_int_equal(wire_finish(&w), 0);
		assert_int_equal(w.len, WIRE_HDR_LEN + 5);
		assert_int_equal(w.data[0] & 0xf0, 0xc0 | qtypes[i] << 4);
		assert_true(wire_is_control(w.data, w.len));
		/* The low bits are noise to the parser. */
		for (low = 0; low < 16; low++) {
			w.data[0] = (uint8_t)((w.data[0] & 0xf0) | low);
			memset(&h, 0, sizeof(h));
			assert_int_equal(wire_parse_hdr(w.data, w.len, &h), 0);
			assert_int_equal(h.msg, msgs[i]);
			assert_memory_equal(h.dcid, dcid, WIRE_CID_LEN);
			assert_memory_equal(h.scid, scid, WIRE_CID_LEN);
			assert_int_equal(h.body_len, 5);
		}
		assert_string_not_equal(wire_msg_name(msgs[i]), "unknown");
	}
	assert_string_equal(wire_msg_name(0), "unknown");
	assert_string_equal(wire_msg_name(99), "unknown");
	assert_false(wire_is_control((const uint8_t *)"\x40", 1));
	assert_false(wire_is_control(w.data, 0));

	/* NULL CIDs are random; an unknown message does not encode. */
	wire_begin(&w, WIRE_MSG_CONFIRM, NULL, NULL);
	assert_int_equal(wire_finish(&w), 0);
	assert_int_equal(wire_parse_hdr(w.data, w.len, &h), 0);
	wire_begin(&w, (enum wire_msg)9, dcid, scid);
	assert_int_equal(wire_finish(&w), -EMSGSIZE);
}

static void test_probe(void **state)
{
	struct wire_buf w;
	struct wire_hdr h;

	(void)state;
	assert_int_equal(wire_build_probe(&w, scid), 0);
	assert_int_equal(w.len, WIRE_MIN_INITIAL);
	assert_int_equal(wire_parse_hdr(w.data, w.len, &h), 0);
	assert_int_equal(h.msg, WIRE_MSG_PROBE);
	assert_memory_equal(h.scid, scid, WIRE_CID_LEN);
	assert_int_equal(h.body_len, WIRE_MIN_INITIAL - WIRE_HDR_LEN);
	/* Only the header parser accepts a probe. */
	assert_int_equal(parse_all(w.data, w.len), 0);
}

static void test_hello(void **state)
{
	uint8_t cert[WIRE_MAX_CERT + 1];
	struct wire_hello m;
	struct wire_buf w;

	(void)state;
	build_hello(&w);
	assert_int_equal(wire_parse_hello(w.data, w.len, &m), 0);
	assert_int_equal(m.cert_len, 900);
	assert_ptr_equal(m.cert, w.data + WIRE_HDR_LEN + 2);
	fill(cert, sizeof(cert), 0x90);
	assert_memory_equal(m.cert, cert, 900);

	assert_int_equal(wire_build_hello(&w, dcid, scid, cert, 0), -EMSGSIZE);
	assert_int_equal(wire_build_hello(&w, dcid, scid, cert, sizeof(cert)),
			 -EMSGSIZE);
	assert_int_equal(wire_build_hello(&w, dcid, scid, cert, WIRE_MAX_CERT),
			 0);
	assert_int_equal(wire_parse_hello(w.data, w.len, &m), 0);

	/* A cert over the limit on the wire. */
	wire_begin(&w, WIRE_MSG_HELLO, dcid, scid);
	wire_put_u16(&w, WIRE_MAX_CERT + 1);
	wire_put_bytes(&w, cert, WIRE_MAX_CERT + 1);
	assert_int_equal(wire_finish(&w), 0);
	assert_int_equal(wire_parse_hello(w.data, w.len, &m), -EBADMSG);
}

static void check_routes(const struct wire_routes *got, unsigned int n)
{
	struct aegis_prefix r[3];
	unsigned int i;

	sample_routes(r);
	assert_int_equal(got->n, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(got->p[i].addr.family, r[i].addr.family);
		assert_int_equal(got->p[i].len, r[i].len);
		assert_memory_equal(got->p[i].addr.u.bytes, r[i].addr.u.bytes,
				    16);
	}
}

static void test_init(void **state)
{
	uint8_t blob[WIRE_MAX_CERT], id[32], eph[32];
	const struct init_opts *opts[] = { &small_init, &big_init };
	struct wire_init m;
	struct wire_buf w;
	unsigned int k;

	(void)state;
	fill(blob, sizeof(blob), 0x40);
	fill(id, sizeof(id), 0x11);
	fill(eph, sizeof(eph), 0x22);
	for (k = 0; k < 2; k++) {
		const struct init_opts *o = opts[k];

		build_init(&w, o);
		assert_true(w.len >= WIRE_MIN_INITIAL);
		assert_int_equal(wire_parse_init(w.data, w.len, &m), 0);
		assert_int_equal(m.sender_index, 0x0102030405060708ULL);
		assert_int_equal(m.timestamp, 0x1122334455667788ULL);
		assert_memory_equal(m.responder_id, id, 32);
		assert_memory_equal(m.eph_pub, eph, 32);
		assert_int_equal(m.cipher_pref, AEGIS_CIPHER_CHACHA20POLY1305);
		assert_int_equal(m.flags, 0x5a);
		check_routes(&m.routes, o->n_routes);
		assert_int_equal(m.cert_len, o->cert_len);
		assert_memory_equal(m.cert, blob, o->cert_len);
		assert_int_equal(m.sig_len, o->sig_len);
		assert_memory_equal(m.sig, blob + 100, o->sig_len);
		assert_int_equal(m.mac1_off, w.len - 32);
		assert_int_equal(m.signed_len, m.mac1_off - o->sig_len - 2);
		assert_ptr_equal(m.mac1, w.data + m.mac1_off);
		assert_ptr_equal(m.mac2, w.data + m.mac1_off + 16);
		assert_memory_equal(m.mac1, blob + 1, 16);
		assert_memory_equal(m.mac2, blob + 2, 16);
	}
	/* No routes at all. */
	build_init(&w, &(struct init_opts){ 300, 256, 0 });
	assert_int_equal(wire_parse_init(w.data, w.len, &m), 0);
	assert_int_equal(m.routes.n, 0);
}

static void test_resp(void **state)
{
	uint8_t blob[WIRE_MAX_CERT], eph[32];
	struct wire_resp m;
	struct wire_buf w;

	(void)state;
	fill(blob, sizeof(blob), 0x60);
	fill(eph, sizeof(eph), 0x33);
	build_resp(&w, 3);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), 0);
	assert_int_equal(m.sender_index, 0xa1a2a3a4a5a6a7a8ULL);
	assert_int_equal(m.receiver_index, 0xb1b2b3b4b5b6b7b8ULL);
	assert_memory_equal(m.eph_pub, eph, 32);
	assert_int_equal(m.cipher, AEGIS_CIPHER_AES_GCM);
	assert_int_equal(m.flags, 0);
	check_routes(&m.routes, 3);
	assert_int_equal(m.oaep_len, 256);
	assert_memory_equal(m.oaep, blob, 256);
	assert_int_equal(m.cert_len, 700);
	assert_memory_equal(m.cert, blob + 256, 700);
	assert_int_equal(m.sig_len, 384);
	assert_memory_equal(m.sig, blob + 3, 384);
	assert_int_equal(m.mac1_off, w.len - 32);
	assert_int_equal(m.signed_len, m.mac1_off - 384 - 2);
	assert_memory_equal(m.mac1, blob + 4, 16);
	assert_memory_equal(m.mac2, blob + 5, 16);
}

static void test_confirm_cookie(void **state)
{
	uint8_t b[32];
	struct wire_confirm c;
	struct wire_cookie k;
	struct wire_buf w;

	(void)state;
	build_confirm(&w);
	assert_int_equal(w.len, WIRE_HDR_LEN + 8 + 8 + 32);
	assert_int_equal(wire_parse_confirm(w.data, w.len, &c), 0);
	assert_int_equal(c.sender_index, 42);
	assert_int_equal(c.receiver_index, 0xffffffffffffffffULL);
	fill(b, sizeof(b), 0x70);
	assert_memory_equal(c.tag, b, 32);
	assert_int_equal(wire_parse_cookie(w.data, w.len, &k), -EBADMSG);

	build_cookie(&w);
	assert_int_equal(w.len, WIRE_HDR_LEN + 8 + 16 + 16);
	assert_int_equal(wire_parse_cookie(w.data, w.len, &k), 0);
	assert_int_equal(k.receiver_index, 7);
	fill(b, sizeof(b), 0x80);
	assert_memory_equal(k.echo, b, 16);
	assert_memory_equal(k.cookie, b + 16, 16);
	assert_int_equal(wire_parse_confirm(w.data, w.len, &c), -EBADMSG);
}

/* Each parser takes only its own message type. */
static void test_type_mismatch(void **state)
{
	struct wire_buf w;

	(void)state;
	build_init(&w, &small_init);
	assert_int_equal(parse_all(w.data, w.len), 1);
	build_resp(&w, 3);
	assert_int_equal(parse_all(w.data, w.len), 1);
	build_confirm(&w);
	assert_int_equal(parse_all(w.data, w.len), 1);
	build_cookie(&w);
	assert_int_equal(parse_all(w.data, w.len), 1);
	build_hello(&w);
	assert_int_equal(parse_all(w.data, w.len), 1);

	/* Same layout, message type byte changed: refused. */
	build_confirm(&w);
	w.data[23] = WIRE_MSG_HELLO;
	assert_int_equal(parse_all(w.data, w.len), 0);
	/* Type and qtype must agree. */
	build_confirm(&w);
	w.data[0] = (uint8_t)((w.data[0] & 0xcf) | WIRE_QTYPE_RETRY << 4);
	assert_int_equal(parse_all(w.data, w.len), 0);
	/* Short header form. */
	build_confirm(&w);
	w.data[0] &= 0x7f;
	assert_int_equal(parse_all(w.data, w.len), 0);
	build_confirm(&w);
	w.data[0] &= 0xbf;
	assert_int_equal(parse_all(w.data, w.len), 0);
	/* Unknown types. */
	build_confirm(&w);
	w.data[23] = 0;
	assert_int_equal(parse_all(w.data, w.len), 0);
	w.data[23] = 7;
	assert_int_equal(parse_all(w.data, w.len), 0);
}

/* ---- refusals ---------------------------------------------------------- */

typedef int (*parse_fn)(const uint8_t *buf, size_t len);

static int p_init(const uint8_t *b, size_t l)
{
	struct wire_init m;

	return wire_parse_init(b, l, &m);
}

static int p_resp(const uint8_t *b, size_t l)
{
	struct wire_resp m;

	return wire_parse_resp(b, l, &m);
}

static int p_confirm(const uint8_t *b, size_t l)
{
	struct wire_confirm m;

	return wire_parse_confirm(b, l, &m);
}

static int p_cookie(const uint8_t *b, size_t l)
{
	struct wire_cookie m;

	return wire_parse_cookie(b, l, &m);
}

static int p_hello(const uint8_t *b, size_t l)
{
	struct wire_hello m;

	return wire_parse_hello(b, l, &m);
}

/*
 * Every shorter length fails: as is (the body length no longer matches)
 * and with the body length fixed up (the body parser runs out of bytes).
 */
static void check_truncations(const struct wire_buf *w, parse_fn parse)
{
	static uint8_t copy[WIRE_MAX_DATAGRAM];
	size_t l;

	assert_int_equal(parse(w->data, w->len), 0);
	for (l = 0; l < w->len; l++) {
		memcpy(copy, w->data, w->len);
		assert_int_equal(parse(copy, l), -EBADMSG);
		if (l >= WIRE_HDR_LEN) {
			set_body_len(copy, l);
			assert_int_equal(parse(copy, l), -EBADMSG);
		}
	}
}

static void test_truncation(void **state)
{
	struct wire_buf w;

	(void)state;
	build_init(&w, &small_init);
	check_truncations(&w, p_init);
	build_init(&w, &big_init);
	assert_true(w.len > WIRE_MIN_INITIAL + 600);
	check_truncations(&w, p_init);
	build_resp(&w, 3);
	check_truncations(&w, p_resp);
	build_confirm(&w);
	check_truncations(&w, p_confirm);
	build_cookie(&w);
	check_truncations(&w, p_cookie);
	build_hello(&w);
	check_truncations(&w, p_hello);
}

static void check_trailing(struct wire_buf *w, parse_fn parse)
{

	w->data[w->len] = 0;
	/* One more byte, body length unchanged, then matching. */
	assert_int_equal(parse(w->data, w->len + 1), -EBADMSG);
	set_body_len(w->data, w->len + 1);
	assert_int_equal(parse(w->data, w->len + 1), -EBADMSG);
	/* And a body length that says more than there is. */
	assert_int_equal(parse(w->data, w->len), -EBADMSG);
}

static void test_trailing(void **state)
{
	struct wire_buf w;

	(void)state;
	build_init(&w, &small_init);
	check_trailing(&w, p_init);
	build_resp(&w, 3);
	check_trailing(&w, p_resp);
	build_confirm(&w);
	check_trailing(&w, p_confirm);
	build_cookie(&w);
	check_trailing(&w, p_cookie);
	build_hello(&w);
	check_trailing(&w, p_hello);
}

static void test_bad_header(void **state)
{
	static uint8_t big[WIRE_MAX_DATAGRAM + 1];
	struct wire_hdr h;
	struct wire_buf w;
	unsigned int i;

	(void)state;
	for (i = 1; i <= 4; i++) {
		build_init(&w, &small_init);
		w.data[i] ^= 0x01;		/* version */
		assert_int_equal(wire_parse_hdr(w.data, w.len, &h), -EBADMSG);
		assert_int_equal(parse_all(w.data, w.len), 0);
	}
	build_confirm(&w);
	w.data[5] = 7;				/* DCID length */
	assert_int_equal(parse_all(w.data, w.len), 0);
	build_confirm(&w);
	w.data[14] = 9;				/* SCID length */
	assert_int_equal(parse_all(w.data, w.len), 0);
	build_confirm(&w);
	w.data[5] = 0;
	assert_int_equal(parse_all(w.data, w.len), 0);

	/* Over the datagram limit even if self-consistent. */
	wire_begin(&w, WIRE_MSG_HELLO, dcid, scid);
	assert_int_equal(wire_finish(&w), 0);
	memset(big, 0, sizeof(big));
	memcpy(big, w.data, WIRE_HDR_LEN);
	set_body_len(big, WIRE_MAX_DATAGRAM);
	assert_int_equal(wire_parse_hdr(big, WIRE_MAX_DATAGRAM, &h), 0);
	set_body_len(big, sizeof(big));
	assert_int_equal(wire_parse_hdr(big, sizeof(big), &h), -EBADMSG);
}

/* A RESP with one crafted route entry. */
static void resp_with_route(struct wire_buf *w, uint8_t count, uint8_t fam,
			    uint8_t plen, const uint8_t *addr, size_t alen)
{
	uint8_t blob[256];
	unsigned int i;

	memset(blob, 0x5c, sizeof(blob));
	wire_begin(w, WIRE_MSG_RESP, dcid, scid);
	wire_put_u64(w, 1);
	wire_put_u64(w, 2);
	wire_put_bytes(w, blob, 32);
	wire_put_u8(w, 1);
	wire_put_u8(w, 0);
	wire_put_u8(w, count);
	for (i = 0; i < count; i++) {
		wire_put_u8(w, fam);
		wire_put_u8(w, plen);
		wire_put_bytes(w, addr, alen);
	}
	wire_put_u16(w, 256);
	wire_put_bytes(w, blob, 256);
	wire_put_u16(w, 100);
	wire_put_bytes(w, blob, 100);
	wire_put_u16(w, 256);
	wire_put_bytes(w, blob, 256);
	wire_put_zeros(w, 32);
	assert_int_equal(wire_finish(w), 0);
}

static void test_bad_routes(void **state)
{
	static const uint8_t v4[4] = { 10, 1, 0, 0 };
	static const uint8_t v4host[4] = { 10, 1, 0, 1 };
	static const uint8_t v6[16] = { 0xfd, 0, 0, 1 };
	static const uint8_t v6host[16] = { 0xfd, 0, 0, 1, 0, 0, 0, 0, 0x80 };
	struct aegis_prefix p[WIRE_MAX_ROUTES + 1];
	struct wire_resp m;
	struct wire_buf w;
	unsigned int i;

	(void)state;
	resp_with_route(&w, 1, 4, 16, v4, 4);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), 0);
	resp_with_route(&w, 1, 4, 32, v4host, 4);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), 0);
	resp_with_route(&w, 1, 6, 64, v6, 16);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), 0);
	resp_with_route(&w, 1, 4, 0, (const uint8_t *)"\0\0\0\0", 4);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), 0);
	resp_with_route(&w, WIRE_MAX_ROUTES, 6, 128, v6host, 16);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), 0);
	assert_int_equal(m.routes.n, WIRE_MAX_ROUTES);

	/* Family. */
	resp_with_route(&w, 1, 5, 16, v4, 4);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), -EBADMSG);
	resp_with_route(&w, 1, 0, 16, v4, 4);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), -EBADMSG);
	resp_with_route(&w, 1, 6, 16, v4, 4);	/* 6 with 4 bytes */
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), -EBADMSG);
	/* Length. */
	resp_with_route(&w, 1, 4, 33, v4, 4);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), -EBADMSG);
	resp_with_route(&w, 1, 6, 129, v6, 16);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), -EBADMSG);
	resp_with_route(&w, 1, 4, 255, v4, 4);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), -EBADMSG);
	/* Host bits. */
	resp_with_route(&w, 1, 4, 24, v4host, 4);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), -EBADMSG);
	resp_with_route(&w, 1, 4, 15, v4, 4);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), -EBADMSG);
	resp_with_route(&w, 1, 6, 64, v6host, 16);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), -EBADMSG);
	resp_with_route(&w, 1, 6, 0, v6, 16);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), -EBADMSG);
	/* Count. */
	resp_with_route(&w, WIRE_MAX_ROUTES + 1, 4, 16, v4, 4);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), -EBADMSG);
	resp_with_route(&w, 255, 4, 16, v4, 4);
	assert_int_equal(wire_parse_resp(w.data, w.len, &m), -EBADMSG);

	/* The encoder refuses the same. */
	for (i = 0; i <= WIRE_MAX_ROUTES; i++)
		set_prefix(&p[i], AF_INET, "\x0a\x00\x00\x00", 8);
	wire_begin(&w, WIRE_MSG_RESP, dcid, scid);
	wire_put_routes(&w, p, WIRE_MAX_ROUTES);
	assert_int_equal(wire_finish(&w), 0);
	wire_begin(&w, WIRE_MSG_RESP, dcid, scid);
	wire_put_routes(&w, p, WIRE_MAX_ROUTES + 1);
	assert_int_equal(wire_finish(&w), -EMSGSIZE);
	set_prefix(&p[0], AF_INET, "\x0a\x00\x00\x01", 8);
	wire_begin(&w, WIRE_MSG_RESP, dcid, scid);
	wire_put_routes(&w, p, 1);
	assert_int_equal(wire_finish(&w), -EMSGSIZE);
	set_prefix(&p[0], AF_INET, "\x0a\x00\x00\x00", 33);
	wire_begin(&w, WIRE_MSG_RESP, dcid, scid);
	wire_put_routes(&w, p, 1);
	assert_int_equal(wire_finish(&w), -EMSGSIZE);
	p[0].addr.family = AF_UNIX;
	p[0].len = 0;
	wire_begin(&w, WIRE_MSG_RESP, dcid, scid);
	wire_put_routes(&w, p, 1);
	assert_int_equal(wire_finish(&w), -EMSGSIZE);
}

static void test_oversized_fields(void **state)
{
	struct init_opts o;
	struct wire_init i;
	struct wire_buf w;
	size_t off;

	(void)state;
	o = small_init;
	o.sig_len = WIRE_MAX_SIG;
	build_init(&w, &o);
	assert_int_equal(wire_parse_init(w.data, w.len, &i), 0);
	o.sig_len = WIRE_MAX_SIG + 1;
	build_init(&w, &o);
	assert_int_equal(wire_parse_init(w.data, w.len, &i), -EBADMSG);
	o.sig_len = 0;
	build_init(&w, &o);
	assert_int_equal(wire_parse_init(w.data, w.len, &i), -EBADMSG);

	o = small_init;
	o.cert_len = WIRE_MAX_CERT;
	build_init(&w, &o);
	assert_int_equal(wire_parse_init(w.data, w.len, &i), 0);
	o.cert_len = WIRE_MAX_CERT + 1;
	build_init(&w, &o);
	assert_false(w.overflow);
	assert_int_equal(wire_parse_init(w.data, w.len, &i), -EBADMSG);
	o.cert_len = 0;
	build_init(&w, &o);
	assert_int_equal(wire_parse_init(w.data, w.len, &i), -EBADMSG);

	/* oaep_len in a RESP: right after 3 routes (1 + 6 + 18 + 6 bytes). */
	build_resp(&w, 3);
	off = WIRE_HDR_LEN + 8 + 8 + 32 + 2 + 1 + 6 + 18 + 6;
	assert_int_equal(w.data[off] << 8 | w.data[off + 1], 256);
	w.data[off] = (WIRE_MAX_SIG + 1) >> 8;
	w.data[off + 1] = (uint8_t)(WIRE_MAX_SIG + 1);
	assert_int_equal(parse_all(w.data, w.len), 0);
}

static void test_init_padding(void **state)
{
	struct wire_init m;
	struct wire_buf w;
	size_t pad_at;

	(void)state;
	build_init(&w, &small_init);
	assert_int_equal(w.len, WIRE_MIN_INITIAL);
	assert_int_equal(wire_parse_init(w.data, w.len, &m), 0);
	/* Padding is the bytes between the cert and sig_len. */
	pad_at = (size_t)(m.cert + m.cert_len - w.data) + 2;
	assert_true(pad_at < m.signed_len);
	w.data[pad_at + 3] = 1;
	assert_int_equal(wire_parse_init(w.data, w.len, &m), -EBADMSG);

	/* An INIT below the minimum datagram size. */
	wire_begin(&w, WIRE_MSG_INIT, dcid, scid);
	wire_put_zeros(&w, 8 + 8 + 32 + 32 + 2);
	wire_put_u8(&w, 0);			/* routes */
	wire_put_u16(&w, 10);
	wire_put_zeros(&w, 10);			/* cert */
	wire_put_u16(&w, 0);			/* pad */
	wire_put_u16(&w, 10);
	wire_put_zeros(&w, 10 + 32);		/* sig, macs */
	assert_int_equal(wire_finish(&w), 0);
	assert_true(w.len < WIRE_MIN_INITIAL);
	assert_int_equal(wire_parse_init(w.data, w.len, &m), -EBADMSG);
}

/* ---- fuzz -------------------------------------------------------------- */

static void test_fuzz_random(void **state)
{
	static uint8_t buf[WIRE_MAX_DATAGRAM + 64];
	static const uint8_t types[] = { 0x00, 0x20, 0x00, 0x20, 0x20, 0x30 };
	unsigned int round, accepted = 0;

	(void)state;
	for (round = 0; round < FUZZ_ROUNDS; round++) {
		size_t len = (size_t)(rng() % sizeof(buf)), i;

		if (round % 4 == 0)
			len %= 128;
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)rng();
		/* Most get a plausible header so the bodies are reached. */
		if (round % 3 && len >= WIRE_HDR_LEN) {
			uint8_t msg = (uint8_t)(1 + rng() % 6);

			buf[0] = (uint8_t)(0xc0 | types[msg - 1] |
					   (buf[0] & 15));
			memcpy(buf + 1, "\0\0\0\1\x08", 5);
			buf[14] = 8;
			buf[23] = msg;
			set_body_len(buf, len);
		}
		accepted += (unsigned int)parse_all(buf, len);
	}
	/* Random bytes hardly ever form a valid message. */
	assert_true(accepted < FUZZ_ROUNDS / 10);
}

static void test_fuzz_flips(void **state)
{
	static uint8_t copy[WIRE_MAX_DATAGRAM];
	struct wire_buf w;
	unsigned int round, k;

	(void)state;
	for (round = 0; round < FUZZ_ROUNDS; round++) {
		switch (round % 6) {
		case 0:
			build_init(&w, &small_init);
			break;
		case 1:
			build_init(&w, &big_init);
			break;
		case 2:
			build_resp(&w, 3);
			break;
		case 3:
			build_confirm(&w);
			break;
		case 4:
			build_cookie(&w);
			break;
		default:
			build_hello(&w);
			break;
		}
		memcpy(copy, w.data, w.len);
		for (k = 1 + (unsigned int)(rng() % 4); k > 0; k--) {
			size_t at = (size_t)(rng() % w.len);

			/* Favour the header and the first length fields. */
			if (rng() % 2)
				at %= 128;
			copy[at] ^= (uint8_t)(1 + rng() % 255);
		}
		assert_true(parse_all(copy, w.len) <= 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_resp),
		cmocka_unit_test(test_confirm_cookie),
		cmocka_unit_test(test_type_mismatch),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_routes),
		cmocka_unit_test(test_oversized_fields),
		cmocka_unit_test(test_init_padding),
		cmocka_unit_test(test_fuzz_random),
		cmocka_unit_test(test_fuzz_flips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
