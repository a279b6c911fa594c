/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * modemsim_test — the simulated modem's PDU codec (GSM 7-bit with the extension table and fill
 * bits, UCS-2 with surrogate pairs, SMS-SUBMIT vectors built by hand from TS 23.040, SMS-DELIVER
 * segmentation, malformed input, SMS-STATUS-REPORT encoding) and its AT / control engine driven
 * without a terminal, on a fake clock for the deferred work: +CMGS latency, status reports,
 * delayed USSD, unplug / replug, URC noise, registration loss, forced failures and hangs.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "modem/sim/sim.h"
#include "modem/sim/sim_pdu.h"
#include "tests/lib/test.h"

/* A Vietnamese broadcast of 3 UCS-2 parts (> 2 * 67 UTF-16 units). */
static const char vn_long[] =
	"Thông báo: Bộ Quy tắc ứng xử trên mạng xã hội được ban hành kèm theo Quyết định "
	"874/QĐ-BTTTT ngày 17/6/2021. Đề nghị người dân thực hiện nghiêm túc, không chia sẻ "
	"tin giả, tin sai sự thật.";

/* Decode a PDU from an exact-size heap copy, so that ASan catches any read past its end. */
static int
decode_exact(const uint8_t *pdu, size_t len, bool with_smsc, struct sim_sms *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	char err[128];
	int r;

	memcpy(copy, pdu, len);
	r = sim_pdu_decode(copy, len, with_smsc, out, err, sizeof(err));
	free(copy);
	return r;
}

/* --- alphabets ------------------------------------------------------------------------------- */

static void
test_gsm7_pack_vector(void)
{
	/* "hellohello": the classic 10-septet example, packed into 9 octets */
	static const uint8_t want[] = { 0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37 };
	uint8_t sept[16], ud[16] = { 0 }, back[16];
	char text[64];
	size_t n = 0;

	CHECK_EQ_INT(sim_gsm7_from_utf8("hellohello", sept, sizeof(sept), &n), 0);
	CHECK_EQ_INT(n, 10);
	sim_septets_pack(ud, 0, sept, n);
	CHECK(memcmp(ud, want, sizeof(want)) == 0);
	CHECK_EQ_INT(ud[9], 0);
	sim_septets_unpack(want, 0, 10, back);
	CHECK(memcmp(back, sept, 10) == 0);
	CHECK_EQ_INT(sim_gsm7_to_utf8(back, 10, text, sizeof(text)), 0);
	CHECK_EQ_STR(text, "hellohello");
}

static void
test_gsm7_extension(void)
{
	const char *ext = "€[]{}~^\\|";
	uint8_t sept[32];
	char text[64];
	size_t n = 0;

	CHECK_EQ_INT(sim_gsm7_from_utf8(ext, sept, sizeof(sept), &n), 0);
	CHECK_EQ_INT(n, 18);				/* each is ESC + code */
	CHECK_EQ_INT(sept[0], 0x1B);
	CHECK_EQ_INT(sept[1], 0x65);			/* € */
	CHECK_EQ_INT(sept[3], 0x3C);			/* [ */
	CHECK_EQ_INT(sept[17], 0x40);			/* | */
	CHECK_EQ_INT(sim_gsm7_to_utf8(sept, n, text, sizeof(text)), 0);
	CHECK_EQ_STR(text, ext);

	/* main-table specials: @ is septet 0, £ 1, Δ 0x10, à 0x7F */
	CHECK_EQ_INT(sim_gsm7_from_utf8("@£Δà", sept, sizeof(sept), &n), 0);
	CHECK_EQ_INT(n, 4);
	CHECK(sept[0] == 0x00 && sept[1] == 0x01 && sept[2] == 0x10 && sept[3] == 0x7F);

	/* Vietnamese letters have no GSM 7-bit form */
	CHECK_EQ_INT(sim_gsm7_from_utf8("Việt", sept, sizeof(sept), &n), -EILSEQ);
	/* invalid UTF-8 is refused */
	CHECK_EQ_INT(sim_gsm7_from_utf8("a\xC3", sept, sizeof(sept), &n), -EILSEQ);

	/* an unknown extension code shows the main-table character; a trailing ESC a space */
	uint8_t odd[] = { 0x1B, 0x41, 0x62, 0x1B };

	CHECK_EQ_INT(sim_gsm7_to_utf8(odd, 4, text, sizeof(text)), 0);
	CHECK_EQ_STR(text, "Ab ");
}

static void
test_gsm7_fill_bits(void)
{
	/* UDH 05 00 03 AB 03 01 (6 octets) then "Hello": the text starts at septet 7, i.e. bit 49,
	 * after one fill bit; H (0x48) shifted left by one gives 0x90 in octet 6 */
	static const uint8_t want[] = { 0x05, 0x00, 0x03, 0xAB, 0x03, 0x01,
					0x90, 0x65, 0x36, 0xFB, 0x0D };
	uint8_t ud[16] = { 0x05, 0x00, 0x03, 0xAB, 0x03, 0x01 }, sept[8], back[8];
	size_t n;

	sim_gsm7_from_utf8("Hello", sept, sizeof(sept), &n);
	sim_septets_pack(ud, 7, sept, n);
	CHECK(memcmp(ud, want, sizeof(want)) == 0);
	sim_septets_unpack(want, 7, 5, back);
	CHECK(memcmp(back, sept, 5) == 0);

	/* a 7-octet UDH (16-bit reference) fills exactly 8 septets: no fill bits */
	uint8_t ud2[16] = { 0 };

	sim_septets_pack(ud2, 8, sept, 1);
	CHECK_EQ_INT(ud2[7], 0x48);
}

static void
test_ucs2_vietnamese_emoji(void)
{
	const char *text = "Việt Nam 🇻🇳 đẹp";
	uint16_t u[64];
	uint8_t be[128];
	char back[128];
	size_t n = 0;

	CHECK_EQ_INT(sim_ucs2_from_utf8(text, u, 64, &n), 0);
	CHECK_EQ_INT(n, 17);			/* 13 BMP characters + 2 surrogate pairs */
	CHECK_EQ_INT(u[1], 0x0069);
	CHECK_EQ_INT(u[2], 0x1EC7);		/* ệ */
	CHECK_EQ_INT(u[9], 0xD83C);		/* U+1F1FB regional indicator V */
	CHECK_EQ_INT(u[10], 0xDDFB);
	for (size_t i = 0; i < n; i++) {
		be[2 * i] = (uint8_t)(u[i] >> 8);
		be[2 * i + 1] = (uint8_t)u[i];
	}
	CHECK_EQ_INT(sim_ucs2_to_utf8(be, 2 * n, back, sizeof(back)), 0);
	CHECK_EQ_STR(back, text);
	/* odd length and an unpaired high surrogate */
	CHECK_EQ_INT(sim_ucs2_to_utf8(be, 3, back, sizeof(back)), -EINVAL);
	uint8_t lone[] = { 0xD8, 0x3D, 0x00, 0x41 };

	CHECK_EQ_INT(sim_ucs2_to_utf8(lone, 4, back, sizeof(back)), 0);
	CHECK_EQ_STR(back, "\xEF\xBF\xBD" "A");
}

/* --- SMS-SUBMIT vectors ---------------------------------------------------------------------- */

/*
 * Built by hand from TS 23.040 §9.2.2.2:
 *   07 91 4889200030F0   SMSC: 7 octets follow, TOA 0x91 (international), 84980200030 + F fill
 *   31                   first octet: MTI 01 SUBMIT | VPF 10 relative (0x10) | SRR (0x20)
 *   00                   TP-MR
 *   0B 91 4819325476F8   TP-DA: 11 digits, international, 84912345678
 *   00                   TP-PID
 *   00                   TP-DCS: GSM 7-bit
 *   AA                   TP-VP relative: 4 days
 *   0A                   TP-UDL: 10 septets
 *   E8329BFD4697D9EC37   "hellohello"
 * TPDU: 1 + 1 + 8 + 1 + 1 + 1 + 1 + 9 = 23 octets.
 */
