/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_outbound — campaigns and outbound messages in the SQLite store: creating a campaign
 * with its recipients, replies to citizens, claiming the next message for a modem, the state
 * changes that follow a send, start-up recovery, and the counts the API shows.
 *
 * DESIGN
 * - A campaign's text lives once in `campaigns`; its messages carry only the recipient and
 *   their own state. A reply carries its own text (campaign_id NULL).
 * - Creation inserts every recipient with one prepared statement inside one transaction; the
 *   UNIQUE(campaign_id, recipient) key drops duplicates (INSERT OR IGNORE) and the statement
 *   itself looks the number up in `optouts`, storing it as `suppressed`.
 * - A claim looks at each priority level, highest first, and takes the oldest due message
 *   there (one index seek a level). What it finds on the way that must not be sent is resolved
 *   in the same transaction: an opted-out recipient becomes `suppressed`; a campaign past its
 *   end_by has all its queued messages `expired` at once (one statement, not one claim each).
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

static bool
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

void
queue_campaign_clear(struct queue_campaign *c)
{
	if (!c)
		return;
	free(c->text);
	memset(c, 0, sizeof(*c));
}

/* ---- campaigns ---- */

/*
 * Insert the recipients of campaign `id` with the one prepared statement; the bindings that
 * are the same for every row are set once. Adds the number of new messages to *added.
 * Runs inside the caller's transaction.
 */
static int
queue_recipients_insert(struct queue *q, int64_t id, int priority, int64_t next_attempt_at,
			const char *const *recipients, size_t n, int64_t now_ms, int64_t *added)
{
	sqlite3_stmt *st = q->stmt[QSTMT_CAMPAIGN_RECIPIENT_INSERT];
	int ri = sqlite3_bind_parameter_index(st, "$recipient");
	int rc = 0;

	if (!queue_bind_i64(st, "$campaign_id", id) || !queue_bind_int(st, "$priority", priority) ||
	    !queue_bind_i64(st, "$next_attempt_at", next_attempt_at) ||
	    !queue_bind_i64(st, "$now", now_ms) || ri == 0) {
		rc = queue_db_error(q, "bind recipient insert");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!queue_number_ok(recipients[i])) {
			LOG(LOG_WARN, QUEUE_LOG, "campaign %lld: recipient #%zu is not a number",
			    (long long)id, i);
			rc = -EINVAL;
			goto out;
		}
		if (sqlite3_bind_text(st, ri, recipients[i], -1, SQLITE_STATIC) != SQLITE_OK) {
			rc = queue_db_error(q, "bind recipient");
			goto out;
		}
		rc = queue_step(q, st, "insert recipient");
		if (rc < 0)
			goto out;
		*added += sqlite3_changes(q->db);
		sqlite3_reset(st);
		rc = 0;
	}
out:
	queue_stmt_done(st);
	return rc;
}

int
queue_campaign_create(struct queue *q, const struct queue_campaign_spec *spec, int64_t now_ms,
		      int64_t *id_out)
{
	sqlite3_stmt *st = q->stmt[QSTMT_CAMPAIGN_INSERT];
	int64_t start, id = 0, added = 0;
	int top, rc;

	if (!spec || !spec->text || !spec->text[0] || !queue_encoding_ok(spec->encoding) ||
	    spec->segments < 1 || spec->priority < QUEUE_PRIO_BULK ||
	    spec->priority > QUEUE_PRIO_ALERT || spec->start_at_ms < 0 || spec->end_by_ms < 0 ||
	    (spec->n_recipients && !spec->recipients))
		return -EINVAL;
	start = spec->start_at_ms ? spec->start_at_ms : now_ms;
	if (spec->end_by_ms && spec->end_by_ms <= start)
		return -EINVAL;

	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	if (!queue_bind_text(st, "$text", spec->text) ||
	    !queue_bind_text(st, "$encoding", spec->encoding) ||
	    !queue_bind_int(st, "$segments", spec->segments) ||
	    !queue_bind_int(st, "$priority", spec->priority) ||
	    !queue_bind_i64(st, "$now", now_ms) || !queue_bind_i64(st, "$start_at", start) ||
	    !queue_bind_i64(st, "$end_by", spec->end_by_ms))
		rc = queue_db_error(q, "bind campaign");
	else
		rc = queue_exec_stmt(q, st, "insert campaign");
	queue_stmt_done(st);
	if (rc == 0) {
		id = sqlite3_last_insert_rowid(q->db);
		rc = queue_recipients_insert(q, id, spec->priority, start > now_ms ? start : now_ms,
					     spec->recipients, spec->n_recipients, now_ms, &added);
	}
	rc = queue_tx_leave(q, top, rc);
	if (rc < 0)
		return rc;
	LOG(LOG_INFO, QUEUE_LOG, "campaign %lld created: %zu recipients, %lld messages, %s",
	    (long long)id, spec->n_recipients, (long long)added,
	    queue_priority_name(spec->priority));
	if (id_out)
		*id_out = id;
	return 0;
}

