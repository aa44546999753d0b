// SPDX-License-Identifier: MIT
/* Unit tests: userspace/common/numparse.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "numparse.h"

static void test_u64_valid(void **state)
{
	uint64_t v = 1;

	(void)state;
	assert_int_equal(aegis_parse_u64("0", UINT64_MAX, &v), 0);
	assert_true(v == 0);
	assert_int_equal(aegis_parse_u64("42", UINT64_MAX, &v), 0);
	assert_true(v == 42);
	assert_int_equal(aegis_parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_u64_malformed(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "1x", "0x10", "01", "00", "1.0",
		"１", "1e3", "\t",
	};
	uint64_t v = 7;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(aegis_parse_u64(bad[i], UINT64_MAX, &v), -EINVAL);
		assert_true(v == 7);	/* untouched on error */
	}
	assert_int_equal(aegis_parse_u64(NULL, UINT64_MAX, &v), -EINVAL);
}

static void test_u64_range(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(aegis_parse_u64("18446744073709551616", UINT64_MAX, &v), -ERANGE);
	assert_int_equal(aegis_parse_u64("99999999999999999999999", UINT64_MAX, &v), -ERANGE);
	assert_int_equal(aegis_parse_u64("256", 255, &v), -ERANGE);
	assert_int_equal(aegis_parse_u64("255", 255, &v), 0);
	assert_true(v == 255);
	assert_int_equal(aegis_parse_u64("1", 0, &v), -ERANGE);
}

static void test_u32(void **state)
{
	uint32_t v = 0;

	(void)state;
	assert_int_equal(aegis_parse_u32("4294967295", UINT32_MAX, &v), 0);
	assert_true(v == UINT32_MAX);
	assert_int_equal(aegis_parse_u32("4294967296", UINT32_MAX, &v), -ERANGE);
	assert_int_equal(aegis_parse_u32("65536", UINT16_MAX, &v), -ERANGE);
	assert_int_equal(aegis_parse_u32("65535", UINT16_MAX, &v), 0);
	assert_true(v == 65535);
}

static void test_index(void **state)
{
	uint64_t v = 0;

	(void)state;
	/* 16 hex digits: as printed by aegisctl show. */
	assert_int_equal(aegis_parse_index("00000000000000ff", &v), 0);
	assert_true(v == 0xff);
	assert_int_equal(aegis_parse_index("FFFFFFFFFFFFFFFF", &v), 0);
	assert_true(v == UINT64_MAX);
	/* 16 decimal digits are hex too: the documented rule. */
	assert_int_equal(aegis_parse_index("1234567890123456", &v), 0);
	assert_true(v == 0x1234567890123456ULL);
	assert_int_equal(aegis_parse_index("0x1", &v), 0);
	assert_true(v == 1);
	assert_int_equal(aegis_parse_index("0XaBc", &v), 0);
	assert_true(v == 0xabc);
	assert_int_equal(aegis_parse_index("0xffffffffffffffff", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(aegis_parse_index("255", &v), 0);
	assert_true(v == 255);
	assert_int_equal(aegis_parse_index("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);

	assert_int_equal(aegis_parse_index("0x", &v), -EINVAL);
	assert_int_equal(aegis_parse_index("0x1ffffffffffffffff", &v), -ERANGE);
	assert_int_equal(aegis_parse_index("0xg", &v), -EINVAL);
	assert_int_equal(aegis_parse_index("00000000000000fg", &v), -EINVAL);
	assert_int_equal(aegis_parse_index("000000000000000f", &v), 0);
	assert_int_equal(aegis_parse_index("00000000000000f", &v), -EINVAL);	/* 15: decimal */
	assert_int_equal(aegis_parse_index("18446744073709551616", &v), -ERANGE);
	assert_int_equal(aegis_parse_index("", &v), -EINVAL);
	assert_int_equal(aegis_parse_index("-1", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_valid),
		cmocka_unit_test(test_u64_malformed),
		cmocka_unit_test(test_u64_range),
		cmocka_unit_test(test_u32),
		cmocka_unit_test(test_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
