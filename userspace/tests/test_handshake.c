// SPDX-License-Identifier: MIT
/* Unit tests: userspace/agent/session/hs.c (with cert.c and identity.c) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "hex.h"
#include "trust/cert.h"
#include "ca/ca.h"
#include "session/hs.h"
#include "trust/identity.h"
#include "wire/wire.h"

#define DAY	(24 * 60 * 60)

/* OpenSSL's "> 0 is success" convention. */
#define assert_positive(x)	assert_true((x) > 0)

/*
 * The same inputs through `openssl kdf` (OpenSSL 3.0 command line):
 *   openssl kdf -keylen 109 -kdfopt digest:SHA256 \
 *     -kdfopt hexkey:202122...5f (bytes 0x20..0x5f) \
 *     -kdfopt hexsalt:000102...1f (bytes 0x00..0x1f) \
 *     -kdfopt info:'aegisray v1 session' HKDF
 */
static const char okm_vector[] =
	"d14b66a5daac4ed900b3556660031ecb8c76f5d38d3f04dec58be79a8b1a2850"
	"e7ccd4030470421e005aaff80758d4a9b4cff1f13a5f6335bc432530cc155035"
	"ec483bd31e7a70e0abb1aebe1d98d25b3e1f9996f1e594f945d6dd9159e23073"
	"cb3c2e79958c6c5e34e394662d719f4dd5405b1a1abfb08083e4f33912de574d"
	"f7d108d7ab65496c824ecf23807c69e2a17fb2c61969f8609458782bc37b5cc0"
	"08baadc452493b6e4f7bfa25480245403a80a49339";

struct node {
	EVP_PKEY *key;
	uint8_t id[AEGIS_NODE_ID_LEN];
	uint8_t *der;
	size_t der_len;
	struct aegis_prefix routes[4];
	unsigned int n_routes;
};

struct fixture {
	char dir[64];
	EVP_PKEY *ca_key, *ca2_key;
	X509 *ca, *ca2;
	struct node a, b, c;
	uint8_t *a_expired, *a_foreign;
	size_t a_expired_len, a_foreign_len;
};

/* The fixture is built once per binary (RSA key generation is slow). */
static struct fixture *fx;

/* ---- helpers ----------------------------------------------------------- */

static void prefix(struct aegis_prefix *p, const char *s)
{
	char err[80];

	assert_int_equal(aegis_prefix_parse(s, p, err, sizeof(err)), 0);
}

static int make_ca(const char *dir, const char *tag, EVP_PKEY **key,
		   X509 **cert)
{
	char kp[128], cp[128], err[256];

	snprintf(kp, sizeof(kp), "%s/%s.key", dir, tag);
	snprintf(cp, sizeof(cp), "%s/%s.crt", dir, tag);
	if (ca_init(kp, cp, "testnet", 2048, 30, err, sizeof(err)) ||
	    ca_load_key(kp, key, err, sizeof(err)) ||
	    cert_load_pem(cp, cert, err, sizeof(err))) {
		fprintf(stderr, "CA %s: %s\n", tag, err);
		return -1;
	}
	unlink(kp);
	unlink(cp);
	return 0;
}

static int issue(EVP_PKEY *ca_key, X509 *ca, EVP_PKEY *key,
		 const char *name, const char *ip, const char *pfx,
		 time_t nb, time_t na, uint8_t **der, size_t *len)
{
	struct cert_info req;
	char err[256];
	X509 *x = NULL;
	int ret;

	memset(&req, 0, sizeof(req));
	snprintf(req.name, sizeof(req.name), "%s", name);
	req.n_ips = 1;
	if (aegis_addr_parse(ip, &req.ips[0]))
		return -1;
	req.n_prefixes = 1;
	if (aegis_prefix_parse(pfx, &req.prefixes[0], err, sizeof(err)))
		return -1;
	if (nb || na)
		ret = ca_sign_window(ca_key, ca, key, &req, nb, na, &x, err,
				     sizeof(err));
	else
		ret = ca_sign(ca_key, ca, key, &req, 30, &x, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "cert %s: %s\n", name, err);
		return -1;
	}
	ret = cert_to_der(x, der, len);
	X509_free(x);
	return ret;
}

static int make_node(struct node *n, const char *name, const char *ip,
		     const char *pfx)
{
	n->key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (!n->key || identity_node_id(n->key, n->id))
		return -1;
	return issue(fx->ca_key, fx->ca, n->key, name, ip, pfx, 0, 0, &n->der,
		     &n->der_len);
}

static int group_setup(void **state)
{
	time_t now = time(NULL);

	(void)state;
	fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_handshake.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	if (make_ca(fx->dir, "ca", &fx->ca_key, &fx->ca) ||
	    make_ca(fx->dir, "ca2", &fx->ca2_key, &fx->ca2))
		return -1;
	if (make_node(&fx->a, "alpha", "10.99.0.1", "192.168.10.0/24") ||
	    make_node(&fx->b, "bravo", "10.99.0.2", "fd00:b::/48") ||
	    make_node(&fx->c, "charlie", "10.99.0.3", "192.168.30.0/24"))
		return -1;
	if (issue(fx->ca_key, fx->ca, fx->a.key, "alpha", "10.99.0.1",
		  "192.168.10.0/24", now - 30 * DAY, now - DAY,
		  &fx->a_expired, &fx->a_expired_len) ||
	    issue(fx->ca2_key, fx->ca2, fx->a.key, "alpha", "10.99.0.1",
		  "192.168.10.0/24", 0, 0, &fx->a_foreign,
		  &fx->a_foreign_len))
		return -1;
	return 0;
}

