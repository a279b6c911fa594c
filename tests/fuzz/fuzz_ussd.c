/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_ussd — the USSD menu engine on aggregator requests: the input is split at NUL bytes
 * into sessionId, phoneNumber and text (the choices joined by '*'), run against the menu of
 * conf/loa.conf with a clock that moves by the input. Invariants: every answer starts with
 * "CON " or "END ", is valid UTF-8 and stays within max_screen_chars code points; an action is
 * only asked for with an END screen.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "common/log.h"
#include "conf/conf.h"
#include "gateway/ussd_menu.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct loa_conf *conf;
static struct ussd_menu *menu;
static int64_t clock_ms = 1796000000000LL;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];

	log_init("fuzz_ussd", LOG_ERROR, false, false);
	if (conf_load("conf/loa.conf", &conf, err, sizeof(err)) < 0 || !conf->ussd) {
		fprintf(stderr, "fuzz_ussd: conf/loa.conf with a ussd group is needed: %s\n", err);
		abort();
	}
	menu = ussd_menu_new(conf->ussd);
	if (!menu)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[4096];
	struct ussd_menu_step step;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	const char *sid = buf, *phone = "+84912000001", *text = "";
	char *z = memchr(buf, '\0', size);
	if (z && z + 1 < buf + size) {
		phone = z + 1;
		char *z2 = memchr(z + 1, '\0', (size_t)(buf + size - (z + 1)));
		if (z2 && z2 + 1 <= buf + size)
			text = z2 + 1;
	}
	clock_ms += size * 1000; /* sessions expire now and then */
	int rc = ussd_menu_step(menu, sid, "*123#", phone, text, clock_ms, &step);
	if (strncmp(step.screen, "CON ", 4) != 0 && strncmp(step.screen, "END ", 4) != 0)
		abort();
	utf8proc_ssize_t n = 0, len = (utf8proc_ssize_t)strlen(step.screen);
	for (utf8proc_ssize_t i = 0; i < len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const uint8_t *)step.screen + i, len - i, &cp);
		if (k <= 0)
			abort(); /* invalid UTF-8 sent to a phone */
		i += k;
		n++;
	}
	if (n > conf->ussd->max_screen_chars)
		abort();
	if (rc == 0 && step.action != USSD_MENU_NONE && !step.replayed && !step.end)
		abort();
	if (rc == 0 && step.action == USSD_MENU_REPORT)
		ussd_menu_complete(menu, sid, "ABC234", &step);
	return 0;
}
