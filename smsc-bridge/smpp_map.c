/*
 * smpp_map.c - what the ESME transport translates: the core's SMS-SUBMIT
 * TPDUs into submit_sm fields, deliver_sm into SMS-DELIVER, delivery
 * receipts (SMPP 3.4 Appendix B) into SMS-STATUS-REPORT, and
 * command_status values into the core's failure classes (§5.1.3).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libsmpp34/smpp34.h>

#include "smpp_esme.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- TP-DCS -> data_coding (SMPP 3.4 §5.2.19, TS 23.038 §4) ---- */

/*
 * Rows of TP-DCS ranges with the same SMPP meaning: data_coding = base |
 * (dcs & keep).  The general group without a class is the SMPP character
 * set value; with a class (GSM 7-bit, 8-bit) it is the group-1111 twin
 * SMPP takes over from TS 23.038; the message waiting and data coding /
 * message class groups (0xC0..0xFF) are the same octet.  Compressed,
 * auto-deletion, UCS-2 with a class and reserved codings have no SMPP 3.4
 * value.
 */
static const struct {
	uint8_t lo, hi, base, keep;
} dcs_rows[] = {
	{ 0x00, 0x03, 0x00, 0x00 },	/* GSM 7-bit: SMSC default alphabet */
	{ 0x04, 0x07, 0x04, 0x00 },	/* 8-bit data */
	{ 0x08, 0x0b, 0x08, 0x00 },	/* UCS-2 */
	{ 0x10, 0x13, 0xf0, 0x03 },	/* GSM 7-bit, class 0-3 */
	{ 0x14, 0x17, 0xf4, 0x03 },	/* 8-bit, class 0-3 */
	{ 0xc0, 0xff, 0x00, 0xff },	/* MWI groups, group 1111 */
};

bool
smpp_data_coding_for_dcs(uint8_t dcs, uint8_t *dc)
{
	for (size_t i = 0; i < NELEM(dcs_rows); i++) {
		if (dcs >= dcs_rows[i].lo && dcs <= dcs_rows[i].hi) {
			*dc = (uint8_t)(dcs_rows[i].base |
			    (dcs & dcs_rows[i].keep));
			return true;
		}
	}
	return false;
}

/* ---- SMS-SUBMIT -> submit_sm ---- */

