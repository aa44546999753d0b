/* SPDX-License-Identifier: MIT */
/*
 * Socket addresses of the agent's UDP socket. The socket is IPv6 with
 * IPV6_V6ONLY off, so IPv4 peers appear as v4-mapped addresses
 * (::ffff:a.b.c.d); the kernel wants them as plain IPv4 endpoints.
 */
#ifndef AGENT_ADDR_H
#define AGENT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "netaddr.h"

/* For the socket: IPv4 becomes v4-mapped IPv6. */
void addr_to_socket(const struct sockaddr *in, struct sockaddr_storage *out,
		    socklen_t *len);
/* For the kernel and for humans: v4-mapped becomes IPv4. -EAFNOSUPPORT. */
int addr_to_endpoint(const struct sockaddr *in, struct aegis_udp_endpoint *ep);
/* The reverse, for the socket (v4-mapped). 0 or -EAFNOSUPPORT. */
int addr_from_endpoint(const struct aegis_udp_endpoint *ep,
		       struct sockaddr_storage *out, socklen_t *len);
bool addr_equal(const struct sockaddr *a, const struct sockaddr *b);
/* "192.0.2.1:443" / "[2001:db8::1]:443" / "[fe80::1%eth0]:443". */
const char *addr_str(const struct sockaddr *in, char *buf, size_t size);
/* Resolve host:port (names too) to a socket address. 0 or -errno. */
int addr_resolve(const char *host, unsigned int port,
		 struct sockaddr_storage *out, socklen_t *len, char *err,
		 size_t errsz);

#endif /* AGENT_ADDR_H */
