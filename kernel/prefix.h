/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Overlay prefix table: longest-prefix match from an IPv4 or IPv6 address to
 * the node (peer) that owns the matching prefix.
 *
 * Locking
 * - Everything but lookup (insert, remove, remove_by_node, table_free, and
 *   walk_node, which reads the owners' lists) runs under a mutex owned by
 *   the caller (the device's conf_lock). The writers take a pointer to it
 *   for lockdep and assert that it is held.
 * - aegis_prefix_lookup() is lockless: it runs under rcu_read_lock_bh() on
 *   the data path, or under rcu_read_lock() elsewhere. Trie nodes are freed
 *   only after a grace period (kfree_rcu()).
 * - The owner pointer returned by a lookup is not reference counted: it
 *   stays valid only while the caller is inside the RCU read-side section,
 *   unless the caller takes its own reference. Whoever frees a node must
 *   first remove its prefixes (aegis_prefix_remove_by_node()) and then wait
 *   for a grace period (or free the node with RCU) before freeing it.
 *
 * The owner's prefixes are linked, through the trie nodes, on a list_head
 * that lives in the owner (struct aegis_node). That list belongs to the
 * table's writers: it is only read or changed with the table lock held.
 */
#ifndef _AEGIS_PREFIX_H
#define _AEGIS_PREFIX_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>

struct aegis_node;

/*
 * struct aegis_trie_node - one node of the path-compressed binary trie.
 * @child:	subtrees whose next bit (bit @cidr of the key) is 0 or 1.
 * @key:	the prefix, as a 128-bit big-endian number split in two host
 *		order words (IPv4 uses the top 32 bits of @key[0]); the bits
 *		past @cidr are always zero. Immutable once published.
 * @cidr:	prefix length. Immutable once published.
 * @bits:	32 (IPv4 trie) or 128 (IPv6 trie).
 * @owner:	the node this prefix routes to, or NULL for an interior node
 *		that only exists to branch (such a node always has two
 *		children).
 * @parent:	parent trie node, NULL for the root. Writers only.
 * @node_list:	entry in the owner's list of prefixes; empty if no owner.
 * @rcu:	deferred free.
 *
 * Invariants: a child's cidr is greater than its parent's, its key starts
 * with the parent's prefix, and bit @cidr of its key selects the slot.
 */
struct aegis_trie_node {
	struct aegis_trie_node __rcu *child[2];
	u64 key[2];
	u8 cidr;
	u8 bits;
	struct aegis_node __rcu *owner;
	struct aegis_trie_node *parent;
	struct list_head node_list;
	struct rcu_head rcu;
};

/*
 * struct aegis_prefix_table - one trie per address family.
 * @root4, @root6:	roots, read under RCU, written under the table lock.
 * @count:		number of prefixes (trie nodes with an owner); written
 *			under the table lock, may be read locklessly with
 *			READ_ONCE() for statistics.
 */
struct aegis_prefix_table {
	struct aegis_trie_node __rcu *root4;
	struct aegis_trie_node __rcu *root6;
	u32 count;
};

void aegis_prefix_table_init(struct aegis_prefix_table *t);

/*
 * Remove and free every prefix. Caller holds @lock; concurrent lookups are
 * safe (trie nodes are freed after a grace period). Every owner's list of
 * prefixes is left empty. Does not sleep.
 */
void aegis_prefix_table_free(struct aegis_prefix_table *t, struct mutex *lock);

/*
 * Insert @addr/@cidr (@family AF_INET or AF_INET6, @addr in network order:
 * 4 or 16 bytes, @cidr 0..32 or 0..128; host bits are masked off) routing
 * to @node, or re-point it to @node if the prefix already exists. The
 * prefix is linked on @node_list, @node's list of prefixes; re-pointing
 * moves it from the previous owner's list to the tail of @node_list
 * (inserting a prefix @node already owns changes nothing).
 * Caller holds @lock. May sleep (GFP_KERNEL).
 * Returns 0, -EINVAL (bad family, cidr, or NULL @node / @node_list) or
 * -ENOMEM (the table is then unchanged).
 */
int aegis_prefix_insert(struct aegis_prefix_table *t, int family,
			const void *addr, u8 cidr, struct aegis_node *node,
			struct list_head *node_list, struct mutex *lock);

/*
 * Remove exactly @addr/@cidr (host bits masked off) if it routes to @node,
 * or to any node when @node is NULL. Caller holds @lock.
 * Returns 0, -EINVAL (bad family or cidr) or -ENOENT (no such prefix, or it
 * belongs to another node).
 */
int aegis_prefix_remove(struct aegis_prefix_table *t, int family,
			const void *addr, u8 cidr, struct aegis_node *node,
			struct mutex *lock);

/* Remove every prefix linked on @node_list. Caller holds @lock. */
void aegis_prefix_remove_by_node(struct aegis_prefix_table *t,
				 struct list_head *node_list,
				 struct mutex *lock);

/*
 * Longest-prefix match of @addr (network order, 4 or 16 bytes by @family).
 * Caller is in an RCU read-side section: rcu_read_lock_bh() (data path) or
 * rcu_read_lock(). Returns the owner, without taking a reference, or NULL.
 */
struct aegis_node *aegis_prefix_lookup(struct aegis_prefix_table *t,
				       int family, const void *addr);

/*
 * struct aegis_prefix_pos - where a walk of one owner's prefixes resumes.
 * @at:		the prefix to start at, or NULL to start at entry @index.
 * @index:	its place in the owner's list, counted from 0.
 */
struct aegis_prefix_pos {
	struct aegis_trie_node *at;
	unsigned long index;
};

/*
 * Call @fn for each prefix on @node_list (in insertion order; a re-pointed
 * prefix goes to the tail), from @pos. @addr passed to @fn is in network
 * order (4 or 16 bytes) with host bits zero. Stops at, and returns, the
 * first non-zero return of @fn (for instance -EMSGSIZE when a netlink
 * message is full); returns 0 when every prefix was walked.
 *
 * On return @pos is where the walk resumes: @pos->at is the prefix @fn
 * refused (NULL when the walk ended), @pos->index its place. Starting at
 * @pos->at costs nothing, at @pos->index a walk along the list; @pos->at
 * may only be used while that prefix is still on @node_list (the caller
 * knows the table did not change in between). Caller holds the table lock.
 */
int aegis_prefix_walk_node(struct list_head *node_list,
			   struct aegis_prefix_pos *pos,
			   int (*fn)(void *ctx, int family, const u8 *addr,
				     u8 cidr),
			   void *ctx);

/* The owner of prefix @n. Caller holds the table lock @lock. */
struct aegis_node *aegis_prefix_owner(struct aegis_trie_node *n,
				      struct mutex *lock);

#endif /* _AEGIS_PREFIX_H */
