/* SPDX-License-Identifier: MIT */
/*
 * The member table (issue 19): every node of the mesh, by node id, as its
 * latest signed NODE_RECORD describes it (layout: wire/wire_mesh.h). Pure:
 * no sockets, no timers, no struct agent; the caller passes the wall
 * clock in (unix seconds, what records and certificates expire by) and
 * sends what the results ask for.
 *
 * The model.
 *
 *  - Only the origin writes its record. A node keeps the bytes it accepted
 *    and forwards them as they are; it never re-encodes or re-signs
 *    another node's record. Our own record is made and signed by
 *    member_self_record() alone; a copy of ours that comes back from the
 *    mesh is never stored (MEMBER_OWN if it is newer, see below).
 *  - Records are ordered by seq, which only the origin raises (it is also
 *    the origin's SWIM incarnation, swim.h). Gossip dedupes on
 *    (origin, seq): the same seq again is MEMBER_DUPLICATE, dropped
 *    without a signature check; an older one is MEMBER_STALE (a replay).
 *    Nothing is ever judged by a nonce or by arrival order.
 *  - A record names its certificate by SHA-256 of the DER (cert_hash) and
 *    its length; the certificate itself is fetched once, on demand. A
 *    record whose certificate is unknown waits ("pending"), one per
 *    origin (the highest seq), indexed by cert_hash; the result asks the
 *    caller to fetch the certificate (RECORD_REQUEST with
 *    WIRE_MESH_WANT_CERT, or OBJECT_REQUEST by hash). member_add_cert()
 *    verifies a certificate against the CA once, keeps it on the member
 *    it names, and completes the record that waited for it. Waiting is
 *    bounded (max_pending records, and as many members that are known by
 *    a certificate alone) and lasts at most MEMBER_PENDING_TTL seconds.
 *  - Checks, cheapest first, each with a counter (stats.record[verdict]):
 *    parse, seq against the accepted record, record expiry, revocation
 *    (the caller's callback: the current revocation list), certificate
 *    known, certificate of the origin (its node id) and not expired, the
 *    RSA-PSS signature over the signed span (one RSA verify), prefixes
 *    inside the certificate's (cert_allows_prefix), roles a subset of the
 *    certificate's.
 *  - A member's certificate may change (renewal): a newer valid one is
 *    kept aside (next_cert) and becomes the member's when a record that
 *    names it is accepted.
 *  - LEAVE: a signed record with WIRE_MESH_REC_LEAVE (no endpoints, no
 *    prefixes) is accepted and stored like any other: it is the member's
 *    tombstone, so an older record cannot bring it back, and it spreads
 *    by anti-entropy too. It goes when it expires.
 *  - Members go (member_expire()) when their record or certificate
 *    expires or the revocation callback names them.
 *  - The table keeps the anti-entropy digest (digest.h) of its records up
 *    to date on every change: t->digest.
 *
 * Our own seq must grow across restarts, or our new record would be
 * STALE everywhere: member_self_record() takes the highest of the
 * caller's floor (wall-clock seconds << 16 gives 65536 records a second
 * of headroom), our current seq + 1 and any copy of ours seen with a
 * higher seq (a MEMBER_OWN verdict) + 1.
 *
 * Cost: members are in a hash table by id and certificates and pending
 * records in hash tables by certificate hash, all doubling as they fill,
 * keyed with a per-table random seed; members with a record are also in
 * a dense array (member_at()). No limit on the number of members;
 * member_table_mem() tells what they cost (about 1.8 KB each with a
 * record of a few endpoints and a 950-byte certificate; test_member).
 */
#ifndef AGENT_MEMBER_MEMBER_H
#define AGENT_MEMBER_MEMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "member/digest.h"
#include "netaddr.h"
#include "trust/cert.h"
#include "wire/wire_mesh.h"

#define MEMBER_MAX_PENDING	1024	/* default t->max_pending */
#define MEMBER_PENDING_TTL	60	/* seconds a record waits for a cert */

