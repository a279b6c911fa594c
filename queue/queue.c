/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue — the SQLite backend of Loa's durable store: opening the connection, the table of
 * prepared statements, transactions, and the helpers shared by the other files:
 * queue_campaign.c (campaigns, replies, preview), queue_claim.c (claims and next-due),
 * queue_outbound.c (message state changes, recovery, reading), queue_inbound.c (inbound SMS,
 * filing reports, opt-outs), queue_citizen.c (report handling, reassembly, polls, purge),
 * queue_contacts.c (contacts and groups), queue_recur.c (recurring templates), queue_admin.c
 * (audit, metrics, opt-out list), queue_dlr.c (delivery reports). The schema and its
 * migrations are in queue_migrate.c. Only files in queue/ include <sqlite3.h>.
 *
 * DESIGN
 * - One connection, opened with SQLITE_OPEN_NOMUTEX: one thread owns it (the main loop), so
 *   SQLite's own mutexes would only cost time.
 * - journal_mode=WAL: readers (loactl, exports) never block the writer and vice versa.
 * - synchronous=FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on a power cut
 *   (the file stays consistent, but recent transactions vanish). Loa acknowledges an inbound SMS
 *   to the modem, which then deletes it from the SIM, right after the commit; an opt-out or a
 *   campaign is confirmed to a person. Losing those on a power cut in a village exchange is worse
 *   than one fsync a commit, which at a few thousand SMS an hour is negligible; bulk work (a
 *   campaign of a million recipients) is one transaction and so one fsync.
 * - Every statement is prepared once at open from queue_stmt_sql[], indexed by enum queue_stmt,
 *   with named parameters; those added with schema 3 live next to their code and are prepared
 *   on first use by queue_prep() (enum queue_lazy_stmt), then kept like the others.
 * - Writes nest: a write function enters with queue_tx_enter(), which opens BEGIN IMMEDIATE when
 *   no transaction is open (so the function is atomic and committed on its own) and a SAVEPOINT
 *   inside a caller's queue_begin() (so it joins that unit and can still undo just itself).
 * - Errors: SQLite failures are logged once here with sqlite3_errmsg() and become -EIO.
 *   SQLite's own log (sqlite3_config(SQLITE_CONFIG_LOG)) goes to LOG() at WARN or below, so the
 *   ERROR line stays the one written where the failure is handled.
 *
 * Thread: one thread owns a struct queue; queue_global_init() runs once, before any other
 * sqlite3 call in the process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "queue/queue_int.h"

#define QUEUE_BUSY_TIMEOUT_MS 5000

/* Columns of one message as queue_msg_get()/foreach read them (see queue_msg_info_read()). */
#define QUEUE_INFO_COLS                                                                            \
	"id, campaign_id, recipient, state, attempts, modem, refs, last_error, operator"

