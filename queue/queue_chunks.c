/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_chunks — a campaign's recipients stored in chunks and turned into messages as the
 * dispatcher reaches them. (The set they are gathered in: queue_rset.c.)
 *
 * DESIGN — why chunks. A modem bank sends a few thousand SMS an hour, so a district campaign
 * of a million recipients drains over days; creating its million message rows up front (each
 * one entry in the table and in four indexes) took about 10 s of SQLite work alone, for rows
 * that then wait for days. Instead, creation stores the recipients as rows of rcpt_chunks,
 * each about a thousand numbers of one operator, one per line (a million recipients are a
 * thousand rows, 13 MB, written in well under a second), and a claim that finds no due
 * message of a campaign for its modem's operators turns the oldest matching chunk into
 * messages, in the claim's own transaction (queue_claim.c). So:
 * - the messages table holds what is being sent and what was sent, not the whole backlog;
 * - msg_counts counts a chunk's recipients as `queued` from creation, so counts, status,
 *   estimates, /metrics and "which campaigns have work" read as before;
 * - chunks are per operator, so a Vinaphone modem finds Vinaphone numbers at once however the
 *   numbers of a campaign are mixed;
 * - the first chunk of each operator becomes messages at creation, so a small campaign (up to
 *   a chunk per operator) is stored exactly as before and its messages can be listed at once;
 * - de-duplication happens once, in memory, at creation (sort by number); opted-out numbers
 *   are found by one merge pass over the sorted opt-out table and stored as `suppressed`
 *   messages then; a later opt-out is caught by the claim, as for any message. The set is
 *   then put back in the order given, which is the order of sending.
 * - cancel and end_by drop the chunks and count their recipients cancelled or expired.
 * - each step (creation, an expansion, a drop) is one transaction with its count changes, so
 *   a crash never loses or doubles a recipient.
 *
 * Thread: the thread that owns the struct queue (the set itself: any).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "queue/queue_int.h"

static const char queue_sql_msg_insert[] =
	"INSERT OR IGNORE INTO messages (campaign_id, recipient, operator, priority, state,"
	" next_attempt_at, last_error, created_at, updated_at) VALUES ($cid, $recipient,"
	" $operator, $priority, $state, $due, $error, $now, $now)";
static const char queue_sql_chunk_insert[] =
	"INSERT INTO rcpt_chunks (campaign_id, operator, n, numbers)"
	" VALUES ($cid, $operator, $n, $numbers)";
static const char queue_sql_count_add[] =
	"INSERT INTO msg_counts (campaign_id, state, priority, n)"
	" SELECT $cid, $state, priority, $n FROM campaigns WHERE id = $cid"
	" ON CONFLICT (campaign_id, state) DO UPDATE SET n = n + excluded.n";
static const char queue_sql_optouts[] = "SELECT number FROM optouts ORDER BY number";
static const char queue_sql_contact_op[] =
	"SELECT operator FROM contacts WHERE number = $number AND operator IS NOT NULL";
static const char queue_sql_chunk_first_any[] =
	"SELECT id FROM rcpt_chunks WHERE campaign_id = $cid ORDER BY id LIMIT 1";
static const char queue_sql_chunk_first_op[] =
	"SELECT id FROM rcpt_chunks WHERE campaign_id = $cid AND operator IS $op"
	" ORDER BY id LIMIT 1";
static const char queue_sql_chunk_campaign[] =
	"SELECT k.operator, k.numbers, c.priority, max(c.start_at, c.created_at)"
	" FROM rcpt_chunks k JOIN campaigns c ON c.id = k.campaign_id WHERE k.id = $id";
static const char queue_sql_chunk_delete[] = "DELETE FROM rcpt_chunks WHERE id = $id";
static const char queue_sql_chunks_delete[] =
	"DELETE FROM rcpt_chunks WHERE campaign_id = $cid RETURNING n";

