/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_test — the focus of this file is the durable store (queue/): every state transition of
 * an outbound message, the order and the filters of a claim (priority, age, due time, campaign
 * start, opt-outs, end_by), recovery of in-flight messages across a close and reopen of a file
 * store, inbound de-duplication, report tickets, per-campaign counts, schema versions and
 * migrations, nesting transactions, and a 100,000-recipient campaign. Stores are ":memory:"
 * except where a file is the point (reopen, recovery, schema version on disk).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "queue/queue.h"
#include "tests/lib/queue_fixture.h"
#include "tests/lib/test.h"

#define T0 1700000000000LL /* a fixed "now" in ms */

static char tmpdir[64];

__attribute__((constructor)) static void
setup(void)
{
	log_init("queue_test", LOG_ERROR, false, false);
	queue_global_init();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/queue_test.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(2);
	}
}

__attribute__((destructor)) static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

/* A fresh file path in the test's temp directory. */
static const char *
tmp_db(const char *name, char buf[128])
{
	snprintf(buf, 128, "%s/%s.db", tmpdir, name);
	return buf;
}


/* Create a campaign; returns its id (0 on failure, counted as a failed check). */
static int64_t
campaign(struct queue *q, int prio, int64_t now, int64_t start, int64_t end,
	 const char *const *rcpt, size_t n)
{
	return fixture_campaign(q,
				(struct queue_campaign_spec){
					.text = "Canh bao: tin gia ve dich benh", .priority = prio,
					.start_at_ms = start, .end_by_ms = end, .recipients = rcpt,
					.n_recipients = n },
				now);
}

static enum queue_state
state_of(struct queue *q, int64_t id)
{
	struct queue_msg_info mi;

	if (queue_msg_get(q, id, &mi) != 0)
		return _QUEUE_STATE_COUNT;
	return mi.state;
}

/* Claim and return the recipient ("" when nothing was due); keeps the id in *id. */
static const char *
claim(struct queue *q, int64_t now, int64_t *id, char buf[QUEUE_NUMBER_MAX])
{
	struct queue_msg m;
	int rc = queue_claim_next(q, now, "m1", &m);

	CHECK(rc == 0 || rc == 1);
	buf[0] = '\0';
	if (rc == 1) {
		snprintf(buf, QUEUE_NUMBER_MAX, "%s", m.recipient);
		if (id)
			*id = m.id;
		queue_msg_clear(&m);
	}
	return buf;
}

static void
test_names(void)
{
	CHECK_EQ_STR(queue_state_name(QUEUE_QUEUED), "queued");
	CHECK_EQ_STR(queue_state_name(QUEUE_SUPPRESSED), "suppressed");
	CHECK_EQ_STR(queue_state_name(_QUEUE_STATE_COUNT), "?");
	CHECK_EQ_STR(queue_priority_name(QUEUE_PRIO_ALERT), "alert");
	CHECK_EQ_INT(queue_priority_parse("bulk"), QUEUE_PRIO_BULK);
	CHECK_EQ_INT(queue_priority_parse("normal"), QUEUE_PRIO_NORMAL);
	CHECK_EQ_INT(queue_priority_parse("alert"), QUEUE_PRIO_ALERT);
	CHECK_EQ_INT(queue_priority_parse("reply"), -1); /* not for campaigns */
	CHECK_EQ_INT(queue_priority_parse("urgent"), -1);
}

