/* SPDX-License-Identifier: MIT */
/*
 * The network's revocation list (issue 19): node ids the CA has revoked,
 * in a list the CA signs (RSA-PSS-SHA256, the agent's one signature
 * scheme) and versions. The bytes are the mesh's revocation list object
 * (layout: wire/wire_mesh.h, "REVOCATION LIST"), so that the same list can
 * later spread by gossip byte for byte; on disk they are PEM-armoured as
 * "AEGIS REVOCATION LIST" (`aegis-agent ca revoke` writes it).
 *
 * A list is accepted only if it parses, names our CA's key as its issuer
 * and carries the CA's valid signature over its signed span. Its
 * next_update passing does not void it: a stale list still revokes what
 * it names (fail closed); the agent warns.
 */
#ifndef AGENT_TRUST_REVOKE_H
#define AGENT_TRUST_REVOKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "wire/wire_mesh.h"

#define REVOKE_PEM_NAME	"AEGIS REVOCATION LIST"

struct revoke_list {
	uint8_t *bytes;			/* as signed (owned) */
	size_t len;
	struct wire_mesh_crl crl;	/* parsed, pointing into bytes */
};

/* Check @b against @ca and keep a copy in @out. 0 or -errno, @err set. */
int revoke_parse(const uint8_t *b, size_t len, X509 *ca,
		 struct revoke_list *out, char *err, size_t errsz);

/* Read and check a PEM file. 0 or -errno, @err set. */
int revoke_load(const char *path, X509 *ca, struct revoke_list *out,
		char *err, size_t errsz);

/* Write @b as a PEM file (0644, replaced atomically). 0 or -errno. */
int revoke_save(const char *path, const uint8_t *b, size_t len, char *err,
		size_t errsz);

/* Is @id on @l? A NULL or empty list revokes nothing. */
bool revoke_contains(const struct revoke_list *l, const uint8_t *id);

void revoke_free(struct revoke_list *l);

#endif /* AGENT_TRUST_REVOKE_H */
