/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim_pdu — SMS PDU codec of the modem simulator, written from 3GPP TS 23.040 (TPDU layout,
 * addresses, user-data header) and TS 23.038 (GSM 7-bit default alphabet and its extension
 * table, data coding scheme). It is the oracle for what libgammu sends, so it shares no code with
 * libgammu.
 *
 * Septets are handled as one bit stream: septet i of the user data occupies bits 7*i .. 7*i+6,
 * least significant bit first. A user-data header of L octets occupies the first ceil(8L/7)
 * septet positions, which gives the fill bits of TS 23.040 §9.2.3.24 for free.
 *
 * Decoding never trusts a length field: every read is checked against the octets received.
 */
#include "modem/sim/sim_pdu.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GSM7_ESC 0x1b

/* TS 23.038 §6.2.1: the default alphabet, as Unicode code points (0x1B is the escape). */
static const uint16_t sim_gsm7_main[128] = {
	0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec, /* 0x00 */
	0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5, /* 0x08 */
	0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8, /* 0x10 */
	0x03a3, 0x0398, 0x039e, 0xffff, 0x00c6, 0x00e6, 0x00df, 0x00c9, /* 0x18 */
	0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027, /* 0x20 */
	0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f, /* 0x28 */
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, /* 0x30 */
	0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f, /* 0x38 */
	0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, /* 0x40 */
	0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f, /* 0x48 */
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057, /* 0x50 */
	0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7, /* 0x58 */
	0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, /* 0x60 */
	0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f, /* 0x68 */
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, /* 0x70 */
	0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0, /* 0x78 */
};

/* TS 23.038 §6.2.1.1: the default extension table (code after ESC -> code point). */
static const struct {
	uint8_t code;
	uint16_t cp;
} sim_gsm7_ext[] = {
	{ 0x0a, 0x000c }, { 0x14, 0x005e }, { 0x28, 0x007b }, { 0x29, 0x007d }, { 0x2f, 0x005c },
	{ 0x3c, 0x005b }, { 0x3d, 0x007e }, { 0x3e, 0x005d }, { 0x40, 0x007c }, { 0x65, 0x20ac },
};
#define SIM_GSM7_EXT_COUNT (sizeof(sim_gsm7_ext) / sizeof(sim_gsm7_ext[0]))

static void
sim_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *
sim_enc_name(enum sim_enc enc)
{
	switch (enc) {
	case SIM_ENC_GSM7:
		return "gsm7";
	case SIM_ENC_8BIT:
		return "8bit";
	case SIM_ENC_UCS2:
		return "ucs2";
	}
	return "?";
}

/* --- UTF-8 ------------------------------------------------------------------------------------ */

/* Read one code point at *p and advance; 0 at the end; -EILSEQ on invalid UTF-8. */
static int
sim_utf8_next(const unsigned char **p, uint32_t *cp)
{
	const unsigned char *s = *p;
	uint32_t c, min;
	int extra;

	if (!*s)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		*p = s + 1;
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		c = s[0] & 0x1f, extra = 1, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		c = s[0] & 0x0f, extra = 2, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		c = s[0] & 0x07, extra = 3, min = 0x10000;
	} else {
		return -EILSEQ;
	}
	for (int i = 1; i <= extra; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -EILSEQ;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -EILSEQ;
	*cp = c;
	*p = s + 1 + extra;
	return 1;
}

/* Append code point cp to out[outlen] at *pos, keeping a NUL after it. */
static int
sim_utf8_put(uint32_t cp, char *out, size_t outlen, size_t *pos)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = 0xc0 | (cp >> 6), b[1] = 0x80 | (cp & 0x3f), n = 2;
	} else if (cp < 0x10000) {
		b[0] = 0xe0 | (cp >> 12), b[1] = 0x80 | ((cp >> 6) & 0x3f);
		b[2] = 0x80 | (cp & 0x3f), n = 3;
	} else {
		b[0] = 0xf0 | (cp >> 18), b[1] = 0x80 | ((cp >> 12) & 0x3f);
		b[2] = 0x80 | ((cp >> 6) & 0x3f), b[3] = 0x80 | (cp & 0x3f), n = 4;
	}
	if (*pos + n + 1 > outlen)
		return -ENOSPC;
	memcpy(out + *pos, b, n);
	*pos += n;
	out[*pos] = '\0';
	return 0;
}

