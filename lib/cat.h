/*
 * cat.h - Card Application Toolkit (ETSI TS 102 223, 3GPP TS 31.111):
 * ENVELOPE (SMS-PP DOWNLOAD, MENU SELECTION), proactive commands (DISPLAY
 * TEXT, GET INPUT, SELECT ITEM, SET UP MENU, SEND SHORT MESSAGE),
 * TERMINAL RESPONSE and TERMINAL PROFILE.
 *
 * Wire model (TS 102 223 §9 and annex C, TS 101 220 §7):
 *   BER-TLV      tag (one octet: D0 proactive command, D1..D7 envelopes),
 *                length (0..127 one octet, 128..255 as 81 xx), value.
 *   COMPREHENSION-TLV data objects inside it: tag one octet (01..7E with
 *                bit 8 the comprehension-required flag "CR") or three
 *                octets (7F, then 16 bits: CR in bit 16, tag in 15..1),
 *                length as above.  A TERMINAL RESPONSE is a bare sequence
 *                of COMPREHENSION-TLVs (the APDU data, no BER wrapper).
 *
 * Decoders consume exactly their input (trailing bytes are STK_E_TRAILING),
 * never read out of bounds, and name the failing field and its absolute
 * offset in struct stk_diag (field names are the TS 102 223 object names,
 * e.g. "command details", "text string").  Byte strings in decoded structs
 * that are not copied (raw object list, SMS TPDU) point into the caller's
 * input and live as long as it does.
 *
 * Text (TS 102 223 §8.15 text string, §8.2 alpha identifier, §8.9 item)
 * crosses this API as UTF-8 in struct stk_cat_text together with the
 * coding it has (or is to get) on the wire; see lib/cat_text.c.
 */
#ifndef STKAUTH_CAT_H
#define STKAUTH_CAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bytes.h"
#include "err.h"
#include "sms_addr.h"

/* ---- BER-TLV tags (TS 102 223 §9.1) ---------------------------------- */

enum stk_cat_ber_tag {
	STK_CAT_BER_PROACTIVE = 0xd0,		/* proactive command */
	STK_CAT_BER_SMS_PP_DOWNLOAD = 0xd1,	/* reserved for 3GPP */
	STK_CAT_BER_CB_DOWNLOAD = 0xd2,		/* reserved for 3GPP */
	STK_CAT_BER_MENU_SELECTION = 0xd3,
	STK_CAT_BER_CALL_CONTROL = 0xd4,
	STK_CAT_BER_MO_SMS_CONTROL = 0xd5,	/* reserved for 3GPP */
	STK_CAT_BER_EVENT_DOWNLOAD = 0xd6,
	STK_CAT_BER_TIMER_EXPIRATION = 0xd7,
};

/* ---- COMPREHENSION-TLV tags (TS 102 223 §9.3), CR bit removed ------- */

#define STK_CAT_CR 0x80		/* comprehension required, one-octet tags */

