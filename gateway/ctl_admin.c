/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_admin — the smaller lists an admin looks after:
 *   loactl optouts [--count]           numbers that asked for no more messages
 *   loactl optout add NUMBER           record a request made by phone or in person
 *   loactl audit [filters] [--limit N] who did what through the API
 *   loactl contacts list|count [--group QUERY] ...   (contacts import: ctl_import.c)
 *   loactl groups                      saved groups with their contact counts
 *   loactl group save NAME QUERY       save a tag query under a name for campaigns
 *
 * Each is one request; tables by default, the server's JSON with --json.
 *
 * Thread: loactl's only thread.
 */
#include "gateway/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { OPT_COUNT = CTL_OPT_LOCAL, OPT_WHO, OPT_ACTION, OPT_SINCE, OPT_LIMIT, OPT_GROUP, OPT_AFTER };

static const char ctl_admin_usage_optouts[] =
	"usage: loactl optouts [--count]\n"
	"\n"
	"The numbers that opted out (admin token; other tokens see the count only).\n"
	"  --count   print only how many\n";
static const char ctl_admin_usage_optout[] =
	"usage: loactl optout add NUMBER\n"
	"\n"
	"Stop sending to NUMBER (admin token), e.g. after a request made by phone.\n";
static const char ctl_admin_usage_audit[] =
	"usage: loactl audit [--who NAME] [--action A] [--since WHEN] [--limit N]\n"
	"\n"
	"The audit log (admin token): every write made through the API.\n"
	"  --who NAME    only what this token (by its name in the config) did\n"
	"  --action A    only this action, e.g. campaign.create, report.update, optout.add\n"
	"  --since WHEN  from then on (epoch seconds, +HOURSh, \"YYYY-MM-DD HH:MM\")\n"
	"  --limit N     at most N entries (default 100, at most 1000)\n";
static const char ctl_admin_usage_contacts[] =
	"usage: loactl contacts import FILE.csv [--batch N]   (loactl contacts import --help)\n"
	"       loactl contacts list [--group QUERY] [--limit N] [--after ID]\n"
	"       loactl contacts count [--group QUERY]\n"
	"\n"
	"  --group QUERY  only contacts whose tags match: \"commune=son-nam,role=y-te\", or a\n"
	"                 saved group's name\n"
	"  --limit N      at most N contacts (default 100, at most 10000)\n"
	"  --after ID     only contacts after this id (for the next page)\n";
static const char ctl_admin_usage_groups[] =
	"usage: loactl groups\n"
	"\n"
	"The saved groups, their queries and how many contacts each holds now.\n";
static const char ctl_admin_usage_group[] =
	"usage: loactl group save NAME QUERY\n"
	"\n"
	"Save QUERY (e.g. \"commune=son-nam,role=y-te\": every term must match) as NAME, for\n"
	"campaign create --group NAME (admin token). Saving an existing name replaces it.\n";

/* Print a table of `key`'s array in `answer` with the given columns; 0 or -ENOMEM. */
static int
ctl_admin_table(FILE *out, const json_t *answer, const char *key, size_t ncols,
		const char *const headers[], const char *const members[], const char *empty,
		size_t max_width)
{
	struct ctl_table *t = ctl_table_new(ncols, headers);
	const json_t *e;
	size_t i;

	if (!t)
		return -ENOMEM;
	json_array_foreach(json_object_get(answer, key), i, e) {
		char cells[8][64];
		const char *row[8];

		for (size_t k = 0; k < ncols && k < 8; k++) {
			const json_t *v = json_object_get(e, members[k]);

			if (!strcmp(members[k], "at") || !strcmp(members[k], "created_at"))
				row[k] = ctl_show_time(v, cells[k], sizeof(cells[k]));
			else
				row[k] = ctl_show_cell(e, members[k], cells[k], sizeof(cells[k]));
		}
		if (ctl_table_add(t, row)) {
			ctl_table_free(t);
			return -ENOMEM;
		}
	}
	ctl_table_print(t, out, max_width);
	if (!ctl_table_rows(t))
		fprintf(out, "(%s)\n", empty);
	ctl_table_free(t);
	return 0;
}

