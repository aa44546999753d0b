// SPDX-License-Identifier: MIT
/*
 * Fuzzes the parsing of what the kernel sends the agent over generic
 * netlink: common/aegis_nl.c (the attribute codec), common/genl.c (the
 * datagram walk, acks and extended acks, error descriptions) and
 * fib/kernel_genl.c (replies and notifications), with hostile datagrams.
 *
 * Input: a flags byte, then datagrams.
 *   bits 0-1  0: one datagram through the codec directly: each message
 *                as a reply or a notification (aegis_parse_info(), then
 *                every object nest with its parser) or as an ack
 *                (aegis_genl_parse_ack(), aegis_genl_describe()), and
 *                aegis_genl_attr_path() at every attribute offset;
 *             1: notifications: kernel_events_read();
 *             2, 3: a request and its answer: bits 2-3 pick
 *                kernel_node_get(), kernel_key_get(), kernel_node_set()
 *                or kernel_prefix_add()
 *   bit 4     do not give the answers the request's sequence number and
 *             port (they are otherwise, so that they count)
 *   modes 1-3: the rest is datagrams, each a u16 length and its bytes.
 * The sockets are libnl sockets that were never connected (fd -1);
 * recv() and sendto() are linked with --wrap, so that genl.c reads the
 * input's datagrams and its requests go nowhere.
 *
 * Checks: refusals come with a reason; what a parser accepted is what the
 * uapi allows (a node has its id and at most one endpoint, a prefix one
 * address and a length that fits it, key material never leaves the
 * kernel, counters only where they belong); names and descriptions are
 * terminated strings on one line; the agent's requests survive any
 * answer with k->err set whenever they fail.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/socket.h>

#include "aegis_nl.h"
#include "fib/kernel.h"
#include "genl.h"
#include "harness.h"

#define FAMILY		FUZZ_NL_FAMILY
#define IFINDEX		FUZZ_NL_IFINDEX
#define MAX_DGRAMS	8
#define F_NOPATCH	0x10

static const struct fuzz_fixture *fx;
static struct kernel k;

/* The datagrams recv() serves, and what sendto() was last given. */
static struct {
	const uint8_t *p[MAX_DGRAMS];
	size_t len[MAX_DGRAMS];
	unsigned int n, next;
	bool patch;
	uint32_t seq, pid;
	bool have_req;
} q;

static uint8_t dgram[WIRE_MAX_DATAGRAM * 2] __attribute__((aligned(8)));

ssize_t __real_recv(int fd, void *buf, size_t size, int flags);
ssize_t __wrap_recv(int fd, void *buf, size_t size, int flags);
ssize_t __real_sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *to, socklen_t tolen);
ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *to, socklen_t tolen);

/*
 * The next message of a datagram at *off, as NLMSG_OK()/NLMSG_NEXT() walk
 * them (genl.c does): NULL at the end or at a broken length.
 */
static struct nlmsghdr *next_msg(uint8_t *p, size_t len, size_t *off)
{
	struct nlmsghdr *nlh;

	if (*off > len || len - *off < sizeof(*nlh))
		return NULL;
	nlh = (struct nlmsghdr *)(p + *off);
	if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - *off)
		return NULL;
	*off += NLMSG_ALIGN(nlh->nlmsg_len);
	return nlh;
}

/* The answers of a request carry its sequence number and port. */
static void patch(uint8_t *p, size_t len)
{
	struct nlmsghdr *nlh;
	size_t off = 0;

	while ((nlh = next_msg(p, len, &off))) {
		nlh->nlmsg_seq = q.seq;
		nlh->nlmsg_pid = q.pid;
	}
}

ssize_t __wrap_recv(int fd, void *buf, size_t size, int flags)
{
	size_t len;

	if (fd >= 0)
		return __real_recv(fd, buf, size, flags);
	if (q.next >= q.n) {
		errno = EAGAIN;
		return -1;
	}
	len = q.len[q.next];
	memcpy(buf, q.p[q.next], len < size ? len : size);
	if (!(flags & MSG_PEEK)) {
		if (q.patch && q.have_req)
			patch(buf, len < size ? len : size);
		q.next++;
	}
	return (flags & MSG_TRUNC) || len < size ? (ssize_t)len : (ssize_t)size;
}

ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *to, socklen_t tolen)
{
	const struct nlmsghdr *nlh = buf;

	if (fd >= 0)
		return __real_sendto(fd, buf, len, flags, to, tolen);
	FUZZ_CHECK(len >= sizeof(*nlh) && nlh->nlmsg_len == len);
	FUZZ_CHECK(nlh->nlmsg_type == FAMILY);
	FUZZ_CHECK(nlh->nlmsg_flags & NLM_F_REQUEST);
	q.seq = nlh->nlmsg_seq;
	q.pid = nlh->nlmsg_pid;
	q.have_req = true;
	return (ssize_t)len;
}

