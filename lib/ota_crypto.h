/*
 * ota_crypto.h - the cryptographic primitives of TS 102 225 secured
 * packets, over OpenSSL 3 EVP (private to lib/ota*.c and their tests).
 *
 * All ciphers run in CBC mode with a zero initial value and no padding
 * scheme (the packet code pads with zeros and counts them in PCNTR).
 */
#ifndef STKAUTH_OTA_CRYPTO_H
#define STKAUTH_OTA_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "ota.h"

/*
 * Load OpenSSL's "legacy" provider (single DES lives there in OpenSSL 3)
 * next to "default", once per process, thread-safely.  Returns 0 or
 * STK_E_UNSUPPORTED when the legacy provider cannot be loaded; then only
 * single DES is unavailable and the failure is logged once.
 */
int stk_ota_crypto_legacy(void);

/* Cipher block size of a KIc/KID algorithm (8 DES family, 16 AES), or 0. */
size_t stk_ota_alg_block(enum stk_ota_alg alg);
/* Whether key length len suits alg (DES 8, 3DES2 16, 3DES3 24, AES
 * 16/24/32); 0 or STK_E_ARG. */
int stk_ota_key_check(enum stk_ota_alg alg, size_t len);

/*
 * CBC-encrypt (enc = 1) or decrypt (enc = 0) n octets of in into out (may
 * be the same buffer); n must be a multiple of the block size.  alg is
 * DES_CBC, 3DES2_CBC, 3DES3_CBC or AES_CBC.  STK_E_ARG on bad length/key,
 * STK_E_UNSUPPORTED on other algorithms, STK_E_CRYPTO from OpenSSL.
 */
int stk_ota_cbc(enum stk_ota_alg alg, const struct stk_ota_key *key,
    int enc, const uint8_t *in, uint8_t *out, size_t n);

/*
 * Cryptographic checksum of in[0..n): DES/3DES CBC-MAC over the data
 * zero-padded to 8 octets (last cipher block), or AES-CMAC (no padding)
 * truncated to the leftmost outlen octets.  outlen: 8 for DES family,
 * 4..16 for CMAC.  Errors as stk_ota_cbc().
 */
int stk_ota_cc(enum stk_ota_alg alg, const struct stk_ota_key *key,
    const uint8_t *in, size_t n, uint8_t *out, size_t outlen);

/*
 * ISO/IEC 13239 frame checking sequences as used for RC (TS 102 225
 * §5.1.3.2): CRC-16 (polynomial 0x1021 reflected, init FFFF, final xor
 * FFFF; check value of "123456789" = 0x906E) and CRC-32 (polynomial
 * 0x04C11DB7 reflected, init FFFFFFFF, final xor FFFFFFFF; check value
 * 0xCBF43926; TS 102 225 Annex B: 0102030405 -> 470B99F4).  The RC field
 * carries them most significant octet first.
 */
uint16_t stk_ota_crc16(const uint8_t *p, size_t n);
uint32_t stk_ota_crc32(const uint8_t *p, size_t n);

#endif
