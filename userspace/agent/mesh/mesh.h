/* SPDX-License-Identifier: MIT */
/*
 * The mesh engine (issue 19): it drives the pure mesh modules (member/,
 * neigh/, wire/wire_mesh.c) from the agent's loop, over the mesh channel
 * of each session (chan/chan.h).
 *
 *   mesh.c         start and stop, our own record, timers, neighbours
 *   mesh_io.c      MESH packets: open, check, dispatch; bundles out
 *   mesh_gossip.c  records, certificates and revocation lists as objects,
 *                  digest anti-entropy
 *   mesh_conn.c    which members we hold sessions with: neighbours by
 *                  neigh_select(), and sessions opened to members met
 *                  through gossip
 *
 * Gossip. Every node signs its own record (member.h) and sends it to each
 * neighbour when a session comes up and when the record changes. A record
 * accepted from one neighbour is sent on, as received, to every other one
 * (dedupe on (origin, seq) stops the flood); a certificate that a record
 * names and we lack is asked of the neighbour that sent it. Every
 * MESH_SYNC_MS (with jitter) one neighbour gets our digest summary; a
 * mismatch starts the digest exchange of digest.h, which ends with each
 * side asking for the records it lacks and pushing those the other
 * lacks. The revocation list's version rides along; a neighbour with a
 * newer one is asked for it, and a newer list checked against the CA is
 * put in force at once and offered on.
 *
 * Everything arrives over a session's mesh channel, so only members that
 * hold a session with us (a certificate of our CA, checked at the
 * handshake) can send gossip; and what they send is checked on its own
 * (the origin's signature, its certificate) before it is believed.
 */
#ifndef AGENT_MESH_MESH_H
#define AGENT_MESH_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "chan/chan.h"
#include "core/timer.h"
#include "member/digest.h"
#include "member/member.h"
#include "route/probe.h"
#include "route/rib.h"
#include "route/select.h"
#include "wire/wire_mesh.h"

struct agent;
struct peer;

#define MESH_RECORD_TTL_S	(24 * 3600)	/* our record's expiry */
#define MESH_REFRESH_S		(8 * 3600)	/* re-signed this often */
#define MESH_SYNC_MS		5000		/* anti-entropy round */
#define MESH_CONN_MS		2000		/* neighbour selection */
#define MESH_OBJ_TTL_MS		10000		/* a partial object waits */
#define MESH_MAX_OBJS		32		/* objects being received */
#define MESH_MAX_WALKS		8		/* digest runs per peer */
#define MESH_MAX_ENDPOINTS	WIRE_MESH_MAX_ENDPOINTS
#define MESH_RX_RATE		500		/* messages/s from one peer */
#define MESH_RX_BURST		2000		/* a join pulls this many at once */
#define MESH_PROBE_FAST_MS	100		/* a link carrying traffic */
#define MESH_PROBE_IDLE_MS	2000		/* an idle link */
#define MESH_PROBE_DEAD_MS	6000		/* nothing heard: dead */
#define MESH_PROBE_QUIET_MS	300		/* 3 probes lost and this quiet */
#define MESH_PROBE_RTO_MAX_MS	500		/* a probe counts as lost after */
#define MESH_PROBE_SILENT_MS	400		/* a fast prober silent: dead */
#define MESH_DUMP_MS		16000		/* full route dump, per nbr */

/* Route updates refused, by reason (mesh_route.c). */
enum mesh_route_refusal {
	MESH_RT_UNKNOWN_ORIGIN,		/* no record of the origin (yet) */
	MESH_RT_REVOKED,		/* the origin is revoked */
	MESH_RT_SEQNO_UNSIGNED,		/* newer than the origin's record */
	MESH_RT_NOT_NEIGHBOUR,		/* its link is dead to us */
	MESH_RT_MAX,
};