enum stk_cat_tag {
	STK_CAT_TAG_COMMAND_DETAILS = 0x01,
	STK_CAT_TAG_DEVICE_IDENTITIES = 0x02,
	STK_CAT_TAG_RESULT = 0x03,
	STK_CAT_TAG_DURATION = 0x04,
	STK_CAT_TAG_ALPHA_ID = 0x05,
	STK_CAT_TAG_ADDRESS = 0x06,
	STK_CAT_TAG_CAPABILITY_CONFIG = 0x07,
	STK_CAT_TAG_SUBADDRESS = 0x08,
	STK_CAT_TAG_SS_STRING = 0x09,
	STK_CAT_TAG_USSD_STRING = 0x0a,
	STK_CAT_TAG_SMS_TPDU = 0x0b,
	STK_CAT_TAG_CB_PAGE = 0x0c,
	STK_CAT_TAG_TEXT_STRING = 0x0d,
	STK_CAT_TAG_TONE = 0x0e,
	STK_CAT_TAG_ITEM = 0x0f,
	STK_CAT_TAG_ITEM_ID = 0x10,
	STK_CAT_TAG_RESPONSE_LENGTH = 0x11,
	STK_CAT_TAG_FILE_LIST = 0x12,
	STK_CAT_TAG_LOCATION_INFO = 0x13,
	STK_CAT_TAG_IMEI = 0x14,
	STK_CAT_TAG_HELP_REQUEST = 0x15,
	STK_CAT_TAG_NMR = 0x16,
	STK_CAT_TAG_DEFAULT_TEXT = 0x17,
	STK_CAT_TAG_ITEMS_NEXT_ACTION = 0x18,
	STK_CAT_TAG_EVENT_LIST = 0x19,
	STK_CAT_TAG_CAUSE = 0x1a,
	STK_CAT_TAG_LOCATION_STATUS = 0x1b,
	STK_CAT_TAG_TRANSACTION_ID = 0x1c,
	STK_CAT_TAG_BCCH_LIST = 0x1d,
	STK_CAT_TAG_ICON_ID = 0x1e,
	STK_CAT_TAG_ITEM_ICON_ID_LIST = 0x1f,
	STK_CAT_TAG_TIMER_ID = 0x24,
	STK_CAT_TAG_TIMER_VALUE = 0x25,
	STK_CAT_TAG_DATE_TIME_TZ = 0x26,
	STK_CAT_TAG_IMMEDIATE_RESPONSE = 0x2b,
	STK_CAT_TAG_DTMF_STRING = 0x2c,
	STK_CAT_TAG_LANGUAGE = 0x2d,
	STK_CAT_TAG_BROWSER_ID = 0x30,
	STK_CAT_TAG_URL = 0x31,
	STK_CAT_TAG_CHANNEL_DATA = 0x36,
	STK_CAT_TAG_CHANNEL_STATUS = 0x38,
	STK_CAT_TAG_BUFFER_SIZE = 0x39,
	STK_CAT_TAG_TEXT_ATTRIBUTE = 0x50,
	STK_CAT_TAG_ITEM_TEXT_ATTRIBUTE_LIST = 0x51,
	STK_CAT_TAG_FRAME_ID = 0x68,
};

/* ---- command types (TS 102 223 §9.4) --------------------------------- */

enum stk_cat_cmd_type {
	STK_CAT_CMD_REFRESH = 0x01,
	STK_CAT_CMD_MORE_TIME = 0x02,
	STK_CAT_CMD_POLL_INTERVAL = 0x03,
	STK_CAT_CMD_POLLING_OFF = 0x04,
	STK_CAT_CMD_SET_UP_EVENT_LIST = 0x05,
	STK_CAT_CMD_SET_UP_CALL = 0x10,
	STK_CAT_CMD_SEND_SS = 0x11,
	STK_CAT_CMD_SEND_USSD = 0x12,
	STK_CAT_CMD_SEND_SHORT_MESSAGE = 0x13,
	STK_CAT_CMD_SEND_DTMF = 0x14,
	STK_CAT_CMD_LAUNCH_BROWSER = 0x15,
	STK_CAT_CMD_PLAY_TONE = 0x20,
	STK_CAT_CMD_DISPLAY_TEXT = 0x21,
	STK_CAT_CMD_GET_INKEY = 0x22,
	STK_CAT_CMD_GET_INPUT = 0x23,
	STK_CAT_CMD_SELECT_ITEM = 0x24,
	STK_CAT_CMD_SET_UP_MENU = 0x25,
	STK_CAT_CMD_PROVIDE_LOCAL_INFO = 0x26,
	STK_CAT_CMD_TIMER_MANAGEMENT = 0x27,
	STK_CAT_CMD_SET_UP_IDLE_MODE_TEXT = 0x28,
	STK_CAT_CMD_PERFORM_CARD_APDU = 0x30,
	STK_CAT_CMD_POWER_ON_CARD = 0x31,
	STK_CAT_CMD_POWER_OFF_CARD = 0x32,
	STK_CAT_CMD_GET_READER_STATUS = 0x33,
	STK_CAT_CMD_RUN_AT_COMMAND = 0x34,
	STK_CAT_CMD_LANGUAGE_NOTIFICATION = 0x35,
	STK_CAT_CMD_OPEN_CHANNEL = 0x40,
	STK_CAT_CMD_CLOSE_CHANNEL = 0x41,
	STK_CAT_CMD_RECEIVE_DATA = 0x42,
	STK_CAT_CMD_SEND_DATA = 0x43,
	STK_CAT_CMD_GET_CHANNEL_STATUS = 0x44,
	STK_CAT_CMD_END_OF_SESSION = 0x81,	/* TERMINAL RESPONSE only */
};

