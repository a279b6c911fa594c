/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf — load and validate Loa's libconfig file into one immutable struct loa_conf.
 *
 * Every key is checked: unknown keys, wrong types and out-of-range values are rejected with
 * "FILE:LINE: what is wrong". Strings are copied out of libconfig (the struct owns them).
 * Relative paths in the file (store.path, modem devices that are paths, simulator files) are
 * kept as written; the daemon resolves them against its working directory.
 *
 * Thread: main thread (loading); the loaded struct is read-only and may be read anywhere.
 */
#ifndef LOA_CONF_H
#define LOA_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define CONF_NAME_MAX 32

enum conf_uncertain { CONF_UNCERTAIN_RESEND, CONF_UNCERTAIN_FAIL };

enum conf_action {
	CONF_ACTION_NONE,   /* store only, no reply */
	CONF_ACTION_REPORT, /* file a false-information report, reply with its ticket */
	CONF_ACTION_OPTOUT,
	CONF_ACTION_OPTIN,
	CONF_ACTION_HELP,
	CONF_ACTION_REPLY, /* fixed reply text */
	_CONF_ACTION_COUNT
};
/* Lower-case name as written in the file ("report", "optout", …); "?" when out of range. */
const char *conf_action_name(enum conf_action a);

enum conf_role { CONF_ROLE_VIEWER, CONF_ROLE_OFFICIAL, CONF_ROLE_ADMIN };
/* Lower-case name as written in the file ("viewer", "official", "admin"); "?" when unknown. */
const char *conf_role_name(enum conf_role r);

struct conf_modem {
	char *name;           /* unique, [A-Za-z0-9_-], at most CONF_NAME_MAX-1 chars */
	char *device;         /* passed to libgammu unchanged */
	char *connection;     /* passed to libgammu unchanged, e.g. "at", "at115200", "none" */
	char *model;          /* passed to libgammu unchanged, e.g. "at", "dummy", "" */
	char *operator_name;  /* key "operator": an operator name from `operators`, or NULL */
	int rate_per_min;     /* SMS parts a minute, 1..60000, default 10 */
	int health_interval_s; /* key "health_interval_s": signal/network poll, 5..3600, default 60 */
	int inbox_interval_s; /* key "inbox_interval_s": full inbox scan, 1..3600, default 10 */
	int command_timeout_s; /* key "command_timeout_s": deadline of one command, 5..600, default 90 */
	bool enabled;         /* default true */
	int min_signal_dbm;   /* below this the modem is degraded; -125..-50, default -105 */
	int max_errors_in_row; /* failed sends in a row that degrade the modem; default 3 */
	bool delivery_reports; /* request status reports and match them; default false */
	char *balance_ussd;   /* USSD code for the SIM balance (e.g. "*101#"), or NULL */
	int balance_interval_s; /* how often to ask it; 60..604800, default 21600 */
	char *balance_pattern; /* POSIX ERE; its first group is the balance; default "([0-9][0-9.,]*)" */
};

struct conf_operator {
	char *name;
	char **prefixes; /* E.164 prefixes such as "+8486" */
	size_t n_prefixes;
};

struct conf_rule {
	char **keywords; /* as written in the file; matched after folding case and diacritics */
	size_t n_keywords;
	enum conf_action action;
	char *reply; /* reply template ({ticket} expands), NULL = no reply */
};

struct conf_token {
	char *name;
	char sha256_hex[65]; /* lower-case hex of SHA-256 of the token */
	enum conf_role role; /* default viewer */
};

struct loa_conf {
	char *path; /* the file it was loaded from */

	/* log = { level = "info"; format = "json" | "text"; }; */
	int log_level;  /* enum log_level */
	bool log_json;

	/* store = { path = "var/loa.db"; }; */
	char *store_path;

	/* dispatch = { uncertain = "resend"|"fail"; max_attempts; backoff_s = [..]; country_code;
	 *              allow_offnet; }; */
	enum conf_uncertain uncertain;
	int max_attempts;  /* 1..100, default 5 */
	int *backoff_s;    /* default {30, 120, 600}; the last value repeats */
	size_t n_backoff;
	char *country_code; /* digits, default "84": 0912… -> +84912… */
	bool allow_offnet;  /* send through a modem of another operator when none matches, default true */

	/* api = { listen = "127.0.0.1"; port = 8080; max_body = 1048576; tokens = ( … ); }; */
	char *api_listen;
	int api_port; /* 0..65535; 0 = pick a free port (tests) */
	size_t api_max_body;
	struct conf_token *tokens;
	size_t n_tokens;

	/* inbound = { rules = ( … ); unknown = { action; reply; }; }; */
	struct conf_rule *rules;
	size_t n_rules;
	enum conf_action unknown_action;
	char *unknown_reply;

	struct conf_operator *operators;
	size_t n_operators;

	struct conf_modem *modems;
	size_t n_modems;
};

/*
 * Load and validate `path`. On success returns 0 and *out (free with conf_free). On failure
 * returns -EINVAL (or -errno for I/O) and writes "FILE:LINE: message" into err (just
 * "FILE: message" when no line applies, e.g. a missing file or no modems at all); *out is
 * left NULL and nothing leaks. err may be NULL. Main thread (start-up and SIGHUP reload).
 */
int conf_load(const char *path, struct loa_conf **out, char *err, size_t errlen);
/* Free a loaded configuration and every string it owns. NULL is fine. */
void conf_free(struct loa_conf *conf);

/* The modem called `name`, or NULL. Any thread (the struct is read-only). */
const struct conf_modem *conf_modem_find(const struct loa_conf *conf, const char *name);

/* The operator called `name`, or NULL. Any thread. */
const struct conf_operator *conf_operator_find(const struct loa_conf *conf, const char *name);

/*
 * The operator owning E.164 number `e164` ("+84912…") by longest matching prefix, or NULL when
 * no prefix matches. Any thread.
 */
const struct conf_operator *conf_operator_match(const struct loa_conf *conf, const char *e164);

#endif
