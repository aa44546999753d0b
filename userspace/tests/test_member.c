// SPDX-License-Identifier: MIT
/*
 * Unit tests: the mesh membership modules (userspace/agent/member/):
 * member.c (the table and every verdict on a signed record), digest.c
 * (incremental anti-entropy hashes and the comparison of two tables) and
 * swim.c (SWIM/Lifeguard failure detection on a simulated clock).
 *
 * The certificates are real: a CA made with ca_init() and node
 * certificates from ca_sign(), for three RSA identities made once for
 * the whole group (RSA-2048 key generation and signing are slow, so the
 * tests sign a few dozen records in all). Scale tests (10,000 members)
 * insert records with member_insert_unverified(), the test-only entry
 * that skips every check, and SWIM needs no records at all.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "ca/ca.h"
#include "member/digest.h"
#include "member/member.h"
#include "member/swim.h"
#include "trust/cert.h"
#include "trust/identity.h"

#define ID	WIRE_MESH_ID_LEN

/* ---- the world: a CA and three nodes ----------------------------------- */

enum { NA, NB, NC, N_NODES };

struct node {
	struct identity id;
	uint8_t *der;			/* its certificate */
	size_t der_len;
	uint8_t cert_hash[ID];
};

struct world {
	char dir[64];
	EVP_PKEY *ca_key;
	X509 *ca;
	struct node n[N_NODES];
	uint8_t *expired_der;		/* B's key, validity in the past */
	size_t expired_len;
	time_t now;
	struct member_trust tr;
	const uint8_t *revoked;		/* what the callback says is revoked */
};

static struct world *W;

static bool revoked_cb(void *ctx, const uint8_t *id)
{
	struct world *w = ctx;

	return w->revoked && !memcmp(w->revoked, id, ID);
}

static void parse_prefix(const char *s, struct aegis_prefix *p)
{
	char err[128];

	assert_int_equal(aegis_prefix_parse(s, p, err, sizeof(err)), 0);
}

/* B: may advertise 10.2.0.0/16, role relay. A, C: their IP only, no role. */
static int make_node(struct world *w, unsigned int i)
{
	char path[160], err[256];
	struct cert_info req;
	X509 *cert;

	snprintf(path, sizeof(path), "%s/n%u.key", w->dir, i);
	if (identity_create(path, 2048, &w->n[i].id, err, sizeof(err)))
		return -1;
	memset(&req, 0, sizeof(req));
	snprintf(req.name, sizeof(req.name), "node%u", i);
	req.n_ips = 1;
	snprintf(path, sizeof(path), "100.64.0.%u", i + 1);
	if (aegis_addr_parse(path, &req.ips[0]))
		return -1;
	if (i == NB) {
		req.n_prefixes = 1;
		if (aegis_prefix_parse("10.2.0.0/16", &req.prefixes[0], err,
				       sizeof(err)))
			return -1;
		req.roles = CERT_ROLE_RELAY;
	}
	if (ca_sign(w->ca_key, w->ca, w->n[i].id.key, &req, 1, &cert, err,
		    sizeof(err)) ||
	    cert_to_der(cert, &w->n[i].der, &w->n[i].der_len)) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	SHA256(w->n[i].der, w->n[i].der_len, w->n[i].cert_hash);
	if (i == NB) {
		X509_free(cert);
		if (ca_sign_window(w->ca_key, w->ca, w->n[i].id.key, &req,
				   w->now - 7200, w->now - 3600, &cert, err,
				   sizeof(err)) ||
		    cert_to_der(cert, &w->expired_der, &w->expired_len))
			return -1;
	}
	X509_free(cert);
	return 0;
}

static int world_setup(void **state)
{
	char err[256], key[96], crt[96];
	struct world *w = calloc(1, sizeof(*w));
	unsigned int i;

	if (!w)
		return -1;
	w->now = time(NULL);
	snprintf(w->dir, sizeof(w->dir), "/tmp/aegis-test-member.XXXXXX");
	if (!mkdtemp(w->dir)) {
		free(w);
		return -1;
	}
	snprintf(key, sizeof(key), "%s/ca.key", w->dir);
	snprintf(crt, sizeof(crt), "%s/ca.crt", w->dir);
	if (ca_init(key, crt, "unit", 2048, 1, err, sizeof(err)) ||
	    ca_load_key(key, &w->ca_key, err, sizeof(err)) ||
	    cert_load_pem(crt, &w->ca, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		free(w);
		return -1;
	}
	for (i = 0; i < N_NODES; i++)
		if (make_node(w, i))
			return -1;
	w->tr.ca = w->ca;
	w->tr.revoked = revoked_cb;
	w->tr.ctx = w;
	W = w;
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	struct world *w = *state;
	unsigned int i;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", w->dir);
	if (system(cmd))
		return -1;
	for (i = 0; i < N_NODES; i++) {
		identity_free(&w->n[i].id);
		OPENSSL_free(w->n[i].der);
	}
	OPENSSL_free(w->expired_der);
	EVP_PKEY_free(w->ca_key);
	X509_free(w->ca);
	free(w);
	return 0;
}

/* ---- records ----------------------------------------------------------- */

struct rec {
	uint8_t b[WIRE_MESH_MAX_RECORD];
	size_t len;
};

/* Fields of a record by node `origin`, naming the certificate of node
 * `cert` (-1: origin's), seq, expiry in an hour, one endpoint. */
static void fields(struct wire_mesh_record *v, unsigned int origin,
		   int cert, uint64_t seq)
{
	const struct node *c = &W->n[cert < 0 ? origin : (unsigned int)cert];

	memset(v, 0, sizeof(*v));
	v->origin = W->n[origin].id.node_id;
	v->seq = seq;
	v->expiry = (uint64_t)W->now + 3600;
	v->cert_len = (uint16_t)c->der_len;
	v->cert_hash = c->cert_hash;
	v->n_endpoints = 1;
	v->ep[0].addr.family = AF_INET;
	v->ep[0].addr.u.bytes[0] = 192;
	v->ep[0].addr.u.bytes[1] = 0;
	v->ep[0].addr.u.bytes[2] = 2;
	v->ep[0].addr.u.bytes[3] = (uint8_t)(origin + 1);
	v->ep[0].port = 51820;
	v->ep[0].kind = WIRE_MESH_EP_LOCAL;
}

/* Build and sign with key: RSA-PSS SHA-256, salt = digest length. */
static void sign(struct rec *r, const struct wire_mesh_record *v,
		 EVP_PKEY *key)
{
	uint8_t sig[WIRE_MAX_SIG];
	size_t sig_len = sizeof(sig);
	EVP_PKEY_CTX *pctx = NULL;
	struct wire_mesh_buf w;
	EVP_MD_CTX *ctx;

	wire_mesh_buf_init(&w, r->b, sizeof(r->b));
	assert_int_equal(wire_mesh_record_build(&w, v), 0);
	ctx = EVP_MD_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit_ex(ctx, &pctx, "SHA256", NULL,
					       NULL, key, NULL), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx,
						 RSA_PKCS1_PSS_PADDING) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
					RSA_PSS_SALTLEN_DIGEST) > 0);
	assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len, w.data, w.len), 1);
	EVP_MD_CTX_free(ctx);
	assert_int_equal(wire_mesh_record_add_sig(&w, sig, sig_len), 0);
	r->len = w.len;
}

static void signed_by(struct rec *r, const struct wire_mesh_record *v,
		      unsigned int who)
{
	sign(r, v, W->n[who].id.key);
}

static enum member_verdict feed(struct member_table *t, const struct rec *r,
				struct member_result *res)
{
	return member_accept_record(t, &W->tr, r->b, r->len, W->now, res);
}

static void table_of(struct member_table *t, unsigned int who)
{
	assert_int_equal(member_table_init(t, W->n[who].id.node_id), 0);
}

static void add_cert(struct member_table *t, unsigned int who,
		     struct member_result *res)
{
	assert_int_equal(member_add_cert(t, &W->tr, W->n[who].der,
					 W->n[who].der_len, W->now, res),
			 MEMBER_ACCEPTED);
}

/* ---- member: verdicts -------------------------------------------------- */