/* Command qualifiers (TS 102 223 §8.6), bit masks of the qualifier. */
/* DISPLAY TEXT */
#define STK_CAT_DT_HIGH_PRIORITY	0x01	/* else normal priority */
#define STK_CAT_DT_WAIT_FOR_USER	0x80	/* else clear after a delay */
/* GET INPUT */
#define STK_CAT_GI_ALPHABET		0x01	/* else digits 0-9 * # + only */
#define STK_CAT_GI_UCS2			0x02	/* else SMS default alphabet */
#define STK_CAT_GI_HIDDEN		0x04	/* user input not revealed */
#define STK_CAT_GI_PACKED		0x08	/* SMS packed, else unpacked */
#define STK_CAT_GI_HELP			0x80	/* help information available */
/* SELECT ITEM */
#define STK_CAT_SI_PRESENTATION		0x01	/* presentation type in bit 2 */
#define STK_CAT_SI_NAVIGATION		0x02	/* navigation options, else data values */
#define STK_CAT_SI_SOFT_KEY		0x04	/* soft key preferred */
#define STK_CAT_SI_HELP			0x80
/* SET UP MENU */
#define STK_CAT_SM_SOFT_KEY		0x01
#define STK_CAT_SM_HELP			0x80
/* SEND SHORT MESSAGE */
#define STK_CAT_SSM_PACKING_REQUIRED	0x01	/* ME must pack the TP-UD */

/* ---- device identities (TS 102 223 §8.7) ---------------------------- */

enum stk_cat_device {
	STK_CAT_DEV_KEYPAD = 0x01,
	STK_CAT_DEV_DISPLAY = 0x02,
	STK_CAT_DEV_EARPIECE = 0x03,
	/* 0x10..0x17 additional card reader 0..7, 0x21..0x27 channel 1..7 */
	STK_CAT_DEV_UICC = 0x81,
	STK_CAT_DEV_TERMINAL = 0x82,
	STK_CAT_DEV_NETWORK = 0x83,
};

/* ---- general result (TS 102 223 §8.12) ------------------------------- */

enum stk_cat_result {
	STK_CAT_RES_OK = 0x00,
	STK_CAT_RES_PARTIAL_COMPREHENSION = 0x01,
	STK_CAT_RES_MISSING_INFO = 0x02,
	STK_CAT_RES_REFRESH_ADDITIONAL_EFS = 0x03,
	STK_CAT_RES_ICON_NOT_DISPLAYED = 0x04,
	STK_CAT_RES_MODIFIED_BY_CC = 0x05,
	STK_CAT_RES_LIMITED_SERVICE = 0x06,
	STK_CAT_RES_WITH_MODIFICATION = 0x07,
	STK_CAT_RES_REFRESH_NAA_NOT_ACTIVE = 0x08,
	STK_CAT_RES_TONE_NOT_PLAYED = 0x09,
	STK_CAT_RES_TERMINATED_BY_USER = 0x10,
	STK_CAT_RES_BACKWARD_MOVE = 0x11,
	STK_CAT_RES_NO_RESPONSE = 0x12,
	STK_CAT_RES_HELP_REQUIRED = 0x13,
	STK_CAT_RES_USSD_SS_TERMINATED = 0x14,
	STK_CAT_RES_ME_UNABLE = 0x20,
	STK_CAT_RES_NETWORK_UNABLE = 0x21,
	STK_CAT_RES_USER_NOT_ACCEPT = 0x22,
	STK_CAT_RES_USER_CLEARED_CALL = 0x23,
	STK_CAT_RES_TIMER_CONTRADICTION = 0x24,
	STK_CAT_RES_CC_TEMPORARY = 0x25,
	STK_CAT_RES_BROWSER_ERROR = 0x26,
	STK_CAT_RES_MMS_TEMPORARY = 0x27,
	STK_CAT_RES_BEYOND_CAPABILITIES = 0x30,
	STK_CAT_RES_TYPE_NOT_UNDERSTOOD = 0x31,
	STK_CAT_RES_DATA_NOT_UNDERSTOOD = 0x32,
	STK_CAT_RES_NUMBER_NOT_KNOWN = 0x33,
	STK_CAT_RES_SS_RETURN_ERROR = 0x34,
	STK_CAT_RES_SMS_RP_ERROR = 0x35,
	STK_CAT_RES_VALUES_MISSING = 0x36,
	STK_CAT_RES_USSD_RETURN_ERROR = 0x37,
	STK_CAT_RES_MULTIPLE_CARD_ERROR = 0x38,
	STK_CAT_RES_CC_PERMANENT = 0x39,
	STK_CAT_RES_BIP_ERROR = 0x3a,
	STK_CAT_RES_ACCESS_TECH_UNABLE = 0x3b,
	STK_CAT_RES_FRAMES_ERROR = 0x3c,
	STK_CAT_RES_MMS_ERROR = 0x3d,
};

