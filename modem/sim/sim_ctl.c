/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim_ctl — the control commands of the simulated modem: one JSON object a line in, one JSON
 * answer a line out. Tests use them to inject citizens' SMS, read the inbox and counters, and
 * change what the modem reports (signal, registration, USSD answer) or how it fails.
 *
 *   {"cmd":"inject","from":"+84912000001","text":"...","smsc_time":E,"order":[3,1,2]}
 *       -> {"ok":true,"indexes":[i1,i2,i3],"parts":3}   (indexes[k] holds part k+1)
 *   {"cmd":"status"} -> {"ok":true,"inbox":u,"capacity":c,"submitted":n,"connected":b,...}
 *   {"cmd":"set","signal":N,"registered":b,"ussd_reply":"...","fail_count":K,"cms_error":E,
 *    "hang":b} -> {"ok":true}      (the next K submits get +CMS ERROR: E; hang stops answering)
 *   {"cmd":"inbox"} -> {"ok":true,"messages":[{"index":i,"from":..,"text":..,"read":b},...]}
 *   anything else -> {"ok":false,"error":"..."}
 */
#include "modem/sim/sim_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static char *
sim_ctl_answer(json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT);

	json_decref(obj);
	return text;
}

static char *
sim_ctl_error(const char *msg)
{
	return sim_ctl_answer(json_pack("{s:b,s:s}", "ok", 0, "error", msg));
}

static char *
sim_ctl_inject(struct sim_modem *m, json_t *req)
{
	json_t *from = json_object_get(req, "from"), *text = json_object_get(req, "text");
	json_t *when = json_object_get(req, "smsc_time"), *order = json_object_get(req, "order");
	int ord[256], nord = 0, idx[256], n;
	json_t *list, *v;
	size_t i;

	if (!json_is_string(from) || !json_is_string(text))
		return sim_ctl_error("inject needs string members from and text");
	if (when && !json_is_integer(when))
		return sim_ctl_error("smsc_time must be an integer (epoch seconds)");
	if (order) {
		if (!json_is_array(order) || json_array_size(order) > 255)
			return sim_ctl_error("order must be an array of part numbers");
		json_array_foreach(order, i, v) {
			if (!json_is_integer(v))
				return sim_ctl_error("order must be an array of part numbers");
			json_int_t p = json_integer_value(v);

			ord[nord++] = p < 0 || p > 255 ? 0 : (int)p;
		}
	}
	n = sim_modem_inject(m, json_string_value(from), json_string_value(text),
			     when ? (int64_t)json_integer_value(when) : -1, order ? ord : NULL,
			     nord, idx, 256);
	if (n == -ENOSPC)
		return sim_ctl_error("inbox full");
	if (n == -EINVAL)
		return sim_ctl_error(order ? "bad sender, text or order" : "bad sender or text");
	if (n < 0)
		return sim_ctl_error(strerror(-n));
	list = json_array();
	for (int k = 0; k < n; k++)
		json_array_append_new(list, json_integer(idx[k]));
	return sim_ctl_answer(json_pack("{s:b,s:o,s:i}", "ok", 1, "indexes", list, "parts", n));
}

static char *
sim_ctl_status(struct sim_modem *m)
{
	return sim_ctl_answer(json_pack("{s:b,s:i,s:i,s:i,s:b,s:i,s:b,s:b}", "ok", 1, "inbox",
					sim_modem_inbox_used(m), "capacity", m->cfg.capacity,
					"submitted", m->submitted, "connected", m->connected,
					"signal", m->csq, "registered", m->registered, "hang",
					m->hang));
}

static char *
sim_ctl_set(struct sim_modem *m, json_t *req)
{
	const char *key;
	json_t *v;
	char urc[64];

	/* validate everything first, so that a bad request changes nothing */
	json_object_foreach(req, key, v) {
		if (strcmp(key, "cmd") == 0)
			continue;
		if (strcmp(key, "signal") == 0) {
			json_int_t s = json_is_integer(v) ? json_integer_value(v) : -1;

			if (!((s >= 0 && s <= 31) || s == 99))
				return sim_ctl_error("signal must be 0..31 or 99");
		} else if (strcmp(key, "registered") == 0 || strcmp(key, "hang") == 0) {
			if (!json_is_boolean(v))
				return sim_ctl_error("registered and hang are booleans");
		} else if (strcmp(key, "ussd_reply") == 0) {
			if (!json_is_string(v) || strlen(json_string_value(v)) >= SIM_USSD_MAX)
				return sim_ctl_error("ussd_reply must be a short string");
		} else if (strcmp(key, "fail_count") == 0 || strcmp(key, "cms_error") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 100000)
				return sim_ctl_error("fail_count and cms_error are integers >= 0");
		} else {
			return sim_ctl_error("unknown setting");
		}
	}
	json_object_foreach(req, key, v) {
		if (strcmp(key, "signal") == 0) {
			m->csq = (int)json_integer_value(v);
		} else if (strcmp(key, "registered") == 0) {
			bool reg = json_is_true(v);

			if (reg != m->registered && m->creg_mode > 0) {
				if (m->creg_mode == 2 && reg)
					snprintf(urc, sizeof(urc), "+CREG: 1,\"00B0\",\"0FAC\"");
				else
					snprintf(urc, sizeof(urc), "+CREG: %d", reg ? 1 : 0);
				sim_queue_urc(m, urc);
			}
			m->registered = reg;
		} else if (strcmp(key, "hang") == 0) {
			m->hang = json_is_true(v);
		} else if (strcmp(key, "ussd_reply") == 0) {
			util_strlcpy(m->ussd_reply, json_string_value(v), sizeof(m->ussd_reply));
		} else if (strcmp(key, "fail_count") == 0) {
			m->fail_count = (int)json_integer_value(v);
		} else if (strcmp(key, "cms_error") == 0) {
			m->fail_cms = (int)json_integer_value(v);
		}
	}
	sim_flush_urc(m);
	return sim_ctl_answer(json_pack("{s:b}", "ok", 1));
}

static char *
sim_ctl_inbox(struct sim_modem *m)
{
	json_t *list = json_array();

	for (int i = 0; i < m->cfg.capacity; i++) {
		struct sim_slot *s = &m->slots[i];

		if (s->used)
			json_array_append_new(list, json_pack("{s:i,s:s,s:s,s:b}", "index", i + 1,
							      "from", s->from, "text", s->pdu.text,
							      "read", s->read));
	}
	return sim_ctl_answer(json_pack("{s:b,s:o}", "ok", 1, "messages", list));
}

char *
sim_modem_ctl(struct sim_modem *m, const char *line)
{
	json_error_t jerr;
	json_t *req = json_loads(line, 0, &jerr);
	const char *cmd;
	char *answer;

	if (!req || !json_is_object(req)) {
		json_decref(req);
		return sim_ctl_error("request must be one JSON object");
	}
	cmd = json_string_value(json_object_get(req, "cmd"));
	if (!cmd)
		answer = sim_ctl_error("missing cmd");
	else if (strcmp(cmd, "inject") == 0)
		answer = sim_ctl_inject(m, req);
	else if (strcmp(cmd, "status") == 0)
		answer = sim_ctl_status(m);
	else if (strcmp(cmd, "set") == 0)
		answer = sim_ctl_set(m, req);
	else if (strcmp(cmd, "inbox") == 0)
		answer = sim_ctl_inbox(m);
	else
		answer = sim_ctl_error("unknown cmd");
	json_decref(req);
	return answer;
}
