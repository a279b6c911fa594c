/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loactl — the command-line client of loagw's HTTP API (docs/API.md), for admins and officials.
 *
 *   loactl [--url URL] [--token TOKEN] [--json] [--timeout S] COMMAND ...
 *   campaign create | campaign show ID | modems | reports | health
 *
 * Each command makes one request and prints the answer for a person (a line, a table cut to fit
 * 80 columns where the text is free-form), or with --json the server's answer pretty-printed for
 * a script. The exit code tells a script what happened: 0 done, 1 the server refused (4xx, its
 * message and field on stderr as "loactl: <field>: <message>"), 2 usage error or bad input file,
 * 3 the server could not be reached or did not answer in time, 4 the server failed (5xx).
 *
 * `campaign create --csv` reads numbers from a spreadsheet export and keeps each number's row, so
 * that a refusal naming recipients[i] comes back as "contacts.csv:row 484: ...", the row the
 * official has to fix. Rows without a number are reported before anything is sent.
 *
 * Privacy: loactl logs nothing; numbers appear only in what the server answers and in error
 * messages about the user's own input. The token is never printed.
 *
 * Helpers live in ctl_http.c, ctl_csv.c and ctl_table.c (gateway/ctl.h).
 */
#include "gateway/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LOACTL_DEFAULT_URL	"http://127.0.0.1:8080"
#define LOACTL_DEFAULT_TIMEOUT	30.0
#define LOACTL_WIDTH		80	/* reports are cut to fit this many columns */
#define LOACTL_MAX_TEXT		(1u << 20)
#define LOACTL_MAX_ROW_ERRORS	10	/* row errors printed before "... and N more" */

/* Everything the command line and the environment decided. */
struct loactl {
	const char *url_opt;		/* borrowed from argv; NULL: $LOA_URL or the default */
	const char *token_opt;		/* borrowed from argv */
	double timeout_s;
	bool json;
	char *url;			/* owned: the base URL, no trailing '/' */
	char *token;			/* owned; NULL when none was given */
	struct ctl_http http;		/* points into the two above */
};

enum {
	OPT_URL = 0x100, OPT_TOKEN, OPT_JSON, OPT_TIMEOUT, OPT_TEXT, OPT_TO, OPT_CSV, OPT_COLUMN,
	OPT_PRIORITY, OPT_START_AT, OPT_END_BY, OPT_AFTER, OPT_LIMIT,
};

#define LOACTL_GLOBAL_OPTIONS                                                                      \
	{ "url", required_argument, NULL, OPT_URL },                                               \
	{ "token", required_argument, NULL, OPT_TOKEN },                                           \
	{ "json", no_argument, NULL, OPT_JSON },                                                   \
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },                                       \
	{ "help", no_argument, NULL, 'h' }

static const char loactl_usage_main[] =
	"usage: loactl [--url URL] [--token TOKEN] [--json] [--timeout S] COMMAND ...\n"
	"\n"
	"commands:\n"
	"  campaign create    send a message to numbers given with --to or read from a CSV file\n"
	"  campaign show ID   a campaign's counts per state and its progress\n"
	"  modems             the modems' state, signal and counters\n"
	"  modem show NAME    one modem in full (health, counters, balance)\n"
	"  modem ussd NAME CODE  dial a USSD code on a modem (e.g. *101#) and print the answer\n"
	"  reports            reports filed by citizens, oldest first\n"
	"  health             whether the gateway is up and how many modems are ready\n"
	"\n"
	"options (before or after the command):\n"
	"  --url URL       the gateway (default $LOA_URL, else " LOACTL_DEFAULT_URL ")\n"
	"  --token TOKEN   API token (default $LOA_TOKEN, else the first line of the file\n"
	"                  named by $LOA_TOKEN_FILE); prefer those: a token on the command\n"
	"                  line shows in ps\n"
	"  --json          print the server's JSON answer, pretty-printed, instead of tables\n"
	"  --timeout S     give up after S seconds (default 30)\n"
	"  -h, --help      this help; 'loactl COMMAND --help' for a command's own\n"
	"\n"
	"exit status: 0 done, 1 refused by the server (4xx), 2 usage error or bad input,\n"
	"3 server unreachable or no answer in time, 4 server error (5xx)\n";

