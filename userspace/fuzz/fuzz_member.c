// SPDX-License-Identifier: MIT
/*
 * Fuzzes member/ (member.c, digest.c, swim.c) as a node that receives
 * mesh bundles: each input is a bundle (wire/wire_mesh.h framing) handed,
 * TLV by TLV, to the code that owns the message, in a fresh member table
 * and SWIM state of node bravo (fixture, harness.h) that trusts the
 * fixture's CA:
 *
 *   NODE_RECORD       member_accept_record(), then swim_record()
 *   OBJECT_CHUNK      reassembled by content hash: a certificate goes to
 *                     member_add_cert(), a CA-signed revocation list
 *                     becomes the revocation callback's list
 *   RECORD_REQUEST,   answered from the table (records, certificate
 *   OBJECT_REQUEST    chunks)
 *   DIGEST_*          digest_summary_equal(), digest_buckets_diff(),
 *                     digest_entries_diff() with a walk, and answers from
 *                     digest_buckets() / digest_entries()
 *   PING, ACK, PING_REQ, SUSPECT   swim_on_*()
 *
 * Types from 0xf0 up (unknown to the codec, so bundles stay well-formed)
 * are commands of this harness:
 *   f0 u16 seconds: time passes: swim_tick(), member_expire()
 *   f1 id: the neighbour the next SWIM messages come from
 *   f2 record: member_insert_unverified() (the tests' path: no RSA, so
 *      that the digest code meets many members)
 *   f3 DER: member_add_cert() with the bytes as they are
 *   f4 id: member_remove()
 *   f5 record: signed first by alpha or bravo (whoever the origin is),
 *      then member_accept_record(): past the signature to the prefix and
 *      role checks
 *   f6 id: revoked from now on (the revocation callback)
 *   f7 u8 roles, u8 flags: member_self_record() with bravo's key
 *
 * Checks: verdicts in range and counted; an accepted record is what the
 * table and the digest hold for its origin, byte for byte; a refused or
 * duplicate one changes neither; everything answered encodes with the
 * wire_mesh_put_*() encoders (so a peer would accept it); SWIM's actions
 * are well-formed messages; digest diffs only name entries that differ;
 * and at the end digest_check() recomputes the digest from scratch and
 * agrees with the incremental one, and the table frees without a leak.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "harness.h"
#include "member/digest.h"
#include "member/member.h"
#include "member/swim.h"
#include "trust/identity.h"
#include "wire/wire_mesh.h"

#define ID		WIRE_MESH_ID_LEN
#define MTU		1400
#define MAX_OPS		64
#define MAX_REVOKED	8

enum {
	CMD_TIME = 0xf0,
	CMD_FROM,
	CMD_INSERT,
	CMD_CERT,
	CMD_REMOVE,
	CMD_SIGN,
	CMD_REVOKE,
	CMD_SELF,
};

static const struct fuzz_fixture *fx;
static uint8_t ca_id[ID];

/* One input's world. */
static struct member_table t;
static struct swim s;
static struct swim_out out;
static struct digest_diff diff;
static struct digest_walk walk;
static bool have_walk;
static time_t now_s;
static uint64_t now_ms;
static uint8_t from[ID];
static uint8_t out_mem[MTU];
static struct wire_mesh_buf ob;

static uint8_t revoked[MAX_REVOKED][ID];
static unsigned int n_revoked;
static uint8_t *crl_ids;		/* the list in force, n x ID */
static unsigned int crl_n;

/* The object being reassembled from OBJECT_CHUNKs. */
static struct {
	bool active;
	uint8_t kind;
	uint8_t key[ID];
	uint32_t total;
	uint8_t *data;
	uint8_t *have;			/* a byte per byte: received */
	uint32_t n_have;
} obj;

static bool is_revoked(void *ctx, const uint8_t *id);
static struct member_trust trust;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fx = fuzz_fixture();
	identity_node_id(X509_get0_pubkey(fx->ca), ca_id);
	trust.ca = fx->ca;
	trust.revoked = is_revoked;
	return 0;
}

