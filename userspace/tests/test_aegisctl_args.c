// SPDX-License-Identifier: MIT
/*
 * Unit tests: aegisctl command-line parsing (tools/aegisctl/args.c and
 * secret.c, compiled in here: the Makefile links tests with the common
 * library only).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <stdio.h>
#include <sys/socket.h>
#include "ctl.h"
#include "hex.h"
#include "netaddr.h"
#include "numparse.h"
#include "secret.h"

#define ID_A "0101010101010101010101010101010101010101010101010101010101010101"
#define ID_B "abcdefABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123"
#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY2_HEX "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

struct args {
	int argc;
	char *argv[64];
	char *orig[64];		/* the strings, for inspection and freeing */
	char err[512];
};

static struct args *make_args(const char *const *v)
{
	struct args *a = calloc(1, sizeof(*a));
	int i;

	assert_non_null(a);
	for (i = 0; v[i]; i++) {
		assert_true(i < 63);
		a->orig[i] = strdup(v[i]);
		assert_non_null(a->orig[i]);
		a->argv[i] = a->orig[i];
	}
	a->argc = i;
	return a;
}

static void free_args(struct args *a)
{
	int i;

	for (i = 0; a->orig[i]; i++)
		free(a->orig[i]);
	free(a);
}

#define ARGS(...) make_args((const char *const[]){ "aegisctl", __VA_ARGS__, NULL })

static int run(struct args *a, struct ctl_req *req)
{
	return ctl_parse_args(a->argc, a->argv, req, a->err, sizeof(a->err));
}

/* Parse and expect status; the error must mention needle (if given). */
static void expect(int status, const char *needle, struct args *a)
{
	struct ctl_req req;
	int ret = run(a, &req);

	if (ret != status)
		print_error("parse gave %d, err '%s'\n", ret, a->err);
	assert_int_equal(ret, status);
	if (status != CTL_EXIT_OK)
		assert_true(a->err[0] != '\0');
	if (needle && !strstr(a->err, needle)) {
		print_error("'%s' not in '%s'\n", needle, a->err);
		fail();
	}
	free_args(a);
}

#define OK(...) expect(CTL_EXIT_OK, NULL, ARGS(__VA_ARGS__))
#define USAGE(needle, ...) expect(CTL_EXIT_USAGE, needle, ARGS(__VA_ARGS__))

static void test_top_level(void **state)
{
	struct ctl_req req;
	struct args *a;

	(void)state;
	a = make_args((const char *const[]){ "aegisctl", NULL });
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_SHOW);	/* like wg */
	assert_false(req.has_dev);
	free_args(a);

	a = ARGS("help");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_HELP);
	free_args(a);
	a = ARGS("--help");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_HELP);
	free_args(a);
	a = ARGS("-V");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_VERSION);
	free_args(a);

	USAGE("unknown command 'frobnicate'", "frobnicate");
	USAGE("'node' needs a subcommand", "node");
	USAGE("unknown command 'node frob'", "node", "frob");
	USAGE("unknown command 'dev get'", "dev", "get");
	USAGE("unknown command", "");
	USAGE("unknown command '-x'", "-x");
}

