// SPDX-License-Identifier: MIT
/*
 * Fuzzes the YAML configuration parser of conf/config.c with whole
 * documents, through config_load_buffer() (as /etc/aegisray/agent.yaml,
 * so that relative paths resolve) and, for one input in eight, through
 * config_load_file() on a memfd.
 *
 * Checks: a refusal says why on one line and leaves the defaults; an
 * acceptance says nothing in err and gives a config that holds together:
 * mesh_ip is IPv4 and inside network_cidr, every string is terminated
 * inside its field, paths are absolute, lists and notes are within their
 * bounds and hold valid entries, numbers within their ranges; the same
 * document parses the same way twice.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf/config.h"
#include "harness.h"

#define NAME	"/etc/aegisray/agent.yaml"

static struct agent_config cfg, cfg2, defaults;
static int memfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	config_defaults(&defaults);
	memfd = memfd_create("fuzz_config", MFD_CLOEXEC);
	return memfd < 0 ? -1 : 0;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static bool one_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static void check_config(const struct agent_config *c)
{
	unsigned int i;

	FUZZ_CHECK(c->mesh_ip.family == AF_INET);
	FUZZ_CHECK(c->network_cidr.addr.family == AF_INET &&
		   c->network_cidr.len >= 1 && c->network_cidr.len <= 30);
	FUZZ_CHECK(aegis_prefix_has_addr(&c->network_cidr, &c->mesh_ip));
	FUZZ_CHECK(c->network_cidr6.addr.family == AF_INET6 &&
		   c->network_cidr6.len >= 1 && c->network_cidr6.len <= 126);
	if (c->mesh_ip6.family) {
		FUZZ_CHECK(c->mesh_ip6.family == AF_INET6);
		FUZZ_CHECK(aegis_prefix_has_addr(&c->network_cidr6,
						 &c->mesh_ip6));
	}
	FUZZ_CHECK(terminated(c->path, sizeof(c->path)) &&
		   !strcmp(c->path, NAME));
	FUZZ_CHECK(terminated(c->node_name, sizeof(c->node_name)));
	FUZZ_CHECK(terminated(c->network_name, sizeof(c->network_name)));
	FUZZ_CHECK(terminated(c->ca_file, sizeof(c->ca_file)) &&
		   c->ca_file[0] == '/');
	FUZZ_CHECK(terminated(c->cert_file, sizeof(c->cert_file)) &&
		   c->cert_file[0] == '/');
	FUZZ_CHECK(terminated(c->key_file, sizeof(c->key_file)) &&
		   c->key_file[0] == '/');
	FUZZ_CHECK(strlen(c->control_socket) <
		   sizeof(((struct sockaddr_un *)0)->sun_path));
	FUZZ_CHECK(c->control_socket[0] == '/');
	FUZZ_CHECK(terminated(c->ifname, sizeof(c->ifname)) && c->ifname[0] &&
		   !strpbrk(c->ifname, "/: \t\n"));
	FUZZ_CHECK(c->rekey_interval >= CFG_MIN_REKEY &&
		   c->rekey_interval <= CFG_MAX_REKEY);
	FUZZ_CHECK(c->mtu >= CFG_MIN_MTU && c->mtu <= CFG_MAX_MTU);
	FUZZ_CHECK(c->max_peers >= 1 && c->max_peers <= CFG_MAX_MAX_PEERS);
	FUZZ_CHECK(c->cipher == AEGIS_CIPHER_AES_GCM ||
		   c->cipher == AEGIS_CIPHER_CHACHA20POLY1305);
	FUZZ_CHECK(strcmp(config_cipher_name(c->cipher), "unknown"));
	FUZZ_CHECK(c->log_level <= LOG_LVL_DEBUG);
	FUZZ_CHECK(c->n_advertise <= CFG_MAX_ROUTES);
	for (i = 0; i < c->n_advertise; i++)
		FUZZ_CHECK(aegis_prefix_valid(&c->advertise_routes[i]) &&
			   c->advertise_routes[i].len >= 1);
	FUZZ_CHECK(c->n_peers <= CFG_MAX_PEERS);
	for (i = 0; i < c->n_peers; i++) {
		const struct cfg_peer *p = &c->static_peers[i];

		FUZZ_CHECK(terminated(p->host, sizeof(p->host)) && p->host[0]);
		FUZZ_CHECK(p->port >= 1 && p->line >= 1);
	}
	FUZZ_CHECK(c->n_warnings <= CFG_MAX_NOTES);
	for (i = 0; i < c->n_warnings; i++)
		FUZZ_CHECK(terminated(c->warnings[i], CFG_NOTE_LEN) &&
			   one_line(c->warnings[i]));
	FUZZ_CHECK(c->n_unsupported <= CFG_MAX_NOTES);
	for (i = 0; i < c->n_unsupported; i++)
		FUZZ_CHECK(terminated(c->unsupported[i], CFG_NOTE_LEN));
}

static void check_result(int ret, const struct agent_config *c,
			 const char *err, const char *name)
{
	if (ret) {
		FUZZ_CHECK(ret < 0);
		FUZZ_CHECK(err[0] && one_line(err));
		FUZZ_CHECK(!memcmp(c, &defaults, sizeof(*c)));
		return;
	}
	FUZZ_CHECK(!err[0]);
	if (!strcmp(name, NAME))
		check_config(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], err2[512];
	int ret, ret2;

	ret = config_load_buffer((const char *)data, size, NAME, &cfg, err,
				 sizeof(err));
	check_result(ret, &cfg, err, NAME);
	ret2 = config_load_buffer((const char *)data, size, NAME, &cfg2, err2,
				  sizeof(err2));
	FUZZ_CHECK(ret == ret2 && !strcmp(err, err2));
	FUZZ_CHECK(!memcmp(&cfg, &cfg2, sizeof(cfg)));

	/* The file path: same verdict for the same bytes. */
	if (size % 8 == 0 && !ftruncate(memfd, 0) &&
	    pwrite(memfd, data, size, 0) == (ssize_t)size) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
		ret2 = config_load_file(path, &cfg2, err2, sizeof(err2));
		check_result(ret2, &cfg2, err2, path);
		FUZZ_CHECK(ret2 == ret);
	}
	return 0;
}
