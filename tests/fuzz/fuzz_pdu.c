/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_pdu — the simulator's SMS PDU codec (modem/sim/sim_pdu.h). The decoder reads every PDU
 * libgammu writes to a simulated modem (AT+CMGS), so it must survive anything; the deliver
 * encoder builds the citizen SMS the gateway reads back, so encode-then-decode must give the
 * original text.
 *
 * Input: byte 0 picks the mode (low 2 bits) and options (the rest):
 *   0  binary PDU: bit 2 = SMSC address first. Decoded as binary and, hex-encoded, through
 *      sim_pdu_decode_hex(): both must agree field for field.
 *   1  hex text for sim_pdu_decode_hex() (bit 2 = SMSC first; byte 1 = declared length, 255
 *      for none), then the alphabet helpers on the same bytes.
 *   2  deliver round trip: bytes 1..4 = SCTS offset, byte 5 = reference, byte 6 = SMSC
 *      choice, then "from" NUL "text". Every part must decode (with its declared length) to
 *      the sender, the SMSC, the time stamp, the concatenation header and its own text; the
 *      parts' texts must add up to the input text, and the part count must be what
 *      modem_sms_plan() predicts for a GSM-7 text (the planner also applies libgammu's
 *      UCS-2 rules about combining marks and flags, which the simulator does not).
 *   3  status report round trip: TP-MR, TP-ST, 4 bytes of SCTS offset, 2 of TP-DT after it,
 *      the SMSC choice, then the recipient: the decoder gives back every field.
 * Decoded texts must always be valid UTF-8 that fits SIM_TEXT_MAX.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "modem/sim/sim_pdu.h"
#include "modem/sms.h"
#include "tests/fuzz/fuzz.h"

#define PDU_MAX_PARTS 40

static const char *const pdu_smscs[4] = { "+84980200030", "", "84980200030",
					   "+12345678901234567890" };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* a zone with a non-zero offset exercises the SCTS zone; +07:00 all year since 1975 */
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	return 0;
}

static void
pdu_check_decoded(const struct sim_sms *m, size_t len)
{
	FUZZ_ASSERT(memchr(m->text, '\0', sizeof(m->text)) != NULL);
	FUZZ_ASSERT(fuzz_utf8_valid_str(m->text));
	FUZZ_ASSERT(memchr(m->addr, '\0', sizeof(m->addr)) != NULL);
	FUZZ_ASSERT(memchr(m->smsc, '\0', sizeof(m->smsc)) != NULL);
	FUZZ_ASSERT(m->mti == SIM_MTI_DELIVER || m->mti == SIM_MTI_SUBMIT ||
		    m->mti == SIM_MTI_STATUS_REPORT);
	FUZZ_ASSERT(m->tpdu_len >= 1 && (size_t)m->tpdu_len <= len);
	FUZZ_ASSERT(m->udl >= 0 && m->udl <= 255);
	if (m->mti != SIM_MTI_STATUS_REPORT)	/* a report's user data is not interpreted */
		FUZZ_ASSERT(m->udl <= 160);
	else
		FUZZ_ASSERT(strcmp(m->text, sim_st_name(m->st)) == 0);
	FUZZ_ASSERT(m->udh_len >= 0 && m->udh_len <= 140);
	if (m->concat)
		FUZZ_ASSERT(m->concat_part >= 1 && m->concat_part <= m->concat_parts);
	FUZZ_ASSERT(strcmp(sim_enc_name(m->enc), "?") != 0);
}

static void
pdu_binary(const uint8_t *p, size_t len, bool with_smsc)
{
	struct sim_sms a, b;
	char err_a[128], err_b[128], *hex;
	int ra, rb;

	err_a[0] = err_b[0] = '\0';
	ra = sim_pdu_decode(p, len, with_smsc, &a, err_a, sizeof(err_a));
	if (ra == 0)
		pdu_check_decoded(&a, len);
	else
		FUZZ_ASSERT(ra == -EINVAL && err_a[0]);

	if (len > (SIM_PDU_HEX_MAX - 1) / 2)
		return;
	hex = malloc(2 * len + 1);
	if (!hex)
		abort();
	sim_hex_encode(p, len, hex);
	rb = sim_pdu_decode_hex(hex, with_smsc, ra == 0 ? a.tpdu_len : -1, &b, err_b,
				sizeof(err_b));
	FUZZ_ASSERT(ra == rb);
	if (ra == 0)
		FUZZ_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
	else
		FUZZ_ASSERT(strcmp(err_a, err_b) == 0);
	if (ra == 0 && a.tpdu_len > 0) {
		/* a wrong declared length is refused */
		FUZZ_ASSERT(sim_pdu_decode_hex(hex, with_smsc, a.tpdu_len + 1, &b, NULL, 0) < 0);
	}
	free(hex);
}

