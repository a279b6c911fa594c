/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim_ctl — the control commands of the simulated modem: one JSON object a line in, one JSON
 * answer a line out. Tests use them to inject citizens' SMS, read the inbox and counters, and
 * change what the modem reports (signal, registration, USSD answer) or how it fails. Every
 * answer has "ok"; a refused request answers {"ok":false,"error":"..."} and changes nothing.
 *
 *   {"cmd":"inject","from":"+84912000001","text":"...","smsc_time":E,"order":[3,1,2],"ref":R}
 *       order may name only some parts (store those only); ref fixes the concatenation
 *       reference (0..255), so parts of one message can be injected into two simulators
 *       -> {"ok":true,"indexes":[i1,i2,i3],"parts":3}   (indexes[k] holds part k+1)
 *   {"cmd":"inbox"} -> {"ok":true,"messages":[{"index":i,"type":"deliver","from":..,"text":..,
 *       "read":b} | {"index":i,"type":"status_report","to":..,"mr":..,"status":..,"st":..}]}
 *   {"cmd":"status"} -> {"ok":true,"inbox":u,"capacity":c,"submitted":n,"connected":b,
 *       "signal":s,"registered":b,"hang":b,"plugged":b,"busy":b,"latency_ms":l,"fail_count":k}
 *   {"cmd":"stats"} -> {"ok":true,"commands":..,"submits":..,"refused":..,
 *       "failures_injected":..,"dlrs_sent":..,"ussd":..,"urc_emitted":..,"unplugs":..,
 *       "replugs":..,"bytes_in":..,"bytes_out":..}
 *   {"cmd":"set", any of:                                          -> {"ok":true}
 *       "signal":0..31|99          AT+CSQ <rssi>
 *       "signal_dbm":-113..-51     the same given in dBm ((dBm + 113) / 2, clamped to 0..31)
 *       "registered":b             false: AT+CREG? answers <n>,0, AT+COPS? "+COPS: 0", sends
 *                                  get +CMS ERROR: 331, USSD +CME ERROR: 30; +CREG: / +CGREG:
 *                                  unsolicited codes when AT+CREG / AT+CGREG enabled them
 *       "fail_count":K,"cms_error":E  the next K submits get +CMS ERROR: E (default E 500)
 *       "latency_ms":N             answer +CMGS (or the error) N ms after Ctrl-Z; the modem is
 *                                  busy meanwhile and holds further input
 *       "hang":b                   true: swallow all input and answer nothing until false
 *       "dlr_status":"delivered"|"pending"|"failed"|"expired"|"none"|0..255
 *                                  TP-ST of the automatic status report for submits with
 *                                  TP-SRR set (0x00, 0x20, 0x41, 0x46; none: no report)
 *       "dlr_delay_ms":N           report N ms after the +CMGS answer (default 500)
 *       "ussd_reply":S             the text of the +CUSD answer (UTF-8)
 *       "ussd_encoding":"auto"|"gsm7"|"ucs2"  gsm7: dcs 15, text in the AT+CSCS character set
 *                                  (UCS2: hex); ucs2: dcs 72, UCS-2 hex always; auto (default):
 *                                  gsm7 when the text fits the GSM alphabet, else ucs2
 *       "ussd_status":0..5         <m> of +CUSD (0 done, 1 more input wanted, 2 ended by net)
 *       "ussd_delay_ms":N          send +CUSD N ms after the OK
 *       "urc_noise":[L,...],"urc_every":K,"urc_where":"start"|"end"
 *                                  write the lines L into the answer of every K-th AT command
 *                                  line (default K 1): after the echo (start, default) or just
 *                                  before the final result code (end); [] stops it
 *   }
 *   {"cmd":"urc","line":L[,"force":true]}  emit L as an unsolicited code now (at the next idle
 *       moment; force: immediately, even inside an answer or at the "> " prompt)
 *   {"cmd":"dlr","mr":N[,"status":S][,"to":NUMBER]}  emit a status report for TP-MR N now
 *       (recipient: "to", else the last message sent with that MR)
 *   {"cmd":"unplug"[,"seconds":S]}  pull the modem: the pseudo-terminal closes (the client
 *       reads EOF / EIO) and the link goes away; after S seconds (0 or absent: at "replug") a
 *       new pseudo-terminal appears behind the same link with a fresh modem and the same SIM
 *   {"cmd":"replug"}
 *
 * Record events written here or by the engine (one JSON line each, with "ts" in epoch ms):
 *   inject, delete, submit, refused, bad_pdu, ussd {"code","reply","dcs","status"},
 *   dlr {"mr","to","status","st","via":"cds"|"cdsi"|"none"|"full","index","pdu"},
 *   unplug {"seconds"}, replug {"inbox"}.
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
	json_t *ref = json_object_get(req, "ref");
	if (ref && (!json_is_integer(ref) || json_integer_value(ref) < 0 ||
		    json_integer_value(ref) > 255))
		return sim_ctl_error("ref must be a concatenation reference from 0 to 255");
	if (ref) /* the same reference on two simulators: one message through two modems */
		m->inject_ref = (int)json_integer_value(ref);
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
	return sim_ctl_answer(json_pack("{s:b,s:i,s:i,s:i,s:b,s:i,s:b,s:b,s:b,s:b,s:i,s:i}",
					"ok", 1, "inbox", sim_modem_inbox_used(m), "capacity",
					m->cfg.capacity, "submitted", m->submitted, "connected",
					m->connected, "signal", m->csq, "registered", m->registered,
					"hang", m->hang, "plugged", m->plugged, "busy", m->busy,
					"latency_ms", m->latency_ms, "fail_count", m->fail_count));
}