static const char submit_hex[] =
	"07914889200030F0" "31" "00" "0B914819325476F8" "00" "00" "AA" "0A" "E8329BFD4697D9EC37";

static void
test_submit_vector(void)
{
	struct sim_sms m;
	char err[128];

	CHECK_EQ_INT(sim_pdu_decode_hex(submit_hex, true, 23, &m, err, sizeof(err)), 0);
	CHECK_EQ_STR(m.smsc, "+84980200030");
	CHECK_EQ_INT(m.mti, SIM_MTI_SUBMIT);
	CHECK(m.srr);
	CHECK(!m.udhi);
	CHECK_EQ_INT(m.vpf, 2);
	CHECK_EQ_INT(m.vp_rel, 0xAA);
	CHECK_EQ_INT(m.mr, 0);
	CHECK_EQ_STR(m.addr, "+84912345678");
	CHECK_EQ_INT(m.addr_toa, 0x91);
	CHECK_EQ_INT(m.dcs, 0);
	CHECK_EQ_INT(m.enc, SIM_ENC_GSM7);
	CHECK_EQ_INT(m.udl, 10);
	CHECK_EQ_STR(m.text, "hellohello");
	CHECK_EQ_INT(m.tpdu_len, 23);
	CHECK(!m.concat);

	/* the length AT+CMGS declared must match */
	CHECK_EQ_INT(sim_pdu_decode_hex(submit_hex, true, 22, &m, err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "declared length 22");
}

static void
test_submit_concat_vectors(void)
{
	struct sim_sms m;
	char err[128];

	/*
	 * 00                 no SMSC address (use the SIM's)
	 * 41                 SUBMIT | UDHI, no VP
	 * 05                 TP-MR
	 * 0B 91 4819325476F8 TP-DA +84912345678
	 * 00 08              PID, DCS UCS-2
	 * 0B                 UDL 11 octets
	 * 06 08 04 1234 02 01  UDH: IEI 08 (16-bit reference 0x1234), part 1 of 2
	 * 0056 0069          "Vi"
	 */
	const char *ucs2 =
		"00" "41" "05" "0B914819325476F8" "0008" "0B" "06080412340201" "00560069";

	CHECK_EQ_INT(sim_pdu_decode_hex(ucs2, true, -1, &m, err, sizeof(err)), 0);
	CHECK(m.udhi && m.concat);
	CHECK_EQ_STR(m.smsc, "");
	CHECK_EQ_INT(m.mr, 5);
	CHECK_EQ_INT(m.enc, SIM_ENC_UCS2);
	CHECK_EQ_INT(m.concat_ref, 0x1234);
	CHECK_EQ_INT(m.concat_parts, 2);
	CHECK_EQ_INT(m.concat_part, 1);
	CHECK_EQ_STR(m.text, "Vi");

	/*
	 * GSM 7-bit with an 8-bit reference UDH: UDL 12 = 7 septets (6 UDH octets + 1 fill bit)
	 * + 5 text septets "Hello"
	 */
	const char *gsm = "00" "41" "00" "0B914819325476F8" "0000" "0C" "050003AB0301906536FB0D";

	CHECK_EQ_INT(sim_pdu_decode_hex(gsm, true, -1, &m, err, sizeof(err)), 0);
	CHECK_EQ_INT(m.concat_ref, 0xAB);
	CHECK_EQ_INT(m.concat_parts, 3);
	CHECK_EQ_INT(m.concat_part, 1);
	CHECK_EQ_STR(m.text, "Hello");

	/* 8-bit data (DCS 0x04) shows as ISO-8859-1; a national number has no '+' */
	const char *bin = "00" "01" "07" "0AA19021436587" "0004" "03" "41E962";

	CHECK_EQ_INT(sim_pdu_decode_hex(bin, true, -1, &m, err, sizeof(err)), 0);
	CHECK_EQ_INT(m.enc, SIM_ENC_8BIT);
	CHECK_EQ_STR(m.addr, "0912345678");
	CHECK_EQ_STR(m.text, "Aéb");
}

static void
test_malformed_rejected(void)
{
	static const char *const bad[] = {
		/* UDL 11 > data */
		"07914889200030F031000B914819325476F80000AA0BE8329BFD4697D9EC37",
		"07914889200030F031000B914819325476F80000AA0AE8329BFD4697D9EC3700", /* trailing */
		"07914889200030F031000B914819325476F80000AAA1E8329BFD4697D9EC37", /* UDL 161 */
		"07914889200030F031002A914819325476F80000AA0AE8329BFD4697D9EC37", /* DA 42 digits */
		"0C914889200030F031000B914819325476F80000AA0AE8329BFD4697D9EC37", /* SMSC 12 oct */
		"07914889200030F031000B914819325476F80020AA0AE8329BFD4697D9EC37", /* compressed */
		"0041000B914819325476F80008060A0804123402", /* UDHL 10 > UDL 6 */
		"0041000B914819325476F80008070608041234000100", /* part 0 */
		"0041000B914819325476F800080B0608041234020100560069AB", /* trailing octet */
		"0041000B914819325476F80008050400410042", /* odd UCS-2 length after UDH */
		"0042000B914819325476F8000000",	/* MTI 2 (command) */
		"07914889200030F03",		/* odd hex length */
		"07914889200030F0ZZ",		/* not hex */
		"",				/* nothing */
		"00",				/* SMSC only */
	};
	struct sim_sms m;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (sim_pdu_decode_hex(bad[i], true, -1, &m, err, sizeof(err)) != -EINVAL) {
			fprintf(stderr, "  accepted bad vector %zu: %s\n", i, bad[i]);
			test_failures_in_case++;
		}
		CHECK(err[0] != '\0');
	}

	/* every truncation of a good PDU is rejected, reading only what is there */
	uint8_t full[64];
	int len = sim_hex_decode(submit_hex, full, sizeof(full));

	CHECK_EQ_INT(len, 31);
	for (int cut = 0; cut < len; cut++)
		CHECK_EQ_INT(decode_exact(full, (size_t)cut, true, &m), -EINVAL);
	CHECK_EQ_INT(decode_exact(full, (size_t)len, true, &m), 0);
}

/* --- SMS-DELIVER encoding ------------------------------------------------------------------ */

static void
test_deliver_3part_vietnamese(void)
{
	struct sim_pdu_part parts[8];
	struct sim_sms m;
	char err[128], joined[2048] = "";
	int n;

	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	n = sim_deliver_encode("+84980200030", "+84912000001", vn_long, 1795996800, 77, parts, 8);
	CHECK_EQ_INT(n, 3);
	for (int k = 0; k < n && k < 3; k++) {
		CHECK_EQ_INT(sim_pdu_decode_hex(parts[k].hex, true, parts[k].tpdu_len, &m, err,
						sizeof(err)), 0);
		CHECK_EQ_INT(m.mti, SIM_MTI_DELIVER);
		CHECK_EQ_STR(m.smsc, "+84980200030");
		CHECK_EQ_STR(m.addr, "+84912000001");
		CHECK_EQ_INT(m.dcs, 8);
		CHECK_EQ_INT(m.pid, 0);
		CHECK(m.udhi && m.concat);
		CHECK_EQ_INT(m.concat_ref, 77);
		CHECK_EQ_INT(m.concat_parts, 3);
		CHECK_EQ_INT(m.concat_part, k + 1);
		CHECK_EQ_INT(m.scts, 1795996800);
		CHECK_EQ_INT(m.scts_tz, 28);		/* UTC+7 in quarter hours */
		CHECK(m.udl <= 140);
		CHECK_EQ_STR(m.text, parts[k].text);
		strcat(joined, m.text);
	}
	CHECK_EQ_STR(joined, vn_long);
	/* first part carries 67 UTF-16 units: UDL = 6 + 134 */
	CHECK_EQ_INT(sim_pdu_decode_hex(parts[0].hex, true, -1, &m, err, sizeof(err)), 0);
	CHECK_EQ_INT(m.udl, 140);

	/* a short text is one part without UDH, GSM 7-bit when it can be */
	n = sim_deliver_encode("+84980200030", "+84912000001", "Xin chao {2026}", 0, 1, parts, 8);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(sim_pdu_decode_hex(parts[0].hex, true, -1, &m, err, sizeof(err)), 0);
	CHECK(!m.udhi);
	CHECK_EQ_INT(m.dcs, 0);
	CHECK_EQ_STR(m.text, "Xin chao {2026}");

	/* too many parts for the room given */
	CHECK_EQ_INT(sim_deliver_encode("+84980200030", "+84912000001", vn_long, 0, 1, parts, 2),
		     -E2BIG);
}

