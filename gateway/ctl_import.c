/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_import — `loactl contacts import FILE.csv [--batch N]`: a district's contact list from a
 * spreadsheet into loagw, in batches of POST /v1/contacts.
 *
 * Columns: `number` (required), `name` (optional); every other column is a tag whose key is the
 * column's name as a lower-case slug ("Xã / Phường" -> "xa-phuong") and whose value is the cell
 * (loagw slugs values itself; an empty cell is no tag). The file is streamed record by record
 * (ctl_csv_stream_next()) and each batch is written straight into one JSON body, so a million
 * rows take seconds and a few MB: nothing grows with the file except the list of rejected rows.
 *
 * Rows are never lost track of: each contact sent keeps its spreadsheet row, and the server's
 * {"errors": [{"index": i, "field": "contacts[i].number", "message": ...}]} comes back as
 * "contacts.csv:row 484: too short: \"12345\"". Rows with no number (or text that is not UTF-8)
 * are rejected here with their row. All rejections are printed, in row order, at the end, with
 * "480 contacts imported (470 new, 10 updated), 10 rows rejected". Good rows are imported even
 * when others are rejected (exit 1 then; 0 when every row went in).
 *
 * A batch is cut at --batch contacts or about 768 KB of JSON (loagw's default body limit is
 * 1 MB); should the server still answer 413, the batch is split in two and sent again, and later
 * batches are made that much smaller. Any other refusal or failure of a batch stops the import:
 * what was sent before stays imported, and loactl says from which row on nothing was.
 *
 * On a terminal, stderr shows a progress bar (rows done / rows in the file, rows a second).
 *
 * Thread: loactl's only thread.
 */
#include "gateway/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <utf8proc.h>

#include "common/util.h"

#define CTL_IMPORT_DEFAULT_BATCH	5000
#define CTL_IMPORT_MAX_BATCH		10000	/* loagw's API_CONTACTS_BATCH */
#define CTL_IMPORT_MAX_BODY		(768u << 10)
#define CTL_IMPORT_SLUG_MAX		32	/* loagw keeps tag keys to 31 bytes */

enum { OPT_BATCH = CTL_OPT_LOCAL };

static const char ctl_import_usage[] =
	"usage: loactl contacts import FILE.csv [--batch N]\n"
	"\n"
	"Add or update contacts from a CSV file (UTF-8, comma separated, header row; admin\n"
	"token). Columns: number (required), name (optional); every other column becomes a tag\n"
	"named after its header (\"Xã\" -> xa) for group queries such as \"xa=son-nam\".\n"
	"A number already known is updated. Rejected rows are listed with their row number at the\n"
	"end; the others are imported all the same (exit 1 when any row was rejected).\n"
	"\n"
	"  --batch N   contacts a request (default 5000, at most 10000)\n";

/* A rejected row. */
struct ctl_import_err {
	unsigned long row;
	char *msg;			/* owned */
};

struct ctl_import {
	struct ctl_cli *L;
	const char *path;
	size_t batch_max;
	/* the header */
	size_t ncols, num_col, name_col;	/* name_col SIZE_MAX when none */
	char (*keys)[CTL_IMPORT_SLUG_MAX];	/* per column: tag key, "" for none */
	/* the batch being filled: contact i is frag.s[off[i]..off[i+1]) */
	struct ctl_buf frag, nums, body;
	size_t *off, *numoff;
	unsigned long *rows;
	size_t n, cap;
	/* results */
	unsigned long long inserted, updated, rejected;
	struct ctl_import_err *errs;
	size_t nerr, errcap;
	/* progress */
	struct ctl_progress prog;
	bool progress;
	unsigned long total_rows, last_row;
	int64_t t0;
	unsigned long stop_row;		/* first row of the batch being sent */
};

