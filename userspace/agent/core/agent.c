// SPDX-License-Identifier: MIT
/*
 * `aegis-agent run`: start-up, the sources the loop watches, shutdown.
 *
 * Start-up refuses to run half-configured: the config, the identity, the
 * certificate (signed by the CA, matching the key, allowing mesh_ip and
 * advertise_routes) are all checked before anything in the system changes.
 * Shutdown undoes what start-up did, in reverse.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/agent.h"
#include "core/log.h"
#include "ctl/control.h"
#include "fib/fib.h"
#include "hex.h"
#include "mesh/mesh.h"
#include "transport/udp.h"

/* How often the agent checks that its device still exists. */
#define DEVCHECK_MS	1000
/* DNS: each server gets RESOLVE_TRIES rounds, the first RESOLVE_TIMEOUT_MS
 * long, each later one twice the one before (3 + 6 s): a name nobody
 * answers for fails in 9 s, not c-ares's default 75. */
#define RESOLVE_TIMEOUT_MS	3000
#define RESOLVE_TRIES		2

void agent_print_config_notes(const struct agent_config *cfg);

void agent_print_config_notes(const struct agent_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->n_warnings; i++)
		log_warn("%s", cfg->warnings[i]);
	for (i = 0; i < cfg->n_unsupported; i++)
		log_warn("config: %s: not supported yet (ignored)",
			 cfg->unsupported[i]);
}

/* Our own certificate must be valid, ours, and cover what we claim. */
static int check_own_cert(struct agent *a)
{
	char s[AEGIS_PREFIX_STRSIZE];
	enum cert_status st;
	unsigned int i;

	st = cert_verify(a->ca, a->cert, time(NULL), a->id.node_id, &a->me);
	if (st != CERT_OK) {
		log_err("certificate %s: %s", a->cfg.cert_file,
			cert_status_str(st));
		return -EINVAL;
	}
	if (!cert_allows_ip(&a->me, &a->cfg.mesh_ip)) {
		aegis_addr_format(&a->cfg.mesh_ip, s, sizeof(s));
		log_err("mesh_ip %s is not in certificate %s", s, a->cfg.cert_file);
		return -EINVAL;
	}
	if (a->cfg.mesh_ip6.family && !cert_allows_ip(&a->me, &a->cfg.mesh_ip6)) {
		aegis_addr_format(&a->cfg.mesh_ip6, s, sizeof(s));
		log_err("mesh_ip6 %s is not in certificate %s", s,
			a->cfg.cert_file);
		return -EINVAL;
	}
	for (i = 0; i < a->cfg.n_advertise; i++) {
		if (cert_allows_prefix(&a->me, &a->cfg.advertise_routes[i]))
			continue;
		aegis_prefix_format(&a->cfg.advertise_routes[i], s, sizeof(s));
		log_err("advertise_routes: %s is not allowed by certificate %s",
			s, a->cfg.cert_file);
		return -EINVAL;
	}
	if (a->cfg.network_name[0] && strcmp(a->cfg.network_name, a->me.network)) {
		log_err("network_name '%s' differs from the certificate's '%s'",
			a->cfg.network_name, a->me.network);
		return -EINVAL;
	}
	if (!a->cfg.node_name[0])
		snprintf(a->cfg.node_name, sizeof(a->cfg.node_name), "%s",
			 a->me.name);
	return 0;
}

static int load_credentials(struct agent *a)
{
	char err[512];
	int ret;

	ret = identity_load(a->cfg.key_file, &a->id, err, sizeof(err));
	if (ret) {
		log_err("%s", err);
		if (ret == -ENOENT)
			log_err("create it once with: aegis-agent keygen --out %s",
				a->cfg.key_file);
		return ret;
	}
	ret = cert_load_pem(a->cfg.ca_file, &a->ca, err, sizeof(err));
	if (!ret)
		ret = cert_load_pem(a->cfg.cert_file, &a->cert, err, sizeof(err));
	if (ret) {
		log_err("%s", err);
		return ret;
	}
	ret = check_own_cert(a);
	if (ret)
		return ret;
	ret = cert_to_der(a->cert, &a->cert_der, &a->cert_len);
	if (ret) {
		log_err("encode certificate: %s", strerror(-ret));
		return ret;
	}
	a->hs.key = a->id.key;
	a->hs.node_id = a->id.node_id;
	a->hs.cert_der = a->cert_der;
	a->hs.cert_len = a->cert_len;
	a->hs.ca = a->ca;
	a->hs.cipher_pref = a->cfg.cipher;
	a->hs.routes = a->cfg.advertise_routes;
	a->hs.n_routes = a->cfg.n_advertise;
	return 0;
}