static void
test_deliver_split_boundaries(void)
{
	struct sim_pdu_part parts[4];
	struct sim_sms m;
	char text[512], err[128];
	int n;

	/* 152 septets then "€": the escape pair would straddle the 153-septet boundary */
	memset(text, 'a', 152);
	strcpy(text + 152, "€ and more text to need a second part");
	n = sim_deliver_encode("+84980200030", "+84912000001", text, 0, 9, parts, 4);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(strlen(parts[0].text), 152);
	CHECK_EQ_INT(strncmp(parts[1].text, "€ and", strlen("€ and")), 0);
	CHECK_EQ_INT(sim_pdu_decode_hex(parts[0].hex, true, -1, &m, err, sizeof(err)), 0);
	CHECK_EQ_INT(m.udl, 7 + 152);

	/* 66 units then an emoji: the surrogate pair moves whole to part 2 */
	memset(text, 'b', 66);
	strcpy(text + 66, "🙏 cảm ơn");
	n = sim_deliver_encode("+84980200030", "+84912000001", text, 0, 9, parts, 4);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(strlen(parts[0].text), 66);
	CHECK_EQ_STR(parts[1].text, "🙏 cảm ơn");
	CHECK_EQ_INT(sim_pdu_decode_hex(parts[1].hex, true, -1, &m, err, sizeof(err)), 0);
	CHECK_EQ_STR(m.text, "🙏 cảm ơn");
}

static void
test_alphanumeric_sender(void)
{
	struct sim_pdu_part p[1];
	struct sim_sms m;
	char err[128];

	CHECK_EQ_INT(sim_deliver_encode("+84980200030", "VIETTEL", "KM 50%", 0, 0, p, 1), 1);
	/* OA: 13 useful semi-octets, TOA D0 (alphanumeric), "VIETTEL" packed in 7 octets */
	CHECK_CONTAINS(p[0].hex, "040DD0D664914A2D3201");
	CHECK_EQ_INT(sim_pdu_decode_hex(p[0].hex, true, -1, &m, err, sizeof(err)), 0);
	CHECK_EQ_STR(m.addr, "VIETTEL");
	CHECK_EQ_INT(m.addr_toa, 0xD0);
	CHECK_EQ_STR(m.text, "KM 50%");

	/* a national number and refused senders */
	CHECK_EQ_INT(sim_deliver_encode("+84980200030", "0912000001", "x", 0, 0, p, 1), 1);
	CHECK_CONTAINS(p[0].hex, "0AA19021000010");
	CHECK_EQ_INT(sim_deliver_encode("+84980200030", "ABCDEFGHIJKL", "x", 0, 0, p, 1),
		     -EINVAL);
	CHECK_EQ_INT(sim_deliver_encode("+84980200030", "+849a", "x", 0, 0, p, 1), -EINVAL);
	CHECK_EQ_INT(sim_deliver_encode("+84980200030", "", "x", 0, 0, p, 1), -EINVAL);
}

/* --- the engine --------------------------------------------------------------------------- */

struct rig {
	struct sim_modem *m;
	FILE *rec;
	char out[65536];
};

static void
rig_open(struct rig *r, int capacity)
{
	struct sim_config cfg;

	log_init("modemsim_test", LOG_WARN, true, false);
	sim_config_default(&cfg);
	cfg.capacity = capacity;
	r->rec = tmpfile();
	r->m = sim_modem_new(&cfg, r->rec);
	sim_modem_set_connected(r->m, true);
}

static void
rig_close(struct rig *r)
{
	sim_modem_free(r->m);
	fclose(r->rec);
}

/* Send bytes, return (and drain) everything the modem answered. */
static const char *
rig_at(struct rig *r, const char *in)
{
	size_t len;
	const char *out;

	sim_modem_input(r->m, in, strlen(in));
	out = sim_modem_output(r->m, &len);
	if (len >= sizeof(r->out))
		len = sizeof(r->out) - 1;
	memcpy(r->out, out, len);
	r->out[len] = '\0';
	sim_modem_consume(r->m, len);
	return r->out;
}

/* Record line number `i` (0-based) as JSON; the caller decrefs. */
static json_t *
rig_record(struct rig *r, int i)
{
	char line[8192];

	fflush(r->rec);
	rewind(r->rec);
	while (fgets(line, sizeof(line), r->rec))
		if (i-- == 0)
			return json_loads(line, 0, NULL);
	return NULL;
}

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
test_at_basics(void)
{
	struct rig r;

	rig_open(&r, 5);
	CHECK_EQ_STR(rig_at(&r, "\x1b\r"), "\r");			/* ESC CR: silence */
	CHECK_EQ_STR(rig_at(&r, "AT\r"), "AT\r\r\nOK\r\n");		/* echo, then OK */
	CHECK_EQ_STR(rig_at(&r, "junk\x1b" "AT+CGMI\r"), "junkAT+CGMI\r\r\nLoa\r\n\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "ATE0\r"), "ATE0\r\r\nOK\r\n");	/* echoed before it applies */
	CHECK_EQ_STR(rig_at(&r, "AT+CGSN\r"), "\r\n356938035643809\r\n\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CPROT=?\r"), "\r\nERROR\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CSCS=?\r"), "\r\n+CSCS: (\"GSM\",\"UCS2\")\r\n\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CSQ\r"), "\r\n+CSQ: 21,99\r\n\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CREG=2;+CREG?\r"),
		     "\r\n+CREG: 2,1,\"00B0\",\"0FAC\"\r\n\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+COPS=3,2\r"), "\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+COPS?\r"), "\r\n+COPS: 0,2,\"45204\"\r\n\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CSCA?\r"), "\r\n+CSCA: \"+84980200030\",145\r\n\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CMGR=9\r"), "\r\n+CMS ERROR: 321\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CSCS=\"XYZ\"\r"), "\r\nERROR\r\n");	/* CMEE=0 */
	CHECK_EQ_STR(rig_at(&r, "AT+CMEE=1\r"), "\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CSCS=\"XYZ\"\r"), "\r\n+CME ERROR: 4\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CPMS=\"SM\",\"SM\"\r"), "\r\n+CPMS: 0,5,0,5,0,5\r\n\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CPMS=\"ME\"\r"), "\r\n+CMS ERROR: 302\r\n");
	/* in UCS2 the SMSC number is UTF-16 hex */
	CHECK_EQ_STR(rig_at(&r, "AT+CSCS=\"UCS2\";+CSCA?\r"),
		     "\r\n+CSCA: \"002B00380034003900380030003200300030003000330030\",145\r\n"
		     "\r\nOK\r\n");
	rig_close(&r);
}

