// SPDX-License-Identifier: MIT
/*
 * Unit tests: aegisctl show, node show, key show and prefix show against a
 * fake kernel (fakenl.h): which requests are made, how replies, errors,
 * missing commands and interrupted dumps come out (tools/aegisctl/show.c,
 * print.c, report.c compiled in here).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl.h"
#include "hex.h"
#include "print.h"
#include <inttypes.h>
#include <time.h>
#include "netaddr.h"
#include "fakenl.h"

#define ID1 "1111111111111111111111111111111111111111111111111111111111111111"
#define ID2 "2222222222222222222222222222222222222222222222222222222222222222"
#define ID3 "3333333333333333333333333333333333333333333333333333333333333333"

/* --- capturing stdout and stderr ------------------------------------------------ */

struct capture {
	int saved[2];
	FILE *tmp[2];
	char *out, *err;
};

static void capture_begin(struct capture *c)
{
	int i;

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < 2; i++) {
		c->tmp[i] = tmpfile();
		assert_non_null(c->tmp[i]);
		c->saved[i] = dup(i + 1);
		assert_true(c->saved[i] >= 0);
		assert_int_equal(dup2(fileno(c->tmp[i]), i + 1), i + 1);
	}
}

static char *slurp(FILE *f)
{
	long n;
	char *s;

	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

static void capture_end(struct capture *c)
{
	int i;

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < 2; i++) {
		assert_int_equal(dup2(c->saved[i], i + 1), i + 1);
		close(c->saved[i]);
	}
	c->out = slurp(c->tmp[0]);
	c->err = slurp(c->tmp[1]);
}

static void capture_free(struct capture *c)
{
	free(c->out);
	free(c->err);
}

static void expect_valid_json(const char *text, const char *python_check)
{
	char cmd[1024];
	FILE *p;

	if (system("command -v python3 >/dev/null 2>&1") != 0)
		return;
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if (%s) else 1)'",
		 python_check);
	p = popen(cmd, "w");
	assert_non_null(p);
	fputs(text, p);
	assert_int_equal(pclose(p), 0);
}

/* --- the fake kernel's replies ---------------------------------------------------- */

struct env {
	struct aegis_genl g;
	struct fakenl f;
	uint32_t seq;		/* of the next request */
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	assert_non_null(e);
	if (fd < 0) {
		free(e);
		*state = NULL;
		return 0;
	}
	close(fd);
	/* Any family will do: the fake answers in its name. */
	assert_int_equal(aegis_genl_open(&e->g, "nlctrl", 2), 0);
	e->g.namer = aegis_attr_path_name;
	fakenl_attach(&e->f, &e->g);
	e->seq = fakenl_next_seq(&e->g);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	if (e) {
		fakenl_detach(&e->f);
		aegis_genl_close(&e->g);
		free(e);
	}
	return 0;
}

static struct env *env_of(void **state)
{
	if (!*state)
		skip();
	return *state;
}

static void put_id(struct nl_msg *msg, int type, const char *hex)
{
	uint8_t id[AEGIS_NODE_ID_LEN];

	assert_int_equal(aegis_node_id_parse(hex, id), 0);
	nla_put(msg, type, sizeof(id), id);
}

static void reply_dev(struct env *e, uint32_t seq, uint16_t flags, uint32_t ifindex,
		      const char *name)
{
	struct nl_msg *msg = fakenl_msg(&e->f, seq, AEGIS_CMD_DEV_GET, flags);
	struct nlattr *nest = nla_nest_start(msg, AEGIS_A_DEV);

	nla_put_u32(msg, AEGIS_DEV_A_IFINDEX, ifindex);
	nla_put_string(msg, AEGIS_DEV_A_IFNAME, name);
	nla_nest_end(msg, nest);
	nla_put_u32(msg, AEGIS_A_GENERATION, 1);
	fakenl_put(&e->f, msg);
}

static void reply_node(struct env *e, uint32_t seq, const char *id, uint64_t rx)
{
	struct nl_msg *msg = fakenl_msg(&e->f, seq, AEGIS_CMD_NODE_GET, NLM_F_MULTI);
	struct nlattr *nest = nla_nest_start(msg, AEGIS_A_NODE);

	put_id(msg, AEGIS_NODE_A_ID, id);
	nla_put_u64(msg, AEGIS_NODE_A_RX_BYTES, rx);
	nla_put_u64(msg, AEGIS_NODE_A_TX_BYTES, 0);
	nla_nest_end(msg, nest);
	fakenl_put(&e->f, msg);
}

