/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sms — outbound SMS planning (alphabet, units, segments) and transliteration.
 *
 * The GSM 03.38 default alphabet (3GPP TS 23.038 §6.2.1) is kept as its 128-entry table, with
 * position 0x1B (the escape to the extension table) unused; the extension table holds the ten
 * characters sent as ESC + one septet: form feed, ^ { } \ [ ~ ] | and €.
 *
 * Segmenting copies libgammu's multipart encoder (libgammu/service/sms/gsmmulti.c,
 * GSM_MakeMultiPartSMS and AlignSegmentForContent) rule for rule, because the count shown to an
 * official must be the count the modem sends: GSM-7 parts are filled greedily with whole
 * characters (an escape pair never straddles two parts); UCS-2 parts are filled with 67 code
 * units and then shortened so a surrogate pair is not split, a part does not end right before a
 * combining mark, and two regional-indicator flags are not split. UCS-2 planning of a text of
 * more than 70 units works on a scratch copy in UTF-16.
 */
#include "modem/sms.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/* GSM 03.38 default alphabet: index = septet value, value = Unicode code point. */
static const uint16_t sms_gsm7_basic[128] = {
	0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,	/* @ £ $ ¥ è é ù ì */
	0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5,	/* ò Ç LF Ø ø CR Å å */
	0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,	/* Δ _ Φ Γ Λ Ω Π Ψ */
	0x03A3, 0x0398, 0x039E, 0xFFFF, 0x00C6, 0x00E6, 0x00DF, 0x00C9,	/* Σ Θ Ξ ESC Æ æ ß É */
	0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027,	/* SP ! " # ¤ % & ' */
	0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,	/* ( ) * + , - . / */
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,	/* 0-7 */
	0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,	/* 8 9 : ; < = > ? */
	0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,	/* ¡ A-G */
	0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,	/* H-O */
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,	/* P-W */
	0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,	/* X Y Z Ä Ö Ñ Ü § */
	0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,	/* ¿ a-g */
	0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,	/* h-o */
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,	/* p-w */
	0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,	/* x y z ä ö ñ ü à */
};

/* GSM 03.38 extension table: characters sent as ESC (0x1B) + one septet. */
static const uint16_t sms_gsm7_ext[] = {
	0x000C, 0x005E, 0x007B, 0x007D, 0x005C, 0x005B, 0x007E, 0x005D, 0x007C, 0x20AC,
};

static const char *const sms_encoding_names[_MODEM_SMS_ENCODING_COUNT] = {
	[MODEM_SMS_GSM7] = "gsm7",
	[MODEM_SMS_UCS2] = "ucs2",
};

/* Septets `cp` costs in GSM-7: 1 (default alphabet), 2 (extension table), 0 (not in GSM-7). */
static int
sms_gsm7_cost(int32_t cp)
{
	size_t i;

	if (cp < 0 || cp > 0xFFFF)
		return 0;
	for (i = 0; i < sizeof(sms_gsm7_basic) / sizeof(sms_gsm7_basic[0]); i++)
		if (sms_gsm7_basic[i] == cp && i != 0x1B)
			return 1;
	for (i = 0; i < sizeof(sms_gsm7_ext) / sizeof(sms_gsm7_ext[0]); i++)
		if (sms_gsm7_ext[i] == cp)
			return 2;
	return 0;
}

/* Is UTF-16 unit `u` a combining mark that libgammu will not let start a part? */
static bool
sms_is_combining_unit(uint16_t u)
{
	return (u >= 0xFE20 && u <= 0xFE2F) || (u >= 0x0300 && u <= 0x036F) ||
	       (u >= 0x1AB0 && u <= 0x1AFF) || (u >= 0x1DC0 && u <= 0x1DFF) ||
	       (u >= 0x20D0 && u <= 0x20FF);
}

/* Is the pair (hi, lo) a regional indicator symbol (U+1F1E6..U+1F1FF) in UTF-16? */
static bool
sms_is_regional_indicator(uint16_t hi, uint16_t lo)
{
	return hi == 0xD83C && lo >= 0xDDE6 && lo <= 0xDDFF;
}

/*
 * Units of the next part of a multipart UCS-2 text: `u[0..n)` is what is left to send.
 * The order of the three adjustments is libgammu's (AlignSegmentForContent).
 */
static size_t
sms_ucs2_part_len(const uint16_t *u, size_t n)
{
	size_t copy = n < MODEM_SMS_UCS2_PART ? n : MODEM_SMS_UCS2_PART;
	bool moved = false;

	/* never end a part on a lead surrogate */
	if (copy > 1 && u[copy - 1] >= 0xD800 && u[copy - 1] <= 0xDBFF) {
		copy--;
		moved = true;
	}
	/* never start the next part with a combining mark */
	if (!moved && copy > 1 && copy < n && sms_is_combining_unit(u[copy]))
		copy--;
	/* never split two regional indicators (a flag) */
	if (copy > 2 && copy + 2 < n && sms_is_regional_indicator(u[copy - 2], u[copy - 1]) &&
	    sms_is_regional_indicator(u[copy], u[copy + 1]))
		copy -= 2;
	return copy;
}

