/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_citizen_test — the store's citizens' side in schema 3: report categories and the
 * report status transitions, look-ups by id and ticket, filtered report queries, reassembly of
 * concatenated SMS from stored parts, polls (answers, votes, tally), and purging old data in
 * batches. Stores are ":memory:".
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

#define T0 1700000000000LL

QUEUE_TEST_SETUP("queue_citizen_test")


static int64_t
inbound(struct queue *q, const char *sender, int ref, int part, int parts, const char *text,
	int64_t at)
{
	struct queue_inbound in = {
		.modem = "m1", .sender = sender, .smsc_time_ms = at - 5, .concat_ref = ref,
		.part = part, .parts = parts, .text = text, .received_at_ms = at,
	};
	int64_t id = 0;
	int rc = queue_inbound_store(q, &in, &id);

	CHECK(rc == 0 || rc == 1);
	return id;
}

static void
test_report_lifecycle(void)
{
	struct queue *q = open_mem();
	struct queue_report r, before;
	char ticket[QUEUE_TICKET_LEN];
	int64_t in_id, id = 0, id2 = 0;

	CHECK(q);
	if (!q)
		return;
	in_id = inbound(q, "+84901111111", -1, 1, 1, "BAO 2 tin gia", T0);
	CHECK_EQ_INT(queue_report_create2(q, in_id, "+84901111111", "tin gia", "2", "m1", T0,
					  ticket, &id), 0);
	CHECK_EQ_INT(queue_report_get(q, id, &r), 0);
	CHECK_EQ_STR(r.status, "new");
	CHECK_EQ_STR(r.category, "2");
	CHECK_EQ_STR(r.modem, "m1");
	CHECK_EQ_STR(r.text, "tin gia");
	CHECK_EQ_STR(r.ticket, ticket);
	CHECK_EQ_INT(r.inbound_id, in_id);
	CHECK(r.note == NULL);
	CHECK_EQ_INT(r.updated_at_ms, 0);
	queue_report_clear(&r);
	CHECK_EQ_INT(queue_report_get_by_ticket(q, ticket, &r), 0);
	CHECK_EQ_INT(r.id, id);
	queue_report_clear(&r);
	CHECK_EQ_INT(queue_report_get_by_ticket(q, "ZZZZZZ", &r), -ENOENT);
	CHECK_EQ_INT(queue_report_get(q, 999, &r), -ENOENT);

	/* new -> reviewing -> (not new) -> resolved -> reviewing (reopen) */
	CHECK_EQ_INT(queue_report_update(q, id, "reviewing", "xem xet", "an", T0 + 1, &before), 0);
	CHECK_EQ_STR(before.status, "new");
	CHECK(before.note == NULL);
	queue_report_clear(&before);
	CHECK_EQ_INT(queue_report_update(q, id, "new", NULL, "an", T0 + 2, &before), -EINVAL);
	CHECK_EQ_INT(before.id, 0);
	CHECK_EQ_INT(queue_report_update(q, id, "closed", NULL, "an", T0 + 2, NULL), -EINVAL);
	CHECK_EQ_INT(queue_report_update(q, 999, "resolved", NULL, "an", T0 + 2, NULL), -ENOENT);
	CHECK_EQ_INT(queue_report_update(q, id, "resolved", NULL, "binh", T0 + 3, NULL), 0);
	CHECK_EQ_INT(queue_report_get(q, id, &r), 0);
	CHECK_EQ_STR(r.status, "resolved");
	CHECK_EQ_STR(r.note, "xem xet"); /* NULL keeps the note */
	CHECK_EQ_STR(r.updated_by, "binh");
	CHECK_EQ_INT(r.updated_at_ms, T0 + 3);
	queue_report_clear(&r);
	CHECK_EQ_INT(queue_report_update(q, id, "new", NULL, "an", T0 + 4, NULL), -EINVAL);
	CHECK_EQ_INT(queue_report_update(q, id, "reviewing", "mo lai", "an", T0 + 5, &before), 0);
	CHECK_EQ_STR(before.status, "resolved");
	CHECK_EQ_STR(before.note, "xem xet");
	queue_report_clear(&before);
	CHECK_EQ_INT(queue_report_update(q, id, "reviewing", "ghi chu", "an", T0 + 6, NULL), 0);
	CHECK_EQ_INT(queue_report_get(q, id, &r), 0);
	CHECK_EQ_STR(r.note, "ghi chu");
	queue_report_clear(&r);
	/* new -> resolved directly; no category, not from a modem */
	CHECK_EQ_INT(queue_report_create2(q, 0, "+84902222222", "ussd", NULL, NULL, T0 + 7, ticket,
					  &id2), 0);
	CHECK_EQ_INT(queue_report_update(q, id2, "resolved", NULL, NULL, T0 + 8, NULL), 0);
	/* bad arguments */
	CHECK_EQ_INT(queue_report_create2(q, 0, "+84902222222", "x", "", NULL, T0, ticket, NULL),
		     -EINVAL);
	CHECK_EQ_INT(queue_report_create2(q, 0, "", "x", NULL, NULL, T0, ticket, NULL), -EINVAL);
	CHECK_EQ_INT(queue_report_create2(q, 77, "+84902222222", "x", NULL, NULL, T0, ticket, NULL),
		     -ENOENT);
	queue_close(q);
}

