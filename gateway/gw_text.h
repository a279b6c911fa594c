/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gw_text — citizen-facing text helpers: phone numbers as people type them to E.164, and
 * keyword folding for the inbound router (first word compared without case or Vietnamese
 * diacritics, so "Báo", "BÁO" and "bao" are all "BAO").
 *
 * Pure functions: no allocation kept, no global state, no logging (a caller that logs a
 * rejected number must mask it with log_mask()).
 * Thread: any (reentrant).
 */
#ifndef LOA_GATEWAY_GW_TEXT_H
#define LOA_GATEWAY_GW_TEXT_H

#include <stddef.h>

#define GW_TEXT_NUMBER_LEN 24	/* size of gw_text_number_normalize()'s output buffer */

/*
 * Normalise a phone number as typed to E.164 ("+84912345678") in out[24].
 * Spaces (also no-break), tabs, dots, dashes and parentheses are ignored; a '+' may only come
 * before the first digit. `country_code` is the local country's code without '+' ("84"; NULL
 * means "84"). Forms accepted:
 *   +<cc><number>, 00<cc><number>      international;
 *   0<number>                         national with trunk zero -> +<country_code><number>;
 *   <country_code><number>            international without '+' ("84912345678");
 *   for 84 only, 9 bare digits starting 3/5/7/8/9 ("912345678"): a mobile number whose
 *   trunk zero a spreadsheet dropped.
 * Numbers under +84 must be Vietnamese mobiles: 9 digits after 84, the first one 3, 5, 7, 8 or
 * 9; landlines (+84 2…) and service numbers are "not a mobile number". Other country codes are
 * checked as generic E.164 (7 to 15 digits).
 * "+84 0912 000 000" (country code and trunk zero together) is REJECTED rather than guessed:
 * it is a typing mistake whose intended number is only probably +84912000000.
 * Returns 0, or -EINVAL with out = "" and *why (if why is not NULL) set to a static English
 * reason: "empty", "contains letters", "invalid character", "misplaced '+'", "too short",
 * "too long", "not a mobile number", "country code and trunk zero together",
 * "no country code or trunk zero", "invalid country code", "bad configured country code".
 */
int gw_text_number_normalize(const char *in, const char *country_code,
			     char out[GW_TEXT_NUMBER_LEN], const char **why);

/*
 * Fold NUL-terminated UTF-8 for keyword matching into out[outlen]: canonical decomposition
 * (NFD), combining marks dropped, 'đ'/'Đ' -> 'D', ASCII letters upper-cased, everything else
 * kept. "Đăng ký" -> "DANG KY". Returns the length written (without the NUL), -EINVAL for
 * invalid UTF-8 or NULL arguments, -ENOSPC when out is too small (out is "" on error).
 */
int gw_text_fold(const char *utf8, char *out, size_t outlen);

/*
 * The folded first word of an inbound text: leading characters that are not letters or digits
 * (spaces, punctuation, emoji) are skipped, then the word is the run of letters and digits
 * that follows (combining marks inside it are dropped), folded as gw_text_fold() does.
 * *rest (if rest is not NULL) points into `utf8` just after the word and the separators after
 * it (white space, ':', ',', '.', '-'); when there is no word it points at `utf8` itself.
 * "Báo tin giả: x" -> "BAO", rest "tin giả: x"; "Bao: link" -> "BAO", rest "link";
 * "😀" -> "" and returns 0.
 * Returns the length of the word (0 for none), -EINVAL for invalid UTF-8 or NULL arguments,
 * -ENOSPC when the word does not fit out[outlen] (out is "" on error).
 */
int gw_text_first_word(const char *utf8, char *out, size_t outlen, const char **rest);

#endif
