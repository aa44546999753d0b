// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * In-place AEAD over an skb's fragments, synchronous or asynchronous.
 */
#include <crypto/aead.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "crypto.h"
#include "key.h"
#include "messages.h"

/*
 * One allocation per packet holds the AEAD request, the nonce and the
 * scatterlist; it lives until the operation completes.
 */
struct aegis_crypt_ctx {
	struct sk_buff *skb;
	aegis_crypt_done_t done;
	u8 nonce[AEGIS_NONCE_LEN];
	struct scatterlist *sg;
	struct aead_request *req;	/* follows, with the tfm's context */
};

static void aegis_make_nonce(u8 nonce[AEGIS_NONCE_LEN],
			     const u8 salt[AEGIS_NONCE_SALT_LEN], u64 counter)
{
	__be64 ctr = cpu_to_be64(counter);

	memcpy(nonce, salt, AEGIS_NONCE_SALT_LEN);
	memcpy(nonce + AEGIS_NONCE_SALT_LEN, &ctr, sizeof(ctr));
}

static void aegis_crypt_complete(struct crypto_async_request *areq, int err)
{
	struct aegis_crypt_ctx *ctx = areq->data;
	struct sk_buff *skb = ctx->skb;
	aegis_crypt_done_t done = ctx->done;

	/* The backlog notification: the real completion follows. */
	if (err == -EINPROGRESS)
		return;
	kfree(ctx);
	local_bh_disable();
	done(skb, err);
	local_bh_enable();
}

/* Layout: ctx | aead_request + tfm context | scatterlist[nsg] */
static struct aegis_crypt_ctx *aegis_crypt_ctx_alloc(struct crypto_aead *tfm,
						     int nsg)
{
	size_t req_off = ALIGN(sizeof(struct aegis_crypt_ctx), CRYPTO_MINALIGN);
	size_t sg_off = ALIGN(req_off + crypto_aead_reqsize(tfm) +
			      offsetof(struct aead_request, __ctx),
			      __alignof__(struct scatterlist));
	struct aegis_crypt_ctx *ctx;

	ctx = kmalloc(sg_off + nsg * sizeof(struct scatterlist), GFP_ATOMIC);
	if (!ctx)
		return NULL;
	ctx->req = (struct aead_request *)((u8 *)ctx + req_off);
	ctx->sg = (struct scatterlist *)((u8 *)ctx + sg_off);
	return ctx;
}

/*
 * Run one AEAD operation over the whole skb. @cryptlen: bytes after the
 * header to process (plaintext for encryption, ciphertext + tag for
 * decryption).
 */
static int aegis_crypt(struct crypto_aead *tfm, const u8 *salt,
		       struct sk_buff *skb, u64 counter, unsigned int cryptlen,
		       bool encrypt, aegis_crypt_done_t done)
{
	struct aegis_crypt_ctx *ctx;
	struct sk_buff *trailer;
	int nfrags, nsg, ret;

	nfrags = skb_cow_data(skb, encrypt ? AEGIS_TAG_LEN : 0, &trailer);
	if (nfrags < 0)
		return nfrags;
	if (encrypt && pskb_put(skb, trailer, AEGIS_TAG_LEN) == NULL)
		return -ENOMEM;

	ctx = aegis_crypt_ctx_alloc(tfm, nfrags);
	if (!ctx)
		return -ENOMEM;
	sg_init_table(ctx->sg, nfrags);
	nsg = skb_to_sgvec(skb, ctx->sg, 0, skb->len);
	if (unlikely(nsg < 0)) {
		kfree(ctx);
		return nsg;
	}
	ctx->skb = skb;
	ctx->done = done;
	aegis_make_nonce(ctx->nonce, salt, counter);

	aead_request_set_tfm(ctx->req, tfm);
	aead_request_set_callback(ctx->req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				  aegis_crypt_complete, ctx);
	aead_request_set_ad(ctx->req, AEGIS_HDR_LEN);
	aead_request_set_crypt(ctx->req, ctx->sg, ctx->sg, cryptlen, ctx->nonce);

	ret = encrypt ? crypto_aead_encrypt(ctx->req) :
			crypto_aead_decrypt(ctx->req);
	if (ret == -EINPROGRESS || ret == -EBUSY)
		return -EINPROGRESS;
	kfree(ctx);
	return ret;
}

int aegis_encrypt(struct aegis_key *key, struct sk_buff *skb, u64 counter,
		  aegis_crypt_done_t done)
{
	return aegis_crypt(key->enc, key->enc_salt, skb, counter,
			   skb->len - AEGIS_HDR_LEN, true, done);
}

int aegis_decrypt(struct aegis_key *key, struct sk_buff *skb, u64 counter,
		  aegis_crypt_done_t done)
{
	if (skb->len < AEGIS_HDR_LEN + AEGIS_TAG_LEN)
		return -EBADMSG;
	return aegis_crypt(key->dec, key->dec_salt, skb, counter,
			   skb->len - AEGIS_HDR_LEN, false, done);
}
