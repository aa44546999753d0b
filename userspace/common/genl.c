// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define RXBUF_MIN	(32 * 1024)
#define MONITOR_RCVBUF	(4 * 1024 * 1024)

/* libnl error codes to errno, for the few libnl calls used here. */
static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	default:
		return -EIO;
	}
}

int aegis_genl_open(struct aegis_genl *g, const char *name, uint8_t version)
{
	int one = 1;
	int ret;

	memset(g, 0, sizeof(*g));
	if (strlen(name) >= sizeof(g->name)) {
		snprintf(g->errmsg, sizeof(g->errmsg),
			 "generic netlink family name '%s' is too long", name);
		return -EINVAL;
	}
	strcpy(g->name, name);
	g->version = version;
	g->sk = nl_socket_alloc();
	if (!g->sk) {
		snprintf(g->errmsg, sizeof(g->errmsg), "cannot allocate a netlink socket");
		return -ENOMEM;
	}
	ret = genl_connect(g->sk);
	if (ret < 0) {
		snprintf(g->errmsg, sizeof(g->errmsg),
			 "cannot open a generic netlink socket: %s", nl_geterror(ret));
		ret = nle_to_errno(ret);
		goto err;
	}
	/* Best effort: kernels before 4.12 have no extended acks. */
	(void)setsockopt(nl_socket_get_fd(g->sk), SOL_NETLINK, NETLINK_EXT_ACK,
			 &one, sizeof(one));
	(void)setsockopt(nl_socket_get_fd(g->sk), SOL_NETLINK, NETLINK_CAP_ACK,
			 &one, sizeof(one));
	ret = genl_ctrl_resolve(g->sk, name);
	if (ret < 0) {
		if (ret == -NLE_OBJ_NOTFOUND)
			snprintf(g->errmsg, sizeof(g->errmsg),
				 "generic netlink family '%s' not found (is the %s module loaded?)",
				 name, name);
		else
			snprintf(g->errmsg, sizeof(g->errmsg),
				 "cannot resolve generic netlink family '%s': %s",
				 name, nl_geterror(ret));
		ret = nle_to_errno(ret);
		goto err;
	}
	g->family = ret;
	g->rxbuf = malloc(RXBUF_MIN);
	if (!g->rxbuf) {
		snprintf(g->errmsg, sizeof(g->errmsg), "out of memory");
		ret = -ENOMEM;
		goto err;
	}
	g->rxsize = RXBUF_MIN;
	return 0;

err:
	nl_socket_free(g->sk);
	g->sk = NULL;
	return ret;
}

void aegis_genl_close(struct aegis_genl *g)
{
	if (g->sk)
		nl_socket_free(g->sk);	/* closes the fd */
	g->sk = NULL;
	free(g->rxbuf);
	g->rxbuf = NULL;
	g->rxsize = 0;
}

int aegis_genl_fd(const struct aegis_genl *g)
{
	return g->sk ? nl_socket_get_fd(g->sk) : -1;
}

struct nl_msg *aegis_genl_msg_new(const struct aegis_genl *g, uint8_t cmd,
				  int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0, flags,
			 cmd, g->version)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Receive one whole datagram into g->rxbuf. Returns its length or -errno. */
