// SPDX-License-Identifier: MIT
/*
 * aegisctl monitor: join the "notify" multicast group and print each
 * notification on one line (text or JSON), flushed at once.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "monitor.h"
#include "print.h"

int ctl_parse_event(const struct nlmsghdr *nlh, struct ctl_event *ev,
		    char *err, size_t errsz)
{
	const struct nlattr *a, *head;
	int len, rem, ret = 0;

	memset(ev, 0, sizeof(*ev));
	ret = aegis_parse_info(nlh, &ev->info, err, errsz);
	if (ret)
		return ret;
	head = aegis_msg_attrs(nlh, &len);
	for (a = head, rem = len; nla_ok(a, rem); a = nla_next(a, &rem)) {
		switch (nla_type(a)) {
		case AEGIS_A_DEV:
			ret = aegis_parse_dev(a, &ev->dev, err, errsz);
			ev->has_dev = !ret;
			break;
		case AEGIS_A_NODE:
			ret = aegis_parse_node(a, &ev->node, err, errsz);
			ev->has_node = !ret;
			break;
		case AEGIS_A_KEY:
			ret = aegis_parse_key(a, &ev->key, err, errsz);
			ev->has_key = !ret;
			break;
		case AEGIS_A_PREFIX:
			ret = aegis_parse_prefix(a, &ev->prefix, err, errsz);
			ev->has_prefix = !ret;
			break;
		default:
			break;
		}
		if (ret)
			return ret;
	}
	return 0;
}

void ctl_emit_event(FILE *f, bool json, const struct ctl_event *ev)
{
	if (json) {
		struct aegis_json j;

		aegis_json_init(&j, f);
		aegis_json_set_compact(&j);
		ctl_json_event(&j, ev);
		(void)aegis_json_finish(&j);	/* write errors: checked by caller */
	} else {
		ctl_print_event(f, ev);
		fputc('\n', f);
	}
	fflush(f);
}

struct monitor_ctx {
	const struct ctl_req *req;
	uint64_t seen;
};

static int event_cb(const struct nlmsghdr *nlh, void *arg, char *err,
		    size_t errsz)
{
	struct monitor_ctx *ctx = arg;
	struct ctl_event ev;
	int ret;

	if (ctx->req->count && ctx->seen >= ctx->req->count)
		return 0;	/* already done: the rest of the datagram */
	ret = ctl_parse_event(nlh, &ev, err, errsz);
	if (ret)
		return ret;
	ctl_emit_event(stdout, ctx->req->json, &ev);
	if (ferror(stdout)) {
		snprintf(err, errsz, "cannot write to standard output");
		return -EIO;
	}
	ctx->seen++;
	return 0;
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ctl_cmd_monitor(struct aegis_genl *g, const struct ctl_req *req)
{
	struct monitor_ctx ctx = { .req = req };
	int64_t deadline = 0;
	struct pollfd pfd;

	if (aegis_genl_subscribe(g, AEGIS_GENL_MCGRP_NOTIFY))
		return ctl_fail("monitor", "%s", g->errmsg);
	if (req->timeout)
		deadline = monotonic_ms() + (int64_t)req->timeout * 1000;
	pfd.fd = aegis_genl_fd(g);
	pfd.events = POLLIN;
	while (!req->count || ctx.seen < req->count) {
		int wait_ms = -1, ret;

		if (req->timeout) {
			int64_t left = deadline - monotonic_ms();

			if (left <= 0)
				break;
			wait_ms = left > INT_MAX ? INT_MAX : (int)left;
		}
		ret = poll(&pfd, 1, wait_ms);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return ctl_fail("monitor", "poll: %s", strerror(errno));
		}
		if (ret == 0)
			continue;	/* the deadline check ends the loop */
		ret = aegis_genl_receive(g, event_cb, &ctx);
		if (ret == -ENOBUFS) {
			ctl_warn("monitor: %s", g->errmsg);
			continue;
		}
		if (ret)
			return ctl_fail("monitor", "%s", g->errmsg);
	}
	if (req->count && ctx.seen < req->count)
		return ctl_fail("monitor", "timed out after %u s with %llu of %llu notifications",
				req->timeout, (unsigned long long)ctx.seen,
				(unsigned long long)req->count);
	return CTL_EXIT_OK;
}
