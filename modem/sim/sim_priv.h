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

struct sim_buf {
	char *data;
	size_t off;			/* first unconsumed byte */
	size_t len;			/* end of valid bytes */
	size_t cap;
};

struct sim_slot {
	bool used;
	bool read;			/* REC READ (1) rather than REC UNREAD (0) */
	char from[SIM_ADDR_MAX];
	int64_t scts;			/* epoch seconds */
	struct sim_pdu_part pdu;	/* hex with SMSC address, TPDU length, text */
};

enum sim_in_mode { SIM_IN_CMD, SIM_IN_EDIT };

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

	/* control-settable behaviour */
	int csq;			/* 0..31, 99 */
	bool registered;
	char ussd_reply[SIM_USSD_MAX];
	int fail_cms;			/* +CMS ERROR code for the next fail_count submits */
	int fail_count;
	bool hang;			/* swallow all input, answer nothing */

	/* counters */
	int mr;				/* last TP-MR given, 0..255 */
	int submitted;
	int inject_ref;
};

/* Append a JSON record line (the "ts" member is added first); steals obj. */
void sim_record(struct sim_modem *m, json_t *obj);

/* Queue an unsolicited code line (without CR LF) for the next idle moment. */
void sim_queue_urc(struct sim_modem *m, const char *line);

/* Move queued unsolicited codes to the output when no command is in progress. */
void sim_flush_urc(struct sim_modem *m);

#endif
