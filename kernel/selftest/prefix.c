// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Selftest of the prefix table (kernel/prefix.c):
 *   1. hand-written edge cases: /0, /32, /128, the 64-bit word boundary of
 *      IPv6 keys, host bits, overlaps, re-pointing, wrong-owner removal,
 *      interior nodes, family separation, remove_by_node, walk_node with
 *      skip and early stop;
 *   2. random inserts, re-points and removals checked against a naive list
 *      (longest match by linear scan), with full structural checks of the
 *      trie after every round, then removal of everything;
 *   3. scale: 10,000 prefixes (prefix_selftest_scale=N for more) inserted,
 *      looked up and removed, timed;
 *   4. lookups from another thread while the table is being changed and
 *      freed (no result may be anything but NULL or a live owner).
 * The pseudo-random sequences use fixed seeds, so a failure reproduces.
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/inet.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <asm/unaligned.h>

#include "../prefix.h"
#include "selftest.h"

#define ST_NODES	16
#define ST_MAX_ERRORS	20

/* Stand-ins for struct aegis_node: the table never dereferences owners. */
struct st_node {
	struct list_head prefixes;
};

struct st {
	struct aegis_prefix_table t;
	struct mutex lock;
	struct st_node *nodes;
	unsigned int nr_nodes;
	struct rnd_state rnd;
	unsigned int errors;
	const char *phase;
};

static __printf(3, 4) void st_fail(struct st *s, int line, const char *fmt,
				   ...)
{
	struct va_format vaf;
	va_list args;

	if (s->errors++ >= ST_MAX_ERRORS)
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("aegisray: prefix selftest (%s) line %d: %pV\n", s->phase, line,
	       &vaf);
	va_end(args);
}

