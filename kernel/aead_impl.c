// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * AEAD implementation selection (aead_impl.h).
 *
 * Each cipher has a module parameter, gcm_impl and chacha_impl (0644):
 *   auto      measure the candidates below and keep the fastest (default);
 *   priority  the crypto API's highest-priority implementation at the time
 *             each key is created (what the API itself would do);
 *   NAME      one implementation, by driver or template name (for example
 *             rfc7539(chacha20-generic,poly1305-generic)): checked, then
 *             pinned.
 * A value given at load time is applied by module init, which fails on a
 * bad one; a value written later applies to keys created afterwards, and a
 * bad one is refused with the old one kept. Reading gives the name that
 * new keys allocate.
 *
 * auto keeps the crypto API's choice (by algorithm name, so the priority
 * order still applies when a key is made) unless another candidate is at
 * least 25% faster: a measurement takes milliseconds, and noise must not
 * move a router off the implementation its distribution ships as the best.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/aead.h>
#include <uapi/linux/aegisray.h>

#include "aead_impl.h"
#include "messages.h"

/*
 * A probe seals then opens a full-size packet in place, with a random key
 * that is thrown away: the fixed nonce and the all-zero plaintext are fine
 * for a measurement, and prove that the implementation gives data back.
 */
#define AEGIS_IMPL_LEN		1420	/* inner packet at the default MTU */
#define AEGIS_IMPL_AD		AEGIS_HDR_LEN
#define AEGIS_IMPL_BUF		(AEGIS_IMPL_AD + AEGIS_IMPL_LEN + AEGIS_TAG_LEN)
#define AEGIS_IMPL_PAIRS	16	/* seal + open pairs per timed round */
#define AEGIS_IMPL_ROUNDS	8	/* the fastest round counts */
#define AEGIS_IMPL_MAX		2	/* candidates per cipher */

struct aegis_impl {
	const char *param;
	const char *alg;			/* the cra_name */
	const char *candidates[AEGIS_IMPL_MAX];	/* [0] is alg itself */
	char request[CRYPTO_MAX_ALG_NAME];	/* auto, priority or a name */
	char name[CRYPTO_MAX_ALG_NAME];		/* what new keys allocate */
};

static struct aegis_impl aegis_impls[] = {
	[AEGIS_CIPHER_AES_GCM] = {
		.param = "gcm_impl",
		.alg = "gcm(aes)",
		.candidates = {
			"gcm(aes)",
			"gcm_base(ctr(aes-generic),ghash-generic)",
		},
		.request = "auto",
	},
	[AEGIS_CIPHER_CHACHA20POLY1305] = {
		.param = "chacha_impl",
		.alg = "rfc7539(chacha20,poly1305)",
		.candidates = {
			"rfc7539(chacha20,poly1305)",
			"rfc7539(chacha20-generic,poly1305-generic)",
		},
		.request = "auto",
	},
};

/* Guards request and name of every entry; held while measuring. */
static DEFINE_MUTEX(aegis_impl_lock);
/* False until module init has applied the load-time values. */
static bool aegis_impl_live;

struct aegis_impl_probe {
	struct crypto_aead *tfm;
	struct aead_request *req;
	u64 best_ns;
};

static const char *aegis_probe_driver(const struct aegis_impl_probe *p)
{
	return crypto_aead_driver_name(p->tfm);
}

static int aegis_probe_init(struct aegis_impl_probe *p, const char *name)
{
	u8 key[AEGIS_KEY_LEN];
	int ret;

	p->tfm = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(p->tfm)) {
		ret = PTR_ERR(p->tfm);
		goto err_no_tfm;
	}
	get_random_bytes(key, sizeof(key));
	ret = crypto_aead_setkey(p->tfm, key, sizeof(key));
	memzero_explicit(key, sizeof(key));
	if (ret)
		goto err_free_tfm;
	ret = crypto_aead_setauthsize(p->tfm, AEGIS_TAG_LEN);
	if (ret)
		goto err_free_tfm;
	p->req = aead_request_alloc(p->tfm, GFP_KERNEL);
	if (!p->req) {
		ret = -ENOMEM;
		goto err_free_tfm;
	}
	p->best_ns = U64_MAX;
	return 0;