static char *
sim_ctl_stats(struct sim_modem *m)
{
	const struct sim_stats *st = &m->stats;

	return sim_ctl_answer(json_pack("{s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
					"ok", 1, "commands", (json_int_t)st->commands,
					"submits", (json_int_t)st->submits,
					"refused", (json_int_t)st->refused,
					"failures_injected", (json_int_t)st->failures_injected,
					"dlrs_sent", (json_int_t)st->dlrs_sent,
					"ussd", (json_int_t)st->ussd,
					"urc_emitted", (json_int_t)st->noise,
					"unplugs", (json_int_t)st->unplugs,
					"replugs", (json_int_t)st->replugs,
					"bytes_in", (json_int_t)st->bytes_in,
					"bytes_out", (json_int_t)st->bytes_out));
}

/* TP-ST from "delivered" / "pending" / "failed" / "expired" / an integer; -1 for "none". */
static int
sim_ctl_st(json_t *v, int *st)
{
	static const struct {
		const char *name;
		int st;
	} names[] = {
		{ "delivered", SIM_ST_DELIVERED }, { "pending", SIM_ST_PENDING },
		{ "failed", SIM_ST_FAILED },	   { "expired", SIM_ST_EXPIRED },
		{ "none", -1 },
	};

	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255) {
		*st = (int)json_integer_value(v);
		return 0;
	}
	for (size_t i = 0; json_is_string(v) && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(json_string_value(v), names[i].name) == 0) {
			*st = names[i].st;
			return 0;
		}
	}
	return -EINVAL;
}

/* A line the modem may emit: printable, no CR / LF, shorter than SIM_NOISE_LEN. */
static bool
sim_ctl_line_ok(json_t *v)
{
	const char *p = json_string_value(v);

	if (!p || !*p || strlen(p) >= SIM_NOISE_LEN)
		return false;
	for (; *p; p++)
		if (*p == '\r' || *p == '\n')
			return false;
	return true;
}

static bool
sim_ctl_int_in(json_t *v, json_int_t min, json_int_t max)
{
	return json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max;
}

/* CSQ <rssi> of a level in dBm (TS 27.007 §8.5: 0 is -113 dBm or less, 31 is -51 or more). */
static int
sim_ctl_dbm_to_csq(json_int_t dbm)
{
	if (dbm <= -113)
		return 0;
	if (dbm >= -51)
		return 31;
	return (int)((dbm + 113) / 2);
}

