/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sms — outbound SMS planning: which alphabet a text needs and how many segments it costs.
 *
 * Pure functions over UTF-8 text; no libgammu, no I/O, no global state. The counts mirror
 * what libgammu's GSM_EncodeMultiPartSMS (SMS_ConcatenatedTextLong, 8-bit reference UDH)
 * produces for the same text, so "segments x recipients" shown before a campaign is what the
 * modems will really send (tests/unit/sms_test.c cross-checks this against libgammu).
 *
 * Thread: any (reentrant).
 */
#ifndef LOA_MODEM_SMS_H
#define LOA_MODEM_SMS_H

#include <stdbool.h>
#include <stddef.h>

enum modem_sms_encoding { MODEM_SMS_GSM7, MODEM_SMS_UCS2, _MODEM_SMS_ENCODING_COUNT };

struct modem_sms_plan {
	enum modem_sms_encoding encoding;
	int units;	/* septets (GSM-7, extension chars count 2) or UTF-16 code units (UCS-2) */
	int segments;	/* SMS parts sent; 1 for the empty text */
	int chars;	/* Unicode code points */
};

/* Single-part and per-part capacities (8-bit concatenation reference, 6-octet UDH). */
#define MODEM_SMS_GSM7_SINGLE	160
#define MODEM_SMS_GSM7_PART	153
#define MODEM_SMS_UCS2_SINGLE	70
#define MODEM_SMS_UCS2_PART	67
/*
 * Longest plan libgammu (1.42) encodes correctly: it builds at most 50 parts (GSM_MAX_MULTI_SMS),
 * cutting a longer text, and its GSM-7 path measures only 5000 septets (32 full parts are 4896):
 * past that it pads the message with empty parts up to 50. Neither is reported as an error, so
 * callers must refuse a plan with more segments than this.
 */
#define MODEM_SMS_MAX_SEGMENTS	32

/*
 * Plan the text `utf8` of `len` bytes (need not be NUL-terminated): GSM-7 when every character
 * is in the GSM 03.38 default alphabet or its extension table, else UCS-2. The text is measured
 * as given: a decomposed (NFD) text costs more UCS-2 units than its NFC form, so normalise
 * before planning if you want the cheaper form.
 * Segment rules: GSM-7 <= 160 septets is one part, else 153 septets a part without splitting
 * an escape pair; UCS-2 <= 70 units is one part, else 67 units a part without splitting a
 * surrogate pair, and, as libgammu does, without starting a part with a combining mark
 * (U+0300..036F, 1AB0..1AFF, 1DC0..1DFF, 20D0..20FF, FE20..FE2F) or splitting a pair of
 * regional-indicator flags.
 * Returns 0 and fills *out; -EINVAL when `utf8` is not valid UTF-8 or contains NUL (libgammu
 * texts are NUL-terminated); -EMSGSIZE when `len` is absurdly large (> INT_MAX / 4);
 * -ENOMEM when a long UCS-2 text needs a scratch buffer and none is available.
 */
int modem_sms_plan(const char *utf8, size_t len, struct modem_sms_plan *out);

/* "gsm7" / "ucs2"; "?" for a value out of range. The string is static. */
const char *modem_sms_encoding_name(enum modem_sms_encoding e);

/* True when every character of the valid UTF-8 text fits GSM-7; false otherwise or if invalid. */
bool modem_sms_fits_gsm7(const char *utf8, size_t len);

/*
 * Write into out[outlen] (NUL-terminated) the NUL-terminated text `utf8` with diacritics
 * removed so Vietnamese text fits GSM-7: canonical decomposition, combining marks dropped,
 * recomposition; 'đ' -> 'd', 'Đ' -> 'D'; typographic quotes, dashes and no-break spaces become
 * their ASCII forms. Other characters are kept, so the result may still need UCS-2 (check it
 * with modem_sms_plan()). Returns the length written (without the NUL), -EINVAL for invalid
 * UTF-8, -ENOSPC when the result does not fit (out is then ""), -ENOMEM.
 */
int modem_sms_transliterate(const char *utf8, char *out, size_t outlen);

#endif
