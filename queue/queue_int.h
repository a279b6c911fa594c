/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_int — private to queue/: the SQLite handle behind struct queue, the table of prepared
 * statements, and the small helpers every queue_*.c file shares (named binds, stepping with
 * error mapping, nesting transactions). Nothing outside queue/ includes this file.
 *
 * Thread: as queue.h — one thread owns a struct queue.
 */
#ifndef LOA_QUEUE_INT_H
#define LOA_QUEUE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "queue/queue.h"

#define QUEUE_LOG "queue" /* module name in log lines */

/* Every statement Loa runs, prepared once at open; SQL in queue_stmt_sql[] (queue.c). */
enum queue_stmt {
	QSTMT_BEGIN,
	QSTMT_COMMIT,
	QSTMT_ROLLBACK,
	QSTMT_SAVEPOINT,
	QSTMT_RELEASE,
	QSTMT_ROLLBACK_TO,
	/* campaigns and outbound messages (queue_outbound.c) */
	QSTMT_CAMPAIGN_COUNTS,
	QSTMT_CAMPAIGN_EXPIRE,
	QSTMT_CAMPAIGN_CANCEL,
	QSTMT_SUPPRESS,
	QSTMT_MARK_SENT,
	QSTMT_MARK_RETRY,
	QSTMT_MARK_FAILED,
	QSTMT_MARK_DELIVERED,
	QSTMT_MSG_EXISTS,
	QSTMT_MSG_GET,
	QSTMT_MSG_FOREACH,
	QSTMT_STATE_COUNTS,
	QSTMT_RECOVER_RESEND,
	QSTMT_RECOVER_FAIL,
	/* inbound, reports, opt-outs (queue_inbound.c) */
	QSTMT_INBOUND_INSERT,
	QSTMT_INBOUND_FIND,
	QSTMT_INBOUND_SET_ACTION,
	QSTMT_INBOUND_COUNT,
	QSTMT_REPORTS_LIST,
	QSTMT_OPTOUT_INSERT,
	QSTMT_OPTOUT_DELETE,
	QSTMT_OPTOUT_GET,
	/* delivery reports (queue_dlr.c) */
	QSTMT_PART_INSERT,
	QSTMT_PART_FIND,
	QSTMT_PART_SET_STATUS,
	QSTMT_PARTS_PENDING,
	QSTMT_DLR_FAIL,
	_QSTMT_COUNT
};

/*
 * Statements added with schema 3, prepared on first use by queue_prep() with the SQL kept next
 * to the code that runs them (so this table does not grow with every file).
 */
