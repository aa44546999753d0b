// SPDX-License-Identifier: MIT
/*
 * The status document as text (render.h). The layout is the one the agent
 * printed itself before it answered JSON only; selftests and people read
 * it, so it changes only on purpose.
 *
 * A reader latches the first problem (a key missing or of the wrong type)
 * with the key's path ("peers[1].rx_bytes") and hands back harmless values
 * ("" or 0) from then on, so rendering runs to its end and the caller
 * sees one clear error and no text. The text is built in memory and only
 * written out once the whole document has been read.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl/render.h"

struct reader {
	char *err;
	size_t errsz;
	bool failed;
};

static void __attribute__((format(printf, 2, 3)))
reader_fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return;
	r->failed = true;
	va_start(ap, fmt);
	vsnprintf(r->err, r->errsz, fmt, ap);
	va_end(ap);
}

/*
 * Member key of obj (at path where) if it has type type. NULL if absent
 * or null when nullable, else NULL and the reader fails.
 */
static struct json_object *member(struct reader *r, struct json_object *obj,
				  const char *where, const char *key,
				  enum json_type type, bool nullable)
{
	struct json_object *v = NULL;

	if (r->failed)
		return NULL;
	if (!json_object_object_get_ex(obj, key, &v) && !nullable) {
		reader_fail(r, "status: %s%s%s is missing", where,
			    where[0] ? "." : "", key);
		return NULL;
	}
	if (!v && nullable)
		return NULL;
	if (!json_object_is_type(v, type)) {
		reader_fail(r, "status: %s%s%s is not %s", where,
			    where[0] ? "." : "", key,
			    type == json_type_string ? "a string" :
			    type == json_type_int ? "an integer" :
			    type == json_type_array ? "an array" :
			    type == json_type_object ? "an object" :
			    json_type_to_name(type));
		return NULL;
	}
	return v;
}

/* A string member ("" on failure); nullable: null or absent is "". */
static const char *get_str(struct reader *r, struct json_object *obj,
			   const char *where, const char *key, bool nullable)
{
	struct json_object *v = member(r, obj, where, key, json_type_string,
				       nullable);

	return v ? json_object_get_string(v) : "";
}

/* An integer of json-c's int type: not negative, up to UINT64_MAX. */
static uint64_t int_u64(struct reader *r, struct json_object *v,
			const char *where, const char *key)
{
	if (json_object_get_int64(v) < 0) {
		reader_fail(r, "status: %s%s%s is negative", where,
			    where[0] ? "." : "", key);
		return 0;
	}
	return json_object_get_uint64(v);
}

static uint64_t get_u64(struct reader *r, struct json_object *obj,
			const char *where, const char *key)
{
	struct json_object *v = member(r, obj, where, key, json_type_int,
				       false);

	return v ? int_u64(r, v, where, key) : 0;
}

/* A number that may be null (or absent): false then. */
static bool get_opt_i64(struct reader *r, struct json_object *obj,
			const char *where, const char *key, int64_t *out)
{
	struct json_object *v = member(r, obj, where, key, json_type_int, true);

	*out = v ? json_object_get_int64(v) : 0;
	return v != NULL;
}

/* "" and null both mean unknown. */
static const char *or_dash(const char *s, const char *dash)
{
	return s[0] ? s : dash;
}

static void fmt_ago(bool known, int64_t s, char *buf, size_t size)
{
	if (!known || s < 0)
		snprintf(buf, size, "never");
	else if (s < 120)
		snprintf(buf, size, "%" PRId64 "s ago", s);
	else if (s < 7200)
		snprintf(buf, size, "%" PRId64 "m ago", s / 60);
	else
		snprintf(buf, size, "%" PRId64 "h ago", s / 3600);
}

