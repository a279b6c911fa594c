/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bucket — token bucket and daily cap of one modem. See bucket.h. */
#include "gateway/bucket.h"

void
gw_bucket_init(struct gw_bucket *b, int rate_per_min, int daily_cap, int64_t now_ms)
{
	b->rate_per_min = rate_per_min > 0 ? rate_per_min : 1;
	b->daily_cap = daily_cap;
	b->tokens = 1.0;
	b->refilled_ms = now_ms;
	b->day = -1;
	b->day_parts = 0;
}

static double
bucket_burst(const struct gw_bucket *b)
{
	double burst = b->rate_per_min / 10.0;
	return burst < 1.0 ? 1.0 : burst;
}

static void
bucket_refill(struct gw_bucket *b, int64_t now_ms)
{
	if (now_ms > b->refilled_ms)
		b->tokens += (double)(now_ms - b->refilled_ms) * b->rate_per_min / 60000.0;
	b->refilled_ms = now_ms;
	if (b->tokens > bucket_burst(b))
		b->tokens = bucket_burst(b);
}

int64_t
gw_bucket_wait_ms(struct gw_bucket *b, int64_t now_ms, int64_t local_day, int64_t ms_to_midnight)
{
	if (local_day != b->day) {
		b->day = local_day;
		b->day_parts = 0;
	}
	if (b->daily_cap > 0 && b->day_parts >= b->daily_cap)
		return ms_to_midnight > 0 ? ms_to_midnight : 1;
	bucket_refill(b, now_ms);
	if (b->tokens >= 1.0)
		return 0;
	return (int64_t)((1.0 - b->tokens) * 60000.0 / b->rate_per_min) + 1;
}

void
gw_bucket_spend(struct gw_bucket *b, int parts, int64_t local_day)
{
	if (local_day != b->day) {
		b->day = local_day;
		b->day_parts = 0;
	}
	b->tokens -= parts;
	b->day_parts += parts;
}
