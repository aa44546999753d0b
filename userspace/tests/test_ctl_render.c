// SPDX-License-Identifier: MIT
/*
 * Unit tests: userspace/agent/ctl/render.c, the text of `aegis-agent
 * status` made from the agent's JSON. The expected texts are what the
 * agent printed itself before it answered JSON only (its status_text()
 * gave these bytes for the same state), so the layout stays the same.
 *
 * Documents are written with ' for " to stay readable; doc() swaps them.
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

#include "ctl/render.h"

#define ID_A "abababababababababababababababababababababababababababababababab"
#define ID_B "2222222222222222222222222222222222222222222222222222222222222222"
#define ID_C "3333333333333333333333333333333333333333333333333333333333333333"

#define NODE_V4 \
	"'node': {'name': 'alpha', 'id': '" ID_A "', 'network': 'corp'," \
	" 'mesh_ip': '100.64.0.1', 'interface': 'aegis0'," \
	" 'listen_port': 51820, 'cipher': 'none', 'rekey_interval': 120," \
	" 'uptime': 7, 'roles': '-', 'cert_expires': 1900000000}"

#define NODE_V6 \
	"'node': {'name': 'alpha', 'id': '" ID_A "', 'network': 'corp'," \
	" 'mesh_ip': '100.64.0.1', 'mesh_ip6': 'fd61:6567:6973::1'," \
	" 'interface': 'aegis0', 'listen_port': 51820," \
	" 'cipher': 'aes-256-gcm', 'rekey_interval': 120, 'uptime': 7," \
	" 'roles': 'relay,exit', 'cert_expires': 1900000000}"

#define REFUSED(mac1, replay) \
	"'refused': {'malformed': 0, 'bad_mac1': " #mac1 "," \
	" 'wrong_responder': 0, 'wrong_ca': 0, 'expired_cert': 0," \
	" 'id_mismatch': 0, 'bad_cert': 0, 'bad_signature': 0," \
	" 'route_not_allowed': 0, 'no_match': 0, 'replay': " #replay "," \
	" 'crypto': 0}"

#define COUNTERS(hs, rot, mac1, replay, cookies, limited, garbage) \
	"'counters': {'handshakes': " #hs ", 'rotations': " #rot "," \
	" 'initiations_sent': 5, 'initiations_received': 6," \
	" 'rsa_verifies': 7, 'cookies_sent': " #cookies "," \
	" 'rate_limited': " #limited ", 'garbage': " #garbage "," \
	" 'simultaneous': 0, 'kernel_errors': 0, " \
	REFUSED(mac1, replay) "}"

/* An established peer; ago and key_age are JSON values. */
#define PEER_BRAVO(ago, key_age, role) \
	"{'id': '" ID_B "', 'name': 'bravo'," \
	" 'endpoint': '[2001:db8::7]:51820', 'state': 'established'," \
	" 'static': true, 'last_handshake_ago': " ago "," \
	" 'key_age': " key_age ", 'cipher': 'aes-256-gcm'," \
	" 'role': '" role "', 'rotations': 3, 'rx_bytes': 123456823012," \
	" 'tx_bytes': 68000, 'rx_packets': 41, 'tx_packets': 102," \
	" 'routes': ['10.2.0.0/16', 'fd00:2::/64']}"

/* A static peer never met: the agent's form ("" for unknown). */
#define PEER_UNKNOWN_EMPTY \
	"{'id': '', 'name': '', 'endpoint': '', 'state': 'unknown'," \
	" 'static': true, 'last_handshake_ago': null, 'key_age': null," \
	" 'cipher': '', 'role': '', 'rotations': 0, 'rx_bytes': 0," \
	" 'tx_bytes': 0, 'rx_packets': 0, 'tx_packets': 0, 'routes': []}"

/* The same with null for every unknown value. */
#define PEER_UNKNOWN_NULL \
	"{'id': null, 'name': null, 'endpoint': null, 'state': 'unknown'," \
	" 'static': true, 'last_handshake_ago': null, 'key_age': null," \
	" 'cipher': null, 'role': null, 'rotations': 0, 'rx_bytes': 0," \
	" 'tx_bytes': 0, 'rx_packets': 0, 'tx_packets': 0, 'routes': []}"

#define ROUTES_BRAVO \
	"'routes': [{'prefix': '10.2.0.0/16', 'peer': 'bravo'}," \
	" {'prefix': 'fd00:2::/64', 'peer': 'bravo'}]"

#define HEAD_V6 \
	"node alpha  network corp\n" \
	"  id        " ID_A "\n" \
	"  mesh ip   100.64.0.1 fd61:6567:6973::1 on aegis0, udp port 51820\n" \
	"  cipher    aes-256-gcm, rekey every 120s, roles relay,exit\n"

