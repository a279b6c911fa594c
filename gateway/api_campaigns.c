/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * api_campaigns — the campaign routes of the HTTP API (docs/API.md):
 *   POST /v1/campaigns                create (explicit numbers and/or a contact group)
 *   POST /v1/campaigns/preview        what a campaign would be, without storing anything
 *   GET  /v1/campaigns[?limit=&after=] newest first, or in id order after `after`
 *   GET  /v1/campaigns/{id}           one campaign with counts per state and an estimate
 *   POST /v1/campaigns/{id}/pause | /resume | /cancel
 *   GET  /v1/campaigns/{id}/poll      the tally of a poll campaign
 */
#include <errno.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "conf/conf.h"
#include "gateway/api.h"
#include "gateway/campaign_req.h"
#include "gateway/gw.h"
#include "modem/modem.h"
#include "modem/sms.h"
#include "queue/queue.h"

/* SMS parts a minute the ready modems can send together (0 when none is ready). */
static int64_t
api_parts_per_min(const struct gw *gw)
{
	int64_t rate = 0;

	for (size_t i = 0; i < gw->n_slots; i++)
		if (modem_state(gw->slots[i].modem) == MODEM_ST_READY)
			rate += modem_conf(gw->slots[i].modem)->rate_per_min;
	return rate;
}

/* Estimated seconds to send `parts` at the ready modems' rates; -1 when no modem is ready. */
static int64_t
api_eta_s(const struct gw *gw, int64_t parts)
{
	int64_t rate = api_parts_per_min(gw);

	/* libgammu's own floor is about 0.7 s a part per modem: never faster than that */
	int64_t floor_rate = 0;
	for (size_t i = 0; i < gw->n_slots; i++)
		if (modem_state(gw->slots[i].modem) == MODEM_ST_READY)
			floor_rate += 85;
	if (floor_rate && rate > floor_rate)
		rate = floor_rate;
	return rate > 0 ? (parts * 60 + rate - 1) / rate : -1;
}

static json_t *
api_campaign_json(const struct gw *gw, const struct queue_campaign *c)
{
	json_t *counts = json_object();
	int64_t done = 0;

	for (int s = 0; s < _QUEUE_STATE_COUNT; s++) {
		json_object_set_new(counts, queue_state_name(s), json_integer(c->counts[s]));
		if (s != QUEUE_QUEUED && s != QUEUE_SENDING)
			done += c->counts[s];
	}
	json_t *o = json_pack("{s:I, s:s, s:s, s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "id",
			      (json_int_t)c->id, "text", c->text ? c->text : "", "encoding",
			      c->encoding, "segments", c->segments, "priority",
			      queue_priority_name(c->priority), "status", c->status, "created_at",
			      (json_int_t)(c->created_at_ms / 1000), "start_at",
			      (json_int_t)(c->start_at_ms / 1000), "end_by",
			      (json_int_t)(c->end_by_ms / 1000), "total", (json_int_t)c->total,
			      "done", (json_int_t)done, "counts", counts);
	json_object_set_new(o, "name", c->name[0] ? json_string(c->name) : json_null());
	json_object_set_new(o, "group", c->group_query[0] ? json_string(c->group_query) : json_null());
	json_object_set_new(o, "recurrence",
			    c->recurrence[0] ? json_string(c->recurrence) : json_null());
	json_object_set_new(o, "parent_id", c->parent_id ? json_integer(c->parent_id) : json_null());
	json_object_set_new(o, "next_run_at",
			    c->next_run_at_ms ? json_integer(c->next_run_at_ms / 1000) : json_null());
	json_object_set_new(o, "poll_closes_at", c->poll_closes_at_ms
							 ? json_integer(c->poll_closes_at_ms / 1000)
							 : json_null());
	int64_t left = (c->counts[QUEUE_QUEUED] + c->counts[QUEUE_SENDING]) * c->segments;
	int64_t eta = left ? api_eta_s(gw, left) : 0;
	json_object_set_new(o, "estimated_seconds_left", eta >= 0 ? json_integer(eta) : json_null());
	return o;
}