/* ---- name tables (lib/cat_names.c); all return NULL when unknown ----- */

const char *stk_cat_ber_tag_name(uint8_t tag);
const char *stk_cat_tag_name(unsigned tag);		/* CR bit removed */
const char *stk_cat_cmd_name(uint8_t type);
const char *stk_cat_device_name(uint8_t dev);		/* incl. readers, channels */
const char *stk_cat_result_name(uint8_t general);
/*
 * True for the general results after which TS 102 223 §8.12 requires the
 * terminal to give a cause as additional information (20, 21, 26, 34, 35,
 * 37, 38, 39, 3A, 3C, 3D).  The builder and the parser enforce it.
 */
bool stk_cat_result_needs_info(uint8_t general);
/* Duration time unit (§8.8): "minutes", "seconds", "tenths of seconds". */
const char *stk_cat_time_unit_name(uint8_t unit);
/*
 * Qualifier bits of a command type as text, e.g. for DISPLAY TEXT 0x81
 * "high priority, wait for user to clear".  Writes at most outsz bytes
 * (always NUL-terminated when outsz > 0); returns out.
 */
const char *stk_cat_qualifier_describe(uint8_t type, uint8_t qualifier,
    char *out, size_t outsz);

/* ---- text (lib/cat_text.c) -------------------------------------------- */

/*
 * Longest UTF-8 rendering of any text a 255-octet object can carry
 * (GSM default unpacked, <= 2 UTF-8 bytes a septet; UCS-2 forms <= 3 bytes
 * a character), plus the NUL.
 */
#define STK_CAT_TEXT_MAX 800

/* Text string DCS octets (TS 102 223 §8.15 with TS 23.038 §4). */
#define STK_CAT_DCS_GSM7_PACKED 0x00
#define STK_CAT_DCS_8BIT 0x04	/* GSM default alphabet, one septet an octet */
#define STK_CAT_DCS_UCS2 0x08

/* Alpha identifier / item text codings (TS 102 221 annex A). */
#define STK_CAT_ALPHA_GSM 0x00	/* GSM default alphabet, unpacked, bit 8 = 0 */
#define STK_CAT_ALPHA_UCS2_80 0x80
#define STK_CAT_ALPHA_UCS2_81 0x81
#define STK_CAT_ALPHA_UCS2_82 0x82

/* struct stk_cat_text.coding values that are not wire octets: */
#define STK_CAT_CODING_AUTO (-1)	/* encoders: choose (see below) */
#define STK_CAT_CODING_NULL (-2)	/* null object: length 0, no value */

/*
 * A text as UTF-8 plus its coding.  For text strings (§8.15) coding is the
 * DCS octet (any TS 23.038 value whose character set is GSM 7-bit, 8-bit or
 * UCS-2; 8-bit means GSM default alphabet unpacked, per §8.15); for alpha
 * identifiers and items it is STK_CAT_ALPHA_*.  STK_CAT_CODING_AUTO makes
 * encoders use 8-bit / GSM when the whole text is in the GSM 7-bit
 * alphabet, UCS-2 (DCS 08 / form 80) otherwise.  STK_CAT_CODING_NULL is the
 * "null text string" / empty alpha identifier (utf8 empty).
 */
struct stk_cat_text {
	bool present;
	int coding;
	size_t len;			/* bytes of utf8, without the NUL */
	char utf8[STK_CAT_TEXT_MAX];	/* NUL-terminated */
};