static bool is_revoked(void *ctx, const uint8_t *id)
{
	struct wire_mesh_crl m;
	unsigned int i;

	(void)ctx;
	for (i = 0; i < n_revoked; i++)
		if (!memcmp(revoked[i], id, ID))
			return true;
	if (!crl_ids)
		return false;
	memset(&m, 0, sizeof(m));
	m.n = crl_n;
	m.ids = crl_ids;
	return wire_mesh_crl_contains(&m, id);
}


/* ---- what the node sends: must encode ---------------------------------- */

/* Room in the outgoing bundle: start a new one when it is full. */
static void out_reset(void)
{
	FUZZ_CHECK(!wire_mesh_bundle_init(&ob, out_mem, sizeof(out_mem)));
}

#define PUT(call) \
	do { \
		int put_ret_ = (call); \
		if (put_ret_ == -EMSGSIZE) { \
			out_reset(); \
			put_ret_ = (call); \
		} \
		FUZZ_CHECK(put_ret_ == 0); \
	} while (0)

static void put_actions(void)
{
	size_t i;

	for (i = 0; i < out.n; i++) {
		const struct swim_act *a = &out.a[i];

		switch (a->type) {
		case SWIM_SEND_PING: {
			struct wire_mesh_ping m = { a->seq, a->incarnation };

			PUT(wire_mesh_put_ping(&ob, &m));
			if (a->flags & SWIM_F_BUDDY) {
				struct wire_mesh_suspect su = {
					a->state, a->to, a->incarnation,
					a->reporter,
				};

				PUT(wire_mesh_put_suspect(&ob, &su));
			}
			break;
		}
		case SWIM_SEND_PING_REQ: {
			struct wire_mesh_ping_req m = { a->seq, a->target };

			FUZZ_CHECK(memcmp(a->to, a->target, ID));
			FUZZ_CHECK(memcmp(a->to, t.self, ID));
			PUT(wire_mesh_put_ping_req(&ob, &m));
			break;
		}
		case SWIM_SEND_ACK: {
			struct wire_mesh_ack m = { a->seq, a->flags,
						   a->incarnation, a->target };

			PUT(wire_mesh_put_ack(&ob, &m));
			break;
		}
		case SWIM_GOSSIP: {
			struct wire_mesh_suspect m = { a->state, a->target,
						       a->incarnation,
						       a->reporter };

			PUT(wire_mesh_put_suspect(&ob, &m));
			break;
		}
		case SWIM_WANT_RECORD: {
			struct wire_mesh_record_request m;

			memset(&m, 0, sizeof(m));
			m.n = 1;
			m.e[0].origin = a->target;
			m.e[0].have_seq = 0;
			m.e[0].want = WIRE_MESH_WANT_RECORD;
			PUT(wire_mesh_put_record_request(&ob, &m));
			break;
		}
		case SWIM_REFUTE:
		case SWIM_EV_UP:
		case SWIM_EV_SUSPECT:
		case SWIM_EV_DOWN:
		case SWIM_EV_LEFT:
			break;
		default:
			FUZZ_CHECK(!"SWIM action out of range");
		}
		if (a->type == SWIM_REFUTE)
			FUZZ_CHECK(!memcmp(a->target, t.self, ID));
	}
	out.n = 0;
}

/* A certificate in chunks, as an answer. */
static void put_cert_chunks(const struct member_cert *c, uint32_t offset,
			    uint32_t length)
{
	uint32_t end = length && length < c->der_len - offset ?
		       offset + length : (uint32_t)c->der_len;

	while (offset < end) {
		struct wire_mesh_object_chunk m;
		size_t room = wire_mesh_chunk_room(&ob);

		if (room < 64) {
			out_reset();
			room = wire_mesh_chunk_room(&ob);
		}
		m.kind = WIRE_MESH_OBJ_CERT;
		m.key = c->hash;
		m.total = (uint32_t)c->der_len;
		m.offset = offset;
		m.data = c->der + offset;
		m.data_len = end - offset < room ? end - offset : room;
		PUT(wire_mesh_put_object_chunk(&ob, &m));
		offset += (uint32_t)m.data_len;
	}
}

