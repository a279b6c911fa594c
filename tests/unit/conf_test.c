/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_test — loading and validation of Loa's configuration.
 *
 * Loads the shipped conf/loa.conf and conf/loa.conf.example and checks their values, loads
 * a table of broken files from tests/data/conf/ and compares each error with the exact
 * "FILE:LINE: message" expected (so a wrong line number fails), and walks the range of every
 * integer key through generated files (min-1, min, max, max+1). Run from the repository root.
 */
#include "conf/conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "tests/lib/test.h"

#define DATA "tests/data/conf/"
/* One modem, with "%s" for more of its settings. */
#define MODEM_LINE "modems = ( { name = \"m\"; device = \"d\"; connection = \"at\"; " \
		   "model = \"at\"; %s } );\n"
#define MODEM_PLAIN "modems = ( { name = \"m\"; device = \"d\"; connection = \"at\"; " \
		    "model = \"at\"; } );\n"

/* Load `path`, failing the test (with the error) when it does not load. */
static struct loa_conf *
load_ok(const char *path)
{
	struct loa_conf *c = NULL;
	char err[1024] = "";
	int rc = conf_load(path, &c, err, sizeof(err));

	if (rc != 0)
		fprintf(stderr, "  conf_load(%s) = %d: %s\n", path, rc, err);
	CHECK_EQ_INT(rc, 0);
	return c;
}

/* Write `text` to a temporary .conf file and load it. */
static int
load_text(const char *text, struct loa_conf **out, char *err, size_t errlen)
{
	char path[] = "/tmp/loa_conf_test_XXXXXX.conf";
	int fd = mkstemps(path, 5);
	int rc;

	if (fd < 0) {
		perror("mkstemps");
		return -errno;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		perror("write");
	close(fd);
	rc = conf_load(path, out, err, errlen);
	unlink(path);
	return rc;
}

/* The error message after "FILE:LINE: " (or "FILE: "). */
static const char *
err_message(const char *err)
{
	const char *p = strstr(err, ".conf:");

	if (!p)
		return err;
	p += 6;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == ':')
		p++;
	return *p == ' ' ? p + 1 : p;
}

/* SHA-256 hex of `text` by the system's sha256sum, so the demo token comments stay true. */
static void
sha256_hex(const char *text, char out[65])
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "printf %%s '%s' | sha256sum", text);
	out[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return;
	if (!fgets(out, 65, p))
		out[0] = '\0';
	pclose(p);
}

/* True when `reply`, with {ticket} expanded, is one GSM 7-bit SMS of the basic alphabet. */
static bool
gsm7_one_sms(const char *reply)
{
	static const char extra[] = " \n\r@$_!\"#%&'()*+,-./:;<=>?";
	size_t len = 0;

	for (const char *p = reply; *p; p++, len++) {
		if (strncmp(p, "{ticket}", 8) == 0) {
			p += 7;
			len += 8 - 1; /* tickets are 8 characters */
			continue;
		}
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr(extra, *p)))
			return false;
	}
	return len <= 160;
}

static const struct conf_rule *
find_rule(const struct loa_conf *c, const char *keyword)
{
	for (size_t i = 0; i < c->n_rules; i++)
		for (size_t j = 0; j < c->rules[i].n_keywords; j++)
			if (strcmp(c->rules[i].keywords[j], keyword) == 0)
				return &c->rules[i];
	return NULL;
}

static void
check_rule(const struct loa_conf *c, const char *keyword, enum conf_action action)
{
	const struct conf_rule *r = find_rule(c, keyword);

	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_EQ_STR(conf_action_name(r->action), conf_action_name(action));
	CHECK(r->reply != NULL);
	if (r->reply) {
		CHECK(gsm7_one_sms(r->reply));
		CHECK((strstr(r->reply, "{ticket}") != NULL) == (action == CONF_ACTION_REPORT));
	}
}

static void
check_token(const struct loa_conf *c, size_t i, const char *name, const char *plain,
	    enum conf_role role)
{
	char hex[65];

	CHECK(i < c->n_tokens);
	if (i >= c->n_tokens)
		return;
	sha256_hex(plain, hex);
	CHECK_EQ_INT(strlen(hex), 64);
	CHECK_EQ_STR(c->tokens[i].name, name);
	CHECK_EQ_STR(c->tokens[i].sha256_hex, hex);
	CHECK_EQ_STR(conf_role_name(c->tokens[i].role), conf_role_name(role));
}