static void node_free(struct node *n)
{
	EVP_PKEY_free(n->key);
	OPENSSL_free(n->der);
}

static int group_teardown(void **state)
{
	(void)state;
	if (!fx)
		return 0;
	node_free(&fx->a);
	node_free(&fx->b);
	node_free(&fx->c);
	OPENSSL_free(fx->a_expired);
	OPENSSL_free(fx->a_foreign);
	EVP_PKEY_free(fx->ca_key);
	EVP_PKEY_free(fx->ca2_key);
	X509_free(fx->ca);
	X509_free(fx->ca2);
	rmdir(fx->dir);
	free(fx);
	fx = NULL;
	return 0;
}

/* Per test: default routes, inside each node's certificate. */
static int setup(void **state)
{
	(void)state;
	prefix(&fx->a.routes[0], "192.168.10.0/24");
	prefix(&fx->a.routes[1], "10.99.0.1/32");
	fx->a.n_routes = 2;
	prefix(&fx->b.routes[0], "fd00:b:0:1::/64");
	fx->b.n_routes = 1;
	fx->c.n_routes = 0;
	return 0;
}

static struct hs_local local(const struct node *n, uint8_t cipher)
{
	struct hs_local l = {
		.key = n->key,
		.node_id = n->id,
		.cert_der = n->der,
		.cert_len = n->der_len,
		.ca = fx->ca,
		.cipher_pref = cipher,
		.routes = n->routes,
		.n_routes = n->n_routes,
	};

	return l;
}

/* HKDF-SHA256 (RFC 5869) on HMAC alone: an independent key schedule. */
static void hmac(const uint8_t *key, size_t klen, const uint8_t *d, size_t n,
		 uint8_t out[32])
{
	size_t len = 0;

	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, klen,
				  d, n, out, 32, &len));
	assert_int_equal(len, 32);
}

static void hkdf_ref(const uint8_t salt[32], const uint8_t *ikm, size_t ilen,
		     uint8_t okm[HS_OKM_LEN])
{
	static const char info[] = HS_KDF_INFO;
	uint8_t prk[32], t[32 + sizeof(info) + 1];
	size_t done = 0, tlen = 0;
	uint8_t block[32];
	uint8_t i;

	hmac(salt, 32, ikm, ilen, prk);
	for (i = 1; done < HS_OKM_LEN; i++) {
		memcpy(t + tlen, info, sizeof(info) - 1);
		t[tlen + sizeof(info) - 1] = i;
		hmac(prk, 32, t, tlen + sizeof(info), block);
		memcpy(okm + done, block,
		       HS_OKM_LEN - done < 32 ? HS_OKM_LEN - done : 32);
		done += 32;
		memcpy(t, block, 32);
		tlen = 32;
	}
}

/* Check keys against an OKM laid out as session/hs.h says. */
static void check_layout(const struct hs_keys *k, const uint8_t *okm,
			 bool initiator)
{
	const uint8_t *i2r = okm, *r2i = okm + 36;

	assert_memory_equal(k->enc_key, initiator ? i2r : r2i, 32);
	assert_memory_equal(k->enc_salt, (initiator ? i2r : r2i) + 32, 4);
	assert_memory_equal(k->dec_key, initiator ? r2i : i2r, 32);
	assert_memory_equal(k->dec_salt, (initiator ? r2i : i2r) + 32, 4);
	assert_memory_equal(k->confirm_key, okm + 72, 32);
	assert_int_equal(k->key_id, okm[104] & 7);
	/* The mesh channel's keys (chan/), after 4 spare bytes. */
	assert_memory_equal(k->mesh_enc_key, okm + (initiator ? 109 : 145), 32);
	assert_memory_equal(k->mesh_enc_salt, okm + (initiator ? 141 : 177), 4);
	assert_memory_equal(k->mesh_dec_key, okm + (initiator ? 145 : 109), 32);
	assert_memory_equal(k->mesh_dec_salt, okm + (initiator ? 177 : 141), 4);
}

static void sha256_two(const uint8_t *a, size_t alen, const uint8_t *b,
		       size_t blen, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, a, alen), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, b, blen), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, out, NULL), 1);
	EVP_MD_CTX_free(ctx);
}

/* RSA-PSS-SHA256 over a || b into sig (tests forge "valid" messages). */
static void pss_sign2(EVP_PKEY *key, const uint8_t *a, size_t alen,
		      const uint8_t *b, size_t blen, uint8_t *sig,
		      size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t len = siglen;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit_ex(ctx, &pctx, "SHA256", NULL,
					       NULL, key, NULL), 1);
	assert_positive(EVP_PKEY_CTX_set_rsa_padding(pctx,
						     RSA_PKCS1_PSS_PADDING));
	assert_positive(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
				RSA_PSS_SALTLEN_DIGEST));
	assert_int_equal(EVP_DigestSignUpdate(ctx, a, alen), 1);
	if (blen)
		assert_int_equal(EVP_DigestSignUpdate(ctx, b, blen), 1);
	assert_int_equal(EVP_DigestSignFinal(ctx, sig, &len), 1);
	assert_int_equal(len, siglen);
	EVP_MD_CTX_free(ctx);
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* One handshake in progress, message by message. */
struct run {
	struct hs_local li, lr;		/* initiator, responder */
	struct hs_init_state st;
	struct wire_init mi;
	struct hs_peer peer_r;		/* what the responder learnt */
	struct wire_buf resp;
	struct wire_resp mr;
	struct hs_peer peer_i;		/* what the initiator learnt */
	struct hs_keys ki, kr;
	time_t now;
};

