/* SPDX-License-Identifier: MIT */
/*
 * Mesh control messages (issue 19): gossip membership (SWIM/Lifeguard),
 * signed node records with digest anti-entropy, Babel-style distance-vector
 * routing, CA-signed revocation lists, and handshakes relayed through the
 * mesh. Pure codecs: bytes to structs and back, no I/O, no crypto, no
 * allocation. They travel between neighbours inside an authenticated
 * session; which channel carries them is not decided here.
 *
 * Integers are big endian. Ids (node ids, the CA's key id) are 32 bytes:
 * SHA-256 of the DER SubjectPublicKeyInfo, as everywhere in AegisRay.
 *
 * ---- Bundle -----------------------------------------------------------
 *
 * A datagram payload is a bundle: one or more messages, each a TLV
 *
 *   u8 type (WIRE_MESH_*, never 0) | u16 body length | body
 *
 * with nothing before, between or after them. A bundle is built up to the
 * sender's MTU (at least WIRE_MESH_MIN_MTU), and no body of any type is
 * longer than WIRE_MESH_MAX_BODY, so any message a node accepted fits,
 * alone or with others, into any bundle it sends: records and relayed
 * handshake fragments are forwarded as they came. Objects bigger than
 * that (certificates, revocation lists, handshake packets) travel in
 * pieces: OBJECT_CHUNK and RELAYED_HANDSHAKE carry an offset and a total.
 * A type the reader does not know is skipped, as Babel does with unknown
 * TLVs (RFC 8966 4.3), so that new types can be added; broken framing
 * (type 0, a length past the end, an empty bundle) refuses the bundle.
 *
 * ---- Signed objects ---------------------------------------------------
 *
 * Node records and revocation lists are signed by their author and passed
 * on byte for byte: a node stores the bytes it received and forwards them,
 * it never re-encodes them. Each starts with a magic byte (below 0x80, so
 * never the first byte of a control packet, whose signatures also start
 * at byte 0) and a format version, and ends with
 *
 *   u16 sig_len (1..WIRE_MAX_SIG) | sig
 *
 * The signature (RSA-PSS-SHA256 by the origin's key, or the CA's) covers
 * bytes [0, offset of sig_len): the "signed span". The codec finds it; the
 * caller signs and verifies.
 *
 * NODE_RECORD body: a node record, at most WIRE_MESH_MAX_RECORD bytes in
 * all (so it always fits a bundle alone):
 *
 *    0  u8  magic 0x4e ('N')          1  u8  format (1)
 *    2  origin id[32]
 *   34  u64 seq: only the origin raises it; also its SWIM incarnation
 *   42  u64 expiry, unix seconds (not 0)
 *   50  u32 roles (CERT_ROLE_* bits, a subset of the certificate's)
 *   54  u8  flags: WIRE_MESH_REC_LEAVE (the origin leaves: no endpoints,
 *           no prefixes)
 *   55  u16 cert_len (1..WIRE_MAX_CERT)
 *   57  cert_hash[32]: SHA-256 of the origin's DER certificate. The
 *           certificate itself is not in the record: it is fetched on
 *           demand (RECORD_REQUEST with WIRE_MESH_WANT_CERT, or
 *           OBJECT_REQUEST) as OBJECT_CHUNKs keyed by this hash.
 *   89  u8  endpoint count (0..WIRE_MESH_MAX_ENDPOINTS), each
 *           u8 family 4|6 | u8 kind (WIRE_MESH_EP_*) | u16 port (not 0) |
 *           4 or 16 address bytes (not all zero)
 *       prefixes: the wire.h "routes" encoding, 0..WIRE_MAX_ROUTES
 *       u16 sig_len | sig
 *
 * REVOCATION LIST (an object: carried as OBJECT_CHUNKs, see below), at
 * most WIRE_MESH_MAX_CRL bytes:
 *
 *    0  u8  magic 0x52 ('R')          1  u8  format (1)
 *    2  issuer[32]: key id of the CA that signed it
 *   34  u64 version (not 0; a newer list has a higher one)
 *   42  u64 issued, unix seconds
 *   50  u64 next_update, unix seconds (not before issued)
 *   58  u16 count (0..WIRE_MESH_MAX_REVOKED), then count node ids[32] in
 *           strictly increasing order (binary search, no duplicates)
 *       u16 sig_len | sig (the CA's)
 *
 * ---- Other bodies (fixed size unless a count is shown) -----------------
 *
 *   RECORD_REQUEST  u8 n (1..WIRE_MESH_MAX_REQUESTS) x
 *                   (origin id[32] | u64 have_seq | u8 want)
 *                   want: WIRE_MESH_WANT_RECORD (send it if newer than
 *                   have_seq; 0 = none held) and/or WIRE_MESH_WANT_CERT
 *                   (send its certificate); one of them at least, other
 *                   bits are ignored.
 *   DIGEST_SUMMARY  u32 members | set_hash[16]
 *   DIGEST_BUCKETS  u8 first | u8 n (1..WIRE_MESH_MAX_DIGEST_BUCKETS) x
 *                   (u16 members | hash[8]); first + n <= 256
 *   DIGEST_ENTRIES  u8 first_bucket | u8 last_bucket | u32 total |
 *                   u32 offset | u8 n (0..WIRE_MESH_MAX_DIGEST_ENTRIES) x
 *                   (origin id[32] | u64 seq)
 *                   The sender's entries whose bucket lies in
 *                   [first, last], sorted by id: total of them, this page
 *                   from index offset (offset + n <= total; ids strictly
 *                   increasing, each in the range).
 *   DIGEST_REQUEST  u8 what (WIRE_MESH_DIGEST_WANT_*) | u8 first |
 *                   u8 last | u32 offset (0 for buckets)
 *   PING            u32 seq | u64 incarnation (the sender's record seq)
 *   ACK             u32 seq | u8 flags (WIRE_MESH_ACK_NACK) |
 *                   u64 incarnation | target id[32]
 *                   target: whose liveness it reports (the sender, or
 *                   the target of a PING_REQ), incarnation its record seq.
 *                   NACK (Lifeguard): an intermediary got no answer.
 *   PING_REQ        u32 seq | target id[32]
 *   SUSPECT         u8 state (WIRE_MESH_STATE_*) | target id[32] |
 *                   u64 incarnation | reporter id[32]
 *                   target != reporter. Refuted by a record of the target
 *                   with a higher seq; distinct reporters are Lifeguard's
 *                   confirmations.
 *   PROBE           u32 seq | u64 timestamp (sender's clock, opaque)
 *   ECHO            u32 seq | u64 timestamp (the PROBE's) |
 *                   u32 held_us (receipt to echo; RTT = now - timestamp -
 *                   held_us, RFC 9616)
 *   ROUTE_UPDATE    u16 interval (centiseconds to the next periodic
 *                   update, 0 = none) | u8 n (1..WIRE_MESH_MAX_ROUTE_ENTRIES)
 *                   x (origin id[32] | u16 seqno | u16 metric | u8 flags)
 *                   metric WIRE_MESH_METRIC_INF is a retraction; no entry
 *                   flag is defined yet: send 0, ignore on receipt
 *   ROUTE_SEQNO_REQUEST  origin id[32] | u16 seqno | u8 hop_count (not 0) |
 *                   requester id[32] (not the origin)
 *   REVOCATION_VERSION   u64 version (0 = no list held)
 *   OBJECT_CHUNK    u8 kind (WIRE_MESH_OBJ_*) | key[32] | u32 total |
 *                   u32 offset | u16 len (at least 1) | data
 *                   key: SHA-256 of the whole object (content address:
 *                   chunks from different senders never mix);
 *                   1 <= total <= the kind's maximum, offset + data <= total
 *   OBJECT_REQUEST  u8 kind | key[32] | u32 offset | u32 length
 *                   (0 = to the end); offset + length within the kind's
 *                   maximum. An all-zero key asks for the newest
 *                   revocation list the peer holds (kind CRL, offset 0).
 *   RELAYED_HANDSHAKE  u8 hop_limit (1..WIRE_MESH_MAX_HOPS) | src id[32] |
 *                   dst id[32] | u32 packet_id | u16 total | u16 offset |
 *                   u16 len (at least 1) | data
 *                   A piece [offset, offset + data) of a control packet
 *                   (wire.h: INIT, RESP or CONFIRM, total bytes,
 *                   WIRE_HDR_LEN..WIRE_MAX_DATAGRAM) from src to dst.
 *                   Relays forward pieces without reassembling them,
 *                   hop_limit one lower. src != dst. The piece at offset 0
 *                   holds the whole control header, which must pass
 *                   wire_parse_hdr() with a body length of total - 26.
 *
 * Digest hashes (computed by the caller, defined here so that nodes agree):
 *   e(id, seq)  = SHA-256("aegisray digest" || id || be64(seq))
 *   bucket b    = the members whose id starts with byte b (256 buckets)
 *   bucket hash = first 8 bytes of the XOR of e over the bucket
 *   set_hash    = first 16 bytes of the XOR of e over all members
 * XOR keeps them incremental: one record replaced costs two XORs.
 */
