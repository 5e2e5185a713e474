/*
 * card.c - the host side of the card's personalisation (docs/SIM.md,
 * "Personalisation"): READ ICCID, the admin session (GET CHALLENGE, ISO/IEC
 * 7816-4 §7.5.3; EXTERNAL AUTHENTICATE §7.5.4 with the AES-CMAC cryptogram
 * of NIST SP 800-38B), GENERATE KEY PAIR + READ PUBLIC KEY, LOAD KEY SET,
 * SET SERVICE NUMBER, SET PIN, LOAD K_AUTH.
 *
 * APDUs go through the phone simulator's exchange (phone_card_cmd: the T=0
 * procedure of ISO/IEC 7816-3 §10.3.4, 61xx / 6Cxx) over admin_pcsc.  The
 * commands are described once, in the table below.  No key, PIN or K_auth
 * is ever printed; the buffers that held them are wiped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "admin.h"
#include "card.h"		/* CARD_ADMIN_LABEL, the card's limits */
#include "err.h"
#include "ota.h"
#include "ota_crypto.h"
#include "phone.h"
#include "sw.h"

struct admin_card {
	struct admin_pcsc *pcsc;
	struct phone_card pc;
	uint8_t ef_iccid[10];
};

/* The personalisation commands (docs/SIM.md, table "APDU / command"). */
enum perso_cmd {
	P_GET_CHALLENGE,
	P_EXTERNAL_AUTH,
	P_GENERATE_KEY,
	P_READ_PUBLIC_KEY,
	P_LOAD_KEY_SET,
	P_SET_SERVICE,
	P_SET_PIN,
	P_LOAD_KAUTH,
	P_READ_ICCID,
};

static const struct {
	const char *name;
	uint8_t cla, ins;
	enum phone_case cs;
} perso[] = {
	[P_GET_CHALLENGE] = { "GET CHALLENGE", 0x00, 0x84, PHONE_CASE2 },
	[P_EXTERNAL_AUTH] = { "EXTERNAL AUTHENTICATE", 0x00, 0x82,
	    PHONE_CASE3 },
	[P_GENERATE_KEY] = { "GENERATE KEY PAIR", 0x80, 0xd0, PHONE_CASE2 },
	[P_READ_PUBLIC_KEY] = { "READ PUBLIC KEY", 0x80, 0xd2, PHONE_CASE2 },
	[P_LOAD_KEY_SET] = { "LOAD KEY SET", 0x80, 0xd4, PHONE_CASE3 },
	[P_SET_SERVICE] = { "SET SERVICE NUMBER", 0x80, 0xd6, PHONE_CASE3 },
	[P_SET_PIN] = { "SET PIN", 0x80, 0xd8, PHONE_CASE3 },
	[P_LOAD_KAUTH] = { "LOAD K_AUTH", 0x80, 0xda, PHONE_CASE3 },
	[P_READ_ICCID] = { "READ ICCID", 0x80, 0xdc, PHONE_CASE2 },
};

#define CHALLENGE_LEN	16
#define SPKI_MAX	1024	/* SubjectPublicKeyInfo of RSA-4096 fits */

/*
 * One personalisation command; STK_OK only for 9000.  Another status
 * word is STK_E_STATE with "NAME: SW (meaning)" in err; a transport
 * failure STK_E_IO.  The response data (r) is wiped by the caller when
 * it is secret (nothing secret ever comes back).
 */
static int
run(struct admin_card *c, enum perso_cmd cmd, uint8_t p1, uint8_t p2,
    const uint8_t *data, size_t n, unsigned le, struct phone_rapdu *r,
    char *err, size_t errsz)
{
	char swd[96];
	int rc;

	rc = phone_card_cmd(&c->pc, perso[cmd].cla, perso[cmd].ins, p1, p2,
	    data, n, perso[cmd].cs, le, r);
	if (rc != STK_OK) {
		snprintf(err, errsz, "%s: the reader or card failed (%s)",
		    perso[cmd].name, stk_strerror(rc));
		return STK_E_IO;
	}
	if (r->sw != STK_SW_OK) {
		snprintf(err, errsz, "%s: card answered %s", perso[cmd].name,
		    stk_sw_describe(r->sw, swd, sizeof(swd)));
		return STK_E_STATE;
	}
	return STK_OK;
}