static void reply_key(struct env *e, uint32_t seq, const char *id, uint8_t slot)
{
	struct nl_msg *msg = fakenl_msg(&e->f, seq, AEGIS_CMD_KEY_GET, 0);
	struct nlattr *nest = nla_nest_start(msg, AEGIS_A_KEY);

	put_id(msg, AEGIS_KEY_A_NODE_ID, id);
	nla_put_u8(msg, AEGIS_KEY_A_SLOT, slot);
	nla_put_u8(msg, AEGIS_KEY_A_KEY_ID, 5);
	nla_put_u8(msg, AEGIS_KEY_A_CIPHER, AEGIS_CIPHER_CHACHA20POLY1305);
	nla_nest_end(msg, nest);
	fakenl_put(&e->f, msg);
}

static void reply_prefix(struct env *e, uint32_t seq, uint16_t flags, const char *id,
			 const char *prefix)
{
	struct nl_msg *msg = fakenl_msg(&e->f, seq, AEGIS_CMD_PREFIX_GET, NLM_F_MULTI | flags);
	struct nlattr *nest = nla_nest_start(msg, AEGIS_A_PREFIX);
	struct aegis_prefix p;

	assert_int_equal(aegis_prefix_parse(prefix, &p, NULL, 0), 0);
	put_id(msg, AEGIS_PREFIX_A_NODE_ID, id);
	nla_put(msg, p.addr.family == AF_INET ? AEGIS_PREFIX_A_IP4 : AEGIS_PREFIX_A_IP6,
		(int)aegis_addr_len(p.addr.family), p.addr.u.bytes);
	nla_put_u8(msg, AEGIS_PREFIX_A_LEN, p.len);
	nla_nest_end(msg, nest);
	fakenl_put(&e->f, msg);
}

/* Send one datagram: the replies queued, then an ack or error. */
static void answer(struct env *e, int error, const char *text)
{
	fakenl_ack(&e->f, e->seq++, error, text, -1);
	fakenl_flush(&e->f);
}

static void answer_done(struct env *e, int error)
{
	fakenl_done(&e->f, e->seq++, error, 0);
	fakenl_flush(&e->f);
}

static struct ctl_req make_req(enum ctl_op op, const char *name, const char *dev)
{
	struct ctl_req req;

	memset(&req, 0, sizeof(req));
	req.op = op;
	req.name = name;
	if (dev) {
		req.has_dev = true;
		req.dev_arg = dev;
		strcpy(req.dev.ifname, dev);
	}
	return req;
}

/* --- tests ------------------------------------------------------------------------------ */

static void test_show_device(void **state)
{
	struct env *e = env_of(state);
	struct ctl_req req = make_req(CTL_OP_SHOW, "show", "aegis0");
	struct capture c;
	int ret;

	reply_dev(e, e->seq, 0, 4, "aegis0");
	answer(e, 0, NULL);
	reply_node(e, e->seq, ID1, 2048);
	reply_node(e, e->seq, ID2, 0);
	answer_done(e, 0);
	reply_key(e, e->seq, ID1, AEGIS_KEY_SLOT_PRIMARY);	/* node 1: one slot */
	answer(e, 0, NULL);
	answer(e, -ENOENT, "no such node");			/* node 2: just deleted */
	reply_prefix(e, e->seq, 0, ID2, "fd00::/64");
	reply_prefix(e, e->seq, 0, ID1, "10.0.0.0/24");
	reply_prefix(e, e->seq, 0, ID3, "192.0.2.0/24");	/* of no listed node */
	reply_prefix(e, e->seq, 0, ID1, "10.1.0.0/16");
	reply_prefix(e, e->seq, 0, ID1, "10.0.1.0/24");
	reply_prefix(e, e->seq, 0, ID1, "10.0.2.0/24");
	reply_prefix(e, e->seq, 0, ID1, "10.0.3.0/24");
	answer_done(e, 0);

	capture_begin(&c);
	ret = ctl_cmd_show(&e->g, &req);
	capture_end(&c);
	if (ret)
		print_error("stderr: %s\n", c.err);
	assert_int_equal(ret, CTL_EXIT_OK);
	assert_string_equal(c.err, "");
	assert_string_equal(c.out,
		"interface: aegis0\n"
		"  ifindex: 4\n"
		"  prefix: 192.0.2.0/24 -> node " ID3 "\n"
		"\n"
		"node: " ID1 "\n"
		"  prefixes: 10.0.0.0/24, 10.1.0.0/16, 10.0.1.0/24, 10.0.2.0/24, 10.0.3.0/24\n"
		"  transfer: 2.00 KiB received, 0 B sent\n"
		"  key primary: id 5, chacha20poly1305, unconfirmed\n"
		"\n"
		"node: " ID2 "\n"
		"  prefixes: fd00::/64\n"
		"  transfer: 0 B received, 0 B sent\n"
		"  keys: none\n");
	capture_free(&c);
	/* DEV_GET, NODE_GET, a KEY_GET per node, PREFIX_GET. */
	assert_int_equal(fakenl_drain(&e->f), 5);
}

