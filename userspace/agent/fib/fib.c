// SPDX-License-Identifier: MIT
/*
 * The fib reconciler (see fib.h for the rules it follows).
 *
 * Every node and every prefix has a wanted and an installed half. A change
 * to the wanted half puts the item on a dirty list; fib_sync() walks only
 * those lists, in five passes:
 *
 *   1. OS routes nobody asks for any more (before their prefix goes);
 *   2. nodes to create or change: a node's next hop first, and the nodes
 *      routed through a node re-pointed before it stops being direct;
 *   3. prefixes to add, move to another claimant, or remove (those of a
 *      node that goes are left to its node_del);
 *   4. nodes to delete: their prefixes handed over first, the nodes routed
 *      through them re-pointed or deleted first;
 *   5. OS routes for prefixes now in the kernel.
 *
 * An item is worked on at most once a sync (an epoch mark), and leaves the
 * dirty list only when its installed half matches; unwanted items that are
 * installed nowhere are freed then.
 *
 * Nodes are keyed by id, prefixes by family/address/length, each in a
 * chained hash table that doubles when it holds as many items as buckets.
 * A claim links a node to a prefix it wants (on two lists: the node's and
 * the prefix's, oldest first); installed next hops and prefix owners are
 * linked the other way too (a node's dependents, a node's owned prefixes),
 * so that removing a node touches only what hangs on it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fib/fib.h"

#define HTAB_MIN_SIZE	64

struct fib_list {
	struct fib_list *next, *prev;
};

#define fib_entry(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define list_for_each(pos, head) \
	for (pos = (head)->next; pos != (head); pos = pos->next)

#define list_for_each_safe(pos, tmp, head) \
	for (pos = (head)->next, tmp = pos->next; pos != (head); \
	     pos = tmp, tmp = pos->next)

static void list_init(struct fib_list *l)
{
	l->next = l;
	l->prev = l;
}

static bool list_empty(const struct fib_list *l)
{
	return l->next == l;
}

static void list_add_tail(struct fib_list *e, struct fib_list *head)
{
	e->prev = head->prev;
	e->next = head;
	head->prev->next = e;
	head->prev = e;
}

static void list_del_init(struct fib_list *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	list_init(e);
}

/* ---- hash table ------------------------------------------------------ */

struct fib_hnode {
	struct fib_hnode *next;
	uint32_t hash;
};

struct fib_htab {
	struct fib_hnode **b;
	size_t size;		/* a power of two; 0 before the first add */
	size_t count;
};

static uint32_t fnv1a(const void *data, size_t len, uint32_t h)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

#define FNV_BASIS	2166136261u

static int htab_resize(struct fib_htab *t, size_t size)
{
	struct fib_hnode **b, *e, *next;
	size_t i;

	b = calloc(size, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (i = 0; i < t->size; i++) {
		for (e = t->b[i]; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (size - 1)];
			b[e->hash & (size - 1)] = e;
		}
	}
	free(t->b);
	t->b = b;
	t->size = size;
	return 0;
}

static int htab_add(struct fib_htab *t, struct fib_hnode *e)
{
	struct fib_hnode **slot;

	if (t->count >= t->size) {
		int ret = htab_resize(t, t->size ? t->size * 2 : HTAB_MIN_SIZE);

		/* A full table still works, only slower. */
		if (ret && !t->size)
			return ret;
	}
	slot = &t->b[e->hash & (t->size - 1)];
	e->next = *slot;
	*slot = e;
	t->count++;
	return 0;
}

static void htab_del(struct fib_htab *t, struct fib_hnode *e)
{
	struct fib_hnode **pp = &t->b[e->hash & (t->size - 1)];

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	t->count--;
}

static struct fib_hnode *htab_bucket(const struct fib_htab *t, uint32_t hash)
{
	return t->size ? t->b[hash & (t->size - 1)] : NULL;
}

/* ---- items ----------------------------------------------------------- */

struct fib_node {
	struct fib_hnode h;		/* in fib.nodes, by id */
	uint8_t id[AEGIS_NODE_ID_LEN];
	struct fib_list dirty;		/* on fib.dirty_nodes, or empty */
	unsigned int visit;		/* fib.epoch when last worked on */

