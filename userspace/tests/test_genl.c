// SPDX-License-Identifier: MIT
/*
 * Unit tests: userspace/common/genl.c. Acks and errors are built by hand;
 * the request loop runs against the kernel's own "nlctrl" family, which
 * every kernel has and which needs no privilege (skipped without netlink).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <linux/genetlink.h>
#include <netlink/genl/genl.h>

#include "aegis_nl.h"
#include "genl.h"
#include "fakenl.h"

/* A message buffer big enough for every hand-built ack. */
struct raw {
	union {
		struct nlmsghdr h;
		uint8_t bytes[512];
	} u;
	size_t len;
};

static void raw_init(struct raw *r, uint16_t type, uint16_t flags)
{
	memset(r, 0, sizeof(*r));
	r->u.h.nlmsg_type = type;
	r->u.h.nlmsg_flags = flags;
	r->len = NLMSG_HDRLEN;
	r->u.h.nlmsg_len = (uint32_t)r->len;
}

static void raw_append(struct raw *r, const void *data, size_t len)
{
	assert_true(r->len + NLMSG_ALIGN(len) <= sizeof(r->u.bytes));
	memcpy(r->u.bytes + r->len, data, len);
	r->len += NLMSG_ALIGN(len);
	r->u.h.nlmsg_len = (uint32_t)r->len;
}

static void raw_attr(struct raw *r, uint16_t type, const void *data, size_t len)
{
	struct nlattr nla = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };
	size_t start = r->len;

	raw_append(r, &nla, sizeof(nla));
	memcpy(r->u.bytes + r->len, data, len);
	r->len = start + NLA_ALIGN(NLA_HDRLEN + len);
	r->u.h.nlmsg_len = (uint32_t)r->len;
}

static void test_ack_plain(void **state)
{
	struct nlmsgerr e = { .error = 0 };
	struct aegis_genl_ack ack;
	struct raw r;

	(void)state;
	raw_init(&r, NLMSG_ERROR, NLM_F_CAPPED);
	raw_append(&r, &e, sizeof(e));
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), 0);
	assert_int_equal(ack.error, 0);
	assert_string_equal(ack.msg, "");
	assert_false(ack.has_offs);
}

static void test_ack_capped_tlvs(void **state)
{
	struct nlmsgerr e = { .error = -EINVAL };
	struct aegis_genl_ack ack;
	uint32_t offs = 40, miss = 3, nest = 20;
	struct raw r;

	(void)state;
	raw_init(&r, NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	e.msg.nlmsg_len = 200;	/* the request's length: not echoed when capped */
	raw_append(&r, &e, sizeof(e));
	raw_attr(&r, NLMSGERR_ATTR_MSG, "integer out of range", 21);
	raw_attr(&r, NLMSGERR_ATTR_OFFS, &offs, 4);
	raw_attr(&r, NLMSGERR_ATTR_MISS_TYPE, &miss, 4);
	raw_attr(&r, NLMSGERR_ATTR_MISS_NEST, &nest, 4);
	raw_attr(&r, 99, "x", 1);	/* unknown: ignored */
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), 0);
	assert_int_equal(ack.error, -EINVAL);
	assert_string_equal(ack.msg, "integer out of range");
	assert_true(ack.has_offs);
	assert_int_equal(ack.offs, 40);
	assert_true(ack.has_miss_type);
	assert_int_equal(ack.miss_type, 3);
	assert_true(ack.has_miss_nest);
	assert_int_equal(ack.miss_nest, 20);
}

static void test_ack_echoed_request(void **state)
{
	struct nlmsgerr e = { .error = -ENODEV };
	struct aegis_genl_ack ack;
	uint8_t payload[10] = { 0 };	/* echoed request payload, unaligned size */
	struct raw r;

	(void)state;
	raw_init(&r, NLMSG_ERROR, NLM_F_ACK_TLVS);
	e.msg.nlmsg_len = NLMSG_HDRLEN + sizeof(payload);
	raw_append(&r, &e, sizeof(e));
	raw_append(&r, payload, sizeof(payload));
	raw_attr(&r, NLMSGERR_ATTR_MSG, "no such device", 15);
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), 0);
	assert_int_equal(ack.error, -ENODEV);
	assert_string_equal(ack.msg, "no such device");
}