#ifndef AGENT_WIRE_MESH_H
#define AGENT_WIRE_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/aegisray.h>

#include "netaddr.h"
#include "wire/wire.h"

#define WIRE_MESH_ID_LEN		AEGIS_NODE_ID_LEN	/* 32 */
#define WIRE_MESH_TLV_HDR		3
#define WIRE_MESH_MIN_MTU		1200
#define WIRE_MESH_MAX_MTU		65535
/* No body is longer: every message fits a bundle of WIRE_MESH_MIN_MTU. */
#define WIRE_MESH_MAX_BODY		(WIRE_MESH_MIN_MTU - WIRE_MESH_TLV_HDR)

#define WIRE_MESH_REC_MAGIC		0x4e
#define WIRE_MESH_CRL_MAGIC		0x52
#define WIRE_MESH_FORMAT		1

#define WIRE_MESH_MAX_RECORD		WIRE_MESH_MAX_BODY
#define WIRE_MESH_MAX_ENDPOINTS		8
#define WIRE_MESH_MAX_REVOKED		4096
#define WIRE_MESH_CRL_FIXED		60	/* bytes before the ids */
#define WIRE_MESH_MAX_CRL		(WIRE_MESH_CRL_FIXED + \
					 WIRE_MESH_MAX_REVOKED * WIRE_MESH_ID_LEN + \
					 2 + WIRE_MAX_SIG)
