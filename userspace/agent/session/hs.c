// SPDX-License-Identifier: MIT
/*
 * Handshake cryptography (hs.h): X25519 ephemerals, RSA-PSS
 * signatures, an RSA-OAEP wrapped secret and the HKDF key schedule, all
 * through the OpenSSL 3 EVP interfaces.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "session/hs.h"
#include "trust/identity.h"

#define SHA256_LEN	32
#define HS_IKM_MAX	128	/* hs_derive: dh || secret */

static const char mac1_label[] = "aegisray mac1";
static const char confirm_label[] = "aegisray confirm";

/* A message in up to two pieces: signatures and the transcript. */
static void put_be64(uint8_t out[8], uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* ---- status ------------------------------------------------------------ */

const char *hs_status_str(enum hs_status st)
{
	switch (st) {
	case HS_OK:
		return "ok";
	case HS_MALFORMED:
		return "malformed message";
	case HS_BAD_MAC1:
		return "bad mac1 (not addressed to this node)";
	case HS_WRONG_RESPONDER:
		return "initiation names another responder";
	case HS_CERT_WRONG_CA:
		return "certificate not signed by the network CA";
	case HS_CERT_EXPIRED:
		return "certificate expired or not yet valid";
	case HS_CERT_ID_MISMATCH:
		return "certificate node id mismatch";
	case HS_CERT_BAD:
		return "malformed certificate or unacceptable key";
	case HS_CERT_REVOKED:
		return "certificate revoked by the network CA";
	case HS_BAD_SIGNATURE:
		return "bad signature";
	case HS_ROUTE_NOT_ALLOWED:
		return "route outside the certificate";
	case HS_NO_MATCH:
		return "no matching handshake in flight";
	case HS_REPLAY:
		return "replayed or stale initiation";
	case HS_CRYPTO:
		return "cryptographic failure";
	case HS_STATUS_MAX:
		break;
	}
	return "unknown handshake status";
}

enum hs_status hs_status_from_cert(enum cert_status st)
{
	switch (st) {
	case CERT_OK:
		return HS_OK;
	case CERT_WRONG_CA:
		return HS_CERT_WRONG_CA;
	case CERT_EXPIRED:
	case CERT_NOT_YET_VALID:
		return HS_CERT_EXPIRED;
	case CERT_ID_MISMATCH:
		return HS_CERT_ID_MISMATCH;
	case CERT_MALFORMED:
	case CERT_BAD_KEY:
		break;
	}
	return HS_CERT_BAD;
}

/* ---- primitives -------------------------------------------------------- */

int hs_random_index(uint64_t *index)
{
	uint8_t b[8];
	uint64_t v = 0;
	int i;

	do {
		if (RAND_bytes(b, sizeof(b)) != 1)
			return -EIO;
		for (i = 0; i < 8; i++)
			v = v << 8 | b[i];
	} while (v == 0);
	*index = v;
	return 0;
}

static int sha256_spans(const struct identity_span *s, size_t n, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int outlen = 0;
	size_t i;
	int ret = -EIO;

	if (!ctx)
		return -ENOMEM;
	if (!EVP_DigestInit_ex2(ctx, EVP_sha256(), NULL))
		goto out;
	for (i = 0; i < n; i++)
		if (!EVP_DigestUpdate(ctx, s[i].p, s[i].len))
			goto out;
	if (!EVP_DigestFinal_ex(ctx, out, &outlen) || outlen != SHA256_LEN)
		goto out;
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* HMAC-SHA256(key, data)[0..outlen]. 0 or -EIO. */
static int hmac_sha256(const uint8_t *key, size_t keylen, const uint8_t *data,
		       size_t len, uint8_t *out, size_t outlen)
{
	uint8_t mac[SHA256_LEN];
	size_t maclen = 0;

	if (outlen > sizeof(mac))
		return -EINVAL;
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen, data,
		       len, mac, sizeof(mac), &maclen) ||
	    maclen != sizeof(mac)) {
		OPENSSL_cleanse(mac, sizeof(mac));
		return -EIO;
	}
	memcpy(out, mac, outlen);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

static int mac1_compute(const uint8_t *receiver_id, const uint8_t *msg,
			size_t mac1_off, uint8_t out[WIRE_MAC_LEN])
{
	struct identity_span s[2] = {
		{ (const uint8_t *)mac1_label, sizeof(mac1_label) - 1 },
		{ receiver_id, AEGIS_NODE_ID_LEN },
	};
	uint8_t key[SHA256_LEN];
	int ret;

	ret = sha256_spans(s, 2, key);
	if (!ret)
		ret = hmac_sha256(key, sizeof(key), msg, mac1_off, out,
				  WIRE_MAC_LEN);
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int hs_mac1_fill(const uint8_t *receiver_id, uint8_t *msg, size_t mac1_off)
{
	return mac1_compute(receiver_id, msg, mac1_off, msg + mac1_off);
}

bool hs_mac1_ok(const uint8_t *me_id, const uint8_t *msg, size_t mac1_off,
		const uint8_t *mac1)
{
	uint8_t want[WIRE_MAC_LEN];
	bool ok;

	if (!me_id || !msg || !mac1 || mac1_compute(me_id, msg, mac1_off, want))
		return false;
	ok = CRYPTO_memcmp(want, mac1, WIRE_MAC_LEN) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

bool hs_mac2_ok(const uint8_t *cookie, const uint8_t *msg, size_t mac2_off,
		const uint8_t *mac2)
{
	uint8_t want[WIRE_MAC_LEN];
	bool ok;

	if (!cookie || !msg || !mac2 ||
	    hmac_sha256(cookie, WIRE_COOKIE_LEN, msg, mac2_off, want,
			WIRE_MAC_LEN))
		return false;
	ok = CRYPTO_memcmp(want, mac2, WIRE_MAC_LEN) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

/* RSA-OAEP with SHA-256 for the label hash and MGF1. */
static int oaep_ctx(EVP_PKEY_CTX *pctx)
{
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md_name(pctx, "SHA256", NULL) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL) <= 0)
		return -EIO;
	return 0;
}

static int oaep_encrypt(EVP_PKEY *pub, const uint8_t *in, size_t inlen,
			uint8_t *out, size_t *outlen)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	int ret = -EIO;

	if (!pctx)
		return -ENOMEM;
	if (EVP_PKEY_encrypt_init(pctx) != 1 || oaep_ctx(pctx) ||
	    EVP_PKEY_encrypt(pctx, out, outlen, in, inlen) != 1)
		goto out;
	ret = 0;
out:
	EVP_PKEY_CTX_free(pctx);
	return ret;
}

/* Decrypt exactly WIRE_SECRET_LEN bytes into secret. */
static int oaep_decrypt(EVP_PKEY *key, const uint8_t *in, size_t inlen,
			uint8_t secret[WIRE_SECRET_LEN])
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	uint8_t buf[WIRE_MAX_SIG];
	size_t len = sizeof(buf);
	int ret = -EIO;

	if (!pctx)
		return -ENOMEM;
	if (EVP_PKEY_decrypt_init(pctx) != 1 || oaep_ctx(pctx) ||
	    EVP_PKEY_decrypt(pctx, buf, &len, in, inlen) != 1 ||
	    len != WIRE_SECRET_LEN)
		goto out;
	memcpy(secret, buf, WIRE_SECRET_LEN);
	ret = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	EVP_PKEY_CTX_free(pctx);
	return ret;
}

