/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loa-modem — the worker process that owns one modem's GSM_StateMachine.
 *
 * loagw starts one of these per modem (fork + exec) with its end of a socketpair on fd 3 and the
 * modem's libgammu settings on the command line. This is the only file that drives libgammu's
 * state machine; libgammu is not thread-safe across state machines (process-global debug state,
 * static buffers in its AT driver) and a hung modem blocks its calls for tens of seconds, so each
 * modem lives in its own process, which loagw can kill at a deadline without harm to the others.
 *
 * DESIGN
 * A plain blocking loop: wait up to WORKER_TICK_MS for a command on the socket; between commands
 * call GSM_ReadDevice() so libgammu sees unsolicited lines (+CMTI), and scan the SIM inbox when
 * one arrived or every inbox interval (in a pause between sends: WORKER_SCAN_IDLE_MS). Every
 * command is answered with one event carrying its
 * "seq". An inbound SMS is reported with its location and stays on the SIM until loagw answers
 * "ack" (it has been committed to the store); only then is it deleted. Callbacks from libgammu
 * only copy data into the worker struct: libgammu is never called from inside its own callback.
 * The worker exits when its socket closes, so no worker outlives loagw.
 *
 * Messages: see docs/DESIGN-NOTES.md, "worker protocol".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gammu.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "modem/proto.h"

#define WORKER_TICK_MS 100
/*
 * A periodic inbox scan (the safety net for a +CMTI the modem did not send) waits while sends
 * come back to back: it would take the modem's time between two sends (one scan is about
 * 0.1-0.2 s of AT exchanges on every interval, 1-2 % of a bank's capacity). It runs once the
 * modem has been idle this long, and at the latest WORKER_SCAN_OVERDUE intervals late. A scan
 * asked for by +CMTI never waits.
 */
#define WORKER_SCAN_IDLE_MS 1000
#define WORKER_SCAN_OVERDUE 3
#define WORKER_PART_TIMEOUT_MS 60000
#define WORKER_MAX_PENDING 256

struct worker_loc {
	int location, folder;
};

struct worker {
	GSM_StateMachine *sm;
	int fd;
	const char *name;
	int inbox_interval_ms;
	int64_t next_inbox_ms;
	int64_t last_send_ms; /* monotonic end of the last send */
	bool inbox_dirty;
	/* send status, filled by the libgammu callback */
	bool send_done;
	int send_status;
	int send_ref;
	/* inbound messages reported and not yet acknowledged by loagw */
	struct worker_loc pending[WORKER_MAX_PENDING];
	int n_pending;
	/* USSD answer, filled by the libgammu callback */
	bool ussd_done;
	int ussd_status;
	char *ussd_text; /* owned, UTF-8 */
	/* status reports that arrived as +CDS (not stored), copied by the callback */
	struct worker_dlr {
		int mr, status;
		char number[48];
		int64_t smsc_ms;
	} dlrs[64];
	int n_dlrs;
};

static void
worker_send_event(struct worker *w, json_t *ev)
{
	int rc = modem_proto_write(w->fd, ev);
	json_decref(ev);
	if (rc < 0) {
		LOG(LOG_NOTICE, "modem", "modem[%s] gateway socket closed (%s), exiting", w->name,
		    strerror(-rc));
		exit(0);
	}
}

/* Route libgammu's own debug text into our log at DEBUG level. */
static void
worker_gammu_log_cb(const char *text, void *data)
{
	struct worker *w = data;
	char line[512];
	size_t n = util_strlcpy(line, text, sizeof(line));

	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n > 0)
		LOG(LOG_DEBUG, "gammu", "modem[%s] %s", w->name, line);
}

static void
worker_send_status_cb(GSM_StateMachine *sm, int status, int ref, void *user)
{
	struct worker *w = user;

	w->send_done = true;
	w->send_status = status;
	w->send_ref = ref;
}

static char *worker_utf8(const unsigned char *ucs);