static void test_verdicts(void **state)
{
	struct wire_mesh_record v;
	struct member_result res;
	struct member_table t;
	struct member *m;
	struct rec r, r10;
	unsigned int i;

	(void)state;
	table_of(&t, NA);
	add_cert(&t, NB, &res);
	assert_false(res.waited);

	/* B's record, seq 10: new. */
	fields(&v, NB, -1, 10);
	signed_by(&r10, &v, NB);
	assert_int_equal(feed(&t, &r10, &res), MEMBER_ACCEPTED);
	assert_int_equal(res.old_seq, 0);
	assert_non_null(res.m);
	assert_int_equal(member_count(&t), 1);
	m = member_find(&t, W->n[NB].id.node_id);
	assert_ptr_equal(m, res.m);
	assert_int_equal(m->rec->seq, 10);
	assert_int_equal(m->rec->n_endpoints, 1);
	assert_int_equal(m->rec->ep[0].port, 51820);
	assert_memory_equal(m->rec->bytes, r10.b, r10.len);
	assert_non_null(m->cert);
	assert_memory_equal(m->cert->hash, W->n[NB].cert_hash, ID);
	assert_int_equal(digest_get(&t.digest, W->n[NB].id.node_id), 10);

	/* The same again (gossip): dropped without a check. */
	assert_int_equal(feed(&t, &r10, &res), MEMBER_DUPLICATE);

	/* Newer, with a prefix inside the certificate and its role. */
	fields(&v, NB, -1, 12);
	v.prefixes.n = 1;
	parse_prefix("10.2.1.0/24", &v.prefixes.p[0]);
	v.roles = CERT_ROLE_RELAY;
	signed_by(&r, &v, NB);
	assert_int_equal(feed(&t, &r, &res), MEMBER_ACCEPTED);
	assert_int_equal(res.old_seq, 10);
	assert_int_equal(m->rec->n_prefixes, 1);
	assert_int_equal(m->rec->prefixes[0].len, 24);
	assert_int_equal(m->rec->roles, CERT_ROLE_RELAY);
	assert_int_equal(digest_check(&t.digest), 0);

	/* Replayed older sequence number. */
	assert_int_equal(feed(&t, &r10, &res), MEMBER_STALE);
	assert_int_equal(m->rec->seq, 12);

	/* Forged: B's record signed by C's key; B's with a byte changed. */
	fields(&v, NB, -1, 13);
	signed_by(&r, &v, NC);
	assert_int_equal(feed(&t, &r, &res), MEMBER_BAD_SIGNATURE);
	signed_by(&r, &v, NB);
	r.b[89 + 4] ^= 1;			/* the endpoint's port */
	assert_int_equal(feed(&t, &r, &res), MEMBER_BAD_SIGNATURE);
	r.b[89 + 4] ^= 1;
	r.b[r.len - 1] ^= 0x80;			/* the signature */
	assert_int_equal(feed(&t, &r, &res), MEMBER_BAD_SIGNATURE);

	/* A prefix outside the certificate. */
	fields(&v, NB, -1, 14);
	v.prefixes.n = 2;
	parse_prefix("10.2.0.0/16", &v.prefixes.p[0]);
	parse_prefix("10.3.0.0/24", &v.prefixes.p[1]);
	signed_by(&r, &v, NB);
	assert_int_equal(feed(&t, &r, &res), MEMBER_PREFIX_NOT_ALLOWED);

	/* Roles beyond the certificate's. */
	fields(&v, NB, -1, 15);
	v.roles = CERT_ROLE_RELAY | CERT_ROLE_EXIT;
	signed_by(&r, &v, NB);
	assert_int_equal(feed(&t, &r, &res), MEMBER_ROLE_NOT_ALLOWED);

	/* Expired. */
	fields(&v, NB, -1, 16);
	v.expiry = (uint64_t)W->now - 1;
	signed_by(&r, &v, NB);
	assert_int_equal(feed(&t, &r, &res), MEMBER_EXPIRED);

	/* Revoked (the callback stands for the revocation list). */
	fields(&v, NB, -1, 17);
	signed_by(&r, &v, NB);
	W->revoked = W->n[NB].id.node_id;
	assert_int_equal(feed(&t, &r, &res), MEMBER_REVOKED);
	W->revoked = NULL;

	/* Origin and certificate disagree: C's record naming B's cert. */
	fields(&v, NC, NB, 1);
	signed_by(&r, &v, NC);
	assert_int_equal(feed(&t, &r, &res), MEMBER_CERT_REFUSED);
	assert_null(member_find(&t, W->n[NC].id.node_id));

	/* The right certificate, a wrong cert_len. */
	fields(&v, NB, -1, 18);
	v.cert_len--;
	signed_by(&r, &v, NB);
	assert_int_equal(feed(&t, &r, &res), MEMBER_MALFORMED);

	/* Malformed: truncated, trailing byte, nothing. */
	assert_int_equal(member_accept_record(&t, &W->tr, r10.b, r10.len - 1,
					      W->now, &res), MEMBER_MALFORMED);
	assert_int_equal(member_accept_record(&t, &W->tr, r10.b, r10.len + 1,
					      W->now, &res), MEMBER_MALFORMED);
	assert_int_equal(member_accept_record(&t, &W->tr, NULL, 0, W->now,
					      &res), MEMBER_MALFORMED);

	/* Nothing refused changed the record; every reason was counted. */
	assert_int_equal(m->rec->seq, 12);
	assert_int_equal(t.stats.record[MEMBER_ACCEPTED], 2);
	assert_int_equal(t.stats.record[MEMBER_DUPLICATE], 1);
	assert_int_equal(t.stats.record[MEMBER_STALE], 1);
	assert_int_equal(t.stats.record[MEMBER_BAD_SIGNATURE], 3);
	assert_int_equal(t.stats.record[MEMBER_PREFIX_NOT_ALLOWED], 1);
	assert_int_equal(t.stats.record[MEMBER_ROLE_NOT_ALLOWED], 1);
	assert_int_equal(t.stats.record[MEMBER_EXPIRED], 1);
	assert_int_equal(t.stats.record[MEMBER_REVOKED], 1);
	assert_int_equal(t.stats.record[MEMBER_CERT_REFUSED], 1);
	assert_int_equal(t.stats.record[MEMBER_MALFORMED], 4);
	for (i = 0; i < MEMBER_VERDICT_MAX; i++)
		assert_string_not_equal(member_verdict_name(i), "unknown");
	assert_int_equal(member_count(&t), 1);
	assert_int_equal(t.n_stubs, 0);
	member_table_free(&t);
}

/* ---- member: certificates fetched on demand ----------------------------- */

