/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ussd_menu_test — the citizens' USSD menu engine: whole sessions through the shipped menu
 * (report with a category and free text holding '*', opt-out, opt-in), wrong choices, back
 * and main menu, empty answers, pages of Vietnamese text never cut inside a character, idle
 * expiry, a session id reused by another number, eviction from a full session table,
 * replays of a finished session, refused requests, and the screen size on every screen
 * reachable in a bounded walk. Menus are loaded through conf_load(), as the gateway does.
 * Run from the repository root.
 */
#include "gateway/ussd_menu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

#include "conf/conf.h"
#include "tests/lib/test.h"

#define MODEM_PLAIN "modems = ( { name = \"m\"; device = \"d\"; connection = \"at\"; " \
		    "model = \"at\"; } );\n"
#define PHONE "+84912345678"
#define MAIN_MENU "CON Tin that - Tin gia\n1. Phan anh tin gia\n2. Doc Bo quy tac ung xu\n" \
		  "3. Huy nhan tin\n4. Dang ky nhan tin"
#define CATEGORIES "Chon loai tin gia:\n1. Lua dao tien\n2. Tin gia ve dich benh\n" \
		   "3. Mao danh co quan nha nuoc\n4. Khac\n0. Quay lai"

/* Load a configuration file, failing the test with its error when it does not load. */
static struct loa_conf *
load_file(const char *path)
{
	struct loa_conf *c = NULL;
	char err[1024] = "";

	if (conf_load(path, &c, err, sizeof(err)) != 0)
		fprintf(stderr, "  conf_load(%s): %s\n", path, err);
	CHECK(c != NULL);
	CHECK(!c || c->ussd != NULL);
	return c;
}

/* The menu of conf/loa.conf.example, its configuration in *c; NULL (counted as a failure). */
static struct ussd_menu *
example_menu(struct loa_conf **c)
{
	struct ussd_menu *m;

	*c = load_file("conf/loa.conf.example");
	m = *c ? ussd_menu_new((*c)->ussd) : NULL;
	CHECK(m != NULL);
	return m;
}

/* Load `ussd_group` ("ussd = { ... };") as a whole configuration. */
static struct loa_conf *
load_text(const char *ussd_group)
{
	char path[] = "/tmp/loa_ussd_test_XXXXXX.conf";
	int fd = mkstemps(path, 5);
	struct loa_conf *c;
	FILE *f;

	CHECK(fd >= 0);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	fprintf(f, "%s\n%s", ussd_group, MODEM_PLAIN);
	fclose(f);
	c = load_file(path);
	unlink(path);
	return c;
}

static size_t
chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static bool
valid_utf8(const char *s)
{
	utf8proc_int32_t cp;

	while (*s) {
		utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &cp);

		if (n <= 0)
			return false;
		s += n;
	}
	return true;
}

/* Every screen: a prefix, valid UTF-8, within max_screen_chars, and end matching "END ". */
static void
check_screen(const struct conf_ussd *u, const struct ussd_menu_step *st)
{
	bool con = strncmp(st->screen, "CON ", 4) == 0, end = strncmp(st->screen, "END ", 4) == 0;

	CHECK(con || end);
	CHECK(st->end == end);
	CHECK(valid_utf8(st->screen));
	if (chars(st->screen) > (size_t)u->max_screen_chars)
		fprintf(stderr, "  %zu characters: \"%s\"\n", chars(st->screen), st->screen);
	CHECK(chars(st->screen) <= (size_t)u->max_screen_chars);
}

/* One request on session `sid` at time `t`; returns ussd_menu_step()'s result. */
static int
req(struct ussd_menu *m, const struct conf_ussd *u, const char *sid, const char *text,
    int64_t t, struct ussd_menu_step *st)
{
	int rc = ussd_menu_step(m, sid, "*123#", PHONE, text, t, st);

	check_screen(u, st);
	return rc;
}

static void
test_first_dial(void)
{
	struct loa_conf *c;
	struct ussd_menu *m = example_menu(&c);
	struct ussd_menu_step st;

	if (!m)
		goto out;
	CHECK_EQ_INT(req(m, c->ussd, "s1", "", 1000, &st), 0);
	CHECK_EQ_STR(st.screen, MAIN_MENU);
	CHECK(!st.end);
	CHECK_EQ_INT(st.action, USSD_MENU_NONE);
	CHECK_EQ_INT(ussd_menu_step(m, "s2", NULL, PHONE, NULL, 1000, &st), 0);
	CHECK_EQ_STR(st.screen, MAIN_MENU);
	CHECK_EQ_INT(ussd_menu_sessions(m), 2);
out:
	ussd_menu_free(m);
	conf_free(c);
}

