// SPDX-License-Identifier: MIT
/*
 * The network CA: creating it and issuing node certificates (X.509 v3
 * with OpenSSL). Only `aegis-agent ca ...` runs this; the daemon reads
 * and checks certificates with trust/cert.c alone.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/ca.h"
#include "core/errmsg.h"
#include "netaddr.h"
#include "trust/cert.h"
#include "trust/identity.h"

/* Certificates start 5 minutes in the past: clocks are never quite equal. */
#define CERT_BACKDATE	(5 * 60)
#define CERT_MAX_DAYS	36500U
#define SECS_PER_DAY	86400

/* The SKI of a node certificate is its node id; the CA's too. */
#define SKI_LEN		AEGIS_NODE_ID_LEN

/* " CA" is appended to the network name for the CA's common name. */
#define CA_CN_SUFFIX	" CA"
#define NETWORK_MAX	(CERT_NAME_MAX - 1 - (sizeof(CA_CN_SUFFIX) - 1))


static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* A DNS host name (RFC 1123): dot-separated labels of 1..63 letters,
 * digits and inner hyphens, 253 characters at most. */
static bool hostname_ok(const char *s)
{
	size_t i, label = 0, n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum(s[i]) && (s[i] != '-' || label == 0))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s[n - 1] != '-';
}

/* ---- The policy extension ---------------------------------------------- */

static int append(char *buf, size_t size, size_t *off, const char *s)
{
	size_t n = strlen(s);

	if (*off + n >= size)
		return -ENOSPC;
	memcpy(buf + *off, s, n + 1);
	*off += n;
	return 0;
}

static int policy_format(const struct cert_info *req, char *buf, size_t size)
{
	char pfx[AEGIS_PREFIX_STRSIZE];
	size_t off = 0;
	unsigned int i;
	int ret;

	ret = append(buf, size, &off, "prefixes=");
	for (i = 0; !ret && i < req->n_prefixes; i++) {
		ret = aegis_prefix_format(&req->prefixes[i], pfx, sizeof(pfx));
		if (!ret && i)
			ret = append(buf, size, &off, ",");
		if (!ret)
			ret = append(buf, size, &off, pfx);
	}
	if (!ret)
		ret = append(buf, size, &off, ";roles=");
	if (!ret && (req->roles & CERT_ROLE_RELAY))
		ret = append(buf, size, &off, "relay");
	if (!ret && (req->roles & CERT_ROLE_EXIT))
		ret = append(buf, size, &off,
			     req->roles & CERT_ROLE_RELAY ? ",exit" : "exit");
	return ret;
}

/* ---- Building certificates --------------------------------------------- */

/* Add an extension from its OpenSSL structure, which the caller frees. */
static int add_ext(X509 *x, int nid, void *value, bool critical)
{
	return X509_add1_ext_i2d(x, nid, value, critical ? 1 : 0,
				 X509V3_ADD_DEFAULT) == 1 ? 0 : -EINVAL;
}

static int add_basic_constraints(X509 *x, bool ca)
{
	BASIC_CONSTRAINTS *bc;
	int ret;

	bc = BASIC_CONSTRAINTS_new();
	if (!bc)
		return -ENOMEM;
	bc->ca = ca ? 0xff : 0;
	ret = add_ext(x, NID_basic_constraints, bc, true);
	BASIC_CONSTRAINTS_free(bc);
	return ret;
}

/* keyUsage bit numbers (RFC 5280 4.2.1.3). */
enum {
	KU_BIT_DIGITAL_SIGNATURE = 0,
	KU_BIT_KEY_ENCIPHERMENT = 2,
	KU_BIT_KEY_CERT_SIGN = 5,
	KU_BIT_CRL_SIGN = 6,
};

