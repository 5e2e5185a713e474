/*
 * cmd_sms_decode.c - the SMS TPDU decoders of stkauth-pdu, "decode --as
 * sms-*" (3GPP TS 23.040 §9.2.2), printing every field by name:
 * first-octet flags from a table, addresses with TON/NPI names, SCTS in
 * ISO 8601, TP-VP in its format, TP-DCS meaning, the user data header as
 * a list of named IEs with their content, the user data as text when
 * TP-DCS says GSM 7-bit or UCS-2.  The encoders are in cmd_sms_encode.c.
 *
 * All parsing is lib/'s (tpdu.h, udh.h, sms_*.h); this file only presents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsm7.h"
#include "pdu.h"
#include "sms_addr.h"
#include "sms_dcs.h"
#include "sms_time.h"
#include "tpdu.h"
#include "udh.h"

/* ---- decoding ------------------------------------------------------ */

#define TYPE_BIT(t) (1u << (t))
#define ALL_TYPES 0x3fu

/*
 * The first-octet flags of each TPDU type (TS 23.040 §9.2.2.1-§9.2.2.4),
 * with the meaning of each value (§9.2.3.2-§9.2.3.28).  TP-MTI (bits 1-0)
 * is printed on its own; TP-VPF (two bits) takes its names from
 * stk_vpf_name().
 */
struct fo_flag {
	uint8_t mask;
	uint8_t shift;
	unsigned types;
	const char *name;
	const char *meaning[2];
	const char *clause;
};

static const struct fo_flag fo_flags[] = {
	{ 0x04, 2, TYPE_BIT(STK_TPDU_DELIVER) | TYPE_BIT(STK_TPDU_STATUS_REPORT), "TP-MMS", { "more messages are waiting", "no more messages are waiting" }, "§9.2.3.2" },
	{ 0x04, 2, TYPE_BIT(STK_TPDU_SUBMIT), "TP-RD", { "accept duplicates", "reject duplicates" }, "§9.2.3.25" },
	{ 0x08, 3, TYPE_BIT(STK_TPDU_DELIVER) | TYPE_BIT(STK_TPDU_STATUS_REPORT), "TP-LP", { "not forwarded or spawned", "forwarded or spawned" }, "§9.2.3.28" },
	{ 0x18, 3, TYPE_BIT(STK_TPDU_SUBMIT), "TP-VPF", { NULL, NULL }, "§9.2.3.3" },
	{ 0x20, 5, TYPE_BIT(STK_TPDU_DELIVER), "TP-SRI", { "no status report will be returned", "a status report will be returned" }, "§9.2.3.4" },
	{ 0x20, 5, TYPE_BIT(STK_TPDU_SUBMIT) | TYPE_BIT(STK_TPDU_COMMAND), "TP-SRR", { "no status report requested", "status report requested" }, "§9.2.3.5" },
	{ 0x20, 5, TYPE_BIT(STK_TPDU_STATUS_REPORT), "TP-SRQ", { "result of an SMS-SUBMIT", "result of an SMS-COMMAND" }, "§9.2.3.26" },
	{ 0x40, 6, ALL_TYPES, "TP-UDHI", { "no user data header", "user data begins with a header" }, "§9.2.3.23" },
	{ 0x80, 7, TYPE_BIT(STK_TPDU_DELIVER) | TYPE_BIT(STK_TPDU_SUBMIT), "TP-RP", { "no reply path", "reply path set" }, "§9.2.3.17" },
};

#define N_FO_FLAGS (sizeof(fo_flags) / sizeof(fo_flags[0]))

/* TS 23.040 §9.2.3.24.2 basic message indication types (bits 1-0). */
static const char *const special_sms_types[4] = {
	"voice message waiting", "fax message waiting",
	"electronic mail message waiting", "other message waiting",
};

/* TS 23.040 §9.2.3.24.7 UDH source indicator values. */
static const char *
udh_source_name(uint8_t v)
{
	switch (v) {
	case 0x01: return "the following IEs were created by the original sender";
	case 0x02: return "the following IEs were created by the original receiver";
	case 0x03: return "the following IEs were created by the SMSC";
	default: return "reserved";
	}
}

/* TS 23.038 §6.2.1.2.4 national language identifiers. */
static const char *const nl_languages[] = {
	"reserved", "Turkish", "Spanish", "Portuguese", "Bengali", "Gujarati",
	"Hindi", "Kannada", "Malayalam", "Oriya", "Punjabi", "Tamil", "Telugu",
	"Urdu",
};

