/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * api_reports — citizens' reports, opt-outs and the audit log over the HTTP API:
 *   GET  /v1/reports[?status=&category=&since=&until=&after=&limit=&format=csv&numbers=1]
 *   GET  /v1/reports/{id|ticket}
 *   POST /v1/reports/{id|ticket}  {"status": "reviewing"|"resolved", "note": "...", "notify": true}
 *   GET  /v1/optouts, POST /v1/optouts {"number": "..."}  (admin)
 *   GET  /v1/audit[?who=&action=&since=&after=&limit=]     (admin)
 *
 * Privacy: a report shows the citizen's number masked ("+8491****001") and a pseudonym, a short
 * keyed hash that is the same for the same number, so officials can see that reports come from
 * one person without seeing who. The full number is shown only to an admin who asks for it
 * (numbers=1).
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "conf/conf.h"
#include "gateway/api.h"
#include "gateway/gw.h"
#include "gateway/gw_text.h"
#include "modem/sms.h"
#include "queue/queue.h"

/* "p" + 10 hex digits of HMAC-SHA256(key, number); the key is derived from the API tokens' hashes
 * (stable while the tokens are), so pseudonyms cannot be recomputed without the config. */
static void
api_pseudonym(const struct gw *gw, const char *number, char out[16])
{
	unsigned char key[32], mac[32];
	unsigned int len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	memset(key, 0, sizeof(key));
	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_DigestUpdate(ctx, "loa-pseudonym", 13);
		for (size_t i = 0; i < gw->conf->n_tokens; i++)
			EVP_DigestUpdate(ctx, gw->conf->tokens[i].sha256_hex, 64);
		EVP_DigestFinal_ex(ctx, key, &len);
	}
	EVP_MD_CTX_free(ctx);
	HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)number, strlen(number), mac, &len);
	snprintf(out, 16, "p%02x%02x%02x%02x%02x", mac[0], mac[1], mac[2], mac[3], mac[4]);
}

struct api_rep_ctx {
	const struct gw *gw;
	json_t *arr;
	struct evbuffer *csv;
	bool numbers;
	int64_t last;
};

static json_t *
api_report_json(const struct gw *gw, const struct queue_report *rep, bool numbers)
{
	char masked[LOG_MASK_LEN], pseudo[16];

	api_pseudonym(gw, rep->sender, pseudo);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I}", "id", (json_int_t)rep->id,
			      "ticket", rep->ticket, "sender",
			      numbers ? rep->sender : log_mask(rep->sender, masked), "pseudonym",
			      pseudo, "text", rep->text ? rep->text : "", "status", rep->status,
			      "created_at", (json_int_t)(rep->created_at_ms / 1000));
	json_object_set_new(o, "category", rep->category[0] ? json_string(rep->category) : json_null());
	json_object_set_new(o, "note", rep->note ? json_string(rep->note) : json_null());
	json_object_set_new(o, "source", json_string(rep->modem[0] ? rep->modem : "api"));
	json_object_set_new(o, "updated_at", rep->updated_at_ms ? json_integer(rep->updated_at_ms / 1000)
								: json_null());
	json_object_set_new(o, "updated_by", rep->updated_by[0] ? json_string(rep->updated_by)
								: json_null());
	return o;
}

/* One CSV field, quoted when needed (RFC 4180). */
static void
api_csv_field(struct evbuffer *b, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		evbuffer_add(b, "\"", 1);
		for (const char *p = s; *p; p++) {
			if (*p == '"')
				evbuffer_add(b, "\"", 1);
			evbuffer_add(b, p, 1);
		}
		evbuffer_add(b, "\"", 1);
	} else {
		evbuffer_add(b, s, strlen(s));
	}
	evbuffer_add(b, last ? "\r\n" : ",", last ? 2 : 1);
}

