/*
 * uicc.c - the ME side of the UICC-terminal interface: APDU exchange with
 * the T=0 transport procedure, the decoded APDU log, file reading (SELECT
 * with FCP, READ BINARY, READ RECORD, VERIFY PIN) and the toolkit
 * commands (TERMINAL PROFILE, ENVELOPE, FETCH, TERMINAL RESPONSE).
 *
 * The transport is a function pointer (PC/SC in pcsc.c, a scripted card
 * in the unit tests), so everything here runs without a reader.
 */
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "cat.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "phone.h"
#include "sw.h"
#include "tlv.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Instruction bytes (TS 102 221 §10.1.2 table 10.5). */
enum {
	INS_SELECT = 0xa4,
	INS_STATUS = 0xf2,
	INS_READ_BINARY = 0xb0,
	INS_READ_RECORD = 0xb2,
	INS_VERIFY = 0x20,
	INS_GET_RESPONSE = 0xc0,
	INS_TERMINAL_PROFILE = 0x10,
	INS_ENVELOPE = 0xc2,
	INS_FETCH = 0x12,
	INS_TERMINAL_RESPONSE = 0x14,
};

static const struct {
	uint8_t ins;
	const char *name;
} ins_names[] = {
	{ INS_SELECT, "SELECT" },
	{ INS_STATUS, "STATUS" },
	{ INS_READ_BINARY, "READ BINARY" },
	{ 0xd6, "UPDATE BINARY" },
	{ INS_READ_RECORD, "READ RECORD" },
	{ 0xdc, "UPDATE RECORD" },
	{ INS_VERIFY, "VERIFY PIN" },
	{ 0x24, "CHANGE PIN" },
	{ 0x26, "DISABLE PIN" },
	{ 0x28, "ENABLE PIN" },
	{ 0x2c, "UNBLOCK PIN" },
	{ INS_GET_RESPONSE, "GET RESPONSE" },
	{ INS_TERMINAL_PROFILE, "TERMINAL PROFILE" },
	{ INS_ENVELOPE, "ENVELOPE" },
	{ INS_FETCH, "FETCH" },
	{ INS_TERMINAL_RESPONSE, "TERMINAL RESPONSE" },
	{ 0x88, "AUTHENTICATE" },
};

const char *
phone_ins_name(uint8_t cla, uint8_t ins)
{
	size_t i;

	(void)cla;
	for (i = 0; i < NELEM(ins_names); i++)
		if (ins_names[i].ins == ins)
			return ins_names[i].name;
	return NULL;
}

/*
 * What the payload of a toolkit APDU is, for the log: the BER tag of an
 * ENVELOPE, the command type of a proactive command (FETCH response).
 */
static void
log_payload(uint8_t ins, bool response, const uint8_t *p, size_t n)
{
	const char *what = NULL;

	if (n == 0 || stk_log_get_level() < STK_LOG_DEBUG)
		return;
	if (ins == INS_ENVELOPE && !response)
		what = stk_cat_ber_tag_name(p[0]);
	if (ins == INS_FETCH && response && n >= 5 && p[0] == 0xd0) {
		/* D0 L 81 03 nn TT qq: the command details come first. */
		struct stk_cur c, inner;
		struct stk_tlv t, cd;

		stk_cur_init(&c, p, n);
		if (stk_ber_tlv_get(&c, &t, NULL) == 0) {
			inner = t.value;
			if (stk_ctlv_get(&inner, &cd, NULL) == 0 &&
			    cd.tag == 0x01 && stk_cur_len(&cd.value) == 3)
				what = stk_cat_cmd_name(
				    stk_cur_data(&cd.value)[1]);
		}
	}
	if (what != NULL)
		log_debug("     %s", what);
}

/*
 * Hex of len bytes for the log, appended at out + *o.  With hide, every
 * byte is "**" instead: log.h forbids PINs, passwords and tickets in logs.
 */
