/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_ussd — cross-checks of the USSD menu tree after conf.c has read it: every node has the
 * fields its kind needs and none it does not, every fixed screen fits max_screen_chars, the
 * tree is at most CONF_USSD_DEPTH_MAX deep, and {ticket} appears only where a report is filed.
 * Errors are "FILE:LINE: what is wrong", through conf_fail().
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/conf_int.h"

/* ---- USSD menu checks ---- */

/* Optional fields of a USSD node, as bits of what each kind needs and allows. */
enum {
	CONF_UF_TITLE = 1 << 0,
	CONF_UF_TEXT = 1 << 1,
	CONF_UF_CATEGORY = 1 << 2,
	CONF_UF_ACTION = 1 << 3,
	CONF_UF_OPTIONS = 1 << 4,
};

static const struct {
	const char *key;
	unsigned int bit;
} conf_ussd_fields[] = {
	{ "title", CONF_UF_TITLE },	  { "text", CONF_UF_TEXT },
	{ "category", CONF_UF_CATEGORY }, { "action", CONF_UF_ACTION },
	{ "options", CONF_UF_OPTIONS },
};

static const struct {
	unsigned int need, allow;
	const char *need_text; /* what "text" is, in "needs a text (…)" */
} conf_ussd_kinds[] = {
	[CONF_USSD_MENU] = { CONF_UF_TITLE | CONF_UF_OPTIONS,
			     CONF_UF_TITLE | CONF_UF_OPTIONS | CONF_UF_CATEGORY, NULL },
	[CONF_USSD_INPUT] = { CONF_UF_TITLE | CONF_UF_ACTION | CONF_UF_TEXT,
			      CONF_UF_TITLE | CONF_UF_ACTION | CONF_UF_TEXT | CONF_UF_CATEGORY,
			      "the END screen" },
	[CONF_USSD_PAGES] = { CONF_UF_TITLE | CONF_UF_TEXT, CONF_UF_TITLE | CONF_UF_TEXT,
			      "the text to read" },
	[CONF_USSD_ACTION] = { CONF_UF_ACTION | CONF_UF_TEXT,
			       CONF_UF_ACTION | CONF_UF_TEXT | CONF_UF_CATEGORY, "the END screen" },
};

/* Code points of a screen text, "{ticket}" counting CONF_USSD_TICKET_CHARS. */
static size_t
conf_ussd_chars(const char *s)
{
	size_t n = conf_utf8_chars(s);

	for (const char *p = strstr(s, "{ticket}"); p; p = strstr(p + 8, "{ticket}"))
		n = n - 8 + CONF_USSD_TICKET_CHARS;
	return n;
}

int
conf_ussd_page_chars(const struct conf_ussd *u, const struct conf_ussd_node *pages)
{
	size_t head = conf_utf8_chars(pages->title ? pages->title : "") +
		      CONF_USSD_PAGE_SUFFIX_CHARS;
	size_t inv = conf_utf8_chars(u->invalid_text ? u->invalid_text : "");

	if (inv > head)
		head = inv;
	/* "CON " head "\n" body "\n1. " next "\n0. " back */
	return u->max_screen_chars - 4 - (int)head - 1 -
	       (4 + (int)conf_utf8_chars(u->next_label ? u->next_label : "")) -
	       (4 + (int)conf_utf8_chars(u->back_label ? u->back_label : ""));
}

/* An END screen ("END " + text) of setting s fits. */
static int
conf_ussd_check_end(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
		    const struct conf_ussd *u, const char *text)
{
	size_t n = 4 + conf_ussd_chars(text);

	if (n > (size_t)u->max_screen_chars)
		return conf_fail(ctx, s, "%s: the END screen has %zu characters, more than "
				 "max_screen_chars %d (counting \"END \"%s)", path, n,
				 u->max_screen_chars, strstr(text, "{ticket}") ?
				 " and {ticket} as 8" : "");
	return 0;
}

