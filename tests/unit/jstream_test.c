/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jstream_test — the incremental JSON reader of POST /v1/campaigns and the campaign request
 * on top of it: elements streamed to the callback whatever the piece boundaries, the rest
 * built as jansson values, every error with its place (line and column, member, element).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/campaign_req.h"
#include "gateway/jstream.h"
#include "queue/queue.h"
#include "tests/lib/test.h"

struct seen {
	size_t n;
	char joined[256];
	size_t fail_at; /* element index the callback refuses (SIZE_MAX: none) */
};

static int
collect(void *arg, size_t index, const char *s, size_t len, char *field, size_t fieldlen,
	char *msg, size_t msglen)
{
	struct seen *x = arg;

	if (index == x->fail_at) {
		snprintf(field, fieldlen, "nums[%zu]", index);
		snprintf(msg, msglen, "nums[%zu]: refused", index);
		return -EINVAL;
	}
	if (index != x->n)
		return -EIO;
	x->n++;
	strncat(x->joined, s, len < 40 ? len : 40);
	strcat(x->joined, ",");
	return 0;
}

/* Parse text fed in pieces of `step` bytes (0: all at once). */
static json_t *
parse(const char *text, size_t step, struct seen *x, bool *streamed, char *err, size_t errlen,
      char *field, size_t fieldlen, bool *syntax)
{
	struct jstream *js = jstream_new("nums", collect, x);
	size_t len = strlen(text), n = 0;
	json_t *v = NULL;
	int rc = 0;

	if (!js)
		return NULL;
	for (size_t off = 0; off < len && rc == 0;) {
		size_t k = step && len - off > step ? step : len - off;
		rc = jstream_feed(js, text + off, k);
		off += k;
	}
	if (rc == 0)
		v = jstream_finish(js, streamed, &n);
	if (!v) {
		const char *f;
		snprintf(err, errlen, "%s", jstream_error(js, &rc, &f, syntax));
		snprintf(field, fieldlen, "%s", f);
	} else if (*streamed && n != x->n) {
		json_decref(v);
		v = NULL;
		snprintf(err, errlen, "count %zu != %zu", n, x->n);
	}
	jstream_free(js);
	return v;
}

static void
test_streams_and_builds(void)
{
	static const char body[] =
		"{\"a\": 1, \"nums\": [\"+1\", \"x\\u00e9y\", \"3\"], \"b\": {\"c\": [true, null, 2.5]},"
		" \"d\": \"\\u0110\"}";
	size_t steps[] = { 0, 1, 2, 3, 7, 64 };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct seen x = { .fail_at = SIZE_MAX };
		char err[400] = "", field[64] = "";
		bool streamed = false, syntax = false;
		json_t *v = parse(body, steps[i], &x, &streamed, err, sizeof(err), field,
				  sizeof(field), &syntax);

		CHECK(v != NULL);
		if (!v) {
			fprintf(stderr, "  step %zu: %s\n", steps[i], err);
			continue;
		}
		CHECK(streamed);
		CHECK_EQ_INT((int)x.n, 3);
		CHECK_EQ_STR(x.joined, "+1,x\xc3\xa9y,3,");
		CHECK(json_object_get(v, "nums") == NULL);
		CHECK_EQ_INT((int)json_integer_value(json_object_get(v, "a")), 1);
		json_t *c = json_object_get(json_object_get(v, "b"), "c");
		CHECK(json_is_array(c) && json_array_size(c) == 3);
		CHECK(json_is_true(json_array_get(c, 0)) && json_is_null(json_array_get(c, 1)));
		CHECK_EQ_STR(json_string_value(json_object_get(v, "d")), "\xc4\x90");
		json_decref(v);
	}
}

/* The member is streamed only when it is an array; otherwise it stays for the caller. */
static void
test_not_an_array(void)
{
	struct seen x = { .fail_at = SIZE_MAX };
	char err[400] = "", field[64] = "";
	bool streamed = true, syntax;
	json_t *v = parse("{\"nums\": null}", 0, &x, &streamed, err, sizeof(err), field,
			  sizeof(field), &syntax);

	CHECK(v && !streamed && json_is_null(json_object_get(v, "nums")));
	json_decref(v);
	v = parse("{\"x\": {\"nums\": [1]}}", 0, &x, &streamed, err, sizeof(err), field,
		  sizeof(field), &syntax); /* only the top-level member */
	CHECK(v && !streamed && json_is_array(json_object_get(json_object_get(v, "x"), "nums")));
	json_decref(v);
	v = parse("{\"nums\": []}", 0, &x, &streamed, err, sizeof(err), field, sizeof(field),
		  &syntax);
	CHECK(v && streamed && x.n == 0);
	json_decref(v);
}

static void
expect_error(const char *body, size_t step, const char *want_field, const char *want_msg,
	     bool want_syntax)
{
	struct seen x = { .fail_at = 2 };
	char err[400] = "", field[64] = "";
	bool streamed, syntax = !want_syntax;
	json_t *v = parse(body, step, &x, &streamed, err, sizeof(err), field, sizeof(field),
			  &syntax);

	CHECK(v == NULL);
	json_decref(v);
	CHECK_EQ_STR(field, want_field);
	CHECK_EQ_STR(err, want_msg);
	CHECK(syntax == want_syntax);
}

