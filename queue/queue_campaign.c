/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_campaign — campaigns in the SQLite store: creation (explicit recipients with their
 * operators, contact groups, polls, recurring templates), reading one or a page of them with
 * their status and counts, pause/resume, cancel, a preview that stores nothing, and replies to
 * citizens (the messages without a campaign).
 *
 * DESIGN
 * - A campaign's text lives once in `campaigns`; its messages carry only the recipient, its
 *   operator and their own state. A reply carries its own text (campaign_id NULL).
 * - Every way recipients arrive (explicit numbers, spec->rset, a group, a template's run,
 *   recipients added later) goes through one set (queue_rset.c) and queue_campaign_fill():
 *   de-duplicated, the contact's operator when none is given, opt-outs stored `suppressed`,
 *   the rest stored as messages and chunks (queue_chunks.c), all in one transaction.
 * - A template (recurrence set) stores its explicit recipients in campaign_recipients and no
 *   messages; queue_recur.c spawns its runs.
 * - Pause is a flag on the campaign that claims and next-due read; no message row changes.
 * - Counts come from msg_counts (triggers), so a page of campaigns costs a few index reads each.
 * - The preview gathers the same set and counts it without storing anything.
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

#define QUEUE_CAMPAIGN_COLS                                                                        \
	"id, text, encoding, segments, priority, created_at, start_at, end_by,"                    \
	" coalesce(name, ''), coalesce(recurrence, ''), coalesce(group_query, ''),"                \
	" coalesce(parent_id, 0), coalesce(next_run_at, 0), last_claim_at,"                        \
	" coalesce(poll_closes_at, 0), paused, cancelled_at IS NOT NULL,"                          \
	" (SELECT count(*) FROM poll_answers a WHERE a.campaign_id = campaigns.id)"

static const char queue_sql_campaign_insert[] =
	"INSERT INTO campaigns (text, encoding, segments, priority, created_at, start_at, end_by,"
	" name, group_query, recurrence, next_run_at, parent_id, poll_closes_at)"
	" VALUES ($text, $encoding, $segments, $priority, $now, $start_at, $end_by, $name,"
	" $group_query, $recurrence, $next_run_at, $parent_id, $poll_closes_at)";
static const char queue_sql_template_rcpt_insert[] =
	"INSERT OR IGNORE INTO campaign_recipients (campaign_id, recipient, operator)"
	" VALUES ($campaign_id, $recipient, $operator)";
static const char queue_sql_poll_answer_insert[] =
	"INSERT INTO poll_answers (campaign_id, answer, pos) VALUES ($campaign_id, $answer, $pos)";
static const char queue_sql_campaign_get[] =
	"SELECT " QUEUE_CAMPAIGN_COLS " FROM campaigns WHERE id = $id";
static const char queue_sql_campaigns_list[] =
	"SELECT " QUEUE_CAMPAIGN_COLS " FROM campaigns WHERE id > $after_id ORDER BY id"
	" LIMIT $limit";
static const char queue_sql_pause[] = "UPDATE campaigns SET paused = $paused WHERE id = $id";
static const char queue_sql_cancelled_at[] =
	"UPDATE campaigns SET cancelled_at = coalesce(cancelled_at, $now) WHERE id = $id";
static const char queue_sql_reply_insert[] =
	"INSERT INTO messages (campaign_id, recipient, operator, text, encoding, segments,"
	" priority, state, next_attempt_at, created_at, updated_at) VALUES (NULL, $recipient,"
	" $operator, $text, $encoding, $segments, 3, 'queued', $now, $now, $now)";
static const char queue_sql_replies_since[] =
	"SELECT count(*) FROM messages WHERE campaign_id IS NULL AND recipient = $number"
	" AND created_at >= $since";

void
queue_campaign_clear(struct queue_campaign *c)
{
	if (!c)
		return;
	free(c->text);
	memset(c, 0, sizeof(*c));
}

