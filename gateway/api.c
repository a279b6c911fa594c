/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * api — the HTTP API of loagw on libevent's evhttp (routes and errors in docs/API.md).
 *
 * Requests are served on the loop thread; each does a bounded amount of store work. Every /v1
 * route needs a bearer token, compared by its SHA-256 against the hashes in the config, with
 * roles viewer < official < admin. Bad input gets a 400 naming the field, and nothing is stored
 * unless the whole request is valid.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/util.h"
#include "conf/conf.h"
#include "gateway/api.h"
#include "gateway/campaign_req.h"
#include "gateway/gw.h"
#include "gateway/gw_text.h"
#include "modem/modem.h"
#include "modem/sms.h"
#include "queue/queue.h"



/* The route being served, for the HTTP request counters (a string literal). */
static struct gw *api_gw;
static const char *api_route = "other";

void
api_count(const char *route, int code)
{
	if (api_gw)
		gw_metrics_count_http(api_gw, route, code);
}

void
api_reply_json(struct evhttp_request *req, int code, json_t *body)
{
	api_count(api_route, code);
	struct evbuffer *out = evbuffer_new();
	char *txt = json_dumps(body, JSON_COMPACT);

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	if (out && txt) {
		evbuffer_add(out, txt, strlen(txt));
		evbuffer_add(out, "\n", 1);
	}
	evhttp_send_reply(req, code, NULL, out);
	free(txt);
	if (out)
		evbuffer_free(out);
	json_decref(body);
}

void
api_error(struct evhttp_request *req, int code, const char *err_code, const char *field,
	  const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_t *e = json_pack("{s:s, s:s}", "code", err_code, "message", msg);
	if (field)
		json_object_set_new(e, "field", json_string(field));
	api_reply_json(req, code, json_pack("{s:o}", "error", e));
}

static void
api_sha256_hex(const char *s, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;

	EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
	out[64] = '\0';
}

static const struct conf_token *
api_find_token(const struct gw *gw, struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	char hex[65];

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	if (!*h)
		return NULL;
	api_sha256_hex(h, hex);
	for (size_t i = 0; i < gw->conf->n_tokens; i++)
		if (CRYPTO_memcmp(hex, gw->conf->tokens[i].sha256_hex, 64) == 0)
			return &gw->conf->tokens[i];
	return NULL;
}

/* 401/403 unless the request's token has at least `role`. */
bool
api_allow(struct api_req *r, enum conf_role role)
{
	if (!r->token) {
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "WWW-Authenticate",
				  "Bearer");
		api_error(r->req, 401, "unauthorized", NULL, "a valid bearer token is required");
		return false;
	}
	if (r->token->role < role) {
		api_error(r->req, 403, "forbidden", NULL, "role %s may not do this (needs %s)",
			  conf_role_name(r->token->role), conf_role_name(role));
		return false;
	}
	return true;
}