int
queue_rset_optouts(struct queue *q, struct queue_rset *s, int64_t *n)
{
	sqlite3_stmt *st = queue_prep(q, QLAZY_RSET_OPTOUTS, queue_sql_optouts);
	size_t i = 0;
	int rc;

	*n = 0;
	if (!st)
		return -EIO;
	queue_rset_finish(s);
	for (size_t k = 0; k < s->n; k++)
		s->v[k].optout = 0;
	/*
	 * Both sides sorted (optouts is keyed by number, BINARY collation, the order of the
	 * packed keys): one merge pass. An opt-out that is not E.164 matches no recipient.
	 */
	while (i < s->n && (rc = queue_step(q, st, "opt-outs")) == SQLITE_ROW) {
		const char *o = (const char *)sqlite3_column_text(st, 0);
		uint64_t key;

		if (!o || !queue_rcpt_pack(o, strlen(o), &key))
			continue;
		while (i < s->n && s->v[i].key < key)
			i++;
		if (i < s->n && s->v[i].key == key) {
			s->v[i++].optout = 1;
			(*n)++;
		}
	}
	queue_stmt_done(st);
	return rc < 0 && i < s->n ? rc : 0;
}

int
queue_rset_contact_ops(struct queue *q, struct queue_rset *s)
{
	sqlite3_stmt *st = NULL;
	char buf[QUEUE_RCPT_STR];
	int rc = 0;

	for (size_t i = 0; i < s->n && rc == 0; i++) {
		if (s->v[i].op || s->v[i].contact)
			continue;
		if (!st && !(st = queue_prep(q, QLAZY_RSET_CONTACT_OP, queue_sql_contact_op)))
			return -EIO;
		queue_rcpt_unpack(s->v[i].key, buf);
		if (!queue_bind_text(st, "$number", buf)) {
			rc = queue_db_error(q, "bind contact operator");
			break;
		}
		rc = queue_step(q, st, "contact operator");
		if (rc == SQLITE_ROW) {
			const char *op = (const char *)sqlite3_column_text(st, 0);
			int k = queue_operator_ok(op) ? queue_rset_op_index(s, op) : 0;
			if (k > 0)
				s->v[i].op = (uint16_t)k;
			rc = k < 0 ? k : 0;
		} else if (rc == SQLITE_DONE) {
			rc = 0;
		}
		queue_stmt_done(st);
	}
	return rc;
}

/* ---- storing ---- */

/* Add n to msg_counts (cid, state); priority from the campaign. */
static int
queue_count_add(struct queue *q, int64_t cid, const char *state, int64_t n)
{
	sqlite3_stmt *st;

	if (n == 0)
		return 0;
	st = queue_prep(q, QLAZY_RSET_COUNT_ADD, queue_sql_count_add);
	if (!st)
		return -EIO;
	if (!queue_bind_i64(st, "$cid", cid) || !queue_bind_text(st, "$state", state) ||
	    !queue_bind_i64(st, "$n", n)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind count");
	}
	return queue_exec_stmt(q, st, "count recipients");
}

/* The message insert with the bindings every row shares set; NULL after logging. */
static sqlite3_stmt *
queue_msg_insert_prep(struct queue *q, int64_t cid, int priority, int64_t due, int64_t now_ms)
{
	sqlite3_stmt *st = queue_prep(q, QLAZY_RSET_MSG_INSERT, queue_sql_msg_insert);

	if (!st)
		return NULL;
	if (!queue_bind_i64(st, "$cid", cid) || !queue_bind_int(st, "$priority", priority) ||
	    !queue_bind_i64(st, "$due", due) || !queue_bind_i64(st, "$now", now_ms)) {
		queue_stmt_done(st);
		queue_db_error(q, "bind recipient insert");
		return NULL;
	}
	return st;
}

/* Insert one message with st (see queue_msg_insert_prep()); 1 inserted, 0 a duplicate. */
static int
queue_msg_insert(struct queue *q, sqlite3_stmt *st, const char *number, size_t len,
		 const char *op, bool suppressed)
{
	int rc;

	if (sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, "$recipient"), number,
			      (int)len, SQLITE_STATIC) != SQLITE_OK ||
	    !queue_bind_text(st, "$operator", op) ||
	    !queue_bind_text(st, "$state", suppressed ? "suppressed" : "queued") ||
	    !queue_bind_text(st, "$error", suppressed ? "opted out" : NULL))
		return queue_db_error(q, "bind recipient");
	rc = queue_step(q, st, "insert recipient");
	sqlite3_reset(st);
	return rc < 0 ? rc : sqlite3_changes(q->db);
}

/* Numbers of one operator on their way into a chunk. */
struct queue_chunk_buf {
	char *text; /* room for a chunk (malloc'd when the first number comes) */
	size_t len;
	int n;      /* numbers in text */
	int first;  /* numbers stored directly as messages (the first chunk) */
};

