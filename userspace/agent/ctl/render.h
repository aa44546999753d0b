/* SPDX-License-Identifier: MIT */
/*
 * The text of `aegis-agent status`, made from the JSON document the agent
 * answers (ctl/control.c): a header for this node, one or two lines per
 * peer (the second and third only while it has a session), the routes,
 * and the handshake and refusal counters.
 *
 * The parser is json-c. Only the keys the text shows are required; any
 * other key is ignored, so an agent may add keys freely.
 */
#ifndef AGENT_CTL_RENDER_H
#define AGENT_CTL_RENDER_H

#include <stddef.h>
#include <stdio.h>

/*
 * Render the status document doc (len bytes) as text to out. 0; or
 * -EINVAL (not JSON, or a key missing or of the wrong type), -EPROTO (the
 * agent answered {"error": ...}), -ENOMEM or -EIO, with a one-line reason
 * in err and nothing written to out.
 */
int ctl_render_status(const char *doc, size_t len, FILE *out, char *err,
		      size_t errsz);

#endif /* AGENT_CTL_RENDER_H */
