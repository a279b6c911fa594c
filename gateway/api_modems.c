/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * api_modems — the modem routes of the HTTP API: health and counters of every modem, one
 * modem, and USSD on a modem (admin), answered when the network answers.
 */
#include <errno.h>
#include <event2/http.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "conf/conf.h"
#include "gateway/api.h"
#include "gateway/gw.h"
#include "modem/modem.h"

static json_t *
api_modem_json(struct gw *gw, const struct modem *m)
{
	const struct conf_modem *mc = modem_conf(m);
	const struct modem_health *h = modem_health(m);
	const struct modem_counters *cnt = modem_counters(m);
	const struct modem_info *info = modem_info(m);
	const char *err = modem_last_error(m), *raw = NULL;
	const char *degraded = modem_degraded_reason(m);
	struct gw_slot *slot = gw_slot_of(gw, m);
	int64_t bal_at = 0;
	const char *balance = modem_balance(m, &raw, &bal_at);

	json_t *o = json_pack("{s:s, s:s, s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
			      mc->name, "state", modem_state_name(modem_state(m)), "operator",
			      mc->operator_name ? json_string(mc->operator_name) : json_null(),
			      "busy", modem_busy(m), "sent", (json_int_t)cnt->sent, "failed",
			      (json_int_t)cnt->failed, "received", (json_int_t)cnt->received,
			      "restarts", (json_int_t)cnt->restarts, "timeouts",
			      (json_int_t)cnt->timeouts, "errors_in_row",
			      (json_int_t)cnt->errors_in_row, "delivery_reports",
			      (json_int_t)cnt->dlrs);
	json_object_set_new(o, "retries", json_integer(slot ? (json_int_t)slot->retries : 0));
	json_object_set_new(o, "degraded_reason", degraded[0] ? json_string(degraded) : json_null());
	json_object_set_new(o, "last_error", err && *err ? json_string(err) : json_null());
	json_object_set_new(o, "imei", info->imei[0] ? json_string(info->imei) : json_null());
	json_object_set_new(o, "imsi", info->imsi[0] ? json_string(info->imsi) : json_null());
	json_object_set_new(o, "manufacturer",
			    info->manufacturer[0] ? json_string(info->manufacturer) : json_null());
	json_object_set_new(o, "model", info->model[0] ? json_string(info->model) : json_null());
	json_object_set_new(o, "balance", balance ? json_string(balance) : json_null());
	json_object_set_new(o, "balance_raw", raw ? json_string(raw) : json_null());
	json_object_set_new(o, "balance_at", bal_at ? json_integer(bal_at / 1000) : json_null());
	if (h->valid) {
		json_object_set_new(o, "signal_dbm", h->signal_dbm != INT_MIN
							      ? json_integer(h->signal_dbm)
							      : json_null());
		json_object_set_new(o, "signal_pct",
				    h->signal_pct >= 0 ? json_integer(h->signal_pct) : json_null());
		json_object_set_new(o, "ber", json_integer(h->ber));
		json_object_set_new(o, "battery_pct", h->battery_pct >= 0
							       ? json_integer(h->battery_pct)
							       : json_null());
		json_object_set_new(o, "registration", json_string(h->registration));
		json_object_set_new(o, "network_code", json_string(h->network_code));
		json_object_set_new(o, "network_name", json_string(h->network_name));
		json_object_set_new(o, "last_poll", json_integer(h->at_ms / 1000));
	} else {
		json_object_set_new(o, "signal_dbm", json_null());
		json_object_set_new(o, "registration", json_null());
		json_object_set_new(o, "last_poll", json_null());
	}
	return o;
}

static struct modem *
api_find_modem(struct gw *gw, const char *name, size_t len)
{
	for (size_t i = 0; i < gw->n_slots; i++) {
		const char *n = modem_name(gw->slots[i].modem);
		if (strlen(n) == len && strncmp(n, name, len) == 0)
			return gw->slots[i].modem;
	}
	return NULL;
}

/* A USSD request waiting for the network: the HTTP request stays open until then. */
struct api_ussd_wait {
	struct evhttp_request *req; /* NULL once the client went away */
	char code[48];
};