static void test_show_json_old_module(void **state)
{
	struct env *e = env_of(state);
	struct ctl_req req = make_req(CTL_OP_SHOW, "show", NULL);
	struct capture c;
	int ret;

	/* Two devices; a module with DEV_GET only (today's). */
	req.json = true;
	reply_dev(e, e->seq, NLM_F_MULTI, 4, "aegis0");
	reply_dev(e, e->seq, NLM_F_MULTI, 5, "aegis\"1");
	answer_done(e, 0);
	answer(e, -EOPNOTSUPP, NULL);	/* NODE_GET, asked once */
	answer(e, -EOPNOTSUPP, NULL);	/* PREFIX_GET, asked once */

	capture_begin(&c);
	ret = ctl_cmd_show(&e->g, &req);
	capture_end(&c);
	assert_int_equal(ret, CTL_EXIT_OK);
	assert_non_null(strstr(c.err, "does not support listing nodes (NODE_GET)"));
	assert_non_null(strstr(c.err, "does not support listing prefixes (PREFIX_GET)"));
	expect_valid_json(c.out, "len(d) == 2 and d[1][\"ifname\"] == \"aegis\\\"1\" and "
			  "d[0][\"ifindex\"] == 4 and \"nodes\" not in d[0]");
	capture_free(&c);
	assert_int_equal(fakenl_drain(&e->f), 3);
}

static void test_show_errors(void **state)
{
	struct env *e = env_of(state);
	struct ctl_req req = make_req(CTL_OP_SHOW, "show", "nosuchdev");
	struct capture c;
	int ret;

	answer(e, -ENODEV, "no such device in this netns");
	capture_begin(&c);
	ret = ctl_cmd_show(&e->g, &req);
	capture_end(&c);
	assert_int_equal(ret, CTL_EXIT_ERROR);
	assert_string_equal(c.out, "");
	assert_string_equal(c.err, "aegisctl: show nosuchdev: No such device "
			    "(kernel: no such device in this netns)\n");
	capture_free(&c);

	/* A failure after the device: nothing printed, one error line. */
	reply_dev(e, e->seq, 0, 4, "aegis0");
	answer(e, 0, NULL);
	answer(e, -EPERM, NULL);
	capture_begin(&c);
	ret = ctl_cmd_show(&e->g, &req);
	capture_end(&c);
	assert_int_equal(ret, CTL_EXIT_ERROR);
	assert_string_equal(c.out, "");
	assert_string_equal(c.err, "aegisctl: show nosuchdev: Operation not permitted "
			    "(needs CAP_NET_ADMIN)\n");
	capture_free(&c);
	fakenl_drain(&e->f);
}

static void test_prefix_show_interrupted(void **state)
{
	struct env *e = env_of(state);
	struct ctl_req req = make_req(CTL_OP_PREFIX_SHOW, "prefix show", "aegis0");
	struct capture c;
	int ret;

	reply_prefix(e, e->seq, 0, ID1, "10.0.0.0/24");
	fakenl_flush(&e->f);
	reply_prefix(e, e->seq, NLM_F_DUMP_INTR, ID2, "10.2.0.0/16");
	answer_done(e, 0);

	capture_begin(&c);
	ret = ctl_cmd_prefix_show(&e->g, &req);
	capture_end(&c);
	assert_int_equal(ret, CTL_EXIT_INTR);
	assert_string_equal(c.out, ID1 "\t10.0.0.0/24\n" ID2 "\t10.2.0.0/16\n");
	assert_string_equal(c.err, "aegisctl: prefix show aegis0: dump interrupted, retry\n");
	capture_free(&c);
	fakenl_drain(&e->f);
}

static void test_prefix_show_json_filter(void **state)
{
	struct env *e = env_of(state);
	struct ctl_req req = make_req(CTL_OP_PREFIX_SHOW, "prefix show", "aegis0");
	struct capture c;
	int i, ret;

	req.json = true;
	req.has_node_id = true;
	assert_int_equal(aegis_node_id_parse(ID2, req.node_id), 0);
	/* Many datagrams, like a 100,000-prefix dump. */
	for (i = 0; i < 300; i++) {
		char p[32];

		snprintf(p, sizeof(p), "10.%d.%d.0/24", i / 256, i % 256);
		reply_prefix(e, e->seq, 0, i % 3 ? ID1 : ID2, p);
		if (i % 50 == 49)
			fakenl_flush(&e->f);
	}
	answer_done(e, 0);

	capture_begin(&c);
	ret = ctl_cmd_prefix_show(&e->g, &req);
	capture_end(&c);
	assert_int_equal(ret, CTL_EXIT_OK);
	expect_valid_json(c.out, "len(d) == 100 and d[1][\"prefix\"] == \"10.0.3.0/24\" and "
			  "all(x[\"node_id\"] == \"" ID2 "\" for x in d)");
	capture_free(&c);
	fakenl_drain(&e->f);
}