#define EXPECT(cond, fmt, ...)						\
	do {								\
		if (!(cond))						\
			st_fail(s, __LINE__, fmt, ##__VA_ARGS__);	\
	} while (0)

static struct aegis_node *st_owner(struct st *s, int idx)
{
	return idx < 0 ? NULL : (struct aegis_node *)&s->nodes[idx];
}

/* Owner pointer -> node index, -1 for NULL, -2 for a pointer not ours. */
static int st_index(struct st *s, struct aegis_node *p)
{
	struct st_node *n = (struct st_node *)p;

	if (!p)
		return -1;
	if (n < s->nodes || n >= s->nodes + s->nr_nodes)
		return -2;
	return n - s->nodes;
}

static unsigned int st_rand(struct st *s, unsigned int ceil)
{
	return prandom_u32_state(&s->rnd) % ceil;
}

static u64 st_rand64(struct st *s)
{
	return ((u64)prandom_u32_state(&s->rnd) << 32) |
	       prandom_u32_state(&s->rnd);
}

/* ---- keys: 128-bit numbers in two words, IPv4 in the top 32 bits ---- */

struct st_key {
	u64 w[2];
	u8 bits;
};

static void key_from_bytes(struct st_key *k, int family, const u8 *b)
{
	if (family == AF_INET) {
		k->w[0] = (u64)get_unaligned_be32(b) << 32;
		k->w[1] = 0;
		k->bits = 32;
	} else {
		k->w[0] = get_unaligned_be64(b);
		k->w[1] = get_unaligned_be64(b + 8);
		k->bits = 128;
	}
}

static void key_to_bytes(const struct st_key *k, u8 *b)
{
	memset(b, 0, 16);
	if (k->bits == 32) {
		put_unaligned_be32(k->w[0] >> 32, b);
	} else {
		put_unaligned_be64(k->w[0], b);
		put_unaligned_be64(k->w[1], b + 8);
	}
}

static int key_family(const struct st_key *k)
{
	return k->bits == 32 ? AF_INET : AF_INET6;
}

static void mask_words(u64 m[2], unsigned int cidr)
{
	m[0] = cidr == 0 ? 0 : cidr >= 64 ? ~0ULL : ~0ULL << (64 - cidr);
	m[1] = cidr <= 64 ? 0 : cidr == 128 ? ~0ULL : ~0ULL << (128 - cidr);
}

static bool key_in_prefix(const u64 a[2], const u64 p[2], unsigned int cidr)
{
	u64 m[2];

	mask_words(m, cidr);
	return !((a[0] ^ p[0]) & m[0]) && !((a[1] ^ p[1]) & m[1]);
}

static unsigned int key_bit(const u64 k[2], unsigned int i)
{
	return i < 64 ? (k[0] >> (63 - i)) & 1 : (k[1] >> (127 - i)) & 1;
}

/* Parse "10.1.2.3" or "2001:db8::1". */
static struct st_key st_parse(const char *str)
{
	struct st_key k = {};
	u8 b[16] = {};

	if (strchr(str, ':')) {
		if (!in6_pton(str, -1, b, -1, NULL))
			pr_err("aegisray: prefix selftest: bad address %s\n",
			       str);
		key_from_bytes(&k, AF_INET6, b);
	} else {
		if (!in4_pton(str, -1, b, -1, NULL))
			pr_err("aegisray: prefix selftest: bad address %s\n",
			       str);
		key_from_bytes(&k, AF_INET, b);
	}
	return k;
}

/* ---- locked wrappers ---- */

static int st_insert_key(struct st *s, const struct st_key *k, u8 cidr,
			 int node)
{
	u8 b[16];
	int ret;

	key_to_bytes(k, b);
	mutex_lock(&s->lock);
	ret = aegis_prefix_insert(&s->t, key_family(k), b, cidr,
				  st_owner(s, node),
				  node < 0 ? NULL : &s->nodes[node].prefixes,
				  &s->lock);
	mutex_unlock(&s->lock);
	return ret;
}

static int st_remove_key(struct st *s, const struct st_key *k, u8 cidr,
			 int node)
{
	u8 b[16];
	int ret;

	key_to_bytes(k, b);
	mutex_lock(&s->lock);
	ret = aegis_prefix_remove(&s->t, key_family(k), b, cidr,
				  st_owner(s, node), &s->lock);
	mutex_unlock(&s->lock);
	return ret;
}

static int st_lookup_key(struct st *s, const struct st_key *k)
{
	struct aegis_node *p;
	u8 b[16];

	key_to_bytes(k, b);
	rcu_read_lock_bh();
	p = aegis_prefix_lookup(&s->t, key_family(k), b);
	rcu_read_unlock_bh();
	return st_index(s, p);
}

static void st_remove_node(struct st *s, int node)
{
	mutex_lock(&s->lock);
	aegis_prefix_remove_by_node(&s->t, &s->nodes[node].prefixes, &s->lock);
	mutex_unlock(&s->lock);
}

static u32 st_count(struct st *s)
{
	u32 count;

	mutex_lock(&s->lock);
	count = s->t.count;
	mutex_unlock(&s->lock);
	return count;
}

static bool st_empty(struct st *s)
{
	return !rcu_access_pointer(s->t.root4) &&
	       !rcu_access_pointer(s->t.root6) && !s->t.count;
}

#define INS(a, cidr, node, want)					\
	do {								\
		struct st_key k_ = st_parse(a);				\
		int r_ = st_insert_key(s, &k_, cidr, node);		\
		EXPECT(r_ == (want), "insert %s/%u -> %d: %d, want %d",	\
		       a, cidr, node, r_, want);			\
	} while (0)

#define DEL(a, cidr, node, want)					\
	do {								\
		struct st_key k_ = st_parse(a);				\
		int r_ = st_remove_key(s, &k_, cidr, node);		\
		EXPECT(r_ == (want), "remove %s/%u (%d): %d, want %d",	\
		       a, cidr, node, r_, want);			\
	} while (0)

#define LOOK(a, want)							\
	do {								\
		struct st_key k_ = st_parse(a);				\
		int r_ = st_lookup_key(s, &k_);				\
		EXPECT(r_ == (want), "lookup %s: node %d, want %d", a,	\
		       r_, want);					\
	} while (0)

#define COUNT(want)							\
	do {								\
		u32 c_ = st_count(s);					\
		EXPECT(c_ == (want), "count %u, want %u", c_, want);	\
	} while (0)

/* ---- structural check of the whole trie ---- */

static int st_list_len(struct list_head *head)
{
	struct list_head *pos;
	int n = 0;

	list_for_each(pos, head)
		n++;
	return n;
}

/* Returns the number of trie nodes, or -1 (after reporting) if broken. */
static int st_check_trie(struct st *s, struct aegis_trie_node __rcu *root,
			 u8 bits, u32 *owners)
{
	struct aegis_trie_node **stack, *n, *c;
	int sp = 0, nodes = 0, i, bad = 0;
	u64 m[2];

	stack = kmalloc_array(bits + 2, sizeof(*stack), GFP_KERNEL);
	if (!stack) {
		EXPECT(0, "out of memory");
		return -1;
	}
	n = rcu_dereference_protected(root, lockdep_is_held(&s->lock));
	if (n) {
		EXPECT(!n->parent, "root has a parent");
		stack[sp++] = n;
	}
	while (sp && !bad) {
		struct aegis_node *owner;

		n = stack[--sp];
		nodes++;
		owner = rcu_dereference_protected(n->owner,
						  lockdep_is_held(&s->lock));
		mask_words(m, n->cidr);
		if (n->bits != bits || n->cidr > bits ||
		    (n->key[0] & ~m[0]) || (n->key[1] & ~m[1])) {
			EXPECT(0, "bad node: bits %u cidr %u", n->bits,
			       n->cidr);
			bad = 1;
		}
		if (owner) {
			(*owners)++;
			if (st_index(s, owner) < 0 ||
			    list_empty(&n->node_list)) {
				EXPECT(0, "bad owner %p", owner);
				bad = 1;
			}
		} else if (!list_empty(&n->node_list) ||
			   !rcu_access_pointer(n->child[0]) ||
			   !rcu_access_pointer(n->child[1])) {
			EXPECT(0, "interior node /%u is not a binary branch",
			       n->cidr);
			bad = 1;
		}
		for (i = 0; i < 2; i++) {
			c = rcu_dereference_protected(n->child[i],
						      lockdep_is_held(&s->lock));
			if (!c)
				continue;
			if (c->parent != n || c->cidr <= n->cidr ||
			    !key_in_prefix(c->key, n->key, n->cidr) ||
			    key_bit(c->key, n->cidr) != i) {
				EXPECT(0, "bad link /%u -> /%u", n->cidr,
				       c->cidr);
				bad = 1;
			}
			if (sp >= bits + 2) {
				EXPECT(0, "trie deeper than %u", bits);
				bad = 1;
				break;
			}
			stack[sp++] = c;
		}
	}
	kfree(stack);
	return bad ? -1 : nodes;
}

/* Checks the trie shape, counts and owner lists; returns the node count. */
static int st_check_all(struct st *s)
{
	int n4, n6, listed = 0;
	u32 owners = 0;
	unsigned int i;

	mutex_lock(&s->lock);
	n4 = st_check_trie(s, s->t.root4, 32, &owners);
	n6 = st_check_trie(s, s->t.root6, 128, &owners);
	for (i = 0; i < s->nr_nodes; i++)
		listed += st_list_len(&s->nodes[i].prefixes);
	EXPECT(owners == s->t.count && listed == s->t.count,
	       "count %u, %u owners in the trie, %d on lists", s->t.count,
	       owners, listed);
	/* Path compression: at most one interior node per prefix. */
	EXPECT(n4 < 0 || n6 < 0 || n4 + n6 <= 2 * (int)s->t.count,
	       "%d trie nodes for %u prefixes", n4 + n6, s->t.count);
	mutex_unlock(&s->lock);
	return n4 < 0 || n6 < 0 ? -1 : n4 + n6;
}

static void st_remove_all(struct st *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_nodes; i++)
		st_remove_node(s, i);
}