struct rep_acc {
	int n;
	int64_t ids[16];
};

static int
rep_cb(const struct queue_report *r, void *arg)
{
	struct rep_acc *a = arg;

	if (a->n < 16)
		a->ids[a->n] = r->id;
	a->n++;
	return 0;
}

static void
test_reports_query(void)
{
	struct queue *q = open_mem();
	char ticket[QUEUE_TICKET_LEN];
	int64_t ids[6];
	struct rep_acc acc;
	struct queue_report_filter f;

	CHECK(q);
	if (!q)
		return;
	for (int i = 0; i < 6; i++)
		CHECK_EQ_INT(queue_report_create2(q, 0, "+84903333333", "r", i % 2 ? "1" : "2",
						  NULL, T0 + i * 1000, ticket, &ids[i]), 0);
	CHECK_EQ_INT(queue_report_update(q, ids[1], "reviewing", NULL, "an", T0 + 9000, NULL), 0);
	CHECK_EQ_INT(queue_report_update(q, ids[3], "reviewing", NULL, "an", T0 + 9000, NULL), 0);

	f = (struct queue_report_filter){ .status = "reviewing", .limit = 10 };
	memset(&acc, 0, sizeof(acc));
	CHECK_EQ_INT(queue_reports_query(q, &f, rep_cb, &acc), 0);
	CHECK_EQ_INT(acc.n, 2);
	CHECK_EQ_INT(acc.ids[0], ids[1]);
	CHECK_EQ_INT(acc.ids[1], ids[3]);

	f = (struct queue_report_filter){ .category = "2", .since_ms = T0 + 1000,
					  .until_ms = T0 + 4000, .limit = 10 };
	memset(&acc, 0, sizeof(acc));
	CHECK_EQ_INT(queue_reports_query(q, &f, rep_cb, &acc), 0);
	CHECK_EQ_INT(acc.n, 1);
	CHECK_EQ_INT(acc.ids[0], ids[2]);

	f = (struct queue_report_filter){ .after_id = ids[2], .limit = 2 };
	memset(&acc, 0, sizeof(acc));
	CHECK_EQ_INT(queue_reports_query(q, &f, rep_cb, &acc), 0);
	CHECK_EQ_INT(acc.n, 2);
	CHECK_EQ_INT(acc.ids[0], ids[3]);
	CHECK_EQ_INT(acc.ids[1], ids[4]);

	f = (struct queue_report_filter){ .status = "open", .limit = 2 };
	CHECK_EQ_INT(queue_reports_query(q, &f, rep_cb, &acc), -EINVAL);
	f = (struct queue_report_filter){ .limit = 0 };
	CHECK_EQ_INT(queue_reports_query(q, &f, rep_cb, &acc), -EINVAL);
	CHECK_EQ_INT(queue_reports_query(q, NULL, rep_cb, &acc), -EINVAL);
	queue_close(q);
}

