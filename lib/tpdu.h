/*
 * tpdu.h - SMS transfer layer PDUs (3GPP TS 23.040 §9.2.2).
 *
 *   SC -> MS: SMS-DELIVER (§9.2.2.1), SMS-SUBMIT-REPORT (§9.2.2.2a),
 *             SMS-STATUS-REPORT (§9.2.2.3)
 *   MS -> SC: SMS-SUBMIT (§9.2.2.2), SMS-DELIVER-REPORT (§9.2.2.1a),
 *             SMS-COMMAND (§9.2.2.4)
 *
 * TP-MTI (§9.2.3.1) means different things per direction, so decoding
 * needs the direction (or an explicit type).  The two report TPDUs have an
 * RP-ACK form and an RP-ERROR form (the latter with TP-FCS after the first
 * octet); which one a TPDU is travels in the RP layer, not in the TPDU.
 *
 * User data (§9.2.3.16, §9.2.3.24): the TPDU layer keeps the user data
 * header as raw bytes (UDHL octet included; lib/udh.h parses them) and the
 * body after it: unpacked septets for uncompressed GSM 7-bit, octets
 * otherwise.  For GSM 7-bit, TP-UDL counts septets including the header
 * and its fill bits; the body starts on the first septet boundary after
 * the header.  A canonical TPDU re-encodes byte for byte:
 * stk_tpdu_encode(stk_tpdu_decode(x)) == x.
 *
 * Diagnostics name the field ("TP-MTI", "TP-OA", "TP-DA", "TP-RA",
 * "TP-SCTS", "TP-DT", "TP-VP", "TP-ST", "TP-PI", "TP-FCS", "TP-PID",
 * "TP-DCS", "TP-UDL", "TP-UDHL", "TP-UD", "TP-CDL", "TP-CD") and the
 * absolute offset in the input.
 */
#ifndef STKAUTH_TPDU_H
#define STKAUTH_TPDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "err.h"
#include "sms_addr.h"
#include "sms_dcs.h"
#include "sms_time.h"

enum stk_sms_dir {
	STK_DIR_MS_TO_SC = 0,		/* mobile originated */
	STK_DIR_SC_TO_MS = 1,		/* mobile terminated */
};

enum stk_tpdu_type {
	STK_TPDU_DELIVER = 0,		/* SC->MS, MTI 00 */
	STK_TPDU_DELIVER_REPORT = 1,	/* MS->SC, MTI 00 */
	STK_TPDU_SUBMIT = 2,		/* MS->SC, MTI 01 */
	STK_TPDU_SUBMIT_REPORT = 3,	/* SC->MS, MTI 01 */
	STK_TPDU_STATUS_REPORT = 4,	/* SC->MS, MTI 10 */
	STK_TPDU_COMMAND = 5,		/* MS->SC, MTI 10 */
};

/* Limits of the user data (§9.2.3.16) and command data (§9.2.3.21). */
#define STK_UD_MAX_OCTETS 140
#define STK_UD_MAX_SEPTETS 160
#define STK_CD_MAX_OCTETS 157

/* TP-PI bits (§9.2.3.27). */
#define STK_PI_PID 0x01
#define STK_PI_DCS 0x02
#define STK_PI_UDL 0x04
#define STK_PI_EXTENSION 0x80

/* TP-PID values with a meaning of their own (§9.2.3.9). */
#define STK_PID_DEFAULT 0x00
#define STK_PID_SM_TYPE_0 0x40
#define STK_PID_REPLACE_1 0x41		/* .. 0x47 replace short message 1-7 */
#define STK_PID_RETURN_CALL 0x5f
#define STK_PID_ANSI136_RDATA 0x7c
#define STK_PID_ME_DOWNLOAD 0x7d
#define STK_PID_ME_DEPERSONALIZE 0x7e
#define STK_PID_SIM_DOWNLOAD 0x7f	/* (U)SIM data download */

struct stk_tpdu {
	uint8_t type;			/* enum stk_tpdu_type */
	bool rp_error;			/* report TPDUs: RP-ERROR form (TP-FCS) */

