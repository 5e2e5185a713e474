/*
 * sms_err.c - the name tables of RP causes, +CMS ERROR and +CME ERROR
 * codes (sms_err.h).  Lookups are linear: the tables are short and only
 * consulted on errors.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "sms_err.h"
#include "tpdu.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct code_name {
	unsigned code;
	const char *name;
};

/*
 * TS 24.011 §8.2.5.4 Table 8.4: the causes of RP-ERROR for MO (part 1)
 * and MT (part 2, cause 22) relays, with whether the failure is
 * temporary.
 */
static const struct {
	unsigned cause;
	int temporary;
	const char *name;
} rp_causes[] = {
	{ 1, 0, "Unassigned (unallocated) number" },
	{ 8, 0, "Operator determined barring" },
	{ 10, 0, "Call barred" },
	{ 11, 0, "Reserved" },
	{ 21, 0, "Short message transfer rejected" },
	{ 22, 1, "Memory capacity exceeded" },
	{ 27, 1, "Destination out of order" },
	{ 28, 0, "Unidentified subscriber" },
	{ 29, 0, "Facility rejected" },
	{ 30, 0, "Unknown subscriber" },
	{ 38, 1, "Network out of order" },
	{ 41, 1, "Temporary failure" },
	{ 42, 1, "Congestion" },
	{ 47, 1, "Resources unavailable, unspecified" },
	{ 50, 0, "Requested facility not subscribed" },
	{ 69, 0, "Requested facility not implemented" },
	{ 81, 0, "Invalid short message transfer reference value" },
	{ 95, 0, "Semantically incorrect message" },
	{ 96, 0, "Invalid mandatory information" },
	{ 97, 0, "Message type non-existent or not implemented" },
	{ 98, 0, "Message not compatible with short message protocol state" },
	{ 99, 0, "Information element non-existent or not implemented" },
	{ 111, 0, "Protocol error, unspecified" },
	{ 127, 0, "Interworking, unspecified" },
};

/* TS 27.005 §3.2.5 <err> 300-500 (ME/TA errors). */
static const struct code_name cms_errors[] = {
	{ 300, "ME failure" },
	{ 301, "SMS service of ME reserved" },
	{ 302, "operation not allowed" },
	{ 303, "operation not supported" },
	{ 304, "invalid PDU mode parameter" },
	{ 305, "invalid text mode parameter" },
	{ 310, "(U)SIM not inserted" },
	{ 311, "(U)SIM PIN required" },
	{ 312, "PH-(U)SIM PIN required" },
	{ 313, "(U)SIM failure" },
	{ 314, "(U)SIM busy" },
	{ 315, "(U)SIM wrong" },
	{ 316, "(U)SIM PUK required" },
	{ 317, "(U)SIM PIN2 required" },
	{ 318, "(U)SIM PUK2 required" },
	{ 320, "memory failure" },
	{ 321, "invalid memory index" },
	{ 322, "memory full" },
	{ 330, "SMSC address unknown" },
	{ 331, "no network service" },
	{ 332, "network timeout" },
	{ 340, "no +CNMA acknowledgement expected" },
	{ 500, "unknown error" },
};

/* TS 27.007 §9.2.1 (general) and §9.2.2 (GPRS) <err> values. */
static const struct code_name cme_errors[] = {
	{ 0, "phone failure" },
	{ 1, "no connection to phone" },
	{ 2, "phone-adaptor link reserved" },
	{ 3, "operation not allowed" },
	{ 4, "operation not supported" },
	{ 5, "PH-SIM PIN required" },
	{ 6, "PH-FSIM PIN required" },
	{ 7, "PH-FSIM PUK required" },
	{ 10, "SIM not inserted" },
	{ 11, "SIM PIN required" },
	{ 12, "SIM PUK required" },
	{ 13, "SIM failure" },
	{ 14, "SIM busy" },
	{ 15, "SIM wrong" },
	{ 16, "incorrect password" },
	{ 17, "SIM PIN2 required" },
	{ 18, "SIM PUK2 required" },
	{ 20, "memory full" },
	{ 21, "invalid index" },
	{ 22, "not found" },
	{ 23, "memory failure" },
	{ 24, "text string too long" },
	{ 25, "invalid characters in text string" },
	{ 26, "dial string too long" },
	{ 27, "invalid characters in dial string" },
	{ 30, "no network service" },
	{ 31, "network timeout" },
	{ 32, "network not allowed - emergency calls only" },
	{ 40, "network personalization PIN required" },
	{ 41, "network personalization PUK required" },
	{ 100, "unknown" },
};

static int
rp_index(unsigned cause)
{
	for (size_t i = 0; i < NELEM(rp_causes); i++)
		if (rp_causes[i].cause == cause)
			return (int)i;
	return -1;
}

static const char *
find(const struct code_name *t, size_t n, unsigned code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return NULL;
}

/* Whether name is the len octets of text, regardless of case. */
static int
same_text(const char *name, const char *text, size_t len)
{
	return strlen(name) == len && strncasecmp(name, text, len) == 0;
}

const char *
stk_rp_cause_name(unsigned cause)
{
	int i = rp_index(cause);

	return i >= 0 ? rp_causes[i].name : "unknown RP cause";
}

int
stk_rp_cause_temporary(unsigned cause)
{
	int i = rp_index(cause);

	return i >= 0 ? rp_causes[i].temporary : -1;
}

const char *
stk_cms_error_name(unsigned code)
{
	const char *s;

	if (code < 128)
		return stk_rp_cause_name(code);
	if (code < 256)
		return stk_fcs_name((uint8_t)code);
	if ((s = find(cms_errors, NELEM(cms_errors), code)) != NULL)
		return s;
	return code >= 512 ? "manufacturer specific" : "reserved";
}

const char *
stk_cme_error_name(unsigned code)
{
	const char *s = find(cme_errors, NELEM(cme_errors), code);

	return s != NULL ? s : "unknown";
}

int
stk_cms_error_from_name(const char *text, size_t len)
{
	for (size_t i = 0; i < NELEM(cms_errors); i++)
		if (same_text(cms_errors[i].name, text, len))
			return (int)cms_errors[i].code;
	for (size_t i = 0; i < NELEM(rp_causes); i++)
		if (same_text(rp_causes[i].name, text, len))
			return (int)rp_causes[i].cause;
	return -1;
}

int
stk_cme_error_from_name(const char *text, size_t len)
{
	for (size_t i = 0; i < NELEM(cme_errors); i++)
		if (same_text(cme_errors[i].name, text, len))
			return (int)cme_errors[i].code;
	return -1;
}
