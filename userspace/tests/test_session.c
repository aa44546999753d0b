// SPDX-License-Identifier: MIT
/*
 * Unit tests: the handshake state machine (userspace/agent/session/session.c) with
 * two agents in one process. Their control datagrams travel over real UDP
 * sockets on the loopback, delivered (or dropped, or replayed) by the test;
 * the kernel is a fake (the kernel_* calls are linked with --wrap, see the
 * Makefile) that keeps each node's two key slots and checks, like the data
 * plane would, whether a packet sent with one side's primary key would
 * decrypt on the other side; the first packet on a key sends the agent
 * AEGIS_CMD_NTF_KEY_CONFIRMED, as the kernel does. Time is simulated: the
 * tests fire the agents' timers with a clock of their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/x509.h>

#include "transport/addr.h"
#include "core/agent.h"
#include "ca/ca.h"
#include "fib/fib.h"

/* ---- the fake kernel ------------------------------------------------- */

struct fake_slot {
	bool used;
	bool confirmed;
	uint64_t rx_index, tx_index;
	uint8_t enc[AEGIS_KEY_LEN], dec[AEGIS_KEY_LEN];
};

struct fake_node {
	bool used;
	uint8_t id[AEGIS_NODE_ID_LEN];
	struct fake_slot slot[2];
	unsigned int prefixes;
};

struct fake_kernel {
	struct kernel *k;
	struct fake_node nodes[4];
	unsigned int swaps, key_news, routes, key_gets;
};

static struct fake_kernel fakes[2];

static struct fake_kernel *fake_of(const struct kernel *k)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (fakes[i].k == k)
			return &fakes[i];
	fail_msg("unknown kernel handle");
	return NULL;
}

static struct fake_node *fake_node(struct kernel *k, const uint8_t *id,
				   bool create)
{
	struct fake_kernel *f = fake_of(k);
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (f->nodes[i].used && !memcmp(f->nodes[i].id, id, AEGIS_NODE_ID_LEN))
			return &f->nodes[i];
	if (!create)
		return NULL;
	for (i = 0; i < 4; i++) {
		if (!f->nodes[i].used) {
			memset(&f->nodes[i], 0, sizeof(f->nodes[i]));
			f->nodes[i].used = true;
			memcpy(f->nodes[i].id, id, AEGIS_NODE_ID_LEN);
			return &f->nodes[i];
		}
	}
	return NULL;
}

int __wrap_kernel_node_set(struct kernel *k, const uint8_t *id,
			   const struct aegis_udp_endpoint *ep, const uint8_t *via,
			   uint16_t keepalive, uint32_t flags);
int __wrap_kernel_node_set(struct kernel *k, const uint8_t *id,
			   const struct aegis_udp_endpoint *ep, const uint8_t *via,
			   uint16_t keepalive, uint32_t flags)
{
	(void)ep, (void)via, (void)keepalive, (void)flags;
	return fake_node(k, id, true) ? 0 : -ENOSPC;
}

int __wrap_kernel_node_del(struct kernel *k, const uint8_t *id);
int __wrap_kernel_node_del(struct kernel *k, const uint8_t *id)
{
	struct fake_node *n = fake_node(k, id, false);

	if (!n)
		return -ENOENT;
	n->used = false;
	return 0;
}

int __wrap_kernel_node_get(struct kernel *k, const uint8_t *id,
			   struct aegis_nl_node *out);
int __wrap_kernel_node_get(struct kernel *k, const uint8_t *id,
			   struct aegis_nl_node *out)
{
	memset(out, 0, sizeof(*out));
	return fake_node(k, id, false) ? 0 : -ENOENT;
}

int __wrap_kernel_key_new(struct kernel *k, const struct aegis_nl_key *key);
int __wrap_kernel_key_new(struct kernel *k, const struct aegis_nl_key *key)
{
	struct fake_node *n = fake_node(k, key->node_id, false);
	struct fake_slot *s;

	if (!n)
		return -ENOENT;
	s = &n->slot[key->slot];
	if (s->used)
		return -EBUSY;	/* the kernel's rule: delete or swap first */
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->rx_index = key->rx_index;
	s->tx_index = key->tx_index;
	memcpy(s->enc, key->enc.key, AEGIS_KEY_LEN);
	memcpy(s->dec, key->dec.key, AEGIS_KEY_LEN);
	fake_of(k)->key_news++;
	return 0;
}