static int
queue_chunk_flush(struct queue *q, int64_t cid, const char *op, struct queue_chunk_buf *b)
{
	sqlite3_stmt *st;
	int rc;

	if (b->n == 0)
		return 0;
	st = queue_prep(q, QLAZY_RSET_CHUNK_INSERT, queue_sql_chunk_insert);
	if (!st)
		return -EIO;
	if (!queue_bind_i64(st, "$cid", cid) || !queue_bind_text(st, "$operator", op) ||
	    !queue_bind_int(st, "$n", b->n) ||
	    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, "$numbers"), b->text,
			      (int)b->len - 1 /* the last '\n' */, SQLITE_STATIC) != SQLITE_OK) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind chunk");
	}
	rc = queue_exec_stmt(q, st, "insert chunk");
	b->n = 0;
	b->len = 0;
	return rc;
}

int
queue_rset_store(struct queue *q, const struct queue_rset *s, int64_t cid, int priority,
		 int64_t due, int64_t now_ms, int64_t *added)
{
	struct queue_chunk_buf *bufs = calloc(s->n_ops + 1, sizeof(*bufs));
	sqlite3_stmt *ins = queue_msg_insert_prep(q, cid, priority, due, now_ms);
	int64_t queued = 0, suppressed = 0;
	size_t chunk = (size_t)q->chunk;
	int rc = 0;

	if (!bufs || !ins) {
		free(bufs);
		if (ins)
			queue_stmt_done(ins);
		return bufs ? -EIO : -ENOMEM;
	}
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		const struct queue_rcpt *r = &s->v[i];
		struct queue_chunk_buf *b = &bufs[r->op];
		char num[QUEUE_RCPT_STR];
		size_t len = queue_rcpt_unpack(r->key, num);

		if (r->optout || (size_t)b->first < chunk) {
			rc = queue_msg_insert(q, ins, num, len, queue_rset_op(s, r->op),
					      r->optout);
			if (rc > 0) {
				r->optout ? suppressed++ : queued++;
				if (!r->optout)
					b->first++;
			}
			rc = rc < 0 ? rc : 0;
			continue;
		}
		/* a chunk is flushed at `chunk` numbers, each at most 16 bytes and a '\n' */
		if (!b->text && !(b->text = malloc(chunk * QUEUE_RCPT_STR))) {
			rc = -ENOMEM;
			break;
		}
		memcpy(b->text + b->len, num, len);
		b->len += len;
		b->text[b->len++] = '\n';
		b->n++;
		queued++;
		if ((size_t)b->n == chunk)
			rc = queue_chunk_flush(q, cid, queue_rset_op(s, r->op), b);
	}
	queue_stmt_done(ins);
	for (size_t k = 0; k <= s->n_ops; k++) {
		if (rc == 0)
			rc = queue_chunk_flush(q, cid, queue_rset_op(s, (uint16_t)k), &bufs[k]);
		free(bufs[k].text);
	}
	free(bufs);
	if (rc == 0)
		rc = queue_count_add(q, cid, "queued", queued);
	if (rc == 0)
		rc = queue_count_add(q, cid, "suppressed", suppressed);
	if (rc == 0)
		*added += queued + suppressed;
	return rc;
}

/* ---- expanding and dropping ---- */

/* Lowest chunk id of campaign cid with operator op (any when !by_op) into *id if lower. */
static int
queue_chunk_first(struct queue *q, int64_t cid, bool by_op, const char *op, int64_t *id)
{
	sqlite3_stmt *st = by_op ? queue_prep(q, QLAZY_CHUNK_FIRST_OP, queue_sql_chunk_first_op)
				 : queue_prep(q, QLAZY_CHUNK_FIRST_ANY, queue_sql_chunk_first_any);
	int rc;

	if (!st)
		return -EIO;
	if (!queue_bind_i64(st, "$cid", cid) || (by_op && !queue_bind_text(st, "$op", op))) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind chunk");
	}
	rc = queue_step(q, st, "find chunk");
	if (rc == SQLITE_ROW) {
		int64_t k = sqlite3_column_int64(st, 0);
		if (*id == 0 || k < *id)
			*id = k;
	}
	queue_stmt_done(st);
	return rc < 0 ? rc : 0;
}