static void test_pending_cert(void **state)
{
	struct wire_mesh_record v;
	struct member_result res;
	struct member_table t;
	struct rec rc, rb;

	(void)state;
	table_of(&t, NA);

	/* C's record, C's certificate unknown: wait, and ask for it. */
	fields(&v, NC, -1, 5);
	signed_by(&rc, &v, NC);
	assert_int_equal(feed(&t, &rc, &res), MEMBER_NO_CERT);
	assert_true(res.want_cert);
	assert_memory_equal(res.cert_hash, W->n[NC].cert_hash, ID);
	assert_int_equal(res.cert_len, W->n[NC].der_len);
	assert_memory_equal(res.origin, W->n[NC].id.node_id, ID);
	assert_int_equal(member_count(&t), 0);
	assert_int_equal(t.n_pending, 1);
	/* Gossip brings it again: the same wait. */
	assert_int_equal(feed(&t, &rc, &res), MEMBER_DUPLICATE);
	assert_int_equal(t.n_pending, 1);

	/* B's record naming C's certificate waits too, for now. */
	fields(&v, NB, NC, 7);
	signed_by(&rb, &v, NB);
	assert_int_equal(feed(&t, &rb, &res), MEMBER_NO_CERT);
	assert_int_equal(t.n_pending, 2);

	/* Certificates that are no good. */
	assert_int_equal(member_add_cert(&t, &W->tr, W->expired_der,
					 W->expired_len, W->now, &res),
			 MEMBER_CERT_REFUSED);
	assert_int_equal(member_add_cert(&t, &W->tr, rc.b, 100, W->now, &res),
			 MEMBER_MALFORMED);
	assert_int_equal(t.n_pending, 2);

	/* C's certificate comes: C's record is accepted, B's refused. */
	add_cert(&t, NC, &res);
	assert_true(res.waited);
	assert_int_equal(res.verdict, MEMBER_ACCEPTED);
	assert_int_equal(res.seq, 5);
	assert_non_null(res.m);
	assert_memory_equal(res.m->id, W->n[NC].id.node_id, ID);
	assert_int_equal(member_count(&t), 1);
	assert_int_equal(t.n_pending, 0);
	assert_int_equal(t.n_stubs, 0);
	assert_null(member_find(&t, W->n[NB].id.node_id));
	assert_int_equal(t.stats.record[MEMBER_CERT_REFUSED], 1);
	assert_int_equal(t.stats.record[MEMBER_ACCEPTED], 1);
	assert_int_equal(t.stats.cert[MEMBER_ACCEPTED], 1);
	assert_int_equal(t.stats.cert[MEMBER_CERT_REFUSED], 1);
	assert_int_equal(t.stats.cert[MEMBER_MALFORMED], 1);
	assert_non_null(member_cert_find(&t, W->n[NC].cert_hash));
	/* Held already. */
	assert_int_equal(member_add_cert(&t, &W->tr, W->n[NC].der,
					 W->n[NC].der_len, W->now, &res),
			 MEMBER_DUPLICATE);
	/* And the record again is a duplicate now. */
	assert_int_equal(feed(&t, &rc, &res), MEMBER_DUPLICATE);

	/* A certificate before any record: the record needs no wait. */
	add_cert(&t, NB, &res);
	assert_false(res.waited);
	assert_int_equal(t.n_stubs, 1);
	fields(&v, NB, -1, 8);
	signed_by(&rb, &v, NB);
	assert_int_equal(feed(&t, &rb, &res), MEMBER_ACCEPTED);
	assert_int_equal(t.n_stubs, 0);
	assert_int_equal(member_count(&t), 2);

	/* A revoked node's certificate: refused, and so are the records
	 * that waited for it. */
	member_table_free(&t);
	table_of(&t, NA);
	assert_int_equal(feed(&t, &rc, &res), MEMBER_NO_CERT);
	W->revoked = W->n[NC].id.node_id;
	assert_int_equal(member_add_cert(&t, &W->tr, W->n[NC].der,
					 W->n[NC].der_len, W->now, &res),
			 MEMBER_REVOKED);
	W->revoked = NULL;
	assert_false(res.waited);
	assert_int_equal(t.n_pending, 0);
	assert_int_equal(t.n_stubs, 0);
	assert_int_equal(t.stats.record[MEMBER_REVOKED], 1);
	assert_null(member_cert_find(&t, W->n[NC].cert_hash));

	/* Records waiting are bounded. */
	member_table_free(&t);
	table_of(&t, NA);
	t.max_pending = 0;
	assert_int_equal(feed(&t, &rc, &res), MEMBER_FULL);
	assert_int_equal(t.n_stubs, 0);
	member_table_free(&t);
}

/* A record waiting for a certificate that never comes goes after
 * MEMBER_PENDING_TTL; expired records go, with their digest entries. */
static void test_expire(void **state)
{
	struct wire_mesh_record v;
	struct member_result res;
	struct member_table t;
	uint8_t gone[4][ID];
	struct rec r;

	(void)state;
	table_of(&t, NA);
	fields(&v, NC, -1, 3);
	signed_by(&r, &v, NC);
	assert_int_equal(feed(&t, &r, &res), MEMBER_NO_CERT);
	assert_int_equal(member_expire(&t, &W->tr, W->now + 1, gone, 4), 0);
	assert_int_equal(t.n_pending, 1);
	assert_int_equal(member_expire(&t, &W->tr, W->now +
				       MEMBER_PENDING_TTL, gone, 4), 0);
	assert_int_equal(t.n_pending, 0);
	assert_int_equal(t.n_stubs, 0);
	assert_int_equal(t.stats.pending_expired, 1);

	add_cert(&t, NB, &res);
	fields(&v, NB, -1, 4);
	v.expiry = (uint64_t)W->now + 100;
	signed_by(&r, &v, NB);
	assert_int_equal(feed(&t, &r, &res), MEMBER_ACCEPTED);
	assert_int_equal(t.digest.members, 1);
	assert_int_equal(member_expire(&t, &W->tr, W->now + 99, gone, 4), 0);
	assert_int_equal(member_count(&t), 1);
	assert_int_equal(member_expire(&t, &W->tr, W->now + 100, gone, 4), 1);
	assert_memory_equal(gone[0], W->n[NB].id.node_id, ID);
	assert_int_equal(member_count(&t), 0);
	assert_int_equal(t.digest.members, 0);
	assert_null(member_cert_find(&t, W->n[NB].cert_hash));

	/* A revoked member goes at the next sweep. */
	add_cert(&t, NB, &res);
	fields(&v, NB, -1, 5);
	signed_by(&r, &v, NB);
	assert_int_equal(feed(&t, &r, &res), MEMBER_ACCEPTED);
	W->revoked = W->n[NB].id.node_id;
	assert_int_equal(member_expire(&t, &W->tr, W->now, gone, 4), 1);
	W->revoked = NULL;
	assert_int_equal(t.stats.revoked, 1);
	assert_int_equal(member_count(&t), 0);
	member_table_free(&t);
}

static void test_leave(void **state)
{
	struct wire_mesh_record v;
	struct member_result res;
	struct member_table t;
	struct rec r, r1;

	(void)state;
	table_of(&t, NA);
	add_cert(&t, NB, &res);
	fields(&v, NB, -1, 20);
	signed_by(&r1, &v, NB);
	assert_int_equal(feed(&t, &r1, &res), MEMBER_ACCEPTED);
	assert_false(res.leave);

	fields(&v, NB, -1, 21);
	v.n_endpoints = 0;
	v.flags = WIRE_MESH_REC_LEAVE;
	signed_by(&r, &v, NB);
	assert_int_equal(feed(&t, &r, &res), MEMBER_ACCEPTED);
	assert_true(res.leave);
	assert_int_equal(res.old_seq, 20);
	assert_true(member_leaving(res.m));
	assert_int_equal(res.m->rec->n_endpoints, 0);
	/* The tombstone stays: the older record cannot bring it back. */
	assert_int_equal(feed(&t, &r1, &res), MEMBER_STALE);
	assert_int_equal(member_count(&t), 1);
	assert_int_equal(digest_get(&t.digest, W->n[NB].id.node_id), 21);
	member_table_free(&t);
}

/* Our own record: made and signed here only, seq above every copy. */
static void test_self_record(void **state)
{
	struct wire_mesh_endpoint ep;
	struct member_table a, a_old, b;
	struct member_result res;
	struct member_self f;
	struct rec old;
	uint64_t floor = ((uint64_t)W->now) << 16, s1;

	(void)state;
	table_of(&a, NA);
	table_of(&b, NB);
	memset(&ep, 0, sizeof(ep));
	ep.addr.family = AF_INET;
	ep.addr.u.bytes[0] = 198;
	ep.addr.u.bytes[1] = 51;
	ep.addr.u.bytes[2] = 100;
	ep.addr.u.bytes[3] = 7;
	ep.port = 4500;
	ep.kind = WIRE_MESH_EP_REFLEXIVE;
	memset(&f, 0, sizeof(f));
	f.cert_der = W->n[NA].der;
	f.cert_len = W->n[NA].der_len;
	f.expiry = (uint64_t)W->now + 3600;
	f.n_endpoints = 1;
	f.ep = &ep;

	/* Not our key. */
	assert_int_equal(member_self_record(&a, W->n[NB].id.key, &f, floor,
					    W->now, &res), -EINVAL);
	assert_int_equal(member_self_record(&a, W->n[NA].id.key, &f, floor,
					    W->now, &res), 0);
	s1 = res.seq;
	assert_int_equal(s1, floor);
	assert_non_null(res.m);
	assert_int_equal(member_count(&a), 1);
	assert_non_null(member_cert_find(&a, W->n[NA].cert_hash));
	assert_int_equal(digest_get(&a.digest, W->n[NA].id.node_id), s1);

	/* Another node accepts it (once it has our certificate). */
	assert_int_equal(member_accept_record(&b, &W->tr, res.m->rec->bytes,
					      res.m->rec->len, W->now, &res),
			 MEMBER_NO_CERT);
	add_cert(&b, NA, &res);
	assert_true(res.waited);
	assert_int_equal(res.verdict, MEMBER_ACCEPTED);
	assert_int_equal(res.m->rec->n_endpoints, 1);
	assert_int_equal(res.m->rec->ep[0].port, 4500);

	/* A lower floor (clock went back): still above the last one. */
	assert_int_equal(member_self_record(&a, W->n[NA].id.key, &f, 1,
					    W->now, &res), 0);
	assert_int_equal(res.seq, s1 + 1);

	/* Our copy coming back is a duplicate; an earlier run's newer one
	 * is never stored, but the next record goes above it. */
	assert_int_equal(member_accept_record(&a, &W->tr, res.m->rec->bytes,
					      res.m->rec->len, W->now, &res),
			 MEMBER_DUPLICATE);
	table_of(&a_old, NA);
	assert_int_equal(member_self_record(&a_old, W->n[NA].id.key, &f,
					    s1 + 100, W->now, &res), 0);
	memcpy(old.b, res.m->rec->bytes, res.m->rec->len);
	old.len = res.m->rec->len;
	member_table_free(&a_old);
	assert_int_equal(feed(&a, &old, &res), MEMBER_OWN);
	assert_int_equal(digest_get(&a.digest, W->n[NA].id.node_id), s1 + 1);
	assert_int_equal(member_self_record(&a, W->n[NA].id.key, &f, 1,
					    W->now, &res), 0);
	assert_int_equal(res.seq, s1 + 101);
	/* B takes the newest. */
	assert_int_equal(member_accept_record(&b, &W->tr, res.m->rec->bytes,
					      res.m->rec->len, W->now, &res),
			 MEMBER_ACCEPTED);
	assert_int_equal(res.old_seq, s1);

	/* LEAVE: no endpoints, no prefixes, or it does not encode. */
	f.leave = true;
	assert_int_equal(member_self_record(&a, W->n[NA].id.key, &f, 1,
					    W->now, &res), -EINVAL);
	f.n_endpoints = 0;
	assert_int_equal(member_self_record(&a, W->n[NA].id.key, &f, 1,
					    W->now, &res), 0);
	assert_true(member_leaving(res.m));
	member_table_free(&a);
	member_table_free(&b);
}

