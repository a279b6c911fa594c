/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_claim — choosing the next outbound message for a modem: routing by operator, quiet
 * hours (a minimum priority), a per-recipient daily cap, and fair turns between campaigns of
 * the same priority; and the earliest due time the gateway arms its timer with.
 *
 * DESIGN
 * - Replies (campaign_id NULL) go first, then priority levels from alert down to bulk.
 * - Within a level the campaigns that still have queued messages are read from msg_counts
 *   (kept by triggers; partial index on n > 0), so finished campaigns cost nothing. Each is
 *   probed with one seek in messages_cdue (any operator) or one per operator in
 *   messages_codue (campaign_id, operator, next_attempt_at, id). Campaigns take turns by
 *   claim_seq, a store-wide counter stamped on a campaign when one of its messages is claimed:
 *   the lowest goes first (0 = never served; among those, the oldest due message). A counter,
 *   not last_claim_at, because many claims happen within one millisecond. A campaign that
 *   already holds the highest turn keeps it without a write; last_claim_at is refreshed at
 *   most once a minute (the daily cap's lookup allows for that lag).
 * - A candidate that must not be sent is resolved in the same transaction and the claim looks
 *   again, at most QUEUE_CLAIM_LOOKS times (a campaign whose recipients are all at the daily
 *   cap must not hold the event loop while a claim defers all of them; the dispatcher comes
 *   back within a second): campaign past end_by -> all its queued messages expired; campaign
 *   cancelled (a retry that came back after the cancel) -> cancelled; recipient opted out ->
 *   suppressed; recipient at the daily cap -> deferred until the cap frees (next_attempt_at
 *   moved).
 * - The daily cap counts broadcast messages claimed (claimed_at) in the last 24 h that are
 *   sending, sent or delivered. It is found from the campaigns claimed from in that window
 *   (campaigns_last_claim) and the UNIQUE(campaign_id, recipient) key, so it needs no index
 *   on messages by recipient.
 *
 * Thread: the thread that owns the struct queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "queue/queue_int.h"

#define QUEUE_DAY_MS (24LL * 3600 * 1000)
#define QUEUE_EXPAND_PER_PROBE 4 /* chunks a probe may expand before giving up for now */
#define QUEUE_CLAIM_LOOKS 256 /* candidates one claim may resolve (suppress, defer) */
#define QUEUE_LAST_CLAIM_SLACK_MS 60000 /* campaigns.last_claim_at may be this much behind */
#define QUEUE_STR2(x) #x
#define QUEUE_STR(x) QUEUE_STR2(x)

static const char queue_sql_active[] =
	"SELECT c.id, c.claim_seq FROM msg_counts k JOIN campaigns c ON c.id = k.campaign_id"
	" WHERE k.state = 'queued' AND k.n > 0 AND k.priority = $priority AND c.paused = 0"
	"  AND c.start_at <= $now ORDER BY c.claim_seq, c.id";
static const char queue_sql_probe_any[] =
	"SELECT id, next_attempt_at FROM messages WHERE campaign_id IS $cid AND state = 'queued'"
	" AND next_attempt_at <= $now ORDER BY next_attempt_at, id LIMIT 1";
static const char queue_sql_probe_op[] =
	"SELECT id, next_attempt_at FROM messages WHERE campaign_id IS $cid AND operator IS $op"
	" AND state = 'queued' AND next_attempt_at <= $now ORDER BY next_attempt_at, id LIMIT 1";
static const char queue_sql_claim_row[] =
	"SELECT m.id, m.campaign_id, m.recipient, coalesce(m.text, c.text),"
	" coalesce(m.encoding, c.encoding), coalesce(m.segments, c.segments), m.attempts,"
	" m.priority, c.end_by,"
	" m.campaign_id IS NOT NULL AND"
	"  EXISTS (SELECT 1 FROM optouts o WHERE o.number = m.recipient),"
	" m.operator, c.cancelled_at IS NOT NULL"
	" FROM messages m LEFT JOIN campaigns c ON c.id = m.campaign_id WHERE m.id = $id";
static const char queue_sql_claim_take[] =
	"UPDATE messages SET state = 'sending', attempts = attempts + 1, modem = $modem,"
	" claimed_at = $now, updated_at = $now WHERE id = $id AND state = 'queued'";
/*
 * No write when nothing would change: the campaign already holds the highest turn (it is the
 * only one being served) and last_claim_at is less than QUEUE_LAST_CLAIM_SLACK_MS old. A
 * campaign row and two of its indexes are then not rewritten for every message, a third of
 * the pages a message's commit wrote.
 */
static const char queue_sql_turn[] =
	"UPDATE campaigns SET claim_seq = (SELECT max(claim_seq) FROM campaigns) + 1,"
	" last_claim_at = $now WHERE id = $id AND (claim_seq = 0"
	"  OR claim_seq < (SELECT max(claim_seq) FROM campaigns)"
	"  OR last_claim_at <= $now - " QUEUE_STR(QUEUE_LAST_CLAIM_SLACK_MS) ")";
static const char queue_sql_cap_window[] =
	"SELECT m.claimed_at FROM campaigns c CROSS JOIN messages m"
	" WHERE m.campaign_id = c.id AND m.recipient = $recipient AND c.last_claim_at > 0"
	"  AND c.last_claim_at > $since - " QUEUE_STR(QUEUE_LAST_CLAIM_SLACK_MS) /* may lag */
	"  AND m.claimed_at > $since"
	"  AND m.state IN ('sending', 'sent', 'delivered') ORDER BY m.claimed_at";
static const char queue_sql_defer[] =
	"UPDATE messages SET next_attempt_at = $at, last_error = 'daily cap', updated_at = $now"
	" WHERE id = $id AND state = 'queued'";
static const char queue_sql_next_due[] =
	"SELECT min(t) FROM ("
	" SELECT (SELECT m.next_attempt_at FROM messages m WHERE m.campaign_id = k.campaign_id"
	"   AND m.state = 'queued' ORDER BY m.next_attempt_at LIMIT 1) AS t"
	"  FROM msg_counts k JOIN campaigns c ON c.id = k.campaign_id"
	"  WHERE k.state = 'queued' AND k.n > 0 AND c.paused = 0"
	" UNION ALL" /* recipients still in chunks are due from the campaign's start */
	" SELECT c.start_at FROM msg_counts k JOIN campaigns c ON c.id = k.campaign_id"
	"  WHERE k.state = 'queued' AND k.n > 0 AND c.paused = 0"
	"   AND EXISTS (SELECT 1 FROM rcpt_chunks r WHERE r.campaign_id = k.campaign_id)"
	" UNION ALL"
	" SELECT (SELECT next_attempt_at FROM messages WHERE campaign_id IS NULL"
	"   AND state = 'queued' ORDER BY next_attempt_at LIMIT 1))";

/* A due message found by a probe. */
struct queue_cand {
	int64_t id, due; /* id 0: none */
};

static bool
queue_cand_better(const struct queue_cand *a, const struct queue_cand *b)
{
	return a->id && (!b->id || a->due < b->due || (a->due == b->due && a->id < b->id));
}

/* One seek: the oldest due message of campaign cid (0: replies) with operator op. */
static int
queue_probe_one(struct queue *q, int64_t cid, bool any, const char *op, int64_t now_ms,
		struct queue_cand *best)
{
	sqlite3_stmt *st = any ? queue_prep(q, QLAZY_PROBE_ANY, queue_sql_probe_any)
			       : queue_prep(q, QLAZY_PROBE_OP, queue_sql_probe_op);
	struct queue_cand c = { 0, 0 };
	int rc;

	if (!st)
		return -EIO;
	if (!(cid ? queue_bind_i64(st, "$cid", cid) : queue_bind_text(st, "$cid", NULL)) ||
	    !queue_bind_i64(st, "$now", now_ms) || (!any && !queue_bind_text(st, "$op", op))) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind probe");
	}
	rc = queue_step(q, st, "probe");
	if (rc == SQLITE_ROW) {
		c.id = sqlite3_column_int64(st, 0);
		c.due = sqlite3_column_int64(st, 1);
	}
	queue_stmt_done(st);
	if (rc < 0)
		return rc;
	if (queue_cand_better(&c, best))
		*best = c;
	return 0;
}

