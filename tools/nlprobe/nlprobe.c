// SPDX-License-Identifier: MIT
/*
 * nlprobe: send hand-built, possibly malformed, netlink requests to the
 * aegisray genl family (and rtnetlink) and report exactly what the kernel
 * answered: "ok", or the errno and the extended-ack message. The selftests
 * use it to check the kernel's input validation, and its fuzz mode to throw
 * random requests at the family.
 *
 * Raw AF_NETLINK on purpose: a well-behaved library refuses to build most of
 * the malformed messages this tool exists to send.
 *
 *   nlprobe genl [--dump] CMD [ATTR...]
 *       ATTR is TYPE:FMT:VALUE with FMT one of u8 u16 u32 u64 s32 str (NUL
 *       terminated) raw (no NUL) hex flag, or nest:TYPE ... end.
 *   nlprobe link-add NAME KIND [--info-data] [--address HEX]
 *   nlprobe fuzz-genl COUNT SEED
 *   nlprobe scale DEV NODES PREFIXES
 *       Install NODES nodes and PREFIXES prefixes (pipelined), dump both
 *       back and check every entry came back once, in dumps that span many
 *       messages with one generation; then check that a change during a
 *       dump is flagged with NLM_F_DUMP_INTR.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/aegisray.h>

#define BUF_SIZE 65536
#define MAX_NEST 8

struct nlreq {
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest[MAX_NEST];
	int depth;
};

struct nlconn {
	int fd;
	uint32_t seq;
};

static int nl_open(struct nlconn *c, int proto)
{
	int one = 1;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	c->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (c->fd < 0)
		return -errno;
	setsockopt(c->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(c->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(c->fd);
		return -errno;
	}
	c->seq = (uint32_t)getpid();
	return 0;
}

static void req_init(struct nlreq *r, uint16_t type, uint16_t flags)
{
	memset(r->buf, 0, sizeof(r->buf));
	r->nlh = (struct nlmsghdr *)r->buf;
	r->nlh->nlmsg_len = NLMSG_HDRLEN;
	r->nlh->nlmsg_type = type;
	r->nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->depth = 0;
}

static void *req_tail(struct nlreq *r)
{
	return r->buf + NLMSG_ALIGN(r->nlh->nlmsg_len);
}

static int req_put(struct nlreq *r, const void *data, size_t len)
{
	if (NLMSG_ALIGN(r->nlh->nlmsg_len) + NLMSG_ALIGN(len) > sizeof(r->buf))
		return -EMSGSIZE;
	memcpy(req_tail(r), data, len);
	r->nlh->nlmsg_len = NLMSG_ALIGN(r->nlh->nlmsg_len) + len;
	return 0;
}

static int attr_put(struct nlreq *r, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = req_tail(r);

	if (NLMSG_ALIGN(r->nlh->nlmsg_len) + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(r->buf))
		return -EMSGSIZE;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nlh->nlmsg_len = NLMSG_ALIGN(r->nlh->nlmsg_len) + NLA_HDRLEN + len;
	return 0;
}

static int nest_begin(struct nlreq *r, uint16_t type)
{
	if (r->depth == MAX_NEST)
		return -E2BIG;
	r->nest[r->depth++] = req_tail(r);
	return attr_put(r, type | NLA_F_NESTED, NULL, 0);
}

static int nest_end(struct nlreq *r)
{
	struct nlattr *a;

	if (!r->depth)
		return -EINVAL;
	a = r->nest[--r->depth];
	a->nla_len = (uint16_t)((char *)r->buf + r->nlh->nlmsg_len - (char *)a);
	return 0;
}

/*
 * The extack message of an NLMSG_ERROR, or of an NLMSG_DONE that ends a
 * dump with an error, if any.
 */
