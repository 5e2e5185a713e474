/*
 * cmd_sms.c - SMS TPDUs in stkauth-pdu (3GPP TS 23.040 §9.2.2):
 *
 *   the decoders of "decode --as sms-*", printing every field by name
 *   (first-octet flags from a table, addresses with TON/NPI names, SCTS in
 *   ISO 8601, TP-VP in its format, TP-DCS meaning, the user data header
 *   as a list of named IEs with their content, the user data as text when
 *   TP-DCS says GSM 7-bit or UCS-2);
 *
 *   the encoders "sms-submit" and "sms-deliver", which print the TPDU in
 *   upper-case hex on one line.
 *
 * All parsing is lib/'s (tpdu.h, udh.h, sms_*.h); this file only presents.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gsm7.h"
#include "hex.h"
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

int
pdu_decode_sms_deliver(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	return sms_decode(in, STK_TPDU_DELIVER, out, diag);
}

int
pdu_decode_sms_submit(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	return sms_decode(in, STK_TPDU_SUBMIT, out, diag);
}

int
pdu_decode_sms_status_report(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	return sms_decode(in, STK_TPDU_STATUS_REPORT, out, diag);
}

int
pdu_decode_sms_deliver_report(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	return sms_decode(in, STK_TPDU_DELIVER_REPORT, out, diag);
}

int
pdu_decode_sms_submit_report(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	return sms_decode(in, STK_TPDU_SUBMIT_REPORT, out, diag);
}

int
pdu_decode_sms_command(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	return sms_decode(in, STK_TPDU_COMMAND, out, diag);
}

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

/* ---- encoding ------------------------------------------------------ */

#define SUBMIT_USAGE PDU_PROG " sms-submit --to NUMBER [--from NUMBER] " \
	"[--mr N] [--pid HEX] [--dcs HEX]\n" \
	"       [--udh HEX] [--srr] [--vp MINUTES] [--sca NUMBER] " \
	"(--ud HEX | --text TEXT)"
#define DELIVER_USAGE PDU_PROG " sms-deliver --from NUMBER [--pid HEX] " \
	"[--dcs HEX] [--udh HEX]\n" \
	"       [--scts ISO8601] [--sca NUMBER] (--ud HEX | --text TEXT)"

/* What the command line asked for; strings point into argv. */
struct sms_args {
	const char *to, *from, *pid, *dcs, *udh, *ud, *text, *scts, *sca,
	    *vp, *mr;
	bool srr;
};

/* One octet given in hex ("7F", "7f" or "0x7F"). */
static bool
sms_parse_octet(const char *s, uint8_t *v)
{
	struct stk_buf b;
	bool ok;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	stk_buf_init(&b);
	ok = stk_hex_decode(s, &b) == STK_OK && stk_buf_len(&b) == 1;
	if (ok)
		*v = stk_buf_data(&b)[0];
	stk_buf_free(&b);
	return ok;
}

static int
sms_parse_addr(const char *opt, const char *text, struct stk_sms_addr *a)
{
	int rc = stk_sms_addr_from_text(text, a);

	/* Only an originator may be alphanumeric (TS 23.040 §9.1.2.5 is
	 * about sender names; a DA or SC address names a number). */
	if (rc == STK_OK && a->ton == STK_TON_ALPHANUMERIC &&
	    strcmp(opt, "--from") != 0) {
		pdu_err("%s '%s': not a number: give +DIGITS (international) "
		    "or DIGITS; '*' and '#' are allowed", opt, text);
		return 1;
	}
	if (rc == STK_OK)
		return 0;
	pdu_err("%s '%s': %s (a number is +DIGITS or DIGITS, at most %d "
	    "digits; an alphanumeric sender at most %d GSM 7-bit septets)",
	    opt, text, stk_strerror(rc), STK_ADDR_MAX_DIGITS,
	    STK_ADDR_MAX_ALPHA);
	return 1;
}

/*
 * Set the user data from --udh, --dcs and --ud / --text (see the man
 * page): --ud with a GSM 7-bit TP-DCS takes unpacked septets; --ud without
 * --dcs means 8-bit data (0x04); --text without --dcs picks GSM 7-bit or
 * UCS-2; --text with an 8-bit or compressed TP-DCS is refused.
 */