static const char loactl_usage_create[] =
	"usage: loactl campaign create --text TEXT (--to NUMBER ... | --csv FILE [--column NAME])\n"
	"                              [--priority alert|normal|bulk] [--start-at EPOCH]\n"
	"                              [--end-by EPOCH]\n"
	"\n"
	"  --text TEXT       the message (UTF-8); '-' reads it from standard input\n"
	"  --to NUMBER       a recipient; repeat for more\n"
	"  --csv FILE        recipients from a CSV file (UTF-8, comma separated, header row)\n"
	"  --column NAME     the header of the numbers' column (default \"number\")\n"
	"  --priority P      alert, normal (the server's default) or bulk\n"
	"  --start-at EPOCH  do not send before this time (epoch seconds)\n"
	"  --end-by EPOCH    give up on what is not sent by this time (epoch seconds)\n";

static const char loactl_usage_short[] = "run 'loactl --help' for the commands and options\n";
static const char loactl_usage_show[] = "usage: loactl campaign show ID\n";
static const char loactl_usage_campaign[] =
	"usage: loactl campaign create ...   (loactl campaign create --help)\n"
	"       loactl campaign show ID\n";
static const char loactl_usage_modems[] = "usage: loactl modems\n";
static const char loactl_usage_health[] = "usage: loactl health\n";
static const char loactl_usage_modem[] =
	"usage: loactl modem show NAME\n"
	"       loactl modem ussd NAME CODE\n"
	"\n"
	"  show   the modem's state, health sample, counters, last error and SIM balance\n"
	"  ussd   dial CODE (e.g. '*101#': quote it for the shell) on the modem and print the\n"
	"         network's answer (admin token; waits up to the --timeout, default 45 s here)\n";
static const char loactl_usage_reports[] =
	"usage: loactl reports [--after ID] [--limit N]\n"
	"\n"
	"  --after ID   only reports after this id (default 0: from the first)\n"
	"  --limit N    at most N reports (server default 100, at most 1000)\n";

static void __attribute__((format(printf, 2, 3)))
loactl_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("loactl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
}

/* Say that memory ran out; returns the exit code for it. */
static int
loactl_nomem(void)
{
	fprintf(stderr, "loactl: out of memory\n");
	return CTL_EXIT_SERVER;
}

/* Parse a non-negative decimal integer made of digits only. */
static bool
loactl_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* Handle an option every command takes; false when `c` is not one of them. */
static bool
loactl_global_option(struct loactl *L, int c, const char *arg)
{
	switch (c) {
	case OPT_URL:
		L->url_opt = arg;
		return true;
	case OPT_TOKEN:
		L->token_opt = arg;
		return true;
	case OPT_JSON:
		L->json = true;
		return true;
	case OPT_TIMEOUT: {
		char *end;

		errno = 0;
		L->timeout_s = strtod(arg, &end);
		if (errno || end == arg || *end || !(L->timeout_s > 0 && L->timeout_s <= 86400))
			L->timeout_s = -1;	/* reported by loactl_setup() */
		return true;
	}
	default:
		return false;
	}
}

/* Report a getopt failure ('?' or ':'); returns CTL_EXIT_USAGE. */
static int
loactl_getopt_error(int c, char *const argv[], const char *usage)
{
	const char *opt = argv[optind - 1];

	if (c == ':')
		loactl_usage_error(usage, "option %s needs a value", opt);
	else if (optopt)
		loactl_usage_error(usage, "unknown option -%c", optopt);
	else
		loactl_usage_error(usage, "unknown option %s", opt);
	return CTL_EXIT_USAGE;
}

