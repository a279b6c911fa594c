/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_rset_test — a campaign's recipients gathered in a set and stored in chunks (schema 4):
 * de-duplication and order, chunks per operator turned into messages by claims, counts that
 * include what is still in chunks, cancel / end_by / pause with chunks left, the next due
 * time, a rolled-back claim that gives its chunk back, recipients added twice, templates.
 * Chunks are made tiny (queue_set_chunk()) so every path runs on a handful of numbers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"
#include "queue/queue_int.h" /* the rcpt_chunks table, to check what is stored */
#include "tests/lib/queue_fixture.h"
#include "tests/lib/test.h"

#define T0 1700000000000LL

QUEUE_TEST_SETUP("queue_rset_test")

static int64_t
sql_int(struct queue *q, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int64_t
create(struct queue *q, const char *const *rcpt, const char *const *ops, size_t n,
       int64_t end_by, struct queue_rset *s)
{
	return fixture_campaign(q,
				(struct queue_campaign_spec){
					.priority = QUEUE_PRIO_NORMAL, .end_by_ms = end_by,
					.recipients = rcpt, .operators = ops, .n_recipients = n,
					.rset = s },
				T0);
}

/* Claim once with an operator filter (NULL: any); recipient into buf; 1, 0 or -errno. */
static int
claim(struct queue *q, int64_t now, const char *op, char *buf)
{
	const char *ops[1] = { op };
	struct queue_claim_filter f = { .operators = ops, .n_operators = op ? 1 : 0 };
	struct queue_msg m;
	int rc = queue_claim_next_filtered(q, now, "m1", &f, &m);

	buf[0] = '\0';
	if (rc == 1) {
		snprintf(buf, QUEUE_NUMBER_MAX, "%s", m.recipient);
		queue_msg_clear(&m);
	}
	return rc;
}

static void
counts_of(struct queue *q, int64_t id, struct queue_campaign *c)
{
	CHECK_EQ_INT(queue_campaign_get_at(q, id, T0, c), 0);
}

static const char *
num_of(const struct queue_rset *s, size_t i)
{
	static char buf[QUEUE_RCPT_STR];

	queue_rcpt_unpack(s->v[i].key, buf);
	return buf;
}

/* Packed keys order numbers as their strings do, and unpack to the same string. */
static void
test_pack(void)
{
	static const char *const sorted[] = { "+1", "+10", "+100", "+109", "+11", "+849",
					      "+84912", "+849123456789012", "+85", "+9" };
	uint64_t prev = 0, key;
	char buf[QUEUE_RCPT_STR];

	for (size_t i = 0; i < sizeof(sorted) / sizeof(sorted[0]); i++) {
		CHECK(queue_rcpt_pack(sorted[i], strlen(sorted[i]), &key));
		CHECK(i == 0 || key > prev);
		CHECK_EQ_INT((int)queue_rcpt_unpack(key, buf), (int)strlen(sorted[i]));
		CHECK_EQ_STR(buf, sorted[i]);
		prev = key;
	}
	CHECK(!queue_rcpt_pack("+", 1, &key));
	CHECK(!queue_rcpt_pack("", 0, &key));
	CHECK(!queue_rcpt_pack("+1a", 3, &key));
}

/* The set itself: bad numbers, duplicates (first wins), order given kept after finishing. */
static void
test_set(void)
{
	struct queue_rset *s = queue_rset_new();

	CHECK(s);
	if (!s)
		return;
	CHECK_EQ_INT(queue_rset_add(s, "+84912000003", "vinaphone"), 0);
	CHECK_EQ_INT(queue_rset_add(s, "+84912000001", NULL), 0);
	CHECK_EQ_INT(queue_rset_add(s, "+84912000003", "viettel"), 0); /* duplicate */
	CHECK_EQ_INT(queue_rset_add(s, "+84912000002", "viettel"), 0);
	CHECK_EQ_INT(queue_rset_add(s, "", NULL), -EINVAL);
	CHECK_EQ_INT(queue_rset_add(s, "+1234567890123456", NULL), -EINVAL); /* 16 digits */
	CHECK_EQ_INT(queue_rset_add(s, "84912000005", NULL), -EINVAL);       /* no '+' */
	CHECK_EQ_INT(queue_rset_add(s, "+8491200000x", NULL), -EINVAL);
	CHECK_EQ_INT(queue_rset_add(s, "+84912000004", ""), -EINVAL);        /* empty operator */
	CHECK_EQ_INT((int)queue_rset_given(s), 4);
	CHECK_EQ_INT((int)queue_rset_finish(s), 3);
	CHECK_EQ_STR(num_of(s, 0), "+84912000001"); /* by number */
	CHECK_EQ_STR(queue_rset_op(s, s->v[2].op), "vinaphone");    /* the first one added */
	queue_rset_order_given(s);
	CHECK_EQ_STR(num_of(s, 0), "+84912000003");
	CHECK_EQ_STR(num_of(s, 1), "+84912000001");
	CHECK_EQ_STR(num_of(s, 2), "+84912000002");
	CHECK_EQ_INT((int)queue_rset_finish(s), 3); /* finishing again changes nothing */
	queue_rset_free(s);
}

/*
 * Two operators, chunks of 2: the first chunk of each is stored as messages, the rest waits
 * in chunks; an opted-out number is suppressed at once; each modem's claims expand only its
 * operator's chunks, in the order given, and every recipient goes out exactly once.
 */
static void
test_chunks_by_operator(void)
{
	struct queue *q = open_mem();
	const char *rcpt[] = { "+84961000001", "+84911000001", "+84961000002", "+84961000003",
			       "+84911000002", "+84961000004", "+84961000005", "+84911000003",
			       "+84961000001" /* again */, "+84911000004" };
	const char *ops[] = { "viettel", "vinaphone", "viettel", "viettel", "vinaphone",
			      "viettel", "viettel", "vinaphone", "viettel", "vinaphone" };
	const char *vt_order[] = { "+84961000001", "+84961000002", "+84961000003",
				   "+84961000005" };
	struct queue_campaign c;
	char buf[QUEUE_NUMBER_MAX];
	int64_t id;
	bool in_order = true;
	int n;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_set_chunk(q, 2), 0);
	CHECK_EQ_INT(queue_set_chunk(q, 0), -EINVAL);
	CHECK_EQ_INT(queue_optout_set(q, "+84961000004", true, T0), 0);
	id = create(q, rcpt, ops, 10, 0, NULL);
	/* viettel: 001 002 as messages, 003 005 in a chunk (004 suppressed); vinaphone: 001 002
	 * as messages, 003 004 in a chunk */
	CHECK_EQ_INT(sql_int(q, "SELECT count(*) FROM messages WHERE state = 'queued'"), 4);
	CHECK_EQ_INT(sql_int(q, "SELECT count(*) FROM messages WHERE state = 'suppressed'"), 1);
	CHECK_EQ_INT(sql_int(q, "SELECT count(*) FROM rcpt_chunks"), 2);
	CHECK_EQ_INT(sql_int(q, "SELECT sum(n) FROM rcpt_chunks"), 4);
	counts_of(q, id, &c);
	CHECK_EQ_INT(c.total, 9);
	CHECK_EQ_INT(c.counts[QUEUE_QUEUED], 8);
	CHECK_EQ_INT(c.counts[QUEUE_SUPPRESSED], 1);
	CHECK_EQ_STR(c.status, "active");
	queue_campaign_clear(&c);

	for (n = 0; claim(q, T0, "viettel", buf) == 1; n++)
		if (n >= 4 || strcmp(buf, vt_order[n]) != 0)
			in_order = false;
	CHECK_EQ_INT(n, 4);
	CHECK(in_order);
	/* the vinaphone chunk is untouched */
	CHECK_EQ_INT(sql_int(q, "SELECT count(*) FROM rcpt_chunks WHERE operator = 'vinaphone'"),
		     1);
	CHECK_EQ_INT(sql_int(q, "SELECT count(*) FROM rcpt_chunks WHERE operator = 'viettel'"), 0);
	for (n = 0; claim(q, T0, "vinaphone", buf) == 1; n++)
		CHECK(strncmp(buf, "+849110", 7) == 0);
	CHECK_EQ_INT(n, 4);
	CHECK_EQ_INT(sql_int(q, "SELECT count(*) FROM rcpt_chunks"), 0);
	CHECK_EQ_INT(sql_int(q, "SELECT count(DISTINCT recipient) FROM messages"
				" WHERE state = 'sending'"),
		     8);
	counts_of(q, id, &c);
	CHECK_EQ_INT(c.counts[QUEUE_QUEUED], 0);
	CHECK_EQ_INT(c.counts[QUEUE_SENDING], 8);
	CHECK_EQ_INT(c.total, 9);
	queue_campaign_clear(&c);
	queue_close(q);
}