	/* Wanted. */
	bool want;
	bool want_has_ep;
	bool want_has_via;
	uint16_t want_keepalive;
	uint32_t want_flags;
	struct aegis_udp_endpoint want_ep;
	uint8_t want_via[AEGIS_NODE_ID_LEN];
	struct fib_list claims;		/* fib_claim.node_link */
	unsigned int n_claims;

	/* Installed. */
	bool installed;
	bool has_ep;
	uint16_t keepalive;
	uint32_t flags;
	struct aegis_udp_endpoint ep;
	struct fib_node *via;		/* next hop, NULL: direct */
	struct fib_list via_link;	/* on via->dependents */
	struct fib_list dependents;	/* nodes whose next hop this is */
	struct fib_list owned;		/* fib_pfx.owner_link */
};

struct fib_pfx {
	struct fib_hnode h;		/* in fib.pfxs, by prefix */
	struct aegis_prefix p;		/* canonical, unused bytes zero */
	struct fib_list dirty;		/* on fib.dirty_pfxs, or empty */
	unsigned int failed;		/* fib.epoch of a failed prefix call */

	/* Wanted. */
	struct fib_list claims;		/* fib_claim.pfx_link, oldest first */
	unsigned int n_claims;
	unsigned int route_refs;	/* claims that want an OS route */

	/* Installed. */
	struct fib_node *owner;		/* the node the kernel routes it to */
	struct fib_list owner_link;	/* on owner->owned */
	bool route;			/* the OS route */
};

struct fib_claim {
	struct fib_node *node;
	struct fib_pfx *pfx;
	struct fib_list node_link;
	struct fib_list pfx_link;
	bool route;
	/* Scratch of fib_prefixes_want(). */
	bool seen, new_route, fresh;
};

struct fib {
	const struct fib_ops *ops;
	void *ctx;
	struct fib_htab nodes;
	struct fib_htab pfxs;
	struct fib_list dirty_nodes;
	struct fib_list dirty_pfxs;
	size_t n_dirty;
	unsigned int epoch;
	struct fib_sync_result res;	/* of the sync under way */
	struct fib_stats st;
};

static uint32_t id_hash(const uint8_t *id)
{
	return fnv1a(id, AEGIS_NODE_ID_LEN, FNV_BASIS);
}


/* A canonical copy of in: -EINVAL for a bad family, length or host bits. */
static int pfx_norm(const struct aegis_prefix *in, struct aegis_prefix *out)
{
	size_t len = aegis_addr_len(in->addr.family);

	if (!aegis_prefix_valid(in))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->addr.family = in->addr.family;
	out->len = in->len;
	memcpy(out->addr.u.bytes, in->addr.u.bytes, len);
	return 0;
}

static bool pfx_equal(const struct aegis_prefix *a,
		      const struct aegis_prefix *b)
{
	return a->addr.family == b->addr.family && a->len == b->len &&
	       !memcmp(a->addr.u.bytes, b->addr.u.bytes, sizeof(a->addr.u));
}

static uint32_t pfx_hash(const struct aegis_prefix *p)
{
	uint32_t h = fnv1a(p->addr.u.bytes, sizeof(p->addr.u), FNV_BASIS);

	h = fnv1a(&p->len, 1, h);
	return fnv1a(&p->addr.family, sizeof(p->addr.family), h);
}

static int ep_norm(const struct aegis_udp_endpoint *in, struct aegis_udp_endpoint *out)
{
	size_t len = aegis_addr_len(in->addr.family);

	if (!len)
		return -EAFNOSUPPORT;
	memset(out, 0, sizeof(*out));
	out->addr.family = in->addr.family;
	memcpy(out->addr.u.bytes, in->addr.u.bytes, len);
	out->port = in->port;
	out->scope = in->scope;
	return 0;
}

static bool ep_equal(const struct aegis_udp_endpoint *a,
		     const struct aegis_udp_endpoint *b)
{
	return a->addr.family == b->addr.family && a->port == b->port &&
	       a->scope == b->scope &&
	       !memcmp(a->addr.u.bytes, b->addr.u.bytes, sizeof(a->addr.u));
}

