/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * text_test — gateway/gw_text.c: phone numbers from every row of the sample contacts CSV and
 * the forms people type, keyword folding, and the first word of every sample citizen reply.
 * Run from the repository root; shared data is read from tests/data/.
 */
#include "gateway/gw_text.h"
#include "tests/lib/test.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CONTACTS_FILE "tests/data/contacts.sample.csv"
#define INBOUND_FILE "tests/data/inbound.vi.txt"

/* ---- numbers -------------------------------------------------------------------------------- */

/* Normalise with country code 84 and expect `want`. */
static void
check_number(const char *in, const char *want)
{
	char out[GW_TEXT_NUMBER_LEN] = "junk";
	const char *why = "junk";
	int rc = gw_text_number_normalize(in, "84", out, &why);

	if (rc != 0)
		fprintf(stderr, "  '%s' rejected: %s\n", in ? in : "(null)", why ? why : "(null)");
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_STR(out, want);
	CHECK(why == NULL);
}

/* Normalise with country code `cc` and expect the rejection `reason`. */
static void
check_reject_cc(const char *in, const char *cc, const char *reason)
{
	char out[GW_TEXT_NUMBER_LEN] = "junk";
	const char *why = NULL;
	int rc = gw_text_number_normalize(in, cc, out, &why);

	if (rc != -EINVAL)
		fprintf(stderr, "  '%s' accepted as %s\n", in ? in : "(null)", out);
	CHECK_EQ_INT(rc, -EINVAL);
	CHECK_EQ_STR(out, "");
	CHECK_EQ_STR(why, reason);
}

static void
check_reject(const char *in, const char *reason)
{
	check_reject_cc(in, "84", reason);
}

/* The digits of `s`, in order, into d[cap]. */
static void
digits_of(const char *s, char *d, size_t cap)
{
	size_t n = 0;

	for (; *s && n + 1 < cap; s++)
		if (*s >= '0' && *s <= '9')
			d[n++] = *s;
	d[n] = '\0';
}

/* First field of a CSV line (RFC 4180 quoting) into f[cap]; false for an unclosed quote. */
static bool
csv_first_field(const char *line, char *f, size_t cap)
{
	size_t n = 0;

	if (*line != '"') {
		while (*line && *line != ',' && *line != '\n' && *line != '\r' && n + 1 < cap)
			f[n++] = *line++;
		f[n] = '\0';
		return true;
	}
	for (line++; *line; line++) {
		if (*line == '"') {
			if (line[1] != '"') {
				f[n] = '\0';
				return true;
			}
			line++;
		}
		if (n + 1 < cap)
			f[n++] = *line;
	}
	return false;
}

static void
test_contacts_csv(void)
{
	FILE *f = fopen(CONTACTS_FILE, "r");
	static char field[500][64];
	char line[1024], out[GW_TEXT_NUMBER_LEN], out2[GW_TEXT_NUMBER_LEN];
	char din[32], dout[32];
	const char *why;
	int row = 0, ok = 0;

	CHECK(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && row < 499) {
		row++;
		CHECK(csv_first_field(line, field[row], sizeof(field[row])));
	}
	fclose(f);
	CHECK_EQ_INT(row, 492);
	CHECK_EQ_STR(field[1], "number");

	/* rows 2-481: the 480 generated contacts all normalise to +84 and a 9-digit mobile */
	for (int r = 2; r <= 481; r++) {
		int rc = gw_text_number_normalize(field[r], "84", out, &why);

		if (rc) {
			fprintf(stderr, "  row %d '%s': %s\n", r, field[r], why);
			continue;
		}
		CHECK_EQ_INT(strlen(out), 12);
		CHECK(strncmp(out, "+84", 3) == 0 && strchr("35789", out[3]));
		CHECK_EQ_INT(strspn(out + 1, "0123456789"), 11);
		/* the subscriber digits are the typed ones: the last nine match */
		digits_of(field[r], din, sizeof(din));
		digits_of(out, dout, sizeof(dout));
		CHECK(strlen(din) >= 9 && strcmp(din + strlen(din) - 9, dout + 2) == 0);
		ok++;
	}
	CHECK_EQ_INT(ok, 480);

	/* rows 482-492, as contacts.sample.README lists them */
	check_reject(field[482], "too short");
	check_reject(field[483], "too short");
	check_number(field[484], "+14155550100");	/* a foreign E.164 number is accepted */
	check_reject(field[485], "too long");
	check_reject(field[486], "contains letters");
	check_reject(field[487], "empty");
	/* 488 and 489 are duplicates of rows 2 and 3: they must normalise to the same number */
	CHECK_EQ_INT(gw_text_number_normalize(field[488], "84", out, &why), 0);
	CHECK_EQ_INT(gw_text_number_normalize(field[2], "84", out2, &why), 0);
	CHECK_EQ_STR(out, out2);
	CHECK_EQ_INT(gw_text_number_normalize(field[489], "84", out, &why), 0);
	CHECK_EQ_INT(gw_text_number_normalize(field[3], "84", out2, &why), 0);
	CHECK_EQ_STR(out, out2);
	check_reject(field[490], "not a mobile number");
	check_reject(field[491], "country code and trunk zero together");
	CHECK_EQ_STR(field[492], "0985 111 222");
	check_number(field[492], "+84985111222");
}

