/*
 * cat.c - proactive commands (TS 102 223 §6.6), ENVELOPE SMS-PP DOWNLOAD
 * (TS 31.111 §7.1.1) and MENU SELECTION (TS 102 223 §7.2), TERMINAL
 * RESPONSE (§6.8): building and decoding through lib/tlv.h.
 */
#include <string.h>

#include "bytes.h"
#include "cat.h"
#include "err.h"
#include "sms_addr.h"
#include "tlv.h"

/*
 * The BER value of a proactive command or envelope is at most 255 octets:
 * the whole TLV travels in one APDU response or command (Le / Lc <= 256,
 * TS 102 223 annex C: length coded on 1 or 2 octets, '81' for 128..255).
 */
#define CAT_BER_MAX 255

/* ---- common helpers ------------------------------------------------- */

/*
 * Read every COMPREHENSION-TLV of seq into objs (pointing into the input).
 * Errors: those of stk_tlv_next; STK_E_TOO_LONG beyond STK_CAT_MAX_OBJS.
 */
static int
read_objs(const struct stk_cur *seq, struct stk_cat_obj *objs, size_t *nobjs,
    struct stk_diag *diag)
{
	struct stk_tlv_iter it;
	struct stk_tlv t;
	int r;

	*nobjs = 0;
	stk_tlv_iter_init(&it, seq, true);
	while ((r = stk_tlv_next(&it, &t, diag)) > 0) {
		struct stk_cat_obj *o;

		if (*nobjs == STK_CAT_MAX_OBJS)
			return stk_fail(diag, STK_E_TOO_LONG,
			    "COMPREHENSION-TLV", t.tag_offset);
		o = &objs[(*nobjs)++];
		o->tag = (uint16_t)t.tag;
		o->cr = t.cr;
		o->offset = t.tag_offset;
		o->value_offset = stk_cur_offset(&t.value);
		o->len = stk_cur_len(&t.value);
		o->value = stk_cur_data(&t.value);
	}
	return r;
}

/* A cursor over an object's value, keeping absolute offsets. */
static void
obj_cur(const struct stk_cat_obj *o, struct stk_cur *c)
{
	stk_cur_init(c, o->value, o->len);
	c->off = o->value_offset;
}

/* Name of a tag for diagnostics (never NULL). */
static const char *
tag_field(unsigned tag)
{
	const char *n = stk_cat_tag_name(tag);
	return n != NULL ? n : "COMPREHENSION-TLV";
}

/* The object must have exactly len octets. */
static int
need_len(const struct stk_cat_obj *o, size_t len, struct stk_diag *diag)
{
	if (o->len == len)
		return STK_OK;
	return stk_fail(diag, o->len < len ? STK_E_TRUNCATED : STK_E_TRAILING,
	    tag_field(o->tag), o->offset);
}

static int
dup_err(const struct stk_cat_obj *o, struct stk_diag *diag)
{
	return stk_fail(diag, STK_E_DUPLICATE, tag_field(o->tag), o->offset);
}

/* Offset of "where a missing object should be": objs[i] or the end. */
static size_t
missing_at(const struct stk_cat_obj *objs, size_t nobjs, size_t i,
    size_t end)
{
	return i < nobjs ? objs[i].offset : end;
}

static int
decode_cmd_details(const struct stk_cat_obj *o, struct stk_cat_cmd_details *cd,
    struct stk_diag *diag)
{
	int r;

	if ((r = need_len(o, 3, diag)) != STK_OK)
		return r;
	cd->number = o->value[0];
	cd->type = o->value[1];
	cd->qualifier = o->value[2];
	return STK_OK;
}

static int
decode_devices(const struct stk_cat_obj *o, struct stk_cat_devices *dev,
    struct stk_diag *diag)
{
	int r;

	if ((r = need_len(o, 2, diag)) != STK_OK)
		return r;
	dev->source = o->value[0];
	dev->dest = o->value[1];
	return STK_OK;
}

/*
 * Command details (§8.6) then device identities (§8.7), the two objects
 * a proactive command (§6.6) and a TERMINAL RESPONSE (§6.8) start with.
 * A missing one is reported at the object standing in its place, or at
 * end.  Which devices are allowed is the caller's to check.
 */
static int
decode_head(const struct stk_cat_obj *objs, size_t nobjs, size_t end,
    struct stk_cat_cmd_details *cd, struct stk_cat_devices *dev,
    struct stk_diag *diag)
{
	int r;

	if (nobjs < 1 || objs[0].tag != STK_CAT_TAG_COMMAND_DETAILS)
		return stk_fail(diag, STK_E_NOT_FOUND, "command details",
		    missing_at(objs, nobjs, 0, end));
	if ((r = decode_cmd_details(&objs[0], cd, diag)) != STK_OK)
		return r;
	if (nobjs < 2 || objs[1].tag != STK_CAT_TAG_DEVICE_IDENTITIES)
		return stk_fail(diag, STK_E_NOT_FOUND, "device identities",
		    missing_at(objs, nobjs, 1, end));
	return decode_devices(&objs[1], dev, diag);
}

