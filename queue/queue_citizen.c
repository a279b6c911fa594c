/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_citizen — the citizens' side of the store beyond filing an SMS: handling reports
 * (status changes with a note, look-ups, filtered listing), reassembling concatenated SMS
 * from their stored parts, polls attached to campaigns (answers, one vote per number, tally),
 * and retention (purging old inbound SMS, reports and votes).
 *
 * DESIGN
 * - A part of a concatenated SMS is stored at once (so it can be acknowledged to the modem)
 *   with action NULL; inbound_unrouted, a partial index on unrouted parts, finds the parts of
 *   one message and the groups waiting too long, and stays small because routed rows leave it.
 * - Report transitions are checked in C inside one transaction with the read of the old row,
 *   so `before` is exactly what was replaced.
 * - A vote is an UPSERT on (campaign_id, number): the last answer counts.
 * - Purging deletes in batches of QUEUE_PURGE_BATCH rows, each its own transaction, so a
 *   purge of a year of traffic never holds the write lock for long.
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

#define QUEUE_PURGE_BATCH 1000

#define QUEUE_REPORT_COLS                                                                          \
	"id, coalesce(inbound_id, 0), ticket, sender, text, status, created_at,"                   \
	" coalesce(category, ''), note, coalesce(modem, ''), coalesce(updated_by, ''),"            \
	" coalesce(updated_at, 0)"

static const char queue_sql_report_get[] =
	"SELECT " QUEUE_REPORT_COLS " FROM reports WHERE id = $id";
static const char queue_sql_report_get_ticket[] =
	"SELECT " QUEUE_REPORT_COLS " FROM reports WHERE ticket = $ticket";
static const char queue_sql_report_update[] =
	"UPDATE reports SET status = $status, note = coalesce($note, note), updated_by = $by,"
	" updated_at = $now WHERE id = $id";
static const char queue_sql_inbound_parts[] =
	"SELECT part, text, min(id) FROM inbound WHERE sender = $sender AND concat_ref = $ref"
	" AND parts = $parts AND action IS NULL AND concat_ref >= 0 AND received_at >= $since"
	" GROUP BY part ORDER BY part";
static const char queue_sql_inbound_incomplete[] =
	"SELECT sender, concat_ref, parts, min(received_at) FROM inbound"
	" WHERE action IS NULL AND concat_ref >= 0 GROUP BY sender, concat_ref, parts"
	" HAVING min(received_at) < $older ORDER BY 4";
static const char queue_sql_inbound_set_group[] =
	"UPDATE inbound SET action = $action, routed_as = $routed_as WHERE sender = $sender"
	" AND concat_ref = $ref AND parts = $parts AND action IS NULL AND concat_ref >= 0";
static const char queue_sql_poll_for[] =
	"SELECT c.id FROM campaigns c WHERE c.poll_closes_at IS NOT NULL"
	" AND c.poll_closes_at > $now AND EXISTS (SELECT 1 FROM messages m"
	"  WHERE m.campaign_id = c.id AND m.recipient = $number"
	"  AND m.state IN ('sent', 'delivered'))"
	" ORDER BY c.id DESC LIMIT 1";
static const char queue_sql_poll_answers[] =
	"SELECT answer FROM poll_answers WHERE campaign_id = $id ORDER BY pos";
static const char queue_sql_poll_answer_ok[] =
	"SELECT 1 FROM poll_answers WHERE campaign_id = $id AND answer = $answer";
static const char queue_sql_poll_closes[] =
	"SELECT poll_closes_at FROM campaigns WHERE id = $id AND poll_closes_at IS NOT NULL";
static const char queue_sql_poll_vote_get[] =
	"SELECT 1 FROM poll_votes WHERE campaign_id = $id AND number = $number";
static const char queue_sql_poll_vote_put[] =
	"INSERT INTO poll_votes (campaign_id, number, answer, voted_at)"
	" VALUES ($id, $number, $answer, $now) ON CONFLICT (campaign_id, number)"
	" DO UPDATE SET answer = excluded.answer, voted_at = excluded.voted_at";
