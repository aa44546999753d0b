// SPDX-License-Identifier: MIT
/*
 * kernelprobe: drive the agent's kernel interface (userspace/agent/fib/kernel_genl.c and kernel_rtnl.c)
 * end to end against the real module, and say what happened, one line per
 * step: "ok STEP" or "FAIL STEP: reason" (then exit 1).
 *
 *   kernelprobe run IFNAME IFNAME2 [--hold FILE]
 *       The whole interface on device IFNAME (created if absent, removed
 *       at the end if created here): MTU and up, IPv4 and IPv6 addresses,
 *       routes, binding UDP sockets, nodes, keys, prefixes, and the
 *       notifications NO_KEY and SOCK_CLOSED, which must come for IFNAME
 *       only, not for IFNAME2 (a second device in the same netns, made to
 *       send its own NO_KEY). Everything that can be repeated is done
 *       twice. With --hold, the state is set up, "ready" printed, and the
 *       teardown waits until FILE exists (so a test can look at it).
 *   kernelprobe ensure IFNAME MTU
 *       kernel_open and kernel_dev_ensure only; prints "created" or
 *       "existing" and leaves the device.
 *
 * Fixed values, for the checks in selftests/40-agent-kernel.sh:
 * addresses 100.64.0.1/24 and fd64::1/64, MTU 1380, routes 100.65.0.0/16,
 * fd65::/48, 100.64.3.0/24 (IFNAME) and 100.64.4.0/24 (IFNAME2).
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "hex.h"
#include "fib/kernel.h"

#define PROBE_MTU	1380
#define HOLD_SECS	120
#define EVENT_MS	5000

static struct kernel kern, kern2;
static const char *step = "start";

static void cleanup(void)
{
	/* Best effort: leave no device behind on failure either. */
	if (kern.rtnl)
		(void)kernel_dev_remove_if_created(&kern);
	if (kern2.rtnl)
		(void)kernel_dev_remove_if_created(&kern2);
	kernel_close(&kern);
	kernel_close(&kern2);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "FAIL %s: ", step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cleanup();
	exit(1);
}

static void ok(void)
{
	printf("ok %s\n", step);
	fflush(stdout);
}

/* A call that must succeed. */
static void must(struct kernel *k, int ret)
{
	if (ret)
		fail("%s (%d)", k->err, ret);
	ok();
}

/* A call that must fail with errno want (negative). */
static void must_fail(struct kernel *k, int ret, int want)
{
	if (ret != want)
		fail("expected %s, got %s: %s", strerror(-want),
		     ret ? strerror(-ret) : "success", ret ? k->err : "");
	printf("ok %s: %s\n", step, k->err);
	fflush(stdout);
}

static void id_fill(uint8_t *id, uint8_t v)
{
	memset(id, v, AEGIS_NODE_ID_LEN);
}

static void parse_addr(const char *s, struct aegis_addr *a)
{
	if (aegis_addr_parse(s, a))
		fail("bad address %s", s);
}

static void parse_prefix(const char *s, struct aegis_prefix *p)
{
	char err[128];

	if (aegis_prefix_parse(s, p, err, sizeof(err)))
		fail("bad prefix %s: %s", s, err);
}

static void random_bytes(void *buf, size_t len)
{
	if (getrandom(buf, len, 0) != (ssize_t)len)
		fail("getrandom: %s", strerror(errno));
}

/* A UDP socket bound to 127.0.0.1, any port. */
static int udp_socket(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		fail("bind: %s", strerror(errno));
	return fd;
}

