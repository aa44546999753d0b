/* SPDX-License-Identifier: MIT */
/*
 * Anti-entropy digests of the member table (issue 19). Pure: no I/O, no
 * clock; what to send is returned as data (wire/wire_mesh.h structs).
 *
 * The hashes are the ones wire_mesh.h defines, so that nodes agree:
 *
 *   e(id, seq)  = SHA-256("aegisray digest" || id || be64(seq))
 *   bucket b    = the entries whose id starts with byte b (256 buckets)
 *   bucket hash = first 8 bytes of the XOR of e over the bucket
 *   set_hash    = first 16 bytes of the XOR of e over all entries
 *
 * A digest is a set of (origin id, seq) entries, one per member that has
 * an accepted record (the member table keeps one, member.h). It is kept
 * incrementally: digest_set() XORs the old e out and the new e in, of the
 * bucket and of the set (two SHA-256 and 64 bytes of XOR per change), and
 * keeps each bucket's entries sorted by id, so a page of entries is a
 * slice. Nothing is ever recomputed over the whole set; digest_check()
 * does that, for tests.
 *
 * One exchange between nodes A and B, as B runs it (A does the same with
 * B's messages, so each side pulls what it lacks; pushes only shorten it):
 *
 *   A -> B  DIGEST_SUMMARY           digest_summary_equal(): done if equal
 *   B -> A  DIGEST_REQUEST buckets   A answers digest_buckets() (64 a page)
 *   A -> B  DIGEST_BUCKETS           digest_buckets_diff(): runs of buckets
 *                                    that differ, as DIGEST_REQUESTs
 *   B -> A  DIGEST_REQUEST entries   A answers digest_entries()
 *   A -> B  DIGEST_ENTRIES           digest_entries_diff() with a walk:
 *                                    ids to request (RECORD_REQUEST, with
 *                                    the seq B holds), ids to push (B's
 *                                    newer records), the next page if any
 *
 * Pages are up to WIRE_MESH_MAX_DIGEST_ENTRIES entries; a walk remembers
 * the last id of the page before, so that an entry of B's that falls
 * between two of A's pages is known to be missing at A, without A
 * keeping any state between its answers.
 */
#ifndef AGENT_MEMBER_DIGEST_H
#define AGENT_MEMBER_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire_mesh.h"

#define DIGEST_LABEL		"aegisray digest"
#define DIGEST_E_LEN		32

struct digest_entry {
	uint8_t id[WIRE_MESH_ID_LEN];
	uint64_t seq;				/* never 0 */
};

struct digest_bucket {
	struct digest_entry *e;			/* sorted by id */
	uint32_t n, cap;
	uint8_t x[DIGEST_E_LEN];		/* XOR of e over the bucket */
};

struct digest {
	struct digest_bucket b[WIRE_MESH_N_BUCKETS];
	uint8_t x[DIGEST_E_LEN];		/* XOR of e over everything */
	uint32_t members;
};

void digest_init(struct digest *d);
void digest_free(struct digest *d);

/* e(id, seq) as above. 0 or -EIO (OpenSSL). */
int digest_e(const uint8_t *id, uint64_t seq, uint8_t e[DIGEST_E_LEN]);

/*
 * id now has seq (seq 0: id is gone). Returns 0, -ENOMEM (the digest is
 * unchanged), -EIO, or -ENOENT when removing an id that is not there.
 */
int digest_set(struct digest *d, const uint8_t *id, uint64_t seq);
/* The seq held for id, 0 if none. */
uint64_t digest_get(const struct digest *d, const uint8_t *id);
/* Bytes allocated for the entries (not counting struct digest). */
size_t digest_mem(const struct digest *d);

/* Recompute every hash from the entries and compare (tests): 0, -EIO or
 * -EBADMSG if the incremental hashes or the order are wrong. */
int digest_check(const struct digest *d);

/* ---- messages out ------------------------------------------------------ */

/* The views point into d: send them before d changes. */
void digest_summary(const struct digest *d, struct wire_mesh_digest_summary *m);
/* Buckets [first, first + n), n 1..WIRE_MESH_MAX_DIGEST_BUCKETS, first + n
 * <= 256 (else -EINVAL). Counts saturate at 0xffff. */
int digest_buckets(const struct digest *d, unsigned int first, unsigned int n,
		   struct wire_mesh_digest_buckets *m);
/* The entries of buckets [first, last] from index offset: a page of up to
 * WIRE_MESH_MAX_DIGEST_ENTRIES (an offset past the end gives none).
 * -EINVAL if first > last. */
int digest_entries(const struct digest *d, unsigned int first,
		   unsigned int last, uint32_t offset,
		   struct wire_mesh_digest_entries *m);

/* ---- comparing with a peer's ------------------------------------------- */

bool digest_summary_equal(const struct digest *d,
			  const struct wire_mesh_digest_summary *m);

/*
 * The runs of the peer's buckets whose count or hash differ from ours, as
 * DIGEST_REQUESTs for their entries (what = ENTRIES, offset 0). Up to max
 * of them; returns how many (adjacent differing buckets make one run).
 */
unsigned int digest_buckets_diff(const struct digest *d,
				 const struct wire_mesh_digest_buckets *m,
				 struct wire_mesh_digest_request *req,
				 unsigned int max);

/* The outcome of comparing entries: grows as pages are compared. */
struct digest_want {
	uint8_t id[WIRE_MESH_ID_LEN];
	uint64_t have_seq;		/* ours, 0 if none: RECORD_REQUEST */
	uint64_t seq;			/* the peer's */
};

struct digest_push {
	uint8_t id[WIRE_MESH_ID_LEN];
	uint64_t seq;			/* ours; the peer has less or none */
};

struct digest_diff {
	struct digest_want *want;
	size_t n_want, cap_want;
	struct digest_push *push;
	size_t n_push, cap_push;
};

void digest_diff_init(struct digest_diff *x);
void digest_diff_reset(struct digest_diff *x);	/* empty, memory kept */
void digest_diff_free(struct digest_diff *x);

/* Walking a peer's entries of buckets [first, last], page by page. */
struct digest_walk {
	struct wire_mesh_digest_request req;	/* the page to ask for next */
	bool done;
	bool has_prev;
	uint8_t prev[WIRE_MESH_ID_LEN];		/* last id of the page before */
};

void digest_walk_start(struct digest_walk *w, unsigned int first,
		       unsigned int last);
/* From one of digest_buckets_diff()'s requests. */
void digest_walk_from(struct digest_walk *w,
		      const struct wire_mesh_digest_request *req);

/*
 * Compare a page of the peer's entries (the answer to w->req: -EINVAL
 * otherwise) with ours: append to x the peer's ids that we lack or hold
 * older (want), and ours in the id range the page covers that the peer
 * lacks or holds older (push). Then w->req is the next page, or w->done.
 * 0, -EINVAL or -ENOMEM (x keeps what it had appended).
 */
int digest_entries_diff(const struct digest *d, struct digest_walk *w,
			const struct wire_mesh_digest_entries *m,
			struct digest_diff *x);

#endif /* AGENT_MEMBER_DIGEST_H */
