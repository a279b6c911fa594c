/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_admin — the operator surface of the store: the audit log (who did what, with
 * credentials scrubbed before anything is written), the counts /metrics shows, and the
 * opt-out list.
 *
 * DESIGN
 * - /metrics must stay cheap with a million messages: every count here is read from msg_counts
 *   and counters, tables the triggers of schema 3 keep in the same transaction as the change
 *   (queue_migrate.c), so the cost depends on the number of campaigns and actions, not on the
 *   number of rows.
 * - The audit log never stores a credential: who, object and detail pass through
 *   queue_audit_scrub(), which masks the value after token/password/secret/authorization/
 *   api_key/apikey (followed by '=' or ':') and after "Bearer"/"Basic". The gateway should not
 *   pass tokens in the first place; this is the second line.
 *
 * Thread: the thread that owns the struct queue.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/util.h"
#include "queue/queue_int.h"

static const char queue_sql_audit_insert[] =
	"INSERT INTO audit (at, who, action, object, result, detail)"
	" VALUES ($now, $who, $action, $object, $result, $detail)";
static const char queue_sql_optouts_list[] =
	"SELECT number, created_at FROM optouts WHERE number > $after ORDER BY number"
	" LIMIT $limit";
static const char queue_sql_optouts_count[] =
	"SELECT coalesce((SELECT n FROM counters WHERE kind = 'optout' AND key = ''), 0)";
static const char queue_sql_counts_all[] =
	"SELECT state, priority, sum(n) FROM msg_counts GROUP BY state, priority";
static const char queue_sql_counters[] =
	"SELECT kind, key, n FROM counters WHERE n > 0 ORDER BY kind, n DESC, key";

/* ---- audit ---- */

static const char *const queue_secret_keys[] = { "authorization", "password", "api_key",
						  "apikey", "secret", "token" };

/* Length of the credential key at s (case-insensitive), 0 when none. */
static size_t
queue_secret_key_at(const char *s)
{
	for (size_t i = 0; i < sizeof(queue_secret_keys) / sizeof(queue_secret_keys[0]); i++) {
		size_t n = strlen(queue_secret_keys[i]);

		if (strncasecmp(s, queue_secret_keys[i], n) == 0)
			return n;
	}
	return 0;
}

static bool
queue_value_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr(",;&\"'}", c);
}

/* A scheme word ("Bearer ", "Basic ") at s: its length with the spaces, else 0. */
static size_t
queue_scheme_at(const char *s)
{
	size_t n = 0;

	if (strncasecmp(s, "bearer", 6) == 0)
		n = 6;
	else if (strncasecmp(s, "basic", 5) == 0)
		n = 5;
	if (!n || !isspace((unsigned char)s[n]))
		return 0;
	while (isspace((unsigned char)s[n]))
		n++;
	return n;
}

/* Copy in with credential values replaced by "***"; malloc'd, NULL when in is NULL/no memory. */
char *
queue_audit_scrub(const char *in)
{
	size_t len, o = 0;
	char *out;

	if (!in)
		return NULL;
	len = strlen(in);
	out = malloc(2 * len + 8); /* each mask (3 bytes) follows at least 5 bytes kept */
	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		/* keys anywhere ("x_token=", "mytoken="): masking too much beats leaking */
		size_t k = queue_secret_key_at(in + i);
		size_t j, sch = k ? 0 : (i == 0 || !isalnum((unsigned char)in[i - 1]))
						? queue_scheme_at(in + i)
						: 0;

		if (k) {
			/* key, optional spaces/quotes, '=' or ':', optional spaces/quote */
			j = i + k;
			while (in[j] == ' ' || in[j] == '"' || in[j] == '\'')
				j++;
			if (in[j] != '=' && in[j] != ':') {
				memcpy(out + o, in + i, k);
				o += k;
				i += k;
				continue;
			}
			j++;
			while (in[j] == ' ' || in[j] == '"' || in[j] == '\'')
				j++;
			j += queue_scheme_at(in + j);
		} else if (sch) {
			j = i + sch;
		} else {
			out[o++] = in[i++];
			continue;
		}
		memcpy(out + o, in + i, j - i);
		o += j - i;
		if (queue_value_char(in[j])) {
			memcpy(out + o, "***", 3);
			o += 3;
			while (queue_value_char(in[j]))
				j++;
		}
		i = j;
	}
	out[o] = '\0';
	return out;
}

int
queue_audit(struct queue *q, const char *who, const char *action, const char *object,
	    int result_code, const char *detail, int64_t now_ms)
{
	sqlite3_stmt *st;
	char *w = NULL, *ob = NULL, *d = NULL;
	int rc;

	if (!q || !who || !who[0] || !action || !action[0])
		return -EINVAL;
	st = queue_prep(q, QLAZY_AUDIT_INSERT, queue_sql_audit_insert);
	if (!st)
		return -EIO;
	w = queue_audit_scrub(who);
	ob = queue_audit_scrub(object);
	d = queue_audit_scrub(detail);
	if (!w || (object && !ob) || (detail && !d)) {
		rc = -ENOMEM;
		goto out;
	}
	if (!queue_bind_i64(st, "$now", now_ms) || !queue_bind_text(st, "$who", w) ||
	    !queue_bind_text(st, "$action", action) || !queue_bind_text(st, "$object", ob) ||
	    !queue_bind_int(st, "$result", result_code) || !queue_bind_text(st, "$detail", d)) {
		queue_stmt_done(st);
		rc = queue_db_error(q, "bind audit");
		goto out;
	}
	rc = queue_exec_stmt(q, st, "insert audit");
out:
	free(w);
	free(ob);
	free(d);
	return rc;
}