/* queued -> sending -> queued (retry) -> sending -> sent -> delivered; -> failed; -> cancelled */
static void
test_transitions(void)
{
	struct queue *q = open_mem();
	struct queue_msg m;
	struct queue_msg_info mi;
	int64_t r1, r2, cid;
	const char *rcpt[] = { "+84911000001", "+84911000002" };

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_reply_enqueue(q, "+84912345678", "Cam on ban", "gsm7", 1, T0, &r1), 0);
	CHECK_EQ_INT(state_of(q, r1), QUEUE_QUEUED);

	CHECK_EQ_INT(queue_claim_next(q, T0, "m1", &m), 1);
	CHECK_EQ_INT(m.id, r1);
	CHECK_EQ_INT(m.campaign_id, 0);
	CHECK_EQ_STR(m.recipient, "+84912345678");
	CHECK_EQ_STR(m.text, "Cam on ban");
	CHECK_EQ_STR(m.encoding, "gsm7");
	CHECK_EQ_INT(m.segments, 1);
	CHECK_EQ_INT(m.attempts, 1);
	CHECK_EQ_INT(m.priority, QUEUE_PRIO_REPLY);
	queue_msg_clear(&m);
	CHECK(m.text == NULL);
	CHECK_EQ_INT(queue_msg_get(q, r1, &mi), 0);
	CHECK_EQ_INT(mi.state, QUEUE_SENDING);
	CHECK_EQ_INT(mi.attempts, 1);
	CHECK_EQ_STR(mi.modem, "m1");

	/* sending -> queued with backoff; not claimable before it is due */
	CHECK_EQ_INT(queue_mark_retry(q, r1, "CMS 500", T0 + 30000, T0 + 1), 0);
	CHECK_EQ_INT(queue_msg_get(q, r1, &mi), 0);
	CHECK_EQ_INT(mi.state, QUEUE_QUEUED);
	CHECK_EQ_STR(mi.last_error, "CMS 500");
	CHECK_EQ_INT(queue_claim_next(q, T0 + 29999, "m1", &m), 0);
	CHECK_EQ_INT(queue_claim_next(q, T0 + 30000, "m2", &m), 1);
	CHECK_EQ_INT(m.attempts, 2);
	queue_msg_clear(&m);
	CHECK_EQ_INT(queue_msg_get(q, r1, &mi), 0);
	CHECK_EQ_STR(mi.modem, "m2");
	CHECK_EQ_INT(mi.attempts, 2);

	/* sending -> sent -> delivered */
	CHECK_EQ_INT(queue_mark_sent(q, r1, "17,18", T0 + 30001), 0);
	CHECK_EQ_INT(queue_msg_get(q, r1, &mi), 0);
	CHECK_EQ_INT(mi.state, QUEUE_SENT);
	CHECK_EQ_STR(mi.refs, "17,18");
	CHECK_EQ_INT(queue_mark_sent(q, r1, "19", T0 + 30002), -ESTALE); /* not sending */
	CHECK_EQ_INT(queue_mark_delivered(q, r1, T0 + 40000), 0);
	CHECK_EQ_INT(state_of(q, r1), QUEUE_DELIVERED);
	CHECK_EQ_INT(queue_mark_delivered(q, r1, T0 + 40001), -ESTALE);
	CHECK_EQ_INT(queue_mark_failed(q, r1, "late", T0 + 40002), -ESTALE);
	CHECK_EQ_INT(state_of(q, r1), QUEUE_DELIVERED);

	/* sending -> failed */
	CHECK_EQ_INT(queue_reply_enqueue(q, "+84912345679", "Xin chao", "gsm7", 1, T0, &r2), 0);
	CHECK_EQ_INT(queue_claim_next(q, T0 + 50000, "m1", &m), 1);
	CHECK_EQ_INT(m.id, r2);
	queue_msg_clear(&m);
	CHECK_EQ_INT(queue_mark_failed(q, r2, "CMS 21 rejected", T0 + 50001), 0);
	CHECK_EQ_INT(queue_msg_get(q, r2, &mi), 0);
	CHECK_EQ_INT(mi.state, QUEUE_FAILED);
	CHECK_EQ_STR(mi.last_error, "CMS 21 rejected");
	CHECK_EQ_INT(queue_mark_retry(q, r2, "x", T0, T0), -ESTALE);

	/* unknown ids */
	CHECK_EQ_INT(queue_mark_sent(q, 9999, "1", T0), -ENOENT);
	CHECK_EQ_INT(queue_mark_failed(q, 9999, "x", T0), -ENOENT);
	CHECK_EQ_INT(queue_msg_get(q, 9999, &mi), -ENOENT);

	/* queued -> cancelled (only what is still queued) */
	cid = campaign(q, QUEUE_PRIO_NORMAL, T0, 0, 0, rcpt, 2);
	CHECK_EQ_INT(queue_claim_next(q, T0 + 60000, "m1", &m), 1);
	CHECK_EQ_INT(m.campaign_id, cid);
	CHECK_EQ_STR(m.text, "Canh bao: tin gia ve dich benh");
	queue_msg_clear(&m);
	CHECK_EQ_INT(queue_campaign_cancel(q, cid, T0 + 60001), 1);
	CHECK_EQ_INT(queue_campaign_cancel(q, 4242, T0), -ENOENT);
	CHECK_EQ_INT(queue_claim_next(q, T0 + 60002, "m1", &m), 0);
	{
		struct queue_campaign c;

		CHECK_EQ_INT(queue_campaign_get(q, cid, &c), 0);
		CHECK_EQ_INT(c.counts[QUEUE_CANCELLED], 1);
		CHECK_EQ_INT(c.counts[QUEUE_SENDING], 1);
		queue_campaign_clear(&c);
	}
	queue_close(q);
}

static void
test_claim_order(void)
{
	struct queue *q = open_mem();
	const char *bulk[] = { "+84900000002", "+84900000001" };
	const char *alert[] = { "+84900000003" };
	const char *normal_new[] = { "+84900000004" };
	const char *normal_old[] = { "+84900000005" };
	char buf[QUEUE_NUMBER_MAX];

	CHECK(q);
	if (!q)
		return;
	campaign(q, QUEUE_PRIO_BULK, T0 + 1000, 0, 0, bulk, 2);
	campaign(q, QUEUE_PRIO_ALERT, T0 + 2000, 0, 0, alert, 1);
	campaign(q, QUEUE_PRIO_NORMAL, T0 + 3000, 0, 0, normal_new, 1);
	/* created later (higher id) but due earlier: older by age, so first within its level */
	campaign(q, QUEUE_PRIO_NORMAL, T0 + 1500, 0, 0, normal_old, 1);
	CHECK_EQ_INT(queue_reply_enqueue(q, "+84900000009", "OK", "gsm7", 1, T0 + 4000, NULL), 0);

	CHECK_EQ_STR(claim(q, T0 + 5000, NULL, buf), "+84900000009"); /* reply */
	CHECK_EQ_STR(claim(q, T0 + 5000, NULL, buf), "+84900000003"); /* alert */
	CHECK_EQ_STR(claim(q, T0 + 5000, NULL, buf), "+84900000005"); /* normal, older */
	CHECK_EQ_STR(claim(q, T0 + 5000, NULL, buf), "+84900000004"); /* normal, newer */
	CHECK_EQ_STR(claim(q, T0 + 5000, NULL, buf), "+84900000002"); /* bulk, lower id */
	CHECK_EQ_STR(claim(q, T0 + 5000, NULL, buf), "+84900000001");
	CHECK_EQ_STR(claim(q, T0 + 5000, NULL, buf), "");
	queue_close(q);
}

/* Not yet due (retry backoff) and not yet started (start_at) are skipped, lower levels served. */
static void
test_claim_not_due(void)
{
	struct queue *q = open_mem();
	const char *later[] = { "+84900000010", "+84900000011" };
	const char *now[] = { "+84900000020" };
	char buf[QUEUE_NUMBER_MAX];
	struct queue_msg m;
	int64_t id = 0;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_next_due_ms(q, T0), INT64_MAX);
	campaign(q, QUEUE_PRIO_ALERT, T0, T0 + 60000, 0, later, 2);
	CHECK_EQ_STR(claim(q, T0, NULL, buf), "");
	CHECK_EQ_INT(queue_next_due_ms(q, T0), T0 + 60000);

	campaign(q, QUEUE_PRIO_BULK, T0, 0, 0, now, 1);
	CHECK_EQ_INT(queue_next_due_ms(q, T0 + 10), T0 + 10); /* due now: never in the past */
	CHECK_EQ_STR(claim(q, T0 + 10, &id, buf), "+84900000020"); /* bulk, while alert waits */
	CHECK_EQ_INT(queue_mark_retry(q, id, "timeout", T0 + 90000, T0 + 20), 0);
	CHECK_EQ_STR(claim(q, T0 + 59999, NULL, buf), "");
	CHECK_EQ_INT(queue_next_due_ms(q, T0 + 59999), T0 + 60000);

	CHECK_EQ_STR(claim(q, T0 + 60000, NULL, buf), "+84900000010");
	CHECK_EQ_STR(claim(q, T0 + 60000, NULL, buf), "+84900000011");
	CHECK_EQ_STR(claim(q, T0 + 60000, NULL, buf), "");
	CHECK_EQ_INT(queue_next_due_ms(q, T0 + 60000), T0 + 90000);
	CHECK_EQ_STR(claim(q, T0 + 90000, NULL, buf), "+84900000020");
	CHECK_EQ_INT(queue_next_due_ms(q, T0 + 90000), INT64_MAX);

	/* argument checks */
	CHECK_EQ_INT(queue_claim_next(q, T0, NULL, &m), -EINVAL);
	CHECK_EQ_INT(queue_claim_next(q, T0, "m1", NULL), -EINVAL);
	queue_close(q);
}

