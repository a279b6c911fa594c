/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_recur_test — recurring campaigns in the store: a template sends nothing and shows as
 * "recurring", due templates are listed in next_run_at order (paused and cancelled ones are
 * not), a spawn creates a child with the template's explicit recipients and its group
 * evaluated at spawn time, moves next_run_at, and refuses what is not a template. Also a
 * schema-2 file migrated to 3 keeps its counts. Stores are ":memory:" except the migration.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/log.h"
#include "queue/queue.h"
#include "queue/queue_int.h" /* queue_migrate_upto() */
#include "tests/lib/queue_fixture.h"
#include "tests/lib/test.h"

#define T0 1700000000000LL
#define DAY (24LL * 3600 * 1000)

QUEUE_TEST_SETUP("queue_recur_test")


struct due_acc {
	int n;
	int64_t ids[4];
	char rule[4][QUEUE_RECURRENCE_MAX];
	struct queue *q; /* when set, spawn from the callback */
	int64_t child;
};

static int
due_cb(const struct queue_campaign *p, void *arg)
{
	struct due_acc *a = arg;

	if (a->n < 4) {
		a->ids[a->n] = p->id;
		snprintf(a->rule[a->n], QUEUE_RECURRENCE_MAX, "%s", p->recurrence);
	}
	a->n++;
	if (a->q)
		CHECK_EQ_INT(queue_campaign_spawn(a->q, p->id, 0, 0, p->next_run_at_ms + DAY,
						  p->next_run_at_ms, &a->child),
			     0);
	return 0;
}

