/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jstream — see jstream.h.
 *
 * DESIGN: yajl calls back for each token; a stack of open jansson containers receives the
 * values (an object remembers the member name it waits a value for). When the top-level
 * object's member `key` opens an array, its elements are not built: strings go to the
 * callback, anything else is an error, and the array's end closes the stream. Depth is capped
 * (JSTREAM_DEPTH) so a hostile body cannot exhaust the stack. Line and column of a syntax
 * error are counted over the pieces fed so far.
 */
#include "gateway/jstream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "common/util.h"

#define JSTREAM_DEPTH 64

struct jstream {
	yajl_handle h;
	const char *key;
	jstream_item_fn *fn;
	void *arg;
	json_t *stack[JSTREAM_DEPTH]; /* open containers; stack[0] the top-level object */
	char *pending[JSTREAM_DEPTH]; /* member name waiting for its value (objects) */
	int depth;                    /* containers open */
	json_t *root;
	int state;      /* 0 not yet, 1 streaming the array, 2 done */
	bool next_key;  /* the top-level member being read is `key` */
	size_t n_items; /* elements streamed */
	/* errors */
	int rc; /* 0, -EINVAL, -ENOMEM */
	bool syntax;
	char field[64], msg[320];
	/* position of the data fed before the current piece, for line/column */
	size_t line, col;
};

