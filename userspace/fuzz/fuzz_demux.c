// SPDX-License-Identifier: MIT
/*
 * Fuzzes what the agent does with a datagram from its UDP socket:
 * transport/demux.c sorts it (demux_classify()) and hands control packets
 * to the session state machine (session/session.c), which parses, checks
 * and answers them. The agent is the fixture's alpha (harness.h) with a
 * fake kernel (the kernel_* calls are linked with --wrap, as test_session
 * does); its replies go to a loopback socket of ours. The agent's tables
 * are rebuilt for every input, so that an input always does the same.
 *
 * Input: a flags byte, then either one datagram or a program.
 *   bits 0-1  the source: ::1, ::ffff:127.0.0.1, fe80::1%lo, ::1 with
 *             another port (each on our reply socket's port, but 3)
 *   bit 2     alpha has the fixture's INIT to bravo in flight
 *   bit 3     bravo is a known peer (else alpha knows nobody)
 *   bit 4     a static peer at the source, identity unknown (for HELLO)
 *   bit 5     a program: ops until the input ends
 *               0 datagram   u16 length, the bytes
 *               1 timers     u16 seconds: the clock moves, due timers run
 *               2 event      u8 cmd, u8 what, u64 rx index: a kernel
 *                            notification about bravo (what: 0 the index
 *                            as given, 1 bravo's pending key, 2 the key
 *                            whose CONFIRM alpha resends; bit 2: a node
 *                            nest with an endpoint instead of a key nest)
 *               3 resync     session_resync()
 *               4 repeat     u8 n: the last datagram n more times (a
 *                            flood: the cookie gate's load and buckets)
 *
 * Checks: the classification matches the first byte and the STUN magic
 * cookie; STUN and garbage are only counted; every datagram the agent
 * sends parses as the control packet its header names; the fake kernel
 * only sees keys for nodes it holds, in slots that are free (as the module
 * insists), and the sanitizers watch session.c, peer.c, fib.c and the
 * timers throughout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>

#include "core/agent.h"
#include "core/log.h"
#include "fib/fib.h"
#include "harness.h"
#include "transport/demux.h"
#include "wire/wire.h"

#define F_SRC		0x03
#define F_INIT		0x04
#define F_BRAVO		0x08
#define F_STATIC	0x10
#define F_PROGRAM	0x20

static const struct fuzz_fixture *fx;
static struct agent *A;
static int sink_fd = -1;
static uint16_t sink_port;

/* ---- the fake kernel --------------------------------------------------- */

struct fake_node {
	bool used;
	uint8_t id[AEGIS_NODE_ID_LEN];
	bool slot_used[2];
	uint64_t rx_index[2];
	bool confirmed[2];
};

static struct fake_node nodes[4];

static struct fake_node *fake_node(const uint8_t *id, bool create)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (nodes[i].used && !memcmp(nodes[i].id, id, AEGIS_NODE_ID_LEN))
			return &nodes[i];
	if (!create)
		return NULL;
	for (i = 0; i < 4; i++) {
		if (!nodes[i].used) {
			memset(&nodes[i], 0, sizeof(nodes[i]));
			nodes[i].used = true;
			memcpy(nodes[i].id, id, AEGIS_NODE_ID_LEN);
			return &nodes[i];
		}
	}
	return NULL;
}

int __wrap_kernel_node_set(struct kernel *k, const uint8_t *id,
			   const struct aegis_udp_endpoint *ep,
			   const uint8_t *via, uint16_t keepalive,
			   uint32_t flags);
int __wrap_kernel_node_set(struct kernel *k, const uint8_t *id,
			   const struct aegis_udp_endpoint *ep,
			   const uint8_t *via, uint16_t keepalive,
			   uint32_t flags)
{
	(void)k, (void)ep, (void)via, (void)keepalive, (void)flags;
	return fake_node(id, true) ? 0 : -ENOSPC;
}

int __wrap_kernel_node_del(struct kernel *k, const uint8_t *id);
int __wrap_kernel_node_del(struct kernel *k, const uint8_t *id)
{
	struct fake_node *n = fake_node(id, false);

	(void)k;
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
	(void)k;
	memset(out, 0, sizeof(*out));
	return fake_node(id, false) ? 0 : -ENOENT;
}

int __wrap_kernel_key_new(struct kernel *k, const struct aegis_nl_key *key);
int __wrap_kernel_key_new(struct kernel *k, const struct aegis_nl_key *key)
{
	struct fake_node *n = fake_node(key->node_id, false);

	(void)k;
	FUZZ_CHECK(key->slot < 2);
	FUZZ_CHECK(key->cipher == AEGIS_CIPHER_AES_GCM ||
		   key->cipher == AEGIS_CIPHER_CHACHA20POLY1305);
	FUZZ_CHECK(key->rx_index != 0);
	if (!n)
		return -ENOENT;
	if (n->slot_used[key->slot])
		return -EBUSY;
	n->slot_used[key->slot] = true;
	n->rx_index[key->slot] = key->rx_index;
	n->confirmed[key->slot] = false;
	return 0;
}