struct parts_acc {
	int n;
	int part[8];
	char text[8][32];
	int64_t id[8];
};

static int
parts_cb(int part, const char *text, int64_t id, void *arg)
{
	struct parts_acc *a = arg;

	if (a->n < 8) {
		a->part[a->n] = part;
		snprintf(a->text[a->n], sizeof(a->text[0]), "%s", text);
		a->id[a->n] = id;
	}
	a->n++;
	return 0;
}

struct inc_acc {
	int n;
	char sender[4][QUEUE_NUMBER_MAX];
	int ref[4], parts[4];
	int64_t first[4];
	struct queue *q; /* when set, mark each group routed from the callback */
};

static int
inc_cb(const char *sender, int ref, int parts, int64_t first, void *arg)
{
	struct inc_acc *a = arg;

	if (a->n < 4) {
		snprintf(a->sender[a->n], QUEUE_NUMBER_MAX, "%s", sender);
		a->ref[a->n] = ref;
		a->parts[a->n] = parts;
		a->first[a->n] = first;
	}
	a->n++;
	if (a->q)
		CHECK_EQ_INT(queue_inbound_set_action_group(a->q, sender, ref, parts, "timeout", 0) > 0,
			     1);
	return 0;
}

static void
test_reassembly(void)
{
	struct queue *q = open_mem();
	struct parts_acc pa;
	struct inc_acc ia;
	int64_t p1, p3, other;

	CHECK(q);
	if (!q)
		return;
	/* parts 3 and 1 of a 3-part message; part 1 again with another SMSC time */
	p3 = inbound(q, "+84904444444", 17, 3, 3, "ba", T0 + 20);
	p1 = inbound(q, "+84904444444", 17, 1, 3, "mot", T0 + 10);
	inbound(q, "+84904444444", 17, 1, 3, "mot", T0 + 30);
	/* same ref, other sender; and a single SMS */
	other = inbound(q, "+84905555555", 17, 1, 2, "khac", T0 + 5);
	inbound(q, "+84904444444", -1, 1, 1, "don", T0);

	memset(&pa, 0, sizeof(pa));
	CHECK_EQ_INT(queue_inbound_parts(q, "+84904444444", 17, 3, 0, parts_cb, &pa), 2);
	CHECK_EQ_INT(pa.n, 2);
	CHECK_EQ_INT(pa.part[0], 1);
	CHECK_EQ_STR(pa.text[0], "mot");
	CHECK_EQ_INT(pa.id[0], p1);
	CHECK_EQ_INT(pa.part[1], 3);
	CHECK_EQ_INT(pa.id[1], p3);
	/* since filters old parts out */
	memset(&pa, 0, sizeof(pa));
	CHECK_EQ_INT(queue_inbound_parts(q, "+84904444444", 17, 3, T0 + 15, parts_cb, &pa), 2);
	CHECK_EQ_INT(pa.part[0], 1); /* the re-read copy at T0+30 */
	CHECK_EQ_INT(pa.part[1], 3);
	/* a different part count is a different message */
	memset(&pa, 0, sizeof(pa));
	CHECK_EQ_INT(queue_inbound_parts(q, "+84904444444", 17, 2, 0, parts_cb, &pa), 0);

	/* incomplete groups older than T0+8: only the other sender's */
	memset(&ia, 0, sizeof(ia));
	CHECK_EQ_INT(queue_inbound_incomplete(q, T0 + 8, inc_cb, &ia), 1);
	CHECK_EQ_INT(ia.n, 1);
	CHECK_EQ_STR(ia.sender[0], "+84905555555");
	CHECK_EQ_INT(ia.first[0], T0 + 5);
	memset(&ia, 0, sizeof(ia));
	CHECK_EQ_INT(queue_inbound_incomplete(q, T0 + 100, inc_cb, &ia), 2);
	CHECK_EQ_STR(ia.sender[0], "+84905555555"); /* oldest first */
	CHECK_EQ_STR(ia.sender[1], "+84904444444");
	CHECK_EQ_INT(ia.parts[1], 3);
	CHECK_EQ_INT(ia.ref[1], 17);

	/* route the complete-enough message; its parts leave the unrouted set */
	CHECK_EQ_INT(queue_inbound_set_action_group(q, "+84904444444", 17, 3, "report", p1), 3);
	CHECK_EQ_INT(queue_inbound_set_action_group(q, "+84904444444", 17, 3, "report", p1), 0);
	memset(&pa, 0, sizeof(pa));
	CHECK_EQ_INT(queue_inbound_parts(q, "+84904444444", 17, 3, 0, parts_cb, &pa), 0);
	/* the callback may mark groups routed */
	memset(&ia, 0, sizeof(ia));
	ia.q = q;
	CHECK_EQ_INT(queue_inbound_incomplete(q, T0 + 100, inc_cb, &ia), 1);
	memset(&ia, 0, sizeof(ia));
	CHECK_EQ_INT(queue_inbound_incomplete(q, T0 + 100, inc_cb, &ia), 0);
	(void)other;
	/* bad arguments */
	CHECK_EQ_INT(queue_inbound_parts(q, "+84904444444", -1, 3, 0, parts_cb, &pa), -EINVAL);
	CHECK_EQ_INT(queue_inbound_parts(q, "+84904444444", 1, 0, 0, parts_cb, &pa), -EINVAL);
	CHECK_EQ_INT(queue_inbound_parts(q, "+84904444444", 1, 2, 0, NULL, NULL), -EINVAL);
	CHECK_EQ_INT(queue_inbound_set_action_group(q, "+84904444444", 17, 3, "", 0), -EINVAL);
	CHECK_EQ_INT(queue_inbound_incomplete(q, T0, NULL, NULL), -EINVAL);
	queue_close(q);
}