static void
test_errors(void)
{
	expect_error("{\"nums\": [\"a\", 5]}", 0, "nums[1]", "nums[1]: expected a string", false);
	expect_error("{\"nums\": [\"a\", [\"b\"]]}", 0, "nums[1]", "nums[1]: expected a string",
		     false);
	expect_error("{\"nums\": [\"a\", \"b\", \"c\"]}", 3, "nums[2]", "nums[2]: refused", false);
	expect_error("{\"a\": 1, \"a\": 2}", 0, "a", "a: duplicate member (given twice)", false);
	expect_error("{\"nums\": [], \"nums\": []}", 0, "nums",
		     "nums: duplicate member (given twice)", false);
	expect_error("{\"nums\": null, \"nums\": [\"x\"]}", 0, "nums",
		     "nums: duplicate member (given twice)", false);
	expect_error("[1, 2]", 0, "body", "body: expected a JSON object", true);
	expect_error("\"x\"", 0, "body", "body: expected a JSON object", true);
	/* yajl stops on the token or just after it, depending on where the pieces end */
	expect_error("{\"a\": 1,\n \"b\": tru }", 0, "body",
		     "body: line 2, column 9: invalid string in json text.", true);
	expect_error("{\"a\": 1,\n \"b\": tru }", 1, "body",
		     "body: line 2, column 10: invalid string in json text.", true);
	expect_error("{\"a\": [1, 2", 0, "body", "body: line 1, column 12: premature EOF", true);
	expect_error("{} {}", 0, "body", "body: line 1, column 4: trailing garbage", true);
	expect_error("{\"a\": \"\xff\"}", 0, "body",
		     "body: line 1, column 8: a string is not valid UTF-8", true);

	char deep[400] = "{\"a\":";
	for (int i = 0; i < 70; i++)
		strcat(deep, "[");
	expect_error(deep, 0, "body", "body: nested deeper than 64 levels", true);
}

static const char *
op_of(const void *arg, const char *e164)
{
	return strncmp(e164, "+8491", 5) == 0 ? arg : NULL;
}

/* A campaign request read the way the API reads it. */
static int
campaign(const char *body, struct gw_campaign_req *req, char *field, char *msg)
{
	struct jstream *js;
	bool streamed = false;
	size_t n;
	json_t *v;
	int rc;

	CHECK_EQ_INT(gw_campaign_req_init(req, "84", op_of, "vinaphone"), 0);
	js = jstream_new("recipients", gw_campaign_req_number, req);
	rc = jstream_feed(js, body, strlen(body));
	v = rc == 0 ? jstream_finish(js, &streamed, &n) : NULL;
	if (!v) {
		const char *f;
		bool syntax;
		snprintf(msg, 320, "%s", jstream_error(js, &rc, &f, &syntax));
		snprintf(field, 64, "%s", f);
		jstream_free(js);
		gw_campaign_req_free(req);
		return rc;
	}
	jstream_free(js);
	rc = gw_campaign_req_parse(v, streamed, 1796000000000LL, req, field, 64, msg, 320);
	json_decref(v);
	return rc;
}

static void
test_campaign_request(void)
{
	struct gw_campaign_req req;
	char field[64] = "", msg[320] = "";

	CHECK_EQ_INT(campaign("{\"text\": \"Xin chao\", \"recipients\": [\"0912 345 678\","
			      " \"+84961234567\", \"0912345678\"]}",
			      &req, field, msg),
		     0);
	CHECK_EQ_INT((int)req.n_given, 3);
	CHECK_EQ_INT((int)queue_rset_count(req.rset), 2);
	gw_campaign_req_free(&req);

	CHECK_EQ_INT(campaign("{\"text\": \"x\", \"recipients\": [\"0912345678\", \"12\"]}", &req,
			      field, msg),
		     -EINVAL);
	CHECK_EQ_STR(field, "recipients[1]");
	CHECK(strstr(msg, "recipients[1]: ") == msg && strstr(msg, "\"12\""));

	CHECK_EQ_INT(campaign("{\"text\": \"x\", \"recipients\": []}", &req, field, msg), -EINVAL);
	CHECK_EQ_STR(msg, "recipients: empty (give recipients, a group, or both)");
	CHECK_EQ_INT(campaign("{\"text\": \"x\"}", &req, field, msg), -EINVAL);
	CHECK_EQ_STR(msg, "recipients: missing (give recipients, a group, or both)");
	CHECK_EQ_INT(campaign("{\"text\": \"x\", \"recipients\": \"0912345678\"}", &req, field,
			      msg),
		     -EINVAL);
	CHECK_EQ_STR(msg, "recipients: expected an array of strings");
	CHECK_EQ_INT(campaign("{\"recipients\": [\"0912345678\"], \"text\": 5}", &req, field, msg),
		     -EINVAL);
	CHECK_EQ_STR(field, "text");
	CHECK_EQ_INT(campaign("{\"text\": \"x\", \"recipients\": [\"0912345678\"], \"colour\": 1}",
			      &req, field, msg),
		     -EINVAL);
	CHECK_EQ_STR(msg, "colour: unknown field");
	CHECK_EQ_INT(campaign("{\"text\": \"x\", \"group\": \"commune=son-nam\"}", &req, field, msg),
		     0);
	CHECK_EQ_INT((int)req.n_given, 0);
	gw_campaign_req_free(&req);
}

TEST_MAIN("jstream", TEST_CASE(test_streams_and_builds), TEST_CASE(test_not_an_array),
	  TEST_CASE(test_errors), TEST_CASE(test_campaign_request))
