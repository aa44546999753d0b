// SPDX-License-Identifier: MIT
/*
 * Fuzzes the handshake processing of session/hs.c with the fixture's
 * identities (harness.h): bravo as the responder of INITs, alpha as the
 * initiator of the fixture's INIT receiving RESPs and COOKIEs, and a
 * responder holding fixed keys receiving CONFIRMs.
 *
 * Input: a flags byte, then a datagram.
 *   bits 0-1  0 INIT to bravo, 1 RESP to alpha, 2 CONFIRM, 3 COOKIE
 *   bit 2     fix mac1 for the receiver (as a sender that knows it would)
 *   bit 3     re-sign INIT (alpha's key) or RESP (bravo's key), when the
 *             signature field has the key's size: gets past the RSA check
 *             to the routes, the OAEP secret and the key schedule
 *
 * Checks: statuses within range and their names; on HS_OK the routes are
 * inside the peer's certificate and the keys are sane; failed calls leave
 * no keys and no output behind; a RESP made for an INIT parses and carries
 * a valid mac1; the fixture's INIT answered by bravo completes at alpha
 * with mirrored keys, and alpha's CONFIRM passes bravo's check; a COOKIE
 * for the INIT in flight yields an INIT whose mac2 verifies. LeakSanitizer
 * is on: every path must free what it took.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "harness.h"
#include "session/hs.h"
#include "trust/identity.h"
#include "wire/wire.h"

enum { ROLE_INIT, ROLE_RESP, ROLE_CONFIRM, ROLE_COOKIE };
#define F_FIX_MAC1	0x04
#define F_SIGN		0x08

static const struct fuzz_fixture *fx;
/* The CONFIRM check's keys (and the initiator's, unused). */
static struct hs_keys confirm_r, confirm_i;

static uint8_t buf[WIRE_MAX_DATAGRAM];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fx = fuzz_fixture();
	if (fuzz_confirm_keys(&confirm_r, &confirm_i))
		abort();
	return 0;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void check_status(enum hs_status st)
{
	FUZZ_CHECK(st < HS_STATUS_MAX);
	FUZZ_CHECK(strcmp(hs_status_str(st), "unknown handshake status"));
}

static void check_keys(const struct hs_keys *k)
{
	FUZZ_CHECK(k->cipher == AEGIS_CIPHER_AES_GCM ||
		   k->cipher == AEGIS_CIPHER_CHACHA20POLY1305);
	FUZZ_CHECK(k->key_id <= AEGIS_KEY_ID_MAX);
	FUZZ_CHECK(memcmp(k->enc_key, k->dec_key, AEGIS_KEY_LEN));
}

static void check_peer_routes(const struct hs_peer *peer)
{
	unsigned int i;

	FUZZ_CHECK(peer->routes.n <= WIRE_MAX_ROUTES);
	for (i = 0; i < peer->routes.n; i++)
		FUZZ_CHECK(cert_allows_prefix(&peer->cert, &peer->routes.p[i]));
}

/* Replace the signature at sig (sig_len bytes) over the spans with key's. */
static void resign(EVP_PKEY *key, const struct identity_span *s, size_t n,
		   const uint8_t *sig, size_t sig_len)
{
	if (sig_len != (size_t)EVP_PKEY_get_size(key))
		return;
	FUZZ_CHECK(!identity_sign(key, s, n, buf + (sig - buf), sig_len));
}

/*
 * The fixture's INIT answered by bravo with resp: alpha completes the
 * handshake with the keys bravo derived, mirrored, and bravo accepts
 * alpha's CONFIRM.
 */
