/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_fixture — what every store test starts with: quiet logging, SQLite's global set-up, and
 * a fresh in-memory store.
 */
#ifndef LOA_TEST_QUEUE_FIXTURE_H
#define LOA_TEST_QUEUE_FIXTURE_H

#include <stdio.h>

#include "common/log.h"
#include "queue/queue.h"
#include "tests/lib/test.h"

/* Log errors only, as `name`, and initialise SQLite before main(). */
#define QUEUE_TEST_SETUP(name)                                                                    \
	__attribute__((constructor)) static void queue_test_setup(void)                            \
	{                                                                                          \
		log_init(name, LOG_ERROR, false, false);                                           \
		queue_global_init();                                                               \
	}

/* A fresh ":memory:" store; NULL (the reason printed) when it cannot be opened. */
static inline struct queue *
open_mem(void)
{
	char err[256] = "";
	struct queue *q = queue_open(":memory:", err, sizeof(err));

	if (!q)
		fprintf(stderr, "  queue_open: %s\n", err);
	return q;
}

/*
 * Create a campaign from spec; text, encoding and segments default to "Thong bao" in one GSM
 * 7-bit part. Returns its id, 0 on failure (counted as a failed check).
 */
static inline int64_t
fixture_campaign(struct queue *q, struct queue_campaign_spec spec, int64_t now)
{
	int64_t id = 0;

	if (!spec.text)
		spec.text = "Thong bao";
	if (!spec.encoding)
		spec.encoding = "gsm7";
	if (!spec.segments)
		spec.segments = 1;
	CHECK_EQ_INT(queue_campaign_create(q, &spec, now, &id), 0);
	CHECK(id > 0);
	return id;
}

#endif