/* One datagram to dst port 9: through the device if a route says so. */
static void poke(const char *dst)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };
	int fd;

	if (inet_pton(AF_INET, dst, &sin.sin_addr) != 1)
		fail("bad address %s", dst);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket: %s", strerror(errno));
	if (sendto(fd, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		fail("sendto %s: %s", dst, strerror(errno));
	close(fd);
}

/* --- notifications ----------------------------------------------------------- */

struct watch {
	uint32_t ifindex;		/* the device asked about */
	uint8_t cmd;			/* waiting for this one */
	const uint8_t *node;		/* of this node (NULL: any) */
	bool found;
	unsigned int foreign;		/* events of another device: a bug */
};

static void on_event(const struct kernel_event *ev, void *arg)
{
	struct watch *w = arg;
	char id[AEGIS_NODE_ID_SHORT_SIZE] = "-";
	const char *name = aegis_cmd_name(ev->cmd);

	if (ev->has_node)
		aegis_node_id_short(ev->node.id, id);
	printf("  event %s ifindex %u node %s%s\n", name ? name : "?",
	       ev->ifindex, id, ev->has_key ? " (key)" : "");
	if (ev->ifindex != w->ifindex)
		w->foreign++;
	if (ev->cmd == w->cmd &&
	    (!w->node || (ev->has_node &&
			  !memcmp(ev->node.id, w->node, AEGIS_NODE_ID_LEN))))
		w->found = true;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read k's notifications until w is satisfied (or the time is up). */
static void wait_event(struct kernel *k, struct watch *w)
{
	long long end = now_ms() + EVENT_MS;
	struct pollfd pfd = { .fd = kernel_events_fd(k), .events = POLLIN };

	if (pfd.fd < 0)
		fail("no notification socket");
	while (!w->found) {
		long long left = end - now_ms();
		int ret;

		if (left <= 0)
			fail("no %s notification within %d ms",
			     aegis_cmd_name(w->cmd), EVENT_MS);
		ret = poll(&pfd, 1, (int)left);
		if (ret < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
		if (ret <= 0)
			continue;
		ret = kernel_events_read(k, on_event, w);
		if (ret)
			fail("%s (%d)", k->err, ret);
	}
	if (w->foreign)
		fail("%u notifications of another device were reported",
		     w->foreign);
	ok();
}

/* --- the run ----------------------------------------------------------------- */

static void check_node(const struct aegis_nl_node *n, uint16_t keepalive,
		       uint32_t flags, const uint8_t *via)
{
	if (!AEGIS_HAS(n, AEGIS_NODE_A_KEEPALIVE) || n->keepalive != keepalive)
		fail("keepalive %u, expected %u", n->keepalive, keepalive);
	if (!AEGIS_HAS(n, AEGIS_NODE_A_FLAGS) || n->flags != flags)
		fail("flags %#x, expected %#x", n->flags, flags);
	if (via && (!AEGIS_HAS(n, AEGIS_NODE_A_VIA) ||
		    memcmp(n->via, via, AEGIS_NODE_ID_LEN)))
		fail("the next hop is not the one set");
	if (!via && AEGIS_HAS(n, AEGIS_NODE_A_VIA))
		fail("a next hop, expected direct");
}

static void make_key(struct aegis_nl_key *key, const uint8_t *node, uint8_t slot,
		     uint8_t key_id, uint8_t cipher)
{
	memset(key, 0, sizeof(*key));
	memcpy(key->node_id, node, AEGIS_NODE_ID_LEN);
	key->slot = slot;
	key->key_id = key_id;
	key->cipher = cipher;
	random_bytes(&key->rx_index, sizeof(key->rx_index));
	random_bytes(&key->tx_index, sizeof(key->tx_index));
	random_bytes(&key->enc, sizeof(key->enc));
	random_bytes(&key->dec, sizeof(key->dec));
	key->soft_lifetime = 100;
	key->hard_lifetime = 200;
	AEGIS_SET(key, AEGIS_KEY_A_SLOT);
	AEGIS_SET(key, AEGIS_KEY_A_KEY_ID);
	AEGIS_SET(key, AEGIS_KEY_A_CIPHER);
	AEGIS_SET(key, AEGIS_KEY_A_RX_INDEX);
	AEGIS_SET(key, AEGIS_KEY_A_TX_INDEX);
	AEGIS_SET(key, AEGIS_KEY_A_ENCRYPT);
	AEGIS_SET(key, AEGIS_KEY_A_DECRYPT);
	AEGIS_SET(key, AEGIS_KEY_A_SOFT_LIFETIME);
	AEGIS_SET(key, AEGIS_KEY_A_HARD_LIFETIME);
}

/* The metadata KEY_GET returned for a slot is that of key. */
static void check_key(const struct aegis_nl_key *got, const struct aegis_nl_key *key)
{
	if (!AEGIS_HAS(got, AEGIS_KEY_A_KEY_ID) || got->key_id != key->key_id ||
	    got->cipher != key->cipher || got->rx_index != key->rx_index ||
	    got->tx_index != key->tx_index ||
	    got->soft_lifetime != key->soft_lifetime ||
	    got->hard_lifetime != key->hard_lifetime)
		fail("metadata differs: key id %u cipher %u rx %#llx tx %#llx",
		     got->key_id, got->cipher, (unsigned long long)got->rx_index,
		     (unsigned long long)got->tx_index);
	if (AEGIS_HAS(got, AEGIS_KEY_A_ENCRYPT) || AEGIS_HAS(got, AEGIS_KEY_A_DECRYPT))
		fail("the kernel returned key material");
}

static void hold(const char *file)
{
	long long end = now_ms() + HOLD_SECS * 1000LL;
	struct stat st;

	printf("ready\n");
	fflush(stdout);
	while (stat(file, &st)) {
		if (now_ms() > end)
			fail("%s did not appear within %d s", file, HOLD_SECS);
		usleep(100 * 1000);
	}
}

static int cmd_run(const char *ifname, const char *ifname2, const char *hold_file)
{
	struct aegis_prefix r4, r6, rtmp4, rtmp6, p4, p6, p4bad, pk3, pk4;
	uint8_t self[AEGIS_NODE_ID_LEN], peer1[AEGIS_NODE_ID_LEN];
	uint8_t peer2[AEGIS_NODE_ID_LEN], peer3[AEGIS_NODE_ID_LEN];
	struct aegis_udp_endpoint ep = { .port = 5555 };
	struct aegis_nl_key key_a, key_b, got;
	struct aegis_addr a4, a6;
	struct aegis_nl_node node;
	struct watch w;
	bool created;
	int fd_a, fd_b;

	id_fill(self, 0x01);
	id_fill(peer1, 0x11);
	id_fill(peer2, 0x22);
	id_fill(peer3, 0x33);
	parse_addr("100.64.0.1", &a4);
	parse_addr("fd64::1", &a6);
	parse_addr("127.0.0.1", &ep.addr);
	parse_prefix("100.65.0.0/16", &r4);
	parse_prefix("fd65::/48", &r6);
	parse_prefix("100.66.0.0/16", &rtmp4);
	parse_prefix("fd66::/48", &rtmp6);
	parse_prefix("100.64.1.0/24", &p4);
	parse_prefix("fd64:1::/64", &p6);
	parse_prefix("100.64.3.0/24", &pk3);
	parse_prefix("100.64.4.0/24", &pk4);
	p4bad = p4;
	p4bad.addr.u.bytes[3] = 1;	/* host bits: the kernel refuses it */

	step = "open";
	must(&kern, kernel_open(&kern));
	if (kernel_events_fd(&kern) < 0)
		printf("  genl family missing at open: deferred to kernel_dev_ensure\n");

	step = "dev ensure";
	must(&kern, kernel_dev_ensure(&kern, ifname, PROBE_MTU));
	created = kern.created;
	printf("  %s ifindex %u %s\n", ifname, kern.ifindex,
	       created ? "created" : "existing");
	step = "dev ensure again";
	must(&kern, kernel_dev_ensure(&kern, ifname, PROBE_MTU));
	if (kern.created != created)
		fail("ensuring twice changed who created the device");
	step = "dev exists";
	if (!kernel_dev_exists(&kern))
		fail("kernel_dev_exists says no");
	ok();
	if (kernel_events_fd(&kern) < 0)
		fail("no notification socket after kernel_dev_ensure");

	step = "addr add";
	must(&kern, kernel_addr_add(&kern, &a4, 24));
	must(&kern, kernel_addr_add(&kern, &a6, 64));
	step = "addr add again";
	must(&kern, kernel_addr_add(&kern, &a4, 24));
	must(&kern, kernel_addr_add(&kern, &a6, 64));

	step = "route add";
	must(&kern, kernel_route_add(&kern, &r4));
	must(&kern, kernel_route_add(&kern, &r6));
	step = "route add again";
	must(&kern, kernel_route_add(&kern, &r4));
	must(&kern, kernel_route_add(&kern, &r6));
	step = "route add+del";
	must(&kern, kernel_route_add(&kern, &rtmp4));
	must(&kern, kernel_route_add(&kern, &rtmp6));
	must(&kern, kernel_route_del(&kern, &rtmp4));
	must(&kern, kernel_route_del(&kern, &rtmp6));
	step = "route del again";
	must(&kern, kernel_route_del(&kern, &rtmp4));
	must(&kern, kernel_route_del(&kern, &rtmp6));

	step = "bind";
	fd_a = udp_socket();
	must(&kern, kernel_bind(&kern, fd_a, self));
	step = "bind the same socket again";
	must_fail(&kern, kernel_bind(&kern, fd_a, self), -EBUSY);
	step = "bind another socket";
	fd_b = udp_socket();
	must(&kern, kernel_bind(&kern, fd_b, NULL));

	step = "node set (new)";
	must(&kern, kernel_node_set(&kern, peer1, &ep, NULL, 25, 0));
	step = "node set (existing)";
	must(&kern, kernel_node_set(&kern, peer1, &ep, NULL, 10, AEGIS_NODE_F_RELAY));
	step = "node get";
	must(&kern, kernel_node_get(&kern, peer1, &node));
	check_node(&node, 10, AEGIS_NODE_F_RELAY, NULL);
	if (!AEGIS_HAS(&node, AEGIS_NODE_A_ENDPOINT_IP4) ||
	    node.endpoint.port != ep.port ||
	    memcmp(&node.endpoint.addr.u.v4, &ep.addr.u.v4, 4))
		fail("the endpoint is not the one set");
	step = "node set via";
	must(&kern, kernel_node_set(&kern, peer2, NULL, peer1, 0, 0));
	must(&kern, kernel_node_get(&kern, peer2, &node));
	check_node(&node, 0, 0, peer1);
	step = "node set direct";
	must(&kern, kernel_node_set(&kern, peer2, NULL, NULL, 0, 0));
	must(&kern, kernel_node_get(&kern, peer2, &node));
	check_node(&node, 0, 0, NULL);
	step = "node set self";
	must_fail(&kern, kernel_node_set(&kern, self, NULL, NULL, 0, 0), -EINVAL);

	step = "key new";
	make_key(&key_a, peer1, AEGIS_KEY_SLOT_PRIMARY, 1, AEGIS_CIPHER_AES_GCM);
	make_key(&key_b, peer1, AEGIS_KEY_SLOT_SECONDARY, 2,
		 AEGIS_CIPHER_CHACHA20POLY1305);
	must(&kern, kernel_key_new(&kern, &key_a));
	step = "key new in a used slot";
	must_fail(&kern, kernel_key_new(&kern, &key_a), -EBUSY);
	step = "key get primary";
	must(&kern, kernel_key_get(&kern, peer1, AEGIS_KEY_SLOT_PRIMARY, &got));
	check_key(&got, &key_a);
	step = "key get empty slot";
	must_fail(&kern, kernel_key_get(&kern, peer1, AEGIS_KEY_SLOT_SECONDARY, &got),
		  -ENOENT);
	step = "key new secondary";
	must(&kern, kernel_key_new(&kern, &key_b));
	step = "key swap";
	must(&kern, kernel_key_swap(&kern, peer1));
	must(&kern, kernel_key_get(&kern, peer1, AEGIS_KEY_SLOT_PRIMARY, &got));
	check_key(&got, &key_b);
	must(&kern, kernel_key_get(&kern, peer1, AEGIS_KEY_SLOT_SECONDARY, &got));
	check_key(&got, &key_a);
	step = "key del";
	must(&kern, kernel_key_del(&kern, peer1, AEGIS_KEY_SLOT_SECONDARY));
	must_fail(&kern, kernel_key_get(&kern, peer1, AEGIS_KEY_SLOT_SECONDARY, &got),
		  -ENOENT);
	step = "key del again";
	must_fail(&kern, kernel_key_del(&kern, peer1, AEGIS_KEY_SLOT_SECONDARY),
		  -ENOENT);
	step = "key swap without keys";
	must_fail(&kern, kernel_key_swap(&kern, peer2), -ENOENT);
	aegis_key_wipe(&key_a);
	aegis_key_wipe(&key_b);

	step = "prefix add";
	must(&kern, kernel_prefix_add(&kern, peer1, &p4));
	must(&kern, kernel_prefix_add(&kern, peer1, &p6));
	step = "prefix add again";
	must(&kern, kernel_prefix_add(&kern, peer1, &p4));
	step = "prefix del";
	must(&kern, kernel_prefix_del(&kern, peer1, &p4));
	must(&kern, kernel_prefix_del(&kern, NULL, &p6));
	step = "prefix del again";
	must_fail(&kern, kernel_prefix_del(&kern, peer1, &p4), -ENOENT);
	step = "prefix with host bits";
	must_fail(&kern, kernel_prefix_add(&kern, peer1, &p4bad), -EINVAL);

	/* A second device in the netns that sends a NO_KEY of its own. */
	step = "second device";
	must(&kern2, kernel_open(&kern2));
	must(&kern2, kernel_dev_ensure(&kern2, ifname2, 0));
	must(&kern2, kernel_node_set(&kern2, peer3, &ep, NULL, 0, 0));
	must(&kern2, kernel_prefix_add(&kern2, peer3, &pk4));
	must(&kern2, kernel_route_add(&kern2, &pk4));

	step = "no-key setup";
	must(&kern, kernel_node_set(&kern, peer3, &ep, NULL, 0, 0));
	must(&kern, kernel_prefix_add(&kern, peer3, &pk3));
	must(&kern, kernel_route_add(&kern, &pk3));
	poke("100.64.4.1");	/* ifname2's first: it must not show up */
	poke("100.64.3.1");
	step = "event no-key";
	w = (struct watch){ .ifindex = kern.ifindex, .cmd = AEGIS_CMD_NTF_NO_KEY,
			    .node = peer3 };
	wait_event(&kern, &w);
	step = "event no-key, second device";
	w = (struct watch){ .ifindex = kern2.ifindex, .cmd = AEGIS_CMD_NTF_NO_KEY,
			    .node = peer3 };
	wait_event(&kern2, &w);
	step = "no-key drop counted";
	must(&kern, kernel_node_get(&kern, peer3, &node));
	if (!(node.drops_present & AEGIS_BIT(AEGIS_DROP_A_NO_KEY)) ||
	    !node.drops[AEGIS_DROP_A_NO_KEY])
		fail("no no-key drop counted");

	step = "event sock-closed";
	close(fd_b);	/* the bound one: the device lets go and says so */
	w = (struct watch){ .ifindex = kern.ifindex,
			    .cmd = AEGIS_CMD_NTF_SOCK_CLOSED };
	wait_event(&kern, &w);
	step = "bind again";
	must(&kern, kernel_bind(&kern, fd_a, NULL));

	if (hold_file)
		hold(hold_file);

	step = "node del";
	must(&kern, kernel_node_del(&kern, peer2));
	must(&kern, kernel_node_del(&kern, peer1));
	must(&kern, kernel_node_del(&kern, peer3));
	step = "node del again";
	must_fail(&kern, kernel_node_del(&kern, peer1), -ENOENT);
	step = "route del";
	must(&kern, kernel_route_del(&kern, &r4));
	must(&kern, kernel_route_del(&kern, &r6));
	must(&kern, kernel_route_del(&kern, &pk3));
	step = "addr del";
	must(&kern, kernel_addr_del(&kern, &a4, 24));
	must(&kern, kernel_addr_del(&kern, &a6, 64));
	step = "addr del again";
	must(&kern, kernel_addr_del(&kern, &a4, 24));
	must(&kern, kernel_addr_del(&kern, &a6, 64));
	step = "unbind";
	must(&kern, kernel_bind(&kern, -1, NULL));
	close(fd_a);

	step = "dev remove";
	must(&kern, kernel_dev_remove_if_created(&kern));
	if (kernel_dev_exists(&kern) == created)
		fail("the device %s", created ? "is still there" : "went away");
	step = "dev remove again";
	must(&kern, kernel_dev_remove_if_created(&kern));
	step = "second device remove";
	must(&kern2, kernel_dev_remove_if_created(&kern2));

	kernel_close(&kern);
	kernel_close(&kern2);
	printf("kernelprobe: all ok\n");
	return 0;
}

static int cmd_ensure(const char *ifname, const char *mtu_arg)
{
	char *end;
	unsigned long mtu = strtoul(mtu_arg, &end, 10);

	if (!*mtu_arg || *end || mtu > UINT32_MAX)
		fail("bad MTU %s", mtu_arg);
	step = "open";
	must(&kern, kernel_open(&kern));
	step = "dev ensure";
	must(&kern, kernel_dev_ensure(&kern, ifname, (uint32_t)mtu));
	printf("%s\n", kern.created ? "created" : "existing");
	kernel_close(&kern);
	return 0;
}

static void usage(void) __attribute__((noreturn));

static void usage(void)
{
	fprintf(stderr, "usage: kernelprobe run IFNAME IFNAME2 [--hold FILE]\n"
			"       kernelprobe ensure IFNAME MTU\n");
	exit(2);
}

int main(int argc, char **argv)
{
	/* Lines in order even when stdout and stderr go to one file. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "run"))
		return cmd_run(argv[2], argv[3], NULL);
	if (argc == 6 && !strcmp(argv[1], "run") && !strcmp(argv[4], "--hold"))
		return cmd_run(argv[2], argv[3], argv[5]);
	if (argc == 4 && !strcmp(argv[1], "ensure"))
		return cmd_ensure(argv[2], argv[3]);
	usage();
}
