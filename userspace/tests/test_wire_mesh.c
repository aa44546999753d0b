// SPDX-License-Identifier: MIT
/* Unit tests: userspace/agent/wire/wire_mesh.c */
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
#include "wire/wire_mesh.h"

#define FUZZ_ROUNDS	4000
#define ID		WIRE_MESH_ID_LEN

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

/* Id number k: its first byte (the digest bucket) is k >> 8. */
static void make_id(uint8_t *id, unsigned int k)
{
	fill(id, ID, (uint8_t)(k * 13 + 1));
	id[0] = (uint8_t)(k >> 8);
	id[1] = (uint8_t)k;
}

static uint8_t id_a[ID], id_b[ID], id_c[ID], hash32[ID];
static const uint8_t zero_id[ID];
static uint8_t blob[4096];	/* signatures, chunk data */

/* ---- a raw writer for hand-made (bad) bodies --------------------------- */

struct raw {
	uint8_t d[140000];
	size_t n;
};

static void r8(struct raw *r, unsigned int v)
{
	r->d[r->n++] = (uint8_t)v;
}

static void r16(struct raw *r, unsigned int v)
{
	r8(r, v >> 8);
	r8(r, v);
}

static void r32(struct raw *r, uint32_t v)
{
	r16(r, v >> 16);
	r16(r, v & 0xffff);
}

static void r64(struct raw *r, uint64_t v)
{
	r32(r, (uint32_t)(v >> 32));
	r32(r, (uint32_t)v);
}

static void rbytes(struct raw *r, const void *p, size_t n)
{
	memcpy(r->d + r->n, p, n);
	r->n += n;
}

/* ---- sample messages --------------------------------------------------- */

static void set_prefix(struct aegis_prefix *p, int family, unsigned int k,
		       uint8_t len)
{
	memset(p, 0, sizeof(*p));
	p->addr.family = family;
	if (family == AF_INET) {
		p->addr.u.bytes[0] = 10;
		p->addr.u.bytes[1] = (uint8_t)k;
	} else {
		p->addr.u.bytes[0] = 0xfd;
		p->addr.u.bytes[2] = (uint8_t)(k >> 8);
		p->addr.u.bytes[3] = (uint8_t)k;
	}
	p->len = len;
}

static void set_ep(struct wire_mesh_endpoint *e, int family, unsigned int k,
		   uint8_t kind)
{
	memset(e, 0, sizeof(*e));
	e->addr.family = family;
	if (family == AF_INET) {
		e->addr.u.bytes[0] = 192;
		e->addr.u.bytes[1] = 0;
		e->addr.u.bytes[2] = 2;
		e->addr.u.bytes[3] = (uint8_t)(k + 1);
	} else {
		e->addr.u.bytes[0] = 0x20;
		e->addr.u.bytes[1] = 0x01;
		e->addr.u.bytes[15] = (uint8_t)(k + 1);
	}
	e->port = (uint16_t)(51820 + k);
	e->kind = kind;
}

/* A record with n_ep endpoints and n_pfx prefixes of the given family. */
static void make_record(struct wire_mesh_record *m, unsigned int n_ep,
			int ep_family, unsigned int n_pfx, int pfx_family)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->origin = id_a;
	m->seq = 0x0102030405060708ULL;
	m->expiry = 1900000000;
	m->roles = 3;
	m->flags = 0;
	m->cert_len = 889;
	m->cert_hash = hash32;
	m->n_endpoints = n_ep;
	for (i = 0; i < n_ep; i++)
		set_ep(&m->ep[i], ep_family, i, (uint8_t)(1 + i % 3));
	m->prefixes.n = n_pfx;
	for (i = 0; i < n_pfx; i++)
		set_prefix(&m->prefixes.p[i], pfx_family, i,
			   pfx_family == AF_INET ? 16 : 32);
}

/* Build and sign into mem; the record's length, or 0 on refusal. */
static size_t sign_record(uint8_t *mem, size_t cap,
			  const struct wire_mesh_record *m, size_t sig_len)
{
	struct wire_mesh_buf w;

	wire_mesh_buf_init(&w, mem, cap);
	if (wire_mesh_record_build(&w, m))
		return 0;
	if (wire_mesh_record_add_sig(&w, blob + 7, sig_len))
		return 0;
	return w.len;
}

/* Sorted ids for a revocation list. */
static uint8_t crl_ids[(WIRE_MESH_MAX_REVOKED + 1) * ID];

static void make_crl(struct wire_mesh_crl *m, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		make_id(crl_ids + i * ID, i * 15 + 5);
	memset(m, 0, sizeof(*m));
	m->issuer = id_c;
	m->version = 42;
	m->issued = 1800000000;
	m->next_update = 1800086400;
	m->n = n;
	m->ids = crl_ids;
}

static size_t sign_crl(uint8_t *mem, size_t cap, const struct wire_mesh_crl *m,
		       size_t sig_len)
{
	struct wire_mesh_buf w;

	wire_mesh_buf_init(&w, mem, cap);
	if (wire_mesh_crl_build(&w, m))
		return 0;
	if (wire_mesh_crl_add_sig(&w, blob + 9, sig_len))
		return 0;
	return w.len;
}

/* A control packet as wire.c lays it out (made-up contents). */
static const uint8_t dcid[WIRE_CID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t scid[WIRE_CID_LEN] = { 9, 10, 11, 12, 13, 14, 15, 16 };

static void build_init(struct wire_buf *w, size_t cert_len, size_t sig_len)
{
	size_t fixed;

	wire_begin(w, WIRE_MSG_INIT, dcid, scid);
	wire_put_u64(w, 0x0102030405060708ULL);
	wire_put_u64(w, 0x1122334455667788ULL);
	wire_put_bytes(w, id_b, ID);
	wire_put_bytes(w, blob, 32);
	wire_put_u8(w, 1);
	wire_put_u8(w, 0);
	wire_put_routes(w, NULL, 0);
	wire_put_u16(w, (uint16_t)cert_len);
	wire_put_bytes(w, blob, cert_len);
	fixed = w->len + 4 + sig_len + 2 * WIRE_MAC_LEN;
	if (fixed < WIRE_MIN_INITIAL) {
		wire_put_u16(w, (uint16_t)(WIRE_MIN_INITIAL - fixed));
		wire_put_zeros(w, WIRE_MIN_INITIAL - fixed);
	} else {
		wire_put_u16(w, 0);
	}
	wire_put_u16(w, (uint16_t)sig_len);
	wire_put_bytes(w, blob + 100, sig_len);
	wire_put_bytes(w, blob + 1, 2 * WIRE_MAC_LEN);
	assert_int_equal(wire_finish(w), 0);
}

static void build_confirm(struct wire_buf *w)
{
	wire_begin(w, WIRE_MSG_CONFIRM, dcid, scid);
	wire_put_u64(w, 42);
	wire_put_u64(w, 43);
	wire_put_bytes(w, blob, WIRE_TAG_LEN);
	assert_int_equal(wire_finish(w), 0);
}

/*
 * Every kind of message, typical and at its limits, encoded once: the
 * tables that truncation, trailing bytes, fuzzing and bundling run over.
 */
struct sample {
	const char *name;
	unsigned int type;
	size_t len;
	uint8_t body[WIRE_MESH_MAX_BODY];
};

#define MAX_SAMPLES	40
static struct sample samples[MAX_SAMPLES];
static unsigned int n_samples;

/* Encode with put (one TLV in a fresh bundle), keep the body. */
typedef int (*put_fn)(struct wire_mesh_buf *b, const void *m);

static void keep(const char *name, unsigned int type, const uint8_t *body,
		 size_t len)
{
	struct sample *s = &samples[n_samples++];

	assert_true(n_samples <= MAX_SAMPLES);
	assert_true(len <= WIRE_MESH_MAX_BODY);
	s->name = name;
	s->type = type;
	s->len = len;
	memcpy(s->body, body, len);
	assert_int_equal(wire_mesh_check_body(type, body, len), 0);
}

static void keep_put(const char *name, unsigned int type, put_fn put,
		     const void *m)
{
	static uint8_t mem[WIRE_MESH_MIN_MTU];
	struct wire_mesh_buf b;
	struct wire_mesh_reader r;
	struct wire_mesh_tlv t;

	assert_int_equal(wire_mesh_bundle_init(&b, mem, sizeof(mem)), 0);
	assert_int_equal(put(&b, m), 0);
	wire_mesh_reader_init(&r, b.data, b.len);
	assert_int_equal(wire_mesh_bundle_next(&r, &t), 1);
	assert_int_equal(t.type, type);
	assert_int_equal(wire_mesh_bundle_next(&r, &t), 0);
	wire_mesh_reader_init(&r, b.data, b.len);
	assert_int_equal(wire_mesh_bundle_next(&r, &t), 1);
	keep(name, type, t.body, t.len);
}

/* Adapters: the typed puts behind one signature. */
#define ADAPT(fn, type_)						\
	static int a_##fn(struct wire_mesh_buf *b, const void *m)	\
	{								\
		return wire_mesh_put_##fn(b, (const type_ *)m);		\
	}
ADAPT(record_request, struct wire_mesh_record_request)
ADAPT(digest_summary, struct wire_mesh_digest_summary)
ADAPT(digest_buckets, struct wire_mesh_digest_buckets)
ADAPT(digest_entries, struct wire_mesh_digest_entries)
ADAPT(digest_request, struct wire_mesh_digest_request)
ADAPT(ping, struct wire_mesh_ping)
ADAPT(ack, struct wire_mesh_ack)
ADAPT(ping_req, struct wire_mesh_ping_req)
ADAPT(suspect, struct wire_mesh_suspect)
ADAPT(probe, struct wire_mesh_probe)
ADAPT(echo, struct wire_mesh_probe)
ADAPT(route_update, struct wire_mesh_route_update)
ADAPT(seqno_request, struct wire_mesh_seqno_request)
ADAPT(object_chunk, struct wire_mesh_object_chunk)
ADAPT(object_request, struct wire_mesh_object_request)
ADAPT(relayed_hs, struct wire_mesh_relayed_hs)

static int a_revocation_version(struct wire_mesh_buf *b, const void *m)
{
	return wire_mesh_put_revocation_version(b, *(const uint64_t *)m);
}

static uint8_t entry_ids[WIRE_MESH_MAX_DIGEST_ENTRIES + 1][ID];
static uint8_t route_ids[WIRE_MESH_MAX_ROUTE_ENTRIES + 1][ID];

static void make_request(struct wire_mesh_record_request *m, unsigned int n)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->n = n;	/* may be over the limit: only the limit is filled */
	for (i = 0; i < n && i < WIRE_MESH_MAX_REQUESTS; i++) {
		m->e[i].origin = route_ids[i];
		m->e[i].have_seq = i * 1000;
		m->e[i].want = (uint8_t)(1 + i % 3);
	}
}

static void make_buckets(struct wire_mesh_digest_buckets *m, uint8_t first,
			 unsigned int n)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->first = first;
	m->n = n;
	for (i = 0; i < n; i++) {
		m->b[i].members = (uint16_t)(40 + i);
		m->b[i].hash = blob + i;
	}
}

/* n entries of bucket range [2, 3], sorted. */
static void make_entries(struct wire_mesh_digest_entries *m, unsigned int n)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->first_bucket = 2;
	m->last_bucket = 3;
	m->total = n + 100;
	m->offset = 100;
	m->n = n;
	for (i = 0; i < n && i < WIRE_MESH_MAX_DIGEST_ENTRIES; i++) {
		make_id(entry_ids[i], 0x200 + i * 9);
		m->e[i].origin = entry_ids[i];
		m->e[i].seq = 7 + i;
	}
}