struct mesh_route_stats {
	uint64_t probes_sent;
	uint64_t stray_echoes;		/* unknown, late or repeated */
	uint64_t links_alive;		/* links that came (back) up */
	uint64_t links_dead;		/* links the probes found dead */
	uint64_t updates_rx, updates_sent, adverts_sent, dumps;
	uint64_t refused[MESH_RT_MAX];
	uint64_t requests_rx, requests_sent, requests_forwarded;
	uint64_t seqno_bumps;		/* our seqno raised on request */
	uint64_t route_changes;		/* selections that changed */
	uint64_t next_hop_changes;	/* of which moved a kernel next hop */
	uint64_t no_memory;
};

#define MESH_MAX_REASM		8	/* relayed handshakes being put together */
#define MESH_MAX_ROUTE_WAIT	16	/* updates refused for want of a record */
#define MESH_REASM_TTL_MS	5000

/* Handshakes through the mesh (mesh_relay.c). */
struct mesh_relay_stats {
	uint64_t sent;			/* ours, into the mesh */
	uint64_t forwarded;		/* others', on towards their dst */
	uint64_t received;		/* for us, whole */
	uint64_t no_route;		/* no next hop (or only back) */
	uint64_t denied;		/* we do not relay */
	uint64_t hop_limit;		/* spent */
	uint64_t malformed;
	uint64_t looped;		/* our own, come back */
	uint64_t unknown_source;	/* not a member, or revoked */
	uint64_t out_of_order;		/* pieces with a gap: dropped */
	uint64_t reasm_expired, reasm_evicted;
};

struct mesh_reasm {
	bool used;
	uint32_t packet_id;
	uint16_t total, have;
	uint8_t src[WIRE_MESH_ID_LEN];
	uint64_t started_ms;
	uint8_t buf[WIRE_MAX_DATAGRAM];
};

/* A route's seqno: bits 16..31 of its origin's record seq (mesh_route.c). */
static inline uint16_t mesh_route_seqno(uint64_t record_seq)
{
	return (uint16_t)(record_seq >> 16);
}

/* Counters (status shows them; each refusal has its own). */
struct mesh_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t chan[CHAN_VERDICT_MAX];	/* MESH packets, by verdict */
	uint64_t bad_bundle;		/* framing or a body refused whole */
	uint64_t rate_limited;		/* messages over a peer's rate */
	uint64_t rx_msgs[WIRE_MESH_TYPE_MAX + 1];	/* 0: unknown types */
	uint64_t records_sent;
	uint64_t certs_sent;		/* objects sent, by kind */
	uint64_t crls_sent;
	uint64_t obj_refused;		/* chunks that do not fit, hash wrong */
	uint64_t obj_expired;		/* partial objects given up */
	uint64_t crl_refused;		/* a list that does not verify, older */
	uint64_t crl_adopted;		/* newer lists put in force */
	uint64_t sync_rounds;		/* summaries sent */
	uint64_t sync_diff;		/* summaries that differed */
	uint64_t requests_sent;		/* RECORD_REQUEST entries */
	uint64_t sessions_opened;	/* to members met through gossip */
	uint64_t send_errors;
};

/* An object being received in chunks (a certificate or a list). */
struct mesh_obj {
	bool used;
	uint8_t kind;			/* WIRE_MESH_OBJ_* */
	uint8_t key[WIRE_MESH_ID_LEN];	/* SHA-256 of the object; zero for
					 * "the newest list" */
	uint32_t total;
	uint32_t have;			/* bytes [0, have) are in */
	uint8_t *data;
	uint64_t started_ms;
};