/* ---- records without signatures (scale and digest tests) --------------- */

static uint64_t rng_state = 0x853c49e6748fea9bULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void rnd_id(uint8_t *id)
{
	unsigned int i;

	for (i = 0; i < ID; i += 8) {
		uint64_t x = rnd();

		memcpy(id + i, &x, 8);
	}
}

/* A record of id at seq with a fake signature (member_insert_unverified). */
static void fake_record(struct rec *r, const uint8_t *id, uint64_t seq)
{
	static const uint8_t hash[ID] = { 1 };
	static uint8_t sig[256];
	struct wire_mesh_record v;
	struct wire_mesh_buf w;

	memset(sig, 0x5a, sizeof(sig));
	memset(&v, 0, sizeof(v));
	v.origin = id;
	v.seq = seq;
	v.expiry = (uint64_t)W->now + 3600;
	v.cert_len = 900;
	v.cert_hash = hash;
	v.n_endpoints = 2;
	v.ep[0].addr.family = AF_INET;
	memcpy(v.ep[0].addr.u.bytes, id, 4);
	v.ep[0].addr.u.bytes[0] |= 1;
	v.ep[0].port = 51820;
	v.ep[0].kind = WIRE_MESH_EP_LOCAL;
	v.ep[1] = v.ep[0];
	v.ep[1].kind = WIRE_MESH_EP_REFLEXIVE;
	v.prefixes.n = 1;
	v.prefixes.p[0].addr.family = AF_INET;
	v.prefixes.p[0].addr.u.bytes[0] = 10;
	v.prefixes.p[0].len = 8;
	wire_mesh_buf_init(&w, r->b, sizeof(r->b));
	assert_int_equal(wire_mesh_record_build(&w, &v), 0);
	assert_int_equal(wire_mesh_record_add_sig(&w, sig, sizeof(sig)), 0);
	r->len = w.len;
}

static void insert(struct member_table *t, const uint8_t *id, uint64_t seq)
{
	struct rec r;

	fake_record(&r, id, seq);
	assert_int_equal(member_insert_unverified(t, r.b, r.len, W->now), 0);
}

/* Copy what `from` holds of id into `to` (a RECORD_REQUEST answered). */
static void copy_record(struct member_table *to,
			const struct member_table *from, const uint8_t *id)
{
	const struct member *m = member_find(from, id);

	assert_non_null(m);
	assert_non_null(m->rec);
	assert_int_equal(member_insert_unverified(to, m->rec->bytes,
						  m->rec->len, W->now), 0);
}

static void test_member_scale(void **state)
{
	struct member_table t;
	uint8_t (*ids)[ID] = malloc(10000 * sizeof(*ids));
	struct timespec t0, t1;
	size_t i, mem;
	double ms;

	(void)state;
	assert_non_null(ids);
	table_of(&t, NA);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 10000; i++) {
		rnd_id(ids[i]);
		insert(&t, ids[i], 1 + i);
	}
	for (i = 0; i < 10000; i++) {
		const struct member *m = member_find(&t, ids[i]);

		assert_non_null(m);
		assert_int_equal(m->rec->seq, 1 + i);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_int_equal(member_count(&t), 10000);
	assert_int_equal(t.digest.members, 10000);
	assert_int_equal(digest_check(&t.digest), 0);
	mem = member_table_mem(&t);
	printf("# member: 10000 members inserted and found in %.1f ms; "
	       "%zu bytes in all, %zu a member (record of %zu bytes, no "
	       "certificate: add ~%zu with a %zu-byte one)\n", ms, mem,
	       mem / 10000, member_at(&t, 0)->rec->len,
	       sizeof(struct member_cert) + W->n[NB].der_len,
	       W->n[NB].der_len);
	assert_true(mem / 10000 < 2048);
	/* Everything expires. */
	assert_int_equal(member_expire(&t, &W->tr, W->now + 3600, NULL, 0), 0);
	assert_int_equal(member_count(&t), 0);
	assert_int_equal(t.digest.members, 0);
	assert_int_equal(t.stats.expired, 10000);
	member_table_free(&t);
	free(ids);
}

/* ---- digest ------------------------------------------------------------ */

/* 1,000 random updates (new, newer, removed), then a full recomputation
 * equals the incremental hashes, and so does a digest built afresh. */
static void test_digest_incremental(void **state)
{
	uint8_t ids[200][ID];
	uint64_t seqs[200] = { 0 };
	struct digest d, fresh;
	unsigned int i;

	(void)state;
	digest_init(&d);
	digest_init(&fresh);
	for (i = 0; i < 200; i++)
		rnd_id(ids[i]);
	/* Same first byte for a few, so that some buckets are crowded. */
	for (i = 0; i < 20; i++)
		ids[i][0] = 0x42;
	for (i = 0; i < 1000; i++) {
		unsigned int k = (unsigned int)(rnd() % 200);
		uint64_t seq = rnd() % 4 == 0 ? 0 : seqs[k] + 1 + rnd() % 5;

		if (!seq && !seqs[k]) {
			assert_int_equal(digest_set(&d, ids[k], 0), -ENOENT);
			continue;
		}
		assert_int_equal(digest_set(&d, ids[k], seq), 0);
		seqs[k] = seq;
	}
	assert_int_equal(digest_check(&d), 0);
	for (i = 0; i < 200; i++) {
		assert_int_equal(digest_get(&d, ids[i]), seqs[i]);
		if (seqs[i])
			assert_int_equal(digest_set(&fresh, ids[i], seqs[i]),
					 0);
	}
	assert_int_equal(d.members, fresh.members);
	assert_memory_equal(d.x, fresh.x, DIGEST_E_LEN);
	for (i = 0; i < WIRE_MESH_N_BUCKETS; i++)
		assert_memory_equal(d.b[i].x, fresh.b[i].x, DIGEST_E_LEN);
	/* A change is visible in the summary and in exactly one bucket. */
	{
		struct wire_mesh_digest_summary s;
		struct wire_mesh_digest_buckets b;
		struct wire_mesh_digest_request req[8];

		digest_summary(&fresh, &s);
		assert_true(digest_summary_equal(&d, &s));
		assert_int_equal(digest_set(&fresh, ids[0], seqs[0] + 7), 0);
		digest_summary(&fresh, &s);
		assert_false(digest_summary_equal(&d, &s));
		assert_int_equal(digest_buckets(&fresh, 0x40, 4, &b), 0);
		assert_int_equal(digest_buckets_diff(&d, &b, req, 8), 1);
		assert_int_equal(req[0].first, 0x42);
		assert_int_equal(req[0].last, 0x42);
	}
	/* e() as wire_mesh.h defines it. */
	{
		uint8_t in[15 + ID + 8], want[32], got[32];

		memcpy(in, "aegisray digest", 15);
		memcpy(in + 15, ids[1], ID);
		memset(in + 15 + ID, 0, 8);
		in[15 + ID + 7] = 9;
		SHA256(in, sizeof(in), want);
		assert_int_equal(digest_e(ids[1], 9, got), 0);
		assert_memory_equal(got, want, 32);
	}
	digest_free(&d);
	digest_free(&fresh);
}

