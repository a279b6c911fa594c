/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_reports — the citizens' reports of false information:
 *   loactl reports [filters] [--after ID] [--limit N]      a table, oldest first
 *   loactl reports [filters] --export csv|json [--output FILE]
 *   loactl report show TICKET|ID
 *   loactl report update TICKET|ID --status S [--note TEXT] [--notify]
 *
 * An export walks the pages of GET /v1/reports?format=... itself (10,000 reports a request), so
 * any number of reports comes out as one CSV file (one header) or one JSON document. With
 * --output the file appears only once complete (written next to it, then renamed): a failed
 * export never leaves half a file that looks whole.
 *
 * Numbers are masked by loagw unless an admin asks with --numbers (audited server-side).
 *
 * Thread: loactl's only thread.
 */
#define _GNU_SOURCE /* asprintf */
#include "gateway/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CTL_REPORTS_PAGE 10000	/* reports per export request */

enum {
	OPT_AFTER = CTL_OPT_LOCAL, OPT_LIMIT, OPT_STATUS, OPT_CATEGORY, OPT_SINCE, OPT_UNTIL,
	OPT_EXPORT, OPT_OUTPUT, OPT_NUMBERS, OPT_NOTE, OPT_NOTIFY,
};

static const char ctl_reports_usage[] =
	"usage: loactl reports [--status S] [--category C] [--since WHEN] [--until WHEN]\n"
	"                      [--numbers] [--after ID] [--limit N]\n"
	"                      [--export csv|json [--output FILE]]\n"
	"\n"
	"  --status S      new, reviewing or resolved\n"
	"  --category C    only this category (as the USSD menu files them)\n"
	"  --since WHEN    received at or after (epoch seconds, +HOURSh, \"YYYY-MM-DD HH:MM\")\n"
	"  --until WHEN    received before\n"
	"  --numbers       show senders' full numbers (admin token; recorded in the audit log)\n"
	"  --after ID      only reports after this id (default 0: from the first)\n"
	"  --limit N       at most N reports (server default 100, at most 1000; with --export:\n"
	"                  no limit unless given)\n"
	"  --export F      write every matching report as CSV (columns id, ticket, created_at,\n"
	"                  pseudonym, [number,] category, status, text, note) or as JSON\n"
	"  --output FILE   write the export to FILE instead of standard output\n";

static const char ctl_report_usage[] =
	"usage: loactl report show TICKET|ID\n"
	"       loactl report update TICKET|ID --status S [--note TEXT] [--notify]\n"
	"\n"
	"  --status S   reviewing or resolved (new -> reviewing -> resolved; resolved ->\n"
	"               reviewing reopens)\n"
	"  --note TEXT  a note for colleagues (replaces the previous one)\n"
	"  --notify     send the citizen an SMS when the report becomes resolved\n";

/* What `reports` was told. */
struct ctl_reports_args {
	const char *status, *category, *export, *output;
	int64_t since, until;
	uint64_t after, limit;
	bool has_since, has_until, has_after, has_limit, numbers;
};

static bool
ctl_reports_status_ok(const char *s)
{
	return !strcmp(s, "new") || !strcmp(s, "reviewing") || !strcmp(s, "resolved");
}

/* The query for one request. */
static void
ctl_reports_query(struct ctl_query *q, const struct ctl_reports_args *a, const char *format,
		  uint64_t after, bool has_after, uint64_t limit, bool has_limit)
{
	ctl_query_init(q, "/v1/reports");
	ctl_query_add(q, "status", a->status);
	ctl_query_add(q, "category", a->category);
	if (a->has_since)
		ctl_query_add_int(q, "since", a->since);
	if (a->has_until)
		ctl_query_add_int(q, "until", a->until);
	if (has_after)
		ctl_query_add_int(q, "after", (long long)after);
	if (has_limit)
		ctl_query_add_int(q, "limit", (long long)limit);
	ctl_query_add(q, "format", format);
	if (a->numbers)
		ctl_query_add(q, "numbers", "1");
}

