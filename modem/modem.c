/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * modem — supervise one loa-modem worker process from the libevent loop. See modem.h.
 *
 * DESIGN
 * The worker is started with fork + exec, its end of a socketpair on fd 3. Commands wait in a
 * FIFO; exactly one is outstanding at a time, and it has a deadline (the modem's
 * command_timeout_s). Events that carry a "seq" answer the outstanding command; the others
 * (ready, inbound, lost) are unsolicited. When the worker's socket closes, a frame is garbled or
 * the deadline passes, the worker is killed with SIGKILL and reaped, the outstanding send (if any)
 * is reported as uncertain, queued acks are dropped (the worker will report those SMS again and
 * the store files them once), and a restart is scheduled with exponential backoff (1 s doubling
 * to 60 s, reset after a minute of good health). Health is polled on the modem's interval and
 * logged as one JSON line per sample and per state change.
 */
#define _GNU_SOURCE
#include "modem/modem.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <regex.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "conf/conf.h"
#include "modem/proto.h"

#define MODEM_BACKOFF_MIN_MS 1000
#define MODEM_BACKOFF_MAX_MS 60000
#define MODEM_STABLE_MS 60000

#define MODEM_DEGRADED_RETRY_MS 60000

enum modem_cmd_kind { MODEM_CMD_SEND, MODEM_CMD_ACK, MODEM_CMD_HEALTH, MODEM_CMD_USSD };

struct modem_cmd {
	struct modem_cmd *next;
	enum modem_cmd_kind kind;
	int64_t msg_id; /* sends */
	json_t *msg;    /* owned */
	modem_ussd_cb ussd_cb; /* USSD: called once with the answer */
	void *ussd_arg;
	bool balance;   /* USSD asked by the balance schedule */
};

struct modem {
	struct event_base *base;       /* borrowed */
	const struct conf_modem *cfg;  /* borrowed */
	char *worker_path;             /* owned */
	const struct modem_ops *ops;
	void *arg;

	enum modem_state state;
	pid_t pid;
	struct bufferevent *bev;       /* owned; NULL when no worker */
	struct event *deadline_ev;     /* outstanding command's deadline */
	struct event *restart_ev;
	struct event *health_ev;
	struct event *balance_ev;
	int backoff_ms;
	bool reset_next;               /* the last worker hung: reboot the modem after connecting */
	regex_t balance_re;
	bool balance_re_ok;
	char balance[64], balance_raw[256];
	int64_t balance_at_ms;
	char degraded_reason[96];
	int64_t degraded_since_ms;     /* monotonic */
	int64_t ready_since_ms;        /* monotonic */

	struct modem_cmd *head, *tail; /* FIFO; head is outstanding when `outstanding` */
	bool outstanding;
	int64_t seq;
	bool send_pending;             /* a send is queued or outstanding */
	bool stopping;

	struct modem_health health;
	struct modem_info info;
	struct modem_counters counters;
	char last_error[160];
};

static const char *const modem_state_names[_MODEM_ST_COUNT] = {
	[MODEM_ST_STARTING] = "starting",
	[MODEM_ST_READY] = "ready",
	[MODEM_ST_DEGRADED] = "degraded",
	[MODEM_ST_DOWN] = "down",
};

static void modem_pump(struct modem *m);
static void modem_kill(struct modem *m, const char *why);

const char *
modem_state_name(enum modem_state st)
{
	return (unsigned)st < _MODEM_ST_COUNT ? modem_state_names[st] : "?";
}

static void
modem_set_error(struct modem *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
modem_set_error(struct modem *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->last_error, sizeof(m->last_error), fmt, ap);
	va_end(ap);
}

