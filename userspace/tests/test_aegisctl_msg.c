// SPDX-License-Identifier: MIT
/*
 * Unit tests: the requests aegisctl builds for the change commands, from
 * argv to the netlink message (tools/aegisctl/args.c, secret.c, cmds.c,
 * report.c compiled in here).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>
#include <sys/socket.h>
#include "ctl.h"
#include "hex.h"
#include "netaddr.h"
#include "numparse.h"
#include "secret.h"
#include <fcntl.h>
#include <unistd.h>
#include <netlink/genl/genl.h>

#define FAMILY 0x2a
#define ID_A "0101010101010101010101010101010101010101010101010101010101010101"
#define ID_B "0202020202020202020202020202020202020202020202020202020202020202"
#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* Parse argv (strings copied, as argv may be modified) and build the request. */
static struct nl_msg *build(struct ctl_req *req, const char *const *v)
{
	char *argv[64], err[256];
	struct nl_msg *msg;
	int argc, ret;

	for (argc = 0; v[argc]; argc++)
		argv[argc] = strdup(v[argc]);
	ret = ctl_parse_args(argc, argv, req, err, sizeof(err));
	if (ret)
		print_error("parse: %s\n", err);
	assert_int_equal(ret, CTL_EXIT_OK);
	msg = ctl_build_change(req, FAMILY, &ret);
	assert_non_null(msg);
	assert_int_equal(ret, 0);
	/* req->dev_arg points into argv: not used after this. */
	while (argc--)
		free(argv[argc]);
	return msg;
}

#define BUILD(req, ...) build(req, (const char *const[]){ "aegisctl", __VA_ARGS__, NULL })

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

static const struct nlattr *find_in(const struct nlattr *nest, int type)
{
	const struct nlattr *a;
	int rem;

	for (a = nla_data(nest), rem = nla_len(nest); nla_ok(a, rem); a = nla_next(a, &rem))
		if (nla_type(a) == type)
			return a;
	return NULL;
}

/* Header checks common to every request; returns the parsed top level. */
static void check_header(struct nl_msg *msg, uint8_t cmd, struct aegis_msg_info *info)
{
	char err[200];

	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, FAMILY);
	assert_int_equal(aegis_parse_info(nlmsg_hdr(msg), info, err, sizeof(err)), 0);
	assert_int_equal(info->cmd, cmd);
	assert_int_equal(((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)))->version,
			 AEGIS_GENL_VERSION);
}

static void test_dev_set(void **state)
{
	struct aegis_msg_info info;
	struct ctl_req req;
	struct aegis_nl_dev d;
	struct nl_msg *msg;
	char err[200];

	(void)state;
	msg = BUILD(&req, "dev", "set", "aegis0", "node-id", ID_A, "hop-limit", "8");
	check_header(msg, AEGIS_CMD_DEV_SET, &info);
	assert_string_equal(info.ifname, "aegis0");
	assert_false(AEGIS_HAS(&info, AEGIS_A_IFINDEX));
	assert_int_equal(aegis_parse_dev(find_top(msg, AEGIS_A_DEV), &d, err, sizeof(err)), 0);
	assert_true(d.present == (AEGIS_BIT(AEGIS_DEV_A_NODE_ID) | AEGIS_BIT(AEGIS_DEV_A_HOP_LIMIT)));
	assert_int_equal(d.hop_limit, 8);
	nlmsg_free(msg);

	msg = BUILD(&req, "unbind", "12");
	check_header(msg, AEGIS_CMD_DEV_SET, &info);
	assert_int_equal(info.ifindex, 12);
	assert_false(AEGIS_HAS(&info, AEGIS_A_IFNAME));
	assert_int_equal(aegis_parse_dev(find_top(msg, AEGIS_A_DEV), &d, err, sizeof(err)), 0);
	assert_true(d.present == AEGIS_BIT(AEGIS_DEV_A_SOCK_FD));
	assert_int_equal(d.sock_fd, -1);
	nlmsg_free(msg);
}

static void test_node(void **state)
{
	struct aegis_msg_info info;
	struct ctl_req req;
	struct aegis_nl_node n;
	struct nl_msg *msg;
	char err[200];

	(void)state;
	msg = BUILD(&req, "node", "add", "aegis0", ID_A, "endpoint", "192.0.2.1:51820",
		    "via", ID_B, "keepalive", "25", "relay", "on");
	check_header(msg, AEGIS_CMD_NODE_NEW, &info);
	assert_int_equal(aegis_parse_node(find_top(msg, AEGIS_A_NODE), &n, err, sizeof(err)), 0);
	assert_int_equal(n.id[0], 1);
	assert_int_equal(n.via[0], 2);
	assert_true(AEGIS_HAS(&n, AEGIS_NODE_A_ENDPOINT_IP4));
	assert_memory_equal(&n.endpoint.addr.u.v4, "\xc0\x00\x02\x01", 4);
	assert_int_equal(n.endpoint.port, 51820);
	assert_int_equal(n.keepalive, 25);
	assert_int_equal(n.flags, AEGIS_NODE_F_RELAY);
	nlmsg_free(msg);

	msg = BUILD(&req, "node", "set", "aegis0", ID_A, "via", "direct");
	check_header(msg, AEGIS_CMD_NODE_SET, &info);
	assert_int_equal(nla_len(find_in(find_top(msg, AEGIS_A_NODE), AEGIS_NODE_A_VIA)), 0);
	nlmsg_free(msg);

	msg = BUILD(&req, "node", "del", "aegis0", ID_B);
	check_header(msg, AEGIS_CMD_NODE_DEL, &info);
	assert_int_equal(aegis_parse_node(find_top(msg, AEGIS_A_NODE), &n, err, sizeof(err)), 0);
	assert_true(n.present == AEGIS_BIT(AEGIS_NODE_A_ID));
	assert_int_equal(n.id[0], 2);
	nlmsg_free(msg);
}

