/*
 * cmd_auth.c - "stkauth-pdu decode --as auth-request|auth-response HEX":
 * the stkauth application messages (docs/PROTOCOL.md §3, §4) printed as a
 * tree with the field names the decoders use in their diagnostics.  The
 * decoding itself is lib/authmsg.c; this file only prints.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authmsg.h"
#include "cmd_auth.h"
#include "pdu.h"

/* "2026-11-23T18:40:00Z" for Unix seconds. */
static void
utc_text(uint32_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, bufsz, "?");
}

/* The digits of an EF_ICCID (TS 102 221 §13.2: low nibble first). */
static void
iccid_text(const uint8_t *iccid, char *buf, size_t bufsz)
{
	size_t n = 0;

	for (size_t i = 0; i < 2 * STK_AUTH_ICCID_LEN && n + 1 < bufsz; i++) {
		unsigned nib = (i % 2 == 0) ? iccid[i / 2] & 0x0f :
		    iccid[i / 2] >> 4;

		if (nib > 9)
			break;
		buf[n++] = (char)('0' + nib);
	}
	buf[n] = '\0';
}

int
pdu_decode_auth_request(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	struct stk_auth_request r;
	struct stk_buf text;
	char when[32];
	size_t base = stk_cur_offset(in);
	int rc;

	if ((rc = stk_auth_request_decode_cur(in, &r, diag)) != STK_OK)
		return rc;
	pdu_open(out, "auth-request", NULL);
	pdu_field(out, "VERSION", "%u", STK_AUTH_VERSION);
	pdu_field(out, "MSG-TYPE", "0x%02x (auth request)",
	    STK_AUTH_MSG_REQUEST);
	pdu_field(out, "FLAGS", "0x%02x (%s)", r.pin_required ?
	    STK_AUTH_FLAG_PIN_REQUIRED : 0, r.pin_required ? "PIN required" :
	    "no PIN");
	pdu_hex(out, "SESSION-ID", r.session_id, sizeof(r.session_id));
	pdu_hex(out, "NONCE", r.nonce, sizeof(r.nonce));
	pdu_field(out, "LIFETIME", "%u s after the SMS SCTS", r.lifetime_s);
	utc_text(r.expiry_utc, when, sizeof(when));
	pdu_field(out, "EXPIRY", "%lu (%s)", (unsigned long)r.expiry_utc,
	    when);
	pdu_text(out, "TICKET", r.ticket, r.ticket_len);
	pdu_field(out, "SERVICE-CODING", "0x%02x (%s)", r.service_coding,
	    stk_auth_text_coding_name(r.service_coding));
	pdu_field(out, "SERVICE-LEN", "%u octets", r.service_len);
	stk_buf_init(&text);
	rc = stk_auth_request_service_utf8(&r, &text);
	if (rc == STK_OK && !stk_buf_ok(&text))
		rc = STK_E_NOMEM;
	if (rc != STK_OK) {
		stk_buf_free(&text);
		return stk_fail(diag, rc, "SERVICE", base +
		    STK_AUTH_REQUEST_FIXED_LEN + r.ticket_len);
	}
	pdu_text(out, "SERVICE", (const char *)stk_buf_data(&text),
	    stk_buf_len(&text));
	stk_buf_free(&text);
	pdu_close(out);
	return STK_OK;
}

int
pdu_decode_auth_response(struct stk_cur *in, struct pdu_out *out,
    struct stk_diag *diag)
{
	struct stk_auth_response r;
	char digits[2 * STK_AUTH_ICCID_LEN + 1];
	int rc;

	if ((rc = stk_auth_response_decode_cur(in, &r, diag)) != STK_OK)
		return rc;
	pdu_open(out, "auth-response", NULL);
	pdu_field(out, "VERSION", "%u", STK_AUTH_VERSION);
	pdu_field(out, "MSG-TYPE", "0x%02x (auth response)",
	    STK_AUTH_MSG_RESPONSE);
	pdu_field(out, "DECISION", "0x%02x (%s, %s)", r.decision,
	    stk_auth_decision_name(r.decision),
	    stk_auth_decision_result(r.decision));
	pdu_hex(out, "SESSION-ID", r.session_id, sizeof(r.session_id));
	iccid_text(r.iccid, digits, sizeof(digits));
	pdu_open(out, "ICCID", "%s", digits);
	pdu_hex(out, "EF-ICCID", r.iccid, sizeof(r.iccid));
	pdu_close(out);
	if (r.password_len > 0)
		pdu_text(out, "PASSWORD", r.password, r.password_len);
	else
		pdu_field(out, "PASSWORD", "(none)");
	pdu_field(out, "SIG-ALG", "0x%02x (%s)", r.sig_alg,
	    stk_auth_sig_alg_name(r.sig_alg));
	pdu_field(out, "SIG-LEN", "%u octets", r.sig_len);
	if (r.sig_len > 0)
		pdu_hex(out, "SIGNATURE", r.sig, r.sig_len);
	pdu_close(out);
	return STK_OK;
}
