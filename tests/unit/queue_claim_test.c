/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_claim_test — the store's schema-3 outbound features: operators on messages and claim
 * filters (routing, quiet hours, the daily cap), fair turns between campaigns, pause/resume,
 * campaign status and listing, the campaign preview, and reply counts. Stores are ":memory:".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "queue/queue.h"
#include "tests/lib/queue_fixture.h"
#include "tests/lib/test.h"

#define T0 1700000000000LL /* a fixed "now" in ms */
#define DAY (24LL * 3600 * 1000)

QUEUE_TEST_SETUP("queue_claim_test")


static int64_t
campaign_ops(struct queue *q, int prio, int64_t now, int64_t start, const char *const *rcpt,
	     const char *const *ops, size_t n)
{
	return fixture_campaign(q,
				(struct queue_campaign_spec){ .priority = prio, .start_at_ms = start,
							      .recipients = rcpt, .operators = ops,
							      .n_recipients = n },
				now);
}

/* Claim with filter f; returns the message's campaign id, -1 when nothing; recipient in buf. */
static int64_t
claim_f(struct queue *q, int64_t now, const struct queue_claim_filter *f, char *buf,
	int64_t *msg_id)
{
	struct queue_msg m;
	int rc = queue_claim_next_filtered(q, now, "m1", f, &m);
	int64_t cid;

	CHECK(rc == 0 || rc == 1);
	if (buf)
		buf[0] = '\0';
	if (rc != 1)
		return -1;
	if (buf)
		snprintf(buf, QUEUE_NUMBER_MAX, "%s", m.recipient);
	if (msg_id)
		*msg_id = m.id;
	cid = m.campaign_id;
	queue_msg_clear(&m);
	return cid;
}

static void
test_operator_filter(void)
{
	struct queue *q = open_mem();
	const char *rcpt[] = { "+84910000001", "+84910000002", "+84910000003", "+84910000004" };
	const char *ops[] = { "viettel", "mobifone", NULL, "viettel" };
	const char *vt[] = { "viettel" };
	const char *vn[] = { "vinaphone", "mobifone" };
	struct queue_claim_filter f = { .operators = vt, .n_operators = 1 };
	struct queue_msg_info mi;
	struct queue_msg m;
	char buf[QUEUE_NUMBER_MAX];
	int64_t mid = 0, rid = 0;

	CHECK(q);
	if (!q)
		return;
	campaign_ops(q, QUEUE_PRIO_NORMAL, T0, 0, rcpt, ops, 4);
	CHECK_EQ_INT(queue_reply_enqueue2(q, "+84910000009", "vinaphone", "OK", "gsm7", 1, T0,
					  &rid), 0);
	/* viettel only: the reply (vinaphone) is not for this modem either */
	CHECK(claim_f(q, T0, &f, buf, &mid) > 0);
	CHECK_EQ_STR(buf, "+84910000001");
	CHECK_EQ_INT(queue_msg_get(q, mid, &mi), 0);
	CHECK_EQ_STR(mi.operator, "viettel");
	CHECK(claim_f(q, T0, &f, buf, NULL) > 0);
	CHECK_EQ_STR(buf, "+84910000004");
	CHECK_EQ_INT(claim_f(q, T0, &f, buf, NULL), -1);
	/* unknown operators as well */
	f.unknown_operator = true;
	CHECK(claim_f(q, T0, &f, buf, NULL) > 0);
	CHECK_EQ_STR(buf, "+84910000003");
	CHECK_EQ_INT(claim_f(q, T0, &f, buf, NULL), -1);
	/* two operators: the reply goes first and carries its operator */
	f = (struct queue_claim_filter){ .operators = vn, .n_operators = 2 };
	CHECK_EQ_INT(queue_claim_next_filtered(q, T0, "m2", &f, &m), 1);
	CHECK_EQ_INT(m.id, rid);
	CHECK_EQ_INT(m.campaign_id, 0);
	CHECK_EQ_STR(m.operator, "vinaphone");
	queue_msg_clear(&m);
	CHECK(claim_f(q, T0, &f, buf, NULL) > 0);
	CHECK_EQ_STR(buf, "+84910000002");
	CHECK_EQ_INT(claim_f(q, T0, NULL, buf, NULL), -1);
	/* bad arguments */
	f = (struct queue_claim_filter){ .n_operators = 1 };
	CHECK_EQ_INT(queue_claim_next_filtered(q, T0, "m1", &f, &m), -EINVAL);
	f = (struct queue_claim_filter){ .daily_cap = -1 };
	CHECK_EQ_INT(queue_claim_next_filtered(q, T0, "m1", &f, &m), -EINVAL);
	CHECK_EQ_INT(queue_claim_next_filtered(q, T0, "", NULL, &m), -EINVAL);
	CHECK_EQ_INT(queue_claim_next_filtered(q, T0, "m1", NULL, NULL), -EINVAL);
	CHECK_EQ_INT(queue_reply_enqueue2(q, "+84910000009", "", "OK", "gsm7", 1, T0, NULL),
		     -EINVAL);
	CHECK_EQ_INT(queue_reply_enqueue2(q, "+84910000009", "an-operator-name-too-long", "OK",
					  "gsm7", 1, T0, NULL),
		     -EINVAL);
	queue_close(q);
}