static void test_devref(void **state)
{
	struct aegis_devref d;
	char err[200];

	(void)state;
	assert_int_equal(ctl_parse_devref("aegis0", &d, err, sizeof(err)), 0);
	assert_string_equal(d.ifname, "aegis0");
	assert_int_equal(d.ifindex, 0);
	assert_int_equal(ctl_parse_devref("7", &d, err, sizeof(err)), 0);
	assert_int_equal(d.ifindex, 7);
	assert_string_equal(d.ifname, "");
	assert_int_equal(ctl_parse_devref("4294967295", &d, err, sizeof(err)), 0);
	assert_true(d.ifindex == UINT32_MAX);
	assert_int_equal(ctl_parse_devref("123456789012345", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(ctl_parse_devref("4294967296", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(ctl_parse_devref("0", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(ctl_parse_devref("007", &d, err, sizeof(err)), -EINVAL);
	/* Names: 15 characters at most, no '/', ':' or spaces, not . or .. */
	assert_int_equal(ctl_parse_devref("fifteen-chars-x", &d, err, sizeof(err)), 0);
	assert_int_equal(ctl_parse_devref("sixteen-chars-xx", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(ctl_parse_devref("", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(ctl_parse_devref(".", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(ctl_parse_devref("..", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(ctl_parse_devref("a/b", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(ctl_parse_devref("eth0:1", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(ctl_parse_devref("a b", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(ctl_parse_devref("7a", &d, err, sizeof(err)), 0);	/* a name */
	assert_string_equal(d.ifname, "7a");
}

static void test_show(void **state)
{
	struct ctl_req req;
	struct args *a;

	(void)state;
	a = ARGS("show", "aegis0", "--json");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_SHOW);
	assert_true(req.json);
	assert_true(req.has_dev);
	assert_string_equal(req.dev_arg, "aegis0");
	assert_string_equal(req.dev.ifname, "aegis0");
	free_args(a);

	/* --json anywhere, -j too. */
	a = ARGS("--json", "show");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_true(req.json);
	assert_false(req.has_dev);
	free_args(a);
	a = ARGS("show", "-j", "3");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_true(req.json);
	assert_int_equal(req.dev.ifindex, 3);
	free_args(a);

	USAGE("unexpected argument 'extra'", "show", "aegis0", "extra");
	USAGE("not a valid interface name", "show", "much-too-long-name");
	USAGE("--json is not supported", "node", "del", "aegis0", ID_A, "--json");
	USAGE("--json is not supported", "dev", "set", "aegis0", "hop-limit", "3", "--json");
}

static void test_dev_set(void **state)
{
	struct ctl_req req;
	struct args *a;

	(void)state;
	a = ARGS("dev", "set", "aegis0", "node-id", ID_A, "idle-timeout", "4294967295",
		 "hop-limit", "255");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_DEV_SET);
	assert_true(AEGIS_HAS(&req.devset, AEGIS_DEV_A_NODE_ID));
	assert_int_equal(req.devset.node_id[0], 1);
	assert_true(req.devset.idle_timeout == UINT32_MAX);
	assert_int_equal(req.devset.hop_limit, 255);
	free_args(a);

	a = ARGS("dev", "set", "aegis0", "idle-timeout", "0");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_true(req.devset.present == AEGIS_BIT(AEGIS_DEV_A_IDLE_TIMEOUT));
	free_args(a);

	USAGE("nothing to set", "dev", "set", "aegis0");
	USAGE("missing DEV", "dev", "set");
	USAGE("hop-limit must be a number from 0 to 255", "dev", "set", "aegis0", "hop-limit", "256");
	USAGE("hop-limit", "dev", "set", "aegis0", "hop-limit", "-1");
	USAGE("idle-timeout", "dev", "set", "aegis0", "idle-timeout", "4294967296");
	USAGE("idle-timeout", "dev", "set", "aegis0", "idle-timeout", "10s");
	USAGE("node-id must be 64 hex characters, got 63", "dev", "set", "aegis0", "node-id",
	      "010101010101010101010101010101010101010101010101010101010101010");
	USAGE("not a hex digit", "dev", "set", "aegis0", "node-id",
	      "g101010101010101010101010101010101010101010101010101010101010101");
	USAGE("'hop-limit' needs a value", "dev", "set", "aegis0", "hop-limit");
	USAGE("'hop-limit' given twice", "dev", "set", "aegis0", "hop-limit", "1", "hop-limit", "2");
	USAGE("unknown option 'mtu'", "dev", "set", "aegis0", "mtu", "1400");
}

static void test_bind(void **state)
{
	struct ctl_req req;
	struct args *a;

	(void)state;
	a = ARGS("bind", "aegis0", "udp6", "0");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_BIND);
	assert_int_equal(req.bind_family, AF_INET6);
	assert_int_equal(req.bind_port, 0);
	assert_false(req.fd_only);
	free_args(a);
	a = ARGS("bind", "aegis0", "udp4", "65535", "--fd-only");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.bind_family, AF_INET);
	assert_int_equal(req.bind_port, 65535);
	assert_true(req.fd_only);
	free_args(a);

	USAGE("PORT must be a number from 0 to 65535", "bind", "aegis0", "udp4", "65536");
	USAGE("expected udp4 or udp6, got 'tcp'", "bind", "aegis0", "tcp", "1");
	USAGE("missing PORT", "bind", "aegis0", "udp4");
	USAGE("missing udp4 or udp6", "bind", "aegis0");
	USAGE("unexpected argument 'x'", "bind", "aegis0", "udp4", "1", "x");
	USAGE("'--fd-only' given twice", "bind", "aegis0", "udp4", "1", "--fd-only", "--fd-only");

	a = ARGS("unbind", "5");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_UNBIND);
	assert_true(AEGIS_HAS(&req.devset, AEGIS_DEV_A_SOCK_FD));
	assert_int_equal(req.devset.sock_fd, -1);
	free_args(a);
	USAGE("unexpected argument", "unbind", "aegis0", "now");
}

static void test_node(void **state)
{
	struct ctl_req req;
	struct args *a;

	(void)state;
	a = ARGS("node", "add", "aegis0", ID_A, "endpoint", "[2001:db8::1]:51820", "via", ID_B,
		 "keepalive", "65535", "relay", "on");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_NODE_ADD);
	assert_int_equal(req.node.id[31], 1);
	assert_int_equal(req.node.via[0], 0xab);
	assert_int_equal(req.node.via[31], 0x23);
	assert_true(AEGIS_HAS(&req.node, AEGIS_NODE_A_ENDPOINT_IP6));
	assert_false(AEGIS_HAS(&req.node, AEGIS_NODE_A_ENDPOINT_IP4));
	assert_int_equal(req.node.endpoint.port, 51820);
	assert_int_equal(req.node.keepalive, 65535);
	assert_int_equal(req.node.flags, AEGIS_NODE_F_RELAY);
	free_args(a);

	/* node add with no options; set with some. */
	a = ARGS("node", "add", "aegis0", ID_A);
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_true(req.node.present == 0);
	free_args(a);
	a = ARGS("node", "set", "aegis0", ID_A, "via", "direct", "keepalive", "off",
		 "relay", "off", "endpoint", "192.0.2.1:1");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_NODE_SET);
	assert_true(req.node.via_direct);
	assert_true(AEGIS_HAS(&req.node, AEGIS_NODE_A_KEEPALIVE));
	assert_int_equal(req.node.keepalive, 0);
	assert_true(AEGIS_HAS(&req.node, AEGIS_NODE_A_FLAGS));
	assert_int_equal(req.node.flags, 0);
	assert_true(AEGIS_HAS(&req.node, AEGIS_NODE_A_ENDPOINT_IP4));
	free_args(a);

	USAGE("nothing to set", "node", "set", "aegis0", ID_A);
	USAGE("missing NODEID", "node", "add", "aegis0");
	USAGE("NODEID must be 64 hex characters, got 3", "node", "add", "aegis0", "abc");
	USAGE("write IPv6 endpoints as [IPV6]:PORT", "node", "add", "aegis0", ID_A, "endpoint", "::1:5");
	USAGE("the port must be a number from 1 to 65535", "node", "add", "aegis0", ID_A,
	      "endpoint", "1.2.3.4:0");
	USAGE("keepalive must be a number from 0 to 65535", "node", "add", "aegis0", ID_A,
	      "keepalive", "65536");
	USAGE("relay must be 'on' or 'off'", "node", "add", "aegis0", ID_A, "relay", "maybe");
	USAGE("its own next hop", "node", "add", "aegis0", ID_A, "via", ID_A);
	USAGE("via must be 64 hex", "node", "add", "aegis0", ID_A, "via", "abc");
	USAGE("'endpoint' given twice", "node", "add", "aegis0", ID_A, "endpoint", "1.2.3.4:1",
	      "endpoint", "1.2.3.4:2");
	USAGE("'relay' needs a value", "node", "add", "aegis0", ID_A, "relay");

	a = ARGS("node", "del", "7", ID_B);
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_NODE_DEL);
	assert_int_equal(req.node.id[0], 0xab);
	free_args(a);
	USAGE("unexpected argument 'x'", "node", "del", "aegis0", ID_A, "x");

	a = ARGS("node", "show", "aegis0");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_false(req.has_node_id);
	free_args(a);
	a = ARGS("node", "show", "aegis0", ID_A, "--json");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_true(req.has_node_id);
	assert_true(req.json);
	free_args(a);
	USAGE("missing DEV", "node", "show");
}

/* A complete key add with key material given as argv[] entries k1..k4. */
static struct args *key_add_args(const char *k1, const char *s1, const char *k2,
				 const char *s2)
{
	return ARGS("key", "add", "aegis0", ID_A, "slot", "secondary", "key-id", "7",
		    "cipher", "chacha20poly1305", "rx-index", "00000000000000ff",
		    "tx-index", "0x10", "enc-key", k1, "enc-salt", s1, "dec-key", k2,
		    "dec-salt", s2, "soft-lifetime", "120", "hard-lifetime", "180",
		    "soft-packets", "18446744073709551615", "hard-packets", "0");
}

static void test_key_add(void **state)
{
	struct ctl_req req;
	struct args *a;
	int i;

	(void)state;
	a = key_add_args(KEY_HEX, "01020304", KEY2_HEX, "a0b0c0d0");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_KEY_ADD);
	assert_int_equal(req.key.slot, AEGIS_KEY_SLOT_SECONDARY);
	assert_int_equal(req.key.key_id, 7);
	assert_int_equal(req.key.cipher, AEGIS_CIPHER_CHACHA20POLY1305);
	assert_true(req.key.rx_index == 0xff);
	assert_true(req.key.tx_index == 0x10);
	assert_int_equal(req.key.enc.key[0], 0x00);
	assert_int_equal(req.key.enc.key[31], 0x1f);
	assert_int_equal(req.key.dec.key[0], 0xff);
	assert_memory_equal(req.key.enc.salt, "\x01\x02\x03\x04", 4);
	assert_memory_equal(req.key.dec.salt, "\xa0\xb0\xc0\xd0", 4);
	assert_int_equal(req.key.soft_lifetime, 120);
	assert_true(req.key.soft_packets == UINT64_MAX);
	assert_true(AEGIS_HAS(&req.key, AEGIS_KEY_A_HARD_PACKETS));
	assert_true(AEGIS_HAS(&req.key, AEGIS_KEY_A_ENCRYPT));
	assert_true(AEGIS_HAS(&req.key, AEGIS_KEY_A_DECRYPT));
	/* Literal secrets are wiped from argv. */
	for (i = 0; a->orig[i]; i++) {
		if (strcmp(a->orig[i], "enc-key") == 0 || strcmp(a->orig[i], "dec-key") == 0 ||
		    strcmp(a->orig[i], "enc-salt") == 0 || strcmp(a->orig[i], "dec-salt") == 0) {
			const char *v = a->orig[i + 1];
			size_t n = strlen(KEY_HEX);

			assert_int_equal(v[0], '\0');
			if (strstr(a->orig[i], "key"))
				assert_memory_equal(v, (char[64]){ 0 }, n);
		}
	}
	ctl_req_wipe(&req);
	assert_memory_equal(req.key.enc.key, (uint8_t[32]){ 0 }, 32);
	free_args(a);

	/* The cipher aliases and the minimal set. */
	a = ARGS("key", "add", "aegis0", ID_A, "slot", "primary", "key-id", "0", "cipher",
		 "aes-256-gcm", "rx-index", "0", "tx-index", "1", "enc-key", KEY_HEX,
		 "enc-salt", "00000000", "dec-key", KEY_HEX, "dec-salt", "FFFFFFFF");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.key.cipher, AEGIS_CIPHER_AES_GCM);
	assert_false(AEGIS_HAS(&req.key, AEGIS_KEY_A_SOFT_LIFETIME));
	free_args(a);
}

static void test_key_add_errors(void **state)
{
	static const char *const required[] = {
		"slot", "key-id", "cipher", "rx-index", "tx-index",
		"enc-key", "enc-salt", "dec-key", "dec-salt",
	};
	const char *full[] = {
		"aegisctl", "key", "add", "aegis0", ID_A,
		"slot", "primary", "key-id", "1", "cipher", "aes-gcm",
		"rx-index", "1", "tx-index", "2", "enc-key", KEY_HEX,
		"enc-salt", "01020304", "dec-key", KEY_HEX, "dec-salt", "01020304",
		NULL,
	};
	const char *v[32];
	char needle[40];
	size_t r;

	(void)state;
	/* Leave out each required keyword in turn. */
	for (r = 0; r < sizeof(required) / sizeof(required[0]); r++) {
		size_t i, n = 0;

		for (i = 0; full[i]; i++) {
			if (i >= 5 && (i - 5) % 2 == 0 && strcmp(full[i], required[r]) == 0) {
				i++;
				continue;
			}
			v[n++] = full[i];
		}
		v[n] = NULL;
		snprintf(needle, sizeof(needle), "missing %s", required[r]);
		expect(CTL_EXIT_USAGE, needle, make_args(v));
	}

	USAGE("key-id must be a number from 0 to 7", "key", "add", "aegis0", ID_A, "key-id", "8");
	USAGE("slot must be 'primary' or 'secondary'", "key", "add", "aegis0", ID_A, "slot", "third");
	USAGE("cipher must be 'aes-gcm' or 'chacha20poly1305'", "key", "add", "aegis0", ID_A,
	      "cipher", "des");
	USAGE("rx-index must be 16 hex digits", "key", "add", "aegis0", ID_A, "rx-index", "0x");
	USAGE("tx-index", "key", "add", "aegis0", ID_A, "tx-index", "18446744073709551616");
	USAGE("enc-key must be 64 hex characters (32 bytes), got 62", "key", "add", "aegis0", ID_A,
	      "enc-key", "0001020304050607080900010203040506070809000102030405060708090a");
	USAGE("enc-salt must be 8 hex characters", "key", "add", "aegis0", ID_A, "enc-salt", "0102030g");
	USAGE("dec-salt must be 8 hex characters (4 bytes), got 10", "key", "add", "aegis0", ID_A,
	      "dec-salt", "0102030405");
	USAGE("soft-packets", "key", "add", "aegis0", ID_A, "soft-packets", "-5");
	USAGE("'enc-key' given twice", "key", "add", "aegis0", ID_A, "enc-key", KEY_HEX,
	      "enc-key", KEY_HEX);
	USAGE("unknown option 'iv'", "key", "add", "aegis0", ID_A, "iv", "00");
}

static char *write_temp(const char *content)
{
	char *path = strdup("/tmp/aegisctl-test-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return path;
}

static void test_secret_files(void **state)
{
	char *good = write_temp("  " KEY2_HEX "\n\n");
	char *salt = write_temp("0a0b0c0d");
	char *empty = write_temp(" \n");
	char *bad = write_temp(KEY_HEX "00\n");
	char *huge, arg[300], big[400];
	struct ctl_req req;
	struct args *a;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	huge = write_temp(big);

	snprintf(arg, sizeof(arg), "@%s", good);
	a = key_add_args(arg, "01020304", KEY_HEX, (snprintf(big, sizeof(big), "@%s", salt), big));
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.key.enc.key[0], 0xff);
	assert_int_equal(req.key.enc.key[31], 0x00);
	assert_memory_equal(req.key.dec.salt, "\x0a\x0b\x0c\x0d", 4);
	/* @FILE arguments are not secrets: left alone. */
	assert_string_equal(a->orig[16], arg);
	free_args(a);

	snprintf(arg, sizeof(arg), "@%s", empty);
	expect(CTL_EXIT_USAGE, "is empty", key_add_args(arg, "01020304", KEY_HEX, "01020304"));
	snprintf(arg, sizeof(arg), "@%s", bad);
	expect(CTL_EXIT_USAGE, "got 66", key_add_args(arg, "01020304", KEY_HEX, "01020304"));
	snprintf(arg, sizeof(arg), "@%s", huge);
	expect(CTL_EXIT_USAGE, "holds more than", key_add_args(arg, "01020304", KEY_HEX, "01020304"));
	/* A file that cannot be read is an error, not a usage error. */
	expect(CTL_EXIT_ERROR, "cannot open '/nonexistent/key'",
	       key_add_args("@/nonexistent/key", "01020304", KEY_HEX, "01020304"));
	expect(CTL_EXIT_ERROR, "cannot read", key_add_args("@/", "01020304", KEY_HEX, "01020304"));

	unlink(good);
	unlink(salt);
	unlink(empty);
	unlink(bad);
	unlink(huge);
	free(good);
	free(salt);
	free(empty);
	free(bad);
	free(huge);
}

/* Run a parse with text as standard input. */
static int parse_with_stdin(struct args *a, struct ctl_req *req, const char *text)
{
	int pfd[2], saved, ret;

	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(write(pfd[1], text, strlen(text)), (ssize_t)strlen(text));
	close(pfd[1]);
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(pfd[0], STDIN_FILENO), STDIN_FILENO);
	close(pfd[0]);
	ret = run(a, req);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	return ret;
}

static void test_secret_stdin(void **state)
{
	struct ctl_req req;
	struct args *a;

	(void)state;
	/* Successive @- read successive lines. */
	a = key_add_args("@-", "@-", "@-", "@-");
	assert_int_equal(parse_with_stdin(a, &req, KEY_HEX "\n01020304\r\n" KEY2_HEX "\n  a0b0c0d0"),
			 CTL_EXIT_OK);
	assert_int_equal(req.key.enc.key[1], 0x01);
	assert_memory_equal(req.key.enc.salt, "\x01\x02\x03\x04", 4);
	assert_int_equal(req.key.dec.key[0], 0xff);
	assert_memory_equal(req.key.dec.salt, "\xa0\xb0\xc0\xd0", 4);
	free_args(a);

	/* Stdin runs out. */
	a = key_add_args("@-", "01020304", "@-", "01020304");
	assert_int_equal(parse_with_stdin(a, &req, KEY_HEX "\n"), CTL_EXIT_USAGE);
	assert_non_null(strstr(a->err, "dec-key: standard input is empty"));
	free_args(a);
}

static void test_key_other(void **state)
{
	struct ctl_req req;
	struct args *a;

	(void)state;
	a = ARGS("key", "swap", "aegis0", ID_A);
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_KEY_SWAP);
	assert_true(req.key.present == 0);
	assert_int_equal(req.key.node_id[0], 1);
	free_args(a);
	USAGE("unexpected argument 'slot'", "key", "swap", "aegis0", ID_A, "slot", "primary");

	a = ARGS("key", "del", "aegis0", ID_A, "slot", "secondary");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_KEY_DEL);
	assert_int_equal(req.key.slot, AEGIS_KEY_SLOT_SECONDARY);
	free_args(a);
	USAGE("missing slot", "key", "del", "aegis0", ID_A);
	USAGE("unknown option 'primary'", "key", "del", "aegis0", ID_A, "primary");
	USAGE("'slot' needs a value", "key", "del", "aegis0", ID_A, "slot");

	a = ARGS("key", "show", "aegis0", ID_A, "--json");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_false(AEGIS_HAS(&req.key, AEGIS_KEY_A_SLOT));
	free_args(a);
	a = ARGS("key", "show", "aegis0", ID_A, "slot", "primary");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_true(AEGIS_HAS(&req.key, AEGIS_KEY_A_SLOT));
	free_args(a);
	USAGE("missing NODEID", "key", "show", "aegis0");
}

static void test_prefix(void **state)
{
	struct ctl_req req;
	struct args *a;

	(void)state;
	a = ARGS("prefix", "add", "aegis0", ID_A, "10.0.0.0/24");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_PREFIX_ADD);
	assert_true(AEGIS_HAS(&req.prefix, AEGIS_PREFIX_A_IP4));
	assert_true(AEGIS_HAS(&req.prefix, AEGIS_PREFIX_A_NODE_ID));
	assert_int_equal(req.prefix.prefix.len, 24);
	free_args(a);
	a = ARGS("prefix", "del", "aegis0", ID_A, "fd00::/64");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_PREFIX_DEL);
	assert_true(AEGIS_HAS(&req.prefix, AEGIS_PREFIX_A_IP6));
	free_args(a);

	USAGE("did you mean 10.0.0.0/24", "prefix", "add", "aegis0", ID_A, "10.0.0.1/24");
	USAGE("missing PREFIX", "prefix", "add", "aegis0", ID_A);
	USAGE("the length must be a number from 0 to 128", "prefix", "add", "aegis0", ID_A, "fd00::/129");
	USAGE("unexpected argument", "prefix", "del", "aegis0", ID_A, "10.0.0.0/8", "10.0.0.0/9");

	a = ARGS("prefix", "show", "aegis0", "--json");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_PREFIX_SHOW);
	assert_false(req.has_node_id);
	free_args(a);
	a = ARGS("prefix", "show", "aegis0", ID_B);
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_true(req.has_node_id);
	free_args(a);
}

static void test_monitor(void **state)
{
	struct ctl_req req;
	struct args *a;

	(void)state;
	a = ARGS("monitor");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_int_equal(req.op, CTL_OP_MONITOR);
	assert_true(req.count == 0 && req.timeout == 0);
	free_args(a);
	a = ARGS("monitor", "--count", "3", "--json", "--timeout", "10");
	assert_int_equal(run(a, &req), CTL_EXIT_OK);
	assert_true(req.count == 3);
	assert_int_equal(req.timeout, 10);
	assert_true(req.json);
	free_args(a);

	USAGE("--count must be at least 1", "monitor", "--count", "0");
	USAGE("--timeout must be at least 1 second", "monitor", "--timeout", "0");
	USAGE("--timeout must be a number", "monitor", "--timeout", "4294968");
	USAGE("'--count' needs a value", "monitor", "--count");
	USAGE("'--count' given twice", "monitor", "--count", "1", "--count", "2");
	USAGE("unexpected argument 'aegis0'", "monitor", "aegis0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_level),
		cmocka_unit_test(test_devref),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_dev_set),
		cmocka_unit_test(test_bind),
		cmocka_unit_test(test_node),
		cmocka_unit_test(test_key_add),
		cmocka_unit_test(test_key_add_errors),
		cmocka_unit_test(test_secret_files),
		cmocka_unit_test(test_secret_stdin),
		cmocka_unit_test(test_key_other),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_monitor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