int
admin_card_open(const char *reader, struct admin_card **out, char *err,
    size_t errsz)
{
	struct admin_card *c;
	int rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return STK_E_NOMEM;
	if ((rc = admin_pcsc_open(reader, &c->pcsc, err, errsz)) != STK_OK) {
		free(c);
		return rc;
	}
	c->pc.xmit = admin_pcsc_xmit;
	c->pc.ctx = c->pcsc;
	c->pc.t1 = admin_pcsc_t1(c->pcsc);
	*out = c;
	return STK_OK;
}

void
admin_card_close(struct admin_card *c)
{
	if (c == NULL)
		return;
	admin_pcsc_close(c->pcsc);
	free(c);
}

int
admin_card_iccid(struct admin_card *c, char iccid[21], char *err,
    size_t errsz)
{
	struct phone_rapdu r;
	int rc;

	if ((rc = run(c, P_READ_ICCID, 0, 0, NULL, 0, sizeof(c->ef_iccid), &r,
	    err, errsz)) != STK_OK)
		return rc;
	if (r.len != sizeof(c->ef_iccid) || phone_iccid_decode(r.data, r.len,
	    iccid, 21) != STK_OK || strlen(iccid) < 18) {
		snprintf(err, errsz, "READ ICCID: not an ICCID (TS 102 221 "
		    "§13.2)");
		return STK_E_INVALID;
	}
	memcpy(c->ef_iccid, r.data, sizeof(c->ef_iccid));
	return STK_OK;
}

int
admin_card_authenticate(struct admin_card *c,
    const uint8_t key[ADMIN_CARD_KEY_LEN], char *err, size_t errsz)
{
	uint8_t msg[sizeof(CARD_ADMIN_LABEL) - 1 + CHALLENGE_LEN + 10];
	uint8_t crypto[16];
	struct stk_ota_key k;
	struct phone_rapdu r;
	int rc;

	_Static_assert(ADMIN_CARD_KEY_LEN == CARD_ADMIN_KEY_LEN,
	    "admin key length");
	if ((rc = run(c, P_GET_CHALLENGE, 0, 0, NULL, 0, CHALLENGE_LEN, &r,
	    err, errsz)) != STK_OK)
		return rc;
	if (r.len != CHALLENGE_LEN) {
		snprintf(err, errsz, "GET CHALLENGE: %zu octets, expected %d",
		    r.len, CHALLENGE_LEN);
		return STK_E_INVALID;
	}
	/* AES-CMAC(admin key, "stkauth-admin-v1" || challenge || EF ICCID) */
	memset(&k, 0, sizeof(k));
	k.len = ADMIN_CARD_KEY_LEN;
	memcpy(k.key, key, ADMIN_CARD_KEY_LEN);
	memcpy(msg, CARD_ADMIN_LABEL, sizeof(CARD_ADMIN_LABEL) - 1);
	memcpy(msg + sizeof(CARD_ADMIN_LABEL) - 1, r.data, CHALLENGE_LEN);
	memcpy(msg + sizeof(CARD_ADMIN_LABEL) - 1 + CHALLENGE_LEN,
	    c->ef_iccid, sizeof(c->ef_iccid));
	rc = stk_ota_cc(STK_OTA_ALG_AES_CMAC, &k, msg, sizeof(msg), crypto,
	    sizeof(crypto));
	OPENSSL_cleanse(&k, sizeof(k));
	if (rc != STK_OK) {
		snprintf(err, errsz, "admin cryptogram: %s", stk_strerror(rc));
		return rc;
	}
	rc = run(c, P_EXTERNAL_AUTH, 0x00, 0x01, crypto, sizeof(crypto), 0,
	    &r, err, errsz);
	OPENSSL_cleanse(crypto, sizeof(crypto));
	if (rc == STK_E_STATE && r.sw == 0x6300) {
		snprintf(err, errsz, "EXTERNAL AUTHENTICATE: the card refused "
		    "the admin key (wrong [card] admin_key_file for this card)");
		return STK_E_VERIFY;
	}
	return rc;
}

