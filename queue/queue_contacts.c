/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_contacts — the contact book and its groups: contacts (number, name, operator) with
 * tags (key=value slugs such as commune=son-nam), named groups that are tag queries, and the
 * SQL a campaign uses to take a group's contacts as recipients.
 *
 * DESIGN
 * - A group is a query, not a list: "commune=son-nam,role=y-te" means every term matches; ""
 *   or "*" means all contacts. It is evaluated when used, so a campaign (or a recurring run)
 *   reaches the contacts added since the group was saved.
 * - A query becomes one SELECT of contact ids: the first term drives through contact_tags_kv
 *   (key, value, contact_id), each further term is an EXISTS probe on the primary key
 *   (contact_id, key, value). Terms are bound as parameters ?101..?116, never pasted into
 *   SQL; only the number of terms shapes the statement. (Numbered from 101 so that named
 *   parameters written before them in a statement, which SQLite numbers 1, 2, ..., never
 *   share an index with them.)
 * - A campaign's group recipients are inserted by one INSERT ... SELECT joined with optouts,
 *   so a million contacts stream inside SQLite without a round trip per row.
 * - An upsert batch is one transaction: validation first (a malformed contact stores nothing),
 *   then find-or-insert by the UNIQUE number and a replace of the tags.
 *
 * Thread: the thread that owns the struct queue.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "queue/queue_int.h"

#define QUEUE_GROUP_TERMS 8
#define QUEUE_SLUG_MAX 32

#define QUEUE_CONTACT_COLS                                                                         \
	"c.id, c.number, coalesce(c.name, ''), coalesce(c.operator, ''), c.created_at,"            \
	" c.updated_at, (SELECT group_concat(kv, ',') FROM (SELECT t.key || '=' || t.value AS kv" \
	" FROM contact_tags t WHERE t.contact_id = c.id ORDER BY t.key, t.value))"

static const char queue_sql_contact_find[] = "SELECT id FROM contacts WHERE number = $number";
static const char queue_sql_contact_insert[] =
	"INSERT INTO contacts (number, name, operator, created_at, updated_at)"
	" VALUES ($number, $name, $operator, $now, $now) ON CONFLICT (number) DO NOTHING";
static const char queue_sql_contact_update[] =
	"UPDATE contacts SET name = $name, operator = $operator, updated_at = $now WHERE id = $id";
static const char queue_sql_contact_tags_delete[] =
	"DELETE FROM contact_tags WHERE contact_id = $id";
static const char queue_sql_contact_tag_insert[] =
	"INSERT OR IGNORE INTO contact_tags (contact_id, key, value) VALUES ($id, $key, $value)";
static const char queue_sql_contact_get[] =
	"SELECT " QUEUE_CONTACT_COLS " FROM contacts c WHERE c.number = $number";
static const char queue_sql_contact_delete[] = "DELETE FROM contacts WHERE number = $number";
static const char queue_sql_group_save[] =
	"INSERT INTO contact_groups (name, query, created_at, updated_at)"
	" VALUES ($name, $query, $now, $now) ON CONFLICT (name)"
	" DO UPDATE SET query = excluded.query, updated_at = excluded.updated_at";
static const char queue_sql_group_get[] = "SELECT query FROM contact_groups WHERE name = $name";
static const char queue_sql_groups_list[] = "SELECT name, query FROM contact_groups ORDER BY name";
static const char queue_sql_group_delete[] = "DELETE FROM contact_groups WHERE name = $name";

struct queue_group_term {
	char key[QUEUE_SLUG_MAX], value[QUEUE_SLUG_MAX];
};

