/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_show — how loactl prints the server's answers for a person: one line for a new campaign,
 * settings plus a table of counts and a progress line for a campaign, tables for modems and
 * reports, and pretty JSON for --json.
 *
 * Answers come from a daemon that may be older or newer than loactl: a member that is missing
 * or of another type prints as "-" or "?", never crashes, and states or counts loactl does not
 * know are still shown. Text from the server goes through ctl_text_clean() before it reaches the
 * terminal (ctl_table_add() does it for cells).
 *
 * Times are local ("YYYY-MM-DD HH:MM", from TZ); the caller runs tzset() once.
 *
 * Thread: loactl's only thread.
 */
#include "gateway/ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void
ctl_show_json(FILE *out, const json_t *root)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_ENCODE_ANY);

	if (s) {
		fputs(s, out);
		fputc('\n', out);
		free(s);
	}
}

const char *
ctl_show_cell(const json_t *obj, const char *key, char *buf, size_t size)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		return *json_string_value(v) ? json_string_value(v) : "-";
	if (json_is_integer(v)) {
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, size, "%g", json_real_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	return "-";
}

long long
ctl_show_int(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

const char *
ctl_show_num(const json_t *obj, const char *key, char *buf, size_t size)
{
	long long v = ctl_show_int(obj, key);

	if (v < 0)
		return "?";
	snprintf(buf, size, "%lld", v);
	return buf;
}

const char *
ctl_show_plural(long long n)
{
	return n == 1 ? "" : "s";
}

const char *
ctl_show_time(const json_t *v, char *buf, size_t size)
{
	struct tm tm;
	time_t t;

	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return "-";
	t = (time_t)json_integer_value(v);
	if (!localtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M", &tm))
		return "?";
	return buf;
}

/* The lines about when a new campaign runs, from what loagw said when it stored it. */
static void
ctl_show_schedule(FILE *out, const json_t *a)
{
	const char *status = json_string_value(json_object_get(a, "status"));
	long long eta = ctl_show_int(a, "estimated_seconds");
	char when[32], dur[32];

	if (status && !strcmp(status, "recurring"))
		fprintf(out, "recurring: next run %s\n",
			ctl_show_time(json_object_get(a, "next_run_at"), when, sizeof(when)));
	else if (status && !strcmp(status, "scheduled"))
		fprintf(out, "scheduled: starts %s\n",
			ctl_show_time(json_object_get(a, "start_at"), when, sizeof(when)));
	if (eta >= 0) {
		ctl_show_duration(dur, sizeof(dur), eta);
		fprintf(out, "estimated sending time: %s\n", dur);
	}
}

void
ctl_show_created(FILE *out, const json_t *a)
{
	char id[24], rcpt[24], supp[24], dup[24], seg[24], total[24];
	const char *enc = json_string_value(json_object_get(a, "encoding"));

	fprintf(out, "campaign %s created: %s recipient%s (%s opted out, %s duplicate%s), "
		"%s segment%s each (%s), %s SMS in all\n",
		ctl_show_num(a, "id", id, sizeof(id)),
		ctl_show_num(a, "recipients", rcpt, sizeof(rcpt)),
		ctl_show_plural(ctl_show_int(a, "recipients")),
		ctl_show_num(a, "suppressed", supp, sizeof(supp)),
		ctl_show_num(a, "duplicates", dup, sizeof(dup)),
		ctl_show_plural(ctl_show_int(a, "duplicates")),
		ctl_show_num(a, "segments", seg, sizeof(seg)),
		ctl_show_plural(ctl_show_int(a, "segments")), enc ? enc : "?",
		ctl_show_num(a, "total_segments", total, sizeof(total)));
	ctl_show_schedule(out, a);
}

/* Message states in the order they are shown; the first two are not done yet. */
static const char *const ctl_show_states[] = { "queued", "sending", "sent", "delivered",
					       "failed", "expired", "cancelled", "suppressed" };
#define CTL_SHOW_NSTATES (sizeof(ctl_show_states) / sizeof(ctl_show_states[0]))
#define CTL_SHOW_PENDING 2

/* Print "[#####.....] 38/50 done (76%)". */
static void
ctl_show_progress(FILE *out, long long done, long long total)
{
	char line[96];

	ctl_progress_format(line, sizeof(line), done, total);
	fprintf(out, "%s\n", line);
}

void
ctl_show_duration(char *buf, size_t size, long long s)
{
	if (s < 0)
		snprintf(buf, size, "?");
	else if (s < 60)
		snprintf(buf, size, "%lld s", s);
	else if (s < 3600)
		snprintf(buf, size, "%lld min %lld s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%lld h %lld min", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, "%lld d %lld h", s / 86400, s % 86400 / 3600);
}

/* "label value" when the member is a non-empty string (cleaned for the terminal). */
static void
ctl_show_optional(FILE *out, const char *label, const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));
	char *clean;

	if (!v || !*v)
		return;
	clean = ctl_text_clean(v);
	fprintf(out, "%s%s\n", label, clean ? clean : "?");
	free(clean);
}