static int jstream_fail(struct jstream *js, int rc, bool syntax, const char *field,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Record an error; returns 0 (yajl: stop). */
static int
jstream_fail(struct jstream *js, int rc, bool syntax, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (js->rc)
		return 0;
	js->rc = rc;
	js->syntax = syntax;
	util_strlcpy(js->field, field, sizeof(js->field));
	va_start(ap, fmt);
	vsnprintf(js->msg, sizeof(js->msg), fmt, ap);
	va_end(ap);
	return 0;
}

/* The streamed array's element index as a field name. */
static const char *
jstream_elem(struct jstream *js, char *buf, size_t size)
{
	snprintf(buf, size, "%s[%zu]", js->key, js->n_items);
	return buf;
}

/* Attach value v to the open container (or make it the root). Steals v. 1 go on, 0 stop. */
static int
jstream_put(struct jstream *js, json_t *v)
{
	if (!v)
		return jstream_fail(js, -ENOMEM, false, "", "out of memory");
	if (js->depth == 0) {
		if (!json_is_object(v)) {
			json_decref(v);
			return jstream_fail(js, -EINVAL, true, "body", "body: expected a JSON object");
		}
		js->root = v;
		return 1;
	}
	json_t *top = js->stack[js->depth - 1];
	if (json_is_array(top))
		return json_array_append_new(top, v) == 0
			       ? 1
			       : jstream_fail(js, -ENOMEM, false, "", "out of memory");
	char *name = js->pending[js->depth - 1];
	js->pending[js->depth - 1] = NULL;
	int rc = json_object_set_new(top, name, v);
	free(name);
	return rc == 0 ? 1 : jstream_fail(js, -ENOMEM, false, "", "out of memory");
}

/* A scalar or container start while streaming: only strings are elements. */
static int
jstream_not_string(struct jstream *js)
{
	char f[80];

	jstream_elem(js, f, sizeof(f));
	return jstream_fail(js, -EINVAL, false, f, "%s: expected a string", f);
}

static bool
jstream_streaming(const struct jstream *js)
{
	return js->state == 1 && js->depth == 1;
}

static int
jstream_null(void *ctx)
{
	struct jstream *js = ctx;

	return jstream_streaming(js) ? jstream_not_string(js) : jstream_put(js, json_null());
}

static int
jstream_boolean(void *ctx, int b)
{
	struct jstream *js = ctx;

	return jstream_streaming(js) ? jstream_not_string(js) : jstream_put(js, json_boolean(b));
}

static int
jstream_integer(void *ctx, long long i)
{
	struct jstream *js = ctx;

	return jstream_streaming(js) ? jstream_not_string(js)
				     : jstream_put(js, json_integer((json_int_t)i));
}

static int
jstream_double(void *ctx, double d)
{
	struct jstream *js = ctx;

	return jstream_streaming(js) ? jstream_not_string(js) : jstream_put(js, json_real(d));
}

static int
jstream_string(void *ctx, const unsigned char *s, size_t len)
{
	struct jstream *js = ctx;

	if (jstream_streaming(js)) {
		int rc = js->fn(js->arg, js->n_items, (const char *)s, len, js->field,
				sizeof(js->field), js->msg, sizeof(js->msg));
		if (rc < 0) {
			js->rc = rc;
			if (rc != -EINVAL) {
				util_strlcpy(js->field, "", sizeof(js->field));
				util_strlcpy(js->msg, rc == -ENOMEM ? "out of memory" : strerror(-rc),
					     sizeof(js->msg));
			}
			return 0;
		}
		js->n_items++;
		return 1;
	}
	return jstream_put(js, json_stringn((const char *)s, len));
}

/* Open a container: attach it, then push it. */
static int
jstream_open(struct jstream *js, json_t *c)
{
	if (!c)
		return jstream_fail(js, -ENOMEM, false, "", "out of memory");
	if (js->depth == JSTREAM_DEPTH) {
		json_decref(c);
		return jstream_fail(js, -EINVAL, true, "body", "body: nested deeper than %d levels",
				    JSTREAM_DEPTH);
	}
	json_incref(c);
	if (!jstream_put(js, c)) {
		json_decref(c);
		return 0;
	}
	js->stack[js->depth] = c;
	js->pending[js->depth] = NULL;
	js->depth++;
	json_decref(c); /* the parent (or root) holds it */
	return 1;
}

static int
jstream_start_map(void *ctx)
{
	struct jstream *js = ctx;

	if (jstream_streaming(js))
		return jstream_not_string(js);
	js->next_key = false;
	return jstream_open(js, json_object());
}

static int
jstream_map_key(void *ctx, const unsigned char *k, size_t len)
{
	struct jstream *js = ctx;
	json_t *top = js->stack[js->depth - 1];
	char *name = strndup((const char *)k, len);

	if (!name)
		return jstream_fail(js, -ENOMEM, false, "", "out of memory");
	if (strlen(name) != len) {
		free(name);
		return jstream_fail(js, -EINVAL, false, "(a member name)",
				    "a member name contains a NUL character");
	}
	if (json_object_get(top, name) ||
	    (js->depth == 1 && js->state != 0 && strcmp(name, js->key) == 0)) {
		char shown[48];
		util_strlcpy(shown, *name ? name : "(empty name)", sizeof(shown));
		free(name);
		return jstream_fail(js, -EINVAL, false, shown, "%s: duplicate member (given twice)",
				    shown);
	}
	js->next_key = js->depth == 1 && js->state == 0 && strcmp(name, js->key) == 0;
	js->pending[js->depth - 1] = name;
	return 1;
}

static int
jstream_end_map(void *ctx)
{
	struct jstream *js = ctx;

	js->depth--;
	return 1;
}

static int
jstream_start_array(void *ctx)
{
	struct jstream *js = ctx;

	if (jstream_streaming(js))
		return jstream_not_string(js);
	if (js->next_key && js->depth == 1) { /* the streamed member: not built */
		js->next_key = false;
		free(js->pending[0]);
		js->pending[0] = NULL;
		js->state = 1;
		return 1;
	}
	return jstream_open(js, json_array());
}

static int
jstream_end_array(void *ctx)
{
	struct jstream *js = ctx;

	if (jstream_streaming(js)) {
		js->state = 2;
		return 1;
	}
	js->depth--;
	return 1;
}

static const yajl_callbacks jstream_callbacks = {
	.yajl_null = jstream_null,
	.yajl_boolean = jstream_boolean,
	.yajl_integer = jstream_integer,
	.yajl_double = jstream_double,
	.yajl_string = jstream_string,
	.yajl_start_map = jstream_start_map,
	.yajl_map_key = jstream_map_key,
	.yajl_end_map = jstream_end_map,
	.yajl_start_array = jstream_start_array,
	.yajl_end_array = jstream_end_array,
};

struct jstream *
jstream_new(const char *key, jstream_item_fn *fn, void *arg)
{
	struct jstream *js = calloc(1, sizeof(*js));

	if (!js)
		return NULL;
	js->key = key;
	js->fn = fn;
	js->arg = arg;
	js->line = 1;
	js->col = 1;
	js->h = yajl_alloc(&jstream_callbacks, NULL, js);
	if (!js->h) {
		free(js);
		return NULL;
	}
	return js;
}

void
jstream_free(struct jstream *js)
{
	if (!js)
		return;
	for (int i = 0; i < JSTREAM_DEPTH; i++)
		free(js->pending[i]);
	json_decref(js->root);
	yajl_free(js->h);
	free(js);
}

/* Advance the line/column count over n bytes of p. */
static void
jstream_count(struct jstream *js, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			js->line++;
			js->col = 1;
		} else if ((p[i] & 0xc0) != 0x80) { /* columns in characters, not bytes */
			js->col++;
		}
	}
}