static void test_ack_msg_sanitised(void **state)
{
	struct nlmsgerr e = { .error = -EINVAL };
	struct aegis_genl_ack ack;
	char longmsg[400];
	struct raw r;

	(void)state;
	/* Not NUL-terminated, with a newline: one line, bounded by the attr. */
	raw_init(&r, NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	raw_append(&r, &e, sizeof(e));
	raw_attr(&r, NLMSGERR_ATTR_MSG, "bad\nthing", 9);
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), 0);
	assert_string_equal(ack.msg, "bad thing");

	/* Longer than the buffer: truncated, terminated. */
	memset(longmsg, 'm', sizeof(longmsg));
	longmsg[sizeof(longmsg) - 1] = '\0';
	raw_init(&r, NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	raw_append(&r, &e, sizeof(e));
	raw_attr(&r, NLMSGERR_ATTR_MSG, longmsg, sizeof(longmsg));
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), 0);
	assert_int_equal(strlen(ack.msg), AEGIS_GENL_MSG_SIZE - 1);

	/* TLVs without NLM_F_ACK_TLVS are not looked at. */
	raw_init(&r, NLMSG_ERROR, NLM_F_CAPPED);
	raw_append(&r, &e, sizeof(e));
	raw_attr(&r, NLMSGERR_ATTR_MSG, "ignored", 8);
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), 0);
	assert_string_equal(ack.msg, "");

	/* A wrong-size offset is ignored, not misread. */
	raw_init(&r, NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	raw_append(&r, &e, sizeof(e));
	raw_attr(&r, NLMSGERR_ATTR_OFFS, "ab", 2);
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), 0);
	assert_false(ack.has_offs);
}

static void test_done(void **state)
{
	struct aegis_genl_ack ack;
	int err = -EMSGSIZE;
	struct raw r;

	(void)state;
	raw_init(&r, NLMSG_DONE, NLM_F_MULTI);
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), 0);	/* empty DONE */
	assert_int_equal(ack.error, 0);

	raw_init(&r, NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS);
	raw_append(&r, &err, sizeof(err));
	raw_attr(&r, NLMSGERR_ATTR_MSG, "dump failed", 12);
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), 0);
	assert_int_equal(ack.error, -EMSGSIZE);
	assert_string_equal(ack.msg, "dump failed");
}

static void test_ack_malformed(void **state)
{
	struct nlmsgerr e = { .error = -EINVAL };
	struct aegis_genl_ack ack;
	struct raw r;
	int positive = 5;

	(void)state;
	/* Truncated nlmsgerr. */
	raw_init(&r, NLMSG_ERROR, 0);
	raw_append(&r, &e, 8);
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), -EBADMSG);
	/* Echo length shorter than a header. */
	raw_init(&r, NLMSG_ERROR, 0);
	e.msg.nlmsg_len = 3;
	raw_append(&r, &e, sizeof(e));
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), -EBADMSG);
	/* Positive "errors" do not exist. */
	raw_init(&r, NLMSG_DONE, 0);
	raw_append(&r, &positive, sizeof(positive));
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), -EBADMSG);
	/* Not an ack at all. */
	raw_init(&r, 0x20, 0);
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), -EBADMSG);
	/* Echo claiming more than the message holds: TLVs simply not found. */
	raw_init(&r, NLMSG_ERROR, NLM_F_ACK_TLVS);
	e.msg.nlmsg_len = 4000;
	raw_append(&r, &e, sizeof(e));
	assert_int_equal(aegis_genl_parse_ack(&r.u.h, &ack), 0);
	assert_string_equal(ack.msg, "");
}

/* A request like aegisctl's "dev set aegis0 hop-limit 0". */
static struct nl_msg *sample_request(uint32_t *ifname_off, uint32_t *hop_off,
				     uint32_t *dev_off)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct aegis_devref ref = { .ifname = "aegis0" };
	struct aegis_nl_dev d = { 0 };
	unsigned char *base;

	assert_non_null(msg);
	assert_non_null(genlmsg_put(msg, 0, 0, 0x20, 0, 0, AEGIS_CMD_DEV_SET, 1));
	base = (unsigned char *)nlmsg_hdr(msg);
	*ifname_off = nlmsg_hdr(msg)->nlmsg_len;
	assert_int_equal(aegis_put_devref(msg, &ref), 0);
	*dev_off = nlmsg_hdr(msg)->nlmsg_len;
	d.idle_timeout = 5;
	AEGIS_SET(&d, AEGIS_DEV_A_IDLE_TIMEOUT);
	AEGIS_SET(&d, AEGIS_DEV_A_HOP_LIMIT);
	assert_int_equal(aegis_put_dev(msg, &d), 0);
	/* In the nest: header, IDLE_TIMEOUT (8 bytes), then HOP_LIMIT. */
	*hop_off = *dev_off + NLA_HDRLEN + 8;
	assert_int_equal(((struct nlattr *)(base + *hop_off))->nla_type,
			 AEGIS_DEV_A_HOP_LIMIT);
	return msg;
}