static void
test_optout_at_create(void)
{
	struct queue *q = open_mem();
	const char *rcpt[] = { "+84911111111", "+84922222222", "+84911111111", "+84933333333" };
	struct queue_campaign c;
	struct queue_msg_info mi;
	int64_t cid, counts[_QUEUE_STATE_COUNT];

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_is_opted_out(q, "+84922222222"), 0);
	CHECK_EQ_INT(queue_optout_set(q, "+84922222222", true, T0), 0);
	CHECK_EQ_INT(queue_optout_set(q, "+84922222222", true, T0 + 1), 0); /* idempotent */
	CHECK_EQ_INT(queue_is_opted_out(q, "+84922222222"), 1);
	CHECK_EQ_INT(queue_optout_set(q, "", true, T0), -EINVAL);

	cid = campaign(q, QUEUE_PRIO_NORMAL, T0, 0, 0, rcpt, 4);
	CHECK_EQ_INT(queue_campaign_get(q, cid, &c), 0);
	CHECK_EQ_INT(c.total, 3); /* duplicate stored once */
	CHECK_EQ_INT(c.counts[QUEUE_QUEUED], 2);
	CHECK_EQ_INT(c.counts[QUEUE_SUPPRESSED], 1);
	CHECK_EQ_STR(c.text, "Canh bao: tin gia ve dich benh");
	CHECK_EQ_STR(c.encoding, "gsm7");
	CHECK_EQ_INT(c.priority, QUEUE_PRIO_NORMAL);
	CHECK_EQ_INT(c.created_at_ms, T0);
	CHECK_EQ_INT(c.start_at_ms, T0); /* 0 = now */
	CHECK_EQ_INT(c.end_by_ms, 0);
	queue_campaign_clear(&c);
	CHECK(c.text == NULL);

	CHECK_EQ_INT(queue_msg_get(q, 2, &mi), 0);
	CHECK_EQ_STR(mi.recipient, "+84922222222");
	CHECK_EQ_INT(mi.state, QUEUE_SUPPRESSED);
	CHECK_EQ_STR(mi.last_error, "opted out");
	CHECK_EQ_INT(mi.attempts, 0);

	CHECK_EQ_INT(queue_state_counts(q, counts), 0);
	CHECK_EQ_INT(counts[QUEUE_QUEUED], 2);
	CHECK_EQ_INT(counts[QUEUE_SUPPRESSED], 1);

	/* adding recipients later follows the same rules */
	{
		const char *more[] = { "+84933333333", "+84922222222", "+84944444444" };

		CHECK_EQ_INT(queue_campaign_add_recipients(q, cid, more, 3, T0 + 5), 0);
		CHECK_EQ_INT(queue_campaign_add_recipients(q, 777, more, 3, T0 + 5), -ENOENT);
		CHECK_EQ_INT(queue_campaign_get(q, cid, &c), 0);
		CHECK_EQ_INT(c.total, 4);
		CHECK_EQ_INT(c.counts[QUEUE_QUEUED], 3);
		CHECK_EQ_INT(c.counts[QUEUE_SUPPRESSED], 1);
		queue_campaign_clear(&c);
	}
	queue_close(q);
}

/* Opt-out after the campaign was created: caught at claim. Replies are never suppressed. */
static void
test_optout_at_claim(void)
{
	struct queue *q = open_mem();
	const char *rcpt[] = { "+84955555551", "+84955555552" };
	char buf[QUEUE_NUMBER_MAX];
	struct queue_msg_info mi;
	int64_t cid, reply;

	CHECK(q);
	if (!q)
		return;
	cid = campaign(q, QUEUE_PRIO_ALERT, T0, 0, 0, rcpt, 2);
	CHECK_EQ_INT(queue_optout_set(q, "+84955555551", true, T0 + 1), 0);
	CHECK_EQ_INT(queue_reply_enqueue(q, "+84955555551", "Ban da huy dang ky", "gsm7", 1, T0 + 2,
					 &reply),
		     0);

	CHECK_EQ_STR(claim(q, T0 + 3, NULL, buf), "+84955555551"); /* the reply */
	CHECK_EQ_STR(claim(q, T0 + 3, NULL, buf), "+84955555552"); /* 551 skipped */
	CHECK_EQ_STR(claim(q, T0 + 3, NULL, buf), "");
	CHECK_EQ_INT(queue_msg_get(q, 1, &mi), 0);
	CHECK_EQ_INT(mi.campaign_id, cid);
	CHECK_EQ_INT(mi.state, QUEUE_SUPPRESSED);
	CHECK_EQ_STR(mi.last_error, "opted out");
	CHECK_EQ_INT(state_of(q, reply), QUEUE_SENDING);

	/* opting in again removes the record; a new campaign reaches the number */
	CHECK_EQ_INT(queue_optout_set(q, "+84955555551", false, T0 + 4), 0);
	CHECK_EQ_INT(queue_is_opted_out(q, "+84955555551"), 0);
	CHECK_EQ_INT(queue_optout_set(q, "+84955555551", false, T0 + 4), 0);
	campaign(q, QUEUE_PRIO_ALERT, T0 + 5, 0, 0, rcpt, 1);
	CHECK_EQ_STR(claim(q, T0 + 6, NULL, buf), "+84955555551");
	queue_close(q);
}

