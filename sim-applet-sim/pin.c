/*
 * pin.c - PIN1 (key reference 01, "PIN Appl 1") and its unblock key PUK1:
 * VERIFY, CHANGE, DISABLE, ENABLE and UNBLOCK PIN (TS 102 221 §11.1.9 -
 * §11.1.13, PIN coding §9.5.1).  Retry counters are stored before the
 * command answers (a lost write answers 6581 and the attempt still
 * counts).  The PIN block itself never reaches the log.
 */
#include <string.h>

#include "bytes.h"
#include "card.h"
#include "err.h"
#include "log.h"
#include "sw.h"

#define KEYREF_PIN1 0x01

bool
pin_block_valid(const uint8_t b[CARD_PIN_LEN], bool puk)
{
	size_t n = 0;

	/* TS 102 221 §9.5.1: digits '0'-'9' as ASCII, 4..8 of them (PUK:
	 * 8), then 'FF' padding up to 8 bytes. */
	while (n < CARD_PIN_LEN && b[n] >= '0' && b[n] <= '9')
		n++;
	for (size_t i = n; i < CARD_PIN_LEN; i++)
		if (b[i] != 0xff)
			return false;
	return puk ? n == CARD_PIN_LEN : n >= 4;
}

int
pin_from_text(const char *text, bool puk, uint8_t out[CARD_PIN_LEN])
{
	size_t n = strlen(text);

	if (n > CARD_PIN_LEN)
		return STK_E_INVALID;
	memset(out, 0xff, CARD_PIN_LEN);
	memcpy(out, text, n);
	return pin_block_valid(out, puk) ? STK_OK : STK_E_INVALID;
}

bool
pin1_satisfied(const struct card *c)
{
	return c->pin1_verified || !c->d.pin1_enabled;
}

/* SW for "n tries left" (ISO/IEC 7816-4 §5.6: 63Cx). */
static uint16_t
retries_sw(unsigned n)
{
	return (uint16_t)(STK_SW_VERIFY_FAILED | (n & 0x0f));
}

/*
 * Present one block against a secret with its retry counter: blocked ->
 * 6983; wrong -> counter - 1, stored, 63Cx; right -> counter reset,
 * stored when it changed, 9000.  The comparison is constant time.
 */
static uint16_t
present(struct card *c, const uint8_t *given, const uint8_t *secret,
    uint8_t *tries, uint8_t max)
{
	bool ok;

	if (*tries == 0)
		return STK_SW_AUTH_METHOD_BLOCKED;
	ok = stk_ct_equal(given, secret, CARD_PIN_LEN) == 1;
	if (!ok) {
		(*tries)--;
		if (card_persist(c) != STK_OK)
			return STK_SW_MEMORY_PROBLEM;
		return retries_sw(*tries);
	}
	if (*tries != max) {
		*tries = max;
		if (card_persist(c) != STK_OK)
			return STK_SW_MEMORY_PROBLEM;
	}
	return STK_SW_OK;
}

/* Check P1 = 00 and P2 = PIN1; *sw set when not. */
static bool
params_ok(const struct apdu *a, uint16_t *sw)
{
	if (a->p1 != 0x00) {
		*sw = STK_SW_WRONG_P1P2;
		return false;
	}
	if (a->p2 != KEYREF_PIN1) {
		/* Other key references (ADM, universal PIN, local PINs)
		 * do not exist on this card (TS 102 221 §9.5.1). */
		*sw = STK_SW_REF_DATA_NOT_FOUND;
		return false;
	}
	return true;
}

/* Split the data field into n PIN blocks; 6700 / 6A80 otherwise. */
static bool
take_blocks(const struct apdu *a, const uint8_t **b1, const uint8_t **b2,
    bool first_is_puk, uint16_t *sw)
{
	struct stk_cur d = a->data;
	size_t want = b2 != NULL ? 2 * CARD_PIN_LEN : CARD_PIN_LEN;

	if (stk_cur_len(&d) != want) {
		*sw = STK_SW_WRONG_LENGTH;
		return false;
	}
	(void)stk_cur_bytes(&d, b1, CARD_PIN_LEN);
	if (b2 != NULL)
		(void)stk_cur_bytes(&d, b2, CARD_PIN_LEN);
	if (!pin_block_valid(*b1, first_is_puk) ||
	    (b2 != NULL && !pin_block_valid(*b2, false))) {
		*sw = STK_SW_WRONG_DATA;
		return false;
	}
	return true;
}

/*
 * VERIFY PIN (§11.1.9): without data, the retry counter (63Cx), 9000 when
 * already verified, 6983 when blocked; with 8 bytes, a verification
 * (6983 when blocked, 6985 when the PIN is disabled).
 */
