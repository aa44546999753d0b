// SPDX-License-Identifier: MIT
/*
 * The fib's kernel calls (struct fib_ops) bound to fib/kernel.h, with the
 * struct kernel as context; failures are logged with the kernel's reason.
 */
#include "core/log.h"
#include "fib/fib.h"
#include "fib/kernel.h"
#include "hex.h"

static int node_set(void *ctx, const uint8_t *id,
		    const struct aegis_udp_endpoint *ep, const uint8_t *via,
		    uint16_t keepalive, uint32_t flags)
{
	return kernel_node_set(ctx, id, ep, via, keepalive, flags);
}

static int node_del(void *ctx, const uint8_t *id)
{
	return kernel_node_del(ctx, id);
}

static int prefix_add(void *ctx, const uint8_t *id,
		      const struct aegis_prefix *p)
{
	return kernel_prefix_add(ctx, id, p);
}

static int prefix_del(void *ctx, const uint8_t *id,
		      const struct aegis_prefix *p)
{
	return kernel_prefix_del(ctx, id, p);
}

static int route_add(void *ctx, const struct aegis_prefix *p)
{
	return kernel_route_add(ctx, p);
}

static int route_del(void *ctx, const struct aegis_prefix *p)
{
	return kernel_route_del(ctx, p);
}

static void failed(void *ctx, enum fib_op op, const uint8_t *id,
		   const struct aegis_prefix *p, int err)
{
	static const char *const names[FIB_OP_MAX] = {
		[FIB_OP_NODE_SET] = "node set",
		[FIB_OP_NODE_DEL] = "node del",
		[FIB_OP_PREFIX_ADD] = "prefix add",
		[FIB_OP_PREFIX_DEL] = "prefix del",
		[FIB_OP_ROUTE_ADD] = "route add",
		[FIB_OP_ROUTE_DEL] = "route del",
	};
	struct kernel *k = ctx;
	char sid[AEGIS_NODE_ID_SHORT_SIZE] = "-", sp[AEGIS_PREFIX_STRSIZE] = "";

	if (id)
		aegis_node_id_short(id, sid);
	if (p)
		aegis_prefix_format(p, sp, sizeof(sp));
	log_warn("fib: %s %s %s: %s", op < FIB_OP_MAX ? names[op] : "?", sid,
		 sp, k->err[0] ? k->err : "failed");
	(void)err;
}

const struct fib_ops kernel_fib_ops = {
	.node_set = node_set,
	.node_del = node_del,
	.prefix_add = prefix_add,
	.prefix_del = prefix_del,
	.route_add = route_add,
	.route_del = route_del,
	.failed = failed,
};