/* The USSD menu shipped in conf/loa.conf and conf/loa.conf.example. */
static void
check_ussd(const struct loa_conf *c)
{
	static const char *const labels[] = { "Phan anh tin gia", "Doc Bo quy tac ung xu",
					       "Huy nhan tin", "Dang ky nhan tin" };
	static const char *const categories[] = { "lua_dao", "dich_benh", "mao_danh", "khac" };
	static const enum conf_ussd_kind kinds[] = { CONF_USSD_MENU, CONF_USSD_PAGES,
						     CONF_USSD_ACTION, CONF_USSD_ACTION };
	const struct conf_ussd *u = c->ussd;
	const struct conf_ussd_node *menu;

	CHECK(u != NULL);
	if (!u)
		return;
	CHECK_EQ_STR(u->service_code, "*123#");
	CHECK_EQ_INT(u->max_screen_chars, 160);
	CHECK_EQ_INT(u->session_timeout_s, 180);
	CHECK_EQ_INT(u->max_sessions, 10000);
	CHECK_EQ_STR(u->invalid_text, "Lua chon khong hop le");
	CHECK_EQ_STR(u->back_label, "Quay lai");
	CHECK_EQ_STR(u->next_label, "Tiep");
	menu = u->menu;
	CHECK(menu != NULL);
	if (!menu)
		return;
	CHECK_EQ_STR(conf_ussd_kind_name(menu->kind), "menu");
	CHECK(menu->key == NULL && menu->label == NULL);
	CHECK_EQ_INT(menu->n_options, 4);
	for (size_t i = 0; i < 4 && i < menu->n_options; i++) {
		char key[2] = { (char)('1' + i), 0 };

		CHECK_EQ_STR(menu->options[i].key, key);
		CHECK_EQ_STR(menu->options[i].label, labels[i]);
		CHECK_EQ_STR(conf_ussd_kind_name(menu->options[i].kind),
			     conf_ussd_kind_name(kinds[i]));
	}
	if (menu->n_options < 4)
		return;
	CHECK_EQ_INT(menu->options[0].n_options, 4);
	for (size_t i = 0; i < 4 && i < menu->options[0].n_options; i++) {
		const struct conf_ussd_node *n = &menu->options[0].options[i];

		CHECK_EQ_INT(n->kind, CONF_USSD_INPUT);
		CHECK_EQ_STR(n->category, categories[i]);
		CHECK_EQ_STR(conf_action_name(n->action), "report");
		CHECK_CONTAINS(n->text, "{ticket}");
		CHECK(gsm7_one_sms(n->text));
	}
	CHECK(menu->options[1].text && strlen(menu->options[1].text) > 400);
	CHECK_EQ_INT(menu->options[2].action, CONF_ACTION_OPTOUT);
	CHECK_EQ_INT(menu->options[3].action, CONF_ACTION_OPTIN);
	CHECK(conf_ussd_page_chars(u, &menu->options[1]) >= CONF_USSD_PAGE_MIN_CHARS);
}

/* Keys shared by conf/loa.conf and conf/loa.conf.example. */
static void
check_common(const struct loa_conf *c)
{
	CHECK_EQ_INT(c->log_level, LOG_INFO);
	CHECK(c->log_json);
	CHECK_EQ_STR(c->store_path, "var/loa.db");
	CHECK_EQ_INT(c->uncertain, CONF_UNCERTAIN_RESEND);
	CHECK_EQ_INT(c->max_attempts, 5);
	CHECK_EQ_INT(c->n_backoff, 3);
	if (c->n_backoff == 3) {
		CHECK_EQ_INT(c->backoff_s[0], 30);
		CHECK_EQ_INT(c->backoff_s[1], 120);
		CHECK_EQ_INT(c->backoff_s[2], 600);
	}
	CHECK_EQ_STR(c->country_code, "84");
	CHECK(c->allow_offnet);
	CHECK_EQ_STR(c->api_listen, "127.0.0.1");
	CHECK_EQ_INT(c->api_port, 8080);
	CHECK_EQ_INT(c->api_max_body, 1048576);
	CHECK_EQ_INT(c->n_tokens, 2);
	check_token(c, 0, "admin", "loa-demo-admin", CONF_ROLE_ADMIN);
	check_token(c, 1, "official", "loa-demo-official", CONF_ROLE_OFFICIAL);

	check_rule(c, "BAO", CONF_ACTION_REPORT);
	check_rule(c, "TINGIA", CONF_ACTION_REPORT);
	check_rule(c, "REPORT", CONF_ACTION_REPORT);
	check_rule(c, "HUY", CONF_ACTION_OPTOUT);
	check_rule(c, "STOP", CONF_ACTION_OPTOUT);
	check_rule(c, "TUCHOI", CONF_ACTION_OPTOUT);
	check_rule(c, "DK", CONF_ACTION_OPTIN);
	check_rule(c, "START", CONF_ACTION_OPTIN);
	check_rule(c, "HD", CONF_ACTION_HELP);
	check_rule(c, "HELP", CONF_ACTION_HELP);
	CHECK_CONTAINS(find_rule(c, "HUY") ? find_rule(c, "HUY")->reply : NULL, "DK");
	CHECK_EQ_INT(c->unknown_action, CONF_ACTION_HELP);
	CHECK(c->unknown_reply && gsm7_one_sms(c->unknown_reply));

	CHECK(conf_operator_find(c, "viettel") != NULL);
	CHECK(conf_operator_find(c, "vinaphone") != NULL);
	CHECK_EQ_STR(conf_operator_match(c, "+84912345678")->name, "vinaphone");
	CHECK_EQ_STR(conf_operator_match(c, "+84861234567")->name, "viettel");
	CHECK_EQ_STR(conf_operator_match(c, "+84391234567")->name, "viettel");
	CHECK(conf_operator_match(c, "+14155550100") == NULL);
	check_ussd(c);
}

