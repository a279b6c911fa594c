/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dispatch — hand due outbound messages to idle modems, within each modem's rate, and settle
 * each message with the modem's answer.
 *
 * DESIGN
 * No polling: the dispatcher runs when something may have changed (a campaign was created, a
 * reply was queued, a modem finished a send or became ready) and otherwise sleeps on one timer
 * set to the earliest of: the next message due (a retry's backoff, a campaign's start) and the
 * next token of a rate-limited idle modem. One pass walks the modems round-robin; each idle
 * modem with a token claims the most urgent due message from the store (committed as `sending`
 * before the modem sees it) and gets it. Rates are token buckets counted in SMS parts: a
 * message needs one token to start and spends one per part, so long messages slow the modem
 * down by exactly their size.
 *
 * Outcomes: sent -> `sent` with the references; a permanent +CMS error (e.g. unassigned number)
 * or the last allowed attempt -> `failed`; other errors -> `queued` again after backoff; an
 * uncertain outcome (the worker died mid-send) -> queued again, or failed when the config says
 * uncertain = "fail".
 */
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "conf/conf.h"
#include "gateway/bucket.h"
#include "gateway/gw.h"
#include "gateway/schedule.h"
#include "modem/modem.h"
#include "queue/queue.h"

/* +CMS ERROR codes (3GPP TS 24.011 / 27.005) that retrying cannot fix. */
static void gw_unsettled_push(struct gw *gw, struct modem *m, int64_t msg_id,
			      const struct modem_send_result *r, int attempts);
static void gw_unsettled_cb(evutil_socket_t fd, short what, void *arg);

static bool
gw_cms_is_permanent(int cms)
{
	switch (cms) {
	case 1:   /* unassigned (unallocated) number */
	case 8:   /* operator determined barring */
	case 10:  /* call barred */
	case 21:  /* short message transfer rejected */
	case 29:  /* facility rejected */
	case 30:  /* unknown subscriber */
	case 50:  /* requested facility not subscribed */
	case 96:  /* invalid mandatory information */
	case 304: /* invalid PDU mode parameter */
	case 305: /* invalid text mode parameter */
		return true;
	default:
		return false;
	}
}

struct gw_slot *
gw_slot_of(struct gw *gw, const struct modem *m)
{
	for (size_t i = 0; i < gw->n_slots; i++)
		if (gw->slots[i].modem == m)
			return &gw->slots[i];
	return NULL;
}

int
gw_dispatch_in_flight(const struct gw *gw)
{
	int n = 0;

	for (size_t i = 0; i < gw->n_slots; i++)
		n += gw->slots[i].msg_id != 0;
	return n;
}

/* Days since the epoch in local time, and the milliseconds left until local midnight. */
static int64_t
gw_local_day(int64_t now_ms, int64_t *ms_to_midnight)
{
	time_t t = (time_t)(now_ms / 1000);
	struct tm lt;

	localtime_r(&t, &lt);
	int64_t local_s = (int64_t)t + lt.tm_gmtoff;
	*ms_to_midnight = (86400 - local_s % 86400) * 1000;
	return local_s / 86400;
}

static void
gw_dispatch_schedule(struct gw *gw, int64_t at_ms, int64_t now)
{
	int64_t delay = at_ms - now;
	if (delay < 0)
		delay = 0;
	if (delay > 3600 * 1000)
		delay = 3600 * 1000; /* look again within the hour whatever happens */
	struct timeval tv = { .tv_sec = delay / 1000, .tv_usec = (delay % 1000) * 1000 };
	event_add(gw->dispatch_ev, &tv);
}

/* Is some modem of operator `op` ready to send? */
static bool
gw_operator_served(const struct gw *gw, const char *op)
{
	for (size_t i = 0; i < gw->n_slots; i++) {
		const char *o = modem_conf(gw->slots[i].modem)->operator_name;
		if (o && strcmp(o, op) == 0 && modem_state(gw->slots[i].modem) == MODEM_ST_READY)
			return true;
	}
	return false;
}

/*
 * Claim for slot s. A modem with an operator takes its own operator's numbers first (on-net is
 * cheaper and surer); then, when allow_offnet, numbers of operators no ready modem serves and
 * numbers of unknown operators. A modem without an operator takes anything. During quiet hours
 * only alerts and replies go. Each number gets at most daily_cap broadcasts in 24 h.
 */