/* A column's header as a tag key: folded to ASCII, lower case, other runs -> '-'. */
static void
ctl_import_slug(const char *in, char out[CTL_IMPORT_SLUG_MAX])
{
	utf8proc_uint8_t *folded = NULL;
	size_t o = 0;
	bool dash = false;

	out[0] = '\0';
	if (utf8proc_map((const utf8proc_uint8_t *)in, 0, &folded,
			 UTF8PROC_NULLTERM | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
			 UTF8PROC_CASEFOLD) < 0)
		return;
	for (const unsigned char *p = folded; *p && o + 1 < CTL_IMPORT_SLUG_MAX; p++) {
		char ch = (char)*p;

		if (p[0] == 0xc4 && p[1] == 0x91) { /* đ (Đ folds to it): no decomposition */
			ch = 'd';
			p++;
		}
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_') {
			if (dash && o > 0 && o + 2 < CTL_IMPORT_SLUG_MAX)
				out[o++] = '-';
			dash = false;
			out[o++] = ch;
		} else {
			dash = true;
		}
	}
	out[o] = '\0';
	free(folded);
}

/* Read the header: find number and name, make the tag keys. 0 or CTL_EXIT_USAGE / nomem. */
static int
ctl_import_header(struct ctl_import *im, char **fields, size_t n)
{
	im->num_col = im->name_col = SIZE_MAX;
	im->ncols = n;
	im->keys = calloc(n, sizeof(*im->keys));
	if (!im->keys)
		return ctl_cli_nomem();
	for (size_t i = 0; i < n; i++) {
		if (!strcasecmp(fields[i], "number") && im->num_col == SIZE_MAX) {
			im->num_col = i;
			continue;
		}
		if (!strcasecmp(fields[i], "name") && im->name_col == SIZE_MAX) {
			im->name_col = i;
			continue;
		}
		ctl_import_slug(fields[i], im->keys[i]);
		if (!im->keys[i][0]) {
			fprintf(stderr, "loactl: %s:row 1: column %zu (\"%s\") has no name usable as "
					"a tag; it is left out\n", im->path, i + 1, fields[i]);
			continue;
		}
		for (size_t k = 0; k < i; k++) {
			if (!strcmp(im->keys[k], im->keys[i])) {
				fprintf(stderr, "loactl: %s:row 1: columns %zu and %zu both make the "
						"tag \"%s\"; rename one\n", im->path, k + 1, i + 1,
					im->keys[i]);
				return CTL_EXIT_USAGE;
			}
		}
	}
	if (im->num_col == SIZE_MAX) {
		fprintf(stderr, "loactl: %s:row 1: no column \"number\" in the header row\n",
			im->path);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

/* Remember a rejected row with its reason (copied). 0 or -ENOMEM. */
static int
ctl_import_reject(struct ctl_import *im, unsigned long row, const char *msg)
{
	if (im->nerr == im->errcap) {
		size_t cap = im->errcap ? im->errcap * 2 : 64;
		struct ctl_import_err *p = realloc(im->errs, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		im->errs = p;
		im->errcap = cap;
	}
	im->errs[im->nerr].row = row;
	im->errs[im->nerr].msg = strdup(msg);
	if (!im->errs[im->nerr].msg)
		return -ENOMEM;
	im->nerr++;
	im->rejected++;
	return 0;
}

/* Add one data row to the batch, or reject it. 0 or -ENOMEM. */
static int
ctl_import_add(struct ctl_import *im, char **fields, size_t n, unsigned long row)
{
	const char *number = im->num_col < n ? fields[im->num_col] : "";
	const char *name = im->name_col < n ? fields[im->name_col] : "";
	bool tags = false;

	if (!*number)
		return ctl_import_reject(im, row, "empty number");
	for (size_t i = 0; i < n; i++)
		if (!ctl_utf8_valid(fields[i]))
			return ctl_import_reject(im, row, "not UTF-8 text (save the file as "
						 "\"CSV UTF-8\")");
	if (im->n + 1 >= im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 1024;
		size_t *off = realloc(im->off, cap * sizeof(*off));

		if (off)
			im->off = off;
		size_t *numoff = off ? realloc(im->numoff, cap * sizeof(*numoff)) : NULL;

		if (numoff)
			im->numoff = numoff;
		unsigned long *rows = numoff ? realloc(im->rows, cap * sizeof(*rows)) : NULL;

		if (!rows)
			return -ENOMEM;
		im->rows = rows;
		im->cap = cap;
	}
	im->off[im->n] = im->frag.len;
	im->numoff[im->n] = im->nums.len;
	im->rows[im->n] = row;
	if (ctl_buf_put(&im->nums, number, strlen(number) + 1) ||
	    ctl_buf_puts(&im->frag, "{\"number\":") || ctl_buf_put_json(&im->frag, number))
		return -ENOMEM;
	if (*name && (ctl_buf_puts(&im->frag, ",\"name\":") ||
		      ctl_buf_put_json(&im->frag, name)))
		return -ENOMEM;
	for (size_t i = 0; i < n && i < im->ncols; i++) {
		if (!im->keys[i][0] || !*fields[i])
			continue;
		if (ctl_buf_puts(&im->frag, tags ? "," : ",\"tags\":{") ||
		    ctl_buf_put_json(&im->frag, im->keys[i]) ||
		    ctl_buf_puts(&im->frag, ":") || ctl_buf_put_json(&im->frag, fields[i]))
			return -ENOMEM;
		tags = true;
	}
	if (ctl_buf_puts(&im->frag, tags ? "}}" : "}"))
		return -ENOMEM;
	im->n++;
	im->off[im->n] = im->frag.len;
	return 0;
}

/* Record the server's errors for contacts first..: 0, CTL_EXIT_SERVER or -ENOMEM. */
static int
ctl_import_server_errors(struct ctl_import *im, const json_t *errors, size_t first, size_t count)
{
	const json_t *e;
	size_t i;

	json_array_foreach(errors, i, e) {
		const char *field = json_string_value(json_object_get(e, "field"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		const json_t *jidx = json_object_get(e, "index");
		char buf[512], *clean;
		size_t idx, other;
		/* the part after contacts[i]: which of the contact's fields */
		const char *rest = ctl_field_index(field, "contacts", &other), *num;

		if (json_is_integer(jidx) && json_integer_value(jidx) >= 0)
			idx = (size_t)json_integer_value(jidx);
		else
			idx = rest ? other : SIZE_MAX;
		if (idx >= count) {
			fprintf(stderr, "loactl: the server named contact %zd of a batch of %zu\n",
				(ssize_t)idx, count);
			return CTL_EXIT_SERVER;
		}
		if (!rest)
			rest = "";
		idx += first;
		num = im->nums.s + im->numoff[idx];
		clean = ctl_text_clean(msg ? msg : "rejected");
		if (!clean)
			return -ENOMEM;
		if ((!*rest || !strcmp(rest, ".number")) && strstr(clean, num))
			snprintf(buf, sizeof(buf), "%s", clean);
		else if (!*rest || !strcmp(rest, ".number"))
			snprintf(buf, sizeof(buf), "%s: \"%s\"", clean, num);
		else if (!strncmp(rest, ".tags.", 6))
			snprintf(buf, sizeof(buf), "tag %s: %s", rest + 6, clean);
		else
			snprintf(buf, sizeof(buf), "%s: %s", rest + 1, clean);
		free(clean);
		if (ctl_import_reject(im, im->rows[idx], buf))
			return -ENOMEM;
	}
	return 0;
}

/* Send contacts [a, b) of the batch; 0, an exit code or -ENOMEM. */
static int
ctl_import_send(struct ctl_import *im, size_t a, size_t b)
{
	struct ctl_reply r;
	json_t *ans = NULL;
	int rc;

	im->stop_row = im->rows[a];
	im->body.len = 0;
	if (ctl_buf_puts(&im->body, "{\"contacts\":["))
		return -ENOMEM;
	for (size_t i = a; i < b; i++)
		if ((i > a && ctl_buf_puts(&im->body, ",")) ||
		    ctl_buf_put(&im->body, im->frag.s + im->off[i], im->off[i + 1] - im->off[i]))
			return -ENOMEM;
	if (ctl_buf_puts(&im->body, "]}"))
		return -ENOMEM;
	rc = ctl_http_call(&im->L->http, "POST", "/v1/contacts", im->body.s, &r);
	if (rc == 0 && r.status == 413) {
		ctl_reply_free(&r);
		if (b - a == 1)
			return ctl_import_reject(im, im->rows[a], "too large for the server (HTTP "
						 "413)");
		if (im->batch_max > (b - a) / 2)
			im->batch_max = (b - a) / 2 ? (b - a) / 2 : 1;
		rc = ctl_import_send(im, a, a + (b - a) / 2);
		return rc ? rc : ctl_import_send(im, a + (b - a) / 2, b);
	}
	rc = ctl_api_finish(&im->L->http, false, rc, &r, NULL, &ans);
	ctl_reply_free(&r);
	if (rc)
		return rc;
	im->inserted += (unsigned long long)(ctl_show_int(ans, "inserted") > 0 ?
					     ctl_show_int(ans, "inserted") : 0);
	im->updated += (unsigned long long)(ctl_show_int(ans, "updated") > 0 ?
					    ctl_show_int(ans, "updated") : 0);
	rc = ctl_import_server_errors(im, json_object_get(ans, "errors"), a, b - a);
	json_decref(ans);
	return rc;
}

/* Send the batch and empty it. */
static int
ctl_import_flush(struct ctl_import *im)
{
	int rc = im->n ? ctl_import_send(im, 0, im->n) : 0;

	im->n = 0;
	im->frag.len = 0;
	im->nums.len = 0;
	return rc;
}

/* Redraw the progress bar (stderr on a terminal). */
static void
ctl_import_progress(struct ctl_import *im, bool force)
{
	char line[160], bar[96];
	int64_t ms = util_mono_ms() - im->t0;
	unsigned long done = im->last_row > 1 ? im->last_row - 1 : 0;

	if (!im->progress)
		return;
	ctl_progress_format(bar, sizeof(bar), (long long)done, (long long)im->total_rows);
	snprintf(line, sizeof(line), "%s rows  %.0f rows/s", bar,
		 ms > 0 ? (double)done * 1000.0 / (double)ms : 0.0);
	ctl_progress_show(&im->prog, line, force);
}

static int
ctl_import_err_cmp(const void *a, const void *b)
{
	const struct ctl_import_err *x = a, *y = b;

	return x->row < y->row ? -1 : x->row > y->row;
}

/* Errors in row order on stderr, then the summary (or JSON) on stdout. */
static void
ctl_import_report(struct ctl_import *im, bool json)
{
	unsigned long long imported = im->inserted + im->updated;

	if (im->nerr)
		qsort(im->errs, im->nerr, sizeof(*im->errs), ctl_import_err_cmp);
	for (size_t i = 0; i < im->nerr; i++)
		fprintf(stderr, "loactl: %s:row %lu: %s\n", im->path, im->errs[i].row,
			im->errs[i].msg);
	if (json) {
		json_t *errs = json_array(), *doc;

		for (size_t i = 0; errs && i < im->nerr; i++)
			json_array_append_new(errs, json_pack("{s:I, s:s}", "row",
							      (json_int_t)im->errs[i].row, "message",
							      im->errs[i].msg));
		doc = json_pack("{s:I, s:I, s:I, s:I, s:o*}", "imported", (json_int_t)imported,
				"inserted", (json_int_t)im->inserted, "updated",
				(json_int_t)im->updated, "rejected", (json_int_t)im->rejected,
				"errors", errs);
		if (doc)
			ctl_show_json(stdout, doc);
		json_decref(doc);
		return;
	}
	printf("%llu contact%s imported (%llu new, %llu updated)", imported,
	       ctl_show_plural((long long)imported), im->inserted, im->updated);
	if (im->rejected)
		printf(", %llu row%s rejected", im->rejected, ctl_show_plural((long long)im->rejected));
	putchar('\n');
}

/* Stream the file into batches. 0 or an exit code (said why). */
static int
ctl_import_run(struct ctl_import *im)
{
	struct ctl_csv_stream *s = NULL;
	unsigned long row;
	char **fields, err[1024];
	size_t n;
	bool header = true, any = false;
	int rc;

	if (ctl_csv_stream_open(im->path, &s, err, sizeof(err))) {
		fprintf(stderr, "loactl: %s\n", err);
		return CTL_EXIT_USAGE;
	}
	if (im->progress && ctl_csv_count_rows(im->path, &im->total_rows) == 0 &&
	    im->total_rows > 0)
		im->total_rows--; /* the header */
	im->t0 = util_mono_ms();
	while ((rc = ctl_csv_stream_next(s, &fields, &n, &row, err, sizeof(err))) == 1) {
		if (header) {
			rc = ctl_import_header(im, fields, n);
			if (rc)
				goto out;
			header = false;
			continue;
		}
		any = true;
		if (ctl_import_add(im, fields, n, row))
			goto nomem;
		im->last_row = row;
		if (im->n >= im->batch_max || im->frag.len >= CTL_IMPORT_MAX_BODY) {
			rc = ctl_import_flush(im);
			if (rc == -ENOMEM)
				goto nomem;
			if (rc)
				goto stopped;
			ctl_import_progress(im, false);
		}
	}
	if (rc < 0) {
		fprintf(stderr, "loactl: %s\n", err);
		im->stop_row = im->n ? im->rows[0] : row + 1;
		rc = CTL_EXIT_USAGE;
		if (im->inserted + im->updated)
			goto stopped;
		goto out;
	}
	if (header) {
		fprintf(stderr, "loactl: %s: the file is empty; it needs a header row with a "
				"column \"number\"\n", im->path);
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	if (!any) {
		fprintf(stderr, "loactl: %s: no contacts below the header row\n", im->path);
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	rc = ctl_import_flush(im);
	if (rc == -ENOMEM)
		goto nomem;
	if (rc)
		goto stopped;
	ctl_import_progress(im, true);
	ctl_progress_end(&im->prog);
	ctl_import_report(im, im->L->json);
	rc = im->rejected ? CTL_EXIT_REFUSED : CTL_EXIT_OK;
	goto out;
stopped:
	ctl_progress_end(&im->prog);
	ctl_import_report(im, false);
	fprintf(stderr, "loactl: %s: import stopped; rows from %lu on were not imported\n",
		im->path, im->stop_row);
	goto out;
nomem:
	ctl_progress_end(&im->prog);
	rc = ctl_cli_nomem();
out:
	ctl_csv_stream_close(s);
	return rc;
}

int
ctl_import_cmd(struct ctl_cli *L, int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_CLI_GLOBAL_OPTIONS,
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_import im = { .L = L, .batch_max = CTL_IMPORT_DEFAULT_BATCH };
	uint64_t batch;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "-:h", opts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (im.path) {
				ctl_cli_usage_error(ctl_import_usage, "unexpected argument '%s'",
						    optarg);
				return CTL_EXIT_USAGE;
			}
			im.path = optarg;
			break;
		case 'h':
			fputs(ctl_import_usage, stdout);
			return CTL_EXIT_OK;
		case OPT_BATCH:
			if (!ctl_cli_parse_u64(optarg, CTL_IMPORT_MAX_BATCH, &batch) || !batch) {
				ctl_cli_usage_error(ctl_import_usage,
						    "--batch takes a number from 1 to %d",
						    CTL_IMPORT_MAX_BATCH);
				return CTL_EXIT_USAGE;
			}
			im.batch_max = (size_t)batch;
			break;
		case '?':
		case ':':
			return ctl_cli_getopt_error(c, argv, ctl_import_usage);
		default:
			ctl_cli_global_option(L, c, optarg);
		}
	}
	if (!im.path) {
		ctl_cli_usage_error(ctl_import_usage, "give the CSV file");
		return CTL_EXIT_USAGE;
	}
	rc = ctl_cli_setup(L);
	if (rc)
		return rc;
	im.progress = isatty(STDERR_FILENO);
	ctl_progress_init(&im.prog, stderr, im.progress);
	rc = ctl_import_run(&im);
	for (size_t i = 0; i < im.nerr; i++)
		free(im.errs[i].msg);
	free(im.errs);
	free(im.keys);
	free(im.frag.s);
	free(im.nums.s);
	free(im.body.s);
	free(im.off);
	free(im.numoff);
	free(im.rows);
	return rc;
}
