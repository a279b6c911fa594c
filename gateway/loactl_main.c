/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loactl — the command-line client of loagw's HTTP API (docs/API.md), for admins and officials.
 *
 *   loactl [--url URL] [--token TOKEN] [--json] [--timeout S] COMMAND ...
 *
 * Each command makes a request (an import or a watch makes several) and prints the answer for a
 * person (a line, a table cut to fit 80 columns where the text is free-form), or with --json the
 * server's answer pretty-printed for a script. The exit code tells a script what happened: 0
 * done, 1 the server refused (4xx, its message and field on stderr as "loactl: <field>:
 * <message>"), 2 usage error or bad input file, 3 the server could not be reached or did not
 * answer in time, 4 the server failed (5xx).
 *
 * This file holds main(), the list of commands and the modem and health commands; the others
 * live in ctl_campaign.c, ctl_watch.c, ctl_reports.c, ctl_admin.c and ctl_import.c, their shared
 * plumbing (options, URL, token, config file) in ctl_cli.c (see gateway/ctl.h).
 *
 * Privacy: loactl logs nothing; numbers appear only in what the server answers and in error
 * messages about the user's own input. The token is never printed.
 */
#include "gateway/ctl.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOACTL_USSD_TIMEOUT 45.0 /* the network may take 30 s to answer a USSD code */

static const char loactl_usage_main[] =
	"usage: loactl [--url URL] [--token TOKEN] [--json] [--timeout S] COMMAND ...\n"
	"\n"
	"campaigns:\n"
	"  campaign create    send a message to numbers (--to, --csv) or a group of contacts;\n"
	"                     --preview shows what would be sent without storing anything\n"
	"  campaign list      the latest campaigns, newest first\n"
	"  campaign show ID   a campaign's counts per state and its progress\n"
	"  campaign pause|resume|cancel ID\n"
	"  campaign poll ID   the tally of a campaign's poll\n"
	"  campaign watch ID  a live progress bar until the campaign ends\n"
	"contacts (admin):\n"
	"  contacts import FILE.csv   add or update contacts from a spreadsheet, in batches\n"
	"  contacts list|count [--group QUERY]\n"
	"  groups             saved groups and their sizes\n"
	"  group save NAME QUERY\n"
	"citizens' reports:\n"
	"  reports            filter, page or export (--export csv|json) the reports\n"
	"  report show|update TICKET   one report; change its status, note, notify the citizen\n"
	"  optouts            opted-out numbers (--count: how many)\n"
	"  optout add NUMBER  stop sending to a number\n"
	"gateway:\n"
	"  modems             the modems' state, signal and counters\n"
	"  modem show NAME    one modem in full (health, counters, balance)\n"
	"  modem ussd NAME CODE  dial a USSD code on a modem (e.g. *101#) and print the answer\n"
	"  audit              who did what through the API (admin)\n"
	"  health             whether the gateway is up and how many modems are ready\n"
	"\n"
	"options (before or after the command):\n"
	"  --url URL       the gateway (default $LOA_URL, the config's url, else\n"
	"                  " CTL_CLI_DEFAULT_URL ")\n"
	"  --token TOKEN   API token (default $LOA_TOKEN, else the first line of the file\n"
	"                  named by $LOA_TOKEN_FILE or the config's token_file); prefer those:\n"
	"                  a token on the command line shows in ps\n"
	"  --json          print the server's JSON answer, pretty-printed, instead of tables\n"
	"  --timeout S     give up on a request after S seconds (default 30)\n"
	"  -h, --help      this help; 'loactl COMMAND --help' for a command's own\n"
	"\n"
	"%s"
	"\n"
	"exit status: 0 done, 1 refused by the server (4xx; for an import: rows rejected),\n"
	"2 usage error or bad input, 3 server unreachable or no answer in time, 4 server error\n";

static const char loactl_usage_short[] = "run 'loactl --help' for the commands and options\n";
static const char loactl_usage_modems[] = "usage: loactl modems\n";
static const char loactl_usage_health[] = "usage: loactl health\n";
static const char loactl_usage_modem[] =
	"usage: loactl modem show NAME\n"
	"       loactl modem ussd NAME CODE\n"
	"\n"
	"  show   the modem's state, health sample, counters, last error and SIM balance\n"
	"  ussd   dial CODE (e.g. '*101#': quote it for the shell) on the modem and print the\n"
	"         network's answer (admin token; waits up to the --timeout, default 45 s here)\n";

/* loactl modems */
static int
loactl_modems(struct ctl_cli *L, int argc, char *argv[])
{
	json_t *answer = NULL;
	int rc = ctl_cli_simple(L, argc, argv, loactl_usage_modems, 0, 0, NULL);

	if (rc)
		return rc < 0 ? CTL_EXIT_OK : rc;
	rc = ctl_api_call(&L->http, L->json, "GET", "/v1/modems", NULL, NULL, &answer);
	if (rc == CTL_EXIT_OK && !L->json && ctl_show_modems(stdout, answer))
		rc = ctl_cli_nomem();
	json_decref(answer);
	return rc;
}

/* loactl modem show NAME | loactl modem ussd NAME CODE */
static int
loactl_modem(struct ctl_cli *L, int argc, char *argv[])
{
	char *pos[2] = { NULL, NULL }, path[256];
	json_t *answer = NULL;
	int rc;

	if (argc < 2 || (strcmp(argv[1], "show") && strcmp(argv[1], "ussd"))) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			fputs(loactl_usage_modem, stdout);
			return CTL_EXIT_OK;
		}
		ctl_cli_usage_error(loactl_usage_modem, "expected 'show' or 'ussd'");
		return CTL_EXIT_USAGE;
	}
	bool ussd = !strcmp(argv[1], "ussd");
	if (ussd)
		L->default_timeout_s = LOACTL_USSD_TIMEOUT;
	rc = ctl_cli_simple(L, argc - 1, argv + 1, loactl_usage_modem, ussd ? 2 : 1, ussd ? 2 : 1,
			    pos);
	if (rc)
		return rc < 0 ? CTL_EXIT_OK : rc;
	if (strlen(pos[0]) > 64 || strspn(pos[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
						  "0123456789_-") != strlen(pos[0])) {
		ctl_cli_usage_error(loactl_usage_modem, "'%s' is not a modem name", pos[0]);
		return CTL_EXIT_USAGE;
	}
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
		return ctl_cli_nomem();
	snprintf(path, sizeof(path), "/v1/modems/%s/ussd", pos[0]);
	rc = ctl_api_call(&L->http, L->json, "POST", path, text, NULL, &answer);
	free(text);
	if (rc == CTL_EXIT_OK && !L->json)
		printf("%s %s: %s\n", pos[0], pos[1],
		       json_string_value(json_object_get(answer, "text")) ?: "");
	json_decref(answer);
	return rc;
}

