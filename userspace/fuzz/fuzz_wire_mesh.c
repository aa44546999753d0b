// SPDX-License-Identifier: MIT
/*
 * Fuzzes the mesh codecs of wire/wire_mesh.c. The first byte picks what
 * the rest is:
 *
 *   0  a bundle: wire_mesh_bundle_check(), and the TLVs one by one with
 *      the reader and the parser of each type;
 *   1  a revocation list (wire_mesh_parse_crl(), wire_mesh_crl_span(),
 *      wire_mesh_crl_contains());
 *   2  a node record (wire_mesh_parse_record(), wire_mesh_record_span(),
 *      wire_mesh_record_len());
 *   3  one message body: a type byte, then the body (every
 *      wire_mesh_parse_*() through wire_mesh_check_body()).
 *
 * Checks: the bundle check agrees with walking the TLVs and parsing each
 * body; every body, record and list that parses encodes back with the
 * builders (wire_mesh_put_*(), *_build() and *_add_sig()) to the same
 * bytes, and a bundle rebuilt from its TLVs is the input; signed spans
 * end where the signature field starts; a list contains each of its ids
 * and, by binary search, exactly what a linear search finds.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "wire/wire_mesh.h"

#define ID	WIRE_MESH_ID_LEN

static uint8_t out_mem[WIRE_MESH_MAX_MTU];

/*
 * Parse one body of a known type and put the result into bundle b with
 * the type's encoder. Returns the parser's verdict; when it accepted the
 * body, the encoder must succeed. Unknown types go in as they are.
 */
static int parse_and_put(struct wire_mesh_buf *b, unsigned int type,
			 const uint8_t *body, size_t len)
{
	union wire_mesh_body u;
	int ret, put;

	switch (type) {
	case WIRE_MESH_NODE_RECORD:
		ret = wire_mesh_parse_record(body, len, &u.rec);
		put = ret ? 0 : wire_mesh_bundle_add(b, type, body, len);
		break;
	case WIRE_MESH_RECORD_REQUEST:
		ret = wire_mesh_parse_record_request(body, len, &u.rreq);
		put = ret ? 0 : wire_mesh_put_record_request(b, &u.rreq);
		break;
	case WIRE_MESH_DIGEST_SUMMARY:
		ret = wire_mesh_parse_digest_summary(body, len, &u.sum);
		put = ret ? 0 : wire_mesh_put_digest_summary(b, &u.sum);
		break;
	case WIRE_MESH_DIGEST_BUCKETS:
		ret = wire_mesh_parse_digest_buckets(body, len, &u.buckets);
		put = ret ? 0 : wire_mesh_put_digest_buckets(b, &u.buckets);
		break;
	case WIRE_MESH_DIGEST_ENTRIES:
		ret = wire_mesh_parse_digest_entries(body, len, &u.entries);
		put = ret ? 0 : wire_mesh_put_digest_entries(b, &u.entries);
		break;
	case WIRE_MESH_DIGEST_REQUEST:
		ret = wire_mesh_parse_digest_request(body, len, &u.dreq);
		put = ret ? 0 : wire_mesh_put_digest_request(b, &u.dreq);
		break;
	case WIRE_MESH_PING:
		ret = wire_mesh_parse_ping(body, len, &u.ping);
		put = ret ? 0 : wire_mesh_put_ping(b, &u.ping);
		break;
	case WIRE_MESH_ACK:
		ret = wire_mesh_parse_ack(body, len, &u.ack);
		put = ret ? 0 : wire_mesh_put_ack(b, &u.ack);
		break;
	case WIRE_MESH_PING_REQ:
		ret = wire_mesh_parse_ping_req(body, len, &u.preq);
		put = ret ? 0 : wire_mesh_put_ping_req(b, &u.preq);
		break;
	case WIRE_MESH_SUSPECT:
		ret = wire_mesh_parse_suspect(body, len, &u.sus);
		put = ret ? 0 : wire_mesh_put_suspect(b, &u.sus);
		break;
	case WIRE_MESH_PROBE:
		ret = wire_mesh_parse_probe(body, len, &u.probe);
		put = ret ? 0 : wire_mesh_put_probe(b, &u.probe);
		break;
	case WIRE_MESH_ECHO:
		ret = wire_mesh_parse_echo(body, len, &u.probe);
		put = ret ? 0 : wire_mesh_put_echo(b, &u.probe);
		break;
	case WIRE_MESH_ROUTE_UPDATE:
		ret = wire_mesh_parse_route_update(body, len, &u.ru);
		put = ret ? 0 : wire_mesh_put_route_update(b, &u.ru);
		break;
	case WIRE_MESH_ROUTE_SEQNO_REQUEST:
		ret = wire_mesh_parse_seqno_request(body, len, &u.sreq);
		put = ret ? 0 : wire_mesh_put_seqno_request(b, &u.sreq);
		break;
	case WIRE_MESH_REVOCATION_VERSION:
		ret = wire_mesh_parse_revocation_version(body, len, &u.version);
		put = ret ? 0 : wire_mesh_put_revocation_version(b, u.version);
		break;
	case WIRE_MESH_OBJECT_CHUNK:
		ret = wire_mesh_parse_object_chunk(body, len, &u.chunk);
		if (!ret)
			FUZZ_CHECK(u.chunk.offset + u.chunk.data_len <=
				   u.chunk.total);
		put = ret ? 0 : wire_mesh_put_object_chunk(b, &u.chunk);
		break;
	case WIRE_MESH_OBJECT_REQUEST:
		ret = wire_mesh_parse_object_request(body, len, &u.oreq);
		put = ret ? 0 : wire_mesh_put_object_request(b, &u.oreq);
		break;
	case WIRE_MESH_RELAYED_HANDSHAKE:
		ret = wire_mesh_parse_relayed_hs(body, len, &u.rhs);
		if (!ret) {
			struct wire_hdr h;

			FUZZ_CHECK(u.rhs.offset + u.rhs.data_len <= u.rhs.total);
			FUZZ_CHECK(memcmp(u.rhs.src, u.rhs.dst, ID));
			if (!u.rhs.offset) {
				uint8_t hdr[WIRE_HDR_LEN];

				/* The piece at 0 starts a packet of total
				 * bytes whose header parses. */
				memcpy(hdr, u.rhs.data, WIRE_HDR_LEN);
				hdr[WIRE_HDR_LEN - 2] = 0;
				hdr[WIRE_HDR_LEN - 1] = 0;
				FUZZ_CHECK(!wire_parse_hdr(hdr, WIRE_HDR_LEN, &h));
			}
		}
		put = ret ? 0 : wire_mesh_put_relayed_hs(b, &u.rhs);
		break;
	default:
		ret = 0;
		put = wire_mesh_bundle_add(b, type, body, len);
		break;
	}
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG);
	FUZZ_CHECK(wire_mesh_check_body(type, body, len) == ret);
	FUZZ_CHECK(put == 0);
	return ret;
}

