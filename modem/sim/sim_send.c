/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim_send — the simulated modem's sending side: a PDU or text-mode AT+CMGS, its message
 * reference, refusals (unregistered, injected +CMS errors), and the status reports asked for.
 */
#include "modem/sim/sim_priv.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"

/* --- sending ---------------------------------------------------------------------------------- */

void
sim_final(struct sim_modem *m, int r)
{
	char buf[48];

	if (r == SIM_R_NONE)
		return;
	if (r == SIM_R_OK) {
		sim_out(m, "\r\nOK\r\n");
	} else if (r >= SIM_R_CMS(0)) {
		snprintf(buf, sizeof(buf), "\r\n+CMS ERROR: %d\r\n", r - SIM_R_CMS(0));
		sim_out(m, buf);
	} else if (r >= SIM_R_CME(0) && m->cmee > 0) {
		snprintf(buf, sizeof(buf), "\r\n+CME ERROR: %d\r\n", r - SIM_R_CME(0));
		sim_out(m, buf);
	} else {
		sim_out(m, "\r\nERROR\r\n");
	}
}

/* The next message reference, 1..255 wrapping. */
int
sim_next_mr(struct sim_modem *m)
{
	m->mr = m->mr % 255 + 1;
	return m->mr;
}

/* A submit failure forced through the control socket, or no network. 0 when none applies. */
int
sim_submit_refusal(struct sim_modem *m)
{
	if (!m->registered) {
		m->stats.refused++;
		return 331;	/* no network service */
	}
	if (m->fail_count > 0) {
		m->fail_count--;
		m->stats.refused++;
		m->stats.failures_injected++;
		return m->fail_cms;
	}
	return 0;
}

/* Schedule the automatic status report of message `mr`, answered after the latency. */
void
sim_dlr_schedule(struct sim_modem *m, int mr, const char *to)
{
	int64_t now = sim_clock(m);

	if (m->dlr_st < 0)
		return;
	for (int i = 0; i < SIM_DLR_MAX; i++) {
		struct sim_dlr *d = &m->dlrs[i];

		if (d->used)
			continue;
		d->used = true;
		d->due = now + m->latency_ms + m->dlr_delay_ms;
		d->mr = mr;
		d->st = m->dlr_st;
		d->scts = util_now_ms() / 1000 + (m->latency_ms + 999) / 1000;
		util_strlcpy(d->to, to, sizeof(d->to));
		return;
	}
	LOG(LOG_WARN, "sim", "too many status reports pending; report for mr=%d dropped", mr);
}

void
sim_dlr_emit(struct sim_modem *m, int mr, const char *to, int st, int64_t scts)
{
	struct sim_pdu_part part;
	const char *via = "none";
	char urc[SIM_PDU_HEX_MAX + 32], mask[LOG_MASK_LEN];
	int idx = 0;

	if (sim_status_report_encode(m->smsc, mr, to, scts, util_now_ms() / 1000, st, &part) < 0) {
		LOG(LOG_WARN, "sim", "cannot encode a status report to %s", log_mask(to, mask));
		return;
	}
	if (m->cnmi[3] == 1) {
		via = "cds";
		snprintf(urc, sizeof(urc), "+CDS: %d\r\n%s", part.tpdu_len, part.hex);
		sim_queue_urc(m, urc);
	} else if (m->cnmi[3] == 2) {
		while (idx < m->cfg.capacity && m->slots[idx].used)
			idx++;
		if (idx < m->cfg.capacity) {
			struct sim_slot *sl = &m->slots[idx];

			memset(sl, 0, sizeof(*sl));
			sl->used = sl->report = true;
			sl->mr = mr;
			sl->st = st;
			sl->scts = scts;
			sl->dt = util_now_ms() / 1000;
			util_strlcpy(sl->from, to, sizeof(sl->from));
			sl->pdu = part;
			via = "cdsi";
			idx++;
			snprintf(urc, sizeof(urc), "+CDSI: \"SM\",%d", idx);
			sim_queue_urc(m, urc);
		} else {
			via = "full";	/* no room on the SIM: the report is lost */
			idx = 0;
		}
	}
	m->stats.dlrs_sent++;
	sim_record(m, json_pack("{s:s,s:i,s:s,s:s,s:i,s:s,s:i,s:s}", "event", "dlr", "mr", mr,
				"to", to, "status", sim_st_name(st), "st", st, "via", via,
				"index", idx, "pdu", part.hex));
	LOG(LOG_INFO, "sim", "status report mr=%d to=%s %s via %s", mr, log_mask(to, mask),
	    sim_st_name(st), via);
	sim_flush_urc(m);
}

