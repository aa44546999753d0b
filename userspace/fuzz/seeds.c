// SPDX-License-Identifier: MIT
/*
 * The seed generator of the fuzzers: `make fuzz-seeds`, or
 *
 *   seeds FIXTURE_DIR CORPUS_DIR [TEMPLATE_DIR]
 *
 * First the fixture (harness.h), only if FIXTURE_DIR holds none yet: a CA
 * (ca_init()), alpha's and bravo's keys (identity_create()) and
 * certificates (ca_sign_window()), and alpha's INIT to bravo
 * (hs_init_create()) with its ephemeral key. Then, with that fixture, the
 * seeds of each fuzzer in CORPUS_DIR/<fuzzer>/ (emptied first but for
 * the regression inputs, regress-*), made with
 * the project's own builders so that they are valid messages: control
 * packets from hs.c, cookie.c and wire.c, mesh bundles from wire_mesh.c's
 * encoders, signed records, chunked certificates and a CA-signed
 * revocation list, netlink messages through libnl and aegis_nl.c,
 * certificates from ca.c, and the configuration templates of
 * TEMPLATE_DIR (configs/templates) with some documents of our own.
 *
 * Seeds carry random bits (indices, ephemeral keys, salts), so two runs
 * differ byte for byte; the fixture stays the same unless it is deleted.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "aegis_nl.h"
#include "ca/ca.h"
#include "harness.h"
#include "session/cookie.h"
#include "session/hs.h"
#include "trust/identity.h"
#include "trust/revoke.h"
#include "wire/wire.h"
#include "wire/wire_mesh.h"

#define DAY	(24 * 60 * 60)
#define ID	WIRE_MESH_ID_LEN

static struct fuzz_fixture fx;
static const char *corpus_dir;
static char target_dir[4096];
static unsigned int n_files;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "seeds: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

#define MUST(x) \
	do { \
		if (!(x)) \
			die("failed: %s", #x); \
	} while (0)

/* ---- files ------------------------------------------------------------- */

static void write_path(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, n, f) != n || fclose(f))
		die("cannot write %s", path);
}

/* Start the seeds of a fuzzer: its directory, emptied of all but the
 * regression inputs (regress-*), which are kept by hand. */
