/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bucket_test — a modem's token bucket and daily cap, with a fake clock. */
#include "gateway/bucket.h"
#include "tests/lib/test.h"

#define T0 1796000000000LL

static void
test_rate(void)
{
	struct gw_bucket b;

	gw_bucket_init(&b, 60, 0, T0); /* one part a second, burst of 6 */
	CHECK_EQ_INT(gw_bucket_wait_ms(&b, T0, 0, 0), 0);
	gw_bucket_spend(&b, 1, 0);
	CHECK_EQ_INT(gw_bucket_wait_ms(&b, T0, 0, 0), 1001); /* a whole token in a second */
	CHECK_EQ_INT(gw_bucket_wait_ms(&b, T0 + 500, 0, 0), 501);
	CHECK_EQ_INT(gw_bucket_wait_ms(&b, T0 + 1000, 0, 0), 0);
	/* a three-part message costs three seconds of rate */
	gw_bucket_spend(&b, 3, 0);
	CHECK_EQ_INT(gw_bucket_wait_ms(&b, T0 + 1000, 0, 0), 3001);
	CHECK_EQ_INT(gw_bucket_wait_ms(&b, T0 + 4000, 0, 0), 0);
	/* idle for an hour: no more than the burst (6) is saved */
	int64_t t = T0 + 3600 * 1000;
	int sent = 0;
	while (gw_bucket_wait_ms(&b, t, 0, 0) == 0 && sent < 100) {
		gw_bucket_spend(&b, 1, 0);
		sent++;
	}
	CHECK_EQ_INT(sent, 6);
}

static void
test_slow_rate(void)
{
	struct gw_bucket b;

	gw_bucket_init(&b, 6, 0, T0); /* one part every 10 s; burst stays 1 */
	gw_bucket_spend(&b, 1, 0);
	CHECK_EQ_INT(gw_bucket_wait_ms(&b, T0, 0, 0), 10001);
	CHECK_EQ_INT(gw_bucket_wait_ms(&b, T0 + 3600 * 1000, 0, 0), 0);
	gw_bucket_spend(&b, 1, 0);
	CHECK(gw_bucket_wait_ms(&b, T0 + 3600 * 1000, 0, 0) > 9000);
}

static void
test_daily_cap(void)
{
	struct gw_bucket b;

	gw_bucket_init(&b, 6000, 3, T0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_INT(gw_bucket_wait_ms(&b, T0 + i * 1000, 100, 5000), 0);
		gw_bucket_spend(&b, 1, 100);
	}
	/* cap reached: wait until local midnight */
	CHECK_EQ_INT(gw_bucket_wait_ms(&b, T0 + 10000, 100, 5000), 5000);
	/* a new day resets it */
	CHECK_EQ_INT(gw_bucket_wait_ms(&b, T0 + 20000, 101, 86400000), 0);
}

TEST_MAIN("bucket", TEST_CASE(test_rate), TEST_CASE(test_slow_rate), TEST_CASE(test_daily_cap))