static ssize_t recv_datagram(struct aegis_genl *g)
{
	int fd = nl_socket_get_fd(g->sk);

	for (;;) {
		ssize_t n = recv(fd, g->rxbuf, g->rxsize, MSG_PEEK | MSG_TRUNC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((size_t)n > g->rxsize) {
			size_t size = ((size_t)n + 4095) & ~(size_t)4095;
			unsigned char *p = realloc(g->rxbuf, size);

			if (!p)
				return -ENOMEM;
			g->rxbuf = p;
			g->rxsize = size;
			continue;
		}
		n = recv(fd, g->rxbuf, g->rxsize, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		return n;
	}
}

static void parse_ack_tlvs(const unsigned char *p, int len,
			   struct aegis_genl_ack *ack)
{
	const struct nlattr *nla = (const struct nlattr *)p;
	int rem = len;

	for (; nla_ok(nla, rem); nla = nla_next(nla, &rem)) {
		int alen = nla_len(nla);
		const void *data = nla_data(nla);
		uint32_t v;

		switch (nla_type(nla)) {
		case NLMSGERR_ATTR_MSG: {
			size_t n = strnlen(data, (size_t)alen);

			if (n >= sizeof(ack->msg))
				n = sizeof(ack->msg) - 1;
			memcpy(ack->msg, data, n);
			ack->msg[n] = '\0';
			/* Keep it one line of printable text. */
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)ack->msg[i] < 0x20)
					ack->msg[i] = ' ';
			break;
		}
		case NLMSGERR_ATTR_OFFS:
		case NLMSGERR_ATTR_MISS_TYPE:
		case NLMSGERR_ATTR_MISS_NEST:
			if (alen != sizeof(v))
				break;
			memcpy(&v, data, sizeof(v));
			if (nla_type(nla) == NLMSGERR_ATTR_OFFS) {
				ack->has_offs = true;
				ack->offs = v;
			} else if (nla_type(nla) == NLMSGERR_ATTR_MISS_TYPE) {
				ack->has_miss_type = true;
				ack->miss_type = v;
			} else {
				ack->has_miss_nest = true;
				ack->miss_nest = v;
			}
			break;
		default:
			break;
		}
	}
}

int aegis_genl_parse_ack(const struct nlmsghdr *nlh, struct aegis_genl_ack *ack)
{
	const unsigned char *base = (const unsigned char *)nlh;
	size_t tlv;
	int error;

	memset(ack, 0, sizeof(*ack));
	if (nlh->nlmsg_len < NLMSG_HDRLEN)
		return -EBADMSG;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e;

		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return -EBADMSG;
		e = NLMSG_DATA(nlh);
		error = e->error;
		tlv = NLMSG_LENGTH(sizeof(*e));
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			/* The request is echoed back in full. */
			if (e->msg.nlmsg_len < NLMSG_HDRLEN)
				return -EBADMSG;
			tlv += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
		}
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		/* Old kernels may send an empty NLMSG_DONE. */
		error = 0;
		tlv = NLMSG_LENGTH(sizeof(int));
		if (nlh->nlmsg_len >= tlv)
			memcpy(&error, NLMSG_DATA(nlh), sizeof(error));
	} else {
		return -EBADMSG;
	}
	if (error > 0 || error < -4095)
		return -EBADMSG;
	ack->error = error;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && tlv < nlh->nlmsg_len)
		parse_ack_tlvs(base + tlv, (int)(nlh->nlmsg_len - tlv), ack);
	return 0;
}

static int attr_path_in(const unsigned char *base, size_t start, size_t end,
			uint32_t offs, uint16_t *path, unsigned int depth,
			unsigned int max)
{
	size_t pos = start;

	while (pos + NLA_HDRLEN <= end) {
		const struct nlattr *nla = (const struct nlattr *)(base + pos);
		size_t alen = nla->nla_len;

		if (alen < NLA_HDRLEN || pos + alen > end)
			return -ENOENT;
		if (offs == pos) {
			if (depth >= max)
				return -ENOENT;
			path[depth] = nla->nla_type & NLA_TYPE_MASK;
			return (int)depth + 1;
		}
		if (offs > pos && offs < pos + alen) {
			if (!(nla->nla_type & NLA_F_NESTED) || depth >= max)
				return -ENOENT;
			path[depth] = nla->nla_type & NLA_TYPE_MASK;
			return attr_path_in(base, pos + NLA_HDRLEN, pos + alen,
					    offs, path, depth + 1, max);
		}
		pos += NLA_ALIGN(alen);
	}
	return -ENOENT;
}

