// SPDX-License-Identifier: MIT
/*
 * The mesh channel (chan.h): MESH packets sealed and opened with a
 * session's mesh keys, with a replay window.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "chan/chan.h"

#define NONCE_LEN	12

_Static_assert(CHAN_WINDOW % 64 == 0, "window of whole words");

const char *chan_verdict_name(enum chan_verdict v)
{
	switch (v) {
	case CHAN_OK:
		return "ok";
	case CHAN_MALFORMED:
		return "malformed";
	case CHAN_NO_KEY:
		return "no_key";
	case CHAN_REPLAY:
		return "replay";
	case CHAN_BAD_TAG:
		return "bad_tag";
	case CHAN_CRYPTO:
		return "crypto";
	default:
		return "unknown";
	}
}

void chan_keys_from_hs(struct chan_keys *k, const struct hs_keys *hk)
{
	chan_keys_wipe(k);
	k->valid = true;
	k->cipher = hk->cipher;
	k->rx_index = hk->rx_index;
	k->tx_index = hk->tx_index;
	memcpy(k->tx_key, hk->mesh_enc_key, sizeof(k->tx_key));
	memcpy(k->tx_salt, hk->mesh_enc_salt, sizeof(k->tx_salt));
	memcpy(k->rx_key, hk->mesh_dec_key, sizeof(k->rx_key));
	memcpy(k->rx_salt, hk->mesh_dec_salt, sizeof(k->rx_salt));
}

void chan_keys_wipe(struct chan_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

static const EVP_CIPHER *aead_of(uint8_t cipher)
{
	switch (cipher) {
	case AEGIS_CIPHER_AES_GCM:
		return EVP_aes_256_gcm();
	case AEGIS_CIPHER_CHACHA20POLY1305:
		return EVP_chacha20_poly1305();
	default:
		return NULL;
	}
}

static void make_nonce(uint8_t nonce[NONCE_LEN], const uint8_t salt[4],
		       uint64_t pn)
{
	int i;

	memcpy(nonce, salt, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(pn >> (56 - 8 * i));
}

/*
 * One AEAD operation in place over buf[0, len) (plus the tag after it
 * when sealing, or in tag when opening), with ad. 0, or -EBADMSG for a
 * tag that does not verify, or -EIO.
 */
static int aead(uint8_t cipher, bool seal, const uint8_t *key,
		const uint8_t nonce[NONCE_LEN], const uint8_t *ad,
		size_t ad_len, uint8_t *buf, size_t len, uint8_t *tag)
{
	const EVP_CIPHER *c = aead_of(cipher);
	EVP_CIPHER_CTX *ctx;
	int n, ret = -EIO;

	if (!c || len > INT_MAX || ad_len > INT_MAX)
		return -EIO;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -EIO;
	if (EVP_CipherInit_ex(ctx, c, NULL, key, nonce, seal) != 1)
		goto out;
	if (!seal && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
					 WIRE_AEAD_TAG_LEN, tag) != 1)
		goto out;
	if (EVP_CipherUpdate(ctx, NULL, &n, ad, (int)ad_len) != 1)
		goto out;
	if (len && EVP_CipherUpdate(ctx, buf, &n, buf, (int)len) != 1)
		goto out;
	if (EVP_CipherFinal_ex(ctx, buf + len, &n) != 1) {
		ret = seal ? -EIO : -EBADMSG;
		goto out;
	}
	if (seal && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
					WIRE_AEAD_TAG_LEN, tag) != 1)
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

int chan_seal(struct chan_keys *k, const uint8_t *plain, size_t len,
	      struct wire_buf *out)
{
	uint8_t nonce[NONCE_LEN], *body;
	int ret;

	if (!k->valid)
		return -ENOKEY;
	if (k->tx_pn == UINT64_MAX)
		return -EOVERFLOW;
	ret = wire_build_sealed(out, k->tx_index, k->rx_index, k->tx_pn, len,
				&body);
	if (ret)
		return ret;
	if (len)
		memcpy(body, plain, len);
	make_nonce(nonce, k->tx_salt, k->tx_pn);
	ret = aead(k->cipher, true, k->tx_key, nonce, out->data,
		   WIRE_SEALED_AD_LEN, body, len, body + len);
	if (ret) {
		OPENSSL_cleanse(out->data, out->len);
		out->len = 0;
		return ret;
	}
	k->tx_pn++;
	return 0;
}

static bool window_test(const struct chan_keys *k, uint64_t pn)
{
	return k->rx_seen[(pn / 64) % CHAN_WINDOW_WORDS] &
	       (1ULL << (pn % 64));
}

/* May pn be accepted (before its tag is checked)? */
static bool window_fresh(const struct chan_keys *k, uint64_t pn)
{
	if (pn == UINT64_MAX)
		return false;
	if (pn >= k->rx_top)
		return true;
	if ((k->rx_top - 1) / 64 - pn / 64 >= CHAN_WINDOW_WORDS)
		return false;	/* older than the window */
	return !window_test(k, pn);
}

/* pn authenticated: slide the window to it and mark it. Whole words are
 * cleared as the top moves into them, so the window always holds at
 * least CHAN_WINDOW - 64 numbers below the top. */
static void window_mark(struct chan_keys *k, uint64_t pn)
{
	if (pn >= k->rx_top) {
		uint64_t top_word = k->rx_top ? (k->rx_top - 1) / 64 : 0;
		uint64_t new_word = pn / 64, w;

		if (!k->rx_top) {
			memset(k->rx_seen, 0, sizeof(k->rx_seen));
		} else if (new_word - top_word >= CHAN_WINDOW_WORDS) {
			memset(k->rx_seen, 0, sizeof(k->rx_seen));
		} else {
			for (w = top_word + 1; w <= new_word; w++)
				k->rx_seen[w % CHAN_WINDOW_WORDS] = 0;
		}
		k->rx_top = pn + 1;
	}
	k->rx_seen[(pn / 64) % CHAN_WINDOW_WORDS] |= 1ULL << (pn % 64);
}

enum chan_verdict chan_open(struct chan_keys *k, const uint8_t *buf,
			    const struct wire_sealed *m, uint8_t *plain,
			    size_t *plain_len)
{
	uint8_t nonce[NONCE_LEN], tag[WIRE_AEAD_TAG_LEN];
	size_t len;
	int ret;

	*plain_len = 0;
	if (!k->valid || m->dcid_index != k->rx_index)
		return CHAN_NO_KEY;
	if (m->ct_len < WIRE_AEAD_TAG_LEN)
		return CHAN_MALFORMED;
	if (!window_fresh(k, m->pn))
		return CHAN_REPLAY;
	len = m->ct_len - WIRE_AEAD_TAG_LEN;
	if (len)
		memcpy(plain, m->ct, len);
	memcpy(tag, m->ct + len, sizeof(tag));
	make_nonce(nonce, k->rx_salt, m->pn);
	ret = aead(k->cipher, false, k->rx_key, nonce, buf, WIRE_SEALED_AD_LEN,
		   plain, len, tag);
	if (ret) {
		OPENSSL_cleanse(plain, len);
		return ret == -EBADMSG ? CHAN_BAD_TAG : CHAN_CRYPTO;
	}
	window_mark(k, m->pn);
	*plain_len = len;
	return CHAN_OK;
}
