/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sms_test — modem/sms.c: the GSM 03.38 table, segment counts at every boundary, and a
 * cross-check of each plan against libgammu's own multipart encoder (GSM_EncodeMultiPartSMS),
 * including a PDU round trip (GSM_EncodeSMSFrame / GSM_DecodeSMSFrame) proving that libgammu
 * sends a text we classify as GSM-7 without replacing any character.
 *
 * Known, documented differences with libgammu 1.42 (asserted below, so a change shows up):
 *  - U+00B9 '¹' sits at septet 0x1B (the escape) in libgammu's default-alphabet table, so its
 *    "auto" coding believes '¹' is GSM-7 and would send a bare ESC. GSM 03.38 has no '¹' there;
 *    we classify it UCS-2 (test_gsm7_table_vs_gammu).
 *  - libgammu pads a GSM-7 text of more than 5000 septets with empty parts up to 50, and cuts
 *    any text after 50 parts, without an error; plans above MODEM_SMS_MAX_SEGMENTS are the
 *    caller's to refuse (test_gammu_limits).
 * Run from the repository root; shared data is read from tests/data/.
 */
#include "modem/sms.h"
#include "tests/lib/test.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gammu.h>
#include <utf8proc.h>

#define MESSAGES_FILE "tests/data/messages.vi.txt"
#define TEXT_MAX 40000

/* A growable-by-append text buffer for building test strings. */
struct text {
	char s[TEXT_MAX];
	size_t len;
};

static void
text_reset(struct text *t)
{
	t->len = 0;
	t->s[0] = '\0';
}

static void
text_add(struct text *t, const char *piece, int times)
{
	size_t n = strlen(piece);

	for (int i = 0; i < times; i++) {
		if (t->len + n + 1 > sizeof(t->s)) {
			fprintf(stderr, "text_add: test text too long\n");
			abort();
		}
		memcpy(t->s + t->len, piece, n);
		t->len += n;
	}
	t->s[t->len] = '\0';
}

static struct text tb;

/* Plan `s`, failing the test when planning fails. */
static struct modem_sms_plan
plan_of(const char *s)
{
	struct modem_sms_plan p = { .segments = -1 };
	int rc = modem_sms_plan(s, strlen(s), &p);

	CHECK_EQ_INT(rc, 0);
	return p;
}

/* ---- libgammu side ------------------------------------------------------------------------ */

static GSM_MultiSMSMessage *gm_multi;
static GSM_MultiPartSMSInfo gm_info;

/* text as gammu Unicode (UTF-16BE, NUL-terminated); caller frees */
static unsigned char *
gammu_unicode(const char *utf8)
{
	size_t len = strlen(utf8);
	unsigned char *u = calloc(1, len * 2 + 4);

	if (!u)
		abort();
	DecodeUTF8(u, utf8, len);
	return u;
}

/*
 * Encode `utf8` with libgammu as the modem worker will (SMS_ConcatenatedTextLong, coding from
 * the plan). Returns the number of parts, or -1 on a libgammu error.
 */
static int
gammu_parts(const char *utf8, enum modem_sms_encoding enc, unsigned char **ucs_out)
{
	unsigned char *ucs = gammu_unicode(utf8);
	GSM_Error err;

	GSM_ClearMultiPartSMSInfo(&gm_info);
	gm_info.EntriesNum = 1;
	gm_info.Entries[0].ID = SMS_ConcatenatedTextLong;
	gm_info.Entries[0].Buffer = ucs;
	gm_info.UnicodeCoding = (enc == MODEM_SMS_UCS2);
	memset(gm_multi, 0, sizeof(*gm_multi));
	err = GSM_EncodeMultiPartSMS(GSM_GetGlobalDebug(), &gm_info, gm_multi);
	if (ucs_out)
		*ucs_out = ucs;
	else
		free(ucs);
	if (err != ERR_NONE) {
		fprintf(stderr, "  GSM_EncodeMultiPartSMS: %s\n", GSM_ErrorString(err));
		return -1;
	}
	return gm_multi->Number;
}

