/*
 * applet.c - the STK authentication applet (docs/PROTOCOL.md): one auth
 * request at a time, driven by the proactive commands it sends and the
 * TERMINAL RESPONSEs it gets back.
 *
 *   request --> accepted (CARD_APP_READY) until the toolkit is free: a
 *               PoR sent by SMS-SUBMIT goes first (ota_layer.c)
 *           --> [PROVIDE LOCAL INFORMATION date/time: freshness, §5]
 *           --> SELECT ITEM "Confirm" / "Reject"   (or DISPLAY TEXT that
 *               the user clears to confirm, when the terminal has no
 *               SELECT ITEM, TS 102 223 §5.2)
 *           --> [GET INPUT, hidden digits: the applet PIN, 3 tries]
 *           --> auth response (decision, password, RSA signature), sent
 *               as a card-originated command packet in SMS-SUBMITs
 *               (ota_send_packet, SEND SHORT MESSAGE one by one).
 *
 * Terminal results (TS 102 223 §8.12): 10 "terminated by user" and 11
 * "backward move" reject; 12 "no response from user" is the handset
 * timeout; any other failure is a card-side error.  Every outcome is
 * answered, signed whenever the card has a key pair.
 *
 * The RSA signature is computed inside the APDU handler (the TERMINAL
 * RESPONSE that completes the dialogue): tens of milliseconds, acceptable
 * for a card, which answers one APDU at a time anyway.
 *
 * Nothing secret is logged: no PIN, ticket, password or key.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "authmsg.h"
#include "authsig.h"
#include "bytes.h"
#include "card.h"
#include "cat.h"
#include "err.h"
#include "log.h"
#include "sms_time.h"

/* The card data mirrors lib's replay ring and identifiers. */
_Static_assert(CARD_SEEN_MAX == STK_AUTH_SEEN_MAX, "seen ring size");
_Static_assert(CARD_SESSION_ID_LEN == STK_AUTH_SESSION_ID_LEN,
    "session id length");

/* Items of the confirmation menu (TS 102 223 §8.9, §8.10). */
#define ITEM_CONFIRM 0x01
#define ITEM_REJECT  0x02

/* PROVIDE LOCAL INFORMATION qualifier: date, time and time zone
 * (TS 102 223 §8.6, §6.4.15). */
#define PLI_DATE_TIME 0x03

static bool
tp_has_pli_datetime(const struct card *c)
{
	return c->tk.tp_seen &&
	    c->tk.tp_len >= CARD_TP_PLI_DATETIME_BYTE &&
	    (c->tk.tp[CARD_TP_PLI_DATETIME_BYTE - 1] &
	    CARD_TP_PLI_DATETIME_MASK) != 0;
}

/* The request's service name as UTF-8 (NUL-terminated) into out. */
static int
service_text(const struct stk_auth_request *req, char *out, size_t outsz)
{
	struct stk_buf b;
	int r;

	stk_buf_init_fixed(&b, (uint8_t *)out, outsz);
	if ((r = stk_auth_request_service_utf8(req, &b)) != STK_OK ||
	    !stk_buf_add_u8(&b, 0))
		return r != STK_OK ? r : STK_E_NOSPACE;
	return STK_OK;
}

/* Encode p and make it the pending command. */
static int
send_command(struct card *c, const struct stk_cat_proactive *p)
{
	struct stk_buf b;
	int r;

	stk_buf_init(&b);
	if ((r = stk_cat_proactive_encode(p, &b)) == STK_OK)
		r = tk_set_command(c, stk_buf_data(&b), stk_buf_len(&b));
	stk_buf_free(&b);
	return r;
}

/* ---- the response ------------------------------------------------------- */

/* The private key from the card data, NULL when there is none. */
static EVP_PKEY *
load_key(const struct card_data *d)
{
	const unsigned char *p = d->rsa;

	if (d->rsa_len == 0)
		return NULL;
	return d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, (long)d->rsa_len);
}

/*
 * Build, sign, secure and queue the auth response for the request in
 * progress, then end it.  A confirmation the card cannot back (no K_auth,
 * no key pair) becomes "error".
 */