/* ---- 1. edge cases ---- */

struct st_walk {
	int n, cap;
	struct {
		int family;
		u8 addr[16];
		u8 cidr;
	} e[8];
};

static int st_walk_fn(void *ctx, int family, const u8 *addr, u8 cidr)
{
	struct st_walk *w = ctx;

	if (w->n >= w->cap)
		return -EMSGSIZE;
	w->e[w->n].family = family;
	memcpy(w->e[w->n].addr, addr, family == AF_INET ? 4 : 16);
	w->e[w->n].cidr = cidr;
	w->n++;
	return 0;
}

/* Walk from @pos (updated), at most @cap entries into @w. */
static int st_walk_at(struct st *s, int node, struct aegis_prefix_pos *pos,
		      int cap, struct st_walk *w)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->cap = cap;
	mutex_lock(&s->lock);
	ret = aegis_prefix_walk_node(&s->nodes[node].prefixes, pos,
				     st_walk_fn, w);
	mutex_unlock(&s->lock);
	return ret;
}

/* Walk from entry @skip; *@done: how many entries @w took. */
static int st_walk(struct st *s, int node, unsigned long skip, int cap,
		   struct st_walk *w, unsigned long *done)
{
	struct aegis_prefix_pos pos = { .index = skip };
	int ret = st_walk_at(s, node, &pos, cap, w);

	*done = pos.index - skip;
	return ret;
}

/* Walk entry @i is @a/@cidr. */
static bool st_walk_is(struct st_walk *w, int i, const char *a, u8 cidr)
{
	struct st_key k = st_parse(a);
	u8 b[16];

	key_to_bytes(&k, b);
	return i < w->n && w->e[i].family == key_family(&k) &&
	       w->e[i].cidr == cidr &&
	       !memcmp(w->e[i].addr, b, k.bits / 8);
}

enum { A, B, C, D, E };	/* owners in the edge cases */

