/*
 * modem_err.c - name and class tables of the modem error codes (see
 * modem_err.h).  One table per code space; lookups are linear (the tables
 * are short and only consulted on errors).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "modem_err.h"
#include "tpdu.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct code_class {
	unsigned code;
	enum transport_fail cls;
	const char *name;
};

#define TEMP TRANSPORT_FAIL_TEMPORARY
#define PERM TRANSPORT_FAIL_PERMANENT
#define SLOW TRANSPORT_FAIL_THROTTLED

/*
 * TS 24.011 §8.2.5.4 table 8.4, the causes of an RP-ERROR to an MO
 * submission.  Per the note to that table a cause not listed is treated
 * as 41 "Temporary failure".  Congestion asks the sender to slow down.
 */
static const struct code_class rp_causes[] = {
	{ 1, PERM, "Unassigned (unallocated) number" },
	{ 8, PERM, "Operator determined barring" },
	{ 10, PERM, "Call barred" },
	{ 11, PERM, "Reserved" },
	{ 21, PERM, "Short message transfer rejected" },
	{ 22, TEMP, "Memory capacity exceeded" },
	{ 27, TEMP, "Destination out of order" },
	{ 28, PERM, "Unidentified subscriber" },
	{ 29, PERM, "Facility rejected" },
	{ 30, PERM, "Unknown subscriber" },
	{ 38, TEMP, "Network out of order" },
	{ 41, TEMP, "Temporary failure" },
	{ 42, SLOW, "Congestion" },
	{ 47, TEMP, "Resources unavailable, unspecified" },
	{ 50, PERM, "Requested facility not subscribed" },
	{ 69, PERM, "Requested facility not implemented" },
	{ 81, PERM, "Invalid short message transfer reference value" },
	{ 95, PERM, "Semantically incorrect message" },
	{ 96, PERM, "Invalid mandatory information" },
	{ 97, PERM, "Message type non-existent or not implemented" },
	{ 98, PERM, "Message not compatible with short message protocol state" },
	{ 99, PERM, "Information element non-existent or not implemented" },
	{ 111, PERM, "Protocol error, unspecified" },
	{ 127, PERM, "Interworking, unspecified" },
};

/*
 * TS 23.040 §9.2.3.22 TP-FCS values that are not the message's fault: the
 * SC is busy or failing.  Every other TP-FCS rejects the TPDU itself.
 */
static const struct code_class fcs_classes[] = {
	{ 0xc0, SLOW, NULL },	/* SC busy */
	{ 0xc2, TEMP, NULL },	/* SC system failure */
	{ 0xff, TEMP, NULL },	/* unspecified error cause */
};

/*
 * TS 27.005 §3.2.5 <err> 300-500.  A refused PDU parameter is the
 * message's fault; everything else concerns this modem or its SIM, so the
 * message may well go through another one.
 */
static const struct code_class cms_errors[] = {
	{ 300, TEMP, "ME failure" },
	{ 301, TEMP, "SMS service of ME reserved" },
	{ 302, TEMP, "operation not allowed" },
	{ 303, TEMP, "operation not supported" },
	{ 304, PERM, "invalid PDU mode parameter" },
	{ 305, PERM, "invalid text mode parameter" },
	{ 310, TEMP, "(U)SIM not inserted" },
	{ 311, TEMP, "(U)SIM PIN required" },
	{ 312, TEMP, "PH-(U)SIM PIN required" },
	{ 313, TEMP, "(U)SIM failure" },
	{ 314, TEMP, "(U)SIM busy" },
	{ 315, TEMP, "(U)SIM wrong" },
	{ 316, TEMP, "(U)SIM PUK required" },
	{ 317, TEMP, "(U)SIM PIN2 required" },
	{ 318, TEMP, "(U)SIM PUK2 required" },
	{ 320, TEMP, "memory failure" },
	{ 321, TEMP, "invalid memory index" },
	{ 322, TEMP, "memory full" },
	{ 330, TEMP, "SMSC address unknown" },
	{ 331, TEMP, "no network service" },
	{ 332, TEMP, "network timeout" },
	{ 340, TEMP, "no +CNMA acknowledgement expected" },
	{ 500, TEMP, "unknown error" },
};

