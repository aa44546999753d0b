// SPDX-License-Identifier: MIT
/* Unit tests: userspace/common/netaddr.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "netaddr.h"

/* Parse s as a prefix and format it back. */
static void roundtrip_prefix(const char *s, const char *want, int family,
			     unsigned int len)
{
	struct aegis_prefix p;
	char err[200] = "";
	char buf[AEGIS_PREFIX_STRSIZE];

	assert_int_equal(aegis_prefix_parse(s, &p, err, sizeof(err)), 0);
	assert_int_equal(p.addr.family, family);
	assert_int_equal(p.len, len);
	assert_int_equal(aegis_prefix_format(&p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_prefix_valid(void **state)
{
	(void)state;
	roundtrip_prefix("10.0.0.0/24", "10.0.0.0/24", AF_INET, 24);
	roundtrip_prefix("0.0.0.0/0", "0.0.0.0/0", AF_INET, 0);
	roundtrip_prefix("192.0.2.1/32", "192.0.2.1/32", AF_INET, 32);
	roundtrip_prefix("192.0.2.1", "192.0.2.1/32", AF_INET, 32);
	roundtrip_prefix("10.128.0.0/9", "10.128.0.0/9", AF_INET, 9);
	roundtrip_prefix("fd00::/64", "fd00::/64", AF_INET6, 64);
	roundtrip_prefix("FD00:0:0:0::/64", "fd00::/64", AF_INET6, 64);
	roundtrip_prefix("::/0", "::/0", AF_INET6, 0);
	roundtrip_prefix("2001:db8::1", "2001:db8::1/128", AF_INET6, 128);
	roundtrip_prefix("2001:db8::1/128", "2001:db8::1/128", AF_INET6, 128);
	roundtrip_prefix("::ffff:10.0.0.0/120", "::ffff:10.0.0.0/120", AF_INET6, 120);
}

static void test_prefix_malformed(void **state)
{
	static const char *const bad[] = {
		"", "/24", "10.0.0.0/", "10.0.0/24", "10.0.0.0/33", "10.0.0.0/-1",
		"10.0.0.0/+8", "10.0.0.0/024", "10.0.0.0/24x", " 10.0.0.0/24",
		"10.0.0.0/24 ", "10.0.0.0//24", "10.0.0.0/2/4", "fd00::/129",
		"fd00::/1000", "256.0.0.0/8", "010.0.0.0/8", "10.0.0.0.0/8",
		"host/24", "fe80::%eth0/64", "fe80::/64%eth0", "10.0.0.0 /24",
		"[fd00::]/64",
	};
	struct aegis_prefix p;
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(aegis_prefix_parse(bad[i], &p, err, sizeof(err)), -EINVAL);
		assert_true(err[0] != '\0');
	}
	/* err may be left out. */
	assert_int_equal(aegis_prefix_parse("x", &p, NULL, 0), -EINVAL);
}

static void test_prefix_host_bits(void **state)
{
	struct aegis_prefix p;
	char err[200];

	(void)state;
	assert_int_equal(aegis_prefix_parse("10.0.0.1/24", &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "did you mean 10.0.0.0/24?"));
	assert_int_equal(aegis_prefix_parse("10.255.0.0/9", &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "10.128.0.0/9"));
	assert_int_equal(aegis_prefix_parse("fd00::1/64", &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "fd00::/64"));
	assert_int_equal(aegis_prefix_parse("0.0.0.1/0", &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "0.0.0.0/0"));
	assert_int_equal(aegis_prefix_parse("fd00::1/127", &p, err, sizeof(err)), -EINVAL);
	assert_int_equal(aegis_prefix_parse("fd00::2/127", &p, err, sizeof(err)), 0);
	assert_int_equal(aegis_prefix_parse("10.0.0.1/31", &p, err, sizeof(err)), -EINVAL);
	assert_int_equal(aegis_prefix_parse("10.0.0.2/31", &p, err, sizeof(err)), 0);
}

static void roundtrip_endpoint(const char *s, const char *want, int family,
			       uint16_t port)
{
	struct aegis_udp_endpoint ep;
	char err[200] = "";
	char buf[AEGIS_ENDPOINT_STRSIZE];

	assert_int_equal(aegis_endpoint_parse(s, &ep, err, sizeof(err)), 0);
	assert_int_equal(ep.addr.family, family);
	assert_int_equal(ep.port, port);
	assert_int_equal(aegis_endpoint_format(&ep, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_endpoint_valid(void **state)
{
	(void)state;
	roundtrip_endpoint("1.2.3.4:51820", "1.2.3.4:51820", AF_INET, 51820);
	roundtrip_endpoint("0.0.0.0:1", "0.0.0.0:1", AF_INET, 1);
	roundtrip_endpoint("255.255.255.255:65535", "255.255.255.255:65535", AF_INET, 65535);
	roundtrip_endpoint("[::1]:51820", "[::1]:51820", AF_INET6, 51820);
	roundtrip_endpoint("[2001:DB8::1]:443", "[2001:db8::1]:443", AF_INET6, 443);
	roundtrip_endpoint("[::ffff:1.2.3.4]:9", "[::ffff:1.2.3.4]:9", AF_INET6, 9);
}

/* Link-local endpoints name their interface; lo is ifindex 1 everywhere. */
static void test_endpoint_scope(void **state)
{
	struct aegis_udp_endpoint ep;
	char err[200], buf[AEGIS_ENDPOINT_STRSIZE];

	(void)state;
	roundtrip_endpoint("[fe80::1%lo]:51820", "[fe80::1%lo]:51820", AF_INET6, 51820);
	roundtrip_endpoint("[FE80::abcd%1]:9", "[fe80::abcd%lo]:9", AF_INET6, 9);
	assert_int_equal(aegis_endpoint_parse("[fe80::1%lo]:1", &ep, err, sizeof(err)), 0);
	assert_int_equal(ep.scope, 1);
	/* A number for an interface this namespace lacks is kept as a number. */
	ep.scope = 99999;
	assert_int_equal(aegis_endpoint_format(&ep, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "[fe80::1%99999]:1");
	/* Other addresses have no scope. */
	assert_int_equal(aegis_endpoint_parse("[2001:db8::1]:1", &ep, err, sizeof(err)), 0);
	assert_int_equal(ep.scope, 0);

	assert_int_equal(aegis_endpoint_parse("[fe80::1]:80", &ep, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "name its interface"));
	assert_int_equal(aegis_endpoint_parse("[2001:db8::1%lo]:80", &ep, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "only a link-local address"));
	assert_int_equal(aegis_endpoint_parse("[fe80::1%nosuchif0]:80", &ep, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no interface 'nosuchif0'"));
	/* The longest one fits the documented size. */
	ep.scope = UINT32_MAX;
	assert_int_equal(aegis_endpoint_parse("[fe80:ffff:ffff:ffff:ffff:ffff:255.255.255.255%lo]:65535",
					      &ep, NULL, 0), 0);
	ep.scope = UINT32_MAX;
	assert_int_equal(aegis_endpoint_format(&ep, buf, sizeof(buf)), 0);
}

static void test_endpoint_malformed(void **state)
{
	static const char *const bad[] = {
		"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536",
		"1.2.3.4:99999999999", "1.2.3.4:-1", "1.2.3.4:+1", "1.2.3.4:080",
		"1.2.3.4: 80", ":80", "::1:51820", "[::1]", "[::1]:", "[::1]51820",
		"[::1:51820", "::1]:51820", "[1.2.3.4]:80", "[]:80", "[fe80::1]:80", "[fe80::1%]:80",
		"[fe80::1%nosuchif0]:80", "[fe80::1%0]:80", "[::1%lo]:80", "1.2.3.4%lo:80",
		"example.com:80", "1.2.3:80", "1.2.3.4:80:90", "[::1]:80x",
		"[::1]:80]", " 1.2.3.4:80",
	};
	struct aegis_udp_endpoint ep;
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(aegis_endpoint_parse(bad[i], &ep, err, sizeof(err)), -EINVAL);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(aegis_endpoint_parse("::1:51820", &ep, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "[IPV6]:PORT"));
}

static void test_format_errors(void **state)
{
	struct aegis_prefix p;
	struct aegis_udp_endpoint ep;
	struct aegis_addr a = { 0 };
	char small[8], buf[AEGIS_ENDPOINT_STRSIZE];

	(void)state;
	assert_int_equal(aegis_prefix_parse("10.0.0.0/24", &p, NULL, 0), 0);
	/* "10.0.0.0/24" is 11 characters. */
	assert_int_equal(aegis_prefix_format(&p, small, sizeof(small)), -ENOSPC);
	p.len = 33;
	assert_int_equal(aegis_prefix_format(&p, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(aegis_addr_format(&a, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(aegis_endpoint_parse("[2001:db8::1]:65535", &ep, NULL, 0), 0);
	assert_int_equal(aegis_endpoint_format(&ep, small, sizeof(small)), -ENOSPC);
	/* Longest IPv6 endpoint fits the documented size. */
	assert_int_equal(aegis_endpoint_parse("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535",
					      &ep, NULL, 0), 0);
	assert_int_equal(aegis_endpoint_format(&ep, buf, sizeof(buf)), 0);
}

static void test_addr_from_bytes(void **state)
{
	const uint8_t v4[4] = { 192, 0, 2, 1 };
	struct aegis_addr a;
	char buf[AEGIS_ADDR_STRSIZE];

	(void)state;
	assert_int_equal(aegis_addr_from_bytes(&a, AF_INET, v4, 4), 0);
	assert_int_equal(aegis_addr_format(&a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "192.0.2.1");
	assert_int_equal(aegis_addr_from_bytes(&a, AF_INET, v4, 3), -EINVAL);
	assert_int_equal(aegis_addr_from_bytes(&a, AF_INET6, v4, 4), -EINVAL);
	assert_int_equal(aegis_addr_from_bytes(&a, AF_UNIX, v4, 4), -EINVAL);
	assert_int_equal(aegis_addr_len(AF_INET), 4);
	assert_int_equal(aegis_addr_len(AF_INET6), 16);
	assert_int_equal(aegis_addr_len(0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_valid),
		cmocka_unit_test(test_prefix_malformed),
		cmocka_unit_test(test_prefix_host_bits),
		cmocka_unit_test(test_endpoint_valid),
		cmocka_unit_test(test_endpoint_scope),
		cmocka_unit_test(test_endpoint_malformed),
		cmocka_unit_test(test_format_errors),
		cmocka_unit_test(test_addr_from_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