static const char *const queue_stmt_sql[_QSTMT_COUNT] = {
	[QSTMT_BEGIN] = "BEGIN IMMEDIATE",
	[QSTMT_COMMIT] = "COMMIT",
	[QSTMT_ROLLBACK] = "ROLLBACK",
	[QSTMT_SAVEPOINT] = "SAVEPOINT queue_sp",
	[QSTMT_RELEASE] = "RELEASE queue_sp",
	[QSTMT_ROLLBACK_TO] = "ROLLBACK TO queue_sp",

	[QSTMT_CAMPAIGN_COUNTS] = "SELECT state, n FROM msg_counts WHERE campaign_id = $id",
	/* One statement for every recipient: opted-out numbers go in as suppressed. */
	[QSTMT_CAMPAIGN_EXPIRE] =
		"UPDATE messages SET state = 'expired', last_error = 'campaign ended',"
		" updated_at = $now WHERE campaign_id = $id AND state = 'queued'",
	[QSTMT_CAMPAIGN_CANCEL] =
		"UPDATE messages SET state = 'cancelled', updated_at = $now"
		" WHERE campaign_id = $id AND state = 'queued'",
	[QSTMT_SUPPRESS] =
		"UPDATE messages SET state = 'suppressed', last_error = 'opted out',"
		" updated_at = $now WHERE id = $id AND state = 'queued'",
	[QSTMT_MARK_SENT] = "UPDATE messages SET state = 'sent', refs = $refs, updated_at = $now"
			    " WHERE id = $id AND state = 'sending'",
	[QSTMT_MARK_RETRY] =
		"UPDATE messages SET state = 'queued', last_error = $error,"
		" next_attempt_at = $next_attempt_at, updated_at = $now"
		" WHERE id = $id AND state = 'sending'",
	[QSTMT_MARK_FAILED] =
		"UPDATE messages SET state = 'failed', last_error = $error, updated_at = $now"
		" WHERE id = $id AND state = 'sending'",
	[QSTMT_MARK_DELIVERED] = "UPDATE messages SET state = 'delivered', updated_at = $now"
				 " WHERE id = $id AND state = 'sent'",
	[QSTMT_MSG_EXISTS] = "SELECT 1 FROM messages WHERE id = $id",
	[QSTMT_MSG_GET] = "SELECT " QUEUE_INFO_COLS " FROM messages WHERE id = $id",
	[QSTMT_MSG_FOREACH] = "SELECT " QUEUE_INFO_COLS " FROM messages"
			      " WHERE campaign_id IS $campaign_id ORDER BY id",
	[QSTMT_STATE_COUNTS] = "SELECT state, sum(n) FROM msg_counts GROUP BY state",
	/* In-flight messages keep their age (they were due when claimed), so they go first. */
	[QSTMT_RECOVER_RESEND] =
		"UPDATE messages SET state = 'queued',"
		" next_attempt_at = min(next_attempt_at, $now),"
		" last_error = 'uncertain after restart', updated_at = $now"
		" WHERE state = 'sending'",
	[QSTMT_RECOVER_FAIL] =
		"UPDATE messages SET state = 'failed', last_error = 'uncertain after restart',"
		" updated_at = $now WHERE state = 'sending'",

	[QSTMT_INBOUND_INSERT] =
		"INSERT OR IGNORE INTO inbound (modem, sender, smsc_time, concat_ref, part, parts,"
		" text, received_at) VALUES ($modem, $sender, $smsc_time, $concat_ref, $part,"
		" $parts, $text, $received_at)",
	[QSTMT_INBOUND_FIND] =
		"SELECT id FROM inbound WHERE sender = $sender AND smsc_time = $smsc_time"
		" AND concat_ref = $concat_ref AND part = $part AND text = $text",
	[QSTMT_INBOUND_SET_ACTION] = "UPDATE inbound SET action = $action WHERE id = $id",
	[QSTMT_INBOUND_COUNT] = "SELECT count(*) FROM inbound",
	[QSTMT_REPORTS_LIST] =
		"SELECT id, coalesce(inbound_id, 0), ticket, sender, text, status, created_at"
		" FROM reports WHERE id > $after_id ORDER BY id LIMIT $limit",
	[QSTMT_OPTOUT_INSERT] =
		"INSERT OR IGNORE INTO optouts (number, created_at) VALUES ($number, $now)",
	[QSTMT_OPTOUT_DELETE] = "DELETE FROM optouts WHERE number = $number",
	[QSTMT_OPTOUT_GET] = "SELECT 1 FROM optouts WHERE number = $number",
	[QSTMT_PART_INSERT] =
		"INSERT OR REPLACE INTO msg_parts (msg_id, part, modem, ref, recipient, sent_at)"
		" SELECT $msg_id, $part, $modem, $ref, recipient, $now FROM messages WHERE id = $msg_id",
	[QSTMT_PART_FIND] = "SELECT msg_id, part FROM msg_parts"
			    " WHERE modem = $modem AND ref = $ref AND recipient = $recipient"
			    " ORDER BY sent_at DESC, msg_id DESC LIMIT 1",
	[QSTMT_PART_SET_STATUS] = "UPDATE msg_parts SET status = $status"
				  " WHERE msg_id = $msg_id AND part = $part",
	[QSTMT_PARTS_PENDING] = "SELECT count(*) FROM msg_parts"
				" WHERE msg_id = $msg_id AND (status IS NULL OR status >= 32)",
	[QSTMT_DLR_FAIL] = "UPDATE messages SET state = 'failed', last_error = $error,"
			   " updated_at = $now WHERE id = $id AND state IN ('sent', 'delivered')",
};