/* The END text of an input or action node: {ticket} is its only placeholder, for reports. */
static int
conf_ussd_check_template(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
			 enum conf_action action, const char *text)
{
	for (const char *p = strchr(text, '{'); p; p = strchr(p + 1, '{')) {
		const char *end = strchr(p, '}');
		int len = end ? (int)(end - p + 1) : (int)strlen(p);

		if (strncmp(p, "{ticket}", 8) != 0)
			return conf_fail(ctx, s, "%s: unknown placeholder \"%.*s\" (only {ticket} "
					 "expands)", path, len > 32 ? 32 : len, p);
		if (action != CONF_ACTION_REPORT)
			return conf_fail(ctx, s, "%s: {ticket} only expands for action \"report\"",
					 path);
	}
	return 0;
}

/* The screen a node shows fits max_screen_chars. */
static int
conf_ussd_check_screen(struct conf_ctx *ctx, const config_setting_t *g, const char *path,
		       const struct conf_ussd *u, const struct conf_ussd_node *nd, int level)
{
	const config_setting_t *ts = config_setting_get_member(g, "text");
	char sub[CONF_PATH_LEN];
	size_t n;
	int page;

	conf_join(sub, path, "text");
	switch (nd->kind) {
	case CONF_USSD_MENU:
		/* "CON " invalid "\n" title ("\n" key ". " label)* ["\n0. " back] */
		n = 4 + conf_utf8_chars(u->invalid_text) + 1 + conf_utf8_chars(nd->title);
		for (size_t i = 0; i < nd->n_options; i++) /* a missing key: the option's error */
			n += 1 + strlen(nd->options[i].key ? nd->options[i].key : "") + 2 +
			     conf_utf8_chars(nd->options[i].label ? nd->options[i].label : "");
		if (level > 1)
			n += 4 + conf_utf8_chars(u->back_label);
		if (n > (size_t)u->max_screen_chars)
			return conf_fail(ctx, g, "%s: the menu screen has %zu characters, more "
					 "than max_screen_chars %d (counting \"CON \", the "
					 "invalid-choice line%s)", path, n, u->max_screen_chars,
					 level > 1 ? " and \"0. <back_label>\"" : "");
		return 0;
	case CONF_USSD_INPUT:
		n = 4 + conf_utf8_chars(u->empty_text) + 1 + conf_utf8_chars(nd->title);
		if (n > (size_t)u->max_screen_chars)
			return conf_fail(ctx, config_setting_get_member(g, "title"),
					 "%s.title: the prompt screen has %zu characters, more "
					 "than max_screen_chars %d (counting \"CON \" and the "
					 "empty-answer line)", path, n, u->max_screen_chars);
		return conf_ussd_check_end(ctx, ts, sub, u, nd->text);
	case CONF_USSD_ACTION:
		return conf_ussd_check_end(ctx, ts, sub, u, nd->text);
	case CONF_USSD_PAGES:
		page = conf_ussd_page_chars(u, nd);
		if (page < CONF_USSD_PAGE_MIN_CHARS)
			return conf_fail(ctx, g, "%s: a page has room for %d characters of "
					 "text, fewer than %d: shorten the title, invalid_text, "
					 "next_label or back_label, or raise max_screen_chars",
					 path, page, CONF_USSD_PAGE_MIN_CHARS);
		n = conf_utf8_chars(nd->text);
		if (n > (size_t)page * (CONF_USSD_PAGES_MAX / 2))
			return conf_fail(ctx, ts, "%s: has %zu characters, more than the %d that "
					 "surely fit in %d pages", sub, n,
					 page * (CONF_USSD_PAGES_MAX / 2), CONF_USSD_PAGES_MAX);
		return 0;
	}
	return 0;
}

/*
 * Node `nd` read from group g at menu level `level` (the main menu is 1), then its options:
 * the fields its kind needs and allows, unique option keys, the depth, screen sizes.
 */