static const char *extack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = NLMSG_DATA(nlh);
	size_t off = sizeof(*err);
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (nlh->nlmsg_type == NLMSG_DONE)
		off = sizeof(int);
	else if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - NLMSG_HDRLEN;
	for (; NLMSG_HDRLEN + off + NLA_HDRLEN <= nlh->nlmsg_len;
	     off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)((const char *)NLMSG_DATA(nlh) + off);
		if (a->nla_len < NLA_HDRLEN)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG)
			return (const char *)a + NLA_HDRLEN;
	}
	return NULL;
}

/*
 * Send the request, read until the ack (or the dump's end). Returns 0 or
 * the negative errno the kernel answered; *nmsgs counts the data messages.
 */
static int transact(struct nlconn *c, struct nlreq *r, int *nmsgs, int quiet)
{
	static char rbuf[BUF_SIZE];
	struct nlmsghdr *nlh;

	r->nlh->nlmsg_seq = ++c->seq;
	if (send(c->fd, r->buf, r->nlh->nlmsg_len, 0) < 0)
		return -errno;
	*nmsgs = 0;
	for (;;) {
		ssize_t n = recv(c->fd, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return -errno;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != c->seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE ||
			    nlh->nlmsg_type == NLMSG_ERROR) {
				/* Both start with the error: nlmsgerr, or an int. */
				int error = 0;
				const char *msg;

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&error, NLMSG_DATA(nlh), sizeof(int));
				msg = error ? extack_msg(nlh) : NULL;
				if (!quiet && error)
					printf("error: %s (%d)%s%s\n", strerror(-error),
					       error, msg ? ": " : "", msg ? msg : "");
				return error;
			}
			(*nmsgs)++;
		}
	}
}