static void
test_at_send_pdu(void)
{
	struct rig r;
	char cmd[256];
	json_t *j;

	rig_open(&r, 5);
	CHECK_EQ_STR(rig_at(&r, "AT+CMGS=23\r"), "AT+CMGS=23\r\r\n> ");
	snprintf(cmd, sizeof(cmd), "%s\x1a", submit_hex);
	rig_at(&r, cmd);
	CHECK_CONTAINS(r.out, "\r\n+CMGS: 1\r\n\r\nOK\r\n");
	CHECK_EQ_INT(strncmp(r.out, submit_hex, strlen(submit_hex)), 0);	/* PDU echoed */
	CHECK_EQ_INT(sim_modem_submitted(r.m), 1);
	j = rig_record(&r, 0);
	CHECK(j != NULL);
	CHECK_EQ_STR(jstr(j, "event"), "submit");
	CHECK_EQ_STR(jstr(j, "to"), "+84912345678");
	CHECK_EQ_STR(jstr(j, "text"), "hellohello");
	CHECK_EQ_STR(jstr(j, "encoding"), "gsm7");
	CHECK(json_is_true(json_object_get(j, "srr")));
	CHECK(json_is_null(json_object_get(j, "concat")));
	CHECK_EQ_INT(json_integer_value(json_object_get(j, "mr")), 1);
	CHECK_EQ_STR(jstr(j, "pdu"), submit_hex);
	json_decref(j);

	/* the next one gets MR 2; a wrong declared length gets 304 and a bad_pdu record */
	rig_at(&r, "AT+CMGS=22\r");
	rig_at(&r, cmd);
	CHECK_CONTAINS(r.out, "\r\n+CMS ERROR: 304\r\n");
	j = rig_record(&r, 1);
	CHECK_EQ_STR(jstr(j, "event"), "bad_pdu");
	json_decref(j);
	rig_at(&r, "AT+CMGS=23\r");
	rig_at(&r, cmd);
	CHECK_CONTAINS(r.out, "+CMGS: 2\r\n");

	/* ESC at the prompt cancels */
	rig_at(&r, "AT+CMGS=23\r");
	CHECK_EQ_STR(rig_at(&r, "0011\x1b"), "0011\r\nOK\r\n");
	CHECK_EQ_INT(sim_modem_submitted(r.m), 2);

	/* forced failures from the control socket */
	free(sim_modem_ctl(r.m, "{\"cmd\":\"set\",\"fail_count\":1,\"cms_error\":38}"));
	rig_at(&r, "AT+CMGS=23\r");
	rig_at(&r, cmd);
	CHECK_CONTAINS(r.out, "\r\n+CMS ERROR: 38\r\n");
	rig_at(&r, "AT+CMGS=23\r");
	rig_at(&r, cmd);
	CHECK_CONTAINS(r.out, "+CMGS: 3\r\n");

	/* text mode: AT+CMGS="number", text, Ctrl-Z */
	CHECK_EQ_STR(rig_at(&r, "AT+CMGF=1\r"), "AT+CMGF=1\r\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CMGS=\"+84912000005\"\r"), "AT+CMGS=\"+84912000005\"\r\r\n> ");
	CHECK_EQ_STR(rig_at(&r, "Hi there\x1a"), "Hi there\r\n+CMGS: 4\r\n\r\nOK\r\n");
	j = rig_record(&r, 5);
	CHECK_EQ_STR(jstr(j, "to"), "+84912000005");
	CHECK_EQ_STR(jstr(j, "text"), "Hi there");
	CHECK_EQ_STR(jstr(j, "encoding"), "text");
	json_decref(j);
	rig_close(&r);
}

static void
test_inbox_and_unsolicited(void)
{
	struct rig r;
	char *ans;
	json_t *j;

	rig_open(&r, 4);
	rig_at(&r, "ATE0\r");
	rig_at(&r, "AT+CNMI=2,1,2,2,0\r");

	/* a command is being typed: +CMTI waits until its answer is out */
	CHECK_EQ_STR(rig_at(&r, "AT+CS"), "");
	ans = sim_modem_ctl(r.m, "{\"cmd\":\"inject\",\"from\":\"+84912000001\",\"text\":\"BAO\"}");
	CHECK_CONTAINS(ans, "\"indexes\":[1]");
	free(ans);
	CHECK_EQ_STR(rig_at(&r, "Q\r"), "\r\n+CSQ: 21,99\r\n\r\nOK\r\n\r\n+CMTI: \"SM\",1\r\n");

	/* three parts stored out of order: 3 -> slot 2, 1 -> slot 3, 2 -> slot 4 */
	ans = sim_modem_ctl(r.m, "{\"cmd\":\"inject\",\"from\":\"+84912000002\",\"text\":\"Thông "
				 "báo: Bộ Quy tắc ứng xử trên mạng xã hội được ban hành kèm theo "
				 "Quyết định 874/QĐ-BTTTT ngày 17/6/2021. Đề nghị người dân thực "
				 "hiện nghiêm túc, không chia sẻ tin giả, tin sai sự thật.\","
				 "\"order\":[3,1,2]}");
	CHECK_CONTAINS(ans, "\"indexes\":[3,4,2]");
	CHECK_CONTAINS(ans, "\"parts\":3");
	free(ans);
	CHECK_EQ_STR(rig_at(&r, ""), "\r\n+CMTI: \"SM\",2\r\n\r\n+CMTI: \"SM\",3\r\n"
				     "\r\n+CMTI: \"SM\",4\r\n");

	/* no room for a fifth message */
	ans = sim_modem_ctl(r.m, "{\"cmd\":\"inject\",\"from\":\"+84912000003\",\"text\":\"x\"}");
	CHECK_CONTAINS(ans, "\"ok\":false");
	CHECK_CONTAINS(ans, "inbox full");
	free(ans);

	/* listing: every message, unread, then marked read */
	rig_at(&r, "AT+CMGL=4\r");
	CHECK_EQ_INT(strncmp(r.out, "\r\n+CMGL: 1,0,,", 14), 0);
	CHECK_CONTAINS(r.out, "\r\n+CMGL: 4,0,,");
	CHECK_CONTAINS(r.out, "\r\n\r\nOK\r\n");
	{
		/* the PDU after +CMGL: 1 decodes to the injected text */
		const char *p = strchr(r.out + 2, '\n') + 1;
		char hex[SIM_PDU_HEX_MAX], err[128];
		struct sim_sms m;
		size_t k = strcspn(p, "\r");

		memcpy(hex, p, k);
		hex[k] = '\0';
		CHECK_EQ_INT(sim_pdu_decode_hex(hex, true, -1, &m, err, sizeof(err)), 0);
		CHECK_EQ_STR(m.text, "BAO");
		CHECK_EQ_STR(m.addr, "+84912000001");
	}
	rig_at(&r, "AT+CMGR=1\r");
	CHECK_EQ_INT(strncmp(r.out, "\r\n+CMGR: 1,,", 12), 0);
	rig_at(&r, "AT+CMGL=0\r");
	CHECK_EQ_STR(r.out, "\r\nOK\r\n");	/* nothing unread any more */

	ans = sim_modem_ctl(r.m, "{\"cmd\":\"inbox\"}");
	j = json_loads(ans, 0, NULL);
	CHECK_EQ_INT(json_array_size(json_object_get(j, "messages")), 4);
	json_decref(j);
	free(ans);

	CHECK_EQ_STR(rig_at(&r, "AT+CMGD=1\r"), "\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CMGR=1\r"), "\r\n+CMS ERROR: 321\r\n");
	CHECK_EQ_INT(sim_modem_inbox_used(r.m), 3);
	CHECK_EQ_STR(rig_at(&r, "AT+CMGD=1,4\r"), "\r\nOK\r\n");
	CHECK_EQ_INT(sim_modem_inbox_used(r.m), 0);
	/* record: 1 + 3 inject lines, then 4 deletes */
	j = rig_record(&r, 4);
	CHECK_EQ_STR(jstr(j, "event"), "delete");
	CHECK_EQ_INT(json_integer_value(json_object_get(j, "index")), 1);
	json_decref(j);
	j = rig_record(&r, 7);
	CHECK_EQ_STR(jstr(j, "event"), "delete");
	json_decref(j);
	rig_close(&r);
}

