// SPDX-License-Identifier: MIT
/*
 * Node certificates, read and checked (X.509 v3 with OpenSSL). See cert.h
 * for what a node certificate binds. Issuing them is ca/ca.c's job; the
 * daemon never runs that code.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "core/errmsg.h"
#include "netaddr.h"
#include "trust/cert.h"
#include "trust/identity.h"

/* The SKI of a node certificate is its node id; the CA's too. */
#define SKI_LEN		AEGIS_NODE_ID_LEN

const char *cert_status_str(enum cert_status st)
{
	switch (st) {
	case CERT_OK:
		return "valid";
	case CERT_MALFORMED:
		return "malformed certificate";
	case CERT_WRONG_CA:
		return "not signed by this network's CA";
	case CERT_EXPIRED:
		return "expired";
	case CERT_NOT_YET_VALID:
		return "not yet valid";
	case CERT_ID_MISMATCH:
		return "node id does not match the key or the expected node";
	case CERT_BAD_KEY:
		return "key is not RSA 2048, 3072 or 4096 bits";
	}
	return "unknown certificate status";
}

/*
 * The NID of the policy extension, registered on first use. Registration
 * is idempotent: if two threads race, the loser's OBJ_create() fails and
 * it looks the NID up again.
 */
int cert_policy_nid(void)
{
	int nid;

	nid = OBJ_txt2nid(CERT_POLICY_OID);
	if (nid != NID_undef)
		return nid;
	nid = OBJ_create(CERT_POLICY_OID, "aegisrayPolicy",
			 "AegisRay node policy");
	if (nid == NID_undef) {
		ERR_clear_error();
		nid = OBJ_txt2nid(CERT_POLICY_OID);
	}
	return nid;
}

/* A node or network name: 1..max printable ASCII characters, no leading or
 * trailing space. s need not be NUL-terminated beyond max + 1 bytes. */
bool cert_name_ok(const char *s, size_t max)
{
	size_t i, n;

	if (!s)
		return false;
	n = strnlen(s, max + 1);
	if (n == 0 || n > max || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static int parse_prefix_item(const char *s, struct cert_info *info)
{
	if (info->n_prefixes >= CERT_MAX_PREFIXES)
		return -EINVAL;
	if (aegis_prefix_parse(s, &info->prefixes[info->n_prefixes], NULL, 0))
		return -EINVAL;
	info->n_prefixes++;
	return 0;
}

/* Roles this version does not know grant nothing, and are skipped so
 * that newer CAs can add roles; they must still look like role names. */
static int parse_role_item(const char *s, struct cert_info *info)
{
	const char *c;

	if (!strcmp(s, "relay")) {
		info->roles |= CERT_ROLE_RELAY;
		return 0;
	}
	if (!strcmp(s, "exit")) {
		info->roles |= CERT_ROLE_EXIT;
		return 0;
	}
	for (c = s; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= '0' && *c <= '9') &&
		    *c != '-')
			return -EINVAL;
	return 0;
}

/* Parse a comma-separated list in place; an empty list is fine, an empty
 * item is not. */
static int parse_list(char *list,
		      int (*item)(const char *s, struct cert_info *info),
		      struct cert_info *info)
{
	char *tok;

	if (!*list)
		return 0;
	while ((tok = strsep(&list, ",")) != NULL) {
		int ret;

		if (!*tok)
			return -EINVAL;
		ret = item(tok, info);
		if (ret)
			return ret;
	}
	return 0;
}

/* "prefixes=<list>;roles=<list>", exactly. */
static int policy_parse(const unsigned char *data, size_t len,
			struct cert_info *info)
{
	static const char pfx_key[] = "prefixes=";
	static const char roles_key[] = "roles=";
	char buf[CERT_POLICY_MAX];
	char *semi, *roles;

	if (len >= sizeof(buf) || memchr(data, '\0', len))
		return -EINVAL;
	memcpy(buf, data, len);
	buf[len] = '\0';
	if (strncmp(buf, pfx_key, sizeof(pfx_key) - 1))
		return -EINVAL;
	semi = strchr(buf, ';');
	if (!semi)
		return -EINVAL;
	*semi = '\0';
	roles = semi + 1;
	if (strncmp(roles, roles_key, sizeof(roles_key) - 1))
		return -EINVAL;
	roles += sizeof(roles_key) - 1;
	if (strchr(roles, ';'))
		return -EINVAL;
	if (parse_list(buf + sizeof(pfx_key) - 1, parse_prefix_item, info))
		return -EINVAL;
	return parse_list(roles, parse_role_item, info);
}

int cert_pem_write(BIO *bio, const void *cert)
{
	return PEM_write_bio_X509(bio, cert);
}

/*
 * The single entry nid of name, as a NUL-terminated UTF-8 string that
 * cert_name_ok() accepts. 0 or -EINVAL.
 */
int cert_name_entry(const X509_NAME *name, int nid, char *buf, size_t size)
{
	const ASN1_STRING *data;
	unsigned char *utf8 = NULL;
	int i, len, ret = -EINVAL;

	i = X509_NAME_get_index_by_NID(name, nid, -1);
	if (i < 0 || X509_NAME_get_index_by_NID(name, nid, i) >= 0)
		return -EINVAL;
	data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	len = ASN1_STRING_to_UTF8(&utf8, data);
	if (len < 0)
		return -EINVAL;
	if ((size_t)len < size && !memchr(utf8, '\0', (size_t)len)) {
		memcpy(buf, utf8, (size_t)len);
		buf[len] = '\0';
		ret = cert_name_ok(buf, size - 1) ? 0 : -EINVAL;
	}
	OPENSSL_free(utf8);
	if (ret)
		buf[0] = '\0';
	return ret;
}

/* ---- Reading and checking ---------------------------------------------- */

static int read_ips(X509 *cert, struct cert_info *info)
{
	GENERAL_NAMES *gens;
	int i, crit = -1, ret = 0;

	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
	if (!gens)
		return crit == -1 ? 0 : -EINVAL;	/* absent is fine */
	for (i = 0; !ret && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *gen = sk_GENERAL_NAME_value(gens, i);
		const ASN1_OCTET_STRING *ip;
		int len, family;

		if (gen->type != GEN_IPADD)
			continue;
		ip = gen->d.iPAddress;
		len = ASN1_STRING_length(ip);
		family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
		if (!family || info->n_ips >= CERT_MAX_IPS) {
			ret = -EINVAL;
			break;
		}
		ret = aegis_addr_from_bytes(&info->ips[info->n_ips], family,
					    ASN1_STRING_get0_data(ip),
					    (size_t)len);
		if (!ret)
			info->n_ips++;
	}
	GENERAL_NAMES_free(gens);
	return ret;
}

static int read_policy(X509 *cert, struct cert_info *info)
{
	const ASN1_OCTET_STRING *data;
	const unsigned char *p, *start;
	ASN1_UTF8STRING *utf8;
	int i, len, nid, ret;

	nid = cert_policy_nid();
	if (nid == NID_undef)
		return -EINVAL;
	i = X509_get_ext_by_NID(cert, nid, -1);
	if (i < 0 || X509_get_ext_by_NID(cert, nid, i) >= 0)
		return -EINVAL;
	data = X509_EXTENSION_get_data(X509_get_ext(cert, i));
	start = p = ASN1_STRING_get0_data(data);
	len = ASN1_STRING_length(data);
	utf8 = d2i_ASN1_UTF8STRING(NULL, &p, len);
	if (!utf8)
		return -EINVAL;
	if (p != start + len) {
		ret = -EINVAL;
	} else {
		ret = policy_parse(ASN1_STRING_get0_data(utf8),
				   (size_t)ASN1_STRING_length(utf8), info);
		if (ret) {
			info->n_prefixes = 0;
			info->roles = 0;
		}
	}
	ASN1_UTF8STRING_free(utf8);
	return ret;
}

static int read_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -EINVAL;
	*out = timegm(&tm);
	return 0;
}

