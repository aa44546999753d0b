/* SPDX-License-Identifier: MIT */
/*
 * The handshake's cryptography (wire format: wire.h). Pure functions of
 * their inputs: no sockets, no timers, no peer table. The caller (peer.c)
 * does replay checks on timestamps, matching of in-flight initiations and
 * the DoS gate (cookie.h) before anything here runs an RSA operation.
 *
 *  1. initiator: hs_init_create()        -> INIT
 *  2. responder: hs_init_verify()        (certificate, signature, routes)
 *                hs_resp_create()        -> RESP, session keys
 *  3. initiator: hs_resp_consume()       -> session keys
 *                hs_confirm_create()     -> CONFIRM
 *  4. responder: hs_confirm_check()
 *
 * Key schedule:
 *   TH  = SHA-256(INIT[0, mac1) || RESP[0, mac1))
 *   IKM = X25519(eph_i, eph_r) || oaep_secret
 *   OKM = HKDF-SHA256(salt = TH, IKM, info = "aegisray v1 session", 181)
 *   OKM = key_i2r[32] | salt_i2r[4] | key_r2i[32] | salt_r2i[4] |
 *         confirm_key[32] | key_id[1] (& 7) | spare[4] |
 *         mesh_i2r[32] | mesh_salt_i2r[4] | mesh_r2i[32] | mesh_salt_r2i[4]
 *   The first four are the kernel's data keys; the mesh keys seal the
 *   session's mesh messages in the agent (chan/chan.h), so the kernel and
 *   the agent never share a key.
 */
#ifndef AGENT_SESSION_HS_H
#define AGENT_SESSION_HS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <linux/aegisray.h>

#include "trust/cert.h"
#include "trust/revoke.h"
#include "wire/wire.h"

#define HS_KDF_INFO	"aegisray v1 session"
#define HS_OKM_LEN	181

/* Why a handshake message was refused (each has a counter in peer.c). */
enum hs_status {
	HS_OK = 0,
	HS_MALFORMED,		/* does not parse */
	HS_BAD_MAC1,		/* mac1 wrong: not for us */
	HS_WRONG_RESPONDER,	/* INIT names another node */
	HS_CERT_WRONG_CA,
	HS_CERT_EXPIRED,	/* expired or not yet valid */
	HS_CERT_ID_MISMATCH,
	HS_CERT_BAD,		/* malformed certificate, bad key */
	HS_CERT_REVOKED,	/* on the CA's revocation list */
	HS_BAD_SIGNATURE,
	HS_ROUTE_NOT_ALLOWED,	/* a route outside the certificate */
	HS_NO_MATCH,		/* RESP/CONFIRM for nothing in flight */
	HS_REPLAY,		/* timestamp not newer (set by the caller) */
	HS_CRYPTO,		/* a local crypto failure */
	HS_STATUS_MAX,
};

const char *hs_status_str(enum hs_status st);
enum hs_status hs_status_from_cert(enum cert_status st);

/* This node, as the handshake needs it. Not owned. */
struct hs_local {
	EVP_PKEY *key;			/* identity (private) */
	const uint8_t *node_id;		/* 32 */
	const uint8_t *cert_der;
	size_t cert_len;
	X509 *ca;			/* the network CA */
	const struct revoke_list *revoked;	/* NULL: none */
	uint8_t cipher_pref;		/* enum aegis_cipher */
	const struct aegis_prefix *routes;	/* advertised */
	unsigned int n_routes;
};

/* What we learnt about the peer from a verified message. */
struct hs_peer {
	struct cert_info cert;
	struct wire_routes routes;
	uint64_t timestamp;		/* INIT only */
	uint8_t cipher_pref;		/* INIT only */
};

/* The result: what the kernel needs for one key (both directions). */
struct hs_keys {
	uint8_t cipher;
	uint8_t key_id;
	uint64_t rx_index;		/* ours */
	uint64_t tx_index;		/* the peer's */
	uint8_t enc_key[AEGIS_KEY_LEN];
	uint8_t enc_salt[AEGIS_NONCE_SALT_LEN];
	uint8_t dec_key[AEGIS_KEY_LEN];
	uint8_t dec_salt[AEGIS_NONCE_SALT_LEN];
	uint8_t confirm_key[32];
	uint8_t th[32];			/* transcript hash */
	uint8_t mesh_enc_key[32];	/* chan/: the mesh messages */
	uint8_t mesh_enc_salt[4];
	uint8_t mesh_dec_key[32];
	uint8_t mesh_dec_salt[4];
};

