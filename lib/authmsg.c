/*
 * authmsg.c - encode and decode the stkauth auth request and auth response
 * (docs/PROTOCOL.md §3, §4).  Layout, limits and the reasons for them are
 * in authmsg.h and PROTOCOL.md; this file enforces them, once, in the
 * field checkers shared by encoders and decoders.
 */
#include <string.h>

#include "authmsg.h"
#include "gsm7.h"

/* ---- names ----------------------------------------------------------- */

struct auth_name {
	unsigned value;
	const char *name;
};

static const struct auth_name decision_names[] = {
#define X(sym, val, name, result) { (val), (name) },
	STK_AUTH_DECISION_TABLE(X)
#undef X
};

static const struct auth_name decision_results[] = {
#define X(sym, val, name, result) { (val), (result) },
	STK_AUTH_DECISION_TABLE(X)
#undef X
};

static const struct auth_name sig_alg_names[] = {
#define X(sym, val, name) { (val), (name) },
	STK_AUTH_SIG_ALG_TABLE(X)
#undef X
};

static const struct auth_name coding_names[] = {
	{ STK_AUTH_TEXT_GSM7, "gsm7-unpacked" },
	{ STK_AUTH_TEXT_UCS2, "ucs2" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
name_of(const struct auth_name *t, size_t n, unsigned v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == v)
			return t[i].name;
	return NULL;
}

static int
value_of(const struct auth_name *t, size_t n, const char *name, uint8_t *v)
{
	if (name == NULL)
		return STK_E_NOT_FOUND;
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0) {
			*v = (uint8_t)t[i].value;
			return STK_OK;
		}
	return STK_E_NOT_FOUND;
}

const char *
stk_auth_decision_name(unsigned decision)
{
	return name_of(decision_names, NELEM(decision_names), decision);
}

const char *
stk_auth_decision_result(unsigned decision)
{
	return name_of(decision_results, NELEM(decision_results), decision);
}

const char *
stk_auth_sig_alg_name(unsigned alg)
{
	return name_of(sig_alg_names, NELEM(sig_alg_names), alg);
}

const char *
stk_auth_text_coding_name(unsigned coding)
{
	return name_of(coding_names, NELEM(coding_names), coding);
}

int
stk_auth_decision_from_name(const char *name, uint8_t *decision)
{
	return value_of(decision_names, NELEM(decision_names), name, decision);
}

int
stk_auth_sig_alg_from_name(const char *name, uint8_t *alg)
{
	return value_of(sig_alg_names, NELEM(sig_alg_names), name, alg);
}

/* ---- field checkers, shared by encoders and decoders ------------------ */

