// SPDX-License-Identifier: MIT
/* Unit tests: userspace/agent/trust/cert.c */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "trust/cert.h"
#include "ca/ca.h"
#include "trust/identity.h"
#include "netaddr.h"

#define DAY	86400

/*
 * Keys are generated once for the binary: the network CA, a second CA of
 * the same network name (an impostor) and one node key.
 */
struct fixture {
	char dir[64];
	char ca_key_path[128];
	char ca_cert_path[128];
	EVP_PKEY *ca_key;
	X509 *ca_cert;
	EVP_PKEY *ca2_key;
	X509 *ca2_cert;
	struct identity node;
};

static void path_in(const struct fixture *fx, const char *name, char *buf,
		    size_t size)
{
	assert_true((size_t)snprintf(buf, size, "%s/%s", fx->dir, name) < size);
}

static mode_t file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static int load_ca(const char *dir, const char *stem, EVP_PKEY **key,
		   X509 **cert)
{
	char kp[128], cp[128], err[256] = "";

	snprintf(kp, sizeof(kp), "%s/%s.key", dir, stem);
	snprintf(cp, sizeof(cp), "%s/%s.crt", dir, stem);
	if (ca_init(kp, cp, "testnet", 2048, CA_DEFAULT_DAYS, err,
		    sizeof(err)) ||
	    ca_load_key(kp, key, err, sizeof(err)) ||
	    cert_load_pem(cp, cert, err, sizeof(err))) {
		fprintf(stderr, "CA %s: %s\n", stem, err);
		return -1;
	}
	return 0;
}

