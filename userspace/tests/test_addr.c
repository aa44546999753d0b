// SPDX-License-Identifier: MIT
/* Unit tests: userspace/agent/transport/addr.c (v4-mapped socket addresses). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "transport/addr.h"

static struct sockaddr_in v4(const char *ip, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}

static void test_mapped_round_trip(void **state)
{
	struct sockaddr_in s4 = v4("192.0.2.7", 443);
	struct sockaddr_storage ss;
	struct aegis_udp_endpoint ep;
	char buf[AEGIS_ENDPOINT_STRSIZE];
	socklen_t len;

	(void)state;
	addr_to_socket((struct sockaddr *)&s4, &ss, &len);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_true(IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&ss)->sin6_addr));
	/* Back to plain IPv4 for the kernel and for humans. */
	assert_int_equal(addr_to_endpoint((struct sockaddr *)&ss, &ep), 0);
	assert_int_equal(ep.addr.family, AF_INET);
	assert_int_equal(ep.port, 443);
	assert_string_equal(addr_str((struct sockaddr *)&ss, buf, sizeof(buf)),
			    "192.0.2.7:443");
	assert_true(addr_equal((struct sockaddr *)&ss, (struct sockaddr *)&s4));
}

static void test_v6_and_inequality(void **state)
{
	struct sockaddr_in6 a, b;
	struct sockaddr_in c = v4("192.0.2.7", 443), d = v4("192.0.2.7", 444);
	char buf[AEGIS_ENDPOINT_STRSIZE];

	(void)state;
	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	a.sin6_port = htons(5000);
	inet_pton(AF_INET6, "2001:db8::1", &a.sin6_addr);
	b = a;
	assert_true(addr_equal((struct sockaddr *)&a, (struct sockaddr *)&b));
	b.sin6_port = htons(5001);
	assert_false(addr_equal((struct sockaddr *)&a, (struct sockaddr *)&b));
	assert_false(addr_equal((struct sockaddr *)&a, (struct sockaddr *)&c));
	assert_false(addr_equal((struct sockaddr *)&c, (struct sockaddr *)&d));
	assert_string_equal(addr_str((struct sockaddr *)&a, buf, sizeof(buf)),
			    "[2001:db8::1]:5000");
}

static void test_unsupported_family(void **state)
{
	struct sockaddr sa = { .sa_family = AF_UNIX };
	struct aegis_udp_endpoint ep;
	char buf[AEGIS_ENDPOINT_STRSIZE];

	(void)state;
	assert_int_equal(addr_to_endpoint(&sa, &ep), -EAFNOSUPPORT);
	assert_string_equal(addr_str(&sa, buf, sizeof(buf)), "?");
}

static void test_resolve_numeric(void **state)
{
	struct sockaddr_storage ss;
	struct aegis_udp_endpoint ep;
	char err[128] = "";
	socklen_t len;

	(void)state;
	assert_int_equal(addr_resolve("10.1.2.3", 5101, &ss, &len, err,
				      sizeof(err)), 0);
	assert_int_equal(addr_to_endpoint((struct sockaddr *)&ss, &ep), 0);
	assert_int_equal(ep.addr.family, AF_INET);
	assert_int_equal(ep.port, 5101);
	assert_int_equal(addr_resolve("fd00::5", 7, &ss, &len, err,
				      sizeof(err)), 0);
	assert_int_equal(addr_to_endpoint((struct sockaddr *)&ss, &ep), 0);
	assert_int_equal(ep.addr.family, AF_INET6);
	assert_int_not_equal(addr_resolve("no such host.invalid", 1, &ss, &len,
					  err, sizeof(err)), 0);
	assert_non_null(strstr(err, "cannot resolve"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mapped_round_trip),
		cmocka_unit_test(test_v6_and_inequality),
		cmocka_unit_test(test_unsupported_family),
		cmocka_unit_test(test_resolve_numeric),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
