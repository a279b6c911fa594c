/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim_at — the AT command interpreter of the simulated modem, behaving enough like a USB GSM
 * modem for libgammu's AT driver: echo (libgammu matches answers by the echoed command), V.250
 * basic commands, the TS 27.007 identification / network / USSD commands and the TS 27.005 SMS
 * commands in PDU mode (and simply in text mode), with a SIM inbox of a fixed number of slots.
 *
 * DESIGN
 * Bytes arrive through sim_modem_input() in whatever pieces the terminal delivers. In command
 * mode they are echoed and collected until CR; anything before "AT" on a line (ESC, stray
 * bytes) is ignored. A line may chain commands with ';'. Each command's handler appends its
 * information lines to the output and returns a result code (OK, ERROR, +CME/+CMS ERROR or
 * "none" for AT+CMGS, which opens the "> " edit prompt instead). In edit mode bytes are
 * collected until Ctrl-Z (send) or ESC (cancel).
 *
 * Unsolicited codes go to a separate queue and are moved to the output only when the engine is
 * idle: no partial command line, not at the edit prompt, no delayed answer pending. A command's
 * answer is therefore complete in the output before any queued unsolicited code follows it. The
 * exceptions are deliberate: urc_noise lines and {"cmd":"urc","force":true} are written into the
 * middle of an answer, as Huawei modems do with ^RSSI / ^BOOT.
 *
 * Time: with latency_ms set, the answer to a submitted message is computed at Ctrl-Z but kept in
 * `deferred` until its deadline; meanwhile the modem is busy and terminal input is held, as a
 * real modem leaves it in its UART buffer, and processed after the answer went out. Status
 * reports, delayed USSD answers and the replug after an unplug are deadlines as well; the host
 * calls sim_modem_tick() when the earliest one (sim_modem_next_deadline()) has come.
 *
 * Status reports follow AT+CNMI <ds>: 1 sends "+CDS: <len>" and the PDU (SMSC address first)
 * as an unsolicited code, 2 stores the report on the SIM and sends +CDSI: "SM",<index>, 0 drops
 * it. libgammu 1.42 chooses <ds> = 2 from our AT+CNMI=? answer unless atgen_setcnmi says 1.
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



#define SIM_UNUSED	__attribute__((unused)) /* handlers share one signature */
#define SIM_MAX_ARGS	8
#define SIM_ARG_LEN	256

enum sim_op { SIM_OP_EXEC, SIM_OP_READ, SIM_OP_TEST, SIM_OP_SET };

struct sim_args {
	int n;
	bool quoted[SIM_MAX_ARGS];
	char v[SIM_MAX_ARGS][SIM_ARG_LEN];
};

/* --- buffers ---------------------------------------------------------------------------------- */

