/*
 * names.c - the name tables of stkauth-netsim: entity kinds and the
 * TS 24.011 §8.2.5.4 RP causes (with whether a failure is temporary).
 * Pure code: the unit tests and fuzz targets link it.
 */
#include <stddef.h>

#include "netsim.h"

/* TS 24.011 §8.2.5.4 table 8.4 (MO and MT causes used here). */
static const struct {
	unsigned cause;
	bool temporary;
	const char *name;
} rp_causes[] = {
	{ 1, false, "Unassigned (unallocated) number" },
	{ 8, false, "Operator determined barring" },
	{ 10, false, "Call barred" },
	{ 21, false, "Short message transfer rejected" },
	{ 22, true, "Memory capacity exceeded" },
	{ 27, true, "Destination out of order" },
	{ 28, false, "Unidentified subscriber" },
	{ 29, false, "Facility rejected" },
	{ 30, false, "Unknown subscriber" },
	{ 38, true, "Network out of order" },
	{ 41, true, "Temporary failure" },
	{ 42, true, "Congestion" },
	{ 47, true, "Resources unavailable, unspecified" },
	{ 50, false, "Requested facility not subscribed" },
	{ 69, false, "Requested facility not implemented" },
	{ 81, false, "Invalid short message transfer reference value" },
	{ 95, false, "Semantically incorrect message" },
	{ 96, false, "Invalid mandatory information" },
	{ 97, false, "Message type non-existent or not implemented" },
	{ 98, false, "Message not compatible with short message protocol state" },
	{ 99, false, "Information element non-existent or not implemented" },
	{ 111, false, "Protocol error, unspecified" },
	{ 127, false, "Interworking, unspecified" },
};

static const char *const kind_names[NS_ENT_KIND_COUNT] = {
	"subscriber", "modem", "smpp",
};

const char *
ns_rp_cause_name(unsigned cause)
{
	size_t i;

	for (i = 0; i < sizeof(rp_causes) / sizeof(rp_causes[0]); i++)
		if (rp_causes[i].cause == cause)
			return rp_causes[i].name;
	return "unknown cause";
}

bool
ns_rp_cause_temporary(unsigned cause)
{
	size_t i;

	for (i = 0; i < sizeof(rp_causes) / sizeof(rp_causes[0]); i++)
		if (rp_causes[i].cause == cause)
			return rp_causes[i].temporary;
	return false;
}

const char *
ns_entity_kind_name(unsigned kind)
{
	return kind < NS_ENT_KIND_COUNT ? kind_names[kind] : "*";
}