int
admin_card_generate_key(struct admin_card *c, EVP_PKEY **pub, char *err,
    size_t errsz)
{
	uint8_t spki[SPKI_MAX];
	const unsigned char *p = spki;
	struct phone_rapdu r;
	size_t len, off;
	int rc;

	*pub = NULL;
	if ((rc = run(c, P_GENERATE_KEY, 0, 0, NULL, 0, 2, &r, err, errsz)) !=
	    STK_OK)
		return rc;
	if (r.len != 2 || (len = (size_t)r.data[0] << 8 | r.data[1]) == 0 ||
	    len > sizeof(spki)) {
		snprintf(err, errsz, "GENERATE KEY PAIR: bad public key length");
		return STK_E_INVALID;
	}
	/* READ PUBLIC KEY: like READ BINARY, offset in P1 P2. */
	for (off = 0; off < len; off += r.len) {
		unsigned want = len - off > 255 ? 255 : (unsigned)(len - off);

		if ((rc = run(c, P_READ_PUBLIC_KEY, (uint8_t)(off >> 8),
		    (uint8_t)off, NULL, 0, want, &r, err, errsz)) != STK_OK)
			return rc;
		if (r.len == 0 || r.len > len - off) {
			snprintf(err, errsz, "READ PUBLIC KEY: %zu octets at "
			    "offset %zu of %zu", r.len, off, len);
			return STK_E_INVALID;
		}
		memcpy(spki + off, r.data, r.len);
	}
	/* Exactly one SubjectPublicKeyInfo, an RSA key of 2048 bits or more. */
	if ((*pub = d2i_PUBKEY(NULL, &p, (long)len)) == NULL ||
	    p != spki + len || EVP_PKEY_get_base_id(*pub) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(*pub) < 2048) {
		EVP_PKEY_free(*pub);
		*pub = NULL;
		snprintf(err, errsz, "READ PUBLIC KEY: not an RSA-2048 "
		    "SubjectPublicKeyInfo");
		return STK_E_INVALID;
	}
	return STK_OK;
}

int
admin_card_load_keyset(struct admin_card *c, uint8_t kvn,
    const uint8_t *kic, size_t kic_len, const uint8_t *kid, size_t kid_len,
    char *err, size_t errsz)
{
	uint8_t data[2 + 2 * STK_OTA_KEY_MAX];
	struct phone_rapdu r;
	size_t n = 0;
	int rc;

	if (kic_len > STK_OTA_KEY_MAX || kid_len > STK_OTA_KEY_MAX)
		return STK_E_ARG;
	/* LKIc KIc LKID KID */
	data[n++] = (uint8_t)kic_len;
	memcpy(data + n, kic, kic_len);
	n += kic_len;
	data[n++] = (uint8_t)kid_len;
	memcpy(data + n, kid, kid_len);
	n += kid_len;
	rc = run(c, P_LOAD_KEY_SET, kvn, 0, data, n, 0, &r, err, errsz);
	OPENSSL_cleanse(data, sizeof(data));
	return rc;
}

int
admin_card_set_service(struct admin_card *c, const char *number, char *err,
    size_t errsz)
{
	struct phone_rapdu r;

	return run(c, P_SET_SERVICE, 0, 0, (const uint8_t *)number,
	    strlen(number), 0, &r, err, errsz);
}

int
admin_card_set_pin(struct admin_card *c, const char *pin, char *err,
    size_t errsz)
{
	struct phone_rapdu r;

	return run(c, P_SET_PIN, 0x01, 0, (const uint8_t *)pin, strlen(pin),
	    0, &r, err, errsz);
}

int
admin_card_load_kauth(struct admin_card *c, const uint8_t *k, size_t len,
    char *err, size_t errsz)
{
	struct phone_rapdu r;

	return run(c, P_LOAD_KAUTH, 0, 0, k, len, 0, &r, err, errsz);
}
