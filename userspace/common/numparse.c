// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "numparse.h"

int aegis_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (!s || !*s)
		return -EINVAL;
	for (p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	if (s[0] == '0' && s[1])
		return -EINVAL;	/* leading zero: octal in other tools */
	for (p = s; *p; p++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int aegis_parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int ret;

	ret = aegis_parse_u64(s, max, &v);
	if (ret)
		return ret;
	*out = (uint32_t)v;
	return 0;
}

static int parse_hex_u64(const char *s, size_t maxdigits, uint64_t *out)
{
	size_t n = strlen(s);
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > maxdigits)
		return n == 0 ? -EINVAL : -ERANGE;
	for (i = 0; i < n; i++) {
		char c = s[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

int aegis_parse_index(const char *s, uint64_t *out)
{
	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_hex_u64(s + 2, 16, out);
	if (strlen(s) == 16 && strspn(s, "0123456789abcdefABCDEF") == 16)
		return parse_hex_u64(s, 16, out);
	return aegis_parse_u64(s, UINT64_MAX, out);
}
