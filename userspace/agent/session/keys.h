/* SPDX-License-Identifier: MIT */
/*
 * The kernel's key slots of a node (keys.c): the only code that installs,
 * swaps, deletes or reads them. Called by the session state machine only.
 * Each returns 0 or -errno with the kernel's reason in k->err.
 */
#ifndef AGENT_SESSION_KEYS_H
#define AGENT_SESSION_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "fib/kernel.h"
#include "session/hs.h"

/* Install hk in slot (empty) of node id, with the hard lifetime in
 * seconds the kernel enforces. The request's copy of the keys is wiped. */
int keys_install(struct kernel *k, const uint8_t *id, const struct hs_keys *hk,
		 uint8_t slot, uint32_t hard_lifetime);
/* Swap the primary and secondary slots: transmit on the other key. */
int keys_swap(struct kernel *k, const uint8_t *id);
/* Empty slot; an empty slot is fine. */
int keys_del(struct kernel *k, const uint8_t *id, uint8_t slot);
/* Does slot hold the key of rx_index, and has a packet decrypted with it? */
bool keys_confirmed(struct kernel *k, const uint8_t *id, uint8_t slot,
		    uint64_t rx_index);

#endif /* AGENT_SESSION_KEYS_H */