/*
 * Fill t from UTF-8 (len bytes, need not be NUL-terminated) with the given
 * coding (a DCS octet or STK_CAT_ALPHA_* or STK_CAT_CODING_AUTO/NULL).
 * STK_E_TOO_LONG if it does not fit STK_CAT_TEXT_MAX, STK_E_INVALID for
 * malformed UTF-8, U+FFFF (the "unused" filler of TS 102 221 annex A) or an
 * unknown coding.  It does not check that the text is
 * representable in the coding: encoders do, with STK_E_CHARSET.
 */
int stk_cat_text_set(struct stk_cat_text *t, const char *utf8, size_t len,
    int coding);

/*
 * Text string value (§8.15: DCS octet + string) <-> text.  Decoding an
 * empty value gives coding STK_CAT_CODING_NULL.  GSM 7-bit packed strings
 * hold floor(8 * len / 7) septets; when that is a multiple of 8 and the
 * last septet is CR it is padding and dropped (TS 23.038 §6.1.2.3.1), and
 * the encoder adds that CR when the last octet would otherwise have 7 spare
 * bits.  Errors: STK_E_UNSUPPORTED (compressed or reserved DCS),
 * STK_E_INCONSISTENT (odd UCS-2 length), STK_E_INVALID (8-bit octet > 7F,
 * UCS-2 surrogate, U+FFFF or U+0000, which would cut the C string), STK_E_CHARSET (encode: not representable).
 */
int stk_cat_text_string_decode(struct stk_cur *value, struct stk_cat_text *t,
    struct stk_diag *diag);
int stk_cat_text_string_encode(const struct stk_cat_text *t,
    struct stk_buf *out);

/*
 * Alpha identifier value (§8.2, TS 102 221 annex A) <-> text: GSM default
 * alphabet unpacked (trailing FF padding ignored), or the UCS-2 forms
 * 80 (UCS-2 big-endian), 81 (length, one-octet base pointer for bits 15..8
 * of a base, bit 8 set = base + bits 7..1, clear = GSM default) and 82
 * (length, two-octet base).  An all-FF value decodes as coding NULL.
 * All three are decoded; the encoder writes GSM
 * or the form in t->coding (81 / 82 with the smallest window base that
 * holds every non-GSM character, STK_E_CHARSET when none does); AUTO picks
 * GSM when possible, else 80.  Empty value: coding NULL.
 */
int stk_cat_alpha_decode(struct stk_cur *value, struct stk_cat_text *t,
    struct stk_diag *diag);
int stk_cat_alpha_encode(const struct stk_cat_text *t, struct stk_buf *out);

/* ---- common data objects ------------------------------------------- */

struct stk_cat_cmd_details {
	uint8_t number;		/* command number, 01..FE */
	uint8_t type;		/* enum stk_cat_cmd_type */
	uint8_t qualifier;
};

struct stk_cat_devices {
	uint8_t source;		/* enum stk_cat_device */
	uint8_t dest;
};

struct stk_cat_duration {
	bool present;
	uint8_t unit;		/* 00 minutes, 01 seconds, 02 tenths */
	uint8_t interval;	/* 01..FF */
};

struct stk_cat_icon {
	bool present;
	uint8_t qualifier;	/* bit 1: 0 self-explanatory, 1 not */
	uint8_t record;		/* record in EF IMG */
};

/* Address (§8.1): TON/NPI and the dialling number (BCD, EF ADN coding). */
struct stk_cat_address {
	bool present;
	struct stk_sms_addr addr;
};

/*
 * One COMPREHENSION-TLV as found on the wire: tag without CR, the CR flag,
 * the offset of the tag octet and the value (pointing into the input).
 */
struct stk_cat_obj {
	uint16_t tag;
	bool cr;
	size_t offset;
	size_t value_offset;	/* absolute offset of the value */
	const uint8_t *value;
	size_t len;
};

#define STK_CAT_MAX_OBJS 128	/* 255 octets hold at most 127 objects */
#define STK_CAT_MAX_ITEMS 64

/* ---- proactive commands (§6.6), BER tag D0 --------------------------- */

/*
 * An item (§8.9): identifier and text in the alpha identifier coding.  A
 * "null item" (length 0 object, SET UP MENU only: remove the menu) has
 * null_item set and nothing else.
 */
struct stk_cat_item {
	bool null_item;
	uint8_t id;			/* item identifier, 01..FF (§8.10: 00 is
					   refused by decoders and encoders) */
	struct stk_cat_text text;	/* alpha coding (§8.9) */
};