/* Main menu -> category -> free text with '*' -> report, ticket, then a retried request. */
static void
test_report_session(void)
{
	struct loa_conf *c;
	struct ussd_menu *m = example_menu(&c);
	struct ussd_menu_step st;

	if (!m)
		goto out;
	CHECK_EQ_INT(req(m, c->ussd, "AT-1", "", 0, &st), 0);
	CHECK_EQ_INT(req(m, c->ussd, "AT-1", "1", 5000, &st), 0);
	CHECK_EQ_STR(st.screen, "CON " CATEGORIES);
	CHECK_EQ_INT(req(m, c->ussd, "AT-1", "1*2", 9000, &st), 0);
	CHECK_EQ_STR(st.screen, "CON Nhap noi dung tin gia ve dich benh. 0: quay lai");
	CHECK(!st.end);
	CHECK_EQ_INT(req(m, c->ussd, "AT-1", "1*2* Uong nuoc *muoi* chua khoi benh! Goi *999# ",
			 30000, &st), 0);
	CHECK(st.end);
	CHECK(!st.replayed);
	CHECK_EQ_STR(ussd_menu_action_name(st.action), "report");
	CHECK_EQ_STR(st.category, "dich_benh");
	CHECK_EQ_STR(st.report_text, "Uong nuoc *muoi* chua khoi benh! Goi *999#");
	CHECK_EQ_STR(st.screen, "END Da ghi nhan phan anh. Ma so: {ticket}. Cam on ban.");

	CHECK_EQ_INT(ussd_menu_complete(m, "AT-1", "K7QZ2M", &st), 0);
	CHECK_EQ_STR(st.screen, "END Da ghi nhan phan anh. Ma so: K7QZ2M. Cam on ban.");

	/* the aggregator retries the last call: same screen, nothing to do again */
	CHECK_EQ_INT(req(m, c->ussd, "AT-1", "1*2* Uong nuoc *muoi* chua khoi benh! Goi *999# ",
			 31000, &st), 0);
	CHECK(st.end && st.replayed);
	CHECK_EQ_INT(st.action, USSD_MENU_NONE);
	CHECK_EQ_STR(st.report_text, "");
	CHECK_EQ_STR(st.screen, "END Da ghi nhan phan anh. Ma so: K7QZ2M. Cam on ban.");

	/* a gateway restart forgets sessions; the text alone still leads to the same place */
	ussd_menu_free(m);
	m = ussd_menu_new(c->ussd);
	CHECK_EQ_INT(req(m, c->ussd, "AT-2", "1*4*Link la: bit.ly/x*y", 0, &st), 0);
	CHECK_EQ_INT(st.action, USSD_MENU_REPORT);
	CHECK_EQ_STR(st.category, "khac");
	CHECK_EQ_STR(st.report_text, "Link la: bit.ly/x*y");
	/* completing without a ticket removes the placeholder; unknown sessions are reported */
	CHECK_EQ_INT(ussd_menu_complete(m, "AT-2", NULL, &st), 0);
	CHECK_EQ_STR(st.screen, "END Da ghi nhan phan anh. Ma so: . Cam on ban.");
	CHECK_EQ_INT(ussd_menu_complete(m, "nope", "X", &st), -ENOENT);
out:
	ussd_menu_free(m);
	conf_free(c);
}

static void
test_optout_optin(void)
{
	struct loa_conf *c = load_file("conf/loa.conf");
	struct ussd_menu *m = c ? ussd_menu_new(c->ussd) : NULL;
	struct ussd_menu_step st;

	CHECK(m != NULL);
	if (!m)
		goto out;
	CHECK_EQ_INT(req(m, c->ussd, "o1", "3", 0, &st), 0);
	CHECK(st.end);
	CHECK_EQ_INT(st.action, USSD_MENU_OPTOUT);
	CHECK_EQ_STR(st.category, "");
	CHECK_EQ_STR(st.screen,
		     "END Ban da huy nhan tin thong bao. Quay *123# chon 4 de dang ky lai.");
	/* a leaf reached in the middle of the history ends it; what follows is ignored */
	CHECK_EQ_INT(req(m, c->ussd, "o2", "1*0*4*1*1", 0, &st), 0);
	CHECK_EQ_INT(st.action, USSD_MENU_OPTIN);
	CHECK_EQ_STR(st.screen, "END Ban da dang ky nhan tin thong bao. Quay *123# chon 3 de huy.");
out:
	ussd_menu_free(m);
	conf_free(c);
}

static void
test_invalid_choice(void)
{
	struct loa_conf *c;
	struct ussd_menu *m = example_menu(&c);
	struct ussd_menu_step st;

	if (!m)
		goto out;
	CHECK_EQ_INT(req(m, c->ussd, "i1", "7", 0, &st), 0);
	CHECK_EQ_STR(st.screen, "CON Lua chon khong hop le\nTin that - Tin gia\n1. Phan anh tin "
		     "gia\n2. Doc Bo quy tac ung xu\n3. Huy nhan tin\n4. Dang ky nhan tin");
	CHECK(!st.end);
	/* the session goes on: a good choice after a bad one */
	CHECK_EQ_INT(req(m, c->ussd, "i1", "7*1", 0, &st), 0);
	CHECK_EQ_STR(st.screen, "CON " CATEGORIES);
	CHECK_EQ_INT(req(m, c->ussd, "i1", "7*1*5", 0, &st), 0);
	CHECK_EQ_STR(st.screen, "CON Lua chon khong hop le\n" CATEGORIES);
	/* empty answers, "0" in the main menu, near misses: invalid */
	static const char *const bad[] = { "*", "0", "1*", "01", "1 2", "abc", "11", "000" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ_INT(req(m, c->ussd, "i2", bad[i], 0, &st), 0);
		CHECK_CONTAINS(st.screen, "CON Lua chon khong hop le\n");
		CHECK(!st.end);
	}
	/* spaces around a choice are forgiven */
	CHECK_EQ_INT(req(m, c->ussd, "i3", " 1 ", 0, &st), 0);
	CHECK_EQ_STR(st.screen, "CON " CATEGORIES);
out:
	ussd_menu_free(m);
	conf_free(c);
}

