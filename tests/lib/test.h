/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test.h — a tiny unit-test harness. A test is a function; CHECK* macros count failures and
 * print where they happened; TEST_MAIN runs the listed tests and ends with the line
 * "<name>: N passed, N failed", exiting non-zero when any failed.
 */
#ifndef LOA_TEST_H
#define LOA_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int test_failures_in_case;

#define CHECK(cond)                                                                               \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);  \
			test_failures_in_case++;                                                   \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                                        \
	do {                                                                                       \
		long long test_a_ = (long long)(a), test_b_ = (long long)(b);                      \
		if (test_a_ != test_b_) {                                                          \
			fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__,       \
				__LINE__, #a, #b, test_a_, test_b_);                               \
			test_failures_in_case++;                                                   \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                                        \
	do {                                                                                       \
		const char *test_a_ = (a), *test_b_ = (b);                                         \
		if (!test_a_ || !test_b_ || strcmp(test_a_, test_b_) != 0) {                       \
			fprintf(stderr, "  %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__,   \
				__LINE__, #a, #b, test_a_ ? test_a_ : "(null)",                    \
				test_b_ ? test_b_ : "(null)");                                     \
			test_failures_in_case++;                                                   \
		}                                                                                  \
	} while (0)

/* CHECK that `hay` contains `needle`. */
#define CHECK_CONTAINS(hay, needle)                                                               \
	do {                                                                                       \
		const char *test_h_ = (hay), *test_n_ = (needle);                                  \
		if (!test_h_ || !strstr(test_h_, test_n_)) {                                       \
			fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__,      \
				__LINE__, test_h_ ? test_h_ : "(null)", test_n_);                  \
			test_failures_in_case++;                                                   \
		}                                                                                  \
	} while (0)

struct test_case {
	const char *name;
	void (*fn)(void);
};

static inline int
test_run_all(const char *suite, const struct test_case *cases)
{
	int passed = 0, failed = 0;

	for (const struct test_case *c = cases; c->name; c++) {
		test_failures_in_case = 0;
		c->fn();
		if (test_failures_in_case) {
			fprintf(stderr, "FAIL %s.%s\n", suite, c->name);
			failed++;
		} else {
			fprintf(stderr, "ok   %s.%s\n", suite, c->name);
			passed++;
		}
	}
	printf("%s: %d passed, %d failed\n", suite, passed, failed);
	return failed ? 1 : 0;
}

#define TEST_CASE(fn) { #fn, fn }
#define TEST_MAIN(suite, ...)                                                                     \
	int main(void)                                                                             \
	{                                                                                          \
		static const struct test_case cases[] = { __VA_ARGS__, { NULL, NULL } };           \
		return test_run_all(suite, cases);                                                 \
	}

#endif