static void
hex_put(char *out, size_t outsz, size_t *o, const uint8_t *p, size_t len,
    bool hide)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len && *o + 3 <= outsz; i++) {
		out[(*o)++] = hide ? '*' : digits[p[i] >> 4];
		out[(*o)++] = hide ? '*' : digits[p[i] & 0x0f];
	}
	out[*o] = '\0';
}

/*
 * A COMPREHENSION-TLV sequence for the log, the values of the text
 * objects blanked: alpha identifier (05), text string (0D), item (0F),
 * default text (17) — they carry the ticket and the typed PIN.  False
 * when the sequence does not parse (the caller blanks everything).
 */
static bool
ctlv_redacted(char *out, size_t outsz, size_t *o, const uint8_t *p,
    size_t len)
{
	struct stk_cur c;
	struct stk_tlv t;
	size_t start = *o;

	stk_cur_init(&c, p, len);
	while (!stk_cur_empty(&c)) {
		const uint8_t *at = stk_cur_data(&c);
		size_t head;
		bool text;

		if (stk_ctlv_get(&c, &t, NULL) != 0) {
			*o = start;
			out[*o] = '\0';
			return false;
		}
		head = t.size - stk_cur_len(&t.value);
		text = t.tag == 0x05 || t.tag == 0x0d || t.tag == 0x0f ||
		    t.tag == 0x17;
		hex_put(out, outsz, o, at, head, false);
		hex_put(out, outsz, o, stk_cur_data(&t.value),
		    stk_cur_len(&t.value), text);
	}
	return true;
}

/*
 * An APDU or response for the debug log, with secrets blanked: the data
 * of the PIN commands (VERIFY, CHANGE, DISABLE, ENABLE, UNBLOCK PIN) and of
 * the personalisation commands carrying keys or PINs (CLA 80: D4 LOAD KEY
 * SET, D8 SET PIN, DA LOAD K_AUTH; docs/SIM.md), the
 * text objects of TERMINAL RESPONSEs (GET INPUT answers may be PINs) and
 * of proactive commands (FETCH responses: the ticket).  ins is the
 * command's INS; response says which of the two p is.
 */
static const char *
apdu_for_log(char *out, size_t outsz, uint8_t ins, bool response,
    const uint8_t *p, size_t n)
{
	size_t o = 0, body;

	out[0] = '\0';
	if (!response && n > 5 && (ins == INS_VERIFY || ins == 0x24 ||
	    ins == 0x26 || ins == 0x28 || ins == 0x2c ||
	    (p[0] == 0x80 && (ins == 0xd4 || ins == 0xd8 || ins == 0xda)))) {
		hex_put(out, outsz, &o, p, 5, false);
		hex_put(out, outsz, &o, p + 5, n - 5, true);
	} else if (!response && n > 5 && ins == INS_TERMINAL_RESPONSE) {
		body = p[4] <= n - 5 ? p[4] : n - 5;
		hex_put(out, outsz, &o, p, 5, false);
		if (!ctlv_redacted(out, outsz, &o, p + 5, body))
			hex_put(out, outsz, &o, p + 5, body, true);
		hex_put(out, outsz, &o, p + 5 + body, n - 5 - body, false);
	} else if (response && n > 2 && ins == INS_FETCH) {
		struct stk_cur c;
		struct stk_tlv t;

		stk_cur_init(&c, p, n - 2);
		if (stk_ber_tlv_get(&c, &t, NULL) == 0 && stk_cur_empty(&c)) {
			size_t head = t.size - stk_cur_len(&t.value);

			hex_put(out, outsz, &o, p, head, false);
			if (!ctlv_redacted(out, outsz, &o, p + head,
			    n - 2 - head))
				hex_put(out, outsz, &o, p + head,
				    n - 2 - head, true);
		} else {
			hex_put(out, outsz, &o, p, n - 2, true);
		}
		hex_put(out, outsz, &o, p + n - 2, 2, false);
	} else {
		hex_put(out, outsz, &o, p, n, false);
	}
	return out;
}