/* Item identifier (§8.10): one octet, never 00. */
static int
decode_item_id(const struct stk_cat_obj *o, uint8_t *id,
    struct stk_diag *diag)
{
	int r;

	if ((r = need_len(o, 1, diag)) != STK_OK)
		return r;
	if (o->value[0] == 0)
		return stk_fail(diag, STK_E_INVALID, "item identifier",
		    o->offset);
	*id = o->value[0];
	return STK_OK;
}

/* SMS TPDU (§8.13): once, not empty; kept pointing into the input. */
static int
decode_sms_tpdu(const struct stk_cat_obj *o, const uint8_t **tpdu,
    size_t *tpdu_len, struct stk_diag *diag)
{
	if (*tpdu != NULL)
		return dup_err(o, diag);
	if (o->len == 0)
		return stk_fail(diag, STK_E_TRUNCATED, "SMS TPDU", o->offset);
	*tpdu = o->value;
	*tpdu_len = o->len;
	return STK_OK;
}

/*
 * Address (§8.1): TON/NPI octet then the dialling number in BCD, which is
 * exactly the RP-address value of TS 24.011 §8.2.5.1; lib/sms_addr.c reads
 * that form when the length octet is put in front.
 */
static int
decode_address(const struct stk_cat_obj *o, struct stk_cat_address *a,
    struct stk_diag *diag)
{
	uint8_t tmp[1 + STK_ADDR_MAX_OCTETS + 1];
	struct stk_cur c;
	bool present;

	if (o->len == 0)
		return stk_fail(diag, STK_E_TRUNCATED, "address", o->offset);
	if (o->len > sizeof(tmp) - 1)
		return stk_fail(diag, STK_E_TOO_LONG, "address", o->offset);
	tmp[0] = (uint8_t)o->len;
	memcpy(tmp + 1, o->value, o->len);
	stk_cur_init(&c, tmp, o->len + 1);
	if (stk_smsc_addr_decode(&c, &a->addr, &present, NULL) != STK_OK ||
	    !present || !stk_cur_empty(&c))
		return stk_fail(diag, STK_E_INVALID, "address", o->offset);
	a->present = true;
	return STK_OK;
}

static int
encode_address(struct stk_buf *out, const struct stk_sms_addr *addr)
{
	struct stk_buf tmp;
	int r;

	stk_buf_init(&tmp);
	r = stk_smsc_addr_encode(addr, &tmp);
	if (r == STK_OK && (!stk_buf_ok(&tmp) || stk_buf_len(&tmp) < 2))
		r = STK_E_INVALID;
	if (r == STK_OK && !stk_ctlv_add(out, STK_CAT_TAG_ADDRESS, true,
	    stk_buf_data(&tmp) + 1, stk_buf_len(&tmp) - 1))
		r = STK_E_NOSPACE;
	stk_buf_free(&tmp);
	return r;
}

static void
note_unknown(const struct stk_cat_obj *o, size_t *nunknown, bool *unknown_cr)
{
	(*nunknown)++;
	if (o->cr)
		*unknown_cr = true;
}

/*
 * The BER-TLV around a command or envelope: one element, value at most
 * 255 octets.  want_tag 0 accepts any tag.
 */
static int
decode_ber(const uint8_t *in, size_t len, uint32_t want_tag,
    struct stk_tlv *t, struct stk_diag *diag)
{
	int r;

	if (in == NULL && len > 0)
		return STK_E_ARG;
	if ((r = stk_ber_tlv_parse_one(in, len, want_tag, t, diag)) != STK_OK)
		return r;
	if (stk_cur_len(&t->value) > CAT_BER_MAX)
		return stk_fail(diag, STK_E_TOO_LONG, "BER-TLV length", 1);
	return STK_OK;
}

/* Close the BER-TLV opened at mark, enforcing the 255-octet limit. */
static int
close_ber(struct stk_buf *out, size_t mark)
{
	if (!stk_buf_ok(out))
		return STK_E_NOSPACE;
	if (stk_buf_len(out) - mark - 1 > CAT_BER_MAX)
		return STK_E_TOO_LONG;
	if (!stk_tlv_close(out, mark))
		return STK_E_NOSPACE;
	return STK_OK;
}

/* Append an object whose value one of cat_text.c's encoders writes. */
static int
add_text_obj(struct stk_buf *out, unsigned tag, bool cr,
    int (*encode)(const struct stk_cat_text *, struct stk_buf *),
    const struct stk_cat_text *t)
{
	size_t mark = stk_ctlv_open(out, tag, cr);
	int r;

	if ((r = encode(t, out)) != STK_OK)
		return r;
	return stk_tlv_close(out, mark) ? STK_OK : STK_E_NOSPACE;
}

