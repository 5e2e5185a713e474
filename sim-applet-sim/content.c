/*
 * content.c - EF contents of a new card, from command-line text, and the
 * reverse for logs and checks.
 */
#include <string.h>

#include "bytes.h"
#include "card.h"
#include "err.h"
#include "sms_addr.h"

#define ICCID_LEN 10
#define IMSI_LEN 9
/* EF ADN-format tail (TS 31.102 §4.4.2.3): length, TON/NPI, 10 BCD bytes,
 * capability/configuration id, extension id. */
#define ADN_TAIL 14
#define ADN_NUMBER 12	/* length byte + TON/NPI + 10 BCD bytes */
/* EF SMSP tail (TS 31.102 §4.2.27): indicators, TP-DA (12), TS-SCA (12),
 * TP-PID, TP-DCS, TP-VP. */
#define SMSP_TAIL 28
#define SMSP_ADDR 12

static bool
all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * EF ICCID (TS 102 221 §13.2): the ICCID of ITU-T E.118 in BCD, each byte
 * holding two digits with the first in the low nibble ("swapped"), F
 * filling after an odd count.  18..20 digits (E.118 identification
 * number including its Luhn check digit; 20 when the issuer uses it).
 */
int
content_iccid(const char *text, uint8_t out[ICCID_LEN])
{
	size_t n;

	if (!all_digits(text, 18, 20))
		return STK_E_INVALID;
	n = strlen(text);
	memset(out, 0xff, ICCID_LEN);
	for (size_t i = 0; i < n; i++) {
		uint8_t d = (uint8_t)(text[i] - '0');

		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(0xf0 | d);
		else
			out[i / 2] = (uint8_t)((out[i / 2] & 0x0f) | d << 4);
	}
	return STK_OK;
}

int
content_iccid_text(const uint8_t ef[ICCID_LEN], char out[21])
{
	size_t n = 0;
	bool end = false;

	for (size_t i = 0; i < 2 * ICCID_LEN; i++) {
		uint8_t v = (i % 2 == 0) ? (ef[i / 2] & 0x0f) : (ef[i / 2] >> 4);

		if (v == 0x0f) {
			end = true;
			continue;
		}
		if (end || v > 9)
			return STK_E_INVALID;
		out[n++] = (char)('0' + v);
	}
	out[n] = '\0';
	return n >= 18 ? STK_OK : STK_E_INVALID;
}

/*
 * EF IMSI (TS 31.102 §4.2.2, coding of TS 24.008 §10.5.1.4): byte 1 the
 * number of bytes that follow; then digit 1 in the high nibble of byte 2
 * above the parity bit (b4: 1 = odd digit count) and the type 001 (IMSI);
 * then two digits a byte, low nibble first, F filling an even count.
 * Unused bytes FF.  6..15 digits (TS 23.003 §2.2).
 */
int
content_imsi(const char *text, uint8_t out[IMSI_LEN])
{
	size_t n;

	if (!all_digits(text, 6, 15))
		return STK_E_INVALID;
	n = strlen(text);
	memset(out, 0xff, IMSI_LEN);
	out[0] = (uint8_t)((n + 2) / 2);
	out[1] = (uint8_t)((text[0] - '0') << 4 | (n % 2 ? 0x09 : 0x01));
	for (size_t i = 1; i < n; i++) {
		uint8_t d = (uint8_t)(text[i] - '0');
		size_t at = 1 + (i + 1) / 2;

		if (i % 2 == 1)
			out[at] = (uint8_t)(0xf0 | d);
		else
			out[at] = (uint8_t)((out[at] & 0x0f) | d << 4);
	}
	return STK_OK;
}

int
content_imsi_text(const uint8_t ef[IMSI_LEN], char out[16])
{
	size_t len = ef[0], n = 0, nibbles;
	bool odd;

	if (len < 4 || len > 8 || (ef[1] & 0x07) != 0x01)
		return STK_E_INVALID;
	odd = (ef[1] & 0x08) != 0;
	/* nibbles after the parity nibble: 2 * len - 1, the last one a
	 * filler F when the count is even */
	nibbles = 2 * len - 1 - (odd ? 0 : 1);
	for (size_t i = 0; i < nibbles; i++) {
		/* digit 1 above the parity nibble, then low nibble first */
		uint8_t v;

		if (i == 0)
			v = ef[1] >> 4;
		else if (i % 2 == 1)
			v = ef[1 + (i + 1) / 2] & 0x0f;
		else
			v = ef[1 + (i + 1) / 2] >> 4;
		if (v > 9)
			return STK_E_INVALID;
		out[n++] = (char)('0' + v);
	}
	if (!odd && (ef[len] >> 4) != 0x0f)
		return STK_E_INVALID;
	for (size_t i = len + 1; i < IMSI_LEN; i++)
		if (ef[i] != 0xff)
			return STK_E_INVALID;
	out[n] = '\0';
	return n >= 6 ? STK_OK : STK_E_INVALID;
}

