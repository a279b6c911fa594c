/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_progress — loactl's progress lines: the "[#####.....] 38/50 done (76%)" bar shared by
 * `campaign show` and `campaign watch`, and a status line that a terminal sees redrawn in place
 * ('\r', then the old text blanked out) while a pipe or a log file gets one line per change, so
 * that `loactl campaign watch 7 | tee log` stays readable.
 *
 * Terminal redraws are throttled to ten a second: an import of a million rows would otherwise
 * spend its time writing to the terminal.
 *
 * Thread: loactl's only thread.
 */
#include "gateway/ctl.h"

#include <string.h>

#include "common/util.h"

#define CTL_PROGRESS_BAR	20
#define CTL_PROGRESS_EVERY_MS	100

void
ctl_progress_format(char *buf, size_t size, long long done, long long total)
{
	char bar[CTL_PROGRESS_BAR + 1];
	long long pct;

	if (total < 0)
		total = 0;
	if (done < 0)
		done = 0;
	pct = total > 0 ? done * 100 / total : 100;
	if (pct > 100)
		pct = 100;
	memset(bar, '.', CTL_PROGRESS_BAR);
	memset(bar, '#', (size_t)(pct * CTL_PROGRESS_BAR / 100));
	bar[CTL_PROGRESS_BAR] = '\0';
	snprintf(buf, size, "[%s] %lld/%lld done (%lld%%)", bar, done, total, pct);
}

void
ctl_progress_init(struct ctl_progress *p, FILE *out, bool tty)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->tty = tty;
}

void
ctl_progress_show(struct ctl_progress *p, const char *line, bool force)
{
	int64_t now = util_mono_ms();
	size_t width;

	if (!p->tty) {
		if (strcmp(line, p->last) == 0)
			return;
		fprintf(p->out, "%s\n", line);
		fflush(p->out);
		snprintf(p->last, sizeof(p->last), "%s", line);
		return;
	}
	if (!force && p->drawn && now - p->last_draw_ms < CTL_PROGRESS_EVERY_MS)
		return;
	width = ctl_utf8_width(line);
	fprintf(p->out, "\r%s", line);
	/* blank out what is left of a longer previous line */
	for (size_t i = width; i < p->last_width; i++)
		fputc(' ', p->out);
	for (size_t i = width; i < p->last_width; i++)
		fputc('\b', p->out);
	fflush(p->out);
	p->last_width = width;
	p->last_draw_ms = now;
	p->drawn = true;
	snprintf(p->last, sizeof(p->last), "%s", line);
}

void
ctl_progress_end(struct ctl_progress *p)
{
	if (p->tty && p->drawn) {
		fputc('\n', p->out);
		fflush(p->out);
	}
	p->drawn = false;
	p->last_width = 0;
}
