/* SPDX-License-Identifier: MIT */
/*
 * The fib reconciler: the one place of the agent that installs kernel
 * nodes (endpoint, next hop, keepalive, flags), node prefixes and OS
 * routes. Owners state what they want, incrementally; fib_sync() diffs
 * that against what it has installed and makes the missing kernel calls,
 * in an order the kernel accepts. Only what changed since the last sync
 * is visited (a dirty list), so one change costs O(1) calls and work
 * whatever the size of the mesh.
 *
 * The kernel is driven through struct fib_ops, so that a test can use a
 * fake. The rules of the module (kernel/node.c, prefix.c, netlink_*.c)
 * that the order follows:
 *
 *  - A node's next hop must exist and be direct; a node that is the next
 *    hop of others must stay direct (-EBUSY). So a next hop is installed
 *    before the nodes that use it, and the nodes routed through a node are
 *    re-pointed (or removed) before it stops being direct or goes.
 *  - Deleting a node removes its prefixes and makes the nodes routed
 *    through it direct; it is not refused. The fib relies on the first (no
 *    prefix_del before a node_del) and records the second: a node that
 *    still wants the deleted next hop waits, dirty, until it is back.
 *  - A prefix has one owner in the kernel; adding it for another node
 *    moves it. Two nodes may claim the same prefix here: the kernel gets
 *    it for one of them (the current owner while it claims it, else the
 *    oldest claim), and when that one lets go it is moved, with one call,
 *    to the next claimant rather than deleted.
 *  - OS routes (rtnetlink, via the device) are shared: one per prefix,
 *    counted by the claims that ask for it; it goes with the last one. It
 *    is added once the prefix is in the kernel, and removed before the
 *    prefix is.
 *
 * Not thread-safe: the agent's loop owns it.
 */
#ifndef AGENT_FIB_H
#define AGENT_FIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/aegisray.h>

#include "netaddr.h"

struct fib;

enum fib_op {
	FIB_OP_NODE_SET,
	FIB_OP_NODE_DEL,
	FIB_OP_PREFIX_ADD,
	FIB_OP_PREFIX_DEL,
	FIB_OP_ROUTE_ADD,
	FIB_OP_ROUTE_DEL,
	FIB_OP_MAX,
};

/*
 * The kernel calls: 0 or a negative errno (kernel_* of fib/kernel.h fit,
 * with ctx the struct kernel). -ENOENT from node_del and prefix_del means
 * it is gone already, which is what was asked.
 */
struct fib_ops {
	/* Create or change a node. ep NULL: none (new) / keep (existing). */
	int (*node_set)(void *ctx, const uint8_t *id,
			const struct aegis_udp_endpoint *ep, const uint8_t *via,
			uint16_t keepalive, uint32_t flags);
	int (*node_del)(void *ctx, const uint8_t *id);
	int (*prefix_add)(void *ctx, const uint8_t *id,
			  const struct aegis_prefix *p);
	int (*prefix_del)(void *ctx, const uint8_t *id,
			  const struct aegis_prefix *p);
	int (*route_add)(void *ctx, const struct aegis_prefix *p);
	int (*route_del)(void *ctx, const struct aegis_prefix *p);
	/* Optional: told of each failed call, for the log. id may be NULL. */
	void (*failed)(void *ctx, enum fib_op op, const uint8_t *id,
		       const struct aegis_prefix *p, int err);
};

/* One prefix of a node, and whether it also wants an OS route. */
struct fib_prefix {
	struct aegis_prefix prefix;
	bool os_route;
};

/* What one fib_sync() did. */
struct fib_sync_result {
	unsigned int calls;	/* kernel calls made */
	unsigned int errors;	/* of which failed */
	int first_err;		/* the first failure's -errno, or 0 */
	size_t pending;		/* items still differing (failed or waiting) */
};

struct fib_stats {
	uint64_t syncs;
	uint64_t calls;
	uint64_t errors;
	uint64_t op_calls[FIB_OP_MAX];
	uint64_t op_errors[FIB_OP_MAX];
	size_t nodes;		/* installed */
	size_t prefixes;	/* installed (each once, whoever owns it) */
	size_t routes;		/* installed OS routes */
	size_t pending;		/* dirty items */
};

/* A fib with nothing wanted or installed; NULL without memory. */
struct fib *fib_new(const struct fib_ops *ops, void *ctx);
/* Free it; the kernel is left as it is. */
void fib_free(struct fib *f);

/*
 * Want node id, with endpoint ep (NULL: none for a new node; the kernel's
 * current one, which it may have learnt by roaming, is kept), next hop via
 * (NULL: direct), keepalive and flags. Changing any of these later costs
 * one node_set. Returns 0, -EINVAL (via is id), -EAFNOSUPPORT (ep is not
 * IPv4/IPv6) or -ENOMEM; on error nothing changed.
 */
int fib_node_want(struct fib *f, const uint8_t *id,
		  const struct aegis_udp_endpoint *ep, const uint8_t *via,
		  uint16_t keepalive, uint32_t flags);
/* No longer want node id, nor its prefixes and their OS routes. -ENOENT. */
int fib_node_unwant(struct fib *f, const uint8_t *id);
/*
 * The complete prefix set of wanted node id, replacing the previous one
 * (n 0: none); a prefix given twice counts once (an OS route if either
 * asks). Only the difference is installed. Prefixes must be canonical
 * (host bits zero). Returns 0, -ENOENT (node not wanted), -EINVAL or
 * -ENOMEM; on error nothing changed.
 */
int fib_prefixes_want(struct fib *f, const uint8_t *id,
		      const struct fib_prefix *p, unsigned int n);

/*
 * Make the kernel calls that bring installed to wanted, for the dirty
 * items only: OS routes to drop, nodes to add or change (next hops
 * first), prefixes to add, move or remove, nodes to remove (those routed
 * through them first), OS routes to add. A failed call, or an item that
 * waits for another (a next hop that is not there), stays dirty for the
 * next sync. res (may be NULL) tells what was done. Returns 0 when
 * installed == wanted, the first failure's -errno if a call failed, else
 * -EAGAIN (items wait for others).
 */
int fib_sync(struct fib *f, struct fib_sync_result *res);

/* Is anything dirty (would fib_sync have work)? */
bool fib_pending(const struct fib *f);

/*
 * Forget what is installed (the device was re-created, or the kernel's
 * state is unknown): the next sync installs everything wanted again.
 */
void fib_invalidate(struct fib *f);

/* Is node id in the kernel (as far as the fib knows)? */
bool fib_node_installed(const struct fib *f, const uint8_t *id);

void fib_get_stats(const struct fib *f, struct fib_stats *st);

#endif /* AGENT_FIB_H */