/* Cancel and end_by count what is still in chunks; a paused campaign expands nothing. */
static void
test_cancel_expire_pause(void)
{
	struct queue *q = open_mem();
	const char *rcpt[] = { "+84961000001", "+84961000002", "+84961000003", "+84961000004",
			       "+84961000005", "+84961000006", "+84961000007" };
	struct queue_campaign c;
	char buf[QUEUE_NUMBER_MAX];
	int64_t a, b;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_set_chunk(q, 2), 0);
	a = create(q, rcpt, NULL, 7, 0, NULL);
	CHECK_EQ_INT(sql_int(q, "SELECT sum(n) FROM rcpt_chunks"), 5);
	CHECK_EQ_INT(queue_campaign_pause(q, a, true, T0), 0);
	CHECK_EQ_INT(claim(q, T0, NULL, buf), 0);
	CHECK_EQ_INT(sql_int(q, "SELECT sum(n) FROM rcpt_chunks"), 5);
	CHECK_EQ_INT(queue_campaign_pause(q, a, false, T0), 0);
	CHECK_EQ_INT(claim(q, T0, NULL, buf), 1);
	CHECK_EQ_INT(queue_campaign_cancel(q, a, T0), 6); /* 1 message + 5 in chunks */
	CHECK_EQ_INT(sql_int(q, "SELECT count(*) FROM rcpt_chunks"), 0);
	counts_of(q, a, &c);
	CHECK_EQ_INT(c.counts[QUEUE_CANCELLED], 6);
	CHECK_EQ_INT(c.counts[QUEUE_QUEUED], 0);
	CHECK_EQ_INT(c.total, 7);
	queue_campaign_clear(&c);
	CHECK_EQ_INT(claim(q, T0, NULL, buf), 0);

	/* end_by passes with recipients still in chunks: all of them expire at the next claim */
	b = create(q, rcpt, NULL, 7, T0 + 1000, NULL);
	CHECK_EQ_INT(claim(q, T0, NULL, buf), 1);
	CHECK_EQ_INT(claim(q, T0 + 2000, NULL, buf), 0);
	CHECK_EQ_INT(queue_campaign_get_at(q, b, T0 + 2000, &c), 0);
	CHECK_EQ_INT(c.counts[QUEUE_EXPIRED], 6);
	CHECK_EQ_INT(c.counts[QUEUE_SENDING], 1);
	CHECK_EQ_INT(c.counts[QUEUE_QUEUED], 0);
	queue_campaign_clear(&c);
	CHECK_EQ_INT(sql_int(q, "SELECT count(*) FROM rcpt_chunks"), 0);
	queue_close(q);
}

