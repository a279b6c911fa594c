/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_conf — conf_load() (conf/conf.h) on arbitrary configuration files.
 *
 * The input is written to a memfd and loaded through its /proc/self/fd/N path, so nothing
 * touches the disk. '@' bytes become '#' first, which turns an @include directive into a
 * comment: an include would let the fuzzer read any file of the machine (a FIFO or /dev/zero
 * would hang it); includes are covered by the unit tests' bad_include*.conf files instead.
 * libconfig 1.5 leaks a string token's buffer on some syntax errors (`include "x"` alone leaks
 * 64 bytes in strbuf_append); tests/fuzz/lsan.supp keeps that library leak out of the way.
 * Invariants checked besides "no crash, no leak, no UB":
 *   - success returns 0 with a struct, failure a negative errno with *out NULL and an error
 *     that begins with "PATH:" (then a line number or a message), NUL-terminated, never empty;
 *   - a loaded struct keeps its documented promises: at least one modem, names valid and
 *     unique (conf_modem_find()/conf_operator_find() return each one's own entry), a modem's
 *     operator exists, ranges as conf.h states them, 64 lower- or upper-case hex digits per
 *     token, a country code of 1 to 3 digits, every rule with at least one keyword, and every
 *     operator prefix matches itself through conf_operator_match().
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf/conf.h"
#include "tests/fuzz/fuzz.h"

static int conf_fd = -1;
static char conf_path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conf_fd = memfd_create("loa-fuzz.conf", MFD_CLOEXEC);
	if (conf_fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(conf_path, sizeof(conf_path), "/proc/self/fd/%d", conf_fd);
	return 0;
}

static bool
conf_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len >= CONF_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static void
conf_check_loaded(const struct loa_conf *c)
{
	size_t len;

	FUZZ_ASSERT(c->path && strcmp(c->path, conf_path) == 0);
	FUZZ_ASSERT(c->n_modems >= 1 && c->modems);
	FUZZ_ASSERT(c->store_path && c->store_path[0]);
	FUZZ_ASSERT(c->api_listen && c->api_listen[0]);
	FUZZ_ASSERT(c->api_port >= 0 && c->api_port <= 65535);
	FUZZ_ASSERT(c->max_attempts >= 1 && c->max_attempts <= 100);
	FUZZ_ASSERT(c->n_backoff >= 1 && c->backoff_s);
	for (size_t i = 0; i < c->n_backoff; i++)
		FUZZ_ASSERT(c->backoff_s[i] >= 1);
	FUZZ_ASSERT(c->country_code);
	len = strlen(c->country_code);
	FUZZ_ASSERT(len >= 1 && len <= 3 && strspn(c->country_code, "0123456789") == len);
	FUZZ_ASSERT(strcmp(conf_action_name(c->unknown_action), "?") != 0);

	for (size_t i = 0; i < c->n_tokens; i++) {
		const struct conf_token *t = &c->tokens[i];

		FUZZ_ASSERT(conf_name_ok(t->name));
		FUZZ_ASSERT(strlen(t->sha256_hex) == 64);
		FUZZ_ASSERT(strspn(t->sha256_hex, "0123456789abcdefABCDEF") == 64);
		FUZZ_ASSERT(strcmp(conf_role_name(t->role), "?") != 0);
	}
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];

		FUZZ_ASSERT(r->n_keywords >= 1 && r->keywords);
		for (size_t k = 0; k < r->n_keywords; k++)
			FUZZ_ASSERT(r->keywords[k] && r->keywords[k][0]);
		FUZZ_ASSERT(strcmp(conf_action_name(r->action), "?") != 0);
		FUZZ_ASSERT(!r->reply || r->reply[0]);
	}
	for (size_t i = 0; i < c->n_operators; i++) {
		const struct conf_operator *op = &c->operators[i];

		FUZZ_ASSERT(conf_name_ok(op->name));
		FUZZ_ASSERT(conf_operator_find(c, op->name) == op);
		for (size_t k = 0; k < op->n_prefixes; k++) {
			const char *p = op->prefixes[k];

			FUZZ_ASSERT(p[0] == '+' && strlen(p) >= 2);
			FUZZ_ASSERT(strspn(p + 1, "0123456789") == strlen(p) - 1);
			/* no prefix longer than p matches p, and prefixes are unique: the
			 * longest match for p is p itself, of this operator */
			FUZZ_ASSERT(conf_operator_match(c, p) == op);
		}
	}
	for (size_t i = 0; i < c->n_modems; i++) {
		const struct conf_modem *m = &c->modems[i];

		FUZZ_ASSERT(conf_name_ok(m->name));
		FUZZ_ASSERT(conf_modem_find(c, m->name) == m);
		FUZZ_ASSERT(m->device && m->device[0]);
		FUZZ_ASSERT(m->connection && m->connection[0]);
		FUZZ_ASSERT(m->model);
		FUZZ_ASSERT(!m->operator_name || conf_operator_find(c, m->operator_name));
		FUZZ_ASSERT(m->rate_per_min >= 1 && m->rate_per_min <= 60000);
		FUZZ_ASSERT(m->health_interval_s >= 5 && m->health_interval_s <= 3600);
		FUZZ_ASSERT(m->inbox_interval_s >= 1 && m->inbox_interval_s <= 3600);
		FUZZ_ASSERT(m->command_timeout_s >= 5 && m->command_timeout_s <= 600);
	}
	FUZZ_ASSERT(conf_modem_find(c, "") == NULL);
	FUZZ_ASSERT(conf_operator_match(c, "") == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loa_conf *conf = (struct loa_conf *)&conf_fd; /* must be reset to NULL or set */
	char err[512], *text;
	size_t plen = strlen(conf_path);
	int rc;

	text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	for (size_t i = 0; i < size; i++)
		if (text[i] == '@')
			text[i] = '#';
	if (ftruncate(conf_fd, 0) < 0 || pwrite(conf_fd, text, size, 0) != (ssize_t)size) {
		perror("memfd write");
		abort();
	}
	free(text);

	memset(err, 'x', sizeof(err));
	rc = conf_load(conf_path, &conf, err, sizeof(err));
	if (rc == 0) {
		FUZZ_ASSERT(conf != NULL);
		conf_check_loaded(conf);
		conf_free(conf);
	} else {
		FUZZ_ASSERT(rc < 0);
		FUZZ_ASSERT(conf == NULL);
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_ASSERT(strncmp(err, conf_path, plen) == 0 && err[plen] == ':');
		FUZZ_ASSERT(err[plen + 1] != '\0');
	}
	return 0;
}