static void make_routes(struct wire_mesh_route_update *m, unsigned int n)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->interval = 1600;
	m->n = n;
	for (i = 0; i < n && i < WIRE_MESH_MAX_ROUTE_ENTRIES; i++) {
		m->e[i].origin = route_ids[i];
		m->e[i].seqno = (uint16_t)(65530 + i);
		m->e[i].metric = i == 1 ? WIRE_MESH_METRIC_INF :
			(uint16_t)(96 * (i + 1));
		m->e[i].flags = 0;
	}
}

static struct wire_buf init_pkt, confirm_pkt;

static void make_samples(void)
{
	static uint8_t rec[WIRE_MESH_MAX_RECORD];
	struct wire_mesh_record r;
	struct wire_mesh_record_request rq;
	struct wire_mesh_digest_buckets db;
	struct wire_mesh_digest_entries de;
	struct wire_mesh_route_update ru;
	size_t len;
	uint64_t v;
	unsigned int i;

	n_samples = 0;
	fill(blob, sizeof(blob), 0x31);
	make_id(id_a, 0x1a1);
	make_id(id_b, 0x2b2);
	make_id(id_c, 0x3c3);
	fill(hash32, sizeof(hash32), 0xa0);
	for (i = 0; i <= WIRE_MESH_MAX_ROUTE_ENTRIES; i++)
		make_id(route_ids[i], 0x4000 + i * 77);
	build_init(&init_pkt, 1400, 512);
	build_confirm(&confirm_pkt);

	make_record(&r, 2, AF_INET, 3, AF_INET6);
	set_ep(&r.ep[1], AF_INET6, 1, WIRE_MESH_EP_REFLEXIVE);
	len = sign_record(rec, sizeof(rec), &r, 256);
	assert_true(len > 0);
	keep("record", WIRE_MESH_NODE_RECORD, rec, len);
	make_record(&r, 8, AF_INET6, 24, AF_INET6);
	len = sign_record(rec, sizeof(rec), &r, WIRE_MAX_SIG);
	assert_int_equal(len, WIRE_MESH_MAX_RECORD);
	keep("record max", WIRE_MESH_NODE_RECORD, rec, len);
	make_record(&r, 8, AF_INET, WIRE_MAX_ROUTES, AF_INET);
	len = sign_record(rec, sizeof(rec), &r, 384);
	assert_true(len > 0);
	keep("record 64 prefixes", WIRE_MESH_NODE_RECORD, rec, len);
	make_record(&r, 0, AF_INET, 0, AF_INET);
	r.flags = WIRE_MESH_REC_LEAVE;
	len = sign_record(rec, sizeof(rec), &r, 256);
	assert_true(len > 0);
	keep("record leave", WIRE_MESH_NODE_RECORD, rec, len);

	make_request(&rq, 2);
	keep_put("record_request", WIRE_MESH_RECORD_REQUEST,
		 a_record_request, &rq);
	make_request(&rq, WIRE_MESH_MAX_REQUESTS);
	keep_put("record_request max", WIRE_MESH_RECORD_REQUEST,
		 a_record_request, &rq);
	keep_put("digest_summary", WIRE_MESH_DIGEST_SUMMARY, a_digest_summary,
		 &(struct wire_mesh_digest_summary){ 10000, blob + 3 });
	make_buckets(&db, 0, 3);
	keep_put("digest_buckets", WIRE_MESH_DIGEST_BUCKETS, a_digest_buckets,
		 &db);
	make_buckets(&db, 192, WIRE_MESH_MAX_DIGEST_BUCKETS);
	keep_put("digest_buckets max", WIRE_MESH_DIGEST_BUCKETS,
		 a_digest_buckets, &db);
	make_entries(&de, 3);
	keep_put("digest_entries", WIRE_MESH_DIGEST_ENTRIES, a_digest_entries,
		 &de);
	make_entries(&de, 0);
	de.total = 0;
	de.offset = 0;
	keep_put("digest_entries empty", WIRE_MESH_DIGEST_ENTRIES,
		 a_digest_entries, &de);
	make_entries(&de, WIRE_MESH_MAX_DIGEST_ENTRIES);
	keep_put("digest_entries max", WIRE_MESH_DIGEST_ENTRIES,
		 a_digest_entries, &de);
	keep_put("digest_request buckets", WIRE_MESH_DIGEST_REQUEST,
		 a_digest_request, &(struct wire_mesh_digest_request){
			WIRE_MESH_DIGEST_WANT_BUCKETS, 0, 255, 0 });
	keep_put("digest_request entries", WIRE_MESH_DIGEST_REQUEST,
		 a_digest_request, &(struct wire_mesh_digest_request){
			WIRE_MESH_DIGEST_WANT_ENTRIES, 7, 9, 58 });
	keep_put("ping", WIRE_MESH_PING, a_ping,
		 &(struct wire_mesh_ping){ 0xfffffffe, 77 });
	keep_put("ack", WIRE_MESH_ACK, a_ack,
		 &(struct wire_mesh_ack){ 5, 0, 78, id_b });
	keep_put("ack nack", WIRE_MESH_ACK, a_ack,
		 &(struct wire_mesh_ack){ 6, WIRE_MESH_ACK_NACK, 0, id_c });
	keep_put("ping_req", WIRE_MESH_PING_REQ, a_ping_req,
		 &(struct wire_mesh_ping_req){ 9, id_c });
	keep_put("suspect", WIRE_MESH_SUSPECT, a_suspect,
		 &(struct wire_mesh_suspect){ WIRE_MESH_STATE_SUSPECT, id_b,
					      12, id_a });
	keep_put("dead", WIRE_MESH_SUSPECT, a_suspect,
		 &(struct wire_mesh_suspect){ WIRE_MESH_STATE_DEAD, id_b,
					      12, id_c });
	keep_put("probe", WIRE_MESH_PROBE, a_probe,
		 &(struct wire_mesh_probe){ 1, 0x1122334455667788ULL, 0 });
	keep_put("echo", WIRE_MESH_ECHO, a_echo,
		 &(struct wire_mesh_probe){ 1, 0x1122334455667788ULL, 250 });
	make_routes(&ru, 3);
	keep_put("route_update", WIRE_MESH_ROUTE_UPDATE, a_route_update, &ru);
	make_routes(&ru, WIRE_MESH_MAX_ROUTE_ENTRIES);
	keep_put("route_update max", WIRE_MESH_ROUTE_UPDATE, a_route_update,
		 &ru);
	keep_put("seqno_request", WIRE_MESH_ROUTE_SEQNO_REQUEST,
		 a_seqno_request, &(struct wire_mesh_seqno_request){
			id_a, 65535, 127, id_b });
	v = 0x8000000000000001ULL;
	keep_put("revocation_version", WIRE_MESH_REVOCATION_VERSION,
		 a_revocation_version, &v);
	keep_put("object_chunk", WIRE_MESH_OBJECT_CHUNK, a_object_chunk,
		 &(struct wire_mesh_object_chunk){ WIRE_MESH_OBJ_CERT, hash32,
			889, 800, blob, 89 });
	keep_put("object_chunk max", WIRE_MESH_OBJECT_CHUNK, a_object_chunk,
		 &(struct wire_mesh_object_chunk){ WIRE_MESH_OBJ_CRL, hash32,
			WIRE_MESH_MAX_CRL, 0, blob,
			WIRE_MESH_MAX_BODY - WIRE_MESH_CHUNK_FIXED });
	keep_put("object_request", WIRE_MESH_OBJECT_REQUEST, a_object_request,
		 &(struct wire_mesh_object_request){ WIRE_MESH_OBJ_CERT,
			hash32, 0, 0 });
	keep_put("object_request newest crl", WIRE_MESH_OBJECT_REQUEST,
		 a_object_request, &(struct wire_mesh_object_request){
			WIRE_MESH_OBJ_CRL, zero_id, 0, 0 });
	keep_put("relayed first", WIRE_MESH_RELAYED_HANDSHAKE, a_relayed_hs,
		 &(struct wire_mesh_relayed_hs){ 8, id_a, id_b, 77,
			(uint16_t)init_pkt.len, 0, init_pkt.data,
			WIRE_MESH_MAX_BODY - WIRE_MESH_RELAY_FIXED });
	keep_put("relayed middle", WIRE_MESH_RELAYED_HANDSHAKE, a_relayed_hs,
		 &(struct wire_mesh_relayed_hs){ 1, id_a, id_b, 77,
			(uint16_t)init_pkt.len, 1000, init_pkt.data + 1000,
			500 });
	keep_put("relayed whole", WIRE_MESH_RELAYED_HANDSHAKE, a_relayed_hs,
		 &(struct wire_mesh_relayed_hs){ WIRE_MESH_MAX_HOPS, id_b,
			id_a, 78, (uint16_t)confirm_pkt.len, 0,
			confirm_pkt.data, confirm_pkt.len });
}

static int setup(void **state)
{
	(void)state;
	make_samples();
	return 0;
}

/* ---- round trips ------------------------------------------------------- */

static void test_names(void **state)
{
	unsigned int t;

	(void)state;
	for (t = 1; t <= WIRE_MESH_TYPE_MAX; t++)
		assert_string_not_equal(wire_mesh_type_name(t), "unknown");
	assert_string_equal(wire_mesh_type_name(0), "unknown");
	assert_string_equal(wire_mesh_type_name(WIRE_MESH_TYPE_MAX + 1),
			    "unknown");
	assert_string_equal(wire_mesh_type_name(255), "unknown");
}

static void check_record(const struct wire_mesh_record *got,
			 const struct wire_mesh_record *want)
{
	unsigned int i;

	assert_memory_equal(got->origin, want->origin, ID);
	assert_int_equal(got->seq, want->seq);
	assert_int_equal(got->expiry, want->expiry);
	assert_int_equal(got->roles, want->roles);
	assert_int_equal(got->flags, want->flags);
	assert_int_equal(got->cert_len, want->cert_len);
	assert_memory_equal(got->cert_hash, want->cert_hash, ID);
	assert_int_equal(got->n_endpoints, want->n_endpoints);
	for (i = 0; i < want->n_endpoints; i++) {
		assert_int_equal(got->ep[i].addr.family,
				 want->ep[i].addr.family);
		assert_memory_equal(got->ep[i].addr.u.bytes,
				    want->ep[i].addr.u.bytes, 16);
		assert_int_equal(got->ep[i].port, want->ep[i].port);
		assert_int_equal(got->ep[i].kind, want->ep[i].kind);
	}
	assert_int_equal(got->prefixes.n, want->prefixes.n);
	for (i = 0; i < want->prefixes.n; i++) {
		assert_int_equal(got->prefixes.p[i].addr.family,
				 want->prefixes.p[i].addr.family);
		assert_int_equal(got->prefixes.p[i].len,
				 want->prefixes.p[i].len);
		assert_memory_equal(got->prefixes.p[i].addr.u.bytes,
				    want->prefixes.p[i].addr.u.bytes, 16);
	}
}

/* Signed span: everything before u16 sig_len; the signature is the rest. */
static void check_record_span(const uint8_t *rec, size_t len,
			      size_t span_built, size_t sig_len, bool intact)
{
	struct wire_mesh_record m;
	const uint8_t *sig;
	size_t span, slen;

	assert_int_equal(wire_mesh_parse_record(rec, len, &m), 0);
	assert_int_equal(m.signed_len, span_built);
	assert_int_equal(m.sig_len, sig_len);
	assert_ptr_equal(m.sig, rec + m.signed_len + 2);
	assert_int_equal(m.signed_len + 2 + m.sig_len, len);
	assert_int_equal(rec[m.signed_len] << 8 | rec[m.signed_len + 1],
			 sig_len);
	if (intact)
		assert_memory_equal(m.sig, blob + 7, sig_len);
	else
		assert_memory_not_equal(m.sig, blob + 7, sig_len);
	assert_int_equal(wire_mesh_record_span(rec, len, &span, &sig, &slen),
			 0);
	assert_int_equal(span, m.signed_len);
	assert_ptr_equal(sig, m.sig);
	assert_int_equal(slen, sig_len);
}

