/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim_pdu — the simulator's own SMS PDU codec (3GPP TS 23.040 / TS 23.038), written apart from
 * libgammu on purpose: the simulator is the oracle the gateway's libgammu-based sending is checked
 * against, so it must not share libgammu's encoder or its mistakes.
 *
 * It decodes SMS-SUBMIT (what a phone sends), SMS-DELIVER and SMS-STATUS-REPORT (what it
 * receives) TPDUs, with an optional leading SMSC address as the AT command set carries it, and it
 * encodes SMS-DELIVER messages (split into concatenated parts when long) for the simulated inbox
 * and SMS-STATUS-REPORTs for delivery reports. Text is UTF-8 on
 * the outside; inside it is the GSM 7-bit default alphabet with its extension table, UCS-2
 * (UTF-16BE, surrogate pairs kept whole) or 8-bit data.
 *
 * Thread: any; no global state.
 */
#ifndef LOA_MODEM_SIM_PDU_H
#define LOA_MODEM_SIM_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_TEXT_MAX	 1024	/* UTF-8 bytes of one part's text, NUL included */
#define SIM_ADDR_MAX	 40	/* an address as text: "+84912345678" or an alphanumeric name */
#define SIM_PDU_HEX_MAX	 (2 * 200 + 1) /* hex of SMSC address + the largest TPDU, NUL included */
#define SIM_GSM7_SINGLE	 160	/* septets in a one-part GSM 7-bit message */
#define SIM_GSM7_PART	 153	/* septets of text in a concatenated part (UDH takes 7) */
#define SIM_UCS2_SINGLE	 70	/* UTF-16 units in a one-part UCS-2 message */
#define SIM_UCS2_PART	 67	/* UTF-16 units of text in a concatenated part (UDH: 6 octets) */

enum sim_enc { SIM_ENC_GSM7, SIM_ENC_8BIT, SIM_ENC_UCS2 };

/*
 * TP-MTI values we handle (the direction matters: 0 is DELIVER towards the phone, 1 SUBMIT from
 * it, 2 STATUS-REPORT towards it).
 */
enum sim_mti { SIM_MTI_DELIVER = 0, SIM_MTI_SUBMIT = 1, SIM_MTI_STATUS_REPORT = 2 };

/* TP-ST values (TS 23.040 §9.2.3.15) the simulator reports. */
#define SIM_ST_DELIVERED	0x00	/* short message received by the SME */
#define SIM_ST_PENDING		0x20	/* temporary error, SC still trying: congestion */
#define SIM_ST_FAILED		0x41	/* permanent error: incompatible destination */
#define SIM_ST_EXPIRED		0x46	/* permanent error: validity period expired */

/* A decoded message (one part). */
struct sim_sms {
	bool has_smsc;			/* an SMSC address preceded the TPDU */
	char smsc[SIM_ADDR_MAX];	/* "+84980200030", empty when absent or length 0 */
	int mti;			/* enum sim_mti */
	bool udhi;			/* TP-UDHI: user data starts with a header */
	bool srr;			/* TP-SRR (SUBMIT) / TP-SRI (DELIVER) */
	bool rp;			/* TP-RP reply path */
	bool rd;			/* SUBMIT: TP-RD reject duplicates */
	bool mms;			/* DELIVER: TP-MMS */
	int vpf;			/* SUBMIT TP-VPF: 0 none, 1 enh., 2 rel., 3 abs. */
	int vp_rel;			/* SUBMIT with VPF 2: the relative validity octet */
	int mr;				/* SUBMIT, STATUS-REPORT: TP-MR */
	char addr[SIM_ADDR_MAX];	/* TP-DA, TP-OA or TP-RA; '+' when international */
	int addr_toa;			/* type-of-address octet of addr */
	int pid;			/* TP-PID */
	int dcs;			/* TP-DCS */
	enum sim_enc enc;		/* alphabet derived from dcs */
	int64_t scts;			/* DELIVER, STATUS-REPORT: TP-SCTS as epoch seconds */
	int scts_tz;			/* its zone in quarter hours east of UTC */
	int64_t dt;			/* STATUS-REPORT: TP-DT (discharge time), epoch seconds */
	int st;				/* STATUS-REPORT: TP-ST */
	bool srq;			/* STATUS-REPORT: TP-SRQ (report of an SMS-COMMAND) */
	int udl;			/* TP-UDL (septets for GSM 7-bit, else octets) */
	int udh_len;			/* UDH octets with its length octet, 0 if none */
	bool concat;			/* a concatenation IE (0x00 or 0x08) was found */
	int concat_ref;			/* its reference number */
	int concat_parts;		/* total parts */
	int concat_part;		/* this part's number, 1-based */
	char text[SIM_TEXT_MAX];	/* UTF-8 text of this part (8-bit data as ISO-8859-1) */
	int tpdu_len;			/* octets of the TPDU (without the SMSC address) */
};