static void fuzz_bundle(const uint8_t *buf, size_t len)
{
	struct wire_mesh_reader r;
	struct wire_mesh_tlv t;
	struct wire_mesh_buf b;
	int check, ret, n = 0;
	bool bodies_ok = true;
	size_t mtu;

	check = wire_mesh_bundle_check(buf, len);
	mtu = len < WIRE_MESH_MIN_MTU ? WIRE_MESH_MIN_MTU : len;
	if (mtu > WIRE_MESH_MAX_MTU)
		mtu = WIRE_MESH_MAX_MTU;
	FUZZ_CHECK(!wire_mesh_bundle_init(&b, out_mem, mtu));

	wire_mesh_reader_init(&r, buf, len);
	while ((ret = wire_mesh_bundle_next(&r, &t)) > 0) {
		FUZZ_CHECK(t.type != 0 && t.len <= WIRE_MESH_MAX_BODY);
		FUZZ_CHECK(t.body >= buf && t.body + t.len <= buf + len);
		FUZZ_CHECK(strlen(wire_mesh_type_name(t.type)) > 0);
		if (parse_and_put(&b, t.type, t.body, t.len))
			bodies_ok = false;
		n++;
	}
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG);
	/* Once broken, the reader stays broken. */
	if (ret < 0)
		FUZZ_CHECK(wire_mesh_bundle_next(&r, &t) == -EBADMSG);
	if (ret == 0 && bodies_ok && n > 0) {
		FUZZ_CHECK(check == n);
		FUZZ_CHECK(b.len == len && !memcmp(b.data, buf, len));
	} else {
		FUZZ_CHECK(check == -EBADMSG);
	}
}