/* One transport round trip, logged. */
static int
xmit(struct phone_card *card, const uint8_t *apdu, size_t n, uint8_t *resp,
    size_t *rlen)
{
	char hex[2 * PHONE_APDU_MAX + 1], rhex[2 * (258 + 2) + 1], swd[96];
	const char *name = n >= 2 ? phone_ins_name(apdu[0], apdu[1]) : NULL;
	size_t cap = *rlen;
	uint16_t sw;
	int r;

	if (stk_log_get_level() >= STK_LOG_DEBUG)
		log_debug("APDU > %s (%s)", apdu_for_log(hex, sizeof(hex),
		    n >= 2 ? apdu[1] : 0, false, apdu, n),
		    name != NULL ? name : "unknown instruction");
	if ((r = card->xmit(card->ctx, apdu, n, resp, rlen)) != 0) {
		log_warn("APDU %s: transport failed: %s",
		    name != NULL ? name : "?", stk_strerror(r));
		return r;
	}
	if (*rlen < 2 || *rlen > cap) {
		log_warn("APDU %s: response of %zu bytes", name != NULL ?
		    name : "?", *rlen);
		return STK_E_IO;
	}
	sw = (uint16_t)(resp[*rlen - 2] << 8 | resp[*rlen - 1]);
	if (stk_log_get_level() >= STK_LOG_DEBUG)
		log_debug("APDU < %s (%s)", apdu_for_log(rhex, sizeof(rhex),
		    n >= 2 ? apdu[1] : 0, true, resp, *rlen),
		    stk_sw_describe(sw, swd, sizeof(swd)));
	return 0;
}

/* Append response data to r, refusing more than PHONE_RESP_MAX. */
static int
take(struct phone_rapdu *r, const uint8_t *p, size_t n)
{
	if (n > sizeof(r->data) - r->len)
		return STK_E_TOO_LONG;
	memcpy(r->data + r->len, p, n);
	r->len += n;
	return 0;
}

int
phone_card_cmd(struct phone_card *card, uint8_t cla, uint8_t ins,
    uint8_t p1, uint8_t p2, const uint8_t *data, size_t n,
    enum phone_case cs, unsigned le, struct phone_rapdu *r)
{
	uint8_t apdu[PHONE_APDU_MAX], resp[258 + 2];
	struct stk_buf b;
	size_t rlen, hdr;
	uint16_t sw;
	int err, rounds;
	bool in_gr = false;

	memset(r, 0, sizeof(*r) - sizeof(r->data));
	if (n > 255 || le > 256 || ((cs == PHONE_CASE3 ||
	    cs == PHONE_CASE4) && n == 0))
		return STK_E_ARG;
	stk_buf_init_fixed(&b, apdu, sizeof(apdu));
	stk_buf_add_u8(&b, cla);
	stk_buf_add_u8(&b, ins);
	stk_buf_add_u8(&b, p1);
	stk_buf_add_u8(&b, p2);
	hdr = 4;
	if (cs == PHONE_CASE3 || cs == PHONE_CASE4) {
		/* T=0 sends case 4 as case 3 (ISO/IEC 7816-3 §12.2.4);
		 * T=1 carries the whole APDU, Le 00 = up to 256 bytes. */
		stk_buf_add_u8(&b, (uint8_t)n);
		stk_buf_add_bytes(&b, data, n);
		if (cs == PHONE_CASE4 && card->t1)
			stk_buf_add_u8(&b, 0x00);
	} else if (cs == PHONE_CASE2) {
		stk_buf_add_u8(&b, (uint8_t)(le & 0xff));
	} else {
		stk_buf_add_u8(&b, 0x00);	/* case 1: P3 = 00 under T=0 */
	}
	if (!stk_buf_ok(&b))
		return STK_E_NOSPACE;

	rlen = sizeof(resp);
	if ((err = xmit(card, apdu, stk_buf_len(&b), resp, &rlen)) != 0)
		return err;
	sw = (uint16_t)(resp[rlen - 2] << 8 | resp[rlen - 1]);
	r->first_sw = sw;
	if ((err = take(r, resp, rlen - 2)) != 0)
		return err;