/* An initiation in flight (initiator side). hs_init_clear() frees it. */
struct hs_init_state {
	EVP_PKEY *eph;			/* X25519 */
	uint64_t sender_index;
	uint8_t responder_id[AEGIS_NODE_ID_LEN];
	uint8_t scid[WIRE_CID_LEN];
	uint64_t timestamp;
	uint8_t msg[WIRE_MAX_DATAGRAM];	/* the INIT as sent, for the TH */
	size_t len;
	size_t mac1_off;
};

/* Random 64-bit index, never 0. */
int hs_random_index(uint64_t *index);

/*
 * Build an INIT to responder_id. cookie (16 bytes) or NULL fills mac2.
 * The state keeps the ephemeral key and the message. Returns 0 or -errno
 * (-EINVAL: me->key not an RSA key, or no/oversized certificate;
 * -EMSGSIZE: too many routes). The SCID is the sender index (big endian),
 * the DCID random.
 * To resend with a cookie, call hs_init_add_cookie() on the same state:
 * same signature, new mac2.
 */
int hs_init_create(const struct hs_local *me, const uint8_t *responder_id,
		   uint64_t timestamp, struct hs_init_state *st);
int hs_init_add_cookie(struct hs_init_state *st, const uint8_t *cookie);
void hs_init_clear(struct hs_init_state *st);

/* mac1 of a received INIT or RESP addressed to me (cheap, no RSA). */
bool hs_mac1_ok(const uint8_t *me_id, const uint8_t *msg, size_t mac1_off,
		const uint8_t *mac1);
/* Write mac1 for receiver_id at msg + mac1_off (test tools). 0 or -errno. */
int hs_mac1_fill(const uint8_t *receiver_id, uint8_t *msg, size_t mac1_off);
/* mac2 with cookie. */
bool hs_mac2_ok(const uint8_t *cookie, const uint8_t *msg, size_t mac2_off,
		const uint8_t *mac2);

/*
 * Responder: check a parsed INIT (responder id, certificate against the
 * CA at now, signature, routes within the certificate). RSA verify only.
 */
enum hs_status hs_init_verify(const struct hs_local *me,
			      const uint8_t *msg, size_t len,
			      const struct wire_init *m, time_t now,
			      struct hs_peer *peer);

/*
 * Responder: build the RESP for a verified INIT (msg/len/m) and derive the
 * keys. The cipher is ChaCha20-Poly1305 if either side prefers it, else
 * AES-256-GCM. out gets the datagram (DCID: the INIT's SCID; SCID: our new
 * index). Keys are wiped by the caller (hs_keys_wipe). Returns 0 or -errno:
 * -EBADMSG when the initiator's X25519 key yields no shared secret (a
 * small-order point) or its certificate does not parse; out->len is 0 and
 * keys are wiped on any error.
 */
int hs_resp_create(const struct hs_local *me, const uint8_t *init_msg,
		   size_t init_len, const struct wire_init *m,
		   const struct hs_peer *peer, struct wire_buf *out,
		   struct hs_keys *keys);

/*
 * Initiator: check a parsed RESP against the initiation in flight
 * (receiver index, certificate with the expected responder id, signature
 * over the transcript, routes), decrypt the OAEP secret and derive the
 * keys. An unknown cipher or a small-order X25519 key is HS_MALFORMED. A
 * secret that does not decrypt is HS_CRYPTO: the RESP is authentic by
 * then, so it is a broken peer or local key rather than a forgery.
 */
enum hs_status hs_resp_consume(const struct hs_local *me,
			       const struct hs_init_state *st,
			       const uint8_t *msg, size_t len,
			       const struct wire_resp *m, time_t now,
			       struct hs_peer *peer, struct hs_keys *keys);

/* Initiator -> responder: "I have installed the keys". DCID = tx_index,
 * SCID = rx_index. The check takes the responder's keys. */
int hs_confirm_create(const struct hs_keys *keys, struct wire_buf *out);
bool hs_confirm_check(const struct hs_keys *keys, const struct wire_confirm *m);

/* The key schedule alone (tests: fixed vectors). i_to_r selects which
 * direction is enc. */
int hs_derive(const uint8_t th[32], const uint8_t *dh, size_t dh_len,
	      const uint8_t *secret, size_t secret_len, bool initiator,
	      struct hs_keys *keys);

void hs_keys_wipe(struct hs_keys *keys);

#endif /* AGENT_SESSION_HS_H */