/* ---- nodes ----------------------------------------------------------- */

static struct fib_node *node_find(const struct fib *f, const uint8_t *id)
{
	uint32_t hash = id_hash(id);
	struct fib_hnode *e;

	for (e = htab_bucket(&f->nodes, hash); e; e = e->next) {
		struct fib_node *n = fib_entry(e, struct fib_node, h);

		if (e->hash == hash && !memcmp(n->id, id, AEGIS_NODE_ID_LEN))
			return n;
	}
	return NULL;
}

static struct fib_node *node_get(struct fib *f, const uint8_t *id)
{
	struct fib_node *n = node_find(f, id);

	if (n)
		return n;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	memcpy(n->id, id, AEGIS_NODE_ID_LEN);
	n->h.hash = id_hash(id);
	list_init(&n->dirty);
	list_init(&n->claims);
	list_init(&n->via_link);
	list_init(&n->dependents);
	list_init(&n->owned);
	if (htab_add(&f->nodes, &n->h)) {
		free(n);
		return NULL;
	}
	return n;
}

static void node_mark(struct fib *f, struct fib_node *n)
{
	if (list_empty(&n->dirty)) {
		list_add_tail(&n->dirty, &f->dirty_nodes);
		f->n_dirty++;
	}
}

static void node_link_via(struct fib_node *n, struct fib_node *via)
{
	if (n->via)
		list_del_init(&n->via_link);
	n->via = via;
	if (via)
		list_add_tail(&n->via_link, &via->dependents);
}

static bool node_in_sync(const struct fib_node *n)
{
	if (!n->want)
		return !n->installed;
	if (!n->installed || n->keepalive != n->want_keepalive ||
	    n->flags != n->want_flags)
		return false;
	if (n->want_has_ep && (!n->has_ep || !ep_equal(&n->ep, &n->want_ep)))
		return false;
	if (!n->want_has_via)
		return !n->via;
	return n->via && !memcmp(n->via->id, n->want_via, AEGIS_NODE_ID_LEN);
}

/* ---- kernel calls ---------------------------------------------------- */

static int fib_done(struct fib *f, enum fib_op op, const uint8_t *id,
		    const struct aegis_prefix *p, int ret)
{
	f->res.calls++;
	f->st.calls++;
	f->st.op_calls[op]++;
	if (!ret)
		return 0;
	if (ret > 0)
		ret = -EIO;
	f->res.errors++;
	f->st.errors++;
	f->st.op_errors[op]++;
	if (!f->res.first_err)
		f->res.first_err = ret;
	if (f->ops->failed)
		f->ops->failed(f->ctx, op, id, p, ret);
	return ret;
}

/* ---- prefixes -------------------------------------------------------- */

static struct fib_pfx *pfx_find(const struct fib *f,
				const struct aegis_prefix *p)
{
	uint32_t hash = pfx_hash(p);
	struct fib_hnode *e;

	for (e = htab_bucket(&f->pfxs, hash); e; e = e->next) {
		struct fib_pfx *x = fib_entry(e, struct fib_pfx, h);

		if (e->hash == hash && pfx_equal(&x->p, p))
			return x;
	}
	return NULL;
}

/* p is canonical (pfx_norm). */
static struct fib_pfx *pfx_get(struct fib *f, const struct aegis_prefix *p)
{
	struct fib_pfx *x = pfx_find(f, p);

	if (x)
		return x;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->p = *p;
	x->h.hash = pfx_hash(p);
	list_init(&x->dirty);
	list_init(&x->claims);
	list_init(&x->owner_link);
	if (htab_add(&f->pfxs, &x->h)) {
		free(x);
		return NULL;
	}
	return x;
}

static void pfx_mark(struct fib *f, struct fib_pfx *x)
{
	if (list_empty(&x->dirty)) {
		list_add_tail(&x->dirty, &f->dirty_pfxs);
		f->n_dirty++;
	}
}

