/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * schedule_test — quiet hours across midnight and in other time zones, and recurrence rules,
 * with a fixed clock (times are built from UTC and checked in local time).
 */
#include <stdlib.h>
#include <time.h>

#include "gateway/campaign_req.h"
#include "gateway/schedule.h"
#include "tests/lib/test.h"

/* ms of a UTC date-time */
static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm t = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi };
	return (int64_t)timegm(&t) * 1000;
}

static void
test_quiet_vietnam(void)
{
	int64_t end = 0;

	CHECK_EQ_INT(gw_schedule_set_tz("Asia/Ho_Chi_Minh"), 0); /* UTC+7 */
	/* 21:00-07:00 local = 14:00-00:00 UTC */
	CHECK(!gw_schedule_quiet("21:00-07:00", utc(2026, 11, 30, 13, 59), NULL)); /* 20:59 */
	CHECK(gw_schedule_quiet("21:00-07:00", utc(2026, 11, 30, 14, 0), &end));   /* 21:00 */
	CHECK_EQ_INT(end, utc(2026, 12, 1, 0, 0));                                 /* 07:00 next day */
	CHECK(gw_schedule_quiet("21:00-07:00", utc(2026, 11, 30, 22, 30), &end));  /* 05:30 */
	CHECK_EQ_INT(end, utc(2026, 12, 1, 0, 0));
	CHECK(gw_schedule_quiet("21:00-07:00", utc(2026, 11, 30, 23, 59), NULL));  /* 06:59 */
	CHECK(!gw_schedule_quiet("21:00-07:00", utc(2026, 12, 1, 0, 0), NULL));    /* 07:00 */
	CHECK(!gw_schedule_quiet("", utc(2026, 11, 30, 15, 0), NULL));
	/* a window inside one day */
	CHECK(gw_schedule_quiet("12:00-13:30", utc(2026, 11, 30, 5, 15), &end));    /* 12:15 */
	CHECK_EQ_INT(end, utc(2026, 11, 30, 6, 30));
	CHECK(!gw_schedule_quiet("12:00-13:30", utc(2026, 11, 30, 6, 30), NULL));
}

static void
test_quiet_other_zone(void)
{
	int64_t end = 0;

	CHECK_EQ_INT(gw_schedule_set_tz("Europe/Paris"), 0); /* UTC+1 in winter, +2 in summer */
	CHECK(gw_schedule_quiet("21:00-07:00", utc(2026, 11, 30, 20, 30), &end)); /* 21:30 local */
	CHECK_EQ_INT(end, utc(2026, 12, 1, 6, 0));
	CHECK(gw_schedule_quiet("21:00-07:00", utc(2026, 7, 1, 19, 30), &end));   /* 21:30 CEST */
	CHECK_EQ_INT(end, utc(2026, 7, 2, 5, 0));
	/* the night DST ends (25 October 2026): 07:00 local is 06:00 UTC */
	CHECK(gw_schedule_quiet("21:00-07:00", utc(2026, 10, 24, 20, 0), &end));
	CHECK_EQ_INT(end, utc(2026, 10, 25, 6, 0));
}

static void
test_recurrence(void)
{
	int wd, h, m;

	CHECK_EQ_INT(gw_schedule_set_tz("Asia/Ho_Chi_Minh"), 0);
	CHECK_EQ_INT(gw_recurrence_parse("daily 08:00", &wd, &h, &m), 0);
	CHECK(wd == 0 && h == 8 && m == 0);
	CHECK_EQ_INT(gw_recurrence_parse("weekly 1 08:30", &wd, &h, &m), 0);
	CHECK(wd == 1 && h == 8 && m == 30);
	CHECK(gw_recurrence_parse("weekly 8 08:00", &wd, &h, &m) < 0);
	CHECK(gw_recurrence_parse("daily 24:00", &wd, &h, &m) < 0);
	CHECK(gw_recurrence_parse("daily 08:00 extra", &wd, &h, &m) < 0);
	CHECK(gw_recurrence_parse("hourly", &wd, &h, &m) < 0);
	/* Monday 30 November 2026, 10:00 local = 03:00 UTC */
	int64_t now = utc(2026, 11, 30, 3, 0);
	CHECK_EQ_INT(gw_schedule_next_run("daily 08:00", now), utc(2026, 12, 1, 1, 0));
	CHECK_EQ_INT(gw_schedule_next_run("daily 11:00", now), utc(2026, 11, 30, 4, 0));
	CHECK_EQ_INT(gw_schedule_next_run("weekly 1 08:00", now), utc(2026, 12, 7, 1, 0));
	CHECK_EQ_INT(gw_schedule_next_run("weekly 1 11:00", now), utc(2026, 11, 30, 4, 0));
	CHECK_EQ_INT(gw_schedule_next_run("weekly 7 08:00", now), utc(2026, 12, 6, 1, 0));
	/* strictly after: a run at exactly the given time is the next week's */
	CHECK_EQ_INT(gw_schedule_next_run("weekly 1 11:00", utc(2026, 11, 30, 4, 0)),
		     utc(2026, 12, 7, 4, 0));
	CHECK_EQ_INT(gw_schedule_next_run("bad", now), -1);
}

TEST_MAIN("schedule", TEST_CASE(test_quiet_vietnam), TEST_CASE(test_quiet_other_zone),
	  TEST_CASE(test_recurrence))