/* Insert the numbers of chunk id as queued messages and delete it. */
static int
queue_chunk_expand_id(struct queue *q, int64_t cid, int64_t id, int64_t now_ms)
{
	sqlite3_stmt *st = queue_prep(q, QLAZY_CHUNK_CAMPAIGN, queue_sql_chunk_campaign);
	sqlite3_stmt *ins = NULL, *del;
	char op[QUEUE_OPERATOR_MAX], *numbers = NULL;
	bool has_op;
	int64_t due, dup = 0, n = 0;
	int priority, rc;

	if (!st)
		return -EIO;
	if (!queue_bind_i64(st, "$id", id)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind chunk");
	}
	rc = queue_step(q, st, "read chunk");
	if (rc == SQLITE_ROW) {
		has_op = sqlite3_column_type(st, 0) != SQLITE_NULL;
		queue_col_str(st, 0, op, sizeof(op));
		numbers = strdup((const char *)sqlite3_column_text(st, 1));
		priority = sqlite3_column_int(st, 2);
		due = sqlite3_column_int64(st, 3);
	}
	queue_stmt_done(st);
	if (rc != SQLITE_ROW)
		return rc < 0 ? rc : -EIO;
	if (!numbers)
		return -ENOMEM;
	ins = queue_msg_insert_prep(q, cid, priority, due, now_ms);
	rc = ins ? 0 : -EIO;
	for (char *p = numbers; rc == 0 && *p;) {
		size_t len = strcspn(p, "\n");

		rc = queue_msg_insert(q, ins, p, len, has_op ? op : NULL, false);
		if (rc == 0)
			dup++; /* added to the campaign again after creation: stored once */
		rc = rc < 0 ? rc : 0;
		n++;
		p += len;
		if (*p == '\n')
			p++;
	}
	if (ins)
		queue_stmt_done(ins);
	free(numbers);
	if (rc == 0 && dup)
		rc = queue_count_add(q, cid, "queued", -dup);
	if (rc == 0) {
		del = queue_prep(q, QLAZY_CHUNK_DELETE, queue_sql_chunk_delete);
		if (!del)
			return -EIO;
		if (!queue_bind_i64(del, "$id", id)) {
			queue_stmt_done(del);
			return queue_db_error(q, "bind chunk delete");
		}
		rc = queue_exec_stmt(q, del, "delete chunk");
	}
	if (rc == 0)
		LOG(LOG_DEBUG, QUEUE_LOG, "campaign %lld: %lld recipients handed to the dispatcher",
		    (long long)cid, (long long)(n - dup));
	return rc;
}

int
queue_chunk_expand(struct queue *q, int64_t cid, const struct queue_claim_filter *f,
		   int64_t now_ms, bool *expanded)
{
	int64_t id = 0;
	int rc = 0;

	*expanded = false;
	if (!f || f->n_operators == 0) {
		rc = queue_chunk_first(q, cid, false, NULL, &id);
	} else {
		for (size_t i = 0; i < f->n_operators && rc == 0; i++)
			if (f->operators[i])
				rc = queue_chunk_first(q, cid, true, f->operators[i], &id);
		if (rc == 0 && f->unknown_operator)
			rc = queue_chunk_first(q, cid, true, NULL, &id);
	}
	if (rc < 0 || id == 0)
		return rc;
	rc = queue_chunk_expand_id(q, cid, id, now_ms);
	*expanded = rc == 0;
	return rc;
}

int64_t
queue_chunks_drop(struct queue *q, int64_t cid, const char *state)
{
	sqlite3_stmt *st = queue_prep(q, QLAZY_CHUNKS_DELETE, queue_sql_chunks_delete);
	int64_t n = 0;
	int rc;

	if (!st)
		return -EIO;
	if (!queue_bind_i64(st, "$cid", cid)) {
		queue_stmt_done(st);
		return queue_db_error(q, "bind chunks delete");
	}
	while ((rc = queue_step(q, st, "drop chunks")) == SQLITE_ROW)
		n += sqlite3_column_int64(st, 0);
	queue_stmt_done(st);
	if (rc < 0 || n == 0)
		return rc < 0 ? rc : 0;
	rc = queue_count_add(q, cid, "queued", -n);
	if (rc == 0)
		rc = queue_count_add(q, cid, state, n);
	return rc < 0 ? rc : n;
}

int
queue_set_chunk(struct queue *q, int n)
{
	if (!q || n < 1 || n > 100000)
		return -EINVAL;
	q->chunk = n;
	return 0;
}
