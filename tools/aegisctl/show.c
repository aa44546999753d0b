// SPDX-License-Identifier: MIT
/*
 * aegisctl show, node show, key show, prefix show: query the kernel
 * (DEV_GET, NODE_GET, KEY_GET, PREFIX_GET) and print the result.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "hex.h"
#include "print.h"

/* --- growable arrays ---------------------------------------------------------- */

/* Make room for one more element. Returns 0 or -ENOMEM. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / elem)
		return -ENOMEM;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct node_entry {
	struct aegis_nl_node node;
	struct aegis_nl_key keys[2];
	bool has_key[2];
};

struct dev_entry {
	struct aegis_nl_dev dev;
	struct aegis_msg_info info;
	struct node_entry *nodes;
	size_t nnodes, nodes_cap;
	bool nodes_known;
	bool keys_known;
	struct aegis_prefix_entry *prefixes;
	size_t nprefixes, prefixes_cap;
	bool prefixes_known;
};

struct dev_list {
	struct dev_entry *v;
	size_t n, cap;
};

static void dev_list_free(struct dev_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].nodes);
		free(l->v[i].prefixes);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* --- reply callbacks ----------------------------------------------------------- */

static int dev_cb(const struct nlmsghdr *nlh, void *arg, char *err, size_t errsz)
{
	struct dev_list *l = arg;
	struct aegis_msg_info info;
	const struct nlattr *a, *head;
	int len, rem, ret;

	ret = aegis_parse_info(nlh, &info, err, errsz);
	if (ret)
		return ret;
	head = aegis_msg_attrs(nlh, &len);
	for (a = head, rem = len; nla_ok(a, rem); a = nla_next(a, &rem)) {
		struct dev_entry *e;

		if (nla_type(a) != AEGIS_A_DEV)
			continue;
		if (grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v))) {
			snprintf(err, errsz, "out of memory");
			return -ENOMEM;
		}
		e = &l->v[l->n];
		memset(e, 0, sizeof(*e));
		ret = aegis_parse_dev(a, &e->dev, err, errsz);
		if (ret)
			return ret;
		e->info = info;
		l->n++;
	}
	return 0;
}

static int node_cb(const struct nlmsghdr *nlh, void *arg, char *err, size_t errsz)
{
	struct dev_entry *d = arg;
	struct aegis_msg_info info;
	const struct nlattr *a, *head;
	int len, rem, ret;

	ret = aegis_parse_info(nlh, &info, err, errsz);
	if (ret)
		return ret;
	head = aegis_msg_attrs(nlh, &len);
	for (a = head, rem = len; nla_ok(a, rem); a = nla_next(a, &rem)) {
		struct node_entry *e;

		if (nla_type(a) != AEGIS_A_NODE)
			continue;
		if (grow((void **)&d->nodes, &d->nodes_cap, d->nnodes, sizeof(*d->nodes))) {
			snprintf(err, errsz, "out of memory");
			return -ENOMEM;
		}
		e = &d->nodes[d->nnodes];
		memset(e, 0, sizeof(*e));
		ret = aegis_parse_node(a, &e->node, err, errsz);
		if (ret)
			return ret;
		d->nnodes++;
	}
	return 0;
}

struct key_ctx {
	uint8_t slot;			/* the slot asked for */
	struct aegis_nl_key *keys;		/* [2], by slot */
	bool *has;			/* [2] */
};

