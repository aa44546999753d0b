/* SPDX-License-Identifier: MIT */
/*
 * Network CA and node certificates (standard X.509 v3, OpenSSL).
 *
 * A node certificate binds:
 *   - the node id: the Subject Key Identifier extension holds the 32-byte
 *     SHA-256 node id, and must equal the hash of the certified key;
 *   - the node name (subject CN) and the network name (subject O);
 *   - the mesh IPs: subjectAltName IP entries;
 *   - the prefixes it may advertise and its roles: a private extension
 *     (CERT_POLICY_OID) holding a UTF8String such as
 *     "prefixes=192.168.1.0/24,fd00:1::/64;roles=relay,exit";
 *   - an expiry (notAfter).
 * The CA is a self-signed RSA certificate (basicConstraints CA:TRUE,
 * keyUsage keyCertSign). `openssl x509 -text` reads both.
 */
#ifndef AGENT_CERT_H
#define AGENT_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <linux/aegisray.h>

#include "netaddr.h"

/* 2.25.<UUID as integer>.1: an OID that needs no registration (X.667). */
#define CERT_POLICY_OID	"2.25.218393105473011584924311785310617829457.1"

#define CERT_MAX_IPS		4
#define CERT_MAX_PREFIXES	64
#define CERT_NAME_MAX		64

/* "prefixes=P1,P2,...;roles=relay,exit": every prefix with its comma fits
 * in AEGIS_PREFIX_STRSIZE. */
#define CERT_POLICY_MAX	(sizeof("prefixes=;roles=relay,exit") + \
			 CERT_MAX_PREFIXES * AEGIS_PREFIX_STRSIZE)

#define CERT_ROLE_RELAY		(1U << 0)
#define CERT_ROLE_EXIT		(1U << 1)


/* Why a certificate was refused. */
enum cert_status {
	CERT_OK = 0,
	CERT_MALFORMED,		/* not parseable / missing extensions */
	CERT_WRONG_CA,		/* not signed by our CA */
	CERT_EXPIRED,		/* notAfter is past */
	CERT_NOT_YET_VALID,	/* notBefore is in the future */
	CERT_ID_MISMATCH,	/* SKI != SHA-256(key), or != expected id */
	CERT_BAD_KEY,		/* not RSA 2048/3072/4096 */
};

const char *cert_status_str(enum cert_status st);

struct cert_info {
	uint8_t node_id[AEGIS_NODE_ID_LEN];
	char name[CERT_NAME_MAX];
	char network[CERT_NAME_MAX];
	unsigned int n_ips;
	struct aegis_addr ips[CERT_MAX_IPS];
	unsigned int n_prefixes;
	struct aegis_prefix prefixes[CERT_MAX_PREFIXES];
	uint32_t roles;			/* CERT_ROLE_* */
	time_t not_before;
	time_t not_after;
};

/*
 * Check cert against ca at time now: signature by the CA, validity window,
 * key type and size, SKI = SHA-256(key), the policy extension. Fills info
 * on CERT_OK (and as far as parsed otherwise). If expected_id is not NULL
 * the node id must equal it (CERT_ID_MISMATCH otherwise).
 */
enum cert_status cert_verify(X509 *ca, X509 *cert, time_t now,
			     const uint8_t *expected_id,
			     struct cert_info *info);

/* Parse the fields without checking anything (status, printing). */
int cert_read_info(X509 *cert, struct cert_info *info);

/* Is addr one of the certificate's mesh IPs? */
bool cert_allows_ip(const struct cert_info *info, const struct aegis_addr *addr);

/* Is p inside one of the certificate's prefixes (or one of its IPs as a
 * host prefix)? */
bool cert_allows_prefix(const struct cert_info *info,
			const struct aegis_prefix *p);

/* DER and PEM in and out. */
int cert_from_der(const uint8_t *der, size_t len, X509 **out);
int cert_to_der(X509 *cert, uint8_t **der, size_t *len);	/* OPENSSL_free */
int cert_load_pem(const char *path, X509 **out, char *err, size_t errsz);
int cert_save_pem(const char *path, X509 *cert, char *err, size_t errsz);

/* Shared with ca/ca.c, which issues what this file reads. */
int cert_policy_nid(void);
/* A node or network name: 1..max printable ASCII characters, no leading
 * or trailing space. */
bool cert_name_ok(const char *s, size_t max);
/* The entry nid of name into buf as a name cert_name_ok() accepts. */
int cert_name_entry(const X509_NAME *name, int nid, char *buf, size_t size);
/* An identity_pem_writer for an X509. */
struct bio_st;
int cert_pem_write(struct bio_st *bio, const void *cert);

#endif /* AGENT_CERT_H */
