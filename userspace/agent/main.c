// SPDX-License-Identifier: MIT
/*
 * aegis-agent: the AegisRay control-plane daemon and its tools.
 *
 *   aegis-agent run --config FILE [--log-level L]
 *   aegis-agent check-config FILE
 *   aegis-agent status [--json] [--config FILE | --socket PATH]
 *   aegis-agent keygen --out FILE [--bits N]
 *   aegis-agent id --key FILE
 *   aegis-agent ca init --dir DIR --network NAME [--bits N] [--days N]
 *   aegis-agent ca sign --dir DIR --pubkey FILE --name NAME --ip ADDR...
 *                       [--prefix P]... [--role relay|exit]... [--days N]
 *                       --out FILE
 *   aegis-agent ca revoke --dir DIR [--id HEX]... [--cert FILE]... [--days N]
 *                         [--out FILE]
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "ca/ca.h"
#include "cli/cli.h"
#include "core/agent.h"
#include "ctl/control.h"
#include "trust/cert.h"
#include "conf/config.h"
#include "hex.h"
#include "trust/identity.h"
#include "core/log.h"
#include "numparse.h"


static void usage(FILE *out)
{
	fprintf(out,
		"usage: aegis-agent COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  run --config FILE [--log-level L]   run the daemon\n"
		"  check-config FILE                    validate a config (and its files)\n"
		"  status [--json] [--config FILE | --socket PATH]\n"
		"                                       ask the running agent\n"
		"  keygen --out FILE [--bits 2048|3072|4096]\n"
		"                                       create this node's identity key\n"
		"  id --key FILE                        print the node id of a key\n"
		"  ca init --dir DIR --network NAME [--bits N] [--days N]\n"
		"                                       create the network CA\n"
		"  ca sign --dir DIR --pubkey FILE --name NAME --ip ADDR [--ip ADDR]\n"
		"          [--prefix P]... [--role relay|exit]... [--days N] --out FILE\n"
		"                                       issue a node certificate\n"
		"  ca revoke --dir DIR [--id HEX]... [--cert FILE]... [--days N]\n"
		"          [--out FILE]                 add nodes to the revocation list\n"
		"                                       (DIR/revoked.pem)\n"
		"  version                              print the version\n"
		"  help                                 this text\n");
}

/* ---- run, status, check-config --------------------------------------- */

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = "/etc/aegisray/aegis.yaml";
	enum log_level level;
	int lvl = -1, c;

	while ((c = getopt_long(argc, argv, "c:l:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'l':
			if (log_level_parse(optarg, &level))
				return cli_fail("--log-level: '%s' is not error, warn, info or debug",
					    optarg);
			lvl = (int)level;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc)
		return cli_fail("run: unexpected argument '%s'", argv[optind]);
	return agent_run(config, lvl);
}

static int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CFG_DEFAULT_CONTROL, *config = NULL;
	struct agent_config *cfg;
	char err[ERR_SIZE];
	bool json = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "jc:s:", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			config = optarg;
			break;
		case 's':
			path = optarg;
			break;
		default:
			return 2;
		}
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return 1;
	if (config) {
		if (config_load_file(config, cfg, err, sizeof(err))) {
			free(cfg);
			return cli_fail("%s", err);
		}
		path = cfg->control_socket;
	}
	ret = control_query(path, json, err, sizeof(err));
	free(cfg);
	return ret ? cli_fail("%s", err) : 0;
}

/* Beyond the syntax: are the files there and do they fit together? */
static int check_files(const struct agent_config *cfg)
{
	X509 *ca = NULL, *cert = NULL;
	struct identity id = { 0 };
	struct cert_info info;
	char err[ERR_SIZE];
	int bad = 0;

	if (identity_load(cfg->key_file, &id, err, sizeof(err))) {
		printf("  key_file: %s\n", err);
		bad++;
	}
	if (cert_load_pem(cfg->ca_file, &ca, err, sizeof(err))) {
		printf("  ca_file: %s\n", err);
		bad++;
	}
	if (cert_load_pem(cfg->cert_file, &cert, err, sizeof(err))) {
		printf("  cert_file: %s\n", err);
		bad++;
	}
	if (!bad) {
		enum cert_status st = cert_verify(ca, cert, time(NULL),
						  id.node_id, &info);

		if (st != CERT_OK) {
			printf("  cert_file: %s\n", cert_status_str(st));
			bad++;
		} else if (!cert_allows_ip(&info, &cfg->mesh_ip)) {
			printf("  mesh_ip: not in the certificate\n");
			bad++;
		} else if (cfg->mesh_ip6.family &&
			   !cert_allows_ip(&info, &cfg->mesh_ip6)) {
			printf("  mesh_ip6: not in the certificate\n");
			bad++;
		} else {
			unsigned int i;

			for (i = 0; i < cfg->n_advertise; i++) {
				if (cert_allows_prefix(&info, &cfg->advertise_routes[i]))
					continue;
				printf("  advertise_routes: entry %u is not allowed by the certificate\n",
				       i + 1);
				bad++;
			}
		}
	}
	X509_free(cert);
	X509_free(ca);
	identity_free(&id);
	return bad;
}