/* "+" and 1..15 digits (E.164). */
static bool
e164_ok(const char *s)
{
	size_t n;

	if (s[0] != '+')
		return false;
	n = strlen(s + 1);
	if (n < 1 || n > 15)
		return false;
	for (size_t i = 1; i <= n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * TP-VP -> validity_period (§7.1.1): periods as relative times
 * "YYMMDDhhmmss000R" (a year counted as 365 days, a month as 30, as the
 * SMSC reads them), instants as absolute times with their zone.
 */
static int
map_validity(const struct stk_vp *vp, char out[SMPP_TIME_LEN])
{
	char text[80];
	uint32_t secs, days;
	int r, n;

	out[0] = '\0';
	if (vp->vpf == STK_VPF_NONE)
		return STK_OK;
	if (vp->vpf == STK_VPF_ABSOLUTE) {
		const struct stk_sms_time *a = &vp->absolute;
		int q = a->tz_minutes / 15;

		n = snprintf(text, sizeof(text), "%02d%02d%02d%02d%02d%02d0"
		    "%02d%c", a->year % 100, a->month, a->day, a->hour,
		    a->minute, a->second, q < 0 ? -q : q, q < 0 ? '-' : '+');
	} else {
		r = stk_vp_seconds(vp, &secs);
		if (r == STK_E_INVALID)
			return STK_OK;	/* enhanced "no validity period" */
		if (r != STK_OK)
			return r;
		days = secs / 86400;
		secs %= 86400;
		n = snprintf(text, sizeof(text), "%02u%02u%02u%02u%02u%02u000R",
		    (days / 365) % 100, (days % 365) / 30, (days % 365) % 30,
		    secs / 3600, (secs / 60) % 60, secs % 60);
	}
	if (n != SMPP_TIME_LEN - 1)
		return STK_E_INVALID;
	memcpy(out, text, SMPP_TIME_LEN);
	return STK_OK;
}

int
smpp_map_submit(const struct smpp_conf *c, const struct transport_msg *m,
    struct smpp_sm *sm, const char **why)
{
	struct stk_tpdu t;
	struct stk_diag d;
	uint8_t dc;
	int r;

	memset(sm, 0, sizeof(*sm));
	stk_diag_clear(&d);
	r = stk_tpdu_decode_as(m->tpdu, m->tpdu_len, STK_TPDU_SUBMIT, false,
	    &t, &d);
	if (r != STK_OK) {
		*why = "the TPDU is not a valid SMS-SUBMIT";
		return r;
	}
	if (!e164_ok(m->dest)) {
		*why = "destination is not +E.164";
		return STK_E_INVALID;
	}
	if (!smpp_data_coding_for_dcs(t.dcs, &dc)) {
		*why = "TP-DCS has no SMPP 3.4 data_coding";
		return STK_E_UNSUPPORTED;
	}
	if (map_validity(&t.vp, sm->validity_period) != STK_OK) {
		*why = "TP-VP cannot be expressed in SMPP";
		return STK_E_UNSUPPORTED;
	}
	sm->dst_ton = STK_TON_INTERNATIONAL;
	sm->dst_npi = STK_NPI_ISDN;
	snprintf(sm->dst, sizeof(sm->dst), "%s", m->dest + 1);
	sm->src_ton = c->src_ton;
	sm->src_npi = c->src_npi;
	snprintf(sm->src, sizeof(sm->src), "%s",
	    c->source_addr[0] == '+' && c->src_ton == STK_TON_INTERNATIONAL ?
	    c->source_addr + 1 : c->source_addr);
	sm->esm_class = (uint8_t)((t.udhi ? SMPP_ESM_UDHI : 0) |
	    (t.rp ? SMPP_ESM_REPLY_PATH : 0));
	sm->protocol_id = t.pid;
	sm->data_coding = dc;
	sm->registered_delivery = (m->status_report || t.srr) ?
	    SMPP_REGDLV_RECEIPT_ANY : 0;
	/* TP-UD with its header: UDHL octet first, then the body as TPDU
	 * decoding left it (unpacked septets for GSM 7-bit). */
	memcpy(sm->data, t.udh, t.udh_len);
	memcpy(sm->data + t.udh_len, t.body, t.body_len);
	sm->len = t.udh_len + t.body_len;
	sm->from_payload = c->payload == SMPP_PAYLOAD_TLV ||
	    sm->len > SMPP_SM_MAX;
	return STK_OK;
}

/* ---- deliver_sm -> SMS-DELIVER ---- */

uint32_t
smpp_map_deliver(const struct smpp_sm *sm, int64_t now, struct stk_buf *out,
    struct stk_diag *diag)
{
	struct smpp_sm ud;
	struct stk_sms_addr oa;
	struct stk_tpdu t;
	uint32_t st;

	if (smpp_addr_to_sms(sm->src_ton, sm->src_npi, sm->src, &oa) !=
	    STK_OK) {
		stk_fail(diag, STK_E_INVALID, "source_addr", 0);
		return ESME_RINVSRCADR;
	}
	/*
	 * The user data of a deliver_sm means what it means in submit_sm
	 * (data_coding table, UDHI, PID), so the SMSC module's mapping
	 * builds it; only the user-data fields are handed over (an
	 * SMS-DELIVER has no TP-DA, no TP-VP, no TP-SRR).
	 */
	memset(&ud, 0, sizeof(ud));
	ud.dst_ton = STK_TON_UNKNOWN;
	ud.dst_npi = STK_NPI_ISDN;
	memcpy(ud.dst, "0", 2);
	ud.esm_class = sm->esm_class & (SMPP_ESM_UDHI | SMPP_ESM_REPLY_PATH);
	ud.protocol_id = sm->protocol_id;
	ud.data_coding = sm->data_coding;
	ud.len = sm->len;
	memcpy(ud.data, sm->data, sm->len);
	st = smpp_sm_to_submit(&ud, now, &t, diag);
	if (st == ESME_RSUBMITFAIL)
		return ESME_RX_P_APPN;		/* a data_coding we cannot map */
	if (st != ESME_ROK)
		return st;
	t.type = STK_TPDU_DELIVER;
	t.addr = oa;
	t.mms = true;			/* §9.2.3.2: no more messages */
	t.sri = false;
	if (stk_sms_time_from_unix(now, 0, &t.scts) != STK_OK ||
	    stk_tpdu_encode(&t, out) != STK_OK) {
		stk_fail(diag, STK_E_INVALID, "SMS-DELIVER", 0);
		return ESME_RX_P_APPN;
	}
	return ESME_ROK;
}

/* ---- delivery receipts (Appendix B, §5.2.28) ---- */

/*
 * SMPP message_state / stat word -> TP-ST (TS 23.040 §9.2.3.15).  States
 * that are not final (ENROUTE, ACCEPTD) still reach the core, which keeps
 * waiting for a final report.
 */
static const struct {
	uint8_t state;
	const char *stat;
	uint8_t tp_st;
	bool final;
} rcpt_states[] = {
	{ 1, "ENROUTE", 0x20, false },	/* SC still trying */
	{ 2, "DELIVRD", 0x00, true },	/* received by the SME */
	{ 3, "EXPIRED", 0x46, true },	/* validity period expired */
	{ 4, "DELETED", 0x48, true },	/* deleted by SC administration */
	{ 5, "UNDELIV", 0x40, true },	/* remote procedure error */
	{ 6, "ACCEPTD", 0x01, false },	/* forwarded, delivery unconfirmed */
	{ 7, "UNKNOWN", 0x01, false },
	{ 8, "REJECTD", 0x41, true },	/* incompatible destination */
};

uint8_t
smpp_rcpt_tp_st(const struct smpp_rcpt *r, bool *final)
{
	size_t unknown = 6;

	for (size_t i = 0; i < NELEM(rcpt_states); i++) {
		if ((r->has_state && rcpt_states[i].state == r->state) ||
		    (!r->has_state &&
		    strcasecmp(rcpt_states[i].stat, r->stat) == 0)) {
			*final = rcpt_states[i].final;
			return rcpt_states[i].tp_st;
		}
	}
	*final = rcpt_states[unknown].final;
	return rcpt_states[unknown].tp_st;
}

/* The value of "key:" in text (key at the start or after a space),
 * up to the next space; NULL when absent. */
static const char *
rcpt_value(const char *text, const char *key, size_t *vlen)
{
	size_t kl = strlen(key);

	for (const char *p = text; *p != '\0'; p++) {
		if ((p == text || p[-1] == ' ') &&
		    strncasecmp(p, key, kl) == 0 && p[kl] == ':') {
			p += kl + 1;
			*vlen = strcspn(p, " ");
			return p;
		}
	}
	return NULL;
}

/* "YYMMDDhhmm" or "YYMMDDhhmmss" -> Unix time (UTC; Appendix B names no
 * zone); 0 when unreadable. */
static int64_t
rcpt_date(const char *v, size_t n)
{
	struct stk_sms_time t;
	int f[6] = { 0 };

	if (n != 10 && n != 12)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return 0;
		f[i / 2] = f[i / 2] * 10 + (v[i] - '0');
	}
	memset(&t, 0, sizeof(t));
	t.year = 2000 + f[0];
	t.month = f[1];
	t.day = f[2];
	t.hour = f[3];
	t.minute = f[4];
	t.second = f[5];
	if (stk_sms_time_validate(&t) != STK_OK)
		return 0;
	return stk_sms_time_to_unix(&t);
}

int
smpp_rcpt_parse(const uint8_t *text, size_t len, struct smpp_rcpt *r)
{
	char s[SMPP_SM_MAX + 1];
	const char *v;
	size_t n;

	/* Only the printable part matters; NULs and controls end nothing
	 * but become spaces so a value never runs into binary text. */
	if (len > SMPP_SM_MAX)
		len = SMPP_SM_MAX;
	for (size_t i = 0; i < len; i++)
		s[i] = (text[i] >= 0x20 && text[i] < 0x7f) ? (char)text[i] : ' ';
	s[len] = '\0';
	if (r->id[0] == '\0' && (v = rcpt_value(s, "id", &n)) != NULL &&
	    n > 0 && n < sizeof(r->id)) {
		memcpy(r->id, v, n);
		r->id[n] = '\0';
	}
	if (r->stat[0] == '\0' && (v = rcpt_value(s, "stat", &n)) != NULL &&
	    n > 0 && n < sizeof(r->stat)) {
		memcpy(r->stat, v, n);
		r->stat[n] = '\0';
	}
	if ((v = rcpt_value(s, "err", &n)) != NULL && n > 0 && n <= 3 &&
	    strspn(v, "0123456789") >= n) {
		r->has_err = true;
		r->err = 0;
		for (size_t i = 0; i < n; i++)
			r->err = r->err * 10 + (unsigned)(v[i] - '0');
	}
	if ((v = rcpt_value(s, "submit date", &n)) != NULL)
		r->submit_date = rcpt_date(v, n);
	if ((v = rcpt_value(s, "done date", &n)) != NULL)
		r->done_date = rcpt_date(v, n);
	return r->id[0] != '\0' ? STK_OK : STK_E_INVALID;
}

int
smpp_map_report(const struct smpp_rcpt *r, const struct stk_sms_addr *ra,
    uint8_t mr, int64_t now, struct stk_buf *out)
{
	struct stk_tpdu t;
	bool final;

	stk_tpdu_init(&t, STK_TPDU_STATUS_REPORT);
	t.mr = mr;
	t.addr = *ra;
	t.mms = true;
	t.st = smpp_rcpt_tp_st(r, &final);
	if (stk_sms_time_from_unix(r->submit_date != 0 ? r->submit_date : now,
	    0, &t.scts) != STK_OK ||
	    stk_sms_time_from_unix(r->done_date != 0 ? r->done_date : now, 0,
	    &t.dt) != STK_OK)
		return STK_E_INVALID;
	return stk_tpdu_encode(&t, out);
}

/* ---- command_status -> failure class (SMPP 3.4 §5.1.3) ---- */

/*
 * Statuses that say "this message, as it is, will never be accepted"
 * are permanent; throttling and a full queue ask us to slow down; the
 * rest (system errors, bind state, vendor-specific codes and anything
 * unknown) are temporary, and the core's bounded retries decide.
 */
static const struct {
	uint32_t status;
	enum transport_fail cls;
} status_classes[] = {
	{ ESME_RTHROTTLED, TRANSPORT_FAIL_THROTTLED },
	{ ESME_RMSGQFUL, TRANSPORT_FAIL_THROTTLED },
	{ ESME_RINVMSGLEN, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVCMDLEN, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVCMDID, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVPRTFLG, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVREGDLVFLG, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVSRCADR, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVDSTADR, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVESMCLASS, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVSERTYP, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RSUBMITFAIL, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVSRCTON, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVSRCNPI, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVDSTTON, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVDSTNPI, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVSYSTYP, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVREPFLAG, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVSCHED, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVEXPIRY, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVDFTMSGID, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RX_P_APPN, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RX_R_APPN, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVOPTPARSTREAM, TRANSPORT_FAIL_PERMANENT },
	{ ESME_ROPTPARNOTALLWD, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVPARLEN, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RMISSINGOPTPARAM, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RINVOPTPARAMVAL, TRANSPORT_FAIL_PERMANENT },
	{ ESME_RSYSERR, TRANSPORT_FAIL_TEMPORARY },
	{ ESME_RINVBNDSTS, TRANSPORT_FAIL_TEMPORARY },
	{ ESME_RX_T_APPN, TRANSPORT_FAIL_TEMPORARY },
	{ ESME_RDELIVERYFAILURE, TRANSPORT_FAIL_TEMPORARY },
	{ ESME_RUNKNOWNERR, TRANSPORT_FAIL_TEMPORARY },
};

enum transport_fail
smpp_status_class(uint32_t status)
{
	for (size_t i = 0; i < NELEM(status_classes); i++)
		if (status_classes[i].status == status)
			return status_classes[i].cls;
	return TRANSPORT_FAIL_TEMPORARY;
}
