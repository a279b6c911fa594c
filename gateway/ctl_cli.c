/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_cli — what every loactl command shares: the global options (--url, --token, --json,
 * --timeout), the set-up of URL, token and timeout before the first call, usage errors, the
 * parsing of numbers and times given as arguments, and request paths with query strings.
 *
 * Where the URL and the token come from, first found wins:
 *   URL:     --url, $LOA_URL, the config file's `url`, http://127.0.0.1:8080
 *   token:   --token, $LOA_TOKEN, the first line of $LOA_TOKEN_FILE, of the config's token_file
 *   timeout: --timeout, the config's `timeout`, the command's default (30 s)
 * The config file is $LOA_CONFIG when set (it must exist; set it empty for none), else
 * ~/.config/loactl.conf when it exists. It holds `key = value` lines and '#' comments; a
 * token_file path is taken relative to the config file's folder and may start with "~/". A
 * token itself is not accepted there: it belongs in a file only its owner can read.
 *
 * Thread: loactl's only thread.
 */
#define _GNU_SOURCE /* getline, strndup */
#include "gateway/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define CTL_CLI_CONFIG_LINE 1024

const char ctl_cli_config_help[] =
	"config file: $LOA_CONFIG, else ~/.config/loactl.conf (when it exists), with lines\n"
	"  url = https://loa.example.org:8443\n"
	"  token_file = ~/.config/loa.token      (first line: the token; relative paths are\n"
	"                                         taken from the config file's folder)\n"
	"  timeout = 60\n"
	"  # a comment\n"
	"flags win over LOA_URL / LOA_TOKEN / LOA_TOKEN_FILE, which win over the file.\n";

void
ctl_cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("loactl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
}

int
ctl_cli_nomem(void)
{
	fprintf(stderr, "loactl: out of memory\n");
	return CTL_EXIT_SERVER;
}

bool
ctl_cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
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

bool
ctl_cli_parse_time(const char *s, int64_t now, int64_t *out)
{
	struct tm tm = { 0 };
	uint64_t v;
	char unit, *end;

	if (ctl_cli_parse_u64(s, INT64_MAX / 1000, &v)) {
		*out = (int64_t)v;
		return true;
	}
	if (s[0] == '+') {
		size_t len = strlen(s);
		char digits[24];

		if (len < 3 || len - 2 >= sizeof(digits))
			return false;
		unit = s[len - 1];
		memcpy(digits, s + 1, len - 2);
		digits[len - 2] = '\0';
		if (!ctl_cli_parse_u64(digits, 100000, &v))
			return false;
		switch (unit) {
		case 'm': v *= 60; break;
		case 'h': v *= 3600; break;
		case 'd': v *= 86400; break;
		default: return false;
		}
		*out = now + (int64_t)v;
		return true;
	}
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end)
		return false;
	if (*end == ' ' || *end == 'T')
		end = strptime(end + 1, "%H:%M", &tm);
	if (!end || *end)
		return false;
	tm.tm_isdst = -1;
	*out = (int64_t)mktime(&tm);
	return *out > 0;
}

bool
ctl_cli_global_option(struct ctl_cli *L, int c, const char *arg)
{
	switch (c) {
	case CTL_OPT_URL:
		L->url_opt = arg;
		return true;
	case CTL_OPT_TOKEN:
		L->token_opt = arg;
		return true;
	case CTL_OPT_JSON:
		L->json = true;
		return true;
	case CTL_OPT_TIMEOUT: {
		char *end;

		errno = 0;
		L->timeout_s = strtod(arg, &end);
		if (errno || end == arg || *end || !(L->timeout_s > 0 && L->timeout_s <= 86400))
			L->timeout_s = -1;	/* reported by ctl_cli_setup() */
		return true;
	}
	default:
		return false;
	}
}

int
ctl_cli_getopt_error(int c, char *const argv[], const char *usage)
{
	const char *opt = argv[optind - 1];

	if (c == ':')
		ctl_cli_usage_error(usage, "option %s needs a value", opt);
	else if (optopt)
		ctl_cli_usage_error(usage, "unknown option -%c", optopt);
	else
		ctl_cli_usage_error(usage, "unknown option %s", opt);
	return CTL_EXIT_USAGE;
}