static int
api_rep_cb(const struct queue_report *rep, void *arg)
{
	struct api_rep_ctx *ctx = arg;

	ctx->last = rep->id;
	if (!ctx->csv) {
		json_array_append_new(ctx->arr, api_report_json(ctx->gw, rep, ctx->numbers));
		return 0;
	}
	char id[24], at[24], pseudo[16];
	snprintf(id, sizeof(id), "%lld", (long long)rep->id);
	snprintf(at, sizeof(at), "%lld", (long long)(rep->created_at_ms / 1000));
	api_pseudonym(ctx->gw, rep->sender, pseudo);
	api_csv_field(ctx->csv, id, false);
	api_csv_field(ctx->csv, rep->ticket, false);
	api_csv_field(ctx->csv, at, false);
	api_csv_field(ctx->csv, pseudo, false);
	if (ctx->numbers)
		api_csv_field(ctx->csv, rep->sender, false);
	api_csv_field(ctx->csv, rep->category, false);
	api_csv_field(ctx->csv, rep->status, false);
	api_csv_field(ctx->csv, rep->text ? rep->text : "", false);
	api_csv_field(ctx->csv, rep->note ? rep->note : "", true);
	return 0;
}

/* numbers=1 is honoured for admins only; anyone else asking gets 403. false when answered. */
static bool
api_want_numbers(struct api_req *r, struct evkeyvalq *q, bool *numbers)
{
	const char *v = evhttp_find_header(q, "numbers");

	*numbers = v && strcmp(v, "1") == 0;
	if (*numbers && r->token->role != CONF_ROLE_ADMIN) {
		api_error(r->req, 403, "forbidden", "numbers",
			  "numbers: only an admin may see citizens' numbers");
		return false;
	}
	return true;
}

static void
api_reports_list(struct api_req *r)
{
	struct evkeyvalq q;
	long long after, limit, since, until;
	struct queue_report_filter f = { 0 };
	bool numbers;

	if (!api_allow(r, CONF_ROLE_VIEWER))
		return;
	api_query(r, &q);
	const char *format = evhttp_find_header(&q, "format");
	if (!api_query_int(r, &q, "after", 0, 0, INT64_MAX, &after) ||
	    !api_query_int(r, &q, "limit", 100, 1, format ? 100000 : 1000, &limit) ||
	    !api_query_int(r, &q, "since", 0, 0, INT64_MAX / 1000, &since) ||
	    !api_query_int(r, &q, "until", 0, 0, INT64_MAX / 1000, &until) ||
	    !api_want_numbers(r, &q, &numbers))
		goto out;
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
		api_error(r->req, 400, "invalid", "format", "format: expected \"csv\" or \"json\"");
		goto out;
	}
	const char *status = evhttp_find_header(&q, "status");
	if (status && strcmp(status, "new") && strcmp(status, "reviewing") &&
	    strcmp(status, "resolved")) {
		api_error(r->req, 400, "invalid", "status",
			  "status: expected \"new\", \"reviewing\" or \"resolved\"");
		goto out;
	}
	f.status = status;
	f.category = evhttp_find_header(&q, "category");
	f.since_ms = since * 1000;
	f.until_ms = until * 1000;
	f.after_id = after;
	f.limit = (int)limit;
	struct api_rep_ctx ctx = { .gw = r->gw, .numbers = numbers, .last = after };
	bool csv = format && strcmp(format, "csv") == 0;
	if (csv) {
		ctx.csv = evbuffer_new();
		evbuffer_add_printf(ctx.csv, "id,ticket,created_at,pseudonym,%scategory,status,text,note\r\n",
				    numbers ? "number," : "");
	} else {
		ctx.arr = json_array();
	}
	int rc = queue_reports_query(r->gw->q, &f, api_rep_cb, &ctx);
	if (rc < 0) {
		json_decref(ctx.arr);
		if (ctx.csv)
			evbuffer_free(ctx.csv);
		api_error(r->req, 500, "internal", NULL, "store error: %s", strerror(-rc));
		goto out;
	}
	if (numbers)
		api_audit(r, "reports.export_numbers", "reports", 200, csv ? "csv" : "json");
	if (csv) {
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type",
				  "text/csv; charset=utf-8");
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Disposition",
				  "attachment; filename=\"reports.csv\"");
		api_count("/v1/reports", 200);
		evhttp_send_reply(r->req, 200, "OK", ctx.csv);
		evbuffer_free(ctx.csv);
	} else {
		api_reply_json(r->req, 200,
			       json_pack("{s:o, s:I}", "reports", ctx.arr, "next_after",
					 (json_int_t)ctx.last));
	}
out:
	evhttp_clear_headers(&q);
}

static int
api_report_find(struct api_req *r, const char *key, struct queue_report *rep)
{
	int64_t id = api_parse_id(key);

	return id > 0 ? queue_report_get(r->gw->q, id, rep)
		      : queue_report_get_by_ticket(r->gw->q, key, rep);
}