struct tally_acc {
	int n;
	char answer[4][QUEUE_ANSWER_MAX];
	int64_t count[4];
};

static int
tally_cb(const char *answer, int64_t count, void *arg)
{
	struct tally_acc *a = arg;

	if (a->n < 4) {
		snprintf(a->answer[a->n], QUEUE_ANSWER_MAX, "%s", answer);
		a->count[a->n] = count;
	}
	a->n++;
	return 0;
}

/* Claim every queued message and mark it sent. */
static void
send_all(struct queue *q, int64_t now)
{
	struct queue_msg m;

	while (queue_claim_next(q, now, "m1", &m) == 1) {
		CHECK_EQ_INT(queue_mark_sent(q, m.id, "1", now), 0);
		queue_msg_clear(&m);
	}
}

static void
test_polls(void)
{
	struct queue *q = open_mem();
	const char *r[] = { "+84906000001", "+84906000002", "+84906000003" };
	const char *ans[] = { "CO", "KHONG", "1" };
	struct queue_campaign_spec spec = {
		.text = "Ban co dong y? CO / KHONG", .encoding = "gsm7", .segments = 1,
		.priority = QUEUE_PRIO_NORMAL, .recipients = r, .n_recipients = 2,
		.poll_answers = ans, .n_poll_answers = 2, .poll_closes_at_ms = T0 + 10000,
	};
	char answers[QUEUE_POLL_ANSWERS_MAX][QUEUE_ANSWER_MAX];
	struct tally_acc ta;
	struct queue_campaign c;
	int64_t p1 = 0, p2 = 0, plain = 0, cid = 0;
	size_t n = 0;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, &p1), 0);
	CHECK_EQ_INT(queue_campaign_get_at(q, p1, T0, &c), 0);
	CHECK_EQ_INT(c.n_poll_answers, 2);
	CHECK_EQ_INT(c.poll_closes_at_ms, T0 + 10000);
	queue_campaign_clear(&c);
	/* not sent yet: no poll for the number */
	CHECK_EQ_INT(queue_poll_for(q, r[0], T0, &cid, answers, &n), 0);
	send_all(q, T0 + 1);
	CHECK_EQ_INT(queue_poll_for(q, r[0], T0 + 2, &cid, answers, &n), 1);
	CHECK_EQ_INT(cid, p1);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_STR(answers[0], "CO");
	CHECK_EQ_STR(answers[1], "KHONG");
	CHECK_EQ_INT(queue_poll_for(q, r[2], T0 + 2, &cid, answers, &n), 0); /* not a recipient */
	/* a newer poll to the same number wins; a campaign without a poll never does */
	spec.poll_answers = ans + 2;
	spec.n_poll_answers = 1;
	spec.n_recipients = 1;
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0 + 3, &p2), 0);
	spec.n_poll_answers = 0;
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0 + 3, &plain), 0);
	send_all(q, T0 + 4);
	CHECK_EQ_INT(queue_poll_for(q, r[0], T0 + 5, &cid, answers, &n), 1);
	CHECK_EQ_INT(cid, p2);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(queue_poll_for(q, r[1], T0 + 5, &cid, answers, &n), 1);
	CHECK_EQ_INT(cid, p1);
	/* closed polls are not offered */
	CHECK_EQ_INT(queue_poll_for(q, r[1], T0 + 10000, &cid, answers, &n), 0);

	CHECK_EQ_INT(queue_poll_vote(q, p1, r[0], "CO", T0 + 6), 0);
	CHECK_EQ_INT(queue_poll_vote(q, p1, r[1], "CO", T0 + 6), 0);
	CHECK_EQ_INT(queue_poll_vote(q, p1, r[1], "KHONG", T0 + 7), 1); /* replaced */
	CHECK_EQ_INT(queue_poll_vote(q, p1, r[0], "MAYBE", T0 + 7), -EINVAL);
	CHECK_EQ_INT(queue_poll_vote(q, p1, r[0], "CO", T0 + 10000), -ESTALE);
	CHECK_EQ_INT(queue_poll_vote(q, plain, r[0], "CO", T0 + 7), -ENOENT);
	CHECK_EQ_INT(queue_poll_vote(q, 999, r[0], "CO", T0 + 7), -ENOENT);
	memset(&ta, 0, sizeof(ta));
	CHECK_EQ_INT(queue_poll_tally(q, p1, tally_cb, &ta), 0);
	CHECK_EQ_INT(ta.n, 2);
	CHECK_EQ_STR(ta.answer[0], "CO");
	CHECK_EQ_INT(ta.count[0], 1);
	CHECK_EQ_STR(ta.answer[1], "KHONG");
	CHECK_EQ_INT(ta.count[1], 1);
	memset(&ta, 0, sizeof(ta));
	CHECK_EQ_INT(queue_poll_tally(q, p2, tally_cb, &ta), 0);
	CHECK_EQ_INT(ta.n, 1);
	CHECK_EQ_INT(ta.count[0], 0); /* answers with no vote are listed */
	CHECK_EQ_INT(queue_poll_tally(q, plain, tally_cb, &ta), -ENOENT);
	/* invalid poll specs */
	spec.n_poll_answers = 2;
	spec.poll_answers = ans;
	spec.poll_closes_at_ms = 0;
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, NULL), -EINVAL);
	{
		const char *dup[] = { "CO", "CO" };

		spec.poll_answers = dup;
		spec.poll_closes_at_ms = T0 + 1;
		CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, NULL), -EINVAL);
	}
	queue_close(q);
}

