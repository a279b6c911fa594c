/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_table — UTF-8 aware text for loactl's tables.
 *
 * Vietnamese text is UTF-8 and may come precomposed ("ệ", one column) or decomposed ("e" plus
 * two combining marks, still one column); citizens' replies may hold line breaks, tabs or escape
 * sequences. Widths are measured in terminal columns with utf8proc_charwidth(), text from the
 * server is cleaned of control characters before it reaches the terminal (a report must not be
 * able to move the cursor or clear the screen), and cutting never separates a letter from its
 * marks.
 *
 * A table is a list of rows of strings, printed with each column as wide as its widest cell,
 * columns two spaces apart, no trailing blanks; the last column may be cut to fit a width.
 *
 * Thread: any; a table belongs to its caller.
 */
#include "gateway/ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Shortest last column ctl_table_print() cuts to; below this the line is left to overflow. */
#define CTL_TABLE_MIN_LAST 8

struct ctl_table {
	size_t ncols;
	char **headers;			/* owned, ncols */
	bool *right;			/* ncols */
	char **cells;			/* owned, nrows * ncols */
	size_t nrows, cap;		/* rows stored / room for */
};

/* Decode one character at s[0..len); returns its length (1 for an invalid byte, cp = -1). */
static size_t
ctl_utf8_next(const char *s, size_t len, utf8proc_int32_t *cp)
{
	utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s,
					      len > 4 ? 4 : (utf8proc_ssize_t)len, cp);

	if (n <= 0) {
		*cp = -1;
		return 1;
	}
	return (size_t)n;
}

/* Columns taken by one decoded character (invalid bytes are shown as one '?'). */
static size_t
ctl_utf8_cp_width(utf8proc_int32_t cp)
{
	int w;

	if (cp < 0)
		return 1;
	w = utf8proc_charwidth(cp);
	return w > 0 ? (size_t)w : 0;
}

bool
ctl_utf8_valid(const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		utf8proc_int32_t cp;
		size_t n = ctl_utf8_next(s, len, &cp);

		if (cp < 0)
			return false;
		s += n;
		len -= n;
	}
	return true;
}

size_t
ctl_utf8_width(const char *s)
{
	size_t len = strlen(s), w = 0;

	while (len > 0) {
		utf8proc_int32_t cp;
		size_t n = ctl_utf8_next(s, len, &cp);

		w += ctl_utf8_cp_width(cp);
		s += n;
		len -= n;
	}
	return w;
}