static void
modem_set_state(struct modem *m, enum modem_state st, const char *why)
{
	enum modem_state old = m->state;
	char fields[256];

	if (old == st)
		return;
	m->state = st;
	if (st == MODEM_ST_READY)
		m->ready_since_ms = util_mono_ms();
	json_t *f = json_pack("{s:s, s:s, s:s, s:s}", "modem", m->cfg->name, "from",
			      modem_state_name(old), "to", modem_state_name(st), "reason",
			      why ? why : "");
	char *txt = json_dumps(f, JSON_COMPACT);
	util_strlcpy(fields, txt ? txt : "{}", sizeof(fields));
	free(txt);
	json_decref(f);
	log_fields(st == MODEM_ST_READY ? LOG_INFO : LOG_WARN, "modem", "modem state change",
		   fields);
	if (m->ops->on_state)
		m->ops->on_state(m, old, st, m->arg);
}

static void
modem_cmd_free(struct modem_cmd *c)
{
	if (c) {
		json_decref(c->msg);
		free(c);
	}
}

static int
modem_enqueue_cmd(struct modem *m, struct modem_cmd *c)
{
	if (m->tail)
		m->tail->next = c;
	else
		m->head = c;
	m->tail = c;
	modem_pump(m);
	return 0;
}

static int
modem_enqueue(struct modem *m, enum modem_cmd_kind kind, int64_t msg_id, json_t *msg)
{
	struct modem_cmd *c = calloc(1, sizeof(*c));

	if (!c || !msg) {
		free(c);
		json_decref(msg);
		return -ENOMEM;
	}
	c->kind = kind;
	c->msg_id = msg_id;
	c->msg = msg;
	return modem_enqueue_cmd(m, c);
}

static struct modem_cmd *
modem_dequeue(struct modem *m)
{
	struct modem_cmd *c = m->head;

	if (c) {
		m->head = c->next;
		if (!m->head)
			m->tail = NULL;
		c->next = NULL;
	}
	m->outstanding = false;
	event_del(m->deadline_ev);
	return c;
}

/* Send the head command if none is outstanding. */
static void
modem_pump(struct modem *m)
{
	if (m->outstanding || !m->head || !m->bev || m->state == MODEM_ST_STARTING)
		return;
	struct modem_cmd *c = m->head;
	size_t len;
	json_object_set_new(c->msg, "seq", json_integer(++m->seq));
	char *frame = modem_proto_encode(c->msg, &len);
	if (!frame) {
		modem_kill(m, "cannot encode a command");
		return;
	}
	bufferevent_write(m->bev, frame, len);
	free(frame);
	m->outstanding = true;
	struct timeval tv = { .tv_sec = m->cfg->command_timeout_s };
	event_add(m->deadline_ev, &tv);
}

static void modem_evaluate(struct modem *m);

static void
modem_report_send(struct modem *m, int64_t msg_id, const struct modem_send_result *r)
{
	m->send_pending = false;
	if (r->ok) {
		m->counters.sent++;
		m->counters.errors_in_row = 0;
	} else {
		m->counters.failed++;
		if (!r->uncertain) {
			m->counters.errors_in_row++;
			modem_evaluate(m);
		}
	}
	if (m->ops->on_send_result)
		m->ops->on_send_result(m, msg_id, r, m->arg);
}

/* Drop every queued command; an outstanding or queued send comes back as uncertain. */
static void
modem_flush(struct modem *m, const char *why)
{
	struct modem_cmd *c;

	m->outstanding = false;
	event_del(m->deadline_ev);
	while ((c = modem_dequeue(m))) {
		if (c->kind == MODEM_CMD_SEND) {
			struct modem_send_result r = { .uncertain = true, .cms = -1 };
			util_strlcpy(r.error, why, sizeof(r.error));
			modem_report_send(m, c->msg_id, &r);
		} else if (c->kind == MODEM_CMD_USSD && c->ussd_cb) {
			struct modem_ussd_result r = { .error = why };
			c->ussd_cb(m, &r, c->ussd_arg);
		}
		modem_cmd_free(c);
	}
}

static void
modem_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct modem *m = arg;

	if (modem_start(m) < 0) {
		struct timeval tv = { .tv_sec = m->backoff_ms / 1000,
				      .tv_usec = (m->backoff_ms % 1000) * 1000 };
		event_add(m->restart_ev, &tv);
	}
}

