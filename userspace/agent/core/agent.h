/* SPDX-License-Identifier: MIT */
/*
 * The running agent: one struct holds everything (no global state), and
 * the event loop (loop.c) drives it. Peers (peer.c) are the nodes we have
 * met; session.c runs the handshake state machine against them and pushes
 * keys, nodes, prefixes and routes to the kernel; control.c answers
 * `aegis-agent status`.
 */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/x509.h>

#include "conf/config.h"
#include "core/clock.h"
#include "session/cookie.h"
#include "session/hs.h"
#include "trust/identity.h"
#include "fib/kernel.h"

#define AGENT_MAX_PEERS		256
#define AGENT_TICK_MS		200

/* Retry of handshakes to peers that do not answer. */
#define RETRY_BASE_MS		1000
#define RETRY_MAX_MS		30000
/* An initiation not answered after this is retried (WireGuard's 5 s). */
#define REKEY_TIMEOUT_MS	5000
/* Old keys stay in the secondary slot this long after a swap, at most. */
#define KEY_GRACE_MAX_MS	10000
/* CONFIRM is resent this many times while the new key is unconfirmed. */
#define CONFIRM_RESENDS		3

enum peer_state {
	PEER_UNKNOWN,		/* static endpoint, identity not known yet */
	PEER_HANDSHAKE,		/* our INIT is in flight */
	PEER_ESTABLISHED,	/* keys installed */
	PEER_FAILED,		/* refused; retried after backoff */
};

const char *peer_state_name(enum peer_state st);

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
	uint64_t garbage;		/* undecodable control datagrams */
	uint64_t simultaneous;		/* crossing INITs resolved */
	uint64_t kernel_errors;
};

struct peer {
	bool used;
	enum peer_state state;
	bool has_id;
	uint8_t id[AEGIS_NODE_ID_LEN];
	struct cert_info cert;		/* valid when has_id */
	int static_idx;			/* index in cfg.static_peers, or -1 */

	struct sockaddr_storage ep;	/* where to send control packets */
	socklen_t ep_len;

	/* Initiator side: the INIT in flight. */
	bool init_inflight;
	struct hs_init_state init;
	uint64_t init_sent_ms;
	bool has_cookie;
	uint8_t cookie[WIRE_COOKIE_LEN];

	/* Retry with backoff (no session, or a failed attempt). */
	unsigned int attempts;
	uint64_t next_attempt_ms;

	/* Replay protection: newest INIT timestamp accepted from it. */
	uint64_t last_init_ts;

	/* The current session. */
	bool kernel_node;		/* the node exists in the kernel */
	bool has_primary;
	bool we_initiated;
	uint8_t cipher;
	uint64_t session_ms;		/* when the current key was made */
	uint64_t last_handshake_wall;	/* CLOCK_REALTIME seconds */
	uint64_t rotations;

	/* Responder: new key in the secondary slot, awaiting CONFIRM. */
	bool await_confirm;
	struct hs_keys pending;		/* only indices, th, confirm_key kept */
	uint64_t pending_ms;

	/* Initiator: CONFIRM to resend until the new key is confirmed. */
	bool confirm_due;
	unsigned int confirm_sent;
	uint64_t confirm_last_ms;
	struct hs_keys confirm;		/* only indices, th, confirm_key kept */

	/* An old key sits in the secondary slot since old_since_ms. */
	bool old_key;
	uint64_t old_since_ms;

	/* Prefixes pushed to the kernel for it, and routes added for them. */
	struct wire_routes routes;
	bool routes_installed;
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

	struct kernel k;
	int udp_fd;
	uint16_t port;
	int epoll_fd;
	int signal_fd;
	int control_fd;

	struct cookie_gate gate;
	struct peer peers[AGENT_MAX_PEERS];
	struct agent_stats stats;

	uint64_t start_ms;
	uint64_t last_ts;		/* last INIT timestamp we sent */
	uint64_t next_tick_ms;
	uint64_t last_dev_check_ms;
	bool stop;
	int exit_code;
	bool have_addr6;

	/* Rate limits of refusal log lines and of HELLO replies. */
	uint64_t log_window_ms;
	unsigned int log_count;
	unsigned int log_suppressed;
	uint64_t probe_window_ms;
	unsigned int probe_count;
};


/* peer.c */
struct peer *peer_find_id(struct agent *a, const uint8_t *id);
struct peer *peer_find_init_index(struct agent *a, uint64_t index);
struct peer *peer_find_static(struct agent *a, int static_idx);
struct peer *peer_alloc(struct agent *a);
void peer_reset_session(struct peer *p);
void peer_schedule_retry(struct agent *a, struct peer *p, uint64_t now);
const char *peer_label(const struct peer *p, char *buf, size_t size);

/* session.c: the handshake state machine. */
void session_on_datagram(struct agent *a, const uint8_t *buf, size_t len,
			 const struct sockaddr *src, socklen_t srclen);
int session_initiate(struct agent *a, struct peer *p, const char *why);
int session_probe(struct agent *a, struct peer *p);
void session_tick(struct agent *a, uint64_t now);
void session_on_kernel_event(const struct kernel_event *ev, void *arg);
void session_teardown(struct agent *a, struct peer *p);
int session_send(struct agent *a, const struct sockaddr *dst, socklen_t len,
		 const uint8_t *buf, size_t n);

/* control.c */
int control_open(struct agent *a);
void control_close(struct agent *a);
void control_accept(struct agent *a);
int control_query(const char *path, bool json, char *err, size_t errsz);

/* loop.c */
/* Runs until SIGTERM; returns the exit code. log_override: a log level,
 * or -1 for the config's. */
int agent_run(const char *config_path, int log_override);

#endif /* AGENT_AGENT_H */