/* The oldest due message of campaign cid (0: replies) that matches the filter's operators. */
static int
queue_probe(struct queue *q, int64_t cid, const struct queue_claim_filter *f, int64_t now_ms,
	    struct queue_cand *best)
{
	bool expanded = true;
	int rc = 0;

	for (int round = 0; rc == 0 && expanded; round++) {
		best->id = 0;
		if (f->n_operators == 0) {
			rc = queue_probe_one(q, cid, true, NULL, now_ms, best);
		} else {
			for (size_t i = 0; i < f->n_operators && rc == 0; i++)
				if (f->operators[i])
					rc = queue_probe_one(q, cid, false, f->operators[i], now_ms,
							     best);
			if (rc == 0 && f->unknown_operator)
				rc = queue_probe_one(q, cid, false, NULL, now_ms, best);
		}
		/*
		 * Nothing due for this filter: hand the campaign's next chunk of recipients
		 * this modem may take to the dispatcher (queue_rset.c) and look again. Bounded,
		 * so that a claim never turns a whole campaign of opted-out numbers into rows.
		 */
		if (rc < 0 || best->id || cid == 0 || round == QUEUE_EXPAND_PER_PROBE)
			break;
		rc = queue_chunk_expand(q, cid, f, now_ms, &expanded);
	}
	return rc;
}

