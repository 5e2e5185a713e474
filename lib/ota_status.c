/*
 * ota_status.c - names of the response status codes of a PoR
 * (TS 102 225 §5.2 table "Response Status Codes", with 0B and 0C as
 * defined by TS 31.115 §7), from the one table in ota.h.
 */
#include <stddef.h>

#include "ota.h"

struct status_entry {
	uint8_t code;
	const char *symbol;
	const char *name;
};

static const struct status_entry status_table[] = {
#define STK_OTA_ST_ROW(sym, val, name) { (val), #sym, (name) },
	STK_OTA_STATUS_TABLE(STK_OTA_ST_ROW)
#undef STK_OTA_ST_ROW
};

static const struct status_entry *
status_lookup(uint8_t code)
{
	for (size_t i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++)
		if (status_table[i].code == code)
			return &status_table[i];
	return NULL;
}

const char *
stk_ota_status_name(uint8_t status)
{
	const struct status_entry *e = status_lookup(status);

	if (e != NULL)
		return e->name;
	/* TS 102 225 §5.2: 0D..BF and FF reserved, C0..FE proprietary. */
	return status >= 0xC0 && status <= 0xFE ? "proprietary" : "reserved";
}

const char *
stk_ota_status_symbol(uint8_t status)
{
	const struct status_entry *e = status_lookup(status);

	return e != NULL ? e->symbol : NULL;
}