int
ctl_admin_optouts(struct ctl_cli *L, int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_CLI_GLOBAL_OPTIONS,
		{ "count", no_argument, NULL, OPT_COUNT },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const headers[] = { "NUMBER", "SINCE" };
	static const char *const members[] = { "number", "created_at" };
	json_t *answer = NULL;
	bool count_only = false;
	long long count;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(ctl_admin_usage_optouts, stdout);
			return CTL_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return ctl_cli_getopt_error(c, argv, ctl_admin_usage_optouts);
		if (c == OPT_COUNT)
			count_only = true;
		else
			ctl_cli_global_option(L, c, optarg);
	}
	if (optind < argc) {
		ctl_cli_usage_error(ctl_admin_usage_optouts, "unexpected argument '%s'",
				    argv[optind]);
		return CTL_EXIT_USAGE;
	}
	rc = ctl_cli_setup(L);
	if (rc)
		return rc;
	rc = ctl_api_call(&L->http, L->json, "GET", "/v1/optouts", NULL, NULL, &answer);
	if (rc || L->json)
		goto out;
	count = ctl_show_int(answer, "count");
	if (!count_only) {
		size_t listed = json_array_size(json_object_get(answer, "optouts"));

		if (listed || count <= 0) {
			if (ctl_admin_table(stdout, answer, "optouts", 2, headers, members,
					    "no opt-outs", 0)) {
				rc = ctl_cli_nomem();
				goto out;
			}
		}
		if (!listed && count > 0)
			fprintf(stderr, "loactl: the numbers are shown to admin tokens only\n");
		else if ((long long)listed < count)
			fprintf(stderr, "loactl: the first %zu are shown\n", listed);
	}
	printf("%lld number%s opted out\n", count, ctl_show_plural(count));
out:
	json_decref(answer);
	return rc;
}

int
ctl_admin_optout(struct ctl_cli *L, int argc, char *argv[])
{
	json_t *answer = NULL, *req;
	char *pos[2], *body;
	int rc;

	if (argc < 2 || strcmp(argv[1], "add")) {
		if (argc >= 2 && ctl_cli_is_help(argv[1])) {
			fputs(ctl_admin_usage_optout, stdout);
			return CTL_EXIT_OK;
		}
		ctl_cli_usage_error(ctl_admin_usage_optout, "expected 'add'");
		return CTL_EXIT_USAGE;
	}
	rc = ctl_cli_simple(L, argc - 1, argv + 1, ctl_admin_usage_optout, 1, 1, pos);
	if (rc)
		return rc < 0 ? CTL_EXIT_OK : rc;
	if (!*pos[0] || !ctl_utf8_valid(pos[0])) {
		ctl_cli_usage_error(ctl_admin_usage_optout, "'%s' is not a number", pos[0]);
		return CTL_EXIT_USAGE;
	}
	req = json_pack("{s:s}", "number", pos[0]);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body)
		return ctl_cli_nomem();
	rc = ctl_api_call(&L->http, L->json, "POST", "/v1/optouts", body, NULL, &answer);
	free(body);
	if (rc == CTL_EXIT_OK && !L->json) {
		const char *num = json_string_value(json_object_get(answer, "number"));

		printf("%s opted out: no more campaign messages go to it\n", num ? num : pos[0]);
	}
	json_decref(answer);
	return rc;
}

int
ctl_admin_audit(struct ctl_cli *L, int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_CLI_GLOBAL_OPTIONS,
		{ "who", required_argument, NULL, OPT_WHO },
		{ "action", required_argument, NULL, OPT_ACTION },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const headers[] = { "ID", "TIME", "WHO", "ACTION", "OBJECT", "RESULT",
					       "DETAIL" };
	static const char *const members[] = { "id", "at", "who", "action", "object", "result",
					       "detail" };
	const char *who = NULL, *action = NULL, *why = NULL;
	int64_t since = 0;
	uint64_t limit = 0;
	bool has_since = false;
	struct ctl_query q;
	json_t *answer = NULL;
	int c, rc;

	optind = 0;
	while (!why && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(ctl_admin_usage_audit, stdout);
			return CTL_EXIT_OK;
		case OPT_WHO: who = optarg; break;
		case OPT_ACTION: action = optarg; break;
		case OPT_SINCE:
			has_since = true;
			if (!ctl_cli_parse_time(optarg, (int64_t)time(NULL), &since))
				why = "--since takes epoch seconds or \"YYYY-MM-DD HH:MM\"";
			break;
		case OPT_LIMIT:
			if (!ctl_cli_parse_u64(optarg, 1000, &limit) || limit == 0)
				why = "--limit takes a number from 1 to 1000";
			break;
		case '?':
		case ':':
			return ctl_cli_getopt_error(c, argv, ctl_admin_usage_audit);
		default:
			ctl_cli_global_option(L, c, optarg);
		}
	}
	if (!why && optind < argc)
		why = "unexpected argument";
	if (!why && ((who && !ctl_utf8_valid(who)) || (action && !ctl_utf8_valid(action))))
		why = "--who and --action take UTF-8 text";
	if (why) {
		ctl_cli_usage_error(ctl_admin_usage_audit, "%s", why);
		return CTL_EXIT_USAGE;
	}
	rc = ctl_cli_setup(L);
	if (rc)
		return rc;
	ctl_query_init(&q, "/v1/audit");
	ctl_query_add(&q, "who", who);
	ctl_query_add(&q, "action", action);
	if (has_since)
		ctl_query_add_int(&q, "since", since);
	if (limit)
		ctl_query_add_int(&q, "limit", (long long)limit);
	if (q.overflow) {
		ctl_cli_usage_error(ctl_admin_usage_audit, "the filters are too long");
		return CTL_EXIT_USAGE;
	}
	rc = ctl_api_call(&L->http, L->json, "GET", q.buf, NULL, NULL, &answer);
	if (rc == CTL_EXIT_OK && !L->json &&
	    ctl_admin_table(stdout, answer, "audit", 7, headers, members, "no entries",
			    CTL_CLI_WIDTH + 40))
		rc = ctl_cli_nomem();
	json_decref(answer);
	return rc;
}

