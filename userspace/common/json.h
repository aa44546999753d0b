/* SPDX-License-Identifier: MIT */
/*
 * A small streaming JSON writer: objects, arrays, strings (escaped, with
 * invalid UTF-8 replaced by U+FFFD so the output always parses), numbers,
 * booleans and null, pretty-printed with two-space indentation.
 *
 *	struct aegis_json j;
 *	aegis_json_init(&j, stdout);
 *	aegis_json_object_begin(&j);
 *	aegis_json_kv_string(&j, "ifname", "aegis0");
 *	aegis_json_object_end(&j);
 *	if (aegis_json_finish(&j)) ... misuse or write error
 *
 * Misuse (a value without a key inside an object, unbalanced ends, nesting
 * deeper than AEGIS_JSON_MAX_DEPTH) is latched in the writer and reported
 * by aegis_json_finish(); later calls then write nothing.
 */
#ifndef AEGIS_JSON_H
#define AEGIS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define AEGIS_JSON_MAX_DEPTH 16

struct aegis_json {
	FILE *out;
	unsigned int depth;
	int err;			/* first error: -EINVAL misuse, -EIO */
	bool pretty;
	bool after_key;			/* a key was written, its value is due */
	bool done;			/* a complete top-level value was written */
	/* Per open level: is it an object, has it got a member yet. */
	bool is_object[AEGIS_JSON_MAX_DEPTH];
	bool has_member[AEGIS_JSON_MAX_DEPTH];
};

void aegis_json_init(struct aegis_json *j, FILE *out);
/* Compact output (no newlines or indentation) instead of pretty. */
void aegis_json_set_compact(struct aegis_json *j);

void aegis_json_object_begin(struct aegis_json *j);
void aegis_json_object_end(struct aegis_json *j);
void aegis_json_array_begin(struct aegis_json *j);
void aegis_json_array_end(struct aegis_json *j);
/* The key of the next member of the current object. */
void aegis_json_key(struct aegis_json *j, const char *key);

void aegis_json_string(struct aegis_json *j, const char *s);
/* A string of len bytes (may contain NULs, which are escaped). */
void aegis_json_string_len(struct aegis_json *j, const char *s, size_t len);
void aegis_json_u64(struct aegis_json *j, uint64_t v);
void aegis_json_i64(struct aegis_json *j, int64_t v);
void aegis_json_bool(struct aegis_json *j, bool v);
void aegis_json_null(struct aegis_json *j);

/* Key and value in one call. */
void aegis_json_kv_string(struct aegis_json *j, const char *key, const char *s);
void aegis_json_kv_u64(struct aegis_json *j, const char *key, uint64_t v);
void aegis_json_kv_bool(struct aegis_json *j, const char *key, bool v);

/*
 * End the document: writes the final newline. Returns 0, -EINVAL if the
 * writer was misused or the document is incomplete, -EIO on a write error.
 */
int aegis_json_finish(struct aegis_json *j);

/*
 * Write s (len bytes) as a quoted JSON string to out. Returns 0 or -EIO.
 * Exposed for tests and for one-off strings.
 */
int aegis_json_write_string(FILE *out, const char *s, size_t len);

#endif /* AEGIS_JSON_H */
