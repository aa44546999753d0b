// SPDX-License-Identifier: MIT
/*
 * Unit tests: aegisctl output, text and JSON, and notification decoding
 * (tools/aegisctl/print.c, monitor.c, report.c compiled in here).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <netlink/genl/genl.h>

#include <inttypes.h>
#include <time.h>
#include "hex.h"
#include "netaddr.h"
#include "print.h"
#include <limits.h>
#include <poll.h>
#include "ctl.h"
#include "monitor.h"

#define ID_HEX "0001020304050607080900010203040506070809000102030405060708090001"

struct buf {
	char *data;
	size_t size;
	FILE *f;
};

static FILE *buf_open(struct buf *b)
{
	b->data = NULL;
	b->size = 0;
	b->f = open_memstream(&b->data, &b->size);
	assert_non_null(b->f);
	return b->f;
}

static char *buf_close(struct buf *b)
{
	fclose(b->f);
	return b->data;
}

static void expect_output(struct buf *b, const char *want)
{
	char *got = buf_close(b);

	if (strcmp(got, want) != 0)
		print_error("got:\n%s\nwant:\n%s\n", got, want);
	assert_string_equal(got, want);
	free(got);
}

/* Pipe text to python's JSON parser (skips if python3 is missing). */
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

static void test_format_bytes(void **state)
{
	char buf[32];

	(void)state;
	ctl_format_bytes(0, buf, sizeof(buf));
	assert_string_equal(buf, "0 B");
	ctl_format_bytes(1023, buf, sizeof(buf));
	assert_string_equal(buf, "1023 B");
	ctl_format_bytes(1024, buf, sizeof(buf));
	assert_string_equal(buf, "1.00 KiB");
	ctl_format_bytes(1536, buf, sizeof(buf));
	assert_string_equal(buf, "1.50 KiB");
	ctl_format_bytes(1024 * 1024, buf, sizeof(buf));
	assert_string_equal(buf, "1.00 MiB");
	ctl_format_bytes(5ULL << 40, buf, sizeof(buf));
	assert_string_equal(buf, "5.00 TiB");
	ctl_format_bytes(UINT64_MAX, buf, sizeof(buf));
	assert_string_equal(buf, "16.00 EiB");
}