/* Ticket: STK_AUTH_TICKET_MIN..MAX characters of 0-9 A-Z. */
static int
check_ticket(const char *t, size_t len)
{
	if (len > STK_AUTH_TICKET_MAX)
		return STK_E_TOO_LONG;
	if (len < STK_AUTH_TICKET_MIN)
		return STK_E_INVALID;
	for (size_t i = 0; i < len; i++) {
		char ch = t[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z')))
			return STK_E_INVALID;
	}
	return STK_OK;
}

/*
 * Service text in its coding (PROTOCOL.md §3.2).  GSM 7-bit unpacked: one
 * septet per octet (0x00-0x7F); an escape (TS 23.038 §6.2.1.1) must be
 * followed by an extension code, which is neither the end of the text nor
 * a second escape (0x1B 0x1B is reserved for a further extension table).
 * UCS-2 (§6.2.3): an even number of octets, no surrogate code units (the
 * BMP only; UCS-2 has no surrogate pairs).
 */
static int
check_service(uint8_t coding, const uint8_t *s, size_t len)
{
	if (len > STK_AUTH_SERVICE_MAX_OCTETS)
		return STK_E_TOO_LONG;
	if (len == 0)
		return STK_E_INVALID;
	switch (coding) {
	case STK_AUTH_TEXT_GSM7:
		for (size_t i = 0; i < len; i++) {
			if (s[i] > 0x7f)
				return STK_E_INVALID;
			if (s[i] == STK_GSM7_ESCAPE) {
				if (i + 1 == len || s[i + 1] == STK_GSM7_ESCAPE ||
				    s[i + 1] > 0x7f)
					return STK_E_INVALID;
				i++;
			}
		}
		return STK_OK;
	case STK_AUTH_TEXT_UCS2:
		if (len % 2 != 0)
			return STK_E_INCONSISTENT;
		for (size_t i = 0; i < len; i += 2) {
			unsigned u = (unsigned)s[i] << 8 | s[i + 1];

			if (u >= 0xd800 && u <= 0xdfff)
				return STK_E_INVALID;
		}
		return STK_OK;
	default:
		return STK_E_UNSUPPORTED;
	}
}

static int
check_lifetime(uint16_t s)
{
	if (s < STK_AUTH_LIFETIME_MIN || s > STK_AUTH_LIFETIME_MAX)
		return STK_E_INVALID;
	return STK_OK;
}

/*
 * ICCID as stored in EF_ICCID (TS 102 221 §13.2): BCD digits, the first
 * digit in the low nibble of each octet; ITU-T E.118 numbers are 18 to 20
 * digits, the rest of the 10 octets is filled with 0xF nibbles.
 */
static int
check_iccid(const uint8_t iccid[STK_AUTH_ICCID_LEN])
{
	size_t digits = 0;
	bool filler = false;

	for (size_t i = 0; i < 2 * STK_AUTH_ICCID_LEN; i++) {
		unsigned nib = (i % 2 == 0) ? iccid[i / 2] & 0x0f :
		    iccid[i / 2] >> 4;

		if (nib == 0x0f) {
			filler = true;
			continue;
		}
		if (filler || nib > 9)
			return STK_E_INVALID;
		digits++;
	}
	return digits >= 18 ? STK_OK : STK_E_INVALID;
}

static int
check_password(uint8_t decision, const char *pw, size_t len)
{
	if (decision != STK_AUTH_CONFIRMED)
		return len == 0 ? STK_OK : STK_E_INCONSISTENT;
	if (len != STK_AUTH_PASSWORD_DIGITS)
		return len > STK_AUTH_PASSWORD_DIGITS ? STK_E_TOO_LONG :
		    STK_E_INCONSISTENT;
	for (size_t i = 0; i < len; i++)
		if (pw[i] < '0' || pw[i] > '9')
			return STK_E_INVALID;
	return STK_OK;
}

/* The signature octet, checked against the decision. */
static int
check_sig_alg(uint8_t decision, uint8_t alg)
{
	if (stk_auth_sig_alg_name(alg) == NULL)
		return STK_E_UNSUPPORTED;
	if (decision == STK_AUTH_CONFIRMED && alg == STK_AUTH_SIG_NONE)
		return STK_E_INCONSISTENT;
	return STK_OK;
}

/* The signature length, checked against the algorithm. */
static int
check_sig_len(uint8_t alg, size_t len)
{
	if (len > STK_AUTH_SIG_MAX)
		return STK_E_TOO_LONG;
	switch (alg) {
	case STK_AUTH_SIG_NONE:
		return len == 0 ? STK_OK : STK_E_INCONSISTENT;
	case STK_AUTH_SIG_ECDSA_P256:
		return len == STK_AUTH_ECDSA_P256_SIG_LEN ? STK_OK :
		    STK_E_INCONSISTENT;
	case STK_AUTH_SIG_RSA_PKCS1:
	case STK_AUTH_SIG_RSA_PSS:
		/* RSA-512 is the smallest modulus anyone has put on a card */
		return len >= 64 ? STK_OK : STK_E_INCONSISTENT;
	default:
		return STK_E_UNSUPPORTED;
	}
}

/*
 * Room for n more octets?  Checked before the first append so that an
 * encoder appends all or nothing: a fixed builder that is too small is
 * STK_E_NOSPACE and left as it was.
 */
static int
check_room(const struct stk_buf *out, size_t n)
{
	if (!stk_buf_ok(out))
		return STK_E_NOSPACE;
	if (out->fixed && out->cap - out->len < n)
		return STK_E_NOSPACE;
	return STK_OK;
}

/* ---- the auth request ---------------------------------------------- */

int
stk_auth_request_set_ticket(struct stk_auth_request *r, const char *ticket,
    size_t len)
{
	int rc;

	if (r == NULL || (ticket == NULL && len > 0))
		return STK_E_ARG;
	if ((rc = check_ticket(ticket, len)) != STK_OK)
		return rc;
	memcpy(r->ticket, ticket, len);
	r->ticket[len] = '\0';
	r->ticket_len = (uint8_t)len;
	return STK_OK;
}

int
stk_auth_request_set_service(struct stk_auth_request *r, const char *utf8,
    size_t len)
{
	struct stk_buf b;
	uint8_t coding;
	int rc;

	if (r == NULL || (utf8 == NULL && len > 0))
		return STK_E_ARG;
	if (len == 0)
		return STK_E_INVALID;
	stk_buf_init(&b);
	if (stk_gsm7_representable(utf8, len)) {
		coding = STK_AUTH_TEXT_GSM7;
		rc = stk_gsm7_from_utf8(utf8, len, &b);
	} else {
		coding = STK_AUTH_TEXT_UCS2;
		rc = stk_ucs2_from_utf8(utf8, len, &b);
	}
	if (rc != STK_OK)
		goto out;
	if (!stk_buf_ok(&b)) {
		rc = STK_E_NOMEM;
		goto out;
	}
	if ((rc = check_service(coding, stk_buf_data(&b),
	    stk_buf_len(&b))) != STK_OK)
		goto out;
	memcpy(r->service, stk_buf_data(&b), stk_buf_len(&b));
	r->service_len = (uint8_t)stk_buf_len(&b);
	r->service_coding = coding;
out:
	stk_buf_free(&b);
	return rc;
}

int
stk_auth_request_service_utf8(const struct stk_auth_request *r,
    struct stk_buf *out)
{
	int rc;

	if (r == NULL || out == NULL)
		return STK_E_ARG;
	if ((rc = check_service(r->service_coding, r->service,
	    r->service_len)) != STK_OK)
		return rc;
	if (r->service_coding == STK_AUTH_TEXT_GSM7)
		return stk_gsm7_to_utf8(r->service, r->service_len, out);
	return stk_ucs2_to_utf8(r->service, r->service_len, out);
}

int
stk_auth_request_encode(const struct stk_auth_request *r,
    struct stk_buf *out)
{
	int rc;

	if (r == NULL || out == NULL)
		return STK_E_ARG;
	if ((rc = check_ticket(r->ticket, r->ticket_len)) != STK_OK ||
	    (rc = check_service(r->service_coding, r->service,
	    r->service_len)) != STK_OK ||
	    (rc = check_lifetime(r->lifetime_s)) != STK_OK)
		return rc;
	if (r->expiry_utc == 0)
		return STK_E_INVALID;
	/* Guaranteed by the limits above; kept as the contract's proof. */
	if (STK_AUTH_REQUEST_FIXED_LEN + r->ticket_len + r->service_len >
	    STK_AUTH_REQUEST_MAX_LEN)
		return STK_E_TOO_LONG;
	if ((rc = check_room(out, STK_AUTH_REQUEST_FIXED_LEN +
	    r->ticket_len + r->service_len)) != STK_OK)
		return rc;

	stk_buf_add_u8(out, STK_AUTH_VERSION);
	stk_buf_add_u8(out, STK_AUTH_MSG_REQUEST);
	stk_buf_add_u8(out, r->pin_required ? STK_AUTH_FLAG_PIN_REQUIRED : 0);
	stk_buf_add_bytes(out, r->session_id, STK_AUTH_SESSION_ID_LEN);
	stk_buf_add_bytes(out, r->nonce, STK_AUTH_NONCE_LEN);
	stk_buf_add_u16(out, r->lifetime_s);
	stk_buf_add_u32(out, r->expiry_utc);
	stk_buf_add_u8(out, r->ticket_len);
	stk_buf_add_bytes(out, r->ticket, r->ticket_len);
	stk_buf_add_u8(out, r->service_coding);
	stk_buf_add_u8(out, r->service_len);
	stk_buf_add_bytes(out, r->service, r->service_len);
	if (!stk_buf_ok(out))
		return STK_E_NOMEM;	/* growable builder out of memory */
	return STK_OK;
}

/*
 * The header shared by both messages: version (only STK_AUTH_VERSION is
 * known) and the message type.
 */
static int
decode_header(struct stk_cur *c, uint8_t want_type, struct stk_diag *diag)
{
	uint8_t v;

	if (!stk_cur_u8(c, &v))
		return stk_fail(diag, STK_E_TRUNCATED, "VERSION",
		    stk_cur_offset(c));
	if (v != STK_AUTH_VERSION)
		return stk_fail(diag, STK_E_UNSUPPORTED, "VERSION",
		    stk_cur_offset(c) - 1);
	if (!stk_cur_u8(c, &v))
		return stk_fail(diag, STK_E_TRUNCATED, "MSG-TYPE",
		    stk_cur_offset(c));
	if (v != want_type)
		return stk_fail(diag, STK_E_INVALID, "MSG-TYPE",
		    stk_cur_offset(c) - 1);
	return STK_OK;
}

int
stk_auth_request_decode_cur(struct stk_cur *c, struct stk_auth_request *r,
    struct stk_diag *diag)
{
	struct stk_cur sub;
	const uint8_t *p;
	uint8_t flags, len;
	size_t at;
	int rc;

	if (c == NULL || r == NULL)
		return STK_E_ARG;
	memset(r, 0, sizeof(*r));
	if ((rc = decode_header(c, STK_AUTH_MSG_REQUEST, diag)) != STK_OK)
		return rc;

	at = stk_cur_offset(c);
	if (!stk_cur_u8(c, &flags))
		return stk_fail(diag, STK_E_TRUNCATED, "FLAGS", at);
	if ((flags & ~STK_AUTH_FLAG_PIN_REQUIRED) != 0)
		return stk_fail(diag, STK_E_INVALID, "FLAGS", at);
	r->pin_required = (flags & STK_AUTH_FLAG_PIN_REQUIRED) != 0;

	if (!stk_cur_copy(c, r->session_id, STK_AUTH_SESSION_ID_LEN))
		return stk_fail(diag, STK_E_TRUNCATED, "SESSION-ID",
		    stk_cur_offset(c));
	if (!stk_cur_copy(c, r->nonce, STK_AUTH_NONCE_LEN))
		return stk_fail(diag, STK_E_TRUNCATED, "NONCE",
		    stk_cur_offset(c));

	at = stk_cur_offset(c);
	if (!stk_cur_u16(c, &r->lifetime_s))
		return stk_fail(diag, STK_E_TRUNCATED, "LIFETIME", at);
	if ((rc = check_lifetime(r->lifetime_s)) != STK_OK)
		return stk_fail(diag, rc, "LIFETIME", at);

	at = stk_cur_offset(c);
	if (!stk_cur_u32(c, &r->expiry_utc))
		return stk_fail(diag, STK_E_TRUNCATED, "EXPIRY", at);
	if (r->expiry_utc == 0)
		return stk_fail(diag, STK_E_INVALID, "EXPIRY", at);

	at = stk_cur_offset(c);
	if (!stk_cur_peek_u8(c, &len))
		return stk_fail(diag, STK_E_TRUNCATED, "TICKET-LEN", at);
	if (len > STK_AUTH_TICKET_MAX)
		return stk_fail(diag, STK_E_TOO_LONG, "TICKET-LEN", at);
	if (len < STK_AUTH_TICKET_MIN)
		return stk_fail(diag, STK_E_INVALID, "TICKET-LEN", at);
	if (!stk_cur_u8_prefixed(c, &sub))
		return stk_fail(diag, STK_E_TRUNCATED, "TICKET", at + 1);
	p = stk_cur_data(&sub);
	if ((rc = check_ticket((const char *)p, len)) != STK_OK)
		return stk_fail(diag, rc, "TICKET", at + 1);
	memcpy(r->ticket, p, len);
	r->ticket[len] = '\0';
	r->ticket_len = len;

	at = stk_cur_offset(c);
	if (!stk_cur_u8(c, &r->service_coding))
		return stk_fail(diag, STK_E_TRUNCATED, "SERVICE-CODING", at);
	if (stk_auth_text_coding_name(r->service_coding) == NULL)
		return stk_fail(diag, STK_E_UNSUPPORTED, "SERVICE-CODING", at);

	at = stk_cur_offset(c);
	if (!stk_cur_peek_u8(c, &len))
		return stk_fail(diag, STK_E_TRUNCATED, "SERVICE-LEN", at);
	if (len > STK_AUTH_SERVICE_MAX_OCTETS)
		return stk_fail(diag, STK_E_TOO_LONG, "SERVICE-LEN", at);
	if (len == 0)
		return stk_fail(diag, STK_E_INVALID, "SERVICE-LEN", at);
	if (!stk_cur_u8_prefixed(c, &sub))
		return stk_fail(diag, STK_E_TRUNCATED, "SERVICE", at + 1);
	p = stk_cur_data(&sub);
	if ((rc = check_service(r->service_coding, p, len)) != STK_OK)
		return stk_fail(diag, rc, "SERVICE", at + 1);
	memcpy(r->service, p, len);
	r->service_len = len;

	if (!stk_cur_empty(c))
		return stk_fail(diag, STK_E_TRAILING, "REQUEST",
		    stk_cur_offset(c));
	return STK_OK;
}

int
stk_auth_request_decode(const uint8_t *p, size_t len,
    struct stk_auth_request *r, struct stk_diag *diag)
{
	struct stk_cur c;

	if (p == NULL && len > 0)
		return STK_E_ARG;
	stk_cur_init(&c, p, len);
	return stk_auth_request_decode_cur(&c, r, diag);
}

int
stk_auth_request_check_fresh(const struct stk_auth_request *r,
    int64_t scts_utc, int64_t now_utc)
{
	if (r == NULL)
		return STK_E_ARG;
	if (now_utc < scts_utc - STK_AUTH_CLOCK_SKEW)
		return STK_E_EXPIRED;
	if (now_utc > scts_utc + (int64_t)r->lifetime_s)
		return STK_E_EXPIRED;
	return STK_OK;
}

int
stk_auth_request_check_expiry(const struct stk_auth_request *r,
    int64_t now_utc)
{
	if (r == NULL)
		return STK_E_ARG;
	return now_utc > (int64_t)r->expiry_utc ? STK_E_EXPIRED : STK_OK;
}

void
stk_auth_seen_init(struct stk_auth_seen *s)
{
	memset(s, 0, sizeof(*s));
}

int
stk_auth_seen_check_and_add(struct stk_auth_seen *s,
    const uint8_t id[STK_AUTH_SESSION_ID_LEN])
{
	if (s == NULL || id == NULL || s->count > STK_AUTH_SEEN_MAX ||
	    s->next >= STK_AUTH_SEEN_MAX)
		return STK_E_ARG;
	for (unsigned i = 0; i < s->count; i++)
		if (memcmp(s->ids[i], id, STK_AUTH_SESSION_ID_LEN) == 0)
			return STK_E_REPLAY;
	memcpy(s->ids[s->next], id, STK_AUTH_SESSION_ID_LEN);
	s->next = (s->next + 1) % STK_AUTH_SEEN_MAX;
	if (s->count < STK_AUTH_SEEN_MAX)
		s->count++;
	return STK_OK;
}

/* ---- the auth response --------------------------------------------- */

int
stk_auth_response_encode(const struct stk_auth_response *r,
    struct stk_buf *out)
{
	int rc;

	if (r == NULL || out == NULL)
		return STK_E_ARG;
	if (stk_auth_decision_name(r->decision) == NULL)
		return STK_E_INVALID;
	if ((rc = check_iccid(r->iccid)) != STK_OK ||
	    (rc = check_password(r->decision, r->password,
	    r->password_len)) != STK_OK ||
	    (rc = check_sig_alg(r->decision, r->sig_alg)) != STK_OK ||
	    (rc = check_sig_len(r->sig_alg, r->sig_len)) != STK_OK)
		return rc;
	if ((rc = check_room(out, STK_AUTH_RESPONSE_FIXED_LEN +
	    r->password_len + r->sig_len)) != STK_OK)
		return rc;

	stk_buf_add_u8(out, STK_AUTH_VERSION);
	stk_buf_add_u8(out, STK_AUTH_MSG_RESPONSE);
	stk_buf_add_u8(out, r->decision);
	stk_buf_add_bytes(out, r->session_id, STK_AUTH_SESSION_ID_LEN);
	stk_buf_add_bytes(out, r->iccid, STK_AUTH_ICCID_LEN);
	stk_buf_add_u8(out, r->password_len);
	stk_buf_add_bytes(out, r->password, r->password_len);
	stk_buf_add_u8(out, r->sig_alg);
	stk_buf_add_u16(out, r->sig_len);
	stk_buf_add_bytes(out, r->sig, r->sig_len);
	if (!stk_buf_ok(out))
		return STK_E_NOMEM;	/* growable builder out of memory */
	return STK_OK;
}

int
stk_auth_response_decode_cur(struct stk_cur *c, struct stk_auth_response *r,
    struct stk_diag *diag)
{
	struct stk_cur sub;
	uint16_t len16;
	uint8_t len;
	size_t at;
	int rc;

	if (c == NULL || r == NULL)
		return STK_E_ARG;
	memset(r, 0, sizeof(*r));
	if ((rc = decode_header(c, STK_AUTH_MSG_RESPONSE, diag)) != STK_OK)
		return rc;

	at = stk_cur_offset(c);
	if (!stk_cur_u8(c, &r->decision))
		return stk_fail(diag, STK_E_TRUNCATED, "DECISION", at);
	if (stk_auth_decision_name(r->decision) == NULL)
		return stk_fail(diag, STK_E_INVALID, "DECISION", at);

	if (!stk_cur_copy(c, r->session_id, STK_AUTH_SESSION_ID_LEN))
		return stk_fail(diag, STK_E_TRUNCATED, "SESSION-ID",
		    stk_cur_offset(c));
	at = stk_cur_offset(c);
	if (!stk_cur_copy(c, r->iccid, STK_AUTH_ICCID_LEN))
		return stk_fail(diag, STK_E_TRUNCATED, "ICCID", at);
	if ((rc = check_iccid(r->iccid)) != STK_OK)
		return stk_fail(diag, rc, "ICCID", at);

	at = stk_cur_offset(c);
	if (!stk_cur_peek_u8(c, &len))
		return stk_fail(diag, STK_E_TRUNCATED, "PASSWORD-LEN", at);
	if (len > STK_AUTH_PASSWORD_DIGITS)
		return stk_fail(diag, STK_E_TOO_LONG, "PASSWORD-LEN", at);
	if (!stk_cur_u8_prefixed(c, &sub))
		return stk_fail(diag, STK_E_TRUNCATED, "PASSWORD", at + 1);
	memcpy(r->password, stk_cur_data(&sub), len);
	r->password[len] = '\0';
	r->password_len = len;
	if ((rc = check_password(r->decision, r->password, len)) != STK_OK)
		return stk_fail(diag, rc, len == 0 ? "PASSWORD-LEN" :
		    "PASSWORD", len == 0 ? at : at + 1);

	at = stk_cur_offset(c);
	if (!stk_cur_u8(c, &r->sig_alg))
		return stk_fail(diag, STK_E_TRUNCATED, "SIG-ALG", at);
	if ((rc = check_sig_alg(r->decision, r->sig_alg)) != STK_OK)
		return stk_fail(diag, rc, "SIG-ALG", at);

	at = stk_cur_offset(c);
	if (!stk_cur_u16(c, &len16))
		return stk_fail(diag, STK_E_TRUNCATED, "SIG-LEN", at);
	if ((rc = check_sig_len(r->sig_alg, len16)) != STK_OK)
		return stk_fail(diag, rc, "SIG-LEN", at);
	if (!stk_cur_copy(c, r->sig, len16))
		return stk_fail(diag, STK_E_TRUNCATED, "SIGNATURE",
		    stk_cur_offset(c));
	r->sig_len = len16;

	if (!stk_cur_empty(c))
		return stk_fail(diag, STK_E_TRAILING, "RESPONSE",
		    stk_cur_offset(c));
	return STK_OK;
}

int
stk_auth_response_decode(const uint8_t *p, size_t len,
    struct stk_auth_response *r, struct stk_diag *diag)
{
	struct stk_cur c;

	if (p == NULL && len > 0)
		return STK_E_ARG;
	stk_cur_init(&c, p, len);
	return stk_auth_response_decode_cur(&c, r, diag);
}

/* ---- the data to be signed ------------------------------------------ */

int
stk_auth_dtbs(const struct stk_auth_request *req,
    const struct stk_auth_response *resp, struct stk_buf *out)
{
	size_t n;
	int rc;

	if (req == NULL || resp == NULL || out == NULL)
		return STK_E_ARG;
	if (memcmp(req->session_id, resp->session_id,
	    STK_AUTH_SESSION_ID_LEN) != 0)
		return STK_E_INCONSISTENT;
	if ((rc = check_ticket(req->ticket, req->ticket_len)) != STK_OK ||
	    (rc = check_service(req->service_coding, req->service,
	    req->service_len)) != STK_OK)
		return rc;
	if (stk_auth_decision_name(resp->decision) == NULL)
		return STK_E_INVALID;
	if ((rc = check_iccid(resp->iccid)) != STK_OK ||
	    (rc = check_password(resp->decision, resp->password,
	    resp->password_len)) != STK_OK ||
	    (rc = check_sig_alg(resp->decision, resp->sig_alg)) != STK_OK)
		return rc;
	/* A DTBS exists to be signed: "none" has nothing to sign it with. */
	if (resp->sig_alg == STK_AUTH_SIG_NONE)
		return STK_E_INVALID;

	n = strlen(STK_AUTH_DTBS_LABEL) + 2 + STK_AUTH_SESSION_ID_LEN +
	    STK_AUTH_NONCE_LEN + 1 + req->ticket_len + 2 + req->service_len +
	    STK_AUTH_ICCID_LEN + 1 + 1 + resp->password_len;
	if ((rc = check_room(out, n)) != STK_OK)
		return rc;

	stk_buf_add_bytes(out, STK_AUTH_DTBS_LABEL,
	    strlen(STK_AUTH_DTBS_LABEL));
	stk_buf_add_u8(out, STK_AUTH_VERSION);
	stk_buf_add_u8(out, resp->sig_alg);
	stk_buf_add_bytes(out, req->session_id, STK_AUTH_SESSION_ID_LEN);
	stk_buf_add_bytes(out, req->nonce, STK_AUTH_NONCE_LEN);
	stk_buf_add_u8(out, req->ticket_len);
	stk_buf_add_bytes(out, req->ticket, req->ticket_len);
	stk_buf_add_u8(out, req->service_coding);
	stk_buf_add_u8(out, req->service_len);
	stk_buf_add_bytes(out, req->service, req->service_len);
	stk_buf_add_bytes(out, resp->iccid, STK_AUTH_ICCID_LEN);
	stk_buf_add_u8(out, resp->decision);
	stk_buf_add_u8(out, resp->password_len);
	stk_buf_add_bytes(out, resp->password, resp->password_len);
	if (!stk_buf_ok(out))
		return STK_E_NOMEM;	/* growable builder out of memory */
	return STK_OK;
}