void
ctl_show_campaign(FILE *out, const json_t *a)
{
	static const char *const headers[] = { "STATE", "COUNT" };
	const json_t *counts = json_object_get(a, "counts"), *v;
	long long done = 0, seg = ctl_show_int(a, "segments");
	const char *enc = json_string_value(json_object_get(a, "encoding"));
	const char *prio = json_string_value(json_object_get(a, "priority"));
	const char *text = json_string_value(json_object_get(a, "text"));
	struct ctl_table *t;
	char buf[64], num[24], *clean;
	const char *key;

	fprintf(out, "campaign %s (%s priority, %s, %s segment%s each)\n",
		ctl_show_num(a, "id", num, sizeof(num)), prio ? prio : "?", enc ? enc : "?",
		ctl_show_num(a, "segments", buf, sizeof(buf)), ctl_show_plural(seg));
	fprintf(out, "created:   %s\n",
		ctl_show_time(json_object_get(a, "created_at"), buf, sizeof(buf)));
	fprintf(out, "start at:  %s\n",
		ctl_show_time(json_object_get(a, "start_at"), buf, sizeof(buf)));
	fprintf(out, "end by:    %s\n",
		ctl_show_time(json_object_get(a, "end_by"), buf, sizeof(buf)));
	ctl_show_optional(out, "status:    ", a, "status");
	ctl_show_optional(out, "name:      ", a, "name");
	ctl_show_optional(out, "group:     ", a, "group");
	ctl_show_optional(out, "repeats:   ", a, "recurrence");
	if (ctl_show_int(a, "next_run_at") > 0)
		fprintf(out, "next run:  %s\n",
			ctl_show_time(json_object_get(a, "next_run_at"), buf, sizeof(buf)));
	if (ctl_show_int(a, "parent_id") > 0)
		fprintf(out, "run of:    campaign %lld\n", ctl_show_int(a, "parent_id"));
	if (ctl_show_int(a, "poll_closes_at") > 0)
		fprintf(out, "poll until: %s\n",
			ctl_show_time(json_object_get(a, "poll_closes_at"), buf, sizeof(buf)));
	clean = ctl_text_clean(text ? text : "");
	fprintf(out, "text:      %s\n\n", clean ? clean : "");
	free(clean);

	t = ctl_table_new(2, headers);
	if (!t)
		return;
	ctl_table_align_right(t, 1);
	for (size_t i = 0; i < CTL_SHOW_NSTATES; i++) {
		const char *state = ctl_show_states[i];
		const char *row[2] = { state, ctl_show_cell(counts, state, num, sizeof(num)) };

		ctl_table_add(t, row);
		if (i >= CTL_SHOW_PENDING && ctl_show_int(counts, ctl_show_states[i]) > 0)
			done += ctl_show_int(counts, ctl_show_states[i]);
	}
	/* states this loactl does not know: shown, not counted as done */
	json_object_foreach((json_t *)counts, key, v) {
		const char *row[2] = { key, ctl_show_cell(counts, key, num, sizeof(num)) };
		bool known = false;

		for (size_t i = 0; i < CTL_SHOW_NSTATES; i++)
			known = known || strcmp(key, ctl_show_states[i]) == 0;
		if (!known)
			ctl_table_add(t, row);
	}
	ctl_table_print(t, out, 0);
	ctl_table_free(t);
	fputc('\n', out);
	/* loagw says how many are done itself (states added later count right there) */
	if (ctl_show_int(a, "done") >= 0)
		done = ctl_show_int(a, "done");
	ctl_show_progress(out, done, ctl_show_int(a, "total"));
	if (ctl_show_int(a, "estimated_seconds_left") > 0) {
		ctl_show_duration(buf, sizeof(buf), ctl_show_int(a, "estimated_seconds_left"));
		fprintf(out, "about %s left\n", buf);
	}
}

