/*
 * udh.h - the SMS user data header (3GPP TS 23.040 §9.2.3.24).
 *
 * Wire form (raw bytes as lib/tpdu.h keeps them, UDHL octet first):
 *
 *   UDHL | IEI IEIDL IED... | IEI IEIDL IED... | ...
 *
 * UDHL counts the octets after itself.  Parsing is structural: it splits
 * the header into an ordered list of information elements and fails only
 * when an IE runs past the UDHL (STK_E_TRUNCATED, naming "UDH-IEI",
 * "UDH-IEIDL" or "UDH-IED") or the input holds more or fewer octets than
 * the UDHL says.  Every IE, known or not, is kept in order, so building a
 * parsed header reproduces the input byte for byte.  Semantic checks
 * (lengths the standard fixes, value ranges, repeatability) are separate
 * (stk_udh_check_ie(), stk_udh_validate(), the find helpers), because
 * §9.2.3.24 tells a receiver to ignore a faulty or unknown IE, not the
 * whole message: callers choose what to ignore.
 *
 * IE data is borrowed: struct stk_udh_ie points into the parsed input
 * (valid while that lives) or, when building, into caller memory.
 *
 * Repeated IEs: "In the event that IEs determined as not repeatable are
 * duplicated, the last occurrence of the IE shall be used.  In the event
 * that two or more IEs occur which have contradictory meanings, the
 * receiving entity shall use the last occurring IE" (§9.2.3.24).  The find
 * helpers implement that rule (8-bit vs 16-bit concatenation and 8-bit vs
 * 16-bit ports are each one contradictory pair); stk_udh_validate()
 * reports the duplication as STK_E_DUPLICATE so it can be logged.
 */
#ifndef STKAUTH_UDH_H
#define STKAUTH_UDH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "err.h"

/* Information element identifiers, TS 23.040 §9.2.3.24 table. */
enum stk_iei {
	STK_IEI_CONCAT8 = 0x00,		/* §9.2.3.24.1, 8-bit reference */
	STK_IEI_SPECIAL_SMS = 0x01,	/* §9.2.3.24.2 */
	STK_IEI_PORT8 = 0x04,		/* §9.2.3.24.3 */
	STK_IEI_PORT16 = 0x05,		/* §9.2.3.24.4 */
	STK_IEI_SMSC_CONTROL = 0x06,	/* §9.2.3.24.6 */
	STK_IEI_UDH_SOURCE = 0x07,	/* §9.2.3.24.7 */
	STK_IEI_CONCAT16 = 0x08,	/* §9.2.3.24.8, 16-bit reference */
	STK_IEI_WCMP = 0x09,		/* §9.2.3.24.9 */
	STK_IEI_EMS_FIRST = 0x0a,	/* 0x0A-0x1A EMS (§9.2.3.24.10), */
	STK_IEI_EMS_LAST = 0x1f,	/* 0x1B-0x1F reserved for EMS */
	STK_IEI_RFC822 = 0x20,		/* §9.2.3.24.11 */
	STK_IEI_HYPERLINK = 0x21,	/* §9.2.3.24.12 */
	STK_IEI_REPLY_ADDRESS = 0x22,	/* §9.2.3.24.13 */
	STK_IEI_VOICE_MAIL = 0x23,	/* §9.2.3.24.14 */
	STK_IEI_NL_SINGLE_SHIFT = 0x24,	/* §9.2.3.24.15 */
	STK_IEI_NL_LOCKING_SHIFT = 0x25,/* §9.2.3.24.16 */
	STK_IEI_CPI = 0x70,		/* TS 31.115 §4: command packet id */
	STK_IEI_RPI = 0x71,		/* TS 31.115 §4: response packet id */
};

/* Bounds: UDHL is one octet; an IE takes at least 2 octets. */
#define STK_UDH_MAX_LEN 255		/* octets after the UDHL */
#define STK_UDH_MAX_IES 127

struct stk_udh_ie {
	uint8_t iei;
	uint8_t len;			/* IEIDL */
	const uint8_t *data;		/* len octets, borrowed */
	size_t off;			/* parse: absolute offset of the IEI */
};

struct stk_udh {
	size_t n;
	struct stk_udh_ie ie[STK_UDH_MAX_IES];
};

/* Concatenation control, §9.2.3.24.1 (8-bit ref) / §9.2.3.24.8 (16-bit). */
struct stk_udh_concat {
	uint16_t ref;
	uint8_t total;			/* maximum number of short messages */
	uint8_t seq;			/* sequence number, 1-based */
	bool ref16;
};

/* Application port addressing, §9.2.3.24.3 (8-bit) / §9.2.3.24.4. */
struct stk_udh_ports {
	uint16_t dst;
	uint16_t src;
	bool port16;
};

/* Make an empty header. */
void stk_udh_init(struct stk_udh *udh);

/*
 * Parse raw header bytes: raw[0] is the UDHL and len must equal
 * 1 + UDHL (fewer: STK_E_TRUNCATED "TP-UDHL"; more: STK_E_TRAILING
 * "TP-UDHL").  len == 0 is STK_E_TRUNCATED.  IEs past STK_UDH_MAX_IES
 * cannot happen (a UDHL of 255 holds at most 127 IEs).  On error *udh is
 * left empty.
 */
