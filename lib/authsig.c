/*
 * authsig.c - authentication password, signatures and their verification
 * over the stkauth messages (docs/PROTOCOL.md §6, §7), with OpenSSL 3:
 * EVP_MAC (via EVP_Q_mac) for HMAC-SHA256, EVP_DigestSign/EVP_DigestVerify
 * for RSA PKCS#1 v1.5, RSA-PSS and ECDSA.  The only non-EVP calls are the
 * ECDSA_SIG/BIGNUM conversions between the raw r || s form we carry and
 * the DER form EVP produces and consumes (SEC 1 §C.8 / RFC 3279 §2.2.3).
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "authmsg.h"
#include "authsig.h"
#include "bytes.h"
#include "err.h"

#define ECDSA_P256_COORD_LEN 32

/* ---- the authentication password (PROTOCOL.md §6) ------------------- */

int
stk_auth_password_derive(const uint8_t *key, size_t keylen,
    const struct stk_auth_request *req,
    char out[STK_AUTH_PASSWORD_DIGITS + 1])
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	size_t maclen = 0;
	struct stk_buf in;
	uint64_t v = 0;
	int rc;

	if (key == NULL || req == NULL || out == NULL ||
	    keylen < STK_AUTH_KEY_MIN || keylen > STK_AUTH_KEY_MAX ||
	    req->ticket_len < STK_AUTH_TICKET_MIN ||
	    req->ticket_len > STK_AUTH_TICKET_MAX)
		return STK_E_ARG;

	stk_buf_init(&in);
	stk_buf_add_bytes(&in, STK_AUTH_PASSWORD_LABEL,
	    strlen(STK_AUTH_PASSWORD_LABEL));
	stk_buf_add_bytes(&in, req->session_id, STK_AUTH_SESSION_ID_LEN);
	stk_buf_add_bytes(&in, req->nonce, STK_AUTH_NONCE_LEN);
	stk_buf_add_u8(&in, req->ticket_len);
	stk_buf_add_bytes(&in, req->ticket, req->ticket_len);
	if (!stk_buf_ok(&in)) {
		rc = STK_E_NOMEM;
		goto out;
	}
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen,
	    stk_buf_data(&in), stk_buf_len(&in), mac, sizeof(mac),
	    &maclen) == NULL || maclen != 32) {
		ERR_clear_error();
		rc = STK_E_CRYPTO;
		goto out;
	}
	for (int i = 0; i < 8; i++)
		v = v << 8 | mac[i];
	v %= 100000000u;	/* 10^STK_AUTH_PASSWORD_DIGITS */
	for (int i = STK_AUTH_PASSWORD_DIGITS - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
	out[STK_AUTH_PASSWORD_DIGITS] = '\0';
	rc = STK_OK;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	stk_buf_free(&in);
	return rc;
}

int
stk_auth_password_check(const uint8_t *key, size_t keylen,
    const struct stk_auth_request *req, const char *password, size_t len)
{
	char want[STK_AUTH_PASSWORD_DIGITS + 1];
	int rc;

	if (password == NULL && len > 0)
		return STK_E_ARG;
	if ((rc = stk_auth_password_derive(key, keylen, req, want)) != STK_OK)
		goto out;
	/* The length is public (always 8); only the digits are secret. */
	if (len != STK_AUTH_PASSWORD_DIGITS ||
	    !stk_ct_equal(want, password, STK_AUTH_PASSWORD_DIGITS))
		rc = STK_E_VERIFY;
out:
	OPENSSL_cleanse(want, sizeof(want));
	return rc;
}

/* ---- signatures ------------------------------------------------------- */

/* Does the key fit the algorithm?  RSA (not RSA-PSS-restricted) or P-256. */
static bool
key_fits(unsigned alg, EVP_PKEY *key)
{
	char group[64];
	size_t glen = 0;

	switch (alg) {
	case STK_AUTH_SIG_RSA_PKCS1:
	case STK_AUTH_SIG_RSA_PSS:
		return EVP_PKEY_is_a(key, "RSA") == 1;
	case STK_AUTH_SIG_ECDSA_P256:
		if (EVP_PKEY_is_a(key, "EC") != 1)
			return false;
		if (EVP_PKEY_get_group_name(key, group, sizeof(group),
		    &glen) != 1)
			return false;
		return strcmp(group, "prime256v1") == 0 ||
		    strcmp(group, "P-256") == 0;
	default:
		return false;
	}
}

