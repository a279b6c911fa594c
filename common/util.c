/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util — clocks and bounded copies. See util.h. */
#include "common/util.h"

#include <string.h>
#include <time.h>

static int64_t util_fake_now_ms;

int64_t
util_now_ms(void)
{
	struct timespec ts;

	if (util_fake_now_ms)
		return util_fake_now_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
util_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
util_clock_set(int64_t ms)
{
	util_fake_now_ms = ms;
}

size_t
util_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