static void test_record(void **state)
{
	static uint8_t mem[WIRE_MESH_MAX_RECORD], copy[WIRE_MESH_MAX_RECORD];
	static const struct {
		unsigned int n_ep, n_pfx;
		int ep_fam, pfx_fam;
		size_t sig_len;
	} cases[] = {
		{ 2, 3, AF_INET, AF_INET6, 256 },
		{ 0, 0, AF_INET, AF_INET, 1 },
		{ 8, 24, AF_INET6, AF_INET6, WIRE_MAX_SIG },	/* max */
		{ 8, WIRE_MAX_ROUTES, AF_INET6, AF_INET, WIRE_MAX_SIG },
		{ 1, 1, AF_INET6, AF_INET, 384 },
	};
	struct wire_mesh_record r, m;
	struct wire_mesh_buf w;
	unsigned int k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		size_t span, len;

		make_record(&r, cases[k].n_ep, cases[k].ep_fam,
			    cases[k].n_pfx, cases[k].pfx_fam);
		wire_mesh_buf_init(&w, mem, sizeof(mem));
		assert_int_equal(wire_mesh_record_build(&w, &r), 0);
		span = w.len;
		memcpy(copy, mem, span);
		assert_int_equal(wire_mesh_record_add_sig(&w, blob + 7,
							  cases[k].sig_len), 0);
		len = w.len;
		assert_int_equal(len, span + 2 + cases[k].sig_len);
		assert_int_equal(wire_mesh_record_len(&r, cases[k].sig_len),
				 len);
		/* The span is exactly what was signed, unchanged. */
		assert_memory_equal(mem, copy, span);
		check_record_span(mem, len, span, cases[k].sig_len, true);
		assert_int_equal(wire_mesh_parse_record(mem, len, &m), 0);
		check_record(&m, &r);
		if (k == 2)
			assert_int_equal(len, WIRE_MESH_MAX_RECORD);
		/* A flipped signature byte leaves the span alone. */
		mem[len - 1] ^= 0xff;
		check_record_span(mem, len, span, cases[k].sig_len, false);
		assert_memory_equal(mem, copy, span);
	}

	/* LEAVE: a signed record without endpoints or prefixes. */
	make_record(&r, 0, AF_INET, 0, AF_INET);
	r.flags = WIRE_MESH_REC_LEAVE;
	k = (unsigned int)sign_record(mem, sizeof(mem), &r, 256);
	assert_true(k > 0);
	assert_int_equal(wire_mesh_parse_record(mem, k, &m), 0);
	assert_int_equal(m.flags, WIRE_MESH_REC_LEAVE);
	check_record_span(mem, k, k - 258, 256, true);
}

static void test_record_refused(void **state)
{
	static uint8_t mem[WIRE_MESH_MAX_RECORD + 64];
	struct wire_mesh_record r, m;
	struct wire_mesh_buf w;
	size_t len;

	(void)state;
	/* Too big: the span alone, or with the signature. */
	make_record(&r, 8, AF_INET6, WIRE_MAX_ROUTES, AF_INET6);
	wire_mesh_buf_init(&w, mem, sizeof(mem));
	assert_int_equal(wire_mesh_record_build(&w, &r), -EMSGSIZE);
	assert_int_equal(w.len, 0);
	assert_int_equal(wire_mesh_record_len(&r, 256), 0);
	make_record(&r, 8, AF_INET6, 25, AF_INET6);
	assert_int_equal(wire_mesh_record_build(&w, &r), 0);
	assert_int_equal(wire_mesh_record_add_sig(&w, blob, WIRE_MAX_SIG),
			 -EMSGSIZE);
	assert_int_equal(wire_mesh_record_len(&r, WIRE_MAX_SIG), 0);
	assert_true(wire_mesh_record_len(&r, 256) > 0);
	assert_int_equal(wire_mesh_record_add_sig(&w, blob, 256), 0);
	/* The buffer too small. */
	make_record(&r, 2, AF_INET, 3, AF_INET);
	wire_mesh_buf_init(&w, mem, 100);
	assert_int_equal(wire_mesh_record_build(&w, &r), -EMSGSIZE);
	wire_mesh_buf_init(&w, mem, sizeof(mem));
	assert_int_equal(wire_mesh_record_build(&w, &r), 0);
	w.cap = w.len + 100;
	assert_int_equal(wire_mesh_record_add_sig(&w, blob, 256), -EMSGSIZE);
	w.cap = sizeof(mem);
	/* Signature sizes. */
	assert_int_equal(wire_mesh_record_add_sig(&w, blob, 0), -EINVAL);
	assert_int_equal(wire_mesh_record_add_sig(&w, blob, WIRE_MAX_SIG + 1),
			 -EINVAL);
	assert_int_equal(wire_mesh_record_len(&r, 0), 0);
	assert_int_equal(wire_mesh_record_len(&r, WIRE_MAX_SIG + 1), 0);

	/* What does not encode, the encoder refuses (-EINVAL). */
#define REFUSE(stmt) do {						\
		make_record(&r, 2, AF_INET, 3, AF_INET);		\
		stmt;							\
		wire_mesh_buf_init(&w, mem, sizeof(mem));		\
		assert_int_equal(wire_mesh_record_build(&w, &r), -EINVAL); \
		assert_int_equal(w.len, 0);				\
		assert_int_equal(wire_mesh_record_len(&r, 256), 0);	\
	} while (0)
	REFUSE(r.seq = 0);
	REFUSE(r.expiry = 0);
	REFUSE(r.cert_len = 0);
	REFUSE(r.cert_len = WIRE_MAX_CERT + 1);
	REFUSE(r.n_endpoints = WIRE_MESH_MAX_ENDPOINTS + 1);
	REFUSE(r.prefixes.n = WIRE_MAX_ROUTES + 1);
	REFUSE(r.ep[0].port = 0);
	REFUSE(r.ep[0].kind = 0);
	REFUSE(r.ep[0].kind = WIRE_MESH_EP_CONFIGURED + 1);
	REFUSE(r.ep[1].addr.family = AF_UNIX);
	REFUSE(memset(r.ep[1].addr.u.bytes, 0, 16));
	REFUSE(r.prefixes.p[1].len = 8);	/* host bits */
	REFUSE(r.prefixes.p[2].len = 33);
	REFUSE(r.prefixes.p[2].addr.family = 0);
	REFUSE(r.flags = WIRE_MESH_REC_LEAVE);	/* with endpoints */
	REFUSE((r.flags = WIRE_MESH_REC_LEAVE, r.n_endpoints = 0));
#undef REFUSE
	/* Unknown flag bits pass (signed by the origin, for later use). */
	make_record(&r, 2, AF_INET, 3, AF_INET);
	r.flags = 0x80;
	len = sign_record(mem, sizeof(mem), &r, 256);
	assert_true(len > 0);
	assert_int_equal(wire_mesh_parse_record(mem, len, &m), 0);
	assert_int_equal(m.flags, 0x80);
}

/* A record by hand: the fixed part, then the caller's fields. */
static void raw_record_head(struct raw *r, uint8_t magic, uint8_t format)
{
	r->n = 0;
	r8(r, magic);
	r8(r, format);
	rbytes(r, id_a, ID);
	r64(r, 1);
	r64(r, 2);
	r32(r, 0);
	r8(r, 0);
	r16(r, 900);
	rbytes(r, hash32, ID);
}

static void raw_sig(struct raw *r, size_t n)
{
	r16(r, (unsigned int)n);
	rbytes(r, blob, n);
}

static int raw_parse_record(const struct raw *r)
{
	struct wire_mesh_record m;

	return wire_mesh_parse_record(r->d, r->n, &m);
}

static void test_record_wire_limits(void **state)
{
	static struct raw r;
	unsigned int i;

	(void)state;
	raw_record_head(&r, WIRE_MESH_REC_MAGIC, WIRE_MESH_FORMAT);
	r8(&r, 0);
	r8(&r, 0);
	raw_sig(&r, 256);
	assert_int_equal(raw_parse_record(&r), 0);
	raw_record_head(&r, WIRE_MESH_CRL_MAGIC, WIRE_MESH_FORMAT);
	r8(&r, 0);
	r8(&r, 0);
	raw_sig(&r, 256);
	assert_int_equal(raw_parse_record(&r), -EBADMSG);
	raw_record_head(&r, WIRE_MESH_REC_MAGIC, 2);
	r8(&r, 0);
	r8(&r, 0);
	raw_sig(&r, 256);
	assert_int_equal(raw_parse_record(&r), -EBADMSG);

	/* Endpoints: 8 pass, 9 do not (small enough to fit otherwise). */
	for (i = 8; i <= 9; i++) {
		unsigned int k;

		raw_record_head(&r, WIRE_MESH_REC_MAGIC, WIRE_MESH_FORMAT);
		r8(&r, i);
		for (k = 0; k < i; k++) {
			r8(&r, 4);
			r8(&r, 1);
			r16(&r, 1000 + k);
			rbytes(&r, "\x0a\0\0\x01", 4);
		}
		r8(&r, 0);
		raw_sig(&r, 256);
		assert_int_equal(raw_parse_record(&r), i == 8 ? 0 : -EBADMSG);
	}
	/* Prefixes: 64 pass, 65 do not. */
	for (i = WIRE_MAX_ROUTES; i <= WIRE_MAX_ROUTES + 1; i++) {
		unsigned int k;

		raw_record_head(&r, WIRE_MESH_REC_MAGIC, WIRE_MESH_FORMAT);
		r8(&r, 0);
		r8(&r, i);
		for (k = 0; k < i; k++) {
			r8(&r, 4);
			r8(&r, 32);
			rbytes(&r, "\x0a\0\0\x01", 4);
		}
		raw_sig(&r, 256);
		assert_int_equal(raw_parse_record(&r),
				 i == WIRE_MAX_ROUTES ? 0 : -EBADMSG);
	}
	/* Endpoint family 6 with 4 bytes, kind 4, port 0. */
	raw_record_head(&r, WIRE_MESH_REC_MAGIC, WIRE_MESH_FORMAT);
	r8(&r, 1);
	r8(&r, 6);
	r8(&r, 1);
	r16(&r, 1);
	rbytes(&r, "\x0a\0\0\x01", 4);
	r8(&r, 0);
	raw_sig(&r, 256);
	assert_int_equal(raw_parse_record(&r), -EBADMSG);
	raw_record_head(&r, WIRE_MESH_REC_MAGIC, WIRE_MESH_FORMAT);
	r8(&r, 1);
	r8(&r, 4);
	r8(&r, 4);
	r16(&r, 1);
	rbytes(&r, "\x0a\0\0\x01", 4);
	r8(&r, 0);
	raw_sig(&r, 256);
	assert_int_equal(raw_parse_record(&r), -EBADMSG);
	raw_record_head(&r, WIRE_MESH_REC_MAGIC, WIRE_MESH_FORMAT);
	r8(&r, 1);
	r8(&r, 4);
	r8(&r, 1);
	r16(&r, 0);
	rbytes(&r, "\x0a\0\0\x01", 4);
	r8(&r, 0);
	raw_sig(&r, 256);
	assert_int_equal(raw_parse_record(&r), -EBADMSG);
	/* Signature: 0 and 513 bytes. */
	raw_record_head(&r, WIRE_MESH_REC_MAGIC, WIRE_MESH_FORMAT);
	r8(&r, 0);
	r8(&r, 0);
	raw_sig(&r, 0);
	assert_int_equal(raw_parse_record(&r), -EBADMSG);
	raw_record_head(&r, WIRE_MESH_REC_MAGIC, WIRE_MESH_FORMAT);
	r8(&r, 0);
	r8(&r, 0);
	raw_sig(&r, WIRE_MAX_SIG + 1);
	assert_int_equal(raw_parse_record(&r), -EBADMSG);
	/* Over the record limit as a whole, even if every field is fine. */
	raw_record_head(&r, WIRE_MESH_REC_MAGIC, WIRE_MESH_FORMAT);
	r8(&r, 0);
	r8(&r, 34);
	for (i = 0; i < 34; i++) {
		r8(&r, 6);
		r8(&r, 128);
		rbytes(&r, blob, 16);
	}
	raw_sig(&r, WIRE_MAX_SIG);
	assert_true(r.n > WIRE_MESH_MAX_RECORD);
	assert_int_equal(raw_parse_record(&r), -EBADMSG);
}

