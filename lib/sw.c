/*
 * sw.c - the status word table (sw.h): ISO/IEC 7816-4 §5.6, ETSI TS 102 221
 * §10.2.1, 3GPP TS 51.011 §9.4, and the toolkit ones (TS 102 221 §10.2.1.1,
 * TS 102 223: 91xx, 9300).
 */
#include <stdio.h>

#include "sw.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define ISO "ISO 7816-4"
#define UICC "TS 102 221"
#define GSM "TS 51.011"

#define X(sw, mask, param, cls, name, src) \
	{ (sw), (mask), STK_SW_PARAM_##param, STK_SW_CLASS_##cls, (name), (src) }

static const struct stk_sw_entry sw_table[] = {
	/* normal processing */
	X(0x9000, 0xffff, NONE, NORMAL, "normal ending of the command", ISO),
	X(0x9100, 0xff00, LENGTH, NORMAL, "proactive command pending", UICC),
	X(0x9200, 0xff00, LENGTH, NORMAL,
	    "normal ending, extra information on an ongoing data transfer session",
	    UICC),
	/* postponed processing */
	X(0x9300, 0xffff, NONE, POSTPONED,
	    "SIM Application Toolkit is busy, command cannot be executed at present",
	    UICC),
	/* responses of the T=0 transport / GSM SIM */
	X(0x6100, 0xff00, LENGTH256, TRANSPORT, "response bytes available", ISO),
	X(0x6c00, 0xff00, LENGTH, TRANSPORT, "wrong length Le, exact length",
	    ISO),
	X(0x9f00, 0xff00, LENGTH, TRANSPORT, "response data available", GSM),
	X(0x9e00, 0xff00, LENGTH, TRANSPORT,
	    "SIM data download error, response data available", GSM),
	/* warnings */
	X(0x6200, 0xff00, VALUE, WARNING,
	    "warning, state of non-volatile memory unchanged", ISO),
	X(0x6200, 0xffff, NONE, WARNING,
	    "no information given, state of non-volatile memory unchanged", ISO),
	X(0x6281, 0xffff, NONE, WARNING,
	    "part of returned data may be corrupted", ISO),
	X(0x6282, 0xffff, NONE, WARNING,
	    "end of file/record reached before reading Le bytes", ISO),
	X(0x6283, 0xffff, NONE, WARNING, "selected file invalidated", ISO),
	X(0x6285, 0xffff, NONE, WARNING, "selected file in termination state",
	    UICC),
	X(0x62f1, 0xffff, NONE, WARNING, "more data available", UICC),
	X(0x62f2, 0xffff, NONE, WARNING,
	    "more data available and proactive command pending", UICC),
	X(0x62f3, 0xffff, NONE, WARNING, "response data available", UICC),
	X(0x6300, 0xff00, VALUE, WARNING,
	    "warning, state of non-volatile memory changed", ISO),
	X(0x6300, 0xffff, NONE, WARNING,
	    "no information given, verification or authentication failed", ISO),
	X(0x6381, 0xffff, NONE, WARNING, "file filled up by the last write",
	    ISO),
	X(0x63c0, 0xfff0, RETRIES, WARNING, "verification failed", ISO),
	X(0x63f1, 0xffff, NONE, WARNING, "more data expected", UICC),
	X(0x63f2, 0xffff, NONE, WARNING,
	    "more data expected and proactive command pending", UICC),
	/* execution errors */
	X(0x6400, 0xff00, VALUE, EXEC_ERROR,
	    "execution error, state of non-volatile memory unchanged", ISO),
	X(0x6400, 0xffff, NONE, EXEC_ERROR,
	    "no information given, state of non-volatile memory unchanged", ISO),
	X(0x6500, 0xff00, VALUE, EXEC_ERROR,
	    "execution error, state of non-volatile memory changed", ISO),
	X(0x6500, 0xffff, NONE, EXEC_ERROR,
	    "no information given, state of non-volatile memory changed", ISO),
	X(0x6581, 0xffff, NONE, EXEC_ERROR, "memory problem", ISO),
	X(0x6600, 0xff00, VALUE, EXEC_ERROR, "security-related issue", ISO),
	/* checking errors */
	X(0x6700, 0xff00, VALUE, CHECK_ERROR, "wrong length", ISO),
	X(0x6700, 0xffff, NONE, CHECK_ERROR, "wrong length", ISO),
	X(0x6800, 0xff00, VALUE, CHECK_ERROR,
	    "functions in CLA not supported", ISO),
	X(0x6881, 0xffff, NONE, CHECK_ERROR, "logical channel not supported",
	    ISO),
	X(0x6882, 0xffff, NONE, CHECK_ERROR, "secure messaging not supported",
	    ISO),
	X(0x6900, 0xff00, VALUE, CHECK_ERROR, "command not allowed", ISO),
	X(0x6900, 0xffff, NONE, CHECK_ERROR,
	    "command not allowed, no information given", ISO),
	X(0x6981, 0xffff, NONE, CHECK_ERROR,
	    "command incompatible with file structure", ISO),
	X(0x6982, 0xffff, NONE, CHECK_ERROR, "security status not satisfied",
	    ISO),
	X(0x6983, 0xffff, NONE, CHECK_ERROR,
	    "authentication/verification method blocked", ISO),
	X(0x6984, 0xffff, NONE, CHECK_ERROR, "referenced data invalidated",
	    ISO),
	X(0x6985, 0xffff, NONE, CHECK_ERROR, "conditions of use not satisfied",
	    ISO),
	X(0x6986, 0xffff, NONE, CHECK_ERROR,
	    "command not allowed (no current EF)", ISO),
	X(0x6989, 0xffff, NONE, CHECK_ERROR,
	    "command not allowed, secure channel security not satisfied", UICC),
	X(0x6a00, 0xff00, VALUE, CHECK_ERROR, "wrong parameter(s) P1-P2", ISO),
	X(0x6a80, 0xffff, NONE, CHECK_ERROR,
	    "incorrect parameters in the data field", ISO),
	X(0x6a81, 0xffff, NONE, CHECK_ERROR, "function not supported", ISO),
	X(0x6a82, 0xffff, NONE, CHECK_ERROR, "file or application not found",
	    ISO),
	X(0x6a83, 0xffff, NONE, CHECK_ERROR, "record not found", ISO),
	X(0x6a84, 0xffff, NONE, CHECK_ERROR, "not enough memory space in the file",
	    ISO),
	X(0x6a86, 0xffff, NONE, CHECK_ERROR, "incorrect parameters P1 to P2",
	    ISO),
	X(0x6a87, 0xffff, NONE, CHECK_ERROR, "Lc inconsistent with P1 to P2",
	    ISO),
	X(0x6a88, 0xffff, NONE, CHECK_ERROR, "referenced data not found", ISO),
	X(0x6b00, 0xffff, NONE, CHECK_ERROR, "wrong parameter(s) P1-P2", ISO),
	X(0x6d00, 0xffff, NONE, CHECK_ERROR,
	    "instruction code not supported or invalid", ISO),
	X(0x6e00, 0xffff, NONE, CHECK_ERROR, "class not supported", ISO),
	X(0x6f00, 0xff00, VALUE, CHECK_ERROR, "technical problem", ISO),
	X(0x6f00, 0xffff, NONE, CHECK_ERROR,
	    "technical problem, no precise diagnosis", ISO),
	/* UICC security management (TS 102 221 §10.2.1.5) */
	X(0x9862, 0xffff, NONE, CHECK_ERROR,
	    "authentication error, application specific", UICC),
	X(0x9863, 0xffff, NONE, CHECK_ERROR,
	    "security session or association expired", UICC),
	/* GSM SIM (TS 51.011 §9.4) */
	X(0x9240, 0xffff, NONE, EXEC_ERROR, "memory problem", GSM),
	X(0x9400, 0xffff, NONE, CHECK_ERROR, "no EF selected", GSM),
	X(0x9402, 0xffff, NONE, CHECK_ERROR, "out of range (invalid address)",
	    GSM),
	X(0x9404, 0xffff, NONE, CHECK_ERROR, "file ID or pattern not found",
	    GSM),
	X(0x9408, 0xffff, NONE, CHECK_ERROR,
	    "file is inconsistent with the command", GSM),
	X(0x9802, 0xffff, NONE, CHECK_ERROR, "no CHV initialized", GSM),
	X(0x9804, 0xffff, NONE, CHECK_ERROR,
	    "access condition not fulfilled / unsuccessful CHV verification",
	    GSM),
	X(0x9808, 0xffff, NONE, CHECK_ERROR, "in contradiction with CHV status",
	    GSM),
	X(0x9810, 0xffff, NONE, CHECK_ERROR,
	    "in contradiction with invalidation status", GSM),
	X(0x9840, 0xffff, NONE, CHECK_ERROR,
	    "unsuccessful CHV verification, no attempt left", GSM),
	X(0x9850, 0xffff, NONE, CHECK_ERROR,
	    "increase cannot be performed, max value reached", GSM),
};

#undef X

/* The name of a status word outside the table. */
static const char unknown_name[] = "unknown status word";

static unsigned
popcount16(uint16_t v)
{
	unsigned n = 0;

	for (; v != 0; v &= (uint16_t)(v - 1))
		n++;
	return n;
}

const struct stk_sw_entry *
stk_sw_lookup(uint16_t sw)
{
	const struct stk_sw_entry *best = NULL;

	for (size_t i = 0; i < NELEM(sw_table); i++) {
		const struct stk_sw_entry *e = &sw_table[i];

		if ((sw & e->mask) != e->sw)
			continue;
		if (best == NULL || popcount16(e->mask) > popcount16(best->mask))
			best = e;
	}
	return best;
}

const char *
stk_sw_name(uint16_t sw)
{
	const struct stk_sw_entry *e = stk_sw_lookup(sw);

	return e != NULL ? e->name : unknown_name;
}

const char *
stk_sw_describe(uint16_t sw, char *out, size_t outsz)
{
	const struct stk_sw_entry *e = stk_sw_lookup(sw);
	unsigned sw2 = sw & 0xff;
	char param[32] = "";	/* what SW2 means for this entry */

	if (outsz == 0)
		return out;
	switch (e != NULL ? e->param : STK_SW_PARAM_NONE) {
	case STK_SW_PARAM_LENGTH:
		snprintf(param, sizeof(param), ", %u bytes%s", sw2,
		    e->sw == STK_SW_PROACTIVE_PENDING ? " to FETCH" : "");
		break;
	case STK_SW_PARAM_LENGTH256:
		snprintf(param, sizeof(param), ", %u bytes",
		    sw2 == 0 ? 256 : sw2);
		break;
	case STK_SW_PARAM_RETRIES:
		snprintf(param, sizeof(param), ", %u retr%s left", sw2 & 0x0f,
		    (sw2 & 0x0f) == 1 ? "y" : "ies");
		break;
	case STK_SW_PARAM_VALUE:
		snprintf(param, sizeof(param), " (SW2 %02X)", sw2);
		break;
	default:
		break;
	}
	snprintf(out, outsz, "%04X: %s%s", sw, e != NULL ? e->name :
	    unknown_name, param);
	return out;
}

enum stk_sw_class
stk_sw_class_of(uint16_t sw)
{
	const struct stk_sw_entry *e = stk_sw_lookup(sw);

	return e != NULL ? (enum stk_sw_class)e->cls : STK_SW_CLASS_UNKNOWN;
}

const char *
stk_sw_class_name(unsigned cls)
{
	static const char *const names[] = {
		[STK_SW_CLASS_NORMAL] = "normal processing",
		[STK_SW_CLASS_POSTPONED] = "postponed processing",
		[STK_SW_CLASS_WARNING] = "warning",
		[STK_SW_CLASS_EXEC_ERROR] = "execution error",
		[STK_SW_CLASS_CHECK_ERROR] = "checking error",
		[STK_SW_CLASS_TRANSPORT] = "transport (GET RESPONSE / Le)",
		[STK_SW_CLASS_UNKNOWN] = "unknown",
	};

	return cls < NELEM(names) ? names[cls] : "unknown";
}

bool
stk_sw_is_success(uint16_t sw)
{
	/* by the table, so 9240 (GSM SIM memory problem) is not a 92xx */
	return stk_sw_class_of(sw) == STK_SW_CLASS_NORMAL;
}

bool
stk_sw_proactive_pending(uint16_t sw, uint8_t *len)
{
	/* TS 102 221 §10.2.1.1: 91XX, XX = length of the command (1..FF) */
	if ((sw & 0xff00) != 0x9100 || (sw & 0xff) == 0)
		return false;
	if (len != NULL)
		*len = (uint8_t)(sw & 0xff);
	return true;
}

const struct stk_sw_entry *
stk_sw_table(size_t *n)
{
	*n = NELEM(sw_table);
	return sw_table;
}
