// SPDX-License-Identifier: MIT
/*
 * Mesh control messages (wire_mesh.h): strict decoders over a bounds
 * checked cursor, encoders that append to the caller's buffer and undo a
 * message that does not fit, and the bundle framing.
 *
 * Encoders check what they wrote with the decoder of the same message, so
 * nothing is sent that a peer would refuse, and the rules live in one
 * place: the decoders.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "wire/cursor.h"
#include "wire/wire_mesh.h"

#define ID	WIRE_MESH_ID_LEN

#define REC_FIXED	89	/* record bytes before the endpoint count */

_Static_assert(WIRE_MESH_CRL_FIXED == 2 + ID + 8 + 8 + 8 + 2, "crl layout");
_Static_assert(REC_FIXED == 2 + ID + 8 + 8 + 4 + 1 + 2 + ID, "record layout");
_Static_assert(WIRE_MESH_CHUNK_FIXED == 1 + ID + 4 + 4 + 2, "chunk layout");
_Static_assert(WIRE_MESH_RELAY_FIXED == 1 + 2 * ID + 4 + 2 + 2 + 2,
	       "relay layout");
/* Every list at its maximum fits one body. */
_Static_assert(1 + WIRE_MESH_MAX_REQUESTS * (ID + 8 + 1) <= WIRE_MESH_MAX_BODY,
	       "record request");
_Static_assert(2 + WIRE_MESH_MAX_DIGEST_BUCKETS *
	       (2 + WIRE_MESH_BUCKET_HASH_LEN) <= WIRE_MESH_MAX_BODY,
	       "digest buckets");
_Static_assert(11 + WIRE_MESH_MAX_DIGEST_ENTRIES * (ID + 8) <=
	       WIRE_MESH_MAX_BODY, "digest entries");
_Static_assert(3 + WIRE_MESH_MAX_ROUTE_ENTRIES * (ID + 2 + 2 + 1) <=
	       WIRE_MESH_MAX_BODY, "route update");
_Static_assert(WIRE_MESH_N_BUCKETS % WIRE_MESH_MAX_DIGEST_BUCKETS == 0,
	       "bucket pages");
_Static_assert(WIRE_MESH_MAX_REVOKED <= 0xffff, "u16 count");
_Static_assert(WIRE_MESH_MAX_CRL <= 0xffffffffu, "u32 total");
_Static_assert(WIRE_MAX_DATAGRAM <= 0xffff, "u16 total");

const char *wire_mesh_type_name(unsigned int type)
{
	static const char *const names[] = {
		[WIRE_MESH_NODE_RECORD] = "node_record",
		[WIRE_MESH_RECORD_REQUEST] = "record_request",
		[WIRE_MESH_DIGEST_SUMMARY] = "digest_summary",
		[WIRE_MESH_DIGEST_BUCKETS] = "digest_buckets",
		[WIRE_MESH_DIGEST_ENTRIES] = "digest_entries",
		[WIRE_MESH_DIGEST_REQUEST] = "digest_request",
		[WIRE_MESH_PING] = "ping",
		[WIRE_MESH_ACK] = "ack",
		[WIRE_MESH_PING_REQ] = "ping_req",
		[WIRE_MESH_SUSPECT] = "suspect",
		[WIRE_MESH_PROBE] = "probe",
		[WIRE_MESH_ECHO] = "echo",
		[WIRE_MESH_ROUTE_UPDATE] = "route_update",
		[WIRE_MESH_ROUTE_SEQNO_REQUEST] = "route_seqno_request",
		[WIRE_MESH_REVOCATION_VERSION] = "revocation_version",
		[WIRE_MESH_OBJECT_CHUNK] = "object_chunk",
		[WIRE_MESH_OBJECT_REQUEST] = "object_request",
		[WIRE_MESH_RELAYED_HANDSHAKE] = "relayed_handshake",
	};

	if (type == 0 || type > WIRE_MESH_TYPE_MAX)
		return "unknown";
	return names[type];
}

/* Wire family byte (4 or 6) to AF_*, 0 if neither. */
static int wire_family(uint8_t fam)
{
	if (fam == 4)
		return AF_INET;
	if (fam == 6)
		return AF_INET6;
	return 0;
}

/* ---- decoding ---------------------------------------------------------- */

static const uint8_t *cur_id(struct cursor *c)
{
	return cursor_take(c, ID);
}

/* Chunk data: a u16 length, at least 1, then that many bytes. */
static const uint8_t *cur_data(struct cursor *c, size_t *len)
{
	return cursor_blob(c, WIRE_MESH_MAX_BODY, len);
}

static void cur_endpoints(struct cursor *c, struct wire_mesh_record *m)
{
	unsigned int i, n = cursor_u8(c);

	m->n_endpoints = 0;
	if (c->bad || n > WIRE_MESH_MAX_ENDPOINTS) {
		c->bad = true;
		return;
	}
	for (i = 0; i < n; i++) {
		struct wire_mesh_endpoint *e = &m->ep[i];
		int family = wire_family(cursor_u8(c));
		uint8_t kind = cursor_u8(c);
		uint16_t port = cursor_u16(c);
		size_t alen = aegis_addr_len(family);
		const uint8_t *a;

		if (!family || kind < WIRE_MESH_EP_LOCAL ||
		    kind > WIRE_MESH_EP_CONFIGURED || !port) {
			c->bad = true;
			return;
		}
		a = cursor_take(c, alen);
		if (!a || cursor_all_zero(a, alen)) {
			c->bad = true;
			return;
		}
		memset(e, 0, sizeof(*e));
		e->addr.family = family;
		memcpy(e->addr.u.bytes, a, alen);
		e->port = port;
		e->kind = kind;
	}
	m->n_endpoints = n;
}

