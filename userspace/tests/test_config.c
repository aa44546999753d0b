// SPDX-License-Identifier: MIT
/* Unit tests: userspace/agent/conf/config.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/aegisray.h>

#include "conf/config.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The four required keys, lines 1 to 4. */
#define REQ3 \
	"ca_file: /etc/aegisray/ca.crt\n" \
	"cert_file: /etc/aegisray/node.crt\n" \
	"key_file: /etc/aegisray/node.key\n"
#define REQ	REQ3 "mesh_ip: 100.64.0.10\n"

/* Every key, with a supported value or the inert one. */
static const char full_yaml[] =
	"node_name: laptop-1\n"				/* 1 */
	"network_name: office\n"
	"mesh_ip: 100.64.3.4\n"
	"mesh_ip6: \"fd61:6567:6973::34\"\n"
	"network_cidr: 100.64.0.0/16\n"			/* 5 */
	"network_cidr6: \"fd61:6567:6973::/48\"\n"
	"listen_port: 8443\n"
	"log_level: debug\n"
	"control_socket: /run/test/agent.sock\n"
	"ca_file: /etc/aegisray/ca.crt\n"		/* 10 */
	"cert_file: /etc/aegisray/node.crt\n"
	"key_file: /etc/aegisray/node.key\n"
	"rekey_interval: 120\n"
	"cipher: chacha20-poly1305\n"
	"tun_interface_name: mesh7\n"			/* 15 */
	"mtu: 1380\n"
	"keepalive: 10\n"
	"persistent_keepalive: 30\n"
	"accept_routes: false\n"
	"advertise_routes:\n"				/* 20 */
	"  - 192.168.1.0/24\n"
	"  - \"fd00:1::/64\"\n"
	"static_peers:\n"
	"  - gw.example.net:443\n"
	"  - \"198.51.100.2:51820\"\n"			/* 25 */
	"  - \"[2001:db8::2]:4433\"\n"
	"use_tls: false\n"
	"stealth_mode: no\n"
	"stealth_domains: []\n"
	"coordinators: []\n"				/* 30 */
	"auto_discovery: off\n"
	"stun_servers: []\n"
	"turn_servers: []\n"
	"upnp_enabled: false\n"
	"dns_servers: []\n"				/* 35 */
	"allowed_ips: []\n"
	"excluded_routes: []\n"
	"default_route: false\n"
	"enable_tun: true\n"
	"exit_node: false\n"				/* 40 */
	"mesh_routing: true\n"
	"load_balancing: false\n";

static int load(const char *yaml, struct agent_config *cfg, char *err,
		size_t errsz)
{
	return config_load_buffer(yaml, strlen(yaml), "t.yaml", cfg, err, errsz);
}

static struct agent_config *new_cfg(void)
{
	struct agent_config *cfg = test_malloc(sizeof(*cfg));

	memset(cfg, 0xa5, sizeof(*cfg));
	return cfg;
}

static void assert_defaults(const struct agent_config *cfg)
{
	struct agent_config *def = new_cfg();

	config_defaults(def);
	assert_memory_equal(cfg, def, sizeof(*def));
	test_free(def);
}

static void assert_contains(const char *s, const char *part)
{
	if (!strstr(s, part))
		fail_msg("'%s' does not contain '%s'", s, part);
}

