// SPDX-License-Identifier: MIT
/*
 * Fuzzes trust/cert.c: reading a node certificate and checking it against
 * the fixture's CA (harness.h), as HELLO, INIT, RESP and the member
 * table's fetched certificates do with DER, and as the agent's own files
 * are read (PEM).
 *
 * Input: a flags byte, then the certificate.
 *   bit 0  PEM through cert_load_pem() (a memfd), else DER through
 *          cert_from_der()
 *   bit 1  expect alpha's node id (cert_verify()'s expected_id)
 *   bit 2  re-sign with the CA key first, so that the checks after the
 *          signature (extensions, key, node id, policy) see mutated
 *          certificates too
 *   bit 3  check at a time taken from the next 4 bytes (else the
 *          fixture's now)
 *
 * Checks: statuses and their names are in range; CERT_OK means the info
 * reads cleanly, the node id is the SHA-256 of the key, the names pass
 * cert_name_ok(), the lists are within their bounds, the certificate's own
 * prefixes and mesh IPs are allowed by it; a certificate that parses
 * encodes to DER that parses again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/err.h>

#include "harness.h"
#include "trust/cert.h"
#include "trust/identity.h"

#define F_PEM		0x01
#define F_EXPECT	0x02
#define F_RESIGN	0x04
#define F_TIME		0x08

static const struct fuzz_fixture *fx;
static int memfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fx = fuzz_fixture();
	memfd = memfd_create("fuzz_cert", MFD_CLOEXEC);
	return memfd < 0 ? -1 : 0;
}

static X509 *read_pem(const uint8_t *p, size_t n)
{
	char path[64], err[256];
	X509 *x = NULL;

	if (ftruncate(memfd, 0) || pwrite(memfd, p, n, 0) != (ssize_t)n)
		return NULL;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	if (cert_load_pem(path, &x, err, sizeof(err))) {
		FUZZ_CHECK(err[0]);
		return NULL;
	}
	return x;
}

static void check_ok(X509 *x, const struct cert_info *info,
		     const uint8_t *expected)
{
	uint8_t id[AEGIS_NODE_ID_LEN];
	struct cert_info again;
	unsigned int i;

	FUZZ_CHECK(!cert_read_info(x, &again));
	FUZZ_CHECK(!memcmp(&again, info, sizeof(again)));
	FUZZ_CHECK(!identity_node_id(X509_get0_pubkey(x), id));
	FUZZ_CHECK(!memcmp(id, info->node_id, sizeof(id)));
	if (expected)
		FUZZ_CHECK(!memcmp(id, expected, sizeof(id)));
	FUZZ_CHECK(identity_key_ok(X509_get0_pubkey(x)));
	FUZZ_CHECK(cert_name_ok(info->name, CERT_NAME_MAX - 1));
	FUZZ_CHECK(cert_name_ok(info->network, CERT_NAME_MAX - 1));
	FUZZ_CHECK(info->n_ips <= CERT_MAX_IPS);
	FUZZ_CHECK(info->n_prefixes <= CERT_MAX_PREFIXES);
	FUZZ_CHECK(!(info->roles & ~(CERT_ROLE_RELAY | CERT_ROLE_EXIT)));
	for (i = 0; i < info->n_ips; i++) {
		struct aegis_prefix host;

		FUZZ_CHECK(cert_allows_ip(info, &info->ips[i]));
		memset(&host, 0, sizeof(host));
		host.addr = info->ips[i];
		host.len = (uint8_t)(aegis_addr_len(host.addr.family) * 8);
		FUZZ_CHECK(cert_allows_prefix(info, &host));
	}
	for (i = 0; i < info->n_prefixes; i++) {
		FUZZ_CHECK(aegis_prefix_valid(&info->prefixes[i]));
		FUZZ_CHECK(cert_allows_prefix(info, &info->prefixes[i]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *expected = NULL;
	struct cert_info info;
	enum cert_status st;
	struct fuzz_in in;
	uint8_t flags, *der = NULL;
	size_t der_len;
	time_t now;
	X509 *x = NULL, *y = NULL;

	fuzz_in_init(&in, data, size);
	flags = fuzz_u8(&in);
	now = fx->now;
	if (flags & F_TIME)
		now = (time_t)fuzz_u32(&in) * 64;
	if (flags & F_EXPECT)
		expected = fx->alpha.id;

	if (flags & F_PEM) {
		x = read_pem(in.p, in.n);
	} else if (cert_from_der(in.p, in.n, &x)) {
		FUZZ_CHECK(!x);
		return 0;
	}
	if (!x)
		return 0;

	if (flags & F_RESIGN) {
		/* What the CA would have signed: re-encoded, then read back
		 * as the wire would carry it. */
		if (!X509_sign(x, fx->ca_key, EVP_sha256())) {
			ERR_clear_error();
			X509_free(x);
			return 0;
		}
		if (cert_to_der(x, &der, &der_len)) {
			X509_free(x);
			return 0;
		}
		X509_free(x);
		x = NULL;
		if (cert_from_der(der, der_len, &x)) {
			OPENSSL_free(der);
			return 0;
		}
		OPENSSL_free(der);
		der = NULL;
	}

	st = cert_verify(fx->ca, x, now, expected, &info);
	FUZZ_CHECK(st <= CERT_BAD_KEY);
	FUZZ_CHECK(strcmp(cert_status_str(st), "unknown certificate status"));
	if (st == CERT_OK)
		check_ok(x, &info, expected);
	cert_read_info(x, &info);
	FUZZ_CHECK(info.n_ips <= CERT_MAX_IPS &&
		   info.n_prefixes <= CERT_MAX_PREFIXES);
	FUZZ_CHECK(memchr(info.name, '\0', sizeof(info.name)));
	FUZZ_CHECK(memchr(info.network, '\0', sizeof(info.network)));

	if (!cert_to_der(x, &der, &der_len)) {
		FUZZ_CHECK(!cert_from_der(der, der_len, &y));
		X509_free(y);
		OPENSSL_free(der);
	}
	X509_free(x);
	ERR_clear_error();
	return 0;
}