static int genl_family_id(struct nlconn *c, const char *name)
{
	struct nlreq *r = calloc(1, sizeof(*r));
	struct genlmsghdr g = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 };
	static char rbuf[BUF_SIZE];
	struct nlmsghdr *nlh;
	int id = -ENOENT;
	ssize_t n;

	if (!r)
		return -ENOMEM;
	req_init(r, GENL_ID_CTRL, 0);
	r->nlh->nlmsg_flags &= ~NLM_F_ACK;
	req_put(r, &g, sizeof(g));
	attr_put(r, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	r->nlh->nlmsg_seq = ++c->seq;
	if (send(c->fd, r->buf, r->nlh->nlmsg_len, 0) < 0 ||
	    (n = recv(c->fd, rbuf, sizeof(rbuf), 0)) < 0) {
		free(r);
		return -errno;
	}
	free(r);
	nlh = (struct nlmsghdr *)rbuf;
	if (NLMSG_OK(nlh, (size_t)n) && nlh->nlmsg_type != NLMSG_ERROR) {
		int len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
		struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);

		for (; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN;
		     len -= NLA_ALIGN(a->nla_len),
		     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
			if (a->nla_type == CTRL_ATTR_FAMILY_ID)
				id = *(uint16_t *)((char *)a + NLA_HDRLEN);
	}
	return id;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int put_hex(struct nlreq *r, uint16_t type, const char *hex)
{
	unsigned char bin[4096];
	size_t len = strlen(hex), i;

	if (len % 2 || len / 2 > sizeof(bin))
		return -EINVAL;
	for (i = 0; i < len / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		bin[i] = (unsigned char)(hi << 4 | lo);
	}
	return attr_put(r, type, bin, len / 2);
}

/* Parse one TYPE:FMT:VALUE (or nest:TYPE / end) argument into the request. */
static int put_arg(struct nlreq *r, const char *arg)
{
	char fmt[8] = "";
	unsigned long type;
	const char *val;
	char *end;

	if (!strcmp(arg, "end"))
		return nest_end(r);
	if (!strncmp(arg, "nest:", 5))
		return nest_begin(r, (uint16_t)strtoul(arg + 5, NULL, 0));
	type = strtoul(arg, &end, 0);
	if (*end != ':' || type > 0x3fff)
		return -EINVAL;
	val = strchr(end + 1, ':');
	if (!val || (size_t)(val - end - 1) >= sizeof(fmt))
		return -EINVAL;
	memcpy(fmt, end + 1, (size_t)(val - end - 1));
	val++;
	if (!strcmp(fmt, "u8")) {
		uint8_t v = (uint8_t)strtoul(val, NULL, 0);
		return attr_put(r, (uint16_t)type, &v, sizeof(v));
	} else if (!strcmp(fmt, "u16")) {
		uint16_t v = (uint16_t)strtoul(val, NULL, 0);
		return attr_put(r, (uint16_t)type, &v, sizeof(v));
	} else if (!strcmp(fmt, "u32")) {
		uint32_t v = (uint32_t)strtoul(val, NULL, 0);
		return attr_put(r, (uint16_t)type, &v, sizeof(v));
	} else if (!strcmp(fmt, "s32")) {
		int32_t v = (int32_t)strtol(val, NULL, 0);
		return attr_put(r, (uint16_t)type, &v, sizeof(v));
	} else if (!strcmp(fmt, "u64")) {
		uint64_t v = strtoull(val, NULL, 0);
		return attr_put(r, (uint16_t)type, &v, sizeof(v));
	} else if (!strcmp(fmt, "str")) {
		return attr_put(r, (uint16_t)type, val, strlen(val) + 1);
	} else if (!strcmp(fmt, "raw")) {
		return attr_put(r, (uint16_t)type, val, strlen(val));
	} else if (!strcmp(fmt, "hex")) {
		return put_hex(r, (uint16_t)type, val);
	} else if (!strcmp(fmt, "flag")) {
		return attr_put(r, (uint16_t)type, NULL, 0);
	}
	return -EINVAL;
}

static int cmd_genl(struct nlreq *r, int argc, char **argv)
{
	struct genlmsghdr g = { .version = AEGIS_GENL_VERSION };
	struct nlconn c;
	int i = 0, dump = 0, family, ret, nmsgs;

	if (i < argc && !strcmp(argv[i], "--dump")) {
		dump = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "nlprobe genl: missing CMD\n");
		return 2;
	}
	if (nl_open(&c, NETLINK_GENERIC) < 0) {
		perror("nlprobe: netlink socket");
		return 1;
	}
	family = genl_family_id(&c, AEGIS_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "nlprobe: genl family %s not found\n", AEGIS_GENL_NAME);
		return 1;
	}
	req_init(r, (uint16_t)family, dump ? NLM_F_DUMP : 0);
	g.cmd = (uint8_t)strtoul(argv[i++], NULL, 0);
	req_put(r, &g, sizeof(g));
	for (; i < argc; i++) {
		if (put_arg(r, argv[i]) < 0) {
			fprintf(stderr, "nlprobe: bad attribute '%s'\n", argv[i]);
			return 2;
		}
	}
	ret = transact(&c, r, &nmsgs, 0);
	close(c.fd);
	if (ret)
		return 1;
	printf("ok %d messages\n", nmsgs);
	return 0;
}

static int cmd_link_add(struct nlreq *r, int argc, char **argv)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlconn c;
	int i, ret, nmsgs;

	if (argc < 2) {
		fprintf(stderr, "nlprobe link-add: NAME KIND [--info-data] [--address HEX]\n");
		return 2;
	}
	if (nl_open(&c, NETLINK_ROUTE) < 0) {
		perror("nlprobe: netlink socket");
		return 1;
	}
	req_init(r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	req_put(r, &ifi, sizeof(ifi));
	attr_put(r, IFLA_IFNAME, argv[0], strlen(argv[0]) + 1);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--address") && i + 1 < argc)
			put_hex(r, IFLA_ADDRESS, argv[++i]);
	}
	nest_begin(r, IFLA_LINKINFO);
	attr_put(r, IFLA_INFO_KIND, argv[1], strlen(argv[1]) + 1);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--info-data")) {
			uint32_t junk = 0xdeadbeef;

			nest_begin(r, IFLA_INFO_DATA);
			attr_put(r, 1, &junk, sizeof(junk));
			nest_end(r);
		}
	}
	nest_end(r);
	ret = transact(&c, r, &nmsgs, 0);
	close(c.fd);
	if (ret)
		return 1;
	printf("ok\n");
	return 0;
}

