/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * schedule — quiet hours and recurrence in local time. See schedule.h.
 *
 * Local times go through mktime()/localtime_r() with the configured TZ, so daylight-saving
 * zones work (Vietnam has none). A rule's time that does not exist on a day (a DST gap) fires at
 * the first valid minute after it, as mktime normalises it.
 */
#include "gateway/schedule.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/campaign_req.h"
#include "gateway/gw.h"
#include "conf/conf.h"

int
gw_schedule_set_tz(const char *tz)
{
	if (!tz || !*tz)
		return -EINVAL;
	if (setenv("TZ", tz, 1) < 0)
		return -errno;
	tzset();
	return 0;
}

static int64_t
sched_local(const struct tm *tmpl, int day_add, int hour, int min)
{
	struct tm t = *tmpl;

	t.tm_mday += day_add;
	t.tm_hour = hour;
	t.tm_min = min;
	t.tm_sec = 0;
	t.tm_isdst = -1;
	return (int64_t)mktime(&t) * 1000;
}

bool
gw_schedule_quiet(const char *quiet, int64_t now_ms, int64_t *ends_ms)
{
	int h1, m1, h2, m2;
	struct tm lt;
	time_t now = (time_t)(now_ms / 1000);

	if (!quiet || !*quiet || sscanf(quiet, "%d:%d-%d:%d", &h1, &m1, &h2, &m2) != 4)
		return false;
	localtime_r(&now, &lt);
	int cur = lt.tm_hour * 60 + lt.tm_min, from = h1 * 60 + m1, to = h2 * 60 + m2;
	bool in = from < to ? (cur >= from && cur < to) : (cur >= from || cur < to);
	if (in && ends_ms)
		*ends_ms = sched_local(&lt, (from >= to && cur >= from) ? 1 : 0, h2, m2);
	return in;
}

int64_t
gw_schedule_next_run(const char *rule, int64_t after_ms)
{
	int wd, h, m;
	struct tm lt;
	time_t after = (time_t)(after_ms / 1000);

	if (gw_recurrence_parse(rule, &wd, &h, &m) < 0)
		return -1;
	localtime_r(&after, &lt);
	for (int d = 0; d <= 8; d++) {
		int64_t t = sched_local(&lt, d, h, m);
		if (t <= after_ms)
			continue;
		if (wd) {
			struct tm x;
			time_t ts = (time_t)(t / 1000);
			localtime_r(&ts, &x);
			int iso = x.tm_wday == 0 ? 7 : x.tm_wday; /* 1 = Monday .. 7 = Sunday */
			if (iso != wd)
				continue;
		}
		return t;
	}
	return -1;
}

int64_t
gw_schedule_next(const struct gw *gw, const char *rule, int64_t after_ms)
{
	return gw_schedule_next_run(rule, after_ms);
}
