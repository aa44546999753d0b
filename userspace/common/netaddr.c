// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "netaddr.h"
#include "numparse.h"

#define seterr(err, errsz, ...) \
	do { if ((errsz) > 0) snprintf((err), (errsz), __VA_ARGS__); } while (0)

size_t aegis_addr_len(int family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

int aegis_addr_from_bytes(struct aegis_addr *a, int family, const void *bytes,
			  size_t len)
{
	size_t want = aegis_addr_len(family);

	if (!want || len != want)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->u.bytes, bytes, len);
	return 0;
}

int aegis_addr_parse(const char *s, struct aegis_addr *a)
{
	struct aegis_addr tmp = { 0 };

	if (inet_pton(AF_INET, s, &tmp.u.v4) == 1) {
		tmp.family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &tmp.u.v6) == 1) {
		tmp.family = AF_INET6;
	} else {
		return -EINVAL;
	}
	*a = tmp;
	return 0;
}

/* True when no bit after the first len bits of addr is set. */
static int host_bits_clear(const struct aegis_addr *a, unsigned int len)
{
	size_t n = aegis_addr_len(a->family);
	size_t i;

	for (i = len / 8; i < n; i++) {
		uint8_t mask = 0xff;

		if (i == len / 8)
			mask = (uint8_t)(0xff >> (len % 8));
		if (a->u.bytes[i] & mask)
			return 0;
	}
	return 1;
}

static void clear_host_bits(struct aegis_addr *a, unsigned int len)
{
	size_t n = aegis_addr_len(a->family);
	size_t i;

	for (i = len / 8; i < n; i++) {
		if (i == len / 8)
			a->u.bytes[i] &= (uint8_t)~(0xff >> (len % 8));
		else
			a->u.bytes[i] = 0;
	}
}

int aegis_prefix_parse(const char *s, struct aegis_prefix *p, char *err,
		       size_t errsz)
{
	char buf[AEGIS_ADDR_STRSIZE];
	struct aegis_prefix tmp = { 0 };
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max;
	uint32_t len;

	if (alen == 0 || alen >= sizeof(buf)) {
		seterr(err, errsz, "'%s' is not a prefix: expected ADDR/LEN, like 10.0.0.0/24 or fd00::/64", s);
		return -EINVAL;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (aegis_addr_parse(buf, &tmp.addr)) {
		seterr(err, errsz, "'%s' is not a prefix: '%s' is not an IPv4 or IPv6 address", s, buf);
		return -EINVAL;
	}
	max = tmp.addr.family == AF_INET ? 32 : 128;
	if (!slash) {
		len = max;
	} else if (aegis_parse_u32(slash + 1, max, &len)) {
		seterr(err, errsz, "'%s' is not a prefix: the length must be a number from 0 to %u", s, max);
		return -EINVAL;
	}
	tmp.len = (uint8_t)len;
	if (!host_bits_clear(&tmp.addr, tmp.len)) {
		char want[AEGIS_PREFIX_STRSIZE];

		clear_host_bits(&tmp.addr, tmp.len);
		if (aegis_prefix_format(&tmp, want, sizeof(want)))
			want[0] = '\0';
		seterr(err, errsz, "'%s' has host bits set: did you mean %s?", s, want);
		return -EINVAL;
	}
	*p = tmp;
	return 0;
}

bool aegis_prefix_valid(const struct aegis_prefix *p)
{
	size_t alen = aegis_addr_len(p->addr.family);

	return alen && p->len <= alen * 8 && host_bits_clear(&p->addr, p->len);
}

bool aegis_prefix_has_addr(const struct aegis_prefix *net,
			   const struct aegis_addr *a)
{
	unsigned int full = net->len / 8, rest = net->len % 8;
	size_t alen = aegis_addr_len(a->family);

	if (!alen || a->family != net->addr.family || net->len > alen * 8)
		return false;
	if (memcmp(a->u.bytes, net->addr.u.bytes, full))
		return false;
	if (!rest)
		return true;
	return !((a->u.bytes[full] ^ net->addr.u.bytes[full]) &
		 (uint8_t)(0xff << (8 - rest)));
}

bool aegis_prefix_contains(const struct aegis_prefix *net,
			   const struct aegis_prefix *p)
{
	return p->len >= net->len && aegis_prefix_has_addr(net, &p->addr);
}

int aegis_addr_is_linklocal(const struct aegis_addr *a)
{
	return a->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->u.v6);
}

int aegis_addr_zone_check(const struct aegis_addr *a, int has_zone)
{
	int ll = aegis_addr_is_linklocal(a);

	if (ll && !has_zone)
		return -EDESTADDRREQ;
	if (!ll && has_zone)
		return -EINVAL;
	return 0;
}

/* The interface of a link-local address: a name in this namespace, else a number. */
static int parse_scope(const char *zone, uint32_t *scope)
{
	uint32_t n = if_nametoindex(zone);

	if (!n && (aegis_parse_u32(zone, UINT32_MAX, &n) || !n))
		return -ENODEV;
	*scope = n;
	return 0;
}