/* xorshift64*: reproducible from the seed. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void fuzz_attrs(struct nlreq *r, uint64_t *s, int depth)
{
	int n = (int)(rnd(s) % 6), i;

	for (i = 0; i < n; i++) {
		uint16_t type = (uint16_t)(rnd(s) % 24);
		unsigned char data[64];
		size_t len = rnd(s) % 4 == 0 ? rnd(s) % sizeof(data) :
			     (size_t[]){ 0, 1, 2, 4, 8, 16, 32, 33 }[rnd(s) % 8];
		size_t j;

		if (depth < 3 && rnd(s) % 3 == 0) {
			nest_begin(r, type);
			fuzz_attrs(r, s, depth + 1);
			nest_end(r);
			continue;
		}
		for (j = 0; j < len; j++)
			data[j] = (unsigned char)rnd(s);
		/* Sometimes a plausible ifindex, so requests reach handlers. */
		if (type == AEGIS_A_IFINDEX && len == 4 && rnd(s) % 2) {
			uint32_t idx = (uint32_t)(rnd(s) % 8);

			memcpy(data, &idx, sizeof(idx));
		}
		attr_put(r, type, data, len);
	}
	/* Sometimes a truncated or overlong final attribute. */
	if (rnd(s) % 5 == 0)
		r->nlh->nlmsg_len -= (uint32_t)(rnd(s) % 4);
}

static int cmd_fuzz_genl(struct nlreq *r, int argc, char **argv)
{
	unsigned long count, i, ok = 0, err = 0;
	uint64_t seed;
	struct nlconn c;
	int family, nmsgs;

	if (argc < 2) {
		fprintf(stderr, "nlprobe fuzz-genl COUNT SEED\n");
		return 2;
	}
	count = strtoul(argv[0], NULL, 0);
	seed = strtoull(argv[1], NULL, 0) | 1;
	if (nl_open(&c, NETLINK_GENERIC) < 0)
		return 1;
	family = genl_family_id(&c, AEGIS_GENL_NAME);
	if (family < 0)
		return 1;
	for (i = 0; i < count; i++) {
		struct genlmsghdr g = { .cmd = (uint8_t)(rnd(&seed) % (AEGIS_CMD_MAX + 3)),
					.version = AEGIS_GENL_VERSION };

		req_init(r, (uint16_t)family, rnd(&seed) % 4 == 0 ? NLM_F_DUMP : 0);
		req_put(r, &g, sizeof(g));
		fuzz_attrs(r, &seed, 0);
		if (transact(&c, r, &nmsgs, 1))
			err++;
		else
			ok++;
	}
	close(c.fd);
	printf("fuzz-genl: %lu sent, %lu accepted, %lu refused\n", count, ok, err);
	return 0;
}

/* Node id of scale node i: distinct, and never all-zero. */
static void scale_node_id(uint8_t id[AEGIS_NODE_ID_LEN], unsigned long i)
{
	memset(id, 0x5a, AEGIS_NODE_ID_LEN);
	memcpy(id, &i, sizeof(i));
}

/* Send reqs without waiting, then collect their acks; returns errors seen. */
static unsigned long pipeline_acks(struct nlconn *c, unsigned long pending)
{
	static char rbuf[BUF_SIZE];
	unsigned long errors = 0;
	struct nlmsghdr *nlh;

	while (pending) {
		ssize_t n = recv(c->fd, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return errors + pending;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (((struct nlmsgerr *)NLMSG_DATA(nlh))->error) {
				const char *msg = extack_msg(nlh);

				if (errors++ < 5)
					fprintf(stderr, "nlprobe: error %d%s%s\n",
						((struct nlmsgerr *)NLMSG_DATA(nlh))->error,
						msg ? ": " : "", msg ? msg : "");
			}
			pending--;
		}
	}
	return errors;
}