/* Read a campaign's row (not its counts) into out; 0, -ENOENT or -EIO. out->text is owned. */
static int
queue_campaign_row(struct queue *q, int64_t id, struct queue_campaign *out)
{
	sqlite3_stmt *st = q->stmt[QSTMT_CAMPAIGN_GET];
	const unsigned char *text;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!queue_bind_i64(st, "$id", id)) {
		rc = queue_db_error(q, "bind campaign get");
		goto out;
	}
	rc = queue_step(q, st, "get campaign");
	if (rc == SQLITE_DONE)
		rc = -ENOENT;
	if (rc != SQLITE_ROW)
		goto out;
	out->id = sqlite3_column_int64(st, 0);
	text = sqlite3_column_text(st, 1);
	out->text = strdup(text ? (const char *)text : "");
	queue_col_str(st, 2, out->encoding, sizeof(out->encoding));
	out->segments = sqlite3_column_int(st, 3);
	out->priority = sqlite3_column_int(st, 4);
	out->created_at_ms = sqlite3_column_int64(st, 5);
	out->start_at_ms = sqlite3_column_int64(st, 6);
	out->end_by_ms = sqlite3_column_int64(st, 7);
	rc = out->text ? 0 : -ENOMEM;
out:
	queue_stmt_done(st);
	return rc;
}

