/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_contacts_test — the contact book in the store: upserts (new, replaced, malformed
 * batches that store nothing), tag queries (AND of terms, all contacts, malformed queries),
 * listing and paging, named groups, campaigns and previews built from groups (union with the
 * explicit list, de-duplication, opt-outs, operators from contacts), and 100,000 contacts in
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

QUEUE_TEST_SETUP("queue_contacts_test")


static const char *k_commune_role[] = { "commune", "role" };
static const char *v_sonnam_yte[] = { "son-nam", "y-te" };
static const char *v_sonnam_dan[] = { "son-nam", "dan" };
static const char *v_hoabinh_yte[] = { "hoa-binh", "y-te" };

/* Five contacts: three in son-nam (one y-te), one in hoa-binh (y-te), one without tags. */
static void
seed(struct queue *q)
{
	struct queue_contact c[] = {
		{ "+84911000001", "Anh", "viettel", k_commune_role, v_sonnam_yte, 2 },
		{ "+84911000002", "Binh", "mobifone", k_commune_role, v_sonnam_dan, 2 },
		{ "+84911000003", NULL, NULL, k_commune_role, v_sonnam_dan, 1 },
		{ "+84911000004", "Dung", "viettel", k_commune_role, v_hoabinh_yte, 2 },
		{ "+84911000005", "Em", "vinaphone", NULL, NULL, 0 },
	};
	size_t ins = 99, upd = 99;

	CHECK_EQ_INT(queue_contacts_upsert(q, c, 5, T0, &ins, &upd), 0);
	CHECK_EQ_INT(ins, 5);
	CHECK_EQ_INT(upd, 0);
}

static int64_t
count(struct queue *q, const char *query)
{
	int64_t n = -1;
	int rc = queue_contacts_count(q, query, &n);

	return rc < 0 ? rc : n;
}

static void
test_upsert_and_query(void)
{
	struct queue *q = open_mem();
	struct queue_contact_row row;
	const char *k3[] = { "commune", "role", "role" };
	const char *v3[] = { "hoa-binh", "y-te", "dan" };
	struct queue_contact upd = { "+84911000001", "Anh Hai", "mobifone", k3, v3, 3 };
	struct queue_contact bad[] = {
		{ "+84911000009", "New", NULL, NULL, NULL, 0 },
		{ "+84911000010", "Bad", NULL, k_commune_role, (const char *[]){ "Son Nam" }, 1 },
	};
	size_t ins = 0, up = 0;

	CHECK(q);
	if (!q)
		return;
	seed(q);
	CHECK_EQ_INT(count(q, ""), 5);
	CHECK_EQ_INT(count(q, "*"), 5);
	CHECK_EQ_INT(count(q, "commune=son-nam"), 3);
	CHECK_EQ_INT(count(q, "commune=son-nam,role=y-te"), 1);
	CHECK_EQ_INT(count(q, "role=y-te"), 2);
	CHECK_EQ_INT(count(q, "role=y-te,commune=hoa-binh"), 1);
	CHECK_EQ_INT(count(q, "commune=ha-noi"), 0);
	/* malformed queries */
	CHECK_EQ_INT(count(q, "commune"), -EINVAL);
	CHECK_EQ_INT(count(q, "Commune=son-nam"), -EINVAL);
	CHECK_EQ_INT(count(q, "commune=son-nam,"), -EINVAL);
	CHECK_EQ_INT(count(q, "=son-nam"), -EINVAL);
	CHECK_EQ_INT(count(q, "commune="), -EINVAL);
	CHECK_EQ_INT(count(q, "commune=son nam"), -EINVAL);
	CHECK_EQ_INT(count(q, "a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9"), -EINVAL);
	CHECK_EQ_INT(count(q, "a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8"), 0);
	CHECK_EQ_INT(count(q, NULL), -EINVAL);

	CHECK_EQ_INT(queue_contact_get(q, "+84911000001", &row), 0);
	CHECK_EQ_STR(row.name, "Anh");
	CHECK_EQ_STR(row.operator, "viettel");
	CHECK_EQ_STR(row.tags, "commune=son-nam,role=y-te");
	CHECK_EQ_INT(row.created_at_ms, T0);
	CHECK_EQ_INT(queue_contact_get(q, "+84911000003", &row), 0);
	CHECK_EQ_STR(row.name, "");
	CHECK_EQ_STR(row.tags, "commune=son-nam");
	CHECK_EQ_INT(queue_contact_get(q, "+84911999999", &row), -ENOENT);

	/* an update replaces name, operator and tags; a key may have several values */
	CHECK_EQ_INT(queue_contacts_upsert(q, &upd, 1, T0 + 5, &ins, &up), 0);
	CHECK_EQ_INT(ins, 0);
	CHECK_EQ_INT(up, 1);
	CHECK_EQ_INT(queue_contact_get(q, "+84911000001", &row), 0);
	CHECK_EQ_STR(row.name, "Anh Hai");
	CHECK_EQ_STR(row.operator, "mobifone");
	CHECK_EQ_STR(row.tags, "commune=hoa-binh,role=dan,role=y-te");
	CHECK_EQ_INT(row.created_at_ms, T0);
	CHECK_EQ_INT(row.updated_at_ms, T0 + 5);
	CHECK_EQ_INT(count(q, "commune=son-nam"), 2);
	CHECK_EQ_INT(count(q, "role=dan,role=y-te"), 1);

	/* a malformed entry stores nothing of its batch */
	CHECK_EQ_INT(queue_contacts_upsert(q, bad, 2, T0, &ins, &up), -EINVAL);
	CHECK_EQ_INT(count(q, ""), 5);
	bad[1].number = "";
	bad[1].n_tags = 0;
	CHECK_EQ_INT(queue_contacts_upsert(q, bad, 2, T0, &ins, &up), -EINVAL);
	CHECK_EQ_INT(queue_contacts_upsert(q, NULL, 1, T0, &ins, &up), -EINVAL);
	CHECK_EQ_INT(count(q, ""), 5);

	/* delete */
	CHECK_EQ_INT(queue_contact_delete(q, "+84911000004"), 0);
	CHECK_EQ_INT(queue_contact_delete(q, "+84911000004"), -ENOENT);
	CHECK_EQ_INT(count(q, "role=y-te"), 1);
	CHECK_EQ_INT(count(q, ""), 4);
	queue_close(q);
}

