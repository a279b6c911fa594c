/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_rset — the set a campaign's recipients are gathered in: 24 bytes a number (struct
 * queue_rcpt), so a million take 16 MB while a campaign is created, whether they come from
 * one request, a CSV or a group; nothing is held afterwards. Sorting by number drops
 * duplicates (the first added wins: an operator given with a number beats the contact's);
 * the set can then go back to the order given, the order of sending. Memory only: how the
 * set is stored is queue_chunks.c.
 *
 * Thread: any (one set per thread).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue_int.h"

#define QUEUE_RSET_OPS_MAX 65535

/* ---- the set ---- */

bool
queue_rcpt_pack(const char *s, size_t len, uint64_t *key)
{
	uint64_t k = 0;

	if (len < 2 || len > QUEUE_RCPT_DIGITS + 1 || s[0] != '+')
		return false;
	for (size_t i = 1; i <= QUEUE_RCPT_DIGITS; i++) {
		unsigned d = 0;
		if (i < len) {
			if (s[i] < '0' || s[i] > '9')
				return false;
			d = (unsigned)(s[i] - '0') + 1;
		}
		k = (k << 4) | d;
	}
	*key = k;
	return true;
}

size_t
queue_rcpt_unpack(uint64_t key, char buf[QUEUE_RCPT_STR])
{
	size_t n = 0;

	buf[n++] = '+';
	for (int i = QUEUE_RCPT_DIGITS - 1; i >= 0; i--) {
		unsigned d = (unsigned)(key >> (4 * i)) & 0xf;
		if (d == 0)
			break;
		buf[n++] = (char)('0' + d - 1);
	}
	buf[n] = '\0';
	return n;
}

struct queue_rset *
queue_rset_new(void)
{
	return calloc(1, sizeof(struct queue_rset));
}

void
queue_rset_free(struct queue_rset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_ops; i++)
		free(s->ops[i]);
	free(s->ops);
	free(s->v);
	free(s);
}

size_t
queue_rset_given(const struct queue_rset *s)
{
	return s ? s->given : 0;
}

size_t
queue_rset_count(struct queue_rset *s)
{
	return s && s->deduped ? s->n : queue_rset_finish(s);
}

const char *
queue_rset_op(const struct queue_rset *s, uint16_t op)
{
	return op && op <= s->n_ops ? s->ops[op - 1] : NULL;
}

int
queue_rset_op_index(struct queue_rset *s, const char *name)
{
	char **tmp;

	if (!name)
		return 0;
	for (size_t i = s->n_ops; i > 0; i--) /* the last one added is the likeliest */
		if (strcmp(s->ops[i - 1], name) == 0)
			return (int)i;
	if (s->n_ops >= QUEUE_RSET_OPS_MAX)
		return -E2BIG;
	tmp = realloc(s->ops, (s->n_ops + 1) * sizeof(*s->ops));
	if (!tmp)
		return -ENOMEM;
	s->ops = tmp;
	s->ops[s->n_ops] = strdup(name);
	if (!s->ops[s->n_ops])
		return -ENOMEM;
	return (int)++s->n_ops;
}

static int
queue_rset_put(struct queue_rset *s, const char *number, const char *operator, bool contact)
{
	struct queue_rcpt *r;
	uint64_t key;
	int op;

	if (!s || !number || !queue_rcpt_pack(number, strlen(number), &key) ||
	    (operator && (!operator[0] || strlen(operator) >= QUEUE_OPERATOR_MAX)))
		return -EINVAL;
	if (s->given >= UINT32_MAX)
		return -E2BIG;
	op = queue_rset_op_index(s, operator);
	if (op < 0)
		return op;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct queue_rcpt *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	r = &s->v[s->n++];
	memset(r, 0, sizeof(*r));
	r->key = key;
	r->pos = (uint32_t)s->given++;
	r->op = (uint16_t)op;
	r->contact = contact;
	s->deduped = s->by_number = false;
	return 0;
}

int
queue_rset_add(struct queue_rset *s, const char *number, const char *operator)
{
	return queue_rset_put(s, number, operator, false);
}

int
queue_rset_add_contact(struct queue_rset *s, const char *number, const char *operator)
{
	return queue_rset_put(s, number, operator, true);
}

static int
queue_rcpt_cmp(const void *a, const void *b)
{
	const struct queue_rcpt *x = a, *y = b;
	if (x->key != y->key)
		return x->key > y->key ? 1 : -1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

size_t
queue_rset_finish(struct queue_rset *s)
{
	size_t d = 0;

	if (!s)
		return 0;
	if (!s->by_number && s->n > 1) /* (qsort of NULL, 0 is undefined) */
		qsort(s->v, s->n, sizeof(*s->v), queue_rcpt_cmp);
	s->by_number = true;
	if (s->deduped)
		return s->n;
	for (size_t i = 0; i < s->n; i++)
		if (d == 0 || s->v[i].key != s->v[d - 1].key)
			s->v[d++] = s->v[i];
	s->n = d;
	s->deduped = true;
	if (s->cap > 1024 && d < s->cap / 2) { /* give back what duplicates took */
		struct queue_rcpt *v = realloc(s->v, (d ? d : 1) * sizeof(*v));
		if (v) {
			s->v = v;
			s->cap = d ? d : 1;
		}
	}
	return d;
}

static int
queue_rcpt_cmp_pos(const void *a, const void *b)
{
	const struct queue_rcpt *x = a, *y = b;

	return (x->pos > y->pos) - (x->pos < y->pos);
}

void
queue_rset_order_given(struct queue_rset *s)
{
	if (s && s->by_number) {
		if (s->n > 1)
			qsort(s->v, s->n, sizeof(*s->v), queue_rcpt_cmp_pos);
		s->by_number = false;
	}
}

