/* SPDX-License-Identifier: MIT */
/*
 * Shared by the fuzzers (fuzz_*.c) and the seed generator (seeds.c):
 *
 *   - FUZZ_CHECK(): an invariant that aborts with its text, so that a
 *     broken one is a crash libFuzzer keeps, like a sanitizer report;
 *   - struct fuzz_in: typed values taken from the front of an input,
 *     zeros once it is used up;
 *   - the fixture: a network CA, two node identities with certificates
 *     ("alpha" and "bravo") and alpha's INIT to bravo with its ephemeral
 *     key, loaded once from userspace/fuzz/fixtures/ (seeds.c writes
 *     them). Fixed keys make the seeds' certificates and signatures valid
 *     in every run, so that fuzzing starts past the crypto checks, and a
 *     crash input replays the same way anywhere.
 */
#ifndef FUZZ_HARNESS_H
#define FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "session/hs.h"
#include "trust/cert.h"
#include "wire/wire.h"

/* libFuzzer's entry points (declared here for -Wmissing-prototypes). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) \
			fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)

void fuzz_fail(const char *file, int line, const char *what)
	__attribute__((noreturn));

/* ---- reading an input -------------------------------------------------- */

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline void fuzz_in_init(struct fuzz_in *in, const uint8_t *p,
				size_t n)
{
	in->p = p;
	in->n = n;
}

uint8_t fuzz_u8(struct fuzz_in *in);
uint16_t fuzz_u16(struct fuzz_in *in);
uint32_t fuzz_u32(struct fuzz_in *in);
uint64_t fuzz_u64(struct fuzz_in *in);
/* n bytes, or NULL (and nothing taken) if fewer are left. */
const uint8_t *fuzz_take(struct fuzz_in *in, size_t n);
/* n bytes into out, zero-padded past the end of the input. */
void fuzz_copy(struct fuzz_in *in, void *out, size_t n);

/* ---- the fixture ------------------------------------------------------- */

#define FUZZ_FIX_CA_KEY		"ca.key"
#define FUZZ_FIX_CA_CRT		"ca.crt"
#define FUZZ_FIX_A_KEY		"alpha.key"
#define FUZZ_FIX_A_CRT		"alpha.crt"
#define FUZZ_FIX_B_KEY		"bravo.key"
#define FUZZ_FIX_B_CRT		"bravo.crt"
/* eph private key[32] | INIT alpha -> bravo */
#define FUZZ_FIX_INIT		"init.bin"

struct fuzz_node {
	EVP_PKEY *key;
	X509 *cert;
	uint8_t *der;			/* OPENSSL_malloc'd */
	size_t der_len;
	uint8_t id[AEGIS_NODE_ID_LEN];
	struct cert_info info;
	struct aegis_prefix routes[4];	/* advertised: inside the cert */
	unsigned int n_routes;
	struct hs_local hs;
};

struct fuzz_fixture {
	EVP_PKEY *ca_key;
	X509 *ca;
	time_t now;			/* a day after the CA's notBefore */
	struct fuzz_node alpha, bravo;
	/* alpha's INIT to bravo, in flight (eph: its X25519 key). */
	struct hs_init_state init;
	uint8_t init_eph_priv[WIRE_X25519_LEN];
};

/* The fixture directory: $AEGIS_FUZZ_FIXTURES, or the source tree's. */
const char *fuzz_fixture_dir(void);

/* Load dir into fx: 0, or -errno with a reason in err. */
int fuzz_fixture_load(const char *dir, struct fuzz_fixture *fx, char *err,
		      size_t errsz);

/* The fixture, loaded on first use; exits with a message if it cannot. */
const struct fuzz_fixture *fuzz_fixture(void);

/* The routes each node advertises and its hs_local, from its certificate
 * (also used by seeds.c before the fixture files exist). */
void fuzz_node_setup(struct fuzz_node *n, X509 *ca);

/* A fresh copy of the INIT in flight (its own reference to eph). */
int fuzz_init_state_copy(const struct fuzz_fixture *fx,
			 struct hs_init_state *st);

/* Fixed keys of a finished handshake: the responder's and the
 * initiator's (mirrored), for CONFIRM. */
int fuzz_confirm_keys(struct hs_keys *responder, struct hs_keys *initiator);

/* fuzz_nl: the id the fake aegisray genl family has, and the device's. */
#define FUZZ_NL_FAMILY		29
#define FUZZ_NL_IFINDEX		7

/* Parse an INIT into the in-flight state of its initiator. */
int fuzz_init_state_from(struct hs_init_state *st, const uint8_t *eph_priv,
			 const uint8_t *msg, size_t len);

#endif /* FUZZ_HARNESS_H */
