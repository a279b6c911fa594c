/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * campaign_req — validation of a campaign request. See campaign_req.h.
 */
#include "gateway/campaign_req.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "gateway/gw_text.h"
#include "queue/queue.h"

struct req_ctx {
	char *field, *msg;
	size_t fieldlen, msglen;
};

static int req_fail(struct req_ctx *x, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
req_fail(struct req_ctx *x, const char *field, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(x->msg, x->msglen, "%s: ", field);

	util_strlcpy(x->field, field, x->fieldlen);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < x->msglen)
		vsnprintf(x->msg + n, x->msglen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void
gw_campaign_req_free(struct gw_campaign_req *r)
{
	if (!r)
		return;
	queue_rset_free(r->rset);
	free(r->text);
	free(r->group);
	free(r->name);
	free(r->recurrence);
	for (size_t i = 0; i < r->n_poll_answers; i++)
		free(r->poll_answers[i]);
	memset(r, 0, sizeof(*r));
}

int
gw_recurrence_parse(const char *rule, int *weekday, int *hour, int *minute)
{
	int d = 0, h, m, n = 0;

	if (!rule)
		return -EINVAL;
	if (sscanf(rule, "daily %2d:%2d%n", &h, &m, &n) == 2 && rule[n] == '\0') {
		d = 0;
	} else if (sscanf(rule, "weekly %1d %2d:%2d%n", &d, &h, &m, &n) == 3 && rule[n] == '\0') {
		if (d < 1 || d > 7)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (h < 0 || h > 23 || m < 0 || m > 59)
		return -EINVAL;
	*weekday = d;
	*hour = h;
	*minute = m;
	return 0;
}

int
gw_campaign_req_init(struct gw_campaign_req *out, const char *country_code,
		     const char *(*operator_of)(const void *arg, const char *e164),
		     const void *operator_arg)
{
	memset(out, 0, sizeof(*out));
	out->priority = QUEUE_PRIO_NORMAL;
	util_strlcpy(out->country_code, country_code ? country_code : "", sizeof(out->country_code));
	out->operator_of = operator_of;
	out->operator_arg = operator_arg;
	out->rset = queue_rset_new();
	return out->rset ? 0 : -ENOMEM;
}

int
gw_campaign_req_number(void *arg, size_t index, const char *s, size_t len, char *field,
		       size_t fieldlen, char *msg, size_t msglen)
{
	struct gw_campaign_req *r = arg;
	struct req_ctx x = { field, msg, fieldlen, msglen };
	char f[40], given[48], e164[QUEUE_NUMBER_MAX];
	const char *why = "expected a string";
	int rc;

	snprintf(f, sizeof(f), "recipients[%zu]", index);
	if (index >= GW_CAMPAIGN_MAX_RECIPIENTS)
		return req_fail(&x, "recipients", "more than %d numbers; at most %d per request",
				GW_CAMPAIGN_MAX_RECIPIENTS, GW_CAMPAIGN_MAX_RECIPIENTS);
	/* shown in the error, cut to fit; a NUL inside is not a number either */
	size_t shown = len < sizeof(given) - 1 ? len : sizeof(given) - 1;
	memcpy(given, s, shown);
	given[shown] = '\0';
	if (len >= sizeof(given) || memchr(s, '\0', len))
		return req_fail(&x, f, "%s: \"%s\"", len >= sizeof(given) ? "too long" : "not a number",
				given);
	if (gw_text_number_normalize(given, r->country_code, e164, &why) < 0)
		return req_fail(&x, f, "%s: \"%s\"", why, given);
	rc = queue_rset_add(r->rset, e164, r->operator_of ? r->operator_of(r->operator_arg, e164)
							  : NULL);
	if (rc == -EINVAL) /* normalised numbers fit; an operator name from the config always */
		return req_fail(&x, f, "not usable: \"%s\"", given);
	if (rc < 0)
		return rc;
	r->n_given++;
	return 0;
}

/* Optional epoch-seconds field: 0 when absent or null. */
static int
req_epoch(struct req_ctx *x, const json_t *body, const char *name, int64_t *ms)
{
	const json_t *v = json_object_get(body, name);

	*ms = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > INT64_MAX / 1000)
		return req_fail(x, name, "expected epoch seconds (an integer >= 0)");
	*ms = json_integer_value(v) * 1000;
	return 0;
}

/* Optional non-empty string field of at most max bytes, copied; NULL when absent. */
static int
req_string(struct req_ctx *x, const json_t *body, const char *name, size_t max, char **out)
{
	const json_t *v = json_object_get(body, name);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return req_fail(x, name, "expected a string");
	if (json_string_length(v) == 0)
		return req_fail(x, name, "empty");
	if (json_string_length(v) > max)
		return req_fail(x, name, "longer than %zu bytes", max);
	*out = strdup(json_string_value(v));
	return *out ? 0 : -ENOMEM;
}

/* A tag query: "key=value[,key=value...]" of lower-case slugs, or "*" for every contact. */
static bool
req_group_ok(const char *q)
{
	if (strcmp(q, "*") == 0)
		return true;
	if (!strchr(q, '=')) /* the name of a saved group */
		return strspn(q, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(q);
	for (const char *p = q; *p;) {
		size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_-");
		if (k == 0 || p[k] != '=')
			return false;
		p += k + 1;
		size_t v = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_-");
		if (v == 0 || (p[v] != ',' && p[v] != '\0'))
			return false;
		p += v;
		if (*p == ',')
			p++;
		else
			break;
	}
	return q[strlen(q) - 1] != ',';
}

static int
req_poll(struct req_ctx *x, const json_t *body, struct gw_campaign_req *out)
{
	const json_t *poll = json_object_get(body, "poll"), *answers, *v;
	char field[48];
	size_t i;

	if (!poll || json_is_null(poll))
		return 0;
	if (!json_is_object(poll))
		return req_fail(x, "poll", "expected an object {\"answers\": [...], \"closes_at\": ...}");
	answers = json_object_get(poll, "answers");
	if (!json_is_array(answers) || json_array_size(answers) < 2 ||
	    json_array_size(answers) > GW_CAMPAIGN_MAX_POLL_ANSWERS)
		return req_fail(x, "poll.answers", "expected 2 to %d answer keywords",
				GW_CAMPAIGN_MAX_POLL_ANSWERS);
	json_array_foreach(answers, i, v) {
		char folded[32], word[32];
		const char *rest;
		snprintf(field, sizeof(field), "poll.answers[%zu]", i);
		if (!json_is_string(v) || gw_text_first_word(json_string_value(v), word, sizeof(word),
							     &rest) <= 0 || *rest)
			return req_fail(x, field, "expected one word (e.g. \"1\", \"CO\")");
		util_strlcpy(folded, word, sizeof(folded));
		for (size_t k = 0; k < out->n_poll_answers; k++)
			if (strcmp(out->poll_answers[k], folded) == 0)
				return req_fail(x, field, "\"%s\" is given twice", folded);
		out->poll_answers[out->n_poll_answers] = strdup(folded);
		if (!out->poll_answers[out->n_poll_answers])
			return -ENOMEM;
		out->n_poll_answers++;
	}
	v = json_object_get(poll, "closes_at");
	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > INT64_MAX / 1000)
		return req_fail(x, "poll.closes_at", "expected epoch seconds");
	out->poll_closes_at_ms = json_integer_value(v) * 1000;
	return 0;
}

int
gw_campaign_req_parse(const json_t *body, bool streamed, int64_t now_ms,
		      struct gw_campaign_req *out, char *field, size_t fieldlen, char *msg,
		      size_t msglen)
{
	static const char *const known[] = { "text", "recipients", "priority", "start_at",
					     "end_by", "group", "name", "recurrence",
					     "transliterate", "poll", NULL };
	struct req_ctx x = { field, msg, fieldlen, msglen };
	const json_t *v;
	const char *key;
	int rc;

	field[0] = msg[0] = '\0';
	if (!out->rset) {
		rc = -ENOMEM;
		goto fail;
	}
	if (!json_is_object(body)) {
		rc = req_fail(&x, "body", "expected a JSON object");
		goto fail;
	}
	json_object_foreach((json_t *)body, key, v) {
		bool ok = false;
		for (const char *const *k = known; *k; k++)
			ok |= strcmp(*k, key) == 0;
		if (!ok) {
			char shown[40];
			/* fuzz_json_campaign: an empty key must still be named */
			util_strlcpy(shown, *key ? key : "(empty name)", sizeof(shown));
			rc = req_fail(&x, shown, "unknown field");
			goto fail;
		}
	}

	v = json_object_get(body, "transliterate");
	if (v && !json_is_boolean(v)) {
		rc = req_fail(&x, "transliterate", "expected true or false");
		goto fail;
	}
	out->transliterate = json_is_true(v);

	v = json_object_get(body, "text");
	if (!json_is_string(v)) {
		rc = req_fail(&x, "text", "%s", v ? "expected a string" : "missing");
		goto fail;
	}
	const char *text = json_string_value(v);
	size_t len = json_string_length(v);
	if (len == 0 || strspn(text, " \t\r\n") == len) {
		rc = req_fail(&x, "text", "empty");
		goto fail;
	}
	if (memchr(text, '\0', len)) {
		rc = req_fail(&x, "text", "contains a NUL character");
		goto fail;
	}
	if (len > 8 * 1530) {
		rc = req_fail(&x, "text", "%zu bytes: far more than %d SMS parts", len,
			      GW_CAMPAIGN_MAX_SEGMENTS);
		goto fail;
	}
	if (out->transliterate) {
		size_t cap = len + 1;
		out->text = malloc(cap);
		if (!out->text) {
			rc = -ENOMEM;
			goto fail;
		}
		int n = modem_sms_transliterate(text, out->text, cap);
		if (n < 0) {
			rc = req_fail(&x, "text", "cannot be transliterated (%s)", strerror(-n));
			goto fail;
		}
	} else {
		out->text = strndup(text, len);
		if (!out->text) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	if (modem_sms_plan(out->text, strlen(out->text), &out->plan) < 0) {
		rc = req_fail(&x, "text", "not valid UTF-8");
		goto fail;
	}
	if (out->plan.segments > GW_CAMPAIGN_MAX_SEGMENTS) {
		rc = req_fail(&x, "text", "%d SMS parts (%d %s units); at most %d parts are allowed",
			      out->plan.segments, out->plan.units,
			      modem_sms_encoding_name(out->plan.encoding), GW_CAMPAIGN_MAX_SEGMENTS);
		goto fail;
	}

	v = json_object_get(body, "priority");
	if (v && !json_is_null(v)) {
		const char *s = json_is_string(v) ? json_string_value(v) : "";
		int p = !strcmp(s, "alert")    ? QUEUE_PRIO_ALERT
			: !strcmp(s, "normal") ? QUEUE_PRIO_NORMAL
			: !strcmp(s, "bulk")   ? QUEUE_PRIO_BULK
					       : -1;
		if (p < 0) {
			rc = req_fail(&x, "priority", "expected \"alert\", \"normal\" or \"bulk\"");
			goto fail;
		}
		out->priority = p;
	}
	if ((rc = req_epoch(&x, body, "start_at", &out->start_at_ms)) < 0 ||
	    (rc = req_epoch(&x, body, "end_by", &out->end_by_ms)) < 0)
		goto fail;
	if (out->end_by_ms &&
	    out->end_by_ms <= (out->start_at_ms > now_ms ? out->start_at_ms : now_ms)) {
		rc = req_fail(&x, "end_by", "must be after start_at and now");
		goto fail;
	}
	if ((rc = req_string(&x, body, "name", 200, &out->name)) < 0 ||
	    (rc = req_string(&x, body, "group", 500, &out->group)) < 0 ||
	    (rc = req_string(&x, body, "recurrence", 40, &out->recurrence)) < 0)
		goto fail;
	if (out->group && !req_group_ok(out->group)) {
		rc = req_fail(&x, "group", "expected a tag query such as \"commune=son-nam\" or "
					   "\"commune=son-nam,role=y-te\" (lower-case), a saved group's "
					   "name, or \"*\"");
		goto fail;
	}
	int wd, hh, mm;
	if (out->recurrence && gw_recurrence_parse(out->recurrence, &wd, &hh, &mm) < 0) {
		rc = req_fail(&x, "recurrence", "expected \"daily HH:MM\" or \"weekly D HH:MM\" "
						"(D from 1 = Monday to 7 = Sunday)");
		goto fail;
	}
	if ((rc = req_poll(&x, body, out)) < 0)
		goto fail;

	v = json_object_get(body, "recipients");
	if (v && !json_is_null(v) && !json_is_array(v)) {
		rc = req_fail(&x, "recipients", "expected an array of strings");
		goto fail;
	}
	size_t n = json_is_array(v) ? json_array_size(v) : 0;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(v, i);
		if (!json_is_string(e)) {
			char f[40];
			snprintf(f, sizeof(f), "recipients[%zu]", i);
			rc = req_fail(&x, f, "%s: expected a string", f);
			goto fail;
		}
		rc = gw_campaign_req_number(out, i, json_string_value(e), json_string_length(e),
					    field, fieldlen, msg, msglen);
		if (rc < 0)
			goto fail;
	}
	if (out->n_given == 0 && !out->group) {
		rc = req_fail(&x, "recipients", "%s (give recipients, a group, or both)",
			      v || streamed ? "empty" : "missing");
		goto fail;
	}
	return 0;
fail:
	gw_campaign_req_free(out);
	if (rc == -ENOMEM) {
		util_strlcpy(field, "", fieldlen);
		util_strlcpy(msg, "out of memory", msglen);
	}
	return rc;
}
