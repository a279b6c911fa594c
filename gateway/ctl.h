/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl.h — private helpers of loactl (gateway/loactl_main.c), the command-line client of the
 * HTTP API described in docs/API.md:
 *   ctl_cli.c       what every command shares: global options, URL/token/config file set-up,
 *                   usage errors, number and time arguments, query strings;
 *   ctl_campaign.c  campaign create/preview/show/list/pause/resume/cancel/poll;
 *   ctl_watch.c     campaign watch: a live progress line until the campaign ends;
 *   ctl_reports.c   reports (filters, export), report show/update;
 *   ctl_admin.c     opt-outs, audit log, contacts list/count, groups;
 *   ctl_import.c    contacts import: a CSV streamed to the API in batches, errors sent back to
 *                   the file's rows;
 *   ctl_progress.c  the progress bar, redrawn in place on a terminal;
 *   ctl_http.c      one blocking HTTP call with libcurl (bearer token, timeout, body capture);
 *   ctl_api.c       a call to the API turned into JSON or a message and an exit code;
 *   ctl_show.c      the answers printed for a person (lines and tables) or as pretty JSON;
 *   ctl_csv.c       an RFC 4180 CSV reader: one named column in memory, or whole records
 *                   streamed from a file;
 *   ctl_table.c     UTF-8 aware text: display width, cleaning, truncation with "…", text tables.
 *
 * Nothing but loactl uses these; they block and print, so they have no place in loagw's loop.
 * Thread: loactl is single-threaded; none of these keeps state between calls except the libcurl
 * global set-up done by ctl_http_init().
 */
#ifndef LOA_GATEWAY_CTL_H
#define LOA_GATEWAY_CTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Exit codes of loactl. */
enum ctl_exit {
	CTL_EXIT_OK = 0,		/* done */
	CTL_EXIT_REFUSED = 1,		/* the server refused the request (4xx) */
	CTL_EXIT_USAGE = 2,		/* bad command line or bad input file */
	CTL_EXIT_UNREACHABLE = 3,	/* connection refused, name not found, timeout */
	CTL_EXIT_SERVER = 4,		/* the server failed (5xx) or answered nonsense */
};

/* ---- ctl_http.c ---------------------------------------------------------------------------- */

/* Where and how to call. All strings are borrowed from the caller. */
struct ctl_http {
	const char *base_url;		/* "http://127.0.0.1:8080", no trailing '/' */
	const char *token;		/* bearer token; NULL sends no Authorization header */
	long timeout_ms;		/* whole call, connection included */
};

/* What came back from one call. */
struct ctl_reply {
	long status;			/* HTTP status; 0 when no answer came */
	char *body;			/* owned, NUL-terminated; "" when the answer had no body */
	size_t len;			/* bytes in body, the NUL not counted */
	char error[256];		/* why no answer came (transport errors only) */
};

/* Upper bound on an answer's body; a bigger one fails the call with -EFBIG. */
#define CTL_HTTP_MAX_BODY (64u << 20)

/* Set libcurl up once per process before any call; 0 or -ENOMEM. */
int ctl_http_init(void);
/* Undo ctl_http_init(). */
void ctl_http_cleanup(void);

/*
 * Make one request: `method` ("GET" or "POST") on base_url + `path` (which starts with '/'),
 * with `body` (JSON text, NULL for none). Fills `r`, which the caller releases with
 * ctl_reply_free() whatever the result. Returns 0 when an HTTP answer came (any status; see
 * r->status), -ETIMEDOUT when none came in time, -ECONNREFUSED when the server could not be
 * reached or dropped the connection, -EINVAL for a URL libcurl refuses, -EFBIG for an answer over
 * CTL_HTTP_MAX_BODY, -ENOMEM. r->error says what went wrong in words.
 */
int ctl_http_call(const struct ctl_http *h, const char *method, const char *path,
		  const char *body, struct ctl_reply *r);
/* Free what a ctl_http_call() left in `r` (NULL-safe, may be called twice). */
void ctl_reply_free(struct ctl_reply *r);

/* ---- ctl_cli.c ----------------------------------------------------------------------------- */