/* The operator of a number from the config's prefix table (routing); NULL when none. */
static const char *
api_operator_of(const void *arg, const char *e164)
{
	const struct conf_operator *op = conf_operator_match(arg, e164);

	return op ? op->name : NULL;
}

/*
 * Parse the body into req and spec; answers 400 itself and returns false on bad input. The
 * body is read with jstream, so "recipients" go into req->rset one by one (a million numbers
 * in one request are 24 MB, not a JSON tree).
 */
static bool
api_campaign_parse(struct api_req *r, struct gw_campaign_req *req, struct queue_campaign_spec *spec)
{
	char field[64], msg[320];
	bool streamed = false;
	json_t *body;
	int rc;

	if (gw_campaign_req_init(req, r->gw->conf->country_code, api_operator_of, r->gw->conf) < 0) {
		gw_campaign_req_free(req);
		api_error(r->req, 500, "internal", NULL, "out of memory");
		return false;
	}
	body = api_body_stream(r, "recipients", gw_campaign_req_number, req, &streamed);
	if (!body) {
		gw_campaign_req_free(req);
		return false;
	}
	rc = gw_campaign_req_parse(body, streamed, util_now_ms(), req, field, sizeof(field), msg,
				   sizeof(msg));
	json_decref(body);
	if (rc == -EINVAL) {
		api_error(r->req, 400, "invalid", field, "%s", msg);
		return false;
	}
	if (rc < 0) {
		api_error(r->req, 500, "internal", NULL, "%s", msg);
		return false;
	}
	if (req->group && !strchr(req->group, '=') && strcmp(req->group, "*") != 0) {
		char query[512];
		rc = queue_group_get(r->gw->q, req->group, query, sizeof(query));
		if (rc < 0) {
			api_error(r->req, 400, "invalid", "group", "group: no saved group \"%s\"",
				  req->group);
			gw_campaign_req_free(req);
			return false;
		}
		free(req->group);
		req->group = strdup(query);
	}
	int64_t start = req->start_at_ms;
	if (req->recurrence) {
		start = gw_schedule_next(r->gw, req->recurrence,
					 req->start_at_ms > util_now_ms() ? req->start_at_ms
									  : util_now_ms());
		if (start < 0) {
			gw_campaign_req_free(req);
			api_error(r->req, 400, "invalid", "recurrence", "recurrence: not understood");
			return false;
		}
	}
	*spec = (struct queue_campaign_spec){
		.text = req->text,
		.encoding = modem_sms_encoding_name(req->plan.encoding),
		.segments = req->plan.segments,
		.priority = req->priority,
		.start_at_ms = start,
		.end_by_ms = req->end_by_ms,
		.rset = req->rset,
		.name = req->name,
		.group_query = req->group,
		.recurrence = req->recurrence,
		.poll_answers = (const char *const *)req->poll_answers,
		.n_poll_answers = req->n_poll_answers,
		.poll_closes_at_ms = req->poll_closes_at_ms,
	};
	return true;
}

