/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_campaign — `loactl campaign ...`: create (or --preview) a campaign, list, show, pause,
 * resume, cancel, and the tally of its poll. `campaign watch` lives in ctl_watch.c.
 *
 * `campaign create --csv` reads numbers from a spreadsheet export and keeps each number's row,
 * so that a refusal naming recipients[i] comes back as "contacts.csv:row 484: ...", the row the
 * official has to fix. Rows without a number are reported before anything is sent. A campaign
 * may also (or only) go to a group of contacts (--group "commune=son-nam" or a saved group's
 * name); --preview asks loagw what would be sent without storing anything.
 *
 * Options are checked here as far as loactl can (a usage error, exit 2, sends nothing); what
 * needs the server's knowledge (numbers, groups, opt-outs) is left to it (exit 1 on refusal).
 *
 * Thread: loactl's only thread.
 */
#include "gateway/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define CTL_CAMPAIGN_MAX_TEXT		(1u << 20)
#define CTL_CAMPAIGN_MAX_ROW_ERRORS	10	/* row errors printed before "N more" */
#define CTL_CAMPAIGN_MAX_ANSWERS	10

enum {
	OPT_TEXT = CTL_OPT_LOCAL, OPT_TO, OPT_CSV, OPT_COLUMN, OPT_PRIORITY, OPT_START_AT,
	OPT_END_BY, OPT_GROUP, OPT_NAME, OPT_RECURRENCE, OPT_TRANSLITERATE, OPT_POLL,
	OPT_POLL_CLOSES, OPT_PREVIEW, OPT_LIMIT,
};

static const char ctl_campaign_usage[] =
	"usage: loactl campaign create ...        (loactl campaign create --help)\n"
	"       loactl campaign list [--limit N]  the latest campaigns, newest first\n"
	"       loactl campaign show ID           counts per state and progress\n"
	"       loactl campaign pause|resume|cancel ID\n"
	"       loactl campaign poll ID           the tally of the campaign's poll\n"
	"       loactl campaign watch ID [--interval S]   live progress until it ends\n";

static const char ctl_campaign_usage_create[] =
	"usage: loactl campaign create --text TEXT\n"
	"           (--to NUMBER ... | --csv FILE [--column NAME] | --group QUERY | both)\n"
	"           [--name NAME] [--priority alert|normal|bulk] [--start-at WHEN]\n"
	"           [--end-by WHEN] [--recurrence RULE] [--transliterate]\n"
	"           [--poll ANSWER,ANSWER... --poll-closes WHEN] [--preview]\n"
	"\n"
	"  --text TEXT       the message (UTF-8); '-' reads it from standard input\n"
	"  --to NUMBER       a recipient; repeat for more\n"
	"  --csv FILE        recipients from a CSV file (UTF-8, comma separated, header row)\n"
	"  --column NAME     the header of the numbers' column (default \"number\")\n"
	"  --group QUERY     contacts whose tags match: \"commune=son-nam,role=y-te\", \"*\" for\n"
	"                    every contact, or the name of a saved group (loactl groups)\n"
	"  --name NAME       a name to find the campaign by\n"
	"  --priority P      alert (also in quiet hours), normal (default) or bulk\n"
	"  --start-at WHEN   do not send before then\n"
	"  --end-by WHEN     give up on what is not sent by then\n"
	"  --recurrence RULE \"daily HH:MM\" or \"weekly D HH:MM\" (D: 1 Monday ... 7 Sunday):\n"
	"                    a template that starts one run each time\n"
	"  --transliterate   drop Vietnamese diacritics first (160 characters a part, not 70)\n"
	"  --poll A,B,...    replies whose first word is one of these answers are votes\n"
	"  --poll-closes WHEN  the end of the vote (needed with --poll)\n"
	"  --preview         show recipients after opt-outs and duplicates, parts, operators\n"
	"                    and the time it would take; nothing is stored or sent\n"
	"\n"
	"WHEN is epoch seconds, +HOURSh / +DAYSd / +MINUTESm from now, or a local time\n"
	"\"YYYY-MM-DD HH:MM\".\n";