static void
worker_incoming_sms_cb(GSM_StateMachine *sm, GSM_SMSMessage *sms, void *user)
{
	struct worker *w = user;

	/* A status report given in full (+CDS) is stored nowhere: copy it now, report it after
	 * this libgammu call returns. Anything else (+CMTI, +CDSI) is read by an inbox scan. */
	if (sms->PDU == SMS_Status_Report && sms->Location == 0) {
		if (w->n_dlrs < (int)(sizeof(w->dlrs) / sizeof(w->dlrs[0]))) {
			struct worker_dlr *d = &w->dlrs[w->n_dlrs++];
			char *num = worker_utf8(sms->Number);
			d->mr = sms->MessageReference;
			d->status = sms->DeliveryStatus;
			util_strlcpy(d->number, num ? num : "", sizeof(d->number));
			d->smsc_ms = sms->DateTime.Year > 0 ? (int64_t)Fill_Time_T(sms->DateTime) * 1000 : 0;
			free(num);
		}
		return;
	}
	w->inbox_dirty = true;
}

static void
worker_incoming_ussd_cb(GSM_StateMachine *sm, GSM_USSDMessage *ussd, void *user)
{
	struct worker *w = user;

	free(w->ussd_text);
	w->ussd_text = worker_utf8(ussd->Text);
	w->ussd_status = ussd->Status;
	w->ussd_done = true;
}

/* gammu Unicode (UCS-2 BE, NUL-NUL terminated) -> newly allocated UTF-8 */
static char *
worker_utf8(const unsigned char *ucs)
{
	size_t units = UnicodeLength(ucs);
	char *out = malloc(units * 4 + 1);

	if (!out)
		return NULL;
	out[0] = '\0';
	EncodeUTF8(out, ucs);
	return out;
}

static const char *
worker_registration_name(GSM_NetworkInfo_State st)
{
	switch (st) {
	case GSM_HomeNetwork:
		return "home";
	case GSM_RoamingNetwork:
		return "roaming";
	case GSM_RequestingNetwork:
		return "searching";
	case GSM_RegistrationDenied:
		return "denied";
	case GSM_NoNetwork:
		return "none";
	default:
		return "unknown";
	}
}

static json_t *
worker_error_event(const char *ev, json_t *seq, GSM_Error err)
{
	json_t *e = json_pack("{s:s, s:s, s:s}", "ev", ev, "error", GSM_ErrorString(err),
			      "gsm_error", GSM_ErrorName(err));
	if (seq)
		json_object_set(e, "seq", seq);
	return e;
}

/* Errors after which the device is gone or wedged: exit and let loagw restart the worker. */
static bool
worker_error_is_fatal(GSM_Error err)
{
	return err == ERR_DEVICEREADERROR || err == ERR_DEVICEWRITEERROR ||
	       err == ERR_DEVICENOTEXIST || err == ERR_DEVICEOPENERROR ||
	       err == ERR_DEVICENOPERMISSION || err == ERR_NOTCONNECTED;
}

static void
worker_check_fatal(struct worker *w, GSM_Error err)
{
	if (!worker_error_is_fatal(err))
		return;
	LOG(LOG_ERROR, "modem", "modem[%s] device lost: %s", w->name, GSM_ErrorString(err));
	worker_send_event(w, json_pack("{s:s, s:s, s:s}", "ev", "lost", "error",
				       GSM_ErrorString(err), "gsm_error", GSM_ErrorName(err)));
	exit(3);
}

/*
 * Send one message (all its parts). Answers "sent" with the references, or "send_failed" with
 * the +CMS code (cms) or libgammu's error, and how many parts went out before the failure.
 */
