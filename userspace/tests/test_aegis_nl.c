// SPDX-License-Identifier: MIT
/* Unit tests: userspace/common/aegis_nl.c (request builders, reply parsers). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <netlink/genl/genl.h>

#include "aegis_nl.h"

#define FAMILY 0x1234

static struct nl_msg *new_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	assert_non_null(genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, FAMILY, 0, 0,
				    cmd, AEGIS_GENL_VERSION));
	return msg;
}

/* The first top-level attribute of type in msg. */
static const struct nlattr *find_top(struct nl_msg *msg, int type)
{
	const struct nlattr *a;
	int len, rem;

	a = aegis_msg_attrs(nlmsg_hdr(msg), &len);
	for (rem = len; nla_ok(a, rem); a = nla_next(a, &rem))
		if (nla_type(a) == type)
			return a;
	return NULL;
}

static void fill_id(uint8_t id[AEGIS_NODE_ID_LEN], uint8_t seed)
{
	size_t i;

	for (i = 0; i < AEGIS_NODE_ID_LEN; i++)
		id[i] = (uint8_t)(seed + i);
}

static void test_devref(void **state)
{
	struct aegis_devref byidx = { .ifindex = 7 }, byname = { .ifname = "aegis0" };
	struct aegis_devref empty = { 0 };
	struct aegis_msg_info info;
	struct nl_msg *msg = new_msg(AEGIS_CMD_DEV_GET);
	char err[200];

	(void)state;
	assert_int_equal(aegis_put_devref(msg, &byidx), 0);
	assert_int_equal(aegis_put_devref(msg, &byname), 0);
	assert_int_equal(aegis_put_devref(msg, &empty), -EINVAL);
	assert_int_equal(aegis_parse_info(nlmsg_hdr(msg), &info, err, sizeof(err)), 0);
	assert_int_equal(info.cmd, AEGIS_CMD_DEV_GET);
	assert_true(AEGIS_HAS(&info, AEGIS_A_IFINDEX));
	assert_int_equal(info.ifindex, 7);
	assert_true(AEGIS_HAS(&info, AEGIS_A_IFNAME));
	assert_string_equal(info.ifname, "aegis0");
	/* The string goes out NUL-terminated (the kernel wants NLA_NUL_STRING). */
	assert_int_equal(nla_len(find_top(msg, AEGIS_A_IFNAME)), 7);
	nlmsg_free(msg);
}

static void test_dev_roundtrip(void **state)
{
	struct aegis_nl_dev in = { 0 }, out;
	struct nl_msg *msg = new_msg(AEGIS_CMD_DEV_SET);
	const struct nlattr *nest;
	char err[200];

	(void)state;
	fill_id(in.node_id, 9);
	in.sock_fd = -1;
	in.idle_timeout = 180;
	in.hop_limit = 8;
	in.listen_port = 999;	/* reply-only: must not be put */
	AEGIS_SET(&in, AEGIS_DEV_A_NODE_ID);
	AEGIS_SET(&in, AEGIS_DEV_A_SOCK_FD);
	AEGIS_SET(&in, AEGIS_DEV_A_IDLE_TIMEOUT);
	AEGIS_SET(&in, AEGIS_DEV_A_HOP_LIMIT);
	AEGIS_SET(&in, AEGIS_DEV_A_LISTEN_PORT);
	assert_int_equal(aegis_put_dev(msg, &in), 0);
	nest = find_top(msg, AEGIS_A_DEV);
	assert_non_null(nest);
	assert_true(nest->nla_type & NLA_F_NESTED);
	assert_int_equal(aegis_parse_dev(nest, &out, err, sizeof(err)), 0);
	assert_memory_equal(out.node_id, in.node_id, AEGIS_NODE_ID_LEN);
	assert_int_equal(out.sock_fd, -1);
	assert_int_equal(out.idle_timeout, 180);
	assert_int_equal(out.hop_limit, 8);
	assert_false(AEGIS_HAS(&out, AEGIS_DEV_A_LISTEN_PORT));
	assert_true(out.present == (AEGIS_BIT(AEGIS_DEV_A_NODE_ID) |
				    AEGIS_BIT(AEGIS_DEV_A_SOCK_FD) |
				    AEGIS_BIT(AEGIS_DEV_A_IDLE_TIMEOUT) |
				    AEGIS_BIT(AEGIS_DEV_A_HOP_LIMIT)));
	nlmsg_free(msg);
}

