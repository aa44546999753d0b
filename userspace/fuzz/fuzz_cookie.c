// SPDX-License-Identifier: MIT
/*
 * Fuzzes the DoS gate of session/cookie.c: a fresh gate per input, driven
 * by a program of operations taken from the input (harness.h reader):
 *
 *   0 CLOCK   move the clock by a signed amount (also backwards)
 *   1 CHECK   cookie_gate_check() for a source with a message and a mac2
 *             that is zero, from the input, or made with the source's
 *             current cookie (as an initiator that got a COOKIE would)
 *   2 REPLY   cookie_build_reply() for a source, then parse the COOKIE
 *   3 FLOOD   up to 63 CHECKs from one source (load, buckets running dry)
 *   4 MAKE    cookie_make() for a source and its v4-mapped twin
 *   5 OLD     remember a source's cookie now, CHECK with it later
 *
 * Sources: IPv4, IPv6, IPv4-mapped IPv6 and an AF_UNIX address, with an
 * address and port from the input.
 *
 * Checks: counters move as the verdicts say; an unusable source is
 * dropped and gets no COOKIE; a valid mac2 is never answered with a
 * COOKIE; the same source at the same time gets the same cookie, and an
 * IPv4 source and its v4-mapped form get the same; a COOKIE reply parses,
 * echoes the INIT's SCID, sender index and mac1 and carries the cookie
 * that cookie_make() gives.
 */
#include <errno.h>
#include <string.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <openssl/evp.h>

#include "harness.h"
#include "session/cookie.h"
#include "wire/wire.h"

static struct cookie_gate gate;

struct src {
	struct sockaddr_storage ss;
	socklen_t len;
	bool usable;
};

static void make_src(struct fuzz_in *in, struct src *s)
{
	uint8_t kind = fuzz_u8(in);
	uint8_t addr[16];
	uint16_t port = fuzz_u16(in);

	memset(s, 0, sizeof(*s));
	/* A handful of addresses, so that sources meet again. */
	memset(addr, 0, sizeof(addr));
	addr[0] = (uint8_t)(kind >> 2);
	addr[15] = (uint8_t)(kind >> 5);
	s->usable = true;
	switch (kind & 3) {
	case 0: {
		struct sockaddr_in *in4 = (struct sockaddr_in *)&s->ss;

		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		memcpy(&in4->sin_addr, addr, 4);
		s->len = sizeof(*in4);
		break;
	}
	case 1:
	case 2: {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&s->ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		if ((kind & 3) == 2) {
			in6->sin6_addr.s6_addr[10] = 0xff;
			in6->sin6_addr.s6_addr[11] = 0xff;
			memcpy(&in6->sin6_addr.s6_addr[12], addr, 4);
		} else {
			memcpy(&in6->sin6_addr, addr, 16);
		}
		s->len = sizeof(*in6);
		break;
	}
	default: {
		struct sockaddr_un *un = (struct sockaddr_un *)&s->ss;

		un->sun_family = AF_UNIX;
		s->len = sizeof(*un);
		s->usable = false;
		break;
	}
	}
}

/* mac2 = HMAC-SHA256(cookie, msg[0, len))[0..16], as an initiator does. */
static void mac2_with(const uint8_t *cookie, const uint8_t *msg, size_t len,
		      uint8_t *mac2)
{
	uint8_t mac[32];
	size_t maclen = 0;

	FUZZ_CHECK(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, cookie,
			     WIRE_COOKIE_LEN, msg, len, mac, sizeof(mac),
			     &maclen));
	memcpy(mac2, mac, WIRE_MAC_LEN);
}

static enum cookie_verdict check(const struct src *s, const uint8_t *msg,
				 size_t mac2_off, const uint8_t *mac2,
				 uint64_t now, bool valid_mac2)
{
	uint64_t limited = gate.n_rate_limited, sent = gate.n_cookies_sent;
	enum cookie_verdict v;

	v = cookie_gate_check(&gate, (const struct sockaddr *)&s->ss, msg,
			      mac2_off, mac2, now);
	switch (v) {
	case COOKIE_PASS:
		FUZZ_CHECK(gate.n_rate_limited == limited &&
			   gate.n_cookies_sent == sent);
		break;
	case COOKIE_SEND_COOKIE:
		FUZZ_CHECK(gate.n_rate_limited == limited &&
			   gate.n_cookies_sent == sent + 1);
		FUZZ_CHECK(!valid_mac2);
		break;
	case COOKIE_DROP:
		FUZZ_CHECK(gate.n_rate_limited == limited + 1 &&
			   gate.n_cookies_sent == sent);
		break;
	default:
		FUZZ_CHECK(!"verdict out of range");
	}
	if (!s->usable)
		FUZZ_CHECK(v == COOKIE_DROP);
	return v;
}

static void op_check(struct fuzz_in *in, const struct src *s, uint64_t now)
{
	uint8_t msg[256], mac2[WIRE_MAC_LEN], cookie[WIRE_COOKIE_LEN];
	uint8_t mode = fuzz_u8(in), len = fuzz_u8(in);
	bool valid = false;

	fuzz_copy(in, msg, len);
	switch (mode % 3) {
	case 0:
		memset(mac2, 0, sizeof(mac2));
		break;
	case 1:
		fuzz_copy(in, mac2, sizeof(mac2));
		break;
	default:
		cookie_make(&gate, (const struct sockaddr *)&s->ss, now, cookie);
		mac2_with(cookie, msg, len, mac2);
		valid = s->usable;
		break;
	}
	check(s, msg, len, mac2, now, valid);
}

