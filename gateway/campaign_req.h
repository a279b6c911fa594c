/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * campaign_req — validate the JSON body of POST /v1/campaigns into a campaign request.
 *
 * Pure: no store, no I/O, so it is unit-tested and fuzzed on its own (tests/fuzz). Every error
 * names the field at fault ("recipients[3]", "text", "poll.answers[1]") and says what is wrong.
 * Thread: any.
 */
#ifndef LOA_GATEWAY_CAMPAIGN_REQ_H
#define LOA_GATEWAY_CAMPAIGN_REQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modem/sms.h"

#define GW_CAMPAIGN_MAX_SEGMENTS 10
#define GW_CAMPAIGN_MAX_RECIPIENTS 1000000
#define GW_CAMPAIGN_MAX_POLL_ANSWERS 9

struct gw_campaign_req {
	char *text;                 /* owned; transliterated when asked */
	struct modem_sms_plan plan; /* encoding and parts of `text` */
	int priority;               /* enum queue_priority */
	int64_t start_at_ms, end_by_ms;
	char **numbers;             /* owned: distinct E.164 numbers, sorted */
	size_t n_numbers;
	size_t n_given;             /* recipients as given, before de-duplication */
	char *group;                /* owned or NULL: a contact tag query ("commune=son-nam") */
	char *name;                 /* owned or NULL */
	char *recurrence;           /* owned or NULL: "daily HH:MM" or "weekly D HH:MM" (D 1=Mon..7) */
	bool transliterate;
	char *poll_answers[GW_CAMPAIGN_MAX_POLL_ANSWERS]; /* owned, folded keywords */
	size_t n_poll_answers;
	int64_t poll_closes_at_ms;
};

/*
 * Parse `body` (a JSON object). On success returns 0 and fills *out (free with
 * gw_campaign_req_free). On bad input returns -EINVAL with the field in field[] and the reason
 * in msg[] ("recipients[2]: too short: \"12345\""). -ENOMEM when memory runs out.
 */
int gw_campaign_req_parse(const json_t *body, const char *country_code, int64_t now_ms,
			  struct gw_campaign_req *out, char *field, size_t fieldlen, char *msg,
			  size_t msglen);
void gw_campaign_req_free(struct gw_campaign_req *r);

/* Parse a recurrence rule; 0 when valid (*weekday 0 = every day, 1..7 = Mon..Sun). */
int gw_recurrence_parse(const char *rule, int *weekday, int *hour, int *minute);

#endif