static void
test_back_and_main(void)
{
	struct loa_conf *c;
	struct ussd_menu *m = example_menu(&c);
	struct ussd_menu_step st;

	if (!m)
		goto out;
	CHECK_EQ_INT(req(m, c->ussd, "b", "1*0", 0, &st), 0);
	CHECK_EQ_STR(st.screen, MAIN_MENU);
	CHECK_EQ_INT(req(m, c->ussd, "b", "1*2*0", 0, &st), 0); /* back from a prompt */
	CHECK_EQ_STR(st.screen, "CON " CATEGORIES);
	CHECK_EQ_INT(req(m, c->ussd, "b", "1*2*00", 0, &st), 0);
	CHECK_EQ_STR(st.screen, MAIN_MENU);
	CHECK_EQ_INT(req(m, c->ussd, "b", "1*2* 0 *3", 0, &st), 0);
	CHECK_EQ_STR(st.screen, "CON Nhap ten co quan bi mao danh va noi dung. 0: quay lai");
	CHECK_EQ_INT(req(m, c->ussd, "b", "1*2*0*3*UBND xa goi thu phi", 0, &st), 0);
	CHECK_EQ_INT(st.action, USSD_MENU_REPORT);
	CHECK_EQ_STR(st.category, "mao_danh");
	CHECK_EQ_STR(st.report_text, "UBND xa goi thu phi");
	/* "0" typed as a whole answer is navigation; inside a text it is text */
	CHECK_EQ_INT(req(m, c->ussd, "b2", "1*1*00*1*1*0 dong", 0, &st), 0);
	CHECK_EQ_STR(st.category, "lua_dao");
	CHECK_EQ_STR(st.report_text, "0 dong");
out:
	ussd_menu_free(m);
	conf_free(c);
}

static void
test_empty_input(void)
{
	struct loa_conf *c;
	struct ussd_menu *m = example_menu(&c);
	struct ussd_menu_step st;

	if (!m)
		goto out;
	CHECK_EQ_INT(req(m, c->ussd, "e", "1*1*", 0, &st), 0);
	CHECK_EQ_STR(st.screen, "CON Vui long nhap noi dung\nNhap noi dung (so tai khoan, so dien "
		     "thoai, link...). 0: quay lai");
	CHECK(!st.end);
	CHECK_EQ_INT(req(m, c->ussd, "e", "1*1* ** ", 0, &st), 0);
	CHECK_CONTAINS(st.screen, "CON Vui long nhap noi dung\n");
	/* after empty answers, the leading stars they left are not part of the text */
	CHECK_EQ_INT(req(m, c->ussd, "e", "1*1***  STK 0123 ngan hang X ", 0, &st), 0);
	CHECK(st.end);
	CHECK_EQ_STR(st.report_text, "STK 0123 ngan hang X");
out:
	ussd_menu_free(m);
	conf_free(c);
}

/* Walk every page of option 2 with history "2*1*1…"; returns the number of pages. */
static size_t
walk_pages(struct ussd_menu *m, const struct conf_ussd *u, const char *sid, char *joined,
	   size_t joined_len, size_t room)
{
	char hist[512] = "2";
	size_t n = 0;
	struct ussd_menu_step st;

	joined[0] = '\0';
	for (;;) {
		const char *body, *end;
		char page[2048];

		CHECK_EQ_INT(req(m, u, sid, hist, 0, &st), 0);
		if (strncmp(st.screen, "CON ", 4) != 0)
			break;
		n++;
		body = strchr(st.screen, '\n');
		CHECK(body != NULL);
		if (!body)
			break;
		body++;
		end = strstr(body, "\n1. ");
		if (!end)
			end = strstr(body, "\n0. ");
		CHECK(end != NULL);
		if (!end)
			break;
		snprintf(page, sizeof(page), "%.*s", (int)(end - body), body);
		CHECK(valid_utf8(page));
		CHECK(chars(page) <= room);
		/* a page never starts with a combining mark: it stays with its base letter */
		CHECK(strncmp(page, "\xcc\x81", 2) != 0 && strncmp(page, "\xcc\xa3", 2) != 0);
		snprintf(joined + strlen(joined), joined_len - strlen(joined), "%s", page);
		if (!strstr(st.screen, "\n1. Tiep"))
			break;
		CHECK(strlen(hist) + 3 < sizeof(hist));
		strcat(hist, "*1");
		if (n > 120)
			break;
	}
	return n;
}

static void
strip_spaces(char *s)
{
	char *o = s;

	for (; *s; s++)
		if (*s != ' ')
			*o++ = *s;
	*o = '\0';
}

