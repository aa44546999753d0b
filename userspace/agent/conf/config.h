/* SPDX-License-Identifier: MIT */
/*
 * The agent's YAML configuration (libyaml): parsing, defaults and
 * validation. Nothing here touches the system; `aegis-agent check-config`
 * and `aegis-agent run` both go through config_load_file().
 *
 * Rules
 * - Every key of the earlier AegisRay configs is accepted. Keys that do
 *   nothing yet are listed in cfg->unsupported (by name, with their line)
 *   when set to anything but their inert default, so that the agent can say
 *   "not supported yet" at start instead of ignoring them.
 * - An unknown key is a warning with its line (cfg->warnings).
 * - A wrong value or a YAML syntax error is an error: "FILE:LINE:COL: ..."
 *   and the whole load fails, leaving no half-filled config in use.
 * - Relative paths (ca_file, cert_file, key_file, control_socket) are
 *   resolved against the directory of the config file.
 */
#ifndef AGENT_CONFIG_H
#define AGENT_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "netaddr.h"

#define CFG_NAME_MAX		64	/* node_name, network_name, NUL included */
#define CFG_HOST_MAX		256	/* static peer host, NUL included */
#define CFG_MAX_PEERS		64
#define CFG_MAX_ROUTES		64
#define CFG_MAX_NOTES		32
#define CFG_NOTE_LEN		200
#define CFG_MAX_FILE		(1024U * 1024U)	/* bytes of YAML, at most */

#define CFG_DEFAULT_PORT	443
#define CFG_DEFAULT_MTU		1420
#define CFG_MIN_MTU		576
#define CFG_MAX_MTU		9000
#define CFG_DEFAULT_REKEY	3600
#define CFG_MIN_REKEY		2
#define CFG_MAX_REKEY		86400
#define CFG_DEFAULT_KEEPALIVE	25
#define CFG_DEFAULT_MAX_PEERS	16384
#define CFG_DEFAULT_MAX_NEIGH	16
#define CFG_MAX_MAX_NEIGH	1024
#define CFG_MAX_MAX_PEERS	1000000
#define CFG_DEFAULT_IFNAME	"aegis0"
#define CFG_DEFAULT_CIDR4	"100.64.0.0/16"
#define CFG_DEFAULT_CIDR6	"fd61:6567:6973::/48"
#define CFG_DEFAULT_CONTROL	"/run/aegisray/agent.sock"
#define CFG_DEFAULT_STATE	"/var/lib/aegisray"

struct cfg_peer {
	char host[CFG_HOST_MAX];	/* name or numeric address, no brackets */
	uint16_t port;
	unsigned int line;		/* where it was given, for messages */
};

struct agent_config {
	char path[PATH_MAX];		/* the file it came from */

	char node_name[CFG_NAME_MAX];	/* default: the certificate's name */
	char network_name[CFG_NAME_MAX];	/* default "": the certificate's */
	struct aegis_addr mesh_ip;	/* IPv4, required */
	struct aegis_addr mesh_ip6;	/* IPv6, optional (family 0) */
	struct aegis_prefix network_cidr;	/* default 100.64.0.0/16 */
	struct aegis_prefix network_cidr6;	/* default fd61:6567:6973::/48 */
	uint16_t listen_port;		/* default 443; 0 = any */
	enum log_level log_level;	/* default info */

	char ca_file[PATH_MAX];		/* required */
	char cert_file[PATH_MAX];	/* required */
	char key_file[PATH_MAX];	/* required */
	char revocation_file[PATH_MAX];	/* optional: the CA's revocation list */
	char state_directory[PATH_MAX];	/* what the agent learnt and keeps */

	uint32_t rekey_interval;	/* seconds, default 3600, 2..86400 */
	uint8_t cipher;			/* enum aegis_cipher, default AES_GCM */

	char ifname[IFNAMSIZ];		/* tun_interface_name, default aegis0 */
	uint32_t mtu;			/* 576..9000, default 1420 */
	uint16_t keepalive;		/* liveness probe interval s, default 25 */
	uint16_t persistent_keepalive;	/* s, 0 = off (default); true = 25 */

	bool accept_routes;		/* default true */
	unsigned int n_advertise;
	struct aegis_prefix advertise_routes[CFG_MAX_ROUTES];

	unsigned int n_peers;		/* static_peers, then coordinators */
	struct cfg_peer static_peers[CFG_MAX_PEERS];
	uint32_t max_peers;		/* peer table limit, default 16384 */

	/* The mesh (mesh/): gossip membership and neighbour selection. */
	bool auto_discovery;		/* default true */
	bool mesh_routing;		/* default true: routes, relaying */
	uint32_t max_neighbors;		/* default 16, 1..1024 */

	char control_socket[PATH_MAX];	/* default /run/aegisray/agent.sock */

	/* Keys set that do nothing yet: "stealth_mode (line 12)". */
	unsigned int n_unsupported;
	char unsupported[CFG_MAX_NOTES][CFG_NOTE_LEN];
	/* Warnings: "FILE:LINE: unknown key 'foo'". */
	unsigned int n_warnings;
	char warnings[CFG_MAX_NOTES][CFG_NOTE_LEN];
};

/* Defaults for every field (no file). */
void config_defaults(struct agent_config *cfg);

/*
 * Parse a YAML document. name is used in messages and as the base for
 * relative paths (its directory). Returns 0, or -EINVAL (bad content),
 * -ENOENT/-EACCES... (file) with a one-line reason in err. On failure cfg
 * is left with defaults only.
 */
int config_load_file(const char *path, struct agent_config *cfg, char *err,
		     size_t errsz);
int config_load_buffer(const char *yaml, size_t len, const char *name,
		       struct agent_config *cfg, char *err, size_t errsz);

/* "aes-256-gcm" / "chacha20-poly1305" <-> enum aegis_cipher. */
int config_cipher_parse(const char *s, uint8_t *cipher);
const char *config_cipher_name(uint8_t cipher);

#endif /* AGENT_CONFIG_H */
