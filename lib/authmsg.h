/*
 * authmsg.h - the stkauth application messages (docs/PROTOCOL.md).
 *
 * Two messages travel inside TS 102 225 / TS 31.115 secured packets:
 *
 *   auth request   server -> applet, the secured data of one command packet
 *                  in ONE SMS-PP data download (TS 31.115 §4, IEI 0x70)
 *   auth response  applet -> server, the secured data of a command packet
 *                  sent by the card in SMS-SUBMIT (concatenated for RSA)
 *
 * Both are a compact fixed layout: a version octet, a message-type octet,
 * fixed-length binary fields and one-octet length-prefixed variable fields,
 * all read through the bounded cursor and written through the builder of
 * bytes.h.  Why not COMPREHENSION-TLV: the request must fit 98 octets (the
 * worst case, AES ciphering, see PROTOCOL.md §2) and tags would cost ~12 of
 * them, i.e. a quarter of the service name.  Extensibility comes from the
 * version octet: a decoder rejects any version it does not know.
 *
 * Decoders are strict: every field range-checked, every length capped,
 * trailing bytes rejected (STK_E_TRAILING), unknown version
 * (STK_E_UNSUPPORTED), values outside their table (STK_E_INVALID); the
 * struct stk_diag names the field and its absolute offset.  Decoded
 * structures hold copies (fixed arrays), never pointers into the input.
 *
 * Encoders validate the same rules before writing (an encoder never emits
 * what the decoder would refuse) and append nothing on failure.
 *
 * The crypto over these messages (authentication password, data to be
 * signed, signature, verification) is in authsig.h.
 */
#ifndef STKAUTH_AUTHMSG_H
#define STKAUTH_AUTHMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "err.h"

/* ---- constants (PROTOCOL.md §3, §4) -------------------------------- */

#define STK_AUTH_VERSION		0x01
#define STK_AUTH_MSG_REQUEST		0x01	/* message-type octet */
#define STK_AUTH_MSG_RESPONSE		0x02

#define STK_AUTH_SESSION_ID_LEN		8	/* random, server-chosen */
#define STK_AUTH_NONCE_LEN		16	/* random, server-chosen */
#define STK_AUTH_ICCID_LEN		10	/* EF_ICCID, TS 102 221 §13.2 */
#define STK_AUTH_TICKET_MIN		4	/* characters 0-9 A-Z */
#define STK_AUTH_TICKET_MAX		10
#define STK_AUTH_PASSWORD_DIGITS	8	/* decimal digits, ASCII */

/*
 * Service name: at most 52 octets of coded text, i.e. 52 septets of the
 * GSM 7-bit default alphabet unpacked (an extension character costs two,
 * escape + code) or 26 UCS-2 characters.  52 = 98 (maximum secured data
 * with AES) - 36 (fixed part of the request) - 10 (longest ticket).
 */
#define STK_AUTH_SERVICE_MAX_OCTETS	52
#define STK_AUTH_SERVICE_MAX_GSM7	52	/* septets, escapes included */
#define STK_AUTH_SERVICE_MAX_UCS2	26	/* UCS-2 characters */

/* Fixed part of a request (everything but ticket and service text). */
#define STK_AUTH_REQUEST_FIXED_LEN	36
/* Largest request: fits a single secured SMS with any TS 102 225 cipher. */
#define STK_AUTH_REQUEST_MAX_LEN	98

/* Relative lifetime from the SMS SCTS, seconds. */
#define STK_AUTH_LIFETIME_MIN		10
#define STK_AUTH_LIFETIME_MAX		3600

/* Signature octets: up to RSA-4096. */
#define STK_AUTH_SIG_MAX		512
/* Fixed part of a response (everything but the password and signature). */
#define STK_AUTH_RESPONSE_FIXED_LEN	25
#define STK_AUTH_RESPONSE_MAX_LEN	\
	(STK_AUTH_RESPONSE_FIXED_LEN + STK_AUTH_PASSWORD_DIGITS + \
	 STK_AUTH_SIG_MAX)

