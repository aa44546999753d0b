/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef _AEGIS_VERSION_H
#define _AEGIS_VERSION_H
#define AEGIS_VERSION "0.1.0"
#endif