/* Long Vietnamese texts in composed and decomposed form, with and without spaces. */
static void
test_pages(void)
{
	/* composed diacritics: 2 or 3 bytes each; decomposed: e + U+0301, a + U+0323 */
	static const char para[] = "Bộ quy tắc ứng xử trên mạng xã hội: tôn trọng pháp luật, "
				   "lành mạnh, an toàn thông tin và trách nhiệm. ";
	static const char nospace[] = "ữỮừỪứỨựỰửỬ";
	static const char decomposed[] = "e\xcc\x81" "a\xcc\xa3";
	char text[8192] = "", group[12288], joined[8192], want[8192];
	struct loa_conf *c;
	struct ussd_menu *m = NULL;
	struct ussd_menu_step st;
	size_t n, room;
	int r;

	for (int i = 0; i < 6; i++)
		strcat(text, para);
	for (int i = 0; i < 12; i++)
		strcat(text, nospace);
	strcat(text, " ");
	for (int i = 0; i < 40; i++)
		strcat(text, decomposed);
	strcat(text, " Het.");
	snprintf(group, sizeof(group),
		 "ussd = { max_screen_chars = 90; menu = { title = \"Menu\"; options = (\n"
		 "  { key = \"1\"; label = \"Huy\"; kind = \"action\"; action = \"optout\";\n"
		 "    text = \"Da huy\"; },\n"
		 "  { key = \"2\"; label = \"Quy tac\"; kind = \"pages\"; title = \"Quy tắc\";\n"
		 "    text = \"%s\"; } ); }; };\n", text);
	c = load_text(group);
	if (!c)
		return;
	m = ussd_menu_new(c->ussd);
	CHECK(m != NULL);
	if (!m)
		goto out;
	r = conf_ussd_page_chars(c->ussd, &c->ussd->menu->options[1]);
	/* 90 - "CON " - ("Quy tắc" + " (k/n)" = 15, > invalid_text 21? no: 21) - "\n" - ... */
	CHECK_EQ_INT(r, 90 - 4 - 21 - 1 - 8 - 12);
	room = (size_t)r;
	n = walk_pages(m, c->ussd, "p", joined, sizeof(joined), room);
	CHECK(n >= 10);
	strip_spaces(joined);
	snprintf(want, sizeof(want), "%s", text);
	strip_spaces(want);
	CHECK_EQ_STR(joined, want);

	/* first page: heading with its number; back from page 2 and from page 1 */
	CHECK_EQ_INT(req(m, c->ussd, "p", "2", 0, &st), 0);
	CHECK(strncmp(st.screen, "CON Quy tắc (1/", 15) == 0);
	CHECK_CONTAINS(st.screen, "\n1. Tiep\n0. Quay lai");
	CHECK_CONTAINS(st.screen, "\nBộ quy tắc ứng xử");
	CHECK_EQ_INT(req(m, c->ussd, "p", "2*1*0", 0, &st), 0);
	CHECK(strncmp(st.screen, "CON Quy tắc (1/", 15) == 0);
	CHECK_EQ_INT(req(m, c->ussd, "p", "2*1*1*00", 0, &st), 0);
	CHECK(strncmp(st.screen, "CON Menu\n1. Huy", 15) == 0);
	CHECK_EQ_INT(req(m, c->ussd, "p", "2*0", 0, &st), 0);
	CHECK(strncmp(st.screen, "CON Menu\n1. Huy", 15) == 0);
	/* a wrong answer in pages: the same page under invalid_text */
	CHECK_EQ_INT(req(m, c->ussd, "p", "2*1*5", 0, &st), 0);
	CHECK_CONTAINS(st.screen, "CON Lua chon khong hop le\n");
	CHECK_CONTAINS(st.screen, "\n1. Tiep\n0. Quay lai");
	{
		struct ussd_menu_step p2;

		req(m, c->ussd, "p", "2*1", 0, &p2);
		CHECK_EQ_STR(strchr(st.screen, '\n'), strchr(p2.screen, '\n'));
	}
	/* "1" on the last page is not a choice */
	{
		char hist[512] = "2";

		for (size_t i = 1; i < n; i++)
			strcat(hist, "*1");
		CHECK_EQ_INT(req(m, c->ussd, "p", hist, 0, &st), 0);
		CHECK(strstr(st.screen, "\n1. Tiep") == NULL);
		CHECK_CONTAINS(st.screen, "Het.\n0. Quay lai");
		strcat(hist, "*1");
		CHECK_EQ_INT(req(m, c->ussd, "p", hist, 0, &st), 0);
		CHECK_CONTAINS(st.screen, "CON Lua chon khong hop le\n");
	}
out:
	ussd_menu_free(m);
	conf_free(c);
}