/* Parse the request body as a JSON object; answers 400 itself and returns NULL on error. */
json_t *
api_body_json(struct api_req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	size_t len = evbuffer_get_length(in);
	json_error_t jerr;

	if (len == 0) {
		api_error(r->req, 400, "bad_json", NULL, "the request body is empty");
		return NULL;
	}
	if (len > r->gw->conf->api_max_body) {
		api_error(r->req, 413, "too_large", NULL, "the request body is over %zu bytes",
			  r->gw->conf->api_max_body);
		return NULL;
	}
	json_t *body = json_loadb((const char *)evbuffer_pullup(in, -1), len, JSON_REJECT_DUPLICATES,
				  &jerr);
	if (!body) {
		api_error(r->req, 400, "bad_json", NULL, "body: line %d, column %d: %s", jerr.line,
			  jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(body)) {
		json_decref(body);
		api_error(r->req, 400, "bad_json", NULL, "body: expected a JSON object");
		return NULL;
	}
	return body;
}



static void
api_campaign_create(struct api_req *r)
{
	const struct loa_conf *c = r->gw->conf;
	struct gw_campaign_req req;
	char field[64], msg[320];
	json_t *body;
	int64_t id;
	int rc;

	if (!api_allow(r, CONF_ROLE_OFFICIAL) || !(body = api_body_json(r)))
		return;
	rc = gw_campaign_req_parse(body, c->country_code, util_now_ms(), &req, field,
				   sizeof(field), msg, sizeof(msg));
	json_decref(body);
	if (rc == -EINVAL) {
		api_error(r->req, 400, "invalid", field, "%s", msg);
		return;
	}
	if (rc < 0) {
		api_error(r->req, 500, "internal", NULL, "%s", msg);
		return;
	}
	if (req.group || req.recurrence || req.n_poll_answers) {
		api_error(r->req, 501, "not_implemented", req.group ? "group" : req.recurrence
									     ? "recurrence"
									     : "poll",
			  "groups, recurrence and polls are not available in this version");
		gw_campaign_req_free(&req);
		return;
	}
	struct queue_campaign_spec spec = {
		.text = req.text,
		.encoding = modem_sms_encoding_name(req.plan.encoding),
		.segments = req.plan.segments,
		.priority = req.priority,
		.start_at_ms = req.start_at_ms,
		.end_by_ms = req.end_by_ms,
		.recipients = (const char *const *)req.numbers,
		.n_recipients = req.n_numbers,
	};
	rc = queue_campaign_create(r->gw->q, &spec, util_now_ms(), &id);
	if (rc == -ENOSPC) {
		api_error(r->req, 503, "store_full", NULL,
			  "the store's disk is full: the campaign was not accepted; try again later");
		goto out;
	}
	if (rc < 0) {
		api_error(r->req, 500, "internal", NULL, "the campaign could not be stored: %s",
			  strerror(-rc));
		goto out;
	}
	struct queue_campaign camp;
	int64_t suppressed = 0;
	if (queue_campaign_get(r->gw->q, id, &camp) == 0) {
		suppressed = camp.counts[QUEUE_SUPPRESSED];
		queue_campaign_clear(&camp);
	}
	LOG(LOG_INFO, "api", "campaign %lld created by %s: %zu recipients, %d part(s) %s",
	    (long long)id, r->token->name, req.n_numbers, req.plan.segments,
	    modem_sms_encoding_name(req.plan.encoding));
	api_reply_json(r->req, 201,
		       json_pack("{s:I, s:I, s:I, s:I, s:s, s:i, s:I}", "id", (json_int_t)id,
				 "recipients", (json_int_t)req.n_numbers, "duplicates",
				 (json_int_t)(req.n_given - req.n_numbers), "suppressed",
				 (json_int_t)suppressed, "encoding",
				 modem_sms_encoding_name(req.plan.encoding), "segments",
				 req.plan.segments, "total_segments",
				 (json_int_t)((int64_t)(req.n_numbers - (size_t)suppressed) *
					      req.plan.segments)));
	gw_dispatch_kick(r->gw);
out:
	gw_campaign_req_free(&req);
}

static void
api_campaign_get(struct api_req *r, int64_t id)
{
	struct queue_campaign camp;

	if (!api_allow(r, CONF_ROLE_VIEWER))
		return;
	int rc = queue_campaign_get(r->gw->q, id, &camp);
	if (rc == -ENOENT) {
		api_error(r->req, 404, "not_found", NULL, "no campaign %lld", (long long)id);
		return;
	}
	if (rc < 0) {
		api_error(r->req, 500, "internal", NULL, "store error: %s", strerror(-rc));
		return;
	}
	json_t *counts = json_object();
	int64_t done = 0;
	for (int s = 0; s < _QUEUE_STATE_COUNT; s++) {
		json_object_set_new(counts, queue_state_name(s), json_integer(camp.counts[s]));
		if (s != QUEUE_QUEUED && s != QUEUE_SENDING)
			done += camp.counts[s];
	}
	api_reply_json(r->req, 200,
		       json_pack("{s:I, s:s, s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "id",
				 (json_int_t)camp.id, "text", camp.text, "encoding", camp.encoding,
				 "segments", camp.segments, "priority",
				 queue_priority_name(camp.priority), "created_at",
				 (json_int_t)(camp.created_at_ms / 1000), "start_at",
				 (json_int_t)(camp.start_at_ms / 1000), "end_by",
				 (json_int_t)(camp.end_by_ms / 1000), "total", (json_int_t)camp.total,
				 "done", (json_int_t)done, "counts", counts));
	queue_campaign_clear(&camp);
}

struct api_reports_ctx {
	json_t *arr;
	bool raw_numbers;
	int64_t last;
};

static int
api_report_cb(const struct queue_report *rep, void *arg)
{
	struct api_reports_ctx *ctx = arg;
	char masked[LOG_MASK_LEN];

	json_array_append_new(
		ctx->arr,
		json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "id", (json_int_t)rep->id, "ticket",
			  rep->ticket, "sender",
			  ctx->raw_numbers ? rep->sender : log_mask(rep->sender, masked), "text",
			  rep->text ? rep->text : "", "status", rep->status, "created_at",
			  (json_int_t)(rep->created_at_ms / 1000)));
	ctx->last = rep->id;
	return 0;
}