#define WIRE_MESH_MAX_REQUESTS		29
#define WIRE_MESH_N_BUCKETS		256
#define WIRE_MESH_MAX_DIGEST_BUCKETS	64
#define WIRE_MESH_MAX_DIGEST_ENTRIES	29
#define WIRE_MESH_SET_HASH_LEN		16
#define WIRE_MESH_BUCKET_HASH_LEN	8
#define WIRE_MESH_MAX_ROUTE_ENTRIES	32
#define WIRE_MESH_METRIC_INF		0xffff
#define WIRE_MESH_MAX_HOPS		64
/* Fixed bytes before the data of the two chunked messages. */
#define WIRE_MESH_CHUNK_FIXED		43
#define WIRE_MESH_RELAY_FIXED		75

enum wire_mesh_type {
	WIRE_MESH_NODE_RECORD = 1,
	WIRE_MESH_RECORD_REQUEST,
	WIRE_MESH_DIGEST_SUMMARY,
	WIRE_MESH_DIGEST_BUCKETS,
	WIRE_MESH_DIGEST_ENTRIES,
	WIRE_MESH_DIGEST_REQUEST,
	WIRE_MESH_PING,
	WIRE_MESH_ACK,
	WIRE_MESH_PING_REQ,
	WIRE_MESH_SUSPECT,
	WIRE_MESH_PROBE,
	WIRE_MESH_ECHO,
	WIRE_MESH_ROUTE_UPDATE,
	WIRE_MESH_ROUTE_SEQNO_REQUEST,
	WIRE_MESH_REVOCATION_VERSION,
	WIRE_MESH_OBJECT_CHUNK,
	WIRE_MESH_OBJECT_REQUEST,
	WIRE_MESH_RELAYED_HANDSHAKE,
	WIRE_MESH_TYPE_MAX = WIRE_MESH_RELAYED_HANDSHAKE,
};