static void run_init(struct run *r, const uint8_t *responder_id)
{
	r->now = time(NULL);
	assert_int_equal(hs_init_create(&r->li, responder_id, 123456789ULL,
					&r->st), 0);
	assert_int_equal(wire_parse_init(r->st.msg, r->st.len, &r->mi), 0);
}

static enum hs_status run_verify(struct run *r)
{
	return hs_init_verify(&r->lr, r->st.msg, r->st.len, &r->mi, r->now,
			      &r->peer_r);
}

static void run_resp(struct run *r)
{
	assert_int_equal(hs_resp_create(&r->lr, r->st.msg, r->st.len, &r->mi,
					&r->peer_r, &r->resp, &r->kr), 0);
	assert_int_equal(wire_parse_resp(r->resp.data, r->resp.len, &r->mr),
			 0);
}

static enum hs_status run_consume(struct run *r)
{
	return hs_resp_consume(&r->li, &r->st, r->resp.data, r->resp.len,
			       &r->mr, r->now, &r->peer_i, &r->ki);
}

/* INIT and RESP, both accepted. */
static void run_full(struct run *r, const struct node *i, uint8_t ci,
		     const struct node *rs, uint8_t cr)
{
	memset(r, 0, sizeof(*r));
	r->li = local(i, ci);
	r->lr = local(rs, cr);
	run_init(r, rs->id);
	assert_int_equal(run_verify(r), HS_OK);
	run_resp(r);
	assert_int_equal(run_consume(r), HS_OK);
}

static void run_clear(struct run *r)
{
	hs_init_clear(&r->st);
	hs_keys_wipe(&r->ki);
	hs_keys_wipe(&r->kr);
}

/* Re-sign a tampered INIT with the initiator's key. */
static void resign_init(struct run *r)
{
	assert_int_equal(wire_parse_init(r->st.msg, r->st.len, &r->mi), 0);
	pss_sign2(r->li.key, r->st.msg, r->mi.signed_len, NULL, 0,
		  r->st.msg + r->mi.signed_len + 2, r->mi.sig_len);
}

/* Re-sign a tampered RESP with the responder's key. */
static void resign_resp(struct run *r)
{
	assert_int_equal(wire_parse_resp(r->resp.data, r->resp.len, &r->mr),
			 0);
	pss_sign2(r->lr.key, r->st.msg, r->st.mac1_off, r->resp.data,
		  r->mr.signed_len, r->resp.data + r->mr.signed_len + 2,
		  r->mr.sig_len);
}

/* ---- key schedule ------------------------------------------------------ */

static void test_derive_vector(void **state)
{
	uint8_t th[32], ikm[64], okm[HS_OKM_LEN], ref[HS_OKM_LEN];
	struct hs_keys ki, kr;
	size_t i;

	(void)state;
	for (i = 0; i < 32; i++)
		th[i] = (uint8_t)i;
	for (i = 0; i < 64; i++)
		ikm[i] = (uint8_t)(0x20 + i);
	assert_int_equal(aegis_hex_decode(okm_vector, okm, sizeof(okm)), 0);
	hkdf_ref(th, ikm, sizeof(ikm), ref);
	assert_memory_equal(ref, okm, HS_OKM_LEN);

	memset(&ki, 0x55, sizeof(ki));
	memset(&kr, 0xaa, sizeof(kr));
	assert_int_equal(hs_derive(th, ikm, 32, ikm + 32, 32, true, &ki), 0);
	assert_int_equal(hs_derive(th, ikm, 32, ikm + 32, 32, false, &kr), 0);
	check_layout(&ki, okm, true);
	check_layout(&kr, okm, false);
	assert_memory_equal(ki.th, th, 32);
	assert_memory_equal(kr.th, th, 32);
	assert_memory_equal(ki.enc_key, kr.dec_key, 32);
	assert_memory_equal(ki.dec_salt, kr.enc_salt, 4);
	/* From the vector: byte 104 is 0x34, key id 4. */
	assert_int_equal(ki.key_id, 4);
	assert_int_equal(kr.key_id, 4);
	/* IKM is dh || secret: moving the split point changes nothing. */
	assert_int_equal(hs_derive(th, ikm, 40, ikm + 40, 24, true, &kr), 0);
	assert_memory_equal(kr.enc_key, ki.enc_key, 32);

	/* A different transcript gives different keys. */
	th[0] ^= 1;
	assert_int_equal(hs_derive(th, ikm, 32, ikm + 32, 32, true, &kr), 0);
	assert_memory_not_equal(kr.enc_key, ki.enc_key, 32);

	assert_int_equal(hs_derive(th, ikm, 4096, ikm, 32, true, &kr),
			 -EINVAL);
	hs_keys_wipe(&ki);
	for (i = 0; i < sizeof(ki); i++)
		assert_int_equal(((uint8_t *)&ki)[i], 0);
	hs_keys_wipe(&kr);
}