	/*
	 * First octet.  Which flags exist depends on the type (§9.2.2);
	 * the encoder ignores flags the type does not have.
	 */
	bool mms;	/* DELIVER, STATUS-REPORT: TP-MMS bit as on the wire;
			 * 1 = no more messages waiting (§9.2.3.2) */
	bool lp;	/* DELIVER, STATUS-REPORT: loop prevention (§9.2.3.28) */
	bool rd;	/* SUBMIT: reject duplicates (§9.2.3.25) */
	uint8_t vpf;	/* SUBMIT: enum stk_vpf (also in vp.vpf, must agree) */
	bool sri;	/* DELIVER: status report indication (§9.2.3.4) */
	bool srr;	/* SUBMIT, COMMAND: status report request (§9.2.3.5) */
	bool srq;	/* STATUS-REPORT: qualifier, 1 = result of a COMMAND */
	bool udhi;	/* TP-UDHI (§9.2.3.23), must agree with udh_len != 0 */
	bool rp;	/* DELIVER, SUBMIT: reply path (§9.2.3.17) */
	/* First-octet bits unused by the type, kept for re-encoding. */
	uint8_t spare_bits;

	uint8_t mr;			/* SUBMIT, STATUS-REPORT, COMMAND */
	/* TP-OA (DELIVER), TP-DA (SUBMIT, COMMAND), TP-RA (STATUS-REPORT) */
	struct stk_sms_addr addr;

	uint8_t fcs;			/* reports in RP-ERROR form (§9.2.3.22) */
	/* Reports and STATUS-REPORT: TP-PI; has_pi false means absent
	 * (only STATUS-REPORT may omit it).  The encoder takes bits 0-2
	 * from has_pid/has_dcs/has_ud and the reserved bits 3-6 from pi;
	 * the extension bit 7 is not supported. */
	bool has_pi;
	uint8_t pi;
	/* TP-PID and TP-DCS; in reports and STATUS-REPORT they exist only
	 * when TP-PI says so (has_pid / has_dcs), elsewhere always. */
	bool has_pid;
	uint8_t pid;
	bool has_dcs;
	uint8_t dcs;
	/* Whether TP-UDL (and TP-UD) are present: always in DELIVER and
	 * SUBMIT, per TP-PI in reports. */
	bool has_ud;

	struct stk_sms_time scts;	/* DELIVER, SUBMIT-REPORT, STATUS-REPORT */
	struct stk_sms_time dt;		/* STATUS-REPORT: discharge time */
	uint8_t st;			/* STATUS-REPORT: TP-ST (§9.2.3.15) */
	struct stk_vp vp;		/* SUBMIT */

	/* COMMAND (§9.2.2.4) */
	uint8_t ct;			/* TP-CT (§9.2.3.19) */
	uint8_t mn;			/* TP-MN (§9.2.3.18) */
	size_t cd_len;
	uint8_t cd[STK_CD_MAX_OCTETS];

	/* User data: header raw (UDHL octet first; 0 when udhi is false)
	 * and body (septets when stk_dcs_udl_in_septets(), else octets). */
	size_t udh_len;
	uint8_t udh[STK_UD_MAX_OCTETS];
	size_t body_len;
	uint8_t body[STK_UD_MAX_SEPTETS];
	/*
	 * GSM 7-bit only: the values of the fill bits before the first
	 * septet (§9.2.3.24) and of the unused bits after the last one, as
	 * received.  Senders should send zeros but real networks do not
	 * always; the encoder writes these back so decode/encode is exact.
	 * Builders leave them 0.
	 */
	uint8_t ud_fill_value;
	uint8_t ud_spare_value;
};

/*
 * Reset t to an empty TPDU of the given type: default PID and DCS (0x00),
 * addresses empty, no VP, has_pi/has_pid/has_dcs per the type's mandatory
 * fields (DELIVER, SUBMIT: PID, DCS and UD present; reports: TP-PI 0x00;
 * STATUS-REPORT: no TP-PI).
 */
void stk_tpdu_init(struct stk_tpdu *t, enum stk_tpdu_type type);

/* The direction a type travels in. */
enum stk_sms_dir stk_tpdu_type_dir(enum stk_tpdu_type type);

/*
 * Decode a TPDU travelling in direction dir; the type follows from TP-MTI.
 * Reports (DELIVER-REPORT, SUBMIT-REPORT): RP-ERROR form when the second
 * octet has bit 7 set (TP-FCS values below 0x80 are reserved, and a TP-PI
 * with its extension bit is not supported), RP-ACK form otherwise; use
 * stk_tpdu_decode_as() when the RP layer tells.  TP-MTI 11 (reserved) is
 * STK_E_UNSUPPORTED.  Every other error names the field (see top).
 * Input must be consumed exactly: STK_E_TRAILING otherwise.
 */