/* --- GSM 7-bit -------------------------------------------------------------------------------- */

/* Septet(s) for code point cp: returns 1 or 2 (ESC + code), 0 when not representable. */
static int
sim_gsm7_lookup(uint32_t cp, uint8_t sept[2])
{
	for (int i = 0; i < 128; i++) {
		if (i != GSM7_ESC && sim_gsm7_main[i] == cp) {
			sept[0] = (uint8_t)i;
			return 1;
		}
	}
	for (size_t i = 0; i < SIM_GSM7_EXT_COUNT; i++) {
		if (sim_gsm7_ext[i].cp == cp) {
			sept[0] = GSM7_ESC;
			sept[1] = sim_gsm7_ext[i].code;
			return 2;
		}
	}
	return 0;
}

int
sim_gsm7_from_utf8(const char *utf8, uint8_t *out, size_t max, size_t *n)
{
	const unsigned char *p = (const unsigned char *)utf8;
	size_t count = 0;
	uint32_t cp;
	uint8_t sept[2];
	int r, k;

	while ((r = sim_utf8_next(&p, &cp)) > 0) {
		k = sim_gsm7_lookup(cp, sept);
		if (k == 0)
			return -EILSEQ;
		for (int i = 0; i < k; i++, count++)
			if (out && count < max)
				out[count] = sept[i];
	}
	if (r < 0)
		return r;
	*n = count;
	return 0;
}

int
sim_gsm7_to_utf8(const uint8_t *septets, size_t n, char *out, size_t outlen)
{
	size_t pos = 0;
	uint32_t cp;

	if (outlen == 0)
		return -ENOSPC;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		uint8_t s = septets[i] & 0x7f;

		if (s == GSM7_ESC) {
			if (i + 1 >= n) {
				cp = ' ';
			} else {
				uint8_t c = septets[++i] & 0x7f;

				cp = c == GSM7_ESC ? ' ' : sim_gsm7_main[c];
				for (size_t e = 0; e < SIM_GSM7_EXT_COUNT; e++)
					if (sim_gsm7_ext[e].code == c)
						cp = sim_gsm7_ext[e].cp;
			}
		} else {
			cp = sim_gsm7_main[s];
		}
		if (sim_utf8_put(cp, out, outlen, &pos) < 0)
			return -ENOSPC;
	}
	return 0;
}

void
sim_septets_pack(uint8_t *ud, size_t shift, const uint8_t *septets, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t bit = (shift + i) * 7;
		unsigned v = (unsigned)(septets[i] & 0x7f) << (bit % 8);

		ud[bit / 8] |= (uint8_t)(v & 0xff);
		if (v >> 8)
			ud[bit / 8 + 1] |= (uint8_t)(v >> 8);
	}
}

void
sim_septets_unpack(const uint8_t *ud, size_t shift, size_t n, uint8_t *septets)
{
	for (size_t i = 0; i < n; i++) {
		size_t bit = (shift + i) * 7;
		unsigned v = ud[bit / 8] >> (bit % 8);

		/* the septet spills into the next octet only when it starts past bit 1 */
		if (bit % 8 > 1)
			v |= (unsigned)ud[bit / 8 + 1] << (8 - bit % 8);
		septets[i] = v & 0x7f;
	}
}

/* --- UCS-2 / UTF-16 --------------------------------------------------------------------------- */