int stk_udh_parse(const uint8_t *raw, size_t len, struct stk_udh *udh,
    struct stk_diag *diag);

/*
 * Parse UDHL and header from the cursor, leaving the cursor on the first
 * octet after the header (the start of the fill bits / body), so a TPDU
 * decoder can call it on TP-UD.  Offsets in diag and in ie[].off are
 * absolute (stk_cur_offset).  On error the cursor is unchanged.
 */
int stk_udh_parse_cur(struct stk_cur *c, struct stk_udh *udh,
    struct stk_diag *diag);

/* Octets stk_udh_build() appends: 1 + sum(2 + len); 1 for no IEs. */
size_t stk_udh_encoded_len(const struct stk_udh *udh);

/*
 * Append UDHL and the IEs in order.  STK_E_TOO_LONG when the IEs exceed
 * STK_UDH_MAX_LEN octets, STK_E_ARG for an IE with len > 0 and no data,
 * STK_E_NOSPACE / STK_E_NOMEM when out fails; nothing is appended on error.
 */
int stk_udh_build(const struct stk_udh *udh, struct stk_buf *out);

/*
 * Append one IE to the list (data borrowed, len <= 255).  STK_E_NOSPACE
 * when the list is full or the header would exceed STK_UDH_MAX_LEN.
 */
int stk_udh_add(struct stk_udh *udh, uint8_t iei, const uint8_t *data,
    size_t len);

/* Append one encoded IE (IEI, IEIDL, data) to a builder, no UDHL. */
bool stk_udh_put_ie(struct stk_buf *out, uint8_t iei, const uint8_t *data,
    size_t len);
/* Append the concatenation IE (0x00 or 0x08 per c->ref16); 8-bit ref must
 * fit (ref <= 255), total >= 1, 1 <= seq <= total: else STK_E_ARG. */
int stk_udh_put_concat(struct stk_buf *out, const struct stk_udh_concat *c);
/* Append the port IE (0x04 or 0x05); 8-bit ports must be <= 255. */
int stk_udh_put_ports(struct stk_buf *out, const struct stk_udh_ports *p);

/* The last IE with this IEI (§9.2.3.24 last-occurrence rule), or NULL. */
const struct stk_udh_ie *stk_udh_find(const struct stk_udh *udh,
    uint8_t iei);

/*
 * Concatenation info from the last 0x00 or 0x08 IE.  STK_E_NOT_FOUND when
 * there is none; STK_E_INCONSISTENT ("CONCAT-IEIDL") when its IEIDL is not
 * 3 / 4; STK_E_INVALID ("CONCAT-TOTAL") for total 0 and ("CONCAT-SEQ") for
 * seq 0 or seq > total, which §9.2.3.24.1 says to ignore: in that case *out
 * is still filled so the caller may log it.
 */
int stk_udh_find_concat(const struct stk_udh *udh,
    struct stk_udh_concat *out, struct stk_diag *diag);

/*
 * Ports from the last 0x04 or 0x05 IE.  STK_E_NOT_FOUND, or
 * STK_E_INCONSISTENT ("PORT-IEIDL") when the IEIDL is not 2 / 4.
 */
int stk_udh_find_ports(const struct stk_udh *udh, struct stk_udh_ports *out,
    struct stk_diag *diag);

/* TS 31.115 §4: a command packet (IEI 0x70) / a response packet (0x71). */
bool stk_udh_is_command_packet(const struct stk_udh *udh);
bool stk_udh_is_response_packet(const struct stk_udh *udh);

/*
 * Check one IE against the length and values the standards fix:
 * concatenation 3 / 4 octets with the §9.2.3.24.1 rules, ports 2 / 4,
 * special SMS indication 2, UDH source indicator 1, SMSC control
 * parameters 1, national language shifts 1, 0x70 / 0x71 0 (TS 31.115 §4).
 * IEs without fixed rules (unknown, reserved, EMS, ...) pass.  Errors as
 * the find helpers; the field names the IE ("PORT-IEIDL", "CPI-IEIDL"...).
 */
int stk_udh_check_ie(const struct stk_udh_ie *ie, struct stk_diag *diag);

/*
 * Check every IE (stk_udh_check_ie) and then repeatability: a second
 * occurrence of a non-repeatable IE, or of the other member of a
 * contradictory pair (concat 8/16, ports 8/16), is STK_E_DUPLICATE naming
 * the IE at the offset of the later occurrence.  Returns the first problem.
 */
int stk_udh_validate(const struct stk_udh *udh, struct stk_diag *diag);

/* Table lookups; never NULL ("Concatenated short messages, 8-bit
 * reference number", "Reserved", "SME to SME specific use", ...). */
const char *stk_iei_name(uint8_t iei);
/* TS 23.040 §9.2.3.24 table column "repeatability". */
bool stk_iei_repeatable(uint8_t iei);

/*
 * Human-readable listing, one line per IE ("IEI 0x00 (Concatenated ...)
 * len 3: ref 204 part 1/2"), appended to out as text (not NUL terminated).
 */
int stk_udh_describe(const struct stk_udh *udh, struct stk_buf *out);

#endif