/*
 * A digest-sign/verify context for alg with SHA-256; RSA-PSS gets
 * MGF1-SHA256 and the 32-octet salt (RFC 8017 §9.1, §B.2.1).
 */
static int
md_ctx_for(unsigned alg, EVP_PKEY *key, bool sign, EVP_MD_CTX **out)
{
	EVP_MD_CTX *ctx;
	EVP_PKEY_CTX *pctx = NULL;
	int rc = STK_E_CRYPTO;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return STK_E_NOMEM;
	if (sign) {
		if (EVP_DigestSignInit_ex(ctx, &pctx, "SHA256", NULL, NULL,
		    key, NULL) != 1)
			goto out;
	} else {
		if (EVP_DigestVerifyInit_ex(ctx, &pctx, "SHA256", NULL, NULL,
		    key, NULL) != 1)
			goto out;
	}
	if (alg == STK_AUTH_SIG_RSA_PKCS1) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
			goto out;
	} else if (alg == STK_AUTH_SIG_RSA_PSS) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256",
		    NULL) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
		    STK_AUTH_PSS_SALT_LEN) <= 0)
			goto out;
	}
	*out = ctx;
	ctx = NULL;
	rc = STK_OK;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* DER ECDSA-Sig-Value -> raw r || s, 32 octets each. */
static int
ecdsa_der_to_raw(const uint8_t *der, size_t len,
    uint8_t raw[STK_AUTH_ECDSA_P256_SIG_LEN])
{
	const unsigned char *p = der;
	ECDSA_SIG *es;
	const BIGNUM *r, *s;
	int rc = STK_E_CRYPTO;

	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL)
		return STK_E_CRYPTO;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, raw, ECDSA_P256_COORD_LEN) !=
	    ECDSA_P256_COORD_LEN ||
	    BN_bn2binpad(s, raw + ECDSA_P256_COORD_LEN,
	    ECDSA_P256_COORD_LEN) != ECDSA_P256_COORD_LEN)
		goto out;
	rc = STK_OK;
out:
	ECDSA_SIG_free(es);
	return rc;
}