/* ---- records and certificates ------------------------------------------ */

static void check_accepted(const struct member_result *res, const uint8_t *b,
			   size_t len)
{
	const struct member *m = member_find(&t, res->origin);

	FUZZ_CHECK(m && m == res->m && m->rec);
	FUZZ_CHECK(m->rec->seq == res->seq);
	FUZZ_CHECK(digest_get(&t.digest, res->origin) == res->seq);
	if (b)
		FUZZ_CHECK(m->rec->len == len && !memcmp(m->rec->bytes, b, len));
	FUZZ_CHECK(m->cert && !memcmp(m->cert->node_id, m->id, ID));
	FUZZ_CHECK(res->old_seq < res->seq);
	FUZZ_CHECK(!(m->rec->roles & ~m->cert->roles));
}

static uint64_t records_counted(void)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < MEMBER_VERDICT_MAX; i++)
		n += t.stats.record[i];
	return n;
}

static void accept_record(const uint8_t *b, size_t len)
{
	struct member_result res;
	enum member_verdict v;
	struct wire_mesh_record r;
	bool parsed = !wire_mesh_parse_record(b, len, &r);
	uint64_t before = 0, counted = records_counted();

	if (parsed)
		before = digest_get(&t.digest, r.origin);
	v = member_accept_record(&t, &trust, b, len, now_s, &res);
	FUZZ_CHECK(v < MEMBER_VERDICT_MAX && res.verdict == v);
	FUZZ_CHECK(strcmp(member_verdict_name(v), "unknown"));
	FUZZ_CHECK(records_counted() == counted + 1);
	if (!parsed) {
		FUZZ_CHECK(v == MEMBER_MALFORMED);
		return;
	}
	if (v == MEMBER_ACCEPTED) {
		check_accepted(&res, b, len);
		FUZZ_CHECK(swim_record(&s, res.origin, res.seq, res.leave, now_ms,
				       &out) == 0 || out.lost);
		put_actions();
		return;
	}
	/* Anything else leaves the digest alone. */
	FUZZ_CHECK(digest_get(&t.digest, r.origin) == before);
	if (v == MEMBER_NO_CERT && res.want_cert) {
		struct wire_mesh_object_request m = {
			WIRE_MESH_OBJ_CERT, res.cert_hash, 0, 0,
		};

		FUZZ_CHECK(res.m && res.m->pending);
		PUT(wire_mesh_put_object_request(&ob, &m));
	}
}

static void add_cert(const uint8_t *der, size_t len)
{
	struct member_result res;
	enum member_verdict v;

	v = member_add_cert(&t, &trust, der, len, now_s, &res);
	FUZZ_CHECK(v == MEMBER_ACCEPTED || v == MEMBER_DUPLICATE ||
		   v == MEMBER_MALFORMED || v == MEMBER_CERT_REFUSED ||
		   v == MEMBER_REVOKED || v == MEMBER_FULL);
	if (len && len <= WIRE_MAX_CERT) {
		uint8_t hash[ID];

		SHA256(der, len, hash);
		if (v == MEMBER_ACCEPTED || v == MEMBER_DUPLICATE)
			FUZZ_CHECK(member_cert_find(&t, hash));
	}
	if (res.waited) {
		FUZZ_CHECK(res.verdict < MEMBER_VERDICT_MAX);
		if (res.verdict == MEMBER_ACCEPTED) {
			check_accepted(&res, NULL, 0);
			swim_record(&s, res.origin, res.seq, res.leave, now_ms,
				    &out);
			put_actions();
		}
	}
}