static void pfx_set_owner(struct fib *f, struct fib_pfx *x, struct fib_node *n)
{
	if (x->owner) {
		list_del_init(&x->owner_link);
		f->st.prefixes--;
	}
	x->owner = n;
	if (n) {
		list_add_tail(&x->owner_link, &n->owned);
		f->st.prefixes++;
	}
}

/*
 * The node the kernel should route x to: the current owner while it
 * claims it, else the oldest claimant in the kernel; NULL if none.
 */
static struct fib_node *pfx_target(const struct fib_pfx *x)
{
	struct fib_node *first = NULL;
	const struct fib_list *pos;

	list_for_each(pos, &x->claims) {
		struct fib_claim *c =
			fib_entry(pos, struct fib_claim, pfx_link);

		if (!c->node->installed)
			continue;
		if (c->node == x->owner)
			return c->node;
		if (!first)
			first = c->node;
	}
	return first;
}

static bool pfx_in_sync(const struct fib_pfx *x)
{
	struct fib_node *t = pfx_target(x);

	if (t != x->owner || (!t && !list_empty(&x->claims)))
		return false;
	return x->route == (x->route_refs > 0);
}

static struct fib_claim *claim_find(const struct fib_node *n,
				    const struct fib_pfx *x)
{
	const struct fib_list *pos;

	/* Walk the shorter list. */
	if (x->n_claims <= n->n_claims) {
		list_for_each(pos, &x->claims) {
			struct fib_claim *c =
				fib_entry(pos, struct fib_claim, pfx_link);

			if (c->node == n)
				return c;
		}
	} else {
		list_for_each(pos, &n->claims) {
			struct fib_claim *c =
				fib_entry(pos, struct fib_claim, node_link);

			if (c->pfx == x)
				return c;
		}
	}
	return NULL;
}

static void claim_drop(struct fib *f, struct fib_claim *c)
{
	list_del_init(&c->node_link);
	list_del_init(&c->pfx_link);
	c->node->n_claims--;
	c->pfx->n_claims--;
	if (c->route)
		c->pfx->route_refs--;
	pfx_mark(f, c->pfx);
	free(c);
}

/* Add, move or remove x in the kernel. */
static void pfx_apply(struct fib *f, struct fib_pfx *x)
{
	struct fib_node *t = pfx_target(x);
	int ret;

	if (t == x->owner || x->failed == f->epoch)
		return;
	if (t) {
		/* Adds it, or moves it from the current owner. */
		ret = f->ops->prefix_add(f->ctx, t->id, &x->p);
		if (fib_done(f, FIB_OP_PREFIX_ADD, t->id, &x->p, ret)) {
			x->failed = f->epoch;
			return;
		}
		pfx_set_owner(f, x, t);
	} else if (x->owner->want) {
		ret = f->ops->prefix_del(f->ctx, x->owner->id, &x->p);
		if (ret == -ENOENT)
			ret = 0;
		if (fib_done(f, FIB_OP_PREFIX_DEL, x->owner->id, &x->p, ret)) {
			x->failed = f->epoch;
			return;
		}
		pfx_set_owner(f, x, NULL);
	}
	/* Else its owner is being deleted, which removes it. */
}

static void route_del_apply(struct fib *f, struct fib_pfx *x)
{
	int ret;

	if (!x->route || x->route_refs)
		return;
	ret = f->ops->route_del(f->ctx, &x->p);
	if (fib_done(f, FIB_OP_ROUTE_DEL, NULL, &x->p, ret))
		return;
	x->route = false;
	f->st.routes--;
}

static void route_add_apply(struct fib *f, struct fib_pfx *x)
{
	int ret;

	/* Only once the kernel routes the prefix: else it is a black hole. */
	if (x->route || !x->route_refs || !x->owner)
		return;
	ret = f->ops->route_add(f->ctx, &x->p);
	if (fib_done(f, FIB_OP_ROUTE_ADD, NULL, &x->p, ret))
		return;
	x->route = true;
	f->st.routes++;
}

/* ---- node changes ---------------------------------------------------- */

static void node_remove(struct fib *f, struct fib_node *n);

