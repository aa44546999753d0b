// SPDX-License-Identifier: MIT
/* Unit tests: userspace/agent/session/cookie.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "session/cookie.h"

#define SEC	1000000000ULL
#define MS	1000000ULL
#define T0	(1000 * SEC)

/* A fake INIT: only the bytes before mac2 and mac2 itself matter here. */
#define MSG_LEN		300
#define MAC2_OFF	(MSG_LEN - WIRE_MAC_LEN)

struct fake_init {
	uint8_t msg[MSG_LEN];
};

static struct sockaddr_storage v4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &in->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
	return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static void fake_init(struct fake_init *f, uint8_t seed)
{
	size_t i;

	for (i = 0; i < MSG_LEN; i++)
		f->msg[i] = (uint8_t)(seed * 31 + i);
	memset(f->msg + MAC2_OFF, 0, WIRE_MAC_LEN);
}

/* mac2 as wire.h defines it, computed here independently of the agent. */
static void set_mac2(struct fake_init *f, const uint8_t cookie[16])
{
	uint8_t mac[32];
	size_t len = 0;

	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, cookie,
				  WIRE_COOKIE_LEN, f->msg, MAC2_OFF, mac,
				  sizeof(mac), &len));
	assert_int_equal(len, 32);
	memcpy(f->msg + MAC2_OFF, mac, WIRE_MAC_LEN);
}

static enum cookie_verdict check(struct cookie_gate *g,
				 const struct sockaddr_storage *src,
				 const struct fake_init *f, uint64_t now)
{
	return cookie_gate_check(g, (const struct sockaddr *)src, f->msg,
				 MAC2_OFF,
				 f->msg + MAC2_OFF, now);
}

/* n initiations from n distinct addresses (no mac2): pushes the load. */
static void flood(struct cookie_gate *g, unsigned int n, uint64_t now)
{
	struct fake_init f;
	char ip[32];
	unsigned int i;

	fake_init(&f, 0);
	for (i = 0; i < n; i++) {
		struct sockaddr_storage s;

		snprintf(ip, sizeof(ip), "198.51.%u.%u", 100 + i / 250,
			 1 + i % 250);
		s = v4(ip, 4000);
		check(g, &s, &f, now);
	}
}

static int setup(void **state)
{
	struct cookie_gate *g = malloc(sizeof(*g));

	if (!g || cookie_gate_init(g, T0))
		return -1;
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	cookie_gate_wipe(*state);
	free(*state);
	return 0;
}

static void test_rate_limit(void **state)
{
	struct cookie_gate *g = *state;
	struct sockaddr_storage a = v4("192.0.2.1", 1000);
	struct sockaddr_storage a2 = v4("192.0.2.1", 2000);
	struct sockaddr_storage b = v4("192.0.2.2", 1000);
	struct fake_init f;
	unsigned int i;

	fake_init(&f, 1);
	for (i = 0; i < COOKIE_RATE_BURST; i++)
		assert_int_equal(check(g, &a, &f, T0), COOKIE_PASS);
	assert_int_equal(check(g, &a, &f, T0), COOKIE_DROP);
	/* Per address, not per port. */
	assert_int_equal(check(g, &a2, &f, T0), COOKIE_DROP);
	assert_int_equal(g->n_rate_limited, 2);
	/* Another source has its own bucket. */
	assert_int_equal(check(g, &b, &f, T0), COOKIE_PASS);

	/* 5 per second: one token after 200 ms, not before. */
	assert_int_equal(check(g, &a, &f, T0 + 150 * MS), COOKIE_DROP);
	assert_int_equal(check(g, &a, &f, T0 + 200 * MS), COOKIE_PASS);
	assert_int_equal(check(g, &a, &f, T0 + 200 * MS), COOKIE_DROP);
	assert_int_equal(check(g, &a, &f, T0 + 400 * MS), COOKIE_PASS);
	assert_int_equal(g->n_cookies_sent, 0);

	/* Long idle: the bucket refills to the burst, no more. */
	for (i = 0; i < COOKIE_RATE_BURST; i++)
		assert_int_equal(check(g, &a, &f, T0 + 60 * SEC), COOKIE_PASS);
	assert_int_equal(check(g, &a, &f, T0 + 60 * SEC), COOKIE_DROP);
}

