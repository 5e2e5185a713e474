/*
 * perso.c - personalisation of the card (docs/SIM.md "Personalisation"):
 * an admin session opened by challenge-response (GET CHALLENGE, ISO/IEC
 * 7816-4 §7.5.3; EXTERNAL AUTHENTICATE, §7.5.4) with a 16-octet AES key
 * set at card creation, and proprietary commands (CLA 80) that generate
 * the RSA key pair on the card, load OTA key sets and K_auth, set the
 * service number and the applet PIN / PUK.  READ PUBLIC KEY and READ
 * ICCID need no session.  The private key never leaves the card; no key
 * is ever logged.
 *
 * The admin key itself never travels: EXTERNAL AUTHENTICATE carries
 * AES-CMAC(admin key, "stkauth-admin-v1" || challenge || EF ICCID), the
 * challenge is single use and the session ends with the next reset.  The
 * data of the load commands (OTA keys, K_auth, PINs) travels in clear over
 * the reader link: personalise in a trusted place (docs/SIM.md).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "bytes.h"
#include "card.h"
#include "err.h"
#include "log.h"
#include "ota.h"
#include "ota_crypto.h"
#include "sms_addr.h"
#include "sw.h"

/* EXTERNAL AUTHENTICATE failed (ISO/IEC 7816-4 §5.6, table 6: 6300
 * "authentication failed" as GlobalPlatform uses it). */
#define CARD_SW_AUTH_FAILED 0x6300

#define CHALLENGE_LEN 16
#define RSA_BITS 2048

int
perso_cryptogram(const uint8_t key[CARD_ADMIN_KEY_LEN],
    const uint8_t challenge[16], const uint8_t iccid[10], uint8_t out[16])
{
	uint8_t msg[sizeof(CARD_ADMIN_LABEL) - 1 + CHALLENGE_LEN + 10];
	struct stk_ota_key k;
	int r;

	memset(&k, 0, sizeof(k));
	k.len = CARD_ADMIN_KEY_LEN;
	memcpy(k.key, key, CARD_ADMIN_KEY_LEN);
	memcpy(msg, CARD_ADMIN_LABEL, sizeof(CARD_ADMIN_LABEL) - 1);
	memcpy(msg + sizeof(CARD_ADMIN_LABEL) - 1, challenge, CHALLENGE_LEN);
	memcpy(msg + sizeof(CARD_ADMIN_LABEL) - 1 + CHALLENGE_LEN, iccid, 10);
	r = stk_ota_cc(STK_OTA_ALG_AES_CMAC, &k, msg, sizeof(msg), out, 16);
	explicit_bzero(&k, sizeof(k));
	return r;
}

/* Common guard: P1 P2 as given, and the admin session when needed. */
static bool
guard(const struct card *c, const struct apdu *a, bool admin, uint8_t p1,
    uint8_t p2, uint16_t *sw)
{
	if (a->p1 != p1 || a->p2 != p2) {
		*sw = STK_SW_WRONG_P1P2;
		return false;
	}
	if (admin && !c->admin) {
		*sw = STK_SW_SECURITY_NOT_SATISFIED;
		return false;
	}
	return true;
}

/* Store the card data; 6581 when that fails (the caller restores). */
static bool
persist_or_fail(struct card *c, uint16_t *sw)
{
	if (card_persist(c) == STK_OK) {
		*sw = STK_SW_OK;
		return true;
	}
	*sw = STK_SW_MEMORY_PROBLEM;
	return false;
}

/* GET CHALLENGE: 00 84 00 00 10 -> 16 random octets. */
int
perso_get_challenge(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw)
{
	if (!guard(c, a, false, 0x00, 0x00, sw))
		return STK_OK;
	if (a->ne != CHALLENGE_LEN && a->ne != 256) {
		*sw = STK_SW_WRONG_LE | CHALLENGE_LEN;
		return STK_OK;
	}
	if (RAND_bytes(c->challenge, CHALLENGE_LEN) != 1)
		return STK_E_CRYPTO;
	c->challenge_valid = true;
	c->admin = false;
	stk_buf_add_bytes(out, c->challenge, CHALLENGE_LEN);
	*sw = STK_SW_OK;
	return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
}

/* EXTERNAL AUTHENTICATE: 00 82 00 01 10 <cryptogram>.  P2 01 = the admin
 * key.  No challenge: 6985; wrong length 6700; mismatch 6300. */
