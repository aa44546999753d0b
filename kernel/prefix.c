// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Overlay prefix table: a path-compressed binary trie per address family,
 * read locklessly under RCU, written under a caller-provided mutex.
 *
 * Keys are handled as 128-bit big-endian numbers held in two u64 words in
 * host order, so one set of bit helpers serves both families: an IPv4
 * address occupies the top 32 bits of key[0]. Every trie node carries a
 * complete prefix (key and length), so a lookup just walks down, comparing
 * the address against each node's prefix and remembering the last node
 * that has an owner; it ends after at most bits + 1 nodes.
 *
 * Path compression: a node without an owner (an interior node) exists only
 * where two subtrees diverge, so it always has two children. Insertion
 * therefore adds at most two nodes (the prefix, and an interior node at the
 * point of divergence); removal drops the owner and then frees the nodes
 * that are no longer needed (an ownerless node with fewer than two
 * children), which can cascade to the parent only when the removed node had
 * no children at all. Insert, remove and lookup are O(address bits);
 * removing a node's k prefixes is O(k * bits), freeing the table O(size).
 *
 * RCU: a published node's key and cidr never change. Writers build a new
 * node completely before publishing it with rcu_assign_pointer(); bypassing
 * or unlinking a node leaves its own child pointers intact, so a reader that
 * is still on it continues down a valid path, and the node is freed with
 * kfree_rcu() (no module callback, so no rcu_barrier() is needed on unload).
 */
#include <linux/kernel.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/lockdep.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <asm/unaligned.h>

#include "prefix.h"

/* Writer side: the table lock is held. */
#define trie_deref(p, lock) rcu_dereference_protected(p, lockdep_is_held(lock))
/* Reader side: either flavour of RCU read-side section is fine. */
#define trie_deref_rcu(p) rcu_dereference_check(p, rcu_read_lock_bh_held())

static unsigned int family_bits(int family)
{
	switch (family) {
	case AF_INET:
		return 32;
	case AF_INET6:
		return 128;
	}
	return 0;
}

static int bits_family(unsigned int bits)
{
	return bits == 32 ? AF_INET : AF_INET6;
}

static void key_load(u64 key[2], unsigned int bits, const void *addr)
{
	if (bits == 32) {
		key[0] = (u64)get_unaligned_be32(addr) << 32;
		key[1] = 0;
	} else {
		key[0] = get_unaligned_be64(addr);
		key[1] = get_unaligned_be64((const u8 *)addr + 8);
	}
}

static void key_store(const u64 key[2], unsigned int bits, u8 *addr)
{
	if (bits == 32) {
		put_unaligned_be32(key[0] >> 32, addr);
	} else {
		put_unaligned_be64(key[0], addr);
		put_unaligned_be64(key[1], addr + 8);
	}
}

/* Clear every bit from position @cidr on (bit 0 is the most significant). */
static void key_mask(u64 key[2], unsigned int cidr)
{
	if (cidr == 0) {
		key[0] = 0;
		key[1] = 0;
	} else if (cidr <= 64) {
		key[0] &= ~0ULL << (64 - cidr);
		key[1] = 0;
	} else {
		key[1] &= ~0ULL << (128 - cidr);
	}
}

/* Number of leading bits @a and @b have in common (0..128). */
static unsigned int key_common(const u64 a[2], const u64 b[2])
{
	u64 x = a[0] ^ b[0];

	if (x)
		return 64 - fls64(x);
	x = a[1] ^ b[1];
	if (x)
		return 128 - fls64(x);
	return 128;
}

/* Bit @i of @key, 0 being the most significant; @i < 128. */
static unsigned int key_bit(const u64 key[2], unsigned int i)
{
	if (i < 64)
		return (key[0] >> (63 - i)) & 1;
	return (key[1] >> (127 - i)) & 1;
}

static struct aegis_trie_node __rcu **
root_slot(struct aegis_prefix_table *t, unsigned int bits)
{
	return bits == 32 ? &t->root4 : &t->root6;
}

/* The pointer that links @n into the trie. */
static struct aegis_trie_node __rcu **
parent_slot(struct aegis_prefix_table *t, const struct aegis_trie_node *n)
{
	if (!n->parent)
		return root_slot(t, n->bits);
	return &n->parent->child[key_bit(n->key, n->parent->cidr)];
}

static struct aegis_trie_node *trie_node_alloc(const u64 key[2], u8 cidr,
					       u8 bits)
{
	struct aegis_trie_node *n = kzalloc(sizeof(*n), GFP_KERNEL);

	if (!n)
		return NULL;
	n->key[0] = key[0];
	n->key[1] = key[1];
	key_mask(n->key, cidr);
	n->cidr = cidr;
	n->bits = bits;
	INIT_LIST_HEAD(&n->node_list);
	return n;
}