static void test_dev_reply(void **state)
{
	struct nl_msg *msg = new_msg(AEGIS_CMD_DEV_GET);
	struct aegis_msg_info info;
	struct aegis_nl_dev d;
	struct nlattr *nest;
	char err[200];

	(void)state;
	nest = nla_nest_start(msg, AEGIS_A_DEV);
	nla_put_u32(msg, AEGIS_DEV_A_IFINDEX, 4);
	nla_put_string(msg, AEGIS_DEV_A_IFNAME, "aegis0");
	nla_put_u16(msg, AEGIS_DEV_A_LISTEN_PORT, 51820);
	nla_put_u32(msg, AEGIS_DEV_A_NODES, 3);
	nla_put_u32(msg, AEGIS_DEV_A_PREFIXES, 100000);
	nla_put_u32(msg, 200, 1);	/* from a newer kernel: skipped */
	nla_nest_end(msg, nest);
	nla_put_u32(msg, AEGIS_A_GENERATION, 42);
	assert_int_equal(aegis_parse_info(nlmsg_hdr(msg), &info, err, sizeof(err)), 0);
	assert_true(AEGIS_HAS(&info, AEGIS_A_DEV));
	assert_int_equal(info.generation, 42);
	assert_int_equal(aegis_parse_dev(find_top(msg, AEGIS_A_DEV), &d, err, sizeof(err)), 0);
	assert_int_equal(d.ifindex, 4);
	assert_string_equal(d.ifname, "aegis0");
	assert_int_equal(d.listen_port, 51820);
	assert_int_equal(d.nodes, 3);
	assert_int_equal(d.prefixes, 100000);
	assert_false(AEGIS_HAS(&d, AEGIS_DEV_A_NODE_ID));
	nlmsg_free(msg);
}

static void test_node_roundtrip(void **state)
{
	struct aegis_nl_node in = { 0 }, out;
	struct nl_msg *msg = new_msg(AEGIS_CMD_NODE_NEW);
	char err[200];

	(void)state;
	fill_id(in.id, 1);
	fill_id(in.via, 100);
	assert_int_equal(aegis_endpoint_parse("[2001:db8::1]:51820", &in.endpoint, NULL, 0), 0);
	in.keepalive = 25;
	in.flags = AEGIS_NODE_F_RELAY;
	in.rx_bytes = 5;	/* reply-only */
	AEGIS_SET(&in, AEGIS_NODE_A_ENDPOINT_IP6);
	AEGIS_SET(&in, AEGIS_NODE_A_ENDPOINT_PORT);
	AEGIS_SET(&in, AEGIS_NODE_A_VIA);
	AEGIS_SET(&in, AEGIS_NODE_A_KEEPALIVE);
	AEGIS_SET(&in, AEGIS_NODE_A_FLAGS);
	AEGIS_SET(&in, AEGIS_NODE_A_RX_BYTES);
	assert_int_equal(aegis_put_node(msg, &in), 0);
	assert_int_equal(aegis_parse_node(find_top(msg, AEGIS_A_NODE), &out, err, sizeof(err)), 0);
	assert_memory_equal(out.id, in.id, AEGIS_NODE_ID_LEN);
	assert_memory_equal(out.via, in.via, AEGIS_NODE_ID_LEN);
	assert_false(out.via_direct);
	assert_int_equal(out.endpoint.addr.family, AF_INET6);
	assert_memory_equal(&out.endpoint.addr.u.v6, &in.endpoint.addr.u.v6, 16);
	assert_int_equal(out.endpoint.port, 51820);
	assert_int_equal(out.keepalive, 25);
	assert_int_equal(out.flags, AEGIS_NODE_F_RELAY);
	assert_false(AEGIS_HAS(&out, AEGIS_NODE_A_RX_BYTES));
	assert_false(AEGIS_HAS(&out, AEGIS_NODE_A_ENDPOINT_IP4));
	assert_false(AEGIS_HAS(&out, AEGIS_NODE_A_ENDPOINT_SCOPE));
	nlmsg_free(msg);
}