static void fake_genl(struct aegis_genl *g)
{
	memset(g, 0, sizeof(*g));
	g->sk = nl_socket_alloc();
	g->rxbuf = malloc(4096);
	FUZZ_CHECK(g->sk && g->rxbuf);
	g->rxsize = 4096;
	g->family = FAMILY;
	g->version = AEGIS_GENL_VERSION;
	snprintf(g->name, sizeof(g->name), "%s", AEGIS_GENL_NAME);
	g->namer = aegis_attr_path_name;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fx = fuzz_fixture();
	memset(&k, 0, sizeof(k));
	fake_genl(&k.genl);
	fake_genl(&k.events);
	k.ifindex = IFINDEX;
	snprintf(k.ifname, sizeof(k.ifname), "aegis0");
	return 0;
}

static bool text_ok(const char *s, size_t size)
{
	size_t i, n = strnlen(s, size);

	if (n == size)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return true;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

/* ---- what the parsers give --------------------------------------------- */

static void check_node(const struct aegis_nl_node *n)
{
	unsigned int i;

	FUZZ_CHECK(AEGIS_HAS(n, AEGIS_NODE_A_ID));
	FUZZ_CHECK(!(AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP4) &&
		     AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP6)));
	FUZZ_CHECK(!(n->present & ~(AEGIS_BIT(AEGIS_NODE_A_MAX + 1) - 1)));
	if (AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP4))
		FUZZ_CHECK(n->endpoint.addr.family == AF_INET);
	if (AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP6))
		FUZZ_CHECK(n->endpoint.addr.family == AF_INET6);
	for (i = 0; i <= AEGIS_DROP_A_MAX; i++) {
		if (!(n->drops_present & AEGIS_BIT(i)))
			FUZZ_CHECK(!n->drops[i]);
		else
			FUZZ_CHECK(aegis_drop_name(i));
	}
}

static void check_key(const struct aegis_nl_key *key)
{
	FUZZ_CHECK(all_zero(&key->enc, sizeof(key->enc)));
	FUZZ_CHECK(all_zero(&key->dec, sizeof(key->dec)));
	FUZZ_CHECK(!AEGIS_HAS(key, AEGIS_KEY_A_ENCRYPT) &&
		   !AEGIS_HAS(key, AEGIS_KEY_A_DECRYPT));
	if (AEGIS_HAS(key, AEGIS_KEY_A_SLOT))
		aegis_slot_name(key->slot);
	if (AEGIS_HAS(key, AEGIS_KEY_A_CIPHER))
		aegis_cipher_name(key->cipher);
}

static void check_prefix(const struct aegis_prefix_entry *p)
{
	FUZZ_CHECK(AEGIS_HAS(p, AEGIS_PREFIX_A_IP4) !=
		   AEGIS_HAS(p, AEGIS_PREFIX_A_IP6));
	FUZZ_CHECK(AEGIS_HAS(p, AEGIS_PREFIX_A_LEN));
	FUZZ_CHECK(p->prefix.len <= aegis_addr_len(p->prefix.addr.family) * 8);
}

/* One genl message: every nest through its parser. */
static void parse_message(const struct nlmsghdr *nlh)
{
	struct aegis_msg_info info;
	const struct nlattr *a;
	char err[256];
	int len, rem, ret;

	err[0] = '\0';
	ret = aegis_parse_info(nlh, &info, err, sizeof(err));
	if (ret) {
		FUZZ_CHECK(ret == -EBADMSG && err[0] && text_ok(err, sizeof(err)));
		return;
	}
	FUZZ_CHECK(strnlen(info.ifname, sizeof(info.ifname)) <
		   sizeof(info.ifname));
	aegis_cmd_name(info.cmd);
	for (a = aegis_msg_attrs(nlh, &len), rem = len; nla_ok(a, rem);
	     a = nla_next(a, &rem)) {
		union {
			struct aegis_nl_dev d;
			struct aegis_nl_node n;
			struct aegis_nl_key k;
			struct aegis_prefix_entry p;
		} u;

		err[0] = '\0';
		switch (nla_type(a)) {
		case AEGIS_A_DEV:
			ret = aegis_parse_dev(a, &u.d, err, sizeof(err));
			if (!ret)
				FUZZ_CHECK(strnlen(u.d.ifname, sizeof(u.d.ifname)) <
					   sizeof(u.d.ifname));
			break;
		case AEGIS_A_NODE:
			ret = aegis_parse_node(a, &u.n, err, sizeof(err));
			if (!ret)
				check_node(&u.n);
			break;
		case AEGIS_A_KEY:
			ret = aegis_parse_key(a, &u.k, err, sizeof(err));
			if (!ret)
				check_key(&u.k);
			break;
		case AEGIS_A_PREFIX:
			ret = aegis_parse_prefix(a, &u.p, err, sizeof(err));
			if (!ret)
				check_prefix(&u.p);
			break;
		default:
			continue;
		}
		FUZZ_CHECK(ret == 0 || ret == -EBADMSG);
		if (ret)
			FUZZ_CHECK(err[0] && text_ok(err, sizeof(err)));
	}
}