static void
test_quiet_hours(void)
{
	struct queue *q = open_mem();
	const char *bulk[] = { "+84920000001" };
	const char *normal[] = { "+84920000002" };
	const char *alert[] = { "+84920000003" };
	struct queue_claim_filter f = { .min_priority = QUEUE_PRIO_ALERT };
	char buf[QUEUE_NUMBER_MAX];

	CHECK(q);
	if (!q)
		return;
	campaign_ops(q, QUEUE_PRIO_BULK, T0, 0, bulk, NULL, 1);
	campaign_ops(q, QUEUE_PRIO_NORMAL, T0, 0, normal, NULL, 1);
	campaign_ops(q, QUEUE_PRIO_ALERT, T0, 0, alert, NULL, 1);
	CHECK_EQ_INT(queue_reply_enqueue(q, "+84920000009", "OK", "gsm7", 1, T0, NULL), 0);
	CHECK_EQ_INT(claim_f(q, T0, &f, buf, NULL), 0); /* reply: always */
	CHECK_EQ_STR(buf, "+84920000009");
	CHECK(claim_f(q, T0, &f, buf, NULL) > 0);
	CHECK_EQ_STR(buf, "+84920000003");
	CHECK_EQ_INT(claim_f(q, T0, &f, buf, NULL), -1); /* normal and bulk wait */
	f.min_priority = QUEUE_PRIO_NORMAL;
	CHECK(claim_f(q, T0, &f, buf, NULL) > 0);
	CHECK_EQ_STR(buf, "+84920000002");
	CHECK_EQ_INT(claim_f(q, T0, &f, buf, NULL), -1);
	CHECK(claim_f(q, T0, NULL, buf, NULL) > 0);
	CHECK_EQ_STR(buf, "+84920000001");
	queue_close(q);
}