/* Each part is read even if another one is bad, so that info holds as
 * much as could be read when -EINVAL is returned. */
int cert_read_info(X509 *cert, struct cert_info *info)
{
	const ASN1_OCTET_STRING *ski;
	const X509_NAME *subject;
	int ret = 0;

	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	if (!cert)
		return -EINVAL;

	ski = X509_get0_subject_key_id(cert);
	if (ski && ASN1_STRING_length(ski) == SKI_LEN)
		memcpy(info->node_id, ASN1_STRING_get0_data(ski), SKI_LEN);
	else
		ret = -EINVAL;
	subject = X509_get_subject_name(cert);
	if (cert_name_entry(subject, NID_commonName, info->name,
		       sizeof(info->name)))
		ret = -EINVAL;
	if (cert_name_entry(subject, NID_organizationName, info->network,
		       sizeof(info->network)))
		ret = -EINVAL;
	if (read_ips(cert, info))
		ret = -EINVAL;
	if (read_policy(cert, info))
		ret = -EINVAL;
	if (read_time(X509_get0_notBefore(cert), &info->not_before) ||
	    read_time(X509_get0_notAfter(cert), &info->not_after))
		ret = -EINVAL;
	ERR_clear_error();
	return ret;
}

static enum cert_status map_verify_error(int error)
{
	switch (error) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return CERT_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return CERT_NOT_YET_VALID;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
	case X509_V_ERR_SUBJECT_ISSUER_MISMATCH:
	case X509_V_ERR_AKID_SKID_MISMATCH:
	case X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
		return CERT_WRONG_CA;
	case X509_V_ERR_EE_KEY_TOO_SMALL:
		return CERT_BAD_KEY;
	default:
		return CERT_MALFORMED;
	}
}

/* Signature by ca (the only trust anchor) and validity at now. */
static enum cert_status verify_chain(X509 *ca, X509 *cert, time_t now)
{
	enum cert_status st = CERT_MALFORMED;
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *param;
	X509_STORE *store;

