// SPDX-License-Identifier: MIT
/*
 * The agent's YAML configuration: see config.h for the rules and
 * docs/configuration.md for every key.
 *
 * The document is read with libyaml's event parser, one event at a time,
 * straight into a struct agent_config. The top level is a mapping; every
 * value is a scalar or a list of scalars. Keys are dispatched through the
 * keys[] table at the end, one small handler per kind of value. A handler
 * starts on the first event of its value and consumes the value entirely.
 *
 * Aliases are refused outright (an anchor alone is harmless), so that no
 * document can expand into more than it looks like ("billion laughs"), and
 * the document is at most CFG_MAX_FILE bytes.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <yaml.h>

#include <linux/aegisray.h>

#include "conf/config.h"
#include "numparse.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define STR_(x)		#x
#define STR(x)		STR_(x)

#define CFG_MAX_KEYS	64	/* room in the per-key bookkeeping below */
#define CFG_SHOW_MAX	60	/* characters of a value quoted in a message */
#define CFG_MSG_MAX	512
#define CFG_SUN_PATH	sizeof(((struct sockaddr_un *)0)->sun_path)

struct cfg_key;

/* One load in progress. */
struct cfg_ctx {
	yaml_parser_t parser;
	yaml_event_t ev;		/* the current event */
	bool have_ev;
	const char *buf;		/* the document, to place reader errors */
	size_t len;
	const char *name;		/* the file name, for messages */
	char dir[PATH_MAX];		/* base of relative paths; "" = cwd */
	struct agent_config *cfg;
	char *err;
	size_t errsz;

	char keyname[CFG_NAME_MAX];	/* key whose value is being read */
	yaml_mark_t key_mark;
	unsigned int seen_line[CFG_MAX_KEYS];	/* line of each key, 0 = absent */
	yaml_mark_t value_mark[CFG_MAX_KEYS];

	/* Unknown keys seen so far, to refuse them twice as well. */
	unsigned int n_unknown;
	char unknown[CFG_MAX_NOTES][CFG_NAME_MAX];
	unsigned int unknown_line[CFG_MAX_NOTES];

	char show[CFG_SHOW_MAX + 4];	/* scratch for show() */
};

typedef int (*cfg_parse_fn)(struct cfg_ctx *c, const struct cfg_key *k);

struct cfg_key {
	const char *name;
	cfg_parse_fn parse;
	size_t off;			/* field of struct agent_config, if any */
	size_t size;			/* its size */
	uint32_t min, max;		/* range, address family, inert default */
	bool required;
	const char *expect;		/* what a good value looks like */
};

/* Messages */

/* s made fit for a one-line message: control characters as '?', cut short. */
static const char *show(struct cfg_ctx *c, const char *s)
{
	size_t i;

	for (i = 0; i < CFG_SHOW_MAX && s[i]; i++)
		c->show[i] = iscntrl((unsigned char)s[i]) ? '?' : s[i];
	c->show[i] = '\0';
	if (s[i])
		strcat(c->show, "...");
	return c->show;
}

/* Keep a message on one line, whatever was quoted into it. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			*s = '?';
}

static void set_key(struct cfg_ctx *c, const char *name)
{
	snprintf(c->keyname, sizeof(c->keyname), "%s", name);
}

/* "FILE:LINE:COL: KEY: message"; returns -EINVAL. */
static int __attribute__((format(printf, 3, 4)))
fail(struct cfg_ctx *c, const yaml_mark_t *m, const char *fmt, ...)
{
	char msg[CFG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!c->errsz)
		return -EINVAL;
	if (c->keyname[0])
		snprintf(c->err, c->errsz, "%s:%zu:%zu: %s: %s", c->name,
			 m->line + 1, m->column + 1, c->keyname, msg);
	else
		snprintf(c->err, c->errsz, "%s:%zu:%zu: %s", c->name,
			 m->line + 1, m->column + 1, msg);
	one_line(c->err);
	return -EINVAL;
}