/* Text string object (§8.15). */
static int
add_text_string(struct stk_buf *out, unsigned tag, bool cr,
    const struct stk_cat_text *t)
{
	return add_text_obj(out, tag, cr, stk_cat_text_string_encode, t);
}

/* Alpha identifier object (§8.2). */
static int
add_alpha(struct stk_buf *out, const struct stk_cat_text *t)
{
	return add_text_obj(out, STK_CAT_TAG_ALPHA_ID, true,
	    stk_cat_alpha_encode, t);
}

static void
add_cmd_details(struct stk_buf *out, const struct stk_cat_cmd_details *cd)
{
	uint8_t v[3] = { cd->number, cd->type, cd->qualifier };

	stk_ctlv_add(out, STK_CAT_TAG_COMMAND_DETAILS, true, v, sizeof(v));
}

static void
add_devices(struct stk_buf *out, uint8_t source, uint8_t dest)
{
	uint8_t v[2] = { source, dest };

	stk_ctlv_add(out, STK_CAT_TAG_DEVICE_IDENTITIES, true, v, sizeof(v));
}

/* ---- proactive commands ---------------------------------------------- */

static bool
cmd_known(uint8_t type)
{
	switch (type) {
	case STK_CAT_CMD_DISPLAY_TEXT:
	case STK_CAT_CMD_GET_INPUT:
	case STK_CAT_CMD_SELECT_ITEM:
	case STK_CAT_CMD_SET_UP_MENU:
	case STK_CAT_CMD_SEND_SHORT_MESSAGE:
		return true;
	default:
		return false;
	}
}

/* §6.6.x: the destination device each command is addressed to. */
static uint8_t
cmd_dest(uint8_t type)
{
	switch (type) {
	case STK_CAT_CMD_DISPLAY_TEXT:
		return STK_CAT_DEV_DISPLAY;
	case STK_CAT_CMD_SEND_SHORT_MESSAGE:
		return STK_CAT_DEV_NETWORK;
	default:
		return STK_CAT_DEV_TERMINAL;
	}
}

/* Devices a proactive command may address (§8.7): not keypad, not UICC. */
static bool
terminal_side_device(uint8_t dev)
{
	return dev == STK_CAT_DEV_DISPLAY || dev == STK_CAT_DEV_EARPIECE ||
	    (dev >= 0x10 && dev <= 0x17) || (dev >= 0x21 && dev <= 0x27) ||
	    dev == STK_CAT_DEV_TERMINAL || dev == STK_CAT_DEV_NETWORK;
}

void
stk_cat_proactive_init(struct stk_cat_proactive *p, uint8_t number,
    uint8_t type, uint8_t qualifier)
{
	memset(p, 0, sizeof(*p));
	p->cmd.number = number;
	p->cmd.type = type;
	p->cmd.qualifier = qualifier;
	p->dev.source = STK_CAT_DEV_UICC;
	p->dev.dest = cmd_dest(type);
	p->known = cmd_known(type);
}

static int
encode_icon(struct stk_buf *out, const struct stk_cat_icon *icon)
{
	uint8_t v[2];

	if (!icon->present)
		return STK_OK;
	v[0] = icon->qualifier;
	v[1] = icon->record;
	return stk_ctlv_add(out, STK_CAT_TAG_ICON_ID, true, v, 2) ? STK_OK :
	    STK_E_NOSPACE;
}

static int
encode_items(struct stk_buf *out, const struct stk_cat_proactive *p)
{
	int r;

	if (p->nitems == 0 || p->nitems > STK_CAT_MAX_ITEMS)
		return STK_E_INVALID;
	for (size_t i = 0; i < p->nitems; i++) {
		const struct stk_cat_item *it = &p->items[i];
		size_t mark;

		if (it->null_item) {
			/* §6.6.7: only a lone null item, and only in a menu */
			if (p->nitems != 1 ||
			    p->cmd.type != STK_CAT_CMD_SET_UP_MENU)
				return STK_E_INVALID;
			stk_ctlv_add(out, STK_CAT_TAG_ITEM, true, NULL, 0);
			continue;
		}
		if (it->id == 0)
			return STK_E_INVALID;
		mark = stk_ctlv_open(out, STK_CAT_TAG_ITEM, true);
		stk_buf_add_u8(out, it->id);
		if ((r = stk_cat_alpha_encode(&it->text, out)) != STK_OK)
			return r;
		if (!stk_tlv_close(out, mark))
			return STK_E_NOSPACE;
	}
	return STK_OK;
}

int
stk_cat_proactive_encode(const struct stk_cat_proactive *p,
    struct stk_buf *out)
{
	size_t mark;
	uint8_t v[2];
	int r;

