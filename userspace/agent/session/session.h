/* SPDX-License-Identifier: MIT */
/*
 * The session state machine (session.c): handshakes with peers, their keys
 * in the kernel's slots, and the timers that drive both.
 */
#ifndef AGENT_SESSION_SESSION_H
#define AGENT_SESSION_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fib/kernel.h"
#include "trust/cert.h"

struct agent;
struct peer;

/* An initiation not answered after this is retried (WireGuard's 5 s). */
#define REKEY_TIMEOUT_MS	5000
/* Old keys stay in the secondary slot this long after a swap, at most. */
#define KEY_GRACE_MAX_MS	10000
/* CONFIRM is resent this many times, this far apart, while the new key is
 * unconfirmed. */
#define CONFIRM_RESENDS		3
#define CONFIRM_RESEND_MS	1000

/* A control datagram (long header) from src. */
void session_on_datagram(struct agent *a, const uint8_t *buf, size_t len,
			 const struct sockaddr *src, socklen_t srclen);
/* A kernel notification (kernel_events_read callback; arg: the agent). */
void session_on_kernel_event(const struct kernel_event *ev, void *arg);
/* Notifications were lost: ask the kernel about the keys we wait for. */
void session_resync(struct agent *a);

/* A new peer in the table with the session's timers; NULL when full. */
struct peer *session_peer_new(struct agent *a);
/* Start finding a static peer (probe it, resolving its name first). */
void session_start_static(struct agent *a, struct peer *p);
/* Send an INIT unless one is in flight. 0 or -errno. */
int session_initiate(struct agent *a, struct peer *p, const char *why);
int session_probe(struct agent *a, struct peer *p);
/*
 * A mesh member with no session (p has its id and endpoint): its node and
 * prefixes (the certificate's IPs, adv) go to the kernel without keys, so
 * that traffic to it raises NO_KEY and starts a handshake. State IDLE.
 */
int session_idle_install(struct agent *a, struct peer *p,
			 const struct cert_info *ci,
			 const struct aegis_prefix *adv, unsigned int n_adv);
/* A MESH packet opened with the key generation of rx_index: if it is the
 * one a responder awaits CONFIRM for, the initiator has the key. */
void session_chan_confirmed(struct agent *a, struct peer *p, uint64_t rx_index);
/* Take back what the kernel holds for p and stop its handshakes. */
void session_teardown(struct agent *a, struct peer *p);

/*
 * The next hop of p's node (NULL: direct), as the mesh's routing chose
 * it; stated to the fib, applied by session_fib_sync(). Returns 1 if it
 * changed, 0 if not, -EIO if the fib refused it.
 */
int session_set_via(struct agent *a, struct peer *p, const uint8_t *via);
void session_fib_sync(struct agent *a, const char *what);

/*
 * A control packet (INIT, RESP or CONFIRM) from member src_id that came
 * through the mesh, its last hop the neighbour hop: handled as one from
 * the socket, except that answers go back through the mesh, no endpoint
 * is learnt from it, and an INIT must be signed by src_id.
 */
void session_on_relayed(struct agent *a, const uint8_t *src_id,
			struct peer *hop, const uint8_t *buf, size_t len);

/*
 * Take @next (moved: it is left empty) as the revocation list the
 * handshakes check, and end the sessions of every peer it revokes and
 * forget the peers. A static peer comes back from the config (reload.c,
 * agent.c) and tries again, and its handshakes are refused. Returns how
 * many peers it ended.
 */
unsigned int session_revoke(struct agent *a, struct revoke_list *next);

#endif /* AGENT_SESSION_SESSION_H */