/* A record up to its signature. */
static void cur_record_span(struct cursor *c, struct wire_mesh_record *m)
{
	cursor_require(c, cursor_u8(c) == WIRE_MESH_REC_MAGIC);
	cursor_require(c, cursor_u8(c) == WIRE_MESH_FORMAT);
	m->origin = cur_id(c);
	m->seq = cursor_u64(c);
	m->expiry = cursor_u64(c);
	m->roles = cursor_u32(c);
	m->flags = cursor_u8(c);
	m->cert_len = cursor_u16(c);
	m->cert_hash = cur_id(c);
	cursor_require(c, m->seq && m->expiry && m->cert_len &&
		       m->cert_len <= WIRE_MAX_CERT);
	cur_endpoints(c, m);
	cursor_routes(c, &m->prefixes);
	if (m->flags & WIRE_MESH_REC_LEAVE)
		cursor_require(c, !m->n_endpoints && !m->prefixes.n);
	m->signed_len = c->off;
}

int wire_mesh_parse_record(const uint8_t *b, size_t len,
			   struct wire_mesh_record *m)
{
	struct cursor c;

	cursor_init(&c, b, len, WIRE_MESH_MAX_RECORD);
	cur_record_span(&c, m);
	m->sig = cursor_blob(&c, WIRE_MAX_SIG, &m->sig_len);
	return cursor_end(&c);
}

static void cur_crl_span(struct cursor *c, struct wire_mesh_crl *m)
{
	unsigned int i;

	cursor_require(c, cursor_u8(c) == WIRE_MESH_CRL_MAGIC);
	cursor_require(c, cursor_u8(c) == WIRE_MESH_FORMAT);
	m->issuer = cur_id(c);
	m->version = cursor_u64(c);
	m->issued = cursor_u64(c);
	m->next_update = cursor_u64(c);
	m->n = cursor_u16(c);
	cursor_require(c, m->version && m->next_update >= m->issued &&
		       m->n <= WIRE_MESH_MAX_REVOKED);
	m->ids = c->bad ? NULL : cursor_take(c, (size_t)m->n * ID);
	for (i = 1; m->ids && i < m->n; i++) {
		if (memcmp(m->ids + (i - 1) * ID, m->ids + i * ID, ID) >= 0) {
			c->bad = true;
			break;
		}
	}
	m->signed_len = c->off;
}

int wire_mesh_parse_crl(const uint8_t *b, size_t len, struct wire_mesh_crl *m)
{
	struct cursor c;

	cursor_init(&c, b, len, WIRE_MESH_MAX_CRL);
	cur_crl_span(&c, m);
	m->sig = cursor_blob(&c, WIRE_MAX_SIG, &m->sig_len);
	return cursor_end(&c);
}

int wire_mesh_record_span(const uint8_t *b, size_t len, size_t *span_len,
			  const uint8_t **sig, size_t *sig_len)
{
	struct wire_mesh_record m;

	if (wire_mesh_parse_record(b, len, &m))
		return -EBADMSG;
	*span_len = m.signed_len;
	*sig = m.sig;
	*sig_len = m.sig_len;
	return 0;
}

int wire_mesh_crl_span(const uint8_t *b, size_t len, size_t *span_len,
		       const uint8_t **sig, size_t *sig_len)
{
	struct wire_mesh_crl m;

	if (wire_mesh_parse_crl(b, len, &m))
		return -EBADMSG;
	*span_len = m.signed_len;
	*sig = m.sig;
	*sig_len = m.sig_len;
	return 0;
}

bool wire_mesh_crl_contains(const struct wire_mesh_crl *m, const uint8_t *id)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = memcmp(m->ids + mid * ID, id, ID);

		if (!cmp)
			return true;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The cursor over one TLV body. */
static void cur_body(struct cursor *c, const uint8_t *b, size_t len)
{
	cursor_init(c, b, len, WIRE_MESH_MAX_BODY);
}

int wire_mesh_parse_record_request(const uint8_t *b, size_t len,
				   struct wire_mesh_record_request *m)
{
	struct cursor c;
	unsigned int i;

	cur_body(&c, b, len);
	m->n = cursor_u8(&c);
	cursor_require(&c, m->n >= 1 && m->n <= WIRE_MESH_MAX_REQUESTS);
	for (i = 0; !c.bad && i < m->n; i++) {
		m->e[i].origin = cur_id(&c);
		m->e[i].have_seq = cursor_u64(&c);
		m->e[i].want = cursor_u8(&c);
		cursor_require(&c, m->e[i].want & (WIRE_MESH_WANT_RECORD |
						 WIRE_MESH_WANT_CERT));
	}
	return cursor_end(&c);
}

int wire_mesh_parse_digest_summary(const uint8_t *b, size_t len,
				   struct wire_mesh_digest_summary *m)
{
	struct cursor c;

	cur_body(&c, b, len);
	m->members = cursor_u32(&c);
	m->set_hash = cursor_take(&c, WIRE_MESH_SET_HASH_LEN);
	return cursor_end(&c);
}

int wire_mesh_parse_digest_buckets(const uint8_t *b, size_t len,
				   struct wire_mesh_digest_buckets *m)
{
	struct cursor c;
	unsigned int i;