static void render_node(struct reader *r, struct json_object *doc, FILE *out)
{
	const char *name, *network, *id, *ip, *ip6, *ifname, *cipher, *roles;
	struct json_object *node;
	uint64_t port, rekey;

	node = member(r, doc, "", "node", json_type_object, false);
	if (!node)
		return;
	/* Read in the order shown, so that the first problem is reported. */
	name = get_str(r, node, "node", "name", false);
	network = get_str(r, node, "node", "network", false);
	id = get_str(r, node, "node", "id", false);
	ip = get_str(r, node, "node", "mesh_ip", false);
	ip6 = get_str(r, node, "node", "mesh_ip6", true);
	ifname = get_str(r, node, "node", "interface", false);
	port = get_u64(r, node, "node", "listen_port");
	cipher = get_str(r, node, "node", "cipher", false);
	rekey = get_u64(r, node, "node", "rekey_interval");
	roles = get_str(r, node, "node", "roles", false);

	fprintf(out, "node %s  network %s\n", name, network);
	fprintf(out, "  id        %s\n", id);
	fprintf(out, "  mesh ip   %s%s%s on %s, udp port %" PRIu64 "\n", ip,
		ip6[0] ? " " : "", ip6, ifname, port);
	fprintf(out, "  cipher    %s, rekey every %" PRIu64 "s, roles %s\n",
		cipher, rekey, roles);
}

static void render_peer(struct reader *r, struct json_object *p,
			const char *where, FILE *out)
{
	const char *id, *name, *state, *endpoint, *role, *cipher;
	uint64_t rotations, rx_bytes, rx_packets, tx_bytes, tx_packets;
	int64_t ago, key_age;
	char when[32];
	bool known;

	if (!json_object_is_type(p, json_type_object)) {
		reader_fail(r, "status: %s is not an object", where);
		return;
	}
	/* An id is known from the handshake on; a name only with it. */
	id = get_str(r, p, where, "id", true);
	name = get_str(r, p, where, "name", true);
	state = get_str(r, p, where, "state", false);
	endpoint = get_str(r, p, where, "endpoint", true);
	fprintf(out, "  %-12s %-12.12s %-11s %s\n", id[0] ? name : "(unknown)",
		or_dash(id, "-"), state, or_dash(endpoint, "-"));

	/* A session has a role; without one the peer is one line. */
	role = get_str(r, p, where, "role", true);
	if (!role[0])
		return;
	known = get_opt_i64(r, p, where, "last_handshake_ago", &ago);
	if (!get_opt_i64(r, p, where, "key_age", &key_age) || key_age < 0)
		key_age = 0;
	cipher = get_str(r, p, where, "cipher", true);
	rotations = get_u64(r, p, where, "rotations");
	rx_bytes = get_u64(r, p, where, "rx_bytes");
	rx_packets = get_u64(r, p, where, "rx_packets");
	tx_bytes = get_u64(r, p, where, "tx_bytes");
	tx_packets = get_u64(r, p, where, "tx_packets");

	fmt_ago(known, ago, when, sizeof(when));
	fprintf(out, "      handshake %s as %s, key age %" PRId64 "s, %s, rotations %" PRIu64 "\n",
		when, role, key_age, cipher, rotations);
	fprintf(out, "      rx %" PRIu64 " B / %" PRIu64 " pkts, tx %" PRIu64 " B / %" PRIu64 " pkts\n",
		rx_bytes, rx_packets, tx_bytes, tx_packets);
}

static void render_peers(struct reader *r, struct json_object *doc, FILE *out)
{
	struct json_object *peers;
	char where[32];
	size_t i, n;

	fprintf(out, "\npeers\n");
	peers = member(r, doc, "", "peers", json_type_array, false);
	n = peers ? json_object_array_length(peers) : 0;
	for (i = 0; i < n && !r->failed; i++) {
		snprintf(where, sizeof(where), "peers[%zu]", i);
		render_peer(r, json_object_array_get_idx(peers, i), where, out);
	}
	if (!n)
		fprintf(out, "  (none)\n");
}