int
perso_external_auth(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw)
{
	uint8_t want[16];
	int r;

	(void)out;
	if (!guard(c, a, false, 0x00, 0x01, sw))
		return STK_OK;
	if (!c->challenge_valid) {
		*sw = STK_SW_CONDITIONS_NOT_SATISFIED;
		return STK_OK;
	}
	/* The challenge is used up by any attempt. */
	c->challenge_valid = false;
	c->admin = false;
	if (stk_cur_len(&a->data) != sizeof(want)) {
		*sw = STK_SW_WRONG_LENGTH;
		return STK_OK;
	}
	if ((r = perso_cryptogram(c->d.admin_key, c->challenge,
	    c->d.ef[CARD_EF_ICCID], want)) != STK_OK)
		return r;
	explicit_bzero(c->challenge, sizeof(c->challenge));
	if (stk_ct_equal(want, stk_cur_data(&a->data), sizeof(want)) != 1) {
		log_warn("personalisation: EXTERNAL AUTHENTICATE failed");
		*sw = CARD_SW_AUTH_FAILED;
	} else {
		log_info("personalisation: admin session open");
		c->admin = true;
		*sw = STK_SW_OK;
	}
	explicit_bzero(want, sizeof(want));
	return STK_OK;
}

int
perso_public_key_der(const struct card_data *d, struct stk_buf *out)
{
	const unsigned char *p = d->rsa;
	unsigned char *der = NULL;
	EVP_PKEY *k;
	int n, r = STK_E_CRYPTO;

	if (d->rsa_len == 0)
		return STK_E_NOT_FOUND;
	if ((k = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, (long)d->rsa_len)) ==
	    NULL)
		return STK_E_CRYPTO;
	if ((n = i2d_PUBKEY(k, &der)) > 0) {
		stk_buf_add_bytes(out, der, (size_t)n);
		r = stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
	}
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	return r;
}

/*
 * GENERATE KEY PAIR: 80 D0 00 00 [02] (admin).  A new RSA-2048 key pair
 * (e = 65537) replaces the old one; the answer is the length of the
 * public key (SubjectPublicKeyInfo DER, 2 octets big-endian) to read with
 * READ PUBLIC KEY.  The private key stays in the card data (DER).
 */
int
perso_generate_key(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw)
{
	uint8_t old[CARD_RSA_DER_MAX];
	uint16_t oldlen = c->d.rsa_len;
	unsigned char *der = NULL;
	EVP_PKEY *k = NULL;
	struct stk_buf pub;
	int n = 0, r = STK_OK;

	stk_buf_init(&pub);
	if (!guard(c, a, true, 0x00, 0x00, sw))
		goto out;
	if ((k = EVP_RSA_gen(RSA_BITS)) == NULL ||
	    (n = i2d_PrivateKey(k, &der)) <= 0) {
		r = STK_E_CRYPTO;
		goto out;
	}
	if ((size_t)n > sizeof(c->d.rsa)) {
		r = STK_E_TOO_LONG;
		goto out;
	}
	memcpy(old, c->d.rsa, sizeof(old));
	memcpy(c->d.rsa, der, (size_t)n);
	c->d.rsa_len = (uint16_t)n;
	if (!persist_or_fail(c, sw)) {
		memcpy(c->d.rsa, old, sizeof(old));
		c->d.rsa_len = oldlen;
		goto out;
	}
	if ((r = perso_public_key_der(&c->d, &pub)) != STK_OK)
		goto out;
	log_info("personalisation: new RSA-%d key pair", RSA_BITS);
	stk_buf_add_u16(out, (uint16_t)stk_buf_len(&pub));
	r = stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
out:
	explicit_bzero(old, sizeof(old));
	if (der != NULL) {
		OPENSSL_cleanse(der, (size_t)n);
		OPENSSL_free(der);
	}
	EVP_PKEY_free(k);
	stk_buf_free(&pub);
	return r;
}

/*
 * READ PUBLIC KEY: 80 D2 P1 P2 Le: Le octets of the SubjectPublicKeyInfo
 * from offset P1 P2 (like READ BINARY).  Le past the end: 6Cxx with what
 * is left; offset past the end 6B00; no key pair 6A88.
 */