static void
worker_do_send(struct worker *w, json_t *cmd, json_t *seq)
{
	const char *to = json_string_value(json_object_get(cmd, "to"));
	const char *text = json_string_value(json_object_get(cmd, "text"));
	const char *enc = json_string_value(json_object_get(cmd, "encoding"));
	json_t *id = json_object_get(cmd, "id");
	bool report = json_is_true(json_object_get(cmd, "report"));
	GSM_MultiPartSMSInfo info;
	GSM_MultiSMSMessage *multi = NULL;
	unsigned char *ucs = NULL;
	json_t *refs = json_array();
	json_t *ev = NULL;
	GSM_Error err;
	char masked[LOG_MASK_LEN];

	if (!to || !text || strlen(to) > GSM_MAX_NUMBER_LENGTH) {
		ev = json_pack("{s:s, s:s}", "ev", "send_failed", "error", "bad send command");
		json_object_set_new(ev, "permanent", json_true());
		goto out;
	}
	size_t len = strlen(text);
	ucs = calloc(1, 2 * len + 4);
	multi = calloc(1, sizeof(*multi));
	if (!ucs || !multi) {
		ev = json_pack("{s:s, s:s}", "ev", "send_failed", "error", "out of memory");
		goto out;
	}
	DecodeUTF8(ucs, text, len);

	GSM_ClearMultiPartSMSInfo(&info);
	info.Class = -1;
	info.EntriesNum = 1;
	info.UnicodeCoding = enc && strcmp(enc, "ucs2") == 0;
	info.Entries[0].ID = SMS_ConcatenatedTextLong;
	info.Entries[0].Buffer = ucs;
	err = GSM_EncodeMultiPartSMS(GSM_GetDebug(w->sm), &info, multi);
	if (err != ERR_NONE) {
		ev = worker_error_event("send_failed", NULL, err);
		json_object_set_new(ev, "permanent", json_true());
		goto out;
	}

	for (int i = 0; i < multi->Number; i++) {
		GSM_SMSMessage *part = &multi->SMS[i];

		part->SMSC.Location = 1; /* the SIM's own SMSC */
		/* libgammu's way of asking for a status report (TP-SRR) is this PDU type */
		part->PDU = report ? SMS_Status_Report : SMS_Submit;
		EncodeUnicode(part->Number, to, strlen(to));
		w->send_done = false;
		w->send_status = -1;
		w->send_ref = -1;
		err = GSM_SendSMS(w->sm, part);
		if (err != ERR_NONE) {
			LOG(LOG_WARN, "modem", "modem[%s] send to %s part %d/%d: %s", w->name,
			    log_mask(to, masked), i + 1, multi->Number, GSM_ErrorString(err));
			ev = worker_error_event("send_failed", NULL, err);
			json_object_set_new(ev, "parts_sent", json_integer(i));
			worker_check_fatal(w, err);
			goto out;
		}
		int64_t deadline = util_mono_ms() + WORKER_PART_TIMEOUT_MS;
		while (!w->send_done && util_mono_ms() < deadline) {
			if (GSM_ReadDevice(w->sm, TRUE) < 0 && !GSM_IsConnected(w->sm))
				worker_check_fatal(w, ERR_DEVICEREADERROR);
		}
		if (!w->send_done) {
			ev = json_pack("{s:s, s:s}", "ev", "send_failed", "error",
				       "no answer from the modem to the send");
			json_object_set_new(ev, "parts_sent", json_integer(i));
			goto out;
		}
		if (w->send_status != 0) {
			LOG(LOG_WARN, "modem", "modem[%s] send to %s part %d/%d: +CMS ERROR %d", w->name,
			    log_mask(to, masked), i + 1, multi->Number, w->send_status);
			ev = json_pack("{s:s, s:s, s:i}", "ev", "send_failed", "error", "+CMS ERROR",
				       "cms", w->send_status);
			json_object_set_new(ev, "parts_sent", json_integer(i));
			goto out;
		}
		json_array_append_new(refs, json_integer(w->send_ref));
	}
	LOG(LOG_INFO, "modem", "modem[%s] sent to %s, %d part(s)", w->name, log_mask(to, masked),
	    multi->Number);
	ev = json_pack("{s:s, s:O}", "ev", "sent", "refs", refs);
out:
	json_object_set(ev, "seq", seq);
	if (id)
		json_object_set(ev, "id", id);
	json_decref(refs);
	free(multi);
	free(ucs);
	worker_send_event(w, ev);
}

static bool
worker_is_pending(struct worker *w, int location, int folder)
{
	for (int i = 0; i < w->n_pending; i++)
		if (w->pending[i].location == location && w->pending[i].folder == folder)
			return true;
	return false;
}

static void
worker_unpend(struct worker *w, int location, int folder)
{
	for (int i = 0; i < w->n_pending; i++)
		if (w->pending[i].location == location && w->pending[i].folder == folder) {
			w->pending[i] = w->pending[--w->n_pending];
			return;
		}
}

