/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Which implementation of each AEAD new keys use.
 *
 * The crypto API picks an algorithm's implementation by static priority,
 * which assumes that SIMD code beats portable C. That is true on hardware
 * and can be false elsewhere: under emulation (qemu TCG), where vector
 * instructions are emulated one helper call at a time, the generic C
 * ChaCha20-Poly1305 runs 2-3 times faster than the AVX2 one. Like the
 * kernel's RAID-6 and XOR code, the module therefore measures the
 * candidates once, when it loads, and keeps the fastest for this CPU
 * (module parameters gcm_impl and chacha_impl, see aead_impl.c).
 *
 * aegis_impl_name() copies the name that a key of @cipher allocates
 * (process context; it may sleep). Keys keep the implementation they were
 * created with.
 */
#ifndef _AEGIS_AEAD_IMPL_H
#define _AEGIS_AEAD_IMPL_H

#include <linux/types.h>

int aegis_impl_init(void);
int aegis_impl_name(u8 cipher, char *name, size_t size);

#endif /* _AEGIS_AEAD_IMPL_H */