	/* 6Cxx: wrong Le, resend with the exact one (ISO 7816-3 §10.3.4). */
	if ((sw & 0xff00) == STK_SW_WRONG_LE && cs == PHONE_CASE2) {
		apdu[hdr] = (uint8_t)(sw & 0xff);
		rlen = sizeof(resp);
		if ((err = xmit(card, apdu, stk_buf_len(&b), resp,
		    &rlen)) != 0)
			return err;
		sw = (uint16_t)(resp[rlen - 2] << 8 | resp[rlen - 1]);
		r->first_sw = sw;
		r->len = 0;
		if ((err = take(r, resp, rlen - 2)) != 0)
			return err;
	}

	/*
	 * Case 4 answered with a warning and no data: the data, if any,
	 * waits for GET RESPONSE (TS 102 221 §7.3.1.1.4).  The GET RESPONSE
	 * that follows uses Le 00; a 6Cxx answer tells the exact length.
	 */
	if (cs == PHONE_CASE4 && r->len == 0 &&
	    ((sw & 0xff00) == 0x6200 || (sw & 0xff00) == 0x6300))
		sw = STK_SW_BYTES_AVAILABLE;	/* "ask for it", Le 00 */

	/* 61xx / 9Fxx: fetch the data, as often as the card says. */
	for (rounds = 0; rounds < 8 && ((sw & 0xff00) ==
	    STK_SW_BYTES_AVAILABLE || (sw & 0xff00) == STK_SW_GSM_RESPONSE ||
	    (sw & 0xff00) == STK_SW_SIM_DOWNLOAD_ERROR ||
	    (in_gr && (sw & 0xff00) == STK_SW_WRONG_LE)); rounds++) {
		/* GET RESPONSE is an inter-industry command, CLA 0X with the
		 * channel bits of the command (TS 102 221 §10.1.1); the GSM
		 * class A0 (TS 51.011 §9.2) stays A0. */
		uint8_t gr[5] = { (cla & 0xf0) == 0xa0 ? cla : cla & 0x03,
		    INS_GET_RESPONSE, 0, 0, (uint8_t)(sw & 0xff) };

		if ((sw & 0xff00) == STK_SW_SIM_DOWNLOAD_ERROR &&
		    (sw & 0xff) == 0)
			break;
		rlen = sizeof(resp);
		in_gr = true;
		if ((err = xmit(card, gr, sizeof(gr), resp, &rlen)) != 0)
			return err;
		sw = (uint16_t)(resp[rlen - 2] << 8 | resp[rlen - 1]);
		if ((sw & 0xff00) == STK_SW_WRONG_LE)
			continue;	/* 6Cxx: the loop asks again with xx */
		if ((err = take(r, resp, rlen - 2)) != 0)
			return err;
	}
	r->sw = sw;
	log_payload(ins, false, data, n);
	log_payload(ins, true, r->data, r->len);
	return 0;
}

/* ---- FCP and EF contents ------------------------------------------------- */

int
phone_fcp_parse(const uint8_t *in, size_t len, struct phone_fcp *fcp,
    struct stk_diag *diag)
{
	struct stk_tlv outer, t;
	struct stk_tlv_iter it;
	struct stk_cur v;
	uint8_t b;
	uint32_t u;
	int r;

