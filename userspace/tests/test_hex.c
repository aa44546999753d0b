// SPDX-License-Identifier: MIT
/* Unit tests: userspace/common/hex.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hex.h"

static void test_encode(void **state)
{
	const uint8_t in[] = { 0x00, 0x01, 0xab, 0xff, 0x7f };
	char out[11];

	(void)state;
	assert_int_equal(aegis_hex_encode(in, sizeof(in), out, sizeof(out)), 0);
	assert_string_equal(out, "0001abff7f");
	assert_int_equal(aegis_hex_encode(in, 0, out, 1), 0);
	assert_string_equal(out, "");
}

static void test_encode_too_small(void **state)
{
	const uint8_t in[] = { 1, 2, 3 };
	char out[7] = "xxxxxx";

	(void)state;
	/* 3 bytes need 6 characters and a NUL: 6 is one short. */
	assert_int_equal(aegis_hex_encode(in, sizeof(in), out, 6), -ENOSPC);
	assert_string_equal(out, "xxxxxx");
	assert_int_equal(aegis_hex_encode(in, sizeof(in), out, 7), 0);
	assert_string_equal(out, "010203");
	assert_int_equal(aegis_hex_encode(in, 1, out, 0), -ENOSPC);
}

static void test_decode(void **state)
{
	uint8_t out[4];
	const uint8_t want[] = { 0xde, 0xad, 0xbe, 0xef };

	(void)state;
	assert_int_equal(aegis_hex_decode("deadbeef", out, 4), 0);
	assert_memory_equal(out, want, 4);
	assert_int_equal(aegis_hex_decode("DEADBEEF", out, 4), 0);
	assert_memory_equal(out, want, 4);
	assert_int_equal(aegis_hex_decode("DeAdBeEf", out, 4), 0);
	assert_memory_equal(out, want, 4);
	assert_int_equal(aegis_hex_decode("", out, 0), 0);
}

static void test_decode_wrong_length(void **state)
{
	uint8_t out[4];

	(void)state;
	assert_int_equal(aegis_hex_decode("deadbee", out, 4), -ERANGE);
	assert_int_equal(aegis_hex_decode("deadbeef0", out, 4), -ERANGE);
	assert_int_equal(aegis_hex_decode("deadbeefdeadbeef", out, 4), -ERANGE);
	assert_int_equal(aegis_hex_decode("", out, 4), -ERANGE);
	assert_int_equal(aegis_hex_decode("00", out, 0), -ERANGE);
}

static void test_decode_bad_chars(void **state)
{
	static const char *const bad[] = {
		"deadbeeg", "0xdeadbe", " deadbee", "deadbee ", "dead-eef",
		"deadbe\tf", "+eadbeef", "deadbe\xc3\xa9",
	};
	uint8_t out[4];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 0x55, sizeof(out));
		assert_int_equal(aegis_hex_decode(bad[i], out, 4), -EINVAL);
		/* No partial result is left behind. */
		assert_memory_equal(out, "\0\0\0\0", 4);
	}
}

static void test_node_id(void **state)
{
	uint8_t id[AEGIS_NODE_ID_LEN];
	char hex[AEGIS_NODE_ID_HEX_SIZE];
	char s[AEGIS_NODE_ID_HEX_LEN + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(id); i++)
		id[i] = (uint8_t)(i * 37 + 1);
	aegis_node_id_format(id, hex);
	assert_int_equal(strlen(hex), 64);
	memset(id, 0, sizeof(id));
	assert_int_equal(aegis_node_id_parse(hex, id), 0);
	for (i = 0; i < sizeof(id); i++)
		assert_int_equal(id[i], (uint8_t)(i * 37 + 1));

	/* 63 and 65 characters. */
	memset(s, 'a', sizeof(s));
	s[63] = '\0';
	assert_int_equal(aegis_node_id_parse(s, id), -ERANGE);
	s[63] = 'a';
	s[65] = '\0';
	assert_int_equal(aegis_node_id_parse(s, id), -ERANGE);
	s[64] = '\0';
	assert_int_equal(aegis_node_id_parse(s, id), 0);
	s[10] = 'z';
	assert_int_equal(aegis_node_id_parse(s, id), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_encode_too_small),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_wrong_length),
		cmocka_unit_test(test_decode_bad_chars),
		cmocka_unit_test(test_node_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