static int
sms_set_ud(struct stk_tpdu *t, const struct sms_args *a)
{
	struct stk_buf udh, ud, enc;
	struct stk_udh parsed;
	struct stk_diag d;
	struct stk_dcs dcs;
	char msg[160];
	uint8_t dcs_raw = 0x04;
	size_t i;
	int rc, status = 1;

	stk_buf_init(&udh);
	stk_buf_init(&ud);
	stk_buf_init(&enc);
	if (a->dcs != NULL && !sms_parse_octet(a->dcs, &dcs_raw)) {
		pdu_err("--dcs '%s': expected one octet in hex, e.g. F6",
		    a->dcs);
		goto out;
	}
	if (a->udh != NULL) {
		stk_buf_free(&udh);
		if (pdu_parse_hex_arg("--udh", a->udh, &udh) != 0)
			goto out;
		stk_diag_clear(&d);
		if (stk_udh_parse(stk_buf_data(&udh), stk_buf_len(&udh),
		    &parsed, &d) != STK_OK) {
			pdu_err("--udh: %s (give the header as it starts "
			    "TP-UD, its length octet first, e.g. 027000)",
			    stk_diag_format(&d, msg, sizeof(msg)));
			goto out;
		}
		rc = stk_tpdu_set_udh(t, stk_buf_data(&udh),
		    stk_buf_len(&udh));
		if (rc != STK_OK) {
			pdu_err("--udh: %s", stk_strerror(rc));
			goto out;
		}
	}
	stk_dcs_decode(dcs_raw, &dcs);
	if (a->text != NULL && a->dcs == NULL) {
		rc = stk_tpdu_set_text(t, a->text, strlen(a->text),
		    STK_CLASS_NONE);
		if (rc == STK_E_TOO_LONG)
			pdu_err("--text: too long for one message: room for "
			    "%zu %s after the header (TS 23.040 §9.2.3.16)",
			    stk_tpdu_body_capacity(t),
			    stk_charset_for_text(a->text, strlen(a->text)) ==
			    STK_CHARSET_GSM7 ? "septets" : "octets");
		else if (rc != STK_OK)
			pdu_err("--text: %s", stk_strerror(rc));
		status = rc == STK_OK ? 0 : 1;
		goto out;
	}
	if (a->text != NULL) {
		if (dcs.compressed || dcs.charset == STK_CHARSET_8BIT) {
			pdu_err("--text: TP-DCS 0x%02X is not a text coding "
			    "(GSM 7-bit or UCS-2, uncompressed); use --ud "
			    "HEX", dcs_raw);
			goto out;
		}
		if (dcs.charset == STK_CHARSET_GSM7)
			rc = stk_gsm7_from_utf8(a->text, strlen(a->text),
			    &enc);
		else
			rc = stk_ucs2_from_utf8(a->text, strlen(a->text),
			    &enc);
		if (rc != STK_OK) {
			pdu_err("--text: not encodable as %s: %s",
			    stk_charset_name(dcs.charset), stk_strerror(rc));
			goto out;
		}
	} else {
		if (pdu_parse_hex_arg("--ud", a->ud, &ud) != 0)
			goto out;
		stk_buf_add_bytes(&enc, stk_buf_data(&ud), stk_buf_len(&ud));
		if (!stk_buf_ok(&enc)) {
			pdu_err("--ud: %s", stk_strerror(STK_E_NOMEM));
			goto out;
		}
	}
	if (stk_dcs_udl_in_septets(&dcs)) {
		for (i = 0; i < stk_buf_len(&enc); i++)
			if (stk_buf_data(&enc)[i] > 0x7f) {
				pdu_err("--ud: with the GSM 7-bit TP-DCS 0x%02X "
				    "HEX is unpacked septets (00-7F), octet "
				    "%zu is 0x%02X", dcs_raw, i + 1,
				    stk_buf_data(&enc)[i]);
				goto out;
			}
		rc = stk_tpdu_set_septets(t, stk_buf_data(&enc),
		    stk_buf_len(&enc), dcs_raw);
	} else {
		rc = stk_tpdu_set_octets(t, stk_buf_data(&enc),
		    stk_buf_len(&enc), dcs_raw);
	}
	if (rc == STK_E_TOO_LONG)
		pdu_err("%s: %zu %s do not fit: room for %zu after the header "
		    "(TS 23.040 §9.2.3.16)", a->text != NULL ? "--text" :
		    "--ud", stk_buf_len(&enc), stk_dcs_udl_in_septets(&dcs) ?
		    "septets" : "octets", stk_tpdu_body_capacity(t));
	else if (rc != STK_OK)
		pdu_err("%s: %s", a->text != NULL ? "--text" : "--ud",
		    stk_strerror(rc));
	else
		status = 0;
out:
	stk_buf_free(&udh);
	stk_buf_free(&ud);
	stk_buf_free(&enc);
	return status;
}