/* Record flags, endpoint kinds, wants, states, object kinds. */
#define WIRE_MESH_REC_LEAVE		0x01
enum {
	WIRE_MESH_EP_LOCAL = 1,		/* an address of the host's own */
	WIRE_MESH_EP_REFLEXIVE,		/* seen from outside (STUN, peers) */
	WIRE_MESH_EP_CONFIGURED,	/* set by the operator (port forward) */
};
#define WIRE_MESH_WANT_RECORD		0x01
#define WIRE_MESH_WANT_CERT		0x02
enum {
	WIRE_MESH_DIGEST_WANT_BUCKETS = 1,
	WIRE_MESH_DIGEST_WANT_ENTRIES,
};
#define WIRE_MESH_ACK_NACK		0x01
enum {
	WIRE_MESH_STATE_SUSPECT = 1,
	WIRE_MESH_STATE_DEAD,
};
enum {
	WIRE_MESH_OBJ_CERT = 1,		/* DER, at most WIRE_MAX_CERT */
	WIRE_MESH_OBJ_CRL,		/* revocation list, WIRE_MESH_MAX_CRL */
};

const char *wire_mesh_type_name(unsigned int type);

/*
 * Parsed views point into the bytes they came from; nothing is copied but
 * numbers and addresses. Encoders take the same structs.
 */
struct wire_mesh_endpoint {
	struct aegis_addr addr;
	uint16_t port;
	uint8_t kind;			/* WIRE_MESH_EP_* */
};

struct wire_mesh_record {
	const uint8_t *origin;		/* 32 */
	uint64_t seq;
	uint64_t expiry;
	uint32_t roles;
	uint8_t flags;			/* WIRE_MESH_REC_* */
	uint16_t cert_len;
	const uint8_t *cert_hash;	/* 32 */
	unsigned int n_endpoints;
	struct wire_mesh_endpoint ep[WIRE_MESH_MAX_ENDPOINTS];
	struct wire_routes prefixes;
	/* Parse only: */
	const uint8_t *sig;
	size_t sig_len;
	size_t signed_len;		/* bytes [0, signed_len) are signed */
};

struct wire_mesh_crl {
	const uint8_t *issuer;		/* 32 */
	uint64_t version;
	uint64_t issued;
	uint64_t next_update;
	unsigned int n;
	const uint8_t *ids;		/* n x 32, strictly increasing */
	/* Parse only: */
	const uint8_t *sig;
	size_t sig_len;
	size_t signed_len;
};

struct wire_mesh_record_request {
	unsigned int n;
	struct {
		const uint8_t *origin;
		uint64_t have_seq;
		uint8_t want;		/* WIRE_MESH_WANT_* */
	} e[WIRE_MESH_MAX_REQUESTS];
};

struct wire_mesh_digest_summary {
	uint32_t members;
	const uint8_t *set_hash;	/* 16 */
};

struct wire_mesh_digest_buckets {
	uint8_t first;
	unsigned int n;
	struct {
		uint16_t members;
		const uint8_t *hash;	/* 8 */
	} b[WIRE_MESH_MAX_DIGEST_BUCKETS];
};

struct wire_mesh_digest_entries {
	uint8_t first_bucket;
	uint8_t last_bucket;
	uint32_t total;
	uint32_t offset;
	unsigned int n;
	struct {
		const uint8_t *origin;
		uint64_t seq;
	} e[WIRE_MESH_MAX_DIGEST_ENTRIES];
};

struct wire_mesh_digest_request {
	uint8_t what;			/* WIRE_MESH_DIGEST_WANT_* */
	uint8_t first;
	uint8_t last;
	uint32_t offset;
};

struct wire_mesh_ping {
	uint32_t seq;
	uint64_t incarnation;
};

