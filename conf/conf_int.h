/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_int — private to conf/: the loading context and the error helper shared by conf.c (the
 * table-driven reader) and conf_ussd.c (the cross-checks of the USSD menu tree).
 */
#ifndef LOA_CONF_INT_H
#define LOA_CONF_INT_H

#include <libconfig.h>
#include <stddef.h>

#include "conf/conf.h"

#define CONF_PATH_LEN 160 /* room for "inbound.rules[12].keywords[3]" and the like */

struct conf_ctx {
	const char *file; /* the path given to conf_load() */
	const char *dir;  /* its directory, where @include looks; NULL = the working directory */
	char *err;
	size_t errlen;
};

/*
 * Write "FILE:LINE: message" for setting `s` (just "FILE: message" when s is NULL or has no
 * line, as the root group) and return -EINVAL.
 */
int conf_fail(struct conf_ctx *ctx, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Setting paths for messages: "parent.key", "parent[i]"; cut with "..." when too long. */
void conf_path_done(char out[CONF_PATH_LEN], int n);
void conf_join(char out[CONF_PATH_LEN], const char *parent, const char *key);
void conf_index(char out[CONF_PATH_LEN], const char *parent, size_t i);
/* Member `key` of element i of `list` (to point at its line), or the element itself. */
const config_setting_t *conf_elem_member(const config_setting_t *list, size_t i, const char *key);

/* conf_ussd.c: the "post" hook of the ussd group: every screen fits, every node is whole. */
int conf_post_ussd(struct conf_ctx *ctx, const config_setting_t *g, const char *path, void *base);

#endif
