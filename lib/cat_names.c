/*
 * cat_names.c - the name tables of the Card Application Toolkit, once:
 * BER tags (TS 102 223 §9.1), COMPREHENSION-TLV tags (§9.3), command types
 * (§9.4), device identities (§8.7), general results (§8.12), duration units
 * (§8.8), command qualifiers (§8.6) and the TERMINAL PROFILE (§5.2, with
 * the 3GPP facilities of TS 31.111 §5.2).
 */
#include <stdio.h>
#include <string.h>

#include "cat.h"
#include "err.h"

struct cat_name {
	unsigned value;
	const char *name;
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
lookup(const struct cat_name *t, size_t n, unsigned value)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return NULL;
}

/* TS 102 223 §9.1 */
static const struct cat_name ber_tags[] = {
	{ STK_CAT_BER_PROACTIVE, "proactive command" },
	{ STK_CAT_BER_SMS_PP_DOWNLOAD, "SMS-PP download" },
	{ STK_CAT_BER_CB_DOWNLOAD, "cell broadcast download" },
	{ STK_CAT_BER_MENU_SELECTION, "menu selection" },
	{ STK_CAT_BER_CALL_CONTROL, "call control" },
	{ STK_CAT_BER_MO_SMS_CONTROL, "MO short message control" },
	{ STK_CAT_BER_EVENT_DOWNLOAD, "event download" },
	{ STK_CAT_BER_TIMER_EXPIRATION, "timer expiration" },
};

/* TS 102 223 §9.3 */
static const struct cat_name ctlv_tags[] = {
	{ STK_CAT_TAG_COMMAND_DETAILS, "command details" },
	{ STK_CAT_TAG_DEVICE_IDENTITIES, "device identities" },
	{ STK_CAT_TAG_RESULT, "result" },
	{ STK_CAT_TAG_DURATION, "duration" },
	{ STK_CAT_TAG_ALPHA_ID, "alpha identifier" },
	{ STK_CAT_TAG_ADDRESS, "address" },
	{ STK_CAT_TAG_CAPABILITY_CONFIG, "capability configuration parameters" },
	{ STK_CAT_TAG_SUBADDRESS, "subaddress" },
	{ STK_CAT_TAG_SS_STRING, "SS string" },
	{ STK_CAT_TAG_USSD_STRING, "USSD string" },
	{ STK_CAT_TAG_SMS_TPDU, "SMS TPDU" },
	{ STK_CAT_TAG_CB_PAGE, "cell broadcast page" },
	{ STK_CAT_TAG_TEXT_STRING, "text string" },
	{ STK_CAT_TAG_TONE, "tone" },
	{ STK_CAT_TAG_ITEM, "item" },
	{ STK_CAT_TAG_ITEM_ID, "item identifier" },
	{ STK_CAT_TAG_RESPONSE_LENGTH, "response length" },
	{ STK_CAT_TAG_FILE_LIST, "file list" },
	{ STK_CAT_TAG_LOCATION_INFO, "location information" },
	{ STK_CAT_TAG_IMEI, "IMEI" },
	{ STK_CAT_TAG_HELP_REQUEST, "help request" },
	{ STK_CAT_TAG_NMR, "network measurement results" },
	{ STK_CAT_TAG_DEFAULT_TEXT, "default text" },
	{ STK_CAT_TAG_ITEMS_NEXT_ACTION, "items next action indicator" },
	{ STK_CAT_TAG_EVENT_LIST, "event list" },
	{ STK_CAT_TAG_CAUSE, "cause" },
	{ STK_CAT_TAG_LOCATION_STATUS, "location status" },
	{ STK_CAT_TAG_TRANSACTION_ID, "transaction identifier" },
	{ STK_CAT_TAG_BCCH_LIST, "BCCH channel list" },
	{ STK_CAT_TAG_ICON_ID, "icon identifier" },
	{ STK_CAT_TAG_ITEM_ICON_ID_LIST, "item icon identifier list" },
	{ STK_CAT_TAG_TIMER_ID, "timer identifier" },
	{ STK_CAT_TAG_TIMER_VALUE, "timer value" },
	{ STK_CAT_TAG_DATE_TIME_TZ, "date-time and time zone" },
	{ STK_CAT_TAG_IMMEDIATE_RESPONSE, "immediate response" },
	{ STK_CAT_TAG_DTMF_STRING, "DTMF string" },
	{ STK_CAT_TAG_LANGUAGE, "language" },
	{ STK_CAT_TAG_BROWSER_ID, "browser identity" },
	{ STK_CAT_TAG_URL, "URL" },
	{ STK_CAT_TAG_CHANNEL_DATA, "channel data" },
	{ STK_CAT_TAG_CHANNEL_STATUS, "channel status" },
	{ STK_CAT_TAG_BUFFER_SIZE, "buffer size" },
	{ STK_CAT_TAG_TEXT_ATTRIBUTE, "text attribute" },
	{ STK_CAT_TAG_ITEM_TEXT_ATTRIBUTE_LIST, "item text attribute list" },
	{ STK_CAT_TAG_FRAME_ID, "frame identifier" },
};