static void fuzz_crl(const uint8_t *buf, size_t len)
{
	static uint8_t mem[WIRE_MESH_MAX_CRL];
	uint8_t probe[ID];
	struct wire_mesh_crl m;
	struct wire_mesh_buf w;
	const uint8_t *sig;
	size_t span, sig_len;
	unsigned int i;

	if (wire_mesh_parse_crl(buf, len, &m)) {
		FUZZ_CHECK(wire_mesh_crl_span(buf, len, &span, &sig, &sig_len) ==
			   -EBADMSG);
		return;
	}
	FUZZ_CHECK(!wire_mesh_crl_span(buf, len, &span, &sig, &sig_len));
	FUZZ_CHECK(span == m.signed_len && sig == m.sig && sig_len == m.sig_len);
	FUZZ_CHECK(span + 2 + sig_len == len && sig == buf + span + 2);
	FUZZ_CHECK(m.n <= WIRE_MESH_MAX_REVOKED && m.version != 0 &&
		   m.next_update >= m.issued);

	for (i = 0; i < m.n; i++)
		FUZZ_CHECK(wire_mesh_crl_contains(&m, m.ids + (size_t)i * ID));
	/* An id next to each: binary search agrees with a linear one. */
	for (i = 0; i < m.n && i < 8; i++) {
		bool linear = false;
		unsigned int j;

		memcpy(probe, m.ids + (size_t)i * ID, ID);
		probe[ID - 1] ^= 1;
		for (j = 0; j < m.n; j++)
			if (!memcmp(m.ids + (size_t)j * ID, probe, ID))
				linear = true;
		FUZZ_CHECK(wire_mesh_crl_contains(&m, probe) == linear);
	}

	wire_mesh_buf_init(&w, mem, sizeof(mem));
	FUZZ_CHECK(!wire_mesh_crl_build(&w, &m));
	FUZZ_CHECK(w.len == m.signed_len);
	FUZZ_CHECK(!wire_mesh_crl_add_sig(&w, m.sig, m.sig_len));
	FUZZ_CHECK(w.len == len && !memcmp(mem, buf, len));
}

static void fuzz_record(const uint8_t *buf, size_t len)
{
	static uint8_t mem[WIRE_MESH_MAX_RECORD];
	struct wire_mesh_record m;
	struct wire_mesh_buf w;
	const uint8_t *sig;
	size_t span, sig_len;
	unsigned int i;

	if (wire_mesh_parse_record(buf, len, &m)) {
		FUZZ_CHECK(wire_mesh_record_span(buf, len, &span, &sig,
						 &sig_len) == -EBADMSG);
		return;
	}
	FUZZ_CHECK(!wire_mesh_record_span(buf, len, &span, &sig, &sig_len));
	FUZZ_CHECK(span == m.signed_len && sig == m.sig && sig_len == m.sig_len);
	FUZZ_CHECK(span + 2 + sig_len == len && sig == buf + span + 2);
	FUZZ_CHECK(m.seq && m.expiry && m.cert_len &&
		   m.cert_len <= WIRE_MAX_CERT);
	FUZZ_CHECK(m.n_endpoints <= WIRE_MESH_MAX_ENDPOINTS);
	for (i = 0; i < m.n_endpoints; i++)
		FUZZ_CHECK(m.ep[i].port && aegis_addr_len(m.ep[i].addr.family));
	for (i = 0; i < m.prefixes.n; i++)
		FUZZ_CHECK(aegis_prefix_valid(&m.prefixes.p[i]));
	if (m.flags & WIRE_MESH_REC_LEAVE)
		FUZZ_CHECK(!m.n_endpoints && !m.prefixes.n);

	FUZZ_CHECK(wire_mesh_record_len(&m, m.sig_len) == len);
	wire_mesh_buf_init(&w, mem, sizeof(mem));
	FUZZ_CHECK(!wire_mesh_record_build(&w, &m));
	FUZZ_CHECK(w.len == m.signed_len);
	FUZZ_CHECK(!wire_mesh_record_add_sig(&w, m.sig, m.sig_len));
	FUZZ_CHECK(w.len == len && !memcmp(mem, buf, len));
}

static void fuzz_body(const uint8_t *buf, size_t len)
{
	struct wire_mesh_buf b;

	if (len < 1)
		return;
	FUZZ_CHECK(!wire_mesh_bundle_init(&b, out_mem, WIRE_MESH_MAX_MTU));
	if (len - 1 > WIRE_MESH_MAX_BODY) {
		/* Too long for any bundle: only the parser is asked. */
		wire_mesh_check_body(buf[0], buf + 1, len - 1);
		return;
	}
	if (buf[0] == 0)
		return;
	if (parse_and_put(&b, buf[0], buf + 1, len - 1))
		return;
	FUZZ_CHECK(b.len == len + 2);
	FUZZ_CHECK(b.data[0] == buf[0]);
	FUZZ_CHECK(!memcmp(b.data + 3, buf + 1, len - 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		fuzz_bundle(data + 1, size - 1);
		break;
	case 1:
		fuzz_crl(data + 1, size - 1);
		break;
	case 2:
		fuzz_record(data + 1, size - 1);
		break;
	default:
		fuzz_body(data + 1, size - 1);
		break;
	}
	return 0;
}
