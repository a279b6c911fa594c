/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_outbound — outbound messages in the SQLite store: the state changes that follow a
 * send, start-up recovery, reading messages, and the counts the API shows.
 *
 * DESIGN
 * - A campaign's text lives once in `campaigns`; its messages carry only the recipient and
 *   their own state. A reply carries its own text (campaign_id NULL).
 * - Creation inserts every recipient with one prepared statement inside one transaction; the
 *   UNIQUE(campaign_id, recipient) key drops duplicates (INSERT OR IGNORE) and the statement
 *   itself looks the number up in `optouts`, storing it as `suppressed`.
 * - Claims are in queue_claim.c, campaigns (creation, pause, listing, preview) in
 *   queue_campaign.c.
 * - Single-statement writes (the mark functions, recovery) are atomic by themselves and join a
 *   caller's transaction as they are; multi-statement writes go through queue_tx_enter().
 *
 * Thread: the thread that owns the struct queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "queue/queue_int.h"

bool
queue_encoding_ok(const char *e)
{
	return e && (strcmp(e, "gsm7") == 0 || strcmp(e, "ucs2") == 0);
}

void
queue_msg_clear(struct queue_msg *m)
{
	if (!m)
		return;
	free(m->text);
	memset(m, 0, sizeof(*m));
}

/* ---- after a send ---- */

/* After an UPDATE ... WHERE id AND state changed nothing: -ENOENT or -ESTALE. */
static int
queue_mark_miss(struct queue *q, int64_t id, const char *what)
{
	sqlite3_stmt *st = q->stmt[QSTMT_MSG_EXISTS];
	int rc;

	if (!queue_bind_i64(st, "$id", id)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind exists");
	}
	rc = queue_step(q, st, "message exists");
	queue_stmt_done(st);
	if (rc < 0)
		return rc;
	if (rc == SQLITE_DONE)
		return -ENOENT;
	LOG(LOG_NOTICE, QUEUE_LOG, "%s: message %lld is not in the expected state", what,
	    (long long)id);
	return -ESTALE;
}

/* Bind the common $id/$now (and optionally one text parameter), run, check one row changed. */
static int
queue_mark(struct queue *q, enum queue_stmt which, int64_t id, const char *tname,
	   const char *tval, int64_t now_ms, const char *what)
{
	sqlite3_stmt *st = q->stmt[which];
	int rc;

	if (!queue_bind_i64(st, "$id", id) || !queue_bind_i64(st, "$now", now_ms) ||
	    (tname && !queue_bind_text(st, tname, tval))) {
		queue_stmt_done(st);
		return queue_db_error(q, what);
	}
	rc = queue_exec_stmt(q, st, what);
	if (rc < 0)
		return rc;
	return sqlite3_changes(q->db) == 1 ? 0 : queue_mark_miss(q, id, what);
}

int
queue_mark_sent(struct queue *q, int64_t id, const char *refs, int64_t now_ms)
{
	return queue_mark(q, QSTMT_MARK_SENT, id, "$refs", refs, now_ms, "mark sent");
}

int
queue_mark_retry(struct queue *q, int64_t id, const char *error, int64_t next_attempt_ms,
		 int64_t now_ms)
{
	sqlite3_stmt *st = q->stmt[QSTMT_MARK_RETRY];

	if (!queue_bind_i64(st, "$next_attempt_at", next_attempt_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind retry");
	}
	return queue_mark(q, QSTMT_MARK_RETRY, id, "$error", error, now_ms, "mark retry");
}

int
queue_mark_failed(struct queue *q, int64_t id, const char *error, int64_t now_ms)
{
	return queue_mark(q, QSTMT_MARK_FAILED, id, "$error", error, now_ms, "mark failed");
}

int
queue_mark_delivered(struct queue *q, int64_t id, int64_t now_ms)
{
	return queue_mark(q, QSTMT_MARK_DELIVERED, id, NULL, NULL, now_ms, "mark delivered");
}

int
queue_recover(struct queue *q, bool resend, int64_t now_ms)
{
	sqlite3_stmt *st = q->stmt[resend ? QSTMT_RECOVER_RESEND : QSTMT_RECOVER_FAIL];
	int64_t n;
	int rc;

	if (!queue_bind_i64(st, "$now", now_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind recover");
	}
	rc = queue_exec_stmt(q, st, "recover");
	if (rc < 0)
		return rc;
	n = sqlite3_changes64(q->db);
	if (n)
		LOG(LOG_NOTICE, QUEUE_LOG, "recovered %lld messages left in sending: %s",
		    (long long)n, resend ? "queued again" : "failed");
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

/* ---- reading ---- */

/* Fill *out from a row of QUEUE_INFO_COLS. */
static void
queue_msg_info_read(sqlite3_stmt *st, struct queue_msg_info *out)
{
	int s;

	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	out->campaign_id = sqlite3_column_int64(st, 1);
	queue_col_str(st, 2, out->recipient, sizeof(out->recipient));
	s = queue_state_parse((const char *)sqlite3_column_text(st, 3));
	out->state = s < 0 ? QUEUE_FAILED : (enum queue_state)s; /* CHECK keeps it valid */
	out->attempts = sqlite3_column_int(st, 4);
	queue_col_str(st, 5, out->modem, sizeof(out->modem));
	queue_col_str(st, 6, out->refs, sizeof(out->refs));
	queue_col_str(st, 7, out->last_error, sizeof(out->last_error));
	queue_col_str(st, 8, out->operator, sizeof(out->operator));
}

int
queue_msg_get(struct queue *q, int64_t id, struct queue_msg_info *out)
{
	sqlite3_stmt *st = q->stmt[QSTMT_MSG_GET];
	int rc;

	if (!out)
		return -EINVAL;
	if (!queue_bind_i64(st, "$id", id)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind msg get");
	}
	rc = queue_step(q, st, "get message");
	if (rc == SQLITE_ROW)
		queue_msg_info_read(st, out);
	queue_stmt_done(st);
	if (rc < 0)
		return rc;
	return rc == SQLITE_ROW ? 0 : -ENOENT;
}

int
queue_msg_foreach(struct queue *q, int64_t campaign_id,
		  int (*cb)(const struct queue_msg_info *m, void *arg), void *arg)
{
	sqlite3_stmt *st = q->stmt[QSTMT_MSG_FOREACH];
	struct queue_msg_info info;
	int rc;

	if (!cb)
		return -EINVAL;
	if (sqlite3_stmt_busy(st))
		return -EBUSY;
	if (!(campaign_id ? queue_bind_i64(st, "$campaign_id", campaign_id)
			  : queue_bind_text(st, "$campaign_id", NULL))) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind foreach");
	}
	while ((rc = queue_step(q, st, "foreach message")) == SQLITE_ROW) {
		queue_msg_info_read(st, &info);
		if (cb(&info, arg))
			break;
	}
	queue_stmt_done(st);
	return rc < 0 ? rc : 0;
}

int
queue_state_counts(struct queue *q, int64_t counts[_QUEUE_STATE_COUNT])
{
	sqlite3_stmt *st = q->stmt[QSTMT_STATE_COUNTS];
	int rc;

	memset(counts, 0, sizeof(int64_t) * _QUEUE_STATE_COUNT);
	while ((rc = queue_step(q, st, "state counts")) == SQLITE_ROW) {
		int s = queue_state_parse((const char *)sqlite3_column_text(st, 0));

		if (s >= 0)
			counts[s] += sqlite3_column_int64(st, 1);
	}
	queue_stmt_done(st);
	return rc < 0 ? rc : 0;
}