/*
 * Build the SMS-SUBMIT TPDU of each part of gm_multi (the bytes the AT driver sends), decode it
 * back and concatenate the texts: proves what the recipient's phone will show. Returns a
 * malloc'ed gammu Unicode string.
 */
static unsigned char *
gammu_pdu_roundtrip(void)
{
	unsigned char *all = calloc(1, (size_t)GSM_MAX_MULTI_SMS * GSM_MAX_SMS_LENGTH * 2 + 2);
	size_t at = 0;

	if (!all)
		abort();
	for (int i = 0; i < gm_multi->Number; i++) {
		GSM_SMSMessage sms = gm_multi->SMS[i], back;
		unsigned char frame[1024];
		int flen = 0;
		GSM_Error err;
		size_t n;

		sms.PDU = SMS_Submit;
		EncodeUnicode(sms.Number, "+84912000000", strlen("+84912000000"));
		memset(frame, 0, sizeof(frame));
		err = GSM_EncodeSMSFrame(GSM_GetGlobalDebug(), &sms, frame, PHONE_SMSSubmit, &flen,
					 TRUE);
		CHECK_EQ_INT(err, ERR_NONE);
		memset(&back, 0, sizeof(back));
		GSM_SetDefaultReceivedSMSData(&back);
		err = GSM_DecodeSMSFrame(GSM_GetGlobalDebug(), &back, frame, PHONE_SMSSubmit);
		CHECK_EQ_INT(err, ERR_NONE);
		CHECK_EQ_INT(back.Coding, sms.Coding);
		n = UnicodeLength(back.Text);
		memcpy(all + at, back.Text, n * 2);
		at += n * 2;
	}
	all[at] = all[at + 1] = 0;
	return all;
}

/*
 * The cross-check: plan `utf8`, encode it with libgammu, compare the number of parts, and
 * prove by a PDU round trip that every character arrives unchanged.
 */
static void
check_against_gammu(const char *utf8, const char *what)
{
	struct modem_sms_plan p = plan_of(utf8);
	unsigned char *ucs = NULL, *back;
	int parts = gammu_parts(utf8, p.encoding, &ucs);

	if (parts != p.segments) {
		fprintf(stderr, "  %s: plan %s units=%d segments=%d, libgammu %d parts\n", what,
			modem_sms_encoding_name(p.encoding), p.units, p.segments, parts);
	}
	CHECK_EQ_INT(parts, p.segments);
	if (parts > 0) {
		CHECK_EQ_INT(gm_multi->SMS[0].Coding, p.encoding == MODEM_SMS_GSM7 ?
						      SMS_Coding_Default_No_Compression :
						      SMS_Coding_Unicode_No_Compression);
		back = gammu_pdu_roundtrip();
		if (UnicodeLength(back) != UnicodeLength(ucs) ||
		    memcmp(back, ucs, UnicodeLength(ucs) * 2) != 0) {
			fprintf(stderr, "  %s: libgammu changed the text on the way (%s)\n", what,
				modem_sms_encoding_name(p.encoding));
			CHECK(false);
		}
		free(back);
	}
	free(ucs);
}

/* ---- shared data ---------------------------------------------------------------------------- */

#define MAX_MESSAGES 32

static char *messages[MAX_MESSAGES];
static int n_messages;

/* Read messages.vi.txt: paragraphs separated by blank lines, '#' lines are comments. */
static void
load_messages(void)
{
	FILE *f = fopen(MESSAGES_FILE, "r");
	char line[4096], para[8192] = "";

	if (n_messages)
		return;
	if (!f) {
		fprintf(stderr, "  cannot open %s (run from the repository root)\n", MESSAGES_FILE);
		CHECK(f != NULL);
		return;
	}
	for (;;) {
		char *got = fgets(line, sizeof(line), f);

		if (got) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '#')
				continue;
		}
		if (!got || line[0] == '\0') {
			if (para[0] && n_messages < MAX_MESSAGES)
				messages[n_messages++] = strdup(para);
			para[0] = '\0';
			if (!got)
				break;
			continue;
		}
		if (para[0])
			strncat(para, "\n", sizeof(para) - strlen(para) - 1);
		strncat(para, line, sizeof(para) - strlen(para) - 1);
	}
	fclose(f);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void
