// SPDX-License-Identifier: MIT
/*
 * `aegis-agent run`: start-up checks, the event loop and a clean exit.
 *
 * One thread, one epoll set: the UDP socket (control packets the kernel
 * leaves to us), the kernel's notifications, the control socket and a
 * signalfd. Timers are a tick every AGENT_TICK_MS.
 *
 * Start-up refuses to run half-configured: the config, the identity, the
 * certificate (signed by the CA, matching the key, allowing mesh_ip and
 * advertise_routes) are all checked before anything in the system changes.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "transport/addr.h"
#include "core/agent.h"
#include "hex.h"
#include "core/log.h"

enum { EV_UDP = 1, EV_KERNEL, EV_CONTROL, EV_SIGNAL };

static void print_config_notes(const struct agent_config *cfg)
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

/* IPv6 with v4-mapped addresses: one socket for both families. */
static int open_udp(struct agent *a)
{
	struct sockaddr_in6 sin6;
	socklen_t len = sizeof(sin6);
	int off = 0, fd;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("UDP socket: %s", strerror(errno));
		return -errno;
	}
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) {
		log_err("UDP socket: IPV6_V6ONLY: %s", strerror(errno));
		goto err_close;
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_any;
	sin6.sin6_port = htons(a->cfg.listen_port);
	if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		log_err("bind UDP port %u: %s", a->cfg.listen_port,
			strerror(errno));
		goto err_close;
	}
	if (getsockname(fd, (struct sockaddr *)&sin6, &len) == 0)
		a->port = ntohs(sin6.sin6_port);
	a->udp_fd = fd;
	return 0;

err_close:
	close(fd);
	return -errno;
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

static void add_static_peers(struct agent *a)
{
	unsigned int i;

	for (i = 0; i < a->cfg.n_peers; i++) {
		struct peer *p = peer_alloc(a);

		if (!p) {
			log_warn("peer table full: static peer %s ignored",
				 a->cfg.static_peers[i].host);
			return;
		}
		p->static_idx = (int)i;
	}
}

static int epoll_add(struct agent *a, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (epoll_ctl(a->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_err("epoll: %s", strerror(errno));
		return -errno;
	}
	return 0;
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
	a->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (a->signal_fd < 0 || a->epoll_fd < 0) {
		log_err("event loop: %s", strerror(errno));
		return -errno;
	}
	if (epoll_add(a, a->udp_fd, EV_UDP) ||
	    epoll_add(a, kernel_events_fd(&a->k), EV_KERNEL) ||
	    epoll_add(a, a->control_fd, EV_CONTROL) ||
	    epoll_add(a, a->signal_fd, EV_SIGNAL))
		return -EIO;
	return 0;
}

static void read_udp(struct agent *a)
{
	uint8_t buf[WIRE_MAX_DATAGRAM];
	struct sockaddr_storage src;
	unsigned int budget = 256;

	while (budget--) {
		socklen_t len = sizeof(src);
		ssize_t n = recvfrom(a->udp_fd, buf, sizeof(buf), MSG_TRUNC,
				     (struct sockaddr *)&src, &len);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("receive: %s", strerror(errno));
			return;
		}
		if ((size_t)n > sizeof(buf)) {
			a->stats.garbage++;
			continue;
		}
		session_on_datagram(a, buf, (size_t)n, (struct sockaddr *)&src,
				    len);
	}
}

static void read_kernel(struct agent *a)
{
	int ret = kernel_events_read(&a->k, session_on_kernel_event, a);

	if (ret == -ENOBUFS)
		log_warn("kernel notifications were lost; timers will catch up");
	else if (ret && ret != -EAGAIN)
		log_debug("kernel notifications: %s", a->k.err);
}

/* ---- SIGHUP ----------------------------------------------------------- */

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

