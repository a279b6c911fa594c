/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_sms_plan — modem/sms.h on arbitrary bytes: the alphabet and segment plan of every
 * campaign text an official submits, and the transliteration offered to make it fit GSM-7.
 *
 * Input: byte 0 picks the transliteration buffer size; the rest is the text, passed with its
 * exact length (not NUL-terminated) to the planner and cut at its first NUL for the
 * transliteration.
 * Invariants checked besides "no crash, no leak, no UB":
 *   - modem_sms_plan() fails with -EINVAL exactly when the text is invalid UTF-8 or holds a
 *     NUL; otherwise chars is the code point count, units >= chars, segments >= 1, a single
 *     segment exactly when the text fits one (160 septets / 70 units), and the part count lies
 *     between the bounds the part sizes allow (GSM-7: 152..153 a part; UCS-2: 64..67);
 *   - encoding is GSM-7 exactly when modem_sms_fits_gsm7() says so;
 *   - transliteration writes valid UTF-8 of the length returned, with no 'đ', 'Đ', typographic
 *     quote or dash left; when input and output both plan as GSM-7 the output costs no more
 *     septets; a text made only of GSM-7 characters, Vietnamese letters (Latin letters whose
 *     canonical decomposition is an ASCII letter and marks), combining marks and the mapped
 *     punctuation always fits GSM-7 once transliterated.
 */
#include <errno.h>
#include <string.h>

#include <utf8proc.h>

#include "modem/sms.h"
#include "tests/fuzz/fuzz.h"

static const size_t plan_outlens[16] = { 1, 2, 4, 8, 16, 32, 64, 70, 100, 160, 161, 256, 512,
					 1024, 4096, 0 /* large enough */ };

/* Would transliteration turn cp into GSM-7 text (possibly nothing)? */
static bool
plan_vn_ok(uint32_t cp)
{
	utf8proc_int32_t dst[8];
	utf8proc_ssize_t n;
	utf8proc_category_t c;
	char one[5];
	int boundclass = UTF8PROC_BOUNDCLASS_START;

	if (cp < 0x80) {
		one[0] = (char)cp;
		return cp && modem_sms_fits_gsm7(one, 1);
	}
	c = utf8proc_category((utf8proc_int32_t)cp);
	if (c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME)
		return true;
	switch (cp) {
	case 0x0110: case 0x0111: case 0x00a0: case 0x202f:
	case 0x2018: case 0x2019: case 0x201a: case 0x201b:
	case 0x201c: case 0x201d: case 0x201e: case 0x201f:
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2212:
		return true;
	}
	if (cp < 0xc0 || cp > 0x1eff)
		return false;
	n = utf8proc_decompose_char((utf8proc_int32_t)cp, dst, 8,
				    UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK, &boundclass);
	return n == 1 && ((dst[0] >= 'a' && dst[0] <= 'z') || (dst[0] >= 'A' && dst[0] <= 'Z'));
}

static void
plan_check(const uint8_t *data, size_t size, struct modem_sms_plan *p, int *rc_out)
{
	size_t chars = 0;
	bool valid = fuzz_utf8_valid(data, size, &chars) && !memchr(data, 0, size);
	bool fits = modem_sms_fits_gsm7((const char *)data, size);
	int rc = modem_sms_plan((const char *)data, size, p);
	int per, min_per, single;

	*rc_out = rc;
	if (rc == -ENOMEM)
		return;
	if (!valid) {
		FUZZ_ASSERT(rc == -EINVAL);
		FUZZ_ASSERT(!fits);
		return;
	}
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT((size_t)p->chars == chars);
	FUZZ_ASSERT(p->units >= p->chars);
	FUZZ_ASSERT(p->segments >= 1);
	FUZZ_ASSERT((p->encoding == MODEM_SMS_GSM7) == fits);
	if (p->encoding == MODEM_SMS_GSM7) {
		FUZZ_ASSERT(p->units <= 2 * p->chars);
		single = MODEM_SMS_GSM7_SINGLE, per = MODEM_SMS_GSM7_PART, min_per = per - 1;
	} else {
		FUZZ_ASSERT(p->encoding == MODEM_SMS_UCS2);
		FUZZ_ASSERT(p->units <= 2 * p->chars);
		single = MODEM_SMS_UCS2_SINGLE, per = MODEM_SMS_UCS2_PART, min_per = per - 3;
	}
	if (p->units <= single) {
		FUZZ_ASSERT(p->segments == 1);
	} else {
		FUZZ_ASSERT(p->segments >= 2);
		FUZZ_ASSERT(p->segments >= (p->units + per - 1) / per);
		/* every part but the last holds at least min_per units */
		FUZZ_ASSERT((p->segments - 1) * min_per < p->units);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modem_sms_plan pin, pout;
	size_t outlen, inlen, pos, n;
	char *in, *out;
	bool all_vn = true;
	int rc, rin, rout;
	uint32_t cp;

	if (size < 1)
		return 0;
	plan_check(data + 1, size - 1, &pin, &rin);

	in = fuzz_cstr(data + 1, size - 1);
	inlen = strlen(in);
	outlen = plan_outlens[data[0] & 0x0f];
	if (!outlen)
		outlen = inlen * 4 + 1;	/* a code point never grows: it maps, decomposes, shrinks */
	out = malloc(outlen);
	if (!out)
		abort();
	if (inlen != size - 1)	/* the planner saw a NUL; plan the C string instead */
		plan_check((const uint8_t *)in, inlen, &pin, &rin);

	rc = modem_sms_transliterate(in, out, outlen);
	if (rc >= 0) {
		FUZZ_ASSERT(fuzz_utf8_valid_str(in));
		FUZZ_ASSERT(strlen(out) == (size_t)rc && (size_t)rc < outlen);
		for (pos = 0; pos < (size_t)rc; pos += n) {
			n = fuzz_utf8_seq((const uint8_t *)out + pos, (size_t)rc - pos, &cp);
			FUZZ_ASSERT(n > 0);
			FUZZ_ASSERT(cp != 0x0110 && cp != 0x0111 && cp != 0x00a0 && cp != 0x202f);
			FUZZ_ASSERT(!(cp >= 0x2018 && cp <= 0x201f) && cp != 0x2212);
			FUZZ_ASSERT(!(cp >= 0x2010 && cp <= 0x2014));
		}
		plan_check((const uint8_t *)out, (size_t)rc, &pout, &rout);
		FUZZ_ASSERT(rout == 0 || rout == -ENOMEM);
		if (rin == 0 && rout == 0 && pin.encoding == MODEM_SMS_GSM7 &&
		    pout.encoding == MODEM_SMS_GSM7)
			FUZZ_ASSERT(pout.units <= pin.units);
		for (pos = 0; pos < inlen && all_vn; pos += n) {
			n = fuzz_utf8_seq((const uint8_t *)in + pos, inlen - pos, &cp);
			all_vn = n > 0 && plan_vn_ok(cp);
		}
		if (all_vn)
			FUZZ_ASSERT(modem_sms_fits_gsm7(out, (size_t)rc));
	} else if (rc == -EINVAL) {
		FUZZ_ASSERT(!fuzz_utf8_valid_str(in));
		FUZZ_ASSERT(out[0] == '\0');
	} else {
		FUZZ_ASSERT(rc == -ENOSPC || rc == -ENOMEM);
		FUZZ_ASSERT(out[0] == '\0');
		FUZZ_ASSERT(rc == -ENOMEM || outlen <= inlen * 4);
	}
	free(out);
	free(in);
	return 0;
}