static void test_random_index(void **state)
{
	uint64_t a, b;
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		assert_int_equal(hs_random_index(&a), 0);
		assert_int_equal(hs_random_index(&b), 0);
		assert_true(a != 0 && b != 0 && a != b);
	}
}

static void test_status(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < HS_STATUS_MAX; i++) {
		assert_true(strlen(hs_status_str(i)) > 1);
		for (j = 0; j < i; j++)
			assert_string_not_equal(hs_status_str(i),
						hs_status_str(j));
	}
	assert_string_equal(hs_status_str(HS_STATUS_MAX),
			    "unknown handshake status");
	assert_int_equal(hs_status_from_cert(CERT_OK), HS_OK);
	assert_int_equal(hs_status_from_cert(CERT_MALFORMED), HS_CERT_BAD);
	assert_int_equal(hs_status_from_cert(CERT_WRONG_CA), HS_CERT_WRONG_CA);
	assert_int_equal(hs_status_from_cert(CERT_EXPIRED), HS_CERT_EXPIRED);
	assert_int_equal(hs_status_from_cert(CERT_NOT_YET_VALID),
			 HS_CERT_EXPIRED);
	assert_int_equal(hs_status_from_cert(CERT_ID_MISMATCH),
			 HS_CERT_ID_MISMATCH);
	assert_int_equal(hs_status_from_cert(CERT_BAD_KEY), HS_CERT_BAD);
}

/* ---- full handshake ---------------------------------------------------- */

static void test_full_handshake(void **state)
{
	uint8_t shared[32], secret[WIRE_MAX_SIG], ikm[64], th[32];
	uint8_t okm[HS_OKM_LEN];
	struct wire_hdr hi, hr, hc;
	struct wire_confirm mc;
	struct wire_buf conf;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *peer;
	size_t len;
	struct run *r = calloc(1, sizeof(*r));

	(void)state;
	assert_non_null(r);
	run_full(r, &fx->a, AEGIS_CIPHER_AES_GCM, &fx->b, AEGIS_CIPHER_AES_GCM);

	/* INIT: size, CIDs, mac1 for B only, no mac2. */
	assert_true(r->st.len >= WIRE_MIN_INITIAL);
	assert_int_equal(r->st.mac1_off, r->mi.mac1_off);
	assert_int_equal(wire_parse_hdr(r->st.msg, r->st.len, &hi), 0);
	assert_int_equal(be64(hi.scid), r->st.sender_index);
	assert_memory_equal(hi.scid, r->st.scid, 8);
	assert_int_equal(r->mi.sender_index, r->st.sender_index);
	assert_int_equal(r->mi.timestamp, 123456789ULL);
	assert_memory_equal(r->mi.responder_id, fx->b.id, 32);
	assert_true(hs_mac1_ok(fx->b.id, r->st.msg, r->mi.mac1_off,
			       r->mi.mac1));
	assert_false(hs_mac1_ok(fx->a.id, r->st.msg, r->mi.mac1_off,
				r->mi.mac1));
	assert_memory_equal(r->mi.mac2, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(r->mi.sig_len, 256);

	/* What B learnt about A. */
	assert_memory_equal(r->peer_r.cert.node_id, fx->a.id, 32);
	assert_string_equal(r->peer_r.cert.name, "alpha");
	assert_int_equal(r->peer_r.routes.n, 2);
	assert_int_equal(r->peer_r.routes.p[0].len, 24);
	assert_int_equal(r->peer_r.timestamp, 123456789ULL);
	assert_int_equal(r->peer_r.cipher_pref, AEGIS_CIPHER_AES_GCM);

	/* RESP: echoes A's SCID, mac1 for A. */
	assert_int_equal(wire_parse_hdr(r->resp.data, r->resp.len, &hr), 0);
	assert_memory_equal(hr.dcid, hi.scid, 8);
	assert_int_equal(be64(hr.scid), r->mr.sender_index);
	assert_int_equal(r->mr.receiver_index, r->st.sender_index);
	assert_true(hs_mac1_ok(fx->a.id, r->resp.data, r->mr.mac1_off,
			       r->mr.mac1));
	assert_false(hs_mac1_ok(fx->b.id, r->resp.data, r->mr.mac1_off,
				r->mr.mac1));

	/* What A learnt about B. */
	assert_memory_equal(r->peer_i.cert.node_id, fx->b.id, 32);
	assert_string_equal(r->peer_i.cert.name, "bravo");
	assert_int_equal(r->peer_i.routes.n, 1);
	assert_int_equal(r->peer_i.routes.p[0].addr.family, AF_INET6);

	/* Both sides agree, each direction mirrored. */
	assert_int_equal(r->ki.cipher, AEGIS_CIPHER_AES_GCM);
	assert_int_equal(r->kr.cipher, AEGIS_CIPHER_AES_GCM);
	assert_int_equal(r->ki.key_id, r->kr.key_id);
	assert_true(r->ki.key_id <= AEGIS_KEY_ID_MAX);
	assert_memory_equal(r->ki.enc_key, r->kr.dec_key, 32);
	assert_memory_equal(r->ki.enc_salt, r->kr.dec_salt, 4);
	assert_memory_equal(r->ki.dec_key, r->kr.enc_key, 32);
	assert_memory_equal(r->ki.dec_salt, r->kr.enc_salt, 4);
	assert_memory_not_equal(r->ki.enc_key, r->ki.dec_key, 32);
	assert_memory_equal(r->ki.confirm_key, r->kr.confirm_key, 32);
	assert_memory_equal(r->ki.th, r->kr.th, 32);
	assert_int_equal(r->ki.rx_index, r->st.sender_index);
	assert_int_equal(r->ki.tx_index, r->mr.sender_index);
	assert_int_equal(r->kr.rx_index, r->ki.tx_index);
	assert_int_equal(r->kr.tx_index, r->ki.rx_index);

	/* The transcript hash and the keys, recomputed independently. */
	sha256_two(r->st.msg, r->mi.mac1_off, r->resp.data, r->mr.mac1_off, th);
	assert_memory_equal(r->ki.th, th, 32);
	peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL,
					   r->mr.eph_pub, 32);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, r->st.eph, NULL);
	assert_non_null(peer);
	assert_non_null(ctx);
	len = sizeof(shared);
	assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(ctx, peer), 1);
	assert_int_equal(EVP_PKEY_derive(ctx, shared, &len), 1);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, fx->a.key, NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_decrypt_init(ctx), 1);
	assert_positive(EVP_PKEY_CTX_set_rsa_padding(ctx,
						     RSA_PKCS1_OAEP_PADDING));
	assert_positive(EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, "SHA256", NULL));
	assert_positive(EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, "SHA256", NULL));
	len = sizeof(secret);
	assert_int_equal(EVP_PKEY_decrypt(ctx, secret, &len, r->mr.oaep,
					  r->mr.oaep_len), 1);
	assert_int_equal(len, WIRE_SECRET_LEN);
	EVP_PKEY_CTX_free(ctx);
	memcpy(ikm, shared, 32);
	memcpy(ikm + 32, secret, 32);
	hkdf_ref(th, ikm, sizeof(ikm), okm);
	check_layout(&r->ki, okm, true);
	check_layout(&r->kr, okm, false);

	/* CONFIRM. */
	assert_int_equal(hs_confirm_create(&r->ki, &conf), 0);
	assert_int_equal(wire_parse_hdr(conf.data, conf.len, &hc), 0);
	assert_int_equal(be64(hc.dcid), r->kr.rx_index);
	assert_int_equal(be64(hc.scid), r->ki.rx_index);
	assert_int_equal(wire_parse_confirm(conf.data, conf.len, &mc), 0);
	assert_int_equal(mc.sender_index, r->st.sender_index);
	assert_int_equal(mc.receiver_index, r->mr.sender_index);
	assert_true(hs_confirm_check(&r->kr, &mc));
	/* The initiator's own view does not accept it (indices swapped). */
	assert_false(hs_confirm_check(&r->ki, &mc));

	run_clear(r);
	free(r);
}