static int x25519_new(EVP_PKEY **key, uint8_t pub[WIRE_X25519_LEN])
{
	size_t len = WIRE_X25519_LEN;

	*key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	if (!*key)
		return -EIO;
	if (EVP_PKEY_get_raw_public_key(*key, pub, &len) != 1 ||
	    len != WIRE_X25519_LEN) {
		EVP_PKEY_free(*key);
		*key = NULL;
		return -EIO;
	}
	return 0;
}

/*
 * X25519(priv, peer). -EBADMSG when the peer's point yields no usable
 * secret: OpenSSL refuses an all-zero result itself (small-order points),
 * and it is checked here again so as not to depend on that.
 */
static int x25519_shared(EVP_PKEY *priv, const uint8_t *peer_pub,
			 uint8_t out[WIRE_X25519_LEN])
{
	static const uint8_t zero[WIRE_X25519_LEN];
	EVP_PKEY *peer;
	EVP_PKEY_CTX *ctx = NULL;
	size_t len = WIRE_X25519_LEN;
	int ret = -ENOMEM;

	peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer_pub,
					   WIRE_X25519_LEN);
	if (!peer)
		return -EBADMSG;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	if (!ctx)
		goto err_peer;
	ret = -EIO;
	if (EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) != 1)
		goto err_ctx;
	ret = -EBADMSG;
	if (EVP_PKEY_derive(ctx, out, &len) != 1 || len != WIRE_X25519_LEN ||
	    CRYPTO_memcmp(out, zero, WIRE_X25519_LEN) == 0)
		goto err_ctx;
	ret = 0;