static void
test_daily_cap(void)
{
	struct queue *q = open_mem();
	const char *one[] = { "+84930000001" };
	const char *both[] = { "+84930000001", "+84930000002" };
	struct queue_claim_filter f = { .daily_cap = 1 };
	struct queue_msg_info mi;
	char buf[QUEUE_NUMBER_MAX];
	int64_t a, b, c, mid = 0, mid2 = 0;

	CHECK(q);
	if (!q)
		return;
	a = campaign_ops(q, QUEUE_PRIO_NORMAL, T0, 0, one, NULL, 1);
	b = campaign_ops(q, QUEUE_PRIO_NORMAL, T0 + 10, 0, both, NULL, 2);
	CHECK_EQ_INT(claim_f(q, T0 + 100, &f, buf, &mid), a);
	CHECK_EQ_INT(queue_mark_sent(q, mid, "1", T0 + 150), 0);
	/* campaign b: +...01 is at the cap and deferred; +...02 is taken instead */
	CHECK_EQ_INT(claim_f(q, T0 + 200, &f, buf, &mid2), b);
	CHECK_EQ_STR(buf, "+84930000002");
	CHECK_EQ_INT(claim_f(q, T0 + 300, &f, buf, NULL), -1);
	CHECK_EQ_INT(queue_next_due_ms(q, T0 + 300), T0 + 100 + DAY);
	CHECK_EQ_INT(claim_f(q, T0 + 100 + DAY - 1, &f, buf, NULL), -1);
	CHECK_EQ_INT(claim_f(q, T0 + 100 + DAY, &f, buf, &mid), b);
	CHECK_EQ_STR(buf, "+84930000001");
	CHECK_EQ_INT(queue_msg_get(q, mid, &mi), 0);
	CHECK_EQ_INT(mi.state, QUEUE_SENDING);
	CHECK_EQ_STR(mi.last_error, "daily cap");

	/* a failed message does not count; replies are never capped nor counted */
	{
		static const char *fresh[] = { "+84935000001", "+84935000002" };

		c = campaign_ops(q, QUEUE_PRIO_NORMAL, T0 + 2 * DAY, 0, fresh, NULL, 2);
	}
	CHECK_EQ_INT(claim_f(q, T0 + 2 * DAY + 1, &f, buf, &mid), c);
	CHECK_EQ_STR(buf, "+84935000001");
	CHECK_EQ_INT(queue_mark_failed(q, mid, "x", T0 + 2 * DAY + 2), 0);
	CHECK_EQ_INT(queue_reply_enqueue(q, buf, "OK", "gsm7", 1, T0 + 2 * DAY + 2, NULL), 0);
	CHECK_EQ_INT(claim_f(q, T0 + 2 * DAY + 3, &f, NULL, NULL), 0);
	/* a second campaign to +..01 is not capped: its failed message and the reply don't count */
	{
		static const char *again[] = { "+84935000001" };
		int64_t d = campaign_ops(q, QUEUE_PRIO_NORMAL, T0 + 2 * DAY + 4, 0, again, NULL, 1);

		/* d was never served, so its turn comes first */
		CHECK_EQ_INT(claim_f(q, T0 + 2 * DAY + 5, &f, buf, NULL), d);
		CHECK_EQ_STR(buf, "+84935000001");
		CHECK_EQ_INT(claim_f(q, T0 + 2 * DAY + 5, &f, buf, NULL), c);
		CHECK_EQ_STR(buf, "+84935000002");
	}
	/* cap 2 lets the second through at once */
	{
		const char *r[] = { "+84940000001" };
		struct queue_claim_filter f2 = { .daily_cap = 2 };
		int64_t x = campaign_ops(q, QUEUE_PRIO_BULK, T0 + 3 * DAY, 0, r, NULL, 1);
		int64_t y = campaign_ops(q, QUEUE_PRIO_BULK, T0 + 3 * DAY, 0, r, NULL, 1);
		int64_t z = campaign_ops(q, QUEUE_PRIO_BULK, T0 + 3 * DAY, 0, r, NULL, 1);

		CHECK_EQ_INT(claim_f(q, T0 + 3 * DAY + 1, &f2, NULL, NULL), x);
		CHECK_EQ_INT(claim_f(q, T0 + 3 * DAY + 2, &f2, NULL, NULL), y);
		CHECK_EQ_INT(claim_f(q, T0 + 3 * DAY + 3, &f2, NULL, NULL), -1);
		CHECK_EQ_INT(queue_next_due_ms(q, T0 + 3 * DAY + 3), T0 + 4 * DAY + 1);
		CHECK_EQ_INT(claim_f(q, T0 + 4 * DAY + 1, &f2, NULL, NULL), z);
	}
	queue_close(q);
}

static void
test_fair_turns(void)
{
	struct queue *q = open_mem();
	const char *ra[] = { "+84950000001", "+84950000002", "+84950000003" };
	const char *rb[] = { "+84951000001", "+84951000002" };
	const char *rc[] = { "+84952000001", "+84952000002" };
	const char *ralert[] = { "+84953000001" };
	int64_t a, b, c, al, got[8];

	CHECK(q);
	if (!q)
		return;
	a = campaign_ops(q, QUEUE_PRIO_BULK, T0, 0, ra, NULL, 3);
	b = campaign_ops(q, QUEUE_PRIO_BULK, T0 + 1, 0, rb, NULL, 2);
	c = campaign_ops(q, QUEUE_PRIO_BULK, T0 + 2, 0, rc, NULL, 2);
	for (int i = 0; i < 4; i++)
		got[i] = claim_f(q, T0 + 10, NULL, NULL, NULL);
	CHECK_EQ_INT(got[0], a);
	CHECK_EQ_INT(got[1], b);
	CHECK_EQ_INT(got[2], c);
	CHECK_EQ_INT(got[3], a);
	/* an alert campaign arriving now goes before every bulk turn */
	al = campaign_ops(q, QUEUE_PRIO_ALERT, T0 + 20, 0, ralert, NULL, 1);
	CHECK_EQ_INT(claim_f(q, T0 + 30, NULL, NULL, NULL), al);
	CHECK_EQ_INT(claim_f(q, T0 + 30, NULL, NULL, NULL), b);
	CHECK_EQ_INT(claim_f(q, T0 + 30, NULL, NULL, NULL), c);
	CHECK_EQ_INT(claim_f(q, T0 + 30, NULL, NULL, NULL), a);
	CHECK_EQ_INT(claim_f(q, T0 + 30, NULL, NULL, NULL), -1);
	queue_close(q);
}