int __wrap_kernel_key_swap(struct kernel *k, const uint8_t *id);
int __wrap_kernel_key_swap(struct kernel *k, const uint8_t *id)
{
	struct fake_node *n = fake_node(id, false);
	struct fake_node t;

	(void)k;
	if (!n || (!n->slot_used[0] && !n->slot_used[1]))
		return -ENOENT;
	t = *n;
	n->slot_used[0] = t.slot_used[1];
	n->slot_used[1] = t.slot_used[0];
	n->rx_index[0] = t.rx_index[1];
	n->rx_index[1] = t.rx_index[0];
	n->confirmed[0] = t.confirmed[1];
	n->confirmed[1] = t.confirmed[0];
	return 0;
}

int __wrap_kernel_key_del(struct kernel *k, const uint8_t *id, uint8_t slot);
int __wrap_kernel_key_del(struct kernel *k, const uint8_t *id, uint8_t slot)
{
	struct fake_node *n = fake_node(id, false);

	(void)k;
	FUZZ_CHECK(slot < 2);
	if (!n || !n->slot_used[slot])
		return -ENOENT;
	n->slot_used[slot] = false;
	return 0;
}

int __wrap_kernel_key_get(struct kernel *k, const uint8_t *id, uint8_t slot,
			  struct aegis_nl_key *out);
int __wrap_kernel_key_get(struct kernel *k, const uint8_t *id, uint8_t slot,
			  struct aegis_nl_key *out)
{
	struct fake_node *n = fake_node(id, false);

	(void)k;
	FUZZ_CHECK(slot < 2);
	memset(out, 0, sizeof(*out));
	if (!n || !n->slot_used[slot])
		return -ENOENT;
	out->rx_index = n->rx_index[slot];
	AEGIS_SET(out, AEGIS_KEY_A_RX_INDEX);
	/* Every other key has seen traffic. */
	if (n->rx_index[slot] & 1)
		AEGIS_SET(out, AEGIS_KEY_A_CONFIRMED);
	return 0;
}

int __wrap_kernel_prefix_add(struct kernel *k, const uint8_t *id,
			     const struct aegis_prefix *p);
int __wrap_kernel_prefix_add(struct kernel *k, const uint8_t *id,
			     const struct aegis_prefix *p)
{
	(void)k;
	FUZZ_CHECK(aegis_prefix_valid(p));
	return fake_node(id, false) ? 0 : -ENOENT;
}

int __wrap_kernel_prefix_del(struct kernel *k, const uint8_t *id,
			     const struct aegis_prefix *p);
int __wrap_kernel_prefix_del(struct kernel *k, const uint8_t *id,
			     const struct aegis_prefix *p)
{
	(void)k, (void)id, (void)p;
	return 0;
}

int __wrap_kernel_route_add(struct kernel *k, const struct aegis_prefix *p);
int __wrap_kernel_route_add(struct kernel *k, const struct aegis_prefix *p)
{
	(void)k;
	FUZZ_CHECK(aegis_prefix_valid(p));
	return 0;
}

int __wrap_kernel_route_del(struct kernel *k, const struct aegis_prefix *p);
int __wrap_kernel_route_del(struct kernel *k, const struct aegis_prefix *p)
{
	(void)k, (void)p;
	return 0;
}

/* ---- the agent --------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	socklen_t len = sizeof(a6);

	(void)argc;
	(void)argv;
	fx = fuzz_fixture();
	log_set_level(LOG_LVL_ERROR);

	A = calloc(1, sizeof(*A));
	if (!A)
		abort();
	config_defaults(&A->cfg);
	A->cfg.rekey_interval = 10;
	A->id.key = fx->alpha.key;
	memcpy(A->id.node_id, fx->alpha.id, AEGIS_NODE_ID_LEN);
	A->ca = fx->ca;
	A->cert = fx->alpha.cert;
	A->cert_der = fx->alpha.der;
	A->cert_len = fx->alpha.der_len;
	A->me = fx->alpha.info;
	A->hs = fx->alpha.hs;

	/* Our reply sink and the agent's socket, both on ::1 only. */
	a6.sin6_addr = in6addr_loopback;
	sink_fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	A->udp_fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0);
	if (sink_fd < 0 || A->udp_fd < 0 ||
	    bind(sink_fd, (struct sockaddr *)&a6, sizeof(a6)) ||
	    getsockname(sink_fd, (struct sockaddr *)&a6, &len))
		abort();
	sink_port = ntohs(a6.sin6_port);
	a6.sin6_port = 0;
	if (bind(A->udp_fd, (struct sockaddr *)&a6, sizeof(a6)))
		abort();
	return 0;
}