static void test_attr_path(void **state)
{
	uint32_t ifname_off, hop_off, dev_off;
	struct nl_msg *msg = sample_request(&ifname_off, &hop_off, &dev_off);
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	uint16_t path[AEGIS_GENL_MAX_PATH];

	(void)state;
	assert_int_equal(aegis_genl_attr_path(nlh, ifname_off, path, AEGIS_GENL_MAX_PATH), 1);
	assert_int_equal(path[0], AEGIS_A_IFNAME);
	assert_int_equal(aegis_genl_attr_path(nlh, dev_off, path, AEGIS_GENL_MAX_PATH), 1);
	assert_int_equal(path[0], AEGIS_A_DEV);
	assert_int_equal(aegis_genl_attr_path(nlh, hop_off, path, AEGIS_GENL_MAX_PATH), 2);
	assert_int_equal(path[0], AEGIS_A_DEV);
	assert_int_equal(path[1], AEGIS_DEV_A_HOP_LIMIT);
	/* Not on an attribute boundary, inside a non-nest, out of range, header. */
	assert_int_equal(aegis_genl_attr_path(nlh, hop_off + 1, path, AEGIS_GENL_MAX_PATH), -ENOENT);
	assert_int_equal(aegis_genl_attr_path(nlh, ifname_off + 4, path, AEGIS_GENL_MAX_PATH), -ENOENT);
	assert_int_equal(aegis_genl_attr_path(nlh, nlh->nlmsg_len, path, AEGIS_GENL_MAX_PATH), -ENOENT);
	assert_int_equal(aegis_genl_attr_path(nlh, 4, path, AEGIS_GENL_MAX_PATH), -ENOENT);
	/* No room for the depth. */
	assert_int_equal(aegis_genl_attr_path(nlh, hop_off, path, 1), -ENOENT);
	nlmsg_free(msg);
}

