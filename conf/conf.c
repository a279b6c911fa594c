/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf — load Loa's libconfig file and validate it into one struct loa_conf.
 *
 * libconfig parses the file; a small table-driven walker then reads it. Each group of the file
 * (the top level, log, store, dispatch, api, api.tokens[i], inbound, inbound.rules[i],
 * inbound.unknown, ussd, ussd.menu and its nested options[i], operators[i], modems[i]) has a
 * table of rows {key, kind, field offset, default, range, checker}, in the spirit of Redis'
 * createIntConfig(). The walker:
 *   - rejects any key that no row names (Kannel style), suggesting a near miss;
 *   - checks each value's type and range, and runs the row's checker on strings;
 *   - copies strings out of libconfig (which frees its own at config_destroy());
 *   - fills the default of every key left out.
 * Checks spanning several values (unique names, keyword clashes between rules, operator
 * references, reply templates, the USSD menu's shape and screen sizes) run in a table's "post"
 * hook once its group has been read.
 * The first problem ends the load, reported as "FILE:LINE: what is wrong" with the line of the
 * offending setting. conf_free() walks the same tables, so what is loaded is what is freed.
 *
 * This is the only file of Loa that includes <libconfig.h>.
 *
 * Limitation: libconfig 1.5 silently wraps plain integer literals beyond 32 bits
 * (port = 4294975592 reads as 8296); values written with an L suffix are read exactly.
 *
 * Thread: conf_load()/conf_free() on the main thread; lookups on a loaded struct from any.
 */
#include "conf/conf.h"
#include "conf/conf_int.h"

#include <ctype.h>
#include <regex.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/util.h"

#define CONF_MSG_LEN 1024
#define CONF_KEYWORD_MAX 63
#define CONF_PREFIX_DIGITS_MAX 15 /* E.164 numbers have at most 15 digits */
#define CONF_DIGITS "0123456789"

/* ---- enumerations by name ---- */

struct conf_name {
	const char *name;
	int value;
};

/* Each list is in the order error messages show it. */
static const struct conf_name conf_action_names[] = {
	{ "report", CONF_ACTION_REPORT }, { "optout", CONF_ACTION_OPTOUT },
	{ "optin", CONF_ACTION_OPTIN },   { "help", CONF_ACTION_HELP },
	{ "reply", CONF_ACTION_REPLY },   { "none", CONF_ACTION_NONE },
	{ NULL, 0 },
};

static const struct conf_name conf_role_names[] = {
	{ "viewer", CONF_ROLE_VIEWER },
	{ "official", CONF_ROLE_OFFICIAL },
	{ "admin", CONF_ROLE_ADMIN },
	{ NULL, 0 },
};

static const struct conf_name conf_level_names[] = {
	{ "debug", LOG_DEBUG }, { "info", LOG_INFO },   { "notice", LOG_NOTICE },
	{ "warn", LOG_WARN },   { "error", LOG_ERROR }, { NULL, 0 },
};

static const struct conf_name conf_format_names[] = {
	{ "json", true },
	{ "text", false },
	{ NULL, 0 },
};

static const struct conf_name conf_uncertain_names[] = {
	{ "resend", CONF_UNCERTAIN_RESEND },
	{ "fail", CONF_UNCERTAIN_FAIL },
	{ NULL, 0 },
};

static const struct conf_name conf_ussd_kind_names[] = {
	{ "menu", CONF_USSD_MENU },
	{ "input", CONF_USSD_INPUT },
	{ "pages", CONF_USSD_PAGES },
	{ "action", CONF_USSD_ACTION },
	{ NULL, 0 },
};

/* The SMS keyword actions a USSD leaf may take ("none" makes no sense for a menu leaf). */
static const struct conf_name conf_ussd_action_names[] = {
	{ "report", CONF_ACTION_REPORT }, { "optout", CONF_ACTION_OPTOUT },
	{ "optin", CONF_ACTION_OPTIN },   { "help", CONF_ACTION_HELP },
	{ "reply", CONF_ACTION_REPLY },   { NULL, 0 },
};

static const char *
conf_name_of(const struct conf_name *names, int value)
{
	for (; names->name; names++)
		if (names->value == value)
			return names->name;
	return "?";
}

const char *
conf_action_name(enum conf_action a)
{
	return conf_name_of(conf_action_names, (int)a);
}

const char *
conf_role_name(enum conf_role r)
{
	return conf_name_of(conf_role_names, (int)r);
}

const char *
conf_ussd_kind_name(enum conf_ussd_kind k)
{
	return conf_name_of(conf_ussd_kind_names, (int)k);
}

/* ---- error reporting ---- */


/*
 * The name to show for file `f` that libconfig recorded: libconfig 1.5 keeps an @include'd
 * file under the name written in the directive, so put the include directory in front.
 */
static const char *
conf_file_name(const struct conf_ctx *ctx, const char *f, char *buf, size_t len)
{
	if (!f)
		return ctx->file;
	if (strcmp(f, ctx->file) == 0 || f[0] == '/' || !ctx->dir)
		return f;
	snprintf(buf, len, "%s/%s", ctx->dir, f);
	return buf;
}

/*
 * Write "FILE:LINE: message" for setting `s` (just "FILE: message" when s is NULL or has no
 * line, as the root group) and return -EINVAL.
 */
int
conf_fail(struct conf_ctx *ctx, const config_setting_t *s, const char *fmt, ...)
{
	char msg[CONF_MSG_LEN], fbuf[512];
	const char *file = ctx->file;
	unsigned int line = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s) {
		line = config_setting_source_line(s);
		file = conf_file_name(ctx, config_setting_source_file(s), fbuf, sizeof(fbuf));
	}
	if (ctx->err && ctx->errlen) {
		if (line)
			snprintf(ctx->err, ctx->errlen, "%s:%u: %s", file, line, msg);
		else
			snprintf(ctx->err, ctx->errlen, "%s: %s", file, msg);
	}
	return -EINVAL;
}

static int
conf_oom(struct conf_ctx *ctx)
{
	if (ctx->err && ctx->errlen)
		snprintf(ctx->err, ctx->errlen, "%s: out of memory", ctx->file);
	return -ENOMEM;
}

static const char *
conf_type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a floating-point number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ... ]";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	}
	return "a value of unknown type";
}

static int
conf_type_error(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		const char *expected)
{
	return conf_fail(ctx, s, "%s: must be %s, got %s", path, expected,
			 conf_type_name(config_setting_type(s)));
}

/* Mark a setting path cut short by snprintf (only absurdly deep or long names get there). */
void
conf_path_done(char out[CONF_PATH_LEN], int n)
{
	if (n >= CONF_PATH_LEN)
		memcpy(out + CONF_PATH_LEN - 4, "...", 4);
}