static void
finish(struct card *c, uint8_t decision)
{
	struct stk_auth_response *resp = NULL;
	struct stk_buf b;
	EVP_PKEY *key = NULL;
	int r;

	stk_buf_init(&b);
	if ((resp = calloc(1, sizeof(*resp))) == NULL) {
		r = STK_E_NOMEM;
		goto out;
	}
	key = load_key(&c->d);
	if (decision == STK_AUTH_CONFIRMED &&
	    (c->d.kauth_len == 0 || key == NULL)) {
		log_error("auth: cannot confirm without %s; answering error",
		    key == NULL ? "a key pair" : "K_auth");
		decision = STK_AUTH_ERROR;
	}
	resp->decision = decision;
	memcpy(resp->session_id, c->tk.req.session_id,
	    STK_AUTH_SESSION_ID_LEN);
	memcpy(resp->iccid, c->d.ef[CARD_EF_ICCID], STK_AUTH_ICCID_LEN);
	if (decision == STK_AUTH_CONFIRMED) {
		if ((r = stk_auth_password_derive(c->d.kauth, c->d.kauth_len,
		    &c->tk.req, resp->password)) != STK_OK)
			goto out;
		resp->password_len = STK_AUTH_PASSWORD_DIGITS;
	}
	resp->sig_alg = STK_AUTH_SIG_NONE;
	if (key != NULL) {
		resp->sig_alg = STK_AUTH_SIG_RSA_PKCS1;
		if ((r = stk_auth_sign(&c->tk.req, resp, key)) != STK_OK)
			goto out;
	}
	if ((r = stk_auth_response_encode(resp, &b)) != STK_OK)
		goto out;
	r = ota_send_packet(c, c->tk.kic, c->tk.kid, stk_buf_data(&b),
	    stk_buf_len(&b));
out:
	if (r == STK_OK)
		log_info("auth: answered %s (%s)",
		    stk_auth_decision_name(decision),
		    resp->sig_alg != STK_AUTH_SIG_NONE ? "signed" : "unsigned");
	else
		log_error("auth: no response sent: %s", stk_strerror(r));
	EVP_PKEY_free(key);
	if (resp != NULL) {
		explicit_bzero(resp, sizeof(*resp));
		free(resp);
	}
	stk_buf_free(&b);
	explicit_bzero(&c->tk.req, sizeof(c->tk.req));
	c->tk.app_state = CARD_APP_IDLE;
}

/* ---- the dialogue ------------------------------------------------------- */

/*
 * The pop-up: SELECT ITEM (TS 102 223 §6.4.9) titled with the service
 * name and the ticket, items Confirm / Reject; without SELECT ITEM a
 * DISPLAY TEXT (§6.4.1) that waits for the user (OK confirms, back or
 * end rejects); without either, "error".
 */
static void
present(struct card *c)
{
	struct stk_cat_proactive *p = NULL;
	char svc[STK_CAT_TEXT_MAX], msg[STK_CAT_TEXT_MAX];
	int r, n;

	if ((r = service_text(&c->tk.req, svc, sizeof(svc))) != STK_OK)
		goto fail;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		r = STK_E_NOMEM;
		goto fail;
	}
	if (tk_has(c, STK_TP_SELECT_ITEM)) {
		n = snprintf(msg, sizeof(msg), "%s\nTicket: %s", svc,
		    c->tk.req.ticket);
		stk_cat_proactive_init(p, tk_next_number(c),
		    STK_CAT_CMD_SELECT_ITEM, 0x00);
		if (n < 0 || (r = stk_cat_text_set(&p->alpha, msg, (size_t)n,
		    STK_CAT_CODING_AUTO)) != STK_OK)
			goto fail;
		p->nitems = 2;
		p->items[0].id = ITEM_CONFIRM;
		p->items[1].id = ITEM_REJECT;
		if ((r = stk_cat_text_set(&p->items[0].text, "Confirm", 7,
		    STK_CAT_ALPHA_GSM)) != STK_OK ||
		    (r = stk_cat_text_set(&p->items[1].text, "Reject", 6,
		    STK_CAT_ALPHA_GSM)) != STK_OK)
			goto fail;
	} else if (tk_has(c, STK_TP_DISPLAY_TEXT)) {
		n = snprintf(msg, sizeof(msg), "%s\nTicket: %s\nOK: confirm, "
		    "back: reject", svc, c->tk.req.ticket);
		stk_cat_proactive_init(p, tk_next_number(c),
		    STK_CAT_CMD_DISPLAY_TEXT,
		    STK_CAT_DT_HIGH_PRIORITY | STK_CAT_DT_WAIT_FOR_USER);
		if (n < 0 || (r = stk_cat_text_set(&p->text, msg, (size_t)n,
		    STK_CAT_CODING_AUTO)) != STK_OK)
			goto fail;
	} else {
		log_warn("auth: terminal has neither SELECT ITEM nor DISPLAY "
		    "TEXT");
		free(p);
		finish(c, STK_AUTH_ERROR);
		return;
	}
	if ((r = send_command(c, p)) != STK_OK)
		goto fail;
	free(p);
	c->tk.app_state = CARD_APP_WAIT_DECISION;
	return;
