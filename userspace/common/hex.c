// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "hex.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int aegis_hex_encode(const void *in, size_t len, char *out, size_t outsz)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = in;
	size_t i;

	if (len > (SIZE_MAX - 1) / 2 || outsz < 2 * len + 1)
		return -ENOSPC;
	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
	return 0;
}

int aegis_hex_decode(const char *s, void *out, size_t len)
{
	uint8_t *p = out;
	size_t i;

	if (strnlen(s, 2 * len + 1) != 2 * len) {
		memset(out, 0, len);
		return -ERANGE;
	}
	for (i = 0; i < len; i++) {
		int hi = hex_value(s[2 * i]);
		int lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			memset(out, 0, len);
			return -EINVAL;
		}
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int aegis_node_id_parse(const char *s, uint8_t id[AEGIS_NODE_ID_LEN])
{
	return aegis_hex_decode(s, id, AEGIS_NODE_ID_LEN);
}

const char *aegis_node_id_format(const uint8_t id[AEGIS_NODE_ID_LEN],
				 char buf[AEGIS_NODE_ID_HEX_SIZE])
{
	/* Cannot fail: the buffer is big enough by type. */
	(void)aegis_hex_encode(id, AEGIS_NODE_ID_LEN, buf, AEGIS_NODE_ID_HEX_SIZE);
	return buf;
}

const char *aegis_node_id_short(const uint8_t id[AEGIS_NODE_ID_LEN],
				char buf[AEGIS_NODE_ID_SHORT_SIZE])
{
	(void)aegis_hex_encode(id, AEGIS_NODE_ID_SHORT_LEN / 2, buf,
			       AEGIS_NODE_ID_SHORT_SIZE);
	return buf;
}