int
queue_campaign_add_recipients(struct queue *q, int64_t id, const char *const *recipients,
			      size_t n, int64_t now_ms)
{
	struct queue_campaign c;
	int64_t added = 0;
	int top, rc;

	if (n && !recipients)
		return -EINVAL;
	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	rc = queue_campaign_row(q, id, &c);
	if (rc == 0)
		rc = queue_recipients_insert(q, id, c.priority,
					     c.start_at_ms > now_ms ? c.start_at_ms : now_ms,
					     recipients, n, now_ms, &added);
	queue_campaign_clear(&c);
	rc = queue_tx_leave(q, top, rc);
	if (rc == 0)
		LOG(LOG_INFO, QUEUE_LOG, "campaign %lld: %zu recipients added, %lld new messages",
		    (long long)id, n, (long long)added);
	return rc;
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

int
queue_campaign_get(struct queue *q, int64_t id, struct queue_campaign *out)
{
	int rc;

	if (!out)
		return -EINVAL;
	rc = queue_campaign_row(q, id, out);
	if (rc == 0)
		rc = queue_campaign_counts(q, id, out);
	if (rc < 0)
		queue_campaign_clear(out);
	return rc;
}

int
queue_campaign_cancel(struct queue *q, int64_t id, int64_t now_ms)
{
	sqlite3_stmt *st = q->stmt[QSTMT_CAMPAIGN_CANCEL];
	struct queue_campaign c;
	int64_t n = 0;
	int top, rc;

	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	rc = queue_campaign_row(q, id, &c);
	queue_campaign_clear(&c);
	if (rc == 0) {
		if (!queue_bind_i64(st, "$id", id) || !queue_bind_i64(st, "$now", now_ms))
			rc = queue_db_error(q, "bind cancel");
		else
			rc = queue_exec_stmt(q, st, "cancel campaign");
		queue_stmt_done(st);
		n = sqlite3_changes64(q->db);
	}
	rc = queue_tx_leave(q, top, rc);
	if (rc < 0)
		return rc;
	LOG(LOG_NOTICE, QUEUE_LOG, "campaign %lld cancelled: %lld messages", (long long)id,
	    (long long)n);
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

/* ---- replies ---- */

int
queue_reply_enqueue(struct queue *q, const char *to, const char *text, const char *encoding,
		    int segments, int64_t now_ms, int64_t *id_out)
{
	sqlite3_stmt *st = q->stmt[QSTMT_REPLY_INSERT];
	int rc;

	if (!queue_number_ok(to) || !text || !text[0] || !queue_encoding_ok(encoding) ||
	    segments < 1)
		return -EINVAL;
	if (!queue_bind_text(st, "$recipient", to) || !queue_bind_text(st, "$text", text) ||
	    !queue_bind_text(st, "$encoding", encoding) ||
	    !queue_bind_int(st, "$segments", segments) ||
	    !queue_bind_int(st, "$priority", QUEUE_PRIO_REPLY) ||
	    !queue_bind_i64(st, "$now", now_ms)) {
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

/* ---- claiming ---- */

/* Run a statement binding $id and $now; how many rows it changed, or -errno. */
static int64_t
queue_update_id(struct queue *q, enum queue_stmt which, int64_t id, int64_t now_ms,
		const char *what)
{
	sqlite3_stmt *st = q->stmt[which];
	int rc;

	if (!queue_bind_i64(st, "$id", id) || !queue_bind_i64(st, "$now", now_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, what);
	}
	rc = queue_exec_stmt(q, st, what);
	if (rc < 0)
		return rc;
	return sqlite3_changes64(q->db);
}

/* Copy the claimable row under `st` (QSTMT_CLAIM_PEEK) into out. */
static int
queue_claim_read(sqlite3_stmt *st, struct queue_msg *out)
{
	const unsigned char *text = sqlite3_column_text(st, 3);

	out->id = sqlite3_column_int64(st, 0);
	out->campaign_id = sqlite3_column_int64(st, 1); /* NULL reads as 0 */
	queue_col_str(st, 2, out->recipient, sizeof(out->recipient));
	out->text = strdup(text ? (const char *)text : "");
	queue_col_str(st, 4, out->encoding, sizeof(out->encoding));
	out->segments = sqlite3_column_int(st, 5);
	out->attempts = sqlite3_column_int(st, 6) + 1;
	out->priority = sqlite3_column_int(st, 7);
	return out->text ? 0 : -ENOMEM;
}

/*
 * Look at priority level `prio` once. Returns 1 with *out filled and claimed, 0 when the level
 * has nothing due, 2 when it resolved a message that must not be sent (look again), or -errno.
 */
static int
queue_claim_level(struct queue *q, int prio, int64_t now_ms, const char *modem,
		  struct queue_msg *out)
{
	sqlite3_stmt *st = q->stmt[QSTMT_CLAIM_PEEK];
	int64_t id, campaign_id, end_by, n;
	bool opted_out;
	int rc;

	if (!queue_bind_int(st, "$priority", prio) || !queue_bind_i64(st, "$now", now_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind claim");
	}
	rc = queue_step(q, st, "claim");
	if (rc != SQLITE_ROW) {
		queue_stmt_done(st);
		return rc == SQLITE_DONE ? 0 : rc;
	}
	id = sqlite3_column_int64(st, 0);
	campaign_id = sqlite3_column_int64(st, 1);
	end_by = sqlite3_column_int64(st, 8);
	opted_out = sqlite3_column_int(st, 9) != 0;
	if (campaign_id && end_by && now_ms > end_by) {
		queue_stmt_done(st);
		n = queue_update_id(q, QSTMT_CAMPAIGN_EXPIRE, campaign_id, now_ms, "expire");
		if (n <= 0) /* 0 would mean looking at the same row forever */
			return n < 0 ? (int)n : -EIO;
		LOG(LOG_NOTICE, QUEUE_LOG, "campaign %lld ended: %lld unsent messages expired",
		    (long long)campaign_id, (long long)n);
		return 2;
	}
	if (opted_out) {
		queue_stmt_done(st);
		n = queue_update_id(q, QSTMT_SUPPRESS, id, now_ms, "suppress");
		if (n <= 0)
			return n < 0 ? (int)n : -EIO;
		LOG(LOG_INFO, QUEUE_LOG, "message %lld suppressed: recipient opted out",
		    (long long)id);
		return 2;
	}
	rc = queue_claim_read(st, out);
	queue_stmt_done(st);
	if (rc < 0)
		return rc;

	st = q->stmt[QSTMT_CLAIM_TAKE];
	if (!queue_bind_i64(st, "$id", id) || !queue_bind_text(st, "$modem", modem) ||
	    !queue_bind_i64(st, "$now", now_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind claim take");
	}
	rc = queue_exec_stmt(q, st, "claim take");
	if (rc < 0)
		return rc;
	if (sqlite3_changes(q->db) != 1) {
		LOG(LOG_ERROR, QUEUE_LOG, "claim: message %lld changed under us", (long long)id);
		return -EIO;
	}
	return 1;
}

int
queue_claim_next(struct queue *q, int64_t now_ms, const char *modem, struct queue_msg *out)
{
	int top, rc = 0;

	if (!modem || !modem[0] || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	for (int prio = QUEUE_PRIO_REPLY; prio >= QUEUE_PRIO_BULK;) {
		rc = queue_claim_level(q, prio, now_ms, modem, out);
		if (rc < 0 || rc == 1)
			break;
		if (rc == 0)
			prio--;
		rc = 0;
	}
	rc = queue_tx_leave(q, top, rc);
	if (rc != 1) {
		queue_msg_clear(out);
		return rc;
	}
	LOG(LOG_DEBUG, QUEUE_LOG, "message %lld claimed by %s (attempt %d)", (long long)out->id,
	    modem, out->attempts);
	return 1;
}

int64_t
queue_next_due_ms(struct queue *q, int64_t now_ms)
{
	sqlite3_stmt *st = q->stmt[QSTMT_NEXT_DUE];
	int64_t due = INT64_MAX;
	int rc;

	for (int prio = QUEUE_PRIO_REPLY; prio >= QUEUE_PRIO_BULK; prio--) {
		if (!queue_bind_int(st, "$priority", prio)) {
			queue_stmt_done(st);
			queue_db_error(q, "bind next due");
			return now_ms + 1000;
		}
		rc = queue_step(q, st, "next due");
		if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) < due)
			due = sqlite3_column_int64(st, 0);
		queue_stmt_done(st);
		if (rc < 0)
			return now_ms + 1000; /* logged; try again soon rather than never */
	}
	return due < now_ms ? now_ms : due;
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