/* Validate the parts of a spec shared by create and preview; 0 or -EINVAL (-ENOSYS). */
static int
queue_spec_check(const struct queue_campaign_spec *spec, int64_t *start, int64_t now_ms)
{
	char sql[1024];
	int rc;

	if (!spec || !spec->text || !spec->text[0] || !queue_encoding_ok(spec->encoding) ||
	    spec->segments < 1 || spec->priority < QUEUE_PRIO_BULK ||
	    spec->priority > QUEUE_PRIO_ALERT || spec->start_at_ms < 0 || spec->end_by_ms < 0 ||
	    (spec->n_recipients && !spec->recipients))
		return -EINVAL;
	*start = spec->start_at_ms ? spec->start_at_ms : now_ms;
	if (spec->end_by_ms && spec->end_by_ms <= *start)
		return -EINVAL;
	if (spec->name && strlen(spec->name) >= QUEUE_NAME_MAX)
		return -EINVAL;
	if (spec->recurrence && (!spec->recurrence[0] ||
				 strlen(spec->recurrence) >= QUEUE_RECURRENCE_MAX))
		return -EINVAL;
	if (spec->n_poll_answers > QUEUE_POLL_ANSWERS_MAX ||
	    (spec->n_poll_answers && (!spec->poll_answers || spec->poll_closes_at_ms <= 0)))
		return -EINVAL;
	for (size_t i = 0; i < spec->n_poll_answers; i++) {
		const char *a = spec->poll_answers[i];

		if (!a || !a[0] || strlen(a) >= QUEUE_ANSWER_MAX)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(a, spec->poll_answers[j]) == 0)
				return -EINVAL;
	}
	for (size_t i = 0; i < spec->n_recipients; i++) {
		const char *r = spec->recipients[i];
		uint64_t key;

		if (!r || !queue_rcpt_pack(r, strlen(r), &key) || /* E.164, as the set keeps it */
		    (spec->operators && !queue_operator_ok(spec->operators[i])))
			return -EINVAL;
	}
	if (spec->group_query) {
		if (strlen(spec->group_query) >= QUEUE_QUERY_MAX)
			return -EINVAL;
		rc = queue_group_sql(spec->group_query, sql, sizeof(sql));
		if (rc < 0)
			return rc == -ENOSPC ? -EINVAL : rc;
	}
	return 0;
}

static int
queue_poll_answers_insert(struct queue *q, int64_t id, const struct queue_campaign_spec *spec)
{
	sqlite3_stmt *st = queue_prep(q, QLAZY_POLL_ANSWER_INSERT, queue_sql_poll_answer_insert);
	int rc = 0;

	if (!st)
		return -EIO;
	for (size_t i = 0; i < spec->n_poll_answers && rc == 0; i++) {
		if (!queue_bind_i64(st, "$campaign_id", id) ||
		    !queue_bind_text(st, "$answer", spec->poll_answers[i]) ||
		    !queue_bind_int(st, "$pos", (int)i)) {
			queue_stmt_done(st);
			return queue_db_error(q, "bind poll answer");
		}
		rc = queue_exec_stmt(q, st, "insert poll answer");
	}
	return rc;
}

/* A template's explicit recipients from a set (a big request) into campaign_recipients. */
static int
queue_template_rset_insert(struct queue *q, int64_t id, const struct queue_rset *s)
{
	sqlite3_stmt *st = queue_prep(q, QLAZY_TEMPLATE_RCPT_INSERT, queue_sql_template_rcpt_insert);
	char num[QUEUE_RCPT_STR];
	int rc = 0;

	if (!st)
		return -EIO;
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		queue_rcpt_unpack(s->v[i].key, num);
		if (!queue_bind_i64(st, "$campaign_id", id) || !queue_bind_text(st, "$recipient", num) ||
		    !queue_bind_text(st, "$operator", queue_rset_op(s, s->v[i].op))) {
			queue_stmt_done(st);
			return queue_db_error(q, "bind template recipient");
		}
		rc = queue_exec_stmt(q, st, "insert template recipient");
	}
	return rc;
}

