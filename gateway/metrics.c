/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics — GET /metrics in the Prometheus text exposition format (version 0.0.4).
 *
 * Gauges are read when scraped (modem health, messages by state); counters are kept by the
 * gateway since it started (Prometheus handles the reset at a restart). Names follow the
 * Prometheus conventions: loa_ prefix, _total for counters, base units (seconds, dBm).
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "conf/conf.h"
#include "gateway/api.h"
#include "gateway/gw.h"
#include "modem/modem.h"
#include "queue/queue.h"

/* libgammu's own floor is about 0.7 s a part: finer buckets below 1 s would stay empty */
static const double gw_send_buckets[GW_SEND_BUCKETS] = { 1, 1.5, 2, 3, 5, 10, 30, 60, 120 };

void
gw_metrics_observe_send(struct gw *gw, double seconds)
{
	struct gw_metrics *mt = &gw->metrics;

	for (int i = 0; i < GW_SEND_BUCKETS; i++)
		if (seconds <= gw_send_buckets[i])
			mt->send_bucket[i]++;
	mt->send_count++;
	mt->send_sum += seconds;
}

void
gw_metrics_count_http(struct gw *gw, const char *route, int code)
{
	struct gw_metrics *mt = &gw->metrics;

	for (int i = 0; i < mt->n_http; i++)
		if (mt->http[i].route == route && mt->http[i].code == code) {
			mt->http[i].count++;
			return;
		}
	if (mt->n_http < GW_HTTP_SERIES - 1) {
		mt->http[mt->n_http].route = route;
		mt->http[mt->n_http].code = code;
		mt->http[mt->n_http].count = 1;
		mt->n_http++;
		return;
	}
	/* the table is full: count into one reserved series rather than dropping */
	if (mt->n_http == GW_HTTP_SERIES - 1) {
		mt->http[mt->n_http].route = "other";
		mt->http[mt->n_http].code = 0;
		mt->n_http++;
	}
	mt->http[GW_HTTP_SERIES - 1].count++;
}

static void
gw_metric_head(struct evbuffer *b, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Modem names are [A-Za-z0-9_-]: safe in a label without escaping. */
static void
gw_metrics_modems(struct gw *gw, struct evbuffer *b)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} counters[] = {
		{ "loa_modem_sent_total", "Messages a modem sent (all parts accepted by the network).",
		  offsetof(struct modem_counters, sent) },
		{ "loa_modem_failed_total", "Sends that failed on a modem (or whose outcome is unknown).",
		  offsetof(struct modem_counters, failed) },
		{ "loa_modem_received_total", "SMS received on a modem.",
		  offsetof(struct modem_counters, received) },
		{ "loa_modem_restarts_total", "Times a modem's worker process was restarted.",
		  offsetof(struct modem_counters, restarts) },
		{ "loa_modem_timeouts_total", "Commands that overran their deadline on a modem.",
		  offsetof(struct modem_counters, timeouts) },
		{ "loa_modem_status_reports_total", "Status (delivery) reports received on a modem.",
		  offsetof(struct modem_counters, dlrs) },
	};

	gw_metric_head(b, "loa_modem_up", "gauge", "1 when the modem is ready or degraded.");
	for (size_t i = 0; i < gw->n_slots; i++) {
		enum modem_state st = modem_state(gw->slots[i].modem);
		evbuffer_add_printf(b, "loa_modem_up{modem=\"%s\"} %d\n", modem_name(gw->slots[i].modem),
				    st == MODEM_ST_READY || st == MODEM_ST_DEGRADED);
	}
	gw_metric_head(b, "loa_modem_state", "gauge", "The modem's state (1 for the current one).");
	for (size_t i = 0; i < gw->n_slots; i++)
		for (int s = 0; s < _MODEM_ST_COUNT; s++)
			evbuffer_add_printf(b, "loa_modem_state{modem=\"%s\",state=\"%s\"} %d\n",
					    modem_name(gw->slots[i].modem), modem_state_name(s),
					    modem_state(gw->slots[i].modem) == (enum modem_state)s);
	gw_metric_head(b, "loa_modem_signal_dbm", "gauge", "Signal strength of the last health poll.");
	for (size_t i = 0; i < gw->n_slots; i++) {
		const struct modem_health *h = modem_health(gw->slots[i].modem);
		if (h->valid && h->signal_dbm != INT_MIN)
			evbuffer_add_printf(b, "loa_modem_signal_dbm{modem=\"%s\"} %d\n",
					    modem_name(gw->slots[i].modem), h->signal_dbm);
	}
	gw_metric_head(b, "loa_modem_registered", "gauge",
		       "1 when the last health poll found the modem registered (home or roaming).");
	for (size_t i = 0; i < gw->n_slots; i++) {
		const struct modem_health *h = modem_health(gw->slots[i].modem);
		if (h->valid)
			evbuffer_add_printf(b, "loa_modem_registered{modem=\"%s\"} %d\n",
					    modem_name(gw->slots[i].modem),
					    !strcmp(h->registration, "home") ||
						    !strcmp(h->registration, "roaming"));
	}
	for (size_t k = 0; k < sizeof(counters) / sizeof(counters[0]); k++) {
		gw_metric_head(b, counters[k].name, "counter", counters[k].help);
		for (size_t i = 0; i < gw->n_slots; i++) {
			const struct modem_counters *c = modem_counters(gw->slots[i].modem);
			uint64_t v = *(const uint64_t *)((const char *)c + counters[k].off);
			evbuffer_add_printf(b, "%s{modem=\"%s\"} %llu\n", counters[k].name,
					    modem_name(gw->slots[i].modem), (unsigned long long)v);
		}
	}
	gw_metric_head(b, "loa_modem_retries_total", "counter",
		       "Messages handed to a modem again after an earlier failure.");
	for (size_t i = 0; i < gw->n_slots; i++)
		evbuffer_add_printf(b, "loa_modem_retries_total{modem=\"%s\"} %llu\n",
				    modem_name(gw->slots[i].modem),
				    (unsigned long long)gw->slots[i].retries);
}