static int cmd_check_config(int argc, char **argv)
{
	struct agent_config *cfg;
	bool syntax_only = false;
	char err[ERR_SIZE];
	const char *path;
	unsigned int i;
	int bad;

	if (argc >= 2 && !strcmp(argv[1], "--syntax-only")) {
		syntax_only = true;
		argv++;
		argc--;
	}
	if (argc != 2)
		return cli_fail("usage: aegis-agent check-config [--syntax-only] FILE");
	path = argv[1];
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return 1;
	if (config_load_file(path, cfg, err, sizeof(err))) {
		fprintf(stderr, "aegis-agent: %s\n", err);
		free(cfg);
		return 1;
	}
	for (i = 0; i < cfg->n_warnings; i++)
		printf("warning: %s\n", cfg->warnings[i]);
	for (i = 0; i < cfg->n_unsupported; i++)
		printf("warning: %s: not supported yet (ignored)\n",
		       cfg->unsupported[i]);
	bad = syntax_only ? 0 : check_files(cfg);
	if (bad)
		printf("%s: %d problem(s) with the files it names\n", path, bad);
	else
		printf("%s: OK\n", path);
	free(cfg);
	return bad ? 1 : 0;
}

/* ---- identities --------------------------------------------------------- */

static int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "bits", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	uint32_t bits = IDENTITY_DEFAULT_BITS;
	struct identity id = { 0 };
	char err[ERR_SIZE], pub[PATH_MAX];
	int c;

	while ((c = getopt_long(argc, argv, "o:b:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'b':
			if (cli_parse_uint("--bits", optarg, 16384, &bits))
				return 2;
			break;
		default:
			return 2;
		}
	}
	if (!out)
		return cli_fail("keygen: --out FILE is required");
	if (!identity_bits_ok(bits))
		return cli_fail("keygen: --bits must be 2048, 3072 or 4096");
	if (identity_create(out, bits, &id, err, sizeof(err)))
		return cli_fail("%s", err);
	snprintf(pub, sizeof(pub), "%s.pub", out);
	if (identity_save_public(pub, id.key, err, sizeof(err))) {
		identity_free(&id);
		return cli_fail("%s", err);
	}
	fprintf(stderr, "aegis-agent: wrote %s (0600) and %s\n", out, pub);
	cli_print_id(id.node_id);
	identity_free(&id);
	return 0;
}

static int cmd_id(int argc, char **argv)
{
	uint8_t id[AEGIS_NODE_ID_LEN];
	char err[ERR_SIZE];
	EVP_PKEY *pub;

	if (argc != 3 || strcmp(argv[1], "--key"))
		return cli_fail("usage: aegis-agent id --key FILE");
	if (identity_load_public(argv[2], &pub, err, sizeof(err)))
		return cli_fail("%s", err);
	if (identity_node_id(pub, id)) {
		EVP_PKEY_free(pub);
		return cli_fail("%s: not an RSA key", argv[2]);
	}
	EVP_PKEY_free(pub);
	cli_print_id(id);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("aegis-agent %s\n", AEGIS_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "check-config"))
		return cmd_check_config(argc - 1, argv + 1);
	if (!strcmp(cmd, "status"))
		return cmd_status(argc - 1, argv + 1);
	if (!strcmp(cmd, "keygen"))
		return cmd_keygen(argc - 1, argv + 1);
	if (!strcmp(cmd, "id"))
		return cmd_id(argc - 1, argv + 1);
	if (!strcmp(cmd, "ca"))
		return ca_cli_main(argc - 1, argv + 1);
	fprintf(stderr, "aegis-agent: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