/* A tag key or value: 1..31 of [a-z0-9_-]. */
static bool
queue_slug_ok(const char *s, size_t len)
{
	if (!s || len == 0 || len >= QUEUE_SLUG_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_'))
			return false;
	return true;
}

/* Parse a group query into terms; the count (0 = all contacts) or -EINVAL. */
static int
queue_group_parse(const char *query, struct queue_group_term t[QUEUE_GROUP_TERMS])
{
	const char *p = query;
	int n = 0;

	if (!query || strlen(query) >= QUEUE_QUERY_MAX)
		return -EINVAL;
	if (!query[0] || strcmp(query, "*") == 0)
		return 0;
	for (;;) {
		const char *end = strchr(p, ','), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);

		eq = memchr(p, '=', len);
		if (!eq || n == QUEUE_GROUP_TERMS || !queue_slug_ok(p, (size_t)(eq - p)) ||
		    !queue_slug_ok(eq + 1, len - (size_t)(eq - p) - 1))
			return -EINVAL;
		memcpy(t[n].key, p, (size_t)(eq - p));
		t[n].key[eq - p] = '\0';
		memcpy(t[n].value, eq + 1, len - (size_t)(eq - p) - 1);
		t[n].value[len - (size_t)(eq - p) - 1] = '\0';
		n++;
		if (!end)
			return n;
		p = end + 1;
	}
}

int
queue_group_sql(const char *query, char *sql, size_t size)
{
	struct queue_group_term t[QUEUE_GROUP_TERMS];
	int n = queue_group_parse(query, t);
	size_t len;
	int w;

	if (n < 0)
		return n;
	if (n == 0)
		w = snprintf(sql, size, "SELECT id FROM contacts");
	else
		w = snprintf(sql, size,
			     "SELECT t1.contact_id FROM contact_tags t1"
			     " WHERE t1.key = ?%d AND t1.value = ?%d",
			     QUEUE_GROUP_PARAM0, QUEUE_GROUP_PARAM0 + 1);
	if (w < 0 || (size_t)w >= size)
		return -ENOSPC;
	len = (size_t)w;
	for (int i = 1; i < n; i++) {
		w = snprintf(sql + len, size - len,
			     " AND EXISTS (SELECT 1 FROM contact_tags t%d WHERE t%d.contact_id ="
			     " t1.contact_id AND t%d.key = ?%d AND t%d.value = ?%d)",
			     i + 1, i + 1, i + 1, QUEUE_GROUP_PARAM0 + 2 * i, i + 1,
			     QUEUE_GROUP_PARAM0 + 2 * i + 1);
		if (w < 0 || (size_t)w >= size - len)
			return -ENOSPC;
		len += (size_t)w;
	}
	return n;
}

int
queue_group_bind(struct queue *q, sqlite3_stmt *st, const char *query, int first)
{
	struct queue_group_term t[QUEUE_GROUP_TERMS];
	int n = queue_group_parse(query, t);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (sqlite3_bind_text(st, first + 2 * i, t[i].key, -1, SQLITE_TRANSIENT) !=
			    SQLITE_OK ||
		    sqlite3_bind_text(st, first + 2 * i + 1, t[i].value, -1, SQLITE_TRANSIENT) !=
			    SQLITE_OK)
			return queue_db_error(q, "bind group query");
	return 0;
}

/* Prepare "prefix (group sql) suffix" for one call with the terms bound. */
static sqlite3_stmt *
queue_group_stmt(struct queue *q, const char *query, const char *prefix, const char *suffix,
		 int *err)
{
	char gsql[1024], sql[2048];
	sqlite3_stmt *st;
	int rc;

	rc = queue_group_sql(query, gsql, sizeof(gsql));
	if (rc < 0) {
		*err = rc == -ENOSPC ? -EINVAL : rc;
		return NULL;
	}
	if ((size_t)snprintf(sql, sizeof(sql), "%s(%s)%s", prefix, gsql, suffix) >= sizeof(sql)) {
		*err = -EINVAL;
		return NULL;
	}
	st = queue_prep_once(q, sql);
	if (!st) {
		*err = -EIO;
		return NULL;
	}
	rc = queue_group_bind(q, st, query, QUEUE_GROUP_PARAM0);
	if (rc < 0) {
		sqlite3_finalize(st);
		*err = rc;
		return NULL;
	}
	return st;
}