/* Request flags octet; every other bit is reserved and must be 0. */
#define STK_AUTH_FLAG_PIN_REQUIRED	0x01

/*
 * Service-name coding octet.  The values are the TS 102 223 §8.15 TEXT
 * STRING data coding schemes (TS 23.038 §4 SMS DCS), so the applet copies
 * coding + text into a DISPLAY TEXT / SELECT ITEM unchanged.
 */
enum stk_auth_text_coding {
	STK_AUTH_TEXT_GSM7 = 0x04,	/* GSM 7-bit default alphabet, unpacked,
					 * one septet per octet */
	STK_AUTH_TEXT_UCS2 = 0x08,	/* UCS-2 big-endian */
};

/* The user's (or the handset's) decision, carried in the response. */
#define STK_AUTH_DECISION_TABLE(X)					\
	X(STK_AUTH_CONFIRMED,   0x01, "confirmed",   "OK")		\
	X(STK_AUTH_REJECTED,    0x02, "rejected",    "USER_REFUSED")	\
	X(STK_AUTH_PIN_BLOCKED, 0x03, "pin-blocked", "PIN_BLOCKED")	\
	X(STK_AUTH_TIMEOUT,     0x04, "timeout",     "TIMEOUT")		\
	X(STK_AUTH_ERROR,       0x05, "error",       "SIM_ERROR")

enum stk_auth_decision {
#define STK_AUTH_DECISION_ENUM(sym, val, name, result) sym = (val),
	STK_AUTH_DECISION_TABLE(STK_AUTH_DECISION_ENUM)
#undef STK_AUTH_DECISION_ENUM
};

/* Signature algorithm octet of the response. */
#define STK_AUTH_SIG_ALG_TABLE(X)					\
	X(STK_AUTH_SIG_NONE,         0x00, "none")			\
	X(STK_AUTH_SIG_RSA_PKCS1,    0x01, "rsa-pkcs1-v1_5-sha256")	\
	X(STK_AUTH_SIG_RSA_PSS,      0x02, "rsa-pss-sha256")		\
	X(STK_AUTH_SIG_ECDSA_P256,   0x03, "ecdsa-p256-sha256")

enum stk_auth_sig_alg {
#define STK_AUTH_SIG_ALG_ENUM(sym, val, name) sym = (val),
	STK_AUTH_SIG_ALG_TABLE(STK_AUTH_SIG_ALG_ENUM)
#undef STK_AUTH_SIG_ALG_ENUM
};

/* ECDSA P-256 signatures are raw r || s, 32 octets each, big-endian. */
#define STK_AUTH_ECDSA_P256_SIG_LEN	64

/* ---- the auth request ---------------------------------------------- */

struct stk_auth_request {
	bool pin_required;
	uint8_t session_id[STK_AUTH_SESSION_ID_LEN];
	uint8_t nonce[STK_AUTH_NONCE_LEN];
	uint16_t lifetime_s;	/* validity relative to the SMS SCTS */
	uint32_t expiry_utc;	/* absolute expiry, Unix seconds (server) */
	uint8_t ticket_len;
	char ticket[STK_AUTH_TICKET_MAX + 1];	/* NUL-terminated */
	uint8_t service_coding;	/* enum stk_auth_text_coding */
	uint8_t service_len;	/* octets */
	uint8_t service[STK_AUTH_SERVICE_MAX_OCTETS];	/* coded text */
};

/*
 * Set the ticket: 4..10 characters of 0-9 A-Z.  STK_E_TOO_LONG /
 * STK_E_INVALID (too short or a foreign character); r unchanged then.
 */
int stk_auth_request_set_ticket(struct stk_auth_request *r,
    const char *ticket, size_t len);