/* The TAGS cell of a contact: "commune=son-nam role=y-te". Owned. */
static char *
ctl_admin_tags(const json_t *tags)
{
	size_t cap = 64, len = 0;
	char *s = malloc(cap);
	const char *k;
	json_t *v;

	if (!s)
		return NULL;
	s[0] = '\0';
	json_object_foreach((json_t *)tags, k, v) {
		const char *val = json_is_string(v) ? json_string_value(v) : "?";
		size_t need = len + strlen(k) + strlen(val) + 3;

		if (need > cap) {
			char *p;

			while (cap < need)
				cap *= 2;
			p = realloc(s, cap);
			if (!p) {
				free(s);
				return NULL;
			}
			s = p;
		}
		len += (size_t)sprintf(s + len, "%s%s=%s", len ? " " : "", k, val);
	}
	return s;
}

/* The table of GET /v1/contacts. 0 or -ENOMEM. */
static int
ctl_admin_print_contacts(FILE *out, const json_t *answer)
{
	static const char *const headers[] = { "ID", "NUMBER", "NAME", "OPERATOR", "TAGS" };
	struct ctl_table *t = ctl_table_new(5, headers);
	const json_t *e;
	size_t i;

	if (!t)
		return -ENOMEM;
	ctl_table_align_right(t, 0);
	json_array_foreach(json_object_get(answer, "contacts"), i, e) {
		char cells[4][64], *tags = ctl_admin_tags(json_object_get(e, "tags"));
		const char *row[5] = {
			ctl_show_cell(e, "id", cells[0], sizeof(cells[0])),
			ctl_show_cell(e, "number", cells[1], sizeof(cells[1])),
			ctl_show_cell(e, "name", cells[2], sizeof(cells[2])),
			ctl_show_cell(e, "operator", cells[3], sizeof(cells[3])),
			tags && *tags ? tags : "-",
		};

		if (!tags || ctl_table_add(t, row)) {
			free(tags);
			ctl_table_free(t);
			return -ENOMEM;
		}
		free(tags);
	}
	ctl_table_print(t, out, CTL_CLI_WIDTH + 40);
	if (!ctl_table_rows(t))
		fputs("(no contacts)\n", out);
	ctl_table_free(t);
	return 0;
}