test_gsm7_table(void)
{
	static const char *const basic[] = {
		"@", "£", "$", "¥", "è", "é", "ù", "ì", "ò", "Ç", "Ø", "ø", "Å", "å", "Δ", "_",
		"Φ", "Γ", "Λ", "Ω", "Π", "Ψ", "Σ", "Θ", "Ξ", "Æ", "æ", "ß", "É", "¤", "¡", "Ä",
		"Ö", "Ñ", "Ü", "§", "¿", "ä", "ö", "ñ", "ü", "à", "\n", "\r", " ", "!", "\"", "#",
		"%", "&", "'", "(", ")", "*", "+", ",", "-", ".", "/", "0", "9", ":", ";", "<",
		"=", ">", "?", "A", "Z", "a", "z",
	};
	static const char *const ext[] = { "^", "{", "}", "\\", "[", "~", "]", "|", "€", "\f" };
	static const char *const not_gsm[] = {
		"ç", "`", "á", "ă", "đ", "Đ", "ơ", "ư", "ẫ", "ê", "È", "Ì", "Ò", "Ù", "À", "Ê",
		"α", "δ", "¢", "°", "¹", "\t", "\x1b", "😀", "“", "…", "\xc2\xa0",
	};
	struct modem_sms_plan p;

	for (size_t i = 0; i < sizeof(basic) / sizeof(basic[0]); i++) {
		p = plan_of(basic[i]);
		if (p.encoding != MODEM_SMS_GSM7 || p.units != 1)
			fprintf(stderr, "  basic char #%zu '%s' misclassified\n", i, basic[i]);
		CHECK_EQ_INT(p.encoding, MODEM_SMS_GSM7);
		CHECK_EQ_INT(p.units, 1);
		CHECK_EQ_INT(p.chars, 1);
		CHECK(modem_sms_fits_gsm7(basic[i], strlen(basic[i])));
	}
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		p = plan_of(ext[i]);
		CHECK_EQ_INT(p.encoding, MODEM_SMS_GSM7);
		CHECK_EQ_INT(p.units, 2);
		CHECK_EQ_INT(p.chars, 1);
	}
	for (size_t i = 0; i < sizeof(not_gsm) / sizeof(not_gsm[0]); i++) {
		p = plan_of(not_gsm[i]);
		if (p.encoding != MODEM_SMS_UCS2)
			fprintf(stderr, "  char #%zu '%s' should need UCS-2\n", i, not_gsm[i]);
		CHECK_EQ_INT(p.encoding, MODEM_SMS_UCS2);
		CHECK(!modem_sms_fits_gsm7(not_gsm[i], strlen(not_gsm[i])));
	}
	/* one non-GSM character turns the whole text into UCS-2 */
	p = plan_of("Hello world ç");
	CHECK_EQ_INT(p.encoding, MODEM_SMS_UCS2);
	CHECK_EQ_INT(p.units, 13);
	p = plan_of("Price: 5€ [promo] {ok}");
	CHECK_EQ_INT(p.encoding, MODEM_SMS_GSM7);
	CHECK_EQ_INT(p.chars, 22);
	CHECK_EQ_INT(p.units, 22 + 5);
}

/*
 * Every BMP code point, one at a time, through libgammu's "auto" coding, which picks GSM-7 when
 * its EncodeDefault/DecodeDefault round trip is lossless: it must agree with our table.
 */
