/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue — Loa's durable state: campaigns (with operators, groups, polls, pause, recurrence),
 * outbound messages and fair, filtered claims, inbound messages and their reassembly, reports,
 * polls, opt-outs, contacts and groups, the audit log and the counts for /metrics. The rest of
 * the daemon reaches the store only through this interface, so a second backend (PostgreSQL
 * for several nodes) can be added without touching callers.
 *
 * Durability contract (DESIGN §4):
 * - every function that changes state has committed it when it returns 0;
 * - a claim (queued -> sending) is committed before the caller hands the message to a modem;
 * - queue_recover() at start-up resolves messages left in `sending` by a crash;
 * - inbound messages carry a unique key (sender, SMSC time, concat ref, part, text) so the same
 *   SMS read twice from a modem is filed once.
 * Writes nest: between queue_begin() and queue_commit() each call joins the outer transaction
 * (savepoints), so an intake (inbound + report + reply) commits as one unit.
 *
 * Times are milliseconds since the epoch (int64). Numbers are E.164 strings ("+84912345678").
 * Return convention: 0 (or a documented positive value) on success, negative errno on failure.
 * Thread: one thread owns a struct queue (the gateway's main loop).
 */
#ifndef LOA_QUEUE_H
#define LOA_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct queue;

#define QUEUE_NUMBER_MAX 24 /* E.164 plus room for alphanumeric senders */
#define QUEUE_TICKET_LEN 8  /* 6 characters + NUL, padded */
#define QUEUE_SCHEMA_VERSION 4
#define QUEUE_OPERATOR_MAX 16   /* operator slug ("viettel") plus NUL */
#define QUEUE_NAME_MAX 64       /* campaign / group / contact name */
#define QUEUE_QUERY_MAX 256     /* a group query ("commune=son-nam,role=y-te") */
#define QUEUE_RECURRENCE_MAX 64 /* a recurrence rule ("weekly 1 08:00") */
#define QUEUE_ANSWER_MAX 16     /* a poll answer keyword ("KHONG") */
#define QUEUE_TAGS_MAX 512      /* a contact's tags as "k=v,k=v" */

enum queue_state {
	QUEUE_QUEUED,
	QUEUE_SENDING,
	QUEUE_SENT,
	QUEUE_DELIVERED,
	QUEUE_FAILED,
	QUEUE_EXPIRED,
	QUEUE_CANCELLED,
	QUEUE_SUPPRESSED,
	_QUEUE_STATE_COUNT
};
/* "queued", "sending", ... */
const char *queue_state_name(enum queue_state s);

enum queue_priority {
	QUEUE_PRIO_BULK = 0,
	QUEUE_PRIO_NORMAL = 1,
	QUEUE_PRIO_ALERT = 2,
	QUEUE_PRIO_REPLY = 3, /* answers to citizens go first */
};
const char *queue_priority_name(int prio);
/* "bulk" | "normal" | "alert" -> value; -1 when unknown. */
int queue_priority_parse(const char *name);

/*
 * Process-wide set-up of SQLite: routes its own log into LOG(). Call once at start-up, before
 * any other sqlite3 call in the process (queue_open() calls it as a fallback). Main thread.
 */
void queue_global_init(void);

/*
 * Open (creating if needed) the SQLite store at `path` (":memory:" for tests), set WAL and
 * synchronous=FULL, run pending migrations up to QUEUE_SCHEMA_VERSION. A store whose schema is
 * newer than this binary is refused. NULL on failure with the reason in err.
 */
struct queue *queue_open(const char *path, char *err, size_t errlen);
void queue_close(struct queue *q);
int queue_schema_version(struct queue *q);

/*
 * Outer transaction (BEGIN IMMEDIATE). -EBUSY when one is already open; queue_commit() returns
 * -EINVAL when none is open. While it is open, write calls join it and commit with it.
 */
int queue_begin(struct queue *q);
int queue_commit(struct queue *q);
void queue_rollback(struct queue *q);

/*
 * Start-up recovery: every message in `sending` (its outcome is unknown) goes back to `queued`
 * due now when `resend`, else to `failed` with error "uncertain after restart".
 * Returns the number of messages recovered (>= 0) or -errno.
 */
int queue_recover(struct queue *q, bool resend, int64_t now_ms);

/* ---- campaigns ---- */

/*
 * A set of recipients being gathered for a campaign: each number (E.164, at most 16 bytes)
 * with its operator, 24 bytes a number, so a million recipients take 24 MB however they
 * arrive (one request, a CSV, a group). Duplicates are kept until the set is used; the first
 * added wins. Not thread-safe; any thread.
 */
struct queue_rset;
struct queue_rset *queue_rset_new(void);
void queue_rset_free(struct queue_rset *s);
/*
 * Add one number; operator NULL: unknown (the contact's operator when the number is a
 * contact). -EINVAL when the number is empty or longer than 16 bytes or the operator is not
 * a usable slug, -E2BIG past 2^32 - 1 numbers or 65535 operators, -ENOMEM.
 */
int queue_rset_add(struct queue_rset *s, const char *number, const char *operator);
/* Numbers added, duplicates included. */
size_t queue_rset_given(const struct queue_rset *s);
/* Distinct numbers (sorts the set by number if it is not already). */
size_t queue_rset_count(struct queue_rset *s);

/*
 * Recipients handed to the dispatcher at a time (default QUEUE_CHUNK_DEFAULT): a campaign
 * stores its recipients in chunks of this many numbers of one operator and turns a chunk into
 * messages when a claim needs one. 1 to 100000.
 */
#define QUEUE_CHUNK_DEFAULT 1000
int queue_set_chunk(struct queue *q, int n);

struct queue_campaign_spec {
	const char *text;     /* UTF-8, not empty */
	const char *encoding; /* "gsm7" | "ucs2" */
	int segments;         /* SMS parts per message, >= 1 */
	int priority;         /* enum queue_priority (not REPLY) */
	int64_t start_at_ms;  /* 0 = now */
	int64_t end_by_ms;    /* 0 = no end; unsent messages expire after it */
	const char *const *recipients; /* normalised E.164; duplicates are stored once */
	size_t n_recipients;
	/*
	 * Fields added with schema 3; all optional (zero/NULL = none). Callers that fill the
	 * struct with designated initializers keep working.
	 */
	const char *const *operators; /* parallel to recipients (entries may be NULL; the array
				       * may be NULL): the operator slug, e.g. "viettel". NULL:
				       * the contact's operator when the number is a contact */
	const char *name;             /* shown in lists; < QUEUE_NAME_MAX bytes */
	const char *group_query;      /* contacts to add, see queue_contacts_count(); "" or "*"
				       * = every contact */
	const char *recurrence;       /* a rule the gateway parses ("daily 08:00"): the campaign
				       * is then a template, see queue_recurring_due() */
	const char *const *poll_answers; /* folded answer keywords ("1","2" / "CO","KHONG") */
	size_t n_poll_answers;           /* 0: no poll; at most 16 */
	int64_t poll_closes_at_ms;       /* votes accepted before it; required with answers */
	/* schema 4: more recipients, gathered compactly (a million in one request); NULL =
	 * none. queue_campaign_create() and _preview() add the group to it and sort it. */
	struct queue_rset *rset;
};

/*
 * Create a campaign and one outbound message per distinct recipient, in one transaction.
 * Recipients who opted out are stored directly as `suppressed` (error "opted out").
 * The recipients are the explicit list, spec->rset and the contacts matching group_query,
 * de-duplicated; a message's operator is the one given with the number, else the contact's.
 * Beyond the first chunk of each operator the recipients are stored in chunks that become
 * messages when the dispatcher reaches them (see queue_set_chunk()); counts include them as
 * `queued` from the start. With a recurrence the campaign is a template: no messages are created; its
 * recipients and group query are kept for queue_campaign_spawn(), start_at_ms (0 = now) is its
 * first run (next_run_at) and its status is "recurring".
 * -EINVAL on a bad spec (empty text, bad encoding/priority, end_by <= start, a malformed group
 * query, over-long name/recurrence, poll answers without a closing time or > 16), nothing stored.
 */
int queue_campaign_create(struct queue *q, const struct queue_campaign_spec *spec, int64_t now_ms,
			  int64_t *id_out);

struct queue_campaign {
	int64_t id;
	char *text; /* owned; queue_campaign_clear() frees */
	char encoding[8];
	int segments;
	int priority;
	int64_t created_at_ms, start_at_ms, end_by_ms;
	int64_t total;                      /* messages */
	int64_t counts[_QUEUE_STATE_COUNT]; /* messages per state */
	/* schema 3 */
	char name[QUEUE_NAME_MAX];
	/*
	 * "recurring" (a template, see queue_recurring_due()), "cancelled"
	 * (queue_campaign_cancel()), "done" (nothing queued or sending), "paused",
	 * "scheduled" (start_at in the future), "active" — the first that applies, in this order.
	 */
	char status[12];
	char recurrence[QUEUE_RECURRENCE_MAX]; /* "" when none */
	char group_query[QUEUE_QUERY_MAX];     /* "" when none */
	int64_t parent_id;                     /* the template it was spawned from; 0 */
	int64_t next_run_at_ms;                /* templates: next spawn time; else 0 */
	int64_t last_claim_at_ms;              /* a message was last claimed (within a minute); 0 */
	int64_t poll_closes_at_ms;             /* 0: no poll */
	size_t n_poll_answers;
	bool paused;
};
/* -ENOENT when there is no such campaign. status is computed for the current time. */
int queue_campaign_get(struct queue *q, int64_t id, struct queue_campaign *out);
/* As queue_campaign_get(), with status computed for now_ms ("scheduled" vs "active"). */
int queue_campaign_get_at(struct queue *q, int64_t id, int64_t now_ms, struct queue_campaign *out);
void queue_campaign_clear(struct queue_campaign *c);

/*
 * Campaigns with id > after_id in ascending id order (oldest first), at most limit (> 0),
 * with counts per state and status for now_ms. c->text is owned by the callee during the
 * callback; cb returns non-zero to stop. Counts come from the per-campaign counters (no scan
 * of messages).
 */
int queue_campaigns_list(struct queue *q, int64_t after_id, int limit, int64_t now_ms,
			 int (*cb)(const struct queue_campaign *c, void *arg), void *arg);

/*
 * Pause (paused true) or resume a campaign. A paused campaign's queued messages stay queued
 * but are not claimed and do not count for queue_next_due_ms(); the flag lives on the campaign,
 * so pausing touches no message and claims stay index-only. Resuming makes them due again at
 * their own next_attempt_at, which is never before start_at. A paused template spawns nothing.
 * 0 when done (also when already in that state), -ENOENT unknown id, -ESTALE when the campaign
 * is cancelled or done (nothing queued or sending; templates are never done).
 */
int queue_campaign_pause(struct queue *q, int64_t id, bool paused, int64_t now_ms);

/*
 * What queue_campaign_create() would do with spec, without storing anything: distinct
 * recipients (explicit list and group, de-duplicated), of which opted out, how many entries
 * were duplicates (repeats in the list, and list numbers also in the group), and the
 * recipients that would be sent to (not opted out) per operator ("" = unknown).
 */
#define QUEUE_PREVIEW_OPERATORS 16
struct queue_preview {
	int64_t recipients; /* distinct */
	int64_t opted_out;
	int64_t duplicates;
	int64_t to_send;    /* recipients - opted_out */
	struct {
		char operator[QUEUE_OPERATOR_MAX];
		int64_t n;
	} ops[QUEUE_PREVIEW_OPERATORS]; /* most recipients first */
	size_t n_ops;
	int64_t ops_other; /* recipients of operators beyond the table */
};
int queue_campaign_preview(struct queue *q, const struct queue_campaign_spec *spec,
			   int64_t now_ms, struct queue_preview *out);

/*
 * Add recipients to an existing campaign (for imports done in batches that yield to the loop);
 * same rules as at creation: duplicates stored once, opted-out numbers stored as `suppressed`.
 * -ENOENT when there is no such campaign.
 */
int queue_campaign_add_recipients(struct queue *q, int64_t id, const char *const *recipients,
				  size_t n, int64_t now_ms);
/* Every still-queued message of the campaign -> cancelled. Returns how many (>= 0) or -errno. */
int queue_campaign_cancel(struct queue *q, int64_t id, int64_t now_ms);

/* ---- outbound messages ---- */

struct queue_msg {
	int64_t id;
	int64_t campaign_id; /* 0 for replies to citizens */
	char recipient[QUEUE_NUMBER_MAX];
	char *text; /* owned; queue_msg_clear() frees */
	char encoding[8];
	int segments;
	int attempts; /* counting the attempt just claimed */
	int priority;
	char operator[QUEUE_OPERATOR_MAX]; /* "" when unknown */
};
void queue_msg_clear(struct queue_msg *m);

/*
 * What a modem may take (routing, quiet hours, caps). A zeroed filter takes anything.
 */
struct queue_claim_filter {
	const char *const *operators; /* take only messages to these operators ... */
	size_t n_operators;           /* ... 0: any operator, including unknown */
	bool unknown_operator;        /* with n_operators > 0: also messages whose operator is
				       * unknown */
	int min_priority;             /* broadcasts below it are not taken (quiet hours: ALERT);
				       * replies always are */
	int daily_cap;                /* a recipient gets at most this many broadcast messages in
				       * 24 h; 0 = no cap */
};

/*
 * Claim the most urgent due message matching f for `modem`. Order: replies first (oldest due
 * first); then priority alert > normal > bulk; within a priority the campaigns with a due
 * matching message take turns: the campaign served longest ago goes first (campaigns never
 * served: the one with the oldest due message), then its oldest due message. Paused, not yet
 * started and cancelled campaigns are skipped.
 * Commits queued -> sending (attempts + 1, modem name recorded, the campaign's turn moved)
 * before returning 1 with *out filled; 0 when nothing matching is due. On the way, committed
 * too: broadcast messages to opted-out numbers become `suppressed`; messages of campaigns past
 * end_by `expired`; a broadcast message whose recipient already had f->daily_cap broadcast
 * messages claimed in the last 24 h (sending, sent or delivered) is deferred to the time the
 * oldest of those leaves the window (next_attempt_at moved; not suppressed).
 * Cost: one index seek per active campaign of a priority and per operator of the filter.
 * -EINVAL for a missing modem/out, f->n_operators without f->operators, a negative cap.
 */
int queue_claim_next_filtered(struct queue *q, int64_t now_ms, const char *modem,
			      const struct queue_claim_filter *f, struct queue_msg *out);
/* queue_claim_next_filtered() with an empty filter (any operator, any priority, no cap). */
int queue_claim_next(struct queue *q, int64_t now_ms, const char *modem, struct queue_msg *out);

/*
 * Earliest time a queued message becomes due (ms); INT64_MAX when none is queued. A message
 * already due gives now_ms (never a time in the past). Messages of paused campaigns do not
 * count. It ignores claim filters: a modem whose filter excludes the due message will find
 * nothing to claim.
 */
int64_t queue_next_due_ms(struct queue *q, int64_t now_ms);

/*
 * The mark functions return -ENOENT for an unknown id and -ESTALE when the message is not in
 * the state they leave (e.g. recovered or cancelled meanwhile); nothing is changed then.
 */
/* sending -> sent, with the network's message references, e.g. "17" or "17,18,19". */
int queue_mark_sent(struct queue *q, int64_t id, const char *refs, int64_t now_ms);
/* sending -> queued, due at next_attempt_ms, with the error kept as last_error. */
int queue_mark_retry(struct queue *q, int64_t id, const char *error, int64_t next_attempt_ms,
		     int64_t now_ms);
/* sending -> failed, permanently, with the reason. */
int queue_mark_failed(struct queue *q, int64_t id, const char *error, int64_t now_ms);
/* sent -> delivered (a delivery report arrived). */
int queue_mark_delivered(struct queue *q, int64_t id, int64_t now_ms);

struct queue_msg_info {
	int64_t id, campaign_id;
	char recipient[QUEUE_NUMBER_MAX];
	enum queue_state state;
	int attempts;
	char modem[32];
	char refs[64];
	char last_error[128];
	char operator[QUEUE_OPERATOR_MAX]; /* "" when unknown */
};
int queue_msg_get(struct queue *q, int64_t id, struct queue_msg_info *out);
/*
 * Call cb for each message of a campaign (0 = replies), in id order; cb returns non-zero to stop.
 * cb may call other queue functions but not queue_msg_foreach() (-EBUSY).
 */
int queue_msg_foreach(struct queue *q, int64_t campaign_id,
		      int (*cb)(const struct queue_msg_info *m, void *arg), void *arg);

/* Messages per state over the whole store (from counters kept by triggers: no scan). */
int queue_state_counts(struct queue *q, int64_t counts[_QUEUE_STATE_COUNT]);

/* An answer to a citizen: priority REPLY, no campaign, never suppressed by opt-out. */
int queue_reply_enqueue(struct queue *q, const char *to, const char *text, const char *encoding,
			int segments, int64_t now_ms, int64_t *id_out);
/* As queue_reply_enqueue(), with the recipient's operator (NULL = unknown) for routing. */
int queue_reply_enqueue2(struct queue *q, const char *to, const char *operator, const char *text,
			 const char *encoding, int segments, int64_t now_ms, int64_t *id_out);
/*
 * Reply flood bound: how many replies to `number` were queued at or after since_ms (whatever
 * became of them) into *n.
 */
int queue_replies_since(struct queue *q, const char *number, int64_t since_ms, int64_t *n);

/* ---- delivery reports ---- */

/*
 * Remember the network references ("17,18,19": TP-MR of each part, in part order) that `modem`
 * got for a sent message, so its status reports can be matched. Call after queue_mark_sent().
 */
int queue_parts_track(struct queue *q, int64_t msg_id, const char *modem, const char *refs,
		      int64_t now_ms);

/*
 * A status report from `modem` for TP-MR `ref` to `recipient` with TP-ST `status`. Matched to the
 * most recently sent part with that modem, reference and recipient (references wrap at 256).
 * TP-ST below 0x20: that part was delivered, and the message becomes `delivered` once every part
 * was; 0x20..0x3f: the network is still trying (recorded only); 0x40 and above: the message
 * becomes `failed`. Returns 1 when matched (*msg_id, *state set to the message's state after the
 * report), 0 when no sent part matches, or -errno.
 */
int queue_status_report(struct queue *q, const char *modem, int ref, const char *recipient,
			int status, int64_t now_ms, int64_t *msg_id, enum queue_state *state);

/* ---- inbound ---- */

struct queue_inbound {
	const char *modem;
	const char *sender; /* E.164 or alphanumeric */
	int64_t smsc_time_ms; /* SMSC timestamp, 0 if unknown */
	int concat_ref;       /* -1 when not concatenated */
	int part, parts;      /* 1-based; 1, 1 for a single SMS */
	const char *text;     /* UTF-8 */
	int64_t received_at_ms;
};
/*
 * Store an inbound SMS. Returns 0 when newly stored, 1 when it was already stored (the same SMS
 * read again); *id_out is its row id either way.
 */
int queue_inbound_store(struct queue *q, const struct queue_inbound *in, int64_t *id_out);
/*
 * Record what the router did with it: "report", "optout", "help", ... An inbound SMS whose
 * action is still NULL has not been routed (e.g. a part of a concatenated SMS waiting for the
 * others).
 */
int queue_inbound_set_action(struct queue *q, int64_t id, const char *action);
int queue_inbound_count(struct queue *q, int64_t *count);

/*
 * Multipart reassembly. The stored, not yet routed parts of one concatenated message (sender,
 * concat_ref, parts) received at or after since_ms, in part order; a part stored twice (e.g.
 * retransmitted with another SMSC time) appears once (the first stored). cb returns non-zero to
 * stop. Returns the number of distinct parts passed to cb, or -errno.
 */
int queue_inbound_parts(struct queue *q, const char *sender, int concat_ref, int parts,
			int64_t since_ms,
			int (*cb)(int part, const char *text, int64_t id, void *arg), void *arg);
/*
 * Concatenated messages with unrouted parts whose first part arrived before older_than_ms (to
 * be routed as they are after a time-out, and at start-up). cb returns non-zero to stop; cb may
 * call queue_inbound_set_action_group(). Returns the number of groups reported, or -errno.
 */
int queue_inbound_incomplete(struct queue *q, int64_t older_than_ms,
			     int (*cb)(const char *sender, int concat_ref, int parts,
				       int64_t first_received_ms, void *arg),
			     void *arg);
/*
 * Mark every unrouted part of (sender, concat_ref, parts) routed with `action`, remembering
 * routed_as_id (the inbound row the message was handled as; 0 = none). Returns how many rows
 * were marked (0 when none was waiting), or -errno.
 */
int queue_inbound_set_action_group(struct queue *q, const char *sender, int concat_ref,
				   int parts, const char *action, int64_t routed_as_id);

/* ---- reports ---- */

struct queue_report {
	int64_t id, inbound_id;
	char ticket[QUEUE_TICKET_LEN];
	char sender[QUEUE_NUMBER_MAX];
	char *text; /* owned by the callee during the callback; else queue_report_clear() */
	char status[16]; /* "new" | "reviewing" | "resolved" */
	int64_t created_at_ms;
	/* schema 3 */
	char category[32]; /* "" when none */
	char *note;        /* NULL when none; owned as text */
	char modem[32];    /* the modem it came in on; "" */
	char updated_by[32];
	int64_t updated_at_ms; /* 0: never updated */
};
/* Free what queue_report_get() allocated in r (text, note). */
void queue_report_clear(struct queue_report *r);
/*
 * File a report; a fresh unique ticket (6 chars of [A-Z2-9] without I, O, 0, 1) goes to ticket.
 * inbound_id 0 when the report did not come in as an SMS (e.g. USSD).
 */
int queue_report_create(struct queue *q, int64_t inbound_id, const char *sender, const char *text,
			int64_t now_ms, char ticket[QUEUE_TICKET_LEN], int64_t *id_out);
/* Reports with id > after_id in id order, at most limit; cb returns non-zero to stop. */
int queue_reports_list(struct queue *q, int64_t after_id, int limit,
		       int (*cb)(const struct queue_report *r, void *arg), void *arg);
/*
 * As queue_report_create(), with a category (NULL = none; < 32 bytes) and the modem it came in
 * on (NULL = not from a modem).
 */
int queue_report_create2(struct queue *q, int64_t inbound_id, const char *sender,
			 const char *text, const char *category, const char *modem,
			 int64_t now_ms, char ticket[QUEUE_TICKET_LEN], int64_t *id_out);
/*
 * Move a report to `status` with an optional note (NULL keeps the note) by operator `by`.
 * Allowed: new -> reviewing, new -> resolved, reviewing -> resolved, resolved -> reviewing
 * (reopen), and any status to itself (to change the note). Forbidden (-EINVAL, nothing
 * changed): reviewing -> new, resolved -> new; and an unknown status. -ENOENT unknown id.
 * before (may be NULL) gets the report as it was (free with queue_report_clear()).
 */
int queue_report_update(struct queue *q, int64_t id, const char *status, const char *note,
			const char *by, int64_t now_ms, struct queue_report *before);
/* One report by id / by ticket; -ENOENT. Free with queue_report_clear(). */
int queue_report_get(struct queue *q, int64_t id, struct queue_report *out);
int queue_report_get_by_ticket(struct queue *q, const char *ticket, struct queue_report *out);

struct queue_report_filter {
	const char *status;   /* NULL: any */
	const char *category; /* NULL: any */
	int64_t since_ms, until_ms; /* created in [since, until); 0: unbounded */
	int64_t after_id;     /* id > after_id, ascending id order */
	int limit;            /* > 0 */
};
/* Reports matching f; cb returns non-zero to stop. -EINVAL on a bad filter. */
int queue_reports_query(struct queue *q, const struct queue_report_filter *f,
			int (*cb)(const struct queue_report *r, void *arg), void *arg);

/* ---- polls ---- */

/*
 * The most recent poll campaign open at now_ms (poll_closes_at > now) whose message to
 * `number` was sent or delivered: 1 with *campaign_id, its answers (in the order given at
 * creation) and *n set; 0 when there is none. answers holds QUEUE_POLL_ANSWERS_MAX entries.
 */
#define QUEUE_POLL_ANSWERS_MAX 16
int queue_poll_for(struct queue *q, const char *number, int64_t now_ms, int64_t *campaign_id,
		   char answers[][QUEUE_ANSWER_MAX], size_t *n);
/*
 * Record number's vote. One vote per number: a later vote replaces the earlier. Returns 0 for
 * a new vote, 1 when it replaced one; -ENOENT no such poll campaign, -EINVAL an answer that is
 * not one of the poll's, -ESTALE the poll is closed at now_ms.
 */
int queue_poll_vote(struct queue *q, int64_t campaign_id, const char *number, const char *answer,
		    int64_t now_ms);
/* Votes per answer, in the poll's answer order, answers with 0 votes included. -ENOENT. */
int queue_poll_tally(struct queue *q, int64_t campaign_id,
		     int (*cb)(const char *answer, int64_t count, void *arg), void *arg);

/* ---- retention ---- */

struct queue_purge_counts {
	int64_t inbound; /* inbound SMS rows (each part is a row) */
	int64_t reports;
	int64_t votes;   /* poll votes */
};
/*
 * Delete inbound SMS, reports and poll votes created before before_ms, in batches that each
 * commit (inside a caller's queue_begin() the batches join that transaction instead). An inbound
 * SMS still referenced by a newer report is kept. Opt-outs are kept (they hold only the number
 * and the time). out (may be NULL) gets the counts; also filled as far as it got on error.
 */
int queue_purge(struct queue *q, int64_t before_ms, struct queue_purge_counts *out);

/*
 * Tests only: replace the random ticket source of this handle (gen NULL restores getrandom(2)),
 * e.g. to force collisions. gen writes QUEUE_TICKET_LEN - 2 characters and a NUL.
 */
typedef void queue_ticket_gen_fn(char ticket[QUEUE_TICKET_LEN], void *arg);
void queue_ticket_gen_set(struct queue *q, queue_ticket_gen_fn *gen, void *arg);

/* ---- opt-outs ---- */

/* opted_out true: record the opt-out (idempotent); false: remove it. */
int queue_optout_set(struct queue *q, const char *number, bool opted_out, int64_t now_ms);
/* 1 opted out, 0 not, <0 error. */
int queue_is_opted_out(struct queue *q, const char *number);
/*
 * Opt-outs with number > after (NULL or "" = from the start) in number order, at most limit;
 * cb returns non-zero to stop.
 */
int queue_optouts_list(struct queue *q, const char *after, int limit,
		       int (*cb)(const char *number, int64_t created_at_ms, void *arg), void *arg);
int queue_optouts_count(struct queue *q, int64_t *n);

/* ---- contacts and groups ---- */

/*
 * A contact to store. Tag keys and values are lower-case slugs ([a-z0-9_-], 1..31 bytes), e.g.
 * commune=son-nam; a key may carry several values.
 */
struct queue_contact {
	const char *number;   /* E.164 */
	const char *name;     /* NULL: none; < QUEUE_NAME_MAX bytes */
	const char *operator; /* NULL: unknown */
	const char *const *tag_keys, *const *tag_values;
	size_t n_tags;
};
/*
 * Insert or update n contacts in one transaction: an existing number gets its name, operator
 * and tags replaced. Meant for batches of ~10,000 between turns of the loop. The counts (may
 * be NULL) get how many were new and how many existed. -EINVAL (nothing stored) when any
 * contact is malformed.
 */
int queue_contacts_upsert(struct queue *q, const struct queue_contact *c, size_t n,
			  int64_t now_ms, size_t *inserted, size_t *updated);

/*
 * Group queries select contacts by tags: "commune=son-nam" or "commune=son-nam,role=y-te"
 * (every term must match), "" or "*" = every contact. At most 8 terms. A malformed query is
 * -EINVAL with no side effect.
 */
int queue_contacts_count(struct queue *q, const char *query, int64_t *n);

struct queue_contact_row {
	int64_t id;
	char number[QUEUE_NUMBER_MAX];
	char name[QUEUE_NAME_MAX];
	char operator[QUEUE_OPERATOR_MAX];
	char tags[QUEUE_TAGS_MAX]; /* "k=v,k=v" sorted by key then value */
	int64_t created_at_ms, updated_at_ms;
};
/* Contacts matching query with id > after_id in id order, at most limit (> 0). */
int queue_contacts_list(struct queue *q, const char *query, int64_t after_id, int limit,
			int (*cb)(const struct queue_contact_row *c, void *arg), void *arg);
/* -ENOENT when the number is not a contact. */
int queue_contact_get(struct queue *q, const char *number, struct queue_contact_row *out);
/* Delete a contact and its tags; -ENOENT when none. */
int queue_contact_delete(struct queue *q, const char *number);

/* Save (create or replace) a named group; the query is validated (-EINVAL). */
int queue_group_save(struct queue *q, const char *name, const char *query, int64_t now_ms);
/* Groups in name order; cb returns non-zero to stop. */
int queue_groups_list(struct queue *q,
		      int (*cb)(const char *name, const char *query, void *arg), void *arg);
/* The query of a group into query[size]; -ENOENT, -ENOSPC when it does not fit. */
int queue_group_get(struct queue *q, const char *name, char *query, size_t size);
/* Delete a named group; -ENOENT. */
int queue_group_delete(struct queue *q, const char *name);

/* ---- recurring campaigns ---- */

/*
 * A campaign created with a recurrence is a template: it holds text, encoding, segments,
 * priority, explicit recipients and group query, sends nothing itself (status "recurring") and
 * spawns one child campaign per run.
 * queue_recurring_due: call cb for each template (not paused, not cancelled) whose
 * next_run_at <= now_ms, oldest first; c->text is owned by the callee during the callback. The
 * gateway parses c->recurrence and calls queue_campaign_spawn() (allowed from cb). cb returns
 * non-zero to stop. Returns how many templates were passed to cb, or -errno.
 */
int queue_recurring_due(struct queue *q, int64_t now_ms,
			int (*cb)(const struct queue_campaign *parent, void *arg), void *arg);
/* The earliest next_run_at of the templates queue_recurring_due() would pass; INT64_MAX when none. */
int64_t queue_recurring_next_ms(struct queue *q);
/*
 * In one transaction: a new campaign with the template's text/encoding/segments/priority/name
 * (a template's poll is not carried over), starting at start_at (0 = now), ending at end_by
 * (0 = none), parent_id set; its recipients the template's explicit ones plus its group query
 * evaluated now (new contacts are included), opted-out ones suppressed; and the template's
 * next_run_at set to next_run_at (0: no further run; the template stays, status "recurring").
 * -ENOENT unknown template, -EINVAL not a template or bad times, -ESTALE cancelled template.
 */
int queue_campaign_spawn(struct queue *q, int64_t parent_id, int64_t start_at_ms,
			 int64_t end_by_ms, int64_t next_run_at_ms, int64_t now_ms,
			 int64_t *child_id);

/* ---- operator surface ---- */

/*
 * Append to the audit log: who (an operator/user name, not a token), action ("campaign.create"),
 * object ("campaign/12"), the result code (0 or -errno / HTTP status) and a detail. Anything in
 * who/object/detail that looks like a credential (a "Bearer ..." value, or the value after
 * token/password/secret/authorization/api_key followed by '=' or ':') is replaced by "***"
 * before it is stored.
 */
int queue_audit(struct queue *q, const char *who, const char *action, const char *object,
		int result_code, const char *detail, int64_t now_ms);

struct queue_audit_entry {
	int64_t id, at_ms;
	const char *who, *action, *object, *detail; /* valid during the callback; "" for NULL */
	int result_code;
};
struct queue_audit_filter {
	const char *who;    /* NULL: anyone */
	const char *action; /* NULL: any */
	int64_t since_ms;   /* 0: from the start */
	int64_t after_id;   /* id > after_id, ascending */
	int limit;          /* > 0 */
};
int queue_audit_list(struct queue *q, const struct queue_audit_filter *f,
		     int (*cb)(const struct queue_audit_entry *e, void *arg), void *arg);

/*
 * Counts for /metrics, read from counters that triggers keep in the same transactions as the
 * changes (no scan; constant time in the size of the store).
 */
#define QUEUE_METRICS_ACTIONS 16
struct queue_metrics {
	int64_t messages[_QUEUE_STATE_COUNT];   /* whole store */
	int64_t queued_by_priority[QUEUE_PRIO_REPLY + 1];
	struct {
		char action[24]; /* "" = not routed yet */
		int64_t n;
	} inbound[QUEUE_METRICS_ACTIONS]; /* by action, most first */
	size_t n_inbound;
	int64_t inbound_other; /* actions beyond the table */
	int64_t reports_new, reports_reviewing, reports_resolved;
	int64_t optouts;
};
int queue_metrics(struct queue *q, struct queue_metrics *out);

#endif