/* Read the first line of the token file. 0 or CTL_EXIT_USAGE (message printed). */
static int
loactl_token_file(struct loactl *L, const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		fprintf(stderr, "loactl: LOA_TOKEN_FILE %s: %s\n", path, strerror(errno));
		return CTL_EXIT_USAGE;
	}
	n = getline(&L->token, &cap, f);
	fclose(f);
	if (n < 0) {
		free(L->token);
		L->token = NULL;
		fprintf(stderr, "loactl: LOA_TOKEN_FILE %s: empty file\n", path);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

/* Settle the URL, token and timeout before a call. 0 or CTL_EXIT_USAGE (message printed). */
static int
loactl_setup(struct loactl *L)
{
	const char *url = L->url_opt, *tok = L->token_opt, *file, *host;
	size_t len;

	if (L->timeout_s < 0) {
		fprintf(stderr, "loactl: --timeout needs a number of seconds above 0\n");
		return CTL_EXIT_USAGE;
	}
	if (!url || !*url)
		url = getenv("LOA_URL");
	if (!url || !*url)
		url = LOACTL_DEFAULT_URL;
	host = !strncasecmp(url, "http://", 7) ? url + 7 :
	       !strncasecmp(url, "https://", 8) ? url + 8 : NULL;
	if (!host || !*host || *host == '/') {
		fprintf(stderr, "loactl: the URL must be http://HOST[:PORT] or https://...: %s\n",
			url);
		return CTL_EXIT_USAGE;
	}
	for (const char *p = url; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			fprintf(stderr, "loactl: the URL holds a space or a control character\n");
			return CTL_EXIT_USAGE;
		}
	}
	L->url = strdup(url);
	if (!L->url)
		goto nomem;
	len = strlen(L->url);
	while (len > 0 && L->url[len - 1] == '/')
		L->url[--len] = '\0';

	if (!tok || !*tok)
		tok = getenv("LOA_TOKEN");
	if (tok && *tok) {
		L->token = strdup(tok);
		if (!L->token)
			goto nomem;
	} else if ((file = getenv("LOA_TOKEN_FILE")) && *file) {
		int rc = loactl_token_file(L, file);

		if (rc)
			return rc;
	}
	if (L->token) {
		len = strlen(L->token);
		while (len > 0 && (L->token[len - 1] == '\n' || L->token[len - 1] == '\r' ||
				   L->token[len - 1] == ' ' || L->token[len - 1] == '\t'))
			L->token[--len] = '\0';
		for (const char *p = L->token; *p; p++) {
			if ((unsigned char)*p <= ' ' || *p == 0x7f) {
				fprintf(stderr, "loactl: the token holds a space or a control "
						"character\n");
				return CTL_EXIT_USAGE;
			}
		}
		if (!*L->token) {
			free(L->token);
			L->token = NULL;
		}
	}
	L->http.base_url = L->url;
	L->http.token = L->token;
	L->http.timeout_ms = (long)(L->timeout_s * 1000.0 + 0.999);
	return 0;
nomem:
	return loactl_nomem();
}

/* Read all of standard input as the message text, without its final line break(s). */
static char *
loactl_read_stdin(void)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, stdin);

		len += n;
		if (n == 0)
			break;
		if (cap - len - 1 == 0) {
			char *p = cap >= LOACTL_MAX_TEXT ? NULL : realloc(buf, cap * 2);

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

/* Check the CSV's numbers before sending: empty or non-UTF-8 cells. 0 or CTL_EXIT_USAGE. */
static int
loactl_check_rows(const char *path, const struct ctl_csv_column *col)
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
		if (bad++ < LOACTL_MAX_ROW_ERRORS)
			fprintf(stderr, "loactl: %s:row %lu: %s\n", path, col->rows[i], why);
	}
	if (bad > LOACTL_MAX_ROW_ERRORS)
		fprintf(stderr, "loactl: %s: %zu more rows with errors\n", path,
			bad - LOACTL_MAX_ROW_ERRORS);
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