/* A link-local endpoint carries its interface; lo is ifindex 1. */
static void test_node_scope_round_trip(void **state)
{
	struct aegis_nl_node in = { 0 }, out;
	struct nl_msg *msg = new_msg(AEGIS_CMD_NODE_NEW);
	char err[200];

	(void)state;
	fill_id(in.id, 2);
	assert_int_equal(aegis_endpoint_parse("[fe80::7%lo]:4500", &in.endpoint, NULL, 0), 0);
	AEGIS_SET(&in, AEGIS_NODE_A_ENDPOINT_IP6);
	AEGIS_SET(&in, AEGIS_NODE_A_ENDPOINT_PORT);
	assert_int_equal(aegis_put_node(msg, &in), 0);
	assert_int_equal(aegis_parse_node(find_top(msg, AEGIS_A_NODE), &out, err, sizeof(err)), 0);
	assert_true(AEGIS_HAS(&out, AEGIS_NODE_A_ENDPOINT_SCOPE));
	assert_int_equal(out.endpoint.scope, 1);
	assert_memory_equal(&out.endpoint.addr.u.v6, &in.endpoint.addr.u.v6, 16);
	nlmsg_free(msg);
}

static void test_node_minimal_and_direct(void **state)
{
	struct aegis_nl_node in = { 0 }, out;
	struct nl_msg *msg = new_msg(AEGIS_CMD_NODE_SET);
	const struct nlattr *nest;
	char err[200];

	(void)state;
	fill_id(in.id, 3);
	in.via_direct = true;
	AEGIS_SET(&in, AEGIS_NODE_A_VIA);
	assert_int_equal(aegis_put_node(msg, &in), 0);
	nest = find_top(msg, AEGIS_A_NODE);
	assert_int_equal(aegis_parse_node(nest, &out, err, sizeof(err)), 0);
	assert_true(out.via_direct);
	assert_true(out.present == (AEGIS_BIT(AEGIS_NODE_A_ID) | AEGIS_BIT(AEGIS_NODE_A_VIA)));
	nlmsg_free(msg);
}

static void test_node_bad_endpoint(void **state)
{
	struct aegis_nl_node in = { 0 };
	struct nl_msg *msg = new_msg(AEGIS_CMD_NODE_NEW);

	(void)state;
	/* IP4 marked, but the address is IPv6. */
	assert_int_equal(aegis_endpoint_parse("[::1]:1", &in.endpoint, NULL, 0), 0);
	AEGIS_SET(&in, AEGIS_NODE_A_ENDPOINT_IP4);
	assert_int_equal(aegis_put_node(msg, &in), -EINVAL);
	nlmsg_free(msg);
}

static void test_node_reply_stats(void **state)
{
	struct nl_msg *msg = new_msg(AEGIS_CMD_NODE_GET);
	struct nlattr *nest, *drops;
	struct aegis_nl_node n;
	uint8_t id[AEGIS_NODE_ID_LEN], ip[4] = { 192, 0, 2, 7 };
	char err[200];

	(void)state;
	fill_id(id, 5);
	nest = nla_nest_start(msg, AEGIS_A_NODE);
	nla_put(msg, AEGIS_NODE_A_ID, sizeof(id), id);
	nla_put(msg, AEGIS_NODE_A_ENDPOINT_IP4, 4, ip);
	nla_put_u16(msg, AEGIS_NODE_A_ENDPOINT_PORT, 4500);
	nla_put(msg, AEGIS_NODE_A_PAD, 0, NULL);
	nla_put_u64(msg, AEGIS_NODE_A_RX_BYTES, 1ULL << 40);
	nla_put_u64(msg, AEGIS_NODE_A_RX_PACKETS, 2);
	nla_put_u64(msg, AEGIS_NODE_A_TX_BYTES, 3);
	nla_put_u64(msg, AEGIS_NODE_A_TX_PACKETS, 4);
	nla_put_u64(msg, AEGIS_NODE_A_LAST_RX, 123456789);
	drops = nla_nest_start(msg, AEGIS_NODE_A_DROPS);
	nla_put_u64(msg, AEGIS_DROP_A_REPLAY, 11);
	nla_put_u64(msg, AEGIS_DROP_A_RELAY_DENIED, 12);
	nla_put_u64(msg, AEGIS_DROP_A_MAX + 5, 13);	/* newer kernel */
	nla_nest_end(msg, drops);
	nla_nest_end(msg, nest);
	assert_int_equal(aegis_parse_node(find_top(msg, AEGIS_A_NODE), &n, err, sizeof(err)), 0);
	assert_int_equal(n.endpoint.addr.family, AF_INET);
	assert_memory_equal(&n.endpoint.addr.u.v4, ip, 4);
	assert_int_equal(n.endpoint.port, 4500);
	assert_true(n.rx_bytes == 1ULL << 40);
	assert_true(n.last_rx == 123456789);
	assert_true(AEGIS_HAS(&n, AEGIS_NODE_A_DROPS));
	assert_true(n.drops[AEGIS_DROP_A_REPLAY] == 11);
	assert_true(n.drops[AEGIS_DROP_A_RELAY_DENIED] == 12);
	assert_true(n.drops_present == (AEGIS_BIT(AEGIS_DROP_A_REPLAY) |
					AEGIS_BIT(AEGIS_DROP_A_RELAY_DENIED)));
	nlmsg_free(msg);
}