int
queue_campaign_fill(struct queue *q, int64_t id, int priority, int64_t due, const char *group,
		    struct queue_rset *s, int64_t now_ms, int64_t *added)
{
	int64_t opted_out = 0;
	int rc = 0;

	if (group)
		rc = queue_group_collect(q, group, s);
	if (rc == 0) {
		queue_rset_finish(s);
		rc = queue_rset_contact_ops(q, s);
	}
	if (rc == 0)
		rc = queue_rset_optouts(q, s, &opted_out);
	if (rc == 0) {
		queue_rset_order_given(s);
		rc = queue_rset_store(q, s, id, priority, due, now_ms, added);
	}
	return rc;
}

/* Add the spec's explicit recipients to s; -EINVAL (logged) for a bad one. */
static int
queue_spec_rset(const struct queue_campaign_spec *spec, struct queue_rset *s)
{
	for (size_t i = 0; i < spec->n_recipients; i++) {
		int rc = queue_rset_add(s, spec->recipients[i],
					spec->operators ? spec->operators[i] : NULL);
		if (rc < 0) {
			if (rc == -EINVAL)
				LOG(LOG_WARN, QUEUE_LOG, "recipient #%zu is not valid", i);
			return rc;
		}
	}
	return 0;
}

int
queue_campaign_insert(struct queue *q, const struct queue_campaign_spec *spec, int64_t start,
		      int64_t parent_id, int64_t now_ms, int64_t *id_out, int64_t *added)
{
	sqlite3_stmt *st = queue_prep(q, QLAZY_CAMPAIGN_INSERT3, queue_sql_campaign_insert);
	const char *gq = spec->group_query;
	bool template = spec->recurrence != NULL;
	int64_t id, due = start > now_ms ? start : now_ms;
	struct queue_rset *own = NULL, *s = spec->rset;
	int rc;

	if (!st)
		return -EIO;
	if (gq && (!gq[0] || strcmp(gq, "*") == 0))
		gq = "*"; /* stored as "*": "" reads as "no group" */
	if (!queue_bind_text(st, "$text", spec->text) ||
	    !queue_bind_text(st, "$encoding", spec->encoding) ||
	    !queue_bind_int(st, "$segments", spec->segments) ||
	    !queue_bind_int(st, "$priority", spec->priority) ||
	    !queue_bind_i64(st, "$now", now_ms) || !queue_bind_i64(st, "$start_at", start) ||
	    !queue_bind_i64(st, "$end_by", spec->end_by_ms) ||
	    !queue_bind_text(st, "$name", spec->name) || !queue_bind_text(st, "$group_query", gq) ||
	    !queue_bind_text(st, "$recurrence", spec->recurrence) ||
	    !(template ? queue_bind_i64(st, "$next_run_at", start)
		       : queue_bind_text(st, "$next_run_at", NULL)) ||
	    !(parent_id ? queue_bind_i64(st, "$parent_id", parent_id)
			: queue_bind_text(st, "$parent_id", NULL)) ||
	    !(spec->n_poll_answers ? queue_bind_i64(st, "$poll_closes_at", spec->poll_closes_at_ms)
				   : queue_bind_text(st, "$poll_closes_at", NULL))) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind campaign");
	}
	rc = queue_exec_stmt(q, st, "insert campaign");
	if (rc < 0)
		return rc;
	id = sqlite3_last_insert_rowid(q->db);
	rc = queue_poll_answers_insert(q, id, spec);
	if (rc == 0 && !s && !(s = own = queue_rset_new()))
		rc = -ENOMEM;
	if (rc == 0)
		rc = queue_spec_rset(spec, s);
	/* a template keeps its explicit recipients; each run gathers them with the group */
	if (rc == 0)
		rc = template ? queue_template_rset_insert(q, id, s)
			      : queue_campaign_fill(q, id, spec->priority, due, gq, s, now_ms, added);
	queue_rset_free(own);
	if (rc == 0)
		*id_out = id;
	return rc;
}