void
sim_buf_add(struct sim_buf *b, const char *data, size_t len)
{
	if (b->off > 0 && b->off == b->len)
		b->off = b->len = 0;
	if (b->len + len > b->cap) {
		if (b->off > 0) {
			memmove(b->data, b->data + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		if (b->len + len > b->cap) {
			size_t cap = b->cap ? b->cap : 1024;
			char *p;

			while (cap < b->len + len)
				cap *= 2;
			p = realloc(b->data, cap);
			if (!p)
				return; /* out of memory: drop output, as a saturated UART would */
			b->data = p;
			b->cap = cap;
		}
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

void
sim_buf_clear(struct sim_buf *b)
{
	b->off = b->len = 0;
}

void
sim_out(struct sim_modem *m, const char *s)
{
	sim_buf_add(&m->out, s, strlen(s));
}

/* An information line: CR LF text CR LF. */
static void __attribute__((format(printf, 2, 3)))
sim_info(struct sim_modem *m, const char *fmt, ...)
{
	char line[SIM_EDIT_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sim_out(m, "\r\n");
	sim_out(m, line);
	sim_out(m, "\r\n");
}

/* A continuation line: text CR LF (after an information line). */
static void
sim_cont(struct sim_modem *m, const char *s)
{
	sim_out(m, s);
	sim_out(m, "\r\n");
}

/* --- record and unsolicited codes ------------------------------------------------------------- */

void
sim_record(struct sim_modem *m, json_t *obj)
{
	json_t *line;
	char *text;

	if (!obj)
		return;
	if (!m->record) {
		json_decref(obj);
		return;
	}
	line = json_pack("{s:I}", "ts", (json_int_t)util_now_ms());
	json_object_update(line, obj);
	json_decref(obj);
	text = json_dumps(line, JSON_COMPACT);
	json_decref(line);
	if (!text)
		return;
	fputs(text, m->record);
	fputc('\n', m->record);
	fflush(m->record);
	free(text);
}

int64_t
sim_clock(const struct sim_modem *m)
{
	return m->clock ? m->clock() : util_mono_ms();
}

void
sim_queue_urc(struct sim_modem *m, const char *line)
{
	if (!m->connected || !m->plugged)
		return;		/* nobody listens: a real modem's code is lost too */
	sim_buf_add(&m->urc, "\r\n", 2);
	sim_buf_add(&m->urc, line, strlen(line));
	sim_buf_add(&m->urc, "\r\n", 2);
}

void
sim_flush_urc(struct sim_modem *m)
{
	if (m->line_len > 0 || m->in_mode != SIM_IN_CMD || m->hang || m->busy)
		return;
	if (m->urc.len > m->urc.off) {
		sim_buf_add(&m->out, m->urc.data + m->urc.off, m->urc.len - m->urc.off);
		sim_buf_clear(&m->urc);
	}
}

void
sim_emit_now(struct sim_modem *m, const char *line)
{
	if (!m->connected || !m->plugged || m->hang)
		return;
	sim_out(m, "\r\n");
	sim_out(m, line);
	sim_out(m, "\r\n");
	m->stats.noise++;
}

/* --- charset helpers -------------------------------------------------------------------------- */

/* Write UTF-8 `s` in the current TE character set ("GSM": as is; "UCS2": UTF-16BE hex). */
static void
sim_te_string(struct sim_modem *m, const char *s, char *out, size_t outlen)
{
	uint16_t u[SIM_USSD_MAX];
	size_t n = 0;

	if (!m->ucs2 || sim_ucs2_from_utf8(s, u, SIM_USSD_MAX, &n) < 0) {
		util_strlcpy(out, s, outlen);
		return;
	}
	out[0] = '\0';
	for (size_t i = 0; i < n && i < SIM_USSD_MAX && 4 * i + 5 <= outlen; i++)
		snprintf(out + 4 * i, 5, "%04X", u[i]);
}

/* Read a string argument given in the current TE character set into UTF-8. */
void
sim_te_parse(struct sim_modem *m, const char *s, char *out, size_t outlen)
{
	uint8_t be[SIM_ARG_LEN];
	int n;

	if (m->ucs2 && (n = sim_hex_decode(s, be, sizeof(be))) >= 0 && n % 2 == 0 &&
	    sim_ucs2_to_utf8(be, (size_t)n, out, outlen) == 0)
		return;
	util_strlcpy(out, s, outlen);
}

/* --- argument parsing ------------------------------------------------------------------------- */

/* Split "a,"b c",,d" into fields; quotes are removed and remembered. Returns 0 or -EINVAL. */
static int
sim_args_parse(const char *s, struct sim_args *a)
{
	memset(a, 0, sizeof(*a));
	if (!*s)
		return 0;
	for (;;) {
		size_t k = 0;

		if (a->n == SIM_MAX_ARGS)
			return -EINVAL;
		while (*s == ' ')
			s++;
		if (*s == '"') {
			a->quoted[a->n] = true;
			for (s++; *s && *s != '"'; s++)
				if (k + 1 < SIM_ARG_LEN)
					a->v[a->n][k++] = *s;
			if (*s != '"')
				return -EINVAL;
			s++;
			while (*s == ' ')
				s++;
		} else {
			for (; *s && *s != ','; s++)
				if (k + 1 < SIM_ARG_LEN)
					a->v[a->n][k++] = *s;
			while (k > 0 && a->v[a->n][k - 1] == ' ')
				k--;
		}
		a->v[a->n][k] = '\0';
		a->n++;
		if (*s == '\0')
			return 0;
		if (*s != ',')
			return -EINVAL;
		s++;
	}
}

/* Integer field i in [min, max]; false when absent, empty or out of range. */
static bool
sim_arg_int(const struct sim_args *a, int i, int min, int max, int *out)
{
	char *end;
	long v;

	if (i >= a->n || !a->v[i][0] || a->quoted[i])
		return false;
	v = strtol(a->v[i], &end, 10);
	if (*end || v < min || v > max)
		return false;
	*out = (int)v;
	return true;
}

/* --- inbox ------------------------------------------------------------------------------------ */

int
sim_inbox_count(const struct sim_modem *m, int *unread)
{
	int used = 0, un = 0;

	for (int i = 0; i < m->cfg.capacity; i++) {
		if (m->slots[i].used) {
			used++;
			un += !m->slots[i].read;
		}
	}
	if (unread)
		*unread = un;
	return used;
}

int
sim_modem_inbox_used(const struct sim_modem *m)
{
	return sim_inbox_count(m, NULL);
}

int
sim_modem_submitted(const struct sim_modem *m)
{
	return m->submitted;
}

static void
sim_slot_delete(struct sim_modem *m, int idx)
{
	struct sim_slot *s = &m->slots[idx - 1];

	if (!s->used)
		return;
	memset(s, 0, sizeof(*s));
	sim_record(m, json_pack("{s:s,s:i}", "event", "delete", "index", idx));
	LOG(LOG_DEBUG, "sim", "deleted message %d", idx);
}

int
sim_modem_inject(struct sim_modem *m, const char *from, const char *text, int64_t smsc_time,
		 const int *order, int order_len, int *indexes, int max_indexes)
{
	int free_slots = m->cfg.capacity - sim_inbox_count(m, NULL);
	int max_parts = m->cfg.capacity < 255 ? m->cfg.capacity : 255;
	struct sim_pdu_part *parts;
	int64_t scts = smsc_time >= 0 ? smsc_time : util_now_ms() / 1000;
	int n, ref = m->inject_ref & 0xff;
	bool seen[256] = { false };
	char mask[LOG_MASK_LEN];

	parts = calloc((size_t)max_parts, sizeof(*parts));
	if (!parts)
		return -ENOMEM;
	n = sim_deliver_encode(m->smsc, from, text, scts, ref, parts, max_parts);
	if (n == -E2BIG)
		n = -ENOSPC;	/* more parts than the SIM holds */
	if (n < 0)
		goto out;
	/* order: the parts to store, in storing order; fewer than all parts stores only those
	 * (the rest may come through another modem, as tests of reassembly need) */
	int count = order ? order_len : n;
	if (count > free_slots) {
		n = -ENOSPC;
		goto out;
	}
	for (int i = 0; i < n && i < max_indexes; i++)
		indexes[i] = 0;
	if (order) {
		if (order_len < 1 || order_len > n) {
			n = -EINVAL;
			goto out;
		}
		for (int i = 0; i < order_len; i++) {
			if (order[i] < 1 || order[i] > n || seen[order[i]]) {
				n = -EINVAL;
				goto out;
			}
			seen[order[i]] = true;
		}
	}
	if (n > 1)
		m->inject_ref++;
	for (int k = 0; k < count; k++) {
		int part = order ? order[k] : k + 1, idx = 0;
		struct sim_slot *s;
		char urc[64];

		while (m->slots[idx].used)
			idx++;
		s = &m->slots[idx];
		s->used = true;
		s->read = false;
		s->scts = scts;
		util_strlcpy(s->from, from, sizeof(s->from));
		s->pdu = parts[part - 1];
		if (part - 1 < max_indexes)
			indexes[part - 1] = idx + 1;
		sim_record(m, json_pack("{s:s,s:i,s:s,s:s,s:i,s:i}", "event", "inject", "index",
					idx + 1, "from", from, "text", s->pdu.text, "part", part,
					"parts", n));
		if (m->cnmi[1] >= 1) {
			snprintf(urc, sizeof(urc), "+CMTI: \"SM\",%d", idx + 1);
			sim_queue_urc(m, urc);
		}
	}
	LOG(LOG_INFO, "sim", "injected %d of %d part(s) from %s", count, n, log_mask(from, mask));
	sim_flush_urc(m);
out:
	free(parts);
	return n;
}

/* --- commands --------------------------------------------------------------------------------- */

typedef int (*sim_handler)(struct sim_modem *m, enum sim_op op, const struct sim_args *a);

void
sim_reset_settings(struct sim_modem *m)
{
	m->echo = true;
	m->cmee = 0;
	m->cmgf = 0;
	m->ucs2 = false;
	m->creg_mode = m->cgreg_mode = 0;
	m->cops_format = 0;
	memset(m->cnmi, 0, sizeof(m->cnmi));
	m->cmms = 0;
	m->cusd_mode = 0;
	m->clip = 0;
}

static int
sim_h_cmee(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	switch (op) {
	case SIM_OP_SET:
		return sim_arg_int(a, 0, 0, 2, &m->cmee) ? SIM_R_OK : SIM_R_CME(4);
	case SIM_OP_READ:
		sim_info(m, "+CMEE: %d", m->cmee);
		return SIM_R_OK;
	case SIM_OP_TEST:
		sim_info(m, "+CMEE: (0-2)");
		return SIM_R_OK;
	default:
		return SIM_R_ERROR;
	}
}

static int
sim_h_cfun(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	int v;

	switch (op) {
	case SIM_OP_SET:
		return sim_arg_int(a, 0, 0, 4, &v) ? SIM_R_OK : SIM_R_CME(4);
	case SIM_OP_READ:
		sim_info(m, "+CFUN: 1");
		return SIM_R_OK;
	case SIM_OP_TEST:
		sim_info(m, "+CFUN: (0,1,4),(0,1)");
		return SIM_R_OK;
	default:
		return SIM_R_ERROR;
	}
}

static int
sim_h_cpin(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	if (op == SIM_OP_READ)
		sim_info(m, "+CPIN: READY");
	return op == SIM_OP_EXEC ? SIM_R_ERROR : SIM_R_OK;
}

/* Identification commands: exec prints a fixed line, test answers OK. */
static int
sim_ident(struct sim_modem *m, enum sim_op op, const char *value)
{
	if (op == SIM_OP_TEST)
		return SIM_R_OK;
	if (op != SIM_OP_EXEC)
		return SIM_R_ERROR;
	sim_info(m, "%s", value);
	return SIM_R_OK;
}

static int
sim_h_cgmi(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	return sim_ident(m, op, "Loa");
}

static int
sim_h_cgmm(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	return sim_ident(m, op, "LoaSim");
}

static int
sim_h_cgmr(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	return sim_ident(m, op, "LoaSim 1.0");
}

static int
sim_h_cgsn(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	return sim_ident(m, op, m->cfg.imei);
}

static int
sim_h_cimi(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	return sim_ident(m, op, m->cfg.imsi);
}

static int
sim_h_gcap(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	return sim_ident(m, op, "+GCAP: +CGSM");
}

static int
sim_h_cnum(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	char num[128];

	if (op == SIM_OP_TEST)
		return SIM_R_OK;
	if (op != SIM_OP_EXEC)
		return SIM_R_ERROR;
	sim_te_string(m, m->cfg.own_number, num, sizeof(num));
	sim_info(m, "+CNUM: \"\",\"%s\",%d", num, m->cfg.own_number[0] == '+' ? 145 : 129);
	return SIM_R_OK;
}

static int
sim_h_cscs(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	switch (op) {
	case SIM_OP_SET:
		if (a->n < 1)
			return SIM_R_CME(4);
		if (strcmp(a->v[0], "GSM") == 0)
			m->ucs2 = false;
		else if (strcmp(a->v[0], "UCS2") == 0)
			m->ucs2 = true;
		else
			return SIM_R_CME(4);
		return SIM_R_OK;
	case SIM_OP_READ:
		sim_info(m, "+CSCS: \"%s\"", m->ucs2 ? "UCS2" : "GSM");
		return SIM_R_OK;
	case SIM_OP_TEST:
		sim_info(m, "+CSCS: (\"GSM\",\"UCS2\")");
		return SIM_R_OK;
	default:
		return SIM_R_ERROR;
	}
}

static int
sim_h_csq(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	if (op == SIM_OP_TEST) {
		sim_info(m, "+CSQ: (0-31,99),(0-7,99)");
		return SIM_R_OK;
	}
	if (op != SIM_OP_EXEC)
		return SIM_R_ERROR;
	sim_info(m, "+CSQ: %d,99", m->csq);
	return SIM_R_OK;
}

static int
sim_creg_common(struct sim_modem *m, enum sim_op op, const struct sim_args *a, const char *name,
		int *mode)
{
	switch (op) {
	case SIM_OP_SET:
		return sim_arg_int(a, 0, 0, 2, mode) ? SIM_R_OK : SIM_R_CME(4);
	case SIM_OP_READ:
		if (*mode == 2 && m->registered)
			sim_info(m, "+%s: 2,1,\"00B0\",\"0FAC\"", name);
		else
			sim_info(m, "+%s: %d,%d", name, *mode, m->registered ? 1 : 0);
		return SIM_R_OK;
	case SIM_OP_TEST:
		sim_info(m, "+%s: (0-2)", name);
		return SIM_R_OK;
	default:
		return SIM_R_ERROR;
	}
}

static int
sim_h_creg(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	return sim_creg_common(m, op, a, "CREG", &m->creg_mode);
}

static int
sim_h_cgreg(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	return sim_creg_common(m, op, a, "CGREG", &m->cgreg_mode);
}

static int
sim_h_cgatt(struct sim_modem *m, enum sim_op op, const struct sim_args *a)
{
	int v;

	switch (op) {
	case SIM_OP_SET:
		return sim_arg_int(a, 0, 0, 1, &v) ? SIM_R_OK : SIM_R_CME(4);
	case SIM_OP_READ:
		sim_info(m, "+CGATT: %d", m->registered ? 1 : 0);
		return SIM_R_OK;
	case SIM_OP_TEST:
		sim_info(m, "+CGATT: (0,1)");
		return SIM_R_OK;
	default:
		return SIM_R_ERROR;
	}
}

/* Calling-line identification: no calls are ever simulated, the setting is only kept. */
static int
sim_h_clip(struct sim_modem *m, enum sim_op op, const struct sim_args *a)
{
	switch (op) {
	case SIM_OP_SET:
		return sim_arg_int(a, 0, 0, 1, &m->clip) ? SIM_R_OK : SIM_R_CME(4);
	case SIM_OP_READ:
		sim_info(m, "+CLIP: %d,1", m->clip);
		return SIM_R_OK;
	case SIM_OP_TEST:
		sim_info(m, "+CLIP: (0,1)");
		return SIM_R_OK;
	default:
		return SIM_R_ERROR;
	}
}

static int
sim_h_cops(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	char name[128];
	int mode, fmt;

	switch (op) {
	case SIM_OP_SET:
		if (!sim_arg_int(a, 0, 0, 4, &mode))
			return SIM_R_CME(4);
		if (a->n > 1) {
			if (!sim_arg_int(a, 1, 0, 2, &fmt))
				return SIM_R_CME(4);
			m->cops_format = fmt;
		}
		return SIM_R_OK;
	case SIM_OP_READ:
		if (!m->registered) {
			sim_info(m, "+COPS: 0");
			return SIM_R_OK;
		}
		sim_te_string(m, m->cops_format == 2 ? m->cfg.operator_num : m->cfg.operator_name,
			      name, sizeof(name));
		sim_info(m, "+COPS: 0,%d,\"%s\"", m->cops_format, name);
		return SIM_R_OK;
	case SIM_OP_TEST:
		sim_info(m, "+COPS: (2,\"%s\",\"%s\",\"%s\"),,(0-4),(0,2)", m->cfg.operator_name,
			 m->cfg.operator_name, m->cfg.operator_num);
		return SIM_R_OK;
	default:
		return SIM_R_ERROR;
	}
}

static int
sim_h_csca(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	char num[128];

	switch (op) {
	case SIM_OP_SET:
		if (a->n < 1 || !a->v[0][0])
			return SIM_R_CME(4);
		sim_te_parse(m, a->v[0], num, sizeof(num));
		util_strlcpy(m->smsc, num, sizeof(m->smsc));
		return SIM_R_OK;
	case SIM_OP_READ:
		sim_te_string(m, m->smsc, num, sizeof(num));
		sim_info(m, "+CSCA: \"%s\",%d", num, m->smsc[0] == '+' ? 145 : 129);
		return SIM_R_OK;
	case SIM_OP_TEST:
		return SIM_R_OK;
	default:
		return SIM_R_ERROR;
	}
}

static int
sim_h_cmgf(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	switch (op) {
	case SIM_OP_SET:
		return sim_arg_int(a, 0, 0, 1, &m->cmgf) ? SIM_R_OK : SIM_R_CMS(303);
	case SIM_OP_READ:
		sim_info(m, "+CMGF: %d", m->cmgf);
		return SIM_R_OK;
	case SIM_OP_TEST:
		sim_info(m, "+CMGF: (0,1)");
		return SIM_R_OK;
	default:
		return SIM_R_ERROR;
	}
}

static int
sim_h_cnmi(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	static const int max[5] = { 3, 3, 3, 2, 1 };
	int v[5];

	switch (op) {
	case SIM_OP_SET:
		memcpy(v, m->cnmi, sizeof(v));
		for (int i = 0; i < a->n && i < 5; i++)
			if (a->v[i][0] && !sim_arg_int(a, i, 0, max[i], &v[i]))
				return SIM_R_CMS(303);
		if (a->n > 5)
			return SIM_R_CMS(303);
		memcpy(m->cnmi, v, sizeof(v));
		return SIM_R_OK;
	case SIM_OP_READ:
		sim_info(m, "+CNMI: %d,%d,%d,%d,%d", m->cnmi[0], m->cnmi[1], m->cnmi[2], m->cnmi[3],
			 m->cnmi[4]);
		return SIM_R_OK;
	case SIM_OP_TEST:
		sim_info(m, "+CNMI: (0-3),(0-3),(0-3),(0-2),(0,1)");
		return SIM_R_OK;
	default:
		return SIM_R_ERROR;
	}
}

static int
sim_h_cpms(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	int used = sim_inbox_count(m, NULL), cap = m->cfg.capacity;

	switch (op) {
	case SIM_OP_SET:
		if (a->n < 1 || a->n > 3)
			return SIM_R_CMS(302);
		for (int i = 0; i < a->n; i++)
			if (strcmp(a->v[i], "SM") != 0)
				return SIM_R_CMS(302);
		sim_info(m, "+CPMS: %d,%d,%d,%d,%d,%d", used, cap, used, cap, used, cap);
		return SIM_R_OK;
	case SIM_OP_READ:
		sim_info(m, "+CPMS: \"SM\",%d,%d,\"SM\",%d,%d,\"SM\",%d,%d", used, cap, used, cap,
			 used, cap);
		return SIM_R_OK;
	case SIM_OP_TEST:
		sim_info(m, "+CPMS: (\"SM\"),(\"SM\"),(\"SM\")");
		return SIM_R_OK;
	default:
		return SIM_R_ERROR;
	}
}

static const char *const sim_stat_text[] = { "REC UNREAD", "REC READ", "STO UNSENT", "STO SENT",
					     "ALL" };

/* The "yy/MM/dd,hh:mm:ss+zz" time of text mode. */
static void
sim_text_time(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	long q;

	localtime_r(&tt, &tm);
	q = tm.tm_gmtoff / 900;
	snprintf(out, len, "%02d/%02d/%02d,%02d:%02d:%02d%+03ld", tm.tm_year % 100, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, q);
}

/* Print one stored message for +CMGL / +CMGR in the current mode. */
static void
sim_print_msg(struct sim_modem *m, const char *head, int idx, bool first)
{
	struct sim_slot *s = &m->slots[idx - 1];
	char line[SIM_EDIT_MAX * 2], from[128], when[96];
	char text[SIM_TEXT_MAX * 4];
	int stat = s->read ? 1 : 0;

	if (m->cmgf == 0) {
		if (idx > 0 && strcmp(head, "+CMGL") == 0)
			snprintf(line, sizeof(line), "%s: %d,%d,,%d", head, idx, stat,
				 s->pdu.tpdu_len);
		else
			snprintf(line, sizeof(line), "%s: %d,,%d", head, stat, s->pdu.tpdu_len);
		if (first)
			sim_info(m, "%s", line);
		else
			sim_cont(m, line);
		sim_cont(m, s->pdu.hex);
		return;
	}
	sim_te_string(m, s->from, from, sizeof(from));
	sim_text_time(s->scts, when, sizeof(when));
	if (s->report) {
		/* TS 27.005 §3.4.2 / §3.4.3: <fo>,<mr>,<ra>,<tora>,<scts>,<dt>,<st>, no text */
		char dt[96], pre[32] = "";

		sim_text_time(s->dt, dt, sizeof(dt));
		if (strcmp(head, "+CMGL") == 0)
			snprintf(pre, sizeof(pre), "%d,", idx);
		snprintf(line, sizeof(line), "%s: %s\"%s\",6,%d,\"%s\",%d,\"%s\",\"%s\",%d", head,
			 pre, sim_stat_text[stat], s->mr, from, s->from[0] == '+' ? 145 : 129, when,
			 dt, s->st);
		if (first)
			sim_info(m, "%s", line);
		else
			sim_cont(m, line);
		return;
	}
	if (strcmp(head, "+CMGL") == 0)
		snprintf(line, sizeof(line), "%s: %d,\"%s\",\"%s\",,\"%s\"", head, idx,
			 sim_stat_text[stat], from, when);
	else
		snprintf(line, sizeof(line), "%s: \"%s\",\"%s\",,\"%s\"", head, sim_stat_text[stat],
			 from, when);
	if (first)
		sim_info(m, "%s", line);
	else
		sim_cont(m, line);
	if (m->ucs2) {
		uint16_t u[SIM_TEXT_MAX];
		size_t n = 0;

		sim_ucs2_from_utf8(s->pdu.text, u, SIM_TEXT_MAX, &n);
		text[0] = '\0';
		for (size_t i = 0; i < n && 4 * i + 5 <= sizeof(text); i++)
			snprintf(text + 4 * i, 5, "%04X", u[i]);
		sim_cont(m, text);
	} else {
		sim_cont(m, s->pdu.text);
	}
}

static int
sim_h_cmgl(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	int stat = -1;
	bool first = true;

	if (op == SIM_OP_TEST) {
		if (m->cmgf == 0)
			sim_info(m, "+CMGL: (0-4)");
		else
			sim_info(m, "+CMGL: (\"REC UNREAD\",\"REC READ\",\"STO UNSENT\","
				    "\"STO SENT\",\"ALL\")");
		return SIM_R_OK;
	}
	if (op == SIM_OP_EXEC) {
		stat = 0;	/* default: received unread */
	} else if (op == SIM_OP_SET && a->n == 1) {
		if (a->quoted[0]) {
			for (int i = 0; i < 5; i++)
				if (strcmp(a->v[0], sim_stat_text[i]) == 0)
					stat = i;
		} else {
			sim_arg_int(a, 0, 0, 4, &stat);
		}
	}
	if (stat < 0)
		return SIM_R_CMS(302);
	for (int i = 0; i < m->cfg.capacity; i++) {
		struct sim_slot *s = &m->slots[i];

		if (!s->used || (stat != 4 && stat != (s->read ? 1 : 0)))
			continue;
		sim_print_msg(m, "+CMGL", i + 1, first);
		first = false;
		s->read = true;
	}
	return SIM_R_OK;
}

static int
sim_h_cmgr(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	int idx;

	if (op == SIM_OP_TEST)
		return SIM_R_OK;
	if (op != SIM_OP_SET || !sim_arg_int(a, 0, 0, 65535, &idx))
		return SIM_R_CMS(302);
	if (idx < 1 || idx > m->cfg.capacity || !m->slots[idx - 1].used)
		return SIM_R_CMS(321);
	sim_print_msg(m, "+CMGR", idx, true);
	m->slots[idx - 1].read = true;
	return SIM_R_OK;
}

static int
sim_h_cmgd(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	int idx, flag = 0;

	if (op == SIM_OP_TEST) {
		sim_info(m, "+CMGD: (1-%d),(0-4)", m->cfg.capacity);
		return SIM_R_OK;
	}
	if (op != SIM_OP_SET || !sim_arg_int(a, 0, 0, 65535, &idx))
		return SIM_R_CMS(302);
	if (a->n > 1 && a->v[1][0] && !sim_arg_int(a, 1, 0, 4, &flag))
		return SIM_R_CMS(302);
	if (flag == 0) {
		if (idx < 1 || idx > m->cfg.capacity)
			return SIM_R_CMS(321);
		sim_slot_delete(m, idx);
		return SIM_R_OK;
	}
	for (int i = 0; i < m->cfg.capacity; i++)
		if (m->slots[i].used && (flag == 4 || m->slots[i].read))
			sim_slot_delete(m, i + 1);
	return SIM_R_OK;
}

static int
sim_h_cmms(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	switch (op) {
	case SIM_OP_SET:
		return sim_arg_int(a, 0, 0, 2, &m->cmms) ? SIM_R_OK : SIM_R_CMS(302);
	case SIM_OP_READ:
		sim_info(m, "+CMMS: %d", m->cmms);
		return SIM_R_OK;
	case SIM_OP_TEST:
		sim_info(m, "+CMMS: (0-2)");
		return SIM_R_OK;
	default:
		return SIM_R_ERROR;
	}
}

static int
sim_h_csms(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	int v;

	switch (op) {
	case SIM_OP_SET:
		if (!sim_arg_int(a, 0, 0, 1, &v))
			return SIM_R_CMS(303);
		sim_info(m, "+CSMS: 1,1,1");
		return SIM_R_OK;
	case SIM_OP_READ:
		sim_info(m, "+CSMS: 0,1,1,1");
		return SIM_R_OK;
	case SIM_OP_TEST:
		sim_info(m, "+CSMS: (0,1)");
		return SIM_R_OK;
	default:
		return SIM_R_ERROR;
	}
}

/* Text-mode parameters and display of headers: accepted and ignored. */
static int
sim_h_accept(struct sim_modem *m SIM_UNUSED, enum sim_op op SIM_UNUSED,
	     const struct sim_args *a SIM_UNUSED)
{
	return SIM_R_OK;
}

static int
sim_h_cusd(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	char code[SIM_ARG_LEN], reply[SIM_USSD_MAX * 4 + 1], urc[SIM_USSD_MAX * 4 + 32];
	int n = 0, dcs = 15;
	size_t units = 0;
	bool ucs2;

	switch (op) {
	case SIM_OP_TEST:
		sim_info(m, "+CUSD: (0,1,2)");
		return SIM_R_OK;
	case SIM_OP_READ:
		sim_info(m, "+CUSD: %d", m->cusd_mode);
		return SIM_R_OK;
	case SIM_OP_SET:
		break;
	default:
		return SIM_R_ERROR;
	}
	if (a->n >= 1 && a->v[0][0] && !sim_arg_int(a, 0, 0, 2, &n))
		return SIM_R_CME(4);
	if (a->n >= 3 && a->v[2][0] && !sim_arg_int(a, 2, 0, 255, &dcs))
		return SIM_R_CME(4);
	if (n == 2) {
		m->cusd_mode = 0;
		m->ussd_pending = false;	/* the session is cancelled: no answer comes */
		return SIM_R_OK;
	}
	m->cusd_mode = n;
	if (a->n < 2)
		return SIM_R_OK;
	if (!m->registered)
		return SIM_R_CME(30);	/* no network service */
	sim_te_parse(m, a->v[1], code, sizeof(code));
	ucs2 = m->ussd_encoding == SIM_USSD_UCS2 ||
	       (m->ussd_encoding == SIM_USSD_AUTO &&
		sim_gsm7_from_utf8(m->ussd_reply, NULL, 0, &units) < 0);
	if (ucs2) {
		uint16_t u[SIM_USSD_MAX];

		dcs = 72;	/* 0x48: general data coding, UCS-2 */
		units = 0;
		sim_ucs2_from_utf8(m->ussd_reply, u, SIM_USSD_MAX, &units);
		reply[0] = '\0';
		for (size_t i = 0; i < units && i < SIM_USSD_MAX; i++)
			snprintf(reply + 4 * i, 5, "%04X", u[i]);
	} else {
		dcs = 15;	/* GSM 7-bit default alphabet, language unspecified */
		sim_te_string(m, m->ussd_reply, reply, sizeof(reply));
	}
	m->stats.ussd++;
	sim_record(m, json_pack("{s:s,s:s,s:s,s:i,s:i,s:i}", "event", "ussd", "code", code,
				"reply", m->ussd_reply, "dcs", dcs, "status", m->ussd_status,
				"delay_ms", m->ussd_delay_ms));
	LOG(LOG_INFO, "sim", "USSD %s answered (dcs %d)", code, dcs);
	snprintf(urc, sizeof(urc), "+CUSD: %d,\"%s\",%d", m->ussd_status, reply, dcs);
	if (m->ussd_delay_ms > 0) {
		free(m->ussd_urc);
		m->ussd_urc = strdup(urc);
		m->ussd_pending = m->ussd_urc != NULL;
		m->ussd_due = sim_clock(m) + m->ussd_delay_ms;
		return SIM_R_OK;
	}
	sim_queue_urc(m, urc);
	return SIM_R_OK;
}

static int
sim_h_cmgs(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	int len;

	if (op == SIM_OP_TEST)
		return SIM_R_OK;
	if (op != SIM_OP_SET)
		return SIM_R_CMS(302);
	if (m->cmgf == 0) {
		if (!sim_arg_int(a, 0, 1, 180, &len))
			return SIM_R_CMS(304);
		m->edit_declared = len;
		m->edit_text = false;
	} else {
		if (a->n < 1 || !a->v[0][0])
			return SIM_R_CMS(304);
		sim_te_parse(m, a->v[0], m->edit_dest, sizeof(m->edit_dest));
		m->edit_text = true;
	}
	m->in_mode = SIM_IN_EDIT;
	m->edit_len = 0;
	m->edit_overflow = false;
	sim_out(m, "\r\n> ");
	return SIM_R_NONE;
}

static int
sim_h_chup(struct sim_modem *m SIM_UNUSED, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	return op == SIM_OP_TEST || op == SIM_OP_EXEC ? SIM_R_OK : SIM_R_ERROR;
}

static int
sim_h_cclk(struct sim_modem *m, enum sim_op op, const struct sim_args *a SIM_UNUSED)
{
	char when[96];

	if (op == SIM_OP_SET || op == SIM_OP_TEST)
		return SIM_R_OK;
	if (op != SIM_OP_READ)
		return SIM_R_ERROR;
	sim_text_time(util_now_ms() / 1000, when, sizeof(when));
	sim_info(m, "+CCLK: \"%s\"", when);
	return SIM_R_OK;
}

static const struct {
	const char *name;
	sim_handler fn;
} sim_commands[] = {
	{ "+CMEE", sim_h_cmee },   { "+CFUN", sim_h_cfun },   { "+CPIN", sim_h_cpin },
	{ "+CGMI", sim_h_cgmi },   { "+GMI", sim_h_cgmi },    { "+CGMM", sim_h_cgmm },
	{ "+GMM", sim_h_cgmm },    { "+CGMR", sim_h_cgmr },   { "+GMR", sim_h_cgmr },
	{ "+CGSN", sim_h_cgsn },   { "+GSN", sim_h_cgsn },    { "+CIMI", sim_h_cimi },
	{ "+GCAP", sim_h_gcap },   { "+CNUM", sim_h_cnum },   { "+CSCS", sim_h_cscs },
	{ "+CSQ", sim_h_csq },     { "+CREG", sim_h_creg },   { "+CGREG", sim_h_cgreg },
	{ "+COPS", sim_h_cops },   { "+CSCA", sim_h_csca },   { "+CMGF", sim_h_cmgf },
	{ "+CNMI", sim_h_cnmi },   { "+CPMS", sim_h_cpms },   { "+CMGL", sim_h_cmgl },
	{ "+CMGR", sim_h_cmgr },   { "+CMGD", sim_h_cmgd },   { "+CMMS", sim_h_cmms },
	{ "+CSMS", sim_h_csms },   { "+CSMP", sim_h_accept }, { "+CSDH", sim_h_accept },
	{ "+CUSD", sim_h_cusd },   { "+CMGS", sim_h_cmgs },   { "+CHUP", sim_h_chup },
	{ "+CCLK", sim_h_cclk },   { "+CGATT", sim_h_cgatt }, { "+CLIP", sim_h_clip },
	{ "+CRC", sim_h_accept },
};

/* --- command line ----------------------------------------------------------------------------- */

/* Run basic (V.250) commands at *p up to an extended command or the end. */
static int
sim_basic(struct sim_modem *m, const char **pp)
{
	const char *p = *pp;
	int r = SIM_R_OK;

	while (*p && !strchr("+$^#*%", *p)) {
		char c = (char)toupper((unsigned char)*p++);
		int v = 0;

		if (c == ' ' || c == ';')
			continue;
		if (c == '&') {
			c = (char)toupper((unsigned char)*p);
			if (*p)
				p++;
			if (c == 'F')
				sim_reset_settings(m);
			while (isdigit((unsigned char)*p))
				p++;
			continue;
		}
		if (c == 'S') {
			while (isdigit((unsigned char)*p))
				p++;
			if (*p == '?') {
				p++;
				sim_info(m, "000");
			} else if (*p == '=') {
				for (p++; isdigit((unsigned char)*p); p++)
					;
			}
			continue;
		}
		while (isdigit((unsigned char)*p))
			v = v * 10 + (*p++ - '0');
		switch (c) {
		case 'E':
			m->echo = v != 0;
			break;
		case 'Z':
			sim_reset_settings(m);
			break;
		case 'I':
			sim_info(m, "Loa LoaSim");
			break;
		case 'V': case 'Q': case 'X': case 'L': case 'M': case 'H':
			break;
		default:
			r = SIM_R_ERROR;
			break;
		}
		if (r != SIM_R_OK)
			break;
	}
	*pp = p;
	return r;
}

/* Run one extended command at *p (up to ';' outside quotes or the end). */
static int
sim_extended(struct sim_modem *m, const char **pp)
{
	const char *p = *pp;
	char name[32], argstr[SIM_LINE_MAX];
	size_t k = 0, alen = 0;
	bool quoted = false;
	enum sim_op op = SIM_OP_EXEC;
	struct sim_args args;

	name[k++] = *p++;
	while (isalnum((unsigned char)*p) || *p == '_') {
		if (k + 1 < sizeof(name))
			name[k++] = (char)toupper((unsigned char)*p);
		p++;
	}
	name[k] = '\0';
	if (p[0] == '=' && p[1] == '?') {
		op = SIM_OP_TEST;
		p += 2;
	} else if (p[0] == '?') {
		op = SIM_OP_READ;
		p++;
	} else if (p[0] == '=') {
		op = SIM_OP_SET;
		p++;
	}
	for (; *p && (quoted || *p != ';'); p++) {
		if (*p == '"')
			quoted = !quoted;
		if (alen + 1 < sizeof(argstr))
			argstr[alen++] = *p;
	}
	argstr[alen] = '\0';
	if (*p == ';')
		p++;
	*pp = p;
	if (op != SIM_OP_SET && argstr[0])
		return SIM_R_ERROR;
	if (sim_args_parse(argstr, &args) < 0)
		return SIM_R_ERROR;
	for (size_t i = 0; i < sizeof(sim_commands) / sizeof(sim_commands[0]); i++)
		if (strcmp(sim_commands[i].name, name) == 0)
			return sim_commands[i].fn(m, op, &args);
	return SIM_R_ERROR;	/* unknown: AT+CPROT=?, AT+SYNCML=?, AT$TSSPCSW=?, AT+MODE=2 … */
}

/* The urc_noise lines, written into the answer being produced. */
static void
sim_noise(struct sim_modem *m)
{
	for (int i = 0; i < m->noise_n; i++)
		sim_emit_now(m, m->noise[i]);
}

static void
sim_run_line(struct sim_modem *m)
{
	const char *p = NULL, *cmd;
	int r = SIM_R_OK;
	bool noise;

	m->line[m->line_len] = '\0';
	for (size_t i = 0; i + 1 < m->line_len; i++) {
		if (toupper((unsigned char)m->line[i]) == 'A' &&
		    toupper((unsigned char)m->line[i + 1]) == 'T') {
			p = m->line + i;
			break;
		}
	}
	if (!p)
		return;		/* no command on the line: a real modem stays silent */
	LOG(LOG_DEBUG, "sim", "at< %s", p);
	m->stats.commands++;
	noise = m->noise_n > 0 && m->noise_every > 0 && m->stats.commands % m->noise_every == 0;
	if (noise && m->noise_where == SIM_NOISE_START)
		sim_noise(m);
	if (m->line_overflow) {
		sim_final(m, SIM_R_ERROR);
		return;
	}
	cmd = p + 2;
	while (*cmd && r == SIM_R_OK) {
		r = sim_basic(m, &cmd);
		if (r == SIM_R_OK && *cmd)
			r = sim_extended(m, &cmd);
	}
	if (noise && m->noise_where == SIM_NOISE_END && r != SIM_R_NONE)
		sim_noise(m);
	sim_final(m, r);
}

static void
sim_cmd_byte(struct sim_modem *m, char c)
{
	switch (c) {
	case '\r':
		if (m->echo)
			sim_out(m, "\r");
		sim_run_line(m);
		m->line_len = 0;
		m->line_overflow = false;
		break;
	case '\n':
	case 0x1a:
	case 0x1b:
		break;		/* stray line feed, Ctrl-Z or ESC outside the edit prompt */
	case 0x08:
	case 0x7f:
		if (m->line_len > 0)
			m->line_len--;
		if (m->echo)
			sim_buf_add(&m->out, &c, 1);
		break;
	default:
		if (m->echo)
			sim_buf_add(&m->out, &c, 1);
		if (m->line_len + 1 < sizeof(m->line))
			m->line[m->line_len++] = c;
		else
			m->line_overflow = true;
	}
}

static void
sim_edit_byte(struct sim_modem *m, char c)
{
	switch (c) {
	case 0x1a: {
		size_t before = m->out.len - m->out.off, after;

		m->edit[m->edit_len] = '\0';
		m->in_mode = SIM_IN_CMD;
		LOG(LOG_DEBUG, "sim", "at< <%s>^Z", m->edit);
		if (m->edit_text)
			sim_submit_text(m);
		else
			sim_submit_pdu(m);
		after = m->out.len - m->out.off;
		if (m->latency_ms > 0 && after > before) {
			/* the network takes its time: hold the answer, and the modem with it */
			sim_buf_clear(&m->deferred);
			sim_buf_add(&m->deferred, m->out.data + m->out.len - (after - before),
				    after - before);
			m->out.len -= after - before;
			m->busy = true;
			m->busy_due = sim_clock(m) + m->latency_ms;
		}
		break;
	}
	case 0x1b:
		m->in_mode = SIM_IN_CMD;
		LOG(LOG_DEBUG, "sim", "at< edit cancelled");
		sim_final(m, SIM_R_OK);
		break;
	case '\r':
	case '\n':
		if (m->edit_text && c == '\r') {
			if (m->edit_len + 1 < sizeof(m->edit))
				m->edit[m->edit_len++] = '\n';
			sim_out(m, "\r\n> ");
		}
		break;
	default:
		if (m->echo)
			sim_buf_add(&m->out, &c, 1);
		if (m->edit_len + 1 < sizeof(m->edit))
			m->edit[m->edit_len++] = c;
		else
			m->edit_overflow = true;
	}
}

/* Interpret bytes until done or until the modem turns busy; returns the bytes consumed. */
size_t
sim_feed(struct sim_modem *m, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && !m->busy; i++) {
		if (m->in_mode == SIM_IN_EDIT)
			sim_edit_byte(m, p[i]);
		else
			sim_cmd_byte(m, p[i]);
	}
	return i;
}

void
sim_modem_input(struct sim_modem *m, const void *buf, size_t len)
{
	const char *p = buf;
	size_t used;

	if (m->hang || !m->plugged)
		return;
	m->stats.bytes_in += (long)len;
	used = m->busy ? 0 : sim_feed(m, p, len);
	if (used < len)
		sim_buf_add(&m->held, p + used, len - used);
	sim_flush_urc(m);
}

const char *
sim_modem_output(struct sim_modem *m, size_t *len)
{
	*len = m->out.len - m->out.off;
	return m->out.data ? m->out.data + m->out.off : "";
}

void
sim_modem_consume(struct sim_modem *m, size_t n)
{
	size_t avail = m->out.len - m->out.off;

	m->stats.bytes_out += (long)(n < avail ? n : avail);
	m->out.off += n < avail ? n : avail;
	if (m->out.off == m->out.len)
		sim_buf_clear(&m->out);
}

void
sim_modem_set_connected(struct sim_modem *m, bool connected)
{
	if (m->connected == connected)
		return;
	m->connected = connected;
	LOG(LOG_INFO, "sim", "client %s", connected ? "connected" : "disconnected");
	if (!connected) {
		m->line_len = 0;
		m->line_overflow = false;
		m->in_mode = SIM_IN_CMD;
		m->busy = false;	/* an answer still on its way is sent to nobody */
		sim_buf_clear(&m->out);
		sim_buf_clear(&m->urc);
		sim_buf_clear(&m->deferred);
		sim_buf_clear(&m->held);
	}
}

/* --- life cycle ------------------------------------------------------------------------------- */

void
sim_config_default(struct sim_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	util_strlcpy(cfg->own_number, "+84980000001", sizeof(cfg->own_number));
	util_strlcpy(cfg->operator_num, "45204", sizeof(cfg->operator_num));
	util_strlcpy(cfg->operator_name, "Viettel", sizeof(cfg->operator_name));
	util_strlcpy(cfg->imei, "356938035643809", sizeof(cfg->imei));
	util_strlcpy(cfg->imsi, "452040000000001", sizeof(cfg->imsi));
	util_strlcpy(cfg->smsc, "+84980200030", sizeof(cfg->smsc));
	cfg->capacity = 30;
}

struct sim_modem *
sim_modem_new(const struct sim_config *cfg, FILE *record)
{
	struct sim_modem *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cfg = *cfg;
	if (m->cfg.capacity < 1)
		m->cfg.capacity = 1;
	if (m->cfg.capacity > SIM_MAX_CAPACITY)
		m->cfg.capacity = SIM_MAX_CAPACITY;
	m->slots = calloc((size_t)m->cfg.capacity, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		return NULL;
	}
	m->record = record;
	util_strlcpy(m->smsc, cfg->smsc, sizeof(m->smsc));
	sim_reset_settings(m);
	m->csq = 21;
	m->registered = true;
	util_strlcpy(m->ussd_reply, "Balance 10000d", sizeof(m->ussd_reply));
	m->fail_cms = 500;
	m->dlr_delay_ms = 500;
	m->dlr_st = SIM_ST_DELIVERED;
	m->noise_every = 1;
	m->plugged = true;
	m->replug_due = -1;
	return m;
}

void
sim_modem_free(struct sim_modem *m)
{
	if (!m)
		return;
	free(m->out.data);
	free(m->urc.data);
	free(m->deferred.data);
	free(m->held.data);
	free(m->ussd_urc);
	free(m->slots);
	free(m);
}