/* One node nest with attribute type carrying len bytes: must be refused. */
static void expect_bad_node_attr(int type, int len, const char *name)
{
	struct nl_msg *msg = new_msg(AEGIS_CMD_NODE_GET);
	uint8_t data[64] = { 0 };
	struct aegis_nl_node n;
	struct nlattr *nest;
	char err[200] = "";

	nest = nla_nest_start(msg, AEGIS_A_NODE);
	if (type != AEGIS_NODE_A_ID)
		nla_put(msg, AEGIS_NODE_A_ID, AEGIS_NODE_ID_LEN, data);
	nla_put(msg, type, len, data);
	nla_nest_end(msg, nest);
	assert_int_equal(aegis_parse_node(find_top(msg, AEGIS_A_NODE), &n, err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, name));
	nlmsg_free(msg);
}

static void test_node_malformed(void **state)
{
	struct nl_msg *msg;
	struct aegis_nl_node n;
	struct nlattr *nest;
	char err[200];
	uint8_t ip[16] = { 0 };

	(void)state;
	expect_bad_node_attr(AEGIS_NODE_A_ID, 31, "AEGIS_NODE_A_ID");
	expect_bad_node_attr(AEGIS_NODE_A_ID, 33, "AEGIS_NODE_A_ID");
	expect_bad_node_attr(AEGIS_NODE_A_ENDPOINT_IP4, 16, "AEGIS_NODE_A_ENDPOINT_IP4");
	expect_bad_node_attr(AEGIS_NODE_A_ENDPOINT_IP6, 4, "AEGIS_NODE_A_ENDPOINT_IP6");
	expect_bad_node_attr(AEGIS_NODE_A_ENDPOINT_PORT, 4, "AEGIS_NODE_A_ENDPOINT_PORT");
	expect_bad_node_attr(AEGIS_NODE_A_VIA, 16, "AEGIS_NODE_A_VIA");
	expect_bad_node_attr(AEGIS_NODE_A_RX_BYTES, 4, "AEGIS_NODE_A_RX_BYTES");
	expect_bad_node_attr(AEGIS_NODE_A_KEEPALIVE, 1, "AEGIS_NODE_A_KEEPALIVE");
	expect_bad_node_attr(AEGIS_NODE_A_ENDPOINT_SCOPE, 2, "AEGIS_NODE_A_ENDPOINT_SCOPE");

	/* No id at all. */
	msg = new_msg(AEGIS_CMD_NODE_GET);
	nest = nla_nest_start(msg, AEGIS_A_NODE);
	nla_put_u16(msg, AEGIS_NODE_A_KEEPALIVE, 1);
	nla_nest_end(msg, nest);
	assert_int_equal(aegis_parse_node(find_top(msg, AEGIS_A_NODE), &n, err, sizeof(err)), -EBADMSG);
	nlmsg_free(msg);

	/* Both endpoint families. */
	msg = new_msg(AEGIS_CMD_NODE_GET);
	nest = nla_nest_start(msg, AEGIS_A_NODE);
	nla_put(msg, AEGIS_NODE_A_ID, AEGIS_NODE_ID_LEN, (uint8_t[AEGIS_NODE_ID_LEN]){ 0 });
	nla_put(msg, AEGIS_NODE_A_ENDPOINT_IP4, 4, ip);
	nla_put(msg, AEGIS_NODE_A_ENDPOINT_IP6, 16, ip);
	nla_nest_end(msg, nest);
	assert_int_equal(aegis_parse_node(find_top(msg, AEGIS_A_NODE), &n, err, sizeof(err)), -EBADMSG);
	nlmsg_free(msg);
}