/* "parent.key", or "key" at the top level. */
void
conf_join(char out[CONF_PATH_LEN], const char *parent, const char *key)
{
	conf_path_done(out, snprintf(out, CONF_PATH_LEN, "%s%s%s", parent, *parent ? "." : "",
				     key));
}

/* "parent[i]" */
void
conf_index(char out[CONF_PATH_LEN], const char *parent, size_t i)
{
	conf_path_done(out, snprintf(out, CONF_PATH_LEN, "%s[%zu]", parent, i));
}

/* Member `key` of element i of list `list` (for pointing at a line), or the element itself. */
const config_setting_t *
conf_elem_member(const config_setting_t *list, size_t i, const char *key)
{
	config_setting_t *e = list ? config_setting_get_elem(list, (unsigned int)i) : NULL;
	config_setting_t *m = e && key ? config_setting_get_member(e, key) : NULL;

	return m ? m : e;
}

/* ---- string checkers: return 0 or conf_fail() ---- */

typedef int conf_check_fn(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
			  const char *value);

/* Names of modems, operators and tokens: [A-Za-z0-9_-]{1,31}. */
static int
conf_check_name(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		const char *value)
{
	size_t len = strlen(value);
	bool ok = len >= 1 && len < CONF_NAME_MAX;

	for (const char *p = value; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '_' || *p == '-';
	if (!ok)
		return conf_fail(ctx, s, "%s: \"%s\" is not a valid name (1 to %d characters of "
				 "A-Z, a-z, 0-9, _ and -)", path, value, CONF_NAME_MAX - 1);
	return 0;
}

static int
conf_check_sha256(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		  const char *value)
{
	size_t len = strlen(value);

	if (len != 64)
		return conf_fail(ctx, s, "%s: must be 64 hexadecimal digits (the SHA-256 of the "
				 "token), got %zu characters", path, len);
	for (const char *p = value; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return conf_fail(ctx, s, "%s: must be 64 hexadecimal digits (the SHA-256 "
					 "of the token), found '%c'", path, *p);
	return 0;
}

static int
conf_check_country(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		   const char *value)
{
	size_t len = strlen(value);

	if (len < 1 || len > 3 || strspn(value, CONF_DIGITS) != len)
		return conf_fail(ctx, s, "%s: must be 1 to 3 digits without \"+\" (e.g. \"84\"), "
				 "got \"%s\"", path, value);
	return 0;
}

static int
conf_check_prefix(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		  const char *value)
{
	size_t len = strlen(value);

	if (value[0] != '+' || len < 2 || len > 1 + CONF_PREFIX_DIGITS_MAX ||
	    strspn(value + 1, CONF_DIGITS) != len - 1)
		return conf_fail(ctx, s, "%s: must be \"+\" followed by 1 to %d digits (e.g. "
				 "\"+8486\"), got \"%s\"", path, CONF_PREFIX_DIGITS_MAX, value);
	return 0;
}

/* An IANA time zone the system knows (tzdata), e.g. "Asia/Ho_Chi_Minh", or "UTC". */
static int
conf_check_timezone(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		    const char *value)
{
	char file[512];
	bool ok = strcmp(value, "UTC") == 0;

	if (!ok && !strstr(value, "..") && value[0] != '/') {
		snprintf(file, sizeof(file), "/usr/share/zoneinfo/%s", value);
		ok = access(file, R_OK) == 0;
	}
	if (!ok)
		return conf_fail(ctx, s, "%s: unknown time zone \"%s\" (an IANA name such as "
				 "\"Asia/Ho_Chi_Minh\"; is the tzdata package installed?)", path, value);
	return 0;
}

/* "HH:MM-HH:MM" (may span midnight), or "" for no quiet hours. */
static int
conf_check_quiet(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		 const char *value)
{
	int h1, m1, h2, m2, n = 0;

	if (!*value)
		return 0;
	if (sscanf(value, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &n) != 4 || value[n] ||
	    h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59 || h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0 ||
	    (h1 == h2 && m1 == m2))
		return conf_fail(ctx, s, "%s: expected \"HH:MM-HH:MM\" (e.g. \"21:00-07:00\") or "
				 "\"\" for none, got \"%s\"", path, value);
	return 0;
}

/* A USSD code as dialled: digits, '*' and '#', e.g. "*101#". */
static int
conf_check_ussd(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		const char *value)
{
	size_t len = strlen(value);

	if (len < 2 || len > 40 || strspn(value, CONF_DIGITS "*#") != len)
		return conf_fail(ctx, s, "%s: \"%s\" is not a USSD code (2 to 40 characters of "
				 "0-9, * and #, e.g. \"*101#\")", path, value);
	return 0;
}

/* A POSIX extended regular expression whose first group (or whole match) is the balance. */
static int
conf_check_regex(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		 const char *value)
{
	regex_t re;
	int rc = regcomp(&re, value, REG_EXTENDED);

	if (rc != 0) {
		char why[128];
		regerror(rc, &re, why, sizeof(why));
		return conf_fail(ctx, s, "%s: not a valid regular expression: %s", path, why);
	}
	regfree(&re);
	return 0;
}

/* Keywords are matched against the first word of an SMS, so they are one word. */
static int
conf_check_keyword(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		   const char *value)
{
	if (!*value)
		return conf_fail(ctx, s, "%s: must not be empty", path);
	if (strlen(value) > CONF_KEYWORD_MAX)
		return conf_fail(ctx, s, "%s: is longer than %d bytes", path, CONF_KEYWORD_MAX);
	for (const char *p = value; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return conf_fail(ctx, s, "%s: \"%s\" must be a single word (the first word "
					 "of an SMS is matched)", path, value);
	return 0;
}

/* ---- USSD strings ---- */

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one. */
static size_t
conf_utf8_seq(const unsigned char *p)
{
	size_t n;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

size_t
conf_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Valid UTF-8 without control characters (but '\n' where `newlines`). */
static int
conf_check_ussd_string(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		       const char *value, bool newlines)
{
	for (const unsigned char *p = (const unsigned char *)value; *p;) {
		size_t n = conf_utf8_seq(p);

		if (!n)
			return conf_fail(ctx, s, "%s: is not valid UTF-8 (byte %zu)", path,
					 (size_t)(p - (const unsigned char *)value));
		if (n == 1 && (iscntrl(*p) && !(newlines && *p == '\n')))
			return conf_fail(ctx, s, "%s: contains a control character (byte %zu)%s",
					 path, (size_t)(p - (const unsigned char *)value),
					 newlines ? "; only \\n is allowed" : "");
		p += n;
	}
	return 0;
}

/* One line of a USSD screen: a label, a fixed line such as invalid_text. */
static int
conf_check_ussd_line(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		     const char *value)
{
	return conf_check_ussd_string(ctx, s, path, value, false);
}

/* A title or text: may hold line breaks. */
static int
conf_check_ussd_text(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		     const char *value)
{
	return conf_check_ussd_string(ctx, s, path, value, true);
}

/* An option key: what the citizen types to choose it. "0" and "00" are back and main menu. */
static int
conf_check_ussd_key(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		    const char *value)
{
	size_t len = strlen(value);

	if (len < 1 || len > 3 || strspn(value, CONF_DIGITS) != len ||
	    strspn(value, "0") == len)
		return conf_fail(ctx, s, "%s: \"%s\" is not an option key (1 to 3 digits, not only "
				 "zeros: \"0\" is back and \"00\" the main menu)", path, value);
	return 0;
}

/* ---- the table walker ---- */

enum conf_kind {
	CONF_K_INT,   /* integer in [min, max] into an int, size_t or bool-sized field */
	CONF_K_BOOL,  /* true/false into a bool */
	CONF_K_STR,   /* string copied into a char * (or a char array with CONF_F_INLINE) */
	CONF_K_ENUM,  /* one of .names, stored as its value */
	CONF_K_GROUP, /* nested group whose keys fill the same struct */
	CONF_K_INTS,  /* array or list of integers in [min, max] into int * + size_t count */
	CONF_K_STRS,  /* array or list of strings into char ** + size_t count */
	CONF_K_LIST,  /* list of groups, each read with .sub into an array of .size-byte structs */
	CONF_K_PGROUP, /* optional group read with .sub into a new .size-byte struct, or NULL */
};

#define CONF_F_REQUIRED 0x1 /* no default: the key must be present */
#define CONF_F_NONEMPTY 0x2 /* "" (or an empty list, or an empty string in it) is an error */
#define CONF_F_INLINE 0x4   /* STR: the field is a char array of .size bytes */

struct conf_table;

struct conf_opt {
	const char *key;
	enum conf_kind kind;
	unsigned int flags;
	size_t off;           /* the field; for INTS, STRS and LIST the array pointer */
	size_t off_n;         /* INTS, STRS, LIST: the size_t count field */
	size_t size;          /* INT, BOOL, ENUM: field width; STR inline: array size; LIST: element */
	long long def;        /* INT, BOOL, ENUM: default */
	long long min, max;   /* INT, INTS: range */
	const char *sdef;     /* STR: default, NULL = none */
	const int *idef;      /* INTS: default */
	size_t n_idef;
	const struct conf_name *names; /* ENUM */
	const char *what;     /* ENUM: noun of "unknown <what> \"x\"" */
	conf_check_fn *check; /* STR, STRS: each value */
	const struct conf_table *sub; /* GROUP, LIST */
};

typedef int conf_post_fn(struct conf_ctx *ctx, const config_setting_t *g, const char *path,
			 void *base);

struct conf_table {
	const struct conf_opt *opts; /* ends with a row whose key is NULL */
	conf_post_fn *post;          /* cross-checks once the group has been read, or NULL */
};

#define CONF_FIELD(T, f) .off = offsetof(T, f), .size = sizeof(((T *)0)->f)
#define OPT_INT(k, T, f, d, lo, hi)                                                              \
	{ .key = k, .kind = CONF_K_INT, CONF_FIELD(T, f), .def = d, .min = lo, .max = hi }
#define OPT_BOOL(k, T, f, d) { .key = k, .kind = CONF_K_BOOL, CONF_FIELD(T, f), .def = d }
#define OPT_STR(k, T, f, fl, d, chk)                                                             \
	{ .key = k, .kind = CONF_K_STR, .flags = fl, .off = offsetof(T, f), .sdef = d,           \
	  .check = chk }
#define OPT_STRBUF(k, T, f, fl, chk)                                                             \
	{ .key = k, .kind = CONF_K_STR, .flags = (fl) | CONF_F_INLINE, CONF_FIELD(T, f),         \
	  .check = chk }
#define OPT_ENUM(k, T, f, fl, d, nm, w)                                                          \
	{ .key = k, .kind = CONF_K_ENUM, .flags = fl, CONF_FIELD(T, f), .def = d, .names = nm,   \
	  .what = w }
#define OPT_GROUP(k, tbl) { .key = k, .kind = CONF_K_GROUP, .sub = tbl }
#define OPT_INTS(k, T, f, n, fl, lo, hi, dflt)                                                   \
	{ .key = k, .kind = CONF_K_INTS, .flags = fl, .off = offsetof(T, f),                     \
	  .off_n = offsetof(T, n), .min = lo, .max = hi, .idef = dflt,                           \
	  .n_idef = sizeof(dflt) / sizeof((dflt)[0]) }
#define OPT_STRS(k, T, f, n, fl, chk)                                                            \
	{ .key = k, .kind = CONF_K_STRS, .flags = fl, .off = offsetof(T, f),                     \
	  .off_n = offsetof(T, n), .check = chk }
#define OPT_LIST(k, T, f, n, fl, ET, tbl)                                                        \
	{ .key = k, .kind = CONF_K_LIST, .flags = fl, .off = offsetof(T, f),                     \
	  .off_n = offsetof(T, n), .size = sizeof(ET), .sub = tbl }
#define OPT_PGROUP(k, T, f, fl, ET, tbl)                                                          \
	{ .key = k, .kind = CONF_K_PGROUP, .flags = fl, .off = offsetof(T, f), .size = sizeof(ET), \
	  .sub = tbl }
#define OPT_END { .key = NULL }

_Static_assert(sizeof(bool) != sizeof(int) && sizeof(int) != sizeof(size_t),
	       "conf_store_int() tells fields apart by width");

static void *
conf_at(void *base, size_t off)
{
	return (char *)base + off;
}

static void
conf_store_int(void *p, size_t size, long long v)
{
	switch (size) {
	case sizeof(bool):
		*(bool *)p = v != 0;
		break;
	case sizeof(int):
		*(int *)p = (int)v;
		break;
	case sizeof(size_t):
		*(size_t *)p = (size_t)v;
		break;
	}
}

static const struct conf_opt *
conf_opt_find(const struct conf_table *t, const char *key)
{
	for (const struct conf_opt *o = t->opts; o->key; o++)
		if (strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

/* Levenshtein distance of two short strings, capped at 99 for long ones. */
static int
conf_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int prev[64], cur[64];

	if (la >= 64 || lb >= 64)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			int del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(int) * (lb + 1));
	}
	return prev[lb];
}

/* A known key that `key` is probably a typo of, or NULL. */
static const char *
conf_suggest(const struct conf_table *t, const char *key)
{
	const char *best = NULL;
	int best_d = 3;

	for (const struct conf_opt *o = t->opts; o->key; o++) {
		size_t lo = strlen(o->key), lk = strlen(key);
		int d = conf_distance(o->key, key);

		/* "rate_per_minute" for "rate_per_min", "health_interval" for "…_s" */
		if (lo >= 4 && lk >= 4 && (strncmp(o->key, key, lo < lk ? lo : lk) == 0))
			d = d < 2 ? d : 2;
		if (d < best_d) {
			best = o->key;
			best_d = d;
		}
	}
	return best;
}

static int conf_group(struct conf_ctx *ctx, const config_setting_t *g, const char *path,
		      const struct conf_table *t, void *base);

static int
conf_int(struct conf_ctx *ctx, const config_setting_t *s, const char *path, long long min,
	 long long max, long long *v)
{
	int type = config_setting_type(s);

	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return conf_type_error(ctx, s, path, "an integer");
	*v = config_setting_get_int64(s);
	if (*v < min || *v > max)
		return conf_fail(ctx, s, "%s: must be between %lld and %lld, got %lld", path, min,
				 max, *v);
	return 0;
}

static int
conf_str(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
	 const struct conf_opt *o, const char **v)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_type_error(ctx, s, path, "a string");
	*v = config_setting_get_string(s);
	if ((o->flags & CONF_F_NONEMPTY) && !**v)
		return conf_fail(ctx, s, "%s: must not be empty", path);
	return o->check ? o->check(ctx, s, path, *v) : 0;
}

static int
conf_enum(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
	  const struct conf_opt *o, void *base)
{
	char expected[256] = "";
	size_t len = 0;
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_type_error(ctx, s, path, "a string");
	v = config_setting_get_string(s);
	for (const struct conf_name *n = o->names; n->name; n++) {
		if (strcmp(n->name, v) == 0) {
			conf_store_int(conf_at(base, o->off), o->size, n->value);
			return 0;
		}
		if (len < sizeof(expected))
			len += (size_t)snprintf(expected + len, sizeof(expected) - len, "%s%s",
						len ? ", " : "", n->name);
	}
	return conf_fail(ctx, s, "%s: unknown %s \"%s\" (expected %s)", path, o->what, v,
			 expected);
}

/* INTS and STRS: an array [ ... ] or a list ( ... ) of scalars. */
static int
conf_scalars(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
	     const struct conf_opt *o, void *base)
{
	bool ints = o->kind == CONF_K_INTS;
	size_t n;
	void *arr;

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return conf_type_error(ctx, s, path, ints ? "an array of integers [ ... ]" :
							    "an array of strings [ ... ]");
	n = (size_t)config_setting_length(s);
	if (n == 0) {
		if (o->flags & CONF_F_NONEMPTY)
			return conf_fail(ctx, s, "%s: must not be empty", path);
		return 0;
	}
	arr = calloc(n, ints ? sizeof(int) : sizeof(char *));
	if (!arr)
		return conf_oom(ctx);
	/* owned by the struct from here on, so conf_free() cleans up after a later error */
	*(void **)conf_at(base, o->off) = arr;
	*(size_t *)conf_at(base, o->off_n) = n;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		char epath[CONF_PATH_LEN];
		const char *v = NULL;
		long long iv = 0;
		int rc;

		conf_index(epath, path, i);
		if (ints) {
			rc = conf_int(ctx, e, epath, o->min, o->max, &iv);
			if (rc)
				return rc;
			((int *)arr)[i] = (int)iv;
			continue;
		}
		rc = conf_str(ctx, e, epath, o, &v);
		if (rc)
			return rc;
		((char **)arr)[i] = strdup(v);
		if (!((char **)arr)[i])
			return conf_oom(ctx);
	}
	return 0;
}

static int
conf_list(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
	  const struct conf_opt *o, void *base)
{
	size_t n;
	char *arr;

	if (!config_setting_is_list(s))
		return conf_type_error(ctx, s, path, "a list of groups ( { ... }, ... )");
	n = (size_t)config_setting_length(s);
	if (n == 0) {
		if (o->flags & CONF_F_NONEMPTY)
			return conf_fail(ctx, s, "%s: must not be empty", path);
		return 0;
	}
	arr = calloc(n, o->size);
	if (!arr)
		return conf_oom(ctx);
	*(void **)conf_at(base, o->off) = arr;
	*(size_t *)conf_at(base, o->off_n) = n;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		char epath[CONF_PATH_LEN];
		int rc;

		conf_index(epath, path, i);
		if (!config_setting_is_group(e))
			return conf_type_error(ctx, e, epath, "a group { ... }");
		rc = conf_group(ctx, e, epath, o->sub, arr + i * o->size);
		if (rc)
			return rc;
	}
	return 0;
}