/* Encode t (with the SC address prefix when asked) and print it. */
static int
sms_emit(const struct stk_tpdu *t, const char *sca_text)
{
	struct stk_sms_addr sca;
	struct stk_buf b;
	int rc, status = 1;

	stk_buf_init(&b);
	if (sca_text != NULL) {
		if (sms_parse_addr("--sca", sca_text, &sca) != 0)
			goto out;
		if ((rc = stk_smsc_addr_encode(&sca, &b)) != STK_OK) {
			pdu_err("--sca: %s", stk_strerror(rc));
			goto out;
		}
	}
	rc = stk_tpdu_encode(t, &b);
	if (rc != STK_OK) {
		pdu_err("cannot encode: %s", stk_strerror(rc));
		goto out;
	}
	pdu_print_hex_line(stk_buf_data(&b), stk_buf_len(&b));
	status = 0;
out:
	stk_buf_free(&b);
	return status;
}

/*
 * Options shared by both encoders.  Returns -1 to go on, else the exit
 * status (help printed: 0; usage error: 2).
 */
static int
sms_parse_args(int argc, char **argv, bool submit, struct sms_args *a)
{
	static const struct option opts[] = {
		{ "help", no_argument,       NULL, 'h' },
		{ "to",   required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "pid",  required_argument, NULL, 'p' },
		{ "dcs",  required_argument, NULL, 'd' },
		{ "udh",  required_argument, NULL, 'H' },
		{ "ud",   required_argument, NULL, 'u' },
		{ "text", required_argument, NULL, 'T' },
		{ "scts", required_argument, NULL, 's' },
		{ "sca",  required_argument, NULL, 'c' },
		{ "vp",   required_argument, NULL, 'v' },
		{ "mr",   required_argument, NULL, 'm' },
		{ "srr",  no_argument,       NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = submit ? SUBMIT_USAGE : DELIVER_USAGE;
	const char *cmd = submit ? "sms-submit" : "sms-deliver";
	int ch;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			printf("usage: %s\n\nSee stkauth-pdu(1) for the "
			    "options.\n", usage);
			return 0;
		case 't': a->to = optarg; break;
		case 'f': a->from = optarg; break;
		case 'p': a->pid = optarg; break;
		case 'd': a->dcs = optarg; break;
		case 'H': a->udh = optarg; break;
		case 'u': a->ud = optarg; break;
		case 'T': a->text = optarg; break;
		case 's': a->scts = optarg; break;
		case 'c': a->sca = optarg; break;
		case 'v': a->vp = optarg; break;
		case 'm': a->mr = optarg; break;
		case 'r': a->srr = true; break;
		default:
			return pdu_usage_err(usage, "%s: unknown option or "
			    "missing value '%s'", cmd, argv[optind - 1]);
		}
	}
	if (optind != argc)
		return pdu_usage_err(usage, "%s: unexpected argument '%s'",
		    cmd, argv[optind]);
	if ((a->ud == NULL) == (a->text == NULL))
		return pdu_usage_err(usage, "%s: give exactly one of --ud "
		    "and --text", cmd);
	if (submit) {
		if (a->to == NULL)
			return pdu_usage_err(usage, "sms-submit: --to is "
			    "required");
		if (a->scts != NULL)
			return pdu_usage_err(usage, "sms-submit: --scts is "
			    "for sms-deliver (the SC stamps the time)");
	} else {
		if (a->from == NULL)
			return pdu_usage_err(usage, "sms-deliver: --from is "
			    "required");
		if (a->to != NULL || a->srr || a->vp != NULL || a->mr != NULL)
			return pdu_usage_err(usage, "sms-deliver: --to, --srr,"
			    " --vp and --mr are for sms-submit");
	}
	return -1;
}