/* Turn a yajl error into ours, with the position. */
static int
jstream_syntax(struct jstream *js, const unsigned char *p, size_t n, bool at_end)
{
	unsigned char *e = yajl_get_error(js->h, 0, p, n);
	const char *what = e ? (const char *)e : "malformed JSON";
	size_t used = at_end ? 0 : yajl_get_bytes_consumed(js->h);
	char buf[200];

	if (strncmp(what, "parse error: ", 13) == 0)
		what += 13;
	else if (strncmp(what, "lexical error: ", 15) == 0)
		what += 15;
	util_strlcpy(buf, what, sizeof(buf));
	buf[strcspn(buf, "\n")] = '\0';
	if (strstr(buf, "UTF8")) /* yajl's "invalid bytes in UTF8 string." */
		util_strlcpy(buf, "a string is not valid UTF-8", sizeof(buf));
	if (used > 0 && !at_end)
		jstream_count(js, p, used - 1); /* yajl counts the offending byte as consumed */
	jstream_fail(js, -EINVAL, true, "body", "body: line %zu, column %zu: %s", js->line, js->col,
		     buf);
	if (e)
		yajl_free_error(js->h, e);
	return -EINVAL;
}

int
jstream_feed(struct jstream *js, const void *data, size_t len)
{
	yajl_status st;

	if (js->rc)
		return js->rc;
	st = yajl_parse(js->h, data, len);
	if (st == yajl_status_client_canceled)
		return js->rc ? js->rc : -EINVAL;
	if (st != yajl_status_ok)
		return jstream_syntax(js, data, len, false);
	jstream_count(js, data, len);
	return 0;
}

json_t *
jstream_finish(struct jstream *js, bool *streamed, size_t *n)
{
	yajl_status st;

	if (js->rc)
		return NULL;
	st = yajl_complete_parse(js->h);
	if (st == yajl_status_client_canceled)
		return NULL;
	if (st != yajl_status_ok) {
		jstream_syntax(js, NULL, 0, true);
		return NULL;
	}
	if (!js->root) {
		jstream_fail(js, -EINVAL, true, "body", "body: expected a JSON object");
		return NULL;
	}
	*streamed = js->state == 2;
	*n = js->n_items;
	return json_incref(js->root);
}

const char *
jstream_error(const struct jstream *js, int *rc, const char **field, bool *syntax)
{
	*rc = js->rc;
	*field = js->field;
	*syntax = js->syntax;
	return js->msg;
}
