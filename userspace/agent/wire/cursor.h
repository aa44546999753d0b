/* SPDX-License-Identifier: MIT */
/*
 * The read cursor every codec of wire/ parses with (wire.c, wire_mesh.c).
 * Any read past the end sets bad and returns zeros or NULL; a parser
 * checks bad where a value decides what comes next, and at the end
 * (cursor_end: everything read, nothing left over). Big endian throughout.
 */
#ifndef AGENT_WIRE_CURSOR_H
#define AGENT_WIRE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

struct cursor {
	const uint8_t *buf;
	size_t len;
	size_t off;
	bool bad;
};

static inline uint16_t cursor_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t cursor_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t cursor_get_be64(const uint8_t *p)
{
	return (uint64_t)cursor_get_be32(p) << 32 | cursor_get_be32(p + 4);
}

/* Over buf[0, len); bad at once if len > max (or buf NULL with a len). */
void cursor_init(struct cursor *c, const uint8_t *buf, size_t len,
		 size_t max);
const uint8_t *cursor_take(struct cursor *c, size_t n);
uint8_t cursor_u8(struct cursor *c);
uint16_t cursor_u16(struct cursor *c);
uint32_t cursor_u32(struct cursor *c);
uint64_t cursor_u64(struct cursor *c);
/* Refuse unless cond holds (a value out of range). */
void cursor_require(struct cursor *c, bool cond);
/* A u16 length, 1..max, then that many bytes. */
const uint8_t *cursor_blob(struct cursor *c, size_t max, size_t *len);
/* wire.h routes: u8 count (at most WIRE_MAX_ROUTES), then each as u8
 * family (4 or 6), u8 length, the address; host bits must be zero. */
void cursor_routes(struct cursor *c, struct wire_routes *r);
/* 0 when everything was read and nothing is left, else -EBADMSG. */
int cursor_end(const struct cursor *c);

/* Every byte of p[0, n) zero. */
bool cursor_all_zero(const uint8_t *p, size_t n);

#endif /* AGENT_WIRE_CURSOR_H */