static void test_describe(void **state)
{
	uint32_t ifname_off, hop_off, dev_off;
	struct nl_msg *msg = sample_request(&ifname_off, &hop_off, &dev_off);
	struct aegis_genl g;
	struct aegis_genl_ack ack;
	char buf[AEGIS_GENL_ERR_SIZE], tiny[12];

	(void)state;
	memset(&g, 0, sizeof(g));
	memset(&ack, 0, sizeof(ack));
	/* Plain errno. */
	aegis_genl_describe(&g, -ENODEV, &ack, nlmsg_hdr(msg), buf, sizeof(buf));
	assert_string_equal(buf, "No such device");
	/* EPERM gets a hint when the kernel says nothing. */
	aegis_genl_describe(&g, -EPERM, &ack, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "Operation not permitted (needs CAP_NET_ADMIN)");

	/* Message and offending attribute, named by numbers, then by the namer. */
	strcpy(ack.msg, "integer out of range");
	ack.has_offs = true;
	ack.offs = hop_off;
	aegis_genl_describe(&g, -ERANGE, &ack, nlmsg_hdr(msg), buf, sizeof(buf));
	assert_string_equal(buf, "Numerical result out of range (kernel: integer out of range; attribute 3/9)");
	g.namer = aegis_attr_path_name;
	aegis_genl_describe(&g, -ERANGE, &ack, nlmsg_hdr(msg), buf, sizeof(buf));
	assert_string_equal(buf, "Numerical result out of range (kernel: integer out of range; "
			    "attribute AEGIS_A_DEV/AEGIS_DEV_A_HOP_LIMIT)");

	/* A missing attribute inside a nest. */
	memset(&ack, 0, sizeof(ack));
	ack.has_miss_type = true;
	ack.miss_type = AEGIS_DEV_A_NODE_ID;
	ack.has_miss_nest = true;
	ack.miss_nest = dev_off;
	aegis_genl_describe(&g, -EINVAL, &ack, nlmsg_hdr(msg), buf, sizeof(buf));
	assert_string_equal(buf, "Invalid argument (missing attribute AEGIS_A_DEV/AEGIS_DEV_A_NODE_ID)");
	/* ... and at the top. */
	ack.has_miss_nest = false;
	ack.miss_type = AEGIS_A_IFINDEX;
	aegis_genl_describe(&g, -EINVAL, &ack, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "Invalid argument (missing attribute AEGIS_A_IFINDEX)");

	/* Output is always terminated, however small the buffer. */
	strcpy(ack.msg, "a long kernel message that will not fit");
	aegis_genl_describe(&g, -EINVAL, &ack, NULL, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	aegis_genl_describe(&g, -EINVAL, &ack, NULL, tiny, 1);
	assert_string_equal(tiny, "");
	nlmsg_free(msg);
}

/* --- against the kernel: the nlctrl family ------------------------------------- */

static int netlink_available(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

struct count_ctx {
	int messages;
	int saw_nlctrl;
	int fail_after;		/* return an error after this many */
};

static int count_cb(const struct nlmsghdr *nlh, void *arg, char *err, size_t errsz)
{
	struct count_ctx *c = arg;
	const struct genlmsghdr *gnlh = NLMSG_DATA(nlh);
	const struct nlattr *a;
	int rem;

	c->messages++;
	for (a = (const struct nlattr *)((const char *)gnlh + GENL_HDRLEN),
	     rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	     nla_ok(a, rem); a = nla_next(a, &rem))
		if (nla_type(a) == CTRL_ATTR_FAMILY_NAME &&
		    strcmp(nla_data(a), "nlctrl") == 0)
			c->saw_nlctrl = 1;
	if (c->fail_after && c->messages >= c->fail_after) {
		snprintf(err, errsz, "stop here");
		return -ECANCELED;
	}
	return 0;
}

static void test_live_nlctrl(void **state)
{
	struct count_ctx c = { 0 };
	struct aegis_genl g;
	struct nl_msg *msg;
	int ret;

	(void)state;
	if (!netlink_available())
		skip();
	ret = aegis_genl_open(&g, "nlctrl", 2);
	if (ret)
		print_error("open: %s\n", g.errmsg);
	assert_int_equal(ret, 0);
	assert_int_equal(g.family, GENL_ID_CTRL);
	assert_true(aegis_genl_fd(&g) >= 0);

	/* A dump: every family, over several messages. */
	msg = aegis_genl_msg_new(&g, CTRL_CMD_GETFAMILY, NLM_F_DUMP);
	assert_non_null(msg);
	assert_int_equal(aegis_genl_request(&g, msg, count_cb, &c), 0);
	nlmsg_free(msg);
	assert_true(c.messages >= 1);
	assert_true(c.saw_nlctrl);
	assert_false(g.dump_intr);

	/* A do request with a reply. */
	memset(&c, 0, sizeof(c));
	msg = aegis_genl_msg_new(&g, CTRL_CMD_GETFAMILY, 0);
	nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	assert_int_equal(aegis_genl_request(&g, msg, count_cb, &c), 0);
	nlmsg_free(msg);
	assert_int_equal(c.messages, 1);
	assert_true(c.saw_nlctrl);

	/* The kernel's errno comes back, with errmsg set. */
	msg = aegis_genl_msg_new(&g, CTRL_CMD_GETFAMILY, 0);
	nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, "no-such-family");
	assert_int_equal(aegis_genl_request(&g, msg, NULL, NULL), -ENOENT);
	nlmsg_free(msg);
	assert_non_null(strstr(g.errmsg, "No such file or directory"));

	/* An unknown command. */
	msg = aegis_genl_msg_new(&g, 200, 0);
	assert_int_equal(aegis_genl_request(&g, msg, NULL, NULL), -EOPNOTSUPP);
	nlmsg_free(msg);

	/* A callback error stops callbacks, the dump is still drained... */
	memset(&c, 0, sizeof(c));
	c.fail_after = 1;
	msg = aegis_genl_msg_new(&g, CTRL_CMD_GETFAMILY, NLM_F_DUMP);
	assert_int_equal(aegis_genl_request(&g, msg, count_cb, &c), -ECANCELED);
	nlmsg_free(msg);
	assert_int_equal(c.messages, 1);
	assert_string_equal(g.errmsg, "stop here");
	/* ... so the next request on the socket works. */
	memset(&c, 0, sizeof(c));
	msg = aegis_genl_msg_new(&g, CTRL_CMD_GETFAMILY, 0);
	nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	assert_int_equal(aegis_genl_request(&g, msg, count_cb, &c), 0);
	nlmsg_free(msg);
	assert_int_equal(c.messages, 1);

	aegis_genl_close(&g);
	aegis_genl_close(&g);	/* idempotent */
}

static void test_live_missing_family(void **state)
{
	struct aegis_genl g;

	(void)state;
	if (!netlink_available())
		skip();
	assert_int_equal(aegis_genl_open(&g, "no-such-family", 1), -ENOENT);
	assert_non_null(strstr(g.errmsg, "not found"));
	assert_null(g.sk);
	aegis_genl_close(&g);
	assert_int_equal(aegis_genl_open(&g, "a-family-name-longer-than-genl-allows", 1), -EINVAL);
}

/* --- against a fake kernel ------------------------------------------------------ */

static void open_fake(struct aegis_genl *g, struct fakenl *f)
{
	if (!netlink_available())
		skip();
	assert_int_equal(aegis_genl_open(g, "nlctrl", 2), 0);
	fakenl_attach(f, g);
}

static void test_fake_dump(void **state)
{
	struct count_ctx c = { 0 };
	struct aegis_genl g;
	struct nl_msg *msg, *r;
	struct fakenl f;
	uint32_t seq;
	static char big[100000];

	(void)state;
	open_fake(&g, &f);
	seq = fakenl_next_seq(&g);

	/* Leftovers of an earlier request: ignored, even its error. */
	fakenl_put(&f, fakenl_msg(&f, seq - 1, CTRL_CMD_NEWFAMILY, 0));
	fakenl_ack(&f, seq - 1, -EIO, "old", -1);
	fakenl_flush(&f);
	/* Three replies in one datagram, one marked interrupted. */
	fakenl_put(&f, fakenl_msg(&f, seq, CTRL_CMD_NEWFAMILY, NLM_F_MULTI));
	fakenl_put(&f, fakenl_msg(&f, seq, CTRL_CMD_NEWFAMILY, NLM_F_MULTI | NLM_F_DUMP_INTR));
	r = fakenl_msg(&f, seq, CTRL_CMD_NEWFAMILY, NLM_F_MULTI);
	nla_put_string(r, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	fakenl_put(&f, r);
	fakenl_flush(&f);
	/* A datagram bigger than the receive buffer. */
	r = fakenl_msg(&f, seq, CTRL_CMD_NEWFAMILY, NLM_F_MULTI);
	memset(big, 'x', sizeof(big));
	nla_put(r, CTRL_ATTR_HDRSIZE + 100, sizeof(big), big);
	fakenl_put(&f, r);
	fakenl_flush(&f);
	fakenl_done(&f, seq, 0, 0);
	fakenl_flush(&f);

	msg = aegis_genl_msg_new(&g, CTRL_CMD_GETFAMILY, NLM_F_DUMP);
	assert_int_equal(aegis_genl_request(&g, msg, count_cb, &c), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_seq, seq);
	nlmsg_free(msg);
	assert_int_equal(c.messages, 4);
	assert_true(c.saw_nlctrl);
	assert_true(g.dump_intr);
	assert_true(g.rxsize >= sizeof(big));
	assert_int_equal(fakenl_drain(&f), 1);

	/* The next request starts with a clean slate. */
	seq = fakenl_next_seq(&g);
	fakenl_done(&f, seq, 0, 0);
	fakenl_flush(&f);
	msg = aegis_genl_msg_new(&g, CTRL_CMD_GETFAMILY, NLM_F_DUMP);
	assert_int_equal(aegis_genl_request(&g, msg, NULL, NULL), 0);
	nlmsg_free(msg);
	assert_false(g.dump_intr);

	fakenl_detach(&f);
	aegis_genl_close(&g);
}

static void test_fake_errors(void **state)
{
	struct aegis_devref ref = { .ifname = "aegis0" };
	struct aegis_nl_dev d = { 0 };
	struct count_ctx c = { 0 };
	struct aegis_genl g;
	struct nl_msg *msg;
	struct fakenl f;
	uint32_t seq, offs;

	(void)state;
	open_fake(&g, &f);
	g.namer = aegis_attr_path_name;

	/* A do request: its reply, then an ack carrying a warning. */
	seq = fakenl_next_seq(&g);
	fakenl_put(&f, fakenl_msg(&f, seq, CTRL_CMD_NEWFAMILY, 0));
	fakenl_flush(&f);
	fakenl_ack(&f, seq, 0, "this is deprecated", -1);
	fakenl_flush(&f);
	msg = aegis_genl_msg_new(&g, CTRL_CMD_GETFAMILY, 0);
	assert_int_equal(aegis_genl_request(&g, msg, count_cb, &c), 0);
	nlmsg_free(msg);
	assert_int_equal(c.messages, 1);
	assert_int_equal(g.ack.error, 0);
	assert_string_equal(g.ack.msg, "this is deprecated");

	/* An error naming the offending attribute by its offset. */
	msg = aegis_genl_msg_new(&g, AEGIS_CMD_DEV_SET, 0);
	assert_int_equal(aegis_put_devref(msg, &ref), 0);
	d.hop_limit = 0;
	AEGIS_SET(&d, AEGIS_DEV_A_HOP_LIMIT);
	offs = nlmsg_hdr(msg)->nlmsg_len + NLA_HDRLEN;	/* first attr in the nest */
	assert_int_equal(aegis_put_dev(msg, &d), 0);
	seq = fakenl_next_seq(&g);
	fakenl_ack(&f, seq, -ERANGE, "integer out of range", offs);
	fakenl_flush(&f);
	assert_int_equal(aegis_genl_request(&g, msg, NULL, NULL), -ERANGE);
	nlmsg_free(msg);
	assert_string_equal(g.errmsg, "Numerical result out of range (kernel: integer out of range; "
			    "attribute AEGIS_A_DEV/AEGIS_DEV_A_HOP_LIMIT)");

	/* A dump that fails half way: the errno in NLMSG_DONE. */
	memset(&c, 0, sizeof(c));
	seq = fakenl_next_seq(&g);
	fakenl_put(&f, fakenl_msg(&f, seq, CTRL_CMD_NEWFAMILY, NLM_F_MULTI));
	fakenl_done(&f, seq, -EMSGSIZE, 0);
	fakenl_flush(&f);
	msg = aegis_genl_msg_new(&g, CTRL_CMD_GETFAMILY, NLM_F_DUMP);
	assert_int_equal(aegis_genl_request(&g, msg, count_cb, &c), -EMSGSIZE);
	nlmsg_free(msg);
	assert_int_equal(c.messages, 1);
	assert_string_equal(g.errmsg, "Message too long");

	/* A malformed ack. */
	seq = fakenl_next_seq(&g);
	{
		struct nlmsghdr h = {
			.nlmsg_len = NLMSG_HDRLEN + 4, .nlmsg_type = NLMSG_ERROR,
			.nlmsg_seq = seq, .nlmsg_pid = f.portid,
		};
		unsigned char raw[NLMSG_HDRLEN + 4] = { 0 };

		memcpy(raw, &h, sizeof(h));
		fakenl_add(&f, (struct nlmsghdr *)raw);
		fakenl_flush(&f);
	}
	msg = aegis_genl_msg_new(&g, CTRL_CMD_GETFAMILY, 0);
	assert_int_equal(aegis_genl_request(&g, msg, NULL, NULL), -EBADMSG);
	nlmsg_free(msg);
	assert_non_null(strstr(g.errmsg, "malformed"));

	fakenl_detach(&f);
	aegis_genl_close(&g);
}

static int ntf_cb(const struct nlmsghdr *nlh, void *arg, char *err, size_t errsz)
{
	int *n = arg;

	(void)nlh;
	(void)err;
	(void)errsz;
	(*n)++;
	return 0;
}

static void test_fake_notifications(void **state)
{
	struct aegis_genl g;
	struct fakenl f;
	int n = 0;

	(void)state;
	open_fake(&g, &f);
	/* Notifications: seq 0, port 0; acks and other types are skipped. */
	f.portid = 0;
	fakenl_put(&f, fakenl_msg(&f, 0, 1, 0));
	fakenl_put(&f, fakenl_msg(&f, 0, 2, 0));
	fakenl_ack(&f, 0, -EIO, NULL, -1);
	fakenl_flush(&f);
	assert_int_equal(aegis_genl_receive(&g, ntf_cb, &n), 0);
	assert_int_equal(n, 2);
	fakenl_detach(&f);
	aegis_genl_close(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack_plain),
		cmocka_unit_test(test_ack_capped_tlvs),
		cmocka_unit_test(test_ack_echoed_request),
		cmocka_unit_test(test_ack_msg_sanitised),
		cmocka_unit_test(test_done),
		cmocka_unit_test(test_ack_malformed),
		cmocka_unit_test(test_attr_path),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_live_nlctrl),
		cmocka_unit_test(test_live_missing_family),
		cmocka_unit_test(test_fake_dump),
		cmocka_unit_test(test_fake_errors),
		cmocka_unit_test(test_fake_notifications),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