static void test_crl(void **state)
{
	static uint8_t mem[WIRE_MESH_MAX_CRL + 64];
	static const unsigned int counts[] = { 0, 1, 3, WIRE_MESH_MAX_REVOKED };
	struct wire_mesh_crl c, m;
	struct wire_mesh_buf w;
	unsigned int k, i;
	uint8_t id[ID];

	(void)state;
	for (k = 0; k < 4; k++) {
		const uint8_t *sig;
		size_t span, len, slen;

		make_crl(&c, counts[k]);
		wire_mesh_buf_init(&w, mem, sizeof(mem));
		assert_int_equal(wire_mesh_crl_build(&w, &c), 0);
		span = w.len;
		assert_int_equal(span, WIRE_MESH_CRL_FIXED + counts[k] * ID);
		assert_int_equal(wire_mesh_crl_add_sig(&w, blob + 9,
						       WIRE_MAX_SIG), 0);
		len = w.len;
		if (counts[k] == WIRE_MESH_MAX_REVOKED)
			assert_int_equal(len, WIRE_MESH_MAX_CRL);
		assert_int_equal(wire_mesh_parse_crl(mem, len, &m), 0);
		assert_memory_equal(m.issuer, id_c, ID);
		assert_int_equal(m.version, 42);
		assert_int_equal(m.issued, 1800000000);
		assert_int_equal(m.next_update, 1800086400);
		assert_int_equal(m.n, counts[k]);
		if (counts[k])
			assert_memory_equal(m.ids, crl_ids, counts[k] * ID);
		/* The signed span excludes exactly u16 sig_len and sig. */
		assert_int_equal(m.signed_len, span);
		assert_ptr_equal(m.sig, mem + span + 2);
		assert_int_equal(m.sig_len, WIRE_MAX_SIG);
		assert_memory_equal(m.sig, blob + 9, WIRE_MAX_SIG);
		assert_int_equal(wire_mesh_crl_span(mem, len, &span, &sig,
						    &slen), 0);
		assert_int_equal(span, m.signed_len);
		assert_ptr_equal(sig, m.sig);
		assert_int_equal(slen, WIRE_MAX_SIG);
		for (i = 0; i < counts[k]; i++) {
			assert_true(wire_mesh_crl_contains(&m,
							   crl_ids + i * ID));
			make_id(id, i * 15 + 6);
			assert_false(wire_mesh_crl_contains(&m, id));
		}
		make_id(id, 0);
		assert_false(wire_mesh_crl_contains(&m, id));
		memset(id, 0xff, ID);
		assert_false(wire_mesh_crl_contains(&m, id));
	}

	/* The encoder refuses what the parser would. */
	make_crl(&c, WIRE_MESH_MAX_REVOKED + 1);
	assert_int_equal(wire_mesh_crl_build(&w, &c), -EINVAL);
	make_crl(&c, 3);
	memcpy(crl_ids + 2 * ID, crl_ids, ID);		/* unsorted */
	assert_int_equal(wire_mesh_crl_build(&w, &c), -EINVAL);
	memcpy(crl_ids + 2 * ID, crl_ids + ID, ID);	/* duplicate */
	assert_int_equal(wire_mesh_crl_build(&w, &c), -EINVAL);
	make_crl(&c, 3);
	c.version = 0;
	assert_int_equal(wire_mesh_crl_build(&w, &c), -EINVAL);
	make_crl(&c, 3);
	c.next_update = c.issued - 1;
	assert_int_equal(wire_mesh_crl_build(&w, &c), -EINVAL);
	make_crl(&c, 3);
	c.ids = NULL;
	assert_int_equal(wire_mesh_crl_build(&w, &c), -EINVAL);
	make_crl(&c, 3);
	wire_mesh_buf_init(&w, mem, 100);
	assert_int_equal(wire_mesh_crl_build(&w, &c), -EMSGSIZE);
	assert_int_equal(w.len, 0);
}

static void test_crl_wire_limits(void **state)
{
	static struct raw r;
	struct wire_mesh_crl m;
	unsigned int n;

	(void)state;
	/* 4096 ids pass, 4097 (still under WIRE_MESH_MAX_CRL) do not. */
	for (n = WIRE_MESH_MAX_REVOKED; n <= WIRE_MESH_MAX_REVOKED + 1; n++) {
		unsigned int i;

		r.n = 0;
		r8(&r, WIRE_MESH_CRL_MAGIC);
		r8(&r, WIRE_MESH_FORMAT);
		rbytes(&r, id_c, ID);
		r64(&r, 1);
		r64(&r, 5);
		r64(&r, 5);
		r16(&r, n);
		for (i = 0; i < n; i++) {
			uint8_t id[ID];

			make_id(id, i * 15 + 5);
			rbytes(&r, id, ID);
		}
		raw_sig(&r, 256);
		assert_true(r.n <= WIRE_MESH_MAX_CRL);
		assert_int_equal(wire_mesh_parse_crl(r.d, r.n, &m),
				 n == WIRE_MESH_MAX_REVOKED ? 0 : -EBADMSG);
	}
	/* Over the size limit. */
	assert_int_equal(wire_mesh_parse_crl(r.d, WIRE_MESH_MAX_CRL + 1, &m),
			 -EBADMSG);
}

/* Each sample parses as its type, and into the values it was made of. */
static void test_small_round_trips(void **state)
{
	struct wire_mesh_record_request rq;
	struct wire_mesh_digest_summary ds;
	struct wire_mesh_digest_buckets db;
	struct wire_mesh_digest_entries de;
	struct wire_mesh_digest_request dr;
	struct wire_mesh_ping p;
	struct wire_mesh_ack a;
	struct wire_mesh_ping_req pr;
	struct wire_mesh_suspect su;
	struct wire_mesh_probe pb;
	struct wire_mesh_route_update ru;
	struct wire_mesh_seqno_request sr;
	struct wire_mesh_object_chunk oc;
	struct wire_mesh_object_request orq;
	struct wire_mesh_relayed_hs rh;
	const struct sample *s;
	uint64_t v;
	unsigned int i;

	(void)state;
	s = &samples[5];	/* record_request max */
	assert_string_equal(s->name, "record_request max");
	assert_int_equal(s->len, 1 + WIRE_MESH_MAX_REQUESTS * 41);
	assert_int_equal(wire_mesh_parse_record_request(s->body, s->len, &rq),
			 0);
	assert_int_equal(rq.n, WIRE_MESH_MAX_REQUESTS);
	for (i = 0; i < rq.n; i++) {
		assert_memory_equal(rq.e[i].origin, route_ids[i], ID);
		assert_int_equal(rq.e[i].have_seq, i * 1000);
		assert_int_equal(rq.e[i].want, 1 + i % 3);
	}
	s = &samples[6];
	assert_int_equal(wire_mesh_parse_digest_summary(s->body, s->len, &ds),
			 0);
	assert_int_equal(ds.members, 10000);
	assert_memory_equal(ds.set_hash, blob + 3, WIRE_MESH_SET_HASH_LEN);
	s = &samples[8];
	assert_string_equal(s->name, "digest_buckets max");
	assert_int_equal(wire_mesh_parse_digest_buckets(s->body, s->len, &db),
			 0);
	assert_int_equal(db.first, 192);
	assert_int_equal(db.n, WIRE_MESH_MAX_DIGEST_BUCKETS);
	assert_int_equal(db.b[63].members, 40 + 63);
	assert_memory_equal(db.b[63].hash, blob + 63, 8);
	s = &samples[11];
	assert_string_equal(s->name, "digest_entries max");
	assert_int_equal(wire_mesh_parse_digest_entries(s->body, s->len, &de),
			 0);
	assert_int_equal(de.n, WIRE_MESH_MAX_DIGEST_ENTRIES);
	assert_int_equal(de.total, WIRE_MESH_MAX_DIGEST_ENTRIES + 100);
	assert_int_equal(de.offset, 100);
	for (i = 0; i < de.n; i++) {
		assert_memory_equal(de.e[i].origin, entry_ids[i], ID);
		assert_int_equal(de.e[i].seq, 7 + i);
	}
	s = &samples[13];
	assert_int_equal(wire_mesh_parse_digest_request(s->body, s->len, &dr),
			 0);
	assert_int_equal(dr.what, WIRE_MESH_DIGEST_WANT_ENTRIES);
	assert_int_equal(dr.first, 7);
	assert_int_equal(dr.last, 9);
	assert_int_equal(dr.offset, 58);
	s = &samples[14];
	assert_int_equal(s->len, 12);
	assert_int_equal(wire_mesh_parse_ping(s->body, s->len, &p), 0);
	assert_int_equal(p.seq, 0xfffffffe);
	assert_int_equal(p.incarnation, 77);
	s = &samples[16];
	assert_int_equal(wire_mesh_parse_ack(s->body, s->len, &a), 0);
	assert_int_equal(a.seq, 6);
	assert_int_equal(a.flags, WIRE_MESH_ACK_NACK);
	assert_int_equal(a.incarnation, 0);
	assert_memory_equal(a.target, id_c, ID);
	s = &samples[17];
	assert_int_equal(wire_mesh_parse_ping_req(s->body, s->len, &pr), 0);
	assert_int_equal(pr.seq, 9);
	assert_memory_equal(pr.target, id_c, ID);
	s = &samples[19];
	assert_int_equal(wire_mesh_parse_suspect(s->body, s->len, &su), 0);
	assert_int_equal(su.state, WIRE_MESH_STATE_DEAD);
	assert_memory_equal(su.target, id_b, ID);
	assert_int_equal(su.incarnation, 12);
	assert_memory_equal(su.reporter, id_c, ID);
	s = &samples[20];
	assert_int_equal(s->len, 12);	/* probes are small */
	assert_int_equal(wire_mesh_parse_probe(s->body, s->len, &pb), 0);
	assert_int_equal(pb.timestamp, 0x1122334455667788ULL);
	assert_int_equal(wire_mesh_parse_echo(s->body, s->len, &pb), -EBADMSG);
	s = &samples[21];
	assert_int_equal(s->len, 16);
	assert_int_equal(wire_mesh_parse_echo(s->body, s->len, &pb), 0);
	assert_int_equal(pb.seq, 1);
	assert_int_equal(pb.timestamp, 0x1122334455667788ULL);
	assert_int_equal(pb.held_us, 250);
	s = &samples[23];
	assert_string_equal(s->name, "route_update max");
	assert_int_equal(wire_mesh_parse_route_update(s->body, s->len, &ru),
			 0);
	assert_int_equal(ru.interval, 1600);
	assert_int_equal(ru.n, WIRE_MESH_MAX_ROUTE_ENTRIES);
	for (i = 0; i < ru.n; i++) {
		assert_memory_equal(ru.e[i].origin, route_ids[i], ID);
		assert_int_equal(ru.e[i].seqno, (uint16_t)(65530 + i));
		assert_int_equal(ru.e[i].metric, i == 1 ? 0xffff :
				 96 * (i + 1));
	}
	s = &samples[24];
	assert_int_equal(wire_mesh_parse_seqno_request(s->body, s->len, &sr),
			 0);
	assert_memory_equal(sr.origin, id_a, ID);
	assert_int_equal(sr.seqno, 65535);
	assert_int_equal(sr.hop_count, 127);
	assert_memory_equal(sr.requester, id_b, ID);
	s = &samples[25];
	assert_int_equal(wire_mesh_parse_revocation_version(s->body, s->len,
							    &v), 0);
	assert_int_equal(v, 0x8000000000000001ULL);
	s = &samples[27];
	assert_string_equal(s->name, "object_chunk max");
	assert_int_equal(s->len, WIRE_MESH_MAX_BODY);
	assert_int_equal(wire_mesh_parse_object_chunk(s->body, s->len, &oc),
			 0);
	assert_int_equal(oc.kind, WIRE_MESH_OBJ_CRL);
	assert_int_equal(oc.total, WIRE_MESH_MAX_CRL);
	assert_int_equal(oc.offset, 0);
	assert_int_equal(oc.data_len,
			 WIRE_MESH_MAX_BODY - WIRE_MESH_CHUNK_FIXED);
	assert_memory_equal(oc.data, blob, oc.data_len);
	s = &samples[29];
	assert_int_equal(wire_mesh_parse_object_request(s->body, s->len, &orq),
			 0);
	assert_int_equal(orq.kind, WIRE_MESH_OBJ_CRL);
	s = &samples[30];
	assert_string_equal(s->name, "relayed first");
	assert_int_equal(s->len, WIRE_MESH_MAX_BODY);
	assert_int_equal(wire_mesh_parse_relayed_hs(s->body, s->len, &rh), 0);
	assert_int_equal(rh.hop_limit, 8);
	assert_memory_equal(rh.src, id_a, ID);
	assert_memory_equal(rh.dst, id_b, ID);
	assert_int_equal(rh.packet_id, 77);
	assert_int_equal(rh.total, init_pkt.len);
	assert_int_equal(rh.offset, 0);
	assert_memory_equal(rh.data, init_pkt.data, rh.data_len);
}

