// SPDX-License-Identifier: MIT
/*
 * Unit tests: the mesh channel (chan/chan.c) and the MESH packet codec
 * (wire/wire.c). Two ends made from one handshake's keys open what the
 * other sealed, with either cipher; a flipped bit anywhere (header,
 * packet number, ciphertext, tag) is refused; a replay, a packet older
 * than the window and a packet for another key generation are refused,
 * reordering within the window is not; the plaintext never appears on the
 * wire.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/rand.h>

#include "chan/chan.h"
#include "wire/wire.h"

/* The two ends of one session: what each side's hs_derive() gives. */
static void pair(uint8_t cipher, struct chan_keys *a, struct chan_keys *b)
{
	struct hs_keys ka, kb;

	memset(&ka, 0, sizeof(ka));
	ka.cipher = cipher;
	ka.rx_index = 0x1111222233334444ULL;
	ka.tx_index = 0x5555666677778888ULL;
	assert_int_equal(RAND_bytes(ka.mesh_enc_key, 32), 1);
	assert_int_equal(RAND_bytes(ka.mesh_enc_salt, 4), 1);
	assert_int_equal(RAND_bytes(ka.mesh_dec_key, 32), 1);
	assert_int_equal(RAND_bytes(ka.mesh_dec_salt, 4), 1);
	kb = ka;
	kb.rx_index = ka.tx_index;
	kb.tx_index = ka.rx_index;
	memcpy(kb.mesh_enc_key, ka.mesh_dec_key, 32);
	memcpy(kb.mesh_enc_salt, ka.mesh_dec_salt, 4);
	memcpy(kb.mesh_dec_key, ka.mesh_enc_key, 32);
	memcpy(kb.mesh_dec_salt, ka.mesh_enc_salt, 4);
	chan_keys_from_hs(a, &ka);
	chan_keys_from_hs(b, &kb);
}

static enum chan_verdict open_dgram(struct chan_keys *k, const uint8_t *buf,
				    size_t len, uint8_t *plain, size_t *plen)
{
	struct wire_sealed m;

	if (wire_parse_sealed(buf, len, &m))
		return CHAN_MALFORMED;
	return chan_open(k, buf, &m, plain, plen);
}

static void round_trip(uint8_t cipher)
{
	static const char msg[] = "a bundle of mesh messages";
	uint8_t plain[WIRE_MAX_DATAGRAM];
	struct chan_keys a, b;
	struct wire_sealed m;
	struct wire_buf w;
	size_t plen;
	int i;

	pair(cipher, &a, &b);
	for (i = 0; i < 3; i++) {
		assert_int_equal(chan_seal(&a, (const uint8_t *)msg,
					   sizeof(msg), &w), 0);
		assert_int_equal(w.len, WIRE_SEALED_OVERHEAD + sizeof(msg));
		assert_null(memmem(w.data, w.len, msg, 8));
		assert_int_equal(wire_parse_sealed(w.data, w.len, &m), 0);
		assert_true(m.dcid_index == b.rx_index);
		assert_true(m.scid_index == a.rx_index);
		assert_true(m.pn == (uint64_t)i);
		assert_int_equal(chan_open(&b, w.data, &m, plain, &plen),
				 CHAN_OK);
		assert_int_equal(plen, sizeof(msg));
		assert_memory_equal(plain, msg, sizeof(msg));
	}
	/* And back, and an empty bundle. */
	assert_int_equal(chan_seal(&b, NULL, 0, &w), 0);
	assert_int_equal(open_dgram(&a, w.data, w.len, plain, &plen), CHAN_OK);
	assert_int_equal(plen, 0);
	chan_keys_wipe(&a);
	chan_keys_wipe(&b);
}

static void test_round_trip_gcm(void **state)
{
	(void)state;
	round_trip(AEGIS_CIPHER_AES_GCM);
}

static void test_round_trip_chacha(void **state)
{
	(void)state;
	round_trip(AEGIS_CIPHER_CHACHA20POLY1305);
}

/* Every single-bit flip of a sealed datagram is refused, and the window
 * does not move for any of them: the original still opens afterwards. */
static void test_tamper(void **state)
{
	uint8_t plain[WIRE_MAX_DATAGRAM], msg[40], bad[WIRE_MAX_DATAGRAM];
	struct chan_keys a, b;
	struct wire_buf w;
	size_t i, plen;
	int bit;

	(void)state;
	pair(AEGIS_CIPHER_AES_GCM, &a, &b);
	memset(msg, 0x5a, sizeof(msg));
	assert_int_equal(chan_seal(&a, msg, sizeof(msg), &w), 0);
	for (i = 0; i < w.len; i++) {
		for (bit = 0; bit < 8; bit++) {
			enum chan_verdict v;

			memcpy(bad, w.data, w.len);
			bad[i] ^= (uint8_t)(1u << bit);
			v = open_dgram(&b, bad, w.len, plain, &plen);
			/* The 4 random low bits of byte 0 are not part of
			 * the format, but they are authenticated. */
			assert_int_not_equal(v, CHAN_OK);
			assert_int_equal(plen, 0);
		}
	}
	assert_int_equal(open_dgram(&b, w.data, w.len, plain, &plen), CHAN_OK);
	/* Truncated: no tag left. */
	assert_int_equal(open_dgram(&b, w.data, WIRE_SEALED_AD_LEN + 3, plain,
				    &plen), CHAN_MALFORMED);
}

