/*
 * cmd_cat.c - "decode --as proactive|envelope|terminal-response|
 * terminal-profile": CAT messages (ETSI TS 102 223, 3GPP TS 31.111) as a
 * tree of named data objects.
 *
 * The library decodes and validates the whole message first (lib/cat.c);
 * the tree then walks the COMPREHENSION-TLVs in wire order, naming each by
 * the tag table (§9.3) and showing its value.  SMS TPDUs inside are handed
 * to the SMS decoders of this tool (SMS-SUBMIT in SEND SHORT MESSAGE,
 * SMS-DELIVER in SMS-PP DOWNLOAD), so a malformed TPDU is reported with its
 * own field name and absolute offset.
 */
#include <stdlib.h>
#include <string.h>

#include "cat.h"
#include "cmd_cat.h"
#include "pdu.h"
#include "sms_addr.h"
#include "sms_dcs.h"

/* Re-raise a failure of a library decoder that counted offsets from 0. */
static int
relay(int rc, const struct stk_diag *local, size_t base,
    struct stk_diag *diag)
{
	return stk_fail(diag, rc, local->field, base + local->offset);
}

/* A cursor over an object's value with absolute offsets. */
static void
value_cur(const struct stk_cat_obj *o, size_t base, struct stk_cur *c)
{
	stk_cur_init(c, o->value, o->len);
	c->off = base + o->value_offset;
}

static const char *
or_unknown(const char *name)
{
	return name != NULL ? name : "unknown";
}

static void
print_text(struct pdu_out *out, const char *name, const struct stk_cat_text *t,
    bool alpha)
{
	if (t->coding == STK_CAT_CODING_NULL) {
		pdu_field(out, name, "null (length 0)");
		return;
	}
	pdu_open(out, name, NULL);
	if (alpha)
		pdu_field(out, "coding", "%s", t->coding == STK_CAT_ALPHA_GSM ?
		    "GSM default alphabet, unpacked" : t->coding ==
		    STK_CAT_ALPHA_UCS2_80 ? "UCS2 (80)" : t->coding ==
		    STK_CAT_ALPHA_UCS2_81 ? "UCS2 with one-octet base (81)" :
		    "UCS2 with two-octet base (82)");
	else {
		struct stk_dcs dcs;
		char desc[128];

		/* §8.15: the DCS of TS 23.038 §4; "8-bit" means the GSM
		 * default alphabet with bit 8 zero */
		stk_dcs_decode((uint8_t)t->coding, &dcs);
		(void)stk_dcs_describe(&dcs, desc, sizeof(desc));
		pdu_field(out, "DCS", "%s", desc);
	}
	pdu_text(out, "text", t->utf8, t->len);
	pdu_close(out);
}

/*
 * Print one data object.  The message was validated by the library, so the
 * values have the lengths it checked; the text decoders run again here
 * only to obtain the UTF-8.  tpdu_decoder names the SMS decoder for 0B.
 */
static int
print_obj(const struct stk_cat_obj *o, size_t base, const char *tpdu_decoder,
    struct pdu_out *out, struct stk_diag *diag)
{
	const char *name = stk_cat_tag_name(o->tag);
	struct stk_cat_text *t = NULL;
	struct stk_cur c;
	char label[80], q[200];
	int rc = STK_OK;