static void
test_end_by(void)
{
	struct queue *q = open_mem();
	const char *rcpt[] = { "+84966666661", "+84966666662", "+84966666663" };
	char buf[QUEUE_NUMBER_MAX];
	struct queue_campaign c;
	struct queue_msg_info mi;
	int64_t cid, id = 0;

	CHECK(q);
	if (!q)
		return;
	cid = campaign(q, QUEUE_PRIO_NORMAL, T0, 0, T0 + 1000, rcpt, 3);
	CHECK_EQ_STR(claim(q, T0 + 500, &id, buf), "+84966666661");
	CHECK_EQ_INT(queue_mark_sent(q, id, "5", T0 + 501), 0);
	CHECK_EQ_INT(queue_reply_enqueue(q, "+84966666669", "OK", "gsm7", 1, T0 + 502, NULL), 0);

	CHECK_EQ_STR(claim(q, T0 + 1001, NULL, buf), "+84966666669"); /* replies still go */
	CHECK_EQ_STR(claim(q, T0 + 1001, NULL, buf), "");
	CHECK_EQ_INT(queue_campaign_get(q, cid, &c), 0);
	CHECK_EQ_INT(c.counts[QUEUE_SENT], 1);
	CHECK_EQ_INT(c.counts[QUEUE_EXPIRED], 2);
	CHECK_EQ_INT(c.end_by_ms, T0 + 1000);
	queue_campaign_clear(&c);
	CHECK_EQ_INT(queue_msg_get(q, 3, &mi), 0);
	CHECK_EQ_INT(mi.state, QUEUE_EXPIRED);
	CHECK_EQ_INT(queue_next_due_ms(q, T0 + 1002), INT64_MAX);
	queue_close(q);
}

static void
test_invalid_args(void)
{
	struct queue *q = open_mem();
	const char *rcpt[] = { "+84977777771", "", "+84977777773" };
	struct queue_campaign_spec spec = {
		.text = "x", .encoding = "gsm7", .segments = 1, .priority = QUEUE_PRIO_BULK,
		.recipients = rcpt, .n_recipients = 1,
	};
	struct queue_campaign_spec bad;
	struct queue_campaign c;
	int64_t counts[_QUEUE_STATE_COUNT];

	CHECK(q);
	if (!q)
		return;
	bad = spec, bad.text = "";
	CHECK_EQ_INT(queue_campaign_create(q, &bad, T0, NULL), -EINVAL);
	bad = spec, bad.text = NULL;
	CHECK_EQ_INT(queue_campaign_create(q, &bad, T0, NULL), -EINVAL);
	bad = spec, bad.segments = 0;
	CHECK_EQ_INT(queue_campaign_create(q, &bad, T0, NULL), -EINVAL);
	bad = spec, bad.encoding = "latin1";
	CHECK_EQ_INT(queue_campaign_create(q, &bad, T0, NULL), -EINVAL);
	bad = spec, bad.priority = QUEUE_PRIO_REPLY;
	CHECK_EQ_INT(queue_campaign_create(q, &bad, T0, NULL), -EINVAL);
	bad = spec, bad.start_at_ms = T0 + 100, bad.end_by_ms = T0 + 100;
	CHECK_EQ_INT(queue_campaign_create(q, &bad, T0, NULL), -EINVAL);
	/* an empty recipient mid-list: nothing of the campaign remains */
	bad = spec, bad.n_recipients = 3;
	CHECK_EQ_INT(queue_campaign_create(q, &bad, T0, NULL), -EINVAL);
	CHECK_EQ_INT(queue_campaign_get(q, 1, &c), -ENOENT);
	CHECK_EQ_INT(queue_state_counts(q, counts), 0);
	CHECK_EQ_INT(counts[QUEUE_QUEUED], 0);

	CHECK_EQ_INT(queue_reply_enqueue(q, "+8491", "", "gsm7", 1, T0, NULL), -EINVAL);
	CHECK_EQ_INT(queue_reply_enqueue(q, "+8491", "x", "gsm7", 0, T0, NULL), -EINVAL);
	CHECK_EQ_INT(queue_reply_enqueue(q, "", "x", "gsm7", 1, T0, NULL), -EINVAL);
	CHECK_EQ_INT(queue_reply_enqueue(q, "+849123456789012345678901234", "x", "gsm7", 1, T0,
					 NULL),
		     -EINVAL); /* longer than QUEUE_NUMBER_MAX */
	CHECK_EQ_INT(queue_reply_enqueue(q, "+8491", "x", NULL, 1, T0, NULL), -EINVAL);
	queue_close(q);
}

/* Messages left in `sending` by a "crash" (close without marking) across a file reopen. */
static void
test_recover_file(void)
{
	const char *rcpt[] = { "+84988888881", "+84988888882", "+84988888883" };
	char path[128], err[256] = "", buf[QUEUE_NUMBER_MAX];
	struct queue_msg_info mi;
	struct queue_msg m;
	struct queue *q;
	int64_t a = 0, b = 0, c = 0;

	q = queue_open(tmp_db("recover", path), err, sizeof(err));
	CHECK(q);
	if (!q)
		return;
	campaign(q, QUEUE_PRIO_NORMAL, T0, 0, 0, rcpt, 3);
	CHECK_EQ_STR(claim(q, T0 + 1, &a, buf), "+84988888881");
	CHECK_EQ_STR(claim(q, T0 + 1, &b, buf), "+84988888882");
	CHECK_EQ_INT(queue_recover(q, true, T0 + 2), 2); /* same process: still counts */
	CHECK_EQ_STR(claim(q, T0 + 3, &a, buf), "+84988888881");
	CHECK_EQ_STR(claim(q, T0 + 3, &b, buf), "+84988888882");
	queue_close(q);

	/* resend: back to queued, due now, attempts kept */
	q = queue_open(path, err, sizeof(err));
	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(state_of(q, a), QUEUE_SENDING);
	CHECK_EQ_INT(queue_recover(q, true, T0 + 100), 2);
	CHECK_EQ_INT(queue_recover(q, true, T0 + 100), 0);
	CHECK_EQ_INT(queue_msg_get(q, a, &mi), 0);
	CHECK_EQ_INT(mi.state, QUEUE_QUEUED);
	CHECK_EQ_INT(mi.attempts, 2);
	CHECK_EQ_INT(queue_next_due_ms(q, T0 + 100), T0 + 100);
	CHECK_EQ_INT(queue_claim_next(q, T0 + 100, "m2", &m), 1);
	CHECK_EQ_INT(m.id, a);
	CHECK_EQ_INT(m.attempts, 3);
	queue_msg_clear(&m);
	CHECK_EQ_INT(queue_mark_sent(q, a, "9", T0 + 101), 0);
	CHECK_EQ_STR(claim(q, T0 + 102, &b, buf), "+84988888882");
	CHECK_EQ_STR(claim(q, T0 + 102, &c, buf), "+84988888883");
	queue_close(q);

	/* fail policy */
	q = queue_open(path, err, sizeof(err));
	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_recover(q, false, T0 + 200), 2);
	CHECK_EQ_INT(queue_msg_get(q, c, &mi), 0);
	CHECK_EQ_INT(mi.state, QUEUE_FAILED);
	CHECK_EQ_INT(mi.attempts, 1);
	CHECK_EQ_STR(mi.last_error, "uncertain after restart");
	CHECK_EQ_INT(state_of(q, b), QUEUE_FAILED);
	CHECK_EQ_INT(state_of(q, a), QUEUE_SENT); /* untouched */
	CHECK_EQ_STR(claim(q, T0 + 201, NULL, buf), "");
	queue_close(q);
}