int
queue_audit_list(struct queue *q, const struct queue_audit_filter *f,
		 int (*cb)(const struct queue_audit_entry *e, void *arg), void *arg)
{
	char sql[320];
	sqlite3_stmt *st;
	struct queue_audit_entry e;
	int rc;

	if (!q || !f || !cb || f->limit <= 0)
		return -EINVAL;
	snprintf(sql, sizeof(sql),
		 "SELECT id, at, who, action, coalesce(object, ''), result, coalesce(detail, '')"
		 " FROM audit WHERE id > $after_id%s%s%s ORDER BY id LIMIT $limit",
		 f->who ? " AND who = $who" : "", f->action ? " AND action = $action" : "",
		 f->since_ms ? " AND at >= $since" : "");
	st = queue_prep_once(q, sql);
	if (!st)
		return -EIO;
	if (!queue_bind_i64(st, "$after_id", f->after_id) || !queue_bind_int(st, "$limit", f->limit) ||
	    (f->who && !queue_bind_text(st, "$who", f->who)) ||
	    (f->action && !queue_bind_text(st, "$action", f->action)) ||
	    (f->since_ms && !queue_bind_i64(st, "$since", f->since_ms))) {
		sqlite3_finalize(st);
		return queue_db_error(q, "bind audit list");
	}
	while ((rc = queue_step(q, st, "list audit")) == SQLITE_ROW) {
		e.id = sqlite3_column_int64(st, 0);
		e.at_ms = sqlite3_column_int64(st, 1);
		e.who = (const char *)sqlite3_column_text(st, 2);
		e.action = (const char *)sqlite3_column_text(st, 3);
		e.object = (const char *)sqlite3_column_text(st, 4);
		e.result_code = sqlite3_column_int(st, 5);
		e.detail = (const char *)sqlite3_column_text(st, 6);
		if (cb(&e, arg))
			break;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

/* ---- metrics ---- */

int
queue_metrics(struct queue *q, struct queue_metrics *out)
{
	sqlite3_stmt *st;
	int rc;

	if (!q || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	st = queue_prep(q, QLAZY_COUNTS_ALL, queue_sql_counts_all);
	if (!st)
		return -EIO;
	while ((rc = queue_step(q, st, "metrics messages")) == SQLITE_ROW) {
		int s = queue_state_parse((const char *)sqlite3_column_text(st, 0));
		int prio = sqlite3_column_int(st, 1);
		int64_t n = sqlite3_column_int64(st, 2);

		if (s < 0)
			continue;
		out->messages[s] += n;
		if (s == QUEUE_QUEUED && prio >= QUEUE_PRIO_BULK && prio <= QUEUE_PRIO_REPLY)
			out->queued_by_priority[prio] += n;
	}
	queue_stmt_done(st);
	if (rc < 0)
		return rc;
	st = queue_prep(q, QLAZY_COUNTERS, queue_sql_counters);
	if (!st)
		return -EIO;
	while ((rc = queue_step(q, st, "metrics counters")) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *key = (const char *)sqlite3_column_text(st, 1);
		int64_t n = sqlite3_column_int64(st, 2);

		if (!kind || !key)
			continue;
		if (strcmp(kind, "inbound") == 0) {
			if (out->n_inbound < QUEUE_METRICS_ACTIONS) {
				util_strlcpy(out->inbound[out->n_inbound].action, key,
					     sizeof(out->inbound[0].action));
				out->inbound[out->n_inbound++].n = n;
			} else {
				out->inbound_other += n;
			}
		} else if (strcmp(kind, "report") == 0) {
			if (strcmp(key, "new") == 0)
				out->reports_new = n;
			else if (strcmp(key, "reviewing") == 0)
				out->reports_reviewing = n;
			else if (strcmp(key, "resolved") == 0)
				out->reports_resolved = n;
		} else if (strcmp(kind, "optout") == 0) {
			out->optouts = n;
		}
	}
	queue_stmt_done(st);
	return rc < 0 ? rc : 0;
}

/* ---- opt-outs ---- */

int
queue_optouts_list(struct queue *q, const char *after, int limit,
		   int (*cb)(const char *number, int64_t created_at_ms, void *arg), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (!q || !cb || limit <= 0)
		return -EINVAL;
	st = queue_prep(q, QLAZY_OPTOUTS_LIST, queue_sql_optouts_list);
	if (!st)
		return -EIO;
	if (sqlite3_stmt_busy(st))
		return -EBUSY;
	if (!queue_bind_text(st, "$after", after ? after : "") ||
	    !queue_bind_int(st, "$limit", limit)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind optouts list");
	}
	while ((rc = queue_step(q, st, "list optouts")) == SQLITE_ROW)
		if (cb((const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1), arg))
			break;
	queue_stmt_done(st);
	return rc < 0 ? rc : 0;
}

int
queue_optouts_count(struct queue *q, int64_t *n)
{
	sqlite3_stmt *st;
	int rc;

	if (!q || !n)
		return -EINVAL;
	st = queue_prep(q, QLAZY_OPTOUTS_COUNT, queue_sql_optouts_count);
	if (!st)
		return -EIO;
	rc = queue_step(q, st, "count optouts");
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	queue_stmt_done(st);
	return rc < 0 ? rc : 0;
}
