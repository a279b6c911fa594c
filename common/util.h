/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util — small helpers every module needs: clocks (injectable for tests), bounded string copy.
 * Thread: any.
 */
#ifndef LOA_COMMON_UTIL_H
#define LOA_COMMON_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Wall-clock time in milliseconds since the epoch; tests may override with util_clock_set(). */
int64_t util_now_ms(void);
/* Monotonic milliseconds, for deadlines and intervals (never overridden). */
int64_t util_mono_ms(void);
/* Make util_now_ms() return `ms` from now on (tests); 0 restores the real clock. */
void util_clock_set(int64_t ms);

/* Copy src into dst[size] always NUL-terminated; returns strlen(src) (truncated if >= size). */
size_t util_strlcpy(char *dst, const char *src, size_t size);

#endif