/* A record signed by the fixture node it names, then accepted. */
static void sign_and_accept(const uint8_t *b, size_t len)
{
	uint8_t buf[WIRE_MESH_MAX_RECORD];
	struct wire_mesh_record r;
	struct identity_span span;
	EVP_PKEY *key;

	if (len > sizeof(buf) || wire_mesh_parse_record(b, len, &r))
		return;
	if (!memcmp(r.origin, fx->alpha.id, ID))
		key = fx->alpha.key;
	else if (!memcmp(r.origin, fx->bravo.id, ID))
		key = fx->bravo.key;
	else
		return;
	if (r.sig_len != (size_t)EVP_PKEY_get_size(key))
		return;
	memcpy(buf, b, len);
	span.p = buf;
	span.len = r.signed_len;
	FUZZ_CHECK(!identity_sign(key, &span, 1, buf + (r.sig - b), r.sig_len));
	accept_record(buf, len);
}

static void self_record(struct fuzz_in *in)
{
	struct member_result res;
	struct member_self f;
	uint8_t roles = fuzz_u8(in), flags = fuzz_u8(in);
	int ret;

	memset(&f, 0, sizeof(f));
	f.cert_der = fx->bravo.der;
	f.cert_len = fx->bravo.der_len;
	f.expiry = (uint64_t)now_s + 3600;
	f.roles = roles & 3;
	f.leave = flags & 1;
	if (!f.leave) {
		f.n_prefixes = fx->bravo.n_routes;
		f.prefixes = fx->bravo.routes;
	}
	ret = member_self_record(&t, fx->bravo.key, &f, (uint64_t)now_s << 16,
				 now_s, &res);
	/* -EOVERFLOW: a copy of ours with the highest seq was seen. */
	FUZZ_CHECK(ret == 0 || ret == -ENOMEM || ret == -EOVERFLOW);
	if (!ret) {
		FUZZ_CHECK(res.m && res.m->rec && res.m->rec->seq == res.seq);
		FUZZ_CHECK(digest_get(&t.digest, t.self) == res.seq);
		swim_self_seq(&s, res.seq);
	}
}

static void insert(const uint8_t *b, size_t len)
{
	struct wire_mesh_record r;
	int ret = member_insert_unverified(&t, b, len, now_s);

	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -EEXIST);
	if (!ret) {
		FUZZ_CHECK(!wire_mesh_parse_record(b, len, &r));
		FUZZ_CHECK(digest_get(&t.digest, r.origin) == r.seq);
	}
}

/* ---- objects ----------------------------------------------------------- */

static void obj_drop(void)
{
	free(obj.data);
	free(obj.have);
	memset(&obj, 0, sizeof(obj));
}

/* A CA-signed revocation list becomes the list in force. */
static void use_crl(const uint8_t *b, size_t len)
{
	struct identity_span span;
	struct wire_mesh_crl m;

	if (wire_mesh_parse_crl(b, len, &m) || memcmp(m.issuer, ca_id, ID))
		return;
	span.p = b;
	span.len = m.signed_len;
	if (!identity_verify(X509_get0_pubkey(fx->ca), &span, 1, m.sig,
			     m.sig_len))
		return;
	free(crl_ids);
	crl_ids = NULL;
	crl_n = 0;
	if (m.n) {
		crl_ids = malloc((size_t)m.n * ID);
		FUZZ_CHECK(crl_ids);
		memcpy(crl_ids, m.ids, (size_t)m.n * ID);
		crl_n = m.n;
	}
}

