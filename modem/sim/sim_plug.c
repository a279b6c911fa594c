/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim_plug — the simulated modem's clock and deadlines (latency, delivery reports, USSD delays)
 * and its unplugging and replugging.
 */
#include "modem/sim/sim_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

/* --- time and plugging ------------------------------------------------------------------------ */

void
sim_modem_set_clock(struct sim_modem *m, int64_t (*clock)(void))
{
	m->clock = clock;
}

static void
sim_earliest(int64_t *best, int64_t t)
{
	if (*best < 0 || t < *best)
		*best = t;
}

int64_t
sim_modem_next_deadline(const struct sim_modem *m)
{
	int64_t best = -1;

	if (!m->plugged) {
		if (m->replug_due >= 0)
			sim_earliest(&best, m->replug_due);
		return best;
	}
	if (m->hang)
		return -1;	/* a hung modem does nothing until it is released */
	if (m->busy)
		sim_earliest(&best, m->busy_due);
	if (m->ussd_pending)
		sim_earliest(&best, m->ussd_due);
	for (int i = 0; i < SIM_DLR_MAX; i++)
		if (m->dlrs[i].used)
			sim_earliest(&best, m->dlrs[i].due);
	return best;
}

void
sim_modem_tick(struct sim_modem *m)
{
	int64_t now = sim_clock(m);

	if (!m->plugged) {
		if (m->replug_due >= 0 && now >= m->replug_due)
			sim_modem_replug(m);
		return;
	}
	if (m->hang)
		return;
	if (m->busy && now >= m->busy_due) {
		sim_buf_add(&m->out, m->deferred.data + m->deferred.off,
			    m->deferred.len - m->deferred.off);
		sim_buf_clear(&m->deferred);
		m->busy = false;
		/* what the terminal sent meanwhile, until the modem turns busy again */
		while (!m->busy && m->held.len > m->held.off) {
			size_t used = sim_feed(m, m->held.data + m->held.off,
					       m->held.len - m->held.off);

			m->held.off += used;
		}
		if (m->held.off == m->held.len)
			sim_buf_clear(&m->held);
	}
	if (m->ussd_pending && now >= m->ussd_due) {
		m->ussd_pending = false;
		sim_queue_urc(m, m->ussd_urc);
	}
	for (int i = 0; i < SIM_DLR_MAX; i++) {
		struct sim_dlr *d = &m->dlrs[i];

		if (d->used && now >= d->due) {
			d->used = false;
			sim_dlr_emit(m, d->mr, d->to, d->st, d->scts);
		}
	}
	sim_flush_urc(m);
}

enum sim_host_req
sim_modem_host_request(struct sim_modem *m)
{
	enum sim_host_req r = (enum sim_host_req)m->host_req;

	m->host_req = SIM_HOST_NONE;
	return r;
}

bool
sim_modem_plugged(const struct sim_modem *m)
{
	return m->plugged;
}

/* Forget everything in progress; the SIM (inbox, last TP-MR, SMSC) stays. */
static void
sim_fresh_state(struct sim_modem *m)
{
	sim_modem_set_connected(m, false);
	m->busy = false;
	m->ussd_pending = false;
	memset(m->dlrs, 0, sizeof(m->dlrs));
	m->edit_len = 0;
	m->hang = false;
	sim_reset_settings(m);
}

int
sim_modem_unplug(struct sim_modem *m, int seconds)
{
	if (!m->plugged)
		return -EALREADY;
	sim_fresh_state(m);
	m->plugged = false;
	m->replug_due = seconds > 0 ? sim_clock(m) + (int64_t)seconds * 1000 : -1;
	m->host_req = SIM_HOST_UNPLUG;
	m->stats.unplugs++;
	sim_record(m, json_pack("{s:s,s:i}", "event", "unplug", "seconds", seconds));
	LOG(LOG_NOTICE, "sim", "modem unplugged%s", seconds > 0 ? "" : " until replug");
	return 0;
}

int
sim_modem_replug(struct sim_modem *m)
{
	if (m->plugged)
		return -EALREADY;
	sim_fresh_state(m);
	m->plugged = true;
	m->replug_due = -1;
	m->host_req = SIM_HOST_REPLUG;
	m->stats.replugs++;
	sim_record(m, json_pack("{s:s,s:i}", "event", "replug", "inbox", sim_inbox_count(m, NULL)));
	LOG(LOG_NOTICE, "sim", "modem plugged back in");
	return 0;
}

bool
sim_modem_connected(const struct sim_modem *m)
{
	return m->connected;
}