static void render_routes(struct reader *r, struct json_object *doc,
			  FILE *out)
{
	struct json_object *routes;
	char where[32];
	size_t i, n;

	fprintf(out, "\nroutes\n");
	routes = member(r, doc, "", "routes", json_type_array, false);
	n = routes ? json_object_array_length(routes) : 0;
	for (i = 0; i < n && !r->failed; i++) {
		struct json_object *rt = json_object_array_get_idx(routes, i);
		const char *prefix;

		snprintf(where, sizeof(where), "routes[%zu]", i);
		if (!json_object_is_type(rt, json_type_object)) {
			reader_fail(r, "status: %s is not an object", where);
			break;
		}
		prefix = get_str(r, rt, where, "prefix", false);
		fprintf(out, "  %-24s via %s\n", prefix,
			get_str(r, rt, where, "peer", false));
	}
	if (!n)
		fprintf(out, "  (none)\n");
}

static void render_counters(struct reader *r, struct json_object *doc,
			    FILE *out)
{
	struct json_object *c, *refused;
	uint64_t handshakes, cookies, limited;
	unsigned int n = 0;

	c = member(r, doc, "", "counters", json_type_object, false);
	if (!c)
		return;
	handshakes = get_u64(r, c, "counters", "handshakes");
	fprintf(out, "\nhandshakes %" PRIu64 ", rotations %" PRIu64 ", refused:",
		handshakes, get_u64(r, c, "counters", "rotations"));
	/* The reasons in the agent's order; those never seen are left out. */
	refused = member(r, c, "counters", "refused", json_type_object, false);
	if (refused) {
		json_object_object_foreach(refused, key, val) {
			uint64_t v;

			if (!json_object_is_type(val, json_type_int)) {
				reader_fail(r, "status: counters.refused.%.64s is not an integer",
					    key);
				break;
			}
			v = int_u64(r, val, "counters.refused", key);
			if (!v)
				continue;
			fprintf(out, " %s=%" PRIu64, key, v);
			n++;
		}
	}
	fprintf(out, "%s\n", n ? "" : " none");
	cookies = get_u64(r, c, "counters", "cookies_sent");
	limited = get_u64(r, c, "counters", "rate_limited");
	fprintf(out, "cookies sent %" PRIu64 ", rate limited %" PRIu64 ", garbage %" PRIu64 "\n",
		cookies, limited, get_u64(r, c, "counters", "garbage"));
	/* Older agents do not say: nothing printed then. */
	if (json_object_object_get_ex(c, "revocation_version", NULL) &&
	    get_u64(r, c, "counters", "revocation_version"))
		fprintf(out, "revocation list version %" PRIu64 ", %" PRIu64 " node(s) revoked\n",
			get_u64(r, c, "counters", "revocation_version"),
			get_u64(r, c, "counters", "revoked_nodes"));
}