static void on_chunk(const struct wire_mesh_object_chunk *c)
{
	uint8_t hash[ID];
	uint32_t i;

	if (!obj.active || obj.kind != c->kind || obj.total != c->total ||
	    memcmp(obj.key, c->key, ID)) {
		obj_drop();
		obj.data = calloc(1, c->total);
		obj.have = calloc(1, c->total);
		FUZZ_CHECK(obj.data && obj.have);
		obj.active = true;
		obj.kind = c->kind;
		memcpy(obj.key, c->key, ID);
		obj.total = c->total;
	}
	memcpy(obj.data + c->offset, c->data, c->data_len);
	for (i = 0; i < c->data_len; i++) {
		if (!obj.have[c->offset + i]) {
			obj.have[c->offset + i] = 1;
			obj.n_have++;
		}
	}
	if (obj.n_have < obj.total)
		return;
	SHA256(obj.data, obj.total, hash);
	if (!memcmp(hash, obj.key, ID)) {
		if (obj.kind == WIRE_MESH_OBJ_CERT)
			add_cert(obj.data, obj.total);
		else
			use_crl(obj.data, obj.total);
	}
	obj_drop();
}

/* ---- requests ---------------------------------------------------------- */

static void on_record_request(const struct wire_mesh_record_request *r)
{
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		const struct member *m = member_find(&t, r->e[i].origin);

		if (!m)
			continue;
		if ((r->e[i].want & WIRE_MESH_WANT_RECORD) && m->rec &&
		    m->rec->seq > r->e[i].have_seq)
			PUT(wire_mesh_bundle_add(&ob, WIRE_MESH_NODE_RECORD,
						 m->rec->bytes, m->rec->len));
		if ((r->e[i].want & WIRE_MESH_WANT_CERT) && m->cert)
			put_cert_chunks(m->cert, 0, 0);
	}
}

static void on_object_request(const struct wire_mesh_object_request *r)
{
	const struct member_cert *c;

	if (r->kind != WIRE_MESH_OBJ_CERT)
		return;
	c = member_cert_find(&t, r->key);
	if (c && r->offset < c->der_len)
		put_cert_chunks(c, r->offset, r->length);
}

/* ---- digests ----------------------------------------------------------- */

static void on_digest_summary(const struct wire_mesh_digest_summary *m)
{
	struct wire_mesh_digest_summary mine;
	bool eq = digest_summary_equal(&t.digest, m);

	digest_summary(&t.digest, &mine);
	FUZZ_CHECK(eq == (m->members == mine.members &&
			  !memcmp(m->set_hash, mine.set_hash,
				  WIRE_MESH_SET_HASH_LEN)));
	if (!eq) {
		struct wire_mesh_digest_request r = {
			WIRE_MESH_DIGEST_WANT_BUCKETS, 0, 255, 0,
		};

		PUT(wire_mesh_put_digest_request(&ob, &r));
	}
	PUT(wire_mesh_put_digest_summary(&ob, &mine));
}

static void on_digest_buckets(const struct wire_mesh_digest_buckets *m)
{
	struct wire_mesh_digest_request req[8];
	unsigned int i, n;

	n = digest_buckets_diff(&t.digest, m, req, 8);
	FUZZ_CHECK(n <= 8);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(req[i].first <= req[i].last);
		FUZZ_CHECK(req[i].first >= m->first &&
			   req[i].last < m->first + m->n);
		FUZZ_CHECK(!i || req[i].first > req[i - 1].last + 1);
		PUT(wire_mesh_put_digest_request(&ob, &req[i]));
	}
	if (n) {
		digest_walk_from(&walk, &req[0]);
		have_walk = true;
	}
}