static void target(const char *name)
{
	struct dirent *e;
	DIR *d;

	snprintf(target_dir, sizeof(target_dir), "%s/%s", corpus_dir, name);
	mkdir(corpus_dir, 0755);
	mkdir(target_dir, 0755);
	d = opendir(target_dir);
	if (!d)
		die("cannot open %s", target_dir);
	while ((e = readdir(d))) {
		char path[4352];

		if (e->d_name[0] == '.' ||
		    !strncmp(e->d_name, "regress-", 8))
			continue;
		snprintf(path, sizeof(path), "%s/%s", target_dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

static void seed(const char *name, const void *p, size_t n)
{
	char path[4352];

	snprintf(path, sizeof(path), "%s/%s", target_dir, name);
	write_path(path, p, n);
	n_files++;
}

/* A seed of a flags byte and the bytes. */
static void seed_flags(const char *name, uint8_t flags, const void *p,
		       size_t n)
{
	uint8_t *b = malloc(n + 1);

	MUST(b);
	b[0] = flags;
	memcpy(b + 1, p, n);
	seed(name, b, n + 1);
	free(b);
}

/* ---- the fixture ------------------------------------------------------- */

static void fix_path(char *buf, size_t size, const char *dir, const char *f)
{
	snprintf(buf, size, "%s/%s", dir, f);
}

static X509 *issue(EVP_PKEY *ca_key, X509 *ca, EVP_PKEY *key,
		   const char *name, const char *const *ips, unsigned int n_ips,
		   const char *const *pfx, unsigned int n_pfx, uint32_t roles,
		   time_t nb, time_t na)
{
	struct cert_info req;
	char err[256];
	unsigned int i;
	X509 *x = NULL;

	memset(&req, 0, sizeof(req));
	snprintf(req.name, sizeof(req.name), "%s", name);
	for (i = 0; i < n_ips; i++)
		MUST(!aegis_addr_parse(ips[i], &req.ips[req.n_ips++]));
	for (i = 0; i < n_pfx; i++)
		MUST(!aegis_prefix_parse(pfx[i], &req.prefixes[req.n_prefixes++],
					 NULL, 0));
	req.roles = roles;
	if (ca_sign_window(ca_key, ca, key, &req, nb, na, &x, err, sizeof(err)))
		die("issue: %s", err);
	return x;
}

static const char *const alpha_ips[] = { "100.64.0.1", "fd61:6567:6973::1" };
static const char *const alpha_pfx[] = { "192.168.10.0/24", "fd00:a::/48" };
static const char *const bravo_ips[] = { "100.64.0.2" };
static const char *const bravo_pfx[] = { "10.20.0.0/16" };

static void make_fixture(const char *dir)
{
	char kp[4096], cp[4096], err[256];
	struct identity a, b;
	EVP_PKEY *ca_key;
	X509 *ca, *x;
	time_t now = time(NULL);
	struct fuzz_node alpha;
	struct hs_init_state st;
	uint8_t buf[WIRE_X25519_LEN + WIRE_MAX_DATAGRAM];
	size_t len = WIRE_X25519_LEN;

	mkdir(dir, 0755);
	fix_path(kp, sizeof(kp), dir, FUZZ_FIX_CA_KEY);
	fix_path(cp, sizeof(cp), dir, FUZZ_FIX_CA_CRT);
	if (ca_init(kp, cp, "fuzznet", 2048, 36500, err, sizeof(err)) ||
	    ca_load_key(kp, &ca_key, err, sizeof(err)) ||
	    cert_load_pem(cp, &ca, err, sizeof(err)))
		die("CA: %s", err);

	fix_path(kp, sizeof(kp), dir, FUZZ_FIX_A_KEY);
	if (identity_create(kp, 2048, &a, err, sizeof(err)))
		die("alpha: %s", err);
	x = issue(ca_key, ca, a.key, "alpha", alpha_ips, 2, alpha_pfx, 2,
		  CERT_ROLE_RELAY, now - DAY, now + 36000L * DAY);
	fix_path(cp, sizeof(cp), dir, FUZZ_FIX_A_CRT);
	if (cert_save_pem(cp, x, err, sizeof(err)))
		die("alpha: %s", err);

	/* alpha's INIT to bravo, and its ephemeral key. */
	memset(&alpha, 0, sizeof(alpha));
	alpha.key = a.key;
	alpha.cert = x;
	MUST(!cert_to_der(x, &alpha.der, &alpha.der_len));
	fuzz_node_setup(&alpha, ca);

	fix_path(kp, sizeof(kp), dir, FUZZ_FIX_B_KEY);
	if (identity_create(kp, 2048, &b, err, sizeof(err)))
		die("bravo: %s", err);
	x = issue(ca_key, ca, b.key, "bravo", bravo_ips, 1, bravo_pfx, 1,
		  CERT_ROLE_EXIT, now - DAY, now + 36000L * DAY);
	fix_path(cp, sizeof(cp), dir, FUZZ_FIX_B_CRT);
	if (cert_save_pem(cp, x, err, sizeof(err)))
		die("bravo: %s", err);
	X509_free(x);

	MUST(!hs_init_create(&alpha.hs, b.node_id, 1, &st));
	MUST(EVP_PKEY_get_raw_private_key(st.eph, buf, &len) == 1 &&
	     len == WIRE_X25519_LEN);
	memcpy(buf + WIRE_X25519_LEN, st.msg, st.len);
	fix_path(kp, sizeof(kp), dir, FUZZ_FIX_INIT);
	write_path(kp, buf, WIRE_X25519_LEN + st.len);
	hs_init_clear(&st);

	X509_free(alpha.cert);
	OPENSSL_free(alpha.der);
	identity_free(&a);
	identity_free(&b);
	EVP_PKEY_free(ca_key);
	X509_free(ca);
	printf("seeds: new fixture in %s\n", dir);
}

/* ---- control packets --------------------------------------------------- */

static struct wire_buf resp, resp_chacha, confirm, cookie, probe, hello;
static struct hs_init_state init_ba, init_nort, init_out, init_chacha;
static struct hs_init_state init_mac2;

/* bravo's answer to the fixture's INIT; alpha's CONFIRM to it. */
static void answer(uint8_t cipher, struct wire_buf *out,
		   struct wire_buf *conf)
{
	struct hs_local me = fx.bravo.hs;
	struct hs_init_state st;
	struct hs_keys rk, ik;
	struct hs_peer peer;
	struct wire_init m;
	struct wire_resp r;

	me.cipher_pref = cipher;
	MUST(!wire_parse_init(fx.init.msg, fx.init.len, &m));
	MUST(hs_init_verify(&me, fx.init.msg, fx.init.len, &m, fx.now,
			    &peer) == HS_OK);
	MUST(!hs_resp_create(&me, fx.init.msg, fx.init.len, &m, &peer, out,
			     &rk));
	MUST(!fuzz_init_state_copy(&fx, &st));
	MUST(!wire_parse_resp(out->data, out->len, &r));
	MUST(hs_resp_consume(&fx.alpha.hs, &st, out->data, out->len, &r,
			     fx.now, &peer, &ik) == HS_OK);
	if (conf)
		MUST(!hs_confirm_create(&ik, conf));
	hs_init_clear(&st);
}

static void make_packets(void)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct hs_local me;
	struct cookie_gate *gate = calloc(1, sizeof(*gate));
	uint8_t scid[WIRE_CID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t ck[WIRE_COOKIE_LEN];
	struct aegis_prefix outside;

	MUST(gate);
	answer(AEGIS_CIPHER_AES_GCM, &resp, &confirm);
	answer(AEGIS_CIPHER_CHACHA20POLY1305, &resp_chacha, NULL);
	MUST(!wire_build_probe(&probe, scid));
	MUST(!wire_build_hello(&hello, NULL, scid, fx.bravo.der,
			       fx.bravo.der_len));
	MUST(!hs_init_create(&fx.bravo.hs, fx.alpha.id, 2, &init_ba));

	me = fx.alpha.hs;
	me.n_routes = 0;
	MUST(!hs_init_create(&me, fx.bravo.id, 3, &init_nort));
	me = fx.alpha.hs;
	me.cipher_pref = AEGIS_CIPHER_CHACHA20POLY1305;
	MUST(!hs_init_create(&me, fx.bravo.id, 4, &init_chacha));
	/* A route alpha's certificate does not cover, validly signed. */
	MUST(!aegis_prefix_parse("10.99.0.0/16", &outside, NULL, 0));
	me = fx.alpha.hs;
	me.routes = &outside;
	me.n_routes = 1;
	MUST(!hs_init_create(&me, fx.bravo.id, 5, &init_out));

	memset(ck, 0x5a, sizeof(ck));
	MUST(!fuzz_init_state_copy(&fx, &init_mac2));
	MUST(!hs_init_add_cookie(&init_mac2, ck));

	src.sin_port = htons(443);
	src.sin_addr.s_addr = htonl(0xc0000201);
	MUST(!cookie_gate_init(gate, 1));
	MUST(!cookie_build_reply(gate, (struct sockaddr *)&src,
				 fx.init.sender_index, fx.init.scid,
				 fx.init.msg + fx.init.mac1_off, 1, &cookie));
	cookie_gate_wipe(gate);
	free(gate);
}

static void seeds_wire(void)
{
	target("fuzz_wire");
	seed("probe", probe.data, probe.len);
	seed("hello", hello.data, hello.len);
	seed("init", fx.init.msg, fx.init.len);
	seed("init-bravo-alpha", init_ba.msg, init_ba.len);
	seed("init-no-routes", init_nort.msg, init_nort.len);
	seed("init-mac2", init_mac2.msg, init_mac2.len);
	seed("resp", resp.data, resp.len);
	seed("resp-chacha", resp_chacha.data, resp_chacha.len);
	seed("confirm", confirm.data, confirm.len);
	seed("cookie", cookie.data, cookie.len);
}

static void seeds_hs(void)
{
	struct hs_keys r, i;
	struct wire_buf w;

	target("fuzz_hs");
	seed_flags("init", 0x00, fx.init.msg, fx.init.len);
	seed_flags("init-fix", 0x04, fx.init.msg, fx.init.len);
	seed_flags("init-sign", 0x0c, fx.init.msg, fx.init.len);
	seed_flags("init-mac2", 0x00, init_mac2.msg, init_mac2.len);
	seed_flags("init-no-routes", 0x00, init_nort.msg, init_nort.len);
	seed_flags("init-chacha", 0x00, init_chacha.msg, init_chacha.len);
	seed_flags("init-route-outside", 0x00, init_out.msg, init_out.len);
	seed_flags("init-not-for-bravo", 0x04, init_ba.msg, init_ba.len);
	seed_flags("resp", 0x01, resp.data, resp.len);
	seed_flags("resp-fix", 0x05, resp.data, resp.len);
	seed_flags("resp-sign", 0x0d, resp.data, resp.len);
	seed_flags("resp-chacha", 0x01, resp_chacha.data, resp_chacha.len);
	MUST(!fuzz_confirm_keys(&r, &i));
	MUST(!hs_confirm_create(&i, &w));
	seed_flags("confirm", 0x02, w.data, w.len);
	seed_flags("confirm-other", 0x02, confirm.data, confirm.len);
	seed_flags("cookie", 0x03, cookie.data, cookie.len);
}

static void seeds_demux(void)
{
	static const uint8_t stun[20] = {
		0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	};
	uint8_t prog[2 * WIRE_MAX_DATAGRAM];
	size_t n;

	target("fuzz_demux");
	seed_flags("init-from-bravo", 0x08, init_ba.msg, init_ba.len);
	seed_flags("init-from-stranger", 0x00, init_ba.msg, init_ba.len);
	seed_flags("init-v4", 0x09, init_ba.msg, init_ba.len);
	seed_flags("init-link-local", 0x0a, init_ba.msg, init_ba.len);
	seed_flags("init-crossing", 0x0c, init_ba.msg, init_ba.len);
	seed_flags("init-not-for-alpha", 0x08, fx.init.msg, fx.init.len);
	seed_flags("resp", 0x0c, resp.data, resp.len);
	seed_flags("resp-none-in-flight", 0x08, resp.data, resp.len);
	seed_flags("cookie", 0x0c, cookie.data, cookie.len);
	seed_flags("confirm", 0x08, confirm.data, confirm.len);
	seed_flags("probe", 0x00, probe.data, probe.len);
	seed_flags("hello-static", 0x10, hello.data, hello.len);
	seed_flags("hello-static-known", 0x18, hello.data, hello.len);
	seed_flags("stun", 0x00, stun, sizeof(stun));
	seed_flags("garbage", 0x00, "GET / HTTP/1.0\r\n", 16);

	/* RESP, time, the key confirmed, resync, the rekey interval. */
	n = 0;
	prog[n++] = 0x2c;
	prog[n++] = 0;
	prog[n++] = (uint8_t)(resp.len >> 8);
	prog[n++] = (uint8_t)resp.len;
	memcpy(prog + n, resp.data, resp.len);
	n += resp.len;
	memcpy(prog + n, "\x01\x00\x02" "\x02\x06\x02\0\0\0\0\0\0\0\0" "\x03"
	       "\x01\x00\x14", 3 + 11 + 1 + 3);
	n += 3 + 11 + 1 + 3;
	seed("program-initiator", prog, n);

	/* INIT from bravo, its pending key confirmed, time passes. */
	n = 0;
	prog[n++] = 0x28;
	prog[n++] = 0;
	prog[n++] = (uint8_t)(init_ba.len >> 8);
	prog[n++] = (uint8_t)init_ba.len;
	memcpy(prog + n, init_ba.msg, init_ba.len);
	n += init_ba.len;
	memcpy(prog + n, "\x02\x06\x01\0\0\0\0\0\0\0\0" "\x01\x00\x0c", 11 + 3);
	n += 11 + 3;
	seed("program-responder", prog, n);

	/* INIT from bravo, then nothing: the pending key times out. */
	n = 0;
	prog[n++] = 0x20;
	prog[n++] = 0;
	prog[n++] = (uint8_t)(init_ba.len >> 8);
	prog[n++] = (uint8_t)init_ba.len;
	memcpy(prog + n, init_ba.msg, init_ba.len);
	n += init_ba.len;
	memcpy(prog + n, "\x01\x00\x0b" "\x02\x04\x04\0\0\0\0\0\0\0\0", 3 + 11);
	n += 3 + 11;
	seed("program-pending-timeout", prog, n);

	/* A flood of one INIT: replays, then the gate's load and cookies;
	 * the COOKIE for the INIT in flight, twice. */
	n = 0;
	prog[n++] = 0x28;
	prog[n++] = 0;
	prog[n++] = (uint8_t)(init_ba.len >> 8);
	prog[n++] = (uint8_t)init_ba.len;
	memcpy(prog + n, init_ba.msg, init_ba.len);
	n += init_ba.len;
	memcpy(prog + n, "\x04\x3f", 2);
	n += 2;
	seed("program-flood", prog, n);

	n = 0;
	prog[n++] = 0x2c;
	prog[n++] = 0;
	prog[n++] = (uint8_t)(cookie.len >> 8);
	prog[n++] = (uint8_t)cookie.len;
	memcpy(prog + n, cookie.data, cookie.len);
	n += cookie.len;
	memcpy(prog + n, "\x04\x01" "\x01\x00\x06", 5);
	n += 5;
	seed("program-cookie", prog, n);
}

/* ---- the DoS gate ------------------------------------------------------ */

static void seeds_cookie(void)
{
	/* op 1 CHECK kind port mode len msg..; op 3 FLOOD n kind port;
	 * op 2 REPLY kind port index[8] scid[8] mac1[16]; op 4 MAKE kind
	 * port; op 5 OLD; op 0 CLOCK d[4] (0x84: backwards). */
	static const uint8_t valid[] = {
		1, 0x00, 0x01, 0xbb, 2, 8, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
		1, 0x01, 0x01, 0xbb, 2, 0,
	};
	static const uint8_t flood[] = {
		3, 40, 0x04, 0x30, 0x39,
		1, 0x04, 0x30, 0x39, 0, 4, 'i', 'n', 'i', 't',
		2, 0x04, 0x30, 0x39, 1, 2, 3, 4, 5, 6, 7, 8,
		8, 7, 6, 5, 4, 3, 2, 1,
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		1, 0x04, 0x30, 0x39, 2, 4, 'i', 'n', 'i', 't',
		3, 60, 0x08, 0x30, 0x39,
	};
	static const uint8_t rotate[] = {
		5, 0x04, 0x00, 0x50,
		0, 0x07, 0xbf, 0xcf, 0x80,	/* 130 s */
		5, 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
		'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
		'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
		0, 0x0f, 0x7f, 0x9f, 0x00,	/* 260 s */
		5, 'y',
		0x84, 0xff, 0xff, 0xff, 0xff,	/* back */
		3, 30, 0x04, 0x00, 0x50,
		0x83, 0x04, 0x00, 0x50,
	};
	static const uint8_t twins[] = {
		4, 0x02, 0x01, 0xbb, 4, 0x00, 0x01, 0xbb, 4, 0x01, 0x00, 0x35,
		4, 0x03, 0x00, 0x00, 1, 0x03, 0x00, 0x00, 0, 0,
		2, 0x03, 0x00, 0x00,
	};

	static const uint8_t one_each[][24] = {
		{ 1, 0x01, 0x00, 0x35, 1, 4, 'a', 'b', 'c', 'd',
		  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 },
		{ 2, 0x05, 0x11, 0x5c, 0, 0, 0, 0, 0, 0, 0, 42,
		  9, 9, 9, 9, 9, 9, 9, 9 },
		{ 0x84, 0x00, 0x10, 0x00, 0x00, 1, 0x02, 0x00, 0x35, 2, 1, 'z' },
		{ 0, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0xff, 0xff,
		  1, 0x00, 0x00, 0x01, 2, 2, 'h', 'i' },
		{ 3, 21, 0x0c, 0x01, 0x01, 3, 21, 0x0d, 0x01, 0x01,
		  1, 0x0c, 0x01, 0x01, 0, 0 },
	};
	static const char *const names[] = {
		"check-v6-random-mac2", "reply-v6", "clock-back-then-mapped",
		"long-pause", "two-sources-loaded",
	};
	unsigned int i;

	target("fuzz_cookie");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		seed(names[i], one_each[i], sizeof(one_each[i]));
	seed("valid-mac2", valid, sizeof(valid));
	seed("flood-then-cookie", flood, sizeof(flood));
	seed("secret-rotation", rotate, sizeof(rotate));
	seed("twins-and-unusable", twins, sizeof(twins));
}

/* ---- certificates ------------------------------------------------------ */

static void seed_der(const char *name, uint8_t flags, X509 *x)
{
	uint8_t *der = NULL;
	size_t len;

	MUST(!cert_to_der(x, &der, &len));
	seed_flags(name, flags, der, len);
	OPENSSL_free(der);
}

static void seed_pem(const char *name, X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	MUST(bio && PEM_write_bio_X509(bio, x) == 1);
	n = BIO_get_mem_data(bio, &p);
	seed_flags(name, 0x01, p, (size_t)n);
	BIO_free(bio);
}

static void seeds_cert(void)
{
	static const char *const many_ips[] = {
		"100.64.0.9", "100.64.0.10", "fd61:6567:6973::9", "10.0.0.9",
	};
	static const char *const many_pfx[] = {
		"192.168.0.0/16", "10.0.0.0/8", "fd00::/8", "0.0.0.0/0",
		"::/0", "172.16.0.0/12", "2001:db8::/32", "198.51.100.7/32",
	};
	char dir[] = "/tmp/aegis-seeds.XXXXXX", kp[64], cp[64], err[256];
	EVP_PKEY *ca2_key;
	X509 *ca2, *x;
	uint8_t t[4] = { 0, 0, 0, 1 };
	uint8_t buf[4 + 4096];
	uint8_t *der = NULL;
	size_t len;

	target("fuzz_cert");
	seed_der("alpha", 0x00, fx.alpha.cert);
	seed_der("bravo", 0x00, fx.bravo.cert);
	seed_der("alpha-expected", 0x02, fx.alpha.cert);
	seed_der("bravo-not-expected", 0x02, fx.bravo.cert);
	seed_der("alpha-resigned", 0x04, fx.alpha.cert);
	seed_der("ca", 0x00, fx.ca);
	seed_der("ca-resigned", 0x04, fx.ca);
	seed_pem("alpha-pem", fx.alpha.cert);
	seed_pem("ca-pem", fx.ca);

	/* At the dawn of time: not yet valid. */
	MUST(!cert_to_der(fx.alpha.cert, &der, &len) && len <= 4096);
	memcpy(buf, t, 4);
	memcpy(buf + 4, der, len);
	seed_flags("alpha-epoch", 0x08, buf, len + 4);
	OPENSSL_free(der);

	x = issue(fx.ca_key, fx.ca, fx.bravo.key, "expired.example.net",
		  bravo_ips, 1, bravo_pfx, 1, 0, fx.now - 30 * DAY,
		  fx.now - DAY);
	seed_der("expired", 0x00, x);
	X509_free(x);
	x = issue(fx.ca_key, fx.ca, fx.alpha.key, "many", many_ips, 4,
		  many_pfx, 8, CERT_ROLE_RELAY | CERT_ROLE_EXIT,
		  fx.now - DAY, fx.now + 3650L * DAY);
	seed_der("many-ips-prefixes", 0x00, x);
	X509_free(x);

	/* Another network's CA. */
	MUST(mkdtemp(dir));
	snprintf(kp, sizeof(kp), "%s/ca.key", dir);
	snprintf(cp, sizeof(cp), "%s/ca.crt", dir);
	if (ca_init(kp, cp, "othernet", 2048, 3650, err, sizeof(err)) ||
	    ca_load_key(kp, &ca2_key, err, sizeof(err)) ||
	    cert_load_pem(cp, &ca2, err, sizeof(err)))
		die("CA2: %s", err);
	unlink(kp);
	unlink(cp);
	rmdir(dir);
	x = issue(ca2_key, ca2, fx.alpha.key, "alpha", alpha_ips, 2, alpha_pfx,
		  2, 0, fx.now - DAY, fx.now + 3650L * DAY);
	seed_der("foreign-ca", 0x00, x);
	X509_free(x);
	EVP_PKEY_free(ca2_key);
	X509_free(ca2);
}

/* ---- configuration ----------------------------------------------------- */

static void seed_text(const char *name, const char *text)
{
	seed(name, text, strlen(text));
}

static void seeds_config(const char *templates)
{
	struct dirent *e;
	DIR *d;

	target("fuzz_config");
	d = templates ? opendir(templates) : NULL;
	while (d && (e = readdir(d))) {
		char path[4352], buf[65536], name[300];
		size_t n;
		FILE *f;

		if (!strstr(e->d_name, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", templates, e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		snprintf(name, sizeof(name), "template-%s", e->d_name);
		seed(name, buf, n);
	}
	if (d)
		closedir(d);

	seed_text("minimal",
		  "mesh_ip: 100.64.0.1\nca_file: ca.crt\n"
		  "cert_file: node.crt\nkey_file: node.key\n");
	seed_text("sections",
		  "node:\n  name: n1\n  network: mesh\n  mesh_ip: 10.1.0.5\n"
		  "  mesh_ip6: fd00:1::5\n  network_cidr: 10.1.0.0/16\n"
		  "  network_cidr6: fd00:1::/64\n"
		  "trust: {ca_file: /a/ca.crt, cert_file: n.crt, key_file: n.key}\n"
		  "transport:\n  listen_port: 0\n"
		  "session:\n  rekey_interval: 2\n  cipher: chacha20\n"
		  "  keepalive: 0\n  persistent_keepalive: 15\n"
		  "peers:\n  static: ['[fe80::1%eth0]:443', '192.0.2.1:1',"
		  " 'a-b.example.net.:65535']\n  max: 1\n"
		  "routes:\n  accept: no\n  advertise: [192.168.0.0/24, "
		  "'2001:db8::/48']\n"
		  "interface:\n  name: aeg.0\n  mtu: 9000\n"
		  "control:\n  socket: ctl.sock\n  log_level: DEBUG\n");
	seed_text("inert-keys",
		  "mesh_ip: 100.64.0.1\nca_file: c\ncert_file: c\nkey_file: k\n"
		  "use_tls: true\nstealth_mode: on\nstealth_domains: [a.com]\n"
		  "coordinators: [x]\nauto_discovery: yes\n"
		  "stun_servers: [stun.example:3478]\nturn_servers: []\n"
		  "upnp_enabled: false\ndns_servers: [1.1.1.1, '::1']\n"
		  "allowed_ips: [0.0.0.0/0]\nexcluded_routes: ['10.0.0.0/8']\n"
		  "default_route: no\nenable_tun: false\nexit_node: true\n"
		  "mesh_routing: true\nload_balancing: true\n"
		  "something_new: 1\nsomething_else: {a: [1, 2]}\n");
	seed_text("alias", "a: &x 1\nb: *x\n");
	seed_text("tag", "mesh_ip: !!str 100.64.0.1\n");
	seed_text("duplicate",
		  "mesh_ip: 100.64.0.1\nnode:\n  mesh_ip: 100.64.0.2\n");
	seed_text("two-docs", "mesh_ip: 1.2.3.4\n---\nmesh_ip: 1.2.3.4\n");
	seed_text("block-scalar",
		  "node_name: |\n  two\n  lines\nkey_file: >\n  folded\n");
	seed_text("outside-network",
		  "mesh_ip: 100.65.0.1\nca_file: c\ncert_file: c\nkey_file: k\n"
		  "network_cidr: 100.64.0.0/30\n");
	seed_text("broadcast",
		  "mesh_ip: 100.64.0.3\nca_file: c\ncert_file: c\nkey_file: k\n"
		  "network_cidr: 100.64.0.0/30\n");
	seed_text("empty", "");
	seed_text("null-doc", "~\n");
	seed_text("list-top", "- a\n- b\n");
	seed_text("quoted-numbers",
		  "mtu: '1400'\nlisten_port: \"443\"\nkeepalive: 0x10\n");
}

/* ---- mesh messages ----------------------------------------------------- */

static uint8_t alpha_hash[ID];

/* A record of origin with seq, signed by key (NULL: a fake signature). */
static size_t make_record(uint8_t *out, const uint8_t *origin, EVP_PKEY *key,
			  const struct fuzz_node *n, uint64_t seq, bool leave,
			  uint32_t roles, const struct aegis_prefix *pfx,
			  unsigned int n_pfx)
{
	struct wire_mesh_record r;
	struct wire_mesh_buf w;
	struct identity_span span;
	uint8_t sig[WIRE_MAX_SIG];
	size_t sig_len = key ? (size_t)EVP_PKEY_get_size(key) : 16;

	memset(&r, 0, sizeof(r));
	r.origin = origin;
	r.seq = seq;
	r.expiry = (uint64_t)fx.now + 30 * DAY;
	r.roles = roles;
	r.flags = leave ? WIRE_MESH_REC_LEAVE : 0;
	r.cert_len = (uint16_t)n->der_len;
	r.cert_hash = n == &fx.alpha ? alpha_hash : origin;
	if (!leave) {
		r.n_endpoints = 2;
		aegis_addr_parse("192.0.2.1", &r.ep[0].addr);
		r.ep[0].port = 443;
		r.ep[0].kind = WIRE_MESH_EP_LOCAL;
		aegis_addr_parse("2001:db8::1", &r.ep[1].addr);
		r.ep[1].port = 4433;
		r.ep[1].kind = WIRE_MESH_EP_REFLEXIVE;
		r.prefixes.n = n_pfx;
		if (n_pfx)
			memcpy(r.prefixes.p, pfx, n_pfx * sizeof(*pfx));
	}
	wire_mesh_buf_init(&w, out, WIRE_MESH_MAX_RECORD);
	MUST(!wire_mesh_record_build(&w, &r));
	memset(sig, 0xab, sizeof(sig));
	if (key) {
		span.p = out;
		span.len = w.len;
		MUST(!identity_sign(key, &span, 1, sig, sig_len));
	}
	MUST(!wire_mesh_record_add_sig(&w, sig, sig_len));
	return w.len;
}

/* A revocation list of three ids (alpha's among them), CA-signed. */
static size_t make_crl(uint8_t *out, size_t cap)
{
	uint8_t ids[3 * ID], sig[WIRE_MAX_SIG], ca_id[ID];
	struct identity_span span;
	struct wire_mesh_crl c;
	struct wire_mesh_buf w;
	size_t sig_len = (size_t)EVP_PKEY_get_size(fx.ca_key);
	unsigned int i;

	memset(ids, 0, sizeof(ids));
	ids[0] = 0x01;
	memcpy(ids + ID, fx.alpha.id, ID);
	memset(ids + 2 * ID, 0xff, ID);
	/* Sorted: alpha's id goes where it belongs. */
	if (memcmp(ids, ids + ID, ID) > 0) {
		memcpy(ids + ID, ids, ID);
		memcpy(ids, fx.alpha.id, ID);
	}
	for (i = 0; i + 1 < 3; i++)
		MUST(memcmp(ids + i * ID, ids + (i + 1) * ID, ID) < 0);
	MUST(!identity_node_id(X509_get0_pubkey(fx.ca), ca_id));
	memset(&c, 0, sizeof(c));
	c.issuer = ca_id;
	c.version = 3;
	c.issued = (uint64_t)fx.now;
	c.next_update = (uint64_t)fx.now + DAY;
	c.n = 3;
	c.ids = ids;
	wire_mesh_buf_init(&w, out, cap);
	MUST(!wire_mesh_crl_build(&w, &c));
	span.p = out;
	span.len = w.len;
	MUST(!identity_sign(fx.ca_key, &span, 1, sig, sig_len));
	MUST(!wire_mesh_crl_add_sig(&w, sig, sig_len));
	return w.len;
}

/* An object as OBJECT_CHUNKs, each in b (which grows as needed). */
static void put_chunks(struct wire_mesh_buf *b, uint8_t kind,
		       const uint8_t *obj, size_t len)
{
	struct wire_mesh_object_chunk c;
	uint8_t key[ID];
	size_t off = 0;

	SHA256(obj, len, key);
	while (off < len) {
		size_t room = 600;

		c.kind = kind;
		c.key = key;
		c.total = (uint32_t)len;
		c.offset = (uint32_t)off;
		c.data = obj + off;
		c.data_len = len - off < room ? len - off : room;
		MUST(!wire_mesh_put_object_chunk(b, &c));
		off += c.data_len;
	}
}

/* A harness command (fuzz_member.c) as a TLV. */
static void put_cmd(struct wire_mesh_buf *b, unsigned int type,
		    const void *body, size_t len)
{
	MUST(!wire_mesh_bundle_add(b, type, body, len));
}

static uint8_t bundle_mem[WIRE_MESH_MAX_MTU];

static void bundle_begin(struct wire_mesh_buf *b)
{
	MUST(!wire_mesh_bundle_init(b, bundle_mem, WIRE_MESH_MAX_MTU));
}

static void seed_bundle(const char *name, uint8_t prefix,
			const struct wire_mesh_buf *b)
{
	if (prefix == 0xff)
		seed(name, b->data, b->len);
	else
		seed_flags(name, prefix, b->data, b->len);
}

static void make_ids(uint8_t ids[8][ID])
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		memset(ids[i], 0x10 * i + 1, ID);
		ids[i][0] = (uint8_t)(i * 3);
	}
}

static void seeds_mesh(void)
{
	uint8_t rec[WIRE_MESH_MAX_RECORD], crl[1024], ids[8][ID], hs_part[8];
	uint8_t set_hash[16], bhash[8];
	struct wire_mesh_buf b;
	size_t rec_len, crl_len;
	unsigned int i;

	SHA256(fx.alpha.der, fx.alpha.der_len, alpha_hash);
	make_ids(ids);
	memset(set_hash, 0x77, sizeof(set_hash));
	memset(bhash, 0x66, sizeof(bhash));
	memset(hs_part, 0, sizeof(hs_part));
	rec_len = make_record(rec, fx.alpha.id, fx.alpha.key, &fx.alpha, 5,
			      false, CERT_ROLE_RELAY, fx.alpha.routes,
			      fx.alpha.n_routes);
	crl_len = make_crl(crl, sizeof(crl));

	target("fuzz_wire_mesh");
	seed_flags("record", 0x02, rec, rec_len);
	{
		uint8_t leave[WIRE_MESH_MAX_RECORD];
		size_t n = make_record(leave, fx.alpha.id, NULL, &fx.alpha, 6,
				       true, 0, NULL, 0);

		seed_flags("record-leave", 0x02, leave, n);
	}
	seed_flags("crl", 0x01, crl, crl_len);

	/* One bundle per message type, and one with all of them. */
	{
		struct wire_mesh_record_request rr;
		struct wire_mesh_digest_summary sum = { 42, set_hash };
		struct wire_mesh_digest_buckets bk;
		struct wire_mesh_digest_entries en;
		struct wire_mesh_digest_request dr = {
			WIRE_MESH_DIGEST_WANT_ENTRIES, 0, 200, 29,
		};
		struct wire_mesh_ping ping = { 7, 5 };
		struct wire_mesh_ack ack = { 7, WIRE_MESH_ACK_NACK, 5, ids[1] };
		struct wire_mesh_ping_req pr = { 8, ids[2] };
		struct wire_mesh_suspect su = {
			WIRE_MESH_STATE_SUSPECT, ids[3], 5, ids[4],
		};
		struct wire_mesh_probe pb = { 9, 123456789, 0 };
		struct wire_mesh_probe ec = { 9, 123456789, 250 };
		struct wire_mesh_route_update ru;
		struct wire_mesh_seqno_request sr = { ids[5], 3, 16, ids[6] };
		struct wire_mesh_object_request orq = {
			WIRE_MESH_OBJ_CERT, alpha_hash, 0, 0,
		};
		struct wire_mesh_relayed_hs rh;
		struct wire_mesh_buf all;
		static uint8_t all_mem[WIRE_MESH_MAX_MTU];
		static const char *const names[] = {
			"b-record-request", "b-digest-summary", "b-digest-buckets",
			"b-digest-entries", "b-digest-request", "b-ping", "b-ack",
			"b-ping-req", "b-suspect", "b-probe", "b-echo",
			"b-route-update", "b-seqno-request", "b-revocation-version",
			"b-object-request", "b-relayed-hs", "b-unknown-type",
		};

		memset(&rr, 0, sizeof(rr));
		rr.n = 2;
		rr.e[0].origin = fx.alpha.id;
		rr.e[0].want = WIRE_MESH_WANT_RECORD | WIRE_MESH_WANT_CERT;
		rr.e[1].origin = ids[0];
		rr.e[1].have_seq = 9;
		rr.e[1].want = WIRE_MESH_WANT_RECORD;
		memset(&bk, 0, sizeof(bk));
		bk.first = 60;
		bk.n = 4;
		for (i = 0; i < bk.n; i++) {
			bk.b[i].members = (uint16_t)i;
			bk.b[i].hash = bhash;
		}
		memset(&en, 0, sizeof(en));
		en.first_bucket = 0;
		en.last_bucket = 255;
		en.total = 10;
		en.offset = 2;
		en.n = 8;
		for (i = 0; i < en.n; i++) {
			en.e[i].origin = ids[i];
			en.e[i].seq = i + 1;
		}
		memset(&ru, 0, sizeof(ru));
		ru.interval = 400;
		ru.n = 3;
		for (i = 0; i < ru.n; i++) {
			ru.e[i].origin = ids[i];
			ru.e[i].seqno = (uint16_t)(100 + i);
			ru.e[i].metric = i == 2 ? WIRE_MESH_METRIC_INF : 256;
		}
		memset(&rh, 0, sizeof(rh));
		rh.hop_limit = 8;
		rh.src = fx.alpha.id;
		rh.dst = fx.bravo.id;
		rh.packet_id = 77;
		rh.total = (uint16_t)fx.init.len;
		rh.offset = 0;
		rh.data = fx.init.msg;
		rh.data_len = 1000;

		MUST(!wire_mesh_bundle_init(&all, all_mem, WIRE_MESH_MAX_MTU));
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			bundle_begin(&b);
			switch (i) {
			case 0:
				MUST(!wire_mesh_put_record_request(&b, &rr));
				break;
			case 1:
				MUST(!wire_mesh_put_digest_summary(&b, &sum));
				break;
			case 2:
				MUST(!wire_mesh_put_digest_buckets(&b, &bk));
				break;
			case 3:
				MUST(!wire_mesh_put_digest_entries(&b, &en));
				break;
			case 4:
				MUST(!wire_mesh_put_digest_request(&b, &dr));
				break;
			case 5:
				MUST(!wire_mesh_put_ping(&b, &ping));
				break;
			case 6:
				MUST(!wire_mesh_put_ack(&b, &ack));
				break;
			case 7:
				MUST(!wire_mesh_put_ping_req(&b, &pr));
				break;
			case 8:
				MUST(!wire_mesh_put_suspect(&b, &su));
				break;
			case 9:
				MUST(!wire_mesh_put_probe(&b, &pb));
				break;
			case 10:
				MUST(!wire_mesh_put_echo(&b, &ec));
				break;
			case 11:
				MUST(!wire_mesh_put_route_update(&b, &ru));
				break;
			case 12:
				MUST(!wire_mesh_put_seqno_request(&b, &sr));
				break;
			case 13:
				MUST(!wire_mesh_put_revocation_version(&b, 3));
				break;
			case 14:
				MUST(!wire_mesh_put_object_request(&b, &orq));
				break;
			case 15:
				MUST(!wire_mesh_put_relayed_hs(&b, &rh));
				rh.offset = 1000;
				rh.data = fx.init.msg + 1000;
				rh.data_len = fx.init.len - 1000;
				MUST(!wire_mesh_put_relayed_hs(&b, &rh));
				break;
			default:
				put_cmd(&b, 200, "future", 6);
				break;
			}
			seed_bundle(names[i], 0x00, &b);
			if (i != 15)
				MUST(!wire_mesh_bundle_add(&all, b.data[0],
							   b.data + 3,
							   b.len - 3));
			/* The body alone (mode 3): type, then the body. */
			if (i < 15) {
				char name[64];

				snprintf(name, sizeof(name), "body-%s", names[i] + 2);
				b.data[2] = b.data[0];
				seed_flags(name, 0x03, b.data + 2, b.len - 2);
			}
		}
		seed_bundle("b-many", 0x00, &all);
	}
	bundle_begin(&b);
	MUST(!wire_mesh_bundle_add(&b, WIRE_MESH_NODE_RECORD, rec, rec_len));
	put_chunks(&b, WIRE_MESH_OBJ_CERT, fx.alpha.der, fx.alpha.der_len);
	seed_bundle("b-record-and-cert", 0x00, &b);
	bundle_begin(&b);
	put_chunks(&b, WIRE_MESH_OBJ_CRL, crl, crl_len);
	seed_bundle("b-crl-chunks", 0x00, &b);

	/* ---- fuzz_member: bundles as bravo receives them ---- */
	target("fuzz_member");
	{
		uint8_t rec2[WIRE_MESH_MAX_RECORD], own[WIRE_MESH_MAX_RECORD];
		uint8_t bad[WIRE_MESH_MAX_RECORD], fake[WIRE_MESH_MAX_RECORD];
		size_t rec2_len, own_len, bad_len, fake_len;
		struct aegis_prefix outside;
		uint8_t t1[4] = { 0, 5, 0, 0 }, t2[4] = { 0, 2, 0x01, 0xf4 };
		uint8_t t3[4] = { 0xff, 0xff, 0, 0 }, self[2] = { 1, 0 };

		rec2_len = make_record(rec2, fx.alpha.id, fx.alpha.key, &fx.alpha,
				       9, true, 0, NULL, 0);
		own_len = make_record(own, fx.bravo.id, fx.bravo.key, &fx.bravo,
				      100, false, 0, fx.bravo.routes,
				      fx.bravo.n_routes);
		MUST(!aegis_prefix_parse("10.99.0.0/16", &outside, NULL, 0));
		bad_len = make_record(bad, fx.alpha.id, fx.alpha.key, &fx.alpha,
				      7, false, CERT_ROLE_EXIT, &outside, 1);

		bundle_begin(&b);
		put_chunks(&b, WIRE_MESH_OBJ_CERT, fx.alpha.der, fx.alpha.der_len);
		MUST(!wire_mesh_bundle_add(&b, WIRE_MESH_NODE_RECORD, rec,
					   rec_len));
		seed_bundle("cert-then-record", 0xff, &b);

		bundle_begin(&b);
		MUST(!wire_mesh_bundle_add(&b, WIRE_MESH_NODE_RECORD, rec,
					   rec_len));
		put_chunks(&b, WIRE_MESH_OBJ_CERT, fx.alpha.der, fx.alpha.der_len);
		MUST(!wire_mesh_bundle_add(&b, WIRE_MESH_NODE_RECORD, rec,
					   rec_len));
		MUST(!wire_mesh_bundle_add(&b, WIRE_MESH_NODE_RECORD, rec2,
					   rec2_len));
		put_cmd(&b, 0xf0, t1, sizeof(t1));
		seed_bundle("record-waits-for-cert-then-leave", 0xff, &b);

		/* SWIM with alpha as a member; bravo suspected, refutes. */
		bundle_begin(&b);
		put_cmd(&b, 0xf3, fx.alpha.der, fx.alpha.der_len);
		MUST(!wire_mesh_bundle_add(&b, WIRE_MESH_NODE_RECORD, rec,
					   rec_len));
		put_cmd(&b, 0xf0, t2, sizeof(t2));
		put_cmd(&b, 0xf0, t2, sizeof(t2));
		{
			struct wire_mesh_ping ping = { 1, 5 };
			struct wire_mesh_ack ack = { 1, 0, 5, fx.alpha.id };
			struct wire_mesh_ping_req pr = { 2, fx.alpha.id };
			struct wire_mesh_suspect su = {
				WIRE_MESH_STATE_SUSPECT, fx.bravo.id, 0,
				fx.alpha.id,
			};
			struct wire_mesh_suspect dead = {
				WIRE_MESH_STATE_DEAD, fx.alpha.id, 5, ids[1],
			};

			MUST(!wire_mesh_put_ping(&b, &ping));
			MUST(!wire_mesh_put_ack(&b, &ack));
			MUST(!wire_mesh_put_ping_req(&b, &pr));
			MUST(!wire_mesh_put_suspect(&b, &su));
			put_cmd(&b, 0xf7, self, sizeof(self));
			put_cmd(&b, 0xf0, t2, sizeof(t2));
			MUST(!wire_mesh_put_suspect(&b, &dead));
			put_cmd(&b, 0xf0, t2, sizeof(t2));
		}
		seed_bundle("swim", 0xff, &b);

		/* Revocation: the list arrives, alpha goes. */
		bundle_begin(&b);
		put_cmd(&b, 0xf3, fx.alpha.der, fx.alpha.der_len);
		MUST(!wire_mesh_bundle_add(&b, WIRE_MESH_NODE_RECORD, rec,
					   rec_len));
		put_chunks(&b, WIRE_MESH_OBJ_CRL, crl, crl_len);
		put_cmd(&b, 0xf0, t2, sizeof(t2));
		MUST(!wire_mesh_bundle_add(&b, WIRE_MESH_NODE_RECORD, rec,
					   rec_len));
		seed_bundle("revoked", 0xff, &b);

		/* Signatures good, contents not; ours back; requests. */
		bundle_begin(&b);
		put_cmd(&b, 0xf3, fx.alpha.der, fx.alpha.der_len);
		put_cmd(&b, 0xf3, fx.bravo.der, fx.bravo.der_len);
		MUST(!wire_mesh_bundle_add(&b, WIRE_MESH_NODE_RECORD, bad,
					   bad_len));
		put_cmd(&b, 0xf5, bad, bad_len);
		MUST(!wire_mesh_bundle_add(&b, WIRE_MESH_NODE_RECORD, own,
					   own_len));
		put_cmd(&b, 0xf7, self, sizeof(self));
		MUST(!wire_mesh_bundle_add(&b, WIRE_MESH_NODE_RECORD, rec,
					   rec_len));
		{
			struct wire_mesh_record_request rr;
			struct wire_mesh_object_request orq = {
				WIRE_MESH_OBJ_CERT, alpha_hash, 100, 300,
			};

			memset(&rr, 0, sizeof(rr));
			rr.n = 2;
			rr.e[0].origin = fx.alpha.id;
			rr.e[0].want = WIRE_MESH_WANT_RECORD | WIRE_MESH_WANT_CERT;
			rr.e[1].origin = fx.bravo.id;
			rr.e[1].want = WIRE_MESH_WANT_RECORD | WIRE_MESH_WANT_CERT;
			MUST(!wire_mesh_put_record_request(&b, &rr));
			MUST(!wire_mesh_put_object_request(&b, &orq));
		}
		put_cmd(&b, 0xf6, fx.alpha.id, ID);
		put_cmd(&b, 0xf0, t3, sizeof(t3));
		put_cmd(&b, 0xf4, fx.alpha.id, ID);
		seed_bundle("checks-requests-own", 0xff, &b);

		/* Anti-entropy over unverified members. */
		bundle_begin(&b);
		for (i = 0; i < 8; i++) {
			fake_len = make_record(fake, ids[i], NULL, &fx.bravo,
					       i + 1, false, 0, NULL, 0);
			put_cmd(&b, 0xf2, fake, fake_len);
		}
		{
			struct wire_mesh_digest_summary sum = { 8, set_hash };
			struct wire_mesh_digest_request r1 = {
				WIRE_MESH_DIGEST_WANT_BUCKETS, 0, 255, 0,
			};
			struct wire_mesh_digest_request r2 = {
				WIRE_MESH_DIGEST_WANT_ENTRIES, 0, 255, 0,
			};
			struct wire_mesh_digest_buckets bk;
			struct wire_mesh_digest_entries en;

			memset(&bk, 0, sizeof(bk));
			bk.first = 0;
			bk.n = 64;
			for (i = 0; i < bk.n; i++) {
				bk.b[i].members = i % 3 == 0;
				bk.b[i].hash = bhash;
			}
			memset(&en, 0, sizeof(en));
			en.first_bucket = 0;
			en.last_bucket = 63;
			en.total = 6;
			en.n = 4;
			for (i = 0; i < en.n; i++) {
				en.e[i].origin = ids[i];
				en.e[i].seq = 2 * i + 1;
			}
			MUST(!wire_mesh_put_digest_summary(&b, &sum));
			MUST(!wire_mesh_put_digest_request(&b, &r1));
			MUST(!wire_mesh_put_digest_request(&b, &r2));
			MUST(!wire_mesh_put_digest_buckets(&b, &bk));
			MUST(!wire_mesh_put_digest_entries(&b, &en));
			en.offset = 4;
			en.n = 2;
			en.e[0].origin = ids[5];
			en.e[1].origin = ids[6];
			MUST(!wire_mesh_put_digest_entries(&b, &en));
		}
		put_cmd(&b, 0xf4, ids[2], ID);
		seed_bundle("digest", 0xff, &b);

		/* A record nobody has the certificate of: it waits, then
		 * times out. */
		bundle_begin(&b);
		MUST(!wire_mesh_bundle_add(&b, WIRE_MESH_NODE_RECORD, rec,
					   rec_len));
		put_cmd(&b, 0xf0, "\x00\x3d\x00\x00", 4);
		seed_bundle("pending-times-out", 0xff, &b);

		/* Our own record, then asked for it and our certificate. */
		bundle_begin(&b);
		put_cmd(&b, 0xf7, self, sizeof(self));
		{
			struct wire_mesh_record_request rr;
			struct wire_mesh_object_request orq = {
				WIRE_MESH_OBJ_CERT, alpha_hash, 0, 0,
			};

			memset(&rr, 0, sizeof(rr));
			rr.n = 1;
			rr.e[0].origin = fx.bravo.id;
			rr.e[0].want = WIRE_MESH_WANT_RECORD | WIRE_MESH_WANT_CERT;
			MUST(!wire_mesh_put_record_request(&b, &rr));
			MUST(!wire_mesh_put_object_request(&b, &orq));
		}
		put_cmd(&b, 0xf7, "\x03\x01", 2);
		seed_bundle("self-record", 0xff, &b);

		/* Many unverified members, then they all expire. */
		bundle_begin(&b);
		for (i = 0; i < 8; i++) {
			fake_len = make_record(fake, ids[i], NULL, &fx.bravo,
					       100 + i, false, 0, NULL, 0);
			put_cmd(&b, 0xf2, fake, fake_len);
		}
		put_cmd(&b, 0xf0, "\xff\xff\x00\x00", 4);
		put_cmd(&b, 0xf0, "\xff\xff\x00\x00", 4);
		put_cmd(&b, 0xf0, "\xff\xff\x00\x00", 4);
		seed_bundle("insert-then-expire", 0xff, &b);

		/* A bucket page that differs, then the walk of its entries. */
		bundle_begin(&b);
		fake_len = make_record(fake, ids[1], NULL, &fx.bravo, 3, false,
				       0, NULL, 0);
		put_cmd(&b, 0xf2, fake, fake_len);
		{
			struct wire_mesh_digest_buckets bk;
			struct wire_mesh_digest_entries en;

			memset(&bk, 0, sizeof(bk));
			bk.first = 0;
			bk.n = 8;
			for (i = 0; i < bk.n; i++) {
				bk.b[i].members = 1;
				bk.b[i].hash = bhash;
			}
			MUST(!wire_mesh_put_digest_buckets(&b, &bk));
			memset(&en, 0, sizeof(en));
			en.first_bucket = 0;
			en.last_bucket = 7;
			en.total = 3;
			en.n = 2;
			en.e[0].origin = ids[0];
			en.e[0].seq = 1;
			en.e[1].origin = ids[1];
			en.e[1].seq = 9;
			MUST(!wire_mesh_put_digest_entries(&b, &en));
			en.offset = 2;
			en.n = 1;
			en.e[0].origin = ids[2];
			MUST(!wire_mesh_put_digest_entries(&b, &en));
		}
		seed_bundle("digest-walk", 0xff, &b);
	}
}

/* ---- netlink ----------------------------------------------------------- */

static struct nl_msg *nl_new(uint8_t cmd, int type, uint32_t seq)
{
	struct nl_msg *m = nlmsg_alloc();

	MUST(m);
	MUST(genlmsg_put(m, 4242, seq, type, 0, 0, cmd, AEGIS_GENL_VERSION));
	return m;
}

static void put_node_nest(struct nl_msg *m, bool full)
{
	struct nlattr *n = nla_nest_start(m, AEGIS_A_NODE | NLA_F_NESTED);
	uint8_t ip[4] = { 192, 0, 2, 1 };

	MUST(n);
	MUST(!nla_put(m, AEGIS_NODE_A_ID, ID, fx.alpha.id));
	MUST(!nla_put(m, AEGIS_NODE_A_ENDPOINT_IP4, 4, ip));
	MUST(!nla_put_u16(m, AEGIS_NODE_A_ENDPOINT_PORT, htons(443)));
	if (full) {
		struct nlattr *d;

		MUST(!nla_put(m, AEGIS_NODE_A_VIA, 0, NULL));
		MUST(!nla_put_u16(m, AEGIS_NODE_A_KEEPALIVE, 25));
		MUST(!nla_put_u32(m, AEGIS_NODE_A_FLAGS, AEGIS_NODE_F_RELAY));
		MUST(!nla_put_u64(m, AEGIS_NODE_A_RX_BYTES, 1000));
		MUST(!nla_put_u64(m, AEGIS_NODE_A_RX_PACKETS, 10));
		MUST(!nla_put_u64(m, AEGIS_NODE_A_TX_BYTES, 2000));
		MUST(!nla_put_u64(m, AEGIS_NODE_A_TX_PACKETS, 20));
		MUST(!nla_put_u64(m, AEGIS_NODE_A_LAST_RX, 123456789));
		d = nla_nest_start(m, AEGIS_NODE_A_DROPS | NLA_F_NESTED);
		MUST(d);
		MUST(!nla_put_u64(m, AEGIS_DROP_A_REPLAY, 3));
		MUST(!nla_put_u64(m, AEGIS_DROP_A_AUTH, 4));
		MUST(!nla_put_u64(m, AEGIS_DROP_A_ECN, 5));
		nla_nest_end(m, d);
	}
	nla_nest_end(m, n);
}

static void put_key_nest(struct nl_msg *m)
{
	struct nlattr *n = nla_nest_start(m, AEGIS_A_KEY | NLA_F_NESTED);

	MUST(n);
	MUST(!nla_put(m, AEGIS_KEY_A_NODE_ID, ID, fx.alpha.id));
	MUST(!nla_put_u8(m, AEGIS_KEY_A_SLOT, AEGIS_KEY_SLOT_SECONDARY));
	MUST(!nla_put_u8(m, AEGIS_KEY_A_KEY_ID, 3));
	MUST(!nla_put_u8(m, AEGIS_KEY_A_CIPHER, AEGIS_CIPHER_AES_GCM));
	MUST(!nla_put_u64(m, AEGIS_KEY_A_RX_INDEX, 0x1234));
	MUST(!nla_put_u64(m, AEGIS_KEY_A_TX_INDEX, 0x5678));
	MUST(!nla_put_u32(m, AEGIS_KEY_A_SOFT_LIFETIME, 3600));
	MUST(!nla_put_u32(m, AEGIS_KEY_A_HARD_LIFETIME, 5400));
	MUST(!nla_put_u32(m, AEGIS_KEY_A_AGE, 12));
	MUST(!nla_put_flag(m, AEGIS_KEY_A_CONFIRMED));
	MUST(!nla_put_u64(m, AEGIS_KEY_A_TX_PACKETS, 7));
	MUST(!nla_put_u64(m, AEGIS_KEY_A_RX_PACKETS, 8));
	nla_nest_end(m, n);
}

/* An ack (error 0) or an error with an extended ack naming offs. */
static size_t make_ack(uint8_t *out, int error, const char *text,
		       uint32_t offs)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)out;
	struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t len = NLMSG_LENGTH(sizeof(*e));

	memset(out, 0, 256);
	e->error = error;
	e->msg.nlmsg_len = 36;
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED;
	if (text) {
		struct nlattr *a = (struct nlattr *)(out + len);
		size_t tl = strlen(text) + 1;

		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		a->nla_type = NLMSGERR_ATTR_MSG;
		a->nla_len = (uint16_t)(NLA_HDRLEN + tl);
		memcpy(out + len + NLA_HDRLEN, text, tl);
		len += NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)(out + len);
		a->nla_type = NLMSGERR_ATTR_OFFS;
		a->nla_len = NLA_HDRLEN + 4;
		memcpy(out + len + NLA_HDRLEN, &offs, 4);
		len += NLA_ALIGN(a->nla_len);
	}
	nlh->nlmsg_len = (uint32_t)len;
	return len;
}