/* loactl campaign create */
static int
loactl_campaign_create(struct loactl *L, int argc, char *argv[])
{
	static const struct option opts[] = {
		LOACTL_GLOBAL_OPTIONS,
		{ "text", required_argument, NULL, OPT_TEXT },
		{ "to", required_argument, NULL, OPT_TO },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "column", required_argument, NULL, OPT_COLUMN },
		{ "priority", required_argument, NULL, OPT_PRIORITY },
		{ "start-at", required_argument, NULL, OPT_START_AT },
		{ "end-by", required_argument, NULL, OPT_END_BY },
		{ NULL, 0, NULL, 0 },
	};
	const char *text_opt = NULL, *csv = NULL, *column = NULL, *priority = NULL;
	const char *start_at = NULL, *end_by = NULL, **to = NULL;
	struct ctl_csv_column col = { 0 };
	struct ctl_rowmap map = { 0 };
	json_t *req = NULL, *list = NULL, *answer = NULL;
	char *text = NULL, *body = NULL, err[1024];
	uint64_t start_v = 0, end_v = 0;
	size_t nto = 0;
	int c, rc = CTL_EXIT_USAGE;

	to = calloc((size_t)argc, sizeof(*to));
	if (!to)
		return loactl_nomem();
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(loactl_usage_create, stdout);
			rc = CTL_EXIT_OK;
			goto out;
		case OPT_TEXT: text_opt = optarg; break;
		case OPT_TO: to[nto++] = optarg; break;
		case OPT_CSV: csv = optarg; break;
		case OPT_COLUMN: column = optarg; break;
		case OPT_PRIORITY: priority = optarg; break;
		case OPT_START_AT: start_at = optarg; break;
		case OPT_END_BY: end_by = optarg; break;
		case '?':
		case ':':
			rc = loactl_getopt_error(c, argv, loactl_usage_create);
			goto out;
		default:
			loactl_global_option(L, c, optarg);
		}
	}
	if (optind < argc) {
		loactl_usage_error(loactl_usage_create, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (!text_opt) {
		loactl_usage_error(loactl_usage_create, "--text is needed");
		goto out;
	}
	if (!!nto == !!csv) {
		loactl_usage_error(loactl_usage_create, "give either --to or --csv");
		goto out;
	}
	if (column && !csv) {
		loactl_usage_error(loactl_usage_create, "--column goes with --csv");
		goto out;
	}
	if (priority && strcmp(priority, "alert") && strcmp(priority, "normal") &&
	    strcmp(priority, "bulk")) {
		loactl_usage_error(loactl_usage_create, "--priority is alert, normal or bulk");
		goto out;
	}
	if ((start_at && !loactl_parse_u64(start_at, INT64_MAX, &start_v)) ||
	    (end_by && !loactl_parse_u64(end_by, INT64_MAX, &end_v))) {
		loactl_usage_error(loactl_usage_create,
				   "--start-at and --end-by take epoch seconds (digits only)");
		goto out;
	}

	text = strcmp(text_opt, "-") == 0 ? loactl_read_stdin() : strdup(text_opt);
	if (!text) {
		fprintf(stderr, "loactl: cannot read the text from standard input (at most %u "
				"bytes)\n", LOACTL_MAX_TEXT);
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

	list = json_array();
	if (!list)
		goto nomem;
	if (csv) {
		if (ctl_csv_read_column(csv, column ? column : "number", &col, err, sizeof(err))) {
			fprintf(stderr, "loactl: %s\n", err);
			goto out;
		}
		rc = loactl_check_rows(csv, &col);
		if (rc)
			goto out;
		for (size_t i = 0; i < col.n; i++)
			if (json_array_append_new(list, json_string(col.values[i])))
				goto nomem;
		map = (struct ctl_rowmap){ .origin = csv, .rows = col.rows, .n = col.n };
	} else {
		for (size_t i = 0; i < nto; i++) {
			if (!*to[i] || !ctl_utf8_valid(to[i])) {
				fprintf(stderr, "loactl: --to '%s': %s\n", to[i],
					*to[i] ? "not UTF-8 text" : "empty number");
				goto out;
			}
			if (json_array_append_new(list, json_string(to[i])))
				goto nomem;
		}
	}
	req = json_object();
	if (!req || json_object_set_new(req, "text", json_string(text)) ||
	    json_object_set(req, "recipients", list) ||
	    (priority && json_object_set_new(req, "priority", json_string(priority))) ||
	    (start_at && json_object_set_new(req, "start_at", json_integer((json_int_t)start_v))) ||
	    (end_by && json_object_set_new(req, "end_by", json_integer((json_int_t)end_v))))
		goto nomem;
	body = json_dumps(req, JSON_COMPACT);
	if (!body)
		goto nomem;

	rc = loactl_setup(L);
	if (rc)
		goto out;
	rc = ctl_api_call(&L->http, L->json, "POST", "/v1/campaigns", body, csv ? &map : NULL,
			  &answer);
	if (rc == CTL_EXIT_OK && !L->json)
		ctl_show_created(stdout, answer);
	goto out;
nomem:
	rc = loactl_nomem();
out:
	json_decref(answer);
	json_decref(req);
	json_decref(list);
	free(body);
	free(text);
	free(to);
	ctl_csv_column_free(&col);
	return rc;
}

/* loactl campaign show ID */
static int
loactl_campaign_show(struct loactl *L, int argc, char *argv[])
{
	static const struct option opts[] = { LOACTL_GLOBAL_OPTIONS, { NULL, 0, NULL, 0 } };
	json_t *answer = NULL;
	char path[64];
	uint64_t id;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(loactl_usage_show, stdout);
			return CTL_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return loactl_getopt_error(c, argv, loactl_usage_show);
		loactl_global_option(L, c, optarg);
	}
	if (argc - optind != 1) {
		loactl_usage_error(loactl_usage_show, "give one campaign id");
		return CTL_EXIT_USAGE;
	}
	if (!loactl_parse_u64(argv[optind], INT64_MAX, &id) || id == 0) {
		loactl_usage_error(loactl_usage_show, "'%s' is not a campaign id", argv[optind]);
		return CTL_EXIT_USAGE;
	}
	rc = loactl_setup(L);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/v1/campaigns/%" PRIu64, id);
	rc = ctl_api_call(&L->http, L->json, "GET", path, NULL, NULL, &answer);
	if (rc == CTL_EXIT_OK && !L->json)
		ctl_show_campaign(stdout, answer);
	json_decref(answer);
	return rc;
}

/* loactl campaign ... */
static int
loactl_campaign(struct loactl *L, int argc, char *argv[])
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub) {
		loactl_usage_error(loactl_usage_campaign, "campaign what?");
		return CTL_EXIT_USAGE;
	}
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
		fputs(loactl_usage_campaign, stdout);
		return CTL_EXIT_OK;
	}
	if (!strcmp(sub, "create"))
		return loactl_campaign_create(L, argc - 1, argv + 1);
	if (!strcmp(sub, "show"))
		return loactl_campaign_show(L, argc - 1, argv + 1);
	loactl_usage_error(loactl_usage_campaign, "unknown campaign command '%s'", sub);
	return CTL_EXIT_USAGE;
}