/* Every attribute offset of a message, named as a request's would be. */
static void paths(const struct nlmsghdr *nlh)
{
	uint16_t path[AEGIS_GENL_MAX_PATH];
	char name[128];
	uint32_t offs;

	for (offs = NLMSG_HDRLEN + GENL_HDRLEN; offs < nlh->nlmsg_len &&
	     offs < 1024; offs += NLA_ALIGNTO) {
		int depth = aegis_genl_attr_path(nlh, offs, path,
						 AEGIS_GENL_MAX_PATH);

		if (depth < 0) {
			FUZZ_CHECK(depth == -ENOENT);
			continue;
		}
		FUZZ_CHECK(depth >= 1 && depth <= AEGIS_GENL_MAX_PATH);
		if (!aegis_attr_path_name(path, (unsigned int)depth, name,
					  sizeof(name)))
			FUZZ_CHECK(name[0] && text_ok(name, sizeof(name)));
	}
}

static void parse_ack(const struct nlmsghdr *nlh)
{
	struct aegis_genl_ack ack;
	char buf[AEGIS_GENL_ERR_SIZE];

	if (aegis_genl_parse_ack(nlh, &ack))
		return;
	FUZZ_CHECK(ack.error <= 0 && ack.error >= -4095);
	FUZZ_CHECK(text_ok(ack.msg, sizeof(ack.msg)));
	/* As the answer to itself: offsets into this very message. */
	aegis_genl_describe(&k.genl, ack.error, &ack, nlh, buf, sizeof(buf));
	FUZZ_CHECK(text_ok(buf, sizeof(buf)));
	aegis_genl_describe(NULL, ack.error, &ack, NULL, buf, 16);
	FUZZ_CHECK(text_ok(buf, 16));
}

static void codec(const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nlh;
	size_t off = 0;

	if (size > sizeof(dgram))
		size = sizeof(dgram);
	memcpy(dgram, data, size);
	while ((nlh = next_msg(dgram, size, &off))) {
		if (nlh->nlmsg_type == NLMSG_ERROR ||
		    nlh->nlmsg_type == NLMSG_DONE)
			parse_ack(nlh);
		else
			parse_message(nlh);
		paths(nlh);
	}
}

/* ---- through the agent's kernel code ----------------------------------- */

static unsigned int events;

static void on_event(const struct kernel_event *ev, void *arg)
{
	(void)arg;
	events++;
	FUZZ_CHECK(ev->cmd >= AEGIS_CMD_NTF_REKEY && ev->cmd <= AEGIS_CMD_MAX);
	FUZZ_CHECK(aegis_cmd_name(ev->cmd));
	FUZZ_CHECK(ev->ifindex == IFINDEX);
	if (ev->has_node)
		check_node(&ev->node);
	if (ev->has_key)
		check_key(&ev->key);
}

static void request(uint8_t flags)
{
	const uint8_t *id = fx->alpha.id;
	int ret = 0;

	switch ((flags >> 2) & 3) {
	case 0: {
		struct aegis_nl_node n;

		ret = kernel_node_get(&k, id, &n);
		if (!ret)
			check_node(&n);
		break;
	}
	case 1: {
		struct aegis_nl_key key;

		ret = kernel_key_get(&k, id, AEGIS_KEY_SLOT_SECONDARY, &key);
		if (!ret)
			check_key(&key);
		break;
	}
	case 2: {
		struct aegis_udp_endpoint ep;

		memset(&ep, 0, sizeof(ep));
		aegis_addr_parse("192.0.2.1", &ep.addr);
		ep.port = 443;
		ret = kernel_node_set(&k, id, &ep, fx->bravo.id, 25,
				      AEGIS_NODE_F_RELAY);
		break;
	}
	default:
		ret = kernel_prefix_add(&k, id, &fx->alpha.routes[0]);
		break;
	}
	FUZZ_CHECK(ret <= 0);
	if (ret)
		FUZZ_CHECK(k.err[0] && text_ok(k.err, sizeof(k.err)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	uint8_t flags;

	if (size < 1)
		return 0;
	fuzz_in_init(&in, data, size);
	flags = fuzz_u8(&in);
	if (!(flags & 3)) {
		codec(in.p, in.n);
		return 0;
	}

	memset(&q, 0, sizeof(q));
	q.patch = !(flags & F_NOPATCH);
	while (in.n && q.n < MAX_DGRAMS) {
		uint16_t len = fuzz_u16(&in);

		if (len > in.n)
			len = (uint16_t)in.n;
		q.len[q.n] = len;
		q.p[q.n++] = fuzz_take(&in, len);
	}
	k.err[0] = '\0';
	if ((flags & 3) == 1) {
		int ret;

		events = 0;
		ret = kernel_events_read(&k, on_event, NULL);
		FUZZ_CHECK(ret <= 0);
		if (ret)
			FUZZ_CHECK(k.err[0] && text_ok(k.err, sizeof(k.err)));
	} else {
		request(flags);
	}
	return 0;
}
