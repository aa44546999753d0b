/* SPDX-License-Identifier: MIT */
/*
 * The running agent: one struct holds everything (no global state).
 *
 * Who owns what (each table has one owner; only the owner writes it):
 *   cfg        conf/config.c (loaded at start, replaced on SIGHUP by
 *              core/reload.c)
 *   id, ca, cert, me, hs   trust/ (loaded at start, read-only after)
 *   timers     core/timer.c (every object arms its own timers in it)
 *   resolver   core/resolve.c
 *   peers      peer/peer.c (the table); session/session.c (the fields)
 *   fib        fib/fib.c: the only writer of kernel nodes, prefixes and
 *              OS routes; session.c alone writes the kernel's key slots
 *   gate       session/cookie.c
 *   stats      counted where the event happens, read by ctl/
 *
 * Data flows one way: transport/udp.c reads, transport/demux.c sorts by
 * first byte, wire/ decodes, session/ handles and updates peers, fib/
 * reconciles the kernel with them. core/loop.c only dispatches.
 */
#ifndef AGENT_CORE_AGENT_H
#define AGENT_CORE_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/x509.h>

#include "conf/config.h"
#include "core/clock.h"
#include "core/loop.h"
#include "core/resolve.h"
#include "core/timer.h"
#include "fib/kernel.h"
#include "peer/peer.h"
#include "session/cookie.h"
#include "session/hs.h"
#include "session/session.h"
#include "trust/cert.h"
#include "trust/identity.h"

struct epoll_event;
struct ctl_server;
struct fib;
struct mesh;

/* Counters of refusals and events, by reason (status shows them). */
struct agent_stats {
	uint64_t hs_reject[HS_STATUS_MAX];
	uint64_t inits_rx;
	uint64_t inits_tx;
	uint64_t handshakes;		/* completed, either role */
	uint64_t rotations;
	uint64_t rsa_verifies;		/* INITs that reached RSA work */
	uint64_t cookies_sent;
	uint64_t rate_limited;
	uint64_t garbage;		/* undecodable datagrams */
	uint64_t stun;			/* STUN datagrams (not used yet) */
	uint64_t simultaneous;		/* crossing INITs resolved */
	uint64_t kernel_errors;
	uint64_t table_full;		/* peers refused: max_peers reached */
	uint64_t send_errors;
	uint64_t ntf_lost;		/* kernel notification overruns */
};

struct agent {
	struct agent_config cfg;
	struct identity id;
	X509 *ca;
	X509 *cert;
	uint8_t *cert_der;		/* OPENSSL_malloc'd */
	size_t cert_len;
	struct cert_info me;		/* our own certificate */
	struct hs_local hs;
	struct revoke_list revoked;	/* the CA's list; empty: none */

	struct kernel k;
	struct fib *fib;
	struct mesh *mesh;		/* mesh/: gossip, neighbours */
	int udp_fd;
	uint16_t port;
	int epoll_fd;
	int signal_fd;
	struct loop_source src_udp, src_kernel, src_signal, src_resolver;
	struct epoll_event *loop_batch;	/* this turn's events (loop.c) */
	int loop_n;
	struct ctl_server *ctl;		/* ctl/server.c */

	struct timer_heap timers;
	struct resolver resolver;
	struct cookie_gate gate;
	struct peer_table peers;
	struct agent_stats stats;
	struct timer t_devcheck;

	uint64_t now;			/* ms: this loop turn's clock */
	const uint8_t *rx_relayed;	/* session_on_relayed(): its source */
	uint64_t start_ms;
	uint64_t last_ts;		/* last INIT timestamp we sent */
	bool stop;
	int exit_code;

	/* Rate limits of refusal log lines and of HELLO replies. */
	uint64_t log_window_ms;
	unsigned int log_count;
	unsigned int log_suppressed;
	uint64_t probe_window_ms;
	unsigned int probe_count;
};

/* core/agent.c: `aegis-agent run` until SIGTERM; returns the exit code.
 * log_override: a log level, or -1 for the config's. */
int agent_run(const char *config_path, int log_override);

/* core/reload.c: SIGHUP. */
void reload_config(struct agent *a);
int revocation_reload(struct agent *a, const struct agent_config *cfg);
/* The list learnt from the mesh, kept in state_directory: its path; put
 * in force at start if it is newer than revocation_file's. */
int revocation_state_path(const struct agent *a, char *buf, size_t size);
void revocation_state_load(struct agent *a);


#endif /* AGENT_CORE_AGENT_H */
