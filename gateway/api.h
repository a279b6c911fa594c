/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * api — private to gateway/: one HTTP request being served, and the helpers every route file
 * (api.c, api_modems.c, ...) uses to answer. See docs/API.md for the routes.
 */
#ifndef LOA_GATEWAY_API_H
#define LOA_GATEWAY_API_H

#include <event2/http.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "gateway/jstream.h"

struct gw;
struct evkeyvalq;

struct api_req {
	struct gw *gw;
	struct evhttp_request *req;
	const char *path; /* without the query */
	const char *tail; /* the path after the route's prefix ("" or "/...") */
	enum evhttp_cmd_type method;
	const struct conf_token *token; /* NULL when none given or unknown */
};

/* Send `body` (stolen) as JSON with status `code`. */
void api_reply_json(struct evhttp_request *req, int code, json_t *body);
/* Send {"error":{"code":…,"message":…,"field":…}}; field may be NULL. */
void api_error(struct evhttp_request *req, int code, const char *err_code, const char *field,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* 401/403 (answered) unless the request's token has at least `role`. */
bool api_allow(struct api_req *r, enum conf_role role);
/* The body as a JSON object, or NULL after answering 400/413. */
json_t *api_body_json(struct api_req *r);
/*
 * As api_body_json(), reading the body with jstream: the elements of the top-level array
 * member `key` go to fn (see jstream.h) instead of into the tree. *streamed as
 * jstream_finish(). A bad element is answered 400 "invalid" naming its field.
 */
json_t *api_body_stream(struct api_req *r, const char *key, jstream_item_fn *fn, void *arg,
			bool *streamed);
/* Integer query parameter in [min, max] (def when absent); false after answering 400. */
bool api_query_int(struct api_req *r, struct evkeyvalq *q, const char *name, long long def,
		   long long min, long long max, long long *out);
void api_method_not_allowed(struct api_req *r, const char *allow);
/* Count a reply for /metrics (api_reply_json counts its own; asynchronous replies call it). */
void api_count(const char *route, int code);

/* "123" -> 123; -1 when s is not a positive integer. */
int64_t api_parse_id(const char *s);
/* The request's query parameters (free with evhttp_clear_headers). */
void api_query(struct api_req *r, struct evkeyvalq *q);
/* Record an audit entry for a write by the request's token. */
void api_audit(struct api_req *r, const char *action, const char *object, int code,
	       const char *detail);

/* Route handlers (one file each): */
void api_modems_route(struct api_req *r);    /* api_modems.c: /v1/modems[/{name}[/ussd]] */
void api_campaigns_route(struct api_req *r); /* api_campaigns.c: /v1/campaigns[...] */
void api_reports_route(struct api_req *r);   /* api_reports.c: /v1/reports[...] */
void api_optouts_route(struct api_req *r);   /* api_reports.c: /v1/optouts */
void api_audit_route(struct api_req *r);     /* api_reports.c: /v1/audit */
void api_ussd_route(struct api_req *r);      /* api_ussd.c: /v1/ussd (aggregator callback) */
void api_contacts_route(struct api_req *r);  /* api_contacts.c: /v1/contacts[/count] */
void api_groups_route(struct api_req *r);    /* api_contacts.c: /v1/groups */

#endif