	if (p == NULL || out == NULL)
		return STK_E_ARG;
	if (!cmd_known(p->cmd.type))
		return STK_E_UNSUPPORTED;
	if (p->dev.source != STK_CAT_DEV_UICC ||
	    p->dev.dest != cmd_dest(p->cmd.type))
		return STK_E_INVALID;
	mark = stk_ber_tlv_open(out, STK_CAT_BER_PROACTIVE);
	add_cmd_details(out, &p->cmd);
	add_devices(out, p->dev.source, p->dev.dest);

	switch (p->cmd.type) {
	case STK_CAT_CMD_DISPLAY_TEXT:
		/* §6.6.1: text string, icon, immediate response, duration */
		if (!p->text.present)
			return STK_E_INVALID;
		if ((r = add_text_string(out, STK_CAT_TAG_TEXT_STRING, true,
		    &p->text)) != STK_OK)
			return r;
		if ((r = encode_icon(out, &p->icon)) != STK_OK)
			return r;
		if (p->immediate_response)
			stk_ctlv_add(out, STK_CAT_TAG_IMMEDIATE_RESPONSE, true,
			    NULL, 0);
		if (p->duration.present) {
			if (p->duration.unit > 2 || p->duration.interval == 0)
				return STK_E_INVALID;
			v[0] = p->duration.unit;
			v[1] = p->duration.interval;
			stk_ctlv_add(out, STK_CAT_TAG_DURATION, true, v, 2);
		}
		break;
	case STK_CAT_CMD_GET_INPUT:
		/* §6.6.3: text string, response length, default text, icon */
		if (!p->text.present || !p->has_response_length ||
		    p->resp_min > p->resp_max)
			return STK_E_INVALID;
		if ((r = add_text_string(out, STK_CAT_TAG_TEXT_STRING, true,
		    &p->text)) != STK_OK)
			return r;
		v[0] = p->resp_min;
		v[1] = p->resp_max;
		stk_ctlv_add(out, STK_CAT_TAG_RESPONSE_LENGTH, true, v, 2);
		if (p->default_text.present &&
		    (r = add_text_string(out, STK_CAT_TAG_DEFAULT_TEXT, false,
		    &p->default_text)) != STK_OK)
			return r;
		if ((r = encode_icon(out, &p->icon)) != STK_OK)
			return r;
		break;
	case STK_CAT_CMD_SELECT_ITEM:
	case STK_CAT_CMD_SET_UP_MENU:
		/*
		 * §6.6.8 SELECT ITEM: alpha identifier (optional), items,
		 * item identifier (default), icon.  §6.6.7 SET UP MENU: alpha
		 * identifier (mandatory), items, icon.
		 */
		if (p->cmd.type == STK_CAT_CMD_SET_UP_MENU &&
		    (!p->alpha.present || p->has_default_item))
			return STK_E_INVALID;
		if (p->alpha.present && (r = add_alpha(out, &p->alpha)) != STK_OK)
			return r;
		if ((r = encode_items(out, p)) != STK_OK)
			return r;
		if (p->has_default_item && p->default_item == 0)
			return STK_E_INVALID;
		if (p->has_default_item)
			stk_ctlv_add(out, STK_CAT_TAG_ITEM_ID, true,
			    &p->default_item, 1);
		if ((r = encode_icon(out, &p->icon)) != STK_OK)
			return r;
		break;
	case STK_CAT_CMD_SEND_SHORT_MESSAGE:
		/* §6.6.9: alpha identifier, address, SMS TPDU, icon */
		if (p->tpdu == NULL || p->tpdu_len == 0)
			return STK_E_INVALID;
		if (p->alpha.present && (r = add_alpha(out, &p->alpha)) != STK_OK)
			return r;
		if (p->address.present &&
		    (r = encode_address(out, &p->address.addr)) != STK_OK)
			return r;
		stk_ctlv_add(out, STK_CAT_TAG_SMS_TPDU, true, p->tpdu,
		    p->tpdu_len);
		if ((r = encode_icon(out, &p->icon)) != STK_OK)
			return r;
		break;
	}
	return close_ber(out, mark);
}

