/* SPDX-License-Identifier: MIT */
/*
 * The control socket: a Unix stream socket (mode 0600 in a 0700
 * directory; peers checked with SO_PEERCRED: root or our own uid only).
 *
 * Protocol: the client writes one line, "status" ("status json" is the
 * same, for older clients), and reads until EOF. The answer is always
 * one JSON document: the status (ctl/control.c says which keys), or
 * {"error": "..."} for a request the agent does not know. The agent only
 * answers data; `aegis-agent status` (ctl/client.c) turns it into text
 * with ctl/render.c, or prints it as received with --json.
 *
 * Nothing here blocks the agent's loop: the server (ctl/server.c) keeps
 * each client as a small state machine driven by epoll events and a
 * deadline on the timer heap.
 */
#ifndef AGENT_CTL_CONTROL_H
#define AGENT_CTL_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/loop.h"

struct agent;

/*
 * The loop's contract (core/loop.h): every fd in the epoll set is a
 * struct loop_source embedded in its owner, epoll data.ptr points at it,
 * level-triggered; loop_watch/loop_modify/loop_unwatch(a, fd, events,
 * src). After loop_unwatch() the loop never calls src->fn again, not even
 * for an event already fetched in the current turn, so the server frees a
 * client right after it (ctl/server.c, which reaches the loop through
 * struct ctl_server_ops so that tests can drive it without one).
 */

/*
 * ---- the agent's side (ctl/control.c) -----------------------------------
 *
 * control_open: create the socket at a->cfg.control_socket (refusing when
 * another agent answers there), register it with loop_watch() and store
 * the server in a->ctl. Call it once the epoll set and the timer heap
 * (a->timers) exist. 0 or -errno (logged).
 *
 * control_close: close every client and the socket, remove the socket
 * file, a->ctl = NULL. Call it before the epoll set and the timer heap go.
 * Safe when control_open failed or was not called (a->ctl NULL).
 */
int control_open(struct agent *a);
void control_close(struct agent *a);

/*
 * ---- the client (ctl/client.c) ------------------------------------------
 *
 * control_fetch: ask the agent at path for its status; *doc (malloc'd,
 * NUL-terminated, *len bytes without the NUL) is the answer as received.
 * 0, or -errno with a one-line reason in err.
 *
 * control_query: `aegis-agent status`: fetch, then print the answer to
 * stdout as received (json) or as text (ctl/render.c). 0, or -errno with
 * the reason in err (nothing printed then).
 */
int control_fetch(const char *path, char **doc, size_t *len, char *err,
		  size_t errsz);
int control_query(const char *path, bool json, char *err, size_t errsz);

#endif /* AGENT_CTL_CONTROL_H */
