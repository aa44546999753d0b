/* SPDX-License-Identifier: MIT */
/*
 * Denial-of-service gate for initiations, run before any RSA operation:
 *
 *   - a per-source token bucket (address, not port): RATE_PER_SEC with a
 *     burst of RATE_BURST; over it, the INIT is dropped;
 *   - "under load" when more than LOAD_THRESHOLD initiations arrived in
 *     the last second: then an INIT must carry a valid mac2, i.e. prove it
 *     can receive at its source address. Without it, the responder answers
 *     with a stateless COOKIE (cheap: one HMAC) and does nothing else.
 *
 * cookie = HMAC-SHA256(secret, source address || port)[0..16], the secret
 * being random and replaced every COOKIE_SECRET_LIFETIME seconds (the
 * previous one is still accepted).
 *
 * Buckets are chosen by a hash keyed with the current secret, so that no
 * sender can aim at another's bucket; an address landing in a bucket held
 * by another takes it over with a full burst (buckets move on rotation,
 * which costs at most one extra burst per lifetime). IPv4-mapped IPv6
 * sources count as the IPv4 address. Every initiation counts towards the
 * load, whatever the verdict.
 */
#ifndef AGENT_COOKIE_H
#define AGENT_COOKIE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wire/wire.h"

#define COOKIE_RATE_PER_SEC	5
#define COOKIE_RATE_BURST	10
/* COOKIE replies per source: a flood from one address costs a hash each,
 * not a reply each, and the responder is no reflector. */
#define COOKIE_REPLY_PER_SEC	50
#define COOKIE_REPLY_BURST	100
#define COOKIE_LOAD_THRESHOLD	20
#define COOKIE_SECRET_LIFETIME	120
#define COOKIE_BUCKETS		1024

struct cookie_bucket {
	uint8_t addr[16];
	int family;
	double tokens;
	uint64_t last_ns;
	double reply_tokens;
	uint64_t reply_last_ns;
};

struct cookie_gate {
	uint8_t secret[32];
	uint8_t prev_secret[32];
	uint64_t secret_born_ns;
	/* initiations seen in the current and the previous second */
	uint64_t window_start_ns;
	unsigned int window_count;
	unsigned int prev_count;
	struct cookie_bucket buckets[COOKIE_BUCKETS];
	/* what it decided, for status */
	uint64_t n_rate_limited;
	uint64_t n_cookies_sent;
};

enum cookie_verdict {
	COOKIE_PASS,		/* go on with the RSA work */
	COOKIE_SEND_COOKIE,	/* under load and no valid mac2: reply COOKIE */
	COOKIE_DROP,		/* rate-limited */
};

int cookie_gate_init(struct cookie_gate *g, uint64_t now_ns);
void cookie_gate_wipe(struct cookie_gate *g);

/* The cookie for a source (current secret). */
void cookie_make(struct cookie_gate *g, const struct sockaddr *src,
		 uint64_t now_ns, uint8_t cookie[WIRE_COOKIE_LEN]);

/*
 * Decide about one INIT from src (mac1 already checked). msg/mac2_off/mac2
 * are the INIT and its mac2 field. Under load without a valid mac2:
 * COOKIE_SEND_COOKIE while the source's reply bucket has a token
 * (COOKIE_REPLY_PER_SEC), else COOKIE_DROP; otherwise the source's token
 * bucket decides, valid mac2 or not. A source that is neither IPv4 nor
 * IPv6: COOKIE_DROP.
 */
enum cookie_verdict cookie_gate_check(struct cookie_gate *g,
				      const struct sockaddr *src,
				      const uint8_t *msg, size_t mac2_off,
				      const uint8_t *mac2, uint64_t now_ns);

/* Build the COOKIE reply for an INIT (its sender index, its mac1); the
 * DCID is the INIT's SCID. 0, -EINVAL (unusable src) or -EMSGSIZE. */
int cookie_build_reply(struct cookie_gate *g, const struct sockaddr *src,
		       uint64_t sender_index, const uint8_t *init_scid,
		       const uint8_t *init_mac1, uint64_t now_ns,
		       struct wire_buf *out);

#endif /* AGENT_COOKIE_H */