/* Does the command type use this tag?  (§6.6.1, 6.6.3, 6.6.7-6.6.9) */
static bool
cmd_uses_tag(uint8_t type, unsigned tag)
{
	switch (tag) {
	case STK_CAT_TAG_TEXT_STRING:
		return type == STK_CAT_CMD_DISPLAY_TEXT ||
		    type == STK_CAT_CMD_GET_INPUT;
	case STK_CAT_TAG_IMMEDIATE_RESPONSE:
	case STK_CAT_TAG_DURATION:
		return type == STK_CAT_CMD_DISPLAY_TEXT;
	case STK_CAT_TAG_RESPONSE_LENGTH:
	case STK_CAT_TAG_DEFAULT_TEXT:
		return type == STK_CAT_CMD_GET_INPUT;
	case STK_CAT_TAG_ALPHA_ID:
		return type == STK_CAT_CMD_SELECT_ITEM ||
		    type == STK_CAT_CMD_SET_UP_MENU ||
		    type == STK_CAT_CMD_SEND_SHORT_MESSAGE;
	case STK_CAT_TAG_ITEM:
		return type == STK_CAT_CMD_SELECT_ITEM ||
		    type == STK_CAT_CMD_SET_UP_MENU;
	case STK_CAT_TAG_ITEM_ID:
		return type == STK_CAT_CMD_SELECT_ITEM;
	case STK_CAT_TAG_ADDRESS:
	case STK_CAT_TAG_SMS_TPDU:
		return type == STK_CAT_CMD_SEND_SHORT_MESSAGE;
	case STK_CAT_TAG_ICON_ID:
		return cmd_known(type);
	default:
		return false;
	}
}

static int
decode_item(const struct stk_cat_obj *o, struct stk_cat_proactive *p,
    struct stk_diag *diag)
{
	struct stk_cat_item *it;
	struct stk_cur c;
	int r;

	if (p->nitems == STK_CAT_MAX_ITEMS)
		return stk_fail(diag, STK_E_TOO_LONG, "item", o->offset);
	it = &p->items[p->nitems];
	memset(it, 0, sizeof(*it));
	if (o->len == 0) {
		it->null_item = true;
		p->nitems++;
		return STK_OK;
	}
	obj_cur(o, &c);
	(void)stk_cur_u8(&c, &it->id);
	/* §8.9: identifiers are 01..FF */
	if (it->id == 0)
		return stk_fail(diag, STK_E_INVALID, "item identifier",
		    o->offset);
	for (size_t i = 0; i < p->nitems; i++)
		if (!p->items[i].null_item && p->items[i].id == it->id)
			return stk_fail(diag, STK_E_DUPLICATE,
			    "item identifier", o->offset);
	if ((r = stk_cat_alpha_decode(&c, &it->text, diag)) != STK_OK)
		return r;
	p->nitems++;
	return STK_OK;
}

/* One object after command details and device identities. */
static int
decode_proactive_obj(const struct stk_cat_obj *o, struct stk_cat_proactive *p,
    struct stk_diag *diag)
{
	struct stk_cur c;
	int r;

	if (!p->known || !cmd_uses_tag(p->cmd.type, o->tag)) {
		note_unknown(o, &p->nunknown, &p->unknown_cr);
		return STK_OK;
	}
	obj_cur(o, &c);
	switch (o->tag) {
	case STK_CAT_TAG_TEXT_STRING:
		if (p->text.present)
			return dup_err(o, diag);
		return stk_cat_text_string_decode(&c, &p->text, diag);
	case STK_CAT_TAG_DEFAULT_TEXT:
		if (p->default_text.present)
			return dup_err(o, diag);
		return stk_cat_text_string_decode(&c, &p->default_text, diag);
	case STK_CAT_TAG_ALPHA_ID:
		if (p->alpha.present)
			return dup_err(o, diag);
		return stk_cat_alpha_decode(&c, &p->alpha, diag);
	case STK_CAT_TAG_IMMEDIATE_RESPONSE:
		if (p->immediate_response)
			return dup_err(o, diag);
		if ((r = need_len(o, 0, diag)) != STK_OK)
			return r;
		p->immediate_response = true;
		return STK_OK;
	case STK_CAT_TAG_DURATION:
		if (p->duration.present)
			return dup_err(o, diag);
		if ((r = need_len(o, 2, diag)) != STK_OK)
			return r;
		/* §8.8: units 00..02, interval 00 reserved */
		if (o->value[0] > 2 || o->value[1] == 0)
			return stk_fail(diag, STK_E_INVALID, "duration",
			    o->offset);
		p->duration.present = true;
		p->duration.unit = o->value[0];
		p->duration.interval = o->value[1];
		return STK_OK;
	case STK_CAT_TAG_RESPONSE_LENGTH:
		if (p->has_response_length)
			return dup_err(o, diag);
		if ((r = need_len(o, 2, diag)) != STK_OK)
			return r;
		/* §8.11: minimum, maximum */
		if (o->value[0] > o->value[1])
			return stk_fail(diag, STK_E_INVALID, "response length",
			    o->offset);
		p->has_response_length = true;
		p->resp_min = o->value[0];
		p->resp_max = o->value[1];
		return STK_OK;
	case STK_CAT_TAG_ICON_ID:
		if (p->icon.present)
			return dup_err(o, diag);
		if ((r = need_len(o, 2, diag)) != STK_OK)
			return r;
		p->icon.present = true;
		p->icon.qualifier = o->value[0];
		p->icon.record = o->value[1];
		return STK_OK;
	case STK_CAT_TAG_ITEM:
		return decode_item(o, p, diag);
	case STK_CAT_TAG_ITEM_ID:
		if (p->has_default_item)
			return dup_err(o, diag);
		if ((r = decode_item_id(o, &p->default_item, diag)) != STK_OK)
			return r;
		p->has_default_item = true;
		return STK_OK;
	case STK_CAT_TAG_ADDRESS:
		if (p->address.present)
			return dup_err(o, diag);
		return decode_address(o, &p->address, diag);
	case STK_CAT_TAG_SMS_TPDU:
		return decode_sms_tpdu(o, &p->tpdu, &p->tpdu_len, diag);
	}
	note_unknown(o, &p->nunknown, &p->unknown_cr);
	return STK_OK;
}

