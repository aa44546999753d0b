/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * In-module selftests, built only with CONFIG_AEGISRAY_DEBUG=y (which defines
 * AEGIS_SELFTEST) and run at module load. Each returns true on success; on
 * failure it logs the details with pr_err(). A passing test logs one line.
 * They need process context (they sleep) and take no module-wide locks.
 */
#ifndef _AEGIS_SELFTEST_H
#define _AEGIS_SELFTEST_H

#include <linux/types.h>

#ifdef AEGIS_SELFTEST
bool aegis_prefix_selftest(void);
bool aegis_replay_selftest(void);
#endif

#endif /* _AEGIS_SELFTEST_H */
