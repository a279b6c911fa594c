/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_inbound — what citizens send in, in the SQLite store: inbound SMS (filed once even
 * when a modem hands the same SMS over twice), false-information reports with their tickets,
 * and opt-outs.
 *
 * DESIGN
 * - An inbound SMS is identified by (sender, SMSC time, concat ref, part, text), a UNIQUE key:
 *   INSERT OR IGNORE files it once, and a second read finds the existing row's id.
 *   An SMSC time of 0 (unknown) makes two identical texts from one sender one row; modems
 *   report the SMSC time, so this only matters for synthetic input.
 * - A ticket is 6 characters from a 32-letter alphabet without look-alikes (I, O, 0, 1), drawn
 *   with getrandom(2): 2^30 values, so a collision is rare but possible; the UNIQUE index on
 *   reports.ticket catches it and a new ticket is drawn.
 * - An opt-out stores only the number and when; opting in again deletes the row.
 *
 * Thread: the thread that owns the struct queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/log.h"
#include "common/util.h"
#include "queue/queue_int.h"

#define QUEUE_TICKET_CHARS "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" /* 32: no I, O, 0, 1 */
#define QUEUE_TICKET_TRIES 16

/* ---- inbound ---- */

int
queue_inbound_store(struct queue *q, const struct queue_inbound *in, int64_t *id_out)
{
	sqlite3_stmt *st = q->stmt[QSTMT_INBOUND_INSERT];
	int64_t id;
	int rc;

	if (!in || !queue_number_ok(in->sender) || !in->text || in->part < 1 || in->parts < 1 ||
	    in->part > in->parts || in->concat_ref < -1 || in->smsc_time_ms < 0)
		return -EINVAL;
	if (!queue_bind_text(st, "$modem", in->modem) ||
	    !queue_bind_text(st, "$sender", in->sender) ||
	    !queue_bind_i64(st, "$smsc_time", in->smsc_time_ms) ||
	    !queue_bind_int(st, "$concat_ref", in->concat_ref) ||
	    !queue_bind_int(st, "$part", in->part) || !queue_bind_int(st, "$parts", in->parts) ||
	    !queue_bind_text(st, "$text", in->text) ||
	    !queue_bind_i64(st, "$received_at", in->received_at_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind inbound");
	}
	rc = queue_exec_stmt(q, st, "insert inbound");
	if (rc < 0)
		return rc;
	if (sqlite3_changes(q->db) == 1) {
		id = sqlite3_last_insert_rowid(q->db);
		rc = 0;
	} else {
		/* The same SMS again: find the row that has it. */
		st = q->stmt[QSTMT_INBOUND_FIND];
		if (!queue_bind_text(st, "$sender", in->sender) ||
		    !queue_bind_i64(st, "$smsc_time", in->smsc_time_ms) ||
		    !queue_bind_int(st, "$concat_ref", in->concat_ref) ||
		    !queue_bind_int(st, "$part", in->part) ||
		    !queue_bind_text(st, "$text", in->text)) {
			queue_stmt_done(st);
			return queue_db_error(q, "bind inbound find");
		}
		rc = queue_step(q, st, "find inbound");
		id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		queue_stmt_done(st);
		if (rc < 0)
			return rc;
		if (rc != SQLITE_ROW) {
			LOG(LOG_ERROR, QUEUE_LOG, "inbound: duplicate ignored but not found");
			return -EIO;
		}
		LOG(LOG_INFO, QUEUE_LOG, "inbound %lld read again; already stored", (long long)id);
		rc = 1;
	}
	if (id_out)
		*id_out = id;
	return rc;
}

int
queue_inbound_set_action(struct queue *q, int64_t id, const char *action)
{
	sqlite3_stmt *st = q->stmt[QSTMT_INBOUND_SET_ACTION];
	int rc;

	if (!action || !action[0])
		return -EINVAL;
	if (!queue_bind_i64(st, "$id", id) || !queue_bind_text(st, "$action", action)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind inbound action");
	}
	rc = queue_exec_stmt(q, st, "set inbound action");
	if (rc < 0)
		return rc;
	return sqlite3_changes(q->db) == 1 ? 0 : -ENOENT;
}

int
queue_inbound_count(struct queue *q, int64_t *count)
{
	sqlite3_stmt *st = q->stmt[QSTMT_INBOUND_COUNT];
	int rc;

	if (!count)
		return -EINVAL;
	rc = queue_step(q, st, "count inbound");
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	queue_stmt_done(st);
	return rc < 0 ? rc : 0;
}

/* ---- reports ---- */

/* Draw a random ticket: 6 characters of QUEUE_TICKET_CHARS, NUL-terminated. */
static int
queue_ticket_random(char ticket[QUEUE_TICKET_LEN])
{
	unsigned char b[QUEUE_TICKET_LEN - 2];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(b); i++)
		ticket[i] = QUEUE_TICKET_CHARS[b[i] & 31]; /* 256 % 32 == 0: no bias */
	ticket[sizeof(b)] = '\0';
	return 0;
}

void
queue_ticket_gen_set(struct queue *q, queue_ticket_gen_fn *gen, void *arg)
{
	q->ticket_gen = gen;
	q->ticket_arg = arg;
}

int
queue_report_create(struct queue *q, int64_t inbound_id, const char *sender, const char *text,
		    int64_t now_ms, char ticket[QUEUE_TICKET_LEN], int64_t *id_out)
{
	return queue_report_create2(q, inbound_id, sender, text, NULL, NULL, now_ms, ticket,
				    id_out);
}