static void complete_at_alpha(const struct wire_buf *resp,
			      const struct hs_keys *rk)
{
	struct hs_init_state st;
	struct wire_confirm c;
	struct hs_peer peer;
	struct hs_keys ik;
	struct wire_resp m;
	struct wire_buf w;
	enum hs_status s;

	FUZZ_CHECK(!fuzz_init_state_copy(fx, &st));
	FUZZ_CHECK(!wire_parse_resp(resp->data, resp->len, &m));
	s = hs_resp_consume(&fx->alpha.hs, &st, resp->data, resp->len, &m,
			    fx->now, &peer, &ik);
	FUZZ_CHECK(s == HS_OK);
	FUZZ_CHECK(!memcmp(ik.enc_key, rk->dec_key, AEGIS_KEY_LEN));
	FUZZ_CHECK(!memcmp(ik.dec_key, rk->enc_key, AEGIS_KEY_LEN));
	FUZZ_CHECK(!memcmp(ik.enc_salt, rk->dec_salt, AEGIS_NONCE_SALT_LEN));
	FUZZ_CHECK(!memcmp(ik.th, rk->th, sizeof(ik.th)));
	FUZZ_CHECK(ik.key_id == rk->key_id && ik.cipher == rk->cipher);
	FUZZ_CHECK(ik.rx_index == rk->tx_index && ik.tx_index == rk->rx_index);
	FUZZ_CHECK(!hs_confirm_create(&ik, &w));
	FUZZ_CHECK(!wire_parse_confirm(w.data, w.len, &c));
	FUZZ_CHECK(hs_confirm_check(rk, &c));
	hs_keys_wipe(&ik);
	hs_init_clear(&st);
}

static void on_init(uint8_t flags, size_t len)
{
	const struct fuzz_node *me = &fx->bravo;
	struct hs_peer peer;
	struct hs_keys keys;
	struct wire_init m;
	struct wire_buf out;
	enum hs_status st;
	int ret;

	if (wire_parse_init(buf, len, &m))
		return;
	if (flags & F_SIGN) {
		struct identity_span s = { buf, m.signed_len };

		resign(fx->alpha.key, &s, 1, m.sig, m.sig_len);
	}
	if (flags & (F_FIX_MAC1 | F_SIGN))
		FUZZ_CHECK(!hs_mac1_fill(me->id, buf, m.mac1_off));
	if (!hs_mac1_ok(me->id, buf, m.mac1_off, m.mac1))
		return;

	st = hs_init_verify(&me->hs, buf, len, &m, fx->now, &peer);
	check_status(st);
	if (st != HS_OK)
		return;
	FUZZ_CHECK(cert_allows_prefix(&peer.cert, &peer.cert.prefixes[0]) ||
		   !peer.cert.n_prefixes);
	check_peer_routes(&peer);
	FUZZ_CHECK(peer.timestamp == m.timestamp);

	ret = hs_resp_create(&me->hs, buf, len, &m, &peer, &out, &keys);
	if (ret) {
		/* Only a small-order X25519 key of the peer. */
		FUZZ_CHECK(ret == -EBADMSG);
		FUZZ_CHECK(out.len == 0 && all_zero(&keys, sizeof(keys)));
		return;
	}
	check_keys(&keys);
	FUZZ_CHECK(keys.tx_index == m.sender_index && keys.rx_index);
	{
		struct wire_resp r;

		FUZZ_CHECK(!wire_parse_resp(out.data, out.len, &r));
		FUZZ_CHECK(r.receiver_index == m.sender_index);
		FUZZ_CHECK(hs_mac1_ok(peer.cert.node_id, out.data, r.mac1_off,
				      r.mac1));
	}
	/* The fixture's INIT itself: alpha can finish the handshake. */
	if (m.mac1_off == fx->init.mac1_off &&
	    !memcmp(buf, fx->init.msg, m.mac1_off))
		complete_at_alpha(&out, &keys);
	hs_keys_wipe(&keys);
}

