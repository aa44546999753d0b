// SPDX-License-Identifier: MIT
/*
 * aegisctl command-line parsing: argv -> struct ctl_req. No netlink here,
 * so that every syntax rule is unit-testable.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl.h"
#include "hex.h"
#include "netaddr.h"
#include "numparse.h"
#include "secret.h"

struct cursor {
	int argc;
	char **argv;
	int i;
	struct ctl_req *req;
	char *err;
	size_t errsz;
	int status;		/* exit status of the first error */
};

static int usage_err(struct cursor *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Record a usage error "NAME: reason". Returns -1. */
static int usage_err(struct cursor *c, const char *fmt, ...)
{
	size_t used = 0;
	va_list ap;

	c->status = CTL_EXIT_USAGE;
	if (c->errsz == 0)
		return -1;
	c->err[0] = '\0';
	if (c->req->name) {
		int n = snprintf(c->err, c->errsz, "%s: ", c->req->name);

		if (n > 0)
			used = (size_t)n < c->errsz ? (size_t)n : c->errsz - 1;
	}
	va_start(ap, fmt);
	vsnprintf(c->err + used, c->errsz - used, fmt, ap);
	va_end(ap);
	return -1;
}

static bool more(const struct cursor *c)
{
	return c->i < c->argc;
}

static char *peek(const struct cursor *c)
{
	return more(c) ? c->argv[c->i] : NULL;
}

static char *next(struct cursor *c)
{
	return more(c) ? c->argv[c->i++] : NULL;
}

/* The value of keyword kw, which must follow it. */
static char *value_of(struct cursor *c, const char *kw)
{
	char *v = next(c);

	if (!v)
		usage_err(c, "'%s' needs a value", kw);
	return v;
}

/* --- single values --------------------------------------------------------- */

int ctl_parse_devref(const char *s, struct aegis_devref *d, char *err,
		     size_t errsz)
{
	size_t n = strlen(s);

	memset(d, 0, sizeof(*d));
	if (n > 0 && strspn(s, "0123456789") == n) {
		uint32_t idx;

		if (aegis_parse_u32(s, UINT32_MAX, &idx) || idx == 0) {
			snprintf(err, errsz, "'%s' is not a valid ifindex (1 to 4294967295)", s);
			return -EINVAL;
		}
		d->ifindex = idx;
		return 0;
	}
	if (n == 0 || n >= IFNAMSIZ || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0 || strpbrk(s, "/: \t\n")) {
		snprintf(err, errsz, "'%s' is not a valid interface name (1 to %d characters, no '/', ':' or spaces)",
			 s, IFNAMSIZ - 1);
		return -EINVAL;
	}
	memcpy(d->ifname, s, n + 1);
	return 0;
}

static int parse_dev(struct cursor *c)
{
	char msg[160];
	char *s = next(c);

	if (!s)
		return usage_err(c, "missing DEV (an interface name or ifindex)");
	if (ctl_parse_devref(s, &c->req->dev, msg, sizeof(msg)))
		return usage_err(c, "%s", msg);
	c->req->has_dev = true;
	c->req->dev_arg = s;
	return 0;
}

static int node_id_value(struct cursor *c, const char *what, const char *s,
			 uint8_t id[AEGIS_NODE_ID_LEN])
{
	int ret = aegis_node_id_parse(s, id);

	if (ret == -ERANGE)
		return usage_err(c, "%s must be %d hex characters, got %zu",
				 what, AEGIS_NODE_ID_HEX_LEN, strlen(s));
	if (ret)
		return usage_err(c, "%s '%s' has a character that is not a hex digit",
				 what, s);
	return 0;
}

/* The positional NODEID into req->node_id. */
static int parse_node_id(struct cursor *c)
{
	char *s = next(c);

	if (!s)
		return usage_err(c, "missing NODEID (%d hex characters)",
				 AEGIS_NODE_ID_HEX_LEN);
	if (node_id_value(c, "NODEID", s, c->req->node_id))
		return -1;
	c->req->has_node_id = true;
	return 0;
}

static int u64_value(struct cursor *c, const char *kw, const char *s,
		     uint64_t max, uint64_t *out)
{
	int ret = aegis_parse_u64(s, max, out);

	if (ret)
		return usage_err(c, "%s must be a number from 0 to %llu, got '%s'",
				 kw, (unsigned long long)max, s);
	return 0;
}

static int u32_value(struct cursor *c, const char *kw, const char *s,
		     uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (u64_value(c, kw, s, max, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int on_off_value(struct cursor *c, const char *kw, const char *s,
			bool *out)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "yes") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(s, "off") == 0 || strcmp(s, "no") == 0) {
		*out = false;
		return 0;
	}
	return usage_err(c, "%s must be 'on' or 'off', got '%s'", kw, s);
}

static int slot_value(struct cursor *c, const char *s, uint8_t *slot)
{
	if (strcmp(s, "primary") == 0) {
		*slot = AEGIS_KEY_SLOT_PRIMARY;
		return 0;
	}
	if (strcmp(s, "secondary") == 0) {
		*slot = AEGIS_KEY_SLOT_SECONDARY;
		return 0;
	}
	return usage_err(c, "slot must be 'primary' or 'secondary', got '%s'", s);
}

static int cipher_value(struct cursor *c, const char *s, uint8_t *cipher)
{
	if (strcmp(s, "aes-gcm") == 0 || strcmp(s, "aes-256-gcm") == 0) {
		*cipher = AEGIS_CIPHER_AES_GCM;
		return 0;
	}
	if (strcmp(s, "chacha20poly1305") == 0 ||
	    strcmp(s, "chacha20-poly1305") == 0) {
		*cipher = AEGIS_CIPHER_CHACHA20POLY1305;
		return 0;
	}
	return usage_err(c, "cipher must be 'aes-gcm' or 'chacha20poly1305', got '%s'", s);
}

static int index_value(struct cursor *c, const char *kw, const char *s,
		       uint64_t *out)
{
	int ret = aegis_parse_index(s, out);

	if (ret)
		return usage_err(c, "%s must be 16 hex digits, 0x and up to 16 hex digits, or a decimal number, got '%s'",
				 kw, s);
	return 0;
}

static int secret_value(struct cursor *c, char *s, const char *kw, void *out,
			size_t len)
{
	char msg[256];
	int ret = ctl_secret_hex(s, kw, out, len, msg, sizeof(msg));

	if (!ret)
		return 0;
	usage_err(c, "%s", msg);
	if (ret != -EINVAL)
		c->status = CTL_EXIT_ERROR;	/* I/O, not syntax */
	return -1;
}

/*
 * Keyword options: each keyword at most once. seen is a bit mask over
 * the index of the keyword in kws. Returns the index of the keyword at
 * the cursor, or -1 (error recorded) if it is unknown or repeated.
 */
static int keyword(struct cursor *c, const char *const *kws, unsigned int n,
		   uint32_t *seen)
{
	const char *s = next(c);
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (strcmp(s, kws[i]) != 0)
			continue;
		if (*seen & (1u << i))
			return usage_err(c, "'%s' given twice", s);
		*seen |= 1u << i;
		return (int)i;
	}
	return usage_err(c, "unknown option '%s'", s);
}