	snprintf(label, sizeof(label), "%s [%s%02X]", name != NULL ? name :
	    "unknown object", o->cr ? "CR " : "", o->tag);
	value_cur(o, base, &c);
	switch (o->tag) {
	case STK_CAT_TAG_COMMAND_DETAILS:
		if (o->len != 3)
			break;
		pdu_open(out, label, NULL);
		pdu_field(out, "number", "%u", o->value[0]);
		pdu_field(out, "type", "0x%02x (%s)", o->value[1],
		    or_unknown(stk_cat_cmd_name(o->value[1])));
		pdu_field(out, "qualifier", "0x%02x (%s)", o->value[2],
		    stk_cat_qualifier_describe(o->value[1], o->value[2], q,
		    sizeof(q)));
		pdu_close(out);
		return STK_OK;
	case STK_CAT_TAG_DEVICE_IDENTITIES:
		if (o->len != 2)
			break;
		pdu_field(out, label, "%s (%02X) -> %s (%02X)",
		    or_unknown(stk_cat_device_name(o->value[0])), o->value[0],
		    or_unknown(stk_cat_device_name(o->value[1])), o->value[1]);
		return STK_OK;
	case STK_CAT_TAG_RESULT:
		if (o->len == 0)
			break;
		pdu_open(out, label, NULL);
		pdu_field(out, "general result", "0x%02x (%s)", o->value[0],
		    or_unknown(stk_cat_result_name(o->value[0])));
		if (o->len > 1)
			pdu_hex(out, "additional information", o->value + 1,
			    o->len - 1);
		pdu_close(out);
		return STK_OK;
	case STK_CAT_TAG_DURATION:
		if (o->len != 2)
			break;
		pdu_field(out, label, "%u %s", o->value[1],
		    or_unknown(stk_cat_time_unit_name(o->value[0])));
		return STK_OK;
	case STK_CAT_TAG_RESPONSE_LENGTH:
		if (o->len != 2)
			break;
		pdu_field(out, label, "minimum %u, maximum %u", o->value[0],
		    o->value[1]);
		return STK_OK;
	case STK_CAT_TAG_ITEM_ID:
		if (o->len != 1)
			break;
		pdu_field(out, label, "%u", o->value[0]);
		return STK_OK;
	case STK_CAT_TAG_ICON_ID:
		if (o->len != 2)
			break;
		pdu_field(out, label, "record %u (%s)", o->value[1],
		    (o->value[0] & 1) ? "not self-explanatory" :
		    "self-explanatory");
		return STK_OK;
	case STK_CAT_TAG_IMMEDIATE_RESPONSE:
	case STK_CAT_TAG_HELP_REQUEST:
		if (o->len != 0)
			break;
		pdu_field(out, label, "present");
		return STK_OK;
	case STK_CAT_TAG_TEXT_STRING:
	case STK_CAT_TAG_DEFAULT_TEXT:
	case STK_CAT_TAG_ALPHA_ID:
		if ((t = malloc(sizeof(*t))) == NULL)
			return STK_E_NOMEM;
		/* objects the library did not interpret may be malformed:
		 * those are shown as hex */
		rc = o->tag == STK_CAT_TAG_ALPHA_ID ?
		    stk_cat_alpha_decode(&c, t, NULL) :
		    stk_cat_text_string_decode(&c, t, NULL);
		if (rc == STK_OK)
			print_text(out, label, t, o->tag == STK_CAT_TAG_ALPHA_ID);
		free(t);
		if (rc == STK_OK)
			return STK_OK;
		break;
	case STK_CAT_TAG_ITEM:
		if (o->len == 0) {
			pdu_field(out, label, "null item");
			return STK_OK;
		}
		if ((t = malloc(sizeof(*t))) == NULL)
			return STK_E_NOMEM;
		(void)stk_cur_skip(&c, 1);
		rc = stk_cat_alpha_decode(&c, t, NULL);
		if (rc == STK_OK) {
			pdu_open(out, label, "%u", o->value[0]);
			print_text(out, "text", t, true);
			pdu_close(out);
		}
		free(t);
		if (rc == STK_OK)
			return STK_OK;
		break;
	case STK_CAT_TAG_ADDRESS: {
		/* §8.1: TON/NPI + BCD = the RP-address value (TS 24.011
		 * §8.2.5.1), read by lib/sms_addr with its length in front */
		uint8_t tmp[1 + STK_ADDR_MAX_OCTETS + 1];
		char text[STK_ADDR_TEXT_MAX + 1];
		struct stk_sms_addr a;
		struct stk_cur ac;
		bool present;

		if (o->len == 0 || o->len > sizeof(tmp) - 1)
			break;
		tmp[0] = (uint8_t)o->len;
		memcpy(tmp + 1, o->value, o->len);
		stk_cur_init(&ac, tmp, o->len + 1);
		if (stk_smsc_addr_decode(&ac, &a, &present, NULL) != STK_OK ||
		    !present || stk_sms_addr_to_text(&a, text, sizeof(text))
		    != STK_OK)
			break;
		pdu_open(out, label, "%s", text);
		pdu_field(out, "TON", "%s", stk_ton_name(a.ton));
		pdu_field(out, "NPI", "%s", stk_npi_name(a.npi));
		pdu_close(out);
		return STK_OK;
	}
	case STK_CAT_TAG_SMS_TPDU: {
		const struct pdu_decoder *dec = tpdu_decoder != NULL ?
		    pdu_decoder_find(tpdu_decoder) : NULL;

		if (dec == NULL)
			break;
		pdu_open(out, label, "%zu octets", o->len);
		rc = dec->fn(&c, out, diag);
		pdu_close(out);
		return rc;
	}
	default:
		break;
	}
	pdu_hex(out, label, o->value, o->len);
	return STK_OK;
}

static int
print_objs(const struct stk_cat_obj *objs, size_t nobjs, size_t base,
    const char *tpdu_decoder, struct pdu_out *out, struct stk_diag *diag)
{
	int rc;

	for (size_t i = 0; i < nobjs; i++)
		if ((rc = print_obj(&objs[i], base, tpdu_decoder, out, diag))
		    != STK_OK)
			return rc;
	return STK_OK;
}