/* Create or change wanted node n, after what it depends on. */
static void node_apply(struct fib *f, struct fib_node *n)
{
	struct fib_list *pos, *tmp;
	struct fib_node *v = NULL;
	int ret;

	if (n->visit == f->epoch || !n->want || node_in_sync(n))
		return;
	n->visit = f->epoch;

	if (n->want_has_via) {
		/*
		 * The next hop first. It must be wanted direct: one that
		 * wants a next hop itself is never installed as one (the
		 * kernel refuses that), and not recursed into.
		 */
		v = node_find(f, n->want_via);
		if (v && v->want && !v->want_has_via)
			node_apply(f, v);
		if (!v || !v->want || v->want_has_via || !v->installed ||
		    v->via)
			return;		/* waits for its next hop */

		/* A next hop must stay direct: move what goes through n. */
		list_for_each_safe(pos, tmp, &n->dependents) {
			struct fib_node *d =
				fib_entry(pos, struct fib_node, via_link);

			if (d->want)
				node_apply(f, d);
			else
				node_remove(f, d);
		}
		if (!list_empty(&n->dependents))
			return;		/* some still want to go through n */
	}

	ret = f->ops->node_set(f->ctx, n->id,
			       n->want_has_ep ? &n->want_ep : NULL,
			       n->want_has_via ? n->want_via : NULL,
			       n->want_keepalive, n->want_flags);
	if (fib_done(f, FIB_OP_NODE_SET, n->id, NULL, ret))
		return;
	if (!n->installed) {
		n->installed = true;
		f->st.nodes++;
	}
	if (n->want_has_ep) {
		n->has_ep = true;
		n->ep = n->want_ep;
	}
	n->keepalive = n->want_keepalive;
	n->flags = n->want_flags;
	node_link_via(n, v);
}

/* Delete unwanted node n, after what depends on it. */
static void node_remove(struct fib *f, struct fib_node *n)
{
	struct fib_list *pos, *tmp;
	int ret;

	if (n->visit == f->epoch || n->want || !n->installed)
		return;
	n->visit = f->epoch;

	/* Its prefixes that others claim move to them first. */
	list_for_each_safe(pos, tmp, &n->owned)
		pfx_apply(f, fib_entry(pos, struct fib_pfx, owner_link));
	/* Nodes routed through it: re-pointed, or deleted first. */
	list_for_each_safe(pos, tmp, &n->dependents) {
		struct fib_node *d = fib_entry(pos, struct fib_node, via_link);

		if (d->want)
			node_apply(f, d);
		else
			node_remove(f, d);
	}

	ret = f->ops->node_del(f->ctx, n->id);
	if (ret == -ENOENT)
		ret = 0;
	if (fib_done(f, FIB_OP_NODE_DEL, n->id, NULL, ret))
		return;

	/* The kernel removed its prefixes and made its dependents direct. */
	while (!list_empty(&n->owned)) {
		struct fib_pfx *x = fib_entry(n->owned.next, struct fib_pfx,
					      owner_link);

		pfx_set_owner(f, x, NULL);
		pfx_mark(f, x);
	}
	while (!list_empty(&n->dependents)) {
		struct fib_node *d = fib_entry(n->dependents.next,
					       struct fib_node, via_link);

		node_link_via(d, NULL);
		node_mark(f, d);
	}
	node_link_via(n, NULL);
	n->installed = false;
	n->has_ep = false;
	f->st.nodes--;
}

/* ---- API ------------------------------------------------------------- */

struct fib *fib_new(const struct fib_ops *ops, void *ctx)
{
	struct fib *f;

	if (!ops || !ops->node_set || !ops->node_del || !ops->prefix_add ||
	    !ops->prefix_del || !ops->route_add || !ops->route_del)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->ops = ops;
	f->ctx = ctx;
	list_init(&f->dirty_nodes);
	list_init(&f->dirty_pfxs);
	return f;
}