void aegis_prefix_table_init(struct aegis_prefix_table *t)
{
	RCU_INIT_POINTER(t->root4, NULL);
	RCU_INIT_POINTER(t->root6, NULL);
	t->count = 0;
}

/*
 * Free a whole subtree without recursion: a post-order walk that climbs back
 * through the parent pointers. The nodes are not modified (readers may still
 * be on them); they are freed after a grace period.
 */
static void trie_free_subtree(struct aegis_trie_node *n, struct mutex *lock)
{
	struct aegis_trie_node *parent, *c;

	while (n) {
		/* Down to a node without children, left first. */
		for (;;) {
			c = trie_deref(n->child[0], lock);
			if (!c)
				c = trie_deref(n->child[1], lock);
			if (!c)
				break;
			n = c;
		}
		/* Free it, then climb until a right subtree is left to do. */
		for (;;) {
			parent = n->parent;
			list_del_init(&n->node_list);
			kfree_rcu(n, rcu);
			if (!parent)
				return;
			c = trie_deref(parent->child[1], lock);
			if (c && c != n) {
				n = c;
				break;
			}
			n = parent;
		}
	}
}

void aegis_prefix_table_free(struct aegis_prefix_table *t, struct mutex *lock)
{
	struct aegis_trie_node *r4, *r6;

	lockdep_assert_held(lock);
	r4 = trie_deref(t->root4, lock);
	r6 = trie_deref(t->root6, lock);
	RCU_INIT_POINTER(t->root4, NULL);
	RCU_INIT_POINTER(t->root6, NULL);
	trie_free_subtree(r4, lock);
	trie_free_subtree(r6, lock);
	t->count = 0;
}

int aegis_prefix_insert(struct aegis_prefix_table *t, int family,
			const void *addr, u8 cidr, struct aegis_node *node,
			struct list_head *node_list, struct mutex *lock)
{
	unsigned int bits = family_bits(family), common = 0;
	struct aegis_trie_node *n, *parent = NULL, *leaf, *inner = NULL;
	struct aegis_trie_node __rcu **slot;
	u64 key[2];

	lockdep_assert_held(lock);
	if (!bits || cidr > bits || !node || !node_list)
		return -EINVAL;
	key_load(key, bits, addr);
	key_mask(key, cidr);

	slot = root_slot(t, bits);
	while ((n = trie_deref(*slot, lock))) {
		common = min3(key_common(n->key, key), (unsigned int)n->cidr,
			      (unsigned int)cidr);
		if (common < n->cidr)
			break;	/* the new prefix leaves n's path */
		if (n->cidr == cidr) {
			/* Exists, with an owner or as an interior node. */
			if (rcu_access_pointer(n->owner) == node)
				return 0;
			if (!rcu_access_pointer(n->owner))
				t->count++;
			list_move_tail(&n->node_list, node_list);
			rcu_assign_pointer(n->owner, node);
			return 0;
		}
		parent = n;
		slot = &n->child[key_bit(key, n->cidr)];
	}

	/*
	 * *slot is empty (!n), or holds n whose prefix extends the new one
	 * (common == cidr: the new node goes between parent and n), or holds
	 * n which diverges from the new prefix at bit common: an interior node
	 * for the common part takes n's place, with n and the new node as its
	 * children. Allocate everything before changing anything.
	 */
	leaf = trie_node_alloc(key, cidr, bits);
	if (!leaf)
		return -ENOMEM;
	if (n && common < cidr) {
		inner = trie_node_alloc(key, common, bits);
		if (!inner) {
			kfree(leaf);
			return -ENOMEM;
		}
	}
	RCU_INIT_POINTER(leaf->owner, node);
	list_add_tail(&leaf->node_list, node_list);

	if (!n) {
		leaf->parent = parent;
		rcu_assign_pointer(*slot, leaf);
	} else if (!inner) {
		/* n is already published: no ordering needed for this link. */
		RCU_INIT_POINTER(leaf->child[key_bit(n->key, cidr)], n);
		leaf->parent = parent;
		n->parent = leaf;
		rcu_assign_pointer(*slot, leaf);
	} else {
		RCU_INIT_POINTER(inner->child[key_bit(key, common)], leaf);
		RCU_INIT_POINTER(inner->child[key_bit(n->key, common)], n);
		inner->parent = parent;
		leaf->parent = inner;
		n->parent = inner;
		/* Publishes inner and, through the release, leaf as well. */
		rcu_assign_pointer(*slot, inner);
	}
	t->count++;
	return 0;
}