struct wire_mesh_ack {
	uint32_t seq;
	uint8_t flags;			/* WIRE_MESH_ACK_* */
	uint64_t incarnation;
	const uint8_t *target;		/* 32 */
};

struct wire_mesh_ping_req {
	uint32_t seq;
	const uint8_t *target;
};

struct wire_mesh_suspect {
	uint8_t state;			/* WIRE_MESH_STATE_* */
	const uint8_t *target;
	uint64_t incarnation;
	const uint8_t *reporter;
};

struct wire_mesh_probe {		/* PROBE; ECHO also has held_us */
	uint32_t seq;
	uint64_t timestamp;
	uint32_t held_us;
};

struct wire_mesh_route_update {
	uint16_t interval;		/* centiseconds */
	unsigned int n;
	struct {
		const uint8_t *origin;
		uint16_t seqno;
		uint16_t metric;
		uint8_t flags;		/* none defined: send 0, ignore */
	} e[WIRE_MESH_MAX_ROUTE_ENTRIES];
};

struct wire_mesh_seqno_request {
	const uint8_t *origin;
	uint16_t seqno;
	uint8_t hop_count;
	const uint8_t *requester;
};

struct wire_mesh_object_chunk {
	uint8_t kind;			/* WIRE_MESH_OBJ_* */
	const uint8_t *key;		/* 32 */
	uint32_t total;
	uint32_t offset;
	const uint8_t *data;
	size_t data_len;
};

struct wire_mesh_object_request {
	uint8_t kind;
	const uint8_t *key;
	uint32_t offset;
	uint32_t length;
};

struct wire_mesh_relayed_hs {
	uint8_t hop_limit;
	const uint8_t *src;		/* 32 */
	const uint8_t *dst;		/* 32 */
	uint32_t packet_id;
	uint16_t total;
	uint16_t offset;
	const uint8_t *data;
	size_t data_len;
};

/*
 * Decoders, over one message body (the bytes a bundle TLV carries, or a
 * whole object): 0, or -EBADMSG for anything truncated, oversized, with
 * trailing bytes, counts or values out of the ranges in the layout above.
 */
int wire_mesh_parse_record(const uint8_t *b, size_t len,
			   struct wire_mesh_record *m);
int wire_mesh_parse_crl(const uint8_t *b, size_t len, struct wire_mesh_crl *m);
int wire_mesh_parse_record_request(const uint8_t *b, size_t len,
				   struct wire_mesh_record_request *m);
int wire_mesh_parse_digest_summary(const uint8_t *b, size_t len,
				   struct wire_mesh_digest_summary *m);
int wire_mesh_parse_digest_buckets(const uint8_t *b, size_t len,
				   struct wire_mesh_digest_buckets *m);
int wire_mesh_parse_digest_entries(const uint8_t *b, size_t len,
				   struct wire_mesh_digest_entries *m);
int wire_mesh_parse_digest_request(const uint8_t *b, size_t len,
				   struct wire_mesh_digest_request *m);
int wire_mesh_parse_ping(const uint8_t *b, size_t len,
			 struct wire_mesh_ping *m);
int wire_mesh_parse_ack(const uint8_t *b, size_t len, struct wire_mesh_ack *m);
int wire_mesh_parse_ping_req(const uint8_t *b, size_t len,
			     struct wire_mesh_ping_req *m);
int wire_mesh_parse_suspect(const uint8_t *b, size_t len,
			    struct wire_mesh_suspect *m);
int wire_mesh_parse_probe(const uint8_t *b, size_t len,
			  struct wire_mesh_probe *m);
int wire_mesh_parse_echo(const uint8_t *b, size_t len,
			 struct wire_mesh_probe *m);
int wire_mesh_parse_route_update(const uint8_t *b, size_t len,
				 struct wire_mesh_route_update *m);
int wire_mesh_parse_seqno_request(const uint8_t *b, size_t len,
				  struct wire_mesh_seqno_request *m);
int wire_mesh_parse_revocation_version(const uint8_t *b, size_t len,
				       uint64_t *version);
int wire_mesh_parse_object_chunk(const uint8_t *b, size_t len,
				 struct wire_mesh_object_chunk *m);