int
perso_read_public_key(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw)
{
	struct stk_buf pub;
	size_t off = (size_t)a->p1 << 8 | a->p2, left;
	int r = STK_OK;

	stk_buf_init(&pub);
	if ((r = perso_public_key_der(&c->d, &pub)) == STK_E_NOT_FOUND) {
		*sw = STK_SW_REF_DATA_NOT_FOUND;
		r = STK_OK;
		goto out;
	}
	if (r != STK_OK)
		goto out;
	if (off >= stk_buf_len(&pub)) {
		*sw = STK_SW_WRONG_PARAMS;
		goto out;
	}
	left = stk_buf_len(&pub) - off;
	if (a->ne > left && !(a->ne == 256 && left < 256)) {
		*sw = (uint16_t)(STK_SW_WRONG_LE | (left & 0xff));
		goto out;
	}
	stk_buf_add_bytes(out, stk_buf_data(&pub) + off,
	    a->ne < left ? a->ne : left);
	*sw = STK_SW_OK;
	r = stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
out:
	stk_buf_free(&pub);
	return r;
}

/*
 * LOAD KEY SET: 80 D4 kvn 00 Lc  LKIc KIc LKID KID  (admin).  kvn 1..15;
 * each key 0, 8, 16, 24 or 32 octets, not both absent.  The key set of
 * that version is replaced, or takes a free slot, with both counters 0
 * (TS 102 225 §5.1.1: a new key set starts its counters afresh).
 */
int
perso_load_keyset(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw)
{
	struct card_keyset ks, *slot, saved;
	struct stk_cur cur = a->data, kc, kd;

	(void)out;
	if (!guard(c, a, true, a->p1, 0x00, sw))
		return STK_OK;
	if (a->p1 == 0 || a->p1 > 15) {
		*sw = STK_SW_WRONG_P1P2;
		return STK_OK;
	}
	memset(&ks, 0, sizeof(ks));
	if (!stk_cur_u8_prefixed(&cur, &kc) ||
	    !stk_cur_u8_prefixed(&cur, &kd) || !stk_cur_empty(&cur) ||
	    stk_cur_len(&kc) > CARD_OTA_KEY_MAX ||
	    stk_cur_len(&kd) > CARD_OTA_KEY_MAX ||
	    stk_cur_len(&kc) % 8 != 0 || stk_cur_len(&kd) % 8 != 0 ||
	    (stk_cur_len(&kc) == 0 && stk_cur_len(&kd) == 0)) {
		*sw = STK_SW_WRONG_DATA;
		return STK_OK;
	}
	ks.kvn = a->p1;
	ks.kic_len = (uint8_t)stk_cur_len(&kc);
	ks.kid_len = (uint8_t)stk_cur_len(&kd);
	memcpy(ks.kic, stk_cur_data(&kc), ks.kic_len);
	memcpy(ks.kid, stk_cur_data(&kd), ks.kid_len);
	if ((slot = card_keyset_find(&c->d, ks.kvn)) == NULL)
		slot = card_keyset_find_free(&c->d);
	if (slot == NULL) {
		*sw = STK_SW_NOT_ENOUGH_MEMORY;
		explicit_bzero(&ks, sizeof(ks));
		return STK_OK;
	}
	saved = *slot;
	*slot = ks;
	if (!persist_or_fail(c, sw))
		*slot = saved;
	else
		log_info("personalisation: OTA key set %u loaded", ks.kvn);
	explicit_bzero(&ks, sizeof(ks));
	explicit_bzero(&saved, sizeof(saved));
	return STK_OK;
}

/* SET SERVICE NUMBER: 80 D6 00 00 Lc "+491710000000" (admin): "+" and
 * 1..20 digits, or digits only. */
int
perso_set_service(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw)
{
	char text[sizeof(c->d.service)], saved[sizeof(c->d.service)];
	struct stk_sms_addr addr;
	size_t n = stk_cur_len(&a->data);

	(void)out;
	if (!guard(c, a, true, 0x00, 0x00, sw))
		return STK_OK;
	if (n == 0 || n >= sizeof(text)) {
		*sw = STK_SW_WRONG_DATA;
		return STK_OK;
	}
	memcpy(text, stk_cur_data(&a->data), n);
	text[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!((text[i] >= '0' && text[i] <= '9') ||
		    (i == 0 && text[i] == '+'))) {
			*sw = STK_SW_WRONG_DATA;
			return STK_OK;
		}
	if (stk_sms_addr_from_text(text, &addr) != STK_OK ||
	    addr.ndigits == 0 || addr.ndigits > CARD_SERVICE_NUMBER_MAX) {
		*sw = STK_SW_WRONG_DATA;
		return STK_OK;
	}
	memcpy(saved, c->d.service, sizeof(saved));
	memcpy(c->d.service, text, n + 1);
	if (!persist_or_fail(c, sw))
		memcpy(c->d.service, saved, sizeof(saved));
	else
		log_info("personalisation: service number %s", text);
	return STK_OK;
}

