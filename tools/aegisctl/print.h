/* SPDX-License-Identifier: MIT */
/*
 * aegisctl output: devices, nodes, keys, prefixes and notifications, as
 * `wg show`-like text or as JSON (through the common JSON writer).
 * Everything here formats what it is given; nothing talks to the kernel.
 */
#ifndef AEGISCTL_PRINT_H
#define AEGISCTL_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aegis_nl.h"
#include "json.h"

/* A node with what is known about its keys and prefixes. */
struct ctl_node_view {
	const struct aegis_nl_node *node;
	bool keys_known;		/* keys[] was queried */
	const struct aegis_nl_key *keys[2];	/* by slot; NULL = empty */
	bool prefixes_known;		/* prefixes was queried */
	const struct aegis_prefix_entry *const *prefixes;
	size_t nprefixes;
};

/* A notification, decoded. */
struct ctl_event {
	struct aegis_msg_info info;
	bool has_dev, has_node, has_key, has_prefix;
	struct aegis_nl_dev dev;
	struct aegis_nl_node node;
	struct aegis_nl_key key;
	struct aegis_prefix_entry prefix;
};

/* "1.20 KiB", "512 B". */
void ctl_format_bytes(uint64_t bytes, char *buf, size_t size);
/* "1 hour, 2 minutes, 3 seconds"; "0 seconds". */
void ctl_format_duration(uint64_t secs, char *buf, size_t size);
/* CLOCK_BOOTTIME now, in ns: the clock of AEGIS_NODE_A_LAST_RX. */
uint64_t ctl_boottime_ns(void);

/* Text: "interface: NAME" and indented "  field: value" lines. */
void ctl_print_dev(FILE *f, const struct aegis_nl_dev *d);
void ctl_print_node(FILE *f, const struct ctl_node_view *v, uint64_t now_ns);
/* "key primary: id 1, aes-gcm, ..." after indent. */
void ctl_print_key(FILE *f, const char *indent, const struct aegis_nl_key *k);
/* "NODEID<TAB>PREFIX" */
void ctl_print_prefix(FILE *f, const struct aegis_prefix_entry *p);
/* One line, no newline: "rekey aegis0 node ID slot primary key-id 3". */
void ctl_print_event(FILE *f, const struct ctl_event *ev);

/* JSON. dev_members writes members into an object the caller opened. */
void ctl_json_dev_members(struct aegis_json *j, const struct aegis_nl_dev *d,
			  const struct aegis_msg_info *info);
void ctl_json_node(struct aegis_json *j, const struct ctl_node_view *v,
		   uint64_t now_ns);
void ctl_json_key(struct aegis_json *j, const struct aegis_nl_key *k);
void ctl_json_prefix(struct aegis_json *j, const struct aegis_prefix_entry *p);
void ctl_json_event(struct aegis_json *j, const struct ctl_event *ev);

#endif /* AEGISCTL_PRINT_H */