int
sim_ucs2_from_utf8(const char *utf8, uint16_t *out, size_t max, size_t *n)
{
	const unsigned char *p = (const unsigned char *)utf8;
	size_t count = 0;
	uint32_t cp;
	int r;

	while ((r = sim_utf8_next(&p, &cp)) > 0) {
		uint16_t u[2];
		int k = 1;

		if (cp >= 0x10000) {
			cp -= 0x10000;
			u[0] = (uint16_t)(0xd800 | (cp >> 10));
			u[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
			k = 2;
		} else {
			u[0] = (uint16_t)cp;
		}
		for (int i = 0; i < k; i++, count++)
			if (out && count < max)
				out[count] = u[i];
	}
	if (r < 0)
		return r;
	*n = count;
	return 0;
}

int
sim_ucs2_to_utf8(const uint8_t *be, size_t len, char *out, size_t outlen)
{
	size_t pos = 0;

	if (outlen == 0)
		return -ENOSPC;
	out[0] = '\0';
	if (len % 2)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 2) {
		uint32_t cp = (uint32_t)be[i] << 8 | be[i + 1];

		if (cp >= 0xd800 && cp <= 0xdbff && i + 3 < len) {
			uint32_t lo = (uint32_t)be[i + 2] << 8 | be[i + 3];

			if (lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
		}
		if (cp >= 0xd800 && cp <= 0xdfff)
			cp = 0xfffd;
		if (sim_utf8_put(cp, out, outlen, &pos) < 0)
			return -ENOSPC;
	}
	return 0;
}

/* --- hex -------------------------------------------------------------------------------------- */

void
sim_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int
sim_hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
sim_hex_decode(const char *hex, uint8_t *out, size_t max)
{
	size_t len = strlen(hex);

	if (len % 2 || len / 2 > max)
		return -EINVAL;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = sim_hex_nibble(hex[2 * i]), lo = sim_hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

/* --- addresses (TS 23.040 §9.1.2.5) ----------------------------------------------------------- */

/* Semi-octet digits of `octets` octets, at most `ndigits`; an F nibble ends them (filler). */
static int
sim_bcd_to_str(const uint8_t *p, size_t ndigits, char *out, size_t outlen, size_t pos)
{
	static const char map[] = "0123456789*#abc";

	for (size_t i = 0; i < ndigits; i++) {
		int d = (i % 2) ? p[i / 2] >> 4 : p[i / 2] & 0x0f;

		if (d == 0x0f) {
			/* only a filler in the last nibble of an odd count is allowed */
			if (i != ndigits - 1 || i % 2 == 0)
				return -EINVAL;
			break;
		}
		if (pos + 2 > outlen)
			return -EINVAL;
		out[pos++] = map[d];
		out[pos] = '\0';
	}
	return 0;
}

/*
 * Decode a TP address (first octet: useful semi-octets) at p[avail]. Stores the octets used in
 * *used. Returns 0 or -EINVAL.
 */
static int
sim_addr_decode(const uint8_t *p, size_t avail, size_t *used, char *out, int *toa)
{
	size_t ndig, octets;

	if (avail < 2)
		return -EINVAL;
	ndig = p[0];
	if (ndig > 20)
		return -EINVAL;
	octets = (ndig + 1) / 2;
	if (avail < 2 + octets)
		return -EINVAL;
	*toa = p[1];
	*used = 2 + octets;
	out[0] = '\0';
	if (((p[1] >> 4) & 7) == 5) {
		/* alphanumeric: GSM 7-bit packed, ndig*4 bits */
		uint8_t sept[24];
		size_t n = ndig * 4 / 7;

		sim_septets_unpack(p + 2, 0, n, sept);
		return sim_gsm7_to_utf8(sept, n, out, SIM_ADDR_MAX) ? -EINVAL : 0;
	}
	if (((p[1] >> 4) & 7) == 1)
		strcpy(out, "+");
	/* the filler of an odd count sits in a nibble past ndig: decode ndig digits exactly */
	return sim_bcd_to_str(p + 2, ndig, out, SIM_ADDR_MAX, strlen(out));
}

/* SMSC address (first octet: octets that follow, TOA included; 0 = none). */
static int
sim_smsc_decode(const uint8_t *p, size_t avail, size_t *used, char *out)
{
	size_t l;

	if (avail < 1)
		return -EINVAL;
	l = p[0];
	out[0] = '\0';
	*used = 1 + l;
	if (l == 0)
		return 0;
	if (l > 11 || avail < 1 + l)
		return -EINVAL;
	if (((p[1] >> 4) & 7) == 1)
		strcpy(out, "+");
	return sim_bcd_to_str(p + 2, 2 * (l - 1), out, SIM_ADDR_MAX, strlen(out));
}

/* Semi-octet swapped BCD of 0..99. */
static uint8_t
sim_bcd_swap(int v)
{
	return (uint8_t)(((v % 10) << 4) | (v / 10 % 10));
}

static int
sim_bcd_unswap(uint8_t o)
{
	return (o & 0x0f) * 10 + (o >> 4);
}

/* Write a digit string as swapped BCD with an F filler; returns octets written. */
static size_t
sim_digits_encode(const char *digits, uint8_t *out)
{
	size_t n = strlen(digits);

	for (size_t i = 0; i < n; i += 2) {
		uint8_t lo = (uint8_t)(digits[i] - '0');
		uint8_t hi = i + 1 < n ? (uint8_t)(digits[i + 1] - '0') : 0x0f;

		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (n + 1) / 2;
}

static bool
sim_all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Encode an SMSC address with its octet-count prefix; returns octets or -EINVAL. */
static int
sim_smsc_encode(const char *smsc, uint8_t *out)
{
	bool intl = smsc[0] == '+';
	const char *d = smsc + intl;

	if (!*smsc) {
		out[0] = 0;
		return 1;
	}
	if (!sim_all_digits(d, 1, 20))
		return -EINVAL;
	out[1] = intl ? 0x91 : 0x81;
	size_t n = sim_digits_encode(d, out + 2);

	out[0] = (uint8_t)(n + 1);
	return (int)n + 2;
}

/* Encode an originating address; returns octets or -EINVAL. */
static int
sim_oa_encode(const char *from, uint8_t *out)
{
	if (from[0] == '+') {
		if (!sim_all_digits(from + 1, 1, 20))
			return -EINVAL;
		out[0] = (uint8_t)strlen(from + 1);
		out[1] = 0x91;
		return 2 + (int)sim_digits_encode(from + 1, out + 2);
	}
	if (sim_all_digits(from, 1, 20)) {
		out[0] = (uint8_t)strlen(from);
		out[1] = 0xa1; /* national number, ISDN plan */
		return 2 + (int)sim_digits_encode(from, out + 2);
	}
	uint8_t sept[32];
	size_t n;

	if (sim_gsm7_from_utf8(from, sept, sizeof(sept), &n) < 0 || n == 0 || n > 11)
		return -EINVAL;
	memset(out + 2, 0, 10);
	sim_septets_pack(out + 2, 0, sept, n);
	out[0] = (uint8_t)((n * 7 + 3) / 4);	/* useful semi-octets */
	out[1] = 0xd0;				/* TON 5 alphanumeric, NPI 0 */
	return 2 + (int)((n * 7 + 7) / 8);
}

/* --- decoding --------------------------------------------------------------------------------- */

/* TS 23.038 §4: alphabet of a DCS. -ENOTSUP for compressed text. */
static int
sim_dcs_alphabet(int dcs, enum sim_enc *enc)
{
	int group = dcs >> 4;

	*enc = SIM_ENC_GSM7;
	if ((group & 0x0c) == 0x00 || (group & 0x0c) == 0x04) {
		if (dcs & 0x20)
			return -ENOTSUP;
		switch ((dcs >> 2) & 3) {
		case 1:
			*enc = SIM_ENC_8BIT;
			break;
		case 2:
			*enc = SIM_ENC_UCS2;
			break;
		default: /* 0, and reserved 3 which is taken as the default alphabet */
			break;
		}
	} else if (group == 0x0e) {
		*enc = SIM_ENC_UCS2;
	} else if (group == 0x0f) {
		*enc = (dcs & 0x04) ? SIM_ENC_8BIT : SIM_ENC_GSM7;
	}
	return 0;
}

static int64_t
sim_scts_decode(const uint8_t *p, int *tz)
{
	struct tm tm = { 0 };
	int q = (p[6] & 0x07) * 10 + (p[6] >> 4);

	if (p[6] & 0x08)
		q = -q;
	*tz = q;
	tm.tm_year = 100 + sim_bcd_unswap(p[0]);
	tm.tm_mon = sim_bcd_unswap(p[1]) - 1;
	tm.tm_mday = sim_bcd_unswap(p[2]);
	tm.tm_hour = sim_bcd_unswap(p[3]);
	tm.tm_min = sim_bcd_unswap(p[4]);
	tm.tm_sec = sim_bcd_unswap(p[5]);
	return (int64_t)timegm(&tm) - (int64_t)q * 15 * 60;
}

/* Parse the UDH information elements of ud[0..udh_len). */
static int
sim_udh_parse(const uint8_t *ud, size_t udh_len, struct sim_sms *m, char *err, size_t errlen)
{
	size_t pos = 1;

	while (pos < udh_len) {
		if (pos + 2 > udh_len) {
			sim_err(err, errlen, "truncated UDH element");
			return -EINVAL;
		}
		uint8_t iei = ud[pos], iel = ud[pos + 1];
		const uint8_t *v = ud + pos + 2;

		if (pos + 2 + iel > udh_len) {
			sim_err(err, errlen, "UDH element 0x%02x longer than the UDH", iei);
			return -EINVAL;
		}
		if ((iei == 0x00 && iel == 3) || (iei == 0x08 && iel == 4)) {
			int off = iei == 0x08;

			m->concat = true;
			m->concat_ref = off ? (v[0] << 8 | v[1]) : v[0];
			m->concat_parts = v[1 + off];
			m->concat_part = v[2 + off];
			if (m->concat_parts == 0 || m->concat_part == 0 ||
			    m->concat_part > m->concat_parts) {
				sim_err(err, errlen, "concatenation part %d of %d", m->concat_part,
					m->concat_parts);
				return -EINVAL;
			}
		} else if (iei == 0x00 || iei == 0x08) {
			sim_err(err, errlen, "concatenation element of length %d", iel);
			return -EINVAL;
		}
		pos += 2 + iel;
	}
	return 0;
}

/*
 * The rest of an SMS-STATUS-REPORT after its first octet at p[pos]: TP-MR, TP-RA, TP-SCTS, TP-DT,
 * TP-ST, then the optional TP-PI with TP-PID, TP-DCS and TP-UDL / TP-UD, whose text is not kept.
 */
static int
sim_report_decode(const uint8_t *p, size_t len, size_t pos, size_t start, uint8_t fo,
		  struct sim_sms *m, char *err, size_t errlen)
{
	size_t used;
	int tz;

	m->mms = fo & 0x04;
	m->srq = fo & 0x20;
	m->srr = false;
	if (pos >= len)
		goto short_pdu;
	m->mr = p[pos++];
	if (sim_addr_decode(p + pos, len - pos, &used, m->addr, &m->addr_toa) < 0) {
		sim_err(err, errlen, "bad TP-RA address");
		return -EINVAL;
	}
	pos += used;
	if (pos + 15 > len)
		goto short_pdu;
	m->scts = sim_scts_decode(p + pos, &m->scts_tz);
	m->dt = sim_scts_decode(p + pos + 7, &tz);
	m->st = p[pos + 14];
	pos += 15;
	if (pos < len) {
		uint8_t pi = p[pos++];

		if (pi & 0x01) {
			if (pos >= len)
				goto short_pdu;
			m->pid = p[pos++];
		}
		if (pi & 0x02) {
			if (pos >= len)
				goto short_pdu;
			m->dcs = p[pos++];
		}
		if (pi & 0x04) {
			if (pos >= len)
				goto short_pdu;
			m->udl = p[pos++];
			pos = len;	/* the user data of a report is not interpreted */
		}
		if (pos != len) {
			sim_err(err, errlen, "%zu octets after the status report", len - pos);
			return -EINVAL;
		}
	}
	m->tpdu_len = (int)(len - start);
	snprintf(m->text, sizeof(m->text), "%s", sim_st_name(m->st));
	return 0;

short_pdu:
	sim_err(err, errlen, "status report ends early (%zu octets)", len - start);
	return -EINVAL;
}

int
sim_pdu_decode(const uint8_t *p, size_t len, bool with_smsc, struct sim_sms *m, char *err,
	       size_t errlen)
{
	size_t pos = 0, used, start, ud_octets;
	const uint8_t *ud;

	memset(m, 0, sizeof(*m));
	if (with_smsc) {
		if (sim_smsc_decode(p, len, &used, m->smsc) < 0) {
			sim_err(err, errlen, "bad SMSC address");
			return -EINVAL;
		}
		m->has_smsc = true;
		pos = used;
	}
	start = pos;
	if (pos >= len) {
		sim_err(err, errlen, "empty TPDU");
		return -EINVAL;
	}
	uint8_t fo = p[pos++];

	m->mti = fo & 3;
	m->udhi = fo & 0x40;
	m->rp = fo & 0x80;
	m->srr = fo & 0x20;
	if (m->mti == SIM_MTI_SUBMIT) {
		m->rd = fo & 0x04;
		m->vpf = (fo >> 3) & 3;
		if (pos >= len)
			goto short_pdu;
		m->mr = p[pos++];
	} else if (m->mti == SIM_MTI_DELIVER) {
		m->mms = fo & 0x04;
	} else if (m->mti == SIM_MTI_STATUS_REPORT) {
		return sim_report_decode(p, len, pos, start, fo, m, err, errlen);
	} else {
		sim_err(err, errlen, "unsupported TP-MTI %d", m->mti);
		return -EINVAL;
	}
	if (sim_addr_decode(p + pos, len - pos, &used, m->addr, &m->addr_toa) < 0) {
		sim_err(err, errlen, "bad %s address",
			m->mti == SIM_MTI_SUBMIT ? "TP-DA" : "TP-OA");
		return -EINVAL;
	}
	pos += used;
	if (pos + 2 > len)
		goto short_pdu;
	m->pid = p[pos++];
	m->dcs = p[pos++];
	if (sim_dcs_alphabet(m->dcs, &m->enc) < 0) {
		sim_err(err, errlen, "compressed text (DCS 0x%02x) is not supported", m->dcs);
		return -EINVAL;
	}
	if (m->mti == SIM_MTI_SUBMIT) {
		size_t vplen = m->vpf == 2 ? 1 : m->vpf ? 7 : 0;

		if (pos + vplen > len)
			goto short_pdu;
		if (m->vpf == 2)
			m->vp_rel = p[pos];
		pos += vplen;
	} else {
		if (pos + 7 > len)
			goto short_pdu;
		m->scts = sim_scts_decode(p + pos, &m->scts_tz);
		pos += 7;
	}
	if (pos >= len)
		goto short_pdu;
	m->udl = p[pos++];
	if (m->enc == SIM_ENC_GSM7) {
		if (m->udl > 160) {
			sim_err(err, errlen, "TP-UDL %d septets exceeds 160", m->udl);
			return -EINVAL;
		}
		ud_octets = ((size_t)m->udl * 7 + 7) / 8;
	} else {
		if (m->udl > 140) {
			sim_err(err, errlen, "TP-UDL %d octets exceeds 140", m->udl);
			return -EINVAL;
		}
		ud_octets = (size_t)m->udl;
	}
	if (pos + ud_octets > len) {
		sim_err(err, errlen, "user data shorter than TP-UDL %d", m->udl);
		return -EINVAL;
	}
	if (pos + ud_octets < len) {
		sim_err(err, errlen, "%zu octets after the user data", len - pos - ud_octets);
		return -EINVAL;
	}
	ud = p + pos;
	m->tpdu_len = (int)(len - start);

	if (m->udhi) {
		if (ud_octets < 1 || (size_t)ud[0] + 1 > ud_octets) {
			sim_err(err, errlen, "UDH longer than the user data");
			return -EINVAL;
		}
		m->udh_len = ud[0] + 1;
		if (sim_udh_parse(ud, (size_t)m->udh_len, m, err, errlen) < 0)
			return -EINVAL;
	}

	if (m->enc == SIM_ENC_GSM7) {
		size_t hs = ((size_t)m->udh_len * 8 + 6) / 7;
		uint8_t sept[160];

		if (hs > (size_t)m->udl) {
			sim_err(err, errlen, "UDH longer than TP-UDL");
			return -EINVAL;
		}
		sim_septets_unpack(ud, hs, (size_t)m->udl - hs, sept);
		if (sim_gsm7_to_utf8(sept, (size_t)m->udl - hs, m->text, sizeof(m->text)) < 0)
			goto too_long;
	} else if (m->enc == SIM_ENC_UCS2) {
		size_t n = (size_t)m->udl - (size_t)m->udh_len;

		if (n % 2) {
			sim_err(err, errlen, "odd UCS-2 length %zu", n);
			return -EINVAL;
		}
		if (sim_ucs2_to_utf8(ud + m->udh_len, n, m->text, sizeof(m->text)) < 0)
			goto too_long;
	} else {
		size_t tpos = 0;

		for (int i = m->udh_len; i < m->udl; i++)
			if (sim_utf8_put(ud[i], m->text, sizeof(m->text), &tpos) < 0)
				goto too_long;
	}
	return 0;

short_pdu:
	sim_err(err, errlen, "TPDU ends early (%zu octets)", len - start);
	return -EINVAL;
too_long:
	sim_err(err, errlen, "text too long");
	return -EINVAL;
}

int
sim_pdu_decode_hex(const char *hex, bool with_smsc, int declared_len, struct sim_sms *out,
		   char *err, size_t errlen)
{
	uint8_t buf[(SIM_PDU_HEX_MAX - 1) / 2];
	int n = sim_hex_decode(hex, buf, sizeof(buf));

	if (n < 0) {
		memset(out, 0, sizeof(*out));
		sim_err(err, errlen, "not an even-length hex string of at most %zu octets",
			sizeof(buf));
		return -EINVAL;
	}
	if (sim_pdu_decode(buf, (size_t)n, with_smsc, out, err, errlen) < 0)
		return -EINVAL;
	if (declared_len >= 0 && declared_len != out->tpdu_len) {
		sim_err(err, errlen, "declared length %d, TPDU has %d octets", declared_len,
			out->tpdu_len);
		return -EINVAL;
	}
	return 0;
}

/* --- encoding SMS-DELIVER --------------------------------------------------------------------- */

static void
sim_scts_encode(int64_t t, uint8_t *out)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	long q = tm.tm_gmtoff / 900;
	long a = q < 0 ? -q : q;

	out[0] = sim_bcd_swap(tm.tm_year % 100);
	out[1] = sim_bcd_swap(tm.tm_mon + 1);
	out[2] = sim_bcd_swap(tm.tm_mday);
	out[3] = sim_bcd_swap(tm.tm_hour);
	out[4] = sim_bcd_swap(tm.tm_min);
	out[5] = sim_bcd_swap(tm.tm_sec);
	out[6] = (uint8_t)(sim_bcd_swap((int)a) | (q < 0 ? 0x08 : 0));
}

/* Text units [from, to) of each part: never splits an escape sequence or a surrogate pair. */
static int
sim_split(const void *units, bool gsm7, size_t n, size_t per_part, size_t *bounds, int max)
{
	const uint8_t *s = units;
	const uint16_t *u = units;
	size_t start = 0, i = 0;
	int parts = 0;

	bounds[0] = 0;
	while (i < n) {
		size_t w = 1;

		if (gsm7 && s[i] == GSM7_ESC && i + 1 < n)
			w = 2;
		else if (!gsm7 && u[i] >= 0xd800 && u[i] <= 0xdbff && i + 1 < n)
			w = 2;
		if (i + w - start > per_part) {
			if (++parts >= max)
				return -E2BIG;
			bounds[parts] = start = i;
		}
		i += w;
	}
	bounds[++parts] = n;
	return parts;
}

int
sim_deliver_encode(const char *smsc, const char *from, const char *text, int64_t scts, int ref,
		   struct sim_pdu_part *parts, int max_parts)
{
	uint8_t sca[12], oa[12], ts[7];
	int sca_len, oa_len, nparts, ret;
	size_t n, *bounds = NULL;
	bool gsm7 = sim_gsm7_from_utf8(text, NULL, 0, &n) == 0;
	void *units = NULL;

	sca_len = sim_smsc_encode(smsc, sca);
	oa_len = sim_oa_encode(from, oa);
	if (sca_len < 0 || oa_len < 0)
		return -EINVAL;
	if (!gsm7 && sim_ucs2_from_utf8(text, NULL, 0, &n) < 0)
		return -EINVAL;
	if (max_parts > 255)
		max_parts = 255;
	units = gsm7 ? malloc(n + 1) : malloc((n + 1) * sizeof(uint16_t));
	bounds = calloc((size_t)max_parts + 2, sizeof(*bounds));
	if (!units || !bounds) {
		ret = -ENOMEM;
		goto out;
	}
	if (gsm7)
		sim_gsm7_from_utf8(text, units, n, &n);
	else
		sim_ucs2_from_utf8(text, units, n, &n);

	if (n <= (gsm7 ? SIM_GSM7_SINGLE : SIM_UCS2_SINGLE)) {
		bounds[0] = 0, bounds[1] = n, nparts = 1;
	} else {
		nparts = sim_split(units, gsm7, n, gsm7 ? SIM_GSM7_PART : SIM_UCS2_PART, bounds,
				   max_parts);
		if (nparts < 0) {
			ret = nparts;
			goto out;
		}
	}
	if (nparts > max_parts) {
		ret = -E2BIG;
		goto out;
	}
	sim_scts_encode(scts, ts);

	for (int k = 0; k < nparts; k++) {
		uint8_t tpdu[200] = { 0 };
		size_t pos = 0, cnt = bounds[k + 1] - bounds[k], udh = nparts > 1 ? 6 : 0;
		struct sim_pdu_part *pt = &parts[k];

		tpdu[pos++] = (uint8_t)(0x04 | (nparts > 1 ? 0x40 : 0)); /* DELIVER, MMS, UDHI */
		memcpy(tpdu + pos, oa, (size_t)oa_len);
		pos += (size_t)oa_len;
		tpdu[pos++] = 0x00;			/* PID */
		tpdu[pos++] = gsm7 ? 0x00 : 0x08;	/* DCS */
		memcpy(tpdu + pos, ts, 7);
		pos += 7;
		uint8_t *udl = &tpdu[pos++], *ud = &tpdu[pos];

		if (udh) {
			ud[0] = 5, ud[1] = 0x00, ud[2] = 3;
			ud[3] = (uint8_t)ref, ud[4] = (uint8_t)nparts, ud[5] = (uint8_t)(k + 1);
		}
		if (gsm7) {
			const uint8_t *s = (const uint8_t *)units + bounds[k];
			size_t hs = (udh * 8 + 6) / 7;

			sim_septets_pack(ud, hs, s, cnt);
			*udl = (uint8_t)(hs + cnt);
			pos += ((hs + cnt) * 7 + 7) / 8;
			sim_gsm7_to_utf8(s, cnt, pt->text, sizeof(pt->text));
		} else {
			const uint16_t *u = (const uint16_t *)units + bounds[k];

			for (size_t i = 0; i < cnt; i++) {
				ud[udh + 2 * i] = (uint8_t)(u[i] >> 8);
				ud[udh + 2 * i + 1] = (uint8_t)(u[i] & 0xff);
			}
			*udl = (uint8_t)(udh + 2 * cnt);
			pos += udh + 2 * cnt;
			sim_ucs2_to_utf8(ud + udh, 2 * cnt, pt->text, sizeof(pt->text));
		}
		sim_hex_encode(sca, (size_t)sca_len, pt->hex);
		sim_hex_encode(tpdu, pos, pt->hex + 2 * sca_len);
		pt->tpdu_len = (int)pos;
	}
	ret = nparts;
out:
	free(units);
	free(bounds);
	return ret;
}

/* --- encoding SMS-STATUS-REPORT --------------------------------------------------------------- */

const char *
sim_st_name(int st)
{
	if (st >= 0 && st <= 0x1f)
		return st <= 0x02 ? "delivered" : "unknown";
	if (st >= 0x20 && st <= 0x3f)
		return "pending";
	if (st >= 0x40 && st <= 0x7f)
		return "failed";
	return "unknown";
}

int
sim_status_report_encode(const char *smsc, int mr, const char *recipient, int64_t scts,
			 int64_t dt, int st, struct sim_pdu_part *out)
{
	uint8_t sca[12], tpdu[40];
	int sca_len, ra_len;
	size_t pos = 0;

	if (mr < 0 || mr > 255 || st < 0 || st > 255)
		return -EINVAL;
	sca_len = sim_smsc_encode(smsc, sca);
	if (sca_len < 0)
		return -EINVAL;
	tpdu[pos++] = 0x06;		/* STATUS-REPORT, TP-MMS: no more messages, TP-SRQ 0 */
	tpdu[pos++] = (uint8_t)mr;
	ra_len = sim_oa_encode(recipient, tpdu + pos);
	if (ra_len < 0)
		return -EINVAL;
	pos += (size_t)ra_len;
	sim_scts_encode(scts, tpdu + pos);
	pos += 7;
	sim_scts_encode(dt, tpdu + pos);
	pos += 7;
	tpdu[pos++] = (uint8_t)st;
	sim_hex_encode(sca, (size_t)sca_len, out->hex);
	sim_hex_encode(tpdu, pos, out->hex + 2 * sca_len);
	out->tpdu_len = (int)pos;
	snprintf(out->text, sizeof(out->text), "%s", sim_st_name(st));
	return 0;
}
