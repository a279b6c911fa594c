/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seedgen — writes the binary seed inputs of fuzz_pdu and fuzz_proto (run by make-seeds.sh,
 * which also copies the text seeds). PDUs come from the simulator's own deliver encoder and
 * from SMS-SUBMIT vectors of tests/unit/modemsim_test.c; frames from modem_proto_encode() on
 * the worker protocol's messages of docs/DESIGN-NOTES.md, plus broken frames.
 *
 * Usage: seedgen DIR   (writes DIR/fuzz_pdu/ and DIR/fuzz_proto/, which must exist)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "modem/proto.h"
#include "modem/sim/sim_pdu.h"

static const char *seed_dir;

static void
seed_write(const char *target, const char *name, const void *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", seed_dir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* fuzz_pdu input: mode byte, then the payload. */
static void
seed_pdu(const char *name, unsigned char mode, const void *payload, size_t len)
{
	unsigned char *buf = malloc(len + 1);

	buf[0] = mode;
	memcpy(buf + 1, payload, len);
	seed_write("fuzz_pdu", name, buf, len + 1);
	free(buf);
}

static void
seed_pdus(void)
{
	static const char *const submits[] = {
		/* SMSC +84980200030, SUBMIT to +84912345678, GSM-7 "hellohello" */
		"07914889200030F031000B914819325476F80000AA0AE8329BFD4697D9EC37",
		/* UCS-2 part 1 of 2 with a 16-bit reference: "Vi" */
		"0041050B914819325476F800080B0608041234020100560069",
		/* GSM-7 part 1 of 3 with an 8-bit reference: "Hello" */
		"0041000B914819325476F80000" "0C" "050003AB0301906536FB0D",
		/* 8-bit data to a national number */
		"000107" "0AA19021436587" "0004" "03" "41E962",
		/* broken: UDL 161 */
		"07914889200030F031000B914819325476F80000AAA1E8329BFD4697D9EC37",
		/* broken: UDH longer than the user data */
		"0041000B914819325476F80008060A0804123402",
	};
	static const struct {
		const char *from, *text;
	} delivers[] = {
		{ "+84912000001", "HUY" },
		{ "+84912000002", "Báo tin giả: trên Facebook nói nước máy xã Sơn Nam bị nhiễm độc" },
		{ "0912000003", "bao  Zalo nhan tin trung thuong xe may, bat nop phi 2 trieu" },
		{ "Viettel", "Tai khoan cua ban con 10.000d. Chi tiet goi 18008098 {mien phi} €" },
		{ "+84912000004",
		  "Hãy chia sẻ thông tin có nguồn chính thống. Không đăng, không chia sẻ tin giả, "
		  "tin chưa được kiểm chứng trên mạng xã hội. Báo tin giả: nhắn BAO <nội dung>." },
		{ "+84912000005", "😀 Đăng ký" },
	};
	struct sim_pdu_part parts[8];
	unsigned char bin[200], buf[1024];
	char name[64];
	int n, k;
	size_t i, len;

	for (i = 0; i < sizeof(submits) / sizeof(submits[0]); i++) {
		n = sim_hex_decode(submits[i], bin, sizeof(bin));
		snprintf(name, sizeof(name), "submit-%zu.bin", i);
		seed_pdu(name, 4, bin, (size_t)n);	/* all start with an SMSC address */
		/* hex mode: byte 1 is the declared length (255 = none) */
		buf[0] = 255;
		len = strlen(submits[i]);
		memcpy(buf + 1, submits[i], len);
		snprintf(name, sizeof(name), "submit-%zu.hex", i);
		seed_pdu(name, 5, buf, len + 1);
	}
	for (i = 0; i < sizeof(delivers) / sizeof(delivers[0]); i++) {
		n = sim_deliver_encode("+84980200030", delivers[i].from, delivers[i].text,
				       1764460800 + (int64_t)i * 3600, 7 + (int)i, parts, 8);
		if (n < 1) {
			fprintf(stderr, "seedgen: deliver %zu: %d\n", i, n);
			exit(1);
		}
		for (k = 0; k < n; k++) {
			int m = sim_hex_decode(parts[k].hex, bin, sizeof(bin));

			snprintf(name, sizeof(name), "deliver-%zu-%d.bin", i, k + 1);
			seed_pdu(name, 4, bin, (size_t)m);
			buf[0] = (unsigned char)parts[k].tpdu_len;
			len = strlen(parts[k].hex);
			memcpy(buf + 1, parts[k].hex, len);
			snprintf(name, sizeof(name), "deliver-%zu-%d.hex", i, k + 1);
			seed_pdu(name, 5, buf, len + 1);
		}
		/* round-trip mode: scts(4) ref smsc-choice from NUL text */
		memcpy(buf, "\x12\x34\x56\x78", 4);
		buf[4] = (unsigned char)(7 + i);
		buf[5] = (unsigned char)i;
		len = 6;
		memcpy(buf + len, delivers[i].from, strlen(delivers[i].from) + 1);
		len += strlen(delivers[i].from) + 1;
		memcpy(buf + len, delivers[i].text, strlen(delivers[i].text));
		len += strlen(delivers[i].text);
		snprintf(name, sizeof(name), "roundtrip-%zu", i);
		seed_pdu(name, 2, buf, len);
	}
	/* status reports: binary and hex PDUs, and the round-trip input of mode 3 */
	static const struct {
		int mr, st;
		const char *to;
	} reports[] = {
		{ 17, 0x00, "+84912000001" }, { 200, 0x46, "0912000002" }, { 3, 0x20, "Viettel" },
	};
	for (i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		if (sim_status_report_encode("+84980200030", reports[i].mr, reports[i].to,
					     1764460800, 1764460830, reports[i].st, parts) < 0) {
			fprintf(stderr, "seedgen: report %zu\n", i);
			exit(1);
		}
		n = sim_hex_decode(parts[0].hex, bin, sizeof(bin));
		snprintf(name, sizeof(name), "report-%zu.bin", i);
		seed_pdu(name, 4, bin, (size_t)n);
		buf[0] = (unsigned char)reports[i].mr;
		buf[1] = (unsigned char)reports[i].st;
		memcpy(buf + 2, "\x12\x34\x56\x78\x00\x1e", 6);
		buf[8] = (unsigned char)i;
		len = strlen(reports[i].to);
		memcpy(buf + 9, reports[i].to, len);
		snprintf(name, sizeof(name), "report-roundtrip-%zu", i);
		seed_pdu(name, 3, buf, len + 9);
	}
}

/* Append the frame of JSON text `js` to buf at *len. */
static void
seed_frame(unsigned char *buf, size_t *len, const char *js)
{
	json_t *msg = json_loads(js, 0, NULL);
	size_t n;
	char *frame;

	if (!msg || !(frame = modem_proto_encode(msg, &n))) {
		fprintf(stderr, "seedgen: bad frame %s\n", js);
		exit(1);
	}
	memcpy(buf + *len, frame, n);
	*len += n;
	free(frame);
	json_decref(msg);
}

static void
seed_protos(void)
{
	static const char *const msgs[] = {
		"{\"ev\":\"ready\",\"imei\":\"356938035643809\",\"imsi\":\"452040000000001\","
		"\"manufacturer\":\"Loa\",\"model\":\"modemsim\"}",
		"{\"ev\":\"sent\",\"seq\":12,\"id\":42,\"refs\":[17,18]}",
		"{\"ev\":\"send_failed\",\"seq\":13,\"id\":43,\"error\":\"+CMS ERROR: 500\","
		"\"cms\":500,\"parts_sent\":1}",
		"{\"ev\":\"health\",\"seq\":14,\"signal_dbm\":-71,\"signal_pct\":62,\"ber\":0,"
		"\"registration\":\"home\",\"network_code\":\"45204\",\"network_name\":\"Viettel\","
		"\"battery_pct\":100}",
		"{\"ev\":\"inbound\",\"loc\":3,\"folder\":1,\"from\":\"+84912000002\","
		"\"text\":\"Báo tin giả: trên Facebook\",\"coding\":\"ucs2\","
		"\"smsc_time\":1764460800000,\"concat_ref\":7,\"part\":1,\"parts\":2}",
		"{\"ev\":\"acked\",\"seq\":15}",
		"{\"ev\":\"lost\",\"error\":\"device gone\"}",
		"{\"op\":\"send\",\"seq\":1,\"id\":7,\"to\":\"+84912345678\",\"text\":\"HD\","
		"\"encoding\":\"gsm7\"}",
		"{\"ev\":\"health\",\"seq\":16,\"signal_dbm\":-1.5e3,\"x\":[null,true,false,{}]}",
	};
	unsigned char buf[8192];
	char name[64];
	size_t len, i;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		buf[0] = (unsigned char)(i * 5);	/* chunking */
		len = 1;
		seed_frame(buf, &len, msgs[i]);
		snprintf(name, sizeof(name), "frame-%zu", i);
		seed_write("fuzz_proto", name, buf, len);
	}
	/* a burst of frames, as after a slow loop iteration */
	buf[0] = 0;
	len = 1;
	for (i = 0; i < 5; i++)
		seed_frame(buf, &len, msgs[i]);
	seed_write("fuzz_proto", "burst", buf, len);
	/* broken: a truncated body, a zero length, an array, invalid JSON, an oversized length */
	buf[0] = 3;
	len = 1;
	seed_frame(buf, &len, msgs[1]);
	seed_write("fuzz_proto", "truncated", buf, len - 3);
	seed_write("fuzz_proto", "zero-length", "\x01\x00\x00\x00\x00{}", 7);
	seed_write("fuzz_proto", "array", "\x02\x00\x00\x00\x07[1,2,3]", 12);
	seed_write("fuzz_proto", "bad-json", "\x00\x00\x00\x00\x06{\"a\":}", 11);
	seed_write("fuzz_proto", "oversized", "\x00\x00\x04\x00\x01{}", 7);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seedgen DIR\n");
		return 2;
	}
	seed_dir = argv[1];
	seed_pdus();
	seed_protos();
	return 0;
}