static int no_more(struct cursor *c)
{
	if (more(c))
		return usage_err(c, "unexpected argument '%s'", peek(c));
	return 0;
}

/* --- commands ---------------------------------------------------------------- */

static int parse_show(struct cursor *c)
{
	if (more(c) && parse_dev(c))
		return -1;
	return no_more(c);
}

static int parse_dev_set(struct cursor *c)
{
	static const char *const kws[] = { "node-id", "idle-timeout", "hop-limit" };
	struct aegis_nl_dev *d = &c->req->devset;
	uint32_t seen = 0, v;

	if (parse_dev(c))
		return -1;
	if (!more(c))
		return usage_err(c, "nothing to set: give node-id, idle-timeout or hop-limit");
	while (more(c)) {
		int k = keyword(c, kws, 3, &seen);
		const char *s = k < 0 ? NULL : value_of(c, kws[k]);

		if (!s)
			return -1;
		switch (k) {
		case 0:
			if (node_id_value(c, "node-id", s, d->node_id))
				return -1;
			AEGIS_SET(d, AEGIS_DEV_A_NODE_ID);
			break;
		case 1:
			if (u32_value(c, "idle-timeout", s, UINT32_MAX, &d->idle_timeout))
				return -1;
			AEGIS_SET(d, AEGIS_DEV_A_IDLE_TIMEOUT);
			break;
		default:
			if (u32_value(c, "hop-limit", s, UINT8_MAX, &v))
				return -1;
			d->hop_limit = (uint8_t)v;
			AEGIS_SET(d, AEGIS_DEV_A_HOP_LIMIT);
			break;
		}
	}
	return 0;
}