/* The mesh's links and routes (agents with mesh_routing on). */
static void render_routing(struct reader *r, struct json_object *mesh,
			   FILE *out)
{
	struct json_object *rt, *links, *routes, *c;
	char where[48];
	size_t i, n;

	if (!json_object_object_get_ex(mesh, "routing", NULL))
		return;
	rt = member(r, mesh, "mesh", "routing", json_type_object, false);
	links = rt ? member(r, rt, "mesh.routing", "links", json_type_array, false) : NULL;
	routes = rt ? member(r, rt, "mesh.routing", "routes", json_type_array, false) : NULL;
	if (!links || !routes)
		return;
	n = json_object_array_length(links);
	fprintf(out, "\nlinks: %zu\n", n);
	for (i = 0; i < n && !r->failed; i++) {
		struct json_object *l = json_object_array_get_idx(links, i);

		snprintf(where, sizeof(where), "mesh.routing.links[%zu]", i);
		if (!json_object_is_type(l, json_type_object)) {
			reader_fail(r, "status: %s is not an object", where);
			return;
		}
		fprintf(out, "  %-12s %-5s rtt %7.2f ms  loss %2" PRIu64 "/%-2" PRIu64 "  cost %-5" PRIu64 "%s%s\n",
			get_str(r, l, where, "name", true),
			json_object_get_boolean(json_object_object_get(l, "alive")) ? "up" : "DEAD",
			(double)get_u64(r, l, where, "rtt_us") / 1000.0,
			get_u64(r, l, where, "lost"), get_u64(r, l, where, "resolved"),
			get_u64(r, l, where, "cost"),
			json_object_get_boolean(json_object_object_get(l, "relay")) ? "  relay" : "",
			json_object_get_boolean(json_object_object_get(l, "fast")) ? "  (busy)" : "");
	}
	n = json_object_array_length(routes);
	fprintf(out, "\nmesh routes: %zu\n", n);
	for (i = 0; i < n && !r->failed; i++) {
		struct json_object *d = json_object_array_get_idx(routes, i);
		const char *name, *id, *via;

		snprintf(where, sizeof(where), "mesh.routing.routes[%zu]", i);
		if (!json_object_is_type(d, json_type_object)) {
			reader_fail(r, "status: %s is not an object", where);
			return;
		}
		name = get_str(r, d, where, "name", true);
		id = get_str(r, d, where, "id", false);
		via = get_str(r, d, where, "next_hop_name", true);
		if (!json_object_get_boolean(json_object_object_get(d, "reachable")))
			fprintf(out, "  %-12.12s unreachable\n", name[0] ? name : id);
		else
			fprintf(out, "  %-12.12s via %-12.12s metric %-5" PRIu64 " seqno %" PRIu64 "\n",
				name[0] ? name : id, via[0] ? via : "?",
				get_u64(r, d, where, "metric"),
				get_u64(r, d, where, "seqno"));
	}
	c = member(r, rt, "mesh.routing", "counters", json_type_object, false);
	if (c)
		fprintf(out, "  routing: %" PRIu64 " updates in, %" PRIu64 " out; %" PRIu64 " links died; %" PRIu64 " next-hop changes\n",
			get_u64(r, c, "mesh.routing.counters", "updates_rx"),
			get_u64(r, c, "mesh.routing.counters", "updates_sent"),
			get_u64(r, c, "mesh.routing.counters", "links_dead"),
			get_u64(r, c, "mesh.routing.counters", "next_hop_changes"));
}

/* The mesh: members met through gossip (older agents have no "mesh"). */
static void render_mesh(struct reader *r, struct json_object *doc, FILE *out)
{
	struct json_object *mesh, *members, *c;
	char where[48];
	size_t i, n;

	if (!json_object_object_get_ex(doc, "mesh", NULL))
		return;
	mesh = member(r, doc, "", "mesh", json_type_object, false);
	if (!mesh)
		return;
	members = member(r, mesh, "mesh", "members", json_type_array, false);
	n = members ? json_object_array_length(members) : 0;
	fprintf(out, "\nmesh (discovery %s): %zu other member(s), %" PRIu64 " neighbour(s), our record seq %" PRIu64 "\n",
		json_object_get_boolean(json_object_object_get(mesh, "discovery")) ? "on" : "off",
		n, get_u64(r, mesh, "mesh", "neighbours"),
		get_u64(r, mesh, "mesh", "self_seq"));
	for (i = 0; i < n && !r->failed; i++) {
		struct json_object *mm = json_object_array_get_idx(members, i);
		struct json_object *eps;
		const char *id, *name, *session;
		int64_t age;

		snprintf(where, sizeof(where), "mesh.members[%zu]", i);
		if (!json_object_is_type(mm, json_type_object)) {
			reader_fail(r, "status: %s is not an object", where);
			break;
		}
		id = get_str(r, mm, where, "id", false);
		name = get_str(r, mm, where, "name", true);
		session = get_str(r, mm, where, "session", true);
		if (!get_opt_i64(r, mm, where, "age", &age))
			age = 0;
		eps = member(r, mm, where, "endpoints", json_type_array, false);
		fprintf(out, "  %-12s %-12.12s seq %-20" PRIu64 " %6" PRId64 "s ago  %-11s %s%s\n",
			name[0] ? name : "-", id, get_u64(r, mm, where, "seq"),
			age, session[0] ? session : "no session",
			eps && json_object_array_length(eps) ?
			json_object_get_string(json_object_array_get_idx(eps, 0)) : "-",
			json_object_get_boolean(json_object_object_get(mm, "leaving")) ?
			" (leaving)" : "");
	}
	c = member(r, mesh, "mesh", "counters", json_type_object, false);
	if (c)
		fprintf(out, "  gossip: %" PRIu64 " packets in, %" PRIu64 " out; %" PRIu64 " sessions opened to members\n",
			get_u64(r, c, "mesh.counters", "rx_packets"),
			get_u64(r, c, "mesh.counters", "tx_packets"),
			get_u64(r, c, "mesh.counters", "sessions_opened"));
	render_routing(r, mesh, out);
}