/* What the mesh keeps per peer (struct peer::mesh). */
struct mesh_link {
	bool up;			/* told about this session */
	uint64_t up_ms;
	unsigned int ep_idx;		/* which endpoint of its record */
	unsigned int ep_attempts;	/* p->attempts when ep_idx moved */
	/* The digest exchange we run with it: runs of buckets to walk. */
	struct digest_walk walk[MESH_MAX_WALKS];
	unsigned int n_walks;
	struct digest_diff diff;
	uint64_t crl_version;		/* the peer's, as it said */
	/* Token bucket of the messages it may send us (MESH_RX_RATE). */
	uint32_t tokens;
	uint64_t tokens_ms;
	/* Routing (mesh_route.c): a rib neighbour while rt_up; its link is
	 * alive (in the rib) or dead (probed until an echo comes). */
	bool rt_up, rt_alive;
	struct probe probe;
	uint32_t probe_seq;
	uint64_t probe_next;		/* ms */
	uint16_t cost;			/* what the rib was told */
	uint64_t dump_next;		/* ms: our next full dump to it */
	uint64_t active_until;		/* traffic over it: probe fast */
	uint64_t interval;		/* ms between our probes, now */
	uint64_t rx_gap;		/* ms between its last two probes */
	uint64_t dead_at;		/* ms: when the link was found dead */
	uint64_t last_probe_rx;
	uint64_t pkts_seen;		/* kernel counters (rx + tx) last read */
};

struct mesh_self_ep {
	unsigned int n;
	struct wire_mesh_endpoint ep[MESH_MAX_ENDPOINTS];
};

struct mesh {
	struct agent *a;
	bool on;			/* config auto_discovery */
	struct member_table members;
	struct member_trust trust;
	struct mesh_self_ep self_ep;
	uint64_t self_seq;
	time_t self_signed;		/* wall clock of the last signature */
	struct mesh_obj objs[MESH_MAX_OBJS];
	struct timer t_refresh, t_sync, t_conn, t_objs;
	struct mesh_stats stats;
	/* Routing (mesh_route.c); rib NULL: mesh_routing off. */
	struct rib *rib;
	struct select_config sel;
	struct select_out out;
	struct timer t_route;
	uint64_t poll_next;
	struct mesh_route_stats rstats;
	struct mesh_reasm reasm[MESH_MAX_REASM];
	/* Updates refused because their origin's record was missing or
	 * older: asked for again when the record comes (mesh_route.c). */
	struct {
		bool used;
		uint8_t origin[WIRE_MESH_ID_LEN];
		uint8_t from[WIRE_MESH_ID_LEN];
		uint16_t seqno;
	} route_wait[MESH_MAX_ROUTE_WAIT];
	unsigned int route_wait_next;
	struct mesh_relay_stats relay_stats;
};

/* ---- mesh.c ------------------------------------------------------------ */

/* Set up (after the agent's identity and UDP socket). 0 or -ENOMEM. */
int mesh_init(struct agent *a);
/* Our first record, the timers. Nothing if auto_discovery is off. */
void mesh_start(struct agent *a);
/* Shutdown: a signed LEAVE record to every neighbour. */
void mesh_stop(struct agent *a);
void mesh_free(struct agent *a);

/* A session with p came up (fresh) or was rotated; p is going away. */
void mesh_peer_up(struct agent *a, struct peer *p, bool fresh);
void mesh_peer_free(struct agent *a, struct peer *p);

/* Sign our record again (endpoints, prefixes or roles changed). */
void mesh_self_changed(struct agent *a);

/* Sign our record again with route seqno seqno at least (a request). */
void mesh_self_route_seqno(struct agent *a, uint16_t seqno);

/* p's session ended (its keys are gone). */
void mesh_peer_down(struct agent *a, struct peer *p);

/* Members whose record or certificate expired, or who are revoked, go. */
void mesh_expire_members(struct agent *a);

/* p's mesh state, made on first use; NULL without memory. */
struct mesh_link *mesh_link_get(struct peer *p);

/* The neighbours: peers whose session's mesh channel is up. */
bool mesh_is_neighbour(const struct peer *p);

/* ---- mesh_io.c --------------------------------------------------------- */

/* A MESH control packet from the socket. */
void mesh_on_datagram(struct agent *a, const uint8_t *buf, size_t len,
		      const struct sockaddr *src, socklen_t srclen);

/* Bundles to one peer: put messages, flush (also when one is full). */
struct mesh_out {
	struct agent *a;
	struct peer *p;
	struct wire_mesh_buf b;
	uint8_t mem[WIRE_MESH_MIN_MTU];
	unsigned int msgs;
};