static int
gw_dispatch_claim(struct gw *gw, struct gw_slot *s, int64_t now, bool quiet, struct queue_msg *out)
{
	const struct loa_conf *c = gw->conf;
	const char *own = modem_conf(s->modem)->operator_name;
	struct queue_claim_filter f = {
		.min_priority = quiet ? QUEUE_PRIO_ALERT : QUEUE_PRIO_BULK,
		.daily_cap = c->daily_cap,
	};
	int rc;

	if (!own)
		return queue_claim_next_filtered(gw->q, now, modem_name(s->modem), &f, out);
	const char *mine[1] = { own };
	f.operators = mine;
	f.n_operators = 1;
	rc = queue_claim_next_filtered(gw->q, now, modem_name(s->modem), &f, out);
	if (rc != 0 || !c->allow_offnet)
		return rc;
	const char *orphans[64];
	size_t n = 0;
	for (size_t i = 0; i < c->n_operators && n < 64; i++)
		if (strcmp(c->operators[i].name, own) != 0 &&
		    !gw_operator_served(gw, c->operators[i].name))
			orphans[n++] = c->operators[i].name;
	f.operators = orphans;
	f.n_operators = n;
	f.unknown_operator = true;
	if (n == 0) { /* only unknown operators: an impossible operator name keeps n > 0 */
		static const char *const none[1] = { "" };
		f.operators = none;
		f.n_operators = 1;
	}
	return queue_claim_next_filtered(gw->q, now, modem_name(s->modem), &f, out);
}

/* Give a claimed (committed) message to the slot's modem; frees msg's contents. */
static void
gw_dispatch_hand(struct gw *gw, struct gw_slot *s, struct queue_msg *msg, int64_t day, int64_t now)
{
	gw_bucket_spend(&s->bucket, msg->segments, day);
	s->msg_id = msg->id;
	s->attempts = msg->attempts;
	s->segments = msg->segments;
	if (msg->attempts > 1)
		s->retries++;
	s->handed_mono_ms = util_mono_ms();
	if (modem_send(s->modem, msg->id, msg->recipient, msg->text, msg->encoding) < 0) {
		s->msg_id = 0;
		queue_mark_retry(gw->q, msg->id, "modem not ready", now, now);
	}
	queue_msg_clear(msg);
}