/* Decomposed letters (base + combining mark) without spaces: a mark never starts a page. */
static void
test_pages_marks(void)
{
	for (int shift = 0; shift < 4; shift++) {
		char text[2048] = "", group[4096], joined[4096];
		struct loa_conf *c;
		struct ussd_menu *m;
		size_t n;
		int room;

		for (int i = 0; i < shift; i++)
			strcat(text, "x");
		for (int i = 0; i < 60; i++)
			strcat(text, i % 2 ? "a\xcc\xa3" : "e\xcc\x81"); /* ạ, é decomposed */
		snprintf(group, sizeof(group),
			 "ussd = { max_screen_chars = 70; menu = { title = \"M\"; options = (\n"
			 "  { key = \"1\"; label = \"H\"; kind = \"action\"; action = \"help\";"
			 " text = \"H\"; },\n"
			 "  { key = \"2\"; label = \"P\"; kind = \"pages\"; title = \"P\";"
			 " text = \"%s\"; } ); }; };\n", text);
		c = load_text(group);
		if (!c)
			return;
		m = ussd_menu_new(c->ussd);
		CHECK(m != NULL);
		room = conf_ussd_page_chars(c->ussd, &c->ussd->menu->options[1]);
		CHECK_EQ_INT(room, 70 - 4 - 21 - 1 - 8 - 12);
		if (m) {
			n = walk_pages(m, c->ussd, "k", joined, sizeof(joined), (size_t)room);
			CHECK(n >= 4);
			CHECK_EQ_STR(joined, text);
		}
		ussd_menu_free(m);
		conf_free(c);
	}
}

/* Spaces are preferred: the shipped rules text is cut only at spaces, pages rejoin exactly. */
static void
test_pages_at_spaces(void)
{
	struct loa_conf *c;
	struct ussd_menu *m = example_menu(&c);
	char joined[8192] = "", buf[8192];
	size_t n;

	if (!m)
		goto out;
	n = walk_pages(m, c->ussd, "r", buf, sizeof(buf),
		       (size_t)conf_ussd_page_chars(c->ussd, &c->ussd->menu->options[1]));
	CHECK(n >= 3);
	/* rejoin the pages with the spaces the cuts dropped */
	{
		char hist[512] = "2";
		struct ussd_menu_step st;

		for (size_t i = 0; i < n; i++) {
			const char *b, *e;

			req(m, c->ussd, "r2", hist, 0, &st);
			b = strchr(st.screen, '\n') + 1;
			e = strstr(b, i + 1 < n ? "\n1. " : "\n0. ");
			snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%.*s",
				 i ? " " : "", (int)(e - b), b);
			strcat(hist, "*1");
		}
	}
	CHECK_EQ_STR(joined, c->ussd->menu->options[1].text);
out:
	ussd_menu_free(m);
	conf_free(c);
}

static void
test_expiry(void)
{
	struct loa_conf *c;
	struct ussd_menu *m = example_menu(&c);
	struct ussd_menu_step st;
	int64_t t0 = 1700000000000LL;

	if (!m)
		goto out;
	CHECK_EQ_INT(c->ussd->session_timeout_s, 180);
	CHECK_EQ_INT(req(m, c->ussd, "x", "", t0, &st), 0);
	CHECK_EQ_INT(req(m, c->ussd, "x", "1", t0 + 180000, &st), 0); /* exactly the limit */
	CHECK_EQ_STR(st.screen, "CON " CATEGORIES);
	CHECK_EQ_INT(req(m, c->ussd, "x", "1*1", t0 + 180000 + 180001, &st), 0);
	CHECK_EQ_STR(st.screen, "END Phien da het han. Vui long quay so lai.");
	CHECK_EQ_INT(st.action, USSD_MENU_NONE);
	/* still over, even right after */
	CHECK_EQ_INT(req(m, c->ussd, "x", "1*1*abc", t0 + 400000, &st), 0);
	CHECK_EQ_STR(st.screen, "END Phien da het han. Vui long quay so lai.");
	CHECK_EQ_INT(st.action, USSD_MENU_NONE);
	/* a new dial is a new session */
	CHECK_EQ_INT(req(m, c->ussd, "y", "1", t0 + 400000, &st), 0);
	CHECK_EQ_STR(st.screen, "CON " CATEGORIES);
out:
	ussd_menu_free(m);
	conf_free(c);
}

static void
test_session_other_phone(void)
{
	struct loa_conf *c;
	struct ussd_menu *m = example_menu(&c);
	struct ussd_menu_step st;

	if (!m)
		goto out;
	CHECK_EQ_INT(req(m, c->ussd, "s", "1", 0, &st), 0);
	CHECK_EQ_INT(ussd_menu_step(m, "s", "*123#", "+84987654321", "1*1*x", 1000, &st), -EPERM);
	CHECK(st.end);
	CHECK_EQ_INT(st.action, USSD_MENU_NONE);
	CHECK_EQ_STR(st.screen, "END He thong dang ban. Vui long thu lai sau.");
	/* the owner's session is not disturbed */
	CHECK_EQ_INT(req(m, c->ussd, "s", "1*1", 2000, &st), 0);
	CHECK_CONTAINS(st.screen, "CON Nhap noi dung");
out:
	ussd_menu_free(m);
	conf_free(c);
}

