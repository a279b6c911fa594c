/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_admin_test — the operator surface of the store: the audit log (filters, paging, and
 * credentials never stored), the /metrics counts kept by triggers (checked against the
 * counted truth after every kind of change) and their cost with 1,000,000 messages (printed,
 * not asserted), and the opt-out list. Stores are ":memory:".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "queue/queue.h"
#include "tests/lib/queue_fixture.h"
#include "tests/lib/test.h"

#define T0 1700000000000LL

QUEUE_TEST_SETUP("queue_admin_test")


struct audit_acc {
	int n;
	int64_t ids[8];
	char who[8][32], detail[8][128], object[8][64];
	int result[8];
	char last_detail[128];
};

static int
audit_cb(const struct queue_audit_entry *e, void *arg)
{
	struct audit_acc *a = arg;

	if (a->n < 8) {
		a->ids[a->n] = e->id;
		snprintf(a->who[a->n], sizeof(a->who[0]), "%s", e->who);
		snprintf(a->detail[a->n], sizeof(a->detail[0]), "%s", e->detail);
		snprintf(a->object[a->n], sizeof(a->object[0]), "%s", e->object);
		a->result[a->n] = e->result_code;
	}
	snprintf(a->last_detail, sizeof(a->last_detail), "%s", e->detail);
	a->n++;
	return 0;
}

/* Store detail through the audit log and read back what was stored. */
static const char *
scrubbed(struct queue *q, const char *detail, char out[128])
{
	struct audit_acc a = { 0 };
	struct queue_audit_filter f = { .action = "scrub.test", .limit = 100 };

	CHECK_EQ_INT(queue_audit(q, "tester", "scrub.test", NULL, 0, detail, T0), 0);
	CHECK_EQ_INT(queue_audit_list(q, &f, audit_cb, &a), 0);
	snprintf(out, 128, "%s", a.last_detail);
	return out;
}

static void
test_audit(void)
{
	struct queue *q = open_mem();
	struct queue_audit_filter f;
	struct audit_acc a;
	char buf[128];

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_audit(q, "an", "campaign.create", "campaign/1", 0, "3 recipients", T0),
		     0);
	CHECK_EQ_INT(queue_audit(q, "binh", "campaign.cancel", "campaign/1", 0, NULL, T0 + 10), 0);
	CHECK_EQ_INT(queue_audit(q, "an", "report.update", "report/7", -22, "bad status",
				 T0 + 20), 0);
	CHECK_EQ_INT(queue_audit(q, "", "x", NULL, 0, NULL, T0), -EINVAL);
	CHECK_EQ_INT(queue_audit(q, "an", NULL, NULL, 0, NULL, T0), -EINVAL);

	f = (struct queue_audit_filter){ .who = "an", .limit = 10 };
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_audit_list(q, &f, audit_cb, &a), 0);
	CHECK_EQ_INT(a.n, 2);
	CHECK_EQ_STR(a.object[1], "report/7");
	CHECK_EQ_INT(a.result[1], -22);
	f = (struct queue_audit_filter){ .action = "campaign.cancel", .limit = 10 };
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_audit_list(q, &f, audit_cb, &a), 0);
	CHECK_EQ_INT(a.n, 1);
	CHECK_EQ_STR(a.who[0], "binh");
	CHECK_EQ_STR(a.detail[0], "");
	f = (struct queue_audit_filter){ .since_ms = T0 + 10, .limit = 1 };
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_audit_list(q, &f, audit_cb, &a), 0);
	CHECK_EQ_INT(a.n, 1);
	CHECK_EQ_STR(a.who[0], "binh");
	f.after_id = a.ids[0];
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_audit_list(q, &f, audit_cb, &a), 0);
	CHECK_EQ_INT(a.n, 1);
	CHECK_EQ_STR(a.object[0], "report/7");
	f.limit = 0;
	CHECK_EQ_INT(queue_audit_list(q, &f, audit_cb, &a), -EINVAL);

	/* credentials never reach the table */
	CHECK_EQ_STR(scrubbed(q, "token=abc123 ok", buf), "token=*** ok");
	CHECK_EQ_STR(scrubbed(q, "Authorization: Bearer eyJhbGci.x.y", buf),
		     "Authorization: Bearer ***");
	CHECK_EQ_STR(scrubbed(q, "login with Bearer s3cr3t done", buf), "login with Bearer *** done");
	CHECK_EQ_STR(scrubbed(q, "{\"password\": \"hunter2\", \"n\": 3}", buf),
		     "{\"password\": \"***\", \"n\": 3}");
	CHECK_EQ_STR(scrubbed(q, "a=1&api_key=K&b=2", buf), "a=1&api_key=***&b=2");
	CHECK_EQ_STR(scrubbed(q, "x_token=zzz,secret:yyy", buf), "x_token=***,secret:***");
	CHECK_EQ_STR(scrubbed(q, "tokens issued: 3", buf), "tokens issued: 3");
	CHECK_EQ_STR(scrubbed(q, "no secrets here", buf), "no secrets here");
	CHECK_EQ_STR(scrubbed(q, "TOKEN=", buf), "TOKEN=");
	/* the who and object fields are scrubbed too */
	CHECK_EQ_INT(queue_audit(q, "token=abc", "who.test", "url?token=def", 0, NULL, T0), 0);
	f = (struct queue_audit_filter){ .action = "who.test", .limit = 10 };
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_audit_list(q, &f, audit_cb, &a), 0);
	CHECK_EQ_STR(a.who[0], "token=***");
	CHECK_EQ_STR(a.object[0], "url?token=***");
	queue_close(q);
}