int
ctl_cli_simple(struct ctl_cli *L, int argc, char *argv[], const char *usage, int min, int max,
	       char *pos[])
{
	static const struct option opts[] = { CTL_CLI_GLOBAL_OPTIONS, { NULL, 0, NULL, 0 } };
	int c, n = 0;

	optind = 0;
	while (optind < argc) {
		c = getopt_long(argc, argv, "-:h", opts, NULL);
		if (c == -1)
			break;
		if (c == 1) { /* a positional argument, in order */
			if (n == max) {
				ctl_cli_usage_error(usage, "unexpected argument '%s'", optarg);
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
			return ctl_cli_getopt_error(c, argv, usage);
		ctl_cli_global_option(L, c, optarg);
	}
	if (n < min) {
		ctl_cli_usage_error(usage, "missing argument");
		return CTL_EXIT_USAGE;
	}
	return ctl_cli_setup(L);
}

/* Read the first line of a token file into L->token. 0 or CTL_EXIT_USAGE (message printed). */
static int
ctl_cli_token_file(struct ctl_cli *L, const char *what, const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		fprintf(stderr, "loactl: %s %s: %s\n", what, path, strerror(errno));
		return CTL_EXIT_USAGE;
	}
	n = getline(&L->token, &cap, f);
	fclose(f);
	if (n < 0) {
		free(L->token);
		L->token = NULL;
		fprintf(stderr, "loactl: %s %s: empty file\n", what, path);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

/* What the config file says; strings owned. */
struct ctl_cli_config {
	char *url, *token_file;
	double timeout_s;
};

static char *
ctl_cli_trim(char *s)
{
	char *e = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* token_file's path: "~/x" from $HOME, "x" from the config file's folder. Owned. */
static char *
ctl_cli_config_path(const char *config, const char *value)
{
	const char *home = getenv("HOME"), *slash;
	char *out;

	if (value[0] == '~' && value[1] == '/' && home && *home) {
		if (asprintf(&out, "%s%s", home, value + 1) < 0)
			return NULL;
		return out;
	}
	slash = strrchr(config, '/');
	if (value[0] == '/' || !slash)
		return strdup(value);
	if (asprintf(&out, "%.*s/%s", (int)(slash - config), config, value) < 0)
		return NULL;
	return out;
}

/* Read the config file, if any. 0 or CTL_EXIT_USAGE (message printed). */
static int
ctl_cli_config_read(struct ctl_cli_config *cfg)
{
	const char *env = getenv("LOA_CONFIG"), *home = getenv("HOME");
	char *path = NULL, line[CTL_CLI_CONFIG_LINE];
	unsigned long lineno = 0;
	int rc = 0;
	FILE *f;

	if (env && !*env)
		return 0;
	if (env) {
		path = strdup(env);
	} else {
		if (!home || !*home)
			return 0;
		if (asprintf(&path, "%s/.config/loactl.conf", home) < 0)
			path = NULL;
	}
	if (!path)
		return ctl_cli_nomem();
	f = fopen(path, "r");
	if (!f) {
		if (env || errno != ENOENT) {
			fprintf(stderr, "loactl: config %s: %s\n", path, strerror(errno));
			rc = CTL_EXIT_USAGE;
		}
		free(path);
		return rc;
	}
	while (fgets(line, sizeof(line), f)) {
		char *key, *value, *eq;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "loactl: %s:%lu: line too long\n", path, lineno);
			rc = CTL_EXIT_USAGE;
			break;
		}
		key = ctl_cli_trim(line);
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			fprintf(stderr, "loactl: %s:%lu: expected 'key = value'\n", path, lineno);
			rc = CTL_EXIT_USAGE;
			break;
		}
		*eq = '\0';
		key = ctl_cli_trim(key);
		value = ctl_cli_trim(eq + 1);
		if (value[0] == '"' && strlen(value) >= 2 && value[strlen(value) - 1] == '"') {
			value[strlen(value) - 1] = '\0';
			value++;
		}
		if (!strcmp(key, "url")) {
			free(cfg->url);
			cfg->url = strdup(value);
		} else if (!strcmp(key, "token_file")) {
			free(cfg->token_file);
			cfg->token_file = *value ? ctl_cli_config_path(path, value) : strdup("");
		} else if (!strcmp(key, "timeout")) {
			char *end;

			errno = 0;
			cfg->timeout_s = strtod(value, &end);
			if (errno || end == value || *end ||
			    !(cfg->timeout_s > 0 && cfg->timeout_s <= 86400)) {
				fprintf(stderr, "loactl: %s:%lu: timeout: expected seconds above 0\n",
					path, lineno);
				rc = CTL_EXIT_USAGE;
				break;
			}
			continue;
		} else if (!strcmp(key, "token")) {
			fprintf(stderr, "loactl: %s:%lu: put the token in a file of its own and "
					"name it with token_file\n", path, lineno);
			rc = CTL_EXIT_USAGE;
			break;
		} else {
			fprintf(stderr, "loactl: %s:%lu: unknown key '%s' (url, token_file, "
					"timeout)\n", path, lineno, key);
			rc = CTL_EXIT_USAGE;
			break;
		}
		if ((!strcmp(key, "url") && !cfg->url) ||
		    (!strcmp(key, "token_file") && !cfg->token_file)) {
			rc = ctl_cli_nomem();
			break;
		}
	}
	fclose(f);
	free(path);
	return rc;
}

/* True when s holds a space or a control character. */
static bool
ctl_cli_has_blank(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return true;
	return false;
}

int
ctl_cli_setup(struct ctl_cli *L)
{
	struct ctl_cli_config cfg = { 0 };
	const char *url = L->url_opt, *tok = L->token_opt, *file, *host;
	size_t len;
	int rc;

	if (L->url)
		return 0; /* done already */
	if (L->timeout_s < 0) {
		fprintf(stderr, "loactl: --timeout needs a number of seconds above 0\n");
		return CTL_EXIT_USAGE;
	}
	rc = ctl_cli_config_read(&cfg);
	if (rc)
		goto out;
	if (!url || !*url)
		url = getenv("LOA_URL");
	if (!url || !*url)
		url = cfg.url;
	if (!url || !*url)
		url = CTL_CLI_DEFAULT_URL;
	host = !strncasecmp(url, "http://", 7) ? url + 7 :
	       !strncasecmp(url, "https://", 8) ? url + 8 : NULL;
	rc = CTL_EXIT_USAGE;
	if (!host || !*host || *host == '/') {
		fprintf(stderr, "loactl: the URL must be http://HOST[:PORT] or https://...: %s\n",
			url);
		goto out;
	}
	if (ctl_cli_has_blank(url)) {
		fprintf(stderr, "loactl: the URL holds a space or a control character\n");
		goto out;
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
		rc = ctl_cli_token_file(L, "LOA_TOKEN_FILE", file);
		if (rc)
			goto out;
	} else if (cfg.token_file && *cfg.token_file) {
		rc = ctl_cli_token_file(L, "token_file", cfg.token_file);
		if (rc)
			goto out;
	}
	if (L->token) {
		len = strlen(L->token);
		while (len > 0 && (L->token[len - 1] == '\n' || L->token[len - 1] == '\r' ||
				   L->token[len - 1] == ' ' || L->token[len - 1] == '\t'))
			L->token[--len] = '\0';
		if (ctl_cli_has_blank(L->token)) {
			fprintf(stderr, "loactl: the token holds a space or a control character\n");
			rc = CTL_EXIT_USAGE;
			goto out;
		}
		if (!*L->token) {
			free(L->token);
			L->token = NULL;
		}
	}
	if (L->timeout_s == 0)
		L->timeout_s = cfg.timeout_s > 0 ? cfg.timeout_s :
			       L->default_timeout_s > 0 ? L->default_timeout_s :
			       CTL_CLI_DEFAULT_TIMEOUT;
	L->http.base_url = L->url;
	L->http.token = L->token;
	L->http.timeout_ms = (long)(L->timeout_s * 1000.0 + 0.999);
	rc = 0;
	goto out;
nomem:
	rc = ctl_cli_nomem();
out:
	if (rc) {
		free(L->url);
		L->url = NULL;
	}
	free(cfg.url);
	free(cfg.token_file);
	return rc;
}

void
ctl_cli_free(struct ctl_cli *L)
{
	if (L->token)
		explicit_bzero(L->token, strlen(L->token));
	free(L->token);
	free(L->url);
	L->token = NULL;
	L->url = NULL;
}

bool
ctl_cli_is_key(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 20 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == n;
}

bool
ctl_cli_is_help(const char *s)
{
	return !strcmp(s, "-h") || !strcmp(s, "--help") || !strcmp(s, "help");
}

void
ctl_query_init(struct ctl_query *q, const char *path)
{
	int n = snprintf(q->buf, sizeof(q->buf), "%s", path);

	q->len = n < 0 ? 0 : (size_t)n;
	q->overflow = n < 0 || (size_t)n >= sizeof(q->buf);
	q->has_query = strchr(path, '?') != NULL;
}

/* Append one byte, noting overflow. */
static void
ctl_query_putc(struct ctl_query *q, char ch)
{
	if (q->len + 1 >= sizeof(q->buf)) {
		q->overflow = true;
		return;
	}
	q->buf[q->len++] = ch;
	q->buf[q->len] = '\0';
}

/* Append s percent-encoded (RFC 3986 unreserved characters kept). */
static void
ctl_query_encode(struct ctl_query *q, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			ctl_query_putc(q, (char)*p);
		} else {
			ctl_query_putc(q, '%');
			ctl_query_putc(q, hex[*p >> 4]);
			ctl_query_putc(q, hex[*p & 15]);
		}
	}
}

void
ctl_query_add(struct ctl_query *q, const char *key, const char *value)
{
	if (!value)
		return;
	ctl_query_putc(q, q->has_query ? '&' : '?');
	q->has_query = true;
	ctl_query_encode(q, key);
	ctl_query_putc(q, '=');
	ctl_query_encode(q, value);
}

void
ctl_query_add_int(struct ctl_query *q, const char *key, long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", v);
	ctl_query_add(q, key, num);
}
