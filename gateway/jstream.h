/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jstream — read a JSON object incrementally and hand the strings of one array member to a
 * callback as they are read, building everything else as jansson values.
 *
 * Why: a campaign request may carry a million numbers. jansson builds a tree first (about 90
 * bytes a string, 90 MB for a million, plus the body), so POST /v1/campaigns reads its body
 * with yajl's event parser instead: each number goes straight into a compact recipient set
 * (24 bytes) and the small rest of the object is built as usual, so the validation code stays
 * the jansson code every other route uses. The body is fed in the pieces libevent holds it
 * in, so it is never copied into one block either.
 *
 * Errors name where: a syntax error "body: line 3, column 14: <what>", a duplicate member
 * "<name>: duplicate member (given twice)", an array element that is not a string
 * "<key>[17]: expected a string", and whatever the callback says about an element.
 *
 * Pure (no I/O), so it is unit-tested and fuzzed on its own. Thread: any (one per parse).
 */
#ifndef LOA_GATEWAY_JSTREAM_H
#define LOA_GATEWAY_JSTREAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Called for element `index` of the streamed array; s is not NUL-terminated. Return 0, or
 * -EINVAL with the field ("recipients[3]") and the reason written to field/msg, or -errno.
 */
typedef int jstream_item_fn(void *arg, size_t index, const char *s, size_t len, char *field,
			    size_t fieldlen, char *msg, size_t msglen);

struct jstream;

/* A parser streaming the top-level member `key` when it is an array; NULL without memory. */
struct jstream *jstream_new(const char *key, jstream_item_fn *fn, void *arg);
void jstream_free(struct jstream *js);

/* Feed the next piece of the body. 0, or -EINVAL / -ENOMEM (see jstream_error()). */
int jstream_feed(struct jstream *js, const void *data, size_t len);

/*
 * End of body: the object without the streamed member (a new reference), or NULL on error.
 * *streamed tells whether the member was an array (its elements went to the callback; *n
 * of them); a member that is null or not an array stays in the object for the caller to judge.
 */
json_t *jstream_finish(struct jstream *js, bool *streamed, size_t *n);

/*
 * After an error: -EINVAL for bad input, -ENOMEM; *field gets the field at fault ("" for a
 * syntax error of the body as a whole), *syntax whether it is malformed JSON (bad_json)
 * rather than a bad value (invalid); the message is returned.
 */
const char *jstream_error(const struct jstream *js, int *rc, const char **field, bool *syntax);

#endif
