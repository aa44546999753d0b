/* SPDX-License-Identifier: MIT */
/* aegisctl monitor: decoding and printing one notification. */
#ifndef AEGISCTL_MONITOR_H
#define AEGISCTL_MONITOR_H

#include <stdbool.h>
#include <stdio.h>

#include "print.h"

/* Decode a notification. Returns 0 or -EBADMSG with a reason in err. */
int ctl_parse_event(const struct nlmsghdr *nlh, struct ctl_event *ev,
		    char *err, size_t errsz);

/* Print it on one line (text, or compact JSON) and flush. */
void ctl_emit_event(FILE *f, bool json, const struct ctl_event *ev);

#endif /* AEGISCTL_MONITOR_H */
