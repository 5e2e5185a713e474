/*
 * modem_err.c - how the modem error codes (see modem_err.h) are classed
 * for the core's retry table.  The names are lib/sms_err.h's tables.
 */
#include <stdio.h>

#include "modem_err.h"
#include "sms_err.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct code_class {
	unsigned code;
	enum transport_fail cls;
};

#define TEMP TRANSPORT_FAIL_TEMPORARY
#define PERM TRANSPORT_FAIL_PERMANENT
#define SLOW TRANSPORT_FAIL_THROTTLED

/* TS 24.011 Table 8.4 42 "Congestion": the sender is asked to slow down. */
#define RP_CONGESTION	42

/*
 * TS 23.040 §9.2.3.22 TP-FCS values that are not the message's fault: the
 * SC is busy or failing.  Every other TP-FCS rejects the TPDU itself.
 */
static const struct code_class fcs_classes[] = {
	{ 0xc0, SLOW },		/* SC busy */
	{ 0xc2, TEMP },		/* SC system failure */
	{ 0xff, TEMP },		/* unspecified error cause */
};

/*
 * TS 27.005 §3.2.5 <err> 300-500 that are the message's fault (a refused
 * PDU parameter); everything else concerns this modem or its SIM, so the
 * message may well go through another one.
 */
static const struct code_class cms_classes[] = {
	{ 304, PERM },		/* invalid PDU mode parameter */
	{ 305, PERM },		/* invalid text mode parameter */
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
	return stk_cms_error_name(code);
}

enum transport_fail
modem_cms_class(unsigned code)
{
	const struct code_class *e;

	if (code < 128) {
		if (code == RP_CONGESTION)
			return SLOW;
		/* a cause not in the table is treated as 41, temporary */
		return stk_rp_cause_temporary(code) == 0 ? PERM : TEMP;
	}
	if (code < 256) {
		e = find(fcs_classes, NELEM(fcs_classes), code);
		return e != NULL ? e->cls : PERM;
	}
	e = find(cms_classes, NELEM(cms_classes), code);
	return e != NULL ? e->cls : TEMP;
}

const char *
modem_cme_name(unsigned code)
{
	return stk_cme_error_name(code);
}

int
modem_cms_from_name(const char *text, size_t len)
{
	return stk_cms_error_from_name(text, len);
}

int
modem_cme_from_name(const char *text, size_t len)
{
	return stk_cme_error_from_name(text, len);
}

const char *
modem_err_format(char *out, size_t outsz, bool cms, unsigned code)
{
	snprintf(out, outsz, "%s %u %s", cms ? "+CMS ERROR" : "+CME ERROR",
	    code, cms ? modem_cms_name(code) : modem_cme_name(code));
	return out;
}
