/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_text — gateway/gw_text.h on arbitrary bytes: number normalisation (every typed number
 * of a CSV or an API request) and keyword folding (every inbound citizen SMS).
 *
 * Input: byte 0 picks the configured country code (low 4 bits) and the output buffer size of
 * the folding calls (high 4 bits); the rest, cut at its first NUL, is the text.
 * Invariants checked besides "no crash, no leak, no UB":
 *   - a normalised number matches ^\+[0-9]{7,15}$, a +84 one is a Vietnamese mobile, and
 *     normalising it again gives it back unchanged; a rejection leaves out "" with a reason
 *     from the documented list;
 *   - gw_text_fold() fails with -EINVAL exactly on invalid UTF-8; its output is valid UTF-8
 *     of the length returned, without ASCII lower case, 'đ'/'Đ' or combining marks, and
 *     folding it again changes nothing;
 *   - gw_text_first_word()'s word is a substring of the folded text, its *rest points into
 *     the input at a character boundary (the input itself when there is no word).
 */
#include <errno.h>
#include <string.h>

#include <utf8proc.h>

#include "gateway/gw_text.h"
#include "tests/fuzz/fuzz.h"

static const char *const text_ccs[16] = {
	NULL, "84", "84", "84", "1", "44", "855", "7", "998", "33", "", "084", "8a", "1234", "0",
	"84",
};

static const char *const text_reasons[] = {
	"empty", "contains letters", "invalid character", "misplaced '+'", "too short",
	"too long", "not a mobile number", "country code and trunk zero together",
	"no country code or trunk zero", "invalid country code", "bad configured country code",
};

static const size_t text_outlens[16] = { 1, 2, 3, 4, 5, 8, 12, 16, 24, 32, 64, 128, 256,
					  1024, 4096, 0 /* "large enough" */ };

/* Does s match ^\+[0-9]{min,max}$? */
static bool
text_is_plus_digits(const char *s, size_t min, size_t max)
{
	size_t n;

	if (s[0] != '+')
		return false;
	n = strspn(s + 1, "0123456789");
	return s[1 + n] == '\0' && n >= min && n <= max;
}

static void
text_check_number(const char *in, const char *cc)
{
	char out[GW_TEXT_NUMBER_LEN], again[GW_TEXT_NUMBER_LEN];
	const char *why = "unset";
	bool known = false;
	int rc;

	memset(out, 'x', sizeof(out));
	rc = gw_text_number_normalize(in, cc, out, &why);
	if (rc < 0) {
		FUZZ_ASSERT(rc == -EINVAL);
		FUZZ_ASSERT(out[0] == '\0');
		FUZZ_ASSERT(why != NULL);
		for (size_t i = 0; i < sizeof(text_reasons) / sizeof(text_reasons[0]); i++)
			known |= strcmp(why, text_reasons[i]) == 0;
		FUZZ_ASSERT(known);
		/* the same call without `why` must agree */
		FUZZ_ASSERT(gw_text_number_normalize(in, cc, again, NULL) == rc);
		return;
	}
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(why == NULL);
	FUZZ_ASSERT(text_is_plus_digits(out, 7, 15));
	FUZZ_ASSERT(out[1] != '0');
	if (strncmp(out, "+84", 3) == 0) {
		FUZZ_ASSERT(strlen(out) == 12);
		FUZZ_ASSERT(strchr("35789", out[3]) != NULL);
	}
	/* E.164 in, the same E.164 out, whatever the local country */
	FUZZ_ASSERT(gw_text_number_normalize(out, cc, again, NULL) == 0);
	FUZZ_ASSERT(strcmp(out, again) == 0);
}

/* Is cp a combining mark (what folding promises to drop)? */
static bool
text_is_mark(uint32_t cp)
{
	utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);

	return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC ||
	       c == UTF8PROC_CATEGORY_ME;
}

static void
text_check_folded(const char *out, int rc)
{
	const uint8_t *s = (const uint8_t *)out;
	size_t len = strlen(out), pos = 0, n;
	uint32_t cp;

	FUZZ_ASSERT(len == (size_t)rc);
	while (pos < len) {
		n = fuzz_utf8_seq(s + pos, len - pos, &cp);
		FUZZ_ASSERT(n > 0);
		FUZZ_ASSERT(!(cp >= 'a' && cp <= 'z'));
		FUZZ_ASSERT(cp != 0x0111 && cp != 0x0110);
		FUZZ_ASSERT(!text_is_mark(cp));
		pos += n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *cc, *rest = NULL;
	char *in, *fold, *fold2, *word;
	size_t outlen, inlen, big;
	int rf, rw, r2;
	bool valid;

	if (size < 1)
		return 0;
	cc = text_ccs[data[0] & 0x0f];
	in = fuzz_cstr(data + 1, size - 1);
	inlen = strlen(in);
	valid = fuzz_utf8_valid_str(in);
	/* the fold of one code point is at most 18 code points of at most 4 bytes */
	big = inlen * 72 + 1;
	outlen = text_outlens[data[0] >> 4];
	if (!outlen)
		outlen = big;

	text_check_number(in, cc);

	fold = malloc(outlen);
	fold2 = malloc(big);
	word = malloc(outlen);
	if (!fold || !fold2 || !word)
		abort();

	rf = gw_text_fold(in, fold, outlen);
	if (rf == -ENOSPC) {
		FUZZ_ASSERT(fold[0] == '\0');
		FUZZ_ASSERT(outlen < big);
	} else if (rf < 0) {
		FUZZ_ASSERT(rf == -EINVAL);
		FUZZ_ASSERT(!valid);
		FUZZ_ASSERT(fold[0] == '\0');
	} else {
		FUZZ_ASSERT(valid);
		text_check_folded(fold, rf);
		r2 = gw_text_fold(fold, fold2, big);
		FUZZ_ASSERT(r2 == rf);
		FUZZ_ASSERT(strcmp(fold, fold2) == 0);
	}

	rw = gw_text_first_word(in, word, outlen, &rest);
	FUZZ_ASSERT(rest != NULL);
	FUZZ_ASSERT(rest >= in && rest <= in + inlen);
	if (rw <= 0)
		FUZZ_ASSERT(rest == in);
	if (rw == -ENOSPC) {
		FUZZ_ASSERT(word[0] == '\0');
	} else if (rw < 0) {
		FUZZ_ASSERT(rw == -EINVAL);
		FUZZ_ASSERT(!valid);
		FUZZ_ASSERT(word[0] == '\0');
	} else {
		FUZZ_ASSERT(valid);
		/* rest starts a character: not a UTF-8 continuation byte */
		FUZZ_ASSERT(((uint8_t)*rest & 0xc0) != 0x80);
		text_check_folded(word, rw);
		if (rw == 0) {
			FUZZ_ASSERT(word[0] == '\0');
		} else {
			/* folding is per code point: the word is a piece of the folded text */
			FUZZ_ASSERT(gw_text_fold(in, fold2, big) >= 0);
			FUZZ_ASSERT(strstr(fold2, word) != NULL);
			FUZZ_ASSERT(rest > in);
		}
	}

	free(word);
	free(fold2);
	free(fold);
	free(in);
	return 0;
}