	memset(fcp, 0, sizeof(*fcp));
	if ((r = stk_ber_tlv_parse_one(in, len, 0x62, &outer, diag)) != 0)
		return r;
	stk_tlv_iter_init(&it, &outer.value, false);
	while ((r = stk_tlv_next(&it, &t, diag)) > 0) {
		v = t.value;
		switch (t.tag) {
		case 0x82:	/* file descriptor: 2 or 5 octets */
			if (stk_cur_len(&v) != 2 && stk_cur_len(&v) != 5)
				return stk_fail(diag, STK_E_INVALID,
				    "FCP file descriptor", t.tag_offset);
			stk_cur_u8(&v, &fcp->descriptor);
			stk_cur_u8(&v, &b);	/* data coding byte */
			if (stk_cur_len(&v) == 3) {
				fcp->has_records = true;
				stk_cur_u16(&v, &fcp->record_len);
				stk_cur_u8(&v, &fcp->nrecords);
			}
			break;
		case 0x80:	/* file size: 1..4 octets */
			if (stk_cur_len(&v) < 1 || stk_cur_len(&v) > 4)
				return stk_fail(diag, STK_E_INVALID,
				    "FCP file size", t.tag_offset);
			for (u = 0; stk_cur_u8(&v, &b);)
				u = u << 8 | b;
			fcp->has_size = true;
			fcp->size = u;
			break;
		case 0x83:
			if (stk_cur_len(&v) != 2)
				return stk_fail(diag, STK_E_INVALID,
				    "FCP file identifier", t.tag_offset);
			stk_cur_u16(&v, &fcp->fid);
			fcp->has_fid = true;
			break;
		default:
			break;	/* other FCP objects: not needed here */
		}
	}
	return r;
}

/* One BCD digit of a semi-octet, or -1. */
static int
bcd_char(uint8_t nib)
{
	static const char map[] = "0123456789*#abc";

	return nib < 15 ? map[nib] : -1;
}

int
phone_iccid_decode(const uint8_t *in, size_t len, char *out, size_t outsz)
{
	size_t i, n = 0;
	bool end = false;

	if (len != 10 || outsz < 21)
		return STK_E_INVALID;
	for (i = 0; i < 2 * len; i++) {
		uint8_t nib = i % 2 == 0 ? in[i / 2] & 0x0f : in[i / 2] >> 4;

		if (nib == 0x0f) {
			end = true;
			continue;
		}
		if (end || nib > 9)	/* digits only, filler at the end */
			return STK_E_INVALID;
		out[n++] = (char)('0' + nib);
	}
	out[n] = '\0';
	return n == 0 ? STK_E_INVALID : 0;
}

int
phone_msisdn_decode(const uint8_t *rec, size_t len, char *out, size_t outsz)
{
	struct stk_cur c;
	const uint8_t *num;
	uint8_t nlen, ton_npi;
	size_t i, n = 0;
	int ch;

	if (len < 14)
		return STK_E_INVALID;
	stk_cur_init(&c, rec, len);
	stk_cur_skip(&c, len - 14);		/* alpha identifier */
	stk_cur_u8(&c, &nlen);
	if (nlen == 0xff || nlen == 0x00)
		return STK_E_NOT_FOUND;
	if (nlen > 11)				/* TON/NPI + 10 octets */
		return STK_E_INVALID;
	stk_cur_u8(&c, &ton_npi);
	if (!stk_cur_bytes(&c, &num, 10))
		return STK_E_INVALID;
	if (outsz < 2 + 2 * 10)
		return STK_E_NOSPACE;
	if (((ton_npi >> 4) & 0x07) == 1)
		out[n++] = '+';
	for (i = 0; i < 2 * (size_t)(nlen - 1); i++) {
		uint8_t nib = i % 2 == 0 ? num[i / 2] & 0x0f : num[i / 2] >> 4;

		if (nib == 0x0f) {
			/* filler: only as the very last semi-octet */
			if (i != 2 * (size_t)(nlen - 1) - 1)
				return STK_E_INVALID;
			break;
		}
		if ((ch = bcd_char(nib)) < 0)
			return STK_E_INVALID;
		out[n++] = (char)ch;
	}
	out[n] = '\0';
	return n == 0 || (n == 1 && out[0] == '+') ? STK_E_INVALID : 0;
}

/* ---- reading the card's identity ----------------------------------------- */

static int
select_path(struct phone_card *card, const uint8_t *path, size_t n,
    struct phone_fcp *fcp, uint16_t *sw)
{
	struct phone_rapdu r;
	struct stk_diag d;
	char msg[128];
	int err;

