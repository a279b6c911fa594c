/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loagw — the Loa gateway daemon: wiring of config, store, modems, dispatcher, inbound router
 * and HTTP API around one libevent loop.
 *
 *   loagw -c conf/loa.conf            run in the foreground, logging JSON lines to stderr
 *   loagw -c conf/loa.conf --check    validate the config and exit (0 valid, 1 not)
 *
 * Signals are handled inside the loop (evsignal): SIGTERM/SIGINT stop taking new work, wait up to
 * DRAIN_S seconds for the sends in flight, then stop the workers and exit 0; SIGHUP is logged
 * (reloading is not supported yet: restart to apply a new config).
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "conf/conf.h"
#include "gateway/gw.h"
#include "gateway/gw_text.h"
#include "gateway/schedule.h"
#include "gateway/ussd_menu.h"
#include "modem/modem.h"
#include "queue/queue.h"

#define DRAIN_S 30

static void
gw_on_state(struct modem *m, enum modem_state old, enum modem_state now, void *arg)
{
	if (now == MODEM_ST_READY)
		gw_dispatch_kick(arg);
}

static void
gw_on_send_result(struct modem *m, int64_t msg_id, const struct modem_send_result *r, void *arg)
{
	struct gw *gw = arg;

	gw_dispatch_settle(gw, m, msg_id, r);
	if (gw->stopping && gw_dispatch_in_flight(gw) == 0)
		event_base_loopexit(gw->base, NULL);
}

static void
gw_on_inbound(struct modem *m, const struct modem_inbound *in, void *arg)
{
	gw_inbound_handle(arg, m, in);
}

static void
gw_on_status_report(struct modem *m, const struct modem_status_report *sr, void *arg)
{
	struct gw *gw = arg;
	char to[QUEUE_NUMBER_MAX], masked[LOG_MASK_LEN];
	const char *why;
	int64_t msg_id = 0;
	enum queue_state st = QUEUE_SENT;

	if (gw_text_number_normalize(sr->to, gw->conf->country_code, to, &why) < 0)
		util_strlcpy(to, sr->to, sizeof(to));
	int rc = queue_status_report(gw->q, modem_name(m), sr->mr, to, sr->status, util_now_ms(),
				     &msg_id, &st);
	if (rc < 0)
		LOG(LOG_ERROR, "dispatch", "status report from %s: cannot record it: %s",
		    modem_name(m), strerror(-rc));
	else if (rc == 0)
		LOG(LOG_NOTICE, "dispatch",
		    "status report from %s for %s (reference %d, status 0x%02x) matches no sent "
		    "message", modem_name(m), log_mask(to, masked), sr->mr, sr->status);
	else
		LOG(LOG_INFO, "dispatch", "message %lld: status report 0x%02x -> %s",
		    (long long)msg_id, sr->status, queue_state_name(st));
}

static const struct modem_ops gw_modem_ops = {
	.on_state = gw_on_state,
	.on_send_result = gw_on_send_result,
	.on_inbound = gw_on_inbound,
	.on_status_report = gw_on_status_report,
};

static int
gw_spawn_cb(const struct queue_campaign *parent, void *arg)
{
	struct gw *gw = arg;
	int64_t now = util_now_ms(), child;
	int64_t start = parent->next_run_at_ms > 0 ? parent->next_run_at_ms : now;
	int64_t next = gw_schedule_next_run(parent->recurrence, start > now ? start : now);
	int64_t end_by = 0;

	if (parent->end_by_ms > parent->start_at_ms && parent->start_at_ms > 0)
		end_by = start + (parent->end_by_ms - parent->start_at_ms); /* same window each run */
	if (next < 0) {
		LOG(LOG_ERROR, "schedule", "campaign %lld: recurrence \"%s\" not understood",
		    (long long)parent->id, parent->recurrence);
		return 0;
	}
	int rc = queue_campaign_spawn(gw->q, parent->id, start, end_by, next, now, &child);
	if (rc < 0)
		LOG(LOG_ERROR, "schedule", "campaign %lld: cannot start this run: %s",
		    (long long)parent->id, strerror(-rc));
	else
		LOG(LOG_INFO, "schedule", "campaign %lld (%s): run %lld started, next at %lld",
		    (long long)parent->id, parent->recurrence, (long long)child,
		    (long long)(next / 1000));
	return 0;
}

/*
 * Once a minute: start the runs of recurring campaigns that are due; once a day: purge
 * citizens' SMS and reports older than the retention.
 */
