/*
 * smpp_sm.c - SMPP short messages <-> TS 23.040 TPDUs, SMPP times
 * (SMPP 3.4 §7.1.1) and delivery receipts (SMPP 3.4 Appendix B).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libsmpp34/smpp34.h>

#include "gsm7.h"
#include "sms_dcs.h"
#include "smpp_pdu.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- addresses (SMPP 3.4 §5.2.5 addr_ton, §5.2.6 addr_npi) ---- */

static bool
all_dialable(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= '0' && *s <= '9') || *s == '*' || *s == '#'))
			return false;
	}
	return true;
}

int
smpp_addr_to_sms(uint8_t ton, uint8_t npi, const char *addr,
    struct stk_sms_addr *a)
{
	stk_sms_addr_clear(a);
	if (addr == NULL || addr[0] == '\0')
		return STK_E_INVALID;
	if (ton == TON_Alphanumeric)
		return stk_sms_addr_set_alpha(a, addr);
	if (ton > TON_Abbreviated || npi > 15)
		return STK_E_INVALID;
	if (ton == TON_International && addr[0] == '+')
		addr++;
	if (!all_dialable(addr))
		return STK_E_INVALID;
	return stk_sms_addr_set_digits(a, ton, npi, addr);
}

int
smpp_addr_from_sms(const struct stk_sms_addr *a, uint8_t *ton, uint8_t *npi,
    char *out, size_t outsz)
{
	char text[STK_ADDR_TEXT_MAX + 1];
	const char *p = text;
	int r;

	r = stk_sms_addr_to_text(a, text, sizeof(text));
	if (r != STK_OK)
		return r;
	*ton = a->ton;
	*npi = a->npi;
	if (a->ton == STK_TON_INTERNATIONAL && p[0] == '+')
		p++;
	if (strlen(p) >= outsz)
		return STK_E_NOSPACE;
	memcpy(out, p, strlen(p) + 1);
	return STK_OK;
}

/* ---- SMPP time format (SMPP 3.4 §7.1.1) ---- */

static bool
two_digits(const char *s, int *v)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return false;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return true;
}

int
smpp_time_parse(const char *text, bool *relative, int64_t *secs)
{
	int yy, mo, dd, hh, mi, ss, nn;
	char p;

	if (strlen(text) != 16)
		return STK_E_INVALID;
	if (!two_digits(text, &yy) || !two_digits(text + 2, &mo) ||
	    !two_digits(text + 4, &dd) || !two_digits(text + 6, &hh) ||
	    !two_digits(text + 8, &mi) || !two_digits(text + 10, &ss) ||
	    text[12] < '0' || text[12] > '9' || !two_digits(text + 13, &nn))
		return STK_E_INVALID;
	p = text[15];
	if (p == 'R') {
		/* "YYMMDDhhmmss000R": a period; SMPP gives no calendar for
		 * it, we count a year as 365 days and a month as 30. */
		if (text[12] != '0' || nn != 0 || mo > 11 || dd > 30 ||
		    hh > 23 || mi > 59 || ss > 59)
			return STK_E_INVALID;
		*relative = true;
		*secs = ((((int64_t)yy * 365 + mo * 30 + dd) * 24 + hh) * 60 +
		    mi) * 60 + ss;
		return STK_OK;
	}
	if (p != '+' && p != '-')
		return STK_E_INVALID;
	if (nn > 48)
		return STK_E_INVALID;
	{
		/* nn quarter hours between local time and UTC, local time
		 * ahead for '+'.  Years 00..99 are 2000..2099. */
		struct stk_sms_time t = {
			.year = 2000 + yy, .month = mo, .day = dd, .hour = hh,
			.minute = mi, .second = ss,
			.tz_minutes = (p == '+' ? 1 : -1) * nn * 15,
		};

		if (stk_sms_time_validate(&t) != STK_OK)
			return STK_E_INVALID;
		*relative = false;
		*secs = stk_sms_time_to_unix(&t);
	}
	return STK_OK;
}