static void st_edge_cases(struct st *s)
{
	static const u8 zero[16];
	struct st_walk w;
	unsigned long done;
	int ret;

	s->phase = "edge cases";
	LOOK("1.2.3.4", -1);
	LOOK("::1", -1);

	/* Invalid arguments. */
	INS("1.2.3.4", 33, A, -EINVAL);
	INS("::", 129, A, -EINVAL);
	INS("1.2.3.4", 32, -1, -EINVAL);
	DEL("1.2.3.4", 33, -1, -EINVAL);
	mutex_lock(&s->lock);
	ret = aegis_prefix_insert(&s->t, AF_UNSPEC, zero, 0, st_owner(s, A),
				  &s->nodes[A].prefixes, &s->lock);
	EXPECT(ret == -EINVAL, "AF_UNSPEC insert: %d", ret);
	ret = aegis_prefix_remove(&s->t, AF_UNSPEC, zero, 0, NULL, &s->lock);
	EXPECT(ret == -EINVAL, "AF_UNSPEC remove: %d", ret);
	mutex_unlock(&s->lock);
	rcu_read_lock();
	EXPECT(!aegis_prefix_lookup(&s->t, AF_UNSPEC, zero),
	       "AF_UNSPEC lookup");
	rcu_read_unlock();
	COUNT(0);

	/* IPv4 nesting, /0 and /32. */
	INS("0.0.0.0", 0, A, 0);
	LOOK("1.2.3.4", A);
	LOOK("255.255.255.255", A);
	LOOK("::1", -1);
	INS("10.0.0.0", 8, B, 0);
	LOOK("10.1.2.3", B);
	LOOK("11.0.0.1", A);
	LOOK("9.255.255.255", A);
	INS("10.1.0.0", 16, C, 0);
	LOOK("10.1.2.3", C);
	LOOK("10.2.0.0", B);
	INS("10.1.2.3", 32, D, 0);
	LOOK("10.1.2.3", D);
	LOOK("10.1.2.2", C);
	LOOK("10.1.2.4", C);
	INS("10.1.2.3", 32, D, 0);	/* same again: no change */
	COUNT(4);

	/* Host bits are masked off on insert and on remove. */
	INS("192.168.1.77", 24, E, 0);
	LOOK("192.168.1.1", E);
	LOOK("192.168.2.1", A);
	DEL("192.168.1.0", 24, E, 0);
	LOOK("192.168.1.1", A);
	INS("192.168.1.200", 24, E, 0);
	DEL("192.168.1.1", 24, E, 0);
	INS("192.168.1.255", 24, E, 0);
	COUNT(5);
	st_walk(s, E, 0, 8, &w, &done);
	EXPECT(w.n == 1 && st_walk_is(&w, 0, "192.168.1.0", 24),
	       "walk of a masked prefix");

	/* Siblings create an interior node, which is not a prefix. */
	INS("172.16.0.0", 16, A, 0);
	INS("172.17.0.0", 16, B, 0);
	DEL("172.16.0.0", 15, -1, -ENOENT);
	LOOK("172.16.9.9", A);
	LOOK("172.17.9.9", B);
	LOOK("172.18.9.9", A);
	COUNT(7);

	/* Re-pointing moves the prefix to the new owner's list. */
	INS("10.0.0.0", 8, C, 0);
	LOOK("10.9.9.9", C);
	COUNT(7);
	st_walk(s, B, 0, 8, &w, &done);
	EXPECT(w.n == 1 && st_walk_is(&w, 0, "172.17.0.0", 16),
	       "old owner still lists a re-pointed prefix");
	st_walk(s, C, 0, 8, &w, &done);
	EXPECT(w.n == 2 && st_walk_is(&w, 0, "10.1.0.0", 16) &&
	       st_walk_is(&w, 1, "10.0.0.0", 8),
	       "new owner's list after re-pointing (%d entries)", w.n);

	/* Removal checks the owner. */
	DEL("10.0.0.0", 8, B, -ENOENT);
	DEL("10.0.0.0", 8, -1, 0);
	DEL("10.0.0.0", 8, -1, -ENOENT);
	LOOK("10.9.9.9", A);
	DEL("10.1.0.0", 16, C, 0);
	LOOK("10.1.2.3", D);
	LOOK("10.1.3.3", A);
	DEL("10.1.2.0", 24, -1, -ENOENT);
	DEL("10.1.2.3", 31, -1, -ENOENT);
	COUNT(5);

	/* IPv6: /128, /127, the 64-bit word boundary (/64, /65). */
	INS("2001:db8::", 32, A, 0);
	INS("2001:db8::1", 128, B, 0);
	INS("2001:db8:0:1::", 64, C, 0);
	INS("2001:db8:0:1:8000::", 65, D, 0);
	INS("2001:db8:0:1::", 127, E, 0);
	LOOK("2001:db8::1", B);
	LOOK("2001:db8::2", A);
	LOOK("2001:db8:0:1::1", E);
	LOOK("2001:db8:0:1::2", C);
	LOOK("2001:db8:0:1:8000::5", D);
	LOOK("2001:db8:0:1:7fff:ffff:ffff:ffff", C);
	LOOK("2001:db8:0:1:ffff:ffff:ffff:ffff", D);
	LOOK("2001:db8:0:2::", A);
	LOOK("2001:db9::", -1);
	INS("::", 0, D, 0);
	LOOK("2001:db9::", D);
	LOOK("1.2.3.4", A);
	INS("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128, C, 0);
	LOOK("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C);
	LOOK("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", D);
	INS("ffff:ffff:ffff:ffff::", 64, E, 0);
	LOOK("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", E);
	LOOK("ffff:ffff:ffff:fffe:ffff:ffff:ffff:ffff", D);
	INS("255.255.255.255", 32, B, 0);
	LOOK("255.255.255.255", B);
	LOOK("255.255.255.254", A);

	/* The families are separate tries: same leading bytes. */
	INS("102:304::", 32, B, 0);
	LOOK("1.2.3.4", A);
	LOOK("102:304::1", B);
	INS("1.2.3.4", 32, C, 0);
	LOOK("1.2.3.4", C);
	LOOK("102:304::", B);
	COUNT(16);
	EXPECT(st_check_all(s) > 0, "trie check failed");

	/* remove_by_node: D owns 10.1.2.3/32, 2001:db8:0:1:8000::/65, ::/0. */
	st_walk(s, D, 0, 8, &w, &done);
	EXPECT(w.n == 3 && done == 3 && st_walk_is(&w, 0, "10.1.2.3", 32) &&
	       st_walk_is(&w, 1, "2001:db8:0:1:8000::", 65) &&
	       st_walk_is(&w, 2, "::", 0), "walk of D (%d entries)", w.n);
	st_remove_node(s, D);
	COUNT(13);
	EXPECT(list_empty(&s->nodes[D].prefixes), "D's list not empty");
	LOOK("2001:db9::", -1);
	LOOK("2001:db8:0:1:8000::5", C);
	LOOK("10.1.2.3", A);
	st_remove_node(s, D);	/* nothing left: no-op */
	COUNT(13);
	EXPECT(st_check_all(s) > 0, "trie check failed");

	st_remove_all(s);
	COUNT(0);
	EXPECT(st_empty(s), "trie not empty after removing everything");

	/* walk_node: skip, early stop and resume. */
	INS("10.0.0.0", 24, E, 0);
	INS("10.0.1.0", 24, E, 0);
	INS("2001:db8::", 48, E, 0);
	INS("10.0.3.0", 24, E, 0);
	INS("10.0.4.0", 24, E, 0);
	ret = st_walk(s, E, 0, 2, &w, &done);
	EXPECT(ret == -EMSGSIZE && done == 2 &&
	       st_walk_is(&w, 0, "10.0.0.0", 24) &&
	       st_walk_is(&w, 1, "10.0.1.0", 24),
	       "walk 0: ret %d done %lu", ret, done);
	ret = st_walk(s, E, 2, 2, &w, &done);
	EXPECT(ret == -EMSGSIZE && done == 2 &&
	       st_walk_is(&w, 0, "2001:db8::", 48) &&
	       st_walk_is(&w, 1, "10.0.3.0", 24),
	       "walk 2: ret %d done %lu", ret, done);
	ret = st_walk(s, E, 4, 2, &w, &done);
	EXPECT(ret == 0 && done == 1 && st_walk_is(&w, 0, "10.0.4.0", 24),
	       "walk 4: ret %d done %lu", ret, done);
	ret = st_walk(s, E, 5, 2, &w, &done);
	EXPECT(ret == 0 && done == 0 && w.n == 0, "walk 5: ret %d done %lu",
	       ret, done);
	ret = st_walk(s, E, 100, 2, &w, &done);
	EXPECT(ret == 0 && done == 0, "walk 100: ret %d done %lu", ret, done);
	ret = st_walk(s, A, 0, 2, &w, &done);
	EXPECT(ret == 0 && done == 0, "walk of an empty list: %d", ret);

	/* Resuming at the refused entry visits the same ones, in order. */
	{
		struct aegis_prefix_pos pos = { };

		ret = st_walk_at(s, E, &pos, 2, &w);
		EXPECT(ret == -EMSGSIZE && pos.at && pos.index == 2 &&
		       st_walk_is(&w, 1, "10.0.1.0", 24),
		       "cursor walk 0: ret %d index %lu", ret, pos.index);
		pos.index = 1000;	/* @at wins over @index */
		ret = st_walk_at(s, E, &pos, 2, &w);
		EXPECT(ret == -EMSGSIZE && pos.at && pos.index == 1002 &&
		       st_walk_is(&w, 0, "2001:db8::", 48) &&
		       st_walk_is(&w, 1, "10.0.3.0", 24),
		       "cursor walk 2: ret %d index %lu", ret, pos.index);
		ret = st_walk_at(s, E, &pos, 2, &w);
		EXPECT(ret == 0 && !pos.at && w.n == 1 &&
		       st_walk_is(&w, 0, "10.0.4.0", 24),
		       "cursor walk 4: ret %d n %d", ret, w.n);
	}

	/* table_free empties the owners' lists. */
	INS("::", 0, A, 0);
	mutex_lock(&s->lock);
	aegis_prefix_table_free(&s->t, &s->lock);
	mutex_unlock(&s->lock);
	EXPECT(st_empty(s) && list_empty(&s->nodes[E].prefixes) &&
	       list_empty(&s->nodes[A].prefixes), "table_free left entries");
	LOOK("10.0.0.1", -1);
}

/* ---- 2. random operations against a naive list ---- */

struct st_ref {
	struct st_key k;	/* masked */
	u8 cidr;
	int node;
};

struct st_model {
	struct st_ref *e;
	unsigned int n, cap;
};

static int st_model_find(struct st_model *m, const struct st_key *k, u8 cidr)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].k.bits == k->bits && m->e[i].cidr == cidr &&
		    m->e[i].k.w[0] == k->w[0] && m->e[i].k.w[1] == k->w[1])
			return i;
	return -1;
}