	/* P1 08: path from the MF; P2 04: return the FCP (TS 102 221 §11.1.1). */
	if ((err = phone_card_cmd(card, 0x00, INS_SELECT, 0x08, 0x04, path,
	    n, PHONE_CASE4, 0, &r)) != 0)
		return err;
	*sw = r.sw;
	if (r.sw != STK_SW_OK)
		return STK_E_NOT_FOUND;
	stk_diag_clear(&d);
	if ((err = phone_fcp_parse(r.data, r.len, fcp, &d)) != 0) {
		log_warn("SELECT: FCP: %s", stk_diag_format(&d, msg,
		    sizeof(msg)));
		return err;
	}
	return 0;
}

static int
verify_pin(struct phone_card *card, const char *pin)
{
	uint8_t block[8];
	struct phone_rapdu r;
	char swd[96];
	size_t n = strlen(pin), i;
	int err;

	if (n < 4 || n > 8)
		return STK_E_INVALID;
	memset(block, 0xff, sizeof(block));	/* TS 102 221 §9.5.1 */
	for (i = 0; i < n; i++) {
		if (pin[i] < '0' || pin[i] > '9')
			return STK_E_INVALID;
		block[i] = (uint8_t)pin[i];
	}
	err = phone_card_cmd(card, 0x00, INS_VERIFY, 0x00, 0x01, block,
	    sizeof(block), PHONE_CASE3, 0, &r);
	memset(block, 0, sizeof(block));
	if (err != 0)
		return err;
	if (r.sw != STK_SW_OK) {
		log_error("VERIFY PIN1: %s", stk_sw_describe(r.sw, swd,
		    sizeof(swd)));
		return STK_E_VERIFY;
	}
	log_info("PIN1 verified");
	return 0;
}

int
phone_read_identity(struct phone_card *card, const char *pin,
    struct phone_card_info *info)
{
	static const uint8_t iccid_path[] = { 0x2f, 0xe2 };
	static const uint8_t msisdn_path[] = { 0x7f, 0x10, 0x6f, 0x40 };
	struct phone_rapdu r;
	struct phone_fcp fcp;
	uint16_t sw;
	uint8_t rec;
	char swd[96];
	int err;

	memset(info, 0, sizeof(*info));
	/* EF ICCID under the MF (TS 102 221 §13.2). */
	if ((err = select_path(card, iccid_path, sizeof(iccid_path), &fcp,
	    &sw)) != 0) {
		log_error("SELECT EF ICCID: %s", err == STK_E_NOT_FOUND ?
		    stk_sw_describe(sw, swd, sizeof(swd)) : stk_strerror(err));
		return err;
	}
	if ((err = phone_card_cmd(card, 0x00, INS_READ_BINARY, 0, 0, NULL, 0,
	    PHONE_CASE2, fcp.has_size && fcp.size <= 256 ? fcp.size : 10,
	    &r)) != 0)
		return err;
	if (r.sw != STK_SW_OK || phone_iccid_decode(r.data, r.len,
	    info->iccid, sizeof(info->iccid)) != 0) {
		log_error("EF ICCID: unreadable (%s, %zu bytes)",
		    stk_sw_describe(r.sw, swd, sizeof(swd)), r.len);
		return STK_E_INVALID;
	}
	log_info("ICCID %s", info->iccid);

