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

#include "conf/conf.h"

struct gw;
struct evkeyvalq;

struct api_req {
	struct gw *gw;
	struct evhttp_request *req;
	const char *path; /* without the query */
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
/* Integer query parameter in [min, max] (def when absent); false after answering 400. */
bool api_query_int(struct api_req *r, struct evkeyvalq *q, const char *name, long long def,
		   long long min, long long max, long long *out);
void api_method_not_allowed(struct api_req *r, const char *allow);
/* Count a reply for /metrics (api_reply_json counts its own; asynchronous replies call it). */
void api_count(const char *route, int code);

/* api_modems.c: /v1/modems, /v1/modems/{name}, /v1/modems/{name}/ussd */
void api_modems_route(struct api_req *r);

#endif