/* ---- refusals ---------------------------------------------------------- */

static void test_truncation(void **state)
{
	unsigned int k;
	size_t l;

	(void)state;
	for (k = 0; k < n_samples; k++) {
		const struct sample *s = &samples[k];

		assert_int_equal(wire_mesh_check_body(s->type, s->body,
						      s->len), 0);
		for (l = 0; l < s->len; l++)
			if (wire_mesh_check_body(s->type, s->body, l) !=
			    -EBADMSG)
				fail_msg("%s: truncated to %zu accepted",
					 s->name, l);
	}
}

static void test_trailing(void **state)
{
	static uint8_t buf[WIRE_MESH_MAX_BODY + 2];
	unsigned int k, extra;

	(void)state;
	for (k = 0; k < n_samples; k++) {
		const struct sample *s = &samples[k];

		memcpy(buf, s->body, s->len);
		for (extra = 1; extra <= 2; extra++) {
			buf[s->len + extra - 1] = 0;
			if (wire_mesh_check_body(s->type, buf,
						 s->len + extra) != -EBADMSG)
				fail_msg("%s: %u trailing bytes accepted",
					 s->name, extra);
		}
	}
}

static void test_crl_truncation(void **state)
{
	static uint8_t mem[WIRE_MESH_MAX_CRL + 1];
	struct wire_mesh_crl c, m;
	size_t len, l;

	(void)state;
	make_crl(&c, 200);
	len = sign_crl(mem, sizeof(mem), &c, 256);
	assert_true(len > 0);
	for (l = 0; l < len; l++)
		assert_int_equal(wire_mesh_parse_crl(mem, l, &m), -EBADMSG);
	mem[len] = 0;
	assert_int_equal(wire_mesh_parse_crl(mem, len + 1, &m), -EBADMSG);
	/* The biggest, cut anywhere in its last part. */
	make_crl(&c, WIRE_MESH_MAX_REVOKED);
	len = sign_crl(mem, sizeof(mem), &c, WIRE_MAX_SIG);
	assert_int_equal(len, WIRE_MESH_MAX_CRL);
	for (l = len - 600; l < len; l++)
		assert_int_equal(wire_mesh_parse_crl(mem, l, &m), -EBADMSG);
	assert_int_equal(wire_mesh_parse_crl(mem, len, &m), 0);
	assert_int_equal(wire_mesh_parse_crl(NULL, 0, &m), -EBADMSG);
}

/* A body by hand for the type; check_body's verdict. */
static int raw_check(unsigned int type, const struct raw *r)
{
	return wire_mesh_check_body(type, r->d, r->n);
}

static void test_counts_and_ranges(void **state)
{
	static struct raw r;
	unsigned int i;

	(void)state;
	/* RECORD_REQUEST: 0 entries; want without a known bit. */
	r.n = 0;
	r8(&r, 0);
	assert_int_equal(raw_check(WIRE_MESH_RECORD_REQUEST, &r), -EBADMSG);
	r.n = 0;
	r8(&r, 1);
	rbytes(&r, id_a, ID);
	r64(&r, 0);
	r8(&r, 0x04);
	assert_int_equal(raw_check(WIRE_MESH_RECORD_REQUEST, &r), -EBADMSG);
	r.d[r.n - 1] = 0x06;	/* unknown bits with a known one pass */
	assert_int_equal(raw_check(WIRE_MESH_RECORD_REQUEST, &r), 0);
	r.n = 0;
	r8(&r, WIRE_MESH_MAX_REQUESTS + 1);
	for (i = 0; i <= WIRE_MESH_MAX_REQUESTS; i++) {
		rbytes(&r, id_a, ID);
		r64(&r, 0);
		r8(&r, 1);
	}
	assert_int_equal(raw_check(WIRE_MESH_RECORD_REQUEST, &r), -EBADMSG);

	/* DIGEST_BUCKETS: 0, 65 (fits a body), past bucket 255. */
	for (i = 0; i < 3; i++) {
		static const unsigned int first[] = { 0, 0, 250 };
		static const unsigned int n[] = { 0, 65, 7 };
		unsigned int k;

		r.n = 0;
		r8(&r, first[i]);
		r8(&r, n[i]);
		for (k = 0; k < n[i]; k++) {
			r16(&r, 1);
			rbytes(&r, blob, 8);
		}
		assert_true(r.n <= WIRE_MESH_MAX_BODY);
		assert_int_equal(raw_check(WIRE_MESH_DIGEST_BUCKETS, &r),
				 -EBADMSG);
	}
	r.d[0] = 249;		/* 249 + 7 = 256: the last page */
	assert_int_equal(raw_check(WIRE_MESH_DIGEST_BUCKETS, &r), 0);

	/* DIGEST_ENTRIES: first > last, offset + n > total, order, range. */
#define ENTRIES(F, L, TOT, OFF, CNT, K0, STEP) do {			\
		unsigned int k_;					\
		r.n = 0;						\
		r8(&r, F);						\
		r8(&r, L);						\
		r32(&r, TOT);						\
		r32(&r, OFF);						\
		r8(&r, CNT);						\
		for (k_ = 0; k_ < (CNT); k_++) {			\
			uint8_t id_[ID];				\
			make_id(id_, (unsigned int)((K0) +		\
						    (int)k_ * (STEP))); \
			rbytes(&r, id_, ID);				\
			r64(&r, 1);					\
		}							\
	} while (0)
	ENTRIES(2, 3, 10, 0, 3, 0x200, 5);
	assert_int_equal(raw_check(WIRE_MESH_DIGEST_ENTRIES, &r), 0);
	ENTRIES(3, 2, 10, 0, 3, 0x200, 5);
	assert_int_equal(raw_check(WIRE_MESH_DIGEST_ENTRIES, &r), -EBADMSG);
	ENTRIES(2, 3, 10, 8, 3, 0x200, 5);
	assert_int_equal(raw_check(WIRE_MESH_DIGEST_ENTRIES, &r), -EBADMSG);
	ENTRIES(2, 3, 0xffffffffu, 0xfffffffeu, 3, 0x200, 5);
	assert_int_equal(raw_check(WIRE_MESH_DIGEST_ENTRIES, &r), -EBADMSG);
	ENTRIES(2, 3, 10, 0, 3, 0x220, -5);		/* descending */
	assert_int_equal(raw_check(WIRE_MESH_DIGEST_ENTRIES, &r), -EBADMSG);
	ENTRIES(2, 3, 10, 0, 3, 0x200, 0);		/* duplicates */
	assert_int_equal(raw_check(WIRE_MESH_DIGEST_ENTRIES, &r), -EBADMSG);
	ENTRIES(2, 3, 10, 0, 3, 0x1ff, 5);		/* bucket 1 */
	assert_int_equal(raw_check(WIRE_MESH_DIGEST_ENTRIES, &r), -EBADMSG);
	ENTRIES(2, 3, 10, 0, 3, 0x3ff, 5);		/* bucket 4 */
	assert_int_equal(raw_check(WIRE_MESH_DIGEST_ENTRIES, &r), -EBADMSG);
	ENTRIES(0, 255, 100, 0, WIRE_MESH_MAX_DIGEST_ENTRIES + 1, 0, 5);
	assert_int_equal(raw_check(WIRE_MESH_DIGEST_ENTRIES, &r), -EBADMSG);
#undef ENTRIES

	/* DIGEST_REQUEST. */
	r.n = 0;
	r8(&r, WIRE_MESH_DIGEST_WANT_BUCKETS);
	r8(&r, 0);
	r8(&r, 255);
	r32(&r, 0);
	assert_int_equal(raw_check(WIRE_MESH_DIGEST_REQUEST, &r), 0);
	r.d[r.n - 1] = 1;	/* buckets take no offset */
	assert_int_equal(raw_check(WIRE_MESH_DIGEST_REQUEST, &r), -EBADMSG);
	r.d[r.n - 1] = 0;
	r.d[1] = 200;
	r.d[2] = 100;		/* first > last */
	assert_int_equal(raw_check(WIRE_MESH_DIGEST_REQUEST, &r), -EBADMSG);
	r.d[2] = 200;
	for (i = 0; i < 256; i += 3) {
		r.d[0] = (uint8_t)i;
		assert_int_equal(raw_check(WIRE_MESH_DIGEST_REQUEST, &r),
				 i == 1 || i == 2 ? 0 : -EBADMSG);
	}

	/* SUSPECT: state, target == reporter. */
	r.n = 0;
	r8(&r, 0);
	rbytes(&r, id_a, ID);
	r64(&r, 1);
	rbytes(&r, id_b, ID);
	for (i = 0; i < 256; i++) {
		r.d[0] = (uint8_t)i;
		assert_int_equal(raw_check(WIRE_MESH_SUSPECT, &r),
				 i == 1 || i == 2 ? 0 : -EBADMSG);
	}
	r.d[0] = 1;
	memcpy(r.d + 1 + ID + 8, id_a, ID);
	assert_int_equal(raw_check(WIRE_MESH_SUSPECT, &r), -EBADMSG);

	/* ROUTE_UPDATE: 0 and 33 entries. */
	r.n = 0;
	r16(&r, 100);
	r8(&r, 0);
	assert_int_equal(raw_check(WIRE_MESH_ROUTE_UPDATE, &r), -EBADMSG);
	r.n = 0;
	r16(&r, 100);
	r8(&r, WIRE_MESH_MAX_ROUTE_ENTRIES + 1);
	for (i = 0; i <= WIRE_MESH_MAX_ROUTE_ENTRIES; i++) {
		rbytes(&r, id_a, ID);
		r16(&r, 1);
		r16(&r, 2);
		r8(&r, 0);
	}
	assert_int_equal(raw_check(WIRE_MESH_ROUTE_UPDATE, &r), -EBADMSG);

	/* ROUTE_SEQNO_REQUEST: hop count 0, asking oneself. */
	r.n = 0;
	rbytes(&r, id_a, ID);
	r16(&r, 1);
	r8(&r, 0);
	rbytes(&r, id_b, ID);
	assert_int_equal(raw_check(WIRE_MESH_ROUTE_SEQNO_REQUEST, &r),
			 -EBADMSG);
	r.d[ID + 2] = 1;
	assert_int_equal(raw_check(WIRE_MESH_ROUTE_SEQNO_REQUEST, &r), 0);
	memcpy(r.d + ID + 3, id_a, ID);
	assert_int_equal(raw_check(WIRE_MESH_ROUTE_SEQNO_REQUEST, &r),
			 -EBADMSG);
}

