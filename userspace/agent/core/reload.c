// SPDX-License-Identifier: MIT
/*
 * SIGHUP: load the config file again. A file that does not load is
 * refused whole and the running config stays. Keys that need a restart
 * are reported and keep their running values; the others (log level,
 * rekey interval, cipher, keepalives, advertised routes, static peers,
 * max_peers for new peers) take effect at once.
 */
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/agent.h"
#include "core/log.h"
#include "mesh/mesh.h"
#include "session/session.h"
#include "trust/revoke.h"

void agent_print_config_notes(const struct agent_config *cfg);

static void warn_restart(const char *key, bool changed)
{
	if (changed)
		log_warn("reload: %s changed; it takes effect after a restart", key);
}

static int find_static(const struct agent_config *cfg, const struct cfg_peer *sp)
{
	unsigned int i;

	for (i = 0; i < cfg->n_peers; i++)
		if (!strcmp(cfg->static_peers[i].host, sp->host) &&
		    cfg->static_peers[i].port == sp->port)
			return (int)i;
	return -1;
}

/*
 * Load @cfg's revocation_file, if any, and put it in force (session.c
 * ends the sessions it revokes). No file named: no list. A file that does
 * not load leaves the list in force as it was. 0 or -errno.
 */
int revocation_reload(struct agent *a, const struct agent_config *cfg)
{
	struct revoke_list next = { 0 };
	char err[512];
	unsigned int ended;

	if (cfg->revocation_file[0] &&
	    revoke_load(cfg->revocation_file, a->ca, &next, err, sizeof(err))) {
		log_err("%s", err);
		return -EINVAL;
	}
	if (next.bytes && next.crl.next_update < (uint64_t)time(NULL))
		log_warn("%s: the revocation list's next update is past: get a new one from the CA (it stays in force)",
			 cfg->revocation_file);
	if (next.bytes && a->revoked.bytes &&
	    next.crl.version < a->revoked.crl.version) {
		log_err("%s: version %llu is older than the list in force (%llu): refused",
			cfg->revocation_file, (unsigned long long)next.crl.version,
			(unsigned long long)a->revoked.crl.version);
		revoke_free(&next);
		return -EINVAL;
	}
	if (next.bytes)
		log_info("revocation list version %llu: %u node%s revoked",
			 (unsigned long long)next.crl.version, next.crl.n,
			 next.crl.n == 1 ? "" : "s");
	ended = session_revoke(a, &next);
	if (ended)
		log_info("revocation: %u session%s ended", ended, ended == 1 ? "" : "s");
	mesh_gossip_crl_changed(a);
	return 0;
}

int revocation_state_path(const struct agent *a, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/revoked.pem", a->cfg.state_directory);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -ENAMETOOLONG;
	}
	return 0;
}

void revocation_state_load(struct agent *a)
{
	struct revoke_list next = { 0 };
	char path[PATH_MAX + 16], err[PATH_MAX + 128];
	unsigned int ended;

	if (revocation_state_path(a, path, sizeof(path)) ||
	    access(path, F_OK))
		return;			/* none kept */
	if (revoke_load(path, a->ca, &next, err, sizeof(err))) {
		log_warn("%s (ignored)", err);
		return;
	}
	if (a->revoked.bytes && next.crl.version <= a->revoked.crl.version) {
		revoke_free(&next);
		return;
	}
	log_info("revocation list version %llu learnt from the mesh before (%s): %u node%s revoked",
		 (unsigned long long)next.crl.version, path, next.crl.n,
		 next.crl.n == 1 ? "" : "s");
	ended = session_revoke(a, &next);
	if (ended)
		log_info("revocation: %u session%s ended", ended, ended == 1 ? "" : "s");
}

