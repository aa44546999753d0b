/* SPDX-License-Identifier: MIT */
/*
 * Node identity: an RSA key (2048 bits by default; 3072 and 4096 allowed)
 * kept as an unencrypted PKCS#8 PEM file of mode 0600, created once and
 * then reused. The node id is SHA-256 of the DER SubjectPublicKeyInfo.
 */
#ifndef AGENT_IDENTITY_H
#define AGENT_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <linux/aegisray.h>

#define IDENTITY_DEFAULT_BITS	2048

struct identity {
	EVP_PKEY *key;				/* private key */
	uint8_t node_id[AEGIS_NODE_ID_LEN];
};

/* 2048, 3072 or 4096 -> true. */
bool identity_bits_ok(unsigned int bits);

/*
 * Create a new key file (O_EXCL, mode 0600; -EEXIST if it exists) and load
 * it into id. Returns 0 or -errno with a reason in err.
 */
int identity_create(const char *path, unsigned int bits, struct identity *id,
		    char *err, size_t errsz);

/*
 * Load an existing key file. Refuses (-EPERM) a file readable or writable
 * by group or others, and anything that is not an RSA key of an allowed
 * size (-EINVAL).
 */
int identity_load(const char *path, struct identity *id, char *err,
		  size_t errsz);

/* The node id of any public key (SHA-256 of its DER SPKI). 0 or -EINVAL. */
int identity_node_id(const EVP_PKEY *pub, uint8_t id[AEGIS_NODE_ID_LEN]);

/* Load a public key from a PEM file holding either a public or a private
 * key (only the public half is kept). Caller frees with EVP_PKEY_free. */
int identity_load_public(const char *path, EVP_PKEY **pub, char *err,
			 size_t errsz);

/* Write the public key as PEM SPKI (mode 0644). */
int identity_save_public(const char *path, const EVP_PKEY *key, char *err,
			 size_t errsz);

void identity_free(struct identity *id);

/* An RSA key of an allowed size (public or private)? */
bool identity_key_ok(const EVP_PKEY *key);

/*
 * Write a PEM file through fn(bio, obj) (which returns 1 on success, as the
 * PEM_write_bio_* functions do), with permissions mode, and fsync it.
 * replace = false: create path with O_EXCL (-EEXIST if it exists).
 * replace = true: write a temporary file next to path and rename it over
 * path, so that readers see the old file or the new one, never a part.
 * Shared with the CA code (cert.c). Returns 0 or -errno with err set.
 */
typedef int (*identity_pem_writer)(BIO *bio, const void *obj);
int identity_write_pem(const char *path, mode_t mode, bool replace,
		       identity_pem_writer fn, const void *obj, char *err,
		       size_t errsz);

/*
 * The one signature scheme of the agent (handshakes, node records): RSA-PSS
 * with SHA-256, MGF1-SHA-256 and a salt as long as the digest, over the
 * concatenation of the spans. identity_sign writes exactly sig_size bytes
 * (the key's size) or fails with -errno.
 */
struct identity_span {
	const uint8_t *p;
	size_t len;
};

int identity_sign(EVP_PKEY *key, const struct identity_span *s, size_t n,
		  uint8_t *sig, size_t sig_size);
bool identity_verify(EVP_PKEY *pub, const struct identity_span *s, size_t n,
		     const uint8_t *sig, size_t siglen);

#endif /* AGENT_IDENTITY_H */
