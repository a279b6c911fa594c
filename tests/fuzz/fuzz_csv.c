/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_csv — loactl's CSV reader (gateway/ctl.h: ctl_csv_parse_column()) on arbitrary files,
 * the contacts lists officials export from spreadsheets.
 *
 * Input: byte 0 picks the column asked for; the rest is the file.
 * Oracles, besides "no crash, no leak, no UB":
 *   - a small reference reader written here from the contract in ctl.h (RFC 4180 with the
 *     leniencies listed there; rows counted as a spreadsheet does) must find the same values
 *     on the same rows, and fail on the same inputs for the same reason and row;
 *   - ctl_csv_read_column() on the same bytes in a memfd must give exactly what
 *     ctl_csv_parse_column() gave, its errors naming the path instead of the origin;
 *   - values are trimmed, rows strictly increase from 2, a failure leaves the column empty
 *     and an error beginning with "origin:".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gateway/ctl.h"
#include "tests/fuzz/fuzz.h"

#define CSV_ORIGIN "contacts.csv"

static const char *const csv_columns[8] = {
	"number", "Number", " number ", "name", "role", "", "so dien thoai", "Số điện thoại",
};

static int csv_fd = -1;
static char csv_path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	csv_fd = memfd_create("loa-fuzz.csv", MFD_CLOEXEC);
	if (csv_fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(csv_path, sizeof(csv_path), "/proc/self/fd/%d", csv_fd);
	return 0;
}

/* ---- reference reader ---- */

enum csv_ref_result { CSV_REF_OK, CSV_REF_UTF16, CSV_REF_NUL, CSV_REF_EMPTY, CSV_REF_NOCOL,
		      CSV_REF_UNCLOSED };

struct csv_ref {
	char **values;
	unsigned long *rows;
	size_t n;
	unsigned long bad_row;	/* CSV_REF_UNCLOSED: the row of the unclosed quote */
};

static bool
csv_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* A trimmed, NUL-terminated copy of s[0..len). */
static char *
csv_trimmed(const char *s, size_t len)
{
	while (len && csv_blank(s[len - 1]))
		len--;
	while (len && csv_blank(*s))
		s++, len--;
	return strndup(s, len);
}

/*
 * One field starting at *pp: its raw text (quotes resolved) into buf, *pp past it. Returns
 * the field's length, or -1 for a quote that is never closed.
 */
static long
csv_ref_field(const char **pp, const char *end, char *buf, bool *quoted)
{
	const char *p = *pp;
	long n = 0;

	*quoted = p < end && *p == '"';
	if (*quoted) {
		for (p++;; p++) {
			if (p >= end)
				return -1;
			if (*p == '"' && p + 1 < end && p[1] == '"')
				buf[n++] = *p++;
			else if (*p == '"')
				break;
			else
				buf[n++] = *p;
		}
		p++;
	}
	while (p < end && *p != ',' && *p != '\r' && *p != '\n')
		buf[n++] = *p++;
	*pp = p;
	return n;
}

static void
csv_ref_fields_free(char **fields, long nf)
{
	for (long i = 0; i < nf; i++)
		free(fields[i]);
	free(fields);
}

/* Read the record at *pp into fields[] (raw, quotes resolved); -1 for an unclosed quote. */
static long
csv_ref_record(const char **pp, const char *end, char *buf, char ***fields, bool *first_quoted)
{
	const char *p = *pp;
	long nf = 0;
	bool quoted;

	for (;;) {
		long n = csv_ref_field(&p, end, buf, &quoted);

		if (n < 0) {
			csv_ref_fields_free(*fields, nf);
			*fields = NULL;
			return -1;
		}
		if (nf == 0)
			*first_quoted = quoted;
		*fields = realloc(*fields, (size_t)(nf + 1) * sizeof(char *));
		if (!*fields)
			abort();
		(*fields)[nf++] = strndup(buf, (size_t)n);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		break;
	}
	if (p < end && *p == '\r') {
		p++;
		if (p < end && *p == '\n')
			p++;
	} else if (p < end && *p == '\n') {
		p++;
	}
	*pp = p;
	return nf;
}

static enum csv_ref_result
csv_ref_parse(const char *data, size_t len, const char *column, struct csv_ref *out)
{
	const char *p = data, *end = data + len;
	char *buf = malloc(len + 1), *want = csv_trimmed(column, strlen(column)), **f;
	long col = -1, nf;
	unsigned long row = 0;
	enum csv_ref_result res = CSV_REF_OK;
	bool fq = false;

	memset(out, 0, sizeof(*out));
	out->values = calloc(len + 1, sizeof(char *));
	out->rows = calloc(len + 1, sizeof(unsigned long));
	if (!buf || !want || !out->values || !out->rows)
		abort();
	if (len >= 2 && (((uint8_t)p[0] == 0xff && (uint8_t)p[1] == 0xfe) ||
			 ((uint8_t)p[0] == 0xfe && (uint8_t)p[1] == 0xff))) {
		res = CSV_REF_UTF16;
		goto out;
	}
	if (memchr(p, 0, len)) {
		res = CSV_REF_NUL;
		goto out;
	}
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	if (p >= end) {
		res = CSV_REF_EMPTY;
		goto out;
	}
	while (p < end) {
		f = NULL;
		row++;
		nf = csv_ref_record(&p, end, buf, &f, &fq);
		if (nf < 0) {
			out->bad_row = row;
			res = CSV_REF_UNCLOSED;
			goto out;
		}
		if (row == 1) {
			for (long i = 0; i < nf && col < 0; i++) {
				char *h = csv_trimmed(f[i], strlen(f[i]));

				if (strcasecmp(h, want) == 0)
					col = i;
				free(h);
			}
			csv_ref_fields_free(f, nf);
			if (col < 0) {
				res = CSV_REF_NOCOL;
				goto out;
			}
			continue;
		}
		if (!(nf == 1 && !fq && f[0][0] == '\0')) {	/* not an empty line */
			out->values[out->n] = col < nf ? csv_trimmed(f[col], strlen(f[col]))
						       : strdup("");
			if (!out->values[out->n])
				abort();
			out->rows[out->n++] = row;
		}
		csv_ref_fields_free(f, nf);
	}
out:
	free(buf);
	free(want);
	return res;
}