/* Under load, COOKIE replies to one address are rate-limited too. */
static void test_reply_limit(void **state)
{
	struct cookie_gate *g = *state;
	struct sockaddr_storage a = v4("198.51.100.7", 4000);
	struct sockaddr_storage a2 = v4("198.51.100.7", 4001);
	struct sockaddr_storage b = v6("2001:db8::7", 4000);
	struct fake_init f;
	unsigned int i;

	fake_init(&f, 3);
	flood(g, COOKIE_LOAD_THRESHOLD, T0);
	for (i = 0; i < COOKIE_REPLY_BURST; i++)
		assert_int_equal(check(g, &a, &f, T0 + 10 * MS), COOKIE_SEND_COOKIE);
	assert_int_equal(check(g, &a, &f, T0 + 10 * MS), COOKIE_DROP);
	/* Per address, not per port. */
	assert_int_equal(check(g, &a2, &f, T0 + 10 * MS), COOKIE_DROP);
	assert_int_equal(g->n_cookies_sent, COOKIE_REPLY_BURST);
	assert_int_equal(g->n_rate_limited, 2);
	/* Another source still gets its cookie. */
	assert_int_equal(check(g, &b, &f, T0 + 10 * MS), COOKIE_SEND_COOKIE);
	/* 50 per second: one after 20 ms, not before. */
	assert_int_equal(check(g, &a, &f, T0 + 25 * MS), COOKIE_DROP);
	assert_int_equal(check(g, &a, &f, T0 + 30 * MS), COOKIE_SEND_COOKIE);
	assert_int_equal(check(g, &a, &f, T0 + 30 * MS), COOKIE_DROP);
	/* The handshake bucket is untouched: with a valid mac2, a passes. */
	{
		uint8_t cookie[WIRE_COOKIE_LEN];

		cookie_make(g, SA(a), T0 + 40 * MS, cookie);
		set_mac2(&f, cookie);
	}
	assert_int_equal(check(g, &a, &f, T0 + 40 * MS), COOKIE_PASS);
}

static void test_load_sends_cookie(void **state)
{
	struct cookie_gate *g = *state;
	struct sockaddr_storage x = v4("203.0.113.9", 5555);
	uint8_t cookie[WIRE_COOKIE_LEN];
	struct fake_init f;
	unsigned int i;

	fake_init(&f, 2);
	/* COOKIE_LOAD_THRESHOLD initiations in a second are not load yet. */
	flood(g, COOKIE_LOAD_THRESHOLD - 1, T0);
	assert_int_equal(check(g, &x, &f, T0 + 10 * MS), COOKIE_PASS);
	assert_int_equal(g->n_cookies_sent, 0);
	/* One more is. */
	assert_int_equal(check(g, &x, &f, T0 + 20 * MS), COOKIE_SEND_COOKIE);
	assert_int_equal(g->n_cookies_sent, 1);

	/* Cookie replies cost no handshake tokens: x has 9 left after its
	 * one PASS (they have their own bucket, test_reply_limit). */
	for (i = 0; i < 30; i++)
		assert_int_equal(check(g, &x, &f, T0 + 30 * MS),
				 COOKIE_SEND_COOKIE);
	assert_int_equal(g->n_rate_limited, 0);

	/* With a valid mac2 it passes, still through the bucket. */
	cookie_make(g, SA(x), T0 + 40 * MS, cookie);
	set_mac2(&f, cookie);
	for (i = 0; i < COOKIE_RATE_BURST - 1; i++)
		assert_int_equal(check(g, &x, &f, T0 + 40 * MS), COOKIE_PASS);
	assert_int_equal(check(g, &x, &f, T0 + 40 * MS), COOKIE_DROP);
	assert_int_equal(g->n_rate_limited, 1);

	/* A broken mac2 does not. */
	f.msg[MAC2_OFF] ^= 1;
	assert_int_equal(check(g, &x, &f, T0 + 50 * MS), COOKIE_SEND_COOKIE);
	/* Nor a valid mac2 over other bytes. */
	f.msg[MAC2_OFF] ^= 1;
	f.msg[5] ^= 1;
	assert_int_equal(check(g, &x, &f, T0 + 50 * MS), COOKIE_SEND_COOKIE);
	f.msg[5] ^= 1;
	/* NULL mac2 under load: a cookie. */
	assert_int_equal(cookie_gate_check(g, SA(x), f.msg, MAC2_OFF, NULL,
					   T0 + 50 * MS), COOKIE_SEND_COOKIE);

	/* Load over: three quiet seconds later no mac2 is needed. */
	fake_init(&f, 2);
	assert_int_equal(check(g, &x, &f, T0 + 3 * SEC), COOKIE_PASS);
}

