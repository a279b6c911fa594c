/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * api_contacts — contacts and groups over the HTTP API:
 *   POST /v1/contacts        {"contacts": [{"number", "name", "tags": {"commune": "Sơn Nam"}}]}
 *                            (admin; up to API_CONTACTS_BATCH a request: loactl streams a CSV
 *                            in batches so the loop is never held long)
 *   GET  /v1/contacts[?group=&after=&limit=]   (official; numbers masked unless admin)
 *   GET  /v1/contacts/count[?group=]            (official)
 *   GET  /v1/groups, POST /v1/groups {"name", "query"}   (official / admin)
 *
 * A bad entry is reported with its index and reason and does not stop the others. Numbers are
 * normalised to E.164 and duplicates merge; tag keys and values become lower-case slugs
 * without diacritics ("Sơn Nam" -> "son-nam"), so groups are typed as people type.
 */
#include <errno.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "conf/conf.h"
#include "gateway/api.h"
#include "gateway/gw.h"
#include "gateway/gw_text.h"
#include "queue/queue.h"

#define API_CONTACTS_BATCH 10000
#define API_SLUG_MAX 32
#define API_TAGS_MAX 8

/* "Sơn Nam" -> "son-nam": folded, lower case, runs of other characters -> '-'. */
static bool
api_slug(const char *in, char out[API_SLUG_MAX])
{
	char folded[128];
	size_t o = 0;
	bool dash = false;

	if (gw_text_fold(in, folded, sizeof(folded)) < 0)
		return false;
	for (const char *p = folded; *p && o + 1 < API_SLUG_MAX; p++) {
		char ch = *p;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_') {
			if (dash && o > 0)
				out[o++] = '-';
			dash = false;
			if (o + 1 < API_SLUG_MAX)
				out[o++] = ch;
		} else {
			dash = true;
		}
	}
	out[o] = '\0';
	return o > 0;
}

struct api_contact_buf {
	char number[QUEUE_NUMBER_MAX];
	char keys[API_TAGS_MAX][API_SLUG_MAX], values[API_TAGS_MAX][API_SLUG_MAX];
	const char *kp[API_TAGS_MAX], *vp[API_TAGS_MAX];
};