static void
test_schema_file(void)
{
	char path[128], err[256] = "";
	struct queue *q;
	int64_t n = 0;
	struct queue_inbound in = {
		.modem = "m1", .sender = "+84911000000", .smsc_time_ms = T0, .concat_ref = -1,
		.part = 1, .parts = 1, .text = "BAO tin gia", .received_at_ms = T0,
	};

	q = queue_open(tmp_db("schema", path), err, sizeof(err));
	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_schema_version(q), QUEUE_SCHEMA_VERSION);
	CHECK_EQ_INT(queue_inbound_store(q, &in, NULL), 0);
	queue_close(q);

	q = queue_open(path, err, sizeof(err));
	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_schema_version(q), QUEUE_SCHEMA_VERSION);
	CHECK_EQ_INT(queue_inbound_count(q, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(queue_inbound_store(q, &in, NULL), 1); /* still a duplicate after reopen */
	queue_close(q);
}

/* Overwrite PRAGMA user_version in a closed store's header (big-endian at offset 60). */
static int
set_user_version(const char *path, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };
	int fd = open(path, O_WRONLY);
	int rc;

	if (fd < 0)
		return -errno;
	rc = pwrite(fd, b, 4, 60) == 4 ? 0 : -EIO;
	close(fd);
	return rc;
}

static void
test_newer_schema_refused(void)
{
	char path[128], other[128], err[256] = "";
	struct queue *q;
	FILE *f;

	q = queue_open(tmp_db("future", path), err, sizeof(err));
	CHECK(q);
	if (!q)
		return;
	queue_close(q);
	CHECK_EQ_INT(set_user_version(path, 99), 0);
	q = queue_open(path, err, sizeof(err));
	CHECK(q == NULL);
	CHECK_CONTAINS(err, "99");
	CHECK_CONTAINS(err, "newer");
	queue_close(q);

	/* a file that is not a database at all */
	f = fopen(tmp_db("garbage", other), "w");
	CHECK(f);
	if (!f)
		return;
	fputs("this is not an SQLite database, just some text long enough to have a header\n", f);
	fclose(f);
	err[0] = '\0';
	CHECK(queue_open(other, err, sizeof(err)) == NULL);
	CHECK(err[0] != '\0');
}

static void
test_inbound(void)
{
	struct queue *q = open_mem();
	struct queue_inbound in = {
		.modem = "m1", .sender = "+84912000000", .smsc_time_ms = T0, .concat_ref = 42,
		.part = 1, .parts = 2, .text = "BAO co nguoi noi ", .received_at_ms = T0 + 5,
	};
	int64_t id1 = 0, id2 = 0, id3 = 0, n = 0;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_inbound_store(q, &in, &id1), 0);
	CHECK(id1 > 0);
	in.modem = "m2"; /* the same SMS read again, even through another modem */
	in.received_at_ms = T0 + 900;
	CHECK_EQ_INT(queue_inbound_store(q, &in, &id2), 1);
	CHECK_EQ_INT(id2, id1);
	in.part = 2;
	in.text = "rang nuoc nhiem doc";
	CHECK_EQ_INT(queue_inbound_store(q, &in, &id3), 0);
	CHECK(id3 != id1);
	in.part = 1, in.parts = 1, in.concat_ref = -1, in.smsc_time_ms = T0 + 60000;
	in.text = "BAO co nguoi noi "; /* same words, later SMS: a new message */
	CHECK_EQ_INT(queue_inbound_store(q, &in, NULL), 0);
	CHECK_EQ_INT(queue_inbound_count(q, &n), 0);
	CHECK_EQ_INT(n, 3);

	CHECK_EQ_INT(queue_inbound_set_action(q, id1, "report"), 0);
	CHECK_EQ_INT(queue_inbound_set_action(q, 12345, "report"), -ENOENT);
	CHECK_EQ_INT(queue_inbound_set_action(q, id1, ""), -EINVAL);

	in.part = 3; /* part > parts */
	CHECK_EQ_INT(queue_inbound_store(q, &in, NULL), -EINVAL);
	in.part = 1, in.sender = "";
	CHECK_EQ_INT(queue_inbound_store(q, &in, NULL), -EINVAL);
	in.sender = "+84912000000", in.text = NULL;
	CHECK_EQ_INT(queue_inbound_store(q, &in, NULL), -EINVAL);
	queue_close(q);
}

static int
cmp_ticket(const void *a, const void *b)
{
	return strcmp(a, b);
}

struct report_seen {
	int n;
	int64_t last_id;
	char first_ticket[QUEUE_TICKET_LEN];
	char first_text[32];
};