static void reload(struct agent *a)
{
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
	print_config_notes(next);
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

	/* Static peers: keep sessions, re-index, add new ones. */
	for (i = 0; i < AGENT_MAX_PEERS; i++) {
		struct peer *p = &a->peers[i];

		if (!p->used || p->static_idx < 0)
			continue;
		p->static_idx = find_static(next, &cur->static_peers[p->static_idx]);
		if (p->static_idx < 0 && !p->has_id)
			p->used = false;	/* never met: forget it */
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
	memcpy(cur->static_peers, next->static_peers, sizeof(cur->static_peers));
	free(next);

	a->hs.cipher_pref = cur->cipher;
	a->hs.n_routes = cur->n_advertise;
	for (i = 0; i < cur->n_peers; i++) {
		struct peer *p;

		if (peer_find_static(a, (int)i))
			continue;
		p = peer_alloc(a);
		if (p)
			p->static_idx = (int)i;
	}
	/* Peers learn a changed route list through a new handshake. */
	for (i = 0; i < AGENT_MAX_PEERS; i++) {
		struct peer *p = &a->peers[i];

		if (p->used && p->state == PEER_ESTABLISHED && routes_changed)
			session_initiate(a, p, "advertised routes changed");
	}
	log_info("configuration reloaded from %s", cur->path);
}

static void read_signals(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(a);
		} else {
			log_info("signal %u: shutting down", si.ssi_signo);
			a->stop = true;
		}
	}
}

static void tick(struct agent *a, uint64_t now)
{
	session_tick(a, now);
	if (now - a->last_dev_check_ms >= 1000) {
		a->last_dev_check_ms = now;
		if (!kernel_dev_exists(&a->k)) {
			log_err("%s is gone (device deleted or module aegisray removed): exiting",
				a->cfg.ifname);
			a->stop = true;
			a->exit_code = 1;
		}
	}
}

static void event_loop(struct agent *a)
{
	struct epoll_event evs[8];

	a->next_tick_ms = clock_ms();
	while (!a->stop) {
		uint64_t now = clock_ms();
		int timeout = 0, n, i;

		if (a->next_tick_ms > now)
			timeout = (int)(a->next_tick_ms - now);
		n = epoll_wait(a->epoll_fd, evs, 8, timeout);
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			a->exit_code = 1;
			return;
		}
		for (i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case EV_UDP:
				read_udp(a);
				break;
			case EV_KERNEL:
				read_kernel(a);
				break;
			case EV_CONTROL:
				control_accept(a);
				break;
			case EV_SIGNAL:
				read_signals(a);
				break;
			}
		}
		now = clock_ms();
		if (now >= a->next_tick_ms) {
			tick(a, now);
			a->next_tick_ms = now + AGENT_TICK_MS;
		}
	}
}

/* Undo what we did to the system, in reverse order. */
static void shutdown_agent(struct agent *a)
{
	unsigned int i;

	if (kernel_dev_exists(&a->k)) {
		for (i = 0; i < AGENT_MAX_PEERS; i++)
			if (a->peers[i].used)
				session_teardown(a, &a->peers[i]);
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
	for (i = 0; i < AGENT_MAX_PEERS; i++)
		if (a->peers[i].used)
			peer_reset_session(&a->peers[i]);
}

static void free_agent(struct agent *a)
{
	control_close(a);
	if (a->epoll_fd >= 0)
		close(a->epoll_fd);
	if (a->signal_fd >= 0)
		close(a->signal_fd);
	kernel_close(&a->k);
	if (a->udp_fd >= 0)
		close(a->udp_fd);
	cookie_gate_wipe(&a->gate);
	OPENSSL_free(a->cert_der);
	X509_free(a->cert);
	X509_free(a->ca);
	identity_free(&a->id);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

int agent_run(const char *config_path, int log_override)
{
	struct agent *a;
	char err[512];
	int ret = 1;

	a = calloc(1, sizeof(*a));
	if (!a) {
		fprintf(stderr, "aegis-agent: out of memory\n");
		return 1;
	}
	a->udp_fd = a->epoll_fd = a->signal_fd = a->control_fd = -1;
	if (config_load_file(config_path, &a->cfg, err, sizeof(err))) {
		log_err("%s", err);
		free(a);
		return 2;
	}
	log_set_level(log_override >= 0 ? (enum log_level)log_override :
		      a->cfg.log_level);
	print_config_notes(&a->cfg);
	a->start_ms = clock_ms();

	if (load_credentials(a) || open_udp(a) || setup_kernel(a) ||
	    control_open(a) || cookie_gate_init(&a->gate, clock_wall_ns()) ||
	    setup_loop(a))
		goto out;

	add_static_peers(a);
	{
		char id[AEGIS_NODE_ID_HEX_SIZE];

		aegis_node_id_format(a->id.node_id, id);
		log_info("node %s (%s) in network %s, %u static peer(s)",
			 a->cfg.node_name, id, a->me.network, a->cfg.n_peers);
	}
	event_loop(a);
	ret = a->exit_code;
out:
	shutdown_agent(a);
	free_agent(a);
	return ret;
}