/* Tell the citizen their report was handled (a reply, not a broadcast). */
static int
api_report_notify(struct api_req *r, const struct queue_report *rep)
{
	char text[320];
	struct modem_sms_plan plan;
	int64_t id;

	if (queue_is_opted_out(r->gw->q, rep->sender) == 1)
		return 0;
	snprintf(text, sizeof(text), "Phan anh %s cua ban da duoc xu ly. Cam on ban da bao tin.",
		 rep->ticket);
	if (modem_sms_plan(text, strlen(text), &plan) < 0)
		return -EINVAL;
	int rc = queue_reply_enqueue(r->gw->q, rep->sender, text,
				     modem_sms_encoding_name(plan.encoding), plan.segments,
				     util_now_ms(), &id);
	if (rc == 0)
		gw_dispatch_kick(r->gw);
	return rc;
}

static void
api_report_update(struct api_req *r, const char *key)
{
	struct queue_report before, after;
	json_t *body;
	char object[40];

	if (!api_allow(r, CONF_ROLE_OFFICIAL) || !(body = api_body_json(r)))
		return;
	const char *status = json_string_value(json_object_get(body, "status"));
	json_t *note = json_object_get(body, "note");
	json_t *notify = json_object_get(body, "notify");
	if (!status) {
		api_error(r->req, 400, "invalid", "status",
			  "status: expected \"new\", \"reviewing\" or \"resolved\"");
		goto out;
	}
	if (note && !json_is_string(note) && !json_is_null(note)) {
		api_error(r->req, 400, "invalid", "note", "note: expected a string");
		goto out;
	}
	if (note && json_is_string(note) && json_string_length(note) > 2000) {
		api_error(r->req, 400, "invalid", "note", "note: longer than 2000 bytes");
		goto out;
	}
	if (notify && !json_is_boolean(notify)) {
		api_error(r->req, 400, "invalid", "notify", "notify: expected true or false");
		goto out;
	}
	if (api_report_find(r, key, &after) < 0) {
		api_error(r->req, 404, "not_found", NULL, "no report %s", key);
		goto out;
	}
	int64_t id = after.id;
	queue_report_clear(&after);
	int rc = queue_report_update(r->gw->q, id, status, json_string_value(note), r->token->name,
				     util_now_ms(), &before);
	snprintf(object, sizeof(object), "report/%lld", (long long)id);
	if (rc == -EINVAL) {
		api_audit(r, "report.update", object, 400, status);
		api_error(r->req, 400, "invalid", "status",
			  "status: \"%s\" is not allowed from this report's status (new -> reviewing -> "
			  "resolved; resolved -> reviewing reopens)", status);
		goto out;
	}
	if (rc < 0) {
		api_error(r->req, rc == -ENOSPC ? 503 : 500, "internal", NULL, "store error: %s",
			  strerror(-rc));
		goto out;
	}
	api_audit(r, "report.update", object, 200, status);
	if (queue_report_get(r->gw->q, id, &after) == 0) {
		if (json_is_true(notify) && strcmp(after.status, "resolved") == 0 &&
		    strcmp(before.status, "resolved") != 0 && api_report_notify(r, &after) < 0)
			LOG(LOG_ERROR, "api", "report %lld: could not queue the notice", (long long)id);
		api_reply_json(r->req, 200, api_report_json(r->gw, &after, false));
		queue_report_clear(&after);
	} else {
		api_error(r->req, 500, "internal", NULL, "store error");
	}
	queue_report_clear(&before);
out:
	json_decref(body);
}

void
api_reports_route(struct api_req *r)
{
	if (*r->tail == '\0') {
		if (r->method == EVHTTP_REQ_GET)
			api_reports_list(r);
		else
			api_method_not_allowed(r, "GET");
		return;
	}
	const char *key = r->tail + 1;
	if (strchr(key, '/') || !*key || strlen(key) > 20) {
		if (api_allow(r, CONF_ROLE_VIEWER))
			api_error(r->req, 404, "not_found", NULL, "no such route: %s", r->path);
		return;
	}
	if (r->method == EVHTTP_REQ_POST || r->method == EVHTTP_REQ_PATCH) {
		api_report_update(r, key);
		return;
	}
	if (r->method != EVHTTP_REQ_GET) {
		api_method_not_allowed(r, "GET, POST");
		return;
	}
	if (!api_allow(r, CONF_ROLE_VIEWER))
		return;
	struct queue_report rep;
	if (api_report_find(r, key, &rep) < 0) {
		api_error(r->req, 404, "not_found", NULL, "no report %s", key);
		return;
	}
	api_reply_json(r->req, 200, api_report_json(r->gw, &rep, false));
	queue_report_clear(&rep);
}

