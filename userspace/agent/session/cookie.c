// SPDX-License-Identifier: MIT
/*
 * DoS gate for initiations (cookie.h): per-source token buckets, load
 * detection and stateless cookies.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "session/cookie.h"
#include "session/hs.h"

#define NS_PER_SEC		1000000000ULL
#define SECRET_LIFETIME_NS	((uint64_t)COOKIE_SECRET_LIFETIME * NS_PER_SEC)

static const char bucket_label[] = "aegisray bucket";

/* A source reduced to what the gate keys on. */
struct source {
	int family;		/* AF_INET, AF_INET6, or 0 if unusable */
	uint8_t addr[16];	/* 4 or 16 bytes used */
	uint8_t port[2];	/* network order */
};

static size_t source_addr_len(const struct source *s)
{
	return s->family == AF_INET ? 4 : s->family == AF_INET6 ? 16 : 0;
}

/*
 * IPv4-mapped IPv6 sources (dual-stack socket) count as the IPv4 host, so
 * that one host has one bucket whichever socket family saw it.
 */
static void source_from(const struct sockaddr *sa, struct source *s)
{
	memset(s, 0, sizeof(*s));
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		s->family = AF_INET;
		memcpy(s->addr, &in->sin_addr, 4);
		memcpy(s->port, &in->sin_port, 2);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6;

		in6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			s->family = AF_INET;
			memcpy(s->addr, in6->sin6_addr.s6_addr + 12, 4);
		} else {
			s->family = AF_INET6;
			memcpy(s->addr, &in6->sin6_addr, 16);
		}
		memcpy(s->port, &in6->sin6_port, 2);
	}
}

/* HMAC-SHA256 of two parts, full 32 bytes. 0 or -EIO. */
static int hmac2(const uint8_t key[32], const void *a, size_t alen,
		 const void *b, size_t blen, uint8_t out[32])
{
	uint8_t buf[64];

	if (alen + blen > sizeof(buf))
		return -EINVAL;
	memcpy(buf, a, alen);
	memcpy(buf + alen, b, blen);
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, 32, buf,
		       alen + blen, out, 32, NULL)) {
		OPENSSL_cleanse(out, 32);
		return -EIO;
	}
	return 0;
}