static void
test_number_forms(void)
{
	char out[GW_TEXT_NUMBER_LEN];
	const char *why;

	check_number("0912345678", "+84912345678");
	check_number("84912345678", "+84912345678");
	check_number("+84912345678", "+84912345678");
	check_number("(+84) 375149769", "+84375149769");
	check_number("0084912345678", "+84912345678");
	check_number("00 84 912 345 678", "+84912345678");
	check_number("0912.345.678", "+84912345678");
	check_number("0912-345-678", "+84912345678");
	check_number("  0912 345 678\t", "+84912345678");
	/* en dashes, no-break spaces */
	check_number("0912\xe2\x80\x93" "345\xe2\x80\x93" "678", "+84912345678");
	check_number("0912\xc2\xa0" "345\xc2\xa0" "678", "+84912345678");
	check_number("+(84) 912 345 678", "+84912345678");
	check_number("912345678", "+84912345678");	/* trunk zero lost in a spreadsheet */
	check_number("845123456", "+84845123456");	/* ... even when it starts with 84 */
	check_number("0345123456", "+84345123456");
	check_number("0567123456", "+84567123456");
	check_number("0789123456", "+84789123456");
	check_number("0812345678", "+84812345678");
	check_number("+44 20 7946 0958", "+442079460958");
	check_number("0044 20 7946 0958", "+442079460958");
	check_number("+1 415 555 0100", "+14155550100");
	check_number("+1234567", "+1234567");			/* 7 digits: shortest E.164 */
	check_number("+123456789012345", "+123456789012345");	/* 15 digits: longest */
	check_number(" 84 912 345 678 ", "+84912345678");

	check_reject("+84 0912 000 000", "country code and trunk zero together");
	check_reject("840912345678", "country code and trunk zero together");
	check_reject("00840912345678", "country code and trunk zero together");
	check_reject("0212345678", "not a mobile number");
	check_reject("+84 24 3825 1234", "not a mobile number");	/* Hanoi landline */
	check_reject("028 3829 5555", "not a mobile number");		/* HCMC landline */
	check_reject("1900 1234 56", "no country code or trunk zero");
	check_reject("0612345678", "not a mobile number");
	check_reject("0412345678", "not a mobile number");
	check_reject("+84 912 345 6789", "too long");
	check_reject("+8491234567", "too short");
	check_reject("0912345", "too short");
	check_reject("12345", "too short");
	check_reject("+84", "too short");
	check_reject("+", "too short");
	check_reject("00", "too short");
	check_reject("+123456", "too short");
	check_reject("+1234567890123456", "too long");
	check_reject("09123456789012", "too long");
	check_reject("0912345678901234567890123456789", "too long");
	check_reject("123456789012", "no country code or trunk zero");
	check_reject("612345678", "no country code or trunk zero");	/* 9 digits, not mobile */
	check_reject("+0912345678", "invalid country code");
	check_reject("000912345678", "invalid country code");
	check_reject("abc", "contains letters");
	check_reject("0912 345 678 Lan", "contains letters");
	check_reject("0912345678 anh Ba", "contains letters");
	check_reject("091234567Đ", "contains letters");
	check_reject("0912345678/0913345678", "invalid character");
	check_reject("0912345678, 0913345678", "invalid character");
	check_reject("*101#", "invalid character");
	check_reject("0912\xff" "345678", "invalid character");
	check_reject("+84+912345678", "misplaced '+'");
	check_reject("0912+345678", "misplaced '+'");
	check_reject("", "empty");
	check_reject("   ", "empty");
	check_reject("( ) - .", "empty");
	check_reject(NULL, "empty");

	/* another configured country: generic E.164 for national forms */
	CHECK_EQ_INT(gw_text_number_normalize("12025550100", "1", out, &why), 0);
	CHECK_EQ_STR(out, "+12025550100");
	check_reject_cc("2025550100", "1", "no country code or trunk zero");
	check_reject_cc("912345678", "1", "no country code or trunk zero");
	CHECK_EQ_INT(gw_text_number_normalize("0812345678", "66", out, &why), 0);
	CHECK_EQ_STR(out, "+66812345678");
	/* +84 numbers keep Vietnam's rules whatever the configured country */
	check_reject_cc("+84 24 3825 1234", "66", "not a mobile number");
	CHECK_EQ_INT(gw_text_number_normalize("0912345678", NULL, out, &why), 0);
	CHECK_EQ_STR(out, "+84912345678");
	check_reject_cc("0912345678", "084", "bad configured country code");
	check_reject_cc("0912345678", "", "bad configured country code");
	check_reject_cc("0912345678", "8a", "bad configured country code");
	check_reject_cc("0912345678", "1234", "bad configured country code");
	/* why may be NULL */
	CHECK_EQ_INT(gw_text_number_normalize("abc", "84", out, NULL), -EINVAL);
}

