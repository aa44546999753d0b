// SPDX-License-Identifier: MIT
/*
 * `aegis-agent ca init`, `ca sign` and `ca revoke`: the network CA's
 * command line, on top of ca.c and ca_revoke.c. The daemon never runs
 * this.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ca/ca.h"
#include "cli/cli.h"
#include "hex.h"
#include "netaddr.h"
#include "trust/cert.h"
#include "trust/identity.h"
#include "trust/revoke.h"

static void ca_paths(const char *dir, char *key, char *crt)
{
	snprintf(key, PATH_MAX, "%s/ca.key", dir);
	snprintf(crt, PATH_MAX, "%s/ca.crt", dir);
}

static int cmd_ca_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "network", required_argument, NULL, 'n' },
		{ "bits", required_argument, NULL, 'b' },
		{ "days", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *network = NULL;
	uint32_t bits = IDENTITY_DEFAULT_BITS, days = CA_DEFAULT_DAYS;
	char key[PATH_MAX], crt[PATH_MAX], err[ERR_SIZE];
	int c;

	while ((c = getopt_long(argc, argv, "d:n:b:D:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'n':
			network = optarg;
			break;
		case 'b':
			if (cli_parse_uint("--bits", optarg, 16384, &bits))
				return 2;
			break;
		case 'D':
			if (cli_parse_uint("--days", optarg, 36500, &days))
				return 2;
			break;
		default:
			return 2;
		}
	}
	if (!dir || !network)
		return cli_fail("ca init: --dir DIR and --network NAME are required");
	if (!identity_bits_ok(bits))
		return cli_fail("ca init: --bits must be 2048, 3072 or 4096");
	if (!days)
		return cli_fail("ca init: --days must be at least 1");
	ca_paths(dir, key, crt);
	if (ca_init(key, crt, network, bits, days, err, sizeof(err)))
		return cli_fail("%s", err);
	printf("CA for network %s: %s (key, 0600) and %s\n", network, key, crt);
	return 0;
}

static int add_ip(struct cert_info *req, const char *s)
{
	if (req->n_ips >= CERT_MAX_IPS)
		return cli_fail("ca sign: at most 4 --ip");
	if (aegis_addr_parse(s, &req->ips[req->n_ips]))
		return cli_fail("ca sign: --ip '%s' is not an IP address", s);
	req->n_ips++;
	return 0;
}

static int add_prefix(struct cert_info *req, const char *s)
{
	char err[ERR_SIZE];

	if (req->n_prefixes >= CERT_MAX_PREFIXES)
		return cli_fail("ca sign: at most 64 --prefix");
	if (aegis_prefix_parse(s, &req->prefixes[req->n_prefixes], err,
			       sizeof(err)))
		return cli_fail("ca sign: --prefix: %s", err);
	req->n_prefixes++;
	return 0;
}

static int cmd_ca_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "pubkey", required_argument, NULL, 'k' },
		{ "name", required_argument, NULL, 'n' },
		{ "ip", required_argument, NULL, 'i' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "role", required_argument, NULL, 'r' },
		{ "days", required_argument, NULL, 'D' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *pubkey = NULL, *out = NULL;
	char key[PATH_MAX], crt[PATH_MAX], err[ERR_SIZE];
	uint32_t days = CERT_DEFAULT_DAYS;
	EVP_PKEY *ca_key = NULL, *pub = NULL;
	X509 *ca = NULL, *cert = NULL;
	struct cert_info *req;
	uint8_t id[AEGIS_NODE_ID_LEN];
	int c, ret = 1;

	req = calloc(1, sizeof(*req));
	if (!req)
		return 1;
	while ((c = getopt_long(argc, argv, "d:k:n:i:p:r:D:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'k':
			pubkey = optarg;
			break;
		case 'n':
			if (strlen(optarg) >= sizeof(req->name) || !optarg[0]) {
				cli_fail("ca sign: --name must be 1..63 characters");
				goto out;
			}
			snprintf(req->name, sizeof(req->name), "%s", optarg);
			break;
		case 'i':
			if (add_ip(req, optarg))
				goto out;
			break;
		case 'p':
			if (add_prefix(req, optarg))
				goto out;
			break;
		case 'r':
			if (!strcmp(optarg, "relay")) {
				req->roles |= CERT_ROLE_RELAY;
			} else if (!strcmp(optarg, "exit")) {
				req->roles |= CERT_ROLE_EXIT;
			} else {
				cli_fail("ca sign: --role '%s': relay or exit", optarg);
				goto out;
			}
			break;
		case 'D':
			if (cli_parse_uint("--days", optarg, 36500, &days))
				goto out;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			goto out;
		}
	}
	if (!dir || !pubkey || !out || !req->name[0] || !req->n_ips) {
		cli_fail("ca sign: --dir, --pubkey, --name, --ip and --out are required");
		goto out;
	}
	if (!days) {
		cli_fail("ca sign: --days must be at least 1");
		goto out;
	}
	ca_paths(dir, key, crt);
	if (ca_load_key(key, &ca_key, err, sizeof(err)) ||
	    cert_load_pem(crt, &ca, err, sizeof(err)) ||
	    identity_load_public(pubkey, &pub, err, sizeof(err)) ||
	    ca_sign(ca_key, ca, pub, req, days, &cert, err, sizeof(err)) ||
	    cert_save_pem(out, cert, err, sizeof(err))) {
		cli_fail("%s", err);
		goto out;
	}
	identity_node_id(pub, id);
	printf("certificate for %s (node ", req->name);
	{
		char hex[AEGIS_NODE_ID_HEX_SIZE];

		printf("%s), valid %u days: %s\n",
		       aegis_node_id_format(id, hex), days, out);
	}
	ret = 0;
out:
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(ca_key);
	free(req);
	return ret;
}

#define REVOKE_DEFAULT_DAYS	30
#define REVOKE_MAX_ARGS		256

/* The node id a certificate file certifies (it need not be valid now). */
static int cert_file_id(const char *path, uint8_t *id)
{
	struct cert_info info;
	char err[ERR_SIZE];
	X509 *cert = NULL;

	if (cert_load_pem(path, &cert, err, sizeof(err)))
		return cli_fail("ca revoke: %s", err);
	memset(&info, 0, sizeof(info));
	if (cert_read_info(cert, &info)) {
		X509_free(cert);
		return cli_fail("ca revoke: %s: not a node certificate", path);
	}
	memcpy(id, info.node_id, AEGIS_NODE_ID_LEN);
	X509_free(cert);
	return 0;
}