err_ctx:
	EVP_PKEY_CTX_free(ctx);
err_peer:
	EVP_PKEY_free(peer);
	if (ret)
		OPENSSL_cleanse(out, WIRE_X25519_LEN);
	return ret;
}

/* ---- key schedule ------------------------------------------------------ */

#define OKM_KEY_I2R	0
#define OKM_SALT_I2R	(OKM_KEY_I2R + AEGIS_KEY_LEN)
#define OKM_KEY_R2I	(OKM_SALT_I2R + AEGIS_NONCE_SALT_LEN)
#define OKM_SALT_R2I	(OKM_KEY_R2I + AEGIS_KEY_LEN)
#define OKM_CONFIRM	(OKM_SALT_R2I + AEGIS_NONCE_SALT_LEN)
#define OKM_KEY_ID	(OKM_CONFIRM + 32)
#define OKM_SPARE	(OKM_KEY_ID + 1)
#define OKM_MESH_I2R	(OKM_SPARE + 4)
#define OKM_MESH_R2I	(OKM_MESH_I2R + 32 + 4)

_Static_assert(OKM_MESH_R2I + 32 + 4 == HS_OKM_LEN, "OKM layout");

int hs_derive(const uint8_t th[32], const uint8_t *dh, size_t dh_len,
	      const uint8_t *secret, size_t secret_len, bool initiator,
	      struct hs_keys *keys)
{
	uint8_t ikm[HS_IKM_MAX], okm[HS_OKM_LEN];
	OSSL_PARAM params[5], *p = params;
	EVP_KDF_CTX *kctx = NULL;
	EVP_KDF *kdf;
	const uint8_t *enc, *dec;
	int ret;

	if (dh_len > sizeof(ikm) || secret_len > sizeof(ikm) - dh_len ||
	    (dh_len && !dh) || (secret_len && !secret))
		return -EINVAL;
	if (dh_len)
		memcpy(ikm, dh, dh_len);
	if (secret_len)
		memcpy(ikm + dh_len, secret, secret_len);

	ret = -EIO;
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (!kdf)
		goto err_ikm;
	kctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (!kctx)
		goto err_ikm;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm,
						 dh_len + secret_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)th, 32);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (char *)HS_KDF_INFO,
						 sizeof(HS_KDF_INFO) - 1);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, okm, sizeof(okm), params) != 1)
		goto err_kctx;

	enc = okm + (initiator ? OKM_KEY_I2R : OKM_KEY_R2I);
	dec = okm + (initiator ? OKM_KEY_R2I : OKM_KEY_I2R);
	memcpy(keys->enc_key, enc, AEGIS_KEY_LEN);
	memcpy(keys->enc_salt, enc + AEGIS_KEY_LEN, AEGIS_NONCE_SALT_LEN);
	memcpy(keys->dec_key, dec, AEGIS_KEY_LEN);
	memcpy(keys->dec_salt, dec + AEGIS_KEY_LEN, AEGIS_NONCE_SALT_LEN);
	memcpy(keys->confirm_key, okm + OKM_CONFIRM, sizeof(keys->confirm_key));
	keys->key_id = okm[OKM_KEY_ID] & AEGIS_KEY_ID_MAX;
	enc = okm + (initiator ? OKM_MESH_I2R : OKM_MESH_R2I);
	dec = okm + (initiator ? OKM_MESH_R2I : OKM_MESH_I2R);
	memcpy(keys->mesh_enc_key, enc, sizeof(keys->mesh_enc_key));
	memcpy(keys->mesh_enc_salt, enc + 32, sizeof(keys->mesh_enc_salt));
	memcpy(keys->mesh_dec_key, dec, sizeof(keys->mesh_dec_key));
	memcpy(keys->mesh_dec_salt, dec + 32, sizeof(keys->mesh_dec_salt));
	memcpy(keys->th, th, sizeof(keys->th));
	ret = 0;