/* Read setting `s`, the value of row `o`, into base. */
static int
conf_value(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
	   const struct conf_opt *o, void *base)
{
	void *field = conf_at(base, o->off);
	const char *v = NULL;
	long long iv = 0;
	int rc;

	switch (o->kind) {
	case CONF_K_INT:
		rc = conf_int(ctx, s, path, o->min, o->max, &iv);
		if (rc == 0)
			conf_store_int(field, o->size, iv);
		return rc;
	case CONF_K_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return conf_type_error(ctx, s, path, "a boolean (true or false)");
		conf_store_int(field, o->size, config_setting_get_bool(s));
		return 0;
	case CONF_K_STR:
		rc = conf_str(ctx, s, path, o, &v);
		if (rc)
			return rc;
		if (o->flags & CONF_F_INLINE) {
			if (strlen(v) >= o->size)
				return conf_fail(ctx, s, "%s: is longer than %zu bytes", path,
						 o->size - 1);
			util_strlcpy(field, v, o->size);
			return 0;
		}
		*(char **)field = strdup(v);
		return *(char **)field ? 0 : conf_oom(ctx);
	case CONF_K_ENUM:
		return conf_enum(ctx, s, path, o, base);
	case CONF_K_GROUP:
		if (!config_setting_is_group(s))
			return conf_type_error(ctx, s, path, "a group { ... }");
		return conf_group(ctx, s, path, o->sub, base);
	case CONF_K_INTS:
	case CONF_K_STRS:
		return conf_scalars(ctx, s, path, o, base);
	case CONF_K_LIST:
		return conf_list(ctx, s, path, o, base);
	case CONF_K_PGROUP:
		if (!config_setting_is_group(s))
			return conf_type_error(ctx, s, path, "a group { ... }");
		/* owned by the struct from here on, so conf_free() cleans up after a later error */
		*(void **)field = calloc(1, o->size);
		if (!*(void **)field)
			return conf_oom(ctx);
		return conf_group(ctx, s, path, o->sub, *(void **)field);
	}
	return conf_fail(ctx, s, "%s: internal error: unknown row kind", path);
}