static int cmd_ca_revoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "id", required_argument, NULL, 'i' },
		{ "cert", required_argument, NULL, 'c' },
		{ "days", required_argument, NULL, 'D' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	char key[PATH_MAX], crt[PATH_MAX], def_out[PATH_MAX], err[ERR_SIZE];
	const char *dir = NULL, *out = NULL;
	uint32_t days = REVOKE_DEFAULT_DAYS;
	struct revoke_list old = { 0 }, now_list = { 0 };
	uint8_t *add = NULL, *list = NULL;
	EVP_PKEY *ca_key = NULL;
	size_t n_add = 0, len = 0;
	X509 *ca = NULL;
	int c, ret = 1;

	add = calloc(REVOKE_MAX_ARGS, AEGIS_NODE_ID_LEN);
	if (!add)
		return 1;
	while ((c = getopt_long(argc, argv, "d:i:c:D:o:", opts, NULL)) != -1) {
		uint8_t *slot = add + n_add * AEGIS_NODE_ID_LEN;

		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'i':
		case 'c':
			if (n_add >= REVOKE_MAX_ARGS) {
				cli_fail("ca revoke: at most %d --id and --cert at once",
					 REVOKE_MAX_ARGS);
				goto out;
			}
			if (c == 'i' && aegis_node_id_parse(optarg, slot)) {
				cli_fail("ca revoke: --id '%s' is not a node id (64 hex digits)",
					 optarg);
				goto out;
			}
			if (c == 'c' && cert_file_id(optarg, slot))
				goto out;
			n_add++;
			break;
		case 'D':
			if (cli_parse_uint("--days", optarg, 3650, &days))
				goto out;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			goto out;
		}
	}
	if (!dir) {
		cli_fail("ca revoke: --dir DIR is required");
		goto out;
	}
	if (!days) {
		cli_fail("ca revoke: --days must be at least 1");
		goto out;
	}
	ca_paths(dir, key, crt);
	if (!out) {
		snprintf(def_out, sizeof(def_out), "%s/revoked.pem", dir);
		out = def_out;
	}
	if (ca_load_key(key, &ca_key, err, sizeof(err)) ||
	    cert_load_pem(crt, &ca, err, sizeof(err))) {
		cli_fail("%s", err);
		goto out;
	}
	/* The list grows: start from the one there is, if any. */
	if (access(out, F_OK) == 0 &&
	    revoke_load(out, ca, &old, err, sizeof(err))) {
		cli_fail("ca revoke: %s (move it away to start a new list)", err);
		goto out;
	}
	if (ca_revoke(ca_key, ca, old.bytes ? &old : NULL, add, n_add, days,
		      time(NULL), &list, &len, err, sizeof(err)) ||
	    revoke_parse(list, len, ca, &now_list, err, sizeof(err)) ||
	    revoke_save(out, list, len, err, sizeof(err))) {
		cli_fail("%s", err);
		goto out;
	}
	printf("revocation list version %llu: %u node%s revoked, next update in %u days: %s\n",
	       (unsigned long long)now_list.crl.version, now_list.crl.n,
	       now_list.crl.n == 1 ? "" : "s", days, out);
	ret = 0;
out:
	revoke_free(&old);
	revoke_free(&now_list);
	free(list);
	free(add);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return ret;
}

int ca_cli_main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "init"))
		return cmd_ca_init(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "sign"))
		return cmd_ca_sign(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "revoke"))
		return cmd_ca_revoke(argc - 1, argv + 1);
	return cli_fail("usage: aegis-agent ca init|sign|revoke ...");
}