static void on_resp(uint8_t flags, size_t len)
{
	const struct fuzz_node *me = &fx->alpha;
	struct hs_init_state st;
	struct hs_peer peer;
	struct hs_keys keys;
	struct wire_resp m;
	struct wire_buf w;
	enum hs_status s;

	if (wire_parse_resp(buf, len, &m))
		return;
	if (flags & F_SIGN) {
		struct identity_span sp[2] = {
			{ fx->init.msg, fx->init.mac1_off },
			{ buf, m.signed_len },
		};

		resign(fx->bravo.key, sp, 2, m.sig, m.sig_len);
	}
	if (flags & (F_FIX_MAC1 | F_SIGN))
		FUZZ_CHECK(!hs_mac1_fill(me->id, buf, m.mac1_off));
	if (!hs_mac1_ok(me->id, buf, m.mac1_off, m.mac1))
		return;

	FUZZ_CHECK(!fuzz_init_state_copy(fx, &st));
	s = hs_resp_consume(&me->hs, &st, buf, len, &m, fx->now, &peer, &keys);
	check_status(s);
	if (m.receiver_index != st.sender_index)
		FUZZ_CHECK(s == HS_NO_MATCH);
	if (s != HS_OK) {
		FUZZ_CHECK(all_zero(&keys, sizeof(keys)));
		hs_init_clear(&st);
		return;
	}
	check_keys(&keys);
	check_peer_routes(&peer);
	FUZZ_CHECK(!memcmp(peer.cert.node_id, fx->init.responder_id,
			   AEGIS_NODE_ID_LEN));
	FUZZ_CHECK(keys.rx_index == st.sender_index &&
		   keys.tx_index == m.sender_index);
	FUZZ_CHECK(!hs_confirm_create(&keys, &w));
	{
		struct wire_confirm c;

		FUZZ_CHECK(!wire_parse_confirm(w.data, w.len, &c));
		FUZZ_CHECK(c.sender_index == keys.rx_index &&
			   c.receiver_index == keys.tx_index);
	}
	hs_keys_wipe(&keys);
	hs_init_clear(&st);
}

static void on_confirm(size_t len)
{
	struct wire_confirm m;
	bool ok;

	if (wire_parse_confirm(buf, len, &m))
		return;
	ok = hs_confirm_check(&confirm_r, &m);
	if (ok)
		FUZZ_CHECK(m.sender_index == confirm_r.tx_index &&
			   m.receiver_index == confirm_r.rx_index);
}

/* What session.c's on_cookie() does with the INIT in flight. */
static void on_cookie(size_t len)
{
	struct hs_init_state st;
	struct wire_cookie m;
	struct wire_init im;
	size_t mac2_off;

	if (wire_parse_cookie(buf, len, &m) ||
	    m.receiver_index != fx->init.sender_index ||
	    CRYPTO_memcmp(m.echo, fx->init.msg + fx->init.mac1_off,
			  WIRE_MAC_LEN))
		return;
	FUZZ_CHECK(!fuzz_init_state_copy(fx, &st));
	FUZZ_CHECK(!hs_init_add_cookie(&st, m.cookie));
	mac2_off = st.len - WIRE_MAC_LEN;
	/* Only mac2 changed, and it is the cookie's. */
	FUZZ_CHECK(st.len == fx->init.len &&
		   !memcmp(st.msg, fx->init.msg, mac2_off));
	FUZZ_CHECK(hs_mac2_ok(m.cookie, st.msg, mac2_off, st.msg + mac2_off));
	FUZZ_CHECK(!wire_parse_init(st.msg, st.len, &im));
	FUZZ_CHECK(hs_mac1_ok(fx->bravo.id, st.msg, im.mac1_off, im.mac1));
	hs_init_clear(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t flags;
	size_t len;

	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	flags = data[0];
	len = size - 1;
	memcpy(buf, data + 1, len);
	switch (flags & 3) {
	case ROLE_INIT:
		on_init(flags, len);
		break;
	case ROLE_RESP:
		on_resp(flags, len);
		break;
	case ROLE_CONFIRM:
		on_confirm(len);
		break;
	default:
		on_cookie(len);
		break;
	}
	return 0;
}