static void
test_eviction(void)
{
	struct loa_conf *c = load_text(
		"ussd = { max_sessions = 3; session_timeout_s = 10; menu = { title = \"M\"; "
		"options = ( { key = \"1\"; label = \"Sub\"; title = \"S\"; options = ( { key = "
		"\"1\"; label = \"Stop\"; kind = \"action\"; action = \"optout\"; text = \"Bye\"; "
		"} ); } ); }; };");
	struct ussd_menu *m = c ? ussd_menu_new(c->ussd) : NULL;
	struct ussd_menu_step st;

	CHECK(m != NULL);
	if (!m)
		goto out;
	CHECK_EQ_INT(req(m, c->ussd, "a", "", 0, &st), 0);
	CHECK_EQ_INT(req(m, c->ussd, "b", "", 1000, &st), 0);
	CHECK_EQ_INT(req(m, c->ussd, "c", "", 2000, &st), 0);
	CHECK_EQ_INT(req(m, c->ussd, "a", "1", 3000, &st), 0); /* a is now the most recent */
	CHECK_EQ_INT(ussd_menu_sessions(m), 3);
	CHECK_EQ_INT(req(m, c->ussd, "d", "", 4000, &st), 0);   /* evicts b */
	CHECK_EQ_INT(ussd_menu_sessions(m), 3);
	/* b is forgotten: another number may use its id, and it is not expired */
	CHECK_EQ_INT(ussd_menu_step(m, "b", NULL, "+84900000001", "1", 60000, &st), 0);
	CHECK_EQ_STR(st.screen, "CON S\n1. Stop\n0. Quay lai");
	/* that evicted c (least recently seen); a and d are remembered */
	CHECK_EQ_INT(ussd_menu_step(m, "a", NULL, "+84900000001", "1", 60000, &st), -EPERM);
	CHECK_EQ_INT(ussd_menu_step(m, "d", NULL, "+84900000001", "1", 60000, &st), -EPERM);
	/* a is remembered and idle since 3000: over */
	CHECK_EQ_INT(req(m, c->ussd, "a", "1*1", 60000, &st), 0);
	CHECK_EQ_STR(st.screen, "END Phien da het han. Vui long quay so lai.");
	CHECK_EQ_INT(ussd_menu_step(m, "c", NULL, "+84900000001", "1", 60000, &st), 0);
	CHECK_EQ_INT(ussd_menu_sessions(m), 3);
	/* c took a's place (a was the least recently seen) */
	CHECK_EQ_INT(req(m, c->ussd, "a", "1*1", 60000, &st), 0);
	CHECK_EQ_STR(st.screen, "END Bye");
	CHECK_EQ_INT(st.action, USSD_MENU_OPTOUT);
	/* many sessions through a table of 3 */
	for (int i = 0; i < 1000; i++) {
		char sid[16];

		snprintf(sid, sizeof(sid), "n%d", i);
		CHECK_EQ_INT(req(m, c->ussd, sid, i % 2 ? "1*1" : "1", 70000 + i, &st), 0);
	}
	CHECK_EQ_INT(ussd_menu_sessions(m), 3);
out:
	ussd_menu_free(m);
	conf_free(c);
}

/* The gateway failed to file the report: the session is forgotten, a retry runs it again. */
static void
test_fail_then_retry(void)
{
	struct loa_conf *c;
	struct ussd_menu *m = example_menu(&c);
	struct ussd_menu_step st;

	if (!m)
		goto out;
	CHECK_EQ_INT(req(m, c->ussd, "f", "1*3*abc", 0, &st), 0);
	CHECK_EQ_INT(st.action, USSD_MENU_REPORT);
	ussd_menu_fail(m, "f", &st);
	CHECK(st.end);
	CHECK_EQ_INT(st.action, USSD_MENU_NONE);
	CHECK_EQ_STR(st.screen, "END He thong dang ban. Vui long thu lai sau.");
	CHECK_EQ_INT(ussd_menu_sessions(m), 0);
	CHECK_EQ_INT(req(m, c->ussd, "f", "1*3*abc", 1000, &st), 0);
	CHECK_EQ_INT(st.action, USSD_MENU_REPORT);
	CHECK(!st.replayed);
	/* a finished session replays without completion too; {ticket} is dropped */
	CHECK_EQ_INT(req(m, c->ussd, "f", "1*3*abc", 2000, &st), 0);
	CHECK(st.replayed);
	CHECK_EQ_STR(st.screen, "END Da ghi nhan phan anh. Ma so: . Cam on ban.");
out:
	ussd_menu_free(m);
	conf_free(c);
}