static void
test_pause_status(void)
{
	struct queue *q = open_mem();
	const char *r[] = { "+84960000001", "+84960000002" };
	const char *r2[] = { "+84961000001" };
	struct queue_campaign c;
	int64_t a, s, mid = 0;

	CHECK(q);
	if (!q)
		return;
	a = campaign_ops(q, QUEUE_PRIO_NORMAL, T0, 0, r, NULL, 2);
	s = campaign_ops(q, QUEUE_PRIO_NORMAL, T0, T0 + 3600000, r2, NULL, 1);
	CHECK_EQ_INT(queue_campaign_get_at(q, a, T0, &c), 0);
	CHECK_EQ_STR(c.status, "active");
	CHECK(!c.paused);
	queue_campaign_clear(&c);
	CHECK_EQ_INT(queue_campaign_get_at(q, s, T0, &c), 0);
	CHECK_EQ_STR(c.status, "scheduled");
	queue_campaign_clear(&c);

	CHECK_EQ_INT(queue_campaign_pause(q, a, true, T0 + 1), 0);
	CHECK_EQ_INT(queue_campaign_pause(q, a, true, T0 + 1), 0); /* idempotent */
	CHECK_EQ_INT(queue_campaign_get_at(q, a, T0 + 1, &c), 0);
	CHECK_EQ_STR(c.status, "paused");
	CHECK(c.paused);
	CHECK_EQ_INT(c.counts[QUEUE_QUEUED], 2);
	queue_campaign_clear(&c);
	CHECK_EQ_INT(claim_f(q, T0 + 2, NULL, NULL, NULL), -1);
	CHECK_EQ_INT(queue_next_due_ms(q, T0 + 2), T0 + 3600000); /* only the scheduled one */
	/* a paused scheduled campaign stays held after its start */
	CHECK_EQ_INT(queue_campaign_pause(q, s, true, T0 + 3), 0);
	CHECK_EQ_INT(queue_next_due_ms(q, T0 + 3), INT64_MAX);
	CHECK_EQ_INT(claim_f(q, T0 + 7200000, NULL, NULL, NULL), -1);
	CHECK_EQ_INT(queue_campaign_pause(q, a, false, T0 + 4), 0);
	CHECK_EQ_INT(queue_next_due_ms(q, T0 + 4), T0 + 4);
	CHECK_EQ_INT(claim_f(q, T0 + 5, NULL, NULL, &mid), a);
	CHECK_EQ_INT(queue_campaign_pause(q, s, false, T0 + 6), 0);
	CHECK_EQ_INT(claim_f(q, T0 + 6, NULL, NULL, NULL), a);
	CHECK_EQ_INT(claim_f(q, T0 + 6, NULL, NULL, NULL), -1); /* s not before its start */
	CHECK_EQ_INT(claim_f(q, T0 + 3600000, NULL, NULL, NULL), s);

	/* done: nothing queued or sending; a sending message keeps it active */
	CHECK_EQ_INT(queue_campaign_get_at(q, a, T0 + 7, &c), 0);
	CHECK_EQ_STR(c.status, "active");
	queue_campaign_clear(&c);
	CHECK_EQ_INT(queue_mark_sent(q, mid, "1", T0 + 8), 0);
	CHECK_EQ_INT(queue_campaign_get_at(q, a, T0 + 8, &c), 0);
	CHECK_EQ_STR(c.status, "active"); /* the second is still sending */
	queue_campaign_clear(&c);
	CHECK_EQ_INT(queue_recover(q, false, T0 + 9), 2); /* both sending -> failed */
	CHECK_EQ_INT(queue_campaign_get_at(q, a, T0 + 9, &c), 0);
	CHECK_EQ_STR(c.status, "done");
	queue_campaign_clear(&c);
	CHECK_EQ_INT(queue_campaign_pause(q, a, true, T0 + 10), -ESTALE);
	CHECK_EQ_INT(queue_campaign_pause(q, 999, true, T0 + 10), -ENOENT);

	/* cancelled */
	s = campaign_ops(q, QUEUE_PRIO_BULK, T0 + 11, 0, r, NULL, 2);
	CHECK_EQ_INT(queue_campaign_cancel(q, s, T0 + 12), 2);
	CHECK_EQ_INT(queue_campaign_get_at(q, s, T0 + 12, &c), 0);
	CHECK_EQ_STR(c.status, "cancelled");
	queue_campaign_clear(&c);
	CHECK_EQ_INT(queue_campaign_pause(q, s, true, T0 + 13), -ESTALE);
	CHECK_EQ_INT(queue_campaign_get_at(q, 12345, T0, &c), -ENOENT);
	CHECK_EQ_INT(queue_campaign_get_at(q, a, T0, NULL), -EINVAL);
	queue_close(q);
}