static void
test_default_conf(void)
{
	struct loa_conf *c = load_ok("conf/loa.conf");
	const struct conf_modem *m;

	if (!c)
		return;
	CHECK_EQ_STR(c->path, "conf/loa.conf");
	check_common(c);
	CHECK_EQ_INT(c->n_rules, 4);
	CHECK_EQ_INT(c->n_operators, 2);
	CHECK(conf_operator_match(c, "+84701234567") == NULL); /* mobifone: not in the demo */
	CHECK_EQ_INT(c->n_modems, 2);
	for (int i = 1; i <= 2; i++) {
		char name[8], dev[32];

		snprintf(name, sizeof(name), "sim%d", i);
		snprintf(dev, sizeof(dev), "var/sim%d.tty", i);
		m = conf_modem_find(c, name);
		CHECK(m != NULL);
		if (!m)
			continue;
		CHECK_EQ_STR(m->name, name);
		CHECK_EQ_STR(m->device, dev);
		CHECK_EQ_STR(m->connection, "at");
		CHECK_EQ_STR(m->model, "at");
		CHECK_EQ_STR(m->operator_name, i == 1 ? "viettel" : "vinaphone");
		CHECK_EQ_INT(m->rate_per_min, 60);
		CHECK_EQ_INT(m->command_timeout_s, 60);
		CHECK_EQ_INT(m->inbox_interval_s, 5);
		CHECK_EQ_INT(m->health_interval_s, 60);
		CHECK(m->enabled);
	}
	CHECK(conf_modem_find(c, "sim3") == NULL);
	CHECK(conf_modem_find(c, "SIM1") == NULL);
	conf_free(c);
}

static void
test_example_conf(void)
{
	static const struct {
		const char *op, *prefixes;
	} table[] = {
		{ "viettel", "+8486 +8496 +8497 +8498 +8432 +8433 +8434 +8435 +8436 +8437 +8438 +8439" },
		{ "vinaphone", "+8488 +8491 +8494 +8481 +8482 +8483 +8484 +8485" },
		{ "mobifone", "+8489 +8490 +8493 +8470 +8476 +8477 +8478 +8479" },
		{ "vietnamobile", "+8492 +8456 +8458" },
		{ "gmobile", "+8499 +8459" },
		{ "itelecom", "+8487" },
	};
	struct loa_conf *c = load_ok("conf/loa.conf.example");
	const struct conf_modem *m;

	if (!c)
		return;
	check_common(c);
	CHECK_EQ_INT(c->n_operators, 6);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct conf_operator *op = conf_operator_find(c, table[i].op);
		char joined[256] = "";

		CHECK(op != NULL);
		if (!op)
			continue;
		for (size_t j = 0; j < op->n_prefixes; j++)
			snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
				 j ? " " : "", op->prefixes[j]);
		CHECK_EQ_STR(joined, table[i].prefixes);
	}
	CHECK_EQ_STR(conf_operator_match(c, "+84701234567")->name, "mobifone");
	CHECK_EQ_STR(conf_operator_match(c, "+84871234567")->name, "itelecom");

	m = conf_modem_find(c, "viettel1");
	CHECK(m != NULL);
	if (m) {
		CHECK_EQ_STR(m->device, "/dev/ttyUSB0");
		CHECK_EQ_STR(m->connection, "at115200");
		CHECK_EQ_STR(m->model, "at");
		CHECK(m->enabled);
	}
	m = conf_modem_find(c, "dummy1");
	CHECK(m != NULL);
	if (m) {
		CHECK_EQ_STR(m->model, "dummy");
		CHECK_EQ_STR(m->connection, "none");
		CHECK(!m->enabled);
		CHECK(m->operator_name == NULL);
		CHECK_EQ_INT(m->rate_per_min, 10); /* default */
	}
	m = conf_modem_find(c, "sim1");
	CHECK(m != NULL);
	if (m)
		CHECK_EQ_INT(m->health_interval_s, 60); /* default */
	CHECK(find_rule(c, "LIENHE") && find_rule(c, "LIENHE")->action == CONF_ACTION_REPLY);
	conf_free(c);
}

/* True when a comment line of `text` reads "#   key   (…", the start of a key's description. */
static bool
documents(const char *text, const char *key)
{
	size_t len = strlen(key);

	for (const char *line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : 0) {
		const char *p = line;

		while (*p == ' ')
			p++;
		if (*p++ != '#')
			continue;
		while (*p == ' ')
			p++;
		if (strncmp(p, key, len) != 0 || p[len] != ' ')
			continue;
		for (p += len; *p == ' '; p++)
			;
		if (*p == '(')
			return true;
	}
	return false;
}

/* The example documents every key: each has a "# key (type…" comment and is set. */
static void
test_example_documents_every_key(void)
{
	static const char *const keys[] = {
		"level", "format", "path", "uncertain", "max_attempts", "backoff_s",
		"country_code", "allow_offnet", "listen", "port", "max_body", "tokens", "name",
		"sha256", "role", "rules", "keywords", "action", "reply", "unknown", "operators",
		"prefixes", "modems", "device", "connection", "model", "operator", "rate_per_min",
		"health_interval_s", "inbox_interval_s", "command_timeout_s", "enabled",
		"min_signal_dbm", "max_errors_in_row", "delivery_reports", "balance_ussd",
		"balance_interval_s", "balance_pattern", "retention_days", "timezone",
		"quiet_hours", "daily_cap", "max_replies_per_hour", "reassembly_timeout_s",
		"poll_reply", "ussd", "service_code",
		"max_screen_chars", "session_timeout_s", "max_sessions", "invalid_text",
		"empty_text", "back_label", "next_label", "expired_text", "error_text", "menu",
		"kind", "key", "label", "title", "options", "text", "category",
	};
	static char text[65536];
	FILE *f = fopen("conf/loa.conf.example", "r");
	size_t n;

	CHECK(f != NULL);
	if (!f)
		return;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char set[64];

		snprintf(set, sizeof(set), "%s = ", keys[i]);
		if (!documents(text, keys[i]) || !strstr(text, set))
			fprintf(stderr, "  key \"%s\" is not documented and set\n", keys[i]);
		CHECK(documents(text, keys[i]));
		CHECK(strstr(text, set) != NULL);
	}
}