/* Give row `o` its default in base (a nested group: every row of it). */
static int
conf_default(struct conf_ctx *ctx, const struct conf_opt *o, void *base)
{
	void *field = conf_at(base, o->off);
	int *arr;

	switch (o->kind) {
	case CONF_K_INT:
	case CONF_K_BOOL:
	case CONF_K_ENUM:
		conf_store_int(field, o->size, o->def);
		return 0;
	case CONF_K_STR:
		if (!o->sdef || (o->flags & CONF_F_INLINE))
			return 0;
		*(char **)field = strdup(o->sdef);
		return *(char **)field ? 0 : conf_oom(ctx);
	case CONF_K_GROUP:
		for (const struct conf_opt *so = o->sub->opts; so->key; so++) {
			int rc = conf_default(ctx, so, base);

			if (rc)
				return rc;
		}
		return 0;
	case CONF_K_INTS:
		if (!o->n_idef)
			return 0;
		arr = malloc(o->n_idef * sizeof(int));
		if (!arr)
			return conf_oom(ctx);
		memcpy(arr, o->idef, o->n_idef * sizeof(int));
		*(int **)field = arr;
		*(size_t *)conf_at(base, o->off_n) = o->n_idef;
		return 0;
	case CONF_K_STRS:
	case CONF_K_LIST:
	case CONF_K_PGROUP:
		return 0;
	}
	return 0;
}

