/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_api — one call to the Loa HTTP API (docs/API.md) and what loactl says and returns about
 * it: the JSON of a 2xx answer, or a message on stderr and an exit code.
 *
 *   2xx with JSON        CTL_EXIT_OK (with --json the answer is printed on stdout first)
 *   4xx                  CTL_EXIT_REFUSED, "loactl: <field>: <message>"
 *   5xx, nonsense        CTL_EXIT_SERVER
 *   no connection/answer CTL_EXIT_UNREACHABLE, "loactl: cannot reach <url>: ..."
 *
 * The API's error messages often start with the field already ("recipients[2]: too short: ..."),
 * so the field is not repeated. When the recipients came from a CSV file a row map turns
 * "recipients[i]" into "contacts.csv:row N", the row the official has to fix.
 *
 * Thread: loactl's only thread.
 */
#include "gateway/ctl.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *
ctl_field_index(const char *field, const char *prefix, size_t *idx)
{
	size_t n = strlen(prefix), v = 0;
	const char *p;

	if (!field || strncmp(field, prefix, n) != 0 || field[n] != '[')
		return NULL;
	p = field + n + 1;
	if (*p < '0' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (SIZE_MAX - 9) / 10)
			return NULL;
		v = v * 10 + (size_t)(*p - '0');
	}
	if (*p != ']')
		return NULL;
	*idx = v;
	return p + 1;
}

/* Print the server's refusal or failure on stderr. */
static void
ctl_api_print_error(const struct ctl_http *h, const struct ctl_reply *r, const json_t *root,
		    const struct ctl_rowmap *map)
{
	const json_t *e = json_object_get(root, "error");
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *field = json_string_value(json_object_get(e, "field"));
	const char *code = json_string_value(json_object_get(e, "code"));
	char *clean = ctl_text_clean(msg ? msg : "");
	char *cfield = field ? ctl_text_clean(field) : NULL;
	const char *m = clean ? clean : "", *rest;
	size_t idx, flen;

	if (cfield && !*cfield) {
		free(cfield);
		cfield = NULL;
	}
	flen = cfield ? strlen(cfield) : 0;
	if (cfield && strncmp(m, cfield, flen) == 0 && m[flen] == ':' && m[flen + 1] == ' ')
		m += flen + 2;
	if (r->status >= 500)
		fprintf(stderr, "loactl: server error (HTTP %ld)%s%s\n", r->status, *m ? ": " : "",
			m);
	else if (r->status < 400)
		fprintf(stderr, "loactl: unexpected answer from %s (HTTP %ld)\n", h->base_url,
			r->status);
	else if (!*m)
		fprintf(stderr, "loactl: refused (HTTP %ld%s%s)\n", r->status, code ? ", " : "",
			code ? code : "");
	else if (cfield && map && (rest = ctl_field_index(cfield, "recipients", &idx)) && !*rest &&
		 idx < map->n)
		fprintf(stderr, "loactl: %s:row %lu: %s\n", map->origin, map->rows[idx], m);
	else if (cfield)
		fprintf(stderr, "loactl: %s: %s\n", cfield, m);
	else
		fprintf(stderr, "loactl: %s\n", m);
	if (r->status == 401 && !h->token)
		fprintf(stderr, "loactl: no token given (--token, LOA_TOKEN or LOA_TOKEN_FILE)\n");
	free(clean);
	free(cfield);
}

int
ctl_api_finish(const struct ctl_http *h, bool json, int http_rc, const struct ctl_reply *r,
	       const struct ctl_rowmap *map, json_t **out)
{
	json_error_t jerr;
	json_t *root = NULL;
	int rc;

	*out = NULL;
	switch (http_rc) {
	case 0:
		break;
	case -ETIMEDOUT:
		fprintf(stderr, "loactl: cannot reach %s: no answer within %g s\n", h->base_url,
			(double)h->timeout_ms / 1000.0);
		return CTL_EXIT_UNREACHABLE;
	case -ECONNREFUSED:
		fprintf(stderr, "loactl: cannot reach %s: %s\n", h->base_url, r->error);
		return CTL_EXIT_UNREACHABLE;
	case -EINVAL:
		fprintf(stderr, "loactl: bad URL %s: %s\n", h->base_url, r->error);
		return CTL_EXIT_USAGE;
	default:
		fprintf(stderr, "loactl: %s: %s\n", h->base_url, r->error);
		return CTL_EXIT_SERVER;
	}

	root = json_loadb(r->body, r->len, JSON_DECODE_ANY, &jerr);
	if (r->status >= 200 && r->status < 300) {
		if (!root) {
			fprintf(stderr, "loactl: %s answered HTTP %ld without valid JSON (%s)\n",
				h->base_url, r->status, jerr.text);
			return CTL_EXIT_SERVER;
		}
		if (json)
			ctl_show_json(stdout, root);
		*out = root;
		return CTL_EXIT_OK;
	}
	if (root && json)
		ctl_show_json(stdout, root);
	ctl_api_print_error(h, r, root, map);
	rc = r->status >= 400 && r->status < 500 ? CTL_EXIT_REFUSED : CTL_EXIT_SERVER;
	json_decref(root);
	return rc;
}

int
ctl_api_call(const struct ctl_http *h, bool json, const char *method, const char *path,
	     const char *body, const struct ctl_rowmap *map, json_t **out)
{
	struct ctl_reply r;
	int rc = ctl_http_call(h, method, path, body, &r);

	rc = ctl_api_finish(h, json, rc, &r, map, out);
	ctl_reply_free(&r);
	return rc;
}

int
ctl_api_raw(const struct ctl_http *h, const char *method, const char *path, struct ctl_reply *r)
{
	json_t *root = NULL;
	int rc = ctl_http_call(h, method, path, NULL, r);

	if (rc == 0 && r->status >= 200 && r->status < 300)
		return CTL_EXIT_OK;
	rc = ctl_api_finish(h, false, rc, r, NULL, &root);
	json_decref(root);
	ctl_reply_free(r);
	return rc;
}
