/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bare_send — libgammu's own floor per SMS, for the benchmarks (tests/bench/run.sh).
 *
 * Connects one state machine to a phone (a loa-modemsim pseudo-terminal, or Gammu's dummy
 * phone) and sends COUNT single-segment SMS in a bare loop, in Gammu's idiom: GSM_SendSMS, then
 * GSM_ReadDevice until the send-status callback fires. No store, no queue, no process boundary:
 * what remains is what libgammu and the modem cost. One JSON line per send on stdout
 * ({"i":…,"start_ms":…,"end_ms":…,"status":…}, epoch milliseconds, so the caller can match each
 * send with the simulator's record of its PDU) and a closing summary line.
 *
 * Usage: bare_send DEVICE CONNECTION MODEL COUNT [TO]
 */
#include <gammu.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BARE_PART_TIMEOUT_MS 60000

struct bare_state {
	volatile int done;
	int status;
	int ref;
};

static int64_t
bare_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static double
bare_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* libgammu's send-status callback: only copies the outcome out. */
static void
bare_sent_cb(GSM_StateMachine *sm, int status, int ref, void *data)
{
	struct bare_state *st = data;

	st->status = status;
	st->ref = ref;
	st->done = 1;
}

/* Send one single-segment text SMS and wait for its status; 0 when the network took it. */
static int
bare_send_one(GSM_StateMachine *sm, struct bare_state *st, const char *to, const char *text)
{
	GSM_SMSMessage sms;
	GSM_Error err;
	double deadline;

	memset(&sms, 0, sizeof(sms));
	GSM_SetDefaultSMSData(&sms);
	sms.PDU = SMS_Submit;
	sms.Class = -1;
	sms.Coding = SMS_Coding_Default_No_Compression;
	sms.SMSC.Location = 1;
	EncodeUnicode(sms.Number, to, strlen(to));
	EncodeUnicode(sms.Text, text, strlen(text));
	st->done = 0;
	st->status = -1;
	st->ref = -1;
	err = GSM_SendSMS(sm, &sms);
	if (err != ERR_NONE) {
		fprintf(stderr, "bare_send: GSM_SendSMS: %s\n", GSM_ErrorString(err));
		return -1;
	}
	deadline = bare_mono_s() + BARE_PART_TIMEOUT_MS / 1000.0;
	while (!st->done && bare_mono_s() < deadline)
		GSM_ReadDevice(sm, TRUE);
	if (!st->done) {
		fprintf(stderr, "bare_send: no send status within %d ms\n", BARE_PART_TIMEOUT_MS);
		return -1;
	}
	return st->status == 0 ? 0 : -1;
}

/* Fill config 0 through Gammu's own INI reader, so every field gets its default. */
static GSM_Error
bare_config(GSM_StateMachine *sm, const char *device, const char *connection, const char *model)
{
	char path[] = "/tmp/loa-bare-send-XXXXXX";
	INI_Section *ini = NULL;
	GSM_Config *cfg;
	GSM_Error err;
	FILE *f;
	int fd = mkstemp(path);

	if (fd < 0)
		return ERR_MOREMEMORY;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return ERR_MOREMEMORY;
	}
	fprintf(f, "[gammu]\ndevice = %s\nconnection = %s\nmodel = %s\n", device, connection,
		model);
	fclose(f);
	err = INI_ReadFile(path, FALSE, &ini);
	unlink(path);
	if (err != ERR_NONE)
		return err;
	cfg = GSM_GetConfig(sm, 0);
	err = GSM_ReadConfig(ini, cfg, 0);
	INI_Free(ini);
	if (err != ERR_NONE)
		return err;
	cfg->UseGlobalDebugFile = FALSE;
	cfg->DebugLevel[0] = '\0';
	return ERR_NONE;
}

int
main(int argc, char **argv)
{
	const char *to = argc > 5 ? argv[5] : "+84912000000";
	const char *text = "Loa bench: libgammu floor per SMS.";
	struct bare_state st = { 0 };
	GSM_StateMachine *sm;
	GSM_Error err;
	double t0, t1, total = 0;
	int count, ok = 0;

	if (argc < 5 || (count = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: bare_send DEVICE CONNECTION MODEL COUNT [TO]\n");
		return 2;
	}
	GSM_InitLocales(NULL);
	sm = GSM_AllocStateMachine();
	if (!sm)
		return 1;
	if (bare_config(sm, argv[1], argv[2], argv[3]) != ERR_NONE) {
		fprintf(stderr, "bare_send: cannot configure %s\n", argv[1]);
		GSM_FreeStateMachine(sm);
		return 1;
	}
	GSM_SetConfigNum(sm, 1);
	t0 = bare_mono_s();
	err = GSM_InitConnection(sm, 1);
	if (err != ERR_NONE) {
		fprintf(stderr, "bare_send: connect %s: %s\n", argv[1], GSM_ErrorString(err));
		GSM_FreeStateMachine(sm);
		return 1;
	}
	printf("{\"connect_s\":%.3f}\n", bare_mono_s() - t0);
	GSM_SetSendSMSStatusCallback(sm, bare_sent_cb, &st);
	GSM_SetFastSMSSending(sm, TRUE);
	for (int i = 0; i < count; i++) {
		int64_t start_ms = bare_now_ms();

		t0 = bare_mono_s();
		int rc = bare_send_one(sm, &st, to, text);
		t1 = bare_mono_s();
		total += t1 - t0;
		ok += rc == 0;
		printf("{\"i\":%d,\"start_ms\":%lld,\"end_ms\":%lld,\"s\":%.4f,\"status\":%d}\n", i,
		       (long long)start_ms, (long long)bare_now_ms(), t1 - t0, st.status);
		fflush(stdout);
	}
	printf("{\"count\":%d,\"ok\":%d,\"mean_s\":%.4f}\n", count, ok, total / count);
	GSM_TerminateConnection(sm);
	GSM_FreeStateMachine(sm);
	return ok == count ? 0 : 1;
}
