/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_json_campaign — the body of POST /v1/campaigns: arbitrary bytes through jansson, then
 * gw_campaign_req_parse(). Invariants: an error always names a field and a reason; a success
 * yields a text that plans to at most GW_CAMPAIGN_MAX_SEGMENTS parts and distinct, sorted
 * E.164 numbers.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/campaign_req.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = json_loadb((const char *)data, size, 0, NULL);
	struct gw_campaign_req req;
	char field[64], msg[320];

	if (!body)
		return 0;
	int rc = gw_campaign_req_parse(body, "84", 1796000000000LL, &req, field, sizeof(field), msg,
				       sizeof(msg));
	json_decref(body);
	if (rc == -EINVAL) {
		if (!field[0] || !msg[0])
			abort();
		return 0;
	}
	if (rc < 0)
		return 0;
	if (req.plan.segments < 1 || req.plan.segments > GW_CAMPAIGN_MAX_SEGMENTS)
		abort();
	for (size_t i = 0; i < req.n_numbers; i++) {
		const char *n = req.numbers[i];
		if (n[0] != '+' || strspn(n + 1, "0123456789") != strlen(n) - 1)
			abort();
		if (i && strcmp(req.numbers[i - 1], n) >= 0)
			abort();
	}
	if (req.n_numbers > req.n_given)
		abort();
	gw_campaign_req_free(&req);
	return 0;
}