void mesh_out_begin(struct mesh_out *o, struct agent *a, struct peer *p);
/* One message body as it is (a stored record, a forwarded TLV). */
void mesh_out_add(struct mesh_out *o, unsigned int type, const uint8_t *body,
		  size_t len);
/* Through a put function of wire_mesh.h: mesh_out_put(o, put_ack, &m). */
#define mesh_out_put(o, fn, m)						\
	do {								\
		if (fn(&(o)->b, (m)) == -EMSGSIZE) {			\
			mesh_out_flush(o);				\
			fn(&(o)->b, (m));				\
		}							\
		(o)->msgs++;						\
	} while (0)
void mesh_out_flush(struct mesh_out *o);

/* ---- mesh_gossip.c ----------------------------------------------------- */

/* One message of a bundle from a neighbour. True if from may be gone
 * (a revocation list it brought ended its session): stop there. */
bool mesh_gossip_on_msg(struct agent *a, struct peer *from,
			const struct wire_mesh_tlv *t);
/* What a new neighbour gets: our record, a digest summary, our list's
 * version. */
void mesh_gossip_greet(struct agent *a, struct peer *p);
/* Send a stored record to every neighbour but except (may be NULL). */
void mesh_gossip_flood(struct agent *a, const struct member_record *r,
		       const struct peer *except);
/* One anti-entropy round with a random neighbour. */
void mesh_gossip_sync(struct agent *a);
/* Partial objects that waited too long. */
void mesh_gossip_expire(struct agent *a, uint64_t now);
/* The revocation list in force changed: tell the neighbours. */
void mesh_gossip_crl_changed(struct agent *a);
/* Is id revoked by the list in force? (member_trust callback) */
bool mesh_revoked(void *ctx, const uint8_t *id);

/* ---- mesh_conn.c ------------------------------------------------------- */

/* Choose neighbours among the members and open the sessions missing. */
void mesh_conn_select(struct agent *a);
/* A member's record changed or came: a session to open? */
void mesh_conn_member(struct agent *a, const struct member *m);

/* ---- mesh_route.c ------------------------------------------------------ */

/* The rib, its timer (after our first record). 0 or -ENOMEM. */
int mesh_route_start(struct agent *a);
void mesh_route_free(struct agent *a);
/* A neighbour's session came up / went: a rib neighbour, probed. */
void mesh_route_peer_up(struct agent *a, struct peer *p);
void mesh_route_peer_down(struct agent *a, struct peer *p);
/* PROBE, ECHO, ROUTE_UPDATE, ROUTE_SEQNO_REQUEST from a neighbour. */
void mesh_route_on_msg(struct agent *a, struct peer *from,
		       const struct wire_mesh_tlv *t);
/* Select what changed; next hops to the fib, adverts out. */
void mesh_route_run(struct agent *a);
/* A peer just got its id (not in the kernel yet): the route selected
 * for it, if it goes through a relay, becomes its via. The selection may
 * have come before the peer did. */
void mesh_route_peer_new(struct agent *a, struct peer *p);
/* A record of origin was accepted: updates refused for want of it are
 * asked for again, from the neighbours that sent them. */
void mesh_route_record_came(struct agent *a, const uint8_t *origin);
/* Our record was signed again: its route seqno is ours. */
void mesh_route_self_signed(struct agent *a);

/* ---- mesh_relay.c ------------------------------------------------------ */

/* A control packet to member dst through the mesh: 0, -EHOSTUNREACH (no
 * route) or -EMSGSIZE. */
int mesh_relay_send(struct agent *a, const uint8_t *dst, const uint8_t *pkt,
		    size_t len);
/* A RELAYED_HANDSHAKE piece from a neighbour: ours, or to pass on. */
void mesh_relay_on_msg(struct agent *a, struct peer *from,
		       const struct wire_mesh_tlv *t);

#endif /* AGENT_MESH_MESH_H */