/* Read group `g` (already known to be a group) into base with table t. */
static int
conf_group(struct conf_ctx *ctx, const config_setting_t *g, const char *path,
	   const struct conf_table *t, void *base)
{
	int n = config_setting_length(g);
	int rc;

	for (int i = 0; i < n; i++) {
		const config_setting_t *c = config_setting_get_elem(g, (unsigned int)i);
		const char *key = config_setting_name(c);
		const char *hint;
		char tail[CONF_PATH_LEN + 32] = "";

		if (conf_opt_find(t, key))
			continue;
		hint = conf_suggest(t, key);
		if (hint)
			snprintf(tail, sizeof(tail), " (did you mean \"%s\"?)", hint);
		if (*path)
			return conf_fail(ctx, c, "unknown key \"%s\" in %s%s", key, path, tail);
		return conf_fail(ctx, c, "unknown top-level key \"%s\"%s", key, tail);
	}
	for (const struct conf_opt *o = t->opts; o->key; o++) {
		const config_setting_t *c = config_setting_get_member(g, o->key);
		char sub[CONF_PATH_LEN];

		if (!c && (o->flags & CONF_F_REQUIRED))
			return conf_fail(ctx, g, "%s: missing required key \"%s\"",
					 *path ? path : "top level", o->key);
		conf_join(sub, path, o->key);
		rc = c ? conf_value(ctx, c, sub, o, base) : conf_default(ctx, o, base);
		if (rc)
			return rc;
	}
	return t->post ? t->post(ctx, g, path, base) : 0;
}

/* Free what table t loaded into base (not base itself). */
static void
conf_release(const struct conf_table *t, void *base)
{
	for (const struct conf_opt *o = t->opts; o->key; o++) {
		void *field = conf_at(base, o->off);
		size_t n = 0;

		if (o->kind == CONF_K_STRS || o->kind == CONF_K_LIST)
			n = *(size_t *)conf_at(base, o->off_n);
		switch (o->kind) {
		case CONF_K_STR:
			if (!(o->flags & CONF_F_INLINE))
				free(*(char **)field);
			break;
		case CONF_K_GROUP:
			conf_release(o->sub, base);
			break;
		case CONF_K_INTS:
			free(*(int **)field);
			break;
		case CONF_K_STRS:
			for (size_t i = 0; i < n && *(char ***)field; i++)
				free((*(char ***)field)[i]);
			free(*(char ***)field);
			break;
		case CONF_K_LIST:
			for (size_t i = 0; i < n && *(char **)field; i++)
				conf_release(o->sub, *(char **)field + i * o->size);
			free(*(void **)field);
			break;
		case CONF_K_PGROUP:
			if (*(void **)field)
				conf_release(o->sub, *(void **)field);
			free(*(void **)field);
			break;
		case CONF_K_INT:
		case CONF_K_BOOL:
		case CONF_K_ENUM:
			break;
		}
	}
}

/* ---- cross-checks ("post" hooks) ---- */

/*
 * A reply template of `action` in group g: action "reply" needs one, "none" allows none, and
 * the only placeholder is {ticket}, which only a report has.
 */
static int
conf_check_reply(struct conf_ctx *ctx, const config_setting_t *g, const char *path,
		 enum conf_action action, const char *reply)
{
	const config_setting_t *rs = g ? config_setting_get_member(g, "reply") : NULL;

	if (action == CONF_ACTION_REPLY && !reply)
		return conf_fail(ctx, g, "%s: action \"reply\" needs a reply text", path);
	if (!reply)
		return 0;
	if (action == CONF_ACTION_NONE)
		return conf_fail(ctx, rs, "%s.reply: not allowed with action \"none\" (the "
				 "message is stored without an answer)", path);
	for (const char *p = strchr(reply, '{'); p; p = strchr(p + 1, '{')) {
		const char *end = strchr(p, '}');
		int len = end ? (int)(end - p + 1) : (int)strlen(p);

		if (strncmp(p, "{name}", 6) == 0)
			continue; /* the citizen's name when the number is a contact, else "" */
		if (strncmp(p, "{ticket}", 8) != 0)
			return conf_fail(ctx, rs, "%s.reply: unknown placeholder \"%.*s\" (only "
					 "{ticket} and {name} expand)", path, len > 32 ? 32 : len, p);
		if (action != CONF_ACTION_REPORT)
			return conf_fail(ctx, rs, "%s.reply: {ticket} only expands for action "
					 "\"report\"", path);
	}
	return 0;
}

static int
conf_post_rule(struct conf_ctx *ctx, const config_setting_t *g, const char *path, void *base)
{
	const struct conf_rule *r = base;

	return conf_check_reply(ctx, g, path, r->action, r->reply);
}

/*
 * The unknown-text reply, and keywords: a keyword may pick one rule only. Compared without
 * ASCII case; folding of Vietnamese diacritics is the router's business (conf uses libc only).
 */
