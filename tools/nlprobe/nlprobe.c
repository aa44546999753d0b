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

/* Print the extack message of an NLMSG_ERROR, if any. */
static const char *extack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = NLMSG_DATA(nlh);
	size_t off = sizeof(*err);
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
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
	ssize_t n;

	r->nlh->nlmsg_seq = ++c->seq;
	if (send(c->fd, r->buf, r->nlh->nlmsg_len, 0) < 0)
		return -errno;
	*nmsgs = 0;
	for (;;) {
		n = recv(c->fd, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return -errno;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != c->seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);
				const char *msg = extack_msg(nlh);

				if (!quiet && e->error)
					printf("error: %s (%d)%s%s\n", strerror(-e->error),
					       e->error, msg ? ": " : "", msg ? msg : "");
				return e->error;
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

static int cmd_genl(int argc, char **argv)
{
	struct genlmsghdr g = { .version = AEGIS_GENL_VERSION };
	struct nlreq *r = calloc(1, sizeof(*r));
	struct nlconn c;
	int i = 0, dump = 0, family, ret, nmsgs;

	if (!r)
		return 1;
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
	free(r);
	if (ret)
		return 1;
	printf("ok %d messages\n", nmsgs);
	return 0;
}

static int cmd_link_add(int argc, char **argv)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlreq *r = calloc(1, sizeof(*r));
	struct nlconn c;
	int i, ret, nmsgs;

	if (!r)
		return 1;
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
	free(r);
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

static int cmd_fuzz_genl(int argc, char **argv)
{
	struct nlreq *r = calloc(1, sizeof(*r));
	unsigned long count, i, ok = 0, err = 0;
	uint64_t seed;
	struct nlconn c;
	int family, nmsgs, ret;

	if (!r || argc < 2) {
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
		ret = transact(&c, r, &nmsgs, 1);
		if (ret)
			err++;
		else
			ok++;
	}
	close(c.fd);
	free(r);
	printf("fuzz-genl: %lu sent, %lu accepted, %lu refused\n", count, ok, err);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "genl"))
		return cmd_genl(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "link-add"))
		return cmd_link_add(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "fuzz-genl"))
		return cmd_fuzz_genl(argc - 2, argv + 2);
	fprintf(stderr,
		"usage: nlprobe genl [--dump] CMD [TYPE:FMT:VALUE | nest:TYPE | end]...\n"
		"       nlprobe link-add NAME KIND [--info-data] [--address HEX]\n"
		"       nlprobe fuzz-genl COUNT SEED\n");
	return 2;
}
