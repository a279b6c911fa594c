/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proto — length-prefixed JSON frames between loagw and loa-modem workers. See proto.h.
 */
#include "modem/proto.h"

#include <errno.h>
#include <event2/buffer.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

char *
modem_proto_encode(const json_t *msg, size_t *len_out)
{
	char *body = json_dumps(msg, JSON_COMPACT);
	if (!body)
		return NULL;
	size_t n = strlen(body);
	if (n > MODEM_PROTO_MAX) {
		free(body);
		return NULL;
	}
	char *frame = malloc(n + 4);
	if (frame) {
		frame[0] = (char)(n >> 24);
		frame[1] = (char)(n >> 16);
		frame[2] = (char)(n >> 8);
		frame[3] = (char)n;
		memcpy(frame + 4, body, n);
		*len_out = n + 4;
	}
	free(body);
	return frame;
}

int
modem_proto_write(int fd, const json_t *msg)
{
	size_t len;
	char *frame = modem_proto_encode(msg, &len);
	int rc = 0;

	if (!frame)
		return -ENOMEM;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, frame + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		off += (size_t)n;
	}
	free(frame);
	return rc;
}

/* Read exactly len bytes before the monotonic deadline (-1 = none). */
static int
proto_read_full(int fd, unsigned char *buf, size_t len, int64_t deadline, bool *got_any)
{
	size_t off = 0;

	while (off < len) {
		int wait = -1;
		if (deadline >= 0) {
			int64_t left = deadline - util_mono_ms();
			wait = left > 0 ? (int)left : 0;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int pr = poll(&pfd, 1, wait);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -errno;
		if (pr == 0) {
			if (off == 0 && !*got_any)
				return 0;
			/* a frame started: finish it, the peer is mid-write */
			deadline = -1;
			continue;
		}
		ssize_t n = read(fd, buf + off, len - off);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		off += (size_t)n;
		*got_any = true;
	}
	return 1;
}

int
modem_proto_read(int fd, int timeout_ms, json_t **out)
{
	unsigned char hdr[4];
	bool got_any = false;
	int64_t deadline = timeout_ms >= 0 ? util_mono_ms() + timeout_ms : -1;
	int rc = proto_read_full(fd, hdr, 4, deadline, &got_any);

	if (rc <= 0)
		return rc;
	uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	if (n == 0 || n > MODEM_PROTO_MAX)
		return -EPROTO;
	unsigned char *body = malloc(n);
	if (!body)
		return -ENOMEM;
	rc = proto_read_full(fd, body, n, -1, &got_any);
	if (rc <= 0) {
		free(body);
		return rc < 0 ? rc : -EPROTO;
	}
	json_t *msg = json_loadb((const char *)body, n, 0, NULL);
	free(body);
	if (!msg || !json_is_object(msg)) {
		json_decref(msg);
		return -EPROTO;
	}
	*out = msg;
	return 1;
}

int
modem_proto_pull(struct evbuffer *in, json_t **out)
{
	unsigned char hdr[4];

	if (evbuffer_get_length(in) < 4)
		return 0;
	evbuffer_copyout(in, hdr, 4);
	uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	if (n == 0 || n > MODEM_PROTO_MAX)
		return -EPROTO;
	if (evbuffer_get_length(in) < 4 + (size_t)n)
		return 0;
	evbuffer_drain(in, 4);
	unsigned char *body = evbuffer_pullup(in, n);
	json_t *msg = body ? json_loadb((const char *)body, n, 0, NULL) : NULL;
	evbuffer_drain(in, n);
	if (!msg || !json_is_object(msg)) {
		json_decref(msg);
		return -EPROTO;
	}
	*out = msg;
	return 1;
}