static int
conf_post_inbound(struct conf_ctx *ctx, const config_setting_t *g, const char *path, void *base)
{
	const struct loa_conf *c = base;
	const config_setting_t *rules = config_setting_get_member(g, "rules");
	char sub[CONF_PATH_LEN];
	int rc;

	conf_join(sub, path, "unknown");
	rc = conf_check_reply(ctx, config_setting_get_member(g, "unknown"), sub,
			      c->unknown_action, c->unknown_reply);
	if (rc)
		return rc;
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];
		const config_setting_t *kws = conf_elem_member(rules, i, "keywords");

		for (size_t j = 0; j < r->n_keywords; j++) {
			for (size_t i2 = 0; i2 <= i; i2++) {
				const struct conf_rule *r2 = &c->rules[i2];
				size_t end = i2 == i ? j : r2->n_keywords;

				for (size_t j2 = 0; j2 < end; j2++) {
					if (strcasecmp(r->keywords[j], r2->keywords[j2]) != 0)
						continue;
					return conf_fail(ctx, conf_elem_member(kws, j, NULL),
							 "%s.rules[%zu].keywords[%zu]: keyword \"%s\" "
							 "is %s %s.rules[%zu]", path, i, j,
							 r->keywords[j], i2 == i ? "listed twice in" :
							 "already used by", path, i2);
				}
			}
		}
	}
	return 0;
}

/* Token names and hashes are unique; hashes are stored in lower case. */
static int
conf_post_api(struct conf_ctx *ctx, const config_setting_t *g, const char *path, void *base)
{
	struct loa_conf *c = base;
	const config_setting_t *list = config_setting_get_member(g, "tokens");

	for (size_t i = 0; i < c->n_tokens; i++) {
		struct conf_token *t = &c->tokens[i];

		for (char *p = t->sha256_hex; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		for (size_t k = 0; k < i; k++) {
			if (strcmp(t->name, c->tokens[k].name) == 0)
				return conf_fail(ctx, conf_elem_member(list, i, "name"),
						 "%s.tokens[%zu].name \"%s\" is used twice (first in "
						 "%s.tokens[%zu])", path, i, t->name, path, k);
			if (strcmp(t->sha256_hex, c->tokens[k].sha256_hex) == 0)
				return conf_fail(ctx, conf_elem_member(list, i, "sha256"),
						 "%s.tokens[%zu].sha256: same hash as %s.tokens[%zu] "
						 "(one token cannot have two names)", path, i, path, k);
		}
	}
	return 0;
}

static int
conf_post_operators(struct conf_ctx *ctx, const config_setting_t *root, const struct loa_conf *c)
{
	const config_setting_t *list = config_setting_get_member(root, "operators");

	for (size_t i = 0; i < c->n_operators; i++) {
		const struct conf_operator *op = &c->operators[i];

		for (size_t k = 0; k < i; k++)
			if (strcmp(op->name, c->operators[k].name) == 0)
				return conf_fail(ctx, conf_elem_member(list, i, "name"),
						 "operators[%zu].name \"%s\" is used twice (first in "
						 "operators[%zu])", i, op->name, k);
		for (size_t j = 0; j < op->n_prefixes; j++) {
			for (size_t k = 0; k <= i; k++) {
				const struct conf_operator *o2 = &c->operators[k];
				size_t end = k == i ? j : o2->n_prefixes;

				for (size_t j2 = 0; j2 < end; j2++) {
					if (strcmp(op->prefixes[j], o2->prefixes[j2]) != 0)
						continue;
					return conf_fail(ctx,
							 conf_elem_member(conf_elem_member(list, i,
								"prefixes"), j, NULL),
							 "operators[%zu].prefixes[%zu]: prefix \"%s\" is "
							 "already listed for operator \"%s\"", i, j,
							 op->prefixes[j], o2->name);
				}
			}
		}
	}
	return 0;
}

static int
conf_post_modems(struct conf_ctx *ctx, const config_setting_t *root, const struct loa_conf *c)
{
	const config_setting_t *list = config_setting_get_member(root, "modems");

	if (c->n_modems == 0)
		return conf_fail(ctx, list, "no modems: \"modems = ( { name = ...; device = ...; "
				 "connection = ...; model = ...; } );\" needs at least one entry");
	for (size_t i = 0; i < c->n_modems; i++) {
		const struct conf_modem *m = &c->modems[i];

		for (size_t k = 0; k < i; k++)
			if (strcmp(m->name, c->modems[k].name) == 0)
				return conf_fail(ctx, conf_elem_member(list, i, "name"),
						 "modems[%zu].name \"%s\" is used twice (first in "
						 "modems[%zu])", i, m->name, k);
		if (m->operator_name && !conf_operator_find(c, m->operator_name)) {
			char names[256] = "";
			size_t len = 0;

			for (size_t k = 0; k < c->n_operators && len < sizeof(names); k++)
				len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
							k ? ", " : "", c->operators[k].name);
			return conf_fail(ctx, conf_elem_member(list, i, "operator"),
					 "modems[%zu].operator: unknown operator \"%s\" (%s%s)", i,
					 m->operator_name,
					 c->n_operators ? "operators are " : "no operators are defined",
					 names);
		}
	}
	return 0;
}

static int
conf_post_root(struct conf_ctx *ctx, const config_setting_t *g, const char *path, void *base)
{
	const struct loa_conf *c = base;
	int rc = conf_post_operators(ctx, g, c);

	(void)path; /* always "" */
	return rc ? rc : conf_post_modems(ctx, g, c);
}

/* ---- the tables: every key Loa understands ---- */

static const int conf_backoff_default[] = { 30, 120, 600 };

static const struct conf_opt conf_log_opts[] = {
	OPT_ENUM("level", struct loa_conf, log_level, 0, LOG_INFO, conf_level_names, "level"),
	OPT_ENUM("format", struct loa_conf, log_json, 0, true, conf_format_names, "format"),
	OPT_END,
};
static const struct conf_table conf_log_table = { conf_log_opts, NULL };

static const struct conf_opt conf_store_opts[] = {
	OPT_STR("path", struct loa_conf, store_path, CONF_F_NONEMPTY, "var/loa.db", NULL),
	OPT_INT("retention_days", struct loa_conf, retention_days, 365, 0, 36500),
	OPT_INT("chunk_recipients", struct loa_conf, chunk_recipients, 1000, 1, 100000),
	OPT_END,
};
static const struct conf_table conf_store_table = { conf_store_opts, NULL };

static const struct conf_opt conf_dispatch_opts[] = {
	OPT_ENUM("uncertain", struct loa_conf, uncertain, 0, CONF_UNCERTAIN_RESEND,
		 conf_uncertain_names, "value"),
	OPT_INT("max_attempts", struct loa_conf, max_attempts, 5, 1, 100),
	OPT_INTS("backoff_s", struct loa_conf, backoff_s, n_backoff, CONF_F_NONEMPTY, 1, 86400,
		 conf_backoff_default),
	OPT_STR("country_code", struct loa_conf, country_code, 0, "84", conf_check_country),
	OPT_BOOL("allow_offnet", struct loa_conf, allow_offnet, true),
	OPT_STR("timezone", struct loa_conf, timezone, CONF_F_NONEMPTY, "Asia/Ho_Chi_Minh",
		conf_check_timezone),
	OPT_STR("quiet_hours", struct loa_conf, quiet_hours, 0, "21:00-07:00", conf_check_quiet),
	OPT_INT("daily_cap", struct loa_conf, daily_cap, 5, 0, 1000),
	OPT_END,
};
static const struct conf_table conf_dispatch_table = { conf_dispatch_opts, NULL };