struct list_acc {
	int n;
	int64_t ids[8];
	char numbers[8][QUEUE_NUMBER_MAX];
};

static int
list_cb(const struct queue_contact_row *c, void *arg)
{
	struct list_acc *a = arg;

	if (a->n < 8) {
		a->ids[a->n] = c->id;
		snprintf(a->numbers[a->n], QUEUE_NUMBER_MAX, "%s", c->number);
	}
	a->n++;
	return 0;
}

static int
group_cb(const char *name, const char *query, void *arg)
{
	char *buf = arg;

	strncat(buf, name, 200 - strlen(buf) - 1);
	strncat(buf, ":", 200 - strlen(buf) - 1);
	strncat(buf, query, 200 - strlen(buf) - 1);
	strncat(buf, ";", 200 - strlen(buf) - 1);
	return 0;
}

static void
test_list_and_groups(void)
{
	struct queue *q = open_mem();
	struct list_acc a;
	char query[QUEUE_QUERY_MAX], small[8], all[200] = "";

	CHECK(q);
	if (!q)
		return;
	seed(q);
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_contacts_list(q, "commune=son-nam", 0, 2, list_cb, &a), 0);
	CHECK_EQ_INT(a.n, 2);
	CHECK_EQ_STR(a.numbers[0], "+84911000001");
	CHECK_EQ_STR(a.numbers[1], "+84911000002");
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_contacts_list(q, "commune=son-nam", 2, 10, list_cb, &a), 0);
	CHECK_EQ_INT(a.n, 1);
	CHECK_EQ_STR(a.numbers[0], "+84911000003");
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(queue_contacts_list(q, "*", 0, 10, list_cb, &a), 0);
	CHECK_EQ_INT(a.n, 5);
	CHECK_EQ_INT(queue_contacts_list(q, "x", 0, 10, list_cb, &a), -EINVAL);
	CHECK_EQ_INT(queue_contacts_list(q, "", 0, 0, list_cb, &a), -EINVAL);

	CHECK_EQ_INT(queue_group_save(q, "y-te-son-nam", "commune=son-nam,role=y-te", T0), 0);
	CHECK_EQ_INT(queue_group_save(q, "ca-xa", "*", T0), 0);
	CHECK_EQ_INT(queue_group_save(q, "bad", "commune", T0), -EINVAL);
	CHECK_EQ_INT(queue_group_save(q, "", "*", T0), -EINVAL);
	CHECK_EQ_INT(queue_group_get(q, "bad", query, sizeof(query)), -ENOENT);
	CHECK_EQ_INT(queue_group_get(q, "y-te-son-nam", query, sizeof(query)), 0);
	CHECK_EQ_STR(query, "commune=son-nam,role=y-te");
	CHECK_EQ_INT(queue_group_get(q, "y-te-son-nam", small, sizeof(small)), -ENOSPC);
	CHECK_EQ_INT(queue_group_save(q, "y-te-son-nam", "role=y-te", T0 + 1), 0); /* replace */
	CHECK_EQ_INT(queue_groups_list(q, group_cb, all), 0);
	CHECK_EQ_STR(all, "ca-xa:*;y-te-son-nam:role=y-te;");
	CHECK_EQ_INT(queue_group_delete(q, "ca-xa"), 0);
	CHECK_EQ_INT(queue_group_delete(q, "ca-xa"), -ENOENT);
	queue_close(q);
}