static void negotiate(uint8_t ci, uint8_t cr, uint8_t want)
{
	struct run *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	run_full(r, &fx->a, ci, &fx->b, cr);
	assert_int_equal(r->mr.cipher, want);
	assert_int_equal(r->ki.cipher, want);
	assert_int_equal(r->kr.cipher, want);
	assert_memory_equal(r->ki.enc_key, r->kr.dec_key, 32);
	run_clear(r);
	free(r);
}

static void test_cipher_negotiation(void **state)
{
	(void)state;
	negotiate(AEGIS_CIPHER_AES_GCM, AEGIS_CIPHER_AES_GCM,
		  AEGIS_CIPHER_AES_GCM);
	negotiate(AEGIS_CIPHER_CHACHA20POLY1305, AEGIS_CIPHER_AES_GCM,
		  AEGIS_CIPHER_CHACHA20POLY1305);
	negotiate(AEGIS_CIPHER_AES_GCM, AEGIS_CIPHER_CHACHA20POLY1305,
		  AEGIS_CIPHER_CHACHA20POLY1305);
	negotiate(AEGIS_CIPHER_CHACHA20POLY1305, AEGIS_CIPHER_CHACHA20POLY1305,
		  AEGIS_CIPHER_CHACHA20POLY1305);
	negotiate(AEGIS_CIPHER_NONE, AEGIS_CIPHER_NONE, AEGIS_CIPHER_AES_GCM);
}

static void test_cookie_resend(void **state)
{
	uint8_t before[WIRE_MAX_DATAGRAM], cookie[WIRE_COOKIE_LEN];
	struct run *r = calloc(1, sizeof(*r));
	size_t mac2_off;

	(void)state;
	assert_non_null(r);
	r->li = local(&fx->a, AEGIS_CIPHER_AES_GCM);
	r->lr = local(&fx->b, AEGIS_CIPHER_AES_GCM);
	run_init(r, fx->b.id);
	memcpy(before, r->st.msg, r->st.len);
	memset(cookie, 0x42, sizeof(cookie));
	assert_int_equal(hs_init_add_cookie(&r->st, cookie), 0);
	mac2_off = r->st.len - WIRE_MAC_LEN;
	/* Only mac2 changed. */
	assert_memory_equal(before, r->st.msg, mac2_off);
	assert_memory_not_equal(before + mac2_off, r->st.msg + mac2_off, 16);
	assert_true(hs_mac2_ok(cookie, r->st.msg, mac2_off,
			       r->st.msg + mac2_off));
	cookie[0] ^= 1;
	assert_false(hs_mac2_ok(cookie, r->st.msg, mac2_off,
				r->st.msg + mac2_off));
	/* mac1 and the signature hold; the handshake completes. */
	assert_int_equal(wire_parse_init(r->st.msg, r->st.len, &r->mi), 0);
	assert_true(hs_mac1_ok(fx->b.id, r->st.msg, r->mi.mac1_off,
			       r->mi.mac1));
	assert_int_equal(run_verify(r), HS_OK);
	run_resp(r);
	assert_int_equal(run_consume(r), HS_OK);
	assert_memory_equal(r->ki.enc_key, r->kr.dec_key, 32);
	/* NULL clears mac2 again. */
	assert_int_equal(hs_init_add_cookie(&r->st, NULL), 0);
	assert_memory_equal(before, r->st.msg, r->st.len);
	run_clear(r);
	free(r);
}