/* The same through the member table: its digest follows every record
 * stored, replaced and removed. */
static void test_digest_of_table(void **state)
{
	uint8_t ids[100][ID];
	uint64_t seqs[100] = { 0 };
	struct member_table t;
	unsigned int i;

	(void)state;
	table_of(&t, NA);
	for (i = 0; i < 100; i++)
		rnd_id(ids[i]);
	for (i = 0; i < 1000; i++) {
		unsigned int k = (unsigned int)(rnd() % 100);

		if (rnd() % 4 == 0) {
			assert_int_equal(member_remove(&t, ids[k]),
					 seqs[k] ? 0 : -ENOENT);
			seqs[k] = 0;
			continue;
		}
		seqs[k] += 1 + rnd() % 3;
		insert(&t, ids[k], seqs[k]);
	}
	assert_int_equal(digest_check(&t.digest), 0);
	assert_int_equal(t.digest.members, member_count(&t));
	for (i = 0; i < 100; i++)
		assert_int_equal(digest_get(&t.digest, ids[i]), seqs[i]);
	member_table_free(&t);
}

/* Messages through the codecs, as they would travel. */
struct msgbuf {
	uint8_t mem[WIRE_MESH_MIN_MTU];
	struct wire_mesh_buf b;
	struct wire_mesh_tlv t;
};

static const uint8_t *travel(struct msgbuf *mb, int ret)
{
	struct wire_mesh_reader r;

	assert_int_equal(ret, 0);
	assert_int_equal(wire_mesh_bundle_check(mb->b.data, mb->b.len), 1);
	wire_mesh_reader_init(&r, mb->b.data, mb->b.len);
	assert_int_equal(wire_mesh_bundle_next(&r, &mb->t), 1);
	return mb->t.body;
}

#define BUNDLE(mb)	assert_int_equal(wire_mesh_bundle_init(&(mb)->b, \
				(mb)->mem, sizeof((mb)->mem)), 0)

/*
 * `us` runs one exchange against `peer` (the peer answers from its
 * digest; every message is encoded and parsed): x gets what we want from
 * the peer and what we push to it. Returns the messages the peer sent.
 */
static unsigned int exchange(const struct digest *peer, const struct digest *us,
			     struct digest_diff *x)
{
	struct wire_mesh_digest_summary sum;
	struct wire_mesh_digest_buckets bk;
	struct wire_mesh_digest_entries en;
	struct wire_mesh_digest_request req[WIRE_MESH_MAX_DIGEST_BUCKETS];
	struct digest_walk w;
	struct msgbuf mb;
	unsigned int first, i, msgs = 1;

	BUNDLE(&mb);
	digest_summary(peer, &sum);
	travel(&mb, wire_mesh_put_digest_summary(&mb.b, &sum));
	assert_int_equal(wire_mesh_parse_digest_summary(mb.t.body, mb.t.len,
							&sum), 0);
	if (digest_summary_equal(us, &sum))
		return msgs;
	for (first = 0; first < WIRE_MESH_N_BUCKETS;
	     first += WIRE_MESH_MAX_DIGEST_BUCKETS) {
		unsigned int n;

		BUNDLE(&mb);
		assert_int_equal(digest_buckets(peer, first,
						WIRE_MESH_MAX_DIGEST_BUCKETS,
						&bk), 0);
		travel(&mb, wire_mesh_put_digest_buckets(&mb.b, &bk));
		assert_int_equal(wire_mesh_parse_digest_buckets(mb.t.body,
								mb.t.len,
								&bk), 0);
		msgs++;
		n = digest_buckets_diff(us, &bk, req,
					WIRE_MESH_MAX_DIGEST_BUCKETS);
		for (i = 0; i < n; i++) {
			digest_walk_from(&w, &req[i]);
			while (!w.done) {
				BUNDLE(&mb);
				assert_int_equal(digest_entries(peer,
						w.req.first, w.req.last,
						w.req.offset, &en), 0);
				travel(&mb, wire_mesh_put_digest_entries(&mb.b,
									 &en));
				assert_int_equal(wire_mesh_parse_digest_entries(
						mb.t.body, mb.t.len, &en), 0);
				msgs++;
				assert_int_equal(digest_entries_diff(us, &w,
								     &en, x),
						 0);
			}
		}
	}
	return msgs;
}

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, ID);
}

static bool in_set(uint8_t (*set)[ID], size_t n, const uint8_t *id)
{
	return bsearch(id, set, n, ID, cmp_id) != NULL;
}

/* Apply x (computed by `us` against `peer`) to both tables. */
static void apply(struct member_table *us, struct member_table *peer,
		  const struct digest_diff *x)
{
	size_t i;

	for (i = 0; i < x->n_want; i++)
		copy_record(us, peer, x->want[i].id);
	for (i = 0; i < x->n_push; i++)
		copy_record(peer, us, x->push[i].id);
}

static void test_digest_converge(void **state)
{
	struct member_table a, b;
	struct digest_diff xa, xb;
	uint8_t (*ids)[ID] = malloc(300 * sizeof(*ids));
	uint8_t b_wants[7][ID], a_wants[5][ID];
	struct wire_mesh_digest_summary s;
	size_t i, nb = 0, na = 0;
	unsigned int msgs;

	(void)state;
	assert_non_null(ids);
	table_of(&a, NA);
	table_of(&b, NB);
	digest_diff_init(&xa);
	digest_diff_init(&xb);
	for (i = 0; i < 300; i++)
		rnd_id(ids[i]);
	/* 0..279 in both; then differences. */
	for (i = 0; i < 280; i++) {
		insert(&a, ids[i], 100);
		insert(&b, ids[i], 100);
	}
	for (i = 280; i < 283; i++) {		/* only in a */
		insert(&a, ids[i], 5);
		memcpy(b_wants[nb++], ids[i], ID);
	}
	for (i = 283; i < 285; i++) {		/* only in b */
		insert(&b, ids[i], 5);
		memcpy(a_wants[na++], ids[i], ID);
	}
	for (i = 0; i < 4; i++) {		/* a newer */
		insert(&a, ids[10 + i], 101 + i);
		memcpy(b_wants[nb++], ids[10 + i], ID);
	}
	for (i = 0; i < 3; i++) {		/* b newer */
		insert(&b, ids[20 + i], 200);
		memcpy(a_wants[na++], ids[20 + i], ID);
	}
	qsort(b_wants, nb, ID, cmp_id);
	qsort(a_wants, na, ID, cmp_id);

	/* b against a, and a against b: each side's wants are the other's
	 * pushes. */
	msgs = exchange(&a.digest, &b.digest, &xb);
	exchange(&b.digest, &a.digest, &xa);
	assert_int_equal(xb.n_want, nb);
	assert_int_equal(xb.n_push, na);
	assert_int_equal(xa.n_want, na);
	assert_int_equal(xa.n_push, nb);
	for (i = 0; i < xb.n_want; i++) {
		assert_true(in_set(b_wants, nb, xb.want[i].id));
		assert_int_equal(xb.want[i].have_seq,
				 digest_get(&b.digest, xb.want[i].id));
		assert_int_equal(xb.want[i].seq,
				 digest_get(&a.digest, xb.want[i].id));
	}
	for (i = 0; i < xb.n_push; i++)
		assert_true(in_set(a_wants, na, xb.push[i].id));
	for (i = 0; i < xa.n_want; i++)
		assert_true(in_set(a_wants, na, xa.want[i].id));
	printf("# digest: 283 vs 282 members, 12 differences: %u messages "
	       "from the peer\n", msgs);

	/* b pulls and pushes: equal. */
	apply(&b, &a, &xb);
	digest_summary(&a.digest, &s);
	assert_true(digest_summary_equal(&b.digest, &s));
	assert_int_equal(member_count(&a), 285);
	assert_int_equal(member_count(&b), 285);
	digest_diff_reset(&xa);
	assert_int_equal(exchange(&b.digest, &a.digest, &xa), 1);
	assert_int_equal(xa.n_want + xa.n_push, 0);
	assert_int_equal(digest_check(&a.digest), 0);
	assert_int_equal(digest_check(&b.digest), 0);

	member_table_free(&a);
	member_table_free(&b);
	digest_diff_free(&xa);
	digest_diff_free(&xb);
	free(ids);
}