int
queue_group_collect(struct queue *q, const char *query, struct queue_rset *s)
{
	sqlite3_stmt *st;
	int rc = 0;

	st = queue_group_stmt(q, query, "SELECT c.number, c.operator FROM contacts c WHERE c.id IN ",
			      "", &rc);
	if (!st)
		return rc;
	while ((rc = queue_step(q, st, "group recipients")) == SQLITE_ROW) {
		const char *op = (const char *)sqlite3_column_text(st, 1);
		rc = queue_rset_add_contact(s, (const char *)sqlite3_column_text(st, 0),
					    queue_operator_ok(op) ? op : NULL);
		if (rc == -EINVAL) /* a number too long for a campaign: skipped, said */
			LOG(LOG_WARN, QUEUE_LOG, "group %s: a contact's number is not E.164; skipped",
			    query);
		else if (rc < 0)
			break;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

/* ---- contacts ---- */

static bool
queue_contact_ok(const struct queue_contact *c)
{
	if (!queue_number_ok(c->number) || !queue_operator_ok(c->operator) ||
	    (c->name && strlen(c->name) >= QUEUE_NAME_MAX) ||
	    (c->n_tags && (!c->tag_keys || !c->tag_values)))
		return false;
	for (size_t i = 0; i < c->n_tags; i++)
		if (!c->tag_keys[i] || !c->tag_values[i] ||
		    !queue_slug_ok(c->tag_keys[i], strlen(c->tag_keys[i])) ||
		    !queue_slug_ok(c->tag_values[i], strlen(c->tag_values[i])))
			return false;
	return true;
}

/*
 * Store one (validated) contact; *is_new set. Inside the caller's transaction. A new number
 * (the common case of an import) costs one insert: only when it is already there is it looked
 * up, updated and its tags replaced.
 */
static int
queue_contact_put(struct queue *q, const struct queue_contact *c, int64_t now_ms, bool *is_new)
{
	sqlite3_stmt *find = queue_prep(q, QLAZY_CONTACT_FIND, queue_sql_contact_find);
	sqlite3_stmt *ins = queue_prep(q, QLAZY_CONTACT_INSERT, queue_sql_contact_insert);
	sqlite3_stmt *upd = queue_prep(q, QLAZY_CONTACT_UPDATE, queue_sql_contact_update);
	sqlite3_stmt *del = queue_prep(q, QLAZY_CONTACT_TAGS_DELETE, queue_sql_contact_tags_delete);
	sqlite3_stmt *tag = queue_prep(q, QLAZY_CONTACT_TAG_INSERT, queue_sql_contact_tag_insert);
	int64_t id = 0;
	int rc;

	if (!find || !ins || !upd || !del || !tag)
		return -EIO;
	if (!queue_bind_text(ins, "$number", c->number) || !queue_bind_text(ins, "$name", c->name) ||
	    !queue_bind_text(ins, "$operator", c->operator) || !queue_bind_i64(ins, "$now", now_ms)) {
		queue_stmt_done(ins);
		return queue_db_error(q, "bind contact insert");
	}
	rc = queue_exec_stmt(q, ins, "insert contact");
	if (rc < 0)
		return rc;
	*is_new = sqlite3_changes(q->db) == 1;
	if (*is_new) {
		id = sqlite3_last_insert_rowid(q->db);
	} else {
		if (!queue_bind_text(find, "$number", c->number)) {
			queue_stmt_done(find);
			return queue_db_error(q, "bind contact find");
		}
		rc = queue_step(q, find, "find contact");
		if (rc == SQLITE_ROW)
			id = sqlite3_column_int64(find, 0);
		queue_stmt_done(find);
		if (rc < 0)
			return rc;
		if (id == 0)
			return -EIO; /* the insert said it exists */
		if (!queue_bind_text(upd, "$name", c->name) ||
		    !queue_bind_text(upd, "$operator", c->operator) ||
		    !queue_bind_i64(upd, "$now", now_ms) || !queue_bind_i64(upd, "$id", id) ||
		    !queue_bind_i64(del, "$id", id)) {
			queue_stmt_done(upd);
			queue_stmt_done(del);
			return queue_db_error(q, "bind contact update");
		}
		rc = queue_exec_stmt(q, upd, "update contact");
		if (rc == 0)
			rc = queue_exec_stmt(q, del, "delete contact tags");
		else
			queue_stmt_done(del);
	}
	for (size_t i = 0; i < c->n_tags && rc == 0; i++) {
		if (!queue_bind_i64(tag, "$id", id) || !queue_bind_text(tag, "$key", c->tag_keys[i]) ||
		    !queue_bind_text(tag, "$value", c->tag_values[i])) {
			queue_stmt_done(tag);
			return queue_db_error(q, "bind contact tag");
		}
		rc = queue_exec_stmt(q, tag, "insert contact tag");
	}
	return rc;
}

int
queue_contacts_upsert(struct queue *q, const struct queue_contact *c, size_t n, int64_t now_ms,
		      size_t *inserted, size_t *updated)
{
	size_t ins = 0, upd = 0;
	int top, rc = 0;

	if (inserted)
		*inserted = 0;
	if (updated)
		*updated = 0;
	if (!q || (n && !c))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!queue_contact_ok(&c[i])) {
			LOG(LOG_WARN, QUEUE_LOG, "contacts: entry #%zu is malformed", i);
			return -EINVAL;
		}
	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	for (size_t i = 0; i < n && rc == 0; i++) {
		bool is_new = false;

		rc = queue_contact_put(q, &c[i], now_ms, &is_new);
		if (is_new)
			ins++;
		else
			upd++;
	}
	rc = queue_tx_leave(q, top, rc);
	if (rc < 0)
		return rc;
	if (inserted)
		*inserted = ins;
	if (updated)
		*updated = upd;
	LOG(LOG_DEBUG, QUEUE_LOG, "contacts: %zu new, %zu updated", ins, upd);
	return 0;
}

int
queue_contacts_count(struct queue *q, const char *query, int64_t *n)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (!q || !n)
		return -EINVAL;
	st = queue_group_stmt(q, query, "SELECT count(*) FROM ", "", &rc);
	if (!st)
		return rc;
	rc = queue_step(q, st, "count contacts");
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Fill a row of QUEUE_CONTACT_COLS. */
static void
queue_contact_read(sqlite3_stmt *st, struct queue_contact_row *out)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	queue_col_str(st, 1, out->number, sizeof(out->number));
	queue_col_str(st, 2, out->name, sizeof(out->name));
	queue_col_str(st, 3, out->operator, sizeof(out->operator));
	out->created_at_ms = sqlite3_column_int64(st, 4);
	out->updated_at_ms = sqlite3_column_int64(st, 5);
	queue_col_str(st, 6, out->tags, sizeof(out->tags));
}