/* A retry that comes back to a cancelled campaign is cancelled, not sent. */
static void
test_cancel_then_retry(void)
{
	struct queue *q = open_mem();
	const char *r[] = { "+84970000001", "+84970000002" };
	int64_t a, mid = 0;

	CHECK(q);
	if (!q)
		return;
	a = campaign_ops(q, QUEUE_PRIO_NORMAL, T0, 0, r, NULL, 2);
	CHECK_EQ_INT(claim_f(q, T0, NULL, NULL, &mid), a);
	CHECK_EQ_INT(queue_campaign_cancel(q, a, T0 + 1), 1);
	CHECK_EQ_INT(queue_mark_retry(q, mid, "busy", T0 + 2, T0 + 1), 0);
	CHECK_EQ_INT(claim_f(q, T0 + 3, NULL, NULL, NULL), -1);
	{
		struct queue_msg_info mi;

		CHECK_EQ_INT(queue_msg_get(q, mid, &mi), 0);
		CHECK_EQ_INT(mi.state, QUEUE_CANCELLED);
	}
	queue_close(q);
}

struct list_acc {
	int n;
	int64_t ids[8];
	char status[8][12];
	int64_t queued[8];
	char names[8][QUEUE_NAME_MAX];
};

static int
list_cb(const struct queue_campaign *c, void *arg)
{
	struct list_acc *a = arg;

	if (a->n < 8) {
		a->ids[a->n] = c->id;
		snprintf(a->status[a->n], sizeof(a->status[0]), "%s", c->status);
		snprintf(a->names[a->n], sizeof(a->names[0]), "%s", c->name);
		a->queued[a->n] = c->counts[QUEUE_QUEUED];
	}
	a->n++;
	return 0;
}

static void
test_campaigns_list(void)
{
	struct queue *q = open_mem();
	const char *r[] = { "+84980000001", "+84980000002", "+84980000003" };
	struct queue_campaign_spec spec = {
		.text = "Hop dan", .encoding = "gsm7", .segments = 1,
		.priority = QUEUE_PRIO_NORMAL, .recipients = r, .n_recipients = 3,
		.name = "hop-dan-thon-1",
	};
	struct list_acc acc = { 0 };
	int64_t a = 0, b, c;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, &a), 0);
	b = campaign_ops(q, QUEUE_PRIO_BULK, T0, T0 + 1000, r, NULL, 2);
	c = campaign_ops(q, QUEUE_PRIO_BULK, T0, 0, r, NULL, 1);
	CHECK_EQ_INT(queue_campaign_cancel(q, c, T0), 1);
	CHECK_EQ_INT(queue_campaigns_list(q, 0, 10, T0, list_cb, &acc), 0);
	CHECK_EQ_INT(acc.n, 3);
	CHECK_EQ_INT(acc.ids[0], a);
	CHECK_EQ_INT(acc.ids[1], b);
	CHECK_EQ_INT(acc.ids[2], c);
	CHECK_EQ_STR(acc.names[0], "hop-dan-thon-1");
	CHECK_EQ_STR(acc.status[0], "active");
	CHECK_EQ_STR(acc.status[1], "scheduled");
	CHECK_EQ_STR(acc.status[2], "cancelled");
	CHECK_EQ_INT(acc.queued[0], 3);
	CHECK_EQ_INT(acc.queued[1], 2);
	CHECK_EQ_INT(acc.queued[2], 0);
	memset(&acc, 0, sizeof(acc));
	CHECK_EQ_INT(queue_campaigns_list(q, a, 1, T0, list_cb, &acc), 0);
	CHECK_EQ_INT(acc.n, 1);
	CHECK_EQ_INT(acc.ids[0], b);
	CHECK_EQ_INT(queue_campaigns_list(q, 0, 0, T0, list_cb, &acc), -EINVAL);
	CHECK_EQ_INT(queue_campaigns_list(q, 0, 1, T0, NULL, NULL), -EINVAL);
	/* a too long name is refused */
	spec.name = "0123456789012345678901234567890123456789012345678901234567890123456789";
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, NULL), -EINVAL);
	queue_close(q);
}

