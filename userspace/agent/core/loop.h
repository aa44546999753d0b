/* SPDX-License-Identifier: MIT */
/*
 * The event loop: one epoll set and the timer heap. It only dispatches:
 * each watched fd carries a struct loop_source embedded in its owner,
 * whose fn is called with the ready events; then due timers fire. The
 * loop sleeps until the earliest timer.
 */
#ifndef AGENT_CORE_LOOP_H
#define AGENT_CORE_LOOP_H

#include <stdint.h>

struct agent;
struct loop_source;

typedef void (*loop_fn)(struct loop_source *src, uint32_t events);

struct loop_source {
	loop_fn fn;
};

/* Create the epoll set (a->epoll_fd). 0 or -errno. */
int loop_init(struct agent *a);
/* Watch fd for events (EPOLLIN...), calling src->fn. 0 or -errno. */
int loop_watch(struct agent *a, int fd, uint32_t events,
	       struct loop_source *src);
int loop_modify(struct agent *a, int fd, uint32_t events,
		struct loop_source *src);
/* Stop watching fd (call before closing it). src->fn is not called again,
 * not even for an event of this loop turn already fetched, so src may be
 * freed right after. */
void loop_unwatch(struct agent *a, int fd, const struct loop_source *src);
/* Run until a->stop. */
void loop_run(struct agent *a);

#endif /* AGENT_CORE_LOOP_H */