/*
 * The scope of endpoint @s, whose address part "ADDR%ZONE" is in @buf:
 * cut the zone off @buf, and check that the address has one if, and only
 * if, it is link-local.
 */
static int endpoint_scope(const char *s, char *buf, struct aegis_udp_endpoint *ep,
			  char *err, size_t errsz)
{
	char *zone = strchr(buf, '%');
	int ret;

	if (zone)
		*zone++ = '\0';
	if (aegis_addr_parse(buf, &ep->addr) || ep->addr.family != AF_INET6)
		return 0;	/* the caller says what is wrong */
	ret = aegis_addr_zone_check(&ep->addr, zone != NULL);
	if (ret == -EDESTADDRREQ) {
		seterr(err, errsz, "'%s' is a link-local endpoint: name its interface, as in [%s%%eth0]:PORT",
		       s, buf);
		return -EINVAL;
	}
	if (ret) {
		seterr(err, errsz, "'%s' is not an endpoint: only a link-local address (fe80::/10) takes an interface",
		       s);
		return -EINVAL;
	}
	if (zone && parse_scope(zone, &ep->scope)) {
		seterr(err, errsz, "'%s' is not an endpoint: there is no interface '%s' here", s, zone);
		return -EINVAL;
	}
	return 0;
}

int aegis_endpoint_parse(const char *s, struct aegis_udp_endpoint *ep, char *err,
			 size_t errsz)
{
	char buf[AEGIS_ENDPOINT_STRSIZE];
	struct aegis_udp_endpoint tmp = { 0 };
	const char *addr, *colon;
	size_t alen;
	uint32_t port;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':') {
			seterr(err, errsz, "'%s' is not an endpoint: expected [IPV6]:PORT", s);
			return -EINVAL;
		}
		addr = s + 1;
		alen = (size_t)(close - addr);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			seterr(err, errsz, "'%s' is not an endpoint: expected IPV4:PORT or [IPV6]:PORT", s);
			return -EINVAL;
		}
		if (memchr(s, ':', (size_t)(colon - s))) {
			seterr(err, errsz, "'%s' is not an endpoint: write IPv6 endpoints as [IPV6]:PORT", s);
			return -EINVAL;
		}
		addr = s;
		alen = (size_t)(colon - s);
	}
	if (alen == 0 || alen >= sizeof(buf)) {
		seterr(err, errsz, "'%s' is not an endpoint: the address is missing or too long", s);
		return -EINVAL;
	}
	memcpy(buf, addr, alen);
	buf[alen] = '\0';
	if (s[0] == '[' && endpoint_scope(s, buf, &tmp, err, errsz))
		return -EINVAL;
	if (aegis_addr_parse(buf, &tmp.addr) ||
	    (s[0] == '[') != (tmp.addr.family == AF_INET6)) {
		seterr(err, errsz, "'%s' is not an endpoint: '%s' is not a numeric %s address",
		       s, buf, s[0] == '[' ? "IPv6" : "IPv4");
		return -EINVAL;
	}
	if (aegis_parse_u32(colon + 1, UINT16_MAX, &port) || port == 0) {
		seterr(err, errsz, "'%s' is not an endpoint: the port must be a number from 1 to 65535", s);
		return -EINVAL;
	}
	tmp.port = (uint16_t)port;
	*ep = tmp;
	return 0;
}

int aegis_addr_format(const struct aegis_addr *a, char *buf, size_t size)
{
	char tmp[AEGIS_ADDR_STRSIZE];
	size_t n;

	if (!aegis_addr_len(a->family))
		return -EINVAL;
	if (!inet_ntop(a->family, a->u.bytes, tmp, sizeof(tmp)))
		return -EINVAL;
	n = strlen(tmp);
	if (n >= size)
		return -ENOSPC;
	memcpy(buf, tmp, n + 1);
	return 0;
}

int aegis_prefix_format(const struct aegis_prefix *p, char *buf, size_t size)
{
	char a[AEGIS_ADDR_STRSIZE];
	int ret, n;

	ret = aegis_addr_format(&p->addr, a, sizeof(a));
	if (ret)
		return ret;
	if (p->len > aegis_addr_len(p->addr.family) * 8)
		return -EINVAL;
	n = snprintf(buf, size, "%s/%u", a, p->len);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return 0;
}

int aegis_endpoint_format(const struct aegis_udp_endpoint *ep, char *buf,
			  size_t size)
{
	char a[AEGIS_ADDR_STRSIZE], zone[IF_NAMESIZE + 11] = "";
	int ret, n;

	ret = aegis_addr_format(&ep->addr, a, sizeof(a));
	if (ret)
		return ret;
	if (ep->addr.family == AF_INET6 && ep->scope) {
		char name[IF_NAMESIZE];

		if (if_indextoname(ep->scope, name))
			snprintf(zone, sizeof(zone), "%%%s", name);
		else
			snprintf(zone, sizeof(zone), "%%%u", ep->scope);
	}
	if (ep->addr.family == AF_INET6)
		n = snprintf(buf, size, "[%s%s]:%u", a, zone, ep->port);
	else
		n = snprintf(buf, size, "%s:%u", a, ep->port);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return 0;
}