/* Characters that would reorder or move the text on a terminal: dropped by ctl_text_clean(). */
static bool
ctl_text_is_bidi(utf8proc_int32_t cp)
{
	return cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Control characters and line/paragraph separators: each becomes a space. */
static bool
ctl_text_is_control(utf8proc_int32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

char *
ctl_text_clean(const char *s)
{
	size_t len = strlen(s), o = 0;
	char *out = malloc(len + 1);
	bool space = true;	/* true at the start, so leading blanks go */

	if (!out)
		return NULL;
	while (len > 0) {
		utf8proc_int32_t cp;
		size_t n = ctl_utf8_next(s, len, &cp);

		if (cp < 0) {
			out[o++] = '?';
			space = false;
		} else if (ctl_text_is_bidi(cp)) {
			/* dropped */
		} else if (ctl_text_is_control(cp) || cp == ' ') {
			if (!space)
				out[o++] = ' ';
			space = true;
		} else {
			memcpy(out + o, s, n);
			o += n;
			space = false;
		}
		s += n;
		len -= n;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return out;
}

char *
ctl_text_fit(const char *s, size_t cols)
{
	static const char ellipsis[] = "\xe2\x80\xa6";	/* U+2026, one column */
	size_t len = strlen(s), used = 0, o = 0;
	char *out;

	if (ctl_utf8_width(s) <= cols)
		return strdup(s);
	out = malloc(len + sizeof(ellipsis));
	if (!out)
		return NULL;
	if (cols == 0) {
		out[0] = '\0';
		return out;
	}
	while (len > 0) {
		utf8proc_int32_t cp;
		size_t n = ctl_utf8_next(s, len, &cp);
		size_t w = ctl_utf8_cp_width(cp);

		if (used + w > cols - 1)
			break;
		memcpy(out + o, s, n);
		o += n;
		used += w;
		s += n;
		len -= n;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	memcpy(out + o, ellipsis, sizeof(ellipsis));
	return out;
}

struct ctl_table *
ctl_table_new(size_t ncols, const char *const headers[])
{
	struct ctl_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ncols = ncols;
	t->headers = calloc(ncols, sizeof(*t->headers));
	t->right = calloc(ncols, sizeof(*t->right));
	if (!t->headers || !t->right)
		goto fail;
	for (size_t i = 0; i < ncols; i++) {
		t->headers[i] = strdup(headers[i]);
		if (!t->headers[i])
			goto fail;
	}
	return t;
fail:
	ctl_table_free(t);
	return NULL;
}

void
ctl_table_align_right(struct ctl_table *t, size_t col)
{
	if (col < t->ncols)
		t->right[col] = true;
}

int
ctl_table_add(struct ctl_table *t, const char *const cells[])
{
	char **row;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->cells, cap * t->ncols * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->cells = p;
		t->cap = cap;
	}
	row = t->cells + t->nrows * t->ncols;
	for (size_t i = 0; i < t->ncols; i++) {
		row[i] = ctl_text_clean(cells[i] ? cells[i] : "-");
		if (!row[i]) {
			while (i-- > 0)
				free(row[i]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

size_t
ctl_table_rows(const struct ctl_table *t)
{
	return t->nrows;
}

/* Print `s` in a field of `width` columns; the last column is not padded on the right. */
static void
ctl_table_cell(FILE *out, const char *s, size_t width, bool right, bool last)
{
	size_t w = ctl_utf8_width(s);
	size_t pad = w < width ? width - w : 0;

	if (right)
		fprintf(out, "%*s%s", (int)pad, "", s);
	else if (last)
		fputs(s, out);
	else
		fprintf(out, "%s%*s", s, (int)pad, "");
}

/* Print one line of cells; the last one cut to last_width (0: never cut). */
static void
ctl_table_line(const struct ctl_table *t, FILE *out, char *const cells[], const size_t widths[],
	       size_t last_width)
{
	for (size_t i = 0; i < t->ncols; i++) {
		bool last = i + 1 == t->ncols;
		char *cut = NULL;
		const char *s = cells[i];

		if (last && last_width) {
			cut = ctl_text_fit(s, last_width);
			if (cut)
				s = cut;
		}
		ctl_table_cell(out, s, widths[i], t->right[i], last);
		fputs(last ? "\n" : "  ", out);
		free(cut);
	}
}

void
ctl_table_print(const struct ctl_table *t, FILE *out, size_t max_width)
{
	size_t *widths = calloc(t->ncols ? t->ncols : 1, sizeof(*widths));
	size_t used = 0, last_width = 0, last = t->ncols - 1;

	if (!widths || !t->ncols) {
		free(widths);
		return;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		widths[i] = ctl_utf8_width(t->headers[i]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t w = ctl_utf8_width(t->cells[r * t->ncols + i]);

			if (w > widths[i])
				widths[i] = w;
		}
		if (i < last)
			used += widths[i] + 2;
	}
	if (max_width) {
		last_width = max_width > used ? max_width - used : 0;
		if (last_width < CTL_TABLE_MIN_LAST)
			last_width = CTL_TABLE_MIN_LAST;
		if (widths[last] > last_width)
			widths[last] = last_width;
		else
			last_width = 0;	/* everything fits */
	}
	ctl_table_line(t, out, t->headers, widths, last_width);
	for (size_t r = 0; r < t->nrows; r++)
		ctl_table_line(t, out, t->cells + r * t->ncols, widths, last_width);
	free(widths);
}

void
ctl_table_free(struct ctl_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; t->headers && i < t->ncols; i++)
		free(t->headers[i]);
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->headers);
	free(t->right);
	free(t->cells);
	free(t);
}
