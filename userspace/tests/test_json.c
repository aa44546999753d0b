// SPDX-License-Identifier: MIT
/* Unit tests: userspace/common/json.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

struct buf {
	char *data;
	size_t size;
	FILE *f;
};

static void buf_open(struct buf *b)
{
	b->data = NULL;
	b->size = 0;
	b->f = open_memstream(&b->data, &b->size);
	assert_non_null(b->f);
}

/* Close the stream and return what was written (caller frees). */
static char *buf_close(struct buf *b)
{
	fclose(b->f);
	return b->data;
}

/* The string s as escaped by aegis_json_write_string(). */
static char *escaped(const char *s, size_t len)
{
	struct buf b;

	buf_open(&b);
	assert_int_equal(aegis_json_write_string(b.f, s, len), 0);
	return buf_close(&b);
}

static void expect_escape(const char *s, size_t len, const char *want)
{
	char *got = escaped(s, len);

	assert_string_equal(got, want);
	free(got);
}

static void test_escape_specials(void **state)
{
	(void)state;
	expect_escape("plain", 5, "\"plain\"");
	expect_escape("", 0, "\"\"");
	expect_escape("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	expect_escape("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
	expect_escape("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	expect_escape("a\0b", 3, "\"a\\u0000b\"");
	expect_escape("/", 1, "\"/\"");
}

static void test_escape_utf8(void **state)
{
	(void)state;
	/* Valid UTF-8 passes through: 2, 3 and 4 byte sequences. */
	expect_escape("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"");
	expect_escape("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"");
	expect_escape("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"");
	expect_escape("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\"");	/* U+10FFFF */
	/* Invalid: each bad byte becomes U+FFFD. */
	expect_escape("\x80", 1, "\"\\ufffd\"");			/* lone continuation */
	expect_escape("\xc0\x80", 2, "\"\\ufffd\\ufffd\"");		/* overlong NUL */
	expect_escape("\xc1\xbf", 2, "\"\\ufffd\\ufffd\"");		/* overlong */
	expect_escape("\xe0\x80\xaf", 3, "\"\\ufffd\\ufffd\\ufffd\"");	/* overlong 3 */
	expect_escape("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	expect_escape("\xf4\x90\x80\x80", 4,
		      "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");		/* > U+10FFFF */
	expect_escape("\xe2\x82", 2, "\"\\ufffd\\ufffd\"");		/* truncated */
	expect_escape("a\xffz", 3, "\"a\\ufffdz\"");
	expect_escape("\xc3\xa9\xc3", 3, "\"\xc3\xa9\\ufffd\"");	/* cut at the end */
}

static void test_compact_document(void **state)
{
	struct aegis_json j;
	struct buf b;
	char *out;

	(void)state;
	buf_open(&b);
	aegis_json_init(&j, b.f);
	aegis_json_set_compact(&j);
	aegis_json_object_begin(&j);
	aegis_json_kv_string(&j, "name", "aegis0");
	aegis_json_kv_u64(&j, "big", UINT64_MAX);
	aegis_json_key(&j, "neg");
	aegis_json_i64(&j, INT64_MIN);
	aegis_json_kv_bool(&j, "t", true);
	aegis_json_kv_bool(&j, "f", false);
	aegis_json_key(&j, "n");
	aegis_json_null(&j);
	aegis_json_key(&j, "empty_obj");
	aegis_json_object_begin(&j);
	aegis_json_object_end(&j);
	aegis_json_key(&j, "empty_arr");
	aegis_json_array_begin(&j);
	aegis_json_array_end(&j);
	aegis_json_key(&j, "arr");
	aegis_json_array_begin(&j);
	aegis_json_u64(&j, 1);
	aegis_json_string(&j, "two");
	aegis_json_object_begin(&j);
	aegis_json_kv_u64(&j, "three", 3);
	aegis_json_object_end(&j);
	aegis_json_array_end(&j);
	aegis_json_object_end(&j);
	assert_int_equal(aegis_json_finish(&j), 0);
	out = buf_close(&b);
	assert_string_equal(out,
		"{\"name\":\"aegis0\",\"big\":18446744073709551615,"
		"\"neg\":-9223372036854775808,\"t\":true,\"f\":false,\"n\":null,"
		"\"empty_obj\":{},\"empty_arr\":[],"
		"\"arr\":[1,\"two\",{\"three\":3}]}\n");
	free(out);
}

static void test_pretty_document(void **state)
{
	struct aegis_json j;
	struct buf b;
	char *out;

	(void)state;
	buf_open(&b);
	aegis_json_init(&j, b.f);
	aegis_json_array_begin(&j);
	aegis_json_object_begin(&j);
	aegis_json_kv_string(&j, "k", "v");
	aegis_json_key(&j, "a");
	aegis_json_array_begin(&j);
	aegis_json_u64(&j, 1);
	aegis_json_u64(&j, 2);
	aegis_json_array_end(&j);
	aegis_json_object_end(&j);
	aegis_json_array_begin(&j);
	aegis_json_array_end(&j);
	aegis_json_array_end(&j);
	assert_int_equal(aegis_json_finish(&j), 0);
	out = buf_close(&b);
	assert_string_equal(out,
		"[\n"
		"  {\n"
		"    \"k\": \"v\",\n"
		"    \"a\": [\n"
		"      1,\n"
		"      2\n"
		"    ]\n"
		"  },\n"
		"  []\n"
		"]\n");
	free(out);
}

static void test_scalar_document(void **state)
{
	struct aegis_json j;
	struct buf b;
	char *out;

	(void)state;
	buf_open(&b);
	aegis_json_init(&j, b.f);
	aegis_json_string(&j, "only");
	assert_int_equal(aegis_json_finish(&j), 0);
	out = buf_close(&b);
	assert_string_equal(out, "\"only\"\n");
	free(out);
}

/* Run one misuse scenario; the writer must refuse it. */
static void expect_misuse(void (*scenario)(struct aegis_json *j))
{
	struct aegis_json j;
	struct buf b;

	buf_open(&b);
	aegis_json_init(&j, b.f);
	scenario(&j);
	assert_int_equal(aegis_json_finish(&j), -EINVAL);
	free(buf_close(&b));
}

static void value_without_key(struct aegis_json *j)
{
	aegis_json_object_begin(j);
	aegis_json_u64(j, 1);
	aegis_json_object_end(j);
}

static void key_in_array(struct aegis_json *j)
{
	aegis_json_array_begin(j);
	aegis_json_key(j, "k");
	aegis_json_array_end(j);
}

static void key_without_value(struct aegis_json *j)
{
	aegis_json_object_begin(j);
	aegis_json_key(j, "k");
	aegis_json_object_end(j);
}

static void two_keys(struct aegis_json *j)
{
	aegis_json_object_begin(j);
	aegis_json_key(j, "a");
	aegis_json_key(j, "b");
}

static void unclosed(struct aegis_json *j)
{
	aegis_json_array_begin(j);
}

static void mismatched_end(struct aegis_json *j)
{
	aegis_json_array_begin(j);
	aegis_json_object_end(j);
}

static void extra_end(struct aegis_json *j)
{
	aegis_json_array_begin(j);
	aegis_json_array_end(j);
	aegis_json_array_end(j);
}

static void two_documents(struct aegis_json *j)
{
	aegis_json_u64(j, 1);
	aegis_json_u64(j, 2);
}

static void empty_document(struct aegis_json *j)
{
	(void)j;
}

static void too_deep(struct aegis_json *j)
{
	int i;

	for (i = 0; i <= AEGIS_JSON_MAX_DEPTH; i++)
		aegis_json_array_begin(j);
	for (i = 0; i <= AEGIS_JSON_MAX_DEPTH; i++)
		aegis_json_array_end(j);
}

static void test_misuse(void **state)
{
	(void)state;
	expect_misuse(value_without_key);
	expect_misuse(key_in_array);
	expect_misuse(key_without_value);
	expect_misuse(two_keys);
	expect_misuse(unclosed);
	expect_misuse(mismatched_end);
	expect_misuse(extra_end);
	expect_misuse(two_documents);
	expect_misuse(empty_document);
	expect_misuse(too_deep);
}

static void test_max_depth_ok(void **state)
{
	struct aegis_json j;
	struct buf b;
	int i;

	(void)state;
	buf_open(&b);
	aegis_json_init(&j, b.f);
	for (i = 0; i < AEGIS_JSON_MAX_DEPTH; i++)
		aegis_json_array_begin(&j);
	for (i = 0; i < AEGIS_JSON_MAX_DEPTH; i++)
		aegis_json_array_end(&j);
	assert_int_equal(aegis_json_finish(&j), 0);
	free(buf_close(&b));
}

/* Feed a document with every kind of awkward string to python's parser. */
static void test_valid_for_python(void **state)
{
	static const char *const strings[] = {
		"\"quoted\"", "back\\slash", "ctl\x01\x02\x1f", "del\x7f",
		"caf\xc3\xa9", "bad\xff\xfe", "\xed\xa0\x80surrogate", "tab\there",
		"\xf0\x9f\x98\x80", "\xc0\xaf", "",
	};
	struct aegis_json j;
	FILE *p;
	size_t i;

	(void)state;
	if (system("command -v python3 >/dev/null 2>&1") != 0)
		skip();
	p = popen("python3 -c 'import json,sys; d=json.load(sys.stdin); "
		  "sys.exit(0 if len(d[\"s\"]) == 11 and d[\"n\"] == 18446744073709551615 else 1)'",
		  "w");
	assert_non_null(p);
	aegis_json_init(&j, p);
	aegis_json_object_begin(&j);
	aegis_json_key(&j, "s");
	aegis_json_array_begin(&j);
	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		aegis_json_string(&j, strings[i]);
	aegis_json_array_end(&j);
	aegis_json_kv_u64(&j, "n", UINT64_MAX);
	aegis_json_key(&j, "weird \"key\"\n");
	aegis_json_null(&j);
	aegis_json_object_end(&j);
	assert_int_equal(aegis_json_finish(&j), 0);
	assert_int_equal(pclose(p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_specials),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_compact_document),
		cmocka_unit_test(test_pretty_document),
		cmocka_unit_test(test_scalar_document),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_max_depth_ok),
		cmocka_unit_test(test_valid_for_python),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
