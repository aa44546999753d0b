/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Notifications to the AEGIS_GENL_MCGRP_NOTIFY multicast group. All are
 * safe from any context (they allocate with GFP_ATOMIC) and are sent in the
 * device's network namespace.
 */
#ifndef _AEGIS_NOTIFY_H
#define _AEGIS_NOTIFY_H

struct aegis_device;
struct aegis_node;
struct aegis_key;

void aegis_notify_rekey(struct aegis_key *key);
void aegis_notify_key_expired(struct aegis_key *key);
/* Once per key, from the data path: aegis_key_confirm(). */
void aegis_notify_key_confirmed(struct aegis_key *key);
/* Rate limited to one a second per node. */
void aegis_notify_no_key(struct aegis_node *node);
void aegis_notify_endpoint(struct aegis_node *node);
void aegis_notify_peer_idle(struct aegis_node *node);
void aegis_notify_sock_closed(struct aegis_device *aegis);

#endif /* _AEGIS_NOTIFY_H */