static int add_key_usage(X509 *x, int bit1, int bit2)
{
	ASN1_BIT_STRING *ku;
	int ret = -ENOMEM;

	ku = ASN1_BIT_STRING_new();
	if (!ku)
		return -ENOMEM;
	if (ASN1_BIT_STRING_set_bit(ku, bit1, 1) != 1 ||
	    ASN1_BIT_STRING_set_bit(ku, bit2, 1) != 1)
		goto out;
	ret = add_ext(x, NID_key_usage, ku, true);
out:
	ASN1_BIT_STRING_free(ku);
	return ret;
}

static int add_ext_key_usage(X509 *x)
{
	EXTENDED_KEY_USAGE *eku;
	int ret = -ENOMEM;

	eku = sk_ASN1_OBJECT_new_null();
	if (!eku)
		return -ENOMEM;
	/* OBJ_nid2obj() gives static objects: the stack alone is freed. */
	if (!sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth)) ||
	    !sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_client_auth)))
		goto out;
	ret = add_ext(x, NID_ext_key_usage, eku, false);
out:
	sk_ASN1_OBJECT_free(eku);
	return ret;
}

static int add_ski(X509 *x, const uint8_t id[SKI_LEN])
{
	ASN1_OCTET_STRING *os;
	int ret = -ENOMEM;

	os = ASN1_OCTET_STRING_new();
	if (!os)
		return -ENOMEM;
	if (ASN1_OCTET_STRING_set(os, id, SKI_LEN) == 1)
		ret = add_ext(x, NID_subject_key_identifier, os, false);
	ASN1_OCTET_STRING_free(os);
	return ret;
}

static int add_aki(X509 *x, const ASN1_OCTET_STRING *ca_ski)
{
	AUTHORITY_KEYID *akid;
	int ret = -ENOMEM;

	akid = AUTHORITY_KEYID_new();
	if (!akid)
		return -ENOMEM;
	akid->keyid = ASN1_OCTET_STRING_dup(ca_ski);
	if (akid->keyid)
		ret = add_ext(x, NID_authority_key_identifier, akid, false);
	AUTHORITY_KEYID_free(akid);
	return ret;
}

/* Append a general name of type with value (taken over, also on error). */
static int push_gen(GENERAL_NAMES *gens, int type, ASN1_STRING *value)
{
	GENERAL_NAME *gen;

	if (!value)
		return -ENOMEM;
	gen = GENERAL_NAME_new();
	if (!gen) {
		ASN1_STRING_free(value);
		return -ENOMEM;
	}
	GENERAL_NAME_set0_value(gen, type, value);
	if (!sk_GENERAL_NAME_push(gens, gen)) {
		GENERAL_NAME_free(gen);
		return -ENOMEM;
	}
	return 0;
}

/* A new ASN1_STRING of type (V_ASN1_*) holding len bytes of data. */
static ASN1_STRING *new_string(int type, const void *data, size_t len)
{
	ASN1_STRING *s = ASN1_STRING_type_new(type);

	if (s && ASN1_STRING_set(s, data, (int)len) != 1) {
		ASN1_STRING_free(s);
		s = NULL;
	}
	return s;
}

/* subjectAltName: an IP entry per mesh IP, and the name as DNS entry if it
 * is a host name. Nothing at all if that makes no entry. */
static int add_san(X509 *x, const struct cert_info *req)
{
	GENERAL_NAMES *gens;
	unsigned int i;
	int ret = 0;

	gens = sk_GENERAL_NAME_new_null();
	if (!gens)
		return -ENOMEM;
	for (i = 0; !ret && i < req->n_ips; i++) {
		const struct aegis_addr *a = &req->ips[i];

		ret = push_gen(gens, GEN_IPADD,
			       new_string(V_ASN1_OCTET_STRING, a->u.bytes,
					  aegis_addr_len(a->family)));
	}
	if (!ret && hostname_ok(req->name))
		ret = push_gen(gens, GEN_DNS,
			       new_string(V_ASN1_IA5STRING, req->name,
					  strlen(req->name)));
	if (!ret && sk_GENERAL_NAME_num(gens) > 0)
		ret = add_ext(x, NID_subject_alt_name, gens, false);
	GENERAL_NAMES_free(gens);
	return ret;
}