/* Datagrams of modes 1-3: a flags byte, then u16 length | bytes each. */
struct dgrams {
	uint8_t b[8192];
	size_t n;
};

static void dg_begin(struct dgrams *d, uint8_t flags)
{
	d->n = 0;
	d->b[d->n++] = flags;
}

static void dg_add(struct dgrams *d, const void *p, size_t len)
{
	MUST(d->n + 2 + len <= sizeof(d->b));
	d->b[d->n++] = (uint8_t)(len >> 8);
	d->b[d->n++] = (uint8_t)len;
	memcpy(d->b + d->n, p, len);
	d->n += len;
}

static void dg_add_msg(struct dgrams *d, struct nl_msg *m)
{
	dg_add(d, nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len);
	nlmsg_free(m);
}

static void seeds_nl(void)
{
	const int fam = FUZZ_NL_FAMILY;
	uint8_t ack[256], two[4096];
	struct dgrams d;
	struct nl_msg *m;
	size_t n;

	target("fuzz_nl");

	/* Mode 0: the codec on single datagrams. */
	m = nl_new(AEGIS_CMD_NTF_KEY_CONFIRMED, fam, 0);
	MUST(!nla_put_u32(m, AEGIS_A_IFINDEX, FUZZ_NL_IFINDEX));
	put_key_nest(m);
	seed_flags("ntf-key-confirmed", 0x00, nlmsg_hdr(m),
		   nlmsg_hdr(m)->nlmsg_len);
	nlmsg_free(m);

	m = nl_new(AEGIS_CMD_NODE_GET, fam, 1);
	MUST(!nla_put_u32(m, AEGIS_A_IFINDEX, FUZZ_NL_IFINDEX));
	MUST(!nla_put_string(m, AEGIS_A_IFNAME, "aegis0"));
	MUST(!nla_put_u32(m, AEGIS_A_GENERATION, 5));
	put_node_nest(m, true);
	seed_flags("node-get-reply", 0x00, nlmsg_hdr(m),
		   nlmsg_hdr(m)->nlmsg_len);
	n = nlmsg_hdr(m)->nlmsg_len;
	memcpy(two, nlmsg_hdr(m), n);
	nlmsg_free(m);

	m = nl_new(AEGIS_CMD_DEV_GET, fam, 1);
	{
		struct nlattr *dev = nla_nest_start(m, AEGIS_A_DEV | NLA_F_NESTED);

		MUST(dev);
		MUST(!nla_put_u32(m, AEGIS_DEV_A_IFINDEX, FUZZ_NL_IFINDEX));
		MUST(!nla_put_string(m, AEGIS_DEV_A_IFNAME, "aegis0"));
		MUST(!nla_put(m, AEGIS_DEV_A_NODE_ID, ID, fx.bravo.id));
		MUST(!nla_put_u32(m, AEGIS_DEV_A_SOCK_FD, 3));
		MUST(!nla_put_u16(m, AEGIS_DEV_A_LISTEN_PORT, 443));
		MUST(!nla_put_u32(m, AEGIS_DEV_A_NODES, 2));
		MUST(!nla_put_u32(m, AEGIS_DEV_A_PREFIXES, 5));
		MUST(!nla_put_u32(m, AEGIS_DEV_A_IDLE_TIMEOUT, 180));
		MUST(!nla_put_u8(m, AEGIS_DEV_A_HOP_LIMIT, 8));
		nla_nest_end(m, dev);
	}
	seed_flags("dev-get-reply", 0x00, nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len);
	nlmsg_free(m);

	/* A prefix dump part and NLMSG_DONE, in one datagram. */
	m = nl_new(AEGIS_CMD_PREFIX_GET, fam, 1);
	{
		struct nlattr *p = nla_nest_start(m, AEGIS_A_PREFIX | NLA_F_NESTED);
		uint8_t ip6[16] = { 0xfd, 0, 0, 0xa };

		MUST(p);
		MUST(!nla_put(m, AEGIS_PREFIX_A_NODE_ID, ID, fx.alpha.id));
		MUST(!nla_put(m, AEGIS_PREFIX_A_IP6, 16, ip6));
		MUST(!nla_put_u8(m, AEGIS_PREFIX_A_LEN, 48));
		nla_nest_end(m, p);
	}
	n = nlmsg_hdr(m)->nlmsg_len;
	memcpy(two, nlmsg_hdr(m), n);
	nlmsg_free(m);
	{
		struct nlmsghdr *done = (struct nlmsghdr *)(two + NLMSG_ALIGN(n));

		memset(done, 0, NLMSG_LENGTH(4));
		done->nlmsg_len = NLMSG_LENGTH(4);
		done->nlmsg_type = NLMSG_DONE;
		done->nlmsg_flags = NLM_F_MULTI;
		seed_flags("prefix-dump-done", 0x00, two,
			   NLMSG_ALIGN(n) + NLMSG_LENGTH(4));
	}
	n = make_ack(ack, -EINVAL, "bad endpoint", 32);
	seed_flags("error-extack", 0x00, ack, n);
	n = make_ack(ack, 0, NULL, 0);
	seed_flags("ack", 0x00, ack, n);

	/* Mode 1: notifications through kernel_events_read(). */
	dg_begin(&d, 0x01);
	m = nl_new(AEGIS_CMD_NTF_KEY_CONFIRMED, fam, 0);
	MUST(!nla_put_u32(m, AEGIS_A_IFINDEX, FUZZ_NL_IFINDEX));
	put_key_nest(m);
	dg_add_msg(&d, m);
	m = nl_new(AEGIS_CMD_NTF_ENDPOINT, fam, 0);
	MUST(!nla_put_u32(m, AEGIS_A_IFINDEX, FUZZ_NL_IFINDEX));
	put_node_nest(m, false);
	dg_add_msg(&d, m);
	m = nl_new(AEGIS_CMD_NTF_REKEY, fam, 0);
	MUST(!nla_put_u32(m, AEGIS_A_IFINDEX, FUZZ_NL_IFINDEX + 1));
	put_key_nest(m);
	dg_add_msg(&d, m);
	seed("events", d.b, d.n);

	/* Modes 2-3: requests and their answers. */
	dg_begin(&d, 0x02);
	m = nl_new(AEGIS_CMD_NODE_GET, fam, 1);
	MUST(!nla_put_u32(m, AEGIS_A_IFINDEX, FUZZ_NL_IFINDEX));
	put_node_nest(m, true);
	dg_add_msg(&d, m);
	dg_add(&d, ack, make_ack(ack, 0, NULL, 0));
	seed("node-get", d.b, d.n);

	dg_begin(&d, 0x06);
	m = nl_new(AEGIS_CMD_KEY_GET, fam, 1);
	MUST(!nla_put_u32(m, AEGIS_A_IFINDEX, FUZZ_NL_IFINDEX));
	put_key_nest(m);
	dg_add_msg(&d, m);
	dg_add(&d, ack, make_ack(ack, 0, NULL, 0));
	seed("key-get", d.b, d.n);

	dg_begin(&d, 0x0a);
	dg_add(&d, ack, make_ack(ack, -EEXIST, "node exists", 28));
	dg_add(&d, ack, make_ack(ack, -EINVAL, "bad endpoint", 36));
	seed("node-set-extack", d.b, d.n);

	dg_begin(&d, 0x0e);
	dg_add(&d, ack, make_ack(ack, -ENOSPC, NULL, 0));
	seed("prefix-add-full", d.b, d.n);

	dg_begin(&d, 0x0e);
	dg_add(&d, ack, make_ack(ack, 0, NULL, 0));
	seed("prefix-add-ok", d.b, d.n);
}