static int scale_send(struct nlconn *c, struct nlreq *r, unsigned long *pending)
{
	r->nlh->nlmsg_seq = ++c->seq;
	if (send(c->fd, r->buf, r->nlh->nlmsg_len, 0) < 0)
		return -errno;
	if (++*pending == 64) {
		if (pipeline_acks(c, *pending))
			return -EIO;
		*pending = 0;
	}
	return 0;
}

static void scale_prefix(struct nlreq *r, unsigned long j, unsigned long nodes)
{
	uint8_t id[AEGIS_NODE_ID_LEN], len;

	scale_node_id(id, j % nodes);
	nest_begin(r, AEGIS_A_PREFIX);
	attr_put(r, AEGIS_PREFIX_A_NODE_ID, id, sizeof(id));
	if (j % 2 == 0) {
		uint8_t a4[4] = { 10, (uint8_t)(j >> 17), (uint8_t)(j >> 9), (uint8_t)(j >> 1) };

		len = 32;
		attr_put(r, AEGIS_PREFIX_A_IP4, a4, sizeof(a4));
	} else {
		uint8_t a6[16] = { 0xfd, 0x00 };

		memcpy(a6 + 8, &j, sizeof(j));
		len = 128;
		attr_put(r, AEGIS_PREFIX_A_IP6, a6, sizeof(a6));
	}
	attr_put(r, AEGIS_PREFIX_A_LEN, &len, sizeof(len));
	nest_end(r);
}

/* Decode a dumped prefix back to its scale index j, or -1. */
static long scale_decode(const struct nlattr *nest)
{
	const struct nlattr *a;
	int rem = nest->nla_len - NLA_HDRLEN;
	long j = -1;

	for (a = (const struct nlattr *)((const char *)nest + NLA_HDRLEN);
	     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		const uint8_t *d = (const uint8_t *)a + NLA_HDRLEN;

		if (a->nla_type == AEGIS_PREFIX_A_IP4)
			j = (long)((unsigned long)d[1] << 17 | (unsigned long)d[2] << 9 |
				   (unsigned long)d[3] << 1);
		else if (a->nla_type == AEGIS_PREFIX_A_IP6)
			memcpy(&j, d + 8, sizeof(j));
	}
	return j;
}

struct dump_stats {
	unsigned long msgs, entries, intr, dup, bad;
	uint32_t gen;
	int gen_mixed;
};

/*
 * Dump CMD for DEV; for prefix dumps mark seen[] by scale index. If
 * poke != NULL, run it once after the first part arrived.
 */
static int scale_dump(struct nlconn *c, int family, uint8_t cmd, uint32_t ifindex,
		      unsigned char *seen, unsigned long nseen,
		      struct dump_stats *st, int (*poke)(void *), void *poke_ctx)
{
	static char rbuf[BUF_SIZE];
	struct genlmsghdr g = { .cmd = cmd, .version = AEGIS_GENL_VERSION };
	struct nlreq *r = calloc(1, sizeof(*r));
	struct nlmsghdr *nlh;
	int first = 1;