int
queue_campaign_create(struct queue *q, const struct queue_campaign_spec *spec, int64_t now_ms,
		      int64_t *id_out)
{
	int64_t start, id = 0, added = 0;
	int top, rc;

	rc = queue_spec_check(spec, &start, now_ms);
	if (rc < 0)
		return rc;
	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	rc = queue_campaign_insert(q, spec, start, 0, now_ms, &id, &added);
	rc = queue_tx_leave(q, top, rc);
	if (rc < 0)
		return rc;
	LOG(LOG_INFO, QUEUE_LOG, "campaign %lld created: %zu recipients%s, %lld messages, %s%s",
	    (long long)id, spec->n_recipients + queue_rset_given(spec->rset),
	    spec->group_query ? " and a group" : "",
	    (long long)added, queue_priority_name(spec->priority),
	    spec->recurrence ? ", recurring template" : "");
	if (id_out)
		*id_out = id;
	return 0;
}

/* Read a campaign row of QUEUE_CAMPAIGN_COLS; *cancelled from its cancelled_at. */
static int
queue_campaign_read(sqlite3_stmt *st, struct queue_campaign *out, bool *cancelled)
{
	const unsigned char *text = sqlite3_column_text(st, 1);

	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	out->text = strdup(text ? (const char *)text : "");
	queue_col_str(st, 2, out->encoding, sizeof(out->encoding));
	out->segments = sqlite3_column_int(st, 3);
	out->priority = sqlite3_column_int(st, 4);
	out->created_at_ms = sqlite3_column_int64(st, 5);
	out->start_at_ms = sqlite3_column_int64(st, 6);
	out->end_by_ms = sqlite3_column_int64(st, 7);
	queue_col_str(st, 8, out->name, sizeof(out->name));
	queue_col_str(st, 9, out->recurrence, sizeof(out->recurrence));
	queue_col_str(st, 10, out->group_query, sizeof(out->group_query));
	out->parent_id = sqlite3_column_int64(st, 11);
	out->next_run_at_ms = sqlite3_column_int64(st, 12);
	out->last_claim_at_ms = sqlite3_column_int64(st, 13);
	out->poll_closes_at_ms = sqlite3_column_int64(st, 14);
	out->paused = sqlite3_column_int(st, 15) != 0;
	*cancelled = sqlite3_column_int(st, 16) != 0;
	out->n_poll_answers = (size_t)sqlite3_column_int64(st, 17);
	return out->text ? 0 : -ENOMEM;
}