void
gw_metrics_serve(struct gw *gw, struct evhttp_request *req)
{
	struct evbuffer *b = evbuffer_new();
	int64_t counts[_QUEUE_STATE_COUNT];
	struct gw_metrics *mt = &gw->metrics;

	if (!b) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	if (queue_state_counts(gw->q, counts) == 0) {
		gw_metric_head(b, "loa_messages", "gauge", "Outbound messages in the store by state.");
		for (int s = 0; s < _QUEUE_STATE_COUNT; s++)
			evbuffer_add_printf(b, "loa_messages{state=\"%s\"} %lld\n", queue_state_name(s),
					    (long long)counts[s]);
	}
	gw_metrics_modems(gw, b);
	gw_metric_head(b, "loa_inbound_total", "counter", "Citizens' SMS filed, by the action taken.");
	for (int a = 0; a < _CONF_ACTION_COUNT; a++)
		evbuffer_add_printf(b, "loa_inbound_total{action=\"%s\"} %llu\n", conf_action_name(a),
				    (unsigned long long)mt->inbound[a]);
	gw_metric_head(b, "loa_http_requests_total", "counter", "HTTP requests by route and status.");
	for (int i = 0; i < mt->n_http; i++)
		evbuffer_add_printf(b, "loa_http_requests_total{route=\"%s\",code=\"%d\"} %llu\n",
				    mt->http[i].route, mt->http[i].code,
				    (unsigned long long)mt->http[i].count);
	gw_metric_head(b, "loa_send_duration_seconds", "histogram",
		       "Time from handing a message to a modem to the modem's answer.");
	for (int i = 0; i < GW_SEND_BUCKETS; i++)
		evbuffer_add_printf(b, "loa_send_duration_seconds_bucket{le=\"%g\"} %llu\n",
				    gw_send_buckets[i], (unsigned long long)mt->send_bucket[i]);
	evbuffer_add_printf(b, "loa_send_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
			    (unsigned long long)mt->send_count);
	evbuffer_add_printf(b, "loa_send_duration_seconds_sum %.3f\n", mt->send_sum);
	evbuffer_add_printf(b, "loa_send_duration_seconds_count %llu\n",
			    (unsigned long long)mt->send_count);
	gw_metric_head(b, "loa_dispatch_passes_total", "counter", "Dispatcher passes run.");
	evbuffer_add_printf(b, "loa_dispatch_passes_total %llu\n", (unsigned long long)mt->passes);
	gw_metric_head(b, "loa_dispatch_pass_seconds_total", "counter",
		       "Time spent in dispatcher passes (the loop is busy meanwhile).");
	evbuffer_add_printf(b, "loa_dispatch_pass_seconds_total %.6f\n", mt->pass_seconds);
	gw_metric_head(b, "loa_start_time_seconds", "gauge", "When loagw started (Unix time).");
	evbuffer_add_printf(b, "loa_start_time_seconds %lld\n", (long long)(gw->started_ms / 1000));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, 200, NULL, b);
	evbuffer_free(b);
}