static void on_digest_entries(const struct wire_mesh_digest_entries *m)
{
	size_t i, want0 = diff.n_want, push0 = diff.n_push;
	int ret;

	if (!have_walk) {
		digest_walk_start(&walk, m->first_bucket, m->last_bucket);
		have_walk = true;
	}
	ret = digest_entries_diff(&t.digest, &walk, m, &diff);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	if (ret) {
		FUZZ_CHECK(diff.n_want == want0 && diff.n_push == push0);
		return;
	}
	for (i = want0; i < diff.n_want; i++) {
		FUZZ_CHECK(diff.want[i].have_seq < diff.want[i].seq);
		FUZZ_CHECK(digest_get(&t.digest, diff.want[i].id) ==
			   diff.want[i].have_seq);
	}
	for (i = push0; i < diff.n_push; i++) {
		unsigned int b = wire_mesh_bucket(diff.push[i].id);

		FUZZ_CHECK(diff.push[i].seq &&
			   digest_get(&t.digest, diff.push[i].id) ==
			   diff.push[i].seq);
		FUZZ_CHECK(b >= m->first_bucket && b <= m->last_bucket);
	}
	if (!walk.done)
		PUT(wire_mesh_put_digest_request(&ob, &walk.req));
	if (diff.n_want > 256 || diff.n_push > 256)
		digest_diff_reset(&diff);
}

static void on_digest_request(const struct wire_mesh_digest_request *r)
{
	if (r->what == WIRE_MESH_DIGEST_WANT_BUCKETS) {
		struct wire_mesh_digest_buckets m;
		unsigned int first = r->first;

		/* Pages of up to 64 buckets, as many as asked. */
		while (first <= r->last) {
			unsigned int n = r->last - first + 1;

			if (n > WIRE_MESH_MAX_DIGEST_BUCKETS)
				n = WIRE_MESH_MAX_DIGEST_BUCKETS;
			FUZZ_CHECK(!digest_buckets(&t.digest, first, n, &m));
			PUT(wire_mesh_put_digest_buckets(&ob, &m));
			first += n;
		}
	} else {
		struct wire_mesh_digest_entries m;

		FUZZ_CHECK(!digest_entries(&t.digest, r->first, r->last,
					   r->offset, &m));
		FUZZ_CHECK(m.n <= WIRE_MESH_MAX_DIGEST_ENTRIES);
		PUT(wire_mesh_put_digest_entries(&ob, &m));
	}
}

/* ---- the bundle -------------------------------------------------------- */

static void expire(void)
{
	uint8_t gone[16][ID];
	size_t i, n;

	n = member_expire(&t, &trust, now_s, gone, 16);
	FUZZ_CHECK(n <= 16);
	for (i = 0; i < n; i++) {
		const struct member *m = member_find(&t, gone[i]);

		FUZZ_CHECK(!m || !m->rec);
		FUZZ_CHECK(!digest_get(&t.digest, gone[i]));
		swim_remove(&s, gone[i]);
	}
}

static void command(const struct wire_mesh_tlv *c)
{
	struct fuzz_in in;

	fuzz_in_init(&in, c->body, c->len);
	switch (c->type) {
	case CMD_TIME: {
		uint16_t secs = fuzz_u16(&in);

		now_s += secs;
		now_ms += (uint64_t)secs * 1000 + fuzz_u16(&in);
		swim_tick(&s, now_ms, &out);
		put_actions();
		expire();
		break;
	}
	case CMD_FROM:
		fuzz_copy(&in, from, ID);
		break;
	case CMD_INSERT:
		insert(c->body, c->len);
		break;
	case CMD_CERT:
		add_cert(c->body, c->len);
		break;
	case CMD_REMOVE: {
		uint8_t id[ID];
		int ret;

		fuzz_copy(&in, id, ID);
		ret = member_remove(&t, id);
		FUZZ_CHECK(ret == 0 || ret == -ENOENT);
		FUZZ_CHECK(!member_find(&t, id) && !digest_get(&t.digest, id));
		swim_remove(&s, id);
		break;
	}
	case CMD_SIGN:
		sign_and_accept(c->body, c->len);
		break;
	case CMD_REVOKE:
		if (n_revoked < MAX_REVOKED)
			fuzz_copy(&in, revoked[n_revoked++], ID);
		break;
	case CMD_SELF:
		self_record(&in);
		break;
	default:
		break;
	}
}