/* Add the per-state message counts of campaign `id` (0: replies) to c->counts and c->total. */
static int
queue_campaign_counts(struct queue *q, int64_t id, struct queue_campaign *c)
{
	sqlite3_stmt *st = q->stmt[QSTMT_CAMPAIGN_COUNTS];
	int rc;

	if (!queue_bind_i64(st, "$id", id)) {
		rc = queue_db_error(q, "bind campaign counts");
		goto out;
	}
	while ((rc = queue_step(q, st, "campaign counts")) == SQLITE_ROW) {
		int s = queue_state_parse((const char *)sqlite3_column_text(st, 0));
		int64_t n = sqlite3_column_int64(st, 1);

		if (s >= 0)
			c->counts[s] += n;
		c->total += n;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
out:
	queue_stmt_done(st);
	return rc;
}

/* Status from the row and the counts; see struct queue_campaign. */
static void
queue_campaign_status(struct queue_campaign *c, bool cancelled, int64_t now_ms)
{
	const char *s;

	if (cancelled)
		s = "cancelled";
	else if (c->recurrence[0])
		s = "recurring";
	else if (c->counts[QUEUE_QUEUED] + c->counts[QUEUE_SENDING] == 0)
		s = "done";
	else if (c->paused)
		s = "paused";
	else if (c->start_at_ms > now_ms)
		s = "scheduled";
	else
		s = "active";
	util_strlcpy(c->status, s, sizeof(c->status));
}

/* Row, counts and status of campaign id; 0, -ENOENT or -errno. out->text owned. */
static int
queue_campaign_load(struct queue *q, int64_t id, int64_t now_ms, struct queue_campaign *out,
		    bool *cancelled)
{
	sqlite3_stmt *st = queue_prep(q, QLAZY_CAMPAIGN_GET3, queue_sql_campaign_get);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -EIO;
	if (!queue_bind_i64(st, "$id", id)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind campaign get");
	}
	rc = queue_step(q, st, "get campaign");
	if (rc == SQLITE_ROW)
		rc = queue_campaign_read(st, out, cancelled);
	else if (rc == SQLITE_DONE)
		rc = -ENOENT;
	queue_stmt_done(st);
	if (rc == 0)
		rc = queue_campaign_counts(q, id, out);
	if (rc == 0)
		queue_campaign_status(out, *cancelled, now_ms);
	else
		queue_campaign_clear(out);
	return rc;
}

int
queue_campaign_get_at(struct queue *q, int64_t id, int64_t now_ms, struct queue_campaign *out)
{
	bool cancelled;

	if (!q || !out)
		return -EINVAL;
	return queue_campaign_load(q, id, now_ms, out, &cancelled);
}

int
queue_campaign_get(struct queue *q, int64_t id, struct queue_campaign *out)
{
	return queue_campaign_get_at(q, id, util_now_ms(), out);
}

int
queue_campaigns_list(struct queue *q, int64_t after_id, int limit, int64_t now_ms,
		     int (*cb)(const struct queue_campaign *c, void *arg), void *arg)
{
	sqlite3_stmt *st = queue_prep(q, QLAZY_CAMPAIGNS_LIST, queue_sql_campaigns_list);
	struct queue_campaign c;
	bool cancelled;
	int rc;

	if (!cb || limit <= 0)
		return -EINVAL;
	if (!st)
		return -EIO;
	if (sqlite3_stmt_busy(st))
		return -EBUSY;
	if (!queue_bind_i64(st, "$after_id", after_id) || !queue_bind_int(st, "$limit", limit)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind campaigns list");
	}
	while ((rc = queue_step(q, st, "list campaigns")) == SQLITE_ROW) {
		rc = queue_campaign_read(st, &c, &cancelled);
		if (rc == 0)
			rc = queue_campaign_counts(q, c.id, &c);
		if (rc == 0) {
			queue_campaign_status(&c, cancelled, now_ms);
			rc = cb(&c, arg) ? 1 : 0;
		}
		queue_campaign_clear(&c);
		if (rc)
			break;
	}
	queue_stmt_done(st);
	return rc < 0 ? rc : 0;
}

int
queue_campaign_add_recipients(struct queue *q, int64_t id, const char *const *recipients,
			      size_t n, int64_t now_ms)
{
	struct queue_rset *s = queue_rset_new();
	struct queue_campaign c;
	bool cancelled;
	int64_t added = 0;
	int top, rc = s ? 0 : -ENOMEM;

	if (n && !recipients)
		rc = -EINVAL;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = queue_rset_add(s, recipients[i], NULL);
	top = rc == 0 ? queue_tx_enter(q) : rc;
	if (top < 0) {
		queue_rset_free(s);
		return top;
	}
	rc = queue_campaign_load(q, id, now_ms, &c, &cancelled);
	/* the same rules as at creation: duplicates stored once, opt-outs suppressed, chunks */
	if (rc == 0)
		rc = c.recurrence[0] ? queue_template_rset_insert(q, id, s)
				     : queue_campaign_fill(q, id, c.priority,
							   c.start_at_ms > now_ms ? c.start_at_ms
										  : now_ms,
							   NULL, s, now_ms, &added);
	queue_campaign_clear(&c);
	queue_rset_free(s);
	rc = queue_tx_leave(q, top, rc);
	if (rc == 0)
		LOG(LOG_INFO, QUEUE_LOG, "campaign %lld: %zu recipients added, %lld new",
		    (long long)id, n, (long long)added);
	return rc;
}

/* Run a one-row UPDATE on campaigns binding $id, $now (when present) and one integer. */
static int
queue_campaign_set(struct queue *q, enum queue_lazy_stmt slot, const char *sql, int64_t id,
		   const char *iname, int64_t ival, int64_t now_ms)
{
	sqlite3_stmt *st = queue_prep(q, slot, sql);

	if (!st)
		return -EIO;
	if (!queue_bind_i64(st, "$id", id) || (iname && !queue_bind_i64(st, iname, ival)) ||
	    (!iname && !queue_bind_i64(st, "$now", now_ms))) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind campaign update");
	}
	return queue_exec_stmt(q, st, "update campaign");
}

