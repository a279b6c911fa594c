/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz.h — what every libFuzzer target of tests/fuzz/ shares: the entry points' prototypes,
 * an assertion that libFuzzer reports as a crash, and an independent UTF-8 validator (written
 * from RFC 3629, not from utf8proc) that the targets use as their oracle.
 *
 * Header-only on purpose: each target is one .c file linked with the module sources it fuzzes.
 */
#ifndef LOA_TESTS_FUZZ_H
#define LOA_TESTS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant broke: say which and where, then abort so libFuzzer saves the input. */
#define FUZZ_ASSERT(cond)                                                                  \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* A NUL-terminated copy of data[0..size) (stops at an embedded NUL, as C strings do). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Length of the valid UTF-8 sequence at s[0..len) (1..4), or 0 if invalid: no overlong forms,
 * no surrogates, nothing above U+10FFFF (RFC 3629). Stores the code point in *cp.
 */
static inline size_t
fuzz_utf8_seq(const uint8_t *s, size_t len, uint32_t *cp)
{
	uint32_t c, min;
	size_t n;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		c = s[0] & 0x1f, n = 2, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		c = s[0] & 0x0f, n = 3, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		c = s[0] & 0x07, n = 4, min = 0x10000;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Is s[0..len) valid UTF-8? Counts the code points in *chars (may be NULL). */
static inline bool
fuzz_utf8_valid(const uint8_t *s, size_t len, size_t *chars)
{
	size_t pos = 0, count = 0, n;
	uint32_t cp;

	while (pos < len) {
		n = fuzz_utf8_seq(s + pos, len - pos, &cp);
		if (!n)
			return false;
		pos += n;
		count++;
	}
	if (chars)
		*chars = count;
	return true;
}

/* Is the NUL-terminated s valid UTF-8? */
static inline bool
fuzz_utf8_valid_str(const char *s)
{
	return fuzz_utf8_valid((const uint8_t *)s, strlen(s), NULL);
}

#endif