/*
 * Set the service name from UTF-8: GSM 7-bit (unpacked) when every
 * character is in the default alphabet or its extension table, UCS-2
 * otherwise (TS 23.038 §6.2.1, §6.2.3).  Empty text is STK_E_INVALID;
 * more than 52 septets / 26 UCS-2 characters is STK_E_TOO_LONG; a
 * character outside the BMP STK_E_CHARSET; malformed UTF-8 STK_E_INVALID.
 * r unchanged on failure.
 */
int stk_auth_request_set_service(struct stk_auth_request *r,
    const char *utf8, size_t len);

/* The service name as UTF-8, appended to out. */
int stk_auth_request_service_utf8(const struct stk_auth_request *r,
    struct stk_buf *out);

/*
 * Append the wire form of r (PROTOCOL.md §3).  STK_E_INVALID /
 * STK_E_TOO_LONG when a field breaks the rules the decoder enforces;
 * STK_E_NOSPACE / STK_E_NOMEM when out cannot take it.  Nothing is
 * appended on failure.
 */
int stk_auth_request_encode(const struct stk_auth_request *r,
    struct stk_buf *out);

/*
 * Decode exactly len octets into *r.  On failure *r is undefined and diag
 * (may be NULL) names the field ("VERSION", "MSG-TYPE", "FLAGS",
 * "SESSION-ID", "NONCE", "LIFETIME", "EXPIRY", "TICKET-LEN", "TICKET",
 * "SERVICE-CODING", "SERVICE-LEN", "SERVICE", "REQUEST") and offset.
 */
int stk_auth_request_decode(const uint8_t *p, size_t len,
    struct stk_auth_request *r, struct stk_diag *diag);

/*
 * Decode from a cursor that holds exactly one request (a sub-cursor of a
 * larger PDU keeps absolute offsets in the diagnostics); consumes it all.
 */
int stk_auth_request_decode_cur(struct stk_cur *c,
    struct stk_auth_request *r, struct stk_diag *diag);

/*
 * Applet-side freshness (PROTOCOL.md §5).  The card has no clock: it takes
 * the SCTS of the SMS-DELIVER that carried the request and the ME's time
 * (PROVIDE LOCAL INFORMATION, date/time, TS 102 223 §6.4.15), both as Unix
 * seconds UTC.  STK_E_EXPIRED when now > scts + lifetime, or when now is
 * more than STK_AUTH_CLOCK_SKEW seconds before the SCTS (an ME clock that
 * far off cannot judge anything: refuse rather than accept).
 */
#define STK_AUTH_CLOCK_SKEW 300
int stk_auth_request_check_fresh(const struct stk_auth_request *r,
    int64_t scts_utc, int64_t now_utc);

/* Server-side: STK_E_EXPIRED when now_utc > r->expiry_utc. */
int stk_auth_request_check_expiry(const struct stk_auth_request *r,
    int64_t now_utc);

/*
 * "Session not seen before": the applet's replay memory, a ring of the
 * last STK_AUTH_SEEN_MAX session identifiers (the card persists it).
 * stk_auth_seen_check_and_add() returns STK_E_REPLAY when the identifier is
 * in the ring, otherwise records it (evicting the oldest) and returns 0.
 */
#define STK_AUTH_SEEN_MAX 16
struct stk_auth_seen {
	uint8_t ids[STK_AUTH_SEEN_MAX][STK_AUTH_SESSION_ID_LEN];
	unsigned count;	/* valid entries, <= STK_AUTH_SEEN_MAX */
	unsigned next;	/* slot written next */
};
void stk_auth_seen_init(struct stk_auth_seen *s);
int stk_auth_seen_check_and_add(struct stk_auth_seen *s,
    const uint8_t id[STK_AUTH_SESSION_ID_LEN]);

/* ---- the auth response --------------------------------------------- */