	store = X509_STORE_new();
	if (!store)
		goto out;
	if (X509_STORE_add_cert(store, ca) != 1)
		goto out_free_store;
	ctx = X509_STORE_CTX_new();
	if (!ctx || X509_STORE_CTX_init(ctx, store, cert, NULL) != 1)
		goto out_free_ctx;
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, now);
	X509_VERIFY_PARAM_set_depth(param, 0);	/* no intermediates */
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
	if (X509_verify_cert(ctx) == 1)
		st = CERT_OK;
	else
		st = map_verify_error(X509_STORE_CTX_get_error(ctx));
out_free_ctx:
	X509_STORE_CTX_free(ctx);
out_free_store:
	X509_STORE_free(store);
out:
	ERR_clear_error();
	return st;
}

enum cert_status cert_verify(X509 *ca, X509 *cert, time_t now,
			     const uint8_t *expected_id,
			     struct cert_info *info)
{
	const ASN1_OCTET_STRING *ski;
	struct cert_info scratch;
	uint8_t id[AEGIS_NODE_ID_LEN];
	enum cert_status st;
	uint32_t flags;
	EVP_PKEY *pub;
	int info_ret;

	if (!info)
		info = &scratch;
	if (!ca || !cert) {
		memset(info, 0, sizeof(*info));
		return CERT_MALFORMED;
	}
	info_ret = cert_read_info(cert, info);

	st = verify_chain(ca, cert, now);
	if (st != CERT_OK)
		return st;

	/* A node certificate is an end entity that may sign. */
	flags = X509_get_extension_flags(cert);
	if ((flags & (EXFLAG_CA | EXFLAG_INVALID)) || !(flags & EXFLAG_BCONS) ||
	    X509_get_version(cert) != X509_VERSION_3)
		return CERT_MALFORMED;
	if ((flags & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE))
		return CERT_MALFORMED;

	pub = X509_get0_pubkey(cert);
	if (!identity_key_ok(pub))
		return CERT_BAD_KEY;

	ski = X509_get0_subject_key_id(cert);
	if (!ski || ASN1_STRING_length(ski) != SKI_LEN ||
	    identity_node_id(pub, id) ||
	    memcmp(ASN1_STRING_get0_data(ski), id, SKI_LEN))
		return CERT_ID_MISMATCH;
	if (expected_id && memcmp(expected_id, id, AEGIS_NODE_ID_LEN))
		return CERT_ID_MISMATCH;

	if (info_ret)
		return CERT_MALFORMED;
	return CERT_OK;
}

bool cert_allows_ip(const struct cert_info *info, const struct aegis_addr *addr)
{
	size_t alen;
	unsigned int i;

	if (!info || !addr)
		return false;
	alen = aegis_addr_len(addr->family);
	if (!alen)
		return false;
	for (i = 0; i < info->n_ips && i < CERT_MAX_IPS; i++)
		if (info->ips[i].family == addr->family &&
		    !memcmp(info->ips[i].u.bytes, addr->u.bytes, alen))
			return true;
	return false;
}

bool cert_allows_prefix(const struct cert_info *info,
			const struct aegis_prefix *p)
{
	size_t alen;
	unsigned int i;

	if (!info || !p)
		return false;
	alen = aegis_addr_len(p->addr.family);
	if (!alen || p->len > alen * 8)
		return false;
	for (i = 0; i < info->n_prefixes && i < CERT_MAX_PREFIXES; i++) {
		if (aegis_prefix_contains(&info->prefixes[i], p))
			return true;
	}
	/* A mesh IP as a host prefix. */
	return p->len == alen * 8 && cert_allows_ip(info, &p->addr);
}

int cert_from_der(const uint8_t *der, size_t len, X509 **out)
{
	const unsigned char *p = der;
	X509 *x;

	if (!der || !out || len == 0 || len > LONG_MAX)
		return -EINVAL;
	x = d2i_X509(NULL, &p, (long)len);
	if (!x) {
		ERR_clear_error();
		return -EINVAL;
	}
	if (p != der + len) {		/* trailing bytes */
		X509_free(x);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

int cert_to_der(X509 *cert, uint8_t **der, size_t *len)
{
	unsigned char *buf = NULL;
	int n;

	if (!cert || !der || !len)
		return -EINVAL;
	n = i2d_X509(cert, &buf);
	if (n <= 0) {
		ERR_clear_error();
		return -EINVAL;
	}
	*der = buf;
	*len = (size_t)n;
	return 0;
}

int cert_load_pem(const char *path, X509 **out, char *err, size_t errsz)
{
	FILE *f;
	X509 *x;

	if (!path || !*path || !out) {
		errmsg_set(err, errsz, "no certificate file name");
		return -EINVAL;
	}
	f = fopen(path, "re");
	if (!f) {
		int ret = -errno;

		errmsg_set(err, errsz, "cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x) {
		errmsg_set_ssl(err, errsz, "%s: not a PEM certificate", path);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

int cert_save_pem(const char *path, X509 *cert, char *err, size_t errsz)
{
	if (!cert) {
		errmsg_set(err, errsz, "no certificate");
		return -EINVAL;
	}
	return identity_write_pem(path, 0644, true, cert_pem_write, cert, err,
				  errsz);
}