static void
api_ussd_conn_closed_cb(struct evhttp_connection *conn, void *arg)
{
	struct api_ussd_wait *w = arg;

	w->req = NULL;
}

static void
api_ussd_done_cb(struct modem *m, const struct modem_ussd_result *res, void *arg)
{
	struct api_ussd_wait *w = arg;

	if (w->req) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(w->req), NULL, NULL);
		if (res->ok)
			api_reply_json(w->req, 200,
				       json_pack("{s:s, s:s, s:s, s:s}", "modem", modem_name(m),
						 "code", w->code, "text", res->text, "status",
						 res->status ? res->status : ""));
		else
			api_error(w->req, 502, "modem_error", NULL, "modem %s: USSD %s: %s",
				  modem_name(m), w->code, res->error);
	}
	free(w);
}

static void
api_modem_ussd(struct api_req *r, struct modem *m)
{
	json_t *body;
	const char *code;

	if (!api_allow(r, CONF_ROLE_ADMIN) || !(body = api_body_json(r)))
		return;
	code = json_string_value(json_object_get(body, "code"));
	size_t len = code ? strlen(code) : 0;
	bool ok = len >= 2 && len < 40;
	for (size_t i = 0; ok && i < len; i++)
		ok = (code[i] >= '0' && code[i] <= '9') || code[i] == '*' || code[i] == '#';
	if (!ok) {
		api_error(r->req, 400, "invalid", "code",
			  "code: expected a USSD code such as \"*101#\" (digits, * and #)");
		json_decref(body);
		return;
	}
	struct api_ussd_wait *w = calloc(1, sizeof(*w));
	if (!w) {
		api_error(r->req, 500, "internal", NULL, "out of memory");
		json_decref(body);
		return;
	}
	w->req = r->req;
	snprintf(w->code, sizeof(w->code), "%s", code);
	json_decref(body);
	int rc = modem_ussd(m, w->code, api_ussd_done_cb, w);
	if (rc < 0) {
		free(w);
		api_error(r->req, 409, "modem_unavailable", NULL, "modem %s is %s", modem_name(m),
			  modem_state_name(modem_state(m)));
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(r->req),
				      api_ussd_conn_closed_cb, w);
	LOG(LOG_INFO, "api", "USSD %s on modem %s asked by %s", w->code, modem_name(m),
	    r->token->name);
}

void
api_modems_route(struct api_req *r)
{
	const char *tail = r->path + strlen("/v1/modems");

	if (*tail == '\0') {
		if (r->method != EVHTTP_REQ_GET) {
			api_method_not_allowed(r, "GET");
			return;
		}
		if (!api_allow(r, CONF_ROLE_VIEWER))
			return;
		json_t *arr = json_array();
		for (size_t i = 0; i < r->gw->n_slots; i++)
			json_array_append_new(arr, api_modem_json(r->gw, r->gw->slots[i].modem));
		api_reply_json(r->req, 200, json_pack("{s:o}", "modems", arr));
		return;
	}
	tail++; /* past '/' */
	const char *slash = strchr(tail, '/');
	size_t nlen = slash ? (size_t)(slash - tail) : strlen(tail);
	if (!api_allow(r, CONF_ROLE_VIEWER))
		return;
	struct modem *m = api_find_modem(r->gw, tail, nlen);
	if (!m) {
		api_error(r->req, 404, "not_found", NULL, "no modem \"%.*s\"", (int)nlen, tail);
		return;
	}
	if (!slash) {
		if (r->method != EVHTTP_REQ_GET)
			api_method_not_allowed(r, "GET");
		else
			api_reply_json(r->req, 200, api_modem_json(r->gw, m));
	} else if (strcmp(slash, "/ussd") == 0) {
		if (r->method != EVHTTP_REQ_POST)
			api_method_not_allowed(r, "POST");
		else
			api_modem_ussd(r, m);
	} else {
		api_error(r->req, 404, "not_found", NULL, "no such route: %s", r->path);
	}
}