enum queue_lazy_stmt {
	/* queue_outbound.c / queue_claim.c */
	QLAZY_ACTIVE_CAMPAIGNS,
	QLAZY_PROBE_ANY,
	QLAZY_PROBE_OP,
	QLAZY_CLAIM_ROW,
	QLAZY_CLAIM_TAKE,
	QLAZY_CAMPAIGN_TURN,
	QLAZY_CAP_WINDOW,
	QLAZY_DEFER,
	QLAZY_NEXT_DUE,
	QLAZY_COUNTS_ALL,
	QLAZY_CAMPAIGN_COUNTS,
	QLAZY_CAMPAIGN_GET3,
	QLAZY_CAMPAIGNS_LIST,
	QLAZY_PAUSE,
	QLAZY_CANCELLED_AT,
	QLAZY_REPLY_INSERT2,
	QLAZY_TEMPLATE_RCPT_INSERT,
	QLAZY_REPLIES_SINCE,
	QLAZY_CAMPAIGN_INSERT3,
	QLAZY_POLL_ANSWER_INSERT,
	/* queue_citizen.c */
	QLAZY_REPORT_INSERT2,
	QLAZY_REPORT_GET,
	QLAZY_REPORT_GET_TICKET,
	QLAZY_REPORT_UPDATE,
	QLAZY_INBOUND_PARTS,
	QLAZY_INBOUND_INCOMPLETE,
	QLAZY_INBOUND_SET_GROUP,
	QLAZY_POLL_FOR,
	QLAZY_POLL_ANSWERS,
	QLAZY_POLL_ANSWER_OK,
	QLAZY_POLL_CLOSES,
	QLAZY_POLL_VOTE_GET,
	QLAZY_POLL_VOTE_PUT,
	QLAZY_POLL_TALLY,
	QLAZY_PURGE_REPORTS,
	QLAZY_PURGE_INBOUND,
	QLAZY_PURGE_VOTES,
	/* queue_contacts.c */
	QLAZY_CONTACT_FIND,
	QLAZY_CONTACT_INSERT,
	QLAZY_CONTACT_UPDATE,
	QLAZY_CONTACT_TAGS_DELETE,
	QLAZY_CONTACT_TAG_INSERT,
	QLAZY_CONTACT_GET,
	QLAZY_CONTACT_TAGS,
	QLAZY_CONTACT_DELETE,
	QLAZY_GROUP_SAVE,
	QLAZY_GROUP_GET,
	QLAZY_GROUPS_LIST,
	QLAZY_GROUP_DELETE,
	/* queue_admin.c */
	QLAZY_AUDIT_INSERT,
	QLAZY_OPTOUTS_LIST,
	QLAZY_OPTOUTS_COUNT,
	QLAZY_COUNTERS,
	/* queue_recur.c */
	QLAZY_RECURRING_DUE,
	QLAZY_RECURRING_NEXT,
	QLAZY_TEMPLATE_RCPTS,
	QLAZY_SET_NEXT_RUN,
	/* queue_rset.c */
	QLAZY_RSET_MSG_INSERT,
	QLAZY_RSET_CHUNK_INSERT,
	QLAZY_RSET_COUNT_ADD,
	QLAZY_RSET_OPTOUTS,
	QLAZY_RSET_CONTACT_OP,
	QLAZY_CHUNK_FIRST_ANY,
	QLAZY_CHUNK_FIRST_OP,
	QLAZY_CHUNK_CAMPAIGN,
	QLAZY_CHUNK_DELETE,
	QLAZY_CHUNKS_DELETE,
	_QLAZY_COUNT
};

struct queue {
	sqlite3 *db;
	sqlite3_stmt *stmt[_QSTMT_COUNT];
	sqlite3_stmt *lazy[_QLAZY_COUNT]; /* queue_prep() */
	queue_ticket_gen_fn *ticket_gen; /* NULL: getrandom(2) */
	void *ticket_arg;
	int chunk; /* recipients per rcpt_chunks row (queue_set_chunk()) */
};

/* ---- queue.c: helpers ---- */

/* Log sqlite3_errmsg() for `what` at ERROR and return -EIO. */
int queue_db_error(struct queue *q, const char *what);

/* Bind by parameter name ("$id"); false (logged) when the name or the bind fails. */
bool queue_bind_i64(sqlite3_stmt *st, const char *name, int64_t v);
bool queue_bind_int(sqlite3_stmt *st, const char *name, int v);
/* NULL binds SQL NULL. The text is copied (SQLITE_TRANSIENT). */
bool queue_bind_text(sqlite3_stmt *st, const char *name, const char *v);

/* Reset a statement and clear its bindings so it is ready for the next use. */
void queue_stmt_done(sqlite3_stmt *st);

/*
 * Step `st` once. Returns SQLITE_ROW or SQLITE_DONE, or -EIO after logging sqlite3_errmsg().
 * (A caller that expects a constraint failure calls sqlite3_step() itself.)
 */
int queue_step(struct queue *q, sqlite3_stmt *st, const char *what);

/* Run a statement that returns no rows, then reset it; 0 or -errno as queue_step(). */
int queue_exec_stmt(struct queue *q, sqlite3_stmt *st, const char *what);