static void
test_templates(void)
{
	struct queue *q = open_mem();
	static const char *keys[] = { "commune" };
	static const char *vals[] = { "son-nam" };
	struct queue_contact c1 = { "+84914000001", NULL, "viettel", keys, vals, 1 };
	struct queue_contact c2 = { "+84914000002", NULL, "mobifone", keys, vals, 1 };
	const char *r[] = { "+84914000009", "+84914000001", "+84914000008" };
	const char *ops[] = { NULL, "vinaphone", NULL };
	struct queue_campaign_spec spec = {
		.text = "Lich tiem chung", .encoding = "gsm7", .segments = 1,
		.priority = QUEUE_PRIO_NORMAL, .start_at_ms = T0 + 8 * 3600000,
		.recipients = r, .operators = ops, .n_recipients = 3,
		.group_query = "commune=son-nam", .recurrence = "daily 08:00", .name = "tiem",
	};
	struct queue_campaign c;
	struct due_acc a;
	struct queue_msg m;
	int64_t tpl = 0, other = 0, child = 0, child2 = 0, counts[_QUEUE_STATE_COUNT];
	int got_vina = 0, n = 0;

	CHECK(q);
	if (!q)
		return;
	CHECK_EQ_INT(queue_contacts_upsert(q, &c1, 1, T0, NULL, NULL), 0);
	CHECK_EQ_INT(queue_optout_set(q, "+84914000008", true, T0), 0);
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, &tpl), 0);
	CHECK_EQ_INT(queue_campaign_get_at(q, tpl, T0, &c), 0);
	CHECK_EQ_STR(c.status, "recurring");
	CHECK_EQ_STR(c.recurrence, "daily 08:00");
	CHECK_EQ_INT(c.next_run_at_ms, T0 + 8 * 3600000);
	CHECK_EQ_INT(c.total, 0); /* a template sends nothing */
	queue_campaign_clear(&c);
	CHECK_EQ_INT(queue_state_counts(q, counts), 0);
	CHECK_EQ_INT(counts[QUEUE_QUEUED], 0);
	CHECK_EQ_INT(queue_next_due_ms(q, T0), INT64_MAX);
	spec.recurrence = "weekly 1 08:00";
	spec.start_at_ms = T0 + 3600000;
	spec.group_query = NULL;
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, &other), 0);

	/* the earliest run, for the gateway's timer */
	CHECK(queue_recurring_next_ms(q) == T0 + 3600000);
	/* due in next_run_at order */
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_recurring_due(q, T0, due_cb, &a), 0);
	CHECK_EQ_INT(a.n, 0);
	CHECK_EQ_INT(queue_recurring_due(q, T0 + 9 * 3600000, due_cb, &a), 2);
	CHECK_EQ_INT(a.ids[0], other);
	CHECK_EQ_INT(a.ids[1], tpl);
	CHECK_EQ_STR(a.rule[1], "daily 08:00");

	/* a contact added after the template is included in the run */
	CHECK_EQ_INT(queue_contacts_upsert(q, &c2, 1, T0 + 1, NULL, NULL), 0);
	CHECK_EQ_INT(queue_campaign_spawn(q, tpl, T0 + 8 * 3600000, T0 + 20 * 3600000,
					  T0 + DAY + 8 * 3600000, T0 + 8 * 3600000, &child), 0);
	CHECK_EQ_INT(queue_campaign_get_at(q, child, T0 + 8 * 3600000, &c), 0);
	CHECK_EQ_INT(c.parent_id, tpl);
	CHECK_EQ_STR(c.status, "active");
	CHECK_EQ_STR(c.name, "tiem");
	CHECK_EQ_STR(c.recurrence, "");
	CHECK_EQ_STR(c.group_query, "commune=son-nam");
	CHECK_EQ_INT(c.end_by_ms, T0 + 20 * 3600000);
	CHECK_EQ_INT(c.total, 4); /* 09, 01 (explicit and contact), 08 (opted out), 02 */
	CHECK_EQ_INT(c.counts[QUEUE_QUEUED], 3);
	CHECK_EQ_INT(c.counts[QUEUE_SUPPRESSED], 1);
	queue_campaign_clear(&c);
	while (queue_claim_next(q, T0 + 8 * 3600000, "m1", &m) == 1) {
		n++;
		CHECK_EQ_INT(m.campaign_id, child);
		if (strcmp(m.recipient, "+84914000001") == 0 && strcmp(m.operator, "vinaphone") == 0)
			got_vina++;
		queue_msg_clear(&m);
	}
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(got_vina, 1);
	CHECK_EQ_INT(queue_campaign_get_at(q, tpl, T0, &c), 0);
	CHECK_EQ_INT(c.next_run_at_ms, T0 + DAY + 8 * 3600000);
	CHECK_EQ_INT(c.total, 0);
	queue_campaign_clear(&c);
	CHECK_EQ_INT(queue_campaign_pause(q, other, true, T0), 0); /* a paused one does not count */
	CHECK(queue_recurring_next_ms(q) == T0 + DAY + 8 * 3600000);
	CHECK_EQ_INT(queue_campaign_pause(q, other, false, T0), 0);

	/* spawning from the callback; a paused template is not due */
	CHECK_EQ_INT(queue_campaign_pause(q, other, true, T0), 0);
	memset(&a, 0, sizeof(a));
	a.q = q;
	CHECK_EQ_INT(queue_recurring_due(q, T0 + 2 * DAY, due_cb, &a), 1);
	CHECK_EQ_INT(a.ids[0], tpl);
	child2 = a.child;
	CHECK(child2 > child);
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_recurring_due(q, T0 + 2 * DAY, due_cb, &a), 0);
	CHECK_EQ_INT(queue_campaign_pause(q, other, false, T0), 0);

	/* refusals */
	CHECK_EQ_INT(queue_campaign_spawn(q, child, 0, 0, 0, T0, NULL), -EINVAL); /* not a template */
	CHECK_EQ_INT(queue_campaign_spawn(q, 999, 0, 0, 0, T0, NULL), -ENOENT);
	CHECK_EQ_INT(queue_campaign_spawn(q, tpl, T0 + 10, T0 + 5, 0, T0, NULL), -EINVAL);
	CHECK_EQ_INT(queue_campaign_cancel(q, other, T0), 0);
	CHECK_EQ_INT(queue_campaign_spawn(q, other, 0, 0, 0, T0, NULL), -ESTALE);
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_recurring_due(q, T0 + 30 * DAY, due_cb, &a), 1); /* not the cancelled */
	/* next_run_at 0 ends the schedule */
	CHECK_EQ_INT(queue_campaign_spawn(q, tpl, 0, 0, 0, T0 + 30 * DAY, NULL), 0);
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_recurring_due(q, T0 + 60 * DAY, due_cb, &a), 0);
	spec.recurrence = "";
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, NULL), -EINVAL);
	CHECK_EQ_INT(queue_recurring_due(q, T0, NULL, NULL), -EINVAL);
	queue_close(q);
}