static void test_key_roundtrip(void **state)
{
	struct aegis_nl_key in = { 0 }, out;
	struct nl_msg *msg = new_msg(AEGIS_CMD_KEY_NEW);
	const struct nlattr *nest, *a, *kd;
	int rem, seen_enc = 0;
	char err[200];

	(void)state;
	fill_id(in.node_id, 7);
	in.slot = AEGIS_KEY_SLOT_SECONDARY;
	in.key_id = 7;
	in.cipher = AEGIS_CIPHER_CHACHA20POLY1305;
	in.rx_index = 0x0123456789abcdefULL;
	in.tx_index = UINT64_MAX;
	memset(in.enc.key, 0xaa, sizeof(in.enc.key));
	memset(in.enc.salt, 0xbb, sizeof(in.enc.salt));
	memset(in.dec.key, 0xcc, sizeof(in.dec.key));
	memset(in.dec.salt, 0xdd, sizeof(in.dec.salt));
	in.soft_lifetime = 120;
	in.hard_lifetime = 180;
	in.soft_packets = 1ULL << 32;
	in.hard_packets = 1ULL << 33;
	AEGIS_SET(&in, AEGIS_KEY_A_SLOT);
	AEGIS_SET(&in, AEGIS_KEY_A_KEY_ID);
	AEGIS_SET(&in, AEGIS_KEY_A_CIPHER);
	AEGIS_SET(&in, AEGIS_KEY_A_RX_INDEX);
	AEGIS_SET(&in, AEGIS_KEY_A_TX_INDEX);
	AEGIS_SET(&in, AEGIS_KEY_A_ENCRYPT);
	AEGIS_SET(&in, AEGIS_KEY_A_DECRYPT);
	AEGIS_SET(&in, AEGIS_KEY_A_SOFT_LIFETIME);
	AEGIS_SET(&in, AEGIS_KEY_A_HARD_LIFETIME);
	AEGIS_SET(&in, AEGIS_KEY_A_SOFT_PACKETS);
	AEGIS_SET(&in, AEGIS_KEY_A_HARD_PACKETS);
	assert_int_equal(aegis_put_key(msg, &in), 0);
	nest = find_top(msg, AEGIS_A_KEY);

	/* The key material is in the request, in nested keydir attributes. */
	for (a = nla_data(nest), rem = nla_len(nest); nla_ok(a, rem); a = nla_next(a, &rem)) {
		int r2;

		if (nla_type(a) != AEGIS_KEY_A_ENCRYPT)
			continue;
		seen_enc = 1;
		assert_true(a->nla_type & NLA_F_NESTED);
		for (kd = nla_data(a), r2 = nla_len(a); nla_ok(kd, r2); kd = nla_next(kd, &r2)) {
			if (nla_type(kd) == AEGIS_KEYDIR_A_KEY) {
				assert_int_equal(nla_len(kd), AEGIS_KEY_LEN);
				assert_memory_equal(nla_data(kd), in.enc.key, AEGIS_KEY_LEN);
			} else {
				assert_int_equal(nla_type(kd), AEGIS_KEYDIR_A_SALT);
				assert_int_equal(nla_len(kd), AEGIS_NONCE_SALT_LEN);
			}
		}
	}
	assert_true(seen_enc);

	assert_int_equal(aegis_parse_key(nest, &out, err, sizeof(err)), 0);
	assert_memory_equal(out.node_id, in.node_id, AEGIS_NODE_ID_LEN);
	assert_int_equal(out.slot, AEGIS_KEY_SLOT_SECONDARY);
	assert_int_equal(out.key_id, 7);
	assert_int_equal(out.cipher, AEGIS_CIPHER_CHACHA20POLY1305);
	assert_true(out.rx_index == in.rx_index);
	assert_true(out.tx_index == UINT64_MAX);
	assert_int_equal(out.soft_lifetime, 120);
	assert_int_equal(out.hard_lifetime, 180);
	assert_true(out.soft_packets == 1ULL << 32);
	assert_true(out.hard_packets == 1ULL << 33);
	/* Parsing never picks key material up. */
	assert_false(AEGIS_HAS(&out, AEGIS_KEY_A_ENCRYPT));
	assert_false(AEGIS_HAS(&out, AEGIS_KEY_A_DECRYPT));
	assert_memory_equal(out.enc.key, (uint8_t[AEGIS_KEY_LEN]){ 0 }, AEGIS_KEY_LEN);

	aegis_key_wipe(&in);
	assert_memory_equal(in.enc.key, (uint8_t[AEGIS_KEY_LEN]){ 0 }, AEGIS_KEY_LEN);
	assert_true(in.present == 0);
	nlmsg_free(msg);
}

