/*
 * ota_spi.c - the coding of TS 102 225 / TS 31.115 secured packets that
 * needs no key: SPI, KIc and KID code points, algorithm names, counter
 * management and the PoR request.  Contracts in ota.h.
 */
#include <stddef.h>

#include "ota.h"

/* ---- SPI, TS 102 225 §5.1.1, TS 31.115 §4.2 ---------------------------- */

int
stk_ota_spi_decode(uint16_t raw, struct stk_ota_spi *spi)
{
	uint8_t o1 = (uint8_t)(raw >> 8), o2 = (uint8_t)raw;

	/* Octet 1 b8..b6 and octet 2 b8b7 are reserved; PoR b2b1 = 11 too. */
	if ((o1 & 0xE0) != 0 || (o2 & 0xC0) != 0 || (o2 & 0x03) == 0x03)
		return STK_E_INVALID;
	spi->integrity = (enum stk_ota_integrity)(o1 & 0x03);
	spi->ciphering = (o1 & 0x04) != 0;
	spi->cntr = (enum stk_ota_cntr_mode)((o1 >> 3) & 0x03);
	spi->por = (enum stk_ota_por_req)(o2 & 0x03);
	spi->por_integrity = (enum stk_ota_integrity)((o2 >> 2) & 0x03);
	spi->por_ciphering = (o2 & 0x10) != 0;
	spi->por_via_submit = (o2 & 0x20) != 0;
	return STK_OK;
}

uint16_t
stk_ota_spi_encode(const struct stk_ota_spi *spi)
{
	unsigned o1, o2;

	o1 = ((unsigned)spi->integrity & 3) | (spi->ciphering ? 0x04 : 0) |
	    (((unsigned)spi->cntr & 3) << 3);
	o2 = ((unsigned)spi->por & 3) | (((unsigned)spi->por_integrity & 3) << 2) |
	    (spi->por_ciphering ? 0x10 : 0) | (spi->por_via_submit ? 0x20 : 0);
	return (uint16_t)(o1 << 8 | o2);
}

/* ---- KIc / KID, TS 102 225 §5.1.2, §5.1.3 ------------------------------ */

enum stk_ota_alg
stk_ota_kic_alg(uint8_t kic)
{
	unsigned sub = (kic >> 2) & 3;

	switch (kic & 3) {
	case 0:
		return STK_OTA_ALG_IMPLICIT;
	case 1: {	/* DES family, b4b3 */
		static const enum stk_ota_alg des[4] = {
			STK_OTA_ALG_DES_CBC, STK_OTA_ALG_3DES2_CBC,
			STK_OTA_ALG_3DES3_CBC, STK_OTA_ALG_DES_ECB,
		};
		return des[sub];
	}
	case 2:		/* AES: b4b3 = 00 CBC, others reserved */
		return sub == 0 ? STK_OTA_ALG_AES_CBC : STK_OTA_ALG_RESERVED;
	default:
		return STK_OTA_ALG_PROPRIETARY;
	}
}

enum stk_ota_alg
stk_ota_kid_alg(uint8_t kid, enum stk_ota_integrity integ)
{
	unsigned sub = (kid >> 2) & 3;

	if (integ == STK_OTA_INTEG_RC) {	/* §5.1.3.2 */
		switch (kid & 3) {
		case 0:
			return STK_OTA_ALG_IMPLICIT;
		case 1:
			return sub == 0 ? STK_OTA_ALG_CRC16 :
			    sub == 1 ? STK_OTA_ALG_CRC32 : STK_OTA_ALG_RESERVED;
		case 2:
			return STK_OTA_ALG_RESERVED;
		default:
			return STK_OTA_ALG_PROPRIETARY;
		}
	}
	if (integ == STK_OTA_INTEG_CC) {	/* §5.1.3.1 */
		switch (kid & 3) {
		case 0:
			return STK_OTA_ALG_IMPLICIT;
		case 1:
			return sub == 0 ? STK_OTA_ALG_DES_CBC :
			    sub == 1 ? STK_OTA_ALG_3DES2_CBC :
			    sub == 2 ? STK_OTA_ALG_3DES3_CBC : STK_OTA_ALG_RESERVED;
		case 2:
			return sub == 0 ? STK_OTA_ALG_AES_CMAC : STK_OTA_ALG_RESERVED;
		default:
			return STK_OTA_ALG_PROPRIETARY;
		}
	}
	if (integ == STK_OTA_INTEG_DS)
		return STK_OTA_ALG_PROPRIETARY;	/* DS: §5.1.3.3, not supported */
	return STK_OTA_ALG_NONE;
}

static const char *const alg_names[] = {
	[STK_OTA_ALG_NONE] = "none",
	[STK_OTA_ALG_IMPLICIT] = "known implicitly",
	[STK_OTA_ALG_DES_CBC] = "DES-CBC",
	[STK_OTA_ALG_3DES2_CBC] = "3DES-CBC-2KEY",
	[STK_OTA_ALG_3DES3_CBC] = "3DES-CBC-3KEY",
	[STK_OTA_ALG_DES_ECB] = "DES-ECB",
	[STK_OTA_ALG_AES_CBC] = "AES-CBC",
	[STK_OTA_ALG_AES_CMAC] = "AES-CMAC",
	[STK_OTA_ALG_CRC16] = "CRC-16",
	[STK_OTA_ALG_CRC32] = "CRC-32",
	[STK_OTA_ALG_PROPRIETARY] = "proprietary",
	[STK_OTA_ALG_RESERVED] = "reserved",
};

const char *
stk_ota_alg_name(enum stk_ota_alg alg)
{
	if ((size_t)alg < sizeof(alg_names) / sizeof(alg_names[0]) &&
	    alg_names[alg] != NULL)
		return alg_names[alg];
	return "unknown";
}

/* ---- counter management, TS 102 225 §5.1.1 ----------------------------- */

uint8_t
stk_ota_counter_check(enum stk_ota_cntr_mode mode, uint64_t stored,
    uint64_t received, bool *update, uint64_t *new_stored)
{
	*update = false;
	*new_stored = stored;
	if (mode == STK_OTA_CNTR_NONE || mode == STK_OTA_CNTR_NOCHECK)
		return STK_OTA_ST_OK;
	/* No value can exceed a counter that reached its maximum. */
	if (stored >= STK_OTA_CNTR_MAX)
		return STK_OTA_ST_CNTR_BLOCKED;
	if (received <= stored)
		return STK_OTA_ST_CNTR_LOW;
	if (mode == STK_OTA_CNTR_ONE_HIGHER && received != stored + 1)
		return STK_OTA_ST_CNTR_HIGH;
	*update = true;
	*new_stored = received;
	return STK_OTA_ST_OK;
}

bool
stk_ota_por_wanted(const struct stk_ota_spi *spi, uint8_t status)
{
	return spi->por == STK_OTA_POR_ALWAYS ||
	    (spi->por == STK_OTA_POR_ON_ERROR && status != STK_OTA_ST_OK);
}