fail:
	log_error("auth: pop-up failed: %s", stk_strerror(r));
	free(p);
	finish(c, STK_AUTH_ERROR);
}

/* GET INPUT (TS 102 223 §6.4.3): hidden digits, 4..8, for the PIN. */
static void
ask_pin(struct card *c, bool retry)
{
	struct stk_cat_proactive *p = NULL;
	char svc[STK_CAT_TEXT_MAX], msg[STK_CAT_TEXT_MAX];
	int r, n;

	if ((r = service_text(&c->tk.req, svc, sizeof(svc))) != STK_OK)
		goto fail;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		r = STK_E_NOMEM;
		goto fail;
	}
	if (retry)
		n = snprintf(msg, sizeof(msg), "Wrong PIN, %u tries left.\n"
		    "PIN for %s", c->d.apin_tries, svc);
	else
		n = snprintf(msg, sizeof(msg), "PIN for %s", svc);
	stk_cat_proactive_init(p, tk_next_number(c), STK_CAT_CMD_GET_INPUT,
	    STK_CAT_GI_HIDDEN);
	if (n < 0 || (r = stk_cat_text_set(&p->text, msg, (size_t)n,
	    STK_CAT_CODING_AUTO)) != STK_OK)
		goto fail;
	p->has_response_length = true;
	p->resp_min = 4;
	p->resp_max = CARD_PIN_LEN;
	if ((r = send_command(c, p)) != STK_OK)
		goto fail;
	free(p);
	c->tk.app_state = CARD_APP_WAIT_PIN;
	return;
fail:
	log_error("auth: PIN entry failed: %s", stk_strerror(r));
	free(p);
	finish(c, STK_AUTH_ERROR);
}

/* After "confirm": the PIN when the request wants one, else done. */
static void
confirmed(struct card *c)
{
	if (!c->tk.req.pin_required) {
		finish(c, STK_AUTH_CONFIRMED);
		return;
	}
	if (c->d.apin_tries == 0) {
		finish(c, STK_AUTH_PIN_BLOCKED);
		return;
	}
	if (!tk_has(c, STK_TP_GET_INPUT)) {
		log_warn("auth: PIN required but the terminal has no GET "
		    "INPUT");
		finish(c, STK_AUTH_ERROR);
		return;
	}
	ask_pin(c, false);
}

/* PROVIDE LOCAL INFORMATION, date, time and time zone (TS 102 223
 * §6.6.15): D0 09 | 81 03 nn 26 03 | 82 02 81 82. */
static int
ask_time(struct card *c)
{
	uint8_t cmd[11] = {
		STK_CAT_BER_PROACTIVE, 0x09,
		STK_CAT_CR | STK_CAT_TAG_COMMAND_DETAILS, 0x03, 0x00,
		STK_CAT_CMD_PROVIDE_LOCAL_INFO, PLI_DATE_TIME,
		STK_CAT_CR | STK_CAT_TAG_DEVICE_IDENTITIES, 0x02,
		STK_CAT_DEV_UICC, STK_CAT_DEV_TERMINAL,
	};

	cmd[4] = tk_next_number(c);
	return tk_set_command(c, cmd, sizeof(cmd));
}

