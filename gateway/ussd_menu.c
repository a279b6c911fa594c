/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ussd_menu — the citizens' USSD menu engine: from an aggregator callback to the screen to
 * answer and the intake action to perform (see ussd_menu.h for the contract).
 *
 * DESIGN
 * Aggregators send the whole history of a session in `text` ("1*2*noi dung"), so the engine
 * keeps no position: each call replays the tokens from the main menu on a small walk state
 * (a stack of nodes no deeper than CONF_USSD_DEPTH_MAX, a page number, the last error).
 * A restarted gateway, or a session evicted from the table, therefore continues where it was.
 *
 * Free text is the one ambiguity: a citizen may type '*' in a report, and nothing in `text`
 * tells that star from a separator. An input therefore takes the whole rest of `text`, and
 * conf_load() only allows an input as the last step (the input node carries the action and
 * the END text itself). An earlier empty answer leaves a leading '*', which is dropped.
 *
 * The session table is a fixed pool of cfg->max_sessions entries, found through a hash of
 * the session id (chained) and kept in least-recently-seen order on a doubly linked list; a
 * new session takes a free entry or evicts the least recently seen one. It answers what the
 * text cannot: idle expiry (session_timeout_s since the last request), a session id coming
 * from a second phone number (refused), and a finished session asked again (the aggregator
 * retried an HTTP call): it gets its last screen back and no action runs twice.
 *
 * Pages are cut once, at ussd_menu_new(), into pieces of at most conf_ussd_page_chars() code
 * points: at the last space or line break in the second half of the room, else right at the
 * room's end but never inside a UTF-8 sequence or before a combining mark. Every piece but the
 * last takes at least half the room, which is why conf_load() caps a text at
 * CONF_USSD_PAGES_MAX / 2 rooms: it then fits in CONF_USSD_PAGES_MAX pages, whose " (k/n)"
 * suffix has at most CONF_USSD_PAGE_SUFFIX_CHARS characters.
 * Every screen is written through a writer that counts code points and stops at
 * max_screen_chars, a guarantee that holds even for a configuration conf_load() did not check.
 */
#include "gateway/ussd_menu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "common/util.h"

/* ---- the menu tree with its pages cut ---- */

struct ussd_page {
	size_t off, len; /* bytes of the node's text */
};

struct ussd_node {
	const struct conf_ussd_node *c; /* borrowed from the configuration */
	struct ussd_node *kids;         /* owned; c->n_options of them */
	struct ussd_page *pages;        /* owned; pages nodes only */
	size_t n_pages;
};

/* ---- sessions ---- */

struct ussd_session {
	char id[USSD_MENU_SESSION_ID_MAX + 1];
	char phone[USSD_MENU_PHONE_MAX + 1];
	int64_t started_ms, seen_ms;
	bool ended;   /* an END screen was sent; `final` is it */
	bool expired; /* idle too long; every later request gets expired_text */
	char *final;  /* owned */
	struct ussd_session *hnext;       /* hash chain, or the free list */
	struct ussd_session *prev, *next; /* least-recently-seen order, most recent first */
};

struct ussd_menu {
	const struct conf_ussd *cfg; /* borrowed */
	struct ussd_node root;
	struct ussd_session *pool;   /* owned; cfg->max_sessions entries */
	size_t cap, n_used;
	struct ussd_session **buckets; /* owned; n_buckets, a power of two */
	size_t n_buckets;
	struct ussd_session *head, *tail, *free_list;
};

static const char *const ussd_menu_action_names[] = {
	[USSD_MENU_NONE] = "none",     [USSD_MENU_REPORT] = "report",
	[USSD_MENU_OPTOUT] = "optout", [USSD_MENU_OPTIN] = "optin",
	[USSD_MENU_HELP] = "help",
};

const char *
ussd_menu_action_name(enum ussd_menu_action a)
{
	if ((unsigned int)a >= _USSD_MENU_ACTION_COUNT)
		return "?";
	return ussd_menu_action_names[a];
}

/* ---- UTF-8 ---- */

/* Bytes of the sequence that starts with lead byte c (text already known to be valid). */
static size_t
ussd_seq_len(unsigned char c)
{
	if (c < 0xc0)
		return 1;
	if (c < 0xe0)
		return 2;
	if (c < 0xf0)
		return 3;
	return 4;
}

static bool
ussd_utf8_valid(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;

	while (*p) {
		utf8proc_ssize_t n = utf8proc_iterate(p, -1, &cp);

		if (n <= 0)
			return false;
		p += n;
	}
	return true;
}

