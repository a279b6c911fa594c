/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * modem — the gateway's handle on one modem: it starts and supervises the loa-modem worker
 * process that owns the modem's libgammu state machine, and speaks the worker protocol
 * (modem/proto.h) over a socketpair from the libevent loop.
 *
 * Contract (in the style of Kannel's smscconn):
 * - Every function here is called from the loop thread only and MAY NOT block.
 * - modem_send() hands one message to the modem; at most one send is in flight per modem
 *   (modem_can_send() says when another may be handed). The message text is copied.
 *   The result always comes back exactly once through ops->on_send_result: sent (with the
 *   network's references), failed (with the +CMS code or libgammu's error), or `uncertain`
 *   when the worker died or overran its deadline mid-send — the caller decides what that means.
 * - An inbound SMS is reported through ops->on_inbound; it stays on the SIM until the caller
 *   has stored it and calls modem_ack_inbound(). A restart may report it again.
 * - A worker that dies, loses its device or overruns a command's deadline is killed (SIGKILL)
 *   and restarted with exponential backoff; the modem is `down` meanwhile.
 * - The modem knows nothing of the store.
 */
#ifndef LOA_MODEM_H
#define LOA_MODEM_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct conf_modem;
struct modem;

enum modem_state {
	MODEM_ST_STARTING, /* worker started, connecting to the device */
	MODEM_ST_READY,
	MODEM_ST_DEGRADED, /* connected but unhealthy: gets no new work */
	MODEM_ST_DOWN,     /* no worker; waiting to restart */
	_MODEM_ST_COUNT
};
const char *modem_state_name(enum modem_state st);

struct modem_health {
	bool valid;         /* a health sample has been received */
	int signal_dbm;     /* INT32_MIN when unknown */
	int signal_pct;     /* -1 when unknown */
	int ber;            /* bit error rate class, 99 unknown */
	int battery_pct;    /* -1 when the device has none */
	char registration[16]; /* home | roaming | searching | denied | none | unknown */
	char network_code[16];
	char network_name[48];
	int64_t at_ms;      /* wall clock of the sample */
};

struct modem_info {
	char imei[32], imsi[32], manufacturer[64], model[64];
};

struct modem_counters {
	uint64_t sent, failed, received, restarts, timeouts, errors_in_row, dlrs;
};

struct modem_send_result {
	bool ok;
	bool uncertain;  /* the worker died or overran the deadline: outcome unknown */
	char refs[64];   /* "17" or "17,18,19" when ok */
	int cms;         /* +CMS ERROR code, -1 when none */
	int parts_sent;  /* parts that went out before a failure */
	char error[128]; /* human-readable reason when !ok */
};

struct modem_inbound {
	int loc, folder;     /* where it is on the SIM/phone: pass back to modem_ack_inbound() */
	const char *from;    /* as the network gave it: E.164, national or alphanumeric */
	const char *text;    /* UTF-8 (hex for 8-bit data) */
	const char *coding;  /* "gsm7" | "ucs2" | "8bit" */
	int64_t smsc_time_ms;
	int concat_ref;      /* -1 when not part of a concatenated message */
	int part, parts;
};

struct modem_status_report {
	const char *to;  /* the recipient the report is about */
	int mr;          /* TP-MR of the part it reports on */
	int status;      /* TP-ST: <0x20 delivered, 0x20..0x3f still trying, >=0x40 failed */
	int64_t smsc_time_ms;
};

struct modem_ussd_result {
	bool ok;
	const char *text;   /* the network's answer (UTF-8) when ok */
	const char *status; /* "done", "action_needed", ... when ok */
	const char *error;  /* why not, when !ok */
};
typedef void (*modem_ussd_cb)(struct modem *m, const struct modem_ussd_result *r, void *arg);

struct modem_ops {
	void (*on_state)(struct modem *m, enum modem_state old, enum modem_state now, void *arg);
	void (*on_send_result)(struct modem *m, int64_t msg_id, const struct modem_send_result *r,
			       void *arg);
	void (*on_inbound)(struct modem *m, const struct modem_inbound *in, void *arg);
	void (*on_health)(struct modem *m, const struct modem_health *h, void *arg);
	void (*on_status_report)(struct modem *m, const struct modem_status_report *r, void *arg);
};

/*
 * Create a modem for `cfg` (borrowed: must outlive the modem). worker_path is the loa-modem
 * binary. Nothing starts until modem_start(). NULL on allocation failure.
 */
struct modem *modem_new(struct event_base *base, const struct conf_modem *cfg,
			const char *worker_path, const struct modem_ops *ops, void *arg);
/* Start the worker (and restart it whenever it dies). 0 or -errno. */
int modem_start(struct modem *m);
/* Ask the worker to stop and reap it; in-flight work is reported as uncertain. */
void modem_stop(struct modem *m);
void modem_free(struct modem *m);

bool modem_can_send(const struct modem *m);
/* -EBUSY when a send is in flight or the modem is not ready. */
int modem_send(struct modem *m, int64_t msg_id, const char *to, const char *text,
	       const char *encoding);
int modem_ack_inbound(struct modem *m, int loc, int folder);
/* The caller could not store it: leave it on the SIM and report it again at the next scan. */
int modem_release_inbound(struct modem *m, int loc, int folder);
/*
 * Dial a USSD code on the modem; cb is called exactly once with the answer or the reason there
 * is none (also when the worker dies first). -ENOTCONN when the modem has no worker.
 */
int modem_ussd(struct modem *m, const char *code, modem_ussd_cb cb, void *arg);

/* Stopping many modems: begin on each (closes the sockets), then finish on each; together
 * they wait at most grace_ms for clean exits, then kill what is left. */
void modem_stop_begin(struct modem *m);
void modem_stop_finish(struct modem *m, int64_t deadline_mono_ms);

/* The SIM balance from the last balance USSD (NULL when never asked or not parsed). */
const char *modem_balance(const struct modem *m, const char **raw, int64_t *at_ms);
/* Why the modem is degraded ("" when it is not). */
const char *modem_degraded_reason(const struct modem *m);

const char *modem_name(const struct modem *m);
const struct conf_modem *modem_conf(const struct modem *m);
enum modem_state modem_state(const struct modem *m);
const struct modem_health *modem_health(const struct modem *m);
const struct modem_info *modem_info(const struct modem *m);
const struct modem_counters *modem_counters(const struct modem *m);
const char *modem_last_error(const struct modem *m); /* "" when none */
bool modem_busy(const struct modem *m);              /* a send is in flight */

#endif