int
queue_report_create2(struct queue *q, int64_t inbound_id, const char *sender, const char *text,
		     const char *category, const char *modem, int64_t now_ms,
		     char ticket[QUEUE_TICKET_LEN], int64_t *id_out)
{
	static const char sql[] =
		"INSERT INTO reports (inbound_id, ticket, sender, text, created_at, category, modem)"
		" VALUES ($inbound_id, $ticket, $sender, $text, $now, $category, $modem)";
	sqlite3_stmt *st;
	char t[QUEUE_TICKET_LEN];
	int rc;

	if (!q || !queue_number_ok(sender) || !text || !ticket || inbound_id < 0 ||
	    (category && (!category[0] || strlen(category) >= 32)) ||
	    (modem && strlen(modem) >= 32))
		return -EINVAL;
	st = queue_prep(q, QLAZY_REPORT_INSERT2, sql);
	if (!st)
		return -EIO;
	if (!queue_bind_text(st, "$sender", sender) || !queue_bind_text(st, "$text", text) ||
	    !queue_bind_i64(st, "$now", now_ms) || !queue_bind_text(st, "$category", category) ||
	    !queue_bind_text(st, "$modem", modem) ||
	    !(inbound_id ? queue_bind_i64(st, "$inbound_id", inbound_id)
			 : queue_bind_text(st, "$inbound_id", NULL))) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind report");
	}
	for (int tries = 0; tries < QUEUE_TICKET_TRIES; tries++) {
		memset(t, 0, sizeof(t));
		if (q->ticket_gen) {
			q->ticket_gen(t, q->ticket_arg);
			t[QUEUE_TICKET_LEN - 1] = '\0';
		} else if ((rc = queue_ticket_random(t)) < 0) {
			LOG(LOG_ERROR, QUEUE_LOG, "getrandom: %s", strerror(-rc));
			goto out;
		}
		if (!queue_bind_text(st, "$ticket", t)) {
			rc = queue_db_error(q, "bind ticket");
			goto out;
		}
		/* Stepped here, not with queue_step(): a ticket collision is expected. */
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE) {
			memcpy(ticket, t, QUEUE_TICKET_LEN);
			if (id_out)
				*id_out = sqlite3_last_insert_rowid(q->db);
			LOG(LOG_INFO, QUEUE_LOG, "report %lld filed, ticket %s",
			    (long long)sqlite3_last_insert_rowid(q->db), t);
			rc = 0;
			goto out;
		}
		if (rc == SQLITE_CONSTRAINT_UNIQUE) {
			LOG(LOG_DEBUG, QUEUE_LOG, "ticket %s taken; drawing another", t);
			continue;
		}
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
			LOG(LOG_WARN, QUEUE_LOG, "report: no inbound message %lld",
			    (long long)inbound_id);
			rc = -ENOENT;
			goto out;
		}
		rc = queue_db_error(q, "insert report");
		goto out;
	}
	LOG(LOG_ERROR, QUEUE_LOG, "report: no free ticket after %d tries", QUEUE_TICKET_TRIES);
	rc = -EAGAIN;
out:
	queue_stmt_done(st);
	return rc;
}

int
queue_reports_list(struct queue *q, int64_t after_id, int limit,
		   int (*cb)(const struct queue_report *r, void *arg), void *arg)
{
	sqlite3_stmt *st = q->stmt[QSTMT_REPORTS_LIST];
	struct queue_report r;
	const unsigned char *text;
	int rc;

	if (!cb || limit <= 0)
		return -EINVAL;
	if (sqlite3_stmt_busy(st))
		return -EBUSY;
	if (!queue_bind_i64(st, "$after_id", after_id) || !queue_bind_int(st, "$limit", limit)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind reports list");
	}
	while ((rc = queue_step(q, st, "list reports")) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(st, 0);
		r.inbound_id = sqlite3_column_int64(st, 1);
		queue_col_str(st, 2, r.ticket, sizeof(r.ticket));
		queue_col_str(st, 3, r.sender, sizeof(r.sender));
		text = sqlite3_column_text(st, 4);
		r.text = strdup(text ? (const char *)text : "");
		queue_col_str(st, 5, r.status, sizeof(r.status));
		r.created_at_ms = sqlite3_column_int64(st, 6);
		if (!r.text) {
			rc = -ENOMEM;
			break;
		}
		rc = cb(&r, arg);
		free(r.text);
		if (rc)
			break;
	}
	queue_stmt_done(st);
	return rc < 0 ? rc : 0;
}

/* ---- opt-outs ---- */

int
queue_optout_set(struct queue *q, const char *number, bool opted_out, int64_t now_ms)
{
	sqlite3_stmt *st = q->stmt[opted_out ? QSTMT_OPTOUT_INSERT : QSTMT_OPTOUT_DELETE];
	char masked[LOG_MASK_LEN];
	int rc;

	if (!queue_number_ok(number))
		return -EINVAL;
	if (!queue_bind_text(st, "$number", number) ||
	    (opted_out && !queue_bind_i64(st, "$now", now_ms))) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind optout");
	}
	rc = queue_exec_stmt(q, st, opted_out ? "opt out" : "opt in");
	if (rc < 0)
		return rc;
	if (sqlite3_changes(q->db))
		LOG(LOG_INFO, QUEUE_LOG, "%s %s", log_mask(number, masked),
		    opted_out ? "opted out" : "opted in again");
	return 0;
}

int
queue_is_opted_out(struct queue *q, const char *number)
{
	sqlite3_stmt *st = q->stmt[QSTMT_OPTOUT_GET];
	int rc;

	if (!queue_number_ok(number))
		return -EINVAL;
	if (!queue_bind_text(st, "$number", number)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind optout get");
	}
	rc = queue_step(q, st, "opt-out lookup");
	queue_stmt_done(st);
	if (rc < 0)
		return rc;
	return rc == SQLITE_ROW ? 1 : 0;
}