void fib_free(struct fib *f)
{
	struct fib_hnode *e, *next;
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->nodes.size; i++) {
		for (e = f->nodes.b[i]; e; e = next) {
			struct fib_node *n = fib_entry(e, struct fib_node, h);

			struct fib_list *pos, *tmp;

			next = e->next;
			/* Every claim is on its node's list. */
			list_for_each_safe(pos, tmp, &n->claims)
				free(fib_entry(pos, struct fib_claim,
					       node_link));
			free(n);
		}
	}
	for (i = 0; i < f->pfxs.size; i++) {
		for (e = f->pfxs.b[i]; e; e = next) {
			next = e->next;
			free(fib_entry(e, struct fib_pfx, h));
		}
	}
	free(f->nodes.b);
	free(f->pfxs.b);
	free(f);
}

int fib_node_want(struct fib *f, const uint8_t *id,
		  const struct aegis_udp_endpoint *ep, const uint8_t *via,
		  uint16_t keepalive, uint32_t flags)
{
	struct aegis_udp_endpoint e;
	struct fib_node *n;

	memset(&e, 0, sizeof(e));
	if (ep && ep_norm(ep, &e))
		return -EAFNOSUPPORT;
	if (via && !memcmp(via, id, AEGIS_NODE_ID_LEN))
		return -EINVAL;
	n = node_get(f, id);
	if (!n)
		return -ENOMEM;
	n->want = true;
	n->want_has_ep = ep != NULL;
	n->want_ep = e;
	n->want_has_via = via != NULL;
	if (via)
		memcpy(n->want_via, via, AEGIS_NODE_ID_LEN);
	else
		memset(n->want_via, 0, AEGIS_NODE_ID_LEN);
	n->want_keepalive = keepalive;
	n->want_flags = flags;
	if (!node_in_sync(n))
		node_mark(f, n);
	return 0;
}

int fib_node_unwant(struct fib *f, const uint8_t *id)
{
	struct fib_node *n = node_find(f, id);

	if (!n || !n->want)
		return -ENOENT;
	while (!list_empty(&n->claims))
		claim_drop(f, fib_entry(n->claims.next, struct fib_claim,
					node_link));
	n->want = false;
	node_mark(f, n);
	return 0;
}

int fib_prefixes_want(struct fib *f, const uint8_t *id,
		      const struct fib_prefix *p, unsigned int n)
{
	struct fib_node *node = node_find(f, id);
	struct fib_list *pos, *tmp;
	struct aegis_prefix key;
	unsigned int i;

	if (!node || !node->want)
		return -ENOENT;
	if (n && !p)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (pfx_norm(&p[i].prefix, &key))
			return -EINVAL;
	}
	list_for_each(pos, &node->claims) {
		struct fib_claim *c =
			fib_entry(pos, struct fib_claim, node_link);

		c->seen = false;
		c->fresh = false;
	}

	for (i = 0; i < n; i++) {
		struct fib_claim *c;
		struct fib_pfx *x;

		pfx_norm(&p[i].prefix, &key);
		x = pfx_get(f, &key);
		if (!x)
			goto nomem;
		c = claim_find(node, x);
		if (!c) {
			c = calloc(1, sizeof(*c));
			if (!c) {
				pfx_mark(f, x);	/* freed by the next sync */
				goto nomem;
			}
			c->node = node;
			c->pfx = x;
			c->fresh = true;
			list_add_tail(&c->node_link, &node->claims);
			list_add_tail(&c->pfx_link, &x->claims);
			node->n_claims++;
			x->n_claims++;
		}
		if (!c->seen) {
			c->seen = true;
			c->new_route = p[i].os_route;
		} else {
			c->new_route |= p[i].os_route;
		}
	}

	list_for_each_safe(pos, tmp, &node->claims) {
		struct fib_claim *c =
			fib_entry(pos, struct fib_claim, node_link);

		if (!c->seen) {
			claim_drop(f, c);
			continue;
		}
		if (c->route != c->new_route) {
			if (c->new_route)
				c->pfx->route_refs++;
			else
				c->pfx->route_refs--;
			c->route = c->new_route;
			pfx_mark(f, c->pfx);
		} else if (c->fresh) {
			pfx_mark(f, c->pfx);
		}
	}
	return 0;