/*
 * Enter a write unit: BEGIN IMMEDIATE when no transaction is open (returns 1), else a
 * SAVEPOINT inside the caller's transaction (returns 0); -EIO on failure. Pass the result to
 * queue_tx_leave() together with the outcome: rc == 0 commits/releases, rc < 0 rolls back.
 * Returns rc, or -EIO when the commit itself failed.
 */
int queue_tx_enter(struct queue *q);
int queue_tx_leave(struct queue *q, int top, int rc);

/* Copy a column's text into dst[size] ("" for NULL). */
void queue_col_str(sqlite3_stmt *st, int col, char *dst, size_t size);

/* Map a stored state name back to the enum; -1 when unknown. */
int queue_state_parse(const char *name);

/* true when s is a usable number/sender: non-empty and shorter than QUEUE_NUMBER_MAX. */
bool queue_number_ok(const char *s);

/*
 * The statement for `slot`, prepared from sql on first use (persistent) and kept until
 * queue_close(); NULL after logging when it does not prepare. Every use passes the same sql.
 */
sqlite3_stmt *queue_prep(struct queue *q, enum queue_lazy_stmt slot, const char *sql);

/* A statement prepared for one call (dynamic SQL); NULL after logging. Finalize it. */
sqlite3_stmt *queue_prep_once(struct queue *q, const char *sql);

/* Free what a struct queue_report holds (queue_citizen.c). */
void queue_report_free_fields(struct queue_report *r);

/*
 * Validate a group query (see queue_contacts_count()) and write the SQL that selects the
 * matching contact ids to sql[size], with the terms as parameters ?101, ?102, ... (from
 * QUEUE_GROUP_PARAM0, bound by queue_group_bind()). Returns the number of terms (0 = all
 * contacts), -EINVAL when malformed, -ENOSPC when sql is too small. (queue_contacts.c)
 */
#define QUEUE_GROUP_PARAM0 101
int queue_group_sql(const char *query, char *sql, size_t size);
/* Bind the terms of query to st from parameter index `first` (QUEUE_GROUP_PARAM0) on. */
int queue_group_bind(struct queue *q, sqlite3_stmt *st, const char *query, int first);

/* Add the contacts matching a group query to s, with their operators (queue_contacts.c). */
int queue_group_collect(struct queue *q, const char *query, struct queue_rset *s);

/*
 * Gather a new campaign's recipients: s (explicit numbers already in it) plus the group's
 * contacts, de-duplicated, operators and opt-outs resolved, stored (queue_rset_store()).
 * (queue_campaign.c)
 */
int queue_campaign_fill(struct queue *q, int64_t id, int priority, int64_t due, const char *group,
			struct queue_rset *s, int64_t now_ms, int64_t *added);

/* ---- queue_rset.c (the set) and queue_chunks.c (stored in chunks, expanded) ---- */

/*
 * One recipient, 16 bytes: its E.164 number packed as up to 15 decimal digits, four bits each
 * (digit + 1, 0 after the last), the first digit in the top bits, so that comparing keys
 * orders numbers as comparing the strings does ("+849" < "+84912" < "+85"); the operator as
 * an index (0: unknown).
 */
struct queue_rcpt {
	uint64_t key;
	uint32_t pos; /* order added: the first of duplicates wins */
	uint16_t op;
	uint8_t optout;
	uint8_t contact; /* from the contacts table: op is the contact's already */
};

#define QUEUE_RCPT_DIGITS 15                  /* E.164 */
#define QUEUE_RCPT_STR (QUEUE_RCPT_DIGITS + 2) /* '+', the digits, NUL */

/* Pack "+" and 1..15 digits into *key; false for anything else. */
bool queue_rcpt_pack(const char *s, size_t len, uint64_t *key);
/* The number of a key as a C string in buf; returns its length. */
size_t queue_rcpt_unpack(uint64_t key, char buf[QUEUE_RCPT_STR]);