/*
 * The candidate of priority level prio: replies, or the campaign whose turn it is. Fills *best
 * (id 0 when nothing matching is due) and *cid.
 */
static int
queue_pick(struct queue *q, int prio, const struct queue_claim_filter *f, int64_t now_ms,
	   struct queue_cand *best, int64_t *cid)
{
	sqlite3_stmt *st;
	struct {
		int64_t id, seq;
	} *camps = NULL, *tmp;
	size_t n = 0, cap = 0;
	int64_t won_seq = -1;
	int rc;

	best->id = 0;
	*cid = 0;
	if (prio == QUEUE_PRIO_REPLY)
		return queue_probe(q, 0, f, now_ms, best);

	/* Collect first: the probes and writes below must not run under an open SELECT. */
	st = queue_prep(q, QLAZY_ACTIVE_CAMPAIGNS, queue_sql_active);
	if (!st)
		return -EIO;
	if (!queue_bind_int(st, "$priority", prio) || !queue_bind_i64(st, "$now", now_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind active campaigns");
	}
	while ((rc = queue_step(q, st, "active campaigns")) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			tmp = realloc(camps, cap * sizeof(*camps));
			if (!tmp) {
				rc = -ENOMEM;
				break;
			}
			camps = tmp;
		}
		camps[n].id = sqlite3_column_int64(st, 0);
		camps[n].seq = sqlite3_column_int64(st, 1);
		n++;
	}
	queue_stmt_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct queue_cand c;

		if (won_seq >= 0 && camps[i].seq != won_seq)
			break; /* only never-served campaigns (seq 0) tie */
		rc = queue_probe(q, camps[i].id, f, now_ms, &c);
		if (rc < 0)
			break;
		if (queue_cand_better(&c, best)) {
			*best = c;
			*cid = camps[i].id;
			won_seq = camps[i].seq;
		}
	}
out:
	free(camps);
	return rc;
}

/* Run a statement binding $id and $now; rows changed or -errno. */
static int64_t
queue_claim_update(struct queue *q, enum queue_stmt which, int64_t id, int64_t now_ms,
		   const char *what)
{
	sqlite3_stmt *st = q->stmt[which];
	int rc;

	if (!queue_bind_i64(st, "$id", id) || !queue_bind_i64(st, "$now", now_ms)) {
		queue_stmt_done(st);
		return queue_db_error(q, what);
	}
	rc = queue_exec_stmt(q, st, what);
	return rc < 0 ? rc : sqlite3_changes64(q->db);
}

