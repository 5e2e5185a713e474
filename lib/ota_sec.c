/*
 * ota_sec.c - security resolution and RC/CC computation shared by the
 * building (ota_wrap.c) and opening (ota_unwrap.c) of TS 102 225 secured
 * packets; contracts in ota_sec.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ota_crypto.h"
#include "ota_sec.h"

/* The UDH a single-SMS response packet starts with; covered by its CC
 * (TS 31.115 §4.4). */
static const uint8_t resp_udh[3] = { 0x02, STK_OTA_IEI_RESPONSE, 0x00 };

const struct ota_kind ota_kind_command = {
	.pl_name = "CPL",
	.hl_name = "CHL",
	.hl_min = STK_OTA_CHL_MIN,
	.clear_len = 10,		/* CPL CHL SPI KIc KID TAR */
	.fixed_len = 6,			/* CNTR PCNTR */
	.has_status = false,
	.prefix = NULL,
	.prefix_len = 0,
};

const struct ota_kind ota_kind_response = {
	.pl_name = "RPL",
	.hl_name = "RHL",
	.hl_min = STK_OTA_RHL_MIN,
	.clear_len = 6,			/* RPL RHL TAR */
	.fixed_len = 7,			/* CNTR PCNTR status */
	.has_status = true,
	.prefix = resp_udh,
	.prefix_len = sizeof(resp_udh),
};

void
ota_sec_none(struct ota_sec *s)
{
	memset(s, 0, sizeof(*s));
	s->block = 1;
}

/* A KIc/KID code point resolved against the key ("known implicitly"). */
static enum stk_ota_alg
resolve(enum stk_ota_alg coded, const struct stk_ota_key *key)
{
	if (coded == STK_OTA_ALG_IMPLICIT)
		return key != NULL ? key->implicit_alg : STK_OTA_ALG_RESERVED;
	return coded;
}

static bool
is_cipher(enum stk_ota_alg a)
{
	return a == STK_OTA_ALG_DES_CBC || a == STK_OTA_ALG_3DES2_CBC ||
	    a == STK_OTA_ALG_3DES3_CBC || a == STK_OTA_ALG_AES_CBC;
}

static bool
is_cc(enum stk_ota_alg a)
{
	return a == STK_OTA_ALG_DES_CBC || a == STK_OTA_ALG_3DES2_CBC ||
	    a == STK_OTA_ALG_3DES3_CBC || a == STK_OTA_ALG_AES_CMAC;
}

int
ota_sec_resolve(bool ciphering, enum stk_ota_integrity integ, uint8_t kic,
    uint8_t kid, const struct stk_ota_key *kic_key,
    const struct stk_ota_key *kid_key, struct ota_sec *s)
{
	ota_sec_none(s);
	if (ciphering) {
		s->cipher = resolve(stk_ota_kic_alg(kic), kic_key);
		if (!is_cipher(s->cipher))
			return STK_E_UNSUPPORTED;
		if (kic_key == NULL ||
		    stk_ota_key_check(s->cipher, kic_key->len) != STK_OK)
			return STK_E_ARG;
		s->block = stk_ota_alg_block(s->cipher);
	}
	switch (integ) {
	case STK_OTA_INTEG_NONE:
		return STK_OK;
	case STK_OTA_INTEG_RC:
		s->integ = resolve(stk_ota_kid_alg(kid, integ), kid_key);
		if (s->integ == STK_OTA_ALG_CRC16)
			s->sig_len = 2;
		else if (s->integ == STK_OTA_ALG_CRC32)
			s->sig_len = 4;
		else
			return STK_E_UNSUPPORTED;
		return STK_OK;
	case STK_OTA_INTEG_CC:
		s->integ = resolve(stk_ota_kid_alg(kid, integ), kid_key);
		if (!is_cc(s->integ))
			return STK_E_UNSUPPORTED;
		if (kid_key == NULL ||
		    stk_ota_key_check(s->integ, kid_key->len) != STK_OK)
			return STK_E_ARG;
		s->sig_len = 8;
		return STK_OK;
	default:
		return STK_E_UNSUPPORTED;	/* DS */
	}
}

bool
ota_sec_sig_len_ok(const struct ota_sec *s, size_t got)
{
	return got == s->sig_len;
}

size_t
ota_sec_pad_len(size_t n, size_t block)
{
	return block <= 1 ? 0 : (block - n % block) % block;
}

int
ota_sec_sig(const struct ota_sec *s, const struct stk_ota_key *kid_key,
    const struct ota_part *parts, size_t nparts, uint8_t *sig, size_t sig_len)
{
	uint8_t *tmp;
	size_t total = 0, at = 0;
	int ret;

	for (size_t i = 0; i < nparts; i++)
		total += parts[i].n;
	if ((tmp = malloc(total + 1)) == NULL)
		return STK_E_NOMEM;
	for (size_t i = 0; i < nparts; i++) {
		if (parts[i].n > 0)
			memcpy(tmp + at, parts[i].p, parts[i].n);
		at += parts[i].n;
	}
	if (s->integ == STK_OTA_ALG_CRC16) {
		uint16_t c = stk_ota_crc16(tmp, total);
		sig[0] = (uint8_t)(c >> 8);
		sig[1] = (uint8_t)c;
		ret = STK_OK;
	} else if (s->integ == STK_OTA_ALG_CRC32) {
		uint32_t c = stk_ota_crc32(tmp, total);
		for (int i = 0; i < 4; i++)
			sig[i] = (uint8_t)(c >> (24 - 8 * i));
		ret = STK_OK;
	} else {
		ret = stk_ota_cc(s->integ, kid_key, tmp, total, sig, sig_len);
	}
	OPENSSL_cleanse(tmp, total);
	free(tmp);
	return ret;
}
