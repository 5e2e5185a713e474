/*
 * ota_crypto.c - ciphers, cryptographic checksums and CRCs of TS 102 225
 * secured packets (contracts in ota_crypto.h), all through OpenSSL 3 EVP.
 * Key material stays in the caller's struct stk_ota_key and the EVP
 * contexts, which are freed (and cleansed by OpenSSL) before returning.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "log.h"
#include "ota_crypto.h"

/* ---- OpenSSL providers ------------------------------------------------- */

static pthread_once_t legacy_once = PTHREAD_ONCE_INIT;
static int legacy_status = STK_E_UNSUPPORTED;
static OSSL_PROVIDER *provider_default, *provider_legacy;

/* Unloaded at exit before OpenSSL's own clean-up (atexit runs handlers in
 * reverse order and OpenSSL registered its handler first): the legacy
 * provider tears its context down only when unloaded explicitly. */
static void
providers_unload(void)
{
	if (provider_legacy != NULL)
		OSSL_PROVIDER_unload(provider_legacy);
	if (provider_default != NULL)
		OSSL_PROVIDER_unload(provider_default);
	provider_legacy = provider_default = NULL;
}

/*
 * Loading any provider explicitly stops OpenSSL from loading "default"
 * implicitly, so load both (OpenSSL 3 migration guide).
 */
static void
legacy_load(void)
{
	OSSL_PROVIDER *dflt, *legacy;

	dflt = provider_default = OSSL_PROVIDER_load(NULL, "default");
	legacy = provider_legacy = OSSL_PROVIDER_load(NULL, "legacy");
	(void)atexit(providers_unload);
	if (dflt != NULL && legacy != NULL) {
		legacy_status = STK_OK;
		return;
	}
	log_error("OpenSSL %s provider unavailable: single DES (TS 102 225 "
	    "KIc/KID b4b3 = 00) cannot be used",
	    legacy == NULL ? "legacy" : "default");
}

int
stk_ota_crypto_legacy(void)
{
	if (pthread_once(&legacy_once, legacy_load) != 0)
		return STK_E_UNSUPPORTED;
	return legacy_status;
}

/* ---- algorithm properties ---------------------------------------------- */

size_t
stk_ota_alg_block(enum stk_ota_alg alg)
{
	switch (alg) {
	case STK_OTA_ALG_DES_CBC:
	case STK_OTA_ALG_3DES2_CBC:
	case STK_OTA_ALG_3DES3_CBC:
		return 8;
	case STK_OTA_ALG_AES_CBC:
	case STK_OTA_ALG_AES_CMAC:
		return 16;
	default:
		return 0;
	}
}

int
stk_ota_key_check(enum stk_ota_alg alg, size_t len)
{
	switch (alg) {
	case STK_OTA_ALG_DES_CBC:
		return len == 8 ? STK_OK : STK_E_ARG;
	case STK_OTA_ALG_3DES2_CBC:
		return len == 16 ? STK_OK : STK_E_ARG;
	case STK_OTA_ALG_3DES3_CBC:
		return len == 24 ? STK_OK : STK_E_ARG;
	case STK_OTA_ALG_AES_CBC:
	case STK_OTA_ALG_AES_CMAC:
		return len == 16 || len == 24 || len == 32 ? STK_OK : STK_E_ARG;
	default:
		return STK_E_UNSUPPORTED;
	}
}

/* OpenSSL name of the CBC cipher behind alg for a key of len octets. */
static const char *
cbc_name(enum stk_ota_alg alg, size_t len)
{
	switch (alg) {
	case STK_OTA_ALG_DES_CBC:
		return "DES-CBC";
	case STK_OTA_ALG_3DES2_CBC:
		return "DES-EDE-CBC";
	case STK_OTA_ALG_3DES3_CBC:
		return "DES-EDE3-CBC";
	case STK_OTA_ALG_AES_CBC:
	case STK_OTA_ALG_AES_CMAC:
		return len == 16 ? "AES-128-CBC" :
		    len == 24 ? "AES-192-CBC" : "AES-256-CBC";
	default:
		return NULL;
	}
}

/* ---- CBC ciphering ----------------------------------------------------- */