/* ---- folding -------------------------------------------------------------------------------- */

static void
check_fold(const char *in, const char *want)
{
	char out[256] = "junk";
	int rc = gw_text_fold(in, out, sizeof(out));

	CHECK_EQ_INT(rc, (int)strlen(want));
	CHECK_EQ_STR(out, want);
}

static void
test_fold(void)
{
	char small[4] = "xx";

	check_fold("Báo", "BAO");
	check_fold("BÁO", "BAO");
	check_fold("bao", "BAO");
	check_fold("Hủy", "HUY");
	check_fold("Đăng ký", "DANG KY");
	check_fold("đồng ý", "DONG Y");
	check_fold("Ưu tiên ƯỚC ỔN Ỹ", "UU TIEN UOC ON Y");
	check_fold("Ba\xcc\x81o", "BAO");		/* NFD input: a + U+0301 */
	check_fold("Vie\xcc\xa3\xcc\x82t", "VIET");	/* two marks */
	check_fold("\xcc\x81x", "X");			/* a stray leading mark is dropped */
	check_fold("Straße Ωmega", "STRAßE ΩMEGA");	/* only ASCII letters change case */
	check_fold("x: 10.000đ 😀", "X: 10.000D 😀");
	check_fold("", "");
	CHECK_EQ_INT(gw_text_fold("BÁO", small, sizeof(small)), 3);
	CHECK_EQ_STR(small, "BAO");
	CHECK_EQ_INT(gw_text_fold("BÁOX", small, sizeof(small)), -ENOSPC);
	CHECK_EQ_STR(small, "");
	CHECK_EQ_INT(gw_text_fold("ok\xc3", small, sizeof(small)), -EINVAL);
	CHECK_EQ_INT(gw_text_fold("\xed\xa0\x80", small, sizeof(small)), -EINVAL);
	CHECK_EQ_INT(gw_text_fold(NULL, small, sizeof(small)), -EINVAL);
	CHECK_EQ_INT(gw_text_fold("a", small, 0), -EINVAL);
}

/* ---- first word ----------------------------------------------------------------------------- */

static void
check_first(const char *in, const char *word, const char *rest)
{
	char out[64] = "junk";
	const char *r = NULL;
	int rc = gw_text_first_word(in, out, sizeof(out), &r);

	CHECK_EQ_INT(rc, (int)strlen(word));
	CHECK_EQ_STR(out, word);
	CHECK_EQ_STR(r, rest);
	/* rest points into the original text */
	CHECK(r >= in && r <= in + strlen(in));
}

static void
test_first_word(void)
{
	const char *emoji = "😀👍";
	char out[8];
	const char *r;

	check_first("Báo tin giả: abc", "BAO", "tin giả: abc");
	check_first("Bao: link la", "BAO", "link la");
	check_first("BÁO", "BAO", "");
	check_first("  ...Hủy, cảm ơn", "HUY", "cảm ơn");
	check_first("Đăng ký", "DANG", "ký");
	check_first("DK-ok", "DK", "ok");
	check_first("\"HD\" xin", "HD", "\" xin");
	check_first("Ba\xcc\x81o: x", "BAO", "x");		/* NFD keyword */
	check_first("\xcc\x81" "bao", "BAO", "");		/* leading stray mark */
	check_first("1", "1", "");
	check_first("123abc def", "123ABC", "def");
	check_first("😀 bao", "BAO", "");
	check_first("bao\xc2\xa0\xc2\xa0x", "BAO", "x");	/* no-break spaces */
	check_first(emoji, "", emoji);
	check_first("", "", "");
	check_first(" .,:- ", "", " .,:- ");

	CHECK_EQ_INT(gw_text_first_word(emoji, out, sizeof(out), &r), 0);
	CHECK(r == emoji);
	CHECK_EQ_INT(gw_text_first_word("abcdefghij x", out, sizeof(out), &r), -ENOSPC);
	CHECK_EQ_STR(out, "");
	CHECK_EQ_INT(gw_text_first_word("bao \xff", out, sizeof(out), &r), -EINVAL);
	CHECK_EQ_INT(gw_text_first_word("\xff bao", out, sizeof(out), &r), -EINVAL);
	CHECK_EQ_INT(gw_text_first_word("\xf0\x9f\x98", out, sizeof(out), &r), -EINVAL);
	CHECK_EQ_INT(gw_text_first_word(NULL, out, sizeof(out), &r), -EINVAL);
	CHECK_EQ_INT(gw_text_first_word("bao x", out, sizeof(out), NULL), 3);
}