static void
gw_dispatch_run(struct gw *gw)
{
	int64_t now = util_now_ms();
	int64_t wake = INT64_MAX, quiet_end = 0;
	bool found_nothing = false;
	bool quiet = gw_schedule_quiet(gw->conf->quiet_hours, now, &quiet_end);
	int64_t to_midnight;
	int64_t day = gw_local_day(now, &to_midnight);

	if (gw->stopping)
		return;
	struct timespec ts0, ts1;
	clock_gettime(CLOCK_MONOTONIC, &ts0);
	gw->metrics.passes++;
	for (size_t k = 0; k < gw->n_slots; k++) {
		struct gw_slot *s = &gw->slots[(gw->rr + k) % gw->n_slots];
		struct queue_msg msg;

		if (!modem_can_send(s->modem))
			continue;
		int64_t left = gw_bucket_wait_ms(&s->bucket, now, day, to_midnight);
		if (left > 0) { /* rate or daily cap: its turn comes later */
			wake = now + left < wake ? now + left : wake;
			continue;
		}
		int rc = gw_dispatch_claim(gw, s, now, quiet, &msg);
		if (rc < 0) {
			LOG(LOG_ERROR, "dispatch", "cannot claim a message (%s); retrying in 1 s",
			    strerror(-rc));
			wake = now + 1000;
			break;
		}
		if (rc == 0) {
			/* nothing this modem may take (its operator, quiet hours): others may */
			found_nothing = true;
			continue;
		}
		gw_dispatch_hand(gw, s, &msg, day, now);
	}
	gw->rr = gw->n_slots ? (gw->rr + 1) % gw->n_slots : 0;
	/*
	 * An idle modem found nothing it may take. Wake at the next due time; when something is
	 * due already, it is due for modems that are busy (their results kick us) or held by
	 * quiet hours (wake when they end): look again after a second as a backstop, never spin.
	 */
	if (found_nothing) {
		int64_t due = queue_next_due_ms(gw->q, now);
		if (due <= now)
			due = quiet && quiet_end > now ? quiet_end : now + 1000;
		else if (quiet && quiet_end > now && quiet_end < due)
			due = quiet_end;
		wake = due < wake ? due : wake;
	}
	if (wake != INT64_MAX)
		gw_dispatch_schedule(gw, wake, now);
	clock_gettime(CLOCK_MONOTONIC, &ts1);
	gw->metrics.pass_seconds += (double)(ts1.tv_sec - ts0.tv_sec) +
				    (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e9;
}

static void
gw_dispatch_cb(evutil_socket_t fd, short what, void *arg)
{
	gw_dispatch_run(arg);
}

void
gw_dispatch_kick(struct gw *gw)
{
	if (!gw->stopping)
		event_active(gw->dispatch_ev, EV_TIMEOUT, 0);
}

int
gw_dispatch_init(struct gw *gw)
{
	gw->dispatch_ev = evtimer_new(gw->base, gw_dispatch_cb, gw);
	gw->unsettled_ev = evtimer_new(gw->base, gw_unsettled_cb, gw);
	if (!gw->dispatch_ev || !gw->unsettled_ev)
		return -ENOMEM;
	int64_t now = util_now_ms();
	for (size_t i = 0; i < gw->n_slots; i++) {
		const struct conf_modem *mc = modem_conf(gw->slots[i].modem);
		gw_bucket_init(&gw->slots[i].bucket, mc->rate_per_min, mc->daily_cap, now);
	}
	return 0;
}

void
gw_dispatch_free(struct gw *gw)
{
	if (gw->dispatch_ev)
		event_free(gw->dispatch_ev);
	gw->dispatch_ev = NULL;
	if (gw->unsettled_ev)
		event_free(gw->unsettled_ev);
	gw->unsettled_ev = NULL;
	free(gw->unsettled);
	gw->unsettled = NULL;
	gw->n_unsettled = 0;
}

/* Outcomes the store could not take yet, retried every second until it can. */
struct gw_unsettled {
	struct modem *m;
	int64_t msg_id;
	struct modem_send_result r;
	int attempts;
};

static void
gw_unsettled_push(struct gw *gw, struct modem *m, int64_t msg_id, const struct modem_send_result *r,
		  int attempts)
{
	struct gw_unsettled *u = realloc(gw->unsettled, (gw->n_unsettled + 1) * sizeof(*u));

	if (!u) {
		LOG(LOG_ERROR, "dispatch", "message %lld: out of memory keeping its outcome; it "
					   "will be sent again after a restart", (long long)msg_id);
		return;
	}
	gw->unsettled = u;
	u[gw->n_unsettled].m = m;
	u[gw->n_unsettled].msg_id = msg_id;
	u[gw->n_unsettled].r = *r;
	u[gw->n_unsettled].attempts = attempts;
	gw->n_unsettled++;
	if (!evtimer_pending(gw->unsettled_ev, NULL)) {
		struct timeval tv = { .tv_sec = 1 };
		evtimer_add(gw->unsettled_ev, &tv);
	}
}

static void
gw_unsettled_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw *gw = arg;
	size_t n = gw->n_unsettled;
	struct gw_unsettled *list = gw->unsettled;

	gw->unsettled = NULL;
	gw->n_unsettled = 0;
	for (size_t i = 0; i < n; i++) {
		struct gw_slot *s = gw_slot_of(gw, list[i].m);
		/* settle as the modem's message again, with its attempt count */
		if (s && s->msg_id == 0) {
			s->msg_id = list[i].msg_id;
			s->attempts = list[i].attempts;
			s->handed_mono_ms = util_mono_ms();
			gw_dispatch_settle(gw, list[i].m, list[i].msg_id, &list[i].r);
			if (s->msg_id == list[i].msg_id)
				s->msg_id = 0;
		} else {
			gw_unsettled_push(gw, list[i].m, list[i].msg_id, &list[i].r,
					  list[i].attempts);
		}
	}
	if (gw->n_unsettled == 0 && n > 0)
		LOG(LOG_NOTICE, "dispatch", "the store accepts writes again: %zu outcome(s) recorded",
		    n);
	free(list);
}