static void
api_contacts_import(struct api_req *r)
{
	json_t *body, *list, *e, *errors = json_array();
	struct queue_contact *cs = NULL;
	struct api_contact_buf *bufs = NULL;
	size_t i, n = 0, inserted = 0, updated = 0;

	if (!api_allow(r, CONF_ROLE_ADMIN) || !(body = api_body_json(r))) {
		json_decref(errors);
		return;
	}
	list = json_object_get(body, "contacts");
	if (!json_is_array(list) || json_array_size(list) > API_CONTACTS_BATCH) {
		api_error(r->req, 400, "invalid", "contacts",
			  "contacts: expected an array of at most %d contacts", API_CONTACTS_BATCH);
		goto out;
	}
	size_t total = json_array_size(list);
	cs = calloc(total ? total : 1, sizeof(*cs));
	bufs = calloc(total ? total : 1, sizeof(*bufs));
	if (!cs || !bufs) {
		api_error(r->req, 500, "internal", NULL, "out of memory");
		goto out;
	}
	json_array_foreach(list, i, e) {
		char field[80], why_buf[128];
		const char *why = NULL, *num = json_string_value(json_object_get(e, "number"));
		const char *name = json_string_value(json_object_get(e, "name"));
		json_t *tags = json_object_get(e, "tags");
		struct api_contact_buf *b = &bufs[n];
		struct queue_contact *c = &cs[n];

		snprintf(field, sizeof(field), "contacts[%zu].number", i);
		if (!json_is_object(e) || !num) {
			why = "missing";
		} else if (gw_text_number_normalize(num, r->gw->conf->country_code, b->number,
						    &why) == 0) {
			why = NULL;
		}
		if (!why && name && strlen(name) >= 100) {
			snprintf(field, sizeof(field), "contacts[%zu].name", i);
			why = "longer than 99 bytes";
		}
		size_t t = 0;
		if (!why && tags && !json_is_object(tags)) {
			snprintf(field, sizeof(field), "contacts[%zu].tags", i);
			why = "expected an object of tag: value";
		} else if (!why && tags) {
			const char *k;
			json_t *v;
			json_object_foreach(tags, k, v) {
				const char *val = json_string_value(v);
				if (!val || !*val)
					continue; /* an empty cell is no tag */
				if (t == API_TAGS_MAX || !api_slug(k, b->keys[t]) ||
				    !api_slug(val, b->values[t])) {
					snprintf(field, sizeof(field), "contacts[%zu].tags.%.20s", i, k);
					snprintf(why_buf, sizeof(why_buf), t == API_TAGS_MAX
						 ? "more than %d tags" : "not usable as a tag", API_TAGS_MAX);
					why = why_buf;
					break;
				}
				b->kp[t] = b->keys[t];
				b->vp[t] = b->values[t];
				t++;
			}
		}
		if (why) {
			char msg[200];
			snprintf(msg, sizeof(msg), "%s: \"%.40s\"", why, num ? num : "");
			json_array_append_new(errors,
					      json_pack("{s:I, s:s, s:s}", "index", (json_int_t)i,
							"field", field, "message", msg));
			continue;
		}
		const struct conf_operator *op = conf_operator_match(r->gw->conf, b->number);
		c->number = b->number;
		c->name = name && *name ? name : NULL;
		c->operator = op ? op->name : NULL;
		c->tag_keys = b->kp;
		c->tag_values = b->vp;
		c->n_tags = t;
		n++;
	}
	int rc = n ? queue_contacts_upsert(r->gw->q, cs, n, util_now_ms(), &inserted, &updated) : 0;
	if (rc < 0) {
		api_error(r->req, rc == -ENOSPC ? 503 : 500, rc == -ENOSPC ? "store_full" : "internal",
			  NULL, "the contacts could not be stored: %s", strerror(-rc));
		goto out;
	}
	char detail[64];
	snprintf(detail, sizeof(detail), "%zu new, %zu updated, %zu rejected", inserted, updated,
		 json_array_size(errors));
	api_audit(r, "contacts.import", "contacts", 200, detail);
	api_reply_json(r->req, 200, json_pack("{s:I, s:I, s:O}", "inserted", (json_int_t)inserted,
					      "updated", (json_int_t)updated, "errors", errors));
out:
	free(cs);
	free(bufs);
	json_decref(errors);
	json_decref(body);
}

struct api_clist {
	json_t *arr;
	bool numbers;
	int64_t last;
};