err_kctx:
	EVP_KDF_CTX_free(kctx);
err_ikm:
	OPENSSL_cleanse(okm, sizeof(okm));
	OPENSSL_cleanse(ikm, sizeof(ikm));
	return ret;
}

void hs_keys_wipe(struct hs_keys *keys)
{
	OPENSSL_cleanse(keys, sizeof(*keys));
}

/* ---- INIT -------------------------------------------------------------- */

/* Signature size of an identity key, if it is one we can put on the wire. */
static int sig_size_of(EVP_PKEY *key, size_t *size)
{
	int n;

	if (!key || !EVP_PKEY_is_a(key, "RSA"))
		return -EINVAL;
	n = EVP_PKEY_get_size(key);
	if (n <= 0 || n > WIRE_MAX_SIG)
		return -EINVAL;
	*size = (size_t)n;
	return 0;
}

int hs_init_create(const struct hs_local *me, const uint8_t *responder_id,
		   uint64_t timestamp, struct hs_init_state *st)
{
	uint8_t eph_pub[WIRE_X25519_LEN];
	struct wire_buf *w;
	struct identity_span s;
	size_t sig_size, signed_len, fixed;
	int ret;

	memset(st, 0, sizeof(*st));
	if (!me->cert_len || me->cert_len > WIRE_MAX_CERT)
		return -EINVAL;
	ret = sig_size_of(me->key, &sig_size);
	if (ret)
		return ret;
	w = OPENSSL_zalloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	ret = hs_random_index(&st->sender_index);
	if (ret)
		goto err_free;
	ret = x25519_new(&st->eph, eph_pub);
	if (ret)
		goto err_free;
	memcpy(st->responder_id, responder_id, AEGIS_NODE_ID_LEN);
	put_be64(st->scid, st->sender_index);
	st->timestamp = timestamp;

	/* The DCID is random: we do not know the responder's index yet. */
	wire_begin(w, WIRE_MSG_INIT, NULL, st->scid);
	wire_put_u64(w, st->sender_index);
	wire_put_u64(w, timestamp);
	wire_put_bytes(w, responder_id, AEGIS_NODE_ID_LEN);
	wire_put_bytes(w, eph_pub, WIRE_X25519_LEN);
	wire_put_u8(w, me->cipher_pref);
	wire_put_u8(w, 0);			/* flags */
	wire_put_routes(w, me->routes, me->n_routes);
	wire_put_u16(w, (uint16_t)me->cert_len);
	wire_put_bytes(w, me->cert_der, me->cert_len);
	/* pad_len, pad, sig_len, sig, mac1, mac2 */
	fixed = w->len + 2 + 2 + sig_size + 2 * WIRE_MAC_LEN;
	wire_put_u16(w, fixed < WIRE_MIN_INITIAL ?
			(uint16_t)(WIRE_MIN_INITIAL - fixed) : 0);
	if (fixed < WIRE_MIN_INITIAL)
		wire_put_zeros(w, WIRE_MIN_INITIAL - fixed);
	signed_len = w->len;
	wire_put_u16(w, (uint16_t)sig_size);
	wire_put_zeros(w, sig_size + 2 * WIRE_MAC_LEN);
	ret = wire_finish(w);
	if (ret)
		goto err_eph;

	s.p = w->data;
	s.len = signed_len;
	ret = identity_sign(me->key, &s, 1, w->data + signed_len + 2, sig_size);
	if (ret)
		goto err_eph;
	st->mac1_off = w->len - 2 * WIRE_MAC_LEN;
	ret = mac1_compute(responder_id, w->data, st->mac1_off,
			   w->data + st->mac1_off);
	if (ret)
		goto err_eph;
	memcpy(st->msg, w->data, w->len);
	st->len = w->len;
	OPENSSL_free(w);
	return 0;

err_eph:
	EVP_PKEY_free(st->eph);
	st->eph = NULL;
err_free:
	OPENSSL_free(w);
	OPENSSL_cleanse(st, sizeof(*st));
	return ret;
}