static const char *const queue_state_names[_QUEUE_STATE_COUNT] = {
	[QUEUE_QUEUED] = "queued",       [QUEUE_SENDING] = "sending",
	[QUEUE_SENT] = "sent",           [QUEUE_DELIVERED] = "delivered",
	[QUEUE_FAILED] = "failed",       [QUEUE_EXPIRED] = "expired",
	[QUEUE_CANCELLED] = "cancelled", [QUEUE_SUPPRESSED] = "suppressed",
};

static const char *const queue_priority_names[] = {
	[QUEUE_PRIO_BULK] = "bulk",
	[QUEUE_PRIO_NORMAL] = "normal",
	[QUEUE_PRIO_ALERT] = "alert",
	[QUEUE_PRIO_REPLY] = "reply",
};

const char *
queue_state_name(enum queue_state s)
{
	return (unsigned)s < _QUEUE_STATE_COUNT ? queue_state_names[s] : "?";
}

int
queue_state_parse(const char *name)
{
	for (int i = 0; i < _QUEUE_STATE_COUNT; i++)
		if (name && strcmp(name, queue_state_names[i]) == 0)
			return i;
	return -1;
}

const char *
queue_priority_name(int prio)
{
	if (prio < QUEUE_PRIO_BULK || prio > QUEUE_PRIO_REPLY)
		return "?";
	return queue_priority_names[prio];
}

/* Only the priorities a campaign may have; "reply" is reserved for answers to citizens. */
int
queue_priority_parse(const char *name)
{
	for (int i = QUEUE_PRIO_BULK; i <= QUEUE_PRIO_ALERT; i++)
		if (name && strcmp(name, queue_priority_names[i]) == 0)
			return i;
	return -1;
}

bool
queue_number_ok(const char *s)
{
	return s && s[0] && strlen(s) < QUEUE_NUMBER_MAX;
}

/* ---- SQLite log routing ---- */

/*
 * SQLite's own log: constraint failures we handle ourselves and schema re-preparations are
 * routine (DEBUG); notices such as WAL recovery are NOTICE; everything else WARN, because the
 * caller that handles the failure writes the ERROR line. Must not call sqlite3 functions.
 */
static void
queue_sqlite_log_cb(void *arg, int code, const char *msg)
{
	enum log_level lvl;

	(void)arg;
	switch (code & 0xff) {
	case SQLITE_CONSTRAINT:
	case SQLITE_SCHEMA:
		lvl = LOG_DEBUG;
		break;
	case SQLITE_NOTICE:
		lvl = LOG_NOTICE;
		break;
	default:
		lvl = LOG_WARN;
		break;
	}
	LOG(lvl, QUEUE_LOG, "sqlite (%d): %s", code, msg);
}

void
queue_global_init(void)
{
	static bool done;
	int rc;

	if (done)
		return;
	done = true;
	/* Fails with SQLITE_MISUSE when SQLite was already initialised by someone else. */
	rc = sqlite3_config(SQLITE_CONFIG_LOG, queue_sqlite_log_cb, NULL);
	if (rc != SQLITE_OK)
		LOG(LOG_DEBUG, QUEUE_LOG, "sqlite log not routed: already initialised (%d)", rc);
	rc = sqlite3_initialize();
	if (rc != SQLITE_OK)
		LOG(LOG_ERROR, QUEUE_LOG, "sqlite3_initialize: %s", sqlite3_errstr(rc));
}

/* ---- helpers ---- */

int
queue_db_error(struct queue *q, const char *what)
{
	int code = sqlite3_extended_errcode(q->db);

	LOG(LOG_ERROR, QUEUE_LOG, "%s: %s (%d)", what, sqlite3_errmsg(q->db), code);
	/* a full disk is worth telling apart: it goes away when space is freed */
	return (code & 0xff) == SQLITE_FULL ? -ENOSPC : -EIO;
}

static int
queue_param(sqlite3_stmt *st, const char *name)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i == 0)
		LOG(LOG_ERROR, QUEUE_LOG, "no parameter %s in: %s", name, sqlite3_sql(st));
	return i;
}

bool
queue_bind_i64(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = queue_param(st, name);

	return i && sqlite3_bind_int64(st, i, v) == SQLITE_OK;
}