/* Parse a command that takes only the global options; 0, or an exit code (-1 for --help done) */
static int
loactl_plain_options(struct loactl *L, int argc, char *argv[], const char *usage)
{
	static const struct option opts[] = { LOACTL_GLOBAL_OPTIONS, { NULL, 0, NULL, 0 } };
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		if (c == '?' || c == ':')
			return loactl_getopt_error(c, argv, usage);
		loactl_global_option(L, c, optarg);
	}
	if (optind < argc) {
		loactl_usage_error(usage, "unexpected argument '%s'", argv[optind]);
		return CTL_EXIT_USAGE;
	}
	return loactl_setup(L);
}

/* loactl modems */
static int
loactl_modems(struct loactl *L, int argc, char *argv[])
{
	json_t *answer = NULL;
	int rc = loactl_plain_options(L, argc, argv, loactl_usage_modems);

	if (rc)
		return rc < 0 ? CTL_EXIT_OK : rc;
	rc = ctl_api_call(&L->http, L->json, "GET", "/v1/modems", NULL, NULL, &answer);
	if (rc == CTL_EXIT_OK && !L->json && ctl_show_modems(stdout, answer))
		rc = loactl_nomem();
	json_decref(answer);
	return rc;
}

/* Parse global options among exactly `want` positional arguments, which go to pos[]. */
static int
loactl_positional_options(struct loactl *L, int argc, char *argv[], const char *usage, int want,
			  char *pos[])
{
	static const struct option opts[] = { LOACTL_GLOBAL_OPTIONS, { NULL, 0, NULL, 0 } };
	int c, n = 0;

	optind = 0;
	while (optind < argc) {
		c = getopt_long(argc, argv, "-:h", opts, NULL);
		if (c == -1)
			break;
		if (c == 1) { /* a positional argument, in order */
			if (n == want) {
				loactl_usage_error(usage, "unexpected argument '%s'", optarg);
				return CTL_EXIT_USAGE;
			}
			pos[n++] = optarg;
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		if (c == '?' || c == ':')
			return loactl_getopt_error(c, argv, usage);
		loactl_global_option(L, c, optarg);
	}
	if (n < want) {
		loactl_usage_error(usage, "missing argument");
		return CTL_EXIT_USAGE;
	}
	return 0;
}

/* loactl modem show NAME | loactl modem ussd NAME CODE */
static int
loactl_modem(struct loactl *L, int argc, char *argv[])
{
	char *pos[2] = { NULL, NULL }, path[256];
	json_t *answer = NULL;
	int rc;

	if (argc < 2 || (strcmp(argv[1], "show") && strcmp(argv[1], "ussd"))) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			fputs(loactl_usage_modem, stdout);
			return CTL_EXIT_OK;
		}
		loactl_usage_error(loactl_usage_modem, "expected 'show' or 'ussd'");
		return CTL_EXIT_USAGE;
	}
	bool ussd = !strcmp(argv[1], "ussd");
	rc = loactl_positional_options(L, argc - 1, argv + 1, loactl_usage_modem, ussd ? 2 : 1, pos);
	if (rc)
		return rc < 0 ? CTL_EXIT_OK : rc;
	if (strlen(pos[0]) > 64 || strspn(pos[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
						  "0123456789_-") != strlen(pos[0])) {
		loactl_usage_error(loactl_usage_modem, "'%s' is not a modem name", pos[0]);
		return CTL_EXIT_USAGE;
	}
	if (ussd && L->timeout_s == LOACTL_DEFAULT_TIMEOUT)
		L->timeout_s = 45; /* the network may take 30 s to answer */
	rc = loactl_setup(L);
	if (rc)
		return rc;
	if (!ussd) {
		snprintf(path, sizeof(path), "/v1/modems/%s", pos[0]);
		rc = ctl_api_call(&L->http, L->json, "GET", path, NULL, NULL, &answer);
		if (rc == CTL_EXIT_OK && !L->json)
			ctl_show_json(stdout, answer);
		json_decref(answer);
		return rc;
	}
	json_t *body = json_pack("{s:s}", "code", pos[1]);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		return loactl_nomem();
	snprintf(path, sizeof(path), "/v1/modems/%s/ussd", pos[0]);
	rc = ctl_api_call(&L->http, L->json, "POST", path, text, NULL, &answer);
	free(text);
	if (rc == CTL_EXIT_OK && !L->json)
		printf("%s %s: %s\n", pos[0], pos[1],
		       json_string_value(json_object_get(answer, "text")) ?: "");
	json_decref(answer);
	return rc;
}