int wire_mesh_parse_object_request(const uint8_t *b, size_t len,
				   struct wire_mesh_object_request *m);
int wire_mesh_parse_relayed_hs(const uint8_t *b, size_t len,
			       struct wire_mesh_relayed_hs *m);

/* Room for any one parsed body, whichever type a TLV holds. */
union wire_mesh_body {
	struct wire_mesh_record rec;
	struct wire_mesh_record_request rreq;
	struct wire_mesh_digest_summary sum;
	struct wire_mesh_digest_buckets buckets;
	struct wire_mesh_digest_entries entries;
	struct wire_mesh_digest_request dreq;
	struct wire_mesh_ping ping;
	struct wire_mesh_ack ack;
	struct wire_mesh_ping_req preq;
	struct wire_mesh_suspect sus;
	struct wire_mesh_probe probe;
	struct wire_mesh_route_update ru;
	struct wire_mesh_seqno_request sreq;
	struct wire_mesh_object_chunk chunk;
	struct wire_mesh_object_request oreq;
	struct wire_mesh_relayed_hs rhs;
	uint64_t version;	/* REVOCATION_VERSION */
};

/* The body parser of a type: 0 or -EBADMSG; unknown types are 0. */
int wire_mesh_check_body(unsigned int type, const uint8_t *b, size_t len);

/*
 * Signed spans of a stored record or list: [*span, *span + *span_len) is
 * what the signature [*sig, *sig + *sig_len) covers. The whole object is
 * parsed first: 0 or -EBADMSG.
 */
int wire_mesh_record_span(const uint8_t *b, size_t len, size_t *span_len,
			  const uint8_t **sig, size_t *sig_len);
int wire_mesh_crl_span(const uint8_t *b, size_t len, size_t *span_len,
		       const uint8_t **sig, size_t *sig_len);

/* Is id on a parsed list (binary search)? */
bool wire_mesh_crl_contains(const struct wire_mesh_crl *m, const uint8_t *id);

/* The bucket of an id in the digest. */
static inline unsigned int wire_mesh_bucket(const uint8_t *id)
{
	return id[0];
}

/*
 * Encoder: the caller's memory. Functions append; the buffer is left as
 * it was when a message does not fit.
 */
struct wire_mesh_buf {
	uint8_t *data;
	size_t cap;
	size_t len;
	bool overflow;			/* internal: set and cleared per message */
};

/* A buffer for an object (record, list) of at most cap bytes. */
void wire_mesh_buf_init(struct wire_mesh_buf *w, void *mem, size_t cap);

/*
 * Signed objects, in two steps: *_build() writes the signed span into w
 * (from its start: the span is w->data[0, w->len)), the caller signs it,
 * *_add_sig() appends the signature. 0, -EINVAL if the contents do not
 * encode (counts, ranges, unsorted ids: what the parser would refuse) or
 * -EMSGSIZE if w is too small or the result would pass the object's
 * maximum (WIRE_MESH_MAX_RECORD with a signature of sig_len bytes:
 * wire_mesh_record_len() tells beforehand).
 */
int wire_mesh_record_build(struct wire_mesh_buf *w,
			   const struct wire_mesh_record *m);
int wire_mesh_record_add_sig(struct wire_mesh_buf *w, const uint8_t *sig,
			     size_t sig_len);
/* Bytes of the record signed with sig_len bytes; 0 if it does not encode
 * or would be over WIRE_MESH_MAX_RECORD. */
size_t wire_mesh_record_len(const struct wire_mesh_record *m, size_t sig_len);
int wire_mesh_crl_build(struct wire_mesh_buf *w, const struct wire_mesh_crl *m);
int wire_mesh_crl_add_sig(struct wire_mesh_buf *w, const uint8_t *sig,
			  size_t sig_len);

/*
 * Bundles. wire_mesh_bundle_init: mtu in [WIRE_MESH_MIN_MTU,
 * WIRE_MESH_MAX_MTU] (else -EINVAL), mem at least mtu bytes.
 * Each put appends one TLV: 0, -EMSGSIZE when it does not fit (the bundle
 * is unchanged: send it and put into a new one), -EINVAL when the contents
 * do not encode (a body over WIRE_MESH_MAX_BODY among them).
 */