nomem:
	/* Undo: the new claims go, the old ones were not touched. */
	list_for_each_safe(pos, tmp, &node->claims) {
		struct fib_claim *c =
			fib_entry(pos, struct fib_claim, node_link);

		if (c->fresh)
			claim_drop(f, c);
	}
	return -ENOMEM;
}

static void node_unmark_or_free(struct fib *f, struct fib_node *n)
{
	list_del_init(&n->dirty);
	f->n_dirty--;
	if (n->want || n->installed)
		return;
	htab_del(&f->nodes, &n->h);
	free(n);
}

static void pfx_unmark_or_free(struct fib *f, struct fib_pfx *x)
{
	list_del_init(&x->dirty);
	f->n_dirty--;
	if (!list_empty(&x->claims) || x->owner || x->route)
		return;
	htab_del(&f->pfxs, &x->h);
	free(x);
}

int fib_sync(struct fib *f, struct fib_sync_result *res)
{
	struct fib_list *pos, *tmp;

	memset(&f->res, 0, sizeof(f->res));
	f->st.syncs++;
	if (!++f->epoch)
		f->epoch = 1;	/* 0 is "never" */

	/*
	 * The passes add to the tails of the dirty lists (what a node_del
	 * touched) but take nothing off them before the tidy-up.
	 */
	list_for_each(pos, &f->dirty_pfxs)
		route_del_apply(f, fib_entry(pos, struct fib_pfx, dirty));
	list_for_each(pos, &f->dirty_nodes) {
		struct fib_node *n = fib_entry(pos, struct fib_node, dirty);

		if (n->want)
			node_apply(f, n);
	}
	list_for_each(pos, &f->dirty_pfxs)
		pfx_apply(f, fib_entry(pos, struct fib_pfx, dirty));
	list_for_each(pos, &f->dirty_nodes) {
		struct fib_node *n = fib_entry(pos, struct fib_node, dirty);

		if (!n->want)
			node_remove(f, n);
	}
	list_for_each(pos, &f->dirty_pfxs)
		route_add_apply(f, fib_entry(pos, struct fib_pfx, dirty));

	/* Prefixes first: a node is freed only once nothing points to it. */
	list_for_each_safe(pos, tmp, &f->dirty_pfxs) {
		struct fib_pfx *x = fib_entry(pos, struct fib_pfx, dirty);

		if (pfx_in_sync(x))
			pfx_unmark_or_free(f, x);
	}
	list_for_each_safe(pos, tmp, &f->dirty_nodes) {
		struct fib_node *n = fib_entry(pos, struct fib_node, dirty);

		if (node_in_sync(n))
			node_unmark_or_free(f, n);
	}

	f->res.pending = f->n_dirty;
	if (res)
		*res = f->res;
	if (f->res.first_err)
		return f->res.first_err;
	return f->n_dirty ? -EAGAIN : 0;
}

bool fib_pending(const struct fib *f)
{
	return f->n_dirty > 0;
}

void fib_invalidate(struct fib *f)
{
	struct fib_hnode *e;
	size_t i;

	for (i = 0; i < f->nodes.size; i++) {
		for (e = f->nodes.b[i]; e; e = e->next) {
			struct fib_node *n = fib_entry(e, struct fib_node, h);

			n->installed = false;
			n->has_ep = false;
			n->via = NULL;
			list_init(&n->via_link);
			list_init(&n->dependents);
			list_init(&n->owned);
			node_mark(f, n);
		}
	}
	for (i = 0; i < f->pfxs.size; i++) {
		for (e = f->pfxs.b[i]; e; e = e->next) {
			struct fib_pfx *x = fib_entry(e, struct fib_pfx, h);

			x->owner = NULL;
			x->route = false;
			list_init(&x->owner_link);
			pfx_mark(f, x);
		}
	}
	f->st.nodes = 0;
	f->st.prefixes = 0;
	f->st.routes = 0;
}

bool fib_node_installed(const struct fib *f, const uint8_t *id)
{
	const struct fib_node *n = node_find(f, id);

	return n && n->installed;
}

void fib_get_stats(const struct fib *f, struct fib_stats *st)
{
	*st = f->st;
	st->pending = f->n_dirty;
}