static void
test_gsm7_table_vs_gammu(void)
{
	int disagree = 0, gsm = 0;

	for (int32_t cp = 1; cp <= 0xFFFF; cp++) {
		utf8proc_uint8_t s[8];
		utf8proc_ssize_t n;
		unsigned char *ucs;
		bool ours, theirs;

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		n = utf8proc_encode_char(cp, s);
		s[n] = '\0';
		ours = modem_sms_fits_gsm7((const char *)s, (size_t)n);
		ucs = gammu_unicode((const char *)s);
		GSM_ClearMultiPartSMSInfo(&gm_info);
		gm_info.EntriesNum = 1;
		gm_info.Entries[0].ID = SMS_ConcatenatedAutoTextLong;
		gm_info.Entries[0].Buffer = ucs;
		gm_multi->Number = 0;
		CHECK_EQ_INT(GSM_EncodeMultiPartSMS(GSM_GetGlobalDebug(), &gm_info, gm_multi),
			     ERR_NONE);
		theirs = gm_multi->SMS[0].Coding == SMS_Coding_Default_No_Compression;
		free(ucs);
		gsm += ours;
		if (ours == theirs)
			continue;
		if (cp == 0x00B9 && !ours)	/* libgammu's table has '¹' at 0x1B (ESC) */
			continue;
		fprintf(stderr, "  U+%04X: ours %s, libgammu %s\n", (unsigned int)cp,
			ours ? "gsm7" : "ucs2", theirs ? "gsm7" : "ucs2");
		disagree++;
	}
	CHECK_EQ_INT(disagree, 0);
	/* 127 default-alphabet characters (128 positions minus the escape) + 10 extensions */
	CHECK_EQ_INT(gsm, 137);
}

static void
test_plan_basics(void)
{
	struct modem_sms_plan p;

	p = plan_of("");
	CHECK_EQ_INT(p.encoding, MODEM_SMS_GSM7);
	CHECK_EQ_INT(p.units, 0);
	CHECK_EQ_INT(p.chars, 0);
	CHECK_EQ_INT(p.segments, 1);
	CHECK_EQ_INT(modem_sms_plan(NULL, 0, &p), 0);
	CHECK_EQ_INT(p.segments, 1);
	CHECK(modem_sms_fits_gsm7("", 0));

	/* len is honoured: only "ab" is planned */
	CHECK_EQ_INT(modem_sms_plan("abçd", 2, &p), 0);
	CHECK_EQ_INT(p.encoding, MODEM_SMS_GSM7);
	CHECK_EQ_INT(p.units, 2);

	/* code points vs UTF-16 units */
	p = plan_of("Việt Nam 😀");
	CHECK_EQ_INT(p.encoding, MODEM_SMS_UCS2);
	CHECK_EQ_INT(p.chars, 10);
	CHECK_EQ_INT(p.units, 11);

	/* invalid UTF-8: stray continuation, truncated sequence, overlong, surrogate, 0xFF, NUL */
	static const char *const bad[] = {
		"\x80", "abc\xc3", "\xc0\xaf", "\xed\xa0\x80", "a\xff", "\xf4\x90\x80\x80",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ_INT(modem_sms_plan(bad[i], strlen(bad[i]), &p), -EINVAL);
		CHECK(!modem_sms_fits_gsm7(bad[i], strlen(bad[i])));
	}
	CHECK_EQ_INT(modem_sms_plan("a\0b", 3, &p), -EINVAL);
	CHECK(!modem_sms_fits_gsm7("a\0b", 3));
	CHECK_EQ_INT(modem_sms_plan("abc", 3, NULL), -EINVAL);

	CHECK_EQ_STR(modem_sms_encoding_name(MODEM_SMS_GSM7), "gsm7");
	CHECK_EQ_STR(modem_sms_encoding_name(MODEM_SMS_UCS2), "ucs2");
	CHECK_EQ_STR(modem_sms_encoding_name((enum modem_sms_encoding)7), "?");
}

/* Segments of `times` copies of `piece`, checked by hand and against libgammu. */
static void
check_repeat(const char *piece, int times, enum modem_sms_encoding enc, int units,
			 int segments)
{
	struct modem_sms_plan p;
	char what[64];

	text_reset(&tb);
	text_add(&tb, piece, times);
	p = plan_of(tb.s);
	if (p.segments != segments || p.units != units)
		fprintf(stderr, "  %d x '%s': units %d segments %d, expected %d / %d\n", times,
			piece, p.units, p.segments, units, segments);
	CHECK_EQ_INT(p.encoding, enc);
	CHECK_EQ_INT(p.units, units);
	CHECK_EQ_INT(p.segments, segments);
	snprintf(what, sizeof(what), "%d x '%s'", times, piece);
	check_against_gammu(tb.s, what);
}

