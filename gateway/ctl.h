/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl.h — private helpers of loactl (gateway/loactl_main.c), the command-line client of the
 * HTTP API described in docs/API.md:
 *   ctl_http.c   one blocking HTTP call with libcurl (bearer token, timeout, body capture);
 *   ctl_api.c    a call to the API turned into JSON or a message and an exit code;
 *   ctl_show.c   the answers printed for a person (lines and tables) or as pretty JSON;
 *   ctl_csv.c    an RFC 4180 CSV reader that pulls one named column with its row numbers;
 *   ctl_table.c  UTF-8 aware text: display width, cleaning, truncation with "…", text tables.
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
#include <stdio.h>

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

/* ---- ctl_api.c ----------------------------------------------------------------------------- */

/* Where the recipients of a campaign came from, to send recipients[i] errors back to CSV rows. */
struct ctl_rowmap {
	const char *origin;		/* borrowed: the CSV path as the user gave it */
	const unsigned long *rows;	/* borrowed: the row of recipients[i] */
	size_t n;			/* entries in rows */
};

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

/* ---- ctl_show.c ---------------------------------------------------------------------------- */

/* Print JSON indented by two spaces, members in the server's order. */
void ctl_show_json(FILE *out, const json_t *root);
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
