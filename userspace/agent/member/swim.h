/* SPDX-License-Identifier: MIT */
/*
 * Failure detection among the members (issue 19): SWIM (Das, Gupta,
 * Motivala 2002) with the Lifeguard refinements (Dadgar et al., arXiv
 * 1707.00788) as hashicorp/memberlist implements them; the numbers are in
 * /work/shared/research/mesh.md, section 2.1-2.2. Pure: no sockets, no
 * clock reads (now is monotonic milliseconds), no struct agent; what to
 * send and what happened are returned as actions (struct swim_out).
 *
 * The model.
 *
 *  - Each member is ALIVE, SUSPECT, DEAD or LEFT. Its incarnation is its
 *    record's seq (member.h): only the member raises it, by signing a new
 *    record. The caller tells swim of every accepted record
 *    (swim_record()) and of members that are gone (swim_remove()).
 *  - Probing: one direct PING per probe interval, to the next member of a
 *    shuffled round-robin list (reshuffled each round; new members go in
 *    at a random place), so every live member is probed once a round and
 *    first detection takes at most 2N-1 intervals (SWIM 4.3). DEAD and
 *    LEFT members are not probed; SUSPECT ones are, with the suspicion
 *    attached (SWIM_F_BUDDY: Lifeguard's buddy system, so that the member
 *    learns it is suspected at once and refutes).
 *  - No ACK within probe_timeout: PING_REQ to `indirect` other ALIVE
 *    members (never the target, never us), which PING the target and ACK
 *    back for it, or NACK when they got nothing either (Lifeguard). No ACK
 *    at all by the end of the interval: the target is SUSPECT, and we
 *    gossip SUSPECT with ourselves as reporter.
 *  - Suspicion timeout (Lifeguard's dynamic suspicion, memberlist's
 *    formulas, integer arithmetic):
 *        min = max(suspicion_min_ms,
 *                  suspicion_mult * log10(N) * probe_interval_ms)
 *        max = suspicion_max_mult * min
 *        timeout(c) = max - (max - min) * log(c + 1) / log(k + 1)
 *    where N counts the members we know (us included), c the independent
 *    confirmations (distinct reporters after the first) and k =
 *    confirmations: the timer starts long and falls to min as others
 *    report the same member. At the end: DEAD, gossiped (SUSPECT with
 *    state DEAD), and DEAD from any reporter is taken at once.
 *  - Refutation: a record of the member with a seq above the suspected
 *    incarnation makes it ALIVE (so does it for a DEAD one: it is back).
 *    When we are the target, swim asks the caller to sign a new record
 *    (SWIM_REFUTE), then to tell swim its seq (swim_self_seq()).
 *  - LEAVE: a signed LEAVE record makes the member LEFT at once: no
 *    suspicion, no probes.
 *  - Local health (Lifeguard's awareness): a probe that failed without the
 *    NACKs we expected, or being suspected ourselves, raises a score; a
 *    probe answered lowers it. Probe interval and timeout are multiplied
 *    by score + 1 (at most awareness_max): a slow node probes less
 *    instead of accusing others.
 *
 * Defaults (swim_params_default()) and what they give with ~1 s probes:
 *
 *   probe_interval_ms    1000  one direct probe a second (memberlist LAN)
 *   probe_timeout_ms      500  then indirect probes (memberlist LAN)
 *   relay_timeout_ms      400  a relay NACKs after this: before our
 *                              interval ends (memberlist: 80%)
 *   indirect                3  PING_REQs (memberlist IndirectChecks)
 *   suspicion_min_ms     2000  floor of min
 *   suspicion_mult          1  intervals per decade of N (memberlist: 4)
 *   suspicion_max_mult      4  max = 4 x min (memberlist: 6)
 *   confirmations           2  reporters that bring it down to min
 *                              (memberlist: SuspicionMult - 2 = 2)
 *   awareness_max           8  (memberlist AwarenessMaxMultiplier)
 *
 *   N      min    max   (memberlist LAN: 12 s / 72 s at N = 1000)
 *   10     2 s    8 s
 *   100    2 s    8 s
 *   1000   3 s   12 s
 *   10000  4 s   16 s
 *
 * Expected time for a member that dies to be DEAD everywhere, N = 1000:
 * about 1.6 s until some member probes it (SWIM: T / (1 - e^-1)), 1 s of
 * direct and indirect probe, then the suspicion: further members' probes
 * fail at about one a second and their reports reach the first suspector
 * by gossip (~1.6 s at N = 1000, mesh.md 2.2), so two confirmations are
 * in about 3.5 s after the first suspicion, past min: DEAD at about 6 s
 * at the first node, and everywhere about 1.6 s later: ~8 s. With no
 * confirmation (only one member cannot reach it) max applies: ~15 s.
 * memberlist's defaults give ~20 s and 72+ s for the same cases. The
 * smaller suspicion is safe because a suspected member learns it at once
 * (the buddy flag, then gossip) and refutes within the min of 2-3 s.
 *
 * Cost: a hash table by id that doubles as it fills, the probe order an
 * array; a tick visits the probe in flight, the suspects (a list) and
 * the relays we serve (bounded by max_relays): nothing is O(N) but a
 * reshuffle once a round. About 250 bytes a member.
 */
