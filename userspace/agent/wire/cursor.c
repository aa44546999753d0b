// SPDX-License-Identifier: MIT
/* The read cursor of the wire codecs (cursor.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "netaddr.h"
#include "wire/cursor.h"

void cursor_init(struct cursor *c, const uint8_t *buf, size_t len,
		 size_t max)
{
	static const uint8_t none[1];

	c->buf = buf ? buf : none;
	c->len = buf ? len : 0;
	c->off = 0;
	c->bad = len > max || (!buf && len);
}

const uint8_t *cursor_take(struct cursor *c, size_t n)
{
	const uint8_t *p;

	if (c->bad || n > c->len - c->off) {
		c->bad = true;
		return NULL;
	}
	p = c->buf + c->off;
	c->off += n;
	return p;
}

uint8_t cursor_u8(struct cursor *c)
{
	const uint8_t *p = cursor_take(c, 1);

	return p ? p[0] : 0;
}

uint16_t cursor_u16(struct cursor *c)
{
	const uint8_t *p = cursor_take(c, 2);

	return p ? cursor_get_be16(p) : 0;
}

uint32_t cursor_u32(struct cursor *c)
{
	const uint8_t *p = cursor_take(c, 4);

	return p ? cursor_get_be32(p) : 0;
}

uint64_t cursor_u64(struct cursor *c)
{
	const uint8_t *p = cursor_take(c, 8);

	return p ? cursor_get_be64(p) : 0;
}

void cursor_require(struct cursor *c, bool cond)
{
	if (!cond)
		c->bad = true;
}

const uint8_t *cursor_blob(struct cursor *c, size_t max, size_t *len)
{
	size_t n = cursor_u16(c);

	*len = 0;
	if (c->bad)
		return NULL;
	if (n == 0 || n > max) {
		c->bad = true;
		return NULL;
	}
	*len = n;
	return cursor_take(c, n);
}

void cursor_routes(struct cursor *c, struct wire_routes *r)
{
	unsigned int i, n = cursor_u8(c);

	r->n = 0;
	if (c->bad || n > WIRE_MAX_ROUTES) {
		c->bad = true;
		return;
	}
	for (i = 0; i < n; i++) {
		struct aegis_prefix *p = &r->p[i];
		uint8_t fam = cursor_u8(c);
		uint8_t plen = cursor_u8(c);
		int family = fam == 4 ? AF_INET : fam == 6 ? AF_INET6 : 0;
		size_t alen = aegis_addr_len(family);
		const uint8_t *a;

		if (!family) {
			c->bad = true;
			return;
		}
		a = cursor_take(c, alen);
		if (!a) {
			c->bad = true;
			return;
		}
		memset(p, 0, sizeof(*p));
		p->addr.family = family;
		memcpy(p->addr.u.bytes, a, alen);
		p->len = plen;
		if (!aegis_prefix_valid(p)) {
			c->bad = true;
			return;
		}
	}
	r->n = n;
}

int cursor_end(const struct cursor *c)
{
	return (c->bad || c->off != c->len) ? -EBADMSG : 0;
}

bool cursor_all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}