static int parse_bind(struct cursor *c)
{
	struct ctl_req *req = c->req;
	const char *s;
	uint32_t port;

	if (parse_dev(c))
		return -1;
	s = next(c);
	if (!s)
		return usage_err(c, "missing udp4 or udp6");
	if (strcmp(s, "udp4") == 0)
		req->bind_family = AF_INET;
	else if (strcmp(s, "udp6") == 0)
		req->bind_family = AF_INET6;
	else
		return usage_err(c, "expected udp4 or udp6, got '%s'", s);
	s = next(c);
	if (!s)
		return usage_err(c, "missing PORT");
	if (u32_value(c, "PORT", s, UINT16_MAX, &port))
		return -1;
	req->bind_port = (uint16_t)port;
	while (more(c)) {
		s = next(c);
		if (strcmp(s, "--fd-only") != 0)
			return usage_err(c, "unexpected argument '%s'", s);
		if (req->fd_only)
			return usage_err(c, "'--fd-only' given twice");
		req->fd_only = true;
	}
	return 0;
}

static int parse_unbind(struct cursor *c)
{
	if (parse_dev(c))
		return -1;
	AEGIS_SET(&c->req->devset, AEGIS_DEV_A_SOCK_FD);
	c->req->devset.sock_fd = -1;
	return no_more(c);
}

static int parse_node_change(struct cursor *c, bool is_set)
{
	static const char *const kws[] = { "endpoint", "via", "keepalive", "relay" };
	struct aegis_nl_node *n = &c->req->node;
	char msg[200];
	uint32_t seen = 0, v;
	bool on = false;

	if (parse_dev(c) || parse_node_id(c))
		return -1;
	memcpy(n->id, c->req->node_id, sizeof(n->id));
	if (is_set && !more(c))
		return usage_err(c, "nothing to set: give endpoint, via, keepalive or relay");
	while (more(c)) {
		int k = keyword(c, kws, 4, &seen);
		const char *s = k < 0 ? NULL : value_of(c, kws[k]);

		if (!s)
			return -1;
		switch (k) {
		case 0:
			if (aegis_endpoint_parse(s, &n->endpoint, msg, sizeof(msg)))
				return usage_err(c, "%s", msg);
			AEGIS_SET(n, n->endpoint.addr.family == AF_INET ?
				  AEGIS_NODE_A_ENDPOINT_IP4 : AEGIS_NODE_A_ENDPOINT_IP6);
			AEGIS_SET(n, AEGIS_NODE_A_ENDPOINT_PORT);
			break;
		case 1:
			if (strcmp(s, "direct") == 0 || strcmp(s, "none") == 0) {
				n->via_direct = true;
			} else {
				if (node_id_value(c, "via", s, n->via))
					return -1;
				if (memcmp(n->via, n->id, sizeof(n->id)) == 0)
					return usage_err(c, "a node cannot be its own next hop ('via direct' for none)");
			}
			AEGIS_SET(n, AEGIS_NODE_A_VIA);
			break;
		case 2:
			if (strcmp(s, "off") == 0)
				v = 0;
			else if (u32_value(c, "keepalive", s, UINT16_MAX, &v))
				return -1;
			n->keepalive = (uint16_t)v;
			AEGIS_SET(n, AEGIS_NODE_A_KEEPALIVE);
			break;
		default:
			if (on_off_value(c, "relay", s, &on))
				return -1;
			n->flags = on ? AEGIS_NODE_F_RELAY : 0;
			AEGIS_SET(n, AEGIS_NODE_A_FLAGS);
			break;
		}
	}
	return 0;
}

static int parse_node_del(struct cursor *c)
{
	if (parse_dev(c) || parse_node_id(c))
		return -1;
	memcpy(c->req->node.id, c->req->node_id, AEGIS_NODE_ID_LEN);
	return no_more(c);
}

static int parse_node_show(struct cursor *c)
{
	if (parse_dev(c))
		return -1;
	if (more(c) && parse_node_id(c))
		return -1;
	return no_more(c);
}

enum key_kw {
	KW_SLOT, KW_KEY_ID, KW_CIPHER, KW_RX_INDEX, KW_TX_INDEX, KW_ENC_KEY,
	KW_ENC_SALT, KW_DEC_KEY, KW_DEC_SALT, KW_SOFT_LIFETIME,
	KW_HARD_LIFETIME, KW_SOFT_PACKETS, KW_HARD_PACKETS, KW_COUNT
};

