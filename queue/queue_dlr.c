/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_dlr — matching the network's status reports (delivery reports) to sent messages.
 *
 * When a modem asks for status reports, each part of a sent message is remembered with the
 * modem, the TP-MR the network gave it and the recipient (msg_parts). A report names the same
 * three; references wrap at 256 per modem, so the most recently sent matching part wins. A
 * message is delivered when every part was, and failed as soon as one part failed for good.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "queue/queue_int.h"

int
queue_parts_track(struct queue *q, int64_t msg_id, const char *modem, const char *refs,
		  int64_t now_ms)
{
	sqlite3_stmt *st = q->stmt[QSTMT_PART_INSERT];
	int top, rc = 0, part = 1;
	const char *p = refs;

	if (!modem || !refs || !*refs)
		return -EINVAL;
	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	while (*p && rc == 0) {
		char *end;
		long ref = strtol(p, &end, 10);
		if (end == p || ref < 0 || ref > 65535) {
			rc = -EINVAL;
			break;
		}
		if (!queue_bind_i64(st, "$msg_id", msg_id) || !queue_bind_int(st, "$part", part) ||
		    !queue_bind_text(st, "$modem", modem) || !queue_bind_int(st, "$ref", (int)ref) ||
		    !queue_bind_i64(st, "$now", now_ms)) {
			queue_stmt_done(st);
			rc = queue_db_error(q, "bind part");
			break;
		}
		rc = queue_exec_stmt(q, st, "track part");
		part++;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			rc = -EINVAL;
	}
	return queue_tx_leave(q, top, rc);
}

int
queue_status_report(struct queue *q, const char *modem, int ref, const char *recipient,
		    int status, int64_t now_ms, int64_t *msg_id, enum queue_state *state)
{
	sqlite3_stmt *st = q->stmt[QSTMT_PART_FIND];
	int64_t id = 0;
	int part = 0, top, rc;

	if (!modem || !recipient)
		return -EINVAL;
	if (!queue_bind_text(st, "$modem", modem) || !queue_bind_int(st, "$ref", ref) ||
	    !queue_bind_text(st, "$recipient", recipient)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind status report");
	}
	rc = queue_step(q, st, "find part");
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		part = sqlite3_column_int(st, 1);
	}
	queue_stmt_done(st);
	if (rc < 0)
		return rc;
	if (rc != SQLITE_ROW)
		return 0;

	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	st = q->stmt[QSTMT_PART_SET_STATUS];
	if (!queue_bind_int(st, "$status", status) || !queue_bind_i64(st, "$msg_id", id) ||
	    !queue_bind_int(st, "$part", part)) {
		queue_stmt_done(st);
		return queue_tx_leave(q, top, queue_db_error(q, "bind part status"));
	}
	rc = queue_exec_stmt(q, st, "part status");
	if (rc == 0 && status >= 0x40) {
		char why[64];
		snprintf(why, sizeof(why), "not delivered (status report TP-ST 0x%02x)", status);
		st = q->stmt[QSTMT_DLR_FAIL];
		if (!queue_bind_text(st, "$error", why) || !queue_bind_i64(st, "$now", now_ms) ||
		    !queue_bind_i64(st, "$id", id)) {
			queue_stmt_done(st);
			rc = queue_db_error(q, "bind dlr fail");
		} else {
			rc = queue_exec_stmt(q, st, "dlr fail");
		}
	} else if (rc == 0 && status < 0x20) {
		st = q->stmt[QSTMT_PARTS_PENDING];
		if (!queue_bind_i64(st, "$msg_id", id)) {
			queue_stmt_done(st);
			rc = queue_db_error(q, "bind pending parts");
		} else {
			int s = queue_step(q, st, "pending parts");
			int64_t pending = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
			queue_stmt_done(st);
			if (s < 0)
				rc = s;
			else if (pending == 0) {
				rc = queue_mark_delivered(q, id, now_ms);
				if (rc == -ESTALE)
					rc = 0; /* already delivered, or failed meanwhile */
			}
		}
	}
	rc = queue_tx_leave(q, top, rc);
	if (rc < 0)
		return rc;
	if (msg_id)
		*msg_id = id;
	if (state) {
		struct queue_msg_info info;
		*state = queue_msg_get(q, id, &info) == 0 ? info.state : QUEUE_SENT;
	}
	return 1;
}