/* The first word (and for some the rest) of every line of inbound.vi.txt, keyed by sender. */
static void
test_inbound_file(void)
{
	static const struct {
		const char *sender, *word, *rest;	/* rest NULL: not checked */
	} want[] = {
		{ "+84912000001", "BAO", "co nguoi goi dien mao danh cong an doi chuyen tien" },
		{ "+84912000002", "BAO", "tin giả: trên Facebook nói" },
		{ "+84912000003", "BAO", "Zalo nhan tin trung thuong xe may, bat nop phi 2 trieu" },
		{ "+84912000004", "BAO", "" },
		{ "+84912000005", "B", "a o tin nhan gia mao ngan hang" },
		{ "+84912000006", "BAO", "link la http://example.invalid/nhanqua" },
		{ "+84912000007", "HUY", "" },
		{ "+84912000008", "HUY", "" },
		{ "+84912000009", "STOP", "" },
		{ "+84912000010", "TU", "choi" },
		{ "+84912000011", "DK", "" },
		{ "+84912000012", "HD", "" },
		{ "+84912000013", "HD", "" },
		{ "+84912000014", "1", "" },
		{ "+84912000015", "CO", "" },
		{ "+84912000016", "KHONG", "" },
		{ "+84912000017", "CAM", "on can bo xa" },
		{ "+84912000018", "TOI", "khong hieu tin nhan nay la gi" },
		{ "+84912000019", "", NULL },	/* emoji only */
		{ "+84912000020", "BAO", "Có một tài khoản" },
		{ "0912000021", "BAO", "tin gia ve dich benh o thon 5" },
		{ "84912000022", "BAO", "khong dau co khoang trang" },
		{ "Viettel", "TAI", "khoan cua quy khach con 10.000d" },
		{ "+84912000023", "REPORT", "fake news about the bridge" },
	};
	const size_t nwant = sizeof(want) / sizeof(want[0]);
	bool seen[sizeof(want) / sizeof(want[0])] = { false };
	FILE *f = fopen(INBOUND_FILE, "r");
	char line[2048], word[64];
	int lines = 0;

	CHECK(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *tab, *text;
		const char *rest;
		size_t i;
		int rc;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		lines++;
		tab = strchr(line, '\t');
		CHECK(tab != NULL);
		if (!tab)
			continue;
		*tab = '\0';
		text = tab + 1;
		for (i = 0; i < nwant && strcmp(want[i].sender, line) != 0; i++)
			;
		if (i == nwant) {
			fprintf(stderr, "  unexpected sender %s\n", line);
			CHECK(false);
			continue;
		}
		seen[i] = true;
		rc = gw_text_first_word(text, word, sizeof(word), &rest);
		if (strcmp(word, want[i].word) != 0)
			fprintf(stderr, "  %s: first word '%s', expected '%s'\n", line, word,
				want[i].word);
		CHECK_EQ_INT(rc, (int)strlen(want[i].word));
		CHECK_EQ_STR(word, want[i].word);
		CHECK(rest >= text && rest <= text + strlen(text));
		if (want[i].rest && strncmp(rest, want[i].rest, strlen(want[i].rest)) != 0) {
			fprintf(stderr, "  %s: rest '%s', expected it to start with '%s'\n", line,
				rest, want[i].rest);
			CHECK(false);
		}
		if (!want[i].rest)
			CHECK(rest == text);
	}
	fclose(f);
	CHECK_EQ_INT(lines, (int)nwant);
	for (size_t i = 0; i < nwant; i++)
		CHECK(seen[i]);
}

TEST_MAIN("text", TEST_CASE(test_contacts_csv), TEST_CASE(test_number_forms),
	  TEST_CASE(test_fold), TEST_CASE(test_first_word), TEST_CASE(test_inbound_file))