/* Kill and reap the worker; report what it held; schedule a restart unless stopping. */
static void
modem_kill(struct modem *m, const char *why)
{
	if (m->pid > 0) {
		int st;
		kill(m->pid, SIGKILL);
		while (waitpid(m->pid, &st, 0) < 0 && errno == EINTR)
			;
		m->pid = 0;
	}
	if (m->bev) {
		bufferevent_free(m->bev);
		m->bev = NULL;
	}
	event_del(m->health_ev);
	event_del(m->balance_ev);
	modem_set_error(m, "%s", why);
	modem_flush(m, why);
	modem_set_state(m, MODEM_ST_DOWN, why);
	if (m->stopping)
		return;
	m->counters.restarts++;
	if (m->ready_since_ms && util_mono_ms() - m->ready_since_ms > MODEM_STABLE_MS)
		m->backoff_ms = MODEM_BACKOFF_MIN_MS;
	struct timeval tv = { .tv_sec = m->backoff_ms / 1000,
			      .tv_usec = (m->backoff_ms % 1000) * 1000 };
	LOG(LOG_NOTICE, "modem", "modem[%s] restarting in %d ms", m->cfg->name, m->backoff_ms);
	event_add(m->restart_ev, &tv);
	m->backoff_ms = m->backoff_ms * 2 > MODEM_BACKOFF_MAX_MS ? MODEM_BACKOFF_MAX_MS
								   : m->backoff_ms * 2;
	m->ready_since_ms = 0;
}

static void
modem_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct modem *m = arg;

	m->counters.timeouts++;
	m->reset_next = true;
	LOG(LOG_ERROR, "modem", "modem[%s] command overran its %d s deadline: killing the worker",
	    m->cfg->name, m->cfg->command_timeout_s);
	modem_kill(m, "command deadline passed");
}

static void
modem_health_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct modem *m = arg;
	struct timeval tv = { .tv_sec = m->cfg->health_interval_s };

	/* one health command at a time: skip if one is already queued */
	bool queued = false;
	for (struct modem_cmd *c = m->head; c; c = c->next)
		queued |= c->kind == MODEM_CMD_HEALTH;
	if (!queued)
		modem_enqueue(m, MODEM_CMD_HEALTH, 0, json_pack("{s:s}", "op", "health"));
	event_add(m->health_ev, &tv);
}

static void
modem_copy_str(char *dst, size_t n, json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));
	util_strlcpy(dst, v ? v : "", n);
}

/*
 * Decide between ready and degraded from the last health sample and the send errors in a row.
 * A modem degraded by send errors is given another chance after a good health poll at least
 * MODEM_DEGRADED_RETRY_MS later.
 */
static void
modem_evaluate(struct modem *m)
{
	const struct modem_health *h = &m->health;
	const char *reg = h->registration;
	char why[96] = "";

	if (m->state != MODEM_ST_READY && m->state != MODEM_ST_DEGRADED)
		return;
	if (m->state == MODEM_ST_DEGRADED &&
	    m->counters.errors_in_row >= (uint64_t)m->cfg->max_errors_in_row &&
	    util_mono_ms() - m->degraded_since_ms >= MODEM_DEGRADED_RETRY_MS)
		m->counters.errors_in_row = 0; /* probation */
	if (h->valid && h->signal_dbm != INT_MIN && h->signal_dbm < m->cfg->min_signal_dbm)
		snprintf(why, sizeof(why), "signal %d dBm is below %d dBm", h->signal_dbm,
			 m->cfg->min_signal_dbm);
	else if (h->valid && (strcmp(reg, "none") == 0 || strcmp(reg, "denied") == 0 ||
			      strcmp(reg, "searching") == 0))
		snprintf(why, sizeof(why), "not registered on a network (%s)", reg);
	else if (m->counters.errors_in_row >= (uint64_t)m->cfg->max_errors_in_row)
		snprintf(why, sizeof(why), "%llu failed sends in a row",
			 (unsigned long long)m->counters.errors_in_row);
	if (why[0] && m->state == MODEM_ST_READY) {
		util_strlcpy(m->degraded_reason, why, sizeof(m->degraded_reason));
		m->degraded_since_ms = util_mono_ms();
		modem_set_state(m, MODEM_ST_DEGRADED, why);
	} else if (why[0]) {
		util_strlcpy(m->degraded_reason, why, sizeof(m->degraded_reason));
	} else if (m->state == MODEM_ST_DEGRADED) {
		m->degraded_reason[0] = '\0';
		modem_set_state(m, MODEM_ST_READY, "healthy again");
	}
}