/* Parse a dialling number ("+4912345" or "12345"), never alphanumeric. */
static int
number_addr(const char *text, struct stk_sms_addr *a)
{
	int r;

	if ((r = stk_sms_addr_from_text(text, a)) != STK_OK)
		return r;
	if (a->ton == STK_TON_ALPHANUMERIC || a->ndigits == 0)
		return STK_E_INVALID;
	return STK_OK;
}

/* Append the RP-address form (length in bytes, TON/NPI, BCD), padded
 * with FF to width bytes. */
static int
put_number(const struct stk_sms_addr *a, uint8_t *at, size_t width)
{
	struct stk_buf b;
	int r;

	memset(at, 0xff, width);
	stk_buf_init_fixed(&b, at, width);
	if ((r = stk_smsc_addr_encode(a, &b)) != STK_OK)
		return r == STK_E_NOSPACE ? STK_E_TOO_LONG : r;
	return STK_OK;
}

/*
 * EF MSISDN record (TS 31.102 §4.2.26, the EF ADN coding of §4.4.2.3):
 * alpha identifier (reclen - 14 bytes, FF = none), the length of TON/NPI
 * plus BCD bytes, TON/NPI (TS 24.008 §10.5.4.7), up to 10 BCD bytes
 * (low nibble first, F fill), capability/configuration 2 id FF and
 * extension 5 id FF.  number NULL or "": an empty record (all FF).
 */
int
content_msisdn_record(const char *number, uint8_t *rec, size_t reclen)
{
	struct stk_sms_addr a;
	int r;

	if (reclen < ADN_TAIL)
		return STK_E_ARG;
	memset(rec, 0xff, reclen);
	if (number == NULL || *number == '\0')
		return STK_OK;
	if ((r = number_addr(number, &a)) != STK_OK)
		return r;
	return put_number(&a, rec + reclen - ADN_TAIL, ADN_NUMBER);
}

int
content_msisdn_text(const uint8_t *rec, size_t reclen, char *out,
    size_t outsz)
{
	struct stk_sms_addr a;
	struct stk_cur c;
	bool present;
	int r;

	if (reclen < ADN_TAIL)
		return STK_E_ARG;
	if (rec[reclen - ADN_TAIL] == 0xff)
		return STK_E_NOT_FOUND;
	stk_cur_init(&c, rec + reclen - ADN_TAIL, ADN_NUMBER);
	if ((r = stk_smsc_addr_decode(&c, &a, &present, NULL)) != STK_OK)
		return r;
	if (!present)
		return STK_E_NOT_FOUND;
	return stk_sms_addr_to_text(&a, out, outsz);
}

/*
 * EF SMSP record (TS 31.102 §4.2.27): alpha identifier (reclen - 28), the
 * parameter indicators (b1 TP-DA, b2 TS-SCA, b3 TP-PID, b4 TP-DCS, b5
 * TP-VP; 0 = present, b8-b6 = 1), TP-DA (12), TS-SCA in RP form (12),
 * TP-PID, TP-DCS, TP-VP.  Only the service centre is set here.
 */
int
content_smsp_record(const char *smsc, uint8_t *rec, size_t reclen)
{
	struct stk_sms_addr a;
	uint8_t *tail;
	int r;

	if (reclen < SMSP_TAIL)
		return STK_E_ARG;
	memset(rec, 0xff, reclen);
	if (smsc == NULL || *smsc == '\0')
		return STK_OK;
	if ((r = number_addr(smsc, &a)) != STK_OK)
		return r;
	tail = rec + reclen - SMSP_TAIL;
	tail[0] = 0xfd;		/* only TS-Service Centre Address present */
	return put_number(&a, tail + 1 + SMSP_ADDR, SMSP_ADDR);
}

/*
 * EF DIR record (TS 102 221 §13.1): application template 61 with the AID
 * (4F) and label (50) "USIM", FF padded.
 */
static void
dir_record(uint8_t *rec, size_t reclen)
{
	struct stk_buf b;
	size_t m;

	memset(rec, 0xff, reclen);
	stk_buf_init_fixed(&b, rec, reclen);
	stk_buf_add_u8(&b, 0x61);
	m = stk_buf_open_u8(&b);
	stk_buf_add_u8(&b, 0x4f);
	stk_buf_add_u8(&b, CARD_USIM_AID_LEN);
	stk_buf_add_bytes(&b, card_usim_aid, CARD_USIM_AID_LEN);
	stk_buf_add_u8(&b, 0x50);
	stk_buf_add_u8(&b, 4);
	stk_buf_add_bytes(&b, "USIM", 4);
	stk_buf_close_u8(&b, m);
}

/* EF LOCI (TS 31.102 §4.2.17) as delivered: TMSI FFFFFFFF, LAI with no
 * PLMN and the deleted LAC FFFE (TS 24.008 §4.4.1), RFU FF, location
 * update status 01 "not updated". */
static const uint8_t loci_initial[11] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x01,
};

