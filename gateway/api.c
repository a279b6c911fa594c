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
#include "gateway/dashboard/dashboard.h"
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

const struct conf_token *
gw_api_token_lookup(const struct gw *gw, const char *token)
{
	char hex[65];

	if (!token || !*token)
		return NULL;
	api_sha256_hex(token, hex);
	for (size_t i = 0; i < gw->conf->n_tokens; i++)
		if (CRYPTO_memcmp(hex, gw->conf->tokens[i].sha256_hex, 64) == 0)
			return &gw->conf->tokens[i];
	return NULL;
}

static const struct conf_token *
api_find_token(const struct gw *gw, struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return gw_api_token_lookup(gw, h);
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
/* The request body's buffer when it is not empty and within api.max_body; else NULL (answered). */
static struct evbuffer *
api_body_in(struct api_req *r, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);

	*len = evbuffer_get_length(in);
	if (*len == 0) {
		api_error(r->req, 400, "bad_json", NULL, "the request body is empty");
		return NULL;
	}
	if (*len > r->gw->conf->api_max_body) {
		api_error(r->req, 413, "too_large", NULL, "the request body is over %zu bytes",
			  r->gw->conf->api_max_body);
		return NULL;
	}
	return in;
}

json_t *
api_body_json(struct api_req *r)
{
	size_t len;
	struct evbuffer *in = api_body_in(r, &len);
	json_error_t jerr;

	if (!in)
		return NULL;
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

json_t *
api_body_stream(struct api_req *r, const char *key, jstream_item_fn *fn, void *arg,
		bool *streamed)
{
	size_t len, n = 0;
	struct evbuffer *in = api_body_in(r, &len);
	struct jstream *js;
	json_t *body = NULL;
	int rc = 0;

	if (!in)
		return NULL;
	js = jstream_new(key, fn, arg);
	if (!js) {
		api_error(r->req, 500, "internal", NULL, "out of memory");
		return NULL;
	}
	/* the body as libevent holds it, piece by piece: never copied into one block */
	int k = evbuffer_peek(in, -1, NULL, NULL, 0);
	struct evbuffer_iovec *vec = k > 0 ? calloc((size_t)k, sizeof(*vec)) : NULL;
	if (!vec) {
		jstream_free(js);
		api_error(r->req, 500, "internal", NULL, "out of memory");
		return NULL;
	}
	k = evbuffer_peek(in, -1, NULL, vec, k);
	for (int i = 0; i < k && rc == 0; i++)
		rc = jstream_feed(js, vec[i].iov_base, vec[i].iov_len);
	free(vec);
	if (rc == 0)
		body = jstream_finish(js, streamed, &n);
	/* read: give its memory back before the caller stores what it carried (a million
	 * numbers are 14 MB of body) */
	evbuffer_drain(in, len);
	if (!body) {
		const char *field, *msg;
		bool syntax;
		msg = jstream_error(js, &rc, &field, &syntax);
		if (rc == -EINVAL)
			api_error(r->req, 400, syntax ? "bad_json" : "invalid",
				  syntax || !field[0] ? NULL : field, "%s", msg);
		else
			api_error(r->req, 500, "internal", NULL, "%s", msg);
	}
	jstream_free(js);
	return body;
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

int64_t
api_parse_id(const char *s)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	long long id = strtoll(s, &end, 10);
	return errno || *end || id <= 0 ? -1 : id;
}

void
api_query(struct api_req *r, struct evkeyvalq *q)
{
	const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->req));

	q->tqh_first = NULL;
	q->tqh_last = &q->tqh_first;
	evhttp_parse_query_str(qs ? qs : "", q);
}

void
api_audit(struct api_req *r, const char *action, const char *object, int code, const char *detail)
{
	int rc = queue_audit(r->gw->q, r->token ? r->token->name : "-", action, object, code, detail,
			     util_now_ms());
	if (rc < 0)
		LOG(LOG_ERROR, "api", "audit %s %s: cannot record it: %s", action, object,
		    strerror(-rc));
}

void
api_method_not_allowed(struct api_req *r, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Allow", allow);
	api_error(r->req, 405, "method_not_allowed", NULL, "use %s on %s", allow, r->path);
}

/* GET /dashboard: the page embedded from gateway/dashboard/index.html (no token: it asks). */
static void
api_dashboard(struct api_req *r)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
	struct evbuffer *out;

	if (r->method != EVHTTP_REQ_GET && r->method != EVHTTP_REQ_HEAD) {
		api_method_not_allowed(r, "GET");
		return;
	}
	out = evbuffer_new();
	if (!out) {
		api_error(r->req, 500, "internal", NULL, "out of memory");
		return;
	}
	evhttp_add_header(h, "Content-Type", "text/html; charset=utf-8");
	evhttp_add_header(h, "Content-Security-Policy", gw_dashboard_csp);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evbuffer_add_reference(out, gw_dashboard_html, gw_dashboard_html_len, NULL, NULL);
	api_count("/dashboard", 200);
	evhttp_send_reply(r->req, 200, "OK", out);
	evbuffer_free(out);
}

static void
api_root(struct api_req *r)
{
	if (strcmp(r->tail, "") != 0) {
		api_error(r->req, 404, "not_found", NULL, "no such route: %s", r->path);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Location", "/dashboard");
	api_count("/", 302);
	evhttp_send_reply(r->req, 302, "Found", NULL);
}

static void
api_metrics(struct api_req *r)
{
	api_count("/metrics", 200);
	gw_metrics_serve(r->gw, r->req);
}

/* Routes by path prefix; `exact` routes match only the path itself. Most specific first. */
static const struct api_route {
	const char *prefix;
	bool exact;
	void (*fn)(struct api_req *r);
} api_routes[] = {
	{ "/healthz", true, api_healthz },
	{ "/metrics", true, api_metrics },
	{ "/dashboard", true, api_dashboard },
	{ "/v1/campaigns", false, api_campaigns_route },
	{ "/v1/modems", false, api_modems_route },
	{ "/v1/reports", false, api_reports_route },
	{ "/v1/ussd", true, api_ussd_route },
	{ "/v1/contacts", false, api_contacts_route },
	{ "/v1/groups", false, api_groups_route },
	{ "/v1/optouts", false, api_optouts_route },
	{ "/v1/audit", true, api_audit_route },
	{ "/", false, api_root },
};

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
	if (r.gw->stopping && r.method != EVHTTP_REQ_GET) {
		api_error(req, 503, "unavailable", NULL, "the gateway is stopping");
		return;
	}
	for (size_t i = 0; i < sizeof(api_routes) / sizeof(api_routes[0]); i++) {
		const struct api_route *rt = &api_routes[i];
		size_t n = strlen(rt->prefix);
		if (strncmp(r.path, rt->prefix, n) != 0)
			continue;
		if (rt->exact ? r.path[n] != '\0'
			      : (r.path[n] != '\0' && r.path[n] != '/' && rt->prefix[n - 1] != '/'))
			continue;
		r.tail = r.path + n;
		api_route = strcmp(rt->prefix, "/") == 0 && *r.tail ? "other" : rt->prefix;
		rt->fn(&r);
		return;
	}
	api_error(req, 404, "not_found", NULL, "no such route: %s", r.path);
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