static void
test_preview(void)
{
	struct queue *q = open_mem();
	const char *r[] = { "+84990000001", "+84990000002", "+84990000001", "+84990000003",
			    "+84990000004" };
	const char *ops[] = { "viettel", "viettel", "viettel", NULL, "mobifone" };
	struct queue_campaign_spec spec = {
		.text = "Xem truoc", .encoding = "gsm7", .segments = 1,
		.priority = QUEUE_PRIO_NORMAL, .recipients = r, .operators = ops,
		.n_recipients = 5,
	};
	struct queue_preview p;
	int64_t counts[_QUEUE_STATE_COUNT];

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_optout_set(q, "+84990000002", true, T0), 0);
	for (int round = 0; round < 2; round++) { /* the second shows nothing was kept */
		CHECK_EQ_INT(queue_campaign_preview(q, &spec, T0, &p), 0);
		CHECK_EQ_INT(p.recipients, 4);
		CHECK_EQ_INT(p.opted_out, 1);
		CHECK_EQ_INT(p.duplicates, 1);
		CHECK_EQ_INT(p.to_send, 3);
		CHECK_EQ_INT(p.n_ops, 3);
		if (p.n_ops == 3) {
			/* most first, then by name: "" < "mobifone" < "viettel" */
			CHECK_EQ_STR(p.ops[0].operator, "");
			CHECK_EQ_INT(p.ops[0].n, 1);
			CHECK_EQ_STR(p.ops[1].operator, "mobifone");
			CHECK_EQ_STR(p.ops[2].operator, "viettel");
			CHECK_EQ_INT(p.ops[2].n, 1); /* +..02 opted out */
		}
	}
	CHECK_EQ_INT(queue_state_counts(q, counts), 0);
	for (int s = 0; s < _QUEUE_STATE_COUNT; s++)
		CHECK_EQ_INT(counts[s], 0);
	spec.encoding = "latin1";
	CHECK_EQ_INT(queue_campaign_preview(q, &spec, T0, &p), -EINVAL);
	queue_close(q);
}