/* The private extension: a DER UTF8String, non-critical. */
static int add_policy(X509 *x, const char *text)
{
	ASN1_OCTET_STRING *os = NULL;
	X509_EXTENSION *ext = NULL;
	ASN1_UTF8STRING *utf8;
	unsigned char *der = NULL;
	int nid, len, ret = -ENOMEM;

	nid = cert_policy_nid();
	if (nid == NID_undef)
		return -EINVAL;
	utf8 = new_string(V_ASN1_UTF8STRING, text, strlen(text));
	if (!utf8)
		return -ENOMEM;
	len = i2d_ASN1_UTF8STRING(utf8, &der);
	if (len <= 0)
		goto out;
	os = new_string(V_ASN1_OCTET_STRING, der, (size_t)len);
	if (!os)
		goto out;
	ext = X509_EXTENSION_create_by_NID(NULL, nid, 0, os);
	if (!ext)
		goto out;
	if (X509_add_ext(x, ext, -1) == 1)
		ret = 0;
out:
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	OPENSSL_free(der);
	ASN1_UTF8STRING_free(utf8);
	return ret;
}

/* O=<o>, CN=<cn>. */
static X509_NAME *make_name(const char *cn, const char *o)
{
	X509_NAME *name = X509_NAME_new();

	if (!name)
		return NULL;
	if (X509_NAME_add_entry_by_NID(name, NID_organizationName,
				       MBSTRING_UTF8, (const unsigned char *)o,
				       -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
				       (const unsigned char *)cn, -1, -1,
				       0) != 1) {
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

/* A random positive 128-bit serial number. */
static int set_random_serial(X509 *x)
{
	BIGNUM *bn;
	int ret = -EINVAL;

	bn = BN_new();
	if (!bn)
		return -ENOMEM;
	do {
		if (BN_rand(bn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1)
			goto out;
	} while (BN_is_zero(bn));
	if (BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		ret = 0;
out:
	BN_free(bn);
	return ret;
}

/* A v3 certificate with everything but extensions and signature. */
static X509 *new_cert(const X509_NAME *subject, const X509_NAME *issuer,
		      EVP_PKEY *pub, time_t not_before, time_t not_after)
{
	X509 *x = X509_new();

	if (!x)
		return NULL;
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    set_random_serial(x) ||
	    X509_set_subject_name(x, subject) != 1 ||
	    X509_set_issuer_name(x, issuer) != 1 ||
	    !ASN1_TIME_set(X509_getm_notBefore(x), not_before) ||
	    !ASN1_TIME_set(X509_getm_notAfter(x), not_after) ||
	    X509_set_pubkey(x, pub) != 1) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int ca_init(const char *key_path, const char *cert_path, const char *network,
	    unsigned int bits, unsigned int days, char *err, size_t errsz)
{
	char cn[CERT_NAME_MAX];
	struct identity ca;
	X509_NAME *name;
	time_t now;
	X509 *x;
	int ret;

	if (!cert_name_ok(network, NETWORK_MAX)) {
		errmsg_set(err, errsz,
			"network name must be 1 to %zu printable ASCII characters",
			NETWORK_MAX);
		return -EINVAL;
	}
	if (days == 0 || days > CERT_MAX_DAYS) {
		errmsg_set(err, errsz, "CA validity must be 1 to %u days",
			CERT_MAX_DAYS);
		return -EINVAL;
	}
	if (!cert_path || !*cert_path) {
		errmsg_set(err, errsz, "no CA certificate file name");
		return -EINVAL;
	}
	/* An early, friendly refusal; O_EXCL below is what guarantees it. */
	if (access(cert_path, F_OK) == 0) {
		errmsg_set(err, errsz, "%s already exists; not overwriting it",
			cert_path);
		return -EEXIST;
	}
	snprintf(cn, sizeof(cn), "%s%s", network, CA_CN_SUFFIX);

	ret = identity_create(key_path, bits, &ca, err, errsz);
	if (ret)
		return ret;

	ret = -ENOMEM;
	name = make_name(cn, network);
	if (!name) {
		errmsg_set_ssl(err, errsz, "cannot build the CA name");
		goto err_unlink_key;
	}
	now = time(NULL);
	x = new_cert(name, name, ca.key, now - CERT_BACKDATE,
		     now + (time_t)days * SECS_PER_DAY);
	X509_NAME_free(name);
	if (!x) {
		errmsg_set_ssl(err, errsz, "cannot build the CA certificate");
		goto err_unlink_key;
	}
	/* The SKI is the SHA-256 of the SPKI, as for nodes: the node id. */
	if (add_basic_constraints(x, true) ||
	    add_key_usage(x, KU_BIT_KEY_CERT_SIGN, KU_BIT_CRL_SIGN) ||
	    add_ski(x, ca.node_id)) {
		errmsg_set_ssl(err, errsz, "cannot add the CA certificate extensions");
		goto err_free_cert;
	}
	if (!X509_sign(x, ca.key, EVP_sha256())) {
		errmsg_set_ssl(err, errsz, "cannot sign the CA certificate");
		goto err_free_cert;
	}
	ret = identity_write_pem(cert_path, 0644, false, cert_pem_write, x, err,
				 errsz);
	if (ret)
		goto err_free_cert;
	X509_free(x);
	identity_free(&ca);
	return 0;

err_free_cert:
	X509_free(x);
err_unlink_key:
	unlink(key_path);
	identity_free(&ca);
	return ret;
}

/* Is req fit to be certified? Sets err if not. */
static int check_request(const struct cert_info *req, char *err, size_t errsz)
{
	char s[AEGIS_PREFIX_STRSIZE];
	unsigned int i;

	if (!cert_name_ok(req->name, CERT_NAME_MAX - 1)) {
		errmsg_set(err, errsz,
			"node name must be 1 to %d printable ASCII characters",
			CERT_NAME_MAX - 1);
		return -EINVAL;
	}
	if (req->n_ips > CERT_MAX_IPS) {
		errmsg_set(err, errsz, "%u mesh IPs; at most %d", req->n_ips,
			CERT_MAX_IPS);
		return -EINVAL;
	}
	for (i = 0; i < req->n_ips; i++) {
		if (!aegis_addr_len(req->ips[i].family)) {
			errmsg_set(err, errsz, "mesh IP %u has no address family",
				i + 1);
			return -EINVAL;
		}
	}
	if (req->n_prefixes > CERT_MAX_PREFIXES) {
		errmsg_set(err, errsz, "%u prefixes; at most %d",
			req->n_prefixes, CERT_MAX_PREFIXES);
		return -EINVAL;
	}
	for (i = 0; i < req->n_prefixes; i++) {
		if (aegis_prefix_valid(&req->prefixes[i]))
			continue;
		if (aegis_prefix_format(&req->prefixes[i], s, sizeof(s)))
			snprintf(s, sizeof(s), "#%u", i + 1);
		errmsg_set(err, errsz,
			"prefix %s: bad length or host bits set", s);
		return -EINVAL;
	}
	if (req->roles & ~(CERT_ROLE_RELAY | CERT_ROLE_EXIT)) {
		errmsg_set(err, errsz, "unknown roles 0x%x", (unsigned int)req->roles);
		return -EINVAL;
	}
	return 0;
}

int ca_sign_window(EVP_PKEY *ca_key, X509 *ca_cert, EVP_PKEY *subject_pub,
		   const struct cert_info *req, time_t not_before,
		   time_t not_after, X509 **out, char *err, size_t errsz)
{
	char ca_net[CERT_NAME_MAX], policy[CERT_POLICY_MAX];
	const ASN1_OCTET_STRING *ca_ski;
	uint8_t id[AEGIS_NODE_ID_LEN];
	const char *network;
	X509_NAME *subject;
	X509 *x;
	int ret;

	if (!ca_key || !ca_cert || !subject_pub || !req || !out) {
		errmsg_set(err, errsz,
			"missing CA key, CA certificate, node key or request");
		return -EINVAL;
	}
	*out = NULL;
	if (X509_check_private_key(ca_cert, ca_key) != 1) {
		errmsg_set(err, errsz, "the CA key does not match the CA certificate");
		return -EINVAL;
	}
	ca_ski = X509_get0_subject_key_id(ca_cert);
	if (!(X509_get_extension_flags(ca_cert) & EXFLAG_CA) || !ca_ski) {
		errmsg_set(err, errsz,
			"the CA certificate is not a CA with a key identifier");
		return -EINVAL;
	}
	if (cert_name_entry(X509_get_subject_name(ca_cert), NID_organizationName,
		       ca_net, sizeof(ca_net))) {
		errmsg_set(err, errsz, "the CA certificate has no network name (O)");
		return -EINVAL;
	}
	network = req->network[0] ? req->network : ca_net;
	if (strncmp(network, ca_net, sizeof(ca_net))) {
		errmsg_set(err, errsz,
			"certificate requested for network '%.*s' from the CA of '%s'",
			CERT_NAME_MAX - 1, network, ca_net);
		return -EINVAL;
	}
	ret = check_request(req, err, errsz);
	if (ret)
		return ret;
	if (not_after <= not_before) {
		errmsg_set(err, errsz, "empty validity window");
		return -EINVAL;
	}
	if (!identity_key_ok(subject_pub)) {
		errmsg_set(err, errsz,
			"the node key is not an RSA key of 2048, 3072 or 4096 bits");
		return -EINVAL;
	}
	if (identity_node_id(subject_pub, id)) {
		errmsg_set_ssl(err, errsz, "cannot compute the node id");
		return -EINVAL;
	}
	if (policy_format(req, policy, sizeof(policy))) {
		errmsg_set(err, errsz, "cannot format the prefixes and roles");
		return -EINVAL;
	}

	ret = -ENOMEM;
	subject = make_name(req->name, network);
	if (!subject) {
		errmsg_set_ssl(err, errsz, "cannot build the subject name");
		return ret;
	}
	x = new_cert(subject, X509_get_subject_name(ca_cert), subject_pub,
		     not_before, not_after);
	X509_NAME_free(subject);
	if (!x) {
		errmsg_set_ssl(err, errsz, "cannot build the certificate");
		return ret;
	}
	if (add_basic_constraints(x, false) ||
	    add_key_usage(x, KU_BIT_DIGITAL_SIGNATURE,
			  KU_BIT_KEY_ENCIPHERMENT) ||
	    add_ext_key_usage(x) || add_ski(x, id) || add_aki(x, ca_ski) ||
	    add_san(x, req) || add_policy(x, policy)) {
		errmsg_set_ssl(err, errsz, "cannot add the certificate extensions");
		goto err_free;
	}
	if (!X509_sign(x, ca_key, EVP_sha256())) {
		errmsg_set_ssl(err, errsz, "cannot sign the certificate");
		goto err_free;
	}
	*out = x;
	return 0;

err_free:
	X509_free(x);
	return ret;
}

int ca_sign(EVP_PKEY *ca_key, X509 *ca_cert, EVP_PKEY *subject_pub,
	    const struct cert_info *req, unsigned int days, X509 **out,
	    char *err, size_t errsz)
{
	time_t now = time(NULL);

	if (days == 0 || days > CERT_MAX_DAYS) {
		errmsg_set(err, errsz, "certificate validity must be 1 to %u days",
			CERT_MAX_DAYS);
		return -EINVAL;
	}
	return ca_sign_window(ca_key, ca_cert, subject_pub, req,
			      now - CERT_BACKDATE,
			      now + (time_t)days * SECS_PER_DAY, out, err,
			      errsz);
}

int ca_load_key(const char *path, EVP_PKEY **out, char *err, size_t errsz)
{
	struct identity ca;
	int ret;

	ret = identity_load(path, &ca, err, errsz);
	if (ret)
		return ret;
	*out = ca.key;
	return 0;
}