static int parse_key_add(struct cursor *c)
{
	static const char *const kws[KW_COUNT] = {
		[KW_SLOT] = "slot", [KW_KEY_ID] = "key-id", [KW_CIPHER] = "cipher",
		[KW_RX_INDEX] = "rx-index", [KW_TX_INDEX] = "tx-index",
		[KW_ENC_KEY] = "enc-key", [KW_ENC_SALT] = "enc-salt",
		[KW_DEC_KEY] = "dec-key", [KW_DEC_SALT] = "dec-salt",
		[KW_SOFT_LIFETIME] = "soft-lifetime",
		[KW_HARD_LIFETIME] = "hard-lifetime",
		[KW_SOFT_PACKETS] = "soft-packets",
		[KW_HARD_PACKETS] = "hard-packets",
	};
	static const unsigned int required[] = {
		KW_SLOT, KW_KEY_ID, KW_CIPHER, KW_RX_INDEX, KW_TX_INDEX,
		KW_ENC_KEY, KW_ENC_SALT, KW_DEC_KEY, KW_DEC_SALT,
	};
	struct aegis_nl_key *k = &c->req->key;
	uint32_t seen = 0, v;
	unsigned int i;

	if (parse_dev(c) || parse_node_id(c))
		return -1;
	memcpy(k->node_id, c->req->node_id, sizeof(k->node_id));
	while (more(c)) {
		int kw = keyword(c, kws, KW_COUNT, &seen);
		char *s = kw < 0 ? NULL : value_of(c, kws[kw]);

		if (!s)
			return -1;
		switch (kw) {
		case KW_SLOT:
			if (slot_value(c, s, &k->slot))
				return -1;
			AEGIS_SET(k, AEGIS_KEY_A_SLOT);
			break;
		case KW_KEY_ID:
			if (u32_value(c, "key-id", s, AEGIS_KEY_ID_MAX, &v))
				return -1;
			k->key_id = (uint8_t)v;
			AEGIS_SET(k, AEGIS_KEY_A_KEY_ID);
			break;
		case KW_CIPHER:
			if (cipher_value(c, s, &k->cipher))
				return -1;
			AEGIS_SET(k, AEGIS_KEY_A_CIPHER);
			break;
		case KW_RX_INDEX:
			if (index_value(c, "rx-index", s, &k->rx_index))
				return -1;
			AEGIS_SET(k, AEGIS_KEY_A_RX_INDEX);
			break;
		case KW_TX_INDEX:
			if (index_value(c, "tx-index", s, &k->tx_index))
				return -1;
			AEGIS_SET(k, AEGIS_KEY_A_TX_INDEX);
			break;
		case KW_ENC_KEY:
			if (secret_value(c, s, "enc-key", k->enc.key, AEGIS_KEY_LEN))
				return -1;
			break;
		case KW_ENC_SALT:
			if (secret_value(c, s, "enc-salt", k->enc.salt, AEGIS_NONCE_SALT_LEN))
				return -1;
			break;
		case KW_DEC_KEY:
			if (secret_value(c, s, "dec-key", k->dec.key, AEGIS_KEY_LEN))
				return -1;
			break;
		case KW_DEC_SALT:
			if (secret_value(c, s, "dec-salt", k->dec.salt, AEGIS_NONCE_SALT_LEN))
				return -1;
			break;
		case KW_SOFT_LIFETIME:
			if (u32_value(c, "soft-lifetime", s, UINT32_MAX, &k->soft_lifetime))
				return -1;
			AEGIS_SET(k, AEGIS_KEY_A_SOFT_LIFETIME);
			break;
		case KW_HARD_LIFETIME:
			if (u32_value(c, "hard-lifetime", s, UINT32_MAX, &k->hard_lifetime))
				return -1;
			AEGIS_SET(k, AEGIS_KEY_A_HARD_LIFETIME);
			break;
		case KW_SOFT_PACKETS:
			if (u64_value(c, "soft-packets", s, UINT64_MAX, &k->soft_packets))
				return -1;
			AEGIS_SET(k, AEGIS_KEY_A_SOFT_PACKETS);
			break;
		default:
			if (u64_value(c, "hard-packets", s, UINT64_MAX, &k->hard_packets))
				return -1;
			AEGIS_SET(k, AEGIS_KEY_A_HARD_PACKETS);
			break;
		}
	}
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!(seen & (1u << required[i])))
			return usage_err(c, "missing %s", kws[required[i]]);
	AEGIS_SET(k, AEGIS_KEY_A_ENCRYPT);
	AEGIS_SET(k, AEGIS_KEY_A_DECRYPT);
	return 0;
}