static void st_model_del(struct st_model *m, unsigned int i)
{
	m->e[i] = m->e[--m->n];
}

static int st_model_lookup(struct st_model *m, const struct st_key *k)
{
	int best = -1, best_cidr = -1;
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		if (m->e[i].k.bits != k->bits ||
		    (int)m->e[i].cidr <= best_cidr ||
		    !key_in_prefix(k->w, m->e[i].k.w, m->e[i].cidr))
			continue;
		best = m->e[i].node;
		best_cidr = m->e[i].cidr;
	}
	return best;
}

/* A random prefix, drawn from a few clusters so that prefixes overlap. */
static struct st_key st_random_prefix(struct st *s, u8 *cidr)
{
	static const u16 v6_heads[] = { 0x2001, 0xfd00, 0xfe80, 0x0000 };
	static const u8 v4_heads[] = { 10, 172, 192, 100 };
	struct st_key k;
	u64 m[2];

	if (st_rand(s, 2)) {
		k.bits = 32;
		k.w[0] = (st_rand64(s) & 0x00ffffff00000000ULL) |
			 ((u64)v4_heads[st_rand(s, 4)] << 56);
		k.w[1] = 0;
		/* Mostly long prefixes, some short ones. */
		*cidr = st_rand(s, 4) ? 16 + st_rand(s, 17) : st_rand(s, 33);
	} else {
		k.bits = 128;
		k.w[0] = (st_rand64(s) & 0x0000ffffffffffffULL) |
			 ((u64)v6_heads[st_rand(s, 4)] << 48);
		/* A sparse low word makes more shared prefixes. */
		k.w[1] = st_rand(s, 2) ? st_rand64(s) : st_rand(s, 256);
		*cidr = st_rand(s, 4) ? 32 + st_rand(s, 97) : st_rand(s, 129);
	}
	mask_words(m, *cidr);
	k.w[0] &= m[0];
	k.w[1] &= m[1];
	return k;
}