/* Segments of a UCS-2 text of more than 70 units: decode to UTF-16 and cut like libgammu. */
static int
sms_ucs2_segments(const char *utf8, size_t len, int units)
{
	const uint8_t *s = (const uint8_t *)utf8;
	uint16_t *u;
	size_t pos = 0, n = 0, done;
	int32_t cp;
	int parts = 0;

	u = malloc((size_t)units * sizeof(*u));
	if (!u)
		return -ENOMEM;
	while (pos < len) {
		pos += (size_t)utf8proc_iterate(s + pos, (utf8proc_ssize_t)(len - pos), &cp);
		if (cp > 0xFFFF) {
			cp -= 0x10000;
			u[n++] = (uint16_t)(0xD800 | (cp >> 10));
			u[n++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
		} else {
			u[n++] = (uint16_t)cp;
		}
	}
	for (done = 0; done < n; parts++)
		done += sms_ucs2_part_len(u + done, n - done);
	free(u);
	return parts;
}

/*
 * Plan a text: alphabet, units, code points, segments. See sms.h for the rules and errors.
 * Thread: any.
 */
int
modem_sms_plan(const char *utf8, size_t len, struct modem_sms_plan *out)
{
	const uint8_t *s = (const uint8_t *)utf8;
	int septets = 0, units = 0, chars = 0, parts, used, cost;
	bool gsm7 = true;
	size_t pos = 0;
	int32_t cp;

	if (!out || (!utf8 && len))
		return -EINVAL;
	if (len > INT_MAX / 4)
		return -EMSGSIZE;
	while (pos < len) {
		utf8proc_ssize_t n = utf8proc_iterate(s + pos, (utf8proc_ssize_t)(len - pos), &cp);

		if (n <= 0 || cp == 0)
			return -EINVAL;
		pos += (size_t)n;
		chars++;
		units += cp > 0xFFFF ? 2 : 1;
		cost = sms_gsm7_cost(cp);
		if (!cost)
			gsm7 = false;
		septets += cost;
	}

	out->chars = chars;
	if (gsm7) {
		out->encoding = MODEM_SMS_GSM7;
		out->units = septets;
		if (septets <= MODEM_SMS_GSM7_SINGLE) {
			out->segments = 1;
			return 0;
		}
		/* second pass: fill 153-septet parts with whole characters */
		parts = 1;
		used = 0;
		for (pos = 0; pos < len;) {
			utf8proc_ssize_t n = utf8proc_iterate(s + pos, (utf8proc_ssize_t)(len - pos),
							      &cp);

			pos += (size_t)n;
			cost = sms_gsm7_cost(cp);
			if (used + cost > MODEM_SMS_GSM7_PART) {
				parts++;
				used = 0;
			}
			used += cost;
		}
		out->segments = parts;
		return 0;
	}

	out->encoding = MODEM_SMS_UCS2;
	out->units = units;
	if (units <= MODEM_SMS_UCS2_SINGLE) {
		out->segments = 1;
		return 0;
	}
	parts = sms_ucs2_segments(utf8, len, units);
	if (parts < 0)
		return parts;
	out->segments = parts;
	return 0;
}

/* Name of an encoding for logs and the API: "gsm7" / "ucs2". Thread: any. */
const char *
modem_sms_encoding_name(enum modem_sms_encoding e)
{
	if ((unsigned int)e >= _MODEM_SMS_ENCODING_COUNT)
		return "?";
	return sms_encoding_names[e];
}

/* True when the valid UTF-8 text fits the GSM-7 alphabet (with extensions). Thread: any. */
bool
modem_sms_fits_gsm7(const char *utf8, size_t len)
{
	const uint8_t *s = (const uint8_t *)utf8;
	size_t pos = 0;
	int32_t cp;

	if (!utf8 && len)
		return false;
	while (pos < len) {
		utf8proc_ssize_t n = utf8proc_iterate(s + pos, (utf8proc_ssize_t)(len - pos), &cp);

		if (n <= 0 || cp == 0 || !sms_gsm7_cost(cp))
			return false;
		pos += (size_t)n;
	}
	return true;
}

/* Per-code-point replacements applied before marks are stripped. */
static utf8proc_int32_t
sms_translit_cp(utf8proc_int32_t cp, void *data)
{
	(void)data;
	switch (cp) {
	case 0x0111:	/* đ */
		return 'd';
	case 0x0110:	/* Đ */
		return 'D';
	case 0x00A0:	/* no-break space */
	case 0x202F:	/* narrow no-break space */
		return ' ';
	case 0x2018: case 0x2019: case 0x201A: case 0x201B:	/* single quotes */
		return '\'';
	case 0x201C: case 0x201D: case 0x201E: case 0x201F:	/* double quotes */
		return '"';
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2212:
		return '-';
	default:
		return cp;
	}
}

/* Drop diacritics (see sms.h). Returns the length written or a negative errno. Thread: any. */
int
modem_sms_transliterate(const char *utf8, char *out, size_t outlen)
{
	utf8proc_uint8_t *res = NULL;
	utf8proc_ssize_t n;

	if (!utf8 || !out || !outlen)
		return -EINVAL;
	n = utf8proc_map_custom((const utf8proc_uint8_t *)utf8, 0, &res,
				UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
					UTF8PROC_STRIPMARK,
				sms_translit_cp, NULL);
	if (n < 0) {
		out[0] = '\0';
		return n == UTF8PROC_ERROR_NOMEM ? -ENOMEM : -EINVAL;
	}
	if ((size_t)n >= outlen || n > INT_MAX) {
		free(res);
		out[0] = '\0';
		return -ENOSPC;
	}
	memcpy(out, res, (size_t)n + 1);
	free(res);
	return (int)n;
}