/* The trigger-kept counts against queue_msg_foreach() over every message. */
static int
count_cb(const struct queue_msg_info *m, void *arg)
{
	((int64_t *)arg)[m->state]++;
	return 0;
}

static void
check_metrics(struct queue *q, const int64_t *campaigns, size_t n_campaigns)
{
	int64_t truth[_QUEUE_STATE_COUNT] = { 0 }, counts[_QUEUE_STATE_COUNT];
	struct queue_metrics m;

	CHECK_EQ_INT(queue_msg_foreach(q, 0, count_cb, truth), 0);
	for (size_t i = 0; i < n_campaigns; i++)
		CHECK_EQ_INT(queue_msg_foreach(q, campaigns[i], count_cb, truth), 0);
	CHECK_EQ_INT(queue_metrics(q, &m), 0);
	CHECK_EQ_INT(queue_state_counts(q, counts), 0);
	for (int s = 0; s < _QUEUE_STATE_COUNT; s++) {
		CHECK_EQ_INT(m.messages[s], truth[s]);
		CHECK_EQ_INT(counts[s], truth[s]);
	}
}

static void
test_metrics(void)
{
	struct queue *q = open_mem();
	const char *r[] = { "+84912000001", "+84912000002", "+84912000003" };
	struct queue_campaign_spec spec = { .text = "t", .encoding = "gsm7", .segments = 1,
					    .priority = QUEUE_PRIO_NORMAL, .recipients = r,
					    .n_recipients = 3 };
	struct queue_inbound in = { .modem = "m1", .sender = "+84912000009", .concat_ref = -1,
				    .part = 1, .parts = 1, .received_at_ms = T0 };
	struct queue_metrics m;
	struct queue_msg msg;
	char ticket[QUEUE_TICKET_LEN];
	int64_t camps[2], in1 = 0, rep = 0;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_metrics(q, &m), 0);
	CHECK_EQ_INT(m.n_inbound, 0);
	CHECK_EQ_INT(queue_optout_set(q, r[2], true, T0), 0);
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, &camps[0]), 0);
	spec.priority = QUEUE_PRIO_BULK;
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, &camps[1]), 0);
	CHECK_EQ_INT(queue_reply_enqueue(q, r[0], "OK", "gsm7", 1, T0, NULL), 0);
	check_metrics(q, camps, 2);
	CHECK_EQ_INT(queue_metrics(q, &m), 0);
	CHECK_EQ_INT(m.queued_by_priority[QUEUE_PRIO_REPLY], 1);
	CHECK_EQ_INT(m.queued_by_priority[QUEUE_PRIO_NORMAL], 2);
	CHECK_EQ_INT(m.queued_by_priority[QUEUE_PRIO_BULK], 2);
	CHECK_EQ_INT(m.messages[QUEUE_SUPPRESSED], 2);
	CHECK_EQ_INT(m.optouts, 1);
	/* every kind of transition keeps the counts */
	CHECK_EQ_INT(queue_claim_next(q, T0, "m1", &msg), 1);
	CHECK_EQ_INT(queue_mark_sent(q, msg.id, "1", T0), 0);
	CHECK_EQ_INT(queue_mark_delivered(q, msg.id, T0), 0);
	queue_msg_clear(&msg);
	CHECK_EQ_INT(queue_claim_next(q, T0, "m1", &msg), 1);
	CHECK_EQ_INT(queue_mark_retry(q, msg.id, "busy", T0 + 5, T0), 0);
	queue_msg_clear(&msg);
	CHECK_EQ_INT(queue_claim_next(q, T0, "m1", &msg), 1);
	CHECK_EQ_INT(queue_mark_failed(q, msg.id, "x", T0), 0);
	queue_msg_clear(&msg);
	CHECK_EQ_INT(queue_claim_next(q, T0, "m1", &msg), 1);
	queue_msg_clear(&msg);
	check_metrics(q, camps, 2);
	CHECK_EQ_INT(queue_recover(q, true, T0 + 1), 1);
	CHECK_EQ_INT(queue_campaign_cancel(q, camps[1], T0 + 2), 2);
	check_metrics(q, camps, 2);
	CHECK_EQ_INT(queue_metrics(q, &m), 0);
	CHECK_EQ_INT(m.queued_by_priority[QUEUE_PRIO_BULK], 0);

	/* inbound by action ("" = not routed yet), reports by status, opt-outs */
	in.text = "BAO tin gia";
	in.smsc_time_ms = T0;
	CHECK_EQ_INT(queue_inbound_store(q, &in, &in1), 0);
	in.text = "HELP";
	CHECK_EQ_INT(queue_inbound_store(q, &in, NULL), 0);
	in.text = "HELP";
	in.smsc_time_ms = T0 + 1;
	CHECK_EQ_INT(queue_inbound_store(q, &in, NULL), 0);
	CHECK_EQ_INT(queue_inbound_store(q, &in, NULL), 1); /* the same SMS again: not counted */
	CHECK_EQ_INT(queue_inbound_set_action(q, in1, "report"), 0);
	CHECK_EQ_INT(queue_report_create(q, in1, in.sender, "tin gia", T0, ticket, &rep), 0);
	CHECK_EQ_INT(queue_report_create(q, 0, in.sender, "khac", T0, ticket, NULL), 0);
	CHECK_EQ_INT(queue_report_update(q, rep, "resolved", NULL, "an", T0, NULL), 0);
	CHECK_EQ_INT(queue_optout_set(q, r[1], true, T0), 0);
	CHECK_EQ_INT(queue_optout_set(q, r[2], false, T0), 0);
	CHECK_EQ_INT(queue_optout_set(q, r[2], false, T0), 0); /* not there: no change */
	CHECK_EQ_INT(queue_metrics(q, &m), 0);
	CHECK_EQ_INT(m.n_inbound, 2);
	CHECK_EQ_STR(m.inbound[0].action, ""); /* two unrouted first (most first) */
	CHECK_EQ_INT(m.inbound[0].n, 2);
	CHECK_EQ_STR(m.inbound[1].action, "report");
	CHECK_EQ_INT(m.inbound[1].n, 1);
	CHECK_EQ_INT(m.reports_new, 1);
	CHECK_EQ_INT(m.reports_resolved, 1);
	CHECK_EQ_INT(m.reports_reviewing, 0);
	CHECK_EQ_INT(m.optouts, 1);
	{
		struct queue_purge_counts pc;

		CHECK_EQ_INT(queue_purge(q, T0 + 1000, &pc), 0);
		CHECK_EQ_INT(queue_metrics(q, &m), 0);
		CHECK_EQ_INT(m.n_inbound, 0);
		CHECK_EQ_INT(m.reports_new + m.reports_resolved, 0);
	}
	CHECK_EQ_INT(queue_metrics(q, NULL), -EINVAL);
	queue_close(q);
}