int
smpp_receipt_date(int64_t t, int tz_minutes, char *out, size_t outsz)
{
	struct stk_sms_time st;
	int r, n;

	r = stk_sms_time_from_unix(t, tz_minutes, &st);
	if (r != STK_OK)
		return r;
	n = snprintf(out, outsz, "%02d%02d%02d%02d%02d", st.year % 100,
	    st.month, st.day, st.hour, st.minute);
	if (n < 0 || (size_t)n >= outsz)
		return STK_E_NOSPACE;
	return STK_OK;
}

/* ---- submit_sm -> SMS-SUBMIT ---- */

/* The TPDU setters' errors, as SMPP statuses. */
static uint32_t
setter_status(int r)
{
	if (r == STK_OK)
		return ESME_ROK;
	return r == STK_E_TOO_LONG ? ESME_RINVMSGLEN : ESME_RSUBMITFAIL;
}

static bool
all_below_0x80(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] > 0x7f)
			return false;
	return true;
}

/* data_coding 3 (ISO 8859-1): to UTF-8, then GSM 7-bit when every
 * character allows it, UCS-2 otherwise (TS 23.038 §4). */
static uint32_t
set_latin1(struct stk_tpdu *t, const uint8_t *body, size_t n)
{
	struct stk_buf utf8, enc;
	uint32_t st = ESME_RSUBMITFAIL;

	stk_buf_init(&utf8);
	stk_buf_init(&enc);
	for (size_t i = 0; i < n; i++) {
		if (body[i] < 0x80) {
			stk_buf_add_u8(&utf8, body[i]);
		} else {
			stk_buf_add_u8(&utf8, (uint8_t)(0xc0 | (body[i] >> 6)));
			stk_buf_add_u8(&utf8, (uint8_t)(0x80 | (body[i] & 0x3f)));
		}
	}
	if (!stk_buf_ok(&utf8))
		goto out;
	if (stk_gsm7_representable((const char *)stk_buf_data(&utf8),
	    stk_buf_len(&utf8))) {
		if (stk_gsm7_from_utf8((const char *)stk_buf_data(&utf8),
		    stk_buf_len(&utf8), &enc) != STK_OK)
			goto out;
		st = setter_status(stk_tpdu_set_septets(t, stk_buf_data(&enc),
		    stk_buf_len(&enc), 0x00));
	} else {
		if (stk_ucs2_from_utf8((const char *)stk_buf_data(&utf8),
		    stk_buf_len(&utf8), &enc) != STK_OK)
			goto out;
		st = setter_status(stk_tpdu_set_octets(t, stk_buf_data(&enc),
		    stk_buf_len(&enc), 0x08));
	}
 out:
	stk_buf_free(&utf8);
	stk_buf_free(&enc);
	return st;
}

static uint32_t
set_body(struct stk_tpdu *t, uint8_t dc, const uint8_t *body, size_t n)
{
	struct stk_buf enc;
	struct stk_dcs d;
	uint32_t st;

	switch (dc) {
	case 0x00:	/* SMSC default alphabet: GSM 7-bit, unpacked */
		if (!all_below_0x80(body, n))
			return ESME_RSUBMITFAIL;
		return setter_status(stk_tpdu_set_septets(t, body, n, 0x00));
	case 0x01:	/* IA5 (CCITT T.50) / ASCII */
		if (!all_below_0x80(body, n))
			return ESME_RSUBMITFAIL;
		stk_buf_init(&enc);
		st = ESME_RSUBMITFAIL;
		if (stk_gsm7_from_utf8((const char *)body, n, &enc) == STK_OK)
			st = setter_status(stk_tpdu_set_septets(t,
			    stk_buf_data(&enc), stk_buf_len(&enc), 0x00));
		stk_buf_free(&enc);
		return st;
	case 0x02:	/* octet unspecified (8-bit binary) */
	case 0x04:
		return setter_status(stk_tpdu_set_octets(t, body, n, 0x04));
	case 0x03:
		return set_latin1(t, body, n);
	case 0x08:	/* UCS-2 (ISO/IEC 10646) */
		if (n % 2 != 0)
			return ESME_RINVMSGLEN;
		return setter_status(stk_tpdu_set_octets(t, body, n, 0x08));
	default:
		break;
	}
	if (dc < 0xc0)
		return ESME_RSUBMITFAIL;
	/* 0xC0..0xFF: the TS 23.038 §4 message waiting and data coding /
	 * message class groups, which SMPP 3.4 §5.2.19 takes over. */
	stk_dcs_decode(dc, &d);
	if (stk_dcs_udl_in_septets(&d)) {
		if (!all_below_0x80(body, n))
			return ESME_RSUBMITFAIL;
		return setter_status(stk_tpdu_set_septets(t, body, n, dc));
	}
	return setter_status(stk_tpdu_set_octets(t, body, n, dc));
}