static void message(const struct wire_mesh_tlv *tlv)
{
	union wire_mesh_body u;
	const uint8_t *b = tlv->body;
	size_t len = tlv->len;

	switch (tlv->type) {
	case WIRE_MESH_NODE_RECORD:
		accept_record(b, len);
		break;
	case WIRE_MESH_RECORD_REQUEST:
		if (!wire_mesh_parse_record_request(b, len, &u.rreq))
			on_record_request(&u.rreq);
		break;
	case WIRE_MESH_DIGEST_SUMMARY:
		if (!wire_mesh_parse_digest_summary(b, len, &u.sum))
			on_digest_summary(&u.sum);
		break;
	case WIRE_MESH_DIGEST_BUCKETS:
		if (!wire_mesh_parse_digest_buckets(b, len, &u.buckets))
			on_digest_buckets(&u.buckets);
		break;
	case WIRE_MESH_DIGEST_ENTRIES:
		if (!wire_mesh_parse_digest_entries(b, len, &u.entries))
			on_digest_entries(&u.entries);
		break;
	case WIRE_MESH_DIGEST_REQUEST:
		if (!wire_mesh_parse_digest_request(b, len, &u.dreq))
			on_digest_request(&u.dreq);
		break;
	case WIRE_MESH_PING:
		if (!wire_mesh_parse_ping(b, len, &u.ping))
			swim_on_ping(&s, from, &u.ping, now_ms, &out);
		break;
	case WIRE_MESH_ACK:
		if (!wire_mesh_parse_ack(b, len, &u.ack))
			swim_on_ack(&s, from, &u.ack, now_ms, &out);
		break;
	case WIRE_MESH_PING_REQ:
		if (!wire_mesh_parse_ping_req(b, len, &u.preq))
			swim_on_ping_req(&s, from, &u.preq, now_ms, &out);
		break;
	case WIRE_MESH_SUSPECT:
		if (!wire_mesh_parse_suspect(b, len, &u.sus))
			swim_on_suspect(&s, &u.sus, now_ms, &out);
		break;
	case WIRE_MESH_OBJECT_CHUNK:
		if (!wire_mesh_parse_object_chunk(b, len, &u.chunk))
			on_chunk(&u.chunk);
		break;
	case WIRE_MESH_OBJECT_REQUEST:
		if (!wire_mesh_parse_object_request(b, len, &u.oreq))
			on_object_request(&u.oreq);
		break;
	default:
		if (tlv->type >= CMD_TIME)
			command(tlv);
		break;
	}
	put_actions();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_mesh_reader r;
	struct wire_mesh_tlv tlv;
	unsigned int ops = 0;
	size_t i;

	now_s = fx->now;
	now_ms = 1000000;
	memcpy(from, fx->alpha.id, ID);
	n_revoked = 0;
	have_walk = false;
	FUZZ_CHECK(!member_table_init(&t, fx->bravo.id));
	FUZZ_CHECK(!swim_init(&s, fx->bravo.id, NULL, 1, now_ms));
	swim_out_init(&out);
	digest_diff_init(&diff);
	out_reset();

	wire_mesh_reader_init(&r, data, size);
	while (ops++ < MAX_OPS && wire_mesh_bundle_next(&r, &tlv) > 0)
		message(&tlv);

	FUZZ_CHECK(digest_check(&t.digest) == 0);
	FUZZ_CHECK(t.n_pending <= t.max_pending);
	FUZZ_CHECK(t.digest.members == t.n_all);
	for (i = 0; i < t.n_all; i++)
		FUZZ_CHECK(digest_get(&t.digest, t.all[i]->id) ==
			   t.all[i]->rec->seq);
	FUZZ_CHECK(member_table_mem(&t) >= sizeof(t));

	obj_drop();
	free(crl_ids);
	crl_ids = NULL;
	crl_n = 0;
	digest_diff_free(&diff);
	swim_out_free(&out);
	swim_free(&s);
	member_table_free(&t);
	return 0;
}
