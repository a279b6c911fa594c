/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proto — the framing between loagw and its loa-modem worker processes.
 *
 * A frame is a 4-byte big-endian length followed by that many bytes of one JSON object (UTF-8).
 * Frames larger than MODEM_PROTO_MAX are a protocol error and end the connection.
 *
 * Commands (gateway -> worker) carry "op" and a sequence number "seq"; the worker answers every
 * command with one event carrying the same "seq". Unsolicited events (inbound SMS, the worker's
 * own readiness) carry no "seq". The worker is a plain blocking loop; the gateway reads frames
 * from a libevent buffer. See docs/DESIGN-NOTES.md (section "worker protocol") for the messages.
 */
#ifndef LOA_MODEM_PROTO_H
#define LOA_MODEM_PROTO_H

#include <jansson.h>
#include <stddef.h>

#define MODEM_PROTO_MAX (256 * 1024)

struct evbuffer;

/* Serialise msg into a newly allocated frame (length prefix included); NULL on failure. */
char *modem_proto_encode(const json_t *msg, size_t *len_out);

/* Blocking: write one frame to fd. 0 or -errno. */
int modem_proto_write(int fd, const json_t *msg);

/*
 * Blocking with timeout: read one frame from fd. Returns 1 with *out set, 0 on timeout
 * (timeout_ms >= 0), or -errno (-EPIPE on end of stream, -EPROTO on a bad frame).
 */
int modem_proto_read(int fd, int timeout_ms, json_t **out);

/*
 * Non-blocking: take the next complete frame out of `in`. Returns 1 with *out set, 0 when no
 * complete frame is buffered yet, -EPROTO on a bad frame.
 */
int modem_proto_pull(struct evbuffer *in, json_t **out);

#endif