/*
 * A proactive command.  Which fields an encoder writes and a decoder
 * requires depends on cmd.type:
 *   DISPLAY TEXT (§6.6.1)  text (mandatory), icon, immediate_response,
 *                          duration
 *   GET INPUT (§6.6.3)     text (mandatory), response length (mandatory),
 *                          default_text, icon
 *   SELECT ITEM (§6.6.8)   alpha (optional), items (>= 1), default item
 *                          (item identifier), icon
 *   SET UP MENU (§6.6.7)   alpha (mandatory), items (>= 1; one null item
 *                          removes the menu), icon
 *   SEND SHORT MESSAGE     alpha (optional), address (optional), SMS TPDU
 *   (§6.6.9)               (mandatory, an SMS-SUBMIT; not decoded here:
 *                          lib/tpdu.h does that)
 * Other command types decode with only cmd, dev and objs (known == false):
 * "unknown command type (kept, reported)".  Item identifiers must be
 * unique within a command (STK_E_DUPLICATE "item identifier").
 *
 * The struct is large (about 60 KiB with STK_CAT_MAX_ITEMS texts):
 * allocate it, or keep it static, rather than on a small stack.
 */
struct stk_cat_proactive {
	struct stk_cat_cmd_details cmd;
	struct stk_cat_devices dev;
	bool known;			/* decoder: cmd.type is one of the five */

	struct stk_cat_text text;	/* text string */
	struct stk_cat_text alpha;	/* alpha identifier */
	struct stk_cat_text default_text;
	struct stk_cat_icon icon;
	bool immediate_response;
	struct stk_cat_duration duration;
	bool has_response_length;
	uint8_t resp_min, resp_max;
	size_t nitems;
	struct stk_cat_item items[STK_CAT_MAX_ITEMS];
	bool has_default_item;
	uint8_t default_item;
	struct stk_cat_address address;
	const uint8_t *tpdu;		/* decoder: into the input */
	size_t tpdu_len;

	/* Decoder: every object in wire order, and those it did not use. */
	size_t nobjs;
	struct stk_cat_obj objs[STK_CAT_MAX_OBJS];
	size_t nunknown;		/* objects not interpreted */
	bool unknown_cr;		/* ... at least one of them with CR */
};

/*
 * Zero p and set it up for a command: number, type, qualifier, and the
 * device identities TS 102 223 gives that command (UICC -> display for
 * DISPLAY TEXT, UICC -> terminal for GET INPUT, SELECT ITEM, SET UP MENU,
 * UICC -> network for SEND SHORT MESSAGE, UICC -> terminal otherwise).
 */
void stk_cat_proactive_init(struct stk_cat_proactive *p, uint8_t number,
    uint8_t type, uint8_t qualifier);

/*
 * Append the BER-TLV D0 of the command, objects in the order of §6.6.x,
 * all with CR set except default text (as in the TS 31.124 conformance
 * examples: 81 82 8D 85 8F 90 91 17 9E AB 84 86 8B).
 * Errors: STK_E_UNSUPPORTED (a type other than the five), STK_E_INVALID
 * (mandatory object absent, bad id, min > max), STK_E_CHARSET,
 * STK_E_TOO_LONG (the BER value exceeds 255 octets), STK_E_NOMEM/NOSPACE.
 * Nothing useful is left in out on failure (the caller discards it).
 */
int stk_cat_proactive_encode(const struct stk_cat_proactive *p,
    struct stk_buf *out);

/*
 * Decode a proactive command (the FETCH response data): BER tag D0 and
 * exactly its length, then COMPREHENSION-TLVs.  Command details and device
 * identities must come first (§6.5.x: STK_E_NOT_FOUND "command details" /
 * "device identities" when missing); the source must be the UICC and the
 * destination a terminal-side device (STK_E_INVALID "device identities").
 * The remaining objects may come in any order; a repeated single object is
 * STK_E_DUPLICATE; a mandatory object missing for a known type is
 * STK_E_NOT_FOUND naming it; objects not used for the type are kept in
 * objs and counted in nunknown/unknown_cr (the terminal then answers
 * result 32 if one has CR, TS 102 223 §6.10).
 */