#ifndef AGENT_MEMBER_SWIM_H
#define AGENT_MEMBER_SWIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire_mesh.h"

#define SWIM_MAX_INDIRECT	8
#define SWIM_MAX_CONFIRM	8

enum swim_state {
	SWIM_ALIVE,
	SWIM_SUSPECT,
	SWIM_DEAD,
	SWIM_LEFT,
};

const char *swim_state_name(enum swim_state st);

struct swim_params {
	uint32_t probe_interval_ms;
	uint32_t probe_timeout_ms;
	uint32_t relay_timeout_ms;
	unsigned int indirect;		/* 1..SWIM_MAX_INDIRECT */
	uint32_t suspicion_min_ms;
	uint32_t suspicion_mult;
	uint32_t suspicion_max_mult;	/* at least 1 */
	unsigned int confirmations;	/* 0..SWIM_MAX_CONFIRM */
	unsigned int awareness_max;	/* at least 1 */
	unsigned int max_relays;	/* PING_REQs served at once */
};

void swim_params_default(struct swim_params *p);

/* The suspicion timeout with n members known and c confirmations. */
uint32_t swim_suspicion_ms(const struct swim_params *p, size_t n,
			   unsigned int c);

/* What to do: messages to send, and events. */
enum swim_act_type {
	/* PING {seq, incarnation (ours)} to `to`. SWIM_F_BUDDY: `to` is
	 * SUSPECT: send it the SUSPECT too (state, target = to,
	 * incarnation, reporter), so that it refutes. */
	SWIM_SEND_PING,
	/* PING_REQ {seq, target} to `to`. */
	SWIM_SEND_PING_REQ,
	/* ACK {seq, flags (WIRE_MESH_ACK_NACK), incarnation, target}. */
	SWIM_SEND_ACK,
	/* Gossip to the mesh: SUSPECT {state, target, incarnation,
	 * reporter}; state WIRE_MESH_STATE_SUSPECT or _DEAD. Ours, or one
	 * received that changed something (so forward it). */
	SWIM_GOSSIP,
	/* target has a record newer than ours (seq >= incarnation): fetch
	 * it (RECORD_REQUEST, from `to`). */
	SWIM_WANT_RECORD,
	/* We are suspected (at incarnation): sign a new record
	 * (member_self_record()), gossip it, then swim_self_seq(). */
	SWIM_REFUTE,
	/* Events about target. */
	SWIM_EV_UP,			/* new, refuted, or back */
	SWIM_EV_SUSPECT,
	SWIM_EV_DOWN,			/* DEAD */
	SWIM_EV_LEFT,
};

#define SWIM_F_BUDDY	0x01

struct swim_act {
	enum swim_act_type type;
	uint8_t flags;			/* SEND_PING: SWIM_F_BUDDY;
					 * SEND_ACK: WIRE_MESH_ACK_NACK */
	uint8_t state;			/* GOSSIP, buddy: WIRE_MESH_STATE_* */
	uint32_t seq;
	uint64_t incarnation;
	uint8_t to[WIRE_MESH_ID_LEN];
	uint8_t target[WIRE_MESH_ID_LEN];
	uint8_t reporter[WIRE_MESH_ID_LEN];
};

/* Actions appended by the calls; the caller empties it (n = 0). */
struct swim_out {
	struct swim_act *a;
	size_t n, cap;
	bool lost;			/* an action did not fit (no memory) */
};

void swim_out_init(struct swim_out *o);
void swim_out_free(struct swim_out *o);

