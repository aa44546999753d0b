/* SPDX-License-Identifier: MIT */
/*
 * Generic netlink transport: open a socket for one family (resolved by
 * name), send a request and collect its replies, its ack or its error with
 * the kernel's extended-ack message, and receive multicast notifications.
 *
 * libnl builds the messages and resolves the family; replies are read and
 * checked here, so that the errno, the extack text, the offending
 * attribute and NLM_F_DUMP_INTR all reach the caller.
 *
 * The socket enables NETLINK_EXT_ACK and NETLINK_CAP_ACK (errors do not
 * echo the request back, which matters for requests carrying keys).
 */
#ifndef AEGIS_GENL_H
#define AEGIS_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/msg.h>

#define AEGIS_GENL_MSG_SIZE	256	/* extack message, NUL included */
#define AEGIS_GENL_ERR_SIZE	512	/* aegis_genl.errmsg */
#define AEGIS_GENL_MAX_PATH	4	/* nesting depth of attribute paths */

/* An NLMSG_ERROR (ack or error) or NLMSG_DONE, decoded. */
struct aegis_genl_ack {
	int error;			/* 0 or a negative errno */
	char msg[AEGIS_GENL_MSG_SIZE];	/* NLMSGERR_ATTR_MSG, "" if none */
	bool has_offs;			/* NLMSGERR_ATTR_OFFS: offending attr, */
	uint32_t offs;			/*   as an offset into the request */
	bool has_miss_type;		/* NLMSGERR_ATTR_MISS_TYPE */
	uint32_t miss_type;
	bool has_miss_nest;		/* NLMSGERR_ATTR_MISS_NEST: offset of the */
	uint32_t miss_nest;		/*   nest that lacks miss_type */
};

/*
 * Name an attribute given its path of types from the top level of a
 * request (path[0] top-level type, path[1] the type inside that nest...).
 * Writes a NUL-terminated name; returns 0, or -ENOENT if it has none.
 */
typedef int (*aegis_genl_namer_fn)(const uint16_t *path, unsigned int depth,
				   char *buf, size_t size);

/*
 * Called for every reply or notification of the family. Returns 0, or a
 * negative errno with a one-line reason written to err, which stops
 * further callbacks for this request (the rest is still read and dropped).
 */
typedef int (*aegis_genl_msg_fn)(const struct nlmsghdr *nlh, void *arg,
				 char *err, size_t errsz);

struct aegis_genl {
	struct nl_sock *sk;
	int family;			/* resolved family id */
	uint8_t version;		/* genl header version of requests */
	char name[GENL_NAMSIZ];
	unsigned char *rxbuf;
	size_t rxsize;
	/* Results of the last request. */
	bool dump_intr;			/* a reply carried NLM_F_DUMP_INTR */
	struct aegis_genl_ack ack;	/* its ack; msg may be a warning */
	/* Optional: names attributes in errmsg instead of numbers. */
	aegis_genl_namer_fn namer;
	/* One line describing the last failure. */
	char errmsg[AEGIS_GENL_ERR_SIZE];
};

/*
 * Connect and resolve family name. Returns 0, or a negative errno with
 * errmsg set (-ENOENT: the family is not registered, module not loaded).
 */
int aegis_genl_open(struct aegis_genl *g, const char *name, uint8_t version);
void aegis_genl_close(struct aegis_genl *g);

/* The socket's file descriptor, for poll(). */
int aegis_genl_fd(const struct aegis_genl *g);

/* A new request: genl header for cmd, nlmsg flags (e.g. NLM_F_DUMP). */
struct nl_msg *aegis_genl_msg_new(const struct aegis_genl *g, uint8_t cmd,
				  int flags);

/*
 * Send msg (completed with sequence number, port and NLM_F_REQUEST|ACK;
 * not freed) and read until its ack, error or NLMSG_DONE, calling cb for
 * each reply (cb may be NULL). Returns 0, the kernel's negative errno, or
 * cb's error, with errmsg set on failure; g->dump_intr and g->ack tell the
 * rest.
 */
int aegis_genl_request(struct aegis_genl *g, struct nl_msg *msg,
		       aegis_genl_msg_fn cb, void *arg);

/* Join multicast group of the family. Returns 0 or -errno, errmsg set. */
int aegis_genl_subscribe(struct aegis_genl *g, const char *group);

/*
 * Read one datagram of notifications (blocks if none is queued) and call
 * cb for each message of the family in it. Returns 0, cb's error, or a
 * negative errno (-ENOBUFS: notifications were lost, the socket is still
 * usable), with errmsg set.
 */
int aegis_genl_receive(struct aegis_genl *g, aegis_genl_msg_fn cb, void *arg);

/*
 * Decode an NLMSG_ERROR or NLMSG_DONE message. Returns 0, or -EBADMSG if
 * nlh is neither or is truncated/malformed.
 */
int aegis_genl_parse_ack(const struct nlmsghdr *nlh, struct aegis_genl_ack *ack);

/*
 * Find the attribute at byte offset offs of the genl request req (offsets
 * count from the start of the nlmsghdr, as extack reports them), looking
 * into nests (NLA_F_NESTED). Writes the types from the top level down to
 * path. Returns the depth (>= 1), or -ENOENT if no attribute starts at offs.
 */
int aegis_genl_attr_path(const struct nlmsghdr *req, uint32_t offs,
			 uint16_t *path, unsigned int max);

/*
 * Describe an error for humans: the errno text, then in parentheses what
 * the kernel said and which attribute it blamed, as far as ack has it.
 * req is the request (for attribute names; may be NULL). Returns buf.
 */
const char *aegis_genl_describe(const struct aegis_genl *g, int error,
				const struct aegis_genl_ack *ack,
				const struct nlmsghdr *req, char *buf,
				size_t size);

#endif /* AEGIS_GENL_H */