/* Raw r || s -> DER (malloc'd, OPENSSL_free it). */
static int
ecdsa_raw_to_der(const uint8_t *raw, uint8_t **der, size_t *der_len)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *p = NULL;
	int n, rc = STK_E_NOMEM;

	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(raw, ECDSA_P256_COORD_LEN, NULL)) == NULL ||
	    (s = BN_bin2bn(raw + ECDSA_P256_COORD_LEN, ECDSA_P256_COORD_LEN,
	    NULL)) == NULL)
		goto out;
	if (ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL;	/* owned by es now */
	if ((n = i2d_ECDSA_SIG(es, &p)) <= 0)
		goto out;
	*der = p;
	*der_len = (size_t)n;
	rc = STK_OK;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

int
stk_auth_sign_data(unsigned alg, EVP_PKEY *key, const uint8_t *data,
    size_t len, uint8_t sig[STK_AUTH_SIG_MAX], uint16_t *sig_len)
{
	EVP_MD_CTX *ctx = NULL;
	uint8_t *tmp = NULL;
	size_t tlen = 0;
	int rc;

	if (key == NULL || (data == NULL && len > 0) || sig == NULL ||
	    sig_len == NULL || !key_fits(alg, key))
		return STK_E_ARG;
	if ((rc = md_ctx_for(alg, key, true, &ctx)) != STK_OK)
		goto out;
	rc = STK_E_CRYPTO;
	if (EVP_DigestSign(ctx, NULL, &tlen, data, len) != 1)
		goto out;
	if ((tmp = OPENSSL_malloc(tlen)) == NULL) {
		rc = STK_E_NOMEM;
		goto out;
	}
	if (EVP_DigestSign(ctx, tmp, &tlen, data, len) != 1)
		goto out;
	if (alg == STK_AUTH_SIG_ECDSA_P256) {
		if ((rc = ecdsa_der_to_raw(tmp, tlen, sig)) != STK_OK)
			goto out;
		*sig_len = STK_AUTH_ECDSA_P256_SIG_LEN;
	} else {
		if (tlen > STK_AUTH_SIG_MAX || tlen < 64) {
			rc = STK_E_ARG;
			goto out;
		}
		memcpy(sig, tmp, tlen);
		*sig_len = (uint16_t)tlen;
	}
	rc = STK_OK;
out:
	if (rc != STK_OK)
		ERR_clear_error();
	OPENSSL_free(tmp);
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
stk_auth_verify_data(unsigned alg, EVP_PKEY *key, const uint8_t *data,
    size_t len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = NULL;
	uint8_t *der = NULL;
	size_t der_len = 0;
	const uint8_t *vsig = sig;
	size_t vlen = sig_len;
	int rc;

	if (key == NULL || (data == NULL && len > 0) ||
	    (sig == NULL && sig_len > 0))
		return STK_E_ARG;
	if (!key_fits(alg, key))
		return STK_E_VERIFY;
	if (alg == STK_AUTH_SIG_ECDSA_P256) {
		if (sig_len != STK_AUTH_ECDSA_P256_SIG_LEN)
			return STK_E_VERIFY;
		if ((rc = ecdsa_raw_to_der(sig, &der, &der_len)) != STK_OK)
			goto out;
		vsig = der;
		vlen = der_len;
	} else if (sig_len != (size_t)EVP_PKEY_get_size(key)) {
		/* RFC 8017 §8.2.2 step 1 / §8.1.2 step 1: length k */
		return STK_E_VERIFY;
	}
	if ((rc = md_ctx_for(alg, key, false, &ctx)) != STK_OK)
		goto out;
	/* 1: valid; 0: invalid; < 0: malformed signature or error */
	rc = EVP_DigestVerify(ctx, vsig, vlen, data, len) == 1 ? STK_OK :
	    STK_E_VERIFY;
out:
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
stk_auth_sign(const struct stk_auth_request *req,
    struct stk_auth_response *resp, EVP_PKEY *key)
{
	struct stk_buf dtbs;
	uint16_t n = 0;
	int rc;

	if (req == NULL || resp == NULL || key == NULL)
		return STK_E_ARG;
	stk_buf_init(&dtbs);
	if ((rc = stk_auth_dtbs(req, resp, &dtbs)) != STK_OK)
		goto out;
	if ((rc = stk_auth_sign_data(resp->sig_alg, key, stk_buf_data(&dtbs),
	    stk_buf_len(&dtbs), resp->sig, &n)) != STK_OK)
		goto out;
	resp->sig_len = n;
out:
	stk_buf_free(&dtbs);
	return rc;
}

int
stk_auth_verify(const struct stk_auth_request *req,
    const struct stk_auth_response *resp,
    const uint8_t iccid[STK_AUTH_ICCID_LEN], EVP_PKEY *pub)
{
	struct stk_auth_response bound;
	struct stk_buf dtbs;
	int rc;

	if (req == NULL || resp == NULL || iccid == NULL || pub == NULL)
		return STK_E_ARG;
	if (memcmp(req->session_id, resp->session_id,
	    STK_AUTH_SESSION_ID_LEN) != 0)
		return STK_E_INCONSISTENT;
	/* The card the server enrolled, not the card the response claims. */
	if (memcmp(resp->iccid, iccid, STK_AUTH_ICCID_LEN) != 0)
		return STK_E_VERIFY;
	if (resp->sig_alg == STK_AUTH_SIG_NONE || resp->sig_len == 0 ||
	    resp->sig_len > STK_AUTH_SIG_MAX)
		return STK_E_VERIFY;
	bound = *resp;
	memcpy(bound.iccid, iccid, STK_AUTH_ICCID_LEN);

	stk_buf_init(&dtbs);
	if ((rc = stk_auth_dtbs(req, &bound, &dtbs)) != STK_OK) {
		/* a response that breaks the rules cannot verify */
		if (rc != STK_E_NOMEM)
			rc = STK_E_VERIFY;
		goto out;
	}
	rc = stk_auth_verify_data(resp->sig_alg, pub, stk_buf_data(&dtbs),
	    stk_buf_len(&dtbs), resp->sig, resp->sig_len);
out:
	stk_buf_free(&dtbs);
	return rc;
}

int
stk_auth_verify_cert(const struct stk_auth_request *req,
    const struct stk_auth_response *resp,
    const uint8_t iccid[STK_AUTH_ICCID_LEN], X509 *cert)
{
	EVP_PKEY *pub;

	if (cert == NULL)
		return STK_E_ARG;
	/* get0: the certificate keeps ownership */
	if ((pub = X509_get0_pubkey(cert)) == NULL) {
		ERR_clear_error();
		return STK_E_VERIFY;
	}
	return stk_auth_verify(req, resp, iccid, pub);
}
