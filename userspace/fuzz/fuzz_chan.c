// SPDX-License-Identifier: MIT
/*
 * Fuzzes the mesh channel: the MESH packet codec (wire_parse_sealed) and
 * chan_open() with the replay window, against fixed keys. The first byte
 * chooses:
 *
 *   even  the rest is a datagram off the wire: parsed, and if it parses,
 *         opened with the receiver's keys (its DCID made to match, so the
 *         AEAD runs): it must not open (nobody without the keys can make
 *         a valid tag), and nothing is left in the output;
 *   odd   the rest is a program: u8 count of packets (1..32), then per
 *         packet u8 length of plaintext (from the input) and u8 flags
 *         (bit 0: deliver again, bit 1: flip one bit at u8 position,
 *         bit 2: deliver later, in reverse order). Packets are sealed by
 *         the sender and opened by the receiver.
 *
 * Checks: an untouched packet opens once with its plaintext and is a
 * REPLAY the second time; a flipped one never opens; reordered ones
 * (at most 32, all inside the window) open once; the window never
 * accepts a packet number twice.
 */
#include <string.h>

#include "chan/chan.h"
#include "harness.h"

static struct chan_keys tx, rx;

static void pair(void)
{
	struct hs_keys k;
	size_t i;

	memset(&k, 0, sizeof(k));
	k.cipher = AEGIS_CIPHER_AES_GCM;
	k.rx_index = 0x0102030405060708ULL;
	k.tx_index = 0x1112131415161718ULL;
	for (i = 0; i < 32; i++) {
		k.mesh_enc_key[i] = (uint8_t)i;
		k.mesh_dec_key[i] = (uint8_t)(0x80 + i);
	}
	memcpy(k.mesh_enc_salt, "salt", 4);
	memcpy(k.mesh_dec_salt, "SALT", 4);
	chan_keys_from_hs(&tx, &k);
	k.rx_index = 0x1112131415161718ULL;
	k.tx_index = 0x0102030405060708ULL;
	for (i = 0; i < 32; i++) {
		k.mesh_enc_key[i] = (uint8_t)(0x80 + i);
		k.mesh_dec_key[i] = (uint8_t)i;
	}
	memcpy(k.mesh_enc_salt, "SALT", 4);
	memcpy(k.mesh_dec_salt, "salt", 4);
	chan_keys_from_hs(&rx, &k);
}

static void raw(const uint8_t *b, size_t len)
{
	static uint8_t plain[WIRE_MAX_DATAGRAM];
	struct wire_sealed m;
	size_t plen = 1;

	if (wire_parse_sealed(b, len, &m))
		return;
	FUZZ_CHECK(m.ct_len >= WIRE_AEAD_TAG_LEN);
	FUZZ_CHECK(m.ct + m.ct_len == b + len);
	m.dcid_index = rx.rx_index;
	FUZZ_CHECK(chan_open(&rx, b, &m, plain, &plen) != CHAN_OK);
	FUZZ_CHECK(plen == 0);
}

struct pkt {
	struct wire_buf w;
	uint8_t plain[256];
	size_t len;
	uint8_t flags;
	uint8_t pos;
	bool opened;
};

static void deliver(struct pkt *p, bool tamper)
{
	static uint8_t plain[WIRE_MAX_DATAGRAM];
	uint8_t buf[WIRE_MAX_DATAGRAM];
	struct wire_sealed m;
	enum chan_verdict v;
	size_t plen;

	memcpy(buf, p->w.data, p->w.len);
	if (tamper)
		buf[p->pos % p->w.len] ^= (uint8_t)(1u << (p->pos % 8));
	if (wire_parse_sealed(buf, p->w.len, &m)) {
		FUZZ_CHECK(tamper);
		return;
	}
	if (m.dcid_index != rx.rx_index) {
		FUZZ_CHECK(tamper);
		return;
	}
	v = chan_open(&rx, buf, &m, plain, &plen);
	if (tamper) {
		FUZZ_CHECK(v != CHAN_OK);
		return;
	}
	if (p->opened) {
		FUZZ_CHECK(v == CHAN_REPLAY);
		return;
	}
	/* At most 32 packets: all inside the window, whatever the order. */
	FUZZ_CHECK(v == CHAN_OK);
	FUZZ_CHECK(plen == p->len);
	FUZZ_CHECK(!memcmp(plain, p->plain, plen));
	p->opened = true;
}

static void program(struct fuzz_in *in)
{
	static struct pkt pk[32];
	unsigned int n = fuzz_u8(in) % 32 + 1, i;

	for (i = 0; i < n; i++) {
		struct pkt *p = &pk[i];

		p->len = fuzz_u8(in);
		p->flags = fuzz_u8(in);
		p->pos = fuzz_u8(in);
		p->opened = false;
		memset(p->plain, 0, sizeof(p->plain));
		fuzz_copy(in, p->plain, p->len);
		FUZZ_CHECK(!chan_seal(&tx, p->plain, p->len, &p->w));
		FUZZ_CHECK(p->w.len == WIRE_SEALED_OVERHEAD + p->len);
		if (p->flags & 4)
			continue;
		deliver(p, p->flags & 2);
		if (p->flags & 1)
			deliver(p, false);
	}
	for (i = n; i-- > 0;)
		if (pk[i].flags & 4)
			deliver(&pk[i], pk[i].flags & 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;

	if (!size)
		return 0;
	pair();
	if (!(data[0] & 1)) {
		raw(data + 1, size - 1);
		return 0;
	}
	fuzz_in_init(&in, data + 1, size - 1);
	program(&in);
	return 0;
}