/* Is the code point at s (valid UTF-8) a combining mark, which must stay with its base? */
static bool
ussd_is_mark(const char *s)
{
	utf8proc_int32_t cp;
	utf8proc_category_t cat;

	if (utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &cp) <= 0)
		return false;
	cat = utf8proc_category(cp);
	return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
	       cat == UTF8PROC_CATEGORY_ME;
}

static bool
ussd_is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Copy at most n bytes of valid UTF-8 src into dst[size], never cutting a sequence. */
static void
ussd_copy_utf8(char *dst, size_t size, const char *src, size_t n)
{
	size_t len = 0;

	while (len < n && src[len]) {
		size_t k = ussd_seq_len((unsigned char)src[len]);

		if (len + k > n || len + k >= size)
			break;
		len += k;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* ---- a screen writer bounded in bytes and code points ---- */

struct ussd_out {
	char *buf;
	size_t size, len;         /* bytes */
	size_t chars, max_chars;  /* code points */
};

static void
ussd_out_init(struct ussd_out *o, char *buf, size_t size, size_t max_chars)
{
	o->buf = buf;
	o->size = size;
	o->len = 0;
	o->chars = 0;
	o->max_chars = max_chars;
	buf[0] = '\0';
}

/* Append at most n bytes of valid UTF-8 s, whole code points only, within the bounds. */
static void
ussd_out_putn(struct ussd_out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i];) {
		size_t k = ussd_seq_len((unsigned char)s[i]);

		if (i + k > n || o->chars >= o->max_chars || o->len + k >= o->size)
			break;
		memcpy(o->buf + o->len, s + i, k);
		o->len += k;
		o->chars++;
		i += k;
	}
	o->buf[o->len] = '\0';
}

static void
ussd_out_put(struct ussd_out *o, const char *s)
{
	ussd_out_putn(o, s, strlen(s));
}

/* ---- building the tree ---- */