static void test_key(void **state)
{
	const struct nlattr *nest, *enc, *a;
	struct aegis_msg_info info;
	struct ctl_req req;
	struct aegis_nl_key k;
	struct nl_msg *msg;
	char err[200];

	(void)state;
	msg = BUILD(&req, "key", "add", "aegis0", ID_A, "slot", "primary", "key-id", "3",
		    "cipher", "aes-gcm", "rx-index", "0000000000000001", "tx-index", "2",
		    "enc-key", KEY_HEX, "enc-salt", "0a0b0c0d", "dec-key", KEY_HEX,
		    "dec-salt", "01020304", "hard-lifetime", "180");
	check_header(msg, AEGIS_CMD_KEY_NEW, &info);
	nest = find_top(msg, AEGIS_A_KEY);
	assert_int_equal(aegis_parse_key(nest, &k, err, sizeof(err)), 0);
	assert_int_equal(k.slot, AEGIS_KEY_SLOT_PRIMARY);
	assert_int_equal(k.key_id, 3);
	assert_int_equal(k.cipher, AEGIS_CIPHER_AES_GCM);
	assert_true(k.rx_index == 1 && k.tx_index == 2);
	assert_int_equal(k.hard_lifetime, 180);
	assert_false(AEGIS_HAS(&k, AEGIS_KEY_A_SOFT_LIFETIME));
	enc = find_in(nest, AEGIS_KEY_A_ENCRYPT);
	assert_non_null(enc);
	a = find_in(enc, AEGIS_KEYDIR_A_KEY);
	assert_int_equal(nla_len(a), AEGIS_KEY_LEN);
	assert_int_equal(((const uint8_t *)nla_data(a))[31], 0x1f);
	a = find_in(enc, AEGIS_KEYDIR_A_SALT);
	assert_memory_equal(nla_data(a), "\x0a\x0b\x0c\x0d", 4);
	assert_non_null(find_in(nest, AEGIS_KEY_A_DECRYPT));
	ctl_req_wipe(&req);
	nlmsg_free(msg);

	msg = BUILD(&req, "key", "swap", "aegis0", ID_A);
	check_header(msg, AEGIS_CMD_KEY_SWAP, &info);
	assert_int_equal(aegis_parse_key(find_top(msg, AEGIS_A_KEY), &k, err, sizeof(err)), 0);
	assert_true(k.present == AEGIS_BIT(AEGIS_KEY_A_NODE_ID));
	nlmsg_free(msg);

	msg = BUILD(&req, "key", "del", "aegis0", ID_A, "slot", "secondary");
	check_header(msg, AEGIS_CMD_KEY_DEL, &info);
	assert_int_equal(aegis_parse_key(find_top(msg, AEGIS_A_KEY), &k, err, sizeof(err)), 0);
	assert_true(k.present == (AEGIS_BIT(AEGIS_KEY_A_NODE_ID) | AEGIS_BIT(AEGIS_KEY_A_SLOT)));
	assert_int_equal(k.slot, AEGIS_KEY_SLOT_SECONDARY);
	nlmsg_free(msg);
}

static void test_prefix(void **state)
{
	struct aegis_msg_info info;
	struct aegis_prefix_entry p;
	struct ctl_req req;
	struct nl_msg *msg;
	char err[200], buf[AEGIS_PREFIX_STRSIZE];

	(void)state;
	msg = BUILD(&req, "prefix", "add", "aegis0", ID_A, "10.1.0.0/16");
	check_header(msg, AEGIS_CMD_PREFIX_ADD, &info);
	assert_int_equal(aegis_parse_prefix(find_top(msg, AEGIS_A_PREFIX), &p, err, sizeof(err)), 0);
	assert_int_equal(aegis_prefix_format(&p.prefix, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10.1.0.0/16");
	assert_int_equal(p.node_id[0], 1);
	nlmsg_free(msg);

	msg = BUILD(&req, "prefix", "del", "aegis0", ID_A, "fd00::/8");
	check_header(msg, AEGIS_CMD_PREFIX_DEL, &info);
	assert_int_equal(aegis_parse_prefix(find_top(msg, AEGIS_A_PREFIX), &p, err, sizeof(err)), 0);
	assert_true(AEGIS_HAS(&p, AEGIS_PREFIX_A_IP6));
	assert_int_equal(p.prefix.len, 8);
	nlmsg_free(msg);
}

static void test_not_a_change(void **state)
{
	struct ctl_req req;
	int ret = 0;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.op = CTL_OP_SHOW;
	assert_null(ctl_build_change(&req, FAMILY, &ret));
	assert_int_equal(ret, -EINVAL);
	/* A device reference that cannot be encoded. */
	req.op = CTL_OP_NODE_DEL;
	assert_null(ctl_build_change(&req, FAMILY, &ret));
	assert_int_equal(ret, -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dev_set),
		cmocka_unit_test(test_node),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_not_a_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
