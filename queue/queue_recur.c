/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_recur — recurring campaigns. A campaign created with a recurrence rule is a template:
 * it keeps the text, priority, explicit recipients (campaign_recipients) and group query,
 * sends nothing itself, and spawns one ordinary child campaign per run. The store does not
 * parse rules; the gateway reads due templates, computes the run's window and the next run
 * from the rule, and calls queue_campaign_spawn().
 *
 * DESIGN
 * - campaigns_recurring, a partial index on next_run_at over templates only, makes "which
 *   templates are due" one range read however many campaigns the store holds.
 * - A spawn is one transaction: the child row, the template's explicit recipients and the
 *   group query evaluated now (so contacts added since the template was made are included),
 *   gathered and stored as at creation (queue_campaign_fill(): opt-outs suppressed, chunks),
 *   and the template's next_run_at moved. A crash
 *   between two runs therefore never sends a run twice or loses the schedule.
 * - Explicit recipients go in before the group, so an operator given with a number wins over
 *   the contact's, as at creation.
 *
 * Thread: the thread that owns the struct queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "queue/queue_int.h"

static const char queue_sql_recurring_due[] =
	"SELECT id FROM campaigns WHERE recurrence IS NOT NULL AND next_run_at <= $now"
	" AND paused = 0 AND cancelled_at IS NULL ORDER BY next_run_at, id";
static const char queue_sql_template_rcpts[] =
	"SELECT recipient, operator FROM campaign_recipients WHERE campaign_id = $parent";
static const char queue_sql_recurring_next[] =
	"SELECT min(next_run_at) FROM campaigns WHERE recurrence IS NOT NULL AND paused = 0"
	" AND cancelled_at IS NULL";
static const char queue_sql_set_next_run[] =
	"UPDATE campaigns SET next_run_at = $next WHERE id = $id";

int
queue_recurring_due(struct queue *q, int64_t now_ms,
		    int (*cb)(const struct queue_campaign *parent, void *arg), void *arg)
{
	sqlite3_stmt *st;
	int64_t *ids = NULL, *tmp;
	size_t n = 0, cap = 0, done = 0;
	int rc;

	if (!q || !cb)
		return -EINVAL;
	st = queue_prep(q, QLAZY_RECURRING_DUE, queue_sql_recurring_due);
	if (!st)
		return -EIO;
	if (!queue_bind_i64(st, "$now", now_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind recurring due");
	}
	/* Collected first: cb spawns, which moves next_run_at under this index. */
	while ((rc = queue_step(q, st, "recurring due")) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			tmp = realloc(ids, cap * sizeof(*ids));
			if (!tmp) {
				rc = -ENOMEM;
				break;
			}
			ids = tmp;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	queue_stmt_done(st);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		struct queue_campaign c;
		int stop;

		rc = queue_campaign_get_at(q, ids[i], now_ms, &c);
		if (rc == -ENOENT) {
			rc = 0;
			continue;
		}
		if (rc < 0)
			break;
		done++;
		stop = cb(&c, arg);
		queue_campaign_clear(&c);
		if (stop)
			break;
	}
	free(ids);
	return rc < 0 ? rc : (int)done;
}

int64_t
queue_recurring_next_ms(struct queue *q)
{
	sqlite3_stmt *st = q ? queue_prep(q, QLAZY_RECURRING_NEXT, queue_sql_recurring_next) : NULL;
	int64_t next = INT64_MAX;

	if (!st)
		return INT64_MAX;
	if (queue_step(q, st, "next recurring run") == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		next = sqlite3_column_int64(st, 0);
	queue_stmt_done(st);
	return next;
}

/* Add the template's explicit recipients to s. */
static int
queue_template_gather(struct queue *q, int64_t parent, struct queue_rset *s)
{
	sqlite3_stmt *st = queue_prep(q, QLAZY_TEMPLATE_RCPTS, queue_sql_template_rcpts);
	int rc;

	if (!st)
		return -EIO;
	if (!queue_bind_i64(st, "$parent", parent)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind template recipients");
	}
	while ((rc = queue_step(q, st, "template recipients")) == SQLITE_ROW) {
		rc = queue_rset_add(s, (const char *)sqlite3_column_text(st, 0),
				    (const char *)sqlite3_column_text(st, 1));
		if (rc < 0)
			break;
	}
	queue_stmt_done(st);
	return rc < 0 ? rc : 0;
}

int
queue_campaign_spawn(struct queue *q, int64_t parent_id, int64_t start_at_ms, int64_t end_by_ms,
		     int64_t next_run_at_ms, int64_t now_ms, int64_t *child_id)
{
	struct queue_campaign p;
	struct queue_campaign_spec spec;
	struct queue_rset *s = NULL;
	sqlite3_stmt *st;
	int64_t start = start_at_ms ? start_at_ms : now_ms, child = 0, added = 0;
	int top, rc;

	if (!q || start_at_ms < 0 || end_by_ms < 0 || next_run_at_ms < 0 ||
	    (end_by_ms && end_by_ms <= start))
		return -EINVAL;
	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	rc = queue_campaign_get_at(q, parent_id, now_ms, &p);
	if (rc == 0 && strcmp(p.status, "cancelled") == 0)
		rc = -ESTALE;
	else if (rc == 0 && !p.recurrence[0])
		rc = -EINVAL;
	if (rc == 0 && !(s = queue_rset_new()))
		rc = -ENOMEM;
	if (rc == 0)
		rc = queue_template_gather(q, parent_id, s);
	if (rc == 0) {
		spec = (struct queue_campaign_spec){
			.text = p.text, .encoding = p.encoding, .segments = p.segments,
			.priority = p.priority, .start_at_ms = start, .end_by_ms = end_by_ms,
			.name = p.name[0] ? p.name : NULL,
			.group_query = p.group_query[0] ? p.group_query : NULL, .rset = s,
		};
		rc = queue_campaign_insert(q, &spec, start, parent_id, now_ms, &child, &added);
	}
	queue_rset_free(s);
	if (rc == 0) {
		st = queue_prep(q, QLAZY_SET_NEXT_RUN, queue_sql_set_next_run);
		if (!st)
			rc = -EIO;
		else if (!(next_run_at_ms ? queue_bind_i64(st, "$next", next_run_at_ms)
					  : queue_bind_text(st, "$next", NULL)) ||
			 !queue_bind_i64(st, "$id", parent_id)) {
			queue_stmt_done(st);
			rc = queue_db_error(q, "bind next run");
		} else {
			rc = queue_exec_stmt(q, st, "set next run");
		}
	}
	rc = queue_tx_leave(q, top, rc);
	if (rc == 0)
		LOG(LOG_INFO, QUEUE_LOG, "template %lld spawned campaign %lld: %lld messages",
		    (long long)parent_id, (long long)child, (long long)added);
	queue_campaign_clear(&p); /* zeroed by queue_campaign_get_at() when it failed */
	if (rc == 0 && child_id)
		*child_id = child;
	return rc;
}
