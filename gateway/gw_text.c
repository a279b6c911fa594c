/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gw_text — phone-number normalisation and keyword folding for citizens' text.
 *
 * Numbers: the input is scanned once; separators are dropped, letters and stray symbols
 * rejected, and the digits classified by their prefix (+, 00, 0, country code, bare). The
 * result is then checked against Vietnam's mobile plan when it lies under +84, or as generic
 * E.164 otherwise. Every rejection carries a static reason that the importer shows per row.
 *
 * Folding works one code point at a time: the canonical decomposition of a code point with
 * its marks stripped is exactly what NFD-then-strip gives for the whole string (canonical
 * reordering only moves marks, which are dropped), and doing it per code point lets
 * gw_text_first_word() keep a pointer into the original text.
 */
#include "gateway/gw_text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

#define TEXT_E164_MIN	7	/* digits after '+', ITU-T E.164 practice */
#define TEXT_E164_MAX	15
#define TEXT_VN_CC	"84"
#define TEXT_VN_NSN	9	/* digits of a Vietnamese mobile number after +84 */
#define TEXT_FOLD_MAX	32	/* code points of one folded code point; utf8proc needs <= 18 */

/* ---- numbers -------------------------------------------------------------------------------- */

/* Fail a normalisation: empty output, a static reason for the caller. */
static int
text_reject(char *out, const char **why, const char *reason)
{
	out[0] = '\0';
	if (why)
		*why = reason;
	return -EINVAL;
}

/* Is `cp` a separator people put inside phone numbers? */
static bool
text_number_sep(int32_t cp)
{
	if (cp == '.' || cp == '-' || cp == '(' || cp == ')' || cp == '\t')
		return true;
	if (cp >= 0x2010 && cp <= 0x2015)	/* typographic hyphens and dashes */
		return true;
	return utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

/* Check a Vietnamese mobile number: `nsn` are the digits after 84. NULL when valid. */
static const char *
text_vn_mobile_check(const char *nsn, size_t len)
{
	if (len == 0)
		return "too short";
	if (nsn[0] == '0')
		return "country code and trunk zero together";
	if (len < TEXT_VN_NSN)
		return "too short";
	if (!strchr("35789", nsn[0]))
		return "not a mobile number";
	if (len > TEXT_VN_NSN)
		return "too long";
	return NULL;
}

/*
 * Normalise a typed phone number to E.164; see gw_text.h for the accepted forms and reasons.
 * Thread: any.
 */
int
gw_text_number_normalize(const char *in, const char *country_code, char out[GW_TEXT_NUMBER_LEN],
			 const char **why)
{
	char digits[TEXT_E164_MAX + 8], e164[TEXT_E164_MAX + 8];
	const uint8_t *s = (const uint8_t *)in;
	const char *cc = country_code ? country_code : TEXT_VN_CC, *bad;
	size_t nd = 0, ccl = strlen(cc), el;
	bool plus = false, too_many = false;
	utf8proc_category_t cat;
	utf8proc_ssize_t n;
	int32_t cp;

	if (ccl < 1 || ccl > 3 || cc[0] == '0' || strspn(cc, "0123456789") != ccl)
		return text_reject(out, why, "bad configured country code");
	if (!in)
		return text_reject(out, why, "empty");

	for (; *s; s += n) {
		n = utf8proc_iterate(s, -1, &cp);
		if (n <= 0)
			return text_reject(out, why, "invalid character");
		cat = utf8proc_category(cp);
		if (cp >= '0' && cp <= '9') {
			if (nd < sizeof(digits) - 1)
				digits[nd++] = (char)cp;
			else
				too_many = true;
		} else if (cp == '+') {
			if (plus || nd)
				return text_reject(out, why, "misplaced '+'");
			plus = true;
		} else if (text_number_sep(cp)) {
			continue;
		} else if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) {
			return text_reject(out, why, "contains letters");
		} else {
			return text_reject(out, why, "invalid character");
		}
	}
	digits[nd] = '\0';
	if (nd == 0)
		return text_reject(out, why, plus ? "too short" : "empty");
	if (too_many)
		return text_reject(out, why, "too long");

	/* classify by prefix into e164, the digits after '+' */
	if (plus) {
		memcpy(e164, digits, nd + 1);
	} else if (digits[0] == '0' && digits[1] == '0') {
		memcpy(e164, digits + 2, nd - 1);	/* international prefix 00 */
	} else if (digits[0] == '0') {
		if (ccl + nd - 1 > sizeof(e164) - 1)
			return text_reject(out, why, "too long");
		memcpy(e164, cc, ccl);			/* trunk zero -> country code */
		memcpy(e164 + ccl, digits + 1, nd);
	} else if (strcmp(cc, TEXT_VN_CC) == 0 && nd == TEXT_VN_NSN && strchr("35789", digits[0])) {
		memcpy(e164, TEXT_VN_CC, 2);		/* trunk zero lost in a spreadsheet */
		memcpy(e164 + 2, digits, nd + 1);
	} else if (strncmp(digits, cc, ccl) == 0) {
		memcpy(e164, digits, nd + 1);		/* country code without '+' */
	} else if (nd < TEXT_E164_MIN) {
		return text_reject(out, why, "too short");
	} else if (nd > TEXT_E164_MAX) {
		return text_reject(out, why, "too long");
	} else {
		return text_reject(out, why, "no country code or trunk zero");
	}

	el = strlen(e164);
	if (el == 0)
		return text_reject(out, why, "too short");
	if (e164[0] == '0')
		return text_reject(out, why, "invalid country code");
	if (strncmp(e164, TEXT_VN_CC, 2) == 0) {
		bad = text_vn_mobile_check(e164 + 2, el - 2);
		if (bad)
			return text_reject(out, why, bad);
	} else if (el < TEXT_E164_MIN) {
		return text_reject(out, why, "too short");
	} else if (el > TEXT_E164_MAX) {
		return text_reject(out, why, "too long");
	}

	out[0] = '+';
	memcpy(out + 1, e164, el + 1);
	if (why)
		*why = NULL;
	return 0;
}

