/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim_priv — the state of a simulated modem, shared by the AT interpreter (sim_at.c) and the
 * control commands (sim_ctl.c). Not for use outside modem/sim/.
 */
#ifndef LOA_MODEM_SIM_PRIV_H
#define LOA_MODEM_SIM_PRIV_H

#include <jansson.h>

#include "modem/sim/sim.h"
#include "modem/sim/sim_pdu.h"

#define SIM_LINE_MAX	2048	/* longest AT command line accepted */
#define SIM_EDIT_MAX	1024	/* longest PDU / text typed after the "> " prompt */
#define SIM_USSD_MAX	256
#define SIM_NOISE_MAX	8	/* lines of urc_noise */
#define SIM_NOISE_LEN	128	/* longest noise / urc line */
#define SIM_DLR_MAX	256	/* status reports waiting for their time */

struct sim_buf {
	char *data;
	size_t off;			/* first unconsumed byte */
	size_t len;			/* end of valid bytes */
	size_t cap;
};

struct sim_slot {
	bool used;
	bool read;			/* REC READ (1) rather than REC UNREAD (0) */
	bool report;			/* an SMS-STATUS-REPORT rather than an SMS-DELIVER */
	int mr, st;			/* report: TP-MR and TP-ST */
	int64_t dt;			/* report: discharge time, epoch seconds */
	char from[SIM_ADDR_MAX];	/* deliver: sender; report: recipient */
	int64_t scts;			/* epoch seconds */
	struct sim_pdu_part pdu;	/* hex with SMSC address, TPDU length, text */
};

enum sim_in_mode { SIM_IN_CMD, SIM_IN_EDIT };

/* A status report waiting for its time. */
struct sim_dlr {
	bool used;
	int64_t due;			/* clock ms */
	int mr, st;
	int64_t scts;			/* when the SC took the message, epoch seconds */
	char to[SIM_ADDR_MAX];
};

/* Where urc_noise goes inside an answer. */
enum sim_noise_where { SIM_NOISE_START, SIM_NOISE_END };

struct sim_stats {
	long commands;			/* AT command lines run */
	long submits;			/* messages accepted (+CMGS) */
	long refused;			/* submits answered with +CMS ERROR (any cause) */
	long failures_injected;		/* of which forced by fail_count */
	long dlrs_sent;			/* status reports emitted (+CDS, +CDSI or stored) */
	long ussd;			/* USSD requests answered */
	long noise;			/* noise / urc lines emitted */
	long unplugs, replugs;
	long bytes_in, bytes_out;	/* terminal bytes */
};

struct sim_modem {
	struct sim_config cfg;
	FILE *record;
	struct sim_slot *slots;		/* cfg.capacity slots; SIM index = array index + 1 */
	bool connected;
	struct sim_buf out;		/* bytes for the terminal */
	struct sim_buf urc;		/* unsolicited codes waiting for an idle moment */

	char line[SIM_LINE_MAX];	/* command line being received */
	size_t line_len;
	bool line_overflow;

	enum sim_in_mode in_mode;	/* after AT+CMGS: collecting the PDU / text */
	bool edit_text;			/* text mode AT+CMGS="number" */
	char edit[SIM_EDIT_MAX];
	size_t edit_len;
	bool edit_overflow;
	int edit_declared;		/* PDU mode: declared TPDU length */
	char edit_dest[SIM_ADDR_MAX];	/* text mode: destination */

	/* settings */
	bool echo;
	int cmee;
	int cmgf;			/* 0 PDU, 1 text */
	bool ucs2;			/* AT+CSCS="UCS2" */
	int creg_mode, cgreg_mode;
	int cops_format;		/* 0 long name, 2 numeric */
	int cnmi[5];
	int cmms;
	int cusd_mode;
	int clip;
	char smsc[24];			/* AT+CSCA may change it */

