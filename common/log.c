/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log — JSON-lines logger shared by every Loa process. See log.h.
 */
#include "common/log.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum log_level log_min_level = LOG_INFO;

static char log_process[32] = "loa";
static bool log_json = true;
static bool log_timestamps = true;

static const char *const log_level_names[_LOG_LEVEL_COUNT] = {
	[LOG_DEBUG] = "debug", [LOG_INFO] = "info", [LOG_NOTICE] = "notice",
	[LOG_WARN] = "warn",   [LOG_ERROR] = "error",
};

void
log_init(const char *process, enum log_level min, bool json, bool timestamps)
{
	snprintf(log_process, sizeof(log_process), "%s", process);
	log_min_level = min;
	log_json = json;
	log_timestamps = timestamps;
}

int
log_level_parse(const char *name)
{
	for (int i = 0; i < _LOG_LEVEL_COUNT; i++)
		if (strcmp(name, log_level_names[i]) == 0)
			return i;
	return -1;
}

const char *
log_level_name(enum log_level lvl)
{
	return (unsigned)lvl < _LOG_LEVEL_COUNT ? log_level_names[lvl] : "?";
}

/* Write the whole buffer with one write(2) where possible, retrying on EINTR. */
static void
log_emit(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void
log_timestamp(char *out, size_t len)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, len - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

bool
log_is_json(void)
{
	return log_json;
}

void
log_fields(enum log_level lvl, const char *module, const char *msg, const char *fields_json)
{
	char ts[40] = "";
	json_t *obj = NULL;

	if (lvl < log_min_level)
		return;
	if (log_timestamps)
		log_timestamp(ts, sizeof(ts));
	if (fields_json) {
		obj = json_loads(fields_json, 0, NULL);
		if (obj && !json_is_object(obj)) {
			json_decref(obj);
			obj = NULL;
		}
	}
	if (!log_json) {
		char line[4096];
		int n = snprintf(line, sizeof(line), "%s%s%s %-6s %s: %s%s%s\n", ts, ts[0] ? " " : "",
				 log_process, log_level_name(lvl), module, msg,
				 fields_json ? " " : "", fields_json ? fields_json : "");
		if (n > 0)
			log_emit(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
		json_decref(obj);
		return;
	}
	json_t *line = json_object();
	if (ts[0])
		json_object_set_new(line, "ts", json_string(ts));
	json_object_set_new(line, "level", json_string(log_level_name(lvl)));
	json_object_set_new(line, "proc", json_string(log_process));
	json_object_set_new(line, "module", json_string(module));
	json_object_set_new(line, "msg", json_string(msg));
	if (obj)
		json_object_update_missing(line, obj);
	char *text = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (text) {
		size_t len = strlen(text);
		text[len] = '\n'; /* json_dumps leaves room: replace NUL, write len+1 */
		log_emit(text, len + 1);
		free(text);
	}
	json_decref(line);
	json_decref(obj);
}

void
log_write(enum log_level lvl, const char *module, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (lvl < log_min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fields(lvl, module, msg, NULL);
}

const char *
log_mask(const char *number, char buf[LOG_MASK_LEN])
{
	size_t len = number ? strlen(number) : 0;

	if (len == 0) {
		snprintf(buf, LOG_MASK_LEN, "-");
		return buf;
	}
	if (len <= 6 || len >= LOG_MASK_LEN) {
		snprintf(buf, LOG_MASK_LEN, "****");
		return buf;
	}
	size_t head = len >= 10 ? 5 : 2, tail = 3;
	memcpy(buf, number, head);
	memset(buf + head, '*', len - head - tail);
	memcpy(buf + len - tail, number + len - tail, tail);
	buf[len] = '\0';
	return buf;
}