/* ---- refusals: INIT ---------------------------------------------------- */

static void test_bad_mac1(void **state)
{
	struct run *r = calloc(1, sizeof(*r));

	(void)state;
	assert_non_null(r);
	r->li = local(&fx->a, AEGIS_CIPHER_AES_GCM);
	run_init(r, fx->b.id);
	assert_true(hs_mac1_ok(fx->b.id, r->st.msg, r->mi.mac1_off,
			       r->mi.mac1));
	assert_false(hs_mac1_ok(fx->c.id, r->st.msg, r->mi.mac1_off,
				r->mi.mac1));
	r->st.msg[r->mi.mac1_off] ^= 0x80;
	assert_false(hs_mac1_ok(fx->b.id, r->st.msg, r->mi.mac1_off,
				r->mi.mac1));
	r->st.msg[r->mi.mac1_off] ^= 0x80;
	r->st.msg[40] ^= 1;
	assert_false(hs_mac1_ok(fx->b.id, r->st.msg, r->mi.mac1_off,
				r->mi.mac1));
	assert_false(hs_mac1_ok(fx->b.id, r->st.msg, r->mi.mac1_off - 1,
				r->mi.mac1));
	run_clear(r);
	free(r);
}

static void test_tampered_init(void **state)
{
	uint8_t orig[WIRE_MAX_DATAGRAM];
	struct run *r = calloc(1, sizeof(*r));
	size_t at[12], n = 0, i, cert_off, checked = 0;
	struct wire_init m;

	(void)state;
	assert_non_null(r);
	r->li = local(&fx->a, AEGIS_CIPHER_AES_GCM);
	r->lr = local(&fx->b, AEGIS_CIPHER_AES_GCM);
	run_init(r, fx->b.id);
	memcpy(orig, r->st.msg, r->st.len);
	cert_off = (size_t)(r->mi.cert - r->st.msg);

	at[n++] = 0;				/* random bits: signed too */
	at[n++] = 7;				/* DCID */
	at[n++] = WIRE_HDR_LEN + 3;		/* sender index */
	at[n++] = WIRE_HDR_LEN + 15;		/* timestamp */
	at[n++] = WIRE_HDR_LEN + 16 + 32 + 5;	/* eph_pub */
	at[n++] = WIRE_HDR_LEN + 16 + 64;	/* cipher_pref */
	at[n++] = WIRE_HDR_LEN + 16 + 64 + 1;	/* flags */
	at[n++] = WIRE_HDR_LEN + 16 + 64 + 6;	/* route address */
	at[n++] = r->mi.signed_len - 1;		/* padding */
	at[n++] = r->mi.signed_len + 2;		/* signature */
	at[n++] = r->mi.signed_len + 2 + 255;
	at[n++] = cert_off + r->mi.cert_len / 2;	/* certificate */
	for (i = 0; i < n; i++) {
		memcpy(r->st.msg, orig, r->st.len);
		r->st.msg[at[i]] ^= 0x01;
		if (wire_parse_init(r->st.msg, r->st.len, &m))
			continue;
		checked++;
		r->mi = m;
		if (at[i] >= cert_off && at[i] < cert_off + r->mi.cert_len)
			assert_int_not_equal(run_verify(r), HS_OK);
		else
			assert_int_equal(run_verify(r), HS_BAD_SIGNATURE);
	}
	/* Most flips still parse: the signature is what catches them. */
	assert_true(checked >= n - 2);
	run_clear(r);
	free(r);
}

static void test_wrong_responder(void **state)
{
	struct run *r = calloc(1, sizeof(*r));

	(void)state;
	assert_non_null(r);
	r->li = local(&fx->a, AEGIS_CIPHER_AES_GCM);
	r->lr = local(&fx->b, AEGIS_CIPHER_AES_GCM);
	run_init(r, fx->c.id);
	assert_int_equal(run_verify(r), HS_WRONG_RESPONDER);
	run_clear(r);
	free(r);
}

static void init_with_cert(const uint8_t *der, size_t len,
			   enum hs_status want)
{
	struct run *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->li = local(&fx->a, AEGIS_CIPHER_AES_GCM);
	r->li.cert_der = der;
	r->li.cert_len = len;
	r->lr = local(&fx->b, AEGIS_CIPHER_AES_GCM);
	run_init(r, fx->b.id);
	assert_int_equal(run_verify(r), want);
	run_clear(r);
	free(r);
}