void reload_config(struct agent *a)
{
	struct peer *old[CFG_MAX_PEERS], *p;
	struct agent_config *next, *cur = &a->cfg;
	bool routes_changed;
	unsigned int i;
	char err[512];

	next = calloc(1, sizeof(*next));
	if (!next)
		return;
	if (config_load_file(cur->path, next, err, sizeof(err))) {
		log_err("reload refused, keeping the running config: %s", err);
		free(next);
		return;
	}
	agent_print_config_notes(next);
	warn_restart("key_file", strcmp(cur->key_file, next->key_file));
	warn_restart("cert_file", strcmp(cur->cert_file, next->cert_file));
	warn_restart("ca_file", strcmp(cur->ca_file, next->ca_file));
	warn_restart("tun_interface_name", strcmp(cur->ifname, next->ifname));
	warn_restart("listen_port", cur->listen_port != next->listen_port);
	warn_restart("mesh_ip", memcmp(&cur->mesh_ip, &next->mesh_ip,
				       sizeof(cur->mesh_ip)));
	warn_restart("mesh_ip6", memcmp(&cur->mesh_ip6, &next->mesh_ip6,
					sizeof(cur->mesh_ip6)));
	warn_restart("mtu", cur->mtu != next->mtu);
	warn_restart("control_socket",
		     strcmp(cur->control_socket, next->control_socket));
	for (i = 0; i < next->n_advertise; i++) {
		if (!cert_allows_prefix(&a->me, &next->advertise_routes[i])) {
			log_err("reload refused: advertise_routes entry %u is not allowed by our certificate",
				i + 1);
			free(next);
			return;
		}
	}

	/* The revocation list: read again (it may have changed in place). */
	if (revocation_reload(a, next))
		log_err("reload: keeping the revocation list in force (version %llu)",
			(unsigned long long)a->revoked.crl.version);

	/* Static peers: keep sessions, re-index, add new ones. */
	for (i = 0; i < cur->n_peers; i++) {
		old[i] = peer_find_static(&a->peers, (int)i);
		if (old[i])
			peer_set_static(&a->peers, old[i], -1);
	}
	for (i = 0; i < cur->n_peers; i++) {
		int j;

		if (!old[i])
			continue;
		j = find_static(next, &cur->static_peers[i]);
		if (j >= 0) {
			peer_set_static(&a->peers, old[i], j);
		} else if (!old[i]->has_id) {
			/* never met: forget it */
			session_teardown(a, old[i]);
			peer_free(&a->peers, old[i]);
		}
	}
	routes_changed = cur->n_advertise != next->n_advertise ||
		memcmp(cur->advertise_routes, next->advertise_routes,
		       sizeof(cur->advertise_routes));

	/* Runtime keys take the new values; restart-only keys stay. */
	log_set_level(next->log_level);
	cur->log_level = next->log_level;
	cur->rekey_interval = next->rekey_interval;
	cur->cipher = next->cipher;
	if (cur->keepalive != next->keepalive &&
	    kernel_dev_set_idle(&a->k, 3U * next->keepalive))
		log_warn("reload: keepalive: %s", a->k.err);
	cur->keepalive = next->keepalive;
	cur->persistent_keepalive = next->persistent_keepalive;
	cur->n_advertise = next->n_advertise;
	memcpy(cur->advertise_routes, next->advertise_routes,
	       sizeof(cur->advertise_routes));
	cur->n_peers = next->n_peers;
	cur->max_peers = next->max_peers;
	a->peers.limit = next->max_peers;
	memcpy(cur->static_peers, next->static_peers, sizeof(cur->static_peers));
	free(next);

	a->hs.cipher_pref = cur->cipher;
	a->hs.n_routes = cur->n_advertise;
	for (i = 0; i < cur->n_peers; i++) {
		if (peer_find_static(&a->peers, (int)i))
			continue;
		p = session_peer_new(a);
		if (!p)
			continue;
		peer_set_static(&a->peers, p, (int)i);
		session_start_static(a, p);
	}
	/* Peers learn a changed route list through a new handshake. */
	for (p = peer_first(&a->peers); p && routes_changed; p = peer_next(p))
		if (p->state == PEER_ESTABLISHED)
			session_initiate(a, p, "advertised routes changed");
	log_info("configuration reloaded from %s", cur->path);
}