static const char queue_sql_poll_tally[] =
	"SELECT a.answer, (SELECT count(*) FROM poll_votes v WHERE v.campaign_id = a.campaign_id"
	" AND v.answer = a.answer) FROM poll_answers a WHERE a.campaign_id = $id ORDER BY a.pos";
static const char queue_sql_purge_reports[] =
	"DELETE FROM reports WHERE id IN (SELECT id FROM reports WHERE created_at < $before"
	" LIMIT $batch)";
static const char queue_sql_purge_inbound[] =
	"DELETE FROM inbound WHERE id IN (SELECT i.id FROM inbound i WHERE i.received_at < $before"
	" AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.inbound_id = i.id) LIMIT $batch)";
static const char queue_sql_purge_votes[] =
	"DELETE FROM poll_votes WHERE (campaign_id, number) IN (SELECT campaign_id, number"
	" FROM poll_votes WHERE voted_at < $before LIMIT $batch)";

/* ---- reports ---- */

void
queue_report_free_fields(struct queue_report *r)
{
	free(r->text);
	free(r->note);
	r->text = NULL;
	r->note = NULL;
}

void
queue_report_clear(struct queue_report *r)
{
	if (!r)
		return;
	queue_report_free_fields(r);
	memset(r, 0, sizeof(*r));
}

/* Fill r from a row of QUEUE_REPORT_COLS; text and note are allocated. */
static int
queue_report_read(sqlite3_stmt *st, struct queue_report *r)
{
	const unsigned char *text = sqlite3_column_text(st, 4);
	const unsigned char *note = sqlite3_column_text(st, 8);

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->inbound_id = sqlite3_column_int64(st, 1);
	queue_col_str(st, 2, r->ticket, sizeof(r->ticket));
	queue_col_str(st, 3, r->sender, sizeof(r->sender));
	r->text = strdup(text ? (const char *)text : "");
	queue_col_str(st, 5, r->status, sizeof(r->status));
	r->created_at_ms = sqlite3_column_int64(st, 6);
	queue_col_str(st, 7, r->category, sizeof(r->category));
	r->note = note ? strdup((const char *)note) : NULL;
	queue_col_str(st, 9, r->modem, sizeof(r->modem));
	queue_col_str(st, 10, r->updated_by, sizeof(r->updated_by));
	r->updated_at_ms = sqlite3_column_int64(st, 11);
	if (!r->text || (note && !r->note)) {
		queue_report_free_fields(r);
		return -ENOMEM;
	}
	return 0;
}

/* One report by $id or $ticket. */
static int
queue_report_fetch(struct queue *q, int64_t id, const char *ticket, struct queue_report *out)
{
	sqlite3_stmt *st = ticket ? queue_prep(q, QLAZY_REPORT_GET_TICKET, queue_sql_report_get_ticket)
				  : queue_prep(q, QLAZY_REPORT_GET, queue_sql_report_get);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -EIO;
	if (!(ticket ? queue_bind_text(st, "$ticket", ticket) : queue_bind_i64(st, "$id", id))) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind report get");
	}
	rc = queue_step(q, st, "get report");
	if (rc == SQLITE_ROW)
		rc = queue_report_read(st, out);
	else if (rc == SQLITE_DONE)
		rc = -ENOENT;
	queue_stmt_done(st);
	return rc;
}

int
queue_report_get(struct queue *q, int64_t id, struct queue_report *out)
{
	if (!q || !out)
		return -EINVAL;
	return queue_report_fetch(q, id, NULL, out);
}

int
queue_report_get_by_ticket(struct queue *q, const char *ticket, struct queue_report *out)
{
	if (!q || !out || !ticket || !ticket[0] || strlen(ticket) >= QUEUE_TICKET_LEN)
		return -EINVAL;
	return queue_report_fetch(q, 0, ticket, out);
}

