/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_migrate — the store's schema and its migrations.
 *
 * The schema version lives in PRAGMA user_version. queue_migrations[i] takes a store from
 * version i to i + 1; each step runs in its own BEGIN IMMEDIATE transaction together with the
 * new user_version, so a crash mid-migration leaves the store at the previous version and the
 * step is simply run again. A store whose version is above QUEUE_SCHEMA_VERSION was written by a
 * newer Loa and is refused rather than guessed at. PRAGMA application_id marks the file as
 * Loa's, so pointing the daemon at some other SQLite database fails clearly.
 *
 * DESIGN — indexes, with a million queued messages in mind:
 * - messages_due (partial, state = 'queued'): (priority, next_attempt_at, id). A claim seeks
 *   once per priority level (four levels) for the oldest due message; next_due likewise. The
 *   index holds only queued rows, so finished messages cost it nothing.
 * - a campaign's messages get next_attempt_at >= start_at when created, so "campaign started"
 *   is implied by "due" and never makes a claim scan past not-yet-started rows.
 * - messages_sending (partial): recovery at start-up finds in-flight rows without a scan.
 * - UNIQUE(campaign_id, recipient) deduplicates a campaign's recipients; messages_campaign
 *   (campaign_id, state) made per-campaign counts and bulk expire/cancel index-only (dropped
 *   in schema 4: msg_counts and messages_cdue do both).
 * - schema 3 replaces messages_due by messages_cdue (campaign_id, next_attempt_at, id) and
 *   messages_codue (campaign_id, operator, next_attempt_at, id), both partial on 'queued': a
 *   claim probes each active campaign (and each operator of a filter) with one seek, which is
 *   what fair turns between campaigns need; replies are campaign_id NULL in the same indexes.
 * - msg_counts (campaign, state) and counters (inbound by action, reports by status, opt-outs)
 *   are kept by triggers in the same transaction as the change, so /metrics, campaign counts and
 *   "which campaigns have queued messages" (msg_counts_queued, partial on n > 0) never scan
 *   messages. Exception: a trigger per inserted row would add seconds to a million-recipient
 *   campaign, so a campaign's recipients are counted in bulk where they are stored
 *   (queue_chunks.c) in the same transaction; the insert trigger covers replies only.
 * - schema 4: a campaign's recipients wait in rcpt_chunks (about a thousand numbers of one
 *   operator to a row) and become messages when a claim reaches them; msg_counts' 'queued'
 *   counts them from creation on. See queue_rset.c.
 * - States are stored as their names ('queued', ...), not enum numbers, so the file reads
 *   plainly in the sqlite3 shell and does not depend on the order of enum queue_state.
 *
 * Thread: called from queue_open() only.
 */
#include <errno.h>
#include <stdio.h>

#include "common/log.h"
#include "queue/queue_int.h"

#define QUEUE_APPLICATION_ID 0x4c6f6131 /* "Loa1" */

#define QUEUE_STATES_SQL                                                                           \
	"'queued','sending','sent','delivered','failed','expired','cancelled','suppressed'"