/*
 * When recipient is at the cap: the time the cap frees (> now), else 0. Counts broadcast
 * messages claimed in (now - 24 h, now] that are sending, sent or delivered.
 */
static int
queue_cap_until(struct queue *q, const char *recipient, int cap, int64_t now_ms, int64_t *until)
{
	sqlite3_stmt *st = queue_prep(q, QLAZY_CAP_WINDOW, queue_sql_cap_window);
	int64_t *times = NULL, *tmp;
	size_t n = 0, size = 0;
	int rc;

	*until = 0;
	if (!st)
		return -EIO;
	if (!queue_bind_text(st, "$recipient", recipient) ||
	    !queue_bind_i64(st, "$since", now_ms - QUEUE_DAY_MS)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind cap");
	}
	while ((rc = queue_step(q, st, "daily cap")) == SQLITE_ROW) {
		if (n == size) {
			size = size ? 2 * size : 8;
			tmp = realloc(times, size * sizeof(*times));
			if (!tmp) {
				rc = -ENOMEM;
				break;
			}
			times = tmp;
		}
		times[n++] = sqlite3_column_int64(st, 0);
	}
	queue_stmt_done(st);
	if (rc >= 0) {
		rc = 0;
		/* Below the cap once n - cap + 1 of them left: the (n - cap)-th oldest. */
		if (n >= (size_t)cap)
			*until = times[n - (size_t)cap] + QUEUE_DAY_MS;
	}
	free(times);
	return rc;
}

/* Copy the row of queue_sql_claim_row into out. */
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
	queue_col_str(st, 10, out->operator, sizeof(out->operator));
	return out->text ? 0 : -ENOMEM;
}

/*
 * Resolve or take candidate id. Returns 1 when claimed into out, 2 when the candidate was
 * resolved otherwise (look again), or -errno.
 */
static int
queue_claim_cand(struct queue *q, int64_t id, const struct queue_claim_filter *f,
		 int64_t now_ms, const char *modem, struct queue_msg *out)
{
	sqlite3_stmt *st = queue_prep(q, QLAZY_CLAIM_ROW, queue_sql_claim_row);
	int64_t campaign_id, end_by, n, until = 0;
	bool opted_out, cancelled;
	int rc;

	if (!st)
		return -EIO;
	if (!queue_bind_i64(st, "$id", id)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind claim row");
	}
	rc = queue_step(q, st, "claim row");
	if (rc != SQLITE_ROW) {
		queue_stmt_done(st);
		return rc < 0 ? rc : -EIO;
	}
	campaign_id = sqlite3_column_int64(st, 1);
	end_by = sqlite3_column_int64(st, 8);
	opted_out = sqlite3_column_int(st, 9) != 0;
	cancelled = sqlite3_column_int(st, 11) != 0;
	rc = queue_claim_read(st, out);
	queue_stmt_done(st);
	if (rc < 0)
		return rc;

	if (campaign_id && (cancelled || (end_by && now_ms > end_by))) {
		n = queue_claim_update(q, cancelled ? QSTMT_CAMPAIGN_CANCEL : QSTMT_CAMPAIGN_EXPIRE,
				       campaign_id, now_ms, cancelled ? "cancel" : "expire");
		if (n <= 0) /* 0 would mean looking at the same row forever */
			return n < 0 ? (int)n : -EIO;
		int64_t pending = queue_chunks_drop(q, campaign_id,
						    cancelled ? "cancelled" : "expired");
		if (pending < 0)
			return (int)pending;
		n += pending;
		LOG(LOG_NOTICE, QUEUE_LOG, "campaign %lld %s: %lld unsent messages %s",
		    (long long)campaign_id, cancelled ? "cancelled" : "ended", (long long)n,
		    cancelled ? "cancelled" : "expired");
		return 2;
	}
	if (opted_out) {
		n = queue_claim_update(q, QSTMT_SUPPRESS, id, now_ms, "suppress");
		if (n <= 0)
			return n < 0 ? (int)n : -EIO;
		LOG(LOG_INFO, QUEUE_LOG, "message %lld suppressed: recipient opted out",
		    (long long)id);
		return 2;
	}
	if (campaign_id && f->daily_cap > 0) {
		rc = queue_cap_until(q, out->recipient, f->daily_cap, now_ms, &until);
		if (rc < 0)
			return rc;
	}
	if (until > now_ms) {
		st = queue_prep(q, QLAZY_DEFER, queue_sql_defer);
		if (!st)
			return -EIO;
		if (!queue_bind_i64(st, "$at", until) || !queue_bind_i64(st, "$now", now_ms) ||
		    !queue_bind_i64(st, "$id", id)) {
			queue_stmt_done(st);
			return queue_db_error(q, "bind defer");
		}
		rc = queue_exec_stmt(q, st, "defer");
		if (rc < 0)
			return rc;
		if (sqlite3_changes(q->db) != 1)
			return -EIO;
		LOG(LOG_DEBUG, QUEUE_LOG, "message %lld deferred: recipient at the daily cap",
		    (long long)id);
		return 2;
	}

	st = queue_prep(q, QLAZY_CLAIM_TAKE, queue_sql_claim_take);
	if (!st)
		return -EIO;
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
	if (campaign_id) {
		st = queue_prep(q, QLAZY_CAMPAIGN_TURN, queue_sql_turn);
		if (!st)
			return -EIO;
		if (!queue_bind_i64(st, "$id", campaign_id) || !queue_bind_i64(st, "$now", now_ms)) {
			queue_stmt_done(st);
			return queue_db_error(q, "bind campaign turn");
		}
		rc = queue_exec_stmt(q, st, "campaign turn");
		if (rc < 0)
			return rc;
	}
	return 1;
}