/* What became of a record (or, for member_add_cert(), a certificate). */
enum member_verdict {
	MEMBER_ACCEPTED,		/* new or newer: stored, forward it */
	MEMBER_DUPLICATE,		/* same origin and seq: drop silently */
	MEMBER_STALE,			/* older seq than held: a replay */
	MEMBER_MALFORMED,		/* does not parse (or cert_len wrong) */
	MEMBER_EXPIRED,			/* record expiry passed */
	MEMBER_REVOKED,			/* origin on the revocation list */
	MEMBER_NO_CERT,			/* certificate unknown: kept pending */
	MEMBER_CERT_REFUSED,		/* cert_verify failed, expired, or
					 * not the origin's */
	MEMBER_BAD_SIGNATURE,
	MEMBER_PREFIX_NOT_ALLOWED,	/* a prefix outside the certificate */
	MEMBER_ROLE_NOT_ALLOWED,	/* roles beyond the certificate's */
	MEMBER_OWN,			/* ours, newer than ours (an earlier
					 * run's): not stored; sign a new one */
	MEMBER_FULL,			/* no room (pending bound) or memory */
	MEMBER_VERDICT_MAX,
};

const char *member_verdict_name(enum member_verdict v);

/* The trust a check needs; not owned. */
struct member_trust {
	X509 *ca;
	/* Is this node id revoked now? NULL: nothing is. */
	bool (*revoked)(void *ctx, const uint8_t *id);
	void *ctx;
};

/* A record as accepted: the bytes and the parsed fields (one allocation). */
struct member_record {
	uint64_t seq;
	uint64_t expiry;		/* unix seconds */
	uint32_t roles;			/* CERT_ROLE_* */
	uint8_t flags;			/* WIRE_MESH_REC_LEAVE */
	uint16_t cert_len;
	uint8_t cert_hash[WIRE_MESH_ID_LEN];
	unsigned int n_endpoints;
	unsigned int n_prefixes;
	const struct wire_mesh_endpoint *ep;
	const struct aegis_prefix *prefixes;
	size_t len;
	const uint8_t *bytes;		/* as signed: what to forward */
	time_t received;
};

/* A link in one of the table's hash chains (member.c only). */
struct member_link {
	struct member_link *next;
	uint64_t key;
};

/* A certificate verified against the CA (at member_add_cert() time). */
struct member_cert {
	struct member_link by_hash;
	uint8_t hash[WIRE_MESH_ID_LEN];	/* SHA-256 of der */
	uint8_t node_id[WIRE_MESH_ID_LEN];	/* whose it is */
	uint8_t *der;
	size_t der_len;
	time_t not_after;
	uint32_t roles;
};

struct member {
	/* The table's bookkeeping. */
	struct member_link by_id;
	struct member_link by_pending;	/* key: pending->cert_hash */
	size_t idx;			/* in t->all (record) or t->stubs */

	uint8_t id[WIRE_MESH_ID_LEN];
	struct member_record *rec;	/* accepted; NULL: a stub */
	struct member_record *pending;	/* waiting for its certificate */
	struct member_cert *cert;	/* the accepted record's */
	struct member_cert *next_cert;	/* valid, newer, no record yet */
	time_t first_seen;
	time_t updated;			/* last record accepted */
};

static inline bool member_leaving(const struct member *m)
{
	return m->rec && (m->rec->flags & WIRE_MESH_REC_LEAVE);
}

struct member_stats {
	uint64_t record[MEMBER_VERDICT_MAX];	/* records, by verdict */
	uint64_t cert[MEMBER_VERDICT_MAX];	/* member_add_cert() */
	uint64_t pending_expired;	/* waited MEMBER_PENDING_TTL in vain */
	uint64_t expired;		/* members gone: record/cert expired */
	uint64_t revoked;		/* members gone: revoked */
};

struct member_hset {
	struct member_link **b;
	size_t mask;			/* buckets - 1 */
	size_t n;
};

struct member_table {
	uint8_t self[WIRE_MESH_ID_LEN];
	uint64_t seed;
	struct member_hset by_id, by_cert, by_pending;
	struct member **all;		/* members with a record */
	size_t n_all, cap_all;
	struct member **stubs;		/* members without one */
	size_t n_stubs, cap_stubs;
	size_t n_pending;		/* records waiting for a certificate */
	size_t max_pending;		/* bound of n_pending and n_stubs */
	uint64_t own_seen;		/* highest seq of ours seen (OWN) */
	struct digest digest;		/* of the records: digest.h */
	struct member_stats stats;
};

