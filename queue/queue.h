/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue — Loa's durable state: campaigns, outbound messages, inbound messages, reports,
 * opt-outs. The rest of the daemon reaches the store only through this interface, so a second
 * backend (PostgreSQL for several nodes) can be added without touching callers.
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
#define QUEUE_SCHEMA_VERSION 3
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
};

/*
 * Create a campaign and one outbound message per distinct recipient, in one transaction.
 * Recipients who opted out are stored directly as `suppressed` (error "opted out").
 * The recipients are the explicit list plus the contacts matching group_query (one
 * INSERT ... SELECT), de-duplicated; a message's operator is spec->operators[i], else the
 * contact's. With a recurrence the campaign is a template: no messages are created; its
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
	int64_t last_claim_at_ms;              /* last time a message was claimed; 0 */
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
/* Record what the router did with it: "report", "optout", "help", ... */
int queue_inbound_set_action(struct queue *q, int64_t id, const char *action);
int queue_inbound_count(struct queue *q, int64_t *count);

/* ---- reports ---- */

struct queue_report {
	int64_t id, inbound_id;
	char ticket[QUEUE_TICKET_LEN];
	char sender[QUEUE_NUMBER_MAX];
	char *text; /* owned by the callee during the callback */
	char status[16]; /* "new" | "reviewing" | "resolved" */
	int64_t created_at_ms;
};
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

#endif