	if (!r)
		return -ENOMEM;
	memset(st, 0, sizeof(*st));
	req_init(r, (uint16_t)family, NLM_F_DUMP);
	req_put(r, &g, sizeof(g));
	attr_put(r, AEGIS_A_IFINDEX, &ifindex, sizeof(ifindex));
	r->nlh->nlmsg_seq = ++c->seq;
	if (send(c->fd, r->buf, r->nlh->nlmsg_len, 0) < 0) {
		free(r);
		return -errno;
	}
	free(r);
	for (;;) {
		ssize_t n = recv(c->fd, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return -errno;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			const struct nlattr *a;
			int rem;

			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				st->intr++;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			st->msgs++;
			rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
			for (a = (const struct nlattr *)((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
			     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN;
			     rem -= NLA_ALIGN(a->nla_len),
			     a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len))) {
				uint16_t type = a->nla_type & NLA_TYPE_MASK;

				if (type == AEGIS_A_GENERATION) {
					uint32_t gen = *(const uint32_t *)((const char *)a + NLA_HDRLEN);

					if (st->msgs > 1 && gen != st->gen)
						st->gen_mixed = 1;
					st->gen = gen;
				} else if (type == AEGIS_A_NODE && cmd == AEGIS_CMD_NODE_GET) {
					st->entries++;
				} else if (type == AEGIS_A_PREFIX && seen) {
					long j = scale_decode(a);

					st->entries++;
					if (j < 0 || (unsigned long)j >= nseen)
						st->bad++;
					else if (seen[j]++)
						st->dup++;
				}
			}
		}
		if (first && poke) {
			first = 0;
			if (poke(poke_ctx))
				return -EIO;
		}
	}
}

struct scale_poke {
	struct nlconn *c;
	int family;
	uint32_t ifindex;
	unsigned long nodes, j;
};

/* Add one more prefix through a second request while a dump is open. */
static int scale_poke_fn(void *arg)
{
	struct scale_poke *p = arg;
	struct genlmsghdr g = { .cmd = AEGIS_CMD_PREFIX_ADD, .version = AEGIS_GENL_VERSION };
	struct nlreq *r = calloc(1, sizeof(*r));
	int nmsgs, ret;

	if (!r)
		return -ENOMEM;
	req_init(r, (uint16_t)p->family, 0);
	req_put(r, &g, sizeof(g));
	attr_put(r, AEGIS_A_IFINDEX, &p->ifindex, sizeof(p->ifindex));
	scale_prefix(r, p->j, p->nodes);
	ret = transact(p->c, r, &nmsgs, 0);
	free(r);
	return ret;
}