/* Integer query parameter in [min, max]; def when absent; false (400 sent) when wrong. */
bool
api_query_int(struct api_req *r, struct evkeyvalq *q, const char *name, long long def,
	      long long min, long long max, long long *out)
{
	const char *v = evhttp_find_header(q, name);
	char *end;

	*out = def;
	if (!v)
		return true;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (errno || end == v || *end || x < min || x > max) {
		api_error(r->req, 400, "invalid", name, "%s: expected an integer from %lld to %lld",
			  name, min, max);
		return false;
	}
	*out = x;
	return true;
}

static void
api_reports(struct api_req *r)
{
	struct evkeyvalq q;
	long long after, limit;

	if (!api_allow(r, CONF_ROLE_VIEWER))
		return;
	evhttp_parse_query_str(evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->req))
				       ? evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->req))
				       : "",
			       &q);
	if (!api_query_int(r, &q, "after", 0, 0, INT64_MAX, &after) ||
	    !api_query_int(r, &q, "limit", 100, 1, 1000, &limit)) {
		evhttp_clear_headers(&q);
		return;
	}
	evhttp_clear_headers(&q);
	struct api_reports_ctx ctx = { .arr = json_array(),
				       .raw_numbers = r->token->role == CONF_ROLE_ADMIN,
				       .last = after };
	int rc = queue_reports_list(r->gw->q, after, (int)limit, api_report_cb, &ctx);
	if (rc < 0) {
		json_decref(ctx.arr);
		api_error(r->req, 500, "internal", NULL, "store error: %s", strerror(-rc));
		return;
	}
	api_reply_json(r->req, 200,
		       json_pack("{s:o, s:I}", "reports", ctx.arr, "next_after",
				 (json_int_t)ctx.last));
}

static void
api_healthz(struct api_req *r)
{
	int ready = 0;

	for (size_t i = 0; i < r->gw->n_slots; i++)
		ready += modem_state(r->gw->slots[i].modem) == MODEM_ST_READY;
	api_reply_json(r->req, 200,
		       json_pack("{s:s, s:i, s:i, s:i}", "status", r->gw->stopping ? "stopping" : "ok",
				 "modems_ready", ready, "modems", (int)r->gw->n_slots, "in_flight",
				 gw_dispatch_in_flight(r->gw)));
}

/* "/v1/campaigns/123" -> 123; -1 when the tail is not a positive integer. */
static int64_t
api_tail_id(const char *tail)
{
	char *end;

	if (!isdigit((unsigned char)*tail))
		return -1;
	errno = 0;
	long long id = strtoll(tail, &end, 10);
	return errno || *end || id <= 0 ? -1 : id;
}

void
api_method_not_allowed(struct api_req *r, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Allow", allow);
	api_error(r->req, 405, "method_not_allowed", NULL, "use %s on %s", allow, r->path);
}