/* Cut n->c->text into pages of at most `room` code points (see DESIGN). */
static int
ussd_paginate(struct ussd_node *n, size_t room)
{
	const char *t = n->c->text;
	size_t len = strlen(t), pos = 0, cap = 0;

	for (;;) {
		size_t i, chars = 0, brk = 0, cut, end;

		while (pos < len && ussd_is_space(t[pos]))
			pos++;
		if (pos >= len)
			break;
		for (i = pos; i < len && chars < room; chars++) {
			if (ussd_is_space(t[i]) && 2 * chars >= room)
				brk = i;
			i += ussd_seq_len((unsigned char)t[i]);
		}
		if (i >= len) {
			cut = len;
		} else if (ussd_is_space(t[i])) {
			cut = i;
		} else if (brk) {
			cut = brk;
		} else {
			/* no space: cut at the room's end, keeping marks with their base */
			size_t back = 0;

			cut = i;
			while (ussd_is_mark(t + cut) && 2 * (back + 1) < room) {
				do
					cut--;
				while (((unsigned char)t[cut] & 0xc0) == 0x80);
				back++;
			}
		}
		for (end = cut; end > pos && ussd_is_space(t[end - 1]); end--)
			;
		if (n->n_pages == cap) {
			struct ussd_page *p;

			cap = cap ? 2 * cap : 4;
			p = realloc(n->pages, cap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			n->pages = p;
		}
		n->pages[n->n_pages].off = pos;
		n->pages[n->n_pages].len = end - pos;
		n->n_pages++;
		pos = cut;
	}
	return 0;
}

static void
ussd_node_release(struct ussd_node *n)
{
	if (n->kids)
		for (size_t i = 0; i < n->c->n_options; i++)
			ussd_node_release(&n->kids[i]);
	free(n->kids);
	free(n->pages);
}

static int
ussd_node_build(const struct conf_ussd *cfg, struct ussd_node *n, const struct conf_ussd_node *c,
		int level)
{
	int rc;

	n->c = c;
	if (level > CONF_USSD_DEPTH_MAX)
		return -EINVAL;
	switch (c->kind) {
	case CONF_USSD_MENU:
		if (!c->title || !c->n_options)
			return -EINVAL;
		n->kids = calloc(c->n_options, sizeof(*n->kids));
		if (!n->kids)
			return -ENOMEM;
		for (size_t i = 0; i < c->n_options; i++) {
			if (!c->options[i].key || !c->options[i].label)
				return -EINVAL;
			rc = ussd_node_build(cfg, &n->kids[i], &c->options[i], level + 1);
			if (rc)
				return rc;
		}
		return 0;
	case CONF_USSD_PAGES:
		rc = conf_ussd_page_chars(cfg, c);
		if (!c->title || !c->text || rc < CONF_USSD_PAGE_MIN_CHARS)
			return -EINVAL;
		return ussd_paginate(n, (size_t)rc);
	case CONF_USSD_INPUT:
		if (!c->title)
			return -EINVAL;
		/* fall through */
	case CONF_USSD_ACTION:
		return c->text ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static size_t
ussd_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (size_t)h;
}

struct ussd_menu *
ussd_menu_new(const struct conf_ussd *cfg)
{
	struct ussd_menu *m;

	if (!cfg || !cfg->menu || cfg->menu->kind != CONF_USSD_MENU || cfg->max_sessions < 1 ||
	    cfg->max_screen_chars < 8 || cfg->max_screen_chars > CONF_USSD_SCREEN_CHARS_MAX ||
	    !cfg->invalid_text || !cfg->empty_text || !cfg->back_label || !cfg->next_label ||
	    !cfg->expired_text || !cfg->error_text)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cfg = cfg;
	m->cap = (size_t)cfg->max_sessions;
	for (m->n_buckets = 16; m->n_buckets < m->cap; m->n_buckets *= 2)
		;
	m->pool = calloc(m->cap, sizeof(*m->pool));
	m->buckets = calloc(m->n_buckets, sizeof(*m->buckets));
	if (!m->pool || !m->buckets || ussd_node_build(cfg, &m->root, cfg->menu, 1) != 0) {
		ussd_menu_free(m);
		return NULL;
	}
	for (size_t i = m->cap; i-- > 0;) {
		m->pool[i].hnext = m->free_list;
		m->free_list = &m->pool[i];
	}
	return m;
}

void
ussd_menu_free(struct ussd_menu *m)
{
	if (!m)
		return;
	if (m->root.c)
		ussd_node_release(&m->root);
	for (size_t i = 0; m->pool && i < m->cap; i++)
		free(m->pool[i].final);
	free(m->pool);
	free(m->buckets);
	free(m);
}

/* ---- the session table ---- */

static struct ussd_session *
ussd_session_find(struct ussd_menu *m, const char *id)
{
	struct ussd_session *s = m->buckets[ussd_hash(id) & (m->n_buckets - 1)];

	while (s && strcmp(s->id, id) != 0)
		s = s->hnext;
	return s;
}

static void
ussd_lru_unlink(struct ussd_menu *m, struct ussd_session *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		m->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		m->tail = s->prev;
	s->prev = s->next = NULL;
}

static void
ussd_lru_push(struct ussd_menu *m, struct ussd_session *s)
{
	s->prev = NULL;
	s->next = m->head;
	if (m->head)
		m->head->prev = s;
	m->head = s;
	if (!m->tail)
		m->tail = s;
}

/* Take s out of the table and put it on the free list. */
static void
ussd_session_drop(struct ussd_menu *m, struct ussd_session *s)
{
	struct ussd_session **pp = &m->buckets[ussd_hash(s->id) & (m->n_buckets - 1)];

	while (*pp != s)
		pp = &(*pp)->hnext;
	*pp = s->hnext;
	ussd_lru_unlink(m, s);
	free(s->final);
	memset(s, 0, sizeof(*s));
	s->hnext = m->free_list;
	m->free_list = s;
	m->n_used--;
}

/* A new session (id and phone fit their buffers), evicting the least recently seen if full. */
static struct ussd_session *
ussd_session_add(struct ussd_menu *m, const char *id, const char *phone, int64_t now_ms)
{
	struct ussd_session *s, **bucket;

	if (!m->free_list)
		ussd_session_drop(m, m->tail);
	s = m->free_list;
	m->free_list = s->hnext;
	memset(s, 0, sizeof(*s));
	util_strlcpy(s->id, id, sizeof(s->id));
	util_strlcpy(s->phone, phone, sizeof(s->phone));
	s->started_ms = s->seen_ms = now_ms;
	bucket = &m->buckets[ussd_hash(id) & (m->n_buckets - 1)];
	s->hnext = *bucket;
	*bucket = s;
	ussd_lru_push(m, s);
	m->n_used++;
	return s;
}

size_t
ussd_menu_sessions(const struct ussd_menu *m)
{
	return m ? m->n_used : 0;
}

/* ---- replaying the history ---- */

enum ussd_err { USSD_ERR_NONE, USSD_ERR_INVALID, USSD_ERR_EMPTY };

struct ussd_walk {
	const struct ussd_node *stack[CONF_USSD_DEPTH_MAX]; /* stack[0] is the main menu */
	int depth;                   /* index of the current node */
	size_t page;                 /* current page of a pages node */
	enum ussd_err err;           /* what the last token did wrong */
	const struct ussd_node *leaf; /* an input or action reached: the session ends */
	const char *input;           /* input leaf: the citizen's text, trimmed */
	size_t input_len;
};

/* Token [p, p+len) trimmed of spaces equals s. */
static bool
ussd_token_is(const char *p, size_t len, const char *s)
{
	while (len && ussd_is_space(*p))
		p++, len--;
	while (len && ussd_is_space(p[len - 1]))
		len--;
	return len == strlen(s) && memcmp(p, s, len) == 0;
}

static void
ussd_walk_input(struct ussd_walk *w, const char *rest)
{
	size_t len;

	while (*rest == '*' || ussd_is_space(*rest))
		rest++;
	len = strlen(rest);
	while (len && ussd_is_space(rest[len - 1]))
		len--;
	if (!len) {
		w->err = USSD_ERR_EMPTY;
		return;
	}
	w->leaf = w->stack[w->depth];
	w->input = rest;
	w->input_len = len;
}

/* One menu choice or page command [tok, tok+len) on the current node. */
static void
ussd_walk_token(struct ussd_walk *w, const char *tok, size_t len)
{
	const struct ussd_node *cur = w->stack[w->depth];

	w->err = USSD_ERR_NONE;
	if (ussd_token_is(tok, len, "00")) {
		w->depth = 0;
		w->page = 0;
		return;
	}
	if (ussd_token_is(tok, len, "0")) {
		if (cur->c->kind == CONF_USSD_PAGES && w->page > 0)
			w->page--;
		else if (w->depth > 0)
			w->depth--, w->page = 0;
		else
			w->err = USSD_ERR_INVALID;
		return;
	}
	if (cur->c->kind == CONF_USSD_PAGES) {
		if (ussd_token_is(tok, len, "1") && w->page + 1 < cur->n_pages)
			w->page++;
		else
			w->err = USSD_ERR_INVALID;
		return;
	}
	for (size_t i = 0; i < cur->c->n_options; i++) {
		const struct ussd_node *kid = &cur->kids[i];

		if (!ussd_token_is(tok, len, kid->c->key))
			continue;
		if (kid->c->kind == CONF_USSD_ACTION) {
			w->leaf = kid;
		} else if (w->depth + 1 < CONF_USSD_DEPTH_MAX) {
			w->stack[++w->depth] = kid;
			w->page = 0;
		} else {
			w->err = USSD_ERR_INVALID; /* deeper than conf_load() allows */
		}
		return;
	}
	w->err = USSD_ERR_INVALID;
}

/* Replay the whole history `text` from the main menu. */
static void
ussd_walk(struct ussd_walk *w, const struct ussd_node *root, const char *text)
{
	const char *p = text;

	memset(w, 0, sizeof(*w));
	w->stack[0] = root;
	if (!*text)
		return;
	for (;;) {
		const char *star = strchr(p, '*');
		size_t len = star ? (size_t)(star - p) : strlen(p);

		if (w->stack[w->depth]->c->kind == CONF_USSD_INPUT && !ussd_token_is(p, len, "0") &&
		    !ussd_token_is(p, len, "00")) {
			ussd_walk_input(w, p);
			return;
		}
		ussd_walk_token(w, p, len);
		if (w->leaf || !star)
			return;
		p = star + 1;
	}
}

/* ---- screens ---- */

static void
ussd_render(const struct ussd_menu *m, const struct ussd_walk *w, struct ussd_menu_step *step)
{
	const struct conf_ussd *cfg = m->cfg;
	const struct ussd_node *cur = w->stack[w->depth];
	const struct conf_ussd_node *c = cur->c;
	struct ussd_out o;
	char num[32];

	ussd_out_init(&o, step->screen, sizeof(step->screen), (size_t)cfg->max_screen_chars);
	if (w->leaf) {
		step->end = true;
		ussd_out_put(&o, "END ");
		ussd_out_put(&o, w->leaf->c->text);
		return;
	}
	ussd_out_put(&o, "CON ");
	switch (c->kind) {
	case CONF_USSD_MENU:
		if (w->err) {
			ussd_out_put(&o, cfg->invalid_text);
			ussd_out_put(&o, "\n");
		}
		ussd_out_put(&o, c->title);
		for (size_t i = 0; i < c->n_options; i++) {
			snprintf(num, sizeof(num), "\n%s. ", c->options[i].key);
			ussd_out_put(&o, num);
			ussd_out_put(&o, c->options[i].label);
		}
		break;
	case CONF_USSD_INPUT:
		if (w->err) {
			ussd_out_put(&o, w->err == USSD_ERR_EMPTY ? cfg->empty_text :
								   cfg->invalid_text);
			ussd_out_put(&o, "\n");
		}
		ussd_out_put(&o, c->title);
		return; /* "0" works but is not shown: the prompt says what to type */
	case CONF_USSD_PAGES:
		if (w->err) {
			ussd_out_put(&o, cfg->invalid_text);
		} else {
			ussd_out_put(&o, c->title);
			if (cur->n_pages > 1) {
				snprintf(num, sizeof(num), " (%zu/%zu)", w->page + 1, cur->n_pages);
				ussd_out_put(&o, num);
			}
		}
		ussd_out_put(&o, "\n");
		if (w->page < cur->n_pages)
			ussd_out_putn(&o, c->text + cur->pages[w->page].off,
				      cur->pages[w->page].len);
		if (w->page + 1 < cur->n_pages) {
			ussd_out_put(&o, "\n1. ");
			ussd_out_put(&o, cfg->next_label);
		}
		break;
	case CONF_USSD_ACTION:
		break; /* never current: an action is a leaf */
	}
	if (w->depth > 0) {
		ussd_out_put(&o, "\n0. ");
		ussd_out_put(&o, cfg->back_label);
	}
}

/* An END screen of `text` with no action. */
static void
ussd_end(const struct ussd_menu *m, struct ussd_menu_step *step, const char *text)
{
	struct ussd_out o;

	step->end = true;
	step->action = USSD_MENU_NONE;
	ussd_out_init(&o, step->screen, sizeof(step->screen), (size_t)m->cfg->max_screen_chars);
	ussd_out_put(&o, "END ");
	ussd_out_put(&o, text);
}

/* The action and category of leaf w->leaf, and the text typed into it. */
static void
ussd_leaf_action(const struct ussd_walk *w, struct ussd_menu_step *step)
{
	const struct conf_ussd_node *leaf = w->leaf->c;
	const char *category = leaf->category;

	for (int i = w->depth; !category && i >= 0; i--)
		category = w->stack[i]->c->category;
	util_strlcpy(step->category, category ? category : "", sizeof(step->category));
	switch (leaf->action) {
	case CONF_ACTION_REPORT:
		step->action = USSD_MENU_REPORT;
		break;
	case CONF_ACTION_OPTOUT:
		step->action = USSD_MENU_OPTOUT;
		break;
	case CONF_ACTION_OPTIN:
		step->action = USSD_MENU_OPTIN;
		break;
	case CONF_ACTION_HELP:
		step->action = USSD_MENU_HELP;
		break;
	default:
		step->action = USSD_MENU_NONE;
		break;
	}
	if (w->input)
		ussd_copy_utf8(step->report_text, sizeof(step->report_text), w->input,
			       w->input_len);
}

/* Expand "{ticket}" in step->screen, within the screen's bounds. */
static void
ussd_expand(const struct ussd_menu *m, struct ussd_menu_step *step, const char *ticket)
{
	char tmp[USSD_MENU_SCREEN_SIZE];
	const char *p = step->screen, *hit;
	struct ussd_out o;

	if (!strstr(p, "{ticket}"))
		return;
	memcpy(tmp, step->screen, sizeof(tmp));
	p = tmp;
	ussd_out_init(&o, step->screen, sizeof(step->screen), (size_t)m->cfg->max_screen_chars);
	while ((hit = strstr(p, "{ticket}")) != NULL) {
		ussd_out_putn(&o, p, (size_t)(hit - p));
		ussd_out_put(&o, ticket ? ticket : "");
		p = hit + 8;
	}
	ussd_out_put(&o, p);
}

/*
 * `text` as if the choices appended to the service code ("*123*1*2#" for "*123#") had been
 * typed first; *joined (to free) holds it when it is new. 0, -ENOENT or -ENOMEM.
 */
static int
ussd_service_text(const struct ussd_menu *m, const char *code, const char *text,
		  const char **out, char **joined)
{
	const char *mine = m->cfg->service_code;
	size_t base, len;

	*out = text;
	*joined = NULL;
	if (!mine || !code || !*code || strcmp(code, mine) == 0)
		return 0;
	base = strlen(mine);
	if (base && mine[base - 1] == '#')
		base--;
	len = strlen(code);
	if (len < base + 3 || strncmp(code, mine, base) != 0 || code[base] != '*' ||
	    code[len - 1] != '#')
		return -ENOENT;
	len = len - base - 2; /* the choices between "*123*" and "#" */
	*joined = malloc(len + 1 + strlen(text) + 1);
	if (!*joined)
		return -ENOMEM;
	memcpy(*joined, code + base + 1, len);
	snprintf(*joined + len, strlen(text) + 2, "%s%s", *text ? "*" : "", text);
	*out = *joined;
	return 0;
}

int
ussd_menu_step(struct ussd_menu *m, const char *session_id, const char *service_code,
	       const char *phone, const char *text, int64_t now_ms, struct ussd_menu_step *step)
{
	const struct conf_ussd *cfg = m->cfg;
	struct ussd_session *s;
	struct ussd_walk w;
	const char *hist;
	char *joined = NULL;
	size_t idlen, phlen;
	int rc;

	memset(step, 0, sizeof(*step));
	if (!text)
		text = "";
	idlen = session_id ? strlen(session_id) : 0;
	phlen = phone ? strlen(phone) : 0;
	if (!idlen || idlen > USSD_MENU_SESSION_ID_MAX || !phlen || phlen > USSD_MENU_PHONE_MAX ||
	    !ussd_utf8_valid(session_id) || !ussd_utf8_valid(text)) {
		ussd_end(m, step, cfg->error_text);
		return -EINVAL;
	}
	rc = ussd_service_text(m, service_code, text, &hist, &joined);
	if (rc) {
		ussd_end(m, step, cfg->error_text);
		return rc;
	}

	s = ussd_session_find(m, session_id);
	if (s && strcmp(s->phone, phone) != 0) {
		free(joined);
		ussd_end(m, step, cfg->error_text);
		return -EPERM;
	}
	if (s && s->ended) {
		free(joined);
		ussd_lru_unlink(m, s);
		ussd_lru_push(m, s);
		s->seen_ms = now_ms;
		step->end = true;
		step->replayed = true;
		util_strlcpy(step->screen, s->final ? s->final : "END ", sizeof(step->screen));
		ussd_expand(m, step, ""); /* the gateway never completed it */
		return 0;
	}
	if (s && (s->expired || now_ms - s->seen_ms > (int64_t)cfg->session_timeout_s * 1000)) {
		free(joined);
		s->expired = true;
		ussd_end(m, step, cfg->expired_text);
		return 0;
	}
	if (s) {
		s->seen_ms = now_ms;
		ussd_lru_unlink(m, s);
		ussd_lru_push(m, s);
	} else {
		s = ussd_session_add(m, session_id, phone, now_ms);
	}

	ussd_walk(&w, &m->root, hist);
	ussd_render(m, &w, step);
	if (w.leaf)
		ussd_leaf_action(&w, step);
	free(joined);
	if (step->end) {
		s->ended = true;
		free(s->final);
		s->final = strdup(step->screen); /* NULL: a replay gets a bare "END " */
	}
	return 0;
}

int
ussd_menu_complete(struct ussd_menu *m, const char *session_id, const char *ticket,
		   struct ussd_menu_step *step)
{
	struct ussd_session *s;
	char *copy;

	ussd_expand(m, step, ticket);
	s = session_id ? ussd_session_find(m, session_id) : NULL;
	if (!s || !s->ended)
		return -ENOENT;
	copy = strdup(step->screen);
	if (!copy)
		return -ENOMEM;
	free(s->final);
	s->final = copy;
	return 0;
}

void
ussd_menu_fail(struct ussd_menu *m, const char *session_id, struct ussd_menu_step *step)
{
	struct ussd_session *s = session_id ? ussd_session_find(m, session_id) : NULL;

	if (s)
		ussd_session_drop(m, s);
	memset(step->category, 0, sizeof(step->category));
	step->report_text[0] = '\0';
	step->replayed = false;
	ussd_end(m, step, m->cfg->error_text);
}