struct queue_rset {
	struct queue_rcpt *v;
	size_t n, cap;
	size_t given;   /* numbers added, duplicates included */
	char **ops;     /* ops[i - 1] is operator index i */
	size_t n_ops;
	bool deduped;   /* duplicates dropped */
	bool by_number; /* sorted by number (else in the order added) */
};

/* queue_rset_add() of a contact's number and operator (no lookup needed later). */
int queue_rset_add_contact(struct queue_rset *s, const char *number, const char *operator);
/*
 * Sort by number and drop duplicates (the first added wins); returns the distinct count.
 * Opt-outs and contact operators are resolved in this order.
 */
size_t queue_rset_finish(struct queue_rset *s);
/* Put a finished set back in the order the numbers were given (the order they are sent). */
void queue_rset_order_given(struct queue_rset *s);
/* Index of operator name in s (added when new); 0 for NULL; -E2BIG, -ENOMEM. */
int queue_rset_op_index(struct queue_rset *s, const char *name);
/* Operator name of index op; NULL for 0 (unknown). */
const char *queue_rset_op(const struct queue_rset *s, uint16_t op);
/* On a finished set: mark opted-out numbers; *n gets how many. */
int queue_rset_optouts(struct queue *q, struct queue_rset *s, int64_t *n);
/* On a finished set: numbers without an operator take their contact's, if any. */
int queue_rset_contact_ops(struct queue *q, struct queue_rset *s);
/*
 * Store a finished set (opt-outs and operators resolved), in its current order, as the recipients of campaign cid:
 * opted-out numbers as `suppressed` messages, the first q->chunk numbers of each operator as
 * `queued` messages, the rest in rcpt_chunks; msg_counts counts them all. Adds the messages
 * and chunked recipients to *added. Inside the caller's transaction.
 */
int queue_rset_store(struct queue *q, const struct queue_rset *s, int64_t cid, int priority,
		     int64_t due, int64_t now_ms, int64_t *added);
/*
 * Turn the oldest chunk of campaign cid whose operator f accepts into queued messages.
 * *expanded tells whether there was one. Inside the caller's transaction.
 */
int queue_chunk_expand(struct queue *q, int64_t cid, const struct queue_claim_filter *f,
		       int64_t now_ms, bool *expanded);
/*
 * Drop campaign cid's chunks, counting their recipients as `state` ("cancelled", "expired")
 * instead of queued. Returns how many recipients they held, or -errno.
 */
int64_t queue_chunks_drop(struct queue *q, int64_t cid, const char *state);

/*
 * Insert a validated campaign (row, poll answers, explicit recipients, group contacts) inside
 * the caller's transaction; *added gets the new messages. (queue_campaign.c)
 */
int queue_campaign_insert(struct queue *q, const struct queue_campaign_spec *spec, int64_t start,
			  int64_t parent_id, int64_t now_ms, int64_t *id_out, int64_t *added);

/*
 * A malloc'd copy of in with credential values masked as "***" (queue_admin.c; see
 * queue_audit()). NULL for NULL or when out of memory.
 */
char *queue_audit_scrub(const char *in);

/* "gsm7" or "ucs2" (queue_outbound.c). */
bool queue_encoding_ok(const char *e);

/* true when s is NULL or a usable operator slug (shorter than QUEUE_OPERATOR_MAX, not empty). */
bool queue_operator_ok(const char *s);

/* ---- queue_fault.c ---- */

/* The VFS to open the store with: the fault-injecting shim when LOA_FAULT_STORE is set, else
 * NULL (SQLite's default). */
const char *queue_fault_vfs(void);

/* ---- queue_migrate.c ---- */

/*
 * Bring the schema of an open connection up to QUEUE_SCHEMA_VERSION, one transaction a step.
 * A store with a newer schema, or another application's database, is refused: -EPROTO with
 * the reason in err.
 */
int queue_migrate(sqlite3 *db, char *err, size_t errlen);
/* As queue_migrate(), stopping at version target (tests build older stores with it). */
int queue_migrate_upto(sqlite3 *db, int target, char *err, size_t errlen);

#endif
