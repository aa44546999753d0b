// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"

void aegis_json_init(struct aegis_json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = true;
}

void aegis_json_set_compact(struct aegis_json *j)
{
	j->pretty = false;
}

static void indent(struct aegis_json *j)
{
	unsigned int i;

	if (!j->pretty)
		return;
	fputc('\n', j->out);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/*
 * Called before every value: checks that a value may come here and writes
 * the separator. Returns false (and latches an error) if it may not.
 */
static bool value_prefix(struct aegis_json *j)
{
	if (j->err)
		return false;
	if (j->depth == 0) {
		if (j->done) {
			j->err = -EINVAL;	/* two top-level values */
			return false;
		}
		return true;
	}
	if (j->is_object[j->depth - 1]) {
		if (!j->after_key) {
			j->err = -EINVAL;	/* object member without a key */
			return false;
		}
		j->after_key = false;
		return true;
	}
	if (j->has_member[j->depth - 1])
		fputc(',', j->out);
	j->has_member[j->depth - 1] = true;
	indent(j);
	return true;
}

/* After a complete value at the top level the document is done. */
static void value_done(struct aegis_json *j)
{
	if (j->depth == 0)
		j->done = true;
}

static void open_level(struct aegis_json *j, bool object)
{
	if (!value_prefix(j))
		return;
	if (j->depth >= AEGIS_JSON_MAX_DEPTH) {
		j->err = -EINVAL;
		return;
	}
	fputc(object ? '{' : '[', j->out);
	j->is_object[j->depth] = object;
	j->has_member[j->depth] = false;
	j->depth++;
}

static void close_level(struct aegis_json *j, bool object)
{
	bool had_members;

	if (j->err)
		return;
	if (j->depth == 0 || j->is_object[j->depth - 1] != object ||
	    j->after_key) {
		j->err = -EINVAL;
		return;
	}
	had_members = j->has_member[j->depth - 1];
	j->depth--;
	if (had_members)
		indent(j);
	fputc(object ? '}' : ']', j->out);
	value_done(j);
}

void aegis_json_object_begin(struct aegis_json *j)
{
	open_level(j, true);
}

void aegis_json_object_end(struct aegis_json *j)
{
	close_level(j, true);
}

void aegis_json_array_begin(struct aegis_json *j)
{
	open_level(j, false);
}

void aegis_json_array_end(struct aegis_json *j)
{
	close_level(j, false);
}

void aegis_json_key(struct aegis_json *j, const char *key)
{
	if (j->err)
		return;
	if (j->depth == 0 || !j->is_object[j->depth - 1] || j->after_key) {
		j->err = -EINVAL;
		return;
	}
	if (j->has_member[j->depth - 1])
		fputc(',', j->out);
	j->has_member[j->depth - 1] = true;
	indent(j);
	if (aegis_json_write_string(j->out, key, strlen(key)))
		j->err = -EIO;
	fputs(j->pretty ? ": " : ":", j->out);
	j->after_key = true;
}

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes available),
 * or 0 if the bytes there are not one (overlong forms, surrogates and
 * code points above U+10FFFF are invalid).
 */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

int aegis_json_write_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	fputc('"', out);
	while (i < len) {
		unsigned char c = p[i];
		size_t n;

		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(out, "\\u%04x", c);
				break;
			}
			n = utf8_seq_len(p + i, len - i);
			if (n == 0) {
				fputs("\\ufffd", out);
				break;
			}
			fwrite(p + i, 1, n, out);
			i += n;
			continue;
		}
		i++;
	}
	fputc('"', out);
	return ferror(out) ? -EIO : 0;
}

void aegis_json_string_len(struct aegis_json *j, const char *s, size_t len)
{
	if (!value_prefix(j))
		return;
	if (aegis_json_write_string(j->out, s, len))
		j->err = -EIO;
	value_done(j);
}

void aegis_json_string(struct aegis_json *j, const char *s)
{
	aegis_json_string_len(j, s, strlen(s));
}

void aegis_json_u64(struct aegis_json *j, uint64_t v)
{
	if (!value_prefix(j))
		return;
	fprintf(j->out, "%" PRIu64, v);
	value_done(j);
}

void aegis_json_i64(struct aegis_json *j, int64_t v)
{
	if (!value_prefix(j))
		return;
	fprintf(j->out, "%" PRId64, v);
	value_done(j);
}

void aegis_json_bool(struct aegis_json *j, bool v)
{
	if (!value_prefix(j))
		return;
	fputs(v ? "true" : "false", j->out);
	value_done(j);
}

void aegis_json_null(struct aegis_json *j)
{
	if (!value_prefix(j))
		return;
	fputs("null", j->out);
	value_done(j);
}

void aegis_json_kv_string(struct aegis_json *j, const char *key, const char *s)
{
	aegis_json_key(j, key);
	aegis_json_string(j, s);
}

void aegis_json_kv_u64(struct aegis_json *j, const char *key, uint64_t v)
{
	aegis_json_key(j, key);
	aegis_json_u64(j, v);
}

void aegis_json_kv_bool(struct aegis_json *j, const char *key, bool v)
{
	aegis_json_key(j, key);
	aegis_json_bool(j, v);
}

int aegis_json_finish(struct aegis_json *j)
{
	if (!j->err && (j->depth != 0 || !j->done))
		j->err = -EINVAL;
	if (!j->err) {
		fputc('\n', j->out);
		if (fflush(j->out) || ferror(j->out))
			j->err = -EIO;
	}
	return j->err;
}