static void assert_prefix(const struct aegis_prefix *p, const char *want)
{
	char buf[AEGIS_PREFIX_STRSIZE];

	assert_int_equal(aegis_prefix_format(p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void assert_addr(const struct aegis_addr *a, const char *want)
{
	char buf[AEGIS_ADDR_STRSIZE];

	assert_int_equal(aegis_addr_format(a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

/* Good files */

static void test_defaults(void **state)
{
	struct agent_config *cfg = new_cfg();

	(void)state;
	config_defaults(cfg);
	assert_string_equal(cfg->path, "");
	assert_string_equal(cfg->node_name, "");
	assert_string_equal(cfg->network_name, "");	/* the certificate's */
	assert_int_equal(cfg->mesh_ip.family, 0);
	assert_int_equal(cfg->mesh_ip6.family, 0);
	assert_prefix(&cfg->network_cidr, CFG_DEFAULT_CIDR4);
	assert_prefix(&cfg->network_cidr6, CFG_DEFAULT_CIDR6);
	assert_int_equal(cfg->listen_port, 443);
	assert_int_equal(cfg->log_level, LOG_LVL_INFO);
	assert_string_equal(cfg->ca_file, "");
	assert_int_equal(cfg->rekey_interval, 3600);
	assert_int_equal(cfg->cipher, AEGIS_CIPHER_AES_GCM);
	assert_string_equal(cfg->ifname, "aegis0");
	assert_int_equal(cfg->mtu, 1420);
	assert_int_equal(cfg->keepalive, 25);
	assert_int_equal(cfg->persistent_keepalive, 0);
	assert_true(cfg->accept_routes);
	assert_int_equal(cfg->n_advertise, 0);
	assert_int_equal(cfg->n_peers, 0);
	assert_string_equal(cfg->control_socket, "/run/aegisray/agent.sock");
	assert_int_equal(cfg->n_unsupported, 0);
	assert_int_equal(cfg->n_warnings, 0);
	test_free(cfg);
}

/* Only the required keys: everything else is the default. */
static void test_minimal(void **state)
{
	struct agent_config *cfg = new_cfg(), *want = new_cfg();
	char err[256] = "x";

	(void)state;
	assert_int_equal(load(REQ, cfg, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	config_defaults(want);
	snprintf(want->path, sizeof(want->path), "t.yaml");
	snprintf(want->ca_file, sizeof(want->ca_file), "/etc/aegisray/ca.crt");
	snprintf(want->cert_file, sizeof(want->cert_file), "/etc/aegisray/node.crt");
	snprintf(want->key_file, sizeof(want->key_file), "/etc/aegisray/node.key");
	assert_int_equal(aegis_addr_parse("100.64.0.10", &want->mesh_ip), 0);
	assert_memory_equal(cfg, want, sizeof(*cfg));
	test_free(want);
	test_free(cfg);
}

static void test_full(void **state)
{
	struct agent_config *cfg = new_cfg();
	char err[256];

	(void)state;
	assert_int_equal(load(full_yaml, cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->path, "t.yaml");
	assert_string_equal(cfg->node_name, "laptop-1");
	assert_string_equal(cfg->network_name, "office");
	assert_addr(&cfg->mesh_ip, "100.64.3.4");
	assert_addr(&cfg->mesh_ip6, "fd61:6567:6973::34");
	assert_prefix(&cfg->network_cidr, "100.64.0.0/16");
	assert_prefix(&cfg->network_cidr6, "fd61:6567:6973::/48");
	assert_int_equal(cfg->listen_port, 8443);
	assert_int_equal(cfg->log_level, LOG_LVL_DEBUG);
	assert_string_equal(cfg->control_socket, "/run/test/agent.sock");
	assert_string_equal(cfg->ca_file, "/etc/aegisray/ca.crt");
	assert_string_equal(cfg->cert_file, "/etc/aegisray/node.crt");
	assert_string_equal(cfg->key_file, "/etc/aegisray/node.key");
	assert_int_equal(cfg->rekey_interval, 120);
	assert_int_equal(cfg->cipher, AEGIS_CIPHER_CHACHA20POLY1305);
	assert_string_equal(cfg->ifname, "mesh7");
	assert_int_equal(cfg->mtu, 1380);
	assert_int_equal(cfg->keepalive, 10);
	assert_int_equal(cfg->persistent_keepalive, 30);
	assert_false(cfg->accept_routes);
	assert_int_equal(cfg->n_advertise, 2);
	assert_prefix(&cfg->advertise_routes[0], "192.168.1.0/24");
	assert_prefix(&cfg->advertise_routes[1], "fd00:1::/64");
	assert_int_equal(cfg->n_peers, 3);
	assert_string_equal(cfg->static_peers[0].host, "gw.example.net");
	assert_int_equal(cfg->static_peers[0].port, 443);
	assert_int_equal(cfg->static_peers[0].line, 24);
	assert_string_equal(cfg->static_peers[1].host, "198.51.100.2");
	assert_int_equal(cfg->static_peers[1].port, 51820);
	assert_int_equal(cfg->static_peers[1].line, 25);
	assert_string_equal(cfg->static_peers[2].host, "2001:db8::2");
	assert_int_equal(cfg->static_peers[2].port, 4433);
	assert_int_equal(cfg->static_peers[2].line, 26);
	/* Every inert key at its inert value: nothing to report. */
	assert_int_equal(cfg->n_unsupported, 0);
	assert_int_equal(cfg->n_warnings, 0);
	test_free(cfg);
}

/* The same keys grouped in sections load to the same config. */
static void test_sections(void **state)
{
	static const char nested[] =
		"node:\n"
		"  name: laptop-1\n"
		"  network: office\n"
		"  mesh_ip: 100.64.3.4\n"
		"  mesh_ip6: \"fd61:6567:6973::34\"\n"
		"  network_cidr: 100.64.0.0/16\n"
		"  network_cidr6: \"fd61:6567:6973::/48\"\n"
		"transport: {listen_port: 8443}\n"
		"control:\n"
		"  log_level: debug\n"
		"  socket: /run/test/agent.sock\n"
		"trust:\n"
		"  ca_file: /etc/aegisray/ca.crt\n"
		"  cert_file: /etc/aegisray/node.crt\n"
		"  key_file: /etc/aegisray/node.key\n"
		"session:\n"
		"  rekey_interval: 120\n"
		"  cipher: chacha20-poly1305\n"
		"  keepalive: 10\n"
		"  persistent_keepalive: 30\n"
		"interface: {name: mesh7, mtu: 1380}\n"
		"routes:\n"
		"  accept: false\n"
		"  advertise: [192.168.1.0/24, \"fd00:1::/64\"]\n"
		"peers:\n"
		"  static:\n"
		"    - gw.example.net:443\n"
		"    - \"198.51.100.2:51820\"\n"
		"    - \"[2001:db8::2]:4433\"\n"
		"  max: 500\n"
		"mesh: {auto_discovery: off}\n";
	struct agent_config *flat = new_cfg(), *cfg = new_cfg();
	char err[256];
	unsigned int i;

	(void)state;
	assert_int_equal(load(full_yaml, flat, err, sizeof(err)), 0);
	assert_int_equal(load(nested, cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->max_peers, 500);
	cfg->max_peers = flat->max_peers;
	/* Only where each static peer was written differs. */
	for (i = 0; i < cfg->n_peers; i++)
		cfg->static_peers[i].line = flat->static_peers[i].line;
	assert_memory_equal(cfg, flat, sizeof(*cfg));
	assert_int_equal(cfg->n_warnings, 0);
	test_free(flat);
	test_free(cfg);
}

/* A key given flat and in its section is a duplicate; an unknown key in a
 * section is a warning that names it; a section must be a mapping. */
static void test_section_errors(void **state)
{
	struct agent_config *cfg = new_cfg();
	char err[256];

	(void)state;
	assert_int_equal(load(REQ "mtu: 1400\ninterface:\n  mtu: 1300\n", cfg,
			      err, sizeof(err)), -EINVAL);
	assert_contains(err, "t.yaml:7:3: interface.mtu: duplicate key (first given at line 5)");
	assert_int_equal(load(REQ "peers:\n  max: 0\n", cfg, err, sizeof(err)),
			 -EINVAL);
	assert_contains(err, "peers.max");
	assert_int_equal(load(REQ "peers: [a]\n", cfg, err, sizeof(err)), -EINVAL);
	assert_contains(err, "expected a mapping of KEY: VALUE");
	assert_int_equal(load(REQ "session:\n  colour: blue\n", cfg, err,
			      sizeof(err)), 0);
	assert_int_equal(cfg->n_warnings, 1);
	assert_string_equal(cfg->warnings[0],
			    "t.yaml:6: unknown key 'session.colour' (ignored)");
	test_free(cfg);
}

/* The same document in flow style, on one line. */
static void test_flow_style(void **state)
{
	struct agent_config *cfg = new_cfg();
	char err[256];

	(void)state;
	assert_int_equal(load("{mesh_ip: 100.64.0.9, ca_file: a, cert_file: b, "
			      "key_file: c, static_peers: [\"h.example:1\"], "
			      "advertise_routes: [10.1.0.0/16]}", cfg, err,
			      sizeof(err)), 0);
	assert_addr(&cfg->mesh_ip, "100.64.0.9");
	assert_int_equal(cfg->n_peers, 1);
	assert_int_equal(cfg->static_peers[0].line, 1);
	assert_int_equal(cfg->n_advertise, 1);
	test_free(cfg);
}

/* A link-local peer names its interface; getaddrinfo() resolves the zone. */
static void test_peer_link_local(void **state)
{
	struct agent_config *cfg = new_cfg();
	char err[256];

	(void)state;
	assert_int_equal(load("{mesh_ip: 100.64.0.9, ca_file: a, cert_file: b, "
			      "key_file: c, static_peers: [\"[fe80::2%eth1]:4433\"]}",
			      cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->n_peers, 1);
	assert_string_equal(cfg->static_peers[0].host, "fe80::2%eth1");
	assert_int_equal(cfg->static_peers[0].port, 4433);
	test_free(cfg);
}

static void test_unsupported(void **state)
{
	static const char yaml[] = REQ
		"use_tls: true\n"				/* 5 */
		"stealth_mode: yes\n"
		"stealth_domains: [cdn.example.com]\n"
		"coordinators:\n"
		"  - coord.example.net:443\n"
		"auto_discovery: on\n"				/* 10 */
		"stun_servers: [\"stun.example.net:3478\"]\n"
		"turn_servers: [\"turn.example.net:3478\"]\n"
		"upnp_enabled: TRUE\n"
		"dns_servers: [1.1.1.1, \"2606:4700::1111\"]\n"
		"allowed_ips: [10.0.0.0/8]\n"			/* 15 */
		"excluded_routes: [192.168.0.0/16]\n"
		"default_route: true\n"
		"enable_tun: false\n"
		"exit_node: true\n"
		"mesh_routing: true\n"				/* 20 */
		"load_balancing: true\n";
	static const char *const want[] = {
		"use_tls (line 5)", "stealth_mode (line 6)",
		"stealth_domains (line 7)", "stun_servers (line 11)",
		"turn_servers (line 12)", "upnp_enabled (line 13)",
		"dns_servers (line 14)", "allowed_ips (line 15)",
		"excluded_routes (line 16)", "default_route (line 17)",
		"enable_tun (line 18)", "exit_node (line 19)",
		"load_balancing (line 21)",
	};
	struct agent_config *cfg = new_cfg();
	char err[256];
	size_t i;

	(void)state;
	assert_int_equal(load(yaml, cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->n_unsupported, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		assert_string_equal(cfg->unsupported[i], want[i]);
	assert_int_equal(cfg->n_warnings, 0);
	test_free(cfg);
}

/* No value at all means the default; for an inert key, the inert value. */
static void test_null_values(void **state)
{
	static const char yaml[] = REQ
		"mtu:\n"
		"listen_port: ~\n"
		"node_name: null\n"
		"static_peers:\n"
		"advertise_routes: NULL\n"
		"mesh_ip6: Null\n"
		"exit_node:\n"
		"stun_servers: ~\n";
	struct agent_config *cfg = new_cfg();
	char err[256];

	(void)state;
	assert_int_equal(load(yaml, cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->mtu, CFG_DEFAULT_MTU);
	assert_int_equal(cfg->listen_port, CFG_DEFAULT_PORT);
	assert_string_equal(cfg->node_name, "");
	assert_int_equal(cfg->n_peers, 0);
	assert_int_equal(cfg->n_advertise, 0);
	assert_int_equal(cfg->mesh_ip6.family, 0);
	assert_int_equal(cfg->n_unsupported, 0);
	test_free(cfg);
}

static void test_unknown_keys(void **state)
{
	static const char yaml[] = REQ
		"colour: blue\n"				/* 5 */
		"mtu: 1400\n"
		"nested:\n"
		"  deep: [1, {a: b}]\n"
		"MTU: 1300\n";
	struct agent_config *cfg = new_cfg();
	char err[256];

	(void)state;
	assert_int_equal(load(yaml, cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->mtu, 1400);
	assert_int_equal(cfg->n_warnings, 3);
	assert_string_equal(cfg->warnings[0], "t.yaml:5: unknown key 'colour' (ignored)");
	assert_string_equal(cfg->warnings[1], "t.yaml:7: unknown key 'nested' (ignored)");
	assert_string_equal(cfg->warnings[2], "t.yaml:9: unknown key 'MTU' (ignored)");
	assert_int_equal(cfg->n_unsupported, 0);
	test_free(cfg);
}

/* More unknown keys than there is room for: the last note says so. */
static void test_many_warnings(void **state)
{
	struct agent_config *cfg = new_cfg();
	char yaml[4096] = REQ, err[256];
	size_t n = strlen(yaml);
	unsigned int i;

	(void)state;
	for (i = 0; i < CFG_MAX_NOTES + 10; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "k%u: 1\n", i);
	assert_int_equal(load(yaml, cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->n_warnings, CFG_MAX_NOTES);
	assert_string_equal(cfg->warnings[0], "t.yaml:5: unknown key 'k0' (ignored)");
	assert_string_equal(cfg->warnings[CFG_MAX_NOTES - 1],
			    "t.yaml: more warnings not shown");
	test_free(cfg);
}

static void test_value_forms(void **state)
{
	static const struct {
		const char *yaml;
		bool accept;
		unsigned int pka;
		enum log_level level;
		uint8_t cipher;
	} cases[] = {
		{ "accept_routes: yes\npersistent_keepalive: true\nlog_level: warn\ncipher: aes-gcm\n",
		  true, 25, LOG_LVL_WARN, AEGIS_CIPHER_AES_GCM },
		{ "accept_routes: No\npersistent_keepalive: false\nlog_level: warning\ncipher: chacha20\n",
		  false, 0, LOG_LVL_WARN, AEGIS_CIPHER_CHACHA20POLY1305 },
		{ "accept_routes: ON\npersistent_keepalive: 65535\nlog_level: ERROR\ncipher: AES-256-GCM\n",
		  true, 65535, LOG_LVL_ERROR, AEGIS_CIPHER_AES_GCM },
		{ "accept_routes: off\npersistent_keepalive: 0\nlog_level: \"Debug\"\ncipher: 'ChaCha20-Poly1305'\n",
		  false, 0, LOG_LVL_DEBUG, AEGIS_CIPHER_CHACHA20POLY1305 },
		{ "accept_routes: TRUE\npersistent_keepalive: Yes\nlog_level: info\ncipher: aes-256-gcm\n",
		  true, 25, LOG_LVL_INFO, AEGIS_CIPHER_AES_GCM },
	};
	struct agent_config *cfg = new_cfg();
	char yaml[512], err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(yaml, sizeof(yaml), "%s%s", REQ, cases[i].yaml);
		assert_int_equal(load(yaml, cfg, err, sizeof(err)), 0);
		assert_int_equal(cfg->accept_routes, cases[i].accept);
		assert_int_equal(cfg->persistent_keepalive, cases[i].pka);
		assert_int_equal(cfg->log_level, cases[i].level);
		assert_int_equal(cfg->cipher, cases[i].cipher);
	}
	/* Range edges. */
	assert_int_equal(load(REQ "mtu: 576\nlisten_port: 0\nrekey_interval: 2\nkeepalive: 0\n",
			      cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->mtu, 576);
	assert_int_equal(cfg->listen_port, 0);
	assert_int_equal(cfg->rekey_interval, 2);
	assert_int_equal(cfg->keepalive, 0);
	assert_int_equal(load(REQ "mtu: 9000\nlisten_port: 65535\nrekey_interval: 86400\nkeepalive: 65535\n",
			      cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->mtu, 9000);
	assert_int_equal(cfg->listen_port, 65535);
	assert_int_equal(cfg->rekey_interval, 86400);
	assert_int_equal(cfg->keepalive, 65535);
	/* An anchor alone is harmless. */
	assert_int_equal(load(REQ "node_name: &n laptop\n", cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->node_name, "laptop");
	/* Names of the maximum length. */
	assert_int_equal(load(REQ "tun_interface_name: abcdefghijklmno\n"
			      "node_name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
			      cfg, err, sizeof(err)), 0);
	assert_int_equal(strlen(cfg->ifname), IFNAMSIZ - 1);
	assert_int_equal(strlen(cfg->node_name), CFG_NAME_MAX - 1);
	test_free(cfg);
}

static void test_cipher_names(void **state)
{
	uint8_t c = 0;

	(void)state;
	assert_int_equal(config_cipher_parse("aes-256-gcm", &c), 0);
	assert_int_equal(c, AEGIS_CIPHER_AES_GCM);
	assert_int_equal(config_cipher_parse("chacha20", &c), 0);
	assert_int_equal(c, AEGIS_CIPHER_CHACHA20POLY1305);
	assert_int_equal(config_cipher_parse("aes-128-gcm", &c), -EINVAL);
	assert_int_equal(config_cipher_parse("", &c), -EINVAL);
	assert_string_equal(config_cipher_name(AEGIS_CIPHER_AES_GCM), "aes-256-gcm");
	assert_string_equal(config_cipher_name(AEGIS_CIPHER_CHACHA20POLY1305),
			    "chacha20-poly1305");
	assert_string_equal(config_cipher_name(AEGIS_CIPHER_NONE), "none");
	assert_string_equal(config_cipher_name(200), "unknown");
}

static void test_relative_paths(void **state)
{
	static const struct {
		const char *name;
		const char *ca;
		const char *sock;
	} cases[] = {
		{ "/etc/aegisray/agent.yaml", "/etc/aegisray/certs/ca.crt", "/etc/aegisray/s.sock" },
		{ "conf/agent.yaml", "conf/certs/ca.crt", "conf/s.sock" },
		{ "agent.yaml", "certs/ca.crt", "s.sock" },
		{ "/agent.yaml", "/certs/ca.crt", "/s.sock" },
		{ "./agent.yaml", "./certs/ca.crt", "./s.sock" },
	};
	static const char yaml[] =
		"mesh_ip: 100.64.0.10\n"
		"ca_file: certs/ca.crt\n"
		"cert_file: /abs/node.crt\n"
		"key_file: ../private/node.key\n"
		"control_socket: s.sock\n";
	struct agent_config *cfg = new_cfg();
	char err[256], key[PATH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(config_load_buffer(yaml, strlen(yaml), cases[i].name,
						    cfg, err, sizeof(err)), 0);
		assert_string_equal(cfg->path, cases[i].name);
		assert_string_equal(cfg->ca_file, cases[i].ca);
		assert_string_equal(cfg->cert_file, "/abs/node.crt");
		assert_string_equal(cfg->control_socket, cases[i].sock);
		snprintf(key, sizeof(key), "%.*s../private/node.key",
			 (int)(strlen(cases[i].ca) - strlen("certs/ca.crt")),
			 cases[i].ca);
		assert_string_equal(cfg->key_file, key);
	}
	test_free(cfg);
}

/* An empty file, or only comments, or an empty document: every default,
 * and then the required keys are missing. */
static void test_empty(void **state)
{
	static const char *const docs[] = { "", "# nothing\n", "---\n", "---\n...\n", "~\n" };
	struct agent_config *cfg = new_cfg();
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(docs); i++) {
		assert_int_equal(load(docs[i], cfg, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "t.yaml: missing required key(s): mesh_ip, "
				    "ca_file, cert_file, key_file (see docs/configuration.md)");
		assert_defaults(cfg);
	}
	/* No buffer, no err buffer. */
	assert_int_equal(config_load_buffer(NULL, 0, NULL, cfg, NULL, 0), -EINVAL);
	assert_defaults(cfg);
	test_free(cfg);
}

/* Bad files: each is a test of its own (see main) */

struct bad_case {
	const char *name;
	const char *yaml;
	unsigned int line, col;	/* 0: the message has no position */
	const char *key;	/* NULL: none */
	const char *text;	/* a part of the message */
};

static const struct bad_case bad_cases[] = {
	/* YAML syntax. */
	{ "syntax_missing_colon", REQ "mtu 1400\nlisten_port: 1\n",
	  6, 1, NULL, "invalid YAML: could not find expected ':' (while scanning a simple key at line 5, column 1)" },
	{ "syntax_unclosed_quote", REQ "node_name: \"laptop\nmtu: 1400\n",
	  7, 1, NULL, "invalid YAML: found unexpected end of stream" },
	{ "syntax_unclosed_flow", REQ "advertise_routes: [10.0.0.0/8,\n",
	  6, 1, NULL, "invalid YAML" },
	{ "syntax_bad_indent", REQ "static_peers:\n  - a.example:1\n - b.example:2\n",
	  7, 2, NULL, "invalid YAML" },
	{ "syntax_tab_indent", REQ "static_peers:\n\t- a.example:1\n",
	  6, 1, NULL, "invalid YAML" },
	{ "syntax_bad_utf8", REQ "node_name: \xff\xfe\n",
	  5, 12, NULL, "invalid YAML: invalid leading UTF-8 octet" },
	{ "second_document", REQ "---\nmtu: 1400\n",
	  5, 1, NULL, "a second YAML document" },

	/* Structure. */
	{ "top_level_list", "- mesh_ip: 100.64.0.1\n- mtu: 1400\n",
	  1, 1, NULL, "the top level is a list (expected a mapping" },
	{ "top_level_scalar", "mesh_ip 100.64.0.1\n",
	  1, 1, NULL, "the top level is a single value" },
	{ "complex_key", REQ "? [a, b]\n: c\n", 5, 3, NULL, "found a list as a key" },
	{ "duplicate_key", REQ "mtu: 1400\nlisten_port: 1\nmtu: 1300\n",
	  7, 1, "mtu", "duplicate key (first given at line 5)" },
	{ "duplicate_required_key", REQ "mesh_ip: 100.64.0.11\n",
	  5, 1, "mesh_ip", "duplicate key (first given at line 4)" },
	{ "duplicate_unknown_key", REQ "colour: red\ncolour: blue\n",
	  6, 1, NULL, "duplicate key 'colour' (first given at line 5)" },
	{ "alias", REQ "node_name: &n laptop\nnetwork_name: *n\n",
	  6, 15, "network_name", "alias '*n' refused" },
	{ "alias_in_unknown_key", REQ "a: &a [x, x]\nb: &b [*a, *a]\n",
	  6, 8, NULL, "alias '*a' refused" },
	{ "tag", REQ "mtu: !!int 1400\n", 5, 6, "mtu", "tag '" },
	{ "list_for_scalar", REQ "mtu: [1400]\n", 5, 6, "mtu", "found a list (expected an integer from 576 to 9000)" },
	{ "mapping_for_scalar", REQ "node_name:\n  first: laptop\n", 6, 3, "node_name", "found a mapping" },
	{ "scalar_for_list", REQ "static_peers: a.example.net:443\n", 5, 15, "static_peers", "found a single value (expected a list" },
	{ "list_in_list", REQ "static_peers:\n  - [a.example.net:443]\n", 6, 5, "static_peers", "an entry is a list" },
	{ "mapping_in_inert_list", REQ "stun_servers:\n  - {url: x}\n", 6, 5, "stun_servers", "an entry is a mapping" },
	{ "empty_list_entry", REQ "static_peers:\n  -\n  - a.example:1\n", 6, 4, "static_peers", "an entry is empty" },

	/* Booleans and numbers. */
	{ "bool_garbage", REQ "use_tls: maybe\n", 5, 10, "use_tls", "'maybe' is not a boolean (expected true or false)" },
	{ "bool_quoted", REQ "accept_routes: \"true\"\n", 5, 16, "accept_routes", "quoted" },
	{ "bool_number", REQ "exit_node: 1\n", 5, 12, "exit_node", "'1' is not a boolean" },
	{ "int_garbage", REQ "mtu: 1400abc\n", 5, 6, "mtu", "'1400abc' is not a decimal integer" },
	{ "int_plus", REQ "mtu: +1400\n", 5, 6, "mtu", "not a decimal integer" },
	{ "int_negative", REQ "listen_port: -1\n", 5, 14, "listen_port", "not a decimal integer" },
	{ "int_hex", REQ "listen_port: 0x1bb\n", 5, 14, "listen_port", "not a decimal integer" },
	{ "int_octal", REQ "listen_port: 0443\n", 5, 14, "listen_port", "not a decimal integer" },
	{ "int_float", REQ "mtu: 1400.0\n", 5, 6, "mtu", "not a decimal integer" },
	{ "int_quoted", REQ "mtu: '1400'\n", 5, 6, "mtu", "quoted" },
	{ "int_block", REQ "mtu: |\n  1400\n", 5, 6, "mtu", "'1400?' is a block scalar" },
	{ "int_overflow", REQ "rekey_interval: 99999999999999999999\n", 5, 17, "rekey_interval", "out of range" },
	{ "mtu_low", REQ "mtu: 575\n", 5, 6, "mtu", "575 is out of range (expected an integer from 576 to 9000)" },
	{ "mtu_high", REQ "mtu: 9001\n", 5, 6, "mtu", "9001 is out of range" },
	{ "port_high", REQ "listen_port: 65536\n", 5, 14, "listen_port", "65536 is out of range (expected a UDP port from 0 to 65535)" },
	{ "rekey_low", REQ "rekey_interval: 1\n", 5, 17, "rekey_interval", "1 is out of range (expected seconds from 2 to 86400)" },
	{ "rekey_high", REQ "rekey_interval: 86401\n", 5, 17, "rekey_interval", "out of range" },
	{ "keepalive_high", REQ "keepalive: 65536\n", 5, 12, "keepalive", "out of range" },
	{ "pkeepalive_garbage", REQ "persistent_keepalive: sometimes\n", 5, 23, "persistent_keepalive", "not a decimal integer" },
	{ "pkeepalive_high", REQ "persistent_keepalive: 70000\n", 5, 23, "persistent_keepalive", "out of range" },

	/* Addresses and prefixes. */
	{ "mesh_ip_garbage", REQ3 "mesh_ip: 100.64.0.300\n", 4, 10, "mesh_ip", "'100.64.0.300' is not an IP address (expected this node's IPv4 address" },
	{ "mesh_ip_v6", REQ3 "mesh_ip: \"fd61:6567:6973::1\"\n", 4, 10, "mesh_ip", "is an IPv6 address" },
	{ "mesh_ip_prefix", REQ3 "mesh_ip: 100.64.0.1/16\n", 4, 10, "mesh_ip", "not an IP address" },
	{ "mesh_ip_outside", REQ3 "mesh_ip: 10.1.2.3\n", 4, 10, "mesh_ip", "10.1.2.3 is outside network_cidr 100.64.0.0/16" },
	{ "mesh_ip_outside_later_cidr", REQ3 "mesh_ip: 100.64.1.1\nnetwork_cidr: 100.64.0.0/24\n",
	  4, 10, "mesh_ip", "100.64.1.1 is outside network_cidr 100.64.0.0/24" },
	{ "mesh_ip_network_address", REQ3 "mesh_ip: 100.64.0.0\n", 4, 10, "mesh_ip", "is the network address of 100.64.0.0/16" },
	{ "mesh_ip_broadcast", REQ3 "mesh_ip: 100.64.255.255\n", 4, 10, "mesh_ip", "is the broadcast address" },
	{ "mesh_ip_null", REQ3 "mesh_ip:\n", 4, 9, "mesh_ip", "no value" },
	{ "mesh_ip6_v4", REQ "mesh_ip6: 100.64.0.11\n", 5, 11, "mesh_ip6", "is an IPv4 address" },
	{ "mesh_ip6_outside", REQ "mesh_ip6: \"fd00::1\"\n", 5, 11, "mesh_ip6", "fd00::1 is outside network_cidr6 fd61:6567:6973::/48" },
	{ "cidr_host_bits", REQ "network_cidr: 100.64.0.1/16\n", 5, 15, "network_cidr", "has host bits set: did you mean 100.64.0.0/16?" },
	{ "cidr_v6", REQ "network_cidr: \"fd00::/8\"\n", 5, 15, "network_cidr", "is an IPv6 prefix" },
	{ "cidr_zero", REQ "network_cidr: 0.0.0.0/0\n", 5, 15, "network_cidr", "prefix length of 0" },
	{ "cidr_too_long", REQ "network_cidr: 100.64.0.10/31\n", 5, 15, "network_cidr", "prefix length of 31" },
	{ "cidr_garbage", REQ "network_cidr: 100.64.0.0/abc\n", 5, 15, "network_cidr", "is not a prefix" },
	{ "cidr_newline", REQ "network_cidr: \"100.64.0.0/16\\nx\"\n", 5, 15, "network_cidr", "'100.64.0.0/16?x' is not a prefix" },
	{ "cidr6_v4", REQ "network_cidr6: 100.64.0.0/16\n", 5, 16, "network_cidr6", "is an IPv4 prefix" },
	{ "route_host_bits", REQ "advertise_routes:\n  - 192.168.1.0/24\n  - 10.0.0.1/8\n",
	  7, 5, "advertise_routes", "'10.0.0.1/8' has host bits set" },
	{ "route_garbage", REQ "advertise_routes: [lan]\n", 5, 20, "advertise_routes", "'lan' is not a prefix" },
	{ "route_default", REQ "advertise_routes: [0.0.0.0/0]\n", 5, 20, "advertise_routes", "default route" },
	{ "route_twice", REQ "advertise_routes: [10.0.0.0/8, 10.0.0.0/8]\n", 5, 32, "advertise_routes", "listed twice" },
	{ "allowed_ips_bad", REQ "allowed_ips: [10.0.0.1/8]\n", 5, 15, "allowed_ips", "host bits" },
	{ "dns_servers_name", REQ "dns_servers: [1.1.1.1, dns.example]\n", 5, 24, "dns_servers", "'dns.example' is not an IP address" },

	/* Peers. */
	{ "peer_no_port", REQ "static_peers: [a.example.net]\n", 5, 16, "static_peers", "'a.example.net' has no :PORT" },
	{ "peer_port_zero", REQ "static_peers: [\"a.example.net:0\"]\n", 5, 16, "static_peers", "port that is not a number from 1 to 65535" },
	{ "peer_port_high", REQ "static_peers: [\"a.example.net:65536\"]\n", 5, 16, "static_peers", "port that is not a number from 1 to 65535" },
	{ "peer_v6_no_brackets", REQ "static_peers: [\"2001:db8::1:443\"]\n", 5, 16, "static_peers", "needs brackets" },
	{ "peer_v6_bad", REQ "static_peers: [\"[2001:db8::zz]:443\"]\n", 5, 16, "static_peers", "no valid IPv6 address" },
	{ "peer_v4_in_brackets", REQ "static_peers: [\"[192.0.2.1]:443\"]\n", 5, 16, "static_peers", "no valid IPv6 address" },
	{ "peer_ll_no_zone", REQ "static_peers: [\"[fe80::1]:443\"]\n", 5, 16, "static_peers", "is link-local: name its interface" },
	{ "peer_ll_empty_zone", REQ "static_peers: [\"[fe80::1%]:443\"]\n", 5, 16, "static_peers", "is link-local: name its interface" },
	{ "peer_zone_not_ll", REQ "static_peers: [\"[2001:db8::1%eth0]:443\"]\n", 5, 16, "static_peers", "only a link-local address" },
	{ "peer_zone_long", REQ "static_peers: [\"[fe80::1%abcdefghijklmnop]:443\"]\n", 5, 16, "static_peers", "longer than 15" },
	{ "peer_bad_v4", REQ "static_peers: [\"300.1.1.1:443\"]\n", 5, 16, "static_peers", "no valid IPv4 address" },
	{ "peer_bad_name", REQ "static_peers:\n  - ok.example:1\n  - -bad.example:443\n", 7, 5, "static_peers", "no valid host name" },
	{ "peer_no_host", REQ "static_peers: [\":443\"]\n", 5, 16, "static_peers", "has no host" },
	{ "peer_space", REQ "static_peers: [\"a b.example:443\"]\n", 5, 16, "static_peers", "no valid host name" },

	/* Strings. */
	{ "name_too_long", REQ "node_name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	  5, 12, "node_name", "is 64 bytes long (expected a name of 1 to 63 bytes" },
	{ "name_empty", REQ "network_name: \"\"\n", 5, 15, "network_name", "the name is empty" },
	{ "name_control", REQ "node_name: \"a\\tb\"\n", 5, 12, "node_name", "control characters" },
	{ "name_nul", REQ "node_name: \"a\\0b\"\n", 5, 12, "node_name", "NUL character" },
	{ "ifname_too_long", REQ "tun_interface_name: abcdefghijklmnop\n", 5, 21, "tun_interface_name", "16 characters long" },
	{ "ifname_slash", REQ "tun_interface_name: aegis/0\n", 5, 21, "tun_interface_name", "contains '/'" },
	{ "ifname_dot", REQ "tun_interface_name: ..\n", 5, 21, "tun_interface_name", "not a usable name" },
	{ "path_empty", "mesh_ip: 100.64.0.10\nca_file: ''\n", 2, 10, "ca_file", "the path is empty" },
	{ "socket_too_long", REQ "control_socket: /run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
	  5, 17, "control_socket", "too long" },
	{ "bad_cipher", REQ "cipher: des\n", 5, 9, "cipher", "'des' is not a cipher (expected aes-256-gcm or chacha20-poly1305)" },
	{ "bad_log_level", REQ "log_level: verbose\n", 5, 12, "log_level", "'verbose' is not a log level (expected error, warn, info or debug)" },

	/* Required keys. */
	{ "missing_mesh_ip", REQ3, 0, 0, NULL, "missing required key(s): mesh_ip (see" },
	{ "missing_key_file", "mesh_ip: 100.64.0.10\nca_file: a\ncert_file: b\n", 0, 0, NULL,
	  "missing required key(s): key_file (see" },
	{ "missing_all_but_unknown", "foo: bar\n", 0, 0, NULL,
	  "missing required key(s): mesh_ip, ca_file, cert_file, key_file" },
};

/* Load the full config, then the bad one over it: the error names the
 * place and the key, and nothing of either config is left. */
static void check_bad(const char *yaml, size_t len, unsigned int line,
		      unsigned int col, const char *key, const char *text)
{
	struct agent_config *cfg = new_cfg();
	char err[512], want[128];

	assert_int_equal(load(full_yaml, cfg, err, sizeof(err)), 0);
	assert_int_equal(config_load_buffer(yaml, len, "t.yaml", cfg, err,
					    sizeof(err)), -EINVAL);
	/* TEST_CONFIG_SHOW=1 prints every message, to read them. */
	if (getenv("TEST_CONFIG_SHOW"))
		print_message("%s\n", err);
	if (line)
		snprintf(want, sizeof(want), "t.yaml:%u:%u: %s%s", line, col,
			 key ? key : "", key ? ": " : "");
	else
		snprintf(want, sizeof(want), "t.yaml: ");
	if (strncmp(err, want, strlen(want)))
		fail_msg("'%s' does not start with '%s'", err, want);
	assert_contains(err, text);
	assert_null(strchr(err, '\n'));
	assert_defaults(cfg);
	test_free(cfg);
}

static void test_bad(void **state)
{
	const struct bad_case *bc = *state;

	check_bad(bc->yaml, strlen(bc->yaml), bc->line, bc->col, bc->key,
		  bc->text);
}

/* REQ, then a list of n peers or routes. */
static char *make_list(const char *key, bool routes, unsigned int n)
{
	size_t size = 256 + (size_t)n * 64, len;
	char *yaml = test_malloc(size);
	unsigned int i;

	len = (size_t)snprintf(yaml, size, REQ "%s:\n", key);
	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(yaml + len, size - len, "  - ");
		len += (size_t)snprintf(yaml + len, size - len,
					routes ? "10.%u.%u.0/24" : "p%u-%u.example.net:443",
					i / 256, i % 256);
		len += (size_t)snprintf(yaml + len, size - len, "\n");
	}
	return yaml;
}

static void test_too_many_peers(void **state)
{
	struct agent_config *cfg = new_cfg();
	char *yaml;
	char err[256];

	(void)state;
	yaml = make_list("static_peers", false, CFG_MAX_PEERS);
	assert_int_equal(load(yaml, cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->n_peers, CFG_MAX_PEERS);
	assert_int_equal(cfg->static_peers[CFG_MAX_PEERS - 1].line, 5 + CFG_MAX_PEERS);
	test_free(yaml);

	yaml = make_list("static_peers", false, CFG_MAX_PEERS + 1);
	/* The 65th entry, on line 5 + 65. */
	check_bad(yaml, strlen(yaml), 5 + CFG_MAX_PEERS + 1, 5, "static_peers",
		  "more than 64 entries");
	test_free(yaml);
	test_free(cfg);
}

static void test_too_many_routes(void **state)
{
	struct agent_config *cfg = new_cfg();
	char *yaml;
	char err[256];

	(void)state;
	yaml = make_list("advertise_routes", true, CFG_MAX_ROUTES);
	assert_int_equal(load(yaml, cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->n_advertise, CFG_MAX_ROUTES);
	test_free(yaml);

	yaml = make_list("advertise_routes", true, CFG_MAX_ROUTES + 1);
	check_bad(yaml, strlen(yaml), 5 + CFG_MAX_ROUTES + 1, 5, "advertise_routes",
		  "more than 64 entries");
	test_free(yaml);
	test_free(cfg);
}

/* A peer host of 256 characters (labels of 63). */
static void test_peer_host_too_long(void **state)
{
	char yaml[1024] = REQ "static_peers:\n  - ";
	size_t n = strlen(yaml);
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		memset(yaml + n, 'a', 63);
		n += 63;
		yaml[n++] = '.';
	}
	snprintf(yaml + n - 1, sizeof(yaml) - n + 1, ":443\n");
	check_bad(yaml, strlen(yaml), 6, 5, "static_peers", "longer than 253");
}

/* A resolved path longer than PATH_MAX. */
static void test_path_too_long(void **state)
{
	size_t size = PATH_MAX + 256;
	char *yaml = test_malloc(size);
	char *name = test_malloc(PATH_MAX);
	struct agent_config *cfg = new_cfg();
	char err[512];
	size_t n;

	(void)state;
	n = (size_t)snprintf(yaml, size, "mesh_ip: 100.64.0.1\ncert_file: b\nkey_file: c\nca_file: ");
	memset(yaml + n, 'x', PATH_MAX - 100);
	snprintf(yaml + n + PATH_MAX - 100, size - n - PATH_MAX + 100, "\n");
	/* Fits on its own... */
	assert_int_equal(load(yaml, cfg, err, sizeof(err)), 0);
	/* ...but not once put under a long directory. */
	memset(name, 'd', 200);
	snprintf(name + 200, PATH_MAX - 200, "/agent.yaml");
	assert_int_equal(config_load_buffer(yaml, strlen(yaml), name, cfg, err,
					    sizeof(err)), -EINVAL);
	assert_contains(err, ":4:10: ca_file: ");
	assert_contains(err, "too long (");
	assert_defaults(cfg);
	test_free(cfg);
	test_free(name);
	test_free(yaml);
}

static void test_buffer_too_big(void **state)
{
	size_t size = CFG_MAX_FILE + 1;
	char *yaml = test_malloc(size);
	struct agent_config *cfg = new_cfg();
	char err[256];

	(void)state;
	memset(yaml, '#', size);
	assert_int_equal(config_load_buffer(yaml, size, "t.yaml", cfg, err,
					    sizeof(err)), -EFBIG);
	assert_contains(err, "t.yaml: ");
	assert_contains(err, "limit");
	assert_defaults(cfg);
	/* A comment of exactly the limit is fine (and has no keys). */
	yaml[size - 2] = '\n';
	assert_int_equal(config_load_buffer(yaml, size - 1, "t.yaml", cfg, err,
					    sizeof(err)), -EINVAL);
	assert_contains(err, "missing required");
	test_free(cfg);
	test_free(yaml);
}

/* Files */

static char *temp_dir(void)
{
	char *dir = test_malloc(64);

	snprintf(dir, 64, "/tmp/aegis-test-config.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return dir;
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_load_file(void **state)
{
	static const char yaml[] =
		"mesh_ip: 100.64.0.10\nca_file: ca.crt\ncert_file: keys/node.crt\n"
		"key_file: /abs/node.key\n";
	struct agent_config *cfg = new_cfg();
	char *dir = temp_dir(), path[128], want[512], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/agent.yaml", dir);
	write_file(path, yaml, strlen(yaml));
	assert_int_equal(config_load_file(path, cfg, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(cfg->path, path);
	snprintf(want, sizeof(want), "%s/ca.crt", dir);
	assert_string_equal(cfg->ca_file, want);
	snprintf(want, sizeof(want), "%s/keys/node.crt", dir);
	assert_string_equal(cfg->cert_file, want);
	assert_string_equal(cfg->key_file, "/abs/node.key");

	/* A bad file names itself with line and column. */
	write_file(path, REQ "mtu: 12\n", strlen(REQ "mtu: 12\n"));
	assert_int_equal(config_load_file(path, cfg, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:5:6: mtu: 12 is out of range", path);
	assert_contains(err, want);
	assert_defaults(cfg);
	assert_int_equal(unlink(path), 0);

	/* Missing. */
	assert_int_equal(config_load_file(path, cfg, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);
	assert_defaults(cfg);

	/* A directory. */
	assert_int_equal(config_load_file(dir, cfg, err, sizeof(err)), -EISDIR);
	snprintf(want, sizeof(want), "%s: Is a directory", dir);
	assert_string_equal(err, want);

	/* Not a regular file. */
	assert_int_equal(config_load_file("/dev/null", cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "/dev/null: not a regular file");

	assert_int_equal(rmdir(dir), 0);
	test_free(dir);
	test_free(cfg);
}

static void test_load_file_too_big(void **state)
{
	struct agent_config *cfg = new_cfg();
	char *dir = temp_dir(), path[256], err[512];
	size_t size = CFG_MAX_FILE + 10;
	char *data = test_malloc(size);

	(void)state;
	memset(data, '#', size);
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	write_file(path, data, size);
	assert_int_equal(config_load_file(path, cfg, err, sizeof(err)), -EFBIG);
	assert_contains(err, path);
	assert_contains(err, "limit");
	assert_defaults(cfg);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	test_free(data);
	test_free(dir);
	test_free(cfg);
}

/* configs/templates/: each loads cleanly. Run from the repository root, or
 * set AEGIS_SRCDIR to it. */
static void load_template(const char *file, struct agent_config *cfg)
{
	const char *src = getenv("AEGIS_SRCDIR");
	char path[PATH_MAX], err[512];
	int ret;

	snprintf(path, sizeof(path), "%s/configs/templates/%s",
		 src ? src : ".", file);
	ret = config_load_file(path, cfg, err, sizeof(err));
	if (ret)
		fail_msg("%s", err);
	assert_int_equal(cfg->n_warnings, 0);
	assert_string_equal(cfg->ca_file, "/etc/aegisray/ca.crt");
	assert_string_equal(cfg->cert_file, "/etc/aegisray/node.crt");
	assert_string_equal(cfg->key_file, "/etc/aegisray/node.key");
	assert_int_equal(cfg->listen_port, 443);
	assert_true(cfg->network_cidr.len == 16);
}

static void test_templates(void **state)
{
	struct agent_config *cfg = new_cfg();

	(void)state;
	load_template("basic-peer.yaml", cfg);
	assert_int_equal(cfg->n_unsupported, 0);
	assert_int_equal(cfg->n_peers, 3);
	assert_int_equal(cfg->n_advertise, 0);

	load_template("gateway-relay.yaml", cfg);
	assert_int_equal(cfg->n_unsupported, 0);
	assert_true(cfg->mesh_routing);
	assert_int_equal(cfg->mesh_ip6.family, AF_INET6);

	load_template("exit-node.yaml", cfg);
	assert_int_equal(cfg->n_unsupported, 1);
	assert_true(!strncmp(cfg->unsupported[0], "exit_node (line ", 16));

	load_template("site-router.yaml", cfg);
	assert_int_equal(cfg->n_unsupported, 0);
	assert_int_equal(cfg->n_advertise, 1);
	assert_prefix(&cfg->advertise_routes[0], "192.168.1.0/24");
	assert_int_equal(cfg->cipher, AEGIS_CIPHER_CHACHA20POLY1305);
	test_free(cfg);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_flow_style),
		cmocka_unit_test(test_peer_link_local),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_null_values),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_many_warnings),
		cmocka_unit_test(test_value_forms),
		cmocka_unit_test(test_cipher_names),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_too_many_peers),
		cmocka_unit_test(test_too_many_routes),
		cmocka_unit_test(test_peer_host_too_long),
		cmocka_unit_test(test_path_too_long),
		cmocka_unit_test(test_buffer_too_big),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_file_too_big),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_section_errors),
	};
	struct CMUnitTest tests[ARRAY_SIZE(fixed) + ARRAY_SIZE(bad_cases)];
	size_t i;

	memcpy(tests, fixed, sizeof(fixed));
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		struct CMUnitTest *t = &tests[ARRAY_SIZE(fixed) + i];

		memset(t, 0, sizeof(*t));
		t->name = bad_cases[i].name;
		t->test_func = test_bad;
		t->initial_state = (void *)&bad_cases[i];
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
