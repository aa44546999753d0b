/* SPDX-License-Identifier: MIT */
/*
 * aegisctl: shared types. A command line is parsed (args.c) into a
 * struct ctl_req, which the command implementations (show.c, cmds.c,
 * bind.c, monitor.c) turn into generic netlink requests.
 */
#ifndef AEGISCTL_CTL_H
#define AEGISCTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aegis_nl.h"
#include "genl.h"

/* Exit statuses. */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_ERROR = 1,	/* the request failed */
	CTL_EXIT_USAGE = 2,	/* bad command line */
	CTL_EXIT_INTR = 3,	/* a dump was interrupted: retry */
};

enum ctl_op {
	CTL_OP_HELP,
	CTL_OP_VERSION,
	CTL_OP_SHOW,
	CTL_OP_DEV_SET,
	CTL_OP_BIND,
	CTL_OP_UNBIND,
	CTL_OP_NODE_ADD,
	CTL_OP_NODE_SET,
	CTL_OP_NODE_DEL,
	CTL_OP_NODE_SHOW,
	CTL_OP_KEY_ADD,
	CTL_OP_KEY_SWAP,
	CTL_OP_KEY_DEL,
	CTL_OP_KEY_SHOW,
	CTL_OP_PREFIX_ADD,
	CTL_OP_PREFIX_DEL,
	CTL_OP_PREFIX_SHOW,
	CTL_OP_MONITOR,
};

struct ctl_req {
	enum ctl_op op;
	const char *name;		/* "node add": for messages */
	bool json;			/* --json */

	bool has_dev;
	const char *dev_arg;		/* DEV as given */
	struct aegis_devref dev;

	bool has_node_id;		/* NODEID as a filter or target */
	uint8_t node_id[AEGIS_NODE_ID_LEN];

	struct aegis_nl_dev devset;	/* dev set */
	struct aegis_nl_node node;		/* node add/set/del */
	struct aegis_nl_key key;		/* key *: may hold secrets */
	struct aegis_prefix_entry prefix;	/* prefix add/del */

	/* bind */
	int bind_family;		/* AF_INET or AF_INET6 */
	uint16_t bind_port;
	bool fd_only;

	/* monitor */
	uint64_t count;			/* 0 = unlimited */
	uint32_t timeout;		/* seconds, 0 = none */
};

/*
 * Parse argv (argv[0] is the program) into req. Secrets given as @FILE or
 * @- are read here; secrets given literally are wiped from argv.
 * Returns CTL_EXIT_OK, CTL_EXIT_USAGE or CTL_EXIT_ERROR (a secret file
 * could not be read), with a one-line reason in err.
 */
int ctl_parse_args(int argc, char **argv, struct ctl_req *req, char *err,
		   size_t errsz);

/* DEV: an ifindex if all digits, else an interface name. */
int ctl_parse_devref(const char *s, struct aegis_devref *d, char *err,
		     size_t errsz);

/* Wipe the secrets a request may hold. */
void ctl_req_wipe(struct ctl_req *req);

/* Usage text (aegisctl help). */
void ctl_usage(FILE *f);

/*
 * Report a failure: "aegisctl: WHAT: MESSAGE" on stderr. Returns
 * CTL_EXIT_ERROR for convenience.
 */
int ctl_fail(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ctl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open the aegisray family, reporting failure as ctl_fail(what, ...). */
int ctl_open(struct aegis_genl *g, const char *what);

/* Command implementations: return an exit status. */
int ctl_cmd_show(struct aegis_genl *g, const struct ctl_req *req);
int ctl_cmd_node_show(struct aegis_genl *g, const struct ctl_req *req);
int ctl_cmd_key_show(struct aegis_genl *g, const struct ctl_req *req);
int ctl_cmd_prefix_show(struct aegis_genl *g, const struct ctl_req *req);
int ctl_cmd_change(struct aegis_genl *g, const struct ctl_req *req);
int ctl_cmd_bind(struct aegis_genl *g, const struct ctl_req *req);
int ctl_cmd_monitor(struct aegis_genl *g, const struct ctl_req *req);

/*
 * Build the request for a change command (dev set, unbind, node *, key
 * add/swap/del, prefix add/del): the message for req with family id
 * family. Returns the message or NULL (-ENOMEM/-EINVAL in *ret).
 * Exposed for the unit tests.
 */
struct nl_msg *ctl_build_change(const struct ctl_req *req, int family, int *ret);

#endif /* AEGISCTL_CTL_H */