uint32_t
smpp_sm_to_submit(const struct smpp_sm *sm, int64_t now, struct stk_tpdu *t,
    struct stk_diag *diag)
{
	struct stk_sms_addr da;
	size_t hl = 0;
	uint32_t st;

	stk_tpdu_init(t, STK_TPDU_SUBMIT);
	if (smpp_addr_to_sms(sm->dst_ton, sm->dst_npi, sm->dst, &da) !=
	    STK_OK || da.ton == STK_TON_ALPHANUMERIC) {
		stk_fail(diag, STK_E_INVALID, "destination_addr", 0);
		return ESME_RINVDSTADR;
	}
	t->addr = da;
	/* §5.2.12: in submit_sm only the default message type; we offer no
	 * SME acknowledgements. */
	if ((sm->esm_class & SMPP_ESM_TYPE_MASK) != 0) {
		stk_fail(diag, STK_E_UNSUPPORTED, "esm_class", 0);
		return ESME_RINVESMCLASS;
	}
	if (sm->priority_flag > 3) {
		stk_fail(diag, STK_E_INVALID, "priority_flag", 0);
		return ESME_RINVPRTFLG;
	}
	/* §5.2.17: bits 1-0 = 11 and bits 7-5 are reserved. */
	if ((sm->registered_delivery & SMPP_REGDLV_RECEIPT_MASK) == 3 ||
	    (sm->registered_delivery & 0xe0) != 0) {
		stk_fail(diag, STK_E_INVALID, "registered_delivery", 0);
		return ESME_RINVREGDLVFLG;
	}
	if (sm->replace_if_present > 1) {
		stk_fail(diag, STK_E_INVALID, "replace_if_present_flag", 0);
		return ESME_RINVREPFLAG;
	}
	if (sm->schedule_delivery_time[0] != '\0') {
		/* Scheduled delivery is not offered by this SMSC. */
		stk_fail(diag, STK_E_UNSUPPORTED, "schedule_delivery_time", 0);
		return ESME_RINVSCHED;
	}
	if (sm->validity_period[0] != '\0') {
		bool rel;
		int64_t secs;
		uint8_t v;

		if (smpp_time_parse(sm->validity_period, &rel, &secs) !=
		    STK_OK) {
			stk_fail(diag, STK_E_INVALID, "validity_period", 0);
			return ESME_RINVEXPIRY;
		}
		if (!rel)
			secs -= now;
		if (secs <= 0 || secs > 635040 * 60 ||
		    stk_vp_relative_from_minutes((uint32_t)((secs + 59) / 60),
		    &v) != STK_OK) {
			stk_fail(diag, STK_E_INVALID, "validity_period", 0);
			return ESME_RINVEXPIRY;
		}
		/* TS 23.040 §9.2.3.12.1 relative format. */
		t->vpf = STK_VPF_RELATIVE;
		t->vp.vpf = STK_VPF_RELATIVE;
		t->vp.relative = v;
	}
	t->srr = (sm->registered_delivery & SMPP_REGDLV_RECEIPT_MASK) != 0;
	t->rp = (sm->esm_class & SMPP_ESM_REPLY_PATH) != 0;
	t->pid = sm->protocol_id;
	if (sm->esm_class & SMPP_ESM_UDHI) {
		/* TS 23.040 §9.2.3.24: UDHL, then that many octets. */
		if (sm->len < 1 || (size_t)sm->data[0] + 1 > sm->len) {
			stk_fail(diag, STK_E_INCONSISTENT, "UDHL", 0);
			return ESME_RINVMSGLEN;
		}
		hl = (size_t)sm->data[0] + 1;
		if (stk_tpdu_set_udh(t, sm->data, hl) != STK_OK) {
			stk_fail(diag, STK_E_TOO_LONG, "UDH", 0);
			return ESME_RINVMSGLEN;
		}
	}
	st = set_body(t, sm->data_coding, sm->data + hl, sm->len - hl);
	if (st != ESME_ROK)
		stk_fail(diag, st == ESME_RINVMSGLEN ? STK_E_TOO_LONG :
		    STK_E_UNSUPPORTED, "short_message", 0);
	return st;
}