/* The seen-session ring (PROTOCOL.md §5) over the card data. */
static int
seen_check_and_add(struct card_data *d, const uint8_t *id)
{
	struct stk_auth_seen s;
	unsigned first;
	int r;

	stk_auth_seen_init(&s);
	for (unsigned i = 0; i < d->nseen && i < CARD_SEEN_MAX; i++)
		memcpy(s.ids[i], d->seen[i], CARD_SESSION_ID_LEN);
	s.count = d->nseen;
	s.next = d->nseen % STK_AUTH_SEEN_MAX;
	if ((r = stk_auth_seen_check_and_add(&s, id)) != STK_OK)
		return r;
	/* Back into the file's order, oldest first. */
	first = s.count < STK_AUTH_SEEN_MAX ? 0 : s.next;
	for (unsigned i = 0; i < s.count; i++)
		memcpy(d->seen[i], s.ids[(first + i) % STK_AUTH_SEEN_MAX],
		    CARD_SESSION_ID_LEN);
	d->nseen = (uint8_t)s.count;
	return STK_OK;
}

int
applet_request(struct card *c, const uint8_t *data, size_t len,
    int64_t scts, uint8_t kic, uint8_t kid)
{
	struct stk_diag diag;
	int r;

	stk_diag_clear(&diag);
	if (c->tk.app_state != CARD_APP_IDLE)
		return STK_E_STATE;
	if ((r = stk_auth_request_decode(data, len, &c->tk.req, &diag)) !=
	    STK_OK) {
		log_warn("auth: request rejected: %s at offset %zu: %s",
		    diag.field, diag.offset, stk_strerror(r));
		explicit_bzero(&c->tk.req, sizeof(c->tk.req));
		return r;
	}
	if ((r = seen_check_and_add(&c->d, c->tk.req.session_id)) != STK_OK) {
		log_warn("auth: session seen before: request dropped");
		explicit_bzero(&c->tk.req, sizeof(c->tk.req));
		return r;
	}
	if ((r = card_persist(c)) != STK_OK) {
		log_error("auth: cannot store the session id: dropped");
		explicit_bzero(&c->tk.req, sizeof(c->tk.req));
		return r;
	}
	if (!tk_has(c, STK_TP_SEND_SHORT_MESSAGE)) {
		/* No way to answer: do not bother the user. */
		log_warn("auth: terminal cannot SEND SHORT MESSAGE: dropped");
		explicit_bzero(&c->tk.req, sizeof(c->tk.req));
		return STK_E_UNSUPPORTED;
	}
	c->tk.scts = scts;
	c->tk.kic = kic;
	c->tk.kid = kid;
	log_info("auth: request for a session, PIN %s",
	    c->tk.req.pin_required ? "required" : "not required");
	/* The dialogue waits for the toolkit: a PoR the SPI wants by
	 * SMS-SUBMIT is queued after this and goes first (tk_kick). */
	c->tk.app_state = CARD_APP_READY;
	return STK_OK;
}

void
applet_start(struct card *c)
{
	int r;

	if (c->tk.app_state != CARD_APP_READY)
		return;
	if (tp_has_pli_datetime(c)) {
		if ((r = ask_time(c)) == STK_OK) {
			c->tk.app_state = CARD_APP_WAIT_TIME;
			return;
		}
		log_warn("auth: PROVIDE LOCAL INFORMATION: %s",
		    stk_strerror(r));
	}
	present(c);
}

/* The date-time object (tag 26, TS 102 223 §8.39: SCTS coding) of a
 * PROVIDE LOCAL INFORMATION response, as Unix seconds. */
static int
tr_time(const struct stk_cat_terminal_response *tr, int64_t *now)
{
	struct stk_sms_time t;
	struct stk_cur cur;

	for (size_t i = 0; i < tr->nobjs; i++) {
		if (tr->objs[i].tag != STK_CAT_TAG_DATE_TIME_TZ)
			continue;
		stk_cur_init(&cur, tr->objs[i].value, tr->objs[i].len);
		if (tr->objs[i].len != STK_SCTS_LEN ||
		    stk_scts_decode(&cur, &t, "date-time and time zone",
		    NULL) != STK_OK)
			return STK_E_INVALID;
		*now = stk_sms_time_to_unix(&t);
		return STK_OK;
	}
	return STK_E_NOT_FOUND;
}