static void
test_boundaries(void)
{
	static const int lens[] = { 70, 71, 134, 135, 160, 161, 306, 307 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int n = lens[i];
		int g = n <= 160 ? 1 : (n + 152) / 153;
		int u = n <= 70 ? 1 : (n + 66) / 67;

		check_repeat("a", n, MODEM_SMS_GSM7, n, g);
		check_repeat("ă", n, MODEM_SMS_UCS2, n, u);
		/* extension chars: n of them cost 2n septets, 76 a part */
		check_repeat("€", n, MODEM_SMS_GSM7, 2 * n, 2 * n <= 160 ? 1 : (n + 75) / 76);
	}
	check_repeat("a", 0, MODEM_SMS_GSM7, 0, 1);
	check_repeat("€", 80, MODEM_SMS_GSM7, 160, 1);
	check_repeat("€", 81, MODEM_SMS_GSM7, 162, 2);
	check_repeat("😀", 35, MODEM_SMS_UCS2, 70, 1);
	check_repeat("😀", 36, MODEM_SMS_UCS2, 72, 2);	/* 33 pairs a part: 66 units */
	check_repeat("😀", 67, MODEM_SMS_UCS2, 134, 3);
}

/* Texts where the split rule (not the raw count) decides the number of parts. */
static void
test_split_rules(void)
{
	struct modem_sms_plan p;

	/* 152 + € + 152 = 306 septets: naive 2 parts, but € cannot start at septet 153 */
	text_reset(&tb);
	text_add(&tb, "a", 152);
	text_add(&tb, "€", 1);
	text_add(&tb, "a", 152);
	p = plan_of(tb.s);
	CHECK_EQ_INT(p.units, 306);
	CHECK_EQ_INT(p.segments, 3);
	check_against_gammu(tb.s, "escape at septet 153");

	/* the same with the escape pair ending exactly at 153: fits, 2 parts */
	text_reset(&tb);
	text_add(&tb, "a", 151);
	text_add(&tb, "{", 1);
	text_add(&tb, "a", 153);
	p = plan_of(tb.s);
	CHECK_EQ_INT(p.units, 306);
	CHECK_EQ_INT(p.segments, 2);
	check_against_gammu(tb.s, "escape ending at 153");

	/* every boundary hit by an extension character: "a" then 160 "]" */
	text_reset(&tb);
	text_add(&tb, "a", 1);
	text_add(&tb, "]", 160);
	p = plan_of(tb.s);
	CHECK_EQ_INT(p.units, 321);
	CHECK_EQ_INT(p.segments, 3);	/* 1+76*2=153, 76*2=152, 8*2=16 */
	check_against_gammu(tb.s, "a + 160 x ]");

	/* UCS-2: 66 + emoji + 66 = 134 units, the surrogate pair moves to part 2 */
	text_reset(&tb);
	text_add(&tb, "ă", 66);
	text_add(&tb, "😀", 1);
	text_add(&tb, "ă", 66);
	p = plan_of(tb.s);
	CHECK_EQ_INT(p.units, 134);
	CHECK_EQ_INT(p.segments, 3);
	check_against_gammu(tb.s, "surrogate at unit 67");

	/* UCS-2: a combining mark at unit 68 pulls its base letter into part 2 (libgammu rule) */
	text_reset(&tb);
	text_add(&tb, "ă", 66);
	text_add(&tb, "a\xcc\x86", 1);	/* a + U+0306 */
	text_add(&tb, "ă", 66);
	p = plan_of(tb.s);
	CHECK_EQ_INT(p.units, 134);
	CHECK_EQ_INT(p.chars, 134);
	CHECK_EQ_INT(p.segments, 3);
	check_against_gammu(tb.s, "combining mark at unit 68");

	/* UCS-2: a flag (two regional indicators) across unit 67 moves whole to part 2 */
	text_reset(&tb);
	text_add(&tb, "ă", 65);
	text_add(&tb, "🇻🇳", 1);
	text_add(&tb, "ă", 65);
	p = plan_of(tb.s);
	CHECK_EQ_INT(p.units, 134);
	CHECK_EQ_INT(p.segments, 3);
	check_against_gammu(tb.s, "flag across unit 67");

	/* a flag that ends a part exactly is left alone */
	text_reset(&tb);
	text_add(&tb, "ă", 63);
	text_add(&tb, "🇻🇳", 1);
	text_add(&tb, "ă", 67);
	p = plan_of(tb.s);
	CHECK_EQ_INT(p.segments, 2);
	check_against_gammu(tb.s, "flag ending at unit 67");
}