static int
api_optout_cb(const char *number, int64_t at_ms, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s, s:I}", "number", number, "created_at",
					     (json_int_t)(at_ms / 1000)));
	return 0;
}

void
api_optouts_route(struct api_req *r)
{
	if (*r->tail) {
		api_error(r->req, 404, "not_found", NULL, "no such route: %s", r->path);
		return;
	}
	if (!api_allow(r, r->method == EVHTTP_REQ_GET ? CONF_ROLE_VIEWER : CONF_ROLE_ADMIN))
		return;
	if (r->method == EVHTTP_REQ_GET) {
		int64_t n = 0;
		json_t *arr = json_array();
		if (r->token->role == CONF_ROLE_ADMIN) {
			struct evkeyvalq q;
			long long limit;
			api_query(r, &q);
			const char *after = evhttp_find_header(&q, "after");
			bool ok = api_query_int(r, &q, "limit", 1000, 1, 100000, &limit);
			if (ok)
				queue_optouts_list(r->gw->q, after ? after : "", (int)limit,
						   api_optout_cb, arr);
			evhttp_clear_headers(&q);
			if (!ok) {
				json_decref(arr);
				return;
			}
		}
		queue_optouts_count(r->gw->q, &n);
		api_reply_json(r->req, 200, json_pack("{s:I, s:o}", "count", (json_int_t)n,
						      "optouts", arr));
		return;
	}
	if (r->method != EVHTTP_REQ_POST) {
		api_method_not_allowed(r, "GET, POST");
		return;
	}
	json_t *body = api_body_json(r);
	if (!body)
		return;
	const char *num = json_string_value(json_object_get(body, "number"));
	char e164[QUEUE_NUMBER_MAX];
	const char *why = "missing";
	if (!num || gw_text_number_normalize(num, r->gw->conf->country_code, e164, &why) < 0) {
		api_error(r->req, 400, "invalid", "number", "number: %s", why);
		json_decref(body);
		return;
	}
	json_decref(body);
	int rc = queue_optout_set(r->gw->q, e164, true, util_now_ms());
	if (rc < 0) {
		api_error(r->req, 500, "internal", NULL, "store error: %s", strerror(-rc));
		return;
	}
	api_audit(r, "optout.add", "optouts", 201, NULL);
	api_reply_json(r->req, 201, json_pack("{s:s}", "number", e164));
}

static int
api_audit_cb(const struct queue_audit_entry *e, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:s}", "id",
					     (json_int_t)e->id, "at", (json_int_t)(e->at_ms / 1000),
					     "who", e->who, "action", e->action, "object", e->object,
					     "result", e->result_code, "detail", e->detail));
	return 0;
}

void
api_audit_route(struct api_req *r)
{
	struct evkeyvalq q;
	long long after, limit, since;

	if (r->method != EVHTTP_REQ_GET) {
		api_method_not_allowed(r, "GET");
		return;
	}
	if (!api_allow(r, CONF_ROLE_ADMIN))
		return;
	api_query(r, &q);
	if (api_query_int(r, &q, "after", 0, 0, INT64_MAX, &after) &&
	    api_query_int(r, &q, "limit", 100, 1, 1000, &limit) &&
	    api_query_int(r, &q, "since", 0, 0, INT64_MAX / 1000, &since)) {
		struct queue_audit_filter f = { .who = evhttp_find_header(&q, "who"),
						.action = evhttp_find_header(&q, "action"),
						.since_ms = since * 1000,
						.after_id = after,
						.limit = (int)limit };
		json_t *arr = json_array();
		int rc = queue_audit_list(r->gw->q, &f, api_audit_cb, arr);
		if (rc < 0) {
			json_decref(arr);
			api_error(r->req, 500, "internal", NULL, "store error: %s", strerror(-rc));
		} else {
			api_reply_json(r->req, 200, json_pack("{s:o}", "audit", arr));
		}
	}
	evhttp_clear_headers(&q);
}
