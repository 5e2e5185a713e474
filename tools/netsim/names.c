/*
 * names.c - the name tables of stkauth-netsim: entity kinds, and the
 * TS 24.011 §8.2.5.4 RP causes (with whether a failure is temporary) of
 * lib/sms_err.h.
 * Pure code: the unit tests and fuzz targets link it.
 */
#include <stddef.h>

#include "netsim.h"
#include "sms_err.h"

static const char *const kind_names[NS_ENT_KIND_COUNT] = {
	"subscriber", "modem", "smpp",
};

/* TS 24.011 §8.2.5.4 Table 8.4, from lib/sms_err.h. */
const char *
ns_rp_cause_name(unsigned cause)
{
	return stk_rp_cause_name(cause);
}

/* A cause not in the table is no reason to try again. */
bool
ns_rp_cause_temporary(unsigned cause)
{
	return stk_rp_cause_temporary(cause) == 1;
}

const char *
ns_entity_kind_name(unsigned kind)
{
	return kind < NS_ENT_KIND_COUNT ? kind_names[kind] : "*";
}