/*
 * The next due time sees chunks: with every stored message claimed, the campaign is still
 * due (and a claim finds the chunk's numbers). A claim rolled back gives its chunk back.
 */
static void
test_due_and_rollback(void)
{
	struct queue *q = open_mem();
	const char *rcpt[] = { "+84961000001", "+84961000002", "+84961000003" };
	char buf[QUEUE_NUMBER_MAX];
	int64_t id;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_set_chunk(q, 1), 0);
	id = create(q, rcpt, NULL, 3, 0, NULL);
	CHECK(id > 0);
	CHECK_EQ_INT(claim(q, T0, NULL, buf), 1);
	CHECK_EQ_STR(buf, "+84961000001");
	CHECK_EQ_INT(sql_int(q, "SELECT count(*) FROM messages WHERE state = 'queued'"), 0);
	CHECK(queue_next_due_ms(q, T0 + 5) == T0 + 5);

	CHECK_EQ_INT(queue_begin(q), 0);
	CHECK_EQ_INT(claim(q, T0, NULL, buf), 1);
	CHECK_EQ_STR(buf, "+84961000002");
	CHECK_EQ_INT(sql_int(q, "SELECT count(*) FROM rcpt_chunks"), 1);
	queue_rollback(q);
	CHECK_EQ_INT(sql_int(q, "SELECT count(*) FROM rcpt_chunks"), 2);
	CHECK_EQ_INT(sql_int(q, "SELECT count(*) FROM messages"), 1);
	CHECK_EQ_INT(claim(q, T0, NULL, buf), 1);
	CHECK_EQ_STR(buf, "+84961000002");
	CHECK_EQ_INT(claim(q, T0, NULL, buf), 1);
	CHECK_EQ_STR(buf, "+84961000003");
	CHECK_EQ_INT(claim(q, T0, NULL, buf), 0);
	CHECK(queue_next_due_ms(q, T0) == INT64_MAX);
	queue_close(q);
}