static void
pdu_hex_and_alphabets(const uint8_t *p, size_t len, bool with_smsc, int declared)
{
	char *s = fuzz_cstr(p, len), out[SIM_TEXT_MAX];
	uint8_t sept[512], packed[512], again[512];
	uint16_t units[512];
	struct sim_sms m;
	char err[128];
	size_t n, slen = strlen(s), k;
	int rc;

	rc = sim_pdu_decode_hex(s, with_smsc, declared, &m, err, sizeof(err));
	if (rc == 0)
		pdu_check_decoded(&m, slen / 2);
	else
		FUZZ_ASSERT(rc == -EINVAL);

	/* septets: to UTF-8 with a small and a large buffer; pack and unpack */
	k = len < sizeof(sept) ? len : sizeof(sept);
	for (size_t i = 0; i < k; i++)
		sept[i] = p[i] & 0x7f;
	rc = sim_gsm7_to_utf8(sept, k, out, (size_t)(len ? p[0] % 64 : 0) + 1);
	FUZZ_ASSERT(rc == 0 || rc == -ENOSPC);
	FUZZ_ASSERT(fuzz_utf8_valid_str(out));
	rc = sim_gsm7_to_utf8(sept, k, out, sizeof(out));
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(fuzz_utf8_valid_str(out));
	if (k <= 400) {
		size_t shift = len ? p[len - 1] % 8 : 0;

		memset(packed, 0, sizeof(packed));
		sim_septets_pack(packed, shift, sept, k);
		sim_septets_unpack(packed, shift, k, again);
		FUZZ_ASSERT(memcmp(sept, again, k) == 0);
	}
	/* UTF-16BE to UTF-8: unpaired surrogates become U+FFFD, the result is valid */
	rc = sim_ucs2_to_utf8(p, len & ~(size_t)1, out, sizeof(out));
	FUZZ_ASSERT(rc == 0 || rc == -ENOSPC);
	FUZZ_ASSERT(fuzz_utf8_valid_str(out));
	FUZZ_ASSERT(sim_ucs2_to_utf8(p, len | 1, out, sizeof(out)) == -EINVAL || len == 0);

	/* UTF-8 to septets / UTF-16 fails exactly on invalid UTF-8 or characters outside GSM-7 */
	rc = sim_ucs2_from_utf8(s, units, sizeof(units) / sizeof(units[0]), &n);
	FUZZ_ASSERT((rc == 0) == fuzz_utf8_valid_str(s));
	rc = sim_gsm7_from_utf8(s, sept, sizeof(sept), &n);
	FUZZ_ASSERT((rc == 0) == modem_sms_fits_gsm7(s, slen));
	free(s);
}