	cur_body(&c, b, len);
	m->first = cursor_u8(&c);
	m->n = cursor_u8(&c);
	cursor_require(&c, m->n >= 1 && m->n <= WIRE_MESH_MAX_DIGEST_BUCKETS &&
		       m->first + m->n <= WIRE_MESH_N_BUCKETS);
	for (i = 0; !c.bad && i < m->n; i++) {
		m->b[i].members = cursor_u16(&c);
		m->b[i].hash = cursor_take(&c, WIRE_MESH_BUCKET_HASH_LEN);
	}
	return cursor_end(&c);
}

int wire_mesh_parse_digest_entries(const uint8_t *b, size_t len,
				   struct wire_mesh_digest_entries *m)
{
	struct cursor c;
	unsigned int i;

	cur_body(&c, b, len);
	m->first_bucket = cursor_u8(&c);
	m->last_bucket = cursor_u8(&c);
	m->total = cursor_u32(&c);
	m->offset = cursor_u32(&c);
	m->n = cursor_u8(&c);
	cursor_require(&c, m->first_bucket <= m->last_bucket &&
		       m->n <= WIRE_MESH_MAX_DIGEST_ENTRIES &&
		       (uint64_t)m->offset + m->n <= m->total);
	for (i = 0; !c.bad && i < m->n; i++) {
		const uint8_t *id = cur_id(&c);

		m->e[i].origin = id;
		m->e[i].seq = cursor_u64(&c);
		if (!id)
			break;
		cursor_require(&c, wire_mesh_bucket(id) >= m->first_bucket &&
			       wire_mesh_bucket(id) <= m->last_bucket &&
			       (i == 0 ||
				memcmp(m->e[i - 1].origin, id, ID) < 0));
	}
	return cursor_end(&c);
}

int wire_mesh_parse_digest_request(const uint8_t *b, size_t len,
				   struct wire_mesh_digest_request *m)
{
	struct cursor c;

	cur_body(&c, b, len);
	m->what = cursor_u8(&c);
	m->first = cursor_u8(&c);
	m->last = cursor_u8(&c);
	m->offset = cursor_u32(&c);
	cursor_require(&c, m->first <= m->last &&
		       (m->what == WIRE_MESH_DIGEST_WANT_ENTRIES ||
			(m->what == WIRE_MESH_DIGEST_WANT_BUCKETS &&
			 m->offset == 0)));
	return cursor_end(&c);
}

int wire_mesh_parse_ping(const uint8_t *b, size_t len,
			 struct wire_mesh_ping *m)
{
	struct cursor c;

	cur_body(&c, b, len);
	m->seq = cursor_u32(&c);
	m->incarnation = cursor_u64(&c);
	return cursor_end(&c);
}

int wire_mesh_parse_ack(const uint8_t *b, size_t len, struct wire_mesh_ack *m)
{
	struct cursor c;

	cur_body(&c, b, len);
	m->seq = cursor_u32(&c);
	m->flags = cursor_u8(&c);
	m->incarnation = cursor_u64(&c);
	m->target = cur_id(&c);
	return cursor_end(&c);
}

int wire_mesh_parse_ping_req(const uint8_t *b, size_t len,
			     struct wire_mesh_ping_req *m)
{
	struct cursor c;

	cur_body(&c, b, len);
	m->seq = cursor_u32(&c);
	m->target = cur_id(&c);
	return cursor_end(&c);
}

int wire_mesh_parse_suspect(const uint8_t *b, size_t len,
			    struct wire_mesh_suspect *m)
{
	struct cursor c;

	cur_body(&c, b, len);
	m->state = cursor_u8(&c);
	m->target = cur_id(&c);
	m->incarnation = cursor_u64(&c);
	m->reporter = cur_id(&c);
	cursor_require(&c, m->state == WIRE_MESH_STATE_SUSPECT ||
		       m->state == WIRE_MESH_STATE_DEAD);
	if (!c.bad)
		cursor_require(&c, memcmp(m->target, m->reporter, ID) != 0);
	return cursor_end(&c);
}

int wire_mesh_parse_probe(const uint8_t *b, size_t len,
			  struct wire_mesh_probe *m)
{
	struct cursor c;

	cur_body(&c, b, len);
	m->seq = cursor_u32(&c);
	m->timestamp = cursor_u64(&c);
	m->held_us = 0;
	return cursor_end(&c);
}

int wire_mesh_parse_echo(const uint8_t *b, size_t len,
			 struct wire_mesh_probe *m)
{
	struct cursor c;

	cur_body(&c, b, len);
	m->seq = cursor_u32(&c);
	m->timestamp = cursor_u64(&c);
	m->held_us = cursor_u32(&c);
	return cursor_end(&c);
}

int wire_mesh_parse_route_update(const uint8_t *b, size_t len,
				 struct wire_mesh_route_update *m)
{
	struct cursor c;
	unsigned int i;

	cur_body(&c, b, len);
	m->interval = cursor_u16(&c);
	m->n = cursor_u8(&c);
	cursor_require(&c, m->n >= 1 && m->n <= WIRE_MESH_MAX_ROUTE_ENTRIES);
	for (i = 0; !c.bad && i < m->n; i++) {
		m->e[i].origin = cur_id(&c);
		m->e[i].seqno = cursor_u16(&c);
		m->e[i].metric = cursor_u16(&c);
		m->e[i].flags = cursor_u8(&c);
	}
	return cursor_end(&c);
}