int
queue_campaign_cancel(struct queue *q, int64_t id, int64_t now_ms)
{
	sqlite3_stmt *st = q->stmt[QSTMT_CAMPAIGN_CANCEL];
	struct queue_campaign c;
	bool cancelled;
	int64_t n = 0, pending = 0;
	int top, rc;

	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	rc = queue_campaign_load(q, id, now_ms, &c, &cancelled);
	queue_campaign_clear(&c);
	if (rc == 0)
		rc = queue_campaign_set(q, QLAZY_CANCELLED_AT, queue_sql_cancelled_at, id, NULL, 0,
					now_ms);
	if (rc == 0) {
		if (!queue_bind_i64(st, "$id", id) || !queue_bind_i64(st, "$now", now_ms))
			rc = queue_db_error(q, "bind cancel");
		else
			rc = queue_exec_stmt(q, st, "cancel campaign");
		queue_stmt_done(st);
		n = sqlite3_changes64(q->db);
	}
	if (rc == 0) { /* recipients not yet handed to the dispatcher */
		pending = queue_chunks_drop(q, id, "cancelled");
		rc = pending < 0 ? (int)pending : 0;
	}
	rc = queue_tx_leave(q, top, rc);
	if (rc < 0)
		return rc;
	n += pending;
	LOG(LOG_NOTICE, QUEUE_LOG, "campaign %lld cancelled: %lld messages", (long long)id,
	    (long long)n);
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

int
queue_campaign_pause(struct queue *q, int64_t id, bool paused, int64_t now_ms)
{
	struct queue_campaign c;
	bool cancelled = false;
	int top, rc;

	if (!q)
		return -EINVAL;
	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	rc = queue_campaign_load(q, id, now_ms, &c, &cancelled);
	if (rc == 0 && (cancelled || strcmp(c.status, "done") == 0))
		rc = -ESTALE;
	if (rc == 0 && c.paused != paused)
		rc = queue_campaign_set(q, QLAZY_PAUSE, queue_sql_pause, id, "$paused", paused,
					now_ms);
	queue_campaign_clear(&c);
	rc = queue_tx_leave(q, top, rc);
	if (rc == 0)
		LOG(LOG_NOTICE, QUEUE_LOG, "campaign %lld %s", (long long)id,
		    paused ? "paused" : "resumed");
	return rc;
}

/* ---- replies ---- */

int
queue_reply_enqueue2(struct queue *q, const char *to, const char *operator, const char *text,
		     const char *encoding, int segments, int64_t now_ms, int64_t *id_out)
{
	sqlite3_stmt *st;
	int rc;

	if (!q || !queue_number_ok(to) || !queue_operator_ok(operator) || !text || !text[0] ||
	    !queue_encoding_ok(encoding) || segments < 1)
		return -EINVAL;
	st = queue_prep(q, QLAZY_REPLY_INSERT2, queue_sql_reply_insert);
	if (!st)
		return -EIO;
	if (!queue_bind_text(st, "$recipient", to) || !queue_bind_text(st, "$operator", operator) ||
	    !queue_bind_text(st, "$text", text) || !queue_bind_text(st, "$encoding", encoding) ||
	    !queue_bind_int(st, "$segments", segments) || !queue_bind_i64(st, "$now", now_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind reply");
	}
	rc = queue_exec_stmt(q, st, "insert reply");
	if (rc < 0)
		return rc;
	if (id_out)
		*id_out = sqlite3_last_insert_rowid(q->db);
	return 0;
}

int
queue_reply_enqueue(struct queue *q, const char *to, const char *text, const char *encoding,
		    int segments, int64_t now_ms, int64_t *id_out)
{
	return queue_reply_enqueue2(q, to, NULL, text, encoding, segments, now_ms, id_out);
}

int
queue_replies_since(struct queue *q, const char *number, int64_t since_ms, int64_t *n)
{
	sqlite3_stmt *st;
	int rc;

	if (!q || !queue_number_ok(number) || !n)
		return -EINVAL;
	st = queue_prep(q, QLAZY_REPLIES_SINCE, queue_sql_replies_since);
	if (!st)
		return -EIO;
	if (!queue_bind_text(st, "$number", number) || !queue_bind_i64(st, "$since", since_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind replies since");
	}
	rc = queue_step(q, st, "replies since");
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	queue_stmt_done(st);
	return rc < 0 ? rc : 0;
}

/* ---- preview ---- */

/* Count a finished, opt-out-marked set into out->ops, most recipients first. */
static int
queue_preview_ops(const struct queue_rset *s, struct queue_preview *out)
{
	int64_t *n = calloc(s->n_ops + 1, sizeof(*n));
	bool *done;

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		if (!s->v[i].optout)
			n[s->v[i].op]++;
	done = calloc(s->n_ops + 1, sizeof(*done));
	if (!done) {
		free(n);
		return -ENOMEM;
	}
	for (;;) { /* selection: operators are few */
		size_t best = SIZE_MAX;
		for (size_t k = 0; k <= s->n_ops; k++) {
			const char *kn = queue_rset_op(s, (uint16_t)k), *bn;
			if (done[k] || n[k] == 0)
				continue;
			bn = best == SIZE_MAX ? NULL : queue_rset_op(s, (uint16_t)best);
			if (best == SIZE_MAX || n[k] > n[best] ||
			    (n[k] == n[best] && strcmp(kn ? kn : "", bn ? bn : "") < 0))
				best = k;
		}
		if (best == SIZE_MAX)
			break;
		done[best] = true;
		if (out->n_ops < QUEUE_PREVIEW_OPERATORS) {
			const char *name = queue_rset_op(s, (uint16_t)best);
			util_strlcpy(out->ops[out->n_ops].operator, name ? name : "",
				     sizeof(out->ops[0].operator));
			out->ops[out->n_ops++].n = n[best];
		} else {
			out->ops_other += n[best];
		}
	}
	free(done);
	free(n);
	return 0;
}

int
queue_campaign_preview(struct queue *q, const struct queue_campaign_spec *spec, int64_t now_ms,
		       struct queue_preview *out)
{
	struct queue_rset *own = NULL, *s;
	int64_t start, opted_out = 0;
	int rc;

	if (!q || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	rc = queue_spec_check(spec, &start, now_ms);
	if (rc < 0)
		return rc;
	s = spec->rset;
	if (!s && !(s = own = queue_rset_new()))
		return -ENOMEM;
	/* the same steps as creation, without storing: the preview cannot disagree with it */
	rc = queue_spec_rset(spec, s);
	if (rc == 0 && spec->group_query)
		rc = queue_group_collect(q, spec->group_query, s);
	if (rc == 0) {
		out->recipients = (int64_t)queue_rset_finish(s);
		out->duplicates = (int64_t)queue_rset_given(s) - out->recipients;
		rc = queue_rset_contact_ops(q, s);
	}
	if (rc == 0)
		rc = queue_rset_optouts(q, s, &opted_out);
	if (rc == 0) {
		out->opted_out = opted_out;
		out->to_send = out->recipients - opted_out;
		rc = queue_preview_ops(s, out);
	}
	queue_rset_free(own);
	return rc;
}
