/* SPDX-License-Identifier: MIT */
/*
 * Hexadecimal encoding of binary strings (node ids, keys, salts).
 */
#ifndef AEGIS_HEX_H
#define AEGIS_HEX_H

#include <stddef.h>
#include <stdint.h>

#include <linux/aegisray.h>

/* Characters of a node id in hex, and the buffer size including the NUL. */
#define AEGIS_NODE_ID_HEX_LEN	(2 * AEGIS_NODE_ID_LEN)
#define AEGIS_NODE_ID_HEX_SIZE	(AEGIS_NODE_ID_HEX_LEN + 1)

/*
 * Write len bytes of in as 2 * len lowercase hex digits and a NUL into out.
 * Returns 0, or -ENOSPC (out untouched) if outsz < 2 * len + 1.
 */
int aegis_hex_encode(const void *in, size_t len, char *out, size_t outsz);

/*
 * Decode s, which must be exactly 2 * len hex digits (either case, nothing
 * else: no "0x", no whitespace), into len bytes at out.
 * Returns 0, -ERANGE if s has the wrong length, -EINVAL if it has a
 * character that is not a hex digit. On error out is zeroed.
 */
int aegis_hex_decode(const char *s, void *out, size_t len);

/* aegis_hex_decode() for a node id: 64 hex digits. */
int aegis_node_id_parse(const char *s, uint8_t id[AEGIS_NODE_ID_LEN]);

/*
 * The two ways a node id is written, everywhere (logs, status, aegisctl):
 * all 64 lowercase hex digits, or the first AEGIS_NODE_ID_SHORT_LEN of
 * them where a line names a node for humans. Both return buf.
 */
#define AEGIS_NODE_ID_SHORT_LEN		12
#define AEGIS_NODE_ID_SHORT_SIZE	(AEGIS_NODE_ID_SHORT_LEN + 1)

const char *aegis_node_id_format(const uint8_t id[AEGIS_NODE_ID_LEN],
				 char buf[AEGIS_NODE_ID_HEX_SIZE]);
const char *aegis_node_id_short(const uint8_t id[AEGIS_NODE_ID_LEN],
				char buf[AEGIS_NODE_ID_SHORT_SIZE]);

#endif /* AEGIS_HEX_H */