/* TP-PID from --pid (default 0x00). */
static int
sms_set_pid(struct stk_tpdu *t, const char *pid)
{
	if (pid == NULL)
		return 0;
	if (!sms_parse_octet(pid, &t->pid)) {
		pdu_err("--pid '%s': expected one octet in hex, e.g. 7F", pid);
		return 1;
	}
	t->has_pid = true;
	return 0;
}

int
pdu_cmd_sms_submit(int argc, char **argv)
{
	struct stk_sms_addr from;
	struct sms_args a;
	struct stk_tpdu *t;
	unsigned long v;
	int rc, status = 1;

	if ((rc = sms_parse_args(argc, argv, true, &a)) >= 0)
		return rc;
	if ((t = malloc(sizeof(*t))) == NULL) {
		pdu_err("%s", stk_strerror(STK_E_NOMEM));
		return 1;
	}
	stk_tpdu_init(t, STK_TPDU_SUBMIT);
	if (sms_parse_addr("--to", a.to, &t->addr) != 0)
		goto out;
	/*
	 * SMS-SUBMIT has no originator (TS 23.040 §9.2.2.2): the SC takes
	 * it from the submitting subscription.  --from is checked and
	 * otherwise ignored, with a note, so scripts written for both
	 * encoders keep working.
	 */
	if (a.from != NULL) {
		if (sms_parse_addr("--from", a.from, &from) != 0)
			goto out;
		pdu_err("note: --from is not encoded: SMS-SUBMIT has no "
		    "originator field (TS 23.040 §9.2.2.2)");
	}
	if (a.mr != NULL) {
		if (!pdu_parse_uint(a.mr, 255, &v)) {
			status = pdu_usage_err(SUBMIT_USAGE, "--mr '%s': "
			    "expected 0 to 255", a.mr);
			goto out;
		}
		t->mr = (uint8_t)v;
	}
	if (sms_set_pid(t, a.pid) != 0)
		goto out;
	t->srr = a.srr;
	if (a.vp != NULL) {
		if (!pdu_parse_uint(a.vp, 0xffffffffUL, &v)) {
			status = pdu_usage_err(SUBMIT_USAGE, "--vp '%s': "
			    "expected a number of minutes", a.vp);
			goto out;
		}
		/* TS 23.040 §9.2.3.12.1, rounded up to a representable
		 * period. */
		if (stk_vp_relative_from_minutes((uint32_t)v,
		    &t->vp.relative) != STK_OK) {
			pdu_err("--vp %lu: longer than the longest relative "
			    "validity period, 63 weeks (635040 minutes)", v);
			goto out;
		}
		t->vp.vpf = STK_VPF_RELATIVE;
		t->vpf = STK_VPF_RELATIVE;
	}
	if (sms_set_ud(t, &a) != 0)
		goto out;
	status = sms_emit(t, a.sca);
out:
	free(t);
	return status;
}

int
pdu_cmd_sms_deliver(int argc, char **argv)
{
	struct sms_args a;
	struct stk_tpdu *t;
	int rc, status = 1;

	if ((rc = sms_parse_args(argc, argv, false, &a)) >= 0)
		return rc;
	if ((t = malloc(sizeof(*t))) == NULL) {
		pdu_err("%s", stk_strerror(STK_E_NOMEM));
		return 1;
	}
	stk_tpdu_init(t, STK_TPDU_DELIVER);
	t->mms = true;	/* TP-MMS 1: no more messages waiting */
	if (sms_parse_addr("--from", a.from, &t->addr) != 0)
		goto out;
	if (sms_set_pid(t, a.pid) != 0)
		goto out;
	if (a.scts != NULL) {
		if (stk_sms_time_from_iso(a.scts, &t->scts) != STK_OK) {
			pdu_err("--scts '%s': expected YYYY-MM-DDThh:mm:ss "
			    "with Z or +hh:mm (a multiple of 15 minutes), "
			    "years 1990-2089", a.scts);
			goto out;
		}
	} else if (stk_sms_time_from_unix((int64_t)time(NULL), 0,
	    &t->scts) != STK_OK) {
		pdu_err("--scts: the current time is outside 1990-2089");
		goto out;
	}
	if (sms_set_ud(t, &a) != 0)
		goto out;
	status = sms_emit(t, a.sca);
out:
	free(t);
	return status;
}