int wire_mesh_parse_seqno_request(const uint8_t *b, size_t len,
				  struct wire_mesh_seqno_request *m)
{
	struct cursor c;

	cur_body(&c, b, len);
	m->origin = cur_id(&c);
	m->seqno = cursor_u16(&c);
	m->hop_count = cursor_u8(&c);
	m->requester = cur_id(&c);
	cursor_require(&c, m->hop_count != 0);
	if (!c.bad)
		cursor_require(&c, memcmp(m->origin, m->requester, ID) != 0);
	return cursor_end(&c);
}

int wire_mesh_parse_revocation_version(const uint8_t *b, size_t len,
				       uint64_t *version)
{
	struct cursor c;

	cur_body(&c, b, len);
	*version = cursor_u64(&c);
	return cursor_end(&c);
}

static uint32_t object_max(uint8_t kind)
{
	switch (kind) {
	case WIRE_MESH_OBJ_CERT:
		return WIRE_MAX_CERT;
	case WIRE_MESH_OBJ_CRL:
		return WIRE_MESH_MAX_CRL;
	default:
		return 0;
	}
}

int wire_mesh_parse_object_chunk(const uint8_t *b, size_t len,
				 struct wire_mesh_object_chunk *m)
{
	struct cursor c;

	cur_body(&c, b, len);
	m->kind = cursor_u8(&c);
	m->key = cur_id(&c);
	m->total = cursor_u32(&c);
	m->offset = cursor_u32(&c);
	m->data = cur_data(&c, &m->data_len);
	cursor_require(&c, m->total >= 1 && m->total <= object_max(m->kind) &&
		       m->offset < m->total &&
		       m->data_len <= m->total - m->offset);
	return cursor_end(&c);
}

int wire_mesh_parse_object_request(const uint8_t *b, size_t len,
				   struct wire_mesh_object_request *m)
{
	struct cursor c;
	uint32_t max;

	cur_body(&c, b, len);
	m->kind = cursor_u8(&c);
	m->key = cur_id(&c);
	m->offset = cursor_u32(&c);
	m->length = cursor_u32(&c);
	max = object_max(m->kind);
	cursor_require(&c, m->offset < max && m->length <= max - m->offset);
	if (!c.bad && cursor_all_zero(m->key, ID))
		cursor_require(&c, m->kind == WIRE_MESH_OBJ_CRL && !m->offset);
	return cursor_end(&c);
}

/* The control header at the start of a relayed handshake packet. */
static bool relayed_hdr_ok(const uint8_t *p, uint16_t total)
{
	uint8_t hdr[WIRE_HDR_LEN];
	struct wire_hdr h;

	/* wire_parse_hdr() on the header alone, its body length set to 0. */
	memcpy(hdr, p, sizeof(hdr));
	hdr[WIRE_HDR_LEN - 2] = 0;
	hdr[WIRE_HDR_LEN - 1] = 0;
	if (wire_parse_hdr(hdr, sizeof(hdr), &h))
		return false;
	if (h.msg != WIRE_MSG_INIT && h.msg != WIRE_MSG_RESP &&
	    h.msg != WIRE_MSG_CONFIRM)
		return false;
	return cursor_get_be16(p + WIRE_HDR_LEN - 2) == total - WIRE_HDR_LEN;
}

int wire_mesh_parse_relayed_hs(const uint8_t *b, size_t len,
			       struct wire_mesh_relayed_hs *m)
{
	struct cursor c;

	cur_body(&c, b, len);
	m->hop_limit = cursor_u8(&c);
	m->src = cur_id(&c);
	m->dst = cur_id(&c);
	m->packet_id = cursor_u32(&c);
	m->total = cursor_u16(&c);
	m->offset = cursor_u16(&c);
	m->data = cur_data(&c, &m->data_len);
	cursor_require(&c, m->hop_limit >= 1 &&
		       m->hop_limit <= WIRE_MESH_MAX_HOPS &&
		       m->total >= WIRE_HDR_LEN &&
		       m->total <= WIRE_MAX_DATAGRAM &&
		       m->offset < m->total &&
		       m->data_len <= (size_t)(m->total - m->offset));
	if (c.bad)
		return -EBADMSG;
	if (!memcmp(m->src, m->dst, ID))
		return -EBADMSG;
	if (m->offset == 0 && (m->data_len < WIRE_HDR_LEN ||
			       !relayed_hdr_ok(m->data, m->total)))
		return -EBADMSG;
	return cursor_end(&c);
}