static void
test_ussd_and_control(void)
{
	struct rig r;
	char *ans;

	rig_open(&r, 3);
	rig_at(&r, "ATE0\r");
	/* answer OK first, the +CUSD after it */
	CHECK_EQ_STR(rig_at(&r, "AT+CUSD=1,\"*101#\",15\r"),
		     "\r\nOK\r\n\r\n+CUSD: 0,\"Balance 10000d\",15\r\n");
	free(sim_modem_ctl(r.m, "{\"cmd\":\"set\",\"ussd_reply\":\"Số dư 5đ\",\"signal\":7}"));
	CHECK_EQ_STR(rig_at(&r, "AT+CSCS=\"UCS2\";+CUSD=1,\"002A0031003000310023\",15\r"),
		     "\r\nOK\r\n\r\n+CUSD: 0,\"00531ED10020006401B0002000350111\",72\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CSQ\r"), "\r\n+CSQ: 7,99\r\n\r\nOK\r\n");

	ans = sim_modem_ctl(r.m, "{\"cmd\":\"set\",\"signal\":40}");
	CHECK_CONTAINS(ans, "\"ok\":false");
	free(ans);
	ans = sim_modem_ctl(r.m, "{\"cmd\":\"set\",\"bogus\":1}");
	CHECK_CONTAINS(ans, "\"ok\":false");
	free(ans);
	ans = sim_modem_ctl(r.m, "{\"cmd\":\"frobnicate\"}");
	CHECK_CONTAINS(ans, "\"ok\":false");
	free(ans);
	ans = sim_modem_ctl(r.m, "not json");
	CHECK_CONTAINS(ans, "\"ok\":false");
	free(ans);
	ans = sim_modem_ctl(r.m, "{\"cmd\":\"inject\",\"from\":\"+84912\",\"text\":\"ab\","
				 "\"order\":[2]}");
	CHECK_CONTAINS(ans, "\"ok\":false");
	free(ans);
	ans = sim_modem_ctl(r.m, "{\"cmd\":\"status\"}");
	CHECK_CONTAINS(ans, "\"inbox\":0");
	CHECK_CONTAINS(ans, "\"capacity\":3");
	CHECK_CONTAINS(ans, "\"connected\":true");
	free(ans);

	/* losing registration: +CREG when enabled, and sending fails with 331 */
	rig_at(&r, "AT+CREG=1\r");
	free(sim_modem_ctl(r.m, "{\"cmd\":\"set\",\"registered\":false}"));
	CHECK_EQ_STR(rig_at(&r, ""), "\r\n+CREG: 0\r\n");
	rig_at(&r, "AT+CSCS=\"GSM\"\r");
	rig_at(&r, "AT+CMGS=23\r");
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "%s\x1a", submit_hex);
	CHECK_EQ_STR(rig_at(&r, cmd), "\r\n+CMS ERROR: 331\r\n");
	rig_close(&r);
}

/* --- time, faults and reports ---------------------------------------------------------------- */

static int64_t fake_now = 1000000;

static int64_t
fake_clock(void)
{
	return fake_now;
}

static json_t *
ctl_json(struct rig *r, const char *req)
{
	char *ans = sim_modem_ctl(r->m, req);
	json_t *j = json_loads(ans, 0, NULL);

	free(ans);
	return j;
}

static bool
ctl_ok(struct rig *r, const char *req)
{
	json_t *j = ctl_json(r, req);
	bool ok = json_is_true(json_object_get(j, "ok"));

	json_decref(j);
	return ok;
}

static long long
stat_of(struct rig *r, const char *key)
{
	json_t *j = ctl_json(r, "{\"cmd\":\"stats\"}");
	long long v = json_integer_value(json_object_get(j, key));

	json_decref(j);
	return v;
}

/* The last record line that has "event":event, or NULL; the caller decrefs. */
static json_t *
rig_last_event(struct rig *r, const char *event)
{
	json_t *found = NULL, *j;

	for (int i = 0; (j = rig_record(r, i)); i++) {
		if (jstr(j, "event") && strcmp(jstr(j, "event"), event) == 0) {
			json_decref(found);
			found = j;
		} else {
			json_decref(j);
		}
	}
	return found;
}

static void
rig_send_pdu(struct rig *r)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "%s\x1a", submit_hex);
	rig_at(r, "AT+CMGS=23\r");
	rig_at(r, cmd);
}

static void
test_latency_defers_answer(void)
{
	struct rig r;

	rig_open(&r, 5);
	sim_modem_set_clock(r.m, fake_clock);
	rig_at(&r, "ATE0\r");
	CHECK_EQ_INT(sim_modem_next_deadline(r.m), -1);
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"latency_ms\":1000,\"dlr_status\":\"none\"}"));
	rig_send_pdu(&r);
	CHECK_EQ_STR(r.out, "");			/* no answer yet: the network is slow */
	CHECK_EQ_INT(sim_modem_next_deadline(r.m), fake_now + 1000);
	CHECK_EQ_INT(sim_modem_submitted(r.m), 1);	/* it left the modem at Ctrl-Z */

	/* a busy modem holds what the terminal sends */
	CHECK_EQ_STR(rig_at(&r, "AT+CSQ\r"), "");
	free(sim_modem_ctl(r.m, "{\"cmd\":\"inject\",\"from\":\"+84912000001\",\"text\":\"x\"}"));
	fake_now += 999;
	sim_modem_tick(r.m);
	CHECK_EQ_STR(rig_at(&r, ""), "");
	fake_now += 1;
	sim_modem_tick(r.m);
	/* the answer, then the held command's answer; no +CMTI since CNMI is off */
	CHECK_EQ_STR(rig_at(&r, ""), "\r\n+CMGS: 1\r\n\r\nOK\r\n\r\n+CSQ: 21,99\r\n\r\nOK\r\n");
	CHECK_EQ_INT(sim_modem_next_deadline(r.m), -1);

	/* a forced failure is delayed as well, and a held AT+CMGS turns the modem busy again */
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"fail_count\":1,\"cms_error\":38}"));
	rig_send_pdu(&r);
	char more[128];

	snprintf(more, sizeof(more), "AT+CMGS=23\r%s\x1a", submit_hex);
	CHECK_EQ_STR(rig_at(&r, more), "");
	fake_now += 1000;
	sim_modem_tick(r.m);
	CHECK_EQ_STR(rig_at(&r, ""), "\r\n+CMS ERROR: 38\r\n\r\n> ");
	CHECK_EQ_INT(sim_modem_next_deadline(r.m), fake_now + 1000);
	fake_now += 1000;
	sim_modem_tick(r.m);
	CHECK_EQ_STR(rig_at(&r, ""), "\r\n+CMGS: 2\r\n\r\nOK\r\n");
	CHECK_EQ_INT(stat_of(&r, "submits"), 2);
	CHECK_EQ_INT(stat_of(&r, "failures_injected"), 1);
	rig_close(&r);
}

static void
test_fail_count_and_hang(void)
{
	struct rig r;

	rig_open(&r, 5);
	rig_at(&r, "ATE0\r");
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"fail_count\":2,\"cms_error\":42}"));
	rig_send_pdu(&r);
	CHECK_EQ_STR(r.out, "\r\n+CMS ERROR: 42\r\n");
	rig_send_pdu(&r);
	CHECK_EQ_STR(r.out, "\r\n+CMS ERROR: 42\r\n");
	rig_send_pdu(&r);
	CHECK_EQ_STR(r.out, "\r\n+CMGS: 1\r\n\r\nOK\r\n");
	CHECK_EQ_INT(stat_of(&r, "failures_injected"), 2);
	CHECK_EQ_INT(stat_of(&r, "refused"), 2);
	json_t *j = rig_last_event(&r, "refused");

	CHECK_EQ_INT(json_integer_value(json_object_get(j, "cms_error")), 42);
	json_decref(j);
	CHECK(!ctl_ok(&r, "{\"cmd\":\"set\",\"fail_count\":-1}"));

	/* hang: nothing is answered, input is lost, until released */
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"hang\":true}"));
	CHECK_EQ_STR(rig_at(&r, "AT\r"), "");
	free(sim_modem_ctl(r.m, "{\"cmd\":\"urc\",\"line\":\"^RSSI: 3\"}"));
	CHECK_EQ_STR(rig_at(&r, ""), "");
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"hang\":false}"));
	CHECK_EQ_STR(rig_at(&r, "AT\r"), "\r\n^RSSI: 3\r\n\r\nOK\r\n");
	rig_close(&r);
}