static void cookie_with(const uint8_t secret[32], const struct source *s,
			uint8_t cookie[WIRE_COOKIE_LEN])
{
	uint8_t mac[32];

	if (hmac2(secret, s->addr, source_addr_len(s), s->port,
		  sizeof(s->port), mac))
		memset(mac, 0, sizeof(mac));	/* never matches a real mac2 */
	memcpy(cookie, mac, WIRE_COOKIE_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
}

/*
 * Replace the secret once it is COOKIE_SECRET_LIFETIME old, keeping the
 * previous one; after two lifetimes without a call both are replaced, so
 * that a cookie is never accepted for more than two lifetimes. If the
 * random generator fails the secrets are kept and retried next time.
 */
static void rotate(struct cookie_gate *g, uint64_t now_ns)
{
	uint8_t fresh[2][32];
	uint64_t age;

	if (now_ns < g->secret_born_ns)		/* clock went backwards */
		g->secret_born_ns = now_ns;
	age = now_ns - g->secret_born_ns;
	if (age < SECRET_LIFETIME_NS)
		return;
	if (RAND_bytes((uint8_t *)fresh, sizeof(fresh)) != 1) {
		OPENSSL_cleanse(fresh, sizeof(fresh));
		return;
	}
	if (age < 2 * SECRET_LIFETIME_NS)
		memcpy(g->prev_secret, g->secret, sizeof(g->secret));
	else
		memcpy(g->prev_secret, fresh[1], sizeof(g->prev_secret));
	memcpy(g->secret, fresh[0], sizeof(g->secret));
	g->secret_born_ns = now_ns;
	OPENSSL_cleanse(fresh, sizeof(fresh));
}

int cookie_gate_init(struct cookie_gate *g, uint64_t now_ns)
{
	memset(g, 0, sizeof(*g));
	/* The previous secret is random too: nothing is accepted with it. */
	if (RAND_bytes(g->secret, sizeof(g->secret)) != 1 ||
	    RAND_bytes(g->prev_secret, sizeof(g->prev_secret)) != 1) {
		OPENSSL_cleanse(g, sizeof(*g));
		return -EIO;
	}
	g->secret_born_ns = now_ns;
	g->window_start_ns = now_ns;
	return 0;
}

void cookie_gate_wipe(struct cookie_gate *g)
{
	OPENSSL_cleanse(g, sizeof(*g));
}

void cookie_make(struct cookie_gate *g, const struct sockaddr *src,
		 uint64_t now_ns, uint8_t cookie[WIRE_COOKIE_LEN])
{
	struct source s;

	rotate(g, now_ns);
	source_from(src, &s);
	cookie_with(g->secret, &s, cookie);
}

/*
 * Count one initiation and tell whether more than COOKIE_LOAD_THRESHOLD
 * arrived in the last second. The estimate slides: the previous second's
 * count weighs by how much of it still lies within the last second.
 */
static bool count_and_check_load(struct cookie_gate *g, uint64_t now_ns)
{
	uint64_t elapsed;
	double est;

	if (now_ns < g->window_start_ns)
		g->window_start_ns = now_ns;
	elapsed = now_ns - g->window_start_ns;
	if (elapsed >= NS_PER_SEC) {
		g->prev_count = elapsed < 2 * NS_PER_SEC ? g->window_count : 0;
		g->window_count = 0;
		/* Stay aligned to whole seconds while traffic is steady. */
		g->window_start_ns = elapsed < 2 * NS_PER_SEC ?
			g->window_start_ns + NS_PER_SEC : now_ns;
		elapsed = now_ns - g->window_start_ns;
	}
	if (g->window_count < UINT32_MAX)
		g->window_count++;

	est = (double)g->prev_count * (double)(NS_PER_SEC - elapsed) /
	      (double)NS_PER_SEC + (double)g->window_count;
	return est > COOKIE_LOAD_THRESHOLD;
}

/* The bucket of a source: keyed with the secret so that nobody can aim at
 * one. A bucket held by another address is taken over, full. */
static struct cookie_bucket *bucket_for(struct cookie_gate *g,
					const struct source *s,
					uint64_t now_ns)
{
	struct cookie_bucket *b;
	uint8_t in[1 + 16], h[32];
	uint32_t idx;

	in[0] = (uint8_t)s->family;
	memcpy(in + 1, s->addr, 16);
	if (hmac2(g->secret, bucket_label, sizeof(bucket_label) - 1, in,
		  sizeof(in), h))
		return NULL;
	idx = ((uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	       (uint32_t)h[2] << 8 | h[3]) % COOKIE_BUCKETS;
	b = &g->buckets[idx];
	if (b->family != s->family || memcmp(b->addr, s->addr, 16)) {
		b->family = s->family;
		memcpy(b->addr, s->addr, 16);
		b->tokens = COOKIE_RATE_BURST;
		b->last_ns = now_ns;
		b->reply_tokens = COOKIE_REPLY_BURST;
		b->reply_last_ns = now_ns;
	}
	return b;
}

/* One token from a bucket refilled at @rate per second up to @burst. */
static bool take_token(double *tokens, uint64_t *last_ns, double rate,
		       double burst, uint64_t now_ns)
{
	if (now_ns > *last_ns) {
		*tokens += (double)(now_ns - *last_ns) * rate /
			   (double)NS_PER_SEC;
		if (*tokens > burst)
			*tokens = burst;
	}
	*last_ns = now_ns;
	if (*tokens < 1.0)
		return false;
	*tokens -= 1.0;
	return true;
}

static bool mac2_valid(const struct cookie_gate *g, const struct source *s,
		       const uint8_t *msg, size_t mac2_off,
		       const uint8_t *mac2)
{
	uint8_t cookie[WIRE_COOKIE_LEN];
	bool ok;

	if (!msg || !mac2)
		return false;
	cookie_with(g->secret, s, cookie);
	ok = hs_mac2_ok(cookie, msg, mac2_off, mac2);
	if (!ok) {
		cookie_with(g->prev_secret, s, cookie);
		ok = hs_mac2_ok(cookie, msg, mac2_off, mac2);
	}
	OPENSSL_cleanse(cookie, sizeof(cookie));
	return ok;
}

enum cookie_verdict cookie_gate_check(struct cookie_gate *g,
				      const struct sockaddr *src,
				      const uint8_t *msg, size_t mac2_off,
				      const uint8_t *mac2, uint64_t now_ns)
{
	struct cookie_bucket *b;
	struct source s;
	bool loaded;

	rotate(g, now_ns);
	source_from(src, &s);
	loaded = count_and_check_load(g, now_ns);
	if (!s.family) {
		g->n_rate_limited++;
		return COOKIE_DROP;
	}
	b = bucket_for(g, &s, now_ns);
	if (loaded && !mac2_valid(g, &s, msg, mac2_off, mac2)) {
		if (!b || !take_token(&b->reply_tokens, &b->reply_last_ns,
				      COOKIE_REPLY_PER_SEC, COOKIE_REPLY_BURST,
				      now_ns)) {
			g->n_rate_limited++;
			return COOKIE_DROP;
		}
		g->n_cookies_sent++;
		return COOKIE_SEND_COOKIE;
	}
	if (!b || !take_token(&b->tokens, &b->last_ns, COOKIE_RATE_PER_SEC,
			      COOKIE_RATE_BURST, now_ns)) {
		g->n_rate_limited++;
		return COOKIE_DROP;
	}
	return COOKIE_PASS;
}

int cookie_build_reply(struct cookie_gate *g, const struct sockaddr *src,
		       uint64_t sender_index, const uint8_t *init_scid,
		       const uint8_t *init_mac1, uint64_t now_ns,
		       struct wire_buf *out)
{
	uint8_t cookie[WIRE_COOKIE_LEN];
	struct source s;
	int ret;

	source_from(src, &s);
	if (!s.family || !init_scid || !init_mac1)
		return -EINVAL;
	cookie_make(g, src, now_ns, cookie);
	/* DCID echoes the INIT's SCID; our SCID is random (no state kept). */
	wire_begin(out, WIRE_MSG_COOKIE, init_scid, NULL);
	wire_put_u64(out, sender_index);
	wire_put_bytes(out, init_mac1, WIRE_MAC_LEN);
	wire_put_bytes(out, cookie, WIRE_COOKIE_LEN);
	ret = wire_finish(out);
	OPENSSL_cleanse(cookie, sizeof(cookie));
	return ret;
}