/* Check one setting of a "set" request; NULL when fine, else the error text. */
static const char *
sim_ctl_check(const char *key, json_t *v)
{
	int st;

	if (strcmp(key, "signal") == 0)
		return sim_ctl_int_in(v, 0, 31) || sim_ctl_int_in(v, 99, 99)
			       ? NULL : "signal must be 0..31 or 99";
	if (strcmp(key, "signal_dbm") == 0)
		return sim_ctl_int_in(v, -200, 0) ? NULL : "signal_dbm must be -200..0";
	if (strcmp(key, "registered") == 0 || strcmp(key, "hang") == 0)
		return json_is_boolean(v) ? NULL : "registered and hang are booleans";
	if (strcmp(key, "ussd_reply") == 0)
		return json_is_string(v) && strlen(json_string_value(v)) < SIM_USSD_MAX
			       ? NULL : "ussd_reply must be a short string";
	if (strcmp(key, "ussd_encoding") == 0) {
		const char *e = json_string_value(v);

		return e && (!strcmp(e, "auto") || !strcmp(e, "gsm7") || !strcmp(e, "ucs2"))
			       ? NULL : "ussd_encoding is auto, gsm7 or ucs2";
	}
	if (strcmp(key, "ussd_status") == 0)
		return sim_ctl_int_in(v, 0, 5) ? NULL : "ussd_status is 0..5";
	if (strcmp(key, "fail_count") == 0 || strcmp(key, "cms_error") == 0)
		return sim_ctl_int_in(v, 0, 100000) ? NULL
						    : "fail_count and cms_error are integers >= 0";
	if (strcmp(key, "latency_ms") == 0 || strcmp(key, "ussd_delay_ms") == 0)
		return sim_ctl_int_in(v, 0, 600000) ? NULL : "delays are 0..600000 ms";
	if (strcmp(key, "dlr_delay_ms") == 0)
		return sim_ctl_int_in(v, 0, 86400000) ? NULL : "dlr_delay_ms is 0..86400000";
	if (strcmp(key, "dlr_status") == 0)
		return sim_ctl_st(v, &st) == 0
			       ? NULL
			       : "dlr_status: delivered, pending, failed, expired, none or 0..255";
	if (strcmp(key, "urc_noise") == 0) {
		size_t i;
		json_t *line;

		if (!json_is_array(v) || json_array_size(v) > SIM_NOISE_MAX)
			return "urc_noise is an array of at most 8 lines";
		json_array_foreach(v, i, line)
			if (!sim_ctl_line_ok(line))
				return "urc_noise lines are short strings without CR or LF";
		return NULL;
	}
	if (strcmp(key, "urc_every") == 0)
		return sim_ctl_int_in(v, 0, 1000000) ? NULL : "urc_every is 0..1000000";
	if (strcmp(key, "urc_where") == 0) {
		const char *w = json_string_value(v);

		if (w && (!strcmp(w, "start") || !strcmp(w, "end")))
			return NULL;
		return "urc_where is start or end";
	}
	return "unknown setting";
}

static void
sim_ctl_set_registered(struct sim_modem *m, bool reg)
{
	char urc[64];

	if (reg == m->registered) {
		m->registered = reg;
		return;
	}
	if (m->creg_mode > 0) {
		if (m->creg_mode == 2 && reg)
			snprintf(urc, sizeof(urc), "+CREG: 1,\"00B0\",\"0FAC\"");
		else
			snprintf(urc, sizeof(urc), "+CREG: %d", reg ? 1 : 0);
		sim_queue_urc(m, urc);
	}
	if (m->cgreg_mode > 0) {
		snprintf(urc, sizeof(urc), "+CGREG: %d", reg ? 1 : 0);
		sim_queue_urc(m, urc);
	}
	m->registered = reg;
}

static char *
sim_ctl_set(struct sim_modem *m, json_t *req)
{
	const char *key, *err;
	json_t *v;

	/* validate everything first, so that a bad request changes nothing */
	json_object_foreach(req, key, v) {
		if (strcmp(key, "cmd") != 0 && (err = sim_ctl_check(key, v)))
			return sim_ctl_error(err);
	}
	json_object_foreach(req, key, v) {
		json_int_t i = json_is_integer(v) ? json_integer_value(v) : 0;

		if (strcmp(key, "signal") == 0) {
			m->csq = (int)i;
		} else if (strcmp(key, "signal_dbm") == 0) {
			m->csq = sim_ctl_dbm_to_csq(i);
		} else if (strcmp(key, "registered") == 0) {
			sim_ctl_set_registered(m, json_is_true(v));
		} else if (strcmp(key, "hang") == 0) {
			m->hang = json_is_true(v);
		} else if (strcmp(key, "ussd_reply") == 0) {
			util_strlcpy(m->ussd_reply, json_string_value(v), sizeof(m->ussd_reply));
		} else if (strcmp(key, "ussd_encoding") == 0) {
			const char *e = json_string_value(v);

			m->ussd_encoding = !strcmp(e, "gsm7")	? SIM_USSD_GSM7
					   : !strcmp(e, "ucs2") ? SIM_USSD_UCS2
								: SIM_USSD_AUTO;
		} else if (strcmp(key, "ussd_status") == 0) {
			m->ussd_status = (int)i;
		} else if (strcmp(key, "ussd_delay_ms") == 0) {
			m->ussd_delay_ms = (int)i;
		} else if (strcmp(key, "fail_count") == 0) {
			m->fail_count = (int)i;
		} else if (strcmp(key, "cms_error") == 0) {
			m->fail_cms = (int)i;
		} else if (strcmp(key, "latency_ms") == 0) {
			m->latency_ms = (int)i;
		} else if (strcmp(key, "dlr_delay_ms") == 0) {
			m->dlr_delay_ms = (int)i;
		} else if (strcmp(key, "dlr_status") == 0) {
			sim_ctl_st(v, &m->dlr_st);
		} else if (strcmp(key, "urc_noise") == 0) {
			size_t k;
			json_t *line;

			m->noise_n = 0;
			json_array_foreach(v, k, line)
				util_strlcpy(m->noise[m->noise_n++], json_string_value(line),
					     SIM_NOISE_LEN);
		} else if (strcmp(key, "urc_every") == 0) {
			m->noise_every = (int)i;
		} else if (strcmp(key, "urc_where") == 0) {
			m->noise_where = strcmp(json_string_value(v), "end") == 0 ? SIM_NOISE_END
										  : SIM_NOISE_START;
		}
	}
	sim_flush_urc(m);
	return sim_ctl_answer(json_pack("{s:b}", "ok", 1));
}

