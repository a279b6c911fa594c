/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_buf — loactl's growable, NUL-terminated byte buffer: HTTP answers as they arrive, and
 * request bodies built piece by piece (a contacts batch, a campaign with a CSV's numbers) so
 * that big lists never become a tree of JSON values first.
 *
 * Thread: any (one buffer per thread).
 */
#include "gateway/ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
ctl_buf_reserve(struct ctl_buf *b, size_t more)
{
	if (b->len + more + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + more + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p)
			return -ENOMEM;
		b->s = p;
		b->cap = cap;
	}
	return 0;
}

int
ctl_buf_put(struct ctl_buf *b, const char *s, size_t n)
{
	if (ctl_buf_reserve(b, n))
		return -ENOMEM;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int
ctl_buf_puts(struct ctl_buf *b, const char *s)
{
	return ctl_buf_put(b, s, strlen(s));
}

int
ctl_buf_put_json(struct ctl_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s);
	char *o;

	if (ctl_buf_reserve(b, n * 6 + 2))
		return -ENOMEM;
	o = b->s + b->len;
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (*p < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[*p >> 4];
			o[5] = hex[*p & 15];
			o += 6;
		} else {
			*o++ = (char)*p;
		}
	}
	*o++ = '"';
	*o = '\0';
	b->len = (size_t)(o - b->s);
	return 0;
}