static void
api_campaign_create(struct api_req *r)
{
	struct gw_campaign_req req;
	struct queue_campaign_spec spec;
	int64_t id;
	char object[32];

	if (!api_allow(r, CONF_ROLE_OFFICIAL) || !api_campaign_parse(r, &req, &spec))
		return;
	int rc = queue_campaign_create(r->gw->q, &spec, util_now_ms(), &id);
	if (rc == -ENOSPC) {
		api_error(r->req, 503, "store_full", NULL,
			  "the store's disk is full: the campaign was not accepted; try again later");
		goto out;
	}
	if (rc == -EINVAL) {
		api_error(r->req, 400, "invalid", spec.group_query ? "group" : "recipients",
			  "%s: no recipient matches", spec.group_query ? "group" : "recipients");
		goto out;
	}
	if (rc < 0) {
		api_error(r->req, 500, "internal", NULL, "the campaign could not be stored: %s",
			  strerror(-rc));
		goto out;
	}
	struct queue_campaign camp;
	/* the set now holds the group's contacts too, de-duplicated */
	size_t given = queue_rset_given(req.rset), distinct = queue_rset_count(req.rset);
	json_t *ans = json_pack("{s:I, s:I, s:I, s:s, s:i}", "id", (json_int_t)id, "recipients",
				(json_int_t)distinct, "duplicates", (json_int_t)(given - distinct),
				"encoding",
				modem_sms_encoding_name(req.plan.encoding), "segments",
				req.plan.segments);
	if (queue_campaign_get(r->gw->q, id, &camp) == 0) {
		int64_t to_send = camp.total - camp.counts[QUEUE_SUPPRESSED];
		json_object_set_new(ans, "recipients", json_integer(camp.total));
		json_object_set_new(ans, "suppressed", json_integer(camp.counts[QUEUE_SUPPRESSED]));
		json_object_set_new(ans, "total_segments", json_integer(to_send * req.plan.segments));
		json_object_set_new(ans, "status", json_string(camp.status));
		int64_t eta = api_eta_s(r->gw, to_send * req.plan.segments);
		json_object_set_new(ans, "estimated_seconds", eta >= 0 ? json_integer(eta) : json_null());
		if (camp.next_run_at_ms) {
			json_object_set_new(ans, "next_run_at", json_integer(camp.next_run_at_ms / 1000));
			gw_schedule_wake(r->gw, camp.next_run_at_ms);
		}
		queue_campaign_clear(&camp);
	}
	LOG(LOG_INFO, "api", "campaign %lld created by %s: %zu numbers%s%s, %d part(s) %s",
	    (long long)id, r->token->name, req.n_given, req.group ? " + group " : "",
	    req.group ? req.group : "", req.plan.segments, modem_sms_encoding_name(req.plan.encoding));
	snprintf(object, sizeof(object), "campaign/%lld", (long long)id);
	api_audit(r, "campaign.create", object, 201, req.name);
	api_reply_json(r->req, 201, ans);
	gw_dispatch_kick(r->gw);
out:
	gw_campaign_req_free(&req);
}

static void
api_campaign_preview(struct api_req *r)
{
	struct gw_campaign_req req;
	struct queue_campaign_spec spec;
	struct queue_preview pv;

	if (!api_allow(r, CONF_ROLE_OFFICIAL) || !api_campaign_parse(r, &req, &spec))
		return;
	int rc = queue_campaign_preview(r->gw->q, &spec, util_now_ms(), &pv);
	if (rc < 0) {
		api_error(r->req, rc == -EINVAL ? 400 : 500, rc == -EINVAL ? "invalid" : "internal",
			  rc == -EINVAL ? "group" : NULL, "cannot preview: %s", strerror(-rc));
		goto out;
	}
	json_t *byop = json_object();
	for (size_t i = 0; i < pv.n_ops; i++)
		json_object_set_new(byop, pv.ops[i].operator[0] ? pv.ops[i].operator : "unknown",
				    json_integer(pv.ops[i].n));
	if (pv.ops_other)
		json_object_set_new(byop, "other", json_integer(pv.ops_other));
	int64_t parts = pv.to_send * req.plan.segments;
	int64_t eta = api_eta_s(r->gw, parts);
	api_reply_json(r->req, 200,
		       json_pack("{s:I, s:I, s:I, s:I, s:s, s:i, s:i, s:I, s:o, s:o, s:s}",
				 "recipients", (json_int_t)pv.recipients, "opted_out",
				 (json_int_t)pv.opted_out, "duplicates",
				 (json_int_t)pv.duplicates,
				 "to_send", (json_int_t)pv.to_send, "encoding",
				 modem_sms_encoding_name(req.plan.encoding), "segments",
				 req.plan.segments, "units", req.plan.units, "total_segments",
				 (json_int_t)parts, "by_operator", byop, "estimated_seconds",
				 eta >= 0 ? json_integer(eta) : json_null(), "text", req.text));
out:
	gw_campaign_req_free(&req);
}