static const struct conf_opt conf_token_opts[] = {
	OPT_STR("name", struct conf_token, name, CONF_F_REQUIRED, NULL, conf_check_name),
	OPT_STRBUF("sha256", struct conf_token, sha256_hex, CONF_F_REQUIRED, conf_check_sha256),
	OPT_ENUM("role", struct conf_token, role, 0, CONF_ROLE_VIEWER, conf_role_names, "role"),
	OPT_END,
};
static const struct conf_table conf_token_table = { conf_token_opts, NULL };

static const struct conf_opt conf_api_opts[] = {
	OPT_STR("listen", struct loa_conf, api_listen, CONF_F_NONEMPTY, "127.0.0.1", NULL),
	OPT_INT("port", struct loa_conf, api_port, 8080, 0, 65535),
	OPT_INT("max_body", struct loa_conf, api_max_body, 1048576, 1024, 1073741824),
	OPT_LIST("tokens", struct loa_conf, tokens, n_tokens, 0, struct conf_token,
		 &conf_token_table),
	OPT_END,
};
static const struct conf_table conf_api_table = { conf_api_opts, conf_post_api };

static const struct conf_opt conf_rule_opts[] = {
	OPT_STRS("keywords", struct conf_rule, keywords, n_keywords,
		 CONF_F_REQUIRED | CONF_F_NONEMPTY, conf_check_keyword),
	OPT_ENUM("action", struct conf_rule, action, CONF_F_REQUIRED, CONF_ACTION_NONE,
		 conf_action_names, "action"),
	OPT_STR("reply", struct conf_rule, reply, CONF_F_NONEMPTY, NULL, NULL),
	OPT_END,
};
static const struct conf_table conf_rule_table = { conf_rule_opts, conf_post_rule };

static const struct conf_opt conf_unknown_opts[] = {
	OPT_ENUM("action", struct loa_conf, unknown_action, 0, CONF_ACTION_HELP, conf_action_names,
		 "action"),
	OPT_STR("reply", struct loa_conf, unknown_reply, CONF_F_NONEMPTY, NULL, NULL),
	OPT_END,
};
static const struct conf_table conf_unknown_table = { conf_unknown_opts, NULL };

static const struct conf_opt conf_inbound_opts[] = {
	OPT_LIST("rules", struct loa_conf, rules, n_rules, 0, struct conf_rule, &conf_rule_table),
	OPT_GROUP("unknown", &conf_unknown_table),
	OPT_INT("max_replies_per_hour", struct loa_conf, max_replies_per_hour, 5, 0, 1000),
	OPT_INT("reassembly_timeout_s", struct loa_conf, reassembly_timeout_s, 600, 5, 86400),
	OPT_STR("poll_reply", struct loa_conf, poll_reply, 0,
		"Da ghi nhan binh chon cua ban. Cam on ban.", NULL),
	OPT_END,
};
static const struct conf_table conf_inbound_table = { conf_inbound_opts, conf_post_inbound };

static const struct conf_opt conf_operator_opts[] = {
	OPT_STR("name", struct conf_operator, name, CONF_F_REQUIRED, NULL, conf_check_name),
	OPT_STRS("prefixes", struct conf_operator, prefixes, n_prefixes,
		 CONF_F_REQUIRED | CONF_F_NONEMPTY, conf_check_prefix),
	OPT_END,
};
static const struct conf_table conf_operator_table = { conf_operator_opts, NULL };

static const struct conf_opt conf_modem_opts[] = {
	OPT_STR("name", struct conf_modem, name, CONF_F_REQUIRED, NULL, conf_check_name),
	OPT_STR("device", struct conf_modem, device, CONF_F_REQUIRED | CONF_F_NONEMPTY, NULL,
		NULL),
	OPT_STR("connection", struct conf_modem, connection, CONF_F_REQUIRED | CONF_F_NONEMPTY,
		NULL, NULL),
	OPT_STR("model", struct conf_modem, model, CONF_F_REQUIRED, NULL, NULL),
	OPT_STR("operator", struct conf_modem, operator_name, 0, NULL, conf_check_name),
	OPT_INT("rate_per_min", struct conf_modem, rate_per_min, 10, 1, 60000),
	OPT_INT("daily_cap", struct conf_modem, daily_cap, 0, 0, 10000000),
	OPT_INT("health_interval_s", struct conf_modem, health_interval_s, 60, 5, 3600),
	OPT_INT("inbox_interval_s", struct conf_modem, inbox_interval_s, 10, 1, 3600),
	OPT_INT("command_timeout_s", struct conf_modem, command_timeout_s, 90, 5, 600),
	OPT_BOOL("enabled", struct conf_modem, enabled, true),
	OPT_INT("min_signal_dbm", struct conf_modem, min_signal_dbm, -105, -125, -50),
	OPT_INT("max_errors_in_row", struct conf_modem, max_errors_in_row, 3, 1, 1000),
	OPT_BOOL("delivery_reports", struct conf_modem, delivery_reports, false),
	OPT_STR("balance_ussd", struct conf_modem, balance_ussd, CONF_F_NONEMPTY, NULL,
		conf_check_ussd),
	OPT_INT("balance_interval_s", struct conf_modem, balance_interval_s, 21600, 60, 604800),
	OPT_STR("balance_pattern", struct conf_modem, balance_pattern, CONF_F_NONEMPTY,
		"([0-9][0-9.,]*)", conf_check_regex),
	OPT_END,
};
static const struct conf_table conf_modem_table = { conf_modem_opts, NULL };

/* A node refers to its own table for its options (nesting is checked by conf_post_ussd). */
static const struct conf_table conf_ussd_node_table;
static const struct conf_opt conf_ussd_node_opts[] = {
	OPT_STR("key", struct conf_ussd_node, key, 0, NULL, conf_check_ussd_key),
	OPT_STR("label", struct conf_ussd_node, label, CONF_F_NONEMPTY, NULL, conf_check_ussd_line),
	OPT_ENUM("kind", struct conf_ussd_node, kind, 0, CONF_USSD_MENU, conf_ussd_kind_names,
		 "kind"),
	OPT_STR("title", struct conf_ussd_node, title, CONF_F_NONEMPTY, NULL, conf_check_ussd_text),
	OPT_STR("text", struct conf_ussd_node, text, CONF_F_NONEMPTY, NULL, conf_check_ussd_text),
	OPT_STR("category", struct conf_ussd_node, category, 0, NULL, conf_check_name),
	OPT_ENUM("action", struct conf_ussd_node, action, 0, CONF_ACTION_NONE,
		 conf_ussd_action_names, "action"),
	OPT_LIST("options", struct conf_ussd_node, options, n_options, CONF_F_NONEMPTY,
		 struct conf_ussd_node, &conf_ussd_node_table),
	OPT_END,
};
static const struct conf_table conf_ussd_node_table = { conf_ussd_node_opts, NULL };