/* loactl reports [--after ID] [--limit N] */
static int
loactl_reports(struct loactl *L, int argc, char *argv[])
{
	static const struct option opts[] = {
		LOACTL_GLOBAL_OPTIONS,
		{ "after", required_argument, NULL, OPT_AFTER },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ NULL, 0, NULL, 0 },
	};
	json_t *answer = NULL, *list, *next;
	uint64_t after = 0, limit = 0;
	bool has_after = false, has_limit = false;
	char path[96];
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(loactl_usage_reports, stdout);
			return CTL_EXIT_OK;
		case OPT_AFTER:
			has_after = true;
			if (!loactl_parse_u64(optarg, INT64_MAX, &after)) {
				loactl_usage_error(loactl_usage_reports,
						   "--after takes a report id");
				return CTL_EXIT_USAGE;
			}
			break;
		case OPT_LIMIT:
			has_limit = true;
			if (!loactl_parse_u64(optarg, 1000, &limit) || limit == 0) {
				loactl_usage_error(loactl_usage_reports,
						   "--limit takes a number from 1 to 1000");
				return CTL_EXIT_USAGE;
			}
			break;
		case '?':
		case ':':
			return loactl_getopt_error(c, argv, loactl_usage_reports);
		default:
			loactl_global_option(L, c, optarg);
		}
	}
	if (optind < argc) {
		loactl_usage_error(loactl_usage_reports, "unexpected argument '%s'", argv[optind]);
		return CTL_EXIT_USAGE;
	}
	rc = loactl_setup(L);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/v1/reports");
	if (has_after || has_limit) {
		size_t n = strlen(path);

		if (has_after && has_limit)
			snprintf(path + n, sizeof(path) - n, "?after=%" PRIu64 "&limit=%" PRIu64,
				 after, limit);
		else if (has_after)
			snprintf(path + n, sizeof(path) - n, "?after=%" PRIu64, after);
		else
			snprintf(path + n, sizeof(path) - n, "?limit=%" PRIu64, limit);
	}
	rc = ctl_api_call(&L->http, L->json, "GET", path, NULL, NULL, &answer);
	if (rc || L->json)
		goto out;
	if (ctl_show_reports(stdout, answer, LOACTL_WIDTH)) {
		rc = loactl_nomem();
		goto out;
	}
	list = json_object_get(answer, "reports");
	next = json_object_get(answer, "next_after");
	if (json_array_size(list) > 0 && json_array_size(list) >= (has_limit ? limit : 100) &&
	    json_is_integer(next))
		fprintf(stderr, "loactl: more may follow: loactl reports --after %"
			JSON_INTEGER_FORMAT "\n", json_integer_value(next));