int
pin_verify(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	const uint8_t *pin;

	(void)out;
	if (!params_ok(a, sw))
		return STK_OK;
	if (a->kase == APDU_CASE1) {
		if (c->d.pin1_tries == 0)
			*sw = STK_SW_AUTH_METHOD_BLOCKED;
		else if (c->pin1_verified)
			*sw = STK_SW_OK;
		else
			*sw = retries_sw(c->d.pin1_tries);
		return STK_OK;
	}
	if (!take_blocks(a, &pin, NULL, false, sw))
		return STK_OK;
	if (c->d.pin1_tries != 0 && !c->d.pin1_enabled) {
		/* Nothing to verify: a disabled PIN (as the Onomondo
		 * SoftSIM, an independent UICC, answers it). */
		*sw = STK_SW_CONDITIONS_NOT_SATISFIED;
		return STK_OK;
	}
	*sw = present(c, pin, c->d.pin1, &c->d.pin1_tries,
	    CARD_PIN1_TRIES_MAX);
	c->pin1_verified = *sw == STK_SW_OK;
	log_info("VERIFY PIN1: %s, %u tries left",
	    *sw == STK_SW_OK ? "verified" : "not verified", c->d.pin1_tries);
	return STK_OK;
}

/* CHANGE PIN (§11.1.10): old PIN then new PIN; a disabled PIN cannot be
 * changed (6985); a blocked one answers 6983 first. */
int
pin_change(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	const uint8_t *old, *nw;
	uint8_t save[CARD_PIN_LEN];

	(void)out;
	if (!params_ok(a, sw) || !take_blocks(a, &old, &nw, false, sw))
		return STK_OK;
	if (c->d.pin1_tries != 0 && !c->d.pin1_enabled) {
		*sw = STK_SW_CONDITIONS_NOT_SATISFIED;
		return STK_OK;
	}
	*sw = present(c, old, c->d.pin1, &c->d.pin1_tries,
	    CARD_PIN1_TRIES_MAX);
	if (*sw != STK_SW_OK) {
		c->pin1_verified = false;
		return STK_OK;
	}
	memcpy(save, c->d.pin1, CARD_PIN_LEN);
	memcpy(c->d.pin1, nw, CARD_PIN_LEN);
	if (card_persist(c) != STK_OK) {
		memcpy(c->d.pin1, save, CARD_PIN_LEN);
		*sw = STK_SW_MEMORY_PROBLEM;
		return STK_OK;
	}
	c->pin1_verified = true;
	log_info("PIN1 changed");
	return STK_OK;
}

/* DISABLE (§11.1.11) and ENABLE PIN (§11.1.12): the PIN, then the flag. */
static int
set_enabled(struct card *c, const struct apdu *a, uint16_t *sw, bool on)
{
	const uint8_t *pin;

	if (!params_ok(a, sw) || !take_blocks(a, &pin, NULL, false, sw))
		return STK_OK;
	if (c->d.pin1_enabled == on) {
		*sw = STK_SW_CONDITIONS_NOT_SATISFIED;
		return STK_OK;
	}
	*sw = present(c, pin, c->d.pin1, &c->d.pin1_tries,
	    CARD_PIN1_TRIES_MAX);
	if (*sw != STK_SW_OK) {
		c->pin1_verified = false;
		return STK_OK;
	}
	c->d.pin1_enabled = on;
	if (card_persist(c) != STK_OK) {
		c->d.pin1_enabled = !on;
		*sw = STK_SW_MEMORY_PROBLEM;
		return STK_OK;
	}
	c->pin1_verified = true;
	log_info("PIN1 %s", on ? "enabled" : "disabled");
	return STK_OK;
}

int
pin_disable(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	(void)out;
	return set_enabled(c, a, sw, false);
}

int
pin_enable(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	(void)out;
	return set_enabled(c, a, sw, true);
}

/*
 * UNBLOCK PIN (§11.1.13): without data, the PUK retry counter; with PUK
 * and a new PIN, the PIN is replaced and its counter reset.
 */
int
pin_unblock(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	const uint8_t *puk, *nw;
	uint8_t save[CARD_PIN_LEN], save_tries;

	(void)out;
	if (!params_ok(a, sw))
		return STK_OK;
	if (a->kase == APDU_CASE1) {
		*sw = c->d.puk1_tries == 0 ? STK_SW_AUTH_METHOD_BLOCKED :
		    retries_sw(c->d.puk1_tries);
		return STK_OK;
	}
	if (!take_blocks(a, &puk, &nw, true, sw))
		return STK_OK;
	*sw = present(c, puk, c->d.puk1, &c->d.puk1_tries,
	    CARD_PUK1_TRIES_MAX);
	if (*sw != STK_SW_OK) {
		log_info("UNBLOCK PIN1 refused, %u PUK tries left",
		    c->d.puk1_tries);
		return STK_OK;
	}
	memcpy(save, c->d.pin1, CARD_PIN_LEN);
	save_tries = c->d.pin1_tries;
	memcpy(c->d.pin1, nw, CARD_PIN_LEN);
	c->d.pin1_tries = CARD_PIN1_TRIES_MAX;
	if (card_persist(c) != STK_OK) {
		memcpy(c->d.pin1, save, CARD_PIN_LEN);
		c->d.pin1_tries = save_tries;
		*sw = STK_SW_MEMORY_PROBLEM;
		return STK_OK;
	}
	c->pin1_verified = true;
	log_info("PIN1 unblocked");
	return STK_OK;
}