static void
test_minimal_defaults(void)
{
	struct loa_conf *c = load_ok(DATA "minimal.conf");
	const struct conf_modem *m;

	if (!c)
		return;
	CHECK_EQ_INT(c->log_level, LOG_INFO);
	CHECK(c->log_json);
	CHECK_EQ_STR(c->store_path, "var/loa.db");
	CHECK_EQ_INT(c->uncertain, CONF_UNCERTAIN_RESEND);
	CHECK_EQ_INT(c->max_attempts, 5);
	CHECK_EQ_INT(c->n_backoff, 3);
	if (c->n_backoff == 3)
		CHECK(c->backoff_s[0] == 30 && c->backoff_s[1] == 120 && c->backoff_s[2] == 600);
	CHECK_EQ_STR(c->country_code, "84");
	CHECK(c->allow_offnet);
	CHECK_EQ_STR(c->api_listen, "127.0.0.1");
	CHECK_EQ_INT(c->api_port, 8080);
	CHECK_EQ_INT(c->api_max_body, 1048576);
	CHECK_EQ_INT(c->n_tokens, 0);
	CHECK(c->tokens == NULL);
	CHECK_EQ_INT(c->n_rules, 0);
	CHECK_EQ_INT(c->unknown_action, CONF_ACTION_HELP);
	CHECK(c->unknown_reply == NULL);
	CHECK(c->ussd == NULL);
	CHECK_EQ_INT(c->n_operators, 0);
	CHECK(conf_operator_match(c, "+84912345678") == NULL);
	CHECK_EQ_INT(c->n_modems, 1);
	m = conf_modem_find(c, "m1");
	CHECK(m != NULL);
	if (m) {
		CHECK_EQ_STR(m->device, "/dev/ttyUSB0");
		CHECK_EQ_STR(m->connection, "at115200");
		CHECK_EQ_STR(m->model, "");
		CHECK(m->operator_name == NULL);
		CHECK_EQ_INT(m->rate_per_min, 10);
		CHECK_EQ_INT(m->health_interval_s, 60);
		CHECK_EQ_INT(m->inbox_interval_s, 10);
		CHECK_EQ_INT(m->command_timeout_s, 90);
		CHECK(m->enabled);
	}
	conf_free(c);
}