/* The node holding exactly key/cidr (key already masked), owner or not. */
static struct aegis_trie_node *trie_find(struct aegis_prefix_table *t,
					 unsigned int bits, const u64 key[2],
					 u8 cidr, struct mutex *lock)
{
	struct aegis_trie_node *n = trie_deref(*root_slot(t, bits), lock);

	while (n && n->cidr <= cidr && key_common(n->key, key) >= n->cidr) {
		if (n->cidr == cidr)
			return n;
		n = trie_deref(n->child[key_bit(key, n->cidr)], lock);
	}
	return NULL;
}

/*
 * Free @n if it no longer has a reason to exist: no owner and fewer than two
 * children. Its only child (if any) takes its place. Removing a childless
 * node takes a child from its parent, which may then become unneeded in
 * turn; removing a node with one child leaves the parent's children as they
 * were, so the cascade stops there.
 */
static void trie_collapse(struct aegis_prefix_table *t,
			  struct aegis_trie_node *n, struct mutex *lock)
{
	struct aegis_trie_node *parent, *c0, *c1, *child;

	while (n && !rcu_access_pointer(n->owner)) {
		c0 = trie_deref(n->child[0], lock);
		c1 = trie_deref(n->child[1], lock);
		if (c0 && c1)
			return;
		child = c0 ? c0 : c1;
		parent = n->parent;
		/*
		 * n keeps its own child pointers, so a reader still on n
		 * goes on to child. child was published long ago, but the
		 * release costs nothing and keeps the ordering obvious.
		 */
		rcu_assign_pointer(*parent_slot(t, n), child);
		if (child)
			child->parent = parent;
		kfree_rcu(n, rcu);
		if (child)
			return;
		n = parent;
	}
}

/* Unlink the prefix held by @n (which has an owner) and tidy up. */
static void trie_drop_prefix(struct aegis_prefix_table *t,
			     struct aegis_trie_node *n, struct mutex *lock)
{
	RCU_INIT_POINTER(n->owner, NULL);
	list_del_init(&n->node_list);
	t->count--;
	trie_collapse(t, n, lock);
}

int aegis_prefix_remove(struct aegis_prefix_table *t, int family,
			const void *addr, u8 cidr, struct aegis_node *node,
			struct mutex *lock)
{
	unsigned int bits = family_bits(family);
	struct aegis_trie_node *n;
	struct aegis_node *owner;
	u64 key[2];

	lockdep_assert_held(lock);
	if (!bits || cidr > bits)
		return -EINVAL;
	key_load(key, bits, addr);
	key_mask(key, cidr);

	n = trie_find(t, bits, key, cidr, lock);
	if (!n)
		return -ENOENT;
	owner = trie_deref(n->owner, lock);
	if (!owner || (node && owner != node))
		return -ENOENT;
	trie_drop_prefix(t, n, lock);
	return 0;
}

void aegis_prefix_remove_by_node(struct aegis_prefix_table *t,
				 struct list_head *node_list,
				 struct mutex *lock)
{
	struct aegis_trie_node *n, *tmp;

	lockdep_assert_held(lock);
	/*
	 * trie_collapse() frees only ownerless nodes, never the next entry
	 * of this list, so the _safe iteration holds.
	 */
	list_for_each_entry_safe(n, tmp, node_list, node_list)
		trie_drop_prefix(t, n, lock);
}

struct aegis_node *aegis_prefix_lookup(struct aegis_prefix_table *t,
				       int family, const void *addr)
{
	unsigned int bits = family_bits(family);
	struct aegis_node *best = NULL, *owner;
	struct aegis_trie_node *n;
	u64 key[2];

	if (unlikely(!bits))
		return NULL;
	key_load(key, bits, addr);

	n = trie_deref_rcu(*root_slot(t, bits));
	while (n && key_common(n->key, key) >= n->cidr) {
		owner = trie_deref_rcu(n->owner);
		if (owner)
			best = owner;
		if (n->cidr >= bits)
			break;
		n = trie_deref_rcu(n->child[key_bit(key, n->cidr)]);
	}
	return best;
}

int aegis_prefix_walk_node(struct list_head *node_list,
			   struct aegis_prefix_pos *pos,
			   int (*fn)(void *ctx, int family, const u8 *addr,
				     u8 cidr),
			   void *ctx)
{
	struct aegis_trie_node *n = pos->at;
	unsigned long i = 0;
	u8 addr[16];
	int ret;

	if (!n) {
		list_for_each_entry(n, node_list, node_list) {
			if (i++ == pos->index)
				break;
		}
	}
	pos->at = NULL;
	list_for_each_entry_from(n, node_list, node_list) {
		key_store(n->key, n->bits, addr);
		ret = fn(ctx, bits_family(n->bits), addr, n->cidr);
		if (ret) {
			pos->at = n;
			return ret;
		}
		pos->index++;
	}
	return 0;
}

struct aegis_node *aegis_prefix_owner(struct aegis_trie_node *n,
				      struct mutex *lock)
{
	return rcu_dereference_protected(n->owner, lockdep_is_held(lock));
}
