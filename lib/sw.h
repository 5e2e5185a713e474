/*
 * sw.h - APDU status words SW1 SW2: ISO/IEC 7816-4 §5.6 (5.1.3 in the 2005
 * edition), ETSI TS 102 221 §10.2.1 (UICC), 3GPP TS 51.011 §9.4 (the GSM
 * SIM forms 9Exx / 9Fxx / 94xx / 98xx) and the toolkit ones of TS 102 221 /
 * TS 102 223 (91xx proactive command pending, 9300 toolkit busy).
 *
 * One table (lib/sw.c) holds every status word with its match mask: exact
 * values (mask FFFF), a parameter in SW2 (mask FF00, e.g. 91xx, 61xx,
 * 6Cxx) or in its low nibble (mask FFF0, 63Cx).  The most specific match
 * wins, so 6A82 is "file or application not found" while an unlisted 6Axx
 * falls back to its group ("wrong parameter(s) P1-P2").
 */
#ifndef STKAUTH_SW_H
#define STKAUTH_SW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STK_SW_OK			0x9000
#define STK_SW_PROACTIVE_PENDING	0x9100	/* | length to FETCH */
#define STK_SW_TOOLKIT_BUSY		0x9300
#define STK_SW_SIM_DOWNLOAD_ERROR	0x9e00	/* | length of response data */
#define STK_SW_GSM_RESPONSE		0x9f00	/* | length of response data */
#define STK_SW_BYTES_AVAILABLE		0x6100	/* | length (00 = 256) */
#define STK_SW_WRONG_LE			0x6c00	/* | the exact Le */
#define STK_SW_DATA_CORRUPTED		0x6281
#define STK_SW_END_OF_FILE		0x6282
#define STK_SW_FILE_INVALIDATED		0x6283
#define STK_SW_VERIFY_FAILED		0x63c0	/* | retries left (0..15) */
#define STK_SW_EXEC_ERROR		0x6400
#define STK_SW_MEMORY_PROBLEM		0x6581
#define STK_SW_WRONG_LENGTH		0x6700
#define STK_SW_INCOMPATIBLE_FILE	0x6981
#define STK_SW_SECURITY_NOT_SATISFIED	0x6982
#define STK_SW_AUTH_METHOD_BLOCKED	0x6983
#define STK_SW_REF_DATA_INVALIDATED	0x6984
#define STK_SW_CONDITIONS_NOT_SATISFIED	0x6985
#define STK_SW_NO_EF_SELECTED		0x6986
#define STK_SW_WRONG_DATA		0x6a80
#define STK_SW_FUNC_NOT_SUPPORTED	0x6a81
#define STK_SW_FILE_NOT_FOUND		0x6a82
#define STK_SW_RECORD_NOT_FOUND		0x6a83
#define STK_SW_NOT_ENOUGH_MEMORY	0x6a84
#define STK_SW_WRONG_P1P2		0x6a86
#define STK_SW_LC_INCONSISTENT		0x6a87
#define STK_SW_REF_DATA_NOT_FOUND	0x6a88
#define STK_SW_WRONG_PARAMS		0x6b00
#define STK_SW_INS_NOT_SUPPORTED	0x6d00
#define STK_SW_CLA_NOT_SUPPORTED	0x6e00
#define STK_SW_TECHNICAL_PROBLEM	0x6f00

/* How SW2 (or its low nibble) parameterises an entry. */
enum stk_sw_param {
	STK_SW_PARAM_NONE = 0,
	STK_SW_PARAM_LENGTH,	/* SW2 = a length in bytes */
	STK_SW_PARAM_LENGTH256,	/* SW2 = a length, 00 meaning 256 (61xx) */
	STK_SW_PARAM_RETRIES,	/* low nibble of SW2 = retries left (63Cx) */
	STK_SW_PARAM_VALUE,	/* SW2 is a value with no further meaning */
};

/* Broad class of a status word (ISO 7816-4 §5.6 table 5 / TS 102 221). */
enum stk_sw_class {
	STK_SW_CLASS_NORMAL = 0,	/* 9000, 91xx, 92xx */
	STK_SW_CLASS_POSTPONED,		/* 9300 */
	STK_SW_CLASS_WARNING,		/* 62xx, 63xx */
	STK_SW_CLASS_EXEC_ERROR,	/* 64xx, 65xx, 66xx */
	STK_SW_CLASS_CHECK_ERROR,	/* 67xx..6Fxx, 98xx, 94xx */
	STK_SW_CLASS_TRANSPORT,		/* 61xx, 6Cxx, 9Fxx, 9Exx (T=0 / GET
					   RESPONSE procedure) */
	STK_SW_CLASS_UNKNOWN,
};

struct stk_sw_entry {
	uint16_t sw;
	uint16_t mask;
	uint8_t param;		/* enum stk_sw_param */
	uint8_t cls;		/* enum stk_sw_class */
	const char *name;	/* e.g. "proactive command pending" */
	const char *source;	/* "ISO 7816-4", "TS 102 221", "TS 51.011" */
};

/* The best matching table entry, or NULL when none matches. */
const struct stk_sw_entry *stk_sw_lookup(uint16_t sw);

/*
 * The name of sw: the best entry's name, e.g. stk_sw_name(0x9000) ==
 * "normal ending of the command", stk_sw_name(0x911a) == "proactive
 * command pending"; "unknown status word" when nothing matches.  Never
 * NULL; the string is static.
 */
const char *stk_sw_name(uint16_t sw);

/*
 * Full description with the parameter spelled out, e.g.
 *   9000 -> "9000: normal ending of the command"
 *   911A -> "911A: proactive command pending, 26 bytes to FETCH"
 *   63C2 -> "63C2: verification failed, 2 retries left"
 *   6100 -> "6100: response bytes available, 256 bytes"
 * Writes at most outsz bytes, always NUL-terminated when outsz > 0
 * (96 bytes always suffice); returns out.
 */
const char *stk_sw_describe(uint16_t sw, char *out, size_t outsz);

/* Class of sw (STK_SW_CLASS_UNKNOWN when not in the table). */
enum stk_sw_class stk_sw_class_of(uint16_t sw);
const char *stk_sw_class_name(unsigned cls);

/* 9000 or 91xx/92xx: the command was performed (TS 102 221 §10.2.1.1). */
bool stk_sw_is_success(uint16_t sw);
/* 91xx: a proactive command of *len (1..255) octets waits to be FETCHed. */
bool stk_sw_proactive_pending(uint16_t sw, uint8_t *len);

/* The whole table, for tools and tests. */
const struct stk_sw_entry *stk_sw_table(size_t *n);

#endif