/* Report one message found on the SIM to loagw (which stores it, then acknowledges). */
static void
worker_report_inbound(struct worker *w, GSM_SMSMessage *sms)
{
	json_t *ev;
	char *from = worker_utf8(sms->Number);
	int64_t smsc_ms = 0;

	if (sms->DateTime.Year > 0)
		smsc_ms = (int64_t)Fill_Time_T(sms->DateTime) * 1000;
	if (sms->PDU == SMS_Status_Report) {
		ev = json_pack("{s:s, s:s, s:i, s:i, s:I}", "ev", "status_report", "to",
			       from ? from : "", "mr", sms->MessageReference, "status",
			       sms->DeliveryStatus, "smsc_time", (json_int_t)smsc_ms);
	} else {
		char *text = NULL;
		const char *coding = "gsm7";
		if (sms->Coding == SMS_Coding_8bit) {
			coding = "8bit";
			text = malloc((size_t)sms->Length * 2 + 1);
			if (text)
				for (int i = 0; i < sms->Length; i++)
					sprintf(text + 2 * i, "%02X", sms->Text[i]);
			if (text)
				text[sms->Length * 2] = '\0';
		} else {
			if (sms->Coding == SMS_Coding_Unicode_No_Compression)
				coding = "ucs2";
			text = worker_utf8(sms->Text);
		}
		int ref = -1, part = 1, parts = 1;
		if (sms->UDH.Type != UDH_NoUDH && sms->UDH.AllParts > 1) {
			ref = sms->UDH.ID16bit >= 0 ? sms->UDH.ID16bit : sms->UDH.ID8bit;
			part = sms->UDH.PartNumber;
			parts = sms->UDH.AllParts;
		}
		ev = json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:i}", "ev", "inbound", "from",
			       from ? from : "", "text", text ? text : "", "coding", coding,
			       "smsc_time", (json_int_t)smsc_ms, "concat_ref", ref, "part", part,
			       "parts", parts);
		free(text);
	}
	free(from);
	if (!ev)
		return; /* text was not valid UTF-8 for jansson; leave it on the SIM */
	json_object_set_new(ev, "loc", json_integer(sms->Location));
	json_object_set_new(ev, "folder", json_integer(sms->Folder));
	if (w->n_pending < WORKER_MAX_PENDING) {
		w->pending[w->n_pending].location = sms->Location;
		w->pending[w->n_pending].folder = sms->Folder;
		w->n_pending++;
	}
	worker_send_event(w, ev);
}

/* Read every message on the SIM/phone and report those not already awaiting an ack. */
static void
worker_scan_inbox(struct worker *w)
{
	GSM_MultiSMSMessage *sms = calloc(1, sizeof(*sms));
	bool start = true;
	int found = 0;

	w->inbox_dirty = false;
	w->next_inbox_ms = util_mono_ms() + w->inbox_interval_ms;
	if (!sms)
		return;
	if (w->n_pending >= WORKER_MAX_PENDING)
		goto out;
	for (;;) {
		GSM_Error err = GSM_GetNextSMS(w->sm, sms, start);
		start = false;
		if (err == ERR_EMPTY)
			break;
		if (err != ERR_NONE) {
			if (err != ERR_NOTSUPPORTED && err != ERR_NOTIMPLEMENTED)
				LOG(LOG_WARN, "modem", "modem[%s] reading inbox: %s", w->name,
				    GSM_ErrorString(err));
			worker_check_fatal(w, err);
			break;
		}
		for (int i = 0; i < sms->Number; i++) {
			GSM_SMSMessage *m = &sms->SMS[i];
			if (m->PDU == SMS_Submit)
				continue; /* sent items, not ours to read */
			if (worker_is_pending(w, m->Location, m->Folder))
				continue;
			worker_report_inbound(w, m);
			found++;
		}
	}
	if (found)
		LOG(LOG_DEBUG, "modem", "modem[%s] inbox scan: %d new", w->name, found);
out:
	free(sms);
}

static void
worker_do_ack(struct worker *w, json_t *cmd, json_t *seq)
{
	GSM_SMSMessage *m = calloc(1, sizeof(*m));
	GSM_Error err = ERR_MOREMEMORY;
	json_t *ev;

	if (m) {
		m->Location = (int)json_integer_value(json_object_get(cmd, "loc"));
		m->Folder = (int)json_integer_value(json_object_get(cmd, "folder"));
		err = GSM_DeleteSMS(w->sm, m);
		/* A message that is no longer there has nothing left to delete. */
		if (err == ERR_NONE || err == ERR_EMPTY || err == ERR_INVALIDLOCATION)
			worker_unpend(w, m->Location, m->Folder);
	}
	if (err == ERR_NONE || err == ERR_EMPTY || err == ERR_INVALIDLOCATION)
		ev = json_pack("{s:s}", "ev", "acked");
	else
		ev = worker_error_event("ack_failed", NULL, err);
	json_object_set(ev, "seq", seq);
	json_object_set(ev, "loc", json_object_get(cmd, "loc"));
	free(m);
	worker_send_event(w, ev);
	if (err != ERR_NONE)
		worker_check_fatal(w, err);
}

