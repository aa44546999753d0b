// SPDX-License-Identifier: MIT
/*
 * hsprobe: a test tool that speaks the agent's control protocol badly on
 * purpose. Used by the selftests (never by the agent).
 *
 *   hsprobe init --key K --cert C --ca CA --to ID [--count N] [--rate R]
 *                [--repeat] [--cookies] [--wait MS] HOST PORT
 *       N signed INITs (fresh ones, or --repeat: the same bytes again);
 *       --cookies answers COOKIE replies like a real initiator.
 *   hsprobe flood --to ID [--count N] [--rate R] [--cookies] HOST PORT
 *       bogus INITs: valid mac1 (the responder id is public), garbage
 *       certificate and signature.
 *   hsprobe garbage [--count N] [--seed S] HOST PORT
 *       random long-header datagrams and truncated/mutated messages.
 *
 * Prints one line: "sent N resp N cookie N hello N other N".
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "trust/cert.h"
#include "session/hs.h"
#include "hex.h"
#include "trust/identity.h"
#include "numparse.h"
#include "wire/wire.h"

struct probe {
	int fd;
	struct sockaddr_storage dst;
	socklen_t dst_len;
	unsigned int count, rate, wait_ms;
	bool repeat, cookies;
	uint8_t to[AEGIS_NODE_ID_LEN];
	bool has_to;
	const char *key, *cert, *ca;
	unsigned int seed;
	unsigned long sent, resp, cookie, hello, other;
	/* the INIT state (init mode) */
	struct hs_local me;
	struct hs_init_state st;
	bool has_st;
};