static void test_init_cert(void **state)
{
	uint8_t junk[300];
	struct run *r;

	(void)state;
	init_with_cert(fx->a_foreign, fx->a_foreign_len, HS_CERT_WRONG_CA);
	init_with_cert(fx->a_expired, fx->a_expired_len, HS_CERT_EXPIRED);
	/* Another node's (valid) certificate: the signature cannot match. */
	init_with_cert(fx->c.der, fx->c.der_len, HS_BAD_SIGNATURE);
	memset(junk, 0x30, sizeof(junk));
	init_with_cert(junk, sizeof(junk), HS_CERT_BAD);

	/* The responder's clock decides: A's certificate seen in 40 days. */
	r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->li = local(&fx->a, AEGIS_CIPHER_AES_GCM);
	r->lr = local(&fx->b, AEGIS_CIPHER_AES_GCM);
	run_init(r, fx->b.id);
	r->now += 40 * DAY;
	assert_int_equal(run_verify(r), HS_CERT_EXPIRED);
	r->now -= 40 * DAY;
	/* And a responder of another network refuses it. */
	r->lr.ca = fx->ca2;
	assert_int_equal(run_verify(r), HS_CERT_WRONG_CA);
	run_clear(r);
	free(r);
}

static void init_routes(const char *p, enum hs_status want)
{
	struct run *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	prefix(&fx->a.routes[fx->a.n_routes++], p);
	r->li = local(&fx->a, AEGIS_CIPHER_AES_GCM);
	r->lr = local(&fx->b, AEGIS_CIPHER_AES_GCM);
	run_init(r, fx->b.id);
	assert_int_equal(run_verify(r), want);
	fx->a.n_routes--;
	run_clear(r);
	free(r);
}

static void test_init_routes(void **state)
{
	(void)state;
	init_routes("192.168.10.128/25", HS_OK);	/* inside */
	init_routes("172.16.0.0/16", HS_ROUTE_NOT_ALLOWED);
	init_routes("192.168.0.0/16", HS_ROUTE_NOT_ALLOWED); /* wider */
	init_routes("10.99.0.2/32", HS_ROUTE_NOT_ALLOWED);   /* B's IP */
	init_routes("fd00:b::/64", HS_ROUTE_NOT_ALLOWED);    /* B's prefix */
}

/* An INIT whose X25519 key is a small-order point (here 0). */
static void test_init_small_order(void **state)
{
	struct run *r = calloc(1, sizeof(*r));
	size_t eph_off;

	(void)state;
	assert_non_null(r);
	r->li = local(&fx->a, AEGIS_CIPHER_AES_GCM);
	r->lr = local(&fx->b, AEGIS_CIPHER_AES_GCM);
	run_init(r, fx->b.id);
	eph_off = (size_t)(r->mi.eph_pub - r->st.msg);
	memset(r->st.msg + eph_off, 0, WIRE_X25519_LEN);
	resign_init(r);
	assert_int_equal(run_verify(r), HS_OK);
	assert_int_equal(hs_resp_create(&r->lr, r->st.msg, r->st.len, &r->mi,
					&r->peer_r, &r->resp, &r->kr),
			 -EBADMSG);
	assert_int_equal(r->resp.len, 0);
	run_clear(r);
	free(r);
}

/* ---- refusals: RESP ---------------------------------------------------- */

/* A handshake up to a RESP that A has not consumed yet. */
static struct run *resp_pending(const struct node *responder)
{
	struct run *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->li = local(&fx->a, AEGIS_CIPHER_AES_GCM);
	r->lr = local(&fx->b, AEGIS_CIPHER_AES_GCM);
	run_init(r, fx->b.id);
	assert_int_equal(run_verify(r), HS_OK);
	r->lr = local(responder, AEGIS_CIPHER_AES_GCM);
	run_resp(r);
	return r;
}

static void test_tampered_resp(void **state)
{
	struct run *r = resp_pending(&fx->b);
	size_t sig_off = r->mr.signed_len + 2;
	size_t eph_off = (size_t)(r->mr.eph_pub - r->resp.data);

	(void)state;
	r->resp.data[sig_off + 17] ^= 0x04;
	assert_int_equal(run_consume(r), HS_BAD_SIGNATURE);
	r->resp.data[sig_off + 17] ^= 0x04;
	r->resp.data[eph_off] ^= 0x04;
	assert_int_equal(run_consume(r), HS_BAD_SIGNATURE);
	r->resp.data[eph_off] ^= 0x04;
	/* The signature covers the INIT too. */
	r->st.msg[WIRE_HDR_LEN + 12] ^= 1;
	assert_int_equal(run_consume(r), HS_BAD_SIGNATURE);
	r->st.msg[WIRE_HDR_LEN + 12] ^= 1;
	assert_int_equal(run_consume(r), HS_OK);
	run_clear(r);
	free(r);
}

static void test_resp_no_match(void **state)
{
	struct run *r = resp_pending(&fx->b);
	struct hs_init_state *other = calloc(1, sizeof(*other));

	(void)state;
	assert_non_null(other);
	/* Another initiation to the same node. */
	assert_int_equal(hs_init_create(&r->li, fx->b.id, 1, other), 0);
	assert_int_equal(hs_resp_consume(&r->li, other, r->resp.data,
					 r->resp.len, &r->mr, r->now,
					 &r->peer_i, &r->ki), HS_NO_MATCH);
	/* The same RESP with another receiver index. */
	r->mr.receiver_index ^= 1;
	assert_int_equal(run_consume(r), HS_NO_MATCH);
	r->mr.receiver_index ^= 1;
	assert_int_equal(run_consume(r), HS_OK);
	hs_init_clear(other);
	free(other);
	run_clear(r);
	free(r);
}

