// SPDX-License-Identifier: MIT
/*
 * Shared by the fuzzers and seeds.c (harness.h): the invariant check, the
 * input reader and the fixture (CA, alpha, bravo, alpha's INIT to bravo)
 * loaded once from userspace/fuzz/fixtures/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "harness.h"
#include "trust/identity.h"
#include "wire/wire.h"

#ifndef FUZZ_FIXTURES
#define FUZZ_FIXTURES	"userspace/fuzz/fixtures"
#endif

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

/* ---- reading an input -------------------------------------------------- */

const uint8_t *fuzz_take(struct fuzz_in *in, size_t n)
{
	const uint8_t *p;

	if (n > in->n)
		return NULL;
	p = in->p;
	in->p += n;
	in->n -= n;
	return p;
}

void fuzz_copy(struct fuzz_in *in, void *out, size_t n)
{
	size_t have = n < in->n ? n : in->n;

	memset(out, 0, n);
	if (have)
		memcpy(out, fuzz_take(in, have), have);
}

uint8_t fuzz_u8(struct fuzz_in *in)
{
	uint8_t v;

	fuzz_copy(in, &v, 1);
	return v;
}

uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint8_t b[2];

	fuzz_copy(in, b, sizeof(b));
	return (uint16_t)(b[0] << 8 | b[1]);
}

uint32_t fuzz_u32(struct fuzz_in *in)
{
	return (uint32_t)fuzz_u16(in) << 16 | fuzz_u16(in);
}

uint64_t fuzz_u64(struct fuzz_in *in)
{
	return (uint64_t)fuzz_u32(in) << 32 | fuzz_u32(in);
}

/* ---- the fixture ------------------------------------------------------- */

const char *fuzz_fixture_dir(void)
{
	const char *dir = getenv("AEGIS_FUZZ_FIXTURES");

	return dir && *dir ? dir : FUZZ_FIXTURES;
}

static void path_of(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/*
 * A private key in PEM. Not identity_load(): that one insists on mode
 * 0600, which a checked-out tree does not keep.
 */
static int load_key(const char *dir, const char *name, EVP_PKEY **out,
		    char *err, size_t errsz)
{
	char path[4096];
	BIO *bio;

	path_of(path, sizeof(path), dir, name);
	bio = BIO_new_file(path, "r");
	if (!bio) {
		snprintf(err, errsz, "cannot open %s", path);
		ERR_clear_error();
		return -ENOENT;
	}
	*out = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!*out || !identity_key_ok(*out)) {
		snprintf(err, errsz, "%s: not an RSA key of an allowed size", path);
		EVP_PKEY_free(*out);
		*out = NULL;
		ERR_clear_error();
		return -EINVAL;
	}
	return 0;
}

static int load_cert(const char *dir, const char *name, X509 **out,
		     char *err, size_t errsz)
{
	char path[4096];

	path_of(path, sizeof(path), dir, name);
	return cert_load_pem(path, out, err, errsz);
}

void fuzz_node_setup(struct fuzz_node *n, X509 *ca)
{
	unsigned int i;

	identity_node_id(n->key, n->id);
	cert_read_info(n->cert, &n->info);
	n->n_routes = 0;
	for (i = 0; i < n->info.n_prefixes && n->n_routes < 3; i++)
		n->routes[n->n_routes++] = n->info.prefixes[i];
	if (n->info.n_ips) {
		struct aegis_prefix *h = &n->routes[n->n_routes++];

		memset(h, 0, sizeof(*h));
		h->addr = n->info.ips[0];
		h->len = (uint8_t)(aegis_addr_len(h->addr.family) * 8);
	}
	memset(&n->hs, 0, sizeof(n->hs));
	n->hs.key = n->key;
	n->hs.node_id = n->id;
	n->hs.cert_der = n->der;
	n->hs.cert_len = n->der_len;
	n->hs.ca = ca;
	n->hs.cipher_pref = AEGIS_CIPHER_AES_GCM;
	n->hs.routes = n->routes;
	n->hs.n_routes = n->n_routes;
}

static int load_node(const char *dir, const char *key, const char *crt,
		     X509 *ca, struct fuzz_node *n, char *err, size_t errsz)
{
	int ret;

	ret = load_key(dir, key, &n->key, err, errsz);
	if (!ret)
		ret = load_cert(dir, crt, &n->cert, err, errsz);
	if (!ret && cert_to_der(n->cert, &n->der, &n->der_len)) {
		snprintf(err, errsz, "%s/%s: cannot encode", dir, crt);
		ret = -EINVAL;
	}
	if (!ret)
		fuzz_node_setup(n, ca);
	return ret;
}