static void
test_urc_noise(void)
{
	struct rig r;

	rig_open(&r, 5);
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"urc_noise\":[\"^RSSI: 12\",\"^BOOT:1,0,0,0,0\"],"
			 "\"urc_every\":2}"));
	CHECK_EQ_STR(rig_at(&r, "AT+CSQ\r"), "AT+CSQ\r\r\n+CSQ: 21,99\r\n\r\nOK\r\n");
	/* the second command: between the echo and the answer */
	CHECK_EQ_STR(rig_at(&r, "AT+CGMI\r"),
		     "AT+CGMI\r\r\n^RSSI: 12\r\n\r\n^BOOT:1,0,0,0,0\r\n\r\nLoa\r\n\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT\r"), "AT\r\r\nOK\r\n");
	/* before the final result code instead */
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"urc_where\":\"end\",\"urc_every\":1,"
			 "\"urc_noise\":[\"^MODE:3,3\"]}"));
	CHECK_EQ_STR(rig_at(&r, "AT+CGMI\r"), "AT+CGMI\r\r\nLoa\r\n\r\n^MODE:3,3\r\n\r\nOK\r\n");
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"urc_noise\":[]}"));
	CHECK_EQ_STR(rig_at(&r, "AT\r"), "AT\r\r\nOK\r\n");
	CHECK(!ctl_ok(&r, "{\"cmd\":\"set\",\"urc_noise\":[\"a\\r\\nOK\"]}"));
	CHECK(!ctl_ok(&r, "{\"cmd\":\"set\",\"urc_where\":\"middle\"}"));

	/* one line by hand: at the next idle moment, or forced into a half-typed command */
	CHECK_EQ_STR(rig_at(&r, "AT+CS"), "AT+CS");
	CHECK(ctl_ok(&r, "{\"cmd\":\"urc\",\"line\":\"^SRVST:2\"}"));
	CHECK_EQ_STR(rig_at(&r, ""), "");
	CHECK(ctl_ok(&r, "{\"cmd\":\"urc\",\"line\":\"^SIMST:1\",\"force\":true}"));
	CHECK_EQ_STR(rig_at(&r, ""), "\r\n^SIMST:1\r\n");
	CHECK_EQ_STR(rig_at(&r, "Q\r"), "Q\r\r\n+CSQ: 21,99\r\n\r\nOK\r\n\r\n^SRVST:2\r\n");
	CHECK_EQ_INT(stat_of(&r, "urc_emitted"), 5);
	CHECK_EQ_INT(stat_of(&r, "commands"), 6);
	rig_close(&r);
}

/*
 * An SMS-STATUS-REPORT built by hand from TS 23.040 §9.2.2.3:
 *   07 91 4889200030F0   SMSC +84980200030
 *   06                   first octet: MTI 10 STATUS-REPORT, TP-MMS (no more messages)
 *   2A                   TP-MR 42
 *   0B 91 4819325476F8   TP-RA +84912345678
 *   62 11 92 22 55 00 82 TP-SCTS 2026-11-29 22:55:00 +07:00 (28 quarter hours)
 *   62 11 92 22 55 13 82 TP-DT   2026-11-29 22:55:31 +07:00
 *   41                   TP-ST permanent error: incompatible destination
 */
static const char report_hex[] = "07914889200030F0" "06" "2A" "0B914819325476F8"
				 "62119222550082" "62119222551382" "41";