/* loactl health */
static int
loactl_health(struct ctl_cli *L, int argc, char *argv[])
{
	json_t *answer = NULL;
	int rc = ctl_cli_simple(L, argc, argv, loactl_usage_health, 0, 0, NULL);

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
loactl_command(struct ctl_cli *L, int argc, char *argv[])
{
	static const struct {
		const char *name;
		int (*run)(struct ctl_cli *L, int argc, char *argv[]);
	} cmds[] = {
		{ "campaign", ctl_campaign_cmd },	{ "modems", loactl_modems },
		{ "modem", loactl_modem },		{ "reports", ctl_reports_cmd },
		{ "report", ctl_report_cmd },		{ "health", loactl_health },
		{ "optouts", ctl_admin_optouts },	{ "optout", ctl_admin_optout },
		{ "audit", ctl_admin_audit },		{ "contacts", ctl_admin_contacts },
		{ "groups", ctl_admin_groups },		{ "group", ctl_admin_group },
	};
	const char *cmd = argv[0];

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].run(L, argc, argv);
	if (!strcmp(cmd, "help")) {
		if (argc > 1) {
			char *help[] = { argv[1], (char *)"--help", NULL };

			return loactl_command(L, 2, help);
		}
		printf(loactl_usage_main, ctl_cli_config_help);
		return CTL_EXIT_OK;
	}
	ctl_cli_usage_error(loactl_usage_short, "unknown command '%s'", cmd);
	return CTL_EXIT_USAGE;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = { CTL_CLI_GLOBAL_OPTIONS, { NULL, 0, NULL, 0 } };
	struct ctl_cli L = { 0 };
	int c, rc;

	tzset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf(loactl_usage_main, ctl_cli_config_help);
			return CTL_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return ctl_cli_getopt_error(c, argv, loactl_usage_short);
		ctl_cli_global_option(&L, c, optarg);
	}
	if (optind >= argc) {
		ctl_cli_usage_error(loactl_usage_short, "no command given");
		return CTL_EXIT_USAGE;
	}
	if (ctl_http_init()) {
		fprintf(stderr, "loactl: cannot set libcurl up\n");
		return CTL_EXIT_SERVER;
	}
	rc = loactl_command(&L, argc - optind, argv + optind);
	fflush(stdout);
	ctl_http_cleanup();
	ctl_cli_free(&L);
	return rc;
}