static void test_key_reply(void **state)
{
	struct nl_msg *msg = new_msg(AEGIS_CMD_KEY_GET);
	struct aegis_nl_key k;
	struct nlattr *nest;
	uint8_t id[AEGIS_NODE_ID_LEN];
	char err[200];

	(void)state;
	fill_id(id, 2);
	nest = nla_nest_start(msg, AEGIS_A_KEY);
	nla_put(msg, AEGIS_KEY_A_NODE_ID, sizeof(id), id);
	nla_put_u8(msg, AEGIS_KEY_A_SLOT, AEGIS_KEY_SLOT_PRIMARY);
	nla_put_u32(msg, AEGIS_KEY_A_AGE, 30);
	nla_put_flag(msg, AEGIS_KEY_A_CONFIRMED);
	nla_put_u64(msg, AEGIS_KEY_A_TX_PACKETS, 5);
	nla_put_u64(msg, AEGIS_KEY_A_RX_PACKETS, 6);
	nla_nest_end(msg, nest);
	assert_int_equal(aegis_parse_key(find_top(msg, AEGIS_A_KEY), &k, err, sizeof(err)), 0);
	assert_true(AEGIS_HAS(&k, AEGIS_KEY_A_CONFIRMED));
	assert_int_equal(k.age, 30);
	assert_true(k.tx_packets == 5 && k.rx_packets == 6);
	nlmsg_free(msg);

	/* A flag with a payload is malformed; so is a u8 sent as u32. */
	msg = new_msg(AEGIS_CMD_KEY_GET);
	nest = nla_nest_start(msg, AEGIS_A_KEY);
	nla_put_u8(msg, AEGIS_KEY_A_CONFIRMED, 1);
	nla_nest_end(msg, nest);
	assert_int_equal(aegis_parse_key(find_top(msg, AEGIS_A_KEY), &k, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "AEGIS_KEY_A_CONFIRMED"));
	nlmsg_free(msg);
	msg = new_msg(AEGIS_CMD_KEY_GET);
	nest = nla_nest_start(msg, AEGIS_A_KEY);
	nla_put_u32(msg, AEGIS_KEY_A_SLOT, 1);
	nla_nest_end(msg, nest);
	assert_int_equal(aegis_parse_key(find_top(msg, AEGIS_A_KEY), &k, err, sizeof(err)), -EBADMSG);
	nlmsg_free(msg);
}