static void
test_refused_requests(void)
{
	struct loa_conf *c;
	struct ussd_menu *m = example_menu(&c);
	struct ussd_menu_step st;
	char longid[200];

	if (!m)
		goto out;
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	CHECK_EQ_INT(ussd_menu_step(m, "", "*123#", PHONE, "", 0, &st), -EINVAL);
	CHECK_EQ_STR(st.screen, "END He thong dang ban. Vui long thu lai sau.");
	CHECK_EQ_INT(ussd_menu_step(m, NULL, "*123#", PHONE, "", 0, &st), -EINVAL);
	CHECK_EQ_INT(ussd_menu_step(m, longid, "*123#", PHONE, "", 0, &st), -EINVAL);
	CHECK_EQ_INT(ussd_menu_step(m, "s", "*123#", "", "", 0, &st), -EINVAL);
	CHECK_EQ_INT(ussd_menu_step(m, "s", "*123#", NULL, "", 0, &st), -EINVAL);
	CHECK_EQ_INT(ussd_menu_step(m, "s", "*123#", PHONE, "1*1*\xc3\x28", 0, &st), -EINVAL);
	CHECK_EQ_INT(ussd_menu_step(m, "s", "*123#", PHONE, "1*1*\xed\xa0\x80", 0, &st), -EINVAL);
	CHECK_EQ_INT(ussd_menu_step(m, "s", "*124#", PHONE, "", 0, &st), -ENOENT);
	CHECK(st.end);
	CHECK_EQ_INT(ussd_menu_step(m, "s", "*1234#", PHONE, "", 0, &st), -ENOENT);
	CHECK_EQ_INT(ussd_menu_step(m, "s", "*123*#", PHONE, "", 0, &st), -ENOENT);
	CHECK_EQ_INT(ussd_menu_sessions(m), 0);
	/* choices dialled with the code */
	CHECK_EQ_INT(ussd_menu_step(m, "s", "*123*1*2#", PHONE, "", 0, &st), 0);
	CHECK_EQ_STR(st.screen, "CON Nhap noi dung tin gia ve dich benh. 0: quay lai");
	CHECK_EQ_INT(ussd_menu_step(m, "s", "*123*1*2#", PHONE, "Thuoc la*", 0, &st), 0);
	CHECK_EQ_INT(st.action, USSD_MENU_REPORT);
	CHECK_EQ_STR(st.report_text, "Thuoc la*");
	CHECK_EQ_INT(ussd_menu_step(m, "t", "*123*3#", PHONE, NULL, 0, &st), 0);
	CHECK_EQ_INT(st.action, USSD_MENU_OPTOUT);
	/* Vietnamese typed with diacritics is fine */
	CHECK_EQ_INT(ussd_menu_step(m, "u", "", PHONE, "1*1*Lừa đảo chuyển khoản", 0, &st), 0);
	CHECK_EQ_STR(st.report_text, "Lừa đảo chuyển khoản");
out:
	ussd_menu_free(m);
	conf_free(c);
}

/* A long free text is cut to report_text's size on a character boundary. */
static void
test_long_text(void)
{
	struct loa_conf *c;
	struct ussd_menu *m = example_menu(&c);
	struct ussd_menu_step st;
	char text[4096] = "1*1*";

	if (!m)
		goto out;
	while (strlen(text) + 3 < sizeof(text))
		strcat(text, "ự"); /* 3 bytes */
	CHECK_EQ_INT(req(m, c->ussd, "l", text, 0, &st), 0);
	CHECK_EQ_INT(st.action, USSD_MENU_REPORT);
	CHECK(strlen(st.report_text) <= USSD_MENU_TEXT_SIZE - 1);
	CHECK(strlen(st.report_text) > USSD_MENU_TEXT_SIZE - 5);
	CHECK_EQ_INT(strlen(st.report_text) % 3, 0);
	CHECK(valid_utf8(st.report_text));
out:
	ussd_menu_free(m);
	conf_free(c);
}

/* Help, reply and categories inherited from a menu; a deep menu of 8 levels. */
static void
test_leaf_kinds(void)
{
	struct loa_conf *c = load_text(
		"ussd = { menu = { title = \"M\"; options = (\n"
		" { key = \"1\"; label = \"HD\"; kind = \"action\"; action = \"help\"; "
		"text = \"Quay *123#\"; },\n"
		" { key = \"2\"; label = \"LH\"; kind = \"action\"; action = \"reply\"; "
		"text = \"Lien he UBND\"; },\n"
		" { key = \"3\"; label = \"T\"; category = \"tong\"; title = \"T\"; options = (\n"
		"   { key = \"12\"; label = \"x\"; kind = \"input\"; title = \"Nhap\"; "
		"action = \"report\"; text = \"OK {ticket}\"; } ); },\n"
		" { key = \"4\"; label = \"L2\"; title = \"2\"; options = (\n"
		"  { key = \"1\"; label = \"3\"; title = \"3\"; options = (\n"
		"   { key = \"1\"; label = \"4\"; title = \"4\"; options = (\n"
		"    { key = \"1\"; label = \"5\"; title = \"5\"; options = (\n"
		"     { key = \"1\"; label = \"6\"; title = \"6\"; options = (\n"
		"      { key = \"1\"; label = \"7\"; title = \"7\"; options = (\n"
		"       { key = \"1\"; label = \"8\"; kind = \"input\"; category = \"sau\";\n"
		"         title = \"8\"; action = \"report\"; text = \"OK\"; }\n"
		" ); } ); } ); } ); } ); } ); } ); }; };");
	struct ussd_menu *m = c ? ussd_menu_new(c->ussd) : NULL;
	struct ussd_menu_step st;

	CHECK(m != NULL);
	if (!m)
		goto out;
	CHECK_EQ_INT(req(m, c->ussd, "h", "1", 0, &st), 0);
	CHECK_EQ_INT(st.action, USSD_MENU_HELP);
	CHECK_EQ_STR(st.screen, "END Quay *123#");
	CHECK_EQ_INT(req(m, c->ussd, "r", "2", 0, &st), 0);
	CHECK_EQ_INT(st.action, USSD_MENU_NONE);
	CHECK(st.end);
	CHECK_EQ_STR(st.screen, "END Lien he UBND");
	CHECK_EQ_INT(req(m, c->ussd, "t", "3*12*noi dung", 0, &st), 0);
	CHECK_EQ_INT(st.action, USSD_MENU_REPORT);
	CHECK_EQ_STR(st.category, "tong");
	CHECK_EQ_INT(req(m, c->ussd, "d", "4*1*1*1*1*1", 0, &st), 0);
	CHECK_EQ_STR(st.screen, "CON 7\n1. 8\n0. Quay lai");
	CHECK_EQ_INT(req(m, c->ussd, "d", "4*1*1*1*1*1*1*sau", 0, &st), 0);
	CHECK_EQ_STR(st.category, "sau");
	CHECK_EQ_STR(st.report_text, "sau");
	CHECK_EQ_INT(req(m, c->ussd, "d2", "4*1*1*1*1*1*1*0*0*0*0*0*0", 0, &st), 0);
	CHECK_EQ_STR(st.screen, "CON 2\n1. 3\n0. Quay lai");
	CHECK_EQ_INT(ussd_menu_action_name(USSD_MENU_OPTIN)[0], 'o');
	CHECK_EQ_STR(ussd_menu_action_name(_USSD_MENU_ACTION_COUNT), "?");
out:
	ussd_menu_free(m);
	conf_free(c);
}