static const struct conf_opt conf_ussd_opts[] = {
	OPT_STR("service_code", struct conf_ussd, service_code, CONF_F_NONEMPTY, NULL,
		conf_check_ussd),
	OPT_INT("max_screen_chars", struct conf_ussd, max_screen_chars, 160,
		CONF_USSD_SCREEN_CHARS_MIN, CONF_USSD_SCREEN_CHARS_MAX),
	OPT_INT("session_timeout_s", struct conf_ussd, session_timeout_s, 180, 10, 3600),
	OPT_INT("max_sessions", struct conf_ussd, max_sessions, 10000, 1, 1000000),
	OPT_STR("invalid_text", struct conf_ussd, invalid_text, CONF_F_NONEMPTY,
		"Lua chon khong hop le", conf_check_ussd_line),
	OPT_STR("empty_text", struct conf_ussd, empty_text, CONF_F_NONEMPTY,
		"Vui long nhap noi dung", conf_check_ussd_line),
	OPT_STR("back_label", struct conf_ussd, back_label, CONF_F_NONEMPTY, "Quay lai",
		conf_check_ussd_line),
	OPT_STR("next_label", struct conf_ussd, next_label, CONF_F_NONEMPTY, "Tiep",
		conf_check_ussd_line),
	OPT_STR("expired_text", struct conf_ussd, expired_text, CONF_F_NONEMPTY,
		"Phien da het han. Vui long quay so lai.", conf_check_ussd_line),
	OPT_STR("error_text", struct conf_ussd, error_text, CONF_F_NONEMPTY,
		"He thong dang ban. Vui long thu lai sau.", conf_check_ussd_line),
	OPT_PGROUP("menu", struct conf_ussd, menu, CONF_F_REQUIRED, struct conf_ussd_node,
		   &conf_ussd_node_table),
	OPT_END,
};
static const struct conf_table conf_ussd_table = { conf_ussd_opts, conf_post_ussd };

static const struct conf_opt conf_root_opts[] = {
	OPT_GROUP("log", &conf_log_table),
	OPT_GROUP("store", &conf_store_table),
	OPT_GROUP("dispatch", &conf_dispatch_table),
	OPT_GROUP("api", &conf_api_table),
	OPT_GROUP("inbound", &conf_inbound_table),
	OPT_PGROUP("ussd", struct loa_conf, ussd, 0, struct conf_ussd, &conf_ussd_table),
	OPT_LIST("operators", struct loa_conf, operators, n_operators, 0, struct conf_operator,
		 &conf_operator_table),
	OPT_LIST("modems", struct loa_conf, modems, n_modems, 0, struct conf_modem,
		 &conf_modem_table),
	OPT_END,
};
static const struct conf_table conf_root_table = { conf_root_opts, conf_post_root };

/* ---- public functions ---- */

int
conf_load(const char *path, struct loa_conf **out, char *err, size_t errlen)
{
	struct conf_ctx ctx = { .file = path, .err = err, .errlen = errlen };
	struct loa_conf *conf;
	char dir[4096], fbuf[4096 + 256];
	struct stat st;
	config_t cfg;
	char *slash;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (stat(path, &st) < 0) {
		rc = -errno;
		conf_fail(&ctx, NULL, "cannot open: %s", strerror(-rc));
		return rc;
	}
	if (S_ISDIR(st.st_mode)) {
		conf_fail(&ctx, NULL, "cannot open: %s", strerror(EISDIR));
		return -EISDIR;
	}

	config_init(&cfg);
	/* @include "x.conf" is relative to the including file, not to the working directory */
	util_strlcpy(dir, path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash) {
		slash[slash == dir] = '\0'; /* "/loa.conf" is in "/" */
		config_set_include_dir(&cfg, dir);
		ctx.dir = dir;
	}
	errno = 0;
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO) {
			rc = errno ? -errno : -EIO;
			conf_fail(&ctx, NULL, "cannot read: %s", strerror(-rc));
		} else {
			const char *file = conf_file_name(&ctx, config_error_file(&cfg), fbuf,
							  sizeof(fbuf));

			rc = -EINVAL;
			if (err && errlen)
				snprintf(err, errlen, "%s:%d: %s", file, config_error_line(&cfg),
					 config_error_text(&cfg));
		}
		config_destroy(&cfg);
		return rc;
	}

	conf = calloc(1, sizeof(*conf));
	if (!conf || !(conf->path = strdup(path))) {
		free(conf);
		config_destroy(&cfg);
		return conf_oom(&ctx);
	}
	rc = conf_group(&ctx, config_root_setting(&cfg), "", &conf_root_table, conf);
	config_destroy(&cfg);
	if (rc) {
		conf_free(conf);
		return rc;
	}
	*out = conf;
	return 0;
}

void
conf_free(struct loa_conf *conf)
{
	if (!conf)
		return;
	conf_release(&conf_root_table, conf);
	free(conf->path);
	free(conf);
}

const struct conf_modem *
conf_modem_find(const struct loa_conf *conf, const char *name)
{
	if (!conf || !name)
		return NULL;
	for (size_t i = 0; i < conf->n_modems; i++)
		if (strcmp(conf->modems[i].name, name) == 0)
			return &conf->modems[i];
	return NULL;
}

const struct conf_operator *
conf_operator_find(const struct loa_conf *conf, const char *name)
{
	if (!conf || !name)
		return NULL;
	for (size_t i = 0; i < conf->n_operators; i++)
		if (strcmp(conf->operators[i].name, name) == 0)
			return &conf->operators[i];
	return NULL;
}

const struct conf_operator *
conf_operator_match(const struct loa_conf *conf, const char *e164)
{
	const struct conf_operator *best = NULL;
	size_t best_len = 0;

	if (!conf || !e164)
		return NULL;
	for (size_t i = 0; i < conf->n_operators; i++) {
		const struct conf_operator *op = &conf->operators[i];

		for (size_t j = 0; j < op->n_prefixes; j++) {
			size_t len = strlen(op->prefixes[j]);

			if (len > best_len && strncmp(e164, op->prefixes[j], len) == 0) {
				best = op;
				best_len = len;
			}
		}
	}
	return best;
}