/* Each broken file, the line the error must point at (0 = none) and the exact message. */
static const struct {
	const char *file;
	int line;
	const char *msg;
} bad_files[] = {
	{ "bad_syntax.conf", 4, "syntax error" },
	{ "bad_include_syntax.conf", -1, "tests/data/conf/include_syntax.inc:3: syntax error" },
	{ "bad_include_missing.conf", 2, "cannot open include file" },
	{ "bad_include.conf", -1,
	  "tests/data/conf/include_bad.inc:3: unknown key \"colour\" in modems[0]" },
	{ "bad_toplevel.conf", 3, "unknown top-level key \"modem\" (did you mean \"modems\"?)" },
	{ "bad_modem_key.conf", 7,
	  "unknown key \"rate_per_minute\" in modems[0] (did you mean \"rate_per_min\"?)" },
	{ "bad_unknown_nested.conf", 5, "unknown key \"text\" in inbound.unknown" },
	{ "bad_type_int.conf", 4, "modems[0].rate_per_min: must be an integer, got a string" },
	{ "bad_type_bool.conf", 3,
	  "dispatch.allow_offnet: must be a boolean (true or false), got a string" },
	{ "bad_type_group.conf", 3, "log: must be a group { ... }, got a string" },
	{ "bad_type_list.conf", 2,
	  "modems: must be a list of groups ( { ... }, ... ), got a group { ... }" },
	{ "bad_type_float.conf", 3,
	  "modems[0].health_interval_s: must be an integer, got a floating-point number" },
	{ "bad_list_elem.conf", 5, "modems[1]: must be a group { ... }, got a string" },
	{ "bad_range.conf", 14, "modems[1].rate_per_min: must be between 1 and 60000, got 0" },
	{ "bad_port.conf", 2, "api.port: must be between 0 and 65535, got 70000" },
	{ "bad_timezone.conf", 4,
	  "dispatch.timezone: unknown time zone \"Asia/Hanoi_City\" (an IANA name such as "
	  "\"Asia/Ho_Chi_Minh\"; is the tzdata package installed?)" },
	{ "bad_quiet.conf", 3,
	  "dispatch.quiet_hours: expected \"HH:MM-HH:MM\" (e.g. \"21:00-07:00\") or \"\" for "
	  "none, got \"9pm-7am\"" },
	{ "bad_ussd.conf", 5,
	  "modems[0].balance_ussd: \"call 101\" is not a USSD code (2 to 40 characters of 0-9, "
	  "* and #, e.g. \"*101#\")" },
	{ "bad_regex.conf", 6, "modems[0].balance_pattern: not a valid regular expression: Unmatched ( or \\(" },
	{ "bad_backoff.conf", 4, "dispatch.backoff_s[2]: must be between 1 and 86400, got 0" },
	{ "bad_dup_modem.conf", 7, "modems[2].name \"sim1\" is used twice (first in modems[0])" },
	{ "bad_token_hash.conf", 5,
	  "api.tokens[0].sha256: must be 64 hexadecimal digits (the SHA-256 of the token), "
	  "got 63 characters" },
	{ "bad_token_hex.conf", 5,
	  "api.tokens[0].sha256: must be 64 hexadecimal digits (the SHA-256 of the token), "
	  "found 'z'" },
	/* the first hash is upper case: compared after folding */
	{ "bad_token_dup.conf", 6,
	  "api.tokens[1].sha256: same hash as api.tokens[0] (one token cannot have two names)" },
	{ "bad_role.conf", 5,
	  "api.tokens[0].role: unknown role \"root\" (expected viewer, official, admin)" },
	{ "bad_action.conf", 5,
	  "inbound.rules[0].action: unknown action \"reprot\" (expected report, optout, optin, "
	  "help, reply, none)" },
	{ "bad_log_level.conf", 3,
	  "log.level: unknown level \"verbose\" (expected debug, info, notice, warn, error)" },
	{ "bad_operator_ref.conf", 8,
	  "modems[0].operator: unknown operator \"vietel\" (operators are viettel, vinaphone)" },
	{ "bad_operator_none.conf", 3,
	  "modems[0].operator: unknown operator \"viettel\" (no operators are defined)" },
	{ "bad_operator_dup.conf", 4,
	  "operators[1].name \"viettel\" is used twice (first in operators[0])" },
	{ "bad_prefix.conf", 3,
	  "operators[0].prefixes[1]: must be \"+\" followed by 1 to 15 digits (e.g. \"+8486\"), "
	  "got \"8496\"" },
	{ "bad_prefix_dup.conf", 6,
	  "operators[1].prefixes[1]: prefix \"+8496\" is already listed for operator \"viettel\"" },
	{ "bad_country.conf", 2,
	  "dispatch.country_code: must be 1 to 3 digits without \"+\" (e.g. \"84\"), got \"+84\"" },
	{ "bad_no_modems.conf", 0,
	  "no modems: \"modems = ( { name = ...; device = ...; connection = ...; model = ...; } );\" "
	  "needs at least one entry" },
	{ "bad_empty_modems.conf", 4,
	  "no modems: \"modems = ( { name = ...; device = ...; connection = ...; model = ...; } );\" "
	  "needs at least one entry" },
	/* "stop" (rules[2]) against "STOP" (rules[0]): case does not matter */
	{ "bad_dup_keyword.conf", 7,
	  "inbound.rules[2].keywords[1]: keyword \"stop\" is already used by inbound.rules[0]" },
	{ "bad_dup_keyword_same_rule.conf", 3,
	  "inbound.rules[0].keywords[1]: keyword \"bao\" is listed twice in inbound.rules[0]" },
	{ "bad_keyword_space.conf", 3,
	  "inbound.rules[0].keywords[0]: \"TIN GIA\" must be a single word (the first word of an "
	  "SMS is matched)" },
	{ "bad_keywords_empty.conf", 3, "inbound.rules[0].keywords: must not be empty" },
	{ "bad_name.conf", 3,
	  "modems[0].name: \"sim 1\" is not a valid name (1 to 31 characters of A-Z, a-z, 0-9, _ "
	  "and -)" },
	{ "bad_name_long.conf", 3,
	  "modems[0].name: \"abcdefghijklmnopqrstuvwxyz012345\" is not a valid name (1 to 31 "
	  "characters of A-Z, a-z, 0-9, _ and -)" },
	{ "bad_missing_device.conf", 4, "modems[1]: missing required key \"device\"" },
	{ "bad_empty_device.conf", 3, "modems[0].device: must not be empty" },
	{ "bad_reply_missing.conf", 4, "inbound.rules[0]: action \"reply\" needs a reply text" },
	{ "bad_placeholder.conf", 6,
	  "inbound.rules[0].reply: unknown placeholder \"{tiket}\" (only {ticket} and {name} expand)" },
	{ "bad_ticket_help.conf", 5,
	  "inbound.unknown.reply: {ticket} only expands for action \"report\"" },
	{ "bad_reply_none.conf", 4,
	  "inbound.unknown.reply: not allowed with action \"none\" (the message is stored "
	  "without an answer)" },
	{ "bad_ussd_dup_key.conf", 8,
	  "ussd.menu.options[2].key: key \"1\" is already used by ussd.menu.options[0]" },
	{ "bad_ussd_kind.conf", 9,
	  "ussd.menu.options[0].options[0].kind: unknown kind \"form\" (expected menu, input, "
	  "pages, action)" },
	{ "bad_ussd_no_text.conf", 8,
	  "ussd.menu.options[2]: kind \"action\" needs a text (the END screen)" },
	{ "bad_ussd_deep.conf", 12,
	  "ussd.menu.options[0].options[0].options[0].options[0].options[0].options[0].options[0]"
	  ".options[0]: too deep: menus nest at most 8 levels (the main menu is level 1)" },
	{ "bad_ussd_screen.conf", 4,
	  "ussd.menu: the menu screen has 64 characters, more than max_screen_chars 60 (counting "
	  "\"CON \", the invalid-choice line)" },
	{ "bad_ussd_report_action.conf", 7,
	  "ussd.menu.options[0].action: a report needs the citizen's text: use kind \"input\"" },
	{ "bad_ussd_ticket.conf", 7,
	  "ussd.menu.options[0].text: {ticket} only expands for action \"report\"" },
	{ "bad_ussd_key.conf", 6,
	  "ussd.menu.options[0].key: \"0\" is not an option key (1 to 3 digits, not only zeros: "
	  "\"0\" is back and \"00\" the main menu)" },
	{ "bad_ussd_field.conf", 8, "ussd.menu.options[0].action: not used by kind \"pages\"" },
	{ "bad_ussd_no_menu.conf", 2, "ussd: missing required key \"menu\"" },
};

