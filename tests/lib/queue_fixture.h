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

#endif