static int
conf_ussd_check_node(struct conf_ctx *ctx, const config_setting_t *g, const char *path,
		     const struct conf_ussd *u, const struct conf_ussd_node *nd, int level)
{
	const config_setting_t *list = config_setting_get_member(g, "options");
	const char *kind = conf_ussd_kind_name(nd->kind);
	unsigned int need = conf_ussd_kinds[nd->kind].need;
	unsigned int allow = conf_ussd_kinds[nd->kind].allow;
	int rc;

	if (level > CONF_USSD_DEPTH_MAX)
		return conf_fail(ctx, g, "%s: too deep: menus nest at most %d levels (the main "
				 "menu is level 1)", path, CONF_USSD_DEPTH_MAX);
	if (level == 1 && nd->kind != CONF_USSD_MENU)
		return conf_fail(ctx, config_setting_get_member(g, "kind"), "%s.kind: the main "
				 "menu must be of kind \"menu\"", path);
	for (size_t i = 0; i < 2; i++) {
		static const char *const keys[] = { "key", "label" };
		const config_setting_t *m = config_setting_get_member(g, keys[i]);

		if (level == 1 && m)
			return conf_fail(ctx, m, "%s.%s: the main menu has no %s", path, keys[i],
					 keys[i]);
		if (level > 1 && !m)
			return conf_fail(ctx, g, "%s: missing required key \"%s\"", path, keys[i]);
	}
	for (size_t i = 0; i < sizeof(conf_ussd_fields) / sizeof(conf_ussd_fields[0]); i++) {
		const config_setting_t *m = config_setting_get_member(g, conf_ussd_fields[i].key);
		unsigned int bit = conf_ussd_fields[i].bit;

		if (m && !(allow & bit))
			return conf_fail(ctx, m, "%s.%s: not used by kind \"%s\"", path,
					 conf_ussd_fields[i].key, kind);
		if (m || !(need & bit))
			continue;
		if (bit == CONF_UF_TEXT)
			return conf_fail(ctx, g, "%s: kind \"%s\" needs a text (%s)", path, kind,
					 conf_ussd_kinds[nd->kind].need_text);
		return conf_fail(ctx, g, "%s: kind \"%s\" needs %s", path, kind,
				 bit == CONF_UF_TITLE ? "a title" : bit == CONF_UF_ACTION ?
				 "an action" : "options ( { key = ...; label = ...; }, ... )");
	}
	if (nd->kind == CONF_USSD_ACTION && nd->action == CONF_ACTION_REPORT)
		return conf_fail(ctx, config_setting_get_member(g, "action"), "%s.action: a "
				 "report needs the citizen's text: use kind \"input\"", path);
	if (nd->text && (nd->kind == CONF_USSD_INPUT || nd->kind == CONF_USSD_ACTION)) {
		char sub[CONF_PATH_LEN];

		conf_join(sub, path, "text");
		rc = conf_ussd_check_template(ctx, config_setting_get_member(g, "text"), sub,
					      nd->action, nd->text);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < nd->n_options; i++)
		for (size_t k = 0; k < i; k++)
			if (strcmp(nd->options[i].key, nd->options[k].key) == 0)
				return conf_fail(ctx, conf_elem_member(list, i, "key"),
						 "%s.options[%zu].key: key \"%s\" is already "
						 "used by %s.options[%zu]", path, i,
						 nd->options[i].key, path, k);
	rc = conf_ussd_check_screen(ctx, g, path, u, nd, level);
	for (size_t i = 0; rc == 0 && i < nd->n_options; i++) {
		char sub[CONF_PATH_LEN];

		conf_path_done(sub, snprintf(sub, CONF_PATH_LEN, "%s.options[%zu]", path, i));
		rc = conf_ussd_check_node(ctx, conf_elem_member(list, i, NULL), sub, u,
					  &nd->options[i], level + 1);
	}
	return rc;
}

int
conf_post_ussd(struct conf_ctx *ctx, const config_setting_t *g, const char *path, void *base)
{
	const struct conf_ussd *u = base;
	const char *names[] = { "expired_text", "error_text" };
	const char *texts[] = { u->expired_text, u->error_text };
	char sub[CONF_PATH_LEN];
	int rc;

	for (size_t i = 0; i < 2; i++) {
		const config_setting_t *s = config_setting_get_member(g, names[i]);

		conf_join(sub, path, names[i]);
		rc = conf_ussd_check_end(ctx, s ? s : g, sub, u, texts[i]);
		if (rc)
			return rc;
	}
	conf_join(sub, path, "menu");
	return conf_ussd_check_node(ctx, config_setting_get_member(g, "menu"), sub, u, u->menu,
				    1);
}