int hs_init_add_cookie(struct hs_init_state *st, const uint8_t *cookie)
{
	size_t mac2_off;

	if (!st->eph || st->len < WIRE_HDR_LEN + 2 * WIRE_MAC_LEN)
		return -EINVAL;
	mac2_off = st->len - WIRE_MAC_LEN;
	if (!cookie) {
		memset(st->msg + mac2_off, 0, WIRE_MAC_LEN);
		return 0;
	}
	return hmac_sha256(cookie, WIRE_COOKIE_LEN, st->msg, mac2_off,
			   st->msg + mac2_off, WIRE_MAC_LEN);
}

void hs_init_clear(struct hs_init_state *st)
{
	EVP_PKEY_free(st->eph);
	OPENSSL_cleanse(st, sizeof(*st));
}

static enum hs_status routes_allowed(const struct cert_info *ci,
				     const struct wire_routes *r)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (!cert_allows_prefix(ci, &r->p[i]))
			return HS_ROUTE_NOT_ALLOWED;
	return HS_OK;
}

enum hs_status hs_init_verify(const struct hs_local *me,
			      const uint8_t *msg, size_t len,
			      const struct wire_init *m, time_t now,
			      struct hs_peer *peer)
{
	enum hs_status ret;
	X509 *cert = NULL;
	EVP_PKEY *pub;
	struct identity_span s;

	memset(peer, 0, sizeof(*peer));
	if (m->signed_len > len || m->mac1_off > len)
		return HS_MALFORMED;
	if (CRYPTO_memcmp(m->responder_id, me->node_id, AEGIS_NODE_ID_LEN))
		return HS_WRONG_RESPONDER;
	if (cert_from_der(m->cert, m->cert_len, &cert))
		return HS_CERT_BAD;
	ret = hs_status_from_cert(cert_verify(me->ca, cert, now, NULL,
					      &peer->cert));
	if (ret == HS_OK && revoke_contains(me->revoked, peer->cert.node_id))
		ret = HS_CERT_REVOKED;
	if (ret != HS_OK)
		goto out;
	pub = X509_get0_pubkey(cert);
	s.p = msg;
	s.len = m->signed_len;
	ret = HS_BAD_SIGNATURE;
	if (!pub || !identity_verify(pub, &s, 1, m->sig, m->sig_len))
		goto out;
	ret = routes_allowed(&peer->cert, &m->routes);
	if (ret != HS_OK)
		goto out;
	peer->routes = m->routes;
	peer->timestamp = m->timestamp;
	peer->cipher_pref = m->cipher_pref;
out:
	X509_free(cert);
	return ret;
}

/* ---- RESP -------------------------------------------------------------- */

static int transcript_hash(const uint8_t *init, size_t init_mac1_off,
			   const uint8_t *resp, size_t resp_mac1_off,
			   uint8_t th[32])
{
	struct identity_span s[2] = {
		{ init, init_mac1_off },
		{ resp, resp_mac1_off },
	};

	return sha256_spans(s, 2, th);
}

static uint8_t choose_cipher(uint8_t a, uint8_t b)
{
	if (a == AEGIS_CIPHER_CHACHA20POLY1305 ||
	    b == AEGIS_CIPHER_CHACHA20POLY1305)
		return AEGIS_CIPHER_CHACHA20POLY1305;
	return AEGIS_CIPHER_AES_GCM;
}

int hs_resp_create(const struct hs_local *me, const uint8_t *init_msg,
		   size_t init_len, const struct wire_init *m,
		   const struct hs_peer *peer, struct wire_buf *out,
		   struct hs_keys *keys)
{
	uint8_t eph_pub[WIRE_X25519_LEN], scid[WIRE_CID_LEN];
	uint8_t secret[WIRE_SECRET_LEN], shared[WIRE_X25519_LEN];
	uint8_t oaep[WIRE_MAX_SIG], th[32];
	struct wire_hdr ihdr;
	size_t oaep_len = sizeof(oaep), sig_size, signed_len, mac1_off;
	uint64_t index;
	EVP_PKEY *eph = NULL;
	X509 *cert = NULL;
	EVP_PKEY *ipub;
	struct identity_span s[2];
	uint8_t cipher;
	int ret;

