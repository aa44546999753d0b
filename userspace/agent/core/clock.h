/* SPDX-License-Identifier: MIT */
/*
 * The agent's clocks: CLOCK_MONOTONIC milliseconds for every timer and
 * age, CLOCK_REALTIME nanoseconds where a peer must compare (handshake
 * timestamps, cookie secrets).
 */
#ifndef AGENT_CORE_CLOCK_H
#define AGENT_CORE_CLOCK_H

#include <stdint.h>

uint64_t clock_ms(void);
uint64_t clock_wall_ns(void);

#endif /* AGENT_CORE_CLOCK_H */
