/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bucket — a modem's pace: a token bucket counted in SMS parts (rate a minute, a burst of a
 * tenth of a minute's worth, at least one) and an optional cap of parts per local day. Pure:
 * times are passed in, so unit tests drive it with any clock. Thread: main.
 */
#ifndef LOA_GATEWAY_BUCKET_H
#define LOA_GATEWAY_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct gw_bucket {
	int rate_per_min;   /* parts a minute */
	int daily_cap;      /* parts a local day; 0 = none */
	double tokens;
	int64_t refilled_ms;
	int64_t day;        /* the local day (days since the epoch) the count is for */
	int64_t day_parts;  /* parts spent that day */
};

void gw_bucket_init(struct gw_bucket *b, int rate_per_min, int daily_cap, int64_t now_ms);
/*
 * 0 when a message may start now; else the milliseconds until it may (a token refills, or the
 * day's cap resets at local midnight). local_day is days since the epoch in local time.
 */
int64_t gw_bucket_wait_ms(struct gw_bucket *b, int64_t now_ms, int64_t local_day,
			  int64_t ms_to_midnight);
/* Spend `parts` (a message of 3 parts spends 3; tokens may go below zero). */
void gw_bucket_spend(struct gw_bucket *b, int parts, int64_t local_day);

#endif