/* Random bits in place of bits @keep.. of @k (IPv4: of its 32 bits). */
static void st_randomise_tail(struct st *s, struct st_key *k,
			      unsigned int keep)
{
	u64 r[2], mk[2];

	mask_words(mk, keep);
	r[0] = st_rand64(s);
	r[1] = st_rand64(s);
	if (k->bits == 32) {
		r[0] &= 0xffffffffULL << 32;
		r[1] = 0;
	}
	k->w[0] = (k->w[0] & mk[0]) | (r[0] & ~mk[0]);
	k->w[1] = (k->w[1] & mk[1]) | (r[1] & ~mk[1]);
}

/* An address in or near a random model prefix, or in a random cluster. */
static struct st_key st_random_addr(struct st *s, struct st_model *m)
{
	struct st_key k;
	u8 cidr;

	if (!m->n || !st_rand(s, 4)) {
		k = st_random_prefix(s, &cidr);
		st_randomise_tail(s, &k, cidr);
	} else {
		k = m->e[st_rand(s, m->n)].k;
		st_randomise_tail(s, &k, st_rand(s, k.bits + 1));
	}
	return k;
}

static void st_compare_lookups(struct st *s, struct st_model *m,
			       unsigned int n)
{
	struct st_key k;
	int got, want;

	while (n--) {
		k = st_random_addr(s, m);
		got = st_lookup_key(s, &k);
		want = st_model_lookup(m, &k);
		EXPECT(got == want,
		       "lookup %016llx:%016llx (%u bits): node %d, want %d",
		       k.w[0], k.w[1], k.bits, got, want);
	}
}