static int group_setup(void **state)
{
	char path[128], err[256] = "";
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/aegis-test-cert.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	*state = fx;
	snprintf(fx->ca_key_path, sizeof(fx->ca_key_path), "%s/ca.key",
		 fx->dir);
	snprintf(fx->ca_cert_path, sizeof(fx->ca_cert_path), "%s/ca.crt",
		 fx->dir);
	snprintf(path, sizeof(path), "%s/node.key", fx->dir);
	if (load_ca(fx->dir, "ca", &fx->ca_key, &fx->ca_cert) ||
	    load_ca(fx->dir, "ca2", &fx->ca2_key, &fx->ca2_cert))
		return -1;
	if (identity_create(path, 2048, &fx->node, err, sizeof(err))) {
		fprintf(stderr, "node key: %s\n", err);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *fx = *state;
	DIR *d;

	EVP_PKEY_free(fx->ca_key);
	X509_free(fx->ca_cert);
	EVP_PKEY_free(fx->ca2_key);
	X509_free(fx->ca2_cert);
	identity_free(&fx->node);
	d = opendir(fx->dir);
	if (d) {
		struct dirent *de;

		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void parse_addr(const char *s, struct aegis_addr *a)
{
	assert_int_equal(aegis_addr_parse(s, a), 0);
}

static void parse_prefix(const char *s, struct aegis_prefix *p)
{
	assert_int_equal(aegis_prefix_parse(s, p, NULL, 0), 0);
}

/* node-1: 10.7.0.1 and fd00:7::1, two prefixes, relay and exit. */
static void make_req(struct cert_info *req)
{
	memset(req, 0, sizeof(*req));
	strcpy(req->name, "node-1");
	req->n_ips = 2;
	parse_addr("10.7.0.1", &req->ips[0]);
	parse_addr("fd00:7::1", &req->ips[1]);
	req->n_prefixes = 2;
	parse_prefix("192.168.1.0/24", &req->prefixes[0]);
	parse_prefix("fd00:1::/64", &req->prefixes[1]);
	req->roles = CERT_ROLE_RELAY | CERT_ROLE_EXIT;
}

static X509 *sign_ok(struct fixture *fx, const struct cert_info *req,
		     unsigned int days)
{
	char err[256] = "";
	X509 *x = NULL;
	int ret;

	ret = ca_sign(fx->ca_key, fx->ca_cert, fx->node.key, req, days, &x,
		      err, sizeof(err));
	if (ret)
		fprintf(stderr, "ca_sign: %s\n", err);
	assert_int_equal(ret, 0);
	assert_non_null(x);
	return x;
}

/* Re-parse a certificate from its DER: nothing cached survives. */
static X509 *reparse(X509 *x)
{
	uint8_t *der;
	size_t len;
	X509 *y = NULL;

	assert_int_equal(cert_to_der(x, &der, &len), 0);
	assert_int_equal(cert_from_der(der, len, &y), 0);
	OPENSSL_free(der);
	X509_free(x);
	return y;
}

/* The policy extension's text, into buf. */
static void policy_text(X509 *x, char *buf, size_t size)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(CERT_POLICY_OID, 1);
	const ASN1_OCTET_STRING *data;
	const unsigned char *p;
	ASN1_UTF8STRING *s;
	X509_EXTENSION *ext;
	int i;

	assert_non_null(obj);
	i = X509_get_ext_by_OBJ(x, obj, -1);
	assert_true(i >= 0);
	ext = X509_get_ext(x, i);
	assert_int_equal(X509_EXTENSION_get_critical(ext), 0);
	data = X509_EXTENSION_get_data(ext);
	p = ASN1_STRING_get0_data(data);
	s = d2i_ASN1_UTF8STRING(NULL, &p, ASN1_STRING_length(data));
	assert_non_null(s);
	assert_int_equal(ASN1_STRING_type(s), V_ASN1_UTF8STRING);
	assert_true((size_t)ASN1_STRING_length(s) < size);
	memcpy(buf, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
	buf[ASN1_STRING_length(s)] = '\0';
	ASN1_UTF8STRING_free(s);
	ASN1_OBJECT_free(obj);
}

static bool ext_critical(X509 *x, int nid)
{
	int i = X509_get_ext_by_NID(x, nid, -1);

	assert_true(i >= 0);
	return X509_EXTENSION_get_critical(X509_get_ext(x, i));
}

static void spki_sha256(EVP_PKEY *key, uint8_t out[32])
{
	unsigned char *der = NULL;
	unsigned int mdlen = 0;
	int len = i2d_PUBKEY(key, &der);

	assert_true(len > 0);
	assert_int_equal(EVP_Digest(der, (size_t)len, out, &mdlen,
				    EVP_sha256(), NULL), 1);
	assert_int_equal(mdlen, 32);
	OPENSSL_free(der);
}

static void test_ca_files(void **state)
{
	struct fixture *fx = *state;
	const ASN1_OCTET_STRING *ski;
	char buf[128], path[160], err[256];
	uint8_t want[32];
	EVP_PKEY *key = NULL;
	BIGNUM *serial;

	assert_int_equal(file_mode(fx->ca_key_path), 0600);
	assert_int_equal(file_mode(fx->ca_cert_path), 0644);

	/* Self-signed, named after the network. */
	X509_NAME_get_text_by_NID(X509_get_subject_name(fx->ca_cert),
				  NID_commonName, buf, sizeof(buf));
	assert_string_equal(buf, "testnet CA");
	X509_NAME_get_text_by_NID(X509_get_subject_name(fx->ca_cert),
				  NID_organizationName, buf, sizeof(buf));
	assert_string_equal(buf, "testnet");
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(fx->ca_cert),
				       X509_get_issuer_name(fx->ca_cert)), 0);
	assert_int_equal(X509_verify(fx->ca_cert, X509_get0_pubkey(fx->ca_cert)),
			 1);
	assert_int_equal(X509_get_version(fx->ca_cert), X509_VERSION_3);
	assert_int_equal(X509_get_signature_nid(fx->ca_cert),
			 NID_sha256WithRSAEncryption);

	/* CA:TRUE, keyCertSign and cRLSign, both critical. */
	assert_true(X509_get_extension_flags(fx->ca_cert) & EXFLAG_CA);
	assert_true(ext_critical(fx->ca_cert, NID_basic_constraints));
	assert_true(ext_critical(fx->ca_cert, NID_key_usage));
	assert_int_equal(X509_get_key_usage(fx->ca_cert),
			 KU_KEY_CERT_SIGN | KU_CRL_SIGN);

	/* SKI: SHA-256 of the SPKI. */
	ski = X509_get0_subject_key_id(fx->ca_cert);
	assert_non_null(ski);
	assert_int_equal(ASN1_STRING_length(ski), 32);
	spki_sha256(fx->ca_key, want);
	assert_memory_equal(ASN1_STRING_get0_data(ski), want, 32);

	/* A random positive serial of at most 128 bits. */
	serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(fx->ca_cert), NULL);
	assert_non_null(serial);
	assert_false(BN_is_negative(serial));
	assert_false(BN_is_zero(serial));
	assert_true(BN_num_bits(serial) <= 128);
	assert_true(BN_num_bits(serial) > 64);
	BN_free(serial);

	/* Valid from 5 minutes ago for 3650 days. */
	{
		time_t now = time(NULL);
		int pday, psec;

		assert_int_equal(ASN1_TIME_diff(&pday, &psec, NULL,
						X509_get0_notBefore(fx->ca_cert)), 1);
		assert_int_equal(pday, 0);
		assert_true(psec <= -300 + 0 && psec >= -300 - 600);
		assert_int_equal(X509_cmp_time(X509_get0_notAfter(fx->ca_cert),
					       &now), 1);
	}

	/* Nothing is overwritten. */
	assert_int_equal(ca_init(fx->ca_key_path, fx->ca_cert_path, "testnet",
				 2048, 10, err, sizeof(err)), -EEXIST);
	path_in(fx, "new-ca.crt", path, sizeof(path));
	assert_int_equal(ca_init(fx->ca_key_path, path, "testnet", 2048, 10,
				 err, sizeof(err)), -EEXIST);
	assert_int_equal(access(path, F_OK), -1);

	/* The CA key file must be private. */
	assert_int_equal(chmod(fx->ca_key_path, 0640), 0);
	assert_int_equal(ca_load_key(fx->ca_key_path, &key, err, sizeof(err)),
			 -EPERM);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(fx->ca_key_path, 0600), 0);
	assert_int_equal(ca_load_key(fx->ca_key_path, &key, err, sizeof(err)),
			 0);
	assert_int_equal(EVP_PKEY_eq(key, fx->ca_key), 1);
	EVP_PKEY_free(key);

	/* The CA certificate is no node certificate. */
	assert_int_equal(cert_verify(fx->ca_cert, fx->ca_cert, time(NULL),
				     NULL, NULL), CERT_MALFORMED);
}