#define CTL_CLI_DEFAULT_URL	"http://127.0.0.1:8080"
#define CTL_CLI_DEFAULT_TIMEOUT	30.0
#define CTL_CLI_WIDTH		80	/* free-form text in tables is cut to fit this */

/* Everything the command line, the environment and the config file decided. */
struct ctl_cli {
	const char *url_opt;		/* borrowed from argv; NULL: $LOA_URL, config, default */
	const char *token_opt;		/* borrowed from argv */
	double timeout_s;		/* --timeout; 0 when not given, -1 when malformed */
	double default_timeout_s;	/* used when neither --timeout nor the config set one */
	bool json;
	char *url;			/* owned: the base URL, no trailing '/' */
	char *token;			/* owned; NULL when none was given */
	struct ctl_http http;		/* points into the two above */
};

/* Options every command takes; commands number their own from CTL_OPT_LOCAL. */
enum ctl_opt {
	CTL_OPT_URL = 0x100, CTL_OPT_TOKEN, CTL_OPT_JSON, CTL_OPT_TIMEOUT,
	CTL_OPT_LOCAL = 0x120,
};

#define CTL_CLI_GLOBAL_OPTIONS                                                                     \
	{ "url", required_argument, NULL, CTL_OPT_URL },                                           \
	{ "token", required_argument, NULL, CTL_OPT_TOKEN },                                       \
	{ "json", no_argument, NULL, CTL_OPT_JSON },                                               \
	{ "timeout", required_argument, NULL, CTL_OPT_TIMEOUT },                                   \
	{ "help", no_argument, NULL, 'h' }

/* The config file's part of --help (one place, so that it cannot drift from the parser). */
extern const char ctl_cli_config_help[];

/* "loactl: <message>" then the usage text, on stderr. */
void ctl_cli_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Say that memory ran out on stderr; returns CTL_EXIT_SERVER. */
int ctl_cli_nomem(void);
/* Digits only, at most `max`. */
bool ctl_cli_parse_u64(const char *s, uint64_t max, uint64_t *out);
/*
 * A point in time for an option: epoch seconds ("1796000000"), a delay from `now` ("+48h",
 * "+2d", "+30m"), or a local date "YYYY-MM-DD" / "YYYY-MM-DD HH:MM" (also with 'T'). False when
 * none of these.
 */
bool ctl_cli_parse_time(const char *s, int64_t now, int64_t *out);
/* Handle an option every command takes; false when `c` is not one of them. */
bool ctl_cli_global_option(struct ctl_cli *L, int c, const char *arg);
/* Report a getopt failure ('?' or ':'); returns CTL_EXIT_USAGE. */
int ctl_cli_getopt_error(int c, char *const argv[], const char *usage);
/*
 * Parse a command that takes only the global options and `min`..`max` positional arguments
 * (in order into pos[]), then run ctl_cli_setup(). Returns 0, an exit code, or -1 when --help
 * was printed (the caller returns CTL_EXIT_OK).
 */
int ctl_cli_simple(struct ctl_cli *L, int argc, char *argv[], const char *usage, int min,
		   int max, char *pos[]);
/*
 * Settle the URL, token and timeout before a call: flags, then LOA_URL / LOA_TOKEN /
 * LOA_TOKEN_FILE, then the config file ($LOA_CONFIG, else ~/.config/loactl.conf), then the
 * defaults. 0 or CTL_EXIT_USAGE (message printed).
 */
int ctl_cli_setup(struct ctl_cli *L);
/* Free what ctl_cli_setup() allocated (the token is wiped first). */
void ctl_cli_free(struct ctl_cli *L);
/* True for a report ticket or id, or a campaign id: [A-Za-z0-9], 1 to 20 characters. */
bool ctl_cli_is_key(const char *s);
/* True when the user means help: "-h", "--help" or "help". */
bool ctl_cli_is_help(const char *s);

/* A request path with a query string, built piece by piece; values are percent-encoded. */
struct ctl_query {
	char buf[2048];
	size_t len;
	bool overflow;			/* something did not fit: the caller refuses the request */
	bool has_query;
};