/* OBJECT_CHUNK by hand. */
static void raw_chunk(struct raw *r, unsigned int kind, uint32_t total,
		      uint32_t offset, size_t len)
{
	r->n = 0;
	r8(r, kind);
	rbytes(r, hash32, ID);
	r32(r, total);
	r32(r, offset);
	r16(r, (unsigned int)len);
	rbytes(r, blob, len);
}

/* RELAYED_HANDSHAKE by hand. */
static void raw_relay(struct raw *r, unsigned int hop, const uint8_t *src,
		      uint32_t total, uint32_t offset, const uint8_t *data,
		      size_t len)
{
	r->n = 0;
	r8(r, hop);
	rbytes(r, src, ID);
	rbytes(r, id_b, ID);
	r32(r, 5);
	r16(r, total);
	r16(r, offset);
	r16(r, (unsigned int)len);
	rbytes(r, data, len);
}

static void test_objects_and_relay_ranges(void **state)
{
	static struct raw r;
	static uint8_t pkt[WIRE_MAX_DATAGRAM];
	struct wire_buf w;

	(void)state;
	raw_chunk(&r, WIRE_MESH_OBJ_CERT, WIRE_MAX_CERT, WIRE_MAX_CERT - 10,
		  10);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_CHUNK, &r), 0);
	raw_chunk(&r, WIRE_MESH_OBJ_CERT, WIRE_MAX_CERT + 1, 0, 10);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_CHUNK, &r), -EBADMSG);
	raw_chunk(&r, WIRE_MESH_OBJ_CRL, WIRE_MESH_MAX_CRL + 1, 0, 10);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_CHUNK, &r), -EBADMSG);
	raw_chunk(&r, WIRE_MESH_OBJ_CERT, 0, 0, 10);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_CHUNK, &r), -EBADMSG);
	raw_chunk(&r, WIRE_MESH_OBJ_CERT, 100, 100, 10);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_CHUNK, &r), -EBADMSG);
	raw_chunk(&r, WIRE_MESH_OBJ_CERT, 100, 91, 10);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_CHUNK, &r), -EBADMSG);
	raw_chunk(&r, WIRE_MESH_OBJ_CERT, 100, 90, 10);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_CHUNK, &r), 0);
	raw_chunk(&r, WIRE_MESH_OBJ_CERT, 100, 0, 0);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_CHUNK, &r), -EBADMSG);
	raw_chunk(&r, 0, 100, 0, 10);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_CHUNK, &r), -EBADMSG);
	raw_chunk(&r, 3, 100, 0, 10);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_CHUNK, &r), -EBADMSG);
	raw_chunk(&r, WIRE_MESH_OBJ_CRL, WIRE_MESH_MAX_CRL, 0,
		  WIRE_MESH_MAX_BODY - WIRE_MESH_CHUNK_FIXED + 1);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_CHUNK, &r), -EBADMSG);

	/* OBJECT_REQUEST: ranges, the zero key. */
	r.n = 0;
	r8(&r, WIRE_MESH_OBJ_CERT);
	rbytes(&r, hash32, ID);
	r32(&r, WIRE_MAX_CERT - 1);
	r32(&r, 1);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_REQUEST, &r), 0);
	r.d[r.n - 1] = 2;
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_REQUEST, &r), -EBADMSG);
	r.n = 1 + ID;
	r32(&r, WIRE_MAX_CERT);				/* offset 2048 */
	r32(&r, 0);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_REQUEST, &r), -EBADMSG);
	r.n = 0;
	r8(&r, WIRE_MESH_OBJ_CERT);
	memset(r.d + r.n, 0, ID);
	r.n += ID;
	r32(&r, 0);
	r32(&r, 0);
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_REQUEST, &r), -EBADMSG);
	r.d[0] = WIRE_MESH_OBJ_CRL;
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_REQUEST, &r), 0);
	r.d[1 + ID + 3] = 1;				/* with an offset */
	assert_int_equal(raw_check(WIRE_MESH_OBJECT_REQUEST, &r), -EBADMSG);

	/* RELAYED_HANDSHAKE. */
	build_confirm(&w);
	memcpy(pkt, w.data, w.len);
	raw_relay(&r, 1, id_a, (uint32_t)w.len, 0, pkt, w.len);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), 0);
	raw_relay(&r, 0, id_a, (uint32_t)w.len, 0, pkt, w.len);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), -EBADMSG);
	raw_relay(&r, WIRE_MESH_MAX_HOPS + 1, id_a, (uint32_t)w.len, 0, pkt,
		  w.len);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), -EBADMSG);
	raw_relay(&r, 1, id_b, (uint32_t)w.len, 0, pkt, w.len);	/* src=dst */
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), -EBADMSG);
	/* The total must be the header's. */
	raw_relay(&r, 1, id_a, (uint32_t)w.len + 1, 0, pkt, w.len);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), -EBADMSG);
	/* A first piece without the whole header. */
	raw_relay(&r, 1, id_a, (uint32_t)w.len, 0, pkt, WIRE_HDR_LEN - 1);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), -EBADMSG);
	raw_relay(&r, 1, id_a, (uint32_t)w.len, 0, pkt, WIRE_HDR_LEN);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), 0);
	/* Later pieces are not looked into; ranges are. */
	raw_relay(&r, 1, id_a, (uint32_t)w.len, 30, blob, 10);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), 0);
	raw_relay(&r, 1, id_a, (uint32_t)w.len, (uint32_t)w.len - 9, blob, 10);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), -EBADMSG);
	raw_relay(&r, 1, id_a, WIRE_HDR_LEN - 1, 1, blob, 10);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), -EBADMSG);
	raw_relay(&r, 1, id_a, WIRE_MAX_DATAGRAM + 1, 100, blob, 10);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), -EBADMSG);
	raw_relay(&r, 1, id_a, WIRE_MAX_DATAGRAM, 100, blob, 10);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), 0);
	/* Only INIT, RESP and CONFIRM travel; a bad header does not. */
	wire_begin(&w, WIRE_MSG_COOKIE, dcid, scid);
	wire_put_zeros(&w, 40);
	assert_int_equal(wire_finish(&w), 0);
	raw_relay(&r, 1, id_a, (uint32_t)w.len, 0, w.data, w.len);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), -EBADMSG);
	assert_int_equal(wire_build_hello(&w, dcid, scid, blob, 100), 0);
	raw_relay(&r, 1, id_a, (uint32_t)w.len, 0, w.data, w.len);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), -EBADMSG);
	build_confirm(&w);
	w.data[1] ^= 1;		/* version */
	raw_relay(&r, 1, id_a, (uint32_t)w.len, 0, w.data, w.len);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), -EBADMSG);
	build_confirm(&w);
	w.data[0] &= 0x7f;	/* short header */
	raw_relay(&r, 1, id_a, (uint32_t)w.len, 0, w.data, w.len);
	assert_int_equal(raw_check(WIRE_MESH_RELAYED_HANDSHAKE, &r), -EBADMSG);
}

static void test_put_refused(void **state)
{
	static uint8_t mem[WIRE_MESH_MIN_MTU];
	struct wire_mesh_buf b;
	struct wire_mesh_route_update ru;
	struct wire_mesh_digest_entries de;
	struct wire_mesh_record_request rq;
	struct wire_mesh_digest_buckets db;

	(void)state;
	assert_int_equal(wire_mesh_bundle_init(&b, mem, sizeof(mem)), 0);
	make_routes(&ru, WIRE_MESH_MAX_ROUTE_ENTRIES + 1);
	assert_int_equal(wire_mesh_put_route_update(&b, &ru), -EINVAL);
	make_routes(&ru, 0);
	assert_int_equal(wire_mesh_put_route_update(&b, &ru), -EINVAL);
	make_entries(&de, WIRE_MESH_MAX_DIGEST_ENTRIES + 1);
	assert_int_equal(wire_mesh_put_digest_entries(&b, &de), -EINVAL);
	make_entries(&de, 3);
	de.e[2].origin = de.e[0].origin;
	assert_int_equal(wire_mesh_put_digest_entries(&b, &de), -EINVAL);
	make_request(&rq, WIRE_MESH_MAX_REQUESTS + 1);
	assert_int_equal(wire_mesh_put_record_request(&b, &rq), -EINVAL);
	make_buckets(&db, 250, 7);
	assert_int_equal(wire_mesh_put_digest_buckets(&b, &db), -EINVAL);
	assert_int_equal(wire_mesh_put_suspect(&b, &(struct wire_mesh_suspect){
		3, id_a, 1, id_b }), -EINVAL);
	assert_int_equal(wire_mesh_put_suspect(&b, &(struct wire_mesh_suspect){
		1, id_a, 1, NULL }), -EINVAL);
	assert_int_equal(wire_mesh_put_ack(&b, &(struct wire_mesh_ack){
		1, 0, 1, NULL }), -EINVAL);
	assert_int_equal(wire_mesh_put_seqno_request(&b,
		&(struct wire_mesh_seqno_request){ id_a, 1, 0, id_b }),
		-EINVAL);
	assert_int_equal(wire_mesh_put_object_chunk(&b,
		&(struct wire_mesh_object_chunk){ WIRE_MESH_OBJ_CERT, hash32,
			10, 5, blob, 6 }), -EINVAL);
	assert_int_equal(wire_mesh_put_object_chunk(&b,
		&(struct wire_mesh_object_chunk){ WIRE_MESH_OBJ_CERT, hash32,
			10, 5, blob, 0 }), -EINVAL);
	assert_int_equal(wire_mesh_put_object_chunk(&b,
		&(struct wire_mesh_object_chunk){ WIRE_MESH_OBJ_CRL, hash32,
			WIRE_MESH_MAX_CRL, 0, blob,
			WIRE_MESH_MAX_BODY - WIRE_MESH_CHUNK_FIXED + 1 }),
		-EINVAL);
	assert_int_equal(wire_mesh_put_relayed_hs(&b,
		&(struct wire_mesh_relayed_hs){ 0, id_a, id_b, 1,
			(uint16_t)confirm_pkt.len, 0, confirm_pkt.data,
			confirm_pkt.len }), -EINVAL);
	assert_int_equal(wire_mesh_put_relayed_hs(&b,
		&(struct wire_mesh_relayed_hs){ 1, id_a, id_a, 1,
			(uint16_t)confirm_pkt.len, 0, confirm_pkt.data,
			confirm_pkt.len }), -EINVAL);
	assert_int_equal(wire_mesh_put_digest_request(&b,
		&(struct wire_mesh_digest_request){ 3, 0, 0, 0 }), -EINVAL);
	assert_int_equal(wire_mesh_bundle_add(&b, 0, blob, 1), -EINVAL);
	assert_int_equal(wire_mesh_bundle_add(&b, 256, blob, 1), -EINVAL);
	assert_int_equal(wire_mesh_bundle_add(&b, 200, blob,
					      WIRE_MESH_MAX_BODY + 1), -EINVAL);
	/* A body its type refuses. */
	assert_int_equal(wire_mesh_bundle_add(&b, WIRE_MESH_PING, blob, 11),
			 -EINVAL);
	/* Nothing of it was left in the bundle. */
	assert_int_equal(b.len, 0);
	/* Unknown types are carried as they are. */
	assert_int_equal(wire_mesh_bundle_add(&b, 200, blob, 5), 0);
	assert_int_equal(wire_mesh_bundle_add(&b, 201, NULL, 0), 0);
	assert_int_equal(b.len, 3 + 5 + 3);
	assert_int_equal(wire_mesh_bundle_check(b.data, b.len), 2);
}