static int die(const char *msg, const char *arg)
{
	fprintf(stderr, "hsprobe: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	return 2;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void send_dgram(struct probe *p, const uint8_t *buf, size_t len)
{
	if (sendto(p->fd, buf, len, 0, (struct sockaddr *)&p->dst,
		   p->dst_len) >= 0)
		p->sent++;
}

/* Answer a COOKIE for our INIT in flight (init mode) by resending. */
static void on_reply(struct probe *p, const uint8_t *buf, size_t len)
{
	struct wire_hdr hdr;
	struct wire_cookie c;

	if (wire_parse_hdr(buf, len, &hdr)) {
		p->other++;
		return;
	}
	switch (hdr.msg) {
	case WIRE_MSG_RESP:
		p->resp++;
		break;
	case WIRE_MSG_HELLO:
		p->hello++;
		break;
	case WIRE_MSG_COOKIE:
		p->cookie++;
		if (!p->cookies || !p->has_st || wire_parse_cookie(buf, len, &c) ||
		    c.receiver_index != p->st.sender_index)
			break;
		if (!hs_init_add_cookie(&p->st, c.cookie))
			send_dgram(p, p->st.msg, p->st.len);
		break;
	default:
		p->other++;
		break;
	}
}

static void drain(struct probe *p, int timeout_ms)
{
	uint8_t buf[WIRE_MAX_DATAGRAM];
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	while (poll(&pfd, 1, timeout_ms) > 0) {
		ssize_t n = recv(p->fd, buf, sizeof(buf), 0);

		if (n <= 0)
			return;
		on_reply(p, buf, (size_t)n);
		timeout_ms = 0;
	}
}

/* Sleep until packet i is due at the configured rate, reading replies. */
static void pace(struct probe *p, uint64_t start, unsigned int i)
{
	uint64_t due = p->rate ? start + (uint64_t)i * 1000000000ULL / p->rate :
				 0;
	uint64_t now = mono_ns();

	drain(p, 0);
	if (due > now)
		drain(p, (int)((due - now) / 1000000));
}

static int build_bogus_init(struct probe *p, struct wire_buf *w)
{
	uint8_t scid[WIRE_CID_LEN], junk[600];
	struct wire_init m;
	size_t mac1_off;

	RAND_bytes(scid, sizeof(scid));
	RAND_bytes(junk, sizeof(junk));
	wire_begin(w, WIRE_MSG_INIT, scid, scid);
	wire_put_bytes(w, junk, 16);			/* index, timestamp */
	wire_put_bytes(w, p->to, AEGIS_NODE_ID_LEN);
	wire_put_bytes(w, junk + 16, WIRE_X25519_LEN);
	wire_put_u8(w, AEGIS_CIPHER_AES_GCM);
	wire_put_u8(w, 0);
	wire_put_u8(w, 0);				/* no routes */
	wire_put_u16(w, 500);
	wire_put_bytes(w, junk + 48, 500);		/* "certificate" */
	wire_put_u16(w, 400);
	wire_put_zeros(w, 400);				/* padding */
	wire_put_u16(w, 256);
	wire_put_zeros(w, 256);				/* "signature" */
	mac1_off = w->len;
	wire_put_zeros(w, 2 * WIRE_MAC_LEN);
	if (wire_finish(w))
		return -EMSGSIZE;
	/* mac1 is computed the way the responder checks it. */
	if (wire_parse_init(w->data, w->len, &m))
		return -EBADMSG;
	return hs_mac1_fill(p->to, w->data, mac1_off);
}

static int run_flood(struct probe *p)
{
	uint64_t start = mono_ns();
	struct wire_buf w;
	unsigned int i;

	for (i = 0; i < p->count; i++) {
		pace(p, start, i);
		if (build_bogus_init(p, &w))
			return die("cannot build a bogus initiation", NULL);
		send_dgram(p, w.data, w.len);
	}
	drain(p, (int)p->wait_ms);
	return 0;
}

static int load_me(struct probe *p, struct identity *id, X509 **ca,
		   uint8_t **der, size_t *der_len)
{
	char err[512];
	X509 *cert = NULL;

	if (identity_load(p->key, id, err, sizeof(err)) ||
	    cert_load_pem(p->cert, &cert, err, sizeof(err)) ||
	    cert_load_pem(p->ca, ca, err, sizeof(err)))
		return die(err, NULL);
	if (cert_to_der(cert, der, der_len)) {
		X509_free(cert);
		return die("cannot encode the certificate", NULL);
	}
	X509_free(cert);
	p->me.key = id->key;
	p->me.node_id = id->node_id;
	p->me.cert_der = *der;
	p->me.cert_len = *der_len;
	p->me.ca = *ca;
	p->me.cipher_pref = AEGIS_CIPHER_AES_GCM;
	return 0;
}

static int run_init(struct probe *p)
{
	struct identity id = { 0 };
	uint64_t start;
	uint8_t *der = NULL;
	size_t der_len = 0;
	X509 *ca = NULL;
	unsigned int i;
	int ret;

	ret = load_me(p, &id, &ca, &der, &der_len);
	if (ret)
		goto out;
	start = mono_ns();
	for (i = 0; i < p->count; i++) {
		pace(p, start, i);
		if (!p->has_st || !p->repeat) {
			if (p->has_st)
				hs_init_clear(&p->st);
			if (hs_init_create(&p->me, p->to, real_ns(), &p->st)) {
				ret = die("cannot build an initiation", NULL);
				goto out;
			}
			p->has_st = true;
		}
		send_dgram(p, p->st.msg, p->st.len);
	}
	drain(p, (int)p->wait_ms);
out:
	if (p->has_st)
		hs_init_clear(&p->st);
	OPENSSL_free(der);
	X509_free(ca);
	identity_free(&id);
	return ret;
}

static int run_garbage(struct probe *p)
{
	uint8_t buf[1500];
	struct wire_buf w;
	unsigned int i;

	srand(p->seed);
	for (i = 0; i < p->count; i++) {
		size_t len = 1 + (size_t)rand() % sizeof(buf);

		switch (i % 4) {
		case 0:		/* random bytes, long-header form */
			RAND_bytes(buf, (int)len);
			buf[0] |= 0x80;
			break;
		case 1:		/* a valid header, random body */
			RAND_bytes(buf, (int)len);
			wire_begin(&w, (enum wire_msg)(1 + i % 6), buf, buf);
			memcpy(buf, w.data, WIRE_HDR_LEN);
			if (len < WIRE_HDR_LEN)
				len = WIRE_HDR_LEN;
			buf[24] = (uint8_t)((len - WIRE_HDR_LEN) >> 8);
			buf[25] = (uint8_t)(len - WIRE_HDR_LEN);
			break;
		case 2:		/* a bogus INIT, truncated or bit-flipped */
			if (p->has_to && !build_bogus_init(p, &w)) {
				memcpy(buf, w.data, w.len);
				len = len % w.len + 1;
				buf[(size_t)rand() % len] ^= (uint8_t)(1 + rand() % 255);
			}
			break;
		default:	/* short runts */
			len = 1 + (size_t)rand() % 30;
			RAND_bytes(buf, (int)len);
			buf[0] |= 0x80;
			break;
		}
		send_dgram(p, buf, len);
		if (i % 64 == 0)
			drain(p, 0);
	}
	drain(p, (int)p->wait_ms);
	return 0;
}

static int resolve(struct probe *p, const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res;

	if (getaddrinfo(host, port, &hints, &res))
		return die("cannot resolve", host);
	memcpy(&p->dst, res->ai_addr, res->ai_addrlen);
	p->dst_len = res->ai_addrlen;
	p->fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	freeaddrinfo(res);
	return p->fd < 0 ? die("socket", strerror(errno)) : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "ca", required_argument, NULL, 'a' },
		{ "to", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ "repeat", no_argument, NULL, 'R' },
		{ "cookies", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe p = { .count = 1, .wait_ms = 1000, .seed = 1 };
	const char *mode;
	uint32_t v;
	int c, ret;

	if (argc < 2)
		return die("usage: hsprobe init|flood|garbage [options] HOST PORT",
			   NULL);
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			p.key = optarg;
			break;
		case 'c':
			p.cert = optarg;
			break;
		case 'a':
			p.ca = optarg;
			break;
		case 't':
			if (aegis_node_id_parse(optarg, p.to))
				return die("--to: not a node id", optarg);
			p.has_to = true;
			break;
		case 'n':
		case 'r':
		case 's':
		case 'w':
			if (aegis_parse_u32(optarg, 100000000, &v))
				return die("not a number", optarg);
			if (c == 'n')
				p.count = v;
			else if (c == 'r')
				p.rate = v;
			else if (c == 's')
				p.seed = v;
			else
				p.wait_ms = v;
			break;
		case 'R':
			p.repeat = true;
			break;
		case 'C':
			p.cookies = true;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2)
		return die("HOST PORT expected", NULL);
	if (resolve(&p, argv[optind], argv[optind + 1]))
		return 2;
	if (!strcmp(mode, "init")) {
		if (!p.key || !p.cert || !p.ca || !p.has_to)
			return die("init needs --key, --cert, --ca and --to", NULL);
		ret = run_init(&p);
	} else if (!strcmp(mode, "flood")) {
		if (!p.has_to)
			return die("flood needs --to", NULL);
		ret = run_flood(&p);
	} else if (!strcmp(mode, "garbage")) {
		ret = run_garbage(&p);
	} else {
		return die("unknown mode", mode);
	}
	printf("sent %lu resp %lu cookie %lu hello %lu other %lu\n", p.sent,
	       p.resp, p.cookie, p.hello, p.other);
	close(p.fd);
	return ret;
}