static void
test_replies_since(void)
{
	struct queue *q = open_mem();
	int64_t n = -1;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_replies_since(q, "+84900000001", T0, &n), 0);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(queue_reply_enqueue(q, "+84900000001", "A", "gsm7", 1, T0, NULL), 0);
	CHECK_EQ_INT(queue_reply_enqueue(q, "+84900000001", "B", "gsm7", 1, T0 + 10, NULL), 0);
	CHECK_EQ_INT(queue_reply_enqueue(q, "+84900000002", "C", "gsm7", 1, T0 + 10, NULL), 0);
	CHECK_EQ_INT(queue_replies_since(q, "+84900000001", T0, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(queue_replies_since(q, "+84900000001", T0 + 1, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(queue_replies_since(q, "", T0, &n), -EINVAL);
	CHECK_EQ_INT(queue_replies_since(q, "+84900000001", T0, NULL), -EINVAL);
	queue_close(q);
}

#define FAIR_CAMPAIGNS 4
#define FAIR_PER 25000 /* 100,000 queued in all */

/* 100,000 queued over four campaigns: turns alternate, operator filters hold. */
static void
test_big_fair(void)
{
	struct queue *q = open_mem();
	static const char *const opnames[] = { "viettel", "mobifone", "vinaphone" };
	char(*nums)[16] = calloc(FAIR_PER, sizeof(*nums));
	const char **rcpt = calloc(FAIR_PER, sizeof(*rcpt));
	const char **ops = calloc(FAIR_PER, sizeof(*ops));
	const char *vina[] = { "vinaphone" };
	struct queue_claim_filter f = { .operators = vina, .n_operators = 1 };
	int64_t ids[FAIR_CAMPAIGNS], counts[_QUEUE_STATE_COUNT];
	struct queue_msg m;
	bool alternates = true, filtered = true;

	CHECK(q && nums && rcpt && ops);
	if (!q || !nums || !rcpt || !ops)
		goto out;
	for (int c = 0; c < FAIR_CAMPAIGNS; c++) {
		for (int i = 0; i < FAIR_PER; i++) {
			snprintf(nums[i], sizeof(nums[i]), "+84%d%08u", c + 1,
				 (unsigned)i * 7919u % 100000000u);
			rcpt[i] = nums[i];
			ops[i] = opnames[i % 3];
		}
		ids[c] = campaign_ops(q, QUEUE_PRIO_BULK, T0 + c, 0, rcpt, ops, FAIR_PER);
	}
	CHECK_EQ_INT(queue_state_counts(q, counts), 0);
	CHECK_EQ_INT(counts[QUEUE_QUEUED], FAIR_CAMPAIGNS * FAIR_PER);
	for (int i = 0; i < 400; i++) {
		int64_t cid = claim_f(q, T0 + 100, NULL, NULL, NULL);

		if (cid != ids[i % FAIR_CAMPAIGNS])
			alternates = false;
	}
	CHECK(alternates);
	for (int i = 0; i < 200; i++) {
		CHECK_EQ_INT(queue_claim_next_filtered(q, T0 + 100, "m2", &f, &m), 1);
		if (strcmp(m.operator, "vinaphone") != 0 ||
		    m.campaign_id != ids[i % FAIR_CAMPAIGNS])
			filtered = false;
		queue_msg_clear(&m);
	}
	CHECK(filtered);
	CHECK_EQ_INT(queue_state_counts(q, counts), 0);
	CHECK_EQ_INT(counts[QUEUE_QUEUED], FAIR_CAMPAIGNS * FAIR_PER - 600);
	CHECK_EQ_INT(counts[QUEUE_SENDING], 600);
out:
	queue_close(q);
	free(nums);
	free(rcpt);
	free(ops);
}

/* A claim resolves at most 256 candidates it may not send; the next claims do the rest. */
static void
test_claim_looks_bounded(void)
{
	struct queue *q = open_mem();
	const char **rcpt = calloc(300, sizeof(*rcpt));
	char (*nums)[16] = calloc(300, sizeof(*nums));
	struct queue_campaign c;
	char buf[QUEUE_NUMBER_MAX];

	CHECK(q && rcpt && nums);
	if (!q || !rcpt || !nums)
		goto out;
	for (int i = 0; i < 300; i++) {
		snprintf(nums[i], sizeof(nums[i]), "+8491%07d", i);
		rcpt[i] = nums[i];
	}
	int64_t id = campaign_ops(q, QUEUE_PRIO_NORMAL, T0, 0, rcpt, NULL, 300);
	for (int i = 0; i < 300; i++) /* all opt out after the campaign was made */
		CHECK_EQ_INT(queue_optout_set(q, nums[i], true, T0), 0);
	CHECK_EQ_INT((int)claim_f(q, T0, NULL, buf, NULL), -1);
	CHECK_EQ_INT(queue_campaign_get_at(q, id, T0, &c), 0);
	CHECK_EQ_INT((int)c.counts[QUEUE_SUPPRESSED], 256);
	queue_campaign_clear(&c);
	CHECK_EQ_INT((int)claim_f(q, T0, NULL, buf, NULL), -1);
	CHECK_EQ_INT(queue_campaign_get_at(q, id, T0, &c), 0);
	CHECK_EQ_INT((int)c.counts[QUEUE_SUPPRESSED], 300);
	CHECK_EQ_STR(c.status, "done");
	queue_campaign_clear(&c);
out:
	queue_close(q);
	free(rcpt);
	free(nums);
}

TEST_MAIN("queue_claim", TEST_CASE(test_operator_filter), TEST_CASE(test_quiet_hours),
	  TEST_CASE(test_daily_cap), TEST_CASE(test_fair_turns), TEST_CASE(test_pause_status),
	  TEST_CASE(test_cancel_then_retry), TEST_CASE(test_campaigns_list),
	  TEST_CASE(test_preview), TEST_CASE(test_replies_since), TEST_CASE(test_big_fair),
	  TEST_CASE(test_claim_looks_bounded))
