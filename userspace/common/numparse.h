/* SPDX-License-Identifier: MIT */
/*
 * Strict parsing of unsigned integers from command-line and config text:
 * no sign, no whitespace, no trailing garbage, no silent wrap-around.
 */
#ifndef AEGIS_NUMPARSE_H
#define AEGIS_NUMPARSE_H

#include <stdint.h>

/*
 * Parse a decimal number ("0", "42"; no leading zeros except "0" itself)
 * that must be <= max.
 * Returns 0, -EINVAL if s is not a decimal number, -ERANGE if it is > max.
 */
int aegis_parse_u64(const char *s, uint64_t max, uint64_t *out);
int aegis_parse_u32(const char *s, uint32_t max, uint32_t *out);

/*
 * Parse a 64-bit index as printed by the tools: exactly 16 hex digits
 * ("00000000000000ff"), or "0x" followed by 1 to 16 hex digits, or a
 * decimal number. Returns 0, -EINVAL or -ERANGE.
 */
int aegis_parse_index(const char *s, uint64_t *out);

#endif /* AEGIS_NUMPARSE_H */