/* ---- folding -------------------------------------------------------------------------------- */

/*
 * Fold one code point into dst[TEXT_FOLD_MAX]: decomposed, marks stripped, đ/Đ -> D, ASCII
 * upper-cased. Returns how many code points it became (0 for a mark).
 */
static int
text_fold_cp(int32_t cp, int32_t dst[TEXT_FOLD_MAX])
{
	int boundclass = UTF8PROC_BOUNDCLASS_START;
	utf8proc_ssize_t n;

	if (cp == 0x0111 || cp == 0x0110) {	/* đ, Đ: no decomposition in Unicode */
		dst[0] = 'D';
		return 1;
	}
	n = utf8proc_decompose_char(cp, dst, TEXT_FOLD_MAX, UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK,
				    &boundclass);
	if (n < 0 || n > TEXT_FOLD_MAX) {	/* cannot happen with Unicode's data; keep as is */
		dst[0] = cp;
		n = 1;
	}
	for (utf8proc_ssize_t i = 0; i < n; i++)
		if (dst[i] >= 'a' && dst[i] <= 'z')
			dst[i] -= 'a' - 'A';
	return (int)n;
}

/* Append the UTF-8 of cps[0..n) to out at *len, keeping room for a NUL. */
static int
text_put(char *out, size_t outlen, size_t *len, const int32_t *cps, int n)
{
	utf8proc_uint8_t buf[4];

	for (int i = 0; i < n; i++) {
		utf8proc_ssize_t k = utf8proc_encode_char(cps[i], buf);

		if (*len + (size_t)k + 1 > outlen)
			return -ENOSPC;
		memcpy(out + *len, buf, (size_t)k);
		*len += (size_t)k;
	}
	out[*len] = '\0';
	return 0;
}

/* Fold a whole text for keyword matching; see gw_text.h. Thread: any. */
int
gw_text_fold(const char *utf8, char *out, size_t outlen)
{
	const uint8_t *s = (const uint8_t *)utf8;
	int32_t cp, f[TEXT_FOLD_MAX];
	size_t len = 0;
	utf8proc_ssize_t n;

	if (!utf8 || !out || !outlen)
		return -EINVAL;
	out[0] = '\0';
	for (; *s; s += n) {
		n = utf8proc_iterate(s, -1, &cp);
		if (n <= 0) {
			out[0] = '\0';
			return -EINVAL;
		}
		if (text_put(out, outlen, &len, f, text_fold_cp(cp, f)) < 0) {
			out[0] = '\0';
			return -ENOSPC;
		}
	}
	return len > INT32_MAX ? -ENOSPC : (int)len;
}

/* Is a folded code point part of a word (a letter or a decimal digit)? */
static bool
text_word_cp(int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       c == UTF8PROC_CATEGORY_ND;
}

/* Separators skipped after the keyword. */
static bool
text_after_sep(int32_t cp)
{
	return cp == ':' || cp == ',' || cp == '.' || cp == '-' || cp == ' ' || cp == '\t' ||
	       cp == '\r' || cp == '\n' || utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

/* Folded first word and the rest of the original text; see gw_text.h. Thread: any. */
int
gw_text_first_word(const char *utf8, char *out, size_t outlen, const char **rest)
{
	const uint8_t *s = (const uint8_t *)utf8, *word_end = NULL;
	int32_t cp, f[TEXT_FOLD_MAX];
	bool in_word = false;
	size_t len = 0;
	utf8proc_ssize_t n;
	int nf;

	if (!utf8 || !out || !outlen)
		return -EINVAL;
	out[0] = '\0';
	if (rest)
		*rest = utf8;
	for (; *s; s += n) {
		n = utf8proc_iterate(s, -1, &cp);
		if (n <= 0)
			goto invalid;
		nf = text_fold_cp(cp, f);
		if (!in_word) {
			/* skip until a code point that folds to a letter or digit */
			if (nf == 0 || !text_word_cp(f[0]))
				continue;
			in_word = true;
		} else if (nf > 0 && !text_word_cp(f[0])) {
			break;
		}
		if (text_put(out, outlen, &len, f, nf) < 0) {
			out[0] = '\0';
			if (rest)
				*rest = utf8;
			return -ENOSPC;
		}
		word_end = s + n;
	}
	if (!in_word)
		return 0;	/* no word; the loop above has validated the whole text */
	/* skip separators after the word; the rest must still be valid UTF-8 */
	for (s = word_end; *s; s += n) {
		n = utf8proc_iterate(s, -1, &cp);
		if (n <= 0)
			goto invalid;
		if (!text_after_sep(cp))
			break;
	}
	if (rest)
		*rest = (const char *)s;
	for (const uint8_t *t = s; *t; t += n) {
		n = utf8proc_iterate(t, -1, &cp);
		if (n <= 0)
			goto invalid;
	}
	return len > INT32_MAX ? -ENOSPC : (int)len;

invalid:
	out[0] = '\0';
	if (rest)
		*rest = utf8;
	return -EINVAL;
}