static void test_prefix_roundtrip(void **state)
{
	struct aegis_prefix_entry in = { 0 }, out;
	struct nl_msg *msg = new_msg(AEGIS_CMD_PREFIX_ADD);
	char err[200], buf[AEGIS_PREFIX_STRSIZE];

	(void)state;
	fill_id(in.node_id, 4);
	AEGIS_SET(&in, AEGIS_PREFIX_A_NODE_ID);
	assert_int_equal(aegis_prefix_parse("fd00:1::/48", &in.prefix, NULL, 0), 0);
	assert_int_equal(aegis_put_prefix(msg, &in), 0);
	assert_int_equal(aegis_parse_prefix(find_top(msg, AEGIS_A_PREFIX), &out, err, sizeof(err)), 0);
	assert_memory_equal(out.node_id, in.node_id, AEGIS_NODE_ID_LEN);
	assert_true(AEGIS_HAS(&out, AEGIS_PREFIX_A_IP6));
	assert_false(AEGIS_HAS(&out, AEGIS_PREFIX_A_IP4));
	assert_int_equal(aegis_prefix_format(&out.prefix, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "fd00:1::/48");
	nlmsg_free(msg);

	/* Nothing to encode without an address. */
	msg = new_msg(AEGIS_CMD_PREFIX_ADD);
	memset(&in.prefix, 0, sizeof(in.prefix));
	assert_int_equal(aegis_put_prefix(msg, &in), -EINVAL);
	nlmsg_free(msg);
}

static void expect_bad_prefix(const uint8_t *ip, int iplen, int iptype,
			      int with_ip6_too, int len)
{
	struct nl_msg *msg = new_msg(AEGIS_CMD_PREFIX_GET);
	struct aegis_prefix_entry p;
	struct nlattr *nest;
	char err[200];

	nest = nla_nest_start(msg, AEGIS_A_PREFIX);
	if (ip)
		nla_put(msg, iptype, iplen, ip);
	if (with_ip6_too) {
		static const uint8_t ip6[16];

		nla_put(msg, AEGIS_PREFIX_A_IP6, 16, ip6);
	}
	if (len >= 0)
		nla_put_u8(msg, AEGIS_PREFIX_A_LEN, (uint8_t)len);
	nla_nest_end(msg, nest);
	assert_int_equal(aegis_parse_prefix(find_top(msg, AEGIS_A_PREFIX), &p, err, sizeof(err)),
			 -EBADMSG);
	nlmsg_free(msg);
}

static void test_prefix_malformed(void **state)
{
	const uint8_t ip4[4] = { 10, 0, 0, 0 };

	(void)state;
	expect_bad_prefix(ip4, 4, AEGIS_PREFIX_A_IP4, 0, 33);	/* too long */
	expect_bad_prefix(ip4, 4, AEGIS_PREFIX_A_IP4, 0, -1);	/* no length */
	expect_bad_prefix(NULL, 0, 0, 0, 8);			/* no address */
	expect_bad_prefix(ip4, 4, AEGIS_PREFIX_A_IP4, 1, 8);	/* two addresses */
	expect_bad_prefix(ip4, 3, AEGIS_PREFIX_A_IP4, 0, 8);	/* short address */
	expect_bad_prefix(ip4, 4, AEGIS_PREFIX_A_IP6, 0, 8);	/* v6 of 4 bytes */
}

static void test_info_malformed(void **state)
{
	struct aegis_msg_info info;
	struct nl_msg *msg;
	struct nlmsghdr *nlh;
	char err[200];
	/* A message header, a genl header and 4 bytes of attribute space. */
	struct {
		struct nlmsghdr h;
		struct genlmsghdr g;
		uint8_t attrs[4];
	} raw;

	(void)state;
	/* Too short for the genl header. */
	memset(&raw, 0, sizeof(raw));
	raw.h.nlmsg_len = NLMSG_HDRLEN + 2;
	assert_int_equal(aegis_parse_info(&raw.h, &info, err, sizeof(err)), -EBADMSG);

	/* Stray bytes after the attributes (less than an attribute header). */
	memset(raw.attrs, 0xee, sizeof(raw.attrs));
	raw.h.nlmsg_len = sizeof(raw) - 1;
	assert_int_equal(aegis_parse_info(&raw.h, &info, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "stray"));

	/* An attribute that claims more than the message holds. */
	msg = new_msg(AEGIS_CMD_DEV_GET);
	nla_put_u32(msg, AEGIS_A_IFINDEX, 1);
	nlh = nlmsg_hdr(msg);
	((struct nlattr *)((char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN))->nla_len = 200;
	assert_int_equal(aegis_parse_info(nlh, &info, err, sizeof(err)), -EBADMSG);
	nlmsg_free(msg);

	/* Unterminated and overlong interface names. */
	msg = new_msg(AEGIS_CMD_DEV_GET);
	nla_put(msg, AEGIS_A_IFNAME, 4, "abcd");
	assert_int_equal(aegis_parse_info(nlmsg_hdr(msg), &info, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "AEGIS_A_IFNAME"));
	nlmsg_free(msg);
	msg = new_msg(AEGIS_CMD_DEV_GET);
	nla_put_string(msg, AEGIS_A_IFNAME, "sixteen-chars-xx");
	assert_int_equal(aegis_parse_info(nlmsg_hdr(msg), &info, err, sizeof(err)), -EBADMSG);
	nlmsg_free(msg);
	msg = new_msg(AEGIS_CMD_DEV_GET);
	nla_put_string(msg, AEGIS_A_IFNAME, "fifteen-chars-x");
	assert_int_equal(aegis_parse_info(nlmsg_hdr(msg), &info, err, sizeof(err)), 0);
	nlmsg_free(msg);

	/* Wrong-size scalar at the top. */
	msg = new_msg(AEGIS_CMD_DEV_GET);
	nla_put_u16(msg, AEGIS_A_GENERATION, 1);
	assert_int_equal(aegis_parse_info(nlmsg_hdr(msg), &info, err, sizeof(err)), -EBADMSG);
	nlmsg_free(msg);
}

static void test_names(void **state)
{
	uint16_t path[3];
	char buf[128];
	unsigned int i;

	(void)state;
	for (i = 1; i <= AEGIS_CMD_MAX; i++)
		assert_non_null(aegis_cmd_name(i));
	assert_null(aegis_cmd_name(AEGIS_CMD_UNSPEC));
	assert_null(aegis_cmd_name(AEGIS_CMD_MAX + 1));
	assert_string_equal(aegis_cmd_name(AEGIS_CMD_NTF_REKEY), "rekey");
	/* Appended last: the numbers before it hold. */
	assert_int_equal(AEGIS_CMD_NTF_KEY_CONFIRMED, 20);
	assert_int_equal(AEGIS_CMD_MAX, AEGIS_CMD_NTF_KEY_CONFIRMED);
	assert_string_equal(aegis_cmd_name(AEGIS_CMD_NTF_KEY_CONFIRMED), "key-confirmed");
	for (i = AEGIS_DROP_A_REPLAY; i <= AEGIS_DROP_A_MAX; i++)
		if (i != AEGIS_DROP_A_PAD)
			assert_non_null(aegis_drop_name(i));
	assert_null(aegis_drop_name(AEGIS_DROP_A_PAD));
	assert_string_equal(aegis_drop_name(AEGIS_DROP_A_ECN), "ecn");
	assert_null(aegis_drop_name(AEGIS_DROP_A_MAX + 1));
	assert_string_equal(aegis_cipher_name(AEGIS_CIPHER_AES_GCM), "aes-gcm");
	assert_null(aegis_cipher_name(99));
	assert_string_equal(aegis_slot_name(AEGIS_KEY_SLOT_SECONDARY), "secondary");
	assert_null(aegis_slot_name(2));

	path[0] = AEGIS_A_DEV;
	path[1] = AEGIS_DEV_A_HOP_LIMIT;
	assert_int_equal(aegis_attr_path_name(path, 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "AEGIS_A_DEV/AEGIS_DEV_A_HOP_LIMIT");
	path[0] = AEGIS_A_KEY;
	path[1] = AEGIS_KEY_A_DECRYPT;
	path[2] = AEGIS_KEYDIR_A_SALT;
	assert_int_equal(aegis_attr_path_name(path, 3, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "AEGIS_A_KEY/AEGIS_KEY_A_DECRYPT/AEGIS_KEYDIR_A_SALT");
	path[0] = AEGIS_A_NODE;
	path[1] = AEGIS_NODE_A_DROPS;
	path[2] = AEGIS_DROP_A_RPF;
	assert_int_equal(aegis_attr_path_name(path, 3, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "AEGIS_A_NODE/AEGIS_NODE_A_DROPS/AEGIS_DROP_A_RPF");
	path[0] = AEGIS_A_IFINDEX;
	assert_int_equal(aegis_attr_path_name(path, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "AEGIS_A_IFINDEX");
	/* Not a nest, unknown types, no room. */
	path[1] = 1;
	assert_int_equal(aegis_attr_path_name(path, 2, buf, sizeof(buf)), -ENOENT);
	path[0] = 999;
	assert_int_equal(aegis_attr_path_name(path, 1, buf, sizeof(buf)), -ENOENT);
	path[0] = AEGIS_A_IFINDEX;
	assert_int_equal(aegis_attr_path_name(path, 1, buf, 5), -ENOENT);
	assert_int_equal(aegis_attr_path_name(path, 0, buf, sizeof(buf)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devref),
		cmocka_unit_test(test_dev_roundtrip),
		cmocka_unit_test(test_dev_reply),
		cmocka_unit_test(test_node_roundtrip),
		cmocka_unit_test(test_node_minimal_and_direct),
		cmocka_unit_test(test_node_scope_round_trip),
		cmocka_unit_test(test_node_bad_endpoint),
		cmocka_unit_test(test_node_reply_stats),
		cmocka_unit_test(test_node_malformed),
		cmocka_unit_test(test_key_roundtrip),
		cmocka_unit_test(test_key_reply),
		cmocka_unit_test(test_prefix_roundtrip),
		cmocka_unit_test(test_prefix_malformed),
		cmocka_unit_test(test_info_malformed),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