static int key_cb(const struct nlmsghdr *nlh, void *arg, char *err, size_t errsz)
{
	struct key_ctx *ctx = arg;
	struct aegis_msg_info info;
	const struct nlattr *a, *head;
	struct aegis_nl_key k;
	int len, rem, ret;

	ret = aegis_parse_info(nlh, &info, err, errsz);
	if (ret)
		return ret;
	head = aegis_msg_attrs(nlh, &len);
	for (a = head, rem = len; nla_ok(a, rem); a = nla_next(a, &rem)) {
		if (nla_type(a) != AEGIS_A_KEY)
			continue;
		ret = aegis_parse_key(a, &k, err, errsz);
		if (ret)
			return ret;
		if (!AEGIS_HAS(&k, AEGIS_KEY_A_SLOT)) {
			k.slot = ctx->slot;
			AEGIS_SET(&k, AEGIS_KEY_A_SLOT);
		}
		if (k.slot > AEGIS_KEY_SLOT_SECONDARY) {
			snprintf(err, errsz, "malformed message: key slot %u", k.slot);
			return -EBADMSG;
		}
		ctx->keys[k.slot] = k;
		ctx->has[k.slot] = true;
	}
	return 0;
}

struct prefix_sink {
	/* Collect into a device entry, or print as they come. */
	struct dev_entry *collect;
	const struct ctl_req *req;	/* filter (NODEID) and format */
	struct aegis_json *json;
	FILE *out;
};

static int prefix_cb(const struct nlmsghdr *nlh, void *arg, char *err, size_t errsz)
{
	struct prefix_sink *s = arg;
	struct aegis_msg_info info;
	const struct nlattr *a, *head;
	struct aegis_prefix_entry p;
	int len, rem, ret;

	ret = aegis_parse_info(nlh, &info, err, errsz);
	if (ret)
		return ret;
	head = aegis_msg_attrs(nlh, &len);
	for (a = head, rem = len; nla_ok(a, rem); a = nla_next(a, &rem)) {
		if (nla_type(a) != AEGIS_A_PREFIX)
			continue;
		ret = aegis_parse_prefix(a, &p, err, errsz);
		if (ret)
			return ret;
		if (s->collect) {
			struct dev_entry *d = s->collect;

			if (grow((void **)&d->prefixes, &d->prefixes_cap,
				 d->nprefixes, sizeof(*d->prefixes))) {
				snprintf(err, errsz, "out of memory");
				return -ENOMEM;
			}
			d->prefixes[d->nprefixes++] = p;
			continue;
		}
		if (s->req->has_node_id &&
		    (!AEGIS_HAS(&p, AEGIS_PREFIX_A_NODE_ID) ||
		     memcmp(p.node_id, s->req->node_id, AEGIS_NODE_ID_LEN)))
			continue;
		if (s->json)
			ctl_json_prefix(s->json, &p);
		else
			ctl_print_prefix(s->out, &p);
	}
	return 0;
}

/* --- requests ------------------------------------------------------------------ */

/* A request for cmd about device ref. NULL (g->errmsg set) if out of memory. */
static struct nl_msg *new_request(struct aegis_genl *g, uint8_t cmd, int flags,
				  const struct aegis_devref *ref)
{
	struct nl_msg *msg = aegis_genl_msg_new(g, cmd, flags);

	if (msg && (!ref || !aegis_put_devref(msg, ref)))
		return msg;
	nlmsg_free(msg);
	snprintf(g->errmsg, sizeof(g->errmsg), "cannot build the request");
	return NULL;
}

/* The device a follow-up request should name: by the ifindex the kernel gave. */
static void ref_of(const struct aegis_nl_dev *d, const struct aegis_devref *fallback,
		   struct aegis_devref *ref)
{
	memset(ref, 0, sizeof(*ref));
	if (AEGIS_HAS(d, AEGIS_DEV_A_IFINDEX))
		ref->ifindex = d->ifindex;
	else if (AEGIS_HAS(d, AEGIS_DEV_A_IFNAME))
		memcpy(ref->ifname, d->ifname, sizeof(ref->ifname));
	else if (fallback)
		*ref = *fallback;
}

/* DEV_GET: do for one device, or dump. Returns 0 or -errno (g->errmsg). */
static int fetch_devs(struct aegis_genl *g, const struct aegis_devref *ref,
		      struct dev_list *l, bool *intr)
{
	struct nl_msg *msg = new_request(g, AEGIS_CMD_DEV_GET,
					 ref ? 0 : NLM_F_DUMP, ref);
	int ret;

