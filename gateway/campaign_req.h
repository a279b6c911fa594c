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

#include "gateway/jstream.h"
#include "modem/sms.h"

struct queue_rset;

#define GW_CAMPAIGN_MAX_SEGMENTS 10
#define GW_CAMPAIGN_MAX_RECIPIENTS 1000000
#define GW_CAMPAIGN_MAX_POLL_ANSWERS 9

struct gw_campaign_req {
	char *text;                 /* owned; transliterated when asked */
	struct modem_sms_plan plan; /* encoding and parts of `text` */
	int priority;               /* enum queue_priority */
	int64_t start_at_ms, end_by_ms;
	struct queue_rset *rset;    /* owned: the numbers as given, E.164, with operators */
	size_t n_given;             /* numbers given (duplicates included) */
	char *group;                /* owned or NULL: a contact tag query ("commune=son-nam") */
	char *name;                 /* owned or NULL */
	char *recurrence;           /* owned or NULL: "daily HH:MM" or "weekly D HH:MM" (D 1=Mon..7) */
	bool transliterate;
	char *poll_answers[GW_CAMPAIGN_MAX_POLL_ANSWERS]; /* owned, folded keywords */
	size_t n_poll_answers;
	int64_t poll_closes_at_ms;
	/* set by gw_campaign_req_init() */
	char country_code[8];
	const char *(*operator_of)(const void *arg, const char *e164);
	const void *operator_arg;
};

/*
 * Start a request: defaults, an empty recipient set. operator_of (may be NULL) names the
 * operator of a number for routing (the config's prefix table). 0 or -ENOMEM.
 */
int gw_campaign_req_init(struct gw_campaign_req *out, const char *country_code,
			 const char *(*operator_of)(const void *arg, const char *e164),
			 const void *operator_arg);

/*
 * One number of "recipients" (element `index`, not NUL-terminated): normalised to E.164 and
 * added with its operator. -EINVAL with field/msg ("recipients[2]: too short: \"12345\"", or
 * past GW_CAMPAIGN_MAX_RECIPIENTS), -ENOMEM. A jstream
 * callback (arg: the request), so a big request's numbers never form a JSON tree.
 */
jstream_item_fn gw_campaign_req_number;

/*
 * Validate `body` (a JSON object) into *out (from gw_campaign_req_init()). When `streamed`,
 * the "recipients" array was read by jstream into the set already and body lacks it;
 * otherwise its numbers are read from body. On success returns 0 (free with
 * gw_campaign_req_free). On bad input returns -EINVAL with the field in field[] and the reason
 * in msg[], and frees *out. -ENOMEM when memory runs out.
 */
int gw_campaign_req_parse(const json_t *body, bool streamed, int64_t now_ms,
			  struct gw_campaign_req *out, char *field, size_t fieldlen, char *msg,
			  size_t msglen);
void gw_campaign_req_free(struct gw_campaign_req *r);

/* Parse a recurrence rule; 0 when valid (*weekday 0 = every day, 1..7 = Mon..Sun). */
int gw_recurrence_parse(const char *rule, int *weekday, int *hour, int *minute);

#endif