/* Settle the message a modem was given: committed before anything else happens. */
void
gw_dispatch_settle(struct gw *gw, struct modem *m, int64_t msg_id, const struct modem_send_result *r)
{
	struct gw_slot *s = gw_slot_of(gw, m);
	const struct loa_conf *c = gw->conf;
	int64_t now = util_now_ms();
	int attempts = s && s->msg_id == msg_id ? s->attempts : 1;
	int rc;

	if (s && s->msg_id == msg_id) {
		s->msg_id = 0;
		gw_metrics_observe_send(gw, (double)(util_mono_ms() - s->handed_mono_ms) / 1000.0);
	}
	if (r->ok) {
		/*
		 * One commit for this outcome and the modem's next message: the store's fsync is
		 * the cost of a message on a fast modem, so the claim rides along (it is still
		 * committed before the modem sees the message).
		 */
		struct queue_msg next;
		int got = 0;
		int64_t to_midnight, day = gw_local_day(now, &to_midnight);
		rc = queue_begin(gw->q);
		if (rc == 0)
			rc = queue_mark_sent(gw->q, msg_id, r->refs, now);
		if (rc == 0 && modem_conf(m)->delivery_reports)
			rc = queue_parts_track(gw->q, msg_id, modem_name(m), r->refs, now);
		if (rc == 0 && s && !gw->stopping && modem_can_send(m) &&
		    gw_bucket_wait_ms(&s->bucket, now, day, to_midnight) == 0) {
			int64_t quiet_end;
			bool quiet = gw_schedule_quiet(c->quiet_hours, now, &quiet_end);
			got = gw_dispatch_claim(gw, s, now, quiet, &next);
			if (got < 0) {
				got = 0; /* the dispatcher's own pass will try again */
			}
		}
		if (rc == 0)
			rc = queue_commit(gw->q);
		else
			queue_rollback(gw->q);
		if (got == 1) {
			if (rc == 0)
				gw_dispatch_hand(gw, s, &next, day, now);
			else
				queue_msg_clear(&next); /* rolled back with the rest */
		}
	} else if (r->uncertain) {
		if (c->uncertain == CONF_UNCERTAIN_RESEND) {
			LOG(LOG_WARN, "dispatch", "message %lld: outcome unknown (%s); sending again",
			    (long long)msg_id, r->error);
			rc = queue_mark_retry(gw->q, msg_id, r->error, now, now);
		} else {
			rc = queue_mark_failed(gw->q, msg_id, r->error, now);
		}
	} else if ((r->cms >= 0 && gw_cms_is_permanent(r->cms)) || attempts >= c->max_attempts) {
		char why[192];
		snprintf(why, sizeof(why), "%s%s", r->error,
			 attempts >= c->max_attempts ? " (attempts exhausted)" : "");
		LOG(LOG_WARN, "dispatch", "message %lld failed: %s", (long long)msg_id, why);
		rc = queue_mark_failed(gw->q, msg_id, why, now);
	} else {
		size_t i = (size_t)(attempts > 0 ? attempts - 1 : 0);
		if (i >= c->n_backoff)
			i = c->n_backoff - 1;
		int64_t next = now + (int64_t)c->backoff_s[i] * 1000;
		LOG(LOG_NOTICE, "dispatch", "message %lld: %s; attempt %d, next in %d s",
		    (long long)msg_id, r->error, attempts, c->backoff_s[i]);
		rc = queue_mark_retry(gw->q, msg_id, r->error, next, now);
	}
	if (rc < 0 && rc != -ESTALE && rc != -ENOENT) {
		/* The store refused (disk full, I/O error): keep the outcome and record it when the
		 * store accepts writes again. The message stays `sending` meanwhile, so it is
		 * neither lost nor sent again (a restart would send it again: at-least-once). */
		LOG(LOG_ERROR, "dispatch", "message %lld: cannot record the outcome (%s); will retry",
		    (long long)msg_id, strerror(-rc));
		gw_unsettled_push(gw, m, msg_id, r, attempts);
	}
	gw_dispatch_kick(gw);
}