/*
 * SET PIN: 80 D8 P1 00 [Lc digits] (admin).  P1 01 the applet PIN (4..8
 * digits), 02 the applet PUK (8 digits).  With data: new value and a full
 * try counter; without: only the counter is reset (unblock).
 */
int
perso_set_pin(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	char text[CARD_PIN_LEN + 1];
	uint8_t blk[CARD_PIN_LEN], savedblk[CARD_PIN_LEN], savedtries;
	bool puk = a->p1 == 0x02;
	uint8_t *val = puk ? c->d.apuk : c->d.apin;
	uint8_t *tries = puk ? &c->d.apuk_tries : &c->d.apin_tries;
	size_t n = stk_cur_len(&a->data);

	(void)out;
	if (!guard(c, a, true, a->p1, 0x00, sw))
		return STK_OK;
	if (a->p1 != 0x01 && a->p1 != 0x02) {
		*sw = STK_SW_WRONG_P1P2;
		return STK_OK;
	}
	memcpy(savedblk, val, CARD_PIN_LEN);
	savedtries = *tries;
	if (n > 0) {
		if (n > CARD_PIN_LEN) {
			*sw = STK_SW_WRONG_DATA;
			return STK_OK;
		}
		memcpy(text, stk_cur_data(&a->data), n);
		text[n] = '\0';
		if (pin_from_text(text, puk, blk) != STK_OK) {
			explicit_bzero(text, sizeof(text));
			*sw = STK_SW_WRONG_DATA;
			return STK_OK;
		}
		memcpy(val, blk, CARD_PIN_LEN);
	}
	*tries = puk ? CARD_APUK_TRIES_MAX : CARD_APIN_TRIES_MAX;
	if (!persist_or_fail(c, sw)) {
		memcpy(val, savedblk, CARD_PIN_LEN);
		*tries = savedtries;
	} else {
		log_info("personalisation: applet %s %s", puk ? "PUK" : "PIN",
		    n > 0 ? "set" : "counter reset");
	}
	explicit_bzero(text, sizeof(text));
	explicit_bzero(blk, sizeof(blk));
	explicit_bzero(savedblk, sizeof(savedblk));
	return STK_OK;
}

/* LOAD K_AUTH: 80 DA 00 00 Lc key (admin), 16..64 octets (PROTOCOL.md
 * §6). */
int
perso_load_kauth(struct card *c, const struct apdu *a,
    struct stk_buf *out, uint16_t *sw)
{
	uint8_t saved[CARD_KAUTH_MAX], savedlen = c->d.kauth_len;
	size_t n = stk_cur_len(&a->data);

	(void)out;
	if (!guard(c, a, true, 0x00, 0x00, sw))
		return STK_OK;
	if (n < CARD_KAUTH_MIN || n > CARD_KAUTH_MAX) {
		*sw = STK_SW_WRONG_DATA;
		return STK_OK;
	}
	memcpy(saved, c->d.kauth, sizeof(saved));
	memset(c->d.kauth, 0, sizeof(c->d.kauth));
	memcpy(c->d.kauth, stk_cur_data(&a->data), n);
	c->d.kauth_len = (uint8_t)n;
	if (!persist_or_fail(c, sw)) {
		memcpy(c->d.kauth, saved, sizeof(saved));
		c->d.kauth_len = savedlen;
	} else {
		log_info("personalisation: K_auth loaded (%zu octets)", n);
	}
	explicit_bzero(saved, sizeof(saved));
	return STK_OK;
}

/* READ ICCID: 80 DC 00 00 0A -> EF ICCID as stored (TS 102 221 §13.2). */
int
perso_read_iccid(struct card *c, const struct apdu *a, struct stk_buf *out,
    uint16_t *sw)
{
	if (!guard(c, a, false, 0x00, 0x00, sw))
		return STK_OK;
	stk_buf_add_bytes(out, c->d.ef[CARD_EF_ICCID], 10);
	*sw = STK_SW_OK;
	return stk_buf_ok(out) ? STK_OK : STK_E_NOSPACE;
}