/* A user-driven command ended without a choice: map the result. */
static uint8_t
no_choice(uint8_t result)
{
	switch (result) {
	case STK_CAT_RES_TERMINATED_BY_USER:
	case STK_CAT_RES_BACKWARD_MOVE:
		return STK_AUTH_REJECTED;
	case STK_CAT_RES_NO_RESPONSE:
		return STK_AUTH_TIMEOUT;
	default:
		return STK_AUTH_ERROR;
	}
}

/* TS 102 223 §8.12: general results 0X mean "performed". */
static bool
performed(uint8_t result)
{
	return result <= 0x0f;
}

static void
on_decision(struct card *c, const struct stk_cat_terminal_response *tr)
{
	if (!performed(tr->result)) {
		finish(c, no_choice(tr->result));
		return;
	}
	if (tr->cmd.type == STK_CAT_CMD_DISPLAY_TEXT) {
		confirmed(c);
		return;
	}
	if (!tr->has_item_id) {
		finish(c, STK_AUTH_ERROR);
		return;
	}
	if (tr->item_id == ITEM_CONFIRM)
		confirmed(c);
	else if (tr->item_id == ITEM_REJECT)
		finish(c, STK_AUTH_REJECTED);
	else
		finish(c, STK_AUTH_ERROR);
}

static void
on_pin(struct card *c, const struct stk_cat_terminal_response *tr)
{
	uint8_t blk[CARD_PIN_LEN];
	bool good;

	if (!performed(tr->result)) {
		finish(c, no_choice(tr->result));
		return;
	}
	/* Any text that is no well-formed PIN is a wrong PIN. */
	good = tr->text.present &&
	    pin_from_text(tr->text.utf8, false, blk) == STK_OK &&
	    stk_ct_equal(blk, c->d.apin, CARD_PIN_LEN) == 1;
	explicit_bzero(blk, sizeof(blk));
	if (good) {
		if (c->d.apin_tries != CARD_APIN_TRIES_MAX) {
			c->d.apin_tries = CARD_APIN_TRIES_MAX;
			if (card_persist(c) != STK_OK) {
				finish(c, STK_AUTH_ERROR);
				return;
			}
		}
		finish(c, STK_AUTH_CONFIRMED);
		return;
	}
	if (c->d.apin_tries > 0)
		c->d.apin_tries--;
	/* The counter is stored before anything else happens. */
	if (card_persist(c) != STK_OK) {
		finish(c, STK_AUTH_ERROR);
		return;
	}
	log_info("auth: wrong PIN, %u tries left", c->d.apin_tries);
	if (c->d.apin_tries == 0)
		finish(c, STK_AUTH_PIN_BLOCKED);
	else
		ask_pin(c, true);
}

int
applet_terminal_response(struct card *c,
    const struct stk_cat_terminal_response *tr)
{
	int64_t now;

	switch (c->tk.app_state) {
	case CARD_APP_WAIT_TIME:
		if (performed(tr->result) && tr_time(tr, &now) == STK_OK) {
			if (stk_auth_request_check_fresh(&c->tk.req, c->tk.scts,
			    now) != STK_OK) {
				log_info("auth: request expired on arrival");
				finish(c, STK_AUTH_TIMEOUT);
				return STK_OK;
			}
		} else {
			/* No usable time from the ME: the server's EXPIRY
			 * check still holds (PROTOCOL.md §5). */
			log_debug("auth: no time from the terminal");
		}
		present(c);
		return STK_OK;
	case CARD_APP_WAIT_DECISION:
		on_decision(c, tr);
		return STK_OK;
	case CARD_APP_WAIT_PIN:
		on_pin(c, tr);
		return STK_OK;
	default:
		log_debug("TERMINAL RESPONSE with no applet dialogue");
		return STK_OK;
	}
}