/* One page of a CSV export into `out` (the header only for the first). 0 or an exit code. */
static int
ctl_reports_csv_page(FILE *out, const struct ctl_reply *r, bool first, size_t *n,
		     uint64_t *last)
{
	struct ctl_csv_column col;
	const char *body = r->body, *nl;
	char err[256];

	if (ctl_csv_parse_column(r->body, r->len, "id", "the export", &col, err, sizeof(err))) {
		fprintf(stderr, "loactl: the server's CSV: %s\n", err);
		return CTL_EXIT_SERVER;
	}
	*n = col.n;
	if (col.n && !ctl_cli_parse_u64(col.values[col.n - 1], INT64_MAX, last)) {
		ctl_csv_column_free(&col);
		fprintf(stderr, "loactl: the server's CSV: ids are not numbers\n");
		return CTL_EXIT_SERVER;
	}
	ctl_csv_column_free(&col);
	if (!first) { /* the header row: plain names, no quotes */
		nl = memchr(body, '\n', r->len);
		body = nl ? nl + 1 : body + r->len;
	}
	if (fwrite(body, 1, r->len - (size_t)(body - r->body), out) !=
	    r->len - (size_t)(body - r->body))
		return -EIO;
	return 0;
}

/* The whole export into `out`; *count says how many reports. 0, an exit code or -EIO. */
static int
ctl_reports_export_to(struct ctl_cli *L, const struct ctl_reports_args *a, FILE *out,
		      size_t *count)
{
	bool csv = !strcmp(a->export, "csv"), has_after = a->has_after;
	uint64_t after = a->after, want = a->has_limit ? a->limit : UINT64_MAX;
	json_t *all = json_array(), *doc;
	int rc = 0;

	*count = 0;
	if (!all)
		return ctl_cli_nomem();
	for (bool first = true;; first = false) {
		uint64_t page = want - *count < CTL_REPORTS_PAGE ? want - *count : CTL_REPORTS_PAGE;
		struct ctl_reply r;
		struct ctl_query q;
		uint64_t last = after;
		size_t n = 0;

		ctl_reports_query(&q, a, a->export, after, has_after, page, true);
		rc = ctl_api_raw(&L->http, "GET", q.buf, &r);
		if (rc)
			break;
		if (csv) {
			rc = ctl_reports_csv_page(out, &r, first, &n, &last);
		} else {
			json_t *ans = json_loadb(r.body, r.len, 0, NULL), *list, *rep;
			size_t i;

			list = json_object_get(ans, "reports");
			if (!json_is_array(list)) {
				fprintf(stderr, "loactl: the server's export is not the JSON expected\n");
				rc = CTL_EXIT_SERVER;
			}
			json_array_foreach(list, i, rep) {
				if (json_array_append(all, rep))
					rc = ctl_cli_nomem();
				last = (uint64_t)ctl_show_int(rep, "id");
			}
			n = json_array_size(list);
			json_decref(ans);
		}
		ctl_reply_free(&r);
		if (rc)
			break;
		*count += n;
		if (n < page || *count >= want || n == 0)
			break;
		after = last;
		has_after = true;
	}
	if (!rc && !csv) {
		doc = json_pack("{s:O}", "reports", all);
		if (!doc || json_dumpf(doc, out, JSON_INDENT(2)) || fputc('\n', out) == EOF)
			rc = -EIO;
		json_decref(doc);
	}
	json_decref(all);
	return rc;
}

/* --export: to stdout, or to --output FILE through FILE.part. */
static int
ctl_reports_export(struct ctl_cli *L, const struct ctl_reports_args *a)
{
	char *part = NULL;
	size_t count = 0;
	FILE *out = stdout;
	int rc;

	if (a->output) {
		if (asprintf(&part, "%s.part", a->output) < 0)
			return ctl_cli_nomem();
		out = fopen(part, "w");
		if (!out) {
			fprintf(stderr, "loactl: %s: %s\n", part, strerror(errno));
			free(part);
			return CTL_EXIT_USAGE;
		}
	}
	rc = ctl_reports_export_to(L, a, out, &count);
	if (out != stdout) {
		if (fclose(out) && !rc)
			rc = -EIO;
		if (!rc && rename(part, a->output)) {
			fprintf(stderr, "loactl: %s: %s\n", a->output, strerror(errno));
			rc = CTL_EXIT_USAGE;
		}
		if (rc)
			unlink(part);
		else
			fprintf(stderr, "loactl: %zu report%s written to %s\n", count,
				ctl_show_plural((long long)count), a->output);
	} else if (fflush(stdout) && !rc) {
		rc = -EIO;
	}
	if (rc == -EIO) {
		fprintf(stderr, "loactl: %s: write error\n", a->output ? a->output : "stdout");
		rc = CTL_EXIT_USAGE;
	}
	free(part);
	return rc;
}