/* The SIGNAL cell of a modem: "-71 dBm", or "67%" when only that is known. */
static const char *
ctl_show_signal(const json_t *m, char *buf, size_t size)
{
	const json_t *v = json_object_get(m, "signal_dbm");

	if (json_is_integer(v)) {
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT " dBm", json_integer_value(v));
		return buf;
	}
	v = json_object_get(m, "signal_pct");
	if (json_is_integer(v)) {
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT "%%", json_integer_value(v));
		return buf;
	}
	return "-";
}

int
ctl_show_modems(FILE *out, const json_t *answer)
{
	static const char *const headers[] = { "NAME", "STATE", "OPERATOR", "SIGNAL", "REG",
					       "NETWORK", "SENT", "FAILED", "RECV",
					       "LAST_ERROR" };
	static const size_t right[] = { 3, 6, 7, 8 };
	struct ctl_table *t = ctl_table_new(10, headers);
	const json_t *m;
	size_t i;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < sizeof(right) / sizeof(right[0]); i++)
		ctl_table_align_right(t, right[i]);
	json_array_foreach(json_object_get(answer, "modems"), i, m) {
		char cell[9][32], *err = NULL;
		const char *network = json_string_value(json_object_get(m, "network_name"));
		const json_t *le = json_object_get(m, "last_error");
		const char *row[10];

		if (!network || !*network)
			network = json_string_value(json_object_get(m, "network_code"));
		if (le && !json_is_null(le) && !json_is_string(le))
			err = json_dumps(le, JSON_COMPACT | JSON_ENCODE_ANY);
		row[0] = ctl_show_cell(m, "name", cell[0], sizeof(cell[0]));
		row[1] = ctl_show_cell(m, "state", cell[1], sizeof(cell[1]));
		row[2] = ctl_show_cell(m, "operator", cell[2], sizeof(cell[2]));
		row[3] = ctl_show_signal(m, cell[3], sizeof(cell[3]));
		row[4] = ctl_show_cell(m, "registration", cell[4], sizeof(cell[4]));
		row[5] = network && *network ? network : "-";
		row[6] = ctl_show_cell(m, "sent", cell[5], sizeof(cell[5]));
		row[7] = ctl_show_cell(m, "failed", cell[6], sizeof(cell[6]));
		row[8] = ctl_show_cell(m, "received", cell[7], sizeof(cell[7]));
		row[9] = err ? err : ctl_show_cell(m, "last_error", cell[8], sizeof(cell[8]));
		ctl_table_add(t, row);
		free(err);
	}
	ctl_table_print(t, out, 0);
	if (!ctl_table_rows(t))
		fputs("(no modems)\n", out);
	ctl_table_free(t);
	return 0;
}

int
ctl_show_reports(FILE *out, const json_t *answer, size_t max_width)
{
	static const char *const headers[] = { "TICKET", "TIME", "SENDER", "STATUS", "TEXT" };
	struct ctl_table *t = ctl_table_new(5, headers);
	const json_t *rep;
	size_t i;

	if (!t)
		return -ENOMEM;
	json_array_foreach(json_object_get(answer, "reports"), i, rep) {
		char when[32], cell[4][32];
		const char *row[5] = {
			ctl_show_cell(rep, "ticket", cell[0], sizeof(cell[0])),
			ctl_show_time(json_object_get(rep, "created_at"), when, sizeof(when)),
			ctl_show_cell(rep, "sender", cell[1], sizeof(cell[1])),
			ctl_show_cell(rep, "status", cell[2], sizeof(cell[2])),
			ctl_show_cell(rep, "text", cell[3], sizeof(cell[3])),
		};

		ctl_table_add(t, row);
	}
	ctl_table_print(t, out, max_width);
	if (!ctl_table_rows(t))
		fputs("(no reports)\n", out);
	ctl_table_free(t);
	return 0;
}

void
ctl_show_health(FILE *out, const json_t *answer)
{
	const char *status = json_string_value(json_object_get(answer, "status"));
	char ready[24], all[24];

	fprintf(out, "%s: %s of %s modems ready\n", status ? status : "?",
		ctl_show_num(answer, "modems_ready", ready, sizeof(ready)),
		ctl_show_num(answer, "modems", all, sizeof(all)));
}