static int
report_cb(const struct queue_report *r, void *arg)
{
	struct report_seen *s = arg;

	if (s->n == 0) {
		snprintf(s->first_ticket, sizeof(s->first_ticket), "%s", r->ticket);
		snprintf(s->first_text, sizeof(s->first_text), "%s", r->text);
		CHECK_EQ_STR(r->status, "new");
		CHECK_EQ_STR(r->sender, "+84913000000");
	}
	CHECK(r->id > s->last_id);
	s->last_id = r->id;
	s->n++;
	return 0;
}

static int
report_stop_cb(const struct queue_report *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 1;
}

/* A ticket source that repeats itself, to force a UNIQUE collision. */
static void
fixed_tickets(char ticket[QUEUE_TICKET_LEN], void *arg)
{
	static const char *const seq[] = { "AAAAAA", "AAAAAA", "AAAAAA", "BBBBBB" };
	int *calls = arg;

	snprintf(ticket, QUEUE_TICKET_LEN, "%s", seq[*calls < 4 ? *calls : 3]);
	(*calls)++;
}

#define N_REPORTS 500

static void
test_reports(void)
{
	static char tickets[N_REPORTS][QUEUE_TICKET_LEN];
	const char *alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	struct queue *q = open_mem();
	struct queue_inbound in = {
		.sender = "+84913000000", .smsc_time_ms = T0, .concat_ref = -1, .part = 1,
		.parts = 1, .text = "BAO tin gia", .received_at_ms = T0,
	};
	struct report_seen seen = { 0 };
	char t[QUEUE_TICKET_LEN];
	int64_t inbound_id = 0, id = 0, first_id = 0;
	int calls = 0, stops = 0;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_inbound_store(q, &in, &inbound_id), 0);
	for (int i = 0; i < N_REPORTS; i++) {
		CHECK_EQ_INT(queue_report_create(q, i == 0 ? inbound_id : 0, "+84913000000",
						 "tin gia", T0 + i, tickets[i], &id),
			     0);
		if (i == 0)
			first_id = id;
		CHECK_EQ_INT(strlen(tickets[i]), 6);
		CHECK_EQ_INT(strspn(tickets[i], alphabet), 6);
	}
	qsort(tickets, N_REPORTS, QUEUE_TICKET_LEN, cmp_ticket);
	for (int i = 1; i < N_REPORTS; i++)
		CHECK(strcmp(tickets[i - 1], tickets[i]) != 0);

	CHECK_EQ_INT(queue_reports_list(q, 0, 1000, report_cb, &seen), 0);
	CHECK_EQ_INT(seen.n, N_REPORTS);
	CHECK_EQ_STR(seen.first_text, "tin gia");
	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(queue_reports_list(q, first_id + 10, 100, report_cb, &seen), 0);
	CHECK_EQ_INT(seen.n, 100);
	CHECK_EQ_INT(queue_reports_list(q, 0, 10, report_stop_cb, &stops), 0);
	CHECK_EQ_INT(stops, 1);
	CHECK_EQ_INT(queue_reports_list(q, 0, 0, report_stop_cb, &stops), -EINVAL);

	/* a collision draws again */
	queue_ticket_gen_set(q, fixed_tickets, &calls);
	CHECK_EQ_INT(queue_report_create(q, 0, "+84913000000", "a", T0, t, NULL), 0);
	CHECK_EQ_STR(t, "AAAAAA");
	CHECK_EQ_INT(queue_report_create(q, 0, "+84913000000", "b", T0, t, NULL), 0);
	CHECK_EQ_STR(t, "BBBBBB");
	CHECK_EQ_INT(calls, 4);
	queue_ticket_gen_set(q, NULL, NULL);

	/* an inbound id that does not exist */
	CHECK_EQ_INT(queue_report_create(q, 99999, "+84913000000", "x", T0, t, NULL), -ENOENT);
	CHECK_EQ_INT(queue_report_create(q, 0, "", "x", T0, t, NULL), -EINVAL);
	queue_close(q);
}

static void
test_campaign_counts(void)
{
	struct queue *q = open_mem();
	const char *rcpt[] = { "+84914000001", "+84914000002", "+84914000003", "+84914000004",
			       "+84914000005" };
	int64_t ids[3], cid, counts[_QUEUE_STATE_COUNT];
	char buf[QUEUE_NUMBER_MAX];
	struct queue_campaign c;

	CHECK(q);
	if (!q)
		return;
	cid = campaign(q, QUEUE_PRIO_BULK, T0, 0, 0, rcpt, 5);
	CHECK_EQ_INT(queue_reply_enqueue(q, "+84914000009", "OK", "ucs2", 2, T0, NULL), 0);
	CHECK_EQ_STR(claim(q, T0, NULL, buf), "+84914000009");
	for (int i = 0; i < 3; i++)
		claim(q, T0, &ids[i], buf);
	CHECK_EQ_INT(queue_mark_sent(q, ids[0], "1", T0), 0);
	CHECK_EQ_INT(queue_mark_failed(q, ids[1], "CMS 38", T0), 0);
	CHECK_EQ_INT(queue_campaign_get(q, cid, &c), 0);
	CHECK_EQ_INT(c.total, 5);
	CHECK_EQ_INT(c.counts[QUEUE_QUEUED], 2);
	CHECK_EQ_INT(c.counts[QUEUE_SENDING], 1);
	CHECK_EQ_INT(c.counts[QUEUE_SENT], 1);
	CHECK_EQ_INT(c.counts[QUEUE_FAILED], 1);
	CHECK_EQ_INT(c.counts[QUEUE_DELIVERED], 0);
	queue_campaign_clear(&c);
	CHECK_EQ_INT(queue_campaign_get(q, cid + 1, &c), -ENOENT);

	CHECK_EQ_INT(queue_state_counts(q, counts), 0);
	CHECK_EQ_INT(counts[QUEUE_SENDING], 2); /* with the reply */
	CHECK_EQ_INT(counts[QUEUE_QUEUED], 2);
	queue_close(q);
}

struct foreach_seen {
	struct queue *q;
	int n;
	int64_t last_id;
	int inner_rc;
	char first[QUEUE_NUMBER_MAX];
};