/* An empty table against a full one, and entries that fall between two
 * pages of the peer's list: nothing is missed. */
static void test_digest_pages(void **state)
{
	struct digest a, b, empty;
	struct digest_diff x;
	uint8_t ids[100][ID], extra[ID];
	unsigned int i;

	(void)state;
	digest_init(&a);
	digest_init(&b);
	digest_init(&empty);
	digest_diff_init(&x);
	for (i = 0; i < 100; i++) {
		rnd_id(ids[i]);
		ids[i][0] = 0x10;
	}
	qsort(ids, 100, ID, cmp_id);
	for (i = 0; i < 100; i++) {
		assert_int_equal(digest_set(&a, ids[i], 1), 0);
		assert_int_equal(digest_set(&b, ids[i], 1), 0);
	}
	/* Just after a's last entry of its first page (29 entries): that
	 * id + 1, as a big-endian number. */
	memcpy(extra, ids[WIRE_MESH_MAX_DIGEST_ENTRIES - 1], ID);
	for (i = ID; i-- > 0;)
		if (++extra[i])
			break;
	assert_true(memcmp(extra, ids[WIRE_MESH_MAX_DIGEST_ENTRIES - 1],
			   ID) > 0);
	assert_true(memcmp(extra, ids[WIRE_MESH_MAX_DIGEST_ENTRIES], ID) < 0);
	assert_int_equal(digest_set(&b, extra, 3), 0);
	exchange(&a, &b, &x);
	assert_int_equal(x.n_want, 0);
	assert_int_equal(x.n_push, 1);
	assert_memory_equal(x.push[0].id, extra, ID);
	assert_int_equal(x.push[0].seq, 3);

	/* Empty against full: all wanted one way, all pushed the other. */
	digest_diff_reset(&x);
	exchange(&b, &empty, &x);
	assert_int_equal(x.n_want, 101);
	assert_int_equal(x.n_push, 0);
	digest_diff_reset(&x);
	exchange(&empty, &b, &x);
	assert_int_equal(x.n_want, 0);
	assert_int_equal(x.n_push, 101);

	/* A page that is not the one asked for is refused. */
	{
		struct wire_mesh_digest_entries en;
		struct digest_walk w;

		digest_walk_start(&w, 0x10, 0x10);
		assert_int_equal(digest_entries(&a, 0x10, 0x10, 29, &en), 0);
		assert_int_equal(digest_entries_diff(&b, &w, &en, &x),
				 -EINVAL);
	}
	digest_free(&a);
	digest_free(&b);
	digest_free(&empty);
	digest_diff_free(&x);
}

/* ---- swim -------------------------------------------------------------- */

#define SIM_MAX		10001
#define SIM_QUEUE	64

struct sim_msg {
	uint64_t at;
	uint8_t from[ID];
	struct wire_mesh_ack ack;
	uint8_t target[ID];
};

struct sim {
	struct swim s;
	struct swim_out o;
	uint64_t now;
	unsigned int n;
	uint8_t ids[SIM_MAX][ID];	/* [0] is us */
	bool down[SIM_MAX];
	unsigned int pings[SIM_MAX];
	struct sim_msg q[SIM_QUEUE];
	unsigned int nq;
	bool instant;			/* ACK within the call (scale) */
	/* What happened, for the checks. */
	uint64_t t_suspect, t_down, t_up;
	unsigned int n_ping_req;
	uint8_t relays[SWIM_MAX_INDIRECT][ID];
	unsigned int refutes;
};

static int sim_index(const struct sim *sm, const uint8_t *id)
{
	unsigned int i;

	for (i = 0; i < sm->n; i++)
		if (!memcmp(sm->ids[i], id, ID))
			return (int)i;
	return -1;
}

/* The index of id, fast: ids are i as a big-endian u32 then zeros. */
static unsigned int id_index(const uint8_t *id)
{
	return (unsigned int)id[0] << 24 | (unsigned int)id[1] << 16 |
	       (unsigned int)id[2] << 8 | id[3];
}

static void sim_queue(struct sim *sm, uint64_t at, const uint8_t *from,
		      uint32_t seq, uint8_t flags, const uint8_t *target)
{
	struct sim_msg *q;

	assert_true(sm->nq < SIM_QUEUE);
	q = &sm->q[sm->nq++];
	q->at = at;
	memcpy(q->from, from, ID);
	memcpy(q->target, target, ID);
	q->ack.seq = seq;
	q->ack.flags = flags;
	q->ack.incarnation = 1;
	q->ack.target = q->target;
}

/* Act on what swim asked for: the other members answer (unless down). */
static void sim_process(struct sim *sm)
{
	size_t i;

	for (i = 0; i < sm->o.n; i++) {
		struct swim_act a = sm->o.a[i];
		unsigned int k = id_index(a.target);

		switch (a.type) {
		case SWIM_SEND_PING:
			sm->pings[k]++;
			if (sm->down[k])
				break;
			if (sm->instant) {
				struct wire_mesh_ack ack = {
					.seq = a.seq, .incarnation = 1,
					.target = sm->ids[k],
				};

				swim_on_ack(&sm->s, sm->ids[k], &ack, sm->now,
					    &sm->o);
			} else {
				sim_queue(sm, sm->now + 10, a.target, a.seq, 0,
					  a.target);
			}
			break;
		case SWIM_SEND_PING_REQ:
			assert_true(sm->n_ping_req < SWIM_MAX_INDIRECT);
			memcpy(sm->relays[sm->n_ping_req++], a.to, ID);
			if (sm->down[k])	/* the relay NACKs */
				sim_queue(sm, sm->now + 400, a.to, a.seq,
					  WIRE_MESH_ACK_NACK, a.target);
			else
				sim_queue(sm, sm->now + 20, a.to, a.seq, 0,
					  a.target);
			break;
		case SWIM_EV_SUSPECT:
			sm->t_suspect = sm->now;
			break;
		case SWIM_EV_DOWN:
			sm->t_down = sm->now;
			break;
		case SWIM_EV_UP:
			sm->t_up = sm->now;
			break;
		case SWIM_REFUTE:
			sm->refutes++;
			break;
		default:
			break;
		}
	}
	sm->o.n = 0;
}

static void sim_run(struct sim *sm, uint64_t until)
{
	for (;;) {
		uint64_t t = swim_next_deadline(&sm->s);
		unsigned int i;

		for (i = 0; i < sm->nq; i++)
			if (sm->q[i].at < t)
				t = sm->q[i].at;
		if (t > until)
			break;
		sm->now = t;
		for (i = 0; i < sm->nq;) {
			struct sim_msg msg = sm->q[i];

			if (msg.at > t) {
				i++;
				continue;
			}
			sm->q[i] = sm->q[--sm->nq];
			msg.ack.target = msg.target;
			swim_on_ack(&sm->s, msg.from, &msg.ack, t, &sm->o);
		}
		swim_tick(&sm->s, t, &sm->o);
		sim_process(sm);
	}
	sm->now = until;
}

static struct sim *sim_new(unsigned int n, const struct swim_params *p)
{
	struct sim *sm = calloc(1, sizeof(*sm));
	unsigned int i;

	assert_non_null(sm);
	sm->n = n;
	for (i = 0; i < n; i++) {
		sm->ids[i][0] = (uint8_t)(i >> 24);
		sm->ids[i][1] = (uint8_t)(i >> 16);
		sm->ids[i][2] = (uint8_t)(i >> 8);
		sm->ids[i][3] = (uint8_t)i;
		sm->ids[i][31] = 0xee;
	}
	swim_out_init(&sm->o);
	assert_int_equal(swim_init(&sm->s, sm->ids[0], p, 42, 0), 0);
	swim_self_seq(&sm->s, 1);
	for (i = 1; i < n; i++)
		assert_int_equal(swim_record(&sm->s, sm->ids[i], 1, false, 0,
					     &sm->o), 0);
	assert_int_equal(sm->o.n, n - 1);	/* n - 1 members up */
	sm->o.n = 0;
	return sm;
}

static void sim_free(struct sim *sm)
{
	swim_free(&sm->s);
	swim_out_free(&sm->o);
	free(sm);
}