/* TS 27.007 §9.2.1 (general) and §9.2.2 (GPRS) <err> values. */
static const struct code_class cme_errors[] = {
	{ 0, TEMP, "phone failure" },
	{ 1, TEMP, "no connection to phone" },
	{ 2, TEMP, "phone-adaptor link reserved" },
	{ 3, TEMP, "operation not allowed" },
	{ 4, TEMP, "operation not supported" },
	{ 5, TEMP, "PH-SIM PIN required" },
	{ 6, TEMP, "PH-FSIM PIN required" },
	{ 7, TEMP, "PH-FSIM PUK required" },
	{ 10, TEMP, "SIM not inserted" },
	{ 11, TEMP, "SIM PIN required" },
	{ 12, TEMP, "SIM PUK required" },
	{ 13, TEMP, "SIM failure" },
	{ 14, TEMP, "SIM busy" },
	{ 15, TEMP, "SIM wrong" },
	{ 16, TEMP, "incorrect password" },
	{ 17, TEMP, "SIM PIN2 required" },
	{ 18, TEMP, "SIM PUK2 required" },
	{ 20, TEMP, "memory full" },
	{ 21, TEMP, "invalid index" },
	{ 22, TEMP, "not found" },
	{ 23, TEMP, "memory failure" },
	{ 24, TEMP, "text string too long" },
	{ 25, TEMP, "invalid characters in text string" },
	{ 26, TEMP, "dial string too long" },
	{ 27, TEMP, "invalid characters in dial string" },
	{ 30, TEMP, "no network service" },
	{ 31, TEMP, "network timeout" },
	{ 32, TEMP, "network not allowed - emergency calls only" },
	{ 40, TEMP, "network personalization PIN required" },
	{ 41, TEMP, "network personalization PUK required" },
	{ 100, TEMP, "unknown" },
};

static const struct code_class *
find(const struct code_class *t, size_t n, unsigned code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return &t[i];
	return NULL;
}

const char *
modem_cms_name(unsigned code)
{
	const struct code_class *e;

	if (code < 128) {
		e = find(rp_causes, NELEM(rp_causes), code);
		return e != NULL ? e->name : "unknown RP cause";
	}
	if (code < 256)
		return stk_fcs_name((uint8_t)code);
	if ((e = find(cms_errors, NELEM(cms_errors), code)) != NULL)
		return e->name;
	return code >= 512 ? "manufacturer specific" : "reserved";
}

enum transport_fail
modem_cms_class(unsigned code)
{
	const struct code_class *e;

	if (code < 128) {
		e = find(rp_causes, NELEM(rp_causes), code);
		return e != NULL ? e->cls : TEMP;	/* treated as 41 */
	}
	if (code < 256) {
		e = find(fcs_classes, NELEM(fcs_classes), code);
		return e != NULL ? e->cls : PERM;
	}
	e = find(cms_errors, NELEM(cms_errors), code);
	return e != NULL ? e->cls : TEMP;
}

const char *
modem_cme_name(unsigned code)
{
	const struct code_class *e = find(cme_errors, NELEM(cme_errors), code);

	return e != NULL ? e->name : "unknown";
}

static int
from_name(const struct code_class *t, size_t n, const char *text,
    size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].name != NULL && strlen(t[i].name) == len &&
		    strncasecmp(t[i].name, text, len) == 0)
			return (int)t[i].code;
	return -1;
}

int
modem_cms_from_name(const char *text, size_t len)
{
	int c = from_name(cms_errors, NELEM(cms_errors), text, len);

	return c >= 0 ? c : from_name(rp_causes, NELEM(rp_causes), text, len);
}

int
modem_cme_from_name(const char *text, size_t len)
{
	return from_name(cme_errors, NELEM(cme_errors), text, len);
}

const char *
modem_err_format(char *out, size_t outsz, bool cms, unsigned code)
{
	snprintf(out, outsz, "%s %u %s", cms ? "+CMS ERROR" : "+CME ERROR",
	    code, cms ? modem_cms_name(code) : modem_cme_name(code));
	return out;
}