static void test_ca_init_rejects(void **state)
{
	struct fixture *fx = *state;
	char kp[160], cp[160], err[256], longname[80];

	path_in(fx, "bad-ca.key", kp, sizeof(kp));
	path_in(fx, "bad-ca.crt", cp, sizeof(cp));
	memset(longname, 'a', 61);
	longname[61] = '\0';
	err[0] = '\0';
	assert_int_equal(ca_init(kp, cp, "", 2048, 10, err, sizeof(err)),
			 -EINVAL);
	assert_true(err[0] != '\0');
	assert_int_equal(ca_init(kp, cp, "a\nb", 2048, 10, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(ca_init(kp, cp, longname, 2048, 10, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(ca_init(kp, cp, "net", 2048, 0, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(ca_init(kp, cp, "net", 1024, 10, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(access(kp, F_OK), -1);
	assert_int_equal(access(cp, F_OK), -1);
}

static void test_sign_verify_ok(void **state)
{
	struct fixture *fx = *state;
	const ASN1_OCTET_STRING *ski, *aki;
	struct cert_info req, info;
	GENERAL_NAMES *gens;
	time_t now = time(NULL);
	char text[256];
	bool dns = false;
	X509 *x;
	int i;

	make_req(&req);
	x = reparse(sign_ok(fx, &req, 30));

	memset(&info, 0x55, sizeof(info));
	assert_int_equal(cert_verify(fx->ca_cert, x, now, NULL, &info),
			 CERT_OK);
	assert_memory_equal(info.node_id, fx->node.node_id, AEGIS_NODE_ID_LEN);
	assert_string_equal(info.name, "node-1");
	assert_string_equal(info.network, "testnet");
	assert_int_equal(info.n_ips, 2);
	assert_int_equal(info.ips[0].family, AF_INET);
	assert_memory_equal(&info.ips[0], &req.ips[0], sizeof(req.ips[0]));
	assert_int_equal(info.ips[1].family, AF_INET6);
	assert_memory_equal(&info.ips[1], &req.ips[1], sizeof(req.ips[1]));
	assert_int_equal(info.n_prefixes, 2);
	assert_memory_equal(&info.prefixes[0], &req.prefixes[0],
			    sizeof(req.prefixes[0]));
	assert_memory_equal(&info.prefixes[1], &req.prefixes[1],
			    sizeof(req.prefixes[1]));
	assert_int_equal(info.roles, CERT_ROLE_RELAY | CERT_ROLE_EXIT);
	assert_true(info.not_before <= now - 300 &&
		    info.not_before >= now - 300 - 60);
	assert_true(info.not_after >= now + 30 * DAY - 60 &&
		    info.not_after <= now + 30 * DAY + 60);

	/* The expected id, and no info at all. */
	assert_int_equal(cert_verify(fx->ca_cert, x, now, fx->node.node_id,
				     NULL), CERT_OK);

	/* cert_read_info gives the same. */
	{
		struct cert_info again;

		assert_int_equal(cert_read_info(x, &again), 0);
		assert_memory_equal(&again, &info, sizeof(info));
	}

	/* The X.509 side of it. */
	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	assert_int_equal(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
	assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(x),
				       X509_get_subject_name(fx->ca_cert)), 0);
	assert_false(X509_get_extension_flags(x) & EXFLAG_CA);
	assert_true(X509_get_extension_flags(x) & EXFLAG_BCONS);
	assert_true(ext_critical(x, NID_basic_constraints));
	assert_true(ext_critical(x, NID_key_usage));
	assert_false(ext_critical(x, NID_ext_key_usage));
	assert_int_equal(X509_get_key_usage(x),
			 KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	assert_int_equal(X509_get_extended_key_usage(x),
			 XKU_SSL_SERVER | XKU_SSL_CLIENT);
	ski = X509_get0_subject_key_id(x);
	assert_memory_equal(ASN1_STRING_get0_data(ski), fx->node.node_id, 32);
	aki = X509_get0_authority_key_id(x);
	assert_non_null(aki);
	assert_int_equal(ASN1_STRING_cmp(aki,
					 X509_get0_subject_key_id(fx->ca_cert)),
			 0);
	assert_true(X509_check_ip_asc(x, "10.7.0.1", 0) == 1);
	assert_true(X509_check_ip_asc(x, "fd00:7::1", 0) == 1);
	assert_true(X509_check_ip_asc(x, "10.7.0.2", 0) == 0);
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	assert_non_null(gens);
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *gen = sk_GENERAL_NAME_value(gens, i);

		if (gen->type == GEN_DNS) {
			assert_int_equal(ASN1_STRING_length(gen->d.dNSName), 6);
			assert_memory_equal(ASN1_STRING_get0_data(gen->d.dNSName),
					    "node-1", 6);
			dns = true;
		}
	}
	assert_true(dns);
	GENERAL_NAMES_free(gens);
	policy_text(x, text, sizeof(text));
	assert_string_equal(text,
			    "prefixes=192.168.1.0/24,fd00:1::/64;roles=relay,exit");
	X509_free(x);
}

static void test_empty_lists(void **state)
{
	struct fixture *fx = *state;
	struct cert_info req, info;
	char text[256];
	X509 *x;

	memset(&req, 0, sizeof(req));
	strcpy(req.name, "Node One");	/* not a host name: no DNS entry */
	strcpy(req.network, "testnet");
	x = reparse(sign_ok(fx, &req, 1));
	assert_int_equal(cert_verify(fx->ca_cert, x, time(NULL),
				     fx->node.node_id, &info), CERT_OK);
	assert_string_equal(info.name, "Node One");
	assert_int_equal(info.n_ips, 0);
	assert_int_equal(info.n_prefixes, 0);
	assert_int_equal(info.roles, 0);
	policy_text(x, text, sizeof(text));
	assert_string_equal(text, "prefixes=;roles=");
	assert_int_equal(X509_get_ext_by_NID(x, NID_subject_alt_name, -1), -1);
	X509_free(x);

	/* One role only. */
	req.roles = CERT_ROLE_EXIT;
	x = sign_ok(fx, &req, 1);
	policy_text(x, text, sizeof(text));
	assert_string_equal(text, "prefixes=;roles=exit");
	assert_int_equal(cert_verify(fx->ca_cert, x, time(NULL), NULL, &info),
			 CERT_OK);
	assert_int_equal(info.roles, CERT_ROLE_EXIT);
	X509_free(x);
}

static void test_wrong_ca(void **state)
{
	struct fixture *fx = *state;
	struct cert_info req, info;
	char err[256];
	X509 *x = NULL;

	/* The impostor CA has the very same name: only the key differs. */
	make_req(&req);
	assert_int_equal(ca_sign(fx->ca2_key, fx->ca2_cert, fx->node.key, &req,
				 30, &x, err, sizeof(err)), 0);
	x = reparse(x);
	assert_int_equal(cert_verify(fx->ca_cert, x, time(NULL), NULL, &info),
			 CERT_WRONG_CA);
	/* info is filled as far as it goes. */
	assert_string_equal(info.name, "node-1");
	assert_int_equal(cert_verify(fx->ca2_cert, x, time(NULL), NULL, NULL),
			 CERT_OK);
	X509_free(x);
}

static void test_validity_window(void **state)
{
	struct fixture *fx = *state;
	struct cert_info req;
	time_t now = time(NULL);
	char err[256];
	X509 *x = NULL;

	make_req(&req);
	assert_int_equal(ca_sign_window(fx->ca_key, fx->ca_cert, fx->node.key,
					&req, now - 10 * DAY, now - DAY, &x,
					err, sizeof(err)), 0);
	assert_int_equal(cert_verify(fx->ca_cert, x, now, NULL, NULL),
			 CERT_EXPIRED);
	/* Before that, the CA itself was not valid yet. */
	assert_int_equal(cert_verify(fx->ca_cert, x, now - 5 * DAY, NULL,
				     NULL), CERT_NOT_YET_VALID);
	X509_free(x);

	/* The time checked is now, not the clock. */
	assert_int_equal(ca_sign_window(fx->ca_key, fx->ca_cert, fx->node.key,
					&req, now, now + DAY, &x, err,
					sizeof(err)), 0);
	assert_int_equal(cert_verify(fx->ca_cert, x, now + 3600, NULL, NULL),
			 CERT_OK);
	assert_int_equal(cert_verify(fx->ca_cert, x, now + 2 * DAY, NULL,
				     NULL), CERT_EXPIRED);
	X509_free(x);

	assert_int_equal(ca_sign_window(fx->ca_key, fx->ca_cert, fx->node.key,
					&req, now + DAY, now + 10 * DAY, &x,
					err, sizeof(err)), 0);
	assert_int_equal(cert_verify(fx->ca_cert, x, now, NULL, NULL),
			 CERT_NOT_YET_VALID);
	assert_int_equal(cert_verify(fx->ca_cert, x, now + 2 * DAY, NULL,
				     NULL), CERT_OK);
	X509_free(x);

	/* An empty window is refused. */
	assert_int_equal(ca_sign_window(fx->ca_key, fx->ca_cert, fx->node.key,
					&req, now, now, &x, err, sizeof(err)),
			 -EINVAL);
	assert_null(x);
}

static void test_expected_id(void **state)
{
	struct fixture *fx = *state;
	uint8_t other[AEGIS_NODE_ID_LEN];
	struct cert_info req;
	X509 *x;

	make_req(&req);
	x = sign_ok(fx, &req, 30);
	memcpy(other, fx->node.node_id, sizeof(other));
	other[31] ^= 1;
	assert_int_equal(cert_verify(fx->ca_cert, x, time(NULL), other, NULL),
			 CERT_ID_MISMATCH);
	X509_free(x);
}

static void add_conf_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *val)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, val);

	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/*
 * A certificate for pub built here with plain X509 calls and signed by the
 * CA: SKI ski (none if NULL), the policy text (none if NULL), CA:TRUE if
 * ca.
 */
static X509 *hand_cert(const struct fixture *fx, EVP_PKEY *pub,
		       const uint8_t *ski, const char *policy, bool ca)
{
	X509_NAME *name = X509_NAME_new();
	X509 *x = X509_new();
	X509V3_CTX v3;

	assert_non_null(name);
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 4242), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
						    (const unsigned char *)"testnet",
						    -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
						    (const unsigned char *)"hand",
						    -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(x, name), 1);
	X509_NAME_free(name);
	assert_int_equal(X509_set_issuer_name(x,
					      X509_get_subject_name(fx->ca_cert)),
			 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -60));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_int_equal(X509_set_pubkey(x, pub), 1);

	X509V3_set_ctx(&v3, fx->ca_cert, x, NULL, NULL, 0);
	add_conf_ext(x, &v3, NID_basic_constraints,
		     ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	add_conf_ext(x, &v3, NID_authority_key_identifier, "keyid:always");
	if (ski) {
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();

		assert_non_null(os);
		assert_int_equal(ASN1_OCTET_STRING_set(os, ski, 32), 1);
		assert_int_equal(X509_add1_ext_i2d(x, NID_subject_key_identifier,
						   os, 0, X509V3_ADD_DEFAULT), 1);
		ASN1_OCTET_STRING_free(os);
	}
	if (policy) {
		ASN1_OBJECT *obj = OBJ_txt2obj(CERT_POLICY_OID, 1);
		ASN1_UTF8STRING *s = ASN1_UTF8STRING_new();
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		X509_EXTENSION *ext;
		unsigned char *der = NULL;
		int len;

		assert_non_null(obj);
		assert_non_null(s);
		assert_non_null(os);
		assert_int_equal(ASN1_STRING_set(s, policy, -1), 1);
		len = i2d_ASN1_UTF8STRING(s, &der);
		assert_true(len > 0);
		assert_int_equal(ASN1_OCTET_STRING_set(os, der, len), 1);
		ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
		assert_non_null(ext);
		assert_int_equal(X509_add_ext(x, ext, -1), 1);
		X509_EXTENSION_free(ext);
		OPENSSL_free(der);
		ASN1_OCTET_STRING_free(os);
		ASN1_UTF8STRING_free(s);
		ASN1_OBJECT_free(obj);
	}
	assert_true(X509_sign(x, fx->ca_key, EVP_sha256()) > 0);
	return reparse(x);
}

static enum cert_status verify_hand(const struct fixture *fx, EVP_PKEY *pub,
				    const uint8_t *ski, const char *policy,
				    bool ca, struct cert_info *info)
{
	X509 *x = hand_cert(fx, pub, ski, policy, ca);
	enum cert_status st;

	st = cert_verify(fx->ca_cert, x, time(NULL), NULL, info);
	X509_free(x);
	return st;
}

static void test_hand_built(void **state)
{
	struct fixture *fx = *state;
	static const char *const bad_policies[] = {
		"",
		"prefixes=",
		"roles=;prefixes=",
		"prefixes=10.0.0.1/8;roles=",
		"prefixes=10.0.0.0/33;roles=",
		"prefixes=10.0.0.0/8,;roles=",
		"prefixes=,10.0.0.0/8;roles=",
		"prefixes=10.0.0.0/8;roles=relay,",
		"prefixes=;roles=Relay",
		"prefixes=;roles=relay;x",
		"prefixes=;roles=relay;roles=exit",
		" prefixes=;roles=",
		"prefixes=;roles= relay",
		"prefixes=host;roles=",
	};
	const uint8_t *id = fx->node.node_id;
	uint8_t zeros[32] = { 0 }, ec_id[32];
	struct cert_info info;
	EVP_PKEY *ec;
	size_t i;

	/* Well built: fine, and unknown roles grant nothing. */
	assert_int_equal(verify_hand(fx, fx->node.key, id,
				     "prefixes=10.0.0.0/8;roles=relay,future-role",
				     false, &info), CERT_OK);
	assert_string_equal(info.name, "hand");
	assert_int_equal(info.n_prefixes, 1);
	assert_int_equal(info.roles, CERT_ROLE_RELAY);

	/* The SKI must be the hash of the key. */
	assert_int_equal(verify_hand(fx, fx->node.key, zeros, "prefixes=;roles=",
				     false, NULL), CERT_ID_MISMATCH);
	assert_int_equal(verify_hand(fx, fx->node.key, NULL, "prefixes=;roles=",
				     false, NULL), CERT_ID_MISMATCH);
	/* The CA's own key, with the node's id as SKI. */
	assert_int_equal(verify_hand(fx, fx->ca2_key, id, "prefixes=;roles=",
				     false, NULL), CERT_ID_MISMATCH);

	/* The policy extension is required and must parse. */
	assert_int_equal(verify_hand(fx, fx->node.key, id, NULL, false, NULL),
			 CERT_MALFORMED);
	for (i = 0; i < sizeof(bad_policies) / sizeof(bad_policies[0]); i++) {
		enum cert_status st = verify_hand(fx, fx->node.key, id,
						  bad_policies[i], false, NULL);

		if (st != CERT_MALFORMED)
			fail_msg("policy \"%s\": %s", bad_policies[i],
				 cert_status_str(st));
	}

	/* A node certificate may not be a CA. */
	assert_int_equal(verify_hand(fx, fx->node.key, id, "prefixes=;roles=",
				     true, NULL), CERT_MALFORMED);

	/* Only RSA keys. */
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(ec);
	assert_int_equal(identity_node_id(ec, ec_id), 0);
	assert_int_equal(verify_hand(fx, ec, ec_id, "prefixes=;roles=", false,
				     NULL), CERT_BAD_KEY);
	EVP_PKEY_free(ec);
}

static void test_allows_ip(void **state)
{
	struct fixture *fx = *state;
	struct cert_info req, info;
	struct aegis_addr a;
	X509 *x;

	make_req(&req);
	x = sign_ok(fx, &req, 30);
	assert_int_equal(cert_verify(fx->ca_cert, x, time(NULL), NULL, &info),
			 CERT_OK);
	parse_addr("10.7.0.1", &a);
	assert_true(cert_allows_ip(&info, &a));
	parse_addr("fd00:7::1", &a);
	assert_true(cert_allows_ip(&info, &a));
	parse_addr("10.7.0.2", &a);
	assert_false(cert_allows_ip(&info, &a));
	parse_addr("fd00:7::2", &a);
	assert_false(cert_allows_ip(&info, &a));
	parse_addr("::ffff:10.7.0.1", &a);
	assert_false(cert_allows_ip(&info, &a));
	/* Inside an allowed prefix is still not a mesh IP. */
	parse_addr("192.168.1.1", &a);
	assert_false(cert_allows_ip(&info, &a));
	memset(&a, 0, sizeof(a));
	assert_false(cert_allows_ip(&info, &a));
	X509_free(x);
}

static bool allows(const struct cert_info *info, const char *s)
{
	struct aegis_prefix p;

	parse_prefix(s, &p);
	return cert_allows_prefix(info, &p);
}

static void test_allows_prefix(void **state)
{
	struct fixture *fx = *state;
	struct cert_info req, info;
	struct aegis_prefix p;
	X509 *x;

	make_req(&req);
	x = sign_ok(fx, &req, 30);
	assert_int_equal(cert_verify(fx->ca_cert, x, time(NULL), NULL, &info),
			 CERT_OK);
	X509_free(x);

	assert_true(allows(&info, "192.168.1.0/24"));
	assert_true(allows(&info, "192.168.1.128/25"));
	assert_true(allows(&info, "192.168.1.7/32"));
	assert_false(allows(&info, "192.168.0.0/16"));	/* shorter */
	assert_false(allows(&info, "192.168.2.0/24"));	/* outside */
	assert_false(allows(&info, "0.0.0.0/0"));
	assert_true(allows(&info, "fd00:1::/64"));
	assert_true(allows(&info, "fd00:1::abcd:0:0:0/80"));
	assert_true(allows(&info, "fd00:1::1/128"));
	assert_false(allows(&info, "fd00:1::/48"));
	assert_false(allows(&info, "fd00:2::/64"));
	/* Mesh IPs as host prefixes, and only as such. */
	assert_true(allows(&info, "10.7.0.1/32"));
	assert_true(allows(&info, "fd00:7::1/128"));
	assert_false(allows(&info, "10.7.0.0/24"));
	assert_false(allows(&info, "10.7.0.2/32"));
	/* The other family, even with the same leading bytes. */
	assert_false(allows(&info, "::ffff:192.168.1.0/120"));
	parse_prefix("192.168.1.0/24", &p);
	p.addr.family = AF_INET6;
	assert_false(cert_allows_prefix(&info, &p));
	p.addr.family = AF_INET;
	p.len = 33;
	assert_false(cert_allows_prefix(&info, &p));

	/* Lengths that are not multiples of 8. */
	memset(&info, 0, sizeof(info));
	info.n_prefixes = 2;
	parse_prefix("10.0.0.0/9", &info.prefixes[0]);
	parse_prefix("2001:db8:8000::/33", &info.prefixes[1]);
	assert_true(allows(&info, "10.127.0.0/16"));
	assert_false(allows(&info, "10.128.0.0/16"));
	assert_false(allows(&info, "10.0.0.0/8"));
	assert_true(allows(&info, "2001:db8:ffff::/48"));
	assert_false(allows(&info, "2001:db8:7fff::/48"));
}

static void test_der(void **state)
{
	struct fixture *fx = *state;
	struct cert_info req;
	uint8_t *der, *der2, *copy;
	size_t len, len2;
	X509 *x, *y = NULL;

	make_req(&req);
	x = sign_ok(fx, &req, 30);
	assert_int_equal(cert_to_der(x, &der, &len), 0);
	assert_int_equal(cert_from_der(der, len, &y), 0);
	assert_int_equal(cert_verify(fx->ca_cert, y, time(NULL),
				     fx->node.node_id, NULL), CERT_OK);
	assert_int_equal(cert_to_der(y, &der2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(der, der2, len);
	OPENSSL_free(der2);
	X509_free(y);
	y = NULL;

	/* Truncated, with trailing bytes, empty. */
	assert_int_equal(cert_from_der(der, len - 1, &y), -EINVAL);
	copy = malloc(len + 1);
	assert_non_null(copy);
	memcpy(copy, der, len);
	copy[len] = 0;
	assert_int_equal(cert_from_der(copy, len + 1, &y), -EINVAL);
	assert_int_equal(cert_from_der(der, 0, &y), -EINVAL);
	assert_int_equal(cert_from_der(NULL, len, &y), -EINVAL);
	assert_null(y);

	/* A flipped bit in the signature (the last bytes of the DER). */
	memcpy(copy, der, len);
	copy[len - 1] ^= 0x01;
	if (cert_from_der(copy, len, &y) == 0) {
		enum cert_status st = cert_verify(fx->ca_cert, y, time(NULL),
						  NULL, NULL);

		assert_true(st == CERT_WRONG_CA || st == CERT_MALFORMED);
		X509_free(y);
		y = NULL;
	}

	/* The name changed in the signed part: node-1 -> node-2. */
	memcpy(copy, der, len);
	{
		uint8_t *p = memmem(copy, len, "node-1", 6);

		assert_non_null(p);
		p[5] = '2';
	}
	assert_int_equal(cert_from_der(copy, len, &y), 0);
	assert_int_equal(cert_verify(fx->ca_cert, y, time(NULL), NULL, NULL),
			 CERT_WRONG_CA);
	X509_free(y);

	free(copy);
	OPENSSL_free(der);
	X509_free(x);
}

static void test_pem(void **state)
{
	struct fixture *fx = *state;
	char path[160], err[256];
	struct cert_info req;
	uint8_t *der1, *der2;
	size_t len1, len2;
	X509 *x, *y = NULL;
	FILE *f;

	make_req(&req);
	x = sign_ok(fx, &req, 30);
	path_in(fx, "node.crt", path, sizeof(path));
	assert_int_equal(cert_save_pem(path, x, err, sizeof(err)), 0);
	assert_int_equal(file_mode(path), 0644);
	/* Saving again replaces it. */
	assert_int_equal(cert_save_pem(path, x, err, sizeof(err)), 0);
	assert_int_equal(cert_load_pem(path, &y, err, sizeof(err)), 0);
	assert_int_equal(cert_to_der(x, &der1, &len1), 0);
	assert_int_equal(cert_to_der(y, &der2, &len2), 0);
	assert_int_equal(len1, len2);
	assert_memory_equal(der1, der2, len1);
	OPENSSL_free(der1);
	OPENSSL_free(der2);
	X509_free(y);
	y = NULL;

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not a certificate\n", f);
	fclose(f);
	assert_int_equal(cert_load_pem(path, &y, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "node.crt"));
	unlink(path);
	assert_int_equal(cert_load_pem(path, &y, err, sizeof(err)), -ENOENT);
	assert_null(y);
	assert_int_equal(ERR_peek_error(), 0);
	X509_free(x);
}

static void test_sign_rejects(void **state)
{
	struct fixture *fx = *state;
	struct cert_info req;
	char err[256];
	EVP_PKEY *ec;
	X509 *x = NULL;

#define REJECT(ca_key, ca_cert, pub, days)					\
	do {									\
		err[0] = '\0';							\
		assert_int_equal(ca_sign(ca_key, ca_cert, pub, &req, days, &x,	\
					 err, sizeof(err)), -EINVAL);		\
		assert_null(x);							\
		assert_true(err[0] != '\0');					\
	} while (0)

	make_req(&req);
	REJECT(fx->ca_key, fx->ca_cert, fx->node.key, 0);
	/* The CA key must go with the CA certificate. */
	REJECT(fx->ca2_key, fx->ca_cert, fx->node.key, 30);
	/* A node certificate cannot sign. */
	x = sign_ok(fx, &req, 30);
	{
		X509 *node_cert = x;

		x = NULL;
		REJECT(fx->node.key, node_cert, fx->node.key, 30);
		X509_free(node_cert);
	}

	strcpy(req.network, "othernet");
	REJECT(fx->ca_key, fx->ca_cert, fx->node.key, 30);

	make_req(&req);
	req.name[0] = '\0';
	REJECT(fx->ca_key, fx->ca_cert, fx->node.key, 30);
	strcpy(req.name, "bad\nname");
	REJECT(fx->ca_key, fx->ca_cert, fx->node.key, 30);
	memset(req.name, 'a', sizeof(req.name));	/* not terminated */
	REJECT(fx->ca_key, fx->ca_cert, fx->node.key, 30);

	make_req(&req);
	req.n_ips = CERT_MAX_IPS + 1;
	REJECT(fx->ca_key, fx->ca_cert, fx->node.key, 30);
	make_req(&req);
	req.ips[1].family = 0;
	REJECT(fx->ca_key, fx->ca_cert, fx->node.key, 30);

	make_req(&req);
	parse_prefix("192.168.1.0/24", &req.prefixes[0]);
	req.prefixes[0].addr.u.bytes[3] = 1;		/* host bits */
	REJECT(fx->ca_key, fx->ca_cert, fx->node.key, 30);
	req.prefixes[0].len = 33;
	REJECT(fx->ca_key, fx->ca_cert, fx->node.key, 30);
	make_req(&req);
	req.n_prefixes = CERT_MAX_PREFIXES + 1;
	REJECT(fx->ca_key, fx->ca_cert, fx->node.key, 30);

	make_req(&req);
	req.roles = 1U << 5;
	REJECT(fx->ca_key, fx->ca_cert, fx->node.key, 30);

	make_req(&req);
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(ec);
	REJECT(fx->ca_key, fx->ca_cert, ec, 30);
	EVP_PKEY_free(ec);
#undef REJECT
}

static void test_many_prefixes(void **state)
{
	struct fixture *fx = *state;
	struct cert_info req, info;
	char s[64];
	unsigned int i;
	X509 *x;

	make_req(&req);
	req.n_prefixes = CERT_MAX_PREFIXES;
	for (i = 0; i < CERT_MAX_PREFIXES; i++) {
		snprintf(s, sizeof(s), "fd00:%x:ffff:ffff:ffff:ffff:ffff:ff00/120",
			 i + 1);
		parse_prefix(s, &req.prefixes[i]);
	}
	x = reparse(sign_ok(fx, &req, 30));
	assert_int_equal(cert_verify(fx->ca_cert, x, time(NULL), NULL, &info),
			 CERT_OK);
	assert_int_equal(info.n_prefixes, CERT_MAX_PREFIXES);
	assert_memory_equal(info.prefixes, req.prefixes, sizeof(req.prefixes));
	X509_free(x);
}

static void test_status_str(void **state)
{
	enum cert_status st;
	size_t i, j;
	const char *s[CERT_BAD_KEY + 1];

	(void)state;
	assert_string_equal(cert_status_str(CERT_WRONG_CA),
			    "not signed by this network's CA");
	assert_string_equal(cert_status_str(CERT_EXPIRED), "expired");
	assert_string_equal(cert_status_str(CERT_NOT_YET_VALID),
			    "not yet valid");
	for (st = CERT_OK; st <= CERT_BAD_KEY; st++) {
		s[st] = cert_status_str(st);
		assert_non_null(s[st]);
		assert_true(s[st][0] != '\0');
	}
	for (i = 0; i <= CERT_BAD_KEY; i++)
		for (j = i + 1; j <= CERT_BAD_KEY; j++)
			assert_string_not_equal(s[i], s[j]);
	assert_non_null(cert_status_str((enum cert_status)99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ca_files),
		cmocka_unit_test(test_ca_init_rejects),
		cmocka_unit_test(test_sign_verify_ok),
		cmocka_unit_test(test_empty_lists),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_validity_window),
		cmocka_unit_test(test_expected_id),
		cmocka_unit_test(test_hand_built),
		cmocka_unit_test(test_allows_ip),
		cmocka_unit_test(test_allows_prefix),
		cmocka_unit_test(test_der),
		cmocka_unit_test(test_pem),
		cmocka_unit_test(test_sign_rejects),
		cmocka_unit_test(test_many_prefixes),
		cmocka_unit_test(test_status_str),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