/* TS 23.040 §9.2.3.24.6 selective status report bits. */
static const struct {
	uint8_t bit;
	const char *name;
} smsc_control_bits[] = {
	{ 0x01, "report on transaction completed" },
	{ 0x02, "report on permanent error" },
	{ 0x04, "report on temporary error, SC not making more attempts" },
	{ 0x08, "report on temporary error, SC still trying" },
	{ 0x40, "cancel status report requests of the other segments" },
	{ 0x80, "include the original UDH in the status report" },
};

/*
 * Quote UTF-8 text for one line: '"' and '\' escaped, control characters
 * as \xHH.  Truncates (never overruns) when out is too small.
 */
static const char *
sms_quote(const char *s, char *out, size_t outsz)
{
	size_t i, o = 0;

	if (outsz < 3)
		return "";
	out[o++] = '"';
	for (i = 0; s[i] != '\0' && o + 6 < outsz; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02X",
			    ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

/* An address (TP-OA, TP-DA, TP-RA; TS 23.040 §9.1.2.5) with its parts. */
static int
sms_print_addr(struct pdu_out *out, const char *name,
    const struct stk_sms_addr *a, struct stk_diag *diag, size_t off)
{
	char text[STK_ADDR_TEXT_MAX + 1], quoted[4 * STK_ADDR_TEXT_MAX + 8];
	unsigned semi;
	int rc;

	rc = stk_sms_addr_to_text(a, text, sizeof(text));
	if (rc != STK_OK)
		return stk_fail(diag, rc, name, off);
	if (a->ton == STK_TON_ALPHANUMERIC) {
		semi = a->alpha_semi != 0 ? a->alpha_semi :
		    (unsigned)((7 * a->nseptets + 3) / 4);
		pdu_open(out, name, "%s (alphanumeric)",
		    sms_quote(text, quoted, sizeof(quoted)));
		pdu_field(out, "address-length", "%u semi-octets (%zu "
		    "septets, GSM 7-bit packed)", semi, a->nseptets);
	} else {
		pdu_open(out, name, "%s", a->ndigits > 0 || a->ton ==
		    STK_TON_INTERNATIONAL ? text : "(empty)");
		pdu_field(out, "address-length", "%zu digit%s", a->ndigits,
		    a->ndigits == 1 ? "" : "s");
	}
	pdu_field(out, "type-of-address", "0x%02x (TON %s, NPI %s)",
	    0x80 | (a->ton << 4) | a->npi, stk_ton_name(a->ton),
	    stk_npi_name(a->npi));
	pdu_close(out);
	return STK_OK;
}

static int
sms_print_time(struct pdu_out *out, const char *name,
    const struct stk_sms_time *t, struct stk_diag *diag)
{
	char iso[STK_SMS_TIME_ISO_LEN];
	int rc;

	rc = stk_sms_time_to_iso(t, iso, sizeof(iso));
	if (rc != STK_OK)
		return stk_fail(diag, rc, name, 0);
	pdu_field(out, name, "%s", iso);
	return STK_OK;
}

static void
sms_print_dcs(struct pdu_out *out, uint8_t raw)
{
	struct stk_dcs d;
	char desc[160];
	const char *s;

	stk_dcs_decode(raw, &d);
	stk_dcs_describe(&d, desc, sizeof(desc));
	/* The description starts "0xF6: "; show the value in our form. */
	s = strstr(desc, ": ");
	s = s != NULL ? s + 2 : desc;
	pdu_field(out, "TP-DCS", "0x%02x (%s)", raw, s);
}

/* Content of one UDH information element (TS 23.040 §9.2.3.24.x). */
static void
sms_print_ie_content(struct pdu_out *out, const struct stk_udh_ie *ie)
{
	struct stk_cur c;
	uint8_t a, b, v;
	uint16_t r, s;
	size_t i;

	stk_cur_init(&c, ie->data, ie->len);
	switch (ie->iei) {
	case STK_IEI_CONCAT8:
	case STK_IEI_CONCAT16:
		if (ie->iei == STK_IEI_CONCAT8) {
			if (!stk_cur_u8(&c, &v))
				break;
			r = v;
		} else if (!stk_cur_u16(&c, &r)) {
			break;
		}
		if (!stk_cur_u8(&c, &a) || !stk_cur_u8(&c, &b))
			break;
		pdu_field(out, "reference", "%u", r);
		pdu_field(out, "total", "%u", a);
		pdu_field(out, "sequence", "%u", b);
		return;
	case STK_IEI_PORT8:
		if (!stk_cur_u8(&c, &a) || !stk_cur_u8(&c, &b))
			break;
		pdu_field(out, "destination-port", "%u", a);
		pdu_field(out, "source-port", "%u", b);
		return;
	case STK_IEI_PORT16:
		if (!stk_cur_u16(&c, &r) || !stk_cur_u16(&c, &s))
			break;
		pdu_field(out, "destination-port", "%u", r);
		pdu_field(out, "source-port", "%u", s);
		return;
	case STK_IEI_SPECIAL_SMS:
		if (!stk_cur_u8(&c, &a) || !stk_cur_u8(&c, &b))
			break;
		pdu_field(out, "indication", "%s", special_sms_types[a & 3]);
		pdu_field(out, "extended-type", "%u", (a >> 2) & 7);
		pdu_field(out, "profile-id", "%u", (a >> 5) & 3);
		pdu_field(out, "message", "%s", (a & 0x80) ? "store" :
		    "discard");
		pdu_field(out, "message-count", "%u", b);
		return;
	case STK_IEI_SMSC_CONTROL:
		if (!stk_cur_u8(&c, &a))
			break;
		pdu_field(out, "selective-status-report", "0x%02x", a);
		for (i = 0; i < sizeof(smsc_control_bits) /
		    sizeof(smsc_control_bits[0]); i++)
			if (a & smsc_control_bits[i].bit)
				pdu_field(out, "bit", "%s",
				    smsc_control_bits[i].name);
		return;
	case STK_IEI_UDH_SOURCE:
		if (!stk_cur_u8(&c, &a))
			break;
		pdu_field(out, "source", "0x%02x (%s)", a, udh_source_name(a));
		return;
	case STK_IEI_NL_SINGLE_SHIFT:
	case STK_IEI_NL_LOCKING_SHIFT:
		if (!stk_cur_u8(&c, &a))
			break;
		pdu_field(out, "language", "%u (%s)", a,
		    a < sizeof(nl_languages) / sizeof(nl_languages[0]) ?
		    nl_languages[a] : "reserved");
		return;
	case STK_IEI_CPI:
		pdu_field(out, "meaning", "the body is a secured command "
		    "packet (TS 31.115 §4)");
		return;
	case STK_IEI_RPI:
		pdu_field(out, "meaning", "the body is a secured response "
		    "packet (TS 31.115 §4)");
		return;
	default:
		break;
	}
	if (ie->len > 0)
		pdu_hex(out, "data", ie->data, ie->len);
}

/*
 * The user data header at cursor c (exactly its udh_len octets): each IE
 * by name with its content.  A structurally broken header is an error; an
 * IE the standard says to ignore (bad length, seq 0, ...) is shown with
 * the reason, since a receiver ignores that IE, not the message
 * (TS 23.040 §9.2.3.24).
 */
static int
sms_print_udh(struct pdu_out *out, struct stk_cur *c, struct stk_udh *udh,
    struct stk_diag *diag)
{
	struct stk_diag d;
	char msg[160];
	size_t i;
	int rc;

	rc = stk_udh_parse_cur(c, udh, diag);
	if (rc != STK_OK)
		return rc;
	pdu_open(out, "UDH", "%zu information element%s", udh->n,
	    udh->n == 1 ? "" : "s");
	pdu_field(out, "TP-UDHL", "%zu", stk_udh_encoded_len(udh) - 1);
	for (i = 0; i < udh->n; i++) {
		const struct stk_udh_ie *ie = &udh->ie[i];

		pdu_open(out, "IE", "0x%02x (%s), %u octet%s", ie->iei,
		    stk_iei_name(ie->iei), ie->len, ie->len == 1 ? "" : "s");
		stk_diag_clear(&d);
		if (stk_udh_check_ie(ie, &d) != STK_OK) {
			pdu_field(out, "ignored", "%s",
			    stk_diag_format(&d, msg, sizeof(msg)));
			if (ie->len > 0)
				pdu_hex(out, "data", ie->data, ie->len);
		} else {
			sms_print_ie_content(out, ie);
		}
		pdu_close(out);
	}
	stk_diag_clear(&d);
	rc = stk_udh_validate(udh, &d);
	if (rc == STK_E_DUPLICATE)
		pdu_field(out, "note", "%s (the last occurrence counts, "
		    "TS 23.040 §9.2.3.24)", stk_diag_format(&d, msg,
		    sizeof(msg)));
	pdu_close(out);
	return STK_OK;
}

/*
 * Secured packets inside an unsegmented 8-bit body (TS 31.115 §4): hand
 * the body to the "ota-command" / "ota-response" decoder when one is
 * registered.  A failure is shown in the tree, not fatal: the SMS itself
 * is well formed.
 */
static void
sms_print_nested(struct pdu_out *out, const struct stk_udh *udh,
    const struct stk_cur *body)
{
	const struct pdu_decoder *dec = NULL;
	struct stk_udh_concat cc;
	struct pdu_out sub;
	struct stk_diag d;
	struct stk_cur c = *body;
	char msg[160];

	if (stk_udh_is_command_packet(udh))
		dec = pdu_decoder_find("ota-command");
	else if (stk_udh_is_response_packet(udh))
		dec = pdu_decoder_find("ota-response");
	if (dec == NULL)
		return;
	stk_diag_clear(&d);
	if (stk_udh_find_concat(udh, &cc, &d) != STK_E_NOT_FOUND) {
		pdu_field(out, dec->name, "segment %u of a concatenated "
		    "packet: reassemble to decode", cc.seq);
		return;
	}
	pdu_out_init(&sub);
	sub.depth = out->depth;
	stk_diag_clear(&d);
	if (dec->fn(&c, &sub, &d) == STK_OK)
		pdu_out_append(out, &sub);
	else
		pdu_field(out, dec->name, "not decoded: %s",
		    stk_diag_format(&d, msg, sizeof(msg)));
	pdu_out_free(&sub);
}

/*
 * TP-UDL and TP-UD (TS 23.040 §9.2.3.16, §9.2.3.24).  whole is the cursor
 * over the entire TPDU (absolute offsets); the user data is its tail.
 */
static int
sms_print_ud(struct pdu_out *out, const struct stk_tpdu *t,
    const struct stk_cur *whole, struct stk_diag *diag)
{
	struct stk_dcs dcs;
	struct stk_udh udh;
	struct stk_cur c = *whole, ud, hdr, body;
	struct stk_buf text;
	const uint8_t *raw;
	size_t udl, ud_octets;
	bool septets;
	unsigned fill = 0;
	int rc;

	stk_dcs_decode(t->has_dcs ? t->dcs : 0, &dcs);
	septets = stk_dcs_udl_in_septets(&dcs);
	udl = stk_tpdu_udl(t);
	ud_octets = septets ? stk_gsm7_packed_len(udl, 0) : udl;
	if (ud_octets > stk_cur_len(&c) ||
	    !stk_cur_skip(&c, stk_cur_len(&c) - ud_octets))
		return stk_fail(diag, STK_E_INCONSISTENT, "TP-UDL",
		    stk_cur_offset(whole));
	pdu_field(out, "TP-UDL", "%zu %s", udl, septets ? "septets" :
	    "octets");
	stk_cur_rest(&c, &ud);
	raw = stk_cur_data(&ud);
	pdu_open(out, "TP-UD", "%zu octet%s", ud_octets,
	    ud_octets == 1 ? "" : "s");
	if (ud_octets > 0)
		pdu_hex(out, "raw", raw, ud_octets);
	stk_udh_init(&udh);
	if (t->udh_len > 0) {
		if (!stk_cur_sub(&ud, &hdr, t->udh_len))
			return stk_fail(diag, STK_E_TRUNCATED, "TP-UDHL",
			    stk_cur_offset(&ud));
		rc = sms_print_udh(out, &hdr, &udh, diag);
		if (rc != STK_OK)
			return rc;
		if (septets) {
			fill = (unsigned)((7 - (t->udh_len * 8) % 7) % 7);
			pdu_field(out, "fill-bits", "%u (TS 23.040 §9.2.3.24)",
			    fill);
		}
	}
	body = ud;
	if (septets) {
		pdu_field(out, "body", "%zu septet%s", t->body_len,
		    t->body_len == 1 ? "" : "s");
	} else {
		pdu_hex(out, "body", t->body, t->body_len);
	}
	if (dcs.compressed) {
		pdu_field(out, "text", "not shown: compressed (TS 23.042)");
	} else if (dcs.charset == STK_CHARSET_GSM7 ||
	    dcs.charset == STK_CHARSET_UCS2) {
		stk_buf_init(&text);
		rc = stk_tpdu_body_text(t, &text);
		if (rc == STK_OK)
			pdu_text(out, "text", (const char *)stk_buf_data(&text),
			    stk_buf_len(&text));
		else
			pdu_field(out, "text", "not decodable as %s: %s",
			    stk_charset_name(dcs.charset), stk_strerror(rc));
		stk_buf_free(&text);
	} else if (t->udh_len > 0) {
		sms_print_nested(out, &udh, &body);
	}
	pdu_close(out);
	return STK_OK;
}

/* The first octet: TP-MTI and the flags this type has. */
static void
sms_print_first_octet(struct pdu_out *out, const struct stk_tpdu *t,
    uint8_t fo)
{
	uint8_t used = 0x03;
	size_t i;

	pdu_open(out, "first-octet", "0x%02x", fo);
	pdu_field(out, "TP-MTI", "%u%u (%s)", (fo >> 1) & 1, fo & 1,
	    stk_mti_name(stk_tpdu_type_dir(t->type), fo & 3));
	for (i = 0; i < N_FO_FLAGS; i++) {
		const struct fo_flag *f = &fo_flags[i];
		unsigned v = (fo & f->mask) >> f->shift;

		if (!(f->types & TYPE_BIT(t->type)))
			continue;
		used |= f->mask;
		if (f->meaning[0] == NULL)
			pdu_field(out, f->name, "%u (%s)", v,
			    stk_vpf_name(v));
		else
			pdu_field(out, f->name, "%u (%s)", v, f->meaning[v]);
	}
	if (fo & ~used)
		pdu_field(out, "unused-bits", "0x%02x (not defined for %s)",
		    fo & ~used, stk_tpdu_type_name(t->type));
	pdu_close(out);
}

static void
sms_print_pi(struct pdu_out *out, const struct stk_tpdu *t)
{
	if (!t->has_pi) {
		pdu_field(out, "TP-PI", "absent");
		return;
	}
	pdu_field(out, "TP-PI", "0x%02x (%s%s%s%s)", t->pi,
	    (t->pi & STK_PI_PID) ? "TP-PID " : "",
	    (t->pi & STK_PI_DCS) ? "TP-DCS " : "",
	    (t->pi & STK_PI_UDL) ? "TP-UDL " : "",
	    (t->pi & (STK_PI_PID | STK_PI_DCS | STK_PI_UDL)) ? "present" :
	    "no optional field present");
}

/*
 * Decode the TPDU at in as type and print it.  Report types take the
 * RP-ERROR form when the second octet has bit 7 set (a TP-FCS; TP-PI
 * with its extension bit is not supported), as stk_tpdu_decode() does.
 */
static int
sms_decode(struct stk_cur *in, enum stk_tpdu_type type, struct pdu_out *out,
    struct stk_diag *diag)
{
	struct stk_tpdu *t;
	struct stk_diag d;
	struct stk_cur whole = *in;
	const uint8_t *p = stk_cur_data(in);
	size_t len = stk_cur_len(in), base = stk_cur_offset(in);
	bool rp_error = false;
	int rc;

	t = malloc(sizeof(*t));
	if (t == NULL)
		return stk_fail(diag, STK_E_NOMEM, NULL, 0);
	if ((type == STK_TPDU_DELIVER_REPORT ||
	    type == STK_TPDU_SUBMIT_REPORT) && len >= 2 && (p[1] & 0x80))
		rp_error = true;
	stk_diag_clear(&d);
	rc = stk_tpdu_decode_as(p, len, type, rp_error, t, &d);
	if (rc != STK_OK) {
		stk_fail(diag, rc, d.field, d.field != NULL ? base + d.offset :
		    0);
		goto out;
	}
	pdu_open(out, stk_tpdu_type_name(type), rp_error ? "RP-ERROR form" :
	    (type == STK_TPDU_DELIVER_REPORT ||
	    type == STK_TPDU_SUBMIT_REPORT) ? "RP-ACK form" : NULL);
	sms_print_first_octet(out, t, p[0]);
	if (rp_error)
		pdu_field(out, "TP-FCS", "0x%02x (%s)", t->fcs,
		    stk_fcs_name(t->fcs));
	switch (type) {
	case STK_TPDU_DELIVER:
		if ((rc = sms_print_addr(out, "TP-OA", &t->addr, diag,
		    base + 1)) != STK_OK)
			goto out;
		break;
	case STK_TPDU_SUBMIT:
		pdu_field(out, "TP-MR", "%u", t->mr);
		if ((rc = sms_print_addr(out, "TP-DA", &t->addr, diag,
		    base + 2)) != STK_OK)
			goto out;
		break;
	case STK_TPDU_STATUS_REPORT:
		pdu_field(out, "TP-MR", "%u", t->mr);
		if ((rc = sms_print_addr(out, "TP-RA", &t->addr, diag,
		    base + 2)) != STK_OK)
			goto out;
		if ((rc = sms_print_time(out, "TP-SCTS", &t->scts, diag)) !=
		    STK_OK || (rc = sms_print_time(out, "TP-DT", &t->dt,
		    diag)) != STK_OK)
			goto out;
		pdu_field(out, "TP-ST", "0x%02x (%s)", t->st,
		    stk_st_name(t->st));
		sms_print_pi(out, t);
		break;
	case STK_TPDU_DELIVER_REPORT:
		sms_print_pi(out, t);
		break;
	case STK_TPDU_SUBMIT_REPORT:
		sms_print_pi(out, t);
		if ((rc = sms_print_time(out, "TP-SCTS", &t->scts, diag)) !=
		    STK_OK)
			goto out;
		break;
	case STK_TPDU_COMMAND:
		pdu_field(out, "TP-MR", "%u", t->mr);
		pdu_field(out, "TP-PID", "0x%02x (%s)", t->pid,
		    stk_pid_name(t->pid));
		pdu_field(out, "TP-CT", "0x%02x (%s)", t->ct,
		    stk_ct_name(t->ct));
		pdu_field(out, "TP-MN", "%u", t->mn);
		if ((rc = sms_print_addr(out, "TP-DA", &t->addr, diag,
		    base + 5)) != STK_OK)
			goto out;
		pdu_field(out, "TP-CDL", "%zu", t->cd_len);
		pdu_hex(out, "TP-CD", t->cd, t->cd_len);
		break;
	}
	if (type != STK_TPDU_COMMAND) {
		if (t->has_pid)
			pdu_field(out, "TP-PID", "0x%02x (%s)", t->pid,
			    stk_pid_name(t->pid));
		if (t->has_dcs)
			sms_print_dcs(out, t->dcs);
	}
	if (type == STK_TPDU_DELIVER &&
	    (rc = sms_print_time(out, "TP-SCTS", &t->scts, diag)) != STK_OK)
		goto out;
	if (type == STK_TPDU_SUBMIT) {
		char vp[96];

		stk_vp_to_text(&t->vp, vp, sizeof(vp));
		pdu_field(out, "TP-VP", "%s", vp);
	}
	if (type != STK_TPDU_COMMAND && t->has_ud &&
	    (rc = sms_print_ud(out, t, &whole, diag)) != STK_OK)
		goto out;
	pdu_close(out);
	stk_cur_skip(in, len);
	rc = STK_OK;
out:
	free(t);
	return rc;
}

/*
 * The six TPDU types of TS 23.040 §9.2.2 (rows of decode.c's table): one
 * decoder each, all served by sms_decode().
 */
#define SMS_DECODER(fn, type)						\
int									\
fn(struct stk_cur *in, struct pdu_out *out, struct stk_diag *diag)	\
{									\
	return sms_decode(in, type, out, diag);				\
}

SMS_DECODER(pdu_decode_sms_deliver, STK_TPDU_DELIVER)
SMS_DECODER(pdu_decode_sms_deliver_report, STK_TPDU_DELIVER_REPORT)
SMS_DECODER(pdu_decode_sms_submit, STK_TPDU_SUBMIT)
SMS_DECODER(pdu_decode_sms_submit_report, STK_TPDU_SUBMIT_REPORT)
SMS_DECODER(pdu_decode_sms_status_report, STK_TPDU_STATUS_REPORT)
SMS_DECODER(pdu_decode_sms_command, STK_TPDU_COMMAND)

#undef SMS_DECODER

const char *
pdu_sms_guess_type(const uint8_t *in, size_t len)
{
	static const char *const by_mti[4] = {
		"sms-deliver", "sms-submit", "sms-status-report", NULL,
	};

	if (len == 0)
		return NULL;
	return by_mti[in[0] & 3];
}