static void
modem_on_health(struct modem *m, json_t *ev)
{
	struct modem_health *h = &m->health;
	json_t *v;

	h->valid = true;
	h->at_ms = util_now_ms();
	v = json_object_get(ev, "signal_dbm");
	h->signal_dbm = json_is_integer(v) ? (int)json_integer_value(v) : INT_MIN;
	v = json_object_get(ev, "signal_pct");
	h->signal_pct = json_is_integer(v) ? (int)json_integer_value(v) : -1;
	v = json_object_get(ev, "ber");
	h->ber = json_is_integer(v) ? (int)json_integer_value(v) : 99;
	v = json_object_get(ev, "battery_pct");
	h->battery_pct = json_is_integer(v) ? (int)json_integer_value(v) : -1;
	modem_copy_str(h->registration, sizeof(h->registration), ev, "registration");
	modem_copy_str(h->network_code, sizeof(h->network_code), ev, "network_code");
	modem_copy_str(h->network_name, sizeof(h->network_name), ev, "network_name");

	modem_evaluate(m);
	json_t *f = json_deep_copy(ev);
	json_object_del(f, "ev");
	json_object_del(f, "seq");
	json_object_set_new(f, "modem", json_string(m->cfg->name));
	json_object_set_new(f, "state", json_string(modem_state_name(m->state)));
	json_object_set_new(f, "sent", json_integer((json_int_t)m->counters.sent));
	json_object_set_new(f, "failed", json_integer((json_int_t)m->counters.failed));
	json_object_set_new(f, "received", json_integer((json_int_t)m->counters.received));
	char *txt = json_dumps(f, JSON_COMPACT);
	log_fields(LOG_INFO, "modem", "modem health", txt);
	free(txt);
	json_decref(f);
	if (m->ops->on_health)
		m->ops->on_health(m, h, m->arg);
}

/* Parse a balance out of a USSD answer with the configured pattern; log it. */
static void
modem_parse_balance(struct modem *m, const char *text)
{
	regmatch_t mt[2];
	char fields[512];

	util_strlcpy(m->balance_raw, text, sizeof(m->balance_raw));
	m->balance_at_ms = util_now_ms();
	m->balance[0] = '\0';
	if (m->balance_re_ok && regexec(&m->balance_re, text, 2, mt, 0) == 0) {
		int g = mt[1].rm_so >= 0 ? 1 : 0;
		size_t len = (size_t)(mt[g].rm_eo - mt[g].rm_so);
		if (len >= sizeof(m->balance))
			len = sizeof(m->balance) - 1;
		memcpy(m->balance, text + mt[g].rm_so, len);
		m->balance[len] = '\0';
	}
	json_t *f = json_pack("{s:s, s:s, s:s}", "modem", m->cfg->name, "raw", text, "balance",
			      m->balance);
	char *txt = json_dumps(f, JSON_COMPACT);
	util_strlcpy(fields, txt ? txt : "{}", sizeof(fields));
	free(txt);
	json_decref(f);
	log_fields(m->balance[0] ? LOG_INFO : LOG_WARN, "modem",
		   m->balance[0] ? "modem balance" : "modem balance not understood", fields);
}