int
stk_ota_cbc(enum stk_ota_alg alg, const struct stk_ota_key *key, int enc,
    const uint8_t *in, uint8_t *out, size_t n)
{
	static const uint8_t zero_iv[16];
	EVP_CIPHER *cipher = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	const char *name;
	size_t bs;
	int outl = 0, finl = 0, ret;

	if (alg != STK_OTA_ALG_DES_CBC && alg != STK_OTA_ALG_3DES2_CBC &&
	    alg != STK_OTA_ALG_3DES3_CBC && alg != STK_OTA_ALG_AES_CBC)
		return STK_E_UNSUPPORTED;
	if (key == NULL || (ret = stk_ota_key_check(alg, key->len)) != STK_OK)
		return STK_E_ARG;
	bs = stk_ota_alg_block(alg);
	if (n % bs != 0 || n > (size_t)1 << 30)
		return STK_E_ARG;
	if (n == 0)
		return STK_OK;
	if (alg == STK_OTA_ALG_DES_CBC &&
	    (ret = stk_ota_crypto_legacy()) != STK_OK)
		return ret;
	name = cbc_name(alg, key->len);
	ret = STK_E_CRYPTO;
	if ((cipher = EVP_CIPHER_fetch(NULL, name, NULL)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (EVP_CipherInit_ex2(ctx, cipher, key->key, zero_iv, enc, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_CipherUpdate(ctx, out, &outl, in, (int)n) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + outl, &finl) != 1 ||
	    (size_t)outl + (size_t)finl != n)
		goto out;
	ret = STK_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return ret;
}

/* ---- cryptographic checksums ------------------------------------------- */

/* AES-CMAC (NIST SP 800-38B) through EVP_MAC, full 16-octet tag. */
static int
aes_cmac(const struct stk_ota_key *key, const uint8_t *in, size_t n,
    uint8_t tag[16])
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t tlen = 0;
	int ret = STK_E_CRYPTO;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
	    (char *)cbc_name(STK_OTA_ALG_AES_CMAC, key->len), 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "CMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto out;
	if (EVP_MAC_init(ctx, key->key, key->len, params) != 1 ||
	    EVP_MAC_update(ctx, in, n) != 1 ||
	    EVP_MAC_final(ctx, tag, &tlen, 16) != 1 || tlen != 16)
		goto out;
	ret = STK_OK;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ret;
}

/*
 * DES/3DES CBC-MAC: the data zero-padded to a multiple of 8 octets is
 * CBC-encrypted with a zero IV chunk by chunk, carrying the chaining
 * value; the last cipher block is the CC (TS 102 225 §5.1.3.1).
 */
static int
des_cbc_mac(enum stk_ota_alg alg, const struct stk_ota_key *key,
    const uint8_t *in, size_t n, uint8_t mac[8])
{
	uint8_t chain[8] = { 0 }, blk[8];
	size_t off = 0;
	int ret;

	do {
		size_t take = n - off < 8 ? n - off : 8;

		memset(blk, 0, sizeof(blk));
		if (take > 0)
			memcpy(blk, in + off, take);
		for (size_t i = 0; i < 8; i++)
			blk[i] ^= chain[i];
		/* One block with zero IV after the manual XOR = CBC step. */
		if ((ret = stk_ota_cbc(alg, key, 1, blk, chain, 8)) != STK_OK)
			goto out;
		off += take;
	} while (off < n);
	memcpy(mac, chain, 8);
	ret = STK_OK;
out:
	OPENSSL_cleanse(chain, sizeof(chain));
	OPENSSL_cleanse(blk, sizeof(blk));
	return ret;
}

int
stk_ota_cc(enum stk_ota_alg alg, const struct stk_ota_key *key,
    const uint8_t *in, size_t n, uint8_t *out, size_t outlen)
{
	uint8_t tag[16];
	int ret;

	if (key == NULL)
		return STK_E_ARG;
	switch (alg) {
	case STK_OTA_ALG_DES_CBC:
	case STK_OTA_ALG_3DES2_CBC:
	case STK_OTA_ALG_3DES3_CBC:
		if (outlen != 8)
			return STK_E_ARG;
		return des_cbc_mac(alg, key, in, n, out);
	case STK_OTA_ALG_AES_CMAC:
		if (outlen < 4 || outlen > 16)
			return STK_E_ARG;
		if (stk_ota_key_check(alg, key->len) != STK_OK)
			return STK_E_ARG;
		if ((ret = aes_cmac(key, in, n, tag)) == STK_OK)
			memcpy(out, tag, outlen);
		OPENSSL_cleanse(tag, sizeof(tag));
		return ret;
	default:
		return STK_E_UNSUPPORTED;
	}
}

/* ---- ISO/IEC 13239 CRCs (reflected, bitwise) --------------------------- */

uint16_t
stk_ota_crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xFFFF;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0x8408) :
			    (uint16_t)(crc >> 1);
	}
	return (uint16_t)(crc ^ 0xFFFF);
}

uint32_t
stk_ota_crc32(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFFu;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	return crc ^ 0xFFFFFFFFu;
}