/* A replay, an old number, reordering and another generation's key. */
static void test_replay_window(void **state)
{
	static struct wire_buf w[CHAN_WINDOW + 70];
	uint8_t plain[64];
	struct chan_keys a, b, c, d;
	size_t plen;
	int i;

	(void)state;
	pair(AEGIS_CIPHER_CHACHA20POLY1305, &a, &b);
	for (i = 0; i < CHAN_WINDOW + 70; i++)
		assert_int_equal(chan_seal(&a, (const uint8_t *)"x", 1, &w[i]),
				 0);
	/* Out of order inside the window: 5, 3, 4, then 3 again. */
	assert_int_equal(open_dgram(&b, w[5].data, w[5].len, plain, &plen),
			 CHAN_OK);
	assert_int_equal(open_dgram(&b, w[3].data, w[3].len, plain, &plen),
			 CHAN_OK);
	assert_int_equal(open_dgram(&b, w[4].data, w[4].len, plain, &plen),
			 CHAN_OK);
	assert_int_equal(open_dgram(&b, w[3].data, w[3].len, plain, &plen),
			 CHAN_REPLAY);
	assert_int_equal(open_dgram(&b, w[5].data, w[5].len, plain, &plen),
			 CHAN_REPLAY);
	/* A jump: everything older than the window goes. */
	i = CHAN_WINDOW + 69;
	assert_int_equal(open_dgram(&b, w[i].data, w[i].len, plain, &plen),
			 CHAN_OK);
	assert_int_equal(open_dgram(&b, w[0].data, w[0].len, plain, &plen),
			 CHAN_REPLAY);
	assert_int_equal(open_dgram(&b, w[6].data, w[6].len, plain, &plen),
			 CHAN_REPLAY);
	/* Just inside it (the window keeps at least CHAN_WINDOW - 64). */
	i = CHAN_WINDOW + 69 - (CHAN_WINDOW - 64);
	assert_int_equal(open_dgram(&b, w[i].data, w[i].len, plain, &plen),
			 CHAN_OK);
	i = CHAN_WINDOW + 68;
	assert_int_equal(open_dgram(&b, w[i].data, w[i].len, plain, &plen),
			 CHAN_OK);

	/* A packet of another generation names another rx index. */
	pair(AEGIS_CIPHER_CHACHA20POLY1305, &c, &d);
	d.rx_index ^= 1;
	assert_int_equal(open_dgram(&d, w[7].data, w[7].len, plain, &plen),
			 CHAN_NO_KEY);
	/* Same index, other keys: the tag fails. */
	d.rx_index = b.rx_index;
	assert_int_equal(open_dgram(&d, w[7].data, w[7].len, plain, &plen),
			 CHAN_BAD_TAG);
	/* No keys at all. */
	chan_keys_wipe(&b);
	assert_int_equal(open_dgram(&b, w[7].data, w[7].len, plain, &plen),
			 CHAN_NO_KEY);
	assert_int_equal(chan_seal(&b, (const uint8_t *)"x", 1, &w[0]),
			 -ENOKEY);
}

/* The end of the packet numbers and the size bound. */
static void test_limits(void **state)
{
	static uint8_t big[WIRE_SEALED_MAX_PLAIN + 1];
	uint8_t plain[WIRE_MAX_DATAGRAM];
	struct chan_keys a, b;
	struct wire_buf w;
	size_t plen;

	(void)state;
	pair(AEGIS_CIPHER_AES_GCM, &a, &b);
	assert_int_equal(chan_seal(&a, big, sizeof(big), &w), -EMSGSIZE);
	assert_int_equal(chan_seal(&a, big, sizeof(big) - 1, &w), 0);
	assert_int_equal(w.len, WIRE_MAX_DATAGRAM);
	assert_int_equal(open_dgram(&b, w.data, w.len, plain, &plen), CHAN_OK);
	assert_int_equal(plen, sizeof(big) - 1);
	a.tx_pn = UINT64_MAX - 1;
	assert_int_equal(chan_seal(&a, big, 1, &w), 0);
	assert_int_equal(chan_seal(&a, big, 1, &w), -EOVERFLOW);
	/* The last number is never accepted (the top would wrap). */
	a.tx_pn = UINT64_MAX - 1;
	assert_int_equal(chan_seal(&a, big, 1, &w), 0);
	assert_int_equal(open_dgram(&b, w.data, w.len, plain, &plen), CHAN_OK);
	assert_int_equal(plen, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_gcm),
		cmocka_unit_test(test_round_trip_chacha),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_replay_window),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