static int
api_contact_cb(const struct queue_contact_row *c, void *arg)
{
	struct api_clist *x = arg;
	char masked[LOG_MASK_LEN], tags[QUEUE_TAGS_MAX];
	json_t *t = json_object();

	util_strlcpy(tags, c->tags, sizeof(tags));
	for (char *save = NULL, *kv = strtok_r(tags, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (eq) {
			*eq = '\0';
			json_object_set_new(t, kv, json_string(eq + 1));
		}
	}
	json_array_append_new(x->arr, json_pack("{s:I, s:s, s:s, s:o, s:o}", "id", (json_int_t)c->id,
						"number", x->numbers ? c->number
								     : log_mask(c->number, masked),
						"name", c->name, "operator",
						c->operator[0] ? json_string(c->operator) : json_null(),
						"tags", t));
	x->last = c->id;
	return 0;
}

static void
api_contacts_list(struct api_req *r, bool count_only)
{
	struct evkeyvalq q;
	long long after, limit;

	if (!api_allow(r, CONF_ROLE_OFFICIAL))
		return;
	api_query(r, &q);
	const char *group = evhttp_find_header(&q, "group");
	char saved[512];
	if (!group)
		group = "";
	if (*group && !strchr(group, '=') && strcmp(group, "*") != 0) {
		/* the name of a saved group */
		if (queue_group_get(r->gw->q, group, saved, sizeof(saved)) < 0) {
			api_error(r->req, 400, "invalid", "group", "group: no saved group \"%.60s\"",
				  group);
			evhttp_clear_headers(&q);
			return;
		}
		group = saved;
	}
	if (count_only) {
		int64_t n = 0;
		int rc = queue_contacts_count(r->gw->q, group, &n);
		if (rc == -EINVAL)
			api_error(r->req, 400, "invalid", "group", "group: not a tag query");
		else if (rc < 0)
			api_error(r->req, 500, "internal", NULL, "store error: %s", strerror(-rc));
		else
			api_reply_json(r->req, 200, json_pack("{s:I}", "count", (json_int_t)n));
		evhttp_clear_headers(&q);
		return;
	}
	if (api_query_int(r, &q, "after", 0, 0, INT64_MAX, &after) &&
	    api_query_int(r, &q, "limit", 100, 1, 10000, &limit)) {
		struct api_clist x = { .arr = json_array(),
				       .numbers = r->token->role == CONF_ROLE_ADMIN,
				       .last = after };
		int rc = queue_contacts_list(r->gw->q, group, after, (int)limit, api_contact_cb, &x);
		if (rc == -EINVAL) {
			json_decref(x.arr);
			api_error(r->req, 400, "invalid", "group", "group: not a tag query");
		} else if (rc < 0) {
			json_decref(x.arr);
			api_error(r->req, 500, "internal", NULL, "store error: %s", strerror(-rc));
		} else {
			api_reply_json(r->req, 200, json_pack("{s:o, s:I}", "contacts", x.arr,
							      "next_after", (json_int_t)x.last));
		}
	}
	evhttp_clear_headers(&q);
}

void
api_contacts_route(struct api_req *r)
{
	if (*r->tail == '\0') {
		if (r->method == EVHTTP_REQ_POST)
			api_contacts_import(r);
		else if (r->method == EVHTTP_REQ_GET)
			api_contacts_list(r, false);
		else
			api_method_not_allowed(r, "GET, POST");
	} else if (strcmp(r->tail, "/count") == 0 && r->method == EVHTTP_REQ_GET) {
		api_contacts_list(r, true);
	} else {
		api_error(r->req, 404, "not_found", NULL, "no such route: %s", r->path);
	}
}

struct api_glist {
	struct gw *gw;
	json_t *arr;
};

static int
api_group_cb(const char *name, const char *query, void *arg)
{
	struct api_glist *x = arg;
	int64_t n = 0;

	queue_contacts_count(x->gw->q, query, &n);
	json_array_append_new(x->arr, json_pack("{s:s, s:s, s:I}", "name", name, "query", query,
						"count", (json_int_t)n));
	return 0;
}

void
api_groups_route(struct api_req *r)
{
	if (*r->tail) {
		api_error(r->req, 404, "not_found", NULL, "no such route: %s", r->path);
		return;
	}
	if (r->method == EVHTTP_REQ_GET) {
		if (!api_allow(r, CONF_ROLE_OFFICIAL))
			return;
		struct api_glist x = { .gw = r->gw, .arr = json_array() };
		int rc = queue_groups_list(r->gw->q, api_group_cb, &x);
		if (rc < 0) {
			json_decref(x.arr);
			api_error(r->req, 500, "internal", NULL, "store error: %s", strerror(-rc));
			return;
		}
		api_reply_json(r->req, 200, json_pack("{s:o}", "groups", x.arr));
		return;
	}
	if (r->method != EVHTTP_REQ_POST) {
		api_method_not_allowed(r, "GET, POST");
		return;
	}
	json_t *body;
	if (!api_allow(r, CONF_ROLE_ADMIN) || !(body = api_body_json(r)))
		return;
	const char *name = json_string_value(json_object_get(body, "name"));
	const char *query = json_string_value(json_object_get(body, "query"));
	if (!name || !*name || strlen(name) > 60) {
		api_error(r->req, 400, "invalid", "name", "name: expected 1 to 60 characters");
	} else if (!query) {
		api_error(r->req, 400, "invalid", "query", "query: missing");
	} else {
		int rc = queue_group_save(r->gw->q, name, query, util_now_ms());
		if (rc == -EINVAL) {
			api_error(r->req, 400, "invalid", "query",
				  "query: expected a tag query such as \"commune=son-nam\"");
		} else if (rc < 0) {
			api_error(r->req, 500, "internal", NULL, "store error: %s", strerror(-rc));
		} else {
			api_audit(r, "group.save", name, 201, query);
			api_reply_json(r->req, 201, json_pack("{s:s, s:s}", "name", name, "query",
							      query));
		}
	}
	json_decref(body);
}