/* TS 102 223 §9.4 */
static const struct cat_name cmd_types[] = {
	{ STK_CAT_CMD_REFRESH, "REFRESH" },
	{ STK_CAT_CMD_MORE_TIME, "MORE TIME" },
	{ STK_CAT_CMD_POLL_INTERVAL, "POLL INTERVAL" },
	{ STK_CAT_CMD_POLLING_OFF, "POLLING OFF" },
	{ STK_CAT_CMD_SET_UP_EVENT_LIST, "SET UP EVENT LIST" },
	{ STK_CAT_CMD_SET_UP_CALL, "SET UP CALL" },
	{ STK_CAT_CMD_SEND_SS, "SEND SS" },
	{ STK_CAT_CMD_SEND_USSD, "SEND USSD" },
	{ STK_CAT_CMD_SEND_SHORT_MESSAGE, "SEND SHORT MESSAGE" },
	{ STK_CAT_CMD_SEND_DTMF, "SEND DTMF" },
	{ STK_CAT_CMD_LAUNCH_BROWSER, "LAUNCH BROWSER" },
	{ STK_CAT_CMD_PLAY_TONE, "PLAY TONE" },
	{ STK_CAT_CMD_DISPLAY_TEXT, "DISPLAY TEXT" },
	{ STK_CAT_CMD_GET_INKEY, "GET INKEY" },
	{ STK_CAT_CMD_GET_INPUT, "GET INPUT" },
	{ STK_CAT_CMD_SELECT_ITEM, "SELECT ITEM" },
	{ STK_CAT_CMD_SET_UP_MENU, "SET UP MENU" },
	{ STK_CAT_CMD_PROVIDE_LOCAL_INFO, "PROVIDE LOCAL INFORMATION" },
	{ STK_CAT_CMD_TIMER_MANAGEMENT, "TIMER MANAGEMENT" },
	{ STK_CAT_CMD_SET_UP_IDLE_MODE_TEXT, "SET UP IDLE MODE TEXT" },
	{ STK_CAT_CMD_PERFORM_CARD_APDU, "PERFORM CARD APDU" },
	{ STK_CAT_CMD_POWER_ON_CARD, "POWER ON CARD" },
	{ STK_CAT_CMD_POWER_OFF_CARD, "POWER OFF CARD" },
	{ STK_CAT_CMD_GET_READER_STATUS, "GET READER STATUS" },
	{ STK_CAT_CMD_RUN_AT_COMMAND, "RUN AT COMMAND" },
	{ STK_CAT_CMD_LANGUAGE_NOTIFICATION, "LANGUAGE NOTIFICATION" },
	{ STK_CAT_CMD_OPEN_CHANNEL, "OPEN CHANNEL" },
	{ STK_CAT_CMD_CLOSE_CHANNEL, "CLOSE CHANNEL" },
	{ STK_CAT_CMD_RECEIVE_DATA, "RECEIVE DATA" },
	{ STK_CAT_CMD_SEND_DATA, "SEND DATA" },
	{ STK_CAT_CMD_GET_CHANNEL_STATUS, "GET CHANNEL STATUS" },
	{ STK_CAT_CMD_END_OF_SESSION, "end of the proactive session" },
};