/* fuzz_revoke: lists as the CA issues them (ca/ca_revoke.c). */
static void seeds_revoke(void)
{
	uint8_t crl[1024], add[2 * ID], *b = NULL, *b2 = NULL;
	struct revoke_list first;
	size_t crl_len, n, n2;
	char err[256];

	crl_len = make_crl(crl, sizeof(crl));
	target("fuzz_revoke");
	seed_flags("crl", 0x00, crl, crl_len);
	seed_flags("crl-resign", 0x01, crl, crl_len);
	MUST(!ca_revoke(fx.ca_key, fx.ca, NULL, NULL, 0, 30, fx.now, &b, &n,
			err, sizeof(err)));
	seed_flags("empty", 0x00, b, n);
	memcpy(add, fx.alpha.id, ID);
	memcpy(add + ID, fx.bravo.id, ID);
	MUST(!revoke_parse(b, n, fx.ca, &first, err, sizeof(err)));
	MUST(!ca_revoke(fx.ca_key, fx.ca, &first, add, 2, 7, fx.now, &b2, &n2,
			err, sizeof(err)));
	seed_flags("grown", 0x00, b2, n2);
	revoke_free(&first);
	free(b);
	free(b2);
}

/* fuzz_chan: programs of sealed packets, and a MESH datagram off the
 * wire (with keys the fuzzer does not hold). */
