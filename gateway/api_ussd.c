/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * api_ussd — POST /v1/ussd: the callback an operator's or aggregator's USSD gateway makes for each
 * step of a citizen's USSD session, in the common form: sessionId, serviceCode, phoneNumber and
 * text (the choices so far joined by '*'), as application/x-www-form-urlencoded or JSON. The
 * answer is plain text: "CON <screen>" to continue or "END <screen>" to finish.
 *
 * The menu (gateway/ussd_menu.c, from the config's `ussd` group) decides the screens; its leaves
 * are the same intake actions as SMS keywords: a report is filed with its category and a ticket,
 * an opt-out or opt-in takes effect at once. Aggregators cannot always send headers, so the token
 * may also come as ?token=... in the URL (role official or admin).
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "conf/conf.h"
#include "gateway/api.h"
#include "gateway/gw.h"
#include "gateway/gw_text.h"
#include "gateway/ussd_menu.h"
#include "queue/queue.h"

static void
api_ussd_reply(struct api_req *r, int code, const char *screen)
{
	struct evbuffer *b = evbuffer_new();

	if (b)
		evbuffer_add(b, screen, strlen(screen));
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type",
			  "text/plain; charset=utf-8");
	api_count("/v1/ussd", code);
	evhttp_send_reply(r->req, code, NULL, b);
	if (b)
		evbuffer_free(b);
}

/* The request's fields, from a form body, a JSON body or the query string. */
static bool
api_ussd_fields(struct api_req *r, struct evkeyvalq *form, json_t **json, const char **sid,
		const char **code, const char **phone, const char **text)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	size_t len = evbuffer_get_length(in);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Content-Type");

	*json = NULL;
	form->tqh_first = NULL;
	form->tqh_last = &form->tqh_first;
	if (len > 8192)
		return false;
	if (ct && strncmp(ct, "application/json", 16) == 0) {
		*json = json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, NULL);
		if (!json_is_object(*json))
			return false;
		*sid = json_string_value(json_object_get(*json, "sessionId"));
		*code = json_string_value(json_object_get(*json, "serviceCode"));
		*phone = json_string_value(json_object_get(*json, "phoneNumber"));
		*text = json_string_value(json_object_get(*json, "text"));
	} else {
		char *body = malloc(len + 1);
		if (!body)
			return false;
		evbuffer_copyout(in, body, len);
		body[len] = '\0';
		int rc = evhttp_parse_query_str(body, form);
		free(body);
		if (rc < 0)
			return false;
		*sid = evhttp_find_header(form, "sessionId");
		*code = evhttp_find_header(form, "serviceCode");
		*phone = evhttp_find_header(form, "phoneNumber");
		*text = evhttp_find_header(form, "text");
	}
	if (!*text)
		*text = "";
	return *sid && *phone;
}

/* The token from the Authorization header (already checked) or ?token=. */
static bool
api_ussd_allowed(struct api_req *r)
{
	if (!r->token) {
		struct evkeyvalq q;
		api_query(r, &q);
		const char *tok = evhttp_find_header(&q, "token");
		r->token = tok ? gw_api_token_lookup(r->gw, tok) : NULL;
		evhttp_clear_headers(&q);
	}
	return api_allow(r, CONF_ROLE_OFFICIAL);
}

void
api_ussd_route(struct api_req *r)
{
	struct ussd_menu_step step;
	struct evkeyvalq form;
	json_t *json = NULL;
	const char *sid, *code = NULL, *phone, *text;
	char e164[QUEUE_NUMBER_MAX], masked[LOG_MASK_LEN], ticket[QUEUE_TICKET_LEN] = "";
	const char *why;
	int rc;

	if (r->method != EVHTTP_REQ_POST) {
		api_method_not_allowed(r, "POST");
		return;
	}
	if (!api_ussd_allowed(r))
		return;
	if (!r->gw->ussd) {
		api_error(r->req, 404, "not_found", NULL, "no USSD menu is configured (ussd = { ... })");
		return;
	}
	if (!api_ussd_fields(r, &form, &json, &sid, &code, &phone, &text)) {
		api_error(r->req, 400, "invalid", "sessionId",
			  "expected the fields sessionId, serviceCode, phoneNumber and text");
		goto out;
	}
	if (gw_text_number_normalize(phone, r->gw->conf->country_code, e164, &why) < 0) {
		api_error(r->req, 400, "invalid", "phoneNumber", "phoneNumber: %s", why);
		goto out;
	}
	rc = ussd_menu_step(r->gw->ussd, sid, code, e164, text, util_now_ms(), &step);
	if (rc < 0) {
		LOG(LOG_NOTICE, "ussd", "session from %s refused: %s", log_mask(e164, masked),
		    rc == -ENOENT ? "unknown service code" : rc == -EPERM ? "session of another number"
								       : "bad request");
		api_ussd_reply(r, 200, step.screen);
		goto out;
	}
	if (step.replayed || step.action == USSD_MENU_NONE || step.action == USSD_MENU_HELP) {
		api_ussd_reply(r, 200, step.screen);
		goto out;
	}
	int64_t now = util_now_ms(), id;
	switch (step.action) {
	case USSD_MENU_REPORT:
		rc = queue_report_create2(r->gw->q, 0, e164, step.report_text,
					  step.category[0] ? step.category : NULL, "ussd", now,
					  ticket, &id);
		break;
	case USSD_MENU_OPTOUT:
	case USSD_MENU_OPTIN:
		rc = queue_optout_set(r->gw->q, e164, step.action == USSD_MENU_OPTOUT, now);
		break;
	default:
		rc = 0;
	}
	if (rc < 0) {
		LOG(LOG_ERROR, "ussd", "%s from %s not stored: %s", ussd_menu_action_name(step.action),
		    log_mask(e164, masked), strerror(-rc));
		ussd_menu_fail(r->gw->ussd, sid, &step);
		api_ussd_reply(r, 200, step.screen);
		goto out;
	}
	ussd_menu_complete(r->gw->ussd, sid, ticket, &step);
	LOG(LOG_INFO, "ussd", "USSD %s from %s%s%s", ussd_menu_action_name(step.action),
	    log_mask(e164, masked), ticket[0] ? " ticket " : "", ticket);
	api_ussd_reply(r, 200, step.screen);
out:
	evhttp_clear_headers(&form);
	json_decref(json);
}
