/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * schedule — local-time rules for campaigns: quiet hours and recurrence ("daily 08:00",
 * "weekly 1 08:00"), in the configured time zone. Pure functions of a wall-clock time in ms,
 * so unit tests drive them with any clock. The process time zone is set once at start-up
 * (gw_schedule_set_tz), before the loop runs. Thread: main.
 */
#ifndef LOA_GATEWAY_SCHEDULE_H
#define LOA_GATEWAY_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

/* Use the IANA time zone `tz` for local times (sets TZ). 0 or -EINVAL. */
int gw_schedule_set_tz(const char *tz);

/*
 * Quiet hours "HH:MM-HH:MM" (may span midnight; "" = none): true when now_ms falls inside them,
 * and *ends_ms (when not NULL) gets the time they end.
 */
bool gw_schedule_quiet(const char *quiet, int64_t now_ms, int64_t *ends_ms);

/* The first time strictly after after_ms that the rule fires; -1 for a bad rule. */
int64_t gw_schedule_next_run(const char *rule, int64_t after_ms);

#endif