static void make_src(uint8_t flags, struct sockaddr_in6 *s)
{
	memset(s, 0, sizeof(*s));
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(sink_port);
	switch (flags & F_SRC) {
	case 0:
		s->sin6_addr = in6addr_loopback;
		break;
	case 1:
		inet_pton(AF_INET6, "::ffff:127.0.0.1", &s->sin6_addr);
		break;
	case 2:
		inet_pton(AF_INET6, "fe80::1", &s->sin6_addr);
		s->sin6_scope_id = if_nametoindex("lo");
		break;
	default:
		s->sin6_addr = in6addr_loopback;
		s->sin6_port = htons((uint16_t)(sink_port + 1));
		break;
	}
}

static void agent_reset(uint8_t flags, const struct sockaddr_in6 *src)
{
	struct peer *p;

	memset(nodes, 0, sizeof(nodes));
	timer_heap_init(&A->timers);
	FUZZ_CHECK(!peer_table_init(&A->peers, 16, &A->timers));
	A->fib = fib_new(&kernel_fib_ops, &A->k);
	FUZZ_CHECK(A->fib);
	FUZZ_CHECK(!cookie_gate_init(&A->gate, clock_wall_ns()));
	memset(&A->stats, 0, sizeof(A->stats));
	A->now = 1000000;
	A->last_ts = 0;
	A->log_window_ms = A->log_count = A->log_suppressed = 0;
	A->probe_window_ms = A->probe_count = 0;
	A->cfg.n_peers = 0;

	if (flags & F_BRAVO) {
		struct sockaddr_in6 ep = *src;

		p = session_peer_new(A);
		FUZZ_CHECK(p);
		FUZZ_CHECK(!peer_set_id(&A->peers, p, fx->bravo.id));
		p->cert = fx->bravo.info;
		memcpy(&p->ep, &ep, sizeof(ep));
		p->ep_len = sizeof(ep);
		if (flags & F_INIT) {
			p->init = calloc(1, sizeof(*p->init));
			FUZZ_CHECK(p->init);
			FUZZ_CHECK(!fuzz_init_state_copy(fx, p->init));
			peer_set_init_index(&A->peers, p, p->init->sender_index);
			p->state = PEER_HANDSHAKE;
		}
	}
	if (flags & F_STATIC) {
		struct cfg_peer *sp = &A->cfg.static_peers[0];
		/* Lookups of the static host are answered locally. */
		struct resolve_opts o = { .servers = "127.0.0.1:1",
					  .timeout_ms = 1, .tries = 1 };

		FUZZ_CHECK(!resolve_init(&A->resolver, &A->timers, &o));

		snprintf(sp->host, sizeof(sp->host), "::1");
		sp->port = ntohs(src->sin6_port);
		sp->line = 1;
		A->cfg.n_peers = 1;
		p = session_peer_new(A);
		FUZZ_CHECK(p);
		peer_set_static(&A->peers, p, 0);
		memcpy(&p->ep, src, sizeof(*src));
		p->ep_len = sizeof(*src);
	}
}

static void agent_clear(uint8_t flags)
{
	peer_table_free(&A->peers);
	if (flags & F_STATIC)
		resolve_free(&A->resolver);
	fib_free(A->fib);
	A->fib = NULL;
	timer_heap_free(&A->timers);
	cookie_gate_wipe(&A->gate);
}

