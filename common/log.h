/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log — one JSON object a line on stderr (or a readable line with --log-text).
 *
 * Every process of Loa (loagw, loa-modem workers, loa-modemsim) logs through here. A line is
 * formatted into one buffer and written with a single write(2), so lines from several processes
 * sharing stderr never interleave. Arguments are not evaluated below the configured level.
 *
 * Privacy: a citizen's number never appears whole at INFO or above. Use log_mask() for numbers
 * in any line that is not DEBUG.
 *
 * Thread: any; the level is set once at start-up.
 */
#ifndef LOA_COMMON_LOG_H
#define LOA_COMMON_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARN, LOG_ERROR, _LOG_LEVEL_COUNT };

extern enum log_level log_min_level;

/* Set the process name shown in each line, the lowest level written, and the output form. */
void log_init(const char *process, enum log_level min, bool json, bool timestamps);

/* Parse "debug" | "info" | "notice" | "warn" | "error"; -1 when unknown. */
int log_level_parse(const char *name);
const char *log_level_name(enum log_level lvl);
/* true when lines are JSON (the default), false for readable text. */
bool log_is_json(void);

void log_write(enum log_level lvl, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Write a structured line: `msg` plus the members of `fields_json`, a JSON object text such as
 * "{\"signal_dbm\":-71}" (NULL for none). Used for health samples and state changes.
 */
void log_fields(enum log_level lvl, const char *module, const char *msg, const char *fields_json);

#define LOG(lvl, module, ...)                                                                     \
	do {                                                                                       \
		if ((lvl) >= log_min_level)                                                        \
			log_write((lvl), (module), __VA_ARGS__);                                   \
	} while (0)

#define LOG_MASK_LEN 32
/* Mask a phone number for logs: "+84912345678" -> "+8491****678". Returns buf. */
const char *log_mask(const char *number, char buf[LOG_MASK_LEN]);

#endif