static void
modem_on_ussd(struct modem *m, struct modem_cmd *c, const char *ev, json_t *msg)
{
	struct modem_ussd_result r = { 0 };

	if (strcmp(ev, "ussd") == 0) {
		r.ok = true;
		r.text = json_string_value(json_object_get(msg, "text"));
		r.status = json_string_value(json_object_get(msg, "status"));
		if (!r.text)
			r.text = "";
		if (c->balance)
			modem_parse_balance(m, r.text);
	} else {
		r.error = json_string_value(json_object_get(msg, "error"));
		if (!r.error)
			r.error = "USSD failed";
		if (c->balance)
			LOG(LOG_WARN, "modem", "modem[%s] balance USSD %s: %s", m->cfg->name,
			    m->cfg->balance_ussd, r.error);
	}
	if (c->ussd_cb)
		c->ussd_cb(m, &r, c->ussd_arg);
}

static void
modem_on_answer(struct modem *m, const char *ev, json_t *msg)
{
	struct modem_cmd *c = m->head;

	if (!m->outstanding || !c) {
		LOG(LOG_ERROR, "modem", "modem[%s] answer \"%s\" with no command outstanding",
		    m->cfg->name, ev);
		return;
	}
	if (json_integer_value(json_object_get(msg, "seq")) != m->seq) {
		LOG(LOG_ERROR, "modem", "modem[%s] answer to seq %lld, expected %lld", m->cfg->name,
		    (long long)json_integer_value(json_object_get(msg, "seq")), (long long)m->seq);
		return;
	}
	c = modem_dequeue(m);
	if (c->kind == MODEM_CMD_SEND) {
		struct modem_send_result r = { .cms = -1 };
		if (strcmp(ev, "sent") == 0) {
			size_t i, off = 0;
			json_t *ref;
			r.ok = true;
			json_array_foreach(json_object_get(msg, "refs"), i, ref) {
				off += (size_t)snprintf(r.refs + off, off < sizeof(r.refs) ? sizeof(r.refs) - off : 0,
						"%s%lld", i ? "," : "", (long long)json_integer_value(ref));
				if (off >= sizeof(r.refs))
					break;
			}
		} else {
			json_t *cms = json_object_get(msg, "cms");
			const char *err = json_string_value(json_object_get(msg, "error"));
			r.cms = json_is_integer(cms) ? (int)json_integer_value(cms) : -1;
			r.parts_sent = (int)json_integer_value(json_object_get(msg, "parts_sent"));
			if (r.cms >= 0)
				snprintf(r.error, sizeof(r.error), "+CMS ERROR: %d", r.cms);
			else
				util_strlcpy(r.error, err ? err : "send failed", sizeof(r.error));
			modem_set_error(m, "%s", r.error);
		}
		modem_report_send(m, c->msg_id, &r);
	} else if (c->kind == MODEM_CMD_HEALTH) {
		modem_on_health(m, msg);
	} else if (c->kind == MODEM_CMD_USSD) {
		modem_on_ussd(m, c, ev, msg);
	} else if (c->kind == MODEM_CMD_ACK && strcmp(ev, "acked") != 0 &&
		   strcmp(ev, "released") != 0) {
		const char *err = json_string_value(json_object_get(msg, "error"));
		LOG(LOG_WARN, "modem", "modem[%s] could not delete a stored SMS: %s", m->cfg->name,
		    err ? err : "?");
	}
	modem_cmd_free(c);
	modem_pump(m);
}

static void
modem_on_inbound(struct modem *m, json_t *msg)
{
	struct modem_inbound in = {
		.loc = (int)json_integer_value(json_object_get(msg, "loc")),
		.folder = (int)json_integer_value(json_object_get(msg, "folder")),
		.from = json_string_value(json_object_get(msg, "from")),
		.text = json_string_value(json_object_get(msg, "text")),
		.coding = json_string_value(json_object_get(msg, "coding")),
		.smsc_time_ms = json_integer_value(json_object_get(msg, "smsc_time")),
		.concat_ref = (int)json_integer_value(json_object_get(msg, "concat_ref")),
		.part = (int)json_integer_value(json_object_get(msg, "part")),
		.parts = (int)json_integer_value(json_object_get(msg, "parts")),
	};

	if (!in.from || !in.text) {
		LOG(LOG_ERROR, "modem", "modem[%s] inbound event without sender or text",
		    m->cfg->name);
		return;
	}
	if (!in.coding)
		in.coding = "gsm7";
	m->counters.received++;
	if (m->ops->on_inbound)
		m->ops->on_inbound(m, &in, m->arg);
}