int stk_tpdu_decode(const uint8_t *pdu, size_t len, enum stk_sms_dir dir,
    struct stk_tpdu *t, struct stk_diag *diag);

/* Decode as the given type and form; TP-MTI must match (STK_E_INVALID). */
int stk_tpdu_decode_as(const uint8_t *pdu, size_t len,
    enum stk_tpdu_type type, bool rp_error, struct stk_tpdu *t,
    struct stk_diag *diag);

/*
 * Decode a TS 27.005 PDU-mode <pdu>: SC address, then the TPDU.  *sca_present
 * is false when the SC address length is 0.
 */
int stk_tpdu_decode_with_sca(const uint8_t *pdu, size_t len,
    enum stk_sms_dir dir, struct stk_sms_addr *sca, bool *sca_present,
    struct stk_tpdu *t, struct stk_diag *diag);

/*
 * Append the encoded TPDU.  Checks consistency first: udhi vs udh_len
 * (udh[0] must be udh_len - 1), vpf vs vp.vpf, lengths against the limits
 * (STK_E_TOO_LONG), septets above 0x7F (STK_E_INVALID); on error nothing
 * is appended.
 */
int stk_tpdu_encode(const struct stk_tpdu *t, struct stk_buf *out);

/*
 * Set the user data header (raw, UDHL octet first: udh[0] == n - 1), or
 * remove it with n == 0; sets udhi.  STK_E_INCONSISTENT if udh[0] != n-1,
 * STK_E_TOO_LONG if it leaves no room (n > 140).
 */
int stk_tpdu_set_udh(struct stk_tpdu *t, const uint8_t *udh, size_t n);

/*
 * Set the body from UTF-8 text: GSM 7-bit when every character allows it,
 * UCS-2 otherwise; sets TP-DCS to stk_dcs_make(charset, msg_class, false)
 * (msg_class STK_CLASS_NONE for none) and has_dcs/has_ud.  Call after
 * stk_tpdu_set_udh(): STK_E_TOO_LONG when header + text exceed 140 octets.
 */
int stk_tpdu_set_text(struct stk_tpdu *t, const char *utf8, size_t len,
    unsigned msg_class);

/* Set the body to n raw octets with the given TP-DCS (must not be an
 * uncompressed GSM 7-bit coding: STK_E_INVALID).  STK_E_TOO_LONG. */
int stk_tpdu_set_octets(struct stk_tpdu *t, const uint8_t *data, size_t n,
    uint8_t dcs);

/* Set the body to n unpacked septets with TP-DCS dcs (a GSM 7-bit one). */
int stk_tpdu_set_septets(struct stk_tpdu *t, const uint8_t *septets,
    size_t n, uint8_t dcs);

/*
 * Room left for the body given the current header and TP-DCS: septets for
 * GSM 7-bit (160 minus the header's septets, fill bits included), octets
 * otherwise.
 */
size_t stk_tpdu_body_capacity(const struct stk_tpdu *t);

/*
 * The body as UTF-8 (appended to out) per TP-DCS: GSM 7-bit and UCS-2 are
 * converted; 8-bit data and compressed bodies are STK_E_UNSUPPORTED.
 */
int stk_tpdu_body_text(const struct stk_tpdu *t, struct stk_buf *out);

/*
 * The TP-UDL value the TPDU carries: septets (header and fill bits
 * included) for GSM 7-bit, octets otherwise.
 */
size_t stk_tpdu_udl(const struct stk_tpdu *t);

/* Names from tables; never NULL. */
const char *stk_tpdu_type_name(unsigned type);	/* "SMS-DELIVER" */
const char *stk_mti_name(enum stk_sms_dir dir, unsigned mti);
const char *stk_pid_name(uint8_t pid);		/* "(U)SIM data download" */
const char *stk_st_name(uint8_t st);		/* TP-ST, §9.2.3.15 */
const char *stk_fcs_name(uint8_t fcs);		/* TP-FCS, §9.2.3.22 */
const char *stk_ct_name(uint8_t ct);		/* TP-CT, §9.2.3.19 */

#endif
