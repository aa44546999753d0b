/* SPDX-License-Identifier: MIT */
/*
 * The peer table: the nodes we hold (or try to hold) a session with. It
 * owns struct peer: creation, the lookups and freeing. What a peer's
 * fields mean is the session's business (session/session.c), and the
 * kernel's copy of it is the fib's (fib/fib.c).
 *
 * Lookups are hash tables that double as they fill, so their cost does not
 * depend on the number of peers:
 *   - by node id (peers whose identity we know);
 *   - by our handshake index of the INIT in flight (RESP and COOKIE name it);
 *   - by our index of the key awaiting CONFIRM (CONFIRM names it);
 *   - by the rx index of each mesh channel key generation it holds (a
 *     MESH packet's DCID names it).
 * Node ids are SHA-256 hashes of keys the network CA certified and indices
 * are our own random numbers, so the first bytes hash well and an outsider
 * cannot aim at one bucket.
 *
 * Static peers (config static_peers) are also found by their index in the
 * config, for HELLO matching and SIGHUP. The table holds at most `limit`
 * peers (config max_peers); peer_alloc() refuses beyond it.
 */
#ifndef AGENT_PEER_PEER_H
#define AGENT_PEER_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <linux/aegisray.h>

#include "conf/config.h"
#include "core/timer.h"
#include "chan/chan.h"
#include "session/hs.h"
#include "trust/cert.h"
#include "wire/wire.h"

struct agent;
struct mesh_link;
struct resolve_query;

/* Retry of handshakes to peers that do not answer: 1, 2, 4 ... 30 s. */
#define RETRY_BASE_MS		1000
#define RETRY_MAX_MS		30000

enum peer_state {
	PEER_UNKNOWN,		/* static endpoint, identity not known yet */
	PEER_HANDSHAKE,		/* our INIT is in flight */
	PEER_ESTABLISHED,	/* keys installed */
	PEER_FAILED,		/* refused; retried after backoff */
	PEER_IDLE,		/* a mesh member, no session: its node is in
				 * the kernel, and traffic to it starts one */
};

const char *peer_state_name(enum peer_state st);

/* A link in one of the table's hash chains. */
struct peer_link {
	struct peer_link *next;
	uint64_t key;
	bool linked;
};

struct peer {
	/* The table's bookkeeping (peer.c only). */
	struct peer *all_prev, *all_next;
	struct peer_link by_id, by_init, by_pending;
	struct peer_link by_chan[2];

	enum peer_state state;
	bool has_id;
	uint8_t id[AEGIS_NODE_ID_LEN];
	struct cert_info cert;		/* valid when has_id */
	int static_idx;			/* index in cfg.static_peers, or -1 */
	bool on_demand;			/* a mesh member's: a failed handshake
					 * goes back to IDLE, not to retries */

	struct sockaddr_storage ep;	/* where to send control packets */
	socklen_t ep_len;
	struct resolve_query *lookup;	/* a DNS lookup of the static host */

	/* Initiator side: the INIT in flight (allocated only then). */
	struct hs_init_state *init;
	bool has_cookie;
	uint8_t cookie[WIRE_COOKIE_LEN];

	/* Retry with backoff (no session, or a failed attempt). */
	unsigned int attempts;

	/* Replay protection: newest INIT timestamp accepted from it. */
	uint64_t last_init_ts;

	/* The current session. */
	bool has_primary;
	bool we_initiated;
	uint8_t cipher;
	uint64_t session_ms;		/* when the current key was made */
	uint64_t last_handshake_wall;	/* CLOCK_REALTIME seconds */
	uint64_t rotations;

	/* Responder: new key in the secondary slot, awaiting CONFIRM. */
	bool await_confirm;
	struct hs_keys pending;		/* only indices, th, confirm_key kept */

	/* Initiator: CONFIRM to resend until the new key is confirmed. */
	bool confirm_due;
	unsigned int confirm_sent;
	struct hs_keys confirm;		/* only indices, th, confirm_key kept */

	/* An old key sits in the secondary slot since old_since_ms. */
	bool old_key;
	uint64_t old_since_ms;

	/*
	 * Mesh channel keys (chan/chan.h), one per key generation:
	 * chan[PEER_CHAN_CUR] is what we send with; chan[PEER_CHAN_ALT] is
	 * the responder's next one (awaiting CONFIRM) or the previous one
	 * (in its grace). session.c changes them, then peer_index_chans().
	 */
	struct chan_keys chan[2];
	struct mesh_link *mesh;		/* mesh/: its state for this peer */
	bool has_via;			/* routed through node via (mesh) */
	uint8_t via[AEGIS_NODE_ID_LEN];