/* TS 102 223 §8.7; card readers and channels are ranges (below). */
static const struct cat_name devices[] = {
	{ STK_CAT_DEV_KEYPAD, "keypad" },
	{ STK_CAT_DEV_DISPLAY, "display" },
	{ STK_CAT_DEV_EARPIECE, "earpiece" },
	{ STK_CAT_DEV_UICC, "UICC" },
	{ STK_CAT_DEV_TERMINAL, "terminal" },
	{ STK_CAT_DEV_NETWORK, "network" },
};

static const char *const reader_names[8] = {
	"additional card reader 0", "additional card reader 1",
	"additional card reader 2", "additional card reader 3",
	"additional card reader 4", "additional card reader 5",
	"additional card reader 6", "additional card reader 7",
};

static const char *const channel_names[7] = {
	"channel 1", "channel 2", "channel 3", "channel 4", "channel 5",
	"channel 6", "channel 7",
};

/* TS 102 223 §8.12 (34, 35, 37: TS 31.111 §8.12) */
static const struct cat_name results[] = {
	{ 0x00, "command performed successfully" },
	{ 0x01, "command performed with partial comprehension" },
	{ 0x02, "command performed, with missing information" },
	{ 0x03, "REFRESH performed with additional EFs read" },
	{ 0x04, "command performed successfully, but requested icon could not be displayed" },
	{ 0x05, "command performed, but modified by call control by NAA" },
	{ 0x06, "command performed successfully, limited service" },
	{ 0x07, "command performed with modification" },
	{ 0x08, "REFRESH performed but indicated NAA was not active" },
	{ 0x09, "command performed successfully, tone not played" },
	{ 0x10, "proactive UICC session terminated by the user" },
	{ 0x11, "backward move in the proactive UICC session requested by the user" },
	{ 0x12, "no response from user" },
	{ 0x13, "help information required by the user" },
	{ 0x14, "USSD or SS transaction terminated by the user" },
	{ 0x20, "terminal currently unable to process command" },
	{ 0x21, "network currently unable to process command" },
	{ 0x22, "user did not accept the proactive command" },
	{ 0x23, "user cleared down call before connection or network release" },
	{ 0x24, "action in contradiction with the current timer state" },
	{ 0x25, "interaction with call control by NAA, temporary problem" },
	{ 0x26, "launch browser generic error code" },
	{ 0x27, "MMS temporary problem" },
	{ 0x30, "command beyond terminal's capabilities" },
	{ 0x31, "command type not understood by terminal" },
	{ 0x32, "command data not understood by terminal" },
	{ 0x33, "command number not known by terminal" },
	{ 0x34, "SS return error" },
	{ 0x35, "SMS RP-ERROR" },
	{ 0x36, "error, required values are missing" },
	{ 0x37, "USSD return error" },
	{ 0x38, "MultipleCard commands error" },
	{ 0x39, "interaction with call control by NAA, permanent problem" },
	{ 0x3a, "bearer independent protocol error" },
	{ 0x3b, "access technology unable to process command" },
	{ 0x3c, "frames error" },
	{ 0x3d, "MMS error" },
};

/* §8.12: general results that need a cause as additional information */
static const uint8_t results_with_cause[] = {
	0x20, 0x21, 0x26, 0x34, 0x35, 0x37, 0x38, 0x39, 0x3a, 0x3c, 0x3d,
};

static const struct cat_name time_units[] = {
	{ 0x00, "minutes" },
	{ 0x01, "seconds" },
	{ 0x02, "tenths of seconds" },
};

const char *
stk_cat_ber_tag_name(uint8_t tag)
{
	return lookup(ber_tags, NELEM(ber_tags), tag);
}

const char *
stk_cat_tag_name(unsigned tag)
{
	return lookup(ctlv_tags, NELEM(ctlv_tags), tag);
}

const char *
stk_cat_cmd_name(uint8_t type)
{
	return lookup(cmd_types, NELEM(cmd_types), type);
}

const char *
stk_cat_device_name(uint8_t dev)
{
	if (dev >= 0x10 && dev <= 0x17)
		return reader_names[dev - 0x10];
	if (dev >= 0x21 && dev <= 0x27)
		return channel_names[dev - 0x21];
	return lookup(devices, NELEM(devices), dev);
}