static void
modem_on_event(struct modem *m, json_t *msg)
{
	const char *ev = json_string_value(json_object_get(msg, "ev"));

	if (!ev) {
		LOG(LOG_ERROR, "modem", "modem[%s] event without \"ev\"", m->cfg->name);
		return;
	}
	if (strcmp(ev, "ready") == 0) {
		modem_copy_str(m->info.imei, sizeof(m->info.imei), msg, "imei");
		modem_copy_str(m->info.imsi, sizeof(m->info.imsi), msg, "imsi");
		modem_copy_str(m->info.manufacturer, sizeof(m->info.manufacturer), msg,
			       "manufacturer");
		modem_copy_str(m->info.model, sizeof(m->info.model), msg, "model");
		m->last_error[0] = '\0';
		event_del(m->deadline_ev); /* the connect deadline */
		modem_set_state(m, MODEM_ST_READY, "connected");
		modem_health_tick_cb(-1, 0, m); /* first sample now, then on the interval */
		if (m->cfg->balance_ussd) {
			struct timeval tv = { .tv_sec = 5 };
			event_add(m->balance_ev, &tv);
		}
		modem_pump(m);
	} else if (strcmp(ev, "connect_failed") == 0 || strcmp(ev, "lost") == 0) {
		const char *err = json_string_value(json_object_get(msg, "error"));
		char why[160];
		snprintf(why, sizeof(why), "%s: %s", ev, err ? err : "?");
		modem_kill(m, why);
	} else if (strcmp(ev, "inbound") == 0 || strcmp(ev, "status_report") == 0) {
		if (strcmp(ev, "status_report") == 0) {
			struct modem_status_report sr = {
				.to = json_string_value(json_object_get(msg, "to")),
				.mr = (int)json_integer_value(json_object_get(msg, "mr")),
				.status = (int)json_integer_value(json_object_get(msg, "status")),
				.smsc_time_ms = json_integer_value(json_object_get(msg, "smsc_time")),
			};
			int loc = (int)json_integer_value(json_object_get(msg, "loc"));
			m->counters.dlrs++;
			if (!sr.to)
				sr.to = "";
			if (m->ops->on_status_report)
				m->ops->on_status_report(m, &sr, m->arg);
			/* a report stored on the SIM (+CDSI) is deleted; one given in full is not */
			if (loc > 0)
				modem_ack_inbound(m, loc,
						  (int)json_integer_value(json_object_get(msg, "folder")));
		} else {
			modem_on_inbound(m, msg);
		}
	} else if (json_object_get(msg, "seq")) {
		modem_on_answer(m, ev, msg);
	} else {
		LOG(LOG_WARN, "modem", "modem[%s] unknown event \"%s\"", m->cfg->name, ev);
	}
}

static void
modem_read_cb(struct bufferevent *bev, void *arg)
{
	struct modem *m = arg;
	json_t *msg;
	int rc;

	while (m->bev == bev && (rc = modem_proto_pull(bufferevent_get_input(bev), &msg)) != 0) {
		if (rc < 0) {
			modem_kill(m, "garbled frame from the worker");
			return;
		}
		modem_on_event(m, msg);
		json_decref(msg);
	}
}

static void
modem_bev_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct modem *m = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		modem_read_cb(bev, m); /* take what it said last */
		if (m->bev == bev)
			modem_kill(m, "worker exited");
	}
}

static void
modem_balance_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct modem *m = arg;
	struct timeval tv = { .tv_sec = m->cfg->balance_interval_s };
	struct modem_cmd *c = calloc(1, sizeof(*c));

	if (c) {
		c->kind = MODEM_CMD_USSD;
		c->balance = true;
		c->msg = json_pack("{s:s, s:s}", "op", "ussd", "code", m->cfg->balance_ussd);
		if (c->msg)
			modem_enqueue_cmd(m, c);
		else
			free(c);
	}
	event_add(m->balance_ev, &tv);
}