void
sim_submit_pdu(struct sim_modem *m)
{
	struct sim_sms sms;
	char err[128] = "", mask[LOG_MASK_LEN], buf[64];
	int mr, refusal;
	json_t *concat;

	if (m->edit_overflow) {
		util_strlcpy(err, "PDU too long", sizeof(err));
	} else if (sim_pdu_decode_hex(m->edit, true, m->edit_declared, &sms, err, sizeof(err)) ==
		   0 && sms.mti != SIM_MTI_SUBMIT) {
		util_strlcpy(err, "not an SMS-SUBMIT", sizeof(err));
	}
	if (err[0]) {
		for (char *c = m->edit; *c; c++)	/* keep the record valid UTF-8 */
			if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
				*c = '?';
		sim_record(m, json_pack("{s:s,s:s,s:i,s:s}", "event", "bad_pdu", "error", err,
					"declared", m->edit_declared, "pdu", m->edit));
		LOG(LOG_NOTICE, "sim", "rejected PDU: %s", err);
		sim_final(m, SIM_R_CMS(304));
		return;
	}
	refusal = sim_submit_refusal(m);
	if (refusal) {
		sim_record(m, json_pack("{s:s,s:i,s:s}", "event", "refused", "cms_error", refusal,
					"pdu", m->edit));
		LOG(LOG_NOTICE, "sim", "refused submit with +CMS ERROR: %d", refusal);
		sim_final(m, SIM_R_CMS(refusal));
		return;
	}
	mr = sim_next_mr(m);
	m->submitted++;
	m->stats.submits++;
	util_strlcpy(m->mr_to[mr], sms.addr, sizeof(m->mr_to[mr]));
	if (sms.srr)
		sim_dlr_schedule(m, mr, sms.addr);
	concat = sms.concat ? json_pack("{s:i,s:i,s:i}", "ref", sms.concat_ref, "parts",
					sms.concat_parts, "part", sms.concat_part)
			    : json_null();
	sim_record(m, json_pack("{s:s,s:i,s:s,s:s,s:i,s:b,s:o,s:s,s:s}", "event", "submit",
				"mr", mr, "to", sms.addr, "encoding", sim_enc_name(sms.enc),
				"dcs", sms.dcs, "srr", sms.srr, "concat", concat, "text", sms.text,
				"pdu", m->edit));
	LOG(LOG_INFO, "sim", "submit mr=%d to=%s %s part %d/%d", mr, log_mask(sms.addr, mask),
	    sim_enc_name(sms.enc), sms.concat ? sms.concat_part : 1,
	    sms.concat ? sms.concat_parts : 1);
	LOG(LOG_DEBUG, "sim", "submit mr=%d to=%s text=%s", mr, sms.addr, sms.text);
	snprintf(buf, sizeof(buf), "\r\n+CMGS: %d\r\n", mr);
	sim_out(m, buf);
	sim_final(m, SIM_R_OK);
}

void
sim_submit_text(struct sim_modem *m)
{
	char text[SIM_EDIT_MAX * 2], mask[LOG_MASK_LEN], buf[64];
	int mr, refusal;

	if (m->edit_overflow) {
		sim_final(m, SIM_R_CMS(304));
		return;
	}
	refusal = sim_submit_refusal(m);
	if (refusal) {
		sim_final(m, SIM_R_CMS(refusal));
		return;
	}
	sim_te_parse(m, m->edit, text, sizeof(text));
	mr = sim_next_mr(m);
	m->submitted++;
	m->stats.submits++;
	util_strlcpy(m->mr_to[mr], m->edit_dest, sizeof(m->mr_to[mr]));
	sim_record(m, json_pack("{s:s,s:i,s:s,s:s,s:i,s:b,s:n,s:s,s:n}", "event", "submit", "mr",
				mr, "to", m->edit_dest, "encoding", "text", "dcs", 0, "srr", 0,
				"concat", "text", text, "pdu"));
	LOG(LOG_INFO, "sim", "submit mr=%d to=%s text mode", mr, log_mask(m->edit_dest, mask));
	snprintf(buf, sizeof(buf), "\r\n+CMGS: %d\r\n", mr);
	sim_out(m, buf);
	sim_final(m, SIM_R_OK);
}