static void
test_bad_files(void)
{
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		char path[256], want[1024], err[1024] = "";
		struct loa_conf *c = (struct loa_conf *)&c; /* must be reset to NULL */
		int rc;

		snprintf(path, sizeof(path), DATA "%s", bad_files[i].file);
		if (bad_files[i].line > 0)
			snprintf(want, sizeof(want), "%s:%d: %s", path, bad_files[i].line,
				 bad_files[i].msg);
		else if (bad_files[i].line == 0)
			snprintf(want, sizeof(want), "%s: %s", path, bad_files[i].msg);
		else /* the problem is in an @include'd file, named in msg */
			snprintf(want, sizeof(want), "%s", bad_files[i].msg);
		rc = conf_load(path, &c, err, sizeof(err));
		CHECK_EQ_INT(rc, -EINVAL);
		CHECK(c == NULL);
		CHECK_EQ_STR(err, want);
	}
}

static void
test_missing_file(void)
{
	struct loa_conf *c = NULL;
	char err[256];

	CHECK_EQ_INT(conf_load(DATA "no_such_file.conf", &c, err, sizeof(err)), -ENOENT);
	CHECK(c == NULL);
	CHECK_EQ_STR(err, DATA "no_such_file.conf: cannot open: No such file or directory");

	CHECK_EQ_INT(conf_load(DATA, &c, err, sizeof(err)), -EISDIR);
	CHECK_CONTAINS(err, "tests/data/conf/: cannot open: ");
}

/* A short error buffer is truncated, not overrun; a NULL one is fine. */
static void
test_error_buffer(void)
{
	struct loa_conf *c = NULL;
	char err[16];

	memset(err, 'x', sizeof(err));
	CHECK_EQ_INT(conf_load(DATA "bad_range.conf", &c, err, 12), -EINVAL);
	CHECK_EQ_INT(strlen(err), 11);
	CHECK_EQ_INT(err[12], 'x');
	CHECK_EQ_INT(conf_load(DATA "bad_range.conf", &c, NULL, 0), -EINVAL);
	CHECK_EQ_INT(conf_load(DATA "bad_syntax.conf", &c, NULL, 0), -EINVAL);
	CHECK_EQ_INT(conf_load(DATA "no_such_file.conf", &c, NULL, 0), -ENOENT);
	CHECK(c == NULL);
}

static void
test_include(void)
{
	struct loa_conf *c = load_ok(DATA "include_main.conf");

	if (!c)
		return;
	CHECK(!c->log_json);
	CHECK_EQ_INT(c->n_modems, 1);
	CHECK(conf_modem_find(c, "inc1") != NULL);
	conf_free(c);
}

static void
test_int64_and_hash_case(void)
{
	struct loa_conf *c = load_ok(DATA "int64.conf");

	if (c) {
		CHECK_EQ_INT(c->api_max_body, 2097152);
		CHECK_EQ_INT(c->api_port, 0);
		conf_free(c);
	}
	c = load_ok(DATA "upper_hash.conf");
	if (c) {
		CHECK_EQ_INT(c->n_tokens, 1);
		CHECK_EQ_STR(c->tokens[0].sha256_hex,
			     "9c9d793a7532842a1b1ba887c955f1901e0d5644c64e6010518441c2f12a1b3b");
		CHECK_EQ_INT(c->tokens[0].role, CONF_ROLE_VIEWER);
		conf_free(c);
	}
}

static long long
get_modem_int(const struct loa_conf *c, const char *key)
{
	const struct conf_modem *m = &c->modems[0];

	if (strcmp(key, "rate_per_min") == 0)
		return m->rate_per_min;
	if (strcmp(key, "health_interval_s") == 0)
		return m->health_interval_s;
	if (strcmp(key, "inbox_interval_s") == 0)
		return m->inbox_interval_s;
	if (strcmp(key, "command_timeout_s") == 0)
		return m->command_timeout_s;
	if (strcmp(key, "max_attempts") == 0)
		return c->max_attempts;
	if (strcmp(key, "port") == 0)
		return c->api_port;
	if (strcmp(key, "max_body") == 0)
		return (long long)c->api_max_body;
	return -12345;
}

