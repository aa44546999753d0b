/* SPDX-License-Identifier: MIT */
/*
 * What kernel.c, kernel_rtnl.c and kernel_genl.c share; not for the rest
 * of the agent (fib/kernel.h is).
 */
#ifndef AGENT_FIB_KERNEL_PRIV_H
#define AGENT_FIB_KERNEL_PRIV_H

#include "fib/kernel.h"

/* Write the reason for a failure to k->err; returns ret. */
int kernel_errf(struct kernel *k, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* libnl's own error codes (not the kernel's) to a negative errno. */
int kernel_nlerr_to_errno(int nlerr);

/* kernel_rtnl.c */
int kernel_rtnl_open(struct kernel *k);

/* kernel_genl.c: the request and the notification sockets. -ENOENT if the
 * family is not registered (the module is not loaded and could not be). */
int kernel_genl_open(struct kernel *k);
void kernel_genl_close(struct kernel *k);

#endif /* AGENT_FIB_KERNEL_PRIV_H */