static int setup_kernel(struct agent *a)
{
	char s[AEGIS_ADDR_STRSIZE];

	if (kernel_open(&a->k))
		goto err;
	if (kernel_dev_ensure(&a->k, a->cfg.ifname, a->cfg.mtu))
		goto err;
	if (kernel_addr_add(&a->k, &a->cfg.mesh_ip, a->cfg.network_cidr.len))
		goto err;
	if (a->cfg.mesh_ip6.family &&
	    kernel_addr_add(&a->k, &a->cfg.mesh_ip6, a->cfg.network_cidr6.len))
		goto err;
	if (kernel_bind(&a->k, a->udp_fd, a->id.node_id))
		goto err;
	if (kernel_dev_set_idle(&a->k, 3U * a->cfg.keepalive))
		goto err;
	aegis_addr_format(&a->cfg.mesh_ip, s, sizeof(s));
	log_info("%s up: %s, mtu %u, udp port %u%s", a->cfg.ifname, s,
		 a->cfg.mtu, a->port, a->k.created ? " (created)" : "");
	return 0;
err:
	log_err("%s", a->k.err);
	return -EIO;
}

static int open_fib(struct agent *a)
{
	a->fib = fib_new(&kernel_fib_ops, &a->k);
	if (!a->fib) {
		log_err("fib: out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void add_static_peers(struct agent *a)
{
	unsigned int i;

	for (i = 0; i < a->cfg.n_peers; i++) {
		struct peer *p = session_peer_new(a);

		if (!p) {
			log_warn("peer table full: static peer %s ignored",
				 a->cfg.static_peers[i].host);
			return;
		}
		peer_set_static(&a->peers, p, (int)i);
		session_start_static(a, p);
	}
}

/* ---- the sources ------------------------------------------------------ */

static void on_udp(struct loop_source *src, uint32_t events)
{
	struct agent *a = container_of(src, struct agent, src_udp);

	(void)events;
	udp_read(a);
}

static void on_kernel(struct loop_source *src, uint32_t events)
{
	struct agent *a = container_of(src, struct agent, src_kernel);
	int ret;

	(void)events;
	ret = kernel_events_read(&a->k, session_on_kernel_event, a);
	if (ret == -ENOBUFS) {
		a->stats.ntf_lost++;
		log_warn("kernel notifications were lost; asking the kernel");
		session_resync(a);
	} else if (ret && ret != -EAGAIN) {
		log_debug("kernel notifications: %s", a->k.err);
	}
}

static void on_resolver(struct loop_source *src, uint32_t events)
{
	struct agent *a = container_of(src, struct agent, src_resolver);

	(void)events;
	resolve_process(&a->resolver, a->now);
}

static void on_signal(struct loop_source *src, uint32_t events)
{
	struct agent *a = container_of(src, struct agent, src_signal);
	struct signalfd_siginfo si;

	(void)events;
	while (read(a->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload_config(a);
		} else {
			log_info("signal %u: shutting down", si.ssi_signo);
			a->stop = true;
		}
	}
}

static void on_devcheck(struct timer *t, uint64_t now)
{
	struct agent *a = container_of(t, struct agent, t_devcheck);

	if (!kernel_dev_exists(&a->k)) {
		log_err("%s is gone (device deleted or module aegisray removed): exiting",
			a->cfg.ifname);
		a->stop = true;
		a->exit_code = 1;
		return;
	}
	timer_arm(&a->timers, t, now + DEVCHECK_MS);
}

static int setup_loop(struct agent *a)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	a->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->signal_fd < 0) {
		log_err("signals: %s", strerror(errno));
		return -errno;
	}
	a->src_udp.fn = on_udp;
	a->src_kernel.fn = on_kernel;
	a->src_signal.fn = on_signal;
	a->src_resolver.fn = on_resolver;
	if (loop_watch(a, a->udp_fd, EPOLLIN, &a->src_udp) ||
	    loop_watch(a, kernel_events_fd(&a->k), EPOLLIN, &a->src_kernel) ||
	    loop_watch(a, a->signal_fd, EPOLLIN, &a->src_signal) ||
	    loop_watch(a, resolve_fd(&a->resolver), EPOLLIN, &a->src_resolver))
		return -EIO;
	timer_init(&a->t_devcheck, on_devcheck);
	return timer_arm(&a->timers, &a->t_devcheck, clock_ms() + DEVCHECK_MS);
}

/* Undo what we did to the system, in reverse order. */
static void shutdown_agent(struct agent *a)
{
	mesh_stop(a);
	if (kernel_dev_exists(&a->k)) {
		struct peer *p;

		for (p = peer_first(&a->peers); p; p = peer_next(p))
			session_teardown(a, p);
		if (a->k.created) {
			if (kernel_dev_remove_if_created(&a->k))
				log_warn("remove %s: %s", a->cfg.ifname, a->k.err);
		} else {
			/* Not ours: take back only what we added. */
			kernel_addr_del(&a->k, &a->cfg.mesh_ip,
					a->cfg.network_cidr.len);
			if (a->cfg.mesh_ip6.family)
				kernel_addr_del(&a->k, &a->cfg.mesh_ip6,
						a->cfg.network_cidr6.len);
		}
	}
}

static void free_agent(struct agent *a)
{
	control_close(a);
	mesh_free(a);
	peer_table_free(&a->peers);
	resolve_free(&a->resolver);
	if (a->epoll_fd >= 0)
		close(a->epoll_fd);
	if (a->signal_fd >= 0)
		close(a->signal_fd);
	fib_free(a->fib);
	kernel_close(&a->k);
	if (a->udp_fd >= 0)
		close(a->udp_fd);
	timer_heap_free(&a->timers);
	cookie_gate_wipe(&a->gate);
	OPENSSL_free(a->cert_der);
	X509_free(a->cert);
	X509_free(a->ca);
	revoke_free(&a->revoked);
	identity_free(&a->id);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

int agent_run(const char *config_path, int log_override)
{
	const struct resolve_opts dns = {
		.timeout_ms = RESOLVE_TIMEOUT_MS, .tries = RESOLVE_TRIES,
	};
	char id[AEGIS_NODE_ID_HEX_SIZE];
	struct agent *a;
	char err[512];
	int ret = 1;

	a = calloc(1, sizeof(*a));
	if (!a) {
		fprintf(stderr, "aegis-agent: out of memory\n");
		return 1;
	}
	a->udp_fd = a->epoll_fd = a->signal_fd = -1;
	timer_heap_init(&a->timers);
	if (config_load_file(config_path, &a->cfg, err, sizeof(err))) {
		log_err("%s", err);
		free(a);
		return 2;
	}
	log_set_level(log_override >= 0 ? (enum log_level)log_override :
		      a->cfg.log_level);
	agent_print_config_notes(&a->cfg);
	a->start_ms = a->now = clock_ms();

	if (peer_table_init(&a->peers, a->cfg.max_peers, &a->timers) ||
	    resolve_init(&a->resolver, &a->timers, &dns)) {
		log_err("out of memory, or the resolver failed to start");
		goto out;
	}
	if (load_credentials(a) || revocation_reload(a, &a->cfg))
		goto out;
	revocation_state_load(a);
	if (udp_open(a) || setup_kernel(a) ||
	    open_fib(a) || mesh_init(a) || loop_init(a) || control_open(a) ||
	    cookie_gate_init(&a->gate, clock_wall_ns()) || setup_loop(a))
		goto out;

	add_static_peers(a);
	mesh_start(a);
	log_info("node %s (%s) in network %s, %u static peer(s), discovery %s",
		 a->cfg.node_name, aegis_node_id_format(a->id.node_id, id),
		 a->me.network, a->cfg.n_peers,
		 a->cfg.auto_discovery ? "on" : "off");
	loop_run(a);
	ret = a->exit_code;
out:
	shutdown_agent(a);
	free_agent(a);
	return ret;
}