/* Every sample message, its transliteration and its NFD form, against libgammu. */
static void
test_messages_vs_gammu(void)
{
	char out[8192], what[64];

	load_messages();
	CHECK(n_messages >= 8);
	for (int i = 0; i < n_messages; i++) {
		struct modem_sms_plan p = plan_of(messages[i]), t;
		utf8proc_uint8_t *nfd;
		int n;

		snprintf(what, sizeof(what), "message %d", i + 1);
		CHECK_EQ_INT(p.encoding, MODEM_SMS_UCS2);
		check_against_gammu(messages[i], what);

		n = modem_sms_transliterate(messages[i], out, sizeof(out));
		CHECK(n > 0);
		CHECK_EQ_INT((size_t)n, strlen(out));
		t = plan_of(out);
		/* the file promises each message fits GSM-7 once diacritics are removed */
		CHECK_EQ_INT(t.encoding, MODEM_SMS_GSM7);
		CHECK(modem_sms_fits_gsm7(out, (size_t)n));
		CHECK_EQ_INT(t.chars, p.chars);	/* one letter for one letter */
		CHECK(t.segments <= p.segments);
		snprintf(what, sizeof(what), "message %d transliterated", i + 1);
		check_against_gammu(out, what);
		printf("message %d: %d chars, ucs2 %d segment(s); transliterated gsm7 %d\n", i + 1,
		       p.chars, p.segments, t.segments);

		/* decomposed (NFD) form, as some Vietnamese keyboards type it */
		nfd = utf8proc_NFD((const utf8proc_uint8_t *)messages[i]);
		CHECK(nfd != NULL);
		if (nfd) {
			t = plan_of((const char *)nfd);
			CHECK(t.units > p.units);
			snprintf(what, sizeof(what), "message %d NFD", i + 1);
			check_against_gammu((const char *)nfd, what);
			free(nfd);
		}
	}
}