struct modem *
modem_new(struct event_base *base, const struct conf_modem *cfg, const char *worker_path,
	  const struct modem_ops *ops, void *arg)
{
	struct modem *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->base = base;
	m->cfg = cfg;
	m->ops = ops;
	m->arg = arg;
	m->state = MODEM_ST_DOWN;
	m->backoff_ms = MODEM_BACKOFF_MIN_MS;
	m->worker_path = strdup(worker_path);
	m->deadline_ev = evtimer_new(base, modem_deadline_cb, m);
	m->restart_ev = evtimer_new(base, modem_restart_cb, m);
	m->health_ev = evtimer_new(base, modem_health_tick_cb, m);
	m->balance_ev = evtimer_new(base, modem_balance_tick_cb, m);
	if (cfg->balance_pattern)
		m->balance_re_ok = regcomp(&m->balance_re, cfg->balance_pattern, REG_EXTENDED) == 0;
	m->health.signal_dbm = INT_MIN;
	m->health.signal_pct = -1;
	m->health.battery_pct = -1;
	if (!m->worker_path || !m->deadline_ev || !m->restart_ev || !m->health_ev ||
	    !m->balance_ev) {
		modem_free(m);
		return NULL;
	}
	return m;
}

int
modem_start(struct modem *m)
{
	int sv[2];
	char fdarg[] = "3", inbox[24], level[16];

	if (m->bev)
		return 0;
	m->stopping = false;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	snprintf(inbox, sizeof(inbox), "%d", m->cfg->inbox_interval_s * 1000);
	util_strlcpy(level, log_level_name(log_min_level), sizeof(level));
	char *argv[] = { m->worker_path, "--fd", fdarg, "--name", m->cfg->name,
			 "--device", m->cfg->device, "--connection", m->cfg->connection,
			 "--model", m->cfg->model, "--inbox-ms", inbox, "--log-level", level,
			 NULL, NULL, NULL };
	int argc = 15;
	if (!log_is_json())
		argv[argc++] = "--log-text";
	if (m->reset_next)
		argv[argc++] = "--reset";
	m->reset_next = false;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	if (pid == 0) {
		/* child: the worker's socket becomes fd 3, nothing else of ours leaks in */
		if (dup2(sv[1], 3) < 0)
			_exit(127);
		close_range(4, ~0U, 0);
		signal(SIGPIPE, SIG_DFL);
		execv(m->worker_path, argv);
		dprintf(2, "loagw: cannot run %s: %s\n", m->worker_path, strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	evutil_make_socket_nonblocking(sv[0]);
	m->bev = bufferevent_socket_new(m->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	if (!m->bev) {
		close(sv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -ENOMEM;
	}
	m->pid = pid;
	bufferevent_setcb(m->bev, modem_read_cb, NULL, modem_bev_event_cb, m);
	bufferevent_enable(m->bev, EV_READ);
	modem_set_state(m, MODEM_ST_STARTING, "worker started");
	/* connecting has its own deadline: libgammu may wait ~30 s on a silent device */
	struct timeval tv = { .tv_sec = m->cfg->command_timeout_s };
	event_add(m->deadline_ev, &tv);
	return 0;
}

void
modem_stop_begin(struct modem *m)
{
	m->stopping = true;
	event_del(m->restart_ev);
	if (m->bev && m->pid > 0) {
		/* end of stream tells the worker to terminate its connection and exit; shut the
		 * socket down now, as libevent may defer the close of a freed bufferevent */
		shutdown(bufferevent_getfd(m->bev), SHUT_RDWR);
		bufferevent_free(m->bev);
		m->bev = NULL;
	}
}

void
modem_stop_finish(struct modem *m, int64_t deadline_mono_ms)
{
	while (m->pid > 0) {
		int st;
		if (waitpid(m->pid, &st, WNOHANG) == m->pid) {
			m->pid = 0;
			break;
		}
		if (util_mono_ms() >= deadline_mono_ms)
			break; /* modem_kill sends SIGKILL */
		usleep(20000);
	}
	modem_kill(m, "stopped");
}

void
modem_stop(struct modem *m)
{
	if (!m)
		return;
	modem_stop_begin(m);
	modem_stop_finish(m, util_mono_ms() + 5000);
}

void
modem_free(struct modem *m)
{
	if (!m)
		return;
	if (m->bev || m->pid > 0) {
		m->stopping = true;
		modem_kill(m, "freed");
	}
	struct modem_cmd *c;
	while ((c = modem_dequeue(m)))
		modem_cmd_free(c);
	if (m->deadline_ev)
		event_free(m->deadline_ev);
	if (m->restart_ev)
		event_free(m->restart_ev);
	if (m->health_ev)
		event_free(m->health_ev);
	if (m->balance_ev)
		event_free(m->balance_ev);
	if (m->balance_re_ok)
		regfree(&m->balance_re);
	free(m->worker_path);
	free(m);
}

bool
modem_can_send(const struct modem *m)
{
	return m->state == MODEM_ST_READY && !m->send_pending && m->bev;
}

int
modem_send(struct modem *m, int64_t msg_id, const char *to, const char *text,
	   const char *encoding)
{
	if (!modem_can_send(m))
		return -EBUSY;
	json_t *cmd = json_pack("{s:s, s:I, s:s, s:s, s:s, s:b}", "op", "send", "id",
				(json_int_t)msg_id, "to", to, "text", text, "encoding", encoding,
				"report", m->cfg->delivery_reports);
	if (!cmd)
		return -EINVAL;
	m->send_pending = true;
	int rc = modem_enqueue(m, MODEM_CMD_SEND, msg_id, cmd);
	if (rc < 0)
		m->send_pending = false;
	return rc;
}

int
modem_ack_inbound(struct modem *m, int loc, int folder)
{
	if (!m->bev)
		return -ENOTCONN;
	return modem_enqueue(m, MODEM_CMD_ACK, 0,
			     json_pack("{s:s, s:i, s:i}", "op", "ack", "loc", loc, "folder", folder));
}

int
modem_release_inbound(struct modem *m, int loc, int folder)
{
	if (!m->bev)
		return -ENOTCONN;
	return modem_enqueue(m, MODEM_CMD_ACK, 0,
			     json_pack("{s:s, s:i, s:i}", "op", "release", "loc", loc, "folder",
				       folder));
}

int
modem_ussd(struct modem *m, const char *code, modem_ussd_cb cb, void *arg)
{
	struct modem_cmd *c;

	if (!m->bev || (m->state != MODEM_ST_READY && m->state != MODEM_ST_DEGRADED))
		return -ENOTCONN;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->kind = MODEM_CMD_USSD;
	c->ussd_cb = cb;
	c->ussd_arg = arg;
	c->msg = json_pack("{s:s, s:s}", "op", "ussd", "code", code);
	if (!c->msg) {
		free(c);
		return -EINVAL;
	}
	return modem_enqueue_cmd(m, c);
}

const char *
modem_balance(const struct modem *m, const char **raw, int64_t *at_ms)
{
	if (raw)
		*raw = m->balance_at_ms ? m->balance_raw : NULL;
	if (at_ms)
		*at_ms = m->balance_at_ms;
	return m->balance[0] ? m->balance : NULL;
}

const char *
modem_degraded_reason(const struct modem *m)
{
	return m->state == MODEM_ST_DEGRADED ? m->degraded_reason : "";
}

const char *
modem_name(const struct modem *m)
{
	return m->cfg->name;
}

const struct conf_modem *
modem_conf(const struct modem *m)
{
	return m->cfg;
}

enum modem_state
modem_state(const struct modem *m)
{
	return m->state;
}

const struct modem_health *
modem_health(const struct modem *m)
{
	return &m->health;
}

const struct modem_info *
modem_info(const struct modem *m)
{
	return &m->info;
}

const struct modem_counters *
modem_counters(const struct modem *m)
{
	return &m->counters;
}

const char *
modem_last_error(const struct modem *m)
{
	return m->last_error;
}

bool
modem_busy(const struct modem *m)
{
	return m->send_pending;
}
