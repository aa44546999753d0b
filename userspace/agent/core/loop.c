// SPDX-License-Identifier: MIT
/*
 * The event loop (loop.h): dispatch only. Each watched fd's epoll data
 * points at the loop_source its owner embeds; the loop calls it, then
 * fires the timers that are due, then sleeps until the next deadline.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/agent.h"
#include "core/log.h"
#include "core/loop.h"

#define LOOP_EVENTS	16

int loop_init(struct agent *a)
{
	a->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (a->epoll_fd < 0) {
		log_err("event loop: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int ctl(struct agent *a, int op, int fd, uint32_t events,
	       struct loop_source *src)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	if (epoll_ctl(a->epoll_fd, op, fd, &ev) < 0) {
		log_err("epoll: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int loop_watch(struct agent *a, int fd, uint32_t events,
	       struct loop_source *src)
{
	return ctl(a, EPOLL_CTL_ADD, fd, events, src);
}

int loop_modify(struct agent *a, int fd, uint32_t events,
		struct loop_source *src)
{
	return ctl(a, EPOLL_CTL_MOD, fd, events, src);
}

void loop_unwatch(struct agent *a, int fd, const struct loop_source *src)
{
	int i;

	if (a->epoll_fd >= 0)
		epoll_ctl(a->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	/* Events of this turn not dispatched yet must not reach src. */
	for (i = 0; i < a->loop_n; i++)
		if (a->loop_batch[i].data.ptr == src)
			a->loop_batch[i].data.ptr = NULL;
}

void loop_run(struct agent *a)
{
	struct epoll_event evs[LOOP_EVENTS];

	while (!a->stop) {
		int n, i;

		a->now = clock_ms();
		timer_run(&a->timers, a->now);
		if (a->stop)
			break;
		n = epoll_wait(a->epoll_fd, evs, LOOP_EVENTS,
			       timer_timeout(&a->timers, clock_ms()));
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			a->exit_code = 1;
			return;
		}
		a->now = clock_ms();
		a->loop_batch = evs;
		a->loop_n = n > 0 ? n : 0;
		for (i = 0; i < a->loop_n && !a->stop; i++) {
			struct loop_source *src = evs[i].data.ptr;

			if (src)
				src->fn(src, evs[i].events);
		}
		a->loop_batch = NULL;
		a->loop_n = 0;
	}
}