static void op_reply(struct fuzz_in *in, const struct src *s, uint64_t now)
{
	uint8_t scid[WIRE_CID_LEN], mac1[WIRE_MAC_LEN], want[WIRE_COOKIE_LEN];
	uint64_t index = fuzz_u64(in);
	struct wire_cookie m;
	struct wire_buf w;
	struct wire_hdr h;
	int ret;

	fuzz_copy(in, scid, sizeof(scid));
	fuzz_copy(in, mac1, sizeof(mac1));
	ret = cookie_build_reply(&gate, (const struct sockaddr *)&s->ss, index,
				 scid, mac1, now, &w);
	if (!s->usable) {
		FUZZ_CHECK(ret == -EINVAL);
		return;
	}
	FUZZ_CHECK(ret == 0);
	FUZZ_CHECK(!wire_parse_hdr(w.data, w.len, &h) &&
		   h.msg == WIRE_MSG_COOKIE);
	FUZZ_CHECK(!memcmp(h.dcid, scid, sizeof(scid)));
	FUZZ_CHECK(!wire_parse_cookie(w.data, w.len, &m));
	FUZZ_CHECK(m.receiver_index == index);
	FUZZ_CHECK(!memcmp(m.echo, mac1, sizeof(mac1)));
	cookie_make(&gate, (const struct sockaddr *)&s->ss, now, want);
	FUZZ_CHECK(!memcmp(m.cookie, want, sizeof(want)));
}

/* The v4-mapped twin of an IPv4 source, or the IPv4 one of a mapped. */
static bool twin(const struct src *s, struct src *t)
{
	memset(t, 0, sizeof(*t));
	t->usable = true;
	if (s->ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&s->ss;
		struct sockaddr_in6 *b = (struct sockaddr_in6 *)&t->ss;

		b->sin6_family = AF_INET6;
		b->sin6_port = a->sin_port;
		b->sin6_addr.s6_addr[10] = 0xff;
		b->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&b->sin6_addr.s6_addr[12], &a->sin_addr, 4);
		t->len = sizeof(*b);
		return true;
	}
	if (s->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&s->ss;
		struct sockaddr_in *b = (struct sockaddr_in *)&t->ss;

		if (!IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
			return false;
		b->sin_family = AF_INET;
		b->sin_port = a->sin6_port;
		memcpy(&b->sin_addr, &a->sin6_addr.s6_addr[12], 4);
		t->len = sizeof(*b);
		return true;
	}
	return false;
}

static void op_make(const struct src *s, uint64_t now)
{
	uint8_t c1[WIRE_COOKIE_LEN], c2[WIRE_COOKIE_LEN];
	struct src t;

	cookie_make(&gate, (const struct sockaddr *)&s->ss, now, c1);
	cookie_make(&gate, (const struct sockaddr *)&s->ss, now, c2);
	FUZZ_CHECK(!memcmp(c1, c2, sizeof(c1)));
	if (twin(s, &t)) {
		cookie_make(&gate, (const struct sockaddr *)&t.ss, now, c2);
		FUZZ_CHECK(!memcmp(c1, c2, sizeof(c1)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t old_cookie[WIRE_COOKIE_LEN];
	struct src old_src, s;
	bool have_old = false;
	uint64_t now = 1000000000ULL * 1000000;
	struct fuzz_in in;
	unsigned int ops = 0;

	fuzz_in_init(&in, data, size);
	FUZZ_CHECK(!cookie_gate_init(&gate, now));
	while (in.n && ops++ < 64) {
		uint8_t op = fuzz_u8(&in);

		switch (op % 6) {
		case 0: {
			/* Up to ~4295 s ahead (ns units of 1 us), or back. */
			uint32_t d = fuzz_u32(&in);

			if (op & 0x80)
				now -= (uint64_t)(d >> 8) * 1000;
			else
				now += (uint64_t)d * 1000;
			break;
		}
		case 1:
			make_src(&in, &s);
			op_check(&in, &s, now);
			break;
		case 2:
			make_src(&in, &s);
			op_reply(&in, &s, now);
			break;
		case 3: {
			uint8_t n = fuzz_u8(&in) & 63, i;
			uint8_t zero[WIRE_MAC_LEN] = { 0 };

			make_src(&in, &s);
			for (i = 0; i < n; i++)
				check(&s, zero, 0, zero, now, false);
			break;
		}
		case 4:
			make_src(&in, &s);
			op_make(&s, now);
			break;
		default:
			if (!have_old || (op & 0x80)) {
				make_src(&in, &old_src);
				cookie_make(&gate,
					    (const struct sockaddr *)&old_src.ss,
					    now, old_cookie);
				have_old = true;
			} else {
				uint8_t msg[32], mac2[WIRE_MAC_LEN];

				fuzz_copy(&in, msg, sizeof(msg));
				mac2_with(old_cookie, msg, sizeof(msg), mac2);
				check(&old_src, msg, sizeof(msg), mac2, now,
				      false);
			}
			break;
		}
	}
	cookie_gate_wipe(&gate);
	return 0;
}