static void
pdu_roundtrip(const uint8_t *p, size_t len)
{
	static struct sim_pdu_part parts[PDU_MAX_PARTS];
	const uint8_t *rest, *nul;
	struct modem_sms_plan plan;
	const char *smsc;
	char *from, *text, err[128];
	struct sim_sms m;
	size_t off = 0, tlen, plen;
	int64_t scts;
	int ref, n, tz;
	struct tm tm;
	time_t tt;

	if (len < 6)
		return;
	/* 2000-01-01 .. 2068: the encoder writes a two-digit year */
	scts = 946684800 + (int64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
				     (uint32_t)p[2] << 8 | p[3]) / 2;
	ref = p[4];
	smsc = pdu_smscs[p[5] & 3];
	rest = p + 6;
	nul = memchr(rest, 0, len - 6);
	if (!nul)
		return;
	from = fuzz_cstr(rest, (size_t)(nul - rest));
	text = fuzz_cstr(nul + 1, len - 6 - (size_t)(nul - rest) - 1);
	tlen = strlen(text);
	tt = (time_t)scts;
	localtime_r(&tt, &tm);
	tz = (int)(tm.tm_gmtoff / 900);	/* +07:00 is 28 quarter hours */

	n = sim_deliver_encode(smsc, from, text, scts, ref, parts, PDU_MAX_PARTS);
	if (n < 0) {
		FUZZ_ASSERT(n == -EINVAL || n == -E2BIG);
		if (n == -E2BIG)
			FUZZ_ASSERT(fuzz_utf8_valid_str(text));
		goto out;
	}
	FUZZ_ASSERT(n >= 1 && n <= PDU_MAX_PARTS);
	FUZZ_ASSERT(fuzz_utf8_valid_str(text));
	FUZZ_ASSERT(modem_sms_plan(text, tlen, &plan) == 0);
	for (int k = 0; k < n; k++) {
		int rc = sim_pdu_decode_hex(parts[k].hex, true, parts[k].tpdu_len, &m, err,
					    sizeof(err));

		if (rc != 0)
			fprintf(stderr, "part %d of %d does not decode: %s\n", k + 1, n, err);
		FUZZ_ASSERT(rc == 0);
		pdu_check_decoded(&m, (size_t)parts[k].tpdu_len);
		FUZZ_ASSERT(m.mti == SIM_MTI_DELIVER);
		FUZZ_ASSERT(m.has_smsc && strcmp(m.smsc, smsc) == 0);
		FUZZ_ASSERT(strcmp(m.addr, from) == 0);
		FUZZ_ASSERT(m.scts == scts);
		FUZZ_ASSERT(m.scts_tz == tz);
		FUZZ_ASSERT((m.enc == SIM_ENC_GSM7) == (plan.encoding == MODEM_SMS_GSM7));
		FUZZ_ASSERT(m.enc != SIM_ENC_8BIT);
		FUZZ_ASSERT(m.concat == (n > 1));
		if (n > 1) {
			FUZZ_ASSERT(m.concat_ref == ref);
			FUZZ_ASSERT(m.concat_parts == n);
			FUZZ_ASSERT(m.concat_part == k + 1);
		}
		FUZZ_ASSERT(strcmp(m.text, parts[k].text) == 0);
		plen = strlen(m.text);
		FUZZ_ASSERT(off + plen <= tlen);
		FUZZ_ASSERT(memcmp(text + off, m.text, plen) == 0);
		off += plen;
	}
	FUZZ_ASSERT(off == tlen);
	if (plan.encoding == MODEM_SMS_GSM7)
		FUZZ_ASSERT(plan.segments == n);
out:
	free(text);
	free(from);
}

/* Mode 3: a status report encoded, then decoded: the same fields. */
static void
pdu_report(const uint8_t *p, size_t len)
{
	struct sim_pdu_part part;
	const char *smsc;
	struct sim_sms m;
	char *ra, err[128];
	int64_t scts, dt;
	int mr, st, rc;

	if (len < 9)
		return;
	mr = p[0];
	st = p[1];
	scts = 946684800 + (int64_t)((uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 |
				     (uint32_t)p[4] << 8 | p[5]) / 2;
	dt = scts + (p[6] << 8 | p[7]);
	smsc = pdu_smscs[p[8] & 3];
	ra = fuzz_cstr(p + 9, len - 9);
	rc = sim_status_report_encode(smsc, mr, ra, scts, dt, st, &part);
	if (rc == 0) {
		rc = sim_pdu_decode_hex(part.hex, true, part.tpdu_len, &m, err, sizeof(err));
		if (rc != 0)
			fprintf(stderr, "the report does not decode: %s\n", err);
		FUZZ_ASSERT(rc == 0);
		pdu_check_decoded(&m, (size_t)part.tpdu_len);
		FUZZ_ASSERT(m.mti == SIM_MTI_STATUS_REPORT);
		FUZZ_ASSERT(m.mr == mr && m.st == st);
		FUZZ_ASSERT(strcmp(m.smsc, smsc) == 0);
		FUZZ_ASSERT(strcmp(m.addr, ra) == 0);
		FUZZ_ASSERT(m.scts == scts && m.dt == dt);
		FUZZ_ASSERT(strcmp(m.text, part.text) == 0);
	} else {
		FUZZ_ASSERT(rc == -EINVAL);
	}
	free(ra);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		pdu_binary(data + 1, size - 1, data[0] & 4);
		break;
	case 1:
		if (size < 2)
			return 0;
		pdu_hex_and_alphabets(data + 2, size - 2, data[0] & 4,
				      data[1] == 255 ? -1 : data[1]);
		break;
	case 2:
		pdu_roundtrip(data + 1, size - 1);
		break;
	default:
		pdu_report(data + 1, size - 1);
		break;
	}
	return 0;
}