struct optout_acc {
	int n;
	char num[4][QUEUE_NUMBER_MAX];
	int64_t at[4];
};

static int
optout_cb(const char *number, int64_t at, void *arg)
{
	struct optout_acc *a = arg;

	if (a->n < 4) {
		snprintf(a->num[a->n], QUEUE_NUMBER_MAX, "%s", number);
		a->at[a->n] = at;
	}
	a->n++;
	return 0;
}

static void
test_optouts_list(void)
{
	struct queue *q = open_mem();
	struct optout_acc a;
	int64_t n = -1;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_optouts_count(q, &n), 0);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(queue_optout_set(q, "+84913000003", true, T0 + 3), 0);
	CHECK_EQ_INT(queue_optout_set(q, "+84913000001", true, T0 + 1), 0);
	CHECK_EQ_INT(queue_optout_set(q, "+84913000002", true, T0 + 2), 0);
	CHECK_EQ_INT(queue_optout_set(q, "+84913000002", true, T0 + 9), 0); /* idempotent */
	CHECK_EQ_INT(queue_optouts_count(q, &n), 0);
	CHECK_EQ_INT(n, 3);
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_optouts_list(q, NULL, 2, optout_cb, &a), 0);
	CHECK_EQ_INT(a.n, 2);
	CHECK_EQ_STR(a.num[0], "+84913000001");
	CHECK_EQ_INT(a.at[0], T0 + 1);
	CHECK_EQ_STR(a.num[1], "+84913000002");
	CHECK_EQ_INT(a.at[1], T0 + 2);
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_optouts_list(q, "+84913000002", 10, optout_cb, &a), 0);
	CHECK_EQ_INT(a.n, 1);
	CHECK_EQ_STR(a.num[0], "+84913000003");
	CHECK_EQ_INT(queue_optout_set(q, "+84913000001", false, T0), 0);
	CHECK_EQ_INT(queue_optouts_count(q, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(queue_optouts_list(q, NULL, 0, optout_cb, &a), -EINVAL);
	CHECK_EQ_INT(queue_optouts_count(q, NULL), -EINVAL);
	queue_close(q);
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

#define MILLION 1000000

/* The cost of the /metrics counts with a million messages: printed, never asserted. */
static void
test_metrics_million(void)
{
	struct queue *q = open_mem();
	char(*nums)[16] = calloc(MILLION, sizeof(*nums));
	const char **rcpt = calloc(MILLION, sizeof(*rcpt));
	struct queue_campaign_spec spec = { .text = "Mot trieu", .encoding = "gsm7", .segments = 1,
					    .priority = QUEUE_PRIO_BULK, .recipients = rcpt,
					    .n_recipients = MILLION };
	struct queue_metrics m;
	struct timespec t0;
	int64_t counts[_QUEUE_STATE_COUNT];
	double create_ms, metrics_ms, counts_ms;

	CHECK(q && nums && rcpt);
	if (!q || !nums || !rcpt)
		goto out;
	for (int i = 0; i < MILLION; i++) {
		snprintf(nums[i], sizeof(nums[i]), "+849%d%07d", i % 9 + 1,
			 (int)((int64_t)i * 7919 % 10000000));
		rcpt[i] = nums[i];
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, NULL), 0);
	create_ms = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ_INT(queue_metrics(q, &m), 0);
	metrics_ms = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ_INT(queue_state_counts(q, counts), 0);
	counts_ms = ms_since(&t0);
	CHECK_EQ_INT(m.messages[QUEUE_QUEUED], MILLION);
	CHECK_EQ_INT(counts[QUEUE_QUEUED], MILLION);
	CHECK_EQ_INT(m.queued_by_priority[QUEUE_PRIO_BULK], MILLION);
	fprintf(stderr, "  1,000,000 messages: create %.0f ms, queue_metrics %.3f ms,"
			" queue_state_counts %.3f ms\n",
		create_ms, metrics_ms, counts_ms);
out:
	queue_close(q);
	free(nums);
	free(rcpt);
}

TEST_MAIN("queue_admin", TEST_CASE(test_audit), TEST_CASE(test_metrics),
	  TEST_CASE(test_optouts_list), TEST_CASE(test_metrics_million))