static void
gw_minute_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw *gw = arg;
	int64_t now = util_now_ms();
	struct timeval tv = { .tv_sec = 60 };

	int n = queue_recurring_due(gw->q, now, gw_spawn_cb, gw);
	if (n > 0)
		gw_dispatch_kick(gw);
	if (gw->conf->retention_days > 0 && now - gw->last_purge_ms >= 24 * 3600 * 1000LL) {
		struct queue_purge_counts pc = { 0 };
		int rc = queue_purge(gw->q, now - (int64_t)gw->conf->retention_days * 86400 * 1000,
				     &pc);
		gw->last_purge_ms = now;
		if (rc < 0)
			LOG(LOG_ERROR, "main", "retention purge failed: %s", strerror(-rc));
		else if (pc.inbound || pc.reports || pc.votes)
			LOG(LOG_NOTICE, "main", "retention (%d days): purged %lld SMS, %lld reports, "
						"%lld votes", gw->conf->retention_days,
			    (long long)pc.inbound, (long long)pc.reports, (long long)pc.votes);
	}
	evtimer_add(gw->daily_ev, &tv);
	/*
	 * A run due before the next minute must not wait for the one after it (a run that is
	 * already due could not start: the minute is soon enough to try again).
	 */
	int64_t next = queue_recurring_next_ms(gw->q);
	if (next != INT64_MAX && next > now)
		gw_schedule_wake(gw, next);
}

void
gw_schedule_wake(struct gw *gw, int64_t at_ms)
{
	struct timeval left;
	int64_t delay = at_ms - util_now_ms();

	if (!gw->daily_ev)
		return;
	if (delay < 0)
		delay = 0;
	if (evtimer_pending(gw->daily_ev, &left)) {
		struct timeval now;
		evutil_gettimeofday(&now, NULL);
		int64_t pending = ((int64_t)left.tv_sec - now.tv_sec) * 1000 +
				  ((int64_t)left.tv_usec - now.tv_usec) / 1000;
		if (pending <= delay)
			return;
	}
	struct timeval tv = { .tv_sec = delay / 1000, .tv_usec = (delay % 1000) * 1000 };
	evtimer_add(gw->daily_ev, &tv);
}

static void
gw_drain_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw *gw = arg;

	LOG(LOG_WARN, "main", "%d send(s) still in flight after %d s; stopping anyway",
	    gw_dispatch_in_flight(gw), DRAIN_S);
	event_base_loopexit(gw->base, NULL);
}

static void
gw_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct gw *gw = arg;

	if (sig == SIGHUP) {
		LOG(LOG_NOTICE, "main", "SIGHUP: reloading is not supported yet; restart loagw to "
					"apply a new config");
		return;
	}
	if (gw->stopping) {
		LOG(LOG_NOTICE, "main", "second stop signal: exiting now");
		event_base_loopexit(gw->base, NULL);
		return;
	}
	gw->stopping = true;
	int n = gw_dispatch_in_flight(gw);
	LOG(LOG_NOTICE, "main", "%s: taking no new work; %d send(s) in flight", strsignal((int)sig),
	    n);
	if (n == 0) {
		event_base_loopexit(gw->base, NULL);
		return;
	}
	struct timeval tv = { .tv_sec = DRAIN_S };
	event_add(gw->drain_ev, &tv);
}

/* The worker binary: $LOA_MODEM_WORKER, else loa-modem beside this executable. */
static void
gw_find_worker(char *out, size_t len)
{
	const char *env = getenv("LOA_MODEM_WORKER");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		util_strlcpy(out, env, len);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		util_strlcpy(out, "loa-modem", len);
		return;
	}
	self[n] = '\0';
	snprintf(out, len, "%s/loa-modem", dirname(self));
}

/* mkdir -p of the directory that will hold `file`. */
static int
gw_make_parent_dir(const char *file)
{
	char dir[PATH_MAX];

	util_strlcpy(dir, file, sizeof(dir));
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: loagw -c FILE [--check] [--log-level LEVEL] [--log-text]\n"
		   "  -c, --config FILE   the configuration (see conf/loa.conf.example)\n"
		   "      --check         validate the configuration and exit\n"
		   "      --log-level L   debug | info | notice | warn | error (overrides the file)\n"
		   "      --log-text      readable log lines instead of JSON\n");
}