/* A store at schema 2 (built by the real migration steps 1 and 2) opens as 3 with its counts. */
static void
test_migrate_from_v2(void)
{
	char path[] = "/tmp/queue_recur_test.XXXXXX", err[256] = "", side[64];
	struct queue *q;
	struct queue_campaign c;
	struct queue_metrics m;
	struct queue_msg msg;
	sqlite3 *db = NULL;
	int fd = mkstemp(path);
	int64_t counts[_QUEUE_STATE_COUNT];

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ_INT(queue_migrate_upto(db, 2, err, sizeof(err)), 0);
	CHECK_EQ_INT(sqlite3_exec(db,
				  "INSERT INTO campaigns (id, text, encoding, segments, priority,"
				  " created_at, start_at) VALUES (7, 'cu', 'gsm7', 1, 1, 0, 0);"
				  "INSERT INTO messages (campaign_id, recipient, priority, state,"
				  " next_attempt_at, created_at, updated_at) VALUES"
				  " (7, '+84915000001', 1, 'queued', 0, 0, 0),"
				  " (7, '+84915000002', 1, 'sent', 0, 0, 0);"
				  "INSERT INTO messages (campaign_id, recipient, text, encoding, segments,"
				  " priority, state, next_attempt_at, created_at, updated_at) VALUES"
				  " (NULL, '+84915000003', 'ok', 'gsm7', 1, 3, 'queued', 0, 0, 0);"
				  "INSERT INTO inbound (sender, smsc_time, concat_ref, part, parts, text,"
				  " received_at, action) VALUES ('+84915000003', 1, -1, 1, 1, 'HELP', 1,"
				  " 'help');"
				  "INSERT INTO reports (inbound_id, ticket, sender, text, created_at)"
				  " VALUES (1, 'ABCDEF', '+84915000003', 'x', 1);",
				  NULL, NULL, NULL),
		     SQLITE_OK);
	sqlite3_close(db);

	q = queue_open(path, err, sizeof(err));
	CHECK(q);
	if (!q) {
		fprintf(stderr, "  %s\n", err);
		goto out;
	}
	CHECK_EQ_INT(queue_schema_version(q), QUEUE_SCHEMA_VERSION);
	CHECK_EQ_INT(queue_state_counts(q, counts), 0);
	CHECK_EQ_INT(counts[QUEUE_QUEUED], 2);
	CHECK_EQ_INT(counts[QUEUE_SENT], 1);
	CHECK_EQ_INT(queue_campaign_get_at(q, 7, 1, &c), 0);
	CHECK_EQ_INT(c.total, 2);
	CHECK_EQ_STR(c.status, "active");
	queue_campaign_clear(&c);
	CHECK_EQ_INT(queue_metrics(q, &m), 0);
	CHECK_EQ_INT(m.n_inbound, 1);
	CHECK_EQ_STR(m.inbound[0].action, "help");
	CHECK_EQ_INT(m.reports_new, 1);
	CHECK_EQ_INT(m.queued_by_priority[QUEUE_PRIO_REPLY], 1);
	/* and the migrated store claims: the reply, then the campaign's message */
	CHECK_EQ_INT(queue_claim_next(q, 10, "m1", &msg), 1);
	CHECK_EQ_INT(msg.campaign_id, 0);
	queue_msg_clear(&msg);
	CHECK_EQ_INT(queue_claim_next(q, 10, "m1", &msg), 1);
	CHECK_EQ_INT(msg.campaign_id, 7);
	queue_msg_clear(&msg);
	queue_close(q);
out:
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

TEST_MAIN("queue_recur", TEST_CASE(test_templates), TEST_CASE(test_migrate_from_v2))