	/* control-settable behaviour (kept across unplug / replug) */
	int csq;			/* 0..31, 99 */
	bool registered;
	char ussd_reply[SIM_USSD_MAX];
	int ussd_encoding;		/* SIM_USSD_AUTO, _GSM7, _UCS2 */
	int ussd_delay_ms;
	int ussd_status;		/* <m> of +CUSD: 0 no action, 1 action needed, 2 ended */
	int fail_cms;			/* +CMS ERROR code for the next fail_count submits */
	int fail_count;
	bool hang;			/* swallow all input, answer nothing */
	int latency_ms;			/* delay between Ctrl-Z and the +CMGS answer */
	int dlr_delay_ms;		/* delay between the +CMGS answer and its status report */
	int dlr_st;			/* TP-ST of automatic reports, -1: none */
	char noise[SIM_NOISE_MAX][SIM_NOISE_LEN];
	int noise_n;
	int noise_every;		/* every K-th command line; 0 off */
	enum sim_noise_where noise_where;

	/* deferred work (clock ms deadlines) */
	int64_t (*clock)(void);
	bool busy;			/* a delayed +CMGS answer is pending: input is held */
	int64_t busy_due;
	struct sim_buf deferred;	/* that answer */
	struct sim_buf held;		/* terminal input received while busy */
	struct sim_dlr dlrs[SIM_DLR_MAX];
	bool ussd_pending;
	int64_t ussd_due;
	char *ussd_urc;			/* the +CUSD line to emit at ussd_due */

	/* plugging */
	bool plugged;
	int64_t replug_due;		/* -1: stay unplugged until "replug" */
	int host_req;			/* enum sim_host_req for the host, taken once */
	int host_seconds;

	/* counters */
	int mr;				/* last TP-MR given, 0..255 (kept on the SIM, as EF_SMSS) */
	char mr_to[256][SIM_ADDR_MAX];	/* recipient of each TP-MR, for {"cmd":"dlr"} */
	int submitted;
	int inject_ref;
	struct sim_stats stats;
};

#define SIM_USSD_AUTO	0	/* GSM 7-bit (dcs 15) when the text fits, else UCS-2 (dcs 72) */
#define SIM_USSD_GSM7	1	/* dcs 15, text in the TE character set */
#define SIM_USSD_UCS2	2	/* dcs 72, text as UCS-2 hex whatever the TE character set */

/* Append a JSON record line (the "ts" member is added first); steals obj. */
void sim_record(struct sim_modem *m, json_t *obj);

/* Queue an unsolicited code line (without CR LF) for the next idle moment. */
void sim_queue_urc(struct sim_modem *m, const char *line);

/* Move queued unsolicited codes to the output when no command is in progress. */
void sim_flush_urc(struct sim_modem *m);

/* Emit one unsolicited line now, even inside an answer or at the edit prompt. */
void sim_emit_now(struct sim_modem *m, const char *line);

/* Emit a status report for message `mr` to `to` with TP-ST `st` (routing per AT+CNMI <ds>). */
void sim_dlr_emit(struct sim_modem *m, int mr, const char *to, int st, int64_t scts);

/* The current clock in ms (monotonic unless a test set its own). */
int64_t sim_clock(const struct sim_modem *m);


/* Results of an AT command handler (sim_final() writes the answer). */
#define SIM_R_OK	0
#define SIM_R_ERROR	(-1)
#define SIM_R_NONE	(-2)		/* the handler wrote its own answer (edit prompt) */
#define SIM_R_CME(n)	(10000 + (n))
#define SIM_R_CMS(n)	(20000 + (n))

/* sim_at.c and sim_send.c share these. */
void sim_out(struct sim_modem *m, const char *s);
void sim_te_parse(struct sim_modem *m, const char *s, char *out, size_t outlen);
void sim_final(struct sim_modem *m, int r);
int sim_next_mr(struct sim_modem *m);
int sim_submit_refusal(struct sim_modem *m);
void sim_dlr_schedule(struct sim_modem *m, int mr, const char *to);
void sim_submit_pdu(struct sim_modem *m);
void sim_submit_text(struct sim_modem *m);

/* sim_at.c and sim_plug.c share these. */
void sim_buf_add(struct sim_buf *b, const char *data, size_t len);
void sim_buf_clear(struct sim_buf *b);
size_t sim_feed(struct sim_modem *m, const char *p, size_t len);
int sim_inbox_count(const struct sim_modem *m, int *unread);
void sim_reset_settings(struct sim_modem *m);

#endif
