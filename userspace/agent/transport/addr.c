// SPDX-License-Identifier: MIT
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "transport/addr.h"

void addr_to_socket(const struct sockaddr *in, struct sockaddr_storage *out,
		    socklen_t *len)
{
	memset(out, 0, sizeof(*out));
	if (in->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)in;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = s4->sin_port;
		s6->sin6_addr.s6_addr[10] = 0xff;
		s6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&s6->sin6_addr.s6_addr[12], &s4->sin_addr, 4);
		*len = sizeof(*s6);
		return;
	}
	memcpy(out, in, sizeof(struct sockaddr_in6));
	*len = sizeof(struct sockaddr_in6);
}

int addr_to_endpoint(const struct sockaddr *in, struct aegis_udp_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (in->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)in;

		ep->port = ntohs(s4->sin_port);
		return aegis_addr_from_bytes(&ep->addr, AF_INET, &s4->sin_addr, 4);
	}
	if (in->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)in;

		ep->port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			return aegis_addr_from_bytes(&ep->addr, AF_INET,
						     &s6->sin6_addr.s6_addr[12], 4);
		if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
			ep->scope = s6->sin6_scope_id;
		return aegis_addr_from_bytes(&ep->addr, AF_INET6, &s6->sin6_addr,
					     16);
	}
	return -EAFNOSUPPORT;
}

int addr_from_endpoint(const struct aegis_udp_endpoint *ep,
		       struct sockaddr_storage *out, socklen_t *len)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (ep->addr.family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(ep->port);
		s4->sin_addr = ep->addr.u.v4;
	} else if (ep->addr.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(ep->port);
		s6->sin6_addr = ep->addr.u.v6;
		s6->sin6_scope_id = ep->scope;
	} else {
		return -EAFNOSUPPORT;
	}
	addr_to_socket((struct sockaddr *)&ss, out, len);
	return 0;
}

bool addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	struct aegis_udp_endpoint ea, eb;

	if (addr_to_endpoint(a, &ea) || addr_to_endpoint(b, &eb))
		return false;
	return ea.port == eb.port && ea.addr.family == eb.addr.family &&
	       ea.scope == eb.scope &&
	       !memcmp(ea.addr.u.bytes, eb.addr.u.bytes,
		       aegis_addr_len(ea.addr.family));
}

const char *addr_str(const struct sockaddr *in, char *buf, size_t size)
{
	struct aegis_udp_endpoint ep;

	if (addr_to_endpoint(in, &ep) || aegis_endpoint_format(&ep, buf, size))
		snprintf(buf, size, "?");
	return buf;
}

int addr_resolve(const char *host, unsigned int port,
		 struct sockaddr_storage *out, socklen_t *len, char *err,
		 size_t errsz)
{
	struct addrinfo hints, *res = NULL;
	char service[8];
	int ret;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%u", port);
	ret = getaddrinfo(host, service, &hints, &res);
	if (ret) {
		snprintf(err, errsz, "cannot resolve %s: %s", host,
			 gai_strerror(ret));
		return ret == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	}
	addr_to_socket(res->ai_addr, out, len);
	freeaddrinfo(res);
	return 0;
}
