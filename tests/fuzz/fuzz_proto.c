/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_proto — the worker protocol framing (modem/proto.h) as loagw reads it: whatever a
 * worker process writes on its socket (a crashed, confused or compromised loa-modem) lands in
 * an evbuffer that modem_proto_pull() takes frames out of.
 *
 * Input: byte 0 sets how the stream arrives (bytes per read: 1 + byte0 * 7, so the frames are
 * cut at every possible place); the rest is the byte stream (at most 60000 bytes, what a pipe
 * holds without a reader).
 * Oracles, besides "no crash, no leak, no UB":
 *   - modem_proto_pull() returns 1 with a JSON object, 0 only when less than a whole frame is
 *     buffered (the buffer left untouched), -EPROTO for a bad frame; the frames it returns do
 *     not depend on how the stream was cut;
 *   - modem_proto_read() on a pipe carrying the same stream returns the same objects in the
 *     same order, then -EPROTO where pull did, or -EPIPE where pull waited for more;
 *   - every object re-encoded with modem_proto_encode() and pulled again is equal to itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "modem/proto.h"
#include "tests/fuzz/fuzz.h"

#define PROTO_MAX_INPUT 60000	/* fits a pipe's buffer: no writer thread needed */
#define PROTO_MAX_FRAMES (PROTO_MAX_INPUT / 6 + 1) /* the smallest frame is 4 + "{}" */

/* Frames pulled from the whole stream at once. Returns the final pull result (0 or -EPROTO). */
static int
proto_pull_all(const uint8_t *p, size_t len, json_t **frames, size_t *n)
{
	struct evbuffer *in = evbuffer_new();
	json_t *msg;
	int rc;

	if (!in || evbuffer_add(in, p, len) < 0)
		abort();
	*n = 0;
	for (;;) {
		size_t before = evbuffer_get_length(in);

		msg = NULL;
		rc = modem_proto_pull(in, &msg);
		if (rc != 1) {
			FUZZ_ASSERT(msg == NULL);
			if (rc == 0)
				FUZZ_ASSERT(evbuffer_get_length(in) == before);
			break;
		}
		FUZZ_ASSERT(json_is_object(msg));
		FUZZ_ASSERT(evbuffer_get_length(in) < before);
		FUZZ_ASSERT(*n < PROTO_MAX_FRAMES);
		frames[(*n)++] = msg;
	}
	FUZZ_ASSERT(rc == 0 || rc == -EPROTO);
	evbuffer_free(in);
	return rc;
}

/* The same stream arriving `chunk` bytes at a time: the same frames, the same ending. */
static void
proto_pull_chunked(const uint8_t *p, size_t len, size_t chunk, json_t **frames, size_t n,
		   int final)
{
	struct evbuffer *in = evbuffer_new();
	size_t got = 0, off = 0;
	json_t *msg;
	int rc = 0;

	if (!in)
		abort();
	while (off < len) {
		size_t k = len - off < chunk ? len - off : chunk;

		if (evbuffer_add(in, p + off, k) < 0)
			abort();
		off += k;
		while ((rc = modem_proto_pull(in, &msg)) == 1) {
			FUZZ_ASSERT(got < n);
			FUZZ_ASSERT(json_equal(msg, frames[got]));
			json_decref(msg);
			got++;
		}
		if (rc < 0)
			break;
	}
	FUZZ_ASSERT(got == n);
	FUZZ_ASSERT(rc == final);
	evbuffer_free(in);
}

/* The blocking reader on a pipe holding the stream, its write end closed. */
static void
proto_read_pipe(const uint8_t *p, size_t len, json_t **frames, size_t n, int final)
{
	int fds[2], rc;
	size_t got = 0;
	json_t *msg;

	if (pipe2(fds, O_CLOEXEC) < 0)
		abort();
	if (len && write(fds[1], p, len) != (ssize_t)len)
		abort();
	close(fds[1]);
	while ((rc = modem_proto_read(fds[0], 1000, &msg)) == 1) {
		FUZZ_ASSERT(got < n);
		FUZZ_ASSERT(json_equal(msg, frames[got]));
		json_decref(msg);
		got++;
	}
	close(fds[0]);
	FUZZ_ASSERT(got == n);
	/* where pull waits for more, the reader meets the end of the stream */
	FUZZ_ASSERT(rc == (final == -EPROTO ? -EPROTO : -EPIPE));
}

/* Encode a frame again and pull it back: the same object. */
static void
proto_reencode(const json_t *msg)
{
	struct evbuffer *in;
	json_t *back = NULL;
	size_t len;
	char *frame = modem_proto_encode(msg, &len);

	if (!frame)
		return;	/* larger than MODEM_PROTO_MAX once re-encoded (reals grow) */
	in = evbuffer_new();
	if (!in || evbuffer_add(in, frame, len) < 0)
		abort();
	FUZZ_ASSERT(modem_proto_pull(in, &back) == 1);
	FUZZ_ASSERT(json_equal(msg, back));
	FUZZ_ASSERT(evbuffer_get_length(in) == 0);
	json_decref(back);
	evbuffer_free(in);
	free(frame);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *frames[PROTO_MAX_FRAMES];
	size_t n, chunk;
	int final;

	if (size < 1 || size - 1 > PROTO_MAX_INPUT)
		return 0;
	chunk = 1 + (size_t)data[0] * 7;
	final = proto_pull_all(data + 1, size - 1, frames, &n);
	proto_pull_chunked(data + 1, size - 1, chunk, frames, n, final);
	proto_read_pipe(data + 1, size - 1, frames, n, final);
	for (size_t i = 0; i < n; i++) {
		proto_reencode(frames[i]);
		json_decref(frames[i]);
	}
	return 0;
}
