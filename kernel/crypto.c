// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * In-place AEAD over an skb, with a per-worker request (see crypto.h).
 */
#include <crypto/aead.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "crypto.h"
#include "key.h"
#include "messages.h"

/* skb_cow_data() leaves a linear head plus at most the frag_list members. */
#define AEGIS_MAX_SG	(MAX_SKB_FRAGS + 8)

/* Relay hop layer: [outer hdr | inner tag] (AD) [relay block] [hop tag] */
#define AEGIS_RB_AD_LEN		(AEGIS_HDR_LEN + AEGIS_TAG_LEN)
#define AEGIS_RB_LEN		(AEGIS_RB_AD_LEN + AEGIS_RELAY_BLOCK_LEN + AEGIS_TAG_LEN)

struct aegis_crypt_scratch {
	struct aead_request *req;
	unsigned int req_size;
	bool atomic;
	struct crypto_wait wait;
	u8 nonce[AEGIS_NONCE_LEN];
	u8 block[AEGIS_RB_LEN];
	struct scatterlist block_sg;
	struct scatterlist sg[AEGIS_MAX_SG];
};

struct aegis_crypt_scratch *aegis_crypt_scratch_alloc(bool atomic)
{
	struct aegis_crypt_scratch *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (s)
		s->atomic = atomic;
	return s;
}

void aegis_crypt_scratch_free(struct aegis_crypt_scratch *s)
{
	if (!s)
		return;
	/* The request context and the block may hold key-derived state. */
	kfree_sensitive(s->req);
	kfree_sensitive(s);
}

static void aegis_make_nonce(u8 nonce[AEGIS_NONCE_LEN],
			     const u8 salt[AEGIS_NONCE_SALT_LEN], u64 counter)
{
	__be64 ctr = cpu_to_be64(counter);

	memcpy(nonce, salt, AEGIS_NONCE_SALT_LEN);
	memcpy(nonce + AEGIS_NONCE_SALT_LEN, &ctr, sizeof(ctr));
}

/* The worker's request, grown once if this tfm needs a bigger context. */
static struct aead_request *aegis_scratch_req(struct aegis_crypt_scratch *s,
					      struct crypto_aead *tfm)
{
	unsigned int size = offsetof(struct aead_request, __ctx) +
			    crypto_aead_reqsize(tfm);
	struct aead_request *req;

	if (likely(size <= s->req_size))
		return s->req;
	req = kmalloc(size, s->atomic ? GFP_ATOMIC : GFP_KERNEL);
	if (!req)
		return NULL;
	kfree_sensitive(s->req);
	s->req = req;
	s->req_size = size;
	return req;
}

static int aegis_aead(struct aegis_crypt_scratch *s, struct crypto_aead *tfm,
		      struct scatterlist *sg, unsigned int assoclen,
		      unsigned int cryptlen, bool encrypt)
{
	struct aead_request *req = aegis_scratch_req(s, tfm);

	if (unlikely(!req))
		return -ENOMEM;
	aead_request_set_tfm(req, tfm);
	aead_request_set_ad(req, assoclen);
	aead_request_set_crypt(req, sg, sg, cryptlen, s->nonce);
	if (s->atomic) {
		/* A synchronous tfm (CRYPTO_ALG_ASYNC masked off): no wait. */
		aead_request_set_callback(req, 0, NULL, NULL);
		return encrypt ? crypto_aead_encrypt(req) :
				 crypto_aead_decrypt(req);
	}
	crypto_init_wait(&s->wait);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				  CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &s->wait);
	return crypto_wait_req(encrypt ? crypto_aead_encrypt(req) :
					 crypto_aead_decrypt(req), &s->wait);
}

/*
 * Make @skb private and writable in place, with @tail more bytes at its
 * end. Returns the scatterlist entries it needs or a negative errno.
 */
static int aegis_skb_prepare(struct sk_buff *skb, unsigned int tail)
{
	struct sk_buff *trailer;
	int nfrags;

	nfrags = skb_cow_data(skb, tail, &trailer);
	if (unlikely(nfrags > AEGIS_MAX_SG)) {
		if (skb_linearize(skb))
			return -ENOMEM;
		nfrags = skb_cow_data(skb, tail, &trailer);
	}
	if (unlikely(nfrags < 0))
		return nfrags;
	if (tail && !pskb_put(skb, trailer, tail))
		return -ENOMEM;
	return nfrags;
}

/* Prepare @skb and map all of it into the scratch scatterlist. */
static int aegis_skb_map(struct aegis_crypt_scratch *s, struct sk_buff *skb,
			 unsigned int tail)
{
	int nfrags = aegis_skb_prepare(skb, tail);
	int nsg;

	if (unlikely(nfrags < 0))
		return nfrags;
	sg_init_table(s->sg, nfrags);
	nsg = skb_to_sgvec(skb, s->sg, 0, skb->len);
	return nsg < 0 ? nsg : 0;
}

int aegis_seal(struct aegis_crypt_scratch *s, struct aegis_key *key,
	       struct sk_buff *skb, u64 counter)
{
	int ret = aegis_skb_map(s, skb, AEGIS_TAG_LEN);