/* DEV NODEID [slot S]; the slot is required for key del. */
static int parse_key_target(struct cursor *c, bool need_slot, bool allow_slot)
{
	struct aegis_nl_key *k = &c->req->key;

	if (parse_dev(c) || parse_node_id(c))
		return -1;
	memcpy(k->node_id, c->req->node_id, sizeof(k->node_id));
	if (allow_slot && more(c)) {
		const char *kw = next(c), *s;

		if (strcmp(kw, "slot") != 0)
			return usage_err(c, "unknown option '%s'", kw);
		s = value_of(c, "slot");
		if (!s || slot_value(c, s, &k->slot))
			return -1;
		AEGIS_SET(k, AEGIS_KEY_A_SLOT);
	}
	if (need_slot && !AEGIS_HAS(k, AEGIS_KEY_A_SLOT))
		return usage_err(c, "missing slot primary|secondary");
	return no_more(c);
}

static int parse_prefix_change(struct cursor *c)
{
	struct aegis_prefix_entry *p = &c->req->prefix;
	char msg[200];
	const char *s;

	if (parse_dev(c) || parse_node_id(c))
		return -1;
	memcpy(p->node_id, c->req->node_id, sizeof(p->node_id));
	AEGIS_SET(p, AEGIS_PREFIX_A_NODE_ID);
	s = next(c);
	if (!s)
		return usage_err(c, "missing PREFIX (like 10.0.0.0/24 or fd00::/64)");
	if (aegis_prefix_parse(s, &p->prefix, msg, sizeof(msg)))
		return usage_err(c, "%s", msg);
	AEGIS_SET(p, p->prefix.addr.family == AF_INET ? AEGIS_PREFIX_A_IP4 :
		  AEGIS_PREFIX_A_IP6);
	AEGIS_SET(p, AEGIS_PREFIX_A_LEN);
	return no_more(c);
}

static int parse_prefix_show(struct cursor *c)
{
	if (parse_dev(c))
		return -1;
	if (more(c) && parse_node_id(c))
		return -1;
	return no_more(c);
}

static int parse_monitor(struct cursor *c)
{
	struct ctl_req *req = c->req;
	bool has_count = false, has_timeout = false;

	while (more(c)) {
		const char *opt = next(c), *s;

		if (strcmp(opt, "--count") == 0) {
			if (has_count)
				return usage_err(c, "'--count' given twice");
			s = value_of(c, "--count");
			if (!s || u64_value(c, "--count", s, UINT64_MAX, &req->count))
				return -1;
			if (req->count == 0)
				return usage_err(c, "--count must be at least 1");
			has_count = true;
		} else if (strcmp(opt, "--timeout") == 0) {
			if (has_timeout)
				return usage_err(c, "'--timeout' given twice");
			s = value_of(c, "--timeout");
			if (!s || u32_value(c, "--timeout", s, UINT32_MAX / 1000, &req->timeout))
				return -1;
			if (req->timeout == 0)
				return usage_err(c, "--timeout must be at least 1 second");
			has_timeout = true;
		} else {
			return usage_err(c, "unexpected argument '%s'", opt);
		}
	}
	return 0;
}

/* --- dispatch ------------------------------------------------------------------ */

struct command {
	const char *word1;
	const char *word2;		/* NULL: one-word command */
	enum ctl_op op;
	const char *name;
	bool json;			/* accepts --json */
};

static const struct command commands[] = {
	{ "help", NULL, CTL_OP_HELP, "help", false },
	{ "version", NULL, CTL_OP_VERSION, "version", false },
	{ "show", NULL, CTL_OP_SHOW, "show", true },
	{ "dev", "set", CTL_OP_DEV_SET, "dev set", false },
	{ "bind", NULL, CTL_OP_BIND, "bind", false },
	{ "unbind", NULL, CTL_OP_UNBIND, "unbind", false },
	{ "node", "add", CTL_OP_NODE_ADD, "node add", false },
	{ "node", "set", CTL_OP_NODE_SET, "node set", false },
	{ "node", "del", CTL_OP_NODE_DEL, "node del", false },
	{ "node", "show", CTL_OP_NODE_SHOW, "node show", true },
	{ "key", "add", CTL_OP_KEY_ADD, "key add", false },
	{ "key", "swap", CTL_OP_KEY_SWAP, "key swap", false },
	{ "key", "del", CTL_OP_KEY_DEL, "key del", false },
	{ "key", "show", CTL_OP_KEY_SHOW, "key show", true },
	{ "prefix", "add", CTL_OP_PREFIX_ADD, "prefix add", false },
	{ "prefix", "del", CTL_OP_PREFIX_DEL, "prefix del", false },
	{ "prefix", "show", CTL_OP_PREFIX_SHOW, "prefix show", true },
	{ "monitor", NULL, CTL_OP_MONITOR, "monitor", true },
};