/* What a call did, for the caller to act on. */
struct member_result {
	enum member_verdict verdict;
	bool waited;			/* add_cert: a pending record was
					 * judged (verdict is its) */
	struct member *m;	/* ACCEPTED, DUPLICATE, STALE, NO_CERT */
	uint8_t origin[WIRE_MESH_ID_LEN];
	uint64_t seq;			/* the record's */
	uint64_t old_seq;		/* ACCEPTED: the one replaced, 0: new */
	bool leave;			/* ACCEPTED: a LEAVE record */
	/* NO_CERT: fetch it (RECORD_REQUEST WANT_CERT to the sender, or
	 * OBJECT_REQUEST kind CERT by hash). */
	bool want_cert;
	uint8_t cert_hash[WIRE_MESH_ID_LEN];
	uint16_t cert_len;
};

/* self: our node id. 0 or -ENOMEM. */
int member_table_init(struct member_table *t, const uint8_t *self);
void member_table_free(struct member_table *t);

/*
 * A record (one NODE_RECORD body) from the mesh, checked at now against
 * tr. Fills res (always) and counts the verdict.
 */
enum member_verdict member_accept_record(struct member_table *t,
					 const struct member_trust *tr,
					 const uint8_t *rec, size_t len,
					 time_t now,
					 struct member_result *res);

/*
 * A certificate (DER) fetched or learnt from a handshake. Returns the
 * certificate's verdict (counted in stats.cert): ACCEPTED (kept),
 * DUPLICATE (held already), MALFORMED (not DER, too long), CERT_REFUSED
 * (cert_verify), REVOKED, FULL. The records that waited for it are judged
 * now: the one of its node in res (res->waited, res->verdict, counted in
 * stats.record), any other origin's as CERT_REFUSED (an id mismatch); if
 * the certificate is refused, so are all the records that named it.
 */
enum member_verdict member_add_cert(struct member_table *t,
				    const struct member_trust *tr,
				    const uint8_t *der, size_t len, time_t now,
				    struct member_result *res);

/* What our record says. */
struct member_self {
	const uint8_t *cert_der;	/* our certificate */
	size_t cert_len;
	uint64_t expiry;		/* unix seconds */
	uint32_t roles;
	bool leave;			/* then no endpoints, no prefixes */
	unsigned int n_endpoints;
	const struct wire_mesh_endpoint *ep;
	unsigned int n_prefixes;
	const struct aegis_prefix *prefixes;
};

/*
 * Make, sign (RSA-PSS with key, our identity: its node id must be the
 * table's self) and store our record, with seq the highest of seq_floor,
 * our current seq + 1 and t->own_seen + 1. res->m->rec->bytes is what to
 * gossip, res->seq its seq. 0, -EINVAL (key not ours, fields that do not
 * encode), -ENOMEM or -EIO.
 */
int member_self_record(struct member_table *t, EVP_PKEY *key,
		       const struct member_self *f, uint64_t seq_floor,
		       time_t now, struct member_result *res);

struct member *member_find(const struct member_table *t, const uint8_t *id);
/* A certificate held (by any member) with this hash: to answer requests. */
const struct member_cert *member_cert_find(const struct member_table *t,
					   const uint8_t *hash);

/* Members with an accepted record, in no order: i < member_count(t). */
static inline size_t member_count(const struct member_table *t)
{
	return t->n_all;
}

static inline struct member *member_at(const struct member_table *t, size_t i)
{
	return t->all[i];
}

/* Drop a member (record, pending record, certificates): 0 or -ENOENT. */
int member_remove(struct member_table *t, const uint8_t *id);

/*
 * Drop what is over at now: members whose record or certificate expired
 * or that tr->revoked names, waiting records and certificate-only members
 * older than MEMBER_PENDING_TTL. The ids of dropped members that had a
 * record go to gone (up to max; NULL/0: not reported); returns how many
 * were written. Costs O(members).
 */
size_t member_expire(struct member_table *t, const struct member_trust *tr,
		     time_t now, uint8_t (*gone)[WIRE_MESH_ID_LEN], size_t max);

/* Bytes a member takes (its struct, record, pending record, certs). */
size_t member_mem(const struct member *m);
/* Bytes the whole table takes (members, hash buckets, arrays, digest). */
size_t member_table_mem(const struct member_table *t);

/*
 * TESTS ONLY: store a record without any check (no signature, no
 * certificate, no revocation): for scale tests that cannot afford an RSA
 * signature per member. The daemon never calls it. 0, -EBADMSG (does
 * not parse), -EEXIST (not newer) or -ENOMEM.
 */
int member_insert_unverified(struct member_table *t, const uint8_t *rec,
			     size_t len, time_t now);

#endif /* AGENT_MEMBER_MEMBER_H */