static int
foreach_cb(const struct queue_msg_info *m, void *arg)
{
	struct foreach_seen *s = arg;

	if (s->n == 0)
		snprintf(s->first, sizeof(s->first), "%s", m->recipient);
	CHECK(m->id > s->last_id);
	s->last_id = m->id;
	s->n++;
	return 0;
}

static int
foreach_nested_cb(const struct queue_msg_info *m, void *arg)
{
	struct foreach_seen *s = arg;

	s->inner_rc = queue_msg_foreach(s->q, m->campaign_id, foreach_cb, s);
	/* other queue calls are fine from here, writes included */
	CHECK_EQ_INT(queue_optout_set(s->q, m->recipient, true, T0), 0);
	return 1;
}

static void
test_foreach(void)
{
	struct queue *q = open_mem();
	const char *rcpt[] = { "+84915000003", "+84915000001", "+84915000002" };
	struct foreach_seen s = { 0 };
	int64_t cid;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_reply_enqueue(q, "+84915000009", "OK", "gsm7", 1, T0, NULL), 0);
	cid = campaign(q, QUEUE_PRIO_BULK, T0, 0, 0, rcpt, 3);
	CHECK_EQ_INT(queue_reply_enqueue(q, "+84915000008", "OK", "gsm7", 1, T0, NULL), 0);

	CHECK_EQ_INT(queue_msg_foreach(q, cid, foreach_cb, &s), 0);
	CHECK_EQ_INT(s.n, 3);
	CHECK_EQ_STR(s.first, "+84915000003"); /* id order, not number order */
	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(queue_msg_foreach(q, 0, foreach_cb, &s), 0);
	CHECK_EQ_INT(s.n, 2);
	CHECK_EQ_STR(s.first, "+84915000009");

	memset(&s, 0, sizeof(s));
	s.q = q;
	CHECK_EQ_INT(queue_msg_foreach(q, cid, foreach_nested_cb, &s), 0);
	CHECK_EQ_INT(s.inner_rc, -EBUSY);
	CHECK_EQ_INT(queue_is_opted_out(q, "+84915000003"), 1);
	queue_close(q);
}

/* An outer transaction makes several writes one unit; a failed inner write undoes only itself. */
static void
test_nested_tx(void)
{
	struct queue *q = open_mem();
	const char *rcpt[] = { "+84916000001", "+84916000002" };
	const char *bad_rcpt[] = { "+84916000003", NULL };
	struct queue_campaign_spec bad = {
		.text = "x", .encoding = "gsm7", .segments = 1, .priority = QUEUE_PRIO_BULK,
		.recipients = bad_rcpt, .n_recipients = 2,
	};
	struct queue_inbound in = {
		.sender = "+84916000009", .smsc_time_ms = T0, .concat_ref = -1, .part = 1,
		.parts = 1, .text = "BAO", .received_at_ms = T0,
	};
	int64_t counts[_QUEUE_STATE_COUNT], n = -1, inbound_id = 0;
	struct queue_campaign c;
	char ticket[QUEUE_TICKET_LEN];
	int rs = 0;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_commit(q), -EINVAL);

	/* rollback: nothing remains */
	CHECK_EQ_INT(queue_begin(q), 0);
	CHECK_EQ_INT(queue_begin(q), -EBUSY);
	CHECK_EQ_INT(queue_inbound_store(q, &in, &inbound_id), 0);
	CHECK_EQ_INT(queue_report_create(q, inbound_id, in.sender, "BAO", T0, ticket, NULL), 0);
	CHECK_EQ_INT(queue_reply_enqueue(q, in.sender, "Ma so cua ban", "gsm7", 1, T0, NULL), 0);
	campaign(q, QUEUE_PRIO_NORMAL, T0, 0, 0, rcpt, 2);
	CHECK_EQ_INT(queue_optout_set(q, "+84916000001", true, T0), 0);
	queue_rollback(q);
	CHECK_EQ_INT(queue_inbound_count(q, &n), 0);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(queue_reports_list(q, 0, 10, report_stop_cb, &rs), 0);
	CHECK_EQ_INT(rs, 0);
	CHECK_EQ_INT(queue_state_counts(q, counts), 0);
	CHECK_EQ_INT(counts[QUEUE_QUEUED], 0);
	CHECK_EQ_INT(queue_campaign_get(q, 1, &c), -ENOENT);
	CHECK_EQ_INT(queue_is_opted_out(q, "+84916000001"), 0);
	CHECK_EQ_INT(queue_commit(q), -EINVAL);

	/* a failing write inside: only it is undone; the rest commits */
	CHECK_EQ_INT(queue_begin(q), 0);
	CHECK_EQ_INT(queue_inbound_store(q, &in, &inbound_id), 0);
	CHECK_EQ_INT(queue_reply_enqueue(q, in.sender, "Ma so cua ban", "gsm7", 1, T0, NULL), 0);
	CHECK_EQ_INT(queue_campaign_create(q, &bad, T0, NULL), -EINVAL);
	campaign(q, QUEUE_PRIO_NORMAL, T0, 0, 0, rcpt, 2);
	CHECK_EQ_INT(queue_commit(q), 0);
	CHECK_EQ_INT(queue_inbound_count(q, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(queue_state_counts(q, counts), 0);
	CHECK_EQ_INT(counts[QUEUE_QUEUED], 3); /* 1 reply + 2; none of the bad campaign */
	queue_close(q);
}

/* 100,000 recipients with duplicates and opt-outs in one campaign (no timing asserted). */
#define BIG_N 100000
#define BIG_DUPS 1000
#define BIG_OPTOUTS 100

static void
test_big_campaign(void)
{
	struct queue *q = open_mem();
	char(*nums)[16] = calloc(BIG_N, sizeof(*nums));
	const char **rcpt = calloc(BIG_N + BIG_DUPS, sizeof(*rcpt));
	struct queue_campaign_spec spec = {
		.text = "Thong bao: khong chia se tin chua kiem chung",
		.encoding = "gsm7",
		.segments = 1,
		.priority = QUEUE_PRIO_BULK,
		.recipients = rcpt,
		.n_recipients = BIG_N + BIG_DUPS,
	};
	struct queue_campaign c;
	struct queue_msg m;
	int64_t cid = 0;

	CHECK(q && nums && rcpt);
	if (!q || !nums || !rcpt)
		goto out;
	for (int i = 0; i < BIG_N; i++) {
		/* spread over prefixes so the unique index sees unordered keys */
		snprintf(nums[i], sizeof(nums[i]), "+849%d%07d", i % 9 + 1, (i * 7919) % 10000000);
		rcpt[i] = nums[i];
	}
	for (int i = 0; i < BIG_DUPS; i++)
		rcpt[BIG_N + i] = nums[i * 97];
	for (int i = 0; i < BIG_OPTOUTS; i++)
		CHECK_EQ_INT(queue_optout_set(q, nums[i * 13 + 5], true, T0), 0);

	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, &cid), 0);
	CHECK_EQ_INT(queue_campaign_get(q, cid, &c), 0);
	CHECK_EQ_INT(c.total, BIG_N);
	CHECK_EQ_INT(c.counts[QUEUE_QUEUED], BIG_N - BIG_OPTOUTS);
	CHECK_EQ_INT(c.counts[QUEUE_SUPPRESSED], BIG_OPTOUTS);
	queue_campaign_clear(&c);

	CHECK_EQ_INT(queue_claim_next(q, T0, "m1", &m), 1);
	CHECK_EQ_STR(m.recipient, nums[0]);
	queue_msg_clear(&m);
	CHECK_EQ_INT(queue_next_due_ms(q, T0 + 1), T0 + 1);
	CHECK_EQ_INT(queue_campaign_cancel(q, cid, T0 + 2), BIG_N - BIG_OPTOUTS - 1);