/* Mandatory objects of the known types (§6.6.x). */
static int
check_mandatory(const struct stk_cat_proactive *p, size_t end,
    struct stk_diag *diag)
{
	switch (p->cmd.type) {
	case STK_CAT_CMD_DISPLAY_TEXT:
		if (!p->text.present)
			return stk_fail(diag, STK_E_NOT_FOUND, "text string",
			    end);
		break;
	case STK_CAT_CMD_GET_INPUT:
		if (!p->text.present)
			return stk_fail(diag, STK_E_NOT_FOUND, "text string",
			    end);
		if (!p->has_response_length)
			return stk_fail(diag, STK_E_NOT_FOUND,
			    "response length", end);
		break;
	case STK_CAT_CMD_SET_UP_MENU:
		if (!p->alpha.present)
			return stk_fail(diag, STK_E_NOT_FOUND,
			    "alpha identifier", end);
		/* FALLTHROUGH */
	case STK_CAT_CMD_SELECT_ITEM:
		if (p->nitems == 0)
			return stk_fail(diag, STK_E_NOT_FOUND, "item", end);
		for (size_t i = 0; i < p->nitems; i++)
			if (p->items[i].null_item &&
			    (p->nitems != 1 ||
			    p->cmd.type != STK_CAT_CMD_SET_UP_MENU))
				return stk_fail(diag, STK_E_INVALID, "item",
				    end);
		break;
	case STK_CAT_CMD_SEND_SHORT_MESSAGE:
		if (p->tpdu == NULL)
			return stk_fail(diag, STK_E_NOT_FOUND, "SMS TPDU", end);
		break;
	}
	return STK_OK;
}

int
stk_cat_proactive_decode(const uint8_t *in, size_t len,
    struct stk_cat_proactive *p, struct stk_diag *diag)
{
	struct stk_tlv ber;
	size_t end;
	int r;

	if (p == NULL)
		return STK_E_ARG;
	memset(p, 0, sizeof(*p));
	if ((r = decode_ber(in, len, STK_CAT_BER_PROACTIVE, &ber, diag)) !=
	    STK_OK)
		return r;
	end = len;
	if ((r = read_objs(&ber.value, p->objs, &p->nobjs, diag)) != STK_OK)
		return r;

	/* §6.6: command details, then device identities, come first */
	if ((r = decode_head(p->objs, p->nobjs, end, &p->cmd, &p->dev,
	    diag)) != STK_OK)
		return r;
	p->known = cmd_known(p->cmd.type);
	if (p->dev.source != STK_CAT_DEV_UICC ||
	    !terminal_side_device(p->dev.dest) ||
	    (p->known && p->dev.dest != cmd_dest(p->cmd.type)))
		return stk_fail(diag, STK_E_INVALID, "device identities",
		    p->objs[1].offset);

	for (size_t i = 2; i < p->nobjs; i++)
		if ((r = decode_proactive_obj(&p->objs[i], p, diag)) != STK_OK)
			return r;
	return check_mandatory(p, end, diag);
}

/* ---- ENVELOPE ---------------------------------------------------------- */

int
stk_cat_envelope_sms_pp(struct stk_buf *out, const struct stk_sms_addr *sc,
    const uint8_t *tpdu, size_t tpdu_len)
{
	size_t mark;
	int r;

	if (out == NULL || tpdu == NULL || tpdu_len == 0)
		return STK_E_ARG;
	/* TS 31.111 §7.1.1.2: device identities network -> UICC */
	mark = stk_ber_tlv_open(out, STK_CAT_BER_SMS_PP_DOWNLOAD);
	add_devices(out, STK_CAT_DEV_NETWORK, STK_CAT_DEV_UICC);
	if (sc != NULL && (r = encode_address(out, sc)) != STK_OK)
		return r;
	stk_ctlv_add(out, STK_CAT_TAG_SMS_TPDU, true, tpdu, tpdu_len);
	return close_ber(out, mark);
}