static void test_swim_suspicion_formula(void **state)
{
	struct swim_params p;

	(void)state;
	swim_params_default(&p);
	/* min, max by N, as swim.h documents. */
	assert_int_equal(swim_suspicion_ms(&p, 10, 2), 2000);
	assert_int_equal(swim_suspicion_ms(&p, 10, 0), 8000);
	assert_int_equal(swim_suspicion_ms(&p, 100, 2), 2000);
	assert_int_equal(swim_suspicion_ms(&p, 1000, 2), 3000);
	assert_int_equal(swim_suspicion_ms(&p, 1000, 0), 12000);
	assert_int_equal(swim_suspicion_ms(&p, 10000, 2), 4000);
	assert_int_equal(swim_suspicion_ms(&p, 10000, 0), 16000);
	/* One confirmation: max - (max - min) log 2 / log 3. */
	assert_in_range(swim_suspicion_ms(&p, 1000, 1), 6320, 6325);
	assert_int_equal(swim_suspicion_ms(&p, 1000, 5), 3000);
	/* memberlist's LAN numbers with its constants: 12 s / 72 s. */
	p.suspicion_mult = 4;
	p.suspicion_max_mult = 6;
	assert_int_equal(swim_suspicion_ms(&p, 1000, 2), 12000);
	assert_int_equal(swim_suspicion_ms(&p, 1000, 0), 72000);
}

/* Run until member k is probed; returns when its probe started. */
static uint64_t run_until_probed(struct sim *sm, unsigned int k)
{
	unsigned int before = sm->pings[k];
	uint64_t from = sm->now;

	/* Round robin: within 2N - 1 intervals. */
	while (sm->pings[k] == before) {
		sim_run(sm, sm->now + 100);
		assert_true(sm->now - from < 2ULL * sm->n * 1000);
	}
	assert_true(sm->s.probe.active);
	assert_memory_equal(sm->s.probe.target, sm->ids[k], ID);
	return sm->s.probe.start;
}

/* A member stops answering: indirect probes through 3 others, SUSPECT
 * at the end of the probe interval, DEAD after the suspicion timeout
 * (max with no confirmation: 8 s at N = 10). */
static void test_swim_timeline(void **state)
{
	struct sim *sm = sim_new(10, NULL);
	struct swim_member *x;
	uint64_t tp;
	unsigned int i, j;

	(void)state;
	sim_run(sm, 3000);
	sm->down[5] = true;
	tp = run_until_probed(sm, 5);
	/* Round robin: probed within 2N - 1 intervals. */
	assert_true(tp <= 3000 + 19 * 1000);
	sim_run(sm, tp + 499);
	assert_int_equal(sm->n_ping_req, 0);
	sim_run(sm, tp + 500);
	/* Indirect probes through 3 distinct others, never X, never us. */
	assert_int_equal(sm->n_ping_req, 3);
	for (i = 0; i < 3; i++) {
		int k = sim_index(sm, sm->relays[i]);

		assert_true(k > 0 && k != 5);
		for (j = 0; j < i; j++)
			assert_memory_not_equal(sm->relays[i], sm->relays[j],
						ID);
	}
	sim_run(sm, tp + 999);
	assert_int_equal(sm->t_suspect, 0);
	sim_run(sm, tp + 1000);
	assert_int_equal(sm->t_suspect, tp + 1000);
	x = swim_find(&sm->s, sm->ids[5]);
	assert_int_equal(x->state, SWIM_SUSPECT);
	assert_int_equal(sm->s.stats.nacks, 3);
	/* It is still probed while SUSPECT (with the buddy flag). */
	sim_run(sm, tp + 1000 + 8000 - 1);
	assert_int_equal(x->state, SWIM_SUSPECT);
	assert_int_equal(sm->t_down, 0);
	sim_run(sm, tp + 1000 + 8000);
	assert_int_equal(x->state, SWIM_DEAD);
	assert_int_equal(sm->t_down, tp + 1000 + 8000);
	/* DEAD is no longer probed. */
	i = sm->pings[5];
	sim_run(sm, sm->now + 30000);
	assert_int_equal(sm->pings[5], i);
	printf("# swim: N=10, probed at %llu ms, suspect +1000 ms, dead "
	       "+9000 ms (no confirmation)\n", (unsigned long long)tp);
	sim_free(sm);
}

/* Two others report it too: DEAD at min (2 s at N = 10). */
static void test_swim_confirmations(void **state)
{
	struct sim *sm = sim_new(10, NULL);
	struct wire_mesh_suspect msg;
	uint64_t tp;

	(void)state;
	sm->down[3] = true;
	tp = run_until_probed(sm, 3);
	sim_run(sm, tp + 1000);
	assert_int_equal(sm->t_suspect, tp + 1000);
	memset(&msg, 0, sizeof(msg));
	msg.state = WIRE_MESH_STATE_SUSPECT;
	msg.target = sm->ids[3];
	msg.incarnation = 1;
	msg.reporter = sm->ids[7];
	swim_on_suspect(&sm->s, &msg, tp + 1100, &sm->o);
	/* The confirmation is gossiped on; the same reporter twice counts
	 * once. */
	assert_int_equal(sm->o.n, 1);
	assert_int_equal(sm->o.a[0].type, SWIM_GOSSIP);
	sim_process(sm);
	swim_on_suspect(&sm->s, &msg, tp + 1150, &sm->o);
	assert_int_equal(sm->o.n, 0);
	/* An older incarnation is stale. */
	msg.reporter = sm->ids[8];
	msg.incarnation = 0;
	swim_on_suspect(&sm->s, &msg, tp + 1150, &sm->o);
	assert_int_equal(sm->s.stats.stale, 1);
	msg.incarnation = 1;
	swim_on_suspect(&sm->s, &msg, tp + 1200, &sm->o);
	sim_process(sm);
	sim_run(sm, tp + 1000 + 2000 - 1);
	assert_int_equal(sm->t_down, 0);
	sim_run(sm, tp + 1000 + 2000);
	assert_int_equal(sm->t_down, tp + 3000);
	sim_free(sm);
}

/*
 * N = 1000: the suspicion starts at max (12 s) and two independent
 * reports, a second apart as other members' probes fail, bring it down
 * to min (3 s): DEAD 3 s after the first suspicion. Alone, 12 s.
 */
static void test_swim_timeline_1000(void **state)
{
	struct sim *sm = sim_new(1001, NULL);
	struct wire_mesh_suspect msg;
	struct swim_member *x;
	uint64_t tp, ts, first;

	(void)state;
	sm->down[500] = true;
	sm->down[501] = true;
	tp = run_until_probed(sm, 500);
	first = tp;
	sim_run(sm, tp + 1000);
	ts = sm->t_suspect;
	assert_int_equal(ts, tp + 1000);
	x = swim_find(&sm->s, sm->ids[500]);
	assert_int_equal(x->suspect_deadline, ts + 12000);
	memset(&msg, 0, sizeof(msg));
	msg.state = WIRE_MESH_STATE_SUSPECT;
	msg.target = sm->ids[500];
	msg.incarnation = 1;
	msg.reporter = sm->ids[10];
	sim_run(sm, ts + 1000);
	swim_on_suspect(&sm->s, &msg, sm->now, &sm->o);
	assert_in_range(x->suspect_deadline, ts + 6320, ts + 6325);
	msg.reporter = sm->ids[11];
	sim_run(sm, ts + 2000);
	swim_on_suspect(&sm->s, &msg, sm->now, &sm->o);
	assert_int_equal(x->suspect_deadline, ts + 3000);
	sim_process(sm);
	sim_run(sm, ts + 2999);
	assert_int_equal(x->state, SWIM_SUSPECT);
	sim_run(sm, ts + 3000);
	assert_int_equal(x->state, SWIM_DEAD);
	assert_int_equal(sm->t_down, ts + 3000);

	/* Nobody confirms: max. */
	sm->t_suspect = 0;
	tp = run_until_probed(sm, 501);
	sim_run(sm, tp + 1000);
	ts = sm->t_suspect;
	assert_int_equal(ts, tp + 1000);
	x = swim_find(&sm->s, sm->ids[501]);
	sim_run(sm, ts + 11999);
	assert_int_equal(x->state, SWIM_SUSPECT);
	sim_run(sm, ts + 12000);
	assert_int_equal(x->state, SWIM_DEAD);
	printf("# swim: N=1000, this node's round robin reached the dead "
	       "member at %llu s (all nodes together: ~1.6 s); then dead "
	       "1 s + 3 s later with two confirmations, 1 s + 12 s alone\n",
	       (unsigned long long)first / 1000);
	sim_free(sm);
}

