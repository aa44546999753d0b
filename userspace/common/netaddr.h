/* SPDX-License-Identifier: MIT */
/*
 * IP addresses, prefixes ("10.0.0.0/24", "fd00::/64") and UDP endpoints
 * ("192.0.2.1:51820", "[2001:db8::1]:51820"): parsing and formatting.
 * Numeric only: no host names. A link-local IPv6 endpoint names the
 * interface it is on, as a zone: "[fe80::1%eth0]:51820".
 */
#ifndef AEGIS_NETADDR_H
#define AEGIS_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>

struct aegis_addr {
	int family;		/* AF_INET or AF_INET6; 0 = unset */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} u;
};

struct aegis_prefix {
	struct aegis_addr addr;	/* host bits are zero */
	uint8_t len;
};

struct aegis_udp_endpoint {
	struct aegis_addr addr;
	uint16_t port;		/* host order */
	uint32_t scope;		/* link-local IPv6: ifindex (sin6_scope_id); else 0 */
};

/* Buffer sizes for the formatters, NUL included. */
#define AEGIS_ADDR_STRSIZE	INET6_ADDRSTRLEN
#define AEGIS_PREFIX_STRSIZE	(INET6_ADDRSTRLEN + 4)	/* "/128" */
/* "[" "%" IFNAME "]:65535" */
#define AEGIS_ENDPOINT_STRSIZE	(INET6_ADDRSTRLEN + IF_NAMESIZE + 8)

/* Bytes of an address of this family: 4, 16, or 0 if unknown. */
size_t aegis_addr_len(int family);

/* Set a from family and len raw bytes (network order). Returns 0 or -EINVAL. */
int aegis_addr_from_bytes(struct aegis_addr *a, int family, const void *bytes,
			  size_t len);

/* Parse a numeric IPv4 or IPv6 address. Returns 0 or -EINVAL. */
int aegis_addr_parse(const char *s, struct aegis_addr *a);

/*
 * Parse "ADDR/LEN", or "ADDR" alone for a host prefix (/32, /128).
 * Host bits beyond LEN must be zero. Returns 0 or -EINVAL, with a
 * one-line reason in err (if errsz > 0).
 */
int aegis_prefix_parse(const char *s, struct aegis_prefix *p, char *err,
		       size_t errsz);

/* A known family, a length that fits it, and no host bits set. */
bool aegis_prefix_valid(const struct aegis_prefix *p);

/*
 * Prefix containment, the one definition: does @net hold @a (same family,
 * first net->len bits equal)? And the prefix @p as a whole (also
 * p->len >= net->len)?
 */
bool aegis_prefix_has_addr(const struct aegis_prefix *net,
			   const struct aegis_addr *a);
bool aegis_prefix_contains(const struct aegis_prefix *net,
			   const struct aegis_prefix *p);

/* Is @a an IPv6 link-local address (fe80::/10), which needs a scope? */
int aegis_addr_is_linklocal(const struct aegis_addr *a);

/*
 * The zone rule of endpoints: a link-local address must name its
 * interface, and no other address may. 0 if @has_zone fits @a;
 * -EDESTADDRREQ for a link-local address without one; -EINVAL for a zone
 * on any other address.
 */
int aegis_addr_zone_check(const struct aegis_addr *a, int has_zone);

/*
 * Parse "IPV4:PORT" or "[IPV6]:PORT", PORT 1..65535. A link-local IPv6
 * address needs its interface, and only it may have one:
 * "[fe80::1%eth0]:PORT" (or the ifindex, "%2"); the name is looked up
 * in the caller's network namespace. Returns 0 or -EINVAL with a
 * one-line reason in err.
 */
int aegis_endpoint_parse(const char *s, struct aegis_udp_endpoint *ep, char *err,
			 size_t errsz);

/*
 * Formatters: return 0, or -EINVAL (bad family/length) / -ENOSPC. An
 * endpoint's scope is written as the interface's name, or its number if
 * this namespace has no such interface.
 */
int aegis_addr_format(const struct aegis_addr *a, char *buf, size_t size);
int aegis_prefix_format(const struct aegis_prefix *p, char *buf, size_t size);
int aegis_endpoint_format(const struct aegis_udp_endpoint *ep, char *buf,
			  size_t size);

#endif /* AEGIS_NETADDR_H */
