/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim — the simulated GSM modem behind loa-modemsim: an AT command interpreter (V.250, TS 27.007,
 * TS 27.005 PDU and text mode) with a SIM inbox, driven by bytes in and bytes out so that it can
 * be tested without a terminal, plus the JSON control commands that tests use to inject citizens'
 * SMS and read state back, and the JSON-lines record of everything sent through it.
 *
 * Contract:
 * - The engine MAY NOT block or sleep. sim_modem_input() consumes what the terminal delivered
 *   and appends the modem's answer to an output buffer that the caller drains with
 *   sim_modem_output() / sim_modem_consume().
 * - Unsolicited result codes (+CMTI, +CDS, +CDSI, +CUSD, +CREG) are queued and only appended
 *   to the output when no command is being received or answered (no partial command line, not
 *   in the SMS edit prompt, no delayed answer pending), so they never split a command's answer.
 *   Only the fault injection does: urc_noise lines and forced {"cmd":"urc"} lines.
 * - The record FILE is owned by the caller; one line is written and flushed per event.
 * - Time: what must happen later (the +CMGS answer after latency_ms, a status report after
 *   dlr_delay_ms, a +CUSD after ussd_delay_ms, a replug after "unplug" seconds) is kept as a
 *   deadline on the engine's clock. The host polls with a timeout up to
 *   sim_modem_next_deadline() and calls sim_modem_tick(); the engine never waits itself.
 * - Plugging: the control commands "unplug" / "replug" (and a replug deadline) change what the
 *   host must do with its terminal; the host asks sim_modem_host_request() after each control
 *   command and each tick, and closes or reopens its pseudo-terminal accordingly.
 *
 * Thread: single-threaded; one struct sim_modem is used by one thread.
 */
#ifndef LOA_MODEM_SIM_H
#define LOA_MODEM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_MAX_CAPACITY 255

struct sim_config {
	char own_number[24];		/* +CNUM: "+84980000001" */
	char operator_num[8];		/* +COPS numeric: "45204" */
	char operator_name[32];		/* +COPS long name: "Viettel" */
	char imei[20];			/* +CGSN */
	char imsi[20];			/* +CIMI */
	char smsc[24];			/* +CSCA and inbox PDUs: "+84980200030" */
	int capacity;			/* SIM message slots, 1..SIM_MAX_CAPACITY */
};

struct sim_modem;

/* Fill cfg with the defaults documented in loa-modemsim --help. */
void sim_config_default(struct sim_config *cfg);

/*
 * Create a modem. `record` (may be NULL) receives the JSON-lines record; the caller keeps
 * ownership and closes it after sim_modem_free(). Returns NULL on allocation failure.
 */
struct sim_modem *sim_modem_new(const struct sim_config *cfg, FILE *record);
void sim_modem_free(struct sim_modem *m);

/* Feed bytes received from the terminal. Answers are appended to the output buffer. */
void sim_modem_input(struct sim_modem *m, const void *buf, size_t len);

/* Pending output: returns a pointer to it and its length in *len (valid until the next call). */
const char *sim_modem_output(struct sim_modem *m, size_t *len);

/* Drop the first n bytes of the pending output (they were written to the terminal). */
void sim_modem_consume(struct sim_modem *m, size_t n);

/*
 * Tell the engine whether a client holds the terminal open. On disconnect the partial command
 * and the pending output are dropped; unsolicited codes raised while nobody listens are lost,
 * as on a real modem.
 */
void sim_modem_set_connected(struct sim_modem *m, bool connected);
bool sim_modem_connected(const struct sim_modem *m);

/*
 * Store `text` from `from` in the inbox as SMS-DELIVER parts. `smsc_time` is the TP-SCTS in
 * epoch seconds (< 0: now). `order` (may be NULL) lists part numbers (1-based) in the order
 * they are stored, a permutation of 1..parts. On success fills indexes[] (slot of part i+1 at
 * i, at most max_indexes entries) and returns the number of parts. Negative errno: -EINVAL bad
 * sender/text/order, -ENOSPC not enough free slots (nothing is stored), -E2BIG too many parts.
 */
int sim_modem_inject(struct sim_modem *m, const char *from, const char *text, int64_t smsc_time,
		     const int *order, int order_len, int *indexes, int max_indexes);

/*
 * Run one control command (a JSON object text, see modemsim_main.c --help) and return the
 * answer as a newly allocated JSON text without newline; the caller frees it. Never NULL
 * except on allocation failure.
 */
char *sim_modem_ctl(struct sim_modem *m, const char *line);

/*
 * Use `clock` (milliseconds, monotonic) instead of util_mono_ms() for every deadline; for tests.
 * NULL restores the real clock.
 */
void sim_modem_set_clock(struct sim_modem *m, int64_t (*clock)(void));

/* Clock time (ms) of the earliest pending deadline, or -1 when nothing is pending. */
int64_t sim_modem_next_deadline(const struct sim_modem *m);

/* Run everything whose deadline has come: delayed answers, status reports, USSD, replug. */
void sim_modem_tick(struct sim_modem *m);

/* What the host must do with its terminal after a control command or a tick. */
enum sim_host_req {
	SIM_HOST_NONE,
	SIM_HOST_UNPLUG,	/* close the terminal, remove the link */
	SIM_HOST_REPLUG,	/* open a new terminal, point the link at it */
};

/* Take the pending request (each is returned once). */
enum sim_host_req sim_modem_host_request(struct sim_modem *m);

/*
 * Pull the modem out: everything in progress is lost (partial command, pending answers,
 * status reports and USSD not yet emitted), input is ignored; the SIM inbox, the last TP-MR and
 * the control settings stay. `seconds` > 0 plugs it back in after that long, 0 waits for
 * sim_modem_replug(). Returns 0 or -EALREADY when already unplugged.
 */
int sim_modem_unplug(struct sim_modem *m, int seconds);

/*
 * Plug the modem back in with a fresh state (defaults of AT&F, echo on, no hang) and the
 * same SIM. Returns 0 or -EALREADY when it is plugged in.
 */
int sim_modem_replug(struct sim_modem *m);
bool sim_modem_plugged(const struct sim_modem *m);

/* Counters for status and tests. */
int sim_modem_inbox_used(const struct sim_modem *m);
int sim_modem_submitted(const struct sim_modem *m);

#endif