int wire_mesh_bundle_init(struct wire_mesh_buf *b, void *mem, size_t mtu);
/* Body bytes that one more TLV could carry now. */
size_t wire_mesh_bundle_room(const struct wire_mesh_buf *b);
/* Data bytes one more OBJECT_CHUNK / RELAYED_HANDSHAKE could carry now. */
size_t wire_mesh_chunk_room(const struct wire_mesh_buf *b);
size_t wire_mesh_relay_room(const struct wire_mesh_buf *b);
/* A body as it is (a stored record, a TLV to forward); type 1..255. */
int wire_mesh_bundle_add(struct wire_mesh_buf *b, unsigned int type,
			 const uint8_t *body, size_t len);

int wire_mesh_put_record_request(struct wire_mesh_buf *b,
				 const struct wire_mesh_record_request *m);
int wire_mesh_put_digest_summary(struct wire_mesh_buf *b,
				 const struct wire_mesh_digest_summary *m);
int wire_mesh_put_digest_buckets(struct wire_mesh_buf *b,
				 const struct wire_mesh_digest_buckets *m);
int wire_mesh_put_digest_entries(struct wire_mesh_buf *b,
				 const struct wire_mesh_digest_entries *m);
int wire_mesh_put_digest_request(struct wire_mesh_buf *b,
				 const struct wire_mesh_digest_request *m);
int wire_mesh_put_ping(struct wire_mesh_buf *b, const struct wire_mesh_ping *m);
int wire_mesh_put_ack(struct wire_mesh_buf *b, const struct wire_mesh_ack *m);
int wire_mesh_put_ping_req(struct wire_mesh_buf *b,
			   const struct wire_mesh_ping_req *m);
int wire_mesh_put_suspect(struct wire_mesh_buf *b,
			  const struct wire_mesh_suspect *m);
int wire_mesh_put_probe(struct wire_mesh_buf *b,
			const struct wire_mesh_probe *m);
int wire_mesh_put_echo(struct wire_mesh_buf *b, const struct wire_mesh_probe *m);
int wire_mesh_put_route_update(struct wire_mesh_buf *b,
			       const struct wire_mesh_route_update *m);
int wire_mesh_put_seqno_request(struct wire_mesh_buf *b,
				const struct wire_mesh_seqno_request *m);
int wire_mesh_put_revocation_version(struct wire_mesh_buf *b,
				     uint64_t version);
int wire_mesh_put_object_chunk(struct wire_mesh_buf *b,
			       const struct wire_mesh_object_chunk *m);
int wire_mesh_put_object_request(struct wire_mesh_buf *b,
				 const struct wire_mesh_object_request *m);
/* Also what a relay sends on, with hop_limit lowered by one. */
int wire_mesh_put_relayed_hs(struct wire_mesh_buf *b,
			     const struct wire_mesh_relayed_hs *m);

/*
 * Reading a bundle: wire_mesh_bundle_next() gives the TLVs in order:
 * 1 (one more in *t), 0 at the end, -EBADMSG on broken framing (and from
 * then on). It does not look into bodies: wire_mesh_bundle_check() does
 * both, to refuse a bundle whole before acting on any of it.
 */
struct wire_mesh_reader {
	const uint8_t *buf;
	size_t len;
	size_t off;
	bool bad;
};

struct wire_mesh_tlv {
	uint8_t type;
	const uint8_t *body;
	size_t len;
};

void wire_mesh_reader_init(struct wire_mesh_reader *r, const uint8_t *buf,
			   size_t len);
int wire_mesh_bundle_next(struct wire_mesh_reader *r, struct wire_mesh_tlv *t);
/* Framing and every body of a known type: the number of TLVs (at least
 * 1), or -EBADMSG. */
int wire_mesh_bundle_check(const uint8_t *buf, size_t len);

#endif /* AGENT_WIRE_MESH_H */