static void
test_transliterate(void)
{
	char out[256], small[8];

	CHECK_EQ_INT(modem_sms_transliterate("Đăng ký lại: nhắn ĐK", out, sizeof(out)), 20);
	CHECK_EQ_STR(out, "Dang ky lai: nhan DK");
	CHECK_EQ_INT(modem_sms_transliterate("Hãy chia sẻ thông tin đáng tin cậy.", out,
					     sizeof(out)),
		     35);
	CHECK_EQ_STR(out, "Hay chia se thong tin dang tin cay.");
	modem_sms_transliterate("Ứng xử trên mạng xã hội; ƯỚC, ỘI, Ỹ", out, sizeof(out));
	CHECK_EQ_STR(out, "Ung xu tren mang xa hoi; UOC, OI, Y");
	/* NFD input gives the same result */
	modem_sms_transliterate("Vie\xcc\xa3\xcc\x82t", out, sizeof(out));
	CHECK_EQ_STR(out, "Viet");
	/* typographic punctuation becomes ASCII, other characters are kept */
	modem_sms_transliterate("“Tin giả” – đừng chia sẻ’ 😀", out, sizeof(out));
	CHECK_EQ_STR(out, "\"Tin gia\" - dung chia se' 😀");
	CHECK(!modem_sms_fits_gsm7(out, strlen(out)));
	modem_sms_transliterate("Giá\xc2\xa0" "10€ [x]", out, sizeof(out));
	CHECK_EQ_STR(out, "Gia 10€ [x]");
	CHECK(modem_sms_fits_gsm7(out, strlen(out)));

	CHECK_EQ_INT(modem_sms_transliterate("", out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "");
	/* room for 7 bytes + NUL */
	CHECK_EQ_INT(modem_sms_transliterate("Đường ph", small, sizeof(small)), -ENOSPC);
	CHECK_EQ_STR(small, "");
	CHECK_EQ_INT(modem_sms_transliterate("Đường p", small, sizeof(small)), 7);
	CHECK_EQ_STR(small, "Duong p");
	CHECK_EQ_INT(modem_sms_transliterate("ab\xc3", out, sizeof(out)), -EINVAL);
	CHECK_EQ_INT(modem_sms_transliterate("\xed\xa0\x80", out, sizeof(out)), -EINVAL);
	CHECK_EQ_INT(modem_sms_transliterate(NULL, out, sizeof(out)), -EINVAL);
	CHECK_EQ_INT(modem_sms_transliterate("a", out, 0), -EINVAL);
}

/*
 * libgammu's own ceilings: a text within MODEM_SMS_MAX_SEGMENTS is encoded whole in either
 * alphabet; past them libgammu pads or cuts without an error, which is why callers must refuse.
 */
static void
test_gammu_limits(void)
{
	struct modem_sms_plan p;
	unsigned char *ucs = NULL, *back;
	int parts;

	CHECK(MODEM_SMS_MAX_SEGMENTS <= GSM_MAX_MULTI_SMS);
	check_repeat("a", MODEM_SMS_MAX_SEGMENTS * MODEM_SMS_GSM7_PART, MODEM_SMS_GSM7,
		     MODEM_SMS_MAX_SEGMENTS * MODEM_SMS_GSM7_PART, MODEM_SMS_MAX_SEGMENTS);
	check_repeat("ă", MODEM_SMS_MAX_SEGMENTS * MODEM_SMS_UCS2_PART, MODEM_SMS_UCS2,
		     MODEM_SMS_MAX_SEGMENTS * MODEM_SMS_UCS2_PART, MODEM_SMS_MAX_SEGMENTS);

	/*
	 * 5100 septets: libgammu's GSM-7 path measures only the first 5000 septets, so its part
	 * loop never sees the end of the text: it emits the 34 real parts and then pads to
	 * GSM_MAX_MULTI_SMS with empty parts (16 empty SMS would be sent).
	 */
	text_reset(&tb);
	text_add(&tb, "a", 5100);
	p = plan_of(tb.s);
	CHECK_EQ_INT(p.segments, 34);
	CHECK(p.segments > MODEM_SMS_MAX_SEGMENTS);
	parts = gammu_parts(tb.s, p.encoding, &ucs);
	CHECK_EQ_INT(parts, GSM_MAX_MULTI_SMS);
	for (int i = 0; i < parts; i++)
		CHECK_EQ_INT(UnicodeLength(gm_multi->SMS[i].Text) > 0, i < p.segments);
	back = gammu_pdu_roundtrip();
	CHECK_EQ_INT(UnicodeLength(back), 5100);
	free(back);
	free(ucs);

	/* 60 UCS-2 parts: libgammu stops at GSM_MAX_MULTI_SMS */
	text_reset(&tb);
	text_add(&tb, "ă", 60 * MODEM_SMS_UCS2_PART);
	p = plan_of(tb.s);
	CHECK_EQ_INT(p.segments, 60);
	CHECK_EQ_INT(gammu_parts(tb.s, p.encoding, NULL), GSM_MAX_MULTI_SMS);
}

static void
test_setup(void)
{
	GSM_InitLocales(NULL);
	gm_multi = calloc(1, sizeof(*gm_multi));
	CHECK(gm_multi != NULL);
	if (!gm_multi)
		exit(1);
}

static void
test_teardown(void)
{
	free(gm_multi);
	gm_multi = NULL;
	for (int i = 0; i < n_messages; i++)
		free(messages[i]);
	n_messages = 0;
}

TEST_MAIN("sms", TEST_CASE(test_setup), TEST_CASE(test_gsm7_table), TEST_CASE(test_plan_basics),
	  TEST_CASE(test_gsm7_table_vs_gammu), TEST_CASE(test_boundaries),
	  TEST_CASE(test_split_rules), TEST_CASE(test_messages_vs_gammu),
	  TEST_CASE(test_transliterate), TEST_CASE(test_gammu_limits), TEST_CASE(test_teardown))