int
queue_claim_next_filtered(struct queue *q, int64_t now_ms, const char *modem,
			  const struct queue_claim_filter *f, struct queue_msg *out)
{
	static const struct queue_claim_filter none;
	struct queue_cand cand;
	int64_t cid;
	int top, rc = 0;

	if (!q || !modem || !modem[0] || !out)
		return -EINVAL;
	if (!f)
		f = &none;
	if ((f->n_operators && !f->operators) || f->daily_cap < 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	top = queue_tx_enter(q);
	if (top < 0)
		return top;
	for (int prio = QUEUE_PRIO_REPLY, resolved = 0; prio >= QUEUE_PRIO_BULK;) {
		if (prio != QUEUE_PRIO_REPLY && prio < f->min_priority)
			break;
		if (resolved == QUEUE_CLAIM_LOOKS) {
			/* what was resolved is committed; the dispatcher comes back for the rest */
			LOG(LOG_DEBUG, QUEUE_LOG, "claim: %d messages resolved, none to send yet",
			    resolved);
			break;
		}
		rc = queue_pick(q, prio, f, now_ms, &cand, &cid);
		if (rc < 0)
			break;
		if (!cand.id) {
			prio--;
			continue;
		}
		rc = queue_claim_cand(q, cand.id, f, now_ms, modem, out);
		if (rc < 0 || rc == 1)
			break;
		queue_msg_clear(out); /* resolved otherwise: look again */
		resolved++;
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

int
queue_claim_next(struct queue *q, int64_t now_ms, const char *modem, struct queue_msg *out)
{
	return queue_claim_next_filtered(q, now_ms, modem, NULL, out);
}

int64_t
queue_next_due_ms(struct queue *q, int64_t now_ms)
{
	sqlite3_stmt *st = queue_prep(q, QLAZY_NEXT_DUE, queue_sql_next_due);
	int64_t due = INT64_MAX;
	int rc;

	if (!st)
		return now_ms + 1000; /* logged; try again soon rather than never */
	rc = queue_step(q, st, "next due");
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		due = sqlite3_column_int64(st, 0);
	queue_stmt_done(st);
	if (rc < 0)
		return now_ms + 1000;
	return due < now_ms ? now_ms : due;
}