/* A bad value at the current event: "... (expected <k->expect>)". */
static int __attribute__((format(printf, 3, 4)))
bad_value(struct cfg_ctx *c, const struct cfg_key *k, const char *fmt, ...)
{
	char msg[CFG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail(c, &c->ev.start_mark, "%s (expected %s)", msg, k->expect);
}

static void __attribute__((format(printf, 2, 3)))
warn(struct cfg_ctx *c, const char *fmt, ...)
{
	struct agent_config *cfg = c->cfg;
	va_list ap;

	if (cfg->n_warnings >= CFG_MAX_NOTES)
		return;
	if (cfg->n_warnings == CFG_MAX_NOTES - 1) {
		snprintf(cfg->warnings[cfg->n_warnings++], CFG_NOTE_LEN,
			 "%s: more warnings not shown", c->name);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(cfg->warnings[cfg->n_warnings], CFG_NOTE_LEN, fmt, ap);
	va_end(ap);
	one_line(cfg->warnings[cfg->n_warnings++]);
}

/* A key set to something that does nothing yet. */
static void note_unsupported(struct cfg_ctx *c, const struct cfg_key *k)
{
	struct agent_config *cfg = c->cfg;

	if (cfg->n_unsupported >= CFG_MAX_NOTES)
		return;
	snprintf(cfg->unsupported[cfg->n_unsupported++], CFG_NOTE_LEN,
		 "%s (line %zu)", k->name, c->key_mark.line + 1);
}

/* Line and column of a byte offset (reader errors carry no mark). */
static yaml_mark_t mark_at(const struct cfg_ctx *c, size_t offset)
{
	yaml_mark_t m = { .index = offset };
	size_t i;

	for (i = 0; i < offset && i < c->len; i++) {
		if (c->buf[i] == '\n') {
			m.line++;
			m.column = 0;
		} else {
			m.column++;
		}
	}
	return m;
}

static int syntax_error(struct cfg_ctx *c)
{
	const yaml_parser_t *p = &c->parser;
	const char *problem = p->problem ? p->problem : "unknown error";
	yaml_mark_t m = p->problem_mark;

	c->keyname[0] = '\0';
	if (p->error == YAML_MEMORY_ERROR) {
		if (c->errsz)
			snprintf(c->err, c->errsz, "%s: out of memory", c->name);
		return -ENOMEM;
	}
	if (p->error == YAML_READER_ERROR)
		m = mark_at(c, p->problem_offset);
	if (p->context)
		return fail(c, &m, "invalid YAML: %s (%s at line %zu, column %zu)",
			    problem, p->context, p->context_mark.line + 1,
			    p->context_mark.column + 1);
	return fail(c, &m, "invalid YAML: %s", problem);
}

/* Events */

static const char *event_tag(const yaml_event_t *e)
{
	switch (e->type) {
	case YAML_SCALAR_EVENT:
		return (const char *)e->data.scalar.tag;
	case YAML_SEQUENCE_START_EVENT:
		return (const char *)e->data.sequence_start.tag;
	case YAML_MAPPING_START_EVENT:
		return (const char *)e->data.mapping_start.tag;
	default:
		return NULL;
	}
}

/* Move to the next event; refuses aliases and explicit tags. */
static int next_event(struct cfg_ctx *c)
{
	const char *tag;

	if (c->have_ev)
		yaml_event_delete(&c->ev);
	c->have_ev = false;
	if (!yaml_parser_parse(&c->parser, &c->ev))
		return syntax_error(c);
	c->have_ev = true;
	if (c->ev.type == YAML_ALIAS_EVENT)
		return fail(c, &c->ev.start_mark,
			    "alias '*%s' refused (expected plain values: anchors and aliases are not supported)",
			    show(c, (const char *)c->ev.data.alias.anchor));
	tag = event_tag(&c->ev);
	if (tag)
		return fail(c, &c->ev.start_mark,
			    "tag '%s' refused (expected plain values: YAML tags are not supported)",
			    show(c, tag));
	return 0;
}

static const char *event_what(const yaml_event_t *e)
{
	switch (e->type) {
	case YAML_SCALAR_EVENT:
		return "a single value";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	default:
		return "nothing";
	}
}

static bool is_scalar(const yaml_event_t *e)
{
	return e->type == YAML_SCALAR_EVENT;
}

static bool is_plain(const yaml_event_t *e)
{
	return is_scalar(e) && e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static const char *scalar_text(const yaml_event_t *e)
{
	return (const char *)e->data.scalar.value;
}

/* No value at all: "key:", "key: ~", "key: null". */
static bool is_null(const yaml_event_t *e)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (!is_plain(e))
		return false;
	for (i = 0; i < ARRAY_SIZE(nulls); i++)
		if (!strcmp(scalar_text(e), nulls[i]))
			return true;
	return false;
}

/* Skip the value starting at the current event, however nested. */
static int skip_value(struct cfg_ctx *c)
{
	unsigned long depth = 0;

	for (;;) {
		int ret;

		switch (c->ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (!depth)
			return 0;
		ret = next_event(c);
		if (ret)
			return ret;
	}
}

/* Values */

static void *field(const struct cfg_ctx *c, const struct cfg_key *k)
{
	return (char *)c->cfg + k->off;
}

/* The current event as text: any scalar style, no NUL inside. */
static int get_string(struct cfg_ctx *c, const struct cfg_key *k,
		      const char **s)
{
	if (!is_scalar(&c->ev))
		return bad_value(c, k, "found %s", event_what(&c->ev));
	if (strlen(scalar_text(&c->ev)) != c->ev.data.scalar.length)
		return bad_value(c, k, "the value contains a NUL character");
	*s = scalar_text(&c->ev);
	return 0;
}

static const char *quoted_how(const yaml_event_t *e)
{
	switch (e->data.scalar.style) {
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE:
		return "a block scalar";
	default:
		return "quoted";
	}
}

/* The current event as a plain (unquoted) scalar: booleans, numbers. */
static int get_plain(struct cfg_ctx *c, const struct cfg_key *k,
		     const char **s)
{
	int ret = get_string(c, k, s);

	if (ret)
		return ret;
	if (!is_plain(&c->ev))
		return bad_value(c, k, "'%s' is %s, which makes it a string",
				 show(c, *s), quoted_how(&c->ev));
	return 0;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return true;
	return false;
}

static int parse_bool_text(const char *s, bool *b)
{
	static const struct {
		const char *text;
		bool value;
	} words[] = {
		{ "true", true }, { "yes", true }, { "on", true },
		{ "false", false }, { "no", false }, { "off", false },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (!strcasecmp(s, words[i].text)) {
			*b = words[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

static int get_bool(struct cfg_ctx *c, const struct cfg_key *k, bool *b)
{
	const char *s;
	int ret = get_plain(c, k, &s);

	if (ret)
		return ret;
	if (parse_bool_text(s, b))
		return bad_value(c, k, "'%s' is not a boolean", show(c, s));
	return 0;
}

static int get_uint(struct cfg_ctx *c, const struct cfg_key *k, uint32_t *v)
{
	const char *s;
	int ret = get_plain(c, k, &s);

	if (ret)
		return ret;
	ret = aegis_parse_u32(s, UINT32_MAX, v);
	if (ret == -EINVAL)
		return bad_value(c, k, "'%s' is not a decimal integer", show(c, s));
	if (ret || *v < k->min || *v > k->max)
		return bad_value(c, k, "%s is out of range", show(c, s));
	return 0;
}

static void store_uint(void *p, size_t size, uint32_t v)
{
	if (size == sizeof(uint16_t))
		*(uint16_t *)p = (uint16_t)v;
	else
		*(uint32_t *)p = v;
}

/* Lists: list_begin(), then list_next() until it returns 0. */
static int list_begin(struct cfg_ctx *c, const struct cfg_key *k)
{
	if (c->ev.type != YAML_SEQUENCE_START_EVENT)
		return bad_value(c, k, "found %s", event_what(&c->ev));
	return 0;
}

/* The next entry as text: 1, or 0 at the end of the list, or an error. */
static int list_next(struct cfg_ctx *c, const struct cfg_key *k,
		     const char **s)
{
	int ret = next_event(c);

	if (ret)
		return ret;
	if (c->ev.type == YAML_SEQUENCE_END_EVENT)
		return 0;
	if (!is_scalar(&c->ev))
		return bad_value(c, k, "an entry is %s", event_what(&c->ev));
	if (is_null(&c->ev))
		return bad_value(c, k, "an entry is empty");
	ret = get_string(c, k, s);
	return ret ? ret : 1;
}

/* Key handlers: supported keys */

static int parse_name(struct cfg_ctx *c, const struct cfg_key *k)
{
	const char *s;
	int ret = get_string(c, k, &s);
	size_t n;

	if (ret)
		return ret;
	n = strlen(s);
	if (!n)
		return bad_value(c, k, "the name is empty");
	if (n >= k->size)
		return bad_value(c, k, "'%s' is %zu bytes long", show(c, s), n);
	if (has_control(s))
		return bad_value(c, k, "'%s' contains control characters",
				 show(c, s));
	memcpy(field(c, k), s, n + 1);
	return 0;
}

/* A file path; relative ones are taken from the config file's directory. */
static int parse_path(struct cfg_ctx *c, const struct cfg_key *k)
{
	char *out = field(c, k);
	const char *s;
	size_t dlen = strlen(c->dir);
	int ret = get_string(c, k, &s);
	int n;

	if (ret)
		return ret;
	if (!*s)
		return bad_value(c, k, "the path is empty");
	if (has_control(s))
		return bad_value(c, k, "'%s' contains control characters",
				 show(c, s));
	if (s[0] == '/' || !dlen)
		n = snprintf(out, k->size, "%s", s);
	else
		n = snprintf(out, k->size, "%s%s%s", c->dir,
			     c->dir[dlen - 1] == '/' ? "" : "/", s);
	if (n < 0 || (size_t)n >= k->size || (k->max && (size_t)n >= k->max))
		return bad_value(c, k, "'%s' is too long (%d bytes once resolved)",
				 show(c, s), n);
	return 0;
}

/* The kernel's dev_valid_name(). */
static int parse_ifname(struct cfg_ctx *c, const struct cfg_key *k)
{
	const char *s, *p;
	int ret = get_string(c, k, &s);
	size_t n;

	if (ret)
		return ret;
	n = strlen(s);
	if (!n || n >= IFNAMSIZ)
		return bad_value(c, k, "'%s' is %zu characters long",
				 show(c, s), n);
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return bad_value(c, k, "'%s' is not a usable name", s);
	for (p = s; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) ||
		    iscntrl((unsigned char)*p))
			return bad_value(c, k, "'%s' contains '%c'",
					 show(c, s), isprint((unsigned char)*p) ? *p : '?');
	memcpy(field(c, k), s, n + 1);
	return 0;
}

static int parse_uint(struct cfg_ctx *c, const struct cfg_key *k)
{
	uint32_t v;
	int ret = get_uint(c, k, &v);

	if (!ret)
		store_uint(field(c, k), k->size, v);
	return ret;
}

static int parse_bool(struct cfg_ctx *c, const struct cfg_key *k)
{
	return get_bool(c, k, field(c, k));
}

/* persistent_keepalive: seconds, or true (the default interval) / false. */
static int parse_pkeepalive(struct cfg_ctx *c, const struct cfg_key *k)
{
	const char *s;
	bool on;
	int ret = get_plain(c, k, &s);

	if (ret)
		return ret;
	if (!parse_bool_text(s, &on)) {
		c->cfg->persistent_keepalive = on ? CFG_DEFAULT_KEEPALIVE : 0;
		return 0;
	}
	return parse_uint(c, k);
}

static int parse_log_level(struct cfg_ctx *c, const struct cfg_key *k)
{
	char lower[16];
	const char *s;
	size_t i;
	int ret = get_string(c, k, &s);

	if (ret)
		return ret;
	for (i = 0; i < sizeof(lower) - 1 && s[i]; i++)
		lower[i] = (char)tolower((unsigned char)s[i]);
	lower[i] = '\0';
	if (s[i] || log_level_parse(lower, &c->cfg->log_level))
		return bad_value(c, k, "'%s' is not a log level", show(c, s));
	return 0;
}

static int parse_cipher(struct cfg_ctx *c, const struct cfg_key *k)
{
	const char *s;
	int ret = get_string(c, k, &s);

	if (ret)
		return ret;
	if (config_cipher_parse(s, &c->cfg->cipher))
		return bad_value(c, k, "'%s' is not a cipher", show(c, s));
	return 0;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* mesh_ip, mesh_ip6: k->min is the address family. */
static int parse_addr(struct cfg_ctx *c, const struct cfg_key *k)
{
	struct aegis_addr a;
	const char *s;
	int ret = get_string(c, k, &s);

	if (ret)
		return ret;
	if (aegis_addr_parse(s, &a))
		return bad_value(c, k, "'%s' is not an IP address", show(c, s));
	if (a.family != (int)k->min)
		return bad_value(c, k, "'%s' is an %s address", show(c, s),
				 family_name(a.family));
	*(struct aegis_addr *)field(c, k) = a;
	return 0;
}

/* network_cidr, network_cidr6: k->min is the family, k->max the longest. */
static int parse_network(struct cfg_ctx *c, const struct cfg_key *k)
{
	char why[CFG_MSG_MAX / 2];
	struct aegis_prefix p;
	const char *s;
	int ret = get_string(c, k, &s);

	if (ret)
		return ret;
	if (aegis_prefix_parse(s, &p, why, sizeof(why)))
		return bad_value(c, k, "%s", why);
	if (p.addr.family != (int)k->min)
		return bad_value(c, k, "'%s' is an %s prefix", show(c, s),
				 family_name(p.addr.family));
	if (p.len < 1 || p.len > k->max)
		return bad_value(c, k, "'%s' has a prefix length of %u",
				 show(c, s), p.len);
	*(struct aegis_prefix *)field(c, k) = p;
	return 0;
}

static bool prefix_equal(const struct aegis_prefix *a,
			 const struct aegis_prefix *b)
{
	return a->addr.family == b->addr.family && a->len == b->len &&
	       !memcmp(a->addr.u.bytes, b->addr.u.bytes,
		       aegis_addr_len(a->addr.family));
}

static int parse_routes(struct cfg_ctx *c, const struct cfg_key *k)
{
	struct agent_config *cfg = c->cfg;
	char why[CFG_MSG_MAX / 2];
	struct aegis_prefix p;
	const char *s;
	unsigned int i;
	int ret = list_begin(c, k);

	while (!ret && (ret = list_next(c, k, &s)) > 0) {
		ret = 0;
		if (cfg->n_advertise == CFG_MAX_ROUTES)
			return bad_value(c, k, "more than %u entries",
					 CFG_MAX_ROUTES);
		if (aegis_prefix_parse(s, &p, why, sizeof(why)))
			return bad_value(c, k, "%s", why);
		if (!p.len)
			return bad_value(c, k, "'%s' is a default route, which is exit_node (not supported yet)",
					 show(c, s));
		for (i = 0; i < cfg->n_advertise; i++)
			if (prefix_equal(&cfg->advertise_routes[i], &p))
				return bad_value(c, k, "'%s' is listed twice",
						 show(c, s));
		cfg->advertise_routes[cfg->n_advertise++] = p;
	}
	return ret;
}

/* A host name as DNS takes it: dot-separated labels of 1 to 63 characters. */
static bool host_name_ok(const char *h)
{
	size_t label = 0, n = strlen(h);
	const char *p;

	if (!n || n > 253 + (h[n - 1] == '.'))
		return false;
	for (p = h; *p; p++) {
		if (*p == '.') {
			if (!label || p[-1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
		if ((*p == '-' && !label) || ++label > 63)
			return false;
	}
	return !label || p[-1] != '-';
}

/* "HOST:PORT" or "[IPV6]:PORT" into peer; NULL, or what is wrong. */
static const char *peer_parse(const char *s, struct cfg_peer *peer)
{
	struct aegis_addr a;
	const char *host = s, *port;
	size_t hlen;
	uint32_t pnum;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return "has no ]:PORT after the IPv6 address";
		host = s + 1;
		hlen = (size_t)(close - host);
		port = close + 2;
	} else {
		const char *colon = strrchr(s, ':');

		if (!colon)
			return "has no :PORT";
		if (memchr(s, ':', (size_t)(colon - s)))
			return "needs brackets around an IPv6 address";
		hlen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (!hlen)
		return "has no host";
	if (hlen > 253 || hlen >= sizeof(peer->host))
		return "has a host name longer than 253 characters";
	memcpy(peer->host, host, hlen);
	peer->host[hlen] = '\0';
	if (s[0] == '[') {
		char *zone = strchr(peer->host, '%');
		const char *why = NULL;

		if (zone)
			*zone = '\0';
		if (aegis_addr_parse(peer->host, &a) || a.family != AF_INET6) {
			why = "has no valid IPv6 address in the brackets";
		} else {
			int rule = aegis_addr_zone_check(&a, zone != NULL);

			if (rule == -EDESTADDRREQ || (!rule && zone && !zone[1]))
				why = "is link-local: name its interface, as in [fe80::1%eth0]:PORT";
			else if (rule)
				why = "has an interface, which only a link-local address (fe80::/10) takes";
			else if (zone && strlen(zone + 1) >= IF_NAMESIZE)
				why = "has an interface name longer than 15 characters";
		}
		if (zone)
			*zone = '%';
		if (why)
			return why;
	} else if (strspn(peer->host, "0123456789.") == hlen) {
		if (aegis_addr_parse(peer->host, &a))
			return "has no valid IPv4 address";
	} else if (!host_name_ok(peer->host)) {
		return "has no valid host name";
	}
	if (aegis_parse_u32(port, UINT16_MAX, &pnum) || !pnum)
		return "has a port that is not a number from 1 to 65535";
	peer->port = (uint16_t)pnum;
	return NULL;
}

static int parse_peers(struct cfg_ctx *c, const struct cfg_key *k)
{
	struct agent_config *cfg = c->cfg;
	const char *s;
	int ret = list_begin(c, k);

	while (!ret && (ret = list_next(c, k, &s)) > 0) {
		struct cfg_peer *peer;
		const char *why;

		ret = 0;
		if (cfg->n_peers == CFG_MAX_PEERS)
			return bad_value(c, k, "more than %u entries",
					 CFG_MAX_PEERS);
		peer = &cfg->static_peers[cfg->n_peers];
		why = peer_parse(s, peer);
		if (why)
			return bad_value(c, k, "'%s' %s", show(c, s), why);
		peer->line = (unsigned int)c->ev.start_mark.line + 1;
		cfg->n_peers++;
	}
	return ret;
}

/* Key handlers: keys that do nothing yet, reported when not inert */

/* k->min is the inert value. */
static int inert_bool(struct cfg_ctx *c, const struct cfg_key *k)
{
	bool b;
	int ret = get_bool(c, k, &b);

	if (!ret && b != (bool)k->min)
		note_unsupported(c, k);
	return ret;
}

enum cfg_item { ITEM_STRING, ITEM_ADDR, ITEM_PREFIX };

static int inert_list(struct cfg_ctx *c, const struct cfg_key *k,
		      enum cfg_item item)
{
	char why[CFG_MSG_MAX / 2];
	struct aegis_prefix p;
	struct aegis_addr a;
	unsigned int n = 0;
	const char *s;
	int ret = list_begin(c, k);

	while (!ret && (ret = list_next(c, k, &s)) > 0) {
		ret = 0;
		n++;
		if (!*s || has_control(s))
			return bad_value(c, k, "'%s' is not a usable string",
					 show(c, s));
		if (item == ITEM_ADDR && aegis_addr_parse(s, &a))
			return bad_value(c, k, "'%s' is not an IP address",
					 show(c, s));
		if (item == ITEM_PREFIX &&
		    aegis_prefix_parse(s, &p, why, sizeof(why)))
			return bad_value(c, k, "%s", why);
	}
	if (!ret && n)
		note_unsupported(c, k);
	return ret;
}

static int inert_strings(struct cfg_ctx *c, const struct cfg_key *k)
{
	return inert_list(c, k, ITEM_STRING);
}

static int inert_addrs(struct cfg_ctx *c, const struct cfg_key *k)
{
	return inert_list(c, k, ITEM_ADDR);
}

static int inert_prefixes(struct cfg_ctx *c, const struct cfg_key *k)
{
	return inert_list(c, k, ITEM_PREFIX);
}

/* The keys */

#define F(member) \
	.off = offsetof(struct agent_config, member), \
	.size = sizeof(((struct agent_config *)0)->member)

#define E_BOOL		"true or false"
#define E_STRINGS	"a list of strings"
#define E_PATH		"a file path"
#define E_NAME		"a name of 1 to 63 bytes, no control characters"

static const struct cfg_key keys[] = {
	/* Identity and network. */
	{ "node_name", parse_name, F(node_name), .expect = E_NAME },
	{ "network_name", parse_name, F(network_name), .expect = E_NAME },
	{ "mesh_ip", parse_addr, F(mesh_ip), .min = AF_INET, .required = true,
	  .expect = "this node's IPv4 address inside network_cidr, like 100.64.0.1" },
	{ "mesh_ip6", parse_addr, F(mesh_ip6), .min = AF_INET6,
	  .expect = "this node's IPv6 address inside network_cidr6" },
	{ "network_cidr", parse_network, F(network_cidr), .min = AF_INET, .max = 30,
	  .expect = "an IPv4 prefix from /1 to /30, like " CFG_DEFAULT_CIDR4 },
	{ "network_cidr6", parse_network, F(network_cidr6), .min = AF_INET6, .max = 126,
	  .expect = "an IPv6 prefix from /1 to /126, like " CFG_DEFAULT_CIDR6 },
	{ "listen_port", parse_uint, F(listen_port), .max = UINT16_MAX,
	  .expect = "a UDP port from 0 to 65535" },
	{ "log_level", parse_log_level, .expect = "error, warn, info or debug" },
	{ "control_socket", parse_path, F(control_socket), .max = CFG_SUN_PATH,
	  .expect = "a socket path of at most 107 bytes" },

	/* Credentials and crypto. */
	{ "ca_file", parse_path, F(ca_file), .required = true, .expect = E_PATH },
	{ "cert_file", parse_path, F(cert_file), .required = true, .expect = E_PATH },
	{ "key_file", parse_path, F(key_file), .required = true, .expect = E_PATH },
	{ "revocation_file", parse_path, F(revocation_file), .expect = E_PATH },
	{ "state_directory", parse_path, F(state_directory), .expect = E_PATH },
	{ "rekey_interval", parse_uint, F(rekey_interval),
	  .min = CFG_MIN_REKEY, .max = CFG_MAX_REKEY,
	  .expect = "seconds from " STR(CFG_MIN_REKEY) " to " STR(CFG_MAX_REKEY) },
	{ "cipher", parse_cipher, .expect = "aes-256-gcm or chacha20-poly1305" },

	/* Interface. */
	{ "tun_interface_name", parse_ifname, F(ifname),
	  .expect = "an interface name of 1 to 15 characters without '/', ':' or spaces" },
	{ "mtu", parse_uint, F(mtu), .min = CFG_MIN_MTU, .max = CFG_MAX_MTU,
	  .expect = "an integer from " STR(CFG_MIN_MTU) " to " STR(CFG_MAX_MTU) },
	{ "keepalive", parse_uint, F(keepalive), .max = UINT16_MAX,
	  .expect = "seconds from 0 to 65535" },
	{ "persistent_keepalive", parse_pkeepalive, F(persistent_keepalive),
	  .max = UINT16_MAX,
	  .expect = "seconds from 0 to 65535, or true (" STR(CFG_DEFAULT_KEEPALIVE) ") or false (0)" },

	/* Routing and peers. */
	{ "accept_routes", parse_bool, F(accept_routes), .expect = E_BOOL },
	{ "advertise_routes", parse_routes,
	  .expect = "a list of prefixes like 192.168.1.0/24, host bits zero" },
	{ "static_peers", parse_peers,
	  .expect = "a list of HOST:PORT, IPv6 as [ADDR]:PORT" },
	{ "max_peers", parse_uint, F(max_peers), .min = 1, .max = CFG_MAX_MAX_PEERS,
	  .expect = "the most peers held at once, 1 to " STR(CFG_MAX_MAX_PEERS) },
	/* Bootstrap members: static peers by another name (no server). */
	{ "coordinators", parse_peers,
	  .expect = "a list of HOST:PORT, IPv6 as [ADDR]:PORT" },
	{ "auto_discovery", parse_bool, F(auto_discovery), .expect = E_BOOL },
	{ "mesh_routing", parse_bool, F(mesh_routing), .expect = E_BOOL },
	{ "max_neighbors", parse_uint, F(max_neighbors), .min = 1,
	  .max = CFG_MAX_MAX_NEIGH,
	  .expect = "the most mesh neighbours besides static peers, 1 to " STR(CFG_MAX_MAX_NEIGH) },

	/* Not supported yet: reported when set to anything but the inert value. */
	{ "use_tls", inert_bool, .expect = E_BOOL },
	{ "stealth_mode", inert_bool, .expect = E_BOOL },
	{ "stealth_domains", inert_strings, .expect = E_STRINGS },
	{ "stun_servers", inert_strings, .expect = E_STRINGS },
	{ "turn_servers", inert_strings, .expect = E_STRINGS },
	{ "upnp_enabled", inert_bool, .expect = E_BOOL },
	{ "dns_servers", inert_addrs, .expect = "a list of IP addresses" },
	{ "allowed_ips", inert_prefixes, .expect = "a list of prefixes" },
	{ "excluded_routes", inert_prefixes, .expect = "a list of prefixes" },
	{ "default_route", inert_bool, .expect = E_BOOL },
	{ "enable_tun", inert_bool, .min = true, .expect = E_BOOL },
	{ "exit_node", inert_bool, .expect = E_BOOL },
	{ "load_balancing", inert_bool, .expect = E_BOOL },
};

static const size_t n_keys = ARRAY_SIZE(keys);

_Static_assert(ARRAY_SIZE(keys) <= CFG_MAX_KEYS, "raise CFG_MAX_KEYS");
_Static_assert(CFG_NAME_MAX == 64 && CFG_SUN_PATH == 108, "update E_NAME and control_socket");

static const struct cfg_key *key_find(const char *name)
{
	size_t i;

	for (i = 0; i < n_keys; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* The document */

static int unknown_key(struct cfg_ctx *c, const char *name)
{
	size_t line = c->key_mark.line + 1;

	if (strlen(name) < CFG_NAME_MAX) {
		unsigned int i;

		for (i = 0; i < c->n_unknown; i++)
			if (!strcmp(c->unknown[i], name))
				return fail(c, &c->key_mark,
					    "duplicate key '%s' (first given at line %u)",
					    show(c, name), c->unknown_line[i]);
		if (c->n_unknown < CFG_MAX_NOTES) {
			strcpy(c->unknown[c->n_unknown], name);
			c->unknown_line[c->n_unknown++] = (unsigned int)line;
		}
	}
	warn(c, "%s:%zu: unknown key '%s' (ignored)", c->name, line,
	     show(c, name));
	return 0;
}

/*
 * Sections: the same keys grouped by the subsystem that reads them,
 *
 *   peers:
 *     static: [gw.example.net:443]
 *     max: 4096
 *
 * is "static_peers" and "max_peers". A key given both ways is a duplicate.
 */
struct cfg_alias {
	const char *inner;
	const char *flat;
};

struct cfg_section {
	const char *name;
	const struct cfg_alias *aliases;
};

static const struct cfg_alias node_keys[] = {
	{ "name", "node_name" }, { "network", "network_name" },
	{ "mesh_ip", "mesh_ip" }, { "mesh_ip6", "mesh_ip6" },
	{ "network_cidr", "network_cidr" }, { "network_cidr6", "network_cidr6" },
	{ NULL, NULL },
};

static const struct cfg_alias trust_keys[] = {
	{ "ca_file", "ca_file" }, { "cert_file", "cert_file" },
	{ "key_file", "key_file" }, { "revocation_file", "revocation_file" },
	{ NULL, NULL },
};

static const struct cfg_alias transport_keys[] = {
	{ "listen_port", "listen_port" }, { NULL, NULL },
};

static const struct cfg_alias session_keys[] = {
	{ "rekey_interval", "rekey_interval" }, { "cipher", "cipher" },
	{ "keepalive", "keepalive" },
	{ "persistent_keepalive", "persistent_keepalive" }, { NULL, NULL },
};

static const struct cfg_alias peers_keys[] = {
	{ "static", "static_peers" }, { "max", "max_peers" },
	{ "bootstrap", "coordinators" }, { NULL, NULL },
};

static const struct cfg_alias mesh_keys[] = {
	{ "auto_discovery", "auto_discovery" },
	{ "routing", "mesh_routing" },
	{ "max_neighbors", "max_neighbors" }, { NULL, NULL },
};

static const struct cfg_alias routes_keys[] = {
	{ "accept", "accept_routes" }, { "advertise", "advertise_routes" },
	{ NULL, NULL },
};

static const struct cfg_alias interface_keys[] = {
	{ "name", "tun_interface_name" }, { "mtu", "mtu" }, { NULL, NULL },
};

static const struct cfg_alias control_keys[] = {
	{ "socket", "control_socket" }, { "log_level", "log_level" },
	{ NULL, NULL },
};

static const struct cfg_section sections[] = {
	{ "node", node_keys },
	{ "trust", trust_keys },
	{ "transport", transport_keys },
	{ "session", session_keys },
	{ "peers", peers_keys },
	{ "mesh", mesh_keys },
	{ "routes", routes_keys },
	{ "interface", interface_keys },
	{ "control", control_keys },
};

static const struct cfg_section *section_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sections); i++)
		if (!strcmp(sections[i].name, name))
			return &sections[i];
	return NULL;
}

/* The value of known key k, its key event just read; shown names it. */
static int parse_known(struct cfg_ctx *c, const struct cfg_key *k,
		       const char *shown)
{
	size_t idx = (size_t)(k - keys);
	int ret;

	set_key(c, shown);
	if (c->seen_line[idx])
		return fail(c, &c->key_mark,
			    "duplicate key (first given at line %u)",
			    c->seen_line[idx]);
	c->seen_line[idx] = (unsigned int)c->key_mark.line + 1;
	ret = next_event(c);
	if (ret)
		return ret;
	c->value_mark[idx] = c->ev.start_mark;
	if (!is_null(&c->ev))
		ret = k->parse(c, k);
	else if (k->required)
		ret = bad_value(c, k, "no value");
	c->keyname[0] = '\0';
	return ret;
}

static int key_event_ok(struct cfg_ctx *c)
{
	if (!is_scalar(&c->ev))
		return fail(c, &c->ev.start_mark,
			    "found %s as a key (expected a key name)",
			    event_what(&c->ev));
	if (strlen(scalar_text(&c->ev)) != c->ev.data.scalar.length)
		return fail(c, &c->ev.start_mark,
			    "a key contains a NUL character (expected a key name)");
	c->key_mark = c->ev.start_mark;
	return 0;
}

/* A section's mapping, its key event just read. */
static int parse_section(struct cfg_ctx *c, const struct cfg_section *sec)
{
	char shown[CFG_NAME_MAX];
	int ret = next_event(c);

	if (ret || is_null(&c->ev))
		return ret;
	if (c->ev.type != YAML_MAPPING_START_EVENT)
		return fail(c, &c->ev.start_mark,
			    "%s: found %s (expected a mapping of KEY: VALUE)",
			    sec->name, event_what(&c->ev));
	for (;;) {
		const struct cfg_alias *al;

		ret = next_event(c);
		if (ret)
			return ret;
		if (c->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		ret = key_event_ok(c);
		if (ret)
			return ret;
		snprintf(shown, sizeof(shown), "%s.%s", sec->name,
			 scalar_text(&c->ev));
		for (al = sec->aliases; al->inner; al++)
			if (!strcmp(al->inner, scalar_text(&c->ev)))
				break;
		if (!al->inner) {
			ret = unknown_key(c, shown);
			if (!ret)
				ret = next_event(c);
			ret = ret ? ret : skip_value(c);
		} else {
			ret = parse_known(c, key_find(al->flat), shown);
		}
		if (ret)
			return ret;
	}
}

/* One "key: value" of the top-level mapping, from its key event. */
static int parse_entry(struct cfg_ctx *c)
{
	const struct cfg_section *sec;
	const struct cfg_key *k;
	int ret;

	ret = key_event_ok(c);
	if (ret)
		return ret;
	k = key_find(scalar_text(&c->ev));
	if (k)
		return parse_known(c, k, k->name);
	sec = section_find(scalar_text(&c->ev));
	if (sec)
		return parse_section(c, sec);
	ret = unknown_key(c, scalar_text(&c->ev));
	if (!ret)
		ret = next_event(c);
	return ret ? ret : skip_value(c);
}

static int parse_mapping(struct cfg_ctx *c)
{
	for (;;) {
		int ret = next_event(c);

		if (ret)
			return ret;
		if (c->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		ret = parse_entry(c);
		if (ret)
			return ret;
	}
}

/* Stream: nothing at all, or one document holding a mapping (or null). */
static int parse_stream(struct cfg_ctx *c)
{
	int ret;

	ret = next_event(c);			/* stream start */
	if (!ret)
		ret = next_event(c);		/* document start or stream end */
	if (ret || c->ev.type == YAML_STREAM_END_EVENT)
		return ret;
	ret = next_event(c);			/* the top-level node */
	if (ret)
		return ret;
	if (c->ev.type == YAML_MAPPING_START_EVENT)
		ret = parse_mapping(c);
	else if (!is_null(&c->ev))
		return fail(c, &c->ev.start_mark,
			    "the top level is %s (expected a mapping of keys to values, like 'mesh_ip: 100.64.0.1')",
			    event_what(&c->ev));
	if (!ret)
		ret = next_event(c);		/* document end */
	if (!ret)
		ret = next_event(c);		/* stream end, or more */
	if (!ret && c->ev.type != YAML_STREAM_END_EVENT)
		return fail(c, &c->ev.start_mark,
			    "a second YAML document (expected only one)");
	return ret;
}

/* mesh_ip or mesh_ip6 against its network. */
static int check_inside(struct cfg_ctx *c, const char *addr_key,
			const struct aegis_addr *a, const char *net_key,
			const struct aegis_prefix *p)
{
	const struct cfg_key *k = key_find(addr_key);
	const yaml_mark_t *m = &c->value_mark[k - keys];
	char as[AEGIS_ADDR_STRSIZE], ps[AEGIS_PREFIX_STRSIZE];
	uint32_t host, hostmask;

	if (aegis_addr_format(a, as, sizeof(as)) ||
	    aegis_prefix_format(p, ps, sizeof(ps)))
		return fail(c, m, "internal error formatting %s", addr_key);
	set_key(c, addr_key);
	if (!aegis_prefix_has_addr(p, a))
		return fail(c, m, "%s is outside %s %s (expected %s)", as,
			    net_key, ps, k->expect);
	if (a->family != AF_INET || p->len > 30)
		return 0;
	hostmask = (uint32_t)0xffffffff >> p->len;
	host = ntohl(a->u.v4.s_addr) & hostmask;
	if (!host || host == hostmask)
		return fail(c, m, "%s is the %s address of %s (expected %s)",
			    as, host ? "broadcast" : "network", ps, k->expect);
	return 0;
}

/* Checks across keys, once the whole document is read. */
static int finish(struct cfg_ctx *c)
{
	struct agent_config *cfg = c->cfg;
	char missing[CFG_MSG_MAX] = "";
	size_t i, n = 0;
	int ret;

	for (i = 0; i < n_keys; i++) {
		if (!keys[i].required || c->seen_line[i])
			continue;
		n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%s%s",
				      n ? ", " : "", keys[i].name);
		if (n >= sizeof(missing))
			break;
	}
	if (missing[0]) {
		if (c->errsz)
			snprintf(c->err, c->errsz,
				 "%s: missing required key(s): %s (see docs/configuration.md)",
				 c->name, missing);
		return -EINVAL;
	}
	ret = check_inside(c, "mesh_ip", &cfg->mesh_ip, "network_cidr",
			   &cfg->network_cidr);
	if (!ret && cfg->mesh_ip6.family)
		ret = check_inside(c, "mesh_ip6", &cfg->mesh_ip6,
				   "network_cidr6", &cfg->network_cidr6);
	c->keyname[0] = '\0';
	return ret;
}

/* The directory of name, for relative paths: "" when name has no '/'. */
static void base_dir(const char *name, char *dir, size_t size)
{
	const char *slash = strrchr(name, '/');
	size_t n;

	dir[0] = '\0';
	if (!slash)
		return;
	n = slash == name ? 1 : (size_t)(slash - name);
	if (n < size) {
		memcpy(dir, name, n);
		dir[n] = '\0';
	}
}

/* API */

void config_defaults(struct agent_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	aegis_prefix_parse(CFG_DEFAULT_CIDR4, &cfg->network_cidr, NULL, 0);
	aegis_prefix_parse(CFG_DEFAULT_CIDR6, &cfg->network_cidr6, NULL, 0);
	cfg->listen_port = CFG_DEFAULT_PORT;
	cfg->log_level = LOG_LVL_INFO;
	cfg->rekey_interval = CFG_DEFAULT_REKEY;
	cfg->cipher = AEGIS_CIPHER_AES_GCM;
	snprintf(cfg->ifname, sizeof(cfg->ifname), "%s", CFG_DEFAULT_IFNAME);
	cfg->mtu = CFG_DEFAULT_MTU;
	cfg->keepalive = CFG_DEFAULT_KEEPALIVE;
	cfg->max_peers = CFG_DEFAULT_MAX_PEERS;
	cfg->auto_discovery = true;
	cfg->mesh_routing = true;
	cfg->max_neighbors = CFG_DEFAULT_MAX_NEIGH;
	cfg->persistent_keepalive = 0;
	cfg->accept_routes = true;
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s",
		 CFG_DEFAULT_CONTROL);
	snprintf(cfg->state_directory, sizeof(cfg->state_directory), "%s",
		 CFG_DEFAULT_STATE);
}

static int load_buffer(const char *yaml, size_t len, const char *name,
		       struct agent_config *cfg, char *err, size_t errsz)
{
	struct cfg_ctx *c;
	int ret;

	config_defaults(cfg);
	if (errsz)
		err[0] = '\0';
	if (!name)
		name = "<config>";
	if (!yaml)
		len = 0;
	if (len > CFG_MAX_FILE) {
		if (errsz)
			snprintf(err, errsz, "%s: %zu bytes, more than the %u-byte limit",
				 name, len, CFG_MAX_FILE);
		return -EFBIG;
	}
	if (strlen(name) >= sizeof(cfg->path)) {
		if (errsz)
			snprintf(err, errsz, "config file name too long");
		return -ENAMETOOLONG;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !yaml_parser_initialize(&c->parser)) {
		free(c);
		if (errsz)
			snprintf(err, errsz, "%s: out of memory", name);
		return -ENOMEM;
	}
	c->buf = yaml ? yaml : "";
	c->len = len;
	c->name = name;
	c->cfg = cfg;
	c->err = err;
	c->errsz = errsz;
	base_dir(name, c->dir, sizeof(c->dir));
	yaml_parser_set_input_string(&c->parser, (const unsigned char *)c->buf,
				     len);

	ret = parse_stream(c);
	if (!ret)
		ret = finish(c);

	if (c->have_ev)
		yaml_event_delete(&c->ev);
	yaml_parser_delete(&c->parser);
	free(c);
	if (ret) {
		config_defaults(cfg);
		return ret;
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	return 0;
}

/* Read all of fd, at most CFG_MAX_FILE bytes: 0, -EFBIG or -errno. */
static int read_all(int fd, char *buf, size_t *len)
{
	size_t n = 0;

	for (;;) {
		ssize_t r = read(fd, buf + n, CFG_MAX_FILE + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			break;
		n += (size_t)r;
		if (n > CFG_MAX_FILE)
			return -EFBIG;
	}
	*len = n;
	return 0;
}

static int load_file(const char *path, struct agent_config *cfg, char *err,
		     size_t errsz)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	int fd, ret;

	config_defaults(cfg);
	if (errsz)
		err[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		goto out_err;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		close(fd);
		goto out_err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		if (ret == -EINVAL && errsz)
			snprintf(err, errsz, "%s: not a regular file", path);
		goto out_err;
	}
	buf = malloc(CFG_MAX_FILE + 1);
	if (!buf) {
		close(fd);
		ret = -ENOMEM;
		goto out_err;
	}
	ret = read_all(fd, buf, &len);
	close(fd);
	if (!ret)
		ret = load_buffer(buf, len, path, cfg, err, errsz);
	free(buf);
	if (ret != -EFBIG)
		return ret;
	if (errsz)
		snprintf(err, errsz, "%s: larger than the %u-byte limit",
			 path, CFG_MAX_FILE);
	return ret;

out_err:
	if (errsz && !err[0])
		snprintf(err, errsz, "%s: %s", path, strerror(-ret));
	return ret;
}

int config_load_buffer(const char *yaml, size_t len, const char *name,
		       struct agent_config *cfg, char *err, size_t errsz)
{
	int ret = load_buffer(yaml, len, name, cfg, err, errsz);

	if (errsz)
		one_line(err);
	return ret;
}

int config_load_file(const char *path, struct agent_config *cfg, char *err,
		     size_t errsz)
{
	int ret = load_file(path, cfg, err, errsz);

	if (errsz)
		one_line(err);
	return ret;
}

static const struct {
	const char *name;
	uint8_t cipher;
} cipher_names[] = {
	/* The canonical name of each comes first. */
	{ "aes-256-gcm", AEGIS_CIPHER_AES_GCM },
	{ "chacha20-poly1305", AEGIS_CIPHER_CHACHA20POLY1305 },
	{ "aes-gcm", AEGIS_CIPHER_AES_GCM },
	{ "chacha20", AEGIS_CIPHER_CHACHA20POLY1305 },
};

int config_cipher_parse(const char *s, uint8_t *cipher)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cipher_names); i++) {
		if (!strcasecmp(s, cipher_names[i].name)) {
			*cipher = cipher_names[i].cipher;
			return 0;
		}
	}
	return -EINVAL;
}

const char *config_cipher_name(uint8_t cipher)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cipher_names); i++)
		if (cipher_names[i].cipher == cipher)
			return cipher_names[i].name;
	return cipher == AEGIS_CIPHER_NONE ? "none" : "unknown";
}