	memset(keys, 0, sizeof(*keys));
	if (wire_parse_hdr(init_msg, init_len, &ihdr) ||
	    m->mac1_off > init_len ||
	    !me->cert_len || me->cert_len > WIRE_MAX_CERT)
		return -EINVAL;
	ret = sig_size_of(me->key, &sig_size);
	if (ret)
		return ret;
	if (cert_from_der(m->cert, m->cert_len, &cert))
		return -EBADMSG;
	ipub = X509_get0_pubkey(cert);
	ret = -EBADMSG;
	if (!ipub)
		goto err_cert;

	ret = hs_random_index(&index);
	if (ret)
		goto err_cert;
	ret = -EIO;
	if (RAND_bytes(secret, sizeof(secret)) != 1)
		goto err_secret;
	ret = oaep_encrypt(ipub, secret, sizeof(secret), oaep, &oaep_len);
	if (ret)
		goto err_secret;
	ret = x25519_new(&eph, eph_pub);
	if (ret)
		goto err_secret;
	ret = x25519_shared(eph, m->eph_pub, shared);
	if (ret)
		goto err_eph;
	cipher = choose_cipher(m->cipher_pref, me->cipher_pref);

	/* DCID echoes the INIT's SCID; ours is our index. */
	put_be64(scid, index);
	wire_begin(out, WIRE_MSG_RESP, ihdr.scid, scid);
	wire_put_u64(out, index);
	wire_put_u64(out, m->sender_index);
	wire_put_bytes(out, eph_pub, WIRE_X25519_LEN);
	wire_put_u8(out, cipher);
	wire_put_u8(out, 0);			/* flags */
	wire_put_routes(out, me->routes, me->n_routes);
	wire_put_u16(out, (uint16_t)oaep_len);
	wire_put_bytes(out, oaep, oaep_len);
	wire_put_u16(out, (uint16_t)me->cert_len);
	wire_put_bytes(out, me->cert_der, me->cert_len);
	signed_len = out->len;
	wire_put_u16(out, (uint16_t)sig_size);
	wire_put_zeros(out, sig_size + 2 * WIRE_MAC_LEN);
	ret = wire_finish(out);
	if (ret)
		goto err_shared;

	s[0].p = init_msg;
	s[0].len = m->mac1_off;
	s[1].p = out->data;
	s[1].len = signed_len;
	ret = identity_sign(me->key, s, 2, out->data + signed_len + 2, sig_size);
	if (ret)
		goto err_shared;
	mac1_off = out->len - 2 * WIRE_MAC_LEN;
	ret = mac1_compute(peer->cert.node_id, out->data, mac1_off,
			   out->data + mac1_off);
	if (ret)
		goto err_shared;

	ret = transcript_hash(init_msg, m->mac1_off, out->data, mac1_off, th);
	if (ret)
		goto err_shared;
	ret = hs_derive(th, shared, sizeof(shared), secret, sizeof(secret),
			false, keys);
	if (ret)
		goto err_shared;
	keys->cipher = cipher;
	keys->rx_index = index;
	keys->tx_index = m->sender_index;

err_shared:
	OPENSSL_cleanse(shared, sizeof(shared));
err_eph:
	EVP_PKEY_free(eph);
err_secret:
	OPENSSL_cleanse(secret, sizeof(secret));
err_cert:
	X509_free(cert);
	if (ret) {
		hs_keys_wipe(keys);
		out->len = 0;
	}
	return ret;
}

enum hs_status hs_resp_consume(const struct hs_local *me,
			       const struct hs_init_state *st,
			       const uint8_t *msg, size_t len,
			       const struct wire_resp *m, time_t now,
			       struct hs_peer *peer, struct hs_keys *keys)
{
	uint8_t secret[WIRE_SECRET_LEN], shared[WIRE_X25519_LEN], th[32];
	enum hs_status ret;
	X509 *cert = NULL;
	EVP_PKEY *pub;
	struct identity_span s[2];
	int err;