/* Report status reports copied by the callback (they need no ack: nothing is stored). */
static void
worker_flush_dlrs(struct worker *w)
{
	for (int i = 0; i < w->n_dlrs; i++) {
		struct worker_dlr *d = &w->dlrs[i];
		worker_send_event(w, json_pack("{s:s, s:s, s:i, s:i, s:I, s:i, s:i}", "ev",
					       "status_report", "to", d->number, "mr", d->mr,
					       "status", d->status, "smsc_time",
					       (json_int_t)d->smsc_ms, "loc", 0, "folder", 0));
	}
	w->n_dlrs = 0;
}

static const char *
worker_ussd_status_name(int st)
{
	switch (st) {
	case USSD_NoActionNeeded: return "done";
	case USSD_ActionNeeded: return "action_needed";
	case USSD_Terminated: return "terminated";
	case USSD_AnotherClient: return "another_client";
	case USSD_NotSupported: return "not_supported";
	case USSD_Timeout: return "timeout";
	default: return "unknown";
	}
}

/* Dial a USSD code (e.g. "*101#") and wait for the network's answer. */
static void
worker_do_ussd(struct worker *w, json_t *cmd, json_t *seq)
{
	const char *code = json_string_value(json_object_get(cmd, "code"));
	char buf[64];
	json_t *ev;
	GSM_Error err;

	if (!code || strlen(code) >= sizeof(buf)) {
		ev = json_pack("{s:s, s:s}", "ev", "ussd_failed", "error", "bad USSD code");
		goto out;
	}
	util_strlcpy(buf, code, sizeof(buf));
	w->ussd_done = false;
	err = GSM_DialService(w->sm, buf);
	if (err != ERR_NONE) {
		ev = worker_error_event("ussd_failed", NULL, err);
		worker_check_fatal(w, err);
		goto out;
	}
	int64_t deadline = util_mono_ms() + 30000;
	while (!w->ussd_done && util_mono_ms() < deadline)
		GSM_ReadDevice(w->sm, TRUE);
	if (!w->ussd_done) {
		ev = json_pack("{s:s, s:s}", "ev", "ussd_failed", "error",
			       "no USSD answer from the network within 30 s");
		goto out;
	}
	ev = json_pack("{s:s, s:s, s:s}", "ev", "ussd", "text", w->ussd_text ? w->ussd_text : "",
		       "status", worker_ussd_status_name(w->ussd_status));
	LOG(LOG_INFO, "modem", "modem[%s] USSD %s answered (%s)", w->name, code,
	    worker_ussd_status_name(w->ussd_status));
out:
	json_object_set(ev, "seq", seq);
	worker_send_event(w, ev);
}

/* Reboot the modem (AT+CFUN=1,1 on AT devices): after a hang, before trusting it again. */
static void
worker_reset(struct worker *w)
{
	GSM_Error err = GSM_Reset(w->sm, TRUE);

	if (err == ERR_NOTSUPPORTED || err == ERR_NOTIMPLEMENTED)
		err = GSM_Reset(w->sm, FALSE);
	LOG(err == ERR_NONE ? LOG_NOTICE : LOG_WARN, "modem", "modem[%s] reset after a hang: %s",
	    w->name, err == ERR_NONE ? "done" : GSM_ErrorString(err));
}