static void
print_unknown(size_t n, bool cr, struct pdu_out *out)
{
	if (n > 0)
		pdu_field(out, "not interpreted", "%zu object%s%s", n,
		    n == 1 ? "" : "s", cr ? " (comprehension required: a "
		    "terminal answers result 32)" : "");
}

/*
 * What the three decoders print after their heading: the objects (an SMS
 * TPDU through tpdu_decoder when not NULL), the count of those not
 * interpreted, then the closing of the heading; consumes in.
 */
static int
print_rest(struct stk_cur *in, const struct stk_cat_obj *objs, size_t nobjs,
    size_t base, const char *tpdu_decoder, size_t nunknown, bool unknown_cr,
    struct pdu_out *out, struct stk_diag *diag)
{
	int rc = print_objs(objs, nobjs, base, tpdu_decoder, out, diag);

	print_unknown(nunknown, unknown_cr, out);
	pdu_close(out);
	(void)stk_cur_skip(in, stk_cur_len(in));
	return rc;
}

int
pdu_decode_cat_proactive(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	struct stk_cat_proactive *p = malloc(sizeof(*p));
	struct stk_diag local;
	size_t base = stk_cur_offset(in);
	int rc;

	if (p == NULL)
		return STK_E_NOMEM;
	stk_diag_clear(&local);
	rc = stk_cat_proactive_decode(stk_cur_data(in), stk_cur_len(in), p,
	    &local);
	if (rc != STK_OK) {
		rc = relay(rc, &local, base, diag);
		goto out;
	}
	pdu_open(out, "proactive command [D0]", "%s%s",
	    or_unknown(stk_cat_cmd_name(p->cmd.type)), p->known ? "" :
	    " (objects not interpreted for this type)");
	rc = print_rest(in, p->objs, p->nobjs, base, p->cmd.type ==
	    STK_CAT_CMD_SEND_SHORT_MESSAGE ? "sms-submit" : NULL,
	    p->nunknown, p->unknown_cr, out, diag);
out:
	free(p);
	return rc;
}

int
pdu_decode_cat_envelope(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	struct stk_cat_envelope *e = malloc(sizeof(*e));
	struct stk_diag local;
	size_t base = stk_cur_offset(in);
	int rc;

	if (e == NULL)
		return STK_E_NOMEM;
	stk_diag_clear(&local);
	rc = stk_cat_envelope_decode(stk_cur_data(in), stk_cur_len(in), e,
	    &local);
	if (rc != STK_OK) {
		rc = relay(rc, &local, base, diag);
		goto out;
	}
	pdu_open(out, "envelope", "%s [%02X]",
	    or_unknown(stk_cat_ber_tag_name(e->tag)), e->tag);
	rc = print_rest(in, e->objs, e->nobjs, base, e->tag ==
	    STK_CAT_BER_SMS_PP_DOWNLOAD ? "sms-deliver" : NULL,
	    e->nunknown, e->unknown_cr, out, diag);
out:
	free(e);
	return rc;
}

int
pdu_decode_cat_terminal_response(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	struct stk_cat_terminal_response *tr = malloc(sizeof(*tr));
	struct stk_diag local;
	size_t base = stk_cur_offset(in);
	int rc;

	if (tr == NULL)
		return STK_E_NOMEM;
	stk_diag_clear(&local);
	rc = stk_cat_tr_decode(stk_cur_data(in), stk_cur_len(in), tr, &local);
	if (rc != STK_OK) {
		rc = relay(rc, &local, base, diag);
		goto out;
	}
	pdu_open(out, "terminal response", "%s: %s",
	    or_unknown(stk_cat_cmd_name(tr->cmd.type)),
	    or_unknown(stk_cat_result_name(tr->result)));
	rc = print_rest(in, tr->objs, tr->nobjs, base, NULL, tr->nunknown,
	    tr->unknown_cr, out, diag);
out:
	free(tr);
	return rc;
}

int
pdu_decode_cat_terminal_profile(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	const uint8_t *tp = stk_cur_data(in);
	size_t len = stk_cur_len(in), n;
	const struct stk_tp_entry *t = stk_tp_table(&n);
	char name[32];

	(void)diag;
	pdu_open(out, "terminal profile", "%zu octets", len);
	for (size_t i = 0; i < n; i++) {
		if (t[i].byte > len)
			continue;
		snprintf(name, sizeof(name), "byte %u bit %u", t[i].byte,
		    t[i].bit);
		pdu_field(out, name, "%s: %s", t[i].name,
		    stk_tp_has(tp, len, t[i].facility) ? "yes" : "no");
	}
	pdu_close(out);
	(void)stk_cur_skip(in, len);
	return STK_OK;
}