static void test_resp_third_node(void **state)
{
	struct run *r = resp_pending(&fx->c);

	(void)state;
	assert_int_equal(run_consume(r), HS_CERT_ID_MISMATCH);
	run_clear(r);
	free(r);
}

static void test_resp_cert(void **state)
{
	struct run *r = resp_pending(&fx->b);

	(void)state;
	r->now += 40 * DAY;
	assert_int_equal(run_consume(r), HS_CERT_EXPIRED);
	r->now -= 40 * DAY;
	r->li.ca = fx->ca2;
	assert_int_equal(run_consume(r), HS_CERT_WRONG_CA);
	r->li.ca = fx->ca;
	assert_int_equal(run_consume(r), HS_OK);
	run_clear(r);
	free(r);
}

static void test_resp_routes(void **state)
{
	struct run *r;

	(void)state;
	prefix(&fx->b.routes[fx->b.n_routes++], "192.168.10.0/24");
	r = resp_pending(&fx->b);
	assert_int_equal(run_consume(r), HS_ROUTE_NOT_ALLOWED);
	run_clear(r);
	free(r);
}

static void test_resp_forged_fields(void **state)
{
	struct run *r = resp_pending(&fx->b);
	size_t eph_off = (size_t)(r->mr.eph_pub - r->resp.data);
	size_t cipher_off = eph_off + WIRE_X25519_LEN;
	size_t oaep_off = (size_t)(r->mr.oaep - r->resp.data);
	uint8_t orig[WIRE_MAX_DATAGRAM];

	(void)state;
	memcpy(orig, r->resp.data, r->resp.len);
	/* Signed by B, but with a small-order X25519 key. */
	memset(r->resp.data + eph_off, 0, WIRE_X25519_LEN);
	resign_resp(r);
	assert_int_equal(run_consume(r), HS_MALFORMED);
	/* An unknown cipher. */
	memcpy(r->resp.data, orig, r->resp.len);
	r->resp.data[cipher_off] = 9;
	resign_resp(r);
	assert_int_equal(run_consume(r), HS_MALFORMED);
	/* A secret that does not decrypt. */
	memcpy(r->resp.data, orig, r->resp.len);
	r->resp.data[oaep_off + 100] ^= 0x10;
	resign_resp(r);
	assert_int_equal(run_consume(r), HS_CRYPTO);
	/* Re-signing the original gives a working RESP (PSS is randomized). */
	memcpy(r->resp.data, orig, r->resp.len);
	resign_resp(r);
	assert_int_equal(run_consume(r), HS_OK);
	run_clear(r);
	free(r);
}

/* ---- CONFIRM ----------------------------------------------------------- */

static void test_confirm_refused(void **state)
{
	struct run *r = calloc(1, sizeof(*r));
	struct wire_confirm mc;
	struct wire_buf conf;
	uint8_t tag[WIRE_TAG_LEN];

	(void)state;
	assert_non_null(r);
	run_full(r, &fx->a, AEGIS_CIPHER_AES_GCM, &fx->b, AEGIS_CIPHER_AES_GCM);
	assert_int_equal(hs_confirm_create(&r->ki, &conf), 0);
	assert_int_equal(wire_parse_confirm(conf.data, conf.len, &mc), 0);
	assert_true(hs_confirm_check(&r->kr, &mc));

	memcpy(tag, mc.tag, sizeof(tag));
	tag[31] ^= 1;
	mc.tag = tag;
	assert_false(hs_confirm_check(&r->kr, &mc));
	tag[31] ^= 1;
	assert_true(hs_confirm_check(&r->kr, &mc));
	mc.sender_index++;
	assert_false(hs_confirm_check(&r->kr, &mc));
	mc.sender_index--;
	mc.receiver_index++;
	assert_false(hs_confirm_check(&r->kr, &mc));
	mc.receiver_index--;
	/* Another session's keys do not accept it. */
	r->kr.th[0] ^= 1;
	assert_false(hs_confirm_check(&r->kr, &mc));
	run_clear(r);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derive_vector),
		cmocka_unit_test(test_random_index),
		cmocka_unit_test(test_status),
		cmocka_unit_test_setup(test_full_handshake, setup),
		cmocka_unit_test_setup(test_cipher_negotiation, setup),
		cmocka_unit_test_setup(test_cookie_resend, setup),
		cmocka_unit_test_setup(test_bad_mac1, setup),
		cmocka_unit_test_setup(test_tampered_init, setup),
		cmocka_unit_test_setup(test_wrong_responder, setup),
		cmocka_unit_test_setup(test_init_cert, setup),
		cmocka_unit_test_setup(test_init_routes, setup),
		cmocka_unit_test_setup(test_init_small_order, setup),
		cmocka_unit_test_setup(test_tampered_resp, setup),
		cmocka_unit_test_setup(test_resp_no_match, setup),
		cmocka_unit_test_setup(test_resp_third_node, setup),
		cmocka_unit_test_setup(test_resp_cert, setup),
		cmocka_unit_test_setup(test_resp_routes, setup),
		cmocka_unit_test_setup(test_resp_forged_fields, setup),
		cmocka_unit_test_setup(test_confirm_refused, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