/* Every integer key accepts min and max and refuses min-1 and max+1 (ranges of conf.h). */
static void
test_integer_ranges(void)
{
	static const struct {
		const char *section, *key;
		long long min, max;
	} rows[] = {
		{ NULL, "rate_per_min", 1, 60000 },
		{ NULL, "health_interval_s", 5, 3600 },
		{ NULL, "inbox_interval_s", 1, 3600 },
		{ NULL, "command_timeout_s", 5, 600 },
		{ "dispatch", "max_attempts", 1, 100 },
		{ "api", "port", 0, 65535 },
		{ "api", "max_body", 1024, 1073741824 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		long long vals[4] = { rows[i].min - 1, rows[i].min, rows[i].max, rows[i].max + 1 };

		for (int k = 0; k < 4; k++) {
			char setting[128], text[512], err[512] = "", want[256], path[128];
			struct loa_conf *c = NULL;
			bool good = k == 1 || k == 2;
			int rc;

			snprintf(setting, sizeof(setting), "%s = %lld;", rows[i].key, vals[k]);
			if (rows[i].section) {
				snprintf(text, sizeof(text), "%s = { %s };\n" MODEM_LINE,
					 rows[i].section, setting, "");
				snprintf(path, sizeof(path), "%s.%s", rows[i].section, rows[i].key);
			} else {
				snprintf(text, sizeof(text), MODEM_LINE, setting);
				snprintf(path, sizeof(path), "modems[0].%s", rows[i].key);
			}
			rc = load_text(text, &c, err, sizeof(err));
			if (rc != (good ? 0 : -EINVAL))
				fprintf(stderr, "  %s = %lld: rc %d %s\n", path, vals[k], rc, err);
			CHECK_EQ_INT(rc, good ? 0 : -EINVAL);
			if (good && c)
				CHECK_EQ_INT(get_modem_int(c, rows[i].key), vals[k]);
			if (!good) {
				snprintf(want, sizeof(want), "%s: must be between %lld and %lld, got %lld",
					 path, rows[i].min, rows[i].max, vals[k]);
				CHECK_EQ_STR(err_message(err), want);
			}
			conf_free(c);
		}
	}
}

/* Each enumeration accepts all its names, and the loaded value names itself back. */
static void
test_enum_names(void)
{
	static const char *const actions[] = { "report", "optout", "optin", "help", "reply",
					       "none" };
	static const char *const roles[] = { "viewer", "official", "admin" };

	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		char text[512], err[512] = "";
		struct loa_conf *c = NULL;

		snprintf(text, sizeof(text), "inbound = { unknown = { action = \"%s\";%s }; };\n"
			 MODEM_LINE, actions[i], i == 4 ? " reply = \"ok\";" : "", "");
		CHECK_EQ_INT(load_text(text, &c, err, sizeof(err)), 0);
		if (c)
			CHECK_EQ_STR(conf_action_name(c->unknown_action), actions[i]);
		conf_free(c);
	}
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		char text[512], err[512] = "";
		struct loa_conf *c = NULL;

		snprintf(text, sizeof(text), "api = { tokens = ( { name = \"t\"; sha256 = \"%064d\"; "
			 "role = \"%s\"; } ); };\n" MODEM_LINE, 7, roles[i], "");
		CHECK_EQ_INT(load_text(text, &c, err, sizeof(err)), 0);
		if (c)
			CHECK_EQ_STR(conf_role_name(c->tokens[0].role), roles[i]);
		conf_free(c);
	}
	CHECK_EQ_STR(conf_action_name(_CONF_ACTION_COUNT), "?");
	CHECK_EQ_STR(conf_role_name((enum conf_role)7), "?");

	/* log.format and log.level and dispatch.uncertain */
	{
		struct loa_conf *c = NULL;
		char err[512] = "";

		CHECK_EQ_INT(load_text("log = { level = \"warn\"; format = \"text\"; };\n"
				       "dispatch = { uncertain = \"fail\"; allow_offnet = false; "
				       "backoff_s = (5); };\n" MODEM_PLAIN, &c, err, sizeof(err)), 0);
		if (c) {
			CHECK_EQ_INT(c->log_level, LOG_WARN);
			CHECK(!c->log_json);
			CHECK_EQ_INT(c->uncertain, CONF_UNCERTAIN_FAIL);
			CHECK(!c->allow_offnet);
			CHECK_EQ_INT(c->n_backoff, 1);
		}
		conf_free(c);
	}
}