static void st_random(struct st *s)
{
	struct st_model m = {};
	unsigned int round, op, i;
	int idx, node, ret;
	struct st_key k;
	u8 cidr;

	s->phase = "random";
	prandom_seed_state(&s->rnd, 0x4165676973526179ULL);
	m.cap = 4096;
	m.e = vmalloc(array_size(m.cap, sizeof(*m.e)));
	if (!m.e) {
		EXPECT(0, "out of memory");
		return;
	}

	for (round = 0; round < 8 && s->errors < ST_MAX_ERRORS; round++) {
		for (op = 0; op < 500; op++) {
			unsigned int what = st_rand(s, 100);

			node = st_rand(s, s->nr_nodes);
			if (what < 60 || !m.n) {
				/* Insert (or, by chance, re-point). */
				k = st_random_prefix(s, &cidr);
				ret = st_insert_key(s, &k, cidr, node);
				EXPECT(!ret, "insert: %d", ret);
				idx = st_model_find(&m, &k, cidr);
				if (idx >= 0) {
					m.e[idx].node = node;
				} else if (m.n < m.cap) {
					m.e[m.n].k = k;
					m.e[m.n].cidr = cidr;
					m.e[m.n].node = node;
					m.n++;
				}
			} else if (what < 70) {
				/* Re-point an existing prefix. */
				idx = st_rand(s, m.n);
				ret = st_insert_key(s, &m.e[idx].k,
						    m.e[idx].cidr, node);
				EXPECT(!ret, "re-point: %d", ret);
				m.e[idx].node = node;
			} else if (what < 90) {
				/* Remove an existing prefix, maybe by owner. */
				idx = st_rand(s, m.n);
				if (st_rand(s, 2))
					node = -1;
				ret = st_remove_key(s, &m.e[idx].k,
						    m.e[idx].cidr, node);
				if (node < 0 || node == m.e[idx].node) {
					EXPECT(!ret, "remove: %d", ret);
					st_model_del(&m, idx);
				} else {
					EXPECT(ret == -ENOENT,
					       "remove by a non-owner: %d",
					       ret);
				}
			} else if (what < 99) {
				/* Remove a random (probably absent) prefix. */
				k = st_random_prefix(s, &cidr);
				idx = st_model_find(&m, &k, cidr);
				ret = st_remove_key(s, &k, cidr, -1);
				EXPECT(ret == (idx >= 0 ? 0 : -ENOENT),
				       "remove of a random prefix: %d", ret);
				if (idx >= 0)
					st_model_del(&m, idx);
			} else {
				/* Remove a whole node. */
				st_remove_node(s, node);
				for (i = 0; i < m.n;) {
					if (m.e[i].node == node)
						st_model_del(&m, i);
					else
						i++;
				}
			}
		}
		COUNT(m.n);
		EXPECT(st_check_all(s) >= 0, "trie check failed (round %u)",
		       round);
		st_compare_lookups(s, &m, 1000);
	}

	/* Remove everything, one prefix at a time, checking as we go. */
	while (m.n && s->errors < ST_MAX_ERRORS) {
		idx = st_rand(s, m.n);
		ret = st_remove_key(s, &m.e[idx].k, m.e[idx].cidr,
				    m.e[idx].node);
		EXPECT(!ret, "final remove: %d", ret);
		st_model_del(&m, idx);
		if (m.n % 256 == 0) {
			COUNT(m.n);
			st_compare_lookups(s, &m, 100);
			EXPECT(st_check_all(s) >= 0, "trie check failed");
		}
	}
	COUNT(0);
	EXPECT(st_empty(s), "trie not empty after removing everything");
	vfree(m.e);
}

/* ---- 3. scale ---- */

/*
 * The scale test's size. 10,000 keeps the whole selftest well under 2 s in a
 * TCG guest even with slub_debug; load a debug build with
 * prefix_selftest_scale=100000 to time the full-size table.
 */
static unsigned int st_scale_n = 10000;
module_param_named(prefix_selftest_scale, st_scale_n, uint, 0444);
MODULE_PARM_DESC(prefix_selftest_scale,
		 "debug builds: prefixes in the prefix selftest's scale test");

struct st_scale_pfx {
	u8 addr[16];
	u8 family;
	u8 cidr;
};

static void st_scale(struct st *s)
{
	u64 t0, t_ins, t_look, t_rm, t_free;
	struct st_scale_pfx *p;
	unsigned int i, j, n, hits = 0;
	struct st_key k;
	int ret = 0;

	s->phase = "scale";
	n = clamp(st_scale_n, 1000U, 1000000U);
	p = vmalloc(array_size(n, sizeof(*p)));
	if (!p) {
		EXPECT(0, "out of memory");
		return;
	}
	prandom_seed_state(&s->rnd, 100000);
	for (i = 0; i < n; i++) {
		k = st_random_prefix(s, &p[i].cidr);
		key_to_bytes(&k, p[i].addr);
		p[i].family = key_family(&k);
	}

	t0 = ktime_get_ns();
	mutex_lock(&s->lock);
	for (i = 0; i < n && !ret; i++)
		ret = aegis_prefix_insert(&s->t, p[i].family, p[i].addr,
					  p[i].cidr,
					  st_owner(s, i % s->nr_nodes),
					  &s->nodes[i % s->nr_nodes].prefixes,
					  &s->lock);
	mutex_unlock(&s->lock);
	t_ins = ktime_get_ns() - t0;
	EXPECT(!ret, "insert %u: %d", i - 1, ret);
	EXPECT(st_count(s) > n / 2, "only %u prefixes", st_count(s));
	EXPECT(st_check_all(s) > 0, "trie check failed");

	/* Every inserted prefix is found again (by some owner). */
	t0 = ktime_get_ns();
	for (i = 0; i < n; i += j) {
		/* In chunks, not to hold softirqs off for too long. */
		rcu_read_lock_bh();
		for (j = 0; j < 1024 && i + j < n; j++)
			hits += !!aegis_prefix_lookup(&s->t, p[i + j].family,
						      p[i + j].addr);
		rcu_read_unlock_bh();
	}
	t_look = ktime_get_ns() - t0;
	EXPECT(hits == n, "%u of %u prefixes found", hits, n);

	t0 = ktime_get_ns();
	for (i = 0; i < s->nr_nodes / 2; i++)
		st_remove_node(s, i);
	t_rm = ktime_get_ns() - t0;
	EXPECT(st_check_all(s) > 0, "trie check failed");
	t0 = ktime_get_ns();
	mutex_lock(&s->lock);
	aegis_prefix_table_free(&s->t, &s->lock);
	mutex_unlock(&s->lock);
	t_free = ktime_get_ns() - t0;
	EXPECT(st_empty(s), "trie not empty");
	for (i = 0; i < s->nr_nodes; i++)
		EXPECT(list_empty(&s->nodes[i].prefixes), "list %u", i);
	vfree(p);

	pr_info("aegisray: prefix selftest: %u prefixes: insert %llu ms, lookup %llu ms, remove half by node %llu ms, free the rest %llu ms\n",
		n, t_ins / NSEC_PER_MSEC, t_look / NSEC_PER_MSEC,
		t_rm / NSEC_PER_MSEC, t_free / NSEC_PER_MSEC);
}