static int cmd_scale(struct nlreq *r, int argc, char **argv)
{
	unsigned long nodes, prefixes, i, pending = 0, missing = 0;
	struct genlmsghdr g = { .version = AEGIS_GENL_VERSION };
	struct nlconn c, c2;
	struct dump_stats st;
	struct scale_poke poke;
	unsigned char *seen;
	uint32_t ifindex;
	int family, ret;

	if (argc < 3) {
		fprintf(stderr, "nlprobe scale DEV NODES PREFIXES\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[0]);
	nodes = strtoul(argv[1], NULL, 0);
	prefixes = strtoul(argv[2], NULL, 0);
	if (!ifindex || !nodes) {
		fprintf(stderr, "nlprobe scale: bad device or node count\n");
		return 2;
	}
	if (nl_open(&c, NETLINK_GENERIC) < 0 || nl_open(&c2, NETLINK_GENERIC) < 0)
		return 1;
	family = genl_family_id(&c, AEGIS_GENL_NAME);
	if (family < 0)
		return 1;

	for (i = 0; i < nodes; i++) {
		uint8_t id[AEGIS_NODE_ID_LEN];

		scale_node_id(id, i);
		req_init(r, (uint16_t)family, 0);
		g.cmd = AEGIS_CMD_NODE_NEW;
		req_put(r, &g, sizeof(g));
		attr_put(r, AEGIS_A_IFINDEX, &ifindex, sizeof(ifindex));
		nest_begin(r, AEGIS_A_NODE);
		attr_put(r, AEGIS_NODE_A_ID, id, sizeof(id));
		nest_end(r);
		if (scale_send(&c, r, &pending))
			return 1;
	}
	for (i = 0; i < prefixes; i++) {
		req_init(r, (uint16_t)family, 0);
		g.cmd = AEGIS_CMD_PREFIX_ADD;
		req_put(r, &g, sizeof(g));
		attr_put(r, AEGIS_A_IFINDEX, &ifindex, sizeof(ifindex));
		scale_prefix(r, i, nodes);
		if (scale_send(&c, r, &pending))
			return 1;
	}
	if (pipeline_acks(&c, pending))
		return 1;
	printf("scale: installed %lu nodes and %lu prefixes\n", nodes, prefixes);

	ret = scale_dump(&c, family, AEGIS_CMD_NODE_GET, ifindex, NULL, 0, &st, NULL, NULL);
	printf("scale: node dump: %lu nodes in %lu messages, generation %u, intr %lu\n",
	       st.entries, st.msgs, st.gen, st.intr);
	if (ret || st.entries != nodes || st.intr || st.gen_mixed) {
		fprintf(stderr, "scale: node dump wrong (ret %d)\n", ret);
		return 1;
	}

	seen = calloc(prefixes + 1, 1);
	if (!seen)
		return 1;
	ret = scale_dump(&c, family, AEGIS_CMD_PREFIX_GET, ifindex, seen, prefixes, &st, NULL, NULL);
	for (i = 0; i < prefixes; i++)
		missing += !seen[i];
	printf("scale: prefix dump: %lu prefixes in %lu messages, %lu missing, %lu duplicate, %lu unknown, generation %u, intr %lu\n",
	       st.entries, st.msgs, missing, st.dup, st.bad, st.gen, st.intr);
	if (ret || missing || st.dup || st.bad || st.intr || st.gen_mixed ||
	    (prefixes > 1000 && st.msgs < 2)) {
		fprintf(stderr, "scale: prefix dump wrong (ret %d)\n", ret);
		return 1;
	}

	/* A change in the middle of a dump must be flagged. */
	memset(seen, 0, prefixes + 1);
	poke = (struct scale_poke){ .c = &c2, .family = family, .ifindex = ifindex,
				    .nodes = nodes, .j = prefixes };
	ret = scale_dump(&c, family, AEGIS_CMD_PREFIX_GET, ifindex, seen, prefixes + 1,
			 &st, scale_poke_fn, &poke);
	/*
	 * The change only added a prefix: the dump, resumed from its counts
	 * rather than its saved place, must still hold every earlier one.
	 */
	for (missing = 0, i = 0; i < prefixes; i++)
		missing += !seen[i];
	printf("scale: dump with a concurrent change: intr %lu, %lu missing, %lu duplicate\n",
	       st.intr, missing, st.dup);
	free(seen);
	if (ret || (prefixes > 1000 && !st.intr)) {
		fprintf(stderr, "scale: a change during the dump was not flagged\n");
		return 1;
	}
	if (missing || st.dup) {
		fprintf(stderr, "scale: the dump lost or repeated prefixes after a change\n");
		return 1;
	}
	printf("scale: ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct nlreq *r, int argc, char **argv);
	} cmds[] = {
		{ "genl", cmd_genl },
		{ "link-add", cmd_link_add },
		{ "fuzz-genl", cmd_fuzz_genl },
		{ "scale", cmd_scale },
	};
	struct nlreq *r;
	size_t i;
	int ret;

	for (i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		r = calloc(1, sizeof(*r));
		if (!r)
			return 1;
		ret = cmds[i].fn(r, argc - 2, argv + 2);
		free(r);
		return ret;
	}
	fprintf(stderr,
		"usage: nlprobe genl [--dump] CMD [TYPE:FMT:VALUE | nest:TYPE | end]...\n"
		"       nlprobe link-add NAME KIND [--info-data] [--address HEX]\n"
		"       nlprobe fuzz-genl COUNT SEED\n"
		"       nlprobe scale DEV NODES PREFIXES\n");
	return 2;
}