int aegis_genl_attr_path(const struct nlmsghdr *req, uint32_t offs,
			 uint16_t *path, unsigned int max)
{
	size_t start = NLMSG_HDRLEN + GENL_HDRLEN;

	if (req->nlmsg_len < start || offs < start || offs >= req->nlmsg_len)
		return -ENOENT;
	return attr_path_in((const unsigned char *)req, start, req->nlmsg_len,
			    offs, path, 0, max);
}

/* Name of the attribute at path: the namer's, or the types as numbers. */
static void name_path(const struct aegis_genl *g, const uint16_t *path,
		      unsigned int depth, char *buf, size_t size)
{
	size_t used = 0;
	unsigned int i;

	if (g && g->namer && g->namer(path, depth, buf, size) == 0)
		return;
	if (!size)
		return;
	buf[0] = '\0';
	for (i = 0; i < depth && used + 1 < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%u",
				 i ? "/" : "", path[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

const char *aegis_genl_describe(const struct aegis_genl *g, int error,
				const struct aegis_genl_ack *ack,
				const struct nlmsghdr *req, char *buf,
				size_t size)
{
	uint16_t path[AEGIS_GENL_MAX_PATH + 1];
	char name[128];
	const char *sep = " (";
	size_t used;
	int depth;

	/* used stays < size: every append gets a valid (maybe 1-byte) room. */
#define APPEND(...) do { \
		int n_ = snprintf(buf + used, size - used, __VA_ARGS__); \
		if (n_ > 0) \
			used = used + (size_t)n_ < size ? used + (size_t)n_ : size - 1; \
	} while (0)

	if (!size)
		return buf;
	used = 0;
	APPEND("%s", strerror(error < 0 ? -error : error));
	if (ack && ack->msg[0]) {
		APPEND("%skernel: %s", sep, ack->msg);
		sep = "; ";
	} else if (error == -EPERM) {
		APPEND("%sneeds CAP_NET_ADMIN", sep);
		sep = "; ";
	}
	if (ack && ack->has_offs && req) {
		depth = aegis_genl_attr_path(req, ack->offs, path, AEGIS_GENL_MAX_PATH);
		if (depth > 0) {
			name_path(g, path, (unsigned int)depth, name, sizeof(name));
			APPEND("%sattribute %s", sep, name);
			sep = "; ";
		}
	}
	if (ack && ack->has_miss_type) {
		depth = 0;
		if (ack->has_miss_nest && req)
			depth = aegis_genl_attr_path(req, ack->miss_nest, path,
						     AEGIS_GENL_MAX_PATH);
		if (depth < 0)
			depth = 0;
		path[depth++] = (uint16_t)ack->miss_type;
		name_path(g, path, (unsigned int)depth, name, sizeof(name));
		APPEND("%smissing attribute %s", sep, name);
		sep = "; ";
	}
	if (sep[0] == ';')
		APPEND(")");
#undef APPEND
	return buf;
}

/*
 * Walk the messages of one datagram. In request mode (seq != 0) only
 * messages answering seq count, and an ack/error/done ends the request.
 */
struct walk {
	uint32_t seq;
	uint32_t portid;
	aegis_genl_msg_fn cb;
	void *arg;
	int cb_err;
	bool done;
};

static int walk_datagram(struct aegis_genl *g, size_t len, struct walk *w)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)g->rxbuf;
	int rem = (int)len;

	for (; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
		if (w->seq && (nlh->nlmsg_seq != w->seq ||
			       nlh->nlmsg_pid != w->portid))
			continue;	/* stale reply of an earlier request */
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			g->dump_intr = true;
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
		case NLMSG_OVERRUN:
			continue;
		case NLMSG_ERROR:
		case NLMSG_DONE:
			if (!w->seq)
				continue;
			if (aegis_genl_parse_ack(nlh, &g->ack)) {
				snprintf(g->errmsg, sizeof(g->errmsg),
					 "malformed netlink ack from the kernel");
				return -EBADMSG;
			}
			w->done = true;
			return 0;
		default:
			if ((int)nlh->nlmsg_type != g->family || !w->cb || w->cb_err)
				continue;
			w->cb_err = w->cb(nlh, w->arg, g->errmsg, sizeof(g->errmsg));
			break;
		}
	}
	return 0;
}

