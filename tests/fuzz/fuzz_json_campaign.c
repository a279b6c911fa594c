/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_json_campaign — the body of POST /v1/campaigns as the API reads it: arbitrary bytes fed
 * to jstream in two pieces (split where the first byte says, so piece boundaries move), the
 * "recipients" numbers into the request's set, then gw_campaign_req_parse(). The same bytes
 * also go through jansson and the non-streamed path. Invariants: an error always names a
 * reason (and a field unless it is a syntax error of the body); a success yields a text that
 * plans to at most GW_CAMPAIGN_MAX_SEGMENTS parts and E.164 numbers; both paths agree on
 * whether a body jansson accepts is valid and on how many numbers it gives.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/campaign_req.h"
#include "gateway/jstream.h"
#include "queue/queue.h"
#include "queue/queue_int.h" /* the set's entries, to check them */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *
op_of(const void *arg, const char *e164)
{
	(void)arg;
	return strncmp(e164, "+8491", 5) == 0 ? "vinaphone" : NULL;
}

/* Check a parsed request; returns n_given. */
static size_t
check_req(struct gw_campaign_req *req)
{
	if (req->plan.segments < 1 || req->plan.segments > GW_CAMPAIGN_MAX_SEGMENTS)
		abort();
	if (queue_rset_given(req->rset) != req->n_given)
		abort();
	for (size_t i = 0; i < req->rset->n; i++) {
		char n[QUEUE_RCPT_STR];
		uint64_t key;
		size_t len = queue_rcpt_unpack(req->rset->v[i].key, n);
		if (len < 2 || n[0] != '+' || strspn(n + 1, "0123456789") != len - 1 ||
		    !queue_rcpt_pack(n, len, &key) || key != req->rset->v[i].key)
			abort();
	}
	if (queue_rset_count(req->rset) > req->n_given)
		abort();
	return req->n_given;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_campaign_req req, req2;
	char field[64], msg[320];
	bool streamed = false;
	size_t n = 0, cut = size ? data[0] % (size + 1) : 0;
	int rc, rc2 = 1;
	size_t given = 0;

	/* streamed, as the API reads it */
	if (gw_campaign_req_init(&req, "84", op_of, NULL) < 0)
		return 0;
	struct jstream *js = jstream_new("recipients", gw_campaign_req_number, &req);
	if (!js) {
		gw_campaign_req_free(&req);
		return 0;
	}
	json_t *body = NULL;
	if (jstream_feed(js, data, cut) == 0 && jstream_feed(js, data + cut, size - cut) == 0)
		body = jstream_finish(js, &streamed, &n);
	if (!body) {
		const char *f, *m;
		bool syntax;
		m = jstream_error(js, &rc, &f, &syntax);
		if (rc == -EINVAL && (!m[0] || (!syntax && !f[0])))
			abort();
		gw_campaign_req_free(&req);
	} else {
		rc = gw_campaign_req_parse(body, streamed, 1796000000000LL, &req, field,
					   sizeof(field), msg, sizeof(msg));
		json_decref(body);
		if (rc == -EINVAL && (!field[0] || !msg[0]))
			abort();
		if (rc == 0) {
			if (streamed && n != req.n_given)
				abort();
			given = check_req(&req);
			gw_campaign_req_free(&req);
		}
	}
	jstream_free(js);

	/* the same bytes through jansson: where jansson accepts them, the verdicts agree */
	json_t *tree = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!tree)
		return 0;
	if (gw_campaign_req_init(&req2, "84", op_of, NULL) == 0) {
		rc2 = gw_campaign_req_parse(tree, false, 1796000000000LL, &req2, field,
					    sizeof(field), msg, sizeof(msg));
		if (rc2 == 0) {
			if (check_req(&req2) != given && rc == 0)
				abort();
			gw_campaign_req_free(&req2);
		}
	}
	bool object = json_is_object(tree);
	json_decref(tree);
	if ((rc == 0) != (rc2 == 0) && object && rc != -ENOMEM && rc2 != -ENOMEM)
		abort();
	return 0;
}