static void
gw_free(struct gw *gw)
{
	for (size_t i = 0; i < gw->n_slots; i++)
		modem_free(gw->slots[i].modem);
	free(gw->slots);
	gw_api_stop(gw);
	gw_dispatch_free(gw);
	gw_inbound_free(gw);
	if (gw->drain_ev)
		event_free(gw->drain_ev);
	if (gw->daily_ev)
		event_free(gw->daily_ev);
	ussd_menu_free(gw->ussd);
	queue_close(gw->q);
	conf_free(gw->conf);
	if (gw->base)
		event_base_free(gw->base);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "log-text", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *level_name = NULL;
	bool check = false, text = false;
	struct gw gw = { 0 };
	char err[512];
	int opt, rc, status = 1;
	struct event *sigs[3] = { NULL, NULL, NULL };

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'k': check = true; break;
		case 'l': level_name = optarg; break;
		case 't': text = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (level_name && log_level_parse(level_name) < 0) {
		fprintf(stderr, "loagw: --log-level: unknown level \"%s\"\n", level_name);
		return 2;
	}
	rc = conf_load(path, &gw.conf, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check) {
		printf("%s: OK (%zu modem(s), %zu keyword rule(s), %zu token(s))\n", path,
		       gw.conf->n_modems, gw.conf->n_rules, gw.conf->n_tokens);
		conf_free(gw.conf);
		return 0;
	}
	if (gw_schedule_set_tz(gw.conf->timezone) < 0) {
		fprintf(stderr, "loagw: cannot use the time zone %s\n", gw.conf->timezone);
		conf_free(gw.conf);
		return 1;
	}
	log_init("loagw",
		 level_name ? (enum log_level)log_level_parse(level_name)
			    : (enum log_level)gw.conf->log_level,
		 text ? false : gw.conf->log_json, true);
	queue_global_init();
	signal(SIGPIPE, SIG_IGN);
	gw.started_ms = util_now_ms();

	if (strcmp(gw.conf->store_path, ":memory:") != 0 &&
	    (rc = gw_make_parent_dir(gw.conf->store_path)) < 0) {
		LOG(LOG_ERROR, "main", "cannot create the directory of %s: %s",
		    gw.conf->store_path, strerror(-rc));
		goto out;
	}
	gw.q = queue_open(gw.conf->store_path, err, sizeof(err));
	if (!gw.q) {
		LOG(LOG_ERROR, "main", "store %s: %s", gw.conf->store_path, err);
		goto out;
	}
	queue_set_chunk(gw.q, gw.conf->chunk_recipients); /* in range: the config checks it */
	rc = queue_recover(gw.q, gw.conf->uncertain == CONF_UNCERTAIN_RESEND, util_now_ms());
	if (rc < 0) {
		LOG(LOG_ERROR, "main", "store recovery failed: %s", strerror(-rc));
		goto out;
	}
	if (rc > 0)
		LOG(LOG_NOTICE, "main", "%d message(s) were being sent when loagw stopped: %s", rc,
		    gw.conf->uncertain == CONF_UNCERTAIN_RESEND ? "queued again" : "marked failed");

	gw.base = event_base_new();
	if (!gw.base)
		goto out;
	gw_find_worker(gw.worker_path, sizeof(gw.worker_path));
	if (access(gw.worker_path, X_OK) != 0) {
		LOG(LOG_ERROR, "main", "modem worker %s: %s (set LOA_MODEM_WORKER)", gw.worker_path,
		    strerror(errno));
		goto out;
	}
	gw.slots = calloc(gw.conf->n_modems ? gw.conf->n_modems : 1, sizeof(*gw.slots));
	if (!gw.slots)
		goto out;
	for (size_t i = 0; i < gw.conf->n_modems; i++) {
		if (!gw.conf->modems[i].enabled)
			continue;
		struct modem *m = modem_new(gw.base, &gw.conf->modems[i], gw.worker_path,
					    &gw_modem_ops, &gw);
		if (!m)
			goto out;
		gw.slots[gw.n_slots++].modem = m;
	}
	if ((rc = gw_inbound_init(&gw)) < 0) {
		LOG(LOG_ERROR, "main", "keyword rules: %s", strerror(-rc));
		goto out;
	}
	if (gw_dispatch_init(&gw) < 0)
		goto out;
	if (gw.conf->ussd && !(gw.ussd = ussd_menu_new(gw.conf->ussd)))
		goto out;
	gw.daily_ev = evtimer_new(gw.base, gw_minute_cb, &gw);
	if (!gw.daily_ev)
		goto out;
	if (gw_api_start(&gw, err, sizeof(err)) < 0) {
		LOG(LOG_ERROR, "main", "%s", err);
		goto out;
	}
	gw.drain_ev = evtimer_new(gw.base, gw_drain_timeout_cb, &gw);
	int signums[3] = { SIGTERM, SIGINT, SIGHUP };
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(gw.base, signums[i], gw_signal_cb, &gw);
		if (!sigs[i] || event_add(sigs[i], NULL) < 0)
			goto out;
	}
	for (size_t i = 0; i < gw.n_slots; i++) {
		rc = modem_start(gw.slots[i].modem);
		if (rc < 0)
			LOG(LOG_ERROR, "main", "modem %s: cannot start its worker: %s",
			    modem_name(gw.slots[i].modem), strerror(-rc));
	}
	LOG(LOG_INFO, "main", "loagw started: %zu modem(s), store %s", gw.n_slots,
	    gw.conf->store_path);
	gw_dispatch_kick(&gw);
	gw_inbound_schedule(&gw);
	event_active(gw.daily_ev, EV_TIMEOUT, 0);
	event_base_dispatch(gw.base);

	LOG(LOG_INFO, "main", "stopping modems");
	/* all at once: a hung modem costs the grace period once, not once per modem */
	for (size_t i = 0; i < gw.n_slots; i++)
		modem_stop_begin(gw.slots[i].modem);
	int64_t grace_end = util_mono_ms() + 5000;
	for (size_t i = 0; i < gw.n_slots; i++)
		modem_stop_finish(gw.slots[i].modem, grace_end);
	status = 0;
	LOG(LOG_INFO, "main", "loagw stopped");
out:
	for (int i = 0; i < 3; i++)
		if (sigs[i])
			event_free(sigs[i]);
	gw_free(&gw);
	return status;
}