int
ctl_admin_contacts(struct ctl_cli *L, int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_CLI_GLOBAL_OPTIONS,
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "after", required_argument, NULL, OPT_AFTER },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub = argc > 1 ? argv[1] : "", *group = NULL, *why = NULL;
	bool count = !strcmp(sub, "count");
	uint64_t limit = 0, after = 0;
	bool has_after = false;
	struct ctl_query q;
	json_t *answer = NULL;
	int c, rc;

	if (ctl_cli_is_help(sub)) {
		fputs(ctl_admin_usage_contacts, stdout);
		return CTL_EXIT_OK;
	}
	if (!strcmp(sub, "import"))
		return ctl_import_cmd(L, argc - 1, argv + 1);
	if (!count && strcmp(sub, "list")) {
		ctl_cli_usage_error(ctl_admin_usage_contacts, "expected 'import', 'list' or 'count'");
		return CTL_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 0;
	while (!why && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(ctl_admin_usage_contacts, stdout);
			return CTL_EXIT_OK;
		case OPT_GROUP:
			group = optarg;
			if (!*group || !ctl_utf8_valid(group))
				why = "--group needs a query such as \"commune=son-nam\"";
			break;
		case OPT_LIMIT:
			if (count || !ctl_cli_parse_u64(optarg, 10000, &limit) || limit == 0)
				why = count ? "count takes no --limit" :
				      "--limit takes a number from 1 to 10000";
			break;
		case OPT_AFTER:
			has_after = true;
			if (count || !ctl_cli_parse_u64(optarg, INT64_MAX, &after))
				why = count ? "count takes no --after" : "--after takes a contact id";
			break;
		case '?':
		case ':':
			return ctl_cli_getopt_error(c, argv, ctl_admin_usage_contacts);
		default:
			ctl_cli_global_option(L, c, optarg);
		}
	}
	if (!why && optind < argc)
		why = "unexpected argument";
	if (why) {
		ctl_cli_usage_error(ctl_admin_usage_contacts, "%s", why);
		return CTL_EXIT_USAGE;
	}
	rc = ctl_cli_setup(L);
	if (rc)
		return rc;
	ctl_query_init(&q, count ? "/v1/contacts/count" : "/v1/contacts");
	ctl_query_add(&q, "group", group);
	if (has_after)
		ctl_query_add_int(&q, "after", (long long)after);
	if (limit)
		ctl_query_add_int(&q, "limit", (long long)limit);
	if (q.overflow) {
		ctl_cli_usage_error(ctl_admin_usage_contacts, "the query is too long");
		return CTL_EXIT_USAGE;
	}
	rc = ctl_api_call(&L->http, L->json, "GET", q.buf, NULL, NULL, &answer);
	if (rc || L->json)
		goto out;
	if (count) {
		long long n = ctl_show_int(answer, "count");

		printf("%lld contact%s%s%s\n", n, ctl_show_plural(n), group ? " in " : "",
		       group ? group : "");
		goto out;
	}
	if (ctl_admin_print_contacts(stdout, answer)) {
		rc = ctl_cli_nomem();
		goto out;
	}
	if (json_array_size(json_object_get(answer, "contacts")) >= (limit ? limit : 100) &&
	    ctl_show_int(answer, "next_after") > 0)
		fprintf(stderr, "loactl: more may follow: loactl contacts list --after %lld\n",
			ctl_show_int(answer, "next_after"));
out:
	json_decref(answer);
	return rc;
}

int
ctl_admin_groups(struct ctl_cli *L, int argc, char *argv[])
{
	static const char *const headers[] = { "NAME", "QUERY", "CONTACTS" };
	static const char *const members[] = { "name", "query", "count" };
	json_t *answer = NULL;
	int rc = ctl_cli_simple(L, argc, argv, ctl_admin_usage_groups, 0, 0, NULL);

	if (rc)
		return rc < 0 ? CTL_EXIT_OK : rc;
	rc = ctl_api_call(&L->http, L->json, "GET", "/v1/groups", NULL, NULL, &answer);
	if (rc == CTL_EXIT_OK && !L->json &&
	    ctl_admin_table(stdout, answer, "groups", 3, headers, members, "no groups", 0))
		rc = ctl_cli_nomem();
	json_decref(answer);
	return rc;
}

int
ctl_admin_group(struct ctl_cli *L, int argc, char *argv[])
{
	json_t *answer = NULL, *req;
	char *pos[2], *body;
	int rc;

	if (argc < 2 || strcmp(argv[1], "save")) {
		if (argc >= 2 && ctl_cli_is_help(argv[1])) {
			fputs(ctl_admin_usage_group, stdout);
			return CTL_EXIT_OK;
		}
		ctl_cli_usage_error(ctl_admin_usage_group, "expected 'save'");
		return CTL_EXIT_USAGE;
	}
	rc = ctl_cli_simple(L, argc - 1, argv + 1, ctl_admin_usage_group, 2, 2, pos);
	if (rc)
		return rc < 0 ? CTL_EXIT_OK : rc;
	if (!*pos[0] || !ctl_utf8_valid(pos[0]) || !ctl_utf8_valid(pos[1])) {
		ctl_cli_usage_error(ctl_admin_usage_group, "NAME and QUERY must be UTF-8 text");
		return CTL_EXIT_USAGE;
	}
	req = json_pack("{s:s, s:s}", "name", pos[0], "query", pos[1]);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body)
		return ctl_cli_nomem();
	rc = ctl_api_call(&L->http, L->json, "POST", "/v1/groups", body, NULL, &answer);
	free(body);
	if (rc == CTL_EXIT_OK && !L->json) {
		char *name = ctl_text_clean(pos[0]), *query = ctl_text_clean(pos[1]);

		printf("group \"%s\" saved: %s\n", name ? name : "?", query ? query : "?");
		free(name);
		free(query);
	}
	json_decref(answer);
	return rc;
}