bool
queue_bind_int(sqlite3_stmt *st, const char *name, int v)
{
	int i = queue_param(st, name);

	return i && sqlite3_bind_int(st, i, v) == SQLITE_OK;
}

bool
queue_bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = queue_param(st, name);

	if (!i)
		return false;
	if (!v)
		return sqlite3_bind_null(st, i) == SQLITE_OK;
	return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) == SQLITE_OK;
}

void
queue_stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int
queue_step(struct queue *q, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	return queue_db_error(q, what);
}

int
queue_exec_stmt(struct queue *q, sqlite3_stmt *st, const char *what)
{
	int rc = queue_step(q, st, what);

	queue_stmt_done(st);
	return rc < 0 ? rc : 0;
}

void
queue_col_str(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	util_strlcpy(dst, s ? (const char *)s : "", size);
}

sqlite3_stmt *
queue_prep(struct queue *q, enum queue_lazy_stmt slot, const char *sql)
{
	if ((unsigned)slot >= _QLAZY_COUNT)
		return NULL;
	if (q->lazy[slot])
		return q->lazy[slot];
	if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q->lazy[slot], NULL) !=
	    SQLITE_OK) {
		LOG(LOG_ERROR, QUEUE_LOG, "prepare %d: %s: %s", (int)slot, sqlite3_errmsg(q->db),
		    sql);
		q->lazy[slot] = NULL;
	}
	return q->lazy[slot];
}

sqlite3_stmt *
queue_prep_once(struct queue *q, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		LOG(LOG_ERROR, QUEUE_LOG, "prepare: %s: %s", sqlite3_errmsg(q->db), sql);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

bool
queue_operator_ok(const char *s)
{
	return !s || (s[0] && strlen(s) < QUEUE_OPERATOR_MAX);
}

/* ---- transactions ---- */

int
queue_tx_enter(struct queue *q)
{
	if (sqlite3_get_autocommit(q->db)) {
		if (queue_exec_stmt(q, q->stmt[QSTMT_BEGIN], "begin") < 0)
			return -EIO;
		return 1;
	}
	if (queue_exec_stmt(q, q->stmt[QSTMT_SAVEPOINT], "savepoint") < 0)
		return -EIO;
	return 0;
}

int
queue_tx_leave(struct queue *q, int top, int rc)
{
	if (rc >= 0) {
		int crc = queue_exec_stmt(q, q->stmt[top ? QSTMT_COMMIT : QSTMT_RELEASE],
					  top ? "commit" : "release");
		if (crc == 0)
			return rc;
		rc = crc; /* -EIO or -ENOSPC; fall through: undo what we did */
	}
	/* Some errors (disk full, I/O) end the whole transaction by themselves. */
	if (sqlite3_get_autocommit(q->db))
		return rc;
	if (top) {
		queue_exec_stmt(q, q->stmt[QSTMT_ROLLBACK], "rollback");
	} else {
		queue_exec_stmt(q, q->stmt[QSTMT_ROLLBACK_TO], "rollback to savepoint");
		queue_exec_stmt(q, q->stmt[QSTMT_RELEASE], "release");
	}
	return rc;
}

int
queue_begin(struct queue *q)
{
	if (!sqlite3_get_autocommit(q->db)) {
		LOG(LOG_ERROR, QUEUE_LOG, "queue_begin: a transaction is already open");
		return -EBUSY;
	}
	return queue_exec_stmt(q, q->stmt[QSTMT_BEGIN], "begin");
}

int
queue_commit(struct queue *q)
{
	if (sqlite3_get_autocommit(q->db)) {
		LOG(LOG_ERROR, QUEUE_LOG, "queue_commit: no transaction is open");
		return -EINVAL;
	}
	int rc = queue_exec_stmt(q, q->stmt[QSTMT_COMMIT], "commit");
	if (rc == 0)
		return 0;
	if (!sqlite3_get_autocommit(q->db))
		queue_exec_stmt(q, q->stmt[QSTMT_ROLLBACK], "rollback");
	return rc;
}

void
queue_rollback(struct queue *q)
{
	if (!sqlite3_get_autocommit(q->db))
		queue_exec_stmt(q, q->stmt[QSTMT_ROLLBACK], "rollback");
}

/* ---- open / close ---- */

/* Run a PRAGMA (or any SQL) whose rows we do not need. */
static int
queue_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s: %s", sql, sqlite3_errmsg(db));
	return -EIO;
}