/* Parse the options of `reports`; 0, an exit code, or -1 when --help was printed. */
static int
ctl_reports_options(struct ctl_cli *L, int argc, char *argv[], struct ctl_reports_args *a)
{
	static const struct option opts[] = {
		CTL_CLI_GLOBAL_OPTIONS,
		{ "after", required_argument, NULL, OPT_AFTER },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "category", required_argument, NULL, OPT_CATEGORY },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "export", required_argument, NULL, OPT_EXPORT },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "numbers", no_argument, NULL, OPT_NUMBERS },
		{ NULL, 0, NULL, 0 },
	};
	int64_t now = (int64_t)time(NULL);
	const char *why = NULL;
	int c;

	optind = 0;
	while (!why && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(ctl_reports_usage, stdout);
			return -1;
		case OPT_AFTER:
			a->has_after = true;
			if (!ctl_cli_parse_u64(optarg, INT64_MAX, &a->after))
				why = "--after takes a report id";
			break;
		case OPT_LIMIT:
			a->has_limit = true;
			if (!ctl_cli_parse_u64(optarg, 1000000, &a->limit) || a->limit == 0)
				why = "--limit takes a number from 1 to 1000 (1000000 with --export)";
			break;
		case OPT_STATUS:
			a->status = optarg;
			if (!ctl_reports_status_ok(optarg))
				why = "--status is new, reviewing or resolved";
			break;
		case OPT_CATEGORY:
			a->category = optarg;
			if (!*optarg || !ctl_utf8_valid(optarg))
				why = "--category needs a category name";
			break;
		case OPT_SINCE:
			a->has_since = true;
			if (!ctl_cli_parse_time(optarg, now, &a->since))
				why = "--since takes epoch seconds or \"YYYY-MM-DD HH:MM\"";
			break;
		case OPT_UNTIL:
			a->has_until = true;
			if (!ctl_cli_parse_time(optarg, now, &a->until))
				why = "--until takes epoch seconds or \"YYYY-MM-DD HH:MM\"";
			break;
		case OPT_EXPORT:
			a->export = optarg;
			if (strcmp(optarg, "csv") && strcmp(optarg, "json"))
				why = "--export is csv or json";
			break;
		case OPT_OUTPUT: a->output = optarg; break;
		case OPT_NUMBERS: a->numbers = true; break;
		case '?':
		case ':':
			return ctl_cli_getopt_error(c, argv, ctl_reports_usage);
		default:
			ctl_cli_global_option(L, c, optarg);
		}
	}
	if (!why && optind < argc) {
		ctl_cli_usage_error(ctl_reports_usage, "unexpected argument '%s'", argv[optind]);
		return CTL_EXIT_USAGE;
	}
	if (!why && a->output && !a->export)
		why = "--output goes with --export";
	if (!why && a->output && !*a->output)
		why = "--output needs a file name";
	if (!why && a->has_limit && !a->export && a->limit > 1000)
		why = "--limit takes a number from 1 to 1000";
	if (why) {
		ctl_cli_usage_error(ctl_reports_usage, "%s", why);
		return CTL_EXIT_USAGE;
	}
	return ctl_cli_setup(L);
}

int
ctl_reports_cmd(struct ctl_cli *L, int argc, char *argv[])
{
	struct ctl_reports_args a = { 0 };
	struct ctl_query q;
	json_t *answer = NULL, *list, *next;
	int rc = ctl_reports_options(L, argc, argv, &a);

	if (rc)
		return rc < 0 ? CTL_EXIT_OK : rc;
	if (a.export)
		return ctl_reports_export(L, &a);
	ctl_reports_query(&q, &a, NULL, a.after, a.has_after, a.limit, a.has_limit);
	if (q.overflow) {
		ctl_cli_usage_error(ctl_reports_usage, "the filters are too long");
		return CTL_EXIT_USAGE;
	}
	rc = ctl_api_call(&L->http, L->json, "GET", q.buf, NULL, NULL, &answer);
	if (rc || L->json)
		goto out;
	if (ctl_show_reports(stdout, answer, CTL_CLI_WIDTH)) {
		rc = ctl_cli_nomem();
		goto out;
	}
	list = json_object_get(answer, "reports");
	next = json_object_get(answer, "next_after");
	if (json_array_size(list) > 0 && json_array_size(list) >= (a.has_limit ? a.limit : 100) &&
	    json_is_integer(next))
		fprintf(stderr, "loactl: more may follow: loactl reports --after %"
			JSON_INTEGER_FORMAT "\n", json_integer_value(next));
out:
	json_decref(answer);
	return rc;
}