static void test_format_duration(void **state)
{
	char buf[80], small[10];

	(void)state;
	ctl_format_duration(0, buf, sizeof(buf));
	assert_string_equal(buf, "0 seconds");
	ctl_format_duration(1, buf, sizeof(buf));
	assert_string_equal(buf, "1 second");
	ctl_format_duration(61, buf, sizeof(buf));
	assert_string_equal(buf, "1 minute, 1 second");
	ctl_format_duration(7200, buf, sizeof(buf));
	assert_string_equal(buf, "2 hours");
	ctl_format_duration(90061, buf, sizeof(buf));
	assert_string_equal(buf, "1 day, 1 hour, 1 minute, 1 second");
	ctl_format_duration(180, buf, sizeof(buf));
	assert_string_equal(buf, "3 minutes");
	/* Truncated, still terminated. */
	ctl_format_duration(90061, small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
}

static void sample_dev(struct aegis_nl_dev *d)
{
	memset(d, 0, sizeof(*d));
	strcpy(d->ifname, "aegis0");
	d->ifindex = 4;
	d->listen_port = 51820;
	d->idle_timeout = 180;
	d->hop_limit = 8;
	d->nodes = 1;
	d->prefixes = 2;
	aegis_node_id_parse(ID_HEX, d->node_id);
	d->present = AEGIS_BIT(AEGIS_DEV_A_IFNAME) | AEGIS_BIT(AEGIS_DEV_A_IFINDEX) |
		     AEGIS_BIT(AEGIS_DEV_A_LISTEN_PORT) | AEGIS_BIT(AEGIS_DEV_A_IDLE_TIMEOUT) |
		     AEGIS_BIT(AEGIS_DEV_A_HOP_LIMIT) | AEGIS_BIT(AEGIS_DEV_A_NODES) |
		     AEGIS_BIT(AEGIS_DEV_A_PREFIXES) | AEGIS_BIT(AEGIS_DEV_A_NODE_ID);
}

static void test_print_dev(void **state)
{
	struct aegis_nl_dev d;
	struct buf b;

	(void)state;
	sample_dev(&d);
	ctl_print_dev(buf_open(&b), &d);
	expect_output(&b,
		"interface: aegis0\n"
		"  ifindex: 4\n"
		"  node id: " ID_HEX "\n"
		"  listening port: 51820\n"
		"  idle timeout: 3 minutes\n"
		"  hop limit: 8\n"
		"  nodes: 1\n"
		"  prefixes: 2\n");

	/* What today's kernel sends: index and name only. */
	d.present = AEGIS_BIT(AEGIS_DEV_A_IFINDEX);
	d.idle_timeout = 0;
	ctl_print_dev(buf_open(&b), &d);
	expect_output(&b, "interface: ifindex 4\n  ifindex: 4\n");
	d.present = AEGIS_BIT(AEGIS_DEV_A_IDLE_TIMEOUT) | AEGIS_BIT(AEGIS_DEV_A_IFNAME);
	ctl_print_dev(buf_open(&b), &d);
	expect_output(&b, "interface: aegis0\n  idle timeout: never\n");
	d.present = AEGIS_BIT(AEGIS_DEV_A_LISTEN_PORT) | AEGIS_BIT(AEGIS_DEV_A_IFNAME);
	d.listen_port = 0;
	ctl_print_dev(buf_open(&b), &d);
	expect_output(&b, "interface: aegis0\n");
}

struct sample {
	struct aegis_nl_node node;
	struct aegis_nl_key keys[2];
	struct aegis_prefix_entry p[2];
	const struct aegis_prefix_entry *pp[2];
	struct ctl_node_view view;
};

static void sample_node(struct sample *s, uint64_t now)
{
	struct aegis_nl_node *n = &s->node;
	struct aegis_nl_key *k = &s->keys[0];

	memset(s, 0, sizeof(*s));
	aegis_node_id_parse(ID_HEX, n->id);
	assert_int_equal(aegis_endpoint_parse("[2001:db8::1]:51820", &n->endpoint, NULL, 0), 0);
	n->keepalive = 25;
	n->flags = AEGIS_NODE_F_RELAY;
	n->rx_bytes = 1536;
	n->tx_bytes = 100;
	n->rx_packets = 3;
	n->tx_packets = 4;
	n->last_rx = now - 65ULL * 1000000000u;
	n->drops[AEGIS_DROP_A_REPLAY] = 2;
	n->drops[AEGIS_DROP_A_NO_KEY] = 5;
	n->drops_present = AEGIS_BIT(AEGIS_DROP_A_REPLAY) | AEGIS_BIT(AEGIS_DROP_A_AUTH) |
			   AEGIS_BIT(AEGIS_DROP_A_NO_KEY);
	n->present = AEGIS_BIT(AEGIS_NODE_A_ID) | AEGIS_BIT(AEGIS_NODE_A_ENDPOINT_IP6) |
		     AEGIS_BIT(AEGIS_NODE_A_ENDPOINT_PORT) | AEGIS_BIT(AEGIS_NODE_A_KEEPALIVE) |
		     AEGIS_BIT(AEGIS_NODE_A_FLAGS) | AEGIS_BIT(AEGIS_NODE_A_RX_BYTES) |
		     AEGIS_BIT(AEGIS_NODE_A_TX_BYTES) | AEGIS_BIT(AEGIS_NODE_A_RX_PACKETS) |
		     AEGIS_BIT(AEGIS_NODE_A_TX_PACKETS) | AEGIS_BIT(AEGIS_NODE_A_LAST_RX) |
		     AEGIS_BIT(AEGIS_NODE_A_DROPS) | AEGIS_BIT(AEGIS_NODE_A_VIA);
	n->via_direct = true;

	k->slot = AEGIS_KEY_SLOT_PRIMARY;
	k->key_id = 3;
	k->cipher = AEGIS_CIPHER_AES_GCM;
	k->rx_index = 0xff;
	k->tx_index = 0x0123456789abcdefULL;
	k->age = 30;
	k->tx_packets = 7;
	k->rx_packets = 8;
	k->present = AEGIS_BIT(AEGIS_KEY_A_SLOT) | AEGIS_BIT(AEGIS_KEY_A_KEY_ID) |
		     AEGIS_BIT(AEGIS_KEY_A_CIPHER) | AEGIS_BIT(AEGIS_KEY_A_RX_INDEX) |
		     AEGIS_BIT(AEGIS_KEY_A_TX_INDEX) | AEGIS_BIT(AEGIS_KEY_A_AGE) |
		     AEGIS_BIT(AEGIS_KEY_A_CONFIRMED) | AEGIS_BIT(AEGIS_KEY_A_TX_PACKETS) |
		     AEGIS_BIT(AEGIS_KEY_A_RX_PACKETS);

	assert_int_equal(aegis_prefix_parse("10.0.0.0/24", &s->p[0].prefix, NULL, 0), 0);
	assert_int_equal(aegis_prefix_parse("fd00::/64", &s->p[1].prefix, NULL, 0), 0);
	s->pp[0] = &s->p[0];
	s->pp[1] = &s->p[1];

	s->view.node = n;
	s->view.keys_known = true;
	s->view.keys[0] = k;
	s->view.prefixes_known = true;
	s->view.prefixes = s->pp;
	s->view.nprefixes = 2;
}

static void test_print_node(void **state)
{
	uint64_t now = 1000ULL * 1000000000u;
	struct sample s;
	struct buf b;

	(void)state;
	sample_node(&s, now);
	ctl_print_node(buf_open(&b), &s.view, now);
	expect_output(&b,
		"node: " ID_HEX "\n"
		"  endpoint: [2001:db8::1]:51820\n"
		"  via: direct\n"
		"  prefixes: 10.0.0.0/24, fd00::/64\n"
		"  keepalive: every 25 seconds\n"
		"  relay: on\n"
		"  latest rx: 1 minute, 5 seconds ago\n"
		"  transfer: 1.50 KiB received, 100 B sent\n"
		"  packets: 3 received, 4 sent\n"
		"  drops: replay 2, no-key 5\n"
		"  key primary: id 3, aes-gcm, rx-index 00000000000000ff, "
		"tx-index 0123456789abcdef, age 30 seconds, confirmed, 7 tx, 8 rx\n");

	/* Bare node: nothing known but its id; never received; no drops. */
	s.node.present = AEGIS_BIT(AEGIS_NODE_A_ID) | AEGIS_BIT(AEGIS_NODE_A_LAST_RX) |
			 AEGIS_BIT(AEGIS_NODE_A_DROPS) | AEGIS_BIT(AEGIS_NODE_A_KEEPALIVE);
	s.node.last_rx = 0;
	s.node.keepalive = 0;
	s.node.drops[AEGIS_DROP_A_REPLAY] = 0;
	s.node.drops[AEGIS_DROP_A_NO_KEY] = 0;
	s.view.nprefixes = 0;
	s.view.keys[0] = NULL;
	ctl_print_node(buf_open(&b), &s.view, now);
	expect_output(&b,
		"node: " ID_HEX "\n"
		"  prefixes: (none)\n"
		"  keepalive: off\n"
		"  latest rx: never\n"
		"  drops: none\n"
		"  keys: none\n");

	/* Unknown keys and prefixes (module without KEY_GET/PREFIX_GET): no lines. */
	s.view.keys_known = false;
	s.view.prefixes_known = false;
	s.node.present = AEGIS_BIT(AEGIS_NODE_A_ID);
	ctl_print_node(buf_open(&b), &s.view, now);
	expect_output(&b, "node: " ID_HEX "\n");
}

static void test_print_prefix_and_key(void **state)
{
	struct aegis_prefix_entry p = { 0 };
	struct aegis_nl_key k = { 0 };
	struct buf b;

	(void)state;
	aegis_node_id_parse(ID_HEX, p.node_id);
	AEGIS_SET(&p, AEGIS_PREFIX_A_NODE_ID);
	assert_int_equal(aegis_prefix_parse("192.0.2.0/24", &p.prefix, NULL, 0), 0);
	ctl_print_prefix(buf_open(&b), &p);
	expect_output(&b, ID_HEX "\t192.0.2.0/24\n");

	/* Unknown enum values are shown as numbers. */
	k.slot = 9;
	k.cipher = 77;
	k.soft_lifetime = 1;
	k.hard_packets = 2;
	k.present = AEGIS_BIT(AEGIS_KEY_A_SLOT) | AEGIS_BIT(AEGIS_KEY_A_CIPHER) |
		    AEGIS_BIT(AEGIS_KEY_A_SOFT_LIFETIME) | AEGIS_BIT(AEGIS_KEY_A_HARD_PACKETS);
	ctl_print_key(buf_open(&b), "", &k);
	expect_output(&b, "key slot 9:, cipher 77, unconfirmed, soft-lifetime 1 s, hard-packets 2\n");
	k.soft_lifetime = 0;
	k.hard_lifetime = 0;
	AEGIS_SET(&k, AEGIS_KEY_A_HARD_LIFETIME);
	ctl_print_key(buf_open(&b), "", &k);
	expect_output(&b, "key slot 9:, cipher 77, unconfirmed, hard-packets 2\n");
}

static void test_json_node(void **state)
{
	uint64_t now = 1000ULL * 1000000000u;
	struct aegis_json j;
	struct sample s;
	struct buf b;
	char *out;

	(void)state;
	sample_node(&s, now);
	aegis_json_init(&j, buf_open(&b));
	ctl_json_node(&j, &s.view, now);
	assert_int_equal(aegis_json_finish(&j), 0);
	out = buf_close(&b);
	assert_non_null(strstr(out, "\"id\": \"" ID_HEX "\""));
	assert_non_null(strstr(out, "\"endpoint\": \"[2001:db8::1]:51820\""));
	assert_non_null(strstr(out, "\"via\": null"));
	assert_non_null(strstr(out, "\"no_key\": 5"));
	assert_non_null(strstr(out, "\"last_rx_seconds_ago\": 65"));
	expect_valid_json(out,
		"d[\"relay\"] is True and d[\"prefixes\"] == [\"10.0.0.0/24\", \"fd00::/64\"] and "
		"d[\"keys\"][0][\"rx_index\"] == \"00000000000000ff\" and d[\"keys\"][0][\"confirmed\"] "
		"and d[\"drops\"] == {\"replay\": 2, \"auth\": 0, \"no_key\": 5} and d[\"rx_bytes\"] == 1536");
	free(out);
}

static void test_json_dev(void **state)
{
	struct aegis_msg_info info = { 0 };
	struct aegis_json j;
	struct aegis_nl_dev d;
	struct buf b;
	char *out;

	(void)state;
	sample_dev(&d);
	strcpy(d.ifname, "we\"ird\\");	/* names can be odd; JSON must stay valid */
	info.generation = 9;
	AEGIS_SET(&info, AEGIS_A_GENERATION);
	aegis_json_init(&j, buf_open(&b));
	aegis_json_array_begin(&j);
	aegis_json_object_begin(&j);
	ctl_json_dev_members(&j, &d, &info);
	aegis_json_object_end(&j);
	aegis_json_array_end(&j);
	assert_int_equal(aegis_json_finish(&j), 0);
	out = buf_close(&b);
	expect_valid_json(out,
		"d[0][\"ifname\"] == \"we\\\"ird\\\\\" and d[0][\"generation\"] == 9 and "
		"d[0][\"listen_port\"] == 51820 and d[0][\"node_count\"] == 1");
	free(out);
}

/* --- notifications ------------------------------------------------------------- */

static struct nl_msg *ntf(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	assert_non_null(genlmsg_put(msg, 0, 0, 0x30, 0, 0, cmd, AEGIS_GENL_VERSION));
	return msg;
}

static void emit(struct nl_msg *msg, bool json, const char *want)
{
	struct ctl_event ev;
	char err[200];
	struct buf b;

	assert_int_equal(ctl_parse_event(nlmsg_hdr(msg), &ev, err, sizeof(err)), 0);
	ctl_emit_event(buf_open(&b), json, &ev);
	expect_output(&b, want);
}

static void test_events(void **state)
{
	uint8_t id[AEGIS_NODE_ID_LEN], ip[4] = { 198, 51, 100, 9 };
	struct nlattr *nest;
	struct nl_msg *msg;

	(void)state;
	aegis_node_id_parse(ID_HEX, id);

	msg = ntf(AEGIS_CMD_NTF_REKEY);
	nla_put_u32(msg, AEGIS_A_IFINDEX, 4);
	nla_put_string(msg, AEGIS_A_IFNAME, "aegis0");
	nest = nla_nest_start(msg, AEGIS_A_KEY);
	nla_put(msg, AEGIS_KEY_A_NODE_ID, sizeof(id), id);
	nla_put_u8(msg, AEGIS_KEY_A_SLOT, AEGIS_KEY_SLOT_PRIMARY);
	nla_put_u8(msg, AEGIS_KEY_A_KEY_ID, 3);
	nla_nest_end(msg, nest);
	emit(msg, false, "rekey aegis0 ifindex 4 node " ID_HEX " slot primary key-id 3\n");
	emit(msg, true, "{\"event\":\"rekey\",\"cmd\":14,\"ifname\":\"aegis0\",\"ifindex\":4,"
		  "\"key\":{\"node_id\":\"" ID_HEX "\",\"slot\":\"primary\",\"key_id\":3,"
		  "\"confirmed\":false}}\n");
	nlmsg_free(msg);

	msg = ntf(AEGIS_CMD_NTF_ENDPOINT);
	nla_put_u32(msg, AEGIS_A_IFINDEX, 4);
	nest = nla_nest_start(msg, AEGIS_A_NODE);
	nla_put(msg, AEGIS_NODE_A_ID, sizeof(id), id);
	nla_put(msg, AEGIS_NODE_A_ENDPOINT_IP4, 4, ip);
	nla_put_u16(msg, AEGIS_NODE_A_ENDPOINT_PORT, 4500);
	nla_nest_end(msg, nest);
	emit(msg, false, "endpoint ifindex 4 node " ID_HEX " endpoint 198.51.100.9:4500\n");
	emit(msg, true, "{\"event\":\"endpoint\",\"cmd\":17,\"ifindex\":4,\"node\":{\"id\":\""
		  ID_HEX "\",\"endpoint\":\"198.51.100.9:4500\"}}\n");
	nlmsg_free(msg);

	msg = ntf(AEGIS_CMD_NTF_SOCK_CLOSED);
	nla_put_string(msg, AEGIS_A_IFNAME, "aegis1");
	emit(msg, false, "sock-closed aegis1\n");
	nlmsg_free(msg);

	/* What the module sends: the key nest as for rekey, plus CONFIRMED. */
	msg = ntf(AEGIS_CMD_NTF_KEY_CONFIRMED);
	nla_put_u32(msg, AEGIS_A_IFINDEX, 4);
	nla_put_u32(msg, AEGIS_A_GENERATION, 7);
	nest = nla_nest_start(msg, AEGIS_A_KEY);
	nla_put(msg, AEGIS_KEY_A_NODE_ID, sizeof(id), id);
	nla_put_u8(msg, AEGIS_KEY_A_KEY_ID, 5);
	nla_put_u64(msg, AEGIS_KEY_A_RX_INDEX, 0xa1);
	nla_put_u8(msg, AEGIS_KEY_A_SLOT, AEGIS_KEY_SLOT_SECONDARY);
	nla_put_flag(msg, AEGIS_KEY_A_CONFIRMED);
	nla_nest_end(msg, nest);
	emit(msg, false, "key-confirmed ifindex 4 node " ID_HEX
		  " slot secondary key-id 5 rx-index 00000000000000a1\n");
	emit(msg, true, "{\"event\":\"key-confirmed\",\"cmd\":20,\"ifindex\":4,"
		  "\"key\":{\"node_id\":\"" ID_HEX "\",\"slot\":\"secondary\",\"key_id\":5,"
		  "\"rx_index\":\"00000000000000a1\",\"confirmed\":true}}\n");
	nlmsg_free(msg);

	/* A command this aegisctl does not know yet. */
	msg = ntf(200);
	emit(msg, false, "cmd-200\n");
	emit(msg, true, "{\"event\":\"cmd-200\",\"cmd\":200}\n");
	nlmsg_free(msg);
}

static void test_event_malformed(void **state)
{
	struct ctl_event ev;
	struct nlattr *nest;
	struct nl_msg *msg;
	char err[200];

	(void)state;
	msg = ntf(AEGIS_CMD_NTF_NO_KEY);
	nest = nla_nest_start(msg, AEGIS_A_NODE);
	nla_put(msg, AEGIS_NODE_A_ID, 5, "short");
	nla_nest_end(msg, nest);
	assert_int_equal(ctl_parse_event(nlmsg_hdr(msg), &ev, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "AEGIS_NODE_A_ID"));
	nlmsg_free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_print_dev),
		cmocka_unit_test(test_print_node),
		cmocka_unit_test(test_print_prefix_and_key),
		cmocka_unit_test(test_json_node),
		cmocka_unit_test(test_json_dev),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_event_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