static const struct command *find_command(struct cursor *c)
{
	const char *w1 = next(c);
	const char *w2 = peek(c);
	bool known_word1 = false;
	size_t i;

	if (strcmp(w1, "-h") == 0 || strcmp(w1, "--help") == 0)
		w1 = "help";
	else if (strcmp(w1, "-V") == 0 || strcmp(w1, "--version") == 0)
		w1 = "version";
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *cmd = &commands[i];

		if (strcmp(cmd->word1, w1) != 0)
			continue;
		known_word1 = true;
		if (!cmd->word2)
			return cmd;
		if (w2 && strcmp(cmd->word2, w2) == 0) {
			c->i++;
			return cmd;
		}
	}
	if (known_word1 && w2)
		usage_err(c, "unknown command '%s %s'", w1, w2);
	else if (known_word1)
		usage_err(c, "'%s' needs a subcommand", w1);
	else
		usage_err(c, "unknown command '%s'", w1);
	return NULL;
}

int ctl_parse_args(int argc, char **argv, struct ctl_req *req, char *err,
		   size_t errsz)
{
	struct cursor c = {
		.argv = argv, .i = 1, .req = req, .err = err, .errsz = errsz,
		.status = CTL_EXIT_OK,
	};
	const struct command *cmd;
	int i, ret;

	memset(req, 0, sizeof(*req));
	if (errsz)
		err[0] = '\0';
	/* --json (or -j) may go anywhere after the command words: take it out. */
	c.argc = 0;
	for (i = 0; i < argc; i++) {
		if (i > 0 && (strcmp(argv[i], "--json") == 0 ||
			      strcmp(argv[i], "-j") == 0))
			req->json = true;
		else
			argv[c.argc++] = argv[i];
	}
	if (c.argc < 2) {
		req->op = CTL_OP_SHOW;		/* like wg: no arguments = show */
		req->name = "show";
		return CTL_EXIT_OK;
	}
	cmd = find_command(&c);
	if (!cmd)
		return c.status;
	req->op = cmd->op;
	req->name = cmd->name;
	if (req->json && !cmd->json) {
		usage_err(&c, "--json is not supported here");
		return c.status;
	}
	switch (cmd->op) {
	case CTL_OP_HELP:
	case CTL_OP_VERSION:
		ret = 0;	/* trailing words ignored: "help node" */
		break;
	case CTL_OP_SHOW:
		ret = parse_show(&c);
		break;
	case CTL_OP_DEV_SET:
		ret = parse_dev_set(&c);
		break;
	case CTL_OP_BIND:
		ret = parse_bind(&c);
		break;
	case CTL_OP_UNBIND:
		ret = parse_unbind(&c);
		break;
	case CTL_OP_NODE_ADD:
		ret = parse_node_change(&c, false);
		break;
	case CTL_OP_NODE_SET:
		ret = parse_node_change(&c, true);
		break;
	case CTL_OP_NODE_DEL:
		ret = parse_node_del(&c);
		break;
	case CTL_OP_NODE_SHOW:
		ret = parse_node_show(&c);
		break;
	case CTL_OP_KEY_ADD:
		ret = parse_key_add(&c);
		break;
	case CTL_OP_KEY_SWAP:
		ret = parse_key_target(&c, false, false);
		break;
	case CTL_OP_KEY_DEL:
		ret = parse_key_target(&c, true, true);
		break;
	case CTL_OP_KEY_SHOW:
		ret = parse_key_target(&c, false, true);
		break;
	case CTL_OP_PREFIX_ADD:
	case CTL_OP_PREFIX_DEL:
		ret = parse_prefix_change(&c);
		break;
	case CTL_OP_PREFIX_SHOW:
		ret = parse_prefix_show(&c);
		break;
	case CTL_OP_MONITOR:
		ret = parse_monitor(&c);
		break;
	default:
		ret = usage_err(&c, "internal error: unhandled command");
		break;
	}
	if (ret) {
		ctl_req_wipe(req);
		return c.status;
	}
	return CTL_EXIT_OK;
}

void ctl_req_wipe(struct ctl_req *req)
{
	aegis_key_wipe(&req->key);
}