static const char ctl_campaign_usage_list[] =
	"usage: loactl campaign list [--limit N]\n"
	"\n"
	"  --limit N   the N newest campaigns (default 20, at most 500)\n";
static const char ctl_campaign_usage_show[] = "usage: loactl campaign show ID\n";
static const char ctl_campaign_usage_control[] =
	"usage: loactl campaign pause|resume|cancel ID\n"
	"\n"
	"  pause    stop handing the campaign's messages to modems (those being sent finish)\n"
	"  resume   carry on after a pause\n"
	"  cancel   drop what is not sent yet; this cannot be undone\n";
static const char ctl_campaign_usage_poll[] = "usage: loactl campaign poll ID\n";

/* Read all of standard input as the message text, without its final line break(s). */
static char *
ctl_campaign_read_stdin(void)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, stdin);

		len += n;
		if (n == 0)
			break;
		if (cap - len - 1 == 0) {
			char *p = cap >= CTL_CAMPAIGN_MAX_TEXT ? NULL : realloc(buf, cap * 2);

			if (!p) {
				free(buf);
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
	}
	if (!buf || ferror(stdin)) {
		free(buf);
		return NULL;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	return buf;
}

/*
 * The request body with a CSV's numbers: the rest of the request encoded by jansson, then the
 * numbers appended to the same buffer one by one (ctl_buf), so a million rows never become a
 * million JSON values (about 90 bytes each). NULL without memory.
 */
static char *
ctl_campaign_body_csv(const json_t *req, const struct ctl_csv_column *col)
{
	char *head = json_dumps(req, JSON_COMPACT);
	struct ctl_buf b = { 0 };
	size_t hl = head ? strlen(head) : 0;
	int rc = head ? 0 : -ENOMEM;

	/* "{...}" reopened to add "recipients" */
	if (rc == 0)
		rc = ctl_buf_put(&b, head, hl - 1);
	if (rc == 0)
		rc = ctl_buf_puts(&b, hl > 2 ? ",\"recipients\":[" : "\"recipients\":[");
	for (size_t i = 0; i < col->n && rc == 0; i++) { /* UTF-8 checked by the caller */
		if (i)
			rc = ctl_buf_puts(&b, ",");
		if (rc == 0)
			rc = ctl_buf_put_json(&b, col->values[i]);
	}
	if (rc == 0)
		rc = ctl_buf_puts(&b, "]}");
	free(head);
	if (rc) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* Check the CSV's numbers before sending: empty or non-UTF-8 cells. 0 or CTL_EXIT_USAGE. */
static int
ctl_campaign_check_rows(const char *path, const struct ctl_csv_column *col)
{
	size_t bad = 0;

	for (size_t i = 0; i < col->n; i++) {
		const char *why = NULL;

		if (!*col->values[i])
			why = "empty number";
		else if (!ctl_utf8_valid(col->values[i]))
			why = "not UTF-8 text (save the file as \"CSV UTF-8\")";
		if (!why)
			continue;
		if (bad++ < CTL_CAMPAIGN_MAX_ROW_ERRORS)
			fprintf(stderr, "loactl: %s:row %lu: %s\n", path, col->rows[i], why);
	}
	if (bad > CTL_CAMPAIGN_MAX_ROW_ERRORS)
		fprintf(stderr, "loactl: %s: %zu more rows with errors\n", path,
			bad - CTL_CAMPAIGN_MAX_ROW_ERRORS);
	if (bad) {
		fprintf(stderr, "loactl: %s: %zu bad row%s; nothing was sent\n", path, bad,
			bad == 1 ? "" : "s");
		return CTL_EXIT_USAGE;
	}
	if (col->n == 0) {
		fprintf(stderr, "loactl: %s: no numbers below the header row\n", path);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

/* "daily HH:MM" or "weekly D HH:MM", as loagw reads it. */
static bool
ctl_campaign_recurrence_ok(const char *rule)
{
	int d = 1, h, m, n = 0;

	if (sscanf(rule, "daily %2d:%2d%n", &h, &m, &n) == 2 && rule[n] == '\0')
		;
	else if (sscanf(rule, "weekly %1d %2d:%2d%n", &d, &h, &m, &n) == 3 && rule[n] == '\0')
		;
	else
		return false;
	return d >= 1 && d <= 7 && h >= 0 && h <= 23 && m >= 0 && m <= 59;
}

/*
 * "CO, KHONG" -> ["CO", "KHONG"]: 2 to 10 single words, no repeats (ignoring case). NULL with
 * a usage error printed.
 */
static json_t *
ctl_campaign_poll_answers(const char *spec)
{
	json_t *arr = json_array();
	char *copy = strdup(spec), *save = NULL, *tok;

	if (!arr || !copy)
		goto fail;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *e = tok + strlen(tok);
		size_t i;
		json_t *v;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		while (e > tok && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*tok || strpbrk(tok, " \t") || !ctl_utf8_valid(tok)) {
			ctl_cli_usage_error(ctl_campaign_usage_create,
					    "--poll: '%s' is not one word", tok);
			goto fail;
		}
		json_array_foreach(arr, i, v) {
			if (!strcasecmp(json_string_value(v), tok)) {
				ctl_cli_usage_error(ctl_campaign_usage_create,
						    "--poll: '%s' is given twice", tok);
				goto fail;
			}
		}
		if (json_array_append_new(arr, json_string(tok)))
			goto fail;
	}
	if (json_array_size(arr) < 2 || json_array_size(arr) > CTL_CAMPAIGN_MAX_ANSWERS) {
		ctl_cli_usage_error(ctl_campaign_usage_create,
				    "--poll takes 2 to %d answers separated by ','",
				    CTL_CAMPAIGN_MAX_ANSWERS);
		goto fail;
	}
	free(copy);
	return arr;
fail:
	free(copy);
	json_decref(arr);
	return NULL;
}

/* What `campaign create` was told. */
struct ctl_campaign_args {
	const char *text, *csv, *column, *priority, *start_at, *end_by, *group, *name;
	const char *recurrence, *poll, *poll_closes;
	const char **to;
	size_t nto;
	bool transliterate, preview;
};

/* Check the options together. 0 or CTL_EXIT_USAGE (said why). */
static int
ctl_campaign_check_args(const struct ctl_campaign_args *a)
{
	const char *why = NULL;

	if (!a->text)
		why = "--text is needed";
	else if (a->nto && a->csv)
		why = "give either --to or --csv, not both";
	else if (!a->nto && !a->csv && !a->group)
		why = "give the recipients: --to, --csv or --group";
	else if (a->column && !a->csv)
		why = "--column goes with --csv";
	else if (a->priority && strcmp(a->priority, "alert") && strcmp(a->priority, "normal") &&
		 strcmp(a->priority, "bulk"))
		why = "--priority is alert, normal or bulk";
	else if (a->group && (!*a->group || !ctl_utf8_valid(a->group)))
		why = "--group needs a query such as \"commune=son-nam\" or a group's name";
	else if (a->name && (!*a->name || !ctl_utf8_valid(a->name)))
		why = "--name needs UTF-8 text";
	else if (a->recurrence && !ctl_campaign_recurrence_ok(a->recurrence))
		why = "--recurrence is \"daily HH:MM\" or \"weekly D HH:MM\" (D: 1 Monday ... "
		      "7 Sunday)";
	else if (a->poll && !a->poll_closes)
		why = "--poll needs --poll-closes WHEN (e.g. +48h)";
	else if (a->poll_closes && !a->poll)
		why = "--poll-closes goes with --poll";
	if (why) {
		ctl_cli_usage_error(ctl_campaign_usage_create, "%s", why);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

/* Add the optional members to the request. 0, CTL_EXIT_USAGE (said why), or -ENOMEM. */
static int
ctl_campaign_add_options(const struct ctl_campaign_args *a, json_t *req)
{
	int64_t now = (int64_t)time(NULL), start = 0, end = 0, closes = 0;
	json_t *answers;

	if ((a->start_at && !ctl_cli_parse_time(a->start_at, now, &start)) ||
	    (a->end_by && !ctl_cli_parse_time(a->end_by, now, &end)) ||
	    (a->poll_closes && !ctl_cli_parse_time(a->poll_closes, now, &closes))) {
		ctl_cli_usage_error(ctl_campaign_usage_create,
				    "--start-at, --end-by and --poll-closes take epoch seconds, "
				    "+HOURSh or \"YYYY-MM-DD HH:MM\"");
		return CTL_EXIT_USAGE;
	}
	if ((a->priority && json_object_set_new(req, "priority", json_string(a->priority))) ||
	    (a->start_at && json_object_set_new(req, "start_at", json_integer(start))) ||
	    (a->end_by && json_object_set_new(req, "end_by", json_integer(end))) ||
	    (a->group && json_object_set_new(req, "group", json_string(a->group))) ||
	    (a->name && json_object_set_new(req, "name", json_string(a->name))) ||
	    (a->recurrence && json_object_set_new(req, "recurrence", json_string(a->recurrence))) ||
	    (a->transliterate && json_object_set_new(req, "transliterate", json_true())))
		return -ENOMEM;
	if (!a->poll)
		return 0;
	answers = ctl_campaign_poll_answers(a->poll);
	if (!answers)
		return CTL_EXIT_USAGE;
	if (json_object_set_new(req, "poll", json_pack("{s:o, s:I}", "answers", answers,
						       "closes_at", (json_int_t)closes)))
		return -ENOMEM;
	return 0;
}

/* "viettel 30, vinaphone 19" from the preview's by_operator. */
static void
ctl_campaign_print_operators(FILE *out, const json_t *byop)
{
	const char *key;
	json_t *v;
	bool first = true;

	json_object_foreach((json_t *)byop, key, v) {
		char *clean = ctl_text_clean(key);

		fprintf(out, "%s%s %" JSON_INTEGER_FORMAT, first ? "" : ", ", clean ? clean : "?",
			json_integer_value(v));
		free(clean);
		first = false;
	}
	fputs(first ? "-\n" : "\n", out);
}

/* What POST /v1/campaigns/preview answered, for a person. */
static void
ctl_campaign_print_preview(FILE *out, const json_t *a)
{
	const char *enc = json_string_value(json_object_get(a, "encoding"));
	const char *text = json_string_value(json_object_get(a, "text"));
	char n[6][24], dur[32], *clean;

	fprintf(out, "preview (nothing stored, nothing sent)\n");
	fprintf(out, "recipients:        %s\n", ctl_show_num(a, "recipients", n[0], sizeof(n[0])));
	fprintf(out, "opted out:         %s\n", ctl_show_num(a, "opted_out", n[1], sizeof(n[1])));
	fprintf(out, "duplicates:        %s\n", ctl_show_num(a, "duplicates", n[2], sizeof(n[2])));
	fprintf(out, "to send:           %s\n", ctl_show_num(a, "to_send", n[3], sizeof(n[3])));
	fprintf(out, "parts per message: %s (%s)\n", ctl_show_num(a, "segments", n[4],
								   sizeof(n[4])), enc ? enc : "?");
	fprintf(out, "total parts:       %s\n",
		ctl_show_num(a, "total_segments", n[5], sizeof(n[5])));
	fprintf(out, "by operator:       ");
	ctl_campaign_print_operators(out, json_object_get(a, "by_operator"));
	ctl_show_duration(dur, sizeof(dur), ctl_show_int(a, "estimated_seconds"));
	fprintf(out, "estimated time:    %s\n", dur);
	clean = ctl_text_clean(text ? text : "");
	fprintf(out, "text:              %s\n", clean ? clean : "");
	free(clean);
}

/* loactl campaign create */
static int
ctl_campaign_create(struct ctl_cli *L, int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_CLI_GLOBAL_OPTIONS,
		{ "text", required_argument, NULL, OPT_TEXT },
		{ "to", required_argument, NULL, OPT_TO },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "column", required_argument, NULL, OPT_COLUMN },
		{ "priority", required_argument, NULL, OPT_PRIORITY },
		{ "start-at", required_argument, NULL, OPT_START_AT },
		{ "end-by", required_argument, NULL, OPT_END_BY },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "recurrence", required_argument, NULL, OPT_RECURRENCE },
		{ "transliterate", no_argument, NULL, OPT_TRANSLITERATE },
		{ "poll", required_argument, NULL, OPT_POLL },
		{ "poll-closes", required_argument, NULL, OPT_POLL_CLOSES },
		{ "preview", no_argument, NULL, OPT_PREVIEW },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_campaign_args a = { 0 };
	struct ctl_csv_column col = { 0 };
	struct ctl_rowmap map = { 0 };
	json_t *req = NULL, *list = NULL, *answer = NULL;
	char *text = NULL, *body = NULL, err[1024];
	int c, rc = CTL_EXIT_USAGE;

	a.to = calloc((size_t)argc, sizeof(*a.to));
	if (!a.to)
		return ctl_cli_nomem();
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(ctl_campaign_usage_create, stdout);
			rc = CTL_EXIT_OK;
			goto out;
		case OPT_TEXT: a.text = optarg; break;
		case OPT_TO: a.to[a.nto++] = optarg; break;
		case OPT_CSV: a.csv = optarg; break;
		case OPT_COLUMN: a.column = optarg; break;
		case OPT_PRIORITY: a.priority = optarg; break;
		case OPT_START_AT: a.start_at = optarg; break;
		case OPT_END_BY: a.end_by = optarg; break;
		case OPT_GROUP: a.group = optarg; break;
		case OPT_NAME: a.name = optarg; break;
		case OPT_RECURRENCE: a.recurrence = optarg; break;
		case OPT_TRANSLITERATE: a.transliterate = true; break;
		case OPT_POLL: a.poll = optarg; break;
		case OPT_POLL_CLOSES: a.poll_closes = optarg; break;
		case OPT_PREVIEW: a.preview = true; break;
		case '?':
		case ':':
			rc = ctl_cli_getopt_error(c, argv, ctl_campaign_usage_create);
			goto out;
		default:
			ctl_cli_global_option(L, c, optarg);
		}
	}
	if (optind < argc) {
		ctl_cli_usage_error(ctl_campaign_usage_create, "unexpected argument '%s'",
				    argv[optind]);
		goto out;
	}
	rc = ctl_campaign_check_args(&a);
	if (rc)
		goto out;
	rc = CTL_EXIT_USAGE;
	text = strcmp(a.text, "-") == 0 ? ctl_campaign_read_stdin() : strdup(a.text);
	if (!text) {
		fprintf(stderr, "loactl: cannot read the text from standard input (at most %u "
				"bytes)\n", CTL_CAMPAIGN_MAX_TEXT);
		goto out;
	}
	if (!*text) {
		fprintf(stderr, "loactl: the text is empty\n");
		goto out;
	}
	if (!ctl_utf8_valid(text)) {
		fprintf(stderr, "loactl: the text is not valid UTF-8\n");
		goto out;
	}

	req = json_object();
	list = json_array();
	if (!req || !list || json_object_set_new(req, "text", json_string(text)))
		goto nomem;
	if (a.csv) {
		if (ctl_csv_read_column(a.csv, a.column ? a.column : "number", &col, err,
					sizeof(err))) {
			fprintf(stderr, "loactl: %s\n", err);
			goto out;
		}
		rc = ctl_campaign_check_rows(a.csv, &col);
		if (rc)
			goto out;
		map = (struct ctl_rowmap){ .origin = a.csv, .rows = col.rows, .n = col.n };
	} else {
		for (size_t i = 0; i < a.nto; i++) {
			if (!*a.to[i] || !ctl_utf8_valid(a.to[i])) {
				fprintf(stderr, "loactl: --to '%s': %s\n", a.to[i],
					*a.to[i] ? "not UTF-8 text" : "empty number");
				goto out;
			}
			if (json_array_append_new(list, json_string(a.to[i])))
				goto nomem;
		}
	}
	if (a.nto && json_object_set(req, "recipients", list))
		goto nomem;
	rc = ctl_campaign_add_options(&a, req);
	if (rc == -ENOMEM)
		goto nomem;
	if (rc)
		goto out;
	body = a.csv ? ctl_campaign_body_csv(req, &col) : json_dumps(req, JSON_COMPACT);
	if (!body)
		goto nomem;

	rc = ctl_cli_setup(L);
	if (rc)
		goto out;
	rc = ctl_api_call(&L->http, L->json, "POST",
			  a.preview ? "/v1/campaigns/preview" : "/v1/campaigns", body,
			  a.csv ? &map : NULL, &answer);
	if (rc == CTL_EXIT_OK && !L->json) {
		if (a.preview)
			ctl_campaign_print_preview(stdout, answer);
		else
			ctl_show_created(stdout, answer);
	}
	goto out;
nomem:
	rc = ctl_cli_nomem();
out:
	json_decref(answer);
	json_decref(req);
	json_decref(list);
	free(body);
	free(text);
	free(a.to);
	ctl_csv_column_free(&col);
	return rc;
}

/*
 * A command on one campaign: parse the argument "ID", then call `method` on
 * /v1/campaigns/ID`suffix`. Returns the exit code; *answer (owned) is set only when the call
 * was made and succeeded (after --help it stays NULL with CTL_EXIT_OK).
 */
static int
ctl_campaign_call(struct ctl_cli *L, int argc, char *argv[], const char *usage,
		  const char *method, const char *suffix, uint64_t *id, json_t **answer)
{
	char *pos[1], path[96];
	int rc = ctl_cli_simple(L, argc, argv, usage, 1, 1, pos);

	*answer = NULL;
	if (rc)
		return rc < 0 ? CTL_EXIT_OK : rc;
	if (!ctl_cli_parse_u64(pos[0], INT64_MAX, id) || *id == 0) {
		ctl_cli_usage_error(usage, "'%s' is not a campaign id", pos[0]);
		return CTL_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/campaigns/%" PRIu64 "%s", *id, suffix);
	rc = ctl_api_call(&L->http, L->json, method, path, strcmp(method, "GET") ? "{}" : NULL,
			  NULL, answer);
	if (rc != CTL_EXIT_OK) {
		json_decref(*answer);
		*answer = NULL;
	}
	return rc;
}

/* loactl campaign show ID */
static int
ctl_campaign_show(struct ctl_cli *L, int argc, char *argv[])
{
	json_t *answer;
	uint64_t id;
	int rc = ctl_campaign_call(L, argc, argv, ctl_campaign_usage_show, "GET", "", &id, &answer);

	if (answer && !L->json)
		ctl_show_campaign(stdout, answer);
	json_decref(answer);
	return rc;
}

/* The table of GET /v1/campaigns. */
static int
ctl_campaign_print_list(FILE *out, const json_t *answer)
{
	static const char *const headers[] = { "ID", "STATUS", "PRIO", "CREATED", "DONE",
					       "NAME", "TEXT" };
	struct ctl_table *t = ctl_table_new(7, headers);
	const json_t *c;
	size_t i;

	if (!t)
		return -ENOMEM;
	ctl_table_align_right(t, 0);
	ctl_table_align_right(t, 4);
	json_array_foreach(json_object_get(answer, "campaigns"), i, c) {
		char id[24], when[32], done[48], cell[4][64];
		const char *row[7] = {
			ctl_show_cell(c, "id", id, sizeof(id)),
			ctl_show_cell(c, "status", cell[0], sizeof(cell[0])),
			ctl_show_cell(c, "priority", cell[1], sizeof(cell[1])),
			ctl_show_time(json_object_get(c, "created_at"), when, sizeof(when)),
			done,
			ctl_show_cell(c, "name", cell[2], sizeof(cell[2])),
			ctl_show_cell(c, "text", cell[3], sizeof(cell[3])),
		};

		snprintf(done, sizeof(done), "%lld/%lld", ctl_show_int(c, "done"),
			 ctl_show_int(c, "total"));
		if (ctl_table_add(t, row)) {
			ctl_table_free(t);
			return -ENOMEM;
		}
	}
	ctl_table_print(t, out, CTL_CLI_WIDTH);
	if (!ctl_table_rows(t))
		fputs("(no campaigns)\n", out);
	ctl_table_free(t);
	return 0;
}

/* loactl campaign list [--limit N] */
static int
ctl_campaign_list(struct ctl_cli *L, int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_CLI_GLOBAL_OPTIONS,
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_query q;
	json_t *answer = NULL;
	uint64_t limit = 20;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(ctl_campaign_usage_list, stdout);
			return CTL_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return ctl_cli_getopt_error(c, argv, ctl_campaign_usage_list);
		if (c == OPT_LIMIT) {
			if (!ctl_cli_parse_u64(optarg, 500, &limit) || limit == 0) {
				ctl_cli_usage_error(ctl_campaign_usage_list,
						    "--limit takes a number from 1 to 500");
				return CTL_EXIT_USAGE;
			}
			continue;
		}
		ctl_cli_global_option(L, c, optarg);
	}
	if (optind < argc) {
		ctl_cli_usage_error(ctl_campaign_usage_list, "unexpected argument '%s'",
				    argv[optind]);
		return CTL_EXIT_USAGE;
	}
	rc = ctl_cli_setup(L);
	if (rc)
		return rc;
	ctl_query_init(&q, "/v1/campaigns");
	ctl_query_add_int(&q, "limit", (long long)limit);
	rc = ctl_api_call(&L->http, L->json, "GET", q.buf, NULL, NULL, &answer);
	if (rc == CTL_EXIT_OK && !L->json && ctl_campaign_print_list(stdout, answer))
		rc = ctl_cli_nomem();
	json_decref(answer);
	return rc;
}

/* loactl campaign pause|resume|cancel ID */
static int
ctl_campaign_control(struct ctl_cli *L, int argc, char *argv[])
{
	static const char *const done_word[] = { "paused", "resumed", "cancelled" };
	const char *action = argv[0];
	json_t *answer;
	char suffix[16], num[2][24];
	uint64_t id;
	size_t w = !strcmp(action, "pause") ? 0 : !strcmp(action, "resume") ? 1 : 2;
	int rc;

	snprintf(suffix, sizeof(suffix), "/%s", action);
	rc = ctl_campaign_call(L, argc, argv, ctl_campaign_usage_control, "POST", suffix, &id,
			       &answer);
	if (answer && !L->json) {
		const char *status = json_string_value(json_object_get(answer, "status"));

		printf("campaign %" PRIu64 " %s: now %s, %s/%s done\n", id, done_word[w],
		       status ? status : "?", ctl_show_num(answer, "done", num[0], sizeof(num[0])),
		       ctl_show_num(answer, "total", num[1], sizeof(num[1])));
	}
	json_decref(answer);
	return rc;
}

/* The tally of GET /v1/campaigns/{id}/poll, most votes first. */
static int
ctl_campaign_print_poll(FILE *out, const json_t *a)
{
	static const char *const headers[] = { "ANSWER", "VOTES", "SHARE" };
	const json_t *tally = json_object_get(a, "tally");
	long long votes = ctl_show_int(a, "votes"), sum = 0;
	size_t n = json_object_size(tally), k = 0;
	struct ctl_table *t = ctl_table_new(3, headers);
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	const char *key;
	char when[32];
	json_t *v;

	if (!t || !keys) {
		ctl_table_free(t);
		free(keys);
		return -ENOMEM;
	}
	ctl_table_align_right(t, 1);
	ctl_table_align_right(t, 2);
	json_object_foreach((json_t *)tally, key, v) {
		keys[k++] = key;
		sum += json_integer_value(v);
	}
	if (votes < 0)
		votes = sum;
	/* most votes first (insertion sort: a poll has a handful of answers) */
	for (size_t i = 1; i < k; i++) {
		for (size_t j = i; j > 0 && ctl_show_int(tally, keys[j]) >
					    ctl_show_int(tally, keys[j - 1]); j--) {
			const char *tmp = keys[j];

			keys[j] = keys[j - 1];
			keys[j - 1] = tmp;
		}
	}
	for (size_t i = 0; i < k; i++) {
		long long cnt = ctl_show_int(tally, keys[i]);
		char count[24], share[16];
		const char *row[3] = { keys[i], count, share };

		snprintf(count, sizeof(count), "%lld", cnt);
		snprintf(share, sizeof(share), "%lld%%", votes > 0 ? (cnt * 100 + votes / 2) / votes
								   : 0);
		ctl_table_add(t, row);
	}
	ctl_table_print(t, out, 0);
	if (!k)
		fputs("(no votes yet)\n", out);
	fprintf(out, "%lld vote%s; %s %s\n", votes, ctl_show_plural(votes),
		json_is_true(json_object_get(a, "open")) ? "open until" : "closed at",
		ctl_show_time(json_object_get(a, "closes_at"), when, sizeof(when)));
	ctl_table_free(t);
	free(keys);
	return 0;
}

/* loactl campaign poll ID */
static int
ctl_campaign_poll(struct ctl_cli *L, int argc, char *argv[])
{
	json_t *answer;
	uint64_t id;
	int rc = ctl_campaign_call(L, argc, argv, ctl_campaign_usage_poll, "GET", "/poll", &id,
				   &answer);

	if (answer && !L->json && ctl_campaign_print_poll(stdout, answer))
		rc = ctl_cli_nomem();
	json_decref(answer);
	return rc;
}

int
ctl_campaign_cmd(struct ctl_cli *L, int argc, char *argv[])
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub) {
		ctl_cli_usage_error(ctl_campaign_usage, "campaign what?");
		return CTL_EXIT_USAGE;
	}
	if (ctl_cli_is_help(sub)) {
		fputs(ctl_campaign_usage, stdout);
		return CTL_EXIT_OK;
	}
	argc--;
	argv++;
	if (!strcmp(sub, "create"))
		return ctl_campaign_create(L, argc, argv);
	if (!strcmp(sub, "show"))
		return ctl_campaign_show(L, argc, argv);
	if (!strcmp(sub, "list"))
		return ctl_campaign_list(L, argc, argv);
	if (!strcmp(sub, "pause") || !strcmp(sub, "resume") || !strcmp(sub, "cancel"))
		return ctl_campaign_control(L, argc, argv);
	if (!strcmp(sub, "poll"))
		return ctl_campaign_poll(L, argc, argv);
	if (!strcmp(sub, "watch"))
		return ctl_watch_cmd(L, argc, argv);
	ctl_cli_usage_error(ctl_campaign_usage, "unknown campaign command '%s'", sub);
	return CTL_EXIT_USAGE;
}