/* Start with `path` ("/v1/reports"). */
void ctl_query_init(struct ctl_query *q, const char *path);
/* Append "key=value" (value NULL: nothing). */
void ctl_query_add(struct ctl_query *q, const char *key, const char *value);
/* Append "key=N". */
void ctl_query_add_int(struct ctl_query *q, const char *key, long long v);

/* ---- commands (each returns loactl's exit code) -------------------------------------------- */

/* loactl campaign ... (ctl_campaign.c) */
int ctl_campaign_cmd(struct ctl_cli *L, int argc, char *argv[]);
/* loactl campaign watch ID [--interval S] (ctl_watch.c); argv[0] is "watch". */
int ctl_watch_cmd(struct ctl_cli *L, int argc, char *argv[]);
/* loactl reports ... and loactl report show|update ... (ctl_reports.c) */
int ctl_reports_cmd(struct ctl_cli *L, int argc, char *argv[]);
int ctl_report_cmd(struct ctl_cli *L, int argc, char *argv[]);
/* loactl optouts | optout add | audit | contacts list|count | groups | group save (ctl_admin.c) */
int ctl_admin_optouts(struct ctl_cli *L, int argc, char *argv[]);
int ctl_admin_optout(struct ctl_cli *L, int argc, char *argv[]);
int ctl_admin_audit(struct ctl_cli *L, int argc, char *argv[]);
int ctl_admin_contacts(struct ctl_cli *L, int argc, char *argv[]);
int ctl_admin_groups(struct ctl_cli *L, int argc, char *argv[]);
int ctl_admin_group(struct ctl_cli *L, int argc, char *argv[]);
/* loactl contacts import FILE.csv [--batch N] (ctl_import.c); argv[0] is "import". */
int ctl_import_cmd(struct ctl_cli *L, int argc, char *argv[]);

/* ---- ctl_progress.c ------------------------------------------------------------------------ */

/* "[#####...............] 38/50 done (76%)" into buf (a 20-character bar). */
void ctl_progress_format(char *buf, size_t size, long long done, long long total);

/* A status line that is redrawn in place on a terminal and printed once per change otherwise. */
struct ctl_progress {
	FILE *out;
	bool tty;			/* redraw with '\r' */
	int64_t last_draw_ms;		/* monotonic; throttles terminal redraws */
	size_t last_width;		/* columns of what is on the line now (tty) */
	char last[512];			/* the last line printed */
	bool drawn;			/* something is on the line (tty) */
};

/* Start a progress line on `out`; `tty` picks the mode (the caller asks isatty()). */
void ctl_progress_init(struct ctl_progress *p, FILE *out, bool tty);
/*
 * Show `line`: on a terminal it replaces the current line (at most every 100 ms unless
 * `force`), otherwise it is printed on its own line when it differs from the last one.
 */
void ctl_progress_show(struct ctl_progress *p, const char *line, bool force);
/* End the line on a terminal (a line break) so that what follows starts clean. */
void ctl_progress_end(struct ctl_progress *p);

/* ---- ctl_api.c ----------------------------------------------------------------------------- */

/* Where the recipients of a campaign came from, to send recipients[i] errors back to CSV rows. */
struct ctl_rowmap {
	const char *origin;		/* borrowed: the CSV path as the user gave it */
	const unsigned long *rows;	/* borrowed: the row of recipients[i] */
	size_t n;			/* entries in rows */
};

/* A growable byte buffer, always NUL-terminated once written to (ctl_buf.c). */
struct ctl_buf {
	char *s; /* owned; NULL until the first write */
	size_t len, cap;
};
/* Room for `more` bytes and a NUL. 0 or -ENOMEM. */
int ctl_buf_reserve(struct ctl_buf *b, size_t more);
/* Append n bytes / a C string / a C string (valid UTF-8) encoded as a JSON string. 0 or -ENOMEM. */
int ctl_buf_put(struct ctl_buf *b, const char *s, size_t n);
int ctl_buf_puts(struct ctl_buf *b, const char *s);
int ctl_buf_put_json(struct ctl_buf *b, const char *s);

/*
 * An API error's field "<prefix>[12]<rest>": sets *idx to 12 and returns rest ("" or e.g.
 * ".number"); NULL for any other field.
 */
const char *ctl_field_index(const char *field, const char *prefix, size_t *idx);