static void
api_route_cb(struct evhttp_request *req, void *arg)
{
	struct api_req r = { .gw = arg, .req = req, .method = evhttp_request_get_command(req) };
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;

	r.path = path ? path : "/";
	r.token = api_find_token(r.gw, req);
	api_gw = r.gw;
	api_route = "other";
	if (strcmp(r.path, "/metrics") == 0) {
		api_count("/metrics", 200);
		gw_metrics_serve(r.gw, req);
		return;
	}
	if (strcmp(r.path, "/healthz") == 0)
		api_route = "/healthz";
	else if (strcmp(r.path, "/v1/campaigns") == 0)
		api_route = "/v1/campaigns";
	else if (strncmp(r.path, "/v1/campaigns/", 14) == 0)
		api_route = "/v1/campaigns/{id}";
	else if (strcmp(r.path, "/v1/modems") == 0)
		api_route = "/v1/modems";
	else if (strncmp(r.path, "/v1/modems/", 11) == 0)
		api_route = strstr(r.path + 11, "/ussd") ? "/v1/modems/{name}/ussd" : "/v1/modems/{name}";
	else if (strcmp(r.path, "/v1/reports") == 0)
		api_route = "/v1/reports";
	if (r.gw->stopping && r.method != EVHTTP_REQ_GET) {
		api_error(req, 503, "unavailable", NULL, "the gateway is stopping");
		return;
	}
	if (strcmp(r.path, "/healthz") == 0) {
		api_healthz(&r);
	} else if (strcmp(r.path, "/v1/campaigns") == 0) {
		if (r.method == EVHTTP_REQ_POST)
			api_campaign_create(&r);
		else
			api_method_not_allowed(&r, "POST");
	} else if (strncmp(r.path, "/v1/campaigns/", 14) == 0) {
		int64_t id = api_tail_id(r.path + 14);
		if (id < 0) {
			if (api_allow(&r, CONF_ROLE_VIEWER))
				api_error(req, 404, "not_found", NULL, "no such route: %s", r.path);
		} else if (r.method != EVHTTP_REQ_GET) {
			api_method_not_allowed(&r, "GET");
		} else {
			api_campaign_get(&r, id);
		}
	} else if (strcmp(r.path, "/v1/modems") == 0 || strncmp(r.path, "/v1/modems/", 11) == 0) {
		api_modems_route(&r);
	} else if (strcmp(r.path, "/v1/reports") == 0) {
		if (r.method == EVHTTP_REQ_GET)
			api_reports(&r);
		else
			api_method_not_allowed(&r, "GET");
	} else {
		api_error(req, 404, "not_found", NULL, "no such route: %s", r.path);
	}
}

int
gw_api_start(struct gw *gw, char *err, size_t errlen)
{
	const struct loa_conf *c = gw->conf;
	struct evhttp_bound_socket *bound;

	gw->http = evhttp_new(gw->base);
	if (!gw->http) {
		snprintf(err, errlen, "cannot create the HTTP server");
		return -ENOMEM;
	}
	evhttp_set_max_body_size(gw->http, (ev_ssize_t)c->api_max_body);
	evhttp_set_allowed_methods(gw->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
						     EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
						     EVHTTP_REQ_HEAD);
	evhttp_set_timeout(gw->http, 30);
	evhttp_set_gencb(gw->http, api_route_cb, gw);
	bound = evhttp_bind_socket_with_handle(gw->http, c->api_listen, (ev_uint16_t)c->api_port);
	if (!bound) {
		snprintf(err, errlen, "api: cannot listen on %s:%d: %s", c->api_listen, c->api_port,
			 strerror(errno));
		return -EADDRINUSE;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	gw->api_port = c->api_port;
	if (getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			gw->api_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			gw->api_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	char fields[128];
	snprintf(fields, sizeof(fields), "{\"listen\":\"%s\",\"port\":%d}", c->api_listen,
		 gw->api_port);
	log_fields(LOG_INFO, "api", "api listening", fields);
	return 0;
}

void
gw_api_stop(struct gw *gw)
{
	if (gw->http)
		evhttp_free(gw->http);
	gw->http = NULL;
}