int __wrap_kernel_key_swap(struct kernel *k, const uint8_t *id);
int __wrap_kernel_key_swap(struct kernel *k, const uint8_t *id)
{
	struct fake_node *n = fake_node(k, id, false);
	struct fake_slot t;

	if (!n || (!n->slot[0].used && !n->slot[1].used))
		return -ENOENT;
	t = n->slot[0];
	n->slot[0] = n->slot[1];
	n->slot[1] = t;
	fake_of(k)->swaps++;
	return 0;
}

int __wrap_kernel_key_del(struct kernel *k, const uint8_t *id, uint8_t slot);
int __wrap_kernel_key_del(struct kernel *k, const uint8_t *id, uint8_t slot)
{
	struct fake_node *n = fake_node(k, id, false);

	if (!n || !n->slot[slot].used)
		return -ENOENT;
	memset(&n->slot[slot], 0, sizeof(n->slot[slot]));
	return 0;
}

int __wrap_kernel_key_get(struct kernel *k, const uint8_t *id, uint8_t slot,
			  struct aegis_nl_key *out);
int __wrap_kernel_key_get(struct kernel *k, const uint8_t *id, uint8_t slot,
			  struct aegis_nl_key *out)
{
	struct fake_node *n = fake_node(k, id, false);

	fake_of(k)->key_gets++;
	memset(out, 0, sizeof(*out));
	if (!n || !n->slot[slot].used)
		return -ENOENT;
	out->rx_index = n->slot[slot].rx_index;
	out->tx_index = n->slot[slot].tx_index;
	if (n->slot[slot].confirmed)
		AEGIS_SET(out, AEGIS_KEY_A_CONFIRMED);
	return 0;
}

int __wrap_kernel_prefix_add(struct kernel *k, const uint8_t *id,
			     const struct aegis_prefix *p);
int __wrap_kernel_prefix_add(struct kernel *k, const uint8_t *id,
			     const struct aegis_prefix *p)
{
	struct fake_node *n = fake_node(k, id, false);

	(void)p;
	if (!n)
		return -ENOENT;
	n->prefixes++;
	return 0;
}

int __wrap_kernel_prefix_del(struct kernel *k, const uint8_t *id,
			     const struct aegis_prefix *p);
int __wrap_kernel_prefix_del(struct kernel *k, const uint8_t *id,
			     const struct aegis_prefix *p)
{
	struct fake_node *n = fake_node(k, id, false);

	(void)p;
	if (n && n->prefixes)
		n->prefixes--;
	return 0;
}

int __wrap_kernel_route_add(struct kernel *k, const struct aegis_prefix *p);
int __wrap_kernel_route_add(struct kernel *k, const struct aegis_prefix *p)
{
	(void)p;
	fake_of(k)->routes++;
	return 0;
}

int __wrap_kernel_route_del(struct kernel *k, const struct aegis_prefix *p);
int __wrap_kernel_route_del(struct kernel *k, const struct aegis_prefix *p)
{
	(void)p;
	fake_of(k)->routes--;
	return 0;
}

/* When set, the fake kernel's notifications are lost (ENOBUFS). */
static bool drop_notifications;

/* What the kernel multicasts when a key first decrypts a packet. */
static void notify_confirmed(struct agent *y, struct agent *x,
			     uint64_t rx_index)
{
	struct kernel_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.cmd = AEGIS_CMD_NTF_KEY_CONFIRMED;
	ev.has_key = true;
	memcpy(ev.key.node_id, x->id.node_id, AEGIS_NODE_ID_LEN);
	AEGIS_SET(&ev.key, AEGIS_KEY_A_NODE_ID);
	ev.key.rx_index = rx_index;
	AEGIS_SET(&ev.key, AEGIS_KEY_A_RX_INDEX);
	session_on_kernel_event(&ev, y);
}

/*
 * A data packet from agent x to agent y on the fake data plane: x's
 * primary key for y encrypts; y finds the key by the receiver index and
 * decrypts if the keys match, which confirms that key.
 */