	if (!msg)
		return -ENOMEM;
	ret = aegis_genl_request(g, msg, dev_cb, l);
	nlmsg_free(msg);
	*intr |= g->dump_intr;
	if (!ret && ref && l->n == 0) {
		snprintf(g->errmsg, sizeof(g->errmsg), "the kernel sent no device");
		ret = -EBADMSG;
	}
	return ret;
}

/* NODE_GET: one node (id) or dump of the device. */
static int fetch_nodes(struct aegis_genl *g, const struct aegis_devref *ref,
		       const uint8_t *id, struct dev_entry *d, bool *intr)
{
	struct nl_msg *msg = new_request(g, AEGIS_CMD_NODE_GET,
					 id ? 0 : NLM_F_DUMP, ref);
	int ret;

	if (!msg)
		return -ENOMEM;
	if (id) {
		struct aegis_nl_node n = { 0 };

		memcpy(n.id, id, sizeof(n.id));
		if (aegis_put_node(msg, &n)) {
			nlmsg_free(msg);
			snprintf(g->errmsg, sizeof(g->errmsg), "cannot build the request");
			return -ENOMEM;
		}
	}
	ret = aegis_genl_request(g, msg, node_cb, d);
	nlmsg_free(msg);
	*intr |= g->dump_intr;
	if (!ret)
		d->nodes_known = true;
	return ret;
}

/* Does the error of the last request blame AEGIS_A_KEY/AEGIS_KEY_A_SLOT? */
static bool blames_slot(const struct aegis_genl *g, struct nl_msg *msg)
{
	uint16_t path[AEGIS_GENL_MAX_PATH];

	return g->ack.has_offs &&
	       aegis_genl_attr_path(nlmsg_hdr(msg), g->ack.offs, path,
				    AEGIS_GENL_MAX_PATH) == 2 &&
	       path[0] == AEGIS_A_KEY && path[1] == AEGIS_KEY_A_SLOT;
}

/*
 * KEY_GET: the kernel answers with one AEGIS_A_KEY nest per installed slot,
 * or only the slot asked for (ENOENT blaming the slot: it is empty). With
 * node_may_vanish (show), ENOENT for the node itself counts as no keys: it
 * was deleted since it was listed. Returns 0 or -errno.
 */
static int fetch_keys(struct aegis_genl *g, const struct aegis_devref *ref,
		      const uint8_t *id, const uint8_t *only_slot,
		      bool node_may_vanish, struct aegis_nl_key keys[2], bool has[2])
{
	struct aegis_nl_key k = { 0 };
	struct key_ctx ctx = {
		.slot = only_slot ? *only_slot : AEGIS_KEY_SLOT_PRIMARY,
		.keys = keys,
		.has = has,
	};
	struct nl_msg *msg = new_request(g, AEGIS_CMD_KEY_GET, 0, ref);
	int ret;

	if (!msg)
		return -ENOMEM;
	memcpy(k.node_id, id, sizeof(k.node_id));
	if (only_slot) {
		k.slot = *only_slot;
		AEGIS_SET(&k, AEGIS_KEY_A_SLOT);
	}
	if (aegis_put_key(msg, &k)) {
		nlmsg_free(msg);
		snprintf(g->errmsg, sizeof(g->errmsg), "cannot build the request");
		return -ENOMEM;
	}
	ret = aegis_genl_request(g, msg, key_cb, &ctx);
	if (ret == -ENOENT && ((only_slot && blames_slot(g, msg)) || node_may_vanish))
		ret = 0;
	nlmsg_free(msg);
	/* Only the slot asked for, whatever the kernel sent. */
	if (!ret && only_slot)
		has[!*only_slot] = false;
	return ret;
}

static int fetch_prefixes(struct aegis_genl *g, const struct aegis_devref *ref,
			  struct prefix_sink *sink, bool *intr)
{
	struct nl_msg *msg = new_request(g, AEGIS_CMD_PREFIX_GET,
					 NLM_F_DUMP, ref);
	int ret;