/* ussd: integer ranges, screens measured in characters, and messages of a few more mistakes. */
static void
test_ussd(void)
{
	static const struct {
		const char *key;
		long long min, max;
	} rows[] = {
		{ "max_screen_chars", CONF_USSD_SCREEN_CHARS_MIN, CONF_USSD_SCREEN_CHARS_MAX },
		{ "session_timeout_s", 10, 3600 },
		{ "max_sessions", 1, 1000000 },
	};
	static const struct {
		const char *menu, *msg;
	} bad[] = {
		{ "kind = \"pages\"; title = \"M\"; text = \"x\";",
		  "ussd.menu.kind: the main menu must be of kind \"menu\"" },
		{ "key = \"1\"; title = \"M\"; options = ( { key = \"1\"; label = \"a\"; "
		  "kind = \"action\"; action = \"help\"; text = \"h\"; } );",
		  "ussd.menu.key: the main menu has no key" },
		{ "title = \"M\"; options = ( { key = \"1\"; kind = \"action\"; "
		  "action = \"help\"; text = \"h\"; } );",
		  "ussd.menu.options[0]: missing required key \"label\"" },
		{ "title = \"M\"; options = ();", "ussd.menu.options: must not be empty" },
		{ "title = \"M\";",
		  "ussd.menu: kind \"menu\" needs options ( { key = ...; label = ...; }, ... )" },
		{ "title = \"M\"; options = ( { key = \"1\"; label = \"a\"; kind = \"input\"; "
		  "action = \"report\"; text = \"x\"; } );",
		  "ussd.menu.options[0]: kind \"input\" needs a title" },
		{ "title = \"M\"; options = ( { key = \"1\"; label = \"a\"; kind = \"input\"; "
		  "title = \"t\"; text = \"x\"; } );",
		  "ussd.menu.options[0]: kind \"input\" needs an action" },
		{ "title = \"M\"; options = ( { key = \"1\"; label = \"a\"; kind = \"input\"; "
		  "title = \"t\"; action = \"report\"; text = \"Ma {so}\"; } );",
		  "ussd.menu.options[0].text: unknown placeholder \"{so}\" (only {ticket} expands)" },
		{ "title = \"M\"; options = ( { key = \"1\"; label = \"a\\tb\"; kind = \"action\"; "
		  "action = \"help\"; text = \"h\"; } );",
		  "ussd.menu.options[0].label: contains a control character (byte 1)" },
		{ "title = \"M\"; options = ( { key = \"1\"; label = \"a\"; kind = \"action\"; "
		  "action = \"none\"; text = \"h\"; } );",
		  "ussd.menu.options[0].action: unknown action \"none\" (expected report, optout, "
		  "optin, help, reply)" },
		/* 29 characters of Vietnamese (40 bytes): 4 + 21 + 1 + 29 + 5 = 60 fits in 60 */
		{ "title = \"Phản ánh tin giả về dịch bệnh\"; options = ( { key = \"1\"; "
		  "label = \"a\"; kind = \"action\"; action = \"help\"; text = \"h\"; } );",
		  NULL },
		{ "title = \"Phản ánh tin giả về dịch bệnh!\"; options = ( { key = \"1\"; "
		  "label = \"a\"; kind = \"action\"; action = \"help\"; text = \"h\"; } );",
		  "ussd.menu: the menu screen has 61 characters, more than max_screen_chars 60 "
		  "(counting \"CON \", the invalid-choice line)" },
		/* END texts: {ticket} counts 8: 4 + 48 + 8 = 60 fits, one more does not */
		{ "title = \"M\"; options = ( { key = \"1\"; label = \"a\"; kind = \"input\"; "
		  "title = \"t\"; action = \"report\"; "
		  "text = \"Da ghi nhan phan anh cua ban, xin cam on Ma so: {ticket}\"; } );", NULL },
		{ "title = \"M\"; options = ( { key = \"1\"; label = \"a\"; kind = \"input\"; "
		  "title = \"t\"; action = \"report\"; "
		  "text = \"Da ghi nhan phan anh cua ban, xin cam on. Ma so: {ticket}\"; } );",
		  "ussd.menu.options[0].text: the END screen has 61 characters, more than "
		  "max_screen_chars 60 (counting \"END \" and {ticket} as 8)" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		long long vals[4] = { rows[i].min - 1, rows[i].min, rows[i].max, rows[i].max + 1 };

		for (int k = 0; k < 4; k++) {
			char text[512], err[512] = "", want[256];
			struct loa_conf *c = NULL;
			bool good = k == 1 || k == 2;
			int rc;

			snprintf(text, sizeof(text), "ussd = { %s = %lld; menu = { title = \"M\"; "
				 "options = ( { key = \"1\"; label = \"a\"; kind = \"action\"; "
				 "action = \"help\"; text = \"h\"; } ); }; };\n" MODEM_PLAIN,
				 rows[i].key, vals[k]);
			rc = load_text(text, &c, err, sizeof(err));
			CHECK_EQ_INT(rc, good ? 0 : -EINVAL);
			if (good && c) {
				long long got = i == 0 ? c->ussd->max_screen_chars :
						i == 1 ? c->ussd->session_timeout_s :
							 c->ussd->max_sessions;

				CHECK_EQ_INT(got, vals[k]);
				CHECK(c->ussd->service_code == NULL);
				CHECK_EQ_STR(c->ussd->error_text,
					     "He thong dang ban. Vui long thu lai sau.");
			}
			if (!good) {
				snprintf(want, sizeof(want), "ussd.%s: must be between %lld and %lld, "
					 "got %lld", rows[i].key, rows[i].min, rows[i].max, vals[k]);
				CHECK_EQ_STR(err_message(err), want);
			}
			conf_free(c);
		}
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[1024], err[512] = "";
		struct loa_conf *c = NULL;
		int rc;

		snprintf(text, sizeof(text), "ussd = { max_screen_chars = 60; menu = { %s }; };\n"
			 MODEM_PLAIN, bad[i].menu);
		rc = load_text(text, &c, err, sizeof(err));
		if (rc != (bad[i].msg ? -EINVAL : 0))
			fprintf(stderr, "  ussd case %zu: rc %d %s\n", i, rc, err);
		CHECK_EQ_INT(rc, bad[i].msg ? -EINVAL : 0);
		if (bad[i].msg)
			CHECK_EQ_STR(err_message(err), bad[i].msg);
		conf_free(c);
	}
}

static void
test_null_safety(void)
{
	conf_free(NULL);
	CHECK(conf_modem_find(NULL, "sim1") == NULL);
	CHECK(conf_operator_find(NULL, "viettel") == NULL);
	CHECK(conf_operator_match(NULL, "+84912345678") == NULL);
}

TEST_MAIN("conf", TEST_CASE(test_default_conf), TEST_CASE(test_example_conf),
	  TEST_CASE(test_example_documents_every_key), TEST_CASE(test_minimal_defaults),
	  TEST_CASE(test_bad_files), TEST_CASE(test_missing_file), TEST_CASE(test_error_buffer),
	  TEST_CASE(test_include), TEST_CASE(test_int64_and_hash_case),
	  TEST_CASE(test_integer_ranges), TEST_CASE(test_enum_names), TEST_CASE(test_ussd),
	  TEST_CASE(test_null_safety))