	/* EF MSISDN in DF TELECOM (TS 51.011 §10.5.5). */
	if ((err = select_path(card, msisdn_path, sizeof(msisdn_path), &fcp,
	    &sw)) != 0) {
		log_warn("SELECT EF MSISDN: %s", err == STK_E_NOT_FOUND ?
		    stk_sw_describe(sw, swd, sizeof(swd)) : stk_strerror(err));
		return err == STK_E_NOT_FOUND || err == STK_E_INVALID ? 0 : err;
	}
	if (!fcp.has_records || fcp.record_len < 14 || fcp.record_len > 255) {
		log_warn("EF MSISDN: not a linear fixed file of ADN records");
		return 0;
	}
	for (rec = 1; rec <= fcp.nrecords; rec++) {
		if ((err = phone_card_cmd(card, 0x00, INS_READ_RECORD, rec,
		    0x04, NULL, 0, PHONE_CASE2, fcp.record_len, &r)) != 0)
			return err;
		if (r.sw == STK_SW_SECURITY_NOT_SATISFIED && rec == 1) {
			if (pin == NULL) {
				log_warn("EF MSISDN needs PIN1: give --sim-pin");
				return 0;
			}
			if ((err = verify_pin(card, pin)) != 0)
				return err;
			rec--;		/* read record 1 again */
			pin = NULL;
			continue;
		}
		if (r.sw != STK_SW_OK) {
			log_warn("READ RECORD %u of EF MSISDN: %s", rec,
			    stk_sw_describe(r.sw, swd, sizeof(swd)));
			return 0;
		}
		err = phone_msisdn_decode(r.data, r.len, info->msisdn,
		    sizeof(info->msisdn));
		if (err == 0) {
			log_info("MSISDN %s (EF MSISDN record %u)",
			    info->msisdn, rec);
			return 0;
		}
		if (err != STK_E_NOT_FOUND)
			log_warn("EF MSISDN record %u: %s", rec,
			    stk_strerror(err));
	}
	log_warn("EF MSISDN holds no number");
	return 0;
}

/* ---- toolkit commands (TS 102 221 §10.1.2, TS 102 223 §5-§7) ---- */

int
phone_terminal_profile(uint8_t *tp, size_t cap)
{
	/* What this ME implements, and nothing else. */
	static const uint8_t facilities[] = {
		STK_TP_PROFILE_DOWNLOAD,
		STK_TP_SMS_PP_DOWNLOAD,		/* smspp.c */
		STK_TP_SMS_PP_9EXX,		/* 9Exx handled like 6Fxx */
		STK_TP_COMMAND_RESULT,
		STK_TP_UCS2_ENTRY,		/* GET INPUT with UCS-2 */
		STK_TP_UCS2_DISPLAY,		/* UTF-8 terminal */
		STK_TP_DISPLAY_TEXT,
		STK_TP_GET_INPUT,
		STK_TP_MORE_TIME,
		STK_TP_SELECT_ITEM,
		STK_TP_SEND_SHORT_MESSAGE,
	};
	const struct stk_tp_entry *e;
	size_t i, len = 0;
	int r;

	for (i = 0; i < NELEM(facilities); i++)
		if ((e = stk_tp_entry(facilities[i])) != NULL && e->byte > len)
			len = e->byte;
	if (len > cap)
		return STK_E_NOSPACE;
	memset(tp, 0, len);
	for (i = 0; i < NELEM(facilities); i++)
		if ((r = stk_tp_set(tp, len, facilities[i], true)) != 0)
			return r;
	return (int)len;
}

int
phone_send_terminal_profile(struct phone_card *card, struct phone_rapdu *r)
{
	uint8_t tp[32];
	int n;

	if ((n = phone_terminal_profile(tp, sizeof(tp))) < 0)
		return n;
	return phone_card_cmd(card, 0x80, INS_TERMINAL_PROFILE, 0, 0, tp,
	    (size_t)n, PHONE_CASE3, 0, r);
}

int
phone_envelope(struct phone_card *card, const uint8_t *data, size_t n,
    struct phone_rapdu *r)
{
	return phone_card_cmd(card, 0x80, INS_ENVELOPE, 0, 0, data, n,
	    PHONE_CASE4, 0, r);
}

int
phone_fetch(struct phone_card *card, uint8_t len, struct phone_rapdu *r)
{
	return phone_card_cmd(card, 0x80, INS_FETCH, 0, 0, NULL, 0,
	    PHONE_CASE2, len, r);
}

int
phone_terminal_response(struct phone_card *card, const uint8_t *data,
    size_t n, struct phone_rapdu *r)
{
	return phone_card_cmd(card, 0x80, INS_TERMINAL_RESPONSE, 0, 0, data,
	    n, PHONE_CASE3, 0, r);
}
