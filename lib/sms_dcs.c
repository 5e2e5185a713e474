/* sms_dcs.c - TP-DCS coding groups (TS 23.038 §4); see sms_dcs.h. */
#include <stdio.h>

#include "err.h"
#include "sms_dcs.h"

static const char *const dcs_group_names[] = {
	[STK_DCS_GENERAL] = "general data coding",
	[STK_DCS_AUTO_DELETE] = "general data coding, automatic deletion",
	[STK_DCS_RESERVED_GROUP] = "reserved coding group",
	[STK_DCS_MWI_DISCARD] = "message waiting indication, discard message",
	[STK_DCS_MWI_STORE_GSM7] = "message waiting indication, store message",
	[STK_DCS_MWI_STORE_UCS2] =
	    "message waiting indication, store message (UCS-2)",
	[STK_DCS_DATA_CLASS] = "data coding/message class",
};

static const char *const msg_class_names[] = {
	[STK_CLASS_0] = "class 0 (immediate display)",
	[STK_CLASS_1] = "class 1 (ME specific)",
	[STK_CLASS_2] = "class 2 ((U)SIM specific)",
	[STK_CLASS_3] = "class 3 (TE specific)",
	[STK_CLASS_NONE] = "no message class",
};

static const char *const mwi_type_names[] = {
	[STK_MWI_VOICEMAIL] = "voicemail message waiting",
	[STK_MWI_FAX] = "fax message waiting",
	[STK_MWI_EMAIL] = "electronic mail message waiting",
	[STK_MWI_OTHER] = "other message waiting",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
stk_dcs_group_name(unsigned group)
{
	return group < NELEM(dcs_group_names) ? dcs_group_names[group] :
	    "unknown coding group";
}

const char *
stk_msg_class_name(unsigned msg_class)
{
	return msg_class < NELEM(msg_class_names) ?
	    msg_class_names[msg_class] : "unknown message class";
}

const char *
stk_mwi_type_name(unsigned type)
{
	return type < NELEM(mwi_type_names) ? mwi_type_names[type] :
	    "unknown indication";
}

/* General data coding bits 3-2 (TS 23.038 §4): 11 is reserved. */
static void
dcs_general(uint8_t dcs, struct stk_dcs *d)
{
	d->compressed = (dcs & 0x20) != 0;
	d->msg_class = (dcs & 0x10) ? (dcs & 0x03) : STK_CLASS_NONE;
	switch ((dcs >> 2) & 0x03) {
	case 0:
		d->charset = STK_CHARSET_GSM7;
		break;
	case 1:
		d->charset = STK_CHARSET_8BIT;
		break;
	case 2:
		d->charset = STK_CHARSET_UCS2;
		break;
	default:
		d->charset = STK_CHARSET_GSM7;
		d->reserved = true;
		break;
	}
	/* Without the class flag, bits 1-0 are "reserved" and set to 0. */
	if (!(dcs & 0x10) && (dcs & 0x03) != 0)
		d->reserved = true;
}

void
stk_dcs_decode(uint8_t dcs, struct stk_dcs *d)
{
	d->raw = dcs;
	d->charset = STK_CHARSET_GSM7;
	d->msg_class = STK_CLASS_NONE;
	d->compressed = false;
	d->auto_delete = false;
	d->reserved = false;
	d->mwi_active = false;
	d->mwi_type = STK_MWI_VOICEMAIL;

	switch (dcs >> 4) {
	case 0x0: case 0x1: case 0x2: case 0x3:
		d->group = STK_DCS_GENERAL;
		dcs_general(dcs, d);
		break;
	case 0x4: case 0x5: case 0x6: case 0x7:
		d->group = STK_DCS_AUTO_DELETE;
		d->auto_delete = true;
		dcs_general(dcs, d);
		break;
	case 0x8: case 0x9: case 0xa: case 0xb:
		d->group = STK_DCS_RESERVED_GROUP;
		d->reserved = true;
		break;
	case 0xc: case 0xd: case 0xe:
		d->group = (dcs >> 4) == 0xc ? STK_DCS_MWI_DISCARD :
		    (dcs >> 4) == 0xd ? STK_DCS_MWI_STORE_GSM7 :
		    STK_DCS_MWI_STORE_UCS2;
		d->charset = (dcs >> 4) == 0xe ? STK_CHARSET_UCS2 :
		    STK_CHARSET_GSM7;
		d->mwi_active = (dcs & 0x08) != 0;
		d->mwi_type = dcs & 0x03;
		/* bit 2 is reserved, set to 0 */
		if (dcs & 0x04)
			d->reserved = true;
		break;
	default:
		d->group = STK_DCS_DATA_CLASS;
		d->charset = (dcs & 0x04) ? STK_CHARSET_8BIT : STK_CHARSET_GSM7;
		d->msg_class = dcs & 0x03;
		/* bit 3 is reserved, set to 0 */
		if (dcs & 0x08)
			d->reserved = true;
		break;
	}
}

bool
stk_dcs_udl_in_septets(const struct stk_dcs *d)
{
	return d->charset == STK_CHARSET_GSM7 && !d->compressed;
}

int
stk_dcs_make(enum stk_charset cs, unsigned msg_class, bool general_group,
    uint8_t *dcs)
{
	uint8_t v;

	switch (cs) {
	case STK_CHARSET_GSM7:
		v = 0x00;
		break;
	case STK_CHARSET_8BIT:
		v = 0x04;
		break;
	case STK_CHARSET_UCS2:
		v = 0x08;
		break;
	default:
		return STK_E_INVALID;
	}
	if (msg_class == STK_CLASS_NONE) {
		*dcs = v;
		return STK_OK;
	}
	if (msg_class > STK_CLASS_3)
		return STK_E_INVALID;
	if (general_group || cs == STK_CHARSET_UCS2)
		*dcs = (uint8_t)(0x10 | v | msg_class);
	else
		*dcs = (uint8_t)(0xf0 | v | msg_class);
	return STK_OK;
}

int
stk_dcs_describe(const struct stk_dcs *d, char *out, size_t outsz)
{
	int n;

	if (d->group == STK_DCS_MWI_DISCARD || d->group == STK_DCS_MWI_STORE_GSM7 ||
	    d->group == STK_DCS_MWI_STORE_UCS2)
		n = snprintf(out, outsz, "0x%02X: %s, %s, %s %s%s", d->raw,
		    stk_dcs_group_name(d->group), stk_charset_name(d->charset),
		    stk_mwi_type_name(d->mwi_type),
		    d->mwi_active ? "active" : "inactive",
		    d->reserved ? " (reserved bits set)" : "");
	else if (d->group == STK_DCS_RESERVED_GROUP)
		n = snprintf(out, outsz, "0x%02X: %s, %s assumed", d->raw,
		    stk_dcs_group_name(d->group), stk_charset_name(d->charset));
	else
		n = snprintf(out, outsz, "0x%02X: %s, %s%s, %s%s", d->raw,
		    stk_dcs_group_name(d->group), stk_charset_name(d->charset),
		    d->compressed ? " compressed" : "",
		    stk_msg_class_name(d->msg_class),
		    d->reserved ? " (reserved bits set)" : "");
	if (n < 0 || (size_t)n >= outsz)
		return STK_E_NOSPACE;
	return STK_OK;
}