static void
test_campaign_from_group(void)
{
	struct queue *q = open_mem();
	/* +..01 explicit and in the group; +..07 explicit only; +..02 opted out */
	const char *r[] = { "+84911000001", "+84911000007", "+84911000001" };
	const char *ops[] = { "vietnamobile", NULL, NULL };
	struct queue_campaign_spec spec = {
		.text = "Hop to y te", .encoding = "gsm7", .segments = 1,
		.priority = QUEUE_PRIO_NORMAL, .recipients = r, .operators = ops,
		.n_recipients = 3, .group_query = "commune=son-nam",
	};
	struct queue_preview p;
	struct queue_campaign c;
	struct queue_msg_info mi;
	struct queue_msg m;
	int64_t id = 0, before[_QUEUE_STATE_COUNT], after[_QUEUE_STATE_COUNT];
	int got_vnm = 0, got_mobi_supp = 0, got_unknown = 0, n = 0;

	CHECK(q);
	if (!q)
		return;
	seed(q);
	CHECK_EQ_INT(queue_optout_set(q, "+84911000002", true, T0), 0);
	CHECK_EQ_INT(queue_state_counts(q, before), 0);
	CHECK_EQ_INT(queue_campaign_preview(q, &spec, T0, &p), 0);
	CHECK_EQ_INT(p.recipients, 4); /* 01, 07, 02, 03 */
	CHECK_EQ_INT(p.opted_out, 1);
	CHECK_EQ_INT(p.duplicates, 2); /* 01 twice in the list, and again in the group */
	CHECK_EQ_INT(p.to_send, 3);
	CHECK_EQ_INT(queue_state_counts(q, after), 0);
	CHECK(memcmp(before, after, sizeof(before)) == 0);

	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, &id), 0);
	CHECK_EQ_INT(queue_campaign_get_at(q, id, T0, &c), 0);
	CHECK_EQ_INT(c.total, 4);
	CHECK_EQ_INT(c.counts[QUEUE_QUEUED], 3);
	CHECK_EQ_INT(c.counts[QUEUE_SUPPRESSED], 1);
	CHECK_EQ_STR(c.group_query, "commune=son-nam");
	queue_campaign_clear(&c);
	while (queue_claim_next(q, T0, "m1", &m) == 1) {
		n++;
		if (strcmp(m.recipient, "+84911000001") == 0 && strcmp(m.operator, "vietnamobile") == 0)
			got_vnm++; /* the explicit operator wins over the contact's */
		if (strcmp(m.recipient, "+84911000007") == 0 && m.operator[0] == '\0')
			got_unknown++;
		queue_msg_clear(&m);
	}
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(got_vnm, 1);
	CHECK_EQ_INT(got_unknown, 1);
	for (int64_t mid = 1; mid <= 8; mid++)
		if (queue_msg_get(q, mid, &mi) == 0 && strcmp(mi.recipient, "+84911000002") == 0 &&
		    mi.state == QUEUE_SUPPRESSED && strcmp(mi.operator, "mobifone") == 0)
			got_mobi_supp++;
	CHECK_EQ_INT(got_mobi_supp, 1);

	/* an explicit number that is a contact takes the contact's operator */
	{
		const char *one[] = { "+84911000005" };
		struct queue_campaign_spec s2 = { .text = "x", .encoding = "gsm7", .segments = 1,
						  .priority = QUEUE_PRIO_BULK, .recipients = one,
						  .n_recipients = 1 };

		CHECK_EQ_INT(queue_campaign_create(q, &s2, T0, NULL), 0);
		CHECK_EQ_INT(queue_claim_next(q, T0, "m1", &m), 1);
		CHECK_EQ_STR(m.operator, "vinaphone");
		queue_msg_clear(&m);
	}
	/* every contact */
	spec.n_recipients = 0;
	spec.group_query = "";
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, &id), 0);
	CHECK_EQ_INT(queue_campaign_get_at(q, id, T0, &c), 0);
	CHECK_EQ_INT(c.total, 5);
	CHECK_EQ_STR(c.group_query, "*");
	queue_campaign_clear(&c);
	/* a malformed group query stores nothing */
	spec.group_query = "commune";
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0, &id), -EINVAL);
	CHECK_EQ_INT(queue_campaign_preview(q, &spec, T0, &p), -EINVAL);
	CHECK_EQ_INT(queue_campaign_get_at(q, id + 1, T0, &c), -ENOENT);
	queue_close(q);
}