/* ---- SMS-DELIVER -> deliver_sm ---- */

static uint8_t
data_coding_for_dcs(uint8_t dcs)
{
	switch (dcs) {
	case 0x00:
		return 0x00;
	case 0x04:
		return 0x04;
	case 0x08:
		return 0x08;
	default:
		break;
	}
	/* General group with a class, uncompressed GSM 7-bit or 8-bit: the
	 * same meaning in group 1111 (TS 23.038 §4), which SMPP has. */
	if ((dcs & 0xfc) == 0x10)
		return (uint8_t)(0xf0 | (dcs & 0x03));
	if ((dcs & 0xfc) == 0x14)
		return (uint8_t)(0xf4 | (dcs & 0x03));
	return dcs;
}

int
smpp_sm_from_deliver(const struct stk_tpdu *t, const struct stk_sms_addr *oa,
    const struct stk_sms_addr *da, struct smpp_sm *sm)
{
	int r;

	memset(sm, 0, sizeof(*sm));
	r = smpp_addr_from_sms(oa, &sm->src_ton, &sm->src_npi, sm->src,
	    sizeof(sm->src));
	if (r != STK_OK)
		return r;
	r = smpp_addr_from_sms(da, &sm->dst_ton, &sm->dst_npi, sm->dst,
	    sizeof(sm->dst));
	if (r != STK_OK)
		return r;
	sm->esm_class = (uint8_t)((t->udhi ? SMPP_ESM_UDHI : 0) |
	    (t->rp ? SMPP_ESM_REPLY_PATH : 0));
	sm->protocol_id = t->pid;
	sm->data_coding = data_coding_for_dcs(t->dcs);
	if (t->udh_len + t->body_len > sizeof(sm->data))
		return STK_E_TOO_LONG;
	memcpy(sm->data, t->udh, t->udh_len);
	memcpy(sm->data + t->udh_len, t->body, t->body_len);
	sm->len = t->udh_len + t->body_len;
	sm->from_payload = sm->len > SMPP_SM_MAX;
	return STK_OK;
}

/* ---- delivery receipts (SMPP 3.4 Appendix B, §5.2.28) ---- */

static const struct {
	const char *stat;
	uint8_t state;
} receipt_states[] = {
	{ "ENROUTE", 1 }, { "DELIVRD", 2 }, { "EXPIRED", 3 },
	{ "DELETED", 4 }, { "UNDELIV", 5 }, { "ACCEPTD", 6 },
	{ "UNKNOWN", 7 }, { "REJECTD", 8 },
};

uint8_t
smpp_message_state(const char *stat)
{
	for (size_t i = 0; i < NELEM(receipt_states); i++)
		if (strcmp(receipt_states[i].stat, stat) == 0)
			return receipt_states[i].state;
	return 7;	/* UNKNOWN */
}