	/* What it advertised (with its mesh IPs), for the fib and status. */
	struct wire_routes routes;
	bool routes_known;

	/*
	 * The timers it owns (session.c arms them; peer_free cancels them):
	 * t_retry   next handshake attempt (backoff), or the static probe;
	 * t_init    our INIT unanswered for REKEY_TIMEOUT_MS;
	 * t_rekey   the current key is due for rotation;
	 * t_pending responder: CONFIRM not come, give the new key up;
	 * t_confirm initiator: resend CONFIRM;
	 * t_grace   the old key leaves the secondary slot.
	 */
	struct timer t_retry, t_init, t_rekey, t_pending, t_confirm, t_grace;
	struct agent *agent;		/* for the timer callbacks */
};

#define PEER_CHAN_CUR	0
#define PEER_CHAN_ALT	1

struct peer_bucket_set {
	struct peer_link **v;
	size_t mask;			/* buckets - 1 (a power of two) */
	size_t n;			/* links in it */
};

struct peer_table {
	struct peer *all;		/* every peer, newest first */
	size_t count, limit;
	struct peer_bucket_set ids, inits, pendings;
	struct peer_bucket_set chans[2];	/* by PEER_CHAN_* slot */
	struct peer *statics[CFG_MAX_PEERS];	/* by cfg index */
	struct timer_heap *timers;
	void (*on_free)(struct peer *p, void *arg);	/* before a peer goes */
	void *on_free_arg;
	/* Chain steps taken by lookups: a test reads it to show O(1). */
	uint64_t probes;
};

/* An empty table of at most limit peers whose timers live in timers. */
int peer_table_init(struct peer_table *t, size_t limit,
		    struct timer_heap *timers);
/* Free every peer (cancelling its timers) and the table. */
void peer_table_free(struct peer_table *t);

/* A new peer, zeroed, state UNKNOWN, static_idx -1; NULL when full or out
 * of memory. Its timers are initialised (not armed) with these callbacks:
 * fns[] in the order retry, init, rekey, pending, confirm, grace. */
struct peer *peer_alloc(struct peer_table *t, struct agent *a,
			const timer_fn fns[6]);
/* Unlink, cancel its timers, wipe its keys and free it. */
void peer_free(struct peer_table *t, struct peer *p);

/* Iterate: for (p = peer_first(t); p; p = peer_next(p)). Freeing p inside
 * the loop needs the next one taken first. */
static inline struct peer *peer_first(const struct peer_table *t)
{
	return t->all;
}

static inline struct peer *peer_next(const struct peer *p)
{
	return p->all_next;
}

/* Set p's node id (once known) and index it. -EEXIST if another peer has
 * it. */
int peer_set_id(struct peer_table *t, struct peer *p, const uint8_t *id);
/* Index p by the sender index of its INIT in flight / its pending key's
 * rx index; 0 unlinks. */
int peer_set_init_index(struct peer_table *t, struct peer *p, uint64_t index);
int peer_set_pending_index(struct peer_table *t, struct peer *p,
			   uint64_t index);
/* Index p's valid mesh channel keys by their rx index (after any change
 * of p->chan[]). */
void peer_index_chans(struct peer_table *t, struct peer *p);
/* Tie p to static peer cfg_idx (-1: none). */
void peer_set_static(struct peer_table *t, struct peer *p, int cfg_idx);

struct peer *peer_find_id(struct peer_table *t, const uint8_t *id);
struct peer *peer_find_init_index(struct peer_table *t, uint64_t index);
struct peer *peer_find_pending_index(struct peer_table *t, uint64_t index);
struct peer *peer_find_static(struct peer_table *t, int cfg_idx);
/* The peer and its channel keys whose rx index is index; NULL if none. */
struct peer *peer_find_chan(struct peer_table *t, uint64_t index,
			    struct chan_keys **keys);

/* Forget the in-flight initiation (freeing it) and its cookie. */
void peer_reset_init(struct peer_table *t, struct peer *p);

/* Arm t_retry: exponential backoff 1, 2, 4 ... 30 s, plus up to a quarter
 * more at random so that a mesh restarted at once does not synchronise. */
void peer_schedule_retry(struct peer_table *t, struct peer *p, uint64_t now);

/* "name (0123456789ab)" or the static endpoint's host:port. */
const char *peer_label(const struct peer *p, char *buf, size_t size);

#endif /* AGENT_PEER_PEER_H */