/* The previous second still weighs in, in proportion. */
static void test_load_window(void **state)
{
	struct cookie_gate *g = *state;
	struct sockaddr_storage x = v4("203.0.113.10", 5555);
	struct fake_init f;

	fake_init(&f, 3);
	flood(g, 2 * COOKIE_LOAD_THRESHOLD, T0 + 900 * MS);
	/* 100 ms into the next second: 90% of 40 is still over 20. */
	assert_int_equal(check(g, &x, &f, T0 + 1100 * MS), COOKIE_SEND_COOKIE);
	/* 900 ms into it: 10% of 40, plus the one just counted. */
	assert_int_equal(check(g, &x, &f, T0 + 1900 * MS), COOKIE_PASS);
	/* After a gap of two seconds the history is gone. */
	flood(g, COOKIE_LOAD_THRESHOLD + 5, T0 + 2500 * MS);
	assert_int_equal(check(g, &x, &f, T0 + 5 * SEC), COOKIE_PASS);
}

static void test_mac2_other_source(void **state)
{
	struct cookie_gate *g = *state;
	struct sockaddr_storage a = v4("192.0.2.1", 1000);
	struct sockaddr_storage a_port = v4("192.0.2.1", 1001);
	struct sockaddr_storage b = v4("192.0.2.77", 1000);
	struct sockaddr_storage c = v6("2001:db8::1", 1000);
	uint8_t cookie[WIRE_COOKIE_LEN], other[WIRE_COOKIE_LEN];
	struct fake_init f;

	fake_init(&f, 4);
	cookie_make(g, SA(a), T0, cookie);
	cookie_make(g, SA(a_port), T0, other);
	assert_memory_not_equal(cookie, other, WIRE_COOKIE_LEN);
	cookie_make(g, SA(a), T0, other);
	assert_memory_equal(cookie, other, WIRE_COOKIE_LEN);
	set_mac2(&f, cookie);

	flood(g, COOKIE_LOAD_THRESHOLD, T0);
	assert_int_equal(check(g, &b, &f, T0), COOKIE_SEND_COOKIE);
	assert_int_equal(check(g, &a_port, &f, T0), COOKIE_SEND_COOKIE);
	assert_int_equal(check(g, &c, &f, T0), COOKIE_SEND_COOKIE);
	assert_int_equal(check(g, &a, &f, T0), COOKIE_PASS);

	/* IPv6 sources work the same way. */
	cookie_make(g, SA(c), T0, cookie);
	set_mac2(&f, cookie);
	assert_int_equal(check(g, &c, &f, T0), COOKIE_PASS);
	assert_int_equal(check(g, &a, &f, T0), COOKIE_SEND_COOKIE);
}

static void test_rotation(void **state)
{
	struct cookie_gate *g = *state;
	struct sockaddr_storage a = v4("192.0.2.1", 1000);
	uint8_t old[WIRE_COOKIE_LEN], now[WIRE_COOKIE_LEN];
	const uint64_t life = COOKIE_SECRET_LIFETIME * SEC;
	struct fake_init f;

	fake_init(&f, 5);
	cookie_make(g, SA(a), T0, old);
	set_mac2(&f, old);

	/* Still the current secret just before the lifetime ends. */
	cookie_make(g, SA(a), T0 + life - 1, now);
	assert_memory_equal(now, old, WIRE_COOKIE_LEN);

	/* Rotated: a new cookie, the old one still accepted. */
	flood(g, COOKIE_LOAD_THRESHOLD, T0 + life + SEC);
	assert_int_equal(check(g, &a, &f, T0 + life + SEC), COOKIE_PASS);
	cookie_make(g, SA(a), T0 + life + SEC, now);
	assert_memory_not_equal(now, old, WIRE_COOKIE_LEN);

	/* Rotated again: the first cookie is too old now. */
	flood(g, COOKIE_LOAD_THRESHOLD, T0 + 2 * life + 2 * SEC);
	assert_int_equal(check(g, &a, &f, T0 + 2 * life + 2 * SEC),
			 COOKIE_SEND_COOKIE);
	/* ... but the second one is fine. */
	set_mac2(&f, now);
	assert_int_equal(check(g, &a, &f, T0 + 2 * life + 2 * SEC),
			 COOKIE_PASS);

	/* A long silence replaces both secrets at once. */
	flood(g, COOKIE_LOAD_THRESHOLD, T0 + 10 * life);
	assert_int_equal(check(g, &a, &f, T0 + 10 * life), COOKIE_SEND_COOKIE);
}