/* One encoded SMS-DELIVER part for the inbox. */
struct sim_pdu_part {
	char hex[SIM_PDU_HEX_MAX];	/* SMSC address + TPDU in upper-case hex */
	int tpdu_len;			/* octets of the TPDU, as +CMGL/+CMGR report it */
	char text[SIM_TEXT_MAX];	/* UTF-8 text carried by this part */
};

/* --- alphabets -------------------------------------------------------------------------------- */

/*
 * Convert UTF-8 to GSM 7-bit default-alphabet septets (extension characters become ESC + code).
 * Writes at most `max` septets to `out` (may be NULL to count only) and stores the count needed
 * in *n. Returns 0, -EILSEQ when a character has no GSM 7-bit form or the UTF-8 is invalid.
 */
int sim_gsm7_from_utf8(const char *utf8, uint8_t *out, size_t max, size_t *n);

/*
 * Convert `n` septets to UTF-8 in out[outlen] (always NUL-terminated). An ESC followed by a code
 * with no extension meaning shows the main-table character, as TS 23.038 asks; a trailing ESC
 * shows a space. Returns 0 or -ENOSPC when out is too small.
 */
int sim_gsm7_to_utf8(const uint8_t *septets, size_t n, char *out, size_t outlen);

/*
 * Pack `n` septets into the user-data octets `ud`, starting at septet position `shift` (the
 * septets a UDH occupies, fill bits included). The caller zeroes ud beforehand.
 */
void sim_septets_pack(uint8_t *ud, size_t shift, const uint8_t *septets, size_t n);

/* Unpack `n` septets that start at septet position `shift` of `ud`. */
void sim_septets_unpack(const uint8_t *ud, size_t shift, size_t n, uint8_t *septets);

/*
 * Convert UTF-8 to UTF-16 code units (surrogate pairs above U+FFFF). Same conventions as
 * sim_gsm7_from_utf8(); -EILSEQ on invalid UTF-8.
 */
int sim_ucs2_from_utf8(const char *utf8, uint16_t *out, size_t max, size_t *n);

/*
 * Convert UTF-16BE octets (len even) to UTF-8. An unpaired surrogate becomes U+FFFD. Returns 0,
 * -EINVAL for an odd length, -ENOSPC when out is too small.
 */
int sim_ucs2_to_utf8(const uint8_t *be, size_t len, char *out, size_t outlen);

/* --- PDUs ------------------------------------------------------------------------------------- */

/*
 * Decode hex (SMSC address first when `with_smsc`) into *out. When declared_len >= 0 it must
 * equal the TPDU length, as AT+CMGS=<length> declares it. Every length is checked against the
 * data; nothing is read past the end. Returns 0 or -EINVAL with a reason in err[errlen].
 */
int sim_pdu_decode_hex(const char *hex, bool with_smsc, int declared_len, struct sim_sms *out,
		       char *err, size_t errlen);

/* Same on binary octets. */
int sim_pdu_decode(const uint8_t *pdu, size_t len, bool with_smsc, struct sim_sms *out, char *err,
		   size_t errlen);

/*
 * Encode `text` from `from` as SMS-DELIVER parts with SMSC address `smsc` ("+8498…"), time stamp
 * `scts` (epoch seconds, shown in local time) and concatenation reference `ref` (0..255, used
 * only when several parts are needed). GSM 7-bit when the whole text fits, else UCS-2.
 * Writes up to max_parts parts. Returns the number of parts, -EINVAL for a bad address or
 * invalid UTF-8, -E2BIG when more than max_parts parts (or 255) would be needed.
 */
int sim_deliver_encode(const char *smsc, const char *from, const char *text, int64_t scts, int ref,
		       struct sim_pdu_part *parts, int max_parts);

/*
 * Encode an SMS-STATUS-REPORT (TS 23.040 §9.2.2.3) for the message `mr` sent to `recipient`:
 * first octet 0x06 (MTI 10, no more messages), TP-MR, TP-RA, TP-SCTS `scts` (when the SC took
 * the message), TP-DT `dt` (when it reached its final state), TP-ST `st`; no TP-PI. The SMSC
 * address `smsc` precedes the TPDU in out->hex; out->text says "delivered", "failed" ... for
 * the record. Returns 0 or -EINVAL for a bad address or value.
 */
int sim_status_report_encode(const char *smsc, int mr, const char *recipient, int64_t scts,
			     int64_t dt, int st, struct sim_pdu_part *out);

/* A word for a TP-ST value: "delivered", "pending", "failed" (permanent) or "unknown". */
const char *sim_st_name(int st);

/* Name of an encoding for the record: "gsm7", "8bit", "ucs2". */
const char *sim_enc_name(enum sim_enc enc);

/* Write `len` octets as upper-case hex into out (2*len+1 bytes). */
void sim_hex_encode(const uint8_t *in, size_t len, char *out);

/* Parse hex (even length, no spaces) into out[max]; returns the octet count or -EINVAL. */
int sim_hex_decode(const char *hex, uint8_t *out, size_t max);

#endif