static bool data(struct agent *x, struct agent *y)
{
	struct fake_node *nx = fake_node(&x->k, y->id.node_id, false);
	struct fake_node *ny = fake_node(&y->k, x->id.node_id, false);
	unsigned int i;

	if (!nx || !ny || !nx->slot[0].used)
		return false;
	for (i = 0; i < 2; i++) {
		struct fake_slot *s = &ny->slot[i];

		if (s->used && s->rx_index == nx->slot[0].tx_index) {
			if (memcmp(s->dec, nx->slot[0].enc, AEGIS_KEY_LEN))
				return false;
			if (!s->confirmed) {
				s->confirmed = true;
				if (!drop_notifications)
					notify_confirmed(y, x, s->rx_index);
			}
			return true;
		}
	}
	return false;
}

/* ---- two agents ------------------------------------------------------ */

struct world {
	char dir[64];
	EVP_PKEY *ca_key;
	X509 *ca;
	struct agent *a[2];
};

static struct world *W;

static void make_agent(struct world *w, unsigned int i)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	socklen_t len = sizeof(sin6);
	char path[160], err[256];
	struct cert_info req;
	struct agent *a;
	X509 *cert;
	int off = 0;

	a = calloc(1, sizeof(*a));
	assert_non_null(a);
	config_defaults(&a->cfg);
	timer_heap_init(&a->timers);
	assert_int_equal(peer_table_init(&a->peers, 16, &a->timers), 0);
	a->fib = fib_new(&kernel_fib_ops, &a->k);
	assert_non_null(a->fib);
	a->now = clock_ms();
	a->cfg.rekey_interval = 10;
	snprintf(path, sizeof(path), "%s/n%u.key", w->dir, i);
	assert_int_equal(identity_create(path, 2048, &a->id, err, sizeof(err)), 0);
	memset(&req, 0, sizeof(req));
	snprintf(req.name, sizeof(req.name), "node%u", i);
	req.n_ips = 1;
	assert_int_equal(aegis_addr_parse(i ? "100.64.0.2" : "100.64.0.1",
					  &req.ips[0]), 0);
	assert_int_equal(ca_sign(w->ca_key, w->ca, a->id.key, &req, 1, &cert,
				 err, sizeof(err)), 0);
	assert_int_equal(cert_verify(w->ca, cert, time(NULL), a->id.node_id,
				     &a->me), CERT_OK);
	assert_int_equal(cert_to_der(cert, &a->cert_der, &a->cert_len), 0);
	a->cert = cert;
	a->hs.key = a->id.key;
	a->hs.node_id = a->id.node_id;
	a->hs.cert_der = a->cert_der;
	a->hs.cert_len = a->cert_len;
	a->hs.ca = w->ca;
	a->hs.cipher_pref = AEGIS_CIPHER_AES_GCM;
	assert_int_equal(cookie_gate_init(&a->gate, clock_wall_ns()), 0);

	a->udp_fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(a->udp_fd >= 0);
	setsockopt(a->udp_fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	assert_int_equal(bind(a->udp_fd, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	getsockname(a->udp_fd, (struct sockaddr *)&sin6, &len);
	a->port = ntohs(sin6.sin6_port);
	memset(&fakes[i], 0, sizeof(fakes[i]));
	fakes[i].k = &a->k;
	w->a[i] = a;
}

/* Agent j as a peer of agent i, with a known id and endpoint. */
static struct peer *add_peer(struct agent *a, struct agent *b)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct peer *p = session_peer_new(a);

	assert_non_null(p);
	assert_int_equal(peer_set_id(&a->peers, p, b->id.node_id), 0);
	s4.sin_port = htons(b->port);
	s4.sin_addr.s_addr = htonl(0x7f000001);
	addr_to_socket((struct sockaddr *)&s4, &p->ep, &p->ep_len);
	return p;
}

static int world_setup(void **state)
{
	char err[256], key[96], crt[96];
	struct world *w = calloc(1, sizeof(*w));

	if (!w)
		return -1;
	snprintf(w->dir, sizeof(w->dir), "/tmp/aegis-test-session.XXXXXX");
	if (!mkdtemp(w->dir)) {
		free(w);
		return -1;
	}
	snprintf(key, sizeof(key), "%s/ca.key", w->dir);
	snprintf(crt, sizeof(crt), "%s/ca.crt", w->dir);
	if (ca_init(key, crt, "unit", 2048, 1, err, sizeof(err)) ||
	    ca_load_key(key, &w->ca_key, err, sizeof(err)) ||
	    cert_load_pem(crt, &w->ca, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		free(w);
		return -1;
	}
	W = w;
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	struct world *w = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", w->dir);
	if (system(cmd))
		return -1;
	EVP_PKEY_free(w->ca_key);
	X509_free(w->ca);
	free(w);
	return 0;
}

static void free_agent(struct agent *a)
{
	peer_table_free(&a->peers);
	fib_free(a->fib);
	timer_heap_free(&a->timers);
	close(a->udp_fd);
	OPENSSL_free(a->cert_der);
	X509_free(a->cert);
	identity_free(&a->id);
	free(a);
}

/* Each test gets two fresh agents, each knowing the other. */
static int pair_setup(void **state)
{
	char path[160];

	(void)state;
	snprintf(path, sizeof(path), "%s/n0.key", W->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/n1.key", W->dir);
	unlink(path);
	drop_notifications = false;
	make_agent(W, 0);
	make_agent(W, 1);
	add_peer(W->a[0], W->a[1]);
	add_peer(W->a[1], W->a[0]);
	return 0;
}

static int pair_teardown(void **state)
{
	(void)state;
	free_agent(W->a[0]);
	free_agent(W->a[1]);
	return 0;
}

/* Receive one datagram queued for agent i; 0 if none. */
static size_t take(unsigned int i, uint8_t *buf, size_t size,
		   struct sockaddr_storage *src, socklen_t *len)
{
	int tries;

	for (tries = 0; tries < 100; tries++) {
		ssize_t n;

		*len = sizeof(*src);
		n = recvfrom(W->a[i]->udp_fd, buf, size, 0, (struct sockaddr *)src, len);
		if (n > 0)
			return (size_t)n;
		usleep(1000);
	}
	return 0;
}

static void deliver(unsigned int i, const uint8_t *buf, size_t n,
		    const struct sockaddr_storage *src, socklen_t len)
{
	session_on_datagram(W->a[i], buf, n, (const struct sockaddr *)src, len);
}

/* Deliver everything until both sockets are quiet. */
static void pump(void)
{
	struct sockaddr_storage src;
	uint8_t buf[WIRE_MAX_DATAGRAM];
	bool moved = true;
	socklen_t len;
	unsigned int i;
	size_t n;

	while (moved) {
		moved = false;
		for (i = 0; i < 2; i++) {
			n = take(i, buf, sizeof(buf), &src, &len);
			if (n) {
				deliver(i, buf, n, &src, len);
				moved = true;
			}
		}
	}
}

static struct peer *peer_of(unsigned int i)
{
	return peer_find_id(&W->a[i]->peers, W->a[!i]->id.node_id);
}

/* Fire agent a's timers at time now, as its loop would. */
static void tick(struct agent *a, uint64_t now)
{
	a->now = now;
	timer_run(&a->timers, now);
}

static void assert_both_ways(void)
{
	assert_true(data(W->a[0], W->a[1]));
	assert_true(data(W->a[1], W->a[0]));
}

/* ---- tests ----------------------------------------------------------- */

static void test_handshake(void **state)
{
	(void)state;
	assert_int_equal(session_initiate(W->a[0], peer_of(0), "test"), 0);
	pump();
	assert_int_equal(peer_of(0)->state, PEER_ESTABLISHED);
	assert_int_equal(peer_of(1)->state, PEER_ESTABLISHED);
	assert_true(peer_of(0)->we_initiated);
	assert_false(peer_of(1)->we_initiated);
	assert_both_ways();
	assert_int_equal(W->a[0]->stats.handshakes, 1);
	assert_int_equal(W->a[1]->stats.handshakes, 1);
	/* Each learnt the other's certified mesh IP as a prefix. */
	assert_int_equal(fake_node(&W->a[1]->k, W->a[0]->id.node_id, false)->prefixes, 1);
}

/* The responder never gets CONFIRM: the first data packet on the new key
 * makes its tick swap anyway. */
static void test_confirm_lost(void **state)
{
	struct sockaddr_storage src;
	uint8_t buf[WIRE_MAX_DATAGRAM];
	socklen_t len;
	size_t n;

	(void)state;
	session_initiate(W->a[0], peer_of(0), "test");
	n = take(1, buf, sizeof(buf), &src, &len);		/* INIT */
	deliver(1, buf, n, &src, len);
	n = take(0, buf, sizeof(buf), &src, &len);		/* RESP */
	deliver(0, buf, n, &src, len);
	assert_true(take(1, buf, sizeof(buf), &src, &len) > 0);	/* CONFIRM: lost */
	assert_int_equal(peer_of(1)->state, PEER_HANDSHAKE);
	assert_false(data(W->a[1], W->a[0]));	/* no tx key yet at the responder */
	assert_true(data(W->a[0], W->a[1]));	/* confirms its secondary key */
	tick(W->a[1], clock_ms());
	assert_int_equal(peer_of(1)->state, PEER_ESTABLISHED);
	assert_both_ways();
}

/*
 * A rotation: after every single step, traffic still flows both ways
 * (what makes a rotation lossless), and the old keys are gone after the
 * grace period.
 */
static void test_rotation_lossless(void **state)
{
	struct sockaddr_storage src;
	uint8_t buf[WIRE_MAX_DATAGRAM];
	struct fake_node *n0;
	uint8_t old_enc[AEGIS_KEY_LEN];
	unsigned int step;
	socklen_t len;

	(void)state;
	session_initiate(W->a[0], peer_of(0), "test");
	pump();
	assert_both_ways();
	n0 = fake_node(&W->a[0]->k, W->a[1]->id.node_id, false);
	memcpy(old_enc, n0->slot[0].enc, AEGIS_KEY_LEN);

	/* The responder rotates this time (either side may). */
	session_initiate(W->a[1], peer_of(1), "test rekey");
	for (step = 0; step < 3; step++) {	/* INIT, RESP, CONFIRM */
		unsigned int to = step % 2 == 0 ? 0 : 1;
		size_t n = take(to, buf, sizeof(buf), &src, &len);
		assert_true(n > 0);
		deliver(to, buf, n, &src, len);
		assert_both_ways();
	}
	assert_int_equal(peer_of(0)->rotations, 1);
	assert_int_equal(peer_of(1)->rotations, 1);
	assert_memory_not_equal(old_enc, n0->slot[0].enc, AEGIS_KEY_LEN);
	assert_true(n0->slot[1].used);		/* old key kept for the grace */
	tick(W->a[0], clock_ms() + KEY_GRACE_MAX_MS + 1);
	tick(W->a[1], clock_ms() + KEY_GRACE_MAX_MS + 1);
	assert_false(n0->slot[1].used);
	assert_false(fake_node(&W->a[1]->k, W->a[0]->id.node_id, false)->slot[1].used);
	assert_both_ways();
}

/* Both initiate at once: one session, the lower node id initiated it. */
static void test_crossing_initiations(void **state)
{
	unsigned int low;

	(void)state;
	low = memcmp(W->a[0]->id.node_id, W->a[1]->id.node_id,
		     AEGIS_NODE_ID_LEN) < 0 ? 0 : 1;
	session_initiate(W->a[0], peer_of(0), "test");
	session_initiate(W->a[1], peer_of(1), "test");
	pump();
	assert_int_equal(peer_of(0)->state, PEER_ESTABLISHED);
	assert_int_equal(peer_of(1)->state, PEER_ESTABLISHED);
	assert_true(peer_of(low)->we_initiated);
	assert_false(peer_of(!low)->we_initiated);
	assert_int_equal(W->a[0]->stats.handshakes, 1);
	assert_int_equal(W->a[1]->stats.handshakes, 1);
	assert_both_ways();
}

/*
 * Crossing initiations where the winner's INIT was lost (the peer was
 * restarting): the winner must resend it at once, not wait for the retry
 * timer.
 */
static void test_crossing_lost_init(void **state)
{
	struct sockaddr_storage src;
	uint8_t buf[WIRE_MAX_DATAGRAM];
	unsigned int low, high;
	socklen_t len;

	(void)state;
	low = memcmp(W->a[0]->id.node_id, W->a[1]->id.node_id,
		     AEGIS_NODE_ID_LEN) < 0 ? 0 : 1;
	high = !low;
	session_initiate(W->a[low], peer_of(low), "test");
	assert_true(take(high, buf, sizeof(buf), &src, &len) > 0);	/* lost */
	session_initiate(W->a[high], peer_of(high), "test");
	pump();
	assert_int_equal(peer_of(0)->state, PEER_ESTABLISHED);
	assert_int_equal(peer_of(1)->state, PEER_ESTABLISHED);
	assert_true(peer_of(low)->we_initiated);
	assert_both_ways();
}

/* An INIT delivered twice: the copy is refused as a replay. */
static void test_replayed_init(void **state)
{
	struct sockaddr_storage src;
	uint8_t buf[WIRE_MAX_DATAGRAM];
	socklen_t len;
	size_t n;

	(void)state;
	session_initiate(W->a[0], peer_of(0), "test");
	n = take(1, buf, sizeof(buf), &src, &len);
	deliver(1, buf, n, &src, len);
	deliver(1, buf, n, &src, len);
	assert_int_equal(W->a[1]->stats.hs_reject[HS_REPLAY], 1);
	pump();
	assert_both_ways();
	/* Much later, the same bytes again: still refused. */
	deliver(1, buf, n, &src, len);
	assert_int_equal(W->a[1]->stats.hs_reject[HS_REPLAY], 2);
	assert_both_ways();
}

/* A RESP that matches no INIT in flight (a duplicate) changes nothing. */
static void test_duplicate_resp(void **state)
{
	struct sockaddr_storage src;
	uint8_t buf[WIRE_MAX_DATAGRAM];
	unsigned int swaps;
	socklen_t len;
	size_t n;

	(void)state;
	session_initiate(W->a[0], peer_of(0), "test");
	n = take(1, buf, sizeof(buf), &src, &len);
	deliver(1, buf, n, &src, len);
	n = take(0, buf, sizeof(buf), &src, &len);
	deliver(0, buf, n, &src, len);
	swaps = fakes[0].swaps;
	deliver(0, buf, n, &src, len);
	assert_int_equal(W->a[0]->stats.hs_reject[HS_NO_MATCH], 1);
	assert_int_equal(fakes[0].swaps, swaps);
	pump();
	assert_both_ways();
}

/* Garbage and truncated control packets are counted, never fatal. */
static void test_garbage(void **state)
{
	struct sockaddr_storage src;
	uint8_t buf[WIRE_MAX_DATAGRAM], junk[1500];
	socklen_t len;
	unsigned int i;
	size_t n;

	(void)state;
	session_initiate(W->a[0], peer_of(0), "test");
	n = take(1, buf, sizeof(buf), &src, &len);
	srand(3);
	/* Truncated copies, and whole copies with a byte changed anywhere
	 * but in mac2 (which is only checked under load). */
	for (i = 0; i < 2000; i++) {
		size_t cut = i % 2 ? n : 1 + (size_t)rand() % (n - 1);
		size_t at = (size_t)rand() % (i % 2 ? n - WIRE_MAC_LEN : cut);

		memcpy(junk, buf, cut);
		junk[at] ^= (uint8_t)(1 + rand() % 255);
		deliver(1, junk, cut, &src, len);
	}
	assert_int_equal(peer_of(1)->state, PEER_UNKNOWN);
	deliver(1, buf, n, &src, len);	/* the real one still works */
	pump();
	assert_both_ways();
}

/*
 * Many rotations driven by the timers alone (rekey_interval 2 s, time
 * simulated), with traffic checked after every tick.
 */
static void test_timer_rotations(void **state)
{
	uint64_t t = clock_ms();
	unsigned int i;

	(void)state;
	W->a[0]->cfg.rekey_interval = 2;
	W->a[1]->cfg.rekey_interval = 2;
	session_initiate(W->a[0], peer_of(0), "test");
	pump();
	for (i = 0; i < 60; i++) {
		t += 250;
		tick(W->a[0], t);
		tick(W->a[1], t);
		pump();
		assert_both_ways();
	}
	assert_true(peer_of(0)->rotations >= 5);
	assert_int_equal(peer_of(0)->rotations, peer_of(1)->rotations);
}

/* The kernel is never polled for key state while notifications arrive. */
static void test_no_key_polling(void **state)
{
	(void)state;
	session_initiate(W->a[0], peer_of(0), "test");
	pump();
	assert_both_ways();
	session_initiate(W->a[1], peer_of(1), "test rekey");
	pump();
	assert_both_ways();
	tick(W->a[0], W->a[0]->now + KEY_GRACE_MAX_MS + 1);
	tick(W->a[1], W->a[1]->now + KEY_GRACE_MAX_MS + 1);
	assert_int_equal(peer_of(0)->rotations, 1);
	assert_int_equal(fakes[0].key_gets, 0);
	assert_int_equal(fakes[1].key_gets, 0);
}

/*
 * CONFIRM lost and the KEY_CONFIRMED notification lost too (ENOBUFS): the
 * resync after the overrun asks the kernel and the responder swaps.
 */
static void test_lost_notification_resync(void **state)
{
	struct sockaddr_storage src;
	uint8_t buf[WIRE_MAX_DATAGRAM];
	socklen_t len;
	size_t n;

	(void)state;
	drop_notifications = true;
	session_initiate(W->a[0], peer_of(0), "test");
	n = take(1, buf, sizeof(buf), &src, &len);		/* INIT */
	deliver(1, buf, n, &src, len);
	n = take(0, buf, sizeof(buf), &src, &len);		/* RESP */
	deliver(0, buf, n, &src, len);
	assert_true(take(1, buf, sizeof(buf), &src, &len) > 0);	/* CONFIRM: lost */
	assert_true(data(W->a[0], W->a[1]));	/* confirmed, nobody told */
	assert_int_equal(peer_of(1)->state, PEER_HANDSHAKE);
	session_resync(W->a[1]);
	assert_int_equal(peer_of(1)->state, PEER_ESTABLISHED);
	assert_both_ways();
}

/* The same, with no overrun seen: when the wait for CONFIRM ends, the
 * responder asks the kernel once before giving the key up. */
static void test_lost_notification_timeout(void **state)
{
	struct sockaddr_storage src;
	uint8_t buf[WIRE_MAX_DATAGRAM];
	socklen_t len;
	size_t n;

	(void)state;
	drop_notifications = true;
	session_initiate(W->a[0], peer_of(0), "test");
	n = take(1, buf, sizeof(buf), &src, &len);
	deliver(1, buf, n, &src, len);
	n = take(0, buf, sizeof(buf), &src, &len);
	deliver(0, buf, n, &src, len);
	assert_true(take(1, buf, sizeof(buf), &src, &len) > 0);
	assert_true(data(W->a[0], W->a[1]));
	tick(W->a[1], W->a[1]->now + 2 * REKEY_TIMEOUT_MS);
	assert_int_equal(peer_of(1)->state, PEER_ESTABLISHED);
	assert_int_equal(fakes[1].key_gets, 1);
	assert_both_ways();
}

/* No answer: retries back off exponentially, with jitter. */
static void test_retry_backoff(void **state)
{
	struct peer *p = peer_of(0);
	uint64_t now = 1000000, prev = 0;
	unsigned int i;

	(void)state;
	for (i = 0; i < 8; i++) {
		uint64_t base = RETRY_BASE_MS << i;
		uint64_t delay;

		if (base > RETRY_MAX_MS)
			base = RETRY_MAX_MS;
		peer_schedule_retry(&W->a[0]->peers, p, now);
		delay = p->t_retry.deadline - now;
		assert_true(delay >= base);
		assert_true(delay <= base + base / 4);
		assert_true(delay >= prev || base == RETRY_MAX_MS);
		prev = delay;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_confirm_lost, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_rotation_lossless, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_crossing_initiations, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_crossing_lost_init, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_replayed_init, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_resp, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_garbage, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_timer_rotations, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_retry_backoff, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_no_key_polling, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_lost_notification_resync, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_lost_notification_timeout, pair_setup, pair_teardown),
	};

	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