#define TEXT_BRAVO(ago, key_age, role) \
	"  bravo        222222222222 established [2001:db8::7]:51820\n" \
	"      handshake " ago " as " role ", key age " key_age \
	", aes-256-gcm, rotations 3\n" \
	"      rx 123456823012 B / 41 pkts, tx 68000 B / 102 pkts\n"

#define TEXT_ROUTES_BRAVO \
	"\nroutes\n" \
	"  10.2.0.0/16              via bravo\n" \
	"  fd00:2::/64              via bravo\n"

/* s with every ' turned into " (caller frees). */
static char *doc(const char *s)
{
	char *d = strdup(s), *p;

	assert_non_null(d);
	for (p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

struct result {
	int ret;
	char err[256];
	char *text;
	size_t size;
};

static void render_len(const char *json, size_t len, struct result *r)
{
	FILE *out;

	memset(r, 0, sizeof(*r));
	out = open_memstream(&r->text, &r->size);
	assert_non_null(out);
	r->ret = ctl_render_status(json, len, out, r->err, sizeof(r->err));
	assert_int_equal(fclose(out), 0);
}

static void render(const char *s, struct result *r)
{
	char *d = doc(s);

	render_len(d, strlen(d), r);
	free(d);
}

static void expect_text(const char *s, const char *want)
{
	struct result r;

	render(s, &r);
	if (r.ret)
		fail_msg("render failed (%d): %s", r.ret, r.err);
	assert_string_equal(r.text, want);
	free(r.text);
}

/* Fails with ret, err containing want, and writes nothing. */
static void expect_error_len(const char *json, size_t len, int ret,
			     const char *want)
{
	struct result r;

	render_len(json, len, &r);
	assert_int_equal(r.ret, ret);
	if (!strstr(r.err, want))
		fail_msg("error '%s' lacks '%s'", r.err, want);
	assert_int_equal(r.size, 0);
	free(r.text);
}

static void expect_error(const char *s, int ret, const char *want)
{
	char *d = doc(s);

	expect_error_len(d, strlen(d), ret, want);
	free(d);
}

/* ---- the layout ---------------------------------------------------------- */

static void test_no_peers(void **state)
{
	(void)state;
	expect_text("{" NODE_V4 ", 'peers': [], 'routes': [], "
		    COUNTERS(0, 0, 0, 0, 0, 0, 0) "}\n",
		    "node alpha  network corp\n"
		    "  id        " ID_A "\n"
		    "  mesh ip   100.64.0.1 on aegis0, udp port 51820\n"
		    "  cipher    none, rekey every 120s, roles -\n"
		    "\n"
		    "peers\n"
		    "  (none)\n"
		    "\n"
		    "routes\n"
		    "  (none)\n"
		    "\n"
		    "handshakes 0, rotations 0, refused: none\n"
		    "cookies sent 0, rate limited 0, garbage 0\n");
}

static void test_one_peer_ipv6(void **state)
{
	(void)state;
	expect_text("{" NODE_V6 ", 'peers': ["
		    PEER_BRAVO("5", "34", "initiator") "], " ROUTES_BRAVO ", "
		    COUNTERS(4, 3, 0, 0, 0, 0, 0) "}\n",
		    HEAD_V6
		    "\npeers\n"
		    TEXT_BRAVO("5s ago", "34s", "initiator")
		    TEXT_ROUTES_BRAVO
		    "\nhandshakes 4, rotations 3, refused: none\n"
		    "cookies sent 0, rate limited 0, garbage 0\n");
}

static void test_two_peers(void **state)
{
	static const char *const unknown[] = {
		PEER_UNKNOWN_EMPTY, PEER_UNKNOWN_NULL,
	};
	char buf[4096];
	unsigned int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		snprintf(buf, sizeof(buf), "{" NODE_V6 ", 'peers': ["
			 PEER_BRAVO("10000", "null", "responder") ", %s], "
			 ROUTES_BRAVO ", "
			 COUNTERS(4, 3, 2, 1, 9, 8, 20000) "}\n", unknown[i]);
		expect_text(buf,
			    HEAD_V6
			    "\npeers\n"
			    TEXT_BRAVO("2h ago", "0s", "responder")
			    "  (unknown)    -            unknown     -\n"
			    TEXT_ROUTES_BRAVO
			    "\nhandshakes 4, rotations 3, refused: bad_mac1=2 replay=1\n"
			    "cookies sent 9, rate limited 8, garbage 20000\n");
	}
}

/* A peer with an id but no session is one line; long names overflow. */
static void test_peer_without_session(void **state)
{
	(void)state;
	expect_text("{" NODE_V4 ", 'peers': [{'id': '" ID_C "',"
		    " 'name': 'a-very-long-node-name', 'endpoint': '',"
		    " 'state': 'failed', 'static': false,"
		    " 'last_handshake_ago': null, 'key_age': null, 'cipher': '',"
		    " 'role': '', 'rotations': 0, 'rx_bytes': 0, 'tx_bytes': 0,"
		    " 'rx_packets': 0, 'tx_packets': 0, 'routes': []}],"
		    " 'routes': [], " COUNTERS(0, 0, 0, 0, 0, 0, 0) "}",
		    "node alpha  network corp\n"
		    "  id        " ID_A "\n"
		    "  mesh ip   100.64.0.1 on aegis0, udp port 51820\n"
		    "  cipher    none, rekey every 120s, roles -\n"
		    "\npeers\n"
		    "  a-very-long-node-name 333333333333 failed      -\n"
		    "\nroutes\n  (none)\n"
		    "\nhandshakes 0, rotations 0, refused: none\n"
		    "cookies sent 0, rate limited 0, garbage 0\n");
}

static void expect_ago(const char *ago, const char *want)
{
	char json[4096], text[2048];

	snprintf(json, sizeof(json), "{" NODE_V6 ", 'peers': ["
		 PEER_BRAVO("%s", "34", "initiator") "], 'routes': [], "
		 COUNTERS(0, 0, 0, 0, 0, 0, 0) "}", ago);
	snprintf(text, sizeof(text), HEAD_V6 "\npeers\n"
		 TEXT_BRAVO("%s", "34s", "initiator")
		 "\nroutes\n  (none)\n"
		 "\nhandshakes 0, rotations 0, refused: none\n"
		 "cookies sent 0, rate limited 0, garbage 0\n", want);
	expect_text(json, text);
}

static void test_handshake_ago(void **state)
{
	(void)state;
	expect_ago("0", "0s ago");
	expect_ago("119", "119s ago");
	expect_ago("120", "2m ago");
	expect_ago("7199", "119m ago");
	expect_ago("7200", "2h ago");
	expect_ago("360000", "100h ago");
	expect_ago("null", "never");
	expect_ago("-3", "never");	/* the wall clock went back */
}

/* Counters as large as uint64_t, unknown keys ignored, refusals in the
 * document's order. */
static void test_limits_and_extra_keys(void **state)
{
	(void)state;
	expect_text("{'version': 2, " NODE_V4 ", 'peers': [], 'routes': [],"
		    " 'counters': {'handshakes': 18446744073709551615,"
		    " 'rotations': 9223372036854775807, 'cookies_sent': 1,"
		    " 'rate_limited': 2, 'garbage': 3, 'future': 'x',"
		    " 'refused': {'replay': 5, 'malformed': 0, 'crypto': 1}},"
		    " 'extra': {'a': [1, 2]}}",
		    "node alpha  network corp\n"
		    "  id        " ID_A "\n"
		    "  mesh ip   100.64.0.1 on aegis0, udp port 51820\n"
		    "  cipher    none, rekey every 120s, roles -\n"
		    "\npeers\n  (none)\n"
		    "\nroutes\n  (none)\n"
		    "\nhandshakes 18446744073709551615, rotations 9223372036854775807, refused: replay=5 crypto=1\n"
		    "cookies sent 1, rate limited 2, garbage 3\n");
}

/* ---- what is refused ------------------------------------------------------ */

static void test_malformed(void **state)
{
	static const char old_text[] =
		"node alpha  network corp\n  id        " ID_A "\n";
	static const char nul[] = "{\"node\": 1}\0{}";

	(void)state;
	expect_error_len("", 0, -EINVAL, "answer is empty");
	expect_error_len("\n", 1, -EINVAL, "not JSON");
	expect_error_len(old_text, strlen(old_text), -EINVAL,
			 "older than this client");
	expect_error("{'node': {'name': ", -EINVAL, "ends early");
	expect_error("{'node': }", -EINVAL, "not JSON");
	expect_error("{'peers': [1, 2,]}", -EINVAL, "not JSON");
	/* One document, and nothing after it but white space. */
	expect_error("{} {}", -EINVAL, "not JSON (unexpected character at byte 3)");
	expect_error("{}\n\n x", -EINVAL, "not JSON (unexpected character at byte 5)");
	expect_error_len(nul, sizeof(nul) - 1, -EINVAL,
			 "bytes after the JSON document");
	expect_error("[]", -EINVAL, "not a JSON object");
	expect_error("42\n", -EINVAL, "not a JSON object");
}

static void test_missing_keys(void **state)
{
	(void)state;
	expect_error("{}", -EINVAL, "status: node is missing");
	expect_error("{'node': {}}", -EINVAL, "status: node.");
	expect_error("{" NODE_V4 "}", -EINVAL, "status: peers is missing");
	expect_error("{" NODE_V4 ", 'peers': []}", -EINVAL,
		     "status: routes is missing");
	expect_error("{" NODE_V4 ", 'peers': [], 'routes': []}", -EINVAL,
		     "status: counters is missing");
	expect_error("{" NODE_V4 ", 'peers': [], 'routes': [],"
		     " 'counters': {'handshakes': 1, 'rotations': 2,"
		     " 'cookies_sent': 0, 'rate_limited': 0, 'garbage': 0}}",
		     -EINVAL, "status: counters.refused is missing");
	expect_error("{" NODE_V4 ", 'peers': [{'id': null}], 'routes': [], "
		     COUNTERS(0, 0, 0, 0, 0, 0, 0) "}", -EINVAL,
		     "status: peers[0].state is missing");
	expect_error("{" NODE_V6 ", 'peers': [" PEER_UNKNOWN_NULL ", {'id': '"
		     ID_B "', 'name': 'b', 'state': 'established',"
		     " 'role': 'initiator', 'cipher': 'x', 'rotations': 1,"
		     " 'rx_packets': 0, 'tx_bytes': 0, 'tx_packets': 0}],"
		     " 'routes': [], " COUNTERS(0, 0, 0, 0, 0, 0, 0) "}",
		     -EINVAL, "status: peers[1].rx_bytes is missing");
	expect_error("{" NODE_V4 ", 'peers': [], 'routes': [{'prefix': "
		     "'10.0.0.0/8'}], " COUNTERS(0, 0, 0, 0, 0, 0, 0) "}",
		     -EINVAL, "status: routes[0].peer is missing");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error("{'node': []}", -EINVAL, "status: node is not an object");
	expect_error("{" NODE_V4 ", 'peers': {}, 'routes': [], "
		     COUNTERS(0, 0, 0, 0, 0, 0, 0) "}", -EINVAL,
		     "status: peers is not an array");
	expect_error("{" NODE_V4 ", 'peers': [7], 'routes': [], "
		     COUNTERS(0, 0, 0, 0, 0, 0, 0) "}", -EINVAL,
		     "status: peers[0] is not an object");
	expect_error("{" NODE_V4 ", 'peers': [], 'routes': ['10.0.0.0/8'], "
		     COUNTERS(0, 0, 0, 0, 0, 0, 0) "}", -EINVAL,
		     "status: routes[0] is not an object");
	expect_error("{'node': {'name': 5}}", -EINVAL,
		     "status: node.name is not a string");
	expect_error("{'node': {'name': null}}", -EINVAL,
		     "status: node.name is not a string");
	expect_error("{" NODE_V4 ", 'peers': [], 'routes': [],"
		     " 'counters': {'handshakes': '1'}}", -EINVAL,
		     "status: counters.handshakes is not an integer");
	expect_error("{" NODE_V4 ", 'peers': [], 'routes': [],"
		     " 'counters': {'handshakes': 1.5}}", -EINVAL,
		     "status: counters.handshakes is not an integer");
	expect_error("{" NODE_V4 ", 'peers': [], 'routes': [],"
		     " 'counters': {'handshakes': -1}}", -EINVAL,
		     "status: counters.handshakes is negative");
	expect_error("{" NODE_V4 ", 'peers': [], 'routes': [],"
		     " 'counters': {'handshakes': 1, 'rotations': 2,"
		     " 'refused': {'replay': 'many'}}}", -EINVAL,
		     "status: counters.refused.replay is not an integer");
	expect_error("{" NODE_V6 ", 'peers': ["
		     PEER_BRAVO("'5s'", "34", "initiator") "], 'routes': [], "
		     COUNTERS(0, 0, 0, 0, 0, 0, 0) "}", -EINVAL,
		     "status: peers[0].last_handshake_ago is not an integer");
}

static void test_agent_error(void **state)
{
	(void)state;
	expect_error("{'error': 'unknown request \\'x\\' (try: status)'}",
		     -EPROTO, "the agent refused: unknown request");
	expect_error("{'error': 'busy'}\n", -EPROTO, "the agent refused: busy");
	expect_error("{'error': 1}", -EPROTO, "(no reason given)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_peers),
		cmocka_unit_test(test_one_peer_ipv6),
		cmocka_unit_test(test_two_peers),
		cmocka_unit_test(test_peer_without_session),
		cmocka_unit_test(test_handshake_ago),
		cmocka_unit_test(test_limits_and_extra_keys),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_agent_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