static int send_request(struct aegis_genl *g, struct nl_msg *msg)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	ssize_t n;

	do {
		n = sendto(nl_socket_get_fd(g->sk), nlh, nlh->nlmsg_len, 0,
			   (struct sockaddr *)&kernel, sizeof(kernel));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return 0;
}

int aegis_genl_request(struct aegis_genl *g, struct nl_msg *msg,
		       aegis_genl_msg_fn cb, void *arg)
{
	struct walk w = { .cb = cb, .arg = arg };
	int ret;

	g->dump_intr = false;
	memset(&g->ack, 0, sizeof(g->ack));
	g->errmsg[0] = '\0';

	nl_complete_msg(g->sk, msg);
	w.seq = nlmsg_hdr(msg)->nlmsg_seq;
	w.portid = nl_socket_get_local_port(g->sk);
	if (!w.seq)	/* 0 means "no request" to walk_datagram() */
		w.seq = nlmsg_hdr(msg)->nlmsg_seq = nl_socket_use_seq(g->sk);
	ret = send_request(g, msg);
	if (ret) {
		snprintf(g->errmsg, sizeof(g->errmsg), "cannot send the request: %s",
			 strerror(-ret));
		return ret;
	}
	while (!w.done) {
		ssize_t n = recv_datagram(g);

		if (n < 0) {
			snprintf(g->errmsg, sizeof(g->errmsg),
				 "cannot receive the reply: %s", strerror((int)-n));
			return (int)n;
		}
		if (n == 0) {
			snprintf(g->errmsg, sizeof(g->errmsg),
				 "netlink socket closed before the reply");
			return -ECONNRESET;
		}
		ret = walk_datagram(g, (size_t)n, &w);
		if (ret)
			return ret;
	}
	if (g->ack.error) {
		aegis_genl_describe(g, g->ack.error, &g->ack, nlmsg_hdr(msg),
				    g->errmsg, sizeof(g->errmsg));
		return g->ack.error;
	}
	return w.cb_err;	/* errmsg written by cb */
}

int aegis_genl_subscribe(struct aegis_genl *g, const char *group)
{
	int grp, ret;

	grp = genl_ctrl_resolve_grp(g->sk, g->name, group);
	if (grp < 0) {
		snprintf(g->errmsg, sizeof(g->errmsg),
			 "cannot find multicast group '%s' of family '%s': %s",
			 group, g->name, nl_geterror(grp));
		return nle_to_errno(grp);
	}
	/* Room for bursts of notifications; ENOBUFS says if it was not enough. */
	(void)nl_socket_set_buffer_size(g->sk, MONITOR_RCVBUF, 0);
	ret = nl_socket_add_membership(g->sk, grp);
	if (ret < 0) {
		snprintf(g->errmsg, sizeof(g->errmsg),
			 "cannot join multicast group '%s': %s", group,
			 nl_geterror(ret));
		return nle_to_errno(ret);
	}
	return 0;
}

int aegis_genl_receive(struct aegis_genl *g, aegis_genl_msg_fn cb, void *arg)
{
	struct walk w = { .cb = cb, .arg = arg };
	ssize_t n;
	int ret;

	g->errmsg[0] = '\0';
	n = recv_datagram(g);
	if (n == -ENOBUFS) {
		snprintf(g->errmsg, sizeof(g->errmsg),
			 "notifications lost: the socket receive buffer overflowed");
		return -ENOBUFS;
	}
	if (n < 0) {
		snprintf(g->errmsg, sizeof(g->errmsg),
			 "cannot receive notifications: %s", strerror((int)-n));
		return (int)n;
	}
	ret = walk_datagram(g, (size_t)n, &w);
	if (ret)
		return ret;
	return w.cb_err;
}