int wire_mesh_check_body(unsigned int type, const uint8_t *b, size_t len)
{
	union wire_mesh_body u;

	switch (type) {
	case WIRE_MESH_NODE_RECORD:
		return wire_mesh_parse_record(b, len, &u.rec);
	case WIRE_MESH_RECORD_REQUEST:
		return wire_mesh_parse_record_request(b, len, &u.rreq);
	case WIRE_MESH_DIGEST_SUMMARY:
		return wire_mesh_parse_digest_summary(b, len, &u.sum);
	case WIRE_MESH_DIGEST_BUCKETS:
		return wire_mesh_parse_digest_buckets(b, len, &u.buckets);
	case WIRE_MESH_DIGEST_ENTRIES:
		return wire_mesh_parse_digest_entries(b, len, &u.entries);
	case WIRE_MESH_DIGEST_REQUEST:
		return wire_mesh_parse_digest_request(b, len, &u.dreq);
	case WIRE_MESH_PING:
		return wire_mesh_parse_ping(b, len, &u.ping);
	case WIRE_MESH_ACK:
		return wire_mesh_parse_ack(b, len, &u.ack);
	case WIRE_MESH_PING_REQ:
		return wire_mesh_parse_ping_req(b, len, &u.preq);
	case WIRE_MESH_SUSPECT:
		return wire_mesh_parse_suspect(b, len, &u.sus);
	case WIRE_MESH_PROBE:
		return wire_mesh_parse_probe(b, len, &u.probe);
	case WIRE_MESH_ECHO:
		return wire_mesh_parse_echo(b, len, &u.probe);
	case WIRE_MESH_ROUTE_UPDATE:
		return wire_mesh_parse_route_update(b, len, &u.ru);
	case WIRE_MESH_ROUTE_SEQNO_REQUEST:
		return wire_mesh_parse_seqno_request(b, len, &u.sreq);
	case WIRE_MESH_REVOCATION_VERSION:
		return wire_mesh_parse_revocation_version(b, len, &u.version);
	case WIRE_MESH_OBJECT_CHUNK:
		return wire_mesh_parse_object_chunk(b, len, &u.chunk);
	case WIRE_MESH_OBJECT_REQUEST:
		return wire_mesh_parse_object_request(b, len, &u.oreq);
	case WIRE_MESH_RELAYED_HANDSHAKE:
		return wire_mesh_parse_relayed_hs(b, len, &u.rhs);
	default:
		return 0;
	}
}

/* ---- encoding ---------------------------------------------------------- */

void wire_mesh_buf_init(struct wire_mesh_buf *w, void *mem, size_t cap)
{
	w->data = mem;
	w->cap = mem ? cap : 0;
	w->len = 0;
	w->overflow = false;
}

static uint8_t *put_reserve(struct wire_mesh_buf *w, size_t n)
{
	uint8_t *p;

	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return NULL;
	}
	p = w->data + w->len;
	w->len += n;
	return p;
}

static void put_u8(struct wire_mesh_buf *w, uint8_t v)
{
	uint8_t *p = put_reserve(w, 1);

	if (p)
		p[0] = v;
}