/*
 * Call the API and sort the answer out. On a 2xx JSON answer returns CTL_EXIT_OK with *out set
 * (the caller json_decref()s it); with `json` the answer has been printed on stdout already.
 * Otherwise prints why on stderr as "loactl: <field>: <message>" (and with `json` the server's
 * JSON error on stdout), sets *out to NULL and returns the exit code: CTL_EXIT_REFUSED (4xx),
 * CTL_EXIT_SERVER (5xx, not JSON), CTL_EXIT_UNREACHABLE, CTL_EXIT_USAGE (bad URL). `map` (may
 * be NULL) rewrites a recipients[i] field as "origin:row N".
 */
int ctl_api_call(const struct ctl_http *h, bool json, const char *method, const char *path,
		 const char *body, const struct ctl_rowmap *map, json_t **out);

/*
 * The second half of ctl_api_call(), for callers that made the HTTP call themselves (to look at
 * the status first): `http_rc` is what ctl_http_call() returned and `r` what it filled (not
 * freed here). Same results and messages as ctl_api_call().
 */
int ctl_api_finish(const struct ctl_http *h, bool json, int http_rc, const struct ctl_reply *r,
		   const struct ctl_rowmap *map, json_t **out);
/*
 * Make a call whose 2xx answer is not JSON (a CSV export): CTL_EXIT_OK with `r` filled (the
 * caller frees it), otherwise the message and exit code of ctl_api_call() and `r` empty.
 */
int ctl_api_raw(const struct ctl_http *h, const char *method, const char *path,
		struct ctl_reply *r);

/* ---- ctl_show.c ---------------------------------------------------------------------------- */

/* Print JSON indented by two spaces, members in the server's order. */
void ctl_show_json(FILE *out, const json_t *root);
/* A member as a table cell: "-" for null, absent or ""; numbers formatted into buf. */
const char *ctl_show_cell(const json_t *obj, const char *key, char *buf, size_t size);
/* An integer member, or -1 when absent or not an integer. */
long long ctl_show_int(const json_t *obj, const char *key);
/* An integer member as text into buf, "?" when absent. */
const char *ctl_show_num(const json_t *obj, const char *key, char *buf, size_t size);
/* "s" unless n is 1. */
const char *ctl_show_plural(long long n);
/* Epoch seconds as local "YYYY-MM-DD HH:MM"; "-" for 0, null or absent. */
const char *ctl_show_time(const json_t *v, char *buf, size_t size);
/* A duration for people: "45 s", "3 min 20 s", "2 h 5 min", "3 d 4 h". */
void ctl_show_duration(char *buf, size_t size, long long seconds);
/* "campaign 7 created: 50 recipients (1 opted out, 0 duplicates), 2 segments each (ucs2), ..." */
void ctl_show_created(FILE *out, const json_t *answer);
/*
 * A campaign's settings, its counts per state as a table, and "[###..] 38/50 done (76%)"; done
 * is the answer's "done" when present, else the sum of the states past queued and sending.
 */
void ctl_show_campaign(FILE *out, const json_t *campaign);
/* The table of GET /v1/modems. 0 or -ENOMEM. */
int ctl_show_modems(FILE *out, const json_t *answer);
/* The table of GET /v1/reports, the TEXT column cut to fit max_width (0: never). 0 or -ENOMEM. */
int ctl_show_reports(FILE *out, const json_t *answer, size_t max_width);
/* "ok: 2 of 2 modems ready" from GET /healthz. */
void ctl_show_health(FILE *out, const json_t *answer);

/* ---- ctl_csv.c ----------------------------------------------------------------------------- */

/* One column read out of a CSV file. */
struct ctl_csv_column {
	char **values;			/* owned; cells trimmed of blanks; "" for a short row */
	unsigned long *rows;		/* owned; the row of each value, the header being row 1 */
	size_t n;			/* number of values (empty lines give none) */
};