int
stk_cat_envelope_menu_selection(struct stk_buf *out, uint8_t item_id,
    bool help_request)
{
	size_t mark;

	if (out == NULL || item_id == 0)
		return STK_E_ARG;
	/* TS 102 223 §7.2.2: device identities keypad -> UICC */
	mark = stk_ber_tlv_open(out, STK_CAT_BER_MENU_SELECTION);
	add_devices(out, STK_CAT_DEV_KEYPAD, STK_CAT_DEV_UICC);
	stk_ctlv_add(out, STK_CAT_TAG_ITEM_ID, true, &item_id, 1);
	if (help_request)
		stk_ctlv_add(out, STK_CAT_TAG_HELP_REQUEST, true, NULL, 0);
	return close_ber(out, mark);
}

static int
decode_envelope_obj(const struct stk_cat_obj *o, struct stk_cat_envelope *e,
    struct stk_diag *diag)
{
	int r;

	if (e->tag == STK_CAT_BER_SMS_PP_DOWNLOAD) {
		if (o->tag == STK_CAT_TAG_ADDRESS) {
			if (e->address.present)
				return dup_err(o, diag);
			return decode_address(o, &e->address, diag);
		}
		if (o->tag == STK_CAT_TAG_SMS_TPDU)
			return decode_sms_tpdu(o, &e->tpdu, &e->tpdu_len,
			    diag);
	} else if (e->tag == STK_CAT_BER_MENU_SELECTION) {
		if (o->tag == STK_CAT_TAG_ITEM_ID) {
			if (e->item_id != 0)
				return dup_err(o, diag);
			return decode_item_id(o, &e->item_id, diag);
		}
		if (o->tag == STK_CAT_TAG_HELP_REQUEST) {
			if (e->help_request)
				return dup_err(o, diag);
			if ((r = need_len(o, 0, diag)) != STK_OK)
				return r;
			e->help_request = true;
			return STK_OK;
		}
	}
	note_unknown(o, &e->nunknown, &e->unknown_cr);
	return STK_OK;
}

int
stk_cat_envelope_decode(const uint8_t *in, size_t len,
    struct stk_cat_envelope *e, struct stk_diag *diag)
{
	struct stk_tlv ber;
	int r;

	if (e == NULL)
		return STK_E_ARG;
	memset(e, 0, sizeof(*e));
	if ((r = decode_ber(in, len, 0, &ber, diag)) != STK_OK)
		return r;
	/* §9.1: envelopes use D1..DF; D0 is a proactive command */
	if (ber.tag < 0xd1 || ber.tag > 0xdf)
		return stk_fail(diag, STK_E_INVALID, "BER-TLV tag", 0);
	e->tag = (uint8_t)ber.tag;
	e->known = e->tag == STK_CAT_BER_SMS_PP_DOWNLOAD ||
	    e->tag == STK_CAT_BER_MENU_SELECTION;
	if ((r = read_objs(&ber.value, e->objs, &e->nobjs, diag)) != STK_OK)
		return r;
	if (e->nobjs < 1 || e->objs[0].tag != STK_CAT_TAG_DEVICE_IDENTITIES) {
		if (!e->known) {
			/* generic: keep the objects, nothing more to check */
			for (size_t i = 0; i < e->nobjs; i++)
				note_unknown(&e->objs[i], &e->nunknown,
				    &e->unknown_cr);
			return STK_OK;
		}
		return stk_fail(diag, STK_E_NOT_FOUND, "device identities",
		    missing_at(e->objs, e->nobjs, 0, len));
	}
	if ((r = decode_devices(&e->objs[0], &e->dev, diag)) != STK_OK)
		return r;
	if ((e->tag == STK_CAT_BER_SMS_PP_DOWNLOAD &&
	    (e->dev.source != STK_CAT_DEV_NETWORK ||
	    e->dev.dest != STK_CAT_DEV_UICC)) ||
	    (e->tag == STK_CAT_BER_MENU_SELECTION &&
	    (e->dev.source != STK_CAT_DEV_KEYPAD ||
	    e->dev.dest != STK_CAT_DEV_UICC)))
		return stk_fail(diag, STK_E_INVALID, "device identities",
		    e->objs[0].offset);
	for (size_t i = 1; i < e->nobjs; i++)
		if ((r = decode_envelope_obj(&e->objs[i], e, diag)) != STK_OK)
			return r;
	if (e->tag == STK_CAT_BER_SMS_PP_DOWNLOAD && e->tpdu == NULL)
		return stk_fail(diag, STK_E_NOT_FOUND, "SMS TPDU", len);
	if (e->tag == STK_CAT_BER_MENU_SELECTION && e->item_id == 0)
		return stk_fail(diag, STK_E_NOT_FOUND, "item identifier", len);
	return STK_OK;
}

/* ---- TERMINAL RESPONSE ------------------------------------------------- */