static void seeds_chan(void)
{
	static const uint8_t plain_once[] = {
		0x01, 0x00, 16, 0x00, 0x00, 'a', 'b', 'c', 'd', 'e', 'f', 'g',
		'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p',
	};
	static const uint8_t replay_reorder[] = {
		0x01, 0x04,
		8, 0x01, 0x00, 1, 2, 3, 4, 5, 6, 7, 8,
		8, 0x04, 0x00, 1, 2, 3, 4, 5, 6, 7, 8,
		8, 0x06, 0x09, 1, 2, 3, 4, 5, 6, 7, 8,
		0, 0x02, 0x1f,
		8, 0x05, 0x00, 1, 2, 3, 4, 5, 6, 7, 8,
	};
	uint8_t raw[1 + WIRE_SEALED_OVERHEAD + 24];
	struct wire_buf w;
	uint8_t *body;

	target("fuzz_chan");
	seed("once", plain_once, sizeof(plain_once));
	seed("replay-reorder", replay_reorder, sizeof(replay_reorder));
	MUST(!wire_build_sealed(&w, 0x1112131415161718ULL, 7, 3, 24, &body));
	memset(body, 0x42, 24 + WIRE_AEAD_TAG_LEN);
	raw[0] = 0x00;
	memcpy(raw + 1, w.data, w.len);
	seed("raw", raw, 1 + w.len);
}

int main(int argc, char **argv)
{
	char path[4096], err[512];

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: seeds FIXTURE_DIR CORPUS_DIR [TEMPLATE_DIR]\n");
		return 2;
	}
	fix_path(path, sizeof(path), argv[1], FUZZ_FIX_CA_KEY);
	if (access(path, F_OK))
		make_fixture(argv[1]);
	if (fuzz_fixture_load(argv[1], &fx, err, sizeof(err)))
		die("fixture: %s", err);
	corpus_dir = argv[2];

	make_packets();
	seeds_wire();
	seeds_hs();
	seeds_demux();
	seeds_cookie();
	seeds_cert();
	seeds_config(argc > 3 ? argv[3] : "configs/templates");
	seeds_mesh();
	seeds_revoke();
	seeds_chan();
	seeds_nl();
	printf("seeds: %u files in %s\n", n_files, corpus_dir);
	return 0;
}