int
content_new_card(const struct card_params *p, struct card_data *d,
    const char **what)
{
	const struct card_ef_layout *l;
	int r;

	memset(d, 0xff, sizeof(*d));
	*what = "--iccid";
	if (p->iccid == NULL)
		return STK_E_ARG;
	if ((r = content_iccid(p->iccid, d->ef[CARD_EF_ICCID])) != STK_OK)
		return r;
	*what = "--imsi";
	if (p->imsi == NULL)
		return STK_E_ARG;
	if ((r = content_imsi(p->imsi, d->ef[CARD_EF_IMSI])) != STK_OK)
		return r;
	*what = "--msisdn";
	l = card_ef_layout(CARD_EF_MSISDN);
	for (unsigned i = 0; i < l->nrec; i++) {
		r = content_msisdn_record(i == 0 ? p->msisdn : NULL,
		    &d->ef[CARD_EF_MSISDN][i * l->reclen], l->reclen);
		if (r != STK_OK)
			return r;
	}
	*what = "--smsc";
	l = card_ef_layout(CARD_EF_SMSP);
	if ((r = content_smsp_record(p->smsc, d->ef[CARD_EF_SMSP],
	    l->reclen)) != STK_OK)
		return r;
	l = card_ef_layout(CARD_EF_DIR);
	dir_record(d->ef[CARD_EF_DIR], l->reclen);
	memcpy(d->ef[CARD_EF_LOCI], loci_initial, sizeof(loci_initial));
	*what = "--pin";
	if ((r = pin_from_text(p->pin1 != NULL ? p->pin1 : "0000", false,
	    d->pin1)) != STK_OK)
		return r;
	*what = "--puk";
	if ((r = pin_from_text(p->puk1 != NULL ? p->puk1 : "12345678", true,
	    d->puk1)) != STK_OK)
		return r;
	d->pin1_tries = CARD_PIN1_TRIES_MAX;
	d->puk1_tries = CARD_PUK1_TRIES_MAX;
	d->pin1_enabled = true;
	content_new_applet(d);
	*what = NULL;
	return STK_OK;
}

void
content_new_applet(struct card_data *d)
{
	static const uint8_t tar[3] = CARD_AUTH_TAR_DEFAULT;

	/* Nothing loaded: no OTA keys, no K_auth, no key pair, no service
	 * number, an all-zero admin key (main.c sets a real one), the
	 * applet PIN / PUK equal to PIN1 / PUK1 with full counters. */
	memset(d->admin_key, 0, sizeof(d->admin_key));
	memcpy(d->auth_tar, tar, sizeof(tar));
	memset(d->ks, 0, sizeof(d->ks));
	d->kauth_len = 0;
	memset(d->kauth, 0, sizeof(d->kauth));
	d->rsa_len = 0;
	memset(d->rsa, 0, sizeof(d->rsa));
	memset(d->service, 0, sizeof(d->service));
	memcpy(d->apin, d->pin1, CARD_PIN_LEN);
	memcpy(d->apuk, d->puk1, CARD_PIN_LEN);
	d->apin_tries = CARD_APIN_TRIES_MAX;
	d->apuk_tries = CARD_APUK_TRIES_MAX;
	d->nseen = 0;
	memset(d->seen, 0, sizeof(d->seen));
}

bool
content_matches(const struct card_params *p, const struct card_data *d,
    const char **what)
{
	uint8_t buf[CARD_EF_MAX], pin[CARD_PIN_LEN];
	const struct card_ef_layout *l;

	*what = "--iccid";
	if (p->iccid != NULL && (content_iccid(p->iccid, buf) != STK_OK ||
	    memcmp(buf, d->ef[CARD_EF_ICCID], ICCID_LEN) != 0))
		return false;
	*what = "--imsi";
	if (p->imsi != NULL && (content_imsi(p->imsi, buf) != STK_OK ||
	    memcmp(buf, d->ef[CARD_EF_IMSI], IMSI_LEN) != 0))
		return false;
	*what = "--msisdn";
	l = card_ef_layout(CARD_EF_MSISDN);
	if (p->msisdn != NULL && (content_msisdn_record(p->msisdn, buf,
	    l->reclen) != STK_OK || memcmp(buf + l->reclen - ADN_TAIL,
	    d->ef[CARD_EF_MSISDN] + l->reclen - ADN_TAIL, ADN_NUMBER) != 0))
		return false;
	*what = "--smsc";
	l = card_ef_layout(CARD_EF_SMSP);
	if (p->smsc != NULL && (content_smsp_record(p->smsc, buf,
	    l->reclen) != STK_OK || memcmp(buf + l->reclen - SMSP_TAIL,
	    d->ef[CARD_EF_SMSP] + l->reclen - SMSP_TAIL, SMSP_TAIL) != 0))
		return false;
	*what = "--pin";
	if (p->pin1 != NULL && (pin_from_text(p->pin1, false, pin) != STK_OK ||
	    stk_ct_equal(pin, d->pin1, CARD_PIN_LEN) != 1))
		return false;
	*what = "--puk";
	if (p->puk1 != NULL && (pin_from_text(p->puk1, true, pin) != STK_OK ||
	    stk_ct_equal(pin, d->puk1, CARD_PIN_LEN) != 1))
		return false;
	*what = NULL;
	return true;
}