const char *
stk_cat_result_name(uint8_t general)
{
	return lookup(results, NELEM(results), general);
}

bool
stk_cat_result_needs_info(uint8_t general)
{
	for (size_t i = 0; i < NELEM(results_with_cause); i++)
		if (results_with_cause[i] == general)
			return true;
	return false;
}

const char *
stk_cat_time_unit_name(uint8_t unit)
{
	return lookup(time_units, NELEM(time_units), unit);
}

/*
 * Qualifier bit meanings (§8.6), one row per bit that has a meaning for the
 * command type: (type, mask, text when set, text when clear).
 */
struct qual_bit {
	uint8_t type;
	uint8_t mask;
	const char *set;
	const char *clear;
};

static const struct qual_bit qual_bits[] = {
	{ STK_CAT_CMD_DISPLAY_TEXT, STK_CAT_DT_HIGH_PRIORITY,
	    "high priority", "normal priority" },
	{ STK_CAT_CMD_DISPLAY_TEXT, STK_CAT_DT_WAIT_FOR_USER,
	    "wait for user to clear message", "clear message after a delay" },
	{ STK_CAT_CMD_GET_INPUT, STK_CAT_GI_ALPHABET,
	    "alphabet set", "digits (0-9, *, #, +) only" },
	{ STK_CAT_CMD_GET_INPUT, STK_CAT_GI_UCS2,
	    "UCS2 alphabet", "SMS default alphabet" },
	{ STK_CAT_CMD_GET_INPUT, STK_CAT_GI_HIDDEN,
	    "user input shall not be revealed", "terminal may echo user input" },
	{ STK_CAT_CMD_GET_INPUT, STK_CAT_GI_PACKED,
	    "user input in SMS packed format", "user input unpacked" },
	{ STK_CAT_CMD_GET_INPUT, STK_CAT_GI_HELP,
	    "help information available", "no help information available" },
	{ STK_CAT_CMD_SELECT_ITEM, STK_CAT_SI_PRESENTATION,
	    "presentation type specified", "presentation type not specified" },
	{ STK_CAT_CMD_SELECT_ITEM, STK_CAT_SI_NAVIGATION,
	    "presentation as a choice of navigation options",
	    "presentation as a choice of data values" },
	{ STK_CAT_CMD_SELECT_ITEM, STK_CAT_SI_SOFT_KEY,
	    "selection using soft key preferred", "no selection preference" },
	{ STK_CAT_CMD_SELECT_ITEM, STK_CAT_SI_HELP,
	    "help information available", "no help information available" },
	{ STK_CAT_CMD_SET_UP_MENU, STK_CAT_SM_SOFT_KEY,
	    "selection using soft key preferred", "no selection preference" },
	{ STK_CAT_CMD_SET_UP_MENU, STK_CAT_SM_HELP,
	    "help information available", "no help information available" },
	{ STK_CAT_CMD_SEND_SHORT_MESSAGE, STK_CAT_SSM_PACKING_REQUIRED,
	    "packing by the terminal required", "packing not required" },
};

const char *
stk_cat_qualifier_describe(uint8_t type, uint8_t qualifier, char *out,
    size_t outsz)
{
	size_t used = 0;
	uint8_t known = 0;

	if (outsz == 0)
		return out;
	out[0] = '\0';
	for (size_t i = 0; i < NELEM(qual_bits); i++) {
		const struct qual_bit *q = &qual_bits[i];
		const char *text;
		int n;

		if (q->type != type)
			continue;
		known |= q->mask;
		text = (qualifier & q->mask) ? q->set : q->clear;
		n = snprintf(out + used, outsz - used, "%s%s",
		    used > 0 ? ", " : "", text);
		if (n < 0 || (size_t)n >= outsz - used)
			return out;
		used += (size_t)n;
	}
	if (known == 0)
		snprintf(out, outsz, "no qualifier bits defined here");
	else if ((qualifier & (uint8_t)~known) != 0)
		snprintf(out + used, outsz - used, ", RFU bits 0x%02X",
		    qualifier & (uint8_t)~known);
	return out;
}