/* Parse doc: one JSON value and nothing after it but white space. */
static struct json_object *parse(struct reader *r, const char *doc,
				 size_t len)
{
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	struct json_object *obj;
	size_t end;

	if (!len) {
		reader_fail(r, "status: the agent's answer is empty");
		return NULL;
	}
	if (len > INT32_MAX) {
		reader_fail(r, "status: the agent's answer is too large");
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		reader_fail(r, "status: out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, doc, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!obj || jerr != json_tokener_success) {
		reader_fail(r, "status: the agent's answer is not JSON (%s at byte %zu)%s",
			    jerr == json_tokener_continue ? "it ends early" :
			    json_tokener_error_desc(jerr), end,
			    len && doc[0] != '{' && doc[0] != '[' ?
			    "; is the agent older than this client?" : "");
		json_object_put(obj);
		return NULL;
	}
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", doc[end]) || !doc[end]) {
			reader_fail(r, "status: the agent's answer has bytes after the JSON document (at byte %zu)",
				    end);
			json_object_put(obj);
			return NULL;
		}
	}
	return obj;
}

int ctl_render_status(const char *doc, size_t len, FILE *out, char *err,
		      size_t errsz)
{
	struct reader r = { .err = err, .errsz = errsz };
	struct json_object *root, *e;
	char *text = NULL;
	size_t size = 0;
	FILE *mem;
	int ret = 0;

	root = parse(&r, doc, len);
	if (!root)
		return -EINVAL;
	if (!json_object_is_type(root, json_type_object)) {
		reader_fail(&r, "status: the agent's answer is not a JSON object");
		json_object_put(root);
		return -EINVAL;
	}
	if (json_object_object_get_ex(root, "error", &e)) {
		reader_fail(&r, "the agent refused: %s",
			    json_object_is_type(e, json_type_string) ?
			    json_object_get_string(e) : "(no reason given)");
		json_object_put(root);
		return -EPROTO;
	}
	mem = open_memstream(&text, &size);
	if (!mem) {
		reader_fail(&r, "status: out of memory");
		json_object_put(root);
		return -ENOMEM;
	}
	render_node(&r, root, mem);
	render_peers(&r, root, mem);
	render_routes(&r, root, mem);
	render_counters(&r, root, mem);
	render_mesh(&r, root, mem);
	json_object_put(root);
	if (fclose(mem) || !text) {
		reader_fail(&r, "status: out of memory");
		ret = -ENOMEM;
	} else if (r.failed) {
		ret = -EINVAL;
	} else if (fwrite(text, 1, size, out) != size) {
		reader_fail(&r, "status: write: %s", strerror(errno));
		ret = -EIO;
	}
	free(text);
	return ret;
}
