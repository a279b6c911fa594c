/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_watch — `loactl campaign watch ID [--interval S]`: ask for the campaign every S seconds
 * and show its progress until it is done or cancelled, or until Ctrl-C.
 *
 * On a terminal the line is redrawn in place:
 *   campaign 7 active  [###########.........] 38/50 done (76%)  3.1/s  about 20 s left
 * Piped into a file, a line is printed only when the status or the counts change, so a log of a
 * long campaign stays short. With --json each change prints the server's answer on one line.
 *
 * Exit status: 0 when the campaign ended (done or cancelled; a recurring template has nothing to
 * watch and ends at once), 130 on Ctrl-C, otherwise that of the failed request (1, 3, 4).
 *
 * Thread: loactl's only thread; SIGINT only sets a flag.
 */
#include "gateway/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

#define CTL_WATCH_EXIT_INTERRUPTED 130

enum { OPT_INTERVAL = CTL_OPT_LOCAL };

static const char ctl_watch_usage[] =
	"usage: loactl campaign watch ID [--interval S]\n"
	"\n"
	"Show the campaign's progress until it is done or cancelled (exit 0) or Ctrl-C (exit 130).\n"
	"On a terminal the line is redrawn in place; otherwise a line is printed per change.\n"
	"\n"
	"  --interval S   ask every S seconds (default 2, from 0.1)\n";

static volatile sig_atomic_t ctl_watch_stop;

static void
ctl_watch_on_sigint(int sig)
{
	(void)sig;
	ctl_watch_stop = 1;
}

/* Sleep ms milliseconds unless Ctrl-C comes first. */
static void
ctl_watch_sleep(int64_t ms)
{
	int64_t until = util_mono_ms() + ms;

	while (!ctl_watch_stop) {
		int64_t left = until - util_mono_ms();
		struct timespec ts;

		if (left <= 0)
			return;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000L;
		nanosleep(&ts, NULL); /* EINTR: the loop looks at the flag */
	}
}

/* One line about the campaign; `rate` in messages a second (< 0: not known yet). */
static void
ctl_watch_line(char *buf, size_t size, uint64_t id, const json_t *c, double rate)
{
	const char *status = json_string_value(json_object_get(c, "status"));
	long long left = ctl_show_int(c, "estimated_seconds_left");
	char bar[96], dur[32];
	int n;

	ctl_progress_format(bar, sizeof(bar), ctl_show_int(c, "done"), ctl_show_int(c, "total"));
	n = snprintf(buf, size, "campaign %" PRIu64 " %s  %s", id, status ? status : "?", bar);
	if (n < 0 || (size_t)n >= size)
		return;
	if (rate >= 0)
		n += snprintf(buf + n, size - (size_t)n, "  %.1f/s", rate);
	if (left > 0 && (size_t)n < size) {
		ctl_show_duration(dur, sizeof(dur), left);
		snprintf(buf + n, size - (size_t)n, "  about %s left", dur);
	}
}

/* "sent 38, delivered 0, failed 2, ..." after the end: the states with a count. */
static void
ctl_watch_summary(FILE *out, uint64_t id, const json_t *c)
{
	const json_t *counts = json_object_get(c, "counts"), *v;
	const char *status = json_string_value(json_object_get(c, "status")), *key;
	bool first = true;

	fprintf(out, "campaign %" PRIu64 " %s:", id, status ? status : "?");
	json_object_foreach((json_t *)counts, key, v) {
		if (!json_is_integer(v) || json_integer_value(v) == 0)
			continue;
		fprintf(out, "%s %s %" JSON_INTEGER_FORMAT, first ? "" : ",", key,
			json_integer_value(v));
		first = false;
	}
	fputs(first ? " nothing to send\n" : "\n", out);
}

/* True once the campaign will not change any more (or never sends by itself). */
static bool
ctl_watch_finished(const json_t *c)
{
	const char *status = json_string_value(json_object_get(c, "status"));

	return status && (!strcmp(status, "done") || !strcmp(status, "cancelled") ||
			  !strcmp(status, "recurring"));
}

/* Poll until the end; returns the exit code. */
static int
ctl_watch_loop(struct ctl_cli *L, uint64_t id, int64_t interval_ms)
{
	struct ctl_progress prog;
	char path[64], line[512], key[128] = "", newkey[128];
	long long done0 = -1;
	int64_t t0 = 0;
	bool tty = !L->json && isatty(STDOUT_FILENO);
	int rc;

	ctl_progress_init(&prog, stdout, tty);
	snprintf(path, sizeof(path), "/v1/campaigns/%" PRIu64, id);
	for (;;) {
		json_t *c = NULL;
		const char *status;
		double rate = -1;
		long long done;
		int64_t now;

		rc = ctl_api_call(&L->http, false, "GET", path, NULL, NULL, &c);
		if (ctl_watch_stop) {
			json_decref(c);
			rc = CTL_WATCH_EXIT_INTERRUPTED;
			break;
		}
		if (rc) {
			ctl_progress_end(&prog);
			return rc;
		}
		now = util_mono_ms();
		done = ctl_show_int(c, "done");
		if (done0 < 0) {
			done0 = done;
			t0 = now;
		} else if (now > t0 && done > done0) {
			rate = (double)(done - done0) * 1000.0 / (double)(now - t0);
		}
		status = json_string_value(json_object_get(c, "status"));
		snprintf(newkey, sizeof(newkey), "%s %lld %lld", status ? status : "?", done,
			 ctl_show_int(c, "total"));
		if (L->json) {
			if (strcmp(newkey, key)) {
				char *s = json_dumps(c, JSON_COMPACT);

				if (s)
					printf("%s\n", s);
				fflush(stdout);
				free(s);
			}
		} else if (tty || strcmp(newkey, key)) {
			ctl_watch_line(line, sizeof(line), id, c, rate);
			ctl_progress_show(&prog, line, true);
		}
		snprintf(key, sizeof(key), "%s", newkey);
		if (ctl_watch_finished(c)) {
			ctl_progress_end(&prog);
			if (!L->json) {
				if (status && !strcmp(status, "recurring"))
					printf("campaign %" PRIu64 " is a recurring template: each run "
					       "is a campaign of its own (loactl campaign list)\n", id);
				else
					ctl_watch_summary(stdout, id, c);
			}
			json_decref(c);
			return CTL_EXIT_OK;
		}
		json_decref(c);
		ctl_watch_sleep(interval_ms);
		if (ctl_watch_stop) {
			rc = CTL_WATCH_EXIT_INTERRUPTED;
			break;
		}
	}
	ctl_progress_end(&prog);
	fprintf(stderr, "loactl: stopped watching campaign %" PRIu64 " (it goes on)\n", id);
	return rc;
}

int
ctl_watch_cmd(struct ctl_cli *L, int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_CLI_GLOBAL_OPTIONS,
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = ctl_watch_on_sigint }, old;
	double interval = 2.0;
	uint64_t id;
	char *end;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(ctl_watch_usage, stdout);
			return CTL_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return ctl_cli_getopt_error(c, argv, ctl_watch_usage);
		if (c == OPT_INTERVAL) {
			errno = 0;
			interval = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(interval >= 0.1 && interval <= 3600)) {
				ctl_cli_usage_error(ctl_watch_usage,
						    "--interval takes seconds from 0.1 to 3600");
				return CTL_EXIT_USAGE;
			}
			continue;
		}
		ctl_cli_global_option(L, c, optarg);
	}
	if (argc - optind != 1) {
		ctl_cli_usage_error(ctl_watch_usage, "give one campaign id");
		return CTL_EXIT_USAGE;
	}
	if (!ctl_cli_parse_u64(argv[optind], INT64_MAX, &id) || id == 0) {
		ctl_cli_usage_error(ctl_watch_usage, "'%s' is not a campaign id", argv[optind]);
		return CTL_EXIT_USAGE;
	}
	rc = ctl_cli_setup(L);
	if (rc)
		return rc;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: Ctrl-C cuts the sleep short */
	sigaction(SIGINT, &sa, &old);
	rc = ctl_watch_loop(L, id, (int64_t)(interval * 1000.0));
	sigaction(SIGINT, &old, NULL);
	return rc;
}