/* Everything alpha sent: each a control packet that parses. */
static void drain_sink(void)
{
	uint8_t buf[WIRE_MAX_DATAGRAM + 1];
	struct wire_hdr h;
	ssize_t n;

	while ((n = recv(sink_fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
		union {
			struct wire_init i;
			struct wire_resp r;
			struct wire_confirm c;
			struct wire_cookie k;
			struct wire_hello h;
		} m;
		size_t len = (size_t)n;
		int ret = 0;

		FUZZ_CHECK(!wire_parse_hdr(buf, len, &h));
		switch (h.msg) {
		case WIRE_MSG_INIT:
			ret = wire_parse_init(buf, len, &m.i);
			break;
		case WIRE_MSG_RESP:
			ret = wire_parse_resp(buf, len, &m.r);
			break;
		case WIRE_MSG_CONFIRM:
			ret = wire_parse_confirm(buf, len, &m.c);
			break;
		case WIRE_MSG_COOKIE:
			ret = wire_parse_cookie(buf, len, &m.k);
			break;
		case WIRE_MSG_HELLO:
			ret = wire_parse_hello(buf, len, &m.h);
			break;
		default:
			break;
		}
		FUZZ_CHECK(!ret);
	}
}

static void datagram(const uint8_t *buf, size_t len,
		     const struct sockaddr_in6 *src)
{
	struct agent_stats before = A->stats;
	enum demux_kind kind = demux_classify(buf, len);

	if (len && (buf[0] & 0x80)) {
		FUZZ_CHECK(kind == DEMUX_CONTROL);
	} else if (len >= 20 && !(buf[0] & 0xc0) && buf[4] == 0x21 &&
		   buf[5] == 0x12 && buf[6] == 0xa4 && buf[7] == 0x42) {
		FUZZ_CHECK(kind == DEMUX_STUN);
	} else {
		FUZZ_CHECK(kind == DEMUX_GARBAGE);
	}
	demux_datagram(A, buf, len, (const struct sockaddr *)src, sizeof(*src));
	if (kind == DEMUX_STUN)
		FUZZ_CHECK(A->stats.stun == before.stun + 1);
	if (kind == DEMUX_GARBAGE)
		FUZZ_CHECK(A->stats.garbage == before.garbage + 1);
	if (kind != DEMUX_CONTROL)
		FUZZ_CHECK(A->stats.handshakes == before.handshakes &&
			   A->stats.inits_rx == before.inits_rx);
}

static void event(struct fuzz_in *in)
{
	struct kernel_event ev;
	uint8_t cmd = fuzz_u8(in), what = fuzz_u8(in);
	uint64_t rx = fuzz_u64(in);
	struct peer *p = peer_find_id(&A->peers, fx->bravo.id);

	memset(&ev, 0, sizeof(ev));
	ev.cmd = (uint8_t)(AEGIS_CMD_NTF_REKEY +
			   cmd % (AEGIS_CMD_MAX - AEGIS_CMD_NTF_REKEY + 1));
	if (ev.cmd == AEGIS_CMD_NTF_SOCK_CLOSED)
		ev.cmd = AEGIS_CMD_NTF_KEY_CONFIRMED;
	if (p && (what & 3) == 1)
		rx = p->pending.rx_index;
	else if (p && (what & 3) == 2)
		rx = p->confirm.rx_index;
	if (what & 4) {
		ev.has_node = true;
		memcpy(ev.node.id, fx->bravo.id, AEGIS_NODE_ID_LEN);
		AEGIS_SET(&ev.node, AEGIS_NODE_A_ID);
		ev.node.endpoint.addr.family = (what & 8) ? AF_INET : AF_INET6;
		memcpy(ev.node.endpoint.addr.u.bytes, &rx, sizeof(rx));
		ev.node.endpoint.port = (uint16_t)rx;
		AEGIS_SET(&ev.node, AEGIS_NODE_A_ENDPOINT_PORT);
	} else {
		ev.has_key = true;
		memcpy(ev.key.node_id, fx->bravo.id, AEGIS_NODE_ID_LEN);
		AEGIS_SET(&ev.key, AEGIS_KEY_A_NODE_ID);
		ev.key.rx_index = rx;
		AEGIS_SET(&ev.key, AEGIS_KEY_A_RX_INDEX);
	}
	session_on_kernel_event(&ev, A);
}

static void program(struct fuzz_in *in, const struct sockaddr_in6 *src)
{
	const uint8_t *last = NULL;
	uint16_t last_len = 0;
	unsigned int ops = 0;

	while (in->n && ops++ < 32) {
		switch (fuzz_u8(in) % 5) {
		case 0:
			last_len = fuzz_u16(in);
			if (last_len > in->n)
				last_len = (uint16_t)in->n;
			last = fuzz_take(in, last_len);
			datagram(last, last_len, src);
			break;
		case 4: {
			unsigned int n = fuzz_u8(in) & 63;

			while (last && n--)
				datagram(last, last_len, src);
			break;
		}
		case 1:
			A->now += (uint64_t)fuzz_u16(in) * 1000;
			timer_run(&A->timers, A->now);
			break;
		case 2:
			event(in);
			break;
		case 3:
			session_resync(A);
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in6 src;
	struct fuzz_in in;
	uint8_t flags;

	if (size < 1)
		return 0;
	fuzz_in_init(&in, data, size);
	flags = fuzz_u8(&in);
	make_src(flags, &src);
	agent_reset(flags, &src);
	if (flags & F_PROGRAM)
		program(&in, &src);
	else
		datagram(in.p, in.n, &src);
	drain_sink();
	agent_clear(flags);
	return 0;
}