struct api_list_ctx {
	const struct gw *gw;
	json_t *arr;
	size_t keep; /* newest-first mode: keep only the last `keep` */
};

static int
api_list_cb(const struct queue_campaign *c, void *arg)
{
	struct api_list_ctx *ctx = arg;

	json_array_append_new(ctx->arr, api_campaign_json(ctx->gw, c));
	if (ctx->keep && json_array_size(ctx->arr) > ctx->keep)
		json_array_remove(ctx->arr, 0);
	return 0;
}

static void
api_campaigns_list(struct api_req *r)
{
	struct evkeyvalq q;
	long long after, limit;
	int rc;

	if (!api_allow(r, CONF_ROLE_VIEWER))
		return;
	api_query(r, &q);
	bool ascending = evhttp_find_header(&q, "after") != NULL;
	if (!api_query_int(r, &q, "after", 0, 0, INT64_MAX, &after) ||
	    !api_query_int(r, &q, "limit", 20, 1, 500, &limit)) {
		evhttp_clear_headers(&q);
		return;
	}
	evhttp_clear_headers(&q);
	struct api_list_ctx ctx = { .gw = r->gw, .arr = json_array(),
				    .keep = ascending ? 0 : (size_t)limit };
	/* newest first: walk in id order keeping the last `limit` (campaigns are few) */
	rc = queue_campaigns_list(r->gw->q, after, ascending ? (int)limit : INT32_MAX,
				  util_now_ms(), api_list_cb, &ctx);
	if (rc < 0) {
		json_decref(ctx.arr);
		api_error(r->req, 500, "internal", NULL, "store error: %s", strerror(-rc));
		return;
	}
	if (!ascending) { /* reverse to newest first */
		json_t *rev = json_array();
		for (size_t i = json_array_size(ctx.arr); i-- > 0;)
			json_array_append(rev, json_array_get(ctx.arr, i));
		json_decref(ctx.arr);
		ctx.arr = rev;
	}
	api_reply_json(r->req, 200, json_pack("{s:o}", "campaigns", ctx.arr));
}

static void
api_campaign_get(struct api_req *r, int64_t id)
{
	struct queue_campaign camp;

	if (!api_allow(r, CONF_ROLE_VIEWER))
		return;
	int rc = queue_campaign_get_at(r->gw->q, id, util_now_ms(), &camp);
	if (rc == -ENOENT) {
		api_error(r->req, 404, "not_found", NULL, "no campaign %lld", (long long)id);
		return;
	}
	if (rc < 0) {
		api_error(r->req, 500, "internal", NULL, "store error: %s", strerror(-rc));
		return;
	}
	api_reply_json(r->req, 200, api_campaign_json(r->gw, &camp));
	queue_campaign_clear(&camp);
}

static void
api_campaign_action(struct api_req *r, int64_t id, const char *action)
{
	char object[32], what[32];
	int rc;

	if (!api_allow(r, CONF_ROLE_OFFICIAL))
		return;
	struct queue_campaign camp;
	if (queue_campaign_get_at(r->gw->q, id, util_now_ms(), &camp) == 0) {
		bool finished = !strcmp(camp.status, "done") || !strcmp(camp.status, "cancelled");
		queue_campaign_clear(&camp);
		if (finished) {
			api_error(r->req, 409, "conflict", NULL,
				  "campaign %lld is finished or cancelled", (long long)id);
			return;
		}
	}
	if (strcmp(action, "cancel") == 0)
		rc = queue_campaign_cancel(r->gw->q, id, util_now_ms());
	else
		rc = queue_campaign_pause(r->gw->q, id, strcmp(action, "pause") == 0, util_now_ms());
	snprintf(object, sizeof(object), "campaign/%lld", (long long)id);
	snprintf(what, sizeof(what), "campaign.%s", action);
	if (rc == -ENOENT) {
		api_error(r->req, 404, "not_found", NULL, "no campaign %lld", (long long)id);
		return;
	}
	if (rc == -ESTALE) {
		api_audit(r, what, object, 409, "finished or cancelled");
		api_error(r->req, 409, "conflict", NULL, "campaign %lld is finished or cancelled",
			  (long long)id);
		return;
	}
	if (rc < 0) {
		api_error(r->req, rc == -ENOSPC ? 503 : 500, "internal", NULL, "store error: %s",
			  strerror(-rc));
		return;
	}
	api_audit(r, what, object, 200, NULL);
	LOG(LOG_INFO, "api", "campaign %lld: %s by %s", (long long)id, action, r->token->name);
	gw_dispatch_kick(r->gw);
	api_campaign_get(r, id);
}