int fuzz_init_state_from(struct hs_init_state *st, const uint8_t *eph_priv,
			 const uint8_t *msg, size_t len)
{
	struct wire_init m;
	struct wire_hdr h;

	memset(st, 0, sizeof(*st));
	if (len > sizeof(st->msg) || wire_parse_hdr(msg, len, &h) ||
	    wire_parse_init(msg, len, &m))
		return -EBADMSG;
	st->eph = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, eph_priv,
					       WIRE_X25519_LEN);
	if (!st->eph)
		return -EINVAL;
	st->sender_index = m.sender_index;
	memcpy(st->responder_id, m.responder_id, AEGIS_NODE_ID_LEN);
	memcpy(st->scid, h.scid, WIRE_CID_LEN);
	st->timestamp = m.timestamp;
	memcpy(st->msg, msg, len);
	st->len = len;
	st->mac1_off = m.mac1_off;
	return 0;
}

int fuzz_init_state_copy(const struct fuzz_fixture *fx,
			 struct hs_init_state *st)
{
	*st = fx->init;
	if (EVP_PKEY_up_ref(st->eph) != 1) {
		st->eph = NULL;
		return -ENOMEM;
	}
	return 0;
}

int fuzz_confirm_keys(struct hs_keys *r, struct hs_keys *i)
{
	uint8_t th[32], dh[32], secret[32];

	memset(th, 0x11, sizeof(th));
	memset(dh, 0x22, sizeof(dh));
	memset(secret, 0x33, sizeof(secret));
	if (hs_derive(th, dh, sizeof(dh), secret, sizeof(secret), false, r) ||
	    hs_derive(th, dh, sizeof(dh), secret, sizeof(secret), true, i))
		return -EIO;
	r->cipher = i->cipher = AEGIS_CIPHER_AES_GCM;
	r->rx_index = i->tx_index = 0x0102030405060708ULL;
	r->tx_index = i->rx_index = 0x1112131415161718ULL;
	return 0;
}

/* The CA's notBefore plus a day: inside every fixture certificate. */
static int fixture_now(X509 *ca, time_t *now)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(X509_get0_notBefore(ca), &tm) != 1)
		return -EINVAL;
	*now = timegm(&tm) + 24 * 60 * 60;
	return 0;
}

static int load_init(const char *dir, struct fuzz_fixture *fx, char *err,
		     size_t errsz)
{
	uint8_t buf[WIRE_X25519_LEN + WIRE_MAX_DATAGRAM];
	char path[4096];
	size_t n;
	FILE *f;

	path_of(path, sizeof(path), dir, FUZZ_FIX_INIT);
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errsz, "cannot open %s", path);
		return -ENOENT;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	memcpy(fx->init_eph_priv, buf, n < WIRE_X25519_LEN ? n : WIRE_X25519_LEN);
	if (n <= WIRE_X25519_LEN ||
	    fuzz_init_state_from(&fx->init, buf, buf + WIRE_X25519_LEN,
				 n - WIRE_X25519_LEN)) {
		snprintf(err, errsz, "%s: not an X25519 key and an INIT", path);
		return -EINVAL;
	}
	return 0;
}

int fuzz_fixture_load(const char *dir, struct fuzz_fixture *fx, char *err,
		      size_t errsz)
{
	int ret;

	memset(fx, 0, sizeof(*fx));
	ret = load_key(dir, FUZZ_FIX_CA_KEY, &fx->ca_key, err, errsz);
	if (!ret)
		ret = load_cert(dir, FUZZ_FIX_CA_CRT, &fx->ca, err, errsz);
	if (!ret && fixture_now(fx->ca, &fx->now)) {
		snprintf(err, errsz, "%s/%s: no notBefore", dir, FUZZ_FIX_CA_CRT);
		ret = -EINVAL;
	}
	if (!ret)
		ret = load_node(dir, FUZZ_FIX_A_KEY, FUZZ_FIX_A_CRT, fx->ca,
				&fx->alpha, err, errsz);
	if (!ret)
		ret = load_node(dir, FUZZ_FIX_B_KEY, FUZZ_FIX_B_CRT, fx->ca,
				&fx->bravo, err, errsz);
	if (!ret)
		ret = load_init(dir, fx, err, errsz);
	return ret;
}

const struct fuzz_fixture *fuzz_fixture(void)
{
	static struct fuzz_fixture fx;
	static bool loaded;
	char err[512];

	if (loaded)
		return &fx;
	if (fuzz_fixture_load(fuzz_fixture_dir(), &fx, err, sizeof(err))) {
		fprintf(stderr, "fuzz fixture: %s\n"
			"(make fuzz-seeds creates it; AEGIS_FUZZ_FIXTURES=DIR "
			"points elsewhere)\n", err);
		exit(1);
	}
	loaded = true;
	return &fx;
}