static const char *const queue_migrations[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE campaigns ("
	" id INTEGER PRIMARY KEY,"
	" text TEXT NOT NULL CHECK (text <> ''),"
	" encoding TEXT NOT NULL CHECK (encoding IN ('gsm7','ucs2')),"
	" segments INTEGER NOT NULL CHECK (segments >= 1),"
	" priority INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),"
	" created_at INTEGER NOT NULL,"
	" start_at INTEGER NOT NULL,"
	" end_by INTEGER NOT NULL DEFAULT 0" /* 0: no end */
	");"
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY,"
	" campaign_id INTEGER REFERENCES campaigns(id) ON DELETE CASCADE," /* NULL: a reply */
	" recipient TEXT NOT NULL,"
	" text TEXT," /* replies only; a campaign's messages use campaigns.text */
	" encoding TEXT,"
	" segments INTEGER,"
	" priority INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),"
	" state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN (" QUEUE_STATES_SQL ")),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt_at INTEGER NOT NULL,"
	" modem TEXT,"
	" refs TEXT,"
	" last_error TEXT,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" UNIQUE (campaign_id, recipient),"
	" CHECK (campaign_id IS NOT NULL OR"
	"        (text IS NOT NULL AND encoding IS NOT NULL AND segments >= 1))"
	");"
	"CREATE INDEX messages_due ON messages(priority, next_attempt_at, id)"
	" WHERE state = 'queued';"
	"CREATE INDEX messages_sending ON messages(id) WHERE state = 'sending';"
	"CREATE INDEX messages_campaign ON messages(campaign_id, state);"
	"CREATE TABLE inbound ("
	" id INTEGER PRIMARY KEY,"
	" modem TEXT,"
	" sender TEXT NOT NULL,"
	" smsc_time INTEGER NOT NULL," /* 0: unknown */
	" concat_ref INTEGER NOT NULL," /* -1: not concatenated */
	" part INTEGER NOT NULL,"
	" parts INTEGER NOT NULL,"
	" text TEXT NOT NULL,"
	" received_at INTEGER NOT NULL,"
	" action TEXT,"
	" UNIQUE (sender, smsc_time, concat_ref, part, text)"
	");"
	"CREATE TABLE reports ("
	" id INTEGER PRIMARY KEY,"
	" inbound_id INTEGER REFERENCES inbound(id)," /* NULL: not from an SMS */
	" ticket TEXT NOT NULL UNIQUE,"
	" sender TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','reviewing','resolved')),"
	" created_at INTEGER NOT NULL"
	");"
	"CREATE TABLE optouts ("
	" number TEXT PRIMARY KEY,"
	" created_at INTEGER NOT NULL"
	") WITHOUT ROWID;",
	/* 1 -> 2: delivery reports, report handling, reassembly of citizens' multipart SMS */
	"CREATE TABLE msg_parts ("
	" msg_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
	" part INTEGER NOT NULL,"
	" modem TEXT NOT NULL,"
	" ref INTEGER NOT NULL," /* TP-MR the network gave the part */
	" recipient TEXT NOT NULL,"
	" status INTEGER," /* TP-ST of its status report; NULL until one arrives */
	" sent_at INTEGER NOT NULL,"
	" PRIMARY KEY (msg_id, part)"
	") WITHOUT ROWID;"
	"CREATE INDEX msg_parts_ref ON msg_parts (modem, ref, recipient, sent_at);"
	"ALTER TABLE reports ADD COLUMN category TEXT;"
	"ALTER TABLE reports ADD COLUMN note TEXT;"
	"ALTER TABLE reports ADD COLUMN updated_at INTEGER;"
	"CREATE INDEX reports_status ON reports (status, id);"
	"CREATE INDEX inbound_concat ON inbound (sender, concat_ref, parts) WHERE concat_ref >= 0;",
	/*
	 * 2 -> 3: operators and fair claims, pause, recurrence, polls, contacts and groups,
	 * counters for /metrics, reassembly bookkeeping, audit log.
	 */
	"ALTER TABLE campaigns ADD COLUMN name TEXT;"
	"ALTER TABLE campaigns ADD COLUMN group_query TEXT;"
	"ALTER TABLE campaigns ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE campaigns ADD COLUMN cancelled_at INTEGER;"
	"ALTER TABLE campaigns ADD COLUMN claim_seq INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE campaigns ADD COLUMN last_claim_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE campaigns ADD COLUMN recurrence TEXT;"
	"ALTER TABLE campaigns ADD COLUMN next_run_at INTEGER;"
	"ALTER TABLE campaigns ADD COLUMN parent_id INTEGER REFERENCES campaigns(id);"
	"ALTER TABLE campaigns ADD COLUMN poll_closes_at INTEGER;"
	"CREATE INDEX campaigns_claim_seq ON campaigns (claim_seq);"
	"CREATE INDEX campaigns_last_claim ON campaigns (last_claim_at) WHERE last_claim_at > 0;"
	"CREATE INDEX campaigns_recurring ON campaigns (next_run_at) WHERE recurrence IS NOT NULL;"
	"CREATE INDEX campaigns_poll ON campaigns (poll_closes_at) WHERE poll_closes_at IS NOT NULL;"
	"ALTER TABLE messages ADD COLUMN operator TEXT;"
	"ALTER TABLE messages ADD COLUMN claimed_at INTEGER;"
	"DROP INDEX messages_due;"
	"CREATE INDEX messages_cdue ON messages (campaign_id, next_attempt_at, id)"
	" WHERE state = 'queued';"
	"CREATE INDEX messages_codue ON messages (campaign_id, operator, next_attempt_at, id)"
	" WHERE state = 'queued';"
	/* messages per (campaign, state), kept by triggers; campaign 0: replies */
	"CREATE TABLE msg_counts ("
	" campaign_id INTEGER NOT NULL,"
	" state TEXT NOT NULL,"
	" priority INTEGER NOT NULL,"
	" n INTEGER NOT NULL,"
	" PRIMARY KEY (campaign_id, state)"
	") WITHOUT ROWID;"
	"CREATE INDEX msg_counts_queued ON msg_counts (priority, campaign_id)"
	" WHERE state = 'queued' AND n > 0;"
	"INSERT INTO msg_counts SELECT coalesce(campaign_id, 0), state, max(priority), count(*)"
	" FROM messages GROUP BY 1, 2;"
	/* replies only: a campaign's recipients are counted when stored (queue_rset_store()) */
	"CREATE TRIGGER messages_count_insert AFTER INSERT ON messages"
	" WHEN new.campaign_id IS NULL BEGIN"
	" INSERT INTO msg_counts (campaign_id, state, priority, n)"
	"  VALUES (coalesce(new.campaign_id, 0), new.state, new.priority, 1)"
	"  ON CONFLICT (campaign_id, state) DO UPDATE SET n = n + 1;"
	" END;"
	"CREATE TRIGGER messages_count_update AFTER UPDATE OF state ON messages"
	" WHEN old.state <> new.state BEGIN"
	" UPDATE msg_counts SET n = n - 1"
	"  WHERE campaign_id = coalesce(old.campaign_id, 0) AND state = old.state;"
	" INSERT INTO msg_counts (campaign_id, state, priority, n)"
	"  VALUES (coalesce(new.campaign_id, 0), new.state, new.priority, 1)"
	"  ON CONFLICT (campaign_id, state) DO UPDATE SET n = n + 1;"
	" END;"
	"CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN"
	" UPDATE msg_counts SET n = n - 1"
	"  WHERE campaign_id = coalesce(old.campaign_id, 0) AND state = old.state;"
	" END;"
	"CREATE TRIGGER campaigns_count_delete AFTER DELETE ON campaigns BEGIN"
	" DELETE FROM msg_counts WHERE campaign_id = old.id;"
	" END;"
	/* other counters for /metrics: ('inbound', action or ''), ('report', status), ('optout','') */
	"CREATE TABLE counters ("
	" kind TEXT NOT NULL,"
	" key TEXT NOT NULL,"
	" n INTEGER NOT NULL,"
	" PRIMARY KEY (kind, key)"
	") WITHOUT ROWID;"
	"INSERT INTO counters SELECT 'inbound', coalesce(action, ''), count(*) FROM inbound"
	" GROUP BY 2;"
	"INSERT INTO counters SELECT 'report', status, count(*) FROM reports GROUP BY 2;"
	"INSERT INTO counters SELECT 'optout', '', count(*) FROM optouts;"
	"CREATE TRIGGER inbound_count_insert AFTER INSERT ON inbound BEGIN"
	" INSERT INTO counters VALUES ('inbound', coalesce(new.action, ''), 1)"
	"  ON CONFLICT (kind, key) DO UPDATE SET n = n + 1;"
	" END;"
	"CREATE TRIGGER inbound_count_update AFTER UPDATE OF action ON inbound"
	" WHEN old.action IS NOT new.action BEGIN"
	" UPDATE counters SET n = n - 1 WHERE kind = 'inbound' AND key = coalesce(old.action, '');"
	" INSERT INTO counters VALUES ('inbound', coalesce(new.action, ''), 1)"
	"  ON CONFLICT (kind, key) DO UPDATE SET n = n + 1;"
	" END;"
	"CREATE TRIGGER inbound_count_delete AFTER DELETE ON inbound BEGIN"
	" UPDATE counters SET n = n - 1 WHERE kind = 'inbound' AND key = coalesce(old.action, '');"
	" END;"
	"CREATE TRIGGER reports_count_insert AFTER INSERT ON reports BEGIN"
	" INSERT INTO counters VALUES ('report', new.status, 1)"
	"  ON CONFLICT (kind, key) DO UPDATE SET n = n + 1;"
	" END;"
	"CREATE TRIGGER reports_count_update AFTER UPDATE OF status ON reports"
	" WHEN old.status <> new.status BEGIN"
	" UPDATE counters SET n = n - 1 WHERE kind = 'report' AND key = old.status;"
	" INSERT INTO counters VALUES ('report', new.status, 1)"
	"  ON CONFLICT (kind, key) DO UPDATE SET n = n + 1;"
	" END;"
	"CREATE TRIGGER reports_count_delete AFTER DELETE ON reports BEGIN"
	" UPDATE counters SET n = n - 1 WHERE kind = 'report' AND key = old.status;"
	" END;"
	"CREATE TRIGGER optouts_count_insert AFTER INSERT ON optouts BEGIN"
	" INSERT INTO counters VALUES ('optout', '', 1)"
	"  ON CONFLICT (kind, key) DO UPDATE SET n = n + 1;"
	" END;"
	"CREATE TRIGGER optouts_count_delete AFTER DELETE ON optouts BEGIN"
	" UPDATE counters SET n = n - 1 WHERE kind = 'optout' AND key = '';"
	" END;"
	/* reports and inbound */
	"ALTER TABLE reports ADD COLUMN modem TEXT;"
	"ALTER TABLE reports ADD COLUMN updated_by TEXT;"
	"CREATE INDEX reports_inbound ON reports (inbound_id) WHERE inbound_id IS NOT NULL;"
	"CREATE INDEX reports_created ON reports (created_at);"
	"ALTER TABLE inbound ADD COLUMN routed_as INTEGER;"
	"CREATE INDEX inbound_unrouted ON inbound (sender, concat_ref, parts, part)"
	" WHERE action IS NULL AND concat_ref >= 0;"
	"CREATE INDEX inbound_received ON inbound (received_at);"
	/* contacts and groups */
	"CREATE TABLE contacts ("
	" id INTEGER PRIMARY KEY,"
	" number TEXT NOT NULL UNIQUE,"
	" name TEXT,"
	" operator TEXT,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL"
	");"
	"CREATE TABLE contact_tags ("
	" contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
	" key TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" PRIMARY KEY (contact_id, key, value)"
	") WITHOUT ROWID;"
	"CREATE INDEX contact_tags_kv ON contact_tags (key, value, contact_id);"
	"CREATE TABLE contact_groups ("
	" name TEXT PRIMARY KEY,"
	" query TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL"
	") WITHOUT ROWID;"
	/* explicit recipients of recurring templates (they have no messages) */
	"CREATE TABLE campaign_recipients ("
	" campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,"
	" recipient TEXT NOT NULL,"
	" operator TEXT,"
	" PRIMARY KEY (campaign_id, recipient)"
	") WITHOUT ROWID;"
	/* polls */
	"CREATE TABLE poll_answers ("
	" campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,"
	" answer TEXT NOT NULL,"
	" pos INTEGER NOT NULL,"
	" PRIMARY KEY (campaign_id, answer)"
	") WITHOUT ROWID;"
	"CREATE TABLE poll_votes ("
	" campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,"
	" number TEXT NOT NULL,"
	" answer TEXT NOT NULL,"
	" voted_at INTEGER NOT NULL,"
	" PRIMARY KEY (campaign_id, number)"
	") WITHOUT ROWID;"
	"CREATE INDEX poll_votes_answer ON poll_votes (campaign_id, answer);"
	"CREATE INDEX poll_votes_time ON poll_votes (voted_at);"
	/* audit log */
	"CREATE TABLE audit ("
	" id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" who TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" object TEXT,"
	" result INTEGER NOT NULL,"
	" detail TEXT"
	");"
	"CREATE INDEX audit_who ON audit (who, id);"
	"CREATE INDEX audit_action ON audit (action, id);",
	/*
	 * 3 -> 4: a campaign's recipients are stored in chunks and become messages as the
	 * dispatcher reaches them (queue_rset.c): a million recipients are a thousand rows.
	 */
	"CREATE TABLE rcpt_chunks ("
	" id INTEGER PRIMARY KEY,"
	" campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,"
	" operator TEXT," /* NULL: unknown */
	" n INTEGER NOT NULL CHECK (n >= 1),"
	" numbers TEXT NOT NULL" /* n E.164 numbers, one per line, in order */
	");"
	"CREATE INDEX rcpt_chunks_campaign ON rcpt_chunks (campaign_id, id);"
	"CREATE INDEX rcpt_chunks_operator ON rcpt_chunks (campaign_id, operator, id);"
	/*
	 * messages_campaign (campaign_id, state) went with msg_counts: counts no longer read it,
	 * and cancel/expire of a campaign's queued messages use messages_cdue. Each message's
	 * commit wrote it twice (sending, then sent).
	 */
	"DROP INDEX messages_campaign;",
};

_Static_assert(sizeof(queue_migrations) / sizeof(queue_migrations[0]) == QUEUE_SCHEMA_VERSION,
	       "one migration step per schema version");

/* Read an integer PRAGMA; -1 on error. */
static int64_t
queue_pragma_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Run one step inside BEGIN IMMEDIATE; re-reads the version under the lock. */
static int
queue_migrate_step(sqlite3 *db, int *version, char *err, size_t errlen)
{
	char sql[96];
	int64_t v;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	v = queue_pragma_int(db, "PRAGMA user_version");
	if (v < 0)
		goto fail_rollback;
	if (v != *version) { /* another process migrated meanwhile */
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		*version = (int)v;
		return 0;
	}
	if (sqlite3_exec(db, queue_migrations[v], NULL, NULL, NULL) != SQLITE_OK)
		goto fail_rollback;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d;",
		 (int)v + 1, QUEUE_APPLICATION_ID);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		goto fail_rollback;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail_rollback;
	LOG(LOG_INFO, QUEUE_LOG, "schema migrated from version %d to %d", (int)v, (int)v + 1);
	*version = (int)v + 1;
	return 0;

fail_rollback:
	snprintf(err, errlen, "schema migration to version %d failed: %s", *version + 1,
		 sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -EIO;
fail:
	snprintf(err, errlen, "schema migration to version %d failed: %s", *version + 1,
		 sqlite3_errmsg(db));
	return -EIO;
}

int
queue_migrate(sqlite3 *db, char *err, size_t errlen)
{
	return queue_migrate_upto(db, QUEUE_SCHEMA_VERSION, err, errlen);
}

int
queue_migrate_upto(sqlite3 *db, int target, char *err, size_t errlen)
{
	int64_t v = queue_pragma_int(db, "PRAGMA user_version");
	int64_t app = queue_pragma_int(db, "PRAGMA application_id");
	int version, rc;

	if (v < 0 || app < 0) {
		snprintf(err, errlen, "cannot read schema version: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	if (app != 0 && app != QUEUE_APPLICATION_ID) {
		snprintf(err, errlen, "not a Loa store (application_id %#llx)", (long long)app);
		return -EPROTO;
	}
	if (v > QUEUE_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "store schema version %lld is newer than this program supports (%d); "
			 "use a newer Loa",
			 (long long)v, QUEUE_SCHEMA_VERSION);
		return -EPROTO;
	}
	if (target < 0 || target > QUEUE_SCHEMA_VERSION) {
		snprintf(err, errlen, "no schema version %d", target);
		return -EINVAL;
	}
	version = (int)v;
	while (version < target) {
		rc = queue_migrate_step(db, &version, err, errlen);
		if (rc < 0)
			return rc;
		if (version > QUEUE_SCHEMA_VERSION) {
			snprintf(err, errlen, "store schema version %d is newer than this program "
					      "supports (%d); use a newer Loa",
				 version, QUEUE_SCHEMA_VERSION);
			return -EPROTO;
		}
	}
	return 0;
}