out:
	queue_close(q);
	free(nums);
	free(rcpt);
}

/* Status reports: every part delivered -> delivered; one part failed -> failed; an unknown
 * reference is not matched; after the 8-bit TP-MR wraps the newest part wins. */
static void
test_status_reports(void)
{
	struct queue *q = open_mem();
	const char *const rcpt[] = { "+84912000001", "+84912000002", "+84912000003" };
	struct queue_msg m;
	int64_t id, ids[3];
	enum queue_state st;

	if (!q)
		return;
	CHECK(campaign(q, QUEUE_PRIO_NORMAL, T0, 0, 0, rcpt, 3) > 0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_INT(queue_claim_next(q, T0, "sim1", &m), 1);
		ids[i] = m.id;
		CHECK_EQ_INT(queue_mark_sent(q, m.id, i == 0 ? "17,18" : i == 1 ? "19" : "20", T0), 0);
		CHECK_EQ_INT(queue_parts_track(q, m.id, "sim1", i == 0 ? "17,18" : i == 1 ? "19" : "20",
					       T0 + i),
			     0);
		queue_msg_clear(&m);
	}
	/* two-part message: first part delivered -> still sent; second -> delivered */
	CHECK_EQ_INT(queue_status_report(q, "sim1", 17, rcpt[0], 0x00, T0 + 10, &id, &st), 1);
	CHECK_EQ_INT(id, ids[0]);
	CHECK_EQ_INT(st, QUEUE_SENT);
	CHECK_EQ_INT(queue_status_report(q, "sim1", 18, rcpt[0], 0x00, T0 + 11, &id, &st), 1);
	CHECK_EQ_INT(st, QUEUE_DELIVERED);
	/* still trying (0x20..0x3f) changes nothing; a permanent failure fails the message */
	CHECK_EQ_INT(queue_status_report(q, "sim1", 19, rcpt[1], 0x21, T0 + 12, &id, &st), 1);
	CHECK_EQ_INT(st, QUEUE_SENT);
	CHECK_EQ_INT(queue_status_report(q, "sim1", 19, rcpt[1], 0x41, T0 + 13, &id, &st), 1);
	CHECK_EQ_INT(st, QUEUE_FAILED);
	/* wrong modem, wrong reference or wrong recipient: not matched */
	CHECK_EQ_INT(queue_status_report(q, "sim2", 20, rcpt[2], 0, T0, &id, &st), 0);
	CHECK_EQ_INT(queue_status_report(q, "sim1", 99, rcpt[2], 0, T0, &id, &st), 0);
	CHECK_EQ_INT(queue_status_report(q, "sim1", 20, rcpt[0], 0, T0, &id, &st), 0);
	/* a reply later reuses reference 20 to the same number: the newest part is matched */
	int64_t reply;
	CHECK_EQ_INT(queue_reply_enqueue(q, rcpt[2], "Da nhan", "gsm7", 1, T0 + 20, &reply), 0);
	CHECK_EQ_INT(queue_claim_next(q, T0 + 20, "sim1", &m), 1);
	CHECK_EQ_INT(m.id, reply);
	queue_msg_clear(&m);
	CHECK_EQ_INT(queue_mark_sent(q, reply, "20", T0 + 21), 0);
	CHECK_EQ_INT(queue_parts_track(q, reply, "sim1", "20", T0 + 21), 0);
	CHECK_EQ_INT(queue_status_report(q, "sim1", 20, rcpt[2], 0, T0 + 30, &id, &st), 1);
	CHECK_EQ_INT(id, reply);
	CHECK_EQ_INT(state_of(q, ids[2]), QUEUE_SENT);
	CHECK_EQ_INT(state_of(q, reply), QUEUE_DELIVERED);
	CHECK(queue_parts_track(q, reply, "sim1", "x", T0) < 0);
	queue_close(q);
}

TEST_MAIN("queue", TEST_CASE(test_names), TEST_CASE(test_transitions), TEST_CASE(test_claim_order),
	  TEST_CASE(test_claim_not_due), TEST_CASE(test_optout_at_create),
	  TEST_CASE(test_optout_at_claim), TEST_CASE(test_end_by), TEST_CASE(test_invalid_args),
	  TEST_CASE(test_recover_file), TEST_CASE(test_schema_file),
	  TEST_CASE(test_newer_schema_refused), TEST_CASE(test_inbound), TEST_CASE(test_reports),
	  TEST_CASE(test_campaign_counts), TEST_CASE(test_foreach), TEST_CASE(test_nested_tx),
	  TEST_CASE(test_big_campaign), TEST_CASE(test_status_reports))
