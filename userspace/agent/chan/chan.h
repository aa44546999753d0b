/* SPDX-License-Identifier: MIT */
/*
 * The mesh channel: how two nodes that hold a session exchange mesh
 * messages (gossip, routing, relayed handshakes: wire/wire_mesh.h). Each
 * handshake derives, beside the kernel's data keys, a pair of mesh keys
 * (session/hs.h) that only the agent holds; a bundle of mesh messages
 * travels as one MESH control packet (wire/wire.h) sealed with the
 * session's cipher (AES-256-GCM or ChaCha20-Poly1305, OpenSSL EVP).
 *
 *  - The DCID is the receiver's rx index of that key generation, so the
 *    receiver finds the keys by a lookup, as the kernel does for data.
 *  - Nonce: the direction's 4-byte salt and the 64-bit packet number, big
 *    endian. Each direction's packet number starts at 0 and only goes up;
 *    a generation lives one rekey interval, so it never wraps.
 *  - Replay: a sliding window of CHAN_WINDOW packet numbers below the
 *    highest one accepted (RFC 6479's idea, one 64-bit word per 64).
 *    Reordering within the window is fine; an older number or one seen
 *    before is refused.
 *
 * Pure: no sockets, no timers, no peer table.
 */
#ifndef AGENT_CHAN_CHAN_H
#define AGENT_CHAN_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session/hs.h"
#include "wire/wire.h"

#define CHAN_WINDOW		256	/* packet numbers, a multiple of 64 */
#define CHAN_WINDOW_WORDS	(CHAN_WINDOW / 64)

/* One key generation of one session, both directions. */
struct chan_keys {
	bool valid;
	uint8_t cipher;			/* AEGIS_CIPHER_* */
	uint64_t rx_index;		/* ours: DCID of what we receive */
	uint64_t tx_index;		/* the peer's: DCID of what we send */
	uint8_t tx_key[32], tx_salt[4];
	uint8_t rx_key[32], rx_salt[4];
	uint64_t tx_pn;			/* next to send */
	uint64_t rx_top;		/* highest accepted + 1; 0: none yet */
	uint64_t rx_seen[CHAN_WINDOW_WORDS];
};

/* Why a MESH packet was not opened (each has a counter in the caller). */
enum chan_verdict {
	CHAN_OK = 0,
	CHAN_MALFORMED,		/* does not parse */
	CHAN_NO_KEY,		/* DCID names no key we hold */
	CHAN_REPLAY,		/* seen before, or older than the window */
	CHAN_BAD_TAG,		/* does not authenticate */
	CHAN_CRYPTO,		/* a local crypto failure */
	CHAN_VERDICT_MAX,
};

const char *chan_verdict_name(enum chan_verdict v);

/* The mesh keys of a handshake's result (the direction is in hk). */
void chan_keys_from_hs(struct chan_keys *k, const struct hs_keys *hk);
void chan_keys_wipe(struct chan_keys *k);

/*
 * Seal plain (len bytes, at most WIRE_SEALED_MAX_PLAIN) for the peer into
 * out, a whole MESH datagram. 0, -EMSGSIZE, -ENOKEY (no valid keys),
 * -EOVERFLOW (packet numbers ran out) or -EIO.
 */
int chan_seal(struct chan_keys *k, const uint8_t *plain, size_t len,
	      struct wire_buf *out);

/*
 * Open a parsed MESH datagram (buf/len, m from wire_parse_sealed) with k,
 * whose rx_index the caller matched to m->dcid_index. The plaintext goes
 * to plain (room for m->ct_len bytes); *plain_len is its length. The
 * replay window moves only for a packet that authenticates.
 */
enum chan_verdict chan_open(struct chan_keys *k, const uint8_t *buf,
			    const struct wire_sealed *m, uint8_t *plain,
			    size_t *plain_len);

#endif /* AGENT_CHAN_CHAN_H */