	if (!msg)
		return -ENOMEM;
	ret = aegis_genl_request(g, msg, prefix_cb, sink);
	nlmsg_free(msg);
	*intr |= g->dump_intr;
	return ret;
}

/* "show aegis0" when DEV was given, else "show". */
static const char *what_of(const struct ctl_req *req, char *buf, size_t size)
{
	if (req->has_dev)
		snprintf(buf, size, "%s %s", req->name, req->dev_arg);
	else
		snprintf(buf, size, "%s", req->name);
	return buf;
}

static int finish(const char *what, struct aegis_json *j, bool intr)
{
	if (j && aegis_json_finish(j))
		return ctl_fail(what, "cannot write the output");
	if (!j && (fflush(stdout) || ferror(stdout)))
		return ctl_fail(what, "cannot write the output");
	if (intr) {
		ctl_fail(what, "dump interrupted, retry");
		return CTL_EXIT_INTR;
	}
	return CTL_EXIT_OK;
}

/* --- show ------------------------------------------------------------------------ */

/* Optional parts a module may not implement yet: warn once, show the rest. */
static int optional(int ret, const char *part, bool *warned)
{
	if (ret != -EOPNOTSUPP)
		return ret;
	if (!*warned)
		ctl_warn("the aegisray module does not support %s: not shown", part);
	*warned = true;
	return 0;
}

static int cmp_prefix_ptr(const void *a, const void *b)
{
	const struct aegis_prefix_entry *const *pa = a;
	const struct aegis_prefix_entry *const *pb = b;
	int c = memcmp((*pa)->node_id, (*pb)->node_id, AEGIS_NODE_ID_LEN);

	/* Same node: keep the kernel's order (they point into one array). */
	if (c == 0)
		c = *pa < *pb ? -1 : *pa > *pb;
	return c;
}

/*
 * Group the prefixes of d by node: sorted holds pointers to them ordered
 * by node id; for node id, *first and the return value give its run.
 */
static size_t prefix_run(const struct aegis_prefix_entry *const *sorted,
			 size_t n, const uint8_t *id, size_t *first)
{
	size_t lo = 0, hi = n, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(sorted[mid]->node_id, id, AEGIS_NODE_ID_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < n && !memcmp(sorted[end]->node_id, id, AEGIS_NODE_ID_LEN); end++)
		;
	*first = lo;
	return end - lo;
}