int stk_cat_proactive_decode(const uint8_t *in, size_t len,
    struct stk_cat_proactive *p, struct stk_diag *diag);

/* ---- ENVELOPE (§7) ------------------------------------------------- */

/*
 * Envelopes this module builds and decodes:
 *   SMS-PP DOWNLOAD (TS 31.111 §7.1.1, tag D1): device identities
 *     network -> UICC, address (optional: the SC address,
 *     RP-Originating-Address), SMS TPDU (an SMS-DELIVER, raw).
 *   MENU SELECTION (TS 102 223 §7.2, tag D3): device identities keypad ->
 *     UICC, item identifier, help request (optional, empty).
 * Other BER tags decode generically (known == false, objs filled).
 */
struct stk_cat_envelope {
	uint8_t tag;			/* enum stk_cat_ber_tag */
	bool known;
	struct stk_cat_devices dev;
	struct stk_cat_address address;	/* SMS-PP */
	const uint8_t *tpdu;		/* SMS-PP: into the input */
	size_t tpdu_len;
	uint8_t item_id;		/* MENU SELECTION */
	bool help_request;		/* MENU SELECTION */
	size_t nobjs;
	struct stk_cat_obj objs[STK_CAT_MAX_OBJS];
	size_t nunknown;
	bool unknown_cr;
};

/* sc may be NULL (no address object).  tpdu_len 1..255-overhead. */
int stk_cat_envelope_sms_pp(struct stk_buf *out,
    const struct stk_sms_addr *sc, const uint8_t *tpdu, size_t tpdu_len);
int stk_cat_envelope_menu_selection(struct stk_buf *out, uint8_t item_id,
    bool help_request);
/*
 * Decode an ENVELOPE command's data.  Errors as for the proactive decoder:
 * STK_E_NOT_FOUND for missing mandatory objects (device identities, SMS
 * TPDU, item identifier), STK_E_INVALID for wrong device identities
 * (SMS-PP: 83 -> 81; MENU SELECTION: 01 -> 81).
 */
int stk_cat_envelope_decode(const uint8_t *in, size_t len,
    struct stk_cat_envelope *env, struct stk_diag *diag);

/* ---- TERMINAL RESPONSE (§6.8) --------------------------------------- */

#define STK_CAT_ADDINFO_MAX 64

/*
 * A TERMINAL RESPONSE: command details (echo of the command), device
 * identities terminal -> UICC, result, and the command-specific objects
 * this module handles: text string (GET INPUT, §6.8.9 / §8.15) and item
 * identifier (SELECT ITEM, §6.8.12 / §8.10).  text.present / has_item_id
 * select whether they are written.
 */
struct stk_cat_terminal_response {
	struct stk_cat_cmd_details cmd;
	struct stk_cat_devices dev;
	uint8_t result;			/* enum stk_cat_result */
	size_t add_info_len;
	uint8_t add_info[STK_CAT_ADDINFO_MAX];
	struct stk_cat_text text;
	bool has_item_id;
	uint8_t item_id;
	size_t nobjs;
	struct stk_cat_obj objs[STK_CAT_MAX_OBJS];
	size_t nunknown;
	bool unknown_cr;
};

/* Zero tr, echo cmd, devices terminal -> UICC, set result. */
void stk_cat_tr_init(struct stk_cat_terminal_response *tr,
    const struct stk_cat_cmd_details *cmd, uint8_t result);
/*
 * Append the TERMINAL RESPONSE data (no BER wrapper; all objects CR).
 * STK_E_INVALID when the result needs additional information (§8.12) and
 * add_info_len is 0; STK_E_CHARSET / STK_E_TOO_LONG for the text.
 */
int stk_cat_tr_encode(const struct stk_cat_terminal_response *tr,
    struct stk_buf *out);
/*
 * Decode TERMINAL RESPONSE data.  Command details, device identities and
 * result are mandatory and must come first in that order
 * (STK_E_NOT_FOUND); devices must be terminal -> UICC (STK_E_INVALID);
 * an empty result or a missing cause where §8.12 requires one is
 * STK_E_INVALID "result".
 */
int stk_cat_tr_decode(const uint8_t *in, size_t len,
    struct stk_cat_terminal_response *tr, struct stk_diag *diag);

/* ---- TERMINAL PROFILE (§5.2) ---------------------------------------- */