const char *
smpp_stat_for_st(uint8_t st)
{
	/* TS 23.040 §9.2.3.15. */
	if (st <= 0x02)
		return "DELIVRD";	/* received, forwarded, replaced */
	if (st < 0x20)
		return "UNKNOWN";	/* reserved / SC specific completions */
	if (st < 0x40)
		return "ENROUTE";	/* temporary error, SC still trying */
	if (st == 0x46)
		return "EXPIRED";	/* validity period expired */
	if (st == 0x47 || st == 0x48)
		return "DELETED";	/* by the originating SME / SC admin */
	if (st == 0x41 || st == 0x43)
		return "REJECTD";	/* incompatible destination, not
					 * obtainable */
	return "UNDELIV";
}

int
smpp_receipt_text(const struct smpp_receipt *r, char *out, size_t outsz)
{
	char sub[11], done[11];
	int n;

	if (smpp_receipt_date(r->submit_date, r->tz_minutes, sub,
	    sizeof(sub)) != STK_OK ||
	    smpp_receipt_date(r->done_date, r->tz_minutes, done,
	    sizeof(done)) != STK_OK)
		return STK_E_INVALID;
	n = snprintf(out, outsz, "id:%s sub:%03u dlvrd:%03u submit date:%s "
	    "done date:%s stat:%s err:%03u text:%s", r->id, r->sub % 1000,
	    r->dlvrd % 1000, sub, done, r->stat, r->err % 1000, r->text);
	if (n < 0 || (size_t)n >= outsz)
		return STK_E_NOSPACE;
	return STK_OK;
}

/* Keep printable ASCII of UTF-8 text, one '?' per other character. */
static void
ascii_snippet(const uint8_t *p, size_t n, char out[21])
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < 20; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f)
			out[k++] = (char)p[i];
		else if (p[i] < 0x80 || p[i] >= 0xc0)
			out[k++] = '?';	/* control or UTF-8 lead octet */
	}
	out[k] = '\0';
}

void
smpp_receipt_snippet(const struct smpp_sm *sm, char out[21])
{
	static const char hex[] = "0123456789ABCDEF";
	const uint8_t *body = sm->data;
	size_t n = sm->len, hl = 0;
	struct stk_buf utf8;
	struct stk_dcs d;
	int r = STK_E_UNSUPPORTED;

	out[0] = '\0';
	if ((sm->esm_class & SMPP_ESM_UDHI) && n >= 1) {
		hl = (size_t)body[0] + 1;
		if (hl > n)
			return;
	}
	body += hl;
	n -= hl;
	stk_buf_init(&utf8);
	stk_dcs_decode(sm->data_coding, &d);
	if (sm->data_coding == 0x00 ||
	    (sm->data_coding >= 0xc0 && stk_dcs_udl_in_septets(&d))) {
		if (all_below_0x80(body, n))
			r = stk_gsm7_to_utf8(body, n, &utf8);
	} else if (sm->data_coding == 0x01 || sm->data_coding == 0x03) {
		/* IA5 and Latin-1: one octet per character, printable ASCII
		 * kept, anything else '?'. */
		for (size_t i = 0; i < n; i++)
			stk_buf_add_u8(&utf8, body[i] < 0x80 ? body[i] : '?');
		r = stk_buf_ok(&utf8) ? STK_OK : STK_E_NOMEM;
	} else if (sm->data_coding == 0x08) {
		r = stk_ucs2_to_utf8(body, n, &utf8);
	}
	if (r == STK_OK) {
		ascii_snippet(stk_buf_data(&utf8), stk_buf_len(&utf8), out);
	} else {
		/* Binary data: the first 10 octets in hex. */
		size_t k = 0;

		for (size_t i = 0; i < n && k + 2 <= 20; i++) {
			out[k++] = hex[body[i] >> 4];
			out[k++] = hex[body[i] & 0x0f];
		}
		out[k] = '\0';
	}
	stk_buf_free(&utf8);
}