static void
csv_ref_free(struct csv_ref *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->values[i]);
	free(r->values);
	free(r->rows);
}

/* ---- the target ---- */

/* Does err say `what` about `origin` (and `row` when not 0)? */
static bool
csv_err_is(const char *err, const char *origin, unsigned long row, const char *what)
{
	char want[256];

	if (row)
		snprintf(want, sizeof(want), "%s:row %lu: %s", origin, row, what);
	else
		snprintf(want, sizeof(want), "%s: %s", origin, what);
	return strncmp(err, want, strlen(want)) == 0;
}

/* Check one parse result against the reference. */
static void
csv_check(int rc, const struct ctl_csv_column *col, const char *err, const char *origin,
	  enum csv_ref_result res, const struct csv_ref *ref)
{
	if (rc == -ENOMEM)
		return;
	if (rc < 0) {
		FUZZ_ASSERT(rc == -EINVAL);
		FUZZ_ASSERT(col->n == 0 && col->values == NULL && col->rows == NULL);
		switch (res) {
		case CSV_REF_OK:
			FUZZ_ASSERT(!"the reference reader accepted this file");
			break;
		case CSV_REF_UTF16:
			FUZZ_ASSERT(csv_err_is(err, origin, 0, "the file is UTF-16 text"));
			break;
		case CSV_REF_NUL:
			FUZZ_ASSERT(csv_err_is(err, origin, 0, "the file holds NUL bytes"));
			break;
		case CSV_REF_EMPTY:
			FUZZ_ASSERT(csv_err_is(err, origin, 0, "the file is empty"));
			break;
		case CSV_REF_NOCOL:
			FUZZ_ASSERT(csv_err_is(err, origin, 1, "no column"));
			break;
		case CSV_REF_UNCLOSED:
			FUZZ_ASSERT(csv_err_is(err, origin, ref->bad_row,
					       "a quoted field starts in this row and is never "
					       "closed"));
			break;
		}
		return;
	}
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(res == CSV_REF_OK);
	FUZZ_ASSERT(col->n == ref->n);
	for (size_t i = 0; i < col->n; i++) {
		const char *v = col->values[i];
		size_t len = strlen(v);

		FUZZ_ASSERT(strcmp(v, ref->values[i]) == 0);
		FUZZ_ASSERT(col->rows[i] == ref->rows[i]);
		FUZZ_ASSERT(col->rows[i] >= 2);
		FUZZ_ASSERT(i == 0 || col->rows[i] > col->rows[i - 1]);
		FUZZ_ASSERT(len == 0 || (!csv_blank(v[0]) && !csv_blank(v[len - 1])));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_csv_column a, b;
	struct csv_ref ref;
	enum csv_ref_result res;
	const char *column, *text;
	char err_a[512], err_b[512];
	size_t len;
	int ra, rb;

	if (size < 1)
		return 0;
	column = csv_columns[data[0] & 7];
	text = (const char *)data + 1;
	len = size - 1;

	res = csv_ref_parse(text, len, column, &ref);
	err_a[0] = '\0';
	ra = ctl_csv_parse_column(text, len, column, CSV_ORIGIN, &a, err_a, sizeof(err_a));
	csv_check(ra, &a, err_a, CSV_ORIGIN, res, &ref);

	if (ftruncate(csv_fd, 0) < 0 || pwrite(csv_fd, text, len, 0) != (ssize_t)len) {
		perror("memfd write");
		abort();
	}
	err_b[0] = '\0';
	rb = ctl_csv_read_column(csv_path, column, &b, err_b, sizeof(err_b));
	csv_check(rb, &b, err_b, csv_path, res, &ref);
	FUZZ_ASSERT(ra == rb);
	FUZZ_ASSERT(a.n == b.n);
	if (ra < 0) {
		/* the same message, the origin replaced by the path */
		size_t oa = strlen(CSV_ORIGIN), ob = strlen(csv_path);
		size_t la = strlen(err_a) - oa, lb = strlen(err_b) - ob;

		FUZZ_ASSERT(strncmp(err_a + oa, err_b + ob, la < lb ? la : lb) == 0);
	}

	ctl_csv_column_free(&a);
	ctl_csv_column_free(&b);
	ctl_csv_column_free(&b);	/* freeing twice is allowed: the column was emptied */
	csv_ref_free(&ref);
	return 0;
}