/* ---- bundles ----------------------------------------------------------- */

static void test_bundle_framing(void **state)
{
	static uint8_t buf[WIRE_MESH_MAX_MTU + 2];
	static uint8_t mem[WIRE_MESH_MAX_MTU];
	struct wire_mesh_reader r;
	struct wire_mesh_tlv t;
	struct wire_mesh_buf b;
	int ret;

	(void)state;
	assert_int_equal(wire_mesh_bundle_init(&b, mem, WIRE_MESH_MIN_MTU - 1),
			 -EINVAL);
	assert_int_equal(wire_mesh_bundle_room(&b), 0);
	assert_int_equal(wire_mesh_put_ping(&b, &(struct wire_mesh_ping){ 1,
								2 }),
			 -EMSGSIZE);
	assert_int_equal(wire_mesh_bundle_init(&b, mem, WIRE_MESH_MAX_MTU + 1),
			 -EINVAL);
	assert_int_equal(wire_mesh_bundle_init(&b, NULL, WIRE_MESH_MIN_MTU),
			 -EINVAL);
	assert_int_equal(wire_mesh_bundle_init(&b, mem, WIRE_MESH_MAX_MTU), 0);
	assert_int_equal(wire_mesh_bundle_room(&b), WIRE_MESH_MAX_BODY);
	assert_int_equal(wire_mesh_bundle_init(&b, mem, WIRE_MESH_MIN_MTU), 0);
	assert_int_equal(wire_mesh_bundle_room(&b), WIRE_MESH_MAX_BODY);
	assert_int_equal(wire_mesh_chunk_room(&b),
			 WIRE_MESH_MAX_BODY - WIRE_MESH_CHUNK_FIXED);
	assert_int_equal(wire_mesh_relay_room(&b),
			 WIRE_MESH_MAX_BODY - WIRE_MESH_RELAY_FIXED);

	/* Empty: nothing to read, and refused as a datagram. */
	wire_mesh_reader_init(&r, buf, 0);
	assert_int_equal(wire_mesh_bundle_next(&r, &t), 0);
	assert_int_equal(wire_mesh_bundle_check(buf, 0), -EBADMSG);
	assert_int_equal(wire_mesh_bundle_check(NULL, 0), -EBADMSG);
	/* Type 0. */
	memcpy(buf, "\x00\x00\x00", 3);
	assert_int_equal(wire_mesh_bundle_check(buf, 3), -EBADMSG);
	/* A lone or short header, a length past the end. */
	memcpy(buf, "\xc8\x00\x00\xc8", 4);
	assert_int_equal(wire_mesh_bundle_check(buf, 3), 1);
	assert_int_equal(wire_mesh_bundle_check(buf, 4), -EBADMSG);
	assert_int_equal(wire_mesh_bundle_check(buf, 2), -EBADMSG);
	memcpy(buf, "\xc8\x00\x05\x01\x02\x03\x04", 7);
	assert_int_equal(wire_mesh_bundle_check(buf, 7), -EBADMSG);
	/* The error sticks. */
	wire_mesh_reader_init(&r, buf, 7);
	assert_int_equal(wire_mesh_bundle_next(&r, &t), -EBADMSG);
	assert_int_equal(wire_mesh_bundle_next(&r, &t), -EBADMSG);
	/* A body over WIRE_MESH_MAX_BODY, even of an unknown type. */
	memset(buf, 0, sizeof(buf));
	buf[0] = 0xc8;
	buf[1] = (WIRE_MESH_MAX_BODY + 1) >> 8;
	buf[2] = (uint8_t)(WIRE_MESH_MAX_BODY + 1);
	assert_int_equal(wire_mesh_bundle_check(buf, 3 + WIRE_MESH_MAX_BODY + 1),
			 -EBADMSG);
	buf[2] = (uint8_t)WIRE_MESH_MAX_BODY;
	assert_int_equal(wire_mesh_bundle_check(buf, 3 + WIRE_MESH_MAX_BODY),
			 1);
	/* A bundle over the largest MTU. */
	assert_int_equal(wire_mesh_bundle_check(buf, WIRE_MESH_MAX_MTU + 1),
			 -EBADMSG);
	/* One bad body refuses the bundle; unknown types are skipped. */
	assert_int_equal(wire_mesh_bundle_init(&b, mem, WIRE_MESH_MIN_MTU), 0);
	assert_int_equal(wire_mesh_put_ping(&b, &(struct wire_mesh_ping){ 1,
								2 }), 0);
	assert_int_equal(wire_mesh_bundle_add(&b, 99, blob, 10), 0);
	assert_int_equal(wire_mesh_put_suspect(&b, &(struct wire_mesh_suspect){
		WIRE_MESH_STATE_SUSPECT, id_a, 1, id_b }), 0);
	assert_int_equal(wire_mesh_bundle_check(b.data, b.len), 3);
	wire_mesh_reader_init(&r, b.data, b.len);
	assert_int_equal(wire_mesh_bundle_next(&r, &t), 1);
	assert_int_equal(t.type, WIRE_MESH_PING);
	assert_int_equal(wire_mesh_bundle_next(&r, &t), 1);
	assert_int_equal(t.type, 99);
	assert_int_equal(wire_mesh_bundle_next(&r, &t), 1);
	assert_int_equal(t.type, WIRE_MESH_SUSPECT);
	assert_int_equal(wire_mesh_bundle_next(&r, &t), 0);
	b.data[3 + 12 + 3 + 10 + 3] = 0;	/* SUSPECT state */
	assert_int_equal(wire_mesh_bundle_check(b.data, b.len), -EBADMSG);
	/* The framing alone is still fine. */
	wire_mesh_reader_init(&r, b.data, b.len);
	while ((ret = wire_mesh_bundle_next(&r, &t)) == 1)
		;
	assert_int_equal(ret, 0);
}

/*
 * Fill bundles with every sample in turn, again and again; each put fits
 * or leaves the bundle as it was; each bundle stays within its MTU and
 * reads back, in order, as what was put.
 */
static void pack_and_read(size_t mtu, unsigned int rounds)
{
	static uint8_t mem[9000];
	static unsigned int order[4096];
	struct wire_mesh_buf b;
	unsigned int n = 0, done = 0, bundles = 0, k = 0;

	assert_true(mtu <= sizeof(mem));
	assert_int_equal(wire_mesh_bundle_init(&b, mem, mtu), 0);
	while (done < rounds * n_samples) {
		const struct sample *s = &samples[k];
		size_t before = b.len;
		int ret = wire_mesh_bundle_add(&b, s->type, s->body, s->len);

		if (ret == 0) {
			assert_int_equal(b.len, before + 3 + s->len);
			assert_true(n < 4096);
			order[n++] = k;
			done++;
			k = (k + 1) % n_samples;
		} else {
			struct wire_mesh_reader r;
			struct wire_mesh_tlv t;
			unsigned int i = 0;

			assert_int_equal(ret, -EMSGSIZE);
			assert_int_equal(b.len, before);
			assert_true(b.len + 3 + s->len > mtu);
			assert_true(b.len <= mtu);
			assert_true(n > 0);
			assert_int_equal(wire_mesh_bundle_check(b.data, b.len),
					 (int)n);
			wire_mesh_reader_init(&r, b.data, b.len);
			while (wire_mesh_bundle_next(&r, &t) == 1) {
				const struct sample *e = &samples[order[i++]];

				assert_int_equal(t.type, e->type);
				assert_int_equal(t.len, e->len);
				assert_memory_equal(t.body, e->body, e->len);
			}
			assert_int_equal(i, n);
			bundles++;
			n = 0;
			assert_int_equal(wire_mesh_bundle_init(&b, mem, mtu), 0);
		}
	}
	assert_true(bundles > 0);
}

static void test_bundle_packing(void **state)
{
	(void)state;
	pack_and_read(WIRE_MESH_MIN_MTU, 5);
	pack_and_read(1400, 5);
	pack_and_read(1452, 5);
	pack_and_read(9000, 20);
}

/* Typed puts share the bundle the same way. */
static void test_bundle_typed(void **state)
{
	static uint8_t mem[WIRE_MESH_MIN_MTU];
	struct wire_mesh_buf b;
	struct wire_mesh_reader r;
	struct wire_mesh_tlv t;
	struct wire_mesh_probe pb;
	unsigned int n = 0, i;
	int ret;

	(void)state;
	assert_int_equal(wire_mesh_bundle_init(&b, mem, sizeof(mem)), 0);
	for (;;) {
		size_t before = b.len;

		ret = wire_mesh_put_probe(&b, &(struct wire_mesh_probe){
			n, 1000 + n, 0 });
		if (ret) {
			assert_int_equal(ret, -EMSGSIZE);
			assert_int_equal(b.len, before);
			break;
		}
		n++;
	}
	/* 15 bytes each: 80 in 1200. */
	assert_int_equal(n, WIRE_MESH_MIN_MTU / 15);
	assert_int_equal(b.len, n * 15);
	assert_int_equal(wire_mesh_bundle_room(&b), 0);
	wire_mesh_reader_init(&r, b.data, b.len);
	for (i = 0; i < n; i++) {
		assert_int_equal(wire_mesh_bundle_next(&r, &t), 1);
		assert_int_equal(t.type, WIRE_MESH_PROBE);
		assert_int_equal(wire_mesh_parse_probe(t.body, t.len, &pb), 0);
		assert_int_equal(pb.seq, i);
		assert_int_equal(pb.timestamp, 1000 + i);
	}
	assert_int_equal(wire_mesh_bundle_next(&r, &t), 0);

	/* Bundle truncations that cut a TLV are refused. */
	for (i = 1; i < b.len; i++) {
		ret = wire_mesh_bundle_check(b.data, i);
		assert_int_equal(ret, i % 15 ? -EBADMSG : (int)(i / 15));
	}
}