/* Named facilities of the profile; the table in cat_names.c maps each to
 * its (byte, bit) in TS 102 223 §5.2 (byte 1 = first octet, bit 1 = LSB). */
enum stk_tp_facility {
	STK_TP_PROFILE_DOWNLOAD,
	STK_TP_SMS_PP_DOWNLOAD,
	STK_TP_CB_DOWNLOAD,
	STK_TP_MENU_SELECTION,
	STK_TP_SMS_PP_9EXX,
	STK_TP_TIMER_EXPIRATION,
	STK_TP_USSD_IN_CC,
	STK_TP_CC_ENVELOPE_RETRY,
	STK_TP_COMMAND_RESULT,
	STK_TP_CALL_CONTROL,
	STK_TP_CC_CELL_ID,
	STK_TP_MO_SMS_CONTROL,
	STK_TP_CC_ALPHA_HANDLING,
	STK_TP_UCS2_ENTRY,
	STK_TP_UCS2_DISPLAY,
	STK_TP_DISPLAY_TEXT_EXTENSION,
	STK_TP_DISPLAY_TEXT,
	STK_TP_GET_INKEY,
	STK_TP_GET_INPUT,
	STK_TP_MORE_TIME,
	STK_TP_PLAY_TONE,
	STK_TP_POLL_INTERVAL,
	STK_TP_POLLING_OFF,
	STK_TP_REFRESH,
	STK_TP_SELECT_ITEM,
	STK_TP_SEND_SHORT_MESSAGE,
	STK_TP_SEND_SS,
	STK_TP_SEND_USSD,
	STK_TP_SET_UP_CALL,
	STK_TP_SET_UP_MENU,
	STK_TP_PROVIDE_LOCAL_INFO,
	STK_TP_PROVIDE_LOCAL_INFO_NMR,
	STK_TP_SET_UP_EVENT_LIST,
	STK_TP_EVENT_MT_CALL,
	STK_TP_EVENT_CALL_CONNECTED,
	STK_TP_EVENT_CALL_DISCONNECTED,
	STK_TP_EVENT_LOCATION_STATUS,
	STK_TP_EVENT_USER_ACTIVITY,
	STK_TP_EVENT_IDLE_SCREEN,
	STK_TP_EVENT_CARD_READER_STATUS,
	STK_TP_TIMER_MANAGEMENT,
	STK_TP_SET_UP_IDLE_MODE_TEXT,
	STK_TP_RUN_AT_COMMAND,
	STK_TP_SUSTAINED_DISPLAY_TEXT,
	STK_TP_SEND_DTMF,
	STK_TP_LANGUAGE_NOTIFICATION,
	STK_TP_LAUNCH_BROWSER,
	STK_TP_SOFT_KEYS_SELECT_ITEM,
	STK_TP_SOFT_KEYS_SET_UP_MENU,
	STK_TP_OPEN_CHANNEL,
	STK_TP_CLOSE_CHANNEL,
	STK_TP_RECEIVE_DATA,
	STK_TP_SEND_DATA,
	STK_TP_GET_CHANNEL_STATUS,
	STK_TP__COUNT
};

struct stk_tp_entry {
	uint8_t facility;	/* enum stk_tp_facility */
	uint8_t byte;		/* 1-based octet of the profile */
	uint8_t bit;		/* 1..8, 1 = least significant */
	const char *name;	/* e.g. "SMS-PP data download" */
};

/* The table, in profile order; *n receives its length. */
const struct stk_tp_entry *stk_tp_table(size_t *n);
/* The entry of a facility, or NULL for an out-of-range value. */
const struct stk_tp_entry *stk_tp_entry(unsigned facility);
/* Whether the profile (len octets) has the facility; false past its end. */
bool stk_tp_has(const uint8_t *tp, size_t len, unsigned facility);
/* Set or clear a facility; STK_E_NOSPACE when the profile is too short,
 * STK_E_ARG for an unknown facility. */
int stk_tp_set(uint8_t *tp, size_t len, unsigned facility, bool on);
/*
 * Print the profile: one line per named facility, "  byte B bit N: NAME:
 * yes|no", for the bytes present.  Returns STK_E_IO on a write error.
 */
int stk_tp_print(FILE *f, const uint8_t *tp, size_t len);

#endif