static void
test_purge(void)
{
	struct queue *q = open_mem();
	const char *r[] = { "+84907000001" };
	const char *ans[] = { "1", "2" };
	struct queue_campaign_spec spec = {
		.text = "Chon 1 hoac 2", .encoding = "gsm7", .segments = 1,
		.priority = QUEUE_PRIO_NORMAL, .recipients = r, .n_recipients = 1,
		.poll_answers = ans, .n_poll_answers = 2, .poll_closes_at_ms = T0 + 100000000,
	};
	struct queue_purge_counts pc;
	struct queue_report rep;
	char ticket[QUEUE_TICKET_LEN], num[QUEUE_NUMBER_MAX];
	int64_t n = 0, old_in, new_rep = 0, old_rep = 0, cid = 0;

	CHECK(q);
	if (!q)
		return;
	/* 2,500 old inbound (more than two batches), 10 new ones */
	for (int i = 0; i < 2500; i++) {
		snprintf(num, sizeof(num), "+849080%05d", i);
		inbound(q, num, -1, 1, 1, "cu", T0 + i);
	}
	for (int i = 0; i < 10; i++) {
		snprintf(num, sizeof(num), "+849081%05d", i);
		inbound(q, num, -1, 1, 1, "moi", T0 + 50000 + i);
	}
	/* an old inbound kept because a new report refers to it; an old report */
	old_in = inbound(q, "+84909999999", -1, 1, 1, "BAO", T0 + 10);
	CHECK_EQ_INT(queue_report_create2(q, old_in, "+84909999999", "BAO", NULL, "m1", T0 + 60000,
					  ticket, &new_rep), 0);
	CHECK_EQ_INT(queue_report_create2(q, 0, "+84909999998", "cu", NULL, NULL, T0 + 20, ticket,
					  &old_rep), 0);
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, &cid), 0);
	CHECK_EQ_INT(queue_poll_vote(q, cid, r[0], "1", T0 + 30), 0);
	CHECK_EQ_INT(queue_poll_vote(q, cid, "+84907000002", "2", T0 + 70000), 0);
	CHECK_EQ_INT(queue_optout_set(q, "+84907000003", true, T0), 0);

	CHECK_EQ_INT(queue_purge(q, T0 + 40000, &pc), 0);
	CHECK_EQ_INT(pc.inbound, 2500);
	CHECK_EQ_INT(pc.reports, 1);
	CHECK_EQ_INT(pc.votes, 1);
	CHECK_EQ_INT(queue_inbound_count(q, &n), 0);
	CHECK_EQ_INT(n, 11);
	CHECK_EQ_INT(queue_report_get(q, old_rep, &rep), -ENOENT);
	CHECK_EQ_INT(queue_report_get(q, new_rep, &rep), 0);
	queue_report_clear(&rep);
	CHECK_EQ_INT(queue_is_opted_out(q, "+84907000003"), 1);
	/* again: nothing left to purge */
	CHECK_EQ_INT(queue_purge(q, T0 + 40000, &pc), 0);
	CHECK_EQ_INT(pc.inbound + pc.reports + pc.votes, 0);
	/* inside a caller's transaction the batches join it */
	CHECK_EQ_INT(queue_begin(q), 0);
	CHECK_EQ_INT(queue_purge(q, T0 + 65000, &pc), 0);
	CHECK_EQ_INT(pc.reports, 1);
	CHECK_EQ_INT(pc.inbound, 11);
	queue_rollback(q);
	CHECK_EQ_INT(queue_inbound_count(q, &n), 0);
	CHECK_EQ_INT(n, 11);
	CHECK_EQ_INT(queue_purge(q, 0, &pc), -EINVAL);
	queue_close(q);
}

TEST_MAIN("queue_citizen", TEST_CASE(test_report_lifecycle), TEST_CASE(test_reports_query),
	  TEST_CASE(test_reassembly), TEST_CASE(test_polls), TEST_CASE(test_purge))