/*
 * Parse CSV text (RFC 4180: ',' separated, '"' quoted fields with "" escapes and embedded line
 * breaks, CRLF, LF or CR line ends, an optional UTF-8 byte order mark) whose first row is a
 * header, and collect the cells of the column named `column` (matched ignoring case and
 * surrounding blanks) into `out`. Rows are counted like a spreadsheet does: the header is row 1
 * and an empty line is a row too (but yields no value). `origin` names the data in messages
 * ("contacts.csv"). Returns 0, -EINVAL with a message "origin:row N: ..." or "origin: ..." in
 * err[errlen], or -ENOMEM. `out` is empty on failure.
 */
int ctl_csv_parse_column(const char *data, size_t len, const char *column, const char *origin,
			 struct ctl_csv_column *out, char *err, size_t errlen);
/* Read the file at `path` and run ctl_csv_parse_column() on it; -errno when it cannot be read. */
int ctl_csv_read_column(const char *path, const char *column, struct ctl_csv_column *out,
			char *err, size_t errlen);
/* Free the contents of `col` and empty it (NULL-safe). */
void ctl_csv_column_free(struct ctl_csv_column *col);

/* A CSV file read record by record, never whole (a million contacts stream in constant memory). */
struct ctl_csv_stream;

/*
 * Open `path` for ctl_csv_stream_next(). 0, or -errno with "path: why" in err[errlen].
 */
int ctl_csv_stream_open(const char *path, struct ctl_csv_stream **out, char *err,
			size_t errlen);
/*
 * The next record with at least one non-empty field (the header first), under the rules of
 * ctl_csv_parse_column(): *fields (trimmed of blanks) and *n stay valid until the next call,
 * *row is its row (the header being row 1; empty lines count). Returns 1, 0 at the end, or
 * -EINVAL (an unclosed quote, UTF-16 or NUL bytes, a record over 16 MB), -EIO, -ENOMEM with
 * "path:row N: why" or "path: why" in err[errlen].
 */
int ctl_csv_stream_next(struct ctl_csv_stream *s, char ***fields, size_t *n, unsigned long *row,
			char *err, size_t errlen);
/* Bytes consumed so far. */
uint64_t ctl_csv_stream_offset(const struct ctl_csv_stream *s);
/* Close (NULL-safe). */
void ctl_csv_stream_close(struct ctl_csv_stream *s);
/*
 * Count the rows of the file at `path` the way ctl_csv_stream_next() numbers them (quoted line
 * breaks do not start a row), quickly and without parsing fields: for a progress total. 0 or
 * -errno.
 */
int ctl_csv_count_rows(const char *path, unsigned long *rows);

/* ---- ctl_table.c --------------------------------------------------------------------------- */

/* True when `s` is NUL-terminated valid UTF-8. */
bool ctl_utf8_valid(const char *s);
/* Columns `s` takes on a terminal: combining marks 0, East Asian wide characters 2. */
size_t ctl_utf8_width(const char *s);
/*
 * A malloc'ed copy of `s` safe to print on one line: control characters (line breaks, tabs,
 * escapes) become spaces, runs of spaces shrink to one and ends are trimmed; invalid UTF-8
 * bytes become '?'. NULL when out of memory.
 */
char *ctl_text_clean(const char *s);
/*
 * A malloc'ed copy of `s` cut to at most `cols` display columns, ending in "…" when it was cut;
 * never splits a character from its combining marks. NULL when out of memory.
 */
char *ctl_text_fit(const char *s, size_t cols);

struct ctl_table;

/* A table of `ncols` columns with the given headers (copied). NULL when out of memory. */
struct ctl_table *ctl_table_new(size_t ncols, const char *const headers[]);
/* Align column `col` to the right (numbers). */
void ctl_table_align_right(struct ctl_table *t, size_t col);
/* Append a row of ncols cells (copied after ctl_text_clean(); NULL prints "-"). 0 or -ENOMEM. */
int ctl_table_add(struct ctl_table *t, const char *const cells[]);
/* Rows added so far. */
size_t ctl_table_rows(const struct ctl_table *t);
/*
 * Print the header and the rows, columns two spaces apart. With max_width > 0 the last column is
 * cut (with "…") so that each line fits in max_width columns where that leaves it at least a few
 * columns; other columns are never cut.
 */
void ctl_table_print(const struct ctl_table *t, FILE *out, size_t max_width);
/* Free the table (NULL-safe). */
void ctl_table_free(struct ctl_table *t);

#endif