/* A full-size revocation list crosses the mesh in chunks, and back. */
static void test_crl_chunks(void **state)
{
	static uint8_t obj[WIRE_MESH_MAX_CRL], got[WIRE_MESH_MAX_CRL];
	static uint8_t mem[WIRE_MESH_MIN_MTU];
	struct wire_mesh_crl c, m;
	struct wire_mesh_buf b;
	size_t len, per, off = 0, have = 0;
	unsigned int bundles = 0;

	(void)state;
	make_crl(&c, WIRE_MESH_MAX_REVOKED);
	len = sign_crl(obj, sizeof(obj), &c, WIRE_MAX_SIG);
	assert_int_equal(len, WIRE_MESH_MAX_CRL);
	while (off < len) {
		struct wire_mesh_reader r;
		struct wire_mesh_tlv t;

		assert_int_equal(wire_mesh_bundle_init(&b, mem, sizeof(mem)), 0);
		/* A ping rides along in each. */
		assert_int_equal(wire_mesh_put_ping(&b,
			&(struct wire_mesh_ping){ bundles, 1 }), 0);
		while (off < len && wire_mesh_chunk_room(&b) > 0) {
			size_t n = wire_mesh_chunk_room(&b);

			if (n > len - off)
				n = len - off;
			assert_int_equal(wire_mesh_put_object_chunk(&b,
				&(struct wire_mesh_object_chunk){
					WIRE_MESH_OBJ_CRL, hash32,
					(uint32_t)len, (uint32_t)off,
					obj + off, n }), 0);
			off += n;
		}
		assert_true(b.len <= WIRE_MESH_MIN_MTU);
		assert_true(wire_mesh_bundle_check(b.data, b.len) >= 1);
		wire_mesh_reader_init(&r, b.data, b.len);
		while (wire_mesh_bundle_next(&r, &t) == 1) {
			struct wire_mesh_object_chunk oc;

			if (t.type != WIRE_MESH_OBJECT_CHUNK)
				continue;
			assert_int_equal(wire_mesh_parse_object_chunk(t.body,
								      t.len,
								      &oc), 0);
			assert_int_equal(oc.total, len);
			assert_int_equal(oc.offset, have);
			memcpy(got + oc.offset, oc.data, oc.data_len);
			have += oc.data_len;
		}
		bundles++;
	}
	assert_int_equal(have, len);
	/* One chunk per bundle, after the ping. */
	per = WIRE_MESH_MIN_MTU - 15 - WIRE_MESH_TLV_HDR - WIRE_MESH_CHUNK_FIXED;
	assert_int_equal(bundles, (len + per - 1) / per);
	assert_memory_equal(got, obj, len);
	assert_int_equal(wire_mesh_parse_crl(got, len, &m), 0);
	assert_int_equal(m.n, WIRE_MESH_MAX_REVOKED);
}

/*
 * A 2 KB INIT goes from A to B in pieces through two relays; each relay
 * forwards each piece with one hop less, and B puts the packet together.
 */
static void test_relayed_handshake(void **state)
{
	static uint8_t got[WIRE_MAX_DATAGRAM];
	static uint8_t mem[WIRE_MESH_MIN_MTU], fwd[WIRE_MESH_MIN_MTU];
	const struct wire_buf *pkt = &init_pkt;
	struct wire_init init;
	size_t off = 0, have = 0;
	unsigned int pieces = 0;

	(void)state;
	assert_true(pkt->len > 2 * WIRE_MESH_MIN_MTU - 500);
	while (off < pkt->len) {
		struct wire_mesh_buf b, f;
		struct wire_mesh_reader r;
		struct wire_mesh_tlv t;
		struct wire_mesh_relayed_hs rh;
		size_t n;
		unsigned int hop;

		assert_int_equal(wire_mesh_bundle_init(&b, mem, sizeof(mem)), 0);
		n = wire_mesh_relay_room(&b);
		if (n > pkt->len - off)
			n = pkt->len - off;
		assert_int_equal(wire_mesh_put_relayed_hs(&b,
			&(struct wire_mesh_relayed_hs){ 3, id_a, id_b, 0xabcd,
				(uint16_t)pkt->len, (uint16_t)off,
				pkt->data + off, n }), 0);
		off += n;
		pieces++;
		for (hop = 3; hop >= 1; hop--) {
			wire_mesh_reader_init(&r, b.data, b.len);
			assert_int_equal(wire_mesh_bundle_next(&r, &t), 1);
			assert_int_equal(t.type, WIRE_MESH_RELAYED_HANDSHAKE);
			assert_int_equal(wire_mesh_parse_relayed_hs(t.body,
								    t.len, &rh),
					 0);
			assert_int_equal(rh.hop_limit, hop);
			if (hop == 1)
				break;
			/* A relay: one hop less, same piece. */
			rh.hop_limit--;
			assert_int_equal(wire_mesh_bundle_init(&f, fwd,
							       sizeof(fwd)), 0);
			assert_int_equal(wire_mesh_put_relayed_hs(&f, &rh), 0);
			assert_int_equal(f.len, b.len);
			assert_memory_equal(f.data + 4, b.data + 4, b.len - 4);
			memcpy(mem, fwd, f.len);
		}
		/* At the destination, with hop limit 1 left. */
		assert_int_equal(rh.packet_id, 0xabcd);
		assert_int_equal(rh.total, pkt->len);
		assert_int_equal(rh.offset, have);
		memcpy(got + rh.offset, rh.data, rh.data_len);
		have += rh.data_len;
		/* A relay may not send a piece on with hop limit 0. */
		rh.hop_limit = 0;
		assert_int_equal(wire_mesh_bundle_init(&b, fwd, sizeof(fwd)), 0);
		assert_int_equal(wire_mesh_put_relayed_hs(&b, &rh), -EINVAL);
	}
	assert_int_equal(pieces, 2);
	assert_int_equal(have, pkt->len);
	assert_int_equal(wire_parse_init(got, pkt->len, &init), 0);
	assert_int_equal(init.sig_len, 512);
	assert_int_equal(init.cert_len, 1400);
}

/* ---- fuzz -------------------------------------------------------------- */

/* Whatever check_body says, the typed parser of an accepted body agrees. */
static void fuzz_one(unsigned int type, const uint8_t *b, size_t len)
{
	int ret = wire_mesh_check_body(type, b, len);

	assert_true(ret == 0 || ret == -EBADMSG);
	if (ret == 0 && type == WIRE_MESH_NODE_RECORD) {
		struct wire_mesh_record m;

		assert_int_equal(wire_mesh_parse_record(b, len, &m), 0);
		assert_true(m.n_endpoints <= WIRE_MESH_MAX_ENDPOINTS);
		assert_true(m.prefixes.n <= WIRE_MAX_ROUTES);
		assert_ptr_equal(m.sig + m.sig_len, b + len);
		assert_int_equal(m.signed_len + 2 + m.sig_len, len);
	}
	if (ret == 0 && type == WIRE_MESH_OBJECT_CHUNK) {
		struct wire_mesh_object_chunk m;

		assert_int_equal(wire_mesh_parse_object_chunk(b, len, &m), 0);
		assert_true(m.offset + m.data_len <= m.total);
		assert_ptr_equal(m.data + m.data_len, b + len);
	}
}

static void test_fuzz_flips(void **state)
{
	static uint8_t copy[WIRE_MESH_MAX_BODY];
	unsigned int round, k, accepted = 0, total = 0;

	(void)state;
	for (k = 0; k < n_samples; k++) {
		const struct sample *s = &samples[k];

		for (round = 0; round < FUZZ_ROUNDS / 8; round++) {
			unsigned int flips = 1 + (unsigned int)(rng() % 4);
			unsigned int t = s->type;

			memcpy(copy, s->body, s->len);
			while (flips--) {
				size_t at = (size_t)(rng() % s->len);

				/* Favour the counts and lengths up front. */
				if (rng() % 2)
					at %= 96 < s->len ? 96 : s->len;
				copy[at] ^= (uint8_t)(1 + rng() % 255);
			}
			/* Sometimes parse it as another type. */
			if (round % 7 == 0)
				t = 1 + (unsigned int)(rng() %
						       WIRE_MESH_TYPE_MAX);
			fuzz_one(t, copy, s->len);
			/* And cut it anywhere. */
			fuzz_one(t, copy, (size_t)(rng() % (s->len + 1)));
			accepted += !wire_mesh_check_body(t, copy, s->len);
			total++;
		}
	}
	/* Flips in ids, hashes and payloads are fine; most others not. */
	assert_true(accepted < total);
}

static void test_fuzz_random(void **state)
{
	static uint8_t buf[3 * WIRE_MESH_MIN_MTU];
	unsigned int round;

	(void)state;
	for (round = 0; round < FUZZ_ROUNDS; round++) {
		size_t len = (size_t)(rng() % sizeof(buf)), i, off;
		int ret;

		if (round % 4 == 0)
			len %= 64;
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)rng();
		/* Mostly plausible framing, so that bodies are reached. */
		for (off = 0; round % 3 && off + 3 <= len;) {
			size_t n = (size_t)(rng() % 200);

			if (n > len - off - 3)
				n = len - off - 3;
			buf[off] = (uint8_t)(1 + rng() % WIRE_MESH_TYPE_MAX);
			buf[off + 1] = (uint8_t)(n >> 8);
			buf[off + 2] = (uint8_t)n;
			off += 3 + n;
		}
		ret = wire_mesh_bundle_check(buf, len);
		assert_true(ret == -EBADMSG || ret >= 1);
		for (i = 1; i <= WIRE_MESH_TYPE_MAX; i++)
			fuzz_one((unsigned int)i, buf,
				 len < WIRE_MESH_MAX_BODY ? len : 100);
	}
}

/* Flipped bundles of several messages: checked whole, never a crash. */
static void test_fuzz_bundles(void **state)
{
	static uint8_t mem[WIRE_MESH_MIN_MTU];
	struct wire_mesh_buf b;
	unsigned int round;

	(void)state;
	for (round = 0; round < FUZZ_ROUNDS; round++) {
		unsigned int k = (unsigned int)(rng() % n_samples), flips;
		int ret;

		assert_int_equal(wire_mesh_bundle_init(&b, mem, sizeof(mem)), 0);
		while (wire_mesh_bundle_add(&b, samples[k].type,
					    samples[k].body,
					    samples[k].len) == 0)
			k = (unsigned int)(rng() % n_samples);
		for (flips = 1 + (unsigned int)(rng() % 3); flips; flips--)
			b.data[rng() % b.len] ^= (uint8_t)(1 + rng() % 255);
		ret = wire_mesh_bundle_check(b.data, b.len);
		assert_true(ret == -EBADMSG || ret >= 1);
	}
}

static void test_fuzz_objects(void **state)
{
	static uint8_t obj[WIRE_MESH_MAX_CRL], copy[WIRE_MESH_MAX_CRL];
	struct wire_mesh_crl c, m;
	size_t len;
	unsigned int round;

	(void)state;
	make_crl(&c, 300);
	len = sign_crl(obj, sizeof(obj), &c, 256);
	assert_true(len > 0);
	for (round = 0; round < FUZZ_ROUNDS; round++) {
		size_t at = (size_t)(rng() % len), cut;
		int ret;

		memcpy(copy, obj, len);
		if (rng() % 2)
			at %= 80;
		copy[at] ^= (uint8_t)(1 + rng() % 255);
		cut = rng() % 4 ? len : (size_t)(rng() % len);
		ret = wire_mesh_parse_crl(copy, cut, &m);
		assert_true(ret == 0 || ret == -EBADMSG);
		if (!ret) {
			assert_int_equal(m.signed_len + 2 + m.sig_len, cut);
			assert_true(m.n <= WIRE_MESH_MAX_REVOKED);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_record_refused),
		cmocka_unit_test(test_record_wire_limits),
		cmocka_unit_test(test_crl),
		cmocka_unit_test(test_crl_wire_limits),
		cmocka_unit_test(test_small_round_trips),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_crl_truncation),
		cmocka_unit_test(test_counts_and_ranges),
		cmocka_unit_test(test_objects_and_relay_ranges),
		cmocka_unit_test(test_put_refused),
		cmocka_unit_test(test_bundle_framing),
		cmocka_unit_test(test_bundle_packing),
		cmocka_unit_test(test_bundle_typed),
		cmocka_unit_test(test_crl_chunks),
		cmocka_unit_test(test_relayed_handshake),
		cmocka_unit_test(test_fuzz_flips),
		cmocka_unit_test(test_fuzz_random),
		cmocka_unit_test(test_fuzz_bundles),
		cmocka_unit_test(test_fuzz_objects),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
