/*
 * sms_dcs.h - the SMS data coding scheme, TP-DCS (3GPP TS 23.038 §4).
 *
 * Coding groups (bits 7-4):
 *   00xx  general data coding: bit 5 compressed, bit 4 "bits 1-0 are a
 *         message class", bits 3-2 character set
 *   01xx  the same, message marked for automatic deletion
 *   1000..1011  reserved
 *   1100  message waiting indication, discard message (GSM 7-bit)
 *   1101  message waiting indication, store message (GSM 7-bit)
 *   1110  message waiting indication, store message (UCS-2)
 *   1111  data coding / message class: bit 2 8-bit data, bits 1-0 class,
 *         bit 3 reserved
 * "Any reserved codings shall be assumed to be the GSM 7 bit default
 * alphabet ... by a receiving entity" (§4): decoding never fails, it marks
 * such values reserved and reports GSM 7-bit.
 */
#ifndef STKAUTH_SMS_DCS_H
#define STKAUTH_SMS_DCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gsm7.h"

enum stk_dcs_group {
	STK_DCS_GENERAL = 0,		/* 00xx */
	STK_DCS_AUTO_DELETE = 1,	/* 01xx */
	STK_DCS_RESERVED_GROUP = 2,	/* 1000..1011 */
	STK_DCS_MWI_DISCARD = 3,	/* 1100 */
	STK_DCS_MWI_STORE_GSM7 = 4,	/* 1101 */
	STK_DCS_MWI_STORE_UCS2 = 5,	/* 1110 */
	STK_DCS_DATA_CLASS = 6,		/* 1111 */
};

enum stk_msg_class {
	STK_CLASS_0 = 0,		/* immediate display ("flash") */
	STK_CLASS_1 = 1,		/* ME specific */
	STK_CLASS_2 = 2,		/* (U)SIM specific */
	STK_CLASS_3 = 3,		/* TE specific */
	STK_CLASS_NONE = 4,
};

/* Indication type of the message waiting groups, bits 1-0. */
enum stk_mwi_type {
	STK_MWI_VOICEMAIL = 0,
	STK_MWI_FAX = 1,
	STK_MWI_EMAIL = 2,
	STK_MWI_OTHER = 3,
};

struct stk_dcs {
	uint8_t raw;
	uint8_t group;			/* enum stk_dcs_group */
	enum stk_charset charset;	/* what the TP-UD holds */
	uint8_t msg_class;		/* enum stk_msg_class */
	bool compressed;		/* TS 23.042 compression (groups 00/01) */
	bool auto_delete;		/* group 01xx */
	bool reserved;			/* a reserved coding: charset assumed */
	/* Message waiting groups only: */
	bool mwi_active;		/* bit 3: indication set active */
	uint8_t mwi_type;		/* enum stk_mwi_type */
};

/* Decode a TP-DCS octet; never fails (reserved codings are flagged). */
void stk_dcs_decode(uint8_t dcs, struct stk_dcs *out);

/*
 * True when TP-UDL counts septets for this coding: GSM 7-bit and not
 * compressed (TS 23.040 §9.2.3.16: compressed user data is counted in
 * octets whatever the alphabet).
 */
bool stk_dcs_udl_in_septets(const struct stk_dcs *d);

/*
 * The TP-DCS for a character set and class.  Without a class the general
 * group (0x00, 0x04, 0x08).  With a class: GSM 7-bit and 8-bit use group
 * 1111 (0xF0..0xF3, 0xF4..0xF7, e.g. class 2 8-bit = 0xF6) unless
 * general_group is true (then 0x10..0x13, 0x14..0x17, e.g. 0x16); UCS-2
 * with a class always uses the general group (0x18..0x1B).
 * STK_E_INVALID for an unknown charset or class.
 */
int stk_dcs_make(enum stk_charset cs, unsigned msg_class, bool general_group,
    uint8_t *dcs);

/*
 * Printable description, e.g. "0xF6: data coding/message class, 8-bit
 * data, class 2 ((U)SIM specific)".  Always NUL-terminates when outsz > 0;
 * STK_E_NOSPACE when truncated (128 bytes always suffice).
 */
int stk_dcs_describe(const struct stk_dcs *d, char *out, size_t outsz);

const char *stk_dcs_group_name(unsigned group);
const char *stk_msg_class_name(unsigned msg_class);
const char *stk_mwi_type_name(unsigned type);

#endif