/*
 * A number added to the campaign again while its first copy waits in a chunk is stored
 * once: the chunk's copy is dropped when it becomes messages, and the counts follow.
 */
static void
test_added_twice(void)
{
	struct queue *q = open_mem();
	const char *rcpt[] = { "+84961000001", "+84961000002", "+84961000003", "+84961000004" };
	const char *more[] = { "+84961000004", "+84961000009" };
	struct queue_campaign c;
	char buf[QUEUE_NUMBER_MAX];
	int64_t id;
	int n;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_set_chunk(q, 2), 0);
	id = create(q, rcpt, NULL, 4, 0, NULL);
	CHECK_EQ_INT(queue_campaign_add_recipients(q, id, more, 2, T0), 0);
	counts_of(q, id, &c);
	CHECK_EQ_INT(c.counts[QUEUE_QUEUED], 6); /* 004 counted twice until its chunk expands */
	queue_campaign_clear(&c);
	for (n = 0; claim(q, T0, NULL, buf) == 1; n++)
		;
	CHECK_EQ_INT(n, 5);
	counts_of(q, id, &c);
	CHECK_EQ_INT(c.counts[QUEUE_QUEUED], 0);
	CHECK_EQ_INT(c.counts[QUEUE_SENDING], 5);
	CHECK_EQ_INT(c.total, 5);
	queue_campaign_clear(&c);
	queue_close(q);
}

/*
 * A big set through spec->rset: the preview agrees with what creation stores, and the
 * store holds a row per chunk, not per recipient.
 */
static void
test_big_set(void)
{
	struct queue *q = open_mem();
	struct queue_rset *s = queue_rset_new(), *p = queue_rset_new();
	struct queue_campaign_spec spec = { .text = "x", .encoding = "gsm7", .segments = 1,
					    .priority = QUEUE_PRIO_BULK, .rset = p };
	struct queue_preview pv;
	struct queue_campaign c;
	char num[20];
	int64_t id;

	CHECK(q && s && p);
	if (!q || !s || !p)
		goto out;
	for (int i = 0; i < 50000; i++) {
		snprintf(num, sizeof(num), "+8491%07d", i % 40000); /* 10,000 duplicates */
		CHECK_EQ_INT(queue_rset_add(s, num, i % 3 ? "vinaphone" : "viettel"), 0);
		CHECK_EQ_INT(queue_rset_add(p, num, i % 3 ? "vinaphone" : "viettel"), 0);
	}
	CHECK_EQ_INT(queue_optout_set(q, "+84910000007", true, T0), 0);
	CHECK_EQ_INT(queue_campaign_preview(q, &spec, T0, &pv), 0);
	CHECK_EQ_INT((int)pv.recipients, 40000);
	CHECK_EQ_INT((int)pv.duplicates, 10000);
	CHECK_EQ_INT((int)pv.opted_out, 1);
	CHECK_EQ_INT((int)pv.to_send, 39999);
	CHECK_EQ_INT((int)pv.n_ops, 2);
	CHECK_EQ_INT((int)(pv.ops[0].n + pv.ops[1].n), 39999);
	id = create(q, NULL, NULL, 0, 0, s);
	counts_of(q, id, &c);
	CHECK_EQ_INT(c.total, 40000);
	CHECK_EQ_INT(c.counts[QUEUE_QUEUED], 39999);
	CHECK_EQ_INT(c.counts[QUEUE_SUPPRESSED], 1);
	queue_campaign_clear(&c);
	/* 2 x 1000 stored as messages (+1 suppressed), the rest in chunks of 1000 */
	CHECK_EQ_INT(sql_int(q, "SELECT count(*) FROM messages"), 2001);
	CHECK_EQ_INT(sql_int(q, "SELECT sum(n) FROM rcpt_chunks"), 37999);
	CHECK(sql_int(q, "SELECT count(*) FROM rcpt_chunks") <= 40);
out:
	queue_rset_free(s);
	queue_rset_free(p);
	queue_close(q);
}

TEST_MAIN("queue_rset", TEST_CASE(test_pack), TEST_CASE(test_set),
	  TEST_CASE(test_chunks_by_operator),
	  TEST_CASE(test_cancel_expire_pause), TEST_CASE(test_due_and_rollback),
	  TEST_CASE(test_added_twice), TEST_CASE(test_big_set))