/*
 * Rules (enforced by encoder and decoder):
 *   decision CONFIRMED: password of exactly 8 digits, a signature
 *                       (sig_alg != NONE, sig_len > 0);
 *   any other decision: no password; a signature is optional (PIN
 *                       blocked or a card error may leave the key
 *                       unusable), and an unsigned negative response is
 *                       advisory only.
 *   sig_alg NONE <=> sig_len == 0; ECDSA P-256 => sig_len == 64;
 *   RSA => 64 <= sig_len <= 512.
 */
struct stk_auth_response {
	uint8_t decision;	/* enum stk_auth_decision */
	uint8_t session_id[STK_AUTH_SESSION_ID_LEN];
	uint8_t iccid[STK_AUTH_ICCID_LEN];	/* as stored in EF_ICCID */
	uint8_t password_len;	/* 0 or STK_AUTH_PASSWORD_DIGITS */
	char password[STK_AUTH_PASSWORD_DIGITS + 1];	/* NUL-terminated */
	uint8_t sig_alg;	/* enum stk_auth_sig_alg */
	uint16_t sig_len;
	uint8_t sig[STK_AUTH_SIG_MAX];
};

/* Append the wire form (PROTOCOL.md §4); same failure rules as requests. */
int stk_auth_response_encode(const struct stk_auth_response *r,
    struct stk_buf *out);

/*
 * Decode exactly len octets.  diag fields: "VERSION", "MSG-TYPE",
 * "DECISION", "SESSION-ID", "ICCID", "PASSWORD-LEN", "PASSWORD",
 * "SIG-ALG", "SIG-LEN", "SIGNATURE", "RESPONSE".
 */
int stk_auth_response_decode(const uint8_t *p, size_t len,
    struct stk_auth_response *r, struct stk_diag *diag);
int stk_auth_response_decode_cur(struct stk_cur *c,
    struct stk_auth_response *r, struct stk_diag *diag);

/* ---- the data to be signed (PROTOCOL.md §7) ------------------------ */

#define STK_AUTH_DTBS_LABEL	"stkauth-v1-auth-response"
/* Largest DTBS: label 24 + 1 + 1 + 8 + 16 + 1 + 10 + 2 + 52 + 10 + 1 + 1 + 8 */
#define STK_AUTH_DTBS_MAX_LEN	135

/*
 * Append the data to be signed (the applet signs it, authsig.h) for the
 * request as the applet received it and the response fields (decision,
 * ICCID, password, sig_alg; the signature itself is not part of it):
 *   "stkauth-v1-auth-response" || VERSION || SIG-ALG || SESSION-ID ||
 *   NONCE || TICKET-LEN || TICKET || SERVICE-CODING || SERVICE-LEN ||
 *   SERVICE || ICCID || DECISION || PASSWORD-LEN || PASSWORD
 * Every variable field is length-prefixed, so no two distinct inputs give
 * the same DTBS.  STK_E_INCONSISTENT when the response's session
 * identifier is not the request's; STK_E_INVALID when a field breaks the
 * message rules.  Nothing is appended on failure.
 */
int stk_auth_dtbs(const struct stk_auth_request *req,
    const struct stk_auth_response *resp, struct stk_buf *out);

/* ---- names ----------------------------------------------------------- */

/* "confirmed", ...; NULL for a value outside the table. */
const char *stk_auth_decision_name(unsigned decision);
/* The Mobile-ID style result code (DESIGN.md §5): "OK", "USER_REFUSED",
 * "PIN_BLOCKED", "TIMEOUT", "SIM_ERROR"; NULL outside the table. */
const char *stk_auth_decision_result(unsigned decision);
/* "rsa-pkcs1-v1_5-sha256", ...; NULL outside the table. */
const char *stk_auth_sig_alg_name(unsigned alg);
/* "gsm7-unpacked", "ucs2"; NULL for other codings. */
const char *stk_auth_text_coding_name(unsigned coding);
/* Value for a name (as above); STK_E_NOT_FOUND when unknown. */
int stk_auth_decision_from_name(const char *name, uint8_t *decision);
int stk_auth_sig_alg_from_name(const char *name, uint8_t *alg);

#endif