static void
test_status_report_pdu(void)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 29, .tm_hour = 15,
			 .tm_min = 55 };
	int64_t scts = (int64_t)timegm(&tm);
	struct sim_pdu_part part;
	struct sim_sms m;
	char err[128];

	CHECK_EQ_INT(sim_pdu_decode_hex(report_hex, true, 25, &m, err, sizeof(err)), 0);
	CHECK_EQ_INT(m.mti, SIM_MTI_STATUS_REPORT);
	CHECK_EQ_INT(m.mr, 42);
	CHECK_EQ_STR(m.addr, "+84912345678");
	CHECK_EQ_INT(m.scts, scts);
	CHECK_EQ_INT(m.scts_tz, 28);
	CHECK_EQ_INT(m.dt, scts + 31);
	CHECK_EQ_INT(m.st, 0x41);
	CHECK_EQ_STR(m.text, "failed");
	CHECK(!m.srq);

	/* our encoder, decoded back (times in the local zone, whatever it is) */
	CHECK_EQ_INT(sim_status_report_encode("+84980200030", 200, "+84912345678", scts, scts + 5,
					      SIM_ST_DELIVERED, &part), 0);
	CHECK_EQ_INT(part.tpdu_len, 25);
	CHECK_EQ_INT(strncmp(part.hex, "07914889200030F006C80B914819325476F8", 36), 0);
	CHECK_EQ_INT(sim_pdu_decode_hex(part.hex, true, 25, &m, err, sizeof(err)), 0);
	CHECK_EQ_INT(m.mti, SIM_MTI_STATUS_REPORT);
	CHECK_EQ_INT(m.mr, 200);
	CHECK_EQ_STR(m.addr, "+84912345678");
	CHECK_EQ_INT(m.scts, scts);
	CHECK_EQ_INT(m.dt, scts + 5);
	CHECK_EQ_INT(m.st, 0);
	CHECK_EQ_STR(part.text, "delivered");
	/* a national recipient keeps its type of address */
	CHECK_EQ_INT(sim_status_report_encode("+84980200030", 1, "0912345678", scts, scts, 0x46,
					      &part), 0);
	CHECK_CONTAINS(part.hex, "0AA19021436587");
	CHECK_EQ_INT(sim_status_report_encode("+84980200030", 256, "+849", 0, 0, 0, &part),
		     -EINVAL);
	CHECK_EQ_INT(sim_status_report_encode("+84980200030", 1, "+84x", 0, 0, 0, &part),
		     -EINVAL);
	/* truncated: no TP-ST */
	CHECK_EQ_INT(sim_pdu_decode_hex("0006010B914819325476F8621192225500826211922255138",
					true, -1, &m, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(sim_pdu_decode_hex("0006010B914819325476F862119222550082621192225513", true,
					-1, &m, err, sizeof(err)), -EINVAL);
	CHECK_EQ_STR(sim_st_name(0x20), "pending");
	CHECK_EQ_STR(sim_st_name(0x46), "failed");
}

/* The PDU line after the first line of `out`, decoded. */
static int
decode_second_line(const char *out, struct sim_sms *m)
{
	const char *p = strstr(out, "\r\n");
	char hex[SIM_PDU_HEX_MAX], err[128];
	size_t k;

	p = p ? strstr(p + 2, "\r\n") : NULL;
	if (!p)
		return -1;
	p += 2;
	k = strcspn(p, "\r");
	if (k >= sizeof(hex))
		return -1;
	memcpy(hex, p, k);
	hex[k] = '\0';
	return sim_pdu_decode_hex(hex, true, -1, m, err, sizeof(err));
}

static void
test_delivery_reports(void)
{
	struct rig r;
	struct sim_sms sms;
	json_t *j;
	int64_t t0;

	rig_open(&r, 3);
	sim_modem_set_clock(r.m, fake_clock);
	rig_at(&r, "ATE0\r");
	/* <ds> = 1: the report comes whole as +CDS after dlr_delay_ms (default 500) */
	rig_at(&r, "AT+CNMI=2,1,0,1,0\r");
	rig_send_pdu(&r);				/* TP-SRR is set in submit_hex */
	CHECK_EQ_STR(r.out, "\r\n+CMGS: 1\r\n\r\nOK\r\n");
	t0 = fake_now;
	CHECK_EQ_INT(sim_modem_next_deadline(r.m), t0 + 500);
	fake_now += 499;
	sim_modem_tick(r.m);
	CHECK_EQ_STR(rig_at(&r, ""), "");
	fake_now += 1;
	sim_modem_tick(r.m);
	rig_at(&r, "");
	CHECK_EQ_INT(strncmp(r.out, "\r\n+CDS: 25\r\n07914889200030F006010B914819325476F8", 47),
		     0);
	CHECK_EQ_INT(decode_second_line(r.out, &sms), 0);
	CHECK_EQ_INT(sms.mti, SIM_MTI_STATUS_REPORT);
	CHECK_EQ_INT(sms.mr, 1);
	CHECK_EQ_STR(sms.addr, "+84912345678");
	CHECK_EQ_INT(sms.st, 0);
	j = rig_last_event(&r, "dlr");
	CHECK_EQ_INT(json_integer_value(json_object_get(j, "mr")), 1);
	CHECK_EQ_STR(jstr(j, "to"), "+84912345678");
	CHECK_EQ_STR(jstr(j, "status"), "delivered");
	CHECK_EQ_STR(jstr(j, "via"), "cds");
	json_decref(j);

	/* <ds> = 2: stored on the SIM, announced by +CDSI, read with AT+CMGR */
	rig_at(&r, "AT+CNMI=2,1,0,2,0\r");
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"dlr_status\":\"failed\",\"dlr_delay_ms\":100}"));
	rig_send_pdu(&r);
	fake_now += 100;
	sim_modem_tick(r.m);
	CHECK_EQ_STR(rig_at(&r, ""), "\r\n+CDSI: \"SM\",1\r\n");
	rig_at(&r, "AT+CMGR=1\r");
	CHECK_EQ_INT(strncmp(r.out, "\r\n+CMGR: 0,,25\r\n", 16), 0);
	CHECK_EQ_INT(decode_second_line(r.out, &sms), 0);
	CHECK_EQ_INT(sms.mti, SIM_MTI_STATUS_REPORT);
	CHECK_EQ_INT(sms.mr, 2);
	CHECK_EQ_INT(sms.st, 0x41);
	rig_at(&r, "AT+CMGF=1;+CMGL=\"ALL\"\r");
	CHECK_CONTAINS(r.out, "+CMGL: 1,\"REC READ\",6,2,\"+84912345678\",145,\"");
	CHECK_CONTAINS(r.out, "\",65\r\n\r\nOK\r\n");
	rig_at(&r, "AT+CMGF=0\r");
	j = ctl_json(&r, "{\"cmd\":\"inbox\"}");
	json_t *msg = json_array_get(json_object_get(j, "messages"), 0);

	CHECK_EQ_STR(jstr(msg, "type"), "status_report");
	CHECK_EQ_STR(jstr(msg, "status"), "failed");
	CHECK_EQ_INT(json_integer_value(json_object_get(msg, "mr")), 2);
	json_decref(j);

	/* "none": no report at all; <ds> = 0 drops reports */
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"dlr_status\":\"none\"}"));
	rig_send_pdu(&r);
	CHECK_EQ_INT(sim_modem_next_deadline(r.m), -1);
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"dlr_status\":\"delivered\"}"));
	rig_at(&r, "AT+CNMI=2,1,0,0,0\r");
	rig_send_pdu(&r);
	fake_now += 100;
	sim_modem_tick(r.m);
	CHECK_EQ_STR(rig_at(&r, ""), "");
	j = rig_last_event(&r, "dlr");
	CHECK_EQ_STR(jstr(j, "via"), "none");
	json_decref(j);

	/* by hand: the recipient of mr 3 is known; an unknown mr needs "to" */
	rig_at(&r, "AT+CNMI=2,1,0,1,0\r");
	CHECK(ctl_ok(&r, "{\"cmd\":\"dlr\",\"mr\":3,\"status\":\"expired\"}"));
	rig_at(&r, "");
	CHECK_EQ_INT(decode_second_line(r.out, &sms), 0);
	CHECK_EQ_INT(sms.mr, 3);
	CHECK_EQ_INT(sms.st, SIM_ST_EXPIRED);
	CHECK(!ctl_ok(&r, "{\"cmd\":\"dlr\",\"mr\":99}"));
	CHECK(ctl_ok(&r, "{\"cmd\":\"dlr\",\"mr\":99,\"to\":\"+84912000009\",\"status\":0}"));
	CHECK(!ctl_ok(&r, "{\"cmd\":\"dlr\",\"mr\":300}"));
	CHECK(!ctl_ok(&r, "{\"cmd\":\"dlr\",\"mr\":3,\"status\":\"none\"}"));
	CHECK_EQ_INT(stat_of(&r, "dlrs_sent"), 5);
	rig_close(&r);
}

static void
test_ussd_encodings(void)
{
	struct rig r;
	json_t *j;

	rig_open(&r, 3);
	sim_modem_set_clock(r.m, fake_clock);
	rig_at(&r, "ATE0\r");
	/* GSM alphabet text in the GSM character set: plain, dcs 15 */
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"ussd_reply\":\"Tai khoan goc: 10.000d\"}"));
	CHECK_EQ_STR(rig_at(&r, "AT+CUSD=1,\"*101#\",15\r"),
		     "\r\nOK\r\n\r\n+CUSD: 0,\"Tai khoan goc: 10.000d\",15\r\n");
	/* forced UCS-2: hex with dcs 72 even in the GSM character set; status 1 */
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"ussd_encoding\":\"ucs2\",\"ussd_status\":1,"
			 "\"ussd_reply\":\"Gốc\"}"));
	CHECK_EQ_STR(rig_at(&r, "AT+CUSD=1,\"*101#\",15\r"),
		     "\r\nOK\r\n\r\n+CUSD: 1,\"00471ED10063\",72\r\n");
	/* forced gsm7 in the UCS2 character set: the TE charset's hex, dcs 15 */
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"ussd_encoding\":\"gsm7\",\"ussd_status\":0,"
			 "\"ussd_reply\":\"OK 5d\"}"));
	CHECK_EQ_STR(rig_at(&r, "AT+CSCS=\"UCS2\";+CUSD=1,\"002A0031003000310023\",15\r"),
		     "\r\nOK\r\n\r\n+CUSD: 0,\"004F004B002000350064\",15\r\n");
	/* auto with Vietnamese, delayed by 300 ms */
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"ussd_encoding\":\"auto\",\"ussd_delay_ms\":300,"
			 "\"ussd_reply\":\"Tài khoản gốc: 10.000đ, HSD 31/12/2026\"}"));
	CHECK_EQ_STR(rig_at(&r, "AT+CUSD=1,\"002A0031003000310023\",15\r"), "\r\nOK\r\n");
	CHECK_EQ_INT(sim_modem_next_deadline(r.m), fake_now + 300);
	fake_now += 300;
	sim_modem_tick(r.m);
	CHECK_EQ_STR(rig_at(&r, ""),
		     "\r\n+CUSD: 0,\"005400E000690020006B0068006F1EA3006E002000671ED10063003A"
		     "002000310030002E0030003000300111002C0020004800530044002000330031002F0031"
		     "0032002F0032003000320036\",72\r\n");
	j = rig_last_event(&r, "ussd");
	CHECK_EQ_STR(jstr(j, "code"), "*101#");
	CHECK_EQ_INT(json_integer_value(json_object_get(j, "dcs")), 72);
	json_decref(j);
	/* AT+CUSD=2 cancels an answer still on its way */
	rig_at(&r, "AT+CUSD=1,\"002A0031003000310023\",15\r");
	rig_at(&r, "AT+CUSD=2\r");
	fake_now += 300;
	sim_modem_tick(r.m);
	CHECK_EQ_STR(rig_at(&r, ""), "");
	CHECK(!ctl_ok(&r, "{\"cmd\":\"set\",\"ussd_encoding\":\"utf8\"}"));
	CHECK_EQ_INT(stat_of(&r, "ussd"), 5);
	rig_close(&r);
}