static void
worker_do_health(struct worker *w, json_t *seq)
{
	GSM_SignalQuality sig;
	GSM_NetworkInfo net;
	GSM_BatteryCharge bat;
	json_t *ev = json_pack("{s:s}", "ev", "health");
	GSM_Error err;

	memset(&sig, 0, sizeof(sig));
	err = GSM_GetSignalQuality(w->sm, &sig);
	if (err == ERR_NONE) {
		json_object_set_new(ev, "signal_dbm", sig.SignalStrength != -1
						       ? json_integer(sig.SignalStrength)
						       : json_null());
		json_object_set_new(ev, "signal_pct", sig.SignalPercent != -1
						       ? json_integer(sig.SignalPercent)
						       : json_null());
		json_object_set_new(ev, "ber", json_integer(sig.BitErrorRate));
	} else {
		json_object_set_new(ev, "signal_error", json_string(GSM_ErrorString(err)));
		worker_check_fatal(w, err);
	}
	memset(&net, 0, sizeof(net));
	err = GSM_GetNetworkInfo(w->sm, &net);
	if (err == ERR_NONE) {
		char *name = worker_utf8(net.NetworkName);
		json_object_set_new(ev, "registration",
				    json_string(worker_registration_name(net.State)));
		json_object_set_new(ev, "network_code", json_string(net.NetworkCode));
		json_object_set_new(ev, "network_name", json_string(name ? name : ""));
		json_object_set_new(ev, "lac", json_string(net.LAC));
		json_object_set_new(ev, "cid", json_string(net.CID));
		free(name);
	} else {
		json_object_set_new(ev, "registration", json_string("unknown"));
		json_object_set_new(ev, "network_error", json_string(GSM_ErrorString(err)));
		worker_check_fatal(w, err);
	}
	memset(&bat, 0, sizeof(bat));
	if (GSM_GetBatteryCharge(w->sm, &bat) == ERR_NONE && bat.BatteryPercent >= 0)
		json_object_set_new(ev, "battery_pct", json_integer(bat.BatteryPercent));
	json_object_set(ev, "seq", seq);
	worker_send_event(w, ev);
}

/* Write a one-section gammurc into an anonymous file and let libgammu read it as usual. */
static GSM_Error
worker_configure(struct worker *w, const char *device, const char *connection, const char *model)
{
	char path[64];
	INI_Section *ini = NULL;
	GSM_Error err;
	int fd = memfd_create("loa-gammurc", MFD_CLOEXEC);

	if (fd < 0)
		return ERR_MOREMEMORY;
	dprintf(fd, "[gammu]\ndevice = %s\nconnection = %s\nmodel = %s\n", device, connection,
		model);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err = INI_ReadFile(path, FALSE, &ini);
	close(fd);
	if (err != ERR_NONE)
		return err;
	GSM_Config *cfg = GSM_GetConfig(w->sm, 0);
	err = GSM_ReadConfig(ini, cfg, 0);
	INI_Free(ini);
	if (err != ERR_NONE)
		return err;
	cfg->UseGlobalDebugFile = FALSE;
	util_strlcpy(cfg->DebugLevel, log_min_level <= LOG_DEBUG ? "textall" : "",
		     sizeof(cfg->DebugLevel));
	GSM_SetConfigNum(w->sm, 1);
	return ERR_NONE;
}

