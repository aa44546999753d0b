// SPDX-License-Identifier: MIT
/* The CA-signed revocation list: reading and checking it (revoke.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "core/errmsg.h"
#include "trust/identity.h"
#include "trust/revoke.h"

int revoke_parse(const uint8_t *b, size_t len, X509 *ca,
		 struct revoke_list *out, char *err, size_t errsz)
{
	uint8_t ca_id[AEGIS_NODE_ID_LEN];
	struct identity_span s;
	EVP_PKEY *ca_pub;

	memset(out, 0, sizeof(*out));
	if (!ca || !(ca_pub = X509_get0_pubkey(ca)) ||
	    identity_node_id(ca_pub, ca_id)) {
		errmsg_set(err, errsz, "revocation list: no usable CA certificate");
		return -EINVAL;
	}
	out->bytes = malloc(len ? len : 1);
	if (!out->bytes) {
		errmsg_set(err, errsz, "revocation list: out of memory");
		return -ENOMEM;
	}
	memcpy(out->bytes, b, len);
	out->len = len;
	if (wire_mesh_parse_crl(out->bytes, len, &out->crl)) {
		errmsg_set(err, errsz, "revocation list: malformed");
		goto err_free;
	}
	if (CRYPTO_memcmp(out->crl.issuer, ca_id, sizeof(ca_id))) {
		errmsg_set(err, errsz, "revocation list: issued by another CA than ours");
		goto err_free;
	}
	s.p = out->bytes;
	s.len = out->crl.signed_len;
	if (!identity_verify(ca_pub, &s, 1, out->crl.sig, out->crl.sig_len)) {
		errmsg_set(err, errsz, "revocation list: the CA's signature does not verify");
		goto err_free;
	}
	return 0;

err_free:
	revoke_free(out);
	return -EINVAL;
}

int revoke_load(const char *path, X509 *ca, struct revoke_list *out,
		char *err, size_t errsz)
{
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long len = 0;
	FILE *f;
	int ret;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		errmsg_set(err, errsz, "cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	if (!PEM_read(f, &name, &header, &data, &len) ||
	    strcmp(name, REVOKE_PEM_NAME) || len <= 0) {
		errmsg_set(err, errsz, "%s: not a PEM \"%s\"", path, REVOKE_PEM_NAME);
		ret = -EINVAL;
		goto out;
	}
	ret = revoke_parse(data, (size_t)len, ca, out, err, errsz);
	if (ret) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		errmsg_set(err, errsz, "%s: %s", path, why);
	}
out:
	fclose(f);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	return ret;
}

struct revoke_blob {
	const uint8_t *b;
	size_t len;
};

static int revoke_pem_write(BIO *bio, const void *obj)
{
	const struct revoke_blob *blob = obj;

	return PEM_write_bio(bio, REVOKE_PEM_NAME, "", blob->b,
			     (long)blob->len) > 0;
}

int revoke_save(const char *path, const uint8_t *b, size_t len, char *err,
		size_t errsz)
{
	struct revoke_blob blob = { .b = b, .len = len };

	return identity_write_pem(path, 0644, true, revoke_pem_write, &blob,
				  err, errsz);
}

bool revoke_contains(const struct revoke_list *l, const uint8_t *id)
{
	return l && l->bytes && wire_mesh_crl_contains(&l->crl, id);
}

void revoke_free(struct revoke_list *l)
{
	if (!l)
		return;
	free(l->bytes);
	memset(l, 0, sizeof(*l));
}