	memset(peer, 0, sizeof(*peer));
	memset(keys, 0, sizeof(*keys));
	if (!st->eph || m->receiver_index != st->sender_index)
		return HS_NO_MATCH;
	if (m->signed_len > len || m->mac1_off > len ||
	    (m->cipher != AEGIS_CIPHER_AES_GCM &&
	     m->cipher != AEGIS_CIPHER_CHACHA20POLY1305))
		return HS_MALFORMED;
	if (cert_from_der(m->cert, m->cert_len, &cert))
		return HS_CERT_BAD;
	ret = hs_status_from_cert(cert_verify(me->ca, cert, now,
					      st->responder_id, &peer->cert));
	if (ret == HS_OK && revoke_contains(me->revoked, peer->cert.node_id))
		ret = HS_CERT_REVOKED;
	if (ret != HS_OK)
		goto err_cert;

	pub = X509_get0_pubkey(cert);
	s[0].p = st->msg;
	s[0].len = st->mac1_off;
	s[1].p = msg;
	s[1].len = m->signed_len;
	ret = HS_BAD_SIGNATURE;
	if (!pub || !identity_verify(pub, s, 2, m->sig, m->sig_len))
		goto err_cert;
	ret = routes_allowed(&peer->cert, &m->routes);
	if (ret != HS_OK)
		goto err_cert;

	/*
	 * The RESP is authentic at this point, so a secret that does not
	 * decrypt is not an attack we can tell apart from a broken local key
	 * or library: it counts as HS_CRYPTO.
	 */
	ret = HS_CRYPTO;
	if (oaep_decrypt(me->key, m->oaep, m->oaep_len, secret))
		goto err_secret;
	err = x25519_shared(st->eph, m->eph_pub, shared);
	if (err) {
		ret = err == -EBADMSG ? HS_MALFORMED : HS_CRYPTO;
		goto err_secret;
	}
	if (transcript_hash(st->msg, st->mac1_off, msg, m->mac1_off, th) ||
	    hs_derive(th, shared, sizeof(shared), secret, sizeof(secret),
		      true, keys))
		goto err_shared;
	keys->cipher = m->cipher;
	keys->rx_index = st->sender_index;
	keys->tx_index = m->sender_index;
	peer->routes = m->routes;
	peer->cipher_pref = m->cipher;
	ret = HS_OK;

err_shared:
	OPENSSL_cleanse(shared, sizeof(shared));
err_secret:
	OPENSSL_cleanse(secret, sizeof(secret));
err_cert:
	X509_free(cert);
	if (ret != HS_OK)
		hs_keys_wipe(keys);
	return ret;
}

/* ---- CONFIRM ----------------------------------------------------------- */

static int confirm_tag(const struct hs_keys *keys, uint8_t tag[WIRE_TAG_LEN])
{
	uint8_t in[sizeof(confirm_label) - 1 + sizeof(keys->th)];
	int ret;

	memcpy(in, confirm_label, sizeof(confirm_label) - 1);
	memcpy(in + sizeof(confirm_label) - 1, keys->th, sizeof(keys->th));
	ret = hmac_sha256(keys->confirm_key, sizeof(keys->confirm_key), in,
			  sizeof(in), tag, WIRE_TAG_LEN);
	OPENSSL_cleanse(in, sizeof(in));
	return ret;
}

int hs_confirm_create(const struct hs_keys *keys, struct wire_buf *out)
{
	uint8_t tag[WIRE_TAG_LEN], dcid[WIRE_CID_LEN], scid[WIRE_CID_LEN];
	int ret;

	ret = confirm_tag(keys, tag);
	if (ret)
		return ret;
	put_be64(dcid, keys->tx_index);
	put_be64(scid, keys->rx_index);
	wire_begin(out, WIRE_MSG_CONFIRM, dcid, scid);
	wire_put_u64(out, keys->rx_index);
	wire_put_u64(out, keys->tx_index);
	wire_put_bytes(out, tag, WIRE_TAG_LEN);
	ret = wire_finish(out);
	OPENSSL_cleanse(tag, sizeof(tag));
	return ret;
}

bool hs_confirm_check(const struct hs_keys *keys, const struct wire_confirm *m)
{
	uint8_t tag[WIRE_TAG_LEN];
	bool ok;

	if (m->sender_index != keys->tx_index ||
	    m->receiver_index != keys->rx_index || confirm_tag(keys, tag))
		return false;
	ok = CRYPTO_memcmp(tag, m->tag, WIRE_TAG_LEN) == 0;
	OPENSSL_cleanse(tag, sizeof(tag));
	return ok;
}