err_free_tfm:
	crypto_free_aead(p->tfm);
err_no_tfm:
	p->tfm = NULL;
	return ret;
}

static void aegis_probe_free(struct aegis_impl_probe *p)
{
	if (!p->tfm)
		return;
	aead_request_free(p->req);
	crypto_free_aead(p->tfm);
	p->tfm = NULL;
}

/* Seal, then open and verify, buf in place (AD || plaintext || tag). */
static int aegis_probe_pair(struct aegis_impl_probe *p, struct scatterlist *sg,
			    u8 *iv)
{
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	aead_request_set_callback(p->req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				  CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_ad(p->req, AEGIS_IMPL_AD);
	aead_request_set_crypt(p->req, sg, sg, AEGIS_IMPL_LEN, iv);
	ret = crypto_wait_req(crypto_aead_encrypt(p->req), &wait);
	if (ret)
		return ret;
	aead_request_set_crypt(p->req, sg, sg, AEGIS_IMPL_LEN + AEGIS_TAG_LEN,
			       iv);
	return crypto_wait_req(crypto_aead_decrypt(p->req), &wait);
}

/* One timed round; the all-zero buffer must come back all zero. */
static int aegis_probe_round(struct aegis_impl_probe *p, u8 *buf)
{
	u8 iv[AEGIS_NONCE_LEN] = {};
	struct scatterlist sg;
	unsigned int i;
	u64 start;
	int ret;

	sg_init_one(&sg, buf, AEGIS_IMPL_BUF);
	start = ktime_get_ns();
	for (i = 0; i < AEGIS_IMPL_PAIRS; i++) {
		ret = aegis_probe_pair(p, &sg, iv);
		if (ret)
			return ret;
	}
	p->best_ns = min(p->best_ns, ktime_get_ns() - start);
	if (memchr_inv(buf, 0, AEGIS_IMPL_AD + AEGIS_IMPL_LEN))
		return -EBADMSG;
	return 0;
}

static u64 aegis_probe_mbps(const struct aegis_impl_probe *p)
{
	u64 bytes = 2ULL * AEGIS_IMPL_PAIRS * AEGIS_IMPL_LEN;

	return div64_u64(bytes * NSEC_PER_USEC, max_t(u64, p->best_ns, 1));
}

static bool aegis_probe_seen(const struct aegis_impl_probe *probes,
			     unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (probes[i].tfm && !strcmp(aegis_probe_driver(&probes[i]),
					     aegis_probe_driver(&probes[n])))
			return true;
	return false;
}

/* Allocates the distinct candidates and times them, interleaved. */
static void aegis_impl_time(struct aegis_impl *impl,
			    struct aegis_impl_probe *probes, u8 *buf)
{
	unsigned int i, round;
	int ret;

	for (i = 0; i < AEGIS_IMPL_MAX; i++) {
		if (aegis_probe_init(&probes[i], impl->candidates[i]))
			continue;
		if (aegis_probe_seen(probes, i))
			aegis_probe_free(&probes[i]);
	}
	for (round = 0; round < AEGIS_IMPL_ROUNDS; round++) {
		for (i = 0; i < AEGIS_IMPL_MAX; i++) {
			if (!probes[i].tfm)
				continue;
			ret = aegis_probe_round(&probes[i], buf);
			if (ret) {
				pr_warn("aegisray: %s: %s failed its check (%pe): not used\n",
					impl->alg, aegis_probe_driver(&probes[i]),
					ERR_PTR(ret));
				aegis_probe_free(&probes[i]);
			}
			memset(buf, 0, AEGIS_IMPL_AD + AEGIS_IMPL_LEN);
			cond_resched();
		}
	}
}

/* The fastest candidate other than the crypto API's choice, or 0. */
static unsigned int aegis_impl_alt(const struct aegis_impl_probe *probes)
{
	unsigned int i, alt = 0;

	for (i = 1; i < AEGIS_IMPL_MAX; i++)
		if (probes[i].tfm &&
		    (!alt || probes[i].best_ns < probes[alt].best_ns))
			alt = i;
	return alt;
}

/* auto: measure, then keep the crypto API's choice or pin a faster one. */
static int aegis_impl_measure(struct aegis_impl *impl)
{
	struct aegis_impl_probe probes[AEGIS_IMPL_MAX] = {};
	struct aegis_impl_probe *top = &probes[0], *alt;
	unsigned int i;
	u8 *buf;

	lockdep_assert_held(&aegis_impl_lock);
	buf = kzalloc(AEGIS_IMPL_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	aegis_impl_time(impl, probes, buf);
	i = aegis_impl_alt(probes);
	alt = i ? &probes[i] : NULL;

	if (!top->tfm && !alt) {
		strscpy(impl->name, impl->alg, sizeof(impl->name));
		pr_warn("aegisray: %s: no implementation works here: keys with this cipher will be refused\n",
			impl->alg);
	} else if (top->tfm && !alt) {
		strscpy(impl->name, impl->alg, sizeof(impl->name));
		pr_info("aegisray: %s: the crypto API's choice, %s (%llu MB/s)\n",
			impl->alg, aegis_probe_driver(top),
			aegis_probe_mbps(top));
	} else if (top->tfm && alt->best_ns * 5 > top->best_ns * 4) {
		/* Less than 25% faster than the crypto API's choice: keep that. */
		strscpy(impl->name, impl->alg, sizeof(impl->name));
		pr_info("aegisray: %s: the crypto API's choice, %s (%llu MB/s; %s: %llu MB/s)\n",
			impl->alg, aegis_probe_driver(top),
			aegis_probe_mbps(top), aegis_probe_driver(alt),
			aegis_probe_mbps(alt));
	} else {
		strscpy(impl->name, aegis_probe_driver(alt),
			sizeof(impl->name));
		if (top->tfm)
			pr_info("aegisray: %s: %s (%llu MB/s), faster here than the crypto API's choice %s (%llu MB/s)\n",
				impl->alg, impl->name, aegis_probe_mbps(alt),
				aegis_probe_driver(top), aegis_probe_mbps(top));
		else
			pr_info("aegisray: %s: %s (%llu MB/s)\n", impl->alg,
				impl->name, aegis_probe_mbps(alt));
	}

	for (i = 0; i < AEGIS_IMPL_MAX; i++)
		aegis_probe_free(&probes[i]);
	kfree(buf);
	return 0;
}

/* NAME: it must be an implementation of impl->alg that works. */
static int aegis_impl_pin(struct aegis_impl *impl, const char *name)
{
	struct aegis_impl_probe probe;
	const char *alg;
	u8 *buf;
	int ret;

	lockdep_assert_held(&aegis_impl_lock);
	ret = aegis_probe_init(&probe, name);
	if (ret) {
		pr_err("aegisray: %s=%s: no usable implementation by that name (%pe)\n",
		       impl->param, name, ERR_PTR(ret));
		return -EINVAL;
	}
	alg = crypto_tfm_alg_name(crypto_aead_tfm(probe.tfm));
	if (strcmp(alg, impl->alg)) {
		pr_err("aegisray: %s=%s: that is %s, not %s\n", impl->param,
		       name, alg, impl->alg);
		ret = -EINVAL;
		goto out_free;
	}
	buf = kzalloc(AEGIS_IMPL_BUF, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = aegis_probe_round(&probe, buf);
	kfree(buf);
	if (ret) {
		pr_err("aegisray: %s=%s: %s failed its check (%pe)\n",
		       impl->param, name, aegis_probe_driver(&probe),
		       ERR_PTR(ret));
		ret = -EINVAL;
		goto out_free;
	}
	strscpy(impl->name, aegis_probe_driver(&probe), sizeof(impl->name));
	pr_info("aegisray: %s: %s (%llu MB/s), set by %s\n", impl->alg,
		impl->name, aegis_probe_mbps(&probe), impl->param);
out_free:
	aegis_probe_free(&probe);
	return ret;
}

static int aegis_impl_apply(struct aegis_impl *impl, const char *request)
{
	lockdep_assert_held(&aegis_impl_lock);
	if (!strcmp(request, "auto"))
		return aegis_impl_measure(impl);
	if (!strcmp(request, "priority")) {
		strscpy(impl->name, impl->alg, sizeof(impl->name));
		pr_info("aegisray: %s: the crypto API's choice when a key is made\n",
			impl->alg);
		return 0;
	}
	return aegis_impl_pin(impl, request);
}

static int aegis_impl_param_set(const char *val, const struct kernel_param *kp)
{
	struct aegis_impl *impl = kp->arg;
	char request[CRYPTO_MAX_ALG_NAME];
	size_t len = strcspn(val, "\n");
	int ret = 0;

	if (!len || len >= sizeof(request)) {
		pr_err("aegisray: %s: expected auto, priority or the name of an implementation of %s (under %zu characters)\n",
		       impl->param, impl->alg, sizeof(request));
		return -EINVAL;
	}
	memcpy(request, val, len);
	request[len] = '\0';

	mutex_lock(&aegis_impl_lock);
	if (aegis_impl_live)
		ret = aegis_impl_apply(impl, request);
	if (!ret)
		strscpy(impl->request, request, sizeof(impl->request));
	mutex_unlock(&aegis_impl_lock);
	return ret;
}

static int aegis_impl_param_get(char *buf, const struct kernel_param *kp)
{
	struct aegis_impl *impl = kp->arg;
	int ret;

	mutex_lock(&aegis_impl_lock);
	ret = scnprintf(buf, PAGE_SIZE, "%s\n",
			aegis_impl_live ? impl->name : impl->request);
	mutex_unlock(&aegis_impl_lock);
	return ret;
}

static const struct kernel_param_ops aegis_impl_param_ops = {
	.set = aegis_impl_param_set,
	.get = aegis_impl_param_get,
};

module_param_cb(gcm_impl, &aegis_impl_param_ops,
		&aegis_impls[AEGIS_CIPHER_AES_GCM], 0644);
MODULE_PARM_DESC(gcm_impl,
		 "AES-256-GCM implementation for new keys: auto (the fastest measured at load; default), priority (the crypto API's choice) or a driver name");
module_param_cb(chacha_impl, &aegis_impl_param_ops,
		&aegis_impls[AEGIS_CIPHER_CHACHA20POLY1305], 0644);
MODULE_PARM_DESC(chacha_impl,
		 "ChaCha20-Poly1305 implementation for new keys: auto (the fastest measured at load; default), priority (the crypto API's choice) or a driver name");

int aegis_impl_init(void)
{
	unsigned int c;
	int ret = 0;

	mutex_lock(&aegis_impl_lock);
	for (c = 0; c < ARRAY_SIZE(aegis_impls) && !ret; c++)
		if (aegis_impls[c].alg)
			ret = aegis_impl_apply(&aegis_impls[c],
					       aegis_impls[c].request);
	aegis_impl_live = !ret;
	mutex_unlock(&aegis_impl_lock);
	return ret;
}

int aegis_impl_name(u8 cipher, char *name, size_t size)
{
	if (cipher >= ARRAY_SIZE(aegis_impls) || !aegis_impls[cipher].alg)
		return -EINVAL;
	mutex_lock(&aegis_impl_lock);
	strscpy(name, aegis_impls[cipher].name, size);
	mutex_unlock(&aegis_impl_lock);
	return 0;
}