int
queue_contacts_list(struct queue *q, const char *query, int64_t after_id, int limit,
		    int (*cb)(const struct queue_contact_row *c, void *arg), void *arg)
{
	struct queue_contact_row row;
	sqlite3_stmt *st;
	int rc = 0;

	if (!q || !cb || limit <= 0)
		return -EINVAL;
	st = queue_group_stmt(q, query,
			      "SELECT " QUEUE_CONTACT_COLS " FROM contacts c"
			      " WHERE c.id > $after_id AND c.id IN ",
			      " ORDER BY c.id LIMIT $limit", &rc);
	if (!st)
		return rc;
	if (!queue_bind_i64(st, "$after_id", after_id) || !queue_bind_int(st, "$limit", limit)) {
		sqlite3_finalize(st);
		return queue_db_error(q, "bind contacts list");
	}
	while ((rc = queue_step(q, st, "list contacts")) == SQLITE_ROW) {
		queue_contact_read(st, &row);
		if (cb(&row, arg))
			break;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

int
queue_contact_get(struct queue *q, const char *number, struct queue_contact_row *out)
{
	sqlite3_stmt *st;
	int rc;

	if (!q || !queue_number_ok(number) || !out)
		return -EINVAL;
	st = queue_prep(q, QLAZY_CONTACT_GET, queue_sql_contact_get);
	if (!st)
		return -EIO;
	if (!queue_bind_text(st, "$number", number)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind contact get");
	}
	rc = queue_step(q, st, "get contact");
	if (rc == SQLITE_ROW)
		queue_contact_read(st, out);
	queue_stmt_done(st);
	if (rc < 0)
		return rc;
	return rc == SQLITE_ROW ? 0 : -ENOENT;
}

/* Run a one-parameter (text) write; rows changed or -errno. */
static int
queue_write_by_name(struct queue *q, enum queue_lazy_stmt slot, const char *sql,
		    const char *param, const char *value, const char *what)
{
	sqlite3_stmt *st = queue_prep(q, slot, sql);
	int rc;

	if (!st)
		return -EIO;
	if (!queue_bind_text(st, param, value)) {
		queue_stmt_done(st);
		return queue_db_error(q, what);
	}
	rc = queue_exec_stmt(q, st, what);
	return rc < 0 ? rc : sqlite3_changes(q->db);
}

int
queue_contact_delete(struct queue *q, const char *number)
{
	int rc;

	if (!q || !queue_number_ok(number))
		return -EINVAL;
	rc = queue_write_by_name(q, QLAZY_CONTACT_DELETE, queue_sql_contact_delete, "$number",
				 number, "delete contact");
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

/* ---- groups ---- */

static bool
queue_group_name_ok(const char *name)
{
	return name && name[0] && strlen(name) < QUEUE_NAME_MAX;
}

int
queue_group_save(struct queue *q, const char *name, const char *query, int64_t now_ms)
{
	struct queue_group_term t[QUEUE_GROUP_TERMS];
	sqlite3_stmt *st;

	if (!q || !queue_group_name_ok(name) || queue_group_parse(query, t) < 0)
		return -EINVAL;
	st = queue_prep(q, QLAZY_GROUP_SAVE, queue_sql_group_save);
	if (!st)
		return -EIO;
	if (!queue_bind_text(st, "$name", name) || !queue_bind_text(st, "$query", query) ||
	    !queue_bind_i64(st, "$now", now_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind group save");
	}
	return queue_exec_stmt(q, st, "save group");
}

int
queue_groups_list(struct queue *q, int (*cb)(const char *name, const char *query, void *arg),
		  void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (!q || !cb)
		return -EINVAL;
	st = queue_prep(q, QLAZY_GROUPS_LIST, queue_sql_groups_list);
	if (!st)
		return -EIO;
	if (sqlite3_stmt_busy(st))
		return -EBUSY;
	while ((rc = queue_step(q, st, "list groups")) == SQLITE_ROW)
		if (cb((const char *)sqlite3_column_text(st, 0),
		       (const char *)sqlite3_column_text(st, 1), arg))
			break;
	queue_stmt_done(st);
	return rc < 0 ? rc : 0;
}

int
queue_group_get(struct queue *q, const char *name, char *query, size_t size)
{
	sqlite3_stmt *st;
	const unsigned char *v;
	int rc;

	if (!q || !queue_group_name_ok(name) || !query || size == 0)
		return -EINVAL;
	st = queue_prep(q, QLAZY_GROUP_GET, queue_sql_group_get);
	if (!st)
		return -EIO;
	if (!queue_bind_text(st, "$name", name)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind group get");
	}
	rc = queue_step(q, st, "get group");
	if (rc == SQLITE_ROW) {
		v = sqlite3_column_text(st, 0);
		rc = util_strlcpy(query, v ? (const char *)v : "", size) >= size ? -ENOSPC : 0;
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	}
	queue_stmt_done(st);
	return rc;
}

int
queue_group_delete(struct queue *q, const char *name)
{
	int rc;

	if (!q || !queue_group_name_ok(name))
		return -EINVAL;
	rc = queue_write_by_name(q, QLAZY_GROUP_DELETE, queue_sql_group_delete, "$name", name,
				 "delete group");
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}