/* ---- TERMINAL PROFILE (TS 102 223 §5.2, TS 31.111 §5.2) ------------- */

static const struct stk_tp_entry tp_table[] = {
	{ STK_TP_PROFILE_DOWNLOAD, 1, 1, "profile download" },
	{ STK_TP_SMS_PP_DOWNLOAD, 1, 2, "SMS-PP data download" },
	{ STK_TP_CB_DOWNLOAD, 1, 3, "cell broadcast data download" },
	{ STK_TP_MENU_SELECTION, 1, 4, "menu selection" },
	{ STK_TP_SMS_PP_9EXX, 1, 5, "'9EXX' response code for SIM data download error" },
	{ STK_TP_TIMER_EXPIRATION, 1, 6, "timer expiration" },
	{ STK_TP_USSD_IN_CC, 1, 7, "USSD string data object supported in call control" },
	{ STK_TP_CC_ENVELOPE_RETRY, 1, 8, "call control by NAA (envelope sent during automatic redial)" },
	{ STK_TP_COMMAND_RESULT, 2, 1, "command result" },
	{ STK_TP_CALL_CONTROL, 2, 2, "call control by NAA" },
	{ STK_TP_CC_CELL_ID, 2, 3, "cell identity included in call control by NAA" },
	{ STK_TP_MO_SMS_CONTROL, 2, 4, "MO short message control by NAA" },
	{ STK_TP_CC_ALPHA_HANDLING, 2, 5, "handling of the alpha identifier in call control" },
	{ STK_TP_UCS2_ENTRY, 2, 6, "UCS2 entry supported" },
	{ STK_TP_UCS2_DISPLAY, 2, 7, "UCS2 display supported" },
	{ STK_TP_DISPLAY_TEXT_EXTENSION, 2, 8, "display text (extension text)" },
	{ STK_TP_DISPLAY_TEXT, 3, 1, "proactive UICC: DISPLAY TEXT" },
	{ STK_TP_GET_INKEY, 3, 2, "proactive UICC: GET INKEY" },
	{ STK_TP_GET_INPUT, 3, 3, "proactive UICC: GET INPUT" },
	{ STK_TP_MORE_TIME, 3, 4, "proactive UICC: MORE TIME" },
	{ STK_TP_PLAY_TONE, 3, 5, "proactive UICC: PLAY TONE" },
	{ STK_TP_POLL_INTERVAL, 3, 6, "proactive UICC: POLL INTERVAL" },
	{ STK_TP_POLLING_OFF, 3, 7, "proactive UICC: POLLING OFF" },
	{ STK_TP_REFRESH, 3, 8, "proactive UICC: REFRESH" },
	{ STK_TP_SELECT_ITEM, 4, 1, "proactive UICC: SELECT ITEM" },
	{ STK_TP_SEND_SHORT_MESSAGE, 4, 2, "proactive UICC: SEND SHORT MESSAGE with 3GPP-SMS-TPDU" },
	{ STK_TP_SEND_SS, 4, 3, "proactive UICC: SEND SS" },
	{ STK_TP_SEND_USSD, 4, 4, "proactive UICC: SEND USSD" },
	{ STK_TP_SET_UP_CALL, 4, 5, "proactive UICC: SET UP CALL" },
	{ STK_TP_SET_UP_MENU, 4, 6, "proactive UICC: SET UP MENU" },
	{ STK_TP_PROVIDE_LOCAL_INFO, 4, 7, "proactive UICC: PROVIDE LOCAL INFORMATION (MCC, MNC, LAC, cell ID, IMEI)" },
	{ STK_TP_PROVIDE_LOCAL_INFO_NMR, 4, 8, "proactive UICC: PROVIDE LOCAL INFORMATION (NMR)" },
	{ STK_TP_SET_UP_EVENT_LIST, 5, 1, "proactive UICC: SET UP EVENT LIST" },
	{ STK_TP_EVENT_MT_CALL, 5, 2, "event: MT call" },
	{ STK_TP_EVENT_CALL_CONNECTED, 5, 3, "event: call connected" },
	{ STK_TP_EVENT_CALL_DISCONNECTED, 5, 4, "event: call disconnected" },
	{ STK_TP_EVENT_LOCATION_STATUS, 5, 5, "event: location status" },
	{ STK_TP_EVENT_USER_ACTIVITY, 5, 6, "event: user activity" },
	{ STK_TP_EVENT_IDLE_SCREEN, 5, 7, "event: idle screen available" },
	{ STK_TP_EVENT_CARD_READER_STATUS, 5, 8, "event: card reader status" },
	{ STK_TP_TIMER_MANAGEMENT, 8, 1, "proactive UICC: TIMER MANAGEMENT (start, stop)" },
	{ STK_TP_SET_UP_IDLE_MODE_TEXT, 8, 5, "proactive UICC: SET UP IDLE MODE TEXT" },
	{ STK_TP_RUN_AT_COMMAND, 8, 6, "proactive UICC: RUN AT COMMAND" },
	{ STK_TP_SUSTAINED_DISPLAY_TEXT, 9, 1, "proactive UICC: DISPLAY TEXT (sustained)" },
	{ STK_TP_SEND_DTMF, 9, 2, "proactive UICC: SEND DTMF" },
	{ STK_TP_LANGUAGE_NOTIFICATION, 9, 6, "proactive UICC: LANGUAGE NOTIFICATION" },
	{ STK_TP_LAUNCH_BROWSER, 9, 7, "proactive UICC: LAUNCH BROWSER" },
	{ STK_TP_SOFT_KEYS_SELECT_ITEM, 10, 1, "soft keys support for SELECT ITEM" },
	{ STK_TP_SOFT_KEYS_SET_UP_MENU, 10, 2, "soft keys support for SET UP MENU" },
	{ STK_TP_OPEN_CHANNEL, 12, 1, "proactive UICC: OPEN CHANNEL" },
	{ STK_TP_CLOSE_CHANNEL, 12, 2, "proactive UICC: CLOSE CHANNEL" },
	{ STK_TP_RECEIVE_DATA, 12, 3, "proactive UICC: RECEIVE DATA" },
	{ STK_TP_SEND_DATA, 12, 4, "proactive UICC: SEND DATA" },
	{ STK_TP_GET_CHANNEL_STATUS, 12, 5, "proactive UICC: GET CHANNEL STATUS" },
};