/* {"cmd":"urc","line":L[,"force":true]}: an unsolicited code now (force: even mid-answer). */
static char *
sim_ctl_urc(struct sim_modem *m, json_t *req)
{
	json_t *line = json_object_get(req, "line"), *force = json_object_get(req, "force");

	if (!sim_ctl_line_ok(line))
		return sim_ctl_error("urc needs a short line without CR or LF");
	if (force && !json_is_boolean(force))
		return sim_ctl_error("force is a boolean");
	if (json_is_true(force)) {
		sim_emit_now(m, json_string_value(line));
	} else {
		sim_queue_urc(m, json_string_value(line));
		if (m->connected && m->plugged)
			m->stats.noise++;
		sim_flush_urc(m);
	}
	return sim_ctl_answer(json_pack("{s:b,s:b}", "ok", 1, "listening",
					m->connected && m->plugged));
}

/* {"cmd":"dlr","mr":N,"status":S[,"to":NUMBER]}: a status report now. */
static char *
sim_ctl_dlr(struct sim_modem *m, json_t *req)
{
	json_t *mr = json_object_get(req, "mr"), *to = json_object_get(req, "to");
	json_t *status = json_object_get(req, "status");
	const char *recipient;
	int st = SIM_ST_DELIVERED;

	if (!sim_ctl_int_in(mr, 0, 255))
		return sim_ctl_error("dlr needs mr 0..255");
	if (status && (sim_ctl_st(status, &st) < 0 || st < 0))
		return sim_ctl_error("status is delivered, pending, failed, expired or 0..255");
	if (to && !json_is_string(to))
		return sim_ctl_error("to must be a string");
	recipient = to ? json_string_value(to) : m->mr_to[json_integer_value(mr)];
	if (!recipient[0])
		return sim_ctl_error("no message with this mr was sent: give \"to\"");
	if (!m->plugged)
		return sim_ctl_error("modem unplugged");
	sim_dlr_emit(m, (int)json_integer_value(mr), recipient, st, util_now_ms() / 1000);
	return sim_ctl_answer(json_pack("{s:b}", "ok", 1));
}

static char *
sim_ctl_unplug(struct sim_modem *m, json_t *req)
{
	json_t *sec = json_object_get(req, "seconds");

	if (sec && !sim_ctl_int_in(sec, 0, 86400))
		return sim_ctl_error("seconds is 0..86400 (0: until replug)");
	if (sim_modem_unplug(m, sec ? (int)json_integer_value(sec) : 0) < 0)
		return sim_ctl_error("already unplugged");
	return sim_ctl_answer(json_pack("{s:b}", "ok", 1));
}

static char *
sim_ctl_replug(struct sim_modem *m)
{
	if (sim_modem_replug(m) < 0)
		return sim_ctl_error("not unplugged");
	return sim_ctl_answer(json_pack("{s:b}", "ok", 1));
}

static char *
sim_ctl_inbox(struct sim_modem *m)
{
	json_t *list = json_array();

	for (int i = 0; i < m->cfg.capacity; i++) {
		struct sim_slot *s = &m->slots[i];

		if (s->used && s->report)
			json_array_append_new(list, json_pack("{s:i,s:s,s:s,s:i,s:s,s:i,s:b}",
							      "index", i + 1, "type",
							      "status_report", "to", s->from,
							      "mr", s->mr, "status",
							      sim_st_name(s->st), "st", s->st,
							      "read", s->read));
		else if (s->used)
			json_array_append_new(list, json_pack("{s:i,s:s,s:s,s:s,s:b}", "index",
							      i + 1, "type", "deliver", "from",
							      s->from, "text", s->pdu.text, "read",
							      s->read));
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
	else if (strcmp(cmd, "stats") == 0)
		answer = sim_ctl_stats(m);
	else if (strcmp(cmd, "urc") == 0)
		answer = sim_ctl_urc(m, req);
	else if (strcmp(cmd, "dlr") == 0)
		answer = sim_ctl_dlr(m, req);
	else if (strcmp(cmd, "unplug") == 0)
		answer = sim_ctl_unplug(m, req);
	else if (strcmp(cmd, "replug") == 0)
		answer = sim_ctl_replug(m);
	else
		answer = sim_ctl_error("unknown cmd");
	json_decref(req);
	return answer;
}
