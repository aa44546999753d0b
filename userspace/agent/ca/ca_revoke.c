// SPDX-License-Identifier: MIT
/*
 * Issuing the network's revocation list (trust/revoke.h): the ids of the
 * previous list plus the new ones, sorted, one version higher, signed by
 * the CA. Used by `aegis-agent ca revoke`; never by the daemon.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ca/ca.h"
#include "core/errmsg.h"
#include "trust/identity.h"
#include "trust/revoke.h"

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, AEGIS_NODE_ID_LEN);
}

/* Sort @ids (@n of them) and drop repeats; returns how many are left. */
static size_t ids_sort_unique(uint8_t *ids, size_t n)
{
	size_t i, out = 0;

	qsort(ids, n, AEGIS_NODE_ID_LEN, id_cmp);
	for (i = 0; i < n; i++) {
		if (out && !memcmp(ids + (out - 1) * AEGIS_NODE_ID_LEN,
				   ids + i * AEGIS_NODE_ID_LEN, AEGIS_NODE_ID_LEN))
			continue;
		memmove(ids + out * AEGIS_NODE_ID_LEN, ids + i * AEGIS_NODE_ID_LEN,
			AEGIS_NODE_ID_LEN);
		out++;
	}
	return out;
}

int ca_revoke(EVP_PKEY *ca_key, X509 *ca_cert, const struct revoke_list *old,
	      const uint8_t *add, size_t n_add, unsigned int days, time_t now,
	      uint8_t **out, size_t *out_len, char *err, size_t errsz)
{
	size_t n_old = old && old->bytes ? old->crl.n : 0, n, sig_len;
	uint8_t issuer[AEGIS_NODE_ID_LEN], *ids, *buf = NULL, *sig = NULL;
	struct wire_mesh_crl crl = { 0 };
	struct wire_mesh_buf w;
	struct identity_span s;
	int ret = -EINVAL;

	*out = NULL;
	*out_len = 0;
	if (identity_node_id(X509_get0_pubkey(ca_cert), issuer)) {
		errmsg_set(err, errsz, "revoke: the CA certificate has no usable key");
		return -EINVAL;
	}
	if (n_old + n_add > WIRE_MESH_MAX_REVOKED) {
		errmsg_set(err, errsz, "revoke: a list holds at most %d node ids",
			   WIRE_MESH_MAX_REVOKED);
		return -E2BIG;
	}
	ids = malloc((n_old + n_add + 1) * AEGIS_NODE_ID_LEN);
	buf = malloc(WIRE_MESH_MAX_CRL);
	sig_len = (size_t)EVP_PKEY_get_size(ca_key);
	sig = malloc(sig_len ? sig_len : 1);
	if (!ids || !buf || !sig) {
		errmsg_set(err, errsz, "revoke: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	if (n_old)
		memcpy(ids, old->crl.ids, n_old * AEGIS_NODE_ID_LEN);
	if (n_add)
		memcpy(ids + n_old * AEGIS_NODE_ID_LEN, add, n_add * AEGIS_NODE_ID_LEN);
	n = ids_sort_unique(ids, n_old + n_add);

	crl.issuer = issuer;
	crl.version = old && old->bytes ? old->crl.version + 1 : 1;
	crl.issued = (uint64_t)now;
	crl.next_update = (uint64_t)now + (uint64_t)days * 86400;
	crl.n = (unsigned int)n;
	crl.ids = ids;
	wire_mesh_buf_init(&w, buf, WIRE_MESH_MAX_CRL);
	if (wire_mesh_crl_build(&w, &crl)) {
		errmsg_set(err, errsz, "revoke: the list does not encode");
		goto out;
	}
	s.p = w.data;
	s.len = w.len;
	if (identity_sign(ca_key, &s, 1, sig, sig_len) ||
	    wire_mesh_crl_add_sig(&w, sig, sig_len)) {
		errmsg_set(err, errsz, "revoke: signing with the CA key failed");
		goto out;
	}
	*out = buf;
	*out_len = w.len;
	buf = NULL;
	ret = 0;
out:
	free(ids);
	free(buf);
	free(sig);
	return ret;
}