out:
	json_decref(answer);
	return rc;
}

/* loactl health */
static int
loactl_health(struct loactl *L, int argc, char *argv[])
{
	json_t *answer = NULL;
	int rc = loactl_plain_options(L, argc, argv, loactl_usage_health);

	if (rc)
		return rc < 0 ? CTL_EXIT_OK : rc;
	rc = ctl_api_call(&L->http, L->json, "GET", "/healthz", NULL, NULL, &answer);
	if (rc == CTL_EXIT_OK && !L->json)
		ctl_show_health(stdout, answer);
	json_decref(answer);
	return rc;
}

/* Run a command named in argv[0]. */
static int
loactl_command(struct loactl *L, int argc, char *argv[])
{
	const char *cmd = argv[0];

	if (!strcmp(cmd, "campaign"))
		return loactl_campaign(L, argc, argv);
	if (!strcmp(cmd, "modems"))
		return loactl_modems(L, argc, argv);
	if (!strcmp(cmd, "modem"))
		return loactl_modem(L, argc, argv);
	if (!strcmp(cmd, "reports"))
		return loactl_reports(L, argc, argv);
	if (!strcmp(cmd, "health"))
		return loactl_health(L, argc, argv);
	if (!strcmp(cmd, "help")) {
		if (argc > 1) {
			char *help[] = { argv[1], (char *)"--help", NULL };

			return loactl_command(L, 2, help);
		}
		fputs(loactl_usage_main, stdout);
		return CTL_EXIT_OK;
	}
	loactl_usage_error(loactl_usage_short, "unknown command '%s'", cmd);
	return CTL_EXIT_USAGE;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = { LOACTL_GLOBAL_OPTIONS, { NULL, 0, NULL, 0 } };
	struct loactl L = { .timeout_s = LOACTL_DEFAULT_TIMEOUT };
	int c, rc;

	tzset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(loactl_usage_main, stdout);
			return CTL_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return loactl_getopt_error(c, argv, loactl_usage_short);
		loactl_global_option(&L, c, optarg);
	}
	if (optind >= argc) {
		loactl_usage_error(loactl_usage_short, "no command given");
		return CTL_EXIT_USAGE;
	}
	if (ctl_http_init()) {
		fprintf(stderr, "loactl: cannot set libcurl up\n");
		return CTL_EXIT_SERVER;
	}
	rc = loactl_command(&L, argc - optind, argv + optind);
	fflush(stdout);
	ctl_http_cleanup();
	if (L.token)
		explicit_bzero(L.token, strlen(L.token));
	free(L.token);
	free(L.url);
	return rc;
}
