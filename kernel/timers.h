/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Housekeeping, once a second per device: key lifetimes (soft: notify,
 * hard: retire), idle peers, and persistent keepalives.
 *
 * The work runs only while the device is up: ndo_open starts it, ndo_stop
 * stops it (and waits for a running pass). Each pass takes conf_lock, so
 * nothing may hold conf_lock while it waits for RTNL, or ndo_stop (under
 * RTNL) could wait forever for the work.
 */
#ifndef _AEGIS_TIMERS_H
#define _AEGIS_TIMERS_H

struct aegis_device;
struct work_struct;

/* The work function: INIT_DELAYED_WORK(&aegis->housekeeping, ...). */
void aegis_housekeeping(struct work_struct *work);
/* From ndo_open: first pass in a second, then every second. */
void aegis_housekeeping_start(struct aegis_device *aegis);
/* From ndo_stop (and teardown): cancel, and wait for a running pass. */
void aegis_housekeeping_stop(struct aegis_device *aegis);

#endif /* _AEGIS_TIMERS_H */