_Static_assert(NELEM(tp_table) == STK_TP__COUNT,
    "one TERMINAL PROFILE row per facility");

const struct stk_tp_entry *
stk_tp_table(size_t *n)
{
	*n = NELEM(tp_table);
	return tp_table;
}

const struct stk_tp_entry *
stk_tp_entry(unsigned facility)
{
	for (size_t i = 0; i < NELEM(tp_table); i++)
		if (tp_table[i].facility == facility)
			return &tp_table[i];
	return NULL;
}

bool
stk_tp_has(const uint8_t *tp, size_t len, unsigned facility)
{
	const struct stk_tp_entry *e = stk_tp_entry(facility);

	if (e == NULL || tp == NULL || e->byte > len)
		return false;
	return (tp[e->byte - 1] >> (e->bit - 1)) & 1;
}

int
stk_tp_set(uint8_t *tp, size_t len, unsigned facility, bool on)
{
	const struct stk_tp_entry *e = stk_tp_entry(facility);
	uint8_t mask;

	if (e == NULL || tp == NULL)
		return STK_E_ARG;
	if (e->byte > len)
		return STK_E_NOSPACE;
	mask = (uint8_t)(1u << (e->bit - 1));
	if (on)
		tp[e->byte - 1] |= mask;
	else
		tp[e->byte - 1] &= (uint8_t)~mask;
	return STK_OK;
}

int
stk_tp_print(FILE *f, const uint8_t *tp, size_t len)
{
	for (size_t i = 0; i < NELEM(tp_table); i++) {
		const struct stk_tp_entry *e = &tp_table[i];

		if (e->byte > len)
			continue;
		if (fprintf(f, "  byte %u bit %u: %s: %s\n", e->byte, e->bit,
		    e->name, stk_tp_has(tp, len, e->facility) ? "yes" : "no")
		    < 0)
			return STK_E_IO;
	}
	return ferror(f) ? STK_E_IO : STK_OK;
}