/* ---- 4. lookups concurrent with changes ---- */

struct st_reader {
	struct st *s;
	unsigned long lookups;
	unsigned long bad;
};

static int st_reader_fn(void *arg)
{
	struct st_reader *r = arg;
	struct rnd_state rnd;
	struct aegis_node *p;
	u8 b[16];
	int family;

	prandom_seed_state(&rnd, 7);
	while (!kthread_should_stop()) {
		prandom_bytes_state(&rnd, b, sizeof(b));
		b[0] = 10;	/* the writer's v4 range and v6 head */
		family = b[15] & 1 ? AF_INET : AF_INET6;
		rcu_read_lock_bh();
		p = aegis_prefix_lookup(&r->s->t, family, b);
		rcu_read_unlock_bh();
		if (st_index(r->s, p) < -1)
			r->bad++;
		if (++r->lookups % 64 == 0)
			cond_resched();
	}
	return 0;
}

static void st_concurrent(struct st *s)
{
	struct st_reader r = { .s = s };
	struct task_struct *task;
	unsigned int i;
	struct st_key k;
	u8 cidr;

	s->phase = "concurrent";
	prandom_seed_state(&s->rnd, 3);
	task = kthread_run(st_reader_fn, &r, "aegis-st-prefix");
	if (IS_ERR(task)) {
		EXPECT(0, "kthread_run: %ld", PTR_ERR(task));
		return;
	}
	for (i = 0; i < 6000; i++) {
		k = st_random_prefix(s, &cidr);
		/* Few, short prefixes under 10/8 and 0a00::/8: many hits. */
		k.w[0] = (k.w[0] & ~(0xffULL << 56)) | (10ULL << 56);
		cidr = st_rand(s, k.bits == 32 ? 17 : 25);
		if (st_rand(s, 3))
			st_insert_key(s, &k, cidr, st_rand(s, s->nr_nodes));
		else
			st_remove_key(s, &k, cidr, -1);
		if (i % 500 == 499)
			st_remove_node(s, st_rand(s, s->nr_nodes));
		if (i % 2000 == 1999) {
			mutex_lock(&s->lock);
			aegis_prefix_table_free(&s->t, &s->lock);
			mutex_unlock(&s->lock);
		}
		if (i % 64 == 0)
			cond_resched();
	}
	kthread_stop(task);
	EXPECT(!r.bad, "%lu of %lu lookups returned a bad pointer", r.bad,
	       r.lookups);
	EXPECT(st_check_all(s) >= 0, "trie check failed");
	st_remove_all(s);
	EXPECT(st_empty(s), "trie not empty");
}

static void (*const st_phases[])(struct st *s) = {
	st_edge_cases, st_random, st_scale, st_concurrent,
};

bool aegis_prefix_selftest(void)
{
	struct st *s;
	u64 t0 = ktime_get_ns();
	unsigned int i;
	bool ok;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return false;
	s->nr_nodes = ST_NODES;
	s->nodes = kcalloc(s->nr_nodes, sizeof(*s->nodes), GFP_KERNEL);
	if (!s->nodes) {
		kfree(s);
		return false;
	}
	for (i = 0; i < s->nr_nodes; i++)
		INIT_LIST_HEAD(&s->nodes[i].prefixes);
	mutex_init(&s->lock);
	aegis_prefix_table_init(&s->t);

	for (i = 0; i < ARRAY_SIZE(st_phases) && !s->errors; i++) {
		u64 t1 = ktime_get_ns();

		st_phases[i](s);
		pr_debug("aegisray: prefix selftest: %s: %llu ms\n", s->phase,
			 (ktime_get_ns() - t1) / NSEC_PER_MSEC);
	}

	/* Whatever happened, leave nothing behind. */
	mutex_lock(&s->lock);
	aegis_prefix_table_free(&s->t, &s->lock);
	mutex_unlock(&s->lock);
	mutex_destroy(&s->lock);

	ok = !s->errors;
	if (ok)
		pr_info("aegisray: prefix selftest: pass (%llu ms)\n",
			(ktime_get_ns() - t0) / NSEC_PER_MSEC);
	else
		pr_err("aegisray: prefix selftest: FAIL (%u errors)\n",
		       s->errors);
	kfree(s->nodes);
	kfree(s);
	return ok;
}
