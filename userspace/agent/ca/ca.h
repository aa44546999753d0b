/* SPDX-License-Identifier: MIT */
/*
 * The network CA (ca.c): creating it and issuing node certificates. Used
 * by `aegis-agent ca ...` and the tests; never by the running daemon.
 */
#ifndef AGENT_CA_CA_H
#define AGENT_CA_CA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "trust/cert.h"

#define CERT_DEFAULT_DAYS	365
#define CA_DEFAULT_DAYS		3650

/*
 * Create a CA: an RSA key (bits) at key_path (0600, O_EXCL) and a
 * self-signed certificate at cert_path for network name, valid days.
 */
int ca_init(const char *key_path, const char *cert_path, const char *network,
	    unsigned int bits, unsigned int days, char *err, size_t errsz);

/*
 * Issue a node certificate for subject_pub with the fields of req (its
 * node_id is ignored and computed from subject_pub; not_before/not_after
 * are ignored: valid from now - 5 min for days). Returns 0 or -errno.
 */
int ca_sign(EVP_PKEY *ca_key, X509 *ca_cert, EVP_PKEY *subject_pub,
	    const struct cert_info *req, unsigned int days, X509 **out,
	    char *err, size_t errsz);

/* Same, with an explicit validity window (tests: expired certificates). */
int ca_sign_window(EVP_PKEY *ca_key, X509 *ca_cert, EVP_PKEY *subject_pub,
		   const struct cert_info *req, time_t not_before,
		   time_t not_after, X509 **out, char *err, size_t errsz);

struct revoke_list;

/*
 * Issue a revocation list (ca_revoke.c): the ids of @old (NULL: none)
 * plus @n_add ids at @add (32 bytes each), sorted and without repeats,
 * version one above @old's (1 without one), issued @now, next update
 * @days later, signed by @ca_key. *@out (malloc'ed, *@out_len bytes) is
 * the list as trust/revoke.h reads it. 0 or -errno with @err set.
 */
int ca_revoke(EVP_PKEY *ca_key, X509 *ca_cert, const struct revoke_list *old,
	      const uint8_t *add, size_t n_add, unsigned int days, time_t now,
	      uint8_t **out, size_t *out_len, char *err, size_t errsz);

/* CA private key (0600 enforced like identity_load). */
int ca_load_key(const char *path, EVP_PKEY **out, char *err, size_t errsz);

#endif /* AGENT_CA_CA_H */