static void print_dev_entry(const struct dev_entry *d, struct aegis_json *j,
			    const struct aegis_prefix_entry **sorted,
			    uint64_t now)
{
	bool *shown = NULL;
	size_t i, k;

	if (d->prefixes_known && d->nprefixes) {
		for (i = 0; i < d->nprefixes; i++)
			sorted[i] = &d->prefixes[i];
		qsort(sorted, d->nprefixes, sizeof(*sorted), cmp_prefix_ptr);
		shown = calloc(d->nprefixes, sizeof(*shown));
	}
	if (j) {
		aegis_json_object_begin(j);
		ctl_json_dev_members(j, &d->dev, &d->info);
	} else {
		ctl_print_dev(stdout, &d->dev);
	}
	/* Mark the prefixes that belong to a listed node. */
	for (i = 0; shown && d->nodes_known && i < d->nnodes; i++) {
		size_t first, run = prefix_run(sorted, d->nprefixes,
					       d->nodes[i].node.id, &first);

		for (k = 0; k < run; k++)
			shown[first + k] = true;
	}
	/* Prefixes of no listed node (or nodes not known) at device level. */
	if (d->prefixes_known && (shown || !d->nodes_known)) {
		bool any = false;

		for (i = 0; i < d->nprefixes; i++) {
			if (shown && shown[i])
				continue;
			if (j) {
				if (!any) {
					aegis_json_key(j, "prefixes");
					aegis_json_array_begin(j);
				}
				ctl_json_prefix(j, sorted[i]);
			} else {
				char id[AEGIS_NODE_ID_HEX_SIZE], p[AEGIS_PREFIX_STRSIZE];

				aegis_node_id_format(sorted[i]->node_id, id);
				if (aegis_prefix_format(&sorted[i]->prefix, p, sizeof(p)))
					snprintf(p, sizeof(p), "(invalid)");
				printf("  prefix: %s -> node %s\n", p, id);
			}
			any = true;
		}
		if (j && any)
			aegis_json_array_end(j);
	}
	if (d->nodes_known) {
		if (j) {
			aegis_json_key(j, "nodes");
			aegis_json_array_begin(j);
		}
		for (i = 0; i < d->nnodes; i++) {
			const struct node_entry *e = &d->nodes[i];
			struct ctl_node_view v = {
				.node = &e->node,
				.keys_known = d->keys_known,
				.keys = {
					e->has_key[0] ? &e->keys[0] : NULL,
					e->has_key[1] ? &e->keys[1] : NULL,
				},
				.prefixes_known = d->prefixes_known,
			};
			size_t first = 0;

			if (d->prefixes_known)
				v.nprefixes = prefix_run(sorted, d->nprefixes,
							 e->node.id, &first);
			v.prefixes = sorted ? sorted + first : NULL;
			if (j) {
				ctl_json_node(j, &v, now);
			} else {
				putchar('\n');
				ctl_print_node(stdout, &v, now);
			}
		}
		if (j)
			aegis_json_array_end(j);
	}
	if (j)
		aegis_json_object_end(j);
	free(shown);
}

int ctl_cmd_show(struct aegis_genl *g, const struct ctl_req *req)
{
	const struct aegis_prefix_entry **sorted = NULL;
	bool intr = false, warned_nodes = false, warned_keys = false,
	     warned_prefixes = false;
	struct dev_list l = { 0 };
	struct aegis_json json, *j = NULL;
	char what[64];
	size_t i, n, maxp = 0;
	int ret, status;

	what_of(req, what, sizeof(what));
	ret = fetch_devs(g, req->has_dev ? &req->dev : NULL, &l, &intr);
	if (ret)
		goto fail;
	for (i = 0; i < l.n; i++) {
		struct dev_entry *d = &l.v[i];
		struct aegis_devref ref;

		ref_of(&d->dev, req->has_dev ? &req->dev : NULL, &ref);
		if (!warned_nodes) {
			ret = optional(fetch_nodes(g, &ref, NULL, d, &intr),
				       "listing nodes (NODE_GET)", &warned_nodes);
			if (ret)
				goto fail;
		}
		d->keys_known = d->nodes_known && !warned_keys;
		for (n = 0; d->keys_known && n < d->nnodes; n++) {
			struct node_entry *e = &d->nodes[n];

			ret = optional(fetch_keys(g, &ref, e->node.id, NULL, true,
						  e->keys, e->has_key),
				       "key queries (KEY_GET)", &warned_keys);
			if (ret)
				goto fail;
			if (warned_keys)
				d->keys_known = false;
		}
		if (!warned_prefixes) {
			struct prefix_sink sink = { .collect = d, .req = req };

			ret = optional(fetch_prefixes(g, &ref, &sink, &intr),
				       "listing prefixes (PREFIX_GET)", &warned_prefixes);
			if (ret)
				goto fail;
			d->prefixes_known = !warned_prefixes;
		}
		if (d->nprefixes > maxp)
			maxp = d->nprefixes;
	}
	if (maxp) {
		sorted = calloc(maxp, sizeof(*sorted));
		if (!sorted) {
			dev_list_free(&l);
			return ctl_fail(what, "out of memory");
		}
	}
	if (req->json) {
		j = &json;
		aegis_json_init(j, stdout);
		if (!req->has_dev)
			aegis_json_array_begin(j);
	}
	for (i = 0; i < l.n; i++) {
		if (!j && i)
			putchar('\n');
		print_dev_entry(&l.v[i], j, sorted, ctl_boottime_ns());
	}
	if (j && !req->has_dev)
		aegis_json_array_end(j);
	status = finish(what, j, intr);
	free(sorted);
	dev_list_free(&l);
	return status;

fail:
	dev_list_free(&l);
	return ctl_fail(what, "%s", g->errmsg);
}