	if (unlikely(ret))
		return ret;
	aegis_make_nonce(s->nonce, key->enc_salt, counter);
	return aegis_aead(s, key->enc, s->sg, AEGIS_HDR_LEN,
			  skb->len - AEGIS_HDR_LEN - AEGIS_TAG_LEN, true);
}

int aegis_open(struct aegis_crypt_scratch *s, struct aegis_key *key,
	       struct sk_buff *skb, u64 counter)
{
	int ret;

	if (unlikely(skb->len < AEGIS_HDR_LEN + AEGIS_TAG_LEN))
		return -EBADMSG;
	ret = aegis_skb_map(s, skb, 0);
	if (unlikely(ret))
		return ret;
	aegis_make_nonce(s->nonce, key->dec_salt, counter);
	return aegis_aead(s, key->dec, s->sg, AEGIS_HDR_LEN,
			  skb->len - AEGIS_HDR_LEN, false);
}

/*
 * Gather the hop layer of a relay packet into the scratch block:
 * outer header and inner tag (AD), relay block, hop tag. The hop tag is
 * the last @hop_tag bytes of the skb (0 while sealing: it is not there yet).
 */
static int aegis_relay_gather(struct aegis_crypt_scratch *s,
			      const struct sk_buff *skb, unsigned int hop_tag)
{
	unsigned int inner_tag = skb->len - hop_tag - AEGIS_TAG_LEN;
	u8 *b = s->block;

	if (skb_copy_bits(skb, 0, b, AEGIS_HDR_LEN) ||
	    skb_copy_bits(skb, inner_tag, b + AEGIS_HDR_LEN, AEGIS_TAG_LEN) ||
	    skb_copy_bits(skb, AEGIS_HDR_LEN, b + AEGIS_RB_AD_LEN,
			  AEGIS_RELAY_BLOCK_LEN))
		return -EFAULT;
	if (hop_tag &&
	    skb_copy_bits(skb, skb->len - AEGIS_TAG_LEN,
			  b + AEGIS_RB_AD_LEN + AEGIS_RELAY_BLOCK_LEN,
			  AEGIS_TAG_LEN))
		return -EFAULT;
	sg_init_one(&s->block_sg, b, AEGIS_RB_LEN);
	return 0;
}

/*
 * @skb: outer header (filled in) | relay header | inner data packet. The
 * hop tag is appended.
 */
int aegis_seal_relay(struct aegis_crypt_scratch *s, struct aegis_key *key,
		     struct sk_buff *skb, u64 counter)
{
	int ret;

	if (unlikely(skb->len < AEGIS_HDR_LEN + AEGIS_RELAY_BLOCK_LEN +
				AEGIS_TAG_LEN))
		return -EINVAL;
	ret = aegis_relay_gather(s, skb, 0);
	if (unlikely(ret))
		return ret;
	aegis_make_nonce(s->nonce, key->enc_salt, counter);
	ret = aegis_aead(s, key->relay_enc, &s->block_sg, AEGIS_RB_AD_LEN,
			 AEGIS_RELAY_BLOCK_LEN, true);
	if (unlikely(ret))
		goto out;
	/* Room for the tag, and a private, writable copy of the head. */
	ret = aegis_skb_prepare(skb, AEGIS_TAG_LEN);
	if (unlikely(ret < 0))
		goto out;
	ret = skb_store_bits(skb, AEGIS_HDR_LEN, s->block + AEGIS_RB_AD_LEN,
			     AEGIS_RELAY_BLOCK_LEN) ?:
	      skb_store_bits(skb, skb->len - AEGIS_TAG_LEN,
			     s->block + AEGIS_RB_AD_LEN + AEGIS_RELAY_BLOCK_LEN,
			     AEGIS_TAG_LEN);
out:
	memzero_explicit(s->block, sizeof(s->block));
	return ret;
}

/* Verify and decrypt the hop layer; the relay block is left in clear. */
int aegis_open_relay(struct aegis_crypt_scratch *s, struct aegis_key *key,
		     struct sk_buff *skb, u64 counter)
{
	int ret;

	if (unlikely(skb->len < AEGIS_HDR_LEN + AEGIS_RELAY_BLOCK_LEN +
				2 * AEGIS_TAG_LEN))
		return -EBADMSG;
	ret = aegis_relay_gather(s, skb, AEGIS_TAG_LEN);
	if (unlikely(ret))
		return ret;
	aegis_make_nonce(s->nonce, key->dec_salt, counter);
	ret = aegis_aead(s, key->relay_dec, &s->block_sg, AEGIS_RB_AD_LEN,
			 AEGIS_RELAY_BLOCK_LEN + AEGIS_TAG_LEN, false);
	if (unlikely(ret))
		goto out;
	ret = aegis_skb_prepare(skb, 0);
	if (unlikely(ret < 0))
		goto out;
	ret = skb_store_bits(skb, AEGIS_HDR_LEN, s->block + AEGIS_RB_AD_LEN,
			     AEGIS_RELAY_BLOCK_LEN);
out:
	memzero_explicit(s->block, sizeof(s->block));
	return ret;
}