void
stk_cat_tr_init(struct stk_cat_terminal_response *tr,
    const struct stk_cat_cmd_details *cmd, uint8_t result)
{
	memset(tr, 0, sizeof(*tr));
	if (cmd != NULL)
		tr->cmd = *cmd;
	tr->dev.source = STK_CAT_DEV_TERMINAL;
	tr->dev.dest = STK_CAT_DEV_UICC;
	tr->result = result;
}

int
stk_cat_tr_encode(const struct stk_cat_terminal_response *tr,
    struct stk_buf *out)
{
	size_t mark;
	int r;

	if (tr == NULL || out == NULL)
		return STK_E_ARG;
	if (tr->add_info_len > STK_CAT_ADDINFO_MAX)
		return STK_E_TOO_LONG;
	/* §8.12: some general results need a cause */
	if (stk_cat_result_needs_info(tr->result) && tr->add_info_len == 0)
		return STK_E_INVALID;
	if (tr->dev.source != STK_CAT_DEV_TERMINAL ||
	    tr->dev.dest != STK_CAT_DEV_UICC)
		return STK_E_INVALID;
	/* §6.8: command details, device identities, result, then data */
	add_cmd_details(out, &tr->cmd);
	add_devices(out, tr->dev.source, tr->dev.dest);
	mark = stk_ctlv_open(out, STK_CAT_TAG_RESULT, true);
	stk_buf_add_u8(out, tr->result);
	stk_buf_add_bytes(out, tr->add_info, tr->add_info_len);
	if (!stk_tlv_close(out, mark))
		return STK_E_NOSPACE;
	if (tr->text.present && (r = add_text_string(out,
	    STK_CAT_TAG_TEXT_STRING, true, &tr->text)) != STK_OK)
		return r;
	if (tr->has_item_id && tr->item_id == 0)
		return STK_E_INVALID;
	if (tr->has_item_id)
		stk_ctlv_add(out, STK_CAT_TAG_ITEM_ID, true, &tr->item_id, 1);
	return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
}

int
stk_cat_tr_decode(const uint8_t *in, size_t len,
    struct stk_cat_terminal_response *tr, struct stk_diag *diag)
{
	struct stk_cur all;
	const struct stk_cat_obj *res;
	int r;

	if (tr == NULL || (in == NULL && len > 0))
		return STK_E_ARG;
	memset(tr, 0, sizeof(*tr));
	/* it is the data of one APDU: at most 255 octets */
	if (len > CAT_BER_MAX)
		return stk_fail(diag, STK_E_TOO_LONG, "TERMINAL RESPONSE", 0);
	stk_cur_init(&all, in, len);
	if ((r = read_objs(&all, tr->objs, &tr->nobjs, diag)) != STK_OK)
		return r;
	if ((r = decode_head(tr->objs, tr->nobjs, len, &tr->cmd, &tr->dev,
	    diag)) != STK_OK)
		return r;
	if (tr->dev.source != STK_CAT_DEV_TERMINAL ||
	    tr->dev.dest != STK_CAT_DEV_UICC)
		return stk_fail(diag, STK_E_INVALID, "device identities",
		    tr->objs[1].offset);
	if (tr->nobjs < 3 || tr->objs[2].tag != STK_CAT_TAG_RESULT)
		return stk_fail(diag, STK_E_NOT_FOUND, "result",
		    missing_at(tr->objs, tr->nobjs, 2, len));
	res = &tr->objs[2];
	if (res->len == 0)
		return stk_fail(diag, STK_E_INVALID, "result", res->offset);
	tr->result = res->value[0];
	tr->add_info_len = res->len - 1;
	if (tr->add_info_len > STK_CAT_ADDINFO_MAX)
		return stk_fail(diag, STK_E_TOO_LONG, "result", res->offset);
	if (tr->add_info_len > 0)
		memcpy(tr->add_info, res->value + 1, tr->add_info_len);
	if (stk_cat_result_needs_info(tr->result) && tr->add_info_len == 0)
		return stk_fail(diag, STK_E_INVALID, "result", res->offset);

	for (size_t i = 3; i < tr->nobjs; i++) {
		const struct stk_cat_obj *o = &tr->objs[i];
		struct stk_cur c;

		switch (o->tag) {
		case STK_CAT_TAG_TEXT_STRING:
			if (tr->text.present)
				return dup_err(o, diag);
			obj_cur(o, &c);
			if ((r = stk_cat_text_string_decode(&c, &tr->text,
			    diag)) != STK_OK)
				return r;
			break;
		case STK_CAT_TAG_ITEM_ID:
			if (tr->has_item_id)
				return dup_err(o, diag);
			if ((r = decode_item_id(o, &tr->item_id, diag)) !=
			    STK_OK)
				return r;
			tr->has_item_id = true;
			break;
		default:
			note_unknown(o, &tr->nunknown, &tr->unknown_cr);
			break;
		}
	}
	return STK_OK;
}
