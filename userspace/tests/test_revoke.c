// SPDX-License-Identifier: MIT
/*
 * Unit tests: the revocation list, issued by ca/ca_revoke.c and read by
 * trust/revoke.c. A list grows (old ids kept, new ones merged in order,
 * no repeats, version one higher); it is accepted only from our CA, with
 * its signature intact, and from a PEM file of its own kind; what it
 * names is revoked and nothing else is.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ca/ca.h"
#include "trust/cert.h"
#include "trust/revoke.h"

struct fixture {
	char dir[64];
	EVP_PKEY *key, *other_key;
	X509 *ca, *other_ca;
};

static int load_ca(const char *dir, const char *stem, EVP_PKEY **key,
		   X509 **cert)
{
	char kp[128], cp[128], err[256] = "";

	snprintf(kp, sizeof(kp), "%s/%s.key", dir, stem);
	snprintf(cp, sizeof(cp), "%s/%s.crt", dir, stem);
	if (ca_init(kp, cp, "testnet", 2048, CA_DEFAULT_DAYS, err, sizeof(err)) ||
	    ca_load_key(kp, key, err, sizeof(err)) ||
	    cert_load_pem(cp, cert, err, sizeof(err))) {
		fprintf(stderr, "CA %s: %s\n", stem, err);
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_revoke.XXXXXX");
	if (!mkdtemp(fx->dir) ||
	    load_ca(fx->dir, "ca", &fx->key, &fx->ca) ||
	    load_ca(fx->dir, "other", &fx->other_key, &fx->other_ca))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	EVP_PKEY_free(fx->key);
	EVP_PKEY_free(fx->other_key);
	X509_free(fx->ca);
	X509_free(fx->other_ca);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	if (system(cmd))
		return -1;
	free(fx);
	return 0;
}

static void id_of(uint8_t *id, uint8_t v)
{
	memset(id, v, 32);
}

static void test_grow(void **state)
{
	struct fixture *fx = *state;
	struct revoke_list l1, l2;
	uint8_t add[3 * 32], id[32];
	uint8_t *b1 = NULL, *b2 = NULL;
	size_t n1, n2;
	char err[256];

	id_of(add, 0x30);
	id_of(add + 32, 0x10);
	id_of(add + 64, 0x30);		/* a repeat */
	assert_int_equal(ca_revoke(fx->key, fx->ca, NULL, add, 3, 30, 1000000,
				   &b1, &n1, err, sizeof(err)), 0);
	assert_int_equal(revoke_parse(b1, n1, fx->ca, &l1, err, sizeof(err)), 0);
	assert_int_equal(l1.crl.version, 1);
	assert_int_equal(l1.crl.n, 2);
	assert_int_equal(l1.crl.issued, 1000000);
	assert_int_equal(l1.crl.next_update, 1000000 + 30 * 86400);
	id_of(id, 0x10);
	assert_true(revoke_contains(&l1, id));
	id_of(id, 0x30);
	assert_true(revoke_contains(&l1, id));
	id_of(id, 0x20);
	assert_false(revoke_contains(&l1, id));

	/* A second revocation keeps the first ones, in order. */
	id_of(add, 0x20);
	id_of(add + 32, 0x10);
	assert_int_equal(ca_revoke(fx->key, fx->ca, &l1, add, 2, 7, 2000000,
				   &b2, &n2, err, sizeof(err)), 0);
	assert_int_equal(revoke_parse(b2, n2, fx->ca, &l2, err, sizeof(err)), 0);
	assert_int_equal(l2.crl.version, 2);
	assert_int_equal(l2.crl.n, 3);
	assert_memory_equal(l2.crl.ids, (uint8_t[32]){ [0 ... 31] = 0x10 }, 32);
	assert_memory_equal(l2.crl.ids + 32, (uint8_t[32]){ [0 ... 31] = 0x20 }, 32);
	assert_memory_equal(l2.crl.ids + 64, (uint8_t[32]){ [0 ... 31] = 0x30 }, 32);
	assert_true(revoke_contains(&l2, id));
	/* Nothing revokes nothing. */
	assert_false(revoke_contains(NULL, id));
	revoke_free(&l1);
	assert_false(revoke_contains(&l1, id));
	revoke_free(&l2);
	free(b1);
	free(b2);
}

static void test_refused(void **state)
{
	struct fixture *fx = *state;
	struct revoke_list l;
	uint8_t add[32], *b = NULL, *bad;
	size_t n, i;
	char err[256];

	id_of(add, 0x42);
	assert_int_equal(ca_revoke(fx->key, fx->ca, NULL, add, 1, 30, 1000000,
				   &b, &n, err, sizeof(err)), 0);
	/* Another CA's list. */
	assert_int_equal(revoke_parse(b, n, fx->other_ca, &l, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "another CA"));
	assert_null(l.bytes);
	/* Any byte changed: malformed or a bad signature, never accepted. */
	bad = malloc(n);
	assert_non_null(bad);
	for (i = 0; i < n; i++) {
		memcpy(bad, b, n);
		bad[i] ^= 0x01;
		assert_int_not_equal(revoke_parse(bad, n, fx->ca, &l, err,
						  sizeof(err)), 0);
	}
	/* Truncated. */
	for (i = 0; i < n; i += 7)
		assert_int_not_equal(revoke_parse(b, i, fx->ca, &l, err,
						  sizeof(err)), 0);
	free(bad);
	free(b);
}

static void test_file(void **state)
{
	struct fixture *fx = *state;
	struct revoke_list l;
	char path[128], cert[128], err[256];
	uint8_t add[32], *b = NULL;
	size_t n;

	id_of(add, 0x77);
	assert_int_equal(ca_revoke(fx->key, fx->ca, NULL, add, 1, 30, 1000000,
				   &b, &n, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/revoked.pem", fx->dir);
	assert_int_equal(revoke_save(path, b, n, err, sizeof(err)), 0);
	assert_int_equal(revoke_load(path, fx->ca, &l, err, sizeof(err)), 0);
	assert_int_equal(l.len, n);
	assert_memory_equal(l.bytes, b, n);
	assert_true(revoke_contains(&l, add));
	revoke_free(&l);
	/* Another CA: the file's name is in the error. */
	assert_int_equal(revoke_load(path, fx->other_ca, &l, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, path));
	/* A certificate is not a revocation list. */
	snprintf(cert, sizeof(cert), "%s/ca.crt", fx->dir);
	assert_int_equal(revoke_load(cert, fx->ca, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, REVOKE_PEM_NAME));
	/* No file. */
	snprintf(path, sizeof(path), "%s/none.pem", fx->dir);
	assert_int_equal(revoke_load(path, fx->ca, &l, err, sizeof(err)), -ENOENT);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
