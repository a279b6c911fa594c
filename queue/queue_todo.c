/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_todo — functions declared in queue.h whose implementation has not landed yet. Each
 * returns -ENOSYS (never a silent success) so callers can be wired and built meanwhile. A
 * function moves out of this file when it is implemented.
 */
#include <errno.h>
#include <string.h>

#include "queue/queue_int.h"

/* section 2: contacts and groups */
int
queue_contacts_upsert(struct queue *q, const struct queue_contact *c, size_t n, int64_t now_ms,
		      size_t *inserted, size_t *updated)
{
	(void)q, (void)c, (void)n, (void)now_ms, (void)inserted, (void)updated;
	return -ENOSYS;
}

int
queue_contacts_count(struct queue *q, const char *query, int64_t *n)
{
	(void)q, (void)query, (void)n;
	return -ENOSYS;
}

int
queue_contacts_list(struct queue *q, const char *query, int64_t after_id, int limit,
		    int (*cb)(const struct queue_contact_row *c, void *arg), void *arg)
{
	(void)q, (void)query, (void)after_id, (void)limit, (void)cb, (void)arg;
	return -ENOSYS;
}

int
queue_contact_get(struct queue *q, const char *number, struct queue_contact_row *out)
{
	(void)q, (void)number, (void)out;
	return -ENOSYS;
}

int
queue_contact_delete(struct queue *q, const char *number)
{
	(void)q, (void)number;
	return -ENOSYS;
}

int
queue_group_save(struct queue *q, const char *name, const char *query, int64_t now_ms)
{
	(void)q, (void)name, (void)query, (void)now_ms;
	return -ENOSYS;
}

int
queue_groups_list(struct queue *q, int (*cb)(const char *name, const char *query, void *arg),
		  void *arg)
{
	(void)q, (void)cb, (void)arg;
	return -ENOSYS;
}

int
queue_group_get(struct queue *q, const char *name, char *query, size_t size)
{
	(void)q, (void)name, (void)query, (void)size;
	return -ENOSYS;
}

int
queue_group_delete(struct queue *q, const char *name)
{
	(void)q, (void)name;
	return -ENOSYS;
}

int
queue_group_sql(const char *query, char *sql, size_t size)
{
	(void)query, (void)sql, (void)size;
	return -ENOSYS;
}

int
queue_group_bind(struct queue *q, sqlite3_stmt *st, const char *query, int first)
{
	(void)q, (void)st, (void)query, (void)first;
	return -ENOSYS;
}

int
queue_group_insert_messages(struct queue *q, int64_t campaign_id, int priority, const char *query,
			    int64_t next_attempt_at, int64_t now_ms, int64_t *added)
{
	(void)q, (void)campaign_id, (void)priority, (void)query, (void)next_attempt_at;
	(void)now_ms, (void)added;
	return -ENOSYS;
}

/* section 5: operator surface */
int
queue_optouts_list(struct queue *q, const char *after, int limit,
		   int (*cb)(const char *number, int64_t created_at_ms, void *arg), void *arg)
{
	(void)q, (void)after, (void)limit, (void)cb, (void)arg;
	return -ENOSYS;
}

int
queue_optouts_count(struct queue *q, int64_t *n)
{
	(void)q, (void)n;
	return -ENOSYS;
}

int
queue_audit(struct queue *q, const char *who, const char *action, const char *object,
	    int result_code, const char *detail, int64_t now_ms)
{
	(void)q, (void)who, (void)action, (void)object, (void)result_code, (void)detail;
	(void)now_ms;
	return -ENOSYS;
}

int
queue_audit_list(struct queue *q, const struct queue_audit_filter *f,
		 int (*cb)(const struct queue_audit_entry *e, void *arg), void *arg)
{
	(void)q, (void)f, (void)cb, (void)arg;
	return -ENOSYS;
}

int
queue_metrics(struct queue *q, struct queue_metrics *out)
{
	(void)q;
	if (out)
		memset(out, 0, sizeof(*out));
	return -ENOSYS;
}

/* section 3: recurrence */
int
queue_recurring_due(struct queue *q, int64_t now_ms,
		    int (*cb)(const struct queue_campaign *parent, void *arg), void *arg)
{
	(void)q, (void)now_ms, (void)cb, (void)arg;
	return -ENOSYS;
}

int
queue_campaign_spawn(struct queue *q, int64_t parent_id, int64_t start_at_ms, int64_t end_by_ms,
		     int64_t next_run_at_ms, int64_t now_ms, int64_t *child_id)
{
	(void)q, (void)parent_id, (void)start_at_ms, (void)end_by_ms, (void)next_run_at_ms;
	(void)now_ms, (void)child_id;
	return -ENOSYS;
}

/* section 1 (pending) */