static void put_u16(struct wire_mesh_buf *w, uint16_t v)
{
	uint8_t *p = put_reserve(w, 2);

	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

static void put_u32(struct wire_mesh_buf *w, uint32_t v)
{
	uint8_t *p = put_reserve(w, 4);
	int i;

	if (!p)
		return;
	for (i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_u64(struct wire_mesh_buf *w, uint64_t v)
{
	put_u32(w, (uint32_t)(v >> 32));
	put_u32(w, (uint32_t)v);
}

static void put_bytes(struct wire_mesh_buf *w, const void *src, size_t n)
{
	uint8_t *p = put_reserve(w, n);

	if (p && n)
		memcpy(p, src, n);
}

/* An id; NULL (a caller's mistake) is written as zeros, then refused. */
static void put_id(struct wire_mesh_buf *w, const uint8_t *id)
{
	uint8_t *p = put_reserve(w, ID);

	if (!p)
		return;
	if (id)
		memcpy(p, id, ID);
	else
		memset(p, 0, ID);
}

/* A family the parser refuses (0) when it is neither. */
static uint8_t put_family(int family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6)
		return 6;
	return 0;
}

static void put_addr(struct wire_mesh_buf *w, const struct aegis_addr *a)
{
	put_bytes(w, a->u.bytes, aegis_addr_len(a->family));
}

/*
 * Encode-then-check: a message is written, then parsed back. Either the
 * writing overflowed (-EMSGSIZE) or the parser refuses it (-EINVAL); in
 * both cases the buffer goes back to start.
 */
static int put_done(struct wire_mesh_buf *w, size_t start, int parsed)
{
	if (w->overflow) {
		w->len = start;
		w->overflow = false;
		return -EMSGSIZE;
	}
	if (parsed) {
		w->len = start;
		return -EINVAL;
	}
	return 0;
}

/* ---- signed objects ---------------------------------------------------- */

int wire_mesh_record_build(struct wire_mesh_buf *w,
			   const struct wire_mesh_record *m)
{
	struct wire_mesh_record chk;
	struct cursor c;
	unsigned int i;

	w->len = 0;
	w->overflow = false;
	if (m->n_endpoints > WIRE_MESH_MAX_ENDPOINTS ||
	    m->prefixes.n > WIRE_MAX_ROUTES)
		return -EINVAL;
	put_u8(w, WIRE_MESH_REC_MAGIC);
	put_u8(w, WIRE_MESH_FORMAT);
	put_id(w, m->origin);
	put_u64(w, m->seq);
	put_u64(w, m->expiry);
	put_u32(w, m->roles);
	put_u8(w, m->flags);
	put_u16(w, m->cert_len);
	put_id(w, m->cert_hash);
	put_u8(w, (uint8_t)m->n_endpoints);
	for (i = 0; i < m->n_endpoints; i++) {
		const struct wire_mesh_endpoint *e = &m->ep[i];

		put_u8(w, put_family(e->addr.family));
		put_u8(w, e->kind);
		put_u16(w, e->port);
		put_addr(w, &e->addr);
	}
	put_u8(w, (uint8_t)m->prefixes.n);
	for (i = 0; i < m->prefixes.n; i++) {
		const struct aegis_prefix *p = &m->prefixes.p[i];

		put_u8(w, put_family(p->addr.family));
		put_u8(w, p->len);
		put_addr(w, &p->addr);
	}
	if (w->overflow)
		return put_done(w, 0, 0);
	cursor_init(&c, w->data, w->len, w->len);
	cur_record_span(&c, &chk);
	if (put_done(w, 0, cursor_end(&c)))
		return -EINVAL;
	/* Room left for a signature of at least one byte. */
	if (w->len + 3 > WIRE_MESH_MAX_RECORD) {
		w->len = 0;
		return -EMSGSIZE;
	}
	return 0;
}

/* Append u16 sig_len | sig to a built span; max: the object's limit. */
static int add_sig(struct wire_mesh_buf *w, const uint8_t *sig,
		   size_t sig_len, size_t max)
{
	size_t start = w->len;

	if (!start || !sig || !sig_len || sig_len > WIRE_MAX_SIG)
		return -EINVAL;
	if (start + 2 + sig_len > max)
		return -EMSGSIZE;
	w->overflow = false;
	put_u16(w, (uint16_t)sig_len);
	put_bytes(w, sig, sig_len);
	return put_done(w, start, 0);
}

int wire_mesh_record_add_sig(struct wire_mesh_buf *w, const uint8_t *sig,
			     size_t sig_len)
{
	return add_sig(w, sig, sig_len, WIRE_MESH_MAX_RECORD);
}

size_t wire_mesh_record_len(const struct wire_mesh_record *m, size_t sig_len)
{
	uint8_t tmp[WIRE_MESH_MAX_RECORD];
	struct wire_mesh_buf w;

	if (!sig_len || sig_len > WIRE_MAX_SIG)
		return 0;
	wire_mesh_buf_init(&w, tmp, sizeof(tmp));
	if (wire_mesh_record_build(&w, m) ||
	    w.len + 2 + sig_len > WIRE_MESH_MAX_RECORD)
		return 0;
	return w.len + 2 + sig_len;
}

int wire_mesh_crl_build(struct wire_mesh_buf *w, const struct wire_mesh_crl *m)
{
	struct wire_mesh_crl chk;
	struct cursor c;

	w->len = 0;
	w->overflow = false;
	if (m->n > WIRE_MESH_MAX_REVOKED || (m->n && !m->ids))
		return -EINVAL;
	put_u8(w, WIRE_MESH_CRL_MAGIC);
	put_u8(w, WIRE_MESH_FORMAT);
	put_id(w, m->issuer);
	put_u64(w, m->version);
	put_u64(w, m->issued);
	put_u64(w, m->next_update);
	put_u16(w, (uint16_t)m->n);
	put_bytes(w, m->ids, (size_t)m->n * ID);
	if (w->overflow)
		return put_done(w, 0, 0);
	cursor_init(&c, w->data, w->len, w->len);
	cur_crl_span(&c, &chk);
	return put_done(w, 0, cursor_end(&c));
}

int wire_mesh_crl_add_sig(struct wire_mesh_buf *w, const uint8_t *sig,
			  size_t sig_len)
{
	return add_sig(w, sig, sig_len, WIRE_MESH_MAX_CRL);
}

/* ---- bundles ----------------------------------------------------------- */

int wire_mesh_bundle_init(struct wire_mesh_buf *b, void *mem, size_t mtu)
{
	wire_mesh_buf_init(b, NULL, 0);
	if (!mem || mtu < WIRE_MESH_MIN_MTU || mtu > WIRE_MESH_MAX_MTU)
		return -EINVAL;
	wire_mesh_buf_init(b, mem, mtu);
	return 0;
}

size_t wire_mesh_bundle_room(const struct wire_mesh_buf *b)
{
	size_t left = b->cap - b->len;

	if (b->len > b->cap || left <= WIRE_MESH_TLV_HDR)
		return 0;
	left -= WIRE_MESH_TLV_HDR;
	return left < WIRE_MESH_MAX_BODY ? left : WIRE_MESH_MAX_BODY;
}

static size_t room_after(const struct wire_mesh_buf *b, size_t fixed)
{
	size_t room = wire_mesh_bundle_room(b);

	return room > fixed ? room - fixed : 0;
}

size_t wire_mesh_chunk_room(const struct wire_mesh_buf *b)
{
	return room_after(b, WIRE_MESH_CHUNK_FIXED);
}

size_t wire_mesh_relay_room(const struct wire_mesh_buf *b)
{
	return room_after(b, WIRE_MESH_RELAY_FIXED);
}

/* Reserve the TLV header; the body follows. */
static size_t tlv_begin(struct wire_mesh_buf *b)
{
	size_t start = b->len;

	b->overflow = false;
	put_reserve(b, WIRE_MESH_TLV_HDR);
	return start;
}

/* Fill in the header and check the body with its parser. */
static int tlv_end(struct wire_mesh_buf *b, size_t start, unsigned int type)
{
	const uint8_t *body;
	size_t len;

	if (b->overflow)
		return put_done(b, start, 0);
	body = b->data + start + WIRE_MESH_TLV_HDR;
	len = b->len - start - WIRE_MESH_TLV_HDR;
	if (len > WIRE_MESH_MAX_BODY)
		return put_done(b, start, -EBADMSG);
	b->data[start] = (uint8_t)type;
	b->data[start + 1] = (uint8_t)(len >> 8);
	b->data[start + 2] = (uint8_t)len;
	return put_done(b, start, wire_mesh_check_body(type, body, len));
}

int wire_mesh_bundle_add(struct wire_mesh_buf *b, unsigned int type,
			 const uint8_t *body, size_t len)
{
	size_t start;

	if (type == 0 || type > 0xff || len > WIRE_MESH_MAX_BODY ||
	    (len && !body))
		return -EINVAL;
	start = tlv_begin(b);
	put_bytes(b, body, len);
	return tlv_end(b, start, type);
}

int wire_mesh_put_record_request(struct wire_mesh_buf *b,
				 const struct wire_mesh_record_request *m)
{
	size_t start;
	unsigned int i;

	if (m->n > WIRE_MESH_MAX_REQUESTS)
		return -EINVAL;
	start = tlv_begin(b);
	put_u8(b, (uint8_t)m->n);
	for (i = 0; i < m->n; i++) {
		put_id(b, m->e[i].origin);
		put_u64(b, m->e[i].have_seq);
		put_u8(b, m->e[i].want);
	}
	return tlv_end(b, start, WIRE_MESH_RECORD_REQUEST);
}

int wire_mesh_put_digest_summary(struct wire_mesh_buf *b,
				 const struct wire_mesh_digest_summary *m)
{
	size_t start;

	if (!m->set_hash)
		return -EINVAL;
	start = tlv_begin(b);
	put_u32(b, m->members);
	put_bytes(b, m->set_hash, WIRE_MESH_SET_HASH_LEN);
	return tlv_end(b, start, WIRE_MESH_DIGEST_SUMMARY);
}

int wire_mesh_put_digest_buckets(struct wire_mesh_buf *b,
				 const struct wire_mesh_digest_buckets *m)
{
	size_t start;
	unsigned int i;

	if (m->n > WIRE_MESH_MAX_DIGEST_BUCKETS)
		return -EINVAL;
	for (i = 0; i < m->n; i++)
		if (!m->b[i].hash)
			return -EINVAL;
	start = tlv_begin(b);
	put_u8(b, m->first);
	put_u8(b, (uint8_t)m->n);
	for (i = 0; i < m->n; i++) {
		put_u16(b, m->b[i].members);
		put_bytes(b, m->b[i].hash, WIRE_MESH_BUCKET_HASH_LEN);
	}
	return tlv_end(b, start, WIRE_MESH_DIGEST_BUCKETS);
}

int wire_mesh_put_digest_entries(struct wire_mesh_buf *b,
				 const struct wire_mesh_digest_entries *m)
{
	size_t start;
	unsigned int i;

	if (m->n > WIRE_MESH_MAX_DIGEST_ENTRIES)
		return -EINVAL;
	start = tlv_begin(b);
	put_u8(b, m->first_bucket);
	put_u8(b, m->last_bucket);
	put_u32(b, m->total);
	put_u32(b, m->offset);
	put_u8(b, (uint8_t)m->n);
	for (i = 0; i < m->n; i++) {
		put_id(b, m->e[i].origin);
		put_u64(b, m->e[i].seq);
	}
	return tlv_end(b, start, WIRE_MESH_DIGEST_ENTRIES);
}

int wire_mesh_put_digest_request(struct wire_mesh_buf *b,
				 const struct wire_mesh_digest_request *m)
{
	size_t start = tlv_begin(b);

	put_u8(b, m->what);
	put_u8(b, m->first);
	put_u8(b, m->last);
	put_u32(b, m->offset);
	return tlv_end(b, start, WIRE_MESH_DIGEST_REQUEST);
}

int wire_mesh_put_ping(struct wire_mesh_buf *b, const struct wire_mesh_ping *m)
{
	size_t start = tlv_begin(b);

	put_u32(b, m->seq);
	put_u64(b, m->incarnation);
	return tlv_end(b, start, WIRE_MESH_PING);
}

int wire_mesh_put_ack(struct wire_mesh_buf *b, const struct wire_mesh_ack *m)
{
	size_t start;

	if (!m->target)
		return -EINVAL;
	start = tlv_begin(b);
	put_u32(b, m->seq);
	put_u8(b, m->flags);
	put_u64(b, m->incarnation);
	put_id(b, m->target);
	return tlv_end(b, start, WIRE_MESH_ACK);
}

int wire_mesh_put_ping_req(struct wire_mesh_buf *b,
			   const struct wire_mesh_ping_req *m)
{
	size_t start;

	if (!m->target)
		return -EINVAL;
	start = tlv_begin(b);
	put_u32(b, m->seq);
	put_id(b, m->target);
	return tlv_end(b, start, WIRE_MESH_PING_REQ);
}

int wire_mesh_put_suspect(struct wire_mesh_buf *b,
			  const struct wire_mesh_suspect *m)
{
	size_t start;

	if (!m->target || !m->reporter)
		return -EINVAL;
	start = tlv_begin(b);
	put_u8(b, m->state);
	put_id(b, m->target);
	put_u64(b, m->incarnation);
	put_id(b, m->reporter);
	return tlv_end(b, start, WIRE_MESH_SUSPECT);
}

int wire_mesh_put_probe(struct wire_mesh_buf *b,
			const struct wire_mesh_probe *m)
{
	size_t start = tlv_begin(b);

	put_u32(b, m->seq);
	put_u64(b, m->timestamp);
	return tlv_end(b, start, WIRE_MESH_PROBE);
}

int wire_mesh_put_echo(struct wire_mesh_buf *b, const struct wire_mesh_probe *m)
{
	size_t start = tlv_begin(b);

	put_u32(b, m->seq);
	put_u64(b, m->timestamp);
	put_u32(b, m->held_us);
	return tlv_end(b, start, WIRE_MESH_ECHO);
}

int wire_mesh_put_route_update(struct wire_mesh_buf *b,
			       const struct wire_mesh_route_update *m)
{
	size_t start;
	unsigned int i;

	if (m->n > WIRE_MESH_MAX_ROUTE_ENTRIES)
		return -EINVAL;
	start = tlv_begin(b);
	put_u16(b, m->interval);
	put_u8(b, (uint8_t)m->n);
	for (i = 0; i < m->n; i++) {
		put_id(b, m->e[i].origin);
		put_u16(b, m->e[i].seqno);
		put_u16(b, m->e[i].metric);
		put_u8(b, m->e[i].flags);
	}
	return tlv_end(b, start, WIRE_MESH_ROUTE_UPDATE);
}

int wire_mesh_put_seqno_request(struct wire_mesh_buf *b,
				const struct wire_mesh_seqno_request *m)
{
	size_t start;

	if (!m->origin || !m->requester)
		return -EINVAL;
	start = tlv_begin(b);
	put_id(b, m->origin);
	put_u16(b, m->seqno);
	put_u8(b, m->hop_count);
	put_id(b, m->requester);
	return tlv_end(b, start, WIRE_MESH_ROUTE_SEQNO_REQUEST);
}

int wire_mesh_put_revocation_version(struct wire_mesh_buf *b,
				     uint64_t version)
{
	size_t start = tlv_begin(b);

	put_u64(b, version);
	return tlv_end(b, start, WIRE_MESH_REVOCATION_VERSION);
}

int wire_mesh_put_object_chunk(struct wire_mesh_buf *b,
			       const struct wire_mesh_object_chunk *m)
{
	size_t start;

	if (!m->key || !m->data || !m->data_len ||
	    m->data_len > WIRE_MESH_MAX_BODY - WIRE_MESH_CHUNK_FIXED)
		return -EINVAL;
	start = tlv_begin(b);
	put_u8(b, m->kind);
	put_id(b, m->key);
	put_u32(b, m->total);
	put_u32(b, m->offset);
	put_u16(b, (uint16_t)m->data_len);
	put_bytes(b, m->data, m->data_len);
	return tlv_end(b, start, WIRE_MESH_OBJECT_CHUNK);
}

int wire_mesh_put_object_request(struct wire_mesh_buf *b,
				 const struct wire_mesh_object_request *m)
{
	size_t start;

	if (!m->key)
		return -EINVAL;
	start = tlv_begin(b);
	put_u8(b, m->kind);
	put_id(b, m->key);
	put_u32(b, m->offset);
	put_u32(b, m->length);
	return tlv_end(b, start, WIRE_MESH_OBJECT_REQUEST);
}

int wire_mesh_put_relayed_hs(struct wire_mesh_buf *b,
			     const struct wire_mesh_relayed_hs *m)
{
	size_t start;

	if (!m->src || !m->dst || !m->data || !m->data_len ||
	    m->data_len > WIRE_MESH_MAX_BODY - WIRE_MESH_RELAY_FIXED)
		return -EINVAL;
	start = tlv_begin(b);
	put_u8(b, m->hop_limit);
	put_id(b, m->src);
	put_id(b, m->dst);
	put_u32(b, m->packet_id);
	put_u16(b, m->total);
	put_u16(b, m->offset);
	put_u16(b, (uint16_t)m->data_len);
	put_bytes(b, m->data, m->data_len);
	return tlv_end(b, start, WIRE_MESH_RELAYED_HANDSHAKE);
}

/* ---- reading bundles --------------------------------------------------- */

void wire_mesh_reader_init(struct wire_mesh_reader *r, const uint8_t *buf,
			   size_t len)
{
	r->buf = buf;
	r->len = buf ? len : 0;
	r->off = 0;
	r->bad = len > WIRE_MESH_MAX_MTU || (!buf && len);
}

int wire_mesh_bundle_next(struct wire_mesh_reader *r, struct wire_mesh_tlv *t)
{
	size_t left, n;
	const uint8_t *p;

	if (r->bad)
		return -EBADMSG;
	if (r->off == r->len)
		return 0;
	left = r->len - r->off;
	p = r->buf + r->off;
	if (left < WIRE_MESH_TLV_HDR)
		goto bad;
	n = cursor_get_be16(p + 1);
	if (p[0] == 0 || n > WIRE_MESH_MAX_BODY ||
	    n > left - WIRE_MESH_TLV_HDR)
		goto bad;
	t->type = p[0];
	t->body = p + WIRE_MESH_TLV_HDR;
	t->len = n;
	r->off += WIRE_MESH_TLV_HDR + n;
	return 1;
bad:
	r->bad = true;
	return -EBADMSG;
}

int wire_mesh_bundle_check(const uint8_t *buf, size_t len)
{
	struct wire_mesh_reader r;
	struct wire_mesh_tlv t;
	int ret, n = 0;

	wire_mesh_reader_init(&r, buf, len);
	while ((ret = wire_mesh_bundle_next(&r, &t)) > 0) {
		if (wire_mesh_check_body(t.type, t.body, t.len))
			return -EBADMSG;
		n++;
	}
	if (ret < 0 || n == 0)
		return -EBADMSG;
	return n;
}