static void test_node_and_key_show(void **state)
{
	struct env *e = env_of(state);
	struct ctl_req req = make_req(CTL_OP_NODE_SHOW, "node show", "aegis0");
	struct capture c;
	int ret;

	/* node show DEV NODEID --json: one object. */
	req.json = true;
	req.has_node_id = true;
	assert_int_equal(aegis_node_id_parse(ID1, req.node_id), 0);
	reply_node(e, e->seq, ID1, 7);
	answer(e, 0, NULL);
	capture_begin(&c);
	ret = ctl_cmd_node_show(&e->g, &req);
	capture_end(&c);
	assert_int_equal(ret, CTL_EXIT_OK);
	expect_valid_json(c.out, "d[\"id\"] == \"" ID1 "\" and d[\"rx_bytes\"] == 7");
	capture_free(&c);

	/* An unknown node. */
	answer(e, -ENOENT, "no such node");
	capture_begin(&c);
	ret = ctl_cmd_node_show(&e->g, &req);
	capture_end(&c);
	assert_int_equal(ret, CTL_EXIT_ERROR);
	assert_non_null(strstr(c.err, "No such file or directory (kernel: no such node)"));
	capture_free(&c);

	/* key show, one slot asked; the kernel answers with both: one shown. */
	req = make_req(CTL_OP_KEY_SHOW, "key show", "aegis0");
	assert_int_equal(aegis_node_id_parse(ID1, req.node_id), 0);
	req.has_node_id = true;
	req.key.slot = AEGIS_KEY_SLOT_SECONDARY;
	AEGIS_SET(&req.key, AEGIS_KEY_A_SLOT);
	reply_key(e, e->seq, ID1, AEGIS_KEY_SLOT_PRIMARY);
	reply_key(e, e->seq, ID1, AEGIS_KEY_SLOT_SECONDARY);
	answer(e, 0, NULL);
	capture_begin(&c);
	ret = ctl_cmd_key_show(&e->g, &req);
	capture_end(&c);
	assert_int_equal(ret, CTL_EXIT_OK);
	assert_string_equal(c.out, "node: " ID1 "\n"
			    "  key secondary: id 5, chacha20poly1305, unconfirmed\n");
	capture_free(&c);

	/*
	 * ENOENT blaming the slot: it is empty. The slot is the second
	 * attribute of the key nest, after the 32-byte node id.
	 */
	fakenl_ack(&e->f, e->seq++, -ENOENT, "the slot is empty",
		   NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(NLA_HDRLEN + 7) + NLA_HDRLEN +
		   NLA_HDRLEN + AEGIS_NODE_ID_LEN);
	fakenl_flush(&e->f);
	capture_begin(&c);
	ret = ctl_cmd_key_show(&e->g, &req);
	capture_end(&c);
	assert_int_equal(ret, CTL_EXIT_OK);
	assert_string_equal(c.out, "node: " ID1 "\n  keys: none\n");
	capture_free(&c);

	/* ENOENT for the node: an error. */
	answer(e, -ENOENT, "no such node");
	capture_begin(&c);
	ret = ctl_cmd_key_show(&e->g, &req);
	capture_end(&c);
	assert_int_equal(ret, CTL_EXIT_ERROR);
	assert_string_equal(c.out, "");
	assert_string_equal(c.err, "aegisctl: key show aegis0: No such file or directory "
			    "(kernel: no such node)\n");
	capture_free(&c);
	fakenl_drain(&e->f);
}

static void test_malformed_reply(void **state)
{
	struct env *e = env_of(state);
	struct ctl_req req = make_req(CTL_OP_NODE_SHOW, "node show", "aegis0");
	struct nl_msg *msg;
	struct nlattr *nest;
	struct capture c;
	int ret;

	msg = fakenl_msg(&e->f, e->seq, AEGIS_CMD_NODE_GET, NLM_F_MULTI);
	nest = nla_nest_start(msg, AEGIS_A_NODE);
	nla_put(msg, AEGIS_NODE_A_ID, 3, "abc");
	nla_nest_end(msg, nest);
	fakenl_put(&e->f, msg);
	answer_done(e, 0);
	capture_begin(&c);
	ret = ctl_cmd_node_show(&e->g, &req);
	capture_end(&c);
	assert_int_equal(ret, CTL_EXIT_ERROR);
	assert_string_equal(c.err, "aegisctl: node show aegis0: malformed message: "
			    "AEGIS_NODE_A_ID is 3 bytes, expected 32\n");
	capture_free(&c);
	fakenl_drain(&e->f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_show_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_json_old_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_show_interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_show_json_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_and_key_show, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_reply, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