static int
api_tally_cb(const char *answer, int64_t count, void *arg)
{
	json_object_set_new(arg, answer, json_integer(count));
	return 0;
}

static void
api_campaign_poll(struct api_req *r, int64_t id)
{
	struct queue_campaign camp;

	if (!api_allow(r, CONF_ROLE_VIEWER))
		return;
	if (queue_campaign_get(r->gw->q, id, &camp) < 0) {
		api_error(r->req, 404, "not_found", NULL, "no campaign %lld", (long long)id);
		return;
	}
	bool poll = camp.n_poll_answers > 0;
	int64_t closes = camp.poll_closes_at_ms;
	queue_campaign_clear(&camp);
	if (!poll) {
		api_error(r->req, 404, "not_found", NULL, "campaign %lld has no poll", (long long)id);
		return;
	}
	json_t *tally = json_object();
	if (queue_poll_tally(r->gw->q, id, api_tally_cb, tally) < 0) {
		json_decref(tally);
		api_error(r->req, 500, "internal", NULL, "store error");
		return;
	}
	int64_t votes = 0;
	const char *k;
	json_t *v;
	json_object_foreach(tally, k, v) votes += json_integer_value(v);
	api_reply_json(r->req, 200,
		       json_pack("{s:I, s:o, s:I, s:I, s:b}", "campaign", (json_int_t)id, "tally",
				 tally, "votes", (json_int_t)votes, "closes_at",
				 (json_int_t)(closes / 1000), "open", closes > util_now_ms()));
}

void
api_campaigns_route(struct api_req *r)
{
	const char *t = r->tail;

	if (*t == '\0') {
		if (r->method == EVHTTP_REQ_POST)
			api_campaign_create(r);
		else if (r->method == EVHTTP_REQ_GET)
			api_campaigns_list(r);
		else
			api_method_not_allowed(r, "GET, POST");
		return;
	}
	if (strcmp(t, "/preview") == 0) {
		if (r->method == EVHTTP_REQ_POST)
			api_campaign_preview(r);
		else
			api_method_not_allowed(r, "POST");
		return;
	}
	char idbuf[24];
	const char *slash = strchr(t + 1, '/');
	size_t n = slash ? (size_t)(slash - t - 1) : strlen(t + 1);
	int64_t id = -1;
	if (n < sizeof(idbuf)) {
		memcpy(idbuf, t + 1, n);
		idbuf[n] = '\0';
		id = api_parse_id(idbuf);
	}
	if (id < 0) {
		if (api_allow(r, CONF_ROLE_VIEWER))
			api_error(r->req, 404, "not_found", NULL, "no such route: %s", r->path);
		return;
	}
	if (!slash) {
		if (r->method == EVHTTP_REQ_GET)
			api_campaign_get(r, id);
		else
			api_method_not_allowed(r, "GET");
	} else if (!strcmp(slash, "/pause") || !strcmp(slash, "/resume") ||
		   !strcmp(slash, "/cancel")) {
		if (r->method == EVHTTP_REQ_POST)
			api_campaign_action(r, id, slash + 1);
		else
			api_method_not_allowed(r, "POST");
	} else if (!strcmp(slash, "/poll")) {
		if (r->method == EVHTTP_REQ_GET)
			api_campaign_poll(r, id);
		else
			api_method_not_allowed(r, "GET");
	} else if (api_allow(r, CONF_ROLE_VIEWER)) {
		api_error(r->req, 404, "not_found", NULL, "no such route: %s", r->path);
	}
}
