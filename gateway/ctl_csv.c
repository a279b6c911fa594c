/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_csv — read one column (the phone numbers) out of a CSV file for `loactl campaign create`.
 *
 * The reader follows RFC 4180 and what spreadsheets really write: fields separated by ',',
 * optionally enclosed in '"' with "" standing for one quote, line breaks inside quoted fields,
 * records ended by CRLF, LF or a lone CR, a last record with or without a line end, and a UTF-8
 * byte order mark in front (Excel's "CSV UTF-8"). It is lenient where leniency cannot change a
 * number: text after a closing quote is kept, a quote inside an unquoted field is an ordinary
 * character. It refuses what would silently give wrong numbers: an unclosed quote, UTF-16 text
 * (Excel's "Unicode text"), a header without the wanted column.
 *
 * Rows are numbered as a spreadsheet shows them, the header being row 1, so that an error about
 * recipients[i] can be sent back to the row the official must fix. An empty line counts as a row
 * and yields no value; a row too short to reach the column yields "" (reported by the caller).
 *
 * Thread: any; no state.
 */
#include "gateway/ctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Refuse files beyond this: a district's contacts are a few MB at most. */
#define CTL_CSV_MAX_FILE (256u << 20)

struct ctl_csv_reader {
	const char *p, *end;
	unsigned long row;		/* row of the last record read; the header is row 1 */
};

/* One record: its fields as NUL-terminated strings. */
struct ctl_csv_record {
	char **fields;			/* owned, each owned */
	size_t n, cap;
	bool first_quoted;		/* the first field was quoted: "" is no blank line */
};

struct ctl_csv_str {
	char *s;
	size_t len, cap;
};

static int
ctl_csv_putc(struct ctl_csv_str *b, char ch)
{
	if (b->len + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char *p = realloc(b->s, cap);

		if (!p)
			return -ENOMEM;
		b->s = p;
		b->cap = cap;
	}
	b->s[b->len++] = ch;
	b->s[b->len] = '\0';
	return 0;
}

static void
ctl_csv_record_clear(struct ctl_csv_record *rec)
{
	for (size_t i = 0; i < rec->n; i++)
		free(rec->fields[i]);
	rec->n = 0;
	rec->first_quoted = false;
}

static void
ctl_csv_record_free(struct ctl_csv_record *rec)
{
	ctl_csv_record_clear(rec);
	free(rec->fields);
	rec->fields = NULL;
	rec->cap = 0;
}

/* Append a field to the record; takes `s` (NULL stands for ""). */
static int
ctl_csv_record_push(struct ctl_csv_record *rec, char *s)
{
	if (!s) {
		s = strdup("");
		if (!s)
			return -ENOMEM;
	}
	if (rec->n == rec->cap) {
		size_t cap = rec->cap ? rec->cap * 2 : 16;
		char **p = realloc(rec->fields, cap * sizeof(*p));

		if (!p) {
			free(s);
			return -ENOMEM;
		}
		rec->fields = p;
		rec->cap = cap;
	}
	rec->fields[rec->n++] = s;
	return 0;
}

/* Message helper: "origin:row N: ..." or "origin: ..." when row is 0. Returns -EINVAL. */
static int __attribute__((format(printf, 5, 6)))
ctl_csv_fail(char *err, size_t errlen, const char *origin, unsigned long row, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (row)
		n = snprintf(err, errlen, "%s:row %lu: ", origin, row);
	else
		n = snprintf(err, errlen, "%s: ", origin);
	if (n < 0 || (size_t)n >= errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Read the next record into `rec`: 1 when one was read, 0 at the end of the data, -EINVAL for an
 * unclosed quote, -ENOMEM.
 */
static int
ctl_csv_next(struct ctl_csv_reader *rd, struct ctl_csv_record *rec)
{
	const char *p = rd->p, *end = rd->end;

	ctl_csv_record_clear(rec);
	if (p >= end)
		return 0;
	rd->row++;
	for (;;) {
		struct ctl_csv_str f = { 0 };
		bool quoted = false;
		int rc = 0;

		if (p < end && *p == '"') {
			quoted = true;
			p++;
			for (;;) {
				if (p >= end) {
					free(f.s);
					rd->p = p;
					return -EINVAL;
				}
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						rc = ctl_csv_putc(&f, '"');
						p += 2;
					} else {
						p++;
						break;
					}
				} else {
					rc = ctl_csv_putc(&f, *p++);
				}
				if (rc < 0)
					break;
			}
		}
		while (rc == 0 && p < end && *p != ',' && *p != '\r' && *p != '\n')
			rc = ctl_csv_putc(&f, *p++);
		if (rc < 0) {
			free(f.s);
			return rc;
		}
		if (rec->n == 0)
			rec->first_quoted = quoted;
		rc = ctl_csv_record_push(rec, f.s);
		if (rc < 0)
			return rc;
		if (p >= end)
			break;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\r') { /* CR, CRLF: p < end here; a lone CR may be the last byte */
			if (++p < end && *p == '\n')
				p++;
		} else if (*p == '\n') {
			p++;
		}
		break;
	}
	rd->p = p;
	return 1;
}

static bool
ctl_csv_blank(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

/* Trim blanks at both ends, in place. */
static char *
ctl_csv_trim(char *s)
{
	size_t len = strlen(s), start = 0;

	while (len > 0 && ctl_csv_blank((unsigned char)s[len - 1]))
		len--;
	while (start < len && ctl_csv_blank((unsigned char)s[start]))
		start++;
	memmove(s, s + start, len - start);
	s[len - start] = '\0';
	return s;
}

/* Grow the column's arrays by one and store the value (taken) and its row. */
static int
ctl_csv_column_push(struct ctl_csv_column *col, size_t *cap, char *value, unsigned long row)
{
	if (col->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		char **v = realloc(col->values, ncap * sizeof(*v));
		unsigned long *r;

		if (!v)
			goto nomem;
		col->values = v;
		r = realloc(col->rows, ncap * sizeof(*r));
		if (!r)
			goto nomem;
		col->rows = r;
		*cap = ncap;
	}
	col->values[col->n] = value;
	col->rows[col->n] = row;
	col->n++;
	return 0;
nomem:
	free(value);
	return -ENOMEM;
}

/* The "it has: ..." part of a missing-column message. */
static void
ctl_csv_describe_header(const struct ctl_csv_record *hdr, char *buf, size_t size)
{
	size_t used = 0;
	bool semicolon = false;

	buf[0] = '\0';
	for (size_t i = 0; i < hdr->n && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s\"%s\"", i ? ", " : "",
				 hdr->fields[i]);

		if (n < 0)
			break;
		used += (size_t)n;
		if (strchr(hdr->fields[i], ';'))
			semicolon = true;
	}
	if (semicolon && used < size)
		snprintf(buf + used, size - used, "; is the file separated by ';'? use ','");
}

void
ctl_csv_column_free(struct ctl_csv_column *col)
{
	if (!col)
		return;
	for (size_t i = 0; i < col->n; i++)
		free(col->values[i]);
	free(col->values);
	free(col->rows);
	memset(col, 0, sizeof(*col));
}

int
ctl_csv_parse_column(const char *data, size_t len, const char *column, const char *origin,
		     struct ctl_csv_column *out, char *err, size_t errlen)
{
	struct ctl_csv_reader rd = { .p = data, .end = data + len };
	struct ctl_csv_record rec = { 0 };
	size_t idx = SIZE_MAX, cap = 0;
	char want[256], have[512];
	int rc;

	memset(out, 0, sizeof(*out));
	if (len >= 2 && ((data[0] == '\xff' && data[1] == '\xfe') ||
			 (data[0] == '\xfe' && data[1] == '\xff')))
		return ctl_csv_fail(err, errlen, origin, 0,
				    "the file is UTF-16 text; save it as \"CSV UTF-8\"");
	if (memchr(data, '\0', len))
		return ctl_csv_fail(err, errlen, origin, 0,
				    "the file holds NUL bytes; it is not CSV text (save it as "
				    "\"CSV UTF-8\")");
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		rd.p += 3;

	rc = ctl_csv_next(&rd, &rec);
	if (rc == 0) {
		rc = ctl_csv_fail(err, errlen, origin, 0,
				  "the file is empty; it needs a header row with a column \"%s\"",
				  column);
		goto out;
	}
	if (rc < 0)
		goto parse_error;

	snprintf(want, sizeof(want), "%s", column);
	ctl_csv_trim(want);
	for (size_t i = 0; i < rec.n; i++) {
		if (strcasecmp(ctl_csv_trim(rec.fields[i]), want) == 0) {
			idx = i;
			break;
		}
	}
	if (idx == SIZE_MAX) {
		ctl_csv_describe_header(&rec, have, sizeof(have));
		rc = ctl_csv_fail(err, errlen, origin, 1,
				  "no column \"%s\" in the header row (it has %s)", want, have);
		goto out;
	}

	while ((rc = ctl_csv_next(&rd, &rec)) == 1) {
		char *v;

		if (rec.n == 1 && !rec.first_quoted && rec.fields[0][0] == '\0')
			continue;	/* an empty line */
		if (idx < rec.n) {
			v = rec.fields[idx];
			rec.fields[idx] = NULL;	/* taken; clearing the record frees NULL */
		} else {
			v = strdup("");
		}
		if (!v) {
			rc = -ENOMEM;
			goto out;
		}
		rc = ctl_csv_column_push(out, &cap, ctl_csv_trim(v), rd.row);
		if (rc < 0)
			goto out;
	}
	if (rc == 0)
		goto out;
parse_error:
	if (rc == -EINVAL)
		ctl_csv_fail(err, errlen, origin, rd.row,
			     "a quoted field starts in this row and is never closed");
out:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", origin);
	ctl_csv_record_free(&rec);
	if (rc < 0)
		ctl_csv_column_free(out);
	return rc < 0 ? rc : 0;
}

int
ctl_csv_read_column(const char *path, const char *column, struct ctl_csv_column *out, char *err,
		    size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	for (;;) {
		size_t n;

		if (cap - len < 65536) {
			char *p;

			if (cap >= CTL_CSV_MAX_FILE) {
				snprintf(err, errlen, "%s: larger than %u MB", path,
					 CTL_CSV_MAX_FILE >> 20);
				rc = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 262144;
			p = realloc(data, cap);
			if (!p) {
				snprintf(err, errlen, "%s: out of memory", path);
				rc = -ENOMEM;
				goto out;
			}
			data = p;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				rc = -EIO;
				snprintf(err, errlen, "%s: read error", path);
				goto out;
			}
			break;
		}
	}
	rc = ctl_csv_parse_column(data ? data : "", len, column, path, out, err, errlen);
out:
	free(data);
	fclose(f);
	return rc;
}

/* ---- streaming ------------------------------------------------------------------------------ */

#define CTL_CSV_CHUNK		(1u << 20)	/* bytes read at a time */
#define CTL_CSV_MAX_RECORD	(16u << 20)	/* a record larger than this is refused */

struct ctl_csv_stream {
	FILE *f;
	const char *path;		/* borrowed, for messages */
	char *buf;
	size_t cap, start, len;		/* unparsed data is buf[start..len) */
	uint64_t consumed;		/* bytes of the file before buf[start] */
	unsigned long row;		/* row of the last record returned */
	bool eof, first;
	struct ctl_csv_record rec;
};

int
ctl_csv_stream_open(const char *path, struct ctl_csv_stream **out, char *err, size_t errlen)
{
	struct ctl_csv_stream *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s || !(s->buf = malloc(CTL_CSV_CHUNK))) {
		free(s);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	s->f = fopen(path, "rb");
	if (!s->f) {
		int rc = -errno;

		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(s->buf);
		free(s);
		return rc;
	}
	s->cap = CTL_CSV_CHUNK;
	s->path = path;
	s->first = true;
	*out = s;
	return 0;
}

void
ctl_csv_stream_close(struct ctl_csv_stream *s)
{
	if (!s)
		return;
	ctl_csv_record_free(&s->rec);
	if (s->f)
		fclose(s->f);
	free(s->buf);
	free(s);
}

uint64_t
ctl_csv_stream_offset(const struct ctl_csv_stream *s)
{
	return s->consumed;
}

/* Read more of the file behind what is left unparsed. 0, -EINVAL (message), -EIO, -ENOMEM. */
static int
ctl_csv_stream_fill(struct ctl_csv_stream *s, char *err, size_t errlen)
{
	size_t n;

	if (s->start > 0) {
		memmove(s->buf, s->buf + s->start, s->len - s->start);
		s->len -= s->start;
		s->consumed += s->start;
		s->start = 0;
	}
	if (s->cap - s->len < CTL_CSV_CHUNK / 2) {
		char *p;

		if (s->cap >= CTL_CSV_MAX_RECORD)
			return ctl_csv_fail(err, errlen, s->path, s->row + 1,
					    "a record longer than %u MB (an unclosed quote?)",
					    CTL_CSV_MAX_RECORD >> 20);
		p = realloc(s->buf, s->cap * 2);
		if (!p) {
			snprintf(err, errlen, "%s: out of memory", s->path);
			return -ENOMEM;
		}
		s->buf = p;
		s->cap *= 2;
	}
	n = fread(s->buf + s->len, 1, s->cap - s->len, s->f);
	if (n == 0) {
		if (ferror(s->f)) {
			snprintf(err, errlen, "%s: read error", s->path);
			return -EIO;
		}
		s->eof = true;
		return 0;
	}
	if (memchr(s->buf + s->len, '\0', n))
		return ctl_csv_fail(err, errlen, s->path, 0, "the file holds NUL bytes; it is not "
				    "CSV text (save it as \"CSV UTF-8\")");
	s->len += n;
	if (s->first && s->consumed == 0 && s->len >= 2) {
		const char *d = s->buf;

		if ((d[0] == '\xff' && d[1] == '\xfe') || (d[0] == '\xfe' && d[1] == '\xff'))
			return ctl_csv_fail(err, errlen, s->path, 0,
					    "the file is UTF-16 text; save it as \"CSV UTF-8\"");
	}
	return 0;
}

int
ctl_csv_stream_next(struct ctl_csv_stream *s, char ***fields, size_t *n, unsigned long *row,
		    char *err, size_t errlen)
{
	int rc;

	for (;;) {
		struct ctl_csv_reader rd;

		/* before the first record: wait for 3 bytes to see a byte order mark whole */
		if (s->first && !s->eof && s->len - s->start < 3) {
			rc = ctl_csv_stream_fill(s, err, errlen);
			if (rc < 0)
				return rc;
			continue;
		}
		if (s->first) {
			if (s->len - s->start >= 3 && memcmp(s->buf + s->start, "\xef\xbb\xbf", 3) == 0)
				s->start += 3;
			s->first = false;
		}
		rd = (struct ctl_csv_reader){ .p = s->buf + s->start, .end = s->buf + s->len,
					      .row = s->row };
		rc = ctl_csv_next(&rd, &s->rec);
		/*
		 * A record that reaches the end of the buffer may go on in the file (or a CR may
		 * be followed by its LF): read more and parse it again, until the end of file.
		 */
		if (!s->eof && (rc == 0 || rc == -EINVAL || (rc == 1 && rd.p == rd.end))) {
			rc = ctl_csv_stream_fill(s, err, errlen);
			if (rc < 0)
				return rc;
			continue;
		}
		if (rc == -EINVAL)
			return ctl_csv_fail(err, errlen, s->path, rd.row,
					    "a quoted field starts in this row and is never closed");
		if (rc < 0) {
			snprintf(err, errlen, "%s: out of memory", s->path);
			return rc;
		}
		if (rc == 0)
			return 0;
		s->start = (size_t)(rd.p - s->buf);
		s->row = rd.row;
		if (s->rec.n == 1 && !s->rec.first_quoted && s->rec.fields[0][0] == '\0')
			continue;	/* an empty line */
		for (size_t i = 0; i < s->rec.n; i++)
			ctl_csv_trim(s->rec.fields[i]);
		*fields = s->rec.fields;
		*n = s->rec.n;
		*row = s->row;
		return 1;
	}
}

int
ctl_csv_count_rows(const char *path, unsigned long *rows)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(CTL_CSV_CHUNK);
	bool quoted = false, cr = false, any = false, open_row = false;
	unsigned long n = 0;
	size_t got;
	int rc = 0;

	if (!f || !buf) {
		rc = f ? -ENOMEM : -errno;
		goto out;
	}
	while ((got = fread(buf, 1, CTL_CSV_CHUNK, f)) > 0) {
		any = true;
		for (size_t i = 0; i < got; i++) {
			char ch = buf[i];

			if (cr && ch == '\n') {	/* the LF of a CRLF */
				cr = false;
				continue;
			}
			cr = false;
			if (ch == '"') {
				quoted = !quoted;
				open_row = true;
			} else if (!quoted && (ch == '\n' || ch == '\r')) {
				n++;
				open_row = false;
				cr = ch == '\r';
			} else {
				open_row = true;
			}
		}
	}
	if (ferror(f))
		rc = -EIO;
	*rows = n + (any && open_row ? 1 : 0);
out:
	if (f)
		fclose(f);
	free(buf);
	return rc;
}