struct swim_member {
	struct swim_member *hnext;	/* hash chain */
	struct swim_member *snext, *sprev;	/* suspects */
	size_t idx;			/* in the probe order */
	uint8_t id[WIRE_MESH_ID_LEN];
	enum swim_state state;
	uint64_t incarnation;		/* record seq */
	uint64_t since;			/* ms of the last state change */
	/* SUSPECT: */
	uint64_t suspect_inc;
	uint64_t suspect_start;
	uint64_t suspect_deadline;
	uint8_t reporter[WIRE_MESH_ID_LEN];	/* the first */
	unsigned int n_reporters;
	uint64_t reporters[SWIM_MAX_CONFIRM + 1];	/* first 8 bytes */
};

struct swim_relay {
	bool used;
	uint32_t seq;			/* of our PING to the target */
	uint32_t req_seq;		/* of the requester's PING_REQ */
	uint64_t deadline;
	uint8_t requester[WIRE_MESH_ID_LEN];
	uint8_t target[WIRE_MESH_ID_LEN];
};

struct swim_stats {
	uint64_t probes;		/* direct PINGs */
	uint64_t probes_failed;		/* -> SUSPECT */
	uint64_t indirect;		/* PING_REQs sent */
	uint64_t acks;			/* ACKs matching a probe */
	uint64_t nacks;			/* NACKs received */
	uint64_t late;			/* ACKs for no probe in flight */
	uint64_t relayed;		/* PING_REQs served */
	uint64_t relay_full;		/* refused: max_relays */
	uint64_t suspected;		/* members turned SUSPECT */
	uint64_t confirmations;
	uint64_t dead;
	uint64_t refuted;		/* SUSPECT/DEAD -> ALIVE by a record */
	uint64_t refutes;		/* we were suspected */
	uint64_t stale;			/* SUSPECTs of an older incarnation */
};

struct swim {
	struct swim_params p;
	uint8_t self[WIRE_MESH_ID_LEN];
	uint64_t self_inc;
	uint64_t rng;
	uint32_t seq;

	struct swim_member **tab;	/* hash by id */
	size_t mask;
	struct swim_member **order;	/* probe order; n members */
	size_t n, cap;
	size_t next;			/* next in order this round */
	struct swim_member *suspects;
	size_t n_suspects;

	struct {
		bool active;
		bool indirect;
		uint8_t target[WIRE_MESH_ID_LEN];
		uint32_t seq;
		uint64_t start;
		unsigned int n_relays;
		unsigned int nacks;
		uint8_t relay[SWIM_MAX_INDIRECT][WIRE_MESH_ID_LEN];
	} probe;
	uint64_t next_probe;
	unsigned int awareness;		/* 0..awareness_max - 1 */

	struct swim_relay *relays;	/* max_relays */
	struct swim_stats stats;
};

/* p NULL: defaults; seed: of the shuffles (tests pass a fixed one). 0,
 * -EINVAL (parameters) or -ENOMEM. */
int swim_init(struct swim *s, const uint8_t *self,
	      const struct swim_params *p, uint64_t seed, uint64_t now);
void swim_free(struct swim *s);

/* Our record's seq: our incarnation, in PINGs and ACKs. */
void swim_self_seq(struct swim *s, uint64_t seq);

/* A record of id was accepted (member_accept_record: ACCEPTED). */
int swim_record(struct swim *s, const uint8_t *id, uint64_t seq, bool leave,
		uint64_t now, struct swim_out *o);
/* id's record is gone (expired, revoked). */
void swim_remove(struct swim *s, const uint8_t *id);

/* Time passes: probes, timeouts. Call at swim_next_deadline(). */
void swim_tick(struct swim *s, uint64_t now, struct swim_out *o);
uint64_t swim_next_deadline(const struct swim *s);

/* Messages received (from: the neighbour that sent it). */
void swim_on_ping(struct swim *s, const uint8_t *from,
		  const struct wire_mesh_ping *m, uint64_t now,
		  struct swim_out *o);
void swim_on_ack(struct swim *s, const uint8_t *from,
		 const struct wire_mesh_ack *m, uint64_t now,
		 struct swim_out *o);
void swim_on_ping_req(struct swim *s, const uint8_t *from,
		      const struct wire_mesh_ping_req *m, uint64_t now,
		      struct swim_out *o);
void swim_on_suspect(struct swim *s, const struct wire_mesh_suspect *m,
		     uint64_t now, struct swim_out *o);

struct swim_member *swim_find(const struct swim *s, const uint8_t *id);
/* Members known (not us). */
static inline size_t swim_count(const struct swim *s)
{
	return s->n;
}

#endif /* AGENT_MEMBER_SWIM_H */