/* --- node show, key show, prefix show -------------------------------------------- */

int ctl_cmd_node_show(struct aegis_genl *g, const struct ctl_req *req)
{
	struct dev_entry d = { 0 };
	struct aegis_json json, *j = NULL;
	bool intr = false;
	char what[64];
	uint64_t now;
	size_t i;
	int ret, status;

	what_of(req, what, sizeof(what));
	ret = fetch_nodes(g, &req->dev, req->has_node_id ? req->node_id : NULL,
			  &d, &intr);
	if (ret) {
		free(d.nodes);
		return ctl_fail(what, "%s", g->errmsg);
	}
	if (req->has_node_id && d.nnodes == 0) {
		free(d.nodes);
		return ctl_fail(what, "the kernel sent no node");
	}
	now = ctl_boottime_ns();
	if (req->json) {
		j = &json;
		aegis_json_init(j, stdout);
		if (!req->has_node_id)
			aegis_json_array_begin(j);
	}
	for (i = 0; i < d.nnodes; i++) {
		struct ctl_node_view v = { .node = &d.nodes[i].node };

		if (j) {
			ctl_json_node(j, &v, now);
			if (req->has_node_id)
				break;
		} else {
			if (i)
				putchar('\n');
			ctl_print_node(stdout, &v, now);
		}
	}
	if (j && !req->has_node_id)
		aegis_json_array_end(j);
	status = finish(what, j, intr);
	free(d.nodes);
	return status;
}

int ctl_cmd_key_show(struct aegis_genl *g, const struct ctl_req *req)
{
	struct aegis_nl_key keys[2];
	bool has[2] = { false, false };
	struct aegis_json json;
	char what[64], id[AEGIS_NODE_ID_HEX_SIZE];
	int ret, i;

	what_of(req, what, sizeof(what));
	memset(keys, 0, sizeof(keys));
	ret = fetch_keys(g, &req->dev, req->node_id,
			 AEGIS_HAS(&req->key, AEGIS_KEY_A_SLOT) ? &req->key.slot : NULL,
			 false, keys, has);
	if (ret)
		return ctl_fail(what, "%s", g->errmsg);
	if (req->json) {
		aegis_json_init(&json, stdout);
		aegis_json_array_begin(&json);
		for (i = 0; i < 2; i++)
			if (has[i])
				ctl_json_key(&json, &keys[i]);
		aegis_json_array_end(&json);
		return finish(what, &json, false);
	}
	aegis_node_id_format(req->node_id, id);
	printf("node: %s\n", id);
	if (!has[0] && !has[1])
		printf("  keys: none\n");
	for (i = 0; i < 2; i++)
		if (has[i])
			ctl_print_key(stdout, "  ", &keys[i]);
	return finish(what, NULL, false);
}

int ctl_cmd_prefix_show(struct aegis_genl *g, const struct ctl_req *req)
{
	struct aegis_json json;
	struct prefix_sink sink = { .req = req, .out = stdout };
	bool intr = false;
	char what[64];
	int ret;

	what_of(req, what, sizeof(what));
	if (req->json) {
		aegis_json_init(&json, stdout);
		aegis_json_array_begin(&json);
		sink.json = &json;
	}
	ret = fetch_prefixes(g, &req->dev, &sink, &intr);
	if (ret)
		return ctl_fail(what, "%s", g->errmsg);
	if (req->json)
		aegis_json_array_end(&json);
	return finish(what, req->json ? &json : NULL, intr);
}
