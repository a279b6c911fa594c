/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gw — the loagw daemon's shared state and the seams between its parts (private to gateway/).
 *
 * One libevent loop (the main thread) owns everything here: the store handle, the modems, the
 * dispatcher's timers, the HTTP API. Nothing in gateway/ blocks the loop for long.
 */
#ifndef LOA_GATEWAY_GW_H
#define LOA_GATEWAY_GW_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/bucket.h"

struct event;
struct event_base;
struct evhttp;
struct loa_conf;
struct modem;
struct modem_inbound;
struct queue;
struct ussd_menu;

/* Per-modem dispatch state: token bucket and the message in flight. */
struct gw_slot {
	struct modem *modem; /* owned */
	struct gw_bucket bucket; /* rate in SMS parts and the daily cap */
	int64_t msg_id;      /* in flight, 0 when none */
	int attempts;        /* of the message in flight */
	int segments;
	int64_t handed_mono_ms; /* when the message in flight was handed to the modem */
	uint64_t retries;    /* messages this modem was given again after a failure */
};

struct gw_unsettled;

struct gw_keyword {
	char *folded; /* owned: upper case, no diacritics */
	size_t rule;  /* index into conf->rules */
};

#define GW_SEND_BUCKETS 9
#define GW_HTTP_SERIES 256

/* Counters since start, for /metrics (metrics.c). */
struct gw_metrics {
	uint64_t inbound[8]; /* by enum conf_action */
	uint64_t send_bucket[GW_SEND_BUCKETS], send_count;
	double send_sum;
	uint64_t passes;
	double pass_seconds;
	struct {
		const char *route; /* a string literal */
		int code;
		uint64_t count;
	} http[GW_HTTP_SERIES];
	int n_http;
};

struct gw {
	struct event_base *base;
	struct loa_conf *conf; /* owned */
	struct queue *q;       /* owned */
	struct gw_slot *slots; /* one per enabled modem */
	size_t n_slots;
	size_t rr;             /* round-robin start for fairness between modems */
	struct gw_keyword *keywords; /* every rule's keywords, folded for matching */
	size_t n_keywords;
	struct event *dispatch_ev;
	struct event *inbound_ev;  /* routes multipart SMS whose parts did not all come */
	struct event *daily_ev;    /* recurrence and retention */
	struct event *unsettled_ev;
	struct gw_unsettled *unsettled; /* outcomes the store could not take yet */
	size_t n_unsettled;
	struct event *drain_ev;
	struct evhttp *http;
	struct ussd_menu *ussd; /* owned; NULL when the config has no ussd group */
	int api_port;          /* the port actually bound */
	char worker_path[PATH_MAX];
	bool stopping;
	int64_t started_ms;
	int64_t last_purge_ms;
	struct gw_metrics metrics;
};

/* dispatch.c: hand due messages to idle modems within their rates. */
int gw_dispatch_init(struct gw *gw);
void gw_dispatch_free(struct gw *gw);
/* Run the dispatcher soon (new work, a modem became idle). Never blocks. */
void gw_dispatch_kick(struct gw *gw);
/* Messages currently handed to modems. */
int gw_dispatch_in_flight(const struct gw *gw);
struct gw_slot *gw_slot_of(struct gw *gw, const struct modem *m);
struct modem_send_result;
/* Commit the outcome of a send reported by a modem, then look for more work. */
void gw_dispatch_settle(struct gw *gw, struct modem *m, int64_t msg_id,
			const struct modem_send_result *r);

/* inbound.c: store a citizen's SMS, act on its keyword, answer, then let the modem delete it. */
int gw_inbound_init(struct gw *gw);
void gw_inbound_free(struct gw *gw);
void gw_inbound_handle(struct gw *gw, struct modem *m, const struct modem_inbound *in);
/* Look for incomplete multipart SMS to route (at start-up and while parts wait). */
void gw_inbound_schedule(struct gw *gw);

/* api.c: the HTTP API (docs/API.md). */
int gw_api_start(struct gw *gw, char *err, size_t errlen);
void gw_api_stop(struct gw *gw);

/* api.c: the token whose SHA-256 matches, or NULL. */
struct conf_token;
const struct conf_token *gw_api_token_lookup(const struct gw *gw, const char *token);

/* schedule.c: next run of a recurrence rule strictly after after_ms (local time of the config's
 * time zone); -1 when the rule is not understood. */
int64_t gw_schedule_next(const struct gw *gw, const char *rule, int64_t after_ms);

/* loagw_main.c: run the recurrence/retention check at at_ms if that is sooner than planned. */
void gw_schedule_wake(struct gw *gw, int64_t at_ms);

/* metrics.c */
struct evhttp_request;
void gw_metrics_serve(struct gw *gw, struct evhttp_request *req);
void gw_metrics_count_http(struct gw *gw, const char *route, int code);
void gw_metrics_observe_send(struct gw *gw, double seconds);

/* Expand "{ticket}" and "{name}" (the contact's name, "" when NULL) in a reply template into
 * out; returns out. */
char *gw_expand_template(const char *tpl, const char *ticket, const char *name, char *out,
			 size_t outlen);

#endif