/* A newer record from the suspect refutes the suspicion. */
static void test_swim_refute(void **state)
{
	struct sim *sm = sim_new(10, NULL);
	struct wire_mesh_suspect msg;
	struct swim_member *x;
	uint64_t tp;

	(void)state;
	sm->down[4] = true;
	tp = run_until_probed(sm, 4);
	sim_run(sm, tp + 1000);
	x = swim_find(&sm->s, sm->ids[4]);
	assert_int_equal(x->state, SWIM_SUSPECT);
	/* The same seq refutes nothing. */
	assert_int_equal(swim_record(&sm->s, sm->ids[4], 1, false, sm->now,
				     &sm->o), 0);
	assert_int_equal(x->state, SWIM_SUSPECT);
	sm->down[4] = false;
	assert_int_equal(swim_record(&sm->s, sm->ids[4], 2, false, tp + 1500,
				     &sm->o), 0);
	sm->now = tp + 1500;
	sim_process(sm);
	assert_int_equal(x->state, SWIM_ALIVE);
	assert_int_equal(sm->t_up, tp + 1500);
	assert_int_equal(sm->s.stats.refuted, 1);
	sim_run(sm, tp + 60000);
	assert_int_equal(sm->t_down, 0);
	assert_int_equal(x->state, SWIM_ALIVE);

	/* A SUSPECT about us asks for a new record; once its seq is
	 * known, the old accusation is stale. */
	memset(&msg, 0, sizeof(msg));
	msg.state = WIRE_MESH_STATE_SUSPECT;
	msg.target = sm->ids[0];
	msg.incarnation = 1;
	msg.reporter = sm->ids[2];
	swim_on_suspect(&sm->s, &msg, sm->now, &sm->o);
	sim_process(sm);
	assert_int_equal(sm->refutes, 1);
	swim_self_seq(&sm->s, 2);
	swim_on_suspect(&sm->s, &msg, sm->now, &sm->o);
	sim_process(sm);
	assert_int_equal(sm->refutes, 1);

	/* DEAD from another reporter is taken at once; a newer record
	 * brings the member back. */
	msg.state = WIRE_MESH_STATE_DEAD;
	msg.target = sm->ids[6];
	swim_on_suspect(&sm->s, &msg, sm->now, &sm->o);
	sim_process(sm);
	assert_int_equal(swim_find(&sm->s, sm->ids[6])->state, SWIM_DEAD);
	assert_int_equal(swim_record(&sm->s, sm->ids[6], 2, false, sm->now,
				     &sm->o), 0);
	assert_int_equal(swim_find(&sm->s, sm->ids[6])->state, SWIM_ALIVE);
	sim_process(sm);

	/* LEAVE: LEFT at once, not probed any more. */
	assert_int_equal(swim_record(&sm->s, sm->ids[6], 3, true, sm->now,
				     &sm->o), 0);
	assert_int_equal(sm->o.n, 1);
	assert_int_equal(sm->o.a[0].type, SWIM_EV_LEFT);
	sim_process(sm);
	assert_int_equal(swim_find(&sm->s, sm->ids[6])->state, SWIM_LEFT);
	tp = sm->pings[6];
	sim_run(sm, sm->now + 30000);
	assert_int_equal(sm->pings[6], tp);
	sim_free(sm);
}

/* PING_REQ served for another member: PING the target, ACK back for it,
 * or NACK at the relay timeout. */
static void test_swim_relay(void **state)
{
	struct sim *sm = sim_new(4, NULL);
	struct wire_mesh_ping_req req = { .seq = 77 };
	struct wire_mesh_ack ack;
	struct wire_mesh_ping ping = { .seq = 5, .incarnation = 9 };
	uint32_t seq;

	(void)state;
	sm->now = 50;
	req.target = sm->ids[2];
	swim_on_ping_req(&sm->s, sm->ids[1], &req, sm->now, &sm->o);
	assert_int_equal(sm->o.n, 1);
	assert_int_equal(sm->o.a[0].type, SWIM_SEND_PING);
	assert_memory_equal(sm->o.a[0].to, sm->ids[2], ID);
	seq = sm->o.a[0].seq;
	sm->o.n = 0;
	memset(&ack, 0, sizeof(ack));
	ack.seq = seq;
	ack.incarnation = 1;
	ack.target = sm->ids[2];
	swim_on_ack(&sm->s, sm->ids[2], &ack, sm->now + 5, &sm->o);
	assert_int_equal(sm->o.n, 1);
	assert_int_equal(sm->o.a[0].type, SWIM_SEND_ACK);
	assert_memory_equal(sm->o.a[0].to, sm->ids[1], ID);
	assert_memory_equal(sm->o.a[0].target, sm->ids[2], ID);
	assert_int_equal(sm->o.a[0].seq, 77);
	assert_int_equal(sm->o.a[0].flags, 0);
	sm->o.n = 0;

	/* No answer: NACK after relay_timeout_ms. */
	req.target = sm->ids[3];
	swim_on_ping_req(&sm->s, sm->ids[1], &req, 100, &sm->o);
	sm->o.n = 0;
	sm->s.next_probe = 100000;
	swim_tick(&sm->s, 499, &sm->o);
	assert_int_equal(sm->o.n, 0);
	swim_tick(&sm->s, 500, &sm->o);
	assert_int_equal(sm->o.n, 1);
	assert_int_equal(sm->o.a[0].type, SWIM_SEND_ACK);
	assert_int_equal(sm->o.a[0].flags, WIRE_MESH_ACK_NACK);
	sm->o.n = 0;

	/* A PING is answered with our incarnation; a newer one of the
	 * sender's than we hold asks for its record. */
	swim_on_ping(&sm->s, sm->ids[3], &ping, 600, &sm->o);
	assert_int_equal(sm->o.n, 2);
	assert_int_equal(sm->o.a[0].type, SWIM_SEND_ACK);
	assert_int_equal(sm->o.a[0].seq, 5);
	assert_int_equal(sm->o.a[0].incarnation, 1);
	assert_memory_equal(sm->o.a[0].target, sm->ids[0], ID);
	assert_int_equal(sm->o.a[1].type, SWIM_WANT_RECORD);
	assert_int_equal(sm->o.a[1].incarnation, 9);
	sim_free(sm);
}

/* 10,000 members: each probed exactly once a round; the work per probe
 * does not grow with N. */
static void test_swim_scale(void **state)
{
	struct sim *sm = sim_new(SIM_MAX, NULL);
	struct timespec t0, t1;
	unsigned int i;
	double ms;

	(void)state;
	sm->instant = true;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Two rounds: SIM_MAX - 1 probes each, one a second. */
	sim_run(sm, 2ULL * (SIM_MAX - 1) * 1000 - 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	for (i = 1; i < SIM_MAX; i++)
		assert_int_equal(sm->pings[i], 2);
	assert_int_equal(sm->s.stats.probes, 2 * (SIM_MAX - 1));
	assert_int_equal(sm->s.stats.acks, 2 * (SIM_MAX - 1));
	assert_int_equal(sm->s.n_suspects, 0);
	/* A member removed mid-round, one added: still once a round. */
	swim_remove(&sm->s, sm->ids[17]);
	assert_null(swim_find(&sm->s, sm->ids[17]));
	assert_int_equal(swim_count(&sm->s), SIM_MAX - 2);
	printf("# swim: %u members, %llu probes in %.1f ms (%.2f us a "
	       "probe), ~%zu bytes a member\n", (unsigned int)SIM_MAX - 1,
	       (unsigned long long)sm->s.stats.probes, ms,
	       ms * 1e3 / (double)sm->s.stats.probes,
	       sizeof(struct swim_member) + 2 * sizeof(void *));
	sim_free(sm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_pending_cert),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_leave),
		cmocka_unit_test(test_self_record),
		cmocka_unit_test(test_member_scale),
		cmocka_unit_test(test_digest_incremental),
		cmocka_unit_test(test_digest_of_table),
		cmocka_unit_test(test_digest_converge),
		cmocka_unit_test(test_digest_pages),
		cmocka_unit_test(test_swim_suspicion_formula),
		cmocka_unit_test(test_swim_timeline),
		cmocka_unit_test(test_swim_confirmations),
		cmocka_unit_test(test_swim_timeline_1000),
		cmocka_unit_test(test_swim_refute),
		cmocka_unit_test(test_swim_relay),
		cmocka_unit_test(test_swim_scale),
	};

	return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