/* Index of a report status, -1 when unknown. */
static int
queue_report_status_idx(const char *s)
{
	static const char *const names[] = { "new", "reviewing", "resolved" };

	for (int i = 0; i < 3; i++)
		if (s && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* See queue_report_update() in queue.h for the allowed moves. */
static bool
queue_report_move_ok(int from, int to)
{
	if (from == to)
		return true;
	return to != 0; /* nothing goes back to "new"; every other move is allowed */
}

int
queue_report_update(struct queue *q, int64_t id, const char *status, const char *note,
		    const char *by, int64_t now_ms, struct queue_report *before)
{
	struct queue_report old;
	sqlite3_stmt *st;
	int to = queue_report_status_idx(status), top, rc;

	if (before)
		memset(before, 0, sizeof(*before));
	if (!q || to < 0 || (by && strlen(by) >= sizeof(old.updated_by)))
		return -EINVAL;
	st = queue_prep(q, QLAZY_REPORT_UPDATE, queue_sql_report_update);
	if (!st)
		return -EIO;
	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	rc = queue_report_fetch(q, id, NULL, &old);
	if (rc == 0 && !queue_report_move_ok(queue_report_status_idx(old.status), to)) {
		LOG(LOG_NOTICE, QUEUE_LOG, "report %lld: %s -> %s is not allowed", (long long)id,
		    old.status, status);
		rc = -EINVAL;
	}
	if (rc == 0) {
		if (!queue_bind_text(st, "$status", status) || !queue_bind_text(st, "$note", note) ||
		    !queue_bind_text(st, "$by", by) || !queue_bind_i64(st, "$now", now_ms) ||
		    !queue_bind_i64(st, "$id", id)) {
			queue_stmt_done(st);
			rc = queue_db_error(q, "bind report update");
		} else {
			rc = queue_exec_stmt(q, st, "update report");
		}
	}
	rc = queue_tx_leave(q, top, rc);
	if (rc == 0) {
		LOG(LOG_INFO, QUEUE_LOG, "report %lld: %s -> %s", (long long)id, old.status, status);
		if (before) {
			*before = old;
			return 0;
		}
	}
	queue_report_clear(&old);
	return rc;
}

int
queue_reports_query(struct queue *q, const struct queue_report_filter *f,
		    int (*cb)(const struct queue_report *r, void *arg), void *arg)
{
	char sql[512];
	sqlite3_stmt *st;
	struct queue_report r;
	int rc;

	if (!q || !f || !cb || f->limit <= 0 || f->since_ms < 0 || f->until_ms < 0 ||
	    (f->status && queue_report_status_idx(f->status) < 0))
		return -EINVAL;
	snprintf(sql, sizeof(sql),
		 "SELECT " QUEUE_REPORT_COLS " FROM reports WHERE id > $after_id%s%s%s%s"
		 " ORDER BY id LIMIT $limit",
		 f->status ? " AND status = $status" : "",
		 f->category ? " AND category = $category" : "",
		 f->since_ms ? " AND created_at >= $since" : "",
		 f->until_ms ? " AND created_at < $until" : "");
	st = queue_prep_once(q, sql);
	if (!st)
		return -EIO;
	if (!queue_bind_i64(st, "$after_id", f->after_id) || !queue_bind_int(st, "$limit", f->limit) ||
	    (f->status && !queue_bind_text(st, "$status", f->status)) ||
	    (f->category && !queue_bind_text(st, "$category", f->category)) ||
	    (f->since_ms && !queue_bind_i64(st, "$since", f->since_ms)) ||
	    (f->until_ms && !queue_bind_i64(st, "$until", f->until_ms))) {
		sqlite3_finalize(st);
		return queue_db_error(q, "bind reports query");
	}
	while ((rc = queue_step(q, st, "query reports")) == SQLITE_ROW) {
		rc = queue_report_read(st, &r);
		if (rc == 0)
			rc = cb(&r, arg) ? 1 : 0;
		queue_report_free_fields(&r);
		if (rc)
			break;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

/* ---- multipart reassembly ---- */

int
queue_inbound_parts(struct queue *q, const char *sender, int concat_ref, int parts,
		    int64_t since_ms, int (*cb)(int part, const char *text, int64_t id, void *arg),
		    void *arg)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (!q || !queue_number_ok(sender) || concat_ref < 0 || parts < 1 || !cb)
		return -EINVAL;
	st = queue_prep(q, QLAZY_INBOUND_PARTS, queue_sql_inbound_parts);
	if (!st)
		return -EIO;
	if (sqlite3_stmt_busy(st))
		return -EBUSY;
	if (!queue_bind_text(st, "$sender", sender) || !queue_bind_int(st, "$ref", concat_ref) ||
	    !queue_bind_int(st, "$parts", parts) || !queue_bind_i64(st, "$since", since_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind inbound parts");
	}
	while ((rc = queue_step(q, st, "inbound parts")) == SQLITE_ROW) {
		const unsigned char *text = sqlite3_column_text(st, 1);

		n++;
		if (cb(sqlite3_column_int(st, 0), text ? (const char *)text : "",
		       sqlite3_column_int64(st, 2), arg))
			break;
	}
	queue_stmt_done(st);
	return rc < 0 ? rc : n;
}

struct queue_group_key {
	char sender[QUEUE_NUMBER_MAX];
	int concat_ref, parts;
	int64_t first;
};

int
queue_inbound_incomplete(struct queue *q, int64_t older_than_ms,
			 int (*cb)(const char *sender, int concat_ref, int parts,
				   int64_t first_received_ms, void *arg),
			 void *arg)
{
	sqlite3_stmt *st;
	struct queue_group_key *keys = NULL, *tmp;
	size_t n = 0, cap = 0, i;
	int rc;

	if (!q || !cb)
		return -EINVAL;
	st = queue_prep(q, QLAZY_INBOUND_INCOMPLETE, queue_sql_inbound_incomplete);
	if (!st)
		return -EIO;
	if (!queue_bind_i64(st, "$older", older_than_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind inbound incomplete");
	}
	/* Collected first: cb may mark groups routed, which changes the index being read. */
	while ((rc = queue_step(q, st, "inbound incomplete")) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			tmp = realloc(keys, cap * sizeof(*keys));
			if (!tmp) {
				rc = -ENOMEM;
				break;
			}
			keys = tmp;
		}
		queue_col_str(st, 0, keys[n].sender, sizeof(keys[n].sender));
		keys[n].concat_ref = sqlite3_column_int(st, 1);
		keys[n].parts = sqlite3_column_int(st, 2);
		keys[n].first = sqlite3_column_int64(st, 3);
		n++;
	}
	queue_stmt_done(st);
	if (rc >= 0) {
		for (i = 0; i < n; i++)
			if (cb(keys[i].sender, keys[i].concat_ref, keys[i].parts, keys[i].first, arg))
				break;
		rc = (int)(i < n ? i + 1 : n);
	}
	free(keys);
	return rc;
}

int
queue_inbound_set_action_group(struct queue *q, const char *sender, int concat_ref, int parts,
			       const char *action, int64_t routed_as_id)
{
	sqlite3_stmt *st;
	int rc;

	if (!q || !queue_number_ok(sender) || concat_ref < 0 || parts < 1 || !action ||
	    !action[0] || routed_as_id < 0)
		return -EINVAL;
	st = queue_prep(q, QLAZY_INBOUND_SET_GROUP, queue_sql_inbound_set_group);
	if (!st)
		return -EIO;
	if (!queue_bind_text(st, "$action", action) ||
	    !(routed_as_id ? queue_bind_i64(st, "$routed_as", routed_as_id)
			   : queue_bind_text(st, "$routed_as", NULL)) ||
	    !queue_bind_text(st, "$sender", sender) || !queue_bind_int(st, "$ref", concat_ref) ||
	    !queue_bind_int(st, "$parts", parts)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind inbound group");
	}
	rc = queue_exec_stmt(q, st, "set inbound group action");
	return rc < 0 ? rc : sqlite3_changes(q->db);
}

/* ---- polls ---- */

/* Bind $id (and $number/$answer when non-NULL) and step once; SQLITE_ROW/DONE or -errno. */
static int
queue_poll_step(struct queue *q, sqlite3_stmt *st, int64_t id, const char *number,
		const char *answer, const char *what)
{
	if (!queue_bind_i64(st, "$id", id) || (number && !queue_bind_text(st, "$number", number)) ||
	    (answer && !queue_bind_text(st, "$answer", answer))) {
		queue_stmt_done(st);
		return queue_db_error(q, what);
	}
	return queue_step(q, st, what);
}

int
queue_poll_for(struct queue *q, const char *number, int64_t now_ms, int64_t *campaign_id,
	       char answers[][QUEUE_ANSWER_MAX], size_t *n)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc;

	if (!q || !queue_number_ok(number) || !campaign_id || !answers || !n)
		return -EINVAL;
	*n = 0;
	*campaign_id = 0;
	st = queue_prep(q, QLAZY_POLL_FOR, queue_sql_poll_for);
	if (!st)
		return -EIO;
	if (!queue_bind_text(st, "$number", number) || !queue_bind_i64(st, "$now", now_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind poll for");
	}
	rc = queue_step(q, st, "poll for");
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	queue_stmt_done(st);
	if (rc != SQLITE_ROW)
		return rc < 0 ? rc : 0;
	st = queue_prep(q, QLAZY_POLL_ANSWERS, queue_sql_poll_answers);
	if (!st)
		return -EIO;
	for (rc = queue_poll_step(q, st, id, NULL, NULL, "poll answers"); rc == SQLITE_ROW;
	     rc = queue_step(q, st, "poll answers"))
		if (*n < QUEUE_POLL_ANSWERS_MAX)
			queue_col_str(st, 0, answers[(*n)++], QUEUE_ANSWER_MAX);
	queue_stmt_done(st);
	if (rc < 0)
		return rc;
	*campaign_id = id;
	return 1;
}

int
queue_poll_vote(struct queue *q, int64_t campaign_id, const char *number, const char *answer,
		int64_t now_ms)
{
	sqlite3_stmt *st;
	bool replaced = false;
	int top, rc;

	if (!q || !queue_number_ok(number) || !answer || !answer[0] ||
	    strlen(answer) >= QUEUE_ANSWER_MAX)
		return -EINVAL;
	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	st = queue_prep(q, QLAZY_POLL_CLOSES, queue_sql_poll_closes);
	rc = st ? queue_poll_step(q, st, campaign_id, NULL, NULL, "poll closes") : -EIO;
	if (rc == SQLITE_DONE)
		rc = -ENOENT;
	else if (rc == SQLITE_ROW)
		rc = sqlite3_column_int64(st, 0) > now_ms ? 0 : -ESTALE;
	if (st)
		queue_stmt_done(st);
	if (rc == 0) {
		st = queue_prep(q, QLAZY_POLL_ANSWER_OK, queue_sql_poll_answer_ok);
		rc = st ? queue_poll_step(q, st, campaign_id, NULL, answer, "poll answer") : -EIO;
		rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -EINVAL : rc;
		if (st)
			queue_stmt_done(st);
	}
	if (rc == 0) {
		st = queue_prep(q, QLAZY_POLL_VOTE_GET, queue_sql_poll_vote_get);
		rc = st ? queue_poll_step(q, st, campaign_id, number, NULL, "poll vote get") : -EIO;
		replaced = rc == SQLITE_ROW;
		rc = rc < 0 ? rc : 0;
		if (st)
			queue_stmt_done(st);
	}
	if (rc == 0) {
		st = queue_prep(q, QLAZY_POLL_VOTE_PUT, queue_sql_poll_vote_put);
		if (!st)
			rc = -EIO;
		else if (!queue_bind_i64(st, "$now", now_ms))
			rc = queue_db_error(q, "bind vote");
		else
			rc = queue_poll_step(q, st, campaign_id, number, answer, "poll vote");
		rc = rc < 0 ? rc : 0;
		if (st)
			queue_stmt_done(st);
	}
	rc = queue_tx_leave(q, top, rc);
	if (rc < 0)
		return rc;
	return replaced ? 1 : 0;
}

int
queue_poll_tally(struct queue *q, int64_t campaign_id,
		 int (*cb)(const char *answer, int64_t count, void *arg), void *arg)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (!q || !cb)
		return -EINVAL;
	st = queue_prep(q, QLAZY_POLL_TALLY, queue_sql_poll_tally);
	if (!st)
		return -EIO;
	if (sqlite3_stmt_busy(st))
		return -EBUSY;
	for (rc = queue_poll_step(q, st, campaign_id, NULL, NULL, "poll tally"); rc == SQLITE_ROW;
	     rc = queue_step(q, st, "poll tally")) {
		const unsigned char *a = sqlite3_column_text(st, 0);

		n++;
		if (cb(a ? (const char *)a : "", sqlite3_column_int64(st, 1), arg))
			break;
	}
	queue_stmt_done(st);
	if (rc < 0)
		return rc;
	return n ? 0 : -ENOENT;
}

/* ---- retention ---- */

/* Delete in batches with statement slot/sql until a batch is short; adds rows to *count. */
static int
queue_purge_table(struct queue *q, enum queue_lazy_stmt slot, const char *sql, int64_t before_ms,
		  int64_t *count, const char *what)
{
	sqlite3_stmt *st = queue_prep(q, slot, sql);
	int64_t n;
	int top, rc;

	if (!st)
		return -EIO;
	do {
		top = queue_tx_enter(q);
		if (top < 0)
			return top;
		if (!queue_bind_i64(st, "$before", before_ms) ||
		    !queue_bind_int(st, "$batch", QUEUE_PURGE_BATCH)) {
			queue_stmt_done(st);
			rc = queue_db_error(q, what);
		} else {
			rc = queue_exec_stmt(q, st, what);
		}
		n = rc == 0 ? sqlite3_changes64(q->db) : 0;
		rc = queue_tx_leave(q, top, rc);
		if (rc < 0)
			return rc;
		*count += n;
	} while (n == QUEUE_PURGE_BATCH);
	return 0;
}

int
queue_purge(struct queue *q, int64_t before_ms, struct queue_purge_counts *out)
{
	struct queue_purge_counts c = { 0, 0, 0 };
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!q || before_ms <= 0)
		return -EINVAL;
	/* reports first: they reference inbound rows */
	rc = queue_purge_table(q, QLAZY_PURGE_REPORTS, queue_sql_purge_reports, before_ms,
			       &c.reports, "purge reports");
	if (rc == 0)
		rc = queue_purge_table(q, QLAZY_PURGE_INBOUND, queue_sql_purge_inbound, before_ms,
				       &c.inbound, "purge inbound");
	if (rc == 0)
		rc = queue_purge_table(q, QLAZY_PURGE_VOTES, queue_sql_purge_votes, before_ms,
				       &c.votes, "purge votes");
	if (out)
		*out = c;
	LOG(LOG_NOTICE, QUEUE_LOG, "purged before %lld: %lld inbound, %lld reports, %lld votes%s",
	    (long long)before_ms, (long long)c.inbound, (long long)c.reports, (long long)c.votes,
	    rc < 0 ? " (stopped by an error)" : "");
	return rc;
}
