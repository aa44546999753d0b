// SPDX-License-Identifier: MIT
/*
 * Fuzzes trust/revoke.c: checking a revocation list against the fixture's
 * CA (harness.h), as the agent does with its revocation_file and as the
 * mesh will with lists it is handed.
 *
 * Input: a flags byte, then the list.
 *   bit 0  re-sign the signed span with the CA key first (when the list
 *          parses), so that what follows the signature check sees mutated
 *          lists too
 *
 * Checks: a list is accepted only if the CA signed it (without bit 0 no
 * input the fuzzer makes can be, unless it is a seed's signed list left
 * as it was); an accepted list is kept byte for byte, its ids are strictly
 * increasing and each is revoked, and an id one above the last is not.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "trust/identity.h"
#include "trust/revoke.h"

#define F_RESIGN	0x01

static const struct fuzz_fixture *fx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fx = fuzz_fixture();
	return 0;
}

/* Replace the signature of a parsed list with the CA's over its span. */
static uint8_t *resign(const uint8_t *b, size_t len, size_t *out_len)
{
	struct wire_mesh_crl crl;
	struct identity_span s;
	uint8_t *out, sig[WIRE_MAX_SIG];
	size_t sig_len = (size_t)EVP_PKEY_get_size(fx->ca_key);

	if (wire_mesh_parse_crl(b, len, &crl) || sig_len > sizeof(sig))
		return NULL;
	s.p = b;
	s.len = crl.signed_len;
	if (identity_sign(fx->ca_key, &s, 1, sig, sig_len))
		return NULL;
	out = malloc(crl.signed_len + 2 + sig_len);
	if (!out)
		return NULL;
	memcpy(out, b, crl.signed_len);
	out[crl.signed_len] = (uint8_t)(sig_len >> 8);
	out[crl.signed_len + 1] = (uint8_t)sig_len;
	memcpy(out + crl.signed_len + 2, sig, sig_len);
	*out_len = crl.signed_len + 2 + sig_len;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *signed_copy = NULL, next[WIRE_MESH_ID_LEN] = { 0 };
	const uint8_t *b = data + 1;
	struct revoke_list l;
	size_t len, i;
	char err[256];

	if (!size)
		return 0;
	len = size - 1;
	if (data[0] & F_RESIGN) {
		signed_copy = resign(b, len, &len);
		if (!signed_copy)
			return 0;
		b = signed_copy;
	}
	if (revoke_parse(b, len, fx->ca, &l, err, sizeof(err))) {
		FUZZ_CHECK(!l.bytes && err[0]);
		free(signed_copy);
		return 0;
	}
	FUZZ_CHECK(l.len == len && !memcmp(l.bytes, b, len));
	FUZZ_CHECK(l.crl.n <= WIRE_MESH_MAX_REVOKED);
	for (i = 0; i < l.crl.n; i++) {
		const uint8_t *id = l.crl.ids + i * WIRE_MESH_ID_LEN;

		FUZZ_CHECK(revoke_contains(&l, id));
		if (i)
			FUZZ_CHECK(memcmp(id - WIRE_MESH_ID_LEN, id,
					  WIRE_MESH_ID_LEN) < 0);
	}
	if (l.crl.n) {
		int j;

		/* The last id plus one (with carry): not on the list. */
		memcpy(next, l.crl.ids + (l.crl.n - 1) * WIRE_MESH_ID_LEN,
		       WIRE_MESH_ID_LEN);
		for (j = WIRE_MESH_ID_LEN - 1; j >= 0 && ++next[j] == 0; j--)
			;
		if (j >= 0)
			FUZZ_CHECK(!revoke_contains(&l, next));
	}
	revoke_free(&l);
	FUZZ_CHECK(!revoke_contains(&l, next));
	free(signed_copy);
	return 0;
}