#define BIG_CONTACTS 100000
#define BATCH 10000

static void
test_big_contacts(void)
{
	struct queue *q = open_mem();
	struct queue_contact *c = calloc(BATCH, sizeof(*c));
	char(*nums)[16] = calloc(BATCH, sizeof(*nums));
	static const char *keys[] = { "commune", "role" };
	static const char *communes[] = { "son-nam", "hoa-binh", "tan-lap", "an-phu" };
	static const char *roles[] = { "dan", "y-te" };
	const char **vals = calloc(BATCH * 2, sizeof(*vals));
	size_t ins, upd, tot_ins = 0;
	int64_t cid = 0;
	struct queue_campaign camp;
	struct queue_campaign_spec spec = { .text = "Toan xa", .encoding = "gsm7", .segments = 1,
					    .priority = QUEUE_PRIO_BULK,
					    .group_query = "commune=son-nam,role=y-te" };

	CHECK(q && c && nums && vals);
	if (!q || !c || !nums || !vals)
		goto out;
	for (int b = 0; b < BIG_CONTACTS / BATCH; b++) {
		for (int i = 0; i < BATCH; i++) {
			int k = b * BATCH + i;

			snprintf(nums[i], sizeof(nums[i]), "+8497%07d", (k * 7919) % 10000000);
			vals[2 * i] = communes[k % 4];
			vals[2 * i + 1] = roles[(k / 4) % 2];
			c[i] = (struct queue_contact){ nums[i], NULL, k % 3 ? "viettel" : "mobifone",
						       keys, &vals[2 * i], 2 };
		}
		CHECK_EQ_INT(queue_contacts_upsert(q, c, BATCH, T0 + b, &ins, &upd), 0);
		tot_ins += ins;
	}
	CHECK_EQ_INT(tot_ins, BIG_CONTACTS);
	CHECK_EQ_INT(count(q, ""), BIG_CONTACTS);
	CHECK_EQ_INT(count(q, "commune=son-nam"), BIG_CONTACTS / 4);
	/* k % 4 == 0 and (k / 4) % 2 == 1 */
	CHECK_EQ_INT(count(q, "commune=son-nam,role=y-te"), BIG_CONTACTS / 8);
	/* the last batch again: all updates */
	CHECK_EQ_INT(queue_contacts_upsert(q, c, BATCH, T0 + 99, &ins, &upd), 0);
	CHECK_EQ_INT(ins, 0);
	CHECK_EQ_INT(upd, BATCH);
	CHECK_EQ_INT(queue_campaign_create(q, &spec, T0 + 100, &cid), 0);
	CHECK_EQ_INT(queue_campaign_get_at(q, cid, T0 + 100, &camp), 0);
	CHECK_EQ_INT(camp.counts[QUEUE_QUEUED], BIG_CONTACTS / 8);
	queue_campaign_clear(&camp);
out:
	queue_close(q);
	free(c);
	free(nums);
	free(vals);
}

TEST_MAIN("queue_contacts", TEST_CASE(test_upsert_and_query), TEST_CASE(test_list_and_groups),
	  TEST_CASE(test_campaign_from_group), TEST_CASE(test_big_contacts))