static void test_reply(void **state)
{
	struct cookie_gate *g = *state;
	struct sockaddr_storage a = v6("2001:db8::5", 443);
	static const uint8_t scid[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	uint8_t mac1[WIRE_MAC_LEN], cookie[WIRE_COOKIE_LEN];
	struct wire_cookie m;
	struct wire_hdr h;
	struct wire_buf w;
	struct sockaddr bad;

	memset(mac1, 0xab, sizeof(mac1));
	assert_int_equal(cookie_build_reply(g, SA(a), 0x1234567890ULL, scid,
					    mac1, T0, &w), 0);
	assert_int_equal(wire_parse_hdr(w.data, w.len, &h), 0);
	assert_int_equal(h.msg, WIRE_MSG_COOKIE);
	assert_memory_equal(h.dcid, scid, 8);
	assert_int_equal(wire_parse_cookie(w.data, w.len, &m), 0);
	assert_int_equal(m.receiver_index, 0x1234567890ULL);
	assert_memory_equal(m.echo, mac1, WIRE_MAC_LEN);
	cookie_make(g, SA(a), T0, cookie);
	assert_memory_equal(m.cookie, cookie, WIRE_COOKIE_LEN);

	memset(&bad, 0, sizeof(bad));
	bad.sa_family = AF_UNIX;
	assert_int_equal(cookie_build_reply(g, &bad, 1, scid, mac1, T0, &w),
			 -EINVAL);
	/* A source the gate cannot key on is dropped. */
	assert_int_equal(cookie_gate_check(g, &bad, NULL, 0, NULL, T0),
			 COOKIE_DROP);
}

/* A dual-stack socket's view of an IPv4 host shares its bucket. */
static void test_v4_mapped(void **state)
{
	struct cookie_gate *g = *state;
	struct sockaddr_storage a = v4("192.0.2.33", 1000);
	struct sockaddr_storage m = v6("::ffff:192.0.2.33", 1000);
	uint8_t c1[WIRE_COOKIE_LEN], c2[WIRE_COOKIE_LEN];
	struct fake_init f;
	unsigned int i;

	fake_init(&f, 6);
	for (i = 0; i < COOKIE_RATE_BURST; i++)
		assert_int_equal(check(g, &a, &f, T0), COOKIE_PASS);
	assert_int_equal(check(g, &m, &f, T0), COOKIE_DROP);
	cookie_make(g, SA(a), T0, c1);
	cookie_make(g, SA(m), T0, c2);
	assert_memory_equal(c1, c2, WIRE_COOKIE_LEN);
}

static int bucket_of(const struct cookie_gate *g, const uint8_t *addr4)
{
	int i;

	for (i = 0; i < COOKIE_BUCKETS; i++)
		if (g->buckets[i].family == AF_INET &&
		    !memcmp(g->buckets[i].addr, addr4, 4))
			return i;
	return -1;
}

/* A second address in an occupied bucket takes it over, with a full burst. */
static void test_bucket_collision(void **state)
{
	struct cookie_gate *g = *state;
	struct cookie_gate *scratch = malloc(sizeof(*scratch));
	struct sockaddr_storage a = v4("10.0.0.1", 1000), b;
	uint8_t addr_a[4] = { 10, 0, 0, 1 };
	struct fake_init f;
	unsigned int i;
	int idx, found = 0;
	char ip[32];

	assert_non_null(scratch);
	fake_init(&f, 7);
	for (i = 0; i < COOKIE_RATE_BURST; i++)
		assert_int_equal(check(g, &a, &f, T0), COOKIE_PASS);
	assert_int_equal(check(g, &a, &f, T0), COOKIE_DROP);
	idx = bucket_of(g, addr_a);
	assert_true(idx >= 0);

	/* Find an address that hashes to the same bucket. */
	for (i = 2; i < 65536 && !found; i++) {
		snprintf(ip, sizeof(ip), "10.0.%u.%u", i >> 8, i & 255);
		b = v4(ip, 1000);
		memcpy(scratch, g, sizeof(*g));
		check(scratch, &b, &f, T0);
		found = bucket_of(scratch, addr_a) < 0;
	}
	free(scratch);
	assert_true(found);

	/* The two take turns with the bucket, each starting full. */
	assert_int_equal(check(g, &b, &f, T0 + 1 * MS), COOKIE_PASS);
	assert_int_equal(bucket_of(g, addr_a), -1);
	assert_int_equal(check(g, &a, &f, T0 + 2 * MS), COOKIE_PASS);
	assert_int_equal(bucket_of(g, addr_a), idx);
}

static void test_wipe(void **state)
{
	struct cookie_gate *g = *state;
	static const uint8_t zero[32];

	cookie_gate_wipe(g);
	assert_memory_equal(g->secret, zero, 32);
	assert_memory_equal(g->prev_secret, zero, 32);
	assert_int_equal(cookie_gate_init(g, T0), 0);
	assert_memory_not_equal(g->secret, zero, 32);
	assert_memory_not_equal(g->secret, g->prev_secret, 32);
}

#define TEST(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_rate_limit),
		TEST(test_load_sends_cookie),
		TEST(test_reply_limit),
		TEST(test_load_window),
		TEST(test_mac2_other_source),
		TEST(test_rotation),
		TEST(test_reply),
		TEST(test_v4_mapped),
		TEST(test_bucket_collision),
		TEST(test_wipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