static int
queue_set_pragmas(struct queue *q, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char mode[16] = "";

	sqlite3_extended_result_codes(q->db, 1);
	if (sqlite3_busy_timeout(q->db, QUEUE_BUSY_TIMEOUT_MS) != SQLITE_OK) {
		snprintf(err, errlen, "busy_timeout: %s", sqlite3_errmsg(q->db));
		return -EIO;
	}
	/*
	 * synchronous=FULL: see DESIGN at the top. cache_size: 16 MiB (the default 2 MiB makes
	 * bulk inserts spill pages over and over; a campaign's recipients are written as chunks,
	 * 13 MB for a million, so more would only raise the daemon's peak memory).
	 * temp_store=MEMORY also keeps statement journals in memory: each insert into `messages`
	 * needs one (foreign key), and once spilled to a temp file it costs a write per row.
	 */
	if (queue_exec(q->db, "PRAGMA foreign_keys = ON", err, errlen) < 0 ||
	    queue_exec(q->db, "PRAGMA synchronous = FULL", err, errlen) < 0 ||
	    queue_exec(q->db, "PRAGMA cache_size = -16384", err, errlen) < 0 ||
	    queue_exec(q->db, "PRAGMA temp_store = MEMORY", err, errlen) < 0)
		return -EIO;
	/* journal_mode answers with the mode in force; ":memory:" stays "memory". */
	if (sqlite3_prepare_v2(q->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK)
		return queue_exec(q->db, "PRAGMA journal_mode = WAL", err, errlen);
	if (sqlite3_step(st) == SQLITE_ROW)
		queue_col_str(st, 0, mode, sizeof(mode));
	sqlite3_finalize(st);
	if (strcmp(mode, "wal") != 0 && strcmp(path, ":memory:") != 0)
		LOG(LOG_WARN, QUEUE_LOG, "journal_mode is \"%s\", not WAL", mode);
	return 0;
}

struct queue *
queue_open(const char *path, char *err, size_t errlen)
{
	struct queue *q;
	int flags, rc;

	queue_global_init();
	if (!path || !path[0]) {
		snprintf(err, errlen, "no store path");
		return NULL;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	rc = sqlite3_open_v2(path, &q->db, flags, queue_fault_vfs());
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
		goto fail;
	}
	if (queue_set_pragmas(q, path, err, errlen) < 0 || queue_migrate(q->db, err, errlen) < 0)
		goto fail;
	q->chunk = QUEUE_CHUNK_DEFAULT;
	for (int i = 0; i < _QSTMT_COUNT; i++) {
		rc = sqlite3_prepare_v3(q->db, queue_stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					&q->stmt[i], NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "prepare statement %d: %s", i, sqlite3_errmsg(q->db));
			goto fail;
		}
	}
	LOG(LOG_INFO, QUEUE_LOG, "store %s open, schema version %d", path, QUEUE_SCHEMA_VERSION);
	return q;
fail:
	queue_close(q);
	return NULL;
}

void
queue_close(struct queue *q)
{
	if (!q)
		return;
	if (q->db && !sqlite3_get_autocommit(q->db))
		LOG(LOG_WARN, QUEUE_LOG, "closing with an open transaction; rolled back");
	for (int i = 0; i < _QSTMT_COUNT; i++)
		sqlite3_finalize(q->stmt[i]);
	for (int i = 0; i < _QLAZY_COUNT; i++)
		sqlite3_finalize(q->lazy[i]);
	if (q->db && sqlite3_close_v2(q->db) != SQLITE_OK)
		LOG(LOG_ERROR, QUEUE_LOG, "close: %s", sqlite3_errmsg(q->db));
	free(q);
}

int
queue_schema_version(struct queue *q)
{
	sqlite3_stmt *st;
	int v = -EIO;

	if (sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return queue_db_error(q, "user_version");
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		queue_db_error(q, "user_version");
	sqlite3_finalize(st);
	return v;
}