static void
worker_usage(void)
{
	fprintf(stderr, "usage: loa-modem --fd N --name NAME --device DEV --connection CONN "
			"--model MODEL [--inbox-ms MS] [--log-level L] [--log-text]\n"
			"The worker process of loagw; not meant to be run by hand.\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fd", required_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' },
		{ "device", required_argument, NULL, 'd' },
		{ "connection", required_argument, NULL, 'c' },
		{ "model", required_argument, NULL, 'm' },
		{ "inbox-ms", required_argument, NULL, 'i' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "log-text", no_argument, NULL, 't' },
		{ "reset", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	bool reset = false;
	struct worker w = { .fd = -1, .inbox_interval_ms = 10000 };
	const char *device = NULL, *connection = NULL, *model = "";
	int level = LOG_INFO, opt;
	bool json = true;
	char procname[48];

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': w.fd = atoi(optarg); break;
		case 'n': w.name = optarg; break;
		case 'd': device = optarg; break;
		case 'c': connection = optarg; break;
		case 'm': model = optarg; break;
		case 'i': w.inbox_interval_ms = atoi(optarg); break;
		case 'l': level = log_level_parse(optarg); break;
		case 't': json = false; break;
		case 'r': reset = true; break;
		default: worker_usage(); return 2;
		}
	}
	if (w.fd < 0 || !w.name || !device || !connection || level < 0 ||
	    w.inbox_interval_ms <= 0) {
		worker_usage();
		return 2;
	}
	snprintf(procname, sizeof(procname), "loa-modem[%s]", w.name);
	log_init(procname, (enum log_level)level, json, true);
	signal(SIGPIPE, SIG_IGN);
	/* A terminal's Ctrl-C or a supervisor's SIGTERM goes to loagw, which drains and then
	 * stops us by closing our socket: a send in flight is never cut off by a signal. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);

	GSM_InitLocales(NULL);
	w.sm = GSM_AllocStateMachine();
	if (!w.sm)
		return 1;
	GSM_Error err = worker_configure(&w, device, connection, model);
	if (err == ERR_NONE)
		err = GSM_InitConnection_Log(w.sm, 1, worker_gammu_log_cb, &w);
	if (err != ERR_NONE) {
		LOG(LOG_ERROR, "modem", "modem[%s] cannot connect to %s: %s", w.name, device,
		    GSM_ErrorString(err));
		worker_send_event(&w, worker_error_event("connect_failed", NULL, err));
		GSM_FreeStateMachine(w.sm);
		return 3;
	}
	GSM_SetSendSMSStatusCallback(w.sm, worker_send_status_cb, &w);
	GSM_SetIncomingSMSCallback(w.sm, worker_incoming_sms_cb, &w);
	GSM_SetIncomingUSSDCallback(w.sm, worker_incoming_ussd_cb, &w);
	if (reset)
		worker_reset(&w);
	GSM_SetIncomingSMS(w.sm, TRUE); /* +CMTI where the modem supports it; scans cover the rest */
	GSM_SetIncomingUSSD(w.sm, TRUE);
	GSM_SetFastSMSSending(w.sm, TRUE);

	char imei[GSM_MAX_IMEI_LENGTH + 1] = "", imsi[GSM_MAX_INFO_LENGTH] = "";
	char manufacturer[GSM_MAX_MANUFACTURER_LENGTH + 1] = "", modelname[GSM_MAX_MODEL_LENGTH + 1] = "";
	GSM_GetIMEI(w.sm, imei);
	GSM_GetSIMIMSI(w.sm, imsi);
	GSM_GetManufacturer(w.sm, manufacturer);
	GSM_GetModel(w.sm, modelname);
	LOG(LOG_INFO, "modem", "modem[%s] connected: %s %s", w.name, manufacturer, modelname);
	worker_send_event(&w, json_pack("{s:s, s:s, s:s, s:s, s:s}", "ev", "ready", "imei", imei,
					"imsi", imsi, "manufacturer", manufacturer, "model",
					modelname));
	w.inbox_dirty = true;

	for (;;) {
		json_t *cmd = NULL;
		int64_t now = util_mono_ms();
		if (w.inbox_dirty ||
		    (now >= w.next_inbox_ms &&
		     (now - w.last_send_ms >= WORKER_SCAN_IDLE_MS ||
		      now >= w.next_inbox_ms + (int64_t)WORKER_SCAN_OVERDUE * w.inbox_interval_ms)))
			worker_scan_inbox(&w);
		if (w.n_dlrs)
			worker_flush_dlrs(&w);
		int rc = modem_proto_read(w.fd, WORKER_TICK_MS, &cmd);
		if (rc < 0)
			break; /* loagw is gone */
		if (rc == 0) {
			GSM_ReadDevice(w.sm, FALSE); /* let libgammu see unsolicited lines */
			continue;
		}
		const char *op = json_string_value(json_object_get(cmd, "op"));
		json_t *seq = json_object_get(cmd, "seq");
		if (!op) {
			LOG(LOG_ERROR, "modem", "modem[%s] command without op", w.name);
		} else if (strcmp(op, "send") == 0) {
			worker_do_send(&w, cmd, seq);
			w.last_send_ms = util_mono_ms();
		} else if (strcmp(op, "ack") == 0) {
			worker_do_ack(&w, cmd, seq);
		} else if (strcmp(op, "health") == 0) {
			worker_do_health(&w, seq);
		} else if (strcmp(op, "release") == 0) {
			/* loagw could not store it: report it again at the next scan */
			worker_unpend(&w, (int)json_integer_value(json_object_get(cmd, "loc")),
				      (int)json_integer_value(json_object_get(cmd, "folder")));
			json_t *ev = json_pack("{s:s}", "ev", "released");
			json_object_set(ev, "seq", seq);
			worker_send_event(&w, ev);
		} else if (strcmp(op, "ussd") == 0) {
			worker_do_ussd(&w, cmd, seq);
		} else if (strcmp(op, "stop") == 0) {
			json_decref(cmd);
			break;
		} else {
			json_t *ev = json_pack("{s:s, s:s}", "ev", "error", "error", "unknown op");
			json_object_set(ev, "seq", seq);
			worker_send_event(&w, ev);
		}
		json_decref(cmd);
	}
	GSM_TerminateConnection(w.sm);
	GSM_FreeStateMachine(w.sm);
	free(w.ussd_text);
	LOG(LOG_INFO, "modem", "modem[%s] worker stopped", w.name);
	return 0;
}