/* A report in full, one field a line. */
static void
ctl_report_print(FILE *out, const json_t *rep)
{
	static const struct {
		const char *label, *key;
	} fields[] = {
		{ "status:    ", "status" },	{ "category:  ", "category" },
		{ "from:      ", "sender" },	{ "pseudonym: ", "pseudonym" },
		{ "source:    ", "source" },	{ "by:        ", "updated_by" },
		{ "note:      ", "note" },	{ "text:      ", "text" },
	};
	char buf[64], num[24], *clean;

	clean = ctl_text_clean(ctl_show_cell(rep, "ticket", buf, sizeof(buf)));
	fprintf(out, "report %s (id %s)\n", clean ? clean : "?",
		ctl_show_num(rep, "id", num, sizeof(num)));
	free(clean);
	fprintf(out, "received:  %s\n",
		ctl_show_time(json_object_get(rep, "created_at"), buf, sizeof(buf)));
	fprintf(out, "updated:   %s\n",
		ctl_show_time(json_object_get(rep, "updated_at"), buf, sizeof(buf)));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		clean = ctl_text_clean(ctl_show_cell(rep, fields[i].key, buf, sizeof(buf)));
		fprintf(out, "%s%s\n", fields[i].label, clean ? clean : "?");
		free(clean);
	}
}

/* loactl report show|update KEY ... */
int
ctl_report_cmd(struct ctl_cli *L, int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_CLI_GLOBAL_OPTIONS,
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "note", required_argument, NULL, OPT_NOTE },
		{ "notify", no_argument, NULL, OPT_NOTIFY },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub = argc > 1 ? argv[1] : "", *key = NULL, *status = NULL, *note = NULL;
	bool update = !strcmp(sub, "update"), notify = false;
	json_t *answer = NULL, *req = NULL;
	char path[64], *body = NULL;
	int c, rc;

	if (ctl_cli_is_help(sub)) {
		fputs(ctl_report_usage, stdout);
		return CTL_EXIT_OK;
	}
	if (!update && strcmp(sub, "show")) {
		ctl_cli_usage_error(ctl_report_usage, "expected 'show' or 'update'");
		return CTL_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 0;
	while (optind < argc) {
		c = getopt_long(argc, argv, "-:h", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 1:
			if (key) {
				ctl_cli_usage_error(ctl_report_usage, "unexpected argument '%s'",
						    optarg);
				return CTL_EXIT_USAGE;
			}
			key = optarg;
			break;
		case 'h':
			fputs(ctl_report_usage, stdout);
			return CTL_EXIT_OK;
		case OPT_STATUS: status = optarg; break;
		case OPT_NOTE: note = optarg; break;
		case OPT_NOTIFY: notify = true; break;
		case '?':
		case ':':
			return ctl_cli_getopt_error(c, argv, ctl_report_usage);
		default:
			ctl_cli_global_option(L, c, optarg);
		}
	}
	if (!key) {
		ctl_cli_usage_error(ctl_report_usage, "give a ticket or an id");
		return CTL_EXIT_USAGE;
	}
	if (!ctl_cli_is_key(key)) {
		ctl_cli_usage_error(ctl_report_usage, "'%s' is not a ticket or an id", key);
		return CTL_EXIT_USAGE;
	}
	if (!update && (status || note || notify)) {
		ctl_cli_usage_error(ctl_report_usage, "--status, --note and --notify go with update");
		return CTL_EXIT_USAGE;
	}
	if (update && (!status || !ctl_reports_status_ok(status))) {
		ctl_cli_usage_error(ctl_report_usage, "update needs --status new, reviewing or "
				    "resolved");
		return CTL_EXIT_USAGE;
	}
	if (note && !ctl_utf8_valid(note)) {
		ctl_cli_usage_error(ctl_report_usage, "--note is not UTF-8 text");
		return CTL_EXIT_USAGE;
	}
	rc = ctl_cli_setup(L);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/v1/reports/%s", key);
	if (update) {
		req = json_pack("{s:s}", "status", status);
		if (!req || (note && json_object_set_new(req, "note", json_string(note))) ||
		    (notify && json_object_set_new(req, "notify", json_true())) ||
		    !(body = json_dumps(req, JSON_COMPACT))) {
			json_decref(req);
			return ctl_cli_nomem();
		}
	}
	rc = ctl_api_call(&L->http, L->json, update ? "POST" : "GET", path, body, NULL, &answer);
	if (rc == CTL_EXIT_OK && !L->json)
		ctl_report_print(stdout, answer);
	json_decref(answer);
	json_decref(req);
	free(body);
	return rc;
}