static void
test_registration_and_signal(void)
{
	struct rig r;

	rig_open(&r, 3);
	rig_at(&r, "ATE0\r");
	rig_at(&r, "AT+CREG=2;+CGREG=1\r");
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"registered\":false}"));
	CHECK_EQ_STR(rig_at(&r, ""), "\r\n+CREG: 0\r\n\r\n+CGREG: 0\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CREG?\r"), "\r\n+CREG: 2,0\r\n\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+COPS?\r"), "\r\n+COPS: 0\r\n\r\nOK\r\n");
	rig_send_pdu(&r);
	CHECK_EQ_STR(r.out, "\r\n+CMS ERROR: 331\r\n");
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"registered\":true}"));
	CHECK_EQ_STR(rig_at(&r, ""), "\r\n+CREG: 1,\"00B0\",\"0FAC\"\r\n\r\n+CGREG: 1\r\n");
	rig_send_pdu(&r);
	CHECK_EQ_STR(r.out, "\r\n+CMGS: 1\r\n\r\nOK\r\n");

	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"signal_dbm\":-109}"));
	CHECK_EQ_STR(rig_at(&r, "AT+CSQ\r"), "\r\n+CSQ: 2,99\r\n\r\nOK\r\n");
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"signal_dbm\":-40}"));
	CHECK_EQ_STR(rig_at(&r, "AT+CSQ\r"), "\r\n+CSQ: 31,99\r\n\r\nOK\r\n");
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"signal_dbm\":-120}"));
	CHECK_EQ_STR(rig_at(&r, "AT+CSQ\r"), "\r\n+CSQ: 0,99\r\n\r\nOK\r\n");
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"signal\":99}"));
	CHECK_EQ_STR(rig_at(&r, "AT+CSQ\r"), "\r\n+CSQ: 99,99\r\n\r\nOK\r\n");
	CHECK(!ctl_ok(&r, "{\"cmd\":\"set\",\"signal_dbm\":\"-80\"}"));
	rig_close(&r);
}

static void
test_unplug_keeps_inbox(void)
{
	struct rig r;
	json_t *j;

	rig_open(&r, 5);
	sim_modem_set_clock(r.m, fake_clock);
	free(sim_modem_ctl(r.m, "{\"cmd\":\"inject\",\"from\":\"+84912000001\",\"text\":\"MOT\"}"));
	free(sim_modem_ctl(r.m, "{\"cmd\":\"inject\",\"from\":\"+84912000002\",\"text\":\"HAI\"}"));
	rig_at(&r, "ATE0;+CMGF=1;+CNMI=2,1,0,1,0\r");
	rig_send_pdu(&r);				/* mr 1, a report is pending */
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"latency_ms\":50,\"signal\":9}"));
	rig_at(&r, "AT+CSQ\r");
	CHECK(sim_modem_host_request(r.m) == SIM_HOST_NONE);

	CHECK(ctl_ok(&r, "{\"cmd\":\"unplug\"}"));
	CHECK(sim_modem_host_request(r.m) == SIM_HOST_UNPLUG);
	CHECK(sim_modem_host_request(r.m) == SIM_HOST_NONE);
	CHECK(!sim_modem_plugged(r.m));
	CHECK(!sim_modem_connected(r.m));
	CHECK(!ctl_ok(&r, "{\"cmd\":\"unplug\"}"));
	CHECK_EQ_INT(sim_modem_next_deadline(r.m), -1);	/* the pending report is gone */
	CHECK_EQ_STR(rig_at(&r, "AT\r"), "");
	/* the network may still store a message on the SIM meanwhile */
	free(sim_modem_ctl(r.m, "{\"cmd\":\"inject\",\"from\":\"+84912000003\",\"text\":\"BA\"}"));
	j = ctl_json(&r, "{\"cmd\":\"status\"}");
	CHECK(json_is_false(json_object_get(j, "plugged")));
	CHECK_EQ_INT(json_integer_value(json_object_get(j, "inbox")), 3);
	json_decref(j);

	CHECK(ctl_ok(&r, "{\"cmd\":\"replug\"}"));
	CHECK(sim_modem_host_request(r.m) == SIM_HOST_REPLUG);
	CHECK(!ctl_ok(&r, "{\"cmd\":\"replug\"}"));
	sim_modem_set_connected(r.m, true);
	/* fresh modem: echo on, PDU mode; same SIM: three messages, next MR 2; settings kept */
	CHECK_EQ_STR(rig_at(&r, "AT+CMGF?\r"), "AT+CMGF?\r\r\n+CMGF: 0\r\n\r\nOK\r\n");
	CHECK_EQ_STR(rig_at(&r, "AT+CSQ\r"), "AT+CSQ\r\r\n+CSQ: 9,99\r\n\r\nOK\r\n");
	rig_at(&r, "ATE0;+CMGL=4\r");
	CHECK_CONTAINS(r.out, "+CMGL: 1,0,,22\r\n07914889200030F0040B914819020000F1");
	CHECK_CONTAINS(r.out, "+CMGL: 2,0,,");
	CHECK_CONTAINS(r.out, "+CMGL: 3,0,,");
	CHECK(ctl_ok(&r, "{\"cmd\":\"set\",\"latency_ms\":0}"));
	rig_send_pdu(&r);
	CHECK_EQ_STR(r.out, "\r\n+CMGS: 2\r\n\r\nOK\r\n");

	/* unplug for 2 s: the engine plugs itself back in at its deadline */
	CHECK(ctl_ok(&r, "{\"cmd\":\"unplug\",\"seconds\":2}"));
	CHECK(sim_modem_host_request(r.m) == SIM_HOST_UNPLUG);
	CHECK_EQ_INT(sim_modem_next_deadline(r.m), fake_now + 2000);
	fake_now += 1999;
	sim_modem_tick(r.m);
	CHECK(!sim_modem_plugged(r.m));
	fake_now += 1;
	sim_modem_tick(r.m);
	CHECK(sim_modem_plugged(r.m));
	CHECK(sim_modem_host_request(r.m) == SIM_HOST_REPLUG);
	CHECK_EQ_INT(sim_modem_inbox_used(r.m), 3);
	j = rig_last_event(&r, "unplug");
	CHECK_EQ_INT(json_integer_value(json_object_get(j, "seconds")), 2);
	json_decref(j);
	j = rig_last_event(&r, "replug");
	CHECK_EQ_INT(json_integer_value(json_object_get(j, "inbox")), 3);
	json_decref(j);
	CHECK_EQ_INT(stat_of(&r, "unplugs"), 2);
	CHECK_EQ_INT(stat_of(&r, "replugs"), 2);
	CHECK(stat_of(&r, "bytes_in") > 100);
	CHECK(stat_of(&r, "bytes_out") > 50);
	CHECK(!ctl_ok(&r, "{\"cmd\":\"unplug\",\"seconds\":-1}"));
	rig_close(&r);
}

TEST_MAIN("modemsim", TEST_CASE(test_gsm7_pack_vector), TEST_CASE(test_gsm7_extension),
	  TEST_CASE(test_gsm7_fill_bits), TEST_CASE(test_ucs2_vietnamese_emoji),
	  TEST_CASE(test_submit_vector), TEST_CASE(test_submit_concat_vectors),
	  TEST_CASE(test_malformed_rejected), TEST_CASE(test_deliver_3part_vietnamese),
	  TEST_CASE(test_deliver_split_boundaries), TEST_CASE(test_alphanumeric_sender),
	  TEST_CASE(test_at_basics), TEST_CASE(test_at_send_pdu),
	  TEST_CASE(test_inbox_and_unsolicited), TEST_CASE(test_ussd_and_control),
	  TEST_CASE(test_latency_defers_answer), TEST_CASE(test_fail_count_and_hang),
	  TEST_CASE(test_urc_noise), TEST_CASE(test_status_report_pdu),
	  TEST_CASE(test_delivery_reports), TEST_CASE(test_ussd_encodings),
	  TEST_CASE(test_registration_and_signal), TEST_CASE(test_unplug_keeps_inbox))