/* Every screen reachable with up to 5 answers from a set, in both shipped files, fits. */
static void
test_every_screen_fits(void)
{
	static const char *const files[] = { "conf/loa.conf", "conf/loa.conf.example" };
	static const char *const answers[] = { "1", "2", "3", "4", "0", "00", "9", "",
					       "Tin *gia* ve vaccine" };
	const size_t na = sizeof(answers) / sizeof(answers[0]);

	for (size_t f = 0; f < 2; f++) {
		struct loa_conf *c = load_file(files[f]);
		struct ussd_menu *m = c ? ussd_menu_new(c->ussd) : NULL;
		size_t screens = 0, total = 1;

		CHECK(m != NULL);
		if (!m) {
			conf_free(c);
			continue;
		}
		for (int d = 0; d < 5; d++)
			total *= na;
		for (size_t k = 0; k < total; k++) {
			char hist[512] = "";
			struct ussd_menu_step st;
			size_t x = k;

			for (int d = 0; d < 5; d++, x /= na)
				snprintf(hist + strlen(hist), sizeof(hist) - strlen(hist), "%s%s",
					 d ? "*" : "", answers[x % na]);
			req(m, c->ussd, "w", hist, 0, &st);
			ussd_menu_fail(m, "w", &st); /* forget it: every history is a fresh walk */
			screens++;
		}
		CHECK_EQ_INT(screens, total);
		ussd_menu_free(m);
		conf_free(c);
	}
}

/* The engine keeps its bound even for a configuration conf_load() would refuse. */
static void
test_bound_without_conf_checks(void)
{
	struct loa_conf *c = load_file("conf/loa.conf.example");
	struct ussd_menu *m;
	struct ussd_menu_step st;
	struct conf_ussd_node *pages;

	if (!c)
		return;
	pages = &c->ussd->menu->options[1];
	c->ussd->max_screen_chars = 40;
	CHECK(ussd_menu_new(c->ussd) == NULL); /* pages with no room */
	pages->kind = CONF_USSD_ACTION;        /* now only menus too long for 40 */
	pages->action = CONF_ACTION_REPLY;
	m = ussd_menu_new(c->ussd);
	CHECK(m != NULL);
	if (m) {
		CHECK_EQ_INT(req(m, c->ussd, "z", "", 0, &st), 0);
		CHECK_EQ_INT(chars(st.screen), 40);
		CHECK_EQ_INT(req(m, c->ussd, "z2", "2", 0, &st), 0);
		CHECK(st.end);
		CHECK_EQ_INT(chars(st.screen), 40);
		CHECK_EQ_INT(req(m, c->ussd, "z3", "1*1*abc", 0, &st), 0);
		CHECK_EQ_INT(ussd_menu_complete(m, "z3", "ABCDEF", &st), 0);
		CHECK(chars(st.screen) <= 40);
	}
	ussd_menu_free(m);
	CHECK(ussd_menu_new(NULL) == NULL);
	ussd_menu_free(NULL);
	CHECK_EQ_INT(ussd_menu_sessions(NULL), 0);
	conf_free(c);
}

TEST_MAIN("ussd_menu", TEST_CASE(test_first_dial), TEST_CASE(test_report_session),
	  TEST_CASE(test_optout_optin), TEST_CASE(test_invalid_choice),
	  TEST_CASE(test_back_and_main), TEST_CASE(test_empty_input), TEST_CASE(test_pages),
	  TEST_CASE(test_pages_marks), TEST_CASE(test_pages_at_spaces), TEST_CASE(test_expiry),
	  TEST_CASE(test_session_other_phone), TEST_CASE(test_eviction),
	  TEST_CASE(test_fail_then_retry), TEST_CASE(test_refused_requests),
	  TEST_CASE(test_long_text), TEST_CASE(test_leaf_kinds), TEST_CASE(test_every_screen_fits),
	  TEST_CASE(test_bound_without_conf_checks))
