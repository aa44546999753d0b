/* SPDX-License-Identifier: MIT */
/*
 * A fake kernel for tests of the generic netlink request loop: the
 * aegis_genl socket is swapped for one end of a SOCK_SEQPACKET pair
 * (datagram boundaries kept, like netlink), and the test writes the
 * "kernel's" replies into the other end, in order, before the request.
 * Requests the code under test sends land in the pair and are drained.
 */
#ifndef AEGIS_TEST_FAKENL_H
#define AEGIS_TEST_FAKENL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "genl.h"

struct fakenl {
	int peer;		/* the "kernel" end */
	uint32_t portid;	/* of the socket under test */
	int family;
	/* A datagram being put together. */
	unsigned char *dgram;
	size_t len, cap;
};

/* Swap g's netlink socket for a socketpair end. */
static inline void fakenl_attach(struct fakenl *f, struct aegis_genl *g)
{
	int sv[2];

	memset(f, 0, sizeof(*f));
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(dup2(sv[0], aegis_genl_fd(g)), aegis_genl_fd(g));
	close(sv[0]);
	f->peer = sv[1];
	f->portid = nl_socket_get_local_port(g->sk);
	f->family = g->family;
}

static inline void fakenl_detach(struct fakenl *f)
{
	close(f->peer);
	free(f->dgram);
}

/* The sequence number the next request on g will carry. */
static inline uint32_t fakenl_next_seq(struct aegis_genl *g)
{
	return nl_socket_use_seq(g->sk) + 1;
}

/* Append a message to the datagram being built. */
static inline void fakenl_add(struct fakenl *f, const struct nlmsghdr *nlh)
{
	size_t n = NLMSG_ALIGN(nlh->nlmsg_len);

	if (f->len + n > f->cap) {
		f->cap = (f->len + n) * 2;
		f->dgram = realloc(f->dgram, f->cap);
		assert_non_null(f->dgram);
	}
	memcpy(f->dgram + f->len, nlh, nlh->nlmsg_len);
	memset(f->dgram + f->len + nlh->nlmsg_len, 0, n - nlh->nlmsg_len);
	f->len += n;
}

/* Send the datagram built so far. */
static inline void fakenl_flush(struct fakenl *f)
{
	assert_int_equal(send(f->peer, f->dgram, f->len, 0), (ssize_t)f->len);
	f->len = 0;
}

/* A reply of the family: genl header for cmd; add attributes, then fakenl_put. */
static inline struct nl_msg *fakenl_msg(struct fakenl *f, uint32_t seq,
					uint8_t cmd, uint16_t flags)
{
	struct nl_msg *msg = nlmsg_alloc_size(256 * 1024);

	assert_non_null(msg);
	assert_non_null(genlmsg_put(msg, f->portid, seq, f->family, 0, flags, cmd, 1));
	return msg;
}

/* Add msg to the datagram and free it. */
static inline void fakenl_put(struct fakenl *f, struct nl_msg *msg)
{
	fakenl_add(f, nlmsg_hdr(msg));
	nlmsg_free(msg);
}

/* An ack (error 0) or error, capped, with an optional extack message/offset. */
static inline void fakenl_ack(struct fakenl *f, uint32_t seq, int error,
			      const char *text, int64_t offs)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	assert_non_null(msg);
	nlh = nlmsg_put(msg, f->portid, seq, NLMSG_ERROR, sizeof(*e), NLM_F_CAPPED);
	assert_non_null(nlh);
	e = nlmsg_data(nlh);
	e->error = error;
	e->msg.nlmsg_seq = seq;
	if (text || offs >= 0)
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	if (text)
		nla_put_string(msg, NLMSGERR_ATTR_MSG, text);
	if (offs >= 0)
		nla_put_u32(msg, NLMSGERR_ATTR_OFFS, (uint32_t)offs);
	fakenl_put(f, msg);
}

/* The end of a dump, with its error (0 = fine). */
static inline void fakenl_done(struct fakenl *f, uint32_t seq, int error,
			       uint16_t flags)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlmsghdr *nlh;

	assert_non_null(msg);
	nlh = nlmsg_put(msg, f->portid, seq, NLMSG_DONE, sizeof(int),
			NLM_F_MULTI | flags);
	assert_non_null(nlh);
	memcpy(nlmsg_data(nlh), &error, sizeof(error));
	fakenl_put(f, msg);
}

/* Read and discard what the code under test sent. Returns the count. */
static inline int fakenl_drain(struct fakenl *f)
{
	unsigned char buf[65536];
	int n = 0;

	while (recv(f->peer, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	return n;
}

#endif /* AEGIS_TEST_FAKENL_H */
