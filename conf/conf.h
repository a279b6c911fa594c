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
	int daily_cap;        /* SMS parts a local day at most (SIM plans); 0 = none, default 0 */
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

/*
 * USSD menu (`ussd = { ... }`), read by gateway/ussd_menu. Every screen is counted in Unicode
 * code points of the whole answer, "CON " or "END " included, and conf_load() checks that
 * each fixed screen fits max_screen_chars (see conf/loa.conf.example).
 */
#define CONF_USSD_DEPTH_MAX 8            /* menu levels, the main menu being level 1 */
#define CONF_USSD_SCREEN_CHARS_MIN 60    /* bounds of max_screen_chars */
#define CONF_USSD_SCREEN_CHARS_MAX 500
#define CONF_USSD_TICKET_CHARS 8         /* what "{ticket}" counts for (tickets are shorter) */
#define CONF_USSD_PAGE_SUFFIX_CHARS 8    /* " (12/34)" after a pages title */
#define CONF_USSD_PAGE_MIN_CHARS 20      /* a page must have room for this much text */
#define CONF_USSD_PAGES_MAX 99

enum conf_ussd_kind {
	CONF_USSD_MENU,   /* title + numbered options */
	CONF_USSD_INPUT,  /* title (prompt) + free text, then the action, then END text */
	CONF_USSD_PAGES,  /* title + long text shown screen by screen */
	CONF_USSD_ACTION, /* the action, then END text */
};
/* Lower-case name as written in the file ("menu", "input", …); "?" when out of range. */
const char *conf_ussd_kind_name(enum conf_ussd_kind k);

struct conf_ussd_node {
	enum conf_ussd_kind kind; /* key "kind", default menu */
	char *key;      /* the choice in the parent menu ("1"); NULL for the main menu */
	char *label;    /* the line in the parent menu; NULL for the main menu */
	char *title;    /* menu heading, input prompt or pages heading; NULL for an action */
	char *text;     /* pages: the long text; input, action: the END screen ({ticket}) */
	char *category; /* report category for this branch (the deepest one wins), or NULL */
	enum conf_action action; /* input, action: REPORT, OPTOUT, OPTIN, HELP, REPLY; else NONE */
	struct conf_ussd_node *options; /* menu: the choices, in order */
	size_t n_options;
};

struct conf_ussd {
	char *service_code;    /* e.g. "*123#"; NULL = answer any code */
	int max_screen_chars;  /* CONF_USSD_SCREEN_CHARS_MIN..MAX, default 160 */
	int session_timeout_s; /* idle time after which a session is over; 10..3600, default 180 */
	int max_sessions;      /* sessions remembered at most (oldest evicted); default 10000 */
	char *invalid_text;    /* line above a menu after a wrong choice */
	char *empty_text;      /* line above an input prompt after an empty answer */
	char *back_label;      /* "0. <back_label>" */
	char *next_label;      /* "1. <next_label>" on pages */
	char *expired_text;    /* END screen of a session that timed out */
	char *error_text;      /* END screen when the request cannot be served */
	struct conf_ussd_node *menu; /* the main menu, kind menu (owned) */
};

/*
 * Code points of text a page of `pages` (a CONF_USSD_PAGES node) can hold under `u`'s screen
 * size: what remains once "CON ", the heading line (title and " (k/n)", or the invalid_text
 * line) and the "1. next" and "0. back" lines are counted. May be negative for a screen too
 * small (conf_load() refuses such a file). Any thread.
 */
int conf_ussd_page_chars(const struct conf_ussd *u, const struct conf_ussd_node *pages);

/* Code points in valid UTF-8 `s` (continuation bytes are not counted). Any thread. */
size_t conf_utf8_chars(const char *s);

struct loa_conf {
	char *path; /* the file it was loaded from */

	/* log = { level = "info"; format = "json" | "text"; }; */
	int log_level;  /* enum log_level */
	bool log_json;

	/* store = { path = "var/loa.db"; }; */
	char *store_path;
	int retention_days; /* citizens' SMS and reports older than this are purged; 0 = keep */
	int chunk_recipients; /* a campaign's recipients handed to the dispatcher at a time */

	/* dispatch = { uncertain = "resend"|"fail"; max_attempts; backoff_s = [..]; country_code;
	 *              allow_offnet; }; */
	enum conf_uncertain uncertain;
	int max_attempts;  /* 1..100, default 5 */
	int *backoff_s;    /* default {30, 120, 600}; the last value repeats */
	size_t n_backoff;
	char *country_code; /* digits, default "84": 0912… -> +84912… */
	bool allow_offnet;  /* send through a modem of another operator when none matches, default true */
	char *timezone;     /* IANA name for quiet hours and schedules, default "Asia/Ho_Chi_Minh" */
	char *quiet_hours;  /* "HH:MM-HH:MM" local, no broadcasts but alerts; "" none; default 21:00-07:00 */
	int daily_cap;      /* broadcast messages a number gets in 24 h at most; 0 = no cap; default 5 */

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
	int max_replies_per_hour; /* automatic answers to one number an hour at most; default 5 */
	int reassembly_timeout_s; /* an incomplete multipart SMS is routed as-is after; default 600 */
	char *poll_reply;         /* answer to a poll vote; "" for none */

	struct conf_operator *operators;
	size_t n_operators;

	struct conf_modem *modems;
	size_t n_modems;

	/* ussd = { service_code; …; menu = { … }; }; NULL when the file has no ussd group */
	struct conf_ussd *ussd;
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
